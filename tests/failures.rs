//! Failed runs: a run that panics or produces a non-finite number is recorded in
//! failures.csv with its seed and parameters, the rest of the sweep carries on unchanged,
//! and the exit status is 3.
//!
//! Runs are made to fail on purpose with `COPROD_FAULT_INJECT=panic:RUN_ID,nan:RUN_ID`.

use std::fs;

use predicates::prelude::*;

use crate::util::{Sandbox, csv, data, read};

#[test]
fn failing_runs_are_recorded_in_failures_csv_and_the_rest_carry_on() {
    let sb = Sandbox::new();
    let file = data("sweep.toml");
    let file = file.to_str().unwrap();
    sb.cmd(&["run", file, "--out", "reference"])
        .assert()
        .success();
    sb.cmd(&["run", file, "--out", "study", "--threads", "2"])
        .env("COPROD_FAULT_INJECT", "panic:3,nan:17")
        .assert()
        .code(3)
        .stdout("study\n")
        // Reported in one line each, without the panic hook's output or a backtrace.
        .stderr(predicate::str::contains("panicked at").not())
        .stderr(predicate::str::contains("backtrace").not())
        .stderr(predicate::str::contains(
            "warning: run 3 (variant `baseline`, levers.group_size_cap 2, levers.outreach 0.5, \
             replication 1,",
        ))
        .stderr(predicate::str::contains(
            "warning: run 17 (variant `joint`, levers.group_size_cap 5, levers.outreach 0, \
             replication 1,",
        ))
        .stderr(predicate::str::contains("2 of 24 runs failed"))
        .stderr(predicate::str::contains("study/failures.csv"));

    let (study, reference) = (sb.path().join("study"), sb.path().join("reference"));
    let (header, failures) = csv(&study.join("failures.csv"));
    assert_eq!(
        header.join(","),
        "run_id,variant,levers.group_size_cap,levers.outreach,replication,seed,kind,message"
    );
    let (_, reference_runs) = csv(&reference.join("runs.csv"));
    assert_eq!(failures.len(), 2);
    // Identity, parameters and seed as the run would have had in runs.csv.
    assert_eq!(failures[0][..6], reference_runs[3][..6]);
    assert_eq!(failures[1][..6], reference_runs[17][..6]);
    assert_eq!(failures[1][1], "joint");
    assert_eq!(failures[0][6], "panic");
    assert!(
        failures[0][7].contains("injected fault"),
        "{:?}",
        failures[0]
    );
    assert_eq!(failures[1][6], "non_finite");
    assert!(failures[1][7].contains("NaN"), "{:?}", failures[1]);

    // Every other run is there, unchanged; the failed ones have no rows anywhere.
    let (_, runs) = csv(&study.join("runs.csv"));
    let expected: Vec<Vec<String>> = reference_runs
        .iter()
        .filter(|r| r[0] != "3" && r[0] != "17")
        .cloned()
        .collect();
    assert_eq!(runs, expected);
    let (_, ts) = csv(&study.join("timeseries.csv"));
    assert!(ts.iter().all(|r| r[0] != "3" && r[0] != "17"));
    assert_eq!(ts.len(), 22 * 6);
    // The summary counts the runs that succeeded.
    let (_, summary) = csv(&study.join("summary.csv"));
    let n_of = |variant: &str, cap: &str, outreach: &str| {
        summary
            .iter()
            .find(|r| r[0] == variant && r[1] == cap && r[2] == outreach)
            .map(|r| r[6].clone())
            .unwrap()
    };
    assert_eq!(n_of("baseline", "2", "0.5"), "1");
    assert_eq!(n_of("baseline", "2", "0"), "2");

    let manifest: serde_json::Value =
        serde_json::from_str(&read(&study.join("manifest.json"))).unwrap();
    assert_eq!(manifest["failed_runs"], 2);
    assert!(
        manifest["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "failures.csv")
    );
    // The page counts the 22 runs it shows and says that 2 more failed.
    let page = read(&study.join("index.html"));
    assert!(page.contains("<p>22 runs: "), "{page}");
    assert!(
        page.contains(
            "<p><strong>2 of 24 runs failed</strong> and are left out of every estimate and \
             chart (n counts the runs that succeeded): see \
             <a href=\"failures.csv\">failures.csv</a>.</p>"
        ),
        "{page}"
    );
}

/// The comparison says what failed runs leave: a sweep point whose reference runs all
/// failed keeps its rows with n = 0 and no estimate, and a reference with no successful run
/// at all is named as such.
#[test]
fn comparisons_say_when_the_reference_runs_failed() {
    let sb = Sandbox::new();
    let file = data("sweep.toml");
    let file = file.to_str().unwrap();
    // Runs 0 and 1: both replications of the baseline at cap 2, outreach 0.
    sb.cmd(&["run", file, "--out", "point"])
        .env("COPROD_FAULT_INJECT", "nan:0,nan:1")
        .assert()
        .code(3);
    let (header, rows) = csv(&sb.path().join("point").join("comparison.csv"));
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let at_failed: Vec<&Vec<String>> = rows
        .iter()
        .filter(|r| r[col("levers.group_size_cap")] == "2" && r[col("levers.outreach")] == "0")
        .collect();
    assert!(
        !at_failed.is_empty(),
        "no rows for the point whose reference failed"
    );
    for r in at_failed {
        assert_eq!(r[col("n")], "0");
        assert_eq!(r[col("difference")], "");
        assert_eq!(r[col("p_value")], "");
    }
    assert!(rows.iter().any(|r| r[col("n")] == "2"));
    // summary.csv keeps the baseline's rows at that point too, with n = 0.
    let (header, summary) = csv(&sb.path().join("point").join("summary.csv"));
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let failed_point = |r: &&Vec<String>| {
        r[col("variant")] == "baseline"
            && r[col("levers.group_size_cap")] == "2"
            && r[col("levers.outreach")] == "0"
    };
    let rows: Vec<&Vec<String>> = summary.iter().filter(failed_point).collect();
    assert!(!rows.is_empty());
    assert!(
        rows.iter()
            .all(|r| r[col("n")] == "0" && r[col("mean")].is_empty())
    );

    let every_baseline_run: Vec<String> = (0..12).map(|r| format!("nan:{r}")).collect();
    sb.cmd(&["run", file, "--out", "none"])
        .env("COPROD_FAULT_INJECT", every_baseline_run.join(","))
        .assert()
        .code(3)
        .stderr(predicate::str::contains(
            "no comparison: runs.csv has no successful run of a variant `baseline` to compare \
             against",
        ))
        .stderr(predicate::str::contains(
            "all its runs failed (failures.csv says why)",
        ));
    assert!(!sb.path().join("none").join("comparison.csv").exists());
}

/// A variant whose every run failed has no row in runs.csv, but it ran (parameters.csv):
/// comparison.csv (from `coprod run` and `coprod compare`) and summary.csv keep its rows
/// with n = 0 and no estimate, as for a sweep point whose runs all failed, rather than leave
/// it out without a word; the charts and page are drawn again from the files.
#[test]
fn a_variant_whose_runs_all_failed_keeps_its_rows() {
    let sb = Sandbox::new();
    let file = data("sweep.toml");
    let file = file.to_str().unwrap();
    // Runs 12 to 23: every run of the variant `joint` (6 sweep points x 2 replications).
    let every_joint_run: Vec<String> = (12..24).map(|r| format!("panic:{r}")).collect();
    sb.cmd(&["run", file, "--out", "study"])
        .env("COPROD_FAULT_INJECT", every_joint_run.join(","))
        .assert()
        .code(3);
    let dir = sb.path().join("study");
    let table = dir.join("comparison.csv");
    let (header, rows) = csv(&table);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    // Every sweep point on each of the 9 default metrics.
    assert_eq!(rows.len(), 6 * 9);
    for r in &rows {
        assert_eq!(r[col("variant")], "joint");
        assert_eq!(r[col("n")], "0");
        assert_eq!(r[col("difference")], "");
        assert_eq!(r[col("p_value")], "");
    }
    let before = read(&table);
    sb.cmd(&["compare", dir.to_str().unwrap()]).assert().code(0);
    assert_eq!(read(&table), before);

    let (header, summary) = csv(&dir.join("summary.csv"));
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (joint, baseline): (Vec<&Vec<String>>, Vec<&Vec<String>>) =
        summary.iter().partition(|r| r[col("variant")] == "joint");
    // The same sweep points and metrics as the baseline's, with nothing to estimate.
    assert_eq!(joint.len(), baseline.len());
    for r in &joint {
        assert_eq!(r[col("n")], "0", "{r:?}");
        for empty in ["mean", "sd", "ci_low", "ci_high"] {
            assert_eq!(r[col(empty)], "", "{r:?}");
        }
    }
    assert!(baseline.iter().any(|r| r[col("n")] == "2"));
    sb.cmd(&["plot", dir.to_str().unwrap()]).assert().code(0);
}

#[test]
fn a_run_without_failures_has_no_failures_csv() {
    let sb = Sandbox::new();
    let file = data("sweep.toml");
    sb.cmd(&["run", file.to_str().unwrap(), "--out", "study"])
        .assert()
        .code(0);
    assert!(!sb.path().join("study").join("failures.csv").exists());
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&sb.path().join("study").join("manifest.json"))).unwrap();
    assert_eq!(manifest["failed_runs"], 0);
    let page = read(&sb.path().join("study").join("index.html"));
    assert!(!page.contains("runs failed"), "{page}");
}

#[test]
fn a_mistyped_fault_injection_is_an_error() {
    let sb = Sandbox::new();
    let file = data("sweep.toml");
    sb.cmd(&["run", file.to_str().unwrap(), "--out", "study"])
        .env("COPROD_FAULT_INJECT", "crash:3")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown fault `crash`"));
    assert_eq!(fs::read_dir(sb.path()).unwrap().count(), 0);
}

/// `coprod plot` and `coprod compare` write inside the run directory, so one that the user
/// may not write is named as such with what to do (there is no `--out` to suggest), and is
/// left as it was. Skipped for a user whom the permissions do not stop (root).
#[test]
fn a_read_only_run_directory_is_said_so_with_what_to_do() {
    let sb = Sandbox::new();
    let file = data("sweep.toml");
    sb.cmd(&["run", file.to_str().unwrap(), "--out", "study"])
        .assert()
        .code(0);
    let dir = sb.path().join("study");
    let test = "a_read_only_run_directory_is_said_so_with_what_to_do";
    let Some(_read_only) = crate::util::read_only(&dir, test) else {
        return;
    };
    let before = crate::util::files_below(&dir);
    for command in ["plot", "compare"] {
        let hint = format!(
            "error: cannot {}write study: Permission denied (os error 13)\n\nhint: `coprod \
             {command}` writes inside the run directory, and study is not writable for you: \
             make it and the files in it writable, or copy it to a folder you can write to \
             (`cp -r study COPY`) and run `coprod {command} COPY`\n",
            if command == "plot" {
                "redraw the charts: cannot "
            } else {
                ""
            }
        );
        sb.cmd(&[command, "study"])
            .assert()
            .code(2)
            .stdout("")
            .stderr(hint);
        assert_eq!(crate::util::files_below(&dir), before);
    }
}
