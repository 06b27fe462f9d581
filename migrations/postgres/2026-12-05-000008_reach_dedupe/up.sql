-- One change-log row per report and transaction (issue 15): creating a
-- report inserts it and then sets its group, and names its co-organisers, in
-- one transaction; the reader reloads the report's real event once whatever
-- the number of rows, so the extra rows were pure write cost. Same-transaction
-- rows are found through (txid, event_seq); the reader's `txid >= xmin` uses
-- the same index.
DROP INDEX reach_changes_txid;
CREATE INDEX reach_changes_txid_event ON reach_changes (txid, event_seq);
-- Pruning (every ten minutes, rows older than an hour) reads the table
-- instead: it holds an hour of writes, and an index on `at` cost every write.
DROP INDEX reach_changes_at;

CREATE OR REPLACE FUNCTION reach_log_event(report BIGINT) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    tx BIGINT := pg_current_xact_id()::text::bigint;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM reach_changes WHERE txid = tx AND event_seq = report) THEN
        INSERT INTO reach_changes (txid, scope, event_seq) VALUES (tx, 'event', report);
    END IF;
END $$;

CREATE OR REPLACE FUNCTION reach_event_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM reach_log_event(NEW.seq);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION reach_claim_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM reach_log_event(OLD.event_seq);
    ELSE
        PERFORM reach_log_event(NEW.event_seq);
    END IF;
    RETURN NULL;
END $$;
