-- Locked periods (issue 17). While a lock is active (not reopened), no
-- write may change the figures of a report whose start date falls in
-- [starts_on, ends_on]. Reopening keeps the row, with who and why.
CREATE TABLE period_locks (
    id          BIGSERIAL PRIMARY KEY,
    period        TEXT NOT NULL,
    starts_on     DATE NOT NULL,
    ends_on       DATE NOT NULL,
    reason        TEXT NOT NULL,
    locked_at     TIMESTAMP NOT NULL,
    locked_by     TEXT NOT NULL,
    reopened_at   TIMESTAMP,
    reopened_by   TEXT,
    reopen_reason TEXT,
    CHECK (starts_on <= ends_on),
    CHECK ((reopened_at IS NULL) = (reopen_reason IS NULL))
);
-- At most one active lock per period.
CREATE UNIQUE INDEX period_locks_active ON period_locks (period) WHERE reopened_at IS NULL;
