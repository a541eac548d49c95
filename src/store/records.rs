//! The bookkeeping columns every versioned record shares, at the SQL level:
//! row locks by id or by natural key, the version bump, archive and restore.
//! Knows rows and tables only; `crate::resources::write` builds the write path on it.

use diesel::sql_types::{Int4, Text, Uuid as SqlUuid};
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = Int4)]
    version: i32,
}

/// Locks a row for the rest of the transaction and returns its version;
/// `None` when there is no such row.
pub async fn lock_row(
    conn: &mut AsyncPgConnection,
    table: &str,
    id: Uuid,
) -> diesel::QueryResult<Option<i32>> {
    let rows: Vec<Version> = diesel::sql_query(format!(
        "SELECT version FROM {table} WHERE id = $1 FOR UPDATE"
    ))
    .bind::<SqlUuid, _>(id)
    .load(conn)
    .await?;
    Ok(rows.into_iter().next().map(|r| r.version))
}

/// Serialises the writers of one natural key until the transaction ends, for
/// the records a `PUT` creates or replaces (a target, value or commentary of
/// a period): two writers can then neither both read the same version nor
/// both insert. A transaction-scoped advisory lock, because the row may not
/// exist yet to be locked.
pub async fn lock_key(
    conn: &mut AsyncPgConnection,
    table: &str,
    key: &[&str],
) -> diesel::QueryResult<()> {
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

/// Marks the row changed: version + 1 and `updated_at` now.
pub async fn bump(conn: &mut AsyncPgConnection, table: &str, id: Uuid) -> diesel::QueryResult<()> {
    diesel::sql_query(format!(
        "UPDATE {table} SET version = version + 1, updated_at = now() WHERE id = $1"
    ))
    .bind::<SqlUuid, _>(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Archives (`archive = true`) or restores the row at `version`; false when
/// the row is not at that version any more.
pub async fn set_archived(
    conn: &mut AsyncPgConnection,
    table: &str,
    id: Uuid,
    version: i32,
    archive: bool,
) -> diesel::QueryResult<bool> {
    let set = if archive { "now()" } else { "NULL" };
    let n = diesel::sql_query(format!(
        "UPDATE {table} SET archived_at = {set}, version = version + 1, updated_at = now() \
         WHERE id = $1 AND version = $2"
    ))
    .bind::<SqlUuid, _>(id)
    .bind::<Int4, _>(version)
    .execute(conn)
    .await?;
    Ok(n == 1)
}
