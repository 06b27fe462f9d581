-- The change log the in-memory reach index follows (issue 15). Each write
-- that can move an aggregate adds a row in its own transaction, by triggers
-- on reports, co-organiser claims, units and agencies: no write path can
-- forget one. `txid` is the writing
-- transaction's id: a reader asks for every row whose transaction may not
-- have been visible at its previous read (txid >= that read's snapshot xmin),
-- so a transaction that took a lower seq but committed later is never missed.
CREATE TABLE reach_changes (
    seq       BIGSERIAL PRIMARY KEY,
    txid      BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint),
    scope     TEXT NOT NULL CHECK (scope IN ('event', 'areas', 'agencies')),
    event_seq BIGINT,
    at        TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')
);
CREATE INDEX reach_changes_txid ON reach_changes (txid);
CREATE INDEX reach_changes_at ON reach_changes (at);

CREATE FUNCTION reach_event_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reach_changes (scope, event_seq) VALUES ('event', NEW.seq);
    RETURN NULL;
END $$;

CREATE FUNCTION reach_claim_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO reach_changes (scope, event_seq) VALUES ('event', OLD.event_seq);
    ELSE
        INSERT INTO reach_changes (scope, event_seq) VALUES ('event', NEW.event_seq);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER events_reach AFTER INSERT OR UPDATE ON events
    FOR EACH ROW EXECUTE FUNCTION reach_event_changed();
CREATE TRIGGER event_co_organizers_reach AFTER INSERT OR UPDATE OR DELETE ON event_co_organizers
    FOR EACH ROW EXECUTE FUNCTION reach_claim_changed();

-- Units and agencies change in bulk (an import writes thousands of units):
-- one row per statement.
CREATE FUNCTION reach_areas_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reach_changes (scope) VALUES ('areas');
    RETURN NULL;
END $$;
CREATE FUNCTION reach_agencies_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO reach_changes (scope) VALUES ('agencies');
    RETURN NULL;
END $$;
CREATE TRIGGER areas_reach AFTER INSERT OR UPDATE OR DELETE ON areas
    FOR EACH STATEMENT EXECUTE FUNCTION reach_areas_changed();
CREATE TRIGGER agencies_reach AFTER INSERT OR UPDATE OR DELETE ON agencies
    FOR EACH STATEMENT EXECUTE FUNCTION reach_agencies_changed();
