//! What a run reports, as plain data: per-step metrics, per-group records, per-citizen records.
//!
//! Owns metric names, units and the end-of-run summary; writes nothing anywhere.

macro_rules! define_metrics {
    ($( $field:ident, $unit:literal, $doc:literal; )*) => {
        /// Model-level metrics of one step.
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct StepMetrics {
            /// Step number, starting at 0 (one step is one month; in the lab setting one round).
            pub step: u32,
            $( #[doc = $doc] pub $field: f64, )*
        }

        /// Name, unit and meaning of every field of [`StepMetrics`] after `step`, in order.
        pub const METRICS: &[(&str, &str, &str)] = &[ $( (stringify!($field), $unit, $doc), )* ];

        impl StepMetrics {
            /// The values in the order of [`METRICS`].
            pub fn values(&self) -> Vec<f64> {
                vec![ $( self.$field, )* ]
            }
        }
    };
}

define_metrics! {
    participation_rate, "share of citizens", "Share of citizens who are members of a group (forming or started) at the end of the step.";
    active_groups, "groups", "Groups active at the end of the step.";
    groups_formed, "groups", "Groups formed during the step.";
    groups_dissolved, "groups", "Groups dissolved during the step.";
    mean_efficacy, "0-1 scale", "Mean citizen internal (personal) efficacy.";
    mean_external_efficacy, "0-1 scale", "Mean citizen external efficacy (belief that organisations respond to citizens' input).";
    mean_citizen_trust, "0-1 scale", "Mean citizen trust in the organisation that serves them.";
    mean_org_trust, "0-1 scale", "Mean organisational trust in citizens.";
    opportunities_opened, "opportunities", "Co-production opportunities opened by organisations during the step.";
    power_shared, "0-1 scale", "Mean over organisations of the decision power their staff's mean willingness would share (P_o); each group keeps the power it was given when it opened.";
    service_output, "service units", "Total service output: professionals' own service (budget minus support to groups) plus the value of every group's service, each beneficiary counted once.";
    professional_cost, "input units", "Professional input spent: the organisations' budgets (own service plus support to groups).";
    efficiency, "service units per input unit", "Service output per unit of professional cost (citizens' time free).";
    representativeness, "ratio", "Participants' low-resource share divided by the population's low-resource share (1 = representative).";
    participation_low, "share of citizens", "Participation rate in the low-resource group.";
    participation_high, "share of citizens", "Participation rate in the high-resource group.";
    mean_contribution, "share of effort", "Mean contribution of active members (lab: share of endowment).";
    service_low, "service units per citizen", "Service received per low-resource citizen: an equal share of professionals' baseline service plus the co-produced benefit of the group they are a member of.";
    service_high, "service units per citizen", "Service received per high-resource citizen (as service_low).";
    service_ratio, "ratio", "service_low / service_high: 1 is equal; below 1 the low-resource group receives less. Professionals' baseline alone gives 1, so service_ratio - 1 is co-production's effect on service inequality.";
    benefit_representativeness, "ratio", "The low-resource group's share of co-produced benefit divided by its share of the population (1 = benefit shared in proportion; 1 when no benefit was produced).";
    effort_low, "effort units per citizen", "Co-production effort (contribution x capacity) of the low-resource group per low-resource citizen.";
    effort_high, "effort units per citizen", "Co-production effort of the high-resource group per high-resource citizen.";
    service_deprived, "service units per citizen", "Service received per citizen of the deprived communities (0 when there are none).";
    service_affluent, "service units per citizen", "Service received per citizen of the affluent communities.";
    citizen_time, "effort units", "Citizen effort given to groups' tasks (contribution x capacity, summed over members of started groups).";
    efficiency_with_time, "service units per input unit", "Service output per unit of professional cost plus citizens' time at its shadow price (costs.time_price).";
}

/// Why a group stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndReason {
    /// Still active at the end of the run.
    Active,
    /// Fewer active members than `groups.min_members`.
    TooFewMembers,
    /// Citizen effort stayed below the minimum viable effort for `groups.failure_patience` steps.
    FailedTask,
    /// The opportunity found too few members to start.
    NeverStarted,
    /// Still recruiting at the end of the run.
    Forming,
}

impl EndReason {
    /// Lower-case name used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            EndReason::Active => "active",
            EndReason::TooFewMembers => "too_few_members",
            EndReason::FailedTask => "failed_task",
            EndReason::NeverStarted => "never_started",
            EndReason::Forming => "forming",
        }
    }
}

/// The kind of task a group takes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskKind {
    /// A specific, defined action with a visible, bounded benefit.
    Specific,
    /// Generic participative activity.
    Generic,
}

impl TaskKind {
    /// Lower-case name used in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Specific => "specific",
            TaskKind::Generic => "generic",
        }
    }
}

/// One group's life.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupRecord {
    /// Group number within the run, in order of opening.
    pub group_id: u32,
    /// Partner organisation, or `None` for a citizen initiative no organisation supports yet.
    pub organisation: Option<u32>,
    /// Community of the group.
    pub community: u32,
    /// Specific or generic task.
    pub task: TaskKind,
    /// Size cap in force when the group opened.
    pub size_cap: u32,
    /// Members when it started (or lapsed), before that step's production and leaving.
    pub size_at_formation: u32,
    /// Step the group started or lapsed; for a group still recruiting, the step it opened.
    pub formed_step: u32,
    /// Step the group ended, if it did.
    pub ended_step: Option<u32>,
    /// Why it ended.
    pub end_reason: EndReason,
    /// What it produced against what its task needed, summed over the months it produced.
    pub life: GroupLife,
}

/// A group's production summed over the months it produced (docs/ODD.md 8.18): the forces
/// that make size matter, measured group by group. Every term is a sum over its producing
/// months, so pooled over groups a ratio of sums splits exactly into factors: members per
/// month (capacity), effort per member (free riding; in the first month and over the life,
/// so the decay of conditional cooperation shows), labour kept after coordination, and the
/// effort the task needs (the hurdle).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct GroupLife {
    /// Months it produced.
    pub months: u32,
    /// Members, summed over those months.
    pub member_months: u32,
    /// Members' effort (contribution x capacity) in its first producing month.
    pub first_effort: f64,
    /// Members' effort, summed over its producing months.
    pub effort: f64,
    /// The group's labour: members' effort pooled (equal to `effort` unless
    /// `channels.size_capacity` is off), summed.
    pub labour: f64,
    /// Labour left after coordination cost, summed.
    pub coordinated: f64,
    /// Citizen input to the task (coordinated labour times the staff factor), summed.
    pub input: f64,
    /// Minimum viable effort of the task, summed.
    pub needed: f64,
    /// Months in which the input met the minimum viable effort.
    pub months_met: u32,
}

impl GroupLife {
    /// Adds one producing month.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn add_month(
        &mut self,
        members: usize,
        effort: f64,
        labour: f64,
        coordinated: f64,
        input: f64,
        needed: f64,
    ) {
        if self.months == 0 {
            self.first_effort = effort;
        }
        self.months += 1;
        self.member_months += members as u32;
        self.effort += effort;
        self.labour += labour;
        self.coordinated += coordinated;
        self.input += input;
        self.needed += needed;
        self.months_met += u32::from(input >= needed);
    }
}

/// One citizen at the end of a run (opt-in).
#[derive(Clone, Debug, PartialEq)]
pub struct CitizenRecord {
    /// Citizen number.
    pub citizen_id: u32,
    /// Community.
    pub community: u32,
    /// 0 = low-resource, 1 = high-resource group.
    pub resource_group: u8,
    /// Conditional-cooperation type: conditional, free_rider, hump, other.
    pub cc_type: &'static str,
    /// Internal efficacy at the start of the run.
    pub initial_efficacy: f64,
    /// Internal efficacy at the end.
    pub efficacy: f64,
    /// External efficacy at the end.
    pub external_efficacy: f64,
    /// Skill.
    pub skill: f64,
    /// Available time.
    pub time: f64,
    /// Intrinsic motivation at the end.
    pub motivation: f64,
    /// Risk aversion.
    pub risk_aversion: f64,
    /// Believes duty ends with taxes.
    pub duty: bool,
    /// Personally affected.
    pub affected: bool,
    /// Ownership at the end.
    pub ownership: f64,
    /// Trust in the organisation at the end.
    pub trust: f64,
    /// Belief about what fellow members contribute, at the end.
    pub belief: f64,
    /// Ties in the social network (social capital).
    pub ties: u32,
    /// Steps spent as an active member.
    pub steps_participated: u32,
    /// Whether active at the end.
    pub active_at_end: bool,
}

/// One organisation in one step (opt-in, with [`crate::Detail::WithCitizens`]).
#[derive(Clone, Debug, PartialEq)]
pub struct OrgStepRecord {
    /// Step.
    pub step: u32,
    /// Organisation number.
    pub organisation: u32,
    /// Trust in citizens at the end of the step.
    pub trust: f64,
    /// Opportunities opened during the step.
    pub opportunities: u32,
    /// Decision power it would share at the end of the step.
    pub power: f64,
    /// Groups it supported during the step.
    pub groups_supported: u32,
    /// Of those, groups whose task succeeded.
    pub successes: u32,
}

/// Everything one run reports.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RunOutput {
    /// One row per step.
    pub steps: Vec<StepMetrics>,
    /// One row per group or opportunity that opened.
    pub groups: Vec<GroupRecord>,
    /// One row per citizen, only when asked for.
    pub citizens: Vec<CitizenRecord>,
    /// One row per organisation and step, only when asked for.
    pub organisations: Vec<OrgStepRecord>,
}

/// A Kaplan-Meier survival curve from `(months, ended)` spells (`ended` false: censored,
/// still going when last seen): `(t, S(t))` at 0 and at every time with an end, where
/// `S(t)` is the estimated share of groups with no end in months 1 to `t` of their lives. At
/// a time where ends and censorings tie, the censored spells still count as at risk (the
/// usual rule), which is right for [`spells`]: a group censored at `t` went through month
/// `t`'s ending checks.
pub fn kaplan_meier(spells: &[(u32, bool)]) -> Vec<(u32, f64)> {
    let mut sorted = spells.to_vec();
    sorted.sort_unstable();
    let mut curve = vec![(0, 1.0)];
    let mut at_risk = sorted.len() as f64;
    let mut s = 1.0;
    let mut k = 0;
    while k < sorted.len() {
        let t = sorted[k].0;
        let (mut ends, mut leaving) = (0.0, 0.0);
        while k < sorted.len() && sorted[k].0 == t {
            ends += f64::from(u8::from(sorted[k].1));
            leaving += 1.0;
            k += 1;
        }
        if ends > 0.0 {
            s *= 1.0 - ends / at_risk;
            curve.push((t, s));
        }
        at_risk -= leaving;
    }
    curve
}

/// Kaplan-Meier estimate of the share of groups lasting at least `months` months: no end in
/// months 1 to `months` of their lives. When no spell was followed that long and the curve
/// has not reached 0, the estimate is not known beyond the longest spell; its value there is
/// carried forward (an upper bound). NaN (missing) with no spell: a share of no groups is
/// not a number, and 1 would claim that groups lasted.
pub fn share_lasting(spells: &[(u32, bool)], months: u32) -> f64 {
    if spells.is_empty() {
        return f64::NAN;
    }
    kaplan_meier(spells)
        .iter()
        .take_while(|&&(t, _)| t <= months)
        .last()
        .map_or(1.0, |&(_, s)| s)
}

/// Kaplan-Meier median lifetime: the first month at which the estimated share still going
/// is at most one half. When the curve never gets there (too many groups still going), the
/// longest spell observed (a lower bound); NaN (missing) with no spell.
pub fn median_lifetime(spells: &[(u32, bool)]) -> f64 {
    let Some(longest) = spells.iter().map(|s| s.0).max() else {
        return f64::NAN;
    };
    kaplan_meier(spells)
        .iter()
        .find(|&&(_, s)| s <= 0.5)
        .map_or(f64::from(longest), |&(t, _)| f64::from(t))
}

/// Ends per group-month at risk (the constant-hazard estimate; a ratio of two of these is a
/// hazard ratio); NaN (missing) with no month at risk, which [`spells`] give only when there
/// is no spell (each of its spells is at least one month).
pub fn end_rate(spells: &[(u32, bool)]) -> f64 {
    let months: u64 = spells.iter().map(|&(d, _)| u64::from(d)).sum();
    let ends = spells.iter().filter(|s| s.1).count();
    if months == 0 {
        f64::NAN
    } else {
        ends as f64 / months as f64
    }
}

/// Months each started group lasted by the end of a run of `horizon` steps, and whether it
/// ended (false: still active, censored): [`spell`] of each.
pub fn spells(groups: &[GroupRecord], horizon: u32) -> Vec<(u32, bool)> {
    groups.iter().filter_map(|g| spell(g, horizon)).collect()
}

/// A started group's spell after `horizon` steps: its months producing (docs/ODD.md 8.18),
/// and whether it ended; `None` for a group that never started or is still forming.
/// A group produces in the step it starts and in the step it ends (production comes before
/// dissolution), so one that ended ended in month `ended - formed + 1` of its life; one still
/// active went through the last step's ending checks, so it is censored after `horizon -
/// formed` months. Counting an ended group's months as `ended - formed` instead put a group
/// censored at the same count at risk for an end it was never observed through.
pub fn spell(g: &GroupRecord, horizon: u32) -> Option<(u32, bool)> {
    let formed = u64::from(g.formed_step);
    match (g.end_reason, g.ended_step) {
        (EndReason::NeverStarted | EndReason::Forming, _) => None,
        (_, Some(end)) => Some((ended_spell(formed, u64::from(end)), true)),
        (_, None) => Some((censored_spell(formed, u64::from(horizon)), false)),
    }
    // A spell is at most `horizon` months, a u32.
    .map(|(months, ended)| (months as u32, ended))
}

/// Months of the spell of a group that started in step `formed` and ended in step `ended`:
/// it ended in that month of its life (see [`spell`]; the report counts groups.csv's rows
/// with it too).
pub fn ended_spell(formed: u64, ended: u64) -> u64 {
    ended.saturating_sub(formed) + 1
}

/// Months of the spell of a group that started in step `formed` and was still active after
/// `horizon` steps: censored after them (see [`spell`]).
pub fn censored_spell(formed: u64, horizon: u64) -> u64 {
    horizon.saturating_sub(formed)
}

/// Months after their start at which the survival summary reads the share of groups still going.
pub const LASTING_MONTHS: u32 = 24;

/// End-of-run metrics that describe started groups. In a run in which no group started they
/// are not applicable and [`RunOutput::summary`] gives NaN (a missing value, an empty cell
/// in runs.csv). Every other summary metric is always a number.
pub const GROUP_METRICS: [&str; 5] = [
    "share_active_at_end",
    "mean_group_lifetime",
    "share_lasting_24",
    "median_group_lifetime",
    "group_end_rate",
];

/// Names and meanings of the end-of-run summary in the order of [`RunOutput::summary`].
pub fn summary_names() -> Vec<(String, &'static str, String)> {
    let mut out: Vec<(String, &'static str, String)> = METRICS
        .iter()
        .map(|(n, u, d)| {
            (
                n.to_string(),
                *u,
                format!("Mean over the last 12 steps (or all, if fewer): {d}"),
            )
        })
        .collect();
    out.push((
        "groups_started".into(),
        "groups",
        "Groups that started (opportunities that found enough members).".into(),
    ));
    out.push((
        "share_active_at_end".into(),
        "share of groups",
        "Share of started groups still active at the end of the run: groups of every age pooled, so it falls as the run lengthens whatever the groups do; how long groups last is share_lasting_24, median_group_lifetime and group_end_rate. Missing (empty) when no group started.".into(),
    ));
    out.push((
        "mean_group_lifetime".into(),
        "steps",
        "Mean months a started group produced, from the month it started to the month it ended (groups still active counted to the end: months_producing of groups.csv); missing (empty) when no group started.".into(),
    ));
    out.push((
        "share_lasting_24".into(),
        "share of groups",
        "Kaplan-Meier estimate of the share of started groups lasting at least 24 months (no end in their first 24 months of producing), groups still active at the end censored (carried forward from the longest spell if no group was followed that long: an upper bound); missing (empty) when no group started.".into(),
    ));
    out.push((
        "median_group_lifetime".into(),
        "steps",
        "Kaplan-Meier median lifetime of started groups in months producing, groups still active at the end censored (the longest spell, a lower bound, when the curve never falls to one half); missing (empty) when no group started.".into(),
    ));
    out.push((
        "group_end_rate".into(),
        "ends per group-month",
        "Groups that ended per month a started group produced (a constant-hazard estimate; the ratio between two conditions is a hazard ratio); missing (empty) when no group started.".into(),
    ));
    out
}

/// How many of a run's last steps its summary value of a step metric averages (all of them
/// in a shorter run): [`RunOutput::summary`].
pub const SUMMARY_STEPS: usize = 12;

impl RunOutput {
    /// End-of-run metrics: each step metric averaged over the last [`SUMMARY_STEPS`] steps,
    /// then group survival.
    pub fn summary(&self) -> Vec<f64> {
        let window = self.steps.len().clamp(1, SUMMARY_STEPS);
        let tail = &self.steps[self.steps.len().saturating_sub(window)..];
        let rows: Vec<Vec<f64>> = tail.iter().map(StepMetrics::values).collect();
        let column = |k: usize| -> Vec<f64> { rows.iter().map(|r| r[k]).collect() };
        let mut out: Vec<f64> = (0..METRICS.len()).map(|k| tail_mean(&column(k))).collect();
        let spells = spells(&self.groups, self.steps.len() as u32);
        let n = spells.len() as f64;
        let active = spells.iter().filter(|s| !s.1).count() as f64;
        let lifetime: f64 = spells.iter().map(|s| f64::from(s.0)).sum();
        out.push(n);
        // No group started: a share or mean of no groups is missing, not 0.
        out.push(if n > 0.0 { active / n } else { f64::NAN });
        out.push(if n > 0.0 { lifetime / n } else { f64::NAN });
        out.push(share_lasting(&spells, LASTING_MONTHS));
        out.push(median_lifetime(&spells));
        out.push(end_rate(&spells));
        out
    }
}

/// The mean of one metric over the last steps, as the sum of `v / n` from 0. A metric
/// that is the same non-zero value in every step keeps that value exactly: adding `1 / 10`
/// ten times gives 0.9999999999999999, which showed the lab's `participation_rate` of 1 as
/// below 1. Every other metric keeps the sum, so its bits stay as they were.
fn tail_mean(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let mean = values.iter().fold(0.0, |acc, v| acc + v / n);
    match values.first() {
        Some(&v0) if v0 != 0.0 && values.iter().all(|&v| v == v0) => v0,
        _ => mean,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Six groups, two censored; the estimates are worked by hand.
    const SPELLS: [(u32, bool); 6] = [
        (2, true),
        (3, false),
        (4, true),
        (5, true),
        (5, false),
        (8, true),
    ];

    #[test]
    fn kaplan_meier_matches_the_hand_computation() {
        let curve = kaplan_meier(&SPELLS);
        let expected = [
            (0, 1.0),
            (2, 5.0 / 6.0),
            (4, 0.625),
            (5, 0.625 * 2.0 / 3.0),
            (8, 0.0),
        ];
        assert_eq!(curve.len(), expected.len());
        for (a, b) in curve.iter().zip(expected) {
            assert_eq!(a.0, b.0);
            assert!((a.1 - b.1).abs() < 1e-12, "{curve:?}");
        }
    }

    #[test]
    fn lasting_share_median_and_rate_handle_censoring() {
        // Lasting at least 4 months: no end in months 1 to 4, S(4) = 5/6 x 3/4; at least 5
        // months also takes the month-5 end (1 of 3 at risk): 0.625 x 2/3 = 5/12.
        assert!((share_lasting(&SPELLS, 4) - 0.625).abs() < 1e-12);
        assert!((share_lasting(&SPELLS, 5) - 5.0 / 12.0).abs() < 1e-12);
        assert_eq!(share_lasting(&SPELLS, 1), 1.0);
        assert_eq!(median_lifetime(&SPELLS), 5.0);
        assert!((end_rate(&SPELLS) - 4.0 / 27.0).abs() < 1e-12);
        // Censored spells count as lasting as long as they were seen, not as ended.
        let naive_ended_share = 4.0 / 6.0;
        assert!(1.0 - share_lasting(&SPELLS, 6) < naive_ended_share);
        // Nobody followed 24 months: the last known value is carried forward.
        assert_eq!(share_lasting(&[(10, false), (12, false)], 24), 1.0);
        let one_ended = share_lasting(&[(4, true), (10, false), (12, false)], 24);
        assert!((one_ended - 2.0 / 3.0).abs() < 1e-12);
        // The median not reached: the longest spell, a lower bound.
        let long_lived = [(10, true), (12, false), (14, false), (15, false)];
        assert_eq!(median_lifetime(&long_lived), 15.0);
        // All ended before 24 months: known to be 0.
        assert_eq!(share_lasting(&[(3, true), (9, true)], 24), 0.0);
    }

    /// Ten rounds of the lab report `participation_rate` 1 each; the summary must say 1,
    /// not the 0.9999999999999999 that ten additions of 1 / 10 give, while a metric that
    /// varies keeps the sum of `v / n` bit for bit.
    #[test]
    fn a_constant_metric_keeps_its_value_in_the_summary() {
        let steps: Vec<StepMetrics> = (0..10)
            .map(|k| StepMetrics {
                step: k,
                participation_rate: 1.0,
                mean_contribution: 0.1 * f64::from(k),
                ..StepMetrics::default()
            })
            .collect();
        let out = RunOutput {
            steps: steps.clone(),
            ..RunOutput::default()
        };
        let summary = out.summary();
        assert_eq!(summary[0], 1.0);
        let varying = steps
            .iter()
            .fold(0.0, |acc, s| acc + s.mean_contribution / 10.0);
        let k = METRICS
            .iter()
            .position(|m| m.0 == "mean_contribution")
            .unwrap();
        assert_eq!(summary[k], varying);
        assert_eq!(tail_mean(&[0.0, -0.0]).to_bits(), 0.0f64.to_bits());
    }

    /// The median is the first month at which the share still going is at most one half,
    /// so a curve that lands exactly on 0.5 has its median there: of two groups ending at
    /// months 1 and 2, S(1) = 1/2 and the median is 1, not 2.
    #[test]
    fn a_curve_at_exactly_one_half_has_its_median_there() {
        assert_eq!(median_lifetime(&[(1, true), (2, true)]), 1.0);
        // Ties in time are one step of the curve: three of four ending at month 3.
        let curve = kaplan_meier(&[(3, true), (3, true), (3, false), (6, true)]);
        assert_eq!(curve, vec![(0, 1.0), (3, 0.5), (6, 0.0)]);
        // An end in month 3 is an end within the first 3 months: lasting at least 2 months
        // is 1, at least 3 (or 4) months 1/2.
        let spells = [(3, true), (3, true), (3, false), (6, true)];
        assert_eq!(share_lasting(&spells, 2), 1.0);
        assert_eq!(share_lasting(&spells, 3), 0.5);
        assert_eq!(share_lasting(&spells, 4), 0.5);
    }

    /// A group of four that formed at `formed` and ended at `ended` (if it did).
    fn record(formed: u32, ended: Option<u32>, end_reason: EndReason) -> GroupRecord {
        GroupRecord {
            group_id: 0,
            organisation: None,
            community: 0,
            task: TaskKind::Specific,
            size_cap: 4,
            size_at_formation: 4,
            formed_step: formed,
            ended_step: ended,
            end_reason,
            life: GroupLife::default(),
        }
    }

    /// Fourteen steps: the step metrics are averaged over the last twelve (steps 2..=13,
    /// mean 7.5), and the group metrics come from the spells in months producing (one group
    /// formed at step 2 and ended at step 7, in its 6th month; one formed at step 5 still
    /// going after 9): 2 started, half active, mean lifetime 7.5, 24-month share carried
    /// forward from S(6) = 1/2, median 6, 1 end in 15 group-months.
    #[test]
    fn the_summary_averages_the_last_twelve_steps_and_summarises_the_spells() {
        let out = RunOutput {
            steps: (0..14)
                .map(|k| StepMetrics {
                    step: k,
                    participation_rate: f64::from(k),
                    ..StepMetrics::default()
                })
                .collect(),
            groups: vec![
                record(2, Some(7), EndReason::FailedTask),
                record(5, None, EndReason::Active),
            ],
            ..RunOutput::default()
        };
        let names = summary_names();
        let summary = out.summary();
        assert_eq!(summary.len(), names.len());
        let get = |name: &str| summary[names.iter().position(|n| n.0 == name).unwrap()];
        assert!(
            (get("participation_rate") - 7.5).abs() < 1e-12,
            "{summary:?}"
        );
        assert_eq!(get("groups_started"), 2.0);
        assert_eq!(get("share_active_at_end"), 0.5);
        assert_eq!(get("mean_group_lifetime"), 7.5);
        assert_eq!(get("share_lasting_24"), 0.5);
        assert_eq!(get("median_group_lifetime"), 6.0);
        assert!((get("group_end_rate") - 1.0 / 15.0).abs() < 1e-12);
    }

    /// The auditor's case (docs/ODD.md 8.18): two groups ended in their third month (formed
    /// at step 0, ended at step 2) and one, formed at step 8 of a 10-step run, was seen for
    /// two months and is still going. It was never observed through a third month, so it is
    /// not at risk at the month-3 ends: every group at risk then ended, and the share still
    /// going after 24 months is known to be 0. Counting ended groups one month short (spell
    /// `ended - formed`) put the censored group at risk at that tie and kept the share at 1/3.
    /// Months are months producing: 3 + 3 + 2 = 8, so 2 ends per 8 group-months and a mean
    /// lifetime of 8/3; the curve is 0 from month 3 on, the median 3.
    #[test]
    fn a_censored_group_is_not_at_risk_for_ends_in_months_it_was_not_seen() {
        let out = RunOutput {
            steps: vec![StepMetrics::default(); 10],
            groups: vec![
                record(0, Some(2), EndReason::FailedTask),
                record(0, Some(2), EndReason::TooFewMembers),
                record(8, None, EndReason::Active),
            ],
            ..RunOutput::default()
        };
        assert_eq!(
            spells(&out.groups, 10),
            vec![(3, true), (3, true), (2, false)]
        );
        let names = summary_names();
        let summary = out.summary();
        let get = |name: &str| summary[names.iter().position(|n| n.0 == name).unwrap()];
        assert_eq!(get("share_lasting_24"), 0.0);
        assert_eq!(get("median_group_lifetime"), 3.0);
        assert_eq!(get("group_end_rate"), 0.25);
        assert!((get("mean_group_lifetime") - 8.0 / 3.0).abs() < 1e-12);
    }

    /// A group that ended in the step it started produced one month: one end in one month at
    /// risk, a rate of 1, not a missing rate (ends over no time).
    #[test]
    fn a_group_ending_in_its_first_month_was_at_risk_for_that_month() {
        let groups = [record(4, Some(4), EndReason::TooFewMembers)];
        let spells = spells(&groups, 10);
        assert_eq!(spells, vec![(1, true)]);
        assert_eq!(end_rate(&spells), 1.0);
        assert_eq!(share_lasting(&spells, 1), 0.0);
    }

    #[test]
    fn survival_of_no_group_is_missing() {
        assert!(share_lasting(&[], 24).is_nan());
        assert!(median_lifetime(&[]).is_nan());
        assert!(end_rate(&[]).is_nan());
        // Ends but no month at risk (spells of started groups are never 0 months): the rate
        // is not a number either.
        assert!(end_rate(&[(0, true)]).is_nan());
    }

    /// A run in which no group started (only opportunities that lapsed) has no value for
    /// the group metrics, while `groups_started` is a true 0.
    #[test]
    fn a_run_without_started_groups_has_missing_group_metrics() {
        let lapsed = GroupRecord {
            group_id: 0,
            organisation: Some(0),
            community: 0,
            task: TaskKind::Specific,
            size_cap: 4,
            size_at_formation: 1,
            formed_step: 2,
            ended_step: Some(2),
            end_reason: EndReason::NeverStarted,
            life: GroupLife::default(),
        };
        let out = RunOutput {
            steps: vec![StepMetrics::default(); 6],
            groups: vec![lapsed],
            ..RunOutput::default()
        };
        let names = summary_names();
        let summary = out.summary();
        for (name, value) in names.iter().map(|n| n.0.as_str()).zip(&summary) {
            if GROUP_METRICS.contains(&name) {
                assert!(value.is_nan(), "{name} is {value}");
            } else {
                assert!(value.is_finite(), "{name} is {value}");
            }
        }
        let started = names.iter().position(|n| n.0 == "groups_started").unwrap();
        assert_eq!(summary[started], 0.0);
    }

    #[test]
    fn spells_skip_groups_that_never_started_and_censor_active_ones() {
        let groups = [
            record(2, Some(7), EndReason::FailedTask),
            record(5, None, EndReason::Active),
            record(6, Some(6), EndReason::NeverStarted),
            record(9, None, EndReason::Forming),
        ];
        // Formed at 2 and ended at 7: it produced in steps 2 to 7, 6 months.
        assert_eq!(spells(&groups, 20), vec![(6, true), (15, false)]);
    }
}
