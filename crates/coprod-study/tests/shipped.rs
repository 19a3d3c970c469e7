//! The shipped scenarios are registered in code (`SHIPPED`) and listed in docs/scenarios.md:
//! both name the same scenarios in the same order, and each is `scenarios/<name>.toml`.

use std::path::Path;

use coprod_study::{SHIPPED, Study};

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

/// The names in the first column of the table under `## Shipped scenarios`.
fn documented() -> Vec<String> {
    let text = std::fs::read_to_string(root().join("docs/scenarios.md")).unwrap();
    let section = text
        .split("\n## Shipped scenarios\n")
        .nth(1)
        .expect("docs/scenarios.md has a section `Shipped scenarios`");
    let section = section.split("\n## ").next().unwrap();
    section
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once('`').map(|(name, _)| name.to_string()))
        .collect()
}

#[test]
fn docs_list_the_shipped_scenarios_in_their_order() {
    let registered: Vec<String> = SHIPPED.iter().map(|(n, _)| n.to_string()).collect();
    assert_eq!(documented(), registered);
}

#[test]
fn every_shipped_scenario_is_its_file_and_loads_by_name() {
    for (name, text) in SHIPPED {
        let file = root().join("scenarios").join(format!("{name}.toml"));
        assert_eq!(std::fs::read_to_string(&file).unwrap(), *text, "{name}");
        let study = Study::load(name).unwrap();
        assert_eq!(study.scenario().name, *name);
        assert!(!study.scenario().description.is_empty(), "{name}");
    }
}
