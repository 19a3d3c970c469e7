//! How every output file reaches the disk: numbers in one format, whole files written under a
//! temporary name, synced and renamed into place.
//!
//! Owns the file mechanics shared by the run tables, the manifests and the comparison,
//! sensitivity and validation tables; knows nothing about their columns.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::OutputError;

/// Formats a float with Rust's shortest round-trip `Display`, as in every CSV file; negative
/// zero as 0.
pub(crate) fn num(v: f64) -> String {
    without_negative_zero(v).to_string()
}

/// `v`, with -0 made 0: a zero change divided by a downward move is -0, which `Display`
/// writes "-0", a sign that means nothing to a reader or a spreadsheet.
pub(crate) fn without_negative_zero(v: f64) -> f64 {
    if v == 0.0 { 0.0 } else { v }
}

/// A float cell that is empty when the value is missing or not finite.
pub(crate) fn optional(v: Option<f64>) -> String {
    v.filter(|x| x.is_finite()).map_or_else(String::new, num)
}

/// What a file without its last line break is (merge and the reader say the same).
pub(crate) const CUT_SHORT: &str = "its last line has no line break: the file is cut short";

/// Whether the file at `path` ends with a line break. coprod ends every line of its CSV
/// files with one, so a file without it (an empty file included) was cut short, perhaps
/// inside its last field, where the row still has every column and reads as a value.
pub(crate) fn ends_with_line_break(path: &Path) -> std::io::Result<bool> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(false);
    }
    let mut last = [0u8; 1];
    file.seek(SeekFrom::Start(len - 1))?;
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

/// Writes `bytes` to a temporary file beside `path`, syncs it, then renames it over `path`,
/// so a reader never sees a half-written file. The temporary file's name carries the
/// process id, so two processes writing the same file (a cluster job submitted again while
/// the first still runs) never write into one temporary file.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let written = File::create(&tmp)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        })
        // Named as `path`: the temporary file is removed below, and `path` is what was
        // being written.
        .map_err(|e| OutputError::io(path, e))
        .and_then(|()| fs::rename(&tmp, path).map_err(|e| OutputError::io(path, e)));
    if written.is_err() {
        // A full disk or a vanished folder must not leave the temporary file behind, where
        // a resumed run would carry it into the finished directory.
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// Writes `value` as pretty JSON with a final newline, atomically.
pub(crate) fn write_json(path: &Path, value: &impl Serialize) -> Result<(), OutputError> {
    let mut json = serde_json::to_string_pretty(value).map_err(|source| OutputError::Json {
        path: path.to_path_buf(),
        source,
    })?;
    json.push('\n');
    write_atomically(path, json.as_bytes())
}

/// Writes a whole CSV file (header, then records), atomically.
pub(crate) fn write_csv<R, F>(
    path: &Path,
    header: &[String],
    records: impl IntoIterator<Item = R>,
) -> Result<(), OutputError>
where
    R: IntoIterator<Item = F>,
    F: AsRef<[u8]>,
{
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(header)
        .map_err(|e| OutputError::csv(path, e))?;
    for record in records {
        writer
            .write_record(record)
            .map_err(|e| OutputError::csv(path, e))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| OutputError::io(path, e.into_error()))?;
    write_atomically(path, &bytes)
}

/// Files drawn or written as a set (charts and the page that shows them): each is written
/// under a temporary directory inside `dir`, and only when every one was written are they
/// moved over their counterparts in `dir` (one rename each, which needs no space), so a
/// failure midway (a full disk) leaves the old files as they were. The temporary directory
/// is removed when the set is dropped uncommitted.
#[derive(Debug)]
pub struct Replacement {
    dir: PathBuf,
    tmp: PathBuf,
    committed: bool,
}

impl Replacement {
    /// Starts a set of files that will replace those at the same relative paths in `dir`.
    pub fn new(dir: &Path) -> Result<Replacement, OutputError> {
        let tmp = replacement_dir(dir);
        if tmp.exists() {
            fs::remove_dir_all(&tmp).map_err(|e| OutputError::io(&tmp, e))?;
        }
        remove_abandoned(dir);
        fs::create_dir_all(&tmp).map_err(|e| OutputError::io(&tmp, e))?;
        Ok(Replacement {
            dir: dir.to_path_buf(),
            tmp,
            committed: false,
        })
    }

    /// The temporary directory, standing for `dir`: write the files below it.
    pub fn path(&self) -> &Path {
        &self.tmp
    }

    /// Where a file written at `staged` (below [`Replacement::path`]) will be.
    pub fn target(&self, staged: &Path) -> PathBuf {
        staged
            .strip_prefix(&self.tmp)
            .map_or_else(|_| staged.to_path_buf(), |rel| self.dir.join(rel))
    }

    /// Where the file that will be at `target` (below `dir`) is written now.
    pub fn staged(&self, target: &Path) -> PathBuf {
        target
            .strip_prefix(&self.dir)
            .map_or_else(|_| target.to_path_buf(), |rel| self.tmp.join(rel))
    }

    /// Syncs every file written, then moves each over its counterpart in `dir` (creating
    /// the folders it needs) and removes the temporary directory. Refuses, before moving
    /// anything, when a file stands where a folder goes or a folder where a file goes.
    pub fn commit(mut self) -> Result<(), OutputError> {
        let (folders, mut files) = self.written()?;
        // Checked for every path before any is made or moved, so a refusal leaves `dir`
        // as it was rather than half replaced.
        for (staged, folder) in folders.iter().map(|d| (d, true)) {
            check_not_in_the_way(&self.target(staged), folder)?;
        }
        for staged in &files {
            check_not_in_the_way(&self.target(staged), false)?;
        }
        for d in &folders {
            let target = self.target(d);
            fs::create_dir_all(&target).map_err(|e| OutputError::io(&target, e))?;
        }
        files.sort();
        for path in &files {
            let target = self.target(path);
            fs::rename(path, &target).map_err(|e| OutputError::io(&target, e))?;
        }
        self.committed = true;
        fs::remove_dir_all(&self.tmp).map_err(|e| OutputError::io(&self.tmp, e))
    }
}

impl Replacement {
    /// The folders (the temporary directory first) and the files written below
    /// [`Replacement::path`], each file synced.
    fn written(&self) -> Result<(Vec<PathBuf>, Vec<PathBuf>), OutputError> {
        let (mut folders, mut files) = (Vec::new(), Vec::new());
        let mut stack = vec![self.tmp.clone()];
        while let Some(d) = stack.pop() {
            for entry in fs::read_dir(&d).map_err(|e| OutputError::io(&d, e))? {
                let path = entry.map_err(|e| OutputError::io(&d, e))?.path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    File::open(&path)
                        .and_then(|f| f.sync_all())
                        .map_err(|e| OutputError::io(&path, e))?;
                    files.push(path);
                }
            }
            folders.push(d);
        }
        Ok((folders, files))
    }
}

/// Refuses a `target` where something of the other sort stands: a file (or a link to
/// nothing) where a folder goes, a folder where a file goes. The OS would say only "File
/// exists" or "Is a directory", and only once some files had been moved. The refusal is an
/// I/O error of the kind the OS would give, so callers treat it as the failed write it is.
fn check_not_in_the_way(target: &Path, folder: bool) -> Result<(), OutputError> {
    let Ok(found) = fs::symlink_metadata(target) else {
        return Ok(());
    };
    let (in_the_way, kind, says) = if folder {
        (
            !target.is_dir(),
            std::io::ErrorKind::NotADirectory,
            "it is not a folder, but coprod writes a folder of that name there",
        )
    } else {
        (
            found.is_dir(),
            std::io::ErrorKind::IsADirectory,
            "it is a folder, but coprod writes a file of that name there",
        )
    };
    if in_the_way {
        let text = format!("{says}; move or rename it, then give the command again");
        return Err(OutputError::io(target, std::io::Error::new(kind, text)));
    }
    Ok(())
}

/// The name of a [`Replacement`]'s temporary directory, before the process id.
const REPLACEMENT_PREFIX: &str = ".coprod-new.";

/// The temporary directory of this process's [`Replacement`] of files in `dir`.
pub(crate) fn replacement_dir(dir: &Path) -> PathBuf {
    dir.join(format!("{REPLACEMENT_PREFIX}{}", std::process::id()))
}

/// Removes the temporary directories that replacements of killed processes left in `dir`
/// (best effort). Where the system cannot say whether a process is running (no `/proc`),
/// nothing is removed: another process could still be writing.
fn remove_abandoned(dir: &Path) {
    remove_left_by_gone(
        dir,
        |name| name.strip_prefix(REPLACEMENT_PREFIX),
        |p| fs::remove_dir_all(p),
    );
}

/// Removes the temporary files that coprod's atomic writes left in `dir` (`.NAME.PID.tmp`)
/// when its process was stopped (Ctrl-C, a kill) between writing and renaming them; a file
/// of a process still running is left alone. Nothing is read or removed where `/proc` is
/// not there to tell.
pub fn remove_abandoned_temporaries(dir: &Path) {
    remove_left_by_gone(dir, writer_of_temporary, |p| fs::remove_file(p));
}

/// The process id in the name of a temporary file of [`write_atomically`] (checked to be a
/// number by [`remove_left_by_gone`]).
fn writer_of_temporary(name: &str) -> Option<&str> {
    let rest = name.strip_prefix('.')?.strip_suffix(".tmp")?;
    rest.rsplit_once('.').map(|(_, pid)| pid)
}

/// Removes each entry of `dir` whose name `writer` reads a process id from, when that
/// process is gone.
fn remove_left_by_gone(
    dir: &Path,
    writer: impl Fn(&str) -> Option<&str>,
    remove: impl Fn(&Path) -> std::io::Result<()>,
) {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return;
    }
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = writer(&name).filter(|pid| pid.parse::<u32>().is_ok()) else {
            continue;
        };
        if !is_running(&proc.join(pid)) {
            let _ = remove(&entry.path());
        }
    }
}

/// Whether the process of `/proc/PID` (`proc_pid`) still runs: it exists and is not a
/// zombie (state Z, exited but not yet waited for by its parent), which writes nothing more.
fn is_running(proc_pid: &Path) -> bool {
    match fs::read_to_string(proc_pid.join("stat")) {
        // `PID (NAME) STATE ...`; the name may hold spaces and parentheses.
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_none_or(|(_, rest)| !rest.starts_with(['Z', 'X'])),
        Err(_) => proc_pid.exists(),
    }
}

impl Drop for Replacement {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.tmp);
        }
    }
}

/// Why a run directory could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS reported.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid CSV or JSON.
    #[error("{}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A required column is missing from the header.
    #[error("{}: missing column `{column}`", path.display())]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
    },
    /// A field does not hold what its column requires.
    #[error("{}:{line}: column `{column}`: {message}", path.display())]
    BadField {
        /// The file.
        path: PathBuf,
        /// Line number, from 1 (the header is line 1).
        line: u64,
        /// The column.
        column: String,
        /// What is wrong.
        message: String,
    },
}

/// Reads manifest.json as loose JSON (`None` if the directory has none), so that a report
/// can show the scenario and parameters when they are there and still work without them.
///
/// # Errors
/// [`ReadError::Syntax`] when the file exists but is not JSON.
pub fn read_manifest(dir: &Path) -> Result<Option<serde_json::Value>, ReadError> {
    let path = dir.join(crate::MANIFEST_JSON);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(ReadError::Io { path, source }),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| ReadError::Syntax {
            path,
            message: e.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_zero_is_written_as_0() {
        assert_eq!(num(-0.0), "0");
        assert_eq!(optional(Some(-0.0)), "0");
        assert_eq!(num(-2.5e-7), "-0.00000025");
        assert_eq!(num(0.1 + 0.2), "0.30000000000000004");
    }

    /// A process that has exited but was not yet waited for by its parent (a zombie,
    /// state Z) writes nothing more: what it left is removed like that of one gone.
    #[cfg(target_os = "linux")]
    #[test]
    fn temporaries_of_a_zombie_process_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let mut child = std::process::Command::new("true").spawn().unwrap();
        let stat = format!("/proc/{}/stat", child.id());
        let zombie = || {
            let text = fs::read_to_string(&stat).unwrap();
            text.rsplit_once(") ").unwrap().1.starts_with('Z')
        };
        let start = std::time::Instant::now();
        while !zombie() {
            assert!(start.elapsed().as_secs() < 30, "`true` never exited");
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let left = tmp.path().join(format!(".gen-001.json.{}.tmp", child.id()));
        fs::write(&left, "").unwrap();
        remove_abandoned_temporaries(tmp.path());
        let removed = !left.exists();
        child.wait().unwrap();
        assert!(removed, "the temporary file of a zombie process was kept");
    }

    /// Only `write_atomically`'s temporary files of processes that are gone are removed: a
    /// running process's (this one's parent), the files themselves and other hidden files
    /// stay.
    #[cfg(target_os = "linux")]
    #[test]
    fn abandoned_temporaries_of_gone_processes_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        let parent = std::os::unix::process::parent_id();
        let gone = format!(".gen-003.json.{}.tmp", u32::MAX - 1);
        let running = format!(".gen-004.json.{parent}.tmp");
        let kept = [
            running.as_str(),
            "gen-003.json",
            ".gen-003.json.tmp",
            ".gen-003.json.x1.tmp",
            ".coprod-probe.4294967294",
        ];
        for name in kept.iter().chain([&gone.as_str()]) {
            fs::write(dir.join(name), "").unwrap();
        }
        remove_abandoned_temporaries(dir);
        assert!(!dir.join(&gone).exists());
        for name in kept {
            assert!(dir.join(name).exists(), "{name}");
        }
        remove_abandoned_temporaries(&dir.join("no-such-folder"));
    }

    /// A write that fails after its temporary file was made (here the rename: a folder
    /// stands where the file should go) leaves no temporary file behind.
    #[test]
    fn a_failed_write_leaves_no_temporary_file() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("manifest.json");
        fs::create_dir(&path).unwrap();
        fs::write(path.join("inside"), "x").unwrap();
        assert!(write_atomically(&path, b"{}").is_err());
        let names: Vec<String> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["manifest.json"]);
        write_atomically(&tmp.path().join("ok.json"), b"{}").unwrap();
        assert_eq!(
            fs::read_to_string(tmp.path().join("ok.json")).unwrap(),
            "{}"
        );
    }

    /// A file where a folder of the set goes, or a folder where a file goes, is named and
    /// refused before anything is moved: the old files stay as they were.
    #[test]
    fn a_replacement_refuses_what_is_in_the_way_before_moving_anything() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        fs::write(dir.join("index.html"), "old page").unwrap();
        fs::write(dir.join("charts"), "not a folder").unwrap();
        fs::create_dir_all(dir.join("comparison/a.svg")).unwrap();
        for (in_the_way, says) in [
            ("charts", "it is not a folder, but coprod writes a folder"),
            (
                "comparison/a.svg",
                "it is a folder, but coprod writes a file",
            ),
        ] {
            let new = Replacement::new(dir).unwrap();
            fs::write(new.path().join("index.html"), "new page").unwrap();
            fs::create_dir_all(new.path().join("charts")).unwrap();
            fs::write(new.path().join("charts/a.png"), "new a").unwrap();
            fs::create_dir_all(new.path().join("comparison")).unwrap();
            fs::write(new.path().join("comparison/a.svg"), "new a").unwrap();
            let err = new.commit().unwrap_err();
            assert!(matches!(err, OutputError::Io { .. }), "{err}");
            let text = err.to_string();
            let named = format!("cannot write {}: ", dir.join(in_the_way).display());
            assert!(text.starts_with(&named) && text.contains(says), "{text}");
            assert!(text.contains("move or rename it"), "{text}");
            assert_eq!(
                fs::read_to_string(dir.join("index.html")).unwrap(),
                "old page"
            );
            fs::remove_file(dir.join("charts")).ok();
        }
        assert_eq!(fs::read_dir(dir).unwrap().count(), 2);
    }

    #[test]
    fn a_replacement_moves_files_in_only_on_commit() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        fs::create_dir_all(dir.join("charts")).unwrap();
        fs::write(dir.join("charts/a.png"), "old a").unwrap();
        fs::write(dir.join("index.html"), "old page").unwrap();
        // Dropped before commit (a failed drawing): the old files stay, nothing is left.
        {
            let new = Replacement::new(dir).unwrap();
            fs::create_dir_all(new.path().join("charts")).unwrap();
            fs::write(new.path().join("charts/a.png"), "new a").unwrap();
            assert_eq!(
                new.target(&new.path().join("charts/a.png")),
                dir.join("charts/a.png")
            );
            assert_eq!(
                new.staged(&dir.join("index.html")),
                new.path().join("index.html")
            );
        }
        let names = |d: &Path| {
            let mut n: Vec<String> = fs::read_dir(d)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            n.sort();
            n
        };
        assert_eq!(names(dir), ["charts", "index.html"]);
        assert_eq!(
            fs::read_to_string(dir.join("charts/a.png")).unwrap(),
            "old a"
        );
        // The temporary directory of a killed process (no such pid) is removed by the next
        // replacement; that of a running one (this process's parent) is left alone.
        #[cfg(target_os = "linux")]
        {
            let abandoned = dir.join(format!("{REPLACEMENT_PREFIX}{}", u32::MAX - 1));
            let parent = std::os::unix::process::parent_id();
            let running = dir.join(format!("{REPLACEMENT_PREFIX}{parent}"));
            for d in [&abandoned, &running] {
                fs::create_dir_all(d.join("charts")).unwrap();
            }
            drop(Replacement::new(dir).unwrap());
            assert!(!abandoned.exists());
            assert!(running.exists());
            fs::remove_dir_all(&running).unwrap();
        }
        // Committed: every file replaced or added, new folders made, the temporary gone.
        let new = Replacement::new(dir).unwrap();
        fs::create_dir_all(new.path().join("charts")).unwrap();
        fs::create_dir_all(new.path().join("comparison")).unwrap();
        fs::write(new.path().join("charts/a.png"), "new a").unwrap();
        fs::write(new.path().join("charts/b.png"), "new b").unwrap();
        fs::write(new.path().join("index.html"), "new page").unwrap();
        new.commit().unwrap();
        assert_eq!(names(dir), ["charts", "comparison", "index.html"]);
        assert_eq!(names(&dir.join("charts")), ["a.png", "b.png"]);
        assert_eq!(
            fs::read_to_string(dir.join("charts/a.png")).unwrap(),
            "new a"
        );
        assert_eq!(
            fs::read_to_string(dir.join("index.html")).unwrap(),
            "new page"
        );
    }
}
