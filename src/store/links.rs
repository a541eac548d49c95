//! The links between indicators, objectives and priorities.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::objectives::LinkedPriority;
use super::schema::{indicator_priorities, objective_indicators, objectives, priorities};

/// (objective, indicator) pairs for many objectives, in one query.
pub async fn indicators_of_objectives(
    conn: &mut AsyncPgConnection,
    objective_ids: &[Uuid],
) -> QueryResult<Vec<(Uuid, Uuid)>> {
    if objective_ids.is_empty() {
        return Ok(Vec::new());
    }
    objective_indicators::table
        .filter(objective_indicators::objective_id.eq_any(objective_ids))
        .filter(objective_indicators::unlinked_at.is_null())
        .select((
            objective_indicators::objective_id,
            objective_indicators::indicator_id,
        ))
        .load(conn)
        .await
}

/// (indicator, objective id, code, title) for many indicators, in one query.
pub async fn objectives_of_indicators(
    conn: &mut AsyncPgConnection,
    indicator_ids: &[Uuid],
) -> QueryResult<Vec<(Uuid, Uuid, String, String)>> {
    if indicator_ids.is_empty() {
        return Ok(Vec::new());
    }
    objective_indicators::table
        .inner_join(objectives::table)
        .filter(objective_indicators::indicator_id.eq_any(indicator_ids))
        .filter(objective_indicators::unlinked_at.is_null())
        .order(objectives::code)
        .select((
            objective_indicators::indicator_id,
            objectives::id,
            objectives::code,
            objectives::title,
        ))
        .load(conn)
        .await
}

/// Links an indicator to an objective (or links it again after an unlink);
/// false when it already was linked.
pub async fn link(
    conn: &mut AsyncPgConnection,
    objective_id: Uuid,
    indicator_id: Uuid,
) -> QueryResult<bool> {
    let n = diesel::sql_query(
        "INSERT INTO objective_indicators (objective_id, indicator_id) VALUES ($1, $2) \
         ON CONFLICT (objective_id, indicator_id) DO UPDATE SET unlinked_at = NULL \
         WHERE objective_indicators.unlinked_at IS NOT NULL",
    )
    .bind::<diesel::sql_types::Uuid, _>(objective_id)
    .bind::<diesel::sql_types::Uuid, _>(indicator_id)
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Unlinks an indicator from an objective, keeping the row marked with the
/// time; false when it was not linked.
pub async fn unlink(
    conn: &mut AsyncPgConnection,
    objective_id: Uuid,
    indicator_id: Uuid,
) -> QueryResult<bool> {
    let n = diesel::update(
        objective_indicators::table
            .filter(objective_indicators::objective_id.eq(objective_id))
            .filter(objective_indicators::indicator_id.eq(indicator_id))
            .filter(objective_indicators::unlinked_at.is_null()),
    )
    .set(objective_indicators::unlinked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// The priorities of many indicators, in one query (`objective_id` holds the indicator's id).
pub async fn priorities_of_indicators(
    conn: &mut AsyncPgConnection,
    indicator_ids: &[Uuid],
) -> QueryResult<Vec<LinkedPriority>> {
    if indicator_ids.is_empty() {
        return Ok(Vec::new());
    }
    indicator_priorities::table
        .inner_join(priorities::table)
        .filter(indicator_priorities::indicator_id.eq_any(indicator_ids))
        .order((priorities::set, priorities::code))
        .select((
            indicator_priorities::indicator_id,
            priorities::id,
            priorities::set,
            priorities::code,
            priorities::title,
        ))
        .load(conn)
        .await
}

/// Replaces an indicator's priority links.
pub async fn set_indicator_priorities(
    conn: &mut AsyncPgConnection,
    indicator_id: Uuid,
    priority_ids: &[Uuid],
) -> QueryResult<()> {
    diesel::delete(
        indicator_priorities::table.filter(indicator_priorities::indicator_id.eq(indicator_id)),
    )
    .execute(conn)
    .await?;
    let rows: Vec<_> = priority_ids
        .iter()
        .map(|p| {
            (
                indicator_priorities::indicator_id.eq(indicator_id),
                indicator_priorities::priority_id.eq(*p),
            )
        })
        .collect();
    if !rows.is_empty() {
        diesel::insert_into(indicator_priorities::table)
            .values(rows)
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
    }
    Ok(())
}

#[derive(QueryableByName)]
struct LatestPeriod {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    indicator_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    period: String,
}

/// For each of many indicators, the latest period (ended by `as_of`) with a
/// whole-population `area` value, in one query.
pub async fn latest_area_periods(
    conn: &mut AsyncPgConnection,
    indicator_ids: &[Uuid],
    as_of: chrono::NaiveDate,
) -> QueryResult<Vec<(Uuid, String)>> {
    if indicator_ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<LatestPeriod> = diesel::sql_query(
        "SELECT DISTINCT ON (indicator_id) indicator_id, period FROM indicator_values \
         WHERE indicator_id = ANY($1) AND series = 'area' AND breakdown IS NULL \
           AND period_ends_on <= $2 \
         ORDER BY indicator_id, period_ends_on DESC, period_starts_on DESC",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::Uuid>, _>(indicator_ids)
    .bind::<diesel::sql_types::Date, _>(as_of)
    .load(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| (r.indicator_id, r.period))
        .collect())
}
