//! The indicator list: its filters, sorts and the page with each indicator's performance.

use super::*;

/// Indicators linked to any of the priorities `$1`.
pub const PRIORITY_FILTER: &str = "EXISTS (SELECT 1 FROM indicator_priorities l \
     WHERE l.indicator_id = indicators.id AND l.priority_id = ANY($1))";
/// Indicators linked to any of the objectives `$1`.
pub const OBJECTIVE_FILTER: &str = "EXISTS (SELECT 1 FROM objective_indicators l \
     WHERE l.indicator_id = indicators.id AND l.objective_id = ANY($1) AND l.unlinked_at IS NULL)";

/// Filters of `GET /indicators`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct IndicatorFilters {
    /// Any of these refs (comma-separated), e.g. `NI59,SS LI1`.
    #[param(rename = "ref")]
    r#ref: Option<String>,
    /// The same as `ref`.
    code: Option<String>,
    /// Any of these kinds (comma-separated).
    kind: Option<String>,
    /// Any of these categories (comma-separated).
    category: Option<String>,
    /// Any of these units (comma-separated).
    unit: Option<String>,
    /// Key indicators only (`true`) or the others (`false`).
    key: Option<bool>,
    /// LAA indicators only (`true`) or the others (`false`).
    laa: Option<bool>,
    /// Any of these polarities (comma-separated).
    polarity: Option<String>,
    /// Led by any of these organisations (comma-separated ids).
    lead_organisation_id: Option<String>,
    /// Serving any of these priorities (comma-separated ids).
    priority_id: Option<String>,
    /// Measuring any of these objectives (comma-separated ids).
    objective_id: Option<String>,
    /// Free text in ref, title or description.
    q: Option<String>,
    /// A period code (`FY2009-10-Q2`): adds each indicator's computed
    /// `performance` for that period, and allows `rag`.
    period: Option<String>,
    /// With `period`: only indicators whose computed status is any of these
    /// (comma-separated: `green`, `amber`, `red`, `no_target`, `missing`,
    /// `pending`), e.g. `rag=red,amber`.
    rag: Option<String>,
}

pub(crate) const LIST: ListSpec = ListSpec {
    table: "indicators",
    filters: &[
        Filter::new("ref", FilterKind::Text("indicators.code")),
        Filter::new("code", FilterKind::Text("indicators.code")),
        Filter::new(
            "kind",
            FilterKind::Vocab("indicators.kind", IndicatorKind::WORDS),
        ),
        Filter::new("category", FilterKind::Text("indicators.category")),
        Filter::new("unit", FilterKind::Vocab("indicators.unit", Unit::WORDS)),
        Filter::new("key", FilterKind::Bool("indicators.key_indicator")),
        Filter::new("laa", FilterKind::Bool("indicators.laa")),
        Filter::new(
            "polarity",
            FilterKind::Vocab("indicators.polarity", POLARITY_WORDS),
        ),
        Filter::new(
            "lead_organisation_id",
            FilterKind::Uuid("indicators.lead_organisation_id"),
        ),
        Filter::new(
            "q",
            FilterKind::Search(&[
                "indicators.code",
                "indicators.title",
                "indicators.description",
            ]),
        ),
        Filter::new("priority_id", FilterKind::UuidSql(PRIORITY_FILTER)),
        Filter::new("objective_id", FilterKind::UuidSql(OBJECTIVE_FILTER)),
        Filter::new("period", FilterKind::Manual(ManualType::Period)),
        Filter::new(
            "rag",
            FilterKind::Manual(ManualType::Words(crate::resources::indicators::RAG_WORDS)),
        ),
    ],
    sorts: &[
        SortField::new("ref", "indicators.code", SortType::Text),
        SortField::new("title", "indicators.title", SortType::Text),
        SortField::new("kind", "indicators.kind", SortType::Text),
        SortField::nullable("category", "indicators.category", SortType::Text),
        SortField::new("created_at", "indicators.created_at", SortType::Timestamp),
        SortField::new("updated_at", "indicators.updated_at", SortType::Timestamp),
    ],
    default_sort: "ref",
    archivable: true,
};

/// The `rag` words of a filter value; a 400 for any other word.
pub fn parse_rags(v: &str) -> ApiResult<Vec<Rag>> {
    v.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|w| {
            serde_json::from_value::<Rag>(serde_json::Value::String(w.to_string())).map_err(|_| {
                ApiError::InvalidQuery(format!("rag: {w:?} is not one of {}", RAG_WORDS.join(", ")))
            })
        })
        .collect()
}

/// The `period` query parameter as a period; a 422 pointing at `?period`.
pub fn query_period(v: &str) -> ApiResult<Period> {
    parse_period("?period", v.trim())
}

/// List indicators
///
/// Every role may read. Sort on `ref` (default), `title`, `kind`,
/// `category`, `created_at`, `updated_at`.
///
/// With `period=` each item carries its computed `performance` for that
/// period, and `rag=` keeps the indicators whose status is any of those
/// given ("everything red or amber in FY2009-10-Q2" is
/// `?period=FY2009-10-Q2&rag=red,amber`). The statuses are computed in bulk
/// for every indicator matching the other filters, then the page is cut: a
/// fixed number of queries whatever the number of indicators.
#[utoipa::path(
    tag = "indicators",
    params(crate::resources::ListQuery, IndicatorFilters),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of indicators", body = IndicatorPage,
         headers(("Link" = String, description = "`<...>; rel=\"next\"` when there is a next page"))),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
        (status = 422, description = "`rag` without `period` (`rule_violated`), or `period` is not a period code", body = ErrorBody),
        (status = 422, description = "`period` is not a period code", body = ErrorBody),
    )
)]
#[get("")]
pub async fn list_indicators(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    indicators_response(&req, &state, None).await
}

/// A page of indicators under the query of `req` and, when given, an extra
/// condition of the caller's (e.g. "linked to this objective").
pub async fn indicators_response(
    req: &HttpRequest,
    state: &AppState,
    extra: Option<DynSql>,
) -> ApiResult<HttpResponse> {
    let mut p = crate::web::page::list_params(req, LIST)?;
    if let Some(cond) = extra {
        p.add_condition(cond);
    }
    let period = p.filter("period").map(query_period).transpose()?;
    let rags = p.filter("rag").map(parse_rags).transpose()?;
    if rags.is_some() && period.is_none() {
        return Err(ApiError::RuleViolated(vec![
            crate::web::error::FieldError::new(
                "?rag",
                "rag needs a period, e.g. ?period=FY2009-10-Q2&rag=red,amber",
            ),
        ]));
    }
    let mut conn = state.conn().await?;
    let mut computed = Vec::new();
    if let (Some(period), Some(rags)) = (&period, &rags) {
        let candidates = db::all_matching(&mut conn, &p).await?;
        computed = performance::compute(
            &mut conn,
            &candidates,
            period,
            &performance::Options::view(None),
        )
        .await?
        .into_iter()
        .filter(|c| rags.contains(&c.assessment.rag))
        .collect();
        let keep: Vec<String> = computed
            .iter()
            .map(|c| c.indicator.id.to_string())
            .collect();
        p.add_condition(
            DynSql::raw("indicators.id = ANY(string_to_array(")
                .bind(keep.join(","))
                .sql(", ',')::uuid[])"),
        );
    }
    let (rows, total) = db::list(&mut conn, &p).await?;
    if let (Some(period), None) = (&period, &rags) {
        computed =
            performance::compute(&mut conn, &rows, period, &performance::Options::view(None))
                .await?;
    }
    let mut items = to_dtos(&mut conn, rows).await?;
    for item in &mut items {
        if let Some(pos) = computed.iter().position(|c| c.indicator.id == item.id) {
            item.performance = Some(Box::new(computed.swap_remove(pos)));
        }
    }
    Ok(p.page(items, total)?.respond(req))
}
