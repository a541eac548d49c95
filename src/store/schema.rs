// @generated automatically by Diesel CLI.

diesel::table! {
    audit_log (id) {
        id -> Uuid,
        at -> Timestamptz,
        actor_sub -> Text,
        actor_org -> Nullable<Text>,
        role -> Nullable<Text>,
        action -> Text,
        entity_type -> Text,
        entity_id -> Uuid,
        before -> Nullable<Jsonb>,
        after -> Nullable<Jsonb>,
        request_id -> Nullable<Text>,
        client_request_id -> Nullable<Text>,
        reason -> Nullable<Text>,
    }
}

diesel::table! {
    idempotency_keys (principal, key) {
        principal -> Text,
        key -> Text,
        method -> Text,
        path -> Text,
        request_hash -> Text,
        status_code -> Nullable<Int4>,
        response_headers -> Nullable<Jsonb>,
        response_body -> Nullable<Bytea>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    improvement_actions (id) {
        id -> Uuid,
        area_id -> Uuid,
        code -> Text,
        title -> Text,
        sequence -> Nullable<Int4>,
        lead_organisation_id -> Nullable<Uuid>,
        due_on -> Nullable<Date>,
        status -> Text,
        completed_on -> Nullable<Date>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
        archived_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    improvement_area_leads (area_id, organisation_id) {
        area_id -> Uuid,
        organisation_id -> Uuid,
    }
}

diesel::table! {
    improvement_area_objectives (area_id, objective_id) {
        area_id -> Uuid,
        objective_id -> Uuid,
    }
}

diesel::table! {
    improvement_area_recommendations (area_id, recommendation_id) {
        area_id -> Uuid,
        recommendation_id -> Uuid,
    }
}

diesel::table! {
    improvement_areas (id) {
        id -> Uuid,
        plan_id -> Uuid,
        code -> Text,
        title -> Text,
        lead_roles -> Array<Nullable<Text>>,
        due_on -> Nullable<Date>,
        due_original -> Nullable<Text>,
        overarching_strategy -> Nullable<Text>,
        linked_strategies -> Array<Nullable<Text>>,
        process_enablers -> Array<Nullable<Text>>,
        listed_in_cypp -> Bool,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
        archived_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    indicator_commentary (id) {
        id -> Uuid,
        indicator_id -> Uuid,
        period -> Text,
        period_starts_on -> Date,
        period_ends_on -> Date,
        overview -> Nullable<Text>,
        what_made_the_difference -> Nullable<Text>,
        what_happens_next -> Nullable<Text>,
        author_sub -> Text,
        author_name -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
        withdrawn_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    indicator_priorities (indicator_id, priority_id) {
        indicator_id -> Uuid,
        priority_id -> Uuid,
    }
}

diesel::table! {
    indicator_targets (id) {
        id -> Uuid,
        indicator_id -> Uuid,
        period -> Text,
        period_starts_on -> Date,
        period_ends_on -> Date,
        value -> Float8,
        note -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
        archived_at -> Nullable<Timestamptz>,
        breakdown -> Nullable<Text>,
    }
}

diesel::table! {
    indicator_values (id) {
        id -> Uuid,
        indicator_id -> Uuid,
        period -> Text,
        period_starts_on -> Date,
        period_ends_on -> Date,
        series -> Text,
        breakdown -> Nullable<Text>,
        value -> Float8,
        numerator -> Nullable<Float8>,
        denominator -> Nullable<Float8>,
        status -> Text,
        note -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
        withdrawn_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    indicators (id) {
        id -> Uuid,
        code -> Text,
        kind -> Text,
        title -> Text,
        description -> Nullable<Text>,
        category -> Nullable<Text>,
        unit -> Text,
        decimals -> Int2,
        polarity -> Text,
        aggregation -> Text,
        tolerance_kind -> Text,
        tolerance_value -> Float8,
        frequency -> Text,
        key_indicator -> Bool,
        laa -> Bool,
        lead_organisation_id -> Nullable<Uuid>,
        data_source -> Nullable<Text>,
        notes -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
        archived_at -> Nullable<Timestamptz>,
        year_basis -> Text,
        oba_category -> Nullable<Text>,
        derivation -> Nullable<Text>,
        source_indicator_id -> Nullable<Uuid>,
        source_series -> Nullable<Text>,
        source_breakdown -> Nullable<Text>,
        other_indicator_id -> Nullable<Uuid>,
        other_series -> Nullable<Text>,
        other_breakdown -> Nullable<Text>,
        baseline_period -> Nullable<Text>,
    }
}

diesel::table! {
    inspections (id) {
        id -> Uuid,
        code -> Text,
        kind -> Text,
        title -> Text,
        inspectorates -> Array<Nullable<Text>>,
        published_on -> Nullable<Date>,
        reference -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
        archived_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    judgements (id) {
        id -> Uuid,
        inspection_id -> Uuid,
        code -> Text,
        area -> Text,
        kind -> Text,
        grade -> Nullable<Int4>,
        word -> Nullable<Text>,
        summary -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
        archived_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    milestones (id) {
        id -> Uuid,
        objective_id -> Uuid,
        code -> Text,
        title -> Text,
        financial_year -> Text,
        sequence -> Nullable<Int4>,
        due_on -> Nullable<Date>,
        due_original -> Nullable<Text>,
        lead_organisation_id -> Nullable<Uuid>,
        status -> Text,
        completed_on -> Nullable<Date>,
        notes -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
        archived_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    objective_indicators (objective_id, indicator_id) {
        objective_id -> Uuid,
        indicator_id -> Uuid,
        unlinked_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    objective_priorities (objective_id, priority_id) {
        objective_id -> Uuid,
        priority_id -> Uuid,
    }
}

diesel::table! {
    objectives (id) {
        id -> Uuid,
        plan_id -> Uuid,
        code -> Text,
        kind -> Text,
        title -> Text,
        description -> Nullable<Text>,
        lead_organisation_id -> Nullable<Uuid>,
        responsible_officer -> Nullable<Text>,
        cypp_priority_refs -> Array<Nullable<Text>>,
        cross_referenced_plan_codes -> Array<Nullable<Text>>,
        risk_initial -> Nullable<Int4>,
        risk_residual -> Nullable<Int4>,
        due_on -> Nullable<Date>,
        strategy_method -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
        archived_at -> Nullable<Timestamptz>,
        status -> Text,
        completed_on -> Nullable<Date>,
    }
}

diesel::table! {
    organisations (id) {
        id -> Uuid,
        code -> Text,
        name -> Text,
        kind -> Text,
        parent_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
        archived_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    plans (id) {
        id -> Uuid,
        code -> Text,
        title -> Text,
        kind -> Text,
        owner_organisation_id -> Uuid,
        starts_on -> Date,
        ends_on -> Date,
        status -> Text,
        predecessor_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
        archived_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    priorities (id) {
        id -> Uuid,
        set -> Text,
        code -> Text,
        number -> Nullable<Int4>,
        title -> Text,
        description -> Nullable<Text>,
        parent_id -> Nullable<Uuid>,
        plan_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
        archived_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    progress_updates (id) {
        id -> Uuid,
        milestone_id -> Nullable<Uuid>,
        period -> Text,
        status -> Text,
        commentary -> Nullable<Text>,
        completed_on -> Nullable<Date>,
        author_sub -> Text,
        author_name -> Nullable<Text>,
        author_org -> Nullable<Text>,
        created_at -> Timestamptz,
        improvement_action_id -> Nullable<Uuid>,
        period_starts_on -> Date,
        period_ends_on -> Date,
        updated_at -> Timestamptz,
        version -> Int4,
        withdrawn_at -> Nullable<Timestamptz>,
        objective_id -> Nullable<Uuid>,
    }
}

diesel::table! {
    recommendations (id) {
        id -> Uuid,
        inspection_id -> Uuid,
        code -> Text,
        text -> Text,
        timeframe -> Text,
        addressee -> Nullable<Text>,
        due_on -> Nullable<Date>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
        archived_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    risks (id) {
        id -> Uuid,
        objective_id -> Uuid,
        code -> Text,
        title -> Text,
        treatment_measures -> Array<Nullable<Text>>,
        risk_initial -> Nullable<Int4>,
        risk_residual -> Nullable<Int4>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
        archived_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    service_accounts (id) {
        id -> Uuid,
        client_id -> Text,
        name -> Text,
        role -> Text,
        organisation_id -> Uuid,
        secret_hash -> Text,
        last_used_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
        archived_at -> Nullable<Timestamptz>,
        token_generation -> Int4,
    }
}

diesel::joinable!(improvement_actions -> improvement_areas (area_id));
diesel::joinable!(improvement_actions -> organisations (lead_organisation_id));
diesel::joinable!(improvement_area_leads -> improvement_areas (area_id));
diesel::joinable!(improvement_area_leads -> organisations (organisation_id));
diesel::joinable!(improvement_area_objectives -> improvement_areas (area_id));
diesel::joinable!(improvement_area_objectives -> objectives (objective_id));
diesel::joinable!(improvement_area_recommendations -> improvement_areas (area_id));
diesel::joinable!(improvement_area_recommendations -> recommendations (recommendation_id));
diesel::joinable!(improvement_areas -> plans (plan_id));
diesel::joinable!(indicator_commentary -> indicators (indicator_id));
diesel::joinable!(indicator_priorities -> indicators (indicator_id));
diesel::joinable!(indicator_priorities -> priorities (priority_id));
diesel::joinable!(indicator_targets -> indicators (indicator_id));
diesel::joinable!(indicator_values -> indicators (indicator_id));
diesel::joinable!(indicators -> organisations (lead_organisation_id));
diesel::joinable!(judgements -> inspections (inspection_id));
diesel::joinable!(milestones -> objectives (objective_id));
diesel::joinable!(milestones -> organisations (lead_organisation_id));
diesel::joinable!(objective_indicators -> indicators (indicator_id));
diesel::joinable!(objective_indicators -> objectives (objective_id));
diesel::joinable!(objective_priorities -> objectives (objective_id));
diesel::joinable!(objective_priorities -> priorities (priority_id));
diesel::joinable!(objectives -> organisations (lead_organisation_id));
diesel::joinable!(objectives -> plans (plan_id));
diesel::joinable!(plans -> organisations (owner_organisation_id));
diesel::joinable!(priorities -> plans (plan_id));
diesel::joinable!(progress_updates -> improvement_actions (improvement_action_id));
diesel::joinable!(progress_updates -> milestones (milestone_id));
diesel::joinable!(recommendations -> inspections (inspection_id));
diesel::joinable!(risks -> objectives (objective_id));
diesel::joinable!(service_accounts -> organisations (organisation_id));

diesel::allow_tables_to_appear_in_same_query!(
    audit_log,
    idempotency_keys,
    improvement_actions,
    improvement_area_leads,
    improvement_area_objectives,
    improvement_area_recommendations,
    improvement_areas,
    indicator_commentary,
    indicator_priorities,
    indicator_targets,
    indicator_values,
    indicators,
    inspections,
    judgements,
    milestones,
    objective_indicators,
    objective_priorities,
    objectives,
    organisations,
    plans,
    priorities,
    progress_updates,
    recommendations,
    risks,
    service_accounts,
);

diesel::table! {
    webhook_subscriptions (id) {
        id -> Uuid,
        url -> Text,
        events -> Array<Text>,
        description -> Nullable<Text>,
        secret -> Text,
        status -> Text,
        paused_reason -> Nullable<Text>,
        consecutive_failures -> Int4,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
        archived_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    webhook_deliveries (id) {
        id -> Uuid,
        subscription_id -> Uuid,
        event_id -> Uuid,
        event_type -> Text,
        payload -> Jsonb,
        status -> Text,
        attempts -> Int4,
        next_attempt_at -> Timestamptz,
        created_at -> Timestamptz,
        delivered_at -> Nullable<Timestamptz>,
        last_status_code -> Nullable<Int4>,
        last_error -> Nullable<Text>,
    }
}

diesel::joinable!(webhook_deliveries -> webhook_subscriptions (subscription_id));
diesel::allow_tables_to_appear_in_same_query!(webhook_subscriptions, webhook_deliveries);

diesel::table! {
    reporting_cycles (id) {
        id -> Uuid,
        plan_id -> Uuid,
        period -> Text,
        period_starts_on -> Date,
        period_ends_on -> Date,
        due_on -> Date,
        status -> Text,
        closed_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
        archived_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    narratives (id) {
        id -> Uuid,
        plan_id -> Uuid,
        period -> Text,
        period_starts_on -> Date,
        period_ends_on -> Date,
        section -> Text,
        body -> Text,
        author_sub -> Text,
        author_name -> Nullable<Text>,
        author_org -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    risk_reviews (id) {
        id -> Uuid,
        risk_id -> Uuid,
        period -> Text,
        period_starts_on -> Date,
        period_ends_on -> Date,
        current_score -> Int4,
        mitigation_progress -> Text,
        commentary -> Nullable<Text>,
        author_sub -> Text,
        author_name -> Nullable<Text>,
        author_org -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    report_snapshots (id) {
        id -> Uuid,
        cycle_id -> Uuid,
        report -> Text,
        body -> Text,
        sha256 -> Text,
        signed_off_by_sub -> Text,
        signed_off_by_name -> Nullable<Text>,
        signed_off_by_org -> Nullable<Text>,
        signed_off_at -> Timestamptz,
    }
}

diesel::joinable!(report_snapshots -> reporting_cycles (cycle_id));
diesel::allow_tables_to_appear_in_same_query!(report_snapshots, reporting_cycles);
