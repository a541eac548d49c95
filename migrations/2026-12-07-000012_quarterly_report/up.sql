-- Issue 13 (second part): progress on objectives and promises, equality
-- actions, quarterly risk reviews, and the signed-off report snapshots.

-- Objectives, promises and equality actions take progress updates as
-- milestones do; their status is that of their governing update.
ALTER TABLE objectives DROP CONSTRAINT objectives_kind_check;
ALTER TABLE objectives ADD CONSTRAINT objectives_kind_check
    CHECK (kind IN ('service_objective', 'promise', 'equality_action'));
ALTER TABLE objectives
    ADD COLUMN status text NOT NULL DEFAULT 'not_started' CHECK (status IN (
        'not_started', 'on_track', 'at_risk', 'off_track', 'complete', 'deferred', 'cancelled')),
    ADD COLUMN completed_on date,
    ADD CONSTRAINT objectives_completed_check CHECK ((status = 'complete') = (completed_on IS NOT NULL));

ALTER TABLE progress_updates ADD COLUMN objective_id uuid REFERENCES objectives (id);
ALTER TABLE progress_updates DROP CONSTRAINT progress_updates_one_deliverable;
ALTER TABLE progress_updates ADD CONSTRAINT progress_updates_one_deliverable
    CHECK (num_nonnulls(milestone_id, improvement_action_id, objective_id) = 1);
CREATE INDEX progress_updates_objective_idx ON progress_updates (objective_id, period_starts_on)
    WHERE objective_id IS NOT NULL;

-- A risk's review for a quarter: one per risk and period, rewritten in
-- place (its history is in the audit log).
CREATE TABLE risk_reviews (
    id                  uuid PRIMARY KEY,
    risk_id             uuid NOT NULL REFERENCES risks (id),
    period              text NOT NULL,
    period_starts_on    date NOT NULL,
    period_ends_on      date NOT NULL,
    current_score       integer NOT NULL CHECK (current_score BETWEEN 1 AND 16),
    mitigation_progress text NOT NULL CHECK (mitigation_progress IN (
        'not_started', 'on_track', 'at_risk', 'off_track', 'complete', 'deferred', 'cancelled')),
    commentary          text,
    author_sub          text NOT NULL,
    author_name         text,
    author_org          text,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    version             integer NOT NULL DEFAULT 1,
    UNIQUE (risk_id, period)
);
CREATE INDEX risk_reviews_period_idx ON risk_reviews (period_starts_on, risk_id);

-- What a board signed off: the report's exact JSON text and its SHA-256,
-- never changed or removed once written.
CREATE TABLE report_snapshots (
    id               uuid PRIMARY KEY,
    cycle_id         uuid NOT NULL REFERENCES reporting_cycles (id),
    report           text NOT NULL CHECK (report IN ('quarterly', 'annual', 'improvement')),
    body             text NOT NULL,
    sha256           text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    signed_off_by_sub  text NOT NULL,
    signed_off_by_name text,
    signed_off_by_org  text,
    signed_off_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX report_snapshots_cycle_idx ON report_snapshots (cycle_id, signed_off_at);

CREATE FUNCTION report_snapshots_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'report snapshots are immutable' USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER report_snapshots_immutable BEFORE UPDATE OR DELETE ON report_snapshots
    FOR EACH ROW EXECUTE FUNCTION report_snapshots_immutable();

-- An objective's, promise's or equality action's status set by its updates
-- is a deliverable's status change too.
CREATE OR REPLACE FUNCTION audit_log_to_feed() RETURNS trigger AS $$
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
    IF NEW.entity_type IN ('milestone', 'improvement_action', 'objective')
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
