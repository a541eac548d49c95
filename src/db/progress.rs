//! Progress updates of deliverables: append-only records, the newest of which
//! sets its deliverable's status.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::progress_updates;

#[derive(Debug, Clone, Queryable, Selectable)]
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
}

#[derive(Debug, Insertable)]
#[diesel(table_name = progress_updates)]
pub struct NewProgressRow {
    pub id: Uuid,
    pub milestone_id: Option<Uuid>,
    pub period: String,
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
}

impl Deliverable {
    /// The condition selecting this deliverable's updates.
    fn condition(self) -> crate::db::sql::DynSql {
        match self {
            Deliverable::Milestone(id) => {
                crate::db::sql::DynSql::raw("progress_updates.milestone_id = ")
                    .bind(id.to_string())
                    .sql("::uuid")
            }
        }
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
    p: &crate::list::ListParams,
) -> QueryResult<(Vec<ProgressRow>, i64)> {
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
