//! Statistics of the validation suite: replications from a power calculation, the mediated
//! share of an effect with a paired bootstrap interval, Latin hypercube designs and
//! standardised regression coefficients.

use crate::Interval;
use crate::dist::normal_quantile;
use crate::linear::solve_augmented;
use crate::random::{self, index, uniform};

/// Replications for a paired (one-sample) test of a mean difference: the textbook normal
/// approximation `n = ceil(((z_{1-alpha} + z_{power}) * sd / delta)^2)`, where `alpha` is
/// the error rate of the one side tested (0.025 for a 95% two-sided interval that must lie
/// on the claimed side). Returns `None` when `delta <= 0` or the inputs are not finite.
pub fn replications_for_power(sd: f64, delta: f64, alpha: f64, power: f64) -> Option<u64> {
    if !(sd.is_finite() && delta.is_finite() && delta > 0.0 && sd >= 0.0) {
        return None;
    }
    let z = normal_quantile(1.0 - alpha) + normal_quantile(power);
    let n = (z * sd / delta).powi(2).ceil();
    n.is_finite().then_some(n as u64)
}

/// The one-sided upper confidence limit at `level` of a standard deviation estimated as `sd`
/// from `n` observations: `sd * sqrt((n - 1) / chi2_{1-level}(n - 1))`, with the
/// chi-square quantile by the Wilson-Hilferty approximation. Planning replications with it
/// instead of the pilot's own estimate keeps the realised power at the target in about
/// `level` of pilots (Browne 1995, Statistics in Medicine 14). NaN when `n < 2`.
///
/// The approximation is close with many observations (for `n = 20` at level 0.8 the factor
/// is 1.17653 against the exact chi-square's 1.17697) and poor with few at high levels:
/// for `n = 2` it is 4.25 against 3.95 at level 0.8 and 8578 against 15.9 at 0.95, and NaN
/// above level 0.9505 (for `n = 3`, above 0.9962), where the cube is not positive.
pub fn sd_upper_limit(sd: f64, n: usize, level: f64) -> f64 {
    if n < 2 {
        return f64::NAN;
    }
    let k = (n - 1) as f64;
    let z = normal_quantile(1.0 - level);
    let chi2 = k * (1.0 - 2.0 / (9.0 * k) + z * (2.0 / (9.0 * k)).sqrt()).powi(3);
    sd * (k / chi2).sqrt()
}

/// Replications for an equivalence test (two one-sided tests at `alpha` each against
/// `+-delta`) with `power` when the true difference is 0:
/// `n = ceil(((z_{1-alpha} + z_{1-(1-power)/2}) * sd / delta)^2)`.
pub fn replications_for_equivalence(sd: f64, delta: f64, alpha: f64, power: f64) -> Option<u64> {
    replications_for_power(sd, delta, alpha, 1.0 - (1.0 - power) / 2.0)
}

/// The mediated share `1 - mean(direct) / mean(total)` over paired replications, with a
/// percentile interval (2.5% and 97.5%) from `resamples` paired bootstrap resamples of the
/// replications, reproducible from `seed`. `None` when there are no replications, the
/// lengths differ, or the mean total is 0 or a mean is not finite; resamples whose total
/// mean is 0 are left out of the interval, and with fewer than 20 left there is none.
///
/// The interval's ends are resampled shares themselves, those of rank nearest to 2.5% and
/// 97.5% (not interpolated between ranks as [`cluster_bootstrap`](crate::cluster_bootstrap)
/// does).
pub fn mediated_share(
    total: &[f64],
    direct: &[f64],
    resamples: usize,
    seed: u64,
) -> Option<(f64, Option<Interval>)> {
    let n = total.len();
    if n == 0 || direct.len() != n {
        return None;
    }
    let share = |t: f64, d: f64| (t != 0.0 && t.is_finite() && d.is_finite()).then(|| 1.0 - d / t);
    let point = share(total.iter().sum(), direct.iter().sum())?;
    let mut rng = random::rng(seed, random::MEDIATION_BOOTSTRAP);
    let mut draws = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        let (mut t, mut d) = (0.0, 0.0);
        for _ in 0..n {
            let i = index(&mut rng, n);
            t += total[i];
            d += direct[i];
        }
        if let Some(s) = share(t, d) {
            draws.push(s);
        }
    }
    draws.sort_by(f64::total_cmp);
    let interval = (draws.len() >= 20).then(|| {
        let at = |q: f64| draws[((q * (draws.len() - 1) as f64).round()) as usize];
        (at(0.025), at(0.975))
    });
    Some((point, interval))
}

/// A Latin hypercube of `points` points in `[0, 1)^factors`: each factor's range is cut in
/// `points` equal strata, each stratum used once, in a random order per factor, at a random
/// place inside the stratum. Reproducible from `seed`; row `i` is point `i`.
pub fn latin_hypercube(points: usize, factors: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = random::rng(seed, random::LATIN_HYPERCUBE);
    let mut design = vec![vec![0.0; factors]; points];
    for f in 0..factors {
        let mut order: Vec<usize> = (0..points).collect();
        for k in (1..points).rev() {
            order.swap(k, index(&mut rng, k + 1));
        }
        for (row, stratum) in design.iter_mut().zip(order) {
            row[f] = (stratum as f64 + uniform(&mut rng)) / points as f64;
        }
    }
    design
}

/// Standardised regression coefficients of `y` on the columns of `x` (rows are points):
/// ordinary least squares with an intercept, each slope times sd(x_j) / sd(y). `None` when
/// there are fewer rows than columns + 2, a value is NaN or infinite, `y` is constant, or
/// the design is singular (callers read `None` as "no coefficients", never NaN ones).
pub fn standardised_regression(x: &[Vec<f64>], y: &[f64]) -> Option<Vec<f64>> {
    let n = y.len();
    let k = x.first().map_or(0, Vec::len);
    if n < k + 2 || x.len() != n {
        return None;
    }
    if !y.iter().chain(x.iter().flatten()).all(|v| v.is_finite()) {
        return None;
    }
    let mean = |v: &mut dyn Iterator<Item = f64>| v.sum::<f64>() / n as f64;
    let my = mean(&mut y.iter().copied());
    let sy = (y.iter().map(|v| (v - my).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
    let mx: Vec<f64> = (0..k).map(|j| mean(&mut x.iter().map(|r| r[j]))).collect();
    let sx: Vec<f64> = (0..k)
        .map(|j| (x.iter().map(|r| (r[j] - mx[j]).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt())
        .collect();
    if sy == 0.0 || sx.contains(&0.0) {
        return None;
    }
    // Normal equations on standardised variables: (Z'Z) b = Z'y.
    let z = |r: &[f64], j: usize| (r[j] - mx[j]) / sx[j];
    let mut a = vec![vec![0.0; k + 1]; k];
    for (row, &yi) in x.iter().zip(y) {
        let yz = (yi - my) / sy;
        let zs: Vec<f64> = (0..k).map(|j| z(row, j)).collect();
        for (a_i, &zi) in a.iter_mut().zip(&zs) {
            for (cell, &zj) in a_i.iter_mut().zip(&zs) {
                *cell += zi * zj;
            }
            a_i[k] += zi * yz;
        }
    }
    solve_augmented(a)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Textbook values of the normal-approximation sample size (e.g. Chow, Shao and Wang
    /// 2008, Sample Size Calculations in Clinical Research, section 3.1): d = 0.5, one-sided
    /// alpha 0.05, power 0.8 gives (1.645 + 0.842)^2 / 0.25 = 24.7, so 25.
    #[test]
    fn power_calculation_matches_the_textbook_formula() {
        assert_eq!(replications_for_power(1.0, 0.5, 0.05, 0.8), Some(25));
        // Two-sided 5% (one side 0.025), power 0.9: (1.960 + 1.282)^2 = 10.51 per unit d^2.
        assert_eq!(replications_for_power(2.0, 1.0, 0.025, 0.9), Some(43));
        assert_eq!(replications_for_power(0.0, 1.0, 0.025, 0.9), Some(0));
        assert_eq!(replications_for_power(1.0, 0.0, 0.025, 0.9), None);
        // TOST at 5% with 90% power at a true difference of 0: (1.645 + 1.645)^2 = 10.82.
        assert_eq!(replications_for_equivalence(1.0, 1.0, 0.05, 0.9), Some(11));
    }

    #[test]
    fn sd_upper_limit_matches_chi_square_tables() {
        // chi2_{0.2}(19) = 13.716 (tables): factor sqrt(19 / 13.716) = 1.1770.
        assert!((sd_upper_limit(1.0, 20, 0.8) - 1.1770).abs() < 2e-3);
        // chi2_{0.2}(9) = 5.380: sqrt(9 / 5.380) = 1.2934.
        assert!((sd_upper_limit(2.0, 10, 0.8) - 2.0 * 1.2934).abs() < 5e-3);
        assert!(sd_upper_limit(1.0, 1, 0.8).is_nan());
    }

    #[test]
    fn mediated_share_is_one_minus_the_ratio_of_means() {
        let total = [2.0, 4.0, 3.0, 3.0];
        let direct = [1.0, 1.0, 0.5, 0.5];
        let (share, ci) = mediated_share(&total, &direct, 500, 1).unwrap();
        assert!((share - 0.75).abs() < 1e-12);
        let (low, high) = ci.unwrap();
        assert!(low <= share && share <= high && low > 0.5 && high < 1.0);
        assert!(mediated_share(&[1.0, -1.0], &[0.5, 0.5], 100, 1).is_none());
    }

    #[test]
    fn latin_hypercube_uses_each_stratum_once() {
        let d = latin_hypercube(10, 3, 4);
        for f in 0..3 {
            let mut strata: Vec<usize> = d.iter().map(|r| (r[f] * 10.0) as usize).collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..10).collect::<Vec<_>>());
        }
        assert_eq!(d, latin_hypercube(10, 3, 4));
        assert_ne!(d, latin_hypercube(10, 3, 5));
    }

    #[test]
    fn standardised_regression_recovers_linear_weights() {
        let x = latin_hypercube(200, 3, 7);
        let y: Vec<f64> = x.iter().map(|r| 3.0 * r[0] - 1.0 * r[1]).collect();
        let b = standardised_regression(&x, &y).unwrap();
        // Equal factor variances: standardised coefficients are proportional to 3, -1, 0
        // and their squares sum to 1 (no noise).
        assert!((b[0] / b[1] + 3.0).abs() < 0.05, "{b:?}");
        assert!(b[2].abs() < 0.02, "{b:?}");
        assert!(
            (b.iter().map(|v| v * v).sum::<f64>() - 1.0).abs() < 0.02,
            "{b:?}"
        );
    }

    #[test]
    fn standardised_regression_of_a_non_finite_input_is_none() {
        let x = latin_hypercube(20, 2, 7);
        let y: Vec<f64> = x.iter().map(|r| r[0] - r[1]).collect();
        assert!(standardised_regression(&x, &y).is_some());
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let mut y_bad = y.clone();
            y_bad[3] = bad;
            assert_eq!(standardised_regression(&x, &y_bad), None, "y holds {bad}");
            let mut x_bad = x.clone();
            x_bad[3][1] = bad;
            assert_eq!(standardised_regression(&x_bad, &y), None, "x holds {bad}");
        }
    }

    #[test]
    fn power_calculation_refuses_a_negative_difference() {
        // The difference to detect is a size: a negative one is a caller's mistake, not a
        // smaller sample.
        assert_eq!(replications_for_power(1.0, -0.5, 0.05, 0.8), None);
    }

    #[test]
    fn sd_upper_limit_from_two_pilot_replications() {
        // One degree of freedom: Wilson-Hilferty gives chi2_{0.2}(1) = (7/9 + z_{0.2}
        // sqrt(2/9))^3 = (0.77778 - 0.84162 x 0.47140)^3 = 0.055321, so the limit is
        // sqrt(1 / 0.055321) = 4.2516 times the estimate (crude, but a limit, not NaN).
        assert!((sd_upper_limit(1.0, 2, 0.8) - 4.2516).abs() < 1e-3);
        assert!(sd_upper_limit(1.0, 0, 0.8).is_nan());
    }

    #[test]
    fn mediated_share_needs_paired_replications() {
        assert!(mediated_share(&[2.0, 4.0], &[1.0], 100, 1).is_none());
        assert!(mediated_share(&[], &[], 100, 1).is_none());
    }

    #[test]
    fn mediated_share_interval_from_twenty_resamples() {
        // Twenty resamples are the fewest that give an interval; its ends are draws. A
        // resample's share 1 - sum(d) / sum(t) lies between the replications' own shares
        // (0.5, 0.75 and 5/6 here).
        let total = [2.0, 4.0, 3.0, 3.0];
        let direct = [1.0, 1.0, 0.5, 0.5];
        let (_, ci) = mediated_share(&total, &direct, 20, 2).unwrap();
        let (low, high) = ci.unwrap();
        assert!(
            0.5 <= low && low <= high && high <= 5.0 / 6.0 + 1e-12,
            "{low} {high}"
        );
    }

    /// Below twenty usable resamples the share stands without an interval.
    #[test]
    fn mediated_share_has_no_interval_from_nineteen_resamples() {
        let total = [2.0, 4.0, 3.0, 3.0];
        let direct = [1.0, 1.0, 0.5, 0.5];
        let (share, ci) = mediated_share(&total, &direct, 19, 2).unwrap();
        assert!(
            (share - 0.75).abs() < 1e-12 && ci.is_none(),
            "{share} {ci:?}"
        );
        assert!(mediated_share(&[f64::NAN, 1.0], &[0.5, 0.5], 100, 1).is_none());
    }

    #[test]
    fn latin_hypercube_orders_are_uniformly_random() {
        // Each factor's strata are a uniformly random permutation: over 60 seeds all six
        // orders of three points turn up (a cyclic shuffle would give only two, and with two
        // points every factor would be in the same order, perfectly correlated).
        let mut seen = std::collections::BTreeSet::new();
        for seed in 0..60 {
            let d = latin_hypercube(3, 1, seed);
            let order: Vec<usize> = d.iter().map(|r| (r[0] * 3.0) as usize).collect();
            seen.insert(order);
        }
        assert_eq!(seen.len(), 6, "{seen:?}");
    }

    #[test]
    fn one_standardised_coefficient_is_the_correlation() {
        // x = 0, 1, 2 and y = 1, 3, 4: Sxy = 3, Sxx = 2, Syy = 14/3, so
        // r = 3 / sqrt(2 x 14/3) = sqrt(27/28). With y reversed the sign turns.
        let x = vec![vec![0.0], vec![1.0], vec![2.0]];
        let r = (27.0f64 / 28.0).sqrt();
        let b = standardised_regression(&x, &[1.0, 3.0, 4.0]).unwrap();
        assert!((b[0] - r).abs() < 1e-12, "{b:?}");
        let b = standardised_regression(&x, &[4.0, 3.0, 1.0]).unwrap();
        assert!((b[0] + r).abs() < 1e-12, "{b:?}");
    }

    /// A large common level of the outcome must not disturb the coefficients. x = 0, 1, 3
    /// and y = 1, 3, 4: deviations -4/3, -1/3, 5/3 and -5/3, 1/3, 4/3, so Sxy = 39/9,
    /// Sxx = Syy = 42/9 and r = 13/14, whatever constant is added to y. (Centring y on
    /// `-mean` instead is the same in exact arithmetic, since the standardised x sum to 0,
    /// but the rounding of mean(x) = 4/3 times 2e9 / sd(y) is far from 0.)
    #[test]
    fn standardised_coefficient_ignores_the_level_of_the_outcome() {
        let x = vec![vec![0.0], vec![1.0], vec![3.0]];
        for level in [0.0, 1e9] {
            let y = [level + 1.0, level + 3.0, level + 4.0];
            let b = standardised_regression(&x, &y).unwrap();
            assert!((b[0] - 13.0 / 14.0).abs() < 1e-12, "level {level}: {b:?}");
        }
    }

    #[test]
    fn standardised_regression_refuses_what_it_cannot_fit() {
        let x = vec![vec![0.0], vec![1.0], vec![2.0]];
        // Two rows for one factor: fewer than columns + 2.
        assert_eq!(standardised_regression(&x[..2], &[1.0, 3.0]), None);
        // Four outcomes for three rows.
        assert_eq!(standardised_regression(&x, &[1.0, 3.0, 4.0, 5.0]), None);
        assert_eq!(standardised_regression(&x, &[2.0, 2.0, 2.0]), None);
        let constant = vec![vec![1.0], vec![1.0], vec![1.0]];
        assert_eq!(standardised_regression(&constant, &[1.0, 3.0, 4.0]), None);
        // The second factor is 2 x the first + 1: collinear, singular.
        let collinear: Vec<Vec<f64>> = [0.0, 1.0, 2.0, 4.0, 7.0]
            .iter()
            .map(|&v| vec![v, 2.0 * v + 1.0])
            .collect();
        let y = [1.0, 0.0, 3.0, 2.0, 5.0];
        assert_eq!(standardised_regression(&collinear, &y), None);
    }
}
