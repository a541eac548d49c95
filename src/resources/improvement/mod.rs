//! `/api/v1/improvement-areas` and `/api/v1/improvement-actions`: the
//! inspection improvement plan, and `GET /recommendations/{id}/trace`, the
//! chain from a recommendation down to actions, objectives and milestones.

pub mod actions;
pub mod trace;

pub use actions::*;
pub use trace::*;

use std::collections::HashMap;

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::deliverable::{is_overdue, today, DeliverableStatus, Rollup, RollupStatus};
use crate::domain::performance::Rag;
use crate::resources::inspections::{recommendation_dtos, Recommendation};
use crate::resources::objectives::{objective_refs, Objective, ObjectiveRef};
use crate::resources::organisations::{check_org_ids, org_refs, OrganisationRef};
use crate::resources::plans::{plan_refs, PlanRef};
use crate::resources::progress::{self, ProgressUpdate};
use crate::resources::write::{self, Record};
use crate::store::improvement::{
    self as db, action_queries, area_queries, ActionChanges, ActionRow, AreaChanges, AreaRow,
    NewActionRow, NewAreaRow,
};
use crate::store::inspections::recommendation_queries;
use crate::store::listing::{
    parse_date, Filter, FilterKind, ListSpec, ManualType, SortField, SortType,
};
use crate::store::progress::Deliverable;
use crate::web::auth::{AuthUser, Role};
use crate::web::error::not_found;
use crate::web::error::{ApiError, ApiResult, ErrorBody};
use crate::web::http::{
    created_record, new_id, ok_record, ApiJson, Ctx, IfMatch, Patch, Versioned,
};
use crate::web::validate::{sensible_date, Errors, DATE_RANGE_MESSAGE};
use crate::{page_schema, AppState};

/// A short reference to an improvement area.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AreaRef {
    pub id: Uuid,
    pub code: String,
    pub title: String,
}

/// A short reference to a recommendation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct RecommendationRef {
    pub id: Uuid,
    pub code: String,
}

/// An area of the improvement plan.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImprovementArea {
    pub id: Uuid,
    /// The improvement plan.
    pub plan_id: Uuid,
    pub plan: PlanRef,
    /// Unique within the plan, e.g. `IA01`.
    pub code: String,
    pub title: String,
    /// The organisations that lead it.
    pub lead_organisation_ids: Vec<Uuid>,
    pub lead_organisations: Vec<OrganisationRef>,
    /// The leads as the plan names them (roles, e.g. "OD Specialist Services").
    pub lead_roles: Vec<String>,
    /// By when (the actions' due date unless an action sets its own).
    pub due_on: Option<NaiveDate>,
    /// The date as written, e.g. "December 2008".
    pub due_original: Option<String>,
    pub overarching_strategy: Option<String>,
    pub linked_strategies: Vec<String>,
    /// Cross-cutting mechanisms it relies on.
    pub process_enablers: Vec<String>,
    /// Whether the CYPP 2009-11 repeats it as an area for development.
    pub listed_in_cypp: bool,
    /// The recommendations it answers.
    pub recommendation_ids: Vec<Uuid>,
    pub recommendations: Vec<RecommendationRef>,
    /// The service objectives that take it up.
    pub objective_ids: Vec<Uuid>,
    pub objectives: Vec<ObjectiveRef>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
}

page_schema!(ImprovementAreaPage, ImprovementArea);

impl Versioned for ImprovementArea {
    fn version(&self) -> i32 {
        self.version
    }
}

impl Record for ImprovementArea {
    const TABLE: &'static str = "improvement_areas";
    const ENTITY: &'static str = "improvement_area";
    async fn load(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Self> {
        let row = area_queries::find(conn, id)
            .await
            .map_err(|e| not_found(e, "improvement area", id))?;
        Ok(area_dtos(conn, vec![row]).await?.remove(0))
    }
    fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

fn linked(links: &[(Uuid, Uuid)], area: Uuid) -> Vec<Uuid> {
    links
        .iter()
        .filter(|(a, _)| *a == area)
        .map(|(_, x)| *x)
        .collect()
}

/// Turns rows into the API shape: seven queries whatever the number of rows.
pub(crate) async fn area_dtos(
    conn: &mut AsyncPgConnection,
    rows: Vec<AreaRow>,
) -> ApiResult<Vec<ImprovementArea>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let links = db::links(conn, &ids).await?;
    let plans = plan_refs(conn, rows.iter().map(|r| r.plan_id)).await?;
    let orgs = org_refs(conn, links.leads.iter().map(|(_, o)| *o)).await?;
    let rec_ids: Vec<Uuid> = links.recommendations.iter().map(|(_, r)| *r).collect();
    let recs = recommendation_queries::find_many(conn, &rec_ids).await?;
    let objectives = objective_refs(conn, links.objectives.iter().map(|(_, o)| *o)).await?;
    rows.into_iter()
        .map(|r| {
            let lead_ids = linked(&links.leads, r.id);
            let rec_ids = linked(&links.recommendations, r.id);
            let obj_ids = linked(&links.objectives, r.id);
            Ok(ImprovementArea {
                plan: plans
                    .get(&r.plan_id)
                    .cloned()
                    .ok_or_else(|| ApiError::Internal("area without plan".into()))?,
                lead_organisations: lead_ids
                    .iter()
                    .filter_map(|o| orgs.get(o).cloned())
                    .collect(),
                recommendations: recs
                    .iter()
                    .filter(|x| rec_ids.contains(&x.id))
                    .map(|x| RecommendationRef {
                        id: x.id,
                        code: x.code.clone(),
                    })
                    .collect(),
                objectives: obj_ids
                    .iter()
                    .filter_map(|o| objectives.get(o).map(|x| x.0.clone()))
                    .collect(),
                lead_organisation_ids: lead_ids,
                recommendation_ids: rec_ids,
                objective_ids: obj_ids,
                lead_roles: crate::store::texts(r.lead_roles),
                linked_strategies: crate::store::texts(r.linked_strategies),
                process_enablers: crate::store::texts(r.process_enablers),
                id: r.id,
                plan_id: r.plan_id,
                code: r.code,
                title: r.title,
                due_on: r.due_on,
                due_original: r.due_original,
                overarching_strategy: r.overarching_strategy,
                listed_in_cypp: r.listed_in_cypp,
                created_at: r.created_at,
                updated_at: r.updated_at,
                version: r.version,
                archived_at: r.archived_at,
            })
        })
        .collect()
}

/// A new improvement area.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewImprovementArea {
    pub plan_id: Uuid,
    /// Unique within the plan, 1–40 characters.
    #[schema(example = "IA13")]
    pub code: String,
    /// At most 300 characters.
    pub title: String,
    #[serde(default)]
    pub lead_organisation_ids: Vec<Uuid>,
    #[serde(default)]
    pub lead_roles: Vec<String>,
    #[serde(default)]
    pub due_on: Option<NaiveDate>,
    #[serde(default)]
    pub due_original: Option<String>,
    #[serde(default)]
    pub overarching_strategy: Option<String>,
    #[serde(default)]
    pub linked_strategies: Vec<String>,
    #[serde(default)]
    pub process_enablers: Vec<String>,
    #[serde(default)]
    pub listed_in_cypp: bool,
    #[serde(default)]
    pub recommendation_ids: Vec<Uuid>,
    #[serde(default)]
    pub objective_ids: Vec<Uuid>,
}

/// A JSON merge patch of an improvement area; lists given replace the old ones.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImprovementAreaPatch {
    #[serde(default)]
    #[schema(value_type = String)]
    pub code: Patch<String>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub title: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Vec<Uuid>)]
    pub lead_organisation_ids: Patch<Vec<Uuid>>,
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub lead_roles: Patch<Vec<String>>,
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub due_on: Patch<NaiveDate>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub due_original: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub overarching_strategy: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub linked_strategies: Patch<Vec<String>>,
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub process_enablers: Patch<Vec<String>>,
    #[serde(default)]
    #[schema(value_type = bool)]
    pub listed_in_cypp: Patch<bool>,
    #[serde(default)]
    #[schema(value_type = Vec<Uuid>)]
    pub recommendation_ids: Patch<Vec<Uuid>>,
    #[serde(default)]
    #[schema(value_type = Vec<Uuid>)]
    pub objective_ids: Patch<Vec<Uuid>>,
}

fn check_texts(errors: &mut Errors, pointer: &str, items: &[String]) {
    for (i, item) in items.iter().enumerate() {
        errors.text(&format!("{pointer}/{i}"), item, 300);
    }
}

async fn check_area_links(
    conn: &mut AsyncPgConnection,
    errors: &mut Errors,
    leads: &[Uuid],
    recs: &[Uuid],
    objectives: &[Uuid],
) -> ApiResult<()> {
    let pointers: Vec<(String, Uuid)> = leads
        .iter()
        .enumerate()
        .map(|(i, o)| (format!("/lead_organisation_ids/{i}"), *o))
        .collect();
    let refs: Vec<(&str, Uuid)> = pointers.iter().map(|(p, o)| (p.as_str(), *o)).collect();
    check_org_ids(conn, errors, &refs).await?;
    let found = recommendation_queries::find_many(conn, recs).await?;
    for (i, r) in recs.iter().enumerate() {
        if !found.iter().any(|x| x.id == *r) {
            errors.unknown(
                &format!("/recommendation_ids/{i}"),
                "no recommendation has this id",
            );
        }
    }
    let found = objective_refs(conn, objectives.iter().copied()).await?;
    for (i, o) in objectives.iter().enumerate() {
        if !found.contains_key(o) {
            errors.unknown(&format!("/objective_ids/{i}"), "no objective has this id");
        }
    }
    Ok(())
}

fn duplicate(e: diesel::result::Error, what: &str, code: &str) -> ApiError {
    crate::web::error::or_duplicate(e, || format!("{what} with code {code:?} already exists"))
}

/// Filters of `GET /improvement-areas`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct AreaFilters {
    /// Any of these codes (comma-separated).
    code: Option<String>,
    /// In any of these plans (comma-separated ids).
    plan_id: Option<String>,
    /// Answering any of these recommendations (comma-separated ids).
    recommendation_id: Option<String>,
    /// Led by any of these organisations (comma-separated ids).
    lead_organisation_id: Option<String>,
    /// Taken up by any of these objectives (comma-separated ids).
    objective_id: Option<String>,
    /// Free text in code, title or strategies.
    q: Option<String>,
}

pub(crate) const AREAS: ListSpec = ListSpec {
    table: "improvement_areas",
    filters: &[
        Filter::new("code", FilterKind::Text("improvement_areas.code")),
        Filter::new("plan_id", FilterKind::Uuid("improvement_areas.plan_id")),
        Filter::new(
            "recommendation_id",
            FilterKind::UuidSql(
                "EXISTS (SELECT 1 FROM improvement_area_recommendations l \
                 WHERE l.area_id = improvement_areas.id AND l.recommendation_id = ANY($1))",
            ),
        ),
        Filter::new(
            "lead_organisation_id",
            FilterKind::UuidSql(
                "EXISTS (SELECT 1 FROM improvement_area_leads l \
                 WHERE l.area_id = improvement_areas.id AND l.organisation_id = ANY($1))",
            ),
        ),
        Filter::new(
            "objective_id",
            FilterKind::UuidSql(
                "EXISTS (SELECT 1 FROM improvement_area_objectives l \
                 WHERE l.area_id = improvement_areas.id AND l.objective_id = ANY($1))",
            ),
        ),
        Filter::new(
            "q",
            FilterKind::Search(&[
                "improvement_areas.code",
                "improvement_areas.title",
                "improvement_areas.overarching_strategy",
                "array_to_string(improvement_areas.linked_strategies, ' ')",
            ]),
        ),
    ],
    sorts: &[
        SortField::new("code", "improvement_areas.code", SortType::Text),
        SortField::nullable("due_on", "improvement_areas.due_on", SortType::Date),
    ],
    default_sort: "code",
    archivable: true,
};

/// List improvement areas
///
/// Every role may read. Sort on `code` (default) or `due_on`.
#[utoipa::path(
    tag = "improvement",
    params(crate::resources::ListQuery, AreaFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of improvement areas", body = ImprovementAreaPage),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
    )
)]
#[get("")]
pub async fn list_improvement_areas(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let p = crate::web::page::list_params(&req, AREAS)?;
    let mut conn = state.conn().await?;
    let (rows, total) = area_queries::list(&mut conn, &p).await?;
    let items = area_dtos(&mut conn, rows).await?;
    Ok(p.page(items, total)?.respond(&req))
}

/// Get an improvement area
#[utoipa::path(
    tag = "improvement",
    params(("id" = Uuid, Path, description = "Improvement area id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The area", body = ImprovementArea, headers(("ETag" = String))),
        (status = 404, description = "No such area", body = ErrorBody),
    )
)]
#[get("/{id}")]
pub async fn get_improvement_area(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut conn = state.conn().await?;
    Ok(ok_record(&ImprovementArea::load(&mut conn, *id).await?))
}

/// Create an improvement area
///
/// Editors and admins.
#[utoipa::path(
    tag = "improvement",
    request_body = NewImprovementArea,
    params(crate::resources::IdempotencyHeader),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = ImprovementArea, headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 409, description = "The code is taken in this plan", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
    )
)]
#[post("")]
pub async fn create_improvement_area(
    ctx: Ctx,
    state: web::Data<AppState>,
    body: ApiJson<NewImprovementArea>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let body = body.0;
    let actor = ctx.actor();
    let mut conn = state.conn().await?;
    let area = write::create::<ImprovementArea, _>(&mut conn, &actor, move |conn| {
        Box::pin(async move {
            let mut errors = Errors::new();
            errors.code("/code", &body.code);
            errors.text("/title", &body.title, 300);
            check_texts(&mut errors, "/lead_roles", &body.lead_roles);
            check_texts(&mut errors, "/linked_strategies", &body.linked_strategies);
            check_texts(&mut errors, "/process_enablers", &body.process_enablers);
            errors.opt_text(
                "/overarching_strategy",
                body.overarching_strategy.as_deref(),
                300,
            );
            errors.opt_text("/due_original", body.due_original.as_deref(), 100);
            if body.due_on.is_some_and(|d| !sensible_date(d)) {
                errors.rule("/due_on", DATE_RANGE_MESSAGE);
            }
            if plan_refs(conn, [body.plan_id]).await?.is_empty() {
                errors.unknown("/plan_id", "no plan has this id");
            }
            check_area_links(
                conn,
                &mut errors,
                &body.lead_organisation_ids,
                &body.recommendation_ids,
                &body.objective_ids,
            )
            .await?;
            errors.finish()?;
            let row = area_queries::insert(
                conn,
                &NewAreaRow {
                    id: new_id(),
                    plan_id: body.plan_id,
                    code: body.code.clone(),
                    title: body.title.trim().into(),
                    lead_roles: body.lead_roles.clone(),
                    due_on: body.due_on,
                    due_original: body.due_original.clone(),
                    overarching_strategy: body.overarching_strategy.clone(),
                    linked_strategies: body.linked_strategies.clone(),
                    process_enablers: body.process_enablers.clone(),
                    listed_in_cypp: body.listed_in_cypp,
                },
            )
            .await
            .map_err(|e| duplicate(e, "an improvement area", &body.code))?;
            db::set_links(
                conn,
                row.id,
                Some(&body.lead_organisation_ids),
                Some(&body.recommendation_ids),
                Some(&body.objective_ids),
            )
            .await?;
            Ok(row.id)
        })
    })
    .await?;
    Ok(created_record(
        format!("/api/v1/improvement-areas/{}", area.id),
        &area,
    ))
}

/// Change an improvement area
///
/// Editors and admins. A JSON merge patch; needs `If-Match`.
#[utoipa::path(
    tag = "improvement",
    request_body(content = ImprovementAreaPatch, content_type = "application/merge-patch+json"),
    params(("id" = Uuid, Path, description = "Improvement area id"), crate::resources::IfMatchHeader),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = ImprovementArea, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 404, description = "No such area", body = ErrorBody),
        (status = 409, description = "The code is taken in this plan", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
#[patch("/{id}")]
pub async fn update_improvement_area(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<ImprovementAreaPatch>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let (id, patch) = (*id, body.0);
    let actor = ctx.actor();
    let mut conn = state.conn().await?;
    let area = write::change::<ImprovementArea, _>(
        &mut conn,
        &actor,
        id,
        Some(&if_match),
        "update",
        move |conn, before| {
            Box::pin(async move {
                let mut errors = Errors::new();
                let e = &mut errors.0;
                let code = patch.code.required("/code", e);
                let title = patch.title.required("/title", e);
                let leads = patch
                    .lead_organisation_ids
                    .required("/lead_organisation_ids", e);
                let roles = patch.lead_roles.required("/lead_roles", e);
                let linked_strategies = patch.linked_strategies.required("/linked_strategies", e);
                let enablers = patch.process_enablers.required("/process_enablers", e);
                let listed = patch.listed_in_cypp.required("/listed_in_cypp", e);
                let recs = patch.recommendation_ids.required("/recommendation_ids", e);
                let objectives = patch.objective_ids.required("/objective_ids", e);
                let due_on = patch.due_on.nullable();
                let due_original = patch.due_original.nullable();
                let overarching = patch.overarching_strategy.nullable();
                if let Some(c) = &code {
                    errors.code("/code", c);
                }
                if let Some(t) = &title {
                    errors.text("/title", t, 300);
                }
                check_texts(
                    &mut errors,
                    "/lead_roles",
                    roles.as_deref().unwrap_or_default(),
                );
                check_texts(
                    &mut errors,
                    "/linked_strategies",
                    linked_strategies.as_deref().unwrap_or_default(),
                );
                check_texts(
                    &mut errors,
                    "/process_enablers",
                    enablers.as_deref().unwrap_or_default(),
                );
                errors.opt_text(
                    "/overarching_strategy",
                    overarching.clone().flatten().as_deref(),
                    300,
                );
                errors.opt_text(
                    "/due_original",
                    due_original.clone().flatten().as_deref(),
                    100,
                );
                if due_on.flatten().is_some_and(|d| !sensible_date(d)) {
                    errors.rule("/due_on", DATE_RANGE_MESSAGE);
                }
                check_area_links(
                    conn,
                    &mut errors,
                    leads.as_deref().unwrap_or_default(),
                    recs.as_deref().unwrap_or_default(),
                    objectives.as_deref().unwrap_or_default(),
                )
                .await?;
                errors.finish()?;
                let changes = AreaChanges {
                    code: code.clone(),
                    title: title.map(|t| t.trim().into()),
                    lead_roles: roles,
                    due_on,
                    due_original,
                    overarching_strategy: overarching,
                    linked_strategies,
                    process_enablers: enablers,
                    listed_in_cypp: listed,
                };
                area_queries::update(conn, id, &changes)
                    .await
                    .map_err(|e| {
                        duplicate(
                            e,
                            "an improvement area",
                            code.as_deref().unwrap_or(&before.code),
                        )
                    })?;
                db::set_links(
                    conn,
                    id,
                    leads.as_deref(),
                    recs.as_deref(),
                    objectives.as_deref(),
                )
                .await?;
                Ok(())
            })
        },
    )
    .await?;
    Ok(ok_record(&area))
}

crate::archive_handlers! {
    module: archive,
    record: ImprovementArea, tag: "improvement", id: "Improvement area id", write: Editor, read: Viewer,
    archive: delete_improvement_area, "Archive an improvement area",
    restore: restore_improvement_area, "Restore an improvement area",
    history: improvement_area_history, "History of an improvement area",
    writers: "Editors and admins.", readers: "Every role may read.",
}

impl progress::Reportable for ImprovementAction {
    const COLLECTION: &'static str = "/api/v1/improvement-actions";

    fn deliverable(id: Uuid) -> Deliverable {
        Deliverable::ImprovementAction(id)
    }

    fn leads(&self) -> Vec<&OrganisationRef> {
        self.lead_organisations.iter().collect()
    }

    fn lock_scope(id: Uuid) -> crate::store::reporting::Scope {
        crate::store::reporting::Scope::ImprovementAction(id)
    }
}
