//! Rows and queries of service accounts (partner systems' credentials).

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use super::schema::service_accounts;
use crate::store::listing::ListParams;

/// A service account as stored.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = service_accounts, check_for_backend(diesel::pg::Pg))]
pub struct ServiceAccountRow {
    pub id: Uuid,
    pub client_id: String,
    pub name: String,
    pub role: String,
    pub organisation_id: Uuid,
    pub secret_hash: String,
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
    /// The generation its tokens must carry; +1 on each archive and restore.
    pub token_generation: i32,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = service_accounts)]
pub struct NewServiceAccountRow<'a> {
    pub id: Uuid,
    pub client_id: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub organisation_id: Uuid,
    pub secret_hash: &'a str,
}

pub async fn find(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<ServiceAccountRow> {
    service_accounts::table
        .find(id)
        .select(ServiceAccountRow::as_select())
        .first(conn)
        .await
}

pub async fn find_by_client_id(
    conn: &mut AsyncPgConnection,
    client_id: &str,
) -> QueryResult<Option<ServiceAccountRow>> {
    service_accounts::table
        .filter(service_accounts::client_id.eq(client_id))
        .select(ServiceAccountRow::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn insert(
    conn: &mut AsyncPgConnection,
    new: &NewServiceAccountRow<'_>,
) -> QueryResult<ServiceAccountRow> {
    diesel::insert_into(service_accounts::table)
        .values(new)
        .returning(ServiceAccountRow::as_returning())
        .get_result(conn)
        .await
}

/// Archives or restores the account (on restore with a new secret hash),
/// starting a new token generation either way.
pub async fn set_archived(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    archive: bool,
    new_secret_hash: Option<&str>,
) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE service_accounts SET \
            archived_at = CASE WHEN $2 THEN now() END, \
            secret_hash = COALESCE($3, secret_hash), \
            token_generation = token_generation + 1, \
            version = version + 1, updated_at = now() \
         WHERE id = $1",
    )
    .bind::<diesel::sql_types::Uuid, _>(id)
    .bind::<diesel::sql_types::Bool, _>(archive)
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(new_secret_hash)
    .execute(conn)
    .await?;
    Ok(())
}

/// Records a successful token exchange (not a change of the record: no version bump).
pub async fn touch(conn: &mut AsyncPgConnection, id: Uuid) -> QueryResult<()> {
    diesel::update(service_accounts::table.find(id))
        .set(service_accounts::last_used_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn list(
    conn: &mut AsyncPgConnection,
    p: &ListParams,
) -> QueryResult<(Vec<ServiceAccountRow>, Option<i64>)> {
    crate::paged!(conn, service_accounts::table, ServiceAccountRow, p)
}
