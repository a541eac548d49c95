ALTER TABLE audit_log DROP COLUMN client_request_id;
ALTER TABLE service_accounts DROP COLUMN token_generation;
