//! Risk bands derived from a risk score.
//!
//! A risk score is severity x likelihood, each on a 1–4 scale, so it is an
//! integer from 1 to 16. The band is never stored: it is always derived from
//! the score.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The band of a risk score: 1–4 `low`, 5–10 `medium`, 11–16 `high`.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum RiskBand {
    /// Score 1 to 4.
    Low,
    /// Score 5 to 10.
    Medium,
    /// Score 11 to 16.
    High,
}

/// Lowest valid risk score (1 x 1).
pub const MIN_SCORE: i32 = 1;
/// Highest valid risk score (4 x 4).
pub const MAX_SCORE: i32 = 16;

/// The band of a risk score: 1–4 `Low`, 5–10 `Medium`, 11–16 `High`;
/// `None` for a score outside 1–16, which is not a valid score.
pub fn band(score: i32) -> Option<RiskBand> {
    RiskBand::ALL.into_iter().find(|b| {
        let (lo, hi) = b.scores();
        (lo..=hi).contains(&score)
    })
}

impl RiskBand {
    /// Every band, lowest first.
    pub const ALL: [RiskBand; 3] = [RiskBand::Low, RiskBand::Medium, RiskBand::High];

    /// The lowest and highest score of the band: what a filter on a band
    /// asks of a stored score.
    pub fn scores(self) -> (i32, i32) {
        match self {
            RiskBand::Low => (1, 4),
            RiskBand::Medium => (5, 10),
            RiskBand::High => (11, 16),
        }
    }

    /// The band a wire word names (`low`, `medium`, `high`).
    pub fn from_word(word: &str) -> Option<RiskBand> {
        match word {
            "low" => Some(RiskBand::Low),
            "medium" => Some(RiskBand::Medium),
            "high" => Some(RiskBand::High),
            _ => None,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_band_filter_asks_for_exactly_its_scores_and_its_wire_word() {
        for b in RiskBand::ALL {
            let (lo, hi) = b.scores();
            assert!((lo..=hi).all(|s| band(s) == Some(b)));
            assert_ne!(band(lo - 1), Some(b));
            assert_ne!(band(hi + 1), Some(b));
            let word = serde_json::to_value(b).unwrap();
            assert_eq!(RiskBand::from_word(word.as_str().unwrap()), Some(b));
        }
    }

    #[test]
    fn every_boundary() {
        assert_eq!(band(i32::MIN), None);
        assert_eq!(band(-1), None);
        assert_eq!(band(0), None);
        assert_eq!(band(1), Some(RiskBand::Low));
        assert_eq!(band(4), Some(RiskBand::Low));
        assert_eq!(band(5), Some(RiskBand::Medium));
        assert_eq!(band(10), Some(RiskBand::Medium));
        assert_eq!(band(11), Some(RiskBand::High));
        assert_eq!(band(16), Some(RiskBand::High));
        assert_eq!(band(17), None);
        assert_eq!(band(i32::MAX), None);
    }

    #[test]
    fn every_valid_score_has_a_band() {
        for score in MIN_SCORE..=MAX_SCORE {
            assert!(band(score).is_some(), "score {score}");
        }
    }

    #[test]
    fn every_product_of_the_scales_has_a_band() {
        for severity in 1..=4 {
            for likelihood in 1..=4 {
                assert!(band(severity * likelihood).is_some());
            }
        }
    }

    #[test]
    fn objective_scores_from_the_model() {
        // MODEL.md §3.3: SS1 8 -> 4, SS2 16 -> 8, SS3 12 -> 4.
        assert_eq!(band(8), Some(RiskBand::Medium));
        assert_eq!(band(16), Some(RiskBand::High));
        assert_eq!(band(12), Some(RiskBand::High));
    }

    #[test]
    fn serialises_snake_case() {
        assert_eq!(serde_json::to_string(&RiskBand::Low).unwrap(), "\"low\"");
        assert_eq!(
            serde_json::to_string(&RiskBand::Medium).unwrap(),
            "\"medium\""
        );
        assert_eq!(serde_json::to_string(&RiskBand::High).unwrap(), "\"high\"");
        let back: RiskBand = serde_json::from_str("\"high\"").unwrap();
        assert_eq!(back, RiskBand::High);
    }
}
