//! A registered validation scenario as an experiment: which runs make one replication
//! (its arms), how they combine into the effect, and the read-out at the registered horizon.

use coprod_core::{
    Detail, METRICS, Mediator, Params, RunOutput, record_mediators, simulate, simulate_held,
    summary_names,
};
use coprod_scenario::{Comparison, Direction, Registration, Scenario, Validation};

use crate::ValidateError;
use crate::engine::{Contrast, Rep, Replicate};
use crate::regression;

/// What one run is reduced to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Statistic {
    /// Index in `summary_names()`: a step metric averaged over the window, or a group
    /// metric over the whole run.
    Metric(usize),
    /// P5's regression (see [`Comparison::EfficacyVersusResources`]).
    EfficacyVersusResources,
    /// E2's correlation (see [`Comparison::TrustPredictsOpportunities`]).
    TrustPredictsOpportunities,
}

/// A registered validation scenario ready to replicate.
pub struct Claim<'a> {
    scenario: &'a Scenario,
    /// The claim's `[validation]` table.
    pub validation: Validation,
    /// Its registration.
    pub registration: Registration,
    /// (variant, sweep point) of each arm.
    arms: Vec<(usize, usize)>,
    control: Option<usize>,
    contrast: Contrast,
    statistic: Statistic,
    /// Parameter overrides on every arm (robustness points).
    overrides: Vec<(usize, f64)>,
}

impl<'a> Claim<'a> {
    /// The experiment of a registered validation scenario.
    pub fn new(scenario: &'a Scenario) -> Result<Claim<'a>, ValidateError> {
        let validation = scenario
            .validation
            .clone()
            .ok_or_else(|| ValidateError::NotValidation(scenario.origin.clone()))?;
        let registration = validation
            .registration
            .clone()
            .ok_or_else(|| ValidateError::NotRegistered(scenario.origin.clone()))?;
        let variant = |name: &str| {
            scenario
                .variants
                .iter()
                .position(|x| x.name == name)
                .expect("checked by the scenario crate")
        };
        let (arms, control, contrast) = match validation.comparison {
            Comparison::Paired => (
                vec![(0, 0), (variant("treatment"), 0)],
                Some(0),
                Contrast::Linear(vec![-1.0, 1.0]),
            ),
            Comparison::Interaction => (
                vec![
                    (0, 0),
                    (variant("a"), 0),
                    (variant("b"), 0),
                    (variant("ab"), 0),
                ],
                Some(0),
                Contrast::Linear(vec![1.0, -1.0, -1.0, 1.0]),
            ),
            Comparison::Dose if validation.direction == Direction::InteriorOptimum => (
                (0..scenario.n_points()).map(|p| (0, p)).collect(),
                Some(0),
                Contrast::InteriorOptimum,
            ),
            Comparison::Dose => (
                vec![(0, 0), (0, scenario.n_points() - 1)],
                Some(0),
                Contrast::Linear(vec![-1.0, 1.0]),
            ),
            Comparison::EfficacyVersusResources | Comparison::TrustPredictsOpportunities => {
                (vec![(0, 0)], None, Contrast::Linear(vec![1.0]))
            }
        };
        let statistic = match validation.comparison {
            Comparison::EfficacyVersusResources => Statistic::EfficacyVersusResources,
            Comparison::TrustPredictsOpportunities => Statistic::TrustPredictsOpportunities,
            _ => Statistic::Metric(
                summary_names()
                    .iter()
                    .position(|n| n.0 == validation.metric)
                    .expect("checked by the scenario crate"),
            ),
        };
        Ok(Claim {
            scenario,
            validation,
            registration,
            arms,
            control,
            contrast,
            statistic,
            overrides: Vec::new(),
        })
    }

    /// The same experiment with each (parameter index, value) of `overrides` set in every
    /// arm, after the scenario's own values.
    pub fn clone_with(&self, overrides: Vec<(usize, f64)>) -> Claim<'a> {
        Claim {
            scenario: self.scenario,
            validation: self.validation.clone(),
            registration: self.registration.clone(),
            arms: self.arms.clone(),
            control: self.control,
            contrast: self.contrast.clone(),
            statistic: self.statistic,
            overrides,
        }
    }

    /// The metric, or the regression's name.
    pub fn metric_name(&self) -> String {
        match self.statistic {
            Statistic::Metric(_) => self.validation.metric.clone(),
            Statistic::EfficacyVersusResources => "efficacy_vs_resources".into(),
            Statistic::TrustPredictsOpportunities => "trust_predicts_opportunities".into(),
        }
    }

    /// How the effect is computed, in words.
    pub fn note(&self) -> String {
        let axis = || self.scenario.sweep.first().map_or("", |a| a.name());
        match self.validation.comparison {
            Comparison::Paired => "treatment minus baseline, paired by replication".into(),
            Comparison::Interaction => "(ab - b) - (a - baseline), paired by replication".into(),
            Comparison::Dose if self.contrast == Contrast::InteriorOptimum => format!(
                "{}: best dose minus first (best per block; also best minus last)",
                axis()
            ),
            Comparison::Dose => format!("{}: last dose minus first", axis()),
            Comparison::EfficacyVersusResources => "|standardised coefficient of initial \
                efficacy| - |of resource group| on the share of months participated"
                .into(),
            Comparison::TrustPredictsOpportunities => "correlation across organisations and \
                steps of trust with opportunities opened the next step"
                .into(),
        }
    }

    /// Values of the swept axis (interior optima), for reporting the best dose.
    pub fn dose_values(&self) -> Vec<f64> {
        self.scenario
            .sweep
            .first()
            .map(|a| a.values.clone())
            .unwrap_or_default()
    }

    fn params(&self, arm: usize) -> Params {
        let (variant, point) = self.arms[arm];
        let mut p = self.scenario.params_for(variant, point);
        for &(i, v) in &self.overrides {
            p.set_index(i, v)
                .expect("robustness values come from the parameter's range");
        }
        p
    }

    fn detail(&self) -> Detail {
        match self.statistic {
            Statistic::Metric(_) => Detail::Standard,
            _ => Detail::WithCitizens,
        }
    }

    fn read(&self, out: &RunOutput) -> f64 {
        let steps = self.registration.horizon;
        match self.statistic {
            Statistic::Metric(m) => read_metric(out, m, self.registration.window),
            Statistic::EfficacyVersusResources => {
                let y: Vec<f64> = out
                    .citizens
                    .iter()
                    .map(|c| f64::from(c.steps_participated) / f64::from(steps))
                    .collect();
                let efficacy: Vec<f64> = out.citizens.iter().map(|c| c.initial_efficacy).collect();
                let resources: Vec<f64> = out
                    .citizens
                    .iter()
                    .map(|c| f64::from(c.resource_group))
                    .collect();
                let (b_eff, b_res) = regression::standardised_two(&y, &efficacy, &resources);
                b_eff.abs() - b_res.abs()
            }
            Statistic::TrustPredictsOpportunities => {
                // Trust at the end of step t against opportunities opened in step t + 1.
                let n_orgs = out
                    .organisations
                    .iter()
                    .map(|r| r.organisation)
                    .max()
                    .map_or(0, |m| m + 1) as usize;
                let (trust, next): (Vec<f64>, Vec<f64>) = out
                    .organisations
                    .iter()
                    .zip(out.organisations.iter().skip(n_orgs))
                    .map(|(row, later)| (row.trust, f64::from(later.opportunities)))
                    .unzip();
                regression::correlation(&trust, &next)
            }
        }
    }
}

/// A step metric averaged over the last `window` steps; group metrics over the whole run.
pub fn read_metric(out: &RunOutput, metric: usize, window: u32) -> f64 {
    if metric >= METRICS.len() {
        return out.summary()[metric];
    }
    let tail = &out.steps[out.steps.len().saturating_sub(window as usize)..];
    if tail.is_empty() {
        return f64::NAN;
    }
    tail.iter().map(|s| s.values()[metric]).sum::<f64>() / tail.len() as f64
}

impl Replicate for Claim<'_> {
    fn n_arms(&self) -> usize {
        self.arms.len()
    }

    fn control(&self) -> Option<usize> {
        self.control
    }

    fn contrast(&self) -> &Contrast {
        &self.contrast
    }

    fn replicate(&self, seed: u64, hold: &[Vec<Mediator>]) -> Rep {
        let steps = self.registration.horizon;
        let detail = self.detail();
        let mut union: Vec<Mediator> = hold.iter().flatten().copied().collect();
        union.sort();
        union.dedup();
        let mut arms = vec![f64::NAN; self.arms.len()];
        let mut held = vec![vec![f64::NAN; self.arms.len()]; hold.len()];
        let trajectory = self.control.map(|c| {
            let p = self.params(c);
            let interventions = &self.scenario.variants[self.arms[c].0].interventions;
            let (out, t) = record_mediators(&p, interventions, steps, seed, detail, &union);
            arms[c] = self.read(&out);
            t
        });
        for a in 0..self.arms.len() {
            if Some(a) == self.control {
                continue;
            }
            let p = self.params(a);
            let interventions = &self.scenario.variants[self.arms[a].0].interventions;
            arms[a] = self.read(&simulate(&p, interventions, steps, seed, detail));
            if let Some(t) = &trajectory {
                for (s, set) in hold.iter().enumerate() {
                    let out = simulate_held(&p, interventions, steps, seed, detail, t, set);
                    held[s][a] = self.read(&out);
                }
            }
        }
        Rep { arms, held }
    }
}
