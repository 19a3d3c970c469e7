//! # coprod-scenario: scenario files for coprod
//!
//! # Brief overview
//! Reads a scenario TOML file (parameters, interventions, experiment with sweep and
//! variants), checks every key and value against `coprod_core::SPECS`, and expands it into
//! [`RunSpec`]s: variants x sweep points x replications. Errors carry
//! `file:line:column`, the key and value, the allowed range and a `hint:`.
//! Run seeds use common random numbers: [`run_seed`] depends on the base seed and the
//! replication only. The file format is documented in `docs/scenarios.md`.
//! This is the only crate that knows the scenario file format; it does no file IO.
//!
//! # Example
//! ```
//! use coprod_scenario::Scenario;
//! let text = r#"
//! name = "demo"
//! [params.population]
//! n_citizens = 200
//! n_communities = 4
//! [experiment]
//! steps = 12
//! replications = 2
//! [experiment.sweep]
//! "levers.group_size_cap" = [4, 8]
//! "#;
//! let scenario = Scenario::from_toml(text, "demo.toml", "demo").unwrap();
//! assert_eq!(scenario.n_runs(), 4);
//! let runs: Vec<_> = scenario.runs().collect();
//! assert_eq!(runs[3].params.group_size_cap, 8.0);
//! assert_eq!(runs[0].seed, runs[2].seed); // paired: same replication, same seed
//! ```
#![deny(missing_docs)]

mod calibration;
mod error;
mod fingerprint;
mod runs;
mod scenario;
mod schema;
mod sensitivity;
mod settings;
pub mod suggest;
mod validation;
mod values;
mod warnings;

pub use calibration::{Calibration, Estimated, Prior};
pub use coprod_core::{SEED_DERIVATION, run_seed, text_seed};
pub use error::ScenarioError;
pub use runs::RunSpec;
pub use scenario::{
    BASELINE, MAX_REPORT_METRICS, MAX_RUNS, MAX_SWEEP_POINTS, ParamSource, QUICK_MAX_CITIZENS,
    QUICK_MAX_REPLICATIONS, QUICK_MAX_STEPS, Scenario, SweepAxis, Variant, file_slug,
};
pub use sensitivity::{Factor, Method, Sensitivity};
pub use settings::{Setting, settable_keys};
pub use validation::{ClaimClass, Comparison, DEFAULT_POWER, Direction, Registration, Validation};
pub use warnings::lab_measures;
