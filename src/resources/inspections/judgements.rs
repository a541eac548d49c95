//! An inspection's graded judgements.

use super::*;

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
    let mut p = crate::web::page::list_params(&req, JUDGEMENTS)?;
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

crate::archive_handlers! {
    module: archive,
    record: Judgement, tag: "inspections", id: "Judgement id", write: Editor, read: Viewer,
    archive: delete_judgement, "Archive a judgement",
    restore: restore_judgement, "Restore a judgement",
    history: judgement_history, "History of a judgement",
    writers: "Editors and admins.", readers: "Every role may read.",
}
