//! Expansion of a scenario into runs: variants x sweep points x replications.
//!
//! Owns run order and run identity. Runs are produced lazily, in order, so a sweep of
//! any size costs no memory up front.

use coprod_core::{Intervention, Params};

use crate::scenario::Scenario;
use crate::seed::run_seed;

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
}
