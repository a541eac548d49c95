DROP TABLE report_snapshots;
DROP FUNCTION report_snapshots_immutable();
DROP TABLE risk_reviews;
DELETE FROM progress_updates WHERE objective_id IS NOT NULL;
ALTER TABLE progress_updates DROP CONSTRAINT progress_updates_one_deliverable;
ALTER TABLE progress_updates DROP COLUMN objective_id;
ALTER TABLE progress_updates ADD CONSTRAINT progress_updates_one_deliverable
    CHECK ((milestone_id IS NULL) <> (improvement_action_id IS NULL));
ALTER TABLE objectives DROP CONSTRAINT objectives_completed_check,
    DROP COLUMN status, DROP COLUMN completed_on;
DELETE FROM objectives WHERE kind = 'equality_action';
ALTER TABLE objectives DROP CONSTRAINT objectives_kind_check;
ALTER TABLE objectives ADD CONSTRAINT objectives_kind_check
    CHECK (kind IN ('service_objective', 'promise'));

-- The feed's function as migration 000009 wrote it.
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
