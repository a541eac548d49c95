-- Issue 13 (first part): reporting cycles and the period locks they set.

-- A cycle covers one plan and one period (a financial quarter or year):
-- open -> closed -> signed_off. While it is not open, the writes of its
-- period to the plan's values, commentary and progress updates are refused
-- (409 period_locked) unless an admin gives a reason.
CREATE TABLE reporting_cycles (
    id               uuid PRIMARY KEY,
    plan_id          uuid NOT NULL REFERENCES plans (id),
    period           text NOT NULL,
    period_starts_on date NOT NULL,
    period_ends_on   date NOT NULL,
    due_on           date NOT NULL,
    status           text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'signed_off')),
    closed_at        timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    version          integer NOT NULL DEFAULT 1,
    archived_at      timestamptz,
    UNIQUE (plan_id, period)
);
CREATE INDEX reporting_cycles_locked_idx ON reporting_cycles (plan_id, period_starts_on, period_ends_on)
    WHERE status <> 'open' AND archived_at IS NULL;

-- Why a change was allowed past a lock (an admin's override), or why a
-- cycle was reopened.
ALTER TABLE audit_log ADD COLUMN reason text;
