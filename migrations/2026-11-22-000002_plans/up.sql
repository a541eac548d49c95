-- Plans, their priorities, service objectives (and CYPP promises) with risk,
-- key milestones and their progress updates.

CREATE TABLE plans (
    id                    uuid PRIMARY KEY,
    code                  text NOT NULL UNIQUE,
    title                 text NOT NULL,
    kind                  text NOT NULL CHECK (kind IN (
                              'community_strategy', 'corporate_plan', 'cypp', 'service_plan',
                              'improvement_plan', 'laa', 'strategy', 'business_plan', 'action_plan')),
    owner_organisation_id uuid NOT NULL REFERENCES organisations (id),
    starts_on             date NOT NULL,
    ends_on               date NOT NULL,
    status                text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'approved', 'superseded')),
    predecessor_id        uuid REFERENCES plans (id),
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    version               integer NOT NULL DEFAULT 1,
    archived_at           timestamptz,
    CHECK (ends_on >= starts_on),
    CHECK (predecessor_id IS DISTINCT FROM id)
);
CREATE INDEX plans_owner_idx ON plans (owner_organisation_id);

CREATE TABLE priorities (
    id          uuid PRIMARY KEY,
    set         text NOT NULL CHECK (set IN (
                    'cypp_2009_11_ambition', 'cypp_2011_14_priority', 'gonw_2008_children_trust_priority',
                    'corporate_priority', 'corporate_area_of_focus', 'ecm_outcome', 'trust_priority')),
    code        text NOT NULL,
    number      integer,
    title       text NOT NULL,
    description text,
    parent_id   uuid REFERENCES priorities (id),
    plan_id     uuid REFERENCES plans (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    version     integer NOT NULL DEFAULT 1,
    archived_at timestamptz,
    UNIQUE (set, code),
    CHECK (parent_id IS DISTINCT FROM id)
);
CREATE INDEX priorities_parent_idx ON priorities (parent_id);
CREATE INDEX priorities_plan_idx ON priorities (plan_id);

CREATE TABLE objectives (
    id                          uuid PRIMARY KEY,
    plan_id                     uuid NOT NULL REFERENCES plans (id),
    code                        text NOT NULL,
    kind                        text NOT NULL CHECK (kind IN ('service_objective', 'promise')),
    title                       text NOT NULL,
    description                 text,
    lead_organisation_id        uuid REFERENCES organisations (id),
    responsible_officer         text,
    cypp_priority_refs          text[] NOT NULL DEFAULT '{}',
    cross_referenced_plan_codes text[] NOT NULL DEFAULT '{}',
    risk_initial                integer CHECK (risk_initial BETWEEN 1 AND 16),
    risk_residual               integer CHECK (risk_residual BETWEEN 1 AND 16),
    due_on                      date,
    strategy_method             text,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now(),
    version                     integer NOT NULL DEFAULT 1,
    archived_at                 timestamptz,
    UNIQUE (plan_id, code),
    CHECK (risk_residual IS NULL OR risk_initial IS NULL OR risk_residual <= risk_initial)
);
CREATE INDEX objectives_lead_idx ON objectives (lead_organisation_id);

CREATE TABLE objective_priorities (
    objective_id uuid NOT NULL REFERENCES objectives (id),
    priority_id  uuid NOT NULL REFERENCES priorities (id),
    PRIMARY KEY (objective_id, priority_id)
);
CREATE INDEX objective_priorities_priority_idx ON objective_priorities (priority_id);

CREATE TABLE risks (
    id                 uuid PRIMARY KEY,
    objective_id       uuid NOT NULL REFERENCES objectives (id),
    code               text NOT NULL UNIQUE,
    title              text NOT NULL,
    treatment_measures text[] NOT NULL DEFAULT '{}',
    risk_initial       integer CHECK (risk_initial BETWEEN 1 AND 16),
    risk_residual      integer CHECK (risk_residual BETWEEN 1 AND 16),
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now(),
    version            integer NOT NULL DEFAULT 1,
    archived_at        timestamptz,
    CHECK (risk_residual IS NULL OR risk_initial IS NULL OR risk_residual <= risk_initial)
);
CREATE INDEX risks_objective_idx ON risks (objective_id);

-- The statuses of a deliverable (milestones here; improvement actions later
-- share them, and the progress_updates table below).
CREATE TABLE milestones (
    id                   uuid PRIMARY KEY,
    objective_id         uuid NOT NULL REFERENCES objectives (id),
    code                 text NOT NULL,
    title                text NOT NULL,
    financial_year       text NOT NULL CHECK (financial_year ~ '^FY[0-9]{4}-[0-9]{2}$'),
    sequence             integer,
    due_on               date,
    due_original         text,
    lead_organisation_id uuid REFERENCES organisations (id),
    status               text NOT NULL DEFAULT 'not_started' CHECK (status IN (
                             'not_started', 'on_track', 'at_risk', 'off_track', 'complete', 'deferred', 'cancelled')),
    completed_on         date,
    notes                text,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    version              integer NOT NULL DEFAULT 1,
    archived_at          timestamptz,
    UNIQUE (objective_id, code),
    CHECK ((status = 'complete') = (completed_on IS NOT NULL))
);
CREATE INDEX milestones_objective_idx ON milestones (objective_id);
CREATE INDEX milestones_due_idx ON milestones (due_on);
CREATE INDEX milestones_lead_idx ON milestones (lead_organisation_id);

-- Progress updates of deliverables. Append-only like the audit trail: a
-- correction is a newer update.
CREATE TABLE progress_updates (
    id           uuid PRIMARY KEY,
    milestone_id uuid REFERENCES milestones (id),
    period       text NOT NULL,
    status       text NOT NULL CHECK (status IN (
                     'not_started', 'on_track', 'at_risk', 'off_track', 'complete', 'deferred', 'cancelled')),
    commentary   text,
    completed_on date,
    author_sub   text NOT NULL,
    author_name  text,
    author_org   text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'complete') = (completed_on IS NOT NULL))
);
CREATE INDEX progress_updates_milestone_idx ON progress_updates (milestone_id, created_at);
