DROP TABLE erased_participants;
DROP TABLE privacy_request_keys;
DROP TABLE privacy_requests;
