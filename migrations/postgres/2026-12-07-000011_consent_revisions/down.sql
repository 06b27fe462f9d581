ALTER TABLE link_approvals DROP COLUMN revision;
