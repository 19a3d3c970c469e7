//! `coprod plot DIR`: redraw a run directory's charts and index.html from its CSV files, and
//! the hook that gives every `coprod run` its charts before the directory is committed.
//!
//! Owns only glue and messages; the charts and pages are `coprod-report`'s.

use std::path::Path;

use coprod_output::Manifest;
use coprod_report::{ChartKind, RunData, Selection, Tally, Written, write_report};
use coprod_sweep::Runner;

use crate::error::{Context, Result, StudyError, bail, invalid};
use crate::progress::{Note, Progress};

/// `coprod plot DIR`: redraws the selected charts and index.html of a run directory from
/// its CSV files, on `threads` threads; the notes of what was not drawn go to `progress`.
/// Its errors name the files in `dir`, not the folder they were drawn in, which is gone
/// once it fails.
pub fn plot(
    dir: &Path,
    selection: &Selection,
    threads: usize,
    progress: &dyn Progress,
) -> Result<Written> {
    // The charts are drawn on the -j threads, as by `coprod run`, not on every core.
    Runner::new(threads)?
        .install(|| redraw(dir, selection, progress))
        .map_err(|e| unwritable(e.at_final_paths(dir), dir, "plot"))
}

/// `err` with a hint when it is a run directory that the user may not write (read-only, or
/// another user's): `coprod COMMAND` writes inside `dir`, so there is no `--out` to suggest,
/// only to make it writable or to work on a copy.
pub(crate) fn unwritable(err: StudyError, dir: &Path, command: &str) -> StudyError {
    let text = crate::error::chain(&err);
    if !err.write_denied() || text.contains("\n\nhint: ") {
        return err;
    }
    let on_copy = crate::resume::command_line(&["coprod".into(), command.into(), "COPY".into()]);
    let hint = crate::error::writable_or_copy_hint(
        &format!("`coprod {command}`"),
        "the run directory",
        dir,
        &format!("run `{on_copy}`"),
    );
    invalid!("{text}\n\n{hint}")
}

fn redraw(dir: &Path, selection: &Selection, progress: &dyn Progress) -> Result<Written> {
    if let (Some(ChartKind::Survival), Some(metric)) = (selection.kind, &selection.metric) {
        bail!(
            "--kind survival with --metric {metric}: survival charts have no metric\n\nhint: \
             leave out --metric to redraw the survival charts"
        );
    }
    check_run_dir(dir)?;
    // Every report error names the file or directory concerned: not the folder again here.
    let written = write_report(dir, selection, None, None).context("cannot redraw the charts")?;
    for note in &written.notes {
        progress.note(Note::Note(note.clone()));
    }
    Ok(written)
}

/// Refuses, with what it is, a path that is not a run directory: missing, a file (a
/// scenario file given by mistake gets a hint to run it), or a folder with none of a run
/// directory's own files. A run directory with some of them goes on, so that the file that
/// is missing or damaged is named.
pub(crate) fn check_run_dir(dir: &Path) -> Result<()> {
    let hint = "hint: give a folder written by `coprod run`";
    if dir.is_file() {
        let run_it = if dir.extension().is_some_and(|e| e == "toml") {
            format!("; to run this scenario, use `coprod run {}`", dir.display())
        } else {
            String::new()
        };
        bail!(
            "{} is a file, not a run directory\n\n{hint}{run_it}",
            dir.display()
        );
    }
    if !dir.is_dir() {
        bail!("{}: no such run directory\n\n{hint}", dir.display());
    }
    if let Some((what, hint)) = other_result(dir) {
        bail!(
            "{} is {what}, not a run directory\n\nhint: {hint}",
            dir.display()
        );
    }
    if let Some(target) = interrupted_run(dir) {
        bail!(
            "{} is the working folder of an interrupted run, not a run directory: the run \
             writes its summary, charts and page when it finishes\n\nhint: finish it with the \
             command its interruption printed (`coprod run SCENARIO --out {} --resume`, with \
             the run's own options), then give {}",
            dir.display(),
            target.display(),
            target.display()
        );
    }
    let own = [
        coprod_output::MANIFEST_JSON,
        coprod_output::SUMMARY_CSV,
        coprod_output::RUNS_CSV,
    ];
    if !own.iter().any(|f| dir.join(f).is_file()) {
        bail!(
            "{} is not a run directory: it has none of {}\n\n{hint}",
            dir.display(),
            own.join(", ")
        );
    }
    Ok(())
}

/// The run directory whose working folder `dir` is, when it is one an interrupted `coprod
/// run` left (`.NAME.partial` beside `NAME`, holding the runs saved for `--resume`).
fn interrupted_run(dir: &Path) -> Option<std::path::PathBuf> {
    let name = dir.file_name()?.to_str()?;
    let target = name.strip_prefix('.')?.strip_suffix(".partial")?;
    let saved = !target.is_empty() && dir.join(coprod_output::PARTIAL_JSON).is_file();
    saved.then(|| dir.with_file_name(target))
}

/// What another command's result directory is, and what to do instead, when `dir` is one:
/// a shard of a run, a calibration, validation, survey or sensitivity analysis
/// ([`coprod_output::Kind::of_dir`]).
pub(crate) fn other_result(dir: &Path) -> Option<(&'static str, &'static str)> {
    use coprod_output::Kind;
    // A damaged manifest is named by the reader that needs it.
    match Kind::of_dir(dir).ok().flatten() {
        Some(Kind::Calibration) => Some((
            "a calibration (`coprod calibrate`)",
            "its charts and tables were written by `coprod calibrate`",
        )),
        Some(Kind::Validation) => Some((
            "a validation (`coprod validate`)",
            "its CSV files and forest plot were written by `coprod validate`",
        )),
        Some(Kind::Sensitivity) => Some((
            "a sensitivity analysis (`coprod sensitivity`)",
            "its charts were written by `coprod sensitivity`",
        )),
        Some(Kind::Survey) => Some((
            "a survey (`coprod survey`)",
            "survey.csv and survey-fit.csv are its results",
        )),
        _ if dir.join(coprod_output::SHARD_JSON).exists() => Some((
            "one shard of a run (`coprod run --shard`)",
            "merge the shards with `coprod merge SHARD_DIR...` and give the merged directory",
        )),
        _ => None,
    }
}

/// Draws the default charts and index.html into a finished run's staging directory, so they
/// are part of the atomic result. A chart with nothing to draw is a warning, not a failed
/// run: the CSVs are what matters. An I/O error (a full disk) or a file of the run that
/// does not read back is an error: the run keeps its runs for `--resume` rather than look
/// complete without charts or index.html.
/// `tally` holds the rows of timeseries.csv and groups.csv as the sweep wrote them, when it
/// saw every run (`None`: the report reads the files). Returns what the report was drawn
/// from, if it was drawn.
pub(crate) fn add_charts(
    staging: &Path,
    manifest: &Manifest,
    tally: Option<Tally>,
    progress: &dyn Progress,
) -> Result<Option<RunData>> {
    let manifest = serde_json::to_value(manifest).ok();
    match write_report(staging, &Selection::default(), manifest, tally) {
        Ok(written) => Ok(Some(written.data)),
        // The run's own files, just written, must read back: if one does not, the run
        // would be finished without the page that shows it.
        Err(err) if crate::error::caused_by_reading(&err) => {
            Err(err).context("cannot draw the charts and index.html")
        }
        Err(err) if crate::error::caused_by_io(&err) => {
            Err(err).context("cannot write the charts and index.html")
        }
        Err(err) => {
            progress.note(Note::Warning(format!("no charts: {err}")));
            Ok(None)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::{Error, ErrorKind};

    use coprod_output::OutputError;
    use coprod_output::read::ReadError;
    use coprod_report::ReportError;

    use super::*;

    /// A file of the run that does not read back (here a run id changed in runs.csv) fails
    /// the drawing of its charts, so that the run keeps its runs for `--resume`; it is not a
    /// warning that leaves a finished directory without charts or index.html.
    #[test]
    fn a_run_file_that_does_not_read_back_fails_the_charts() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("run");
        let file = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/data/sweep.toml");
        let options = crate::RunOptions {
            out: Some(dir.clone()),
            ..Default::default()
        };
        let silent = crate::progress::Silent;
        crate::Study::load(file)
            .unwrap()
            .run(&options, &silent)
            .unwrap();
        let text = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
        let manifest: Manifest = serde_json::from_str(&text).unwrap();
        let runs = dir.join("runs.csv");
        let text = std::fs::read_to_string(&runs).unwrap();
        std::fs::write(&runs, text.replacen("\n0,baseline,", "\nx,baseline,", 1)).unwrap();
        let err = add_charts(&dir, &manifest, None, &silent).unwrap_err();
        let said = crate::error::chain(&err);
        assert!(
            said.starts_with("cannot draw the charts and index.html: ")
                && said.contains("runs.csv:2"),
            "{said}"
        );
    }

    /// A run directory the file system will not let the user write into is said to be so,
    /// with what to do; `coprod plot` and `coprod compare` have no `--out` to suggest. The
    /// error as they get it: denied in their working folder, which the message then names
    /// as the run directory. (That the commands give it is tested in tests/failures.rs,
    /// where the user is not one that may write anywhere.)
    #[test]
    fn a_run_directory_that_cannot_be_written_is_said_so_with_what_to_do() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("my study");
        std::fs::create_dir(&dir).unwrap();
        let working = coprod_output::Replacement::new(&dir).unwrap();
        let denied = OutputError::Io {
            path: working.path().to_path_buf(),
            source: Error::from(ErrorKind::PermissionDenied),
        };
        let err = StudyError::from(ReportError::Output(denied)).at_final_paths(&dir);
        let said = crate::error::chain(&unwritable(err, &dir, "plot"));
        let shown = dir.display().to_string();
        assert!(
            said.starts_with(&format!("cannot write {shown}: permission denied"))
                && said.ends_with(&format!(
                    "\n\nhint: `coprod plot` writes inside the run directory, and {shown} is \
                     not writable for you: make it and the files in it writable, or copy it \
                     to a folder you can write to (`cp -r '{shown}' COPY`) and run `coprod \
                     plot COPY`"
                )),
            "{said}"
        );
        // A file that cannot be read is not a folder to make writable.
        let unreadable = ReadError::Io {
            path: dir.join("runs.csv"),
            source: Error::from(ErrorKind::PermissionDenied),
        };
        let err = StudyError::from(ReportError::Read(unreadable));
        let said = crate::error::chain(&unwritable(err, &dir, "compare"));
        assert!(!said.contains("hint"), "{said}");
        // Nor is a full disk.
        let full = StudyError::from(OutputError::Io {
            path: dir.join("index.html"),
            source: Error::from(ErrorKind::StorageFull),
        });
        let said = crate::error::chain(&unwritable(full, &dir, "plot"));
        assert!(!said.contains("hint"), "{said}");
    }
}
