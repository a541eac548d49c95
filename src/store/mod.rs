//! The database layer: the pool, migrations, and one module of rows and
//! queries per resource. Query functions take `&mut AsyncPgConnection` so that
//! callers can run several of them in one transaction.

pub mod audit;
pub mod idempotency;
pub mod improvement;
pub mod indicators;
pub mod inspections;
pub mod links;
pub mod listing;
pub mod milestones;
pub mod objectives;
pub mod organisations;
pub mod plans;
pub mod priorities;
pub mod progress;
pub mod records;
pub mod schema;
pub mod service_accounts;
pub mod sql;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use deadpool::managed::Timeouts;
use deadpool::Runtime;
use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::{AsyncDieselConnectionManager, ManagerConfig};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use futures_util::future::{BoxFuture, FutureExt};

/// Loads one page of `$row` from `$source` under the list parameters, and
/// the total: two queries whatever the page size.
#[macro_export]
macro_rules! paged {
    ($conn:expr, $source:expr, $row:ty, $p:expr) => {{
        let p: &$crate::store::listing::ListParams = $p;
        let total: i64 = diesel_async::RunQueryDsl::get_result(
            diesel::QueryDsl::count(diesel::QueryDsl::filter($source, p.where_sql())),
            &mut *$conn,
        )
        .await?;
        let rows: Vec<$row> = diesel_async::RunQueryDsl::load(
            diesel::QueryDsl::select(
                diesel::QueryDsl::limit(
                    diesel::QueryDsl::order(
                        diesel::QueryDsl::filter(
                            diesel::QueryDsl::filter($source, p.where_sql()),
                            p.keyset_sql(),
                        ),
                        p.order_sql(),
                    ),
                    p.fetch_limit(),
                ),
                <$row as diesel::SelectableHelper<diesel::pg::Pg>>::as_select(),
            ),
            &mut *$conn,
        )
        .await?;
        Ok((rows, total))
    }};
}

/// The queries every table with an `id` primary key shares: `find`,
/// `find_many` (one query for any number of ids), `insert`, `update`
/// (bumping `version` and `updated_at`) and `list` (one page under
/// [`crate::store::listing::ListParams`]).
#[macro_export]
macro_rules! table_queries {
    ($table:ident, $row:ident, $new:ident, $changes:ident) => {
        pub async fn find(
            conn: &mut diesel_async::AsyncPgConnection,
            id: uuid::Uuid,
        ) -> diesel::QueryResult<$row> {
            #[allow(unused_imports)]
            use diesel::{ExpressionMethods, QueryDsl, SelectableHelper};
            diesel_async::RunQueryDsl::first($table::table.find(id).select($row::as_select()), conn)
                .await
        }

        pub async fn find_many(
            conn: &mut diesel_async::AsyncPgConnection,
            ids: &[uuid::Uuid],
        ) -> diesel::QueryResult<Vec<$row>> {
            #[allow(unused_imports)]
            use diesel::{ExpressionMethods, QueryDsl, SelectableHelper};
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            diesel_async::RunQueryDsl::load(
                $table::table
                    .filter($table::id.eq_any(ids))
                    .select($row::as_select()),
                conn,
            )
            .await
        }

        pub async fn insert(
            conn: &mut diesel_async::AsyncPgConnection,
            new: &$new,
        ) -> diesel::QueryResult<$row> {
            #[allow(unused_imports)]
            use diesel::{ExpressionMethods, QueryDsl, SelectableHelper};
            diesel_async::RunQueryDsl::get_result(
                diesel::insert_into($table::table)
                    .values(new)
                    .returning($row::as_returning()),
                conn,
            )
            .await
        }

        pub async fn update(
            conn: &mut diesel_async::AsyncPgConnection,
            id: uuid::Uuid,
            changes: &$changes,
        ) -> diesel::QueryResult<$row> {
            #[allow(unused_imports)]
            use diesel::{ExpressionMethods, QueryDsl, SelectableHelper};
            diesel_async::RunQueryDsl::get_result(
                diesel::update($table::table.find(id))
                    .set((
                        changes,
                        $table::version.eq($table::version + 1),
                        $table::updated_at.eq(diesel::dsl::now),
                    ))
                    .returning($row::as_returning()),
                conn,
            )
            .await
        }

        pub async fn list(
            conn: &mut diesel_async::AsyncPgConnection,
            p: &$crate::store::listing::ListParams,
        ) -> diesel::QueryResult<(Vec<$row>, i64)> {
            $crate::paged!(conn, $table::table, $row, p)
        }
    };
}

/// A `text[]` column as diesel reads it (`Array<Nullable<Text>>`) without
/// its nulls: the columns' values never hold any, the type just allows them.
pub fn texts(v: Vec<Option<String>>) -> Vec<String> {
    v.into_iter().flatten().collect()
}

/// The migrations compiled into the binary.
/// A new server-generated id (UUID v7: time-ordered, so inserts stay local in the index).
pub fn new_id() -> uuid::Uuid {
    uuid::Uuid::now_v7()
}

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// The connection pool kept in the app state.
pub type DbPool = diesel_async::pooled_connection::deadpool::Pool<AsyncPgConnection>;
/// A pooled connection.
pub type DbConn = diesel_async::pooled_connection::deadpool::Object<AsyncPgConnection>;
/// What getting a connection can fail with.
pub type PoolError = diesel_async::pooled_connection::deadpool::PoolError;

/// Counts the SQL statements every pooled connection runs. Exposed in
/// `/metrics`, and read by the tests that prove a list is a bounded number of
/// queries whatever its length.
#[derive(Debug, Clone, Default)]
pub struct QueryCounter(Arc<AtomicU64>);

impl QueryCounter {
    pub fn get(&self) -> u64 {
        std::sync::atomic::AtomicU64::load(&self.0, Ordering::Relaxed)
    }
}

struct CountQueries(QueryCounter);

impl Instrumentation for CountQueries {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { .. } = event {
            (self.0).0.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Builds the pool. It opens no connection itself: a database that is down
/// shows up as 503 answers, not as a service that fails to start.
pub fn pool(
    url: &str,
    size: usize,
    timeout: Duration,
    counter: QueryCounter,
) -> Result<DbPool, String> {
    let mut manager_config = ManagerConfig::<AsyncPgConnection>::default();
    manager_config.custom_setup = Box::new(move |url: &str| -> BoxFuture<'_, _> {
        let counter = counter.clone();
        async move {
            let mut conn = AsyncPgConnection::establish(url).await?;
            // A query stuck behind a lock should fail, not hold a request forever.
            conn.batch_execute("SET statement_timeout = '30s'; SET TIME ZONE 'UTC'")
                .await
                .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
            conn.set_instrumentation(CountQueries(counter));
            Ok(conn)
        }
        .boxed()
    });
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(url, manager_config);
    DbPool::builder(manager)
        .max_size(size)
        .runtime(Runtime::Tokio1)
        .timeouts(Timeouts {
            wait: Some(timeout),
            create: Some(timeout),
            recycle: Some(timeout),
        })
        .build()
        .map_err(|e| e.to_string())
}

/// Splits `postgres://.../name?opts` into the URL of the `postgres`
/// maintenance database and the database name.
fn maintenance_url(url: &str) -> Option<(String, String)> {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let slash = base.rfind('/')?;
    if slash < base.find("//")? + 2 {
        return None;
    }
    let name = base[slash + 1..].to_string();
    if name.is_empty() {
        return None;
    }
    let mut maint = format!("{}/postgres", &base[..slash]);
    if let Some(q) = query {
        maint.push('?');
        maint.push_str(q);
    }
    Some((maint, name))
}

/// Creates the database named in `url` if it does not exist yet.
pub async fn create_database_if_missing(url: &str) -> Result<(), String> {
    let (maint, name) =
        maintenance_url(url).ok_or_else(|| format!("cannot find a database name in {url:?}"))?;
    if AsyncPgConnection::establish(url).await.is_ok() {
        return Ok(());
    }
    let mut conn = AsyncPgConnection::establish(&maint)
        .await
        .map_err(|e| format!("cannot connect to PostgreSQL: {e}"))?;
    let quoted = format!("\"{}\"", name.replace('"', "\"\""));
    match diesel::sql_query(format!("CREATE DATABASE {quoted}"))
        .execute(&mut conn)
        .await
    {
        Ok(_) => {
            log::info!("created database {name}");
            Ok(())
        }
        // Another instance may have created it in the meantime.
        Err(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        )) => Ok(()),
        Err(e) if e.to_string().contains("already exists") => Ok(()),
        Err(e) => Err(format!("cannot create database {name}: {e}")),
    }
}

/// Runs the pending embedded migrations. Uses the sync harness on a blocking
/// thread: diesel-async's own harness calls `block_in_place`, which panics on
/// actix's current-thread runtime.
pub async fn run_migrations(url: &str) -> Result<(), String> {
    let url = url.to_string();
    tokio::task::spawn_blocking(move || {
        use diesel::Connection;
        let mut conn = <AsyncConnectionWrapper<AsyncPgConnection> as Connection>::establish(&url)
            .map_err(|e| format!("cannot connect to PostgreSQL: {e}"))?;
        let applied = conn
            .run_pending_migrations(MIGRATIONS)
            .map_err(|e| format!("migrations failed: {e}"))?;
        for m in applied {
            log::info!("applied migration {m}");
        }
        Ok(())
    })
    .await
    .map_err(|e| format!("migration task failed: {e}"))?
}

#[cfg(test)]
mod tests {
    use super::maintenance_url;

    #[test]
    fn maintenance_url_swaps_the_database_name() {
        assert_eq!(
            maintenance_url("postgres://postgres@localhost:5432/trustplan"),
            Some((
                "postgres://postgres@localhost:5432/postgres".into(),
                "trustplan".into()
            ))
        );
        assert_eq!(
            maintenance_url("postgres://u:p@h/db?sslmode=disable"),
            Some((
                "postgres://u:p@h/postgres?sslmode=disable".into(),
                "db".into()
            ))
        );
        assert_eq!(maintenance_url("postgres://localhost"), None);
    }
}
