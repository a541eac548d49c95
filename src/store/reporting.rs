//! Rows and queries of reporting cycles, and the period-lock look-up.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Date, Text, Uuid as SqlUuid};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::reporting_cycles;
use crate::store::listing::ListParams;

/// A cycle as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = reporting_cycles, check_for_backend(diesel::pg::Pg))]
pub struct CycleRow {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub period: String,
    pub period_starts_on: NaiveDate,
    pub period_ends_on: NaiveDate,
    pub due_on: NaiveDate,
    pub status: String,
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = reporting_cycles)]
pub struct NewCycleRow<'a> {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub period: &'a str,
    pub period_starts_on: NaiveDate,
    pub period_ends_on: NaiveDate,
    pub due_on: NaiveDate,
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<CycleRow> {
    reporting_cycles::table
        .find(id)
        .select(CycleRow::as_select())
        .first(conn)
        .await
}

pub async fn find_for_update(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<CycleRow> {
    reporting_cycles::table
        .find(id)
        .select(CycleRow::as_select())
        .for_update()
        .first(conn)
        .await
}

pub async fn insert(conn: &mut AsyncPgConnection, row: &NewCycleRow<'_>) -> QueryResult<Uuid> {
    diesel::insert_into(reporting_cycles::table)
        .values(row)
        .returning(reporting_cycles::id)
        .get_result(conn)
        .await
}

/// Moves a cycle at `version` to `status`; `NotFound` when it moved on.
pub async fn set_status(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    version: i32,
    status: &str,
) -> QueryResult<CycleRow> {
    let closed_at: Option<DateTime<Utc>> = (status != "open").then(Utc::now);
    diesel::update(
        reporting_cycles::table
            .filter(reporting_cycles::id.eq(id))
            .filter(reporting_cycles::version.eq(version)),
    )
    .set((
        reporting_cycles::status.eq(status),
        reporting_cycles::closed_at.eq(closed_at),
        reporting_cycles::version.eq(reporting_cycles::version + 1),
        reporting_cycles::updated_at.eq(diesel::dsl::now),
    ))
    .returning(CycleRow::as_returning())
    .get_result(conn)
    .await
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    p: &ListParams,
) -> QueryResult<(Vec<CycleRow>, Option<i64>)> {
    crate::paged!(conn, reporting_cycles::table, CycleRow, p)
}

/// What a write belongs to, for finding the plans whose cycles can lock it.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    /// An indicator's values and commentary: the plans of the objectives it
    /// measures and of the priorities it serves.
    Indicator(Uuid),
    /// A milestone's updates: its objective's plan.
    Milestone(Uuid),
    /// An objective's updates and its risks' reviews: its plan.
    Objective(Uuid),
    /// A risk's reviews: its objective's plan.
    Risk(Uuid),
    /// An improvement action's updates: its area's plan.
    ImprovementAction(Uuid),
    /// A plan's own narrative.
    Plan(Uuid),
}

/// A cycle that locks a write.
#[derive(Debug, QueryableByName)]
pub struct Lock {
    #[diesel(sql_type = Text)]
    pub plan_code: String,
    #[diesel(sql_type = Text)]
    pub period: String,
    #[diesel(sql_type = Text)]
    pub status: String,
}

/// The closed or signed-off cycle, if any, whose period holds
/// `starts_on..=ends_on` for a plan `scope` belongs to. One statement.
pub async fn lock_on(
    conn: &mut AsyncPgConnection,
    scope: Scope,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
) -> QueryResult<Option<Lock>> {
    let plans = match scope {
        Scope::Indicator(_) => {
            "SELECT o.plan_id FROM objective_indicators oi JOIN objectives o ON o.id = oi.objective_id \
             WHERE oi.indicator_id = $1 AND oi.unlinked_at IS NULL \
             UNION SELECT p.plan_id FROM indicator_priorities ip JOIN priorities p ON p.id = ip.priority_id \
             WHERE ip.indicator_id = $1"
        }
        Scope::Milestone(_) => {
            "SELECT o.plan_id FROM milestones m JOIN objectives o ON o.id = m.objective_id WHERE m.id = $1"
        }
        Scope::Objective(_) => "SELECT o.plan_id FROM objectives o WHERE o.id = $1",
        Scope::Risk(_) => {
            "SELECT o.plan_id FROM risks r JOIN objectives o ON o.id = r.objective_id WHERE r.id = $1"
        }
        Scope::ImprovementAction(_) => {
            "SELECT ar.plan_id FROM improvement_actions a JOIN improvement_areas ar ON ar.id = a.area_id \
             WHERE a.id = $1"
        }
        Scope::Plan(_) => "SELECT $1::uuid",
    };
    let id = match scope {
        Scope::Indicator(id)
        | Scope::Milestone(id)
        | Scope::Objective(id)
        | Scope::Risk(id)
        | Scope::ImprovementAction(id)
        | Scope::Plan(id) => id,
    };
    let rows: Vec<Lock> = diesel::sql_query(format!(
        "SELECT pl.code AS plan_code, c.period, c.status \
         FROM reporting_cycles c JOIN plans pl ON pl.id = c.plan_id \
         WHERE c.archived_at IS NULL AND c.status <> 'open' \
           AND c.period_starts_on <= $2 AND c.period_ends_on >= $3 \
           AND c.plan_id IN ({plans}) \
         ORDER BY c.period_starts_on, pl.code LIMIT 1"
    ))
    .bind::<SqlUuid, _>(id)
    .bind::<Date, _>(starts_on)
    .bind::<Date, _>(ends_on)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next())
}

/// A value an import would write into a locked period.
#[derive(Debug, QueryableByName)]
pub struct LockedValue {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub n: i64,
    #[diesel(sql_type = Text)]
    pub plan_code: String,
    #[diesel(sql_type = Text)]
    pub period: String,
    #[diesel(sql_type = Text)]
    pub status: String,
}

/// Of the `(indicator, period starts, period ends)` given, those a closed
/// or signed-off cycle of one of the indicator's plans locks, by their
/// position (from 1). One statement whatever the number.
pub async fn locked_values(
    conn: &mut AsyncPgConnection,
    values: &[(Uuid, NaiveDate, NaiveDate)],
) -> QueryResult<Vec<LockedValue>> {
    use diesel::sql_types::Array;
    if values.is_empty() {
        return Ok(Vec::new());
    }
    diesel::sql_query(
        "SELECT DISTINCT ON (k.n) k.n, pl.code AS plan_code, c.period, c.status \
         FROM unnest($1::uuid[], $2::date[], $3::date[]) WITH ORDINALITY AS k(indicator_id, s, e, n) \
         JOIN reporting_cycles c ON c.archived_at IS NULL AND c.status <> 'open' \
              AND c.period_starts_on <= k.s AND c.period_ends_on >= k.e \
         JOIN plans pl ON pl.id = c.plan_id \
         WHERE c.plan_id IN ( \
             SELECT o.plan_id FROM objective_indicators oi JOIN objectives o ON o.id = oi.objective_id \
             WHERE oi.indicator_id = k.indicator_id AND oi.unlinked_at IS NULL \
             UNION SELECT p.plan_id FROM indicator_priorities ip JOIN priorities p ON p.id = ip.priority_id \
             WHERE ip.indicator_id = k.indicator_id) \
         ORDER BY k.n, c.period_starts_on, pl.code",
    )
    .bind::<Array<SqlUuid>, _>(values.iter().map(|v| v.0).collect::<Vec<_>>())
    .bind::<Array<Date>, _>(values.iter().map(|v| v.1).collect::<Vec<_>>())
    .bind::<Array<Date>, _>(values.iter().map(|v| v.2).collect::<Vec<_>>())
    .load(conn)
    .await
}
