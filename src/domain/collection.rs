//! When an indicator is collected: its frequency and the kind of year its
//! annual figures cover decide which periods it is due in. A period it is
//! not collected in is `not_due`, never `missing`.

use crate::domain::period::{Period, PeriodType};

crate::vocab! {
    /// How often an indicator's figure is collected.
    Frequency {
        /// Every month; reported by financial quarter and year.
        Monthly = "monthly",
        /// Every financial quarter; a financial year adds up its quarters.
        Quarterly = "quarterly",
        /// Once a year, for the kind of year `year_basis` names.
        Annual = "annual",
        /// A single snapshot for the kind of year `year_basis` names; judged
        /// like an annual figure.
        OneOff = "one_off",
    }
}

crate::vocab! {
    /// Which kind of year an annual figure covers.
    YearBasis {
        /// April to March (`FY2009-10`).
        Financial = "financial",
        /// September to August (`AY2008-09`).
        Academic = "academic",
        /// January to December (`CY2009`).
        Calendar = "calendar",
        /// Several calendar years pooled into one figure (`CY2001-2003`).
        PooledCalendarYears = "pooled_calendar_years",
    }
}

/// An indicator's collection: its frequency and year basis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Collection {
    pub frequency: Frequency,
    pub year_basis: YearBasis,
}

impl Collection {
    /// The kind of period a figure is collected for: the financial quarter
    /// for monthly and quarterly indicators, else the year basis's year.
    pub fn period_type(&self) -> PeriodType {
        match (self.frequency, self.year_basis) {
            (Frequency::Monthly | Frequency::Quarterly, _) => PeriodType::FinancialQuarter,
            (_, YearBasis::Financial) => PeriodType::FinancialYear,
            (_, YearBasis::Academic) => PeriodType::AcademicYear,
            (_, YearBasis::Calendar) => PeriodType::CalendarYear,
            (_, YearBasis::PooledCalendarYears) => PeriodType::CalendarYears,
        }
    }

    /// Whether a figure is due for `period`: a period of the kind collected,
    /// or a financial year of a quarterly (or monthly) indicator, which adds
    /// up or closes its quarters.
    pub fn is_due(&self, period: &Period) -> bool {
        let kind = self.period_type();
        period.r#type == kind
            || (kind == PeriodType::FinancialQuarter && period.r#type == PeriodType::FinancialYear)
    }

    /// For a period it is not due in, the period it is next due: the first
    /// period of the kind collected that ends on or after `period` does.
    /// `None` for pooled years, whose spans are not fixed.
    pub fn next_due(&self, period: &Period) -> Option<Period> {
        Period::of_kind_containing(self.period_type(), period.ends_on)
    }

    /// The latest period of the kind collected that had ended by the end of
    /// `period`: what a view of `period` shows for an indicator not due in
    /// it (an annual figure in a quarter's view). `None` for pooled years.
    pub fn latest_completed(&self, period: &Period) -> Option<Period> {
        let containing = self.next_due(period)?;
        if containing.ends_on <= period.ends_on {
            Some(containing)
        } else {
            containing.previous()
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn p(code: &str) -> Period {
        Period::parse(code).unwrap()
    }

    const QUARTERLY: Collection = Collection {
        frequency: Frequency::Quarterly,
        year_basis: YearBasis::Financial,
    };
    const ANNUAL_FY: Collection = Collection {
        frequency: Frequency::Annual,
        year_basis: YearBasis::Financial,
    };
    const ANNUAL_AY: Collection = Collection {
        frequency: Frequency::Annual,
        year_basis: YearBasis::Academic,
    };
    const ANNUAL_CY: Collection = Collection {
        frequency: Frequency::Annual,
        year_basis: YearBasis::Calendar,
    };

    #[test]
    fn a_quarterly_indicator_is_due_every_quarter_and_year() {
        assert!(QUARTERLY.is_due(&p("FY2009-10-Q1")));
        assert!(QUARTERLY.is_due(&p("FY2009-10")));
        assert!(!QUARTERLY.is_due(&p("AY2008-09")));
        assert!(!QUARTERLY.is_due(&p("CY2009")));
    }

    #[test]
    fn an_annual_indicator_is_due_only_for_its_kind_of_year() {
        assert!(!ANNUAL_FY.is_due(&p("FY2009-10-Q1")));
        assert!(ANNUAL_FY.is_due(&p("FY2009-10")));
        assert!(ANNUAL_AY.is_due(&p("AY2008-09")));
        assert!(!ANNUAL_AY.is_due(&p("FY2009-10")));
        assert!(ANNUAL_CY.is_due(&p("CY2009")));
    }

    #[test]
    fn the_next_due_period_is_the_first_to_end_on_or_after_the_one_asked() {
        // A financial-year figure asked for in Q1 is next due for the year.
        assert_eq!(
            ANNUAL_FY.next_due(&p("FY2009-10-Q1")).unwrap().code,
            "FY2009-10"
        );
        // Q1 2009/10 ends 30 June 2009, inside the academic year 2008/09.
        assert_eq!(
            ANNUAL_AY.next_due(&p("FY2009-10-Q1")).unwrap().code,
            "AY2008-09"
        );
        assert_eq!(
            ANNUAL_CY.next_due(&p("FY2009-10-Q4")).unwrap().code,
            "CY2010"
        );
        // A quarterly figure asked for in an academic year: the quarter
        // holding 31 August.
        assert_eq!(
            QUARTERLY.next_due(&p("AY2008-09")).unwrap().code,
            "FY2009-10-Q2"
        );
    }

    #[test]
    fn a_view_of_a_quarter_shows_the_latest_year_completed_by_its_end() {
        assert_eq!(
            ANNUAL_FY.latest_completed(&p("FY2009-10-Q1")).unwrap().code,
            "FY2008-09"
        );
        assert_eq!(
            ANNUAL_FY.latest_completed(&p("FY2009-10-Q4")).unwrap().code,
            "FY2009-10"
        );
        assert_eq!(
            ANNUAL_AY.latest_completed(&p("FY2009-10-Q1")).unwrap().code,
            "AY2007-08"
        );
        assert_eq!(
            ANNUAL_AY.latest_completed(&p("FY2009-10-Q2")).unwrap().code,
            "AY2008-09"
        );
        assert_eq!(
            ANNUAL_CY.latest_completed(&p("FY2009-10-Q3")).unwrap().code,
            "CY2009"
        );
        assert_eq!(
            ANNUAL_CY.latest_completed(&p("FY2009-10-Q2")).unwrap().code,
            "CY2008"
        );
    }
}
