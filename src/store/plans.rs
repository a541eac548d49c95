//! Rows and queries of plans.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::plans;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = plans, check_for_backend(diesel::pg::Pg))]
pub struct PlanRow {
    pub id: Uuid,
    pub code: String,
    pub title: String,
    pub kind: String,
    pub owner_organisation_id: Uuid,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub status: String,
    pub predecessor_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = plans)]
pub struct NewPlanRow {
    pub id: Uuid,
    pub code: String,
    pub title: String,
    pub kind: String,
    pub owner_organisation_id: Uuid,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub status: String,
    pub predecessor_id: Option<Uuid>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = plans)]
pub struct PlanChanges {
    pub code: Option<String>,
    pub title: Option<String>,
    pub kind: Option<String>,
    pub owner_organisation_id: Option<Uuid>,
    pub starts_on: Option<NaiveDate>,
    pub ends_on: Option<NaiveDate>,
    pub status: Option<String>,
    pub predecessor_id: Option<Option<Uuid>>,
}

crate::table_queries!(
    plans,
    PlanRow,
    NewPlanRow,
    PlanChanges,
    embed = concat!(
        "json_build_object('owner_organisation', ",
        crate::ref_json!(
            "organisations",
            "plans.owner_organisation_id",
            ["code", "name"]
        ),
        ", 'predecessor', ",
        crate::ref_json!("plans", "plans.predecessor_id", ["code", "title"]),
        ")"
    )
);
