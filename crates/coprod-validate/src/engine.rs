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

/// One replication of an experiment: the read-out of every arm, of every non-control arm
/// re-run with each hold set (`held[set][arm]`; the control arm's entry is unused), and of
/// the placebo held with each hold set.
#[derive(Clone, Debug, PartialEq)]
pub struct Rep {
    /// Read-out of each arm.
    pub arms: Vec<f64>,
    /// Read-out of each arm with hold set `s` held at the control arm's trajectory.
    pub held: Vec<Vec<f64>>,
    /// Read-out of the placebo (the control arm with step dynamics of its own, docs/ODD.md
    /// 8.19) with hold set `s` held at the control arm's trajectory; empty when nothing is
    /// held.
    pub placebo: Vec<f64>,
}

/// An experiment that runs paired replications from a seed.
pub trait Replicate: Sync {
    /// Number of arms (variants or doses) per replication.
    fn n_arms(&self) -> usize;
    /// The arm whose trajectory held runs are clamped to; `None`: no decomposition.
    fn control(&self) -> Option<usize>;
    /// How arms combine into the effect.
    fn contrast(&self) -> &Contrast;
    /// Runs one replication with `seed`, and the held re-runs and held placebos for each set
    /// in `hold`.
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
    /// For interior optima: the index of the arm (dose) with the highest block mean, which
    /// the effect is taken at (best minus first). `None` for a linear contrast, and when that
    /// arm's block mean is not a number: a dose without a read-out in some replication ranks
    /// highest (`by_mean`), so no dose can be named the block's best.
    pub best_arm: Option<usize>,
    /// For interior optima: best minus last dose, the rule's second difference.
    pub best_minus_last: Option<Summary>,
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
    /// What holding alone does: `Y(placebo, held) - Y(control)` over the decomposed
    /// replications.
    pub placebo: Summary,
    /// The direct effect with the control arm replaced by the held placebo, so that both
    /// sides of the contrast are held at the same trajectory.
    pub adjusted: Summary,
    /// `1 - mean(adjusted) / mean(total)` (None when the total mean is 0).
    pub adjusted_share: Option<f64>,
    /// Its 95% paired bootstrap percentile interval.
    pub adjusted_share_ci: Option<(f64, f64)>,
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
    /// For interior optima: the index of the arm (dose) with the highest pooled mean; its
    /// mean may be not a number (see [`Block::best_arm`]), which the note reads as
    /// "undetermined".
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
    let plan = plan_replications(experiment, design, runner);
    let replications = plan.replications;
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
    let reps = run_blocks(
        experiment,
        design,
        runner,
        replications,
        &hold,
        decompose_blocks,
    );

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
            let (total, sets) = decompose(contrast, design, &reps[..n], control, best);
            (Some(total), sets)
        }
        _ => (None, Vec::new()),
    };
    Judgement {
        pilot_sd: plan.pilot_sd,
        planning_sd: plan.planning_sd,
        required: plan.required,
        replications,
        capped: plan.capped,
        blocks,
        pass_rate,
        total: summarise(&totals),
        decomposed_total,
        decomposition,
        best,
        runner_up,
    }
}

/// What the pilot and the power calculation decided (the fields of [`Judgement`] of the
/// same names).
struct Plan {
    pilot_sd: f64,
    planning_sd: f64,
    required: Option<u64>,
    replications: u32,
    capped: bool,
}

/// Runs the pilot and computes the replications per block that give the design's power,
/// kept within its minimum and maximum.
fn plan_replications<R: Replicate>(experiment: &R, design: &Design, runner: &Runner) -> Plan {
    let pilot_seeds: Vec<u64> = (0..design.pilot)
        .map(|r| seed(&design.salt, Stream::Pilot, r))
        .collect();
    let pilot = runner.map(&pilot_seeds, |&s| experiment.replicate(s, &[]));
    let pilot_sd = pilot_spread(experiment.contrast(), &pilot);
    let planning_sd = sd_upper_limit(pilot_sd, pilot.len(), PILOT_SD_LEVEL);
    let required = match design.direction {
        Direction::NoEffect => {
            replications_for_equivalence(planning_sd, design.sesoi, ALPHA_EQUIVALENCE, design.power)
        }
        _ => replications_for_power(planning_sd, design.sesoi, ALPHA_ONE_SIDED, design.power),
    };
    // Without a power calculation (a pilot replication without a read-out leaves no sd)
    // the blocks get the maximum, and the cap has cut nothing short.
    let wanted = required.unwrap_or(u64::MAX);
    let capped = required.is_some_and(|n| n > u64::from(design.max_replications));
    let replications = wanted.clamp(
        u64::from(design.min_replications),
        u64::from(design.max_replications),
    ) as u32;
    Plan {
        pilot_sd,
        planning_sd,
        required,
        replications,
        capped,
    }
}

/// The replications of every block, in block order; those of the first `decompose_blocks`
/// blocks are also re-run with each set of mediators in `hold` held.
fn run_blocks<R: Replicate>(
    experiment: &R,
    design: &Design,
    runner: &Runner,
    replications: u32,
    hold: &[Vec<Mediator>],
    decompose_blocks: u32,
) -> Vec<Rep> {
    let jobs: Vec<(u32, u32)> = (0..design.blocks)
        .flat_map(|b| (0..replications).map(move |r| (b, r)))
        .collect();
    runner.map(&jobs, |&(b, r)| {
        let held: &[Vec<Mediator>] = if b < decompose_blocks { hold } else { &[] };
        experiment.replicate(seed(&design.salt, Stream::Block(b), r), held)
    })
}

/// The total effect over the decomposed replications `part`, and for each hold set the
/// direct effect and the share it leaves to mediators.
fn decompose(
    contrast: &Contrast,
    design: &Design,
    part: &[Rep],
    control: usize,
    best: Option<usize>,
) -> (Summary, Vec<Decomposed>) {
    let total: Vec<f64> = part.iter().map(|r| effect(contrast, r, best)).collect();
    let sets = design
        .hold_sets
        .iter()
        .enumerate()
        .map(|(s, h)| {
            let direct: Vec<f64> = part
                .iter()
                .map(|r| held_effect(contrast, r, s, r.arms[control], control, best))
                .collect();
            let boot = text_seed(&format!("{}:bootstrap:{}", design.salt, h.name));
            let share = mediated_share(&total, &direct, design.resamples, boot);
            let placebo = |r: &Rep| r.placebo.get(s).copied().unwrap_or(f64::NAN);
            let bias: Vec<f64> = part.iter().map(|r| placebo(r) - r.arms[control]).collect();
            let adjusted: Vec<f64> = part
                .iter()
                .map(|r| held_effect(contrast, r, s, placebo(r), control, best))
                .collect();
            let boot = text_seed(&format!("{}:bootstrap-placebo:{}", design.salt, h.name));
            let adjusted_share = mediated_share(&total, &adjusted, design.resamples, boot);
            Decomposed {
                hold: h.name.clone(),
                direct: summarise(&direct),
                share: share.map(|s| s.0),
                share_ci: share.and_then(|s| s.1),
                placebo: summarise(&bias),
                adjusted: summarise(&adjusted),
                adjusted_share: adjusted_share.map(|s| s.0),
                adjusted_share_ci: adjusted_share.and_then(|s| s.1),
            }
        })
        .collect();
    (summarise(&total), sets)
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
            let (first, to_last) = (sd(&effects(contrast, pilot, Some(best))), sd(&to_last));
            // A pilot replication without a read-out leaves no sd (docs/validation.md):
            // `f64::max` would keep the other difference's and plan on half the pilot.
            if first.is_nan() || to_last.is_nan() {
                f64::NAN
            } else {
                first.max(to_last)
            }
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
/// the first of tied arms). A mean that is not a number (a dose without a read-out in some
/// replication) ranks above every number: that dose could be the best, so the best is
/// undetermined, the effect taken at it has no estimate and a block holding it cannot pass
/// (docs/validation.md). `total_cmp` alone would rank by the NaN's sign bit.
fn by_mean(reps: &[Rep]) -> impl Fn(&usize, &usize) -> std::cmp::Ordering + '_ {
    move |&a, &b| missing_highest(arm_mean(reps, a), arm_mean(reps, b)).then(b.cmp(&a))
}

fn missing_highest(a: f64, b: f64) -> std::cmp::Ordering {
    match (a.is_nan(), b.is_nan()) {
        (false, false) => a.total_cmp(&b),
        (a_missing, b_missing) => a_missing.cmp(&b_missing),
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

/// The effect with the non-control arms replaced by their re-runs held with `set`, and the
/// control arm's read-out by `at_control`: the control itself for the direct effect, the
/// held placebo for the adjusted one.
fn held_effect(
    contrast: &Contrast,
    rep: &Rep,
    set: usize,
    at_control: f64,
    control: usize,
    best: Option<usize>,
) -> f64 {
    let arm = |a: usize| {
        if a == control {
            at_control
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
            Block {
                effect,
                pass,
                best_arm: None,
                best_minus_last: None,
            }
        }
        Contrast::InteriorOptimum => {
            let best = best_arm(block);
            let last = block.first().map_or(0, |r| r.arms.len() - 1);
            let effect = summarise(&effects(contrast, block, Some(best)));
            let to_last: Vec<f64> = block.iter().map(|r| r.arms[best] - r.arms[last]).collect();
            let to_last = summarise(&to_last);
            let rises = |s: &Summary| holds(Direction::Increase, design.sesoi, s);
            let pass = best > 0 && best < last && rises(&effect) && rises(&to_last);
            Block {
                effect,
                pass,
                best_arm: Some(best).filter(|&b| !arm_mean(block, b).is_nan()),
                best_minus_last: Some(to_last),
            }
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
                placebo: Vec::new(),
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

    fn summary(n: u64, mean: f64, sd: f64, ci: (f64, f64)) -> Summary {
        Summary {
            n,
            mean,
            sd: Some(sd),
            ci: Some(ci),
        }
    }

    /// `increase` needs the 95% interval above 0 and a mean of at least the SESOI; `decrease`
    /// the mirror image; an interval touching 0 is not above it.
    #[test]
    fn a_directional_claim_needs_its_interval_off_zero_and_the_sesoi_reached() {
        let up = Direction::Increase;
        assert!(holds(up, 0.1, &summary(10, 0.1, 0.1, (0.01, 0.2))));
        assert!(!holds(up, 0.1, &summary(10, 0.09, 0.1, (0.01, 0.2))));
        assert!(!holds(up, 0.1, &summary(10, 0.15, 0.1, (0.0, 0.3))));
        let down = Direction::Decrease;
        assert!(holds(down, 0.1, &summary(10, -0.1, 0.1, (-0.2, -0.01))));
        assert!(!holds(down, 0.1, &summary(10, -0.09, 0.1, (-0.2, -0.01))));
        assert!(!holds(down, 0.1, &summary(10, -0.15, 0.1, (-0.3, 0.0))));
        assert!(!holds(down, 0.1, &summary(10, -0.15, 0.1, (-0.3, 0.01))));
        // The interval off 0 alone is not enough, nor the mean alone.
        assert!(!holds(down, 0.1, &summary(10, -0.05, 0.1, (-0.08, -0.02))));
        assert!(!holds(up, 0.1, &summary(10, 0.05, 0.1, (0.02, 0.08))));
    }

    /// `no_effect`: the 90% t-interval (mean +- t(0.95, n - 1) x sd / sqrt(n)) must lie inside
    /// (-SESOI, SESOI). With n = 3 and sd = 1 its half-width is 2.920 / sqrt(3) = 1.686.
    #[test]
    fn an_equivalence_claim_needs_its_90_percent_interval_inside_the_sesoi() {
        let eq = Direction::NoEffect;
        let unused = (f64::NAN, f64::NAN);
        assert!(holds(eq, 1.8, &summary(3, 0.0, 1.0, unused)));
        // 1.686 > 1.5: fails; with the degrees of freedom of n or n + 1 it would pass.
        assert!(!holds(eq, 1.5, &summary(3, 0.0, 1.0, unused)));
        // One end outside is enough to fail, either end.
        assert!(!holds(eq, 2.0, &summary(3, 0.5, 1.0, unused)));
        assert!(!holds(eq, 2.0, &summary(3, -0.5, 1.0, unused)));
        // The half-width grows with sd: 2 x 1.686 = 3.372 > 3.
        assert!(!holds(eq, 3.0, &summary(3, 0.0, 2.0, unused)));
        assert!(holds(eq, 3.5, &summary(3, 0.0, 2.0, unused)));
        // A single replication has no interval.
        assert!(!holds(eq, 10.0, &summary(1, 0.0, 0.0, unused)));
    }

    /// A robustness point holds by its mean alone: at least the SESOI in the claimed
    /// direction, or within it for `no_effect`; the mean is returned.
    #[test]
    fn a_robustness_point_holds_by_its_mean() {
        let diff = Contrast::Linear(vec![-1.0, 1.0]);
        let at = |x: f64| reps(&[&[1.0, 1.0 + x], &[2.0, 2.0 + x]]);
        let point = |d: Direction, x: f64| point_holds(&diff, d, 0.5, &at(x));
        assert_eq!(point(Direction::Increase, 0.5), (0.5, true));
        assert_eq!(point(Direction::Increase, 0.25), (0.25, false));
        assert_eq!(point(Direction::Decrease, -0.5), (-0.5, true));
        assert_eq!(point(Direction::Decrease, -0.25), (-0.25, false));
        assert_eq!(point(Direction::Decrease, 0.75), (0.75, false));
        assert_eq!(point(Direction::NoEffect, 0.25), (0.25, true));
        assert_eq!(point(Direction::NoEffect, -0.25), (-0.25, true));
        assert_eq!(point(Direction::NoEffect, 0.5), (0.5, false));
        assert_eq!(point(Direction::NoEffect, -0.75), (-0.75, false));
    }

    /// An interior optimum holds at a point when the best dose is neither end and lies at
    /// least the SESOI above both ends; the effect is best minus first.
    #[test]
    fn a_robustness_point_with_an_interior_optimum_needs_both_ends_below() {
        let opt = Contrast::InteriorOptimum;
        let point =
            |arms: &[&[f64]]| point_holds(&opt, Direction::InteriorOptimum, 0.4, &reps(arms));
        assert_eq!(
            point(&[&[0.0, 2.0, 1.0, 0.5], &[0.0, 2.0, 1.0, 0.5]]),
            (2.0, true)
        );
        // Best minus last only 0.1 (best plus last would be 3.9).
        assert_eq!(point(&[&[0.0, 2.0, 1.0, 1.9]]), (2.0, false));
        // Best minus first only 0.1.
        let (effect, ok) = point(&[&[1.9, 2.0, 1.0, 0.0]]);
        assert!(!ok && (effect - 0.1).abs() < 1e-12, "{effect} {ok}");
        // The best dose at either end never holds.
        assert!(!point(&[&[3.0, 2.0, 1.0, 0.0]]).1);
        assert!(!point(&[&[0.0, 1.0, 2.0, 3.0]]).1);
    }

    /// An interior optimum of SESOI 0.4, one block of 3 replications.
    fn interior_design() -> Design {
        Design {
            direction: Direction::InteriorOptimum,
            sesoi: 0.4,
            power: 0.9,
            salt: "unit".into(),
            blocks: 1,
            pilot: 2,
            min_replications: 3,
            max_replications: 3,
            hold_sets: Vec::new(),
            decompose_replications: 0,
            resamples: 10,
        }
    }

    /// A block of an interior optimum passes when its best dose is interior and both
    /// differences (best minus first, best minus last) pass `increase`.
    #[test]
    fn a_block_with_an_interior_optimum_needs_both_differences_to_rise() {
        let design = interior_design();
        let block = |arms: &[&[f64]]| judge_block(&Contrast::InteriorOptimum, &design, &reps(arms));
        let pass = block(&[
            &[0.0, 2.0, 1.0, 0.5],
            &[0.1, 2.2, 1.0, 0.6],
            &[-0.1, 1.8, 1.0, 0.4],
        ]);
        assert!(pass.pass);
        assert!((pass.effect.mean - 2.0).abs() < 1e-12);
        // Best minus last is about 0.1: below the SESOI.
        let near_last = block(&[
            &[0.0, 2.0, 1.0, 1.9],
            &[0.1, 2.2, 1.0, 2.1],
            &[-0.1, 1.8, 1.0, 1.7],
        ]);
        assert!(!near_last.pass);
        // Best minus first is about 0.1.
        let near_first = block(&[
            &[1.9, 2.0, 1.0, 0.0],
            &[2.1, 2.2, 1.0, 0.1],
            &[1.7, 1.8, 1.0, -0.1],
        ]);
        assert!(!near_first.pass);
        // A best dose at an end fails, however large the difference to the other end.
        let at_end = block(&[&[0.0, 1.0, 5.0], &[0.1, 1.1, 5.2], &[-0.1, 0.9, 4.8]]);
        assert!(!at_end.pass);
        let at_start = block(&[&[5.0, 1.0, 0.0], &[5.2, 1.1, 0.1], &[4.8, 0.9, -0.1]]);
        assert!(!at_start.pass);
    }

    /// The pilot's spread of an interior optimum is the larger of the spreads of the two
    /// differences it is judged on.
    #[test]
    fn the_pilot_spread_of_an_interior_optimum_is_the_larger_difference_spread() {
        // Best dose 1: best - first = [2, 3] (sd 0.707), best - last = [2, 2] (sd 0).
        let r = reps(&[&[0.0, 2.0, 1.0, 0.0], &[0.0, 3.0, 1.0, 1.0]]);
        let spread = pilot_spread(&Contrast::InteriorOptimum, &r);
        assert!((spread - 0.5f64.sqrt()).abs() < 1e-12, "{spread}");
        // Best - first = [2, 2], best - last = [2, 1]: the last difference decides.
        let r = reps(&[&[0.0, 2.0, 1.0, 0.0], &[1.0, 3.0, 1.0, 2.0]]);
        let spread = pilot_spread(&Contrast::InteriorOptimum, &r);
        assert!((spread - 0.5f64.sqrt()).abs() < 1e-12, "{spread}");
        // A replication without a read-out at the first dose leaves best - first without an
        // sd, so the pilot has none, though best - last has one. (The missing dose ranks as
        // the best, whatever the NaN's sign: the best is undetermined.)
        for missing in [f64::NAN, -f64::NAN] {
            let r = reps(&[&[missing, 2.0, 1.0, 0.0], &[1.0, 3.0, 1.0, 2.0]]);
            assert_eq!(best_arm(&r), 0);
            let spread = pilot_spread(&Contrast::InteriorOptimum, &r);
            assert!(spread.is_nan(), "{spread}");
        }
    }

    /// Effects: a linear contrast weighs the arms; an interior optimum is the best dose minus
    /// the first; the direct effect swaps the non-control arms for their held re-runs.
    #[test]
    fn effects_and_direct_effects_combine_the_right_arms() {
        let rep = Rep {
            arms: vec![1.0, 4.0, 2.0],
            held: vec![vec![f64::NAN, 3.0, 1.5]],
            placebo: vec![1.25],
        };
        let opt = Contrast::InteriorOptimum;
        assert_eq!(effect(&opt, &rep, Some(1)), 3.0);
        assert_eq!(
            effect(&Contrast::Linear(vec![-1.0, 0.0, 1.0]), &rep, None),
            1.0
        );
        assert_eq!(held_effect(&opt, &rep, 0, 1.0, 0, Some(1)), 2.0);
        let linear = Contrast::Linear(vec![-1.0, 0.0, 1.0]);
        assert_eq!(held_effect(&linear, &rep, 0, 1.0, 0, None), 0.5);
        // The adjusted effect puts the held placebo in the control's place.
        assert_eq!(held_effect(&opt, &rep, 0, rep.placebo[0], 0, Some(1)), 1.75);
        assert_eq!(held_effect(&linear, &rep, 0, rep.placebo[0], 0, None), 0.25);
    }

    /// The best dose is the one with the highest pooled mean, wherever it lies.
    #[test]
    fn the_best_dose_has_the_highest_pooled_mean() {
        assert_eq!(best_arm(&reps(&[&[0.0, 1.0, 5.0], &[0.0, 2.0, 4.0]])), 2);
        assert_eq!(best_arm(&reps(&[&[5.0, 1.0, 0.0]])), 0);
    }

    /// A dose whose read-out is missing in some replication (a group metric is NaN when no
    /// group started) ranks as the best whatever the NaN's sign, so the effect and a block's
    /// estimate are missing (the block fails) rather than taken at another dose by chance
    /// of the sign bit; the runner-up's gap is then not a number, which the note reads as
    /// "undetermined".
    #[test]
    fn a_dose_without_a_read_out_leaves_the_best_undetermined_whatever_the_nan_sign() {
        for missing in [f64::NAN, -f64::NAN] {
            let r = reps(&[&[0.0, 2.0, missing, 0.5], &[0.1, 2.2, 1.0, 0.6]]);
            assert_eq!(best_arm(&r), 2, "{missing}");
            let (second, gap) = runner_up_arm(&r, 2).unwrap();
            assert_eq!(second, 1);
            assert!(gap.is_nan(), "{gap}");
        }
        let design = interior_design();
        let block = reps(&[
            &[0.0, 2.0, -f64::NAN, 0.5],
            &[0.1, 2.2, 1.0, 0.6],
            &[-0.1, 1.8, 1.0, 0.4],
        ]);
        let judged = judge_block(&Contrast::InteriorOptimum, &design, &block);
        assert!(judged.effect.mean.is_nan() && !judged.pass, "{judged:?}");
        // blocks.csv names no best dose for that block, as validation.csv's note names none.
        assert_eq!(judged.best_arm, None);
        let determined = judge_block(&Contrast::InteriorOptimum, &design, &block[1..]);
        assert_eq!(determined.best_arm, Some(1));
    }

    /// All registered mediators together, then each alone only when there are several.
    #[test]
    fn hold_sets_are_all_then_each_alone() {
        assert!(hold_sets(&[]).is_empty());
        let one = hold_sets(&[Mediator::Efficacy]);
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].name, "all");
        let two = hold_sets(&[Mediator::Efficacy, Mediator::CitizenTrust]);
        let names: Vec<&str> = two.iter().map(|h| h.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "all",
                Mediator::Efficacy.name(),
                Mediator::CitizenTrust.name()
            ]
        );
        assert_eq!(two[1].mediators, [Mediator::Efficacy]);
    }

    /// Two arms, the treated one 1 above the control with a spread set by the seed; held
    /// re-runs halve the effect. Counts the replications run with mediators held.
    struct Shift {
        contrast: Contrast,
        held_runs: std::sync::atomic::AtomicU32,
    }

    impl Shift {
        fn new() -> Shift {
            Shift {
                contrast: Contrast::Linear(vec![-1.0, 1.0]),
                held_runs: std::sync::atomic::AtomicU32::new(0),
            }
        }
    }

    impl Replicate for Shift {
        fn n_arms(&self) -> usize {
            2
        }
        fn control(&self) -> Option<usize> {
            Some(0)
        }
        fn contrast(&self) -> &Contrast {
            &self.contrast
        }
        fn replicate(&self, seed: u64, hold: &[Vec<Mediator>]) -> Rep {
            let x = (seed % 1000) as f64 / 1000.0 - 0.5;
            if !hold.is_empty() {
                self.held_runs
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            Rep {
                arms: vec![0.0, 1.0 + x],
                held: hold.iter().map(|_| vec![f64::NAN, 0.5 + x]).collect(),
                // Holding alone adds 0.25: the held placebo reads 0.25 where the control
                // reads 0.
                placebo: hold.iter().map(|_| 0.25).collect(),
            }
        }
    }

    fn shift_design(direction: Direction) -> Design {
        Design {
            direction,
            sesoi: 0.2,
            power: 0.9,
            salt: "unit".into(),
            blocks: 3,
            pilot: 10,
            min_replications: 2,
            max_replications: 1000,
            hold_sets: hold_sets(&[Mediator::Efficacy, Mediator::CitizenTrust]),
            decompose_replications: 5,
            resamples: 50,
        }
    }

    /// Replications follow a power calculation for a directional claim and an equivalence
    /// calculation for `no_effect`, both on the pilot's upper sd limit.
    #[test]
    fn replications_are_planned_by_the_claims_kind_of_test() {
        let runner = Runner::new(1).unwrap();
        let up = judge(&Shift::new(), &shift_design(Direction::Increase), &runner);
        let power = replications_for_power(up.planning_sd, 0.2, ALPHA_ONE_SIDED, 0.9);
        assert_eq!(up.required, power);
        let eq = judge(&Shift::new(), &shift_design(Direction::NoEffect), &runner);
        let equivalence = replications_for_equivalence(eq.planning_sd, 0.2, ALPHA_EQUIVALENCE, 0.9);
        assert_eq!(eq.required, equivalence);
        assert_ne!(power, equivalence);
    }

    /// The maximum caps the replications and says so only when it cuts the calculation short.
    #[test]
    fn the_cap_is_reported_only_when_it_cuts() {
        let runner = Runner::new(1).unwrap();
        let mut design = shift_design(Direction::Increase);
        let needed = judge(&Shift::new(), &design, &runner).required.unwrap() as u32;
        assert!(needed > 2, "{needed}");
        design.max_replications = needed;
        let exact = judge(&Shift::new(), &design, &runner);
        assert_eq!((exact.replications, exact.capped), (needed, false));
        design.max_replications = needed - 1;
        let cut = judge(&Shift::new(), &design, &runner);
        assert_eq!((cut.replications, cut.capped), (needed - 1, true));
    }

    /// A pilot replication without a read-out (NaN: no group started) leaves no sd and no
    /// power calculation: the blocks get the maximum, and the cap is not said to have cut a
    /// calculation short (it was).
    #[test]
    fn without_a_pilot_sd_the_maximum_is_used_and_not_called_capped() {
        struct Missing(Contrast);
        impl Replicate for Missing {
            fn n_arms(&self) -> usize {
                2
            }
            fn control(&self) -> Option<usize> {
                None
            }
            fn contrast(&self) -> &Contrast {
                &self.0
            }
            fn replicate(&self, _: u64, _: &[Vec<Mediator>]) -> Rep {
                Rep {
                    arms: vec![0.0, f64::NAN],
                    held: Vec::new(),
                    placebo: Vec::new(),
                }
            }
        }
        let runner = Runner::new(1).unwrap();
        let mut design = shift_design(Direction::Increase);
        design.max_replications = 7;
        let j = judge(
            &Missing(Contrast::Linear(vec![-1.0, 1.0])),
            &design,
            &runner,
        );
        assert!(j.pilot_sd.is_nan());
        assert_eq!(j.required, None);
        assert_eq!((j.replications, j.capped), (7, false));
    }

    /// Mediators are held in the first blocks only, as many as it takes to reach the
    /// decomposition's replications, and the decomposed total is over exactly those.
    #[test]
    fn the_decomposition_runs_held_replications_in_the_first_blocks_only() {
        let runner = Runner::new(1).unwrap();
        let mut design = shift_design(Direction::Increase);
        design.min_replications = 4;
        design.max_replications = 4;
        let experiment = Shift::new();
        let j = judge(&experiment, &design, &runner);
        // Five wanted at four per block: two blocks of the three.
        let held = experiment
            .held_runs
            .load(std::sync::atomic::Ordering::Relaxed);
        assert_eq!(held, 8);
        assert_eq!(j.decomposed_total.as_ref().map(|t| t.n), Some(8));
        assert_eq!(j.decomposition.len(), 3);
        // Held re-runs halve the effect: the mediated share is one half.
        let share = j.decomposition[0].share.unwrap();
        assert!((share - 0.5).abs() < 0.2, "{share}");
        // Holding alone adds 0.25, which the adjusted direct effect takes off.
        let all = &j.decomposition[0];
        assert!((all.placebo.mean - 0.25).abs() < 1e-12, "{:?}", all.placebo);
        assert!((all.direct.mean - all.adjusted.mean - 0.25).abs() < 1e-12);
        let adjusted = all.adjusted_share.unwrap();
        let total = j.decomposed_total.as_ref().unwrap().mean;
        assert!((adjusted - (1.0 - all.adjusted.mean / total)).abs() < 1e-12);
        assert!(adjusted > share, "{adjusted} {share}");
        // Nothing to hold: no decomposition and no decomposed total.
        design.hold_sets = Vec::new();
        let none = judge(&Shift::new(), &design, &runner);
        assert!(none.decomposition.is_empty());
        assert_eq!(none.decomposed_total, None);
    }
}
