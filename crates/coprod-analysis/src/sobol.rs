//! Sobol variance-based sensitivity indices from a Saltelli design (Saltelli et al. 2010),
//! with bootstrap intervals, and the noise share of a stochastic model's outputs.
//!
//! Two independent `N x k` uniform matrices A and B give, per row j, the points `A_j`, `B_j`
//! and `AB_ij` (A_j with column i taken from B_j), `N (k + 2)` points in all. With V the
//! variance of all `f(A)` and `f(B)` values:
//!
//! * first order (Saltelli 2010): `S_i = mean_j f(B_j) (f(AB_ij) - f(A_j)) / V`, with f
//!   centred on the mean of the `f(A)` and `f(B)` values (as SALib does);
//! * total (Jansen 1999): `ST_i = mean_j (f(A_j) - f(AB_ij))^2 / (2 V)`.
//!
//! Both are Monte Carlo estimates: at small N they can fall below 0 or above 1, and
//! `S_i > ST_i` can happen; the bootstrap intervals (resampling rows j) show how far to trust
//! them.

use crate::random::{SOBOL_BOOTSTRAP, SOBOL_DESIGN, index, rng, uniform};
use crate::{Interval, percentile_interval};

/// A Saltelli design in the unit cube.
#[derive(Clone, Debug, PartialEq)]
pub struct SaltelliDesign {
    /// Number of factors k.
    pub factors: usize,
    /// Base sample size N (rows of A and B).
    pub base_samples: usize,
    /// The points, row by row: for row j, `A_j`, `B_j`, then `AB_1j .. AB_kj`.
    pub points: Vec<Vec<f64>>,
}

/// Sobol indices of one factor.
#[derive(Clone, Debug, PartialEq)]
pub struct SobolIndex {
    /// First-order index S_i: the share of output variance due to factor i alone.
    pub first: f64,
    /// Bootstrap 95% interval of `first`.
    pub first_ci: Interval,
    /// Total index ST_i: the share due to factor i including all its interactions.
    pub total: f64,
    /// Bootstrap 95% interval of `total`.
    pub total_ci: Interval,
}

/// A Saltelli design of `base_samples` rows over `factors` factors, reproducible from
/// `seed` (plain Monte Carlo sampling of A and B).
pub fn saltelli_design(factors: usize, base_samples: usize, seed: u64) -> SaltelliDesign {
    let mut points = Vec::with_capacity(base_samples * (factors + 2));
    points.extend(saltelli_points(factors, base_samples, seed));
    SaltelliDesign {
        factors,
        base_samples,
        points,
    }
}

/// The points of [`saltelli_design`], in its order, drawn one row at a time: a caller that
/// only looks at each point (to check it) need not hold a design of millions.
pub fn saltelli_points(
    factors: usize,
    base_samples: usize,
    seed: u64,
) -> impl Iterator<Item = Vec<f64>> {
    let mut rng = rng(seed, SOBOL_DESIGN);
    let k = factors;
    (0..base_samples).flat_map(move |_| {
        let a: Vec<f64> = (0..k).map(|_| uniform(&mut rng)).collect();
        let b: Vec<f64> = (0..k).map(|_| uniform(&mut rng)).collect();
        let mut row = Vec::with_capacity(k + 2);
        row.push(a.clone());
        row.push(b.clone());
        for i in 0..k {
            let mut ab = a.clone();
            ab[i] = b[i];
            row.push(ab);
        }
        row
    })
}

/// Sobol indices for outputs `y` (one per point of `design`, in its order), with bootstrap
/// intervals from `bootstrap` resamples of the rows, reproducible from `seed`.
pub fn sobol_indices(
    design: &SaltelliDesign,
    y: &[f64],
    bootstrap: usize,
    seed: u64,
) -> Vec<SobolIndex> {
    let n = design.base_samples;
    let all: Vec<usize> = (0..n).collect();
    let point = estimate(design, y, &all);
    let mut rng = rng(seed, SOBOL_BOOTSTRAP);
    let mut firsts = vec![Vec::with_capacity(bootstrap); design.factors];
    let mut totals = vec![Vec::with_capacity(bootstrap); design.factors];
    let mut rows = vec![0usize; n];
    for _ in 0..bootstrap {
        for r in rows.iter_mut() {
            *r = index(&mut rng, n.max(1));
        }
        for (i, (s, st)) in estimate(design, y, &rows).into_iter().enumerate() {
            firsts[i].push(s);
            totals[i].push(st);
        }
    }
    point
        .into_iter()
        .zip(firsts.into_iter().zip(totals))
        .map(|((first, total), (fs, ts))| SobolIndex {
            first,
            first_ci: percentile_interval(fs),
            total,
            total_ci: percentile_interval(ts),
        })
        .collect()
}

/// (S_i, ST_i) per factor from the given rows (with repetition).
fn estimate(design: &SaltelliDesign, y: &[f64], rows: &[usize]) -> Vec<(f64, f64)> {
    let k = design.factors;
    let stride = k + 2;
    let m = rows.len() as f64;
    let a_and_b = || {
        rows.iter()
            .flat_map(|&j| [y[j * stride], y[j * stride + 1]])
    };
    let mean = a_and_b().sum::<f64>() / (2.0 * m);
    // An output that never varies has no shares of variance (0 / 0); the mean's rounding
    // residue would give a variance just above 0 and indices of 0 instead.
    let first_value = rows.first().map(|&j| y[j * stride]);
    let constant = rows
        .iter()
        .all(|&j| Some(y[j * stride]) == first_value && Some(y[j * stride + 1]) == first_value);
    let variance = if constant {
        0.0
    } else {
        // Squared deviations from the mean, not mean(v^2) - mean^2: with outputs far from 0
        // (a level of 1e8 and a spread of a few units) that difference cancels to noise.
        a_and_b().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (2.0 * m - 1.0)
    };
    (0..k)
        .map(|i| {
            let (mut first, mut total) = (0.0, 0.0);
            for &j in rows {
                // Centred on the mean: the same expectation, a much smaller variance when
                // the output's mean is large relative to its spread.
                let fa = y[j * stride] - mean;
                let fb = y[j * stride + 1] - mean;
                let fab = y[j * stride + 2 + i] - mean;
                first += fb * (fab - fa);
                total += (fa - fab) * (fa - fab);
            }
            if variance > 0.0 {
                (first / m / variance, total / m / (2.0 * variance))
            } else {
                (f64::NAN, f64::NAN)
            }
        })
        .collect()
}

/// The share of the variance of replication-averaged outputs that is stochastic noise.
///
/// `replicates[p]` holds the outputs of design point `p` over its replications (all of the
/// same length `R >= 2`). The noise variance of a point's mean is `s_p^2 / R` (s_p^2: the
/// within-point variance); the share is its average over points divided by the variance of
/// the point means, capped at 1. Near 0: the design's spread is parameter effects; near 1:
/// the indices mostly describe noise (use more replications per point). `None` with fewer
/// than 2 points or 2 replications, or when the point means do not vary.
pub fn noise_share(replicates: &[Vec<f64>]) -> Option<f64> {
    let reps = replicates.first()?.len();
    if replicates.len() < 2 || reps < 2 || replicates.iter().any(|r| r.len() != reps) {
        return None;
    }
    let rf = reps as f64;
    let means: Vec<f64> = replicates
        .iter()
        .map(|r| r.iter().sum::<f64>() / rf)
        .collect();
    let within: f64 = replicates
        .iter()
        .zip(&means)
        .map(|(r, m)| r.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / (rf - 1.0) / rf)
        .sum::<f64>()
        / replicates.len() as f64;
    // Means that never vary have no variance to share (0 / 0); the grand mean's rounding
    // residue would give a variance just above 0 and a share of 1 instead.
    if means.iter().all(|m| *m == means[0]) {
        return None;
    }
    let grand = means.iter().sum::<f64>() / means.len() as f64;
    let total =
        means.iter().map(|m| (m - grand) * (m - grand)).sum::<f64>() / (means.len() as f64 - 1.0);
    (total > 0.0).then(|| (within / total).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ISHIGAMI_FIRST_ORDER, ISHIGAMI_TOTAL, ishigami};

    /// The acceptance test: at N = 2^14 base samples (16,384 x 5 = 81,920 evaluations)
    /// every index is within 0.05 of its analytic value.
    #[test]
    fn ishigami_indices_within_tolerance() {
        let design = saltelli_design(3, 1 << 14, 2024);
        let y: Vec<f64> = design.points.iter().map(|x| ishigami(x)).collect();
        let indices = sobol_indices(&design, &y, 100, 2024);
        assert_eq!(indices.len(), 3, "one index per factor");
        for (i, index) in indices.iter().enumerate() {
            eprintln!(
                "x{}: S {:.4} [{:.4}, {:.4}] (analytic {}), ST {:.4} [{:.4}, {:.4}] (analytic {})",
                i + 1,
                index.first,
                index.first_ci.0,
                index.first_ci.1,
                ISHIGAMI_FIRST_ORDER[i],
                index.total,
                index.total_ci.0,
                index.total_ci.1,
                ISHIGAMI_TOTAL[i]
            );
            assert!(
                (index.first - ISHIGAMI_FIRST_ORDER[i]).abs() < 0.05,
                "S{} = {} (analytic {})",
                i + 1,
                index.first,
                ISHIGAMI_FIRST_ORDER[i]
            );
            assert!(
                (index.total - ISHIGAMI_TOTAL[i]).abs() < 0.05,
                "ST{} = {} (analytic {})",
                i + 1,
                index.total,
                ISHIGAMI_TOTAL[i]
            );
            assert!(index.first_ci.0 <= index.first_ci.1);
            assert!(index.total_ci.0 < ISHIGAMI_TOTAL[i] + 0.05);
        }
    }

    #[test]
    fn an_output_that_never_varies_has_no_indices() {
        // 0.1 summed and averaged leaves a rounding residue in the one-pass variance; the
        // shares of a variance of 0 are undefined, not 0 with a certain interval.
        let design = saltelli_design(2, 64, 4);
        let y = vec![0.1; design.points.len()];
        for index in sobol_indices(&design, &y, 20, 4) {
            assert!(index.first.is_nan() && index.total.is_nan(), "{index:?}");
            assert!(
                index.first_ci.0.is_nan() && index.total_ci.1.is_nan(),
                "{index:?}"
            );
        }
    }

    #[test]
    fn indices_of_a_small_design_by_hand() {
        // Two rows, two factors; outputs per row A, B, AB_1, AB_2: (1, 3, 2, 1), (5, 7, 6, 4).
        // A and B values 1, 3, 5, 7: mean 4, variance 20/3. Centred, row 0 is (-3, -1, -2, -3)
        // and row 1 (1, 3, 2, 0).
        // S_1 = mean(fb (fab - fa)) / V = ((-1)(1) + 3(1)) / 2 / (20/3) = 3/20;
        // ST_1 = mean((fa - fab)^2) / 2V = (1 + 1) / 2 / (40/3) = 3/40;
        // S_2 = ((-1)(0) + 3(-1)) / 2 / (20/3) = -9/40; ST_2 = (0 + 1) / 2 / (40/3) = 3/80.
        let design = saltelli_design(2, 2, 1);
        let y = [1.0, 3.0, 2.0, 1.0, 5.0, 7.0, 6.0, 4.0];
        let indices = sobol_indices(&design, &y, 0, 1);
        let want = [(3.0 / 20.0, 3.0 / 40.0), (-9.0 / 40.0, 3.0 / 80.0)];
        for (index, (first, total)) in indices.iter().zip(want) {
            assert!((index.first - first).abs() < 1e-12, "{index:?}");
            assert!((index.total - total).abs() < 1e-12, "{index:?}");
        }
    }

    /// The hand-worked design above with a large level added to every output: the shares of
    /// variance are the same (3/20, 3/40, -9/40, 3/80; numpy's `np.var(..., ddof=1)` of
    /// the A and B values gives 20/3 at either level). Outputs like 1e9 + 1 are exact, so
    /// only the variance's arithmetic can differ: mean(v^2) - mean^2 works on numbers near
    /// 1e18, whose spacing (128) is far above the variance.
    #[test]
    fn indices_ignore_the_level_of_the_output() {
        let design = saltelli_design(2, 2, 1);
        let want = [(3.0 / 20.0, 3.0 / 40.0), (-9.0 / 40.0, 3.0 / 80.0)];
        for level in [0.0, 1e6, 1e9] {
            let y = [1.0, 3.0, 2.0, 1.0, 5.0, 7.0, 6.0, 4.0].map(|v| v + level);
            let indices = sobol_indices(&design, &y, 0, 1);
            for (index, (first, total)) in indices.iter().zip(want) {
                assert!((index.first - first).abs() < 1e-12, "{level}: {index:?}");
                assert!((index.total - total).abs() < 1e-12, "{level}: {index:?}");
            }
        }
    }

    #[test]
    fn a_rare_event_still_has_indices() {
        // A 0/1 output that is 1 at a single point of four rows still varies: the A and B
        // values are seven 0s and one 1, mean 1/8 and variance (1/8 - 1/64) x 8/7 = 1/8.
        let design = saltelli_design(2, 4, 6);
        let stride = 4;
        // At B of row 2: no AB point differs from its A point, so S = ST = 0.
        let mut y = vec![0.0; design.points.len()];
        y[2 * stride + 1] = 1.0;
        for index in sobol_indices(&design, &y, 0, 6) {
            assert_eq!((index.first, index.total), (0.0, 0.0), "{index:?}");
        }
        // At A of row 2: every AB point of that row loses the event (fab - fa = -1, fb =
        // -1/8), so S = (1/8) / 4 / (1/8) = 1/4 and ST = 1 / 4 / (1/4) = 1.
        let mut y = vec![0.0; design.points.len()];
        y[2 * stride] = 1.0;
        for index in sobol_indices(&design, &y, 0, 6) {
            assert!((index.first - 0.25).abs() < 1e-12, "{index:?}");
            assert!((index.total - 1.0).abs() < 1e-12, "{index:?}");
        }
    }

    #[test]
    fn no_indices_when_a_and_b_never_vary() {
        // V is the variance of the A and B values only: if they never vary there are no
        // shares of it, whatever the AB points give (0.1 leaves a rounding residue in the
        // mean, so fb (fab - fa) is not exactly 0 and a division by V = 0 would be infinite).
        let design = saltelli_design(2, 4, 6);
        let y: Vec<f64> = (0..design.points.len())
            .map(|p| if p % 4 < 2 { 0.1 } else { 1.0 })
            .collect();
        for index in sobol_indices(&design, &y, 50, 6) {
            assert!(index.first.is_nan() && index.total.is_nan(), "{index:?}");
            assert!(
                index.first_ci.0.is_nan() && index.total_ci.1.is_nan(),
                "{index:?}"
            );
        }
    }

    /// The same over many rows, so that bootstrap resamples start at rows far from the
    /// first: whichever row a resample starts with, its A value is the reference the A and
    /// B values are compared with, and a V of 0 gives no index and no interval.
    #[test]
    fn no_interval_when_a_and_b_never_vary_in_any_resample() {
        let design = saltelli_design(2, 64, 6);
        let y: Vec<f64> = (0..design.points.len())
            .map(|p| if p % 4 < 2 { 0.1 } else { 1.0 })
            .collect();
        for index in sobol_indices(&design, &y, 200, 6) {
            assert!(index.first.is_nan() && index.total.is_nan(), "{index:?}");
            let (f, t) = (index.first_ci, index.total_ci);
            for end in [f.0, f.1, t.0, t.1] {
                assert!(end.is_nan(), "{index:?}");
            }
        }
    }

    #[test]
    fn design_has_the_saltelli_shape() {
        let d = saltelli_design(2, 4, 1);
        assert_eq!(d.points.len(), 4 * 4);
        let (a, b, ab0, ab1) = (&d.points[0], &d.points[1], &d.points[2], &d.points[3]);
        assert_eq!((ab0[0], ab0[1]), (b[0], a[1]));
        assert_eq!((ab1[0], ab1[1]), (a[0], b[1]));
        assert_eq!(d, saltelli_design(2, 4, 1));
    }

    #[test]
    fn noise_share_of_pure_noise_and_pure_signal() {
        let signal = vec![vec![1.0, 1.0], vec![2.0, 2.0], vec![3.0, 3.0]];
        assert_eq!(noise_share(&signal), Some(0.0));
        let noisy = vec![vec![0.0, 2.0], vec![2.0, 0.0], vec![1.0, 1.2]];
        assert!(noise_share(&noisy).unwrap() > 0.9);
        assert_eq!(noise_share(&[vec![1.0]]), None);
    }

    #[test]
    fn noise_share_by_hand() {
        // Means 2, 5, 8 (variance 9); within-point variances 1, 0, 1, each over 3
        // replications: noise variance of the means (1/3 + 0 + 1/3) / 3 = 2/9; share 2/81.
        let three = vec![
            vec![1.0, 2.0, 3.0],
            vec![5.0, 5.0, 5.0],
            vec![7.0, 8.0, 9.0],
        ];
        assert!((noise_share(&three).unwrap() - 2.0 / 81.0).abs() < 1e-12);
        // Two points suffice: means 2 and 6 (variance 8), noise (2/2 + 2/2) / 2 = 1: 1/8.
        let two = vec![vec![1.0, 3.0], vec![5.0, 7.0]];
        assert!((noise_share(&two).unwrap() - 0.125).abs() < 1e-12);
        // Values 0, 1, 1 / 3, 4, 4 / 6, 6, 7: within-point variances 1/3 each, noise
        // variance of the means 1/9; means 2/3, 11/3, 19/3 around 32/9, deviations -26/9,
        // 1/9, 25/9, variance (676 + 1 + 625) / 81 / 2 = 217/27; share 3/217. Adding a large
        // level to every output changes nothing (the means are not representable, so their
        // rounding must not be multiplied by the level: `(v - m) (v + m)` is no square).
        for level in [0.0, 1e9] {
            let points: Vec<Vec<f64>> = [[0.0, 1.0, 1.0], [3.0, 4.0, 4.0], [6.0, 6.0, 7.0]]
                .iter()
                .map(|p| p.iter().map(|v| v + level).collect())
                .collect();
            let share = noise_share(&points).unwrap();
            assert!((share - 3.0 / 217.0).abs() < 1e-9, "level {level}: {share}");
        }
        // One replication per point says nothing about noise.
        assert_eq!(noise_share(&[vec![1.0], vec![2.0]]), None);
        assert_eq!(noise_share(&[vec![1.0, 2.0], vec![2.0]]), None);
        // Equal means: all noise, but no variance of the means to share.
        assert_eq!(noise_share(&[vec![1.0, 2.0], vec![2.0, 1.0]]), None);
    }

    /// Equal point means whose grand mean rounds away from them (0.1 x 3 / 3 is not 0.1)
    /// still have no variance to share: the rounding residue (about 1e-34) gave a share of 1.
    #[test]
    fn equal_means_have_no_noise_share_whatever_their_rounding() {
        let points = vec![vec![0.05, 0.15]; 3];
        assert_eq!(noise_share(&points), None);
    }
}
