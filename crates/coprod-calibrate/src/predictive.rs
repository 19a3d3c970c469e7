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

/// Root mean square error of the predictive means against the observations.
pub fn rmse(rows: &[PredictiveRow]) -> f64 {
    let sum: f64 = rows
        .iter()
        .map(|r| (r.mean - r.target.observed).powi(2))
        .sum();
    libm::sqrt(sum / rows.len() as f64)
}
