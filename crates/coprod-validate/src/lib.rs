//! # coprod-validate: which claims of the literature review does the model produce?
//!
//! # Brief overview
//! Each validation scenario (`scenarios/validation/<id>.toml`) registers, in its
//! `[validation]` table, a claim's metric, horizon and window, dose (the variant or sweep),
//! direction, smallest effect of substantive interest (SESOI), target power, class and
//! mediators, before any verdict runs. [`evaluate`] then, with seeds derived from a salt
//! given at run time ([`seeds`]):
//!
//! 1. runs a pilot on its own seed stream and takes the replications per block from a power
//!    calculation for the SESOI (pilot runs never enter a verdict);
//! 2. judges each of the independent seed blocks by the registered rule ([`holds`]) and
//!    reports the pass rate;
//! 3. pools every block's replications for the effect and its 95% interval;
//! 4. re-runs the treatment arms of the first blocks (at least `decompose_replications`
//!    replications) with the registered
//!    mediators held at the control run's trajectory, all together and each alone (the
//!    controlled direct effect), and reports the mediated share `1 - direct / total` with a
//!    paired bootstrap interval; a placebo (the control arm with step dynamics of its own)
//!    held the same way shows what holding alone does, and the direct effect and share
//!    adjusted for it are reported with [`classify_adjusted`]'s class next to the registered
//!    one;
//! 5. calls the claim derived only when the lower end of the all-mediators share's interval
//!    is at least [`DERIVED_SHARE`], and maps derived claims over the plausible ranges of
//!    the assumed parameters ([`robustness`]).
//!
//! The rules are written in docs/validation.md; no threshold is set per claim. The crate
//! does no file I/O.
//!
//! # Example
//! ```
//! use coprod_scenario::Scenario;
//! let text = r#"
//! [params.population]
//! n_citizens = 200
//! n_communities = 2
//! n_organisations = 1
//! [[experiment.variants]]
//! name = "treatment"
//! params.orgs.opportunity_rate = 3.0
//! [validation]
//! id = "X1"
//! metric = "opportunities_opened"
//! direction = "increase"
//! class = "assumption"
//! encoded_by = "organisations::open_opportunities: opportunity_rate"
//! sesoi = 0.5
//! sesoi_reason = "half an opportunity a month"
//! horizon = 12
//! window = 6
//! mediators = ["org_trust"]
//! mediators_reason = "trust feeds back on opening"
//! "#;
//! let scenario = Scenario::from_toml(text, "x.toml", "x").unwrap();
//! let runner = coprod_sweep::Runner::new(1).unwrap();
//! let options = coprod_validate::Options { blocks: 2, pilot: 4, ..coprod_validate::Options::new("doc") };
//! let result = coprod_validate::evaluate(&scenario, &runner, &options).unwrap();
//! assert_eq!(result.judgement.blocks.len(), 2);
//! assert!(result.judgement.total.mean > 0.5);
//! ```
#![deny(missing_docs)]

mod claim;
pub mod engine;
mod regression;
pub mod robustness;
pub mod seeds;

pub use claim::{Claim, read_metric};
pub use engine::{
    Block, Contrast, Decomposed, Design, HoldSet, Judgement, Rep, Replicate, hold_sets, holds,
    judge, summarise,
};
pub use robustness::{Robustness, RobustnessDesign};

use coprod_core::Mediator;
use coprod_scenario::{ClaimClass, Direction, Scenario};
use coprod_sweep::Runner;

/// A claim is derived only when the lower end of the 95% interval of its mediated share
/// (all registered mediators held) is at least this: more than half of the effect must
/// travel through feedback across agents or over time, so the rules that state the lever's
/// entry point cannot account for most of it (docs/validation.md, "Derived or assumed").
/// That is the rule's intent; what a share above 1 measures, and that a rule may still state
/// a derived claim's sign, is in docs/validation.md, "How to read 'derived'".
pub const DERIVED_SHARE: f64 = 0.5;

/// Run-time choices of `coprod validate`. None of them changes a registered design, but the
/// replication bounds change the pass rate of a claim whose power calculation they cut
/// short (docs/validation.md, "Replications").
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    /// The salt every seed derives from.
    pub salt: String,
    /// Verdict blocks.
    pub blocks: u32,
    /// Pilot replications.
    pub pilot: u32,
    /// Fewest replications per block.
    pub min_replications: u32,
    /// Most replications per block (the power calculation is capped here, and says so).
    pub max_replications: u32,
    /// Replications (of the first blocks) also re-run with mediators held.
    pub decompose_replications: u32,
    /// Bootstrap resamples of the mediated share.
    pub resamples: usize,
    /// Points of the robustness map (0: none).
    pub robustness_points: u32,
    /// Replications per robustness point.
    pub robustness_replications: u32,
    /// The part of the robustness map to run: (index, count).
    pub robustness_shard: (u32, u32),
    /// Map every claim, not only derived ones (for tests of the machinery).
    pub robustness_all: bool,
}

impl Options {
    /// The defaults of `coprod validate` (docs/validation.md) with `salt`.
    pub fn new(salt: &str) -> Options {
        Options {
            salt: salt.to_string(),
            blocks: 20,
            pilot: 20,
            min_replications: 10,
            max_replications: 100,
            decompose_replications: 40,
            resamples: 2000,
            robustness_points: 80,
            robustness_replications: 5,
            robustness_shard: (0, 1),
            robustness_all: false,
        }
    }
}

/// What one claim's validation found.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimResult {
    /// Claim id.
    pub id: String,
    /// The claim in words.
    pub claim: String,
    /// Class registered before the run.
    pub registered_class: ClaimClass,
    /// Class found: derived only by the [`DERIVED_SHARE`] rule.
    pub class: ClaimClass,
    /// The class after the placebo check of holding ([`classify_adjusted`]); `None` when
    /// nothing was decomposed.
    pub adjusted_class: Option<AdjustedClass>,
    /// Metric or regression.
    pub metric: String,
    /// Claimed direction.
    pub direction: Direction,
    /// Last step of the read-out.
    pub horizon: u32,
    /// Steps averaged.
    pub window: u32,
    /// Smallest effect of substantive interest.
    pub sesoi: f64,
    /// Registered target power.
    pub power: f64,
    /// Mediators held.
    pub mediators: Vec<Mediator>,
    /// Exploratory rows report effects but no verdict.
    pub exploratory: bool,
    /// How the effect is computed.
    pub note: String,
    /// The values of the first sweep axis, whatever the comparison (empty without a sweep);
    /// only a `dose` comparison reads them, as its doses.
    pub doses: Vec<f64>,
    /// Pilot, blocks, pooled effect and decomposition.
    pub judgement: Judgement,
    /// The robustness map (derived claims).
    pub robustness: Option<Robustness>,
    /// This shard's robustness points (for merging shards).
    pub robustness_points: Vec<robustness::Point>,
}

impl ClaimResult {
    /// The decomposition with every registered mediator held, if any.
    pub fn all_held(&self) -> Option<&Decomposed> {
        self.judgement.decomposition.first()
    }
}

/// Why a validation experiment could not be evaluated.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    /// The scenario has no `[validation]` table.
    #[error("{0}: not a validation scenario (no [validation] table)")]
    NotValidation(String),
    /// The `[validation]` table has no registration.
    #[error(
        "{0}: not pre-registered: the [validation] table needs class, encoded_by, sesoi, \
         sesoi_reason, horizon, window, mediators and mediators_reason (docs/validation.md)"
    )]
    NotRegistered(String),
}

/// Judges one registered claim (and maps it over the assumed parameters if it is derived).
pub fn evaluate(
    scenario: &Scenario,
    runner: &Runner,
    options: &Options,
) -> Result<ClaimResult, ValidateError> {
    let claim = Claim::new(scenario)?;
    let reg = claim.registration.clone();
    let v = claim.validation.clone();
    let design = Design {
        direction: v.direction,
        sesoi: reg.sesoi,
        power: reg.power,
        salt: options.salt.clone(),
        blocks: options.blocks,
        pilot: options.pilot,
        min_replications: options.min_replications,
        max_replications: options.max_replications,
        hold_sets: hold_sets(&reg.mediators),
        decompose_replications: options.decompose_replications,
        resamples: options.resamples,
    };
    let judgement = judge(&claim, &design, runner);
    let class = classify(&judgement, reg.sesoi);
    let adjusted_class = classify_adjusted(&judgement, reg.sesoi);
    let mut note = claim.note();
    let group_metric = coprod_core::GROUP_METRICS.contains(&claim.metric_name().as_str());
    if group_metric && judgement.total.mean.is_nan() {
        note += &format!(
            "; `{}` is missing in some replication (no group started in an arm, docs/ODD.md \
             8.18): no pooled estimate, and a block holding such a replication has no \
             estimate, so it cannot pass",
            claim.metric_name()
        );
    }
    if judgement.required.is_none() {
        note += "; the pilot's sd is not a number (a pilot replication without a read-out), \
                 so there is no power calculation: each block has the maximum replications";
    }
    if let Some(best) = judgement.best {
        note += &dose_note(&claim.dose_values(), best, judgement.runner_up, reg.sesoi);
    }
    let mapped =
        options.robustness_points > 0 && (class == ClaimClass::Derived || options.robustness_all);
    let points = if mapped {
        let design = RobustnessDesign {
            points: options.robustness_points,
            replications: options.robustness_replications,
            salt: options.salt.clone(),
            shard: options.robustness_shard,
        };
        robustness::run_points(&claim, &design, runner)
    } else {
        Vec::new()
    };
    Ok(ClaimResult {
        id: v.id.clone(),
        claim: v.claim.clone(),
        registered_class: reg.class,
        class,
        adjusted_class,
        metric: claim.metric_name(),
        direction: v.direction,
        horizon: reg.horizon,
        window: reg.window,
        sesoi: reg.sesoi,
        power: reg.power,
        mediators: reg.mediators.clone(),
        exploratory: v.exploratory,
        note,
        doses: claim.dose_values(),
        robustness: mapped.then(|| robustness::summarise(&points)),
        robustness_points: points,
        judgement,
    })
}

/// The note's words on the doses of an interior optimum: the pooled best dose, and the
/// runner-up (`(dose index, gap below the best)` in the metric's units). A gap within the
/// SESOI is flagged: the two doses are practically tied, and the direct effect and mediated
/// share, taken at the best dose only, could differ at the other.
fn dose_note(doses: &[f64], best: usize, runner_up: Option<(usize, f64)>, sesoi: f64) -> String {
    // A dose without a read-out in some replication ranks as the best (engine::by_mean), so
    // a gap that is not a number means no dose can be named the best.
    if runner_up.is_some_and(|(_, gap)| gap.is_nan()) {
        return "; pooled best dose undetermined: a dose has no read-out in some replication"
            .into();
    }
    let mut note = String::new();
    if let Some(value) = doses.get(best) {
        note += &format!("; pooled best dose {value}");
    }
    let Some((second, gap)) = runner_up else {
        return note;
    };
    let Some(value) = doses.get(second) else {
        return note;
    };
    note += &format!("; runner-up dose {value}, {} below it", three_figures(gap));
    if gap < sesoi {
        note += ", within the SESOI: the direct effect and share are those of the best dose \
                 and may differ at the runner-up";
    }
    note
}

/// `x` with three significant figures (all of them for 0), so that small gaps on small
/// scales do not print as 0.000.
fn three_figures(x: f64) -> String {
    if x == 0.0 {
        return "0".into();
    }
    let decimals = (2 - x.abs().log10().floor() as i32).max(0) as usize;
    format!("{x:.decimals$}")
}

/// Derived when the all-mediators share's interval lies at or above [`DERIVED_SHARE`], the
/// total effect over the decomposed replications has an interval excluding 0, and the pooled
/// total effect is at least the SESOI in size (below it the ratio `1 - direct / total` is
/// unstable and means nothing); otherwise an assumption, including the claims that cannot be
/// decomposed.
pub fn classify(j: &Judgement, sesoi: f64) -> ClaimClass {
    let share_ci = j.decomposition.first().and_then(|d| d.share_ci);
    if derived_by(share_ci, j, sesoi) {
        ClaimClass::Derived
    } else {
        ClaimClass::Assumption
    }
}

/// The derived rule with the share interval `share_ci`: its lower end at least
/// [`DERIVED_SHARE`], the decomposed total's interval off 0 and the pooled total at least the
/// SESOI in size.
fn derived_by(share_ci: Option<(f64, f64)>, j: &Judgement, sesoi: f64) -> bool {
    let share_large = share_ci.is_some_and(|(low, _)| low >= DERIVED_SHARE);
    let real = j
        .decomposed_total
        .as_ref()
        .and_then(|t| t.ci)
        .is_some_and(|(low, high)| low > 0.0 || high < 0.0);
    share_large && real && j.total.mean.abs() >= sesoi
}

/// A claim's class after the placebo check of holding (docs/validation.md, "Placebo check
/// of holding"): a diagnostic next to the registered class, not a replacement for it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AdjustedClass {
    /// The derived rule holds with the placebo-adjusted share.
    Derived,
    /// Holding the mediators reverses the effect even net of what holding alone does.
    Reversed,
    /// Neither.
    Assumption,
}

impl AdjustedClass {
    /// The name written to validation.csv.
    pub fn name(self) -> &'static str {
        match self {
            AdjustedClass::Derived => "derived",
            AdjustedClass::Reversed => "reversed",
            AdjustedClass::Assumption => "assumption",
        }
    }
}

/// `Reversed` when the all-mediators adjusted direct effect's interval lies wholly on the
/// side of 0 opposite to the total over the same (decomposed) replications; otherwise
/// `Derived` when the derived rule holds with the adjusted share's interval; otherwise
/// `Assumption`. `None` when nothing was decomposed or the adjusted direct effect has no
/// estimate (a replication without a read-out): no evidence either way.
pub fn classify_adjusted(j: &Judgement, sesoi: f64) -> Option<AdjustedClass> {
    let all = j.decomposition.first()?;
    if !all.adjusted.mean.is_finite() {
        return None;
    }
    let total = j.decomposed_total.as_ref()?.mean;
    let reversed = all
        .adjusted
        .ci
        .is_some_and(|(low, high)| (total > 0.0 && high < 0.0) || (total < 0.0 && low > 0.0));
    Some(if reversed {
        AdjustedClass::Reversed
    } else if derived_by(all.adjusted_share_ci, j, sesoi) {
        AdjustedClass::Derived
    } else {
        AdjustedClass::Assumption
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use coprod_output::Summary;

    /// A runner-up within the SESOI of the best dose is flagged (strictly within: a gap of
    /// exactly the SESOI is a difference of substance); one further away is only named.
    #[test]
    fn runner_up_within_the_sesoi_is_flagged() {
        let doses = [2.0, 6.0, 8.0];
        let near = dose_note(&doses, 1, Some((2, 0.103)), 1.5);
        assert_eq!(
            near,
            "; pooled best dose 6; runner-up dose 8, 0.103 below it, within the SESOI: the \
             direct effect and share are those of the best dose and may differ at the runner-up"
        );
        let at = dose_note(&doses, 1, Some((0, 1.5)), 1.5);
        assert_eq!(at, "; pooled best dose 6; runner-up dose 2, 1.50 below it");
        assert_eq!(dose_note(&doses, 2, None, 1.5), "; pooled best dose 8");
        // The best dose's pooled mean is missing: no dose is named the best.
        let nan = dose_note(&doses, 1, Some((2, f64::NAN)), 1.5);
        assert_eq!(
            nan,
            "; pooled best dose undetermined: a dose has no read-out in some replication"
        );
    }

    /// Gaps keep three significant figures on any scale.
    #[test]
    fn gaps_keep_three_significant_figures() {
        assert_eq!(three_figures(0.000_412_3), "0.000412");
        assert_eq!(three_figures(0.103), "0.103");
        assert_eq!(three_figures(1.129), "1.13");
        assert_eq!(three_figures(1234.4), "1234");
        assert_eq!(three_figures(0.0), "0");
    }

    fn estimate(mean: f64, ci: (f64, f64)) -> Summary {
        Summary {
            n: 10,
            mean,
            sd: Some(1.0),
            ci: Some(ci),
        }
    }

    /// A judgement whose pooled total has `mean`, whose decomposed total has the interval
    /// `total_ci`, and whose all-mediators share has the interval `share_ci`.
    fn judged(mean: f64, total_ci: (f64, f64), share_ci: (f64, f64)) -> Judgement {
        Judgement {
            pilot_sd: 1.0,
            planning_sd: 1.0,
            required: Some(10),
            replications: 10,
            capped: false,
            blocks: Vec::new(),
            pass_rate: 1.0,
            total: estimate(mean, total_ci),
            decomposed_total: Some(estimate(mean, total_ci)),
            decomposition: vec![Decomposed {
                hold: "all".into(),
                direct: estimate(mean / 4.0, total_ci),
                share: Some((share_ci.0 + share_ci.1) / 2.0),
                share_ci: Some(share_ci),
                placebo: estimate(0.0, (-0.1, 0.1)),
                adjusted: estimate(mean / 4.0, total_ci),
                adjusted_share: Some((share_ci.0 + share_ci.1) / 2.0),
                adjusted_share_ci: Some(share_ci),
            }],
            best: None,
            runner_up: None,
        }
    }

    /// Derived needs all three: the share's lower bound at least 0.5, the decomposed total's
    /// interval off 0 (either side) and the pooled total at least the SESOI in size.
    #[test]
    fn a_claim_is_derived_only_when_share_interval_and_size_all_hold() {
        let class = |j: &Judgement| classify(j, 0.2);
        assert_eq!(
            class(&judged(0.2, (0.1, 0.3), (0.5, 0.9))),
            ClaimClass::Derived
        );
        assert_eq!(
            class(&judged(-0.2, (-0.3, -0.1), (0.5, 0.9))),
            ClaimClass::Derived
        );
        assert_eq!(
            class(&judged(0.2, (0.1, 0.3), (0.49, 0.9))),
            ClaimClass::Assumption
        );
        assert_eq!(
            class(&judged(0.19, (0.1, 0.3), (0.5, 0.9))),
            ClaimClass::Assumption
        );
        assert_eq!(
            class(&judged(-0.19, (-0.3, -0.1), (0.5, 0.9))),
            ClaimClass::Assumption
        );
        // An interval touching 0 from either side is not off 0.
        assert_eq!(
            class(&judged(0.2, (0.0, 0.4), (0.5, 0.9))),
            ClaimClass::Assumption
        );
        assert_eq!(
            class(&judged(-0.2, (-0.4, 0.0), (0.5, 0.9))),
            ClaimClass::Assumption
        );
        assert_eq!(
            class(&judged(0.2, (-0.1, 0.5), (0.5, 0.9))),
            ClaimClass::Assumption
        );
        // Nothing decomposed: an assumption.
        let mut none = judged(0.2, (0.1, 0.3), (0.5, 0.9));
        none.decomposition.clear();
        none.decomposed_total = None;
        assert_eq!(class(&none), ClaimClass::Assumption);
    }

    /// The adjusted class: reversed when the adjusted direct effect's interval lies wholly
    /// opposite the total, else the derived rule on the adjusted share; none without a
    /// decomposition.
    #[test]
    fn the_adjusted_class_reads_the_adjusted_direct_effect_and_share() {
        let class = |j: &Judgement| classify_adjusted(j, 0.2);
        let mut j = judged(0.2, (0.1, 0.3), (0.5, 0.9));
        assert_eq!(class(&j), Some(AdjustedClass::Derived));
        j.decomposition[0].adjusted_share_ci = Some((0.4, 0.9));
        assert_eq!(class(&j), Some(AdjustedClass::Assumption));
        assert_eq!(
            classify(&j, 0.2),
            ClaimClass::Derived,
            "the registered rule is unchanged"
        );
        j.decomposition[0].adjusted = estimate(-0.05, (-0.08, -0.01));
        assert_eq!(class(&j), Some(AdjustedClass::Reversed));
        j.decomposition[0].adjusted = estimate(-0.05, (-0.08, 0.0));
        assert_eq!(class(&j), Some(AdjustedClass::Assumption));
        let mut down = judged(-0.2, (-0.3, -0.1), (0.5, 0.9));
        down.decomposition[0].adjusted = estimate(0.05, (0.01, 0.08));
        assert_eq!(class(&down), Some(AdjustedClass::Reversed));
        // An interval touching 0 is not wholly on the other side: the share decides.
        down.decomposition[0].adjusted = estimate(0.05, (0.0, 0.08));
        assert_eq!(class(&down), Some(AdjustedClass::Derived));
        // With a total of exactly 0 there is no side to be opposite to.
        let mut flat = judged(0.0, (0.1, 0.3), (0.0, 0.4));
        for ci in [(-0.08, -0.01), (0.01, 0.08)] {
            flat.decomposition[0].adjusted = estimate(0.0, ci);
            assert_eq!(class(&flat), Some(AdjustedClass::Assumption), "{ci:?}");
        }
        // A missing read-out leaves no estimate, and so no class, rather than "assumption".
        down.decomposition[0].adjusted = estimate(f64::NAN, (f64::NAN, f64::NAN));
        assert_eq!(class(&down), None);
        down.decomposition.clear();
        assert_eq!(class(&down), None);
    }

    /// The names validation.csv writes for the adjusted classes.
    #[test]
    fn adjusted_classes_are_named_as_documented() {
        let names = [
            AdjustedClass::Derived,
            AdjustedClass::Reversed,
            AdjustedClass::Assumption,
        ]
        .map(AdjustedClass::name);
        assert_eq!(names, ["derived", "reversed", "assumption"]);
    }
}
