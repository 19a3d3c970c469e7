//! # coprod-analysis: the statistics of policy comparison and sensitivity analysis
//!
//! # Brief overview
//! Pure numerics, no file I/O and no printing:
//!
//! * [`dist`]: Student's t distribution function, quantiles and two-sided p-values
//!   (regularised incomplete beta, written here);
//! * [`compare`]: the paired comparison of a variant with the baseline on common random
//!   numbers ([`paired`]: mean difference, 95% t-interval, Cohen's d_z, p-value) and the
//!   Holm step-down adjustment of a family of p-values ([`holm`]);
//! * [`morris`]: Morris elementary-effects screening (trajectory design, mu, mu*, sigma,
//!   bootstrap intervals);
//! * [`sobol`]: Sobol first-order (Saltelli 2010) and total (Jansen 1999) indices from a
//!   Saltelli design, with bootstrap intervals, and the noise share of a stochastic model;
//! * [`logistic()`]: logistic regression by maximum likelihood with Wald standard errors
//!   (the regression of citizen surveys, fitted to simulated citizens by `coprod survey`);
//! * [`mediation`]: the validation suite's statistics (replications from a power
//!   calculation, mediated shares with paired bootstrap intervals, Latin hypercubes,
//!   standardised regression coefficients);
//! * [`bootstrap`]: percentile intervals of any statistic over resampled replications,
//!   which stay within the statistic's range (shares, differences of shares, survival);
//! * [`ishigami`]: the test function whose indices are known analytically.
//!
//! Random draws use a seeded `ChaCha8Rng` and integer arithmetic only, so every design and
//! every bootstrap interval is reproducible from its seed on any platform.
//!
//! # Example
//! ```
//! use coprod_analysis::{holm, paired};
//! let baseline = [10.0, 12.0, 9.0, 11.0, 10.5];
//! let variant = [11.0, 13.5, 9.5, 12.0, 11.0];
//! let c = paired(&variant, &baseline).unwrap();
//! assert!((c.difference - 0.9).abs() < 1e-12);
//! assert!(c.ci.0 > 0.0); // the variant is higher in every replication
//! let adjusted = holm(&[0.01, 0.04, 0.03]);
//! assert!((adjusted[0] - 0.03).abs() < 1e-12);
//! ```
#![deny(missing_docs)]

pub mod bootstrap;
pub mod compare;
pub mod dist;
pub mod logistic;
pub mod mediation;
pub mod morris;
pub mod sobol;

mod linear;
mod random;

pub use bootstrap::cluster_bootstrap;
pub use compare::{PairedComparison, compare_pairs, difference_of_means, holm, paired};
pub use logistic::{Coefficient, LogisticError, LogisticFit, logistic};
pub use mediation::{
    latin_hypercube, mediated_share, replications_for_equivalence, replications_for_power,
    sd_upper_limit, standardised_regression,
};
pub use morris::{MorrisDesign, MorrisIndex, morris_design, morris_indices, morris_points};
pub use sobol::{
    SaltelliDesign, SobolIndex, noise_share, saltelli_design, saltelli_points, sobol_indices,
};

/// A 95% interval `(low, high)`.
pub type Interval = (f64, f64);

/// The Ishigami function `sin x1 + a sin^2 x2 + b x3^4 sin x1` on `[-pi, pi]^3`, with the
/// customary `a = 7`, `b = 0.1`, evaluated at a point `u` of the unit cube.
///
/// Its analytic indices are in [`ISHIGAMI_FIRST_ORDER`] and [`ISHIGAMI_TOTAL`].
pub fn ishigami(u: &[f64]) -> f64 {
    let pi = std::f64::consts::PI;
    let x: Vec<f64> = u.iter().map(|v| -pi + 2.0 * pi * v).collect();
    x[0].sin() + 7.0 * x[1].sin().powi(2) + 0.1 * x[2].powi(4) * x[0].sin()
}

/// Analytic first-order Sobol indices of [`ishigami`] (a = 7, b = 0.1).
pub const ISHIGAMI_FIRST_ORDER: [f64; 3] = [0.313_905, 0.442_411, 0.0];
/// Analytic total Sobol indices of [`ishigami`] (a = 7, b = 0.1).
pub const ISHIGAMI_TOTAL: [f64; 3] = [0.557_589, 0.442_411, 0.243_684];

/// The empirical `q` quantile (0..1) of sorted values, by linear interpolation between
/// order statistics (Hyndman and Fan's type 7, the default of R and NumPy): the value at
/// position `q x (n - 1)` counted from 0. NaN for no values and for a `q` outside 0..1 (a
/// caller's mistake: it would index past the values, or extrapolate below the first).
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() || !(0.0..=1.0).contains(&q) {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = pos.ceil() as usize;
    let (below, above) = (sorted[lo], sorted[hi]);
    // Beside an infinite replicate the interpolation would take inf - inf or 0 x inf: at a
    // whole position the quantile is the value there, between -inf and anything it is -inf,
    // and between anything finite and +inf it is +inf. Finite values interpolate as always.
    if below.is_infinite() || above.is_infinite() {
        return if pos == lo as f64 || below == f64::NEG_INFINITY {
            below
        } else {
            above
        };
    }
    below + (pos - lo as f64) * (above - below)
}

/// The percentile 95% interval of bootstrap replicates (non-finite replicates left out).
pub(crate) fn percentile_interval(mut replicates: Vec<f64>) -> Interval {
    replicates.retain(|v| v.is_finite());
    percentile_interval_with_infinities(replicates)
}

/// The percentile 95% interval of bootstrap replicates some of which may be infinite (a
/// ratio whose denominator is 0 in some resamples): they count, so an end lies at infinity
/// when about 2.5% or more of them are infinite (type 7: above `0.025 (n - 1)` of the `n`).
/// NaN replicates are left out.
pub(crate) fn percentile_interval_with_infinities(mut replicates: Vec<f64>) -> Interval {
    replicates.retain(|v| !v.is_nan());
    replicates.sort_by(f64::total_cmp);
    (
        quantile_sorted(&replicates, 0.025),
        quantile_sorted(&replicates, 0.975),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Linear interpolation between order statistics (R's type 7): of 1..=5, the 0.025
    /// quantile sits at position 0.1 (1.1) and the 0.975 quantile at 3.9 (4.9).
    #[test]
    fn quantile_interpolates_between_order_statistics() {
        let sorted = [1.0, 2.0, 3.0, 4.0, 5.0];
        assert!((quantile_sorted(&sorted, 0.025) - 1.1).abs() < 1e-12);
        assert!((quantile_sorted(&sorted, 0.975) - 4.9).abs() < 1e-12);
        assert!((quantile_sorted(&sorted, 0.5) - 3.0).abs() < 1e-12);
        assert!((quantile_sorted(&[10.0, 20.0], 0.25) - 12.5).abs() < 1e-12);
        assert!(quantile_sorted(&[], 0.5).is_nan());
        assert_eq!(quantile_sorted(&sorted, 0.0), 1.0);
        assert_eq!(quantile_sorted(&sorted, 1.0), 5.0);
    }

    /// A `q` outside 0..1 has no quantile: it indexed past the values (a panic at 1.5) or
    /// extrapolated below the first value (-1.0 at -0.5).
    #[test]
    fn quantile_outside_zero_to_one_is_nan() {
        let sorted = [1.0, 2.0, 3.0, 4.0, 5.0];
        for q in [-0.5, 1.5, f64::NAN] {
            assert!(quantile_sorted(&sorted, q).is_nan(), "{q}");
        }
    }

    /// Infinite replicates count: beyond 2.5% of them, the upper end is infinite; fewer
    /// only pull it up. Quantiles between two equal infinite neighbours are infinite, not NaN.
    #[test]
    fn infinite_replicates_count_in_their_interval() {
        let finite: Vec<f64> = (1..=97).map(f64::from).collect();
        let with = |infinite: usize| {
            let mut r = finite.clone();
            r.extend(std::iter::repeat_n(f64::INFINITY, infinite));
            r.push(f64::NAN);
            percentile_interval_with_infinities(r)
        };
        // 100 replicates, 3 infinite: the 0.975 quantile sits at position 96.525.
        assert_eq!(with(3).1, f64::INFINITY);
        assert!((with(3).0 - 3.475).abs() < 1e-12, "{:?}", with(3));
        // 98 replicates, 1 infinite: position 94.575, between 95 and 96.
        assert!((with(1).1 - 95.575).abs() < 1e-12, "{:?}", with(1));
        let all = percentile_interval_with_infinities(vec![f64::INFINITY; 4]);
        assert_eq!(all, (f64::INFINITY, f64::INFINITY));
        // -inf at the bottom: an end between it and a finite value is -inf, not NaN.
        let mut low = vec![f64::NEG_INFINITY; 3];
        low.extend((1..=97).map(f64::from));
        let (lo, hi) = percentile_interval_with_infinities(low);
        assert_eq!(lo, f64::NEG_INFINITY);
        assert!((hi - 94.525).abs() < 1e-12, "{hi}");
        // A zero effect keeps the sign the interpolation gives (+0 from -0 and +0).
        assert_eq!(
            quantile_sorted(&[-0.0, -0.0, 1.0], 0.25).to_bits(),
            0.0f64.to_bits()
        );
    }

    /// The interval sorts the replicates itself and leaves non-finite ones out.
    #[test]
    fn percentile_interval_sorts_and_drops_non_finite_replicates() {
        let (low, high) =
            percentile_interval(vec![5.0, f64::NAN, 1.0, 4.0, f64::INFINITY, 2.0, 3.0]);
        assert!((low - 1.1).abs() < 1e-12, "{low}");
        assert!((high - 4.9).abs() < 1e-12, "{high}");
    }

    /// At u = 0.75 every x is pi/2: sin = 1, so the value is 1 + 7 + 0.1 (pi/2)^4
    /// = 8 + 0.608806819 = 8.608806819; at u = 0.5 every x is 0 and the value is 0.
    #[test]
    fn ishigami_at_known_points() {
        assert!((ishigami(&[0.75, 0.75, 0.75]) - 8.608_806_819).abs() < 1e-8);
        assert!(ishigami(&[0.5, 0.5, 0.5]).abs() < 1e-12);
        // x1 = -pi/2, x2 = 0, x3 = pi/2: -1 + 0 - 0.608806819.
        assert!((ishigami(&[0.25, 0.5, 0.75]) + 1.608_806_819).abs() < 1e-8);
    }
}
