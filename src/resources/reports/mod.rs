//! `/api/v1/reports`: the documents the partnership manages by — the
//! quarterly monitoring report, the CYPP annual review and the improvement
//! plan's progress report — as JSON, CSV and printable HTML, and the
//! snapshots a sign-off freezes (`/reporting-cycles/{id}/sign-off`).

pub mod annual;
pub mod facts;
pub mod obligations;
pub mod quarterly;
pub mod render;
pub mod snapshots;

use actix_web::http::header;
use actix_web::{get, web, HttpRequest, HttpResponse};
use diesel_async::AsyncPgConnection;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use uuid::Uuid;

use crate::domain::period::{Period, PeriodType};
use crate::web::auth::{AuthUser, Role};
use crate::web::error::{ApiError, ApiResult, ErrorBody};
use crate::{vocab, AppState};

pub use annual::{AnnualReview, ImprovementReport};
pub use quarterly::QuarterlyReport;

vocab! {
    /// Which report.
    ReportKind {
        /// A plan's quarterly monitoring report.
        Quarterly = "quarterly",
        /// A plan's annual review (the CYPP's).
        Annual = "annual",
        /// The improvement plan's progress report.
        Improvement = "improvement",
    }
}

/// A report of any kind, as a snapshot holds it: its `report` says which.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(untagged)]
pub enum Report {
    Quarterly(Box<QuarterlyReport>),
    Annual(Box<AnnualReview>),
    Improvement(Box<ImprovementReport>),
}

impl Report {
    /// Computes the report of `kind` for a plan and period.
    pub async fn build(
        conn: &mut AsyncPgConnection,
        kind: ReportKind,
        plan_id: Uuid,
        period: &Period,
    ) -> ApiResult<Report> {
        let facts = facts::Facts::gather(conn, plan_id, period).await?;
        Ok(match kind {
            ReportKind::Quarterly => {
                Report::Quarterly(Box::new(quarterly::build(conn, &facts).await?))
            }
            ReportKind::Annual => {
                Report::Annual(Box::new(annual::build_annual(conn, &facts).await?))
            }
            ReportKind::Improvement => {
                Report::Improvement(Box::new(annual::build_improvement(conn, &facts).await?))
            }
        })
    }

    /// A stored report read back.
    pub fn parse(kind: ReportKind, body: &str) -> ApiResult<Report> {
        let bad = |e: serde_json::Error| ApiError::Internal(format!("a stored report: {e}"));
        Ok(match kind {
            ReportKind::Quarterly => {
                Report::Quarterly(Box::new(serde_json::from_str(body).map_err(bad)?))
            }
            ReportKind::Annual => {
                Report::Annual(Box::new(serde_json::from_str(body).map_err(bad)?))
            }
            ReportKind::Improvement => {
                Report::Improvement(Box::new(serde_json::from_str(body).map_err(bad)?))
            }
        })
    }
}

/// How a report is answered, from the `Accept` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    Html,
}

impl Format {
    pub fn of(req: &HttpRequest) -> Format {
        use crate::web::http::accepts;
        if accepts(req, "text/html") {
            Format::Html
        } else if accepts(req, "text/csv") {
            Format::Csv
        } else {
            Format::Json
        }
    }
}

/// Answers a report in the format asked: its JSON text as given, or the
/// CSV or HTML rendered from it.
pub fn respond(
    req: &HttpRequest,
    report: &Report,
    json: String,
    section: Option<&str>,
    footer: &str,
    filename: &str,
) -> ApiResult<HttpResponse> {
    Ok(match Format::of(req) {
        Format::Json => HttpResponse::Ok()
            .content_type("application/json")
            .body(json),
        Format::Html => HttpResponse::Ok()
            .content_type("text/html; charset=utf-8")
            .body(render::html(&report.doc(), footer)),
        Format::Csv => {
            let name = match section {
                Some(s) => format!("{filename}-{s}.csv"),
                None => format!("{filename}.csv"),
            };
            HttpResponse::Ok()
                .content_type("text/csv; charset=utf-8")
                .insert_header((
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ))
                .body(render::csv(&report.doc(), section)?)
        }
    })
}

/// The query of a report, as parsed (each report documents its own).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    pub plan_id: Uuid,
    pub period: Option<String>,
    pub year: Option<String>,
    pub section: Option<String>,
}

/// The query of the quarterly report.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct QuarterlyQuery {
    /// The plan reported on.
    plan_id: Uuid,
    /// The financial quarter, e.g. `FY2009-10-Q2`.
    #[param(pattern = r"^FY[0-9]{4}-[0-9]{2}-Q[1-4]$")]
    period: String,
    /// CSV only: the section to export (its id, as the HTML page's
    /// `data-section`); without it, the list of sections.
    section: Option<String>,
}

/// The query of the annual review.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct AnnualQuery {
    /// The plan reviewed.
    plan_id: Uuid,
    /// The financial year, e.g. `FY2009-10`.
    #[param(pattern = r"^FY[0-9]{4}-[0-9]{2}$")]
    year: String,
    /// CSV only: the section to export; without it, the list of sections.
    section: Option<String>,
}

/// The query of the improvement plan's progress report.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ImprovementQuery {
    /// The improvement plan.
    plan_id: Uuid,
    /// A financial quarter or year, e.g. `FY2008-09-Q4`.
    #[param(pattern = r"^FY[0-9]{4}-[0-9]{2}(-Q[1-4])?$")]
    period: String,
    /// CSV only: the section to export; without it, the list of sections.
    section: Option<String>,
}

fn parse_query(req: &HttpRequest) -> ApiResult<ReportQuery> {
    serde_urlencoded::from_str::<ReportQuery>(req.query_string()).map_err(|e| {
        ApiError::InvalidQuery(format!(
            "{e}; this accepts: plan_id, period (the annual review: year), section"
        ))
    })
}

fn period_of(
    pointer: &str,
    code: Option<&str>,
    want: &[PeriodType],
    what: &str,
) -> ApiResult<Period> {
    let code = code.ok_or_else(|| ApiError::InvalidQuery(format!("{pointer} is required")))?;
    crate::resources::indicators::parse_period_of(pointer, code, want, what)
}

impl ReportKind {
    /// The query parameter naming the report's period, the kinds of period
    /// it covers, and why another is refused.
    fn period_rule(self) -> (&'static str, &'static [PeriodType], &'static str) {
        match self {
            ReportKind::Quarterly => (
                "period",
                &[PeriodType::FinancialQuarter],
                "the quarterly report covers a financial quarter, e.g. FY2009-10-Q2",
            ),
            ReportKind::Annual => (
                "year",
                &[PeriodType::FinancialYear],
                "the annual review covers a financial year, e.g. FY2009-10",
            ),
            ReportKind::Improvement => (
                "period",
                &[PeriodType::FinancialQuarter, PeriodType::FinancialYear],
                "the progress report covers a financial quarter or year",
            ),
        }
    }
}

/// A report computed now, in the format asked.
async fn live(req: &HttpRequest, state: &AppState, kind: ReportKind) -> ApiResult<HttpResponse> {
    let q = parse_query(req)?;
    let (name, types, refusal) = kind.period_rule();
    let (given, other, other_name) = if name == "year" {
        (q.year, q.period, "period")
    } else {
        (q.period, q.year, "year")
    };
    if other.is_some() {
        return Err(ApiError::InvalidQuery(format!(
            "this report takes {name}, not {other_name}"
        )));
    }
    let period = period_of(&format!("?{name}"), given.as_deref(), types, refusal)?;
    let mut conn = state.conn().await?;
    let report = Report::build(&mut conn, kind, q.plan_id, &period).await?;
    let json = serde_json::to_string(&report)
        .map_err(|e| ApiError::Internal(format!("a report as JSON: {e}")))?;
    let footer = format!("Computed live as at {}; not signed off.", period.ends_on);
    let filename = format!("{}-{}", kind.as_str(), period.code);
    respond(req, &report, json, q.section.as_deref(), &footer, &filename)
}

/// The quarterly monitoring report of a plan
///
/// Every role may read. The report a Policy and Performance Board reads
/// each quarter, computed as at the quarter's last day: key developments
/// and emerging issues (the plan's narrative); objectives and promises
/// with their milestones, each with its status then and the quarter's
/// update; indicators with target, actual, status, direction of travel,
/// quartile, comparators and the story behind the curve; high risks with
/// their reviews; equality actions; and the exceptions (red, overdue,
/// missing actuals, updates not submitted). A bounded number of
/// statements whatever the plan's size. As JSON (the default), CSV
/// (`Accept: text/csv`; one section per file with `section=`, else the
/// list of sections) or a printable HTML page (`Accept: text/html`).
#[utoipa::path(
    tag = "reporting",
    params(QuarterlyQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The report",
         content((QuarterlyReport = "application/json"), (String = "text/csv"), (String = "text/html"))),
        (status = 400, description = "Unknown or missing query parameter, or an unknown section", body = ErrorBody),
        (status = 404, description = "No such plan", body = ErrorBody),
        (status = 422, description = "`period` is not a financial quarter", body = ErrorBody),
    )
)]
#[get("/quarterly")]
pub async fn quarterly_report(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    live(&req, &state, ReportKind::Quarterly).await
}

/// The annual review of a plan
///
/// Every role may read. The CYPP's annual review as the Trust Board
/// approves it, computed as at the year's last day: the year's
/// achievements (the narrative's `achievements` section), every promise
/// with its status and the year's quarterly updates, and the outcome
/// measures with the year's actual, the year before, the movement and the
/// comparators. Formats as the quarterly report's.
#[utoipa::path(
    tag = "reporting",
    params(AnnualQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The review",
         content((AnnualReview = "application/json"), (String = "text/csv"), (String = "text/html"))),
        (status = 400, description = "Unknown or missing query parameter, or an unknown section", body = ErrorBody),
        (status = 404, description = "No such plan", body = ErrorBody),
        (status = 422, description = "`year` is not a financial year", body = ErrorBody),
    )
)]
#[get("/annual")]
pub async fn annual_report(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    live(&req, &state, ReportKind::Annual).await
}

/// The improvement plan's progress report
///
/// Every role may read. For the Children's Trust Board, computed as at the
/// period's last day: each area for improvement with its actions' statuses
/// and the inspection recommendations it answers, and every overdue
/// action. `period` is a financial quarter or year. Formats as the
/// quarterly report's.
#[utoipa::path(
    tag = "reporting",
    params(ImprovementQuery),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The report",
         content((ImprovementReport = "application/json"), (String = "text/csv"), (String = "text/html"))),
        (status = 400, description = "Unknown or missing query parameter, or an unknown section", body = ErrorBody),
        (status = 404, description = "No such plan", body = ErrorBody),
        (status = 422, description = "`period` is not a financial quarter or year", body = ErrorBody),
    )
)]
#[get("/improvement")]
pub async fn improvement_report(
    req: HttpRequest,
    user: AuthUser,
    state: web::Data<AppState>,
) -> ApiResult<HttpResponse> {
    user.require(Role::Viewer)?;
    live(&req, &state, ReportKind::Improvement).await
}
