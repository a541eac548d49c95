//! The quarterly monitoring report of a plan: the service plan's
//! Quarterly Monitoring Report as a board reads it, computed as at the
//! quarter's end.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::facts::{DeliverableFact, Facts, PointRow};
use super::ReportKind;
use crate::domain::deliverable::DeliverableStatus;
use crate::domain::performance::{Direction, QuartileBand, Rag};
use crate::domain::period::Period;
use crate::domain::risk::{band, RiskBand};
use crate::resources::indicators::performance::{compute, Options};
use crate::resources::objectives::reviews::{review_dto, RiskTrend};
use crate::resources::plans::PlanRef;
use crate::web::error::{ApiError, ApiResult};

/// A narrative section as the report prints it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ReportNarrative {
    pub text: String,
    /// Who wrote it (the token's name, else its `sub`).
    pub author: String,
    pub updated_at: DateTime<Utc>,
}

/// A progress update as the report prints it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ReportUpdate {
    pub status: DeliverableStatus,
    pub commentary: Option<String>,
    /// Who reported it (the token's name, else its `sub`) and their organisation.
    pub author: String,
    pub author_org: Option<String>,
}

/// A deliverable (objective, promise, equality action or milestone) as it
/// stood at the period's end.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ReportDeliverable {
    pub id: Uuid,
    pub code: String,
    pub title: String,
    /// `service_objective`, `promise`, `equality_action` or `milestone`.
    pub kind: String,
    /// The lead organisation's code.
    pub lead: Option<String>,
    pub responsible_officer: Option<String>,
    pub due_on: Option<NaiveDate>,
    /// Its status at the period's end.
    pub status: DeliverableStatus,
    /// Overdue at the period's end.
    pub overdue: bool,
    /// Its update for the period; null when none was reported.
    pub update: Option<ReportUpdate>,
}

/// An objective with its milestones.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ReportObjective {
    #[serde(flatten)]
    pub objective: ReportDeliverable,
    /// Its milestones of the period's financial year, and earlier ones
    /// still open and overdue.
    pub milestones: Vec<ReportDeliverable>,
}

/// A point of an indicator's chart.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ReportPoint {
    /// The period code.
    pub period: String,
    /// How reports print it, e.g. `2009/10 Q2`.
    pub label: String,
    pub actual: Option<f64>,
    pub target: Option<f64>,
}

/// A comparator figure.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ReportComparator {
    /// `national`, `statistical_neighbours`, the quartile boundaries, ...
    pub series: String,
    pub value: f64,
}

/// An indicator's performance as at the period's end.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ReportIndicator {
    pub id: Uuid,
    /// Its reference, e.g. `NI59`.
    #[serde(rename = "ref")]
    pub r#ref: String,
    pub title: String,
    pub lead: Option<String>,
    /// `percentage`, `count`, ...
    pub unit: String,
    pub decimals: i16,
    /// The period judged: the report's, or for an indicator not collected
    /// quarterly the latest of its kind ended by then.
    pub period: String,
    pub period_label: String,
    pub target: Option<f64>,
    pub actual: Option<f64>,
    pub previous_actual: Option<f64>,
    pub rag: Rag,
    pub direction: Direction,
    pub quartile: QuartileBand,
    /// One sentence explaining `rag`.
    pub explanation: String,
    pub comparators: Vec<ReportComparator>,
    /// The story behind the curve: the period's commentary, its three parts
    /// joined; null when none.
    pub story: Option<String>,
    /// Its actuals and targets of periods of the judged kind, up to three
    /// years back, for the chart.
    pub series: Vec<ReportPoint>,
}

/// A risk's review for the quarter.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ReportReview {
    pub current_score: i32,
    pub current_band: RiskBand,
    pub mitigation_progress: DeliverableStatus,
    pub trend: Option<RiskTrend>,
    pub commentary: Option<String>,
    pub author: String,
}

/// A high risk with its review.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ReportRisk {
    pub id: Uuid,
    pub code: String,
    pub title: String,
    /// The objective's code.
    pub objective: String,
    pub treatment_measures: Vec<String>,
    pub risk_initial: Option<i32>,
    pub risk_residual: Option<i32>,
    /// Null when it was not reviewed for the quarter.
    pub review: Option<ReportReview>,
}

/// One exception.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ReportException {
    /// `indicator`, `objective`, `milestone` or `risk`.
    pub entity_type: String,
    pub id: Uuid,
    pub code: String,
    pub title: String,
    pub lead: Option<String>,
    /// Why it is here, in one sentence.
    pub detail: String,
}

/// What the board must look at.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ReportExceptions {
    /// Indicators red at the period's end.
    pub red: Vec<ReportException>,
    /// Deliverables overdue at the period's end.
    pub overdue: Vec<ReportException>,
    /// Indicators due an actual for the period with none in.
    pub missing: Vec<ReportException>,
    /// Deliverables and risks owed an update or review for the period with none.
    pub not_submitted: Vec<ReportException>,
}

/// A plan's quarterly monitoring report.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct QuarterlyReport {
    /// Always `quarterly`.
    pub report: ReportKind,
    pub plan: PlanRef,
    pub period: Period,
    /// The day it is computed as at: the period's last day.
    pub as_of: NaiveDate,
    /// When it was computed.
    pub generated_at: DateTime<Utc>,
    #[schema(required = true)]
    pub key_developments: Option<ReportNarrative>,
    #[schema(required = true)]
    pub emerging_issues: Option<ReportNarrative>,
    /// Service objectives and promises with their milestones.
    pub objectives: Vec<ReportObjective>,
    pub indicators: Vec<ReportIndicator>,
    /// Risks scored high (11–16) before treatment or at their review.
    pub high_risks: Vec<ReportRisk>,
    pub equality_actions: Vec<ReportDeliverable>,
    pub exceptions: ReportExceptions,
}

fn author(name: &Option<String>, sub: &str) -> String {
    name.clone().unwrap_or_else(|| sub.to_string())
}

pub(super) fn deliverable(d: &DeliverableFact) -> ReportDeliverable {
    ReportDeliverable {
        id: d.id,
        code: d.code.clone(),
        title: d.title.clone(),
        kind: d.kind.clone(),
        lead: d.lead.as_ref().map(|o| o.code.clone()),
        responsible_officer: d.responsible_officer.clone(),
        due_on: d.due_on,
        status: d.status,
        overdue: d.overdue,
        update: d.update.as_ref().map(|u| ReportUpdate {
            status: u.status,
            commentary: u.commentary.clone(),
            author: author(&u.author_name, &u.author_sub),
            author_org: u.author_org.clone(),
        }),
    }
}

pub(super) fn narrative(
    row: Option<crate::store::narratives::NarrativeRow>,
) -> Option<ReportNarrative> {
    row.map(|r| ReportNarrative {
        author: author(&r.author_name, &r.author_sub),
        text: r.body,
        updated_at: r.updated_at,
    })
}

fn exception(d: &DeliverableFact, detail: String) -> ReportException {
    ReportException {
        entity_type: d.entity_type().into(),
        id: d.id,
        code: d.code.clone(),
        title: d.title.clone(),
        lead: d.lead.as_ref().map(|o| o.code.clone()),
        detail,
    }
}

/// The indicators of the facts, assessed as at the period's end: the four
/// statements of the performance rules.
pub(super) async fn indicators(
    conn: &mut diesel_async::AsyncPgConnection,
    facts: &Facts,
) -> ApiResult<Vec<ReportIndicator>> {
    let assessed = compute(
        conn,
        &facts.indicators,
        &facts.period,
        &Options::view(Some(facts.as_of)),
    )
    .await?;
    let mut out = Vec::new();
    for (row, p) in facts.indicators.iter().zip(assessed) {
        let judged = p.period.clone();
        let mine: Vec<(&PointRow, Period)> = facts
            .points
            .iter()
            .filter(|pt| pt.indicator_id == row.id)
            .filter_map(|pt| Period::parse(&pt.period).ok().map(|p| (pt, p)))
            .collect();
        // The chart keeps to periods of the kind judged, unless that leaves
        // too little to draw (an annual figure beside quarterly targets).
        let same_kind = mine
            .iter()
            .filter(|(_, p)| p.r#type == judged.r#type)
            .map(|(pt, _)| &pt.period)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
            >= 2;
        let mut series: Vec<ReportPoint> = Vec::new();
        for (pt, period) in &mine {
            if same_kind && period.r#type != judged.r#type {
                continue;
            }
            let i = match series.iter().position(|s| s.period == pt.period) {
                Some(i) => i,
                None => {
                    series.push(ReportPoint {
                        period: pt.period.clone(),
                        label: period.label.clone(),
                        actual: None,
                        target: None,
                    });
                    series.len() - 1
                }
            };
            if pt.kind == "actual" {
                series[i].actual = Some(pt.value);
            } else {
                series[i].target = Some(pt.value);
            }
        }
        let story = p.commentary.as_ref().and_then(|c| {
            let parts: Vec<&str> = [
                &c.overview,
                &c.what_made_the_difference,
                &c.what_happens_next,
            ]
            .into_iter()
            .filter_map(|s| s.as_deref())
            .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        });
        out.push(ReportIndicator {
            id: row.id,
            r#ref: row.code.clone(),
            title: row.title.clone(),
            lead: facts.org(row.lead_organisation_id).map(|o| o.code),
            unit: row.unit.clone(),
            decimals: row.decimals,
            period: judged.code.clone(),
            period_label: judged.label.clone(),
            target: p.assessment.target_used,
            actual: p.assessment.actual,
            previous_actual: p.assessment.previous_actual,
            rag: p.assessment.rag,
            direction: p.assessment.direction,
            quartile: p.assessment.quartile,
            explanation: p.assessment.explanation.clone(),
            comparators: p
                .comparators
                .iter()
                .map(|c| ReportComparator {
                    series: c.series.as_str().to_string(),
                    value: c.value,
                })
                .collect(),
            story,
            series,
        });
    }
    Ok(out)
}

/// Builds the report from its facts: the narrative's two statements and the
/// performance rules' four.
pub async fn build(
    conn: &mut diesel_async::AsyncPgConnection,
    facts: &Facts,
) -> ApiResult<QuarterlyReport> {
    let plan_id = facts.plan.id;
    let code = facts.period.code.clone();
    let key_developments = narrative(
        crate::store::narratives::find_by_key(conn, plan_id, &code, "key_developments").await?,
    );
    let emerging_issues = narrative(
        crate::store::narratives::find_by_key(conn, plan_id, &code, "emerging_issues").await?,
    );
    let indicators = indicators(conn, facts).await?;
    let in_view: Vec<&DeliverableFact> = facts.milestones_in_view().collect();
    let objectives: Vec<ReportObjective> = facts
        .objectives
        .iter()
        .filter(|o| o.kind != "equality_action")
        .map(|o| ReportObjective {
            objective: deliverable(o),
            milestones: in_view
                .iter()
                .filter(|m| m.objective_id == Some(o.id))
                .map(|m| deliverable(m))
                .collect(),
        })
        .collect();
    let equality_actions: Vec<ReportDeliverable> = facts
        .objectives
        .iter()
        .filter(|o| o.kind == "equality_action")
        .map(deliverable)
        .collect();
    let objective_code = |id: Uuid| {
        facts
            .objectives
            .iter()
            .find(|o| o.id == id)
            .map(|o| o.code.clone())
            .unwrap_or_default()
    };
    let mut high_risks = Vec::new();
    let mut exceptions = ReportExceptions {
        red: Vec::new(),
        overdue: Vec::new(),
        missing: Vec::new(),
        not_submitted: Vec::new(),
    };
    for r in &facts.risks {
        let review = facts.review_of(r);
        let high = |s: Option<i32>| s.and_then(band) == Some(RiskBand::High);
        if !(high(r.risk_initial) || high(review.map(|(v, _)| v.current_score))) {
            continue;
        }
        let lead = facts
            .objectives
            .iter()
            .find(|o| o.id == r.objective_id)
            .and_then(|o| o.lead.as_ref().map(|l| l.code.clone()));
        if review.is_none() {
            exceptions.not_submitted.push(ReportException {
                entity_type: "risk".into(),
                id: r.id,
                code: r.code.clone(),
                title: r.title.clone(),
                lead: lead.clone(),
                detail: format!("not reviewed for {}", facts.period.label),
            });
        }
        high_risks.push(ReportRisk {
            id: r.id,
            code: r.code.clone(),
            title: r.title.clone(),
            objective: objective_code(r.objective_id),
            treatment_measures: crate::store::texts(r.treatment_measures.clone()),
            risk_initial: r.risk_initial,
            risk_residual: r.risk_residual,
            review: review
                .map(|(v, before)| {
                    let v = review_dto(v.clone(), before)?;
                    Ok::<_, ApiError>(ReportReview {
                        author: author(&v.author_name, &v.author_sub),
                        current_score: v.current_score,
                        current_band: v.current_band,
                        mitigation_progress: v.mitigation_progress,
                        trend: v.trend,
                        commentary: v.commentary,
                    })
                })
                .transpose()?,
        });
    }
    for i in &indicators {
        let e = |detail: String| ReportException {
            entity_type: "indicator".into(),
            id: i.id,
            code: i.r#ref.clone(),
            title: i.title.clone(),
            lead: i.lead.clone(),
            detail,
        };
        if i.rag == Rag::Red {
            exceptions.red.push(e(i.explanation.clone()));
        }
    }
    for row in &facts.indicators {
        if facts.actual_missing(row)? {
            exceptions.missing.push(ReportException {
                entity_type: "indicator".into(),
                id: row.id,
                code: row.code.clone(),
                title: row.title.clone(),
                lead: facts.org(row.lead_organisation_id).map(|o| o.code),
                detail: format!("no actual for {}", facts.period.label),
            });
        }
    }
    for d in facts.objectives.iter().chain(in_view.iter().copied()) {
        if d.overdue {
            exceptions.overdue.push(exception(
                d,
                format!(
                    "due {} and {} at {}",
                    d.due_on.map(|d| d.to_string()).unwrap_or_default(),
                    d.status.as_str().replace('_', " "),
                    facts.as_of
                ),
            ));
        }
        if d.owes_update() {
            exceptions.not_submitted.push(exception(
                d,
                format!("no progress update for {}", facts.period.label),
            ));
        }
    }
    Ok(QuarterlyReport {
        report: ReportKind::Quarterly,
        plan: facts.plan.clone(),
        period: facts.period.clone(),
        as_of: facts.as_of,
        generated_at: Utc::now(),
        key_developments,
        emerging_issues,
        objectives,
        indicators,
        high_risks,
        equality_actions,
        exceptions,
    })
}
