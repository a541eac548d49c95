//! trustplan: a JSON API for the plans and performance of a Children's
//! Trust partnership.
//!
//! `build_app` assembles the whole HTTP application from an [`AppState`]; the
//! binary (`main.rs`) and the integration tests both use it.

pub mod api;
pub mod auth;
pub mod config;
pub mod db;
pub mod demo;
pub mod domain;
pub mod error;
pub mod http;
pub mod idempotency;
pub mod list;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod validate;
pub mod vocab;

use std::sync::{Arc, OnceLock};

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::middleware::{from_fn, Logger};
use actix_web::{get, web, App, HttpRequest, HttpResponse};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;
use utoipa_scalar::{Scalar, Servable};

use crate::auth::JwtKeys;
use crate::config::Config;
use crate::db::{DbConn, DbPool, QueryCounter};
use crate::error::{ApiError, ApiResult};
use crate::metrics::Metrics;

/// What every request can reach. Nothing here outlives a request but the
/// pool and the metrics: the service keeps its state in PostgreSQL.
pub struct AppState {
    pub pool: DbPool,
    pub jwt: Arc<JwtKeys>,
    pub config: Arc<Config>,
    pub metrics: Metrics,
    pub queries: QueryCounter,
}

impl AppState {
    /// Builds the state: the pool (opening no connection yet) and the keys.
    pub fn new(config: Config) -> Result<AppState, String> {
        let queries = QueryCounter::default();
        let pool = db::pool(
            &config.database_url,
            config.pool_size,
            config.db_timeout,
            queries.clone(),
        )?;
        let jwt = JwtKeys::from_config(&config.jwt)?;
        Ok(AppState {
            pool,
            jwt: Arc::new(jwt),
            config: Arc::new(config),
            metrics: Metrics::new(),
            queries,
        })
    }

    /// A pooled connection; 503 when the database cannot be reached in time.
    pub async fn conn(&self) -> ApiResult<DbConn> {
        self.pool.get().await.map_err(ApiError::from)
    }
}

fn collect_api<T>(app: utoipa_actix_web::UtoipaApp<T>) -> utoipa_actix_web::UtoipaApp<T>
where
    T: ServiceFactory<ServiceRequest, Config = (), Error = actix_web::Error, InitError = ()>,
{
    app.openapi(openapi::ApiDoc::openapi())
        .configure(api::health::configure)
        .configure(api::configure)
}

/// The OpenAPI document, built from the code alone (no database needed).
pub fn openapi() -> utoipa::openapi::OpenApi {
    static SPEC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    SPEC.get_or_init(|| {
        let (_, mut spec) = collect_api(App::new().into_utoipa_app()).split_for_parts();
        openapi::ProblemResponses.modify(&mut spec);
        spec
    })
    .clone()
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
    HttpResponse::Ok().json(openapi())
}

async fn no_route(req: HttpRequest) -> ApiResult<HttpResponse> {
    Err(ApiError::NotFound(format!("no resource at {}", req.path())))
}

fn cors(config: &Config) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            actix_web::http::header::AUTHORIZATION,
            actix_web::http::header::CONTENT_TYPE,
            actix_web::http::header::IF_MATCH,
            middleware::REQUEST_ID,
            idempotency::IDEMPOTENCY_KEY,
        ])
        .expose_headers([
            actix_web::http::header::ETAG,
            actix_web::http::header::LOCATION,
            actix_web::http::header::LINK,
            actix_web::http::header::RETRY_AFTER,
            middleware::REQUEST_ID,
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
    state: web::Data<AppState>,
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
        .app_data(web::PayloadConfig::new(http::BODY_LIMIT))
        .app_data(
            web::JsonConfig::default()
                .limit(http::BODY_LIMIT)
                .error_handler(|err, _| {
                    ApiError::MalformedJson(format!("the body is not valid JSON: {err}")).into()
                }),
        )
        .app_data(web::PathConfig::default().error_handler(|_, req| {
            ApiError::BadRequest(format!("{} has a malformed id (ids are UUIDs)", req.path()))
                .into()
        }))
        .app_data(web::QueryConfig::default().error_handler(|err, _| {
            ApiError::InvalidQuery(format!("the query string is malformed: {err}")).into()
        }));
    let (app, _) = collect_api(app.into_utoipa_app()).split_for_parts();
    app.service(Scalar::with_url("/docs", openapi()))
        .default_service(web::to(no_route))
        .wrap(from_fn(idempotency::idempotency))
        .wrap(from_fn(middleware::observe))
        .wrap(cors)
        .wrap(Logger::new(
            "%a \"%r\" %s %b %Dms request_id=%{x-request-id}o",
        ))
}
