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

crate::table_queries!(milestones, MilestoneRow, NewMilestoneRow, MilestoneChanges);
