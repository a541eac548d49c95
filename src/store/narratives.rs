//! Rows and queries of plans' narrative sections.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::narratives;
use crate::store::listing::ListParams;

/// A narrative section as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = narratives, check_for_backend(diesel::pg::Pg))]
pub struct NarrativeRow {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub period: String,
    pub period_starts_on: NaiveDate,
    pub period_ends_on: NaiveDate,
    pub section: String,
    pub body: String,
    pub author_sub: String,
    pub author_name: Option<String>,
    pub author_org: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
}

/// What a write sets.
#[derive(Debug, Insertable, AsChangeset)]
#[diesel(table_name = narratives)]
pub struct NarrativeWrite<'a> {
    pub plan_id: Uuid,
    pub period: &'a str,
    pub period_starts_on: NaiveDate,
    pub period_ends_on: NaiveDate,
    pub section: &'a str,
    pub body: &'a str,
    pub author_sub: &'a str,
    pub author_name: Option<&'a str>,
    pub author_org: Option<&'a str>,
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<NarrativeRow> {
    narratives::table
        .find(id)
        .select(NarrativeRow::as_select())
        .first(conn)
        .await
}

pub async fn find_by_key(
    conn: &mut AsyncPgConnection,
    plan_id: Uuid,
    period: &str,
    section: &str,
) -> QueryResult<Option<NarrativeRow>> {
    narratives::table
        .filter(narratives::plan_id.eq(plan_id))
        .filter(narratives::period.eq(period))
        .filter(narratives::section.eq(section))
        .select(NarrativeRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Creates the section (`existing` None) or replaces its text at the
/// version read; `NotFound` when it moved on.
pub async fn upsert(
    conn: &mut AsyncPgConnection,
    existing: Option<&NarrativeRow>,
    write: &NarrativeWrite<'_>,
) -> QueryResult<NarrativeRow> {
    match existing {
        None => {
            diesel::insert_into(narratives::table)
                .values((narratives::id.eq(super::new_id()), write))
                .returning(NarrativeRow::as_returning())
                .get_result(conn)
                .await
        }
        Some(row) => {
            diesel::update(
                narratives::table
                    .filter(narratives::id.eq(row.id))
                    .filter(narratives::version.eq(row.version)),
            )
            .set((
                write,
                narratives::version.eq(narratives::version + 1),
                narratives::updated_at.eq(diesel::dsl::now),
            ))
            .returning(NarrativeRow::as_returning())
            .get_result(conn)
            .await
        }
    }
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    p: &ListParams,
) -> QueryResult<(Vec<NarrativeRow>, Option<i64>)> {
    crate::paged!(conn, narratives::table, NarrativeRow, p)
}
