-- Partner agencies are data: added, renamed and deactivated, never deleted.
CREATE TABLE agencies (
    code        TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    name_en     TEXT NOT NULL,
    active      INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);

INSERT INTO agencies (code, name, name_en, active, created_at, updated_at) VALUES
  ('police', 'Công an tỉnh', 'Provincial Police', 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('womens-union', 'Hội Liên hiệp Phụ nữ tỉnh', 'Provincial Women''s Union', 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('education', 'Sở Giáo dục và Đào tạo', 'Department of Education and Training', 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC')),
  ('labour', 'Sở Lao động - Thương binh và Xã hội', 'Department of Labour, Invalids and Social Affairs', 1, (now() AT TIME ZONE 'UTC'), (now() AT TIME ZONE 'UTC'));

-- Issued tokens by jti: never the token itself.
CREATE TABLE api_tokens (
    jti         TEXT PRIMARY KEY NOT NULL,
    role        TEXT NOT NULL CHECK (role IN ('admin', 'agency', 'viewer')),
    agency_code TEXT REFERENCES agencies (code),
    label       TEXT NOT NULL,
    kid         TEXT NOT NULL,
    issued_at   TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL,
    revoked_at  TIMESTAMP,
    CHECK ((role = 'agency') = (agency_code IS NOT NULL))
);

-- Append-only record of every write.
CREATE TABLE audit_log (
    id           BIGSERIAL PRIMARY KEY,
    at           TIMESTAMP NOT NULL,
    actor_jti    TEXT,
    actor_role   TEXT NOT NULL,
    actor_agency TEXT,
    action       TEXT NOT NULL,
    entity_type  TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    before_json  TEXT,
    after_json   TEXT
);
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id, id);
CREATE INDEX audit_log_actor ON audit_log (actor_jti, id);
CREATE INDEX audit_log_at ON audit_log (at, id);
