//! trustplan: a JSON API for the plans and performance of a Children's
//! Trust partnership.
//!
//! `build_app` assembles the whole HTTP application from an [`AppState`]; the
//! binary (`main.rs`) and the integration tests both use it.

pub mod config;
pub mod demo;
pub mod domain;
pub mod examples;
pub mod openapi;
pub mod resources;
pub mod store;
pub mod vocab;
pub mod web;
pub mod webhooks;

use std::sync::{Arc, OnceLock};

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Logger};
use actix_web::{get, App, HttpRequest, HttpResponse};
use utoipa::OpenApi;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::config::Config;
use crate::store::{Conn, ConnError, DbPool, QueryCounter, SessionSettings};
use crate::web::auth::JwtKeys;
use crate::web::error::{ApiError, ApiResult};
use crate::web::metrics::Metrics;

/// What every request can reach. Nothing here outlives a request but the
/// pool and the metrics: the service keeps its state in PostgreSQL.
pub struct AppState {
    pub pool: DbPool,
    pub jwt: Arc<JwtKeys>,
    pub config: Arc<Config>,
    pub metrics: Metrics,
    pub queries: QueryCounter,
    /// What tokens name, cached briefly (see `web::identity`).
    pub identities: crate::web::identity::Identities,
    /// `POST /auth/token`'s rate limits and hashing pool.
    pub token_limits: crate::web::ratelimit::TokenLimits,
}

impl AppState {
    /// Builds the state: the pool (opening no connection yet) and the keys.
    pub fn new(config: Config) -> Result<AppState, String> {
        let queries = QueryCounter::default();
        let pool = crate::store::pool(
            &config.database_url,
            config.pool_size,
            config.db_timeout,
            SessionSettings {
                statement_timeout: config.statement_timeout,
                lock_timeout: config.lock_timeout,
            },
            queries.clone(),
        )?;
        let jwt = JwtKeys::from_config(&config.jwt)?;
        Ok(AppState {
            pool,
            jwt: Arc::new(jwt),
            metrics: Metrics::new(),
            queries,
            identities: Default::default(),
            token_limits: crate::web::ratelimit::TokenLimits::new(
                config.auth_rate_per_client,
                config.auth_rate_per_address,
            ),
            config: Arc::new(config),
        })
    }

    /// A connection: the request's own when it runs in one transaction (an
    /// idempotent `POST`), else a pooled one; 503 when the database cannot
    /// be reached in time.
    pub async fn conn(&self) -> ApiResult<Conn> {
        Conn::get(&self.pool).await.map_err(|e| match e {
            ConnError::Pool(e) => ApiError::from(e),
            ConnError::Busy => ApiError::Internal(
                "a handler asked for a second connection while holding its request's one".into(),
            ),
        })
    }
}

fn collect_api<T>(app: utoipa_actix_web::UtoipaApp<T>) -> utoipa_actix_web::UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.openapi(openapi::ApiDoc::openapi())
        .configure(crate::resources::routes::operations)
        .configure(crate::resources::routes::api)
}

/// The OpenAPI document, built from the code alone (no database needed).
pub fn openapi() -> serde_json::Value {
    openapi_document().clone()
}

fn openapi_document() -> &'static serde_json::Value {
    static SPEC: OnceLock<serde_json::Value> = OnceLock::new();
    SPEC.get_or_init(|| {
        let (_, spec) = collect_api(App::new().into_utoipa_app()).split_for_parts();
        let mut doc = serde_json::to_value(&spec).expect("the OpenAPI document serialises");
        openapi::complete(&mut doc);
        doc
    })
}

/// The OpenAPI document as pretty JSON, as committed in `openapi/openapi.json`.
pub fn openapi_json_text() -> &'static str {
    static TEXT: OnceLock<String> = OnceLock::new();
    TEXT.get_or_init(|| {
        serde_json::to_string_pretty(openapi_document()).expect("the OpenAPI document serialises")
            + "\n"
    })
}

/// The OpenAPI document
///
/// This API's contract as OpenAPI 3.1 JSON. No token needed.
#[utoipa::path(
    tag = "health",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object))
)]
#[get("/openapi.json")]
pub async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(openapi_json_text())
}

/// One documented path: its segments, and per method the query parameters
/// its operation documents.
struct DocumentedPath {
    segments: Vec<String>,
    operations: Vec<(&'static str, Vec<String>)>,
}

/// The documented path a concrete path falls under (the template with the
/// most literal segments wins, so `/plans/export` beats `/plans/{id}`).
fn documented_path(path: &str) -> Option<&'static DocumentedPath> {
    static PATHS: OnceLock<Vec<DocumentedPath>> = OnceLock::new();
    let paths = PATHS.get_or_init(|| {
        let doc = openapi_document();
        let mut out = Vec::new();
        for (template, item) in doc["paths"].as_object().into_iter().flatten() {
            let mut operations = Vec::new();
            for (m, name) in [
                ("get", "GET"),
                ("post", "POST"),
                ("put", "PUT"),
                ("patch", "PATCH"),
                ("delete", "DELETE"),
            ] {
                let Some(op) = item.get(m) else { continue };
                let query: Vec<String> = op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter(|p| p["in"] == "query")
                    .filter_map(|p| p["name"].as_str().map(String::from))
                    .collect();
                if m == "get" {
                    operations.push(("HEAD", query.clone()));
                }
                operations.push((name, query));
            }
            let segments = template
                .trim_matches('/')
                .split('/')
                .map(String::from)
                .collect();
            out.push(DocumentedPath {
                segments,
                operations,
            });
        }
        out
    });
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let mut best: Option<(usize, &DocumentedPath)> = None;
    for candidate in paths {
        if candidate.segments.len() != segments.len() {
            continue;
        }
        let mut literal = 0;
        let fits = candidate.segments.iter().zip(&segments).all(|(t, s)| {
            if t.starts_with('{') {
                !s.is_empty()
            } else {
                literal += usize::from(t == s);
                t == s
            }
        });
        if fits && best.is_none_or(|(l, _)| literal > l) {
            best = Some((literal, candidate));
        }
    }
    best.map(|(_, p)| p)
}

/// The methods the OpenAPI document lists for a concrete path (with `HEAD`
/// wherever `GET` is); empty when no documented path matches.
pub(crate) fn methods_for(path: &str) -> Vec<&'static str> {
    documented_path(path)
        .map(|p| p.operations.iter().map(|(m, _)| *m).collect())
        .unwrap_or_default()
}

/// The 400 for a query parameter the operation does not document. The
/// OpenAPI document is generated from the parsers, so every operation, list
/// or not, refuses what its clients were never told about instead of
/// ignoring it (a `breakdown` on a target's `PUT` would otherwise write the
/// whole population's target).
pub(crate) fn undocumented_query(method: &str, path: &str, query: &str) -> Option<ApiError> {
    if query.is_empty() {
        return None;
    }
    let (_, accepted) = documented_path(path)?
        .operations
        .iter()
        .find(|(m, _)| *m == method)?;
    let Ok(pairs) = serde_urlencoded::from_str::<Vec<(String, String)>>(query) else {
        return Some(ApiError::InvalidQuery(
            "the query string is malformed".into(),
        ));
    };
    let unknown = pairs.iter().find(|(k, _)| !accepted.contains(k))?;
    Some(ApiError::InvalidQuery(if accepted.is_empty() {
        format!(
            "unknown query parameter {:?}; this operation takes no query parameters",
            unknown.0
        )
    } else {
        format!(
            "unknown query parameter {:?}; this operation accepts: {}",
            unknown.0,
            accepted.join(", ")
        )
    }))
}

/// The 405 for a documented path asked with a method it does not list.
fn method_not_allowed(req: &HttpRequest) -> Option<ApiError> {
    let mut methods = methods_for(req.path());
    if methods.is_empty() || methods.contains(&req.method().as_str()) {
        return None;
    }
    methods.push("OPTIONS");
    Some(ApiError::MethodNotAllowed(methods.join(", ")))
}

/// Whatever no route took: a 405 with `Allow` for a documented path asked
/// with another method (an `OPTIONS` is answered with `Allow`), else a 404.
async fn no_route(req: HttpRequest) -> ApiResult<HttpResponse> {
    match method_not_allowed(&req) {
        Some(ApiError::MethodNotAllowed(allow))
            if req.method() == actix_web::http::Method::OPTIONS =>
        {
            Ok(HttpResponse::NoContent()
                .insert_header((actix_web::http::header::ALLOW, allow))
                .finish())
        }
        Some(err) => Err(err),
        None => Err(ApiError::NotFound(format!("no resource at {}", req.path()))),
    }
}

fn cors(config: &Config) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            actix_web::http::header::ACCEPT,
            actix_web::http::header::AUTHORIZATION,
            actix_web::http::header::CONTENT_TYPE,
            actix_web::http::header::IF_MATCH,
            actix_web::http::header::IF_NONE_MATCH,
            actix_web::http::header::HeaderName::from_static("prefer"),
            crate::web::middleware::REQUEST_ID,
            crate::web::idempotency::IDEMPOTENCY_KEY,
        ])
        // Every header of the contract that a browser client may need to read.
        .expose_headers([
            actix_web::http::header::ALLOW,
            actix_web::http::header::ETAG,
            actix_web::http::header::LOCATION,
            actix_web::http::header::LINK,
            actix_web::http::header::RETRY_AFTER,
            actix_web::http::header::WWW_AUTHENTICATE,
            crate::web::middleware::REQUEST_ID,
            crate::web::idempotency::IDEMPOTENT_REPLAYED,
            actix_web::http::header::HeaderName::from_static("preference-applied"),
        ])
        .max_age(3600);
    for origin in &config.cors_origins {
        cors = if origin == "*" {
            cors.allow_any_origin()
        } else {
            cors.allowed_origin(origin)
        };
    }
    cors
}

/// The whole HTTP application.
pub fn build_app(
    state: actix_web::web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let cors = cors(&state.config);
    let app = App::new()
        .app_data(state)
        .app_data(actix_web::web::PayloadConfig::new(
            crate::web::http::BODY_LIMIT,
        ))
        .app_data(
            actix_web::web::JsonConfig::default()
                .limit(crate::web::http::BODY_LIMIT)
                .error_handler(|err, _| {
                    ApiError::MalformedJson(format!("the body is not valid JSON: {err}")).into()
                }),
        )
        .app_data(
            actix_web::web::PathConfig::default().error_handler(|_, req| {
                // `/indicators/values` also fits `/indicators/{id}`: a method the
                // literal path lacks is a 405 there, not a malformed id.
                match method_not_allowed(req) {
                    Some(err) => err.into(),
                    None => ApiError::BadRequest(format!(
                        "{} has a malformed id (ids are UUIDs)",
                        req.path()
                    ))
                    .into(),
                }
            }),
        )
        .app_data(
            actix_web::web::QueryConfig::default().error_handler(|err, _| {
                ApiError::InvalidQuery(format!("the query string is malformed: {err}")).into()
            }),
        );
    let (app, _) = collect_api(app.into_utoipa_app()).split_for_parts();
    // The docs page and its assets are served from inside the binary
    // (utoipa-swagger-ui's vendored build): partner networks often block CDNs.
    let docs = utoipa_swagger_ui::Config::from("/api/v1/openapi.json").validator_url("none");
    app.service(SwaggerUi::new("/docs/{_:.*}").config(docs))
        .service(actix_web::web::redirect("/docs", "/docs/"))
        .default_service(actix_web::web::to(no_route))
        // Innermost: what `POST /batch` dispatches meets the routes alone,
        // inside the batch's (or its idempotent request's) transaction.
        .wrap(crate::web::dispatch::Dispatcher)
        .wrap(from_fn(crate::web::idempotency::idempotency))
        // Outside CORS, so that a refused preflight is a problem too.
        .wrap(cors)
        .wrap(from_fn(crate::web::middleware::observe))
        .wrap(Logger::new(
            "%a \"%r\" %s %b %Dms request_id=%{x-request-id}o client_request_id=%{x-request-id}i",
        ))
}
