//! The posterior predictive check: one new simulation per final particle (fresh seeds),
//! and per target the weighted mean and 95% interval of the simulated values.

use coprod_output::Target;
use rayon::prelude::*;

use crate::smc::{Generation, weighted_quantile};
use crate::{CalibrateError, random};

/// One target with its posterior predictive summary.
#[derive(Clone, Debug, PartialEq)]
pub struct PredictiveRow {
    /// The target.
    pub target: Target,
    /// Weighted mean of the simulated values.
    pub mean: f64,
    /// 2.5% weighted quantile.
    pub lower: f64,
    /// 97.5% weighted quantile.
    pub upper: f64,
}

impl PredictiveRow {
    /// Whether the observed value lies inside the 95% interval.
    pub fn covered(&self) -> bool {
        (self.lower..=self.upper).contains(&self.target.observed)
    }
}

/// Simulates every particle of `posterior` once more with seeds drawn from `seed`.
pub fn predictive<S>(
    posterior: &Generation,
    targets: &[Target],
    seed: u64,
    summaries: S,
) -> Result<Vec<PredictiveRow>, CalibrateError>
where
    S: Fn(&[f64], u64) -> Result<Vec<f64>, CalibrateError> + Sync,
{
    let sims: Vec<Vec<f64>> = posterior
        .particles
        .par_iter()
        .enumerate()
        .map(|(k, theta)| {
            let mut rng = random::stream(seed, u32::MAX, k as u64);
            summaries(theta, rand::Rng::next_u64(&mut rng))
        })
        .collect::<Result<_, _>>()?;
    Ok(targets
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let values: Vec<f64> = sims.iter().map(|s| s[i]).collect();
            let w = &posterior.weights;
            PredictiveRow {
                target: t.clone(),
                mean: values.iter().zip(w).map(|(v, w)| v * w).sum(),
                lower: weighted_quantile(&values, w, 0.025),
                upper: weighted_quantile(&values, w, 0.975),
            }
        })
        .collect())
}

/// Root mean square error of the predictive means against the observations, in the unit
/// of the rows' metric: only meaningful for rows of one metric (see [`rmse_by_metric`]).
pub fn rmse(rows: &[&PredictiveRow]) -> f64 {
    let sum: f64 = rows
        .iter()
        .map(|r| (r.mean - r.target.observed).powi(2))
        .sum();
    libm::sqrt(sum / rows.len() as f64)
}

/// The fit of the predictive means to the targets of one metric.
#[derive(Clone, Debug, PartialEq)]
pub struct MetricFit {
    /// The metric.
    pub metric: String,
    /// Root mean square error of its predictive means, in the metric's unit.
    pub rmse: f64,
    /// Its targets.
    pub targets: usize,
    /// Those of them inside the 95% predictive interval.
    pub covered: usize,
}

/// The fit of each metric of `rows`, in the order the metrics first appear. Metrics may
/// have different units (a contribution as a share, a payoff in tokens), so their errors
/// are never pooled into one number.
pub fn rmse_by_metric(rows: &[PredictiveRow]) -> Vec<MetricFit> {
    let mut metrics: Vec<&str> = Vec::new();
    for r in rows {
        if !metrics.contains(&r.target.metric.as_str()) {
            metrics.push(&r.target.metric);
        }
    }
    metrics
        .into_iter()
        .map(|metric| {
            let of: Vec<&PredictiveRow> =
                rows.iter().filter(|r| r.target.metric == metric).collect();
            MetricFit {
                metric: metric.to_string(),
                rmse: rmse(&of),
                targets: of.len(),
                covered: of.iter().filter(|r| r.covered()).count(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(observed: f64) -> Target {
        Target {
            metric: "mean_contribution".to_string(),
            step: 0,
            observed,
            se: 1.0,
            source: "test".to_string(),
        }
    }

    fn row(mean: f64, lower: f64, upper: f64, observed: f64) -> PredictiveRow {
        PredictiveRow {
            target: target(observed),
            mean,
            lower,
            upper,
        }
    }

    /// Four weighted particles, as a posterior.
    fn posterior() -> Generation {
        Generation {
            index: 2,
            tolerance: 1.0,
            acceptance_rate: 0.5,
            proposals: 8,
            simulations: 8,
            ess: 1.0 / 0.3,
            particles: vec![vec![1.0], vec![2.0], vec![3.0], vec![4.0]],
            weights: vec![0.1, 0.2, 0.3, 0.4],
            distances: vec![0.5; 4],
            seeds: vec![1, 2, 3, 4],
            complete: true,
        }
    }

    /// The interval's ends count as inside.
    #[test]
    fn covered_when_the_observation_is_inside_the_interval_ends_included() {
        assert!(row(1.5, 1.0, 2.0, 1.5).covered());
        assert!(row(1.5, 1.0, 2.0, 1.0).covered());
        assert!(row(1.5, 1.0, 2.0, 2.0).covered());
        assert!(!row(1.5, 1.0, 2.0, 2.5).covered());
        assert!(!row(1.5, 1.0, 2.0, 0.5).covered());
    }

    /// Errors 3 and 4: sqrt((9 + 16) / 2).
    #[test]
    fn rmse_is_the_root_mean_square_of_mean_minus_observed() {
        let rows = [row(4.0, 0.0, 9.0, 1.0), row(6.0, 0.0, 9.0, 2.0)];
        assert!((rmse(&[&rows[0], &rows[1]]) - 12.5f64.sqrt()).abs() < 1e-12);
        assert_eq!(rmse(&[&row(2.0, 0.0, 9.0, 2.0)]), 0.0);
    }

    /// A share off by 0.03 and 0.04 and a payoff in tokens off by 3: each metric's error in
    /// its own unit (0.0354 and 3), never one figure pooled over both (1.73), in the order
    /// the metrics first appear, with each metric's own targets and coverage.
    #[test]
    fn rmse_by_metric_keeps_each_metric_in_its_unit() {
        let of = |metric: &str, r: PredictiveRow| PredictiveRow {
            target: Target {
                metric: metric.to_string(),
                ..r.target
            },
            ..r
        };
        let rows = [
            of("service_output", row(23.0, 21.0, 25.0, 20.0)),
            of("mean_contribution", row(0.33, 0.2, 0.4, 0.3)),
            of("mean_contribution", row(0.44, 0.2, 0.5, 0.4)),
        ];
        let fits = rmse_by_metric(&rows);
        let names: Vec<&str> = fits.iter().map(|f| f.metric.as_str()).collect();
        assert_eq!(names, ["service_output", "mean_contribution"]);
        assert!((fits[0].rmse - 3.0).abs() < 1e-12, "{fits:?}");
        assert!((fits[1].rmse - 0.00125f64.sqrt()).abs() < 1e-12, "{fits:?}");
        assert_eq!((fits[0].targets, fits[0].covered), (1, 0));
        assert_eq!((fits[1].targets, fits[1].covered), (2, 2));
    }

    /// Summaries theta and 10 theta of particles 1..4 weighted 0.1..0.4: weighted means 3
    /// and 30; the 2.5% quantile is the first value (weight 0.1 >= 0.025), the 97.5% the
    /// last (the running weights are 0.1, 0.3, 0.6, 1).
    #[test]
    fn predictive_rows_are_weighted_means_and_quantiles_per_target() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let calls = AtomicUsize::new(0);
        let summaries = |theta: &[f64], _: u64| {
            calls.fetch_add(1, Ordering::Relaxed);
            Ok(vec![theta[0], 10.0 * theta[0]])
        };
        let targets = [target(3.5), target(50.0)];
        let rows = predictive(&posterior(), &targets, 7, summaries).unwrap();
        assert_eq!(
            calls.load(Ordering::Relaxed),
            4,
            "one simulation per particle"
        );
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].target, targets[0]);
        assert!((rows[0].mean - 3.0).abs() < 1e-12, "{}", rows[0].mean);
        assert_eq!((rows[0].lower, rows[0].upper), (1.0, 4.0));
        assert!(rows[0].covered());
        assert_eq!(rows[1].target, targets[1]);
        assert!((rows[1].mean - 30.0).abs() < 1e-12, "{}", rows[1].mean);
        assert_eq!((rows[1].lower, rows[1].upper), (10.0, 40.0));
        assert!(!rows[1].covered());
    }

    /// Fresh seeds: distinct per particle, the same for the same `seed`, others for another.
    #[test]
    fn predictive_seeds_are_distinct_and_reproducible() {
        let seeds = |seed: u64| {
            let got = std::sync::Mutex::new(Vec::new());
            let summaries = |theta: &[f64], s: u64| {
                got.lock().unwrap().push((theta[0] as u64, s));
                Ok(vec![theta[0]])
            };
            predictive(&posterior(), &[target(0.0)], seed, summaries).unwrap();
            let mut got = got.into_inner().unwrap();
            got.sort_unstable();
            got
        };
        let a = seeds(7);
        assert_eq!(a, seeds(7));
        assert_ne!(a, seeds(8));
        let mut distinct: Vec<u64> = a.iter().map(|&(_, s)| s).collect();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), 4);
    }

    #[test]
    fn predictive_passes_on_a_simulation_error() {
        let failing = |_: &[f64], _: u64| Err(CalibrateError::Target("boom".to_string()));
        assert!(predictive(&posterior(), &[target(0.0)], 7, failing).is_err());
    }
}
