//! What is recorded against an indicator: targets per period, values
//! (observations of our own area and of comparators) and commentary, plus
//! the collection-wide value list with its CSV export and import.

pub mod commentary;
pub mod import;
pub mod targets;
pub mod values;

pub use commentary::*;
pub use import::*;
pub use targets::*;
pub use values::*;

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::{delete, get, patch, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::domain::period::Period;
use crate::resources::history::{history_page, AuditPage};
use crate::resources::indicators::{
    authorize_report, find_live_row, find_row, lead_codes, leads_of, parse_period, Unit,
};
use crate::resources::write::{self, Record};
use crate::store::audit;
use crate::store::indicators::{
    self as db, CommentaryRow, CommentaryWrite, IndicatorRow, TargetRow, ValueRow, ValueWrite,
};
use crate::store::listing::{
    Filter, FilterKind, ListParams, ListSpec, ManualType, SortField, SortType,
};
use crate::store::records;
use crate::store::sql::DynSql;
use crate::web::auth::{AuthUser, Role};
use crate::web::error::{ApiError, ApiResult, ErrorBody, FieldError};
use crate::web::http::{ApiJson, Ctx, OptionalIfMatch, Patch, Versioned};
use crate::web::policy::ReportScope;
use crate::web::validate::Errors;
use crate::{page_schema, vocab, AppState};

vocab! {
    /// Whose figure a value is.
    Series {
        /// Our own area's figure: what targets and statuses are about.
        Area = "area",
        /// England as a whole.
        National = "national",
        /// The average of the area's statistical neighbours (the DCSF's
        /// nearest-neighbour group).
        StatisticalNeighbours = "statistical_neighbours",
        /// Similar authorities or areas as a source names them, where that
        /// is not the statistical neighbours group.
        SimilarAuthorities = "similar_authorities",
        /// The region (North West).
        Region = "region",
        /// A national target (a government or DCSF target for England), not
        /// the area's own target.
        NationalTarget = "national_target",
        /// The boundary of the best-performing quarter of English authorities.
        EnglandTopQuartile = "england_top_quartile",
        /// The median of English authorities.
        EnglandMedian = "england_median",
        /// The boundary of the worst-performing quarter of English authorities.
        EnglandBottomQuartile = "england_bottom_quartile",
    }
}

vocab! {
    /// How far a value can be trusted.
    ValueStatus {
        /// As reported; may still change.
        Provisional = "provisional",
        /// Checked by an editor or admin.
        Validated = "validated",
        /// A prediction, not an actual: shown beside the actuals, never
        /// judged as one. May be recorded for periods that have not started.
        Forecast = "forecast",
    }
}

use crate::resources::stored_period;

fn opt_note(errors: &mut Errors, pointer: &str, note: &Option<String>) -> Option<String> {
    let note = note
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
        errors.add(pointer, "may be at most 2000 characters");
    }
    note
}

/// The largest size of a figure (value, target, numerator, denominator):
/// what the exact decimal rules, and every client's number type, carry
/// without loss.
pub const MAX_FIGURE: f64 = 1e15;

/// A figure is a finite number of at most [`MAX_FIGURE`] either way.
fn check_figure(errors: &mut Errors, pointer: &str, value: f64) -> bool {
    if !value.is_finite() || value.abs() > MAX_FIGURE {
        errors.add(pointer, "must be a number between -10^15 and 10^15");
        return false;
    }
    true
}

fn check_number(errors: &mut Errors, pointer: &str, unit: &str, value: f64) {
    if !check_figure(errors, pointer, value) {
    } else if unit == Unit::Percent.as_str() && !(0.0..=100.0).contains(&value) {
        // The indicator's unit decides, which the value's schema cannot know.
        errors.rule(
            pointer,
            format!("{value} is not a percentage: values of this indicator (unit percent) lie between 0 and 100"),
        );
    }
}
