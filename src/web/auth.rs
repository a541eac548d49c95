//! JWT authentication and the four roles.
//!
//! `AuthUser` is an extractor: a handler that takes it is protected, and the
//! request fails with 401 before the handler runs when the bearer token is
//! missing or invalid. Authorization is explicit at the top of each handler
//! (`user.require(Role::Editor)?`).

use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::config::{JwtAlgorithm, JwtConfig};
use crate::web::error::ApiError;
use crate::AppState;

/// A caller's role. Each role may do everything the roles before it may.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads everything.
    Viewer,
    /// Viewer, plus reports progress on records its organisation leads.
    Contributor,
    /// Creates, changes, archives and restores all plan content.
    Editor,
    /// Editor, plus organisations, service accounts and the audit trail.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Contributor, Role::Editor, Role::Admin];
    pub const NAMES: &'static [&'static str] = &["viewer", "contributor", "editor", "admin"];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Contributor => "contributor",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The claims of a trustplan token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    pub role: Role,
    /// The caller's organisation code.
    pub org: String,
    pub exp: u64,
    pub iat: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    pub iss: String,
    pub aud: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A service account's token generation (see `crate::web::identity`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gen: Option<i32>,
}

/// Verifies tokens, and signs them where a signing key is configured.
pub struct JwtKeys {
    algorithm: Algorithm,
    decoding: DecodingKey,
    encoding: Option<EncodingKey>,
    validation: Validation,
    issuer: String,
    audience: String,
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl JwtKeys {
    /// Builds the keys from the configuration; fails on an unreadable key.
    pub fn from_config(cfg: &JwtConfig) -> Result<JwtKeys, String> {
        let (algorithm, decoding, encoding) = match cfg.algorithm {
            JwtAlgorithm::Hs256 => {
                let secret = cfg.secret.as_deref().ok_or("JWT_SECRET is not set")?;
                (
                    Algorithm::HS256,
                    DecodingKey::from_secret(secret.as_bytes()),
                    Some(EncodingKey::from_secret(secret.as_bytes())),
                )
            }
            JwtAlgorithm::Rs256 | JwtAlgorithm::Es256 => {
                let rsa = cfg.algorithm == JwtAlgorithm::Rs256;
                let public = cfg
                    .public_key_pem
                    .as_deref()
                    .ok_or("JWT_PUBLIC_KEY is not set")?
                    .as_bytes();
                let decoding = if rsa {
                    DecodingKey::from_rsa_pem(public)
                } else {
                    DecodingKey::from_ec_pem(public)
                }
                .map_err(|e| format!("JWT_PUBLIC_KEY: {e}"))?;
                let encoding = match cfg.private_key_pem.as_deref() {
                    None => None,
                    Some(p) => Some(
                        if rsa {
                            EncodingKey::from_rsa_pem(p.as_bytes())
                        } else {
                            EncodingKey::from_ec_pem(p.as_bytes())
                        }
                        .map_err(|e| format!("JWT_PRIVATE_KEY: {e}"))?,
                    ),
                };
                let alg = if rsa {
                    Algorithm::RS256
                } else {
                    Algorithm::ES256
                };
                (alg, decoding, encoding)
            }
        };
        // One algorithm only: a token signed any other way (including `none`,
        // or HS256 with the public key as secret) is refused.
        let mut validation = Validation::new(algorithm);
        validation.leeway = 30;
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.set_issuer(&[&cfg.issuer]);
        validation.set_audience(&[&cfg.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        Ok(JwtKeys {
            algorithm,
            decoding,
            encoding,
            validation,
            issuer: cfg.issuer.clone(),
            audience: cfg.audience.clone(),
        })
    }

    /// Whether this service can sign tokens (always with HS256; with a
    /// private key for RS256/ES256).
    pub fn can_sign(&self) -> bool {
        self.encoding.is_some()
    }

    /// Signs a token for `sub` with `role` and organisation code `org`, valid for `ttl_secs`.
    pub fn mint(
        &self,
        sub: &str,
        role: Role,
        org: &str,
        name: Option<&str>,
        ttl_secs: u64,
    ) -> Result<String, String> {
        self.mint_generation(sub, role, org, name, ttl_secs, None)
    }

    /// [`JwtKeys::mint`] with a service account's token generation.
    pub fn mint_generation(
        &self,
        sub: &str,
        role: Role,
        org: &str,
        name: Option<&str>,
        ttl_secs: u64,
        generation: Option<i32>,
    ) -> Result<String, String> {
        let key = self
            .encoding
            .as_ref()
            .ok_or("no signing key is configured (set JWT_PRIVATE_KEY)")?;
        let iat = now();
        let claims = Claims {
            sub: sub.to_string(),
            role,
            org: org.to_string(),
            exp: iat + ttl_secs,
            iat,
            nbf: Some(iat),
            iss: self.issuer.clone(),
            aud: self.audience.clone(),
            name: name.map(str::to_string),
            gen: generation,
        };
        jsonwebtoken::encode(&Header::new(self.algorithm), &claims, key).map_err(|e| e.to_string())
    }

    /// Verifies a token and returns its claims.
    pub fn verify(&self, token: &str) -> Result<Claims, String> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|d| d.claims)
            .map_err(|e| e.to_string())
    }
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct AuthUser {
    pub sub: String,
    pub role: Role,
    /// The caller's organisation code.
    pub org: String,
    pub name: Option<String>,
}

impl AuthUser {
    /// 403 unless the caller has at least `role`.
    pub fn require(&self, role: Role) -> Result<(), ApiError> {
        if self.role >= role {
            Ok(())
        } else {
            Err(ApiError::Forbidden(format!(
                "this needs the {role} role; your token has {}",
                self.role
            )))
        }
    }

    /// Whether the caller has at least `role`.
    pub fn is(&self, role: Role) -> bool {
        self.role >= role
    }
}

/// Reads and verifies the bearer token of a request, then checks what its
/// claims name: a `sub`, an organisation that exists and, for a service
/// account, a live account of the token's generation (see
/// `crate::web::identity`).
pub async fn authenticate(req: &HttpRequest) -> Result<AuthUser, ApiError> {
    let state = req
        .app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::Internal("app state missing".into()))?;
    let claims = verified_claims(req, state)?;
    state
        .identities
        .check(state, &claims.sub, &claims.org, claims.gen)
        .await?;
    Ok(AuthUser {
        sub: claims.sub,
        role: claims.role,
        org: claims.org,
        name: claims.name,
    })
}

fn verified_claims(req: &HttpRequest, state: &AppState) -> Result<Claims, ApiError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .ok_or_else(|| ApiError::Unauthorized("this needs a bearer token".into()))?;
    let value = value
        .to_str()
        .map_err(|_| ApiError::Unauthorized("the Authorization header is not readable".into()))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            ApiError::Unauthorized("the Authorization header must be `Bearer <token>`".into())
        })?;
    let claims = state.jwt.verify(token).map_err(|e| {
        log::debug!("token refused: {e}");
        ApiError::Unauthorized("the bearer token is invalid or expired".into())
    })?;
    // A claim PostgreSQL cannot store (the audit trail records them) is no
    // identity this service can act for.
    let texts = [Some(&claims.sub), Some(&claims.org), claims.name.as_ref()];
    if texts.into_iter().flatten().any(|t| t.contains('\0')) {
        return Err(ApiError::Unauthorized(
            "the bearer token's claims contain a NUL character".into(),
        ));
    }
    // Nobody: the audit trail could not say who made a change.
    if claims.sub.trim().is_empty() || claims.org.trim().is_empty() {
        return Err(ApiError::Unauthorized(
            "the bearer token's sub and org claims may not be empty".into(),
        ));
    }
    Ok(claims)
}

impl FromRequest for AuthUser {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<AuthUser, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { authenticate(&req).await })
    }
}
