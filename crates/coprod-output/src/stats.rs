//! Summary statistics over replications: mean, sample standard deviation and a 95%
//! Student-t confidence interval for the mean.
//!
//! Owns Welford accumulation (and Chan et al.'s pairwise merge of accumulators) and the interval; the t quantile comes from `coprod-analysis`.
//! Knows nothing about files.

/// Running mean and variance (Welford), fed in a fixed order so results are reproducible.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Accumulator {
    n: u64,
    mean: f64,
    m2: f64,
}

/// Mean, standard deviation and 95% confidence interval of one metric.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Number of values (missing values left out).
    pub n: u64,
    /// Sample mean; NaN with no value.
    pub mean: f64,
    /// Sample standard deviation (n - 1 denominator); `None` for fewer than 2 values.
    pub sd: Option<f64>,
    /// 95% t-interval for the mean; `None` for fewer than 2 values.
    pub ci: Option<(f64, f64)>,
}

impl Accumulator {
    /// Adds one value; a NaN is a missing value (a group metric of a run in which no group
    /// started) and is left out, so `n` counts the values present.
    pub fn push(&mut self, x: f64) {
        if x.is_nan() {
            return;
        }
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (x - self.mean);
    }

    /// Adds every value `other` has seen, as if they had been pushed here, with the pairwise
    /// update of Chan, Golub and LeVeque (1979): for counts n_a and n_b, means and sums of
    /// squared deviations M2, with delta = mean_b - mean_a and n = n_a + n_b,
    ///
    /// mean = mean_a + delta * n_b / n, M2 = M2_a + M2_b + delta^2 * n_a * n_b / n.
    ///
    /// The result equals pushing the values one by one up to rounding (the order of summation
    /// differs), so callers merge in a fixed order to stay reproducible.
    pub fn merge(&mut self, other: &Accumulator) {
        if other.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = other.clone();
            return;
        }
        let (na, nb) = (self.n as f64, other.n as f64);
        let n = na + nb;
        let delta = other.mean - self.mean;
        self.mean += delta * nb / n;
        self.m2 += other.m2 + delta * delta * na * nb / n;
        self.n += other.n;
    }

    /// The summary of the values so far; the mean is NaN (missing) with no value.
    pub fn summary(&self) -> Summary {
        if self.n < 2 {
            return Summary {
                n: self.n,
                mean: if self.n == 0 { f64::NAN } else { self.mean },
                sd: None,
                ci: None,
            };
        }
        let sd = (self.m2 / (self.n - 1) as f64).sqrt();
        let half = t_half_width(sd, self.n);
        Summary {
            n: self.n,
            mean: self.mean,
            sd: Some(sd),
            ci: Some((self.mean - half, self.mean + half)),
        }
    }
}

/// The summary of `acc`'s values of a metric of unit `unit` as summary.csv states it: its
/// interval cut to the values a run of `steps` steps can give. The writer and the reader,
/// which recomputes summary.csv from runs.csv to refuse one edited, share it.
pub(crate) fn as_written(acc: &Accumulator, unit: &str, steps: u64) -> Summary {
    let mut st = acc.summary();
    if let Some(range) = run_range(unit, steps) {
        st.ci = st.ci.map(|ci| within(ci, range));
    }
    st
}

/// The half-width of the 95% t-interval of a mean of `n` (at least 2) values with sample
/// standard deviation `sd`: `t(0.975, n-1) * sd / sqrt(n)`, before any cut to the values
/// the metric can take (the precision the replications reached, whatever the bounds).
pub fn t_half_width(sd: f64, n: u64) -> f64 {
    t_quantile_975((n - 1) as f64) * sd / (n as f64).sqrt()
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom (the multiplier of a
/// two-sided 95% interval), from `coprod-analysis`'s t distribution.
pub fn t_quantile_975(df: f64) -> f64 {
    coprod_analysis::dist::t_quantile(0.975, df)
}

/// Units of the model's metrics (`coprod_core::METRICS` and the end-of-run summary) that
/// cannot be negative by definition: counts (groups, opportunities), durations and rates
/// of groups, effort (contribution times capacity, both at least 0), service and input
/// (the professionals' own service is never below 0, a group's output is at least 0) and
/// the ratios of these.
const NON_NEGATIVE_UNITS: [&str; 11] = [
    "groups",
    "opportunities",
    "steps",
    "ends per group-month",
    "effort units",
    "effort units per citizen",
    "service units",
    "service units per citizen",
    "input units",
    "service units per input unit",
    "ratio",
];

/// The values a metric with this unit can take, if bounded: `(0, 1)` for shares and 0-1
/// scales, `(0, infinity)` for the units of `NON_NEGATIVE_UNITS`. Intervals of such a
/// metric are cut to this range (a t-interval from few replications can reach past it,
/// which would state an impossible share or a negative count).
pub fn feasible_range(unit: &str) -> Option<(f64, f64)> {
    if unit.starts_with("share") || unit == "0-1 scale" {
        Some((0.0, 1.0))
    } else if NON_NEGATIVE_UNITS.contains(&unit) {
        Some((0.0, f64::INFINITY))
    } else {
        None
    }
}

/// The values a metric with this unit can take in a run of `steps` steps: its
/// [`feasible_range`], and at most the run's length for a duration in steps (a group is
/// followed from its start to the end of the run at most, so neither its lifetime nor a
/// mean or median of lifetimes can be longer). `steps` 0 is a length not known (a
/// directory without a manifest or a step written): a duration is then cut at 0 only.
pub fn run_range(unit: &str, steps: u64) -> Option<(f64, f64)> {
    let range = feasible_range(unit)?;
    Some(if unit == "steps" && steps > 0 {
        (range.0, steps as f64)
    } else {
        range
    })
}

/// The unit of the end-of-run metric `metric`; `None` when it is no metric.
pub(crate) fn unit_of(metric: &str) -> Option<&'static str> {
    coprod_core::summary_names()
        .into_iter()
        .find(|(n, _, _)| n == metric)
        .map(|(_, unit, _)| unit)
}

/// The unit of the end-of-run metric `metric` and the values it can take
/// ([`feasible_range`]); `None` when it is no metric or its unit has no bounds.
pub(crate) fn metric_range(metric: &str) -> Option<(&'static str, (f64, f64))> {
    let unit = unit_of(metric)?;
    Some((unit, feasible_range(unit)?))
}

/// [`metric_range`] with the unit a run of this setting reports: in the lab (`lab`) the
/// lab's unit where it has one (`coprod_core::LAB_MEANINGS`: endowment shares and tokens
/// where the field has effort and services). The range is the field's either way (a share
/// from 0 to 1, a payoff from 0).
pub(crate) fn metric_range_in(metric: &str, lab: bool) -> Option<(&'static str, (f64, f64))> {
    let (unit, range) = metric_range(metric)?;
    let in_lab = coprod_core::lab_meaning(metric).filter(|_| lab);
    Some((in_lab.map_or(unit, |(unit, _)| unit), range))
}

/// The values the end-of-run metric `metric` can take in runs of `steps` steps
/// ([`run_range`] of its unit); `None` when it is no metric or its unit has no bounds.
pub fn metric_run_range(metric: &str, steps: u64) -> Option<(f64, f64)> {
    run_range(unit_of(metric)?, steps)
}

/// `ci` cut to `range`.
pub fn within(ci: (f64, f64), range: (f64, f64)) -> (f64, f64) {
    (ci.0.clamp(range.0, range.1), ci.1.clamp(range.0, range.1))
}

/// The range of a difference of two values in `range`: `(lo - hi, hi - lo)`.
pub fn difference_range(range: (f64, f64)) -> (f64, f64) {
    (range.0 - range.1, range.1 - range.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_tables() {
        // Standard two-sided 95% critical values.
        for (df, expected) in [
            (1.0, 12.706_204_736),
            (2.0, 4.302_652_730),
            (4.0, 2.776_445_105),
            (7.0, 2.364_624_252),
            (29.0, 2.045_229_642),
            (1000.0, 1.962_339_081),
        ] {
            let got = t_quantile_975(df);
            assert!(
                (got - expected).abs() < 1e-6,
                "df {df}: {got} vs {expected}"
            );
        }
    }

    /// Counts and other metrics that cannot be negative are cut at 0 only; shares to 0-1;
    /// a unit of unknown sign is not cut. A difference of counts may take any sign.
    #[test]
    fn feasible_ranges_follow_the_unit() {
        assert_eq!(feasible_range("share of citizens"), Some((0.0, 1.0)));
        assert_eq!(feasible_range("0-1 scale"), Some((0.0, 1.0)));
        assert_eq!(feasible_range("groups"), Some((0.0, f64::INFINITY)));
        assert_eq!(feasible_range("tokens of something"), None);
        assert_eq!(within((-7.7, 3.2), (0.0, f64::INFINITY)), (0.0, 3.2));
        let counts = difference_range((0.0, f64::INFINITY));
        assert_eq!(within((-7.7, 3.2), counts), (-7.7, 3.2));
    }

    /// A lifetime (a duration in steps) is cut at the run's length as well as at 0; other
    /// units keep their range whatever the run's length.
    #[test]
    fn durations_are_cut_at_the_run_length() {
        assert_eq!(run_range("steps", 60), Some((0.0, 60.0)));
        assert_eq!(run_range("groups", 60), Some((0.0, f64::INFINITY)));
        assert_eq!(run_range("share of groups", 60), Some((0.0, 1.0)));
        assert_eq!(run_range("tokens of something", 60), None);
        assert_eq!(
            run_range("steps", 0),
            Some((0.0, f64::INFINITY)),
            "length unknown"
        );
        assert_eq!(within((21.5, 104.9), (0.0, 60.0)), (21.5, 60.0));
        assert_eq!(difference_range((0.0, 60.0)), (-60.0, 60.0));
    }

    /// docs/outputs.md says every summary metric's interval is cut at 0: every unit of the
    /// model's table must be classified (a new unit that can be negative would need that
    /// page changed).
    #[test]
    fn every_summary_metric_has_a_range() {
        for (name, unit, _) in coprod_core::summary_names() {
            assert!(feasible_range(unit).is_some(), "{name}: unit `{unit}`");
        }
    }

    #[test]
    fn worked_example() {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sample sd sqrt(32/7) = 2.138090, n 8,
        // t(0.975, 7) = 2.364624, half-width 2.364624 * 2.138090 / sqrt(8) = 1.787485.
        let mut acc = Accumulator::default();
        for x in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0] {
            acc.push(x);
        }
        let s = acc.summary();
        assert_eq!(s.n, 8);
        assert!((s.mean - 5.0).abs() < 1e-12);
        assert!((s.sd.unwrap() - 2.138_089_935).abs() < 1e-8);
        let (lo, hi) = s.ci.unwrap();
        assert!((lo - 3.212_515).abs() < 1e-5, "{lo}");
        assert!((hi - 6.787_485).abs() < 1e-5, "{hi}");
    }

    #[test]
    fn merging_equals_pushing_everything() {
        let values = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0, 1e3, -3.5];
        let mut all = Accumulator::default();
        values.iter().for_each(|&x| all.push(x));
        for split in 0..=values.len() {
            let (mut a, mut b) = (Accumulator::default(), Accumulator::default());
            values[..split].iter().for_each(|&x| a.push(x));
            values[split..].iter().for_each(|&x| b.push(x));
            a.merge(&b);
            let (s, t) = (a.summary(), all.summary());
            assert_eq!(s.n, t.n);
            assert!((s.mean - t.mean).abs() < 1e-12, "split {split}");
            assert!(
                (s.sd.unwrap() - t.sd.unwrap()).abs() < 1e-9,
                "split {split}"
            );
        }
    }

    #[test]
    fn missing_values_are_left_out() {
        let mut acc = Accumulator::default();
        acc.push(f64::NAN);
        let none = acc.summary();
        assert_eq!((none.n, none.sd, none.ci), (0, None, None));
        assert!(none.mean.is_nan(), "no value has no mean, not 0");
        for x in [2.0, f64::NAN, 4.0] {
            acc.push(x);
        }
        let s = acc.summary();
        assert_eq!(s.n, 2);
        assert_eq!(s.mean, 3.0);
    }

    /// Two values are the fewest with a spread: they must get a standard deviation and an
    /// interval (t with 1 degree of freedom), not be treated like a single value.
    #[test]
    fn two_values_have_an_interval() {
        let mut acc = Accumulator::default();
        acc.push(1.0);
        acc.push(3.0);
        let s = acc.summary();
        assert_eq!(s.n, 2);
        let sd = s.sd.expect("two values have a standard deviation");
        assert!((sd - 2f64.sqrt()).abs() < 1e-12, "{sd}");
        // half-width t(0.975, 1) * sqrt(2) / sqrt(2) = 12.706205
        let (lo, hi) = s.ci.expect("two values have an interval");
        assert!((lo - (2.0 - 12.706_204_736)).abs() < 1e-6, "{lo}");
        assert!((hi - (2.0 + 12.706_204_736)).abs() < 1e-6, "{hi}");
    }

    /// A difference of two values in lo..hi lies in (lo - hi)..(hi - lo): of two shares in
    /// -1..1; a difference of counts is unbounded.
    #[test]
    fn difference_ranges_of_shares_and_counts() {
        assert_eq!(difference_range((0.0, 1.0)), (-1.0, 1.0));
        assert_eq!(difference_range((0.5, 2.0)), (-1.5, 1.5));
        assert_eq!(
            difference_range((0.0, f64::INFINITY)),
            (f64::NEG_INFINITY, f64::INFINITY)
        );
    }

    #[test]
    fn one_value_has_no_spread() {
        let mut acc = Accumulator::default();
        acc.push(3.0);
        assert_eq!(
            acc.summary(),
            Summary {
                n: 1,
                mean: 3.0,
                sd: None,
                ci: None
            }
        );
    }
}
