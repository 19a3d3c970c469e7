//! `coprod sensitivity`: sensitivity.csv, charts and manifest from a `[sensitivity]` table,
//! identical for any thread count; errors for missing or bad tables (docs/sensitivity.md).

use std::fs;

use predicates::prelude::*;

use crate::util::{Sandbox, csv, read, root};

const SCENARIO: &str = r#"
name = "tiny-sensitivity"
[params.population]
n_citizens = 240
n_communities = 4
[experiment]
steps = 8
seed = 3
[sensitivity]
outputs = ["participation_rate", "mean_citizen_trust"]
samples = 8
trajectories = 4
replications = 2
bootstrap = 50
[sensitivity.parameters]
"levers.participation_cost" = [0.2, 0.8]
"citizens.trust_mean" = [0.3, 0.7]
"#;

#[test]
fn writes_indices_and_charts_identically_for_any_thread_count() {
    let sandbox = Sandbox::new();
    let file = sandbox.path().join("tiny.toml");
    fs::write(&file, SCENARIO).unwrap();
    let mut csvs = Vec::new();
    for threads in ["1", "2"] {
        let dir = sandbox.path().join(format!("sens-{threads}"));
        sandbox
            .cmd(&[
                "sensitivity",
                file.to_str().unwrap(),
                "--out",
                dir.to_str().unwrap(),
                "-j",
                threads,
            ])
            .assert()
            .success()
            .stdout(predicate::str::contains(format!("sens-{threads}")));
        let (header, rows) = csv(&dir.join("sensitivity.csv"));
        assert_eq!(
            header.join(","),
            "method,output,parameter,index,estimate,ci_low,ci_high,n"
        );
        let docs = read(&root().join("docs").join("outputs.md"));
        for column in &header {
            assert!(
                docs.contains(&format!("`{column}`")),
                "`{column}` undocumented"
            );
        }
        // Per output: 1 noise share + 2 parameters x (3 Morris + 2 Sobol) indices.
        assert_eq!(rows.len(), 2 * (1 + 2 * 5));
        assert_eq!(rows.iter().filter(|r| r[3] == "noise_share").count(), 2);
        assert_eq!(rows.iter().filter(|r| r[3] == "total").count(), 4);
        for output in ["participation_rate", "mean_citizen_trust"] {
            for kind in ["sobol", "morris"] {
                let png = dir.join("charts").join(format!("{kind}_{output}.png"));
                assert!(png.is_file(), "{} is missing", png.display());
            }
        }
        let (design_header, design) = csv(&dir.join("design.csv"));
        assert_eq!(
            design_header.join(","),
            "point,method,replication,seed,citizens.trust_mean,levers.participation_cost,\
             participation_rate,mean_citizen_trust"
        );
        for column in &design_header[..4] {
            assert!(
                docs.contains(&format!("`{column}`")),
                "`{column}` undocumented"
            );
        }
        assert_eq!(design.len(), 2 * (4 * 3 + 8 * 4));
        assert_eq!(
            design.iter().filter(|r| r[1] == "morris").count(),
            2 * 4 * 3
        );
        let manifest: serde_json::Value =
            serde_json::from_str(&read(&dir.join("manifest.json"))).unwrap();
        assert_eq!(manifest["kind"], "sensitivity");
        // Morris 4 x 3 + Sobol 8 x 4 design points, 2 replications each.
        assert_eq!(manifest["runs"], 2 * (4 * 3 + 8 * 4));
        csvs.push(read(&dir.join("sensitivity.csv")));
    }
    assert_eq!(csvs[0], csvs[1], "sensitivity.csv depends on --threads");
}

#[test]
fn a_scenario_without_a_sensitivity_table_is_an_error() {
    Sandbox::new()
        .cmd(&["sensitivity", "baseline"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("has no [sensitivity] table"));
}

#[test]
fn a_bad_table_names_the_file_line_and_key() {
    let sandbox = Sandbox::new();
    let file = sandbox.path().join("bad.toml");
    let text = SCENARIO.replace("\"citizens.trust_mean\"", "\"citizens.trust_maen\"");
    fs::write(&file, text).unwrap();
    sandbox
        .cmd(&["sensitivity", file.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("bad.toml:").and(predicate::str::contains(
                "unknown parameter `citizens.trust_maen`",
            )),
        );
    let text = SCENARIO.replace("[0.2, 0.8]", "[0.8, 0.2]");
    fs::write(&file, text).unwrap();
    sandbox
        .cmd(&["sensitivity", file.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid range [0.8, 0.2]"));
    assert!(!sandbox.path().join("outputs").exists());
}

/// A design of more runs than `coprod run` accepts is refused when the scenario is read,
/// naming the key and the limit, before any memory is taken for it or anything is
/// written; the Morris part and the replications are counted too.
#[test]
fn a_design_of_too_many_runs_is_refused_before_it_is_built() {
    let sandbox = Sandbox::new();
    let file = sandbox.path().join("big.toml");
    for (from, to, message) in [
        (
            "samples = 8",
            "samples = 100000000",
            "invalid value 100000000 for `sensitivity.samples`: the design has 400000012 \
             points x 2 replications = 800000024 runs, more than the 10000000 runs coprod \
             accepts",
        ),
        (
            "trajectories = 4",
            "trajectories = 4000000",
            "invalid value 4000000 for `sensitivity.trajectories`",
        ),
        (
            "replications = 2",
            "replications = 400000",
            "invalid value 400000 for `sensitivity.replications`",
        ),
    ] {
        fs::write(&file, SCENARIO.replace(from, to)).unwrap();
        let started = std::time::Instant::now();
        sandbox
            .cmd(&["sensitivity", file.to_str().unwrap()])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("big.toml:").and(predicate::str::contains(message)));
        assert!(
            started.elapsed().as_secs() < 20,
            "{to}: took {:?}",
            started.elapsed()
        );
    }
    assert!(!sandbox.path().join("outputs").exists());
}

/// An output named twice is refused at the `outputs` key (sensitivity.csv would hold each
/// of its rows twice).
#[test]
fn an_output_named_twice_is_refused() {
    let sandbox = Sandbox::new();
    let file = sandbox.path().join("twice.toml");
    let text = SCENARIO.replace(
        "outputs = [\"participation_rate\", \"mean_citizen_trust\"]",
        "outputs = [\"participation_rate\", \"participation_rate\"]",
    );
    fs::write(&file, text).unwrap();
    sandbox
        .cmd(&["sensitivity", file.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "twice.toml:10:11: output \"participation_rate\" is listed twice",
        ));
    assert!(!sandbox.path().join("outputs").exists());
}

/// A `--set` that the design would override (the replications, a varied parameter) is
/// refused before anything is written, rather than silently ignored.
#[test]
fn settings_the_design_would_override_are_refused() {
    let sandbox = Sandbox::new();
    let file = sandbox.path().join("tiny.toml");
    fs::write(&file, SCENARIO).unwrap();
    let file = file.to_str().unwrap();
    sandbox
        .cmd(&["sensitivity", file, "--set", "experiment.replications=5"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--set experiment.replications: `coprod sensitivity` runs the [sensitivity] table's \
             `replications` (2)",
        ));
    sandbox
        .cmd(&["sensitivity", file, "--set", "citizens.trust_mean=0.5"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--set citizens.trust_mean: the design varies this parameter from 0.3 to 0.7",
        ));
    assert!(!sandbox.path().join("outputs").exists());
    // A parameter the design does not vary is still set.
    sandbox
        .cmd(&[
            "sensitivity",
            file,
            "--set",
            "levers.outreach=0.5",
            "--out",
            "ok",
        ])
        .assert()
        .success();
}

#[test]
fn check_counts_the_runs_of_a_sensitivity_analysis() {
    let sandbox = Sandbox::new();
    sandbox
        .cmd(&["check", "sensitivity"])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "`coprod sensitivity`: 2216 runs (1108 design points x 2 replications)",
        ));
}
