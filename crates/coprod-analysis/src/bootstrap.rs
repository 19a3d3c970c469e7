//! Percentile bootstrap over clusters (replications): an interval for any statistic of a
//! set of replications, resampling whole replications with replacement. A statistic that
//! stays within a range for every sample (a share in 0-1, a difference of two shares in
//! -1 to 1, a survival probability) gives an interval within that range, which a
//! t-interval from few replications does not.
//!
//! Paired comparisons pass a statistic of both arms computed on the same resampled
//! replications, so common random numbers are kept.

use crate::random::{BOOTSTRAP, index, rng};
use crate::{Interval, percentile_interval_with_infinities};

/// Resamples used by [`cluster_bootstrap`] callers that have no reason to choose.
pub const RESAMPLES: usize = 2000;

/// The 95% percentile interval of `statistic` over `resamples` bootstrap samples of
/// `clusters` replications (indices `0..clusters`, drawn with replacement), reproducible from
/// `seed`. Samples where the statistic is NaN are left out; infinite ones count (a ratio
/// whose denominator is 0 in some samples), so an end is infinite when about 2.5% or more
/// of the samples that are not NaN are: leaving them out would give an end the resamples do
/// not support.
///
/// `None` with fewer than 2 clusters or when every sample gives NaN.
pub fn cluster_bootstrap(
    clusters: usize,
    resamples: usize,
    seed: u64,
    mut statistic: impl FnMut(&[usize]) -> f64,
) -> Option<Interval> {
    if clusters < 2 {
        return None;
    }
    let mut rng = rng(seed, BOOTSTRAP);
    let mut sample = vec![0usize; clusters];
    let mut values = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        for s in sample.iter_mut() {
            *s = index(&mut rng, clusters);
        }
        let v = statistic(&sample);
        if !v.is_nan() {
            values.push(v);
        }
    }
    if values.is_empty() {
        return None;
    }
    Some(percentile_interval_with_infinities(values))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mean_of(data: &[f64]) -> impl FnMut(&[usize]) -> f64 + '_ {
        |s: &[usize]| s.iter().map(|&i| data[i]).sum::<f64>() / s.len() as f64
    }

    #[test]
    fn interval_of_a_mean_matches_normal_theory_for_a_large_sample() {
        // 200 values 0, 1, ..., 199: mean 99.5, sd 57.88, standard error 4.093; the
        // percentile interval approximates 99.5 +- 1.96 x 4.083 (population sd / sqrt(n)).
        let data: Vec<f64> = (0..200).map(f64::from).collect();
        let (lo, hi) = cluster_bootstrap(200, 4000, 7, mean_of(&data)).unwrap();
        let se = (((200.0f64 * 200.0 - 1.0) / 12.0) / 200.0).sqrt();
        assert!((lo - (99.5 - 1.96 * se)).abs() < 1.0, "{lo}");
        assert!((hi - (99.5 + 1.96 * se)).abs() < 1.0, "{hi}");
    }

    /// A ratio whose denominator is 0 in many resamples has no upper bound: of three
    /// replications only the third has a denominator, and (2/3)^3 = 30% of resamples leave
    /// it out. Leaving those resamples out gave a finite upper end.
    #[test]
    fn a_ratio_infinite_in_many_resamples_has_no_upper_bound() {
        let a = [1.0, 1.0, 1.0];
        let b = [0.0, 0.0, 1.0];
        let ratio = |s: &[usize]| {
            s.iter().map(|&i| a[i]).sum::<f64>() / s.iter().map(|&i| b[i]).sum::<f64>()
        };
        let (lo, hi) = cluster_bootstrap(3, RESAMPLES, 1, ratio).unwrap();
        assert_eq!(hi, f64::INFINITY);
        assert!(lo.is_finite() && lo >= 1.0, "{lo}");
    }

    #[test]
    fn intervals_stay_within_the_range_of_the_statistic() {
        // Three replications of a share, one at each bound: a t-interval would be
        // 0.5 +- 4.30 x 0.5 / sqrt(3) = -0.74 to 1.74; the bootstrap stays in 0-1.
        let shares = [0.0, 0.5, 1.0];
        let (lo, hi) = cluster_bootstrap(3, RESAMPLES, 1, mean_of(&shares)).unwrap();
        assert!((0.0..=1.0).contains(&lo) && (0.0..=1.0).contains(&hi));
        assert!(lo < 0.5 && 0.5 < hi);
        // A paired difference of shares stays in -1 to 1.
        let (a, b) = ([1.0, 1.0, 0.9], [0.0, 0.1, 0.0]);
        let diff = |s: &[usize]| s.iter().map(|&i| a[i] - b[i]).sum::<f64>() / s.len() as f64;
        let (lo, hi) = cluster_bootstrap(3, RESAMPLES, 1, diff).unwrap();
        assert!(-1.0 <= lo && hi <= 1.0 && lo > 0.5, "{lo} {hi}");
    }

    #[test]
    fn same_seed_same_interval_and_degenerate_cases() {
        // Enough distinct values that two seeds almost never give the same percentiles.
        let data = [
            0.2, 0.4, 0.9, 0.1, 0.35, 0.77, 0.05, 0.61, 0.48, 0.93, 0.27, 0.58,
        ];
        let a = cluster_bootstrap(12, 500, 3, mean_of(&data));
        assert_eq!(a, cluster_bootstrap(12, 500, 3, mean_of(&data)));
        assert_ne!(a, cluster_bootstrap(12, 500, 4, mean_of(&data)));
        assert_eq!(cluster_bootstrap(1, 500, 3, mean_of(&data)), None);
        assert_eq!(cluster_bootstrap(4, 500, 3, |_| f64::NAN), None);
        assert_eq!(
            cluster_bootstrap(3, 500, 3, mean_of(&[0.5, 0.5, 0.5])),
            Some((0.5, 0.5))
        );
    }

    #[test]
    fn two_replications_are_enough() {
        // Resampled means of [0, 1] are 0, 0.5 or 1 with chances 1/4, 1/2, 1/4: about 500
        // of 2000 resamples are 0 and 500 are 1, so the 2.5% and 97.5% points are 0 and 1.
        let interval = cluster_bootstrap(2, RESAMPLES, 5, mean_of(&[0.0, 1.0]));
        assert_eq!(interval, Some((0.0, 1.0)));
    }
}
