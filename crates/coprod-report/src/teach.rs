//! The group-size teaching page: from a run of `scenarios/group-size.toml`, which group size
//! kept co-production going best in each service regime, by how much, how sure we are, and
//! why in the model's own terms; three charts and a one-page explanation in one HTML file.
//!
//! Owns the analysis and the wording. The measure is the Kaplan-Meier share of started
//! groups still going [`crate::HORIZON_MONTHS`] months after they started (lifetimes.rs),
//! per size, with 95% intervals from a bootstrap over replications; the best size is the
//! largest share, named only when its paired interval against the runner-up excludes 0.
//! The "why" is measured in the same run: the forces of size per cap from the production
//! columns of groups.csv (forces.rs), the factor of each between the best size and the
//! others, and the dominant force on each side of the best size; hazard ratios and long-run
//! membership stand next to survival. A variant's one change is said to move the best size
//! only when the runs tell the sizes in question apart ([`change`]).
//! Every number in the text, parameters included, is read from the run directory
//! (parameters.csv as it ran); nothing is hard-coded from a previous run.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use coprod_output::OptionValue;
use coprod_plot::{
    ChartStyle, Series, response_curve, survival_count_curves_in_percent, time_series,
};

use crate::classes::CAP_CLASSES;
use crate::data::{Estimate, Quick, RunData};
use crate::error::ReportError;
use crate::forces::{Force, Forces, factors, strongest_against};
use crate::html::{and_list, escape, inline_png, number, page, percent};
use crate::lifetimes::{HORIZON_MONTHS, Lifetimes, cap_survival_classes};

/// The name of the teaching page.
pub const TEACH_HTML: &str = "teach.html";
/// The swept parameter the page is about.
pub const SIZE_PARAM: &str = "levers.group_size_cap";
/// One size in one regime.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeResult {
    /// The size cap.
    pub size: u64,
    /// Kaplan-Meier share of started groups still going at the horizon, with its 95%
    /// bootstrap interval over replications.
    pub survival: Estimate,
    /// Groups that started at this size, over every replication (0: the size has no
    /// lifetimes, medians or forces to show).
    pub started: u64,
}

/// What one service regime (one variant) shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Regime {
    /// The variant name in the CSVs.
    pub variant: String,
    /// The plain-language name ("per-member service").
    pub label: String,
    /// `per_member` or `joint` (from the variant's parameters), if known.
    pub service: String,
    /// Every size, in increasing order.
    pub sizes: Vec<SizeResult>,
    /// Index into `sizes` of the size with the largest share (the smallest size on ties).
    pub best: usize,
    /// Other sizes whose share equals the best's.
    pub ties: Vec<u64>,
    /// The size with the next largest share, and the best minus it, paired by replication.
    pub runner_up: Option<(u64, Estimate)>,
    /// Best minus smallest size, paired by replication.
    pub vs_smallest: Estimate,
    /// Best minus largest size, paired by replication.
    pub vs_largest: Estimate,
    /// Best minus each size (in the order of `sizes`; 0 for the best itself), paired by
    /// replication: which sizes the runs cannot tell from the best, against which
    /// "One change at a time" judges whether a change moves it.
    pub vs_each: Vec<Estimate>,
    /// Shares of started groups, by cap class: (class, started, ended too few members,
    /// ended failed task, still active).
    pub endings: Vec<(String, u64, u64, u64, u64)>,
    /// Per size (in the order of `sizes`): the Kaplan-Meier median lifetime in months (NaN
    /// when more than half were still going), the hazard ratio against the best size (end
    /// rates, paired by replication) and the share of citizens in a group over the last 12
    /// months (`participation_rate` of runs.csv), each with its interval.
    pub long_run: Vec<(f64, Estimate, Estimate)>,
    /// The forces measured at each size (in the order of `sizes`), from the production
    /// columns of groups.csv; `None` for a run without them.
    pub forces: Option<Vec<Forces>>,
}

impl Regime {
    /// A short name for chart legends, distinct between regimes: the service for the
    /// baseline, the variant's name otherwise. The full labels of several variants start
    /// alike ("per-member service (variant ...)"), and a legend shortens long labels to
    /// look-alikes.
    pub fn short_label(&self) -> &str {
        if self.variant == "baseline" {
            &self.label
        } else {
            &self.variant
        }
    }

    /// The best size's result.
    pub fn best(&self) -> &SizeResult {
        &self.sizes[self.best]
    }

    /// Whether the data tell the best size from the runner-up: the paired 95% interval of
    /// their difference excludes 0.
    pub fn best_is_clear(&self) -> bool {
        self.runner_up.as_ref().is_none_or(|(_, d)| excludes_0(d))
    }

    /// Indices into `sizes` of the sizes the runs cannot tell from the best, largest share
    /// first: the best itself and each size with a known share whose paired interval
    /// against it does not exclude 0.
    fn contenders(&self) -> Vec<usize> {
        by_survival(&self.sizes)
            .into_iter()
            .filter(|&i| i == self.best || !excludes_0(&self.vs_each[i]))
            .collect()
    }

    /// Whether no group of any size was still going at the horizon: every share the run can
    /// give is 0%, so the sizes tie and none kept co-production going better than another.
    pub fn none_lasted(&self) -> bool {
        self.best().survival.mean == 0.0
    }

    /// Replications per size: the most any size had.
    pub fn replications(&self) -> u64 {
        self.sizes.iter().map(|s| s.survival.n).max().unwrap_or(0)
    }

    /// Whether the page may call the size that lasted longest the best size: it is clear of
    /// the runner-up, and the run had enough replications (10 or more) for its intervals to
    /// hold about 95%.
    pub fn best_is_firm(&self) -> bool {
        self.best_is_clear() && self.replications() >= FEW_REPLICATIONS
    }

    /// "these 3 replications", or "this one replication".
    fn these_replications(&self) -> String {
        match self.replications() {
            1 => "this one replication".to_string(),
            n => format!("these {n} replications"),
        }
    }

    /// How the page's explanations name the size that lasted longest: "the best size" only
    /// when that is [firm](Self::best_is_firm).
    fn best_words(&self) -> &'static str {
        if self.best_is_firm() {
            "the best size"
        } else {
            "the size that lasted longest"
        }
    }
}

/// The analysis of a group-size run: one [`Regime`] per variant.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// Regimes in variant order (baseline first).
    pub regimes: Vec<Regime>,
    /// Steps per run (months).
    pub steps: u64,
    /// Months after the start at which groups are counted as still going.
    pub horizon: u64,
    /// Replications per size and regime.
    pub replications: u64,
}

/// Analyses a run directory of the group-size scenario.
///
/// # Errors
/// [`ReportError::Unsuitable`] when the run does not sweep `levers.group_size_cap` over at
/// least two sizes or has no started groups.
pub fn analyse(data: &RunData) -> Result<Analysis, ReportError> {
    let unsuitable = |message: String| ReportError::Unsuitable {
        dir: data.dir.clone(),
        message,
    };
    if !data.runs.swept.iter().any(|s| s == SIZE_PARAM) {
        return Err(unsuitable(format!("the run does not sweep `{SIZE_PARAM}`")));
    }
    if data.runs.swept.len() != 1 {
        return Err(unsuitable(format!(
            "the run sweeps more than `{SIZE_PARAM}`; the teaching page needs it alone"
        )));
    }
    let lifetimes = Lifetimes::new(data);
    let mut regimes = Vec::new();
    for variant in data.variants() {
        regimes.push(regime(data, &lifetimes, variant).map_err(unsuitable)?);
    }
    let replications = regimes.first().map_or(0, Regime::replications);
    Ok(Analysis {
        regimes,
        steps: data.steps(),
        horizon: lifetimes.horizon,
        replications,
    })
}

/// One variant's sizes, best size, runner-up and comparisons; the message says why not.
fn regime(data: &RunData, lifetimes: &Lifetimes, variant: String) -> Result<Regime, String> {
    let caps = caps(data, &variant)?;
    let sizes: Vec<SizeResult> = caps
        .iter()
        .map(|&size| SizeResult {
            size,
            survival: lifetimes.still_going(&variant, &size_point(size)),
            started: lifetimes.started(&variant, &size_point(size)),
        })
        .collect();
    let order = by_survival(&sizes);
    let Some(&best) = order.first() else {
        return Err(no_best_size(data, lifetimes, &variant));
    };
    let mean = |i: usize| sizes[i].survival.mean;
    let ties = order[1..]
        .iter()
        .filter(|&&i| mean(i) == mean(best))
        .map(|&i| sizes[i].size)
        .collect();
    let best_point = size_point(sizes[best].size);
    let diff = |other: u64| {
        lifetimes.paired_difference((&variant, &best_point), (&variant, &size_point(other)))
    };
    let vs_each: Vec<Estimate> = sizes.iter().map(|s| diff(s.size)).collect();
    let runner_up = order.get(1).map(|&i| (sizes[i].size, vs_each[i]));
    let vs_smallest = vs_each[0];
    let vs_largest = vs_each[sizes.len() - 1];
    let endings = endings(data, &variant);
    let long_run = long_run(data, lifetimes, &variant, &caps, &best_point);
    let forces = caps
        .iter()
        .map(|&size| {
            data.group_life(|v, p| v == variant && p == size_point(size).as_slice())
                .map(|t| t.forces())
        })
        .collect();
    let service = data
        .parameter_in(&variant, &best_point, "groups.service")
        .unwrap_or_default();
    let label = regime_label(&service, &variant);
    Ok(Regime {
        variant,
        label,
        service,
        sizes,
        best,
        ties,
        runner_up,
        vs_smallest,
        vs_largest,
        vs_each,
        endings,
        long_run,
        forces,
    })
}

/// The sweep point of one size in the CSVs.
fn size_point(size: u64) -> Vec<String> {
    vec![size.to_string()]
}

/// The variant's size caps in increasing order; fewer than two cannot be compared.
fn caps(data: &RunData, variant: &str) -> Result<Vec<u64>, String> {
    let mut caps: Vec<u64> = data
        .runs
        .rows
        .iter()
        .filter(|r| r.variant == variant)
        .filter_map(|r| r.point[0].parse::<u64>().ok())
        .collect();
    caps.sort_unstable();
    caps.dedup();
    if caps.len() < 2 {
        return Err(format!(
            "variant `{variant}` has fewer than two group sizes in runs.csv"
        ));
    }
    Ok(caps)
}

/// Indices into `sizes` of the sizes with a known share, largest share first.
fn by_survival(sizes: &[SizeResult]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..sizes.len())
        .filter(|&i| sizes[i].survival.mean.is_finite())
        .collect();
    // Largest share first; the smaller size on ties (a stable sort keeps size order).
    order.sort_by(|&a, &b| sizes[b].survival.mean.total_cmp(&sizes[a].survival.mean));
    order
}

/// Why no size has a known share: no group started, or none was followed long enough.
fn no_best_size(data: &RunData, lifetimes: &Lifetimes, variant: &str) -> String {
    let started: u64 = data
        .group_endings(|v, _| v == variant)
        .iter()
        .map(|e| e.started)
        .sum();
    if started == 0 {
        return format!(
            "in variant `{variant}` no group started at any size, so there are no groups \
             whose lifetimes the page could compare"
        );
    }
    format!(
        "in variant `{variant}` no group was followed for {} months at any size, so how \
         long groups last is unknown",
        lifetimes.horizon
    )
}

/// How the variant's started groups ended, by cap class (see [`Regime::endings`]).
fn endings(data: &RunData, variant: &str) -> Vec<(String, u64, u64, u64, u64)> {
    CAP_CLASSES
        .iter()
        .zip(data.group_endings(|v, _| v == variant))
        .map(|((name, _, _), e)| {
            (
                name.to_string(),
                e.started,
                e.too_few_members,
                e.failed_task,
                e.active,
            )
        })
        .collect()
}

/// Median lifetime, hazard ratio against the best size and long-run membership, per size
/// (see [`Regime::long_run`]).
fn long_run(
    data: &RunData,
    lifetimes: &Lifetimes,
    variant: &str,
    caps: &[u64],
    best_point: &[String],
) -> Vec<(f64, Estimate, Estimate)> {
    let participation = data.run_metric("participation_rate");
    caps.iter()
        .map(|&size| {
            let point = size_point(size);
            let hr = lifetimes.hazard_ratio((variant, &point), (variant, best_point));
            let members = participation.map_or(Estimate::of([]), |m| {
                Estimate::of(
                    data.runs
                        .rows
                        .iter()
                        .filter(|r| r.variant == variant && r.point == point)
                        .map(|r| r.values[m]),
                )
            });
            (lifetimes.median(variant, &point), hr, members)
        })
        .collect()
}

/// The plain-language name of a regime, from its service.
fn regime_label(service: &str, variant: &str) -> String {
    let label = match service {
        "per_member" => "per-member service".to_string(),
        "joint" => "non-rival joint supply".to_string(),
        _ => format!("variant {variant}"),
    };
    // The regimes of the lesson change one thing at a time, so several share a service.
    if variant == "baseline" || label.starts_with("variant") {
        label
    } else {
        format!("{label} (variant {variant})")
    }
}

/// A share as a whole percentage: "42%" (with decimals only where whole percents would
/// show a share strictly between 0 and 1 as "0%" or "100%").
fn pct(v: f64) -> String {
    percent(v, 0)
}

/// A difference of shares in percentage points: "+31" ("0" only for exactly 0). A value
/// that whole points would round to 0 gets decimals ("+0.3"): an interval "0 to +3" would
/// seem to include 0 while the page says it excludes it.
fn pp(v: f64) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    let points = v * 100.0;
    if points == 0.0 {
        return "0".into();
    }
    (0..6)
        .map(|decimals| format!("{points:+.decimals$}"))
        .find(|shown| shown.parse::<f64>().is_ok_and(|x| x != 0.0))
        .unwrap_or_else(|| format!("{points:+.1e}"))
}

/// "(95% CI 35% to 48%)" for a share.
fn ci_pct(ci: Option<(f64, f64)>) -> String {
    ci.map_or_else(
        || "(no interval: fewer than two replications)".into(),
        |(lo, hi)| format!("(95% CI {} to {})", pct(lo), pct(hi)),
    )
}

/// "(95% CI +20 to +41 points)" for a difference of shares.
fn ci_pp(ci: Option<(f64, f64)>) -> String {
    ci.map_or_else(
        || "(no interval)".into(),
        |(lo, hi)| format!("(95% CI {} to {} points)", pp(lo), pp(hi)),
    )
}

/// A parameter as it ran in the regime's variant (at its best size; the other parameters
/// are the same at every size), as parameters.csv records it.
fn as_run(data: &RunData, r: &Regime, name: &str) -> Option<String> {
    data.parameter_in(&r.variant, &[r.best().size.to_string()], name)
}

/// [`as_run`] as a number. NaN if not recorded, so a missing value shows as "NaN", never as
/// a default that may not be what ran.
fn param(data: &RunData, r: &Regime, name: &str) -> f64 {
    as_run(data, r, name)
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN)
}

/// Whether a difference's 95% interval excludes 0 (none does without an interval).
fn excludes_0(d: &Estimate) -> bool {
    d.ci.is_some_and(|(lo, hi)| lo > 0.0 || hi < 0.0)
}

/// "(95% CI +20 to +41 points)" for a difference of shares, with the mean first.
fn difference(d: &Estimate) -> String {
    let mean = pp(d.mean);
    let unit = if mean.trim_start_matches(['+', '-']) == "1" {
        "percentage point"
    } else {
        "percentage points"
    };
    format!("{mean} {unit} {}", ci_pp(d.ci))
}

/// The best size against `other` (the smallest or the largest size): [`difference`], or why
/// there is none.
fn against(other: &SizeResult, d: &Estimate, horizon: u64) -> String {
    if d.mean.is_finite() {
        difference(d)
    } else if other.started == 0 {
        "no group of that size started, so there is nothing to compare".into()
    } else {
        format!(
            "no difference can be given: how many of them were still going {horizon} months \
             after they started is unknown (none still going was followed that long)"
        )
    }
}

/// The key numbers of one regime as HTML: from fewer than [`FEW_REPLICATIONS`] per size,
/// a size whose interval against the runner-up excludes 0 is named as lasting longest in
/// those replications, not as lasting best (the intervals are too narrow,
/// [`few_replications_note`]; [`Regime::best_is_firm`]).
fn key_box(r: &Regime, horizon: u64) -> String {
    if r.none_lasted() {
        return none_lasted_box(r, horizon);
    }
    let best = r.best();
    let smallest = r.sizes[0].size;
    let largest = r.sizes[r.sizes.len() - 1].size;
    let label = escape(&sentence_case(&r.label));
    let mut s = match &r.runner_up {
        Some((size, d)) if !r.best_is_clear() => format!(
            "<div class=\"key\"><b>{label}</b>: <b>no size stands out</b>. Groups of {} \
             members did best, {} still going {horizon} months after they started {}, but \
             groups of {size} members are too close to tell apart: the difference, {}, \
             includes 0, so either could come first by chance. More replications narrow the \
             interval.",
            best.size,
            pct(best.survival.mean),
            ci_pct(best.survival.ci),
            difference(d),
        ),
        _ => format!(
            "<div class=\"key\"><b>{label}</b>: groups of <b>{} members</b> {}: <b>{}</b> of \
             them were still going {horizon} months after they started {}.",
            best.size,
            if r.best_is_firm() {
                "lasted best".to_string()
            } else {
                format!("lasted longest in {} (tentative)", r.these_replications())
            },
            pct(best.survival.mean),
            ci_pct(best.survival.ci)
        ),
    };
    if r.best_is_clear()
        && let Some((size, d)) = &r.runner_up
    {
        let _ = write!(
            s,
            "<br>Against the runner-up, groups of {size}: {}.",
            difference(d)
        );
    }
    if !r.ties.is_empty() {
        let ties: Vec<String> = r.ties.iter().map(u64::to_string).collect();
        let noun = if ties.len() == 1 { "Size" } else { "Sizes" };
        let _ = write!(s, " {noun} {} did exactly as well.", ties.join(", "));
    }
    let runner = r.runner_up.as_ref().map(|(size, _)| *size);
    if best.size != smallest && runner != Some(smallest) {
        let _ = write!(
            s,
            "<br>Against the smallest groups ({smallest} members): {}.",
            against(&r.sizes[0], &r.vs_smallest, horizon)
        );
    }
    if best.size != largest && !r.ties.contains(&largest) && runner != Some(largest) {
        let _ = write!(
            s,
            "<br>Against the largest groups ({largest} members): {}.",
            against(&r.sizes[r.sizes.len() - 1], &r.vs_largest, horizon)
        );
    }
    s.push_str("</div>\n");
    s
}

/// The key numbers of a regime in which no group lasted `horizon` months at any size: the
/// sizes tie at 0%, and picking one of them (the smallest, by the tie rule) would be arbitrary.
fn none_lasted_box(r: &Regime, horizon: u64) -> String {
    let every = if r.sizes.iter().all(|s| s.survival.mean.is_finite()) {
        "every size"
    } else {
        "every size whose share is known"
    };
    format!(
        "<div class=\"key\"><b>{}</b>: <b>no size kept co-production going</b>: none of the \
         groups that started was still going {horizon} months after it started (0% at {every}), \
         so the sizes tie and none lasted better than another.</div>\n",
        escape(&sentence_case(&r.label))
    )
}

/// The "why" paragraph of one regime, in the model's terms, with this run's numbers.
fn explanation(data: &RunData, r: &Regime, first: bool) -> String {
    let mut s = if first {
        three_forces(data, r)
    } else {
        forces_here(data, r)
    };
    s.push_str(&service(data, r));
    s.push_str(&measured_forces(r));
    s.push_str(&how_groups_ended(data, r));
    s
}

/// The share of the others a member of a group of `n` watches when peer monitoring and its
/// dilution are on (the sentences that state it are written only then).
fn visibility(attention: f64, n: u64) -> f64 {
    if n <= 1 {
        0.0
    } else {
        (attention / (n as f64 - 1.0)).min(1.0)
    }
}

/// Whether a `channels.*` switch was on for the regime's runs (on unless recorded off).
fn switch(data: &RunData, r: &Regime, name: &str) -> bool {
    as_run(data, r, name).is_none_or(|v| v != "false")
}

/// The switches of the model's group-size mechanisms as they ran: the page must not explain
/// a force that a `--set channels.*=false` removed from the run.
struct Channels {
    peer_monitoring: bool,
    dilution: bool,
    belief_learning: bool,
    size_capacity: bool,
}

impl Channels {
    fn of(data: &RunData, r: &Regime) -> Channels {
        Channels {
            peer_monitoring: switch(data, r, "channels.peer_monitoring"),
            dilution: switch(data, r, "channels.monitoring_dilution"),
            belief_learning: switch(data, r, "channels.belief_learning"),
            size_capacity: switch(data, r, "channels.size_capacity"),
        }
    }

    /// The free-riding sentence of the three forces, for a best size and a largest size.
    fn free_riding(&self, attention: f64, best: u64, largest: u64) -> String {
        let watched = if !self.peer_monitoring {
            "in this run being watched does not raise contributions at any size \
             (<code>channels.peer_monitoring</code> is off), so group size does not change peer \
             pressure"
                .to_string()
        } else if !self.dilution {
            "in this run each member watches all fellow members at any size \
             (<code>channels.monitoring_dilution</code> is off), so peer pressure does not fade as \
             the group grows"
                .to_string()
        } else {
            format!(
                "each member watches at most {attention} fellow members (peer visibility = \
                 attention / (n − 1)); in a group of {best} a member sees {} of the others, in a \
                 group of {largest} only {}, so peer pressure fades",
                pct(visibility(attention, best)),
                pct(visibility(attention, largest)),
            )
        };
        let decay = if self.belief_learning {
            "conditional cooperators see low contributions, lower their belief and contribute \
             less in turn (conditional cooperation decay)"
        } else {
            "members' beliefs stay at their initial values (<code>channels.belief_learning</code> \
             is off), so contributions do not decay as members see each other"
        };
        format!("<b>Free-riding</b>: {watched}, {decay}.")
    }

    /// Why a group's task fails, by size, naming only the forces that acted in the run:
    /// "; in small groups because there are few hands, in large groups because of
    /// free-riding and coordination cost", or "" when none of them did.
    fn task_failure(&self, coordination: f64, per_member: f64) -> String {
        let mut large = Vec::new();
        // Size thins peer pressure only when monitoring acts and is diluted.
        if self.peer_monitoring && self.dilution {
            large.push("free-riding");
        }
        if coordination > 0.0 {
            large.push("coordination cost");
        }
        if per_member > 0.0 {
            large.push("the effort the task needs per member served");
        }
        let mut causes = Vec::new();
        if self.size_capacity {
            causes.push("in small groups because there are few hands".to_string());
        }
        if !large.is_empty() {
            causes.push(format!("in large groups because of {}", and_list(&large)));
        }
        if causes.is_empty() {
            String::new()
        } else {
            format!("; {}", causes.join(", "))
        }
    }
}

/// The share of its effort a full group of `n` keeps after coordination.
fn kept(coordination: f64, n: u64) -> f64 {
    (1.0 - coordination * (n as f64 - 1.0)).max(0.0)
}

/// The first regime's opening: the three forces, with this run's parameters. Left open for
/// the service sentences.
fn three_forces(data: &RunData, r: &Regime) -> String {
    let attention = param(data, r, "behaviour.attention");
    let coordination = param(data, r, "groups.coordination_cost");
    let min_members = param(data, r, "groups.min_members");
    let channels = Channels::of(data, r);
    let best = reachable(data, r.best().size);
    let largest = reachable(data, r.sizes[r.sizes.len() - 1].size);
    let hands = if channels.size_capacity {
        "a small group has few hands, so its total effort may fall short of the minimum viable \
         effort, and it dissolves"
    } else {
        "in this run a group's labour is its average member's effort times 4 whatever its size \
         (<code>channels.size_capacity</code> is off), so more members add no hands; a group \
         dissolves"
    };
    let mut s = String::new();
    let _ = write!(
        s,
        "<p>Three forces pull against each other. <b>Capacity</b>: {hands} \
         when it has fewer than {min_members} active members: as members leave month by month, a \
         very small group is always one or two departures from the end. {free_riding} \
         <b>Coordination cost</b>: each extra member costs {cc} of everyone's effort (coordination \
         cost = {cc} × (n − 1)), so a full group of {best} keeps {kb} of its effort and a full \
         group of {largest} keeps {kl}. How strongly each force acted at each size is measured \
         below, from this run.",
        min_members = min_members,
        free_riding = channels.free_riding(attention, best, largest),
        cc = coordination,
        kb = pct(kept(coordination, best)),
        kl = pct(kept(coordination, largest)),
    );
    s
}

/// A later regime's opening: the forces at its largest size, the rest said for the first.
/// Left open for the service sentences.
fn forces_here(data: &RunData, r: &Regime) -> String {
    let attention = param(data, r, "behaviour.attention");
    let coordination = param(data, r, "groups.coordination_cost");
    let largest = reachable(data, r.sizes[r.sizes.len() - 1].size);
    let channels = Channels::of(data, r);
    // With peer monitoring or its dilution switched off, size does not thin the watching.
    let (seen, which) = if channels.peer_monitoring && channels.dilution {
        (
            format!(
                "a member of a group of {largest} still sees only {} of the others, but ",
                pct(visibility(attention, largest))
            ),
            "that size".to_string(),
        )
    } else {
        (String::new(), format!("{largest} members"))
    };
    let mut s = String::new();
    let _ = write!(
        s,
        "<p>Here {seen}coordination cost is {cc} per extra member, so a full group of {which} \
         keeps {kl} of its effort.",
        cc = coordination,
        kl = pct(kept(coordination, largest)),
    );
    s
}

/// How the regime's service shares the benefit and sets the task's need; closes the
/// paragraph.
fn service(data: &RunData, r: &Regime) -> String {
    let per_member = param(data, r, "groups.min_effort_per_member");
    let min_effort = param(data, r, "groups.min_effort");
    let patience = param(data, r, "groups.failure_patience");
    let mut s = String::new();
    if r.service == "per_member" && per_member == 0.0 {
        let _ = write!(
            s,
            " In the <b>per-member</b> regime the service is shared among the members, so each \
             member's share of the benefit shrinks as the group grows; here the minimum viable \
             effort does not grow with the group ({min_effort} effort units whatever its size), \
             so more members bring more effort than the task needs. After {patience} failed \
             months in a row a group dissolves.</p>"
        );
    } else if r.service == "per_member" {
        let _ = write!(
            s,
            " In the <b>per-member</b> regime the service is shared among the members, so the \
             minimum viable effort grows with the group ({min_effort} + {per_member} × n effort \
             units) while each member's share of the benefit shrinks. A large group must do more \
             with less effort per member; after {patience} failed months in a row it dissolves.</p>"
        );
    } else if r.service == "joint" {
        s.push_str(&joint_service(data, r));
    } else {
        s.push_str("</p>");
    }
    s
}

/// The joint regime's sentence: non-rival benefit, the task's need and coordination.
fn joint_service(data: &RunData, r: &Regime) -> String {
    let coordination = param(data, r, "groups.coordination_cost");
    let per_member = param(data, r, "groups.min_effort_per_member");
    let min_effort = param(data, r, "groups.min_effort");
    // What these runs set, not what the variant was written to change (a `--set` may do
    // it), and no outcome: peers still watch each other less in larger groups.
    let coordination_text = if coordination == 0.0 {
        "extra members cost no coordination effort in these runs, so coordination no \
         longer works against large groups."
            .to_string()
    } else {
        format!(
            "coordination still costs {coordination} of everyone's effort per extra member, \
             so very large groups lose effort to coordination."
        )
    };
    let hurdle = if per_member == 0.0 {
        format!("the minimum viable effort stays at {min_effort} effort units whatever the size")
    } else {
        format!(
            "the task still needs more effort the more members it serves ({min_effort} + \
             {per_member} × n effort units)"
        )
    };
    format!(
        " In the <b>joint</b> regime the service is non-rival: every member gets the full \
         benefit, {hurdle}, and {coordination_text}</p>"
    )
}

/// What ended the regime's groups, by cap class, with the note on what each ending means.
fn how_groups_ended(data: &RunData, r: &Regime) -> String {
    let min_members = param(data, r, "groups.min_members");
    let patience = param(data, r, "groups.failure_patience");
    let causes = Channels::of(data, r).task_failure(
        param(data, r, "groups.coordination_cost"),
        param(data, r, "groups.min_effort_per_member"),
    );
    let mut s = String::new();
    // What ended the groups, by cap class, from groups.csv.
    let _ = write!(
        s,
        "<p>How groups ended in this run ({}):</p><table><tr><th>sizes</th><th>groups started</th>\
         <th>too few members left</th><th>task failed</th><th>still active at the end</th></tr>",
        escape(&r.label)
    );
    for (class, started, few, failed, active) in &r.endings {
        let share = |k: u64| {
            if *started == 0 {
                "–".to_string()
            } else {
                pct(k as f64 / *started as f64)
            }
        };
        let _ = write!(
            s,
            "<tr><td>{}</td><td class=\"num\">{started}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(class),
            share(*few),
            share(*failed),
            share(*active)
        );
    }
    let _ = write!(
        s,
        "</table>\n<p class=\"note\">\"Too few members left\": members left until the group \
         was below {min_members}, the capacity problem. \"Task failed\": the group's effort \
         stayed below the minimum viable effort for {patience} months in a row{causes}.</p>\n"
    );
    s
}

/// Survival next to long-run membership, by size, for one regime: the share lasting
/// `horizon` months, the hazard ratio against the best size, and the share of citizens in a
/// group over the last 12 months of runs of `steps` months (all of a shorter run's); and a
/// sentence when membership and survival favour different sizes.
fn long_run_table(r: &Regime, (horizon, steps): (u64, u64)) -> String {
    const AVERAGED: u64 = coprod_core::SUMMARY_STEPS as u64;
    let months = match steps {
        0 => format!("last {AVERAGED} months or all of a shorter run"),
        1 => "its one month".to_string(),
        s if s <= AVERAGED => format!("all {s} months"),
        _ => format!("last {AVERAGED} months"),
    };
    let mut s = format!(
        "<h3>{}</h3>\n<table><tr><th>size cap</th><th>still going after {horizon} months</th>\
         <th>median lifetime (months)</th><th>hazard ratio against {} members (95% CI)</th>\
         <th>citizens in a group, {months} (95% CI)</th></tr>",
        escape(&sentence_case(&r.label)),
        r.best().size
    );
    let ratio = |e: &Estimate| {
        // Infinite: no group of the best size ended (in every replication for the ratio,
        // in about 2.5% or more of the resamples for an upper end).
        let end = |v: f64| {
            if v == f64::INFINITY {
                "∞".into()
            } else {
                dec(v)
            }
        };
        let ci = e.ci.map_or_else(String::new, |(lo, hi)| {
            format!(" ({} to {})", end(lo), end(hi))
        });
        format!("{}{ci}", end(e.mean))
    };
    for (size, (median, hr, members)) in r.sizes.iter().zip(&r.long_run) {
        let median = if median.is_finite() {
            format!("{median:.0}")
        } else if size.started == 0 {
            "no group started".into()
        } else {
            "over half still going".into()
        };
        let _ = write!(
            s,
            "<tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{median}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            size.size,
            pct(size.survival.mean),
            ratio(hr),
            share_with_ci(members)
        );
    }
    s.push_str("</table>\n");
    s.push_str(&unknown_share_note(r.sizes.iter(), horizon));
    s.push_str(&membership_note(r));
    s
}

/// The note under a regime's long-run table: what a hazard ratio says, and whether the
/// size that held the most citizens in groups is the size whose groups lasted best.
fn membership_note(r: &Regime) -> String {
    let mut s = String::new();
    let most = (0..r.long_run.len())
        .filter(|&i| r.long_run[i].2.mean.is_finite())
        .max_by(|&a, &b| r.long_run[a].2.mean.total_cmp(&r.long_run[b].2.mean));
    let _ = write!(
        s,
        "<p class=\"note\">A hazard ratio above 1: groups of that size ended sooner, month for \
         month, than groups of {} members (groups ended per month they were running, the month \
         they ended in included, pooled over replications). ",
        r.best().size
    );
    let unbounded =
        |e: &Estimate| e.mean == f64::INFINITY || e.ci.is_some_and(|(_, hi)| hi == f64::INFINITY);
    if r.long_run.iter().any(|l| unbounded(&l.1)) {
        let _ = write!(
            s,
            "A ratio or interval end of ∞: no group of {} members ended (in any replication for \
             a ratio of ∞, in about 2.5% or more of the resamples of replications for an \
             interval's end), so the data set no upper bound on how much sooner groups of that \
             size end. ",
            r.best().size
        );
    }
    // "best" only where the key numbers call it so ([`Regime::best_is_firm`]).
    let lasted = if r.best_is_firm() { "best" } else { "longest" };
    match most {
        // No size kept groups going, so there is no survival side to compare membership with.
        _ if r.none_lasted() => {}
        Some(i) if r.sizes[i].size != r.best().size => {
            let overlap = match (r.long_run[i].2.ci, r.long_run[r.best].2.ci) {
                (Some((lo, _)), Some((_, hi))) => lo <= hi,
                _ => true,
            };
            let _ = write!(
                s,
                "Membership and survival point to different sizes here{}: the most citizens \
                 were in a group at cap {} ({}), while groups lasted {lasted} at {}. They measure \
                 different things: \
                 membership counts citizens at one time, so a size whose groups take many \
                 members at once can hold more citizens even if each group lasts less; \
                 survival counts groups.",
                if overlap {
                    " (though within each other's intervals, so they may agree)"
                } else {
                    ""
                },
                r.sizes[i].size,
                share_with_ci(&r.long_run[i].2),
                r.best().size
            );
        }
        Some(_) => {
            let _ = write!(
                s,
                "Membership and survival agree: the most citizens were in a group at the size \
                 whose groups lasted {lasted}."
            );
        }
        None => {}
    }
    s.push_str("</p>\n");
    s
}

/// A share of citizens with its interval, as "12.3% (10.1% to 14.5%)" (or "n/a"); a share
/// above 0 never reads as "0.0%".
fn share_with_ci(e: &Estimate) -> String {
    if !e.mean.is_finite() {
        return "n/a".to_string();
    }
    let ci = e.ci.map_or_else(String::new, |c| {
        let (lo, hi) = crate::data::clip01(c);
        format!(" ({} to {})", percent(lo, 1), percent(hi, 1))
    });
    format!("{}{ci}", percent(e.mean, 1))
}

/// A factor as "×0.67" (or "n/a"); one above 0 never reads as "×0.00".
fn times(v: f64) -> String {
    if v.is_finite() {
        format!("×{}", dec(v))
    } else {
        "n/a".into()
    }
}

/// A number with two decimals (or "n/a"); one that is not 0 never reads as "0.00".
fn dec(v: f64) -> String {
    number(v, 2)
}

/// The comparisons that explain the best size: from the best to the next smaller and the
/// smallest size, and to the next larger and the largest, as indices into `sizes`; the
/// smallest and largest are left out when they are the neighbours.
fn comparisons(r: &Regime) -> (Vec<usize>, Vec<usize>) {
    let (b, last) = (r.best, r.sizes.len() - 1);
    let mut below = Vec::new();
    if b > 0 {
        below.push(b - 1);
        if b - 1 > 0 {
            below.push(0);
        }
    }
    let mut above = Vec::new();
    if b < last {
        above.push(b + 1);
        if b + 1 < last {
            above.push(last);
        }
    }
    (below, above)
}

/// The forces measured in this run at each size of a regime, how much each changes the
/// input-to-need ratio between the best size and its neighbours, and which one dominates on
/// each side of the best size.
fn measured_forces(r: &Regime) -> String {
    let Some(forces) = &r.forces else {
        return "<p class=\"note\">This run's groups.csv has no production columns (a run \
                from an older coprod), so the forces cannot be measured here; run the lesson \
                again to see them.</p>\n"
            .into();
    };
    let mut s = forces_table(r, forces);
    if r.none_lasted() {
        s.push_str(
            "<p>No size kept groups going here, so no size stands as the one to compare the \
             others with; the table shows each force size by size.</p>\n",
        );
        return s;
    }
    let (below, above) = comparisons(r);
    let targets: Vec<usize> = below.iter().chain(&above).copied().collect();
    if targets.is_empty() {
        return s;
    }
    s.push_str(&factors_table(r, forces, &targets));
    s.push_str("<p>");
    s.push_str(&dominant_forces(r, forces, &below, &above));
    s.push_str(&highest_ratio(r, forces));
    s.push_str("</p>\n");
    s
}

/// The forces measured at each size, with what each column means.
fn forces_table(r: &Regime, forces: &[Forces]) -> String {
    let mut s = format!(
        "<p><b>The forces, measured in this run</b> ({}). Per month that a started group \
         produced, pooled over all its groups and replications: how many members it had \
         (capacity), how much effort each gave in the group's first month (free riding: fewer \
         peers watch each member in a larger group), how that effort changed over the group's \
         life (the decay of conditional cooperation), the share of labour kept after \
         coordination, and the effort the task needed (the hurdle). The task is met in a month \
         when input reaches what it needs; a group ends after too many months short.</p>\n\
         <table><tr><th>size cap</th><th>groups</th><th>members per month</th>\
         <th>effort per member, first month</th><th>effort over the life ÷ first month</th>\
         <th>labour kept after coordination</th><th>effort the task needs per month</th>\
         <th>input ÷ need</th><th>months the task was met</th></tr>",
        escape(&r.label)
    );
    for (size, f) in r.sizes.iter().zip(forces) {
        let _ = write!(
            s,
            "<tr><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            size.size,
            f.groups,
            dec(f.members),
            dec(f.first_effort),
            dec(f.decay),
            pct(f.kept),
            dec(f.needed),
            dec(f.input_to_need),
            pct(f.met),
        );
    }
    s.push_str("</table>\n");
    s
}

/// How much each force changes the input-to-need ratio from the best size to each of the
/// `targets` sizes, the strongest against in bold.
fn factors_table(r: &Regime, forces: &[Forces], targets: &[usize]) -> String {
    let best = r.best;
    let mut s = String::new();
    let table: Vec<Vec<(Force, f64)>> = targets
        .iter()
        .map(|&t| factors(&forces[best], &forces[t]))
        .collect();
    let _ = write!(
        s,
        "<p>Each force multiplies the ratio of input to need when the group size changes; the \
         factors multiply out to the change of the ratio. From {}, {} members, to other sizes \
         (in bold, the force of size that lowers the ratio most):</p>\n\
         <table><tr><th>force</th>",
        r.best_words(),
        r.best().size
    );
    for &t in targets {
        let _ = write!(
            s,
            "<th>{} → {} members</th>",
            r.best().size,
            r.sizes[t].size
        );
    }
    s.push_str("</tr>");
    for (k, force) in Force::ALL.iter().enumerate() {
        let _ = write!(s, "<tr><td>{}</td>", escape(force.label()));
        for column in &table {
            let v = column[k].1;
            if strongest_against(column).is_some_and(|(f, _)| f == *force) {
                let _ = write!(s, "<td class=\"num\"><b>{}</b></td>", times(v));
            } else {
                let _ = write!(s, "<td class=\"num\">{}</td>", times(v));
            }
        }
        s.push_str("</tr>");
    }
    s.push_str("<tr><td>input ÷ need, all together</td>");
    for &t in targets {
        let _ = write!(
            s,
            "<td class=\"num\">{}</td>",
            times(forces[t].input_to_need / forces[best].input_to_need)
        );
    }
    s.push_str("</tr></table>\n");
    s
}

/// Which force lowers the ratio most on each side of the best size, or that no size was run
/// there.
fn dominant_forces(r: &Regime, forces: &[Forces], below: &[usize], above: &[usize]) -> String {
    let mut s = String::new();
    if below.is_empty() {
        let _ = write!(
            s,
            "<b>No smaller size was run</b>, so the smallest groups did best here. "
        );
    } else {
        s.push_str(&side(r, forces, below, "Below"));
    }
    if above.is_empty() {
        let _ = write!(
            s,
            "<b>No larger size was run</b>: within these caps the balance never turned against \
             larger groups. "
        );
    } else {
        s.push_str(&side(r, forces, above, "Above"));
    }
    s
}

/// The force that lowers the ratio most going from the best size to each of `indices`, the
/// side named by `where_` ("Below" or "Above").
fn side(r: &Regime, forces: &[Forces], indices: &[usize], where_: &str) -> String {
    let best = r.best;
    let mut parts = Vec::new();
    for &t in indices {
        let column = factors(&forces[best], &forces[t]);
        let size = r.sizes[t].size;
        match strongest_against(&column) {
            Some((f, v)) => parts.push(format!(
                "going to {size} members, {} lowers the ratio most ({})",
                f.short(),
                times(v)
            )),
            None if forces[t].groups == 0 => parts.push(format!(
                "going to {size} members, nothing was measured: no group of that size produced"
            )),
            None => parts.push(format!(
                "going to {size} members, no force lowers the ratio"
            )),
        }
    }
    format!("<b>{where_} {}</b>: {}. ", r.best_words(), parts.join("; "))
}

/// A note when input ÷ need peaks at another size than the best for lasting.
fn highest_ratio(r: &Regime, forces: &[Forces]) -> String {
    let best = r.best;
    let mut s = String::new();
    let by_ratio = (0..forces.len())
        .filter(|&i| forces[i].input_to_need.is_finite())
        .max_by(|&a, &b| forces[a].input_to_need.total_cmp(&forces[b].input_to_need));
    if let Some(i) = by_ratio
        && i != best
    {
        let _ = write!(
            s,
            "Input ÷ need is highest at {} members, not at {}: it is pooled over the months \
             groups produced, so groups that lasted weigh more, and a group ends only after \
             several months short in a row.",
            r.sizes[i].size,
            if r.best_is_firm() {
                "the best size for lasting"
            } else {
                "the size that lasted longest"
            }
        );
    }
    s
}

/// The teaching charts, written into `charts_dir`: (png path, alt text, caption).
fn draw(data: &RunData, analysis: &Analysis, charts_dir: &Path) -> Result<Vec<Chart>, ReportError> {
    std::fs::create_dir_all(charts_dir).map_err(|e| ReportError::io(charts_dir, e))?;
    let mut out = vec![survival_by_size_chart(analysis, charts_dir)?];
    for r in &analysis.regimes {
        out.push(survival_curves_chart(
            data,
            r,
            analysis.horizon,
            charts_dir,
        )?);
    }
    let column = data
        .step_metric("participation_rate")
        .ok_or_else(|| ReportError::Damaged {
            path: data.dir.join("timeseries.csv"),
            message: "it has no `participation_rate` column".into(),
        })?;
    for r in &analysis.regimes {
        out.push(participation_chart(data, column, r, charts_dir)?);
    }
    Ok(out)
}

/// A chart on the page: its PNG, title (the image's alt text) and caption.
type Chart = (PathBuf, String, String);

/// The chart drawn with `style`, as the page shows it.
fn chart(style: ChartStyle, caption: String) -> Chart {
    (
        style.output_stem.with_extension("png"),
        style.title,
        caption,
    )
}

/// Survival at the horizon against size, every regime on one chart.
fn survival_by_size_chart(analysis: &Analysis, charts_dir: &Path) -> Result<Chart, ReportError> {
    let series: Vec<Series> = analysis
        .regimes
        .iter()
        .map(|r| {
            // In percent, as the page's tables give them, so a slide reads as the page.
            let x = r.sizes.iter().map(|s| s.size as f64).collect();
            let y = r.sizes.iter().map(|s| 100.0 * s.survival.mean).collect();
            let ci = |f: fn((f64, f64)) -> f64| {
                r.sizes
                    .iter()
                    .map(|s| s.survival.ci.map_or(f64::NAN, |c| 100.0 * f(c)))
                    .collect()
            };
            Series::new(r.short_label(), x, y).with_band(ci(|c| c.0), ci(|c| c.1))
        })
        .collect();
    let title = format!(
        "Groups still going {} months after they started",
        analysis.horizon
    );
    let style = ChartStyle::new(
        title,
        "group size (members, the cap on recruitment)",
        "groups still going (%)",
        charts_dir.join("teach_survival_by_size"),
    )
    .with_whole_x();
    response_curve(&series, &style)?;
    Ok(chart(
        style,
        format!(
            "Each point is the share of all groups started at that size, over every \
             replication, that were still going {} months after they started (Kaplan-Meier: \
             groups that started too late to be followed that long count for as long as they \
             were seen); bars are 95% intervals from resampling replications. The legend \
             names each variant by its name in the key numbers above.",
            analysis.horizon
        ),
    ))
}

/// One regime's Kaplan-Meier curves, one per class of size caps.
fn survival_curves_chart(
    data: &RunData,
    r: &Regime,
    horizon: u64,
    charts_dir: &Path,
) -> Result<Chart, ReportError> {
    let classes = cap_survival_classes(data, &r.variant);
    let title = format!("How long groups last: {}", r.label);
    let style = ChartStyle::new(
        title,
        "months since the group started",
        "groups still going (%)",
        charts_dir.join(format!("teach_survival_curves_{}", r.variant)),
    )
    .with_whole_x();
    survival_count_curves_in_percent(&classes, &style)?;
    Ok(chart(
        style,
        format!(
            "Kaplan-Meier curves by size cap: the share of groups still going that many \
             months after they started. Groups still active when the run ended count as \
             censored. At {horizon} months each curve pools the sizes of its class that the \
             chart above shows one by one."
        ),
    ))
}

/// One regime's share of citizens in a group over time, a line per class of size caps.
fn participation_chart(
    data: &RunData,
    column: usize,
    r: &Regime,
    charts_dir: &Path,
) -> Result<Chart, ReportError> {
    let series: Vec<Series> = CAP_CLASSES
        .iter()
        .map(|(name, lo, hi)| {
            let (x, y, l, h) = data.step_band(column, |variant, point| {
                variant == r.variant
                    && point
                        .first()
                        .and_then(|p| p.parse::<u64>().ok())
                        .is_some_and(|c| (*lo..=*hi).contains(&c))
            });
            let pct = |v: Vec<f64>| v.into_iter().map(|x| x * 100.0).collect();
            Series::new(*name, x, pct(y)).with_band(pct(l), pct(h))
        })
        .collect();
    let title = format!("Citizens co-producing: {}", r.label);
    let style = ChartStyle::new(
        title,
        "time (months)",
        // The SVGs go on slides without the page's caption: the axis says what it says.
        "citizens in a group (%; band clipped to 0–100%)",
        charts_dir.join(format!("teach_participation_{}", r.variant)),
    )
    .with_whole_x();
    time_series(&series, &style)?;
    Ok(chart(
        style,
        "Share of all citizens in a group (forming or active), mean over runs with a 95% \
         band, clipped to 0–100%."
            .to_string(),
    ))
}

/// Writes the teaching page `teach.html` (and its charts under `charts/`) into the run
/// directory `data.dir`; returns the page's path.
///
/// # Errors
/// [`ReportError::Unsuitable`] when the run is not a group-size experiment; I/O and drawing
/// errors naming the file.
pub fn write_teach_page(data: &RunData) -> Result<PathBuf, ReportError> {
    let analysis = analyse(data)?;
    // The charts and the page are written beside the run and moved in only when all were
    // written: a full disk or Ctrl-C midway leaves no half-written page or chart in place,
    // nor an earlier page damaged.
    let new = coprod_output::Replacement::new(&data.dir)?;
    let charts = draw(data, &analysis, &new.path().join("charts"))?;
    let mut body = changes_box(data);
    body.push_str(&intro(data, &analysis));
    body.push_str(&few_replications_note(analysis.replications));
    for r in &analysis.regimes {
        body.push_str(&key_box(r, analysis.horizon));
    }
    let (first, rest) = charts
        .split_first()
        .expect("draw writes the size chart first");
    let _ = writeln!(body, "<h2>Which size lasts?</h2>\n{}", figure(first)?);
    size_table(&mut body, &analysis);

    let _ = writeln!(body, "<h2>Why?</h2>");
    for (i, r) in analysis.regimes.iter().enumerate() {
        let _ = writeln!(body, "<h3>{}</h3>", escape(&sentence_case(&r.label)));
        body.push_str(&explanation(data, r, i == 0));
    }
    if let [a, b] = analysis.regimes.as_slice() {
        body.push_str(&between_regimes(a, b, analysis.horizon));
    }
    body.push_str(&one_change_at_a_time(&analysis.regimes, analysis.horizon));
    let n_regimes = analysis.regimes.len();
    let (survival_charts, participation_charts) = rest.split_at(n_regimes.min(rest.len()));
    let _ = writeln!(body, "<h2>How long groups last</h2>");
    for r in &analysis.regimes {
        body.push_str(&long_run_table(r, (analysis.horizon, analysis.steps)));
    }
    for c in survival_charts {
        body.push_str(&figure(c)?);
    }
    let _ = writeln!(body, "<h2>Participation over time</h2>");
    for c in participation_charts {
        body.push_str(&figure(c)?);
    }
    body.push_str(&about(data, &analysis));
    let staged = new.path().join(TEACH_HTML);
    std::fs::write(
        &staged,
        page("Is there a best group size for co-production?", &body),
    )
    .map_err(|e| ReportError::io(&staged, e))?;
    new.commit()?;
    Ok(data.dir.join(TEACH_HTML))
}

/// A chart with its caption, inlined.
fn figure((png, alt, caption): &Chart) -> Result<String, ReportError> {
    Ok(format!(
        "<figure>{}<figcaption>{}</figcaption></figure>",
        inline_png(png, alt)?,
        escape(caption)
    ))
}

/// What this run changed from the lesson's scenario: every parameter set by `--set` or
/// lowered by `--quick` (parameters.csv), and the experiment settings (manifest), so two
/// projected pages can be told apart. Each line states the value the runs had: a `--set`
/// that `--quick`'s caps lowered is named beside the lowered value, never as its own line.
fn changes_box(data: &RunData) -> String {
    let mut changed: Vec<String> = Vec::new();
    let sets = set_texts(data);
    let set_of = |key: &str| sets.iter().find(|s| setting_key(s) == key);
    if let Some(table) = &data.parameters {
        for row in table
            .rows
            .iter()
            .filter(|r| r.source == "set" || r.source == "quick")
        {
            let how = match (row.source.as_str(), set_of(&row.parameter)) {
                ("set", _) => "--set".to_string(),
                (_, Some(set)) => format!("--quick, lowering --set {set}"),
                (_, None) => "--quick".to_string(),
            };
            let text = format!("{} = {} ({how})", row.parameter, row.value);
            if !changed.contains(&text) {
                changed.push(text);
            }
        }
    }
    let quick = data.quick();
    let settings = sets.iter().filter(|s| {
        s.starts_with("experiment.") && quick.lowered_experiment(setting_key(s)).is_none()
    });
    changed.extend(settings.map(|s| format!("{} (--set)", s.replacen('=', " = ", 1))));
    changed.extend(option_changes(&data.options()));
    changed.extend(quick_changes(&quick, &sets));
    if changed.is_empty() {
        return "<p class=\"note\">Parameters: the scenario's own, nothing changed.</p>\n".into();
    }
    let items: String = changed
        .iter()
        .map(|c| format!("<li><code>{}</code></li>", escape(c)))
        .collect();
    format!(
        "<div class=\"key\"><b>Changed for this run</b> (every number below is from this run, \
         with these changes):<ul>{items}</ul></div>\n"
    )
}

/// The two regimes side by side.
fn between_regimes(a: &Regime, b: &Regime, horizon: u64) -> String {
    let best = |r: &Regime| {
        if r.none_lasted() {
            "no size kept groups going".to_string()
        } else if r.best_is_firm() {
            format!("the best size is {} members", r.best().size)
        } else if r.best_is_clear() {
            format!(
                "groups of {} members lasted longest in {}, a tentative result",
                r.best().size,
                r.these_replications()
            )
        } else {
            format!(
                "no size stands out, the highest share being at {} members",
                r.best().size
            )
        }
    };
    let last = |r: &Regime| r.sizes[r.sizes.len() - 1].clone();
    format!(
        "<h3>What changes between the regimes</h3>\n<p>With {}, {} ({} still going after {horizon} \
         months); with {}, {} ({}). At {} members, {} of groups were still going with {} and {} \
         with {}.</p>\n",
        escape(&a.label),
        best(a),
        pct(a.best().survival.mean),
        escape(&b.label),
        best(b),
        pct(b.best().survival.mean),
        last(a).size,
        pct(last(a).survival.mean),
        escape(&a.label),
        pct(last(b).survival.mean),
        escape(&b.label),
    )
}

/// Where a variant's one change moves the best size from the first regime's, as far as the
/// runs show it ([`change`]).
enum Move {
    /// Every size the variant's runs cannot tell from its best is above every such size of
    /// the first regime; `to_largest` when the variant's largest cap is clear of all others.
    Up { to_largest: bool },
    /// Every such size of the variant is below every such size of the first regime.
    Down,
    /// Both regimes tell the same size from every other.
    Stays,
    /// A size too close to its regime's best to tell apart leaves the move unknown.
    Unknown(Doubt),
}

/// A size that one regime's runs cannot tell from its best size.
struct Doubt {
    /// In the first regime (else in the variant).
    in_first: bool,
    /// Index into that regime's `sizes`.
    index: usize,
}

impl Doubt {
    /// "groups of 6 members, the best size with per-member service, are too close to tell
    /// apart from those of 8 here: the difference, ..., includes 0".
    fn describe(&self, base: &Regime, r: &Regime, base_words: &str) -> String {
        let (regime, whose) = if self.in_first {
            (base, format!("with {}, ", escape(&base.label)))
        } else {
            (r, String::new())
        };
        let size = regime.sizes[self.index].size;
        let named = if !self.in_first && size == base.best().size {
            format!(", the {base_words} with {},", escape(&base.label))
        } else {
            String::new()
        };
        let d = &regime.vs_each[self.index];
        let interval = if d.ci.is_some() {
            format!("the difference, {}, includes 0", difference(d))
        } else {
            "their difference has no interval".to_string()
        };
        format!(
            "{whose}groups of {size} members{named} are too close to tell apart from those of \
             {}{}: {interval}",
            regime.best().size,
            if self.in_first { "" } else { " here" },
        )
    }
}

/// How the variant `r` moves the best size from the first regime's (`base`): a move is
/// shown only when every size the variant's runs cannot tell from its best lies beyond
/// every size the first regime's runs cannot tell from its own (in the move's direction; a
/// best size that stays must be clear of every other in both). Otherwise the first size in
/// doubt is named, the variant's first, largest share first.
fn change(base: &Regime, r: &Regime) -> Move {
    use std::cmp::Ordering;
    let (b, v) = (base.best().size, r.best().size);
    let (in_base, in_variant) = (base.contenders(), r.contenders());
    // Whether the variant's size at `i` lies beyond the first regime's size at `j`.
    let beyond = |i: usize, j: usize| match v.cmp(&b) {
        Ordering::Greater => r.sizes[i].size > base.sizes[j].size,
        Ordering::Less => r.sizes[i].size < base.sizes[j].size,
        Ordering::Equal => false,
    };
    let in_variant_doubt = in_variant
        .iter()
        .find(|&&i| i != r.best && in_base.iter().any(|&j| !beyond(i, j)));
    let in_base_doubt = in_base
        .iter()
        .find(|&&j| j != base.best && in_variant.iter().any(|&i| !beyond(i, j)));
    let doubt = match (in_variant_doubt, in_base_doubt) {
        (Some(&index), _) => Some(Doubt {
            in_first: false,
            index,
        }),
        (None, Some(&index)) => Some(Doubt {
            in_first: true,
            index,
        }),
        (None, None) => None,
    };
    match (doubt, v.cmp(&b)) {
        (Some(doubt), _) => Move::Unknown(doubt),
        (None, Ordering::Greater) => Move::Up {
            to_largest: in_variant == [r.sizes.len() - 1],
        },
        (None, Ordering::Less) => Move::Down,
        (None, Ordering::Equal) => Move::Stays,
    }
}

/// What each variant's one change does to the best size, against the first regime: the
/// forces of the lesson, read from this run.
fn one_change_at_a_time(regimes: &[Regime], horizon: u64) -> String {
    let Some((base, rest)) = regimes.split_first() else {
        return String::new();
    };
    if rest.is_empty() {
        return String::new();
    }
    // "The best size" only where the key numbers name one (clear, from 10 or more
    // replications); otherwise the size that lasted longest.
    let words = |firm: bool| {
        if firm {
            "best size"
        } else {
            "longest-lasting size"
        }
    };
    let at_best = |r: &Regime| {
        if r.none_lasted() {
            return format!("no size kept groups going {horizon} months (0% at every size)");
        }
        format!(
            "{} {} members, {} still going after {horizon} months{}",
            words(r.best_is_firm()),
            r.best().size,
            pct(r.best().survival.mean),
            if !r.best_is_clear() {
                " (not clearly better than the runner-up)".to_string()
            } else if !r.best_is_firm() {
                format!(" (tentative: {} replications)", r.replications())
            } else {
                String::new()
            }
        )
    };
    let mut s = format!(
        "<h3>One change at a time</h3>\n<p>{}: {}.</p>\n<ul>",
        escape(&sentence_case(&base.label)),
        at_best(base)
    );
    for r in rest {
        let both = words(base.best_is_firm() && r.best_is_firm());
        let label = escape(&sentence_case(&r.label));
        // Where no size kept groups going there is no size to move.
        let moved = match change(base, r) {
            _ if base.none_lasted() || r.none_lasted() => String::new(),
            Move::Up { to_largest: true } => format!("moves the {both} up to the largest cap; "),
            Move::Up { to_largest: false } => format!("moves the {both} up; "),
            Move::Down => format!("moves the {both} down; "),
            Move::Stays => format!("leaves the {both} where it was; "),
            Move::Unknown(doubt) => {
                let base_words = words(base.best_is_firm());
                let _ = write!(
                    s,
                    "<li>{label}: {}; the runs cannot tell whether this change moves the {both}, \
                     since {}.</li>",
                    at_best(r),
                    doubt.describe(base, r, base_words)
                );
                continue;
            }
        };
        let _ = write!(s, "<li>{label}: {moved}{}.</li>", at_best(r));
    }
    // Named as the first regime's size is named above, and not at all when it has none.
    let needed = if base.none_lasted() {
        String::new()
    } else {
        let size = words(base.best_is_firm());
        format!(
            "A force that is needed for a {size} among small groups is one whose removal \
             moves the {size} up to the largest cap: the list above says so only where the \
             runs show it. "
        )
    };
    let _ = write!(
        s,
        "</ul>\n<p class=\"note\">{needed}The scenario group-size-forces removes each force of \
         the baseline, alone and in pairs, including the dilution of peer monitoring and the \
         decay of conditional cooperation (docs/validation.md).</p>\n",
    );
    s
}

/// The paragraph that opens the page: what was run. When the communities are smaller than
/// the largest caps, the sizes are caps, and the largest group is the community's size.
fn intro(data: &RunData, analysis: &Analysis) -> String {
    let sizes = &analysis.regimes[0].sizes;
    let (smallest, largest) = (sizes[0].size, sizes[sizes.len() - 1].size);
    let range = match community_size(data) {
        Some(size) if largest as f64 > size.largest => format!(
            "with size caps from {smallest} to {largest} members (no group could have more \
             than {}: groups recruit within one community, and communities here hold {} \
             citizens)",
            size.largest,
            size.describe()
        ),
        _ => format!("from {smallest} to {largest} members"),
    };
    format!(
        "<p>We let simulated citizens form co-production groups of different sizes, {range}, \
         for {} months, and asked of every group that started: was it still going {} months \
         after it started? We did this {} times for each size (different random citizens each \
         time) in {} service regimes.{}</p>\n",
        analysis.steps,
        analysis.horizon,
        analysis.replications,
        analysis.regimes.len(),
        unstartable_caps(data, sizes)
    )
}

/// A sentence naming the caps below `groups.min_members` (from the parameters every run
/// shared): a forming group smaller than that never starts, so at those caps no group can
/// start and the page has nothing of them to compare. Empty when there are none.
fn unstartable_caps(data: &RunData, sizes: &[SizeResult]) -> String {
    let Some(min_members) = data
        .parameter("groups.min_members")
        .and_then(|v| v.parse::<f64>().ok())
    else {
        return String::new();
    };
    let below: Vec<String> = sizes
        .iter()
        .filter(|s| (s.size as f64) < min_members)
        .map(|s| s.size.to_string())
        .collect();
    let (caps, sizes) = match below.as_slice() {
        [] => return String::new(),
        [one] => (format!("cap {one}"), "that size"),
        many => {
            let many: Vec<&str> = many.iter().map(String::as_str).collect();
            (format!("caps {}", and_list(&many)), "those sizes")
        }
    };
    format!(
        " At {caps} no group can start: a group needs at least {min_members} members to start \
         (<code>groups.min_members</code>), so the page has no groups of {sizes} to compare."
    )
}

/// The citizens of the smallest and the largest community: the model splits the citizens
/// into communities that differ by at most one (`n_citizens / n_communities`, rounded down
/// or up), and no group can be larger than its community.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CommunitySize {
    /// Citizens of the smallest community.
    pub smallest: f64,
    /// Citizens of the largest community.
    pub largest: f64,
}

impl CommunitySize {
    /// The community sizes of `citizens` split into `communities`.
    pub fn of(citizens: f64, communities: f64) -> CommunitySize {
        CommunitySize {
            smallest: (citizens / communities).floor(),
            largest: (citizens / communities).ceil(),
        }
    }

    /// "20", or "33 or 34" when the communities differ.
    pub fn describe(&self) -> String {
        if self.smallest == self.largest {
            self.largest.to_string()
        } else {
            format!("{} or {}", self.smallest, self.largest)
        }
    }
}

/// Citizens per community (from the parameters every run shared), if known: no group can
/// be larger than the largest, since groups recruit within one community.
fn community_size(data: &RunData) -> Option<CommunitySize> {
    let number = |name: &str| data.parameter(name).and_then(|v| v.parse::<f64>().ok());
    let citizens = number("population.n_citizens")?;
    let communities = number("population.n_communities")?;
    Some(CommunitySize::of(citizens, communities))
}

/// The most members a group of size cap `cap` can have here: the cap, or the largest
/// community's size below it (groups recruit within one community), so that the forces are
/// said of groups that could exist.
fn reachable(data: &RunData, cap: u64) -> u64 {
    community_size(data).map_or(cap, |size| cap.min(size.largest as u64))
}

/// Where the numbers come from and how sure they are.
/// A sentence naming the size caps above the communities' size (from the parameters every
/// run shared), which ran as groups of at most that size: groups recruit within one
/// community. Empty when every cap could be reached, or the sizes are not known.
fn unreachable_caps(data: &RunData, analysis: &Analysis) -> String {
    let Some(size) = community_size(data) else {
        return String::new();
    };
    let above: Vec<String> = analysis
        .regimes
        .first()
        .map(|r| {
            r.sizes
                .iter()
                .filter(|s| s.size as f64 > size.largest)
                .map(|s| s.size.to_string())
                .collect()
        })
        .unwrap_or_default();
    if above.is_empty() {
        return String::new();
    }
    format!(
        " Communities here hold {} citizens and groups recruit within one community, so the \
         caps {} ran as groups of at most {} members; the page names them by their caps.",
        size.describe(),
        above.join(", "),
        size.largest
    )
}

/// The `[experiment]` values that options of their own changed (`--replications`), for the
/// box of changes, in the words of `--quick`'s: "replications: 2 instead of 30
/// (--replications)". An option that gave the scenario's own value changed nothing.
fn option_changes(options: &[OptionValue]) -> Vec<String> {
    options
        .iter()
        .filter(|o| o.value != o.scenario)
        .map(|o| {
            let noun = match o.key.strip_prefix("experiment.").unwrap_or(&o.key) {
                "steps" => "months",
                other => other,
            };
            format!(
                "{noun}: {} instead of {} ({})",
                o.value, o.scenario, o.option
            )
        })
        .collect()
}

/// The months and replications `--quick` lowered, for the box of changes (the parameters
/// it lowered are listed from parameters.csv), or that it changed nothing. `sets` are the
/// run's `--set` options (`key=value`): one that `--quick` lowered is named beside it.
fn quick_changes(quick: &Quick, sets: &[String]) -> Vec<String> {
    match quick {
        Quick::Off => Vec::new(),
        Quick::Unrecorded => {
            vec!["a quick run (--quick; this folder does not record what it lowered)".into()]
        }
        Quick::Lowered(l) if l.steps.is_none() && l.replications.is_none() => {
            if l.parameters.is_empty() {
                vec!["--quick changed nothing: the lesson is within its caps".into()]
            } else {
                Vec::new()
            }
        }
        Quick::Lowered(_) => [
            ("months", "experiment.steps"),
            ("replications", "experiment.replications"),
        ]
        .into_iter()
        .filter_map(|(noun, key)| {
            let l = quick.lowered_experiment(key)?;
            let lowering = sets
                .iter()
                .find(|s| setting_key(s) == key)
                .map_or_else(String::new, |set| format!(", lowering --set {set}"));
            Some(format!(
                "{noun}: {} instead of {} (--quick{lowering})",
                l.to, l.from
            ))
        })
        .collect(),
    }
}

/// The run's `--set` options as the manifest records them (`key=value`).
fn set_texts(data: &RunData) -> Vec<String> {
    data.manifest
        .as_ref()
        .and_then(|m| m.get("settings"))
        .and_then(|s| s.as_array())
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(String::from))
        .collect()
}

/// The key of a recorded `--set` (`key=value`).
fn setting_key(set: &str) -> &str {
    set.split_once('=').map_or(set, |(key, _)| key).trim()
}

/// Why the intervals of a quick run are wide, when `--quick` made them so: it lowered the
/// citizens or the replications (fewer months alone leave them as they were).
fn quick_about(quick: &Quick) -> String {
    match quick {
        Quick::Off => String::new(),
        Quick::Unrecorded => "; a quick run".into(),
        Quick::Lowered(l) => {
            let mut fewer = Vec::new();
            if quick.lowered_parameter("population.n_citizens") {
                fewer.push("citizens");
            }
            if l.replications.is_some() {
                fewer.push("replications");
            }
            if fewer.is_empty() {
                String::new()
            } else {
                format!(
                    "; a quick run with fewer {} than the scenario's, so intervals are wide",
                    and_list(&fewer)
                )
            }
        }
    }
}

/// Below this many replications, the page's 95% percentile bootstrap intervals hold the
/// true value markedly less often than 95% of the time (about 90% at 10), and it says so.
const FEW_REPLICATIONS: u64 = 10;

/// About how often a 95% percentile bootstrap interval of the mean of `n` normally
/// distributed replications holds the true mean: the bootstrap's spread is the sample sd
/// times `sqrt((n - 1) / n)`, over `sqrt(n)`, and its ends are the normal's quantiles
/// rather than those of Student's t with `n - 1` degrees of freedom (the "narrowness bias"
/// of Hesterberg 2015, The American Statistician 69). About 75% at 3 replications.
fn bootstrap_coverage(n: u64) -> f64 {
    // Of two replications every resample's mean lies between them, each end holding a
    // quarter of the resamples: the interval is the two values, which hold the true mean
    // half the time (the t approximation would say 60%).
    if n == 2 {
        return 0.5;
    }
    let n = n as f64;
    let half_width = 1.959_964 * ((n - 1.0) / n).sqrt();
    2.0 * coprod_analysis::dist::t_cdf(half_width, n - 1.0) - 1.0
}

/// Whether a run of `replications` per size has too few for its intervals to hold 95%
/// (one has no interval at all).
fn is_few(replications: u64) -> bool {
    (2..FEW_REPLICATIONS).contains(&replications)
}

/// Above the key numbers of a run of few replications: their intervals are too narrow to
/// name a best size with the confidence the page's "95%" states.
fn few_replications_note(replications: u64) -> String {
    if !is_few(replications) {
        return String::new();
    }
    format!(
        "<p class=\"note\"><b>Only {replications} replications:</b> with so few, the \
         bootstrap intervals below are narrower than 95% intervals should be (they hold the \
         true value about {:.0}% of the time), so read a size named best as tentative, and run \
         {FEW_REPLICATIONS} or more replications before drawing a conclusion.</p>\n",
        100.0 * bootstrap_coverage(replications)
    )
}

fn about(data: &RunData, analysis: &Analysis) -> String {
    format!(
        "<h2>About these numbers</h2><p class=\"note\">{} runs of the scenario <code>{}</code> \
         ({} replications per size and regime, {} months each{}).{}{} \"Still going after {} \
         months\" is the Kaplan-Meier estimate over all groups of a size: groups that started \
         too late to be followed {} months count for as long as they were seen, and a group \
         that ended in month {} of its life is not still going {}. Intervals of these shares \
         and their differences are 95% bootstrap intervals from resampling replications, so \
         they stay between 0% and 100%; the share of citizens in a group has the t-interval of \
         summary.csv, cut at 0. Differences are paired, because every size and regime of a \
         replication shares its random seed. Sent on its own, this page needs no other file. The \
         run's folder it was written in holds every number in CSV files (parameters.csv every \
         parameter as it ran), and the full report is <code>index.html</code> in the run's \
         folder.</p>",
        data.runs.rows.len(),
        escape(&data.name()),
        analysis.replications,
        analysis.steps,
        quick_about(&data.quick()),
        unreachable_caps(data, analysis),
        failed_runs(data),
        analysis.horizon,
        analysis.horizon,
        analysis.horizon,
        share_lasting_24_note(data, analysis),
    )
}

/// How runs.csv's `share_lasting_24` relates to the page's share. It is always read at
/// [`HORIZON_MONTHS`], by the same convention as the page (no end in the first 24 months);
/// a run too short for that has the page read at half the run, and there a group that ended
/// in the page's month is an end before 24 months.
fn share_lasting_24_note(data: &RunData, analysis: &Analysis) -> String {
    if analysis.horizon != HORIZON_MONTHS {
        return format!(
            "(runs.csv's share_lasting_24 reads lifetimes at 24 months, not {}: in runs of {} \
             months it is read at the longest spell a run followed, an upper bound on the \
             share lasting 24 months, so its mean in summary.csv is not this share)",
            analysis.horizon, analysis.steps
        );
    }
    // How far the two differ depends on the run (a few replications put it at several
    // points), so the page states this run's largest gap rather than a typical one.
    let gap = largest_gap(data, analysis).map_or_else(String::new, |g| {
        let points = g * 100.0;
        if points < 0.05 {
            ", in this run by less than 0.1 points".into()
        } else {
            format!(", in this run by up to {points:.1} points")
        }
    });
    format!(
        "(runs.csv's share_lasting_24 is the same share estimated run by run, so its mean in \
         summary.csv can differ from this pooled share{gap})"
    )
}

/// The largest difference, over regimes and sizes, between the mean of runs.csv's
/// `share_lasting_24` (as summary.csv takes it) and the page's pooled share.
fn largest_gap(data: &RunData, analysis: &Analysis) -> Option<f64> {
    let m = data.run_metric("share_lasting_24")?;
    analysis
        .regimes
        .iter()
        .flat_map(|r| r.sizes.iter().map(move |s| (r, s)))
        .filter_map(|(r, s)| {
            let point = size_point(s.size);
            let runs = data
                .runs
                .rows
                .iter()
                .filter(|row| row.variant == r.variant && row.point == point)
                .map(|row| row.values[m]);
            let gap = (Estimate::of(runs).mean - s.survival.mean).abs();
            gap.is_finite().then_some(gap)
        })
        .max_by(f64::total_cmp)
}

/// Failed runs have no rows in the CSV files the page reads: say how many there were.
fn failed_runs(data: &RunData) -> String {
    match data.failed_runs() {
        0 => String::new(),
        failed => format!(
            " {failed} of {} runs failed and are left out of every number on this page (see \
             failures.csv).",
            data.runs.rows.len() as u64 + failed
        ),
    }
}

fn sentence_case(text: &str) -> String {
    let mut c = text.chars();
    c.next().map_or_else(String::new, |f| {
        f.to_uppercase().collect::<String>() + c.as_str()
    })
}

fn size_table(body: &mut String, analysis: &Analysis) {
    let _ = write!(body, "<table><tr><th>group size (members)</th>");
    for r in &analysis.regimes {
        let _ = write!(body, "<th>{} (95% CI)</th>", escape(&r.label));
    }
    let _ = writeln!(body, "</tr>");
    let sizes = &analysis.regimes[0].sizes;
    for (i, s) in sizes.iter().enumerate() {
        let _ = write!(body, "<tr><td class=\"num\">{}</td>", s.size);
        for r in &analysis.regimes {
            match r.sizes.get(i) {
                Some(x) => {
                    let text = format!(
                        "{} {}",
                        pct(x.survival.mean),
                        x.survival.ci.map_or_else(String::new, |(lo, hi)| format!(
                            "({} to {})",
                            pct(lo),
                            pct(hi)
                        ))
                    );
                    if i == r.best && !r.none_lasted() {
                        let _ = write!(body, "<td class=\"num\"><b>{text}</b></td>");
                    } else {
                        let _ = write!(body, "<td class=\"num\">{text}</td>");
                    }
                }
                None => body.push_str("<td></td>"),
            }
        }
        let _ = writeln!(body, "</tr>");
    }
    let _ = writeln!(body, "</table>");
    let sizes = analysis.regimes.iter().flat_map(|r| &r.sizes);
    body.push_str(&unknown_share_note(sizes, analysis.horizon));
}

/// Why a share reads "n/a", for the sizes among `sizes` whose share is unknown (empty when
/// none is): no group started, or none still going was followed to the horizon.
fn unknown_share_note<'a>(sizes: impl Iterator<Item = &'a SizeResult>, horizon: u64) -> String {
    let unknown: Vec<&SizeResult> = sizes.filter(|s| !s.survival.mean.is_finite()).collect();
    let none_started = unknown.iter().any(|s| s.started == 0);
    let not_followed = unknown.iter().any(|s| s.started > 0);
    let why = match (none_started, not_followed) {
        (false, false) => return String::new(),
        (true, false) => "no group of that size started".to_string(),
        (false, true) => format!(
            "none of the groups of that size still going was followed {horizon} months, so \
             the share still going then is unknown"
        ),
        (true, true) => format!(
            "no group of that size started, or none still going was followed {horizon} \
             months (the share still going then is unknown)"
        ),
    };
    format!("<p class=\"note\">n/a: {why}.</p>\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use coprod_output::read::{RunRow, RunsTable, SummaryTable};

    /// The coverage the note states: P(|T_{n-1}| < 1.96 sqrt((n-1)/n)), from the closed
    /// form of Student's t with 2 degrees of freedom at 3 replications (0.7493) and
    /// 2 * scipy.stats.t.cdf(x, n - 1) - 1 at 10 and 30 (0.904093 and 0.936174).
    #[test]
    fn bootstrap_coverage_is_that_of_a_too_narrow_interval() {
        let x = 1.959_964 * (2.0_f64 / 3.0).sqrt();
        let three = x / (2.0 + x * x).sqrt();
        assert!((bootstrap_coverage(3) - three).abs() < 1e-9);
        assert!((bootstrap_coverage(10) - 0.904_093).abs() < 1e-6);
        assert!((bootstrap_coverage(30) - 0.936_174).abs() < 1e-6);
    }

    /// A run of 2 to 9 replications says above its key numbers that their intervals are too
    /// narrow (`--quick`'s 3: about 75%); 10 or more, and 1 (no intervals), say nothing.
    #[test]
    fn few_replications_are_said_to_give_too_narrow_intervals() {
        let note = few_replications_note(3);
        assert!(note.contains("<b>Only 3 replications:</b>"), "{note}");
        assert!(note.contains("about 75% of the time"), "{note}");
        assert!(few_replications_note(9).contains("Only 9 replications"));
        assert!(few_replications_note(2).contains("about 50% of the time"));
        for n in [0, 1, 10, 30] {
            assert_eq!(few_replications_note(n), "", "{n}");
        }
    }

    /// The printed bounds of an interval (in points) from `ci_pp`.
    fn printed_bounds(ci: (f64, f64)) -> (f64, f64) {
        let text = ci_pp(Some(ci));
        let inner = text
            .strip_prefix("(95% CI ")
            .and_then(|t| t.strip_suffix(" points)"))
            .unwrap();
        let (lo, hi) = inner.split_once(" to ").unwrap();
        (lo.parse().unwrap(), hi.parse().unwrap())
    }

    #[test]
    fn a_printed_interval_agrees_with_whether_it_excludes_0() {
        let intervals = [
            (0.004, 0.03),
            (-0.03, -0.004),
            (0.00004, 0.01),
            (1e-9, 0.2),
            (-0.004, 0.01),
            (-0.2, 0.004),
            (0.0, 0.03),
            (0.31, 0.42),
        ];
        for (lo, hi) in intervals {
            let (shown_lo, shown_hi) = printed_bounds((lo, hi));
            if lo > 0.0 || hi < 0.0 {
                assert!(shown_lo * shown_hi > 0.0, "{}", ci_pp(Some((lo, hi))));
            } else {
                assert!(
                    shown_lo <= 0.0 && shown_hi >= 0.0,
                    "{}",
                    ci_pp(Some((lo, hi)))
                );
            }
        }
        assert_eq!(ci_pp(Some((0.31, 0.42))), "(95% CI +31 to +42 points)");
        assert_eq!(pp(0.004), "+0.4");
        assert_eq!(pp(0.0), "0");
        // One point is singular.
        let d = |mean| Estimate {
            mean,
            ci: Some((0.005, 0.02)),
            n: 3,
        };
        assert!(difference(&d(0.01)).starts_with("+1 percentage point (95% CI"));
        assert!(difference(&d(-0.01)).starts_with("-1 percentage point (95% CI"));
        assert!(difference(&d(0.011)).starts_with("+1 percentage point"));
        assert!(difference(&d(0.02)).starts_with("+2 percentage points"));
        assert!(difference(&d(0.1)).starts_with("+10 percentage points"));
    }

    /// A group-size run in memory: per (variant, size), the duration at which each run's 10
    /// groups ended, for 3 replications of 60 months.
    fn data(values: &[(&str, u64, u64)]) -> RunData {
        let mut runs = Vec::new();
        let mut durations = Vec::new();
        for (variant, size, ended_at) in values {
            for r in 0..3 {
                let run_id = runs.len() as u64;
                runs.push(RunRow {
                    run_id,
                    variant: variant.to_string(),
                    point: vec![size.to_string()],
                    replication: r,
                    seed: r,
                    values: vec![],
                });
                durations.push((run_id, *ended_at, 10));
            }
        }
        let mut d = RunData {
            dir: PathBuf::from("run"),
            summary: SummaryTable::default(),
            runs: RunsTable {
                swept: vec![SIZE_PARAM.into()],
                metrics: vec![],
                rows: runs,
            },
            aggregates: Default::default(),
            manifest: Some(serde_json::json!({"experiment": {"steps": 60}})),
            parameters: None,
        };
        for (run_id, ended_at, n) in durations {
            d.add_ended_groups(run_id, ended_at, n);
        }
        d
    }

    #[test]
    fn best_size_is_named_only_when_it_beats_the_runner_up() {
        let d = data(&[
            ("baseline", 2, 5),
            ("baseline", 8, 30),
            ("baseline", 40, 10),
            ("joint", 2, 5),
            ("joint", 8, 30),
            ("joint", 40, 40),
        ]);
        let a = analyse(&d).unwrap();
        assert_eq!(a.horizon, 24);
        let base = &a.regimes[0];
        assert_eq!(base.best().size, 8);
        assert_eq!(base.best().survival.mean, 1.0);
        assert_eq!(base.sizes[0].survival.mean, 0.0);
        assert!(base.best_is_clear());
        let (runner, diff) = base.runner_up.as_ref().unwrap();
        assert_eq!(
            (*runner, diff.mean),
            (2, 1.0),
            "ties go to the smaller size"
        );
        assert!(
            key_box(&with_replications(base.clone(), 30), 24)
                .contains("groups of <b>8 members</b> lasted best")
        );
        let joint = &a.regimes[1];
        assert_eq!(joint.best().size, 8, "ties go to the smaller size");
        assert_eq!(joint.ties, [40]);
        assert!(!joint.best_is_clear(), "a tie cannot be told apart");
        let text = key_box(&with_replications(joint.clone(), 30), 24);
        assert!(text.contains("no size stands out"), "{text}");
        assert!(text.contains("includes 0"), "{text}");
    }

    /// When no group of any size was still going at the horizon, every size ties at 0%: the
    /// page says that no size kept co-production going, and names none of them best or
    /// longest-lasting anywhere.
    #[test]
    fn no_size_is_named_when_every_size_ties_at_0() {
        let mut d = data(&[
            ("baseline", 2, 5),
            ("baseline", 8, 5),
            ("baseline", 40, 5),
            ("joint", 2, 5),
            ("joint", 8, 30),
            ("joint", 40, 10),
        ]);
        with_forces(&mut d, |size| match size {
            2 => (2, 0.4, 1.0, 0.98),
            8 => (8, 0.3, 1.0, 0.86),
            _ => (40, 0.1, 0.5, 0.22),
        });
        let a = analyse(&d).unwrap();
        let none = with_replications(a.regimes[0].clone(), 30);
        assert!(none.sizes.iter().all(|s| s.survival.mean == 0.0));
        let key = key_box(&none, 24);
        assert!(
            key.contains("<b>no size kept co-production going</b>"),
            "{key}"
        );
        for named in [
            "did best",
            "lasted best",
            "lasted longest",
            "exactly as well",
        ] {
            assert!(!key.contains(named), "{named}: {key}");
        }
        let forces = measured_forces(&none);
        assert!(!forces.contains("lasted longest"), "{forces}");
        assert!(!forces.contains("best size"), "{forces}");
        let mut table = String::new();
        size_table(&mut table, &analyse(&d).unwrap());
        assert!(!table.contains("<b>0%"), "{table}");
        let joint = with_replications(a.regimes[1].clone(), 30);
        let change = one_change_at_a_time(&[none.clone(), joint.clone()], 24);
        assert!(!change.contains("longest-lasting size 2"), "{change}");
        // No size of the first regime for a force's removal to move.
        assert!(!change.contains("A force that is needed"), "{change}");
        // No size to move from: the joint regime's size is given without "moves the ...".
        assert!(
            change.contains("<li>Variant joint: best size 8 members"),
            "{change}"
        );
        let between = between_regimes(&none, &joint, 24);
        assert!(!between.contains("highest share"), "{between}");
        assert!(between.contains("no size kept groups going"), "{between}");
    }

    /// Caps below `groups.min_members` are caps at which no group can start: the intro, which
    /// gives the range of caps run, says so of them, as the tables below say "no group
    /// started".
    #[test]
    fn the_intro_says_at_which_caps_no_group_can_start() {
        let mut d = data(&[
            ("baseline", 2, 5),
            ("baseline", 3, 5),
            ("baseline", 8, 30),
            ("baseline", 40, 10),
        ]);
        let min_members = |value: &str| {
            serde_json::json!({
                "experiment": {"steps": 60},
                "parameters": [{"name": "groups.min_members", "value": value}]
            })
        };
        d.manifest = Some(min_members("4"));
        let text = intro(&d, &analyse(&d).unwrap());
        assert!(
            text.contains(
                "At caps 2 and 3 no group can start: a group needs at least 4 members to start \
                 (<code>groups.min_members</code>)"
            ),
            "{text}"
        );
        d.manifest = Some(min_members("3"));
        let text = intro(&d, &analyse(&d).unwrap());
        assert!(text.contains("At cap 2 no group can start"), "{text}");
        d.manifest = Some(min_members("2"));
        let text = intro(&d, &analyse(&d).unwrap());
        assert!(!text.contains("no group can start"), "{text}");
    }

    /// One group per run of `data`, producing 10 months with `members` members, first-month
    /// effort per member `start`, effort per member over the life `start x decay`, labour kept
    /// `kept` and a need of `0.6 + 0.1 x members`.
    fn with_forces(d: &mut RunData, per_size: impl Fn(u64) -> (u32, f64, f64, f64)) {
        let runs: Vec<(u64, u64)> = d
            .runs
            .rows
            .iter()
            .map(|r| (r.run_id, r.point[0].parse().unwrap()))
            .collect();
        for (run_id, size) in runs {
            let (members, start, decay, kept) = per_size(size);
            let n = f64::from(members);
            let effort = start * decay * n * 10.0;
            let life = coprod_core::GroupLife {
                months: 10,
                member_months: members * 10,
                first_effort: start * n,
                effort,
                labour: effort,
                coordinated: effort * kept,
                input: effort * kept,
                needed: (0.6 + 0.1 * n) * 10.0,
                months_met: 5,
            };
            d.add_group_life(run_id, u64::from(members), &life);
        }
    }

    /// The baseline at caps 2, 8 and 40, whose groups end after 5, 30 and 10 months.
    fn baseline_at_2_8_40() -> RunData {
        data(&[
            ("baseline", 2, 5),
            ("baseline", 8, 30),
            ("baseline", 40, 10),
        ])
    }

    #[test]
    fn the_forces_on_the_page_are_measured_in_the_run() {
        let mut d = baseline_at_2_8_40();
        let a = analyse(&d).unwrap();
        assert!(
            a.regimes[0].forces.is_none(),
            "no production columns, no forces"
        );
        assert!(measured_forces(&a.regimes[0]).contains("cannot be measured"));
        // Effort per member falls with size, coordination keeps less of it.
        let forces = |size: u64| match size {
            2 => (2, 0.4, 1.0, 0.98),
            8 => (8, 0.3, 1.0, 0.86),
            _ => (40, 0.1, 0.5, 0.22),
        };
        with_forces(&mut d, forces);
        let r = &analyse(&d).unwrap().regimes[0];
        assert_eq!(r.best().size, 8);
        let text = measured_forces(r);
        // 8 -> 2: capacity x0.25 is the strongest force against the smaller size.
        assert!(
            text.contains("going to 2 members, capacity lowers the ratio most (×0.25)"),
            "{text}"
        );
        // 8 -> 40: hurdle 1.4 / 4.6 = x0.30; start 0.1 / 0.3 = x0.33; decay x0.50;
        // coordination 0.22 / 0.86 = x0.26, the strongest.
        assert!(text.contains("<td class=\"num\">×0.30</td>"), "{text}");
        assert!(text.contains("<td class=\"num\">×0.33</td>"), "{text}");
        assert!(text.contains("<td class=\"num\">×0.50</td>"), "{text}");
        assert!(
            text.contains("going to 40 members, coordination cost lowers the ratio most (×0.26)"),
            "{text}"
        );
        // Another run, other numbers: without the decay at 40, with effort per member half
        // as diluted, free riding no longer ranks and the hurdle does.
        let mut other = baseline_at_2_8_40();
        with_forces(&mut other, |size| match size {
            40 => (40, 0.2, 1.0, 0.8),
            s => forces(s),
        });
        let text = measured_forces(&analyse(&other).unwrap().regimes[0]);
        assert!(
            text.contains("going to 40 members, the hurdle lowers the ratio most (×0.30)"),
            "{text}"
        );
        assert!(!text.contains("×0.26"), "{text}");
    }

    #[test]
    fn the_forces_table_states_each_size_and_where_input_to_need_peaks() {
        let mut d = baseline_at_2_8_40();
        let forces = |size: u64| match size {
            2 => (2, 0.4, 1.0, 0.98),
            8 => (8, 0.3, 1.0, 0.86),
            _ => (40, 0.1, 0.5, 0.22),
        };
        with_forces(&mut d, forces);
        let r = &analyse(&d).unwrap().regimes[0];
        let text = measured_forces(r);
        // Size 8, three groups: 8 members, 0.3 effort each, no decay, 86% kept, a need of
        // 0.6 + 0.1 x 8 = 1.4, input / need = 0.3 x 8 x 0.86 / 1.4 = 1.47, met 5 of 10 months.
        assert!(
            text.contains(
                "<tr><td class=\"num\">8</td><td class=\"num\">3</td><td class=\"num\">8.00</td>\
                 <td class=\"num\">0.30</td><td class=\"num\">1.00</td><td class=\"num\">86%</td>\
                 <td class=\"num\">1.40</td><td class=\"num\">1.47</td><td class=\"num\">50%</td></tr>"
            ),
            "{text}"
        );
        // Size 40: 0.1 x 0.5 x 40 x 0.22 / 4.6 = 0.10.
        assert!(
            text.contains(
                "<tr><td class=\"num\">40</td><td class=\"num\">3</td><td class=\"num\">40.00</td>\
                 <td class=\"num\">0.10</td><td class=\"num\">0.50</td><td class=\"num\">22%</td>\
                 <td class=\"num\">4.60</td><td class=\"num\">0.10</td><td class=\"num\">50%</td></tr>"
            ),
            "{text}"
        );
        // The ratio peaks at the best size (0.98, 1.47, 0.10): nothing to reconcile.
        assert!(!text.contains("Input ÷ need is highest"), "{text}");
        // At 40 members 0.3 x 40 x 0.9 / 4.6 = 2.35, above the best size's 1.47.
        let mut other = baseline_at_2_8_40();
        with_forces(&mut other, |size| match size {
            40 => (40, 0.3, 1.0, 0.9),
            s => forces(s),
        });
        let mut r = analyse(&other).unwrap().regimes[0].clone();
        r.runner_up = Some((2, est(0.2, 0.05, 0.35)));
        let text = measured_forces(&with_replications(r.clone(), 30));
        assert!(
            text.contains(
                "Input ÷ need is highest at 40 members, not at the best size for lasting"
            ),
            "{text}"
        );
    }

    #[test]
    fn survival_is_reported_with_medians_and_hazard_ratios_from_the_run() {
        let d = baseline_at_2_8_40();
        let r = &analyse(&d).unwrap().regimes[0];
        assert_eq!(r.best().size, 8);
        // Size 2: 10 ends in 10 x 5 group-months; size 8: 10 ends in 10 x 30.
        let (median, hr, _) = &r.long_run[0];
        assert_eq!(*median, 5.0);
        assert!((hr.mean - 6.0).abs() < 1e-12, "{hr:?}");
        assert_eq!(r.long_run[1].1.mean, 1.0);
        let text = long_run_table(r, (24, 60));
        assert!(
            text.contains("<td class=\"num\">6.00 (6.00 to 6.00)</td>"),
            "{text}"
        );
        assert!(text.contains("<td class=\"num\">30</td>"), "{text}");
    }

    #[test]
    fn a_share_above_0_or_below_1_is_never_shown_as_0_or_100_percent() {
        assert_eq!(pct(0.42), "42%");
        assert_eq!(pct(0.0), "0%");
        assert_eq!(pct(1.0), "100%");
        // 7 of 3,980 groups still going; the task met in 1 of 9,680 months.
        assert_eq!(pct(0.001823), "0.2%");
        assert_eq!(pct(0.0001033), "0.01%");
        assert_eq!(pct(0.9996), "99.96%");
        assert_eq!(pct(f64::NAN), "n/a");
    }

    #[test]
    fn a_size_at_which_no_group_started_is_said_to_have_none() {
        // As with `--set groups.min_members=3`: groups capped at 2 never start, so the runs
        // at that size have no groups.
        let mut d = data(&[("baseline", 8, 30), ("baseline", 40, 10)]);
        with_forces(&mut d, |size| match size {
            8 => (8, 0.3, 1.0, 0.86),
            _ => (40, 0.1, 0.5, 0.22),
        });
        for r in 0..3 {
            let run_id = d.runs.rows.len() as u64;
            d.runs.rows.push(RunRow {
                run_id,
                variant: "baseline".into(),
                point: vec!["2".into()],
                replication: r,
                seed: r,
                values: vec![],
            });
        }
        let r = &analyse(&d).unwrap().regimes[0];
        assert_eq!(r.best().size, 8);
        assert_eq!(r.sizes[0].started, 0);
        assert_eq!(r.sizes[1].started, 30);
        let table = long_run_table(r, (24, 60));
        assert!(
            table.contains("<td class=\"num\">2</td><td class=\"num\">n/a</td><td class=\"num\">no group started</td>"),
            "{table}"
        );
        assert!(!table.contains("over half still going"), "{table}");
        let forces = measured_forces(r);
        assert!(
            forces.contains(
                "going to 2 members, nothing was measured: no group of that size produced"
            ),
            "{forces}"
        );
        assert!(!forces.contains("no force lowers the ratio"), "{forces}");
        let key = key_box(&with_replications(r.clone(), 30), 24);
        assert!(
            key.contains(
                "Against the smallest groups (2 members): no group of that size started, so \
                 there is nothing to compare."
            ),
            "{key}"
        );
        assert!(!key.contains("n/a percentage points"), "{key}");
    }

    #[test]
    fn runs_without_a_size_sweep_are_refused() {
        let mut d = data(&[("baseline", 2, 5)]);
        d.runs.swept = vec!["levers.outreach".into()];
        let e = analyse(&d).unwrap_err().to_string();
        assert!(e.contains("does not sweep `levers.group_size_cap`"), "{e}");
    }

    #[test]
    fn a_variant_needs_two_sizes_and_two_are_enough() {
        let e = analyse(&data(&[("baseline", 2, 30)]))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("variant `baseline` has fewer than two group sizes in runs.csv"),
            "{e}"
        );
        let a = analyse(&data(&[("baseline", 2, 5), ("baseline", 8, 30)])).unwrap();
        let sizes: Vec<u64> = a.regimes[0].sizes.iter().map(|s| s.size).collect();
        assert_eq!(sizes, [2, 8]);
        assert_eq!(a.regimes[0].best().size, 8);
    }

    /// A run (variant, size cap, replication, participation over the last 12 months) and
    /// its started groups (month formed, month ended or `None` if still active, end reason).
    type Run<'a> = (&'a str, u64, u64, f64, Vec<(u64, Option<u64>, &'a str)>);

    /// A run directory in memory built from its groups as groups.csv holds them, with a
    /// `participation_rate` of runs.csv and timeseries.csv (the run's value every month);
    /// 60 months.
    fn tallied(runs: &[Run]) -> RunData {
        let metric = "participation_rate".to_string();
        let mut d = data(&[]);
        d.runs.metrics = vec![metric.clone()];
        let mut tally = crate::data::Tally::new(vec![metric]);
        for (run_id, (variant, cap, replication, members, groups)) in runs.iter().enumerate() {
            let run_id = run_id as u64;
            let point = vec![cap.to_string()];
            d.runs.rows.push(RunRow {
                run_id,
                variant: variant.to_string(),
                point: point.clone(),
                replication: *replication,
                seed: *replication,
                values: vec![*members],
            });
            tally.add_run(run_id, variant, &point);
            for step in 0..60 {
                tally.add_step(run_id, step, &[*members]);
            }
            for &(formed, ended, reason) in groups {
                tally.add_group(&coprod_output::read::GroupRow {
                    run_id,
                    size_cap: *cap,
                    size_at_formation: (*cap).min(4),
                    formed_step: formed,
                    ended_step: ended,
                    end_reason: reason.into(),
                    life: None,
                });
            }
        }
        d.set_tally(tally);
        d
    }

    /// Sets parameters of `variant` at each of its sizes, as parameters.csv records them.
    fn set_parameters(d: &mut RunData, variant: &str, values: &[(&str, &str)]) {
        let mut points: Vec<Vec<String>> = d
            .runs
            .rows
            .iter()
            .filter(|r| r.variant == variant)
            .map(|r| r.point.clone())
            .collect();
        points.dedup();
        let table = d
            .parameters
            .get_or_insert_with(|| coprod_output::read::ParametersTable {
                swept: vec![SIZE_PARAM.into()],
                rows: vec![],
            });
        for point in points {
            for (name, value) in values {
                table.rows.retain(|r| {
                    !(r.variant == variant && r.point == point && r.parameter == *name)
                });
                table.rows.push(coprod_output::ParameterRow {
                    variant: variant.into(),
                    point: point.clone(),
                    parameter: name.to_string(),
                    value: value.to_string(),
                    unit: String::new(),
                    source: "scenario".into(),
                });
            }
        }
    }

    /// Two regimes over caps 2, 8 and 40, three replications alike. Per-member service
    /// (baseline), all formed at step 0: at cap 2 two groups end at steps 5 and 10, in
    /// months 6 and 11 of their lives (too few members, task failed), at cap 8 one ends at
    /// step 30 (task failed) and one is still active, at cap 40 three end at steps 10, 12
    /// (too few members) and 20 (task failed) and one is still active; still going at 24
    /// months: 0%, 100%, 25%. Joint supply: one group still active at cap 2, none at cap 8,
    /// one ending at step 10 at cap 40 (too few members). Membership: per-member
    /// 20%, 30%, 50%; joint 60%, 70%, 80%.
    fn lesson() -> RunData {
        let mut runs: Vec<Run> = Vec::new();
        for rep in 0..3 {
            runs.push((
                "baseline",
                2,
                rep,
                0.2,
                vec![
                    (0, Some(5), "too_few_members"),
                    (0, Some(10), "failed_task"),
                ],
            ));
            runs.push((
                "baseline",
                8,
                rep,
                0.3,
                vec![(0, Some(30), "failed_task"), (0, None, "active")],
            ));
            runs.push((
                "baseline",
                40,
                rep,
                0.5,
                vec![
                    (0, Some(10), "too_few_members"),
                    (0, Some(12), "too_few_members"),
                    (0, Some(20), "failed_task"),
                    (0, None, "active"),
                ],
            ));
            runs.push(("joint", 2, rep, 0.6, vec![(0, None, "active")]));
            runs.push(("joint", 8, rep, 0.7, vec![]));
            runs.push((
                "joint",
                40,
                rep,
                0.8,
                vec![(0, Some(10), "too_few_members")],
            ));
        }
        let mut d = tallied(&runs);
        let common = [
            ("behaviour.attention", "3"),
            ("groups.min_members", "2"),
            ("groups.min_effort", "1"),
            ("groups.min_effort_per_member", "0"),
            ("groups.failure_patience", "3"),
        ];
        set_parameters(&mut d, "baseline", &common);
        set_parameters(
            &mut d,
            "baseline",
            &[
                ("groups.service", "per_member"),
                ("groups.coordination_cost", "0.02"),
            ],
        );
        set_parameters(&mut d, "joint", &common);
        set_parameters(
            &mut d,
            "joint",
            &[
                ("groups.service", "joint"),
                ("groups.coordination_cost", "0"),
            ],
        );
        d
    }

    #[test]
    fn how_groups_ended_is_counted_per_regime_and_cap_class() {
        let a = analyse(&lesson()).unwrap();
        let (base, joint) = (&a.regimes[0], &a.regimes[1]);
        assert_eq!(
            base.endings,
            [
                ("small groups (cap up to 5)".to_string(), 6, 3, 3, 0),
                ("medium groups (cap 6–15)".to_string(), 6, 0, 3, 3),
                ("large groups (cap 16+)".to_string(), 12, 6, 3, 3),
            ]
        );
        assert_eq!(
            joint.endings,
            [
                ("small groups (cap up to 5)".to_string(), 3, 0, 0, 3),
                ("medium groups (cap 6–15)".to_string(), 0, 0, 0, 0),
                ("large groups (cap 16+)".to_string(), 3, 3, 0, 0),
            ]
        );
        let d = lesson();
        let text = how_groups_ended(&d, base);
        for row in [
            "<tr><td>small groups (cap up to 5)</td><td class=\"num\">6</td><td class=\"num\">50%</td>\
             <td class=\"num\">50%</td><td class=\"num\">0%</td></tr>",
            "<tr><td>medium groups (cap 6–15)</td><td class=\"num\">6</td><td class=\"num\">0%</td>\
             <td class=\"num\">50%</td><td class=\"num\">50%</td></tr>",
            "<tr><td>large groups (cap 16+)</td><td class=\"num\">12</td><td class=\"num\">50%</td>\
             <td class=\"num\">25%</td><td class=\"num\">25%</td></tr>",
        ] {
            assert!(text.contains(row), "{row}\n{text}");
        }
        assert!(text.contains("below 2, the capacity problem"), "{text}");
        assert!(text.contains("for 3 months in a row"), "{text}");
        // No group started at the medium caps of joint supply: no shares to state.
        let text = how_groups_ended(&d, joint);
        assert!(
            text.contains(
                "<tr><td>medium groups (cap 6–15)</td><td class=\"num\">0</td><td class=\"num\">–</td>\
                 <td class=\"num\">–</td><td class=\"num\">–</td></tr>"
            ),
            "{text}"
        );
    }

    #[test]
    fn long_run_membership_is_read_per_regime_and_size() {
        let a = analyse(&lesson()).unwrap();
        let base = &a.regimes[0];
        assert_eq!(base.best().size, 8);
        let members: Vec<f64> = base.long_run.iter().map(|l| l.2.mean).collect();
        for (m, expected) in members.iter().zip([0.2, 0.3, 0.5]) {
            assert!((m - expected).abs() < 1e-12, "{members:?}");
        }
        let joint: Vec<f64> = a.regimes[1].long_run.iter().map(|l| l.2.mean).collect();
        for (m, expected) in joint.iter().zip([0.6, 0.7, 0.8]) {
            assert!((m - expected).abs() < 1e-12, "{joint:?}");
        }
        let text = long_run_table(base, (a.horizon, a.steps));
        assert!(
            text.contains("<td class=\"num\">30.0% (30.0% to 30.0%)</td>"),
            "{text}"
        );
        assert!(
            text.contains(
                "Membership and survival point to different sizes here: the most citizens were \
                 in a group at cap 40 (50.0% (50.0% to 50.0%)), while groups lasted longest at 8."
            ),
            "{text}"
        );
    }

    #[test]
    fn forces_switched_off_for_the_run_are_not_explained_as_acting() {
        // `coprod teach --set channels.monitoring_dilution=false`: the model watches every
        // member fully at any size, so the page must not say that peer pressure fades.
        let mut d = lesson();
        for variant in ["baseline", "joint"] {
            set_parameters(
                &mut d,
                variant,
                &[("channels.monitoring_dilution", "false")],
            );
        }
        let a = analyse(&d).unwrap();
        let text = explanation(&d, &a.regimes[0], true);
        assert!(
            text.contains("each member watches all fellow members at any size"),
            "{text}"
        );
        assert!(!text.contains("only 8%"), "{text}");
        assert!(!text.contains("peer pressure fades"), "{text}");
        let text = explanation(&d, &a.regimes[1], false);
        assert!(!text.contains("still sees only"), "{text}");
        assert!(
            text.contains("<p>Here coordination cost is 0 per extra member, so a full group of 40 members keeps 100% of its effort."),
            "{text}"
        );
        // Peer monitoring, belief learning and labour capacity off.
        set_parameters(
            &mut d,
            "baseline",
            &[
                ("channels.peer_monitoring", "false"),
                ("channels.belief_learning", "false"),
                ("channels.size_capacity", "false"),
            ],
        );
        let text = explanation(&d, &analyse(&d).unwrap().regimes[0], true);
        for claim in [
            "being watched does not raise contributions at any size",
            "beliefs stay at their initial values",
            "so more members add no hands; a group dissolves when it has fewer than 2 active members",
        ] {
            assert!(text.contains(claim), "{claim}\n{text}");
        }
        for claim in [
            "a small group has few hands",
            "lower their belief",
            "watches at most",
        ] {
            assert!(!text.contains(claim), "{claim}\n{text}");
        }
        // Switched on explicitly, as parameters.csv records every switch: the usual text.
        set_parameters(
            &mut d,
            "baseline",
            &[
                ("channels.peer_monitoring", "true"),
                ("channels.monitoring_dilution", "true"),
                ("channels.belief_learning", "true"),
                ("channels.size_capacity", "true"),
            ],
        );
        let text = explanation(&d, &analyse(&d).unwrap().regimes[0], true);
        assert!(
            text.contains("in a group of 8 a member sees 43% of the others, in a group of 40 only 8%, so peer pressure fades, conditional cooperators see"),
            "{text}"
        );
        assert!(text.contains("a small group has few hands"), "{text}");
    }

    #[test]
    fn the_note_on_failed_tasks_names_only_the_forces_that_acted() {
        let mut d = lesson();
        let note = |d: &RunData| {
            let text = explanation(d, &analyse(d).unwrap().regimes[0], true);
            let start = text.find("\"Task failed\"").expect("the note");
            text[start..].split("</p>").next().unwrap().to_string()
        };
        // The lesson's baseline: coordination 0.02, no per-member hurdle, every channel on.
        assert_eq!(
            note(&d),
            "\"Task failed\": the group's effort stayed below the minimum viable effort for 3 \
             months in a row; in small groups because there are few hands, in large groups \
             because of free-riding and coordination cost."
        );
        set_parameters(
            &mut d,
            "baseline",
            &[
                ("groups.min_effort_per_member", "0.1"),
                ("channels.monitoring_dilution", "false"),
            ],
        );
        assert!(
            note(&d).ends_with(
                "; in small groups because there are few hands, in large groups because of \
                 coordination cost and the effort the task needs per member served."
            ),
            "{}",
            note(&d)
        );
        set_parameters(
            &mut d,
            "baseline",
            &[
                ("channels.monitoring_dilution", "true"),
                ("channels.size_capacity", "false"),
            ],
        );
        assert!(
            note(&d).ends_with(
                "in a row; in large groups because of free-riding, coordination cost and the \
                 effort the task needs per member served."
            ),
            "{}",
            note(&d)
        );
        // Nothing that depends on size acted: the note gives no cause.
        set_parameters(
            &mut d,
            "baseline",
            &[
                ("channels.peer_monitoring", "false"),
                ("groups.coordination_cost", "0"),
                ("groups.min_effort_per_member", "0"),
            ],
        );
        assert!(note(&d).ends_with("for 3 months in a row."), "{}", note(&d));
    }

    #[test]
    fn the_why_states_this_runs_parameters_and_what_they_imply() {
        let mut d = lesson();
        let a = analyse(&d).unwrap();
        let (base, joint) = (&a.regimes[0], &a.regimes[1]);
        assert_eq!((base.best().size, joint.best().size), (8, 2));
        let text = explanation(&d, base, true);
        for claim in [
            "fewer than 2 active members",
            "watches at most 3 fellow members",
            // 3 / 7 and 3 / 39 of the others.
            "in a group of 8 a member sees 43% of the others, in a group of 40 only 8%",
            // 1 - 0.02 x 7 and 1 - 0.02 x 39.
            "each extra member costs 0.02 of everyone's effort (coordination cost = 0.02 × \
             (n − 1)), so a full group of 8 keeps 86% of its effort and a full group of 40 \
             keeps 22%",
            "In the <b>per-member</b> regime",
            "the minimum viable effort does not grow with the group (1 effort units whatever \
             its size)",
            "After 3 failed months in a row a group dissolves.</p>",
            "<p>How groups ended in this run (per-member service):</p>",
        ] {
            assert!(text.contains(claim), "{claim}\n{text}");
        }
        assert!(!text.contains("Here a member"), "{text}");
        let text = explanation(&d, joint, false);
        for claim in [
            "<p>Here a member of a group of 40 still sees only 8% of the others, but \
             coordination cost is 0 per extra member, so a full group of that size keeps 100% \
             of its effort.",
            "In the <b>joint</b> regime the service is non-rival",
            "the minimum viable effort stays at 1 effort units whatever the size",
            "extra members cost no coordination effort in these runs, so coordination no \
             longer works against large groups.",
        ] {
            assert!(text.contains(claim), "{claim}\n{text}");
        }
        assert!(!text.contains("Three forces"), "{text}");
        assert!(!text.contains("per-member</b> regime"), "{text}");
        // A hurdle that grows with the group, and coordination that costs in joint supply.
        set_parameters(
            &mut d,
            "baseline",
            &[("groups.min_effort_per_member", "0.1")],
        );
        set_parameters(
            &mut d,
            "joint",
            &[
                ("groups.min_effort_per_member", "0.1"),
                ("groups.coordination_cost", "0.02"),
            ],
        );
        let text = service(&d, base);
        assert!(
            text.contains(
                "the minimum viable effort grows with the group (1 + 0.1 × n effort units)"
            ),
            "{text}"
        );
        assert!(!text.contains("does not grow"), "{text}");
        let text = service(&d, joint);
        assert!(
            text.contains(
                "the task still needs more effort the more members it serves (1 + 0.1 × n effort \
                 units), and coordination still costs 0.02 of everyone's effort per extra member"
            ),
            "{text}"
        );
        // A service the page does not know: no sentence about it.
        let mut other = joint.clone();
        other.service = "custom".into();
        assert_eq!(service(&d, &other), "</p>");
    }

    #[test]
    fn without_a_known_share_the_page_says_whether_groups_started() {
        // Per-member groups start late in the run and are still active, followed 10 months.
        let mut runs: Vec<Run> = Vec::new();
        for cap in [2, 8] {
            runs.push(("baseline", cap, 0, 0.1, vec![(50, None, "active")]));
            runs.push(("joint", cap, 0, 0.1, vec![]));
        }
        let e = analyse(&tallied(&runs)).unwrap_err().to_string();
        assert!(
            e.contains(
                "in variant `baseline` no group was followed for 24 months at any size, so how \
                 long groups last is unknown"
            ),
            "{e}"
        );
        let nothing: Vec<Run> = vec![("joint", 2, 0, 0.1, vec![]), ("joint", 8, 0, 0.1, vec![])];
        let e = analyse(&tallied(&nothing)).unwrap_err().to_string();
        assert!(
            e.contains("in variant `joint` no group started at any size"),
            "{e}"
        );
    }

    fn est(mean: f64, lo: f64, hi: f64) -> Estimate {
        Estimate {
            mean,
            ci: Some((lo, hi)),
            n: 3,
        }
    }

    /// A regime by hand: its sizes with their shares and intervals, the best at index
    /// `best`, the runner-up and the differences against the smallest and largest sizes.
    fn by_hand(
        label: &str,
        sizes: &[(u64, f64, f64, f64)],
        best: usize,
        runner_up: (u64, Estimate),
    ) -> Regime {
        rebuilt(Regime {
            variant: label.into(),
            label: label.into(),
            service: String::new(),
            sizes: sizes
                .iter()
                .map(|&(size, mean, lo, hi)| SizeResult {
                    size,
                    survival: est(mean, lo, hi),
                    started: 10,
                })
                .collect(),
            best,
            ties: vec![],
            runner_up: Some(runner_up),
            vs_smallest: est(0.5, 0.3, 0.7),
            vs_largest: est(0.4, 0.2, 0.6),
            vs_each: vec![],
            endings: vec![],
            long_run: vec![],
            forces: None,
        })
    }

    /// The regime with its differences from the best size made again by hand: 0 for the
    /// best, the runner-up's own, and a difference clear of 0 for every other size (as a
    /// regime whose best or runner-up a test changed must have).
    fn rebuilt(mut r: Regime) -> Regime {
        let best = r.best().survival.mean;
        r.vs_each = (r.sizes.iter().enumerate())
            .map(|(i, size)| match &r.runner_up {
                _ if i == r.best => est(0.0, 0.0, 0.0),
                Some((s, d)) if *s == size.size => *d,
                _ => {
                    let d = best - size.survival.mean;
                    est(d, (d * 0.5).min(d * 1.5), (d * 0.5).max(d * 1.5))
                }
            })
            .collect();
        r
    }

    /// Sizes 2, 8, 16 and 40 with shares 20%, 50%, 70% and 30%.
    const FOUR: [(u64, f64, f64, f64); 4] = [
        (2, 0.2, 0.1, 0.3),
        (8, 0.5, 0.4, 0.6),
        (16, 0.7, 0.6, 0.8),
        (40, 0.3, 0.2, 0.4),
    ];

    const SMALLEST: &str = "Against the smallest groups (2 members): +50 percentage points \
                            (95% CI +30 to +70 points).";
    const LARGEST: &str = "Against the largest groups (40 members): +40 percentage points \
                           (95% CI +20 to +60 points).";

    /// With too few replications for their intervals, a size clearly ahead of the
    /// runner-up is said to have lasted longest in those replications, not to be the best.
    #[test]
    fn few_replications_name_no_size_best() {
        let r = by_hand("a", &FOUR, 2, (8, est(0.2, 0.05, 0.35)));
        let text = key_box(&with_replications(r.clone(), 3), 24);
        assert!(
            text.contains(
                "groups of <b>16 members</b> lasted longest in these 3 replications \
                 (tentative): <b>70%</b>"
            ),
            "{text}"
        );
        assert!(!text.contains("lasted best"), "{text}");
        for n in [10, 30] {
            let text = key_box(&with_replications(r.clone(), n), 24);
            assert!(
                text.contains("<b>16 members</b> lasted best"),
                "{n}: {text}"
            );
        }
    }

    /// The regime as if each size had run `n` replications.
    fn with_replications(mut r: Regime, n: u64) -> Regime {
        for size in &mut r.sizes {
            size.survival.n = n;
        }
        r
    }

    /// The explanations and the forces name the size that lasted longest "the best size"
    /// only when the key numbers do: clear of the runner-up, from 10 or more replications.
    #[test]
    fn the_forces_call_a_size_best_only_when_the_key_numbers_do() {
        let mut d = baseline_at_2_8_40();
        with_forces(&mut d, |size| match size {
            2 => (2, 0.4, 1.0, 0.98),
            8 => (8, 0.3, 1.0, 0.86),
            _ => (40, 0.3, 1.0, 0.9),
        });
        let mut r = analyse(&d).unwrap().regimes[0].clone();
        assert_eq!(r.best().size, 8);
        r.runner_up = Some((2, est(0.2, 0.05, 0.35)));
        let firm = [
            "From the best size, 8 members,",
            "<b>Below the best size</b>",
            "<b>Above the best size</b>",
            "not at the best size for lasting",
        ];
        let tentative = [
            "From the size that lasted longest, 8 members,",
            "<b>Below the size that lasted longest</b>",
            "<b>Above the size that lasted longest</b>",
            "not at the size that lasted longest:",
        ];
        let text = measured_forces(&with_replications(r.clone(), 10));
        for words in firm {
            assert!(text.contains(words), "{words}\n{text}");
        }
        assert!(!text.contains("lasted longest"), "{text}");
        let few = measured_forces(&with_replications(r.clone(), 9));
        r.runner_up = Some((2, est(0.2, -0.05, 0.35)));
        let unclear = measured_forces(&with_replications(r, 30));
        for text in [few, unclear] {
            for words in tentative {
                assert!(text.contains(words), "{words}\n{text}");
            }
            assert!(!text.contains("best size"), "{text}");
        }
    }

    #[test]
    fn the_key_numbers_compare_the_best_size_with_each_size_once() {
        let clear = est(0.2, 0.05, 0.35);
        // Best 16, runner-up 8: against the runner-up, the smallest and the largest.
        let r = by_hand("per-member service", &FOUR, 2, (8, clear));
        let text = key_box(&with_replications(r.clone(), 30), 24);
        assert!(
            text.starts_with(
                "<div class=\"key\"><b>Per-member service</b>: groups of <b>16 members</b> lasted \
                 best: <b>70%</b> of them were still going 24 months after they started (95% CI \
                 60% to 80%).<br>Against the runner-up, groups of 8: +20 percentage points (95% \
                 CI +5 to +35 points)."
            ),
            "{text}"
        );
        assert!(text.contains(SMALLEST) && text.contains(LARGEST), "{text}");
        assert!(!text.contains("did exactly as well"), "{text}");
        // The best is the smallest size: no comparison with itself.
        let text = key_box(
            &with_replications(by_hand("a", &FOUR, 0, (8, clear)), 30),
            24,
        );
        assert!(
            !text.contains("smallest groups") && text.contains(LARGEST),
            "{text}"
        );
        // The runner-up is the smallest size: said once, as the runner-up.
        let text = key_box(
            &with_replications(by_hand("a", &FOUR, 2, (2, clear)), 30),
            24,
        );
        assert!(
            text.contains("Against the runner-up, groups of 2: +20"),
            "{text}"
        );
        assert!(
            !text.contains("smallest groups") && text.contains(LARGEST),
            "{text}"
        );
        // The best is the largest size.
        let text = key_box(
            &with_replications(by_hand("a", &FOUR, 3, (16, clear)), 30),
            24,
        );
        assert!(
            text.contains(SMALLEST) && !text.contains("largest groups"),
            "{text}"
        );
        // The runner-up is the largest size.
        let text = key_box(
            &with_replications(by_hand("a", &FOUR, 1, (40, clear)), 30),
            24,
        );
        assert!(
            text.contains("Against the runner-up, groups of 40: +20"),
            "{text}"
        );
        assert!(
            text.contains(SMALLEST) && !text.contains("largest groups"),
            "{text}"
        );
        // The largest size ties with the best: it did exactly as well, nothing to compare.
        let mut r = by_hand("a", &FOUR, 1, (16, est(0.0, 0.0, 0.0)));
        r.ties = vec![16, 40];
        let text = key_box(&with_replications(r.clone(), 30), 24);
        assert!(text.contains("<b>no size stands out</b>"), "{text}");
        assert!(
            text.contains(" Sizes 16, 40 did exactly as well."),
            "{text}"
        );
        assert!(
            text.contains(SMALLEST) && !text.contains("largest groups"),
            "{text}"
        );
        r.ties = vec![40];
        let text = key_box(&with_replications(r.clone(), 30), 24);
        assert!(text.contains(" Size 40 did exactly as well."), "{text}");
        assert!(!text.contains("largest groups"), "{text}");
    }

    #[test]
    fn an_interval_of_the_difference_that_includes_0_names_no_best_size() {
        let r = by_hand("a", &FOUR, 2, (8, est(0.2, -0.05, 0.25)));
        assert!(!r.best_is_clear());
        let text = key_box(&with_replications(r.clone(), 30), 24);
        assert!(
            text.contains(
                "<b>no size stands out</b>. Groups of 16 members did best, 70% still going 24 \
                 months after they started (95% CI 60% to 80%), but groups of 8 members are too \
                 close to tell apart: the difference, +20 percentage points (95% CI -5 to +25 \
                 points), includes 0"
            ),
            "{text}"
        );
        assert!(!text.contains("Against the runner-up"), "{text}");
        for ci in [(0.05, 0.35), (-0.35, -0.05)] {
            let r = by_hand("a", &FOUR, 2, (8, est(0.2, ci.0, ci.1)));
            assert!(r.best_is_clear(), "{ci:?}");
        }
        let mut r = by_hand("a", &FOUR, 2, (8, est(0.2, 0.0, 0.0)));
        r.runner_up.as_mut().unwrap().1.ci = None;
        assert!(!r.best_is_clear(), "no interval, no best size");
    }

    /// Sizes 2, 8 and 40, best 8, with the long-run columns: medians 5, unknown and 12
    /// months, hazard ratios 6, 1 and 2, membership 20%, 30% and `at_40`.
    fn long_run_of(at_40: Estimate) -> Regime {
        let mut r = by_hand(
            "per-member service",
            &[(2, 0.0, 0.0, 0.0), (8, 1.0, 0.9, 1.0), (40, 0.25, 0.1, 0.4)],
            1,
            (40, est(0.75, 0.6, 0.9)),
        );
        r.long_run = vec![
            (5.0, est(6.0, 4.0, 8.0), est(0.2, 0.1, 0.3)),
            (f64::NAN, est(1.0, 1.0, 1.0), est(0.3, 0.25, 0.35)),
            (12.0, est(2.0, 1.5, 2.5), at_40),
        ];
        r
    }

    /// A hazard ratio's interval that ends at infinity (over 2.5% of resamples had no end
    /// at the best size) is shown so and explained; a finite one is not.
    #[test]
    fn an_unbounded_hazard_ratio_interval_is_shown_and_explained() {
        let mut r = long_run_of(est(0.5, 0.4, 0.6));
        let why = "A ratio or interval end of ∞: no group of 8 members ended (in any \
                   replication for a ratio of ∞, in about 2.5% or more of the resamples of \
                   replications for an interval's end)";
        assert!(!long_run_table(&r, (24, 60)).contains(why));
        r.long_run[0].1 = Estimate {
            mean: 125.5,
            ci: Some((82.86, f64::INFINITY)),
            n: 3,
        };
        let text = long_run_table(&r, (24, 60));
        assert!(text.contains("125.50 (82.86 to ∞)"), "{text}");
        assert!(text.contains(why), "{text}");
        // No group of the best size ended in any replication: the ratio itself is infinite.
        r.long_run[0].1 = Estimate {
            mean: f64::INFINITY,
            ci: None,
            n: 3,
        };
        let text = long_run_table(&r, (24, 60));
        assert!(text.contains("<td class=\"num\">∞</td>"), "{text}");
        assert!(text.contains(why), "{text}");
    }

    #[test]
    fn the_long_run_table_says_whether_membership_and_survival_agree() {
        let text = long_run_table(&long_run_of(est(0.5, 0.4, 0.6)), (24, 60));
        for cells in [
            "<tr><td class=\"num\">2</td><td class=\"num\">0%</td><td class=\"num\">5</td>\
             <td class=\"num\">6.00 (4.00 to 8.00)</td><td class=\"num\">20.0% (10.0% to 30.0%)</td></tr>",
            "<tr><td class=\"num\">8</td><td class=\"num\">100%</td><td class=\"num\">over half \
             still going</td><td class=\"num\">1.00 (1.00 to 1.00)</td><td class=\"num\">30.0% \
             (25.0% to 35.0%)</td></tr>",
            "Membership and survival point to different sizes here: the most citizens were in a \
             group at cap 40 (50.0% (40.0% to 60.0%)), while groups lasted longest at 8.",
        ] {
            assert!(text.contains(cells), "{cells}\n{text}");
        }
        // "Best" only where the key numbers say so: clear of the runner-up in 10 or more
        // replications (here 3, so "longest" above).
        let mut firm = long_run_of(est(0.5, 0.4, 0.6));
        for size in &mut firm.sizes {
            size.survival.n = 10;
        }
        assert!(firm.best_is_firm());
        let text = long_run_table(&firm, (24, 60));
        assert!(text.contains("while groups lasted best at 8."), "{text}");
        let text = long_run_table(&long_run_of(est(0.25, 0.2, 0.3)), (24, 60));
        assert!(text.contains("whose groups lasted longest."), "{text}");
        assert!(
            text.contains("citizens in a group, last 12 months"),
            "{text}"
        );
        // A run shorter than 12 months averages all of them, and says how many.
        let text = long_run_table(&long_run_of(est(0.25, 0.2, 0.3)), (24, 10));
        assert!(
            text.contains("citizens in a group, all 10 months"),
            "{text}"
        );
        let text = long_run_table(&long_run_of(est(0.25, 0.2, 0.3)), (24, 1));
        assert!(
            text.contains("citizens in a group, its one month"),
            "{text}"
        );
        assert!(!text.contains("within each other's intervals"), "{text}");
        // Intervals that overlap: they may agree.
        let text = long_run_table(&long_run_of(est(0.5, 0.3, 0.7)), (24, 60));
        assert!(
            text.contains(
                "point to different sizes here (though within each other's intervals, so they \
                 may agree): the most citizens were in a group at cap 40"
            ),
            "{text}"
        );
        let text = long_run_table(&long_run_of(est(0.25, 0.2, 0.3)), (24, 60));
        assert!(text.contains("Membership and survival agree"), "{text}");
        assert!(!text.contains("different sizes"), "{text}");
        // No membership measured: nothing said about it.
        let mut r = long_run_of(Estimate::of([]));
        for l in &mut r.long_run {
            l.2 = Estimate::of([]);
        }
        let text = long_run_table(&r, (24, 60));
        assert_eq!(
            text.matches("<td class=\"num\">n/a</td></tr>").count(),
            3,
            "{text}"
        );
        assert!(
            !text.contains("NaN") && !text.contains("Membership and survival"),
            "{text}"
        );
    }

    #[test]
    fn the_best_size_is_compared_with_its_neighbours_and_the_extremes() {
        let sizes = [
            (2, 0.1, 0.0, 0.2),
            (4, 0.1, 0.0, 0.2),
            (8, 0.1, 0.0, 0.2),
            (16, 0.1, 0.0, 0.2),
            (40, 0.1, 0.0, 0.2),
        ];
        let expected: [(&[usize], &[usize]); 5] = [
            (&[], &[1, 4]),
            (&[0], &[2, 4]),
            (&[1, 0], &[3, 4]),
            (&[2, 0], &[4]),
            (&[3, 0], &[]),
        ];
        for (best, (below, above)) in expected.into_iter().enumerate() {
            let r = by_hand("a", &sizes, best, (2, est(0.0, 0.0, 0.0)));
            assert_eq!(
                comparisons(&r),
                (below.to_vec(), above.to_vec()),
                "best {best}"
            );
        }
    }

    /// Per-member service, best 8 (clearly); joint supply, best 40 (not clearly).
    fn two_regimes() -> (Regime, Regime) {
        let a = by_hand(
            "per-member service",
            &[(2, 0.2, 0.1, 0.3), (8, 1.0, 0.9, 1.0), (40, 0.0, 0.0, 0.0)],
            1,
            (2, est(0.8, 0.6, 1.0)),
        );
        let b = by_hand(
            "non-rival joint supply",
            &[(2, 0.1, 0.0, 0.2), (8, 0.5, 0.3, 0.7), (40, 0.67, 0.5, 0.8)],
            2,
            (8, est(0.17, -0.1, 0.4)),
        );
        (a, b)
    }

    #[test]
    fn the_regimes_are_set_side_by_side_with_their_own_numbers() {
        let (a, b) = two_regimes();
        let (a, b) = (with_replications(a, 30), with_replications(b, 30));
        let text = between_regimes(&a, &b, 24);
        assert!(
            text.contains(
                "<p>With per-member service, the best size is 8 members (100% still going after \
                 24 months); with non-rival joint supply, no size stands out, the highest share \
                 being at 40 members (67%). At 40 members, 0% of groups were still going with \
                 per-member service and 67% with non-rival joint supply.</p>"
            ),
            "{text}"
        );
        let mut down = a.clone();
        down.label = "no hurdle".into();
        down.best = 0;
        let down = rebuilt(down);
        let mut same = a.clone();
        same.label = "no coordination".into();
        let text = one_change_at_a_time(&[a.clone(), b, down, same], 24);
        for claim in [
            "<p>Per-member service: best size 8 members, 100% still going after 24 months.</p>",
            "<li>Non-rival joint supply: longest-lasting size 40 members, 67% still going after \
             24 months (not clearly better than the runner-up); the runs cannot tell whether \
             this change moves the longest-lasting size,",
            "<li>No hurdle: moves the best size down; best size 2 members, 20% still going after \
             24 months.</li>",
            "<li>No coordination: leaves the best size where it was; best size 8 members",
        ] {
            assert!(text.contains(claim), "{claim}\n{text}");
        }
        assert_eq!(one_change_at_a_time(&[a], 24), "");
    }

    /// "One change at a time" says that a change moves the best size only where the runs
    /// tell the variant's best size from the first regime's: a size the variant's best is
    /// too close to tell apart from, at or beyond the first regime's best, leaves the move
    /// unknown, and the page says so with the two sizes and the interval.
    #[test]
    fn a_change_moves_the_best_size_only_where_the_runs_show_it() {
        let (a, b) = two_regimes();
        let (a, b) = (with_replications(a, 30), with_replications(b, 30));
        // 40 lasted longest with joint supply, but 8, the first regime's best, is too close.
        let text = one_change_at_a_time(&[a.clone(), b.clone()], 24);
        assert!(
            text.contains(
                "<li>Non-rival joint supply: longest-lasting size 40 members, 67% still going \
                 after 24 months (not clearly better than the runner-up); the runs cannot tell \
                 whether this change moves the longest-lasting size, since groups of 8 members, \
                 the best size with per-member service, are too close to tell apart from those \
                 of 40 here: the difference, +17 percentage points (95% CI -10 to +40 points), \
                 includes 0.</li>"
            ),
            "{text}"
        );
        assert!(
            !text.contains("moves the longest-lasting size up"),
            "{text}"
        );
        // Once 8 is clear, the move is shown, though the size stays tentative or unclear.
        let mut clear = b.clone();
        clear.runner_up = Some((8, est(0.17, 0.05, 0.3)));
        let clear = rebuilt(clear);
        let text = one_change_at_a_time(&[a.clone(), clear.clone()], 24);
        assert!(
            text.contains(
                "<li>Non-rival joint supply: moves the best size up to the largest cap; best \
                 size 40 members, 67% still going after 24 months.</li>"
            ),
            "{text}"
        );
        let text = one_change_at_a_time(&[a.clone(), with_replications(clear.clone(), 9)], 24);
        assert!(
            text.contains(
                "<li>Non-rival joint supply: moves the longest-lasting size up to the largest \
                 cap; longest-lasting size 40 members, 67% still going after 24 months \
                 (tentative: 9 replications).</li>"
            ),
            "{text}"
        );
        // A size the first regime cannot tell from its best, at or beyond the variant's best,
        // leaves the move in doubt too.
        let mut unsure = a.clone();
        unsure.runner_up = Some((40, est(0.3, -0.1, 0.6)));
        let text = one_change_at_a_time(&[rebuilt(unsure), clear], 24);
        assert!(
            text.contains(
                "the runs cannot tell whether this change moves the longest-lasting size, since \
                 with per-member service, groups of 40 members are too close to tell apart from \
                 those of 8: the difference, +30 percentage points (95% CI -10 to +60 points), \
                 includes 0.</li>"
            ),
            "{text}"
        );
        // The same best size in both: left where it was only when neither is in doubt.
        let mut same = a.clone();
        same.label = "no coordination".into();
        let text = one_change_at_a_time(&[a.clone(), same.clone()], 24);
        assert!(
            text.contains("<li>No coordination: leaves the best size where it was; best size 8"),
            "{text}"
        );
        same.runner_up = Some((2, est(0.8, -0.1, 1.0)));
        let text = one_change_at_a_time(&[a.clone(), rebuilt(same)], 24);
        assert!(
            text.contains(
                "(not clearly better than the runner-up); the runs cannot tell whether this \
                 change moves the longest-lasting size, since groups of 2 members are too close \
                 to tell apart from those of 8 here: the difference, +80 percentage points (95% \
                 CI -10 to +100 points), includes 0.</li>"
            ),
            "{text}"
        );
        assert!(!text.contains("leaves the"), "{text}");
        // The note on forces counts only a move the list shows.
        assert!(
            text.contains(
                "A force that is needed for a best size among small groups is one whose removal \
                 moves the best size up to the largest cap: the list above says so only where \
                 the runs show it."
            ),
            "{text}"
        );
    }

    /// With 2 to 9 replications, a size clear of its runner-up is not called the best size
    /// when the regimes are compared, as in the key numbers.
    #[test]
    fn the_regimes_of_few_replications_name_no_size_best() {
        let (a, b) = two_regimes();
        let (a, b) = (with_replications(a, 9), with_replications(b, 9));
        let text = between_regimes(&a, &b, 24);
        assert!(
            text.contains(
                "<p>With per-member service, groups of 8 members lasted longest in these 9 \
                 replications, a tentative result (100% still going after 24 months);"
            ),
            "{text}"
        );
        assert!(!text.contains("the best size is"), "{text}");
        let text = one_change_at_a_time(&[a, b], 24);
        assert!(
            text.contains(
                "<p>Per-member service: longest-lasting size 8 members, 100% still going after 24 \
                 months (tentative: 9 replications).</p>"
            ),
            "{text}"
        );
        assert!(
            text.contains("40 members, 67% still going after 24 months (not clearly better"),
            "{text}"
        );
        // Not even in the note on forces: the page names no best size.
        assert!(!text.contains("best size"), "{text}");
        assert!(
            text.contains(
                "A force that is needed for a longest-lasting size among small groups is one \
                 whose removal moves the longest-lasting size up to the largest cap: the list \
                 above says so only where the runs show it."
            ),
            "{text}"
        );
        // One replication gives no interval: nothing is firm, whatever the runner-up.
        let mut one = with_replications(two_regimes().0, 1);
        one.runner_up = None;
        assert!(one.best_is_clear() && !one.best_is_firm());
        let text = key_box(&one, 24);
        assert!(
            text.contains("lasted longest in this one replication (tentative)"),
            "{text}"
        );
    }

    #[test]
    fn the_size_table_shows_every_share_and_marks_each_regimes_best() {
        let (a, b) = two_regimes();
        let analysis = Analysis {
            regimes: vec![a, b],
            steps: 60,
            horizon: 24,
            replications: 3,
        };
        let mut text = String::new();
        size_table(&mut text, &analysis);
        for row in [
            "<th>per-member service (95% CI)</th><th>non-rival joint supply (95% CI)</th>",
            "<tr><td class=\"num\">2</td><td class=\"num\">20% (10% to 30%)</td>\
             <td class=\"num\">10% (0% to 20%)</td></tr>",
            "<tr><td class=\"num\">8</td><td class=\"num\"><b>100% (90% to 100%)</b></td>\
             <td class=\"num\">50% (30% to 70%)</td></tr>",
            "<tr><td class=\"num\">40</td><td class=\"num\">0% (0% to 0%)</td>\
             <td class=\"num\"><b>67% (50% to 80%)</b></td></tr>",
        ] {
            assert!(text.contains(row), "{row}\n{text}");
        }
    }

    /// A share the page cannot give reads "n/a" with a note saying why: no group of that
    /// size started, or none still going was followed to the horizon (as at cap 16 of
    /// `non_rival` in `teach --quick`).
    #[test]
    fn an_unknown_share_is_explained_under_its_table() {
        let (mut a, b) = two_regimes();
        let analysis = |a: &Regime| Analysis {
            regimes: vec![a.clone(), b.clone()],
            steps: 60,
            horizon: 24,
            replications: 3,
        };
        let table = |a: &Regime| {
            let mut text = String::new();
            size_table(&mut text, &analysis(a));
            text
        };
        assert!(!table(&a).contains("n/a"), "{}", table(&a));
        a.sizes[2].survival = Estimate::of([]);
        let followed = "<p class=\"note\">n/a: none of the groups of that size still going \
                        was followed 24 months, so the share still going then is unknown.</p>";
        assert!(table(&a).contains("<td class=\"num\">n/a"), "{}", table(&a));
        assert!(table(&a).contains(followed), "{}", table(&a));
        a.long_run = vec![(2.0, Estimate::of([]), Estimate::of([])); 3];
        assert!(long_run_table(&a, (24, 60)).contains(followed));
        a.sizes[2].started = 0;
        assert!(
            table(&a).contains("<p class=\"note\">n/a: no group of that size started.</p>"),
            "{}",
            table(&a)
        );
        a.sizes[0].survival = Estimate::of([]);
        assert!(
            table(&a).contains(
                "n/a: no group of that size started, or none still going was followed 24 \
                 months (the share still going then is unknown)."
            ),
            "{}",
            table(&a)
        );
    }

    /// A share of citizens or a factor that is not 0 is never shown as 0: a table cell of
    /// "0.0%" would say that no citizen was in a group.
    #[test]
    fn small_shares_and_factors_do_not_read_as_0() {
        let e = |mean: f64, ci: Option<(f64, f64)>| Estimate { mean, ci, n: 3 };
        assert_eq!(
            share_with_ci(&e(0.0004, Some((-0.001, 0.002)))),
            "0.04% (0.0% to 0.2%)"
        );
        assert_eq!(
            share_with_ci(&e(0.123, Some((0.101, 0.145)))),
            "12.3% (10.1% to 14.5%)"
        );
        assert_eq!(share_with_ci(&e(0.9996, None)), "99.96%");
        assert_eq!(times(0.003), "×3.0e-3");
        assert_eq!(times(0.67), "×0.67");
        assert_eq!(dec(0.0), "0.00");
        assert_eq!(dec(0.001), "1.0e-3");
    }

    #[test]
    fn the_changes_of_a_run_are_listed_once_each() {
        let mut d = data(&[("baseline", 2, 30), ("baseline", 8, 5)]);
        d.manifest = Some(serde_json::json!({"experiment": {"steps": 60}, "quick": false}));
        assert_eq!(
            changes_box(&d),
            "<p class=\"note\">Parameters: the scenario's own, nothing changed.</p>\n"
        );
        let row =
            |size: &str, parameter: &str, value: &str, source: &str| coprod_output::ParameterRow {
                variant: "baseline".into(),
                point: vec![size.into()],
                parameter: parameter.into(),
                value: value.into(),
                unit: String::new(),
                source: source.into(),
            };
        d.parameters = Some(coprod_output::read::ParametersTable {
            swept: vec![SIZE_PARAM.into()],
            rows: vec![
                row("2", "groups.min_members", "2", "scenario"),
                row("2", "population.n_citizens", "500", "set"),
                row("2", "population.n_communities", "5", "quick"),
                row("8", "population.n_citizens", "500", "set"),
                row("8", SIZE_PARAM, "8", "sweep"),
            ],
        });
        // --quick lowered the months and the communities, but not the citizens (set lower)
        // nor the replications (given explicitly): the box names only what it lowered.
        d.manifest = Some(serde_json::json!({
            "experiment": {"steps": 60},
            "quick": true,
            "quick_lowered": {
                "steps": {"from": 480, "to": 60},
                "replications": null,
                "parameters": ["population.n_communities"]
            },
            "settings": ["population.n_citizens=500", "experiment.replications=5"]
        }));
        assert!(
            changes_box(&d).contains(
                "<ul><li><code>population.n_citizens = 500 (--set)</code></li>\
                 <li><code>population.n_communities = 5 (--quick)</code></li>\
                 <li><code>experiment.replications = 5 (--set)</code></li>\
                 <li><code>months: 60 instead of 480 (--quick)</code></li>\
                 </ul>"
            ),
            "{}",
            changes_box(&d)
        );
        // --replications without --quick: the box says what it replaced, and an option
        // that gave the scenario's own value changed nothing.
        d.parameters = None;
        d.manifest = Some(serde_json::json!({
            "experiment": {"steps": 480},
            "quick": false,
            "options": [
                {"option": "--replications", "key": "experiment.replications", "value": 2,
                 "scenario": 30},
                {"option": "--seed", "key": "experiment.seed", "value": 1, "scenario": 1}
            ]
        }));
        assert_eq!(
            changes_box(&d),
            "<div class=\"key\"><b>Changed for this run</b> (every number below is from this \
             run, with these changes):<ul><li><code>replications: 2 instead of 30 \
             (--replications)</code></li></ul></div>\n"
        );
        // A lesson within the caps: --quick changed nothing, and the box says so.
        d.manifest = Some(serde_json::json!({
            "experiment": {"steps": 20},
            "quick": true,
            "quick_lowered": {"steps": null, "replications": null, "parameters": []}
        }));
        let text = changes_box(&d);
        assert!(
            text.contains(
                "<li><code>--quick changed nothing: the lesson is within its caps</code></li>"
            ),
            "{text}"
        );
        assert!(!text.contains("fewer"), "{text}");
    }

    /// 235 citizens in 10 communities: the model makes communities of 23 and 24, so a cap of
    /// 24 can be filled and the largest group may have 24 members.
    #[test]
    fn communities_of_unequal_size_are_named_by_their_largest() {
        let mut d = data(&[
            ("baseline", 2, 30),
            ("baseline", 20, 30),
            ("baseline", 24, 5),
            ("baseline", 40, 5),
        ]);
        d.manifest = Some(serde_json::json!({
            "experiment": {"steps": 60},
            "parameters": [
                {"name": "population.n_citizens", "value": "235"},
                {"name": "population.n_communities", "value": "10"}
            ]
        }));
        let a = analyse(&d).unwrap();
        let opening = intro(&d, &a);
        assert!(
            opening.contains(
                "with size caps from 2 to 40 members (no group could have more than 24: groups \
                 recruit within one community, and communities here hold 23 or 24 citizens)"
            ),
            "{opening}"
        );
        let caps = unreachable_caps(&d, &a);
        assert!(
            caps.contains(
                "Communities here hold 23 or 24 citizens and groups recruit within one \
                 community, so the caps 40 ran as groups of at most 24 members;"
            ),
            "{caps}"
        );
        // The forces are said of the largest group that could exist, 24, not of 40.
        assert_eq!((reachable(&d, 40), reachable(&d, 8)), (24, 8));
        let forces = three_forces(&d, &a.regimes[0]);
        assert!(forces.contains("a full group of 24 keeps"), "{forces}");
        assert!(!forces.contains("of 40"), "{forces}");
        // Communities of 24 fill every cap up to 24: the opening names the caps as sizes.
        d.manifest = Some(serde_json::json!({
            "experiment": {"steps": 60},
            "parameters": [
                {"name": "population.n_citizens", "value": "240"},
                {"name": "population.n_communities", "value": "6"}
            ]
        }));
        assert!(intro(&d, &a).contains("of different sizes, from 2 to 40 members,"));
        assert_eq!(unreachable_caps(&d, &a), "");
    }

    /// runs.csv's share_lasting_24 is read at 24 months and estimated run by run: the page
    /// states how far its mean is from the page's share in this run, and in runs too short
    /// to read 24 months (the page then reads half the run) that it is another measure.
    #[test]
    fn about_says_how_share_lasting_24_relates_to_the_pages_share() {
        // Groups of cap 2 end at 5 months (0% still going), of cap 8 at 30 (100%).
        let mut d = data(&[("baseline", 2, 5), ("baseline", 8, 30)]);
        d.runs.metrics = vec!["share_lasting_24".into()];
        for (row, value) in d.runs.rows.iter_mut().zip([0.0, 0.0, 0.06, 1.0, 1.0, 1.0]) {
            row.values = vec![value];
        }
        let a = analyse(&d).unwrap();
        assert_eq!(a.horizon, 24);
        let text = about(&d, &a);
        assert!(
            text.contains(
                "(runs.csv's share_lasting_24 is the same share estimated run by run, so its \
                 mean in summary.csv can differ from this pooled share, in this run by up to \
                 2.0 points)"
            ),
            "{text}"
        );
        d.manifest = Some(serde_json::json!({"experiment": {"steps": 20}}));
        let a = analyse(&d).unwrap();
        assert_eq!(a.horizon, 10);
        let text = about(&d, &a);
        assert!(!text.contains("the same share"), "{text}");
        assert!(
            text.contains(
                "a group that ended in month 10 of its life is not still going (runs.csv's \
                 share_lasting_24 reads lifetimes at 24 months, not 10: in runs of 20 months it \
                 is read at the longest spell a run followed, an upper bound on the share \
                 lasting 24 months, so its mean in summary.csv is not this share)."
            ),
            "{text}"
        );
    }

    #[test]
    fn about_states_the_runs_and_the_caps_no_community_could_fill() {
        let mut d = data(&[
            ("baseline", 2, 30),
            ("baseline", 20, 30),
            ("baseline", 24, 5),
            ("baseline", 40, 5),
        ]);
        let parameters = serde_json::json!([
            {"name": "population.n_citizens", "value": "200"},
            {"name": "population.n_communities", "value": "10"}
        ]);
        d.manifest = Some(serde_json::json!({
            "experiment": {"steps": 60},
            "quick": true,
            "quick_lowered": {
                "steps": {"from": 480, "to": 60},
                "replications": {"from": 30, "to": 3},
                "parameters": ["population.n_citizens"]
            },
            "parameters": parameters
        }));
        let a = analyse(&d).unwrap();
        // The opening paragraph does not call them groups of up to 40 members.
        let opening = intro(&d, &a);
        assert!(
            opening.contains(
                "form co-production groups of different sizes, with size caps from 2 to 40 \
                 members (no group could have more than 20: groups recruit within one \
                 community, and communities here hold 20 citizens), for 60 months"
            ),
            "{opening}"
        );
        let text = about(&d, &a);
        assert!(
            text.contains(
                "12 runs of the scenario <code>run</code> (3 replications per size and regime, 60 \
                 months each; a quick run with fewer citizens and replications than the \
                 scenario's, so intervals are wide). Communities here hold 20 citizens and groups recruit within one \
                 community, so the caps 24, 40 ran as groups of at most 20 members;"
            ),
            "{text}"
        );
        assert!(text.contains("\"Still going after 24 months\""), "{text}");
        // Fewer months alone do not widen the intervals: the page does not say they are wide.
        d.manifest = Some(serde_json::json!({
            "experiment": {"steps": 60},
            "quick": true,
            "quick_lowered": {
                "steps": {"from": 480, "to": 60},
                "replications": null,
                "parameters": []
            },
            "parameters": parameters
        }));
        let text = about(&d, &a);
        assert!(!text.contains("quick run"), "{text}");
        // Communities of 40: every cap can be filled.
        d.manifest = Some(serde_json::json!({
            "experiment": {"steps": 60},
            "parameters": [
                {"name": "population.n_citizens", "value": "400"},
                {"name": "population.n_communities", "value": "10"}
            ]
        }));
        let text = about(&d, &a);
        assert!(text.contains("60 months each). \"Still going"), "{text}");
        assert!(!text.contains("Communities here"), "{text}");
        let opening = intro(&d, &a);
        assert!(
            opening.contains(
                "form co-production groups of different sizes, from 2 to 40 members, for 60 months"
            ),
            "{opening}"
        );
        // Failed runs are counted with the 12 shown.
        d.manifest = Some(serde_json::json!({"experiment": {"steps": 60}, "failed_runs": 3}));
        let text = about(&d, &a);
        assert!(
            text.contains(
                "60 months each). 3 of 15 runs failed and are left out of every number on this \
                 page (see failures.csv). \"Still going"
            ),
            "{text}"
        );
    }

    #[test]
    fn the_page_is_written_with_its_charts_and_explains_the_forces_once() {
        let dir = tempfile::tempdir().unwrap();
        let mut d = lesson();
        d.dir = dir.path().to_path_buf();
        let path = write_teach_page(&d).unwrap();
        assert_eq!(path, dir.path().join(TEACH_HTML));
        let page = std::fs::read_to_string(&path).unwrap();
        // The size chart, then the survival curves and participation of each regime.
        assert_eq!(page.matches("src=\"data:image/png;base64,").count(), 5);
        for chart in [
            "teach_survival_by_size",
            "teach_survival_curves_baseline",
            "teach_survival_curves_joint",
            "teach_participation_baseline",
            "teach_participation_joint",
        ] {
            assert!(
                dir.path()
                    .join("charts")
                    .join(format!("{chart}.png"))
                    .is_file()
            );
        }
        assert!(
            page.contains("<figcaption>Each point is the share of all groups started at that size"),
            "{page}"
        );
        // The three forces are explained for the first regime, the others refer to them.
        assert_eq!(page.matches("Three forces pull").count(), 1);
        assert!(
            page.contains("<h2>Why?</h2>\n<h3>Per-member service</h3>\n<p>Three forces pull"),
            "{page}"
        );
        assert!(
            page.contains(
                "<h3>Non-rival joint supply (variant joint)</h3>\n<p>Here a member of a group of 40"
            ),
            "{page}"
        );
        // The page is sent on its own (e-mailed, opened from elsewhere): it links to no
        // file beside it, and names the full report as a file of the run's folder.
        assert!(!page.contains("href="), "a link to a file beside the page");
        assert!(
            page.contains(
                "this page needs no other file. The run's folder it was written in holds every \
                 number in CSV files (parameters.csv every parameter as it ran), and the full \
                 report is <code>index.html</code> in the run's folder.</p>"
            ),
            "{page}"
        );
    }

    #[test]
    fn regimes_are_named_by_their_service_and_variant() {
        assert_eq!(regime_label("per_member", "baseline"), "per-member service");
        assert_eq!(regime_label("joint", "baseline"), "non-rival joint supply");
        assert_eq!(
            regime_label("per_member", "no_hurdle"),
            "per-member service (variant no_hurdle)"
        );
        assert_eq!(
            regime_label("joint", "joint"),
            "non-rival joint supply (variant joint)"
        );
        assert_eq!(regime_label("", "custom"), "variant custom");
        let a = analyse(&lesson()).unwrap();
        assert_eq!(a.regimes[0].label, "per-member service");
        assert_eq!(a.regimes[0].short_label(), "per-member service");
        assert_eq!(a.regimes[1].short_label(), "joint");
    }
}
