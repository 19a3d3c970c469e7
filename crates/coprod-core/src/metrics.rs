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
    power_shared, "0-1 scale", "Mean decision power organisations share with the groups they support.";
    service_output, "service units", "Total service output: professionals' own production plus every group's output.";
    professional_cost, "input units", "Total professional input spent: baseline service plus support to groups.";
    efficiency, "service units per input unit", "Service output per unit of professional cost.";
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
    /// Group number within the run, in order of formation.
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
    /// Step the group formed.
    pub formed_step: u32,
    /// Step the group ended, if it did.
    pub ended_step: Option<u32>,
    /// Why it ended.
    pub end_reason: EndReason,
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
        "group_survival".into(),
        "share of groups",
        "Share of started groups still active at the end of the run.".into(),
    ));
    out.push((
        "mean_group_lifetime".into(),
        "steps",
        "Mean steps a started group was active (censored at the end).".into(),
    ));
    out
}

impl RunOutput {
    /// End-of-run metrics: each step metric averaged over the last 12 steps, then group survival.
    pub fn summary(&self) -> Vec<f64> {
        let window = self.steps.len().clamp(1, 12);
        let tail = &self.steps[self.steps.len().saturating_sub(window)..];
        let mut out = vec![0.0; METRICS.len()];
        for row in tail {
            for (acc, v) in out.iter_mut().zip(row.values()) {
                *acc += v / tail.len() as f64;
            }
        }
        let horizon = self.steps.len() as u32;
        let started: Vec<&GroupRecord> = self
            .groups
            .iter()
            .filter(|g| !matches!(g.end_reason, EndReason::NeverStarted | EndReason::Forming))
            .collect();
        let n = started.len() as f64;
        let active = started
            .iter()
            .filter(|g| g.end_reason == EndReason::Active)
            .count() as f64;
        let lifetime: f64 = started
            .iter()
            .map(|g| f64::from(g.ended_step.unwrap_or(horizon) - g.formed_step))
            .sum();
        out.push(n);
        out.push(if n > 0.0 { active / n } else { 0.0 });
        out.push(if n > 0.0 { lifetime / n } else { 0.0 });
        out
    }
}
