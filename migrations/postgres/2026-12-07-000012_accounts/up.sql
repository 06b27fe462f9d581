-- Named accounts for people (issue 30): a person signs in with a password
-- (Argon2id hash only) or the province's single sign-on, and every action
-- is recorded under their name. Systems keep their tokens.
CREATE TABLE accounts (
    id                   TEXT PRIMARY KEY NOT NULL,
    username             TEXT NOT NULL,
    -- Lower case: usernames are unique whatever their case.
    username_key         TEXT NOT NULL UNIQUE,
    display_name         TEXT NOT NULL,
    email                TEXT,
    role                 TEXT NOT NULL CHECK (role IN ('admin', 'agency', 'viewer')),
    agency_code          TEXT REFERENCES agencies (code),
    area_code            TEXT,
    password_hash        TEXT,
    must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1)),
    disabled_at          TIMESTAMP,
    totp_secret          TEXT,
    totp_pending         TEXT,
    totp_last_step       BIGINT,
    recovery_codes       TEXT,
    created_at           TIMESTAMP NOT NULL,
    updated_at           TIMESTAMP NOT NULL,
    CHECK ((role = 'agency') = (agency_code IS NOT NULL))
);
CREATE INDEX accounts_email ON accounts (email);

-- Browser sessions: the SHA-256 of the cookie's value, never the value.
CREATE TABLE sessions (
    id_hash      TEXT PRIMARY KEY NOT NULL,
    account_id   TEXT NOT NULL REFERENCES accounts (id),
    method       TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);

-- A viewer token may be scoped to an area.
ALTER TABLE api_tokens ADD COLUMN area_code TEXT;

-- The person behind an action.
ALTER TABLE audit_log ADD COLUMN actor_account TEXT;
ALTER TABLE audit_log ADD COLUMN actor_username TEXT;
CREATE INDEX audit_log_account ON audit_log (actor_account, id);
