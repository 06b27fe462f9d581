-- Consent between agencies (issue 13).
-- A co-organiser named by another agency is a claim: it counts for the named
-- agency only once that agency (or an admin) confirms it. Claims stored
-- before consent existed were never agreed to, so they start pending.
ALTER TABLE event_co_organizers ADD COLUMN status TEXT NOT NULL DEFAULT 'pending'
    CHECK (status IN ('pending', 'confirmed', 'declined'));
ALTER TABLE event_co_organizers ADD COLUMN decided_at TIMESTAMP;
CREATE INDEX event_co_organizers_status ON event_co_organizers (agency_code, status, event_seq);

-- A proposed same-as link between two reports (a_seq < b_seq), made from the
-- proposer's own report (from_seq). It becomes a link in event_links once
-- every agency with a live report in either report's group has approved.
CREATE TABLE link_proposals (
    id          TEXT NOT NULL PRIMARY KEY,
    a_seq       BIGINT NOT NULL REFERENCES events (seq),
    b_seq       BIGINT NOT NULL REFERENCES events (seq),
    from_seq    BIGINT NOT NULL REFERENCES events (seq),
    proposed_by TEXT NOT NULL REFERENCES agencies (code),
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (a_seq, b_seq),
    CHECK (a_seq < b_seq),
    CHECK (from_seq = a_seq OR from_seq = b_seq)
);
CREATE INDEX link_proposals_b ON link_proposals (b_seq);

-- Which agencies approved a proposal (the proposer's agency first).
CREATE TABLE link_approvals (
    proposal_id TEXT NOT NULL REFERENCES link_proposals (id),
    agency_code TEXT NOT NULL REFERENCES agencies (code),
    approved_at TIMESTAMP NOT NULL,
    PRIMARY KEY (proposal_id, agency_code)
);
