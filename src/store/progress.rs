//! Progress updates of deliverables: append-only records, the newest of which
//! sets its deliverable's status.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::progress_updates;

// Deserialize: a list embeds a deliverable's latest update as the row's JSON.
#[derive(Debug, Clone, Queryable, Selectable, serde::Deserialize)]
#[diesel(table_name = progress_updates, check_for_backend(diesel::pg::Pg))]
pub struct ProgressRow {
    pub id: Uuid,
    pub milestone_id: Option<Uuid>,
    pub period: String,
    pub status: String,
    pub commentary: Option<String>,
    pub completed_on: Option<NaiveDate>,
    pub author_sub: String,
    pub author_name: Option<String>,
    pub author_org: Option<String>,
    pub created_at: DateTime<Utc>,
    pub improvement_action_id: Option<Uuid>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = progress_updates)]
pub struct NewProgressRow {
    pub id: Uuid,
    pub milestone_id: Option<Uuid>,
    pub improvement_action_id: Option<Uuid>,
    pub period: String,
    pub period_starts_on: NaiveDate,
    pub period_ends_on: NaiveDate,
    pub status: String,
    pub commentary: Option<String>,
    pub completed_on: Option<NaiveDate>,
    pub author_sub: String,
    pub author_name: Option<String>,
    pub author_org: Option<String>,
}

/// Which deliverable updates belong to.
#[derive(Debug, Clone, Copy)]
pub enum Deliverable {
    Milestone(Uuid),
    ImprovementAction(Uuid),
}

impl Deliverable {
    /// The deliverable's id.
    pub fn id(self) -> Uuid {
        match self {
            Deliverable::Milestone(id) | Deliverable::ImprovementAction(id) => id,
        }
    }

    /// The column of `progress_updates` that points at this kind of deliverable.
    fn column(self) -> &'static str {
        match self {
            Deliverable::Milestone(_) => "milestone_id",
            Deliverable::ImprovementAction(_) => "improvement_action_id",
        }
    }

    /// Whether an update row belongs to this deliverable.
    pub fn owns(self, row: &ProgressRow) -> bool {
        match self {
            Deliverable::Milestone(id) => row.milestone_id == Some(id),
            Deliverable::ImprovementAction(id) => row.improvement_action_id == Some(id),
        }
    }

    /// The condition selecting this deliverable's updates.
    fn condition(self) -> crate::store::sql::DynSql {
        crate::store::sql::DynSql::raw(format!("progress_updates.{} = ", self.column()))
            .bind(self.id().to_string())
            .sql("::uuid")
    }
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    new: &NewProgressRow,
) -> QueryResult<ProgressRow> {
    diesel::insert_into(progress_updates::table)
        .values(new)
        .returning(ProgressRow::as_returning())
        .get_result(conn)
        .await
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<ProgressRow> {
    progress_updates::table
        .find(id)
        .select(ProgressRow::as_select())
        .first(conn)
        .await
}

/// One page of a deliverable's updates.
pub async fn list(
    conn: &mut AsyncPgConnection,
    of: Deliverable,
    p: &crate::store::listing::ListParams,
) -> QueryResult<(Vec<ProgressRow>, Option<i64>)> {
    let mut p = p.clone();
    p.add_condition(of.condition());
    crate::paged!(conn, progress_updates::table, ProgressRow, &p)
}

/// The newest update of each of many milestones, in one query.
pub async fn latest_for_milestones(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<Vec<ProgressRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    progress_updates::table
        .filter(progress_updates::milestone_id.eq_any(ids))
        .distinct_on(progress_updates::milestone_id)
        .order((
            progress_updates::milestone_id,
            progress_updates::created_at.desc(),
            progress_updates::id.desc(),
        ))
        .select(ProgressRow::as_select())
        .load(conn)
        .await
}

/// The newest update of each of many improvement actions, in one query.
pub async fn latest_for_actions(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<Vec<ProgressRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    progress_updates::table
        .filter(progress_updates::improvement_action_id.eq_any(ids))
        .distinct_on(progress_updates::improvement_action_id)
        .order((
            progress_updates::improvement_action_id,
            progress_updates::created_at.desc(),
            progress_updates::id.desc(),
        ))
        .select(ProgressRow::as_select())
        .load(conn)
        .await
}
