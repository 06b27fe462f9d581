CREATE OR REPLACE FUNCTION reach_event_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reach_changes (scope, event_seq) VALUES ('event', NEW.seq);
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION reach_claim_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO reach_changes (scope, event_seq) VALUES ('event', OLD.event_seq);
    ELSE
        INSERT INTO reach_changes (scope, event_seq) VALUES ('event', NEW.event_seq);
    END IF;
    RETURN NULL;
END $$;

DROP FUNCTION reach_log_event(BIGINT);
DROP INDEX reach_changes_txid_event;
CREATE INDEX reach_changes_txid ON reach_changes (txid);
CREATE INDEX reach_changes_at ON reach_changes (at);
