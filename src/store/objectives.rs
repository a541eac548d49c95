//! Rows and queries of objectives (service objectives and CYPP promises),
//! their priority links, their risk register and their milestone roll-ups.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::{objective_priorities, objectives, priorities, risks};
use crate::domain::deliverable::{DeliverableStatus, Rollup};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = objectives, check_for_backend(diesel::pg::Pg))]
pub struct ObjectiveRow {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub code: String,
    pub kind: String,
    pub title: String,
    pub description: Option<String>,
    pub lead_organisation_id: Option<Uuid>,
    pub responsible_officer: Option<String>,
    pub cypp_priority_refs: Vec<Option<String>>,
    pub cross_referenced_plan_codes: Vec<Option<String>>,
    pub risk_initial: Option<i32>,
    pub risk_residual: Option<i32>,
    pub due_on: Option<NaiveDate>,
    pub strategy_method: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
    pub status: String,
    pub completed_on: Option<NaiveDate>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = objectives)]
pub struct NewObjectiveRow {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub code: String,
    pub kind: String,
    pub title: String,
    pub description: Option<String>,
    pub lead_organisation_id: Option<Uuid>,
    pub responsible_officer: Option<String>,
    pub cypp_priority_refs: Vec<String>,
    pub cross_referenced_plan_codes: Vec<String>,
    pub risk_initial: Option<i32>,
    pub risk_residual: Option<i32>,
    pub due_on: Option<NaiveDate>,
    pub strategy_method: Option<String>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = objectives)]
pub struct ObjectiveChanges {
    pub plan_id: Option<Uuid>,
    pub code: Option<String>,
    pub kind: Option<String>,
    pub title: Option<String>,
    pub description: Option<Option<String>>,
    pub lead_organisation_id: Option<Option<Uuid>>,
    pub responsible_officer: Option<Option<String>>,
    pub cypp_priority_refs: Option<Vec<String>>,
    pub cross_referenced_plan_codes: Option<Vec<String>>,
    pub risk_initial: Option<Option<i32>>,
    pub risk_residual: Option<Option<i32>>,
    pub due_on: Option<Option<NaiveDate>>,
    pub strategy_method: Option<Option<String>>,
}

crate::table_queries!(objectives, ObjectiveRow, NewObjectiveRow, ObjectiveChanges);

/// A priority an objective links to.
#[derive(Debug, Clone, Queryable)]
pub struct LinkedPriority {
    pub objective_id: Uuid,
    pub id: Uuid,
    pub set: String,
    pub code: String,
    pub title: String,
}

/// The priorities of many objectives, in one query.
pub async fn linked_priorities(
    conn: &mut AsyncPgConnection,
    objective_ids: &[Uuid],
) -> QueryResult<Vec<LinkedPriority>> {
    if objective_ids.is_empty() {
        return Ok(Vec::new());
    }
    objective_priorities::table
        .inner_join(priorities::table)
        .filter(objective_priorities::objective_id.eq_any(objective_ids))
        .order((priorities::set, priorities::code))
        .select((
            objective_priorities::objective_id,
            priorities::id,
            priorities::set,
            priorities::code,
            priorities::title,
        ))
        .load(conn)
        .await
}

/// Replaces an objective's priority links.
pub async fn set_priorities(
    conn: &mut AsyncPgConnection,
    objective_id: Uuid,
    priority_ids: &[Uuid],
) -> QueryResult<()> {
    diesel::delete(
        objective_priorities::table.filter(objective_priorities::objective_id.eq(objective_id)),
    )
    .execute(conn)
    .await?;
    let rows: Vec<_> = priority_ids
        .iter()
        .map(|p| {
            (
                objective_priorities::objective_id.eq(objective_id),
                objective_priorities::priority_id.eq(*p),
            )
        })
        .collect();
    if !rows.is_empty() {
        diesel::insert_into(objective_priorities::table)
            .values(rows)
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    Ok(())
}

#[derive(QueryableByName)]
struct StatusCount {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    objective_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    status: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    overdue: i64,
}

/// The milestone roll-up of many objectives as of `as_of` (each milestone's
/// status that day), in one query.
/// Archived milestones do not count.
pub async fn rollups(
    conn: &mut AsyncPgConnection,
    objective_ids: &[Uuid],
    as_of: NaiveDate,
) -> QueryResult<HashMap<Uuid, Rollup>> {
    let mut out: HashMap<Uuid, Rollup> = HashMap::new();
    if objective_ids.is_empty() {
        return Ok(out);
    }
    // Each milestone's status on the day: its governing update's then.
    let counts: Vec<StatusCount> = diesel::sql_query(format!(
        "SELECT objective_id, status, count(*) AS n, \
                count(*) FILTER (WHERE due_on < $2 AND status NOT IN ({})) AS overdue \
         FROM (SELECT milestones.objective_id, milestones.due_on, {} AS status \
               FROM milestones \
               WHERE milestones.objective_id = ANY($1) AND milestones.archived_at IS NULL) m \
         GROUP BY objective_id, status",
        crate::domain::deliverable::closed_sql_list(),
        crate::store::progress::status_as_of_sql("milestones", "milestone_id", "$2")
    ))
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(objective_ids)
    .bind::<diesel::sql_types::Date, _>(as_of)
    .load(conn)
    .await?;
    for c in counts {
        if let Some(status) = DeliverableStatus::parse(&c.status) {
            out.entry(c.objective_id)
                .or_default()
                .add(status, c.n, c.overdue);
        }
    }
    Ok(out)
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = risks, check_for_backend(diesel::pg::Pg))]
pub struct RiskRow {
    pub id: Uuid,
    pub objective_id: Uuid,
    pub code: String,
    pub title: String,
    pub treatment_measures: Vec<Option<String>>,
    pub risk_initial: Option<i32>,
    pub risk_residual: Option<i32>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = risks)]
pub struct NewRiskRow {
    pub id: Uuid,
    pub objective_id: Uuid,
    pub code: String,
    pub title: String,
    pub treatment_measures: Vec<String>,
    pub risk_initial: Option<i32>,
    pub risk_residual: Option<i32>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = risks)]
pub struct RiskChanges {
    pub code: Option<String>,
    pub title: Option<String>,
    pub treatment_measures: Option<Vec<String>>,
    pub risk_initial: Option<Option<i32>>,
    pub risk_residual: Option<Option<i32>>,
}

/// Queries of the risk register.
pub mod risk_queries {
    use super::{risks, NewRiskRow, RiskChanges, RiskRow};
    crate::table_queries!(risks, RiskRow, NewRiskRow, RiskChanges);
}
