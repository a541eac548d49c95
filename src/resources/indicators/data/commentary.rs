//! An indicator's commentary per period: list and write (PUT).

use super::*;

// ------------------------------------------------------------- commentary

/// The story behind the curve of an indicator for one period.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Commentary {
    pub id: Uuid,
    pub indicator_id: Uuid,
    pub period: Period,
    /// The context.
    pub overview: Option<String>,
    /// What has made the difference (the causes).
    pub what_made_the_difference: Option<String>,
    /// What happens next (the plan to improve).
    pub what_happens_next: Option<String>,
    /// The `sub` of the token that last wrote it.
    pub author_sub: String,
    /// The `name` of that token, when it had one.
    pub author_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Incremented by every change; the `ETag`.
    pub version: i32,
    /// When it was withdrawn (`DELETE`): withdrawn commentary is in no list
    /// or status and keeps its history; writing it again brings it back.
    /// Null while it stands.
    #[schema(required = true)]
    pub withdrawn_at: Option<DateTime<Utc>>,
}

page_schema!(CommentaryPage, Commentary);

impl Versioned for Commentary {
    fn version(&self) -> i32 {
        self.version
    }
}

impl write::Identified for Commentary {
    fn id(&self) -> Uuid {
        self.id
    }
}

impl Commentary {
    pub fn from_row(r: CommentaryRow) -> ApiResult<Commentary> {
        Ok(Commentary {
            period: stored_period(&r.period)?,
            id: r.id,
            indicator_id: r.indicator_id,
            overview: r.overview,
            what_made_the_difference: r.what_made_the_difference,
            what_happens_next: r.what_happens_next,
            author_sub: r.author_sub,
            author_name: r.author_name,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
            withdrawn_at: r.withdrawn_at,
        })
    }
}

/// A correction of commentary (JSON merge patch): the parts given change,
/// `null` clears one; at least one part must remain. The author becomes the
/// caller.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentaryPatch {
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub overview: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub what_made_the_difference: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub what_happens_next: Patch<String>,
}

/// Commentary to write. At least one part must be given; each at most
/// 10000 characters. The author is taken from the token.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentaryBody {
    #[serde(default)]
    pub overview: Option<String>,
    #[serde(default)]
    pub what_made_the_difference: Option<String>,
    #[serde(default)]
    pub what_happens_next: Option<String>,
}

/// Query of `GET /indicators/{id}/commentary`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct CommentaryFilters {
    /// Any of these period codes (comma-separated).
    period: Option<String>,
}

pub(crate) const COMMENTARY: ListSpec = ListSpec {
    table: "indicator_commentary",
    filters: &[Filter::new(
        "period",
        FilterKind::Text("indicator_commentary.period"),
    )],
    sorts: &[
        SortField::at(
            "period",
            "indicator_commentary.period_starts_on",
            SortType::Date,
            "/period/starts_on",
        ),
        SortField::at(
            "period_end",
            "indicator_commentary.period_ends_on",
            SortType::Date,
            "/period/ends_on",
        ),
        SortField::new(
            "updated_at",
            "indicator_commentary.updated_at",
            SortType::Timestamp,
        ),
    ],
    default_sort: "period,period_end",
    archivable: false,
};

/// List an indicator's commentary
///
/// Every role may read. One entry per period, in time order (default
/// `sort=period,period_end`), or by `updated_at`.
#[utoipa::path(
    tag = "indicators",
    params(("id" = Uuid, Path, description = "Indicator id"), crate::resources::ListQuery, CommentaryFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of commentary", body = CommentaryPage),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
        (status = 404, description = "No such indicator", body = ErrorBody),
    )
)]
#[get("/{id}/commentary")]
pub async fn list_indicator_commentary(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut p = crate::web::page::list_params(&req, COMMENTARY)?;
    let mut conn = state.conn().await?;
    let row = find_row(&mut conn, *id).await?;
    p.add_condition(
        DynSql::raw(
            "indicator_commentary.withdrawn_at IS NULL AND indicator_commentary.indicator_id = ",
        )
        .bind(row.id.to_string())
        .sql("::uuid"),
    );
    let (rows, total) = db::list_commentary(&mut conn, &p).await?;
    let items = rows
        .into_iter()
        .map(Commentary::from_row)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(p.page(items, total)?.respond(&req))
}

pub(crate) fn commentary_part(
    errors: &mut Errors,
    pointer: &str,
    v: &Option<String>,
) -> Option<String> {
    let v = v
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if v.as_ref().is_some_and(|s| s.chars().count() > 10_000) {
        errors.add(pointer, "may be at most 10000 characters");
    }
    v
}

/// Write an indicator's commentary for a period
///
/// Contributors of the indicator's lead organisation, editors and admins.
/// Creates (201) or replaces (200) the period's commentary; the author is
/// the caller. Audited as action `commentary` on entity type
/// `indicator_commentary`. `If-Match` is checked when given.
#[utoipa::path(
    tag = "indicators",
    request_body = CommentaryBody,
    params(
        ("id" = Uuid, Path, description = "Indicator id"),
        ("period" = String, Path, description = "Period code, e.g. `FY2009-10-Q2`"),
        crate::resources::reporting::LockOverride,
        crate::resources::OptionalIfMatchHeader,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Replaced", body = Commentary, headers(("ETag" = String))),
        (status = 201, description = "Created", body = Commentary, headers(("ETag" = String), ("Location" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 403, description = "A viewer, or a contributor of another organisation", body = ErrorBody),
        (status = 404, description = "No such indicator", body = ErrorBody),
        (status = 409, description = "The indicator is archived, or the period is locked by a closed reporting cycle (`period_locked`)", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid period or fields", body = ErrorBody),
    )
)]
#[put("/{id}/commentary/{period}")]
pub async fn put_indicator_commentary(
    req: HttpRequest,
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, String)>,
    if_match: OptionalIfMatch,
    body: ApiJson<CommentaryBody>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Contributor)?;
    let (id, code) = path.into_inner();
    let period = parse_period("/period", &code)?;
    let body = body.0;
    let mut conn = state.conn().await?;
    let mut actor = ctx.actor();
    let lock = crate::resources::reporting::LockPass::of(&req, &ctx.user)?;
    let user = ctx.user.clone();
    let (commentary, created) = conn
        .transaction::<(Commentary, bool), ApiError, _>(async move |conn| {
            authorize_report(conn, &user, id).await?;
            lock.check(
                conn,
                crate::store::reporting::Scope::Indicator(id),
                &period,
                &mut actor,
            )
            .await?;
            let mut errors = Errors::new();
            let overview = commentary_part(&mut errors, "/overview", &body.overview);
            let made = commentary_part(
                &mut errors,
                "/what_made_the_difference",
                &body.what_made_the_difference,
            );
            let next = commentary_part(&mut errors, "/what_happens_next", &body.what_happens_next);
            if overview.is_none() && made.is_none() && next.is_none() {
                errors.rule(
                    "",
                    "give at least one of overview, what_made_the_difference, what_happens_next",
                );
            }
            errors.finish()?;
            let key = [id.to_string(), period.code.clone()];
            let upsert = write::Upsert {
                table: "indicator_commentary",
                key: &[&key[0], &key[1]],
                entity: "indicator_commentary",
                action: "commentary",
            };
            let code = period.code.clone();
            upsert
                .run(
                    conn,
                    &actor,
                    if_match.0.as_ref(),
                    move |conn| {
                        Box::pin(async move {
                            write::Existing::found(
                                db::find_commentary(conn, id, &code).await?,
                                |r| r.version,
                                Commentary::from_row,
                            )
                        })
                    },
                    move |conn, existing| {
                        Box::pin(async move {
                            let w = CommentaryWrite {
                                indicator_id: id,
                                period: &period,
                                overview: overview.as_deref(),
                                what_made_the_difference: made.as_deref(),
                                what_happens_next: next.as_deref(),
                                author_sub: &user.sub,
                                author_name: user.name.as_deref(),
                            };
                            let row = db::upsert_commentary(conn, existing, &w)
                                .await
                                .map_err(write::changed_meanwhile)?;
                            Commentary::from_row(row)
                        })
                    },
                )
                .await
        })
        .await?;
    Ok(upserted(
        created,
        format!(
            "/api/v1/indicators/{id}/commentary/{}",
            commentary.period.code
        ),
        &commentary,
    ))
}

/// Locks a period's standing commentary, checks `If-Match` and who may
/// change it.
async fn lock_commentary(
    conn: &mut AsyncPgConnection,
    user: &AuthUser,
    id: Uuid,
    period: &Period,
    if_match: &crate::web::http::IfMatch,
) -> ApiResult<CommentaryRow> {
    authorize_report(conn, user, id).await?;
    records::lock_key(
        conn,
        "indicator_commentary",
        &[&id.to_string(), &period.code],
    )
    .await?;
    let existing = db::find_commentary(conn, id, &period.code)
        .await?
        .filter(|c| c.withdrawn_at.is_none())
        .ok_or_else(|| ApiError::NotFound(format!("no commentary for {}", period.code)))?;
    if_match.check(existing.version)?;
    Ok(existing)
}

/// Correct an indicator's commentary for a period
///
/// Who may write it may correct it: a JSON merge patch of its parts, with
/// `If-Match` (its `ETag`) required. The text it replaces stays in the audit
/// trail (action `update`, entity type `indicator_commentary`).
#[utoipa::path(
    tag = "indicators",
    request_body(content = CommentaryPatch, content_type = "application/merge-patch+json"),
    params(
        ("id" = Uuid, Path, description = "Indicator id"),
        ("period" = String, Path, description = "Period code, e.g. `FY2009-10-Q2`"),
        crate::resources::reporting::LockOverride,
        crate::resources::IfMatchHeader,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Corrected", body = Commentary, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 403, description = "A viewer, or a contributor of another organisation", body = ErrorBody),
        (status = 404, description = "No such indicator, or no commentary for the period", body = ErrorBody),
        (status = 409, description = "The indicator is archived, or the period is locked by a closed reporting cycle (`period_locked`)", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid period or fields", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
#[patch("/{id}/commentary/{period}")]
pub async fn update_indicator_commentary(
    req: HttpRequest,
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, String)>,
    if_match: crate::web::http::IfMatch,
    body: ApiJson<CommentaryPatch>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Contributor)?;
    let (id, code) = path.into_inner();
    let period = parse_period("/period", &code)?;
    let patch = body.0;
    let user = ctx.user.clone();
    let mut actor = ctx.actor();
    let lock = crate::resources::reporting::LockPass::of(&req, &ctx.user)?;
    let mut conn = state.conn().await?;
    let commentary = conn
        .transaction::<Commentary, ApiError, _>(async move |conn| {
            let existing = lock_commentary(conn, &user, id, &period, &if_match).await?;
            lock.check(
                conn,
                crate::store::reporting::Scope::Indicator(id),
                &period,
                &mut actor,
            )
            .await?;
            let mut errors = Errors::new();
            let mut part = |p: Patch<String>, old: &Option<String>, pointer: &str| match p {
                Patch::Absent => old.clone(),
                Patch::Null => None,
                Patch::Value(v) => commentary_part(&mut errors, pointer, &Some(v)),
            };
            let overview = part(patch.overview, &existing.overview, "/overview");
            let made = part(
                patch.what_made_the_difference,
                &existing.what_made_the_difference,
                "/what_made_the_difference",
            );
            let next = part(
                patch.what_happens_next,
                &existing.what_happens_next,
                "/what_happens_next",
            );
            if overview.is_none() && made.is_none() && next.is_none() {
                errors.rule(
                    "",
                    "at least one of the three parts must remain; DELETE withdraws it",
                );
            }
            errors.finish()?;
            let before = Commentary::from_row(existing.clone())?;
            let w = CommentaryWrite {
                indicator_id: id,
                period: &period,
                overview: overview.as_deref(),
                what_made_the_difference: made.as_deref(),
                what_happens_next: next.as_deref(),
                author_sub: &user.sub,
                author_name: user.name.as_deref(),
            };
            let after = Commentary::from_row(
                db::upsert_commentary(conn, Some(&existing), &w)
                    .await
                    .map_err(write::changed_meanwhile)?,
            )?;
            audit::record(
                conn,
                &actor,
                "update",
                "indicator_commentary",
                after.id,
                Some(&before),
                Some(&after),
            )
            .await?;
            Ok(after)
        })
        .await?;
    Ok(crate::web::http::ok_record(&commentary))
}

/// Withdraw an indicator's commentary for a period
///
/// Who may write it may withdraw it (`If-Match` required): it leaves the
/// lists and the statuses and keeps its history (action `withdraw`);
/// writing it again with `PUT` brings it back.
#[utoipa::path(
    tag = "indicators",
    params(
        ("id" = Uuid, Path, description = "Indicator id"),
        ("period" = String, Path, description = "Period code, e.g. `FY2009-10-Q2`"),
        crate::resources::reporting::LockOverride,
        crate::resources::IfMatchHeader,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Withdrawn", body = Commentary, headers(("ETag" = String))),
        (status = 403, description = "A viewer, or a contributor of another organisation", body = ErrorBody),
        (status = 404, description = "No such indicator, or no commentary for the period", body = ErrorBody),
        (status = 409, description = "The indicator is archived, or the period is locked by a closed reporting cycle (`period_locked`)", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 422, description = "Invalid period", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
#[delete("/{id}/commentary/{period}")]
pub async fn withdraw_indicator_commentary(
    req: HttpRequest,
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, String)>,
    if_match: crate::web::http::IfMatch,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Contributor)?;
    let (id, code) = path.into_inner();
    let period = parse_period("/period", &code)?;
    let user = ctx.user.clone();
    let mut actor = ctx.actor();
    let lock = crate::resources::reporting::LockPass::of(&req, &ctx.user)?;
    let mut conn = state.conn().await?;
    let commentary = conn
        .transaction::<Commentary, ApiError, _>(async move |conn| {
            let existing = lock_commentary(conn, &user, id, &period, &if_match).await?;
            lock.check(
                conn,
                crate::store::reporting::Scope::Indicator(id),
                &period,
                &mut actor,
            )
            .await?;
            let before = Commentary::from_row(existing.clone())?;
            let after = Commentary::from_row(
                db::withdraw_commentary(conn, &existing)
                    .await
                    .map_err(write::changed_meanwhile)?,
            )?;
            audit::record(
                conn,
                &actor,
                "withdraw",
                "indicator_commentary",
                after.id,
                Some(&before),
                Some(&after),
            )
            .await?;
            Ok(after)
        })
        .await?;
    Ok(crate::web::http::ok_record(&commentary))
}
