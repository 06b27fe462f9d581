ALTER TABLE events DROP COLUMN holds_children;
ALTER TABLE events DROP COLUMN consent_by;
ALTER TABLE events DROP COLUMN legal_reference;
ALTER TABLE events DROP COLUMN legal_basis;
