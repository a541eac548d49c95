//! The role matrix of every secured operation in the document: without a
//! token 401 (with `WWW-Authenticate: Bearer`), every role below the
//! operation's minimum 403, and the minimum itself not refused.
//!
//! The minimum roles are written here by hand, from API.md's role table and
//! each handler's documentation ("Editors and admins."), so that the test
//! states the contract rather than reading it back from the server. A
//! secured operation missing from the table, or a table entry the document
//! lacks, fails the test.

use std::collections::{BTreeMap, BTreeSet};

use trustplan::web::auth::Role;

use super::{in_batches, operations, Op};
use crate::helpers::{Res, ROLES};

use Role::{Admin, Contributor, Editor, Viewer};

/// The least role that may call each secured operation.
const MINIMUM_ROLE: &[(&str, Role)] = &[
    // The audit trail: editors and admins.
    ("list_audit", Editor),
    // The change feed: every role (admin-only records to admins only).
    ("list_changes", Viewer),
    // A batch: contributors and up, and each operation needs its own role;
    // its example reports and notes on a milestone, an editor's writes.
    ("batch", Editor),
    // Reporting cycles: every role reads; editors open and close; admins
    // reopen (with a reason), archive and restore.
    ("list_reporting_cycles", Viewer),
    ("get_reporting_cycle", Viewer),
    ("reporting_cycle_history", Viewer),
    ("create_reporting_cycle", Editor),
    ("close_reporting_cycle", Editor),
    ("reopen_reporting_cycle", Admin),
    ("delete_reporting_cycle", Admin),
    ("restore_reporting_cycle", Admin),
    // A plan's narrative: every role reads; editors write.
    ("list_narrative", Viewer),
    ("list_narratives", Viewer),
    ("get_narrative", Viewer),
    ("narrative_history", Viewer),
    ("put_narrative", Editor),
    // Obligations and reports: every role reads; admins sign off.
    ("reporting_cycle_obligations", Viewer),
    ("my_obligations", Viewer),
    ("quarterly_report", Viewer),
    ("annual_report", Viewer),
    ("improvement_report", Viewer),
    ("sign_off_reporting_cycle", Admin),
    ("get_report_snapshot", Viewer),
    ("list_report_snapshots", Viewer),
    ("get_report_snapshot_content", Viewer),
    ("diff_report_snapshots", Viewer),
    // Progress on objectives, promises and equality actions, and risks'
    // reviews: contributors of the lead organisation report.
    ("list_objective_updates", Viewer),
    ("get_objective_update", Viewer),
    ("create_objective_update", Contributor),
    ("update_objective_update", Contributor),
    ("withdraw_objective_update", Contributor),
    ("list_risk_reviews", Viewer),
    ("get_risk_review", Viewer),
    ("put_risk_review", Contributor),
    // Webhooks: admins only.
    ("list_webhooks", Admin),
    ("get_webhook", Admin),
    ("create_webhook", Admin),
    ("update_webhook", Admin),
    ("delete_webhook", Admin),
    ("restore_webhook", Admin),
    ("webhook_history", Admin),
    ("list_webhook_deliveries", Admin),
    ("redeliver_webhook", Admin),
    // Organisations: every role reads; admins only write.
    ("list_organisations", Viewer),
    ("get_organisation", Viewer),
    ("organisation_history", Viewer),
    ("create_organisation", Admin),
    ("update_organisation", Admin),
    ("delete_organisation", Admin),
    ("restore_organisation", Admin),
    // Plans.
    ("list_plans", Viewer),
    ("get_plan", Viewer),
    ("plan_history", Viewer),
    ("create_plan", Editor),
    ("update_plan", Editor),
    ("delete_plan", Editor),
    ("restore_plan", Editor),
    // Priorities.
    ("list_priorities", Viewer),
    ("get_priority", Viewer),
    ("priority_history", Viewer),
    ("create_priority", Editor),
    ("update_priority", Editor),
    ("delete_priority", Editor),
    ("restore_priority", Editor),
    // Objectives, their risks, indicators and milestones.
    ("list_objectives", Viewer),
    ("get_objective", Viewer),
    ("objective_history", Viewer),
    ("create_objective", Editor),
    ("update_objective", Editor),
    ("delete_objective", Editor),
    ("restore_objective", Editor),
    ("list_objective_risks", Viewer),
    ("create_objective_risk", Editor),
    ("list_objective_indicators", Viewer),
    ("link_objective_indicator", Editor),
    ("unlink_objective_indicator", Editor),
    ("list_objective_milestones", Viewer),
    // The risk register.
    ("list_risks", Viewer),
    ("get_risk", Viewer),
    ("risk_history", Viewer),
    ("update_risk", Editor),
    ("delete_risk", Editor),
    ("restore_risk", Editor),
    // Milestones; contributors report progress (on what their organisation leads).
    ("list_milestones", Viewer),
    ("get_milestone", Viewer),
    ("milestone_history", Viewer),
    ("create_milestone", Editor),
    ("update_milestone", Editor),
    ("delete_milestone", Editor),
    ("restore_milestone", Editor),
    ("list_milestone_updates", Viewer),
    ("get_milestone_update", Viewer),
    ("create_milestone_update", Contributor),
    ("update_milestone_update", Contributor),
    ("withdraw_milestone_update", Contributor),
    // Inspections, judgements, recommendations.
    ("list_inspections", Viewer),
    ("get_inspection", Viewer),
    ("inspection_history", Viewer),
    ("create_inspection", Editor),
    ("update_inspection", Editor),
    ("delete_inspection", Editor),
    ("restore_inspection", Editor),
    ("list_judgements", Viewer),
    ("get_judgement", Viewer),
    ("judgement_history", Viewer),
    ("create_judgement", Editor),
    ("delete_judgement", Editor),
    ("restore_judgement", Editor),
    ("list_recommendations", Viewer),
    ("get_recommendation", Viewer),
    ("recommendation_history", Viewer),
    ("trace_recommendation", Viewer),
    ("create_recommendation", Editor),
    ("update_recommendation", Editor),
    ("delete_recommendation", Editor),
    ("restore_recommendation", Editor),
    // The improvement plan.
    ("list_improvement_areas", Viewer),
    ("get_improvement_area", Viewer),
    ("improvement_area_history", Viewer),
    ("create_improvement_area", Editor),
    ("update_improvement_area", Editor),
    ("delete_improvement_area", Editor),
    ("restore_improvement_area", Editor),
    ("list_improvement_actions", Viewer),
    ("get_improvement_action", Viewer),
    ("improvement_action_history", Viewer),
    ("create_improvement_action", Editor),
    ("update_improvement_action", Editor),
    ("delete_improvement_action", Editor),
    ("restore_improvement_action", Editor),
    ("list_improvement_action_updates", Viewer),
    ("get_improvement_action_update", Viewer),
    ("create_improvement_action_update", Contributor),
    ("update_improvement_action_update", Contributor),
    ("withdraw_improvement_action_update", Contributor),
    // Indicators: editors define them and set targets; contributors report
    // values and commentary.
    ("list_indicators", Viewer),
    ("get_indicator", Viewer),
    ("indicator_history", Viewer),
    ("create_indicator", Editor),
    ("update_indicator", Editor),
    ("delete_indicator", Editor),
    ("restore_indicator", Editor),
    ("list_indicator_targets", Viewer),
    ("put_indicator_target", Editor),
    ("update_indicator_target", Editor),
    ("delete_indicator_target", Editor),
    ("list_values", Viewer),
    ("list_indicator_values", Viewer),
    ("value_history", Viewer),
    ("put_indicator_value", Contributor),
    ("get_value", Viewer),
    ("update_value", Contributor),
    ("withdraw_value", Contributor),
    ("update_indicator_commentary", Contributor),
    ("withdraw_indicator_commentary", Contributor),
    ("import_values", Contributor),
    ("list_indicator_commentary", Viewer),
    ("put_indicator_commentary", Contributor),
    ("get_indicator_performance", Viewer),
    ("get_indicator_series", Viewer),
    ("get_performance", Viewer),
    ("get_performance_summary", Viewer),
    // Service accounts: admins only, reading included.
    ("list_service_accounts", Admin),
    ("get_service_account", Admin),
    ("service_account_history", Admin),
    ("create_service_account", Admin),
    ("delete_service_account", Admin),
    ("restore_service_account", Admin),
];

/// Requests in flight at once.
const BATCH: usize = 16;

#[test]
fn the_role_table_names_every_secured_operation_and_nothing_else() {
    let table: BTreeMap<&str, Role> = MINIMUM_ROLE.iter().copied().collect();
    assert_eq!(
        table.len(),
        MINIMUM_ROLE.len(),
        "an operationId is listed twice in MINIMUM_ROLE"
    );
    let secured: BTreeSet<&str> = operations()
        .iter()
        .filter(|o| !o.is_public())
        .map(|o| o.id.as_str())
        .collect();
    let listed: BTreeSet<&str> = table.keys().copied().collect();
    let missing: Vec<&&str> = secured.difference(&listed).collect();
    let unknown: Vec<&&str> = listed.difference(&secured).collect();
    assert!(
        missing.is_empty(),
        "secured operations without a minimum role in MINIMUM_ROLE (add them): {missing:?}"
    );
    assert!(
        unknown.is_empty(),
        "MINIMUM_ROLE names operations the document does not have: {unknown:?}"
    );
}

/// One request of the matrix and what it must answer.
struct Check<'a> {
    op: &'a Op,
    role: Option<Role>,
    min: Role,
}

impl Check<'_> {
    /// What is wrong with the answer, if anything.
    fn judge(&self, res: &Res) -> Option<String> {
        let who = self.role.map_or("anonymous".to_string(), |r| r.to_string());
        let wrong = |want: &str| {
            Some(format!(
                "{} as {who}: got {}, want {want}; {}",
                self.op.at(),
                res.status,
                truncate(&res.text)
            ))
        };
        match self.role {
            None if res.status != 401 => wrong("401"),
            None if !res
                .header("www-authenticate")
                .is_some_and(|h| h.starts_with("Bearer")) =>
            {
                wrong("401 with WWW-Authenticate: Bearer")
            }
            Some(role) if role < self.min && res.status != 403 => wrong("403"),
            Some(role)
                if role >= self.min && (matches!(res.status, 401 | 403) || res.status >= 500) =>
            {
                wrong(&format!(
                    "not refused (the table's minimum for it is {})",
                    self.min
                ))
            }
            _ => None,
        }
    }
}

fn truncate(text: &str) -> String {
    text.chars().take(300).collect()
}

/// Every secured operation, at a path naming no record (random ids): the
/// anonymous caller and the roles below the minimum are refused before the
/// handler looks anything up; the minimum role is not refused (it answers
/// 404, or 2xx for a create with the document's example).
#[actix_web::test]
async fn every_secured_operation_refuses_the_anonymous_and_the_roles_below_its_minimum() {
    let table: BTreeMap<&str, Role> = MINIMUM_ROLE.iter().copied().collect();
    let app = crate::helpers::TestApp::spawn_with_demo().await;
    let mut checks = Vec::new();
    for op in operations().iter().filter(|o| !o.is_public()) {
        let Some(&min) = table.get(op.id.as_str()) else {
            // The table test names it.
            continue;
        };
        checks.push(Check {
            op,
            role: None,
            min,
        });
        for role in ROLES.into_iter().filter(|r| *r <= min) {
            checks.push(Check {
                op,
                role: Some(role),
                min,
            });
        }
    }
    let sent = checks.len();
    let answers = in_batches(
        checks
            .iter()
            .map(|c| {
                let path = c.op.placeholder_path();
                c.op.request(&app, &path, c.role).send()
            })
            .collect(),
        BATCH,
    )
    .await;
    let failures: Vec<String> = checks
        .iter()
        .zip(&answers)
        .filter_map(|(c, res)| c.judge(res))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {sent} role checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
