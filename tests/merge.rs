//! `coprod merge`: shards merge to outputs byte-identical to a single `coprod run` of the
//! whole scenario (CSVs, summary, comparison, charts, index.html; the manifest up to its
//! timing), and bad sets of shards are refused with the missing or duplicated runs named.

use std::fs;
use std::path::Path;

use predicates::prelude::*;

use crate::util::{Sandbox, data, files_below, manifest_without_timing, succeeds_within_deadline};

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
    files_below(dir)
        .iter()
        .map(|rel| rel.to_string_lossy().into_owned())
        .collect()
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

/// One run of the sweep with `options` into `whole` and its two shards with the same
/// options merged into `merged`, checked to be the same run; the merged directory.
fn whole_and_merged(sb: &Sandbox, options: &[&str]) -> std::path::PathBuf {
    sweep(sb, &[options, &["--out", "whole"]].concat())
        .assert()
        .success();
    for i in 0..2 {
        let (shard, out) = (format!("{i}/2"), format!("shards/s{i}"));
        sweep(sb, &[options, &["--shard", &shard, "--out", &out]].concat())
            .assert()
            .success();
    }
    sb.cmd(&["merge", "shards/s0", "shards/s1", "--out", "merged"])
        .assert()
        .success();
    let merged = sb.path().join("merged");
    assert_same_run(&sb.path().join("whole"), &merged);
    merged
}

/// A sandbox with the two shards of the sweep, in `s0` and `s1`.
fn two_shards() -> Sandbox {
    let sb = Sandbox::new();
    for i in 0..2 {
        let (shard, out) = (format!("{i}/2"), format!("s{i}"));
        sweep(&sb, &["--shard", &shard, "--out", &out])
            .assert()
            .success();
    }
    sb
}

/// `merge -j N` draws the charts on N threads, as `run -j N` does, and the manifest records
/// N (it recorded the global pool's size, all cores or RAYON_NUM_THREADS, whatever -j said);
/// the outputs are the same for any N.
#[test]
fn merge_j_sets_the_threads_its_charts_are_drawn_on() {
    let sb = two_shards();
    for threads in ["1", "2"] {
        let out = format!("merged{threads}");
        // A size of the global pool unlike either -j: only -j may decide the threads.
        let pool = succeeds_within_deadline(
            sb.path(),
            &["merge", "s0", "s1", "--out", &out, "-j", threads],
            &[("RAYON_NUM_THREADS", "3")],
        );
        assert_eq!(pool.to_string(), threads, "threads of the -j pool seen");
        let text = fs::read_to_string(sb.path().join(&out).join("manifest.json")).unwrap();
        let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            manifest["timing"]["threads"].to_string(),
            threads,
            "{}",
            manifest["timing"]
        );
    }
    assert_same_run(&sb.path().join("merged1"), &sb.path().join("merged2"));
}

/// The merge of a run draws its charts on a pool of -j threads while Ctrl-C is held off
/// (the results are being moved into place); a hold taken again on a pool thread waited
/// for ever for the one the merge's own thread held. The merge finishes within a deadline,
/// with Ctrl-C's handler in place as on the command line (`merge -j N` is timed likewise).
#[test]
fn merge_on_a_sized_pool_does_not_deadlock() {
    let sb = two_shards();
    // Without -j: a pool of every core, as `coprod run` takes.
    succeeds_within_deadline(sb.path(), &["merge", "s0", "s1", "--out", "merged"], &[]);
}

/// `--against` given to the shards is the reference of the merged comparison, as in one
/// run with the same option (it was silently the baseline).
#[test]
fn shards_compared_against_a_variant_merge_against_it() {
    let sb = Sandbox::new();
    let merged = whole_and_merged(&sb, &["--against", "joint"]);
    let comparison = fs::read_to_string(merged.join("comparison.csv")).unwrap();
    let rows: Vec<&str> = comparison.lines().skip(1).collect();
    assert!(
        !rows.is_empty() && rows.iter().all(|r| r.starts_with("baseline,joint,")),
        "{comparison}"
    );
}

/// `--replications` and `--seed` given to the shards are recorded in the merged manifest as
/// by one run with them, as options with the scenario's values they replaced (the page of a
/// merged lesson says "replications: 1 instead of 2"), not as `--set` options.
#[test]
fn options_given_to_the_shards_are_recorded_as_in_one_run() {
    let sb = Sandbox::new();
    let merged = whole_and_merged(&sb, &["--replications", "1", "--seed", "9"]);
    let manifest = manifest_without_timing(&merged);
    assert_eq!(
        manifest["settings"],
        serde_json::json!(["population.n_citizens=120"])
    );
    assert_eq!(
        manifest["options"],
        serde_json::json!([
            {"option": "--replications", "key": "experiment.replications", "value": 1,
             "scenario": 2},
            {"option": "--seed", "key": "experiment.seed", "value": 9, "scenario": 7}
        ])
    );
}

/// A scenario whose `[params]` value the sweep replaces, with a variant that repeats the
/// baseline, for the warnings of `coprod run`.
const WARNED: &str = r#"
name = "warned"
[params.population]
n_citizens = 120
n_communities = 4
[params.levers]
outreach = 0.3
[experiment]
steps = 4
replications = 1
seed = 7
[experiment.sweep]
"levers.outreach" = [0, 0.5]
[[experiment.variants]]
name = "same"
"#;

/// The scenario's warnings, which every shard gave, are given once by `coprod merge` too: a
/// user who reads only its output must not miss them.
#[test]
fn merge_repeats_the_warnings_of_the_shards_once() {
    let sb = Sandbox::new();
    fs::write(sb.path().join("warned.toml"), WARNED).unwrap();
    let warnings = [
        "warning: warned.toml: [params] sets `levers.outreach`, which is also swept: every run \
         takes the sweep's values, so this value is never used\n",
        "warning: warned.toml: variant `same` changes nothing: it repeats the baseline\n",
    ];
    for i in 0..2 {
        let shard = format!("{i}/2");
        let out = format!("shards/s{i}");
        sb.cmd(&["run", "warned.toml", "--shard", &shard, "--out", &out])
            .assert()
            .success();
    }
    let merged = sb
        .cmd(&["merge", "shards/s0", "shards/s1", "--out", "merged"])
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&merged.get_output().stderr).into_owned();
    for warning in warnings {
        assert_eq!(stderr.matches(warning).count(), 1, "{warning}\n{stderr}");
    }
}

/// A variant whose intervention replaces a `--set` lever for part of the run.
const INTERVENED: &str = r#"
name = "intervened"
[params.population]
n_citizens = 120
n_communities = 4
[experiment]
steps = 4
replications = 1
seed = 7
[[experiment.variants]]
name = "trained"
[[experiment.variants.interventions]]
lever = "levers.staff_training"
value = 0.05
from_step = 2
"#;

/// The warning on a `--set` that interventions replace for part of the run is repeated by
/// `coprod merge`, and docs/cluster.md lists it among the warnings merge repeats, not among
/// the notes it leaves to the shards' output.
#[test]
fn merge_repeats_the_warning_on_a_set_that_interventions_replace() {
    let sb = Sandbox::new();
    fs::write(sb.path().join("intervened.toml"), INTERVENED).unwrap();
    let set = "levers.staff_training=0.1";
    for i in 0..2 {
        let (shard, out) = (format!("{i}/2"), format!("shards/s{i}"));
        let args = ["run", "intervened.toml", "--set", set, "--shard", &shard];
        sb.cmd(&[&args[..], &["--out", &out]].concat())
            .assert()
            .success();
    }
    let merged = sb
        .cmd(&["merge", "shards/s0", "shards/s1", "--out", "merged"])
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&merged.get_output().stderr).into_owned();
    let warning = "--set levers.staff_training=0.1 is replaced by interventions on \
                   `levers.staff_training` while they are in force";
    assert_eq!(stderr.matches(warning).count(), 1, "{stderr}");

    let doc = fs::read_to_string(crate::util::root().join("docs/cluster.md")).unwrap();
    let repeated = doc
        .split("`coprod merge` repeats once the warnings")
        .nth(1)
        .and_then(|rest| rest.split("it does not repeat").next())
        .expect("docs/cluster.md says which warnings merge repeats");
    let (warnings, notes) = repeated.split_once("the notes").unwrap();
    let example = "a `--set` that interventions replace for part of the run";
    assert!(warnings.contains(example), "{warnings}");
    assert!(!notes.contains(example), "{notes}");
}

/// A validation shard merged with a run shard, in either order: each folder is named with
/// the kind of shard it is, not with a parse error of the one read as the other kind.
#[test]
fn shards_of_different_kinds_are_named_with_their_kinds() {
    let sb = Sandbox::new();
    shard(&sb, 0, 2).assert().success();
    let validation = sb.path().join("shards/v1");
    fs::create_dir_all(&validation).unwrap();
    fs::write(validation.join("validation.csv"), "claim\n").unwrap();
    fs::write(validation.join("manifest.json"), "{}").unwrap();
    for (a, b) in [("shards/s0", "shards/v1"), ("shards/v1", "shards/s0")] {
        let kind = |dir: &str| {
            if dir.ends_with("s0") {
                "a run shard"
            } else {
                "a validation shard"
            }
        };
        sb.cmd(&["merge", a, b, "--out", "merged"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "{a} is {} and {b} is {}",
                kind(a),
                kind(b)
            )))
            .stderr(predicate::str::contains("missing field").not());
        assert!(!sb.path().join("merged").exists());
    }
}

/// `--against baseline` on a scenario without variants: each shard warns that there is
/// nothing to compare, as `coprod run` does, and so does the merge (it took only an
/// `--against` other than `baseline` as given).
#[test]
fn merge_repeats_the_warning_on_against_baseline_without_variants() {
    let sb = Sandbox::new();
    let plain = WARNED.split("[[experiment.variants]]").next().unwrap();
    fs::write(sb.path().join("plain.toml"), plain).unwrap();
    let warning = "warning: --metric and --against choose what comparison.csv compares, and \
                   scenario `warned` has no variants to compare: no comparison.csv is written\n";
    for i in 0..2 {
        let shard = format!("{i}/2");
        let out = format!("shards/s{i}");
        let against = ["--against", "baseline"];
        sb.cmd(&["run", "plain.toml", "--shard", &shard, "--out", &out])
            .args(against)
            .assert()
            .success()
            .stderr(predicate::str::contains(warning));
    }
    let merged = sb
        .cmd(&["merge", "shards/s0", "shards/s1", "--out", "merged"])
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&merged.get_output().stderr).into_owned();
    assert_eq!(stderr.matches(warning).count(), 1, "{stderr}");
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
    merge_three(&sb)
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
    // One run is one run: 5/24 is run 5, which shard 0 of 4 holds too.
    sweep(&sb, &["--shard", "5/24", "--out", "one"])
        .assert()
        .success();
    sb.cmd(&["merge", "shards/s0", "one", "--out", "merged"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "run 5 of 24 is in more than one shard: shards/s0, one",
        ))
        .stderr(predicate::str::contains(
            "runs 6-23 of 24 are in no shard given",
        ));
    sb.cmd(&["merge", "one", "--out", "merged"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "runs 0-4 and 6-23 of 24 are in no shard given",
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
    // A shard given as the output too is named as such, not as "s0 holds s0".
    let shards = ["shards/s0", "shards/s1", "shards/s2", "shards/s3"];
    let mut args = vec!["merge"];
    args.extend(shards);
    args.extend(["--out", "shards/s0", "--force"]);
    sb.cmd(&args)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "error: shards/s0 is the output directory and also an input of this command: \
         `--force` would delete it before it is read; choose another --out",
        ));
    assert!(sb.path().join("shards/s0/shard.json").is_file());
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
            "error: shards/s0 and seed9 are shards of different runs: experiment.seed = 7 in \
             the first, experiment.seed = 9 in the second",
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

/// Shards of one scenario that ask for different reports are refused, naming what differs:
/// the merged page and comparison.csv would otherwise follow the first shard alone.
#[test]
fn shards_asking_for_different_reports_are_refused() {
    let sb = Sandbox::new();
    shard(&sb, 0, 2).assert().success();
    // The same runs (same fingerprint) from a copy of the file with a `[report]` table.
    let source = fs::read_to_string(data("sweep.toml")).unwrap();
    let copy = sb.path().join("reported.toml");
    fs::write(
        &copy,
        format!("{source}\n[report]\nmetrics = [\"representativeness\"]\n"),
    )
    .unwrap();
    let copy = copy.to_str().unwrap();
    let args = ["--set", "population.n_citizens=120", "--shard", "1/2"];
    let mut run = vec!["run", copy];
    run.extend(args);
    run.extend(["--out", "reported"]);
    sb.cmd(&run).assert().success();
    let stderr = refused(&sb, &["shards/s0".into(), "reported".into()]);
    assert!(
        stderr.contains("ask for different reports ([report] metrics differ)"),
        "{stderr}"
    );

    sweep(
        &sb,
        &[
            "--shard",
            "1/2",
            "--metric",
            "representativeness",
            "--out",
            "metric",
        ],
    )
    .assert()
    .success();
    let stderr = refused(&sb, &["shards/s0".into(), "metric".into()]);
    assert!(stderr.contains("(--metric differ)"), "{stderr}");

    // The same report merges.
    shard(&sb, 1, 2).assert().success();
    sb.cmd(&["merge", "shards/s0", "shards/s1", "--out", "merged"])
        .assert()
        .success();
}

/// A copy of the shards `shards/s0..s2` in `name/`, with `cut` applied to shard 1's `file`
/// (its text in, the damaged text out).
fn damaged(sb: &Sandbox, name: &str, file: &str, cut: impl Fn(&str) -> String) -> Vec<String> {
    let mut dirs = Vec::new();
    for i in 0..3 {
        let (from, to) = (
            sb.path().join(format!("shards/s{i}")),
            format!("{name}/s{i}"),
        );
        fs::create_dir_all(sb.path().join(&to)).unwrap();
        for entry in fs::read_dir(&from).unwrap() {
            let path = entry.unwrap().path();
            fs::copy(&path, sb.path().join(&to).join(path.file_name().unwrap())).unwrap();
        }
        dirs.push(to);
    }
    let path = sb.path().join(&dirs[1]).join(file);
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, cut(&text)).unwrap();
    dirs
}

/// `coprod merge` of `dirs` into `out`: refused with exit 2, nothing written; its stderr.
fn refused(sb: &Sandbox, dirs: &[String]) -> String {
    let mut args: Vec<&str> = vec!["merge"];
    args.extend(dirs.iter().map(String::as_str));
    args.extend(["--out", "merged"]);
    let assert = sb.cmd(&args).assert().code(2);
    assert!(!sb.path().join("merged").exists());
    assert!(!sb.path().join(".merged.partial").exists());
    String::from_utf8_lossy(&assert.get_output().stderr).into_owned()
}

/// `coprod merge` of shards/s0 to s2 into `merged`.
fn merge_three(sb: &Sandbox) -> assert_cmd::assert::Assert {
    sb.cmd(&[
        "merge",
        "shards/s0",
        "shards/s1",
        "shards/s2",
        "--out",
        "merged",
    ])
    .assert()
}

/// The intact shards of [`damaged`] still merge, into a directory `coprod plot` reads back.
fn merge_intact(sb: &Sandbox) {
    merge_three(sb).success();
    sb.cmd(&["plot", "merged"]).assert().success();
}

/// The first `n` lines of `text`, each with its line break.
fn lines(text: &str, n: usize) -> String {
    text.lines().take(n).map(|l| format!("{l}\n")).collect()
}

#[test]
fn shards_cut_short_are_refused_before_anything_is_written() {
    let sb = Sandbox::new();
    for i in 0..3 {
        shard(&sb, i, 3).assert().success();
    }
    // Shard 1 holds runs 8-15, each with the scenario's steps.
    let steps = {
        let text = fs::read_to_string(sb.path().join("shards/s1/timeseries.csv")).unwrap();
        text.lines().skip(1).filter(|l| l.starts_with("8,")).count()
    };
    assert!(steps > 1);
    // Cut at a line end inside run 9's rows: run 9 is short, runs 10-15 have none.
    let dirs = damaged(&sb, "a", "timeseries.csv", |t| lines(t, 1 + steps + 1));
    let stderr = refused(&sb, &dirs);
    assert!(
        stderr.contains(&format!(
            "a/s1/timeseries.csv: run 9 has 1 of its {steps} steps: the file is cut short"
        )),
        "{stderr}"
    );
    // Cut after run 8's rows: run 9 has none.
    let dirs = damaged(&sb, "b", "timeseries.csv", |t| lines(t, 1 + steps));
    let stderr = refused(&sb, &dirs);
    assert!(
        stderr.contains("b/s1/timeseries.csv: run 9 has no rows"),
        "{stderr}"
    );
    // A row missing inside a run.
    let dirs = damaged(&sb, "c", "timeseries.csv", |t| {
        let mut l: Vec<&str> = t.lines().collect();
        l.remove(2);
        l.iter().map(|l| format!("{l}\n")).collect()
    });
    let stderr = refused(&sb, &dirs);
    assert!(
        stderr.contains("c/s1/timeseries.csv: run 8: step 2 where step 1 was expected"),
        "{stderr}"
    );
    // Cut inside a line: the file being read is named with the line, not "cannot write".
    let dirs = damaged(&sb, "d", "timeseries.csv", |t| {
        let end = lines(t, 3).len() + 10;
        t[..end].to_string()
    });
    let stderr = refused(&sb, &dirs);
    assert!(!stderr.contains("cannot write"), "{stderr}");
    assert!(
        stderr.contains("d/s1/timeseries.csv: its last line has no line break"),
        "{stderr}"
    );
    let dirs = damaged(&sb, "e", "timeseries.csv", |t| {
        let end = lines(t, 3).len() + 10;
        format!("{}\n{}", &t[..end], &t[lines(t, 4).len()..])
    });
    let stderr = refused(&sb, &dirs);
    assert!(
        stderr.contains("e/s1/timeseries.csv: line 4: the row has"),
        "{stderr}"
    );
    assert!(
        stderr.contains("the file is cut short or damaged"),
        "{stderr}"
    );
    // groups.csv cut before its last started group: that run has fewer than runs.csv says.
    let dirs = damaged(&sb, "f", "groups.csv", |t| {
        let last = t
            .lines()
            .collect::<Vec<_>>()
            .iter()
            .rposition(|l| !l.contains(",never_started,") && !l.contains(",forming,"))
            .unwrap();
        assert!(last > 0, "shard 1 has a started group");
        lines(t, last)
    });
    let stderr = refused(&sb, &dirs);
    assert!(
        stderr.contains("f/s1/groups.csv: run") && stderr.contains("started groups, but runs.csv"),
        "{stderr}"
    );
    // A group row missing inside a run: its group ids skip one.
    let dirs = damaged(&sb, "g", "groups.csv", |t| {
        let mut l: Vec<&str> = t.lines().collect();
        let id = |i: usize| l[i].split(',').nth(1);
        let first = (1..l.len() - 1)
            .find(|&i| id(i) == Some("0") && id(i + 1) == Some("1"))
            .expect("a run with two groups");
        l.remove(first);
        l.iter().map(|l| format!("{l}\n")).collect()
    });
    let stderr = refused(&sb, &dirs);
    assert!(
        stderr.contains("g/s1/groups.csv: run") && stderr.contains("where group 0 was expected"),
        "{stderr}"
    );
    // groups.csv cut at a line end after a run's last started group: the rows dropped are
    // groups that never started or were still forming, which no run's groups_started counts;
    // shard.json's group_rows does.
    let rows = |t: &str| t.lines().count() - 1;
    let original = rows(&fs::read_to_string(sb.path().join("shards/s1/groups.csv")).unwrap());
    let dirs = damaged(&sb, "h", "groups.csv", |t| {
        let l: Vec<&str> = t.lines().collect();
        let keep = l
            .iter()
            .rposition(|l| !l.contains(",never_started,") && !l.contains(",forming,"))
            .unwrap();
        assert!(
            keep + 1 < l.len(),
            "shard 1's groups.csv ends with unstarted groups"
        );
        lines(t, keep + 1)
    });
    let kept = rows(&fs::read_to_string(sb.path().join("h/s1/groups.csv")).unwrap());
    let stderr = refused(&sb, &dirs);
    assert!(
        stderr.contains(&format!(
            "h/s1/groups.csv: it holds {kept} rows, but shard.json records group_rows \
             {original}: the file is cut short or rows are missing"
        )),
        "{stderr}"
    );
    // A shard.json without group_rows was written by another build of coprod.
    let dirs = damaged(&sb, "i", "shard.json", |t| {
        let l: Vec<&str> = t
            .lines()
            .filter(|l| !l.contains("\"group_rows\""))
            .collect();
        l.join("\n") + "\n"
    });
    let stderr = refused(&sb, &dirs);
    assert!(
        stderr.contains("i/s1 was written by another build of coprod")
            && stderr.contains("does not record group_rows"),
        "{stderr}"
    );
    merge_intact(&sb);
}

/// `text` with field `column` (named in its header) of data row `row` (from 1) set to
/// `value`.
fn with_field(text: &str, row: usize, column: &str, value: &str) -> String {
    let mut l: Vec<String> = text.lines().map(String::from).collect();
    let k = l[0].split(',').position(|c| c == column).unwrap();
    let mut fields: Vec<&str> = l[row].split(',').collect();
    fields[k] = value;
    l[row] = fields.join(",");
    l.iter().map(|l| format!("{l}\n")).collect()
}

/// A shard whose rows are complete but hold a value `coprod plot` would refuse, or name
/// another run than the scenario's run of that id, is refused naming the file, line and
/// column; before, it merged with exit status 0 into a directory without charts or
/// comparison, with the value counted as missing in summary.csv.
#[test]
fn shards_with_damaged_values_are_refused_before_anything_is_written() {
    let sb = Sandbox::new();
    for i in 0..3 {
        shard(&sb, i, 3).assert().success();
    }
    let dirs = damaged(&sb, "a", "runs.csv", |t| {
        with_field(t, 1, "participation_rate", "NaN")
    });
    let stderr = refused(&sb, &dirs);
    assert!(
        stderr.contains(
            "cannot merge a/s1: a/s1/runs.csv:2: column `participation_rate`: expected a finite \
             number, found \"NaN\""
        ),
        "{stderr}"
    );
    let dirs = damaged(&sb, "b", "timeseries.csv", |t| {
        with_field(t, 2, "participation_rate", "1.5")
    });
    let stderr = refused(&sb, &dirs);
    assert!(
        stderr.contains(
            "b/s1/timeseries.csv: column `participation_rate`: expected a value from 0 to 1 \
             (share of citizens), found \"1.5\" (line 3)"
        ),
        "{stderr}"
    );
    // Shard 1 starts with run 8, of the baseline.
    let dirs = damaged(&sb, "c", "timeseries.csv", |t| {
        with_field(t, 2, "variant", "joint")
    });
    let stderr = refused(&sb, &dirs);
    assert!(
        stderr.contains(
            "cannot merge c/s1: c/s1/timeseries.csv:3: column `variant`: expected \"baseline\", \
             run 8's `variant` in runs.csv, found \"joint\""
        ),
        "{stderr}"
    );
    let dirs = damaged(&sb, "d", "runs.csv", |t| with_field(t, 1, "seed", "5"));
    let stderr = refused(&sb, &dirs);
    assert!(
        stderr.contains("cannot merge d/s1: d/s1/runs.csv:2: column `seed`: expected ")
            && stderr.contains(
                " (the seed of replication 0 in manifest.json's `seeds.replications`, from its \
                 `seeds.base_seed`), found \"5\""
            ),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// A shard edited as tests/readback.rs edits a run directory is refused by merge with the
/// message `coprod plot` gives for the merged directory, before anything is written: it
/// merged with exit status 0 into a directory that `coprod plot` then refused.
#[test]
fn shards_the_read_back_would_refuse_are_refused_with_its_message() {
    let sb = Sandbox::new();
    for i in 0..3 {
        shard(&sb, i, 3).assert().success();
    }
    // Shard 1's groups.csv: run 11's group 0, formed and ended at step 5 (1 month).
    let groups = fs::read_to_string(sb.path().join("shards/s1/groups.csv")).unwrap();
    let row = groups.lines().nth(3).unwrap();
    assert!(
        row.starts_with("11,0,") && row.contains(",5,5,too_few_members,1,"),
        "{row}"
    );
    let at = |name: &str, column: &str| {
        format!("cannot merge {name}/s1: {name}/s1/groups.csv:4: column `{column}`: expected ")
    };
    let cases = [
        (
            "a",
            "effort",
            "-1",
            at("a", "effort") + "a value of at least 0, found \"-1\"",
        ),
        (
            "b",
            "months_producing",
            "2",
            at("b", "months_producing")
                + "1 (the months from formed_step 5 to ended_step 5: a group produces in the \
                   step it starts and in the step it ends), found \"2\"",
        ),
        (
            "c",
            "ended_step",
            "4",
            at("c", "ended_step") + "a step of at least 5 (the formed_step), found \"4\"",
        ),
        (
            "d",
            "community",
            "4",
            at("d", "community")
                + "a number from 0 to 3 (its run has population.n_communities = 4), \
                   found \"4\"",
        ),
    ];
    for (name, column, value, said) in cases {
        let dirs = damaged(&sb, name, "groups.csv", |t| with_field(t, 3, column, value));
        let stderr = refused(&sb, &dirs);
        assert!(stderr.contains(&said), "{said}\n{stderr}");
    }
    merge_intact(&sb);
}

/// `coprod merge` of a calibration run without `--shard` says there is nothing to merge,
/// whether it is finished or not, without an OS error appended to the hint.
#[test]
fn merge_of_an_unsharded_calibration_says_there_is_nothing_to_merge() {
    let sb = Sandbox::new();
    let dir = sb.path().join("fit");
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join("calibration.json"), "{}").unwrap();
    sb.cmd(&["merge", "fit"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "fit is a calibration run without --shard: there is nothing to merge",
        ))
        .stderr(predicate::str::contains("--out fit --resume`\n"))
        .stderr(predicate::str::contains("No such file").not());
    std::fs::write(dir.join("manifest.json"), "{}").unwrap();
    sb.cmd(&["merge", "fit"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "fit is a finished calibration run without --shard",
        ));
}

/// A merge that cannot write (a file size limit stands in for a full disk) leaves nothing,
/// and its error names the file as it would be in the output, not in the partial directory
/// that is already gone.
#[test]
fn a_failed_merge_names_no_folder_that_is_gone() {
    let sb = Sandbox::new();
    shard(&sb, 0, 2).assert().success();
    shard(&sb, 1, 2).assert().success();
    let output = crate::util::run_with_size_limit(
        sb.path(),
        8,
        &["merge", "shards/s0", "shards/s1", "--out", "merged"],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot write merged/"), "{stderr}");
    assert!(!stderr.contains(".partial"), "{stderr}");
    assert!(
        stderr.ends_with(
            "hint: the shards are unchanged; once the cause is fixed (for example free some \
             disk space), give the same command again\n"
        ),
        "{stderr}"
    );
    assert!(!sb.path().join("merged").exists());
    assert!(!sb.path().join(".merged.partial").exists());
}

/// A folder at the merge's working folder `.merged.partial` that coprod did not make is
/// named as it is, not as `merged`: the message says to move it, and the user must not move
/// something else (a finished result).
#[test]
fn a_foreign_working_folder_is_named_as_it_is() {
    let sb = Sandbox::new();
    shard(&sb, 0, 1).assert().success();
    fs::create_dir(sb.path().join(".merged.partial")).unwrap();
    fs::write(sb.path().join(".merged.partial/notes.txt"), "mine").unwrap();
    sb.cmd(&["merge", "shards/s0", "--out", "merged"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "its working folder ./.merged.partial already exists and was not made by coprod",
        ));
}

/// Ctrl-C during a merge (sent as soon as its working folder appears) exits with 130 and
/// leaves the merged run whole, or nothing, and says which; the same command then works.
/// Before, merge had no Ctrl-C handler: it was killed silently and left its working folder.
#[test]
fn ctrl_c_during_a_merge_leaves_the_result_whole_or_nothing() {
    let sb = Sandbox::new();
    for i in 0..2 {
        shard(&sb, i, 2).assert().success();
    }
    let args = ["merge", "shards/s0", "shards/s1", "--out", "merged"];
    let stderr = crate::resume::interrupt_when(&sb, &args, ".merged.partial");
    assert!(!sb.path().join(".merged.partial").exists(), "{stderr}");
    if sb.path().join("merged").exists() {
        assert!(
            stderr.contains(
                "\ninterrupted after the results were written: they are complete in merged\n"
            ),
            "{stderr}"
        );
        fs::remove_dir_all(sb.path().join("merged")).unwrap();
    } else {
        assert!(
            stderr.ends_with(
                "\ninterrupted: the merged run is written only when complete, and nothing of \
                 it was kept; give the same command again to start over\n"
            ),
            "{stderr}"
        );
    }
    sb.cmd(&args).assert().success();
}
