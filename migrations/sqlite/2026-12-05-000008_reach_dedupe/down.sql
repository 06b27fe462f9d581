CREATE INDEX reach_changes_at ON reach_changes (at);
