//! Statistical significance for indicator values that carry a numerator and
//! a denominator, computed as public-health profiles (PHE Fingertips) compute
//! it: a 95 % confidence interval around the value, a comparison of that
//! interval with a benchmark (the England value, a regional value, a target),
//! and the chi-squared test for a linear trend over the last five periods.
//!
//! Why intervals at all: a rate built on small numbers moves a lot by chance,
//! so "75.0 is above England's 65.0" may mean nothing. The interval says how
//! far chance alone could move the value; only when the whole interval lies
//! on one side of the benchmark is the difference called significant.
//!
//! Pure functions, no I/O: the caller passes the figures in and gets back an
//! [`Interval`], a [`Comparison`] or a [`TrendResult`], each with a sentence
//! a person can check where one is given.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The 97.5th percentile of the standard normal distribution: the z of a
/// two-sided 95 % interval.
const Z_95: f64 = 1.959963984540054;

/// The confidence level of every interval this module computes, in percent.
const LEVEL_95: f64 = 95.0;

/// A trend is significant when its p-value is below this.
const SIGNIFICANCE: f64 = 0.05;

/// How many periods the test for trend uses: the most recent five, as
/// Fingertips' "recent trend" does.
const TREND_PERIODS: usize = 5;

/// Most decimals a sentence prints, even when more are asked for.
const MAX_DECIMALS: u8 = 6;

/// Most decimals a sentence may grow to so that two different numbers never
/// print the same (see [`explain_comparison`]).
const MAX_DISTINGUISHING_DECIMALS: u8 = 10;

/// How a confidence interval was computed.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// The Wilson score interval, for a proportion (a percentage, a rate per
    /// hundred): numerator out of denominator, where the numerator cannot
    /// exceed the denominator. Unlike the textbook "p ± 1.96 standard
    /// errors", it stays within 0 to 100 % and behaves at 0 % and 100 %.
    Wilson,
    /// Byar's approximation to the exact Poisson interval, for a count of
    /// events turned into a rate (per 1,000, per 100,000), where the count
    /// is not a share of the denominator and may in principle exceed it.
    Byar,
}

impl Method {
    /// The name printed in sentences.
    fn name(self) -> &'static str {
        match self {
            Method::Wilson => "Wilson score",
            Method::Byar => "Byar's method",
        }
    }
}

/// A confidence interval around an indicator value: the range of values
/// that chance alone could plausibly have produced.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy, Debug, PartialEq)]
#[schema(example = json!({
    "value": 80.0,
    "lower": 66.96,
    "upper": 88.76,
    "method": "wilson",
    "level": 95.0,
    "multiplier": 100.0
}))]
pub struct Interval {
    /// The value itself: numerator / denominator x `multiplier`. Always
    /// between `lower` and `upper`.
    pub value: f64,
    /// The lower confidence limit, in the same unit as `value`. Never below
    /// 0.
    pub lower: f64,
    /// The upper confidence limit, in the same unit as `value`. For a
    /// `wilson` interval never above `multiplier`.
    pub upper: f64,
    /// How the limits were computed.
    pub method: Method,
    /// The confidence level in percent (95: the limits would contain the
    /// true value in 95 of 100 repeats).
    pub level: f64,
    /// What the proportion or rate was multiplied by: 100 for a percentage,
    /// 1000 for a rate per 1,000, and so on.
    pub multiplier: f64,
}

impl Interval {
    /// Whether `x` lies within the interval, limits included.
    pub fn contains(&self, x: f64) -> bool {
        (self.lower.min(self.upper)..=self.lower.max(self.upper)).contains(&x)
    }
}

/// The Wilson score 95 % interval for the proportion `numerator` /
/// `denominator`, scaled by `multiplier` (100 for a percentage).
///
/// `None` when the denominator is not above 0, the numerator is below 0 or
/// above the denominator, the multiplier is not above 0, or any input is not
/// a finite number. The limits are clamped to 0 and `multiplier`.
pub fn wilson(numerator: f64, denominator: f64, multiplier: f64) -> Option<Interval> {
    let all_finite = [numerator, denominator, multiplier]
        .iter()
        .all(|v| v.is_finite());
    if !all_finite
        || denominator <= 0.0
        || numerator < 0.0
        || numerator > denominator
        || multiplier <= 0.0
    {
        return None;
    }
    let n = denominator;
    let p = numerator / n;
    let z2 = Z_95 * Z_95;
    let centre = p + z2 / (2.0 * n);
    let half_width = Z_95 * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    let scale = 1.0 + z2 / n;
    let clamp = |v: f64| (v / scale * multiplier).clamp(0.0, multiplier);
    Some(Interval {
        value: p * multiplier,
        lower: clamp(centre - half_width),
        upper: clamp(centre + half_width),
        method: Method::Wilson,
        level: LEVEL_95,
        multiplier,
    })
}

/// Byar's approximation to the exact Poisson 95 % interval for a `count` of
/// events, as a rate: count / `denominator` x `multiplier` (1000 for a rate
/// per 1,000).
///
/// For a count O the limits on the count are
/// O (1 - 1/(9O) - z/(3 sqrt O))^3 (0 when O is 0) and
/// (O+1) (1 - 1/(9(O+1)) + z/(3 sqrt(O+1)))^3, each then divided by the
/// denominator and multiplied by the multiplier. The lower limit is never
/// below 0.
///
/// `None` when the denominator is not above 0, the count is below 0, the
/// multiplier is not above 0, or any input is not a finite number.
pub fn byar(count: f64, denominator: f64, multiplier: f64) -> Option<Interval> {
    let all_finite = [count, denominator, multiplier]
        .iter()
        .all(|v| v.is_finite());
    if !all_finite || denominator <= 0.0 || count < 0.0 || multiplier <= 0.0 {
        return None;
    }
    let o = count;
    let lower_count = if o == 0.0 {
        0.0
    } else {
        o * (1.0 - 1.0 / (9.0 * o) - Z_95 / (3.0 * o.sqrt())).powi(3)
    };
    let o1 = o + 1.0;
    let upper_count = o1 * (1.0 - 1.0 / (9.0 * o1) + Z_95 / (3.0 * o1.sqrt())).powi(3);
    let rate = |c: f64| c / denominator * multiplier;
    Some(Interval {
        value: rate(o),
        lower: rate(lower_count).max(0.0),
        upper: rate(upper_count),
        method: Method::Byar,
        level: LEVEL_95,
        multiplier,
    })
}

/// How a value compares with a benchmark, judged by its confidence interval.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    /// The whole interval lies on the better side of the benchmark: the
    /// difference is significant and in the indicator's favour.
    Better,
    /// The interval contains the benchmark (limits included): the difference
    /// could be chance.
    Similar,
    /// The whole interval lies on the worse side of the benchmark.
    Worse,
    /// No judgement: there is no benchmark, or the indicator has no better
    /// direction (it is tracked without a judgement, or aims to hold a
    /// level).
    NotCompared,
}

/// Compares an interval with a benchmark such as the England value.
///
/// `similar` when the interval contains the benchmark, limits included;
/// otherwise `better` or `worse` according to which side of the benchmark the
/// interval lies and `higher_is_better`. `not_compared` when there is no
/// benchmark (or it is not a finite number), when `higher_is_better` is
/// `None`, or when a limit of the interval is not a finite number.
///
/// The comparison uses the unrounded figures.
pub fn compare(
    interval: &Interval,
    benchmark: Option<f64>,
    higher_is_better: Option<bool>,
) -> Comparison {
    let (Some(benchmark), Some(higher_is_better)) = (benchmark, higher_is_better) else {
        return Comparison::NotCompared;
    };
    match side(interval, benchmark) {
        Some(Side::Contains) => Comparison::Similar,
        Some(Side::Above) if higher_is_better => Comparison::Better,
        Some(Side::Below) if !higher_is_better => Comparison::Better,
        Some(_) => Comparison::Worse,
        None => Comparison::NotCompared,
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Side {
    Above,
    Contains,
    Below,
}

// Where the interval lies relative to the benchmark; None when a figure is
// not a finite number.
fn side(interval: &Interval, benchmark: f64) -> Option<Side> {
    if !(benchmark.is_finite() && interval.lower.is_finite() && interval.upper.is_finite()) {
        return None;
    }
    Some(if interval.contains(benchmark) {
        Side::Contains
    } else if interval.lower.min(interval.upper) > benchmark {
        Side::Above
    } else {
        Side::Below
    })
}

/// One sentence explaining [`compare`]'s verdict, e.g. "95 % confidence
/// interval 71.2 to 78.9 (Wilson score) lies above the England value 65.0;
/// higher is better, so better".
///
/// `benchmark_label` names the benchmark without an article ("England
/// value", "North West value", "target"). Numbers are rounded half away from
/// zero to `decimals` (at most 6). When the benchmark lies outside the
/// interval but the nearer limit and the benchmark would print the same at
/// that precision, more decimals are printed (up to 10) so that the sentence
/// never reads "lies above 65.0 ... 65.0".
pub fn explain_comparison(
    interval: &Interval,
    benchmark: Option<f64>,
    higher_is_better: Option<bool>,
    benchmark_label: &str,
    decimals: u8,
) -> String {
    let verdict = compare(interval, benchmark, higher_is_better);
    let decimals = decimals.min(MAX_DECIMALS);
    let (lower, upper) = (
        interval.lower.min(interval.upper),
        interval.lower.max(interval.upper),
    );
    let named = |d: u8| {
        format!(
            "{} % confidence interval {} to {} ({})",
            interval.level,
            fixed(lower, d),
            fixed(upper, d),
            interval.method.name()
        )
    };
    let Some(benchmark) = benchmark.filter(|b| b.is_finite()) else {
        return format!(
            "{}; there is no {benchmark_label} to compare with, so not compared",
            named(decimals)
        );
    };
    let Some(side) = side(interval, benchmark) else {
        return format!(
            "The confidence interval is not a range of finite numbers, so it is not compared \
             with the {benchmark_label} {}",
            fixed(benchmark, decimals)
        );
    };
    let (relation, nearer) = match side {
        Side::Above => ("lies above", Some(lower)),
        Side::Below => ("lies below", Some(upper)),
        Side::Contains => ("contains", None),
    };
    let d = nearer.map_or(decimals, |limit| distinguishing(limit, benchmark, decimals));
    let stated = format!(
        "{} {relation} the {benchmark_label} {}",
        named(d),
        fixed(benchmark, d)
    );
    match (verdict, higher_is_better) {
        (Comparison::Similar, _) => format!("{stated}, so similar"),
        (_, None) => format!("{stated}; neither higher nor lower is better, so not compared"),
        (Comparison::Better, Some(higher)) => format!("{stated}; {}, so better", polarity(higher)),
        (_, Some(higher)) => format!("{stated}; {}, so worse", polarity(higher)),
    }
}

fn polarity(higher_is_better: bool) -> &'static str {
    if higher_is_better {
        "higher is better"
    } else {
        "lower is better"
    }
}

// The fewest decimals, from `decimals` up, at which `a` and `b` print
// differently.
fn distinguishing(a: f64, b: f64, decimals: u8) -> u8 {
    (decimals..=MAX_DISTINGUISHING_DECIMALS)
        .find(|&d| round_to(a, d) != round_to(b, d))
        .unwrap_or(MAX_DISTINGUISHING_DECIMALS)
}

/// The direction of a proportion over the last five periods, judged by the
/// chi-squared test for linear trend.
#[derive(Serialize, Deserialize, ToSchema, Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    /// The proportion rises over the five periods, and more than chance
    /// would explain (p < 0.05). Says nothing about better or worse: that
    /// depends on the indicator's polarity.
    Increasing,
    /// The proportion falls over the five periods, and more than chance
    /// would explain (p < 0.05).
    Decreasing,
    /// Any rise or fall could be chance (p of 0.05 or more).
    NoSignificantChange,
    /// Fewer than five periods, or one of the last five without a usable
    /// numerator and denominator: no test is made.
    NotEnoughData,
}

/// The outcome of the chi-squared test for trend.
#[derive(Serialize, Deserialize, ToSchema, Clone, Debug, PartialEq)]
#[schema(example = json!({
    "trend": "increasing",
    "chi_squared": 6.696,
    "p_value": 0.00966,
    "explanation": "Chi-squared test for trend over the last 5 periods: chi-squared 6.70, \
                    p = 0.010, below 0.05; the proportion is rising, so increasing"
}))]
pub struct TrendResult {
    /// The verdict.
    pub trend: Trend,
    /// The test statistic (1 degree of freedom); null when no test was made.
    #[schema(required = true)]
    pub chi_squared: Option<f64>,
    /// The probability of a trend at least this strong arising by chance
    /// alone; below 0.05 is significant. Null when no test was made.
    #[schema(required = true)]
    pub p_value: Option<f64>,
    /// One sentence explaining `trend`.
    pub explanation: String,
}

/// The chi-squared test for a linear trend in a proportion (the
/// Cochran–Armitage form Fingertips' "recent trend" uses for proportions).
///
/// `points` are (numerator, denominator) per period, oldest first, one per
/// period with no period left out: a period without data should be passed
/// as, e.g., (NaN, NaN) rather than dropped, because the test scores the
/// periods 1 to 5 as equally spaced. Only the last five points are used;
/// if there are fewer than five, or any of the last five is not usable (a
/// denominator above 0 and a numerator from 0 to the denominator, both
/// finite), the result is `not_enough_data`.
///
/// With scores x = 1..5, numerators r, denominators n, N = sum n, R = sum r
/// and p = R / N: T = sum x (r - n p), Var = p (1 - p) [sum n x^2 -
/// (sum n x)^2 / N], chi-squared = T^2 / Var and the p-value is
/// erfc(sqrt(chi-squared / 2)). Below 0.05 the trend is `increasing` when T
/// is above 0, else `decreasing`; otherwise `no_significant_change`.
pub fn trend(points: &[(f64, f64)]) -> TrendResult {
    let not_enough = |explanation: String| TrendResult {
        trend: Trend::NotEnoughData,
        chi_squared: None,
        p_value: None,
        explanation,
    };
    if points.len() < TREND_PERIODS {
        let given = points.len();
        let periods = if given == 1 { "period" } else { "periods" };
        return not_enough(format!(
            "{given} {periods} given; the test for trend needs {TREND_PERIODS}, so not enough \
             data"
        ));
    }
    let last = &points[points.len() - TREND_PERIODS..];
    let unusable = last.iter().filter(|&&(r, n)| !usable(r, n)).count();
    if unusable > 0 {
        let have = if unusable == 1 { "has" } else { "have" };
        return not_enough(format!(
            "Of the last {TREND_PERIODS} periods, {unusable} {have} no usable numerator and \
             denominator (a denominator above 0 and a numerator from 0 to the denominator), so \
             not enough data"
        ));
    }

    let scored = || {
        last.iter()
            .zip(1u8..)
            .map(|(&(r, n), x)| (f64::from(x), r, n))
    };
    let total_n: f64 = last.iter().map(|&(_, n)| n).sum();
    let total_r: f64 = last.iter().map(|&(r, _)| r).sum();
    let p_bar = total_r / total_n;
    let t: f64 = scored().map(|(x, r, n)| x * (r - n * p_bar)).sum();
    let sum_nx: f64 = scored().map(|(x, _, n)| n * x).sum();
    let sum_nx2: f64 = scored().map(|(x, _, n)| n * x * x).sum();
    let variance = p_bar * (1.0 - p_bar) * (sum_nx2 - sum_nx * sum_nx / total_n);

    if variance <= 0.0 || !variance.is_finite() {
        // p is 0 or 1: every period's proportion is the same, so nothing
        // can have changed.
        let which = if total_r <= 0.0 {
            "the numerator is 0"
        } else {
            "the numerator equals the denominator"
        };
        return TrendResult {
            trend: Trend::NoSignificantChange,
            chi_squared: Some(0.0),
            p_value: Some(1.0),
            explanation: format!(
                "In each of the last {TREND_PERIODS} periods {which}: the proportion has not \
                 moved, so no significant change"
            ),
        };
    }
    let chi_squared = t * t / variance;
    let p_value = erfc((chi_squared / 2.0).sqrt());
    let statistics = format!(
        "Chi-squared test for trend over the last {TREND_PERIODS} periods: chi-squared {}, {}",
        fixed(chi_squared, 2),
        p_phrase(p_value)
    );
    let (trend, explanation) = if p_value < SIGNIFICANCE {
        if t > 0.0 {
            (
                Trend::Increasing,
                format!("{statistics}, below 0.05; the proportion is rising, so increasing"),
            )
        } else {
            (
                Trend::Decreasing,
                format!("{statistics}, below 0.05; the proportion is falling, so decreasing"),
            )
        }
    } else {
        (
            Trend::NoSignificantChange,
            format!("{statistics}, not below 0.05, so no significant change"),
        )
    };
    TrendResult {
        trend,
        chi_squared: Some(chi_squared),
        p_value: Some(p_value),
        explanation,
    }
}

fn usable(numerator: f64, denominator: f64) -> bool {
    numerator.is_finite()
        && denominator.is_finite()
        && denominator > 0.0
        && (0.0..=denominator).contains(&numerator)
}

// "p = 0.010", "p < 0.001"; never printed as "0.050" when it is on the other
// side of 0.05 from what the rounding shows.
fn p_phrase(p: f64) -> String {
    if p < 0.0005 {
        return "p < 0.001".to_owned();
    }
    let d = if round_to(p, 3) == SIGNIFICANCE && p != SIGNIFICANCE {
        distinguishing(p, SIGNIFICANCE, 3)
    } else {
        3
    };
    format!("p = {}", fixed(p, d))
}

/// The complementary error function, erfc(x) = 1 - erf(x), to a relative
/// error below 1e-12 for every x (the p-value of a chi-squared statistic c
/// with 1 degree of freedom is erfc(sqrt(c / 2))).
///
/// Below 2 it sums the series erf(x) = 2/sqrt(pi) e^(-x^2) sum 2^k
/// x^(2k+1) / (1·3·…·(2k+1)), whose terms are all positive; from 2 up it
/// evaluates the continued fraction erfc(x) = e^(-x^2)/sqrt(pi) / (x +
/// (1/2)/(x + 1/(x + (3/2)/(x + …)))), 80 levels deep. Negative x uses
/// erfc(-x) = 2 - erfc(x). NaN gives NaN.
pub fn erfc(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x < 0.0 {
        return 2.0 - erfc(-x);
    }
    if x < 2.0 {
        let x2 = x * x;
        let mut term = x;
        let mut sum = x;
        for k in 1..200u32 {
            term *= 2.0 * x2 / f64::from(2 * k + 1);
            sum += term;
            if term <= sum * 1e-17 {
                break;
            }
        }
        return 1.0 - 2.0 / std::f64::consts::PI.sqrt() * (-x2).exp() * sum;
    }
    if x > 27.0 {
        // Below the smallest positive f64.
        return 0.0;
    }
    let mut fraction = x;
    for k in (1..=80u32).rev() {
        fraction = x + f64::from(k) / 2.0 / fraction;
    }
    (-x * x).exp() / std::f64::consts::PI.sqrt() / fraction
}

// Rounds half away from zero (0.05 at one decimal is 0.1), after first
// cleaning binary noise: 2.675 is stored as 2.67499999…, which a person
// reads, and expects rounded, as 2.675.
fn round_to(value: f64, decimals: u8) -> f64 {
    let scale = 10f64.powi(i32::from(decimals));
    let scaled = value * scale;
    let cleaned: f64 = format!("{scaled:.6}").parse().unwrap_or(scaled);
    // Adding 0.0 turns -0.0 into 0.0, so nothing prints as "-0.0".
    cleaned.round() / scale + 0.0
}

fn fixed(value: f64, decimals: u8) -> String {
    format!("{:.*}", usize::from(decimals), round_to(value, decimals))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn close(actual: f64, expected: f64, tolerance: f64) -> bool {
        (actual - expected).abs() <= tolerance
    }

    macro_rules! assert_close {
        ($actual:expr, $expected:expr, $tolerance:expr) => {{
            let (a, e) = ($actual, $expected);
            assert!(
                close(a, e, $tolerance),
                "{a} is not within {} of {e}",
                $tolerance
            );
        }};
    }

    // ---- erfc ----

    #[test]
    fn erfc_matches_known_values() {
        // Tabulated values (Abramowitz and Stegun, table 7.1, to 6 figures).
        assert_eq!(erfc(0.0), 1.0);
        assert_close!(erfc(0.5), 0.479500, 1e-6);
        assert_close!(erfc(1.0), 0.157299, 1e-6);
        assert_close!(erfc(2.0), 0.004678, 1e-6);
        assert_close!(erfc(3.0), 2.209050e-5, 1e-10);
    }

    #[test]
    fn erfc_is_accurate_to_well_below_one_part_in_ten_million() {
        // Reference values to 16 figures (the C library's erfc, via Python's
        // math.erfc); 1.999 and 2.0 straddle the switch from series to
        // continued fraction.
        let reference = [
            (0.5, 0.479_500_122_186_953_5),
            (1.0, 0.157_299_207_050_285_13),
            (1.999, 0.004_698_443_348_629_488),
            (2.0, 0.004_677_734_981_047_265),
            (3.0, 2.209_049_699_858_543_8e-5),
            (5.0, 1.537_459_794_428_035_1e-12),
            (10.0, 2.088_487_583_762_545e-45),
        ];
        for (x, expected) in reference {
            let relative = (erfc(x) - expected).abs() / expected;
            assert!(
                relative < 1e-10,
                "erfc({x}) = {} off by {relative:e}",
                erfc(x)
            );
        }
    }

    #[test]
    fn erfc_of_a_negative_is_two_minus_erfc_of_its_size() {
        // erfc(-1) = 2 - 0.157299 = 1.842701.
        assert_close!(erfc(-1.0), 1.842701, 1e-6);
        assert!(erfc(f64::NAN).is_nan());
        assert_eq!(erfc(30.0), 0.0);
    }

    #[test]
    fn p_value_of_the_95th_percentile_of_chi_squared_with_one_df_is_005() {
        // chi-squared(1) 95th percentile = z^2 = 1.959964^2 = 3.841459;
        // erfc(sqrt(3.841459 / 2)) = erfc(1.385903) = 0.05.
        assert_close!(erfc((Z_95 * Z_95 / 2.0).sqrt()), 0.05, 1e-12);
    }

    // ---- Wilson ----

    #[test]
    fn wilson_for_40_out_of_50() {
        // p = 40/50 = 0.8; z^2 = 3.8415;
        // centre = 0.8 + 3.8415/100 = 0.83841;
        // half-width = 1.96 x sqrt(0.8 x 0.2/50 + 3.8415/10000)
        //            = 1.96 x sqrt(0.0035841) = 0.11734;
        // scale = 1 + 3.8415/50 = 1.07683;
        // lower = (0.83841 - 0.11734)/1.07683 = 0.66963 -> 66.96 %;
        // upper = (0.83841 + 0.11734)/1.07683 = 0.88756 -> 88.76 %.
        let i = wilson(40.0, 50.0, 100.0).unwrap();
        assert_close!(i.value, 80.0, 1e-9);
        assert_close!(i.lower, 66.963, 1e-3);
        assert_close!(i.upper, 88.756, 1e-3);
        assert_eq!(i.method, Method::Wilson);
        assert_eq!(i.level, 95.0);
        assert_eq!(i.multiplier, 100.0);
    }

    #[test]
    fn wilson_for_0_out_of_20_starts_at_zero() {
        // p = 0: centre = half-width = z^2/40 = 3.8415/40 = 0.096036;
        // lower = 0; upper = (2 x 0.096036)/(1 + 3.8415/20)
        //       = 0.19207/1.19207 = 0.16113 -> 16.11 %.
        let i = wilson(0.0, 20.0, 100.0).unwrap();
        assert_eq!(i.value, 0.0);
        assert_eq!(i.lower, 0.0);
        assert_close!(i.upper, 16.113, 1e-3);
    }

    #[test]
    fn wilson_for_20_out_of_20_ends_at_the_multiplier() {
        // The mirror of 0/20: lower = 1 - 0.16113 = 0.83887 -> 83.89 %;
        // upper = 1 -> 100 %.
        let i = wilson(20.0, 20.0, 100.0).unwrap();
        assert_eq!(i.value, 100.0);
        assert_close!(i.lower, 83.887, 1e-3);
        assert_eq!(i.upper, 100.0);
    }

    #[test]
    fn wilson_scales_by_the_multiplier() {
        // The same 40/50 as a proportion (multiplier 1): 0.66963 to 0.88756.
        let i = wilson(40.0, 50.0, 1.0).unwrap();
        assert_close!(i.lower, 0.66963, 1e-5);
        assert_close!(i.upper, 0.88756, 1e-5);
    }

    #[test]
    fn wilson_refuses_what_is_not_a_proportion() {
        assert_eq!(wilson(1.0, 0.0, 100.0), None);
        assert_eq!(wilson(0.0, -5.0, 100.0), None);
        assert_eq!(wilson(-1.0, 10.0, 100.0), None);
        assert_eq!(wilson(11.0, 10.0, 100.0), None);
        assert_eq!(wilson(f64::NAN, 10.0, 100.0), None);
        assert_eq!(wilson(1.0, f64::INFINITY, 100.0), None);
        assert_eq!(wilson(1.0, 10.0, f64::NAN), None);
        assert_eq!(wilson(1.0, 10.0, 0.0), None);
    }

    // ---- Byar ----

    #[test]
    fn byar_for_10_events_in_2000_per_1000() {
        // O = 10: lower count = 10 x (1 - 1/90 - 1.96/(3 x 3.1623))^3
        //                     = 10 x (1 - 0.011111 - 0.20660)^3
        //                     = 10 x 0.78229^3 = 10 x 0.47875 = 4.7874;
        // upper count = 11 x (1 - 1/99 + 1.96/(3 x 3.3166))^3
        //             = 11 x (1 - 0.010101 + 0.19699)^3
        //             = 11 x 1.18688^3 = 11 x 1.67195 = 18.391;
        // as rates per 1000 of 2000: 4.7874/2 = 2.394 and 18.391/2 = 9.196,
        // around 10/2000 x 1000 = 5.0.
        let i = byar(10.0, 2000.0, 1000.0).unwrap();
        assert_close!(i.value, 5.0, 1e-9);
        assert_close!(i.lower, 2.3937, 1e-3);
        assert_close!(i.upper, 9.1957, 1e-3);
        assert_eq!(i.method, Method::Byar);
        assert_eq!(i.level, 95.0);
    }

    #[test]
    fn byar_for_no_events_starts_at_zero() {
        // O = 0: lower = 0; upper count = 1 x (1 - 1/9 + 1.96/3)^3
        //   = (0.88889 + 0.65332)^3 = 1.54221^3 = 3.6680;
        // per 1000 of 2000: 3.6680/2 = 1.834.
        let i = byar(0.0, 2000.0, 1000.0).unwrap();
        assert_eq!(i.value, 0.0);
        assert_eq!(i.lower, 0.0);
        assert_close!(i.upper, 1.8340, 1e-3);
    }

    #[test]
    fn byar_never_gives_a_negative_lower_limit() {
        // O = 0.1: 1 - 1/0.9 - 1.96/(3 x 0.316) is below 0, so the formula
        // goes negative; the limit is 0.
        assert_eq!(byar(0.1, 100.0, 1000.0).unwrap().lower, 0.0);
    }

    #[test]
    fn byar_refuses_impossible_counts() {
        assert_eq!(byar(1.0, 0.0, 1000.0), None);
        assert_eq!(byar(-1.0, 100.0, 1000.0), None);
        assert_eq!(byar(f64::INFINITY, 100.0, 1000.0), None);
        assert_eq!(byar(1.0, f64::NAN, 1000.0), None);
        assert_eq!(byar(1.0, 100.0, -1.0), None);
    }

    #[test]
    fn byar_allows_a_count_above_the_denominator() {
        // 30 admissions among 20 children is a rate, not a share: 1500 per
        // 1000.
        assert_close!(byar(30.0, 20.0, 1000.0).unwrap().value, 1500.0, 1e-9);
    }

    // ---- compare ----

    // 40/50 as a percentage: 66.96 to 88.76.
    fn forty_of_fifty() -> Interval {
        wilson(40.0, 50.0, 100.0).unwrap()
    }

    #[test]
    fn an_interval_above_the_benchmark_is_better_when_higher_is_better() {
        assert_eq!(
            compare(&forty_of_fifty(), Some(65.0), Some(true)),
            Comparison::Better
        );
        assert_eq!(
            explain_comparison(
                &forty_of_fifty(),
                Some(65.0),
                Some(true),
                "England value",
                1
            ),
            "95 % confidence interval 67.0 to 88.8 (Wilson score) lies above the England value \
             65.0; higher is better, so better"
        );
    }

    #[test]
    fn an_interval_above_the_benchmark_is_worse_when_lower_is_better() {
        assert_eq!(
            compare(&forty_of_fifty(), Some(65.0), Some(false)),
            Comparison::Worse
        );
        assert_eq!(
            explain_comparison(
                &forty_of_fifty(),
                Some(65.0),
                Some(false),
                "England value",
                1
            ),
            "95 % confidence interval 67.0 to 88.8 (Wilson score) lies above the England value \
             65.0; lower is better, so worse"
        );
    }

    #[test]
    fn an_interval_below_the_benchmark_is_worse_when_higher_is_better() {
        assert_eq!(
            compare(&forty_of_fifty(), Some(90.0), Some(true)),
            Comparison::Worse
        );
        assert_eq!(
            explain_comparison(
                &forty_of_fifty(),
                Some(90.0),
                Some(true),
                "England value",
                1
            ),
            "95 % confidence interval 67.0 to 88.8 (Wilson score) lies below the England value \
             90.0; higher is better, so worse"
        );
    }

    #[test]
    fn an_interval_below_the_benchmark_is_better_when_lower_is_better() {
        assert_eq!(
            compare(&forty_of_fifty(), Some(90.0), Some(false)),
            Comparison::Better
        );
        assert_eq!(
            explain_comparison(&forty_of_fifty(), Some(90.0), Some(false), "target", 0),
            "95 % confidence interval 67 to 89 (Wilson score) lies below the target 90; lower \
             is better, so better"
        );
    }

    #[test]
    fn an_interval_containing_the_benchmark_is_similar_in_either_polarity() {
        for higher_is_better in [true, false] {
            assert_eq!(
                compare(&forty_of_fifty(), Some(75.0), Some(higher_is_better)),
                Comparison::Similar
            );
        }
        assert_eq!(
            explain_comparison(
                &forty_of_fifty(),
                Some(75.0),
                Some(false),
                "England value",
                2
            ),
            "95 % confidence interval 66.96 to 88.76 (Wilson score) contains the England value \
             75.00, so similar"
        );
    }

    #[test]
    fn a_benchmark_exactly_on_a_limit_is_similar() {
        let i = forty_of_fifty();
        for benchmark in [i.lower, i.upper] {
            for higher_is_better in [true, false] {
                assert_eq!(
                    compare(&i, Some(benchmark), Some(higher_is_better)),
                    Comparison::Similar
                );
            }
        }
    }

    #[test]
    fn a_benchmark_just_outside_a_limit_is_not_similar() {
        let i = forty_of_fifty();
        let above = i.upper + 1e-9;
        assert_eq!(compare(&i, Some(above), Some(true)), Comparison::Worse);
        let below = i.lower - 1e-9;
        assert_eq!(compare(&i, Some(below), Some(true)), Comparison::Better);
    }

    #[test]
    fn no_benchmark_is_not_compared() {
        let i = forty_of_fifty();
        assert_eq!(compare(&i, None, Some(true)), Comparison::NotCompared);
        assert_eq!(
            compare(&i, Some(f64::NAN), Some(true)),
            Comparison::NotCompared
        );
        assert_eq!(
            explain_comparison(&i, None, Some(true), "England value", 1),
            "95 % confidence interval 67.0 to 88.8 (Wilson score); there is no England value to \
             compare with, so not compared"
        );
    }

    #[test]
    fn no_better_direction_is_not_compared_even_when_significant() {
        let i = forty_of_fifty();
        assert_eq!(compare(&i, Some(65.0), None), Comparison::NotCompared);
        assert_eq!(compare(&i, Some(75.0), None), Comparison::NotCompared);
        assert_eq!(
            explain_comparison(&i, Some(65.0), None, "England value", 1),
            "95 % confidence interval 67.0 to 88.8 (Wilson score) lies above the England value \
             65.0; neither higher nor lower is better, so not compared"
        );
    }

    #[test]
    fn a_limit_and_benchmark_that_would_print_the_same_get_more_decimals() {
        // Upper limit 88.7562 and benchmark 88.76 both read 88.8 at one
        // decimal and 88.76 at two; at three they read 88.756 and 88.760.
        let i = forty_of_fifty();
        assert_eq!(
            explain_comparison(&i, Some(88.76), Some(true), "England value", 1),
            "95 % confidence interval 66.963 to 88.756 (Wilson score) lies below the England \
             value 88.760; higher is better, so worse"
        );
    }

    #[test]
    fn a_rate_interval_names_byars_method() {
        // 10 in 2000 per 1000: 2.394 to 9.196, above a benchmark of 1.5.
        let i = byar(10.0, 2000.0, 1000.0).unwrap();
        assert_eq!(
            explain_comparison(&i, Some(1.5), Some(false), "England value", 1),
            "95 % confidence interval 2.4 to 9.2 (Byar's method) lies above the England value \
             1.5; lower is better, so worse"
        );
    }

    #[test]
    fn sentences_round_half_away_from_zero() {
        // 2.675 is stored as 2.67499…; read as 2.675 it rounds to 2.68.
        assert_eq!(fixed(2.675, 2), "2.68");
        assert_eq!(fixed(0.05, 1), "0.1");
        assert_eq!(fixed(-0.05, 1), "-0.1");
        assert_eq!(fixed(-0.04, 1), "0.0");
    }

    // ---- trend ----

    // (numerator, denominator) with 100 in every period.
    fn per_hundred(numerators: [f64; 5]) -> Vec<(f64, f64)> {
        numerators.iter().map(|&r| (r, 100.0)).collect()
    }

    #[test]
    fn a_clearly_rising_series_is_increasing() {
        // r = 10, 13, 16, 19, 22 of 100 each: N = 500, R = 80, p = 0.16;
        // sum x r = 10 + 26 + 48 + 76 + 110 = 270; sum x n p = 1500 x 0.16 =
        // 240; T = 30;
        // sum n x^2 = 100 x 55 = 5500; (sum n x)^2 / N = 1500^2/500 = 4500;
        // Var = 0.16 x 0.84 x 1000 = 134.4;
        // chi^2 = 900/134.4 = 6.696; p = erfc(sqrt(3.348)) = erfc(1.8298)
        //   = 0.00966.
        let r = trend(&per_hundred([10.0, 13.0, 16.0, 19.0, 22.0]));
        assert_eq!(r.trend, Trend::Increasing);
        assert_close!(r.chi_squared.unwrap(), 6.6964, 1e-4);
        assert_close!(r.p_value.unwrap(), 0.009661, 1e-6);
        assert_eq!(
            r.explanation,
            "Chi-squared test for trend over the last 5 periods: chi-squared 6.70, p = 0.010, \
             below 0.05; the proportion is rising, so increasing"
        );
    }

    #[test]
    fn a_flat_series_shows_no_significant_change() {
        // r = 20, 21, 19, 20, 20 of 100 each: R = 100, p = 0.2;
        // sum x r = 20 + 42 + 57 + 80 + 100 = 299; 1500 x 0.2 = 300; T = -1;
        // Var = 0.2 x 0.8 x 1000 = 160; chi^2 = 1/160 = 0.00625;
        // p = erfc(sqrt(0.003125)) = erfc(0.0559) = 0.937.
        let r = trend(&per_hundred([20.0, 21.0, 19.0, 20.0, 20.0]));
        assert_eq!(r.trend, Trend::NoSignificantChange);
        assert_close!(r.chi_squared.unwrap(), 0.00625, 1e-9);
        assert_close!(r.p_value.unwrap(), 0.93699, 1e-5);
        assert_eq!(
            r.explanation,
            "Chi-squared test for trend over the last 5 periods: chi-squared 0.01, p = 0.937, \
             not below 0.05, so no significant change"
        );
    }

    #[test]
    fn a_falling_series_with_shrinking_denominators_is_decreasing() {
        // r/n = 36/120, 30/110, 24/100, 18/90, 12/80: N = 500, R = 120,
        // p = 0.24;
        // sum x r = 36 + 60 + 72 + 72 + 60 = 300;
        // sum n x = 120 + 220 + 300 + 360 + 400 = 1400; T = 300 - 0.24 x 1400
        //   = -36;
        // sum n x^2 = 120 + 440 + 900 + 1440 + 2000 = 4900;
        // 1400^2/500 = 3920; Var = 0.24 x 0.76 x 980 = 178.75;
        // chi^2 = 1296/178.75 = 7.250; p = erfc(sqrt(3.6251)) = erfc(1.9040)
        //   = 0.00709.
        let r = trend(&[
            (36.0, 120.0),
            (30.0, 110.0),
            (24.0, 100.0),
            (18.0, 90.0),
            (12.0, 80.0),
        ]);
        assert_eq!(r.trend, Trend::Decreasing);
        assert_close!(r.chi_squared.unwrap(), 7.2503, 1e-4);
        assert_close!(r.p_value.unwrap(), 0.007089, 1e-6);
        assert_eq!(
            r.explanation,
            "Chi-squared test for trend over the last 5 periods: chi-squared 7.25, p = 0.007, \
             below 0.05; the proportion is falling, so decreasing"
        );
    }

    #[test]
    fn only_the_last_five_periods_count() {
        // A wild first period (90/100) is ignored: the result is that of the
        // rising series above, chi^2 = 6.696.
        let mut points = vec![(90.0, 100.0)];
        points.extend(per_hundred([10.0, 13.0, 16.0, 19.0, 22.0]));
        let r = trend(&points);
        assert_eq!(r.trend, Trend::Increasing);
        assert_close!(r.chi_squared.unwrap(), 6.6964, 1e-4);
    }

    #[test]
    fn fewer_than_five_periods_is_not_enough_data() {
        let r = trend(&per_hundred([10.0, 13.0, 16.0, 19.0, 22.0])[1..]);
        assert_eq!(
            r,
            TrendResult {
                trend: Trend::NotEnoughData,
                chi_squared: None,
                p_value: None,
                explanation: "4 periods given; the test for trend needs 5, so not enough data"
                    .into(),
            }
        );
        assert_eq!(trend(&[]).trend, Trend::NotEnoughData);
        assert_eq!(
            trend(&[(1.0, 2.0)]).explanation,
            "1 period given; the test for trend needs 5, so not enough data"
        );
    }

    #[test]
    fn a_gap_among_the_last_five_is_not_enough_data() {
        // The gap is not skipped: the test assumes five equally spaced
        // periods.
        let mut points = per_hundred([10.0, 13.0, 16.0, 19.0, 22.0]);
        points.insert(0, (8.0, 100.0));
        points[3] = (f64::NAN, f64::NAN);
        let r = trend(&points);
        assert_eq!(r.trend, Trend::NotEnoughData);
        assert_eq!(r.p_value, None);
        assert_eq!(
            r.explanation,
            "Of the last 5 periods, 1 has no usable numerator and denominator (a denominator \
             above 0 and a numerator from 0 to the denominator), so not enough data"
        );
        points[4] = (120.0, 100.0);
        assert!(trend(&points).explanation.contains("2 have no usable"));
    }

    #[test]
    fn a_proportion_stuck_at_zero_shows_no_significant_change() {
        // p = 0, so Var = 0 and chi^2 = 0/0: nothing can have changed.
        let r = trend(&per_hundred([0.0; 5]));
        assert_eq!(r.trend, Trend::NoSignificantChange);
        assert_eq!(r.chi_squared, Some(0.0));
        assert_eq!(r.p_value, Some(1.0));
        assert_eq!(
            r.explanation,
            "In each of the last 5 periods the numerator is 0: the proportion has not moved, so \
             no significant change"
        );
        let full = trend(&per_hundred([100.0; 5]));
        assert_eq!(full.trend, Trend::NoSignificantChange);
        assert!(full
            .explanation
            .contains("the numerator equals the denominator"));
    }

    #[test]
    fn a_p_value_that_would_round_to_the_threshold_is_printed_finer() {
        // 0.04996 rounds to 0.050 at three decimals, yet is below 0.05.
        assert_eq!(p_phrase(0.04996), "p = 0.04996");
        assert_eq!(p_phrase(0.0503), "p = 0.0503");
        assert_eq!(p_phrase(0.0004), "p < 0.001");
        assert_eq!(p_phrase(0.0123), "p = 0.012");
    }

    #[test]
    fn enums_serialise_in_snake_case() {
        assert_eq!(
            serde_json::to_string(&Comparison::NotCompared).unwrap(),
            "\"not_compared\""
        );
        assert_eq!(
            serde_json::to_string(&Trend::NoSignificantChange).unwrap(),
            "\"no_significant_change\""
        );
        assert_eq!(serde_json::to_string(&Method::Byar).unwrap(), "\"byar\"");
    }
}
