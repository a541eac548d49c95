//! The audit trail over HTTP: `GET /api/v1/audit` and each resource's
//! `GET /{collection}/{id}/history`.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::resources::write::Record;
use crate::store::audit::{self, AuditRow};
use crate::store::listing::{Filter, FilterKind, ListParams, ListSpec, SortField, SortType};
use crate::web::auth::{AuthUser, Role};
use crate::web::error::{ApiResult, ErrorBody};
use crate::{page_schema, AppState};

/// One change, as the audit trail recorded it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    pub id: Uuid,
    /// When the change was committed.
    pub at: DateTime<Utc>,
    /// The `sub` of the token that made it (`cli`, `demo` for the command line and the demo loader).
    pub actor_sub: String,
    /// The organisation code of that token.
    pub actor_org: Option<String>,
    /// The role of that token.
    pub role: Option<String>,
    /// `create`, `update`, `archive`, `restore`, `status`, `value`, ...
    pub action: String,
    /// e.g. `organisation`, `milestone`.
    pub entity_type: String,
    pub entity_id: Uuid,
    /// The record before the change (null for a creation).
    pub before: Option<serde_json::Value>,
    /// The record after the change.
    pub after: Option<serde_json::Value>,
    /// The server's id of the request that made it (the `X-Request-Id`
    /// of its response).
    pub request_id: Option<String>,
    /// The `X-Request-Id` the client sent with that request, if any: kept
    /// beside the server's id, never in its place.
    pub client_request_id: Option<String>,
    /// Why an admin made the change past a closed reporting cycle's
    /// period lock, or reopened a cycle; null otherwise.
    pub reason: Option<String>,
}

page_schema!(AuditPage, AuditEntry);

impl From<AuditRow> for AuditEntry {
    fn from(r: AuditRow) -> Self {
        AuditEntry {
            id: r.id,
            at: r.at,
            actor_sub: r.actor_sub,
            actor_org: r.actor_org,
            role: r.role,
            action: r.action,
            entity_type: r.entity_type,
            entity_id: r.entity_id,
            before: r.before,
            after: r.after,
            request_id: r.request_id,
            client_request_id: r.client_request_id,
            reason: r.reason,
        }
    }
}

const SORTS: &[SortField] = &[SortField::new("at", "audit_log.at", SortType::Timestamp)];

pub(crate) const AUDIT: ListSpec = ListSpec {
    table: "audit_log",
    filters: &[
        Filter::new("entity_type", FilterKind::Text("audit_log.entity_type")),
        Filter::new("entity_id", FilterKind::Uuid("audit_log.entity_id")),
        Filter::new("actor_sub", FilterKind::Text("audit_log.actor_sub")),
        Filter::new("action", FilterKind::Text("audit_log.action")),
        Filter::new("from", FilterKind::TimeFrom("audit_log.at")),
        Filter::new("to", FilterKind::TimeTo("audit_log.at")),
    ],
    sorts: SORTS,
    default_sort: "-at",
    archivable: false,
};

pub(crate) const HISTORY: ListSpec = ListSpec {
    table: "audit_log",
    filters: &[],
    sorts: SORTS,
    default_sort: "at",
    archivable: false,
};

/// Query of `GET /audit`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct AuditQuery {
    /// Page size, 1–500 (default 50).
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// `at` or `-at` (default `-at`, newest first).
    sort: Option<String>,
    /// Any of these entity types (comma-separated), e.g. `organisation`.
    entity_type: Option<String>,
    /// Any of these record ids (comma-separated).
    entity_id: Option<String>,
    /// Any of these actors (token `sub`, comma-separated).
    actor_sub: Option<String>,
    /// Any of these actions (comma-separated).
    action: Option<String>,
    /// Entries at or after this date (`YYYY-MM-DD`) or RFC 3339 time.
    from: Option<String>,
    /// Entries up to the end of this date, or at or before this RFC 3339 time.
    to: Option<String>,
}

/// Query of a record's history.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct HistoryQuery {
    /// Page size, 1–500 (default 50).
    limit: Option<i64>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// `at` (default, oldest first) or `-at`.
    sort: Option<String>,
}

async fn audit_response(
    req: &HttpRequest,
    state: &AppState,
    mut p: ListParams,
    entity: Option<(&str, Uuid)>,
) -> ApiResult<HttpResponse> {
    if let Some((ty, id)) = entity {
        p.add_condition(
            crate::store::sql::DynSql::raw("audit_log.entity_type = ")
                .bind(ty)
                .sql(" AND audit_log.entity_id = ")
                .bind(id.to_string())
                .sql("::uuid"),
        );
    }
    let mut conn = state.conn().await?;
    let (rows, total) = audit::list(&mut conn, &p).await?;
    let items: Vec<AuditEntry> = rows.into_iter().map(AuditEntry::from).collect();
    Ok(p.page(items, total)?.respond(req))
}

/// The history page of one record of type `R` (404 when there is no such record).
pub async fn history_page<R: Record>(
    req: &HttpRequest,
    state: &AppState,
    id: Uuid,
) -> ApiResult<HttpResponse> {
    let p = crate::web::page::list_params(req, HISTORY)?;
    {
        let mut conn = state.conn().await?;
        R::load(&mut conn, id).await?;
    }
    audit_response(req, state, p, Some((R::ENTITY, id))).await
}

/// Search the audit trail
///
/// Editors and admins. Every change to every record, newest first.
#[utoipa::path(
    tag = "audit",
    params(AuditQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of audit entries", body = AuditPage),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
        (status = 403, description = "Not an editor or admin", body = ErrorBody),
    )
)]
#[get("/audit")]
pub async fn list_audit(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Editor)?;
    let p = crate::web::page::list_params(&req, AUDIT)?;
    audit_response(&req, &state, p, None).await
}
