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

/// What the status rule reads of a progress update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpdateFacts {
    /// The first day of the period it reports on.
    pub period_starts_on: NaiveDate,
    /// When it was entered (breaks ties between updates of one period).
    pub entered: chrono::DateTime<chrono::Utc>,
    pub status: DeliverableStatus,
    pub completed_on: Option<NaiveDate>,
}

/// Which of a deliverable's standing updates governs its status on `as_of`
/// (None: now): the one for the latest period that had started by then,
/// the latest entered breaking ties, skipping one that says complete on a
/// later day. Its index in `updates`, or None.
pub fn governing(updates: &[UpdateFacts], as_of: Option<NaiveDate>) -> Option<usize> {
    updates
        .iter()
        .enumerate()
        .filter(|(_, u)| {
            as_of.is_none_or(|day| {
                u.period_starts_on <= day
                    && (u.status != DeliverableStatus::Complete
                        || u.completed_on.is_some_and(|c| c <= day))
            })
        })
        .max_by_key(|(_, u)| (u.period_starts_on, u.entered))
        .map(|(i, _)| i)
}

/// A deliverable's status and completion date on `as_of`, from its own
/// stored status and its standing updates (those given may be only the ones
/// whose periods had started; `has_updates` says whether it has any at
/// all): the governing update's (see [`governing`]); with none,
/// `not_started` when it has updates, else its own, unless that says
/// complete on a later day.
pub fn status_as_of(
    own: (DeliverableStatus, Option<NaiveDate>),
    updates: &[UpdateFacts],
    has_updates: bool,
    as_of: NaiveDate,
) -> (DeliverableStatus, Option<NaiveDate>, Option<usize>) {
    if let Some(i) = governing(updates, Some(as_of)) {
        return (updates[i].status, updates[i].completed_on, Some(i));
    }
    let completed_later = own.0 == DeliverableStatus::Complete && own.1.is_none_or(|c| c > as_of);
    if has_updates || !updates.is_empty() || completed_later {
        (DeliverableStatus::NotStarted, None, None)
    } else {
        (own.0, own.1, None)
    }
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod point_in_time_tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn update(period_start: &str, entered: &str, status: DeliverableStatus) -> UpdateFacts {
        UpdateFacts {
            period_starts_on: d(period_start),
            entered: chrono::DateTime::parse_from_rfc3339(entered)
                .unwrap()
                .into(),
            status,
            completed_on: None,
        }
    }

    #[test]
    fn the_latest_period_governs_whatever_order_updates_were_entered_in() {
        use DeliverableStatus::*;
        // Q2 entered first, Q1 entered late: Q2 still governs.
        let updates = [
            update("2009-07-01", "2009-10-05T09:00:00Z", AtRisk),
            update("2009-04-01", "2009-10-09T09:00:00Z", OnTrack),
        ];
        assert_eq!(governing(&updates, None), Some(0));
        // Two updates for one period: the later entry governs.
        let updates = [
            update("2009-07-01", "2009-10-05T09:00:00Z", AtRisk),
            update("2009-07-01", "2009-10-06T09:00:00Z", OffTrack),
        ];
        assert_eq!(governing(&updates, None), Some(1));
    }

    #[test]
    fn as_of_a_day_only_updates_whose_period_had_started_count() {
        use DeliverableStatus::*;
        let updates = [
            update("2009-04-01", "2009-07-02T09:00:00Z", OnTrack),
            update("2009-07-01", "2009-10-02T09:00:00Z", AtRisk),
        ];
        assert_eq!(governing(&updates, Some(d("2009-06-30"))), Some(0));
        assert_eq!(governing(&updates, Some(d("2009-07-01"))), Some(1));
        assert_eq!(
            status_as_of((AtRisk, None), &updates, true, d("2009-05-01")).0,
            OnTrack
        );
        // Before any update's period: not started.
        assert_eq!(
            status_as_of((AtRisk, None), &updates, true, d("2009-03-31")),
            (NotStarted, None, None)
        );
    }

    #[test]
    fn complete_only_from_the_day_it_was_completed() {
        use DeliverableStatus::*;
        let mut done = update("2009-07-01", "2009-09-20T09:00:00Z", Complete);
        done.completed_on = Some(d("2009-09-14"));
        let updates = [update("2009-04-01", "2009-06-20T09:00:00Z", OnTrack), done];
        assert_eq!(
            status_as_of(
                (Complete, done.completed_on),
                &updates,
                true,
                d("2009-09-13")
            )
            .0,
            OnTrack
        );
        assert_eq!(
            status_as_of(
                (Complete, done.completed_on),
                &updates,
                true,
                d("2009-09-14")
            ),
            (Complete, Some(d("2009-09-14")), Some(1))
        );
        // With no updates, a stored completion counts from its day.
        assert_eq!(
            status_as_of(
                (Complete, Some(d("2009-09-14"))),
                &[],
                false,
                d("2009-04-02")
            )
            .0,
            NotStarted
        );
        assert_eq!(
            status_as_of(
                (Complete, Some(d("2009-09-14"))),
                &[],
                false,
                d("2009-10-01")
            )
            .0,
            Complete
        );
    }
}
