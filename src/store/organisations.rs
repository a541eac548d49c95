//! Rows and queries of partner organisations.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::organisations;
use crate::store::listing::ListParams;

/// An organisation as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organisations, check_for_backend(diesel::pg::Pg))]
pub struct OrganisationRow {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = organisations)]
pub struct NewOrganisationRow<'a> {
    pub id: Uuid,
    pub code: &'a str,
    pub name: &'a str,
    pub kind: &'a str,
    pub parent_id: Option<Uuid>,
}

#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = organisations)]
pub struct OrganisationChanges {
    pub code: Option<String>,
    pub name: Option<String>,
    pub kind: Option<String>,
    pub parent_id: Option<Option<Uuid>>,
}

/// What an organisation refers to, built by the database beside its row:
/// `{"parent": {"id", "code", "name"} | null}`.
pub const EMBED: &str = concat!(
    "json_build_object('parent', ",
    crate::ref_json!("organisations", "organisations.parent_id", ["code", "name"]),
    ")"
);

/// An organisation with what it refers to ([`EMBED`]), in one statement.
pub async fn find_embedded(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<(OrganisationRow, crate::store::sql::RawJson)> {
    organisations::table
        .find(id)
        .select((
            OrganisationRow::as_select(),
            crate::store::sql::lit::<diesel::sql_types::Json>(EMBED),
        ))
        .first(conn)
        .await
}

/// [`find_embedded`], with the row locked for the rest of the transaction.
pub async fn find_embedded_for_update(
    conn: &mut AsyncPgConnection,
    id: Uuid,
) -> QueryResult<(OrganisationRow, crate::store::sql::RawJson)> {
    organisations::table
        .find(id)
        .select((
            OrganisationRow::as_select(),
            crate::store::sql::lit::<diesel::sql_types::Json>(EMBED),
        ))
        .for_update()
        .first(conn)
        .await
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<OrganisationRow> {
    organisations::table
        .find(id)
        .select(OrganisationRow::as_select())
        .first(conn)
        .await
}

/// Finds organisations by id, in one query.
pub async fn find_many(
    conn: &mut AsyncPgConnection,
    ids: &[Uuid],
) -> QueryResult<Vec<OrganisationRow>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    organisations::table
        .filter(organisations::id.eq_any(ids))
        .select(OrganisationRow::as_select())
        .load(conn)
        .await
}

/// Finds organisations by code, in one query.
pub async fn find_by_codes(
    conn: &mut AsyncPgConnection,
    codes: &[String],
) -> QueryResult<Vec<OrganisationRow>> {
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    organisations::table
        .filter(organisations::code.eq_any(codes))
        .select(OrganisationRow::as_select())
        .load(conn)
        .await
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    new: &NewOrganisationRow<'_>,
) -> QueryResult<OrganisationRow> {
    diesel::insert_into(organisations::table)
        .values(new)
        .returning(OrganisationRow::as_returning())
        .get_result(conn)
        .await
}

/// Applies `changes` (version + 1, `updated_at` now) and answers the row as
/// it is now with what it refers to, in one statement.
pub async fn update_embedded(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    changes: &OrganisationChanges,
) -> QueryResult<(OrganisationRow, crate::store::sql::RawJson)> {
    diesel::update(organisations::table.find(id))
        .set((
            changes,
            organisations::version.eq(organisations::version + 1),
            organisations::updated_at.eq(diesel::dsl::now),
        ))
        .returning((
            OrganisationRow::as_returning(),
            crate::store::sql::lit::<diesel::sql_types::Json>(EMBED),
        ))
        .get_result(conn)
        .await
}

/// Whether making `parent` the parent of `id` would close a loop.
pub async fn would_cycle(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    parent: Uuid,
) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        found: bool,
    }
    let found: Found = diesel::sql_query(
        "WITH RECURSIVE up(id, parent_id) AS ( \
           SELECT id, parent_id FROM organisations WHERE id = $1 \
           UNION SELECT o.id, o.parent_id FROM organisations o JOIN up ON o.id = up.parent_id) \
         SELECT EXISTS (SELECT 1 FROM up WHERE id = $2) AS found",
    )
    .bind::<diesel::sql_types::Uuid, _>(parent)
    .bind::<diesel::sql_types::Uuid, _>(id)
    .get_result(conn)
    .await?;
    Ok(found.found)
}

/// One page of organisations and the total under the filters.
pub async fn list(
    conn: &mut AsyncPgConnection,
    p: &ListParams,
) -> QueryResult<(
    Vec<(OrganisationRow, crate::store::sql::RawJson)>,
    Option<i64>,
)> {
    crate::paged!(
        conn,
        organisations::table,
        OrganisationRow,
        p,
        embed = EMBED
    )
}
