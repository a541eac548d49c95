//! The risk register: each objective's risks with their initial and residual scores.

use super::*;

/// An entry of an objective's risk register.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Risk {
    pub id: Uuid,
    pub objective_id: Uuid,
    /// Unique code, e.g. `RISK-1`.
    pub code: String,
    /// The risk, in short.
    pub title: String,
    /// What is done about it.
    pub treatment_measures: Vec<String>,
    /// 1–16; where the register keeps no score of its own, the objective's.
    pub risk_initial: Option<i32>,
    pub risk_initial_band: Option<RiskBand>,
    pub risk_residual: Option<i32>,
    pub risk_residual_band: Option<RiskBand>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i32,
    pub archived_at: Option<DateTime<Utc>>,
}

page_schema!(RiskPage, Risk);

impl From<RiskRow> for Risk {
    fn from(r: RiskRow) -> Self {
        Risk {
            risk_initial_band: r.risk_initial.and_then(band),
            risk_residual_band: r.risk_residual.and_then(band),
            id: r.id,
            objective_id: r.objective_id,
            code: r.code,
            title: r.title,
            treatment_measures: crate::store::texts(r.treatment_measures),
            risk_initial: r.risk_initial,
            risk_residual: r.risk_residual,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
            archived_at: r.archived_at,
        }
    }
}

impl Versioned for Risk {
    fn version(&self) -> i32 {
        self.version
    }
}

impl Record for Risk {
    const TABLE: &'static str = "risks";
    const ENTITY: &'static str = "risk";

    async fn load(conn: &mut AsyncPgConnection, id: Uuid) -> ApiResult<Self> {
        risk_queries::find(conn, id)
            .await
            .map(Risk::from)
            .map_err(|e| not_found(e, "risk", id))
    }

    fn is_archived(&self) -> bool {
        self.archived_at.is_some()
    }
}

/// A new risk register entry.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRisk {
    /// Unique code, 1–40 characters.
    #[schema(example = "RISK-4")]
    pub code: String,
    /// At most 300 characters.
    pub title: String,
    #[serde(default)]
    pub treatment_measures: Vec<String>,
    #[serde(default)]
    pub risk_initial: Option<i32>,
    #[serde(default)]
    pub risk_residual: Option<i32>,
}

/// A JSON merge patch of a risk register entry.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskPatch {
    #[serde(default)]
    #[schema(value_type = String)]
    pub code: Patch<String>,
    #[serde(default)]
    #[schema(value_type = String)]
    pub title: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Vec<String>)]
    pub treatment_measures: Patch<Vec<String>>,
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub risk_initial: Patch<i32>,
    #[serde(default)]
    #[schema(value_type = Option<i32>)]
    pub risk_residual: Patch<i32>,
}

pub(crate) const RISKS: ListSpec = ListSpec {
    table: "risks",
    filters: &[
        Filter::new("code", FilterKind::Text("risks.code")),
        Filter::new("q", FilterKind::Search(&["risks.code", "risks.title"])),
    ],
    sorts: &[SortField::new("code", "risks.code", SortType::Text)],
    default_sort: "code",
    archivable: true,
};

pub(crate) const REGISTER: ListSpec = ListSpec {
    table: "risks",
    filters: &[
        Filter::new("code", FilterKind::Text("risks.code")),
        Filter::new("objective_id", FilterKind::Uuid("risks.objective_id")),
        Filter::new(
            "plan_id",
            FilterKind::UuidSql(
                "EXISTS (SELECT 1 FROM objectives o \
                 WHERE o.id = risks.objective_id AND o.plan_id = ANY($1))",
            ),
        ),
        Filter::new(
            "initial_band",
            FilterKind::Manual(ManualType::Words(RISK_BANDS)),
        ),
        Filter::new(
            "residual_band",
            FilterKind::Manual(ManualType::Words(RISK_BANDS)),
        ),
        Filter::new("q", FilterKind::Search(&["risks.code", "risks.title"])),
    ],
    sorts: &[SortField::new("code", "risks.code", SortType::Text)],
    default_sort: "code",
    archivable: true,
};

/// Query of the whole risk register.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct RegisterFilters {
    /// Any of these codes (comma-separated).
    code: Option<String>,
    /// Of any of these objectives (comma-separated ids).
    objective_id: Option<String>,
    /// Of objectives in any of these plans (comma-separated ids).
    plan_id: Option<String>,
    /// Initial score in any of these bands (comma-separated): low 1–4, medium 5–10, high 11–16.
    initial_band: Option<String>,
    /// Residual score (after treatment) in any of these bands (comma-separated).
    residual_band: Option<String>,
    /// Free text in code or title.
    q: Option<String>,
}

/// The risk register
///
/// Every risk of every objective, filterable by objective, plan and band.
/// Every role may read.
#[utoipa::path(
    tag = "objectives",
    params(crate::resources::ListQuery, RegisterFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of risks", body = RiskPage),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
    )
)]
#[get("")]
pub async fn list_risks(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut p = crate::web::page::list_params(&req, REGISTER)?;
    filter_by_bands(
        &mut p,
        [
            ("initial_band", "risks.risk_initial"),
            ("residual_band", "risks.risk_residual"),
        ],
    )?;
    let mut conn = state.conn().await?;
    let (rows, total) = risk_queries::list(&mut conn, &p).await?;
    let items: Vec<Risk> = rows.into_iter().map(Risk::from).collect();
    Ok(p.page(items, total)?.respond(&req))
}

/// Query of an objective's risk register.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct RiskFilters {
    /// Any of these codes (comma-separated).
    code: Option<String>,
    /// Free text in code or title.
    q: Option<String>,
}

/// An objective's risk register
///
/// Every role may read.
#[utoipa::path(
    tag = "objectives",
    params(("id" = Uuid, Path, description = "Objective id"), crate::resources::ListQuery, RiskFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of risks", body = RiskPage),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
        (status = 404, description = "No such objective", body = ErrorBody),
    )
)]
#[get("/{id}/risks")]
pub async fn list_objective_risks(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut p = crate::web::page::list_params(&req, RISKS)?;
    p.add_condition(
        DynSql::raw("risks.objective_id = ")
            .bind(id.to_string())
            .sql("::uuid"),
    );
    let mut conn = state.conn().await?;
    db::find(&mut conn, *id)
        .await
        .map_err(|e| not_found(e, "objective", *id))?;
    let (rows, total) = risk_queries::list(&mut conn, &p).await?;
    let items: Vec<Risk> = rows.into_iter().map(Risk::from).collect();
    Ok(p.page(items, total)?.respond(&req))
}

pub(crate) fn risk_duplicate(e: diesel::result::Error, code: &str) -> ApiError {
    crate::web::error::or_duplicate(e, || format!("a risk with code {code:?} already exists"))
}

/// Add a risk to an objective's register
///
/// Editors and admins.
#[utoipa::path(
    tag = "objectives",
    request_body = NewRisk,
    params(("id" = Uuid, Path, description = "Objective id"), crate::resources::IdempotencyHeader),
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created", body = Risk, headers(("Location" = String), ("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 404, description = "No such objective", body = ErrorBody),
        (status = 409, description = "The code is taken", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
    )
)]
#[post("/{id}/risks")]
pub async fn create_objective_risk(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    body: ApiJson<NewRisk>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let (objective_id, body) = (*id, body.0);
    let actor = ctx.actor();
    let mut conn = state.conn().await?;
    let risk = write::create::<Risk, _>(&mut conn, &actor, move |conn| {
        Box::pin(async move {
            db::find(conn, objective_id)
                .await
                .map_err(|e| not_found(e, "objective", objective_id))?;
            let mut errors = Errors::new();
            errors.code("/code", &body.code);
            errors.text("/title", &body.title, 300);
            for (i, m) in body.treatment_measures.iter().enumerate() {
                errors.text(&format!("/treatment_measures/{i}"), m, 1000);
            }
            check_risk(&mut errors, body.risk_initial, body.risk_residual);
            errors.finish()?;
            let row = risk_queries::insert(
                conn,
                &NewRiskRow {
                    id: new_id(),
                    objective_id,
                    code: body.code.clone(),
                    title: body.title.trim().into(),
                    treatment_measures: body.treatment_measures.clone(),
                    risk_initial: body.risk_initial,
                    risk_residual: body.risk_residual,
                },
            )
            .await
            .map_err(|e| risk_duplicate(e, &body.code))?;
            Ok(row.id)
        })
    })
    .await?;
    Ok(created_record(format!("/api/v1/risks/{}", risk.id), &risk))
}

/// Get a risk
#[utoipa::path(
    tag = "objectives",
    params(("id" = Uuid, Path, description = "Risk id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The risk", body = Risk, headers(("ETag" = String))),
        (status = 404, description = "No such risk", body = ErrorBody),
    )
)]
#[get("/{id}")]
pub async fn get_risk(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut conn = state.conn().await?;
    Ok(ok_record(&Risk::load(&mut conn, *id).await?))
}

/// Change a risk
///
/// Editors and admins. A JSON merge patch; needs `If-Match`.
#[utoipa::path(
    tag = "objectives",
    request_body(content = RiskPatch, content_type = "application/merge-patch+json"),
    params(("id" = Uuid, Path, description = "Risk id"), crate::resources::IfMatchHeader),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Changed", body = Risk, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 404, description = "No such risk", body = ErrorBody),
        (status = 409, description = "The code is taken", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid fields", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
#[patch("/{id}")]
pub async fn update_risk(
    ctx: Ctx,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    if_match: IfMatch,
    body: ApiJson<RiskPatch>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let (id, patch) = (*id, body.0);
    let actor = ctx.actor();
    let mut conn = state.conn().await?;
    let risk = write::change::<Risk, _>(
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
                let measures = patch
                    .treatment_measures
                    .required("/treatment_measures", &mut errors.0);
                let (initial, residual) = (
                    patch.risk_initial.nullable(),
                    patch.risk_residual.nullable(),
                );
                if let Some(c) = &code {
                    errors.code("/code", c);
                }
                if let Some(t) = &title {
                    errors.text("/title", t, 300);
                }
                for (i, m) in measures.iter().flatten().enumerate() {
                    errors.text(&format!("/treatment_measures/{i}"), m, 1000);
                }
                check_risk(
                    &mut errors,
                    initial.unwrap_or(before.risk_initial),
                    residual.unwrap_or(before.risk_residual),
                );
                errors.finish()?;
                let changes = RiskChanges {
                    code: code.clone(),
                    title: title.map(|t| t.trim().into()),
                    treatment_measures: measures,
                    risk_initial: initial,
                    risk_residual: residual,
                };
                risk_queries::update(conn, id, &changes)
                    .await
                    .map_err(|e| risk_duplicate(e, code.as_deref().unwrap_or(&before.code)))?;
                Ok(())
            })
        },
    )
    .await?;
    Ok(ok_record(&risk))
}

crate::archive_handlers! {
    module: archive,
    record: Risk, tag: "objectives", id: "Risk id", write: Editor, read: Viewer,
    archive: delete_risk, "Archive a risk",
    restore: restore_risk, "Restore a risk",
    history: risk_history, "History of a risk",
    writers: "Editors and admins.", readers: "Every role may read.",
}
