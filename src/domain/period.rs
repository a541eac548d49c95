//! Reporting periods: financial years and quarters, academic years, calendar
//! years and pooled runs of calendar years.
//!
//! A period is written as a code (`FY2009-10`, `FY2009-10-Q1`, `AY2007-08`,
//! `CY2008`, `CY2001-2003`) and answered as
//! `{"code", "type", "label", "starts_on", "ends_on"}`. [`Period::parse`] is
//! strict: it accepts exactly the codes it would write itself.
//! [`from_source_label`] is the lenient counterpart for the ways the source
//! documents print periods ("2007/8", "09/10", "2001-03").

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;
use utoipa::ToSchema;

/// Earliest year a period may start or end in.
pub const MIN_YEAR: i32 = 1900;
/// Latest year a period may start or end in.
pub const MAX_YEAR: i32 = 2100;

const EXPECTED_FORMS: &str = "FY2009-10 (financial year), FY2009-10-Q1 to FY2009-10-Q4 \
     (financial quarter), AY2007-08 (academic year), CY2008 (calendar year) or \
     CY2001-2003 (pooled calendar years)";

/// Why a period code was refused. The message names the code and the form
/// expected, so it can be shown to an API client as is.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PeriodError {
    /// The text is not in any of the period code forms.
    #[error("`{code}` is not a period code; expected {expected}", expected = EXPECTED_FORMS)]
    Malformed {
        /// The text as given.
        code: String,
    },
    /// A financial or academic year whose second part is not the year after
    /// its first (`FY2009-11`).
    #[error("`{code}` is not a period code: a financial or academic year runs into the next year, so its second part must be the next year's last two digits, as in `{expected}`")]
    NotConsecutive {
        /// The text as given.
        code: String,
        /// The code with the second part corrected.
        expected: String,
    },
    /// A quarter other than Q1 to Q4 (`FY2009-10-Q5`).
    #[error("`{code}` is not a period code: the quarter must be Q1, Q2, Q3 or Q4")]
    BadQuarter {
        /// The text as given.
        code: String,
    },
    /// A pooled calendar-year range that ends before it starts
    /// (`CY2003-2001`).
    #[error("`{code}` is not a period code: the range ends before it starts")]
    RangeEndsBeforeStart {
        /// The text as given.
        code: String,
    },
    /// A pooled range of one year (`CY2008-2008`), which is written as a
    /// single calendar year instead.
    #[error("`{code}` is not a period code: a single calendar year is written `{single}`")]
    SingleYearRange {
        /// The text as given.
        code: String,
        /// The single-year code to use instead.
        single: String,
    },
    /// A year outside 1900 to 2100.
    #[error("`{code}` is not a period code: year {year} is outside 1900 to 2100")]
    YearOutOfRange {
        /// The text as given (or the code that would have been built).
        code: String,
        /// The offending year.
        year: i32,
    },
    /// A full period object whose fields disagree with its code.
    #[error("period `{code}` does not match its code: expected type, label, starts_on and ends_on as for `{code}`")]
    Inconsistent {
        /// The code of the object.
        code: String,
    },
}

impl PeriodError {
    /// Whether the code has a period code's form (the OpenAPI pattern) but
    /// breaks a rule of the calendar (`FY2009-11`, `CY2003-2001`).
    pub fn is_rule(&self) -> bool {
        !matches!(
            self,
            PeriodError::Malformed { .. } | PeriodError::BadQuarter { .. }
        )
    }
}

/// The kind of a period.
#[derive(
    Serialize, Deserialize, ToSchema, Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord,
)]
#[serde(rename_all = "snake_case")]
pub enum PeriodType {
    /// 1 April to 31 March (`FY2009-10`).
    FinancialYear,
    /// A quarter of a financial year (`FY2009-10-Q1`): Q1 April–June,
    /// Q2 July–September, Q3 October–December, Q4 January–March.
    FinancialQuarter,
    /// 1 September to 31 August (`AY2007-08`).
    AcademicYear,
    /// 1 January to 31 December (`CY2008`).
    CalendarYear,
    /// Several calendar years pooled into one figure (`CY2001-2003`, from
    /// 1 January 2001 to 31 December 2003).
    CalendarYears,
}

/// A reporting period. Requests name a period by its `code`; responses give
/// the whole object.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug, PartialEq, Eq, Hash)]
#[serde(try_from = "PeriodFields")]
#[schema(example = json!({
    "code": "FY2009-10-Q1",
    "type": "financial_quarter",
    "label": "2009/10 Q1",
    "starts_on": "2009-04-01",
    "ends_on": "2009-06-30"
}))]
pub struct Period {
    /// The period code, as accepted wherever a period is written: `FY2009-10`,
    /// `FY2009-10-Q1` to `FY2009-10-Q4`, `AY2007-08`, `CY2008` or `CY2001-2003`.
    #[schema(example = "FY2009-10")]
    pub code: String,
    /// The kind of period.
    #[serde(rename = "type")]
    pub r#type: PeriodType,
    /// How reports print the period: `2009/10`, `2009/10 Q1`, `2007/08`,
    /// `2008` or `2001-03`.
    #[schema(example = "2009/10")]
    pub label: String,
    /// First day of the period.
    #[schema(example = "2009-04-01")]
    pub starts_on: NaiveDate,
    /// Last day of the period (inclusive).
    #[schema(example = "2010-03-31")]
    pub ends_on: NaiveDate,
}

// The wire form of a Period. Deserialising goes through it so that an object
// whose fields contradict its code is refused rather than trusted.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PeriodFields {
    code: String,
    #[serde(rename = "type")]
    r#type: PeriodType,
    label: String,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
}

impl TryFrom<PeriodFields> for Period {
    type Error = PeriodError;

    fn try_from(fields: PeriodFields) -> Result<Self, Self::Error> {
        let period = Period::parse(&fields.code)?;
        let given = Period {
            code: fields.code,
            r#type: fields.r#type,
            label: fields.label,
            starts_on: fields.starts_on,
            ends_on: fields.ends_on,
        };
        if given == period {
            Ok(period)
        } else {
            Err(PeriodError::Inconsistent { code: given.code })
        }
    }
}

// The structured content of a code; every Period is built from one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Spec {
    FinancialYear(i32),
    FinancialQuarter(i32, u8),
    AcademicYear(i32),
    CalendarYear(i32),
    CalendarYears(i32, i32),
}

impl Spec {
    fn shifted(self, years: i32) -> Spec {
        match self {
            Spec::FinancialYear(y) => Spec::FinancialYear(y.saturating_add(years)),
            Spec::FinancialQuarter(y, q) => Spec::FinancialQuarter(y.saturating_add(years), q),
            Spec::AcademicYear(y) => Spec::AcademicYear(y.saturating_add(years)),
            Spec::CalendarYear(y) => Spec::CalendarYear(y.saturating_add(years)),
            Spec::CalendarYears(a, b) => {
                Spec::CalendarYears(a.saturating_add(years), b.saturating_add(years))
            }
        }
    }

    // For every code Period::parse accepts, this gives back the same text,
    // so errors raised while building name the code as the client sent it.
    fn code(self) -> String {
        match self {
            Spec::FinancialYear(y) => format!("FY{y:04}-{:02}", next_two_digits(y)),
            Spec::FinancialQuarter(y, q) => format!("FY{y:04}-{:02}-Q{q}", next_two_digits(y)),
            Spec::AcademicYear(y) => format!("AY{y:04}-{:02}", next_two_digits(y)),
            Spec::CalendarYear(y) => format!("CY{y:04}"),
            Spec::CalendarYears(a, b) => format!("CY{a:04}-{b:04}"),
        }
    }

    fn build(self) -> Result<Period, PeriodError> {
        let code = self.code();
        let (first, last) = match self {
            Spec::FinancialYear(y) | Spec::FinancialQuarter(y, _) | Spec::AcademicYear(y) => {
                (y, y.saturating_add(1))
            }
            Spec::CalendarYear(y) => (y, y),
            Spec::CalendarYears(a, b) => (a, b),
        };
        for year in [first, last] {
            if !(MIN_YEAR..=MAX_YEAR).contains(&year) {
                return Err(PeriodError::YearOutOfRange { code, year });
            }
        }
        let date = |y: i32, m: u32, d: u32| {
            NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| PeriodError::YearOutOfRange {
                code: code.clone(),
                year: y,
            })
        };
        let (r#type, label, starts_on, ends_on) = match self {
            Spec::FinancialYear(y) => (
                PeriodType::FinancialYear,
                format!("{y}/{:02}", next_two_digits(y)),
                date(y, 4, 1)?,
                date(y + 1, 3, 31)?,
            ),
            Spec::FinancialQuarter(y, q) => {
                let (starts_on, ends_on) = match q {
                    1 => (date(y, 4, 1)?, date(y, 6, 30)?),
                    2 => (date(y, 7, 1)?, date(y, 9, 30)?),
                    3 => (date(y, 10, 1)?, date(y, 12, 31)?),
                    4 => (date(y + 1, 1, 1)?, date(y + 1, 3, 31)?),
                    _ => return Err(PeriodError::BadQuarter { code }),
                };
                (
                    PeriodType::FinancialQuarter,
                    format!("{y}/{:02} Q{q}", next_two_digits(y)),
                    starts_on,
                    ends_on,
                )
            }
            Spec::AcademicYear(y) => (
                PeriodType::AcademicYear,
                format!("{y}/{:02}", next_two_digits(y)),
                date(y, 9, 1)?,
                date(y + 1, 8, 31)?,
            ),
            Spec::CalendarYear(y) => (
                PeriodType::CalendarYear,
                y.to_string(),
                date(y, 1, 1)?,
                date(y, 12, 31)?,
            ),
            Spec::CalendarYears(a, b) => {
                if b < a {
                    return Err(PeriodError::RangeEndsBeforeStart { code });
                }
                if b == a {
                    return Err(PeriodError::SingleYearRange {
                        code,
                        single: Spec::CalendarYear(a).code(),
                    });
                }
                (
                    PeriodType::CalendarYears,
                    format!("{a}-{:02}", two_digits(b)),
                    date(a, 1, 1)?,
                    date(b, 12, 31)?,
                )
            }
        };
        Ok(Period {
            code,
            r#type,
            label,
            starts_on,
            ends_on,
        })
    }
}

fn two_digits(year: i32) -> i32 {
    year.rem_euclid(100)
}

fn next_two_digits(year: i32) -> i32 {
    two_digits(year.saturating_add(1))
}

// Exactly `len` ASCII digits; no sign, no spaces.
fn digits(text: &str, len: usize) -> Option<i32> {
    if text.len() == len && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse().ok()
    } else {
        None
    }
}

fn parse_spec(code: &str) -> Result<Spec, PeriodError> {
    let malformed = || PeriodError::Malformed {
        code: code.to_owned(),
    };
    let (prefix, rest) = match (code.get(..2), code.get(2..)) {
        (Some(prefix), Some(rest)) => (prefix, rest),
        _ => return Err(malformed()),
    };
    let parts: Vec<&str> = rest.split('-').collect();
    match (prefix, parts.as_slice()) {
        ("FY" | "AY", [start, end, quarter @ ..]) if quarter.len() <= 1 => {
            let start = digits(start, 4).ok_or_else(malformed)?;
            let end = digits(end, 2).ok_or_else(malformed)?;
            let spec = match (prefix, quarter) {
                ("FY", []) => Spec::FinancialYear(start),
                ("AY", []) => Spec::AcademicYear(start),
                ("FY", [quarter]) => {
                    let number = quarter
                        .strip_prefix('Q')
                        .and_then(|q| digits(q, 1))
                        .ok_or_else(malformed)?;
                    match u8::try_from(number) {
                        Ok(q @ 1..=4) => Spec::FinancialQuarter(start, q),
                        _ => {
                            return Err(PeriodError::BadQuarter {
                                code: code.to_owned(),
                            })
                        }
                    }
                }
                _ => return Err(malformed()),
            };
            if end != next_two_digits(start) {
                return Err(PeriodError::NotConsecutive {
                    code: code.to_owned(),
                    expected: spec.code(),
                });
            }
            Ok(spec)
        }
        ("CY", [year]) => Ok(Spec::CalendarYear(digits(year, 4).ok_or_else(malformed)?)),
        ("CY", [first, last]) => Ok(Spec::CalendarYears(
            digits(first, 4).ok_or_else(malformed)?,
            digits(last, 4).ok_or_else(malformed)?,
        )),
        _ => Err(malformed()),
    }
}

impl Period {
    /// Parses a period code: `FY2009-10`, `FY2009-10-Q1` to `FY2009-10-Q4`,
    /// `AY2007-08`, `CY2008` or `CY2001-2003`.
    ///
    /// Strict: upper-case prefixes, no spaces, a financial or academic
    /// year's second part must be the next year's last two digits, a pooled
    /// range must run forwards over at least two years, and every year must
    /// lie in 1900 to 2100. Anything else is a [`PeriodError`] (answered as
    /// a 422).
    pub fn parse(code: &str) -> Result<Period, PeriodError> {
        parse_spec(code)?.build()
    }

    /// The financial year starting on 1 April of `start_year`
    /// (`financial_year(2009)` is `FY2009-10`). Fails outside 1900 to 2099.
    pub fn financial_year(start_year: i32) -> Result<Period, PeriodError> {
        Spec::FinancialYear(start_year).build()
    }

    /// Quarter `quarter` (1 to 4) of the financial year starting in
    /// `start_year` (`financial_quarter(2009, 4)` is `FY2009-10-Q4`,
    /// January to March 2010).
    pub fn financial_quarter(start_year: i32, quarter: u8) -> Result<Period, PeriodError> {
        Spec::FinancialQuarter(start_year, quarter).build()
    }

    /// The financial year that contains `date` (1 April to 31 March).
    pub fn financial_year_containing(date: NaiveDate) -> Result<Period, PeriodError> {
        let start_year = if date.month() >= 4 {
            date.year()
        } else {
            date.year() - 1
        };
        Period::financial_year(start_year)
    }

    // Read back from the type and dates, which are the source of truth for
    // every helper (the fields are public, the code is just text).
    fn spec(&self) -> Option<Spec> {
        let start = self.starts_on.year();
        match self.r#type {
            PeriodType::FinancialYear => Some(Spec::FinancialYear(start)),
            PeriodType::FinancialQuarter => match self.starts_on.month() {
                4 => Some(Spec::FinancialQuarter(start, 1)),
                7 => Some(Spec::FinancialQuarter(start, 2)),
                10 => Some(Spec::FinancialQuarter(start, 3)),
                1 => Some(Spec::FinancialQuarter(start - 1, 4)),
                _ => None,
            },
            PeriodType::AcademicYear => Some(Spec::AcademicYear(start)),
            PeriodType::CalendarYear => Some(Spec::CalendarYear(start)),
            PeriodType::CalendarYears => Some(Spec::CalendarYears(start, self.ends_on.year())),
        }
    }

    /// For a quarter, its financial year; a financial year is its own;
    /// `None` for any other kind of period.
    pub fn fy_of(&self) -> Option<Period> {
        match self.spec()? {
            Spec::FinancialYear(_) => Some(self.clone()),
            Spec::FinancialQuarter(y, _) => Period::financial_year(y).ok(),
            _ => None,
        }
    }

    /// The quarter number (1 to 4) of a financial quarter; `None` for any
    /// other kind of period.
    pub fn quarter(&self) -> Option<u8> {
        match self.spec()? {
            Spec::FinancialQuarter(_, q) => Some(q),
            _ => None,
        }
    }

    /// How many quarters of the financial year the period runs to: Q1 1,
    /// Q2 2, Q3 3, Q4 4, and 4 for a whole financial year. `None` for other
    /// kinds of period. This is the multiplier of pro-rata targets.
    pub fn quarters_elapsed(&self) -> Option<u8> {
        match self.spec()? {
            Spec::FinancialYear(_) => Some(4),
            Spec::FinancialQuarter(_, q) => Some(q),
            _ => None,
        }
    }

    /// The same period one year earlier (`FY2009-10-Q2` gives
    /// `FY2008-09-Q2`; `CY2001-2003` gives `CY2000-2002`); `None` before
    /// 1900. This is the period that direction of travel compares with.
    pub fn previous_year(&self) -> Option<Period> {
        self.spec()?.shifted(-1).build().ok()
    }

    /// The period of the same kind just before this one: the previous
    /// quarter for a quarter (`FY2009-10-Q1` gives `FY2008-09-Q4`), the
    /// previous year for a year, and the span of the same length just before
    /// a pooled range (`CY2001-2003` gives `CY1998-2000`). `None` before 1900.
    pub fn previous(&self) -> Option<Period> {
        match self.spec()? {
            Spec::FinancialQuarter(y, 1) => Spec::FinancialQuarter(y - 1, 4).build().ok(),
            Spec::FinancialQuarter(y, q) => Spec::FinancialQuarter(y, q - 1).build().ok(),
            Spec::CalendarYears(a, b) => Spec::CalendarYears(a, b).shifted(a - b - 1).build().ok(),
            spec => spec.shifted(-1).build().ok(),
        }
    }

    /// The period of kind `kind` that contains `date`; `None` for pooled
    /// calendar years (whose span is not fixed) or outside 1900 to 2100.
    pub fn of_kind_containing(kind: PeriodType, date: NaiveDate) -> Option<Period> {
        let (y, m) = (date.year(), date.month());
        let spec = match kind {
            PeriodType::FinancialYear => Spec::FinancialYear(if m >= 4 { y } else { y - 1 }),
            PeriodType::FinancialQuarter => match m {
                1..=3 => Spec::FinancialQuarter(y - 1, 4),
                4..=6 => Spec::FinancialQuarter(y, 1),
                7..=9 => Spec::FinancialQuarter(y, 2),
                _ => Spec::FinancialQuarter(y, 3),
            },
            PeriodType::AcademicYear => Spec::AcademicYear(if m >= 9 { y } else { y - 1 }),
            PeriodType::CalendarYear => Spec::CalendarYear(y),
            PeriodType::CalendarYears => return None,
        };
        spec.build().ok()
    }

    /// Whether `date` falls within the period (both ends included).
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.starts_on <= date && date <= self.ends_on
    }

    /// Whether the period is over on `today`: its last day is before today.
    pub fn has_ended(&self, today: NaiveDate) -> bool {
        self.ends_on < today
    }

    /// The quarters of the financial year up to and including this period:
    /// Q1 to this quarter for a quarter, Q1 to Q4 for a financial year, and
    /// none for other kinds of period. These are the quarters a
    /// year-to-date figure adds up.
    pub fn quarters_to_date(&self) -> Vec<Period> {
        let (year, last) = match self.spec() {
            Some(Spec::FinancialYear(y)) => (y, 4),
            Some(Spec::FinancialQuarter(y, q)) => (y, q),
            _ => return Vec::new(),
        };
        (1..=last)
            .filter_map(|q| Period::financial_quarter(year, q).ok())
            .collect()
    }
}

impl FromStr for Period {
    type Err = PeriodError;

    fn from_str(code: &str) -> Result<Self, Self::Err> {
        Period::parse(code)
    }
}

impl fmt::Display for Period {
    /// Writes the period code (`FY2009-10-Q1`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code)
    }
}

/// Periods are ordered by start date, then end date, so a financial year
/// sorts just after its own first quarter (same start, later end).
impl Ord for Period {
    fn cmp(&self, other: &Self) -> Ordering {
        // Dates first, as documented; the rest only keeps Ord consistent
        // with Eq for hand-built values.
        (
            self.starts_on,
            self.ends_on,
            &self.code,
            self.r#type,
            &self.label,
        )
            .cmp(&(
                other.starts_on,
                other.ends_on,
                &other.code,
                other.r#type,
                &other.label,
            ))
    }
}

impl PartialOrd for Period {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Maps a period as printed in the source documents to a period code, or
/// `None` when the text names no period.
///
/// | printed | code |
/// |---|---|
/// | `2009/10`, `2007/8`, `2007/08`, `2006-07`, `2007–08`, `09/10` | `FY2009-10` etc. (financial year) |
/// | `2008`, `mid-2005`, `2009 (predicted)`, `at inspection (2008)` | `CY2008` etc. (calendar year) |
/// | `2001-03`, `2006-2011` | `CY2001-2003`, `CY2006-2011` (pooled calendar years) |
/// | `12 months from April 2005` | `FY2005-06` |
/// | a period code (`FY2009-10`) | itself |
///
/// Text with no period in it ("latest", "earlier", "not stated",
/// "since 2006", "first six months of 2007-08", ...) gives `None`: keep the
/// original text alongside whatever is stored.
pub fn from_source_label(label: &str) -> Option<String> {
    // The sources use en and em dashes as well as hyphens ("2007–08").
    let text = label
        .trim()
        .replace(['\u{2012}', '\u{2013}', '\u{2014}'], "-");
    let text = text.as_str();
    let code = if let Ok(period) = Period::parse(text) {
        period.code
    } else if let Some(inner) = text.strip_suffix("(predicted)") {
        // A forecast for a period is still about that period; that it is a
        // forecast is for the caller to keep (the original text).
        return from_source_label(inner);
    } else if let Some(year) = text.strip_prefix("mid-") {
        // Mid-year population estimates (30 June); the ONS files them under
        // the calendar year.
        Spec::CalendarYear(digits(year, 4)?).code()
    } else if let Some(year) = text.strip_prefix("12 months from April ") {
        Spec::FinancialYear(digits(year, 4)?).code()
    } else if let Some(year) = text
        .strip_prefix("at inspection (")
        .and_then(|rest| rest.strip_suffix(')'))
    {
        // A snapshot taken at an inspection in a given year: that calendar
        // year. "at inspection (JAR para 69)" names no year and gives None.
        Spec::CalendarYear(digits(year, 4)?).code()
    } else {
        year_span(text)?.code()
    };
    Period::parse(&code).ok().map(|period| period.code)
}

// "2008", "2009/10", "2007/8", "2006-07", "09/10", "2001-03", "2006-2011".
fn year_span(text: &str) -> Option<Spec> {
    if let Some(year) = digits(text, 4) {
        // Judgement call: a bare four-digit year is a calendar year. Some
        // series (GCSE results, Tellus surveys) really describe the academic
        // year ending then; MODEL.md §3.4 says to keep such labels as
        // printed, which the caller does alongside the code.
        return Some(Spec::CalendarYear(year));
    }
    let separator = text.find(['/', '-'])?;
    let (first, last) = (text.get(..separator)?, text.get(separator + 1..)?);
    let slash = text.as_bytes().get(separator) == Some(&b'/');
    let start = match first.len() {
        4 => digits(first, 4)?,
        // Judgement call: two-digit years ("09/10") are in the 2000s, as in
        // every source document.
        2 => 2000 + digits(first, 2)?,
        _ => return None,
    };
    let end = match last.len() {
        4 => {
            // A four-digit end year only appears in pooled ranges
            // ("2006-2011"), mirroring the code form CY2001-2003.
            let end = digits(last, 4)?;
            return (!slash && first.len() == 4 && end > start)
                .then_some(Spec::CalendarYears(start, end));
        }
        // The next year with these last digits: "2007/8" ends in 2008.
        len @ (1 | 2) => {
            let modulus = if len == 1 { 10 } else { 100 };
            let tail = digits(last, len)?;
            let mut end = start - start.rem_euclid(modulus) + tail;
            if end <= start {
                end += modulus;
            }
            end
        }
        _ => return None,
    };
    if end == start + 1 {
        // Judgement call (MODEL.md §3.4): "2006-07" and "2006/07" are
        // financial years, even for school-based series (attendance,
        // exclusions, Year 6 measurement) that are really counted over
        // academic years; the caller keeps the printed text.
        Some(Spec::FinancialYear(start))
    } else if !slash && first.len() == 4 && last.len() == 2 {
        // "2001-03": three calendar years pooled (infant mortality).
        Some(Spec::CalendarYears(start, end))
    } else {
        None
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn p(code: &str) -> Period {
        Period::parse(code).unwrap()
    }

    #[test]
    fn financial_year() {
        let fy = p("FY2009-10");
        assert_eq!(fy.code, "FY2009-10");
        assert_eq!(fy.r#type, PeriodType::FinancialYear);
        assert_eq!(fy.label, "2009/10");
        assert_eq!(fy.starts_on, d(2009, 4, 1));
        assert_eq!(fy.ends_on, d(2010, 3, 31));
        assert_eq!(Period::financial_year(2009).unwrap(), fy);
    }

    #[test]
    fn financial_year_across_the_century() {
        let fy = p("FY1999-00");
        assert_eq!(fy.label, "1999/00");
        assert_eq!(fy.ends_on, d(2000, 3, 31));
        assert_eq!(Period::financial_year(1999).unwrap(), fy);
    }

    #[test]
    fn financial_quarters() {
        let cases = [
            ("FY2009-10-Q1", "2009/10 Q1", d(2009, 4, 1), d(2009, 6, 30)),
            ("FY2009-10-Q2", "2009/10 Q2", d(2009, 7, 1), d(2009, 9, 30)),
            (
                "FY2009-10-Q3",
                "2009/10 Q3",
                d(2009, 10, 1),
                d(2009, 12, 31),
            ),
            ("FY2009-10-Q4", "2009/10 Q4", d(2010, 1, 1), d(2010, 3, 31)),
        ];
        for (i, (code, label, starts_on, ends_on)) in cases.into_iter().enumerate() {
            let q = p(code);
            assert_eq!(q.code, code);
            assert_eq!(q.r#type, PeriodType::FinancialQuarter);
            assert_eq!(q.label, label);
            assert_eq!(q.starts_on, starts_on);
            assert_eq!(q.ends_on, ends_on);
            let n = u8::try_from(i + 1).unwrap();
            assert_eq!(q.quarter(), Some(n));
            assert_eq!(q.quarters_elapsed(), Some(n));
            assert_eq!(Period::financial_quarter(2009, n).unwrap(), q);
        }
    }

    #[test]
    fn academic_year() {
        let ay = p("AY2007-08");
        assert_eq!(ay.r#type, PeriodType::AcademicYear);
        assert_eq!(ay.label, "2007/08");
        assert_eq!(ay.starts_on, d(2007, 9, 1));
        assert_eq!(ay.ends_on, d(2008, 8, 31));
    }

    #[test]
    fn calendar_year() {
        let cy = p("CY2008");
        assert_eq!(cy.r#type, PeriodType::CalendarYear);
        assert_eq!(cy.label, "2008");
        assert_eq!(cy.starts_on, d(2008, 1, 1));
        assert_eq!(cy.ends_on, d(2008, 12, 31));
    }

    #[test]
    fn pooled_calendar_years() {
        let cys = p("CY2001-2003");
        assert_eq!(cys.r#type, PeriodType::CalendarYears);
        assert_eq!(cys.label, "2001-03");
        assert_eq!(cys.starts_on, d(2001, 1, 1));
        assert_eq!(cys.ends_on, d(2003, 12, 31));
        assert_eq!(p("CY1998-2001").label, "1998-01");
        assert_eq!(p("CY2007-2008").label, "2007-08");
    }

    #[test]
    fn year_limits() {
        assert_eq!(p("CY1900").starts_on, d(1900, 1, 1));
        assert_eq!(p("CY2100").ends_on, d(2100, 12, 31));
        assert_eq!(p("FY2099-00").ends_on, d(2100, 3, 31));
        assert_eq!(p("CY1900-2100").label, "1900-00");
    }

    #[test]
    fn malformed_codes() {
        for code in [
            "",
            "F",
            "FY",
            "FY2009",
            "FY2009-",
            "FY2009-1",
            "FY2009-010",
            "FY09-10",
            "fy2009-10",
            "FY2009/10",
            " FY2009-10",
            "FY2009-10 ",
            "FY2009-10-",
            "FY2009-10-Q",
            "FY2009-10-Q10",
            "FY2009-10-1",
            "FY2009-10-Q1-Q2",
            "AY2007-08-Q1",
            "CY08",
            "CY2008-",
            "CY2001-03",
            "CY2001-2003-2005",
            "CY+008",
            "CY２００８",
            "XY2008",
            "2009/10",
            "FY2009-1O",
        ] {
            let error = Period::parse(code).unwrap_err();
            assert_eq!(
                error,
                PeriodError::Malformed {
                    code: code.to_owned()
                },
                "{code:?}"
            );
        }
    }

    #[test]
    fn malformed_message_names_the_forms() {
        let message = Period::parse("2009/10").unwrap_err().to_string();
        assert_eq!(
            message,
            "`2009/10` is not a period code; expected FY2009-10 (financial year), \
             FY2009-10-Q1 to FY2009-10-Q4 (financial quarter), AY2007-08 (academic year), \
             CY2008 (calendar year) or CY2001-2003 (pooled calendar years)"
        );
    }

    #[test]
    fn not_consecutive() {
        let error = Period::parse("FY2009-11").unwrap_err();
        assert_eq!(
            error,
            PeriodError::NotConsecutive {
                code: "FY2009-11".into(),
                expected: "FY2009-10".into()
            }
        );
        assert_eq!(
            error.to_string(),
            "`FY2009-11` is not a period code: a financial or academic year runs into the \
             next year, so its second part must be the next year's last two digits, as in \
             `FY2009-10`"
        );
        assert_eq!(
            Period::parse("AY2007-07").unwrap_err(),
            PeriodError::NotConsecutive {
                code: "AY2007-07".into(),
                expected: "AY2007-08".into()
            }
        );
        assert_eq!(
            Period::parse("FY2009-11-Q2").unwrap_err(),
            PeriodError::NotConsecutive {
                code: "FY2009-11-Q2".into(),
                expected: "FY2009-10-Q2".into()
            }
        );
        assert!(matches!(
            Period::parse("FY1999-01"),
            Err(PeriodError::NotConsecutive { .. })
        ));
    }

    #[test]
    fn bad_quarter() {
        for code in ["FY2009-10-Q0", "FY2009-10-Q5", "FY2009-10-Q9"] {
            let error = Period::parse(code).unwrap_err();
            assert_eq!(error, PeriodError::BadQuarter { code: code.into() });
            assert_eq!(
                error.to_string(),
                format!("`{code}` is not a period code: the quarter must be Q1, Q2, Q3 or Q4")
            );
        }
        assert!(Period::financial_quarter(2009, 0).is_err());
        assert!(Period::financial_quarter(2009, 5).is_err());
    }

    #[test]
    fn range_ends_before_start() {
        let error = Period::parse("CY2003-2001").unwrap_err();
        assert_eq!(
            error,
            PeriodError::RangeEndsBeforeStart {
                code: "CY2003-2001".into()
            }
        );
        assert_eq!(
            error.to_string(),
            "`CY2003-2001` is not a period code: the range ends before it starts"
        );
    }

    #[test]
    fn single_year_range() {
        let error = Period::parse("CY2008-2008").unwrap_err();
        assert_eq!(
            error,
            PeriodError::SingleYearRange {
                code: "CY2008-2008".into(),
                single: "CY2008".into()
            }
        );
        assert_eq!(
            error.to_string(),
            "`CY2008-2008` is not a period code: a single calendar year is written `CY2008`"
        );
    }

    #[test]
    fn years_out_of_range() {
        let cases = [
            ("CY1899", 1899),
            ("CY2101", 2101),
            ("CY0000", 0),
            ("CY9999", 9999),
            ("FY1899-00", 1899),
            ("FY2100-01", 2101),
            ("FY2100-01-Q1", 2101),
            ("AY2100-01", 2101),
            ("CY1899-1901", 1899),
            ("CY2099-2101", 2101),
        ];
        for (code, year) in cases {
            let error = Period::parse(code).unwrap_err();
            assert_eq!(
                error,
                PeriodError::YearOutOfRange {
                    code: code.into(),
                    year
                },
                "{code}"
            );
        }
        assert_eq!(
            Period::parse("CY2101").unwrap_err().to_string(),
            "`CY2101` is not a period code: year 2101 is outside 1900 to 2100"
        );
        assert!(Period::financial_year(2100).is_err());
        assert!(Period::financial_year(1899).is_err());
        assert!(Period::financial_year(i32::MAX).is_err());
        assert!(Period::financial_year(i32::MIN + 1).is_err());
    }

    #[test]
    fn from_str_and_display_round_trip() {
        for code in [
            "FY2009-10",
            "FY2009-10-Q3",
            "AY2007-08",
            "CY2008",
            "CY2001-2003",
        ] {
            let period: Period = code.parse().unwrap();
            assert_eq!(period.to_string(), code);
        }
        assert!("FY2009-11".parse::<Period>().is_err());
    }

    #[test]
    fn fy_of() {
        assert_eq!(p("FY2009-10-Q1").fy_of(), Some(p("FY2009-10")));
        assert_eq!(p("FY2009-10-Q4").fy_of(), Some(p("FY2009-10")));
        assert_eq!(p("FY2009-10").fy_of(), Some(p("FY2009-10")));
        assert_eq!(p("AY2007-08").fy_of(), None);
        assert_eq!(p("CY2008").fy_of(), None);
        assert_eq!(p("CY2001-2003").fy_of(), None);
    }

    #[test]
    fn quarter_and_quarters_elapsed() {
        assert_eq!(p("FY2009-10").quarter(), None);
        assert_eq!(p("FY2009-10").quarters_elapsed(), Some(4));
        for code in ["AY2007-08", "CY2008", "CY2001-2003"] {
            assert_eq!(p(code).quarter(), None);
            assert_eq!(p(code).quarters_elapsed(), None);
        }
    }

    #[test]
    fn previous_year() {
        let cases = [
            ("FY2009-10", "FY2008-09"),
            ("FY2000-01", "FY1999-00"),
            ("FY2009-10-Q2", "FY2008-09-Q2"),
            ("FY2009-10-Q4", "FY2008-09-Q4"),
            ("AY2007-08", "AY2006-07"),
            ("CY2008", "CY2007"),
            ("CY2001-2003", "CY2000-2002"),
        ];
        for (code, previous) in cases {
            assert_eq!(p(code).previous_year(), Some(p(previous)), "{code}");
        }
        assert_eq!(p("CY1900").previous_year(), None);
        assert_eq!(p("FY1900-01").previous_year(), None);
    }

    #[test]
    fn contains_and_has_ended() {
        let q1 = p("FY2009-10-Q1");
        assert!(!q1.contains(d(2009, 3, 31)));
        assert!(q1.contains(d(2009, 4, 1)));
        assert!(q1.contains(d(2009, 6, 30)));
        assert!(!q1.contains(d(2009, 7, 1)));
        assert!(!q1.has_ended(d(2009, 6, 30)));
        assert!(q1.has_ended(d(2009, 7, 1)));
        let pooled = p("CY2001-2003");
        assert!(pooled.contains(d(2002, 6, 15)));
        assert!(!pooled.contains(d(2004, 1, 1)));
    }

    #[test]
    fn financial_year_containing() {
        assert_eq!(
            Period::financial_year_containing(d(2010, 3, 31)).unwrap(),
            p("FY2009-10")
        );
        assert_eq!(
            Period::financial_year_containing(d(2010, 4, 1)).unwrap(),
            p("FY2010-11")
        );
        assert!(Period::financial_year_containing(d(2100, 4, 1)).is_err());
    }

    #[test]
    fn quarters_to_date() {
        let codes = |period: &Period| -> Vec<String> {
            period
                .quarters_to_date()
                .into_iter()
                .map(|q| q.code)
                .collect()
        };
        assert_eq!(codes(&p("FY2009-10-Q1")), ["FY2009-10-Q1"]);
        assert_eq!(
            codes(&p("FY2009-10-Q3")),
            ["FY2009-10-Q1", "FY2009-10-Q2", "FY2009-10-Q3"]
        );
        assert_eq!(
            codes(&p("FY2009-10")),
            [
                "FY2009-10-Q1",
                "FY2009-10-Q2",
                "FY2009-10-Q3",
                "FY2009-10-Q4"
            ]
        );
        assert!(codes(&p("AY2007-08")).is_empty());
        assert!(codes(&p("CY2008")).is_empty());
        assert!(codes(&p("CY2001-2003")).is_empty());
    }

    #[test]
    fn ordering_by_start_then_end() {
        let mut periods = [
            p("FY2009-10-Q2"),
            p("CY2009"),
            p("FY2009-10"),
            p("FY2009-10-Q1"),
            p("CY2008"),
            p("CY2001-2003"),
            p("CY2001"),
            p("AY2008-09"),
        ];
        periods.sort();
        let codes: Vec<&str> = periods.iter().map(|p| p.code.as_str()).collect();
        assert_eq!(
            codes,
            [
                "CY2001",
                "CY2001-2003",
                "CY2008",
                "AY2008-09",
                "CY2009",
                "FY2009-10-Q1",
                "FY2009-10",
                "FY2009-10-Q2",
            ]
        );
    }

    #[test]
    fn serialises_with_type_field() {
        let json = serde_json::to_value(p("FY2009-10-Q1")).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "code": "FY2009-10-Q1",
                "type": "financial_quarter",
                "label": "2009/10 Q1",
                "starts_on": "2009-04-01",
                "ends_on": "2009-06-30"
            })
        );
        for (kind, text) in [
            (PeriodType::FinancialYear, "financial_year"),
            (PeriodType::FinancialQuarter, "financial_quarter"),
            (PeriodType::AcademicYear, "academic_year"),
            (PeriodType::CalendarYear, "calendar_year"),
            (PeriodType::CalendarYears, "calendar_years"),
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), text);
        }
    }

    #[test]
    fn deserialises_only_a_consistent_object() {
        let good = serde_json::json!({
            "code": "CY2001-2003",
            "type": "calendar_years",
            "label": "2001-03",
            "starts_on": "2001-01-01",
            "ends_on": "2003-12-31"
        });
        let period: Period = serde_json::from_value(good.clone()).unwrap();
        assert_eq!(period, p("CY2001-2003"));

        let mut wrong_dates = good.clone();
        wrong_dates["ends_on"] = "2004-12-31".into();
        let error = serde_json::from_value::<Period>(wrong_dates).unwrap_err();
        assert!(
            error.to_string().contains("does not match its code"),
            "{error}"
        );

        let mut bad_code = good.clone();
        bad_code["code"] = "CY2003-2001".into();
        let error = serde_json::from_value::<Period>(bad_code).unwrap_err();
        assert!(
            error.to_string().contains("ends before it starts"),
            "{error}"
        );

        let mut extra = good;
        extra["extra"] = true.into();
        assert!(serde_json::from_value::<Period>(extra).is_err());
    }

    #[test]
    fn schema_names_the_type_field() {
        use utoipa::PartialSchema;
        let schema = serde_json::to_value(Period::schema()).unwrap();
        let properties = schema["properties"].as_object().unwrap();
        let mut names: Vec<&str> = properties.keys().map(String::as_str).collect();
        names.sort_unstable();
        assert_eq!(names, ["code", "ends_on", "label", "starts_on", "type"]);
        assert_eq!(schema["required"].as_array().unwrap().len(), 5);
        assert_eq!(properties["starts_on"]["format"], "date");
    }

    // Every distinct `period` in shared/domain/outcome_measures.json
    // (`jq -r '.[].series[].points[].period' | sort -u`, 38 labels), copied
    // here so the test does not read outside the crate.
    const SOURCE_PERIODS: [(&str, Option<&str>); 38] = [
        ("12 months from April 2005", Some("FY2005-06")),
        ("2000", Some("CY2000")),
        ("2001", Some("CY2001")),
        ("2001-03", Some("CY2001-2003")),
        ("2002-04", Some("CY2002-2004")),
        ("2003-04", Some("FY2003-04")),
        ("2003-05", Some("CY2003-2005")),
        ("2003/4", Some("FY2003-04")),
        ("2004", Some("CY2004")),
        ("2004-06", Some("CY2004-2006")),
        ("2004/05", Some("FY2004-05")),
        ("2005", Some("CY2005")),
        ("2005-06", Some("FY2005-06")),
        ("2005-07", Some("CY2005-2007")),
        ("2006", Some("CY2006")),
        ("2006-07", Some("FY2006-07")),
        ("2006/07", Some("FY2006-07")),
        ("2006/7", Some("FY2006-07")),
        ("2007", Some("CY2007")),
        ("2007-08", Some("FY2007-08")),
        ("2007/08", Some("FY2007-08")),
        ("2007/8", Some("FY2007-08")),
        ("2008", Some("CY2008")),
        ("2008/09", Some("FY2008-09")),
        ("2009", Some("CY2009")),
        ("2009 (predicted)", Some("CY2009")),
        ("at inspection (2008)", Some("CY2008")),
        ("mid-2005", Some("CY2005")),
        ("mid-2006", Some("CY2006")),
        // These name no period (or, for "first six months of 2007-08", half
        // a financial year, which no period type covers). They map to
        // nothing rather than to a guess.
        ("at inspection (JAR Annex B)", None),
        ("at inspection (JAR para 69)", None),
        ("earlier", None),
        ("first six months of 2007-08", None),
        ("latest", None),
        ("not stated", None),
        ("since 2006", None),
        ("start of 3-year period", None),
        ("two years earlier", None),
    ];

    #[test]
    fn every_outcome_measure_label() {
        for (label, expected) in SOURCE_PERIODS {
            let code = from_source_label(label);
            assert_eq!(code.as_deref(), expected, "{label:?}");
            if let Some(code) = code {
                let period = Period::parse(&code).unwrap();
                assert_eq!(period.code, code);
            }
        }
    }

    #[test]
    fn other_source_labels() {
        let cases = [
            ("2009/10", Some("FY2009-10")),
            ("2010/11", Some("FY2010-11")),
            ("2011/12", Some("FY2011-12")),
            ("09/10", Some("FY2009-10")),
            ("10/11", Some("FY2010-11")),
            ("09-10", Some("FY2009-10")),
            ("2009-10", Some("FY2009-10")),
            ("2007\u{2013}08", Some("FY2007-08")),
            ("2009/2010", None),
            ("1999/00", Some("FY1999-00")),
            ("1999/0", Some("FY1999-00")),
            ("2006-2011", Some("CY2006-2011")),
            ("2011-2006", None),
            ("2001/03", None),
            ("09/11", None),
            ("  2008 ", Some("CY2008")),
            ("FY2009-10-Q2", Some("FY2009-10-Q2")),
            ("AY2007-08", Some("AY2007-08")),
            ("2009-04-01/2011-03-31", None),
            ("agreed December 2008 for the coming year", None),
            ("mid-05", None),
            ("12 months from April", None),
            ("at inspection ()", None),
            ("2101", None),
            ("", None),
            ("-", None),
            ("/", None),
            ("20xx/10", None),
        ];
        for (label, expected) in cases {
            assert_eq!(from_source_label(label).as_deref(), expected, "{label:?}");
        }
    }

    #[test]
    fn indicator_target_keys() {
        // The `targets` keys of shared/domain/indicators.json.
        for (label, code) in [
            ("2009/10", "FY2009-10"),
            ("2010/11", "FY2010-11"),
            ("2011/12", "FY2011-12"),
        ] {
            assert_eq!(from_source_label(label).as_deref(), Some(code));
        }
    }
}
