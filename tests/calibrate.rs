//! `coprod calibrate`: posterior, predictive and diagnostics tables identical for any thread
//! count, `--resume` from checkpoints, clear errors for bad targets files; `coprod survey`
//! writes the regression of every predictor (docs/calibration.md).

use std::fs;

use predicates::prelude::*;

use crate::util::{Sandbox, read};

const SCENARIO: &str = r#"
name = "tiny-calibration"
[params.population]
setting = "lab"
n_citizens = 40
n_communities = 1
[experiment]
steps = 3
seed = 2
[calibration]
particles = 20
generations = 3
[calibration.priors]
"behaviour.cc_slope" = { uniform = [0.3, 1.2] }
"#;

const TARGETS: &str = "metric,step,observed,se,source\n\
mean_contribution,0,0.39,0.03,test\n\
mean_contribution,2,0.31,0.03,test\n";

fn setup(sandbox: &Sandbox) -> (String, String) {
    let scenario = sandbox.path().join("tiny.toml");
    let targets = sandbox.path().join("targets.csv");
    fs::write(&scenario, SCENARIO).unwrap();
    fs::write(&targets, TARGETS).unwrap();
    (
        scenario.to_str().unwrap().to_string(),
        targets.to_str().unwrap().to_string(),
    )
}

#[test]
fn same_tables_for_any_thread_count_and_after_resume() {
    let sandbox = Sandbox::new();
    let (scenario, targets) = setup(&sandbox);
    let mut tables = Vec::new();
    for threads in ["1", "2"] {
        let out = sandbox.path().join(format!("cal-{threads}"));
        let out = out.to_str().unwrap();
        let args = [
            "calibrate",
            &scenario,
            "--targets",
            &targets,
            "-o",
            out,
            "-j",
            threads,
        ];
        sandbox.cmd(&args).assert().success();
        tables.push(read(
            &sandbox.path().join(format!("cal-{threads}/posterior.csv")),
        ));
    }
    assert_eq!(tables[0], tables[1]);
    // Interrupted after two generations: drop the last checkpoint and the results, resume.
    let dir = sandbox.path().join("cal-1");
    fs::remove_file(dir.join("checkpoints/gen-002.json")).unwrap();
    fs::remove_file(dir.join("posterior.csv")).unwrap();
    let out = dir.to_str().unwrap();
    sandbox
        .cmd(&[
            "calibrate",
            &scenario,
            "--targets",
            &targets,
            "-o",
            out,
            "--resume",
        ])
        .assert()
        .success();
    assert_eq!(read(&dir.join("posterior.csv")), tables[0]);
    let manifest = read(&dir.join("manifest.json"));
    assert!(manifest.contains("coprod calibrate"), "{manifest}");
    // Checkpoints of one seed are never continued with another.
    sandbox
        .cmd(&[
            "calibrate",
            &scenario,
            "--targets",
            &targets,
            "-o",
            out,
            "--resume",
            "--seed",
            "9",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot resume"));
}

#[test]
fn bad_targets_files_name_line_and_column() {
    let sandbox = Sandbox::new();
    let (scenario, targets) = setup(&sandbox);
    fs::write(
        &targets,
        "metric,step,observed,se,source\nmean_contribution,0,0.39,-1,test\n",
    )
    .unwrap();
    sandbox
        .cmd(&["calibrate", &scenario, "--targets", &targets])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "targets.csv:2:4: se -1: allowed is a number > 0",
        ));
}

#[test]
fn survey_writes_the_fit_of_every_predictor() {
    let sandbox = Sandbox::new();
    let out = sandbox.path().join("survey");
    let out = out.to_str().unwrap();
    sandbox
        .cmd(&[
            "survey",
            "baseline",
            "--horizon",
            "60",
            "--sample",
            "400",
            "-o",
            out,
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("respondents"));
    let fit = read(&sandbox.path().join("survey/survey-fit.csv"));
    for predictor in [
        "intercept",
        "efficacy",
        "time",
        "skill",
        "trust",
        "ties",
        "motivation",
    ] {
        assert!(fit.contains(&format!("\n{predictor},")), "{fit}");
    }
}
