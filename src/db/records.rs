//! What every versioned, archivable record shares: locking it for a change
//! with the `If-Match` check, archive and restore, each with its audit entry.
//! A resource implements [`Record`] and gets these for free.

use std::future::Future;

use diesel::sql_types::{Int4, Text, Uuid as SqlUuid};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use super::audit;
use crate::error::{ApiError, ApiResult};
use crate::http::{Actor, IfMatch, Versioned};

/// A record with the standard bookkeeping columns.
pub trait Record: Serialize + Versioned + Send + Sync + Sized {
    /// Its table.
    const TABLE: &'static str;
    /// Its name in the audit trail and in messages, e.g. `organisation`.
    const ENTITY: &'static str;
    /// Loads it as the API shows it; 404 when there is none.
    fn load(conn: &mut AsyncPgConnection, id: Uuid)
        -> impl Future<Output = ApiResult<Self>> + Send;
    /// Whether it is archived.
    fn is_archived(&self) -> bool;
}

/// Locks the record for the rest of the transaction and checks the caller's
/// `If-Match` version (when given). Returns the record as it was.
pub async fn lock<R: Record>(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    if_match: Option<&IfMatch>,
) -> ApiResult<R> {
    let locked = diesel::sql_query(format!(
        "SELECT id FROM {} WHERE id = $1 FOR UPDATE",
        R::TABLE
    ))
    .bind::<SqlUuid, _>(id)
    .execute(conn)
    .await?;
    if locked == 0 {
        return Err(ApiError::NotFound(format!("no {} with id {id}", R::ENTITY)));
    }
    let before = R::load(conn, id).await?;
    if let Some(m) = if_match {
        m.check(before.version())?;
    }
    Ok(before)
}

/// Serialises the writers of one natural key until the transaction ends, for
/// the records a `PUT` creates or replaces (a target, value or commentary of
/// a period): two writers can then neither both read the same version nor
/// both insert. A transaction-scoped advisory lock, because the row may not
/// exist yet to be locked.
pub async fn lock_key(conn: &mut AsyncPgConnection, table: &str, key: &[&str]) -> ApiResult<()> {
    // The unit separator cannot occur in codes, so distinct keys stay distinct.
    let text = std::iter::once(table)
        .chain(key.iter().copied())
        .collect::<Vec<_>>()
        .join("\u{1f}");
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind::<Text, _>(text)
        .execute(conn)
        .await?;
    Ok(())
}

/// The error of a version-checked `UPDATE` that matched no row: the record
/// changed after it was read, so the caller's precondition no longer holds.
pub fn changed_meanwhile(e: diesel::result::Error) -> ApiError {
    match e {
        diesel::result::Error::NotFound => ApiError::PreconditionFailed,
        e => e.into(),
    }
}

/// Marks the row changed: version + 1 and `updated_at` now.
pub async fn bump(conn: &mut AsyncPgConnection, table: &str, id: Uuid) -> ApiResult<()> {
    diesel::sql_query(format!(
        "UPDATE {table} SET version = version + 1, updated_at = now() WHERE id = $1"
    ))
    .bind::<SqlUuid, _>(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Archives (`archive = true`) or restores a record, in one transaction with
/// its audit entry. Archiving an archived record, or restoring a live one, is a 409.
pub async fn set_archived<R: Record>(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    id: Uuid,
    if_match: Option<&IfMatch>,
    archive: bool,
) -> ApiResult<R> {
    conn.transaction::<R, ApiError, _>(async move |conn| {
        let before: R = lock(conn, id, if_match).await?;
        if before.is_archived() == archive {
            return Err(ApiError::Conflict(format!(
                "the {} is {}",
                R::ENTITY,
                if archive {
                    "already archived"
                } else {
                    "not archived"
                }
            )));
        }
        let set = if archive { "now()" } else { "NULL" };
        diesel::sql_query(format!(
            "UPDATE {} SET archived_at = {set}, version = version + 1, updated_at = now() \
                 WHERE id = $1 AND version = $2",
            R::TABLE
        ))
        .bind::<SqlUuid, _>(id)
        .bind::<Int4, _>(before.version())
        .execute(conn)
        .await?;
        let after = R::load(conn, id).await?;
        let action = if archive { "archive" } else { "restore" };
        audit::record(
            conn,
            actor,
            action,
            R::ENTITY,
            id,
            Some(&before),
            Some(&after),
        )
        .await?;
        Ok(after)
    })
    .await
}
