-- Outreach events. `seq` is the compact join key; `id` (a UUID) is public.
CREATE TABLE events (
    seq                     INTEGER PRIMARY KEY AUTOINCREMENT,
    id                      TEXT NOT NULL UNIQUE,
    agency_code             TEXT NOT NULL REFERENCES agencies (code),
    external_id             TEXT NOT NULL,
    kind                    TEXT NOT NULL,
    title                   TEXT NOT NULL,
    description             TEXT,
    start_date              DATE NOT NULL,
    end_date                DATE NOT NULL,
    area_id                 BIGINT NOT NULL REFERENCES areas (id),
    attendance_total        BIGINT NOT NULL,
    attendance_female       BIGINT,
    attendance_male         BIGINT,
    attendance_under_18     BIGINT,
    participants_identified BIGINT NOT NULL,
    -- SHA-256 of the canonical validated content (participant keys, never raw values)
    content_hash            TEXT NOT NULL,
    -- the real event this report belongs to: linked duplicates share it
    group_seq               BIGINT NOT NULL,
    version                 BIGINT NOT NULL,
    created_at              TIMESTAMP NOT NULL,
    updated_at              TIMESTAMP NOT NULL,
    deleted_at              TIMESTAMP,
    delete_reason           TEXT,
    UNIQUE (agency_code, external_id)
);
CREATE INDEX events_start ON events (start_date);
CREATE INDEX events_updated ON events (updated_at, seq);
CREATE INDEX events_area ON events (area_id);
CREATE INDEX events_group ON events (group_seq);

CREATE TABLE event_topics (
    event_seq BIGINT NOT NULL REFERENCES events (seq),
    topic     TEXT NOT NULL,
    PRIMARY KEY (event_seq, topic)
);
CREATE INDEX event_topics_topic ON event_topics (topic, event_seq);

CREATE TABLE event_target_groups (
    event_seq    BIGINT NOT NULL REFERENCES events (seq),
    target_group TEXT NOT NULL,
    PRIMARY KEY (event_seq, target_group)
);
CREATE INDEX event_target_groups_group ON event_target_groups (target_group, event_seq);

CREATE TABLE event_co_organizers (
    event_seq   BIGINT NOT NULL REFERENCES events (seq),
    agency_code TEXT NOT NULL REFERENCES agencies (code),
    PRIMARY KEY (event_seq, agency_code)
);
CREATE INDEX event_co_organizers_agency ON event_co_organizers (agency_code, event_seq);

-- Pseudonymous participants: only a keyed hash (HMAC-SHA256) of the normalised identifier.
CREATE TABLE participants (
    id  INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE
);

CREATE TABLE event_participants (
    event_seq      BIGINT NOT NULL REFERENCES events (seq),
    participant_id BIGINT NOT NULL REFERENCES participants (id),
    PRIMARY KEY (event_seq, participant_id)
);
CREATE INDEX event_participants_participant ON event_participants (participant_id);

-- "Same real event" links between reports of different agencies.
CREATE TABLE event_links (
    a_seq      BIGINT NOT NULL REFERENCES events (seq),
    b_seq      BIGINT NOT NULL REFERENCES events (seq),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (a_seq, b_seq),
    CHECK (a_seq < b_seq)
);
CREATE INDEX event_links_b ON event_links (b_seq);
