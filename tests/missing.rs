//! Group metrics of a run in which no group started (docs/ODD.md 8.18): empty cells in
//! runs.csv, left out of summary.csv and comparison.csv instead of entering them as made-up
//! numbers, and `coprod plot` and `coprod compare` still work on such a directory.

use std::collections::BTreeMap;
use std::path::Path;

use crate::util::{Sandbox, csv};

/// The end-of-run metrics that describe started groups.
const GROUP_METRICS: [&str; 5] = [
    "share_active_at_end",
    "mean_group_lifetime",
    "share_lasting_24",
    "median_group_lifetime",
    "group_end_rate",
];

/// A CSV file as one map per row.
fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let (header, rows) = csv(path);
    rows.into_iter()
        .map(|r| header.iter().cloned().zip(r).collect())
        .collect()
}

#[test]
fn runs_without_groups_leave_group_metrics_empty_and_out_of_every_statistic() {
    let sb = Sandbox::new();
    // Nobody joins anything, so no group can start in any variant.
    sb.small_run(&[
        "incentives-vs-ownership",
        "--set",
        "join.base=-20",
        "--out",
        "out",
    ])
    .assert()
    .success();
    let dir = sb.path().join("out");
    assert!(
        !dir.join("failures.csv").exists(),
        "a missing value is not a failure"
    );

    let runs = rows(&dir.join("runs.csv"));
    assert!(!runs.is_empty());
    for run in &runs {
        assert_eq!(run["groups_started"], "0");
        for metric in GROUP_METRICS {
            assert_eq!(run[metric], "", "{metric} of run {}", run["run_id"]);
        }
    }

    for row in rows(&dir.join("summary.csv")) {
        if GROUP_METRICS.contains(&row["metric"].as_str()) {
            assert_eq!(row["n"], "0", "{row:?}");
            for column in ["mean", "sd", "ci_low", "ci_high"] {
                assert_eq!(row[column], "", "{column} of {row:?}");
            }
        }
    }

    let comparison = rows(&dir.join("comparison.csv"));
    let lasting: Vec<_> = comparison
        .iter()
        .filter(|r| r["metric"] == "share_lasting_24")
        .collect();
    assert!(
        !lasting.is_empty(),
        "share_lasting_24 is compared by default"
    );
    for row in lasting {
        assert_eq!(row["n"], "0");
        for (column, value) in row
            .iter()
            .filter(|(c, _)| !["variant", "against", "metric", "n"].contains(&c.as_str()))
        {
            assert_eq!(value, "", "{column} of {row:?}");
        }
    }

    sb.cmd(&["plot", "out"]).assert().success();
    assert!(dir.join("index.html").is_file());
    sb.cmd(&[
        "compare",
        "out",
        "--metric",
        "mean_group_lifetime",
        "--force",
    ])
    .assert()
    .success();
}

/// The defect this guards against: professionals-only service (no opportunities, no
/// initiatives) has no group, and its `share_lasting_24` entered the comparison as 1, a
/// "significant" effect of a variant with nothing to measure.
#[test]
fn a_variant_without_groups_gets_no_estimate_on_group_metrics() {
    let sb = Sandbox::new();
    sb.cmd(&[
        "run",
        "equity",
        "--replications",
        "3",
        "--set",
        "experiment.steps=36",
        "--out",
        "eq",
    ])
    .assert()
    .success();
    let comparison = rows(&sb.path().join("eq/comparison.csv"));
    let row = |variant: &str| {
        comparison
            .iter()
            .find(|r| r["variant"] == variant && r["metric"] == "share_lasting_24")
            .unwrap_or_else(|| panic!("no share_lasting_24 row of {variant}"))
            .clone()
    };
    let none = row("professionals-only");
    assert_eq!(none["n"], "0");
    for column in ["difference", "ci_low", "ci_high", "p_value", "p_holm"] {
        assert_eq!(none[column], "", "{column} of {none:?}");
    }
    // A variant with groups is still compared, on the replications where both have some.
    let some = row("outreach");
    assert!(some["n"].parse::<u32>().unwrap() >= 2, "{some:?}");
    assert!(!some["p_value"].is_empty(), "{some:?}");
}
