//! Configuration, read once from the environment at start-up.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `DATABASE_URL` | `postgres://trustplan_app@localhost:5432/trustplan` | the database as the service's runtime role, which may read and write the data but never change the audit trail |
//! | `DATABASE_OWNER_URL` | `DATABASE_URL` with user `postgres` and no password | the same database as its owner: creates it, runs the migrations and creates the runtime role (with `DATABASE_URL`'s password) |
//! | `DB_STATEMENT_TIMEOUT_MS` | `30000` | longest a statement may run before it is cancelled (answered 503) |
//! | `DB_LOCK_TIMEOUT_MS` | `5000` | longest a statement may wait for a lock before it is cancelled (answered 503) |
//! | `SHUTDOWN_GRACE_SECONDS` | `30` | on SIGTERM, how long in-flight requests may take to finish before the service exits |
//! | `AUTH_RATE_PER_CLIENT` | `10` | `POST /auth/token` attempts a minute per `client_id` (429 beyond) |
//! | `AUTH_RATE_PER_ADDRESS` | `30` | `POST /auth/token` attempts a minute per client address (429 beyond) |
//! | `BIND_ADDR` | `127.0.0.1:8080` | address the HTTP server listens on |
//! | `DB_POOL_SIZE` | `10` | maximum connections in the pool |
//! | `DB_TIMEOUT_MS` | `1500` | how long to wait for a connection (and to open one) before answering 503 |
//! | `JWT_ALGORITHM` | `HS256` | `HS256`, `RS256` or `ES256`; the only algorithm accepted |
//! | `JWT_SECRET` | none (required for HS256) | shared secret for HS256 |
//! | `JWT_PUBLIC_KEY` / `JWT_PUBLIC_KEY_FILE` | none | PEM public key for RS256/ES256 (verification) |
//! | `JWT_PRIVATE_KEY` / `JWT_PRIVATE_KEY_FILE` | none | PEM private key for RS256/ES256 (minting service-account tokens) |
//! | `JWT_ISSUER` | `trustplan` | required `iss` claim |
//! | `JWT_AUDIENCE` | `trustplan-api` | required `aud` claim |
//! | `TOKEN_TTL_SECONDS` | `900` | lifetime of tokens issued by `POST /api/v1/auth/token` |
//! | `CORS_ORIGINS` | empty (no cross-origin access) | comma-separated origins allowed to call the API from a browser, or `*` |
//! | `PUBLIC_URL` | `http://<BIND_ADDR>` | base URL printed for the docs |
//! | `WEBHOOK_WORKER` | `true` | whether this instance sends webhook deliveries (any number may) |
//! | `WEBHOOK_POLL_MS` | `1000` | how often the delivery worker looks for due deliveries |
//! | `WEBHOOK_TIMEOUT_MS` | `10000` | how long a receiver may take to answer a delivery |
//! | `WEBHOOK_RETRY_BASE_MS` | `5000` | the first retry's delay; each retry doubles it (with jitter), up to an hour |
//! | `WEBHOOK_RETRY_FOR_SECONDS` | `86400` | how long a delivery is retried before it is marked failed |
//! | `WEBHOOK_PAUSE_AFTER_FAILURES` | `50` | consecutive failed attempts after which a subscription is paused |
//! | `WEBHOOK_OVERDUE_SWEEP_MS` | `60000` | how often the worker looks for deliverables that became overdue (`deliverable.overdue`) |
//! | `WEBHOOK_ALLOW_PRIVATE` | `false` | whether webhook URLs may point at loopback, private or link-local addresses |
//! | `RUST_LOG` | `info` | log filter (env_logger syntax) |

use std::env;
use std::time::Duration;

/// A configuration problem, reported before the service starts.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {0}")]
pub struct ConfigError(pub String);

/// Which JWT algorithm the service pins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JwtAlgorithm {
    Hs256,
    Rs256,
    Es256,
}

/// JWT settings.
#[derive(Debug, Clone)]
pub struct JwtConfig {
    pub algorithm: JwtAlgorithm,
    pub secret: Option<String>,
    pub public_key_pem: Option<String>,
    pub private_key_pem: Option<String>,
    pub issuer: String,
    pub audience: String,
    pub token_ttl: Duration,
}

/// How webhook deliveries are sent.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    /// Whether this instance runs the delivery worker.
    pub worker: bool,
    pub poll: Duration,
    pub timeout: Duration,
    pub retry_base: Duration,
    pub retry_for: Duration,
    pub pause_after_failures: i32,
    pub allow_private: bool,
    /// How often the worker looks for deliverables that became overdue.
    pub sweep: Duration,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            worker: true,
            poll: Duration::from_millis(1000),
            timeout: Duration::from_millis(10_000),
            retry_base: Duration::from_millis(5000),
            retry_for: Duration::from_secs(86_400),
            pause_after_failures: 50,
            allow_private: false,
            sweep: Duration::from_secs(60),
        }
    }
}

/// Everything the service reads from its environment.
#[derive(Debug, Clone)]
pub struct Config {
    /// The runtime role's connection: what every request uses.
    pub database_url: String,
    /// The owner's connection: database creation, migrations, the runtime role.
    pub database_owner_url: String,
    pub bind_addr: String,
    pub pool_size: usize,
    pub db_timeout: Duration,
    pub statement_timeout: Duration,
    pub lock_timeout: Duration,
    pub shutdown_grace: Duration,
    /// Largest body `POST /indicators/values/import` reads (every other body: 1 MiB).
    pub import_max_bytes: usize,
    /// `POST /auth/token` attempts allowed a minute, per client id and per address.
    pub auth_rate_per_client: u32,
    pub auth_rate_per_address: u32,
    pub jwt: JwtConfig,
    pub cors_origins: Vec<String>,
    pub public_url: String,
    pub webhooks: WebhookConfig,
}

/// The secret `serve --demo` falls back to when `JWT_SECRET` is unset, so that a
/// newcomer's first command works. Never used outside demo mode.
pub const DEMO_JWT_SECRET: &str = "trustplan-demo-secret-do-not-use-in-production";

fn var(name: &str) -> Option<String> {
    env::var(name).ok().filter(|v| !v.trim().is_empty())
}

fn parse_var<T: std::str::FromStr>(name: &str, default: T) -> Result<T, ConfigError> {
    match var(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| ConfigError(format!("{name} has an invalid value {v:?}"))),
    }
}

fn pem(name: &str) -> Result<Option<String>, ConfigError> {
    if let Some(v) = var(name) {
        return Ok(Some(v.replace("\\n", "\n")));
    }
    let file_var = format!("{name}_FILE");
    match var(&file_var) {
        None => Ok(None),
        Some(path) => std::fs::read_to_string(&path)
            .map(Some)
            .map_err(|e| ConfigError(format!("{file_var}: cannot read {path}: {e}"))),
    }
}

impl Config {
    /// Reads the configuration. `demo` allows the demo JWT secret as a fallback.
    pub fn from_env(demo: bool) -> Result<Config, ConfigError> {
        let bind_addr = var("BIND_ADDR").unwrap_or_else(|| "127.0.0.1:8080".into());
        let algorithm = match var("JWT_ALGORITHM").as_deref().unwrap_or("HS256") {
            "HS256" => JwtAlgorithm::Hs256,
            "RS256" => JwtAlgorithm::Rs256,
            "ES256" => JwtAlgorithm::Es256,
            other => {
                return Err(ConfigError(format!(
                    "JWT_ALGORITHM must be HS256, RS256 or ES256, not {other:?}"
                )))
            }
        };
        let mut secret = var("JWT_SECRET");
        let public_key_pem = pem("JWT_PUBLIC_KEY")?;
        match algorithm {
            JwtAlgorithm::Hs256 if secret.is_none() => {
                if demo {
                    log::warn!("JWT_SECRET is not set: using the demo secret (demo mode only)");
                    secret = Some(DEMO_JWT_SECRET.into());
                } else {
                    return Err(ConfigError("JWT_SECRET is required for HS256".into()));
                }
            }
            JwtAlgorithm::Rs256 | JwtAlgorithm::Es256 if public_key_pem.is_none() => {
                return Err(ConfigError(
                    "JWT_PUBLIC_KEY or JWT_PUBLIC_KEY_FILE is required for RS256/ES256".into(),
                ))
            }
            _ => {}
        }
        let jwt = JwtConfig {
            algorithm,
            secret,
            public_key_pem,
            private_key_pem: pem("JWT_PRIVATE_KEY")?,
            issuer: var("JWT_ISSUER").unwrap_or_else(|| "trustplan".into()),
            audience: var("JWT_AUDIENCE").unwrap_or_else(|| "trustplan-api".into()),
            token_ttl: Duration::from_secs(parse_var("TOKEN_TTL_SECONDS", 900u64)?),
        };
        let pool_size = parse_var("DB_POOL_SIZE", 10usize)?;
        if pool_size == 0 {
            return Err(ConfigError("DB_POOL_SIZE must be at least 1".into()));
        }
        let database_url = var("DATABASE_URL")
            .unwrap_or_else(|| "postgres://trustplan_app@localhost:5432/trustplan".into());
        let database_owner_url = match var("DATABASE_OWNER_URL") {
            Some(url) => url,
            None => with_user(&database_url, "postgres").ok_or_else(|| {
                ConfigError(format!(
                    "DATABASE_URL {database_url:?} is not a postgres:// URL with a database name"
                ))
            })?,
        };
        Ok(Config {
            database_url,
            database_owner_url,
            public_url: var("PUBLIC_URL").unwrap_or_else(|| format!("http://{bind_addr}")),
            bind_addr,
            pool_size,
            db_timeout: Duration::from_millis(parse_var("DB_TIMEOUT_MS", 1500u64)?),
            statement_timeout: Duration::from_millis(parse_var(
                "DB_STATEMENT_TIMEOUT_MS",
                30_000u64,
            )?),
            lock_timeout: Duration::from_millis(parse_var("DB_LOCK_TIMEOUT_MS", 5_000u64)?),
            shutdown_grace: Duration::from_secs(parse_var("SHUTDOWN_GRACE_SECONDS", 30u64)?),
            import_max_bytes: parse_var("IMPORT_MAX_BYTES", 32 * 1024 * 1024usize)?,
            auth_rate_per_client: parse_var("AUTH_RATE_PER_CLIENT", 10u32)?,
            auth_rate_per_address: parse_var("AUTH_RATE_PER_ADDRESS", 30u32)?,
            jwt,
            webhooks: WebhookConfig {
                worker: parse_var("WEBHOOK_WORKER", true)?,
                poll: Duration::from_millis(parse_var("WEBHOOK_POLL_MS", 1000u64)?.max(10)),
                timeout: Duration::from_millis(parse_var("WEBHOOK_TIMEOUT_MS", 10_000u64)?),
                retry_base: Duration::from_millis(parse_var("WEBHOOK_RETRY_BASE_MS", 5000u64)?),
                retry_for: Duration::from_secs(parse_var("WEBHOOK_RETRY_FOR_SECONDS", 86_400u64)?),
                pause_after_failures: parse_var("WEBHOOK_PAUSE_AFTER_FAILURES", 50i32)?.max(1),
                allow_private: parse_var("WEBHOOK_ALLOW_PRIVATE", false)?,
                sweep: Duration::from_millis(
                    parse_var("WEBHOOK_OVERDUE_SWEEP_MS", 60_000u64)?.max(10),
                ),
            },
            cors_origins: var("CORS_ORIGINS")
                .map(|v| {
                    v.split(',')
                        .map(|s| s.trim().to_string())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
        })
    }
}

/// `url` (a `postgres://user:password@host/db` URL) with its user and
/// password replaced by `user` alone; `None` when it is not such a URL.
pub fn with_user(url: &str, user: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host_and_db = match rest.rsplit_once('@') {
        Some((_, after)) => after,
        None => rest,
    };
    host_and_db
        .contains('/')
        .then(|| format!("{scheme}://{user}@{host_and_db}"))
}

/// The user and password of a `postgres://user:password@host/db` URL,
/// percent-decoded; `None` when it names no user.
pub fn credentials(url: &str) -> Option<(String, Option<String>)> {
    let (_, rest) = url.split_once("://")?;
    let (userinfo, _) = rest.rsplit_once('@')?;
    let (user, password) = match userinfo.split_once(':') {
        Some((u, p)) => (u, Some(p)),
        None => (userinfo, None),
    };
    let decode = |s: &str| percent_decode(s).filter(|d| !d.is_empty());
    Some((decode(user)?, password.and_then(decode)))
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::{credentials, with_user};

    #[test]
    fn the_owner_url_defaults_to_the_same_database_as_postgres() {
        assert_eq!(
            with_user(
                "postgres://trustplan_app:s3cret@db:5432/trustplan",
                "postgres"
            )
            .as_deref(),
            Some("postgres://postgres@db:5432/trustplan")
        );
        assert_eq!(
            with_user("postgres://localhost/trustplan?sslmode=disable", "postgres").as_deref(),
            Some("postgres://postgres@localhost/trustplan?sslmode=disable")
        );
        assert_eq!(with_user("not a url", "postgres"), None);
    }

    #[test]
    fn credentials_are_read_and_decoded() {
        assert_eq!(
            credentials("postgres://trustplan_app:p%40ss@db/trustplan"),
            Some(("trustplan_app".into(), Some("p@ss".into())))
        );
        assert_eq!(
            credentials("postgres://trustplan_app@db/trustplan"),
            Some(("trustplan_app".into(), None))
        );
        assert_eq!(credentials("postgres://db/trustplan"), None);
    }
}
