//! An example on every request body of the OpenAPI document, each one a
//! request that succeeds against freshly loaded demo data
//! (`trustplan serve --demo`): references name demo records by their fixed
//! ids ([`demo_id`]), creates use codes the demo does not hold, patches
//! change ordinary fields of a demo record (send them with `If-Match: *` or
//! the record's `ETag`), and periods of actuals and progress updates have
//! started. Which record each example is meant for (the path's `{id}`) is
//! said beside it; `tests/api/examples.rs` sends every one.
//!
//! `import_values` has its examples on its own annotation. `issue_token`'s
//! credentials are placeholders: a service account's secret is shown once,
//! when the account is created.

use serde_json::{json, Value};

use crate::demo::demo_id;

/// Sets `requestBody.content.<media type>.example` on every operation this
/// module has an example for (by `operationId`), on its JSON media types.
pub fn attach(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for item in paths.values_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for op in item.values_mut() {
            let Some(example) = op["operationId"].as_str().and_then(example) else {
                continue;
            };
            let Some(content) = op
                .pointer_mut("/requestBody/content")
                .and_then(Value::as_object_mut)
            else {
                continue;
            };
            for (media_type, media) in content.iter_mut() {
                if media_type.ends_with("json") {
                    media["example"] = example.clone();
                }
            }
        }
    }
}

/// The example body of an operation.
fn example(operation_id: &str) -> Option<Value> {
    let org = |code| demo_id("organisation", code);
    let plan = |code| demo_id("plan", code);
    let priority = |code| demo_id("priority", code);
    let objective = |code| demo_id("objective", code);
    let improvement_area = |code| demo_id("improvement_area", code);
    Some(match operation_id {
        // Placeholders: the secret is shown once, when the account is created.
        "issue_token" => json!({
            "client_id": "sa_3q2-Vx8mTzLw0b9K",
            "client_secret": "the client_secret shown once when the account was created",
        }),
        "create_organisation" => json!({
            "code": "HALTON-CARERS",
            "name": "Halton Carers Centre",
            "kind": "voluntary_org",
            "parent_id": null,
        }),
        // For HBC-SS.
        "update_organisation" => json!({
            "name": "Specialist Services Department",
        }),
        "create_plan" => json!({
            "code": "SS-2012-15",
            "title": "Specialist Services Service Plan 2012-15",
            "kind": "service_plan",
            "owner_organisation_id": org("HBC-SS"),
            "starts_on": "2012-04-01",
            "ends_on": "2015-03-31",
            "status": "draft",
            "predecessor_id": plan("SS-2009-12"),
        }),
        // For SS-2009-12, a draft.
        "update_plan" => json!({
            "status": "approved",
        }),
        "create_priority" => json!({
            "set": "corporate_area_of_focus",
            "code": "AOF40",
            "number": 40,
            "title": "Better support for young carers",
            "description": "Added at the 2010 refresh of the Corporate Plan.",
            "parent_id": priority("CP3"),
            "plan_id": null,
        }),
        // For AOF14.
        "update_priority" => json!({
            "description": "The area of focus most influential for the Specialist Services plan.",
        }),
        "create_objective" => json!({
            "plan_id": plan("SS-2009-12"),
            "code": "SS5",
            "kind": "service_objective",
            "title": "Better support for young carers",
            "description": null,
            "priority_ids": [priority("CP3"), priority("AOF14")],
            "lead_organisation_id": org("HBC-SS"),
            "responsible_officer": "DM CIN",
            "cypp_priority_refs": ["SS4"],
            "cross_referenced_plan_codes": [],
            "risk_initial": 9,
            "risk_residual": 6,
        }),
        // For SS1 (scored 8, then 4).
        "update_objective" => json!({
            "responsible_officer": "Divisional Manager, Children in Care",
            "risk_residual": 3,
        }),
        // For objective SS2.
        "create_objective_risk" => json!({
            "code": "RISK-4",
            "title": "Rising numbers of children in care outstrip placement budgets",
            "treatment_measures": [
                "Monthly placement budget monitoring",
                "Commission local placements ahead of need",
            ],
            "risk_initial": 12,
            "risk_residual": 6,
        }),
        // For RISK-1.
        "update_risk" => json!({
            "treatment_measures": [
                "Targeted recruitment of local foster carers",
                "Implement CWDC standards for carers",
                "Review carer payment structure and rates",
                "Quarterly foster carer recruitment campaign",
            ],
        }),
        "create_milestone" => json!({
            "objective_id": objective("SS1"),
            "code": "SS1-1112-3",
            "title": "Report to the Children in Care Partnership Board on care leavers in EET",
            "financial_year": "FY2011-12",
            "sequence": 3,
            "due_on": "2012-03-31",
            "due_original": "March 2012",
            "lead_organisation_id": org("HBC-SS"),
            "notes": null,
        }),
        // For SS1-0910-2.
        "update_milestone" => json!({
            "due_on": "2010-01-31",
            "notes": "Moved to January 2010 to match the apprenticeship intake.",
        }),
        // For milestone SS1-0910-1 (due 2009-09-30).
        "create_milestone_update" => json!({
            "period": "FY2009-10-Q2",
            "status": "complete",
            "commentary": "Designated officer for care leaver employment in post.",
            "completed_on": "2009-09-21",
        }),
        // For objective SS1.
        "create_objective_update" => json!({
            "period": "FY2009-10-Q2",
            "status": "on_track",
            "commentary": "Care leavers' EET figures up; the apprenticeship scheme has its first six starters.",
        }),
        // For risk RISK-1, quarter FY2009-10-Q2.
        "put_risk_review" => json!({
            "current_score": 12,
            "mitigation_progress": "on_track",
            "commentary": "Eleven new local foster carers approved; the payment review reports in Q3.",
        }),
        "create_inspection" => json!({
            "code": "APA-2009",
            "kind": "annual_performance_assessment",
            "title": "Annual Performance Assessment 2009",
            "inspectorates": ["Ofsted"],
            "published_on": "2009-12-09",
            "reference": null,
        }),
        // For APA-2007.
        "update_inspection" => json!({
            "published_on": "2007-12-14",
        }),
        // For inspection APA-2007.
        "create_judgement" => json!({
            "code": "APA2007-5",
            "area": "Being Healthy",
            "kind": "graded_area",
            "grade": 3,
            "label": "good",
            "summary": "Grade as printed in the 2007 assessment letter.",
        }),
        "create_recommendation" => json!({
            "inspection_id": demo_id("inspection", "APA-2008"),
            "code": "APA2008-R1",
            "text": "Reduce the number of young people not in education, employment or training",
            "timeframe": "within_six_months",
            "addressee": "The council and its partners",
            "due_on": "2009-06-30",
        }),
        // For JAR-R3.
        "update_recommendation" => json!({
            "due_on": "2009-01-22",
        }),
        "create_improvement_area" => json!({
            "plan_id": plan("JAR-IP-2008-09"),
            "code": "IA13",
            "title": "More care leavers in higher education",
            "lead_organisation_ids": [org("HBC-SS")],
            "lead_roles": ["OD Specialist Services"],
            "due_on": "2009-03-31",
            "due_original": "March 2009",
            "overarching_strategy": "Children in Care Strategy",
            "linked_strategies": ["NEET Strategy and Action Plan"],
            "process_enablers": ["Better data collection and analysis"],
            "listed_in_cypp": false,
            "recommendation_ids": [demo_id("recommendation", "JAR-R2")],
            "objective_ids": [objective("SS1")],
        }),
        // For IA02.
        "update_improvement_area" => json!({
            "due_on": "2009-03-31",
            "due_original": "March 2009",
        }),
        "create_improvement_action" => json!({
            "area_id": improvement_area("IA01"),
            "code": "IA01-A7",
            "title": "Track every care leaver's EET status each month",
            "sequence": 7,
            "lead_organisation_id": org("HBC-SS"),
            "due_on": "2009-03-31",
        }),
        // For IA01-A2.
        "update_improvement_action" => json!({
            "lead_organisation_id": org("HBC"),
            "due_on": "2009-03-31",
        }),
        // For action IA01-A1.
        "create_improvement_action_update" => json!({
            "period": "FY2008-09-Q4",
            "status": "on_track",
            "commentary": "Personal EET action plans in place for 40 of 46 children in care in Year 10 and above.",
            "completed_on": null,
        }),
        "create_indicator" => json!({
            "ref": "NI61",
            "kind": "national",
            "title": "Children in care adopted within 12 months of the decision that they should be",
            "description": null,
            "category": "Children in care",
            "unit": "percent",
            "decimals": 1,
            "polarity": "higher_is_better",
            "aggregation": "point_in_time",
            "tolerance": {"kind": "percent", "value": 5},
            "frequency": "annual",
            "key": false,
            "laa": false,
            "lead_organisation_id": org("HBC-SS"),
            "data_source": "SSDA903 return",
            "notes": null,
            "priority_ids": [priority("AOF14")],
        }),
        // For NI59.
        "update_indicator" => json!({
            "key": true,
            "tolerance": {"kind": "absolute", "value": 2},
        }),
        // For NI60, period FY2012-13: creates the target (201); again, it replaces it (200).
        "put_indicator_target" => json!({
            "value": 93.5,
            "note": "Agreed at the Children's Trust Board, March 2012",
        }),
        // For NI60, series area, period FY2009-10-Q1 (ended 2009-06-30).
        "put_indicator_value" => json!({
            "value": 91.4,
            "numerator": 457,
            "denominator": 500,
            "status": "provisional",
            "note": "From the CareFirst quarterly extract",
        }),
        // For NI60, period FY2009-10-Q1.
        "put_indicator_commentary" => json!({
            "overview": "Core assessments within 35 working days rose to 91.4%, just above the target.",
            "what_made_the_difference": "A second duty team took on core assessments from May.",
            "what_happens_next": "Weekly tracking of assessments open longer than 25 days.",
        }),
        // For a standing update (PATCH .../updates/{update_id}).
        "update_milestone_update"
        | "update_improvement_action_update"
        | "update_objective_update" => json!({
            "commentary": "Corrected after the lead's review: the revised timetable was agreed.",
        }),
        // For a standing value.
        "update_value" => json!({
            "note": "Checked against the published return",
        }),
        // For NI60's FY2012-13 target, once set.
        "update_indicator_target" => json!({
            "value": 93.0,
        }),
        // For NI60's FY2009-10-Q1 commentary, once written.
        "update_indicator_commentary" => json!({
            "what_happens_next": "Weekly tracking of assessments open longer than 20 days.",
        }),
        "create_service_account" => json!({
            "name": "PCT performance feed",
            "role": "contributor",
            "organisation_id": org("PCT"),
        }),
        "create_reporting_cycle" => json!({
            "plan_id": plan("SS-2009-12"),
            "period": "FY2009-10-Q2",
            "due_on": "2009-10-15",
        }),
        // For plan SS-2009-12, period FY2009-10-Q2, section key_developments.
        "put_narrative" => json!({
            "text": "The leaving care team moved into the new Connexions building; the first six care leavers started apprenticeships.",
        }),
        // For a closed cycle.
        "reopen_reporting_cycle" => json!({
            "reason": "The PCT corrected its Q2 return after the board met",
        }),
        "create_webhook" => json!({
            "url": "https://partner.example/trustplan-events",
            "events": ["deliverable.status_changed", "indicator.value_submitted"],
            "description": "PCT performance system",
        }),
        // For any subscription.
        "update_webhook" => json!({
            "events": ["deliverable.status_changed", "deliverable.overdue"],
            "description": "PCT performance system: deliverables only",
        }),
        // Two writes that stand or fall together: milestone SS1-0910-2's
        // quarter, and a note on it (whatever its version then: `*`).
        "batch" => json!({
            "operations": [
                {
                    "method": "POST",
                    "path": format!("/api/v1/milestones/{}/updates", demo_id("milestone", "SS1-0910-2")),
                    "body": {
                        "period": "FY2009-10-Q2",
                        "status": "on_track",
                        "commentary": "Training plan agreed with the Connexions service.",
                    },
                },
                {
                    "method": "PATCH",
                    "path": format!("/api/v1/milestones/{}", demo_id("milestone", "SS1-0910-2")),
                    "if_match": "*",
                    "body": {"notes": "Reported with the quarter's training plan."},
                },
            ],
        }),
        _ => return None,
    })
}
