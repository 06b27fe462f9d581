-- The breach log (issue 34, Decree 356/2025/NĐ-CP): each personal-data
-- breach the operator learns of, the 72-hour deadline to notify the
-- authority (computed from when it was detected), and what was notified
-- when and to whom (with the reason when late). No personal data: a
-- description, categories and an estimated number of people.
CREATE TABLE privacy_breaches (
    seq               BIGSERIAL PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,
    detected_at       TIMESTAMP NOT NULL,
    recorded_at       TIMESTAMP NOT NULL,
    recorded_by       TEXT NOT NULL,
    description       TEXT NOT NULL,
    data_categories   TEXT NOT NULL,
    subjects_estimate BIGINT,
    measures          TEXT,
    notify_by         TIMESTAMP NOT NULL,
    notified_at       TIMESTAMP,
    notified_to       TEXT,
    notification_ref  TEXT,
    late_reason       TEXT,
    CHECK ((notified_at IS NULL) = (notified_to IS NULL))
);
