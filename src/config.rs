//! Configuration, read once from the environment at start-up.
//!
//! | variable | default | meaning |
//! |---|---|---|
//! | `DATABASE_URL` | `postgres://postgres@localhost:5432/trustplan` | PostgreSQL database; created if it does not exist |
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

/// Everything the service reads from its environment.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub bind_addr: String,
    pub pool_size: usize,
    pub db_timeout: Duration,
    pub jwt: JwtConfig,
    pub cors_origins: Vec<String>,
    pub public_url: String,
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
        Ok(Config {
            database_url: var("DATABASE_URL")
                .unwrap_or_else(|| "postgres://postgres@localhost:5432/trustplan".into()),
            public_url: var("PUBLIC_URL").unwrap_or_else(|| format!("http://{bind_addr}")),
            bind_addr,
            pool_size,
            db_timeout: Duration::from_millis(parse_var("DB_TIMEOUT_MS", 1500u64)?),
            jwt,
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
