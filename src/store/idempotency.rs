//! Stored responses of `POST` requests that carried an `Idempotency-Key`.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::idempotency_keys;

/// A key as stored. `status_code` is null while the first request is running.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys, check_for_backend(diesel::pg::Pg))]
pub struct IdempotencyRow {
    pub request_hash: String,
    pub status_code: Option<i32>,
    pub response_headers: Option<serde_json::Value>,
    pub response_body: Option<Vec<u8>>,
}

/// Claims `key` for this request. `None` when it is now ours; the existing
/// row when another request (or an earlier try of this one) holds it.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    principal: &str,
    key: &str,
    method: &str,
    path: &str,
    request_hash: &str,
) -> QueryResult<Option<IdempotencyRow>> {
    // Keys older than 24 hours are forgotten.
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::principal.eq(principal))
            .filter(idempotency_keys::key.eq(key))
            .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
                "created_at < now() - interval '24 hours'",
            )),
    )
    .execute(conn)
    .await?;
    let inserted = diesel::insert_into(idempotency_keys::table)
        .values((
            idempotency_keys::principal.eq(principal),
            idempotency_keys::key.eq(key),
            idempotency_keys::method.eq(method),
            idempotency_keys::path.eq(path),
            idempotency_keys::request_hash.eq(request_hash),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    if inserted == 1 {
        return Ok(None);
    }
    idempotency_keys::table
        .filter(idempotency_keys::principal.eq(principal))
        .filter(idempotency_keys::key.eq(key))
        .select(IdempotencyRow::as_select())
        .first(conn)
        .await
        .map(Some)
}

/// Stores the response of the request that claimed the key (`body` None: not kept).
pub async fn complete(
    conn: &mut AsyncPgConnection,
    principal: &str,
    key: &str,
    status: i32,
    headers: serde_json::Value,
    body: Option<Vec<u8>>,
) -> QueryResult<()> {
    diesel::update(
        idempotency_keys::table
            .filter(idempotency_keys::principal.eq(principal))
            .filter(idempotency_keys::key.eq(key)),
    )
    .set((
        idempotency_keys::status_code.eq(status),
        idempotency_keys::response_headers.eq(headers),
        idempotency_keys::response_body.eq(body),
    ))
    .execute(conn)
    .await?;
    Ok(())
}

/// Releases a key whose request failed, so that a retry can run.
pub async fn release(conn: &mut AsyncPgConnection, principal: &str, key: &str) -> QueryResult<()> {
    diesel::delete(
        idempotency_keys::table
            .filter(idempotency_keys::principal.eq(principal))
            .filter(idempotency_keys::key.eq(key)),
    )
    .execute(conn)
    .await?;
    Ok(())
}
