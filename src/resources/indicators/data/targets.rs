//! An indicator's targets per period: list, set (PUT) and remove.

use super::*;

// ---------------------------------------------------------------- targets

/// The target of an indicator for one period.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Target {
    pub id: Uuid,
    pub indicator_id: Uuid,
    pub period: Period,
    /// The sub-group the target is for (e.g. `Care leavers`); null for the
    /// whole population.
    pub breakdown: Option<String>,
    /// The target value, in the indicator's unit. For a cumulative
    /// indicator's quarter it is a year-to-date target.
    pub value: f64,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Incremented by every change; the `ETag`.
    pub version: i32,
    /// When it was removed (`DELETE`); null while it applies.
    pub archived_at: Option<DateTime<Utc>>,
}

page_schema!(TargetPage, Target);

impl Versioned for Target {
    fn version(&self) -> i32 {
        self.version
    }
}

impl write::Identified for Target {
    fn id(&self) -> Uuid {
        self.id
    }
}

impl Target {
    pub(crate) fn from_row(r: TargetRow) -> ApiResult<Target> {
        Ok(Target {
            period: stored_period(&r.period)?,
            id: r.id,
            indicator_id: r.indicator_id,
            breakdown: r.breakdown,
            value: r.value,
            note: r.note,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
            archived_at: r.archived_at,
        })
    }
}

/// A correction of a target (JSON merge patch).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetPatch {
    /// The target, in the indicator's unit (0–100 for `percent`).
    #[serde(default)]
    #[schema(value_type = f64, example = 90.5)]
    pub value: Patch<f64>,
    /// Where it comes from, caveats; at most 2000 characters; null clears it.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub note: Patch<String>,
}

/// A target to set.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TargetBody {
    /// The target, in the indicator's unit (0–100 for `percent`).
    #[schema(example = 91.0)]
    pub value: f64,
    /// Where it comes from, caveats; at most 2000 characters.
    #[serde(default)]
    pub note: Option<String>,
}

pub(crate) const TARGETS: ListSpec = ListSpec {
    table: "indicator_targets",
    filters: &[
        Filter::new("period", FilterKind::Text("indicator_targets.period")),
        Filter::new(
            "breakdown",
            FilterKind::Text("COALESCE(indicator_targets.breakdown, 'none')"),
        ),
    ],
    sorts: &[
        SortField::at(
            "period",
            "indicator_targets.period_starts_on",
            SortType::Date,
            "/period/starts_on",
        ),
        SortField::at(
            "period_end",
            "indicator_targets.period_ends_on",
            SortType::Date,
            "/period/ends_on",
        ),
        SortField::new(
            "updated_at",
            "indicator_targets.updated_at",
            SortType::Timestamp,
        ),
    ],
    default_sort: "period,period_end",
    archivable: true,
};

/// Query of `GET /indicators/{id}/targets`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct TargetFilters {
    /// Any of these period codes (comma-separated).
    period: Option<String>,
    /// Any of these sub-groups (comma-separated); `none` for the
    /// whole-population targets.
    breakdown: Option<String>,
}

/// List an indicator's targets
///
/// Every role may read. One target per period, in time order (default
/// `sort=period,period_end`: by start, then end, so a quarter comes before the
/// year it opens), or by `updated_at`. Removed targets appear with `include_archived=true`.
#[utoipa::path(
    tag = "indicators",
    params(("id" = Uuid, Path, description = "Indicator id"), crate::resources::ListQuery, TargetFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of targets", body = TargetPage),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
        (status = 404, description = "No such indicator", body = ErrorBody),
    )
)]
#[get("/{id}/targets")]
pub async fn list_indicator_targets(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut p = crate::web::page::list_params(&req, TARGETS)?;
    let mut conn = state.conn().await?;
    let row = find_row(&mut conn, *id).await?;
    p.add_condition(
        DynSql::raw("indicator_targets.indicator_id = ")
            .bind(row.id.to_string())
            .sql("::uuid"),
    );
    let (rows, total) = db::list_targets(&mut conn, &p).await?;
    let items = rows
        .into_iter()
        .map(Target::from_row)
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(p.page(items, total)?.respond(&req))
}

// The natural key a target's writers lock: indicator, sub-group, period
// (and whether it is the whole population's, so no sub-group's name can
// stand for it).
fn target_lock_key(id: Uuid, breakdown: Option<&str>, period: &Period) -> [String; 4] {
    [
        id.to_string(),
        breakdown.unwrap_or_default().to_string(),
        period.code.clone(),
        if breakdown.is_some() {
            "sub-group"
        } else {
            "whole"
        }
        .to_string(),
    ]
}

fn target_location(target: &Target) -> String {
    let mut location = format!(
        "/api/v1/indicators/{}/targets/{}",
        target.indicator_id, target.period.code
    );
    if let Some(b) = &target.breakdown {
        location.push_str("?breakdown=");
        location.push_str(&serde_urlencoded::to_string([("", b)]).unwrap_or_default()[1..]);
    }
    location
}

/// Set an indicator's target for a period
///
/// Editors and admins. Creates the period's target (201) or replaces it
/// (200); a removed target comes back. With `?breakdown=` the target is a
/// sub-group's (e.g. `Care leavers`), judged against that sub-group's values.
/// Targets may be set for periods that have not started. `If-Match` is
/// checked when given. Audited as action `target` on entity type
/// `indicator_target`.
#[utoipa::path(
    tag = "indicators",
    request_body = TargetBody,
    params(
        ("id" = Uuid, Path, description = "Indicator id"),
        ("period" = String, Path, description = "Period code, e.g. `FY2009-10`"),
        BreakdownQuery,
        crate::resources::OptionalIfMatchHeader,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Replaced", body = Target, headers(("ETag" = String))),
        (status = 201, description = "Created", body = Target, headers(("ETag" = String), ("Location" = String))),
        (status = 400, description = "Malformed JSON or query", body = ErrorBody),
        (status = 403, description = "Not an editor or admin", body = ErrorBody),
        (status = 404, description = "No such indicator", body = ErrorBody),
        (status = 409, description = "The indicator is archived", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid period or fields", body = ErrorBody),
    )
)]
#[put("/{id}/targets/{period}")]
pub async fn put_indicator_target(
    req: HttpRequest,
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, String)>,
    if_match: OptionalIfMatch,
    body: ApiJson<TargetBody>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let (id, code) = path.into_inner();
    let breakdown = breakdown_of(&req)?;
    let period = parse_period("/period", &code)?;
    let body = body.0;
    let mut conn = state.conn().await?;
    let actor = ctx.actor();
    let key = target_lock_key(id, breakdown.as_deref(), &period);
    let (target, created) = conn
        .transaction::<(Target, bool), ApiError, _>(async move |conn| {
            let indicator = find_live_row(conn, id).await?;
            let mut errors = Errors::new();
            check_number(&mut errors, "/value", &indicator.unit, body.value);
            let note = opt_note(&mut errors, "/note", &body.note);
            errors.finish()?;
            let upsert = write::Upsert {
                table: "indicator_targets",
                key: &[&key[0], &key[1], &key[2], &key[3]],
                entity: "indicator_target",
                action: "target",
            };
            let code = period.code.clone();
            let lookup = breakdown.clone();
            // A target for the whole population can turn its status red.
            let watch = if breakdown.is_none() {
                crate::resources::indicators::red::RedWatch::start(conn, &indicator, &period)
                    .await?
            } else {
                None
            };
            let written = upsert
                .run(
                    conn,
                    &actor,
                    if_match.0.as_ref(),
                    move |conn| {
                        Box::pin(async move {
                            write::Existing::found(
                                db::find_target(conn, id, lookup.as_deref(), &code).await?,
                                |r| r.version,
                                Target::from_row,
                            )
                        })
                    },
                    move |conn, existing| {
                        Box::pin(async move {
                            let row = db::upsert_target(
                                conn,
                                existing,
                                id,
                                breakdown.as_deref(),
                                &period,
                                body.value,
                                note.as_deref(),
                            )
                            .await
                            .map_err(write::changed_meanwhile)?;
                            Target::from_row(row)
                        })
                    },
                )
                .await?;
            if let Some(watch) = watch {
                watch.finish(conn).await?;
            }
            Ok(written)
        })
        .await?;
    Ok(upserted(created, target_location(&target), &target))
}

pub(crate) fn upserted<T: Serialize + Versioned>(
    created: bool,
    location: String,
    record: &T,
) -> HttpResponse {
    if created {
        crate::web::http::created_record(location, record)
    } else {
        crate::web::http::ok_record(record)
    }
}

/// Locks a live target by its natural key and checks `If-Match`; 404 when
/// the period (or sub-group) has no live target.
async fn lock_live_target(
    conn: &mut AsyncPgConnection,
    id: Uuid,
    breakdown: Option<&str>,
    period: &Period,
    if_match: &crate::web::http::IfMatch,
) -> ApiResult<(IndicatorRow, TargetRow)> {
    let indicator = find_live_row(conn, id).await?;
    let key = target_lock_key(id, breakdown, period);
    records::lock_key(
        conn,
        "indicator_targets",
        &[&key[0], &key[1], &key[2], &key[3]],
    )
    .await?;
    let existing = db::find_target(conn, id, breakdown, &period.code)
        .await?
        .filter(|t| t.archived_at.is_none())
        .ok_or_else(|| {
            ApiError::NotFound(format!(
                "{} has no target for {}{}",
                indicator.code,
                period.code,
                breakdown.map_or_else(String::new, |b| format!(" ({b})"))
            ))
        })?;
    if_match.check(existing.version)?;
    Ok((indicator, existing))
}

/// Correct an indicator's target for a period
///
/// Editors and admins. A JSON merge patch of the live target's `value` and
/// `note` (`?breakdown=` for a sub-group's). `If-Match` (the target's
/// `ETag`) is required; the figure it replaces stays in the audit trail
/// (action `update`, entity type `indicator_target`).
#[utoipa::path(
    tag = "indicators",
    request_body(content = TargetPatch, content_type = "application/merge-patch+json"),
    params(
        ("id" = Uuid, Path, description = "Indicator id"),
        ("period" = String, Path, description = "Period code, e.g. `FY2009-10`"),
        BreakdownQuery,
        crate::resources::IfMatchHeader,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Corrected", body = Target, headers(("ETag" = String))),
        (status = 400, description = "Malformed JSON or query", body = ErrorBody),
        (status = 403, description = "Not an editor or admin", body = ErrorBody),
        (status = 404, description = "No such indicator, or no target for the period", body = ErrorBody),
        (status = 409, description = "The indicator is archived", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
        (status = 415, description = "Body is not JSON", body = ErrorBody),
        (status = 422, description = "Invalid period or fields", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
#[patch("/{id}/targets/{period}")]
pub async fn update_indicator_target(
    req: HttpRequest,
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, String)>,
    if_match: crate::web::http::IfMatch,
    body: ApiJson<TargetPatch>,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let (id, code) = path.into_inner();
    let breakdown = breakdown_of(&req)?;
    let period = parse_period("/period", &code)?;
    let patch = body.0;
    let mut conn = state.conn().await?;
    let actor = ctx.actor();
    let target = conn
        .transaction::<Target, ApiError, _>(async move |conn| {
            let (indicator, existing) =
                lock_live_target(conn, id, breakdown.as_deref(), &period, &if_match).await?;
            let mut errors = Errors::new();
            let value = patch.value.required("/value", &mut errors.0);
            if let Some(v) = value {
                check_number(&mut errors, "/value", &indicator.unit, v);
            }
            let note = match patch.note {
                Patch::Absent => existing.note.clone(),
                Patch::Null => None,
                Patch::Value(n) => opt_note(&mut errors, "/note", &Some(n)),
            };
            errors.finish()?;
            let before = Target::from_row(existing.clone())?;
            let after = Target::from_row(
                db::upsert_target(
                    conn,
                    Some(&existing),
                    id,
                    breakdown.as_deref(),
                    &period,
                    value.unwrap_or(existing.value),
                    note.as_deref(),
                )
                .await
                .map_err(write::changed_meanwhile)?,
            )?;
            audit::record(
                conn,
                &actor,
                "update",
                "indicator_target",
                after.id,
                Some(&before),
                Some(&after),
            )
            .await?;
            Ok(after)
        })
        .await?;
    Ok(crate::web::http::ok_record(&target))
}

/// Remove an indicator's target for a period
///
/// Editors and admins. Archives the target (`?breakdown=` for a sub-group's):
/// the period then has no target of its own (a quarter falls back on its
/// financial year's), the record stays for the audit trail and `PUT` sets it
/// again. `If-Match` (the target's `ETag`) is required.
#[utoipa::path(
    tag = "indicators",
    params(
        ("id" = Uuid, Path, description = "Indicator id"),
        ("period" = String, Path, description = "Period code, e.g. `FY2009-10`"),
        BreakdownQuery,
        crate::resources::IfMatchHeader,
    ),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Removed", body = Target, headers(("ETag" = String))),
        (status = 400, description = "Malformed query", body = ErrorBody),
        (status = 403, description = "Not an editor or admin", body = ErrorBody),
        (status = 404, description = "No such indicator, or no target for the period", body = ErrorBody),
        (status = 409, description = "The indicator is archived", body = ErrorBody),
        (status = 412, description = "If-Match is stale", body = ErrorBody),
        (status = 422, description = "Invalid period", body = ErrorBody),
        (status = 428, description = "If-Match missing", body = ErrorBody),
    )
)]
#[delete("/{id}/targets/{period}")]
pub async fn delete_indicator_target(
    req: HttpRequest,
    ctx: Ctx,
    state: web::Data<AppState>,
    path: web::Path<(Uuid, String)>,
    if_match: crate::web::http::IfMatch,
) -> ApiResult<HttpResponse> {
    ctx.require(Role::Editor)?;
    let (id, code) = path.into_inner();
    let breakdown = breakdown_of(&req)?;
    let period = parse_period("/period", &code)?;
    let mut conn = state.conn().await?;
    let actor = ctx.actor();
    let target = conn
        .transaction::<Target, ApiError, _>(async move |conn| {
            let (_, existing) =
                lock_live_target(conn, id, breakdown.as_deref(), &period, &if_match).await?;
            let before = Target::from_row(existing.clone())?;
            let after = Target::from_row(
                db::archive_target(conn, &existing)
                    .await
                    .map_err(write::changed_meanwhile)?,
            )?;
            audit::record(
                conn,
                &actor,
                "archive",
                "indicator_target",
                after.id,
                Some(&before),
                Some(&after),
            )
            .await?;
            Ok(after)
        })
        .await?;
    Ok(crate::web::http::ok_record(&target))
}
