-- Identity checks (issue 10).

-- A service account's tokens carry the generation they were issued in, and
-- only the current one is accepted: archiving and restoring (which also
-- rotates the secret) each start a new one, so neither an archived
-- account's tokens nor its old secret outlive it.
ALTER TABLE service_accounts ADD COLUMN token_generation integer NOT NULL DEFAULT 1;

-- The request id the client sent, kept beside the server's own (request_id),
-- which is what the audit trail identifies a request by.
ALTER TABLE audit_log ADD COLUMN client_request_id text;

-- A key is now claimed and completed in one transaction; a claim without a
-- response is what a crash left behind before, and names nothing.
DELETE FROM idempotency_keys WHERE status_code IS NULL;
