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
    }
}

diesel::joinable!(indicator_commentary -> indicators (indicator_id));
diesel::joinable!(indicator_targets -> indicators (indicator_id));
diesel::joinable!(indicator_values -> indicators (indicator_id));
diesel::joinable!(indicators -> organisations (lead_organisation_id));
diesel::joinable!(service_accounts -> organisations (organisation_id));

diesel::allow_tables_to_appear_in_same_query!(
    audit_log,
    idempotency_keys,
    indicator_commentary,
    indicator_targets,
    indicator_values,
    indicators,
    organisations,
    service_accounts,
);
