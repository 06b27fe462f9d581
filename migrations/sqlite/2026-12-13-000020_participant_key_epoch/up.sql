-- The participant key's epoch (issue 34, key rotation): one row. Keys are
-- made with the first `epoch + 1` secrets of the key chain (`kids` names
-- them, never a secret); every write that stores keys reads this row in its
-- transaction. While `rotating_to` is set, a rotation is under way: stored
-- keys are re-keyed in batches (`participants_after`: the last participant
-- id done; `lists_done`: the erased list and open requests' keys), then
-- events' content hashes recomputed (`events_after`: the last event seq
-- done), each batch with its cursor in one transaction, so a crash resumes
-- where it stopped and no key is re-keyed twice.
CREATE TABLE participant_key_epoch (
    id                 INTEGER PRIMARY KEY CHECK (id = 1),
    epoch              INTEGER NOT NULL,
    kids               TEXT NOT NULL,
    rotating_to        INTEGER,
    participants_after BIGINT NOT NULL,
    lists_done         BOOLEAN NOT NULL,
    events_after       BIGINT NOT NULL,
    rekeyed            BIGINT NOT NULL,
    rehashed           BIGINT NOT NULL,
    started_at         TIMESTAMP,
    finished_at        TIMESTAMP
);
INSERT INTO participant_key_epoch
    (id, epoch, kids, rotating_to, participants_after, lists_done, events_after, rekeyed, rehashed)
VALUES (1, 0, '', NULL, 0, FALSE, 0, 0, 0);
