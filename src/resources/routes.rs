//! The one route table: every handler of the API, by path. A resource's
//! module holds its handlers; only this file says where they are served.
//! Registered with `.service(...)` so utoipa-actix-web documents each one.
//! Within a scope, literal paths come before `/{id}` (`/indicators/values`
//! must not be read as an indicator id).

use utoipa_actix_web::scope::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use super::{
    health, history, improvement, indicators, inspections, milestones, objectives, organisations,
    plans, priorities, service_accounts,
};

/// Liveness, readiness and metrics, outside `/api/v1`.
pub fn operations(cfg: &mut ServiceConfig) {
    cfg.service(health::health_live)
        .service(health::health_ready)
        .service(health::metrics);
}

/// Everything under `/api/v1`.
pub fn api(cfg: &mut ServiceConfig) {
    cfg.service(
        scope("/api/v1")
            .service(crate::openapi_json)
            .service(service_accounts::issue_token)
            .service(history::list_audit)
            .service(
                scope("/organisations")
                    .service(organisations::list_organisations)
                    .service(organisations::create_organisation)
                    .service(organisations::get_organisation)
                    .service(organisations::update_organisation)
                    .service(organisations::archive::delete_organisation)
                    .service(organisations::archive::restore_organisation)
                    .service(organisations::archive::organisation_history),
            )
            .service(
                scope("/plans")
                    .service(plans::list_plans)
                    .service(plans::create_plan)
                    .service(plans::get_plan)
                    .service(plans::update_plan)
                    .service(plans::archive::delete_plan)
                    .service(plans::archive::restore_plan)
                    .service(plans::archive::plan_history),
            )
            .service(
                scope("/priorities")
                    .service(priorities::list_priorities)
                    .service(priorities::create_priority)
                    .service(priorities::get_priority)
                    .service(priorities::update_priority)
                    .service(priorities::archive::delete_priority)
                    .service(priorities::archive::restore_priority)
                    .service(priorities::archive::priority_history),
            )
            .service(
                scope("/objectives")
                    .service(objectives::list_objectives)
                    .service(objectives::create_objective)
                    .service(objectives::get_objective)
                    .service(objectives::update_objective)
                    .service(objectives::archive::delete_objective)
                    .service(objectives::archive::restore_objective)
                    .service(objectives::archive::objective_history)
                    .service(objectives::list_objective_risks)
                    .service(objectives::create_objective_risk)
                    .service(indicators::links::list_objective_indicators)
                    .service(indicators::links::link_objective_indicator)
                    .service(indicators::links::unlink_objective_indicator)
                    .service(milestones::list_objective_milestones),
            )
            .service(
                scope("/risks")
                    .service(objectives::list_risks)
                    .service(objectives::get_risk)
                    .service(objectives::update_risk)
                    .service(objectives::risks::archive::delete_risk)
                    .service(objectives::risks::archive::restore_risk)
                    .service(objectives::risks::archive::risk_history),
            )
            .service(
                scope("/milestones")
                    .service(milestones::list_milestones)
                    .service(milestones::create_milestone)
                    .service(milestones::get_milestone)
                    .service(milestones::update_milestone)
                    .service(milestones::archive::delete_milestone)
                    .service(milestones::archive::restore_milestone)
                    .service(milestones::archive::milestone_history)
                    .service(milestones::list_milestone_updates)
                    .service(milestones::create_milestone_update)
                    .service(milestones::get_milestone_update),
            )
            .service(
                scope("/inspections")
                    .service(inspections::list_inspections)
                    .service(inspections::create_inspection)
                    .service(inspections::get_inspection)
                    .service(inspections::update_inspection)
                    .service(inspections::archive::delete_inspection)
                    .service(inspections::archive::restore_inspection)
                    .service(inspections::archive::inspection_history)
                    .service(inspections::list_judgements)
                    .service(inspections::create_judgement),
            )
            .service(
                scope("/judgements")
                    .service(inspections::get_judgement)
                    .service(inspections::judgements::archive::delete_judgement)
                    .service(inspections::judgements::archive::restore_judgement)
                    .service(inspections::judgements::archive::judgement_history),
            )
            .service(
                scope("/recommendations")
                    .service(inspections::list_recommendations)
                    .service(inspections::create_recommendation)
                    .service(inspections::get_recommendation)
                    .service(inspections::update_recommendation)
                    .service(inspections::recommendations::archive::delete_recommendation)
                    .service(inspections::recommendations::archive::restore_recommendation)
                    .service(inspections::recommendations::archive::recommendation_history)
                    .service(improvement::trace_recommendation),
            )
            .service(
                scope("/improvement-areas")
                    .service(improvement::list_improvement_areas)
                    .service(improvement::create_improvement_area)
                    .service(improvement::get_improvement_area)
                    .service(improvement::update_improvement_area)
                    .service(improvement::archive::delete_improvement_area)
                    .service(improvement::archive::restore_improvement_area)
                    .service(improvement::archive::improvement_area_history),
            )
            .service(
                scope("/improvement-actions")
                    .service(improvement::list_improvement_actions)
                    .service(improvement::create_improvement_action)
                    .service(improvement::get_improvement_action)
                    .service(improvement::update_improvement_action)
                    .service(improvement::actions::archive::delete_improvement_action)
                    .service(improvement::actions::archive::restore_improvement_action)
                    .service(improvement::actions::archive::improvement_action_history)
                    .service(improvement::list_improvement_action_updates)
                    .service(improvement::create_improvement_action_update)
                    .service(improvement::get_improvement_action_update),
            )
            .service(
                scope("/indicators")
                    .service(indicators::data::list_values)
                    .service(indicators::data::import_values)
                    .service(indicators::data::value_history)
                    .service(indicators::list_indicators)
                    .service(indicators::create_indicator)
                    .service(indicators::get_indicator)
                    .service(indicators::update_indicator)
                    .service(indicators::archive::delete_indicator)
                    .service(indicators::archive::restore_indicator)
                    .service(indicators::archive::indicator_history)
                    .service(indicators::data::list_indicator_targets)
                    .service(indicators::data::put_indicator_target)
                    .service(indicators::data::delete_indicator_target)
                    .service(indicators::data::list_indicator_values)
                    .service(indicators::data::put_indicator_value)
                    .service(indicators::data::list_indicator_commentary)
                    .service(indicators::data::put_indicator_commentary)
                    .service(indicators::performance::get_indicator_performance)
                    .service(indicators::performance::get_indicator_series),
            )
            .service(scope("/performance").service(indicators::performance::get_performance))
            .service(
                scope("/service-accounts")
                    .service(service_accounts::list_service_accounts)
                    .service(service_accounts::create_service_account)
                    .service(service_accounts::get_service_account)
                    .service(service_accounts::archive::delete_service_account)
                    .service(service_accounts::archive::restore_service_account)
                    .service(service_accounts::archive::service_account_history),
            ),
    );
}
