-- The change log the in-memory reach index follows (issue 15). Each write
-- that can move an aggregate adds a row in its own transaction, by triggers
-- on reports, co-organiser claims, units and agencies: no write path can
-- forget one. SQLite has one writer at
-- a time, so rows commit in seq order; AUTOINCREMENT never reuses a seq after
-- old rows are pruned. `txid` is unused here (PostgreSQL's transaction id).
CREATE TABLE reach_changes (
    seq       INTEGER PRIMARY KEY AUTOINCREMENT,
    txid      BIGINT NOT NULL DEFAULT 0,
    scope     TEXT NOT NULL CHECK (scope IN ('event', 'areas', 'agencies')),
    event_seq BIGINT,
    at        TIMESTAMP NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f', 'now'))
);
CREATE INDEX reach_changes_at ON reach_changes (at);

CREATE TRIGGER events_reach_insert AFTER INSERT ON events BEGIN
    INSERT INTO reach_changes (scope, event_seq) VALUES ('event', NEW.seq);
END;
CREATE TRIGGER events_reach_update AFTER UPDATE ON events BEGIN
    INSERT INTO reach_changes (scope, event_seq) VALUES ('event', NEW.seq);
END;
CREATE TRIGGER event_co_organizers_reach_insert AFTER INSERT ON event_co_organizers BEGIN
    INSERT INTO reach_changes (scope, event_seq) VALUES ('event', NEW.event_seq);
END;
CREATE TRIGGER event_co_organizers_reach_update AFTER UPDATE ON event_co_organizers BEGIN
    INSERT INTO reach_changes (scope, event_seq) VALUES ('event', NEW.event_seq);
END;
CREATE TRIGGER event_co_organizers_reach_delete AFTER DELETE ON event_co_organizers BEGIN
    INSERT INTO reach_changes (scope, event_seq) VALUES ('event', OLD.event_seq);
END;

-- SQLite has row triggers only: one row per unit or agency written (an
-- import writes thousands of small rows; they are pruned after an hour).
CREATE TRIGGER areas_reach_insert AFTER INSERT ON areas BEGIN
    INSERT INTO reach_changes (scope) VALUES ('areas');
END;
CREATE TRIGGER areas_reach_update AFTER UPDATE ON areas BEGIN
    INSERT INTO reach_changes (scope) VALUES ('areas');
END;
CREATE TRIGGER areas_reach_delete AFTER DELETE ON areas BEGIN
    INSERT INTO reach_changes (scope) VALUES ('areas');
END;
CREATE TRIGGER agencies_reach_insert AFTER INSERT ON agencies BEGIN
    INSERT INTO reach_changes (scope) VALUES ('agencies');
END;
CREATE TRIGGER agencies_reach_update AFTER UPDATE ON agencies BEGIN
    INSERT INTO reach_changes (scope) VALUES ('agencies');
END;
CREATE TRIGGER agencies_reach_delete AFTER DELETE ON agencies BEGIN
    INSERT INTO reach_changes (scope) VALUES ('agencies');
END;
