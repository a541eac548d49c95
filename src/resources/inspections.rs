//! `/api/v1/inspections` (with their judgements) and `/api/v1/recommendations`:
//! the Joint Area Review, annual performance assessments and what they asked for.

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
use crate::store::listing::{Filter, FilterKind, ListParams, ListSpec, SortField, SortType};
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
    let p = ListParams::parse(req.query_string(), INSPECTIONS)?;
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

/// A judgement of an inspection.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Judgement {
    pub id: Uuid,
    pub inspection_id: Uuid,
    /// Unique within the inspection, e.g. `JAR-G1`.
    pub code: String,
    /// The area judged, e.g. "Safeguarding".
    pub area: String,
    pub kind: JudgementKind,
    /// 1–4, where the inspectors gave a number.
    pub grade: Option<i32>,
    /// The grade's word, or the word the inspectors gave without a number.
    pub label: GradeLabel,
    pub summary: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
}

page_schema!(JudgementPage, Judgement);

impl TryFrom<JudgementRow> for Judgement {
    type Error = ApiError;
    fn try_from(r: JudgementRow) -> ApiResult<Self> {
        let label = match (r.grade.and_then(GradeLabel::of_grade), r.word.as_deref()) {
            (Some(l), _) => l,
            (None, Some(w)) => GradeLabel::from_db(w)?,
            (None, None) => {
                return Err(ApiError::Internal("judgement without grade or word".into()))
            }
        };
        Ok(Judgement {
            kind: JudgementKind::from_db(&r.kind)?,
            label,
            id: r.id,
            inspection_id: r.inspection_id,
            code: r.code,
            area: r.area,
            grade: r.grade,
            summary: r.summary,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
            archived_at: r.archived_at,
        })
    }
}

impl Versioned for Judgement {
    fn version(&self) -> i32 {
        self.version
    }
}

impl Record for Judgement {
    const TABLE: &'static str = "judgements";
    const ENTITY: &'static str = "judgement";
    async fn load(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Self> {
        judgement_queries::find(conn, id)
            .await
            .map_err(|e| not_found(e, "judgement", id))?
            .try_into()
    }
    fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

/// A new judgement.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewJudgement {
    /// Unique within the inspection, 1–40 characters.
    pub code: String,
    /// At most 300 characters.
    pub area: String,
    pub kind: JudgementKind,
    /// 1–4; give `grade` or `label` (or both, agreeing).
    #[serde(default)]
    pub grade: Option<i32>,
    /// The word, where no number is given.
    #[serde(default)]
    pub label: Option<GradeLabel>,
    #[serde(default)]
    pub summary: Option<String>,
}

pub(crate) const JUDGEMENTS: ListSpec = ListSpec {
    table: "judgements",
    filters: &[
        Filter::new("code", FilterKind::Text("judgements.code")),
        Filter::new(
            "kind",
            FilterKind::Vocab("judgements.kind", JudgementKind::WORDS),
        ),
        Filter::new(
            "q",
            FilterKind::Search(&["judgements.area", "judgements.summary"]),
        ),
    ],
    sorts: &[
        SortField::new("code", "judgements.code", SortType::Text),
        SortField::nullable("grade", "judgements.grade", SortType::Int),
    ],
    default_sort: "code",
    archivable: true,
};

/// Filters of an inspection's judgements.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct JudgementFilters {
    /// Any of these codes (comma-separated).
    code: Option<String>,
    /// Any of these kinds (comma-separated).
    kind: Option<String>,
    /// Free text in area or summary.
    q: Option<String>,
}

/// An inspection's judgements
///
/// Every role may read. Sort on `code` (default) or `grade`.
#[utoipa::path(
    tag = "inspections",
    params(("id" = Uuid, Path, description = "Inspection id"), crate::resources::ListQuery, JudgementFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of judgements", body = JudgementPage),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
        (status = 404, description = "No such inspection", body = ErrorBody),
    )
)]
#[get("/{id}/judgements")]
pub async fn list_judgements(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut p = ListParams::parse(req.query_string(), JUDGEMENTS)?;
    p.add_condition(
        DynSql::raw("judgements.inspection_id = ")
            .bind(id.to_string())
            .sql("::uuid"),
    );
    let mut conn = state.conn().await?;
    Inspection::load(&mut conn, *id).await?;
    let (rows, total) = judgement_queries::list(&mut conn, &p).await?;
    let items = rows
        .into_iter()
        .map(Judgement::try_from)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(p.page(items, total)?.respond(&req))
}

/// Record a judgement
///
/// Editors and admins.
#[utoipa::path(
    tag = "inspections",
    request_body = NewJudgement,
    params(("id" = Uuid, Path, description = "Inspection id"), crate::resources::IdempotencyHeader),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Judgement, headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 404, description = "No such inspection", body = ErrorBody),
        (status = 409, description = "The code is taken in this inspection", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
    )
)]
#[post("/{id}/judgements")]
pub async fn create_judgement(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: ApiJson<NewJudgement>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let (inspection_id, body) = (*id, body.0);
    let actor = ctx.actor();
    let mut conn = state.conn().await?;
    let judgement = write::create::<Judgement, _>(&mut conn, &actor, move |conn| {
        Box::pin(async move {
            Inspection::load(conn, inspection_id).await?;
            let mut errors = Errors::new();
            errors.code("/code", &body.code);
            errors.text("/area", &body.area, 300);
            errors.opt_text("/summary", body.summary.as_deref(), 4000);
            match (body.grade, body.label) {
                (None, None) => errors.rule("/grade", "give a grade 1-4 or a label"),
                (Some(g), label) => match GradeLabel::of_grade(g) {
                    None => errors.add("/grade", "must be 1 (inadequate) to 4 (outstanding)"),
                    Some(l) if label.is_some_and(|x| x != l) => {
                        errors.rule("/label", format!("grade {g} is {l}"))
                    }
                    Some(_) => {}
                },
                (None, Some(_)) => {}
            }
            errors.finish()?;
            let row = judgement_queries::insert(
                conn,
                &NewJudgementRow {
                    id: new_id(),
                    inspection_id,
                    code: body.code.clone(),
                    area: body.area.trim().into(),
                    kind: body.kind.as_str().into(),
                    grade: body.grade,
                    word: body.label.map(|l| l.as_str().into()),
                    summary: body.summary.clone(),
                },
            )
            .await
            .map_err(|e| duplicate(e, "a judgement", &body.code))?;
            Ok(row.id)
        })
    })
    .await?;
    Ok(created_record(
        format!("/api/v1/judgements/{}", judgement.id),
        &judgement,
    ))
}

/// Get a judgement
#[utoipa::path(
    tag = "inspections",
    params(("id" = Uuid, Path, description = "Judgement id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The judgement", body = Judgement, headers(("ETag" = String))),
        (status = 404, description = "No such judgement", body = ErrorBody),
    )
)]
#[get("/{id}")]
pub async fn get_judgement(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut conn = state.conn().await?;
    Ok(ok_record(&Judgement::load(&mut conn, *id).await?))
}

/// Judgement handlers under `/judgements`.
pub mod judgements {
    use super::*;

    crate::archive_handlers! {
        module: archive,
        record: Judgement, tag: "inspections", id: "Judgement id", write: Editor, read: Viewer,
        archive: delete_judgement, "Archive a judgement",
        restore: restore_judgement, "Restore a judgement",
        history: judgement_history, "History of a judgement",
        writers: "Editors and admins.", readers: "Every role may read.",
    }
}

/// A recommendation of an inspection.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Recommendation {
    pub id: Uuid,
    pub inspection_id: Uuid,
    pub inspection: InspectionRef,
    /// Unique within the inspection, e.g. `JAR-R2`.
    pub code: String,
    /// What the inspectors recommend.
    pub text: String,
    pub timeframe: Timeframe,
    /// Whom it is addressed to, as written.
    pub addressee: Option<String>,
    /// When it is due, where a date was set.
    pub due_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
}

page_schema!(RecommendationPage, Recommendation);

impl Versioned for Recommendation {
    fn version(&self) -> i32 {
        self.version
    }
}

impl Record for Recommendation {
    const TABLE: &'static str = "recommendations";
    const ENTITY: &'static str = "recommendation";
    async fn load(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Self> {
        let row = recommendation_queries::find(conn, id)
            .await
            .map_err(|e| not_found(e, "recommendation", id))?;
        Ok(recommendation_dtos(conn, vec![row]).await?.remove(0))
    }
    fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

/// Turns rows into the API shape (two queries whatever the number).
pub(crate) async fn recommendation_dtos(
    conn: &mut AsyncPgConnection,
    rows: Vec<RecommendationRow>,
) -> ApiResult<Vec<Recommendation>> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.inspection_id).collect();
    let inspections = db::find_many(conn, &ids).await?;
    rows.into_iter()
        .map(|r| {
            let i = inspections
                .iter()
                .find(|i| i.id == r.inspection_id)
                .ok_or_else(|| ApiError::Internal("recommendation without inspection".into()))?;
            Ok(Recommendation {
                timeframe: Timeframe::from_db(&r.timeframe)?,
                inspection: InspectionRef {
                    id: i.id,
                    code: i.code.clone(),
                    title: i.title.clone(),
                },
                id: r.id,
                inspection_id: r.inspection_id,
                code: r.code,
                text: r.text,
                addressee: r.addressee,
                due_on: r.due_on,
                created_at: r.created_at,
                updated_at: r.updated_at,
                version: r.version,
                archived_at: r.archived_at,
            })
        })
        .collect()
}

/// A new recommendation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRecommendation {
    pub inspection_id: Uuid,
    /// Unique within the inspection, 1–40 characters.
    #[schema(example = "JAR-R2")]
    pub code: String,
    /// At most 2000 characters.
    pub text: String,
    pub timeframe: Timeframe,
    #[serde(default)]
    pub addressee: Option<String>,
    #[serde(default)]
    pub due_on: Option<NaiveDate>,
}

/// A JSON merge patch of a recommendation.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecommendationPatch {
    #[serde(default)]
    #[schema(value_type = String)]
    pub code: Patch<String>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub text: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Timeframe)]
    pub timeframe: Patch<Timeframe>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub addressee: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub due_on: Patch<NaiveDate>,
}

/// Filters of `GET /recommendations`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct RecommendationFilters {
    /// Any of these codes (comma-separated).
    code: Option<String>,
    /// Of any of these inspections (comma-separated ids).
    inspection_id: Option<String>,
    /// Any of these timeframes (comma-separated).
    timeframe: Option<String>,
    /// Free text in code, text or addressee.
    q: Option<String>,
}

pub(crate) const RECOMMENDATIONS: ListSpec = ListSpec {
    table: "recommendations",
    filters: &[
        Filter::new("code", FilterKind::Text("recommendations.code")),
        Filter::new(
            "inspection_id",
            FilterKind::Uuid("recommendations.inspection_id"),
        ),
        Filter::new(
            "timeframe",
            FilterKind::Vocab("recommendations.timeframe", Timeframe::WORDS),
        ),
        Filter::new(
            "q",
            FilterKind::Search(&[
                "recommendations.code",
                "recommendations.text",
                "recommendations.addressee",
            ]),
        ),
    ],
    sorts: &[
        SortField::new("code", "recommendations.code", SortType::Text),
        SortField::nullable("due_on", "recommendations.due_on", SortType::Date),
    ],
    default_sort: "code",
    archivable: true,
};

/// List recommendations
///
/// Every role may read. Sort on `code` (default) or `due_on`.
#[utoipa::path(
    tag = "recommendations",
    params(crate::resources::ListQuery, RecommendationFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of recommendations", body = RecommendationPage),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
    )
)]
#[get("")]
pub async fn list_recommendations(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let p = ListParams::parse(req.query_string(), RECOMMENDATIONS)?;
    let mut conn = state.conn().await?;
    let (rows, total) = recommendation_queries::list(&mut conn, &p).await?;
    let items = recommendation_dtos(&mut conn, rows).await?;
    Ok(p.page(items, total)?.respond(&req))
}

/// Get a recommendation
#[utoipa::path(
    tag = "recommendations",
    params(("id" = Uuid, Path, description = "Recommendation id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The recommendation", body = Recommendation, headers(("ETag" = String))),
        (status = 404, description = "No such recommendation", body = ErrorBody),
    )
)]
#[get("/{id}")]
pub async fn get_recommendation(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut conn = state.conn().await?;
    Ok(ok_record(&Recommendation::load(&mut conn, *id).await?))
}

/// Record a recommendation
///
/// Editors and admins.
#[utoipa::path(
    tag = "recommendations",
    request_body = NewRecommendation,
    params(crate::resources::IdempotencyHeader),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Recommendation, headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 409, description = "The code is taken in this inspection", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
    )
)]
#[post("")]
pub async fn create_recommendation(
    ctx: Ctx,
    state: web::Data<AppState>,
    body: ApiJson<NewRecommendation>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let body = body.0;
    let actor = ctx.actor();
    let mut conn = state.conn().await?;
    let rec = write::create::<Recommendation, _>(&mut conn, &actor, move |conn| {
        Box::pin(async move {
            let mut errors = Errors::new();
            errors.code("/code", &body.code);
            errors.text("/text", &body.text, 2000);
            errors.opt_text("/addressee", body.addressee.as_deref(), 300);
            if body.due_on.is_some_and(|d| !sensible_date(d)) {
                errors.rule("/due_on", DATE_RANGE_MESSAGE);
            }
            if db::find_many(conn, &[body.inspection_id]).await?.is_empty() {
                errors.unknown("/inspection_id", "no inspection has this id");
            }
            errors.finish()?;
            let row = recommendation_queries::insert(
                conn,
                &NewRecommendationRow {
                    id: new_id(),
                    inspection_id: body.inspection_id,
                    code: body.code.clone(),
                    text: body.text.trim().into(),
                    timeframe: body.timeframe.as_str().into(),
                    addressee: body.addressee.clone(),
                    due_on: body.due_on,
                },
            )
            .await
            .map_err(|e| duplicate(e, "a recommendation", &body.code))?;
            Ok(row.id)
        })
    })
    .await?;
    Ok(created_record(
        format!("/api/v1/recommendations/{}", rec.id),
        &rec,
    ))
}

/// Change a recommendation
///
/// Editors and admins. A JSON merge patch; needs `If-Match`.
#[utoipa::path(
    tag = "recommendations",
    request_body(content = RecommendationPatch, content_type = "application/merge-patch+json"),
    params(("id" = Uuid, Path, description = "Recommendation id"), crate::resources::IfMatchHeader),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = Recommendation, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 404, description = "No such recommendation", body = ErrorBody),
        (status = 409, description = "The code is taken in this inspection", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
#[patch("/{id}")]
pub async fn update_recommendation(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<RecommendationPatch>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let (id, patch) = (*id, body.0);
    let actor = ctx.actor();
    let mut conn = state.conn().await?;
    let rec = write::change::<Recommendation, _>(
        &mut conn,
        &actor,
        id,
        Some(&if_match),
        "update",
        move |conn, before| {
            Box::pin(async move {
                let mut errors = Errors::new();
                let code = patch.code.required("/code", &mut errors.0);
                let text = patch.text.required("/text", &mut errors.0);
                let timeframe = patch.timeframe.required("/timeframe", &mut errors.0);
                let addressee = patch.addressee.nullable();
                let due_on = patch.due_on.nullable();
                if let Some(c) = &code {
                    errors.code("/code", c);
                }
                if let Some(t) = &text {
                    errors.text("/text", t, 2000);
                }
                errors.opt_text("/addressee", addressee.clone().flatten().as_deref(), 300);
                if due_on.flatten().is_some_and(|d| !sensible_date(d)) {
                    errors.rule("/due_on", DATE_RANGE_MESSAGE);
                }
                errors.finish()?;
                let changes = RecommendationChanges {
                    code: code.clone(),
                    text: text.map(|t| t.trim().into()),
                    timeframe: timeframe.map(|t| t.as_str().into()),
                    addressee,
                    due_on,
                };
                recommendation_queries::update(conn, id, &changes)
                    .await
                    .map_err(|e| {
                        duplicate(
                            e,
                            "a recommendation",
                            code.as_deref().unwrap_or(&before.code),
                        )
                    })?;
                Ok(())
            })
        },
    )
    .await?;
    Ok(ok_record(&rec))
}

/// Recommendation handlers under `/recommendations`.
pub mod recommendations {
    use super::*;

    crate::archive_handlers! {
        module: archive,
        record: Recommendation, tag: "recommendations", id: "Recommendation id", write: Editor, read: Viewer,
        archive: delete_recommendation, "Archive a recommendation",
        restore: restore_recommendation, "Restore a recommendation",
        history: recommendation_history, "History of a recommendation",
        writers: "Editors and admins.", readers: "Every role may read.",
    }
}
