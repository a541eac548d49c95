//! The request middleware every response passes through:
//! - `X-Request-Id`: the server's own id for every request, kept in the
//!   request's extensions and sent on the response; a client's own
//!   `X-Request-Id` (1–128 letters, digits and `-_.:`) is kept beside it;
//! - problem details: every error response leaves as `application/problem+json`
//!   with `instance` and `request_id`, whoever produced it (our handlers,
//!   actix's extractors, its 404 and 405);
//! - metrics: count and latency by route pattern and status.

use std::time::Instant;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, Error, HttpMessage, HttpResponse};

use crate::web::error::{ErrorBody, Problem, ProblemType, PROBLEM_JSON};
use crate::web::http::RequestId;
use crate::AppState;

/// `X-Request-Id`.
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

fn acceptable_request_id(v: &HeaderValue) -> Option<String> {
    let s = v.to_str().ok()?.trim();
    let ok = !s.is_empty()
        && s.len() <= 128
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c));
    ok.then(|| s.to_string())
}

/// The detail for an error body that actix produced as plain text. Its text
/// can name internals, so only known-safe cases pass through.
fn generic_detail(status: StatusCode) -> String {
    match status.as_u16() {
        404 => "no resource at this path".into(),
        405 => "this path does not accept this method".into(),
        406 => "this resource cannot answer in the media type the Accept header asks for".into(),
        413 => "the request body is larger than 1 MiB".into(),
        400 => "the request could not be understood".into(),
        s if s >= 500 => {
            "an unexpected error occurred; quote the request_id when reporting it".into()
        }
        _ => status.canonical_reason().unwrap_or("error").to_string(),
    }
}

/// The middleware function (see the module documentation).
pub async fn observe(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let started = Instant::now();
    // The server names every request itself: a client's id is kept beside
    // it (in the audit trail and the log), never in its place, so no two
    // requests share an id however clients choose theirs.
    let request_id = uuid::Uuid::new_v4().to_string();
    let client_id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(acceptable_request_id);
    if let Some(client) = &client_id {
        log::debug!("request {request_id} is the client's {client}");
    }
    req.extensions_mut().insert(RequestId {
        server: request_id.clone(),
        client: client_id,
    });
    let path = req.path().to_string();
    let method = req.method().to_string();
    // HEAD is GET without the body (RFC 9110 9.3.2): route it as GET and drop
    // the body on the way out, so every GET answers HEAD with the same headers.
    let head = req.method() == Method::HEAD;
    if head {
        req.head_mut().method = Method::GET;
    }
    let conditional_get = req.method() == Method::GET;
    let state = req.app_data::<web::Data<AppState>>().cloned();
    // PostgreSQL text cannot hold U+0000: refuse it at the door rather than
    // let it reach a query and fail there.
    let uri_len = req.uri().path_and_query().map_or(0, |p| p.as_str().len());
    let refused = if uri_len > crate::web::server::MAX_URI_BYTES {
        Some(crate::web::error::ApiError::UriTooLong(
            crate::web::server::MAX_URI_BYTES,
        ))
    } else if contains_nul_escape(req.query_string()) || contains_nul_escape(req.path()) {
        Some(crate::web::error::ApiError::InvalidQuery(
            "the request's path or query contains a NUL character (%00)".into(),
        ))
    } else {
        crate::undocumented_query(req.method().as_str(), req.path(), req.query_string())
    };
    if let Some(err) = refused {
        let (http_req, _) = req.into_parts();
        let res = ServiceResponse::new(http_req, actix_web::ResponseError::error_response(&err));
        return finish(res, &path, &request_id, &method, state, started, head).await;
    }

    // Handlers' and extractors' errors arrive here as responses; only a
    // failing middleware below returns Err, and ours never do.
    let res = next.call(req).await?.map_into_boxed_body();
    let res = if conditional_get && res.status() == StatusCode::OK && not_modified(&res) {
        let mut not_modified = HttpResponse::NotModified();
        for name in [header::ETAG, header::CACHE_CONTROL] {
            if let Some(v) = res.headers().get(&name) {
                not_modified.insert_header((name, v.clone()));
            }
        }
        res.into_response(not_modified.finish())
    } else {
        res
    };
    finish(res, &path, &request_id, &method, state, started, head).await
}

fn contains_nul_escape(s: &str) -> bool {
    s.contains("%00") || s.contains('\0')
}

/// Every response's way out: problem details for errors, the request id,
/// no body for HEAD, and the metrics.
async fn finish(
    res: ServiceResponse<BoxBody>,
    path: &str,
    request_id: &str,
    method: &str,
    state: Option<web::Data<AppState>>,
    started: Instant,
    head: bool,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_string());
    let status = res.status();
    let mut res = if status.is_client_error() || status.is_server_error() {
        let (req, response) = res.into_parts();
        let response = problem_response(response, path, request_id);
        ServiceResponse::new(req, response)
    } else {
        res
    };
    if head {
        res = res.map_body(|_, _| BoxBody::new(()));
    }
    if let Ok(v) = HeaderValue::from_str(request_id) {
        res.headers_mut().insert(REQUEST_ID, v);
    }
    if let Some(state) = state {
        state.metrics.observe(
            method,
            &route,
            status.as_u16(),
            started.elapsed().as_secs_f64(),
        );
    }
    Ok(res)
}

/// Whether a GET's `If-None-Match` matches the `ETag` of its 200 answer: a
/// single record the client already has, answered 304 (RFC 9110 13.1.2).
fn not_modified(res: &ServiceResponse<BoxBody>) -> bool {
    let version = res
        .headers()
        .get(header::ETAG)
        .and_then(|v| v.to_str().ok())
        .and_then(|t| t.trim_matches('"').parse::<i32>().ok());
    version.is_some_and(|v| crate::web::http::if_none_match(res.request(), v))
}

fn problem_response(
    mut response: HttpResponse<BoxBody>,
    path: &str,
    request_id: &str,
) -> HttpResponse<BoxBody> {
    let status = response.status();
    let carried = response.extensions_mut().remove::<Problem>();
    let (head, _) = response.into_parts();
    // Actix's own refusals (a body over the limit, say) carry no problem.
    let mut problem = carried.map(|p| p.0).unwrap_or_else(|| ErrorBody {
        problem_type: ProblemType::for_status(status).uri(),
        title: status.canonical_reason().unwrap_or("Error").to_string(),
        status: status.as_u16(),
        detail: generic_detail(status),
        instance: String::new(),
        request_id: String::new(),
        errors: Vec::new(),
        operation_index: None,
    });
    problem.instance = path.to_string();
    problem.request_id = request_id.to_string();
    let body = serde_json::to_vec(&problem).unwrap_or_default();
    let mut response = head.set_body(BoxBody::new(body));
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
    response.headers_mut().remove(header::CONTENT_LENGTH);
    if status == StatusCode::UNAUTHORIZED
        && !response.headers().contains_key(header::WWW_AUTHENTICATE)
    {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    if status == StatusCode::SERVICE_UNAVAILABLE
        && !response.headers().contains_key(header::RETRY_AFTER)
    {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
    }
    response
}
