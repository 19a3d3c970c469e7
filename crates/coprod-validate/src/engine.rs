//! The verdict machinery, independent of the model: a pilot on its own seeds, replications
//! from a power calculation, verdicts on held-out seed blocks, the pooled effect and its
//! decomposition into direct and mediated parts. Anything that can produce paired
//! replications ([`Replicate`]) can be judged, which is how the tests check the machinery on
//! toy models whose answers are known.

use coprod_analysis::dist::t_quantile;
use coprod_analysis::{
    mediated_share, replications_for_equivalence, replications_for_power, sd_upper_limit,
};
use coprod_core::Mediator;
use coprod_output::{Accumulator, Summary};
use coprod_scenario::{Direction, text_seed};
use coprod_sweep::Runner;

use crate::seeds::{Stream, seed};

/// One replication of an experiment: the read-out of every arm, and of every non-control
/// arm re-run with each hold set (`held[set][arm]`; the control arm's entry is unused).
#[derive(Clone, Debug, PartialEq)]
pub struct Rep {
    /// Read-out of each arm.
    pub arms: Vec<f64>,
    /// Read-out of each arm with hold set `s` held at the control arm's trajectory.
    pub held: Vec<Vec<f64>>,
}

/// An experiment that runs paired replications from a seed.
pub trait Replicate: Sync {
    /// Number of arms (variants or doses) per replication.
    fn n_arms(&self) -> usize;
    /// The arm whose trajectory held runs are clamped to; `None`: no decomposition.
    fn control(&self) -> Option<usize>;
    /// How arms combine into the effect.
    fn contrast(&self) -> &Contrast;
    /// Runs one replication with `seed`, and the held re-runs for each set in `hold`.
    fn replicate(&self, seed: u64, hold: &[Vec<Mediator>]) -> Rep;
}

/// How a replication's arms give its effect.
#[derive(Clone, Debug, PartialEq)]
pub enum Contrast {
    /// `sum(w_a * arm_a)`.
    Linear(Vec<f64>),
    /// Arms are doses in order: effect = best minus first, also checked best minus last;
    /// the best dose is the one with the highest mean in the block (or pooled).
    InteriorOptimum,
}

/// A named set of mediators held together.
#[derive(Clone, Debug, PartialEq)]
pub struct HoldSet {
    /// `all` or the mediator's name.
    pub name: String,
    /// The mediators held.
    pub mediators: Vec<Mediator>,
}

/// The hold sets of a registration: all registered mediators together, then each alone
/// (when there is more than one). Empty when none are registered.
pub fn hold_sets(mediators: &[Mediator]) -> Vec<HoldSet> {
    let mut sets = Vec::new();
    if mediators.is_empty() {
        return sets;
    }
    sets.push(HoldSet {
        name: "all".into(),
        mediators: mediators.to_vec(),
    });
    if mediators.len() > 1 {
        sets.extend(mediators.iter().map(|m| HoldSet {
            name: m.name().into(),
            mediators: vec![*m],
        }));
    }
    sets
}

/// The registered design and the run-time choices of a verdict.
#[derive(Clone, Debug, PartialEq)]
pub struct Design {
    /// Claimed direction.
    pub direction: Direction,
    /// Smallest effect of substantive interest (> 0).
    pub sesoi: f64,
    /// Target power at an effect of exactly the SESOI (vs 0) or, for `no_effect`, at 0.
    pub power: f64,
    /// The salt all seeds derive from.
    pub salt: String,
    /// Verdict blocks.
    pub blocks: u32,
    /// Pilot replications.
    pub pilot: u32,
    /// Fewest replications per block.
    pub min_replications: u32,
    /// Most replications per block (the power calculation is capped here, and says so).
    pub max_replications: u32,
    /// What the decomposition holds.
    pub hold_sets: Vec<HoldSet>,
    /// Replications re-run with mediators held: those of the first blocks, as many blocks as
    /// it takes to reach this number (at least one block).
    pub decompose_replications: u32,
    /// Bootstrap resamples of the mediated-share interval.
    pub resamples: usize,
}

/// Error rate of the one side tested: a 95% two-sided interval must lie on the claimed side.
pub const ALPHA_ONE_SIDED: f64 = 0.025;
/// Error rate of each of the two one-sided tests of an equivalence (a 90% interval).
pub const ALPHA_EQUIVALENCE: f64 = 0.05;
/// Replications are planned on this upper confidence limit of the pilot's sd, not on the
/// estimate itself, so a pilot that happens to underestimate the spread does not leave the
/// verdict underpowered (Browne 1995).
pub const PILOT_SD_LEVEL: f64 = 0.8;

/// Verdict of one block.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    /// The effect over the block's replications.
    pub effect: Summary,
    /// Whether the block passes the registered rule.
    pub pass: bool,
}

/// The direct effect with one hold set and the share of the total it leaves to mediators.
#[derive(Clone, Debug, PartialEq)]
pub struct Decomposed {
    /// `all` or a mediator name.
    pub hold: String,
    /// Controlled direct effect over the decomposed replications.
    pub direct: Summary,
    /// Mediated share `1 - mean(direct) / mean(total)` (None when the total mean is 0).
    pub share: Option<f64>,
    /// Its 95% paired bootstrap percentile interval.
    pub share_ci: Option<(f64, f64)>,
}

/// Everything a verdict found.
#[derive(Clone, Debug, PartialEq)]
pub struct Judgement {
    /// Standard deviation of the paired effect in the pilot.
    pub pilot_sd: f64,
    /// Its upper confidence limit ([`PILOT_SD_LEVEL`]), which the power calculation uses.
    pub planning_sd: f64,
    /// Replications per block the power calculation asked for (before min and max).
    pub required: Option<u64>,
    /// Replications per block used.
    pub replications: u32,
    /// Whether the maximum cut the power calculation short.
    pub capped: bool,
    /// Each block's verdict.
    pub blocks: Vec<Block>,
    /// Share of blocks that pass.
    pub pass_rate: f64,
    /// The effect pooled over every block's replications.
    pub total: Summary,
    /// The total effect over the decomposed replications only (what shares divide by).
    pub decomposed_total: Option<Summary>,
    /// Direct effects and mediated shares, one per hold set.
    pub decomposition: Vec<Decomposed>,
    /// For interior optima: the best dose over the pooled replications.
    pub best: Option<usize>,
    /// For interior optima with two or more doses: the dose with the next highest pooled
    /// mean and how far below the best's mean it lies. The direct effect is taken at the best
    /// dose only, so a runner-up close to it says that the decomposition could have been
    /// taken at another dose.
    pub runner_up: Option<(usize, f64)>,
}

/// Runs the pilot, the power calculation, the verdict blocks and the decomposition.
pub fn judge<R: Replicate>(experiment: &R, design: &Design, runner: &Runner) -> Judgement {
    let contrast = experiment.contrast();
    let pilot_seeds: Vec<u64> = (0..design.pilot)
        .map(|r| seed(&design.salt, Stream::Pilot, r))
        .collect();
    let pilot = runner.map(&pilot_seeds, |&s| experiment.replicate(s, &[]));
    let pilot_sd = pilot_spread(contrast, &pilot);
    let planning_sd = sd_upper_limit(pilot_sd, pilot.len(), PILOT_SD_LEVEL);
    let required = match design.direction {
        Direction::NoEffect => {
            replications_for_equivalence(planning_sd, design.sesoi, ALPHA_EQUIVALENCE, design.power)
        }
        _ => replications_for_power(planning_sd, design.sesoi, ALPHA_ONE_SIDED, design.power),
    };
    let wanted = required.unwrap_or(u64::MAX);
    let capped = wanted > u64::from(design.max_replications);
    let replications = wanted.clamp(
        u64::from(design.min_replications),
        u64::from(design.max_replications),
    ) as u32;

    let hold: Vec<Vec<Mediator>> = if experiment.control().is_some() {
        design
            .hold_sets
            .iter()
            .map(|h| h.mediators.clone())
            .collect()
    } else {
        Vec::new()
    };
    let decompose_blocks = design
        .decompose_replications
        .div_ceil(replications.max(1))
        .clamp(1, design.blocks.max(1));
    let jobs: Vec<(u32, u32)> = (0..design.blocks)
        .flat_map(|b| (0..replications).map(move |r| (b, r)))
        .collect();
    let reps = runner.map(&jobs, |&(b, r)| {
        let held: &[Vec<Mediator>] = if b < decompose_blocks { &hold } else { &[] };
        experiment.replicate(seed(&design.salt, Stream::Block(b), r), held)
    });

    let blocks: Vec<Block> = reps
        .chunks(replications.max(1) as usize)
        .map(|block| judge_block(contrast, design, block))
        .collect();
    let pass_rate = blocks.iter().filter(|b| b.pass).count() as f64 / blocks.len().max(1) as f64;
    let best = match contrast {
        Contrast::InteriorOptimum => Some(best_arm(&reps)),
        Contrast::Linear(_) => None,
    };
    let runner_up = best.and_then(|b| runner_up_arm(&reps, b));
    let totals: Vec<f64> = reps.iter().map(|r| effect(contrast, r, best)).collect();
    let (decomposed_total, decomposition) = match experiment.control() {
        Some(control) if !hold.is_empty() => {
            let n = (decompose_blocks.min(design.blocks) * replications) as usize;
            let part = &reps[..n];
            let total: Vec<f64> = part.iter().map(|r| effect(contrast, r, best)).collect();
            let sets = design
                .hold_sets
                .iter()
                .enumerate()
                .map(|(s, h)| {
                    let direct: Vec<f64> = part
                        .iter()
                        .map(|r| direct_effect(contrast, r, s, control, best))
                        .collect();
                    let boot = text_seed(&format!("{}:bootstrap:{}", design.salt, h.name));
                    let share = mediated_share(&total, &direct, design.resamples, boot);
                    Decomposed {
                        hold: h.name.clone(),
                        direct: summarise(&direct),
                        share: share.map(|s| s.0),
                        share_ci: share.and_then(|s| s.1),
                    }
                })
                .collect();
            (Some(summarise(&total)), sets)
        }
        _ => (None, Vec::new()),
    };
    Judgement {
        pilot_sd,
        planning_sd,
        required,
        replications,
        capped,
        blocks,
        pass_rate,
        total: summarise(&totals),
        decomposed_total,
        decomposition,
        best,
        runner_up,
    }
}

/// The spread the power calculation uses: sd of the paired effect in the pilot (for an
/// interior optimum, the larger sd of best-minus-first and best-minus-last at the pilot's
/// best dose).
fn pilot_spread(contrast: &Contrast, pilot: &[Rep]) -> f64 {
    match contrast {
        Contrast::Linear(_) => sd(&effects(contrast, pilot, None)),
        Contrast::InteriorOptimum => {
            let best = best_arm(pilot);
            let last = pilot.first().map_or(0, |r| r.arms.len() - 1);
            let to_last: Vec<f64> = pilot.iter().map(|r| r.arms[best] - r.arms[last]).collect();
            sd(&effects(contrast, pilot, Some(best))).max(sd(&to_last))
        }
    }
}

fn sd(xs: &[f64]) -> f64 {
    summarise(xs).sd.unwrap_or(f64::NAN)
}

fn effects(contrast: &Contrast, reps: &[Rep], best: Option<usize>) -> Vec<f64> {
    reps.iter().map(|r| effect(contrast, r, best)).collect()
}

/// The arm with the highest mean (ties: the lowest index).
fn best_arm(reps: &[Rep]) -> usize {
    let arms = reps.first().map_or(0, |r| r.arms.len());
    (0..arms).max_by(by_mean(reps)).unwrap_or(0)
}

/// The arm other than `best` with the highest pooled mean (the first such arm on a tie),
/// and how far below `best`'s mean it lies; `None` with a single arm.
fn runner_up_arm(reps: &[Rep], best: usize) -> Option<(usize, f64)> {
    let arms = reps.first().map_or(0, |r| r.arms.len());
    let second = (0..arms).filter(|&a| a != best).max_by(by_mean(reps))?;
    Some((second, arm_mean(reps, best) - arm_mean(reps, second)))
}

/// Orders arms by pooled mean, a lower index counting as higher on a tie (so `max_by` picks
/// the first of tied arms).
fn by_mean(reps: &[Rep]) -> impl Fn(&usize, &usize) -> std::cmp::Ordering + '_ {
    move |&a, &b| {
        arm_mean(reps, a)
            .total_cmp(&arm_mean(reps, b))
            .then(b.cmp(&a))
    }
}

fn arm_mean(reps: &[Rep], a: usize) -> f64 {
    reps.iter().map(|r| r.arms[a]).sum::<f64>() / reps.len() as f64
}

fn effect(contrast: &Contrast, rep: &Rep, best: Option<usize>) -> f64 {
    match contrast {
        Contrast::Linear(w) => w.iter().zip(&rep.arms).map(|(w, y)| w * y).sum(),
        Contrast::InteriorOptimum => rep.arms[best.unwrap_or(0)] - rep.arms[0],
    }
}

/// The effect with the non-control arms replaced by their held re-runs.
fn direct_effect(
    contrast: &Contrast,
    rep: &Rep,
    set: usize,
    control: usize,
    best: Option<usize>,
) -> f64 {
    let arm = |a: usize| {
        if a == control {
            rep.arms[a]
        } else {
            rep.held[set][a]
        }
    };
    match contrast {
        Contrast::Linear(w) => w.iter().enumerate().map(|(a, w)| w * arm(a)).sum(),
        Contrast::InteriorOptimum => arm(best.unwrap_or(0)) - arm(0),
    }
}

fn judge_block(contrast: &Contrast, design: &Design, block: &[Rep]) -> Block {
    match contrast {
        Contrast::Linear(_) => {
            let effect = summarise(&effects(contrast, block, None));
            let pass = holds(design.direction, design.sesoi, &effect);
            Block { effect, pass }
        }
        Contrast::InteriorOptimum => {
            let best = best_arm(block);
            let last = block.first().map_or(0, |r| r.arms.len() - 1);
            let effect = summarise(&effects(contrast, block, Some(best)));
            let to_last: Vec<f64> = block.iter().map(|r| r.arms[best] - r.arms[last]).collect();
            let rises = |s: &Summary| holds(Direction::Increase, design.sesoi, s);
            let pass = best > 0 && best < last && rises(&effect) && rises(&summarise(&to_last));
            Block { effect, pass }
        }
    }
}

/// The registered rule on one block's effect (docs/validation.md, "Verdicts"):
/// `increase`: the 95% interval lies above 0 and the mean is at least the SESOI;
/// `decrease`: mirror image; `no_effect`: the 90% interval lies inside (-SESOI, SESOI) (two
/// one-sided tests at 5%). Interior optima apply `increase` to both differences.
pub fn holds(direction: Direction, sesoi: f64, effect: &Summary) -> bool {
    match direction {
        Direction::Increase | Direction::InteriorOptimum => {
            effect.ci.is_some_and(|(low, _)| low > 0.0) && effect.mean >= sesoi
        }
        Direction::Decrease => {
            effect.ci.is_some_and(|(_, high)| high < 0.0) && effect.mean <= -sesoi
        }
        Direction::NoEffect => match (effect.sd, effect.n) {
            (Some(sd), n) if n >= 2 => {
                let half =
                    t_quantile(1.0 - ALPHA_EQUIVALENCE, (n - 1) as f64) * sd / (n as f64).sqrt();
                effect.mean - half > -sesoi && effect.mean + half < sesoi
            }
            _ => false,
        },
    }
}

/// Mean, sd, n and 95% t-interval. A missing read-out (NaN: a group metric of a run in
/// which no group started) leaves no estimate (mean NaN, no sd or interval), so no rule can
/// pass on it: a verdict is never taken on fewer replications than were planned.
pub fn summarise(xs: &[f64]) -> Summary {
    if xs.iter().any(|x| x.is_nan()) {
        return Summary {
            n: xs.len() as u64,
            mean: f64::NAN,
            sd: None,
            ci: None,
        };
    }
    let mut acc = Accumulator::default();
    for &x in xs {
        acc.push(x);
    }
    acc.summary()
}

/// The mean effect of a few replications at one robustness point and whether it holds by
/// its point estimate alone (direction and SESOI; an interior optimum needs an interior best
/// dose at least the SESOI above both ends).
pub fn point_holds(
    contrast: &Contrast,
    direction: Direction,
    sesoi: f64,
    reps: &[Rep],
) -> (f64, bool) {
    match contrast {
        Contrast::Linear(_) => {
            let mean = summarise(&effects(contrast, reps, None)).mean;
            let holds = match direction {
                Direction::Increase | Direction::InteriorOptimum => mean >= sesoi,
                Direction::Decrease => mean <= -sesoi,
                Direction::NoEffect => mean.abs() < sesoi,
            };
            (mean, holds)
        }
        Contrast::InteriorOptimum => {
            let best = best_arm(reps);
            let last = reps.first().map_or(0, |r| r.arms.len() - 1);
            let mean = summarise(&effects(contrast, reps, Some(best))).mean;
            let to_last: Vec<f64> = reps.iter().map(|r| r.arms[best] - r.arms[last]).collect();
            let holds =
                best > 0 && best < last && mean >= sesoi && summarise(&to_last).mean >= sesoi;
            (mean, holds)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reps(arms: &[&[f64]]) -> Vec<Rep> {
        arms.iter()
            .map(|a| Rep {
                arms: a.to_vec(),
                held: Vec::new(),
            })
            .collect()
    }

    /// A replication with a missing read-out gives no estimate, so no direction holds.
    #[test]
    fn a_missing_read_out_leaves_no_estimate() {
        let effect = summarise(&[1.0, f64::NAN, 1.2, 0.9]);
        assert!(effect.mean.is_nan());
        assert_eq!((effect.n, effect.sd, effect.ci), (4, None, None));
        for direction in [
            Direction::Increase,
            Direction::Decrease,
            Direction::NoEffect,
        ] {
            assert!(!holds(direction, 0.1, &effect), "{direction:?}");
        }
    }

    /// The runner-up is the best of the other doses by pooled mean, with its shortfall.
    #[test]
    fn runner_up_is_the_next_best_dose_and_its_gap() {
        let r = reps(&[&[1.0, 5.0, 4.0, 2.0], &[1.0, 7.0, 5.0, 2.0]]);
        let best = best_arm(&r);
        assert_eq!(best, 1);
        assert_eq!(runner_up_arm(&r, best), Some((2, 1.5)));
        // A tie goes to the first dose, as for the best.
        let tied = reps(&[&[3.0, 6.0, 3.0]]);
        assert_eq!(runner_up_arm(&tied, best_arm(&tied)), Some((0, 3.0)));
        assert_eq!(runner_up_arm(&reps(&[&[2.0]]), 0), None);
    }
}
