//! Paired comparison of a variant with the baseline, and the Holm adjustment of a family of
//! p-values.
//!
//! Replications of a variant and of the baseline share their seeds (common random numbers),
//! so the comparison is on the per-replication differences: a one-sample t analysis of
//! `variant[r] - baseline[r]`.

use crate::Interval;
use crate::dist::{t_quantile, t_two_sided_p};

/// The paired comparison of two equally long series of values.
#[derive(Clone, Debug, PartialEq)]
pub struct PairedComparison {
    /// Number of pairs.
    pub n: usize,
    /// Mean of the first series (the variant).
    pub mean_variant: f64,
    /// Mean of the second series (the baseline).
    pub mean_baseline: f64,
    /// Mean of the differences `variant - baseline`.
    pub difference: f64,
    /// Sample standard deviation of the differences (n - 1 denominator).
    pub sd_difference: f64,
    /// 95% t-interval for the mean difference.
    pub ci: Interval,
    /// Half the width of `ci`.
    pub half_width: f64,
    /// The t statistic `difference / (sd_difference / sqrt(n))`; `None` if the differences
    /// do not vary (beyond rounding: a spread within 1e-12 of the largest value compared).
    pub t: Option<f64>,
    /// Degrees of freedom, `n - 1`.
    pub df: f64,
    /// Two-sided p-value of "no difference": 1 if every difference is 0, 0 if they are all
    /// the same non-zero value (both up to rounding, as for `t`).
    pub p_value: f64,
    /// Cohen's d_z: the mean difference over the standard deviation of the differences;
    /// `None` if the differences do not vary.
    pub d_z: Option<f64>,
}

impl PairedComparison {
    /// Whether every difference is 0 up to rounding (no t, p = 1): no difference at all,
    /// whatever sign the interval's last bits give it.
    pub fn within_rounding(&self) -> bool {
        self.t.is_none() && self.p_value == 1.0
    }
}

/// The difference a comparison reports: the mean of `variant` minus the mean of
/// `baseline` (for pairs, the mean of their differences up to rounding in the last digit);
/// NaN when either is empty. comparison.csv, the report's forest plots and published.csv
/// report it through [`compare_pairs`], so that they print the same digits.
pub fn difference_of_means(variant: &[f64], baseline: &[f64]) -> f64 {
    let mean = |v: &[f64]| {
        if v.is_empty() {
            f64::NAN
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    mean(variant) - mean(baseline)
}

/// The spread, relative to the largest value compared, below which differences are taken
/// for rounding (a double has about 16 significant digits; means of a dozen steps lose a
/// few).
const ROUNDING: f64 = 1e-12;

/// [`paired`], with the difference a comparison reports: [`difference_of_means`], or 0
/// when the pairs differ only by rounding ([`PairedComparison::within_rounding`]), as
/// [`paired`] reports it then.
pub fn compare_pairs(variant: &[f64], baseline: &[f64]) -> (f64, Option<PairedComparison>) {
    let comparison = paired(variant, baseline);
    let difference = match &comparison {
        Some(c) if c.within_rounding() => 0.0,
        _ => difference_of_means(variant, baseline),
    };
    (difference, comparison)
}

/// Compares `variant[r]` with `baseline[r]`, pair by pair. `None` with fewer than 2 pairs,
/// series of different lengths, or a value that is not finite.
pub fn paired(variant: &[f64], baseline: &[f64]) -> Option<PairedComparison> {
    let n = variant.len();
    if n < 2 || baseline.len() != n {
        return None;
    }
    if variant.iter().chain(baseline).any(|v| !v.is_finite()) {
        return None;
    }
    let nf = n as f64;
    let diffs: Vec<f64> = variant.iter().zip(baseline).map(|(a, b)| a - b).collect();
    let mean = diffs.iter().sum::<f64>() / nf;
    let ss: f64 = diffs.iter().map(|d| (d - mean) * (d - mean)).sum();
    let sd = (ss / (nf - 1.0)).sqrt();
    let df = nf - 1.0;
    let half = t_quantile(0.975, df) * sd / nf.sqrt();
    // Differences within rounding of the values compared are none: two means over steps
    // that are equal in exact arithmetic can differ in the last bit (1e-17 in a share),
    // which gave a d_z of -1.4e14 and p = 3e-15 for a difference that is not there.
    let rounding = ROUNDING
        * variant
            .iter()
            .chain(baseline)
            .fold(0.0, |m, v| v.abs().max(m));
    let none = sd <= rounding && mean.abs() <= rounding;
    let (t, p, d_z) = if sd > rounding {
        let t = mean / (sd / nf.sqrt());
        (Some(t), t_two_sided_p(t, df), Some(mean / sd))
    } else {
        (None, if none { 1.0 } else { 0.0 }, None)
    };
    // No difference at all: 0 and an interval of 0 to 0, not last bits that exclude 0.
    let (mean, half) = if none { (0.0, 0.0) } else { (mean, half) };
    Some(PairedComparison {
        n,
        mean_variant: variant.iter().sum::<f64>() / nf,
        mean_baseline: baseline.iter().sum::<f64>() / nf,
        difference: mean,
        sd_difference: sd,
        ci: (mean - half, mean + half),
        half_width: half,
        t,
        df,
        p_value: p,
        d_z,
    })
}

/// Holm's step-down adjustment of a family of p-values, in the input order.
///
/// With the m finite p-values sorted ascending, `p_(i)` becomes
/// `max_{j <= i} min(1, (m - j + 1) p_(j))`. Non-finite p-values are left out of the family
/// and returned as NaN. It controls the family-wise error rate without assuming
/// independence between the comparisons.
pub fn holm(p_values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..p_values.len())
        .filter(|&i| p_values[i].is_finite())
        .collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]).then(a.cmp(&b)));
    let m = order.len();
    let mut adjusted = vec![f64::NAN; p_values.len()];
    let mut running = 0.0_f64;
    for (rank, &i) in order.iter().enumerate() {
        let value = ((m - rank) as f64 * p_values[i]).min(1.0);
        running = running.max(value);
        adjusted[i] = running;
    }
    adjusted
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Shares whose differences are rounding (a last-bit difference of two means equal in
    /// exact arithmetic) have no effect size, and a p-value of 1 when their mean is rounding
    /// too; a real difference of the same spread relative to its mean keeps its test.
    #[test]
    fn differences_within_rounding_are_none() {
        let baseline = [0.3, 0.1, 0.2];
        // Each value one bit above its pair: differences of 1.4e-17 to 5.6e-17.
        let variant: Vec<f64> = baseline
            .iter()
            .map(|b: &f64| f64::from_bits(b.to_bits() + 1))
            .collect();
        let c = paired(&variant, &baseline).unwrap();
        assert!(c.sd_difference > 0.0, "the rounding differences vary");
        assert_eq!((c.t, c.d_z, c.p_value), (None, None, 1.0));
        assert!(c.within_rounding());
        // Reported as no difference: 0, with an interval of 0 to 0.
        assert_eq!((c.difference, c.ci, c.half_width), (0.0, (0.0, 0.0), 0.0));
        assert_eq!(compare_pairs(&variant, &baseline).0, 0.0);
        let c = paired(&[0.31, 0.12, 0.21], &baseline).unwrap();
        assert!(c.d_z.is_some() && c.p_value < 1.0);
        assert!(!c.within_rounding());
        // The same non-zero difference in every pair is a difference, not rounding.
        assert!(
            !paired(&[0.4, 0.2, 0.3], &baseline)
                .unwrap()
                .within_rounding()
        );
    }

    /// Student's (1908) sleep data, as in R's `t.test(extra ~ group, data = sleep,
    /// paired = TRUE)`: t = -4.0621, df = 9, p = 0.002833,
    /// 95% CI -2.4598858 to -0.7001142, mean difference -1.58.
    #[test]
    fn paired_t_interval_matches_worked_example() {
        let group1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
        let group2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];
        let c = paired(&group1, &group2).unwrap();
        assert_eq!(c.n, 10);
        assert!((c.difference + 1.58).abs() < 1e-12);
        assert!((c.t.unwrap() + 4.062_128).abs() < 1e-5, "{:?}", c.t);
        assert!((c.ci.0 + 2.459_885_8).abs() < 1e-6, "{:?}", c.ci);
        assert!((c.ci.1 + 0.700_114_2).abs() < 1e-6, "{:?}", c.ci);
        assert!((c.p_value - 0.002_833).abs() < 1e-6, "{}", c.p_value);
        // d_z = -1.58 / sd(differences) = -1.58 / 1.229995 = -1.284558.
        assert!((c.d_z.unwrap() + 1.284_558).abs() < 1e-5, "{:?}", c.d_z);
        // The rest of the reported row: group means 0.75 and 2.33, sd of the differences
        // 1.229995, df 9, half-width (-0.7001142 - -2.4598858) / 2 = 0.8798858.
        assert!((c.mean_variant - 0.75).abs() < 1e-12, "{}", c.mean_variant);
        assert!(
            (c.mean_baseline - 2.33).abs() < 1e-12,
            "{}",
            c.mean_baseline
        );
        assert!(
            (c.sd_difference - 1.229_995).abs() < 1e-6,
            "{}",
            c.sd_difference
        );
        assert_eq!(c.df, 9.0);
        assert!(
            (c.half_width - 0.879_885_8).abs() < 1e-6,
            "{}",
            c.half_width
        );
    }

    /// A common shift of the differences must not disturb their spread. Differences
    /// 1e9, 1e9 + 1, 1e9 + 1: mean 1e9 + 2/3 (not representable, so rounded), deviations
    /// -2/3, 1/3, 1/3, sum of squares 2/3, sd sqrt(1/3), exactly as for 0, 1, 1. Squaring
    /// `(d - mean) (d + mean)` instead is the same in exact arithmetic but multiplies the
    /// rounding of the mean by 2e9 and gives an sd near 9.
    #[test]
    fn spread_of_differences_far_from_zero_is_exact() {
        let variant = [1e9, 1e9 + 1.0, 1e9 + 1.0];
        let c = paired(&variant, &[0.0, 0.0, 0.0]).unwrap();
        let sd = (1.0f64 / 3.0).sqrt();
        assert!((c.sd_difference - sd).abs() < 1e-6, "{}", c.sd_difference);
        // Half-width t_{0.975, 2} sd / sqrt(3) = 4.302653 x 0.577350 / 1.732051 = 1.434218.
        assert!((c.half_width - 1.434_218).abs() < 1e-5, "{}", c.half_width);
        let shifted = paired(&[0.0, 1.0, 1.0], &[0.0, 0.0, 0.0]).unwrap();
        assert!((shifted.sd_difference - sd).abs() < 1e-12);
    }

    /// R: p.adjust(c(0.01, 0.04, 0.03, 0.005), "holm") = 0.03 0.06 0.06 0.02.
    #[test]
    fn holm_matches_known_values() {
        let adjusted = holm(&[0.01, 0.04, 0.03, 0.005]);
        assert_eq!(adjusted.len(), 4, "one adjusted value per p-value");
        for (got, expected) in adjusted.iter().zip([0.03, 0.06, 0.06, 0.02]) {
            assert!((got - expected).abs() < 1e-12, "{adjusted:?}");
        }
        // Capped at 1, NaN left out of the family.
        let adjusted = holm(&[0.5, f64::NAN, 0.6]);
        assert_eq!(adjusted.len(), 3);
        assert_eq!(adjusted[0], 1.0);
        assert!(adjusted[1].is_nan());
        assert_eq!(adjusted[2], 1.0);
    }

    #[test]
    fn constant_differences_have_no_t() {
        let c = paired(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0]).unwrap();
        assert_eq!(c.p_value, 1.0);
        assert!(c.t.is_none() && c.d_z.is_none());
        assert!(paired(&[1.0], &[2.0]).is_none());
        // Every difference the same non-zero value: certainly a difference, p = 0, and a
        // zero-width interval at that value.
        let c = paired(&[2.0, 3.0, 4.0], &[1.0, 2.0, 3.0]).unwrap();
        assert_eq!(c.p_value, 0.0);
        assert_eq!(c.difference, 1.0);
        assert_eq!(c.ci, (1.0, 1.0));
        assert!(c.t.is_none() && c.d_z.is_none());
    }

    #[test]
    fn unequal_or_non_finite_series_have_no_comparison() {
        assert!(paired(&[1.0, 2.0, 3.0], &[1.0, 2.0]).is_none());
        assert!(paired(&[1.0, 2.0], &[1.0, 2.0, 3.0]).is_none());
        assert!(paired(&[1.0, f64::NAN, 3.0], &[1.0, 2.0, 3.0]).is_none());
        assert!(paired(&[1.0, 2.0, 3.0], &[1.0, 2.0, f64::INFINITY]).is_none());
        assert!(
            paired(&[1.0, 2.0], &[0.0, 0.5]).is_some(),
            "two pairs are enough"
        );
    }

    /// Tied p-values get the same adjusted value, and a later, smaller multiple never
    /// lowers an earlier one: R p.adjust(c(0.02, 0.02, 0.01), "holm") = 0.04 0.04 0.03.
    #[test]
    fn holm_with_ties_and_an_empty_family() {
        let adjusted = holm(&[0.02, 0.02, 0.01]);
        for (got, expected) in adjusted.iter().zip([0.04, 0.04, 0.03]) {
            assert!((got - expected).abs() < 1e-12, "{adjusted:?}");
        }
        assert!(holm(&[]).is_empty());
        // A lone p-value is its own adjustment.
        assert_eq!(holm(&[0.2]), vec![0.2]);
    }
}
