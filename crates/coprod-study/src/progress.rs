//! How a study reports what it is doing, and how its caller stops it: the [`Progress`]
//! trait. The command line implements it with a progress bar, messages on stderr and
//! Ctrl-C; a server with a stream to a browser; tests with a recorder.
//!
//! Imports nothing of ours but the resume record.

use crate::resume::Resumable;

/// A message for the person running the study. The text is complete; the kind says how
/// to show it (the command line prefixes `note: ` and `warning: `).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Note {
    /// What the study is doing ("group-size: 30 runs of 120 steps ...").
    Status(String),
    /// Something worth knowing that changes nothing ("`x` replaces the sweep over x").
    Note(String),
    /// Something that may be a mistake, or a result that is missing (a chart not drawn).
    Warning(String),
}

/// Receives a study's progress and says whether to stop. Called from worker threads.
pub trait Progress: Sync {
    /// A batch of `total` runs starts (a run's progress bar).
    fn start(&self, total: u64) {
        let _ = total;
    }

    /// `n` more runs of the batch are done.
    fn advance(&self, n: u64) {
        let _ = n;
    }

    /// The batch is over (finished, failed or cancelled).
    fn finish(&self) {}

    /// A message for the person running the study.
    fn note(&self, note: Note) {
        let _ = note;
    }

    /// A resumable run directory is being written from now on: stopping the process at any
    /// moment keeps the runs it saved, and `resumable.command` finishes them.
    fn resumable(&self, resumable: &Resumable) {
        let _ = resumable;
    }

    /// From now on, stopping the process keeps what `what` says (nothing, during the pilot
    /// of `--target-ci`; the checkpoints of a calibration) and how to go on.
    fn on_interrupt(&self, what: &str) {
        let _ = what;
    }

    /// Whether to stop. Checked after each run is written: a cancelled run saves the runs
    /// done so far and returns [`crate::StudyError::Cancelled`].
    fn cancelled(&self) -> bool {
        false
    }
}

/// What Ctrl-C says during a command whose results are written only when complete (a
/// validation, a sensitivity analysis, a survey): nothing is kept, the same command starts over.
pub(crate) fn nothing_written(what: &str) -> String {
    format!(
        "interrupted: the {what} is written only when complete, and nothing of it was kept; \
         give the same command again to start over"
    )
}

/// Progress that shows nothing and never cancels.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Progress for Silent {}
