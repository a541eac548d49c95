//! Stored responses of `POST` requests that carried an `Idempotency-Key`.
//!
//! A key is claimed, the request's work done and its response stored in
//! one transaction (the caller's), so a key is never seen claimed without
//! its response: a request that fails or dies (a crash, a lost connection)
//! rolls back its claim along with its work, and a retry simply runs.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::schema::idempotency_keys;

/// A key as stored, with the response of the request that claimed it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = idempotency_keys, check_for_backend(diesel::pg::Pg))]
pub struct IdempotencyRow {
    pub request_hash: String,
    pub status_code: Option<i32>,
    pub response_headers: Option<serde_json::Value>,
    pub response_body: Option<Vec<u8>>,
}

/// Claims `key` for this request inside the caller's transaction. `None`
/// when it is now ours; the stored row when an earlier request completed
/// with it. A request still running with the same key holds its claim
/// uncommitted, so this waits for it (up to the session's `lock_timeout`)
/// and then sees its outcome: its stored response, or no claim at all.
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
            .filter(crate::store::sql::lit::<diesel::sql_types::Bool>(
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

/// Stores the response of the request that claimed the key, in its
/// transaction (`body` None: not kept, because it holds a secret).
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
