//! `/api/v1/inspections` (with their judgements) and `/api/v1/recommendations`:
//! the Joint Area Review, annual performance assessments and what they asked for.

pub mod judgements;
pub mod recommendations;

pub use judgements::*;
pub use recommendations::*;

use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, NaiveDate, Utc};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::resources::write::{self, Record};
use crate::store::inspections::{
    self as db, judgement_queries, recommendation_queries, InspectionChanges, InspectionRow,
    JudgementRow, NewInspectionRow, NewJudgementRow, NewRecommendationRow, RecommendationChanges,
    RecommendationRow,
};
use crate::store::listing::{Filter, FilterKind, ListSpec, SortField, SortType};
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
    /// What kind of inspection.
    InspectionKind {
        JointAreaReview = "joint_area_review",
        AnnualPerformanceAssessment = "annual_performance_assessment",
        CorporateAssessment = "corporate_assessment",
        Regulatory = "regulatory",
    }
}

vocab! {
    /// What a judgement judges.
    JudgementKind {
        /// One of the graded areas (grade 1–4).
        GradedArea = "graded_area",
        /// An additional investigation (judged in words).
        AdditionalInvestigation = "additional_investigation",
        /// A narrative judgement within an area.
        SubJudgement = "sub_judgement",
        /// A corporate assessment judgement annexed to the report.
        CorporateAssessmentJudgement = "corporate_assessment_judgement",
    }
}

vocab! {
    /// The inspection scale's words: 1 inadequate, 2 adequate, 3 good, 4 outstanding.
    GradeLabel {
        Inadequate = "inadequate",
        Adequate = "adequate",
        Good = "good",
        Outstanding = "outstanding",
    }
}

vocab! {
    /// When a recommendation is to be acted on.
    Timeframe {
        Immediate = "immediate",
        WithinSixMonths = "within_six_months",
        Other = "other",
    }
}

impl GradeLabel {
    /// The word for a grade 1–4.
    pub fn of_grade(grade: i32) -> Option<GradeLabel> {
        match grade {
            1 => Some(GradeLabel::Inadequate),
            2 => Some(GradeLabel::Adequate),
            3 => Some(GradeLabel::Good),
            4 => Some(GradeLabel::Outstanding),
            _ => None,
        }
    }
}

/// A short reference to an inspection.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct InspectionRef {
    pub id: Uuid,
    pub code: String,
    pub title: String,
}

/// An inspection or assessment.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Inspection {
    pub id: Uuid,
    /// Unique code, e.g. `JAR-2008`.
    pub code: String,
    pub kind: InspectionKind,
    pub title: String,
    /// The inspectorates that took part.
    pub inspectorates: Vec<String>,
    pub published_on: Option<NaiveDate>,
    /// The report's reference number.
    pub reference: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
}

page_schema!(InspectionPage, Inspection);

impl TryFrom<InspectionRow> for Inspection {
    type Error = ApiError;
    fn try_from(r: InspectionRow) -> ApiResult<Self> {
        Ok(Inspection {
            kind: InspectionKind::from_db(&r.kind)?,
            inspectorates: crate::store::texts(r.inspectorates),
            id: r.id,
            code: r.code,
            title: r.title,
            published_on: r.published_on,
            reference: r.reference,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
            archived_at: r.archived_at,
        })
    }
}

impl Versioned for Inspection {
    fn version(&self) -> i32 {
        self.version
    }
}

impl Record for Inspection {
    const TABLE: &'static str = "inspections";
    const ENTITY: &'static str = "inspection";
    async fn load(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Self> {
        db::find(conn, id)
            .await
            .map_err(|e| not_found(e, "inspection", id))?
            .try_into()
    }
    fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

fn duplicate(e: diesel::result::Error, what: &str, code: &str) -> ApiError {
    crate::web::error::or_duplicate(e, || format!("{what} with code {code:?} already exists"))
}

fn check_list(errors: &mut Errors, pointer: &str, items: &[String], max: usize) {
    for (i, item) in items.iter().enumerate() {
        errors.text(&format!("{pointer}/{i}"), item, max);
    }
}

/// A new inspection.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewInspection {
    /// Unique code, 1–40 characters.
    #[schema(example = "JAR-2008")]
    pub code: String,
    pub kind: InspectionKind,
    /// At most 300 characters.
    pub title: String,
    #[serde(default)]
    pub inspectorates: Vec<String>,
    #[serde(default)]
    pub published_on: Option<NaiveDate>,
    #[serde(default)]
    pub reference: Option<String>,
}

/// A JSON merge patch of an inspection.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectionPatch {
    #[serde(default)]
    #[schema(value_type = String)]
    pub code: Patch<String>,
    #[serde(default)]
    #[schema(value_type = InspectionKind)]
    pub kind: Patch<InspectionKind>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub title: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub inspectorates: Patch<Vec<String>>,
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub published_on: Patch<NaiveDate>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub reference: Patch<String>,
}

/// Filters of `GET /inspections`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct InspectionFilters {
    /// Any of these codes (comma-separated).
    code: Option<String>,
    /// Any of these kinds (comma-separated).
    kind: Option<String>,
    /// Free text in code or title.
    q: Option<String>,
}

pub(crate) const INSPECTIONS: ListSpec = ListSpec {
    table: "inspections",
    filters: &[
        Filter::new("code", FilterKind::Text("inspections.code")),
        Filter::new(
            "kind",
            FilterKind::Vocab("inspections.kind", InspectionKind::WORDS),
        ),
        Filter::new(
            "q",
            FilterKind::Search(&["inspections.code", "inspections.title"]),
        ),
    ],
    sorts: &[
        SortField::new("code", "inspections.code", SortType::Text),
        SortField::nullable("published_on", "inspections.published_on", SortType::Date),
    ],
    default_sort: "code",
    archivable: true,
};

/// List inspections
///
/// Every role may read. Sort on `code` (default) or `published_on`.
#[utoipa::path(
    tag = "inspections",
    params(crate::resources::ListQuery, InspectionFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of inspections", body = InspectionPage),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
    )
)]
#[get("")]
pub async fn list_inspections(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let p = crate::web::page::list_params(&req, INSPECTIONS)?;
    let mut conn = state.conn().await?;
    let (rows, total) = db::list(&mut conn, &p).await?;
    let items = rows
        .into_iter()
        .map(Inspection::try_from)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(p.page(items, total)?.respond(&req))
}

/// Get an inspection
#[utoipa::path(
    tag = "inspections",
    params(("id" = Uuid, Path, description = "Inspection id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The inspection", body = Inspection, headers(("ETag" = String))),
        (status = 404, description = "No such inspection", body = ErrorBody),
    )
)]
#[get("/{id}")]
pub async fn get_inspection(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut conn = state.conn().await?;
    Ok(ok_record(&Inspection::load(&mut conn, *id).await?))
}

/// Record an inspection
///
/// Editors and admins.
#[utoipa::path(
    tag = "inspections",
    request_body = NewInspection,
    params(crate::resources::IdempotencyHeader),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Inspection, headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 409, description = "The code is taken", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
    )
)]
#[post("")]
pub async fn create_inspection(
    ctx: Ctx,
    state: web::Data<AppState>,
    body: ApiJson<NewInspection>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let body = body.0;
    let actor = ctx.actor();
    let mut conn = state.conn().await?;
    let inspection = write::create::<Inspection, _>(&mut conn, &actor, move |conn| {
        Box::pin(async move {
            let mut errors = Errors::new();
            errors.code("/code", &body.code);
            errors.text("/title", &body.title, 300);
            check_list(&mut errors, "/inspectorates", &body.inspectorates, 200);
            errors.opt_text("/reference", body.reference.as_deref(), 100);
            if body.published_on.is_some_and(|d| !sensible_date(d)) {
                errors.rule("/published_on", DATE_RANGE_MESSAGE);
            }
            errors.finish()?;
            let row = db::insert(
                conn,
                &NewInspectionRow {
                    id: new_id(),
                    code: body.code.clone(),
                    kind: body.kind.as_str().into(),
                    title: body.title.trim().into(),
                    inspectorates: body.inspectorates.clone(),
                    published_on: body.published_on,
                    reference: body.reference.clone(),
                },
            )
            .await
            .map_err(|e| duplicate(e, "an inspection", &body.code))?;
            Ok(row.id)
        })
    })
    .await?;
    Ok(created_record(
        format!("/api/v1/inspections/{}", inspection.id),
        &inspection,
    ))
}

/// Change an inspection
///
/// Editors and admins. A JSON merge patch; needs `If-Match`.
#[utoipa::path(
    tag = "inspections",
    request_body(content = InspectionPatch, content_type = "application/merge-patch+json"),
    params(("id" = Uuid, Path, description = "Inspection id"), crate::resources::IfMatchHeader),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = Inspection, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 404, description = "No such inspection", body = ErrorBody),
        (status = 409, description = "The code is taken", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
#[patch("/{id}")]
pub async fn update_inspection(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<InspectionPatch>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let (id, patch) = (*id, body.0);
    let actor = ctx.actor();
    let mut conn = state.conn().await?;
    let inspection = write::change::<Inspection, _>(
        &mut conn,
        &actor,
        id,
        Some(&if_match),
        "update",
        move |conn, before| {
            Box::pin(async move {
                let mut errors = Errors::new();
                let code = patch.code.required("/code", &mut errors.0);
                let kind = patch.kind.required("/kind", &mut errors.0);
                let title = patch.title.required("/title", &mut errors.0);
                let inspectorates = patch
                    .inspectorates
                    .required("/inspectorates", &mut errors.0);
                let published_on = patch.published_on.nullable();
                let reference = patch.reference.nullable();
                if let Some(c) = &code {
                    errors.code("/code", c);
                }
                if let Some(t) = &title {
                    errors.text("/title", t, 300);
                }
                check_list(
                    &mut errors,
                    "/inspectorates",
                    inspectorates.as_deref().unwrap_or_default(),
                    200,
                );
                if published_on.flatten().is_some_and(|d| !sensible_date(d)) {
                    errors.rule("/published_on", DATE_RANGE_MESSAGE);
                }
                errors.opt_text("/reference", reference.clone().flatten().as_deref(), 100);
                errors.finish()?;
                let changes = InspectionChanges {
                    code: code.clone(),
                    kind: kind.map(|k| k.as_str().into()),
                    title: title.map(|t| t.trim().into()),
                    inspectorates,
                    published_on,
                    reference,
                };
                db::update(conn, id, &changes).await.map_err(|e| {
                    duplicate(e, "an inspection", code.as_deref().unwrap_or(&before.code))
                })?;
                Ok(())
            })
        },
    )
    .await?;
    Ok(ok_record(&inspection))
}

crate::archive_handlers! {
    module: archive,
    record: Inspection, tag: "inspections", id: "Inspection id", write: Editor, read: Viewer,
    archive: delete_inspection, "Archive an inspection",
    restore: restore_inspection, "Restore an inspection",
    history: inspection_history, "History of an inspection",
    writers: "Editors and admins.", readers: "Every role may read.",
}
