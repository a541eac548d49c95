//! The CYPP annual review and the improvement plan's progress report.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::sql_types::{Text, Uuid as SqlUuid};
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::facts::Facts;
use super::quarterly::{
    deliverable, indicators, narrative, ReportDeliverable, ReportIndicator, ReportNarrative,
};
use super::ReportKind;
use crate::domain::deliverable::DeliverableStatus;
use crate::domain::period::Period;
use crate::resources::plans::PlanRef;
use crate::web::error::ApiResult;

/// One quarter's update of a promise, as the review prints it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct QuarterUpdate {
    /// The quarter's code.
    pub period: String,
    pub label: String,
    pub status: DeliverableStatus,
    pub commentary: Option<String>,
}

/// A promise with the year's progress.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AnnualPromise {
    /// Its status at the year's end; `update` is the year's latest.
    #[serde(flatten)]
    pub promise: ReportDeliverable,
    /// Its updates of the year's quarters, oldest first.
    pub quarters: Vec<QuarterUpdate>,
}

/// A plan's annual review (the CYPP's, approved by the Trust Board).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct AnnualReview {
    /// Always `annual`.
    pub report: ReportKind,
    pub plan: PlanRef,
    /// The financial year reviewed.
    pub year: Period,
    /// The year's last day, which it is computed as at.
    pub as_of: NaiveDate,
    pub generated_at: DateTime<Utc>,
    /// The year's achievements (the narrative's `achievements` section).
    #[schema(required = true)]
    pub achievements: Option<ReportNarrative>,
    /// Every promise of the plan (its objectives, for a plan that makes no
    /// promises), with the year's progress.
    pub promises: Vec<AnnualPromise>,
    /// The outcome measures (the plan's indicators) for the year: actual,
    /// the year before (`previous_actual`), the movement (`direction`) and
    /// the comparators.
    pub outcomes: Vec<ReportIndicator>,
}

pub async fn build_annual(conn: &mut AsyncPgConnection, facts: &Facts) -> ApiResult<AnnualReview> {
    let achievements = narrative(
        crate::store::narratives::find_by_key(
            conn,
            facts.plan.id,
            &facts.period.code,
            "achievements",
        )
        .await?,
    );
    let outcomes = indicators(conn, facts).await?;
    let any_promise = facts.objectives.iter().any(|o| o.kind == "promise");
    let promises = facts
        .objectives
        .iter()
        .filter(|o| !any_promise || o.kind == "promise")
        .map(|o| {
            Ok(AnnualPromise {
                promise: deliverable(o),
                quarters: o
                    .updates
                    .iter()
                    .filter(|u| {
                        u.period.starts_on >= facts.period.starts_on
                            && u.period.ends_on <= facts.period.ends_on
                    })
                    .map(|u| QuarterUpdate {
                        period: u.period.code.clone(),
                        label: u.period.label.clone(),
                        status: u.status,
                        commentary: u.commentary.clone(),
                    })
                    .collect(),
            })
        })
        .collect::<ApiResult<Vec<_>>>()?;
    Ok(AnnualReview {
        report: ReportKind::Annual,
        plan: facts.plan.clone(),
        year: facts.period.clone(),
        as_of: facts.as_of,
        generated_at: Utc::now(),
        achievements,
        promises,
        outcomes,
    })
}

/// An inspection recommendation an area answers.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ReportRecommendation {
    pub id: Uuid,
    /// E.g. `R2`.
    pub code: String,
    pub text: String,
}

/// An improvement area with its actions.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ReportArea {
    pub id: Uuid,
    pub code: String,
    pub title: String,
    /// The recommendations it answers.
    pub recommendations: Vec<ReportRecommendation>,
    /// Its actions as they stood at the period's end.
    pub actions: Vec<ReportDeliverable>,
    /// Of those, how many are complete.
    pub complete: i64,
    /// Of those, how many are overdue.
    pub overdue: i64,
}

/// The improvement plan's progress report for the Children's Trust Board.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema, PartialEq)]
pub struct ImprovementReport {
    /// Always `improvement`.
    pub report: ReportKind,
    pub plan: PlanRef,
    pub period: Period,
    pub as_of: NaiveDate,
    pub generated_at: DateTime<Utc>,
    pub areas: Vec<ReportArea>,
    /// Every action overdue at the period's end.
    pub overdue: Vec<ReportDeliverable>,
}

#[derive(QueryableByName)]
struct AreaRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    code: String,
    #[diesel(sql_type = Text)]
    title: String,
}

#[derive(QueryableByName)]
struct AreaRecommendation {
    #[diesel(sql_type = SqlUuid)]
    area_id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Text)]
    code: String,
    #[diesel(sql_type = Text)]
    text: String,
}

pub async fn build_improvement(
    conn: &mut AsyncPgConnection,
    facts: &Facts,
) -> ApiResult<ImprovementReport> {
    let areas: Vec<AreaRow> = diesel::sql_query(
        "SELECT id, code, title FROM improvement_areas WHERE plan_id = $1 AND archived_at IS NULL \
         ORDER BY length(code), code",
    )
    .bind::<SqlUuid, _>(facts.plan.id)
    .load(conn)
    .await?;
    let recs: Vec<AreaRecommendation> = diesel::sql_query(
        "SELECT ar.area_id, r.id, r.code, r.text FROM improvement_area_recommendations ar \
         JOIN recommendations r ON r.id = ar.recommendation_id \
         JOIN improvement_areas a ON a.id = ar.area_id \
         WHERE a.plan_id = $1 AND r.archived_at IS NULL ORDER BY length(r.code), r.code",
    )
    .bind::<SqlUuid, _>(facts.plan.id)
    .load(conn)
    .await?;
    let areas = areas
        .into_iter()
        .map(|a| {
            let actions: Vec<ReportDeliverable> = facts
                .actions
                .iter()
                .filter(|d| d.objective_id == Some(a.id))
                .map(deliverable)
                .collect();
            ReportArea {
                complete: actions
                    .iter()
                    .filter(|d| d.status == DeliverableStatus::Complete)
                    .count() as i64,
                overdue: actions.iter().filter(|d| d.overdue).count() as i64,
                recommendations: recs
                    .iter()
                    .filter(|r| r.area_id == a.id)
                    .map(|r| ReportRecommendation {
                        id: r.id,
                        code: r.code.clone(),
                        text: r.text.clone(),
                    })
                    .collect(),
                actions,
                id: a.id,
                code: a.code,
                title: a.title,
            }
        })
        .collect();
    Ok(ImprovementReport {
        report: ReportKind::Improvement,
        plan: facts.plan.clone(),
        period: facts.period.clone(),
        as_of: facts.as_of,
        generated_at: Utc::now(),
        areas,
        overdue: facts
            .actions
            .iter()
            .filter(|d| d.overdue)
            .map(deliverable)
            .collect(),
    })
}
