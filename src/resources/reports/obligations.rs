//! What each organisation owes a reporting cycle: progress updates on the
//! deliverables it leads, actuals of the indicators it leads that are due
//! in the period, and reviews of the risks of the objectives it leads.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::facts::Facts;
use crate::domain::period::Period;
use crate::resources::organisations::OrganisationRef;
use crate::resources::plans::PlanRef;
use crate::resources::reporting::{CycleStatus, ReportingCycle};
use crate::resources::write::Record;
use crate::store::schema::reporting_cycles;
use crate::web::auth::{AuthUser, Role};
use crate::web::error::{ApiError, ApiResult, ErrorBody};
use crate::{vocab, AppState};

vocab! {
    /// What is owed.
    ObligationKind {
        /// A progress update for the period on an objective, promise,
        /// equality action, milestone or improvement action.
        ProgressUpdate = "progress_update",
        /// The actual of an indicator due in the period.
        IndicatorActual = "indicator_actual",
        /// A risk's review for the period.
        RiskReview = "risk_review",
    }
}

/// One thing still owed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct Obligation {
    pub kind: ObligationKind,
    /// `objective`, `milestone`, `improvement_action`, `indicator` or `risk`.
    pub entity_type: String,
    pub entity_id: Uuid,
    /// Its code or reference.
    pub code: String,
    pub title: String,
    /// The request that clears it, e.g.
    /// `POST /api/v1/milestones/{id}/updates`.
    pub clear_with: String,
}

/// One organisation's part of a cycle.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct OrganisationObligations {
    /// The lead organisation; null for items no organisation leads.
    #[schema(required = true)]
    pub organisation: Option<OrganisationRef>,
    /// How many things the cycle expects of it.
    pub expected: i64,
    /// How many of those are in.
    pub provided: i64,
    /// `provided` / `expected` as a percentage, one decimal; 100 when
    /// nothing is expected.
    pub completeness: f64,
    /// What it still owes.
    pub outstanding: Vec<Obligation>,
}

/// What a cycle is owed, by organisation.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct CycleObligations {
    pub cycle_id: Uuid,
    pub plan: PlanRef,
    pub period: Period,
    pub due_on: NaiveDate,
    pub status: CycleStatus,
    pub expected: i64,
    pub provided: i64,
    pub completeness: f64,
    /// By organisation code (items no organisation leads last).
    pub organisations: Vec<OrganisationObligations>,
}

fn percent(provided: i64, expected: i64) -> f64 {
    if expected == 0 {
        100.0
    } else {
        (provided as f64 * 1000.0 / expected as f64).round() / 10.0
    }
}

/// What the facts of a cycle say is owed: each expected item with its
/// organisation, and whether it is in.
fn expected(facts: &Facts) -> ApiResult<Vec<(Option<OrganisationRef>, Obligation, bool)>> {
    let mut out = Vec::new();
    let p = &facts.period.code;
    let deliverables = facts
        .objectives
        .iter()
        .chain(facts.milestones_in_view())
        .chain(facts.actions.iter())
        .filter(|d| !d.closed_before);
    for d in deliverables {
        let collection = match d.entity_type() {
            "milestone" => "milestones",
            "improvement_action" => "improvement-actions",
            _ => "objectives",
        };
        out.push((
            d.lead.clone(),
            Obligation {
                kind: ObligationKind::ProgressUpdate,
                entity_type: d.entity_type().into(),
                entity_id: d.id,
                code: d.code.clone(),
                title: d.title.clone(),
                clear_with: format!("POST /api/v1/{collection}/{}/updates", d.id),
            },
            d.update.is_some(),
        ));
    }
    for row in &facts.indicators {
        if !facts.is_due(row)? {
            continue;
        }
        out.push((
            facts.org(row.lead_organisation_id),
            Obligation {
                kind: ObligationKind::IndicatorActual,
                entity_type: "indicator".into(),
                entity_id: row.id,
                code: row.code.clone(),
                title: row.title.clone(),
                clear_with: format!("PUT /api/v1/indicators/{}/values/area/{p}", row.id),
            },
            facts.has_actual(row),
        ));
    }
    if facts.period.quarter().is_some() {
        for r in &facts.risks {
            let lead = facts
                .objectives
                .iter()
                .find(|o| o.id == r.objective_id)
                .and_then(|o| o.lead.clone());
            out.push((
                lead,
                Obligation {
                    kind: ObligationKind::RiskReview,
                    entity_type: "risk".into(),
                    entity_id: r.id,
                    code: r.code.clone(),
                    title: r.title.clone(),
                    clear_with: format!("PUT /api/v1/risks/{}/reviews/{p}", r.id),
                },
                facts.review_of(r).is_some(),
            ));
        }
    }
    Ok(out)
}

/// A cycle's obligations, of every organisation or of one (`only`).
pub async fn of_cycle(
    conn: &mut AsyncPgConnection,
    cycle: &ReportingCycle,
    only: Option<&str>,
) -> ApiResult<CycleObligations> {
    let facts = Facts::gather(conn, cycle.plan_id, &cycle.period).await?;
    let mut groups: Vec<OrganisationObligations> = Vec::new();
    for (org, item, done) in expected(&facts)? {
        if only.is_some() && org.as_ref().map(|o| o.code.as_str()) != only {
            continue;
        }
        let i = match groups.iter().position(|g| g.organisation == org) {
            Some(i) => i,
            None => {
                groups.push(OrganisationObligations {
                    organisation: org,
                    expected: 0,
                    provided: 0,
                    completeness: 0.0,
                    outstanding: Vec::new(),
                });
                groups.len() - 1
            }
        };
        let g = &mut groups[i];
        g.expected += 1;
        if done {
            g.provided += 1;
        } else {
            g.outstanding.push(item);
        }
    }
    for g in &mut groups {
        g.completeness = percent(g.provided, g.expected);
    }
    groups.sort_by(|a, b| {
        let key = |g: &OrganisationObligations| {
            g.organisation
                .as_ref()
                .map_or((1, String::new()), |o| (0, o.code.clone()))
        };
        key(a).cmp(&key(b))
    });
    let expected: i64 = groups.iter().map(|g| g.expected).sum();
    let provided: i64 = groups.iter().map(|g| g.provided).sum();
    Ok(CycleObligations {
        cycle_id: cycle.id,
        plan: cycle.plan.clone(),
        period: cycle.period.clone(),
        due_on: cycle.due_on,
        status: cycle.status,
        expected,
        provided,
        completeness: percent(provided, expected),
        organisations: groups,
    })
}

/// What a reporting cycle is owed
///
/// Every role may read. For each organisation: how many progress updates,
/// indicator actuals and risk reviews the cycle expects of it, how many
/// are in, its completeness, and what it still owes, each with the
/// request that clears it. Expected: an update for the period on each of
/// the plan's objectives, promises, equality actions and improvement
/// actions, and on its milestones of the period's financial year (and
/// earlier ones overdue), unless closed before the period began; an actual
/// of each indicator collected for the period; for a quarter, a review of
/// each risk. Each is owed by its lead organisation (a risk's is its
/// objective's).
#[utoipa::path(
    tag = "reporting",
    params(("id" = Uuid, Path, description = "Cycle id")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The cycle's obligations", body = CycleObligations),
        (status = 404, description = "No such cycle", body = ErrorBody),
    )
)]
#[get("/{id}/obligations")]
pub async fn reporting_cycle_obligations(
    user: AuthUser,
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let mut conn = state.conn().await?;
    let cycle = <ReportingCycle as Record>::load(&mut conn, *id).await?;
    Ok(HttpResponse::Ok().json(of_cycle(&mut conn, &cycle, None).await?))
}

/// Query of `GET /me/obligations`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MyObligationsQuery {
    /// Only this cycle (default: every open cycle).
    pub cycle_id: Option<Uuid>,
}

/// What the caller's organisation owes.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct MyObligations {
    /// The caller's organisation code (the token's `org`).
    pub organisation: String,
    /// Each open cycle (or the one asked for), with only the caller's
    /// organisation's part; a cycle expecting nothing of it is left out.
    pub cycles: Vec<CycleObligations>,
}

/// What my organisation owes
///
/// Every role may read. The caller's organisation's part of every open
/// reporting cycle (or of `cycle_id`), as `GET
/// /reporting-cycles/{id}/obligations` gives it: what is expected, what is
/// in, and what is still owed with the request that clears each. Ten
/// statements per open cycle.
#[utoipa::path(
    tag = "reporting",
    params(MyObligationsQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller's obligations", body = MyObligations),
        (status = 400, description = "Unknown or malformed query parameter", body = ErrorBody),
        (status = 404, description = "No such cycle", body = ErrorBody),
    )
)]
#[get("/me/obligations")]
pub async fn my_obligations(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    let q = serde_urlencoded::from_str::<MyObligationsQuery>(req.query_string())
        .map_err(|e| ApiError::InvalidQuery(format!("{e}; this accepts: cycle_id")))?;
    let mut conn = state.conn().await?;
    let ids: Vec<Uuid> = match q.cycle_id {
        Some(id) => vec![id],
        None => {
            reporting_cycles::table
                .filter(reporting_cycles::status.eq("open"))
                .filter(reporting_cycles::archived_at.is_null())
                .order((reporting_cycles::period_starts_on, reporting_cycles::id))
                .select(reporting_cycles::id)
                .load(&mut conn)
                .await?
        }
    };
    let mut cycles = Vec::new();
    for id in ids {
        let cycle = <ReportingCycle as Record>::load(&mut conn, id).await?;
        let mine = of_cycle(&mut conn, &cycle, Some(&user.org)).await?;
        if q.cycle_id.is_some() || mine.expected > 0 {
            cycles.push(mine);
        }
    }
    Ok(HttpResponse::Ok().json(MyObligations {
        organisation: user.org.clone(),
        cycles,
    }))
}
