//! Run directories: where a run's files go, and how they appear there atomically.
//!
//! Files are written into a hidden temporary directory beside the target and renamed into
//! place only when complete, so a crash or Ctrl-C never leaves a half-written run that
//! looks finished. An existing run directory is never replaced unless asked.

use std::fs;
use std::path::{Path, PathBuf};

use crate::OutputError;

/// What to do when the target directory already exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Existing {
    /// Fail with [`OutputError::Exists`] (the default; `--force` is needed to replace).
    Refuse,
    /// Replace it once the new run is complete.
    Replace,
}

/// A run directory being written.
#[derive(Debug)]
pub struct RunDir {
    target: PathBuf,
    staging: PathBuf,
    existing: Existing,
    committed: bool,
}

impl RunDir {
    /// Starts a run directory for `target`, checking the overwrite policy up front.
    pub fn create(target: &Path, existing: Existing) -> Result<RunDir, OutputError> {
        check_replaceable(target, existing)?;
        let parent = parent_of(target);
        fs::create_dir_all(&parent).map_err(|e| OutputError::io(&parent, e))?;
        let staging = sibling(target, "partial");
        if staging.exists() {
            fs::remove_dir_all(&staging).map_err(|e| OutputError::io(&staging, e))?;
        }
        fs::create_dir(&staging).map_err(|e| OutputError::io(&staging, e))?;
        Ok(RunDir {
            target: target.to_path_buf(),
            staging,
            existing,
            committed: false,
        })
    }

    /// Where files are written until [`RunDir::commit`].
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// The final location.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Moves the finished directory into place and returns its path.
    pub fn commit(mut self) -> Result<PathBuf, OutputError> {
        // Checked again: time has passed since `create`.
        check_replaceable(&self.target, self.existing)?;
        if self.target.exists() && !is_empty_dir(&self.target) {
            // Move the old run aside first so the target is never missing a complete run
            // for longer than one rename.
            let old = sibling(&self.target, "old");
            if old.exists() {
                fs::remove_dir_all(&old).map_err(|e| OutputError::io(&old, e))?;
            }
            fs::rename(&self.target, &old).map_err(|e| OutputError::io(&self.target, e))?;
            fs::rename(&self.staging, &self.target)
                .map_err(|e| OutputError::io(&self.target, e))?;
            fs::remove_dir_all(&old).map_err(|e| OutputError::io(&old, e))?;
        } else {
            fs::rename(&self.staging, &self.target)
                .map_err(|e| OutputError::io(&self.target, e))?;
        }
        self.committed = true;
        Ok(self.target.clone())
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        if !self.committed {
            // Best effort: an unfinished run must not be left behind looking like output.
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// Whether the policy allows writing to `target`. An empty directory counts as free; only
/// a previous run directory (one with a manifest.json) may be replaced, so a mistyped
/// `--out` with `--force` can never delete an unrelated folder.
fn check_replaceable(target: &Path, existing: Existing) -> Result<(), OutputError> {
    if !target.exists() || is_empty_dir(target) {
        return Ok(());
    }
    match existing {
        Existing::Refuse => Err(OutputError::Exists {
            path: target.to_path_buf(),
        }),
        Existing::Replace if target.join(crate::MANIFEST_JSON).is_file() => Ok(()),
        Existing::Replace => Err(OutputError::NotARunDir {
            path: target.to_path_buf(),
        }),
    }
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

fn parent_of(target: &Path) -> PathBuf {
    match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A hidden directory beside `target`: `.<name>.<what>-<pid>`.
fn sibling(target: &Path, what: &str) -> PathBuf {
    let name = target
        .file_name()
        .map_or_else(|| "run".into(), |n| n.to_string_lossy().into_owned());
    parent_of(target).join(format!(".{name}.{what}-{}", std::process::id()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_is_atomic_and_respects_existing() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("nested").join("run");
        let dir = RunDir::create(&target, Existing::Refuse).unwrap();
        fs::write(dir.staging().join("a.csv"), "x\n").unwrap();
        fs::write(dir.staging().join(crate::MANIFEST_JSON), "{}").unwrap();
        assert!(!target.exists());
        dir.commit().unwrap();
        assert_eq!(fs::read_to_string(target.join("a.csv")).unwrap(), "x\n");

        assert!(matches!(
            RunDir::create(&target, Existing::Refuse),
            Err(OutputError::Exists { .. })
        ));

        let dir = RunDir::create(&target, Existing::Replace).unwrap();
        fs::write(dir.staging().join("b.csv"), "y\n").unwrap();
        fs::write(dir.staging().join(crate::MANIFEST_JSON), "{}").unwrap();
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
            RunDir::create(&precious, Existing::Replace),
            Err(OutputError::NotARunDir { .. })
        ));
        assert!(precious.join("chapter1.tex").exists());
        // An empty directory is free to use, even without Replace.
        let empty = tmp.path().join("empty");
        fs::create_dir(&empty).unwrap();
        RunDir::create(&empty, Existing::Refuse)
            .unwrap()
            .commit()
            .unwrap();
    }

    #[test]
    fn dropped_run_leaves_nothing() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("run");
        let dir = RunDir::create(&target, Existing::Refuse).unwrap();
        fs::write(dir.staging().join("a.csv"), "x\n").unwrap();
        drop(dir);
        assert_eq!(fs::read_dir(tmp.path()).unwrap().count(), 0);
    }

    #[test]
    fn default_dirs_are_numbered() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(default_run_dir(tmp.path(), "gs"), tmp.path().join("gs"));
        fs::create_dir(tmp.path().join("gs")).unwrap();
        assert_eq!(default_run_dir(tmp.path(), "gs"), tmp.path().join("gs-2"));
    }
}
