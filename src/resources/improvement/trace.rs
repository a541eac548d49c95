//! A recommendation's trace: the areas and actions that answer it, their status, and the indicators that measure them.

use super::*;

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
    let mut asked = false;
    for (k, v) in serde_urlencoded::from_str::<Vec<(String, String)>>(req.query_string())
        .map_err(|_| ApiError::InvalidQuery("the query string is malformed".into()))?
    {
        match k.as_str() {
            "as_of" => {
                as_of = parse_date("as_of", &v)?;
                asked = true;
            }
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
    let mut actions = action_dtos(&mut conn, action_rows, as_of).await?;
    if asked {
        super::actions::actions_at_day(&mut conn, &mut actions, as_of).await?;
    }
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
pub(crate) async fn traced_indicators(
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
    // Each indicator at its own latest period, all in one computation.
    let mut judged = Vec::new();
    let mut periods = Vec::new();
    for row in &rows {
        if let Some((_, code)) = latest.iter().find(|(i, _)| *i == row.id) {
            judged.push(row.clone());
            periods.push(crate::resources::stored_period(code)?);
        }
    }
    let mut performances: HashMap<Uuid, _> =
        crate::resources::indicators::performance::compute_each(
            conn,
            &judged,
            &periods,
            &crate::resources::indicators::performance::Options::view(Some(as_of)),
        )
        .await?
        .into_iter()
        .map(|p| (p.indicator.id, p))
        .collect();
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
pub(crate) fn combine(
    first: RollupStatus,
    rest: impl Iterator<Item = RollupStatus>,
) -> RollupStatus {
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
