//! Bad input never panics and never touches outputs: every case of the corpus in
//! `tests/data/errors/` exits with status 2, prints one message that matches its snapshot
//! (`NAME.stderr` beside `NAME.toml`), and leaves the directory as it was.
//!
//! A case runs `coprod run NAME.toml --out out` in a scratch directory holding only the
//! case file, unless its first line is `# args: ...` (with `{file}` for the case file).
//! Snapshots are plain text, with the machine's memory size filtered out. To accept new
//! or changed messages, run with `UPDATE_SNAPSHOTS=1` (or `INSTA_UPDATE=always`) and
//! review the `.stderr` diffs before committing; with `CI=true` snapshots are never
//! written, so a missing one fails.

use std::fs;
use std::path::{Path, PathBuf};

use crate::util::{Sandbox, data};

/// Every case file of the corpus, sorted.
fn cases() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(data("errors"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

/// The command-line arguments of a case.
fn args(case: &Path, name: &str) -> Vec<String> {
    let text = fs::read(case).unwrap();
    let first = String::from_utf8_lossy(&text)
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    match first.strip_prefix("# args:") {
        Some(rest) => rest
            .split_whitespace()
            .map(|w| w.replace("{file}", name))
            .collect(),
        None => ["run", name, "--out", "out"].map(String::from).to_vec(),
    }
}

/// stderr with what differs between machines replaced by placeholders.
fn filter(stderr: &str, sandbox: &Path) -> String {
    let mut out = stderr.replace(&sandbox.display().to_string(), "[SANDBOX]");
    // "need about 250.3 GiB ..., but the machine has 7.8 GiB": the machine's memory, and
    // the estimate, which follows the model's state layout.
    for (marker, placeholder) in [
        ("need about ", "[ESTIMATE]"),
        ("needs about ", "[ESTIMATE]"),
        ("the machine has ", "[MEMORY]"),
    ] {
        if let Some(at) = out.find(marker) {
            let start = at + marker.len();
            if let Some(len) = out[start..].find(" GiB") {
                out.replace_range(start..start + len, placeholder);
            }
        }
    }
    out
}

fn update_snapshots() -> bool {
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    let asked = std::env::var("UPDATE_SNAPSHOTS").is_ok_and(|v| v == "1")
        || std::env::var("INSTA_UPDATE").is_ok_and(|v| v == "always");
    asked && !ci
}

#[test]
fn every_bad_input_exits_2_with_its_snapshot_message_and_no_output() {
    let cases = cases();
    assert!(
        cases.len() >= 30,
        "the corpus has only {} cases",
        cases.len()
    );
    let mut mismatches = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let sb = Sandbox::new();
        fs::copy(case, sb.path().join(&name)).unwrap();
        let args = args(case, &name);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let output = sb.cmd(&args).env("RUST_BACKTRACE", "1").output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(output.stdout.is_empty(), "{name}: stdout is for data only");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("backtrace"),
            "{name}: {stderr}"
        );
        assert!(stderr.starts_with("error: "), "{name}: {stderr}");
        // Nothing created or changed: the scratch directory holds only the case file.
        let left: Vec<String> = fs::read_dir(sb.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(left, vec![name.clone()], "{name} left files behind");

        let shown = filter(&stderr, sb.path());
        let snapshot = case.with_extension("stderr");
        match fs::read_to_string(&snapshot) {
            Ok(expected) if expected == shown => {}
            _ if update_snapshots() => fs::write(&snapshot, &shown).unwrap(),
            Ok(expected) => {
                mismatches.push(format!("{name}:\n--- expected\n{expected}--- got\n{shown}"))
            }
            Err(_) => mismatches.push(format!(
                "{name}: no snapshot {}; got:\n{shown}",
                snapshot.display()
            )),
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} messages differ from their snapshots (rerun with UPDATE_SNAPSHOTS=1 to accept):\n\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn every_snapshot_has_its_case() {
    for entry in fs::read_dir(data("errors")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "stderr") {
            assert!(
                path.with_extension("toml").exists(),
                "{} has no case file",
                path.display()
            );
        }
    }
}

#[test]
fn messages_name_the_position_the_key_and_what_is_allowed() {
    // Spot checks of the promise in docs/errors.md on top of the snapshots.
    let read = |name: &str| fs::read_to_string(data("errors").join(name)).unwrap();
    let m = read("out-of-range-real.stderr");
    assert!(m.contains("out-of-range-real.toml:2:17:"), "{m}");
    assert!(m.contains("`citizens.efficacy_mean`"), "{m}");
    assert!(m.contains("allowed is a number from 0 to 1"), "{m}");
    let m = read("unknown-parameter.stderr");
    assert!(
        m.contains("hint: did you mean `levers.group_size_cap`?"),
        "{m}"
    );
    let m = read("unknown-experiment-key.stderr");
    assert!(m.contains("hint: did you mean `replications`?"), "{m}");
}

#[test]
fn bad_input_leaves_an_existing_run_directory_unchanged_even_with_force() {
    let sb = Sandbox::new();
    let good = data("sweep.toml");
    sb.cmd(&["run", good.to_str().unwrap(), "--out", "study"])
        .assert()
        .success();
    let before = fs::read(sb.path().join("study").join("runs.csv")).unwrap();
    let bad = data("errors").join("out-of-range-real.toml");
    sb.cmd(&["run", bad.to_str().unwrap(), "--out", "study", "--force"])
        .assert()
        .code(2);
    assert_eq!(
        fs::read(sb.path().join("study").join("runs.csv")).unwrap(),
        before
    );
    let mut left: Vec<String> = fs::read_dir(sb.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["study"]);
}
