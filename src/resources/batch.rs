//! `POST /api/v1/batch`: up to 100 writes in one transaction, all or
//! nothing. Each operation runs through the app's own route and handler
//! (see `web::dispatch`), so it is validated, authorised, version-checked
//! and audited exactly as when sent alone.

use std::sync::Arc;

use actix_web::body::to_bytes;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, Uri};
use actix_web::{post, web, HttpMessage, HttpRequest, HttpResponse};
use diesel_async::{AnsiTransactionManager, TransactionManager};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;
use utoipa::ToSchema;

use crate::web::auth::{AuthUser, Role};
use crate::web::dispatch::Dispatch;
use crate::web::error::{ApiError, ApiResult, ErrorBody, FieldError, Problem};
use crate::web::http::{ApiJson, RequestId};
use crate::{vocab, AppState};

/// Most operations in one batch.
pub const MAX_OPERATIONS: usize = 100;

vocab! {
    /// The method of a batched operation: writes only.
    BatchMethod {
        Post = "POST",
        Put = "PUT",
        Patch = "PATCH",
        Delete = "DELETE",
    }
}

/// Writes to make together.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    /// 1 to 100 operations, run in this order.
    #[schema(min_items = 1, max_items = 100)]
    pub operations: Vec<BatchOperation>,
}

/// One write, as it would be sent alone.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchOperation {
    /// `POST`, `PUT`, `PATCH` or `DELETE`.
    #[schema(value_type = String, pattern = "^(POST|PUT|PATCH|DELETE)$", example = "POST")]
    pub method: BatchMethod,
    /// The operation's path with its query, e.g.
    /// `/api/v1/milestones/0190f3c2-.../updates` or
    /// `/api/v1/indicators/{id}/values/area/FY2009-10-Q2`. Any write of this
    /// API except `/api/v1/batch` and `/api/v1/auth/token`.
    #[schema(example = "/api/v1/plans")]
    pub path: String,
    /// Its JSON body, exactly as the single operation takes it (omit for
    /// `DELETE`).
    #[serde(default)]
    pub body: Option<serde_json::Value>,
    /// Its `If-Match`, e.g. `"3"` (required where the single operation
    /// requires it).
    #[serde(default)]
    pub if_match: Option<String>,
}

/// What one operation answered.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BatchResult {
    /// The operation's index in `operations`, from 0.
    pub index: usize,
    /// The status it answered (200, 201, ...), as if sent alone.
    pub status: u16,
    /// Its `ETag`, if any.
    pub etag: Option<String>,
    /// Its `Location`, if any (for creations).
    pub location: Option<String>,
    /// Its body (the record, as the single operation answers it).
    pub body: Option<serde_json::Value>,
}

/// Every operation succeeded and is committed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BatchResponse {
    /// One result per operation, in order.
    pub results: Vec<BatchResult>,
}

fn check(ops: &[BatchOperation]) -> ApiResult<Vec<Uri>> {
    let mut errors = crate::web::validate::Errors::new();
    if ops.is_empty() || ops.len() > MAX_OPERATIONS {
        errors.add(
            "/operations",
            format!("a batch holds 1 to {MAX_OPERATIONS} operations"),
        );
    }
    let mut uris = Vec::with_capacity(ops.len());
    for (i, op) in ops.iter().enumerate() {
        let pointer = format!("/operations/{i}/path");
        match op.path.parse::<Uri>() {
            Ok(uri)
                if uri.scheme().is_none()
                    && uri.authority().is_none()
                    && uri.path().starts_with("/api/v1/") =>
            {
                let path = uri.path().trim_end_matches('/');
                let methods = crate::methods_for(uri.path());
                if path == "/api/v1/batch" || path == "/api/v1/auth/token" {
                    errors.add(&pointer, format!("{path} cannot be batched"));
                } else if methods.is_empty() {
                    errors.add(
                        &pointer,
                        format!("no operation of this API has the path {path}"),
                    );
                } else if !methods.contains(&op.method.as_str()) {
                    errors.add(
                        &format!("/operations/{i}/method"),
                        format!(
                            "{path} takes {}, not {}",
                            methods.join(", "),
                            op.method.as_str()
                        ),
                    );
                }
                uris.push(uri);
            }
            _ => errors.add(
                &pointer,
                "must be a path under /api/v1/ (with its query, if any), e.g. /api/v1/plans",
            ),
        }
        if op.method == BatchMethod::Delete && op.body.is_some() {
            errors.add(&format!("/operations/{i}/body"), "a DELETE takes no body");
        }
        if let Some(tag) = &op.if_match {
            if HeaderValue::from_str(tag).is_err() {
                errors.add(
                    &format!("/operations/{i}/if_match"),
                    "must be a header value, e.g. \"3\"",
                );
            }
        }
    }
    errors.finish()?;
    Ok(uris)
}

/// The batch's failure: the failed operation's own problem, its pointers
/// under `/operations/<index>/body`, and its index.
struct Failed {
    status: actix_web::http::StatusCode,
    problem: ErrorBody,
    headers: Vec<(header::HeaderName, HeaderValue)>,
}

impl Failed {
    fn response(self) -> HttpResponse {
        let mut res = HttpResponse::build(self.status);
        for h in self.headers {
            res.insert_header(h);
        }
        let mut res = res.finish();
        res.extensions_mut().insert(Problem(self.problem));
        res
    }
}

/// Names the failed operation in its problem: its index, and its method and
/// path before the detail.
fn blame(index: usize, op: &BatchOperation, uri: &Uri, mut problem: ErrorBody) -> ErrorBody {
    problem.detail = format!(
        "operation {index} ({} {}): {}",
        op.method.as_str(),
        uri.path(),
        problem.detail
    );
    problem.operation_index = Some(index);
    problem
}

/// Runs every operation in order, through the app; stops at the first that fails.
async fn run(
    req: &HttpRequest,
    dispatch: &Dispatch,
    ops: Vec<BatchOperation>,
    uris: Vec<Uri>,
    no_store: &mut bool,
) -> Result<Vec<BatchResult>, Failed> {
    let copied: Vec<(header::HeaderName, HeaderValue)> =
        [header::AUTHORIZATION, header::HOST, header::FORWARDED]
            .into_iter()
            .chain(["x-forwarded-host", "x-forwarded-proto"].map(header::HeaderName::from_static))
            .filter_map(|name| req.headers().get(&name).map(|v| (name, v.clone())))
            .collect();
    let request_id = RequestId::of(req);
    let mut results = Vec::with_capacity(ops.len());
    for (index, (op, uri)) in ops.into_iter().zip(uris).enumerate() {
        let method = Method::from_bytes(op.method.as_str().as_bytes()).unwrap_or(Method::POST);
        let fail = |err: ApiError| {
            let mut problem = err.body();
            for e in &mut problem.errors {
                e.pointer = format!("/operations/{index}{}", e.pointer);
            }
            Failed {
                status: actix_web::ResponseError::status_code(&err),
                problem: blame(index, &op, &uri, problem),
                headers: Vec::new(),
            }
        };
        if let Some(err) =
            crate::undocumented_query(method.as_str(), uri.path(), uri.query().unwrap_or(""))
        {
            return Err(fail(err));
        }
        let mut sub = actix_web::test::TestRequest::default()
            .method(method)
            .uri(&uri.to_string());
        for (name, value) in &copied {
            sub = sub.insert_header((name.clone(), value.clone()));
        }
        if let Some(tag) = &op.if_match {
            sub = sub.insert_header((header::IF_MATCH, tag.as_str()));
        }
        if let Some(body) = &op.body {
            sub = sub
                .insert_header(header::ContentType::json())
                .set_payload(serde_json::to_vec(body).unwrap_or_default());
        }
        // What the app configures for every request, so extractors behave alike.
        if let Some(d) = req.app_data::<web::Data<AppState>>() {
            sub = sub.app_data(d.clone());
        }
        if let Some(c) = req.app_data::<web::JsonConfig>() {
            sub = sub.app_data(c.clone());
        }
        if let Some(c) = req.app_data::<web::PathConfig>() {
            sub = sub.app_data(c.clone());
        }
        if let Some(c) = req.app_data::<web::QueryConfig>() {
            sub = sub.app_data(c.clone());
        }
        if let Some(c) = req.app_data::<web::PayloadConfig>() {
            sub = sub.app_data(c.clone());
        }
        let sub = sub.to_srv_request();
        sub.extensions_mut().insert(request_id.clone());
        let res = match dispatch.call(sub).await {
            Ok(res) => res,
            Err(e) => {
                let res = e.error_response();
                return Err(fail(ApiError::Internal(format!(
                    "batched operation failed with {}",
                    res.status()
                ))));
            }
        };
        let status = res.status();
        let head = |name: header::HeaderName| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(String::from)
        };
        let etag = head(header::ETAG);
        let location = head(header::LOCATION);
        if head(header::CACHE_CONTROL).is_some_and(|v| v.contains("no-store")) {
            *no_store = true;
        }
        if !status.is_success() {
            let kept: Vec<(header::HeaderName, HeaderValue)> =
                [header::RETRY_AFTER, header::WWW_AUTHENTICATE]
                    .into_iter()
                    .filter_map(|name| res.headers().get(&name).map(|v| (name, v.clone())))
                    .collect();
            let carried = res.response().extensions().get::<Problem>().cloned();
            let problem = carried.map(|p| p.0).unwrap_or_else(|| {
                ApiError::Internal(format!("batched operation answered {status}")).body()
            });
            let mut problem = blame(index, &op, &uri, problem);
            // A body-less write that needs one: say so at the body.
            if status == actix_web::http::StatusCode::UNSUPPORTED_MEDIA_TYPE && op.body.is_none() {
                return Err(fail(ApiError::Validation(vec![FieldError::new(
                    "/body",
                    "this operation takes a JSON body",
                )])));
            }
            // Body pointers (`/field`, or `` for the whole body) go under
            // the operation's body; query ones (`?name`) under its path.
            for e in &mut problem.errors {
                e.pointer = if e.pointer.starts_with('?') {
                    format!("/operations/{index}/path{}", e.pointer)
                } else {
                    format!("/operations/{index}/body{}", e.pointer)
                };
            }
            if problem.errors.is_empty() {
                problem.errors.push(FieldError {
                    pointer: format!("/operations/{index}"),
                    message: problem.detail.clone(),
                });
            }
            return Err(Failed {
                status,
                problem,
                headers: kept,
            });
        }
        let bytes = to_bytes(res.into_body()).await.unwrap_or_default();
        let body = if bytes.is_empty() {
            None
        } else {
            serde_json::from_slice(&bytes).ok()
        };
        results.push(BatchResult {
            index,
            status: status.as_u16(),
            etag,
            location,
            body,
        });
    }
    Ok(results)
}

/// Write in a batch
///
/// Contributors, editors and admins; each operation needs the role it
/// needs alone (a contributor's, on its organisation's records). Runs 1 to 100
/// writes (`POST`, `PUT`, `PATCH`, `DELETE` of this API, with the same
/// bodies and `If-Match` as sent alone) in order, in one transaction: all
/// of them are committed, or none. On success: 200 with each operation's
/// status, `ETag`, `Location` and body. On the first failure nothing is
/// written and the answer is that operation's own problem (its status,
/// e.g. 412 or 422), with `operation_index` naming it and its pointers
/// under `/operations/<index>`. An `Idempotency-Key` covers the whole
/// batch: a repeat replays the batch's answer and writes nothing again.
#[utoipa::path(
    tag = "batch",
    request_body = BatchRequest,
    params(crate::resources::IdempotencyHeader),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every operation succeeded and is committed", body = BatchResponse),
        (status = 400, description = "Malformed JSON, or an operation's malformed path or query", body = ErrorBody),
        (status = 404, description = "An operation's record does not exist (`operation_index` names it); nothing was written", body = ErrorBody),
        (status = 409, description = "An operation conflicts (a duplicate code, an archived record); nothing was written", body = ErrorBody),
        (status = 412, description = "An operation's If-Match is stale; nothing was written", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid batch (too many operations, a path that is no write of this API) or operation (pointers under `/operations/<index>`); nothing was written", body = ErrorBody),
        (status = 428, description = "An operation lacks a required If-Match; nothing was written", body = ErrorBody),
    )
)]
#[post("/batch")]
pub async fn batch(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    body: ApiJson<BatchRequest>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Contributor)?;
    let ops = body.0.operations;
    let uris = check(&ops)?;
    let dispatch = req
        .extensions()
        .get::<Dispatch>()
        .cloned()
        .ok_or_else(|| ApiError::Internal("the app was built without its dispatcher".into()))?;
    // Inside an idempotent request the transaction is already the request's
    // (and a failure's non-2xx answer rolls it back); otherwise it is ours.
    // An answer holding a secret (a new subscription's) is marked so that
    // neither caches nor the idempotency store keep it.
    let mut no_store = false;
    let ok = |results: Vec<BatchResult>, no_store: bool| {
        let mut res = HttpResponse::Ok();
        if no_store {
            res.insert_header((header::CACHE_CONTROL, "no-store"));
        }
        res.json(BatchResponse { results })
    };
    if crate::store::has_request_conn() {
        return Ok(match run(&req, &dispatch, ops, uris, &mut no_store).await {
            Ok(results) => ok(results, no_store),
            Err(failed) => failed.response(),
        });
    }
    let conn = Arc::new(Mutex::new(state.pool.get().await.map_err(ApiError::from)?));
    {
        let mut c = conn.lock().await;
        AnsiTransactionManager::begin_transaction(&mut **c).await?;
    }
    let outcome = crate::store::with_request_conn(
        conn.clone(),
        run(&req, &dispatch, ops, uris, &mut no_store),
    )
    .await;
    let mut c = conn.lock().await;
    match outcome {
        Ok(results) => {
            AnsiTransactionManager::commit_transaction(&mut **c)
                .await
                .map_err(|e| match ApiError::from(e) {
                    ApiError::Internal(m) => ApiError::Unavailable(m),
                    other => other,
                })?;
            Ok(ok(results, no_store))
        }
        Err(failed) => {
            if let Err(e) = AnsiTransactionManager::rollback_transaction(&mut **c).await {
                log::warn!("batch: rollback failed: {e}");
            }
            Ok(failed.response())
        }
    }
}
