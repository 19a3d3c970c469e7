//! # coprod-validate: does the model reproduce the literature review's claims?
//!
//! # Brief overview
//! Each validation scenario (`scenarios/validation/<id>.toml`) names a proposition, a metric,
//! a comparison and a claimed direction in its `[validation]` table. [`evaluate`] runs the
//! experiment (and, for emergent propositions, the same experiment with the mechanism's
//! channels switched off), computes the effect per replication (paired on common random
//! numbers), its mean and 95% t-interval, and a verdict. It does no file I/O.
//!
//! Verdict rules (docs/validation.md): `increase` passes when the CI lies above 0,
//! `decrease` when it lies below 0, `interior_optimum` when the best dose is interior and
//! both paired differences best-minus-first and best-minus-last have CIs above 0. An
//! emergent proposition passes only if, in addition, its ablation removes the effect (its CI
//! contains 0) or shrinks it significantly (the paired shrink has a CI above 0).
//!
//! # Example
//! ```
//! use coprod_scenario::Scenario;
//! let text = r#"
//! [params.population]
//! n_citizens = 300
//! n_communities = 3
//! [experiment]
//! steps = 24
//! replications = 10
//! [[experiment.variants]]
//! name = "treatment"
//! params.orgs.opportunity_rate = 3.0
//! [validation]
//! id = "X1"
//! kind = "micro"
//! metric = "opportunities_opened"
//! direction = "increase"
//! "#;
//! let scenario = Scenario::from_toml(text, "x.toml", "x").unwrap();
//! let runner = coprod_sweep::Runner::new(1).unwrap();
//! let result = coprod_validate::evaluate(&scenario, &runner).unwrap();
//! assert_eq!(result.verdict, coprod_validate::Verdict::Pass);
//! ```
#![deny(missing_docs)]

mod regression;

use coprod_core::{Detail, RunOutput, summary_names};
use coprod_output::{Accumulator, Summary};
use coprod_scenario::{Comparison, Direction, Scenario, Setting};
use coprod_sweep::Runner;

/// The outcome of one proposition.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The effect has the claimed sign (and shape), and for emergent propositions the
    /// ablation removes or shrinks it.
    Pass,
    /// It does not.
    Fail,
    /// An exploratory row: effect reported, no claim tested.
    Exploratory,
}

impl Verdict {
    /// Upper-case word used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Exploratory => "EXPLORATORY",
        }
    }
}

/// The ablation experiment of an emergent proposition.
#[derive(Clone, Debug, PartialEq)]
pub struct Ablation {
    /// The channels switched off.
    pub channels: Vec<String>,
    /// The effect with those channels off.
    pub effect: Summary,
    /// Per replication, how much weaker the effect is in the claimed direction.
    pub shrink: Summary,
}

/// What one validation experiment found.
#[derive(Clone, Debug, PartialEq)]
pub struct CaseResult {
    /// Proposition id.
    pub id: String,
    /// The claim in words.
    pub claim: String,
    /// micro, emergent, micro+emergent or exploratory.
    pub kind: String,
    /// Metric, or the regression's name.
    pub metric: String,
    /// The claimed direction.
    pub direction: Direction,
    /// The effect over replications: mean, sd, n and 95% CI.
    pub effect: Summary,
    /// Mean effect over its standard deviation across replications (paired effect size d_z).
    pub standardised: f64,
    /// The verdict.
    pub verdict: Verdict,
    /// The ablation, for emergent propositions.
    pub ablation: Option<Ablation>,
    /// A sentence on how the effect was computed (e.g. the best dose).
    pub note: String,
}

/// Why a validation experiment could not be evaluated.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    /// The scenario has no `[validation]` table.
    #[error("{0}: not a validation scenario (no [validation] table)")]
    NotValidation(String),
    /// Switching off an ablation channel failed.
    #[error("{0}")]
    Scenario(#[from] coprod_scenario::ScenarioError),
}

/// Effects of one experiment: per replication, plus a note and the dose indices used.
struct Effects {
    per_rep: Vec<f64>,
    /// For interior optima, the second paired difference (best minus last).
    second: Option<Vec<f64>>,
    note: String,
    best: Option<usize>,
}

/// Runs the experiment of `scenario` (and its ablation) and judges it.
pub fn evaluate(scenario: &Scenario, runner: &Runner) -> Result<CaseResult, ValidateError> {
    let v = scenario
        .validation
        .clone()
        .ok_or_else(|| ValidateError::NotValidation(scenario.origin.clone()))?;
    let main = effects(scenario, runner, None);
    let effect = summarise(&main.per_rep);
    let mut pass = claim_holds(v.direction, &effect, main.second.as_deref(), main.best);
    let ablation = if v.ablation.is_empty() {
        None
    } else {
        let mut ablated = scenario.clone();
        let settings: Vec<Setting> = v
            .ablation
            .iter()
            .map(|c| Setting {
                key: c.clone(),
                value: "false".into(),
            })
            .collect();
        ablated.apply_settings(&settings)?;
        let off = effects(&ablated, runner, main.best);
        let sign = if v.direction == Direction::Decrease {
            -1.0
        } else {
            1.0
        };
        let shrink: Vec<f64> = main
            .per_rep
            .iter()
            .zip(&off.per_rep)
            .map(|(a, b)| sign * (a - b))
            .collect();
        let ablation = Ablation {
            channels: v.ablation.clone(),
            effect: summarise(&off.per_rep),
            shrink: summarise(&shrink),
        };
        if v.kind.contains("emergent") {
            pass &= removed_or_shrunk(&ablation);
        }
        Some(ablation)
    };
    let verdict = if v.exploratory {
        Verdict::Exploratory
    } else if pass {
        Verdict::Pass
    } else {
        Verdict::Fail
    };
    let standardised = match effect.sd {
        Some(sd) if sd > 0.0 => effect.mean / sd,
        _ => 0.0,
    };
    Ok(CaseResult {
        id: v.id,
        claim: v.claim,
        kind: v.kind,
        metric: if v.metric.is_empty() {
            comparison_name(v.comparison).into()
        } else {
            v.metric
        },
        direction: v.direction,
        effect,
        standardised,
        verdict,
        ablation,
        note: main.note,
    })
}

fn comparison_name(c: Comparison) -> &'static str {
    match c {
        Comparison::EfficacyVersusResources => "efficacy_vs_resources",
        Comparison::TrustPredictsOpportunities => "trust_predicts_opportunities",
        Comparison::Interaction => "interaction",
        Comparison::Paired => "paired",
        Comparison::Dose => "dose",
    }
}

fn summarise(xs: &[f64]) -> Summary {
    let mut acc = Accumulator::default();
    for &x in xs {
        acc.push(x);
    }
    acc.summary()
}

fn above_zero(s: &Summary) -> bool {
    s.ci.is_some_and(|(low, _)| low > 0.0)
}

fn claim_holds(
    direction: Direction,
    effect: &Summary,
    second: Option<&[f64]>,
    best: Option<usize>,
) -> bool {
    match direction {
        Direction::Increase => above_zero(effect),
        Direction::Decrease => effect.ci.is_some_and(|(_, high)| high < 0.0),
        Direction::InteriorOptimum => {
            best.is_some()
                && above_zero(effect)
                && second.is_some_and(|s| above_zero(&summarise(s)))
        }
    }
}

fn removed_or_shrunk(a: &Ablation) -> bool {
    let removed = a
        .effect
        .ci
        .is_some_and(|(low, high)| low <= 0.0 && high >= 0.0);
    removed || above_zero(&a.shrink)
}

/// Runs every run of `scenario` and reduces each to one number (the metric, or a regression
/// coefficient), indexed `[variant][point][replication]`.
fn run_values(
    scenario: &Scenario,
    runner: &Runner,
    comparison: Comparison,
    metric: usize,
) -> Vec<Vec<Vec<f64>>> {
    let reps = scenario.replications as usize;
    let mut values = vec![vec![vec![f64::NAN; reps]; scenario.n_points()]; scenario.variants.len()];
    let detail = match comparison {
        Comparison::EfficacyVersusResources | Comparison::TrustPredictsOpportunities => {
            Detail::WithCitizens
        }
        _ => Detail::Standard,
    };
    let steps = scenario.steps;
    runner
        .run(scenario.runs(), detail, &|| {}, |spec, out| {
            values[spec.variant][spec.point][spec.replication as usize] =
                reduce(&out, comparison, metric, steps);
            Ok::<(), std::convert::Infallible>(())
        })
        .unwrap_or_else(|never| match never {});
    values
}

fn reduce(out: &RunOutput, comparison: Comparison, metric: usize, steps: u32) -> f64 {
    match comparison {
        Comparison::EfficacyVersusResources => {
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
        Comparison::TrustPredictsOpportunities => {
            // Trust at the end of step t against opportunities opened in step t + 1.
            let n_orgs = out
                .organisations
                .iter()
                .map(|r| r.organisation)
                .max()
                .map_or(0, |m| m + 1) as usize;
            let (mut trust, mut next) = (Vec::new(), Vec::new());
            for (row, later) in out
                .organisations
                .iter()
                .zip(out.organisations.iter().skip(n_orgs))
            {
                trust.push(row.trust);
                next.push(f64::from(later.opportunities));
            }
            regression::correlation(&trust, &next)
        }
        _ => out.summary()[metric],
    }
}

fn effects(scenario: &Scenario, runner: &Runner, fixed_best: Option<usize>) -> Effects {
    let v = scenario.validation.as_ref().expect("checked by evaluate");
    let metric = summary_names()
        .iter()
        .position(|n| n.0 == v.metric)
        .unwrap_or(0);
    let values = run_values(scenario, runner, v.comparison, metric);
    let variant = |name: &str| {
        scenario
            .variants
            .iter()
            .position(|x| x.name == name)
            .expect("checked by the scenario crate")
    };
    let diff = |a: &[f64], b: &[f64]| -> Vec<f64> { a.iter().zip(b).map(|(x, y)| x - y).collect() };
    match v.comparison {
        Comparison::Paired => Effects {
            per_rep: diff(&values[variant("treatment")][0], &values[0][0]),
            second: None,
            note: "treatment minus baseline, paired by replication".into(),
            best: None,
        },
        Comparison::Interaction => {
            let (a, b, ab) = (&values[variant("a")][0], &values[variant("b")][0], &values[variant("ab")][0]);
            let per_rep = (0..a.len()).map(|r| (ab[r] - b[r]) - (a[r] - values[0][0][r])).collect();
            Effects { per_rep, second: None, note: "(ab - b) - (a - baseline)".into(), best: None }
        }
        Comparison::EfficacyVersusResources => Effects {
            per_rep: values[0][0].clone(),
            second: None,
            note: "|standardised coefficient of initial efficacy| - |of resource group| on the share of months participated".into(),
            best: None,
        },
        Comparison::TrustPredictsOpportunities => Effects {
            per_rep: values[0][0].clone(),
            second: None,
            note: "correlation across organisations and steps of trust with opportunities opened the next step".into(),
            best: None,
        },
        Comparison::Dose => {
            let doses = &values[0];
            let last = doses.len() - 1;
            let axis = &scenario.sweep[0];
            if v.direction == Direction::InteriorOptimum {
                let means: Vec<f64> = doses.iter().map(|d| d.iter().sum::<f64>() / d.len() as f64).collect();
                let argmax = (0..means.len()).max_by(|&a, &b| means[a].total_cmp(&means[b]).then(b.cmp(&a))).unwrap_or(0);
                let best = fixed_best.unwrap_or(argmax);
                let interior = best > 0 && best < last;
                Effects {
                    per_rep: diff(&doses[best], &doses[0]),
                    second: Some(diff(&doses[best], &doses[last])),
                    note: format!(
                        "best {} = {} (means {}); effect = best minus first dose, also checked: best minus last",
                        axis.name(),
                        axis.values[best],
                        means.iter().map(|m| format!("{m:.3}")).collect::<Vec<_>>().join(", ")
                    ),
                    best: interior.then_some(best),
                }
            } else {
                Effects {
                    per_rep: diff(&doses[last], &doses[0]),
                    second: None,
                    note: format!("{} = {} minus {} = {}", axis.name(), axis.values[last], axis.name(), axis.values[0]),
                    best: None,
                }
            }
        }
    }
}
