//! Run directories: where a run's files go, and how they appear there atomically.
//!
//! Files are written into a hidden partial directory beside the target,
//! `.<name>.partial`, and the directory is renamed into place only when everything in it
//! is complete, so a run directory that exists is a finished one. The partial directory
//! has a stable name (not per process) so that an interrupted run can be resumed from
//! it; a lock file inside it keeps two processes from writing it at once (the lock goes
//! away with the process, even on SIGKILL). An existing run directory is never replaced
//! unless asked. Journal and resume logic live in `tables.rs`.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use crate::OutputError;

/// What a resume must match, in a partial directory (written by the run writer).
pub const PARTIAL_JSON: &str = "partial.json";

/// What to do when the target directory already exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Existing {
    /// Fail with [`OutputError::Exists`] (the default; `--force` is needed to replace), for
    /// a command that writes results of this kind: the error says whether the directory
    /// holds another kind, which `--force` would not replace either.
    Refuse(Kind),
    /// Replace it once the new run is complete, if it holds a result of this kind (`--force`
    /// of one command never deletes another's result); an interrupted run's partial
    /// directory is discarded.
    Replace(Kind),
}

impl Existing {
    /// [`Existing::Replace`] of `kind` with `--force` (`force`), else [`Existing::Refuse`].
    pub fn forced(kind: Kind, force: bool) -> Existing {
        if force {
            Existing::Replace(kind)
        } else {
            Existing::Refuse(kind)
        }
    }

    /// With [`Existing::Replace`], refuses a `target` that holds one of the command's
    /// `inputs` (its scenario file, a shard folder): replacing the directory would delete
    /// what the command is reading, such as a scenario kept next to its results. An input
    /// that cannot be found is not checked (it is not a path on disk, such as a shipped
    /// scenario's name).
    pub fn check_inputs_outside(self, target: &Path, inputs: &[&Path]) -> Result<(), OutputError> {
        if matches!(self, Existing::Refuse(_)) {
            return Ok(());
        }
        let Ok(folder) = fs::canonicalize(target) else {
            return Ok(());
        };
        for input in inputs {
            let Ok(full) = fs::canonicalize(input) else {
                continue;
            };
            if full.starts_with(&folder) {
                return Err(OutputError::HoldsInput {
                    path: target.to_path_buf(),
                    input: input.to_path_buf(),
                    itself: full == folder,
                });
            }
        }
        Ok(())
    }
}

/// What a result directory holds, as its manifest.json says: `kind` (a run directory's
/// manifest has none, but has `experiment`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `coprod run` (also a shard, and a directory `coprod merge` wrote).
    Run,
    /// `coprod validate`.
    Validation,
    /// `coprod sensitivity`.
    Sensitivity,
    /// `coprod survey`.
    Survey,
    /// `coprod calibrate`.
    Calibration,
}

impl Kind {
    /// The manifest's `kind`, and the word in messages.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Run => "run",
            Kind::Validation => "validation",
            Kind::Sensitivity => "sensitivity",
            Kind::Survey => "survey",
            Kind::Calibration => "calibration",
        }
    }
}

impl Kind {
    const ALL: [Kind; 5] = [
        Kind::Run,
        Kind::Validation,
        Kind::Sensitivity,
        Kind::Survey,
        Kind::Calibration,
    ];

    /// The kind whose [`Kind::name`] is `name`.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The kind of result `dir`'s manifest.json says it holds: its `kind`, or `run` for a
    /// run directory's manifest (which has none, but has `experiment`). `Ok(None)` when there
    /// is no manifest or it says neither (a result written before manifests had a `kind`, a
    /// kind this coprod does not know, another tool's file). A manifest.json that cannot be
    /// read or parsed is an error naming it: what the folder holds is unknown. Only this
    /// decides what `--force` may replace.
    pub fn of_manifest(dir: &Path) -> Result<Option<Kind>, crate::files::ReadError> {
        let Some(json) = crate::files::read_manifest(dir)? else {
            return Ok(None);
        };
        Ok(match json.get("kind") {
            Some(kind) => kind.as_str().and_then(Kind::from_name),
            None if json.get("experiment").is_some() => Some(Kind::Run),
            None => None,
        })
    }

    /// [`Kind::of_manifest`], or for a calibration or survey written before manifests had
    /// a `kind` (or a calibration not yet finished), its files: `checkpoints/`,
    /// `survey.csv`. For naming what a folder holds, never for replacing it.
    pub fn of_dir(dir: &Path) -> Result<Option<Kind>, crate::files::ReadError> {
        if let Some(kind) = Kind::of_manifest(dir)? {
            return Ok(Some(kind));
        }
        let has = |name: &str| dir.join(name).exists();
        Ok(if has("checkpoints") {
            Some(Kind::Calibration)
        } else if has("survey.csv") {
            Some(Kind::Survey)
        } else {
            None
        })
    }
}

/// Name of the lock file inside a partial directory.
const LOCK: &str = ".lock";

/// A run directory being written.
#[derive(Debug)]
pub struct RunDir {
    target: PathBuf,
    staging: PathBuf,
    existing: Existing,
    committed: bool,
    keep: bool,
    _lock: File,
}

/// Refuses a target below a file (`afile/x`): its directory could never be made.
fn check_no_file_above(target: &Path) -> Result<(), OutputError> {
    match parent_of(target).ancestors().find(|a| a.is_file()) {
        Some(file) => Err(OutputError::CannotCreate {
            path: target.to_path_buf(),
            reason: format!("{} is a file, not a directory", file.display()),
        }),
        None => Ok(()),
    }
}

impl RunDir {
    /// Starts a new run directory for `target`, checking the overwrite policy up front.
    /// Refuses ([`OutputError::Interrupted`]) if an interrupted run of the same target is
    /// waiting to be resumed, unless `existing` is [`Existing::Replace`].
    pub fn create(target: &Path, existing: Existing) -> Result<RunDir, OutputError> {
        check_named(target)?;
        check_replaceable(target, existing)?;
        let staging = partial_dir(target);
        if staging.exists() {
            // Only a partial directory with an identity can be resumed; one without (from
            // a writer that is not resumable) is debris and is cleared like a fresh start.
            let resumable = staging.join(PARTIAL_JSON).exists();
            if matches!(existing, Existing::Refuse(_)) && resumable {
                // A run still writing it is not an interrupted one: say so (Busy) rather
                // than suggest --resume or --force, which the lock would refuse.
                lock(&staging)?;
                return Err(OutputError::Interrupted {
                    path: target.to_path_buf(),
                    partial: staging,
                });
            }
            // A folder of that name that coprod did not make (it made every partial
            // directory with its lock file in it) is someone's data: never delete it.
            check_made_here(target, &staging)?;
            // Take the lock first, so a run still writing it is never deleted under it.
            lock(&staging)?;
            fs::remove_dir_all(&staging).map_err(|e| OutputError::io(&staging, e))?;
        }
        let parent = parent_of(target);
        check_no_file_above(target)?;
        let cannot = |e: std::io::Error| OutputError::CannotCreate {
            path: target.to_path_buf(),
            reason: e.to_string(),
        };
        fs::create_dir_all(&parent).map_err(cannot)?;
        fs::create_dir(&staging).map_err(cannot)?;
        let lock = lock(&staging)?;
        sync_dir(&parent_of(&staging)); // beside a link's directory, not the link's parent
        Ok(RunDir {
            target: target.to_path_buf(),
            staging,
            existing,
            committed: false,
            keep: false,
            _lock: lock,
        })
    }

    /// The checks of [`RunDir::create`] without making anything, for a caller with long
    /// work to do before it can create the directory (the pilot of `--target-ci`): a
    /// target that would be refused is refused before that work, not after.
    pub fn check(target: &Path, existing: Existing) -> Result<(), OutputError> {
        check_named(target)?;
        check_replaceable(target, existing)?;
        check_no_file_above(target)?;
        let staging = partial_dir(target);
        if matches!(existing, Existing::Refuse(_)) && staging.join(PARTIAL_JSON).exists() {
            lock(&staging)?;
            return Err(OutputError::Interrupted {
                path: target.to_path_buf(),
                partial: staging,
            });
        }
        Ok(())
    }

    /// Reopens the partial directory of an interrupted run of `target`.
    pub fn resume(target: &Path, existing: Existing) -> Result<RunDir, OutputError> {
        check_named(target)?;
        let staging = partial_dir(target);
        if !staging.is_dir() {
            return Err(OutputError::NothingToResume {
                path: target.to_path_buf(),
            });
        }
        check_replaceable(target, existing)?;
        let lock = lock(&staging)?;
        remove_temporaries(&staging)?;
        Ok(RunDir {
            target: target.to_path_buf(),
            staging,
            existing,
            committed: false,
            keep: true,
            _lock: lock,
        })
    }

    /// Keeps the partial directory if the run stops before [`RunDir::commit`], so that it
    /// can be resumed (set once some runs are safely on disk).
    pub fn keep(&mut self) {
        self.keep = true;
    }

    /// Where files are written until [`RunDir::commit`].
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// The final location.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Moves the finished directory into place and returns its path. Everything in the
    /// staging directory must be complete and synced.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        // Checked again: time has passed since `create`.
        check_replaceable(&self.target, self.existing)?;
        let lock_file = self.staging.join(LOCK);
        fs::remove_file(&lock_file).map_err(|e| OutputError::io(&lock_file, e))?;
        sync_dir(&self.staging);
        // A link to a directory stays: the directory it points to is the one replaced.
        let place = followed(&self.target);
        if place.exists() && !is_empty_dir(&place) {
            // Move the old run aside first so the target is never missing a complete run
            // for longer than one rename.
            let old = sibling(&place, &format!("old-{}", std::process::id()));
            if old.exists() {
                fs::remove_dir_all(&old).map_err(|e| OutputError::io(&old, e))?;
            }
            fs::rename(&place, &old).map_err(|e| OutputError::io(&self.target, e))?;
            fs::rename(&self.staging, &place).map_err(|e| OutputError::io(&self.target, e))?;
            if let Some(warning) = remove_replaced(&old, |p| fs::remove_dir_all(p)) {
                // The new result is complete and in place: not a failure. This crate has no
                // channel for messages, so the leftover is named on stderr directly (and a
                // stderr that cannot be written must not fail the result).
                use std::io::Write as _;
                let _ = writeln!(std::io::stderr(), "warning: {warning}");
            }
        } else {
            if place.exists() {
                fs::remove_dir(&place).map_err(|e| OutputError::io(&self.target, e))?;
            }
            fs::rename(&self.staging, &place).map_err(|e| OutputError::io(&self.target, e))?;
        }
        sync_dir(&parent_of(&place));
        self.committed = true;
        Ok(self.target.clone())
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        if !self.committed && !self.keep {
            // Best effort: a run that saved nothing must not be left behind.
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// Removes the replaced result `old` (moved aside), best effort: the new result is already
/// in place, so a failure is a warning naming the leftover, not a failed command. Returns
/// the warning, if any.
fn remove_replaced(
    old: &Path,
    remove: impl FnOnce(&Path) -> std::io::Result<()>,
) -> Option<String> {
    remove(old).err().map(|e| {
        format!(
            "the replaced result was moved to {} but could not be deleted ({e}); delete it \
             by hand",
            old.display()
        )
    })
}

/// Removes what an interrupted writer left in `staging` under temporary names: files
/// (`.<name>....tmp`) written and renamed when complete, and the folders of a set of charts
/// drawn before they replace the old ones (`.coprod-new.<pid>`, [`crate::Replacement`]).
/// None of them is part of a run, and a resumed run must not carry them into the finished
/// directory.
fn remove_temporaries(staging: &Path) -> Result<(), OutputError> {
    let entries = fs::read_dir(staging).map_err(|e| OutputError::io(staging, e))?;
    for entry in entries.flatten() {
        let (name, path) = (entry.file_name(), entry.path());
        let name = name.to_string_lossy();
        if name.starts_with('.') && name.ends_with(".tmp") && path.is_file() {
            fs::remove_file(&path).map_err(|e| OutputError::io(&path, e))?;
        } else if name.starts_with(".coprod-new.") && path.is_dir() {
            fs::remove_dir_all(&path).map_err(|e| OutputError::io(&path, e))?;
        }
    }
    Ok(())
}

/// Refuses to treat `staging` as debris of an earlier run unless coprod made it: a partial
/// directory holds its lock file from the moment it is made (or is empty, if the process
/// stopped in between).
fn check_made_here(target: &Path, staging: &Path) -> Result<(), OutputError> {
    if staging.join(LOCK).is_file() || is_empty_dir(staging) {
        return Ok(());
    }
    Err(OutputError::CannotCreate {
        path: target.to_path_buf(),
        reason: format!(
            "its working folder {} already exists and was not made by coprod (it has no \
             {LOCK} file); move or rename it, or choose another --out",
            staging.display()
        ),
    })
}

/// Takes the lock of a partial directory, or says another process holds it.
fn lock(staging: &Path) -> Result<File, OutputError> {
    let path = staging.join(LOCK);
    let file = fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| OutputError::io(&path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => Err(OutputError::Busy {
            path: staging.to_path_buf(),
        }),
        Err(fs::TryLockError::Error(e)) => Err(OutputError::io(&path, e)),
    }
}

/// Best effort: makes a rename or a new file in `dir` durable.
pub(crate) fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

/// Refuses a target that does not end in a folder's name (`x/..`, `.`, `/`): its partial
/// directory would be made beside another folder than the one it is renamed to, and the
/// final rename of a folder onto `.` or `..` fails only after every run has run.
fn check_named(target: &Path) -> Result<(), OutputError> {
    check_name_of(target)?;
    // The directory a link points to is the one renamed into place.
    check_name_of(&followed(target))
}

fn check_name_of(target: &Path) -> Result<(), OutputError> {
    let text = target.to_string_lossy();
    let last = text.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    if last.starts_with('.') && last.ends_with(".partial") {
        return Err(OutputError::CannotCreate {
            path: target.to_path_buf(),
            reason: "names of the form `.NAME.partial` are coprod's working folders, which \
                     it deletes when it starts the run of NAME; choose another name"
                .into(),
        });
    }
    if matches!(last, "" | "." | "..") {
        return Err(OutputError::CannotCreate {
            path: target.to_path_buf(),
            reason: "it does not end in a folder's name (`.` or `..`); give the directory \
                     by its own name, for example `outputs/study` rather than \
                     `outputs/study/x/..`"
                .into(),
        });
    }
    Ok(())
}

/// Whether the policy allows writing to `target`. An empty directory counts as free; only
/// a previous result of the same kind (its manifest.json says which) may be replaced, so a
/// mistyped `--out` with `--force` can never delete an unrelated folder or another
/// command's result.
fn check_replaceable(target: &Path, existing: Existing) -> Result<(), OutputError> {
    // `exists` is false for a link to nothing, which the final rename cannot replace.
    if let Ok(link) = fs::read_link(target)
        && !target.exists()
    {
        return Err(OutputError::CannotCreate {
            path: target.to_path_buf(),
            reason: format!(
                "it is a symbolic link to {}, which does not exist",
                link.display()
            ),
        });
    }
    if target.exists() && !target.is_dir() {
        return Err(OutputError::CannotCreate {
            path: target.to_path_buf(),
            reason: "it is a file, not a directory".into(),
        });
    }
    if !target.exists() || is_empty_dir(target) {
        return Ok(());
    }
    // Only a run directory is offered for replacing: suggesting --force for another
    // folder would only lead to the refusal below.
    if !target.join(crate::MANIFEST_JSON).is_file() {
        return Err(OutputError::NotARunDir {
            path: target.to_path_buf(),
        });
    }
    let (kind, force) = match existing {
        Existing::Refuse(kind) => (kind, false),
        Existing::Replace(kind) => (kind, true),
    };
    let other = other_kind(target, kind)?;
    match (force, other) {
        (false, other) => Err(OutputError::Exists {
            path: target.to_path_buf(),
            other,
        }),
        (true, None) => Ok(()),
        (true, Some(found)) => Err(OutputError::OtherKind {
            path: target.to_path_buf(),
            found,
            expected: kind.name(),
        }),
    }
}

/// What the result directory `target` holds ("a calibration result", "another command's
/// result") when it is not a result of `kind`; `None` when it is. A damaged manifest.json
/// is an error: the folder is neither written into nor replaced, and the message says why.
fn other_kind(target: &Path, kind: Kind) -> Result<Option<String>, OutputError> {
    let found = Kind::of_manifest(target).map_err(|problem| OutputError::Unrecognised {
        path: target.to_path_buf(),
        problem,
    })?;
    Ok(match found {
        Some(found) if found == kind => None,
        Some(found) => Some(format!("a {} result", found.name())),
        None => Some("another command's result".into()),
    })
}

fn is_empty_dir(path: &Path) -> bool {
    fs::read_dir(path).is_ok_and(|mut entries| entries.next().is_none())
}

/// `outputs/<name>`, or `outputs/<name>-2`, `-3`, ... if taken: default locations never
/// collide with an earlier run.
pub fn default_run_dir(outputs: &Path, name: &str) -> PathBuf {
    let first = outputs.join(name);
    if !first.exists() {
        return first;
    }
    (2u64..)
        .map(|k| outputs.join(format!("{name}-{k}")))
        .find(|p| !p.exists())
        .expect("some numbered folder name is free")
}

/// Like [`default_run_dir`], but also passing over names where an interrupted run waits in
/// its partial directory: for a caller that cannot offer `--resume` (the classroom server),
/// which would otherwise be refused there every time.
pub fn unused_run_dir(outputs: &Path, name: &str) -> PathBuf {
    std::iter::once(outputs.join(name))
        .chain((2u64..).map(|k| outputs.join(format!("{name}-{k}"))))
        .find(|p| !p.exists() && !partial_dir(p).exists())
        .expect("some numbered folder name is free")
}

/// The partial directory of `target`: `.<name>.partial` beside it.
pub fn partial_dir(target: &Path) -> PathBuf {
    sibling(target, "partial")
}

/// `text` (a message) with the paths of `target`'s working folders, its partial directory
/// and this process's replacement folders in it or in `target`, written as the paths they
/// will have in `target`: a warning printed after the result is moved into place must not
/// name a folder that no longer exists.
pub fn final_paths(text: &str, target: &Path) -> String {
    let partial = partial_dir(target);
    // The longest first: a replacement folder inside the partial directory.
    let working = [
        crate::files::replacement_dir(&partial),
        partial,
        crate::files::replacement_dir(target),
    ];
    let target = target.display().to_string();
    working.iter().fold(text.to_string(), |text, dir| {
        text.replace(&dir.display().to_string(), &target)
    })
}

fn parent_of(target: &Path) -> PathBuf {
    match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A hidden directory beside `target` (beside the directory it points to, for a link):
/// `.<name>.<what>`.
fn sibling(target: &Path, what: &str) -> PathBuf {
    let target = followed(target);
    let name = target
        .file_name()
        .map_or_else(|| "run".into(), |n| n.to_string_lossy().into_owned());
    parent_of(&target).join(format!(".{name}.{what}"))
}

/// Where `target` is: the path a symbolic link (or a chain of them) points to, or `target`
/// itself. A result written to a link to a directory goes into that directory and the link
/// stays, as `cp` and `rsync` write through a link to a directory; its working folders are
/// made beside that directory, so that it is renamed into place within one folder. A link
/// to nothing is not followed (it is refused).
fn followed(target: &Path) -> PathBuf {
    // Without a trailing `/`, which would make the link itself unreadable as a link.
    let mut path: PathBuf = target.components().collect();
    // As many links as Linux follows in one path.
    for _ in 0..40 {
        let Ok(link) = fs::read_link(&path) else {
            break;
        };
        if !path.exists() {
            break;
        }
        // A relative link is relative to the folder the link is in; an absolute one
        // replaces the path (`join`).
        path = path
            .parent()
            .map_or_else(|| link.clone(), |p| p.join(&link));
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The part of a run directory's manifest that says what it is.
    const RUN_MANIFEST: &str = r#"{"experiment": {}}"#;

    /// A message about a file drawn in the working folders names it where it will be.
    #[test]
    fn messages_name_the_paths_of_the_result_not_of_its_working_folders() {
        let target = Path::new("outputs/study");
        let charts = crate::files::replacement_dir(&partial_dir(target)).join("charts/a.png");
        let text = format!(
            "failed to draw {}; {} has runs.csv; {}",
            charts.display(),
            partial_dir(target).join("runs.csv").display(),
            crate::files::replacement_dir(target)
                .join("index.html")
                .display()
        );
        assert_eq!(
            final_paths(&text, target),
            "failed to draw outputs/study/charts/a.png; outputs/study/runs.csv has runs.csv; \
             outputs/study/index.html"
        );
        assert_eq!(final_paths("outputs/other/x", target), "outputs/other/x");
    }

    /// `--force` of one command replaces only its own kind of result: a calibration (with
    /// or without `kind`, as written before it had one) survives `coprod run --force`.
    #[test]
    fn only_a_result_of_the_same_kind_is_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let cases = [
            (r#"{"kind": "calibration", "seed": 1}"#, Some("calibration")),
            (r#"{"seed": 1}"#, None),
            (r#"{"kind": "sensitivity"}"#, Some("sensitivity")),
            (RUN_MANIFEST, Some("run")),
        ];
        for (k, (manifest, kind)) in cases.iter().enumerate() {
            let target = tmp.path().join(format!("r{k}"));
            fs::create_dir(&target).unwrap();
            fs::write(target.join(crate::MANIFEST_JSON), manifest).unwrap();
            for wanted in [Kind::Run, Kind::Validation, Kind::Sensitivity] {
                let result = RunDir::create(&target, Existing::Replace(wanted));
                if *kind == Some(wanted.name()) {
                    drop(result.unwrap());
                } else {
                    let err = result.unwrap_err();
                    assert!(matches!(err, OutputError::OtherKind { .. }), "{err}");
                    assert!(err.to_string().contains(kind.unwrap_or("another")), "{err}");
                }
            }
            assert!(target.join(crate::MANIFEST_JSON).is_file());
        }
    }

    /// A result's kind comes from its manifest, or for a result without a `kind` from its
    /// files; a manifest that does not parse is an error, and such a folder is neither
    /// written into nor replaced.
    #[test]
    fn the_kind_of_a_folder_is_read_from_its_manifest_or_its_files() {
        let tmp = tempfile::tempdir().unwrap();
        let cases: [(&str, Option<&str>, Option<Kind>); 5] = [
            (
                r#"{"kind": "survey"}"#,
                Some("checkpoints"),
                Some(Kind::Survey),
            ),
            (
                r#"{"seed": 1}"#,
                Some("checkpoints"),
                Some(Kind::Calibration),
            ),
            (r#"{"seed": 1}"#, Some(crate::VALIDATION_CSV), None),
            (r#"{"kind": "novel"}"#, None, None),
            (RUN_MANIFEST, Some("survey.csv"), Some(Kind::Run)),
        ];
        for (k, (manifest, file, kind)) in cases.into_iter().enumerate() {
            let dir = tmp.path().join(format!("d{k}"));
            fs::create_dir(&dir).unwrap();
            fs::write(dir.join(crate::MANIFEST_JSON), manifest).unwrap();
            if let Some(file) = file {
                fs::write(dir.join(file), "").unwrap();
            }
            assert_eq!(Kind::of_dir(&dir).unwrap(), kind, "{manifest} {file:?}");
            // What --force may replace is decided by the manifest alone: another tool's
            // manifest beside a `checkpoints/` folder is no calibration to delete.
            let by_manifest = Kind::of_manifest(&dir).unwrap();
            assert!(by_manifest.is_none() || by_manifest == kind, "{manifest}");
            if by_manifest.is_none() {
                let err = RunDir::create(&dir, Existing::Replace(Kind::Calibration)).unwrap_err();
                assert!(matches!(err, OutputError::OtherKind { .. }), "{err}");
            }
        }
        let damaged = tmp.path().join("damaged");
        fs::create_dir(&damaged).unwrap();
        fs::write(
            damaged.join(crate::MANIFEST_JSON),
            format!("{RUN_MANIFEST}{{}}"),
        )
        .unwrap();
        assert!(Kind::of_dir(&damaged).is_err());
        for existing in [Existing::Refuse(Kind::Run), Existing::Replace(Kind::Run)] {
            let err = RunDir::create(&damaged, existing).unwrap_err();
            assert!(matches!(err, OutputError::Unrecognised { .. }), "{err}");
            assert!(err.to_string().contains("trailing characters"), "{err}");
        }
        assert!(damaged.join(crate::MANIFEST_JSON).is_file());
    }

    #[test]
    fn commit_is_atomic_and_respects_existing() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("nested").join("run");
        let dir = RunDir::create(&target, Existing::Refuse(Kind::Run)).unwrap();
        fs::write(dir.staging().join("a.csv"), "x\n").unwrap();
        fs::write(dir.staging().join(crate::MANIFEST_JSON), RUN_MANIFEST).unwrap();
        assert!(!target.exists());
        dir.commit().unwrap();
        assert_eq!(fs::read_to_string(target.join("a.csv")).unwrap(), "x\n");
        assert!(!target.join(LOCK).exists());

        assert!(matches!(
            RunDir::create(&target, Existing::Refuse(Kind::Run)),
            Err(OutputError::Exists { .. })
        ));

        let dir = RunDir::create(&target, Existing::Replace(Kind::Run)).unwrap();
        fs::write(dir.staging().join("b.csv"), "y\n").unwrap();
        fs::write(dir.staging().join(crate::MANIFEST_JSON), RUN_MANIFEST).unwrap();
        dir.commit().unwrap();
        assert!(!target.join("a.csv").exists());
        assert!(target.join("b.csv").exists());
        // Nothing but the run itself is left in the parent.
        assert_eq!(fs::read_dir(target.parent().unwrap()).unwrap().count(), 1);
    }

    #[test]
    fn only_run_directories_are_replaced() {
        let tmp = tempfile::tempdir().unwrap();
        let precious = tmp.path().join("thesis");
        fs::create_dir(&precious).unwrap();
        fs::write(precious.join("chapter1.tex"), "...").unwrap();
        assert!(matches!(
            RunDir::create(&precious, Existing::Replace(Kind::Run)),
            Err(OutputError::NotARunDir { .. })
        ));
        // Without Replace too: it is not offered for replacing (no --force hint).
        assert!(matches!(
            RunDir::create(&precious, Existing::Refuse(Kind::Run)),
            Err(OutputError::NotARunDir { .. })
        ));
        assert!(precious.join("chapter1.tex").exists());
        // A file where the directory should be is named as such, whatever the policy.
        let file = tmp.path().join("notes.txt");
        fs::write(&file, "...").unwrap();
        for existing in [Existing::Refuse(Kind::Run), Existing::Replace(Kind::Run)] {
            let err = RunDir::create(&file, existing).unwrap_err();
            assert!(err.to_string().contains("is a file"), "{err}");
        }
        // Below a file, checked up front as when creating.
        let below = file.join("run");
        let err = RunDir::check(&below, Existing::Refuse(Kind::Run)).unwrap_err();
        assert!(err.to_string().contains("is a file"), "{err}");
        // An empty directory is free to use, even without Replace.
        let empty = tmp.path().join("empty");
        fs::create_dir(&empty).unwrap();
        RunDir::create(&empty, Existing::Refuse(Kind::Run))
            .unwrap()
            .commit()
            .unwrap();
    }

    /// A replaced result that cannot be deleted is a warning naming where it is, not an
    /// error: the new result is in place.
    #[test]
    fn a_replaced_result_that_cannot_be_deleted_is_a_warning() {
        let old = Path::new("out/.study.old-7");
        let refused = |_: &Path| Err(std::io::Error::from(std::io::ErrorKind::PermissionDenied));
        let warning = remove_replaced(old, refused).unwrap();
        assert!(warning.contains("moved to out/.study.old-7"), "{warning}");
        assert!(warning.contains("delete it by hand"), "{warning}");
        assert_eq!(remove_replaced(old, |_| Ok(())), None);
    }

    /// A link to nothing as the target is refused up front, under any policy.
    /// Only `--force` checks its inputs; an input in the folder (or the folder itself) is
    /// refused, one outside it, or not on disk (a shipped scenario's name), is not.
    #[test]
    fn force_refuses_a_target_holding_an_input() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("study");
        fs::create_dir(&target).unwrap();
        let (inside, outside) = (target.join("s.toml"), tmp.path().join("s.toml"));
        fs::write(&inside, "").unwrap();
        fs::write(&outside, "").unwrap();
        let replace = Existing::forced(Kind::Run, true);
        assert_eq!(replace, Existing::Replace(Kind::Run));
        let err = replace
            .check_inputs_outside(&target, &[&outside, &inside])
            .unwrap_err();
        assert!(matches!(err, OutputError::HoldsInput { ref input, .. } if *input == inside));
        assert!(replace.check_inputs_outside(&target, &[&target]).is_err());
        let via_dots = tmp.path().join("study/../study/s.toml");
        assert!(replace.check_inputs_outside(&target, &[&via_dots]).is_err());
        for fine in [&outside, Path::new("group-size")] {
            replace.check_inputs_outside(&target, &[fine]).unwrap();
        }
        replace
            .check_inputs_outside(&tmp.path().join("new"), &[&inside])
            .unwrap();
        let refuse = Existing::forced(Kind::Run, false);
        assert_eq!(refuse, Existing::Refuse(Kind::Run));
        refuse.check_inputs_outside(&target, &[&inside]).unwrap();
    }

    #[test]
    fn a_dangling_link_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("out");
        std::os::unix::fs::symlink(tmp.path().join("gone"), &target).unwrap();
        for existing in [Existing::Refuse(Kind::Run), Existing::Replace(Kind::Run)] {
            let err = RunDir::create(&target, existing).unwrap_err();
            assert!(err.to_string().contains("symbolic link to"), "{err}");
        }
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 1);
    }

    /// A link to a directory as the target is followed: the result is written into the
    /// directory it points to (replacing a run there with `--force`, or filling an empty
    /// one), the link stays a link, and the working folders are made beside that directory.
    #[test]
    fn a_link_to_a_directory_is_written_through() {
        let tmp = tempfile::tempdir().unwrap();
        let (real, link) = (tmp.path().join("real"), tmp.path().join("link"));
        fs::create_dir(&real).unwrap();
        std::os::unix::fs::symlink("real", &link).unwrap();
        assert_eq!(partial_dir(&link), tmp.path().join(".real.partial"));
        for (existing, file) in [
            (Existing::Refuse(Kind::Run), "a.csv"),
            (Existing::Replace(Kind::Run), "b.csv"),
        ] {
            let dir = RunDir::create(&link, existing).unwrap();
            assert_eq!(dir.staging(), tmp.path().join(".real.partial"));
            fs::write(dir.staging().join(file), "x\n").unwrap();
            fs::write(dir.staging().join(crate::MANIFEST_JSON), RUN_MANIFEST).unwrap();
            assert_eq!(dir.commit().unwrap(), link);
            assert!(fs::symlink_metadata(&link).unwrap().is_symlink());
            assert!(real.join(file).is_file());
        }
        assert!(!real.join("a.csv").exists());
        let mut left: Vec<String> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, ["link", "real"]);
        // Without --force the run behind the link is refused as the directory itself is.
        assert!(matches!(
            RunDir::create(&link, Existing::Refuse(Kind::Run)),
            Err(OutputError::Exists { .. })
        ));
        // A link to `..` does not end in a folder's name.
        let up = tmp.path().join("real/up");
        std::os::unix::fs::symlink("..", &up).unwrap();
        let err = RunDir::create(&up, Existing::Replace(Kind::Run)).unwrap_err();
        assert!(err.to_string().contains("folder's name"), "{err}");
    }

    /// A target ending in `.` or `..` is refused before anything is made.
    #[test]
    fn a_target_must_end_in_a_name() {
        let tmp = tempfile::tempdir().unwrap();
        for bad in ["x/..", "x/.", "x/../", ".", "..", "/"] {
            let target = if bad == "/" {
                PathBuf::from("/")
            } else {
                tmp.path().join(bad)
            };
            let err = RunDir::create(&target, Existing::Replace(Kind::Run)).unwrap_err();
            assert!(
                err.to_string().contains("does not end in a folder's name"),
                "{err}"
            );
            let err = RunDir::resume(&target, Existing::Refuse(Kind::Run)).unwrap_err();
            assert!(
                err.to_string().contains("does not end in a folder's name"),
                "{err}"
            );
        }
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);
        drop(RunDir::create(&tmp.path().join("x/../y"), Existing::Refuse(Kind::Run)).unwrap());
    }

    #[test]
    fn dropped_run_leaves_nothing_unless_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("run");
        let dir = RunDir::create(&target, Existing::Refuse(Kind::Run)).unwrap();
        fs::write(dir.staging().join("a.csv"), "x\n").unwrap();
        drop(dir);
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);

        // Debris of a writer that cannot be resumed is cleared by a fresh start.
        let mut dir = RunDir::create(&target, Existing::Refuse(Kind::Run)).unwrap();
        dir.keep();
        drop(dir);
        let mut dir = RunDir::create(&target, Existing::Refuse(Kind::Run)).unwrap();
        fs::write(dir.staging().join(PARTIAL_JSON), "{}").unwrap();
        dir.keep();
        drop(dir);
        assert!(partial_dir(&target).is_dir());
        assert!(matches!(
            RunDir::create(&target, Existing::Refuse(Kind::Run)),
            Err(OutputError::Interrupted { .. })
        ));
        // A temporary file of a write cut short is not carried into the finished run.
        let stray = partial_dir(&target).join(".manifest.json.123.tmp");
        fs::write(&stray, "").unwrap();
        let charts = partial_dir(&target).join(".coprod-new.123");
        fs::create_dir_all(charts.join("charts")).unwrap();
        let dir = RunDir::resume(&target, Existing::Refuse(Kind::Run)).unwrap();
        assert!(!stray.exists() && !charts.exists());
        // A second writer is refused while the first holds the lock, by resume or by a
        // fresh start (which is not told the run is interrupted: it is running).
        assert!(matches!(
            RunDir::resume(&target, Existing::Refuse(Kind::Run)),
            Err(OutputError::Busy { .. })
        ));
        assert!(matches!(
            RunDir::create(&target, Existing::Refuse(Kind::Run)),
            Err(OutputError::Busy { .. })
        ));
        dir.commit().unwrap();
        assert!(target.is_dir());
        assert!(matches!(
            RunDir::resume(&target, Existing::Refuse(Kind::Run)),
            Err(OutputError::NothingToResume { .. })
        ));
    }

    /// `check` refuses only what `create` would: a fresh target passes, an interrupted run
    /// waiting to be resumed is named as such, and `--force` (Replace) may start over.
    #[test]
    fn check_refuses_only_an_interrupted_run_without_force() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("run");
        RunDir::check(&target, Existing::Refuse(Kind::Run)).unwrap();
        RunDir::check(&target, Existing::Replace(Kind::Run)).unwrap();
        let mut dir = RunDir::create(&target, Existing::Refuse(Kind::Run)).unwrap();
        fs::write(dir.staging().join(PARTIAL_JSON), "{}").unwrap();
        dir.keep();
        drop(dir);
        assert!(matches!(
            RunDir::check(&target, Existing::Refuse(Kind::Run)),
            Err(OutputError::Interrupted { .. })
        ));
        RunDir::check(&target, Existing::Replace(Kind::Run)).unwrap();
        // Checking makes nothing and removes nothing.
        assert!(!target.exists());
        assert!(partial_dir(&target).join(PARTIAL_JSON).is_file());
    }

    /// Resuming clears only what an interrupted writer left under temporary names: the
    /// folders and files a run wrote under their own names are kept.
    #[test]
    fn resume_keeps_the_runs_own_files_and_folders() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("run");
        let mut dir = RunDir::create(&target, Existing::Refuse(Kind::Run)).unwrap();
        fs::write(dir.staging().join(PARTIAL_JSON), "{}").unwrap();
        fs::create_dir(dir.staging().join("charts")).unwrap();
        fs::write(dir.staging().join("charts").join("a.svg"), "<svg/>").unwrap();
        fs::write(dir.staging().join("runs.csv"), "run_id\n").unwrap();
        fs::write(dir.staging().join(".hidden"), "").unwrap();
        dir.keep();
        drop(dir);
        let dir = RunDir::resume(&target, Existing::Refuse(Kind::Run)).unwrap();
        assert!(dir.staging().join("charts").join("a.svg").is_file());
        assert!(dir.staging().join("runs.csv").is_file());
        assert!(dir.staging().join(".hidden").is_file());
    }

    /// A partial directory left by a killed writer (its lock file still there) is cleared
    /// by the next start; a folder of that name that coprod did not make is refused and
    /// kept, and a target named like a partial directory is refused.
    #[test]
    fn only_a_partial_directory_coprod_made_is_cleared() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("run");
        let staging = partial_dir(&target);
        fs::create_dir(&staging).unwrap();
        fs::write(staging.join(LOCK), "").unwrap();
        fs::write(staging.join("runs.csv"), "run_id\n").unwrap();
        let dir = RunDir::create(&target, Existing::Refuse(Kind::Run)).unwrap();
        assert!(!dir.staging().join("runs.csv").exists());
        drop(dir);

        fs::create_dir(&staging).unwrap();
        fs::write(staging.join("notes.txt"), "mine").unwrap();
        for existing in [Existing::Refuse(Kind::Run), Existing::Replace(Kind::Run)] {
            let err = RunDir::create(&target, existing).unwrap_err().to_string();
            assert!(err.contains("was not made by coprod"), "{err}");
        }
        assert_eq!(
            fs::read_to_string(staging.join("notes.txt")).unwrap(),
            "mine"
        );

        let err = RunDir::create(
            &tmp.path().join(".run.partial"),
            Existing::Refuse(Kind::Run),
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("coprod's working folders"), "{err}");
    }

    #[test]
    fn default_dirs_are_numbered() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(default_run_dir(tmp.path(), "gs"), tmp.path().join("gs"));
        fs::create_dir(tmp.path().join("gs")).unwrap();
        assert_eq!(default_run_dir(tmp.path(), "gs"), tmp.path().join("gs-2"));
        // An interrupted run waiting at gs-2 is passed over by unused_run_dir only.
        fs::create_dir(partial_dir(&tmp.path().join("gs-2"))).unwrap();
        assert_eq!(default_run_dir(tmp.path(), "gs"), tmp.path().join("gs-2"));
        assert_eq!(unused_run_dir(tmp.path(), "gs"), tmp.path().join("gs-3"));
    }
}
