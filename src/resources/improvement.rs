//! `/api/v1/improvement-areas` and `/api/v1/improvement-actions`: the
//! inspection improvement plan, and `GET /recommendations/{id}/trace`, the
//! chain from a recommendation down to actions, objectives and milestones.

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
use crate::resources::progress::{self, overdue_sql, ProgressUpdate, ProgressUpdatePage};
use crate::resources::write::{self, Record};
use crate::store::improvement::{
    self as db, action_queries, area_queries, ActionChanges, ActionRow, AreaChanges, AreaRow,
    NewActionRow, NewAreaRow,
};
use crate::store::inspections::recommendation_queries;
use crate::store::listing::{
    parse_bool, parse_date, Filter, FilterKind, ListParams, ListSpec, ManualType, SortField,
    SortType,
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
    let p = ListParams::parse(req.query_string(), AREAS)?;
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

/// An action of the improvement plan: a deliverable like a milestone.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ImprovementAction {
    pub id: Uuid,
    pub area_id: Uuid,
    pub area: AreaRef,
    /// Unique code, e.g. `IA01-A3`.
    pub code: String,
    pub title: String,
    /// Its order within the area.
    pub sequence: Option<i32>,
    /// Its own lead organisation, where it has one.
    pub lead_organisation_id: Option<Uuid>,
    /// Who leads it: its own lead organisation, or else the area's leads.
    /// A contributor of one of these may report its progress.
    pub lead_organisations: Vec<OrganisationRef>,
    /// When it is due: its own date, or else the area's.
    pub due_on: Option<NaiveDate>,
    /// Its own due date, where one is set (null: the area's applies).
    pub own_due_on: Option<NaiveDate>,
    /// Set by the newest progress update.
    pub status: DeliverableStatus,
    pub completed_on: Option<NaiveDate>,
    /// Due before the day asked about (`as_of`, default today) and not
    /// complete, deferred or cancelled.
    pub overdue: bool,
    pub latest_update: Option<ProgressUpdate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
}

page_schema!(ImprovementActionPage, ImprovementAction);

impl Versioned for ImprovementAction {
    fn version(&self) -> i32 {
        self.version
    }
}

impl Record for ImprovementAction {
    const TABLE: &'static str = "improvement_actions";
    const ENTITY: &'static str = "improvement_action";
    async fn load(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Self> {
        let row = action_queries::find(conn, id)
            .await
            .map_err(|e| not_found(e, "improvement action", id))?;
        Ok(action_dtos(conn, vec![row], today()).await?.remove(0))
    }
    fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

/// Turns rows into the API shape: five queries whatever the number of rows.
pub(crate) async fn action_dtos(
    conn: &mut AsyncPgConnection,
    rows: Vec<ActionRow>,
    as_of: NaiveDate,
) -> ApiResult<Vec<ImprovementAction>> {
    let area_ids: Vec<Uuid> = rows.iter().map(|r| r.area_id).collect();
    let areas = area_queries::find_many(conn, &area_ids).await?;
    let links = db::links(conn, &area_ids).await?;
    let orgs = org_refs(
        conn,
        rows.iter()
            .filter_map(|r| r.lead_organisation_id)
            .chain(links.leads.iter().map(|(_, o)| *o)),
    )
    .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let latest = crate::store::progress::latest_for_actions(conn, &ids).await?;
    rows.into_iter()
        .map(|r| {
            let area = areas
                .iter()
                .find(|a| a.id == r.area_id)
                .ok_or_else(|| ApiError::Internal("action without area".into()))?;
            let lead_ids = match r.lead_organisation_id {
                Some(o) => vec![o],
                None => linked(&links.leads, r.area_id),
            };
            let status = DeliverableStatus::from_db(&r.status)?;
            let due_on = r.due_on.or(area.due_on);
            let latest_update = match latest
                .iter()
                .find(|u| u.improvement_action_id == Some(r.id))
            {
                Some(u) => Some(ProgressUpdate::try_from(u.clone())?),
                None => None,
            };
            Ok(ImprovementAction {
                area: AreaRef {
                    id: area.id,
                    code: area.code.clone(),
                    title: area.title.clone(),
                },
                lead_organisations: lead_ids
                    .iter()
                    .filter_map(|o| orgs.get(o).cloned())
                    .collect(),
                overdue: is_overdue(due_on, status, as_of),
                due_on,
                own_due_on: r.due_on,
                status,
                latest_update,
                id: r.id,
                area_id: r.area_id,
                code: r.code,
                title: r.title,
                sequence: r.sequence,
                lead_organisation_id: r.lead_organisation_id,
                completed_on: r.completed_on,
                created_at: r.created_at,
                updated_at: r.updated_at,
                version: r.version,
                archived_at: r.archived_at,
            })
        })
        .collect()
}

/// A new improvement action.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewImprovementAction {
    pub area_id: Uuid,
    /// Unique code, 1–40 characters.
    #[schema(example = "IA01-A7")]
    pub code: String,
    /// At most 500 characters.
    pub title: String,
    #[serde(default)]
    pub sequence: Option<i32>,
    /// Default: the area's leads.
    #[serde(default)]
    pub lead_organisation_id: Option<Uuid>,
    /// Default: the area's date.
    #[serde(default)]
    pub due_on: Option<NaiveDate>,
}

/// A JSON merge patch of an improvement action. Its status changes only
/// through progress updates.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImprovementActionPatch {
    #[serde(default)]
    #[schema(value_type = String)]
    pub code: Patch<String>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub title: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub sequence: Patch<i32>,
    /// `null`: the area's leads apply.
    #[serde(default)]
    #[schema(value_type = Option<Uuid>)]
    pub lead_organisation_id: Patch<Uuid>,
    /// `null`: the area's date applies.
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub due_on: Patch<NaiveDate>,
}

/// Filters of `GET /improvement-actions`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ActionFilters {
    /// Any of these codes (comma-separated).
    code: Option<String>,
    /// In any of these areas (comma-separated ids).
    area_id: Option<String>,
    /// Under areas answering any of these recommendations (comma-separated ids).
    recommendation_id: Option<String>,
    /// Led by any of these organisations, directly or through the area (comma-separated ids).
    lead_organisation_id: Option<String>,
    /// Any of these statuses (comma-separated).
    status: Option<String>,
    /// `true`: only overdue ones; `false`: only those not overdue (as of `as_of`).
    overdue: Option<bool>,
    /// The day `overdue` is judged on (default today, Europe/London).
    as_of: Option<String>,
    /// Due (own or area date) on or after this date.
    due_from: Option<String>,
    /// Due (own or area date) on or before this date.
    due_to: Option<String>,
    /// Free text in code or title.
    q: Option<String>,
}

/// The date an action is due: its own, or its area's.
const ACTION_DUE: &str =
    "COALESCE(improvement_actions.due_on, (SELECT a.due_on FROM improvement_areas a \
     WHERE a.id = improvement_actions.area_id))";

pub(crate) const ACTIONS: ListSpec = ListSpec {
    table: "improvement_actions",
    filters: &[
        Filter::new("code", FilterKind::Text("improvement_actions.code")),
        Filter::new("area_id", FilterKind::Uuid("improvement_actions.area_id")),
        Filter::new(
            "recommendation_id",
            FilterKind::UuidSql(
                "EXISTS (SELECT 1 FROM improvement_area_recommendations l \
                 WHERE l.area_id = improvement_actions.area_id AND l.recommendation_id = ANY($1))",
            ),
        ),
        Filter::new(
            "lead_organisation_id",
            FilterKind::UuidSql(
                "(improvement_actions.lead_organisation_id = ANY($1) OR \
                 (improvement_actions.lead_organisation_id IS NULL AND EXISTS (SELECT 1 FROM improvement_area_leads l \
                  WHERE l.area_id = improvement_actions.area_id AND l.organisation_id = ANY($1))))",
            ),
        ),
        Filter::new(
            "status",
            FilterKind::Vocab("improvement_actions.status", DeliverableStatus::WORDS),
        ),
        Filter::new("overdue", FilterKind::Manual(ManualType::Bool)),
        Filter::new("as_of", FilterKind::Manual(ManualType::Date)),
        Filter::new("due_from", FilterKind::DateFrom(ACTION_DUE)),
        Filter::new("due_to", FilterKind::DateTo(ACTION_DUE)),
        Filter::new("q", FilterKind::Search(&["improvement_actions.code", "improvement_actions.title"])),
    ],
    sorts: &[
        SortField::new("code", "improvement_actions.code", SortType::Text),
        SortField::nullable("due_on", ACTION_DUE, SortType::Date),
        SortField::new("status", "improvement_actions.status", SortType::Text),
    ],
    default_sort: "code",
    archivable: true,
};

/// List improvement actions
///
/// Every role may read. "What is overdue" is `overdue=true` (with `as_of`
/// for another day than today). Sort on `code` (default), `due_on`, `status`.
#[utoipa::path(
    tag = "improvement",
    params(crate::resources::ListQuery, ActionFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of improvement actions", body = ImprovementActionPage),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
    )
)]
#[get("")]
pub async fn list_improvement_actions(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut p = ListParams::parse(req.query_string(), ACTIONS)?;
    let as_of = match p.filter("as_of") {
        Some(d) => parse_date("as_of", d)?,
        None => today(),
    };
    if let Some(v) = p.filter("overdue") {
        let overdue = parse_bool("overdue", v)?;
        p.add_condition(overdue_sql(
            ACTION_DUE,
            "improvement_actions.status",
            as_of,
            overdue,
        ));
    }
    let mut conn = state.conn().await?;
    let (rows, total) = action_queries::list(&mut conn, &p).await?;
    let items = action_dtos(&mut conn, rows, as_of).await?;
    Ok(p.page(items, total)?.respond(&req))
}

/// Get an improvement action
#[utoipa::path(
    tag = "improvement",
    params(("id" = Uuid, Path, description = "Improvement action id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The action", body = ImprovementAction, headers(("ETag" = String))),
        (status = 404, description = "No such action", body = ErrorBody),
    )
)]
#[get("/{id}")]
pub async fn get_improvement_action(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut conn = state.conn().await?;
    Ok(ok_record(&ImprovementAction::load(&mut conn, *id).await?))
}

/// Create an improvement action
///
/// Editors and admins. It starts `not_started`.
#[utoipa::path(
    tag = "improvement",
    request_body = NewImprovementAction,
    params(crate::resources::IdempotencyHeader),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = ImprovementAction, headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 409, description = "The code is taken", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
    )
)]
#[post("")]
pub async fn create_improvement_action(
    ctx: Ctx,
    state: web::Data<AppState>,
    body: ApiJson<NewImprovementAction>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let body = body.0;
    let actor = ctx.actor();
    let mut conn = state.conn().await?;
    let action = write::create::<ImprovementAction, _>(&mut conn, &actor, move |conn| {
        Box::pin(async move {
            let mut errors = Errors::new();
            errors.code("/code", &body.code);
            errors.text("/title", &body.title, 500);
            if body.due_on.is_some_and(|d| !sensible_date(d)) {
                errors.rule("/due_on", DATE_RANGE_MESSAGE);
            }
            if area_queries::find_many(conn, &[body.area_id])
                .await?
                .is_empty()
            {
                errors.unknown("/area_id", "no improvement area has this id");
            }
            if let Some(o) = body.lead_organisation_id {
                check_org_ids(conn, &mut errors, &[("/lead_organisation_id", o)]).await?;
            }
            errors.finish()?;
            let row = action_queries::insert(
                conn,
                &NewActionRow {
                    id: new_id(),
                    area_id: body.area_id,
                    code: body.code.clone(),
                    title: body.title.trim().into(),
                    sequence: body.sequence,
                    lead_organisation_id: body.lead_organisation_id,
                    due_on: body.due_on,
                },
            )
            .await
            .map_err(|e| duplicate(e, "an improvement action", &body.code))?;
            Ok(row.id)
        })
    })
    .await?;
    Ok(created_record(
        format!("/api/v1/improvement-actions/{}", action.id),
        &action,
    ))
}

/// Change an improvement action
///
/// Editors and admins. A JSON merge patch; needs `If-Match`. The status
/// changes only through progress updates.
#[utoipa::path(
    tag = "improvement",
    request_body(content = ImprovementActionPatch, content_type = "application/merge-patch+json"),
    params(("id" = Uuid, Path, description = "Improvement action id"), crate::resources::IfMatchHeader),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = ImprovementAction, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 404, description = "No such action", body = ErrorBody),
        (status = 409, description = "The code is taken", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
#[patch("/{id}")]
pub async fn update_improvement_action(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<ImprovementActionPatch>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let (id, patch) = (*id, body.0);
    let actor = ctx.actor();
    let mut conn = state.conn().await?;
    let action = write::change::<ImprovementAction, _>(
        &mut conn,
        &actor,
        id,
        Some(&if_match),
        "update",
        move |conn, before| {
            Box::pin(async move {
                let mut errors = Errors::new();
                let code = patch.code.required("/code", &mut errors.0);
                let title = patch.title.required("/title", &mut errors.0);
                let sequence = patch.sequence.nullable();
                let lead = patch.lead_organisation_id.nullable();
                let due_on = patch.due_on.nullable();
                if let Some(c) = &code {
                    errors.code("/code", c);
                }
                if let Some(t) = &title {
                    errors.text("/title", t, 500);
                }
                if due_on.flatten().is_some_and(|d| !sensible_date(d)) {
                    errors.rule("/due_on", DATE_RANGE_MESSAGE);
                }
                if let Some(Some(o)) = lead {
                    check_org_ids(conn, &mut errors, &[("/lead_organisation_id", o)]).await?;
                }
                errors.finish()?;
                let changes = ActionChanges {
                    code: code.clone(),
                    title: title.map(|t| t.trim().into()),
                    sequence,
                    lead_organisation_id: lead,
                    due_on,
                };
                action_queries::update(conn, id, &changes)
                    .await
                    .map_err(|e| {
                        duplicate(
                            e,
                            "an improvement action",
                            code.as_deref().unwrap_or(&before.code),
                        )
                    })?;
                Ok(())
            })
        },
    )
    .await?;
    Ok(ok_record(&action))
}

/// Progress updates of an improvement action
///
/// Every role may read. Newest first by default.
#[utoipa::path(
    tag = "improvement",
    params(("id" = Uuid, Path, description = "Improvement action id"), progress::UpdateQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of updates", body = ProgressUpdatePage),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
        (status = 404, description = "No such action", body = ErrorBody),
    )
)]
#[get("/{id}/updates")]
pub async fn list_improvement_action_updates(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    progress::list_for::<ImprovementAction>(&req, &state, *id).await
}

/// Get one progress update of an improvement action
#[utoipa::path(
    tag = "improvement",
    params(
        ("id" = Uuid, Path, description = "Improvement action id"),
        ("update_id" = Uuid, Path, description = "Update id"),
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The update", body = ProgressUpdate),
        (status = 404, description = "No such update of this action", body = ErrorBody),
    )
)]
#[get("/{id}/updates/{update_id}")]
pub async fn get_improvement_action_update(
    user: AuthUser,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, Uuid)>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let (id, update_id) = *path;
    progress::get_for::<ImprovementAction>(&state, id, update_id).await
}

/// Report progress on an improvement action
///
/// Editors and admins for any action; a contributor only for actions its
/// organisation leads (the action's own lead, or else one of its area's).
/// The update becomes the action's status. `If-Match` is checked when given.
#[utoipa::path(
    tag = "improvement",
    request_body = progress::NewProgressUpdate,
    params(
        ("id" = Uuid, Path, description = "Improvement action id"),
        crate::resources::OptionalIfMatchHeader,
        crate::resources::IdempotencyHeader
    ),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Recorded", body = ProgressUpdate, headers(("Location" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 403, description = "Not an editor, and not a contributor of a lead organisation", body = ErrorBody),
        (status = 404, description = "No such action", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
    )
)]
#[post("/{id}/updates")]
pub async fn create_improvement_action_update(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: crate::web::http::OptionalIfMatch,
    body: ApiJson<progress::NewProgressUpdate>,
) -> ApiResult<HttpResponse> {
    progress::create_for::<ImprovementAction>(&ctx, &state, *id, if_match, body.0).await
}

/// An improvement area with its actions, in a trace.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TracedArea {
    pub area: ImprovementArea,
    pub actions: Vec<ImprovementAction>,
    /// Its actions by status, overdue as of `as_of`, and their overall status.
    pub rollup: Rollup,
}

/// The whole chain under one recommendation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RecommendationTrace {
    pub recommendation: Recommendation,
    /// The day overdue is judged on.
    pub as_of: NaiveDate,
    /// `red` if anything under it is off track, overdue or red (actions,
    /// milestones, indicators), else `amber` if anything is at risk or amber,
    /// else `green`; `none` when nothing answers it yet.
    pub status: RollupStatus,
    /// The improvement areas that answer it, with their actions.
    pub areas: Vec<TracedArea>,
    /// The service objectives that take those areas up, with their milestone roll-ups.
    pub objectives: Vec<Objective>,
    /// The indicators measuring those objectives, each with its computed
    /// status for the latest period (ended by `as_of`) that has a figure;
    /// `performance` is null for an indicator with no figure yet.
    pub indicators: Vec<TracedIndicator>,
}

/// An indicator in a trace.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TracedIndicator {
    pub indicator: crate::resources::indicators::IndicatorRef,
    /// The objectives of the trace it measures.
    pub objective_ids: Vec<Uuid>,
    pub performance: Option<crate::resources::indicators::performance::IndicatorPerformance>,
}

/// Query of a trace.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct TraceQuery {
    /// The day overdue is judged on (default today, Europe/London).
    as_of: Option<String>,
}

/// Trace a recommendation
///
/// Every role may read. The chain in one answer: the areas answering the
/// recommendation, their actions with status and overdue flags, the
/// objectives taking them up with their milestone roll-ups, those
/// objectives' indicators with their latest computed status, and an overall
/// status. A bounded number of queries whatever its size.
#[utoipa::path(
    tag = "recommendations",
    params(("id" = Uuid, Path, description = "Recommendation id"), TraceQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The trace", body = RecommendationTrace),
        (status = 400, description = "Malformed query", body = ErrorBody),
        (status = 404, description = "No such recommendation", body = ErrorBody),
    )
)]
#[get("/{id}/trace")]
pub async fn trace_recommendation(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut as_of = today();
    for (k, v) in serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .map_err(|_| ApiError::InvalidQuery("the query string is malformed".into()))?
    {
        match k.as_str() {
            "as_of" => as_of = parse_date("as_of", &v)?,
            other => {
                return Err(ApiError::InvalidQuery(format!(
                    "unknown query parameter {other:?}; a trace accepts: as_of"
                )))
            }
        }
    }
    let mut conn = state.conn().await?;
    let row = recommendation_queries::find(&mut conn, *id)
        .await
        .map_err(|e| not_found(e, "recommendation", *id))?;
    let recommendation = recommendation_dtos(&mut conn, vec![row]).await?.remove(0);
    let area_ids: Vec<Uuid> = db::areas_of_recommendations(&mut conn, &[*id])
        .await?
        .into_iter()
        .map(|(_, a)| a)
        .collect();
    let area_rows: Vec<AreaRow> = area_queries::find_many(&mut conn, &area_ids)
        .await?
        .into_iter()
        .filter(|a| a.archived_at.is_none())
        .collect();
    let live_area_ids: Vec<Uuid> = area_rows.iter().map(|a| a.id).collect();
    let mut areas = area_dtos(&mut conn, area_rows).await?;
    areas.sort_by(|a, b| a.code.cmp(&b.code));
    let action_rows = db::actions_of_areas(&mut conn, &live_area_ids).await?;
    let actions = action_dtos(&mut conn, action_rows, as_of).await?;
    let objective_ids: Vec<Uuid> = areas
        .iter()
        .flat_map(|a| a.objective_ids.clone())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let objective_rows: Vec<_> = crate::store::objectives::find_many(&mut conn, &objective_ids)
        .await?
        .into_iter()
        .filter(|o| o.archived_at.is_none())
        .collect();
    let mut objectives =
        crate::resources::objectives::to_dtos(&mut conn, objective_rows, as_of).await?;
    objectives.sort_by(|a, b| a.code.cmp(&b.code));

    let mut by_area: HashMap<Uuid, Vec<ImprovementAction>> = HashMap::new();
    for a in actions {
        by_area.entry(a.area_id).or_default().push(a);
    }
    let mut overall = Rollup::default();
    let traced: Vec<TracedArea> = areas
        .into_iter()
        .map(|area| {
            let actions = by_area.remove(&area.id).unwrap_or_default();
            let mut rollup = Rollup::default();
            for a in &actions {
                rollup.add(a.status, 1, i64::from(a.overdue));
                overall.add(a.status, 1, i64::from(a.overdue));
            }
            TracedArea {
                area,
                actions,
                rollup,
            }
        })
        .collect();
    let indicators = traced_indicators(&mut conn, &objectives, as_of).await?;
    let indicator_statuses =
        indicators
            .iter()
            .map(|i| match i.performance.as_ref().map(|p| p.assessment.rag) {
                Some(Rag::Red) => RollupStatus::Red,
                Some(Rag::Amber) => RollupStatus::Amber,
                Some(Rag::Green) => RollupStatus::Green,
                _ => RollupStatus::None,
            });
    let status = combine(
        overall.status,
        objectives
            .iter()
            .map(|o| o.milestones.status)
            .chain(indicator_statuses),
    );
    Ok(HttpResponse::Ok().json(RecommendationTrace {
        recommendation,
        as_of,
        status,
        areas: traced,
        objectives,
        indicators,
    }))
}

/// The indicators of `objectives` with their latest computed status: a
/// query for the links, one for the rows, one for the latest periods, and
/// three per distinct latest period.
async fn traced_indicators(
    conn: &mut AsyncPgConnection,
    objectives: &[Objective],
    as_of: NaiveDate,
) -> ApiResult<Vec<TracedIndicator>> {
    let objective_ids: Vec<Uuid> = objectives.iter().map(|o| o.id).collect();
    let links = crate::store::links::indicators_of_objectives(conn, &objective_ids).await?;
    let ids: Vec<Uuid> = links
        .iter()
        .map(|(_, i)| *i)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut rows = crate::store::indicators::find_many(conn, &ids).await?;
    rows.retain(|r| r.archived_at.is_none());
    rows.sort_by(|a, b| a.code.cmp(&b.code));
    let latest = crate::store::links::latest_area_periods(conn, &ids, as_of).await?;
    let mut by_period: HashMap<String, Vec<crate::store::indicators::IndicatorRow>> =
        HashMap::new();
    for row in &rows {
        if let Some((_, period)) = latest.iter().find(|(i, _)| *i == row.id) {
            by_period
                .entry(period.clone())
                .or_default()
                .push(row.clone());
        }
    }
    let mut performances = HashMap::new();
    for (code, group) in by_period {
        let period = crate::domain::period::Period::parse(&code)
            .map_err(|e| ApiError::Internal(format!("stored period: {e}")))?;
        for p in crate::resources::indicators::performance::compute(conn, &group, &period).await? {
            performances.insert(p.indicator.id, p);
        }
    }
    Ok(rows
        .iter()
        .map(|r| TracedIndicator {
            indicator: crate::resources::indicators::IndicatorRef::from(r),
            objective_ids: links
                .iter()
                .filter(|(_, i)| *i == r.id)
                .map(|(o, _)| *o)
                .collect(),
            performance: performances.remove(&r.id),
        })
        .collect())
}

/// The worst of several statuses (`none` counts for nothing).
fn combine(first: RollupStatus, rest: impl Iterator<Item = RollupStatus>) -> RollupStatus {
    let rank = |s: RollupStatus| match s {
        RollupStatus::None => 0,
        RollupStatus::Green => 1,
        RollupStatus::Amber => 2,
        RollupStatus::Red => 3,
    };
    std::iter::once(first)
        .chain(rest)
        .max_by_key(|s| rank(*s))
        .unwrap_or(RollupStatus::None)
}

/// Handlers under `/improvement-actions`.
pub mod actions {
    use super::*;

    crate::archive_handlers! {
        module: archive,
        record: ImprovementAction, tag: "improvement", id: "Improvement action id", write: Editor, read: Viewer,
        archive: delete_improvement_action, "Archive an improvement action",
        restore: restore_improvement_action, "Restore an improvement action",
        history: improvement_action_history, "History of an improvement action",
        writers: "Editors and admins.", readers: "Every role may read.",
    }
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
}
