-- Consent to specific figures (issue 28): an approval names the revision
-- of the proposal it agreed to (a hash of every report of both real
-- events, their versions and the claims on them). An approval at another
-- revision no longer counts, so an edit asks every party again. Approvals
-- given before this migration name no revision (0) and are asked again.
ALTER TABLE link_approvals ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
