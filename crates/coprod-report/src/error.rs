//! The error type of `coprod-report`.
//!
//! Owns [`ReportError`]; every variant names the file or directory concerned.

use std::path::PathBuf;

use coprod_output::read::ReadError;
use coprod_plot::PlotError;

/// Everything that can go wrong while reading a run directory or writing a report.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// A file of the run directory is missing or malformed.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// A report file could not be moved into place.
    #[error(transparent)]
    Output(#[from] coprod_output::OutputError),
    /// A chart could not be drawn or written.
    #[error(transparent)]
    Plot(#[from] PlotError),
    /// A report file or directory could not be written or read.
    #[error("cannot write {}: {source}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// What the OS reported.
        #[source]
        source: std::io::Error,
    },
    /// The run directory does not hold what the report needs.
    #[error("{}: {message}", dir.display())]
    Unsuitable {
        /// The run directory.
        dir: PathBuf,
        /// What is missing.
        message: String,
    },
    /// A file of the run directory lacks what every run writes (it was edited or damaged):
    /// not a finding about the runs, unlike [`ReportError::Unsuitable`].
    #[error("{}: {message}", path.display())]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        message: String,
    },
}

impl ReportError {
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> ReportError {
        ReportError::Io {
            path: path.into(),
            source,
        }
    }
}
