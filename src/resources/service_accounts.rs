//! `/api/v1/service-accounts` and `POST /api/v1/auth/token`: credentials
//! for partner systems, exchanged for short-lived JWTs.

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use argon2::password_hash::rand_core::{OsRng, RngCore};
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::resources::organisations::OrganisationRef;
use crate::resources::write::{self, Record};
use crate::store::listing::{Filter, FilterKind, ListSpec, SortField, SortType};
use crate::store::organisations as org_db;
use crate::store::service_accounts::{self as db, NewServiceAccountRow, ServiceAccountRow};
use crate::web::auth::{AuthUser, Role};
use crate::web::error::{ApiError, ApiResult, ErrorBody};
use crate::web::http::{created_record, new_id, ok_record, Actor, ApiJson, Ctx, Versioned};
use crate::web::identity::SERVICE_ACCOUNT_SUB;
use crate::web::validate::Errors;
use crate::{page_schema, AppState};

/// A partner system's account. Its secret is never shown again after creation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ServiceAccount {
    pub id: Uuid,
    /// The public identifier the system sends to `POST /auth/token`; also the account's code.
    pub client_id: String,
    /// What the system is, e.g. "PCT performance feed".
    pub name: String,
    /// The role its tokens carry.
    pub role: Role,
    /// The organisation its tokens act for (their `org` claim).
    pub organisation_id: Uuid,
    pub organisation: OrganisationRef,
    /// When it last exchanged its credentials for a token.
    pub last_used_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
}

page_schema!(ServiceAccountPage, ServiceAccount);

/// A service account just created, with its secret: the only time the
/// secret is shown. Store it now.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreatedServiceAccount {
    #[serde(flatten)]
    pub account: ServiceAccount,
    /// The client secret. It is stored only as an argon2 hash and cannot be shown again.
    pub client_secret: String,
}

impl Versioned for ServiceAccount {
    fn version(&self) -> i32 {
        self.version
    }
}

impl Versioned for CreatedServiceAccount {
    fn version(&self) -> i32 {
        self.account.version
    }
}

impl Record for ServiceAccount {
    const TABLE: &'static str = "service_accounts";
    const ENTITY: &'static str = "service_account";

    async fn load(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Self> {
        let row = db::find(conn, id)
            .await
            .map_err(|e| crate::web::error::not_found(e, "service account", id))?;
        Ok(to_dtos(conn, vec![row]).await?.remove(0))
    }

    fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

async fn to_dtos(
    conn: &mut AsyncPgConnection,
    rows: Vec<ServiceAccountRow>,
) -> ApiResult<Vec<ServiceAccount>> {
    let org_ids: Vec<Uuid> = rows.iter().map(|r| r.organisation_id).collect();
    let orgs = org_db::find_many(conn, &org_ids).await?;
    rows.into_iter()
        .map(|r| {
            let org = orgs
                .iter()
                .find(|o| o.id == r.organisation_id)
                .ok_or_else(|| ApiError::Internal("service account without organisation".into()))?;
            Ok(ServiceAccount {
                role: Role::parse(&r.role)
                    .ok_or_else(|| ApiError::Internal(format!("bad role {:?}", r.role)))?,
                organisation: OrganisationRef::from(org),
                id: r.id,
                client_id: r.client_id,
                name: r.name,
                organisation_id: r.organisation_id,
                last_used_at: r.last_used_at,
                created_at: r.created_at,
                updated_at: r.updated_at,
                version: r.version,
                archived_at: r.archived_at,
            })
        })
        .collect()
}

/// A new service account.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewServiceAccount {
    /// What the system is, at most 200 characters.
    #[schema(example = "PCT performance feed")]
    pub name: String,
    /// The role its tokens will carry.
    pub role: Role,
    /// The organisation it acts for.
    pub organisation_id: Uuid,
}

fn random_token(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

fn hash_secret(secret: &str) -> ApiResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(secret.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| ApiError::Internal(format!("argon2: {e}")))
}

/// Creates a service account and returns it with its one-time secret. Used
/// by the API and by `trustplan service-account create`.
pub async fn create_account(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    new: NewServiceAccount,
) -> ApiResult<CreatedServiceAccount> {
    let mut errors = Errors::new();
    errors.text("/name", &new.name, 200);
    if org_db::find_many(conn, &[new.organisation_id])
        .await?
        .is_empty()
    {
        errors.unknown("/organisation_id", "no organisation has this id");
    }
    errors.finish()?;
    let secret = random_token(32);
    let secret_for_hash = secret.clone();
    let secret_hash = tokio::task::spawn_blocking(move || hash_secret(&secret_for_hash))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))??;
    let client_id = format!("sa_{}", random_token(12));
    let actor = actor.clone();
    let account = write::create::<ServiceAccount, _>(conn, &actor, move |conn| {
        Box::pin(async move {
            let row = db::insert(
                conn,
                &NewServiceAccountRow {
                    id: new_id(),
                    client_id: &client_id,
                    name: new.name.trim(),
                    role: new.role.as_str(),
                    organisation_id: new.organisation_id,
                    secret_hash: &secret_hash,
                },
            )
            .await?;
            Ok(row.id)
        })
    })
    .await?;
    Ok(CreatedServiceAccount {
        account,
        client_secret: secret,
    })
}

/// Filters of `GET /service-accounts`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ServiceAccountFilters {
    /// Any of these client ids (comma-separated).
    client_id: Option<String>,
    /// Any of these roles (comma-separated).
    role: Option<String>,
    /// Accounts of any of these organisations (comma-separated ids).
    organisation_id: Option<String>,
    /// Free text in client id or name.
    q: Option<String>,
}

pub(crate) const LIST: ListSpec = ListSpec {
    table: "service_accounts",
    filters: &[
        Filter::new("client_id", FilterKind::Text("service_accounts.client_id")),
        Filter::new(
            "role",
            FilterKind::Vocab("service_accounts.role", Role::NAMES),
        ),
        Filter::new(
            "organisation_id",
            FilterKind::Uuid("service_accounts.organisation_id"),
        ),
        Filter::new(
            "q",
            FilterKind::Search(&["service_accounts.client_id", "service_accounts.name"]),
        ),
    ],
    sorts: &[
        SortField::new("name", "service_accounts.name", SortType::Text),
        SortField::new("client_id", "service_accounts.client_id", SortType::Text),
        SortField::new(
            "created_at",
            "service_accounts.created_at",
            SortType::Timestamp,
        ),
        SortField::nullable(
            "last_used_at",
            "service_accounts.last_used_at",
            SortType::Timestamp,
        ),
    ],
    default_sort: "name",
    archivable: true,
};

/// List service accounts
///
/// Admin only. Sort on `name` (default), `client_id`, `created_at`, `last_used_at`.
#[utoipa::path(
    tag = "service-accounts",
    params(crate::resources::ListQuery, ServiceAccountFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of service accounts", body = ServiceAccountPage),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
    )
)]
#[get("")]
pub async fn list_service_accounts(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Admin)?;
    let p = crate::web::page::list_params(&req, LIST)?;
    let mut conn = state.conn().await?;
    let (rows, total) = db::list(&mut conn, &p).await?;
    let items = to_dtos(&mut conn, rows).await?;
    Ok(p.page(items, total)?.respond(&req))
}

/// Get a service account
///
/// Admin only. The secret is never shown here.
#[utoipa::path(
    tag = "service-accounts",
    params(("id" = Uuid, Path, description = "Service account id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The service account", body = ServiceAccount, headers(("ETag" = String))),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such service account", body = ErrorBody),
    )
)]
#[get("/{id}")]
pub async fn get_service_account(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Admin)?;
    let mut conn = state.conn().await?;
    Ok(ok_record(&ServiceAccount::load(&mut conn, *id).await?))
}

/// Create a service account
///
/// Admin only. The answer carries `client_secret`, shown this once and
/// stored only as an argon2 hash. Because the answer holds a secret it is
/// not kept for `Idempotency-Key` replays: a retry with the same key is a 409.
#[utoipa::path(
    tag = "service-accounts",
    request_body = NewServiceAccount,
    params(crate::resources::IdempotencyHeader),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; the secret is in the body", body = CreatedServiceAccount,
         headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 409, description = "Idempotency-Key already used for a creation", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
    )
)]
#[post("")]
pub async fn create_service_account(
    ctx: Ctx,
    state: web::Data<AppState>,
    body: ApiJson<NewServiceAccount>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Admin)?;
    let mut conn = state.conn().await?;
    let created = create_account(&mut conn, &ctx.actor(), body.0).await?;
    let mut res = created_record(
        format!("/api/v1/service-accounts/{}", created.account.id),
        &created,
    );
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

/// Archive, restore and history of service accounts. Not the shared
/// `archive_handlers!`: archiving ends the account's tokens and restoring
/// gives it a new secret.
pub mod archive {
    use super::*;
    use actix_web::delete;

    use crate::web::http::{IfMatch, OptionalIfMatch};

    /// Archive a service account
    ///
    /// Admin only. Its credentials stop working at once, and so do the
    /// tokens it was issued: on this instance at once, on every instance
    /// within 5 seconds. Soft: the record stays readable by id and in lists
    /// with `include_archived=true`; `POST .../restore` brings it back with
    /// a new secret.
    #[utoipa::path(
        tag = "service-accounts",
        params(("id" = Uuid, Path, description = "Service account id"), crate::resources::IfMatchHeader),
        security(("bearer" = [])),
        responses(
            (status = 200, description = "Archived", body = ServiceAccount, headers(("ETag" = String))),
            (status = 404, description = "No such record", body = ErrorBody),
            (status = 409, description = "Already archived", body = ErrorBody),
            (status = 412, description = "If-Match is stale", body = ErrorBody),
            (status = 428, description = "If-Match missing", body = ErrorBody),
        )
    )]
    #[delete("/{id}")]
    pub async fn delete_service_account(
        ctx: Ctx,
        state: web::Data<AppState>,
        id: web::Path<Uuid>,
        if_match: IfMatch,
    ) -> ApiResult<HttpResponse> {
        ctx.require(Role::Admin)?;
        let mut conn = state.conn().await?;
        let account = set_archived(&mut conn, &ctx.actor(), *id, Some(&if_match), None).await?;
        state.identities.forget_account(&account.client_id);
        Ok(ok_record(&account))
    }

    /// Restore a service account
    ///
    /// Admin only. The account comes back with a new `client_secret`, shown
    /// in this answer only (its old secret, and every token issued before,
    /// stay refused). Because the answer holds a secret it is not kept for
    /// `Idempotency-Key` replays: a retry with the same key is a 409.
    /// `If-Match` is checked when given.
    #[utoipa::path(
        tag = "service-accounts",
        params(
            ("id" = Uuid, Path, description = "Service account id"),
            crate::resources::OptionalIfMatchHeader,
            crate::resources::IdempotencyHeader
        ),
        security(("bearer" = [])),
        responses(
            (status = 200, description = "Restored; the new secret is in the body", body = CreatedServiceAccount, headers(("ETag" = String))),
            (status = 404, description = "No such record", body = ErrorBody),
            (status = 409, description = "Not archived", body = ErrorBody),
            (status = 412, description = "If-Match is stale", body = ErrorBody),
            (status = 429, description = "Too many secrets are being hashed; retry after `Retry-After` seconds", body = ErrorBody),
        )
    )]
    #[post("/{id}/restore")]
    pub async fn restore_service_account(
        ctx: Ctx,
        state: web::Data<AppState>,
        id: web::Path<Uuid>,
        if_match: OptionalIfMatch,
    ) -> ApiResult<HttpResponse> {
        ctx.require(Role::Admin)?;
        let secret = random_token(32);
        let for_hash = secret.clone();
        let hash = state
            .token_limits
            .hash(move || hash_secret(&for_hash))
            .await??;
        let mut conn = state.conn().await?;
        let account = set_archived(
            &mut conn,
            &ctx.actor(),
            *id,
            if_match.0.as_ref(),
            Some(&hash),
        )
        .await?;
        state.identities.forget_account(&account.client_id);
        let mut res = ok_record(&CreatedServiceAccount {
            account,
            client_secret: secret,
        });
        res.headers_mut().insert(
            header::CACHE_CONTROL,
            header::HeaderValue::from_static("no-store"),
        );
        Ok(res)
    }

    /// Archives (`new_hash` None) or restores with a new secret hash; either
    /// way the account's tokens start a new generation.
    async fn set_archived(
        conn: &mut AsyncPgConnection,
        actor: &Actor,
        id: Uuid,
        if_match: Option<&IfMatch>,
        new_hash: Option<&str>,
    ) -> ApiResult<ServiceAccount> {
        let archive = new_hash.is_none();
        let action = if archive { "archive" } else { "restore" };
        let new_hash = new_hash.map(str::to_string);
        write::change::<ServiceAccount, _>(
            conn,
            actor,
            id,
            if_match,
            action,
            move |conn, before| {
                Box::pin(async move {
                    if before.is_archived() == archive {
                        return Err(ApiError::Conflict(format!(
                            "the service account is {}",
                            if archive {
                                "already archived"
                            } else {
                                "not archived"
                            }
                        )));
                    }
                    db::set_archived(conn, id, archive, new_hash.as_deref()).await?;
                    Ok(())
                })
            },
        )
        .await
    }

    crate::history_handler! {
        record: ServiceAccount, tag: "service-accounts", id: "Service account id", read: Admin,
        history: service_account_history, "History of a service account",
        readers: "Admin only.",
    }
}

/// Client credentials.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    pub client_id: String,
    pub client_secret: String,
}

/// A bearer token for a service account.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TokenResponse {
    /// The JWT to send as `Authorization: Bearer <access_token>`.
    pub access_token: String,
    /// Always `Bearer`.
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until it expires.
    pub expires_in: u64,
}

/// Exchange client credentials for a token
///
/// No bearer token needed. The token carries the account's role and its
/// organisation's code, and expires after `expires_in` seconds. A wrong
/// secret, an unknown client id and an archived account all answer 401.
/// Attempts are limited per client id and per client address (by default
/// 10 and 30 a minute, per instance); beyond them the answer is 429 with
/// `Retry-After`.
#[utoipa::path(
    tag = "auth",
    request_body = TokenRequest,
    responses(
        (status = 200, description = "A token", body = TokenResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 401, description = "Wrong credentials, or the account is archived", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Missing or unknown fields", body = ErrorBody),
        (status = 429, description = "Too many attempts from this address or for this client id, or too many waiting to be checked; retry after `Retry-After` seconds", body = ErrorBody),
    )
)]
#[post("/auth/token")]
pub async fn issue_token(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: ApiJson<TokenRequest>,
) -> ApiResult<HttpResponse> {
    let body = body.0;
    if !state.jwt.can_sign() {
        return Err(ApiError::Unavailable(
            "this service has no signing key (JWT_PRIVATE_KEY) configured".into(),
        ));
    }
    state
        .token_limits
        .attempt(&client_address(&req), &body.client_id)?;
    // The look-ups, then the connection goes back to the pool: a flood of
    // requests waiting their turn to hash must not hold the connections
    // every other request needs.
    let (account, org_code) = {
        let mut conn = state.conn().await?;
        let account = db::find_by_client_id(&mut conn, &body.client_id).await?;
        let org_code = match &account {
            Some(a) => Some(org_db::find(&mut conn, a.organisation_id).await?.code),
            None => None,
        };
        (account, org_code)
    };
    // Verify against a fixed hash when the account is unknown, so that the
    // answer takes as long either way and does not reveal which ids exist.
    let stored_hash = account.as_ref().map(|a| a.secret_hash.clone());
    let secret = body.client_secret.clone();
    let verified = state
        .token_limits
        .hash(move || {
            let stored = stored_hash.unwrap_or_else(|| DUMMY_HASH.clone());
            PasswordHash::new(&stored)
                .map(|h| {
                    Argon2::default()
                        .verify_password(secret.as_bytes(), &h)
                        .is_ok()
                })
                .unwrap_or(false)
        })
        .await?;
    let refused = || ApiError::Unauthorized("the client credentials are not valid".into());
    let (account, org_code) = match (account, org_code) {
        (Some(a), Some(code)) if verified && a.archived_at.is_none() => (a, code),
        _ => return Err(refused()),
    };
    let role = Role::parse(&account.role).ok_or_else(refused)?;
    let ttl = state.config.jwt.token_ttl.as_secs();
    let token = state
        .jwt
        .mint_generation(
            &format!("{SERVICE_ACCOUNT_SUB}{}", account.client_id),
            role,
            &org_code,
            Some(&account.name),
            ttl,
            Some(account.token_generation),
        )
        .map_err(ApiError::Internal)?;
    db::touch(&mut *state.conn().await?, account.id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(TokenResponse {
            access_token: token,
            token_type: "Bearer".into(),
            expires_in: ttl,
        }))
}

/// The address a token request came from, for its rate limit: the TCP
/// peer. (Forwarded headers are not trusted: anyone can send them. Behind a
/// proxy every request shares the proxy's address; raise
/// `AUTH_RATE_PER_ADDRESS` there.)
fn client_address(req: &HttpRequest) -> String {
    req.peer_addr()
        .map_or_else(|| "unknown".to_string(), |a| a.ip().to_string())
}

/// An argon2 hash of a random string nobody knows, made once per process.
static DUMMY_HASH: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_secret(&random_token(32)).unwrap_or_default());
