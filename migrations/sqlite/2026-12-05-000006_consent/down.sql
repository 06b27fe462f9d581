DROP TABLE link_approvals;
DROP INDEX link_proposals_b;
DROP TABLE link_proposals;
DROP INDEX event_co_organizers_status;
ALTER TABLE event_co_organizers DROP COLUMN decided_at;
ALTER TABLE event_co_organizers DROP COLUMN status;
