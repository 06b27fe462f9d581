-- Publications (issue 17): fixed sets of tables for a period, computed
-- once with disclosure control across the whole set and never changed.
-- Publishing a period again adds version n+1. `content` is the canonical
-- JSON served as is; `sha256` is its SHA-256 (hex).
CREATE TABLE publications (
    period       TEXT NOT NULL,
    version      BIGINT NOT NULL,
    title        TEXT NOT NULL,
    published_at TIMESTAMP NOT NULL,
    published_by TEXT NOT NULL,
    sha256       TEXT NOT NULL,
    content      TEXT NOT NULL,
    PRIMARY KEY (period, version),
    CHECK (version >= 1)
);
CREATE INDEX publications_published_at ON publications (published_at);
