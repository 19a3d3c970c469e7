//! A registered validation scenario as an experiment: which runs make one replication
//! (its arms), how they combine into the effect, and the read-out at the registered horizon.

use coprod_core::{
    Detail, METRICS, Mediator, Params, RunOutput, record_mediators, simulate, simulate_held,
    simulate_placebo_held, summary_names,
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
        // The arms are every run the design holds: the scenario crate refuses a variant, a
        // sweep or a middle dose of an end-to-end series that a comparison does not use.
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
    /// arm, after the scenario's own values. A parameter whose value differs between the
    /// arms is the claim's lever (X2's `citizens.trust_mean`): an override of it would give
    /// every arm the same value and erase the contrast, so it is left out.
    pub fn clone_with(&self, overrides: Vec<(usize, f64)>) -> Claim<'a> {
        let levers = self.lever_indices();
        let overrides = overrides
            .into_iter()
            .filter(|(i, _)| !levers.contains(i))
            .collect();
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

    /// The indices of the parameters whose value differs between the claim's arms (its
    /// levers: a variant's or a swept value), in index order.
    pub fn lever_indices(&self) -> Vec<usize> {
        let arms: Vec<Params> = (0..self.arms.len())
            .map(|arm| {
                let (variant, point) = self.arms[arm];
                self.scenario.params_for(variant, point)
            })
            .collect();
        (0..coprod_core::SPECS.len())
            .filter(|&i| {
                arms.iter()
                    .any(|p| p.get_index(i).to_bits() != arms[0].get_index(i).to_bits())
            })
            .collect()
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

    /// Values of the first swept axis, whatever the comparison (the doses of an interior
    /// optimum, for reporting the best dose).
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
        let mut placebo = Vec::new();
        let trajectory = self.control.map(|c| {
            let p = self.params(c);
            let interventions = &self.scenario.variants[self.arms[c].0].interventions;
            let (out, t) = record_mediators(&p, interventions, steps, seed, detail, &union);
            arms[c] = self.read(&out);
            // What holding alone does (docs/validation.md, "Placebo check of holding").
            placebo = hold
                .iter()
                .map(|set| {
                    let out =
                        simulate_placebo_held(&p, interventions, steps, seed, detail, &t, set);
                    self.read(&out)
                })
                .collect();
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
        Rep {
            arms,
            held,
            placebo,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coprod_core::{CitizenRecord, OrgStepRecord, StepMetrics};

    fn scenario(id: &str) -> Scenario {
        let text = match id {
            "B1" => include_str!("../../../scenarios/validation/B1.toml"),
            "E2" => include_str!("../../../scenarios/validation/E2.toml"),
            "P3" => include_str!("../../../scenarios/validation/P3.toml"),
            "P5" => include_str!("../../../scenarios/validation/P5.toml"),
            "P8" => include_str!("../../../scenarios/validation/P8.toml"),
            "P9" => include_str!("../../../scenarios/validation/P9.toml"),
            "X2" => include_str!("../../../scenarios/validation/X2.toml"),
            _ => unreachable!("no such scenario in these tests"),
        };
        Scenario::from_toml(text, id, id).expect("a shipped validation scenario")
    }

    fn claim(scenario: &Scenario) -> Claim<'_> {
        Claim::new(scenario).unwrap_or_else(|e| panic!("{e}"))
    }

    /// A run whose participation rate is 0.1, 0.2, 0.3, 0.4 in its four steps.
    fn four_steps() -> RunOutput {
        let steps = (0..4)
            .map(|s| StepMetrics {
                step: s,
                participation_rate: 0.1 * f64::from(s + 1),
                ..StepMetrics::default()
            })
            .collect();
        RunOutput {
            steps,
            ..RunOutput::default()
        }
    }

    fn citizen(id: u32, resource_group: u8, initial_efficacy: f64, steps: u32) -> CitizenRecord {
        CitizenRecord {
            citizen_id: id,
            community: 0,
            resource_group,
            cc_type: "conditional",
            initial_efficacy,
            efficacy: initial_efficacy,
            external_efficacy: 0.5,
            skill: 0.5,
            time: 0.5,
            motivation: 0.5,
            risk_aversion: 0.5,
            duty: false,
            affected: false,
            ownership: 0.0,
            trust: 0.5,
            belief: 0.5,
            ties: 4,
            steps_participated: steps,
            active_at_end: false,
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    /// A paired claim: baseline (the control) against the treatment, on its metric.
    #[test]
    fn a_paired_claim_compares_treatment_with_baseline() {
        let s = scenario("P3");
        let c = claim(&s);
        assert_eq!(c.metric_name(), "participation_rate");
        assert_eq!(c.note(), "treatment minus baseline, paired by replication");
        assert_eq!(c.n_arms(), 2);
        assert_eq!(c.control(), Some(0));
        assert_eq!(c.contrast(), &Contrast::Linear(vec![-1.0, 1.0]));
        assert_eq!(c.detail(), Detail::Standard);
        assert!(c.dose_values().is_empty());
    }

    /// A replication with hold sets runs one held placebo per set, in the sets' order: the
    /// control arm with step streams of its own, held with that set at the control's
    /// trajectory; it is not the control run itself.
    #[test]
    fn a_replication_runs_a_held_placebo_per_hold_set() {
        let s = scenario("P3");
        let mut c = claim(&s);
        c.registration.horizon = 24;
        c.registration.window = 12;
        let sets = vec![vec![Mediator::Awareness], vec![Mediator::Belief]];
        let rep = c.replicate(7, &sets);
        assert_eq!(rep.placebo.len(), sets.len());
        let p = c.params(0);
        let interventions = &c.scenario.variants[c.arms[0].0].interventions;
        let union = [Mediator::Belief, Mediator::Awareness];
        let (_, t) = record_mediators(&p, interventions, 24, 7, c.detail(), &union);
        for (set, &got) in sets.iter().zip(&rep.placebo) {
            let out = simulate_placebo_held(&p, interventions, 24, 7, c.detail(), &t, set);
            assert_eq!(got.to_bits(), c.read(&out).to_bits(), "{set:?}");
        }
        assert_ne!(rep.placebo[0], rep.placebo[1]);
        assert!(rep.placebo.iter().all(|&y| y != rep.arms[0]), "{rep:?}");
        assert!(c.replicate(7, &[]).placebo.is_empty());
    }

    /// A 2x2 interaction runs all four cells, the baseline as control.
    #[test]
    fn an_interaction_claim_runs_four_arms() {
        let s = scenario("P9");
        let c = claim(&s);
        assert_eq!(c.n_arms(), 4);
        assert_eq!(c.control(), Some(0));
        assert_eq!(c.note(), "(ab - b) - (a - baseline), paired by replication");
    }

    /// A directional dose claim runs only the first and last doses of its sweep.
    #[test]
    fn a_dose_claim_compares_the_last_dose_with_the_first() {
        let s = scenario("B1");
        let c = claim(&s);
        assert_eq!(c.note(), "citizens.duty_share: last dose minus first");
        assert_eq!(c.dose_values(), vec![0.1, 0.7]);
        assert_eq!(c.n_arms(), 2);
        assert_eq!(c.control(), Some(0));
        assert_eq!(c.contrast(), &Contrast::Linear(vec![-1.0, 1.0]));
    }

    /// An interior optimum runs every dose and reports the swept values for the best one.
    #[test]
    fn an_interior_optimum_runs_every_dose() {
        let s = scenario("P8");
        let c = claim(&s);
        assert_eq!(c.metric_name(), "mean_group_lifetime");
        assert_eq!(
            c.note(),
            "levers.group_size_cap: best dose minus first (best per block; also best minus last)"
        );
        let doses = vec![2.0, 4.0, 6.0, 8.0, 12.0, 16.0, 24.0, 40.0];
        assert_eq!(c.n_arms(), doses.len());
        assert_eq!(c.dose_values(), doses);
        assert_eq!(c.control(), Some(0));
        assert_eq!(c.contrast(), &Contrast::InteriorOptimum);
    }

    /// A robustness point never sets a claim's own lever: X2's trust differs between its
    /// arms, and a map value for it would give all four arms the same trust.
    #[test]
    fn a_robustness_override_leaves_the_claims_levers_alone() {
        let s = scenario("X2");
        let c = claim(&s);
        let index = |name: &str| Params::lookup(name).unwrap().0;
        let (trust, incentive) = (
            index("citizens.trust_mean"),
            index("levers.financial_incentive"),
        );
        assert_eq!(c.lever_indices(), {
            let mut v = vec![trust, incentive];
            v.sort_unstable();
            v
        });
        let cost = index("levers.participation_cost");
        let mapped = c.clone_with(vec![(trust, 0.55), (cost, 0.33)]);
        let trusts: Vec<f64> = (0..mapped.n_arms())
            .map(|arm| mapped.params(arm).get_index(trust))
            .collect();
        let own: Vec<f64> = (0..c.n_arms())
            .map(|arm| c.params(arm).get_index(trust))
            .collect();
        assert_eq!(trusts, own);
        assert!(own.iter().any(|&t| t != own[0]), "{own:?}");
        for arm in 0..mapped.n_arms() {
            assert_eq!(mapped.params(arm).get_index(cost), 0.33);
        }
    }

    /// The two regression claims read one run with citizen and organisation records and
    /// have no control arm.
    #[test]
    fn regression_claims_run_one_arm_with_records() {
        let s = scenario("P5");
        let c = claim(&s);
        assert_eq!(c.metric_name(), "efficacy_vs_resources");
        assert!(
            c.note()
                .starts_with("|standardised coefficient of initial efficacy|")
        );
        assert_eq!((c.n_arms(), c.control()), (1, None));
        assert_eq!(c.detail(), Detail::WithCitizens);
        let s = scenario("E2");
        let c = claim(&s);
        assert_eq!(c.metric_name(), "trust_predicts_opportunities");
        assert!(
            c.note()
                .starts_with("correlation across organisations and steps")
        );
        assert_eq!((c.n_arms(), c.control()), (1, None));
        assert_eq!(c.detail(), Detail::WithCitizens);
    }

    /// A scenario without a `[validation]` table is no claim.
    #[test]
    fn a_scenario_without_validation_is_not_a_claim() {
        let s = Scenario::from_toml("", "plain.toml", "plain").expect("an empty scenario");
        assert!(matches!(
            Claim::new(&s),
            Err(ValidateError::NotValidation(origin)) if origin == "plain.toml"
        ));
    }

    /// A step metric is the mean of its last `window` steps (all of them if fewer).
    #[test]
    fn read_metric_averages_the_last_window_steps() {
        let out = four_steps();
        assert!(close(read_metric(&out, 0, 2), 0.35));
        assert!(close(read_metric(&out, 0, 1), 0.4));
        assert!(close(read_metric(&out, 0, 10), 0.25));
        assert!(read_metric(&out, 0, 0).is_nan());
    }

    /// A group metric (after the step metrics) is the run's summary, whatever the window.
    #[test]
    fn read_metric_takes_group_metrics_from_the_summary() {
        let out = four_steps();
        let started = METRICS.len();
        assert_eq!(summary_names()[started].0, "groups_started");
        assert_eq!(read_metric(&out, started, 2), 0.0);
        assert!(read_metric(&out, started + 1, 2).is_nan());
    }

    /// A metric claim reads its metric over the registered window.
    #[test]
    fn a_metric_claim_reads_its_registered_window() {
        let s = scenario("P3");
        let mut c = claim(&s);
        c.registration.window = 2;
        assert!(close(c.read(&four_steps()), 0.35));
        c.registration.window = 3;
        assert!(close(c.read(&four_steps()), 0.3));
    }

    /// P5 reads |beta of initial efficacy| - |beta of resource group| on the share of the
    /// horizon each citizen took part (a citizen may take part in every step).
    #[test]
    fn efficacy_versus_resources_reads_the_coefficient_gap() {
        let s = scenario("P5");
        let mut c = claim(&s);
        c.registration.horizon = 10;
        let rows = [
            (0, 0.2, 1),
            (1, 0.4, 6),
            (0, 0.6, 4),
            (1, 0.8, 10),
            (0, 0.5, 2),
            (1, 0.3, 5),
        ];
        let out = RunOutput {
            citizens: rows
                .iter()
                .enumerate()
                .map(|(i, &(g, e, n))| citizen(i as u32, g, e, n))
                .collect(),
            ..RunOutput::default()
        };
        let share: Vec<f64> = rows.iter().map(|r| f64::from(r.2) / 10.0).collect();
        let efficacy: Vec<f64> = rows.iter().map(|r| r.1).collect();
        let group: Vec<f64> = rows.iter().map(|r| f64::from(r.0)).collect();
        let (b_eff, b_res) = regression::standardised_two(&share, &efficacy, &group);
        assert!(b_eff.abs() > 0.1 && b_res.abs() > 0.1, "{b_eff} {b_res}");
        let read = c.read(&out);
        assert!(close(read, b_eff.abs() - b_res.abs()), "{read}");
    }

    /// E2 pairs each organisation's trust at step t with the opportunities it opened at
    /// t + 1 (rows by step, then organisation): here they are proportional, so r = 1.
    #[test]
    fn trust_predicts_opportunities_pairs_each_organisation_with_its_next_step() {
        let s = scenario("E2");
        let c = claim(&s);
        // (step, organisation, trust, opportunities)
        let rows = [
            (0, 0, 0.2, 7),
            (0, 1, 0.8, 1),
            (1, 0, 0.5, 2),
            (1, 1, 0.3, 8),
            (2, 0, 0.9, 5),
            (2, 1, 0.1, 3),
        ];
        let out = RunOutput {
            organisations: rows
                .iter()
                .map(
                    |&(step, organisation, trust, opportunities)| OrgStepRecord {
                        step,
                        organisation,
                        trust,
                        opportunities,
                        power: 0.5,
                        groups_supported: 0,
                        successes: 0,
                    },
                )
                .collect(),
            ..RunOutput::default()
        };
        let r = c.read(&out);
        assert!(close(r, 1.0), "{r}");
    }
}
