//! The raw scenario file as serde reads it: structure and types only, no meaning.
//!
//! Owns field names and defaults of the TOML format (documented in docs/scenarios.md).
//! Unknown fields are errors (`deny_unknown_fields`): a misspelt key silently ignored would
//! corrupt a study. Parameter tables stay `toml::Table` here; `scenario.rs` checks them
//! against `coprod_core::SPECS`.

use serde::Deserialize;

/// Steps when `[experiment] steps` is absent (120 monthly steps = 10 years).
pub(crate) const DEFAULT_STEPS: u32 = 120;
/// Replications when `[experiment] replications` is absent.
pub(crate) const DEFAULT_REPLICATIONS: u32 = 10;
/// Base seed when `[experiment] seed` is absent.
pub(crate) const DEFAULT_SEED: u64 = 1;

/// A whole scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawScenario {
    /// Short name used for the output folder; defaults to the file name without `.toml`.
    pub(crate) name: Option<String>,
    /// The question the scenario answers, in plain words.
    #[serde(default)]
    pub(crate) description: String,
    /// Parameter values that differ from the model defaults, as `[params.<section>]` tables.
    #[serde(default)]
    pub(crate) params: toml::Table,
    /// Levers changed during the run, in every variant.
    #[serde(default)]
    pub(crate) interventions: Vec<RawIntervention>,
    /// Steps, replications, seed, sweep and variants.
    #[serde(default)]
    pub(crate) experiment: RawExperiment,
    /// What claim the scenario tests (validation scenarios only).
    pub(crate) validation: Option<RawValidation>,
    /// Parameter ranges and design sizes for `coprod sensitivity`.
    pub(crate) sensitivity: Option<RawSensitivity>,
    /// Priors and run sizes for `coprod calibrate`.
    pub(crate) calibration: Option<RawCalibration>,
    /// What the run's report shows first.
    pub(crate) report: Option<RawReport>,
}

/// `[report]`: see `report_metrics` in `scenario.rs` and docs/scenarios.md.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawReport {
    #[serde(default)]
    pub(crate) metrics: Vec<String>,
}

/// `[calibration]`: see `calibration.rs` and docs/calibration.md.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCalibration {
    #[serde(default)]
    pub(crate) priors: toml::Table,
    // Read as any value and checked in calibration.rs, so that a value of the wrong type
    // is refused with the allowed range, like one out of range.
    pub(crate) particles: Option<toml::Value>,
    pub(crate) generations: Option<toml::Value>,
    pub(crate) quantile: Option<toml::Value>,
    pub(crate) min_acceptance: Option<toml::Value>,
}

/// `[sensitivity]`: see `sensitivity.rs` and docs/sensitivity.md.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSensitivity {
    pub(crate) method: Option<String>,
    #[serde(default)]
    pub(crate) parameters: toml::Table,
    #[serde(default)]
    pub(crate) outputs: Vec<String>,
    // Read as any value and checked in sensitivity.rs (see `RawCalibration`).
    pub(crate) samples: Option<toml::Value>,
    pub(crate) trajectories: Option<toml::Value>,
    pub(crate) levels: Option<toml::Value>,
    pub(crate) replications: Option<toml::Value>,
    pub(crate) bootstrap: Option<toml::Value>,
}

/// `[validation]`: see `validation.rs` and docs/validation.md.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawValidation {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) claim: String,
    /// Descriptive since the registration fields exist; optional.
    #[serde(default)]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) metric: String,
    pub(crate) direction: String,
    pub(crate) comparison: Option<String>,
    /// Descriptive only: ablating a lever's own entry point is not evidence.
    #[serde(default)]
    pub(crate) ablation: Vec<String>,
    // The pre-registration (docs/validation.md): all of these or none.
    pub(crate) class: Option<String>,
    pub(crate) encoded_by: Option<String>,
    pub(crate) sesoi: Option<toml::Value>,
    pub(crate) sesoi_reason: Option<String>,
    pub(crate) horizon: Option<toml::Value>,
    pub(crate) window: Option<toml::Value>,
    pub(crate) mediators: Option<Vec<String>>,
    pub(crate) mediators_reason: Option<String>,
    pub(crate) power: Option<toml::Value>,
}

/// `[experiment]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExperiment {
    /// Steps per run (months; rounds in the lab setting).
    pub(crate) steps: Option<u32>,
    /// Replications per variant and sweep point.
    pub(crate) replications: Option<u32>,
    /// Base seed from which every replication's seed is derived.
    pub(crate) seed: Option<u64>,
    /// Parameter name to a list of values or a `{ from, to, step }` range.
    #[serde(default)]
    pub(crate) sweep: toml::Table,
    /// Named alternatives to the implicit `baseline` variant.
    #[serde(default)]
    pub(crate) variants: Vec<RawVariant>,
}

/// `[[experiment.variants]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawVariant {
    /// Name written in the `variant` column.
    pub(crate) name: String,
    /// What the variant changes, in plain words.
    #[serde(default)]
    pub(crate) description: String,
    /// Parameter values on top of the scenario's `[params]`.
    #[serde(default)]
    pub(crate) params: toml::Table,
    /// Interventions added to the scenario's own.
    #[serde(default)]
    pub(crate) interventions: Vec<RawIntervention>,
}

/// `[[interventions]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawIntervention {
    /// A lever parameter, e.g. `levers.outreach`.
    pub(crate) lever: String,
    /// Its value while in force.
    pub(crate) value: toml::Value,
    /// First step in force (0-based); default 0.
    #[serde(default)]
    pub(crate) from_step: u32,
    /// First step no longer in force; default: to the end of the run.
    pub(crate) until_step: Option<u32>,
}
