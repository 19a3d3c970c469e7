//! How a study reports what it is doing, and how its caller stops it: the [`Progress`]
//! trait. The command line implements it with a progress bar, messages on stderr and
//! Ctrl-C; a server with a stream to a browser; tests with a recorder.
//!
//! Imports nothing of ours but the resume record.

use std::path::{Path, PathBuf};

use coprod_output::RunDir;

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

    /// Calls `make`, which creates a partial directory and returns it (`None` if it made
    /// none): the partial directory of a result written only when complete, which holds
    /// nothing kept. From the moment it exists, stopping the process removes it; an
    /// interruption during `make` waits for it to return, so that none falls between the
    /// directory's making and its naming.
    fn discard_made(&self, make: &mut dyn FnMut() -> Option<PathBuf>) {
        make();
    }

    /// Stops removing the directory of [`Progress::discard_made`] on an interruption, before
    /// it is moved into place and becomes the result.
    fn keep_on_interrupt(&self) {}

    /// Calls `work` with interruptions held off until it returns (an interruption during it
    /// waits for it): for a short write, such as moving results into place, that stopped
    /// midway would leave a mix of old and new files. Work held off that holds off work of
    /// its own must do so on its own thread: the terminal's hold is reentrant only there,
    /// and one taken on a thread pool the work waits for would wait for ever.
    fn uninterrupted(&self, work: &mut dyn FnMut()) {
        work();
    }

    /// Whether to stop. Checked after each run is written: a cancelled run saves the runs
    /// done so far and returns [`crate::StudyError::Cancelled`].
    fn cancelled(&self) -> bool {
        false
    }
}

/// What Ctrl-C says during a command whose results are written only when complete (a
/// validation, a sensitivity analysis, a survey, a merge): nothing is kept, the same command
/// starts over.
pub(crate) fn nothing_written(what: &str) -> String {
    format!(
        "interrupted: the {what} is written only when complete, and nothing of it was kept; \
         give the same command again to start over"
    )
}

/// While it lives, an interruption removes the partial directory of a result that is
/// written only when complete (it holds nothing kept). Dropped on every way out, before the
/// [`RunDir`] (declare it after), so that a directory removed or moved into place is no
/// longer named.
pub(crate) struct Discard<'a> {
    progress: &'a dyn Progress,
}

impl<'a> Discard<'a> {
    /// Makes the partial directory with `make` so that an interruption from the moment it
    /// exists removes it ([`Progress::discard_made`]); follow it with [`Discard::new`], the
    /// guard that stops removing it (declared after the [`RunDir`], so dropped before it).
    pub(crate) fn make<E>(
        progress: &dyn Progress,
        make: impl FnOnce() -> Result<RunDir, E>,
    ) -> Result<RunDir, E> {
        let mut make = Some(make);
        let mut made = None;
        progress.discard_made(&mut || {
            let dir = make.take().map(|make| make())?;
            let staging = dir.as_ref().ok().map(|d| d.staging().to_path_buf());
            made = Some(dir);
            staging
        });
        made.expect("discard_made calls make once")
    }

    /// The guard of the directory [`Discard::make`] made and named for removal.
    pub(crate) fn new(progress: &'a dyn Progress) -> Discard<'a> {
        Discard { progress }
    }

    /// Writes the result into `dir`'s partial directory with `write`, then moves it into
    /// place, after an interruption stops removing it: from then on it is the result.
    /// Interruptions are held off throughout (a second or so): the handler would remove the
    /// directory while the files go on being written into it, and what was written after
    /// would leave a working folder that refuses the next command; one held off until the
    /// result is in place says so. Returns where the result is.
    pub(crate) fn commit(
        self,
        dir: RunDir,
        write: impl FnOnce(&Path) -> crate::error::Result<()>,
    ) -> crate::error::Result<PathBuf> {
        let progress = self.progress;
        // Kept on a failed write: the directory is discarded, also on an interruption.
        let mut discard = Some(self);
        without_interruption(progress, || {
            write(dir.staging())?;
            drop(discard.take());
            let path = dir.commit()?;
            complete_in(progress, &path);
            Ok(path)
        })
    }
}

/// What Ctrl-C says once results are in place at `path`: an interruption held off until
/// then comes too late to stop anything.
pub(crate) fn complete_in(progress: &dyn Progress, path: &Path) {
    progress.on_interrupt(&format!(
        "interrupted after the results were written: they are complete in {}",
        path.display()
    ));
}

/// Runs `work` with interruptions held off until it returns ([`Progress::uninterrupted`]),
/// and returns what it returns.
pub(crate) fn without_interruption<T>(progress: &dyn Progress, work: impl FnOnce() -> T) -> T {
    let (mut work, mut done) = (Some(work), None);
    progress.uninterrupted(&mut || done = work.take().map(|work| work()));
    done.expect("uninterrupted calls its work once")
}

impl Drop for Discard<'_> {
    fn drop(&mut self) {
        self.progress.keep_on_interrupt();
    }
}

/// Passes everything on to `inner`, with the paths of `target`'s working folders in its
/// messages written as the paths they will have in `target`
/// ([`coprod_output::final_paths`]): for the work done in a result's partial directory just
/// before it moves into place, whose messages are read once it has.
pub(crate) struct AtTarget<'a> {
    pub(crate) inner: &'a dyn Progress,
    pub(crate) target: &'a Path,
}

impl Progress for AtTarget<'_> {
    fn start(&self, total: u64) {
        self.inner.start(total);
    }

    fn advance(&self, n: u64) {
        self.inner.advance(n);
    }

    fn finish(&self) {
        self.inner.finish();
    }

    fn note(&self, note: Note) {
        let at_target = |text: String| coprod_output::final_paths(&text, self.target);
        self.inner.note(match note {
            Note::Status(text) => Note::Status(at_target(text)),
            Note::Note(text) => Note::Note(at_target(text)),
            Note::Warning(text) => Note::Warning(at_target(text)),
        });
    }

    fn resumable(&self, resumable: &Resumable) {
        self.inner.resumable(resumable);
    }

    fn on_interrupt(&self, what: &str) {
        self.inner.on_interrupt(what);
    }

    fn discard_made(&self, make: &mut dyn FnMut() -> Option<PathBuf>) {
        self.inner.discard_made(make);
    }

    fn keep_on_interrupt(&self) {
        self.inner.keep_on_interrupt();
    }

    fn uninterrupted(&self, work: &mut dyn FnMut()) {
        self.inner.uninterrupted(work);
    }

    fn cancelled(&self) -> bool {
        self.inner.cancelled()
    }
}

/// Progress that shows nothing and never cancels.
#[derive(Clone, Copy, Debug, Default)]
pub struct Silent;

impl Progress for Silent {}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    /// Records the directory named inside `discard_made`, as the terminal's handler would.
    #[derive(Default)]
    struct Recorder {
        named: Mutex<Vec<Option<PathBuf>>>,
        notes: Mutex<Vec<Note>>,
    }

    impl Progress for Recorder {
        fn discard_made(&self, make: &mut dyn FnMut() -> Option<PathBuf>) {
            let made = make();
            self.named.lock().unwrap().push(made);
        }

        fn note(&self, note: Note) {
            self.notes.lock().unwrap().push(note);
        }
    }

    /// A warning about a file of a result still in its partial directory (a chart that could
    /// not be drawn) names the file where the result will be, not the partial directory,
    /// which is gone when the warning is read.
    #[test]
    fn messages_at_the_target_name_its_final_paths() {
        let recorder = Recorder::default();
        let target = Path::new("outputs/study");
        let partial = coprod_output::partial_dir(target);
        let at = AtTarget {
            inner: &recorder,
            target,
        };
        at.note(Note::Warning(format!(
            "no charts: {}: bad line",
            partial.join("runs.csv").display()
        )));
        at.note(Note::Note("no comparison chart for `x`".into()));
        assert_eq!(
            *recorder.notes.lock().unwrap(),
            [
                Note::Warning("no charts: outputs/study/runs.csv: bad line".into()),
                Note::Note("no comparison chart for `x`".into())
            ]
        );
    }

    /// The partial directory is named from within its making (so an interruption cannot
    /// fall between the two), and a refused one is not named.
    #[test]
    fn the_partial_directory_is_named_as_it_is_made() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("result");
        let progress = Recorder::default();
        let dir = Discard::make(&progress, || {
            RunDir::create(
                &target,
                coprod_output::Existing::Refuse(coprod_output::Kind::Run),
            )
        })
        .unwrap();
        assert!(dir.staging().is_dir());
        assert_eq!(
            *progress.named.lock().unwrap(),
            vec![Some(dir.staging().to_path_buf())]
        );
        drop(dir);
        std::fs::write(tmp.path().join("afile"), "").unwrap();
        let refused = Discard::make(&progress, || {
            RunDir::create(
                &tmp.path().join("afile").join("x"),
                coprod_output::Existing::Refuse(coprod_output::Kind::Run),
            )
        });
        assert!(refused.is_err());
        assert_eq!(progress.named.lock().unwrap().last(), Some(&None));
    }
}
