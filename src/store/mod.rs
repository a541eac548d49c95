//! The database layer: the pool, migrations, and one module of rows and
//! queries per resource. Query functions take `&mut AsyncPgConnection` so that
//! callers can run several of them in one transaction.

pub mod audit;
pub mod changes;
pub mod idempotency;
pub mod identity;
pub mod improvement;
pub mod indicators;
pub mod inspections;
pub mod links;
pub mod listing;
pub mod milestones;
pub mod narratives;
pub mod objectives;
pub mod organisations;
pub mod plans;
pub mod priorities;
pub mod progress;
pub mod records;
pub mod reporting;
pub mod risk_reviews;
pub mod schema;
pub mod service_accounts;
pub mod sql;
pub mod webhooks;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use deadpool::managed::Timeouts;
use deadpool::Runtime;
use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use futures_util::future::{BoxFuture, FutureExt};

/// Loads one page of `$row` from `$source` under the list parameters: one
/// query whatever the page size, and one more for the count when the
/// request asked for one (`count(*)` for an exact count, `EXPLAIN` for the
/// planner's estimate).
#[macro_export]
macro_rules! paged {
    (@page $source:expr, $p:expr) => {
        diesel::QueryDsl::limit(
            diesel::QueryDsl::order(
                diesel::QueryDsl::filter(
                    diesel::QueryDsl::filter($source, $p.where_sql()),
                    $p.keyset_sql(),
                ),
                $p.order_sql(),
            ),
            $p.fetch_limit(),
        )
    };
    (@count $conn:expr, $source:expr, $p:expr) => {{
        let total: Option<i64> = match $p.count {
            None => None,
            Some($crate::store::listing::Count::Exact) => Some(
                diesel_async::RunQueryDsl::get_result(
                    diesel::QueryDsl::count(diesel::QueryDsl::filter($source, $p.where_sql())),
                    &mut *$conn,
                )
                .await?,
            ),
            Some($crate::store::listing::Count::Planned) => Some(
                $crate::store::sql::planned_rows(
                    &mut *$conn,
                    diesel::QueryDsl::select(
                        diesel::QueryDsl::filter($source, $p.where_sql()),
                        $crate::store::sql::lit::<diesel::sql_types::Integer>("1"),
                    ),
                )
                .await?,
            ),
        };
        total
    }};
    ($conn:expr, $source:expr, $row:ty, $p:expr) => {{
        let p: &$crate::store::listing::ListParams = $p;
        let total = $crate::paged!(@count $conn, $source, p);
        let rows: Vec<$row> = diesel_async::RunQueryDsl::load(
            diesel::QueryDsl::select(
                $crate::paged!(@page $source, p),
                <$row as diesel::SelectableHelper<diesel::pg::Pg>>::as_select(),
            ),
            &mut *$conn,
        )
        .await?;
        Ok((rows, total))
    }};
    // The page with, beside each row, `$embed`: SQL building a JSON value of
    // what the row refers to, so that the page and its references are one
    // statement.
    ($conn:expr, $source:expr, $row:ty, $p:expr, embed = $embed:expr) => {{
        let p: &$crate::store::listing::ListParams = $p;
        let total = $crate::paged!(@count $conn, $source, p);
        let rows: Vec<($row, $crate::store::sql::RawJson)> = diesel_async::RunQueryDsl::load(
            diesel::QueryDsl::select(
                $crate::paged!(@page $source, p),
                (
                    <$row as diesel::SelectableHelper<diesel::pg::Pg>>::as_select(),
                    $crate::store::sql::lit::<diesel::sql_types::Json>($embed),
                ),
            ),
            &mut *$conn,
        )
        .await?;
        Ok((rows, total))
    }};
}

/// SQL for the JSON reference to the row of `$table` whose id is in the
/// column `$col`: `{"id": ..., "<field>": ..., ...}`, or null. For the
/// `EMBED` of a table's embedded queries (see [`table_queries!`]).
#[macro_export]
macro_rules! ref_json {
    ($table:literal, $col:literal, [$($field:literal),+]) => {
        concat!(
            "(SELECT json_build_object('id', r.id",
            $(", '", $field, "', r.", $field,)+
            ") FROM ", $table, " r WHERE r.id = ", $col, ")"
        )
    };
}

/// The queries every table with an `id` primary key shares: `find`,
/// `find_many` (one query for any number of ids), `insert`, `update`
/// (bumping `version` and `updated_at`) and `list` (one page under
/// [`crate::store::listing::ListParams`]).
#[macro_export]
macro_rules! table_queries {
    // With `embed = SQL` (a JSON value of what a row refers to, see
    // [`ref_json!`]) also `find_embedded` and `list_embedded`, which answer
    // each row with it in one statement.
    ($table:ident, $row:ident, $new:ident, $changes:ident, embed = $embed:expr) => {
        $crate::table_queries!($table, $row, $new, $changes);

        /// What a row refers to, as the API shows it beside the row.
        pub const EMBED: &str = $embed;

        pub async fn find_embedded(
            conn: &mut diesel_async::AsyncPgConnection,
            id: uuid::Uuid,
        ) -> diesel::QueryResult<($row, $crate::store::sql::RawJson)> {
            #[allow(unused_imports)]
            use diesel::{ExpressionMethods, QueryDsl, SelectableHelper};
            diesel_async::RunQueryDsl::first(
                $table::table.find(id).select((
                    $row::as_select(),
                    $crate::store::sql::lit::<diesel::sql_types::Json>(EMBED),
                )),
                conn,
            )
            .await
        }

        /// [`find_embedded`], with the row locked for the rest of the
        /// transaction.
        pub async fn find_embedded_for_update(
            conn: &mut diesel_async::AsyncPgConnection,
            id: uuid::Uuid,
        ) -> diesel::QueryResult<($row, $crate::store::sql::RawJson)> {
            #[allow(unused_imports)]
            use diesel::{ExpressionMethods, QueryDsl, SelectableHelper};
            diesel_async::RunQueryDsl::first(
                $table::table
                    .find(id)
                    .select((
                        $row::as_select(),
                        $crate::store::sql::lit::<diesel::sql_types::Json>(EMBED),
                    ))
                    .for_update(),
                conn,
            )
            .await
        }

        /// Rows by id with what they refer to, in one statement (in no
        /// particular order).
        pub async fn find_many_embedded(
            conn: &mut diesel_async::AsyncPgConnection,
            ids: &[uuid::Uuid],
        ) -> diesel::QueryResult<Vec<($row, $crate::store::sql::RawJson)>> {
            #[allow(unused_imports)]
            use diesel::{ExpressionMethods, QueryDsl, SelectableHelper};
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            diesel_async::RunQueryDsl::load(
                $table::table.filter($table::id.eq_any(ids)).select((
                    $row::as_select(),
                    $crate::store::sql::lit::<diesel::sql_types::Json>(EMBED),
                )),
                conn,
            )
            .await
        }

        pub async fn list_embedded(
            conn: &mut diesel_async::AsyncPgConnection,
            p: &$crate::store::listing::ListParams,
        ) -> diesel::QueryResult<(Vec<($row, $crate::store::sql::RawJson)>, Option<i64>)> {
            $crate::paged!(conn, $table::table, $row, p, embed = EMBED)
        }
    };
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
        ) -> diesel::QueryResult<(Vec<$row>, Option<i64>)> {
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

/// Session settings every pooled connection starts with.
#[derive(Debug, Clone, Copy)]
pub struct SessionSettings {
    /// Longest a statement may run.
    pub statement_timeout: Duration,
    /// Longest a statement may wait for a lock.
    pub lock_timeout: Duration,
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            statement_timeout: Duration::from_secs(30),
            lock_timeout: Duration::from_secs(5),
        }
    }
}

/// The runtime that drives every database connection's socket.
///
/// A connection's driver task lives on the runtime that opened it. Opened on
/// an actix worker, it would die with that worker, and on SIGTERM a worker
/// with nothing in flight stops at once: the connections it had opened, lent
/// meanwhile to other workers' requests (a long import, say), would close
/// under them. This runtime lives as long as the process, so the pool stays
/// usable until the last request has finished.
fn driver_runtime() -> Result<&'static tokio::runtime::Handle, String> {
    static RUNTIME: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("trustplan-db")
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start the database runtime: {e}"))
        })
        .as_ref()
        .map(tokio::runtime::Runtime::handle)
        .map_err(Clone::clone)
}

/// Builds the pool. It opens no connection itself: a database that is down
/// shows up as 503 answers, not as a service that fails to start.
///
/// Connections are recycled without a query (deadpool's `Fast`): a broken
/// one is noticed when it is used (the request answers 503) and replaced.
pub fn pool(
    url: &str,
    size: usize,
    timeout: Duration,
    session: SessionSettings,
    counter: QueryCounter,
) -> Result<DbPool, String> {
    let driver = driver_runtime()?;
    let mut manager_config = ManagerConfig::<AsyncPgConnection>::default();
    manager_config.recycling_method = RecyclingMethod::Fast;
    manager_config.custom_setup = Box::new(move |url: &str| -> BoxFuture<'_, _> {
        let counter = counter.clone();
        let url = url.to_string();
        // `client_connection_check_interval` (PostgreSQL 14 and later) has
        // a backend notice within a second that its client has gone, even
        // while it waits on a lock: an instance that dies mid-request does
        // not leave its transaction (an Idempotency-Key's claim, say)
        // holding on until the lock is released.
        let setup = format!(
            "SET statement_timeout = {}; SET lock_timeout = {}; SET TIME ZONE 'UTC'; \
             SELECT set_config('client_connection_check_interval', '1000', false) \
             WHERE current_setting('server_version_num')::int >= 140000",
            session.statement_timeout.as_millis(),
            session.lock_timeout.as_millis()
        );
        async move {
            let mut conn = driver
                .spawn(async move { AsyncPgConnection::establish(&url).await })
                .await
                .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))??;
            conn.batch_execute(&setup)
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

tokio::task_local! {
    /// The connection of a request that runs in one transaction from start
    /// to end (an idempotent `POST`): every `conn()` within it gets this one.
    static REQUEST_CONN: Arc<tokio::sync::Mutex<DbConn>>;
}

/// Runs `work` with `conn` as the connection every [`Conn::get`] within it
/// answers. The caller owns the transaction around it.
pub async fn with_request_conn<F: std::future::Future>(
    conn: Arc<tokio::sync::Mutex<DbConn>>,
    work: F,
) -> F::Output {
    REQUEST_CONN.scope(conn, work).await
}

/// Whether this task runs inside a request's one transaction (see
/// [`with_request_conn`]).
pub fn has_request_conn() -> bool {
    REQUEST_CONN.try_with(|_| ()).is_ok()
}

/// A connection to work with: the request's own, when it runs in one
/// transaction (see [`with_request_conn`]), else one from the pool. Derefs
/// to the connection, so query functions take `&mut conn`.
// One lives on a handler's stack per request; boxing the pooled variant to
// even out the sizes would cost an allocation per request for nothing.
#[allow(clippy::large_enum_variant)]
pub enum Conn {
    Pooled(DbConn),
    Request(tokio::sync::OwnedMutexGuard<DbConn>),
}

/// Why no connection could be had.
#[derive(Debug)]
pub enum ConnError {
    /// The pool gave none in time: the database is unavailable.
    Pool(PoolError),
    /// The request's own connection is already held by this request: a bug
    /// (two connections held at once), reported rather than deadlocked on.
    Busy,
}

impl Conn {
    /// The request's connection if it has one, else a pooled one.
    pub async fn get(pool: &DbPool) -> Result<Conn, ConnError> {
        if let Ok(shared) = REQUEST_CONN.try_with(Arc::clone) {
            return shared
                .try_lock_owned()
                .map(Conn::Request)
                .map_err(|_| ConnError::Busy);
        }
        pool.get().await.map(Conn::Pooled).map_err(ConnError::Pool)
    }
}

impl std::ops::Deref for Conn {
    type Target = AsyncPgConnection;
    fn deref(&self) -> &AsyncPgConnection {
        match self {
            Conn::Pooled(c) => c,
            Conn::Request(c) => c,
        }
    }
}

impl std::ops::DerefMut for Conn {
    fn deref_mut(&mut self) -> &mut AsyncPgConnection {
        match self {
            Conn::Pooled(c) => c,
            Conn::Request(c) => c,
        }
    }
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

/// Readies the database as its owner: creates it if missing, runs the
/// pending migrations, and creates or updates the runtime role the service
/// connects as (see [`grant_runtime_role`]). What `trustplan migrate` does,
/// and `serve` before it serves.
pub async fn prepare(
    owner_url: &str,
    runtime_url: &str,
    session: SessionSettings,
) -> Result<(), String> {
    create_database_if_missing(owner_url).await?;
    run_migrations(owner_url).await?;
    grant_runtime_role(owner_url, runtime_url, session).await
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn quote_literal(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// Creates (if need be) the role `runtime_url` connects as, with its
/// password, and grants it what the service needs and no more: it reads and
/// writes every table, but may only read and append to `audit_log` (no
/// `UPDATE`, `DELETE` or `TRUNCATE`), owns nothing (so it cannot alter a
/// table or drop its triggers) and is no superuser (so it cannot set
/// `session_replication_role` to skip them). Its `statement_timeout` and
/// `lock_timeout` default to the configured ones. Run as the owner after
/// every migration, so new tables are covered. When `runtime_url` connects
/// as the owner itself there is nothing to do but warn.
pub async fn grant_runtime_role(
    owner_url: &str,
    runtime_url: &str,
    session: SessionSettings,
) -> Result<(), String> {
    let owner = crate::config::credentials(owner_url).map(|c| c.0);
    let Some((role, password)) = crate::config::credentials(runtime_url) else {
        log::warn!("DATABASE_URL names no user: no runtime role was set up");
        return Ok(());
    };
    if owner.as_deref() == Some(role.as_str()) {
        log::warn!(
            "DATABASE_URL connects as the owner {role:?}: the audit trail is append-only by its \
             trigger alone; set DATABASE_URL to a runtime role (see the README)"
        );
        return Ok(());
    }
    let (_, database) =
        maintenance_url(owner_url).ok_or_else(|| format!("no database name in {owner_url:?}"))?;
    let r = quote_ident(&role);
    let password = match password {
        Some(p) => format!(" PASSWORD {}", quote_literal(&p)),
        None => String::new(),
    };
    let script = format!(
        "DO $$ BEGIN
             IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = {name}) THEN
                 BEGIN
                     CREATE ROLE {r} LOGIN;
                 EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
                 END;
             END IF;
         END $$;
         ALTER ROLE {r} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS{password};
         ALTER ROLE {r} SET statement_timeout = {statement};
         ALTER ROLE {r} SET lock_timeout = {lock};
         GRANT CONNECT ON DATABASE {db} TO {r};
         GRANT USAGE ON SCHEMA public TO {r};
         GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {r};
         GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {r};
         REVOKE ALL ON audit_log FROM {r};
         GRANT SELECT, INSERT ON audit_log TO {r};
         REVOKE ALL ON __diesel_schema_migrations FROM {r};
         GRANT SELECT ON __diesel_schema_migrations TO {r};",
        name = quote_literal(&role),
        db = quote_ident(&database),
        statement = session.statement_timeout.as_millis(),
        lock = session.lock_timeout.as_millis(),
    );
    let mut conn = AsyncPgConnection::establish(owner_url)
        .await
        .map_err(|e| format!("cannot connect to PostgreSQL as the owner: {e}"))?;
    // Roles are shared by every database of the server: two services
    // migrating at once can race on the same role's row, which PostgreSQL
    // reports rather than serialises; the second try finds it done.
    let mut tries = 0;
    loop {
        match conn.batch_execute(&script).await {
            Ok(()) => return Ok(()),
            Err(e) if tries < 5 && e.to_string().contains("concurrently") => {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(50 * tries)).await;
            }
            Err(e) => return Err(format!("cannot set up the runtime role {role:?}: {e}")),
        }
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
