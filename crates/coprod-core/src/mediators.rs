//! Mediators: state through which an effect can travel across agents or over time, and the
//! hook that holds it at a control run's trajectory (controlled direct effects, docs/ODD.md
//! "Holding mediators").
//!
//! The hook runs at step boundaries only (after a step's last submodel and its metrics,
//! before the next step's interventions), so a chain the lever sets within one agent and
//! one step stays part of the direct path.

use crate::interventions::Intervention;
use crate::metrics::RunOutput;
use crate::model::{Model, Streams};
use crate::params::Params;
use crate::population::flag;
use crate::rng::Stream;
use crate::{Detail, run_steps};

/// A mediating state variable that a treatment run can hold at the control run's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mediator {
    /// Citizens' trust in organisations.
    CitizenTrust,
    /// Organisations' trust in citizens: every staff member's trust and willingness to share
    /// decisions, and the organisations' means of them.
    OrgTrust,
    /// Citizens' internal and external efficacy together.
    Efficacy,
    /// Citizens' internal (personal) efficacy alone.
    InternalEfficacy,
    /// Citizens' external efficacy alone.
    ExternalEfficacy,
    /// Citizens' motivation.
    Motivation,
    /// Citizens' conditional-cooperation belief about peers.
    Belief,
    /// Citizens' awareness of opportunities and organisations' awareness of initiatives.
    Awareness,
    /// Organisations' openness.
    Openness,
    /// Organisations' reputation.
    Reputation,
    /// Co-production ties in the network.
    Ties,
    /// The word-of-mouth signal citizens receive.
    Contagion,
    /// Group membership (who is in which group): named so that registrations can say it,
    /// but it cannot be held (see [`Mediator::holdable`]).
    Membership,
}

impl Mediator {
    /// Every mediator, in the order of the vocabulary.
    pub const ALL: [Mediator; 13] = [
        Mediator::CitizenTrust,
        Mediator::OrgTrust,
        Mediator::Efficacy,
        Mediator::InternalEfficacy,
        Mediator::ExternalEfficacy,
        Mediator::Motivation,
        Mediator::Belief,
        Mediator::Awareness,
        Mediator::Openness,
        Mediator::Reputation,
        Mediator::Ties,
        Mediator::Contagion,
        Mediator::Membership,
    ];

    /// The name used in scenario files and outputs.
    pub fn name(self) -> &'static str {
        match self {
            Mediator::CitizenTrust => "citizen_trust",
            Mediator::OrgTrust => "org_trust",
            Mediator::Efficacy => "efficacy",
            Mediator::InternalEfficacy => "internal_efficacy",
            Mediator::ExternalEfficacy => "external_efficacy",
            Mediator::Motivation => "motivation",
            Mediator::Belief => "belief",
            Mediator::Awareness => "awareness",
            Mediator::Openness => "openness",
            Mediator::Reputation => "reputation",
            Mediator::Ties => "ties",
            Mediator::Contagion => "contagion",
            Mediator::Membership => "membership",
        }
    }

    /// The mediator called `name`, if any.
    pub fn from_name(name: &str) -> Option<Mediator> {
        Mediator::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Whether a run can hold it. Membership cannot: groups of two runs are different
    /// objects (different partners, sizes and histories), so "the same membership" has no
    /// agent-by-agent meaning once the runs diverge.
    pub fn holdable(self) -> bool {
        self != Mediator::Membership
    }
}

/// The mediator state of one run at one step boundary, for the mediators recorded
/// (vectors of mediators not recorded stay empty).
#[derive(Clone, Debug, Default, PartialEq)]
struct Snapshot {
    citizen_trust: Vec<f32>,
    efficacy: Vec<f32>,
    external_efficacy: Vec<f32>,
    motivation: Vec<f32>,
    belief: Vec<f32>,
    /// Citizens' AWARE flags.
    aware: Vec<bool>,
    org_awareness: Vec<f64>,
    org_trust: Vec<f64>,
    org_willingness: Vec<f64>,
    staff_trust: Vec<f64>,
    staff_willingness: Vec<f64>,
    openness: Vec<f64>,
    reputation: Vec<f64>,
    extra_tie: Vec<u32>,
    /// Citizens word of mouth told in the step that ended at this boundary.
    told: Vec<u32>,
}

/// The recorded mediator trajectory of a control run: one snapshot per step boundary,
/// agent by agent. Recorded by [`record_mediators`], imposed by [`simulate_held`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trajectory {
    recorded: Vec<Mediator>,
    steps: Vec<Snapshot>,
}

impl Trajectory {
    /// The mediators this trajectory holds values for.
    pub fn recorded(&self) -> &[Mediator] {
        &self.recorded
    }

    /// Step boundaries recorded (one per step run).
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// Whether nothing was recorded (for example a lab-setting run).
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

/// Runs like [`crate::simulate`] and records the state of `mediators` after every step.
/// The run itself is unchanged (the same output as `simulate`).
pub fn record_mediators(
    params: &Params,
    interventions: &[Intervention],
    steps: u32,
    seed: u64,
    detail: Detail,
    mediators: &[Mediator],
) -> (RunOutput, Trajectory) {
    let mut trajectory = Trajectory {
        recorded: mediators.iter().copied().filter(|m| m.holdable()).collect(),
        steps: Vec::with_capacity(steps as usize),
    };
    let contagion = trajectory.recorded.contains(&Mediator::Contagion);
    let out = run_steps(
        params,
        interventions,
        steps,
        seed,
        detail,
        &mut |model, k| {
            if k > 0 {
                trajectory.steps.push(snapshot(model, &trajectory.recorded));
            }
            if contagion {
                restart_log(model);
            }
        },
    );
    (out, trajectory)
}

/// Runs like [`crate::simulate`], but at every step boundary sets the state of each
/// mediator in `hold` to its value in `control` at the same boundary, agent by agent
/// (the controlled direct effect; docs/ODD.md "Holding mediators"). Mediators in `hold`
/// that `control` did not record, or boundaries beyond its length, are left alone; with an
/// empty `hold` the run is exactly [`crate::simulate`]. Agents are matched by index, so the
/// two runs should have the same population sizes (extra agents are left alone).
pub fn simulate_held(
    params: &Params,
    interventions: &[Intervention],
    steps: u32,
    seed: u64,
    detail: Detail,
    control: &Trajectory,
    hold: &[Mediator],
) -> RunOutput {
    held_run(
        params,
        interventions,
        steps,
        seed,
        detail,
        control,
        hold,
        false,
    )
}

/// Runs like [`simulate_held`], but as a placebo (docs/ODD.md 8.19): the population,
/// network, organisations and staff are drawn from `seed` as in any run, and every stream a
/// step draws from is keyed on its placebo number instead. Unheld, such a run is a twin of
/// the plain run with the same population and independent dynamics; held at the plain run's
/// trajectory, it shows what holding alone does. A lab-setting run has neither step streams
/// nor anything to hold: its placebo is the plain run.
pub fn simulate_placebo_held(
    params: &Params,
    interventions: &[Intervention],
    steps: u32,
    seed: u64,
    detail: Detail,
    control: &Trajectory,
    hold: &[Mediator],
) -> RunOutput {
    held_run(
        params,
        interventions,
        steps,
        seed,
        detail,
        control,
        hold,
        true,
    )
}

#[allow(clippy::too_many_arguments)]
fn held_run(
    params: &Params,
    interventions: &[Intervention],
    steps: u32,
    seed: u64,
    detail: Detail,
    control: &Trajectory,
    hold: &[Mediator],
    placebo: bool,
) -> RunOutput {
    let hold: Vec<Mediator> = hold
        .iter()
        .copied()
        .filter(|m| control.recorded.contains(m))
        .collect();
    let contagion = hold.contains(&Mediator::Contagion);
    run_steps(
        params,
        interventions,
        steps,
        seed,
        detail,
        &mut |model, k| {
            if k == 0 && placebo {
                model.streams = Streams::new(seed, Stream::PlaceboBase as u64);
            }
            if k > 0
                && let Some(snap) = control.steps.get(k as usize - 1)
            {
                impose(model, snap, &hold);
            }
            if contagion {
                restart_log(model);
            }
        },
    )
}

/// Empties (or starts) the word-of-mouth log for the next step.
fn restart_log(model: &mut Model) {
    match &mut model.told {
        Some(told) => told.clear(),
        None => model.told = Some(Vec::new()),
    }
}

fn snapshot(model: &mut Model, recorded: &[Mediator]) -> Snapshot {
    let c = &model.citizens;
    let orgs = &model.orgs;
    let mut s = Snapshot::default();
    for m in recorded {
        match m {
            Mediator::CitizenTrust => s.citizen_trust = c.trust.clone(),
            Mediator::Efficacy => {
                s.efficacy = c.efficacy.clone();
                s.external_efficacy = c.external_efficacy.clone();
            }
            Mediator::InternalEfficacy => s.efficacy = c.efficacy.clone(),
            Mediator::ExternalEfficacy => s.external_efficacy = c.external_efficacy.clone(),
            Mediator::Motivation => s.motivation = c.motivation.clone(),
            Mediator::Belief => s.belief = c.belief.clone(),
            Mediator::Awareness => {
                s.aware = c.flags.iter().map(|f| f & flag::AWARE != 0).collect();
                s.org_awareness = orgs.iter().map(|o| o.awareness).collect();
            }
            Mediator::OrgTrust => {
                s.org_trust = orgs.iter().map(|o| o.trust).collect();
                s.org_willingness = orgs.iter().map(|o| o.willingness).collect();
                s.staff_trust = model.staff.trust.clone();
                s.staff_willingness = model.staff.willingness.clone();
            }
            Mediator::Openness => s.openness = orgs.iter().map(|o| o.openness).collect(),
            Mediator::Reputation => s.reputation = orgs.iter().map(|o| o.reputation).collect(),
            Mediator::Ties => s.extra_tie = model.network.extra_tie.clone(),
            Mediator::Contagion => {
                s.told = model
                    .told
                    .as_ref()
                    .map(|t| t.iter().map(|&(j, _)| j).collect())
                    .unwrap_or_default();
            }
            Mediator::Membership => {}
        }
    }
    s
}

fn copy<T: Copy>(to: &mut [T], from: &[T]) {
    for (a, b) in to.iter_mut().zip(from) {
        *a = *b;
    }
}

fn impose(model: &mut Model, s: &Snapshot, hold: &[Mediator]) {
    let c = &mut model.citizens;
    for m in hold {
        match m {
            Mediator::CitizenTrust => copy(&mut c.trust, &s.citizen_trust),
            Mediator::Efficacy => {
                copy(&mut c.efficacy, &s.efficacy);
                copy(&mut c.external_efficacy, &s.external_efficacy);
            }
            Mediator::InternalEfficacy => copy(&mut c.efficacy, &s.efficacy),
            Mediator::ExternalEfficacy => copy(&mut c.external_efficacy, &s.external_efficacy),
            Mediator::Motivation => copy(&mut c.motivation, &s.motivation),
            Mediator::Belief => copy(&mut c.belief, &s.belief),
            Mediator::Awareness => {
                for (f, &aware) in c.flags.iter_mut().zip(&s.aware) {
                    set_aware(f, aware);
                }
                for (o, &a) in model.orgs.iter_mut().zip(&s.org_awareness) {
                    o.awareness = a;
                }
            }
            Mediator::OrgTrust => {
                for (o, &a) in model.orgs.iter_mut().zip(&s.org_trust) {
                    o.trust = a;
                }
                for (o, &a) in model.orgs.iter_mut().zip(&s.org_willingness) {
                    o.willingness = a;
                }
                copy(&mut model.staff.trust, &s.staff_trust);
                copy(&mut model.staff.willingness, &s.staff_willingness);
            }
            Mediator::Openness => {
                for (o, &a) in model.orgs.iter_mut().zip(&s.openness) {
                    o.openness = a;
                }
            }
            Mediator::Reputation => {
                for (o, &a) in model.orgs.iter_mut().zip(&s.reputation) {
                    o.reputation = a;
                }
            }
            Mediator::Ties => copy(&mut model.network.extra_tie, &s.extra_tie),
            // Held awareness already carries whom the control's word of mouth told.
            Mediator::Contagion if hold.contains(&Mediator::Awareness) => {}
            Mediator::Contagion => {
                // Undo this run's word of mouth (where it made someone aware), then tell
                // whom the control run's word of mouth told.
                for &(j, was_aware) in model.told.as_deref().unwrap_or_default() {
                    if !was_aware && let Some(f) = c.flags.get_mut(j as usize) {
                        set_aware(f, false);
                    }
                }
                for &j in &s.told {
                    if let Some(f) = c.flags.get_mut(j as usize) {
                        set_aware(f, true);
                    }
                }
            }
            Mediator::Membership => {}
        }
    }
}

fn set_aware(flags: &mut u8, aware: bool) {
    if aware {
        *flags |= flag::AWARE;
    } else {
        *flags &= !flag::AWARE;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate;

    fn small() -> Params {
        let mut p = Params::defaults();
        p.set("population.n_citizens", 600.0).unwrap();
        p.set("population.n_communities", 6.0).unwrap();
        p.set("population.n_organisations", 3.0).unwrap();
        p.set("dynamics.word_of_mouth", 0.5).unwrap();
        p
    }

    fn treated() -> Params {
        let mut p = small();
        p.set("levers.outreach", 0.6).unwrap();
        p
    }

    fn holdable() -> Vec<Mediator> {
        Mediator::ALL.into_iter().filter(|m| m.holdable()).collect()
    }

    fn bytes(out: &RunOutput) -> String {
        format!("{out:?}")
    }

    #[test]
    fn names_round_trip() {
        for m in Mediator::ALL {
            assert_eq!(Mediator::from_name(m.name()), Some(m));
        }
        assert_eq!(Mediator::from_name("gossip"), None);
    }

    #[test]
    fn recording_and_holding_nothing_leave_the_run_unchanged() {
        let p = treated();
        let plain = bytes(&simulate(&p, &[], 40, 3, Detail::WithCitizens));
        let (out, control) = record_mediators(&p, &[], 40, 3, Detail::WithCitizens, &holdable());
        assert_eq!(bytes(&out), plain);
        assert_eq!(control.len(), 40);
        let held = simulate_held(&p, &[], 40, 3, Detail::WithCitizens, &control, &[]);
        assert_eq!(bytes(&held), plain);
    }

    #[test]
    fn holding_a_run_at_its_own_trajectory_changes_nothing() {
        let p = treated();
        let plain = bytes(&simulate(&p, &[], 40, 3, Detail::WithCitizens));
        let (_, own) = record_mediators(&p, &[], 40, 3, Detail::Standard, &holdable());
        for m in holdable() {
            let held = simulate_held(&p, &[], 40, 3, Detail::WithCitizens, &own, &[m]);
            assert_eq!(bytes(&held), plain, "{}", m.name());
        }
        let all = simulate_held(&p, &[], 40, 3, Detail::WithCitizens, &own, &holdable());
        assert_eq!(bytes(&all), plain);
    }

    /// A placebo has the plain run's population (nothing is drawn differently before the
    /// first step) and dynamics of its own.
    #[test]
    fn a_placebo_shares_the_population_and_not_the_dynamics() {
        let p = small();
        let none = Trajectory::default();
        let placebo =
            |steps| simulate_placebo_held(&p, &[], steps, 3, Detail::WithCitizens, &none, &[]);
        assert_eq!(
            bytes(&placebo(0)),
            bytes(&simulate(&p, &[], 0, 3, Detail::WithCitizens))
        );
        let (plain, twin) = (simulate(&p, &[], 40, 3, Detail::WithCitizens), placebo(40));
        assert_ne!(plain.steps, twin.steps);
        let drawn = |o: &RunOutput| -> Vec<(u32, u8, f64, f64)> {
            o.citizens
                .iter()
                .map(|c| (c.community, c.resource_group, c.skill, c.initial_efficacy))
                .collect()
        };
        assert_eq!(drawn(&plain), drawn(&twin));
    }

    /// A placebo is the plain run with, from boundary 0 on, the step streams numbered
    /// `3 x 2^32 +` their own numbers (docs/ODD.md 8.19 and 9), and nothing else changed.
    #[test]
    fn a_placebo_rekeys_every_step_stream_at_boundary_zero() {
        let p = small();
        let none = Trajectory::default();
        // Seed 7, not 3: a placebo keyed on `seed << 32` would pass with seed 3.
        let by_hand = run_steps(&p, &[], 40, 7, Detail::WithCitizens, &mut |model, k| {
            if k == 0 {
                model.streams = Streams::new(7, 3 << 32);
            }
        });
        let placebo = simulate_placebo_held(&p, &[], 40, 7, Detail::WithCitizens, &none, &[]);
        assert_eq!(bytes(&placebo), bytes(&by_hand));
        // Already the first step differs from the plain run's.
        let first = |o: &RunOutput| format!("{:?}", o.steps[0]);
        let plain = simulate(&p, &[], 40, 7, Detail::WithCitizens);
        assert_ne!(first(&placebo), first(&plain));
    }

    /// A held placebo ends with the control's values of what it holds, like a held treatment.
    #[test]
    fn a_held_placebo_takes_the_controls_held_state() {
        let p = small();
        let (plain, control) = record_mediators(&p, &[], 40, 3, Detail::WithCitizens, &holdable());
        let free = simulate_placebo_held(&p, &[], 40, 3, Detail::WithCitizens, &control, &[]);
        let held = simulate_placebo_held(
            &p,
            &[],
            40,
            3,
            Detail::WithCitizens,
            &control,
            &[Mediator::CitizenTrust, Mediator::Belief],
        );
        let trust = |o: &RunOutput| -> Vec<f64> { o.citizens.iter().map(|c| c.trust).collect() };
        assert_eq!(trust(&held), trust(&plain));
        assert_ne!(trust(&free), trust(&plain));
    }

    #[test]
    fn holding_changes_a_treated_run() {
        let (_, control) = record_mediators(&small(), &[], 40, 3, Detail::Standard, &holdable());
        let free = bytes(&simulate(&treated(), &[], 40, 3, Detail::Standard));
        let held = simulate_held(
            &treated(),
            &[],
            40,
            3,
            Detail::Standard,
            &control,
            &holdable(),
        );
        assert_ne!(bytes(&held), free);
    }

    /// After imposing a control snapshot, every held variable equals the control's, agent
    /// by agent; the rest of the state is untouched.
    #[test]
    fn impose_copies_exactly_the_held_state() {
        let (p, q) = (small(), treated());
        for m in holdable() {
            let mut control = Model::new(&p, 9);
            let mut treatment = Model::new(&q, 10);
            control.told = Some(Vec::new());
            treatment.told = Some(Vec::new());
            for _ in 0..12 {
                control.step(&p);
                treatment.step(&q);
            }
            let snap = snapshot(&mut control, &[m]);
            let before_motivation = treatment.citizens.motivation.clone();
            let before_openness: Vec<f64> = treatment.orgs.iter().map(|o| o.openness).collect();
            impose(&mut treatment, &snap, &[m]);
            let (c, t) = (&control.citizens, &treatment.citizens);
            let org = |model: &Model, f: fn(&crate::organisations::Org) -> f64| -> Vec<f64> {
                model.orgs.iter().map(f).collect()
            };
            let aware = |x: &crate::population::Citizens| -> Vec<bool> {
                x.flags.iter().map(|f| f & flag::AWARE != 0).collect()
            };
            match m {
                Mediator::CitizenTrust => assert_eq!(t.trust, c.trust),
                Mediator::Efficacy => {
                    assert_eq!(t.efficacy, c.efficacy);
                    assert_eq!(t.external_efficacy, c.external_efficacy);
                }
                Mediator::InternalEfficacy => assert_eq!(t.efficacy, c.efficacy),
                Mediator::ExternalEfficacy => {
                    assert_eq!(t.external_efficacy, c.external_efficacy)
                }
                Mediator::Motivation => assert_eq!(t.motivation, c.motivation),
                Mediator::Belief => assert_eq!(t.belief, c.belief),
                Mediator::Awareness => {
                    assert_eq!(aware(t), aware(c));
                    assert_eq!(
                        org(&treatment, |o| o.awareness),
                        org(&control, |o| o.awareness)
                    );
                }
                Mediator::OrgTrust => {
                    assert_eq!(org(&treatment, |o| o.trust), org(&control, |o| o.trust));
                    assert_eq!(treatment.staff.willingness, control.staff.willingness);
                }
                Mediator::Openness => {
                    assert_eq!(
                        org(&treatment, |o| o.openness),
                        org(&control, |o| o.openness)
                    );
                }
                Mediator::Reputation => {
                    assert_eq!(
                        org(&treatment, |o| o.reputation),
                        org(&control, |o| o.reputation)
                    );
                }
                Mediator::Ties => {
                    assert_eq!(treatment.network.extra_tie, control.network.extra_tie);
                }
                Mediator::Contagion => {
                    let told: Vec<u32> =
                        control.told.as_ref().unwrap().iter().map(|t| t.0).collect();
                    assert!(!told.is_empty());
                    assert!(told.iter().all(|&j| treatment.citizens.has(j, flag::AWARE)));
                }
                Mediator::Membership => unreachable!(),
            }
            if m != Mediator::Motivation {
                assert_eq!(
                    treatment.citizens.motivation,
                    before_motivation,
                    "{}",
                    m.name()
                );
            }
            if m != Mediator::Openness {
                assert_eq!(
                    org(&treatment, |o| o.openness),
                    before_openness,
                    "{}",
                    m.name()
                );
            }
        }
    }

    #[test]
    fn held_contagion_undoes_only_the_run_s_own_word_of_mouth() {
        let p = small();
        let mut model = Model::new(&p, 4);
        model.told = Some(vec![(5, false), (6, true)]);
        model.citizens.flags[5] |= flag::AWARE;
        model.citizens.flags[6] |= flag::AWARE;
        let snap = Snapshot {
            told: vec![7],
            ..Snapshot::default()
        };
        impose(&mut model, &snap, &[Mediator::Contagion]);
        assert!(!model.citizens.has(5, flag::AWARE), "told only in this run");
        assert!(
            model.citizens.has(6, flag::AWARE),
            "aware before word of mouth"
        );
        assert!(
            model.citizens.has(7, flag::AWARE),
            "told in the control run"
        );
    }
}
