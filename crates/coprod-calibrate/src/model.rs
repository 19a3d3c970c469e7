//! The coprod model as an ABC simulator: the scenario's parameters with the estimated ones
//! set, one run of the scenario's steps, and the targets' metrics at the targets' steps.

use coprod_core::{Detail, Intervention, LAB_METRICS, METRICS, Params, simulate};
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
            if let Some(why) = unreported_metric(scenario, &t.metric) {
                return Err(CalibrateError::Target(format!(
                    "target `{}`: {why}",
                    t.metric
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
            values: self
                .estimated
                .iter()
                .zip(theta)
                .map(|(&i, v)| format!("{} = {v}", coprod_core::SPECS[i].name))
                .collect::<Vec<_>>()
                .join(", "),
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

/// Why `scenario` cannot be calibrated against `metric`, if it cannot: a lab run reports
/// only `LAB_METRICS`, so a target of any other would be compared with 0 in every run.
pub fn unreported_metric(scenario: &Scenario, metric: &str) -> Option<String> {
    (scenario.base.is_lab() && !LAB_METRICS.contains(&metric)).then(|| {
        format!(
            "the lab setting reports only {} (docs/outputs.md); the other step metrics are \
             constants in every lab run (participation_rate 1, the others 0)",
            LAB_METRICS.join(" and ")
        )
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A target of `metric` at `step` with `observed` and `se`.
    fn target(metric: &str, step: u32, observed: f64, se: f64) -> Target {
        Target {
            metric: metric.to_string(),
            step,
            observed,
            se,
            source: "test".to_string(),
        }
    }

    /// (3 - 1) / 2 = 1 and (5 - 2) / 1 = 3: sqrt((1 + 9) / 2) = sqrt(5).
    #[test]
    fn distance_is_the_root_mean_square_of_standardised_differences() {
        let targets = [
            target("mean_contribution", 0, 1.0, 2.0),
            target("service_output", 1, 2.0, 1.0),
        ];
        let d = distance(&[3.0, 5.0], &targets);
        assert!((d - 5f64.sqrt()).abs() < 1e-12, "{d}");
        assert_eq!(distance(&[1.0, 2.0], &targets), 0.0);
    }

    /// A tiny lab run: the summaries are the targeted metrics, in the targets' order, of
    /// one run of the scenario's parameters with the estimated one set.
    #[test]
    fn summaries_are_the_targeted_metrics_of_one_run() {
        let text = r#"
name = "tiny"
[params.population]
setting = "lab"
n_citizens = 40
n_communities = 1
[experiment]
steps = 3
seed = 2
[calibration]
particles = 20
generations = 3
[calibration.priors]
"behaviour.cc_slope" = { uniform = [0.3, 1.2] }
"#;
        let scenario = Scenario::from_toml(text, "test", "tiny").unwrap();
        let targets = [
            target("service_output", 2, 0.0, 1.0),
            target("mean_contribution", 0, 0.0, 1.0),
        ];
        let simulator = ModelSimulator::new(&scenario, &targets).unwrap();
        let got = simulator.summaries(&[0.8], 9).unwrap();

        let mut params = scenario.base.clone();
        let (slope, _) = Params::lookup("behaviour.cc_slope").unwrap();
        params.set_index(slope, 0.8).unwrap();
        let out = simulate(&params, &[], 3, 9, Detail::Standard);
        let column = |name: &str| METRICS.iter().position(|(n, _, _)| *n == name).unwrap();
        let expected = vec![
            out.steps[2].values()[column("service_output")],
            out.steps[0].values()[column("mean_contribution")],
        ];
        assert_eq!(got, expected);
    }
}
