//! # coprod-core: the co-production model
//!
//! # Brief overview
//! An agent-based model of citizen co-production of public services: citizens on a
//! clustered social network, organisations that open co-production opportunities and
//! share power, and small groups that produce a service together with professionals.
//! The crate is pure: no files, printing, clocks, threads or global state. A run is a
//! function of (parameters, interventions, steps, seed). `docs/ODD.md` is its
//! specification.
//!
//! # Example
//! ```
//! use coprod_core::{simulate, Detail, Params};
//! let mut params = Params::defaults();
//! params.set("population.n_citizens", 400.0).unwrap();
//! params.set("population.n_communities", 4.0).unwrap();
//! let out = simulate(&params, &[], 24, 7, Detail::Standard);
//! assert_eq!(out.steps.len(), 24);
//! ```
#![deny(missing_docs)]
// The parameter table macro brings its ~130 rows to one form a row at a time.
#![recursion_limit = "512"]

mod contribution;
mod group;
mod groups;
mod interventions;
mod lab;
mod mediators;
mod metrics;
mod model;
mod network;
mod organisations;
mod params;
mod population;
mod production;
mod rng;
mod seed;
mod staff;
mod view;

pub use interventions::Intervention;
pub use lab::{LAB_MEANINGS, LAB_METRICS, LabSubject, lab_meaning};
pub use mediators::{Mediator, Trajectory, record_mediators, simulate_held, simulate_placebo_held};
pub use metrics::{
    CitizenRecord, EndReason, GROUP_METRICS, GroupLife, GroupRecord, LASTING_MONTHS, METRICS,
    OrgStepRecord, RunOutput, SUMMARY_STEPS, StepMetrics, TaskKind, censored_spell, end_rate,
    ended_spell, kaplan_meier, median_lifetime, share_lasting, spell, spells, summary_names,
};
pub use model::Model;
pub use params::{
    ASSUMED_RANGES, AssumedRange, Kind, LAB_READS, ParamError, ParamSpec, Params, SPECS,
    SWITCHED_READS, SwitchedRead, readable,
};
pub use seed::{SEED_DERIVATION, run_seed, text_seed};
pub use view::{CitizenState, CommunityView};

/// How much a run records beyond the per-step metrics and groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    /// Per-step metrics and per-group records.
    Standard,
    /// Also one record per citizen at the end and one per organisation and step.
    WithCitizens,
}

/// Runs the model for `steps` steps and returns what it reports.
///
/// `params` must have passed [`Params::validate`]; interventions are applied in order
/// at the start of each step.
pub fn simulate(
    params: &Params,
    interventions: &[Intervention],
    steps: u32,
    seed: u64,
    detail: Detail,
) -> RunOutput {
    run_steps(params, interventions, steps, seed, detail, &mut |_, _| {})
}

/// [`simulate`], calling `boundary(model, k)` at each step boundary, `k` = steps done
/// (0 before the first step): the mediator hook of `mediators.rs`.
pub(crate) fn run_steps(
    params: &Params,
    interventions: &[Intervention],
    steps: u32,
    seed: u64,
    detail: Detail,
    boundary: &mut dyn FnMut(&mut Model, u32),
) -> RunOutput {
    if params.is_lab() {
        return lab::run_lab(params, steps, seed, detail);
    }
    let mut model = Model::new(params, seed);
    let mut out = RunOutput::default();
    out.steps.reserve(steps as usize);
    let mut in_force = params.clone();
    boundary(&mut model, 0);
    for step in 0..steps {
        interventions::apply(params, interventions, step, &mut in_force);
        out.steps.push(model.step(&in_force));
        if detail == Detail::WithCitizens {
            out.organisations
                .extend(model.organisation_records(&in_force));
        }
        boundary(&mut model, step + 1);
    }
    if detail == Detail::WithCitizens {
        out.citizens = model.citizen_records();
    }
    out.groups = model.into_group_records();
    out
}
