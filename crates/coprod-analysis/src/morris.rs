//! Morris elementary-effects screening (Morris 1991; mu* from Campolongo et al. 2007).
//!
//! A trajectory starts at a random point of a `levels`-level grid of the unit cube and moves
//! one factor at a time, in random order, by `delta = levels / (2 (levels - 1))` (up, or
//! down if up would leave the cube). Each move gives one elementary effect
//! `EE_i = (y(x + delta e_i) - y(x)) / (+-delta)`: the change of the output per full range
//! of factor `i` (for a factor that cannot take every grid value, divided by the step it
//! really took: see `MorrisDesign::realised`). Over `r` trajectories, `mu` is the mean of the effects, `mu*` the mean of
//! their absolute values (importance) and `sigma` their standard deviation (non-linearity or
//! interactions). Bootstrap intervals resample trajectories.

use crate::random::{MORRIS_BOOTSTRAP, MORRIS_DESIGN, index, rng};
use crate::{Interval, percentile_interval};

/// A Morris design: `trajectories` runs of `factors + 1` points each, in the unit cube.
#[derive(Clone, Debug, PartialEq)]
pub struct MorrisDesign {
    /// Number of factors k.
    pub factors: usize,
    /// Number of trajectories r.
    pub trajectories: usize,
    /// Grid step of a move.
    pub delta: f64,
    /// The points, trajectory by trajectory: `r (k + 1)` points of `k` coordinates.
    pub points: Vec<Vec<f64>>,
    /// For each trajectory, the factor moved at each of its `k` moves.
    pub moved: Vec<Vec<usize>>,
}

/// Morris statistics of one factor.
#[derive(Clone, Debug, PartialEq)]
pub struct MorrisIndex {
    /// Mean elementary effect (signed; effects of opposite sign cancel).
    pub mu: f64,
    /// Mean absolute elementary effect: the importance measure.
    pub mu_star: f64,
    /// Standard deviation of the elementary effects (n - 1 denominator).
    pub sigma: f64,
    /// Bootstrap 95% interval of `mu`.
    pub mu_ci: Interval,
    /// Bootstrap 95% interval of `mu_star`.
    pub mu_star_ci: Interval,
    /// Bootstrap 95% interval of `sigma`.
    pub sigma_ci: Interval,
    /// Elementary effects used (one per trajectory).
    pub n: usize,
}

/// A design of `trajectories` trajectories over `factors` factors on a `levels`-level grid
/// (`levels` even, at least 2), reproducible from `seed`.
pub fn morris_design(
    factors: usize,
    trajectories: usize,
    levels: usize,
    seed: u64,
) -> MorrisDesign {
    let mut points = Vec::with_capacity(trajectories * (factors + 1));
    let mut moved = Vec::with_capacity(trajectories);
    for (trajectory, order) in morris_trajectories(factors, trajectories, levels, seed) {
        points.extend(trajectory);
        moved.push(order);
    }
    MorrisDesign {
        factors,
        trajectories,
        delta: morris_delta(levels),
        points,
        moved,
    }
}

/// The points of [`morris_design`], in its order, drawn one trajectory at a time: a caller
/// that only looks at each point (to check it) need not hold a design of millions.
pub fn morris_points(
    factors: usize,
    trajectories: usize,
    levels: usize,
    seed: u64,
) -> impl Iterator<Item = Vec<f64>> {
    morris_trajectories(factors, trajectories, levels, seed).flat_map(|(points, _)| points)
}

/// The grid step of a move on a `levels`-level grid.
fn morris_delta(levels: usize) -> f64 {
    let levels = levels.max(2);
    levels as f64 / (2.0 * (levels - 1) as f64)
}

/// The trajectories of a design, one at a time: each trajectory's `k + 1` points and the
/// factor moved at each of its `k` moves.
fn morris_trajectories(
    factors: usize,
    trajectories: usize,
    levels: usize,
    seed: u64,
) -> impl Iterator<Item = (Vec<Vec<f64>>, Vec<usize>)> {
    let levels = levels.max(2);
    let step = 1.0 / (levels - 1) as f64;
    let delta = morris_delta(levels);
    let mut rng = rng(seed, MORRIS_DESIGN);
    (0..trajectories).map(move |_| {
        let mut x: Vec<f64> = (0..factors)
            .map(|_| index(&mut rng, levels) as f64 * step)
            .collect();
        // A random order (Fisher-Yates).
        let mut order: Vec<usize> = (0..factors).collect();
        for i in (1..factors).rev() {
            order.swap(i, index(&mut rng, i + 1));
        }
        let mut points = Vec::with_capacity(factors + 1);
        points.push(x.clone());
        for &i in &order {
            let up = index(&mut rng, 2) == 0;
            x[i] = if (up && x[i] + delta <= 1.0 + 1e-12) || x[i] - delta < -1e-12 {
                (x[i] + delta).min(1.0)
            } else {
                (x[i] - delta).max(0.0)
            };
            points.push(x.clone());
        }
        (points, order)
    })
}

impl MorrisDesign {
    /// The design with every coordinate replaced by `realised(factor, x)`: where the points
    /// really are when a factor cannot take every value of the grid (a whole-number
    /// parameter is rounded), so that each effect is divided by the step actually taken.
    pub fn realised(&self, realised: impl Fn(usize, f64) -> f64) -> MorrisDesign {
        let points = self
            .points
            .iter()
            .map(|x| x.iter().enumerate().map(|(i, &v)| realised(i, v)).collect())
            .collect();
        MorrisDesign {
            points,
            ..self.clone()
        }
    }

    /// The elementary effects, `[factor][trajectory]`, of outputs `y` (one per point). A
    /// move that leaves its factor where it was (possible only in a [`realised`] design)
    /// gives no effect: `None`.
    ///
    /// [`realised`]: MorrisDesign::realised
    pub fn elementary_effects(&self, y: &[f64]) -> Vec<Vec<Option<f64>>> {
        let k = self.factors;
        let mut effects = vec![vec![None; self.trajectories]; k];
        for (t, order) in self.moved.iter().enumerate() {
            let base = t * (k + 1);
            for (step, &i) in order.iter().enumerate() {
                let (a, b) = (base + step, base + step + 1);
                let dx = self.points[b][i] - self.points[a][i];
                effects[i][t] = (dx != 0.0).then(|| (y[b] - y[a]) / dx);
            }
        }
        effects
    }
}

/// Morris statistics of each factor for outputs `y` (one per design point), with bootstrap
/// intervals from `bootstrap` resamples of the trajectories, reproducible from `seed`.
pub fn morris_indices(
    design: &MorrisDesign,
    y: &[f64],
    bootstrap: usize,
    seed: u64,
) -> Vec<MorrisIndex> {
    let effects = design.elementary_effects(y);
    let r = design.trajectories;
    let mut rng = rng(seed, MORRIS_BOOTSTRAP);
    let mut draws = vec![[Vec::new(), Vec::new(), Vec::new()]; design.factors];
    let mut sample = vec![0usize; r];
    for _ in 0..bootstrap {
        for s in sample.iter_mut() {
            *s = index(&mut rng, r.max(1));
        }
        for (i, ee) in effects.iter().enumerate() {
            let resampled: Vec<f64> = sample.iter().filter_map(|&t| ee[t]).collect();
            let (mu, mu_star, sigma) = stats(&resampled);
            draws[i][0].push(mu);
            draws[i][1].push(mu_star);
            draws[i][2].push(sigma);
        }
    }
    effects
        .iter()
        .zip(draws)
        .map(|(ee, [mus, stars, sigmas])| {
            let ee: Vec<f64> = ee.iter().flatten().copied().collect();
            let (mu, mu_star, sigma) = stats(&ee);
            MorrisIndex {
                mu,
                mu_star,
                sigma,
                mu_ci: interval_of(mu, mus),
                mu_star_ci: interval_of(mu_star, stars),
                sigma_ci: interval_of(sigma, sigmas),
                n: ee.len(),
            }
        })
        .collect()
}

/// The bootstrap interval of an estimate, none (NaN) for an undefined estimate: `sigma`
/// from one effect is undefined, but a resample that draws its trajectory twice has two
/// equal effects and a `sigma` of 0, which would give an interval of 0 to 0.
fn interval_of(estimate: f64, replicates: Vec<f64>) -> Interval {
    if estimate.is_nan() {
        return (f64::NAN, f64::NAN);
    }
    percentile_interval(replicates)
}

/// (mean, mean absolute value, sample standard deviation).
fn stats(values: &[f64]) -> (f64, f64, f64) {
    let n = values.len() as f64;
    if values.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let mu = values.iter().sum::<f64>() / n;
    let mu_star = values.iter().map(|v| v.abs()).sum::<f64>() / n;
    let sigma = if values.len() < 2 {
        f64::NAN
    } else {
        (values.iter().map(|v| (v - mu) * (v - mu)).sum::<f64>() / (n - 1.0)).sqrt()
    };
    (mu, mu_star, sigma)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_function_has_exact_effects() {
        // y = 3 x0 - 2 x1 + 0 x2: every elementary effect of factor i is its coefficient.
        let design = morris_design(3, 20, 4, 5);
        assert_eq!(design.points.len(), 20 * 4);
        assert!(
            design
                .points
                .iter()
                .flatten()
                .all(|v| (0.0..=1.0).contains(v))
        );
        let y: Vec<f64> = design
            .points
            .iter()
            .map(|x| 3.0 * x[0] - 2.0 * x[1])
            .collect();
        let m = morris_indices(&design, &y, 100, 5);
        assert!((m[0].mu - 3.0).abs() < 1e-9 && (m[0].mu_star - 3.0).abs() < 1e-9);
        assert!((m[1].mu + 2.0).abs() < 1e-9 && (m[1].mu_star - 2.0).abs() < 1e-9);
        assert!(m[2].mu_star.abs() < 1e-12 && m[0].sigma < 1e-9);
    }

    #[test]
    fn effects_are_divided_by_the_step_really_taken() {
        // A factor that takes only the values 0, 0.5 and 1 (as a whole-number parameter over
        // [0, 2] does): y is linear in where the factor really is, so every effect is the
        // slope, 5, although the grid step (2/3 of the range) moves it by 1/2 or 1.
        let design = morris_design(2, 40, 4, 3);
        let realised = design.realised(|i, x| if i == 0 { (x * 2.0).round() / 2.0 } else { x });
        let y: Vec<f64> = realised.points.iter().map(|x| 5.0 * x[0] + x[1]).collect();
        let m = morris_indices(&realised, &y, 50, 3);
        assert!(
            (m[0].mu - 5.0).abs() < 1e-12 && m[0].sigma < 1e-12,
            "{:?}",
            m[0]
        );
        assert_eq!(m[0].n, 40);
        // Every move really takes it by 1/2; divided by the grid step, 2/3, the slope would
        // read 3.75.
        let nominal = morris_indices(&design, &y, 0, 3);
        assert!((nominal[0].mu - 3.75).abs() < 1e-12, "{:?}", nominal[0]);
    }

    #[test]
    fn a_move_that_stays_in_place_gives_no_effect() {
        // Every point of factor 0 is realised at 0.5: no move of it is an effect.
        let design = morris_design(2, 10, 4, 8);
        let realised = design.realised(|i, x| if i == 0 { 0.5 } else { x });
        let y: Vec<f64> = realised.points.iter().map(|x| x[0] + 2.0 * x[1]).collect();
        let m = morris_indices(&realised, &y, 20, 8);
        assert_eq!(m[0].n, 0);
        assert!(m[0].mu.is_nan() && m[0].mu_star.is_nan());
        assert!((m[1].mu - 2.0).abs() < 1e-12 && m[1].n == 10);
    }

    /// A factor that moves in one trajectory only has one effect: `sigma` is undefined, and
    /// so is its interval (resamples drawing that trajectory twice have a `sigma` of 0).
    #[test]
    fn sigma_of_one_effect_has_no_interval() {
        // One factor, three trajectories; rounding leaves it in place in the last two.
        let design = MorrisDesign {
            factors: 1,
            trajectories: 3,
            delta: 2.0 / 3.0,
            points: vec![
                vec![0.0],
                vec![2.0 / 3.0],
                vec![0.5],
                vec![0.5],
                vec![0.5],
                vec![0.5],
            ],
            moved: vec![vec![0]; 3],
        };
        let y: Vec<f64> = design.points.iter().map(|x| 2.0 * x[0]).collect();
        let m = &morris_indices(&design, &y, 200, 4)[0];
        assert_eq!(m.n, 1, "{m:?}");
        assert!(m.sigma.is_nan(), "{m:?}");
        assert!(m.sigma_ci.0.is_nan() && m.sigma_ci.1.is_nan(), "{m:?}");
        // Its mean effect is defined, and so is its interval.
        assert!((m.mu - 2.0).abs() < 1e-12, "{m:?}");
        assert!(
            (m.mu_ci.0 - 2.0).abs() < 1e-12 && (m.mu_ci.1 - 2.0).abs() < 1e-12,
            "{m:?}"
        );
    }

    #[test]
    fn factors_move_in_uniformly_random_orders() {
        // Fisher-Yates gives each of the 3! orders; a cyclic shuffle would give only two,
        // and with two factors the same one would always move first.
        let design = morris_design(3, 60, 4, 2);
        let orders: std::collections::BTreeSet<_> = design.moved.iter().collect();
        assert_eq!(orders.len(), 6, "{orders:?}");
    }

    #[test]
    fn sigma_is_the_sample_standard_deviation_of_the_effects() {
        // Effects -1 and 3: mean 1, mean absolute 2, sample variance (4 + 4) / 1 = 8.
        let (mu, mu_star, sigma) = stats(&[-1.0, 3.0]);
        assert_eq!((mu, mu_star), (1.0, 2.0));
        assert!((sigma - 8f64.sqrt()).abs() < 1e-12, "{sigma}");
        // Effects -1, 3 and 4: mean 2, sample variance (9 + 1 + 4) / 2 = 7.
        assert!((stats(&[-1.0, 3.0, 4.0]).2 - 7f64.sqrt()).abs() < 1e-12);
        // One effect has no spread to estimate.
        assert!(stats(&[2.0]).2.is_nan());
    }

    #[test]
    fn ishigami_ranks_factors() {
        // x3 acts only through its interaction with x1: mu* large relative to mu.
        let design = morris_design(3, 200, 4, 1);
        let y: Vec<f64> = design.points.iter().map(|x| crate::ishigami(x)).collect();
        let m = morris_indices(&design, &y, 200, 1);
        assert!(m[0].mu_star > m[2].mu_star * 0.5);
        assert!(m[1].mu_star > 1.0 && m[1].mu.abs() < m[1].mu_star);
        assert!(m[0].mu_star_ci.0 <= m[0].mu_star && m[0].mu_star <= m[0].mu_star_ci.1);
    }
}
