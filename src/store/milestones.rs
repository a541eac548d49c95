//! Rows and queries of key milestones.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::milestones;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = milestones, check_for_backend(diesel::pg::Pg))]
pub struct MilestoneRow {
    pub id: Uuid,
    pub objective_id: Uuid,
    pub code: String,
    pub title: String,
    pub financial_year: String,
    pub sequence: Option<i32>,
    pub due_on: Option<NaiveDate>,
    pub due_original: Option<String>,
    pub lead_organisation_id: Option<Uuid>,
    pub status: String,
    pub completed_on: Option<NaiveDate>,
    pub notes: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = milestones)]
pub struct NewMilestoneRow {
    pub id: Uuid,
    pub objective_id: Uuid,
    pub code: String,
    pub title: String,
    pub financial_year: String,
    pub sequence: Option<i32>,
    pub due_on: Option<NaiveDate>,
    pub due_original: Option<String>,
    pub lead_organisation_id: Option<Uuid>,
    pub notes: Option<String>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = milestones)]
pub struct MilestoneChanges {
    pub code: Option<String>,
    pub title: Option<String>,
    pub financial_year: Option<String>,
    pub sequence: Option<Option<i32>>,
    pub due_on: Option<Option<NaiveDate>>,
    pub due_original: Option<Option<String>>,
    pub lead_organisation_id: Option<Option<Uuid>>,
    pub status: Option<String>,
    pub completed_on: Option<Option<NaiveDate>>,
    pub notes: Option<Option<String>>,
}

// What a milestone refers to, built by the database beside its row (the
// macro's `EMBED`): `{"objective": {"id", "code", "title", "plan_id"},
// "lead_organisation": {"id", "code", "name"} | null, "latest_update":
// <progress row> | null}`, so that a page of milestones is one statement.
crate::table_queries!(
    milestones,
    MilestoneRow,
    NewMilestoneRow,
    MilestoneChanges,
    embed = concat!(
        "json_build_object('objective', ",
        crate::ref_json!(
            "objectives",
            "milestones.objective_id",
            ["code", "title", "plan_id"]
        ),
        ", 'lead_organisation', ",
        crate::ref_json!(
            "organisations",
            "milestones.lead_organisation_id",
            ["code", "name"]
        ),
        ", 'latest_update', (SELECT row_to_json(u) FROM (SELECT * FROM progress_updates pu \
         WHERE pu.milestone_id = milestones.id AND pu.withdrawn_at IS NULL \
         ORDER BY pu.period_starts_on DESC, pu.created_at DESC, pu.id DESC LIMIT 1) u))"
    )
);
