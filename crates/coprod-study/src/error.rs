//! The one error type of the application layer, and the helpers that build it.
//!
//! Imports nothing of ours but the crate's own `resume` (the interrupted run's record).

use std::fmt;
use std::path::{Path, PathBuf};

use coprod_output::OutputError;
use coprod_scenario::ScenarioError;

use crate::resume::Interrupted;

/// What went wrong in a study. The `Display` of each variant is a complete message for a
/// person (with a `hint:` where there is an obvious fix); `source()` gives the causes.
#[derive(Debug)]
pub enum StudyError {
    /// Bad input or options, or a state the command refuses (the message says which and
    /// how to fix it).
    Invalid(String),
    /// A scenario file or setting was rejected (file, line, key, allowed range).
    Scenario(ScenarioError),
    /// A run directory or output file could not be written or read.
    Output(OutputError),
    /// A file could not be read or written.
    Io(std::io::Error),
    /// An error of another coprod crate (sweep, plot, report, calibrate, validate, ...).
    Library(Box<dyn std::error::Error + Send + Sync>),
    /// `source` with what was being done when it happened.
    Context {
        /// What was being done ("cannot finish outputs/x").
        context: String,
        /// Why it failed.
        source: Box<StudyError>,
    },
    /// The study was cancelled through [`crate::Progress::cancelled`]; the runs saved
    /// before are kept and [`Interrupted::command`] finishes the run.
    Cancelled(Interrupted),
}

/// The result of a study function.
pub type Result<T, E = StudyError> = std::result::Result<T, E>;

impl StudyError {
    /// Every output error in this error or its context chain (for hints a caller adds).
    pub fn output_error(&self) -> Option<&OutputError> {
        match self {
            StudyError::Output(e) => Some(e),
            StudyError::Context { source, .. } => source.output_error(),
            _ => None,
        }
    }

    /// Whether an I/O error (a full disk, a path that cannot be written) caused it, as
    /// opposed to data with nothing to compare or draw.
    pub fn is_io(&self) -> bool {
        match self {
            StudyError::Io(_) => true,
            StudyError::Context { source, .. } => source.is_io(),
            StudyError::Output(e) => caused_by_io(e),
            StudyError::Library(e) => caused_by_io(e.as_ref()),
            _ => false,
        }
    }

    /// The kind of the I/O error that caused it, if one did.
    fn io_kind(&self) -> Option<std::io::ErrorKind> {
        let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(self);
        while let Some(c) = cause {
            if let Some(io) = c.downcast_ref::<std::io::Error>() {
                return Some(io.kind());
            }
            cause = match c.downcast_ref::<StudyError>() {
                // `source()` of these skips the wrapped error itself.
                Some(StudyError::Io(e)) => return Some(e.kind()),
                Some(StudyError::Output(e)) => Some(e),
                Some(StudyError::Library(e)) => Some(e.as_ref()),
                _ => c.source(),
            };
        }
        None
    }

    /// Whether the file system refused to let it write (a read-only folder, or another
    /// user's), as opposed to a read that was refused or any other failure.
    pub(crate) fn write_denied(&self) -> bool {
        !caused_by_reading(self) && self.io_kind() == Some(std::io::ErrorKind::PermissionDenied)
    }

    /// This error with the paths of `target`'s working folders (the replacement folder a
    /// command draws in, [`coprod_output::final_paths`]) written as the paths they have in
    /// `target`: such a folder is removed when the command fails, so an error that named it
    /// would send the reader to a folder that is gone. Whether it was caused by I/O is kept.
    /// An error in making the output directory is kept as it is: it names a working folder
    /// that is still there (someone's folder in its place, or another process's), which is
    /// the one to move or wait for.
    pub(crate) fn at_final_paths(self, target: &std::path::Path) -> StudyError {
        if matches!(
            self.output_error(),
            Some(
                OutputError::CannotCreate { .. }
                    | OutputError::Busy { .. }
                    | OutputError::Interrupted { .. }
            )
        ) {
            return self;
        }
        self.with_paths(&|text| coprod_output::final_paths(text, target))
    }

    /// This error with the path `read` (the one a command opened) written as `typed` (the
    /// one on the command line), at every level of the message, keeping whether and how it
    /// was caused by I/O.
    pub(crate) fn named_as(self, read: &std::path::Path, typed: &std::path::Path) -> StudyError {
        let (read, typed) = (display_path(read), display_path(typed));
        self.with_paths(&|text| text.replace(&read, &typed))
    }

    /// This error with every message rewritten by `moved` (which changes only paths).
    fn with_paths(self, moved: &dyn Fn(&str) -> String) -> StudyError {
        match self {
            StudyError::Invalid(text) => StudyError::Invalid(moved(&text)),
            StudyError::Context { context, source } => StudyError::Context {
                context: moved(&context),
                source: Box::new(source.with_paths(moved)),
            },
            StudyError::Cancelled(_) => self,
            // A typed error holds its paths in fields of another crate's type: its whole
            // message, causes included, becomes the error, with the paths moved.
            leaf => {
                let text = chain(&leaf);
                let at = moved(&text);
                if at == text {
                    leaf
                } else if leaf.is_io() {
                    // The kind too: a refused write is told from a full disk by it.
                    let kind = leaf.io_kind().unwrap_or(std::io::ErrorKind::Other);
                    StudyError::Io(std::io::Error::new(kind, at))
                } else {
                    StudyError::Invalid(at)
                }
            }
        }
    }
}

impl fmt::Display for StudyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StudyError::Invalid(text) => f.write_str(text),
            StudyError::Scenario(e) => e.fmt(f),
            StudyError::Output(e) => e.fmt(f),
            StudyError::Io(e) => e.fmt(f),
            StudyError::Library(e) => e.fmt(f),
            StudyError::Context { context, .. } => f.write_str(context),
            StudyError::Cancelled(i) => i.fmt(f),
        }
    }
}

impl std::error::Error for StudyError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StudyError::Scenario(e) => e.source(),
            StudyError::Output(e) => e.source(),
            StudyError::Io(e) => e.source(),
            StudyError::Library(e) => e.source(),
            StudyError::Context { source, .. } => Some(source.as_ref()),
            StudyError::Invalid(_) | StudyError::Cancelled(_) => None,
        }
    }
}

impl From<ScenarioError> for StudyError {
    fn from(e: ScenarioError) -> StudyError {
        StudyError::Scenario(e)
    }
}

impl From<OutputError> for StudyError {
    fn from(e: OutputError) -> StudyError {
        StudyError::Output(e)
    }
}

impl From<std::io::Error> for StudyError {
    fn from(e: std::io::Error) -> StudyError {
        StudyError::Io(e)
    }
}

impl From<std::convert::Infallible> for StudyError {
    fn from(e: std::convert::Infallible) -> StudyError {
        match e {}
    }
}

macro_rules! library_errors {
    ($($t:ty),* $(,)?) => {$(
        impl From<$t> for StudyError {
            fn from(e: $t) -> StudyError {
                StudyError::Library(Box::new(e))
            }
        }
    )*};
}

library_errors!(
    coprod_sweep::PoolError,
    coprod_plot::PlotError,
    coprod_report::ReportError,
    coprod_calibrate::CalibrateError,
    coprod_validate::ValidateError,
    coprod_output::read::ReadError,
    coprod_output::InputFileError,
    coprod_core::ParamError,
    rayon::ThreadPoolBuildError,
    serde_json::Error,
    std::env::VarError,
);

/// `.context(...)` and `.with_context(...)` for any result whose error becomes a
/// [`StudyError`] (and for options: `None` becomes [`StudyError::Invalid`]).
pub trait Context<T> {
    /// The error, with what was being done.
    fn context(self, context: impl Into<String>) -> Result<T>;
    /// The error, with what was being done (computed only on error).
    fn with_context<S: Into<String>>(self, context: impl FnOnce() -> S) -> Result<T>;
}

impl<T, E: Into<StudyError>> Context<T> for std::result::Result<T, E> {
    fn context(self, context: impl Into<String>) -> Result<T> {
        self.map_err(|e| StudyError::Context {
            context: context.into(),
            source: Box::new(e.into()),
        })
    }

    fn with_context<S: Into<String>>(self, context: impl FnOnce() -> S) -> Result<T> {
        self.map_err(|e| StudyError::Context {
            context: context().into(),
            source: Box::new(e.into()),
        })
    }
}

impl<T> Context<T> for Option<T> {
    fn context(self, context: impl Into<String>) -> Result<T> {
        self.ok_or_else(|| StudyError::Invalid(context.into()))
    }

    fn with_context<S: Into<String>>(self, context: impl FnOnce() -> S) -> Result<T> {
        self.ok_or_else(|| StudyError::Invalid(context().into()))
    }
}

/// A [`StudyError::Invalid`] from a format string.
macro_rules! invalid {
    ($($arg:tt)*) => { $crate::error::StudyError::Invalid(format!($($arg)*)) };
}

/// Returns a [`StudyError::Invalid`] from a format string.
macro_rules! bail {
    ($($arg:tt)*) => { return Err($crate::error::invalid!($($arg)*)) };
}

pub(crate) use {bail, invalid};

/// A path as printed in messages.
pub(crate) fn display_path(path: &std::path::Path) -> String {
    PathBuf::from(path).display().to_string()
}

/// Whether reading a file caused `err`: a file missing, unreadable or damaged, as opposed to
/// a file that could not be written, or data with nothing to compare or draw.
pub(crate) fn caused_by_reading(err: &(dyn std::error::Error + 'static)) -> bool {
    // A report's read error is transparent: its `source()` skips the read error.
    let read = |c: &(dyn std::error::Error + 'static)| {
        c.is::<coprod_output::read::ReadError>()
            || c.is::<coprod_output::InputFileError>()
            || matches!(
                c.downcast_ref::<coprod_report::ReportError>(),
                Some(
                    coprod_report::ReportError::Read(_)
                        | coprod_report::ReportError::Damaged { .. }
                )
            )
    };
    let mut cause = Some(err);
    while let Some(c) = cause {
        if read(c) {
            return true;
        }
        cause = match c.downcast_ref::<StudyError>() {
            Some(StudyError::Output(e)) => Some(e),
            Some(StudyError::Library(e)) => Some(e.as_ref()),
            _ => c.source(),
        };
    }
    false
}

/// Whether `err` or one of its causes is an I/O error.
pub(crate) fn caused_by_io(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(err);
    while let Some(c) = cause {
        if c.is::<std::io::Error>() {
            return true;
        }
        cause = c.source();
    }
    false
}

/// The hint for an output that may not be given another `--out` because `writer` writes
/// inside the existing `place` (a run directory, a calibration) `dir`, which the user may
/// not write: make it writable, or copy it and `then` (what to do with the copy).
pub(crate) fn writable_or_copy_hint(writer: &str, place: &str, dir: &Path, then: &str) -> String {
    let shown = dir.display().to_string();
    let copy =
        crate::resume::command_line(&["cp".into(), "-r".into(), shown.clone(), "COPY".into()]);
    format!(
        "hint: {writer} writes inside {place}, and {shown} is not writable for you: make it \
         and the files in it writable, or copy it to a folder you can write to (`{copy}`) and \
         {then}"
    )
}

/// The hint for an output folder that cannot be made or written where `--out` may choose
/// another.
pub const CHOOSE_WRITABLE_OUT: &str = "choose a directory you can write to with --out DIR";

/// The error with its causes, each once, joined by `: ` (as `{:#}` of anyhow).
pub fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut cause = err.source();
    while let Some(c) = cause {
        let c_text = c.to_string();
        if !text.contains(&c_text) {
            text.push_str(&format!(": {c_text}"));
        }
        cause = c.source();
    }
    text
}

#[cfg(test)]
mod tests {

    use super::*;

    /// An error about a file drawn in a command's replacement folder names the file where
    /// it would have been, at every level of the message, and stays an I/O error.
    #[test]
    fn errors_at_final_paths_name_no_working_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path();
        let new = coprod_output::Replacement::new(target).unwrap();
        let working = new.path().to_path_buf();
        let at = |name: &str| target.join(name).display().to_string();
        let io = OutputError::Io {
            path: working.join("charts"),
            source: std::io::Error::from(std::io::ErrorKind::AlreadyExists),
        };
        let err = StudyError::Context {
            context: format!("cannot redraw the charts of {}", working.display()),
            source: Box::new(StudyError::Output(io)),
        };
        let moved = err.at_final_paths(target);
        assert!(moved.is_io());
        let text = chain(&moved);
        assert!(!text.contains(".coprod-new."), "{text}");
        assert_eq!(
            text,
            format!(
                "cannot redraw the charts of {}: cannot write {}: entity already exists",
                target.display(),
                at("charts")
            )
        );
        let invalid = StudyError::Invalid(format!("bad {}", working.join("a.png").display()));
        assert_eq!(
            chain(&invalid.at_final_paths(target)),
            format!("bad {}", at("a.png"))
        );
        // An error that names no working folder is left as it is, with its type.
        let exists = StudyError::Output(OutputError::Exists {
            path: target.to_path_buf(),
            other: None,
        });
        assert!(exists.at_final_paths(target).output_error().is_some());
    }
}
