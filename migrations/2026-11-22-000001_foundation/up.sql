-- The foundation: partner organisations, service accounts, the audit trail
-- and idempotency keys. Every domain table carries the same bookkeeping
-- columns (created_at, updated_at, version, archived_at).

CREATE TABLE organisations (
    id          uuid PRIMARY KEY,
    code        text NOT NULL UNIQUE,
    name        text NOT NULL,
    kind        text NOT NULL CHECK (kind IN (
                    'council', 'council_department', 'council_board', 'trust_board', 'trust_group',
                    'partnership', 'statutory_partner', 'health_body', 'inspectorate',
                    'voluntary_org', 'youth_forum', 'government_office', 'school', 'other')),
    parent_id   uuid REFERENCES organisations (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    version     integer NOT NULL DEFAULT 1,
    archived_at timestamptz,
    CHECK (parent_id IS DISTINCT FROM id)
);
CREATE INDEX organisations_parent_idx ON organisations (parent_id);

CREATE TABLE service_accounts (
    id              uuid PRIMARY KEY,
    client_id       text NOT NULL UNIQUE,
    name            text NOT NULL,
    role            text NOT NULL CHECK (role IN ('viewer', 'contributor', 'editor', 'admin')),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    secret_hash     text NOT NULL,
    last_used_at    timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    version         integer NOT NULL DEFAULT 1,
    archived_at     timestamptz
);

CREATE TABLE audit_log (
    id          uuid PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor_sub   text NOT NULL,
    actor_org   text,
    role        text,
    action      text NOT NULL,
    entity_type text NOT NULL,
    entity_id   uuid NOT NULL,
    before      jsonb,
    after       jsonb,
    request_id  text
);
CREATE INDEX audit_log_entity_idx ON audit_log (entity_type, entity_id, at);
CREATE INDEX audit_log_at_idx ON audit_log (at, id);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_sub, at);

-- The audit trail is append-only: not even a bug in the service may rewrite it.
CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Stored responses for POST requests that carried an Idempotency-Key. Kept in
-- the database, not in memory, so that any instance can answer a retry.
CREATE TABLE idempotency_keys (
    principal        text NOT NULL,
    key              text NOT NULL,
    method           text NOT NULL,
    path             text NOT NULL,
    request_hash     text NOT NULL,
    status_code      integer,
    response_headers jsonb,
    response_body    bytea,
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (principal, key)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);
