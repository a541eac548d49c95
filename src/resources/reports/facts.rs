//! What a plan's reports and obligations read for one period, gathered in a
//! fixed number of statements whatever the plan's size: its deliverables
//! (objectives, promises, equality actions, milestones) as they stood at the
//! period's end with their updates for the period, its indicators with their
//! actuals due, and its risks with their reviews.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use diesel::sql_types::{Array, Bool, Date, Float8, Int4, Nullable, Text, Uuid as SqlUuid};
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use uuid::Uuid;

use crate::domain::deliverable::{is_overdue, DeliverableStatus};
use crate::domain::period::Period;
use crate::resources::organisations::{org_refs, OrganisationRef};
use crate::resources::plans::{plan_refs, PlanRef};
use crate::resources::progress::{state_as_of, ProgressUpdate};
use crate::store::indicators::IndicatorRow;
use crate::store::progress::{started_by, Deliverable, ProgressRow};
use crate::store::risk_reviews::ReviewRow;
use crate::web::error::{ApiError, ApiResult};

/// A deliverable as stored, with whether it has any standing update.
#[derive(Debug, Clone, QueryableByName)]
struct DeliverableRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    /// The objective of a milestone, the area of an improvement action;
    /// null for objectives.
    #[diesel(sql_type = Nullable<SqlUuid>)]
    objective_id: Option<Uuid>,
    #[diesel(sql_type = Text)]
    code: String,
    #[diesel(sql_type = Text)]
    title: String,
    /// An objective's kind, or `milestone`.
    #[diesel(sql_type = Text)]
    kind: String,
    /// A milestone's financial year; null for objectives.
    #[diesel(sql_type = Nullable<Text>)]
    financial_year: Option<String>,
    #[diesel(sql_type = Nullable<Date>)]
    due_on: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    lead_organisation_id: Option<Uuid>,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Nullable<Date>)]
    completed_on: Option<NaiveDate>,
    #[diesel(sql_type = Bool)]
    has_updates: bool,
    #[diesel(sql_type = Nullable<Int4>)]
    risk_initial: Option<i32>,
    #[diesel(sql_type = Nullable<Int4>)]
    risk_residual: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    responsible_officer: Option<String>,
}

/// A deliverable as it stood at the period's end.
#[derive(Debug, Clone)]
pub struct DeliverableFact {
    pub id: Uuid,
    /// Its objective, for a milestone; its area, for an improvement action.
    pub objective_id: Option<Uuid>,
    pub code: String,
    pub title: String,
    /// `service_objective`, `promise`, `equality_action`, `milestone` or
    /// `improvement_action`.
    pub kind: String,
    pub financial_year: Option<String>,
    pub due_on: Option<NaiveDate>,
    pub lead: Option<OrganisationRef>,
    pub responsible_officer: Option<String>,
    pub risk_initial: Option<i32>,
    pub risk_residual: Option<i32>,
    /// Its status at the period's end.
    pub status: DeliverableStatus,
    /// Overdue at the period's end.
    pub overdue: bool,
    /// Closed (complete, deferred, cancelled) before the period began: it
    /// owes no update for the period.
    pub closed_before: bool,
    /// Its latest update of a quarter within the period (the period's own,
    /// for a quarter), if any.
    pub update: Option<ProgressUpdate>,
    /// Its standing updates of the periods begun by the period's end,
    /// oldest first.
    pub updates: Vec<ProgressUpdate>,
}

impl DeliverableFact {
    /// Whether it is owed an update for the period and has none.
    pub fn owes_update(&self) -> bool {
        self.update.is_none() && !self.closed_before
    }

    /// The entity type its updates are posted to.
    pub fn entity_type(&self) -> &'static str {
        match self.kind.as_str() {
            "milestone" => "milestone",
            "improvement_action" => "improvement_action",
            _ => "objective",
        }
    }
}

/// An indicator's figure as stored, for the facts and charts.
#[derive(Debug, Clone, QueryableByName)]
pub struct PointRow {
    #[diesel(sql_type = SqlUuid)]
    pub indicator_id: Uuid,
    /// `actual` or `target`.
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Text)]
    pub period: String,
    #[diesel(sql_type = Date)]
    pub period_starts_on: NaiveDate,
    #[diesel(sql_type = Float8)]
    pub value: f64,
}

/// A risk of the plan with its reviews up to the period.
#[derive(Debug, Clone, QueryableByName)]
pub struct RiskFactRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: Uuid,
    #[diesel(sql_type = SqlUuid)]
    pub objective_id: Uuid,
    #[diesel(sql_type = Text)]
    pub code: String,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Array<Nullable<Text>>)]
    pub treatment_measures: Vec<Option<String>>,
    /// Its own score, or its objective's where the register keeps none.
    #[diesel(sql_type = Nullable<Int4>)]
    pub risk_initial: Option<i32>,
    #[diesel(sql_type = Nullable<Int4>)]
    pub risk_residual: Option<i32>,
}

/// Everything a plan's reports and obligations read for one period.
pub struct Facts {
    pub plan: PlanRef,
    pub period: Period,
    /// The day the facts are as at: the period's last day.
    pub as_of: NaiveDate,
    /// Objectives, promises and equality actions, in code order.
    pub objectives: Vec<DeliverableFact>,
    /// Milestones, by objective and sequence.
    pub milestones: Vec<DeliverableFact>,
    /// Improvement actions, by area and sequence.
    pub actions: Vec<DeliverableFact>,
    /// The plan's live indicators, in code order.
    pub indicators: Vec<IndicatorRow>,
    /// Actuals (area, whole population) and targets of the indicators
    /// between three years before the period and its end.
    pub points: Vec<PointRow>,
    pub risks: Vec<RiskFactRow>,
    /// The risks' reviews of periods ended by the period's end.
    pub reviews: Vec<ReviewRow>,
    /// The organisations named by leads.
    pub orgs: HashMap<Uuid, OrganisationRef>,
}

/// The plan's deliverables, in one statement.
const DELIVERABLES: &str = "\
    SELECT o.id, NULL::uuid AS objective_id, o.code, o.title, o.kind, NULL::text AS financial_year, \
           o.due_on, o.lead_organisation_id, o.status, o.completed_on, \
           EXISTS (SELECT 1 FROM progress_updates pu WHERE pu.objective_id = o.id \
                   AND pu.withdrawn_at IS NULL) AS has_updates, \
           o.risk_initial, o.risk_residual, o.responsible_officer, \
           0 AS grp, length(o.code) AS len, o.code AS ocode, 0 AS seq \
    FROM objectives o WHERE o.plan_id = $1 AND o.archived_at IS NULL \
    UNION ALL \
    SELECT m.id, m.objective_id, m.code, m.title, 'milestone', m.financial_year, \
           m.due_on, m.lead_organisation_id, m.status, m.completed_on, \
           EXISTS (SELECT 1 FROM progress_updates pu WHERE pu.milestone_id = m.id \
                   AND pu.withdrawn_at IS NULL), \
           NULL::int, NULL::int, NULL::text, \
           1, length(o.code), o.code, COALESCE(m.sequence, 0) \
    FROM milestones m JOIN objectives o ON o.id = m.objective_id \
    WHERE o.plan_id = $1 AND m.archived_at IS NULL AND o.archived_at IS NULL \
    UNION ALL \
    SELECT a.id, a.area_id, a.code, a.title, 'improvement_action', NULL::text, \
           a.due_on, a.lead_organisation_id, a.status, a.completed_on, \
           EXISTS (SELECT 1 FROM progress_updates pu WHERE pu.improvement_action_id = a.id \
                   AND pu.withdrawn_at IS NULL), \
           NULL::int, NULL::int, NULL::text, \
           2, length(ar.code), ar.code, COALESCE(a.sequence, 0) \
    FROM improvement_actions a JOIN improvement_areas ar ON ar.id = a.area_id \
    WHERE ar.plan_id = $1 AND a.archived_at IS NULL AND ar.archived_at IS NULL \
    ORDER BY grp, len, ocode, seq, code";

/// The plan's live indicators (through its objectives and priorities).
const INDICATORS: &str = "\
    SELECT oi.indicator_id AS id FROM objective_indicators oi \
      JOIN objectives o ON o.id = oi.objective_id \
    WHERE o.plan_id = $1 AND oi.unlinked_at IS NULL AND o.archived_at IS NULL \
    UNION SELECT ip.indicator_id FROM indicator_priorities ip \
      JOIN priorities p ON p.id = ip.priority_id WHERE p.plan_id = $1";

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
}

/// The actuals and targets of the indicators between two days.
const POINTS: &str = "\
    SELECT v.indicator_id, 'actual' AS kind, v.period, v.period_starts_on, v.value \
    FROM indicator_values v WHERE v.indicator_id = ANY($1) AND v.withdrawn_at IS NULL \
      AND v.series = 'area' AND v.breakdown IS NULL \
      AND v.period_starts_on >= $2 AND v.period_ends_on <= $3 \
    UNION ALL \
    SELECT t.indicator_id, 'target', t.period, t.period_starts_on, t.value \
    FROM indicator_targets t WHERE t.indicator_id = ANY($1) AND t.archived_at IS NULL \
      AND t.breakdown IS NULL AND t.period_starts_on >= $2 AND t.period_ends_on <= $3 \
    ORDER BY 1, 4, 2";

/// The plan's live risks, scored as the register reads them.
const RISKS: &str = "\
    SELECT r.id, r.objective_id, r.code, r.title, r.treatment_measures, \
           COALESCE(r.risk_initial, o.risk_initial) AS risk_initial, \
           COALESCE(r.risk_residual, o.risk_residual) AS risk_residual \
    FROM risks r JOIN objectives o ON o.id = r.objective_id \
    WHERE o.plan_id = $1 AND r.archived_at IS NULL AND o.archived_at IS NULL \
    ORDER BY length(r.code), r.code";

impl Facts {
    /// Gathers the facts of `plan_id` for `period`: ten statements.
    pub async fn gather(
        conn: &mut AsyncPgConnection,
        plan_id: Uuid,
        period: &Period,
    ) -> ApiResult<Facts> {
        let plan = plan_refs(conn, [plan_id])
            .await?
            .remove(&plan_id)
            .ok_or_else(|| ApiError::NotFound(format!("no plan with id {plan_id}")))?;
        let as_of = period.ends_on;
        let rows: Vec<DeliverableRow> = diesel::sql_query(DELIVERABLES)
            .bind::<SqlUuid, _>(plan_id)
            .load(conn)
            .await?;
        let mut updates = Vec::new();
        for kind in [
            Deliverable::Objective(Uuid::nil()),
            Deliverable::Milestone(Uuid::nil()),
            Deliverable::ImprovementAction(Uuid::nil()),
        ] {
            let ids: Vec<Uuid> = rows
                .iter()
                .filter(|r| kind_of(r).column() == kind.column())
                .map(|r| r.id)
                .collect();
            updates.extend(started_by(conn, kind, &ids, as_of).await?);
        }
        let indicator_ids: Vec<Uuid> = diesel::sql_query(INDICATORS)
            .bind::<SqlUuid, _>(plan_id)
            .load::<IdRow>(conn)
            .await?
            .into_iter()
            .map(|r| r.id)
            .collect();
        let mut indicators: Vec<IndicatorRow> =
            crate::store::indicators::find_many(conn, &indicator_ids)
                .await?
                .into_iter()
                .filter(|r| r.archived_at.is_none())
                .collect();
        indicators.sort_by_key(|r| natural(&r.code));
        let from = period.starts_on - Duration::days(3 * 366);
        let points: Vec<PointRow> = diesel::sql_query(POINTS)
            .bind::<Array<SqlUuid>, _>(indicators.iter().map(|r| r.id).collect::<Vec<_>>())
            .bind::<Date, _>(from)
            .bind::<Date, _>(as_of)
            .load(conn)
            .await?;
        let risks: Vec<RiskFactRow> = diesel::sql_query(RISKS)
            .bind::<SqlUuid, _>(plan_id)
            .load(conn)
            .await?;
        let risk_ids: Vec<Uuid> = risks.iter().map(|r| r.id).collect();
        let reviews = crate::store::risk_reviews::of_risks(conn, &risk_ids, Some(as_of)).await?;
        let orgs = org_refs(
            conn,
            rows.iter()
                .filter_map(|r| r.lead_organisation_id)
                .chain(indicators.iter().filter_map(|r| r.lead_organisation_id)),
        )
        .await?;
        let mut objectives = Vec::new();
        let mut milestones = Vec::new();
        let mut actions = Vec::new();
        for r in rows {
            let fact = fact(r, &updates, period, &orgs)?;
            match fact.kind.as_str() {
                "milestone" => milestones.push(fact),
                "improvement_action" => actions.push(fact),
                _ => objectives.push(fact),
            }
        }
        Ok(Facts {
            plan,
            period: period.clone(),
            as_of,
            objectives,
            milestones,
            actions,
            indicators,
            points,
            risks,
            reviews,
            orgs,
        })
    }

    /// The milestones a period's report shows: those of its financial year,
    /// and earlier ones still open and overdue at its end.
    pub fn milestones_in_view(&self) -> impl Iterator<Item = &DeliverableFact> {
        let fy = self.period.fy_of().map(|p| p.code);
        self.milestones
            .iter()
            .filter(move |m| m.financial_year == fy || (m.overdue && m.financial_year < fy))
    }

    /// The review of a risk for the period, with the score it is compared
    /// with (the latest earlier review's, else the residual score).
    pub fn review_of(&self, risk: &RiskFactRow) -> Option<(&ReviewRow, Option<i32>)> {
        let mine: Vec<&ReviewRow> = self
            .reviews
            .iter()
            .filter(|r| r.risk_id == risk.id)
            .collect();
        let this = mine
            .iter()
            .filter(|r| {
                r.period_starts_on >= self.period.starts_on
                    && r.period_ends_on <= self.period.ends_on
            })
            .max_by_key(|r| r.period_starts_on)?;
        let before = crate::resources::objectives::reviews::compared_with(
            mine.iter().copied(),
            this,
            risk.risk_residual,
        );
        Some((this, before))
    }

    /// Whether an indicator is collected for the period.
    pub fn is_due(&self, row: &IndicatorRow) -> ApiResult<bool> {
        Ok(crate::resources::indicators::performance::collection_of(row)?.is_due(&self.period))
    }

    /// Whether the period's own actual of an indicator is in.
    pub fn has_actual(&self, row: &IndicatorRow) -> bool {
        self.points
            .iter()
            .any(|p| p.indicator_id == row.id && p.kind == "actual" && p.period == self.period.code)
    }

    /// Whether an indicator is due an actual for the period and has none.
    pub fn actual_missing(&self, row: &IndicatorRow) -> ApiResult<bool> {
        Ok(self.is_due(row)? && !self.has_actual(row))
    }

    /// A lead organisation by id.
    pub fn org(&self, id: Option<Uuid>) -> Option<OrganisationRef> {
        id.and_then(|i| self.orgs.get(&i).cloned())
    }
}

/// A code's natural order: `P2` before `P10`.
pub fn natural(code: &str) -> (usize, String) {
    (code.len(), code.to_string())
}

fn kind_of(r: &DeliverableRow) -> Deliverable {
    match r.kind.as_str() {
        "milestone" => Deliverable::Milestone(r.id),
        "improvement_action" => Deliverable::ImprovementAction(r.id),
        _ => Deliverable::Objective(r.id),
    }
}

fn fact(
    r: DeliverableRow,
    updates: &[ProgressRow],
    period: &Period,
    orgs: &HashMap<Uuid, OrganisationRef>,
) -> ApiResult<DeliverableFact> {
    let kind = kind_of(&r);
    let mut mine: Vec<&ProgressRow> = updates.iter().filter(|u| kind.owns(u)).collect();
    mine.sort_by_key(|u| (u.period_starts_on, u.created_at));
    let own = (DeliverableStatus::from_db(&r.status)?, r.completed_on);
    let (status, _, _) = state_as_of(own, &mine, r.has_updates, period.ends_on)?;
    let day_before = period.starts_on - Duration::days(1);
    let (before, _, _) = state_as_of(own, &mine, r.has_updates, day_before)?;
    let update = mine
        .iter()
        .rev()
        .find(|u| u.period_starts_on >= period.starts_on && u.period_ends_on <= period.ends_on)
        .map(|u| ProgressUpdate::try_from((*u).clone()))
        .transpose()?;
    Ok(DeliverableFact {
        overdue: is_overdue(r.due_on, status, period.ends_on),
        closed_before: before.is_closed(),
        lead: r.lead_organisation_id.and_then(|o| orgs.get(&o).cloned()),
        updates: mine
            .into_iter()
            .map(|u| ProgressUpdate::try_from(u.clone()))
            .collect::<ApiResult<_>>()?,
        id: r.id,
        objective_id: r.objective_id,
        code: r.code,
        title: r.title,
        kind: r.kind,
        financial_year: r.financial_year,
        due_on: r.due_on,
        responsible_officer: r.responsible_officer,
        risk_initial: r.risk_initial,
        risk_residual: r.risk_residual,
        status,
        update,
    })
}
