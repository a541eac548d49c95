//! `/api/v1/reporting-cycles`: a plan's reporting cycle for a quarter or a
//! year, `open` -> `closed` -> `signed_off`, and the period lock a cycle
//! that is not open puts on its plan's values, commentary and progress
//! updates for that period (409 `period_locked`; an admin may write past
//! it by giving `?reason=`, which the audit trail keeps).

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::period::{Period, PeriodType};
use crate::resources::plans::{plan_refs, PlanRef};
use crate::resources::write::{self, Record};
use crate::store::listing::{Filter, FilterKind, ListSpec, SortField, SortType};
use crate::store::reporting::{self as db, CycleRow, Scope};
use crate::web::auth::{AuthUser, Role};
use crate::web::error::{ApiError, ApiResult, ErrorBody};
use crate::web::http::{
    created_record, new_id, ok_record, Actor, ApiJson, Ctx, OptionalIfMatch, Versioned,
};
use crate::web::validate::Errors;
use crate::{page_schema, vocab, AppState};

vocab! {
    /// Where a reporting cycle stands.
    CycleStatus {
        /// Contributors are reporting; nothing is locked.
        Open = "open",
        /// Reporting is over: the period's values, commentary and progress
        /// updates of the plan are locked.
        Closed = "closed",
        /// The report is approved; still locked.
        SignedOff = "signed_off",
    }
}

/// A plan's reporting cycle for one period.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ReportingCycle {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub plan: PlanRef,
    /// The quarter or financial year reported on.
    pub period: Period,
    /// When contributions are due.
    pub due_on: NaiveDate,
    pub status: CycleStatus,
    /// When it was last closed; null while open.
    pub closed_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
}

page_schema!(ReportingCyclePage, ReportingCycle);

impl Versioned for ReportingCycle {
    fn version(&self) -> i32 {
        self.version
    }
}

impl Record for ReportingCycle {
    const TABLE: &'static str = "reporting_cycles";
    const ENTITY: &'static str = "reporting_cycle";

    async fn load(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Self> {
        let row = db::find(conn, id)
            .await
            .map_err(|e| crate::web::error::not_found(e, "reporting cycle", id))?;
        Ok(to_dtos(conn, vec![row]).await?.remove(0))
    }

    async fn load_locked(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Self> {
        let row = db::find_for_update(conn, id)
            .await
            .map_err(|e| crate::web::error::not_found(e, "reporting cycle", id))?;
        Ok(to_dtos(conn, vec![row]).await?.remove(0))
    }

    fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

async fn to_dtos(
    conn: &mut AsyncPgConnection,
    rows: Vec<CycleRow>,
) -> ApiResult<Vec<ReportingCycle>> {
    let plans = plan_refs(conn, rows.iter().map(|r| r.plan_id)).await?;
    rows.into_iter()
        .map(|r| {
            Ok(ReportingCycle {
                plan: plans
                    .get(&r.plan_id)
                    .cloned()
                    .ok_or_else(|| ApiError::Internal("a cycle without its plan".into()))?,
                period: crate::resources::stored_period(&r.period)?,
                status: CycleStatus::from_db(&r.status)?,
                id: r.id,
                plan_id: r.plan_id,
                due_on: r.due_on,
                closed_at: r.closed_at,
                created_at: r.created_at,
                updated_at: r.updated_at,
                version: r.version,
                archived_at: r.archived_at,
            })
        })
        .collect()
}

/// A new reporting cycle.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewReportingCycle {
    pub plan_id: Uuid,
    /// A financial quarter (`FY2009-10-Q2`) or year (`FY2009-10`); one
    /// cycle per plan and period.
    #[schema(example = "FY2009-10-Q2")]
    pub period: String,
    /// When contributions are due.
    #[schema(example = "2009-10-15")]
    pub due_on: NaiveDate,
}

/// Why an admin reopens a cycle.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReopenCycle {
    /// Why, 1 to 500 characters; the audit trail keeps it.
    #[schema(example = "Q2 NI60 figure corrected by the PCT after the board")]
    pub reason: String,
}

/// Filters of `GET /reporting-cycles`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct CycleFilters {
    /// Of any of these plans (comma-separated ids).
    plan_id: Option<String>,
    /// Any of these statuses (comma-separated).
    status: Option<String>,
    /// Any of these period codes (comma-separated).
    period: Option<String>,
}

pub(crate) const LIST: ListSpec = ListSpec {
    table: "reporting_cycles",
    filters: &[
        Filter::new("plan_id", FilterKind::Uuid("reporting_cycles.plan_id")),
        Filter::new(
            "status",
            FilterKind::Vocab("reporting_cycles.status", CycleStatus::WORDS),
        ),
        Filter::new("period", FilterKind::Text("reporting_cycles.period")),
    ],
    sorts: &[
        SortField::new(
            "period_starts_on",
            "reporting_cycles.period_starts_on",
            SortType::Date,
        ),
        SortField::new("due_on", "reporting_cycles.due_on", SortType::Date),
    ],
    default_sort: "-period_starts_on",
    archivable: true,
};

/// List reporting cycles
///
/// Every role may read. Sort on `period_starts_on` (default, newest first)
/// or `due_on`.
#[utoipa::path(
    tag = "reporting",
    params(crate::resources::ListQuery, CycleFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of cycles", body = ReportingCyclePage,
         headers(("Link" = String, description = "`<...>; rel=\"next\"` when there is a next page"))),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
    )
)]
#[get("")]
pub async fn list_reporting_cycles(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let p = crate::web::page::list_params(&req, LIST)?;
    let mut conn = state.conn().await?;
    let (rows, total) = db::list(&mut conn, &p).await?;
    let items = to_dtos(&mut conn, rows).await?;
    Ok(p.page(items, total)?.respond(&req))
}

/// Get a reporting cycle
///
/// Every role may read.
#[utoipa::path(
    tag = "reporting",
    params(("id" = Uuid, Path, description = "Cycle id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The cycle", body = ReportingCycle, headers(("ETag" = String))),
        (status = 404, description = "No such cycle", body = ErrorBody),
    )
)]
#[get("/{id}")]
pub async fn get_reporting_cycle(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut conn = state.conn().await?;
    Ok(ok_record(&ReportingCycle::load(&mut conn, *id).await?))
}

/// Open a reporting cycle
///
/// Editors and admins. Opens the cycle of a plan for a financial quarter
/// or year, with the date contributions are due. One per plan and period
/// (409 otherwise).
#[utoipa::path(
    tag = "reporting",
    request_body = NewReportingCycle,
    params(crate::resources::IdempotencyHeader),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Opened", body = ReportingCycle, headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 409, description = "The plan already has a cycle for this period", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields: an unknown plan, a period that is not a financial quarter or year", body = ErrorBody),
    )
)]
#[post("")]
pub async fn create_reporting_cycle(
    ctx: Ctx,
    state: web::Data<AppState>,
    body: ApiJson<NewReportingCycle>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let body = body.0;
    let mut errors = Errors::new();
    let period = match Period::parse(&body.period) {
        Ok(p)
            if matches!(
                p.r#type,
                PeriodType::FinancialQuarter | PeriodType::FinancialYear
            ) =>
        {
            Some(p)
        }
        Ok(_) => {
            errors.rule(
                "/period",
                "a cycle covers a financial quarter or a financial year",
            );
            None
        }
        Err(e) if e.is_rule() => {
            errors.rule("/period", e.to_string());
            None
        }
        Err(e) => {
            errors.add("/period", e.to_string());
            None
        }
    };
    if !crate::web::validate::sensible_date(body.due_on) {
        errors.rule("/due_on", crate::web::validate::DATE_RANGE_MESSAGE);
    }
    let mut conn = state.conn().await?;
    if plan_refs(&mut conn, [body.plan_id]).await?.is_empty() {
        errors.unknown("/plan_id", "no plan has this id");
    }
    errors.finish()?;
    let period = period.ok_or_else(|| ApiError::Internal("period checked above".into()))?;
    let cycle = write::create::<ReportingCycle, _>(&mut conn, &ctx.actor(), move |conn| {
        Box::pin(async move {
            db::insert(
                conn,
                &db::NewCycleRow {
                    id: new_id(),
                    plan_id: body.plan_id,
                    period: &period.code,
                    period_starts_on: period.starts_on,
                    period_ends_on: period.ends_on,
                    due_on: body.due_on,
                },
            )
            .await
            .map_err(|e| {
                crate::web::error::or_duplicate(e, || {
                    format!(
                        "this plan already has a reporting cycle for {}",
                        period.code
                    )
                })
            })
        })
    })
    .await?;
    Ok(created_record(
        format!("/api/v1/reporting-cycles/{}", cycle.id),
        &cycle,
    ))
}

pub(crate) async fn move_to(
    conn: &mut AsyncPgConnection,
    actor: &Actor,
    id: Uuid,
    if_match: Option<&crate::web::http::IfMatch>,
    from: &'static [CycleStatus],
    to: CycleStatus,
) -> ApiResult<ReportingCycle> {
    write::change_returning::<ReportingCycle, _>(
        conn,
        actor,
        id,
        if_match,
        "status",
        move |conn, before| {
            Box::pin(async move {
                if before.archived_at.is_some() {
                    return Err(ApiError::Conflict("the cycle is archived".into()));
                }
                if !from.contains(&before.status) {
                    return Err(ApiError::Conflict(format!(
                        "the cycle is {}; only a cycle that is {} can become {}",
                        before.status.as_str(),
                        from.iter()
                            .map(|s| s.as_str())
                            .collect::<Vec<_>>()
                            .join(" or "),
                        to.as_str()
                    )));
                }
                let row = db::set_status(conn, id, before.version, to.as_str())
                    .await
                    .map_err(write::changed_meanwhile)?;
                Ok(Some(to_dtos(conn, vec![row]).await?.remove(0)))
            })
        },
    )
    .await
}

/// Close a reporting cycle
///
/// Editors and admins. Ends reporting: from now on the period's values,
/// commentary and progress updates of the plan's indicators, milestones
/// and improvement actions answer 409 `period_locked` (an admin may still
/// write, giving `?reason=`). `If-Match` is checked when given.
#[utoipa::path(
    tag = "reporting",
    params(("id" = Uuid, Path, description = "Cycle id"), crate::resources::OptionalIfMatchHeader, crate::resources::IdempotencyHeader),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Closed", body = ReportingCycle, headers(("ETag" = String))),
        (status = 404, description = "No such cycle", body = ErrorBody),
        (status = 409, description = "The cycle is not open", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
    )
)]
#[post("/{id}/close")]
pub async fn close_reporting_cycle(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: OptionalIfMatch,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let mut conn = state.conn().await?;
    let cycle = move_to(
        &mut conn,
        &ctx.actor(),
        *id,
        if_match.0.as_ref(),
        &[CycleStatus::Open],
        CycleStatus::Closed,
    )
    .await?;
    Ok(ok_record(&cycle))
}

/// Reopen a reporting cycle
///
/// Admin only, with a reason (kept in the audit trail). A closed or
/// signed-off cycle becomes open and its period is unlocked; a sign-off's
/// snapshot, if any, stays as it was. `If-Match` is checked when given.
#[utoipa::path(
    tag = "reporting",
    request_body = ReopenCycle,
    params(("id" = Uuid, Path, description = "Cycle id"), crate::resources::OptionalIfMatchHeader, crate::resources::IdempotencyHeader),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Reopened", body = ReportingCycle, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 404, description = "No such cycle", body = ErrorBody),
        (status = 409, description = "The cycle is already open", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "No reason", body = ErrorBody),
    )
)]
#[post("/{id}/reopen")]
pub async fn reopen_reporting_cycle(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: OptionalIfMatch,
    body: ApiJson<ReopenCycle>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Admin)?;
    let mut errors = Errors::new();
    errors.text("/reason", &body.reason, 500);
    errors.finish()?;
    let mut actor = ctx.actor();
    actor.reason = Some(body.reason.trim().to_string());
    let mut conn = state.conn().await?;
    let cycle = move_to(
        &mut conn,
        &actor,
        *id,
        if_match.0.as_ref(),
        &[CycleStatus::Closed, CycleStatus::SignedOff],
        CycleStatus::Open,
    )
    .await?;
    Ok(ok_record(&cycle))
}

crate::archive_handlers! {
    module: archive,
    record: ReportingCycle, tag: "reporting", id: "Cycle id", write: Admin, read: Viewer,
    archive: delete_reporting_cycle, "Archive a reporting cycle" + "An archived cycle locks nothing.",
    restore: restore_reporting_cycle, "Restore an archived reporting cycle",
    history: reporting_cycle_history, "History of a reporting cycle",
    writers: "Admin only.", readers: "Every role may read.",
}

/// `?reason=` on a write a closed reporting cycle may lock.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct LockOverride {
    /// Admins only: why this change is made although the period's
    /// reporting cycle is closed (1 to 500 characters; the audit trail
    /// keeps it). Without it a locked period answers 409 `period_locked`.
    reason: Option<String>,
}

/// What a write brings to the period locks: who writes, and the reason
/// (`?reason=`) an admin may give to pass one.
#[derive(Debug, Clone)]
pub struct LockPass {
    user: AuthUser,
    reason: Option<String>,
}

impl LockPass {
    /// The caller and the `reason` of the request's query string, if any.
    pub fn of(req: &HttpRequest, user: &AuthUser) -> ApiResult<LockPass> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string())
            .map_err(|_| ApiError::InvalidQuery("the query string is malformed".into()))?;
        Ok(LockPass {
            user: user.clone(),
            reason: pairs
                .into_iter()
                .find(|(k, _)| k == "reason")
                .map(|(_, v)| v),
        })
    }

    /// Refuses a write to `period` of what `scope` belongs to while one of
    /// its plans' cycles for that period is not open, unless an admin gives
    /// a reason; the reason then goes into `actor`, for the audit trail.
    /// One statement.
    pub async fn check(
        &self,
        conn: &mut AsyncPgConnection,
        scope: Scope,
        period: &Period,
        actor: &mut Actor,
    ) -> ApiResult<()> {
        match db::lock_on(conn, scope, period.starts_on, period.ends_on).await? {
            Some(lock) => self.pass(&lock.plan_code, &lock.period, &lock.status, actor),
            None => Ok(()),
        }
    }

    /// Whether this write may pass a lock of `plan_code`'s `period` cycle
    /// (in `status`): an admin's with a reason may, and the reason goes into
    /// `actor`; anyone else's is refused with `period_locked`.
    pub fn pass(
        &self,
        plan_code: &str,
        period: &str,
        status: &str,
        actor: &mut Actor,
    ) -> ApiResult<()> {
        let admin = self.user.role == Role::Admin;
        match self
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
        {
            Some(r) if admin && r.chars().count() <= 500 => {
                actor.reason = Some(r.to_string());
                Ok(())
            }
            Some(r) if admin => Err(ApiError::InvalidQuery(format!(
                "reason is {} characters; at most 500",
                r.chars().count()
            ))),
            _ => Err(ApiError::PeriodLocked(format!(
                "the {period} reporting cycle of plan {plan_code} is {}, so its period is locked{}",
                status.replace('_', " "),
                if admin {
                    "; give ?reason= to change it all the same"
                } else {
                    "; an admin may change it, giving a reason"
                }
            ))),
        }
    }
}
