//! Deliverables: key milestones and improvement actions share one status
//! vocabulary, one overdue rule and one roll-up (API.md, "Deliverables").

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::vocab;

vocab! {
    /// Where a deliverable stands.
    DeliverableStatus {
        NotStarted = "not_started",
        OnTrack = "on_track",
        AtRisk = "at_risk",
        OffTrack = "off_track",
        Complete = "complete",
        Deferred = "deferred",
        Cancelled = "cancelled",
    }
}

impl DeliverableStatus {
    /// Statuses that end the question of lateness.
    pub const CLOSED: [DeliverableStatus; 3] = [
        DeliverableStatus::Complete,
        DeliverableStatus::Deferred,
        DeliverableStatus::Cancelled,
    ];

    pub fn is_closed(self) -> bool {
        Self::CLOSED.contains(&self)
    }
}

/// The closed statuses as an SQL list, `'complete', 'deferred', 'cancelled'`:
/// what the overdue rule says in SQL, written from [`DeliverableStatus::CLOSED`]
/// so the two cannot disagree.
pub fn closed_sql_list() -> String {
    DeliverableStatus::CLOSED
        .iter()
        .map(|s| format!("'{}'", s.as_str()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether a deliverable is overdue on `as_of`: due before that day and not
/// complete, deferred or cancelled. One with no due date never is.
pub fn is_overdue(due_on: Option<NaiveDate>, status: DeliverableStatus, as_of: NaiveDate) -> bool {
    matches!(due_on, Some(d) if d < as_of) && !status.is_closed()
}

/// "Today": the date in Europe/London, where the partnership works.
pub fn today() -> NaiveDate {
    chrono::Utc::now()
        .with_timezone(&chrono_tz::Europe::London)
        .date_naive()
}

vocab! {
    /// The overall state of a set of deliverables.
    RollupStatus {
        /// Something is off track or overdue.
        Red = "red",
        /// Nothing red, something at risk.
        Amber = "amber",
        /// Deliverables exist and none is red or amber.
        Green = "green",
        /// No deliverables.
        None = "none",
    }
}

/// Counts of deliverables by status, with the overdue count and the overall status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Rollup {
    pub total: i64,
    pub not_started: i64,
    pub on_track: i64,
    pub at_risk: i64,
    pub off_track: i64,
    pub complete: i64,
    pub deferred: i64,
    pub cancelled: i64,
    /// Overdue as of the day asked about (default today).
    pub overdue: i64,
    /// `red` if any is off track or overdue, else `amber` if any is at risk,
    /// else `green` when any exist, else `none`.
    pub status: RollupStatus,
}

impl Default for Rollup {
    fn default() -> Self {
        Rollup {
            total: 0,
            not_started: 0,
            on_track: 0,
            at_risk: 0,
            off_track: 0,
            complete: 0,
            deferred: 0,
            cancelled: 0,
            overdue: 0,
            status: RollupStatus::None,
        }
    }
}

impl Rollup {
    /// Adds `count` deliverables of `status`, `overdue` of which are overdue.
    pub fn add(&mut self, status: DeliverableStatus, count: i64, overdue: i64) {
        self.total += count;
        self.overdue += overdue;
        let slot = match status {
            DeliverableStatus::NotStarted => &mut self.not_started,
            DeliverableStatus::OnTrack => &mut self.on_track,
            DeliverableStatus::AtRisk => &mut self.at_risk,
            DeliverableStatus::OffTrack => &mut self.off_track,
            DeliverableStatus::Complete => &mut self.complete,
            DeliverableStatus::Deferred => &mut self.deferred,
            DeliverableStatus::Cancelled => &mut self.cancelled,
        };
        *slot += count;
        self.status = self.overall();
    }

    /// The overall status of what has been added.
    pub fn overall(&self) -> RollupStatus {
        if self.off_track > 0 || self.overdue > 0 {
            RollupStatus::Red
        } else if self.at_risk > 0 {
            RollupStatus::Amber
        } else if self.total > 0 {
            RollupStatus::Green
        } else {
            RollupStatus::None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn due_yesterday_and_open_is_overdue() {
        assert!(is_overdue(
            Some(d("2009-09-29")),
            DeliverableStatus::OnTrack,
            d("2009-09-30")
        ));
        assert!(is_overdue(
            Some(d("2009-09-29")),
            DeliverableStatus::NotStarted,
            d("2009-09-30")
        ));
    }

    #[test]
    fn due_today_is_not_yet_overdue() {
        assert!(!is_overdue(
            Some(d("2009-09-30")),
            DeliverableStatus::OnTrack,
            d("2009-09-30")
        ));
    }

    #[test]
    fn closed_deliverables_are_never_overdue() {
        for s in DeliverableStatus::CLOSED {
            assert!(!is_overdue(Some(d("2000-01-01")), s, d("2009-09-30")));
        }
    }

    #[test]
    fn no_date_is_never_overdue() {
        assert!(!is_overdue(
            None,
            DeliverableStatus::OffTrack,
            d("2100-01-01")
        ));
    }

    #[test]
    fn rollup_rules() {
        assert_eq!(Rollup::default().status, RollupStatus::None);
        let mut r = Rollup::default();
        r.add(DeliverableStatus::Complete, 2, 0);
        assert_eq!(r.status, RollupStatus::Green);
        r.add(DeliverableStatus::AtRisk, 1, 0);
        assert_eq!(r.status, RollupStatus::Amber);
        r.add(DeliverableStatus::NotStarted, 1, 1);
        assert_eq!(r.status, RollupStatus::Red);
        assert_eq!((r.total, r.overdue, r.complete), (4, 1, 2));
        let mut r = Rollup::default();
        r.add(DeliverableStatus::OffTrack, 1, 0);
        assert_eq!(r.status, RollupStatus::Red);
    }
}
