//! Progress updates of deliverables: records that can be corrected and
//! withdrawn, the one for the latest period (entry time breaking ties) of
//! which sets its deliverable's status.

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
    pub period_starts_on: NaiveDate,
    pub period_ends_on: NaiveDate,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub objective_id: Option<Uuid>,
}

/// SQL for a deliverable's status on the day `$date` (an SQL date
/// expression): the status of its latest standing update whose period had
/// started by then, unless that update says complete with a later
/// `completed_on`; with no such update `not_started` when it has updates,
/// else its own status (`not_started` if that says complete later).
/// `table` is the deliverable's table, `column` the updates' column that
/// points at it.
pub fn status_as_of_sql(table: &str, column: &str, date: &str) -> String {
    format!(
        "COALESCE((SELECT pu.status FROM progress_updates pu \
           WHERE pu.{column} = {table}.id AND pu.withdrawn_at IS NULL \
             AND pu.period_starts_on <= {date} \
             AND (pu.status <> 'complete' OR pu.completed_on <= {date}) \
           ORDER BY pu.period_starts_on DESC, pu.created_at DESC, pu.id DESC LIMIT 1), \
         CASE WHEN EXISTS (SELECT 1 FROM progress_updates pu \
                   WHERE pu.{column} = {table}.id AND pu.withdrawn_at IS NULL) \
                OR ({table}.status = 'complete' AND {table}.completed_on > {date}) \
              THEN 'not_started' ELSE {table}.status END)"
    )
}

#[derive(Debug, Insertable)]
#[diesel(table_name = progress_updates)]
pub struct NewProgressRow {
    pub id: Uuid,
    pub milestone_id: Option<Uuid>,
    pub improvement_action_id: Option<Uuid>,
    pub objective_id: Option<Uuid>,
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
    /// An objective, promise or equality action.
    Objective(Uuid),
}

impl Deliverable {
    /// The deliverable's id.
    pub fn id(self) -> Uuid {
        match self {
            Deliverable::Milestone(id)
            | Deliverable::ImprovementAction(id)
            | Deliverable::Objective(id) => id,
        }
    }

    /// The column of `progress_updates` that points at this kind of deliverable.
    pub fn column(self) -> &'static str {
        match self {
            Deliverable::Milestone(_) => "milestone_id",
            Deliverable::ImprovementAction(_) => "improvement_action_id",
            Deliverable::Objective(_) => "objective_id",
        }
    }

    /// The table of this kind of deliverable.
    pub fn table(self) -> &'static str {
        match self {
            Deliverable::Milestone(_) => "milestones",
            Deliverable::ImprovementAction(_) => "improvement_actions",
            Deliverable::Objective(_) => "objectives",
        }
    }

    /// The column of an update row that points at this kind of deliverable.
    fn of_row(self, row: &ProgressRow) -> Option<Uuid> {
        match self {
            Deliverable::Milestone(_) => row.milestone_id,
            Deliverable::ImprovementAction(_) => row.improvement_action_id,
            Deliverable::Objective(_) => row.objective_id,
        }
    }

    /// Whether an update row belongs to this deliverable.
    pub fn owns(self, row: &ProgressRow) -> bool {
        self.of_row(row) == Some(self.id())
    }

    /// The deliverable an update row belongs to, when it is of this kind.
    pub fn owner_of(self, row: &ProgressRow) -> Option<Uuid> {
        self.of_row(row)
    }

    /// The condition selecting this deliverable's standing updates.
    fn condition(self) -> crate::store::sql::DynSql {
        crate::store::sql::DynSql::raw(format!(
            "progress_updates.withdrawn_at IS NULL AND progress_updates.{} = ",
            self.column()
        ))
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

/// The governing update of each of many improvement actions (the latest
/// period's, the latest entry breaking ties), in one query.
pub async fn latest_for_actions(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<Vec<ProgressRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    progress_updates::table
        .filter(progress_updates::improvement_action_id.eq_any(ids))
        .filter(progress_updates::withdrawn_at.is_null())
        .distinct_on(progress_updates::improvement_action_id)
        .order((
            progress_updates::improvement_action_id,
            progress_updates::period_starts_on.desc(),
            progress_updates::created_at.desc(),
            progress_updates::id.desc(),
        ))
        .select(ProgressRow::as_select())
        .load(conn)
        .await
}

/// The standing updates of many deliverables of the kind of `kind` (its id
/// is ignored) whose periods had started by `as_of`, in one query: what a
/// point-in-time answer reads.
pub async fn started_by(
    conn: &mut AsyncPgConnection,
    kind: Deliverable,
    ids: &[Uuid],
    as_of: NaiveDate,
) -> QueryResult<Vec<ProgressRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let q = progress_updates::table
        .filter(progress_updates::withdrawn_at.is_null())
        .filter(progress_updates::period_starts_on.le(as_of))
        .into_boxed();
    let q = match kind {
        Deliverable::Milestone(_) => q.filter(progress_updates::milestone_id.eq_any(ids)),
        Deliverable::ImprovementAction(_) => {
            q.filter(progress_updates::improvement_action_id.eq_any(ids))
        }
        Deliverable::Objective(_) => q.filter(progress_updates::objective_id.eq_any(ids)),
    };
    q.select(ProgressRow::as_select()).load(conn).await
}

/// The update that governs a deliverable's status now: its standing update
/// for the latest period, the latest entry breaking ties.
pub async fn governing(
    conn: &mut AsyncPgConnection,
    of: Deliverable,
) -> QueryResult<Option<ProgressRow>> {
    let q = progress_updates::table
        .filter(progress_updates::withdrawn_at.is_null())
        .into_boxed();
    let q = match of {
        Deliverable::Milestone(id) => q.filter(progress_updates::milestone_id.eq(id)),
        Deliverable::ImprovementAction(id) => {
            q.filter(progress_updates::improvement_action_id.eq(id))
        }
        Deliverable::Objective(id) => q.filter(progress_updates::objective_id.eq(id)),
    };
    q.order((
        progress_updates::period_starts_on.desc(),
        progress_updates::created_at.desc(),
        progress_updates::id.desc(),
    ))
    .select(ProgressRow::as_select())
    .first(conn)
    .await
    .optional()
}

/// What a correction of an update sets.
#[derive(Debug, AsChangeset)]
#[diesel(table_name = progress_updates, treat_none_as_null = true)]
pub struct ProgressChanges {
    pub status: String,
    pub commentary: Option<String>,
    pub completed_on: Option<NaiveDate>,
}

/// Corrects an update at the version it was read at.
pub async fn correct(
    conn: &mut AsyncPgConnection,
    existing: &ProgressRow,
    changes: &ProgressChanges,
) -> QueryResult<ProgressRow> {
    diesel::update(
        progress_updates::table
            .find(existing.id)
            .filter(progress_updates::version.eq(existing.version)),
    )
    .set((
        changes,
        progress_updates::version.eq(progress_updates::version + 1),
        progress_updates::updated_at.eq(diesel::dsl::now),
    ))
    .returning(ProgressRow::as_returning())
    .get_result(conn)
    .await
}

/// Withdraws an update at the version it was read at: it leaves the lists
/// and stops counting, and keeps its history.
pub async fn withdraw(
    conn: &mut AsyncPgConnection,
    existing: &ProgressRow,
) -> QueryResult<ProgressRow> {
    diesel::update(
        progress_updates::table
            .find(existing.id)
            .filter(progress_updates::version.eq(existing.version)),
    )
    .set((
        progress_updates::withdrawn_at.eq(diesel::dsl::now),
        progress_updates::version.eq(progress_updates::version + 1),
        progress_updates::updated_at.eq(diesel::dsl::now),
    ))
    .returning(ProgressRow::as_returning())
    .get_result(conn)
    .await
}
