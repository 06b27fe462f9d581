-- Imports of workbooks and CSV files (issue 32): one row per upload, its
-- progress and, once done, every row's answer (no identifier in it).
CREATE TABLE imports (
    id          TEXT PRIMARY KEY NOT NULL,
    agency_code TEXT NOT NULL REFERENCES agencies (code),
    actor       TEXT NOT NULL,
    dry_run     INTEGER NOT NULL CHECK (dry_run IN (0, 1)),
    status      TEXT NOT NULL,
    rows_total  BIGINT NOT NULL,
    rows_done   BIGINT NOT NULL,
    result_json TEXT,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX imports_agency ON imports (agency_code, created_at);
