//! The one write path. Every create, change, upsert (by natural key),
//! archive and restore of a record runs here, in one transaction: lock the
//! row (or the natural key), check `If-Match` against the locked version,
//! apply the change, read the result once, write the audit entry. A handler
//! names the role, validates, and calls one of these.

use std::future::Future;

use diesel_async::{AsyncConnection, AsyncPgConnection};
use futures_util::future::BoxFuture;
use serde::Serialize;
use uuid::Uuid;

use crate::store::{audit, records};
use crate::web::error::{ApiError, ApiResult};
use crate::web::http::{Actor, IfMatch, Versioned};

/// A record as the API shows it, with the standard bookkeeping columns.
pub trait Record: Serialize + Versioned + Send + Sync + Sized + 'static {
    /// Its table.
    const TABLE: &'static str;
    /// Its name in the audit trail and in messages, e.g. `organisation`.
    const ENTITY: &'static str;
    /// Loads it as the API shows it; 404 when there is none.
    fn load(conn: &mut AsyncPgConnection, id: Uuid)
        -> impl Future<Output = ApiResult<Self>> + Send;
    /// Locks its row for the rest of the transaction and loads it; 404 when
    /// there is none. A record that loads in one statement overrides this
    /// to lock and load in that statement (`SELECT ... FOR UPDATE`).
    fn load_locked(
        conn: &mut AsyncPgConnection,
        id: Uuid,
    ) -> impl Future<Output = ApiResult<Self>> + Send {
        async move {
            records::lock_row(conn, Self::TABLE, id)
                .await?
                .ok_or_else(|| ApiError::NotFound(format!("no {} with id {id}", Self::ENTITY)))?;
            Self::load(conn, id).await
        }
    }
    /// Whether it is archived.
    fn is_archived(&self) -> bool;
}

/// One step of a write, run inside its transaction.
pub type Step<'c, T> = BoxFuture<'c, ApiResult<T>>;

/// Locks the record for the rest of the transaction, reads it and checks
/// the caller's `If-Match` (when given). Returns the record as it was.
pub async fn lock<R: Record>(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    if_match: Option<&IfMatch>,
) -> ApiResult<R> {
    let before = R::load_locked(conn, id).await?;
    if let Some(m) = if_match {
        m.check(before.version())?;
    }
    Ok(before)
}

/// Creates a record: `insert` validates what needs the database and inserts,
/// returning the new id; the record is then read once and audited as `create`.
pub async fn create<R, F>(conn: &mut AsyncPgConnection, actor: &Actor, insert: F) -> ApiResult<R>
where
    R: Record,
    F: for<'c> FnOnce(&'c mut AsyncPgConnection) -> Step<'c, Uuid> + Send,
{
    let actor = actor.clone();
    conn.transaction::<R, ApiError, _>(async move |conn| {
        let id = insert(conn).await?;
        let after = R::load(conn, id).await?;
        audit::record::<(), _>(conn, &actor, "create", R::ENTITY, id, None, Some(&after)).await?;
        Ok(after)
    })
    .await
}

/// Changes a record: locks it, checks `If-Match`, runs `apply` with the
/// record as it was, reads it once more and audits both under `action`.
pub async fn change<R, F>(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    id: Uuid,
    if_match: Option<&IfMatch>,
    action: &'static str,
    apply: F,
) -> ApiResult<R>
where
    R: Record,
    F: for<'c> FnOnce(&'c mut AsyncPgConnection, &'c R) -> Step<'c, ()> + Send,
{
    change_returning::<R, _>(conn, actor, id, if_match, action, move |conn, before| {
        let step = apply(conn, before);
        Box::pin(async move { step.await.map(|()| None) })
    })
    .await
}

/// [`change`] for an `apply` that can give the record as it is after the
/// change itself (an `UPDATE ... RETURNING` with what the record embeds),
/// which saves reading it once more.
pub async fn change_returning<R, F>(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    id: Uuid,
    if_match: Option<&IfMatch>,
    action: &'static str,
    apply: F,
) -> ApiResult<R>
where
    R: Record,
    F: for<'c> FnOnce(&'c mut AsyncPgConnection, &'c R) -> Step<'c, Option<R>> + Send,
{
    let actor = actor.clone();
    let if_match = if_match.cloned();
    conn.transaction::<R, ApiError, _>(async move |conn| {
        let before: R = lock(conn, id, if_match.as_ref()).await?;
        let after = match apply(conn, &before).await? {
            Some(after) => after,
            None => R::load(conn, id).await?,
        };
        audit::record(
            conn,
            &actor,
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

/// Archives (`archive = true`) or restores a record. Archiving an archived
/// record, or restoring a live one, is a 409.
pub async fn set_archived<R: Record>(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    id: Uuid,
    if_match: Option<&IfMatch>,
    archive: bool,
) -> ApiResult<R> {
    let action = if archive { "archive" } else { "restore" };
    change::<R, _>(conn, actor, id, if_match, action, move |conn, before| {
        Box::pin(async move {
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
            records::set_archived(conn, R::TABLE, id, before.version(), archive).await?;
            Ok(())
        })
    })
    .await
}

/// What an upsert found under its natural key: the stored row, its version
/// and the record as the API shows it (for the audit trail's `before`).
pub struct Existing<Row, T> {
    pub row: Row,
    pub version: i32,
    pub view: T,
}

impl<Row: Clone, T> Existing<Row, T> {
    /// What a natural key holds, from the row a lookup found (if any): its
    /// version and its API shape.
    pub fn found(
        row: Option<Row>,
        version: impl FnOnce(&Row) -> i32,
        view: impl FnOnce(Row) -> ApiResult<T>,
    ) -> ApiResult<Option<Self>> {
        let Some(row) = row else { return Ok(None) };
        Ok(Some(Existing {
            version: version(&row),
            view: view(row.clone())?,
            row,
        }))
    }
}

/// Creates or replaces the record of a natural key (a `PUT` of a period's
/// target, value or commentary): locks the key, finds what is there, checks
/// `If-Match` against it (an `If-Match` for nothing is a 412), writes, and
/// audits the result under `action`, all in the caller's transaction.
pub struct Upsert<'k> {
    /// The table, for the lock.
    pub table: &'static str,
    /// The natural key, for the lock.
    pub key: &'k [&'k str],
    /// The audit trail's entity type.
    pub entity: &'static str,
    /// The audit trail's action.
    pub action: &'static str,
}

impl Upsert<'_> {
    /// Runs the upsert: `find` reads what the key holds, `write` creates
    /// (given `None`) or replaces it. Answers the record and whether it was
    /// created.
    pub async fn run<Row, T, Find, Write>(
        &self,
        conn: &mut AsyncPgConnection,
        actor: &Actor,
        if_match: Option<&IfMatch>,
        find: Find,
        write: Write,
    ) -> ApiResult<(T, bool)>
    where
        T: Serialize + Identified,
        Find: for<'c> FnOnce(&'c mut AsyncPgConnection) -> Step<'c, Option<Existing<Row, T>>>,
        Write: for<'c> FnOnce(&'c mut AsyncPgConnection, Option<&'c Row>) -> Step<'c, T>,
    {
        records::lock_key(conn, self.table, self.key).await?;
        let existing = find(conn).await?;
        match (if_match, &existing) {
            (Some(m), Some(e)) => m.check(e.version)?,
            (Some(_), None) => return Err(ApiError::PreconditionFailed),
            (None, _) => {}
        }
        let after = write(conn, existing.as_ref().map(|e| &e.row)).await?;
        audit::record(
            conn,
            actor,
            self.action,
            self.entity,
            after.id(),
            existing.as_ref().map(|e| &e.view),
            Some(&after),
        )
        .await?;
        Ok((after, existing.is_none()))
    }
}

/// A record's id, for the audit trail of an upsert.
pub trait Identified {
    fn id(&self) -> Uuid;
}

/// The error of a version-checked `UPDATE` that matched no row: the record
/// changed after it was read, so the caller's precondition no longer holds.
pub fn changed_meanwhile(e: diesel::result::Error) -> ApiError {
    match e {
        diesel::result::Error::NotFound => ApiError::PreconditionFailed,
        e => e.into(),
    }
}
