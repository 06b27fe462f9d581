-- Single sign-on flows in progress (issue 30): by the SHA-256 of their
-- state, bound to the browser that started them, used once.
CREATE TABLE sso_flows (
    state_hash    TEXT PRIMARY KEY NOT NULL,
    browser_hash  TEXT NOT NULL,
    nonce         TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    redirect_uri  TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX sso_flows_created ON sso_flows (created_at);
