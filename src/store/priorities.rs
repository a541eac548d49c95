//! Rows and queries of priorities (ambitions, corporate priorities, areas of
//! focus, ECM outcomes, Trust priorities: one tagged set).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use uuid::Uuid;

use super::schema::priorities;

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = priorities, check_for_backend(diesel::pg::Pg))]
pub struct PriorityRow {
    pub id: Uuid,
    pub set: String,
    pub code: String,
    pub number: Option<i32>,
    pub title: String,
    pub description: Option<String>,
    pub parent_id: Option<Uuid>,
    pub plan_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = priorities)]
pub struct NewPriorityRow {
    pub id: Uuid,
    pub set: String,
    pub code: String,
    pub number: Option<i32>,
    pub title: String,
    pub description: Option<String>,
    pub parent_id: Option<Uuid>,
    pub plan_id: Option<Uuid>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = priorities)]
pub struct PriorityChanges {
    pub set: Option<String>,
    pub code: Option<String>,
    pub number: Option<Option<i32>>,
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub parent_id: Option<Option<Uuid>>,
    pub plan_id: Option<Option<Uuid>>,
}

crate::table_queries!(priorities, PriorityRow, NewPriorityRow, PriorityChanges);
