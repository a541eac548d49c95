//! `GET /api/v1/performance/summary`: how many indicators have each status
//! in a period, grouped for the board: by lead organisation (each counted
//! toward every organisation up its parent chain, so a council department
//! counts toward the council), priority, objective or OBA category.

use std::collections::{BTreeMap, HashMap};

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use diesel::sql_types::{Array, Nullable, Text, Uuid as SqlUuid};
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::performance::{compute, IndicatorPerformance, Options, RagCounts};
use crate::domain::period::Period;
use crate::resources::indicators::list::query_period;
use crate::store::indicators::{self as db, IndicatorRow};
use crate::store::listing::{Filter, FilterKind, ListSpec, ManualType, SortField, SortType};
use crate::web::auth::{AuthUser, Role};
use crate::web::error::{ApiError, ApiResult, ErrorBody};
use crate::{vocab, AppState};

vocab! {
    /// What the summary groups indicators by.
    SummaryGrouping {
        /// The lead organisation, rolled up its parent chain.
        LeadOrganisation = "lead_organisation",
        /// The priorities an indicator serves (one indicator can count in several).
        Priority = "priority",
        /// The objectives an indicator measures (one indicator can count in several).
        Objective = "objective",
        /// Outcomes-based accountability: `how_much`, `how_well`, `better_off`.
        ObaCategory = "oba_category",
    }
}

/// One group's counts.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SummaryGroup {
    /// The group: an organisation's, priority's or objective's id, or the
    /// OBA word; null for indicators with none.
    pub key: Option<String>,
    /// Its code (`HBC`, `AOF14`, `SS1`, the OBA word); null for none.
    pub code: Option<String>,
    /// Its name or title, or "Not assigned".
    pub title: String,
    /// For organisations: the parent's id (its group is in the list too),
    /// so the groups form the organisation tree. Null otherwise.
    pub parent_key: Option<String>,
    /// Indicators counted here: for an organisation, those it leads and
    /// those led by any organisation under it.
    pub total: i64,
    pub counts: RagCounts,
    /// Of those, the indicators it leads itself (equal to `total` for
    /// every grouping but organisations).
    pub direct_total: i64,
    pub direct_counts: RagCounts,
}

/// Indicators by status, grouped.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PerformanceSummary {
    pub period: Period,
    /// The day asked about; null for today.
    pub as_of: Option<NaiveDate>,
    pub group_by: SummaryGrouping,
    /// Groups with at least one indicator, by code (the unassigned last).
    pub groups: Vec<SummaryGroup>,
    /// Every indicator counted once.
    pub total: i64,
    pub counts: RagCounts,
}

/// Query of `GET /performance/summary`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct SummaryQuery {
    /// The period, e.g. `FY2009-10-Q2` (required).
    period: String,
    /// `lead_organisation` (default), `priority`, `objective` or `oba_category`.
    group_by: Option<SummaryGrouping>,
    /// Answer as on this day (`YYYY-MM-DD`), as `GET /performance` does.
    as_of: Option<NaiveDate>,
    /// Key indicators only (`true`) or the others (`false`).
    key: Option<bool>,
    /// Only indicators of this kind.
    kind: Option<crate::resources::indicators::IndicatorKind>,
    /// Include archived indicators (default false).
    include_archived: Option<bool>,
}

pub(crate) const SUMMARY: ListSpec = ListSpec {
    table: "indicators",
    filters: &[
        Filter::new("period", FilterKind::Manual(ManualType::Period)),
        Filter::new(
            "group_by",
            FilterKind::Manual(ManualType::Words(SummaryGrouping::WORDS)),
        ),
        Filter::new("as_of", FilterKind::Manual(ManualType::Date)),
        Filter::new("key", FilterKind::Bool("indicators.key_indicator")),
        Filter::new(
            "kind",
            FilterKind::Vocab(
                "indicators.kind",
                crate::resources::indicators::IndicatorKind::WORDS,
            ),
        ),
    ],
    sorts: &[SortField::new("ref", "indicators.code", SortType::Text)],
    default_sort: "ref",
    archivable: true,
};

/// A group an indicator belongs to, as the database names it.
#[derive(QueryableByName)]
struct Membership {
    #[diesel(sql_type = SqlUuid)]
    indicator_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    code: String,
    #[diesel(sql_type = Text)]
    title: String,
}

#[derive(QueryableByName)]
struct OrgNode {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    code: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    parent_id: Option<Uuid>,
}

/// The groups of a set of indicators: one query.
async fn memberships(
    conn: &mut AsyncPgConnection,
    grouping: SummaryGrouping,
    ids: &[Uuid],
) -> ApiResult<Vec<Membership>> {
    let sql = match grouping {
        SummaryGrouping::Priority => {
            "SELECT ip.indicator_id, p.id, p.code, p.title \
             FROM indicator_priorities ip JOIN priorities p ON p.id = ip.priority_id \
             WHERE ip.indicator_id = ANY ($1) AND p.archived_at IS NULL"
        }
        SummaryGrouping::Objective => {
            "SELECT oi.indicator_id, o.id, o.code, o.title \
             FROM objective_indicators oi JOIN objectives o ON o.id = oi.objective_id \
             WHERE oi.indicator_id = ANY ($1) AND o.archived_at IS NULL \
               AND oi.unlinked_at IS NULL"
        }
        _ => return Ok(Vec::new()),
    };
    Ok(diesel::sql_query(sql)
        .bind::<Array<SqlUuid>, _>(ids.to_vec())
        .load(conn)
        .await?)
}

/// Every organisation with its parent: one query (the tree is small).
async fn organisations(conn: &mut AsyncPgConnection) -> ApiResult<Vec<OrgNode>> {
    Ok(
        diesel::sql_query("SELECT id, code, name, parent_id FROM organisations")
            .load(conn)
            .await?,
    )
}

#[derive(Default)]
struct Tally {
    code: Option<String>,
    title: String,
    parent: Option<String>,
    all: Vec<usize>,
    direct: Vec<usize>,
}

fn counts(items: &[IndicatorPerformance], which: &[usize]) -> RagCounts {
    RagCounts::of(which.iter().map(|i| &items[*i]))
}

async fn group(
    conn: &mut AsyncPgConnection,
    grouping: SummaryGrouping,
    rows: &[IndicatorRow],
) -> ApiResult<BTreeMap<(bool, String, String), Tally>> {
    // Keyed by (unassigned, code, key) so groups sort by code, the unassigned last.
    let mut groups: BTreeMap<(bool, String, String), Tally> = BTreeMap::new();
    let unassigned = |groups: &mut BTreeMap<(bool, String, String), Tally>, i: usize| {
        let t = groups
            .entry((true, String::new(), String::new()))
            .or_insert_with(|| Tally {
                title: "Not assigned".into(),
                ..Tally::default()
            });
        t.all.push(i);
        t.direct.push(i);
    };
    match grouping {
        SummaryGrouping::LeadOrganisation => {
            let orgs: HashMap<Uuid, OrgNode> = organisations(conn)
                .await?
                .into_iter()
                .map(|o| (o.id, o))
                .collect();
            for (i, row) in rows.iter().enumerate() {
                let Some(lead) = row.lead_organisation_id else {
                    unassigned(&mut groups, i);
                    continue;
                };
                // Up the parent chain (a cycle is refused on write; the
                // guard only keeps a bad row from looping).
                let mut at = Some(lead);
                let mut depth = 0;
                while let Some(id) = at.filter(|_| depth < 32) {
                    let Some(org) = orgs.get(&id) else { break };
                    let t = groups
                        .entry((false, org.code.clone(), id.to_string()))
                        .or_insert_with(|| Tally {
                            code: Some(org.code.clone()),
                            title: org.name.clone(),
                            parent: org.parent_id.map(|p| p.to_string()),
                            ..Tally::default()
                        });
                    t.all.push(i);
                    if id == lead {
                        t.direct.push(i);
                    }
                    at = org.parent_id;
                    depth += 1;
                }
            }
        }
        SummaryGrouping::ObaCategory => {
            for (i, row) in rows.iter().enumerate() {
                match &row.oba_category {
                    Some(word) => {
                        let t = groups
                            .entry((false, word.clone(), word.clone()))
                            .or_insert_with(|| Tally {
                                code: Some(word.clone()),
                                title: word.replace('_', " "),
                                ..Tally::default()
                            });
                        t.all.push(i);
                        t.direct.push(i);
                    }
                    None => unassigned(&mut groups, i),
                }
            }
        }
        SummaryGrouping::Priority | SummaryGrouping::Objective => {
            let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
            let index: HashMap<Uuid, usize> =
                ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
            let mut placed = vec![false; rows.len()];
            for m in memberships(conn, grouping, &ids).await? {
                let Some(&i) = index.get(&m.indicator_id) else {
                    continue;
                };
                placed[i] = true;
                let t = groups
                    .entry((false, m.code.clone(), m.id.to_string()))
                    .or_insert_with(|| Tally {
                        code: Some(m.code.clone()),
                        title: m.title.clone(),
                        ..Tally::default()
                    });
                t.all.push(i);
                t.direct.push(i);
            }
            for (i, placed) in placed.into_iter().enumerate() {
                if !placed {
                    unassigned(&mut groups, i);
                }
            }
        }
    }
    Ok(groups)
}

/// Indicators by status, grouped for the board
///
/// Every role may read. How many live indicators have each status in the
/// period (the statuses `GET /performance` computes), per group:
/// `group_by=lead_organisation` (default) counts each indicator toward its
/// lead organisation and every organisation above it, so the council's
/// line includes its departments' indicators (`direct_*` are the ones it
/// leads itself); `priority` and `objective` count an indicator in each it
/// serves or measures; `oba_category` groups by `how_much`, `how_well`,
/// `better_off`. Indicators without a group are counted under "Not
/// assigned". A fixed number of queries whatever the number of indicators.
#[utoipa::path(
    tag = "performance",
    params(SummaryQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The counts by group", body = PerformanceSummary),
        (status = 400, description = "`period` missing, or an unknown or malformed query parameter", body = ErrorBody),
        (status = 422, description = "`period` is not a period code", body = ErrorBody),
    )
)]
#[get("/summary")]
pub async fn get_performance_summary(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let p = crate::web::page::list_params(&req, SUMMARY)?;
    let period = p
        .filter("period")
        .map(query_period)
        .transpose()?
        .ok_or_else(|| {
            ApiError::InvalidQuery("period is required, e.g. ?period=FY2009-10-Q2".into())
        })?;
    let grouping = match p.filter("group_by") {
        None => SummaryGrouping::LeadOrganisation,
        Some(w) => SummaryGrouping::parse(w).ok_or_else(|| {
            ApiError::InvalidQuery(format!(
                "group_by {w:?} is not one of {}",
                SummaryGrouping::WORDS.join(", ")
            ))
        })?,
    };
    let as_of = p
        .filter("as_of")
        .map(|v| crate::store::listing::parse_date("as_of", v))
        .transpose()?;
    let mut conn = state.conn().await?;
    let rows = db::all_matching(&mut conn, &p).await?;
    let items = compute(&mut conn, &rows, &period, &Options::view(as_of)).await?;
    let groups = group(&mut conn, grouping, &rows)
        .await?
        .into_iter()
        .map(|((_, _, key), t)| SummaryGroup {
            key: t.code.as_ref().map(|_| key),
            code: t.code,
            title: t.title,
            parent_key: t.parent,
            total: t.all.len() as i64,
            counts: counts(&items, &t.all),
            direct_total: t.direct.len() as i64,
            direct_counts: counts(&items, &t.direct),
        })
        .collect();
    Ok(HttpResponse::Ok().json(PerformanceSummary {
        period,
        as_of,
        group_by: grouping,
        groups,
        total: items.len() as i64,
        counts: RagCounts::of(items.iter()),
    }))
}
