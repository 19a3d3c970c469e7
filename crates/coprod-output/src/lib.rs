//! # coprod-output: what a coprod run leaves on disk
//!
//! # Brief overview
//! A run directory holds `runs.csv` (one row per run), `timeseries.csv` (per run and
//! step), `groups.csv` (per group), `summary.csv` (mean, sd, n and 95% t-interval per
//! variant, sweep point and metric), `failures.csv` (failed runs, if any) and
//! `manifest.json`. [`Writer`] streams runs into a hidden partial directory, records each
//! durable chunk in a journal so that an interrupted run can be resumed
//! ([`Writer::resume`]), and moves the directory into place when complete; an existing
//! directory is only replaced with [`Existing::Replace`]. This is the only crate that
//! knows CSV.
//! Columns are documented in `docs/outputs.md`.
//!
//! # Example
//! ```
//! use coprod_core::{simulate, Detail, Params};
//! use coprod_output::{Existing, Kind, RunIdentity, Writer};
//! let mut params = Params::defaults();
//! params.set("population.n_citizens", 100.0).unwrap();
//! params.set("population.n_communities", 2.0).unwrap();
//! let out = simulate(&params, &[], 5, 7, Detail::Standard);
//! let tmp = tempfile::tempdir().unwrap();
//! let mut writer = Writer::create(&tmp.path().join("run"), vec![], Existing::Refuse(Kind::Run)).unwrap();
//! let id = RunIdentity { run_id: 0, variant: "baseline", point: &[], replication: 0, seed: 7 };
//! writer.write_run(&id, &out).unwrap();
//! assert_eq!(writer.runs_written(), 1);
//! ```
#![deny(missing_docs)]

mod comparison;
mod csv_rows;
mod files;
mod manifest;
mod parameters;
mod published;
pub mod read;
mod rundir;
mod sensitivity;
mod stats;
mod tables;
mod targets;
mod validation;

use std::path::{Path, PathBuf};

pub use comparison::{COMPARISON_CSV, ComparisonRow, comparison_header, write_comparison};
pub use csv_rows::{InputFileError, read_utf8};
pub use files::{Replacement, remove_abandoned_temporaries};
pub use manifest::{
    ComparisonInfo, ExperimentInfo, InterventionInfo, Lowered, Manifest, MetricInfo, NameValue,
    OptionValue, ParamValue, QuickLowered, ReplicationSeed, ScenarioInfo, SeedInfo, SweepInfo,
    Timing, VariantInfo, record_comparison, record_file, report_metrics_first, utc_timestamp,
};
pub use parameters::{
    PARAMETER_SOURCES, PARAMETERS_CSV, ParameterRow, parameters_header, write_parameters,
};
pub use published::{
    PUBLISHED_COLUMNS, Published, PublishedKind, PublishedValue, Sign, parse_published,
    read_published,
};
pub use rundir::{
    Existing, Kind, PARTIAL_JSON, RunDir, default_run_dir, final_paths, partial_dir, unused_run_dir,
};
pub use sensitivity::{
    DESIGN_CSV, DesignRow, SENSITIVITY_CSV, SENSITIVITY_HEADER, SensitivityRow, write_design,
    write_sensitivity,
};
pub use stats::{
    Accumulator, Summary, difference_range, feasible_range, metric_run_range, run_range,
    t_half_width, t_quantile_975, within,
};
pub use tables::merge::{
    SHARD_JSON, ShardInfo, ShardScenario, check_shard, describe_range, describe_ranges,
    missing_and_duplicate_runs, read_shard, shard_range, write_shard,
};
pub use tables::{
    Completed, FAILURES_CSV, FILES, GROUP_LIFE_COLUMNS, GROUPS_CSV, Identity, MANIFEST_JSON,
    RUNS_CSV, RunIdentity, SUMMARY_CSV, Saved, TIMESERIES_CSV, Waiting, Writer, recipe_differences,
    saved_runs, waiting_runs,
};
pub use targets::{
    MAX_OBSERVED, MIN_SE, TARGET_COLUMNS, Target, Unreported, parse_targets, read_table,
    read_targets, write_json_file, write_table,
};
pub use validation::{
    BLOCKS_CSV, BlockRow, ClaimDesign, DECOMPOSITION_CSV, DecompositionRow, ROBUSTNESS_CSV,
    RobustnessRow, VALIDATION_CSV, ValidationDir, ValidationManifest, ValidationRow,
    merge_validation, read_validation, write_validation,
};

/// The message of [`OutputError::HoldsInput`]: "DIR holds DIR" would not say what is wrong
/// when the input is the output directory itself.
fn holds_input(path: &Path, input: &Path, itself: bool) -> String {
    if itself {
        format!(
            "{} is the output directory and also an input of this command: `--force` would \
             delete it before it is read; choose another --out",
            path.display()
        )
    } else {
        format!(
            "{} holds {}, which this command reads: `--force` would delete it with the old \
             result; move it out of the folder or choose another --out",
            path.display(),
            input.display()
        )
    }
}

/// Why outputs could not be written.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The run directory exists and replacing it was not asked for.
    #[error(
        "output directory {} already exists{}",
        path.display(),
        other.as_ref().map_or_else(String::new, |o| format!(" and holds {o}"))
    )]
    Exists {
        /// The directory.
        path: PathBuf,
        /// What it holds when it is not a result of this command ("a calibration result",
        /// "another command's result"), which `--force` would not replace either.
        other: Option<String>,
    },
    /// The directory holds files but is not a coprod run directory: nothing is written
    /// into it or replaces it, with or without `--force`.
    #[error(
        "{} already exists and is not a coprod run directory (it has no manifest.json): \
         coprod does not write into it or replace it",
        path.display()
    )]
    NotARunDir {
        /// The directory.
        path: PathBuf,
    },
    /// The directory's manifest.json cannot be read or parsed, so what it holds is unknown:
    /// nothing is written into it or replaces it, with or without `--force`.
    #[error(
        "{problem}\n{} cannot be recognised as a coprod result: coprod does not write into it \
         or replace it",
        path.display()
    )]
    Unrecognised {
        /// The directory.
        path: PathBuf,
        /// Why its manifest.json does not read.
        problem: crate::files::ReadError,
    },
    /// `--force` was given, but the directory holds a file or folder the command reads (its
    /// scenario file, a shard): replacing the directory would delete it.
    #[error("{}", holds_input(path, input, *itself))]
    HoldsInput {
        /// The directory.
        path: PathBuf,
        /// The input inside it, as given.
        input: PathBuf,
        /// Whether the input is the directory itself (`coprod merge A B --out A`).
        itself: bool,
    },
    /// `--force` was given, but the directory holds another kind of result (a calibration
    /// when a run was asked for): it is never replaced by this command.
    #[error(
        "{} holds {found}, not a {expected} result: `--force` replaces only a result of its \
         own command",
        path.display()
    )]
    OtherKind {
        /// The directory.
        path: PathBuf,
        /// What its manifest.json says it holds ("a calibration result", "another command's
        /// result").
        found: String,
        /// The kind this command writes.
        expected: &'static str,
    },
    /// The output directory cannot be created (for example its parent is read-only).
    #[error("cannot create output directory {}: {reason}", path.display())]
    CannotCreate {
        /// The run directory.
        path: PathBuf,
        /// Why, as the OS or coprod says it.
        reason: String,
    },
    /// An interrupted run of the same target is waiting to be resumed.
    #[error(
        "an interrupted run of {} is waiting in {}",
        path.display(),
        partial.display()
    )]
    Interrupted {
        /// The run directory.
        path: PathBuf,
        /// Its partial directory.
        partial: PathBuf,
    },
    /// `--resume` was asked for, but there is no interrupted run of the target.
    #[error("there is no interrupted run of {} to resume", path.display())]
    NothingToResume {
        /// The run directory.
        path: PathBuf,
    },
    /// Another process is writing the partial directory.
    #[error("another coprod process is writing {}", path.display())]
    Busy {
        /// The partial directory.
        path: PathBuf,
    },
    /// The interrupted run was started with a different scenario or coprod version.
    #[error(
        "cannot resume {}: it was started with {what} {found}, but this run has {expected}",
        path.display()
    )]
    Mismatch {
        /// The run directory.
        path: PathBuf,
        /// `coprod version` or `scenario fingerprint`.
        what: String,
        /// What the partial directory records.
        found: String,
        /// What this invocation has.
        expected: String,
    },
    /// The interrupted run was started with other scenario settings: those that differ, in
    /// words ([`Identity::recipe`]).
    #[error(
        "cannot resume {}: it was started with {started}, but this run has {now}",
        path.display()
    )]
    Differs {
        /// The run directory.
        path: PathBuf,
        /// What the partial directory records, of what differs.
        started: String,
        /// What this invocation has instead.
        now: String,
    },
    /// A file of a partial directory is not what the journal says.
    #[error("cannot resume from {}: {reason}", path.display())]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A shard directory is missing, unfinished or does not hold what its shard.json says.
    #[error("{}: {reason}", path.display())]
    Shard {
        /// The shard directory or file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A file or directory operation failed.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the OS reported.
        #[source]
        source: std::io::Error,
    },
    /// The CSV writer failed.
    #[error("cannot write {}: {source}", path.display())]
    Csv {
        /// The file.
        path: PathBuf,
        /// What the CSV writer reported.
        #[source]
        source: csv::Error,
    },
    /// The manifest could not be serialised.
    #[error("cannot write {}: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// What serde_json reported.
        #[source]
        source: serde_json::Error,
    },
}

impl OutputError {
    fn io(path: &Path, source: std::io::Error) -> OutputError {
        OutputError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    fn csv(path: &Path, source: csv::Error) -> OutputError {
        OutputError::Csv {
            path: path.to_path_buf(),
            source,
        }
    }
}
