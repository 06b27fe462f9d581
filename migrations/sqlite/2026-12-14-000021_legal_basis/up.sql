-- The legal basis of each event's identifiers (issue 34; Law 91/2025/QH15):
-- `consent`, `legal_obligation` or `public_task` as the agency states it
-- (NULL: not stated; with participants that reads `unknown`), the law that
-- provides for it, who consented, and whether student ids (children's
-- data) were sent. Not figures: no aggregate reads them.
ALTER TABLE events ADD COLUMN legal_basis TEXT;
ALTER TABLE events ADD COLUMN legal_reference TEXT;
ALTER TABLE events ADD COLUMN consent_by TEXT;
ALTER TABLE events ADD COLUMN holds_children BOOLEAN NOT NULL DEFAULT FALSE;
