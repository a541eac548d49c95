//! Liveness, readiness and metrics: no token needed.

use actix_web::{get, web, HttpResponse};
use diesel_async::RunQueryDsl;
use serde::Serialize;
use utoipa::ToSchema;

use crate::web::error::{ApiError, ApiResult, ErrorBody};
use crate::AppState;

/// Health state.
#[derive(Debug, Serialize, ToSchema)]
pub struct Health {
    /// `ok`.
    pub status: String,
}

/// Liveness
///
/// 200 while the process serves HTTP; says nothing about the database.
#[utoipa::path(tag = "health", responses((status = 200, description = "The process is up", body = Health)))]
#[get("/health/live")]
pub async fn health_live() -> HttpResponse {
    HttpResponse::Ok().json(Health {
        status: "ok".into(),
    })
}

/// Readiness
///
/// 200 when the database answers; 503 (with `Retry-After`) when it does not.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, description = "Ready to serve", body = Health),
        (status = 503, description = "The database is unavailable", body = ErrorBody),
    )
)]
#[get("/health/ready")]
pub async fn health_ready(state: web::Data<AppState>) -> ApiResult<HttpResponse> {
    let mut conn = state.conn().await?;
    diesel::sql_query("SELECT 1")
        .execute(&mut conn)
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))?;
    Ok(HttpResponse::Ok().json(Health {
        status: "ok".into(),
    }))
}

/// Metrics
///
/// Prometheus text: `trustplan_http_requests_total{method,route,status}`,
/// `trustplan_http_request_duration_seconds{method,route}`, pool gauges
/// (`trustplan_db_pool_*`) and `trustplan_db_queries_total`.
#[utoipa::path(
    tag = "health",
    responses((status = 200, description = "Prometheus text exposition", body = String, content_type = "text/plain"))
)]
#[get("/metrics")]
pub async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render(&state.pool, &state.queries))
}
