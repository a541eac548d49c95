//! `/api/v1/objectives`: service objectives (and CYPP promises) with their
//! priority links, risk scores, milestone roll-up and risk register
//! (`/objectives/{id}/risks`, `/risks/{id}`).

pub mod reviews;
pub mod risks;
pub mod updates;

pub use reviews::*;
pub use risks::*;
pub use updates::*;

use std::collections::HashMap;

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::deliverable::{today, DeliverableStatus, Rollup};
use crate::domain::risk::{band, RiskBand};
use crate::resources::organisations::{check_org_ids, org_refs, OrganisationRef};
use crate::resources::plans::{plan_refs, PlanRef};
use crate::resources::priorities::{priority_refs, PriorityRef, PrioritySet};
use crate::resources::write::{self, Record};
use crate::store::listing::{
    parse_date, Filter, FilterKind, ListParams, ListSpec, ManualType, SortField, SortType,
};
use crate::store::objectives::{
    self as db, risk_queries, NewObjectiveRow, NewRiskRow, ObjectiveChanges, ObjectiveRow,
    RiskChanges, RiskRow,
};
use crate::store::sql::DynSql;
use crate::web::auth::{AuthUser, Role};
use crate::web::error::not_found;
use crate::web::error::{ApiError, ApiResult, ErrorBody};
use crate::web::http::{
    created_record, new_id, ok_record, ApiJson, Ctx, IfMatch, Patch, Versioned,
};
use crate::web::validate::{sensible_date, Errors, DATE_RANGE_MESSAGE};
use crate::{page_schema, vocab, AppState};

vocab! {
    /// What kind of objective.
    ObjectiveKind {
        /// A departmental service plan objective, with milestones and risk.
        ServiceObjective = "service_objective",
        /// A numbered CYPP promise with one responsible body.
        Promise = "promise",
        /// A high-priority action from a plan's equality impact
        /// assessments, with its lead, timetable and progress updates.
        EqualityAction = "equality_action",
    }
}

/// A short reference to an objective.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ObjectiveRef {
    pub id: Uuid,
    pub code: String,
    pub title: String,
}

/// A service objective or promise.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Objective {
    pub id: Uuid,
    pub plan_id: Uuid,
    pub plan: PlanRef,
    /// Unique within its plan, e.g. `SS1`, `P7`.
    pub code: String,
    pub kind: ObjectiveKind,
    pub title: String,
    pub description: Option<String>,
    /// The priorities it serves (corporate priority, area of focus, ECM outcome, ...).
    pub priority_ids: Vec<Uuid>,
    pub priorities: Vec<PriorityRef>,
    pub lead_organisation_id: Option<Uuid>,
    pub lead_organisation: Option<OrganisationRef>,
    /// The responsible officer's role, as written (e.g. `DM CIC`).
    pub responsible_officer: Option<String>,
    /// Legacy CYPP 2006-09 priority codes (`BH3`, `SS4`, ...), opaque: not
    /// the service objectives of the same name.
    pub cypp_priority_refs: Vec<String>,
    /// Objectives of sibling plans this one cross-refers to (`ULS1`, `PS3`, ...).
    pub cross_referenced_plan_codes: Vec<String>,
    /// Risk before treatment, 1–16 (severity x likelihood).
    pub risk_initial: Option<i32>,
    /// 1–4 `low`, 5–10 `medium`, 11–16 `high`.
    pub risk_initial_band: Option<RiskBand>,
    /// Risk after treatment, 1–16, never above the initial score.
    pub risk_residual: Option<i32>,
    pub risk_residual_band: Option<RiskBand>,
    /// For a promise: when it is due.
    pub due_on: Option<NaiveDate>,
    /// For a promise: the strategy or method that delivers it, as written.
    pub strategy_method: Option<String>,
    /// The status its progress updates report: that of its update for the
    /// latest period (`POST /objectives/{id}/updates`), `not_started` until
    /// one is posted. Read-only.
    pub status: DeliverableStatus,
    /// When its governing update says it was completed (status `complete`
    /// only).
    #[schema(required = true)]
    pub completed_on: Option<NaiveDate>,
    /// Its milestones by status, overdue as of `as_of` (default today), and the overall status.
    pub milestones: Rollup,
    /// The indicators that measure it (`GET /objectives/{id}/indicators` lists them).
    pub indicator_ids: Vec<Uuid>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
}

page_schema!(ObjectivePage, Objective);

impl Versioned for Objective {
    fn version(&self) -> i32 {
        self.version
    }
}

impl Record for Objective {
    const TABLE: &'static str = "objectives";
    const ENTITY: &'static str = "objective";

    async fn load(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Self> {
        let row = db::find(conn, id)
            .await
            .map_err(|e| not_found(e, "objective", id))?;
        Ok(to_dtos(conn, vec![row], today()).await?.remove(0))
    }

    fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

/// Short references to objectives by id, in one query.
pub async fn objective_refs(
    conn: &mut AsyncPgConnection,
    ids: impl IntoIterator<Item = Uuid>,
) -> ApiResult<HashMap<Uuid, (ObjectiveRef, ObjectiveRow)>> {
    let ids: Vec<Uuid> = ids.into_iter().collect();
    Ok(db::find_many(conn, &ids)
        .await?
        .into_iter()
        .map(|o| {
            (
                o.id,
                (
                    ObjectiveRef {
                        id: o.id,
                        code: o.code.clone(),
                        title: o.title.clone(),
                    },
                    o,
                ),
            )
        })
        .collect())
}

/// Turns rows into the API shape: six queries whatever the number of rows.
pub(crate) async fn to_dtos(
    conn: &mut AsyncPgConnection,
    rows: Vec<ObjectiveRow>,
    as_of: NaiveDate,
) -> ApiResult<Vec<Objective>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let plans = plan_refs(conn, rows.iter().map(|r| r.plan_id)).await?;
    let orgs = org_refs(conn, rows.iter().filter_map(|r| r.lead_organisation_id)).await?;
    let links = db::linked_priorities(conn, &ids).await?;
    let rollups = db::rollups(conn, &ids, as_of).await?;
    let indicator_links = crate::store::links::indicators_of_objectives(conn, &ids).await?;
    rows.into_iter()
        .map(|r| {
            let mut priorities = Vec::new();
            for l in links.iter().filter(|l| l.objective_id == r.id) {
                priorities.push(PriorityRef {
                    id: l.id,
                    set: PrioritySet::from_db(&l.set)?,
                    code: l.code.clone(),
                    title: l.title.clone(),
                });
            }
            Ok(Objective {
                kind: ObjectiveKind::from_db(&r.kind)?,
                status: DeliverableStatus::from_db(&r.status)?,
                completed_on: r.completed_on,
                plan: plans
                    .get(&r.plan_id)
                    .cloned()
                    .ok_or_else(|| ApiError::Internal("objective without plan".into()))?,
                priority_ids: priorities.iter().map(|p| p.id).collect(),
                priorities,
                lead_organisation: r.lead_organisation_id.and_then(|o| orgs.get(&o).cloned()),
                risk_initial_band: r.risk_initial.and_then(band),
                risk_residual_band: r.risk_residual.and_then(band),
                milestones: rollups.get(&r.id).cloned().unwrap_or_default(),
                indicator_ids: indicator_links
                    .iter()
                    .filter(|(o, _)| *o == r.id)
                    .map(|(_, i)| *i)
                    .collect(),
                id: r.id,
                plan_id: r.plan_id,
                code: r.code,
                title: r.title,
                description: r.description,
                lead_organisation_id: r.lead_organisation_id,
                responsible_officer: r.responsible_officer,
                cypp_priority_refs: crate::store::texts(r.cypp_priority_refs),
                cross_referenced_plan_codes: crate::store::texts(r.cross_referenced_plan_codes),
                risk_initial: r.risk_initial,
                risk_residual: r.risk_residual,
                due_on: r.due_on,
                strategy_method: r.strategy_method,
                created_at: r.created_at,
                updated_at: r.updated_at,
                version: r.version,
                archived_at: r.archived_at,
            })
        })
        .collect()
}

/// A new objective.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewObjective {
    pub plan_id: Uuid,
    /// Unique within the plan, 1–40 characters.
    #[schema(example = "SS1")]
    pub code: String,
    /// Default `service_objective`.
    #[serde(default)]
    pub kind: Option<ObjectiveKind>,
    /// At most 300 characters.
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub priority_ids: Vec<Uuid>,
    #[serde(default)]
    pub lead_organisation_id: Option<Uuid>,
    #[serde(default)]
    pub responsible_officer: Option<String>,
    #[serde(default)]
    pub cypp_priority_refs: Vec<String>,
    #[serde(default)]
    pub cross_referenced_plan_codes: Vec<String>,
    /// 1–16.
    #[serde(default)]
    pub risk_initial: Option<i32>,
    /// 1–16, not above `risk_initial`.
    #[serde(default)]
    pub risk_residual: Option<i32>,
    #[serde(default)]
    pub due_on: Option<NaiveDate>,
    #[serde(default)]
    pub strategy_method: Option<String>,
}

/// A JSON merge patch of an objective. `priority_ids` and the code lists
/// are replaced whole when given.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectivePatch {
    #[serde(default)]
    #[schema(value_type = Uuid)]
    pub plan_id: Patch<Uuid>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub code: Patch<String>,
    #[serde(default)]
    #[schema(value_type = ObjectiveKind)]
    pub kind: Patch<ObjectiveKind>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub title: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub description: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Vec<Uuid>)]
    pub priority_ids: Patch<Vec<Uuid>>,
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub lead_organisation_id: Patch<Uuid>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub responsible_officer: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub cypp_priority_refs: Patch<Vec<String>>,
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub cross_referenced_plan_codes: Patch<Vec<String>>,
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub risk_initial: Patch<i32>,
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub risk_residual: Patch<i32>,
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub due_on: Patch<NaiveDate>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub strategy_method: Patch<String>,
}

/// Checks a pair of risk scores: each 1–16, residual not above initial.
pub fn check_risk(errors: &mut Errors, initial: Option<i32>, residual: Option<i32>) {
    for (pointer, score) in [("/risk_initial", initial), ("/risk_residual", residual)] {
        if let Some(s) = score {
            if band(s).is_none() {
                errors.add(
                    pointer,
                    "must be a whole number from 1 to 16 (severity x likelihood)",
                );
            }
        }
    }
    if let (Some(i), Some(r)) = (initial, residual) {
        if r > i && band(i).is_some() && band(r).is_some() {
            errors.rule(
                "/risk_residual",
                "may not be above risk_initial: treatment lowers risk",
            );
        }
    }
}

fn check_codes(errors: &mut Errors, pointer: &str, codes: &[String]) {
    for (i, c) in codes.iter().enumerate() {
        errors.code(&format!("{pointer}/{i}"), c);
    }
}

pub(crate) async fn check_priorities(
    conn: &mut AsyncPgConnection,
    errors: &mut Errors,
    ids: &[Uuid],
) -> ApiResult<()> {
    let found = priority_refs(conn, ids).await?;
    for (i, id) in ids.iter().enumerate() {
        if !found.iter().any(|p| p.id == *id) {
            errors.unknown(&format!("/priority_ids/{i}"), "no priority has this id");
        }
    }
    Ok(())
}

fn duplicate(e: diesel::result::Error, code: &str) -> ApiError {
    crate::web::error::or_duplicate(e, || {
        format!("the plan already has an objective with code {code:?}")
    })
}

/// The risk bands, in the words of `RiskBand`, for filters on a score.
const RISK_BANDS: &[&str] = &["low", "medium", "high"];

/// Adds the condition of each band filter given: `(parameter, score column)`.
fn filter_by_bands(p: &mut ListParams, filters: [(&str, &str); 2]) -> ApiResult<()> {
    for (name, column) in filters {
        if let Some(v) = p.filter(name) {
            let cond = risk_band_condition(column, name, v)?;
            p.add_condition(cond);
        }
    }
    Ok(())
}

fn risk_band_condition(column: &str, name: &str, value: &str) -> ApiResult<DynSql> {
    let mut ranges = Vec::new();
    for word in value.split(',').map(str::trim) {
        let (lo, hi) = crate::domain::risk::RiskBand::from_word(word)
            .ok_or_else(|| {
                ApiError::InvalidQuery(format!("{name}: {word:?} is not one of low, medium, high"))
            })?
            .scores();
        ranges.push(DynSql::raw(format!("{column} BETWEEN {lo} AND {hi}")));
    }
    Ok(DynSql::any(ranges))
}

/// Filters of `GET /objectives`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ObjectiveFilters {
    /// Any of these codes (comma-separated).
    code: Option<String>,
    /// In any of these plans (comma-separated ids).
    plan_id: Option<String>,
    /// Any of these kinds (comma-separated).
    kind: Option<String>,
    /// Linked to any of these priorities (comma-separated ids).
    priority_id: Option<String>,
    /// Led by any of these organisations (comma-separated ids).
    lead_organisation_id: Option<String>,
    /// Initial risk in any of these bands: `low`, `medium`, `high` (comma-separated).
    risk_initial_band: Option<String>,
    /// Residual risk in any of these bands (comma-separated).
    risk_residual_band: Option<String>,
    /// The day the milestone roll-up counts overdue against (default today).
    as_of: Option<String>,
    /// Free text in code, title or description.
    q: Option<String>,
}

pub(crate) const LIST: ListSpec = ListSpec {
    table: "objectives",
    filters: &[
        Filter::new("code", FilterKind::Text("objectives.code")),
        Filter::new("plan_id", FilterKind::Uuid("objectives.plan_id")),
        Filter::new("kind", FilterKind::Vocab("objectives.kind", ObjectiveKind::WORDS)),
        Filter::new(
            "priority_id",
            FilterKind::UuidSql(
                "EXISTS (SELECT 1 FROM objective_priorities op WHERE op.objective_id = objectives.id \
                 AND op.priority_id = ANY($1))",
            ),
        ),
        Filter::new("lead_organisation_id", FilterKind::Uuid("objectives.lead_organisation_id")),
        Filter::new("risk_initial_band", FilterKind::Manual(ManualType::Words(RISK_BANDS))),
        Filter::new("risk_residual_band", FilterKind::Manual(ManualType::Words(RISK_BANDS))),
        Filter::new("as_of", FilterKind::Manual(ManualType::Date)),
        Filter::new(
            "q",
            FilterKind::Search(&["objectives.code", "objectives.title", "objectives.description"]),
        ),
    ],
    sorts: &[
        SortField::new("code", "objectives.code", SortType::Text),
        SortField::new("title", "objectives.title", SortType::Text),
        SortField::nullable("risk_initial", "objectives.risk_initial", SortType::Int),
        SortField::nullable("risk_residual", "objectives.risk_residual", SortType::Int),
        SortField::nullable("due_on", "objectives.due_on", SortType::Date),
        SortField::new("created_at", "objectives.created_at", SortType::Timestamp),
    ],
    default_sort: "code",
    archivable: true,
};

/// List objectives
///
/// Every role may read. Each objective carries its milestone roll-up; the
/// whole page costs a fixed number of queries. Sort on `code` (default),
/// `title`, `risk_initial`, `risk_residual`, `due_on`, `created_at`.
#[utoipa::path(
    tag = "objectives",
    params(crate::resources::ListQuery, ObjectiveFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of objectives", body = ObjectivePage),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
    )
)]
#[get("")]
pub async fn list_objectives(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut p = crate::web::page::list_params(&req, LIST)?;
    filter_by_bands(
        &mut p,
        [
            ("risk_initial_band", "objectives.risk_initial"),
            ("risk_residual_band", "objectives.risk_residual"),
        ],
    )?;
    let as_of = match p.filter("as_of") {
        Some(d) => parse_date("as_of", d)?,
        None => today(),
    };
    let mut conn = state.conn().await?;
    let (rows, total) = db::list(&mut conn, &p).await?;
    let items = to_dtos(&mut conn, rows, as_of).await?;
    Ok(p.page(items, total)?.respond(&req))
}

/// Get an objective
///
/// With its milestone roll-up as of today.
#[utoipa::path(
    tag = "objectives",
    params(("id" = Uuid, Path, description = "Objective id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The objective", body = Objective, headers(("ETag" = String))),
        (status = 404, description = "No such objective", body = ErrorBody),
    )
)]
#[get("/{id}")]
pub async fn get_objective(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut conn = state.conn().await?;
    Ok(ok_record(&Objective::load(&mut conn, *id).await?))
}

/// Create an objective
///
/// Editors and admins.
#[utoipa::path(
    tag = "objectives",
    request_body = NewObjective,
    params(crate::resources::IdempotencyHeader),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Objective, headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 409, description = "The code is taken in this plan", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
    )
)]
#[post("")]
pub async fn create_objective(
    ctx: Ctx,
    state: web::Data<AppState>,
    body: ApiJson<NewObjective>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let body = body.0;
    let actor = ctx.actor();
    let mut conn = state.conn().await?;
    let objective = write::create::<Objective, _>(&mut conn, &actor, move |conn| {
        Box::pin(async move {
            let mut errors = Errors::new();
            errors.code("/code", &body.code);
            errors.text("/title", &body.title, 300);
            errors.opt_text("/description", body.description.as_deref(), 4000);
            errors.opt_text(
                "/responsible_officer",
                body.responsible_officer.as_deref(),
                200,
            );
            errors.opt_text("/strategy_method", body.strategy_method.as_deref(), 2000);
            check_codes(&mut errors, "/cypp_priority_refs", &body.cypp_priority_refs);
            check_codes(
                &mut errors,
                "/cross_referenced_plan_codes",
                &body.cross_referenced_plan_codes,
            );
            check_risk(&mut errors, body.risk_initial, body.risk_residual);
            if body.due_on.is_some_and(|d| !sensible_date(d)) {
                errors.rule("/due_on", DATE_RANGE_MESSAGE);
            }
            if plan_refs(conn, [body.plan_id]).await?.is_empty() {
                errors.unknown("/plan_id", "no plan has this id");
            }
            if let Some(o) = body.lead_organisation_id {
                check_org_ids(conn, &mut errors, &[("/lead_organisation_id", o)]).await?;
            }
            check_priorities(conn, &mut errors, &body.priority_ids).await?;
            errors.finish()?;
            let row = db::insert(
                conn,
                &NewObjectiveRow {
                    id: new_id(),
                    plan_id: body.plan_id,
                    code: body.code.clone(),
                    kind: body
                        .kind
                        .unwrap_or(ObjectiveKind::ServiceObjective)
                        .as_str()
                        .into(),
                    title: body.title.trim().into(),
                    description: body.description.clone(),
                    lead_organisation_id: body.lead_organisation_id,
                    responsible_officer: body.responsible_officer.clone(),
                    cypp_priority_refs: body.cypp_priority_refs.clone(),
                    cross_referenced_plan_codes: body.cross_referenced_plan_codes.clone(),
                    risk_initial: body.risk_initial,
                    risk_residual: body.risk_residual,
                    due_on: body.due_on,
                    strategy_method: body.strategy_method.clone(),
                },
            )
            .await
            .map_err(|e| duplicate(e, &body.code))?;
            db::set_priorities(conn, row.id, &body.priority_ids).await?;
            Ok(row.id)
        })
    })
    .await?;
    Ok(created_record(
        format!("/api/v1/objectives/{}", objective.id),
        &objective,
    ))
}

/// Change an objective
///
/// Editors and admins. A JSON merge patch; needs `If-Match`.
#[utoipa::path(
    tag = "objectives",
    request_body(content = ObjectivePatch, content_type = "application/merge-patch+json"),
    params(("id" = Uuid, Path, description = "Objective id"), crate::resources::IfMatchHeader),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = Objective, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 404, description = "No such objective", body = ErrorBody),
        (status = 409, description = "The code is taken in this plan", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
#[patch("/{id}")]
pub async fn update_objective(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<ObjectivePatch>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let (id, patch) = (*id, body.0);
    let actor = ctx.actor();
    let mut conn = state.conn().await?;
    let objective = write::change::<Objective, _>(
        &mut conn,
        &actor,
        id,
        Some(&if_match),
        "update",
        move |conn, before| {
            Box::pin(async move {
                let mut errors = Errors::new();
                let plan_id = patch.plan_id.required("/plan_id", &mut errors.0);
                let code = patch.code.required("/code", &mut errors.0);
                let kind = patch.kind.required("/kind", &mut errors.0);
                let title = patch.title.required("/title", &mut errors.0);
                let priority_ids = patch.priority_ids.required("/priority_ids", &mut errors.0);
                let cypp = patch
                    .cypp_priority_refs
                    .required("/cypp_priority_refs", &mut errors.0);
                let xrefs = patch
                    .cross_referenced_plan_codes
                    .required("/cross_referenced_plan_codes", &mut errors.0);
                let description = patch.description.nullable();
                let lead = patch.lead_organisation_id.nullable();
                let officer = patch.responsible_officer.nullable();
                let risk_initial = patch.risk_initial.nullable();
                let risk_residual = patch.risk_residual.nullable();
                let due_on = patch.due_on.nullable();
                let strategy_method = patch.strategy_method.nullable();
                if let Some(c) = &code {
                    errors.code("/code", c);
                }
                if let Some(t) = &title {
                    errors.text("/title", t, 300);
                }
                errors.opt_text(
                    "/description",
                    description.clone().flatten().as_deref(),
                    4000,
                );
                errors.opt_text(
                    "/responsible_officer",
                    officer.clone().flatten().as_deref(),
                    200,
                );
                errors.opt_text(
                    "/strategy_method",
                    strategy_method.clone().flatten().as_deref(),
                    2000,
                );
                check_codes(
                    &mut errors,
                    "/cypp_priority_refs",
                    cypp.as_deref().unwrap_or_default(),
                );
                check_codes(
                    &mut errors,
                    "/cross_referenced_plan_codes",
                    xrefs.as_deref().unwrap_or_default(),
                );
                check_risk(
                    &mut errors,
                    risk_initial.unwrap_or(before.risk_initial),
                    risk_residual.unwrap_or(before.risk_residual),
                );
                if due_on.flatten().is_some_and(|d| !sensible_date(d)) {
                    errors.rule("/due_on", DATE_RANGE_MESSAGE);
                }
                if let Some(p) = plan_id {
                    if plan_refs(conn, [p]).await?.is_empty() {
                        errors.unknown("/plan_id", "no plan has this id");
                    }
                }
                if let Some(Some(o)) = lead {
                    check_org_ids(conn, &mut errors, &[("/lead_organisation_id", o)]).await?;
                }
                if let Some(ids) = &priority_ids {
                    check_priorities(conn, &mut errors, ids).await?;
                }
                errors.finish()?;
                let changes = ObjectiveChanges {
                    plan_id,
                    code: code.clone(),
                    kind: kind.map(|k| k.as_str().into()),
                    title: title.map(|t| t.trim().into()),
                    description,
                    lead_organisation_id: lead,
                    responsible_officer: officer,
                    cypp_priority_refs: cypp,
                    cross_referenced_plan_codes: xrefs,
                    risk_initial,
                    risk_residual,
                    due_on,
                    strategy_method,
                };
                db::update(conn, id, &changes)
                    .await
                    .map_err(|e| duplicate(e, code.as_deref().unwrap_or(&before.code)))?;
                if let Some(ids) = &priority_ids {
                    db::set_priorities(conn, id, ids).await?;
                }
                Ok(())
            })
        },
    )
    .await?;
    Ok(ok_record(&objective))
}

crate::archive_handlers! {
    module: archive,
    record: Objective, tag: "objectives", id: "Objective id", write: Editor, read: Viewer,
    archive: delete_objective, "Archive an objective",
    restore: restore_objective, "Restore an objective",
    history: objective_history, "History of an objective",
    writers: "Editors and admins.", readers: "Every role may read.",
}
