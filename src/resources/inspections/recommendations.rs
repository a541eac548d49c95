//! An inspection's recommendations, which the improvement plan answers.

use super::*;

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
    let p = crate::web::page::list_params(&req, RECOMMENDATIONS)?;
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

crate::archive_handlers! {
    module: archive,
    record: Recommendation, tag: "recommendations", id: "Recommendation id", write: Editor, read: Viewer,
    archive: delete_recommendation, "Archive a recommendation",
    restore: restore_recommendation, "Restore a recommendation",
    history: recommendation_history, "History of a recommendation",
    writers: "Editors and admins.", readers: "Every role may read.",
}
