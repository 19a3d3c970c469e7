//! `coprod teach group-size`: one command writes the teaching page with the best group size
//! and its 95% CI for each service regime, its charts, and the run's CSVs.

use std::fs;

use predicates::prelude::*;

use crate::util::{Sandbox, read};

/// A quick lesson with few citizens, fast in a debug build.
pub(crate) fn quick_lesson(sb: &Sandbox) -> std::path::PathBuf {
    let assert = sb
        .cmd(&[
            "teach",
            "group-size",
            "--quick",
            "--set",
            "population.n_citizens=500",
            "--out",
            "lesson",
        ])
        .assert()
        .success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert_eq!(
        stdout.trim(),
        "lesson/teach.html",
        "stdout is the page's path"
    );
    sb.path().join("lesson")
}

#[test]
fn teach_writes_a_self_contained_page_naming_the_best_size_per_regime() {
    let sb = Sandbox::new();
    let dir = quick_lesson(&sb);
    let page = read(&dir.join("teach.html"));
    for regime in [
        "Per-member service",
        "Non-rival joint supply (variant non_rival)",
        "Per-member service (variant no_hurdle)",
        "Per-member service (variant no_coordination)",
        "Non-rival joint supply (variant joint)",
    ] {
        let key = format!("<b>{regime}</b>: ");
        let at = page
            .find(&key)
            .unwrap_or_else(|| panic!("no key numbers for {regime}"));
        let rest = &page[at + key.len()..];
        let sentence = &rest[..rest.find("</div>").unwrap()];
        // Either a best size, or no best size and why (its interval against the runner-up).
        let size_text = match sentence.strip_prefix("groups of <b>") {
            Some(named) => named,
            None => {
                assert!(sentence.contains("<b>no size stands out</b>"), "{sentence}");
                assert!(sentence.contains("includes 0"), "{sentence}");
                &sentence[sentence.find("Groups of ").unwrap() + "Groups of ".len()..]
            }
        };
        let size: u32 = size_text[..size_text.find(' ').unwrap()]
            .parse()
            .expect("a size");
        assert!((2..=40).contains(&size));
        assert!(
            sentence.contains("months after they started (95% CI "),
            "{sentence}"
        );
    }
    // The mechanisms in the model's words, with this run's numbers.
    for words in [
        "peer visibility = attention / (n − 1)",
        "coordination cost = 0.02 × (n − 1)",
        "minimum viable effort",
        "conditional cooperation decay",
    ] {
        assert!(page.contains(words), "the page does not explain {words:?}");
    }
    // The forces measured in this run, per regime: a table by size and the factors between
    // the best size and the others, with the dominant force on each side.
    assert_eq!(
        page.matches("<b>The forces, measured in this run</b>")
            .count(),
        5
    );
    assert_eq!(
        page.matches("<th>effort per member, first month</th>")
            .count(),
        5
    );
    // `--quick` runs 3 replications: too few to call any size the best.
    assert!(
        page.contains("Below the size that lasted longest</b>: going to ")
            || page.contains("No smaller size was run")
    );
    assert!(
        !page.contains("Below the best size"),
        "3 replications name no best size"
    );
    assert!(
        page.contains("lowers the ratio most (×"),
        "no dominant force named"
    );
    // The groups.csv columns the forces are measured from.
    let groups = read(&dir.join("groups.csv"));
    assert!(groups.lines().next().unwrap().ends_with(
        ",months_producing,member_months,first_effort,effort,labour,coordinated_labour,input,\
         effort_needed,months_met"
    ));
    // One change at a time: each variant's effect on the best size, from the run.
    assert!(page.contains("<h3>One change at a time</h3>"));
    // Four variants, each a list item giving its longest-lasting size and where its change
    // puts it, or that the runs cannot tell. `--quick`'s 3 replications name no best size.
    let change = page.split("<h3>One change at a time</h3>").nth(1).unwrap();
    let items: Vec<&str> = change[..change.find("</ul>").unwrap()]
        .split("<li>")
        .skip(1)
        .collect();
    assert_eq!(items.len(), 4, "{change}");
    for item in items {
        assert!(item.contains("longest-lasting size "), "{item}");
        assert!(!item.contains("best size"), "{item}");
    }
    // Self-contained: charts inlined (the size chart, then survival curves and participation
    // for each of the five regimes), nothing fetched.
    assert_eq!(page.matches("src=\"data:image/png;base64,").count(), 11);
    assert!(!page.contains("http://") && !page.contains("https://"));
    for chart in [
        "teach_survival_by_size",
        "teach_survival_curves_baseline",
        "teach_survival_curves_joint",
        "teach_participation_baseline",
        "teach_participation_joint",
    ] {
        assert!(dir.join("charts").join(format!("{chart}.png")).exists());
        assert!(dir.join("charts").join(format!("{chart}.svg")).exists());
    }
    let svg = read(&dir.join("charts/teach_survival_by_size.svg"));
    assert!(svg.contains("group size (members, the cap on recruitment)"));
    // The SVGs go on slides without the page's captions: they read in percent, as the page
    // does, and say that the participation band is clipped, as its caption does.
    assert!(svg.contains("groups still going (%)"));
    let curves = drawn_texts(&read(
        &dir.join("charts/teach_survival_curves_baseline.svg"),
    ));
    assert!(
        curves.contains(&"groups still going (%)".to_string()),
        "{curves:?}"
    );
    assert!(curves.contains(&"100".to_string()), "{curves:?}");
    let participation = read(&dir.join("charts/teach_participation_baseline.svg"));
    assert!(participation.contains("citizens in a group (%; band clipped to 0–100%)"));
    // Each regime has its own legend label, drawn in full (long labels that start alike
    // were shortened to look-alikes), and no chart shortens two labels to the same text.
    let drawn = drawn_texts(&svg);
    for name in [
        "per-member service",
        "non_rival",
        "no_hurdle",
        "no_coordination",
        "joint",
    ] {
        assert!(drawn.contains(&name.to_string()), "{name}: {drawn:?}");
    }
    for chart in fs::read_dir(dir.join("charts")).unwrap() {
        let path = chart.unwrap().path();
        if path.extension().is_some_and(|e| e == "svg") {
            let mut shortened: Vec<String> = drawn_texts(&read(&path))
                .into_iter()
                .filter(|t| t.ends_with('…'))
                .collect();
            let all = shortened.len();
            shortened.sort();
            shortened.dedup();
            assert_eq!(shortened.len(), all, "{}: {shortened:?}", path.display());
        }
    }
    // The run itself is a normal run directory with its own report.
    assert!(dir.join("index.html").exists() && dir.join("summary.csv").exists());
}

/// The texts of an SVG chart's `<text>` elements.
fn drawn_texts(svg: &str) -> Vec<String> {
    svg.split("<text")
        .skip(1)
        .filter_map(|t| {
            let start = t.find('>')? + 1;
            let end = t.find("</text>")?;
            Some(t[start..end].trim().to_string())
        })
        .collect()
}

#[test]
fn teach_refuses_to_overwrite_without_force() {
    let sb = Sandbox::new();
    fs::create_dir(sb.path().join("lesson")).unwrap();
    fs::write(sb.path().join("lesson/notes.txt"), "mine").unwrap();
    sb.cmd(&["teach", "group-size", "--quick", "--out", "lesson"])
        .assert()
        .code(2);
    assert_eq!(read(&sb.path().join("lesson/notes.txt")), "mine");
}

/// --replications, --threads and --quick reach the lesson's runs and its manifest, and --force
/// replaces an earlier lesson (only a lesson: see above).
#[test]
fn teach_options_reach_the_runs_and_force_replaces_an_earlier_lesson() {
    let sb = Sandbox::new();
    let mut args = vec!["teach", "group-size"];
    args.extend(SMALL);
    args.extend(["--replications", "2", "--out", "lesson"]);
    sb.cmd(&args).assert().success();
    let dir = sb.path().join("lesson");
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&dir.join("manifest.json"))).unwrap();
    assert_eq!(manifest["experiment"]["replications"], 2);
    assert_eq!(manifest["quick"], true);
    assert_eq!(
        manifest["experiment"]["steps"], 60,
        "--quick runs at most 60 steps"
    );
    assert_eq!(
        manifest["timing"]["threads"], 2,
        "SMALL runs on two threads"
    );
    let (header, runs) = crate::util::csv(&dir.join("runs.csv"));
    let col = header.iter().position(|h| h == "replication").unwrap();
    let replications: std::collections::BTreeSet<&str> =
        runs.iter().map(|r| r[col].as_str()).collect();
    assert_eq!(replications, ["0", "1"].into());
    // The page says the replications are neither the scenario's 30 nor --quick's 3.
    assert_eq!(
        manifest["options"],
        serde_json::json!([{"option": "--replications", "key": "experiment.replications",
                            "value": 2, "scenario": 30}])
    );
    let page = read(&dir.join("teach.html"));
    assert!(
        page.contains("<li><code>replications: 2 instead of 30 (--replications)</code></li>"),
        "{page}"
    );

    sb.cmd(&args).assert().code(2);
    args.push("--force");
    sb.cmd(&args).assert().success();
    assert!(dir.join("teach.html").is_file());
}

#[test]
fn teach_checks_its_options_before_writing_anything() {
    let sb = Sandbox::new();
    let assert = sb
        .cmd(&["teach", "group-size", "--set", "levers.group_size_cap=8"])
        .assert()
        .code(2);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("levers.group_size_cap"), "{stderr}");
    assert_eq!(
        fs::read_dir(sb.path()).unwrap().count(),
        0,
        "nothing written"
    );
}

/// The small lesson of these tests: few citizens in two communities, quick, two threads.
const SMALL: [&str; 7] = [
    "--quick",
    "--set",
    "population.n_citizens=200",
    "--set",
    "population.n_communities=2",
    "-j",
    "2",
];

/// A groups.min_members that leaves exactly two sizes at which a group can start is a
/// lesson (the largest the refusal's hint offers), and the page's opening names the caps at
/// which no group can start.
#[test]
fn teach_accepts_a_minimum_group_size_that_leaves_two_sizes() {
    let sb = Sandbox::new();
    let mut args = vec!["teach", "group-size"];
    args.extend(SMALL);
    args.extend(["--set", "groups.min_members=24", "--out", "lesson"]);
    sb.cmd(&args).assert().success();
    let page = read(&sb.path().join("lesson/teach.html"));
    assert!(
        page.contains(
            "At caps 2, 3, 4, 6, 8, 12 and 16 no group can start: a group needs at least 24 \
             members to start (<code>groups.min_members</code>)"
        ),
        "the page does not say at which caps no group can start"
    );
}

/// Fewer than 2 replications asked with --replications are refused with the allowed range.
#[test]
fn teach_refuses_one_replication_naming_the_option_that_asked_for_it() {
    let sb = Sandbox::new();
    let mut args = vec!["teach", "group-size"];
    args.extend(SMALL);
    args.extend(["--replications", "1", "--out", "lesson"]);
    sb.cmd(&args)
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(
            "error: invalid value '1' for '--replications <N>': 1 is not in 2..=",
        ));
    assert!(!sb.path().join("lesson").exists());
}

#[test]
fn teach_refuses_options_that_make_the_lesson_impossible_before_running() {
    for (setting, says) in [
        (
            "population.setting=lab",
            "the lesson needs the field setting (citizens in communities)",
        ),
        (
            "experiment.replications=1",
            "--set: invalid value 1 for `experiment.replications`: the lesson's 95% intervals \
             are drawn over replications, so allowed is a whole number from 2 to",
        ),
        (
            "levers.group_size_cap=5",
            "--set levers.group_size_cap=5 replaces the lesson's sweep of group sizes with one \
             size",
        ),
        (
            "groups.min_members=1000",
            "groups.min_members = 1000 leaves 0 of the lesson's sizes",
        ),
        (
            "groups.min_members=25",
            "groups.min_members = 25 leaves 1 of the lesson's sizes (2, 3, 4, 6, 8, 12, 16, 24, \
             40) at which a group can start (variant `baseline`), and the lesson compares at \
             least two\n\nhint: use a groups.min_members of at most 24",
        ),
        // The variants' names would no longer say what ran.
        (
            "groups.coordination_cost=0.1",
            "--set groups.coordination_cost=0.1 changes a parameter that the lesson's \
             variant(s) `no_coordination`, `joint` set to 0",
        ),
    ] {
        let sb = Sandbox::new();
        let mut args = vec!["teach", "group-size"];
        args.extend(SMALL);
        args.extend(["--set", setting, "--out", "lesson"]);
        let assert = sb.cmd(&args).assert().code(2);
        let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
        assert!(stderr.starts_with("error: "), "{stderr}");
        assert!(stderr.contains(says), "{setting}: {stderr}");
        assert!(!stderr.contains("0 size(s)"), "{stderr}");
        assert_eq!(
            fs::read_dir(sb.path()).unwrap().count(),
            0,
            "{setting}: nothing written, nothing run"
        );
    }
}

#[test]
fn a_lesson_whose_runs_hold_nothing_to_compare_keeps_them_and_says_why() {
    let sb = Sandbox::new();
    let mut args = vec!["teach", "group-size"];
    args.extend(SMALL);
    // Nobody joins: only the runs can show that no group starts.
    args.extend(["--set", "join.base=-20", "--out", "lesson"]);
    for resume in [false, true] {
        let mut args = args.clone();
        if resume {
            args.push("--resume");
        }
        let assert = sb.cmd(&args).assert().code(3);
        let out = assert.get_output();
        assert!(out.stdout.is_empty(), "no page to print");
        let stderr = String::from_utf8(out.stderr.clone()).unwrap();
        assert!(
            stderr.contains(
                "warning: no teach.html: the 135 runs are complete in lesson, but the page cannot \
                 be drawn from them: in variant `baseline` no group started at any size"
            ),
            "{stderr}"
        );
        assert!(!stderr.contains("error"), "{stderr}");
        let dir = sb.path().join("lesson");
        assert!(dir.join("manifest.json").exists() && dir.join("index.html").exists());
        assert!(!dir.join("teach.html").exists());
    }
}

/// Every percentage and interval on the page, as numbers: `(95% CI a% to b%)` and
/// `(95% CI +a to +b points)`.
fn intervals(page: &str, unit: &str) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    for part in page.split("(95% CI ").skip(1) {
        let text = &part[..part.find(')').unwrap()];
        if !text.ends_with(unit) {
            continue;
        }
        let text = text.trim_end_matches(unit).trim();
        let (lo, hi) = text.split_once(" to ").unwrap();
        let num = |t: &str| t.trim().trim_end_matches('%').parse::<f64>().unwrap();
        out.push((num(lo), num(hi)));
    }
    out
}

#[test]
fn no_interval_of_a_share_leaves_its_feasible_range() {
    let sb = Sandbox::new();
    let dir = quick_lesson(&sb);
    let page = read(&dir.join("teach.html"));
    let shares = intervals(&page, "%");
    let differences = intervals(&page, "points");
    assert!(!shares.is_empty() && !differences.is_empty());
    for (lo, hi) in shares {
        assert!((0.0..=100.0).contains(&lo) && (0.0..=100.0).contains(&hi) && lo <= hi);
    }
    for (lo, hi) in differences {
        assert!((-100.0..=100.0).contains(&lo) && (-100.0..=100.0).contains(&hi) && lo <= hi);
    }
    // The size table: "mean (low to high)" per size and regime.
    for cell in page.split("<td class=\"num\">").skip(1) {
        if let Some(open) = cell.find("% (") {
            let inner = &cell[open + 3..cell.find(')').unwrap()];
            let (lo, hi) = inner.split_once(" to ").unwrap();
            for v in [lo, hi] {
                let v: f64 = v.trim_end_matches('%').parse().unwrap();
                assert!((0.0..=100.0).contains(&v), "{inner}");
            }
        }
    }
    // summary.csv and comparison.csv: shares within 0-1, their differences within -1 to 1.
    let units: Vec<(String, String)> =
        crate::util::manifest_without_timing(&dir)["summary_metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["name"].as_str().unwrap().into(),
                    m["unit"].as_str().unwrap().into(),
                )
            })
            .collect();
    let is_share = |metric: &str| {
        units
            .iter()
            .any(|(n, u)| n == metric && (u.starts_with("share") || u == "0-1 scale"))
    };
    for (file, lo_bound) in [("summary.csv", 0.0), ("comparison.csv", -1.0)] {
        let (header, rows) = crate::util::csv(&dir.join(file));
        let col = |name: &str| header.iter().position(|h| h == name).unwrap();
        let mut checked = 0;
        for row in rows.iter().filter(|r| is_share(&r[col("metric")])) {
            for c in [col("ci_low"), col("ci_high")] {
                if let Ok(v) = row[c].parse::<f64>() {
                    assert!((lo_bound..=1.0).contains(&v), "{file}: {row:?}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 0, "{file} has share intervals");
    }
}

/// The three "Ideas for class" of docs/teaching.md: each change shows at the top of the page
/// and in the explanation's numbers.
#[test]
fn each_idea_for_class_changes_the_explanation() {
    let ideas = [
        (
            "groups.coordination_cost=0",
            "groups.coordination_cost = 0 (--set)",
            "coordination cost = 0 × (n − 1)",
        ),
        (
            "behaviour.attention=10",
            "behaviour.attention = 10 (--set)",
            "watches at most 10 fellow members",
        ),
        (
            "groups.min_effort_per_member=0",
            "groups.min_effort_per_member = 0 (--set)",
            "(0.6 effort units whatever its size)",
        ),
    ];
    let sb = Sandbox::new();
    for (i, (set, listed, explained)) in ideas.iter().enumerate() {
        let out = format!("lesson{i}");
        sb.cmd(&[
            "teach",
            "group-size",
            "--quick",
            "--set",
            "population.n_citizens=500",
            "--set",
            set,
            "--out",
            &out,
        ])
        .assert()
        .success();
        let page = read(&sb.path().join(&out).join("teach.html"));
        let top = &page[..page.find("We let simulated citizens").unwrap()];
        assert!(top.contains(listed), "{set}: not listed at the top");
        assert!(page.contains(explained), "{set}: explanation unchanged");
    }
}

/// Ctrl-C during a lesson keeps the finished runs, and the command it prints finishes the
/// lesson, page included, with the same files as a lesson never interrupted.
#[test]
fn an_interrupted_lesson_is_finished_by_the_command_it_prints() {
    let sb = Sandbox::new();
    let stderr = stop_quick_lesson(&sb, &["--out", "stopped"], "stall:6", ".stopped.partial");
    let command = stderr
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("coprod "))
        .unwrap_or_else(|| panic!("no resume command in {stderr}"));
    assert_eq!(
        command,
        "coprod teach group-size --out stopped --set population.n_citizens=500 --quick --resume"
    );

    let words: Vec<&str> = command.split(' ').skip(1).collect();
    sb.cmd(&words)
        .assert()
        .success()
        .stdout("stopped/teach.html\n");
    let reference = quick_lesson(&sb);
    for file in ["teach.html", "runs.csv", "timeseries.csv", "summary.csv"] {
        assert!(
            fs::read(reference.join(file)).unwrap()
                == fs::read(sb.path().join("stopped").join(file)).unwrap(),
            "{file} differs from the uninterrupted lesson's"
        );
    }
}

/// The quick lesson of [`quick_lesson`], without `--out`.
const QUICK: [&str; 5] = [
    "teach",
    "group-size",
    "--quick",
    "--set",
    "population.n_citizens=500",
];

/// What a quick lesson with one failed run says instead of naming its page.
const ONE_FAILED_NO_PAGE: &str = "no teach.html: a lesson's page is not drawn from an incomplete experiment (1 of 135 runs \
     failed)";

/// Starts the quick lesson with `extra` options on one thread, with `faults` injected (run
/// 6 stalls), waits until `partial` records 4 saved runs, then stops it with Ctrl-C and
/// returns what it printed on stderr.
fn stop_quick_lesson(sb: &Sandbox, extra: &[&str], faults: &str, partial: &str) -> String {
    use std::process::{Command, Stdio};
    let child = Command::new(crate::util::bin())
        .current_dir(sb.path())
        .args(QUICK)
        .args(extra)
        .args(["--threads", "1"])
        .env("COPROD_FAULT_INJECT", faults)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    crate::resume::wait_for_journal(&sb.path().join(partial), 4);
    crate::resume::interrupt(child)
}

/// `--resume` writes the page of a lesson whose runs were all saved, and a lesson with
/// failed runs gets no page and status 3, also when resumed.
#[test]
fn resume_writes_a_missing_page_but_never_one_from_failed_runs() {
    let sb = Sandbox::new();
    let lesson = quick_lesson(&sb);
    let page = fs::read(lesson.join("teach.html")).unwrap();
    fs::remove_file(lesson.join("teach.html")).unwrap();
    sb.cmd(&[&QUICK[..], &["--out", "lesson", "--resume"]].concat())
        .assert()
        .success()
        .stdout("lesson/teach.html\n");
    assert!(fs::read(lesson.join("teach.html")).unwrap() == page);

    for extra in [&[][..], &["--resume"]] {
        sb.cmd(&[&QUICK[..], &["--out", "failing"], extra].concat())
            .env("COPROD_FAULT_INJECT", "panic:3")
            .assert()
            .code(3)
            .stderr(predicate::str::contains(ONE_FAILED_NO_PAGE));
        assert!(!sb.path().join("failing/teach.html").exists());
    }
}

/// `--resume` of a lesson whose manifest.json does not parse names the file and the JSON
/// error, with status 2, and replaces nothing (neither the manifest nor the page).
#[test]
fn resume_of_a_lesson_with_a_damaged_manifest_names_it() {
    let sb = Sandbox::new();
    let lesson = quick_lesson(&sb);
    let manifest = lesson.join("manifest.json");
    let damaged = format!("\u{feff}{}", read(&manifest));
    fs::write(&manifest, &damaged).unwrap();
    let page = fs::read(lesson.join("teach.html")).unwrap();
    sb.cmd(&[&QUICK[..], &["--out", "lesson", "--resume"]].concat())
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "error: cannot resume lesson: lesson/manifest.json: expected value at line 1 \
             column 1\n\nhint: restore its manifest.json",
        ));
    assert_eq!(read(&manifest), damaged);
    assert!(fs::read(lesson.join("teach.html")).unwrap() == page);
}

/// The page and its charts are drawn beside the lesson and moved in only when all were
/// written: a write cut short (here by a file size limit, as a full disk would) leaves the
/// earlier page whole, and a page that cannot be written says how to write it once fixed.
#[test]
fn a_page_cut_short_leaves_the_earlier_page_and_says_how_to_write_it() {
    let sb = Sandbox::new();
    let lesson = quick_lesson(&sb);
    let page = fs::read(lesson.join("teach.html")).unwrap();
    assert!(
        page.len() > 1100 * 1024,
        "the page is larger than the limit"
    );
    let resume = [&QUICK[..], &["--out", "lesson", "--resume"]].concat();
    // SIGXFSZ kills the process at the first write past 512 KiB (1 MiB in some shells): only
    // the page is so large.
    let status = std::process::Command::new("sh")
        .current_dir(sb.path())
        .arg("-c")
        .arg("ulimit -f 1024 && exec \"$0\" \"$@\"")
        .arg(crate::util::bin())
        .args(&resume)
        .status()
        .unwrap();
    assert!(!status.success());
    assert!(fs::read(lesson.join("teach.html")).unwrap() == page);

    fs::remove_file(lesson.join("teach.html")).unwrap();
    fs::create_dir_all(lesson.join("teach.html/in-the-way")).unwrap();
    sb.cmd(&resume)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "error: cannot write the teaching page in lesson: cannot write lesson/teach.html",
        ))
        .stderr(predicate::str::contains(
            "hint: the runs are complete in lesson; once the cause is fixed, write the page \
             with (no run is repeated):\n  coprod teach group-size --out lesson --set \
             population.n_citizens=500 --quick --resume",
        ));
    fs::remove_dir_all(lesson.join("teach.html")).unwrap();
    sb.cmd(&resume).assert().success();
    assert!(fs::read(lesson.join("teach.html")).unwrap() == page);
    let left = crate::util::hidden_entries(&lesson);
    assert!(left.is_empty(), "working folders left: {left:?}");
}

/// A run that failed before the interruption keeps the resumed lesson from its page too.
#[test]
fn a_resumed_lesson_with_a_failure_before_the_interruption_gets_no_page() {
    let sb = Sandbox::new();
    stop_quick_lesson(
        &sb,
        &["--out", "stopped"],
        "panic:2,stall:6",
        ".stopped.partial",
    );
    sb.cmd(&[&QUICK[..], &["--out", "stopped", "--resume"]].concat())
        .assert()
        .code(3)
        .stderr(predicate::str::contains(ONE_FAILED_NO_PAGE));
    assert!(!sb.path().join("stopped/teach.html").exists());
}

/// Without `--out`, `--resume` finds the interrupted lesson among the default folders.
#[test]
fn resume_without_out_finds_the_interrupted_lesson() {
    let sb = Sandbox::new();
    sb.cmd(&[&QUICK[..], &["--resume"]].concat())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "there is no interrupted run of outputs/group-size-teach to resume",
        ))
        .stderr(predicate::str::contains(
            "give the directory of the interrupted run with --out DIR",
        ));
    stop_quick_lesson(&sb, &[], "stall:6", "outputs/.group-size-teach.partial");
    sb.cmd(&[&QUICK[..], &["--resume"]].concat())
        .assert()
        .success()
        .stdout("outputs/group-size-teach/teach.html\n");
}

/// Without `--out`, lessons follow `coprod run`'s rule for default folders: an interrupted
/// lesson of other options does not block a new one, which goes to the next numbered folder
/// and names the waiting lesson with the command that finishes it; a lesson of the same
/// options as a waiting one is refused with `--resume`; and `--resume` finds the lesson of
/// its own options among the numbered folders, or names the others without offering --force.
#[test]
fn default_folders_keep_interrupted_lessons_of_other_options_apart() {
    let sb = Sandbox::new();
    fn with<'a>(extra: &[&'a str]) -> Vec<&'a str> {
        [&QUICK[..], extra].concat()
    }
    stop_quick_lesson(
        &sb,
        &["--replications", "2"],
        "stall:6",
        "outputs/.group-size-teach.partial",
    );
    let waiting_note = "an interrupted run of other options is waiting in \
         outputs/.group-size-teach.partial and is kept (it was started with \
         experiment.replications = 2, but this run has experiment.replications = ";
    let finish_first = "finish it with `coprod teach group-size --out outputs/group-size-teach \
         --replications 2 --set population.n_citizens=500 --quick --resume`";
    sb.cmd(&QUICK)
        .assert()
        .success()
        .stdout("outputs/group-size-teach-2/teach.html\n")
        .stderr(predicate::str::contains(format!(
            "this run goes to outputs/group-size-teach-2: {waiting_note}3); {finish_first}"
        )));
    let stderr = stop_quick_lesson(
        &sb,
        &["--replications", "4"],
        "stall:6",
        "outputs/.group-size-teach-3.partial",
    );
    assert!(
        stderr.contains(&format!(
            "this run goes to outputs/group-size-teach-3: {waiting_note}4); {finish_first}"
        )),
        "{stderr}"
    );
    // The same options as the lesson waiting in -3: refused, so its runs are not lost.
    sb.cmd(&with(&["--replications", "4"]))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "an interrupted run of outputs/group-size-teach-3 is waiting",
        ))
        .stderr(predicate::str::contains("add --resume"));
    // Options of neither: --resume names both, and offers no --force.
    sb.cmd(&with(&["--replications", "5", "--resume"]))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "outputs/.group-size-teach.partial was started with experiment.replications = 2",
        ))
        .stderr(predicate::str::contains(
            "outputs/.group-size-teach-3.partial was started with experiment.replications = 4",
        ))
        .stderr(predicate::str::contains("--force").not());
    sb.cmd(&with(&["--replications", "4", "--resume"]))
        .assert()
        .success()
        .stdout("outputs/group-size-teach-3/teach.html\n");
    sb.cmd(&with(&["--replications", "2", "--resume"]))
        .assert()
        .success()
        .stdout("outputs/group-size-teach/teach.html\n");
}

/// `coprod teach group-size --quick` into `lesson` with `citizens` split into `communities`.
fn small_community_lesson(citizens: &'static str, communities: &'static str) -> Vec<&'static str> {
    vec![
        "teach",
        "group-size",
        "--quick",
        "--set",
        citizens,
        "--set",
        communities,
        "-j",
        "2",
        "--out",
        "lesson",
    ]
}

/// Communities of unequal size (235 citizens in 10 communities: 23 or 24 each, as the model
/// splits them) are named as such, and a cap of 24, which the larger communities can fill,
/// is not among the caps that run as smaller groups.
#[test]
fn communities_of_unequal_size_are_named_by_their_largest() {
    let sb = Sandbox::new();
    let args = small_community_lesson("population.n_citizens=235", "population.n_communities=10");
    sb.cmd(&args)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "communities of 23 or 24 citizens: groups recruit within one community, so the \
             caps 40 run as groups of at most 24 members",
        ));
    let page = read(&sb.path().join("lesson").join("teach.html"));
    for sentence in [
        "with size caps from 2 to 40 members (no group could have more than 24: groups \
         recruit within one community, and communities here hold 23 or 24 citizens)",
        "Communities here hold 23 or 24 citizens and groups recruit within one community, so \
         the caps 40 ran as groups of at most 24 members",
    ] {
        assert!(page.contains(sentence), "the page lacks: {sentence}");
    }
}

/// Caps above the communities' size run as groups of that size: the lesson runs, and a
/// warning names them. A lesson whose files were damaged afterwards (a column removed) is an
/// error when its page is drawn again (status 2), not a lesson without a page (status 3).
#[test]
fn caps_above_the_community_size_are_named_and_a_damaged_lesson_is_an_error() {
    let sb = Sandbox::new();
    // Communities of 8 citizens: the cap of 8 is not above them and is not named.
    let mut args =
        small_community_lesson("population.n_citizens=200", "population.n_communities=25");
    sb.cmd(&args)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "communities of 8 citizens: groups recruit within one community, so the caps 12, \
             16, 24, 40 run as groups of at most 8 members",
        ));
    let dir = sb.path().join("lesson");
    let page = read(&dir.join("teach.html"));
    assert!(
        page.contains(
            "Communities here hold 8 citizens and groups recruit within one community, so the \
             caps 12, 16, 24, 40 ran as groups of at most 8 members"
        ),
        "the page does not say which caps merged"
    );
    fs::remove_file(dir.join("teach.html")).unwrap();
    let path = dir.join("timeseries.csv");
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let header = reader.headers().unwrap().clone();
    let drop = header
        .iter()
        .position(|h| h == "participation_rate")
        .unwrap();
    let keep = |r: &csv::StringRecord| -> Vec<String> {
        r.iter()
            .enumerate()
            .filter(|(i, _)| *i != drop)
            .map(|(_, f)| f.to_string())
            .collect()
    };
    let mut rows = vec![keep(&header)];
    rows.extend(reader.records().map(|r| keep(&r.unwrap())));
    let mut writer = csv::Writer::from_path(&path).unwrap();
    for row in rows {
        writer.write_record(row).unwrap();
    }
    writer.flush().unwrap();
    args.push("--resume");
    sb.cmd(&args)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "lesson/timeseries.csv: missing column `participation_rate`",
        ));
}

/// Ctrl-C while the page is drawn (sent as soon as its temporary folder
/// `lesson/.coprod-new.<pid>` appears) takes effect once the page is in place: the lesson
/// has its page, no temporary folder, and the message says the page is written. Before,
/// the handler exited at once and left the temporary folder inside the lesson.
#[test]
fn ctrl_c_while_the_page_is_drawn_leaves_it_whole() {
    let sb = Sandbox::new();
    let args = [&QUICK[..], &["--out", "lesson", "--threads", "1"]].concat();
    let output = crate::util::ctrl_c_once_there(sb.path(), &args, |pid| {
        sb.path().join(format!("lesson/.coprod-new.{pid}"))
    });
    let stderr = String::from_utf8_lossy(&output.stderr);
    // 0 when the held-off Ctrl-C came too late to stop anything.
    let code = output.status.code();
    assert!(matches!(code, Some(0 | 130)), "{code:?}: {stderr}");
    let hidden = crate::util::hidden_entries(&sb.path().join("lesson"));
    assert!(hidden.is_empty(), "{hidden:?}: {stderr}");
    assert!(sb.path().join("lesson/teach.html").is_file(), "{stderr}");
    let says = "\ninterrupted after the page was written: the lesson is complete in lesson\n";
    assert!(code == Some(0) || stderr.contains(says), "{stderr}");
}

/// A groups.min_members above every community's size leaves no size at which a group can
/// start (groups recruit within one community), whatever the caps: refused before anything
/// runs, naming the communities' size, as docs/teaching.md promises. Before, only the caps
/// were compared, and the 135 runs ran to a lesson without a page (status 3).
#[test]
fn a_minimum_group_size_above_the_communities_is_refused_before_running() {
    let sb = Sandbox::new();
    // 200 citizens in the scenario's 10 communities: 20 each.
    let args = small_community_lesson("population.n_citizens=200", "groups.min_members=21");
    let assert = sb.cmd(&args).assert().code(2);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.starts_with(
            "error: groups.min_members = 21 leaves 0 of the lesson's sizes (2, 3, 4, 6, 8, 12, \
             16, 24, 40) at which a group can start (variant `baseline`): communities here hold \
             20 citizens and groups recruit within one community, so no group has more than 20 \
             members, and the lesson compares at least two\n\nhint: use a groups.min_members \
             of at most 20"
        ),
        "{stderr}"
    );
    assert_eq!(
        fs::read_dir(sb.path()).unwrap().count(),
        0,
        "nothing written, nothing run"
    );
}

/// `coprod teach` lowers a `--set` above `--quick`'s caps as `coprod run` does and says so,
/// and the page's box of changes states the values the runs had, naming the `--set` that
/// `--quick` lowered. Before, the box listed `experiment.steps = 100 (--set)` for a run of 60
/// months, and the lowered communities without the `--set` that asked for more.
#[test]
fn a_set_value_that_quick_lowers_is_named_with_the_value_that_ran() {
    let sb = Sandbox::new();
    // 200 citizens fill at most 25 communities of ring_degree + 2 = 8 citizens.
    let mut args =
        small_community_lesson("population.n_citizens=200", "population.n_communities=28");
    args.extend(["--set", "experiment.steps=100"]);
    let assert = sb.cmd(&args).assert().success();
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    for said in [
        "warning: --quick lowers `experiment.steps` to 60, below the 100 of --set \
         experiment.steps=100",
        "warning: --quick lowers `population.n_communities` to 25, below the 28 of --set \
         population.n_communities=28",
    ] {
        assert!(stderr.contains(said), "{stderr}");
    }
    let page = read(&sb.path().join("lesson/teach.html"));
    for listed in [
        "<li><code>population.n_communities = 25 (--quick, lowering --set \
         population.n_communities=28)</code></li>",
        "<li><code>months: 60 instead of 100 (--quick, lowering --set \
         experiment.steps=100)</code></li>",
    ] {
        assert!(page.contains(listed), "the box lacks {listed}");
    }
    assert!(!page.contains("experiment.steps = 100"), "a value not run");
}

/// `--resume` of a lesson with other options is refused with the options of `coprod
/// teach`: before, the hint asked for the same scenario file, `--seed` and `--shard`,
/// which the lesson does not take.
#[test]
fn a_lesson_resumed_with_other_options_names_the_options_of_teach() {
    let sb = Sandbox::new();
    quick_lesson(&sb);
    let args = [
        "teach",
        "group-size",
        "--quick",
        "--set",
        "population.n_citizens=400",
        "--out",
        "lesson",
        "--resume",
    ];
    let assert = sb.cmd(&args).assert().code(2);
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    assert!(
        stderr.ends_with(
            "\n\nhint: resume with the same --set, --replications and --quick options, or \
             start over with --force\n"
        ),
        "{stderr}"
    );
}
