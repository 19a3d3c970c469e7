//! Figures the docs quote that the program produces are checked against the program, so
//! the docs cannot drift: every run count quoted beside a `coprod run NAME`,
//! `coprod teach NAME` or `coprod sensitivity NAME` command (README and docs) against
//! `coprod check`, and the example numbers of docs/sensitivity.md against a run of the
//! shipped example (tests/sensitivity.rs runs it).

use std::fs;

use crate::util::{Sandbox, root};

/// The docs this check covers (docs/validation.md and docs/performance.md quote their own
/// measurements and are checked by their own tests).
const DOCS: [&str; 8] = [
    "README.md",
    "docs/teaching.md",
    "docs/sensitivity.md",
    "docs/comparison.md",
    "docs/cluster.md",
    "docs/scenarios.md",
    "docs/outputs.md",
    "docs/errors.md",
];

/// The number before " runs" in `text`, if any ("2,216 runs" gives 2216).
fn quoted_runs(text: &str) -> Option<u64> {
    let at = text.find(" runs")?;
    let digits: String = text[..at]
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .collect::<String>()
        .chars()
        .rev()
        .filter(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// `coprod check NAME`: the runs of `coprod run NAME`, and of `coprod sensitivity NAME`.
fn counted_runs(sb: &Sandbox, name: &str) -> (u64, Option<u64>) {
    let out = sb.cmd(&["check", name]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let run = quoted_runs(&text).unwrap_or_else(|| panic!("no run count for {name}: {text}"));
    let sensitivity = text
        .split("`coprod sensitivity`:")
        .nth(1)
        .and_then(quoted_runs);
    (run, sensitivity)
}

#[test]
fn run_counts_quoted_beside_commands_are_what_the_program_runs() {
    let sb = Sandbox::new();
    let mut checked = 0;
    for doc in DOCS {
        let text = fs::read_to_string(root().join(doc)).unwrap();
        for (n, line) in text.lines().enumerate() {
            for (command, sensitivity) in [
                ("coprod run ", false),
                ("coprod teach ", false),
                ("coprod sensitivity ", true),
            ] {
                for (at, _) in line.match_indices(command) {
                    let after = &line[at + command.len()..];
                    let name: String = after
                        .chars()
                        .take_while(|c| !c.is_whitespace() && *c != '`')
                        .collect();
                    // The figure must belong to this command: up to the next command.
                    let rest = &after[name.len()..];
                    let rest = &rest[..rest.find("coprod ").unwrap_or(rest.len())];
                    // Flags change the count; only plain `coprod run NAME` lines are figures.
                    let Some(quoted) = quoted_runs(rest) else {
                        continue;
                    };
                    if name.is_empty() || name.starts_with('-') || rest.contains(" --") {
                        continue;
                    }
                    let (run, design) = counted_runs(&sb, &name);
                    let expected = if sensitivity { design.unwrap() } else { run };
                    assert_eq!(
                        quoted,
                        expected,
                        "{doc}:{}: `{}{name}` quotes {quoted} runs, the program runs {expected}",
                        n + 1,
                        command
                    );
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 2, "found {checked} quoted run counts");
}

/// The cells of the Markdown table rows of the section `heading` of a doc.
fn table_rows(doc: &str, heading: &str) -> Vec<Vec<String>> {
    let start = doc
        .find(heading)
        .unwrap_or_else(|| panic!("no {heading:?}"));
    let section = &doc[start + heading.len()..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().trim_matches('`').to_string())
                .collect()
        })
        .collect()
}

/// "0.65 (0.47 to 0.87)" as three numbers.
fn estimate_and_interval(cell: &str) -> [String; 3] {
    let (estimate, interval) = cell.split_once(" (").unwrap();
    let (lo, hi) = interval.trim_end_matches(')').split_once(" to ").unwrap();
    [estimate.into(), lo.into(), hi.into()]
}

#[test]
fn the_sensitivity_example_quotes_the_programs_output() {
    let sb = Sandbox::new();
    sb.cmd(&["sensitivity", "sensitivity", "--out", "sa"])
        .assert()
        .success();
    let (header, rows) = crate::util::csv(&sb.path().join("sa/sensitivity.csv"));
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let find = |method: &str, output: &str, parameter: &str, index: &str| {
        rows.iter()
            .find(|r| {
                r[col("method")] == method
                    && r[col("output")] == output
                    && r[col("parameter")] == parameter
                    && r[col("index")] == index
            })
            .unwrap_or_else(|| panic!("no {method} {index} of {output} {parameter}"))
    };
    let two = |text: &str| format!("{:.2}", text.parse::<f64>().unwrap());
    let doc = fs::read_to_string(root().join("docs/sensitivity.md")).unwrap();
    let quoted = table_rows(&doc, "## Reading the shipped example");
    assert!(quoted.len() >= 9, "{quoted:?}");
    for row in &quoted {
        match row.as_slice() {
            [output, noise] => {
                let r = find("noise", output, "", "noise_share");
                assert_eq!(noise, &two(&r[col("estimate")]), "noise share of {output}");
            }
            [output, parameter, first, total] => {
                for (index, cell) in [("first_order", first), ("total", total)] {
                    let r = find("sobol", output, parameter, index);
                    let program = [
                        two(&r[col("estimate")]),
                        two(&r[col("ci_low")]),
                        two(&r[col("ci_high")]),
                    ];
                    assert_eq!(
                        estimate_and_interval(cell),
                        program,
                        "{index} of {parameter} on {output}: docs/sensitivity.md is stale"
                    );
                }
            }
            other => panic!("unexpected row {other:?}"),
        }
    }
}

/// The README's chart is the teaching page's first chart from the full group-size lesson,
/// byte for byte. `COPROD_UPDATE_DOCS=1` rewrites it after a deliberate change.
#[test]
fn the_readme_chart_is_the_programs_current_output() {
    let sb = Sandbox::new();
    sb.cmd(&["teach", "group-size", "--out", "lesson"])
        .assert()
        .success();
    let png = fs::read(sb.path().join("lesson/charts/teach_survival_by_size.png")).unwrap();
    let quoted = root().join("docs/images/group-size-survival.png");
    if std::env::var("COPROD_UPDATE_DOCS").as_deref() == Ok("1") {
        fs::write(&quoted, &png).unwrap();
    }
    assert!(
        fs::read(&quoted).unwrap() == png,
        "docs/images/group-size-survival.png is not what `coprod teach group-size` draws; \
         rerun with COPROD_UPDATE_DOCS=1 to update it"
    );
    let readme = fs::read_to_string(root().join("README.md")).unwrap();
    assert!(readme.contains("(docs/images/group-size-survival.png)"));
}

/// The factorial table of docs/validation.md ("Group size from a balance of forces"): per
/// row, the forces removed, the best cap and the share lasting 24 months at each cap; and
/// the caps of its header.
fn forces_table() -> (Vec<String>, Vec<Vec<String>>) {
    let lines = validation_table(
        "### Group size from a balance of forces",
        "| forces removed |",
    );
    let caps = lines[0][2..].to_vec();
    (caps, lines[2..].to_vec())
}

/// The cells of every line of the first table of docs/validation.md that starts with
/// `first` below the heading `heading` (header and separator lines included).
fn validation_table(heading: &str, first: &str) -> Vec<Vec<String>> {
    let doc = fs::read_to_string(root().join("docs/validation.md")).unwrap();
    let section = &doc[doc.find(heading).expect("the section")..];
    let table = &section[section.find(first).expect("the table")..];
    table
        .lines()
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            l.trim_matches('|')
                .split('|')
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}

/// `share_lasting_24` of a run of group-size-forces, by (variant, cap), from summary.csv.
fn lasting(dir: &std::path::Path) -> std::collections::BTreeMap<(String, String), f64> {
    let (header, rows) = crate::util::csv(&dir.join("summary.csv"));
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (v, cap, metric, mean) = (
        col("variant"),
        col("levers.group_size_cap"),
        col("metric"),
        col("mean"),
    );
    rows.iter()
        .filter(|r| r[metric] == "share_lasting_24")
        .map(|r| ((r[v].clone(), r[cap].clone()), r[mean].parse().unwrap()))
        .collect()
}

/// Every row and column of the factorial table is a (variant, cap) cell of
/// `coprod run group-size-forces`, and its best cap is the row's largest share (the smallest
/// cap on ties), so the table can be read off the scenario's summary.csv; the numbers
/// themselves are checked by the full run below.
#[test]
fn the_group_size_forces_table_is_the_scenarios_output() {
    let (caps, rows) = forces_table();
    let sb = Sandbox::new();
    sb.cmd(&["run", "group-size-forces", "--quick", "--out", "forces"])
        .assert()
        .success();
    let quick = lasting(&sb.path().join("forces"));
    let variants: std::collections::BTreeSet<&String> = quick.keys().map(|(v, _)| v).collect();
    assert_eq!(rows.len(), variants.len(), "one row per variant");
    for row in &rows {
        for cap in &caps {
            assert!(
                quick.contains_key(&(row[0].clone(), cap.clone())),
                "the table's cell ({}, {cap}) is not in the scenario's output",
                row[0]
            );
        }
        let shares: Vec<f64> = row[2..].iter().map(|c| c.parse().unwrap()).collect();
        let best = shares
            .iter()
            .enumerate()
            .fold(0, |b, (i, s)| if *s > shares[b] { i } else { b });
        assert_eq!(row[1], caps[best], "best cap of {}", row[0]);
    }
}

/// The numbers of the factorial table: `coprod run group-size-forces` in full (2,880 runs
/// of 480 months; about a minute in a release build, so not run by default:
/// `cargo test --release --test integration -- --ignored group_size_forces_numbers`).
#[test]
#[ignore = "the full scenario takes about a minute; run with --ignored in a release build"]
fn the_group_size_forces_numbers_are_the_full_runs() {
    let (caps, rows) = forces_table();
    let sb = Sandbox::new();
    sb.cmd(&["run", "group-size-forces", "--out", "forces"])
        .assert()
        .success();
    let full = lasting(&sb.path().join("forces"));
    for row in &rows {
        for (cap, cell) in caps.iter().zip(&row[2..]) {
            let value = full[&(row[0].clone(), cap.clone())];
            assert_eq!(
                &format!("{value:.2}"),
                cell,
                "{} at cap {cap}: the run gives {value}",
                row[0]
            );
        }
    }
}

/// The production-technology table of docs/validation.md: `coprod run
/// production-technology` in full (250 runs of 480 months, seconds), every cell a difference
/// of summary.csv means (or the co-production variant's participation) at the table's
/// precision.
#[test]
fn the_production_technology_table_is_the_scenarios_output() {
    let rows = validation_table(
        "### Production: P1, P7 and E4 follow the technology",
        "| rho |",
    )[2..]
        .to_vec();
    assert_eq!(rows.len(), 5, "one row per rho");
    let sb = Sandbox::new();
    sb.cmd(&["run", "production-technology", "--out", "pt"])
        .assert()
        .success();
    let (header, summary) = crate::util::csv(&sb.path().join("pt/summary.csv"));
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let (v, rho, metric, mean) = (
        col("variant"),
        col("groups.rho"),
        col("metric"),
        col("mean"),
    );
    for row in &rows {
        let at = row[0].split(' ').next().unwrap();
        let value = |variant: &str, name: &str| -> f64 {
            let r = summary
                .iter()
                .find(|r| r[v] == variant && r[rho] == at && r[metric] == name)
                .unwrap_or_else(|| panic!("no {variant} {name} at rho {at}"));
            r[mean].parse().unwrap()
        };
        let expected = [
            format!(
                "{:.1}",
                value("coproduction", "service_output") - value("baseline", "service_output")
            ),
            format!(
                "{:.3}",
                value("involvement_high", "efficiency") - value("involvement_low", "efficiency")
            ),
            format!(
                "{:.3}",
                value("involvement_high", "efficiency_with_time")
                    - value("involvement_low", "efficiency_with_time")
            ),
            format!(
                "{:.1}",
                value("substitutive", "service_output") - value("coproduction", "service_output")
            ),
            format!("{:.3}", value("coproduction", "participation_rate")),
        ];
        assert_eq!(row[1..], expected, "rho {at}: docs/validation.md is stale");
    }
}
