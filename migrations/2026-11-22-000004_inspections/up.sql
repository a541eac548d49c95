-- The Joint Area Review and other inspections: judgements, recommendations,
-- and the improvement plan's areas and actions (deliverables, like milestones).

CREATE TABLE inspections (
    id            uuid PRIMARY KEY,
    code          text NOT NULL UNIQUE,
    kind          text NOT NULL CHECK (kind IN (
                      'joint_area_review', 'annual_performance_assessment', 'corporate_assessment', 'regulatory')),
    title         text NOT NULL,
    inspectorates text[] NOT NULL DEFAULT '{}',
    published_on  date,
    reference     text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    version       integer NOT NULL DEFAULT 1,
    archived_at   timestamptz
);

CREATE TABLE judgements (
    id            uuid PRIMARY KEY,
    inspection_id uuid NOT NULL REFERENCES inspections (id),
    code          text NOT NULL,
    area          text NOT NULL,
    kind          text NOT NULL CHECK (kind IN (
                      'graded_area', 'additional_investigation', 'sub_judgement', 'corporate_assessment_judgement')),
    grade         integer CHECK (grade BETWEEN 1 AND 4),
    -- The judgement word, kept where the inspectors gave no number.
    word          text CHECK (word IN ('inadequate', 'adequate', 'good', 'outstanding')),
    summary       text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    version       integer NOT NULL DEFAULT 1,
    archived_at   timestamptz,
    UNIQUE (inspection_id, code),
    CHECK (grade IS NOT NULL OR word IS NOT NULL)
);

CREATE TABLE recommendations (
    id            uuid PRIMARY KEY,
    inspection_id uuid NOT NULL REFERENCES inspections (id),
    code          text NOT NULL,
    text          text NOT NULL,
    timeframe     text NOT NULL CHECK (timeframe IN ('immediate', 'within_six_months', 'other')),
    addressee     text,
    due_on        date,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    version       integer NOT NULL DEFAULT 1,
    archived_at   timestamptz,
    UNIQUE (inspection_id, code)
);

CREATE TABLE improvement_areas (
    id                    uuid PRIMARY KEY,
    plan_id               uuid NOT NULL REFERENCES plans (id),
    code                  text NOT NULL,
    title                 text NOT NULL,
    lead_roles            text[] NOT NULL DEFAULT '{}',
    due_on                date,
    due_original          text,
    overarching_strategy  text,
    linked_strategies     text[] NOT NULL DEFAULT '{}',
    process_enablers      text[] NOT NULL DEFAULT '{}',
    listed_in_cypp        boolean NOT NULL DEFAULT false,
    created_at            timestamptz NOT NULL DEFAULT now(),
    updated_at            timestamptz NOT NULL DEFAULT now(),
    version               integer NOT NULL DEFAULT 1,
    archived_at           timestamptz,
    UNIQUE (plan_id, code)
);

CREATE TABLE improvement_area_leads (
    area_id         uuid NOT NULL REFERENCES improvement_areas (id),
    organisation_id uuid NOT NULL REFERENCES organisations (id),
    PRIMARY KEY (area_id, organisation_id)
);
CREATE INDEX improvement_area_leads_org_idx ON improvement_area_leads (organisation_id);

CREATE TABLE improvement_area_recommendations (
    area_id           uuid NOT NULL REFERENCES improvement_areas (id),
    recommendation_id uuid NOT NULL REFERENCES recommendations (id),
    PRIMARY KEY (area_id, recommendation_id)
);
CREATE INDEX improvement_area_recommendations_rec_idx ON improvement_area_recommendations (recommendation_id);

CREATE TABLE improvement_area_objectives (
    area_id      uuid NOT NULL REFERENCES improvement_areas (id),
    objective_id uuid NOT NULL REFERENCES objectives (id),
    PRIMARY KEY (area_id, objective_id)
);
CREATE INDEX improvement_area_objectives_obj_idx ON improvement_area_objectives (objective_id);

CREATE TABLE improvement_actions (
    id                   uuid PRIMARY KEY,
    area_id              uuid NOT NULL REFERENCES improvement_areas (id),
    code                 text NOT NULL UNIQUE,
    title                text NOT NULL,
    sequence             integer,
    lead_organisation_id uuid REFERENCES organisations (id),
    due_on               date,
    status               text NOT NULL DEFAULT 'not_started' CHECK (status IN (
                             'not_started', 'on_track', 'at_risk', 'off_track', 'complete', 'deferred', 'cancelled')),
    completed_on         date,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    version              integer NOT NULL DEFAULT 1,
    archived_at          timestamptz,
    CHECK ((status = 'complete') = (completed_on IS NOT NULL))
);
CREATE INDEX improvement_actions_area_idx ON improvement_actions (area_id);

-- Progress updates now belong to a milestone or to an improvement action.
ALTER TABLE progress_updates ADD COLUMN improvement_action_id uuid REFERENCES improvement_actions (id);
ALTER TABLE progress_updates ADD CONSTRAINT progress_updates_one_deliverable
    CHECK ((milestone_id IS NULL) <> (improvement_action_id IS NULL));
CREATE INDEX progress_updates_action_idx ON progress_updates (improvement_action_id, created_at);
