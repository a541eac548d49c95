-- Issue 14: a change feed in commit order, webhook subscriptions with a
-- durable outbox and delivery log.

-- Time-ordered UUIDs (version 7) for rows the database creates itself, as
-- the service does for its own (PostgreSQL 15 has no uuidv7()).
CREATE FUNCTION uuid_v7() RETURNS uuid AS $$
    SELECT encode(
        set_bit(set_bit(
            overlay(uuid_send(gen_random_uuid())
                    PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint) FROM 3)
                    FROM 1 FOR 6),
            52, 1), 53, 1),
        'hex')::uuid;
$$ LANGUAGE sql VOLATILE;

-- The change feed: one position per audit entry, given when its
-- transaction commits. A sequence alone hands out numbers in the order
-- statements run, not the order transactions commit, so a reader could pass
-- a number whose transaction is still open and miss it for good. Instead the
-- position is taken by a deferred trigger (it runs at COMMIT) under a
-- transaction-scoped advisory lock, which PostgreSQL releases only after the
-- commit is visible: the next transaction's positions come after this one's
-- rows can be seen, so positions are in commit order and a reader that has
-- seen position N has seen everything before it. Writers serialise only for
-- the moment of their commit.
CREATE SEQUENCE change_seq;
CREATE TABLE changes (
    seq      bigint PRIMARY KEY,
    audit_id uuid NOT NULL UNIQUE REFERENCES audit_log (id)
);
INSERT INTO changes (seq, audit_id)
    SELECT nextval('change_seq'), id FROM (SELECT id FROM audit_log ORDER BY at, id) AS a;

-- Webhook subscriptions. The secret signs deliveries, so it is kept as is
-- (it cannot be hashed) and never answered after creation.
CREATE TABLE webhook_subscriptions (
    id                   uuid PRIMARY KEY,
    url                  text NOT NULL,
    events               text[] NOT NULL,
    description          text,
    secret               text NOT NULL,
    status               text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'paused')),
    paused_reason        text,
    consecutive_failures integer NOT NULL DEFAULT 0,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    version              integer NOT NULL DEFAULT 1,
    archived_at          timestamptz
);

-- The outbox: one row per event and subscription, written in the
-- transaction of the change it reports; the delivery worker claims rows
-- with FOR UPDATE SKIP LOCKED.
CREATE TABLE webhook_deliveries (
    id               uuid PRIMARY KEY DEFAULT uuid_v7(),
    subscription_id  uuid NOT NULL REFERENCES webhook_subscriptions (id),
    event_id         uuid NOT NULL,
    event_type       text NOT NULL,
    payload          jsonb NOT NULL,
    status           text NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    created_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz,
    last_status_code integer,
    last_error       text,
    UNIQUE (subscription_id, event_id)
);
CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_subscription_idx ON webhook_deliveries (subscription_id, id);

-- Every attempt to deliver, with what the receiver answered.
CREATE TABLE webhook_attempts (
    id          uuid PRIMARY KEY DEFAULT uuid_v7(),
    delivery_id uuid NOT NULL REFERENCES webhook_deliveries (id),
    at          timestamptz NOT NULL DEFAULT now(),
    status_code integer,
    error       text,
    duration_ms integer NOT NULL,
    instance    text NOT NULL
);
CREATE INDEX webhook_attempts_delivery_idx ON webhook_attempts (delivery_id, at);

-- Deliverables already reported overdue (for one due date each), so that
-- `deliverable.overdue` fires once when a deliverable becomes overdue.
CREATE TABLE overdue_notices (
    entity_type text NOT NULL,
    entity_id   uuid NOT NULL,
    due_on      date NOT NULL,
    noticed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (entity_type, entity_id, due_on)
);

-- Queues one event for every live subscription that asks for it.
CREATE FUNCTION enqueue_webhook(event_type text, data jsonb) RETURNS integer AS $$
DECLARE
    event uuid := uuid_v7();
    queued integer;
BEGIN
    INSERT INTO webhook_deliveries (subscription_id, event_id, event_type, payload)
    SELECT s.id, event, event_type,
           jsonb_build_object(
               'type', event_type,
               'timestamp', to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
               'data', data)
    FROM webhook_subscriptions s
    WHERE s.archived_at IS NULL AND event_type = ANY (s.events);
    GET DIAGNOSTICS queued = ROW_COUNT;
    RETURN queued;
END;
$$ LANGUAGE plpgsql;

-- At commit: the audit entry's position in the feed, and its events.
CREATE FUNCTION audit_log_to_feed() RETURNS trigger AS $$
DECLARE
    position bigint;
    change jsonb;
    kind text;
BEGIN
    -- Held until the commit is visible (see the table comment above).
    PERFORM pg_advisory_xact_lock(4242001);
    position := nextval('change_seq');
    INSERT INTO changes (seq, audit_id) VALUES (position, NEW.id);
    -- Admin-only records (credentials, subscriptions, deliveries) are in
    -- the feed for admins but never pushed to a partner's URL.
    IF NEW.entity_type IN ('service_account', 'webhook_subscription', 'webhook_delivery')
       OR NOT EXISTS (SELECT 1 FROM webhook_subscriptions WHERE archived_at IS NULL) THEN
        RETURN NULL;
    END IF;
    change := jsonb_build_object(
        'cursor', position::text,
        'entity_type', NEW.entity_type,
        'entity_id', NEW.entity_id,
        'version', COALESCE(NEW.after -> 'version', NEW.before -> 'version'),
        'action', NEW.action,
        'at', to_char(NEW.at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
        'record', NEW.after);
    kind := CASE NEW.action
        WHEN 'create' THEN 'record.created'
        WHEN 'update' THEN 'record.updated'
        WHEN 'archive' THEN 'record.archived'
        WHEN 'restore' THEN 'record.restored'
    END;
    IF kind IS NOT NULL THEN
        PERFORM enqueue_webhook(kind, change);
    END IF;
    IF NEW.entity_type IN ('milestone', 'improvement_action')
       AND NEW.before IS NOT NULL AND NEW.after IS NOT NULL
       AND (NEW.before ->> 'status') IS DISTINCT FROM (NEW.after ->> 'status') THEN
        PERFORM enqueue_webhook('deliverable.status_changed', change);
    END IF;
    IF NEW.entity_type = 'indicator_value' AND NEW.action = 'value' THEN
        PERFORM enqueue_webhook('indicator.value_submitted', change);
    END IF;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE CONSTRAINT TRIGGER audit_log_feed AFTER INSERT ON audit_log
    DEFERRABLE INITIALLY DEFERRED
    FOR EACH ROW EXECUTE FUNCTION audit_log_to_feed();
