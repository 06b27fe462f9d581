DROP INDEX audit_log_account;
ALTER TABLE audit_log DROP COLUMN actor_username;
ALTER TABLE audit_log DROP COLUMN actor_account;
ALTER TABLE api_tokens DROP COLUMN area_code;
DROP TABLE sessions;
DROP TABLE accounts;
