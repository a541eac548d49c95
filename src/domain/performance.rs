//! Indicator performance: which target applies, the status (`rag`), the
//! direction of travel and the England quartile band, each with a sentence
//! a person can check.
//!
//! Pure functions: the caller loads the values and passes them in
//! [`PerformanceInput`]; [`assess`] applies the rules of the API contract
//! ("Indicator performance: the rules") and returns an [`Assessment`].
//!
//! The arithmetic is exact, in decimals: a figure is the decimal it was
//! written as, and targets, pro-rata targets, variances and tolerances are
//! compared at full precision. The indicator's `decimals` only decide how
//! numbers are printed (and when two years are equal for the direction of
//! travel, which the contract defines at the stored precision).

use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::period::Period;

/// Most decimals values are rounded to; a larger `decimals` is treated as this.
pub const MAX_DECIMALS: u8 = 6;

/// Which way is better for an indicator.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Polarity {
    /// A higher actual is better (e.g. attendance).
    HigherIsBetter,
    /// A lower actual is better (e.g. exclusions).
    LowerIsBetter,
    /// The aim is to hold the actual at the target; missing it either way is
    /// worse.
    Maintain,
    /// Tracked without a judgement: no status against a target, no quartile
    /// band, and the direction of travel is `up`, `down` or `no_change`.
    None,
}

/// How an indicator's values add up over a financial year.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Aggregation {
    /// Each value is a position at the end of its period (a rate, a share);
    /// a quarter is compared with its target as it stands.
    PointInTime,
    /// Values are counts that add up over the year: a quarter is judged on
    /// the year-to-date sum against a pro-rata share of the year's target.
    Cumulative,
}

/// How a tolerance is expressed.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum ToleranceKind {
    /// `value` percent of the size of the target (5 means 5 % of |target|).
    Percent,
    /// `value` in the indicator's own unit.
    Absolute,
}

/// How far an actual may miss its target and still be `amber` (for
/// `maintain` indicators: still be `green`). Defaults to 5 % of the target.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"kind": "percent", "value": 5.0}))]
pub struct Tolerance {
    /// Whether `value` is a percentage of the target or an absolute amount.
    pub kind: ToleranceKind,
    /// The tolerance: a percentage of the target for `percent`, an amount in
    /// the indicator's unit for `absolute`. At least 0.
    pub value: f64,
}

impl Default for Tolerance {
    fn default() -> Self {
        Tolerance::percent(5.0)
    }
}

impl Tolerance {
    /// A tolerance of `value` percent of the target.
    pub fn percent(value: f64) -> Self {
        Tolerance {
            kind: ToleranceKind::Percent,
            value,
        }
    }

    /// A tolerance of `value` in the indicator's unit.
    pub fn absolute(value: f64) -> Self {
        Tolerance {
            kind: ToleranceKind::Absolute,
            value,
        }
    }

    /// The tolerance as an amount in the indicator's unit for `target`, in
    /// exact decimals (5 % of 1.25 is 0.0625): never negative, and zero when
    /// `value` is not a finite number.
    pub fn amount_of(&self, target: Decimal) -> Decimal {
        let value = decimal(self.value).map_or(Decimal::ZERO, |v| v.abs());
        match self.kind {
            ToleranceKind::Percent => value / Decimal::ONE_HUNDRED * target.abs(),
            ToleranceKind::Absolute => value,
        }
    }
}

/// The status of an actual against its target.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Rag {
    /// The actual meets or beats the target (for `maintain`: within the
    /// tolerance either side).
    Green,
    /// The actual misses the target by no more than the tolerance (for
    /// `maintain`: by no more than twice the tolerance).
    Amber,
    /// The actual misses the target by more than that.
    Red,
    /// No target applies to the period, so there is no status.
    NoTarget,
    /// The period has ended and no actual is in.
    Missing,
    /// The period is still open and no actual is in yet; not (yet) a data
    /// gap.
    Pending,
    /// The indicator is not collected for this kind of period (an annual
    /// figure asked for in a quarter); `next_due` names the period it is
    /// next due for.
    NotDue,
    /// The indicator is tracked without a judgement (polarity `none`).
    NotJudged,
}

/// The direction of travel against the same period one year earlier.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Better than a year earlier, in the indicator's polarity (for
    /// `maintain`: closer to the target).
    Improving,
    /// Equal to a year earlier at the indicator's precision (for `maintain`:
    /// as close to the target).
    NoChange,
    /// Worse than a year earlier, in the indicator's polarity (for
    /// `maintain`: further from the target).
    Worsening,
    /// No comparison: an actual is missing for either year, or a `maintain`
    /// indicator has no target.
    NotComparable,
    /// Higher than a year earlier, for an indicator tracked without a
    /// judgement (polarity `none`).
    Up,
    /// Lower than a year earlier, for an indicator tracked without a
    /// judgement (polarity `none`).
    Down,
}

/// Where the actual falls among the England quartile boundaries.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum QuartileBand {
    /// At or better than the top-quartile boundary.
    Top,
    /// Worse than the top-quartile boundary, at or better than the median.
    UpperMiddle,
    /// Worse than the median, at or better than the bottom-quartile boundary.
    LowerMiddle,
    /// Worse than the bottom-quartile boundary.
    Bottom,
    /// No band: a boundary or the actual is missing, or the indicator's
    /// polarity is `maintain` or `none`.
    NotComparable,
}

/// Where the target used came from.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum TargetBasis {
    /// The period's own target. For a cumulative indicator's quarter it is
    /// read as a year-to-date target.
    PeriodTarget,
    /// A quarter with no target of its own uses its financial year's target
    /// (point-in-time indicators).
    FinancialYearTarget,
    /// A cumulative indicator's quarter with no target of its own: the
    /// financial year's target x quarters elapsed / 4.
    ProRataFinancialYearTarget,
    /// No target applies.
    None,
}

/// What is recorded for a period, as the caller has it.
#[derive(Clone, Debug, PartialEq)]
pub enum Recorded {
    /// One figure, compared as it stands: the period's own value, or `None`
    /// when nothing is recorded. For a cumulative indicator's quarter this
    /// must already be the year-to-date figure.
    Value(Option<f64>),
    /// Each quarter's own value, from Q1 of the period's financial year up to
    /// and including the period's quarter (Q1 to Q4 for a financial year),
    /// in order, `None` where a quarter has no value. For a cumulative
    /// indicator the actual is their sum, and is missing if any quarter is
    /// missing or the list is not exactly one value per quarter to date. For
    /// a point-in-time indicator the actual is the last quarter's value.
    QuarterValues(Vec<Option<f64>>),
}

impl Default for Recorded {
    fn default() -> Self {
        Recorded::Value(None)
    }
}

/// Everything [`assess`] needs for one indicator, one period and one series.
///
/// Values that are not finite numbers (NaN, infinity) are treated as absent.
#[derive(Clone, Debug, PartialEq)]
pub struct PerformanceInput {
    /// Which way is better.
    pub polarity: Polarity,
    /// Whether values add up over the year.
    pub aggregation: Aggregation,
    /// How far a miss may go and still be amber.
    pub tolerance: Tolerance,
    /// The precision values are printed at, and at which two years are equal
    /// for the direction of travel (capped at [`MAX_DECIMALS`]).
    pub decimals: u8,
    /// The period assessed.
    pub period: Period,
    /// Today's date in Europe/London: a period whose last day is before it
    /// has ended.
    pub today: NaiveDate,
    /// The period's own target, if one is set.
    pub target: Option<f64>,
    /// The target of the period's financial year; used only when the period
    /// is a quarter with no target of its own.
    pub fy_target: Option<f64>,
    /// What is recorded for the period.
    pub actual: Recorded,
    /// What is recorded for the same period one year earlier
    /// ([`Period::previous_year`]), in the same form as `actual`.
    pub previous_actual: Recorded,
    /// The England top-quartile boundary for the period.
    pub top: Option<f64>,
    /// The England median for the period.
    pub median: Option<f64>,
    /// The England bottom-quartile boundary for the period.
    pub bottom: Option<f64>,
}

/// The computed performance of one indicator for one period.
///
/// Numbers are exact (not rounded to the indicator's decimals); the
/// sentences print them at the indicator's decimals, or with more places
/// where a number needs them to be shown exactly.
#[derive(Serialize, ToSchema, Clone, Debug, PartialEq)]
pub struct Assessment {
    /// The target the actual was compared with (for a cumulative quarter,
    /// the year-to-date target); null when none applies.
    #[schema(required = true)]
    pub target_used: Option<f64>,
    /// Where `target_used` came from.
    pub target_basis: TargetBasis,
    /// The actual compared (for a cumulative quarter, the year-to-date sum);
    /// null when not in.
    #[schema(required = true)]
    pub actual: Option<f64>,
    /// The actual of the same period one year earlier, treated the same way;
    /// null when not in.
    #[schema(required = true)]
    pub previous_actual: Option<f64>,
    /// `actual` - `target_used`; null when either is null.
    #[schema(required = true)]
    pub variance: Option<f64>,
    /// The status against the target.
    pub rag: Rag,
    /// The direction of travel against the same period a year earlier.
    pub direction: Direction,
    /// The band among the England quartile boundaries.
    pub quartile: QuartileBand,
    /// One sentence explaining `rag`, e.g. "89.3 is 0.7 below the target
    /// 90.0; within the tolerance 4.5, so amber".
    pub explanation: String,
    /// One sentence explaining `direction`.
    pub direction_explanation: String,
    /// One sentence explaining `quartile`.
    pub quartile_explanation: String,
}

/// Applies the indicator performance rules to one indicator, period and
/// series.
///
/// The arithmetic is exact: each figure is taken as the decimal it was
/// written as (the shortest decimal that reads back as the stored number),
/// and targets, pro-rata targets, variances and tolerances are computed and
/// compared as decimals at full precision. Numbers are rounded only to be
/// printed in the sentences, to the indicator's decimals, with more places
/// where a number needs them to be shown exactly (a pro-rata target of 1.25
/// for a count is printed as 1.25, since the comparison uses 1.25).
pub fn assess(input: &PerformanceInput) -> Assessment {
    let decimals = input.decimals.min(MAX_DECIMALS);
    let cumulative_quarter =
        input.aggregation == Aggregation::Cumulative && input.period.quarter().is_some();
    let target = resolve_target(input);
    let actual = resolve_actual(&input.actual, input);
    let previous = resolve_actual(&input.previous_actual, input);
    let ctx = Context {
        input,
        decimals,
        cumulative_quarter,
    };
    let (rag, explanation) = status(&ctx, &target, &actual);
    let (direction, direction_explanation) = direction(&ctx, &target, &actual, &previous);
    let (quartile, quartile_explanation) = quartile(&ctx, &actual);
    let target_used = target.as_ref().map(|t| t.value);
    let actual_value = actual.value();
    Assessment {
        target_used: target_used.map(to_f64),
        target_basis: target.as_ref().map_or(TargetBasis::None, |t| t.basis),
        actual: actual_value.map(to_f64),
        previous_actual: previous.value().map(to_f64),
        variance: match (actual_value, target_used) {
            (Some(a), Some(t)) => Some(to_f64(a - t)),
            _ => None,
        },
        rag,
        direction,
        quartile,
        explanation,
        direction_explanation,
        quartile_explanation,
    }
}

/// A stored number as the decimal it was written as: the shortest decimal
/// that reads back as the same `f64` (89.3, not 89.2999999999999971578...).
/// `None` for NaN, infinities and numbers beyond a decimal's range.
pub fn decimal(value: f64) -> Option<Decimal> {
    if !value.is_finite() {
        return None;
    }
    // A number finer than a decimal's 28 places is rounded to them.
    Decimal::from_str(&value.to_string())
        .or_else(|_| Decimal::from_str(&format!("{value:.28}")))
        .ok()
}

/// A decimal as the nearest `f64`, for the JSON fields.
pub fn to_f64(value: Decimal) -> f64 {
    value.to_f64().unwrap_or(f64::NAN) + 0.0
}

/// Rounds half away from zero at `decimals` places, as a person would.
pub fn round_dec(value: Decimal, decimals: u8) -> Decimal {
    value.round_dp_with_strategy(u32::from(decimals), RoundingStrategy::MidpointAwayFromZero)
}

/// How a number is printed in a sentence: at `decimals` places, or at as
/// many more (up to [`MAX_DECIMALS`]) as it needs to be shown exactly.
pub fn show(value: Decimal, decimals: u8) -> String {
    let exact = value.normalize().scale().min(u32::from(MAX_DECIMALS));
    let places = u32::from(decimals.min(MAX_DECIMALS)).max(exact);
    let shown = round_dec(value, places as u8);
    // No "-0.0".
    let shown = if shown.is_zero() {
        Decimal::ZERO
    } else {
        shown
    };
    format!("{:.*}", places as usize, shown)
}

struct Context<'a> {
    input: &'a PerformanceInput,
    decimals: u8,
    cumulative_quarter: bool,
}

impl Context<'_> {
    fn num(&self, value: Decimal) -> String {
        show(value, self.decimals)
    }

    // "Year-to-date 120" or "89.3".
    fn actual_phrase(&self, value: Decimal) -> String {
        if self.cumulative_quarter {
            format!("Year-to-date {}", self.num(value))
        } else {
            self.num(value)
        }
    }

    fn previous_phrase(&self, value: Decimal) -> String {
        if self.cumulative_quarter {
            format!("year-to-date {}", self.num(value))
        } else {
            self.num(value)
        }
    }

    fn label(&self) -> &str {
        &self.input.period.label
    }

    fn fy_label(&self) -> String {
        self.input
            .period
            .fy_of()
            .map_or_else(|| "financial year".to_owned(), |fy| fy.label)
    }

    fn previous_label(&self) -> String {
        self.input
            .period
            .previous_year()
            .map_or_else(|| "the year before".to_owned(), |p| p.label)
    }
}

struct Target {
    value: Decimal,
    basis: TargetBasis,
    // For a pro-rata target: the year's target and the quarters elapsed.
    pro_rata_of: Option<(Decimal, u8)>,
}

fn resolve_target(input: &PerformanceInput) -> Option<Target> {
    if let Some(own) = input.target.and_then(decimal) {
        return Some(Target {
            value: own,
            basis: TargetBasis::PeriodTarget,
            pro_rata_of: None,
        });
    }
    let quarter = input.period.quarter()?;
    let year = input.fy_target.and_then(decimal)?;
    Some(match input.aggregation {
        Aggregation::PointInTime => Target {
            value: year,
            basis: TargetBasis::FinancialYearTarget,
            pro_rata_of: None,
        },
        Aggregation::Cumulative => Target {
            value: year * Decimal::from(quarter) / Decimal::from(4),
            basis: TargetBasis::ProRataFinancialYearTarget,
            pro_rata_of: Some((year, quarter)),
        },
    })
}

enum Actual {
    Known(Decimal),
    Absent,
    // A cumulative year-to-date sum that cannot be made: the quarters with no
    // value, or (given, expected) when the list has the wrong length.
    Incomplete {
        missing_quarters: Vec<usize>,
        count: Option<(usize, u8)>,
    },
}

impl Actual {
    fn value(&self) -> Option<Decimal> {
        match self {
            Actual::Known(value) => Some(*value),
            _ => None,
        }
    }
}

fn resolve_actual(recorded: &Recorded, input: &PerformanceInput) -> Actual {
    let known = |value: Option<f64>| {
        value
            .and_then(decimal)
            .map_or(Actual::Absent, Actual::Known)
    };
    let values = match recorded {
        Recorded::Value(value) => return known(*value),
        Recorded::QuarterValues(values) => values,
    };
    let Some(expected) = input.period.quarters_elapsed() else {
        return Actual::Absent;
    };
    match input.aggregation {
        Aggregation::PointInTime => known(values.get(usize::from(expected) - 1).copied().flatten()),
        Aggregation::Cumulative => {
            if values.len() != usize::from(expected) {
                return Actual::Incomplete {
                    missing_quarters: Vec::new(),
                    count: Some((values.len(), expected)),
                };
            }
            let decimals: Vec<Option<Decimal>> =
                values.iter().map(|v| v.and_then(decimal)).collect();
            let missing_quarters: Vec<usize> = decimals
                .iter()
                .enumerate()
                .filter(|(_, v)| v.is_none())
                .map(|(i, _)| i + 1)
                .collect();
            if missing_quarters.is_empty() {
                Actual::Known(decimals.iter().flatten().copied().sum())
            } else {
                Actual::Incomplete {
                    missing_quarters,
                    count: None,
                }
            }
        }
    }
}

fn status(ctx: &Context<'_>, target: &Option<Target>, actual: &Actual) -> (Rag, String) {
    let ended = ctx.input.period.has_ended(ctx.input.today);
    let (rag, state) = if ended {
        (Rag::Missing, "has ended")
    } else {
        (Rag::Pending, "is still open")
    };
    let verdict = if ended { "missing" } else { "pending" };
    match actual {
        Actual::Absent => {
            let yet = if ended { "" } else { " yet" };
            return (
                rag,
                format!(
                    "{} {state} and no actual is in{yet}, so {verdict}",
                    ctx.label()
                ),
            );
        }
        Actual::Incomplete {
            missing_quarters,
            count,
        } => {
            let why = match count {
                Some((given, expected)) => {
                    let values = if *given == 1 { "value" } else { "values" };
                    format!("{given} quarterly {values} given for {expected} quarters")
                }
                None => {
                    let list: Vec<String> =
                        missing_quarters.iter().map(|q| format!("Q{q}")).collect();
                    format!("no value for {}", list.join(", "))
                }
            };
            return (
                rag,
                format!(
                    "{} {state} and the year-to-date actual is incomplete ({why}), so {verdict}",
                    ctx.label()
                ),
            );
        }
        Actual::Known(_) => {}
    }
    if ctx.input.polarity == Polarity::None {
        return (
            Rag::NotJudged,
            format!(
                "{} is tracked without a judgement (polarity none), so no status",
                ctx.label()
            ),
        );
    }
    let (Actual::Known(a), Some(target)) = (actual, target) else {
        return (
            Rag::NoTarget,
            format!("No target applies to {}, so no status", ctx.label()),
        );
    };
    let (a, t) = (*a, target.value);
    let target_phrase = match (target.basis, target.pro_rata_of) {
        (TargetBasis::ProRataFinancialYearTarget, Some((year, quarters))) => format!(
            "the pro-rata target {} ({quarters}/4 of the {} target {})",
            ctx.num(t),
            ctx.fy_label(),
            ctx.num(year)
        ),
        (TargetBasis::FinancialYearTarget, _) => {
            format!("the {} target {}", ctx.fy_label(), ctx.num(t))
        }
        _ => format!("the target {}", ctx.num(t)),
    };
    let diff = a - t;
    let comparison = if diff.is_zero() {
        format!("{} meets {target_phrase}", ctx.actual_phrase(a))
    } else {
        let side = if diff > Decimal::ZERO {
            "above"
        } else {
            "below"
        };
        format!(
            "{} is {} {side} {target_phrase}",
            ctx.actual_phrase(a),
            ctx.num(diff.abs())
        )
    };
    let miss = diff.abs();
    let tolerance = ctx.input.tolerance.amount_of(t);
    let tolerance_text = show(tolerance, ctx.decimals.max(1));
    let better = match ctx.input.polarity {
        Polarity::HigherIsBetter => diff >= Decimal::ZERO,
        Polarity::LowerIsBetter => diff <= Decimal::ZERO,
        Polarity::Maintain | Polarity::None => diff.is_zero(),
    };
    if better {
        return (Rag::Green, format!("{comparison}, so green"));
    }
    if ctx.input.polarity == Polarity::Maintain {
        let twice = tolerance * Decimal::TWO;
        let twice_text = show(twice, ctx.decimals.max(1));
        return if miss <= tolerance {
            (
                Rag::Green,
                format!(
                    "{comparison}; within the tolerance {tolerance_text} either side, so green"
                ),
            )
        } else if miss <= twice {
            (
                Rag::Amber,
                format!(
                    "{comparison}; beyond the tolerance {tolerance_text} but within twice it \
                     ({twice_text}), so amber"
                ),
            )
        } else {
            (
                Rag::Red,
                format!(
                    "{comparison}; beyond twice the tolerance {tolerance_text} ({twice_text}), \
                     so red"
                ),
            )
        };
    }
    if miss <= tolerance {
        (
            Rag::Amber,
            format!("{comparison}; within the tolerance {tolerance_text}, so amber"),
        )
    } else {
        (
            Rag::Red,
            format!("{comparison}; beyond the tolerance {tolerance_text}, so red"),
        )
    }
}

fn direction(
    ctx: &Context<'_>,
    target: &Option<Target>,
    actual: &Actual,
    previous: &Actual,
) -> (Direction, String) {
    let previous_label = ctx.previous_label();
    let (Actual::Known(a), Actual::Known(p)) = (actual, previous) else {
        let which = match (actual.value(), previous.value()) {
            (None, None) => format!("{} or {previous_label}", ctx.label()),
            (None, Some(_)) => ctx.label().to_owned(),
            _ => previous_label,
        };
        return (
            Direction::NotComparable,
            format!("No actual for {which}, so no direction of travel"),
        );
    };
    let (a, p) = (*a, *p);
    let then = format!("{} in {previous_label}", ctx.previous_phrase(p));
    // Equal at the stored precision, as the contract defines no change.
    if round_dec(a, ctx.decimals) == round_dec(p, ctx.decimals) {
        return (
            Direction::NoChange,
            format!(
                "{} is unchanged from {then} to {}, so no change",
                ctx.actual_phrase(a),
                match ctx.decimals {
                    0 => "whole numbers".to_owned(),
                    1 => "1 decimal place".to_owned(),
                    n => format!("{n} decimal places"),
                }
            ),
        );
    }
    let movement = if a > p { "up" } else { "down" };
    let (better, rule) = match ctx.input.polarity {
        Polarity::HigherIsBetter => (a > p, "higher is better"),
        Polarity::LowerIsBetter => (a < p, "lower is better"),
        Polarity::None => {
            return (
                if a > p {
                    Direction::Up
                } else {
                    Direction::Down
                },
                format!(
                    "{} is {movement} from {then}; tracked without a judgement, so {movement}",
                    ctx.actual_phrase(a)
                ),
            );
        }
        Polarity::Maintain => {
            let Some(target) = target else {
                return (
                    Direction::NotComparable,
                    format!(
                        "No target applies to {}, so closer or further cannot be judged for an \
                         indicator that aims to maintain a level",
                        ctx.label()
                    ),
                );
            };
            let t = target.value;
            let now = (a - t).abs();
            let before = (p - t).abs();
            let (direction, word) = if now < before {
                (Direction::Improving, "closer, so improving")
            } else if now > before {
                (Direction::Worsening, "further, so worsening")
            } else {
                (Direction::NoChange, "as close, so no change")
            };
            return (
                direction,
                format!(
                    "{} is {} from the target {}, against {} for {then}; {word}",
                    ctx.actual_phrase(a),
                    ctx.num(now),
                    ctx.num(t),
                    ctx.num(before)
                ),
            );
        }
    };
    let (direction, word) = if better {
        (Direction::Improving, "improving")
    } else {
        (Direction::Worsening, "worsening")
    };
    (
        direction,
        format!(
            "{} is {movement} from {then}; {rule}, so {word}",
            ctx.actual_phrase(a)
        ),
    )
}

fn quartile(ctx: &Context<'_>, actual: &Actual) -> (QuartileBand, String) {
    let label = ctx.label();
    let kind = match ctx.input.polarity {
        Polarity::Maintain => Some("aims to maintain a level"),
        Polarity::None => Some("is tracked without a judgement"),
        _ => None,
    };
    if let Some(kind) = kind {
        return (
            QuartileBand::NotComparable,
            format!("Quartile bands do not apply to an indicator that {kind}, so not comparable"),
        );
    }
    let Actual::Known(a) = actual else {
        return (
            QuartileBand::NotComparable,
            format!("No actual for {label}, so no quartile band"),
        );
    };
    let input = ctx.input;
    let (Some(top), Some(median), Some(bottom)) = (
        input.top.and_then(decimal),
        input.median.and_then(decimal),
        input.bottom.and_then(decimal),
    ) else {
        return (
            QuartileBand::NotComparable,
            format!(
                "The England quartile boundaries for {label} are not all held, so not comparable"
            ),
        );
    };
    let a = *a;
    let higher = input.polarity == Polarity::HigherIsBetter;
    let at_or_better = |boundary: Decimal| if higher { a >= boundary } else { a <= boundary };
    let (at, worse) = if higher {
        ("at or above", "below")
    } else {
        ("at or below", "above")
    };
    let shown = |x: Decimal| show(x, ctx.decimals);
    let a_text = ctx.actual_phrase(a);
    if at_or_better(top) {
        (
            QuartileBand::Top,
            format!(
                "{a_text} is {at} the England top-quartile boundary {}, so top",
                shown(top)
            ),
        )
    } else if at_or_better(median) {
        (
            QuartileBand::UpperMiddle,
            format!(
                "{a_text} is {worse} the England top-quartile boundary {} but {at} the median \
                 {}, so upper middle",
                shown(top),
                shown(median)
            ),
        )
    } else if at_or_better(bottom) {
        (
            QuartileBand::LowerMiddle,
            format!(
                "{a_text} is {worse} the England median {} but {at} the bottom-quartile \
                 boundary {}, so lower middle",
                shown(median),
                shown(bottom)
            ),
        )
    } else {
        (
            QuartileBand::Bottom,
            format!(
                "{a_text} is {worse} the England bottom-quartile boundary {}, so bottom",
                shown(bottom)
            ),
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    // Q2 of 2009/10, assessed after it ended; one decimal; target 90.
    fn base() -> PerformanceInput {
        PerformanceInput {
            polarity: Polarity::HigherIsBetter,
            aggregation: Aggregation::PointInTime,
            tolerance: Tolerance::default(),
            decimals: 1,
            period: Period::parse("FY2009-10-Q2").unwrap(),
            today: d(2010, 1, 15),
            target: Some(90.0),
            fy_target: None,
            actual: Recorded::Value(None),
            previous_actual: Recorded::Value(None),
            top: None,
            median: None,
            bottom: None,
        }
    }

    fn with_actual(mut input: PerformanceInput, actual: f64) -> PerformanceInput {
        input.actual = Recorded::Value(Some(actual));
        input
    }

    fn rag_of(input: &PerformanceInput) -> (Rag, String) {
        let assessment = assess(input);
        (assessment.rag, assessment.explanation)
    }

    // ---- status: higher is better ----

    #[test]
    fn higher_is_better_beats_target() {
        let a = assess(&with_actual(base(), 92.0));
        assert_eq!(a.rag, Rag::Green);
        assert_eq!(a.explanation, "92.0 is 2.0 above the target 90.0, so green");
        assert_eq!(a.target_used, Some(90.0));
        assert_eq!(a.target_basis, TargetBasis::PeriodTarget);
        assert_eq!(a.actual, Some(92.0));
        assert_eq!(a.variance, Some(2.0));
    }

    #[test]
    fn higher_is_better_meets_target() {
        assert_eq!(
            rag_of(&with_actual(base(), 90.0)),
            (Rag::Green, "90.0 meets the target 90.0, so green".into())
        );
    }

    #[test]
    fn the_contract_example() {
        let a = assess(&with_actual(base(), 89.3));
        assert_eq!(a.rag, Rag::Amber);
        assert_eq!(
            a.explanation,
            "89.3 is 0.7 below the target 90.0; within the tolerance 4.5, so amber"
        );
        assert_eq!(a.variance, Some(-0.7));
    }

    #[test]
    fn higher_is_better_amber_at_the_edge_and_red_beyond() {
        assert_eq!(
            rag_of(&with_actual(base(), 85.5)),
            (
                Rag::Amber,
                "85.5 is 4.5 below the target 90.0; within the tolerance 4.5, so amber".into()
            )
        );
        assert_eq!(
            rag_of(&with_actual(base(), 85.4)),
            (
                Rag::Red,
                "85.4 is 4.6 below the target 90.0; beyond the tolerance 4.5, so red".into()
            )
        );
    }

    #[test]
    fn compares_exactly_not_at_the_printed_precision() {
        // 89.99999 misses 90 by 0.00001: within the tolerance, so amber,
        // and the sentence shows the figures as they are.
        let a = assess(&with_actual(base(), 89.99999));
        assert_eq!(a.rag, Rag::Amber);
        assert_eq!(a.actual, Some(89.99999));
        assert_eq!(a.variance, Some(-0.00001));
        assert_eq!(
            a.explanation,
            "89.99999 is 0.00001 below the target 90.0; within the tolerance 4.5, so amber"
        );
        // Binary noise is not a miss: 0.1 + 0.2 against 0.3 meets it.
        let mut input = base();
        input.aggregation = Aggregation::Cumulative;
        input.period = Period::parse("FY2009-10-Q2").unwrap();
        input.target = None;
        input.fy_target = Some(0.6);
        input.actual = Recorded::QuarterValues(vec![Some(0.1), Some(0.2)]);
        let a = assess(&input);
        assert_eq!(a.actual, Some(0.3));
        assert_eq!(a.target_used, Some(0.3));
        assert_eq!(a.rag, Rag::Green, "{}", a.explanation);
        // Nothing prints as "-0.0".
        let mut input = with_actual(base(), -0.0);
        input.target = Some(0.0);
        let a = assess(&input);
        assert_eq!(a.explanation, "0.0 meets the target 0.0, so green");
    }

    // SS LI3: a count (cumulative, no decimals) with a 2009/10 target of 5.
    fn ss_li3(quarter: u8, quarters: Vec<Option<f64>>) -> PerformanceInput {
        let mut input = base();
        input.aggregation = Aggregation::Cumulative;
        input.decimals = 0;
        input.period = Period::financial_quarter(2009, quarter).unwrap();
        input.target = None;
        input.fy_target = Some(5.0);
        input.actual = Recorded::QuarterValues(quarters);
        input
    }

    #[test]
    fn ss_li3_q1_misses_the_pro_rata_target_1_25_beyond_its_tolerance() {
        // 5 x 1/4 = 1.25; 1 misses it by 0.25; 5 % of 1.25 is 0.0625.
        let a = assess(&ss_li3(1, vec![Some(1.0)]));
        assert_eq!(a.target_used, Some(1.25));
        assert_eq!(a.variance, Some(-0.25));
        assert_eq!(a.rag, Rag::Red);
        assert_eq!(
            a.explanation,
            "Year-to-date 1 is 0.25 below the pro-rata target 1.25 (1/4 of the 2009/10 target \
             5); beyond the tolerance 0.0625, so red"
        );
    }

    #[test]
    fn ss_li3_q2_is_judged_against_2_5_not_3() {
        // 5 x 2/4 = 2.5; year to date 1 + 2 = 3 beats it.
        let a = assess(&ss_li3(2, vec![Some(1.0), Some(2.0)]));
        assert_eq!(a.target_used, Some(2.5));
        assert_eq!(a.actual, Some(3.0));
        assert_eq!(a.rag, Rag::Green);
        assert_eq!(
            a.explanation,
            "Year-to-date 3 is 0.5 above the pro-rata target 2.5 (2/4 of the 2009/10 target 5), \
             so green"
        );
        // Year to date 1 + 1 = 2 misses 2.5 by 0.5, beyond 5 % of 2.5 (0.125).
        assert_eq!(assess(&ss_li3(2, vec![Some(1.0), Some(1.0)])).rag, Rag::Red);
    }

    #[test]
    fn ss_li8_minus_9_6_against_minus_10_is_amber_not_green() {
        // A percentage change, lower is better, target -10, shown without
        // decimals: -9.6 misses by 0.4, within 5 % of 10 (0.5).
        let mut input = with_actual(base(), -9.6);
        input.polarity = Polarity::LowerIsBetter;
        input.decimals = 0;
        input.target = Some(-10.0);
        let a = assess(&input);
        assert_eq!(a.actual, Some(-9.6));
        assert_eq!(a.variance, Some(0.4));
        assert_eq!(a.rag, Rag::Amber);
        assert_eq!(
            a.explanation,
            "-9.6 is 0.4 above the target -10; within the tolerance 0.5, so amber"
        );
    }

    #[test]
    fn exactly_at_the_tolerance_is_amber_and_a_hair_beyond_is_red() {
        // 5 % of 91.3 is 4.565 exactly.
        let mut input = base();
        input.decimals = 3;
        input.target = Some(91.3);
        assert_eq!(rag_of(&with_actual(input.clone(), 86.735)).0, Rag::Amber);
        assert_eq!(rag_of(&with_actual(input.clone(), 86.7349)).0, Rag::Red);
        // Lower is better, target 10, tolerance 0.5.
        let mut input = base();
        input.polarity = Polarity::LowerIsBetter;
        input.target = Some(10.0);
        assert_eq!(rag_of(&with_actual(input.clone(), 10.5)).0, Rag::Amber);
        assert_eq!(rag_of(&with_actual(input, 10.500001)).0, Rag::Red);
        // Maintain: green within the tolerance either side, amber within twice.
        let mut input = base();
        input.polarity = Polarity::Maintain;
        input.target = Some(10.0);
        assert_eq!(rag_of(&with_actual(input.clone(), 9.5)).0, Rag::Green);
        assert_eq!(rag_of(&with_actual(input.clone(), 10.500001)).0, Rag::Amber);
        assert_eq!(rag_of(&with_actual(input.clone(), 11.0)).0, Rag::Amber);
        assert_eq!(rag_of(&with_actual(input, 11.000001)).0, Rag::Red);
    }

    #[test]
    fn an_indicator_tracked_without_a_judgement_has_no_status_and_moves_up_or_down() {
        let mut input = with_actual(base(), 7.5);
        input.polarity = Polarity::None;
        input.target = Some(10.0);
        input.previous_actual = Recorded::Value(Some(7.1));
        let a = assess(&input);
        assert_eq!(a.rag, Rag::NotJudged);
        assert_eq!(a.direction, Direction::Up);
        assert_eq!(a.quartile, QuartileBand::NotComparable);
        assert_eq!(
            a.direction_explanation,
            "7.5 is up from 7.1 in 2008/09 Q2; tracked without a judgement, so up"
        );
        input.actual = Recorded::Value(Some(6.0));
        assert_eq!(assess(&input).direction, Direction::Down);
        input.actual = Recorded::Value(Some(7.14));
        assert_eq!(assess(&input).direction, Direction::NoChange);
    }

    // ---- status: lower is better ----

    #[test]
    fn lower_is_better() {
        let mut input = base();
        input.polarity = Polarity::LowerIsBetter;
        input.target = Some(10.0);
        assert_eq!(
            rag_of(&with_actual(input.clone(), 9.0)),
            (
                Rag::Green,
                "9.0 is 1.0 below the target 10.0, so green".into()
            )
        );
        assert_eq!(
            rag_of(&with_actual(input.clone(), 10.0)),
            (Rag::Green, "10.0 meets the target 10.0, so green".into())
        );
        assert_eq!(
            rag_of(&with_actual(input.clone(), 10.5)),
            (
                Rag::Amber,
                "10.5 is 0.5 above the target 10.0; within the tolerance 0.5, so amber".into()
            )
        );
        assert_eq!(
            rag_of(&with_actual(input, 10.6)),
            (
                Rag::Red,
                "10.6 is 0.6 above the target 10.0; beyond the tolerance 0.5, so red".into()
            )
        );
    }

    #[test]
    fn lower_is_better_with_a_negative_target() {
        // SS LI8: a reduction against baseline, so targets are negative; the
        // tolerance is a share of the target's size.
        let mut input = base();
        input.polarity = Polarity::LowerIsBetter;
        input.target = Some(-10.0);
        assert_eq!(rag_of(&with_actual(input.clone(), -12.0)).0, Rag::Green);
        assert_eq!(
            rag_of(&with_actual(input.clone(), -9.5)),
            (
                Rag::Amber,
                "-9.5 is 0.5 above the target -10.0; within the tolerance 0.5, so amber".into()
            )
        );
        assert_eq!(rag_of(&with_actual(input, -9.4)).0, Rag::Red);
    }

    // ---- tolerance ----

    #[test]
    fn absolute_tolerance() {
        let mut input = base();
        input.tolerance = Tolerance::absolute(2.0);
        assert_eq!(
            rag_of(&with_actual(input.clone(), 88.0)),
            (
                Rag::Amber,
                "88.0 is 2.0 below the target 90.0; within the tolerance 2.0, so amber".into()
            )
        );
        assert_eq!(rag_of(&with_actual(input, 87.9)).0, Rag::Red);
    }

    #[test]
    fn tolerance_finer_than_the_precision_is_shown_exactly() {
        let mut input = base();
        input.tolerance = Tolerance::absolute(0.25);
        assert_eq!(rag_of(&with_actual(input.clone(), 89.8)).0, Rag::Amber);
        assert_eq!(
            rag_of(&with_actual(input, 89.7)),
            (
                Rag::Red,
                "89.7 is 0.3 below the target 90.0; beyond the tolerance 0.25, so red".into()
            )
        );
        let mut input = base();
        input.target = Some(91.3);
        assert_eq!(
            rag_of(&with_actual(input, 86.7)),
            (
                Rag::Red,
                "86.7 is 4.6 below the target 91.3; beyond the tolerance 4.565, so red".into()
            )
        );
    }

    #[test]
    fn percent_tolerance_other_than_five() {
        let mut input = base();
        input.tolerance = Tolerance::percent(10.0);
        assert_eq!(
            rag_of(&with_actual(input, 81.0)),
            (
                Rag::Amber,
                "81.0 is 9.0 below the target 90.0; within the tolerance 9.0, so amber".into()
            )
        );
    }

    #[test]
    fn tolerance_with_no_decimals_keeps_one() {
        let mut input = base();
        input.decimals = 0;
        input.target = Some(150.0);
        assert_eq!(
            rag_of(&with_actual(input, 143.0)),
            (
                Rag::Amber,
                "143 is 7 below the target 150; within the tolerance 7.5, so amber".into()
            )
        );
    }

    #[test]
    fn tolerance_amount() {
        assert_eq!(Tolerance::default(), Tolerance::percent(5.0));
        let amount = |t: Tolerance, target: f64| to_f64(t.amount_of(decimal(target).unwrap()));
        assert_eq!(amount(Tolerance::default(), 90.0), 4.5);
        assert_eq!(amount(Tolerance::default(), -90.0), 4.5);
        assert_eq!(amount(Tolerance::absolute(-2.0), 90.0), 2.0);
        assert_eq!(amount(Tolerance::absolute(f64::NAN), 90.0), 0.0);
    }

    // ---- status: maintain ----

    fn maintain() -> PerformanceInput {
        // NI68: held at 95; tolerance 4.75 either side, 9.5 for amber.
        let mut input = base();
        input.polarity = Polarity::Maintain;
        input.target = Some(95.0);
        input
    }

    #[test]
    fn maintain_green_either_side() {
        assert_eq!(
            rag_of(&with_actual(maintain(), 95.0)),
            (Rag::Green, "95.0 meets the target 95.0, so green".into())
        );
        assert_eq!(
            rag_of(&with_actual(maintain(), 98.0)),
            (
                Rag::Green,
                "98.0 is 3.0 above the target 95.0; within the tolerance 4.75 either side, so green"
                    .into()
            )
        );
        assert_eq!(rag_of(&with_actual(maintain(), 92.0)).0, Rag::Green);
    }

    #[test]
    fn maintain_amber_either_side() {
        assert_eq!(
            rag_of(&with_actual(maintain(), 100.0)),
            (
                Rag::Amber,
                "100.0 is 5.0 above the target 95.0; beyond the tolerance 4.75 but within twice \
                 it (9.5), so amber"
                    .into()
            )
        );
        assert_eq!(rag_of(&with_actual(maintain(), 90.0)).0, Rag::Amber);
        assert_eq!(rag_of(&with_actual(maintain(), 104.5)).0, Rag::Amber);
        assert_eq!(rag_of(&with_actual(maintain(), 85.5)).0, Rag::Amber);
    }

    #[test]
    fn maintain_red_either_side() {
        assert_eq!(
            rag_of(&with_actual(maintain(), 104.6)),
            (
                Rag::Red,
                "104.6 is 9.6 above the target 95.0; beyond twice the tolerance 4.75 (9.5), so red"
                    .into()
            )
        );
        assert_eq!(rag_of(&with_actual(maintain(), 85.4)).0, Rag::Red);
    }

    // ---- which target ----

    #[test]
    fn quarter_falls_back_to_the_financial_year_target() {
        let mut input = with_actual(base(), 89.3);
        input.target = None;
        input.fy_target = Some(90.0);
        let a = assess(&input);
        assert_eq!(a.target_basis, TargetBasis::FinancialYearTarget);
        assert_eq!(a.target_used, Some(90.0));
        assert_eq!(
            a.explanation,
            "89.3 is 0.7 below the 2009/10 target 90.0; within the tolerance 4.5, so amber"
        );
    }

    #[test]
    fn own_quarter_target_wins_over_the_year() {
        let mut input = with_actual(base(), 89.3);
        input.target = Some(88.0);
        input.fy_target = Some(90.0);
        let a = assess(&input);
        assert_eq!(a.target_basis, TargetBasis::PeriodTarget);
        assert_eq!(a.rag, Rag::Green);
    }

    #[test]
    fn a_year_does_not_use_fy_target() {
        let mut input = with_actual(base(), 89.3);
        input.period = Period::parse("FY2009-10").unwrap();
        input.target = None;
        input.fy_target = Some(90.0);
        let a = assess(&input);
        assert_eq!(a.rag, Rag::NoTarget);
        assert_eq!(a.target_basis, TargetBasis::None);
    }

    #[test]
    fn no_target() {
        let mut input = with_actual(base(), 89.3);
        input.target = None;
        let a = assess(&input);
        assert_eq!(a.rag, Rag::NoTarget);
        assert_eq!(
            a.explanation,
            "No target applies to 2009/10 Q2, so no status"
        );
        assert_eq!(a.target_used, None);
        assert_eq!(a.target_basis, TargetBasis::None);
        assert_eq!(a.variance, None);
        assert_eq!(a.actual, Some(89.3));

        // A target that is not a number is no target.
        let mut input = with_actual(base(), 89.3);
        input.target = Some(f64::NAN);
        assert_eq!(assess(&input).rag, Rag::NoTarget);
    }

    // ---- cumulative ----

    fn cumulative() -> PerformanceInput {
        let mut input = base();
        input.aggregation = Aggregation::Cumulative;
        input.decimals = 0;
        input.target = None;
        input.fy_target = Some(300.0);
        input
    }

    #[test]
    fn cumulative_year_to_date_against_pro_rata() {
        let mut input = cumulative();
        input.actual = Recorded::QuarterValues(vec![Some(50.0), Some(70.0)]);
        let a = assess(&input);
        assert_eq!(a.target_basis, TargetBasis::ProRataFinancialYearTarget);
        assert_eq!(a.target_used, Some(150.0));
        assert_eq!(a.actual, Some(120.0));
        assert_eq!(a.variance, Some(-30.0));
        assert_eq!(a.rag, Rag::Red);
        assert_eq!(
            a.explanation,
            "Year-to-date 120 is 30 below the pro-rata target 150 (2/4 of the 2009/10 target \
             300); beyond the tolerance 7.5, so red"
        );

        input.actual = Recorded::QuarterValues(vec![Some(75.0), Some(68.0)]);
        assert_eq!(assess(&input).rag, Rag::Amber);
        input.actual = Recorded::QuarterValues(vec![Some(75.0), Some(75.0)]);
        assert_eq!(
            rag_of(&input),
            (
                Rag::Green,
                "Year-to-date 150 meets the pro-rata target 150 (2/4 of the 2009/10 target \
                 300), so green"
                    .into()
            )
        );
    }

    #[test]
    fn cumulative_pro_rata_for_each_quarter() {
        for (q, expected) in [(1, 75.0), (2, 150.0), (3, 225.0), (4, 300.0)] {
            let mut input = cumulative();
            input.period = Period::financial_quarter(2009, q).unwrap();
            input.actual = Recorded::QuarterValues(vec![Some(1.0); usize::from(q)]);
            let a = assess(&input);
            assert_eq!(a.target_used, Some(expected), "Q{q}");
            assert_eq!(a.actual, Some(f64::from(q)), "Q{q}");
        }
        // 250 x 1/4 = 62.5, compared and shown as such even with no decimals.
        let mut input = cumulative();
        input.period = Period::financial_quarter(2009, 1).unwrap();
        input.fy_target = Some(250.0);
        input.actual = Recorded::QuarterValues(vec![Some(62.0)]);
        let a = assess(&input);
        assert_eq!(a.target_used, Some(62.5));
        assert_eq!(a.rag, Rag::Amber);
        assert!(
            a.explanation.contains("pro-rata target 62.5 "),
            "{}",
            a.explanation
        );
    }

    #[test]
    fn cumulative_quarter_with_its_own_target_reads_it_as_year_to_date() {
        let mut input = cumulative();
        input.target = Some(120.0);
        input.actual = Recorded::QuarterValues(vec![Some(50.0), Some(70.0)]);
        let a = assess(&input);
        assert_eq!(a.target_basis, TargetBasis::PeriodTarget);
        assert_eq!(
            a.explanation,
            "Year-to-date 120 meets the target 120, so green"
        );
    }

    #[test]
    fn cumulative_with_a_year_to_date_figure() {
        let mut input = cumulative();
        input.actual = Recorded::Value(Some(145.0));
        let a = assess(&input);
        assert_eq!(a.actual, Some(145.0));
        assert_eq!(a.rag, Rag::Amber);
    }

    #[test]
    fn cumulative_year_sums_four_quarters() {
        let mut input = cumulative();
        input.period = Period::parse("FY2009-10").unwrap();
        input.target = Some(300.0);
        input.actual = Recorded::QuarterValues(vec![Some(80.0); 4]);
        let a = assess(&input);
        assert_eq!(a.actual, Some(320.0));
        assert_eq!(a.rag, Rag::Green);
        assert_eq!(a.explanation, "320 is 20 above the target 300, so green");
    }

    #[test]
    fn cumulative_with_a_quarter_missing_is_missing() {
        let mut input = cumulative();
        input.actual = Recorded::QuarterValues(vec![None, Some(70.0)]);
        let a = assess(&input);
        assert_eq!(a.rag, Rag::Missing);
        assert_eq!(a.actual, None);
        assert_eq!(a.variance, None);
        assert_eq!(
            a.explanation,
            "2009/10 Q2 has ended and the year-to-date actual is incomplete (no value for Q1), \
             so missing"
        );

        input.period = Period::parse("FY2009-10-Q3").unwrap();
        input.actual = Recorded::QuarterValues(vec![None, Some(70.0), None]);
        input.today = d(2009, 11, 1);
        assert_eq!(
            rag_of(&input),
            (
                Rag::Pending,
                "2009/10 Q3 is still open and the year-to-date actual is incomplete (no value \
                 for Q1, Q3), so pending"
                    .into()
            )
        );
    }

    #[test]
    fn cumulative_with_the_wrong_number_of_quarters_is_missing() {
        let mut input = cumulative();
        input.actual = Recorded::QuarterValues(vec![Some(120.0)]);
        assert_eq!(
            rag_of(&input),
            (
                Rag::Missing,
                "2009/10 Q2 has ended and the year-to-date actual is incomplete (1 quarterly \
                 value given for 2 quarters), so missing"
                    .into()
            )
        );
    }

    #[test]
    fn point_in_time_quarter_values_use_the_latest() {
        let mut input = base();
        input.actual = Recorded::QuarterValues(vec![Some(10.0), Some(91.0)]);
        assert_eq!(assess(&input).actual, Some(91.0));
        input.actual = Recorded::QuarterValues(vec![Some(10.0), None]);
        assert_eq!(assess(&input).rag, Rag::Missing);
    }

    // ---- missing and pending ----

    #[test]
    fn missing_after_the_period_ends() {
        let mut input = base();
        input.period = Period::parse("FY2009-10-Q1").unwrap();
        input.today = d(2009, 7, 1);
        let a = assess(&input);
        assert_eq!(a.rag, Rag::Missing);
        assert_eq!(
            a.explanation,
            "2009/10 Q1 has ended and no actual is in, so missing"
        );
        assert_eq!(a.target_used, Some(90.0));
        assert_eq!(a.variance, None);
    }

    #[test]
    fn missing_comes_before_no_target() {
        let mut input = base();
        input.target = None;
        assert_eq!(assess(&input).rag, Rag::Missing);
    }

    #[test]
    fn pending_while_the_period_is_open() {
        let mut input = base();
        input.period = Period::parse("FY2009-10-Q3").unwrap();
        input.today = d(2009, 12, 31);
        assert_eq!(
            rag_of(&input),
            (
                Rag::Pending,
                "2009/10 Q3 is still open and no actual is in yet, so pending".into()
            )
        );
        input.today = d(2010, 1, 1);
        assert_eq!(assess(&input).rag, Rag::Missing);
    }

    #[test]
    fn an_open_period_with_an_actual_is_assessed() {
        let mut input = with_actual(base(), 89.3);
        input.today = d(2009, 8, 1);
        assert_eq!(assess(&input).rag, Rag::Amber);
    }

    #[test]
    fn non_finite_actual_is_absent() {
        let a = assess(&with_actual(base(), f64::INFINITY));
        assert_eq!(a.rag, Rag::Missing);
        assert_eq!(a.actual, None);
    }

    // ---- direction of travel ----

    fn travel(polarity: Polarity, now: f64, before: Option<f64>) -> (Direction, String) {
        let mut input = with_actual(base(), now);
        input.polarity = polarity;
        input.previous_actual = Recorded::Value(before);
        let a = assess(&input);
        (a.direction, a.direction_explanation)
    }

    #[test]
    fn direction_higher_is_better() {
        assert_eq!(
            travel(Polarity::HigherIsBetter, 89.3, Some(87.0)),
            (
                Direction::Improving,
                "89.3 is up from 87.0 in 2008/09 Q2; higher is better, so improving".into()
            )
        );
        assert_eq!(
            travel(Polarity::HigherIsBetter, 85.0, Some(87.0)),
            (
                Direction::Worsening,
                "85.0 is down from 87.0 in 2008/09 Q2; higher is better, so worsening".into()
            )
        );
    }

    #[test]
    fn direction_lower_is_better() {
        assert_eq!(
            travel(Polarity::LowerIsBetter, 85.0, Some(87.0)),
            (
                Direction::Improving,
                "85.0 is down from 87.0 in 2008/09 Q2; lower is better, so improving".into()
            )
        );
        assert_eq!(
            travel(Polarity::LowerIsBetter, 89.3, Some(87.0)).0,
            Direction::Worsening
        );
    }

    #[test]
    fn direction_no_change_at_the_stored_precision() {
        assert_eq!(
            travel(Polarity::HigherIsBetter, 87.04, Some(87.0)),
            (
                Direction::NoChange,
                "87.04 is unchanged from 87.0 in 2008/09 Q2 to 1 decimal place, so no change"
                    .into()
            )
        );
        assert_eq!(
            travel(Polarity::LowerIsBetter, 86.96, Some(87.0)).0,
            Direction::NoChange
        );
        assert_eq!(
            travel(Polarity::HigherIsBetter, 87.1, Some(87.0)).0,
            Direction::Improving
        );
    }

    #[test]
    fn direction_not_comparable_without_both_years() {
        assert_eq!(
            travel(Polarity::HigherIsBetter, 89.3, None),
            (
                Direction::NotComparable,
                "No actual for 2008/09 Q2, so no direction of travel".into()
            )
        );
        let mut input = base();
        input.previous_actual = Recorded::Value(Some(87.0));
        let a = assess(&input);
        assert_eq!(a.direction, Direction::NotComparable);
        assert_eq!(
            a.direction_explanation,
            "No actual for 2009/10 Q2, so no direction of travel"
        );
        let a = assess(&base());
        assert_eq!(
            a.direction_explanation,
            "No actual for 2009/10 Q2 or 2008/09 Q2, so no direction of travel"
        );
    }

    #[test]
    fn direction_maintain_is_distance_from_target() {
        assert_eq!(
            travel(Polarity::Maintain, 89.0, Some(80.0)),
            (
                Direction::Improving,
                "89.0 is 1.0 from the target 90.0, against 10.0 for 80.0 in 2008/09 Q2; closer, \
                 so improving"
                    .into()
            )
        );
        assert_eq!(
            travel(Polarity::Maintain, 80.0, Some(89.0)).0,
            Direction::Worsening
        );
        assert_eq!(
            travel(Polarity::Maintain, 88.0, Some(92.0)),
            (
                Direction::NoChange,
                "88.0 is 2.0 from the target 90.0, against 2.0 for 92.0 in 2008/09 Q2; as close, \
                 so no change"
                    .into()
            )
        );
        let mut input = with_actual(base(), 89.0);
        input.polarity = Polarity::Maintain;
        input.target = None;
        input.previous_actual = Recorded::Value(Some(80.0));
        assert_eq!(assess(&input).direction, Direction::NotComparable);
    }

    #[test]
    fn direction_cumulative_compares_year_to_date() {
        let mut input = cumulative();
        input.actual = Recorded::QuarterValues(vec![Some(50.0), Some(70.0)]);
        input.previous_actual = Recorded::QuarterValues(vec![Some(40.0), Some(60.0)]);
        let a = assess(&input);
        assert_eq!(a.previous_actual, Some(100.0));
        assert_eq!(a.direction, Direction::Improving);
        assert_eq!(
            a.direction_explanation,
            "Year-to-date 120 is up from year-to-date 100 in 2008/09 Q2; higher is better, so \
             improving"
        );
    }

    // ---- quartile bands ----

    fn banded(polarity: Polarity, actual: f64) -> (QuartileBand, String) {
        let mut input = with_actual(base(), actual);
        input.polarity = polarity;
        (input.top, input.median, input.bottom) = match polarity {
            Polarity::LowerIsBetter => (Some(10.0), Some(20.0), Some(30.0)),
            _ => (Some(90.0), Some(80.0), Some(70.0)),
        };
        let a = assess(&input);
        (a.quartile, a.quartile_explanation)
    }

    #[test]
    fn quartile_higher_is_better() {
        use QuartileBand::*;
        let hb = Polarity::HigherIsBetter;
        assert_eq!(
            banded(hb, 90.0),
            (
                Top,
                "90.0 is at or above the England top-quartile boundary 90.0, so top".into()
            )
        );
        assert_eq!(banded(hb, 95.0).0, Top);
        assert_eq!(
            banded(hb, 89.9),
            (
                UpperMiddle,
                "89.9 is below the England top-quartile boundary 90.0 but at or above the \
                 median 80.0, so upper middle"
                    .into()
            )
        );
        assert_eq!(banded(hb, 80.0).0, UpperMiddle);
        assert_eq!(
            banded(hb, 79.9),
            (
                LowerMiddle,
                "79.9 is below the England median 80.0 but at or above the bottom-quartile \
                 boundary 70.0, so lower middle"
                    .into()
            )
        );
        assert_eq!(banded(hb, 70.0).0, LowerMiddle);
        assert_eq!(
            banded(hb, 69.9),
            (
                Bottom,
                "69.9 is below the England bottom-quartile boundary 70.0, so bottom".into()
            )
        );
    }

    #[test]
    fn quartile_lower_is_better() {
        use QuartileBand::*;
        let lb = Polarity::LowerIsBetter;
        assert_eq!(
            banded(lb, 10.0),
            (
                Top,
                "10.0 is at or below the England top-quartile boundary 10.0, so top".into()
            )
        );
        assert_eq!(banded(lb, 5.0).0, Top);
        assert_eq!(banded(lb, 10.1).0, UpperMiddle);
        assert_eq!(banded(lb, 20.0).0, UpperMiddle);
        assert_eq!(banded(lb, 20.1).0, LowerMiddle);
        assert_eq!(banded(lb, 30.0).0, LowerMiddle);
        assert_eq!(
            banded(lb, 30.1),
            (
                Bottom,
                "30.1 is above the England bottom-quartile boundary 30.0, so bottom".into()
            )
        );
    }

    #[test]
    fn quartile_compares_the_exact_actual_with_the_exact_boundary() {
        let mut input = with_actual(base(), 89.96);
        (input.top, input.median, input.bottom) = (Some(90.0), Some(80.0), Some(70.0));
        assert_eq!(assess(&input).quartile, QuartileBand::UpperMiddle);
        input.actual = Recorded::Value(Some(90.0));
        assert_eq!(assess(&input).quartile, QuartileBand::Top);
        input.actual = Recorded::Value(Some(89.96));
        input.top = Some(90.05);
        let a = assess(&input);
        assert_eq!(a.quartile, QuartileBand::UpperMiddle);
        assert!(
            a.quartile_explanation.contains("boundary 90.05 "),
            "{}",
            a.quartile_explanation
        );
    }

    #[test]
    fn quartile_not_comparable() {
        assert_eq!(
            banded(Polarity::Maintain, 90.0),
            (
                QuartileBand::NotComparable,
                "Quartile bands do not apply to an indicator that aims to maintain a level, so \
                 not comparable"
                    .into()
            )
        );
        let mut input = with_actual(base(), 85.0);
        (input.top, input.median, input.bottom) = (Some(90.0), None, Some(70.0));
        let a = assess(&input);
        assert_eq!(a.quartile, QuartileBand::NotComparable);
        assert_eq!(
            a.quartile_explanation,
            "The England quartile boundaries for 2009/10 Q2 are not all held, so not comparable"
        );
        let mut input = base();
        (input.top, input.median, input.bottom) = (Some(90.0), Some(80.0), Some(70.0));
        let a = assess(&input);
        assert_eq!(a.quartile, QuartileBand::NotComparable);
        assert_eq!(
            a.quartile_explanation,
            "No actual for 2009/10 Q2, so no quartile band"
        );
    }

    // ---- wire names ----

    #[test]
    fn serialises_snake_case() {
        let json = |v: serde_json::Value| v.as_str().unwrap().to_owned();
        assert_eq!(
            json(serde_json::to_value(Rag::NoTarget).unwrap()),
            "no_target"
        );
        assert_eq!(json(serde_json::to_value(Rag::Pending).unwrap()), "pending");
        assert_eq!(
            json(serde_json::to_value(Direction::NotComparable).unwrap()),
            "not_comparable"
        );
        assert_eq!(
            json(serde_json::to_value(QuartileBand::UpperMiddle).unwrap()),
            "upper_middle"
        );
        assert_eq!(
            json(serde_json::to_value(TargetBasis::ProRataFinancialYearTarget).unwrap()),
            "pro_rata_financial_year_target"
        );
        assert_eq!(
            json(serde_json::to_value(TargetBasis::None).unwrap()),
            "none"
        );
        assert_eq!(
            json(serde_json::to_value(Polarity::HigherIsBetter).unwrap()),
            "higher_is_better"
        );
        assert_eq!(
            json(serde_json::to_value(Aggregation::PointInTime).unwrap()),
            "point_in_time"
        );
        assert_eq!(
            serde_json::to_value(Tolerance::default()).unwrap(),
            serde_json::json!({"kind": "percent", "value": 5.0})
        );
        let t: Tolerance = serde_json::from_str(r#"{"kind":"absolute","value":2}"#).unwrap();
        assert_eq!(t, Tolerance::absolute(2.0));
        assert!(
            serde_json::from_str::<Tolerance>(r#"{"kind":"absolute","value":2,"x":1}"#).is_err()
        );
    }

    #[test]
    fn assessment_serialises() {
        let a = assess(&with_actual(base(), 89.3));
        let json = serde_json::to_value(&a).unwrap();
        assert_eq!(json["rag"], "amber");
        assert_eq!(json["target_basis"], "period_target");
        assert_eq!(json["variance"], -0.7);
        assert_eq!(json["direction"], "not_comparable");
        assert_eq!(json["quartile"], "not_comparable");
        assert!(json["previous_actual"].is_null());
    }

    #[test]
    fn decimal_and_printing_helpers() {
        assert_eq!(decimal(89.3).unwrap().to_string(), "89.3");
        assert_eq!(
            decimal(0.1 + 0.2).unwrap().to_string(),
            "0.30000000000000004"
        );
        assert_eq!(decimal(f64::NAN), None);
        assert_eq!(round_dec(decimal(1.005).unwrap(), 2).to_string(), "1.01");
        assert_eq!(round_dec(decimal(2.5).unwrap(), 0).to_string(), "3");
        assert_eq!(round_dec(decimal(-2.5).unwrap(), 0).to_string(), "-3");
        assert_eq!(show(decimal(4.5).unwrap(), 1), "4.5");
        assert_eq!(show(decimal(4.565).unwrap(), 1), "4.565");
        assert_eq!(show(decimal(7.0).unwrap(), 1), "7.0");
        assert_eq!(show(decimal(1.25).unwrap(), 0), "1.25");
        assert_eq!(show(Decimal::ONE / Decimal::from(3), 1), "0.333333");
        assert_eq!(show(decimal(-0.0).unwrap(), 1), "0.0");
    }
}
