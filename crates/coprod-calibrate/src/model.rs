//! The coprod model as an ABC simulator: the scenario's parameters with the estimated ones
//! set, one run of the scenario's steps, and the targets' metrics at the targets' steps.

use coprod_core::{Detail, Intervention, METRICS, Params, simulate};
use coprod_output::Target;
use coprod_scenario::Scenario;

use crate::CalibrateError;

/// Runs the model for a parameter vector and reads off the targeted metrics.
#[derive(Clone, Debug)]
pub struct ModelSimulator {
    base: Params,
    /// The baseline's interventions (the scenario's own and the baseline variant's), as
    /// `coprod run` applies them to the baseline.
    interventions: Vec<Intervention>,
    estimated: Vec<usize>,
    steps: u32,
    /// (metric column in `METRICS`, step) per target.
    picks: Vec<(usize, u32)>,
}

/// The step metrics a lab run reports that can inform a calibration (its
/// `participation_rate` is always 1).
const LAB_METRICS: [&str; 2] = ["mean_contribution", "service_output"];

impl ModelSimulator {
    /// For `scenario` (its base parameters and steps) and `targets`. Fails if a target's
    /// step is beyond the scenario's steps, or if it names a metric the lab does not report
    /// in a lab scenario.
    pub fn new(scenario: &Scenario, targets: &[Target]) -> Result<ModelSimulator, CalibrateError> {
        let calibration = scenario
            .calibration
            .as_ref()
            .ok_or(CalibrateError::NoCalibration)?;
        let mut picks = Vec::with_capacity(targets.len());
        for t in targets {
            let column = METRICS
                .iter()
                .position(|(name, _, _)| *name == t.metric)
                .expect("the targets reader accepts only metric names");
            if scenario.base.is_lab() && !LAB_METRICS.contains(&t.metric.as_str()) {
                return Err(CalibrateError::Target(format!(
                    "target `{}`: the lab setting reports only {} (docs/outputs.md); \
                     the other step metrics are 0 in every lab run",
                    t.metric,
                    LAB_METRICS.join(" and ")
                )));
            }
            if t.step >= scenario.steps {
                return Err(CalibrateError::Target(format!(
                    "target `{}` at step {} is beyond the scenario's {} steps",
                    t.metric, t.step, scenario.steps
                )));
            }
            picks.push((column, t.step));
        }
        Ok(ModelSimulator {
            base: scenario.base.clone(),
            interventions: scenario
                .variants
                .first()
                .map(|v| v.interventions.clone())
                .unwrap_or_default(),
            estimated: calibration.estimated.iter().map(|e| e.param).collect(),
            steps: scenario.steps,
            picks,
        })
    }

    /// The targeted metrics of one run with parameters `theta` and `seed`.
    pub fn summaries(&self, theta: &[f64], seed: u64) -> Result<Vec<f64>, CalibrateError> {
        let mut params = self.base.clone();
        let invalid = |reason: String| CalibrateError::InvalidParams {
            values: format!("{theta:?}"),
            reason,
        };
        for (&i, &v) in self.estimated.iter().zip(theta) {
            params.set_index(i, v).map_err(|e| invalid(e.to_string()))?;
        }
        params.validate().map_err(|e| invalid(e.to_string()))?;
        let out = simulate(
            &params,
            &self.interventions,
            self.steps,
            seed,
            Detail::Standard,
        );
        Ok(self
            .picks
            .iter()
            .map(|&(column, step)| out.steps[step as usize].values()[column])
            .collect())
    }
}

/// Root mean square of the standardised differences (simulated - observed) / se.
pub fn distance(simulated: &[f64], targets: &[Target]) -> f64 {
    let sum: f64 = simulated
        .iter()
        .zip(targets)
        .map(|(s, t)| ((s - t.observed) / t.se).powi(2))
        .sum();
    libm::sqrt(sum / targets.len() as f64)
}
