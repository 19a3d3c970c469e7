//! Helpers shared by the integration tests: the binary in a scratch directory, small
//! sizes so tests stay fast in debug builds on 2 cores, and output readers.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// Path of the built `coprod` binary.
pub(crate) fn bin() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_coprod"))
}

/// Runs coprod with `args` in `dir` under a file size limit of `kib` KiB, with SIGXFSZ
/// ignored so that a write past it fails with "File too large": a full disk, without a
/// mount.
pub(crate) fn run_with_size_limit(dir: &Path, kib: u32, args: &[&str]) -> std::process::Output {
    run_under(dir, &format!(r#"trap "" XFSZ; ulimit -f {kib}"#), args)
}

/// Runs coprod with `args` in `dir` with at most `mib` MiB of address space (`ulimit -v`):
/// an allocation beyond it fails and aborts coprod, so a command that should stay light is
/// shown to, without timing it.
pub(crate) fn run_with_memory_limit(dir: &Path, mib: u32, args: &[&str]) -> std::process::Output {
    run_under(dir, &format!("ulimit -v {}", mib * 1024), args)
}

/// Runs coprod with `args` in `dir` after the shell commands `setup` (limits).
fn run_under(dir: &Path, setup: &str, args: &[&str]) -> std::process::Output {
    let script = format!(r#"{setup}; exec "$0" "$@""#);
    std::process::Command::new("bash")
        .current_dir(dir)
        .args(["-c", &script])
        .arg(bin())
        .args(args)
        .output()
        .unwrap()
}

/// The repository root (for `scenarios/`, `docs/`, `tests/data/`).
/// Names of the hidden entries of `dir` (working folders and temporary files left behind).
pub(crate) fn hidden_entries(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect()
}

/// Starts `coprod ARGS` in `dir` and sends Ctrl-C as soon as `ready(pid)` (a path) exists;
/// returns its output once it has exited. Fails if coprod exits before the path is seen (a
/// path that came and went between two looks would be waited for in vain).
pub(crate) fn ctrl_c_once_there(
    dir: &Path,
    args: &[&str],
    ready: impl Fn(u32) -> PathBuf,
) -> std::process::Output {
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    let mut child = std::process::Command::new(bin())
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let ready = ready(child.id());
    let start = Instant::now();
    while !ready.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "{} never appeared",
            ready.display()
        );
        if let Some(status) = child.try_wait().unwrap() {
            panic!(
                "coprod exited ({status}) before {} was seen",
                ready.display()
            );
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    ctrl_c(child)
}

/// Sends Ctrl-C (SIGINT) to `child` and waits for it to exit.
pub(crate) fn ctrl_c(child: std::process::Child) -> std::process::Output {
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    child.wait_with_output().unwrap()
}

pub(crate) fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A test fixture under `tests/data/`.
pub(crate) fn data(name: &str) -> PathBuf {
    root().join("tests").join("data").join(name)
}

/// A scratch directory and commands that run in it.
pub(crate) struct Sandbox {
    dir: tempfile::TempDir,
}

impl Sandbox {
    pub(crate) fn new() -> Sandbox {
        Sandbox {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub(crate) fn path(&self) -> &Path {
        self.dir.path()
    }

    /// `coprod <args>` in the sandbox, without colour.
    pub(crate) fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(bin());
        cmd.current_dir(self.path()).env("NO_COLOR", "1").args(args);
        cmd
    }

    /// `coprod run` with small sizes: `extra` args come after.
    pub(crate) fn small_run(&self, extra: &[&str]) -> Command {
        let mut args = vec![
            "run",
            "--set",
            "population.n_citizens=240",
            "--set",
            "population.n_communities=4",
            "--set",
            "experiment.steps=8",
            "--replications",
            "2",
        ];
        args.extend_from_slice(extra);
        self.cmd(&args)
    }
}

/// A whole file as text.
pub(crate) fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Header and rows of a CSV file (plain commas; fields in these tests never contain commas).
pub(crate) fn csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = read(path);
    let mut lines = text.lines();
    let header = lines
        .next()
        .expect("header")
        .split(',')
        .map(String::from)
        .collect();
    let rows = lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    (header, rows)
}

/// manifest.json without its `timing` object, the only part allowed to differ.
pub(crate) fn manifest_without_timing(dir: &Path) -> serde_json::Value {
    let mut m: serde_json::Value =
        serde_json::from_str(&read(&dir.join("manifest.json"))).expect("json");
    m.as_object_mut().expect("object").remove("timing");
    m
}

/// Every file below `dir`, as paths relative to it, sorted.
pub(crate) fn files_below(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.strip_prefix(dir).unwrap().to_path_buf());
            }
        }
    }
    out.sort();
    out
}

/// `dir` made read-only (mode 555) until the guard drops, which makes it writable again so
/// that the sandbox can be removed.
pub(crate) struct ReadOnly(PathBuf);

impl Drop for ReadOnly {
    fn drop(&mut self) {
        use std::os::unix::fs::PermissionsExt;
        let _ = fs::set_permissions(&self.0, fs::Permissions::from_mode(0o755));
    }
}

/// Makes `dir` read-only for the test `test`; `None`, after printing a SKIPPED line, when
/// this user may write into it all the same (root, whom file permissions do not stop).
pub(crate) fn read_only(dir: &Path, test: &str) -> Option<ReadOnly> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o555)).unwrap();
    let guard = ReadOnly(dir.to_path_buf());
    let probe = dir.join(".coprod-write-probe");
    if fs::write(&probe, "").is_ok() {
        fs::remove_file(probe).unwrap();
        eprintln!("SKIPPED {test}: this user may write into a read-only folder (root)");
        return None;
    }
    Some(guard)
}

/// Runs `coprod ARGS` (with `envs`) in `dir` and checks that it succeeds within two minutes
/// (a few seconds are enough); kills it and fails the test if it does not: a hang, such as
/// a hold on Ctrl-C taken again on a thread pool that waits for the thread holding it.
/// Returns the most threads of coprod's `-j` pool (named `coprod-run-N`) seen at once while
/// it ran, looked at every few milliseconds (Linux; 0 where /proc is not).
pub(crate) fn succeeds_within_deadline(dir: &Path, args: &[&str], envs: &[(&str, &str)]) -> usize {
    use std::io::{Read, Seek};
    use std::process::Stdio;
    use std::time::{Duration, Instant};
    // A file, not a pipe: a pipe nobody reads while waiting could fill and stall coprod.
    let mut stderr = tempfile::tempfile().unwrap();
    let mut child = std::process::Command::new(bin())
        .current_dir(dir)
        .args(args)
        .envs(envs.iter().copied())
        .stdout(Stdio::null())
        .stderr(stderr.try_clone().unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let mut pool = 0;
    let status = loop {
        pool = pool.max(pool_threads(child.id()));
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!(
                "coprod {} did not finish within 120 s (deadlock?)",
                args.join(" ")
            );
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let mut said = String::new();
    stderr.rewind().unwrap();
    stderr.read_to_string(&mut said).unwrap();
    assert!(
        status.success(),
        "coprod {}: {status}\n{said}",
        args.join(" ")
    );
    pool
}

/// The threads of process `pid` named as those of coprod's `-j` pool, now.
fn pool_threads(pid: u32) -> usize {
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .flatten()
        .filter(|task| {
            fs::read_to_string(task.path().join("comm")).is_ok_and(|n| n.starts_with("coprod-run-"))
        })
        .count()
}

/// Every file below `dir` with its bytes, sorted by path: to show that two commands wrote the
/// same directory.
pub(crate) fn contents(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    files_below(dir)
        .into_iter()
        .map(|file| {
            let bytes = fs::read(dir.join(&file)).unwrap();
            (file, bytes)
        })
        .collect()
}
