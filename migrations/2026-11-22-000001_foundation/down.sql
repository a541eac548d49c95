DROP TABLE idempotency_keys;
DROP TRIGGER audit_log_no_update ON audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE audit_log;
DROP TABLE service_accounts;
DROP TABLE organisations;
