//! `coprod merge`: shards merge to outputs byte-identical to a single `coprod run` of the
//! whole scenario (CSVs, summary, comparison, charts, index.html; the manifest up to its
//! timing), and bad sets of shards are refused with the missing or duplicated runs named.

use std::fs;
use std::path::Path;

use predicates::prelude::*;

use crate::util::{Sandbox, data, manifest_without_timing};

/// `coprod run tests/data/sweep.toml` with 24 small runs, `extra` args after.
fn sweep(sb: &Sandbox, extra: &[&str]) -> assert_cmd::Command {
    let file = data("sweep.toml");
    let mut args = vec![
        "run",
        file.to_str().unwrap(),
        "--set",
        "population.n_citizens=120",
    ];
    args.extend_from_slice(extra);
    sb.cmd(&args)
}

/// Runs shard `i` of `n` into `shards/s<i>`.
fn shard(sb: &Sandbox, i: u64, n: u64) -> assert_cmd::Command {
    let out = format!("shards/s{i}");
    sweep(sb, &["--shard", &format!("{i}/{n}"), "--out", &out])
}

/// Every file below `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).unwrap();
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

/// Same files with the same bytes, except manifest.json, which may differ only in timing.
pub(crate) fn assert_same_run(a: &Path, b: &Path) {
    assert_eq!(
        files(a),
        files(b),
        "files of {} and {}",
        a.display(),
        b.display()
    );
    for file in files(a) {
        if file == "manifest.json" {
            continue;
        }
        assert!(
            fs::read(a.join(&file)).unwrap() == fs::read(b.join(&file)).unwrap(),
            "{file} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
    assert_eq!(manifest_without_timing(a), manifest_without_timing(b));
}

#[test]
fn merged_shards_are_byte_identical_to_one_run() {
    let sb = Sandbox::new();
    sweep(&sb, &["--out", "whole"]).assert().success();
    // Given in any order, with an empty shard among them.
    for i in [3, 0, 2, 1] {
        shard(&sb, i, 4).assert().success();
    }
    sb.cmd(&[
        "merge",
        "shards/s2",
        "shards/s0",
        "shards/s3",
        "shards/s1",
        "--out",
        "merged",
    ])
    .assert()
    .success()
    .stdout(predicate::str::contains("merged"));
    let (whole, merged) = (sb.path().join("whole"), sb.path().join("merged"));
    assert!(merged.join("summary.csv").is_file() && merged.join("index.html").is_file());
    assert_same_run(&whole, &merged);

    // More shards than runs: empty shards merge too.
    for i in 0..30 {
        sweep(
            &sb,
            &[
                "--shard",
                &format!("{i}/30"),
                "--out",
                &format!("many/s{i}"),
            ],
        )
        .assert()
        .success();
    }
    let mut args: Vec<String> = (0..30).map(|i| format!("many/s{i}")).collect();
    args.splice(0..0, ["merge".to_string()]);
    args.extend(["--out".into(), "merged30".into()]);
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    sb.cmd(&args).assert().success();
    assert_same_run(&whole, &sb.path().join("merged30"));
}

#[test]
fn failed_runs_in_shards_merge_like_one_run() {
    let sb = Sandbox::new();
    sweep(&sb, &["--out", "whole"])
        .env("COPROD_FAULT_INJECT", "panic:5,nan:17")
        .assert()
        .code(3);
    for i in 0..3 {
        let status = if i == 1 { 0 } else { 3 };
        shard(&sb, i, 3)
            .env("COPROD_FAULT_INJECT", "panic:5,nan:17")
            .assert()
            .code(status);
    }
    sb.cmd(&[
        "merge",
        "shards/s0",
        "shards/s1",
        "shards/s2",
        "--out",
        "merged",
    ])
    .assert()
    .code(3)
    .stderr(predicate::str::contains("2 of 24 runs failed"));
    assert_same_run(&sb.path().join("whole"), &sb.path().join("merged"));
}

#[test]
fn missing_and_duplicate_shards_are_named() {
    let sb = Sandbox::new();
    for i in [0, 1, 3] {
        shard(&sb, i, 4).assert().success();
    }
    // Shard 2 of 4 holds runs 12-17.
    sb.cmd(&[
        "merge",
        "shards/s0",
        "shards/s1",
        "shards/s3",
        "--out",
        "merged",
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains(
        "runs 12-17 of 24 are in no shard given",
    ))
    .stderr(predicate::str::contains("missing shards of 4: 2/4"));
    sb.cmd(&[
        "merge",
        "shards/s0",
        "shards/s1",
        "shards/s1",
        "shards/s3",
        "--out",
        "merged",
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains(
        "runs 6-11 of 24 are in more than one shard: shards/s1, shards/s1",
    ));
    // Shards of another split overlap: 0/4 is runs 0-5, 0/3 runs 0-7.
    sweep(&sb, &["--shard", "0/3", "--out", "other"])
        .assert()
        .success();
    sb.cmd(&["merge", "shards/s0", "other", "--out", "merged"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "runs 0-5 of 24 are in more than one shard: shards/s0, other",
        ));
    assert!(!sb.path().join("merged").exists());

    // The missing shard, re-run alone, completes the set.
    shard(&sb, 2, 4).assert().success();
    sb.cmd(&[
        "merge",
        "shards/s0",
        "shards/s1",
        "shards/s2",
        "shards/s3",
        "--out",
        "merged",
    ])
    .assert()
    .success();
}

#[test]
fn shards_of_other_scenarios_or_unfinished_shards_are_refused() {
    let sb = Sandbox::new();
    shard(&sb, 0, 2).assert().success();
    sweep(&sb, &["--shard", "1/2", "--out", "seed9", "--seed", "9"])
        .assert()
        .success();
    sb.cmd(&["merge", "shards/s0", "seed9", "--out", "merged"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "shards of different scenarios or options",
        ));

    // A directory that is not a shard, and a shard that was interrupted.
    fs::create_dir_all(sb.path().join("shards/s1")).unwrap();
    sb.cmd(&["merge", "shards/s0", "shards/s1", "--out", "merged"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "shards/s1: not a finished shard directory (it has no shard.json)",
        ));
    fs::remove_dir(sb.path().join("shards/s1")).unwrap();
    fs::create_dir_all(sb.path().join("shards/.s1.partial")).unwrap();
    sb.cmd(&["merge", "shards/s0", "shards/s1", "--out", "merged"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "an interrupted run of it is in shards/.s1.partial",
        ))
        .stderr(predicate::str::contains("--resume"));

    // A shard whose rows do not match its shard.json.
    let runs = sb.path().join("shards/s0/runs.csv");
    let text = fs::read_to_string(&runs).unwrap();
    let cut: Vec<&str> = text.lines().take(text.lines().count() - 1).collect();
    fs::write(&runs, cut.join("\n") + "\n").unwrap();
    fs::remove_dir(sb.path().join("shards/.s1.partial")).unwrap();
    sweep(&sb, &["--shard", "1/2", "--out", "shards/s1"])
        .assert()
        .success();
    sb.cmd(&["merge", "shards/s0", "shards/s1", "--out", "merged"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "run 11 is in neither runs.csv nor failures.csv",
        ));
    assert!(!sb.path().join("merged").exists());
}
