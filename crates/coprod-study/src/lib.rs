//! # coprod-study: the application layer under the `coprod` command
//!
//! # Brief overview
//! Everything a `coprod` command does, behind a typed API that a terminal, a server or a
//! test can call: load a scenario by name or path ([`Study::load`]), apply settings, run
//! it into a run directory (fresh, resumed, sharded, adaptive `--target-ci`) and finish
//! the directory (summary, comparison, charts, pages) with [`Study::run`]; and one
//! function per other command: [`merge()`], [`compare()`], [`plot()`], [`teach()`],
//! [`sensitivity()`], [`validate()`], [`calibrate()`], [`survey()`], [`slurm()`],
//! [`check()`], [`list()`].
//!
//! Progress and cancellation go through the [`Progress`] trait. Functions return typed
//! results and a [`StudyError`]; they never print, never exit the process and never touch
//! the terminal. Files are written only into run directories, through `coprod-output`.
//!
//! # Example
//! ```no_run
//! use coprod_study::{RunOptions, Silent, Study};
//! let study = Study::load("group-size").unwrap();
//! let options = RunOptions { quick: true, threads: 2, ..RunOptions::default() };
//! let summary = study.run(&options, &Silent).unwrap();
//! assert!(summary.dir.join("runs.csv").is_file());
//! ```
#![deny(missing_docs)]

/// The version of coprod that every output records (`coprod_version` in manifest.json, and in
/// a calibration's calibration.json). It changes whenever the same scenario and seed would
/// give other CSV bytes (CHANGELOG.md), so that `--resume`, `merge` and `calibrate --resume`,
/// which refuse to join work of two versions, never mix results of two models or measures.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

mod calibrate;
mod calibrate_run;
mod check;
mod compare;
mod error;
mod estimate;
mod finish;
mod list;
mod merge;
mod plot;
mod progress;
mod published;
mod resume;
mod run;
mod sensitivity;
mod shard;
mod shard_arg;
mod shipped;
mod slurm;
mod slurm_calibrate;
mod survey;
mod teach;
mod validate;

pub use calibrate::{CalibrateOptions, Calibration};
pub use calibrate_run::{
    Calibrated, MergedCalibration, PendingRound, ShardOutcome, calibrate, calibrate_shard,
    is_calibration, merge_calibration,
};
pub use check::{Checked, CheckedScenario, check, refuse_invalid_analysis};
pub use compare::{DEFAULT_METRICS, compare};
pub use error::{CHOOSE_WRITABLE_OUT, Context, Result, StudyError, chain};
pub use estimate::{describe, describe_runs, human_duration};
pub use list::list;
pub use merge::{Merged, check_one_kind, is_validation_result, merge, merge_validation};
pub use plot::plot;
pub use progress::{Note, Progress, Silent};
pub use published::{
    PUBLISHED_CSV, PublishedComparison, PublishedRow, check_published, write_published,
};
pub use resume::{Interrupted, Resumable, command_line};
pub use run::{ResumedBy, RunOptions, RunSummary, Study, another_out};
pub use sensitivity::{SensitivityOptions, SensitivitySummary, sensitivity};
pub use shard_arg::{FROM_SLURM, ShardArg, parse_shard};
pub use shipped::{DEFAULT_SCENARIO, SHIPPED};
pub use slurm::{SlurmOptions, SlurmScript, shell_quote, slurm};
pub use slurm_calibrate::slurm_calibration;
pub use survey::{Survey, SurveyOptions, survey};
pub use teach::{Lesson, Lessoned, TeachOptions, teach};
pub use validate::{VALIDATION, ValidateOptions, Validation, validate};
