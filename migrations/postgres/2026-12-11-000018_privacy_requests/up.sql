-- Requests from the people recorded (issue 34, Law 91/2025/QH15 and Decree
-- 356/2025/NĐ-CP): access and erasure. A request keeps its deadlines and
-- counts, never an identifier: the raw values are dropped when the request
-- is read, and their keys are kept only in `privacy_request_keys` (an open
-- request, until carried out) and `erased_participants` (erasure).
-- `seq` orders the list and is its cursor; `id` is the public id.
CREATE TABLE privacy_requests (
    seq              BIGSERIAL PRIMARY KEY,
    id               TEXT NOT NULL UNIQUE,
    kind             TEXT NOT NULL CHECK (kind IN ('access', 'erasure')),
    status           TEXT NOT NULL CHECK (status IN ('open', 'done')),
    received_at      TIMESTAMP NOT NULL,
    received_by      TEXT NOT NULL,
    acknowledge_by   DATE NOT NULL,
    due_date         DATE NOT NULL,
    extended_at      TIMESTAMP,
    extension_reason TEXT,
    completed_at     TIMESTAMP,
    identifiers      BIGINT NOT NULL,
    events_found     BIGINT NOT NULL,
    links_removed    BIGINT NOT NULL,
    note             TEXT,
    CHECK ((extended_at IS NULL) = (extension_reason IS NULL)),
    CHECK ((status = 'done') = (completed_at IS NOT NULL))
);
CREATE INDEX privacy_requests_status ON privacy_requests (status, seq);

-- The keys of an open request (registered now, carried out later), until
-- it is carried out: keyed hashes, never the values.
CREATE TABLE privacy_request_keys (
    request_id TEXT NOT NULL REFERENCES privacy_requests (id),
    key        TEXT NOT NULL,
    PRIMARY KEY (request_id, key)
);

-- The keyed hashes (never raw values) of erased identifiers: a later write
-- carrying one stores its event without it, so a sync cannot bring the
-- person back.
CREATE TABLE erased_participants (
    key        TEXT PRIMARY KEY,
    erased_at  TIMESTAMP NOT NULL,
    request_id TEXT NOT NULL REFERENCES privacy_requests (id)
);
