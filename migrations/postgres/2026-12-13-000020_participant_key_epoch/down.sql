DROP TABLE participant_key_epoch;
