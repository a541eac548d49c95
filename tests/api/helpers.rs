//! The test harness: each test gets its own database, cloned from a migrated
//! template, and the real app served over HTTP on a free port.

use std::sync::OnceLock;
use std::time::Duration;

use actix_web::http::Method;
use actix_web::web;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::Value;
use trustplan::config::{Config, JwtAlgorithm, JwtConfig};
use trustplan::web::auth::{JwtKeys, Role};
use trustplan::{build_app, AppState};

/// The secret the test app verifies tokens with.
pub const SECRET: &str = "test-secret-for-trustplan-integration-tests";
pub const ISSUER: &str = "trustplan";
pub const AUDIENCE: &str = "trustplan-api";

/// Base URL of the PostgreSQL server the tests use (no database name).
pub fn server_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_string())
        .trim_end_matches('/')
        .to_string()
}

fn admin_url() -> String {
    format!("{}/postgres", server_url())
}

/// The role the app connects as in the tests, as in production: the
/// runtime role the migrations set up, not the owner.
pub const RUNTIME_ROLE: &str = "trustplan_app";

/// The URL of database `name` as the runtime role.
pub fn runtime_url(name: &str) -> String {
    trustplan::config::with_user(&format!("{}/{name}", server_url()), RUNTIME_ROLE)
        .expect("TEST_DATABASE_URL is a postgres:// URL")
}

/// The template's name changes whenever a migration changes, so a stale
/// template from an earlier run is never used.
fn template_name() -> String {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .expect("migrations directory")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    let mut hash: u64 = 0xcbf29ce484222325;
    for e in entries {
        for f in ["up.sql", "down.sql"] {
            let text = std::fs::read(e.join(f)).unwrap_or_default();
            for b in e.to_string_lossy().bytes().chain(text) {
                hash ^= b as u64;
                hash = hash.wrapping_mul(0x100000001b3);
            }
        }
    }
    format!("trustplan_tpl_{hash:016x}")
}

async fn admin_conn() -> AsyncPgConnection {
    AsyncPgConnection::establish(&admin_url())
        .await
        .expect("connect to PostgreSQL (is it running? see README)")
}

async fn exec(conn: &mut AsyncPgConnection, sql: &str) -> Result<usize, diesel::result::Error> {
    diesel::sql_query(sql).execute(conn).await
}

#[derive(diesel::QueryableByName)]
struct Exists {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    exists: bool,
}

async fn database_exists(conn: &mut AsyncPgConnection, name: &str) -> bool {
    diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
        .bind::<diesel::sql_types::Text, _>(name)
        .get_result::<Exists>(conn)
        .await
        .map(|e| e.exists)
        .unwrap_or(false)
}

/// Makes the migrated template once per run (and once across concurrent
/// test processes, under an advisory lock).
async fn ensure_template() -> String {
    static DONE: OnceLock<String> = OnceLock::new();
    if let Some(name) = DONE.get() {
        return name.clone();
    }
    let name = template_name();
    let mut conn = admin_conn().await;
    exec(&mut conn, "SELECT pg_advisory_lock(724011)")
        .await
        .expect("lock");
    if !database_exists(&mut conn, &name).await {
        let building = format!("{name}_building");
        exec(
            &mut conn,
            &format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"),
        )
        .await
        .expect("drop half-built template");
        exec(&mut conn, &format!("CREATE DATABASE {building}"))
            .await
            .expect("create template");
        trustplan::store::run_migrations(&format!("{}/{building}", server_url()))
            .await
            .expect("migrate template");
        // The grants are part of the template, so every clone has them.
        trustplan::store::grant_runtime_role(
            &format!("{}/{building}", server_url()),
            &runtime_url(&building),
            Default::default(),
        )
        .await
        .expect("runtime role");
        exec(
            &mut conn,
            &format!("ALTER DATABASE {building} RENAME TO {name}"),
        )
        .await
        .expect("rename template");
        // Templates of other migration sets are left alone: another checkout's
        // test run may be using one right now.
    }
    exec(&mut conn, "SELECT pg_advisory_unlock(724011)")
        .await
        .expect("unlock");
    let _ = DONE.set(name.clone());
    name
}

/// A JWT configuration for tests.
pub fn jwt_config() -> JwtConfig {
    JwtConfig {
        algorithm: JwtAlgorithm::Hs256,
        secret: Some(SECRET.into()),
        public_key_pem: None,
        private_key_pem: None,
        issuer: ISSUER.into(),
        audience: AUDIENCE.into(),
        token_ttl: Duration::from_secs(900),
    }
}

pub fn config_for(database_url: String) -> Config {
    Config {
        database_owner_url: trustplan::config::with_user(&database_url, "postgres")
            .expect("a postgres:// URL"),
        database_url,
        bind_addr: "127.0.0.1:0".into(),
        pool_size: 4,
        db_timeout: Duration::from_millis(1500),
        statement_timeout: Duration::from_secs(30),
        lock_timeout: Duration::from_secs(5),
        shutdown_grace: Duration::from_secs(30),
        import_max_bytes: 32 * 1024 * 1024,
        auth_rate_per_client: 10,
        auth_rate_per_address: 1000,
        jwt: jwt_config(),
        cors_origins: vec!["https://frontend.example".into()],
        public_url: "http://localhost".into(),
        // The delivery worker runs only where a test starts it (it would
        // count against the statement counts of the others).
        webhooks: trustplan::config::WebhookConfig {
            worker: false,
            poll: Duration::from_millis(50),
            timeout: Duration::from_secs(2),
            retry_base: Duration::from_millis(100),
            retry_for: Duration::from_secs(86_400),
            pause_after_failures: 50,
            allow_private: true,
            sweep: Duration::from_millis(100),
        },
    }
}

/// One test's app: its database, its state and the server.
pub struct TestApp {
    pub server: actix_test::TestServer,
    pub state: web::Data<AppState>,
    pub db_name: Option<String>,
    keys: JwtKeys,
    /// The webhook delivery worker, when the configuration runs one.
    _worker: Option<trustplan::webhooks::Worker>,
    /// The organisation `with_role` tokens act for (HBC unless a test says).
    org: std::sync::Mutex<String>,
}

impl TestApp {
    /// A fresh database (migrated, empty) and the app serving it.
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {}).await
    }

    /// A fresh database and app, with the configuration changed by `tweak`.
    pub async fn spawn_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
        let template = ensure_template().await;
        let name = format!("trustplan_test_{}", uuid::Uuid::new_v4().simple());
        let mut conn = admin_conn().await;
        // Cloning a template fails while anyone is connected to it; retry briefly.
        let mut tries = 0;
        loop {
            match exec(
                &mut conn,
                &format!("CREATE DATABASE {name} TEMPLATE {template}"),
            )
            .await
            {
                Ok(_) => break,
                Err(e) if tries < 50 => {
                    tries += 1;
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => panic!("create test database: {e}"),
            }
        }
        let mut config = config_for(runtime_url(&name));
        tweak(&mut config);
        let mut app = TestApp::serve(config);
        app.db_name = Some(name);
        app
    }

    /// The app against any database URL (for the database-down tests).
    pub fn serve(config: Config) -> TestApp {
        let keys = JwtKeys::from_config(&config.jwt).expect("keys");
        let state = web::Data::new(AppState::new(config).expect("state"));
        let for_server = state.clone();
        let server = actix_test::start(move || build_app(for_server.clone()));
        let worker = state
            .config
            .webhooks
            .worker
            .then(|| trustplan::webhooks::spawn(state.clone()));
        TestApp {
            server,
            state,
            db_name: None,
            keys,
            _worker: worker,
            org: std::sync::Mutex::new("HBC".into()),
        }
    }

    /// The same app with the demo data loaded.
    pub async fn spawn_with_demo() -> TestApp {
        let app = TestApp::spawn().await;
        let mut conn = app.state.conn().await.expect("conn");
        trustplan::demo::load(&mut conn).await.expect("demo data");
        app
    }

    /// Makes `with_role` tokens act for the organisation `code`. A token's
    /// organisation must exist once any does, so a test that builds its own
    /// organisations acts for one of them.
    pub fn act_for(&self, code: &str) {
        *self.org.lock().unwrap() = code.to_string();
    }

    /// The organisation `with_role` tokens act for.
    pub fn acting_org(&self) -> String {
        self.org.lock().unwrap().clone()
    }

    /// A valid token for `role` at organisation `org`.
    pub fn token(&self, role: Role, org: &str) -> String {
        self.keys
            .mint(&format!("test-{role}-{org}"), role, org, None, 600)
            .expect("mint")
    }

    /// Starts a request.
    pub fn req(&self, method: Method, path: &str) -> Req<'_> {
        Req {
            app: self,
            method,
            path: path.to_string(),
            headers: Vec::new(),
            body: None,
        }
    }

    pub fn get(&self, path: &str) -> Req<'_> {
        self.req(Method::GET, path)
    }
    pub fn post(&self, path: &str) -> Req<'_> {
        self.req(Method::POST, path)
    }
    pub fn patch(&self, path: &str) -> Req<'_> {
        self.req(Method::PATCH, path)
    }
    pub fn delete(&self, path: &str) -> Req<'_> {
        self.req(Method::DELETE, path)
    }

    /// One request with a token of the acting organisation, so that its
    /// look-up (cached per instance) is not counted against what follows.
    pub async fn warm_up(&self) {
        let res = self
            .get("/api/v1/organisations?limit=1")
            .with_role(Role::Viewer)
            .send()
            .await;
        assert_eq!(res.status, 200, "warm-up: {}", res.text);
    }

    /// SQL statements run by the app's pool so far.
    pub fn queries(&self) -> u64 {
        self.state.queries.get()
    }

    /// A direct connection to this test's database.
    pub async fn db(&self) -> AsyncPgConnection {
        let name = self.db_name.as_ref().expect("a database");
        AsyncPgConnection::establish(&format!("{}/{name}", server_url()))
            .await
            .expect("connect")
    }

    /// Id of a demo organisation by code (needs `spawn_with_demo` or an insert).
    pub async fn org_id(&self, code: &str) -> String {
        let res = self
            .get(&format!("/api/v1/organisations?code={code}"))
            .with_role(Role::Viewer)
            .send()
            .await;
        res.body["items"][0]["id"]
            .as_str()
            .unwrap_or_else(|| panic!("organisation {code}: {}", res.body))
            .to_string()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // The test harness has no end-of-run hook: each app leaves the count
        // so far, and the last one leaves the run's total.
        let _ = std::fs::write(
            std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("conformance-count"),
            format!(
                "{} responses validated against the OpenAPI document\n",
                crate::conformance::checked()
            ),
        );
        if let Some(name) = self.db_name.take() {
            // Drop the database on a thread of its own: Drop cannot await.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime");
                rt.block_on(async move {
                    if let Ok(mut conn) = AsyncPgConnection::establish(&admin_url()).await {
                        let _ = exec(
                            &mut conn,
                            &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                        )
                        .await;
                    }
                });
            })
            .join();
        }
    }
}

/// A request being built.
pub struct Req<'a> {
    app: &'a TestApp,
    method: Method,
    path: String,
    headers: Vec<(String, String)>,
    body: Option<(String, Vec<u8>)>,
}

/// What came back.
#[derive(Debug)]
pub struct Res {
    pub status: u16,
    pub headers: actix_web::http::header::HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Res {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    pub fn etag(&self) -> String {
        self.header("etag").expect("an ETag")
    }

    /// Asserts the status and that any error is problem+json, with context on failure.
    #[track_caller]
    pub fn expect(&self, status: u16) -> &Res {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        if status >= 400 {
            assert_eq!(
                self.header("content-type").as_deref(),
                Some("application/problem+json"),
                "errors are problem+json"
            );
            assert_eq!(self.body["status"], status);
        }
        self
    }

    /// The `type` slug of a problem.
    pub fn problem(&self) -> String {
        self.body["type"]
            .as_str()
            .unwrap_or("")
            .trim_start_matches("urn:trustplan:problem:")
            .to_string()
    }
}

impl<'a> Req<'a> {
    pub fn header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_string(), value.into()));
        self
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header("authorization", format!("Bearer {token}"))
    }

    /// A valid token for `role` at the organisation the app acts for (the
    /// council, HBC, unless the test chose another with `act_for`).
    pub fn with_role(self, role: Role) -> Self {
        let token = self.app.token(role, &self.app.acting_org());
        self.bearer(&token)
    }

    /// A valid token for `role` at `org`.
    pub fn with_role_at(self, role: Role, org: &str) -> Self {
        let token = self.app.token(role, org);
        self.bearer(&token)
    }

    pub fn json(mut self, body: &Value) -> Self {
        self.body = Some((
            "application/json".into(),
            serde_json::to_vec(body).expect("json"),
        ));
        self
    }

    pub fn raw(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        self.body = Some((content_type.into(), body.into()));
        self
    }

    pub fn if_match(self, etag: &str) -> Self {
        self.header("if-match", etag)
    }

    /// Asks a list for its exact `total` (`Prefer: count=exact`); without
    /// it a list counts nothing and answers `total: null`.
    pub fn counted(self) -> Self {
        self.header("prefer", "count=exact")
    }

    pub async fn send(self) -> Res {
        let method = self.method.clone();
        let mut req = self
            .app
            .server
            .request(self.method, self.app.server.url(&self.path));
        for (k, v) in &self.headers {
            req = req.insert_header((k.as_str(), v.as_str()));
        }
        req = req.timeout(Duration::from_secs(30));
        let result = match self.body {
            Some((ct, body)) => {
                req.insert_header(("content-type", ct))
                    .send_body(body)
                    .await
            }
            None => req.send().await,
        };
        let mut res = result.expect("request sent");
        let bytes = res.body().limit(64 * 1024 * 1024).await.expect("body");
        let text = String::from_utf8_lossy(&bytes).to_string();
        crate::conformance::check(
            method.as_str(),
            &self.path,
            res.status().as_u16(),
            res.headers(),
            &bytes,
        );
        Res {
            status: res.status().as_u16(),
            headers: res.headers().clone(),
            body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            text,
        }
    }
}

/// A new organisation (PCT, a health body), which the app then acts for:
/// its path and `ETag`.
pub async fn organisation(app: &TestApp) -> (String, String) {
    let res = app
        .post("/api/v1/organisations")
        .with_role(Role::Admin)
        .json(&serde_json::json!({"code": "PCT", "name": "Primary care trust", "kind": "health_body"}))
        .send()
        .await;
    res.expect(201);
    app.act_for("PCT");
    let id = res.body["id"].as_str().expect("an id").to_string();
    (format!("/api/v1/organisations/{id}"), res.etag())
}

/// The `code` of every item of a list answer.
pub fn codes(res: &Res) -> Vec<String> {
    res.body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("a list: {}", res.text))
        .iter()
        .map(|i| i["code"].as_str().unwrap().to_string())
        .collect()
}

/// The `pointer` of every entry of a problem's `errors`.
pub fn pointers(res: &Res) -> Vec<String> {
    res.body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("errors: {}", res.text))
        .iter()
        .map(|e| e["pointer"].as_str().unwrap().to_string())
        .collect()
}

/// The id of the first item `path` lists, read as a viewer; the list must
/// answer 200 and have an item.
pub async fn id_of(app: &TestApp, path: &str) -> String {
    let res = app.get(path).with_role(Role::Viewer).send().await;
    res.expect(200);
    res.body["items"][0]["id"]
        .as_str()
        .unwrap_or_else(|| panic!("{path}: {}", res.text))
        .to_string()
}

/// Every role, lowest first.
pub const ROLES: [Role; 4] = [Role::Viewer, Role::Contributor, Role::Editor, Role::Admin];

/// The role matrix of one endpoint, for the refusals: anonymous is 401 and
/// every role below `min` is 403 (with `If-Match: "1"` for writes). The
/// caller then shows that `min` succeeds.
pub async fn assert_refused_below(
    app: &TestApp,
    method: Method,
    path: &str,
    body: Option<&Value>,
    min: Role,
) {
    let build = |role: Option<Role>| {
        let mut req = app.req(method.clone(), path).if_match("\"1\"");
        if let Some(b) = body {
            req = req.json(b);
        }
        if let Some(r) = role {
            req = req.with_role(r);
        }
        req
    };
    let res = build(None).send().await;
    assert_eq!(res.status, 401, "anonymous {method} {path}: {}", res.text);
    for role in ROLES.into_iter().filter(|r| *r < min) {
        let res = build(Some(role)).send().await;
        assert_eq!(res.status, 403, "{role} {method} {path}: {}", res.text);
    }
}
