//! `coprod run --shard I/N`: a deterministic partition of the runs into contiguous blocks of
//! run ids, independent of threads; every run is in exactly one shard for any N, including
//! N larger than the number of runs (empty shards still write a valid shard directory);
//! `--shard` alone reads SLURM's array variables.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use predicates::prelude::*;

use crate::util::{Sandbox, csv, data, read};

/// `coprod run tests/data/sweep.toml` with 12 small runs (2 variants x 6 sweep points x 1
/// replication), `extra` args after.
fn shard_cmd(sb: &Sandbox, extra: &[&str]) -> assert_cmd::Command {
    let file = data("sweep.toml");
    let mut args = vec![
        "run",
        file.to_str().unwrap(),
        "--set",
        "population.n_citizens=120",
        "--replications",
        "1",
    ];
    args.extend_from_slice(extra);
    sb.cmd(&args)
}

/// Run ids of a CSV file's rows.
fn run_ids(path: &Path) -> Vec<u64> {
    csv(path)
        .1
        .iter()
        .map(|row| row[0].parse().unwrap())
        .collect()
}

fn shard_json(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&read(&dir.join("shard.json"))).unwrap()
}

#[test]
fn every_run_is_in_exactly_one_shard_for_any_number_of_shards() {
    let sb = Sandbox::new();
    const RUNS: u64 = 12;
    for n in [1u64, 5, 12, 13] {
        let mut seen: BTreeMap<u64, u64> = BTreeMap::new();
        for i in 0..n {
            let out = format!("n{n}/s{i}");
            shard_cmd(&sb, &["--shard", &format!("{i}/{n}"), "--out", &out])
                .assert()
                .success()
                .stdout(predicate::str::contains(&out));
            let dir = sb.path().join(&out);
            // The manifest lists the shard's files (every file is a table or a manifest).
            let manifest: serde_json::Value =
                serde_json::from_str(&read(&dir.join("manifest.json"))).unwrap();
            let mut listed: Vec<String> = manifest["files"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap().to_string())
                .collect();
            let mut present: Vec<String> = fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            listed.sort();
            present.sort();
            assert_eq!(listed, present, "{out}");
            let info = shard_json(&dir);
            assert_eq!(info["index"], i);
            assert_eq!(info["count"], n);
            assert_eq!(info["total_runs"], RUNS);
            let ids = run_ids(&dir.join("runs.csv"));
            // A contiguous block, as shard.json says, in run order.
            let first = info["first_run"].as_u64().unwrap();
            let expected: Vec<u64> = (first..first + info["runs"].as_u64().unwrap()).collect();
            assert_eq!(ids, expected, "shard {i}/{n}");
            for id in ids {
                *seen.entry(id).or_default() += 1;
            }
            // No summary, charts or page: those need every run.
            let mut files: Vec<String> = fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            files.sort();
            assert_eq!(
                files,
                [
                    "groups.csv",
                    "manifest.json",
                    "runs.csv",
                    "shard.json",
                    "timeseries.csv"
                ]
            );
        }
        assert_eq!(seen.len() as u64, RUNS, "N = {n}");
        assert!(seen.values().all(|&k| k == 1), "N = {n}: {seen:?}");
    }
    // N larger than the number of runs: one shard (the first) is empty but valid.
    let empty = sb.path().join("n13/s0");
    assert_eq!(shard_json(&empty)["runs"], 0);
    assert_eq!(csv(&empty.join("runs.csv")).1.len(), 0);
}

#[test]
fn shards_are_identical_for_any_thread_count() {
    let sb = Sandbox::new();
    shard_cmd(&sb, &["--shard", "1/3", "--out", "a", "--threads", "1"])
        .assert()
        .success();
    shard_cmd(&sb, &["--shard", "1/3", "--out", "b", "--threads", "2"])
        .assert()
        .success();
    for file in ["runs.csv", "timeseries.csv", "groups.csv", "shard.json"] {
        assert!(
            fs::read(sb.path().join("a").join(file)).unwrap()
                == fs::read(sb.path().join("b").join(file)).unwrap(),
            "{file} differs between --threads 1 and 2"
        );
    }
}

#[test]
fn shard_comes_from_slurm_array_variables_when_not_given() {
    let sb = Sandbox::new();
    shard_cmd(&sb, &["--shard", "2/4", "--out", "explicit"])
        .assert()
        .success();
    shard_cmd(&sb, &["--shard"])
        .env("SLURM_ARRAY_TASK_ID", "2")
        .env("SLURM_ARRAY_TASK_COUNT", "4")
        .assert()
        .success()
        .stdout(predicate::str::contains("sweep-test-shards/shard-2-of-4"));
    let from_env = sb.path().join("outputs/sweep-test-shards/shard-2-of-4");
    assert_eq!(
        read(&from_env.join("runs.csv")),
        read(&sb.path().join("explicit/runs.csv"))
    );

    // A re-run of one task (--array=3) has SLURM_ARRAY_TASK_COUNT=1: a clear error.
    shard_cmd(&sb, &["--shard", "--out", "x"])
        .env("SLURM_ARRAY_TASK_ID", "3")
        .env("SLURM_ARRAY_TASK_COUNT", "1")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("SLURM_ARRAY_TASK_ID=3"))
        .stderr(predicate::str::contains("--shard I/N"));
    shard_cmd(&sb, &["--shard", "--out", "x"])
        .env_remove("SLURM_ARRAY_TASK_ID")
        .env_remove("SLURM_ARRAY_TASK_COUNT")
        .assert()
        .code(2)
        .stderr(predicate::str::ends_with(
            "SLURM_ARRAY_TASK_ID, which is not set\n\nhint: give the shard as --shard I/N, or \
             run inside a SLURM array job\n",
        ));
    assert!(!sb.path().join("x").exists());
}

#[test]
fn impossible_shards_are_refused() {
    let sb = Sandbox::new();
    for (bad, message) in [
        ("4/4", "numbered from 0 to 3"),
        ("0/0", "at least 1"),
        ("two/4", "not a whole number"),
    ] {
        shard_cmd(&sb, &["--shard", bad, "--out", "x"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
    assert!(!sb.path().join("x").exists());
}

#[test]
fn an_interrupted_shard_resumes_to_the_same_bytes() {
    use std::process::{Command, Stdio};
    use std::time::{Duration, Instant};

    let sb = Sandbox::new();
    // Shard 0 of 2 holds runs 0-5; run 4 never finishes, so runs 0-3 are saved. (Not the
    // last shard: a resume that ran past the shard's block would write runs of shard 1.)
    shard_cmd(&sb, &["--shard", "0/2", "--out", "clean"])
        .assert()
        .success();
    let file = data("sweep.toml");
    let mut child = Command::new(crate::util::bin())
        .current_dir(sb.path())
        .args([
            "run",
            file.to_str().unwrap(),
            "--set",
            "population.n_citizens=120",
            "--replications",
            "1",
            "--shard",
            "0/2",
            "--out",
            "cut",
            "--threads",
            "1",
        ])
        .env("COPROD_FAULT_INJECT", "stall:4")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let journal = sb.path().join(".cut.partial/journal");
    let start = Instant::now();
    while !fs::read_to_string(&journal).is_ok_and(|t| t.contains("\n4,")) {
        assert!(start.elapsed() < Duration::from_secs(120), "no chunk saved");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    // The interrupted shard is not resumed as another shard.
    shard_cmd(&sb, &["--shard", "1/2", "--out", "cut", "--resume"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "it was started with --shard = 0/2, but this run has --shard = 1/2\n",
        ))
        .stderr(predicate::str::contains("--quick and --shard options"));
    shard_cmd(&sb, &["--shard", "0/2", "--out", "cut", "--resume"])
        .assert()
        .success();
    for file in ["runs.csv", "timeseries.csv", "groups.csv", "shard.json"] {
        assert!(
            fs::read(sb.path().join("clean").join(file)).unwrap()
                == fs::read(sb.path().join("cut").join(file)).unwrap(),
            "{file} differs after --resume"
        );
    }
    // Resuming a finished shard is a no-op; resuming it as another shard is refused.
    shard_cmd(&sb, &["--shard", "0/2", "--out", "cut", "--resume"])
        .assert()
        .success()
        .stderr(predicate::str::contains("already complete"));
    shard_cmd(&sb, &["--shard", "1/2", "--out", "cut", "--resume"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("it is shard 0 of 2"));
}

/// A finished shard carries the whole run's manifest, but `--resume` without its `--shard`
/// does not take it for the whole run, complete (nor does `coprod teach`, which then read
/// it as damaged): it is refused with how to merge or resume it; with its `--shard` it is
/// complete.
#[test]
fn a_shard_is_not_resumed_as_the_whole_run() {
    let sb = Sandbox::new();
    shard_cmd(&sb, &["--shard", "0/2", "--out", "sh"])
        .assert()
        .success();
    shard_cmd(&sb, &["--out", "sh", "--resume"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot resume sh: it is a shard of 2 (shard 0/2, runs 0-5 of 12 runs), not the \
             whole run\n\nhint: merge it with the other shards with `coprod merge SHARD_DIR... \
             --out DIR`, or resume it with --shard 0/2\n",
        ))
        .stderr(predicate::str::contains("already complete").not());
    sb.cmd(&["teach", "group-size", "--quick", "--out", "sh", "--resume"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("it is a shard of 2"));
    shard_cmd(&sb, &["--shard", "0/2", "--out", "sh", "--resume"])
        .assert()
        .success()
        .stderr(predicate::str::contains("already complete"));
}

/// The announcement of a shard gives the whole experiment and the runs this shard runs,
/// with the time of those, not of the whole experiment.
#[test]
fn a_shard_announces_the_runs_it_runs() {
    let sb = Sandbox::new();
    shard_cmd(&sb, &["--shard", "1/3", "--out", "s1", "-j", "1"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "12 runs (2 variants x 6 sweep points x 1 replication) of ",
        ))
        .stderr(predicate::str::contains(
            " steps; 4 of them to run now, roughly ",
        ))
        .stderr(predicate::str::contains(
            "wrote shard 1 of 3 (runs 4-7 of 12)",
        ));
    // The whole experiment on one machine says nothing of a part.
    shard_cmd(&sb, &["--out", "all", "-j", "1"])
        .assert()
        .success()
        .stderr(predicate::str::contains("to run now").not());
}
