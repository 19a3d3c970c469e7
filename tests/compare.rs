//! `comparison.csv` after `coprod run` of a scenario with variants, `coprod compare DIR`
//! recomputing it, and `--target-ci` stopping where the manifest says (docs/comparison.md).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use predicates::prelude::*;

use crate::util::{Sandbox, contents, csv, read, root, succeeds_within_deadline};

/// comparison.csv as one map per row.
fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let (header, rows) = csv(path);
    rows.into_iter()
        .map(|r| header.iter().cloned().zip(r).collect())
        .collect()
}

fn num(row: &BTreeMap<String, String>, key: &str) -> f64 {
    row[key]
        .parse()
        .unwrap_or_else(|_| panic!("{key} = {:?}", row[key]))
}

#[test]
fn run_with_variants_writes_comparison_and_forest_plots() {
    let sandbox = Sandbox::new();
    let dir = sandbox.path().join("out");
    sandbox
        .small_run(&[
            "incentives-vs-ownership",
            "--out",
            dir.to_str().unwrap(),
            "-j",
            "2",
        ])
        .assert()
        .success();
    let path = dir.join("comparison.csv");
    let (header, _) = csv(&path);
    assert_eq!(
        header.join(","),
        "variant,against,metric,n,against_mean,variant_mean,difference,ci_low,ci_high,\
         sd_difference,effect_size_dz,p_value,p_holm"
    );
    let docs = read(&root().join("docs").join("outputs.md"));
    for column in &header {
        assert!(
            docs.contains(&format!("`{column}`")),
            "docs/outputs.md does not document `{column}`"
        );
    }
    let rows = rows(&path);
    // 4 variants x the 9 default metrics.
    assert_eq!(rows.len(), 4 * 9);
    for row in &rows {
        // share_lasting_24 is missing in a run in which no group started (8 steps of 240
        // citizens: some runs have none), and such a pair is left out.
        if row["metric"] == "share_lasting_24" {
            assert!(["0", "1", "2"].contains(&row["n"].as_str()), "{row:?}");
        } else {
            assert_eq!(row["n"], "2", "{row:?}");
        }
        if row["n"] == "0" {
            assert_eq!(row["difference"], "", "{row:?}");
            continue;
        }
        let d = num(row, "difference");
        assert!((d - (num(row, "variant_mean") - num(row, "against_mean"))).abs() < 1e-9);
        if !row["ci_low"].is_empty() {
            assert!(num(row, "ci_low") <= d + 1e-12 && d <= num(row, "ci_high") + 1e-12);
        }
        // Without a sweep each family (one variant, one metric) has a single p-value, which
        // Holm leaves as it is: pooling metrics or variants into one family would raise it.
        assert_eq!(row["p_holm"], row["p_value"], "{row:?}");
    }
    assert!(
        rows.iter()
            .any(|r| !r["p_value"].is_empty() && num(r, "p_value") < 0.9),
        "no variant differs from the baseline: the p_holm check above compares nothing"
    );
    // One forest plot per metric, every row labelled with its variant.
    for metric in ["participation_rate", "service_output"] {
        let svg = read(&dir.join("comparison").join(format!("forest_{metric}.svg")));
        for variant in ["financial", "nonfinancial"] {
            assert!(svg.contains(variant), "{metric}: no row for {variant}");
        }
        assert!(!svg.contains('…'), "{metric}: a label is cut");
    }
    let manifest = read(&dir.join("manifest.json"));
    assert!(manifest.contains("\"comparison.csv\""), "{manifest}");
    assert!(!manifest.contains("\"adaptive\""));

    // `coprod compare` recomputes the same file from runs.csv; --metric narrows it.
    let before = read(&path);
    sandbox
        .cmd(&["compare", dir.to_str().unwrap()])
        .assert()
        .success()
        .stdout(predicate::str::contains("comparison.csv"));
    assert_eq!(read(&path), before);
    // A narrower comparison does not silently replace the file; --force does.
    sandbox
        .cmd(&[
            "compare",
            dir.to_str().unwrap(),
            "--metric",
            "service_output",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("would drop"));
    assert_eq!(read(&path), before);
    sandbox
        .cmd(&[
            "compare",
            dir.to_str().unwrap(),
            "--metric",
            "service_output",
            "--force",
        ])
        .assert()
        .success();
    assert_eq!(rows_of(&path), 4);
    // The other metrics' forest plots are gone with their rows.
    assert!(
        !dir.join("comparison")
            .join("forest_participation_rate.svg")
            .exists()
    );
    assert!(
        !dir.join("comparison")
            .join("forest_participation_rate.png")
            .exists()
    );
    // The forest plot's axis has the field setting's unit.
    let svg = read(&dir.join("comparison").join("forest_service_output.svg"));
    assert!(svg.contains("service output (service units)"), "{svg}");
    sandbox
        .cmd(&["compare", dir.to_str().unwrap(), "--metric", "nonsense"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown metric `nonsense`"));
}

/// A run of the lab setting compares its variants in the lab's units: payoffs in tokens.
#[test]
fn lab_comparisons_are_drawn_in_the_labs_units() {
    let sandbox = Sandbox::new();
    let dir = sandbox.path().join("lab");
    sandbox
        .cmd(&[
            "run",
            "lab-public-goods",
            "--quick",
            "--metric",
            "service_output",
            "--out",
            dir.to_str().unwrap(),
        ])
        .assert()
        .success();
    let svg = read(&dir.join("comparison").join("forest_service_output.svg"));
    assert!(
        svg.contains("service output (mean payoff in tokens)"),
        "{svg}"
    );
}

/// A run of the lab setting compares, by default, what the lab measures (the contribution
/// and the payoff), not the field's metrics, which are 0 or missing in every lab run; so
/// do `coprod compare` and the page that shows the plots.
#[test]
fn lab_runs_compare_what_the_lab_measures() {
    let sandbox = Sandbox::new();
    let dir = sandbox.path().join("lab");
    sandbox
        .cmd(&["run", "lab-public-goods", "--quick", "--out", "lab"])
        .assert()
        .success()
        .stderr(predicate::str::contains("share_lasting_24").not());
    let metrics = |dir: &Path| {
        let mut metrics: Vec<String> = rows(&dir.join("comparison.csv"))
            .iter()
            .map(|r| r["metric"].clone())
            .collect();
        metrics.dedup();
        metrics
    };
    assert_eq!(metrics(&dir), ["mean_contribution", "service_output"]);
    let mut plots: Vec<String> = fs::read_dir(dir.join("comparison"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    plots.sort();
    assert_eq!(
        plots,
        [
            "forest_mean_contribution.png",
            "forest_mean_contribution.svg",
            "forest_service_output.png",
            "forest_service_output.svg"
        ]
    );
    sandbox
        .cmd(&["compare", "lab", "--force"])
        .assert()
        .success();
    assert_eq!(metrics(&dir), ["mean_contribution", "service_output"]);
    // A metric the lab does not measure, asked for by --metric, is warned of as [report]'s
    // is, by `run` and by `compare`.
    let unmeasured = "--metric active_groups: lab runs do not measure it";
    sandbox
        .cmd(&["compare", "lab", "--force", "--metric", "active_groups"])
        .assert()
        .success()
        .stderr(predicate::str::contains(unmeasured));
    sandbox
        .cmd(&["compare", "lab", "--force", "--metric", "mean_contribution"])
        .assert()
        .success()
        .stderr(predicate::str::contains("do not measure").not());
}

fn rows_of(path: &Path) -> usize {
    csv(path).1.len()
}

#[test]
fn target_ci_stops_where_the_manifest_says_for_any_thread_count() {
    let sandbox = Sandbox::new();
    let mut results = Vec::new();
    for threads in ["1", "2"] {
        let dir = sandbox.path().join(format!("adaptive-{threads}"));
        let mut cmd = sandbox.cmd(&[
            "run",
            "incentives-vs-ownership",
            "--set",
            "population.n_citizens=240",
            "--set",
            "population.n_communities=4",
            "--set",
            "experiment.steps=12",
            "--set",
            "experiment.replications=2",
            "--metric",
            "mean_citizen_trust",
            "--target-ci",
            "0.01",
            "--max-replications",
            "6",
            "--out",
            dir.to_str().unwrap(),
            "-j",
            threads,
        ]);
        let out = cmd
            .assert()
            .success()
            .stderr(predicate::str::contains(
                "--target-ci: writing the pilot's runs, not running them again",
            ))
            // The runs are written, not run: no line says they are run again.
            .stderr(predicate::str::contains("replications; running them").not());
        // Nor timed as if they were run.
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        let announced = stderr
            .lines()
            .find(|l| l.starts_with("incentives-vs-ownership: "))
            .expect("the runs are announced");
        assert!(
            announced.ends_with(" steps, the pilot's, written without running them again"),
            "{announced}"
        );
        let manifest: serde_json::Value =
            serde_json::from_str(&read(&dir.join("manifest.json"))).unwrap();
        let adaptive = manifest["adaptive"].clone();
        let reps = adaptive["replications"].as_u64().unwrap();
        assert_eq!(manifest["experiment"]["replications"].as_u64(), Some(reps));
        let widest = rows(&dir.join("comparison.csv"))
            .iter()
            .map(|r| (num(r, "ci_high") - num(r, "ci_low")) / 2.0)
            .fold(0.0_f64, f64::max);
        assert!((widest - adaptive["max_half_width"].as_f64().unwrap()).abs() < 1e-12);
        match adaptive["stopped_because"].as_str().unwrap() {
            "target met" => assert!(widest <= 0.01, "{adaptive}"),
            "cap reached" => assert!(reps == 6 && widest > 0.01, "{adaptive}"),
            other => panic!("unexpected reason {other}"),
        }
        // Every variant had runs, so none is named as having no interval.
        assert_eq!(adaptive["variants_without_runs"], serde_json::json!([]));
        // Batches of 2 replications: 2, 4 or 6.
        assert!(
            reps.is_multiple_of(2) && (2..=6).contains(&reps),
            "{adaptive}"
        );
        results.push((adaptive, read(&dir.join("runs.csv"))));
    }
    assert_eq!(results[0], results[1], "--target-ci depends on --threads");
    // The kept pilot runs are the runs a plain run of that many replications writes.
    let reps = results[0].0["replications"].as_u64().unwrap().to_string();
    let plain = sandbox.path().join("plain");
    sandbox
        .cmd(&[
            "run",
            "incentives-vs-ownership",
            "--set",
            "population.n_citizens=240",
            "--set",
            "population.n_communities=4",
            "--set",
            "experiment.steps=12",
            "--replications",
            &reps,
            "--metric",
            "mean_citizen_trust",
            "--out",
            plain.to_str().unwrap(),
        ])
        .assert()
        .success();
    for file in [
        "runs.csv",
        "timeseries.csv",
        "groups.csv",
        "summary.csv",
        "comparison.csv",
    ] {
        assert_eq!(
            read(&plain.join(file)),
            read(&sandbox.path().join("adaptive-1").join(file)),
            "{file}"
        );
    }
}

/// A quick run whose replications `--target-ci` chose says both on index.html, and that
/// `--quick` lowered them only to its first batch (lab-public-goods has 20; the cap 3).
#[test]
fn the_page_says_what_target_ci_and_quick_each_did() {
    let sandbox = Sandbox::new();
    sandbox
        .cmd(&[
            "run",
            "lab-public-goods",
            "--quick",
            "--target-ci",
            "0.00001",
            "--max-replications",
            "5",
            "--out",
            "lab",
        ])
        .assert()
        .success();
    let dir = sandbox.path().join("lab");
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&dir.join("manifest.json"))).unwrap();
    assert_eq!(manifest["experiment"]["replications"], 5);
    assert_eq!(
        manifest["quick_lowered"]["replications"],
        serde_json::json!({"from": 20, "to": 3})
    );
    let index = read(&dir.join("index.html"));
    for says in [
        "10 runs: 10 rounds each, 5 replications, ",
        "which lowered the replications from 20 to 3)",
        "<p>The replications were chosen by <code>--target-ci 1e-5</code>: 3 replications \
         at a time, until every compared 95% CI half-width was at most the target or 5 were \
         run (<code>--max-replications</code>). It stopped at 5, cap reached: the widest \
         half-width was ",
    ] {
        assert!(index.contains(says), "{says}\n{index}");
    }
}

/// docs/comparison.md: a `--target-ci` run's directory is byte-identical to that of
/// `--replications R` but for manifest.json (its `adaptive`, `options` and `timing`) and
/// index.html (how the replications were chosen, where the other lists `--replications R`).
#[test]
fn target_ci_writes_what_replications_r_writes_but_the_manifest_and_page() {
    let sandbox = Sandbox::new();
    let run = |out: &str, how: &[&str]| {
        let mut args = vec!["run", "lab-public-goods", "--out", out];
        args.extend(how);
        sandbox.cmd(&args).assert().success();
        sandbox.path().join(out)
    };
    let adaptive = run(
        "adaptive",
        &["--target-ci", "0.00001", "--max-replications", "5"],
    );
    let plain = run("plain", &["--replications", "5"]);
    let files = crate::util::files_below(&adaptive);
    assert_eq!(files, crate::util::files_below(&plain));
    let differ: Vec<_> = files
        .iter()
        .filter(|f| fs::read(adaptive.join(f)).unwrap() != fs::read(plain.join(f)).unwrap())
        .map(|f| f.to_string_lossy().into_owned())
        .collect();
    assert_eq!(differ, ["index.html", "manifest.json"]);
    let mut manifests = [&adaptive, &plain].map(|dir| crate::util::manifest_without_timing(dir));
    assert!(manifests[0]["adaptive"].is_object() && manifests[1]["adaptive"].is_null());
    assert_eq!(manifests[1]["options"][0]["option"], "--replications");
    for m in &mut manifests {
        let m = m.as_object_mut().unwrap();
        m.remove("adaptive");
        m.remove("options");
    }
    assert_eq!(manifests[0], manifests[1]);
}

/// `--metric` and `--against` on a scenario without variants compare nothing, and say so.
#[test]
fn metric_options_without_variants_are_warned_of() {
    let sandbox = Sandbox::new();
    for (out, option) in [
        ("m", ["--metric", "participation_rate"]),
        ("a", ["--against", "baseline"]),
    ] {
        let mut args = vec!["run", "baseline", "--quick", "--out", out];
        args.extend(option);
        sandbox
            .cmd(&args)
            .assert()
            .success()
            .stderr(predicate::str::contains(
                "scenario `baseline` has no variants to compare: no comparison.csv is written",
            ));
    }
}

#[test]
fn target_ci_needs_variants() {
    Sandbox::new()
        .cmd(&["run", "baseline", "--quick", "--target-ci", "0.1"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("needs a scenario with variants"));
}

#[test]
fn a_two_lever_sweep_gets_mean_and_ci_width_heatmaps() {
    let sandbox = Sandbox::new();
    std::fs::write(
        sandbox.path().join("two.toml"),
        "name = \"two-levers\"\n\
         [params.population]\nn_citizens = 240\nn_communities = 4\n\
         [experiment]\nsteps = 8\nreplications = 2\n\
         [experiment.sweep]\n\"levers.outreach\" = [0.0, 1.0]\n\
         \"levers.participation_cost\" = [0.2, 0.6]\n",
    )
    .unwrap();
    sandbox
        .cmd(&["run", "two.toml", "--out", "two", "-j", "2"])
        .assert()
        .success();
    let charts = sandbox.path().join("two").join("charts");
    for stem in [
        "heatmap_participation_rate_baseline",
        "heatmap_ci_width_participation_rate_baseline",
    ] {
        assert!(
            charts.join(format!("{stem}.png")).is_file(),
            "{stem} missing"
        );
        assert!(
            charts.join(format!("{stem}.svg")).is_file(),
            "{stem} missing"
        );
    }
    let svg = read(&charts.join("heatmap_ci_width_participation_rate_baseline.svg"));
    assert!(svg.contains("95% CI width"), "no CI-width label");
}

/// `--against NAME` compares every other variant with NAME, on `run` and on `compare`; an
/// unknown name is refused before anything runs.
#[test]
fn against_compares_with_any_variant() {
    let sandbox = Sandbox::new();
    let dir = sandbox.path().join("out");
    sandbox
        .small_run(&[
            "incentives-vs-ownership",
            "--against",
            "financial",
            "--metric",
            "participation_rate",
            "--out",
            dir.to_str().unwrap(),
        ])
        .assert()
        .success();
    let rows = rows(&dir.join("comparison.csv"));
    assert_eq!(
        rows.len(),
        4,
        "the baseline and 3 other variants against financial"
    );
    assert!(rows.iter().all(|r| r["against"] == "financial"));
    assert!(rows.iter().any(|r| r["variant"] == "baseline"));
    assert!(rows.iter().all(|r| r["variant"] != "financial"));
    let svg = read(&dir.join("comparison/forest_participation_rate.svg"));
    assert!(
        svg.contains("variants minus financial"),
        "title names the reference"
    );
    // The report's forest plots compare with the same reference as comparison.csv.
    let charted = || read(&dir.join("charts/forest_participation_rate.svg"));
    assert!(
        charted().contains("Variants minus financial"),
        "charts/ too"
    );
    // manifest.json records the comparison's options, as shard.json records --metric.
    let manifest = || -> serde_json::Value {
        serde_json::from_str(&read(&dir.join("manifest.json"))).unwrap()
    };
    let before = manifest();
    assert_eq!(
        before["comparison"],
        serde_json::json!({"metrics": ["participation_rate"], "against": "financial"})
    );

    // `coprod compare --against` a variant the run had.
    sandbox
        .cmd(&[
            "compare",
            dir.to_str().unwrap(),
            "--metric",
            "participation_rate",
            "--against",
            "financial",
        ])
        .assert()
        .success();
    assert!(
        self::rows(&dir.join("comparison.csv"))
            .iter()
            .all(|r| r["against"] == "financial")
    );

    // The same from `coprod compare`, back to the baseline (a different reference: --force).
    sandbox
        .cmd(&[
            "compare",
            dir.to_str().unwrap(),
            "--metric",
            "participation_rate",
        ])
        .assert()
        .code(2);
    sandbox
        .cmd(&[
            "compare",
            dir.to_str().unwrap(),
            "--metric",
            "participation_rate",
            "--force",
        ])
        .assert()
        .success();
    let rows = self::rows(&dir.join("comparison.csv"));
    assert!(rows.iter().all(|r| r["against"] == "baseline"));
    assert!(
        charted().contains("Variants minus baseline"),
        "charts/ redrawn"
    );
    // `coprod compare` rewrites the manifest's comparison and nothing else of it.
    let mut after = manifest();
    assert_eq!(
        after["comparison"],
        serde_json::json!({"metrics": ["participation_rate"], "against": "baseline"})
    );
    after["comparison"] = before["comparison"].clone();
    assert_eq!(after, before);
    // index.html shows the new forest plot, and links only to plots that are there.
    let index = read(&dir.join("index.html"));
    let png = std::fs::read(dir.join("comparison/forest_participation_rate.png")).unwrap();
    let shown = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &png);
    assert!(
        index.contains(&shown),
        "index.html shows the earlier forest plot"
    );
    for link in index.split("href=\"").skip(1) {
        let target = &link[..link.find('"').unwrap()];
        if !target.contains("://") && !target.ends_with('/') {
            assert!(
                dir.join(target).exists(),
                "index.html links to a missing {target}"
            );
        }
    }

    // Without a manifest.json to record --against in, the report's forest plots still
    // follow comparison.csv, not the first variant.
    std::fs::remove_file(dir.join("manifest.json")).unwrap();
    sandbox
        .cmd(&[
            "compare",
            dir.to_str().unwrap(),
            "--metric",
            "participation_rate",
            "--against",
            "financial",
            "--force",
        ])
        .assert()
        .success();
    assert!(
        self::rows(&dir.join("comparison.csv"))
            .iter()
            .all(|r| r["against"] == "financial")
    );
    assert!(
        charted().contains("Variants minus financial"),
        "charts/ follow comparison.csv without a manifest"
    );

    for args in [
        vec![
            "compare",
            dir.to_str().unwrap(),
            "--against",
            "nosuch",
            "--force",
        ],
        vec![
            "run",
            "incentives-vs-ownership",
            "--quick",
            "--against",
            "nosuch",
        ],
    ] {
        sandbox
            .cmd(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("no variant `nosuch`"));
    }
    assert!(!sandbox.path().join("outputs").exists(), "nothing ran");
}

/// Holm's adjustment runs within each family (one variant, one metric, its sweep points):
/// with 3 sweep points, each p_holm is Holm's value over its family's three p-values.
/// At 36 months the variants' interventions (from month 12) have acted, so the p-values
/// differ from 1 and the adjustment has something to do.
#[test]
fn holm_families_are_per_variant_and_metric() {
    let sandbox = Sandbox::new();
    let dir = sandbox.path().join("out");
    sandbox
        .cmd(&[
            "run",
            "trust-trap",
            "--set",
            "population.n_citizens=240",
            "--set",
            "population.n_communities=4",
            "--set",
            "experiment.steps=36",
            "--replications",
            "3",
            "--out",
            dir.to_str().unwrap(),
        ])
        .assert()
        .success();
    let rows = rows(&dir.join("comparison.csv"));
    let (header, _) = csv(&dir.join("comparison.csv"));
    let swept = &header[2];
    assert_eq!(swept, "orgs.trust_in_citizens_mean");
    // Each family's (row index, p_value), every row in exactly one family.
    let mut families: BTreeMap<(String, String), Vec<(usize, f64)>> = BTreeMap::new();
    for (i, r) in rows.iter().enumerate() {
        assert!(!r["p_value"].is_empty(), "{r:?}");
        families
            .entry((r["variant"].clone(), r["metric"].clone()))
            .or_default()
            .push((i, num(r, "p_value")));
    }
    // 3 variants x 9 metrics, each over the 3 sweep points.
    assert_eq!(families.len(), 3 * 9);
    assert!(families.values().all(|f| f.len() == 3), "{families:?}");
    // Holm within each family, computed here: sort the p-values, multiply the k-th
    // smallest (from 0) by (size - k), cap at 1, and carry the running maximum.
    let mut expected = vec![f64::NAN; rows.len()];
    for family in families.values() {
        let mut sorted = family.clone();
        sorted.sort_by(|a, b| a.1.total_cmp(&b.1));
        let m = sorted.len();
        let mut running = 0.0_f64;
        for (k, &(i, p)) in sorted.iter().enumerate() {
            running = running.max((p * (m - k) as f64).min(1.0));
            // (Tied p-values get the same value: the later one's product is no larger.)
            expected[i] = running;
        }
    }
    for (r, expected) in rows.iter().zip(&expected) {
        assert!(
            (num(r, "p_holm") - expected).abs() < 1e-12,
            "{swept}: {r:?} vs Holm {expected}"
        );
    }
    // The run really compares something, and the adjustment really adjusts.
    let p = |r: &BTreeMap<String, String>| num(r, "p_value");
    let p_holm = |r: &BTreeMap<String, String>| num(r, "p_holm");
    assert!(
        rows.iter().filter(|r| p(r) < 0.5).count() >= 10,
        "too few small p-values: the variants do not differ from the baseline"
    );
    assert!(
        rows.iter().any(|r| p(r) < p_holm(r) && p_holm(r) < 1.0),
        "no p-value raised by Holm below the cap of 1"
    );
    assert!(
        families.values().any(|f| {
            let mut distinct: Vec<f64> = f.iter().map(|x| x.1).filter(|&p| p < 1.0).collect();
            distinct.sort_by(f64::total_cmp);
            distinct.dedup();
            distinct.len() == f.len()
        }),
        "no family has three distinct p-values below 1"
    );
}

/// `coprod run lab-designs` with `replications` replications into `sandbox/out`.
fn lab_designs(sandbox: &Sandbox, replications: u32) -> std::path::PathBuf {
    let dir = sandbox.path().join("out");
    let reps = format!("experiment.replications={replications}");
    sandbox
        .cmd(&[
            "run",
            "lab-designs",
            "--set",
            &reps,
            "--out",
            dir.to_str().unwrap(),
        ])
        .assert()
        .success();
    dir
}

/// `coprod compare DIR --metric mean_contribution --force --published FILE`.
fn compare_published(sandbox: &Sandbox, dir: &Path, file: &Path) -> assert_cmd::assert::Assert {
    compare_published_with(sandbox, dir, file, &["--force"])
}

/// `coprod compare DIR --metric mean_contribution EXTRA --published FILE`.
fn compare_published_with(
    sandbox: &Sandbox,
    dir: &Path,
    file: &Path,
    extra: &[&str],
) -> assert_cmd::assert::Assert {
    let mut args = vec![
        "compare",
        dir.to_str().unwrap(),
        "--metric",
        "mean_contribution",
    ];
    args.extend_from_slice(extra);
    args.extend(["--published", file.to_str().unwrap()]);
    sandbox.cmd(&args).assert()
}

/// runs.csv values of `metric` for `variant`, by replication.
fn run_values(dir: &Path, variant: &str, metric: &str) -> BTreeMap<String, f64> {
    rows(&dir.join("runs.csv"))
        .iter()
        .filter(|r| r["variant"] == variant)
        .map(|r| (r["replication"].clone(), num(r, metric)))
        .collect()
}

#[test]
fn published_values_are_compared_with_the_run() {
    let sandbox = Sandbox::new();
    let dir = lab_designs(&sandbox, 4);
    let file = sandbox.path().join("p.csv");
    std::fs::write(
        &file,
        "variant,metric,kind,value,se,design,source,read_in\n\
         baseline,mean_contribution,level,0.2,0.01,d,s,r\n\
         groups-of-10,mean_contribution,effect,0.1,,d,s,r\n\
         mpcr-0.3,mean_contribution,effect,negative,,d,s,r\n",
    )
    .unwrap();
    compare_published(&sandbox, &dir, &file)
        .success()
        .stdout(predicate::str::contains("published.csv"))
        .stdout(predicate::str::contains(
            "| baseline | mean_contribution | level | 0.2000",
        ));
    let published = rows(&dir.join("published.csv"));
    assert_eq!(published.len(), 3);
    let values: Vec<&str> = published.iter().map(|r| r["published"].as_str()).collect();
    assert_eq!(values, ["0.2", "0.1", "negative"], "as the file gave them");
    // The level is the baseline's mean over its replications in runs.csv.
    let base = run_values(&dir, "baseline", "mean_contribution");
    assert_eq!(base.len(), 4);
    let mean = base.values().sum::<f64>() / 4.0;
    assert!((num(&published[0], "model") - mean).abs() < 1e-6);
    assert!((num(&published[0], "model_minus_published") - (mean - 0.2)).abs() < 1e-6);
    assert!(
        num(&published[0], "model_ci_low") < mean && mean < num(&published[0], "model_ci_high")
    );
    // An effect is the paired difference comparison.csv gives.
    let comparison = rows(&dir.join("comparison.csv"));
    for (i, variant) in [(1, "groups-of-10"), (2, "mpcr-0.3")] {
        let c = comparison
            .iter()
            .find(|r| r["variant"] == variant)
            .expect("compared");
        assert!((num(&published[i], "model") - num(c, "difference")).abs() < 1e-6);
        assert!((num(&published[i], "model_ci_low") - num(c, "ci_low")).abs() < 1e-6);
    }
    let d = num(&published[1], "model");
    assert!((num(&published[1], "model_minus_published") - (d - 0.1)).abs() < 1e-6);
    assert_eq!(published[2]["model_minus_published"], "");
    let lower = num(&published[2], "model_ci_high") < 0.0;
    assert_eq!(published[2]["verdict"] == "agrees", lower);

    // The shipped file of published values matches the shipped scenario's variants.
    let shipped = root().join("data").join("lab-designs-published.csv");
    compare_published(&sandbox, &dir, &shipped).success();
}

/// `coprod compare DIR --metric mean_contribution --published FILE`, without `--force`.
fn compare_published_unforced(
    sandbox: &Sandbox,
    dir: &Path,
    file: &Path,
) -> assert_cmd::assert::Assert {
    compare_published_with(sandbox, dir, file, &[])
}

/// A published.csv written from one file is not replaced by one that drops its claims
/// (written from another file) unless `--force` is given.
#[test]
fn published_claims_are_not_dropped_without_force() {
    let sandbox = Sandbox::new();
    let dir = lab_designs(&sandbox, 2);
    let h = "variant,metric,kind,value,se,design,source,read_in\n";
    let both = sandbox.path().join("both.csv");
    std::fs::write(
        &both,
        format!(
            "{h}baseline,mean_contribution,level,0.2,0.01,d,s,r\n\
             mpcr-0.3,mean_contribution,effect,negative,,d,s,r\n"
        ),
    )
    .unwrap();
    let one = sandbox.path().join("one.csv");
    std::fs::write(
        &one,
        format!("{h}baseline,mean_contribution,level,0.2,0.01,d,s,r\n"),
    )
    .unwrap();
    compare_published(&sandbox, &dir, &both).success();
    let published = dir.join("published.csv");
    let before = std::fs::read(&published).unwrap();
    // The manifest lists it with the directory's other tables, once.
    let files = || -> Vec<String> {
        let manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap())
                .unwrap();
        serde_json::from_value(manifest["files"].clone()).unwrap()
    };
    assert_eq!(
        files().iter().filter(|f| *f == "published.csv").count(),
        1,
        "{:?}",
        files()
    );
    let comparison = outputs(&dir);
    compare_published_unforced(&sandbox, &dir, &one)
        .code(2)
        .stderr(predicate::str::contains(format!(
            "{} already holds 1 published claim this comparison would drop: the effect of \
             `mean_contribution` in mpcr-0.3",
            published.display()
        )))
        .stderr(predicate::str::contains("hint: add --force"));
    assert_eq!(std::fs::read(&published).unwrap(), before, "kept as it was");
    assert_eq!(outputs(&dir), comparison, "nothing else replaced either");
    // The same file again drops nothing; --force replaces it.
    compare_published_unforced(&sandbox, &dir, &both).success();
    assert_eq!(std::fs::read(&published).unwrap(), before);
    compare_published(&sandbox, &dir, &one).success();
    assert_eq!(rows(&published).len(), 1);
    assert_eq!(
        files().iter().filter(|f| *f == "published.csv").count(),
        1,
        "{:?}",
        files()
    );
    // A published.csv that is not this version's table is not replaced unasked either.
    std::fs::write(&published, "variant,claim\nbaseline,edited by hand\n").unwrap();
    compare_published_unforced(&sandbox, &dir, &one)
        .code(2)
        .stderr(predicate::str::contains(
            "cannot be read as a published.csv of this coprod, so what it holds is not known",
        ))
        .stderr(predicate::str::contains("hint: add --force to replace it"));
    assert_eq!(
        std::fs::read_to_string(&published).unwrap(),
        "variant,claim\nbaseline,edited by hand\n"
    );
    compare_published(&sandbox, &dir, &one).success();
    assert_eq!(rows(&published).len(), 1);
}

/// With one replication an effect is the run's difference from the baseline, with no
/// interval and an `undetermined` verdict.
#[test]
fn a_published_effect_of_one_replication_is_the_difference_without_an_interval() {
    let sandbox = Sandbox::new();
    let dir = lab_designs(&sandbox, 1);
    let file = sandbox.path().join("p.csv");
    std::fs::write(
        &file,
        "variant,metric,kind,value,se,design,source,read_in\n\
         groups-of-10,mean_contribution,effect,0.1,,d,s,r\n",
    )
    .unwrap();
    compare_published(&sandbox, &dir, &file).success();
    let published = rows(&dir.join("published.csv"));
    let x = run_values(&dir, "groups-of-10", "mean_contribution")["0"];
    let y = run_values(&dir, "baseline", "mean_contribution")["0"];
    assert!((num(&published[0], "model") - (x - y)).abs() < 1e-9);
    assert_eq!(published[0]["model_ci_low"], "");
    assert_eq!(published[0]["verdict"], "undetermined");
}

#[test]
fn bad_published_values_name_file_line_and_column() {
    let sandbox = Sandbox::new();
    let dir = lab_designs(&sandbox, 2);
    let h = "variant,metric,kind,value,se,design,source,read_in\n";
    let cases = [
        (
            format!(
                "{h}baseline,mean_contribution,level,0.2,,d,s,r\nnope,mean_contribution,effect,none,,d,s,r\n"
            ),
            "p.csv:3:1: variant `nope` is not in the run".to_string(),
        ),
        (
            format!("{h}baseline,mean_contribution,effect,positive,,d,s,r\n"),
            "p.csv:2:3: an effect is a difference from the baseline".to_string(),
        ),
        (
            format!("{h}partners,mean_contribution,effect,up,,d,s,r\n"),
            "p.csv:2:4: value `up`".to_string(),
        ),
    ];
    // The file is checked in full before comparison.csv or a chart is replaced.
    let before = outputs(&dir);
    assert!(
        before
            .iter()
            .any(|(name, _, _)| name.starts_with("comparison/forest_"))
    );
    let cases = cases.into_iter().chain([(
        format!("{h}baseline,mean_contribution,weird,0.01,0.002,d,s,r\n"),
        "p.csv:2:3:".to_string(),
    )]);
    for (text, want) in cases {
        let file = sandbox.path().join("p.csv");
        std::fs::write(&file, text).unwrap();
        compare_published(&sandbox, &dir, &file)
            .code(2)
            .stderr(predicate::str::contains(want.clone()));
        assert_eq!(outputs(&dir), before, "{want}");
    }
}

/// comparison.csv and the files of comparison/ with their inodes and bytes.
fn outputs(dir: &Path) -> Vec<(String, u64, Vec<u8>)> {
    use std::os::unix::fs::MetadataExt;
    let mut paths = vec![dir.join("comparison.csv")];
    for entry in std::fs::read_dir(dir.join("comparison")).unwrap() {
        paths.push(entry.unwrap().path());
    }
    let mut out: Vec<(String, u64, Vec<u8>)> = paths
        .iter()
        .map(|p| {
            let name = p.strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            (
                name,
                std::fs::metadata(p).unwrap().ino(),
                std::fs::read(p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// `coprod compare` refuses a damaged directory (runs.csv cut short) before writing
/// anything, as `coprod plot` does; and a report that cannot be redrawn after comparison.csv
/// was written is an error, not a warning.
#[test]
fn compare_refuses_a_damaged_directory_and_fails_if_the_page_cannot_follow() {
    let sandbox = Sandbox::new();
    sandbox
        .small_run(&[
            "incentives-vs-ownership",
            "-m",
            "participation_rate",
            "--out",
            "out",
        ])
        .assert()
        .success();
    let dir = sandbox.path().join("out");
    let runs = dir.join("runs.csv");
    let full = read(&runs);
    let comparison = read(&dir.join("comparison.csv"));
    let cut: Vec<&str> = full.lines().collect();
    fs::write(&runs, cut[..cut.len() - 1].join("\n") + "\n").unwrap();
    sandbox
        .cmd(&["compare", "out", "-m", "participation_rate"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "runs.csv has 9 runs, but manifest.json records 10",
        ));
    assert_eq!(read(&dir.join("comparison.csv")), comparison);

    fs::write(&runs, full).unwrap();
    fs::remove_dir_all(dir.join("charts")).unwrap();
    fs::write(dir.join("charts"), "in the way").unwrap();
    sandbox
        .cmd(&["compare", "out", "-m", "participation_rate"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "comparison.csv was written, but index.html still shows the earlier comparison",
        ))
        .stderr(predicate::str::contains(
            "hint: once the cause is fixed, `coprod plot out`",
        ));
}

/// A metric asked for twice is compared once: the same comparison.csv (rows and Holm
/// families) as asking once, from `coprod run` and from `coprod compare`.
#[test]
fn a_repeated_metric_is_compared_once() {
    let sandbox = Sandbox::new();
    let once = ["-m", "participation_rate", "-m", "efficiency"];
    let twice = [
        "-m",
        "participation_rate",
        "--metric",
        "efficiency",
        "-m",
        "participation_rate",
    ];
    for (out, metrics) in [("once", &once[..]), ("twice", &twice[..])] {
        let mut args = vec!["incentives-vs-ownership", "--out", out];
        args.extend_from_slice(metrics);
        sandbox.small_run(&args).assert().success();
    }
    let table = |dir: &str| read(&sandbox.path().join(dir).join("comparison.csv"));
    assert_eq!(table("twice"), table("once"));
    let mut args = vec!["compare", "once", "--force"];
    args.extend_from_slice(&twice);
    sandbox.cmd(&args).assert().success();
    assert_eq!(table("once"), table("twice"));
}

/// A scenario asking for more replications than `--max-replications` runs one batch of the
/// cap, and the manifest records that batch, not the scenario's number.
#[test]
fn target_ci_batches_are_no_larger_than_the_cap() {
    let sandbox = Sandbox::new();
    let dir = sandbox.path().join("capped");
    sandbox
        .cmd(&[
            "run",
            "incentives-vs-ownership",
            "--set",
            "population.n_citizens=240",
            "--set",
            "population.n_communities=4",
            "--set",
            "experiment.steps=6",
            "--set",
            "experiment.replications=5",
            "--target-ci",
            "0.0001",
            "--max-replications",
            "3",
            "--out",
            dir.to_str().unwrap(),
        ])
        .assert()
        .success();
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&dir.join("manifest.json"))).unwrap();
    let adaptive = &manifest["adaptive"];
    assert_eq!(adaptive["batch"], 3, "{adaptive}");
    assert_eq!(adaptive["replications"], 3, "{adaptive}");
    assert_eq!(adaptive["stopped_because"], "cap reached", "{adaptive}");
}

/// With `--target-ci`, the output directory is checked before the pilot: an existing one
/// is refused at once, and `--resume` of a finished one says so without the pilot.
#[test]
fn target_ci_checks_the_output_before_the_pilot() {
    let sandbox = Sandbox::new();
    let ci_run = |out: &str, extra: &[&str]| {
        let mut args = vec![
            "run",
            "incentives-vs-ownership",
            "--set",
            "population.n_citizens=240",
            "--set",
            "population.n_communities=4",
            "--set",
            "experiment.steps=8",
            "-m",
            "mean_citizen_trust",
            "--target-ci",
            "0.5",
            "--max-replications",
            "4",
            "--out",
            out,
        ];
        args.extend_from_slice(extra);
        sandbox.cmd(&args)
    };
    ci_run("ci", &[]).assert().success();
    let manifest = read(&sandbox.path().join("ci").join("manifest.json"));
    ci_run("ci", &[])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "output directory ci already exists",
        ))
        .stderr(predicate::str::contains("--target-ci: running").not());
    ci_run("ci", &["--resume"])
        .assert()
        .success()
        .stderr(predicate::str::contains("ci is already complete"))
        .stderr(predicate::str::contains("--target-ci: running").not());
    assert_eq!(
        read(&sandbox.path().join("ci").join("manifest.json")),
        manifest
    );
    sandbox
        .small_run(&["baseline", "--out", "plain"])
        .assert()
        .success();
    // A finished directory of another scenario is no run of this one to resume.
    ci_run("plain", &["--resume"]).assert().code(2);
    // A finished directory whose manifest.json does not parse is named with the JSON error,
    // as a plain `--resume` names it (it said only that there was nothing to resume).
    let path = sandbox.path().join("ci").join("manifest.json");
    let damaged = format!("\u{feff}{manifest}");
    fs::write(&path, &damaged).unwrap();
    let files = crate::util::files_below(&sandbox.path().join("ci"));
    ci_run("ci", &["--resume"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "error: cannot resume ci: ci/manifest.json: expected value at line 1 column 1\n\n\
             hint: restore its manifest.json, or run without --resume into another --out DIR\n",
        ))
        .stderr(predicate::str::contains("nothing to resume").not())
        .stderr(predicate::str::contains("--target-ci: running").not());
    assert_eq!(read(&path), damaged);
    assert_eq!(crate::util::files_below(&sandbox.path().join("ci")), files);
}

/// `compare -j N` draws its forest plots and the report's charts on N threads, as `run -j N`
/// does, and writes the same bytes for any N, whatever size the global pool has
/// (RAYON_NUM_THREADS, unlike either -j). Within a deadline, so that a deadlock fails the
/// test.
#[test]
fn compare_j_writes_the_same_files_on_any_number_of_threads() {
    let sandbox = Sandbox::new();
    let dir = sandbox.path().join("out");
    sandbox
        .small_run(&["incentives-vs-ownership", "--out", "out"])
        .assert()
        .success();
    let written: Vec<_> = [1, 2]
        .iter()
        .map(|&threads| {
            let n = threads.to_string();
            let args = [
                "compare",
                "out",
                "--against",
                "financial",
                "--force",
                "-j",
                &n,
            ];
            let pool =
                succeeds_within_deadline(sandbox.path(), &args, &[("RAYON_NUM_THREADS", "3")]);
            assert_eq!(
                pool, threads,
                "threads of the -j pool seen during compare -j {n}"
            );
            contents(&dir)
        })
        .collect();
    assert!(
        written[0] == written[1],
        "compare -j 1 and -j 2 wrote different files"
    );
}

/// The caption of a forest chart that averages over the sweep points sends readers to
/// comparison.csv and comparison/ for each point only when they hold the chart's metric:
/// after `coprod compare --metric M --force` they hold M alone.
#[test]
fn forest_captions_point_to_the_comparison_only_for_its_metrics() {
    let sandbox = Sandbox::new();
    sandbox
        .small_run(&["group-size", "--out", "gs", "-j", "1"])
        .assert()
        .success();
    let page = sandbox.path().join("gs").join("index.html");
    let each_point = "comparison.csv and comparison/ give each sweep point.";
    let caption = |text: &str, metric: &str| -> String {
        let chart = format!("charts/forest_{metric}.svg");
        let end = text.find(&chart).unwrap_or_else(|| panic!("no {chart}"));
        let start = text[..end].rfind("<figcaption>").expect("a caption");
        text[start..end].to_string()
    };
    let before = read(&page);
    let caption_before = caption(&before, "share_lasting_24");
    assert!(caption_before.contains(each_point), "{caption_before}");
    sandbox
        .cmd(&[
            "compare",
            "gs",
            "--metric",
            "service_output",
            "--force",
            "-j",
            "1",
        ])
        .assert()
        .success();
    let after = read(&page);
    for metric in [
        "share_lasting_24",
        "median_group_lifetime",
        "participation_rate",
    ] {
        let caption = caption(&after, metric);
        assert!(!caption.contains(each_point), "{metric}: {caption}");
        assert!(
            caption.contains(
                "comparison.csv and comparison/ hold other metrics, not this one, so no file \
                 gives each sweep point of it."
            ),
            "{metric}: {caption}"
        );
    }
}
