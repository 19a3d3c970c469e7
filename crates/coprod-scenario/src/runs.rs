//! Expansion of a scenario into runs: variants x sweep points x replications.
//!
//! Owns run order and run identity. Runs are produced lazily, in order, so a sweep of
//! any size costs no memory up front.

use coprod_core::{Intervention, Params, SPECS};

use crate::scenario::Scenario;
use coprod_core::run_seed;

/// Everything needed to perform one run, and its identity in outputs.
#[derive(Clone, Debug)]
pub struct RunSpec<'a> {
    /// Position in run order, from 0.
    pub run_id: u64,
    /// Index of the variant in [`Scenario::variants`] (0 is the baseline).
    pub variant: usize,
    /// Name of the variant.
    pub variant_name: &'a str,
    /// Index of the sweep point (0 without a sweep).
    pub point: usize,
    /// Value of every sweep axis at this point, in axis order.
    pub point_values: Vec<f64>,
    /// Replication index, from 0.
    pub replication: u32,
    /// The run's seed: a function of the base seed and `replication` only.
    pub seed: u64,
    /// Validated parameters.
    pub params: Params,
    /// Interventions in force.
    pub interventions: &'a [Intervention],
    /// Steps to run.
    pub steps: u32,
}

impl Scenario {
    /// Every run in order: variant (outermost), then sweep point, then replication.
    pub fn runs(&self) -> impl Iterator<Item = RunSpec<'_>> + '_ {
        let n_points = self.n_points();
        let reps = self.replications;
        (0..self.variants.len()).flat_map(move |variant| {
            (0..n_points).flat_map(move |point| {
                let params = self.params_for(variant, point);
                let point_values = self.point_values(point);
                (0..reps).map(move |replication| RunSpec {
                    run_id: ((variant * n_points + point) as u64) * u64::from(reps)
                        + u64::from(replication),
                    variant,
                    variant_name: &self.variants[variant].name,
                    point,
                    point_values: point_values.clone(),
                    replication,
                    seed: run_seed(self.seed, replication),
                    params: params.clone(),
                    interventions: &self.variants[variant].interventions,
                    steps: self.steps,
                })
            })
        })
    }

    /// Where run `run_id` stands in run order ([`Scenario::runs`]): its variant, sweep point
    /// and replication; `None` past the last run.
    pub fn run_position(&self, run_id: u64) -> Option<(usize, usize, u32)> {
        if run_id >= self.n_runs() {
            return None;
        }
        let reps = u64::from(self.replications);
        let points = self.n_points() as u64;
        let replication = u32::try_from(run_id % reps).ok()?;
        let point = usize::try_from(run_id / reps % points).ok()?;
        let variant = usize::try_from(run_id / reps / points).ok()?;
        Some((variant, point, replication))
    }

    /// The values of the sweep axes `values` as outputs write them (one text per axis).
    pub fn point_text(&self, values: &[f64]) -> Vec<String> {
        self.sweep
            .iter()
            .zip(values)
            .map(|(axis, &v)| SPECS[axis.param].format_value(v))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use crate::Scenario;

    /// Each run's position is found again from its id, and no run lies past the last.
    #[test]
    fn run_positions_invert_run_order() {
        let text = "[experiment]\nreplications = 3\n[experiment.sweep]\n\
                    \"levers.outreach\" = [0.0, 0.5]\n\"levers.group_size_cap\" = [4, 8, 12]\n\
                    [[experiment.variants]]\nname = \"v\"\n";
        let s = Scenario::from_toml(text, "t.toml", "t").unwrap();
        for spec in s.runs() {
            assert_eq!(
                s.run_position(spec.run_id),
                Some((spec.variant, spec.point, spec.replication))
            );
        }
        assert_eq!(s.run_position(s.n_runs()), None);
        // Axes in parameter-table order, the last fastest.
        assert_eq!(s.point_text(&s.point_values(5)), ["12", "0.5"]);
    }
}
