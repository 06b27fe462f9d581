DROP INDEX audit_log_at;
DROP INDEX audit_log_actor;
DROP INDEX audit_log_entity;
DROP TABLE audit_log;
DROP TABLE api_tokens;
DROP TABLE agencies;
