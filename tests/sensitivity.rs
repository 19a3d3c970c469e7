//! `coprod sensitivity`: sensitivity.csv, charts and manifest from a `[sensitivity]` table,
//! identical for any thread count; errors for missing or bad tables (docs/sensitivity.md).

use std::fs;

use predicates::prelude::*;

use crate::util::{Sandbox, csv, read, root};

pub(crate) const SCENARIO: &str = r#"
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
        assert_eq!(manifest["design_points"], 4 * 3 + 8 * 4);
        assert_eq!(manifest["runs"], 2 * (4 * 3 + 8 * 4));
        // The noise share is computed over the design points.
        let (_, rows) = csv(&dir.join("sensitivity.csv"));
        let noise: Vec<&Vec<String>> = rows.iter().filter(|r| r[3] == "noise_share").collect();
        assert_eq!(noise.len(), 2, "one noise share per output");
        // bootstrap = 50: every Morris and Sobol index has its interval.
        let indices: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] != "noise").collect();
        assert!(
            indices.iter().any(|r| r[0] == "morris") && indices.iter().any(|r| r[0] == "sobol")
        );
        for r in &indices {
            assert!(
                r[4] == "NaN" || (!r[5].is_empty() && !r[6].is_empty()),
                "{r:?}"
            );
        }
        for row in noise {
            assert_eq!(row[7], (4 * 3 + 8 * 4).to_string(), "{row:?}");
        }
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
    // A bootstrap of billions of resamples ran for hours and left a partial directory.
    let text = SCENARIO.replace("bootstrap = 50", "bootstrap = 4000000000");
    assert_ne!(text, SCENARIO);
    fs::write(&file, text).unwrap();
    sandbox
        .cmd(&["sensitivity", file.to_str().unwrap()])
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("bad.toml:").and(predicate::str::contains(
                "invalid value 4000000000 for `sensitivity.bootstrap`: allowed is 0 (no intervals) or \
                 a whole number from 2 to 100000",
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

/// An output folder that cannot be made (below a file) is refused before the analysis says
/// it is starting its runs: the only line is the error.
#[test]
fn an_output_folder_that_cannot_be_made_is_refused_before_the_start_line() {
    let sandbox = Sandbox::new();
    let file = sandbox.path().join("small.toml");
    fs::write(&file, SCENARIO).unwrap();
    fs::write(sandbox.path().join("afile"), "").unwrap();
    sandbox
        .cmd(&["sensitivity", file.to_str().unwrap(), "--out", "afile/x"])
        .assert()
        .code(2)
        .stderr(
            "error: cannot create output directory afile/x: afile is a file, not a directory\n\n\
             hint: choose a directory you can write to with --out DIR\n",
        );
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

/// The memory check runs on the design's own points: a baseline of 240 citizens does not
/// hide design points of 50 million, and the runs at once are the design's.
#[test]
fn a_design_whose_runs_cannot_fit_in_memory_is_refused_up_front() {
    let sandbox = Sandbox::new();
    let file = sandbox.path().join("huge.toml");
    let text = SCENARIO.replace(
        "\"citizens.trust_mean\" = [0.3, 0.7]",
        "\"population.n_citizens\" = [240, 50000000]",
    );
    fs::write(&file, text).unwrap();
    // Up to 1,000 runs of up to 50 million citizens at once: terabytes.
    sandbox
        .cmd(&["sensitivity", file.to_str().unwrap(), "--threads", "1000"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("GiB of model state"))
        .stderr(predicate::str::contains(
            "a narrower range of it in [sensitivity.parameters]",
        ));
    assert!(!sandbox.path().join("outputs").exists());
}

#[test]
fn interventions_that_would_hold_a_varied_lever_throughout_are_refused() {
    let sandbox = Sandbox::new();
    let with = |windows: &str| {
        let file = sandbox.path().join("held.toml");
        let text = SCENARIO.replace("[experiment]", &format!("{windows}\n[experiment]"));
        fs::write(&file, text).unwrap();
        file.to_str().unwrap().to_string()
    };
    // Two windows that together cover the 8 steps: the second entry starts at step 0.
    let file = with(
        "[[interventions]]\nlever = \"levers.participation_cost\"\nvalue = 0.9\nfrom_step = 4\n\
         [[interventions]]\nlever = \"levers.participation_cost\"\nvalue = 0.1\nfrom_step = 0\n\
         until_step = 5",
    );
    sandbox
        .cmd(&["sensitivity", &file])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "held.toml:11:9: [[interventions]] entry 2 of the scenario sets \
             `levers.participation_cost` at every step of the run (8 steps), and the design \
             varies it from 0.2 to 0.8",
        ));
    assert!(!sandbox.path().join("outputs").exists());
    // Over part of the run the design's value holds outside the window.
    let file = with(
        "[[interventions]]\nlever = \"levers.participation_cost\"\nvalue = 0.9\nfrom_step = 4",
    );
    sandbox
        .cmd(&["sensitivity", &file, "--out", "partial"])
        .assert()
        .success();
}

/// Ctrl-C during a sensitivity analysis exits with 130, says that nothing was kept, and
/// keeps nothing: neither the result nor its hidden partial directory.
#[test]
fn ctrl_c_keeps_nothing_of_a_sensitivity_analysis() {
    let sandbox = Sandbox::new();
    // Long runs on one thread: many seconds, still running when interrupted.
    let args = [
        "sensitivity",
        "sensitivity",
        "--threads",
        "1",
        "--set",
        "experiment.steps=480",
        "--set",
        "population.n_citizens=1000",
        "--out",
        "sb",
    ];
    let stderr = crate::resume::interrupt_when(&sandbox, &args, ".sb.partial");
    assert!(
        stderr.ends_with(
            "\ninterrupted: the sensitivity analysis is written only when complete, and \
             nothing of it was kept; give the same command again to start over\n"
        ),
        "{stderr}"
    );
    assert!(!sandbox.path().join("sb").exists());
    assert!(!sandbox.path().join(".sb.partial").exists());
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

/// A small scenario of `method` over `parameters` (TOML lines) with the given outputs: 240
/// citizens, 8 steps, one replication per point.
fn small_scenario(name: &str, method: &str, outputs: &str, parameters: &str) -> String {
    format!(
        "name = \"{name}\"\n[params.population]\nn_citizens = 240\nn_communities = 4\n\
         [experiment]\nsteps = 8\nseed = 3\n[sensitivity]\nmethod = \"{method}\"\n\
         outputs = {outputs}\nsamples = 8\ntrajectories = 4\nreplications = 1\nbootstrap = 20\n\
         [sensitivity.parameters]\n{parameters}\n"
    )
}

/// Runs `coprod sensitivity` on `text` into `<sandbox>/<name>` and returns the directory,
/// the rows of sensitivity.csv and stderr; the analysis must succeed.
fn analyse(
    sandbox: &Sandbox,
    name: &str,
    text: &str,
) -> (std::path::PathBuf, Vec<Vec<String>>, String) {
    analyse_with(sandbox, name, text, &[])
}

/// [`analyse`] with further options.
fn analyse_with(
    sandbox: &Sandbox,
    name: &str,
    text: &str,
    options: &[&str],
) -> (std::path::PathBuf, Vec<Vec<String>>, String) {
    let file = sandbox.path().join(format!("{name}.toml"));
    fs::write(&file, text).unwrap();
    let dir = sandbox.path().join(name);
    let args = [
        &[
            "sensitivity",
            file.to_str().unwrap(),
            "--out",
            dir.to_str().unwrap(),
        ],
        options,
    ]
    .concat();
    let out = sandbox.cmd(&args).assert().success();
    let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    let (_, rows) = csv(&dir.join("sensitivity.csv"));
    (dir, rows, stderr)
}

/// The estimates of sensitivity.csv for one output, parameter and index.
fn estimate<'a>(rows: &'a [Vec<String>], output: &str, parameter: &str, index: &str) -> &'a str {
    let row = rows
        .iter()
        .find(|r| r[1] == output && r[2] == parameter && r[3] == index)
        .unwrap_or_else(|| panic!("no row {output} {parameter} {index} in {rows:?}"));
    &row[4]
}

/// The manifest's `files`.
fn manifest_files(dir: &std::path::Path) -> Vec<String> {
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&dir.join("manifest.json"))).unwrap();
    manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_string())
        .collect()
}

/// An output that takes one value at every design point has undefined (NaN) Sobol indices:
/// the analysis still completes, writes the NaN rows, leaves out that output's chart with
/// a warning and draws the other outputs' charts. (At 8 steps the time price acts on
/// neither output and nobody's trust moves; the organisations' budget sets the
/// professional cost.)
#[test]
fn an_output_that_never_varies_has_nan_sobol_indices_and_no_chart() {
    let sandbox = Sandbox::new();
    let text = small_scenario(
        "flat-trust",
        "sobol",
        r#"["mean_citizen_trust", "professional_cost"]"#,
        "\"costs.time_price\" = [0.5, 1.5]\n\"orgs.baseline_input\" = [4, 6]",
    );
    let (dir, rows, stderr) = analyse(&sandbox, "flat", &text);
    for parameter in ["costs.time_price", "orgs.baseline_input"] {
        for index in ["first_order", "total"] {
            assert_eq!(
                estimate(&rows, "mean_citizen_trust", parameter, index),
                "NaN",
                "{parameter} {index}"
            );
        }
    }
    // An undefined estimate has no interval: empty cells (docs/outputs.md).
    for row in rows.iter().filter(|r| r[4] == "NaN") {
        assert!(row[5].is_empty() && row[6].is_empty(), "{row:?}");
    }
    let share = estimate(&rows, "professional_cost", "orgs.baseline_input", "total");
    assert!(
        share.parse::<f64>().unwrap().is_finite(),
        "professional_cost: {share}"
    );
    assert!(
        stderr.contains(
            "warning: chart sobol_mean_citizen_trust of `mean_citizen_trust` not drawn: every \
             Sobol index is NaN"
        ),
        "{stderr}"
    );
    let charts = dir.join("charts");
    assert!(!charts.join("sobol_mean_citizen_trust.png").exists());
    for ext in ["png", "svg"] {
        let chart = charts.join(format!("sobol_professional_cost.{ext}"));
        assert!(chart.is_file(), "{} is missing", chart.display());
    }
    assert!(!stderr.contains("sobol_professional_cost"), "{stderr}");
    assert!(manifest_files(&dir).contains(&"charts/".to_string()));
}

/// A whole-number parameter whose rounded values never move gives no elementary effect
/// (n = 0): its Morris indices are NaN. A chart with nothing else is left out with a
/// warning (and with no chart at all, `charts/` is neither written nor listed); in a chart
/// with other parameters its bar is empty and marked "n/a".
#[test]
fn a_whole_number_parameter_that_never_moves_has_nan_morris_indices() {
    let sandbox = Sandbox::new();
    // Every point of [4, 4.4] rounds to 4.
    let stuck = "\"levers.group_size_cap\" = [4, 4.4]";
    let text = small_scenario("stuck-cap", "morris", r#"["professional_cost"]"#, stuck);
    let (dir, rows, stderr) = analyse(&sandbox, "alone", &text);
    for index in ["mu", "mu_star", "sigma"] {
        let row = rows
            .iter()
            .find(|r| r[3] == index)
            .unwrap_or_else(|| panic!("no {index} row in {rows:?}"));
        assert_eq!((row[4].as_str(), row[7].as_str()), ("NaN", "0"), "{index}");
        assert!(row[5].is_empty() && row[6].is_empty(), "{row:?}");
    }
    assert!(
        stderr.contains(
            "warning: chart morris_professional_cost of `professional_cost` not drawn: every \
             Morris mu* is NaN"
        ),
        "{stderr}"
    );
    assert!(!dir.join("charts").exists());
    assert_eq!(
        manifest_files(&dir),
        ["sensitivity.csv", "design.csv", "manifest.json"]
    );

    let text = small_scenario(
        "stuck-cap",
        "morris",
        r#"["professional_cost"]"#,
        &format!("{stuck}\n\"orgs.baseline_input\" = [4, 6]"),
    );
    let (dir, rows, stderr) = analyse(&sandbox, "with-another", &text);
    let mu_star = |parameter| estimate(&rows, "professional_cost", parameter, "mu_star");
    assert_eq!(mu_star("levers.group_size_cap"), "NaN");
    assert!(mu_star("orgs.baseline_input").parse::<f64>().unwrap() > 0.0);
    // No chart is left undrawn: the only warnings, before the runs, are on the cap that
    // never moves and on a single replication.
    let warnings: Vec<&str> = stderr.lines().filter(|l| l.contains("warning")).collect();
    assert_eq!(warnings.len(), 2, "{stderr}");
    let file = sandbox.path().join("with-another.toml");
    let at = |what: &str| format!("warning: {}: {what}", file.display());
    assert!(
        warnings[0].starts_with(&at(
            "[sensitivity.parameters] varies `levers.group_size_cap` over"
        )),
        "{stderr}"
    );
    assert!(warnings[0].ends_with("it never moves, so its Morris indices are NaN (n = 0)"));
    assert!(
        warnings[1].starts_with(&at("[sensitivity] replications = 1")),
        "{stderr}"
    );
    let svg = read(&dir.join("charts").join("morris_professional_cost.svg"));
    assert!(svg.lines().any(|l| l.trim() == "n/a"), "no n/a row");
    assert!(manifest_files(&dir).contains(&"charts/".to_string()));
}

/// A chart's axis says what the bars are in this analysis: the lab setting's own unit for
/// its outputs, and no "bootstrap 95% CI" when `bootstrap = 0` drew no intervals.
#[test]
fn chart_axes_name_the_runs_units_and_intervals_only_when_drawn() {
    let sandbox = Sandbox::new();
    let text = "name = \"lab-sens\"\n[params.population]\nsetting = \"lab\"\nn_citizens = 400\n\
                [experiment]\nsteps = 4\nseed = 3\n[sensitivity]\nmethod = \"morris\"\n\
                outputs = [\"service_output\"]\ntrajectories = 4\nreplications = 1\n\
                bootstrap = 0\n[sensitivity.parameters]\n\"lab.mpcr\" = [0.2, 0.8]\n";
    let (dir, rows, _) = analyse(&sandbox, "lab", text);
    assert!(
        rows.iter().all(|r| r[5].is_empty() && r[6].is_empty()),
        "{rows:?}"
    );
    let svg = read(&dir.join("charts").join("morris_service_output.svg"));
    assert!(
        svg.lines()
            .any(|l| l.trim()
                == "Morris mu* (mean payoff in tokens per full range of the parameter)"),
        "{svg}"
    );
    assert!(!svg.contains("bootstrap"), "{svg}");
    // The manifest states the sizes of the method that ran, and null for the other's.
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&dir.join("manifest.json"))).unwrap();
    assert_eq!(
        (&manifest["trajectories"], &manifest["samples"]),
        (&serde_json::json!(4), &serde_json::Value::Null)
    );

    // The field setting with bootstrap intervals: its own unit, and the CI named.
    let text = small_scenario(
        "field-sens",
        "sobol",
        r#"["professional_cost"]"#,
        "\"orgs.baseline_input\" = [4, 6]",
    );
    let (dir, rows, _) = analyse(&sandbox, "field", &text);
    // With bootstrap > 0 every Sobol index has its interval.
    let sobol: Vec<&Vec<String>> = rows.iter().filter(|r| r[0] == "sobol").collect();
    assert!(!sobol.is_empty());
    assert!(
        sobol.iter().all(|r| !r[5].is_empty() && !r[6].is_empty()),
        "{sobol:?}"
    );
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&dir.join("manifest.json"))).unwrap();
    assert_eq!(
        (
            &manifest["samples"],
            &manifest["trajectories"],
            &manifest["levels"]
        ),
        (
            &serde_json::json!(8),
            &serde_json::Value::Null,
            &serde_json::Value::Null
        )
    );
    let svg = read(&dir.join("charts").join("sobol_professional_cost.svg"));
    assert!(
        svg.contains("Sobol index (share of output variance), bootstrap 95% CI"),
        "{svg}"
    );
}

/// A scenario file can serve `coprod run` and `coprod sensitivity` alike: its variants and
/// sweep are not used by the analysis (every design point starts from the baseline, not
/// from the first sweep point), and a note says so.
#[test]
fn variants_and_sweeps_are_not_used_and_a_note_says_so() {
    let sandbox = Sandbox::new();
    let params = "\"citizens.trust_mean\" = [0.3, 0.7]";
    let outputs = r#"["mean_efficacy"]"#;
    let plain = small_scenario("plain", "morris", outputs, params);
    let (plain_dir, _, stderr) = analyse(&sandbox, "plain", &plain);
    assert!(!stderr.contains("not used"), "{stderr}");
    // The sweep's first value is far from the default efficacy of 0.5.
    let extra = "[experiment.sweep]\n\"citizens.efficacy_mean\" = [0.9, 0.1]\n\
                 [[experiment.variants]]\nname = \"costly\"\n\
                 params.levers.financial_incentive = 0.5\n";
    let (swept_dir, _, stderr) = analyse(&sandbox, "swept", &format!("{plain}{extra}"));
    assert!(
        stderr.contains("plain: its variants and sweep are not used"),
        "{stderr}"
    );
    assert_eq!(
        read(&swept_dir.join("design.csv")),
        read(&plain_dir.join("design.csv"))
    );
    // A sweep alone, or variants alone, are as unused.
    let sweep_only = "[experiment.sweep]\n\"citizens.efficacy_mean\" = [0.9, 0.1]\n";
    let variant_only = "[[experiment.variants]]\nname = \"costly\"\n\
                        params.levers.financial_incentive = 0.5\n";
    for (name, extra) in [("sweep-only", sweep_only), ("variant-only", variant_only)] {
        let (_, _, stderr) = analyse(&sandbox, name, &format!("{plain}{extra}"));
        assert!(
            stderr.contains("its variants and sweep are not used"),
            "{name}: {stderr}"
        );
    }
}

/// What the lab runs do not read is named once, before the runs: the baseline's `[params]`
/// and `--set` as well as the design's factors (`coprod run` and `coprod check` name the
/// same settings).
#[test]
fn warns_before_the_runs_of_what_the_runs_do_not_read() {
    let sandbox = Sandbox::new();
    let text = "name = \"lab-unread\"\n[params.population]\nsetting = \"lab\"\nn_citizens = 8\n\
                [params.groups]\nrho = 0.3\n[experiment]\nsteps = 3\n[sensitivity]\n\
                method = \"morris\"\noutputs = [\"mean_contribution\"]\ntrajectories = 2\n\
                replications = 1\nbootstrap = 20\n[sensitivity.parameters]\n\
                \"lab.mpcr\" = [0.3, 0.6]\n\"groups.min_effort\" = [0.2, 0.8]\n";
    let (_, _, stderr) = analyse_with(
        &sandbox,
        "lab-unread",
        text,
        &["--set", "orgs.contact_rate=0.5"],
    );
    let warnings: Vec<&str> = stderr.lines().take(4).collect();
    // A lab run's length is in rounds of the game, as `coprod run` and `check` say.
    assert!(stderr.contains(" runs of 3 rounds on "), "{stderr}");
    let file = sandbox.path().join("lab-unread.toml");
    let named = |text: &str| format!("warning: {}: {text}", file.display());
    assert_eq!(
        warnings,
        [
            named("[params] sets `groups.rho`, which lab runs do not read: it changes nothing"),
            named(
                "--set orgs.contact_rate: lab runs do not read `orgs.contact_rate`, so it \
                 changes nothing"
            ),
            named(
                "[sensitivity.parameters] varies `groups.min_effort`, which lab runs do not \
                 read: its indices measure only the estimators' noise"
            ),
            named(
                "[sensitivity] replications = 1: the noise share is undefined (NaN in \
                 sensitivity.csv), so nothing says how much of the indices is seed noise; 2 or \
                 more replications per design point measure it"
            ),
        ],
        "{stderr}"
    );
    assert_eq!(stderr.matches("warning").count(), 4, "{stderr}");
}

/// Runs made lab runs by `--set population.setting=lab` are charted in the lab's units
/// (the units were those of the file's setting, the field's "share of effort").
#[test]
fn a_set_lab_setting_charts_in_the_labs_units() {
    let sb = Sandbox::new();
    fs::write(
        sb.path().join("f.toml"),
        "[params.population]\nn_citizens = 40\nn_communities = 4\n[experiment]\nsteps = 3\n\
         [sensitivity]\nmethod = \"morris\"\ntrajectories = 2\nreplications = 1\nbootstrap = 0\n\
         outputs = [\"mean_contribution\"]\n[sensitivity.parameters]\n\
         \"behaviour.cc_slope\" = [0.5, 1.0]\n\"behaviour.belief_weight\" = [0.2, 0.8]\n",
    )
    .unwrap();
    sb.cmd(&[
        "sensitivity",
        "f.toml",
        "--set",
        "population.setting=lab",
        "--out",
        "s",
    ])
    .assert()
    .success();
    let svg = fs::read_to_string(sb.path().join("s/charts/morris_mean_contribution.svg")).unwrap();
    assert!(svg.contains("share of endowment"), "{svg}");
    assert!(!svg.contains("share of effort"));
}

/// The status line counts in words: a one-step run is "1 step", not "1 steps"; and threads
/// beyond the cores they share are said to share them, as `coprod run` says.
#[test]
fn the_status_line_counts_one_step_as_one() {
    let sandbox = Sandbox::new();
    let parameters = "\"levers.outreach\" = [0.1, 0.9]";
    let text = small_scenario(
        "one-step",
        "morris",
        r#"["participation_rate"]"#,
        parameters,
    );
    let options = ["--set", "experiment.steps=1", "--threads", "1024"];
    let (_, _, stderr) = analyse_with(&sandbox, "one", &text, &options);
    // One factor: 4 trajectories of 2 points.
    assert!(
        stderr.contains("one-step: 8 design points x 1 replication = 8 runs of 1 step on "),
        "{stderr}"
    );
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    if cores < 1024 {
        let of = if cores == 1 { "core" } else { "cores" };
        assert!(
            stderr.contains(&format!("1 step on 1024 threads of {cores} {of}\n")),
            "{stderr}"
        );
    }
}

/// `--help` names every file the command writes (docs/outputs.md, "Sensitivity
/// directories"), not only sensitivity.csv and the charts.
#[test]
fn help_names_every_file_written() {
    let sandbox = Sandbox::new();
    let out = sandbox.cmd(&["sensitivity", "--help"]).assert().success();
    let help = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    for file in ["sensitivity.csv", "design.csv", "charts", "manifest.json"] {
        assert!(help.contains(file), "{file}: {help}");
    }
}

/// The table's sizes in docs/sensitivity.md state the least value `coprod sensitivity`
/// accepts, the one its refusal names.
#[test]
fn the_documented_least_sizes_are_those_accepted() {
    let sandbox = Sandbox::new();
    let docs = read(&root().join("docs").join("sensitivity.md"));
    for (key, least) in [
        ("samples", 4),
        ("trajectories", 2),
        ("levels", 2),
        ("replications", 1),
    ] {
        let line = docs
            .lines()
            .find(|l| l.starts_with(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("no `{key}` in the documented table"));
        assert!(line.contains(&format!("at least {least}")), "{line}");
        // The small scenario's own size of `key` left out, one below the least put in.
        let text = small_scenario("sizes", "both", r#"["participation_rate"]"#, "")
            .lines()
            .filter(|l| !l.starts_with(&format!("{key} = ")))
            .map(|l| format!("{l}\n"))
            .collect::<String>()
            .replace(
                "bootstrap = 20\n",
                &format!("bootstrap = 20\n{key} = {}\n", least - 1),
            )
            + "\"levers.outreach\" = [0.1, 0.9]\n";
        let file = sandbox.path().join(format!("{key}.toml"));
        fs::write(&file, text).unwrap();
        let out = sandbox
            .cmd(&["check", file.to_str().unwrap()])
            .assert()
            .code(1);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        // `levels` must also be even: "allowed is an even whole number of at least 2".
        assert!(
            stderr.contains(&format!("whole number of at least {least}")),
            "{key}: {stderr}"
        );
    }
}

/// An analysis that cannot write its results (a file size limit stands in for a full disk)
/// leaves nothing, and its error names the file as it would be in the output, not in the
/// partial directory that is already gone.
#[test]
fn a_failed_analysis_names_no_folder_that_is_gone() {
    let sandbox = Sandbox::new();
    let text = small_scenario(
        "full",
        "sobol",
        r#"["participation_rate"]"#,
        "\"levers.outreach\" = [0, 1]\n\"levers.group_size_cap\" = [4, 10]",
    );
    fs::write(sandbox.path().join("full.toml"), text).unwrap();
    let output = crate::util::run_with_size_limit(
        sandbox.path(),
        1,
        &["sensitivity", "full.toml", "--out", "full"],
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("File too large"), "{stderr}");
    assert!(stderr.contains("full/"), "{stderr}");
    assert!(!stderr.contains(".partial"), "{stderr}");
    assert!(!sandbox.path().join("full").exists());
    assert!(!sandbox.path().join(".full.partial").exists());
}
