//! Rows and queries of risks' quarterly reviews.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::risk_reviews;
use crate::store::listing::ListParams;

/// A review as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = risk_reviews, check_for_backend(diesel::pg::Pg))]
pub struct ReviewRow {
    pub id: Uuid,
    pub risk_id: Uuid,
    pub period: String,
    pub period_starts_on: NaiveDate,
    pub period_ends_on: NaiveDate,
    pub current_score: i32,
    pub mitigation_progress: String,
    pub commentary: Option<String>,
    pub author_sub: String,
    pub author_name: Option<String>,
    pub author_org: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

/// What a write sets.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = risk_reviews, treat_none_as_null = true)]
pub struct ReviewWrite<'a> {
    pub risk_id: Uuid,
    pub period: &'a str,
    pub period_starts_on: NaiveDate,
    pub period_ends_on: NaiveDate,
    pub current_score: i32,
    pub mitigation_progress: &'a str,
    pub commentary: Option<&'a str>,
    pub author_sub: &'a str,
    pub author_name: Option<&'a str>,
    pub author_org: Option<&'a str>,
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<ReviewRow> {
    risk_reviews::table
        .find(id)
        .select(ReviewRow::as_select())
        .first(conn)
        .await
}

pub async fn find_by_key(
    conn: &mut AsyncPgConnection,
    risk_id: Uuid,
    period: &str,
) -> QueryResult<Option<ReviewRow>> {
    risk_reviews::table
        .filter(risk_reviews::risk_id.eq(risk_id))
        .filter(risk_reviews::period.eq(period))
        .select(ReviewRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Creates the review (`existing` None) or replaces it at the version
/// read; `NotFound` when it moved on.
pub async fn upsert(
    conn: &mut AsyncPgConnection,
    existing: Option<&ReviewRow>,
    write: &ReviewWrite<'_>,
) -> QueryResult<ReviewRow> {
    match existing {
        None => {
            diesel::insert_into(risk_reviews::table)
                .values((risk_reviews::id.eq(super::new_id()), write))
                .returning(ReviewRow::as_returning())
                .get_result(conn)
                .await
        }
        Some(row) => {
            diesel::update(
                risk_reviews::table
                    .filter(risk_reviews::id.eq(row.id))
                    .filter(risk_reviews::version.eq(row.version)),
            )
            .set((
                write,
                risk_reviews::version.eq(risk_reviews::version + 1),
                risk_reviews::updated_at.eq(diesel::dsl::now),
            ))
            .returning(ReviewRow::as_returning())
            .get_result(conn)
            .await
        }
    }
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    p: &ListParams,
) -> QueryResult<(Vec<ReviewRow>, Option<i64>)> {
    crate::paged!(conn, risk_reviews::table, ReviewRow, p)
}

/// Every review of the risks given whose period ended by `by` (all when
/// None), in one query: what a review's trend and a report read.
pub async fn of_risks(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
    by: Option<NaiveDate>,
) -> QueryResult<Vec<ReviewRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut q = risk_reviews::table
        .filter(risk_reviews::risk_id.eq_any(ids))
        .into_boxed();
    if let Some(by) = by {
        q = q.filter(risk_reviews::period_ends_on.le(by));
    }
    q.order((risk_reviews::risk_id, risk_reviews::period_starts_on))
        .select(ReviewRow::as_select())
        .load(conn)
        .await
}

/// The register's residual score of each risk given, in one query.
pub async fn residual_scores(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<Vec<(Uuid, Option<i32>)>> {
    use super::schema::risks;
    risks::table
        .filter(risks::id.eq_any(ids))
        .select((risks::id, risks::risk_residual))
        .load(conn)
        .await
}
