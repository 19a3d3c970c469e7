//! `coprod validate`: the whole suite of propositions with the replications each needs,
//! every verdict asserted, an ablation row for every emergent proposition.

use std::collections::BTreeMap;

use crate::util::{Sandbox, root};

/// The 27 propositions of docs/claims.md.
const PROPOSITIONS: [&str; 27] = [
    "P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9", "B1", "B2", "B3", "B4", "B5", "B6", "E1",
    "E2", "E3", "E4", "O1", "O2", "O3", "O4", "C1", "C2", "C3", "C4",
];

fn rows(path: &std::path::Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).expect("validation.csv");
    let header = reader.headers().expect("header").clone();
    reader
        .records()
        .map(|r| {
            let r = r.expect("row");
            header
                .iter()
                .map(String::from)
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect()
}

#[test]
fn every_proposition_has_a_validation_scenario() {
    for id in PROPOSITIONS {
        let path = root()
            .join("scenarios/validation")
            .join(format!("{id}.toml"));
        assert!(path.is_file(), "{} is missing", path.display());
    }
}

#[test]
fn the_whole_suite_passes_with_ablations_for_emergent_claims() {
    let sandbox = Sandbox::new();
    let out = sandbox.path().join("validation");
    let assert = sandbox
        .cmd(&["validate", "--out", out.to_str().unwrap(), "-j", "2"])
        .assert()
        .success();
    let stdout = String::from_utf8_lossy(&assert.get_output().stdout).to_string();
    assert!(stdout.contains("27 of 27 propositions pass"), "{stdout}");
    let rows = rows(&out.join("validation.csv"));
    let by_id: BTreeMap<&str, &BTreeMap<String, String>> =
        rows.iter().map(|r| (r["id"].as_str(), r)).collect();
    for id in PROPOSITIONS {
        let row = by_id
            .get(id)
            .unwrap_or_else(|| panic!("{id} missing from validation.csv"));
        assert_eq!(row["verdict"], "PASS", "{id}: {row:?}");
        assert!(
            row["n"].parse::<u64>().unwrap() >= 30,
            "{id} has fewer than 30 replications"
        );
        if row["kind"].contains("emergent") {
            assert!(!row["ablation_effect"].is_empty(), "{id} has no ablation");
        }
    }
    for id in ["X1", "X2"] {
        assert_eq!(by_id[id]["verdict"], "EXPLORATORY");
    }
    assert!(out.join("validation_forest.png").is_file());
    assert!(out.join("manifest.json").is_file());
}

#[test]
fn unknown_ids_are_refused_with_the_list_of_ids() {
    let sandbox = Sandbox::new();
    sandbox
        .cmd(&["validate", "--only", "Z9"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no validation experiment `Z9`"))
        .stderr(predicates::str::contains("hint: the ids are P1"));
    assert!(!sandbox.path().join("outputs").exists());
}
