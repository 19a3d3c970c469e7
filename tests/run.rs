//! `coprod run`: the five files and their columns, byte-identical outputs for any thread
//! count, sweep expansion, `--set`, and the overwrite policy.

use std::fs;

use predicates::prelude::*;

use crate::util::{Sandbox, csv, data, manifest_without_timing, read, root};

const FILES: [&str; 6] = [
    "parameters.csv",
    "runs.csv",
    "timeseries.csv",
    "groups.csv",
    "summary.csv",
    "manifest.json",
];

#[test]
fn default_run_writes_five_files_with_documented_columns() {
    let sb = Sandbox::new();
    // No SCENARIO: the quick group-size teaching scenario, shrunk further for a debug build.
    let assert = sb.small_run(&["--out", "out"]).assert().success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert_eq!(stdout.trim(), "out", "stdout carries only the output path");
    let dir = sb.path().join("out");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut expected = FILES.map(String::from).to_vec();
    // The report of every run (tests/plot.rs checks its contents).
    expected.extend(["charts".to_string(), "index.html".to_string()]);
    // The scenario has a variant: its comparison with the baseline (tests/compare.rs).
    expected.extend(["comparison.csv".to_string(), "comparison".to_string()]);
    expected.sort();
    assert_eq!(names, expected);
    // Nothing left behind beside the run directory (the staging directory was renamed).
    assert_eq!(fs::read_dir(sb.path()).unwrap().count(), 1);

    let metrics: Vec<String> = coprod_core::METRICS
        .iter()
        .map(|m| m.0.to_string())
        .collect();
    let summary: Vec<String> = coprod_core::summary_names()
        .into_iter()
        .map(|s| s.0)
        .collect();

    let (runs_header, runs) = csv(&dir.join("runs.csv"));
    let mut expected = vec![
        "run_id",
        "variant",
        "levers.group_size_cap",
        "replication",
        "seed",
    ]
    .into_iter()
    .map(String::from)
    .collect::<Vec<_>>();
    expected.extend(summary.iter().cloned());
    assert_eq!(runs_header, expected);
    // 5 variants (baseline and the four one-change regimes) x 9 group sizes x 2 replications.
    assert_eq!(runs.len(), 90);

    let (ts_header, ts) = csv(&dir.join("timeseries.csv"));
    let mut expected: Vec<String> = [
        "run_id",
        "variant",
        "levers.group_size_cap",
        "replication",
        "step",
    ]
    .map(String::from)
    .to_vec();
    expected.extend(metrics.iter().cloned());
    assert_eq!(ts_header, expected);
    assert_eq!(ts.len(), 90 * 8);
    // Each row names its run as runs.csv does: no join is needed to group it.
    for row in &ts {
        let run = &runs[row[0].parse::<usize>().unwrap()];
        assert_eq!((&row[1], &row[2], &row[3]), (&run[1], &run[2], &run[3]));
    }

    let (groups_header, _) = csv(&dir.join("groups.csv"));
    assert_eq!(
        groups_header.join(","),
        "run_id,group_id,organisation,community,task,size_cap,size_at_formation,formed_step,\
         ended_step,end_reason,months_producing,member_months,first_effort,effort,labour,\
         coordinated_labour,input,effort_needed,months_met"
    );

    let (summary_header, summary_rows) = csv(&dir.join("summary.csv"));
    assert_eq!(
        summary_header.join(","),
        "variant,levers.group_size_cap,metric,mean,sd,n,ci_low,ci_high"
    );
    assert_eq!(summary_rows.len(), 5 * 9 * summary.len());
    // `n` counts the runs with a value: both replications, except for a group metric, which
    // is missing (empty in runs.csv) in a run in which no group started.
    let started = runs_header
        .iter()
        .position(|c| c == "groups_started")
        .unwrap();
    for r in &summary_rows {
        let with_groups = runs
            .iter()
            .filter(|run| run[1] == r[0] && run[2] == r[1] && run[started] != "0")
            .count();
        let group_metric = [
            "share_active_at_end",
            "mean_group_lifetime",
            "share_lasting_24",
            "median_group_lifetime",
            "group_end_rate",
        ]
        .contains(&r[2].as_str());
        let expected = if group_metric { with_groups } else { 2 };
        assert_eq!(r[5], expected.to_string(), "{r:?}");
    }

    // Every column of every file is documented in docs/outputs.md.
    let docs = read(&root().join("docs").join("outputs.md"));
    for header in [&runs_header, &ts_header, &groups_header, &summary_header] {
        for column in header.iter().filter(|c| !c.starts_with("levers.")) {
            assert!(
                docs.contains(&format!("`{column}`")),
                "docs/outputs.md does not document `{column}`"
            );
        }
    }

    let manifest = manifest_without_timing(&dir);
    assert_eq!(manifest["scenario"]["name"], "group-size");
    assert_eq!(manifest["experiment"]["runs"], 90);
    assert_eq!(manifest["quick"], true);
}

#[test]
fn outputs_are_byte_identical_for_any_thread_count() {
    let sb = Sandbox::new();
    sb.small_run(&["group-size", "--out", "t1", "--threads", "1"])
        .assert()
        .success();
    sb.small_run(&["group-size", "--out", "t2", "--threads", "2"])
        .assert()
        .success();
    let (a, b) = (sb.path().join("t1"), sb.path().join("t2"));
    for file in FILES.iter().filter(|f| f.ends_with(".csv")) {
        let (x, y) = (
            fs::read(a.join(file)).unwrap(),
            fs::read(b.join(file)).unwrap(),
        );
        assert!(x == y, "{file} differs between --threads 1 and --threads 2");
    }
    assert_eq!(manifest_without_timing(&a), manifest_without_timing(&b));
}

#[test]
fn sweep_expands_to_variants_times_points_times_replications() {
    let sb = Sandbox::new();
    let file = data("sweep.toml");
    sb.cmd(&["run", file.to_str().unwrap(), "--out", "out"])
        .assert()
        .success();
    let dir = sb.path().join("out");
    let (header, runs) = csv(&dir.join("runs.csv"));
    // Axes in name order: levers.group_size_cap (3 values), then levers.outreach (2).
    assert_eq!(
        &header[..6],
        [
            "run_id",
            "variant",
            "levers.group_size_cap",
            "levers.outreach",
            "replication",
            "seed"
        ]
    );
    // 2 variants x 3 x 2 points x 2 replications.
    assert_eq!(runs.len(), 24);
    assert_eq!(runs[0][..5], ["0", "baseline", "2", "0", "0"]);
    assert_eq!(runs[3][..5], ["3", "baseline", "2", "0.5", "1"]);
    assert_eq!(runs[23][..5], ["23", "joint", "8", "0.5", "1"]);
    // Common random numbers: replication r has the same seed in every variant and point.
    for row in &runs {
        assert_eq!(row[5], runs[row[4].parse::<usize>().unwrap()][5]);
    }
    let (_, summary) = csv(&dir.join("summary.csv"));
    assert_eq!(summary.len(), 2 * 6 * coprod_core::summary_names().len());
}

#[test]
fn set_overrides_parameters_and_replaces_sweeps() {
    let sb = Sandbox::new();
    sb.small_run(&[
        "group-size",
        "--out",
        "out",
        "--set",
        "levers.group_size_cap=5",
    ])
    .assert()
    .success()
    .stderr(predicate::str::contains("replaces the sweep"));
    let dir = sb.path().join("out");
    let (header, runs) = csv(&dir.join("runs.csv"));
    assert!(!header.iter().any(|c| c == "levers.group_size_cap"));
    assert_eq!(runs.len(), 5 * 2);
    let (_, groups) = csv(&dir.join("groups.csv"));
    assert!(
        groups.iter().all(|g| g[5] == "5"),
        "every group has the size cap set"
    );
    let manifest = manifest_without_timing(&dir);
    assert!(
        manifest["settings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s == "levers.group_size_cap=5")
    );
}

/// index.html names every option of the command line that changed what ran: each `--set`,
/// and `--replications` and `--seed` with the scenario's own values they replaced.
#[test]
fn the_page_names_every_option_that_changed_the_runs() {
    let sb = Sandbox::new();
    sb.small_run(&["baseline", "--seed", "7", "--out", "out"])
        .assert()
        .success();
    let index = read(&sb.path().join("out").join("index.html"));
    assert!(
        index.contains(
            "<p>Command-line settings: <code>--set population.n_citizens=240</code>, \
             <code>--set population.n_communities=4</code>, <code>--set experiment.steps=8</code>, \
             <code>--replications 2</code> (the scenario says 10) and <code>--seed 7</code> \
             (the scenario says 1).</p>"
        ),
        "{index}"
    );
}

/// A `--set` of a parameter that a variant sets replaces the variant's value in every run
/// (docs/scenarios.md): stderr says so, and manifest.json and index.html no longer state
/// the variant's value as one its runs had.
#[test]
fn set_of_a_variant_parameter_is_stated_as_replacing_it() {
    let sb = Sandbox::new();
    sb.small_run(&[
        "incentives-vs-ownership",
        "--out",
        "out",
        "--set",
        "levers.crowding_out=false",
    ])
    .assert()
    .success()
    .stderr(predicate::str::contains(
        "--set levers.crowding_out=false replaces the value `true` that variant(s) `financial` set",
    ));
    let dir = sb.path().join("out");
    let manifest = manifest_without_timing(&dir);
    let financial = manifest["variants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "financial")
        .unwrap();
    let names: Vec<&str> = financial["params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["levers.financial_incentive"], "{financial}");
    assert_eq!(
        financial["replaced"],
        serde_json::json!([{"name": "levers.crowding_out", "value": "true"}])
    );
    // Every run had the value set on the command line.
    let (_, params) = csv(&dir.join("parameters.csv"));
    assert!(
        params
            .iter()
            .filter(|r| r[1] == "levers.crowding_out")
            .all(|r| r[2] == "false" && r[4] == "set")
    );
    let index = read(&dir.join("index.html"));
    assert!(
        !index.contains("levers.crowding_out = true, levers.financial_incentive = 0.5"),
        "index.html states the replaced value as the variant's"
    );
    assert!(
        index.contains("replaced by <code>--set levers.crowding_out=false</code>"),
        "index.html does not say the value was replaced"
    );
    // Without such a setting the manifest has no `replaced` key.
    sb.small_run(&["incentives-vs-ownership", "--out", "plain"])
        .assert()
        .success();
    let plain = manifest_without_timing(&sb.path().join("plain"));
    assert!(
        plain["variants"]
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v.get("replaced").is_none())
    );
    // `--quick` caps a population a variant sets: the variant's value is stated as replaced.
    fs::write(
        sb.path().join("big.toml"),
        "name = \"big\"\n[experiment]\nsteps = 3\nreplications = 2\n\
         [[experiment.variants]]\nname = \"big\"\nparams.population.n_citizens = 3000\n",
    )
    .unwrap();
    sb.cmd(&["run", "big.toml", "--quick", "--out", "quick"])
        .assert()
        .success();
    let dir = sb.path().join("quick");
    let manifest = manifest_without_timing(&dir);
    assert_eq!(
        manifest["variants"][1]["replaced"],
        serde_json::json!([{"name": "population.n_citizens", "value": "3000"}])
    );
    assert_eq!(manifest["variants"][1]["params"], serde_json::json!([]));
    assert!(read(&dir.join("index.html")).contains(
        "<code>population.n_citizens = 3000</code> replaced by the size caps of <code>--quick</code>"
    ));
}

#[test]
fn set_rejects_unknown_keys_and_bad_values_with_a_hint() {
    let sb = Sandbox::new();
    sb.small_run(&["--set", "levers.group_sise_cap=5"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "unknown parameter `levers.group_sise_cap`",
        ))
        .stderr(predicate::str::contains(
            "hint: did you mean `levers.group_size_cap`?",
        ))
        .stderr(predicate::str::contains("panicked").not());
    sb.small_run(&["--set", "groups.service=shared"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "invalid value shared for `groups.service`",
        ))
        .stderr(predicate::str::contains("\"per_member\", \"joint\""));
    assert_eq!(
        fs::read_dir(sb.path()).unwrap().count(),
        0,
        "no output on error"
    );
}

#[test]
fn existing_output_is_not_overwritten_without_force() {
    let sb = Sandbox::new();
    sb.small_run(&["baseline", "--out", "out"])
        .assert()
        .success();
    let marker = sb.path().join("out").join("notes.txt");
    fs::write(&marker, "mine").unwrap();
    sb.small_run(&["baseline", "--out", "out"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists"))
        .stderr(predicate::str::contains("--force"));
    assert!(marker.exists(), "the existing directory is untouched");
    sb.small_run(&["baseline", "--out", "out", "--force"])
        .assert()
        .success();
    assert!(!marker.exists(), "--force replaces the directory");
    assert!(sb.path().join("out").join("runs.csv").exists());
}

#[test]
fn default_output_directories_are_numbered_not_overwritten() {
    let sb = Sandbox::new();
    sb.small_run(&["baseline"])
        .assert()
        .success()
        .stdout("outputs/baseline\n");
    sb.small_run(&["baseline"])
        .assert()
        .success()
        .stdout("outputs/baseline-2\n");
}

/// The warning about runs that never opened a group counts them and names their variants,
/// so a variant without co-production by design is told apart from odd parameters; a
/// fresh run says nothing about resuming.
#[test]
fn runs_without_any_group_are_counted_by_variant_in_a_warning() {
    let sb = Sandbox::new();
    // equity: six variants; `professionals-only` opens no opportunities and starts no
    // initiatives, so its 2 runs open no group; the other 10 runs open some.
    sb.small_run(&["equity", "--out", "out"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "warning: 2 of 12 runs never opened a co-production group (by variant: \
             `professionals-only` 2); check the parameters if that is unexpected",
        ))
        .stderr(predicate::str::contains("resuming").not());
    // With no opportunities and no initiatives anywhere, every variant is named.
    sb.small_run(&[
        "incentives-vs-ownership",
        "--set",
        "orgs.opportunity_rate=0",
        "--set",
        "groups.self_organise_rate=0",
        "--out",
        "none",
    ])
    .assert()
    .success()
    .stderr(predicate::str::contains(
        "10 of 10 runs never opened a co-production group (by variant: `baseline` 2, \
         `financial` 2, `nonfinancial` 2, `lower-cost` 2, `ownership` 2)",
    ));
    // The baseline opens groups in every run: no warning.
    sb.small_run(&["baseline", "--out", "base"])
        .assert()
        .success()
        .stderr(predicate::str::contains("never opened").not());
}

#[test]
fn lab_setting_runs_rounds() {
    let sb = Sandbox::new();
    // Lab runs have fixed groups and never open one, by design: no warning about that.
    sb.cmd(&["run", "lab-public-goods", "--out", "out", "-r", "2"])
        .assert()
        .success()
        .stderr(predicate::str::contains("never opened").not());
    let (header, rows) = csv(&sb.path().join("out").join("timeseries.csv"));
    let col = header
        .iter()
        .position(|c| c == "mean_contribution")
        .unwrap();
    // 2 variants x 2 replications x 10 rounds; contributions are shares of the endowment.
    assert_eq!(rows.len(), 40);
    assert!(
        rows.iter()
            .all(|r| (0.0..=1.0).contains(&r[col].parse::<f64>().unwrap()))
    );
    // The manifest gives the lab's units, not the field's service units.
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(sb.path().join("out/manifest.json")).unwrap())
            .unwrap();
    let unit = |list: &str, name: &str| {
        let metrics = manifest[list].as_array().unwrap();
        let m = metrics.iter().find(|m| m["name"] == name).unwrap();
        m["unit"].as_str().unwrap().to_string()
    };
    assert_eq!(
        unit("step_metrics", "service_output"),
        "mean payoff in tokens"
    );
    assert_eq!(
        unit("summary_metrics", "mean_contribution"),
        "share of endowment"
    );
}

#[test]
fn a_single_run_is_counted_as_one_run() {
    let sb = Sandbox::new();
    sb.cmd(&[
        "run",
        "baseline",
        "--out",
        "one",
        "-r",
        "1",
        "--set",
        "population.n_citizens=200",
        "--set",
        "experiment.steps=3",
    ])
    .assert()
    .success()
    .stderr(predicate::str::contains("wrote 1 run in"));
}

#[test]
fn scenario_errors_exit_2_with_position() {
    let sb = Sandbox::new();
    let file = data("scenarios/invalid.toml");
    sb.cmd(&["run", file.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "invalid.toml:5:17: invalid value 1.5 for `citizens.efficacy_mean`",
        ))
        .stderr(predicate::str::contains("panicked").not());
    sb.cmd(&["run", "no-such-scenario"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "hint: shipped scenarios are baseline, group-size",
        ));
}

#[test]
fn runs_that_cannot_fit_in_memory_are_refused_up_front() {
    let sb = Sandbox::new();
    // 1,000 runs of 50 million citizens at once: terabytes, more than any test machine has.
    let args = [
        "run",
        "baseline",
        "--set",
        "population.n_citizens=50000000",
        "-r",
        "1000",
        "--threads",
        "1000",
    ];
    sb.cmd(&args)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("GiB of model state"))
        .stderr(predicate::str::contains("hint: use fewer --threads"));
    assert_eq!(fs::read_dir(sb.path()).unwrap().count(), 0);
}

#[test]
fn force_never_replaces_a_folder_that_is_not_a_run_directory() {
    let sb = Sandbox::new();
    fs::create_dir(sb.path().join("thesis")).unwrap();
    fs::write(sb.path().join("thesis").join("chapter1.tex"), "...").unwrap();
    sb.small_run(&["baseline", "--out", "thesis", "--force"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a coprod run directory"));
    assert!(sb.path().join("thesis").join("chapter1.tex").exists());
    // Without --force the message does not suggest a --force that would be refused.
    sb.small_run(&["baseline", "--out", "thesis"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a coprod run directory"))
        .stderr(predicate::str::contains("--force").not());
    // A file where the folder should be is named as such.
    fs::write(sb.path().join("notes.txt"), "...").unwrap();
    for force in [&[][..], &["--force"][..]] {
        let mut args = vec!["baseline", "--out", "notes.txt"];
        args.extend_from_slice(force);
        sb.small_run(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("it is a file, not a directory"));
    }
    assert_eq!(
        fs::read_to_string(sb.path().join("notes.txt")).unwrap(),
        "..."
    );
}

/// `--force` replaces a run directory with everything in it, so it refuses one that holds
/// the scenario file being run (kept beside its results) rather than delete it.
#[test]
fn force_refuses_to_delete_the_scenario_it_runs() {
    let sb = Sandbox::new();
    sb.small_run(&["baseline", "--out", "study"])
        .assert()
        .success();
    let scenario = sb.path().join("study").join("study.toml");
    fs::copy(root().join("scenarios/baseline.toml"), &scenario).unwrap();
    let runs_before = fs::read(sb.path().join("study").join("runs.csv")).unwrap();
    sb.small_run(&["study/study.toml", "--out", "study", "--force"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "study holds study/study.toml, which this command reads: `--force` would delete it",
        ));
    assert!(scenario.is_file());
    assert_eq!(
        fs::read(sb.path().join("study").join("runs.csv")).unwrap(),
        runs_before
    );
    // From outside the folder it is replaced as before.
    fs::rename(&scenario, sb.path().join("study.toml")).unwrap();
    sb.small_run(&["study.toml", "--out", "study", "--force"])
        .assert()
        .success();
}

/// An `--out` that ends in `.` or `..` is refused before anything runs or is made (it used
/// to run everything, then fail to rename and leave a partial directory in a finished run).
#[test]
fn an_out_ending_in_dot_or_dot_dot_is_refused_up_front() {
    let sb = Sandbox::new();
    sb.small_run(&["baseline", "--out", "out/rd"])
        .assert()
        .success();
    for out in ["out/rd/x/..", "out/rd/.", "."] {
        sb.small_run(&["baseline", "--out", out, "--force"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("does not end in a folder's name"))
            .stderr(predicate::str::contains("runs (").not());
    }
    let names: Vec<String> = fs::read_dir(sb.path().join("out/rd"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.starts_with('.') || n == "x"),
        "{names:?}"
    );
    assert_eq!(fs::read_dir(sb.path().join("out")).unwrap().count(), 1);
}

/// A dangling symbolic link as `--out` is refused before anything runs.
#[test]
fn a_dangling_link_as_out_is_refused_up_front() {
    let sb = Sandbox::new();
    std::os::unix::fs::symlink("gone", sb.path().join("out")).unwrap();
    sb.small_run(&["baseline", "--out", "out"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot create output directory out: it is a symbolic link to gone, which does not exist",
        ));
    assert_eq!(fs::read_dir(sb.path()).unwrap().count(), 1);
}

/// A scenario path that is a symbolic link loop, or a link to nothing, is said to be one by
/// `run` and `check` (not "does not exist", which sends the reader looking for a typo). A
/// loop whose targets go through `..` (`c.toml -> d.toml/..`, or `e.toml -> sub/../f.toml`)
/// is a loop too: it was "cannot be resolved", its links compared as written.
#[test]
fn a_scenario_link_loop_or_dangling_link_is_named_as_such() {
    let sb = Sandbox::new();
    fs::create_dir(sb.path().join("sub")).unwrap();
    let links = [
        ("b.toml", "a.toml"),
        ("a.toml", "b.toml"),
        ("d.toml/..", "c.toml"),
        ("c.toml", "d.toml"),
        ("sub/../f.toml", "e.toml"),
        ("sub/../e.toml", "f.toml"),
        ("gone.toml", "dangling.toml"),
        ("sub/../gone.toml", "dangling-up.toml"),
        ("dangling.toml", "chain.toml"),
    ];
    for (target, link) in links {
        std::os::unix::fs::symlink(target, sb.path().join(link)).unwrap();
    }
    for file in ["a.toml", "c.toml", "e.toml"] {
        for command in [&["run", file, "--out", "out"][..], &["check", file]] {
            sb.cmd(command)
                .assert()
                .failure()
                .stderr(predicate::str::contains(format!(
                    "scenario file {file} is a symbolic link loop: its links lead back to one \
                     already followed"
                )));
        }
    }
    for (file, target) in [
        ("dangling.toml", "gone.toml"),
        ("dangling-up.toml", "sub/../gone.toml"),
        // The link that leads to nothing is named, not the first, which exists as a link.
        ("chain.toml", "dangling.toml, a link to gone.toml"),
    ] {
        for command in [&["run", file, "--out", "out"][..], &["check", file]] {
            sb.cmd(command)
                .assert()
                .failure()
                .stderr(predicate::str::contains(format!(
                    "scenario file {file} is a symbolic link to {target}, which does not exist",
                )));
        }
    }
    assert!(!sb.path().join("out").exists());
}

/// `--out LINK` where LINK is a symbolic link to a directory writes into that directory
/// (docs/outputs.md): `--force` replaces the run there and the link stays a link, and a
/// link to an empty directory is filled; nothing else is left beside them.
#[test]
fn a_link_as_out_is_written_through() {
    let sb = Sandbox::new();
    for (target, link) in [("real", "link"), ("empty", "to-empty")] {
        fs::create_dir(sb.path().join(target)).unwrap();
        std::os::unix::fs::symlink(target, sb.path().join(link)).unwrap();
    }
    sb.small_run(&["baseline", "--out", "real"])
        .assert()
        .success();
    fs::write(sb.path().join("real/runs.csv"), "old\n").unwrap();
    sb.small_run(&["baseline", "--out", "link", "--force"])
        .assert()
        .success()
        .stdout("link\n");
    sb.small_run(&["baseline", "--out", "to-empty"])
        .assert()
        .success();
    for (target, link) in [("real", "link"), ("empty", "to-empty")] {
        let meta = fs::symlink_metadata(sb.path().join(link)).unwrap();
        assert!(meta.is_symlink(), "{link} was replaced");
        let runs = read(&sb.path().join(target).join("runs.csv"));
        assert!(runs.starts_with("run_id,"), "{target}: {runs}");
    }
    let mut names: Vec<String> = fs::read_dir(sb.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["empty", "link", "real", "to-empty"]);
}

/// Without `--force`, the refusal suggests `--force` only where it would be obeyed: for a
/// run directory, not for a calibration, which `coprod run --force` never replaces; and,
/// the directory being the one `--out` named, another `--out` rather than `--out` again.
#[test]
fn the_exists_hint_suggests_force_only_for_a_result_of_its_own_command() {
    let sb = Sandbox::new();
    fs::create_dir(sb.path().join("fit")).unwrap();
    fs::write(
        sb.path().join("fit").join("manifest.json"),
        r#"{"kind": "calibration"}"#,
    )
    .unwrap();
    sb.small_run(&["baseline", "--out", "fit"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "output directory fit already exists and holds a calibration result\n\n\
             hint: write elsewhere with another --out DIR",
        ))
        .stderr(predicate::str::contains("--force").not());
    sb.small_run(&["baseline", "--out", "run"])
        .assert()
        .success();
    sb.small_run(&["baseline", "--out", "run"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "output directory run already exists\n\nhint: use --force to replace it, or another \
             --out DIR to write elsewhere",
        ));
}

/// `--force` replaces only a result of the same command: a calibration (with the `kind`
/// it has now, or without, as written before) or a validation survives `coprod run
/// --force`, and a run directory survives `coprod sensitivity --force`.
#[test]
fn force_replaces_only_a_result_of_its_own_command() {
    let sb = Sandbox::new();
    let results = [
        ("fit", r#"{"kind": "calibration"}"#, "a calibration result"),
        (
            "old-fit",
            r#"{"command": "coprod calibrate"}"#,
            "another command's result",
        ),
        ("checks", r#"{"kind": "validation"}"#, "a validation result"),
    ];
    for (dir, manifest, said) in results {
        fs::create_dir(sb.path().join(dir)).unwrap();
        fs::write(sb.path().join(dir).join("manifest.json"), manifest).unwrap();
        fs::write(sb.path().join(dir).join("posterior.csv"), "x").unwrap();
        sb.small_run(&["baseline", "--out", dir, "--force"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "{dir} holds {said}, not a run result"
            )));
        assert!(sb.path().join(dir).join("posterior.csv").exists());
    }
    sb.small_run(&["baseline", "--out", "run"])
        .assert()
        .success();
    sb.small_run(&["baseline", "--out", "run", "--force"])
        .assert()
        .success();
    sb.cmd(&["sensitivity", "sensitivity", "--out", "run", "--force"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "holds a run result, not a sensitivity result",
        ));
    assert!(sb.path().join("run").join("runs.csv").exists());
}

/// Standard output that cannot be written (a full disk behind `> file`) is named as such, and
/// a closed pipe (`| head`) is not an error; the run directory is complete either way.
#[test]
fn a_failing_standard_output_is_named_and_a_closed_pipe_is_no_error() {
    let sb = Sandbox::new();
    let quick_run = |out: &str| {
        let mut cmd = std::process::Command::new(crate::util::bin());
        cmd.current_dir(sb.path())
            .args(["run", "baseline", "--quick"])
            .args(["--set", "population.n_citizens=240"])
            .args(["--set", "population.n_communities=4", "--out", out]);
        cmd
    };
    if std::path::Path::new("/dev/full").exists() {
        let output = quick_run("full")
            .stdout(fs::File::create("/dev/full").unwrap())
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            stderr.contains("cannot write to standard output: No space left"),
            "{stderr}"
        );
        assert!(sb.path().join("full").join("manifest.json").is_file());
    }
    let mut child = quick_run("piped")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    assert!(child.wait().unwrap().success());
    assert!(sb.path().join("piped").join("manifest.json").is_file());
}

/// A reader that closes stdout or stderr early (`coprod check ... | grep -q`, `coprod run
/// ... 2>&1 | head`) changes nothing the command does: the exit status is the one it would
/// have had (1 for invalid files, 3 for failed runs, with failures.csv written), not 0 and
/// not a panic.
#[test]
fn closed_standard_streams_keep_the_exit_status() {
    let sb = Sandbox::new();
    fs::write(
        sb.path().join("bad.toml"),
        "[params.levers]\ngroup_sise_cap = 3\n",
    )
    .unwrap();
    // A pipe whose reader is gone before the command starts: every write fails.
    let closed = || {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        writer
    };
    let status = |args: &[&str], fault: Option<&str>| {
        let mut cmd = std::process::Command::new(crate::util::bin());
        cmd.current_dir(sb.path()).args(args);
        if let Some(fault) = fault {
            cmd.env("COPROD_FAULT_INJECT", fault);
        }
        cmd.stdout(closed())
            .stderr(closed())
            .status()
            .unwrap()
            .code()
    };
    assert_eq!(status(&["check", "bad.toml"], None), Some(1));
    let run = [
        "run",
        "baseline",
        "--quick",
        "--set",
        "population.n_citizens=240",
        "--set",
        "population.n_communities=4",
        "--out",
        "failed",
    ];
    assert_eq!(status(&run, Some("panic:1")), Some(3));
    assert!(sb.path().join("failed").join("failures.csv").is_file());
}

/// A folder or a device given as the scenario is named for what it is.
#[test]
fn a_scenario_that_is_not_a_file_is_named_for_what_it_is() {
    let sb = Sandbox::new();
    fs::create_dir(sb.path().join("study")).unwrap();
    sb.cmd(&["run", "study"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "study is a folder, not a scenario file",
        ));
    sb.cmd(&["run", "/dev/null"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("/dev/null is not a regular file"));
    assert_eq!(fs::read_dir(sb.path()).unwrap().count(), 1);
    // A folder named like a shipped scenario does not hide the scenario.
    fs::create_dir(sb.path().join("baseline")).unwrap();
    sb.cmd(&["check", "baseline"]).assert().success();
}

/// parameters.csv records every parameter as it ran (after `--set` and `--quick`), per
/// variant and sweep point, with where each value came from; the manifest agrees with it.
#[test]
fn parameters_csv_records_the_parameters_as_run() {
    let sb = Sandbox::new();
    let scenario = root().join("scenarios/trust-trap.toml");
    sb.cmd(&[
        "run",
        scenario.to_str().unwrap(),
        "--quick",
        "--set",
        "citizens.trust_mean=0.2",
        "--set",
        "experiment.steps=4",
        "--replications",
        "1",
        "--out",
        "out",
    ])
    .assert()
    .success();
    let dir = sb.path().join("out");
    let table = coprod_output::read::read_parameters(&dir).unwrap().unwrap();
    let runs = coprod_output::read::read_runs(&dir).unwrap();
    assert_eq!(table.swept, runs.swept);
    let n_params = coprod_core::SPECS.len();
    let mut cells: Vec<(String, Vec<String>)> = Vec::new();
    for r in &runs.rows {
        if !cells.contains(&(r.variant.clone(), r.point.clone())) {
            cells.push((r.variant.clone(), r.point.clone()));
        }
    }
    assert_eq!(
        table.rows.len(),
        cells.len() * n_params,
        "one row per cell and parameter"
    );
    for (variant, point) in &cells {
        let row = |name: &str| table.row(variant, point, name).unwrap().clone();
        let trust = row("citizens.trust_mean");
        assert_eq!(
            (trust.value.as_str(), trust.source.as_str()),
            ("0.2", "set")
        );
        let citizens = row("population.n_citizens");
        assert_eq!(
            (citizens.value.as_str(), citizens.source.as_str()),
            ("1000", "quick")
        );
        let swept = row(&table.swept[0]);
        assert_eq!(
            (swept.value.as_str(), swept.source.as_str()),
            (point[0].as_str(), "sweep")
        );
    }
    let manifest = manifest_without_timing(&dir);
    let listed = manifest["parameters"].as_array().unwrap();
    assert_eq!(listed.len(), n_params, "every parameter in the manifest");
    let entry = |name: &str| listed.iter().find(|p| p["name"] == name).unwrap().clone();
    assert_eq!(entry("citizens.trust_mean")["value"], "0.2");
    assert_eq!(entry("citizens.trust_mean")["source"], "set");
    // The swept parameter has no one value; its source says where its values came from.
    assert!(entry(&table.swept[0])["value"].is_null());
    assert_eq!(entry(&table.swept[0])["source"], "sweep");
    for p in listed {
        let name = p["name"].as_str().unwrap();
        let values: Vec<&str> = table
            .rows
            .iter()
            .filter(|r| r.parameter == name)
            .map(|r| r.value.as_str())
            .collect();
        match p["value"].as_str() {
            Some(v) => assert!(values.iter().all(|x| *x == v), "{name}: {v} vs {values:?}"),
            None => assert!(
                values.iter().any(|x| *x != values[0]),
                "{name} has one value"
            ),
        }
    }
    assert!(
        manifest["files"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f == "parameters.csv")
    );
}

#[test]
fn quick_keeps_a_swept_number_of_communities_apart() {
    // --quick caps the citizens at 1000; a swept number of communities shrinks with them
    // (same citizens per community) instead of being capped to one value for every point.
    let sb = Sandbox::new();
    fs::write(
        sb.path().join("q.toml"),
        "[params.population]\nn_citizens = 50000\nn_communities = 1000\nring_degree = 40\n\
         [experiment]\nsteps = 5\nreplications = 1\n\
         [experiment.sweep]\n\"population.n_communities\" = [500, 1000]\n\
         [[experiment.variants]]\nname = \"more\"\nparams.levers.outreach = 0.5\n",
    )
    .unwrap();
    sb.cmd(&["run", "q.toml", "--quick", "--out", "out"])
        .assert()
        .success();
    let dir = sb.path().join("out");
    let table = coprod_output::read::read_parameters(&dir).unwrap().unwrap();
    for variant in ["baseline", "more"] {
        for (point, communities) in [("500", "10"), ("1000", "20")] {
            let row = table
                .row(variant, &[point.to_string()], "population.n_communities")
                .unwrap();
            assert_eq!(
                (row.value.as_str(), row.source.as_str()),
                (communities, "quick")
            );
        }
    }
    let (header, rows) = csv(&dir.join("runs.csv"));
    let rate = header
        .iter()
        .position(|h| h == "participation_rate")
        .unwrap();
    assert_ne!(
        rows[0][rate], rows[1][rate],
        "the two sweep points ran alike"
    );
    // A swept number of communities the cap does not reach is run as given.
    fs::write(
        sb.path().join("small.toml"),
        "[params.population]\nn_citizens = 4000\n\
         [experiment]\nsteps = 5\nreplications = 1\n\
         [experiment.sweep]\n\"population.n_communities\" = [2, 4, 6]\n",
    )
    .unwrap();
    sb.cmd(&["run", "small.toml", "--quick", "--out", "small"])
        .assert()
        .success();
    let table = coprod_output::read::read_parameters(&sb.path().join("small"))
        .unwrap()
        .unwrap();
    for communities in ["2", "4", "6"] {
        let row = table
            .row(
                "baseline",
                &[communities.to_string()],
                "population.n_communities",
            )
            .unwrap();
        assert_eq!(row.value, communities);
    }
}

/// `--quick` on a scenario already within its caps changes nothing, and index.html and the
/// manifest say so instead of calling the runs shrunk.
#[test]
fn quick_within_its_caps_is_said_to_change_nothing() {
    let sb = Sandbox::new();
    fs::write(
        sb.path().join("small.toml"),
        "name = \"small\"\n[params.population]\nn_citizens = 50\nn_communities = 5\n\
         [experiment]\nsteps = 20\nreplications = 2\n",
    )
    .unwrap();
    sb.cmd(&["run", "small.toml", "--quick", "--out", "q"])
        .assert()
        .success();
    let dir = sb.path().join("q");
    let manifest = manifest_without_timing(&dir);
    assert_eq!(manifest["quick"], true);
    assert_eq!(
        manifest["quick_lowered"],
        serde_json::json!({"steps": null, "replications": null, "parameters": []})
    );
    let page = read(&dir.join("index.html"));
    assert!(
        page.contains(
            "(quick run: --quick, or the default of a plain <code>coprod run</code>, which \
             changed nothing: the scenario is within its caps)"
        ),
        "{page}"
    );
    assert!(!page.contains("shrunk"), "{page}");
}

/// An explicit number of replications is what runs, also under `--quick` (which caps only
/// the scenario's own), and is recorded; `--replications` with `--set
/// experiment.replications` (or `--seed` with `--set experiment.seed`) is refused.
#[test]
fn explicit_replications_win_over_quick_and_two_forms_are_refused() {
    let sb = Sandbox::new();
    let small = [
        "--set",
        "population.n_citizens=240",
        "--set",
        "population.n_communities=4",
    ];
    let mut args = vec!["run", "baseline", "--quick", "-r", "5", "--out", "q"];
    args.extend_from_slice(&small);
    sb.cmd(&args).assert().success();
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&sb.path().join("q").join("manifest.json"))).unwrap();
    assert_eq!(manifest["experiment"]["replications"], 5);
    assert_eq!(manifest["quick"], true);
    // --quick kept the replications given, and the citizens set below its cap.
    assert_eq!(
        manifest["quick_lowered"],
        serde_json::json!({"steps": {"from": 120, "to": 60}, "replications": null, "parameters": []})
    );
    let page = read(&sb.path().join("q").join("index.html"));
    assert!(
        page.contains(", which lowered the steps from 120 to 60)"),
        "{page}"
    );
    let (_, rows) = crate::util::csv(&sb.path().join("q").join("runs.csv"));
    assert_eq!(rows.len(), 5);
    for (option, value, key) in [
        ("-r", "2", "experiment.replications=5"),
        ("--seed", "3", "experiment.seed=4"),
    ] {
        let set = format!("--set={key}");
        sb.cmd(&["run", "baseline", option, value, &set, "--out", "both"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("both set `experiment."))
            .stderr(predicate::str::contains("hint: give only one of them"));
    }
    assert!(!sb.path().join("both").exists());
}

/// An `--out` that is a file is called a file by every command that writes a folder of
/// its own, not a directory that "already exists" or "holds no calibration".
#[test]
fn an_out_that_is_a_file_is_named_a_file() {
    let sb = Sandbox::new();
    fs::write(sb.path().join("afile"), "mine").unwrap();
    let targets = root().join("data").join("fg2010-targets.csv");
    let targets = targets.to_str().unwrap();
    let commands: [&[&str]; 3] = [
        &["survey", "baseline", "--out", "afile"],
        &[
            "calibrate",
            "lab-calibration",
            "--targets",
            targets,
            "--out",
            "afile",
        ],
        &["slurm", "baseline", "--array", "2", "--out", "afile"],
    ];
    for args in commands {
        sb.cmd(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("afile is a file, not a directory"));
    }
    assert_eq!(read(&sb.path().join("afile")), "mine");
}

/// A negative or non-numeric count, seed or width is refused with its allowed range, not as
/// an unknown option (`-1` read as a flag) or a parser's words.
#[test]
fn negative_and_non_numeric_options_name_their_range() {
    let sb = Sandbox::new();
    let cases: [(&[&str], &str); 7] = [
        (
            &["run", "baseline", "--replications", "-1"],
            "-1 is not in 1..=4294967295",
        ),
        (
            &["survey", "baseline", "--sample", "-1"],
            "-1 is not in 1..=4294967295",
        ),
        (
            &["run", "baseline", "--seed", "-1"],
            "allowed is a whole number from 0 to 18446744073709551615",
        ),
        (
            &["run", "baseline", "--target-ci", "abc"],
            "allowed is a finite number above 0",
        ),
        (
            &["teach", "group-size", "-j", "-2"],
            "-2 is not in 1..=1024",
        ),
        // Far more threads than any machine's cores: one tiny run did not finish in a minute.
        (
            &["run", "baseline", "--threads", "65535"],
            "65535 is not in 1..=1024",
        ),
        (
            &[
                "slurm",
                "baseline",
                "--array",
                "2",
                "--cpus-per-task",
                "1025",
            ],
            "1025 is not in 1..=1024",
        ),
    ];
    for (args, message) in cases {
        sb.cmd(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
    assert!(!sb.path().join("outputs").exists());
}

/// Every command that takes `-j` refuses 0 and more than 1,024 threads in the words `run`
/// uses (the charts of `plot` and `compare` took every core, with no `-j` at all).
#[test]
fn every_threads_option_is_refused_out_of_range_as_runs_is() {
    let sb = Sandbox::new();
    let commands: [&[&str]; 10] = [
        &["run", "baseline"],
        &["check", "baseline"],
        &["plot", "out"],
        &["compare", "out"],
        &["teach", "group-size"],
        &["validate", "--salt", "s"],
        &["sensitivity", "baseline"],
        &["calibrate", "baseline", "--targets", "t.csv"],
        &["survey", "baseline"],
        &["merge", "s0", "--out", "merged"],
    ];
    for command in commands {
        for n in ["0", "1025"] {
            let args = [command, &["-j", n]].concat();
            sb.cmd(&args)
                .assert()
                .code(2)
                .stderr(predicate::str::contains(format!(
                    "error: invalid value '{n}' for '--threads <N>': {n} is not in 1..=1024"
                )));
        }
    }
}

/// A survey that cannot write its tables (a file size limit stands in for a full disk)
/// leaves nothing, and its error names the file as it would be in the output, not in the
/// partial directory that is already gone.
#[test]
fn a_failed_survey_names_no_folder_that_is_gone() {
    let sb = Sandbox::new();
    let args = [
        "survey",
        "baseline",
        "--horizon",
        "6",
        "--sample",
        "200",
        "--out",
        "asked",
    ];
    let output = crate::util::run_with_size_limit(sb.path(), 4, &args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("cannot write asked/survey.csv"), "{stderr}");
    assert!(!stderr.contains(".partial"), "{stderr}");
    assert!(!sb.path().join("asked").exists());
    assert!(!sb.path().join(".asked.partial").exists());
}

/// `--quick`'s caps apply after `--set` (only replications given explicitly are kept), so a
/// `--set` above a cap is lowered: the run says so, naming the `--set` it lowered and the
/// value the runs have. Before, it was lowered without a word.
#[test]
fn quick_names_each_set_value_it_lowers() {
    let sb = Sandbox::new();
    fs::write(
        sb.path().join("one.toml"),
        "[experiment]\nsteps = 5\nreplications = 1\n",
    )
    .unwrap();
    let args = [
        "run",
        "one.toml",
        "--quick",
        "--set",
        "experiment.steps=100",
        "--set",
        "population.n_citizens=2000",
        "--set",
        "experiment.replications=1",
        "--out",
        "out",
    ];
    let assert = sb.cmd(&args).assert().success();
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    for said in [
        "warning: --quick lowers `experiment.steps` to 60, below the 100 of --set \
         experiment.steps=100: its caps apply after --set (only replications given explicitly \
         are kept), so the runs have 60\n",
        "warning: --quick lowers `population.n_citizens` to 1000, below the 2000 of --set \
         population.n_citizens=2000: its caps apply after --set (only replications given \
         explicitly are kept), so the runs have 1000\n",
    ] {
        assert!(stderr.contains(said), "{stderr}");
    }
    // A --set within the caps is kept, and draws no warning.
    let args = ["run", "one.toml", "--quick", "--set", "experiment.steps=50"];
    let assert = sb.cmd(&args).assert().success();
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(!stderr.contains("--quick lowers"), "{stderr}");
}
