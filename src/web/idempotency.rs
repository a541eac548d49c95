//! `Idempotency-Key` on `POST`, for every endpoint at once.
//!
//! A request with a key runs in one transaction from start to end: the key
//! is claimed, the handler's work done (every connection it asks for is this
//! transaction's) and its 2xx response stored, then all commit together. A
//! repeat with the same key and request answers the stored response (with
//! `Idempotent-Replayed: true`) and runs nothing; the same key with another
//! request is a 422. A repeat that arrives while the first is still running
//! waits for it (up to the lock timeout, then 409) and replays its answer. A
//! request that fails, or whose instance dies, rolls back its claim with its
//! work: no key is ever left claimed, and a retry runs. Responses marked
//! `Cache-Control: no-store` (they hold a secret) are not kept: a repeat of
//! one is a 409.
//!
//! Keys belong to the caller: the token's `sub`, role and organisation
//! together, checked after the token is verified. A replay is only ever
//! given to the identity whose request made it, with the same role.

use std::sync::Arc;

use actix_web::body::{to_bytes, BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage, HttpResponse, ResponseError};
use diesel_async::{AnsiTransactionManager, TransactionManager};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tokio::sync::Mutex;

use crate::store::idempotency as db;
use crate::store::DbConn;
use crate::web::error::ApiError;
use crate::AppState;

/// `Idempotency-Key`.
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// Set on a replayed response.
pub const IDEMPOTENT_REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");

/// Headers of a stored response that a replay repeats.
const KEPT_HEADERS: [HeaderName; 3] = [header::CONTENT_TYPE, header::LOCATION, header::ETAG];

fn error(req: ServiceRequest, err: ApiError) -> ServiceResponse<BoxBody> {
    let (http_req, _) = req.into_parts();
    ServiceResponse::new(http_req, err.error_response())
}

/// The middleware function (see the module documentation).
pub async fn idempotency(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let key = match req.headers().get(&IDEMPOTENCY_KEY) {
        Some(k) if req.method() == Method::POST => k.clone(),
        _ => {
            return next
                .call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body)
        }
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return next
            .call(req)
            .await
            .map(ServiceResponse::map_into_boxed_body);
    };
    // Keys are per caller and judged only after authentication: an
    // unauthenticated request is left to the handler (which refuses it, or,
    // like the token endpoint, keeps nothing).
    let principal = match crate::web::auth::authenticate(req.request()).await {
        Ok(user) => format!("{}\u{1f}{}\u{1f}{}", user.sub, user.role, user.org),
        Err(_) => {
            return next
                .call(req)
                .await
                .map(ServiceResponse::map_into_boxed_body)
        }
    };
    let key = match key
        .to_str()
        .ok()
        .filter(|k| !k.is_empty() && k.len() <= 200 && k.chars().all(|c| c.is_ascii_graphic()))
    {
        Some(k) => k.to_string(),
        None => {
            return Ok(error(
                req,
                ApiError::BadRequest(
                    "Idempotency-Key must be 1 to 200 visible ASCII characters".into(),
                ),
            ))
        }
    };

    // Read the body to fingerprint it, then hand it on unchanged.
    let limit = crate::web::http::body_limit(req.path(), &state.config);
    let mut body = web::BytesMut::new();
    let mut payload = req.take_payload();
    while let Some(chunk) = payload.next().await {
        let chunk = match chunk {
            Ok(c) => c,
            Err(_) => {
                return Ok(error(
                    req,
                    ApiError::BadRequest("the body could not be read".into()),
                ))
            }
        };
        if body.len() + chunk.len() > limit {
            return Ok(error(req, ApiError::PayloadTooLarge(limit)));
        }
        body.extend_from_slice(&chunk);
    }
    let body = body.freeze();
    let path = req.path().to_string();
    let mut hasher = Sha256::new();
    hasher.update(req.method().as_str().as_bytes());
    hasher.update(b" ");
    hasher.update(req.uri().to_string().as_bytes());
    hasher.update(b"\n");
    hasher.update(&body);
    let hash = format!("{:x}", hasher.finalize());
    req.set_payload(Payload::from(body));

    // The request's one transaction.
    let conn = match state.pool.get().await {
        Ok(c) => Arc::new(Mutex::new(c)),
        Err(e) => return Ok(error(req, e.into())),
    };
    let method = req.method().as_str().to_string();
    let claimed = {
        let mut c = conn.lock().await;
        begin_and_claim(&mut c, &principal, &key, &method, &path, &hash).await
    };
    let existing = match claimed {
        Ok(existing) => existing,
        Err(e) => {
            rollback(&conn, &key).await;
            return Ok(error(req, e));
        }
    };
    if let Some(row) = existing {
        rollback(&conn, &key).await;
        return Ok(replay(req, row, &hash));
    }

    let res = crate::store::with_request_conn(conn.clone(), next.call(req))
        .await
        .map(ServiceResponse::map_into_boxed_body);
    let res = match res {
        Ok(res) if res.status().is_success() => res,
        other => {
            rollback(&conn, &key).await;
            return other;
        }
    };
    let status = res.status().as_u16() as i32;
    let no_store = res
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("no-store"));
    let mut headers = serde_json::Map::new();
    for name in KEPT_HEADERS {
        if let Some(v) = res.headers().get(&name).and_then(|v| v.to_str().ok()) {
            headers.insert(name.to_string(), serde_json::Value::String(v.to_string()));
        }
    }
    let (http_req, response) = res.into_parts();
    let (head, resp_body) = response.into_parts();
    let bytes = to_bytes(resp_body).await.unwrap_or_default();
    let stored = (!no_store).then(|| bytes.to_vec());
    let committed = {
        let mut c = conn.lock().await;
        let stored = db::complete(
            &mut c,
            &principal,
            &key,
            status,
            serde_json::Value::Object(headers),
            stored,
        )
        .await;
        match stored {
            Ok(()) => AnsiTransactionManager::commit_transaction(&mut **c).await,
            Err(e) => Err(e),
        }
    };
    if let Err(e) = committed {
        // Nothing of the request is kept: answering its success would lie.
        log::error!("idempotency key {key:?}: the request's transaction did not commit: {e}");
        rollback(&conn, &key).await;
        let err = match ApiError::from(e) {
            ApiError::Internal(m) => ApiError::Unavailable(m),
            other => other,
        };
        return Ok(ServiceResponse::new(http_req, err.error_response()));
    }
    let mut response = head.set_body(BoxBody::new(bytes));
    response
        .headers_mut()
        .insert(IDEMPOTENT_REPLAYED, HeaderValue::from_static("false"));
    Ok(ServiceResponse::new(http_req, response))
}

/// Opens the request's transaction and claims the key in it. A claim that
/// waited out the lock timeout behind a request still running is a 409.
async fn begin_and_claim(
    conn: &mut DbConn,
    principal: &str,
    key: &str,
    method: &str,
    path: &str,
    hash: &str,
) -> Result<Option<db::IdempotencyRow>, ApiError> {
    AnsiTransactionManager::begin_transaction(&mut **conn).await?;
    db::claim(conn, principal, key, method, path, hash)
        .await
        .map_err(|e| match ApiError::from(e) {
            ApiError::Unavailable(m) if crate::web::error::is_lock_timeout(&m) => {
                ApiError::Conflict(
                    "a request with this Idempotency-Key is still being processed; retry shortly"
                        .into(),
                )
            }
            other => other,
        })
}

/// Ends the request's transaction without keeping anything of it.
async fn rollback(conn: &Arc<Mutex<DbConn>>, key: &str) {
    let mut c = conn.lock().await;
    if let Err(e) = AnsiTransactionManager::rollback_transaction(&mut **c).await {
        // The connection is then broken, and the pool discards it.
        log::warn!("idempotency key {key:?}: rollback failed: {e}");
    }
}

/// The answer for a key an earlier request completed: its response, or
/// why it cannot be given.
fn replay(req: ServiceRequest, row: db::IdempotencyRow, hash: &str) -> ServiceResponse<BoxBody> {
    let err = if row.request_hash != hash {
        ApiError::IdempotencyKeyReused(
            "this Idempotency-Key was used for a different request; use a new key".into(),
        )
    } else if let (Some(status), Some(stored)) = (row.status_code, row.response_body) {
        let mut res =
            HttpResponse::build(StatusCode::from_u16(status as u16).unwrap_or(StatusCode::OK));
        if let Some(serde_json::Value::Object(headers)) = row.response_headers {
            for (name, value) in headers {
                if let Some(v) = value.as_str() {
                    res.insert_header((name.as_str(), v));
                }
            }
        }
        res.insert_header((IDEMPOTENT_REPLAYED, "true"));
        let (http_req, _) = req.into_parts();
        return ServiceResponse::new(http_req, res.body(stored));
    } else {
        ApiError::Conflict(
            "this Idempotency-Key was already used; its response held a secret and was not kept"
                .into(),
        )
    };
    error(req, err)
}
