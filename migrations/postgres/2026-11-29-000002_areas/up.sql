-- Administrative units, versioned: the same code can name different units in
-- different periods, so a unit's identity is (code, valid_from).
CREATE TABLE areas (
    id          BIGSERIAL PRIMARY KEY,
    code        TEXT NOT NULL,
    name        TEXT NOT NULL,
    -- lower-case, accents and đ folded: what `q` searches
    name_folded TEXT NOT NULL,
    level       TEXT NOT NULL CHECK (level IN ('province', 'district', 'commune', 'village')),
    parent_id   BIGINT REFERENCES areas (id),
    -- ancestors at each level (self included), for roll-ups and "everything below"
    province_id BIGINT,
    district_id BIGINT,
    commune_id  BIGINT,
    -- the unit valid today that this one maps to (self when current), following
    -- default successors; recomputed after every import and at every start.
    -- These four are a cache derived from parent_id and area_successors (which
    -- keep their foreign keys) and rewritten only by src/areas.rs from ids it
    -- has just read; a foreign key on each would cost PostgreSQL four trigger
    -- checks per row, more than the rest of loading the official lists.
    current_id  BIGINT,
    valid_from  DATE,
    valid_until DATE,
    created_at  TIMESTAMP NOT NULL,
    UNIQUE (code, valid_from)
);
CREATE INDEX areas_code ON areas (code);
CREATE INDEX areas_parent ON areas (parent_id);
CREATE INDEX areas_level_name ON areas (level, name_folded);

CREATE TABLE area_successors (
    old_id     BIGINT NOT NULL REFERENCES areas (id),
    new_id     BIGINT NOT NULL REFERENCES areas (id),
    is_default INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    PRIMARY KEY (old_id, new_id)
);
CREATE INDEX area_successors_new ON area_successors (new_id);
