//! `coprod validate`: the machinery on a reduced suite (few blocks, small populations).
//! Nothing here asserts a verdict, a pass rate or a class of any claim: those depend on the
//! model and the salt, and a test that pins them would steer the model toward its seeds.

use std::collections::BTreeMap;
use std::path::Path;

use crate::util::{Sandbox, root};

/// The 27 propositions of docs/claims.md, plus the two exploratory questions.
const CLAIMS: [&str; 29] = [
    "P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9", "B1", "B2", "B3", "B4", "B5", "B6", "E1",
    "E2", "E3", "E4", "O1", "O2", "O3", "O4", "C1", "C2", "C3", "C4", "X1", "X2",
];

/// A reduced suite: small populations, 2 blocks of 3 replications, a tiny robustness map.
pub(crate) const REDUCED: &[&str] = &[
    "--quick",
    "--blocks",
    "2",
    "--pilot",
    "4",
    "--min-replications",
    "3",
    "--max-replications",
    "3",
    "--decompose-replications",
    "3",
    "--robustness-points",
    "28",
    "--robustness-replications",
    "1",
];

fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).expect("a CSV file");
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

fn header(path: &Path) -> Vec<String> {
    let mut reader = csv::Reader::from_path(path).expect("a CSV file");
    reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect()
}

/// The columns docs/validation.md lists for validation.csv, in order: the quoted names of
/// its bullet `- `validation.csv`, one row per claim: ...`.
fn documented_columns() -> Vec<String> {
    documented_columns_of("- `validation.csv`, one row per claim:")
}

/// The columns named in backquotes on the line of docs/validation.md that starts with
/// `start`.
fn documented_columns_of(start: &str) -> Vec<String> {
    let text = std::fs::read_to_string(root().join("docs/validation.md")).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with(start))
        .unwrap_or_else(|| panic!("docs/validation.md has a line {start}"));
    let (_, columns) = line.split_once(':').unwrap();
    columns
        .split('`')
        .skip(1)
        .step_by(2)
        .map(String::from)
        .collect()
}

fn num(row: &BTreeMap<String, String>, key: &str) -> Option<f64> {
    let cell = &row[key];
    (!cell.is_empty()).then(|| cell.parse().unwrap_or_else(|_| panic!("{key} = {cell}")))
}

fn validate(sandbox: &Sandbox, out: &str, extra: &[&str]) -> std::path::PathBuf {
    validate_with_table(sandbox, out, extra).0
}

/// Ctrl-C during a validation exits with 130, says that nothing was kept and keeps nothing
/// (no result, no hidden partial directory).
#[test]
fn ctrl_c_says_the_validation_was_not_written() {
    let sandbox = Sandbox::new();
    // Full-size replications of one claim: many seconds, still running when interrupted.
    let args = [
        "validate", "--salt", "ctrl-c", "--only", "P3", "--out", "v", "-j", "1",
    ];
    let stderr = crate::resume::interrupt_when(&sandbox, &args, ".v.partial");
    assert!(
        stderr.ends_with(
            "\ninterrupted: the validation is written only when complete, and nothing of it \
             was kept; give the same command again to start over\n"
        ),
        "{stderr}"
    );
    assert!(!sandbox.path().join("v").exists());
    assert!(!sandbox.path().join(".v.partial").exists());
}

/// A folder at the validation's working folder `.v.partial` that coprod did not make is
/// named as it is, not as `v`: the message says to move it, and the user must not move
/// something else (a finished result).
#[test]
fn a_foreign_working_folder_is_named_as_it_is() {
    let sandbox = Sandbox::new();
    std::fs::create_dir(sandbox.path().join(".v.partial")).unwrap();
    std::fs::write(sandbox.path().join(".v.partial/notes.txt"), "mine").unwrap();
    let args = [
        "validate", "--salt", "s", "--only", "P3", "--quick", "--out", "v",
    ];
    let output = sandbox.cmd(&args).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr
            .contains("its working folder ./.v.partial already exists and was not made by coprod"),
        "{stderr}"
    );
}

/// The output directory and the table printed on stdout.
fn validate_with_table(
    sandbox: &Sandbox,
    out: &str,
    extra: &[&str],
) -> (std::path::PathBuf, String) {
    let dir = sandbox.path().join(out);
    let mut args = vec!["validate", "--out", dir.to_str().unwrap()];
    args.extend_from_slice(REDUCED);
    args.extend_from_slice(extra);
    let assert = sandbox.cmd(&args).assert().success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    (dir, stdout)
}

/// The printed table has a line per claim, in order, with its class, pass rate and class
/// after the placebo check, then two lines whose counts and mean pass rate are those of
/// validation.csv (the output directory is the last line).
fn assert_table_matches(stdout: &str, table: &[BTreeMap<String, String>]) {
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.len(),
        table.len() + 4,
        "header, a line per claim, totals, placebo check, directory"
    );
    for (line, row) in lines[1..].iter().zip(table) {
        let words: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(
            words[..2],
            [row["id"].as_str(), row["class"].as_str()],
            "{line}"
        );
        let pass = match num(row, "pass_rate") {
            Some(rate) => format!("{:.0}%", 100.0 * rate),
            None => "explor.".to_string(),
        };
        assert_eq!(words[3], pass, "{line}");
        if !row["adjusted_class"].is_empty() {
            assert_eq!(
                words.last(),
                Some(&row["adjusted_class"].as_str()),
                "{line}"
            );
        }
    }
    let judged: Vec<&BTreeMap<String, String>> = table
        .iter()
        .filter(|r| num(r, "pass_rate").is_some())
        .collect();
    let derived = judged.iter().filter(|r| r["class"] == "derived").count();
    let mean = judged
        .iter()
        .filter_map(|r| num(r, "pass_rate"))
        .sum::<f64>()
        / judged.len() as f64;
    let totals = if judged.is_empty() {
        "no judged claims: exploratory rows have no verdict, so no pass rate".to_string()
    } else {
        format!(
            "{}: {derived} derived by the share rule, {}; mean pass rate {:.0}% (a rule may \
             still state a derived claim's sign: docs/validation.md, \"How to read 'derived'\")",
            counted(judged.len(), "claim"),
            counted(judged.len() - derived, "assumption"),
            100.0 * mean
        )
    };
    assert_eq!(lines[lines.len() - 3], totals);
    let checked = |class: &str| {
        judged
            .iter()
            .filter(|r| r["adjusted_class"] == class)
            .count()
    };
    let decomposed = judged
        .iter()
        .filter(|r| !r["adjusted_class"].is_empty())
        .count();
    assert_eq!(
        lines[lines.len() - 2],
        format!(
            "placebo check of holding ({}): {} derived, {} reversed, {} (docs/validation.md)",
            counted(decomposed, "decomposed judged claim"),
            checked("derived"),
            checked("reversed"),
            counted(checked("assumption"), "assumption")
        )
    );
}

/// "1 claim", "2 claims".
fn counted(n: usize, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// The totals under the table count one claim in the singular ("1 claims: ... 1
/// assumptions" before), and exploratory rows alone are said to have no pass rate (they
/// read "0 claims: ...; mean pass rate 0%", a rate of nothing).
#[test]
fn the_totals_count_one_claim_in_the_singular_and_no_pass_rate_of_none() {
    let sandbox = Sandbox::new();
    for (out, only) in [("one", ["--only", "P3"]), ("explor", ["--only", "X1"])] {
        let mut extra = vec!["--salt", "totals", "-j", "2"];
        extra.extend_from_slice(&only);
        let (dir, stdout) = validate_with_table(&sandbox, out, &extra);
        assert_table_matches(&stdout, &rows(&dir.join("validation.csv")));
        let totals = stdout.lines().rev().nth(2).unwrap();
        if out == "one" {
            assert!(totals.starts_with("1 claim: "), "{stdout}");
            assert!(stdout.contains("(1 decomposed judged claim)"), "{stdout}");
        } else {
            assert!(!totals.contains("pass rate 0%"), "{stdout}");
            // X1 is decomposed, but an exploratory claim is not judged.
            assert!(stdout.contains("(0 decomposed judged claims)"), "{stdout}");
        }
    }
}

#[test]
fn every_claim_has_a_registered_validation_scenario() {
    for id in CLAIMS {
        let path = root()
            .join("scenarios/validation")
            .join(format!("{id}.toml"));
        let text = std::fs::read_to_string(&path).unwrap_or_else(|_| panic!("{id} is missing"));
        assert!(text.contains("sesoi ="), "{id} is not pre-registered");
    }
}

#[test]
fn the_reduced_suite_reports_every_claim_with_ordered_intervals() {
    let sandbox = Sandbox::new();
    let (dir, stdout) = validate_with_table(
        &sandbox,
        "v",
        &["--salt", "ci", "--robustness-all", "-j", "2"],
    );
    assert_eq!(header(&dir.join("validation.csv")), documented_columns());
    let table = rows(&dir.join("validation.csv"));
    let ids: Vec<&str> = table.iter().map(|r| r["id"].as_str()).collect();
    assert_eq!(ids, CLAIMS);
    assert_table_matches(&stdout, &table);
    assert_blocks_give_the_verdicts(&dir, &table);
    for row in &table {
        let id = &row["id"];
        assert!(
            ["assumption", "derived"].contains(&row["class"].as_str()),
            "{id}"
        );
        let mean = num(row, "total_effect").expect("a total effect");
        let (low, high) = (
            num(row, "total_ci_low").unwrap(),
            num(row, "total_ci_high").unwrap(),
        );
        assert!(low <= mean && mean <= high, "{id}: {low} {mean} {high}");
        assert_eq!(num(row, "total_n"), Some(6.0), "{id}: 2 blocks of 3");
        if let Some(rate) = num(row, "pass_rate") {
            assert!(
                [0.0, 0.5, 1.0].contains(&rate),
                "{id}: pass rate {rate} of 2 blocks"
            );
        }
        if let Some(direct) = num(row, "direct_effect") {
            let (l, h) = (
                num(row, "direct_ci_low").unwrap(),
                num(row, "direct_ci_high").unwrap(),
            );
            assert!(l <= direct && direct <= h, "{id}: direct {l} {direct} {h}");
            if mean != 0.0 {
                let share = num(row, "mediated_share").expect("a share when the total is not 0");
                assert!(share.is_finite(), "{id}");
            }
        }
        if let (Some(l), Some(h)) = (num(row, "share_ci_low"), num(row, "share_ci_high")) {
            assert!(l <= h, "{id}: share interval {l} {h}");
        }
        // The placebo check of holding runs wherever the decomposition does.
        let decomposed = num(row, "direct_effect").is_some();
        assert_eq!(num(row, "placebo_effect").is_some(), decomposed, "{id}");
        assert_eq!(num(row, "adjusted_direct").is_some(), decomposed, "{id}");
        let classes: &[&str] = if decomposed {
            &["derived", "reversed", "assumption"]
        } else {
            &[""]
        };
        assert!(
            classes.contains(&row["adjusted_class"].as_str()),
            "{id}: {row:?}"
        );
        for what in ["placebo", "adjusted"] {
            if let Some(mean) = num(
                row,
                &format!(
                    "{what}_{}",
                    if what == "placebo" {
                        "effect"
                    } else {
                        "direct"
                    }
                ),
            ) {
                let l = num(row, &format!("{what}_ci_low")).unwrap();
                let h = num(row, &format!("{what}_ci_high")).unwrap();
                assert!(l <= mean && mean <= h, "{id}: {what} {l} {mean} {h}");
            }
        }
        let robust = num(row, "robustness_share").expect("--robustness-all maps every claim");
        assert!((0.0..=1.0).contains(&robust), "{id}");
        assert_eq!(num(row, "robustness_points"), Some(28.0), "{id}");
    }
    let decomposition = rows(&dir.join("decomposition.csv"));
    assert!(decomposition.iter().any(|r| r["held"] == "all"));
    assert!(decomposition.iter().any(|r| r["held"] == "contagion"));
    let mut with_interval = 0;
    for row in &decomposition {
        assert!(!row["placebo_effect"].is_empty(), "{row:?}: no placebo");
        let total: f64 = row["total_effect"].parse().unwrap();
        if let (Ok(l), Ok(h)) = (
            row["total_ci_low"].parse::<f64>(),
            row["total_ci_high"].parse::<f64>(),
        ) {
            assert!(
                l <= total && total <= h,
                "{row:?}: decomposed total {l} {total} {h}"
            );
            with_interval += 1;
        }
    }
    assert!(with_interval > 0, "no decomposed total has an interval");
    let points = rows(&dir.join("robustness.csv"));
    assert_eq!(points.len(), 28 * CLAIMS.len());
    assert!(points[0].contains_key("dynamics.word_of_mouth"));
    // A map leaves a claim's own lever alone, and its column empty: X2's arms differ in
    // trust, every other claim's map varies it.
    for point in &points {
        let trust = &point["citizens.trust_mean"];
        assert_eq!(trust.is_empty(), point["id"] == "X2", "{point:?}");
    }
    assert!(dir.join("validation_forest.png").is_file());
    let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    assert!(manifest.contains("\"salt\": \"ci\""), "{manifest}");
    // Each claim's design as it ran: the scenario file the binary was built with.
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let designs = manifest["designs"].as_array().unwrap();
    assert_eq!(designs.len(), CLAIMS.len());
    for (design, id) in designs.iter().zip(CLAIMS) {
        assert_eq!(design["id"], *id);
        let file = crate::util::root().join(format!("scenarios/validation/{id}.toml"));
        assert_eq!(
            design["source"],
            std::fs::read_to_string(file).unwrap(),
            "{id}"
        );
    }
}

#[test]
fn results_depend_on_the_salt_and_not_on_the_thread_count() {
    let sandbox = Sandbox::new();
    let only = ["--only", "P3", "C4"];
    let run = |out: &str, salt: &str, threads: &str| {
        let mut extra = vec!["--salt", salt, "-j", threads];
        extra.extend_from_slice(&only);
        let dir = validate(&sandbox, out, &extra);
        std::fs::read(dir.join("validation.csv")).unwrap()
    };
    let one = run("a", "s1", "1");
    assert_eq!(one, run("b", "s1", "2"));
    assert_ne!(one, run("c", "s2", "2"));
}

#[test]
fn a_salt_is_required_and_unknown_ids_are_refused() {
    let sandbox = Sandbox::new();
    sandbox
        .cmd(&["validate"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--salt"));
    // What `--salt "$SALT"` gives with SALT unset: every such validation would share seeds.
    for blank in ["", "  ", "\t"] {
        sandbox
            .cmd(&["validate", "--salt", blank])
            .assert()
            .code(2)
            .stderr(predicates::str::contains(format!(
                "invalid value '{blank}' for '--salt <TEXT>': allowed is text with at least \
                 one character that is not white space (a space, tab or line break)"
            )));
    }
    sandbox
        .cmd(&["validate", "--salt", "x", "--only", "Z9"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no validation experiment `Z9`"))
        .stderr(predicates::str::contains("hint: the ids are P1"));
    sandbox
        .cmd(&[
            "validate",
            "--salt",
            "x",
            "--min-replications",
            "20",
            "--max-replications",
            "3",
        ])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "--min-replications 20 is above --max-replications 3",
        ));
    // Counts that would size buffers beyond memory are refused, not aborted on.
    for (option, range) in [
        ("--pilot", "3..=100000"),
        ("--max-replications", "2..=100000"),
        ("--blocks", "1..=10000"),
        ("--robustness-points", "0..=100000"),
    ] {
        sandbox
            .cmd(&["validate", "--salt", "x", option, "4294967295"])
            .assert()
            .code(2)
            .stderr(predicates::str::contains(format!(
                "4294967295 is not in {range}"
            )));
    }
    assert!(!sandbox.path().join("outputs").exists());
    // A small maximum alone lowers the default minimum (10): no contradiction.
    sandbox
        .cmd(&[
            "validate",
            "--salt",
            "x",
            "--quick",
            "--only",
            "P3",
            "--blocks",
            "1",
            "--pilot",
            "3",
            "--max-replications",
            "3",
            "--decompose-replications",
            "2",
            "--robustness-points",
            "0",
            "--out",
            "small",
        ])
        .assert()
        .success();
    let table = rows(&sandbox.path().join("small").join("validation.csv"));
    assert_eq!(table[0]["replications"], "3");
    std::fs::remove_dir_all(sandbox.path().join("small")).unwrap();
    assert!(!sandbox.path().join("outputs").exists());
}

#[test]
fn a_sharded_robustness_map_merged_equals_the_unsharded_run() {
    let sandbox = Sandbox::new();
    // Two claims, mapped even if they are assumptions, 28 points over 3 shards (uneven).
    let extra = [
        "--salt",
        "shards",
        "--only",
        "P1",
        "B1",
        "--robustness-all",
        "-j",
        "2",
    ];
    let whole = validate(&sandbox, "whole", &extra);
    let mut shards = Vec::new();
    let mut tables = Vec::new();
    for i in 0..3 {
        let shard = format!("{i}/3");
        let mut args = extra.to_vec();
        args.extend(["--shard", shard.as_str()]);
        let (dir, table) = validate_with_table(&sandbox, &format!("shard-{i}"), &args);
        shards.push(dir);
        tables.push(table);
    }
    // Each shard holds only its points, and says which shard it is.
    let held: usize = shards
        .iter()
        .map(|s| rows(&s.join("robustness.csv")).len())
        .sum();
    assert_eq!(held, 2 * 28);
    assert_eq!(rows(&shards[1].join("robustness.csv")).len(), 2 * 9);
    // The table says a shard's robustness covers its points only; a shard given none of a
    // map's 28 points (29 of 30) states no share of them, not 0.
    let says = "this shard's points only (shard 1 of 3)";
    assert!(tables[1].contains(says), "{}", tables[1]);
    let mut args = extra.to_vec();
    args.extend(["--shard", "29/30"]);
    let empty = validate(&sandbox, "shard-29", &args);
    for row in rows(&empty.join("validation.csv")) {
        assert_eq!(row["robustness_points"], "0", "{row:?}");
        assert_eq!(row["robustness_share"], "", "{row:?}");
    }
    let merged = sandbox.path().join("merged");
    // Shards in any order.
    let dirs: Vec<&str> = [&shards[2], &shards[0], &shards[1]]
        .iter()
        .map(|d| d.to_str().unwrap())
        .collect();
    let mut args = vec!["merge"];
    args.extend(&dirs);
    args.extend(["--out", merged.to_str().unwrap()]);
    sandbox.cmd(&args).assert().success();
    for file in [
        "validation.csv",
        "blocks.csv",
        "decomposition.csv",
        "robustness.csv",
        "validation_forest.png",
        "validation_forest.svg",
    ] {
        assert!(
            std::fs::read(whole.join(file)).unwrap() == std::fs::read(merged.join(file)).unwrap(),
            "{file} differs between the unsharded and the merged run"
        );
    }
    // The manifests agree except for the command, which names each run's --out.
    let manifest = |dir: &Path| {
        let text = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v.as_object_mut().unwrap().remove("command");
        v
    };
    assert_eq!(manifest(&whole), manifest(&merged));
    // A missing shard is named, and nothing is written.
    let incomplete = sandbox.path().join("incomplete");
    let assert = sandbox
        .cmd(&[
            "merge",
            dirs[0],
            dirs[1],
            "--out",
            incomplete.to_str().unwrap(),
        ])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("shards 1/3 are missing"), "{stderr}");
    assert!(!incomplete.exists());
    // The hint's command names no shard's directory, so it can be run as printed.
    assert!(
        stderr.contains("--out DIR` for each") && !stderr.contains("--out /"),
        "{stderr}"
    );
    // A shard whose robustness.csv was cut short is named, not the first shard given.
    let cut = sandbox.path().join("cut");
    copy_dir(&shards[1], &cut);
    let text = std::fs::read_to_string(cut.join("robustness.csv")).unwrap();
    let two: Vec<&str> = text.lines().take(2).collect();
    std::fs::write(cut.join("robustness.csv"), two.join("\n") + "\n").unwrap();
    let assert = sandbox
        .cmd(&[
            "merge",
            dirs[1],
            cut.to_str().unwrap(),
            dirs[0],
            "--out",
            incomplete.to_str().unwrap(),
        ])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    let named = format!("{} (shard 1/3) holds", cut.join("robustness.csv").display());
    assert!(stderr.contains(&named), "{stderr}");
    assert!(
        !stderr.contains(dirs[1]) && !stderr.contains(dirs[0]),
        "{stderr}"
    );
    assert!(!incomplete.exists());
    // Shards of another split are refused, even where the indices would fill the gap.
    let mut args = extra.to_vec();
    args.extend(["--shard", "1/2"]);
    let other = validate(&sandbox, "other-split", &args);
    let assert = sandbox
        .cmd(&[
            "merge",
            dirs[0],
            dirs[1],
            dirs[2],
            other.to_str().unwrap(),
            "--out",
            incomplete.to_str().unwrap(),
        ])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("shard 1 of 2"), "{stderr}");
    assert!(!incomplete.exists());
}

/// Copies the files of `from` into a new directory `to`.
fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            std::fs::copy(&path, to.join(path.file_name().unwrap())).unwrap();
        }
    }
}

/// A validation that cannot write its tables (a file size limit stands in for a full disk)
/// leaves nothing, and its error names the file as it would be in the output, not in the
/// partial directory that is already gone.
#[test]
fn a_failed_validation_names_no_folder_that_is_gone() {
    let sandbox = Sandbox::new();
    let mut args = vec!["validate", "--salt", "full", "--only", "P3", "--out", "v"];
    args.extend_from_slice(REDUCED);
    let output = crate::util::run_with_size_limit(sandbox.path(), 1, &args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("File too large"), "{stderr}");
    assert!(stderr.contains("v/"), "{stderr}");
    assert!(!stderr.contains(".partial"), "{stderr}");
    assert!(!sandbox.path().join("v").exists());
    assert!(!sandbox.path().join(".v.partial").exists());
}

/// The words a shell reads from `command`, as a user pasting it would get them.
fn shell_reads(command: &str) -> Vec<String> {
    let out = std::process::Command::new("sh")
        .args([
            "-c",
            "eval \"set -- $1\"; printf '%s\\0' \"$@\"",
            "sh",
            command,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{command}");
    let text = String::from_utf8(out.stdout).unwrap();
    text.split_terminator('\0').map(String::from).collect()
}

fn manifest_command(dir: &Path) -> String {
    let text = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    v["command"].as_str().unwrap().to_string()
}

/// The manifest's command can be pasted back: a shell reads it as the words given, a salt
/// and directories with spaces and a quote included. Merged shards keep the quoted salt and
/// drop each shard's quoted `--out` whole.
#[test]
fn the_manifest_command_reads_back_as_the_words_given() {
    let sandbox = Sandbox::new();
    let salt = "two words, it's";
    let mut given = vec!["validate", "--salt", salt, "--only", "P3"];
    given.extend_from_slice(REDUCED);
    let mut shards = Vec::new();
    for (i, shard) in ["0/2", "1/2"].into_iter().enumerate() {
        let out = format!("shard {i}");
        let mut args = given.clone();
        args.extend(["--shard", shard, "--out", &out]);
        sandbox.cmd(&args).assert().success();
        let dir = sandbox.path().join(&out);
        let expected: Vec<&str> = std::iter::once("coprod").chain(args).collect();
        assert_eq!(shell_reads(&manifest_command(&dir)), expected);
        shards.push(out);
    }
    let merged = sandbox.path().join("merged");
    sandbox
        .cmd(&[
            "merge",
            &shards[0],
            &shards[1],
            "--out",
            merged.to_str().unwrap(),
        ])
        .assert()
        .success();
    let expected: Vec<&str> = std::iter::once("coprod").chain(given).collect();
    assert_eq!(shell_reads(&manifest_command(&merged)), expected);
}

/// The first and last dose of a claim's sweep, read from the design the manifest records
/// (the scenario file the binary ran), so the recomputation follows an edited design.
fn end_doses(dir: &Path, id: &str) -> [f64; 2] {
    let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let designs = manifest["designs"].as_array().unwrap();
    let design = designs.iter().find(|d| d["id"] == id).expect("a design");
    let source = design["source"].as_str().unwrap();
    let scenario = coprod_scenario::Scenario::from_toml(source, id, id).unwrap();
    let doses = &scenario.sweep[0].values;
    [doses[0], doses[doses.len() - 1]]
}

/// blocks.csv holds what a referee needs to recompute each block's verdict from the
/// registered rule and each claim's `pass_rate` in validation.csv from the blocks.
fn assert_blocks_give_the_verdicts(dir: &Path, table: &[BTreeMap<String, String>]) {
    let path = dir.join("blocks.csv");
    assert_eq!(
        header(&path),
        documented_columns_of("- `blocks.csv`, one row per claim and verdict block:")
    );
    let blocks = rows(&path);
    for row in table {
        let id = &row["id"];
        let mine: Vec<&BTreeMap<String, String>> =
            blocks.iter().filter(|b| &b["id"] == id).collect();
        let numbers: Vec<f64> = mine.iter().map(|b| num(b, "block").unwrap()).collect();
        assert_eq!(numbers, [0.0, 1.0], "{id}: the blocks in order");
        let sesoi = num(row, "sesoi").unwrap();
        let mut passed = 0;
        for b in &mine {
            assert_eq!(num(b, "n"), num(row, "replications"), "{id}");
            let Some(pass) = b.get("pass").filter(|p| !p.is_empty()) else {
                assert_eq!(row["pass_rate"], "", "{id}: exploratory, no verdict");
                continue;
            };
            let effect = num(b, "effect").unwrap();
            let (low, high) = (num(b, "ci_low").unwrap(), num(b, "ci_high").unwrap());
            let rises = |mean: f64, low: f64| low > 0.0 && mean >= sesoi;
            let recomputed = match row["direction"].as_str() {
                "increase" => rises(effect, low),
                "decrease" => high < 0.0 && effect <= -sesoi,
                "interior_optimum" => {
                    let doses = end_doses(dir, id);
                    // No best dose when the best has no read-out: such a block fails.
                    match num(b, "best_dose") {
                        None => false,
                        Some(best) => {
                            let to_last = num(b, "best_minus_last").unwrap();
                            let to_last_low = num(b, "best_minus_last_ci_low").unwrap();
                            !doses.contains(&best)
                                && rises(effect, low)
                                && rises(to_last, to_last_low)
                        }
                    }
                }
                // No registered claim is `no_effect`: write its rule here with the first.
                other => panic!("{id}: no recomputation written for {other}"),
            };
            assert_eq!(pass, &recomputed.to_string(), "{id}: {b:?}");
            passed += usize::from(recomputed);
        }
        if let Some(rate) = num(row, "pass_rate") {
            assert_eq!(rate, passed as f64 / mine.len() as f64, "{id}");
        }
    }
}
