DROP TABLE erased_participants;
DROP TABLE privacy_requests;
