//! Charts and `index.html` of every run, and `coprod plot DIR` redrawing them from the CSV
//! files alone: valid PNG and SVG of the stated size, axis labels in the SVGs, clear errors
//! (exit 2, file and line named) for missing or malformed CSVs.
//!
//! That text is drawn with the embedded font, not a system font, is tested in
//! `crates/coprod-plot/tests/charts.rs` (`title_text_is_drawn_with_the_embedded_font`).

use std::fs;
use std::path::{Path, PathBuf};

use predicates::prelude::*;

use crate::util::{Sandbox, contents, files_below, read, succeeds_within_deadline};

/// The PNG signature, width and height.
fn png_size(path: &Path) -> (u32, u32) {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        path.display()
    );
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |r: std::ops::Range<usize>| u32::from_be_bytes(bytes[r].try_into().unwrap());
    (be(16..20), be(20..24))
}

fn chart_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Checks a chart's PNG and SVG: 1280×800, and the SVG holds every text in `texts`.
fn check_chart(stem: &Path, texts: &[&str]) {
    let png = stem.with_extension("png");
    let svg = stem.with_extension("svg");
    assert_eq!(png_size(&png), (1280, 800), "{}", png.display());
    let text = read(&svg);
    assert!(text.starts_with("<svg"), "{}", svg.display());
    assert!(text.contains("width=\"1280\"") && text.contains("height=\"800\""));
    for t in texts {
        assert!(text.contains(t), "{} lacks {t:?}", svg.display());
    }
}

fn small_run(sb: &Sandbox) -> PathBuf {
    sb.small_run(&["--out", "out"]).assert().success();
    sb.path().join("out")
}

#[test]
fn every_run_gets_charts_and_an_index_page() {
    let sb = Sandbox::new();
    let dir = small_run(&sb);
    let charts = dir.join("charts");
    // The quick group-size scenario: two variants, one swept parameter.
    check_chart(
        &charts.join("timeseries_participation_rate"),
        &[
            "Participation rate over time",
            "time (steps, months)",
            "participation rate (share of citizens)",
            "baseline",
            "joint",
        ],
    );
    check_chart(
        &charts.join("response_share_lasting_24_by_group_size_cap"),
        &[
            "group size cap (members)",
            "share lasting 24 (share of groups)",
        ],
    );
    check_chart(
        &charts.join("survival_baseline"),
        &[
            "time since the group started (steps, months)",
            "share of groups still active",
        ],
    );
    check_chart(
        &charts.join("forest_participation_rate"),
        &["difference in participation rate (share of citizens), paired by replication"],
    );
    let index = read(&dir.join("index.html"));
    assert!(index.starts_with("<!DOCTYPE html>"));
    assert!(index.contains("Teaching scenario: is there a best group size"));
    // Markdown code spans of the description are shown as code, not as backticks.
    assert!(
        index.contains("<code>joint</code> changes all three"),
        "description as text"
    );
    assert!(!index.contains('`'), "stray Markdown in index.html");
    assert!(
        index.contains("levers.group_size_cap"),
        "resolved parameters and sweep"
    );
    assert!(index.contains("<th>95% CI</th>"), "summary table");
    let images = index.matches("src=\"data:image/png;base64,").count();
    let comparison_plots = std::fs::read_dir(dir.join("comparison"))
        .map(|entries| {
            entries
                .filter(|e| {
                    e.as_ref()
                        .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "png"))
                })
                .count()
        })
        .unwrap_or(0);
    assert!(
        comparison_plots > 0,
        "a scenario with variants has comparison plots"
    );
    assert_eq!(
        images,
        chart_names(&dir)
            .iter()
            .filter(|n| n.ends_with(".png"))
            .count()
            + comparison_plots,
        "every chart and comparison plot is inlined"
    );
    assert!(
        !index.contains("http://") && !index.contains("https://"),
        "no network"
    );
}

#[test]
fn plot_redraws_charts_from_the_csv_files_alone() {
    let sb = Sandbox::new();
    let dir = small_run(&sb);
    let before = chart_names(&dir);
    let png = dir.join("charts/timeseries_participation_rate.png");
    let original = fs::read(&png).unwrap();
    // Only the CSV files are left.
    fs::remove_dir_all(dir.join("charts")).unwrap();
    fs::remove_file(dir.join("index.html")).unwrap();
    fs::remove_file(dir.join("manifest.json")).unwrap();
    let assert = sb.cmd(&["plot", "out"]).assert().success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    // Every chart but those of the metric only the scenario's `[report]` table adds, which
    // only the manifest records.
    let defaults: Vec<String> = before
        .iter()
        .filter(|n| !n.contains("median_group_lifetime"))
        .cloned()
        .collect();
    assert!(defaults.len() < before.len());
    assert_eq!(chart_names(&dir), defaults);
    assert_eq!(
        fs::read(&png).unwrap(),
        original,
        "the same chart, byte for byte"
    );
    assert!(
        stdout
            .lines()
            .any(|l| l.ends_with("timeseries_participation_rate.png"))
    );
    assert!(
        stdout.lines().all(|l| sb.path().join(l).exists()),
        "{stdout}"
    );
    assert!(dir.join("index.html").exists());

    // --kind and --metric narrow the set.
    fs::remove_dir_all(dir.join("charts")).unwrap();
    sb.cmd(&[
        "plot",
        "out",
        "--kind",
        "time-series",
        "--metric",
        "service_output",
    ])
    .assert()
    .success();
    assert_eq!(
        chart_names(&dir),
        [
            "timeseries_service_output.png",
            "timeseries_service_output.svg"
        ]
    );
    check_chart(
        &dir.join("charts/timeseries_service_output"),
        &["service output (service units)"],
    );
}

#[test]
fn plot_errors_name_the_file_and_exit_2() {
    let sb = Sandbox::new();
    let dir = small_run(&sb);
    sb.cmd(&["plot", "missing"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing: no such run directory"));
    // A scenario file or a folder that holds no run is named for what it is.
    fs::write(sb.path().join("small.toml"), "name = \"small\"\n").unwrap();
    sb.cmd(&["plot", "small.toml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "error: small.toml is a file, not a run directory",
        ))
        .stderr(predicate::str::contains("use `coprod run small.toml`"));
    fs::create_dir(sb.path().join("empty")).unwrap();
    for command in ["plot", "compare"] {
        sb.cmd(&[command, "empty"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "error: empty is not a run directory: it has none of manifest.json, summary.csv, \
                 runs.csv",
            ));
    }
    assert_eq!(fs::read_dir(sb.path().join("empty")).unwrap().count(), 0);
    sb.cmd(&["plot", "out", "--metric", "happiness"])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(
            "error: cannot redraw the charts: out: no metric `happiness` in timeseries.csv or \
             runs.csv; available: participation_rate,",
        ));
    sb.cmd(&["plot", "out", "--kind", "pie"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("time-series"));

    let runs = dir.join("runs.csv");
    let text = read(&runs);
    // Line 4 of the file (the third run) gets a run_id that is not a number.
    let broken: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 3 {
                format!("x{}", &l[l.find(',').unwrap()..])
            } else {
                l.to_string()
            }
        })
        .collect();
    fs::write(&runs, broken.join("\n") + "\n").unwrap();
    sb.cmd(&["plot", "out"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("runs.csv:4: column `run_id`"))
        .stderr(predicate::str::contains("panicked").not());

    fs::write(&runs, "").unwrap();
    sb.cmd(&["plot", "out"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("runs.csv"))
        .stderr(predicate::str::contains("panicked").not());
    fs::remove_file(dir.join("groups.csv")).unwrap();
    fs::write(&runs, text).unwrap();
    sb.cmd(&["plot", "out"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("groups.csv"));
}

#[test]
fn a_narrowed_plot_redraws_its_charts_and_leaves_index_html_whole() {
    let sb = Sandbox::new();
    let dir = small_run(&sb);
    let index = fs::read(dir.join("index.html")).unwrap();
    let shown = |page: &[u8]| {
        String::from_utf8_lossy(page)
            .matches("src=\"data:image/png;base64,")
            .count()
    };
    let before = shown(&index);
    assert!(before > 2, "{before} charts");
    let png = dir.join("charts/timeseries_participation_rate.png");
    fs::remove_file(&png).unwrap();
    let assert = sb
        .cmd(&["plot", "out", "--kind", "time-series"])
        .assert()
        .success();
    let out = assert.get_output();
    let stdout = String::from_utf8(out.stdout.clone()).unwrap();
    let stderr = String::from_utf8(out.stderr.clone()).unwrap();
    assert!(png.exists(), "the selected chart is redrawn");
    assert!(!stdout.contains("index.html"), "{stdout}");
    assert!(
        stderr.contains("note: index.html was left as it was (it shows every default chart)"),
        "{stderr}"
    );
    assert_eq!(
        fs::read(dir.join("index.html")).unwrap(),
        index,
        "index.html still shows all {before} charts"
    );
    // Without a selection, every chart and the page are redrawn, the same as the run's.
    let assert = sb.cmd(&["plot", "out"]).assert().success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert!(stdout.lines().any(|l| l == "out/index.html"), "{stdout}");
    assert_eq!(shown(&fs::read(dir.join("index.html")).unwrap()), before);
}

#[test]
fn a_sweep_over_two_parameters_gets_a_heatmap() {
    let sb = Sandbox::new();
    fs::write(
        sb.path().join("two.toml"),
        "name = \"two-axes\"\n\
         [params.population]\nn_citizens = 240\nn_communities = 4\n\
         [experiment]\nsteps = 8\nreplications = 2\n\
         [experiment.sweep]\n\"levers.group_size_cap\" = [4, 8]\n\
         \"levers.participation_cost\" = [0.2, 0.6]\n",
    )
    .unwrap();
    sb.cmd(&["run", "two.toml", "--out", "two"])
        .assert()
        .success();
    let dir = sb.path().join("two");
    check_chart(
        &dir.join("charts/heatmap_participation_rate_baseline"),
        &[
            "participation cost (benefit units per step)",
            "group size cap (members)",
            "participation rate (share of citizens)",
        ],
    );
    // One line per value of the other swept parameter, named in words.
    check_chart(
        &dir.join("charts/response_participation_rate_by_participation_cost"),
        &["group size cap 4", "group size cap 8"],
    );
}

#[test]
fn charts_do_not_depend_on_the_machines_fonts() {
    // With fontconfig and every font directory pointed at nothing, the charts are byte for
    // byte the same: text comes from the font embedded in the binary.
    let sb = Sandbox::new();
    let dir = small_run(&sb);
    let png = dir.join("charts/response_share_lasting_24_by_group_size_cap.png");
    let with_fonts = fs::read(&png).unwrap();
    fs::remove_dir_all(dir.join("charts")).unwrap();
    let nowhere = sb.path().join("no-fonts");
    sb.cmd(&["plot", "out", "--kind", "response"])
        .env("FONTCONFIG_FILE", &nowhere)
        .env("FONTCONFIG_PATH", &nowhere)
        .env("XDG_DATA_DIRS", &nowhere)
        .env("XDG_DATA_HOME", &nowhere)
        .env("HOME", &nowhere)
        .assert()
        .success();
    assert_eq!(fs::read(&png).unwrap(), with_fonts);
}

/// `coprod plot --kind heatmap` of a one-parameter sweep says why there is no heatmap.
#[test]
fn heatmap_of_a_one_parameter_sweep_says_why_there_is_none() {
    let sb = Sandbox::new();
    let dir = small_run(&sb);
    let assert = sb
        .cmd(&["plot", dir.to_str().unwrap(), "--kind", "heatmap"])
        .assert()
        .success();
    let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
    let note = "no heatmap: a heatmap needs two numeric swept parameters, and this run sweeps \
                only `levers.group_size_cap`";
    // Said once, not once per metric that would have had a heatmap.
    assert_eq!(stderr.matches(note).count(), 1, "{stderr}");
}

/// The lab scenario's default charts show what its description says to read: the
/// contribution per round, not participation over months.
#[test]
fn lab_runs_chart_the_contribution_per_round() {
    let sb = Sandbox::new();
    let scenario = crate::util::root().join("scenarios/lab-public-goods.toml");
    sb.cmd(&["run", scenario.to_str().unwrap(), "--quick", "--out", "lab"])
        .assert()
        .success();
    let charts = sb.path().join("lab/charts");
    let names = chart_names(&sb.path().join("lab"));
    assert!(
        names
            .iter()
            .all(|n| !n.contains("participation_rate") && !n.contains("survival")),
        "{names:?}"
    );
    check_chart(
        &charts.join("timeseries_mean_contribution"),
        &[
            "Mean contribution by round",
            "round of the public-goods game",
        ],
    );
    // A run's mean_contribution in runs.csv averages all 10 rounds: the page must not call
    // it the end-of-run contribution, which reads as the contribution of the last round.
    let page = read(&sb.path().join("lab/index.html"));
    assert!(!page.contains("end-of-run mean contribution"), "{page}");
    for says in [
        "mean contribution (each run averaged over all 10 rounds) against baseline",
        "is, in each run, its average over all 10 rounds",
    ] {
        assert!(page.contains(says), "{says}\n{page}");
    }
}

/// Every file below `dir` (relative path) with its inode and bytes.
fn snapshot(dir: &Path) -> Vec<(String, u64, Vec<u8>)> {
    use std::os::unix::fs::MetadataExt;
    files_below(dir)
        .into_iter()
        .map(|rel| {
            let path = dir.join(&rel);
            let ino = fs::metadata(&path).unwrap().ino();
            (
                rel.to_string_lossy().into_owned(),
                ino,
                fs::read(&path).unwrap(),
            )
        })
        .collect()
}

#[test]
fn plot_replaces_charts_and_page_whole_and_refuses_a_damaged_directory() {
    let sb = Sandbox::new();
    let dir = small_run(&sb);
    let before = snapshot(&dir);
    sb.cmd(&["plot", "out"]).assert().success();
    let after = snapshot(&dir);
    // The same files with the same bytes, each a new file moved into place (not rewritten
    // in place), and no temporary file left.
    let names = |s: &[(String, u64, Vec<u8>)]| s.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&after), names(&before));
    for (old, new) in before.iter().zip(&after) {
        assert_eq!(old.2, new.2, "{} changed", old.0);
        let drawn = old.0.starts_with("charts/") || old.0 == "index.html";
        assert_eq!(
            old.1 != new.1,
            drawn,
            "{}: a new inode for exactly the redrawn files",
            old.0
        );
    }
    let hidden = crate::util::hidden_entries(&dir);
    assert!(hidden.is_empty(), "{hidden:?}");

    // runs.csv with only its header, while the manifest records 2 runs: refused, untouched.
    let runs = dir.join("runs.csv");
    let header = read(&runs).lines().next().unwrap().to_string();
    fs::write(&runs, header + "\n").unwrap();
    let before = snapshot(&dir);
    sb.cmd(&["plot", "out"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "runs.csv has 0 runs, but manifest.json records",
        ));
    assert_eq!(snapshot(&dir), before);
}

/// An error of `coprod plot` or `coprod compare` names the file or folder of the run
/// directory concerned, not the working folder they draw in, which is gone when it is read.
/// A file where their folder goes is named with what to do (not the OS's bare "File
/// exists"), and nothing of the directory is changed.
#[test]
fn plot_and_compare_errors_name_the_run_directorys_files() {
    let sb = Sandbox::new();
    let dir = small_run(&sb);
    for (folder, command) in [("charts", "plot"), ("comparison", "compare")] {
        // A file where the folder must be: the new files cannot be moved into place.
        fs::remove_dir_all(dir.join(folder)).unwrap();
        fs::write(dir.join(folder), "not a folder").unwrap();
        let before = snapshot(&dir);
        let out = sb.cmd(&[command, "out"]).assert().code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        assert!(!stderr.contains(".coprod-new"), "{stderr}");
        assert!(
            stderr.contains(&format!(
                "cannot write out/{folder}: it is not a folder, but coprod writes a folder of \
                 that name there; move or rename it, then give the command again"
            )),
            "{stderr}"
        );
        assert!(!stderr.contains("os error"), "{stderr}");
        assert_eq!(snapshot(&dir), before, "{command} changed the directory");
        fs::remove_file(dir.join(folder)).unwrap();
        fs::create_dir(dir.join(folder)).unwrap();
    }
}

/// `coprod plot` and `coprod compare` on another command's result say what it is.
#[test]
fn plot_and_compare_name_another_commands_result() {
    let sb = Sandbox::new();
    let results = [
        (
            "fit",
            r#"{"kind": "calibration"}"#,
            "is a calibration (`coprod calibrate`)",
        ),
        (
            "checks",
            r#"{"kind": "validation"}"#,
            "is a validation (`coprod validate`)",
        ),
        (
            "sa",
            r#"{"kind": "sensitivity"}"#,
            "is a sensitivity analysis (`coprod sensitivity`)",
        ),
        (
            "poll",
            r#"{"kind": "survey"}"#,
            "is a survey (`coprod survey`)",
        ),
    ];
    for (dir, manifest, said) in results {
        fs::create_dir(sb.path().join(dir)).unwrap();
        fs::write(sb.path().join(dir).join("manifest.json"), manifest).unwrap();
        for command in ["plot", "compare"] {
            sb.cmd(&[command, dir])
                .assert()
                .code(2)
                .stderr(predicate::str::contains(format!(
                    "{dir} {said}, not a run directory"
                )));
        }
    }
    sb.small_run(&["baseline", "--shard", "0/2", "--out", "shard"])
        .assert()
        .success();
    for command in ["plot", "compare"] {
        sb.cmd(&[command, "shard"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("shard is one shard of a run"))
            .stderr(predicate::str::contains("coprod merge"));
    }
    // The working folder of an interrupted run: it has no summary.csv yet, and what to do
    // is to resume the run, not to find the file.
    let partial = sb.path().join(".out.partial");
    fs::create_dir(&partial).unwrap();
    fs::write(partial.join("partial.json"), "{}").unwrap();
    for command in ["plot", "compare"] {
        sb.cmd(&[command, ".out.partial"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                ".out.partial is the working folder of an interrupted run",
            ))
            .stderr(predicate::str::contains("--out out --resume"));
    }
}

/// `--metric` selects only charts of that metric: survival charts (which have none) are
/// left as they were, and `--kind survival --metric M` is refused.
#[test]
fn plot_by_metric_leaves_survival_charts_alone() {
    let sb = Sandbox::new();
    let dir = small_run(&sb);
    let out = sb
        .cmd(&["plot", "out", "-m", "participation_rate"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    assert!(out.contains("participation_rate"), "{out}");
    assert!(!out.contains("survival"), "{out}");
    assert!(dir.join("charts/survival_baseline.png").exists());
    sb.cmd(&["plot", "out", "-m", "participation_rate", "-k", "survival"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("survival charts have no metric"));
}

/// Replaces field `column` of line `line` (from 1, the header) of `file` by `value`; `None`
/// deletes the column from every line.
fn edit(file: &Path, line: usize, column: &str, value: Option<&str>) {
    let text = read(file);
    let lines: Vec<&str> = text.lines().collect();
    let at = lines[0].split(',').position(|h| h == column).unwrap();
    let edited: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut fields: Vec<&str> = l.split(',').collect();
            match value {
                None => {
                    fields.remove(at);
                }
                Some(v) if i + 1 == line => fields[at] = v,
                Some(_) => {}
            }
            fields.join(",")
        })
        .collect();
    fs::write(file, edited.join("\n") + "\n").unwrap();
}

/// Repeats (`true`) or deletes line `line` of `file`.
fn repeat_or_delete(file: &Path, line: usize, repeat: bool) {
    let text = read(file);
    let mut lines: Vec<&str> = text.lines().collect();
    if repeat {
        lines.insert(line, lines[line - 1]);
    } else {
        lines.remove(line - 1);
    }
    fs::write(file, lines.join("\n") + "\n").unwrap();
}

/// `coprod plot` and `coprod compare` refuse files that contradict each other or the
/// manifest, naming the file, line and column and what was expected, and change nothing:
/// their charts and pages would describe runs that never happened.
#[test]
fn plot_and_compare_refuse_files_that_disagree() {
    let sb = Sandbox::new();
    let dir = small_run(&sb);
    let pristine = sb.path().join("pristine");
    fs::create_dir(&pristine).unwrap();
    for rel in files_below(&dir) {
        let to = pristine.join(&rel);
        fs::create_dir_all(to.parent().unwrap()).unwrap();
        fs::copy(dir.join(&rel), to).unwrap();
    }
    let restore = || {
        fs::remove_dir_all(&dir).unwrap();
        fs::create_dir(&dir).unwrap();
        for rel in files_below(&pristine) {
            let to = dir.join(&rel);
            fs::create_dir_all(to.parent().unwrap()).unwrap();
            fs::copy(pristine.join(&rel), to).unwrap();
        }
    };
    let runs = dir.join("runs.csv");
    let series = dir.join("timeseries.csv");
    let summary = dir.join("summary.csv");
    let manifest = dir.join("manifest.json");
    let parameters = dir.join("parameters.csv");
    type Damage<'a> = (Box<dyn Fn() + 'a>, &'a str);
    let cases: Vec<Damage> = vec![
        // parameters.csv: index.html states its values, so a row it could not have written
        // is refused rather than shown.
        (
            Box::new(|| edit(&parameters, 2, "parameter", Some("bogus.param"))),
            "parameters.csv:2: column `parameter`: expected a model parameter (`coprod list \
             --params`), found \"bogus.param\"",
        ),
        (
            Box::new(|| edit(&parameters, 3, "variant", Some("zzz"))),
            "parameters.csv:3: column `variant`: expected one of manifest.json's variants \
             (baseline, non_rival, no_hurdle, no_coordination, joint), found \"zzz\"",
        ),
        (
            Box::new(|| edit(&parameters, 3, "levers.group_size_cap", Some("77"))),
            "parameters.csv:3: column `levers.group_size_cap`: expected one of the swept values \
             of manifest.json",
        ),
        (
            Box::new(|| repeat_or_delete(&parameters, 3, true)),
            "parameters.csv:4: column `parameter`: expected each parameter once per variant and \
             sweep point, in the order of `coprod list --params`",
        ),
        (
            Box::new(|| repeat_or_delete(&parameters, 3, false)),
            "parameters.csv: expected the same parameters for every variant and sweep point",
        ),
        // A value its parameter cannot take, or another than every run had: a field run
        // must not be drawn and described as a lab run.
        (
            Box::new(|| edit(&parameters, 2, "value", Some("lab"))),
            "parameters.csv:2: column `value`: expected \"field\" for `population.setting`, \
             the value manifest.json's `parameters` records for every run, found \"lab\"",
        ),
        (
            Box::new(|| edit(&parameters, 2, "value", Some("banana"))),
            "parameters.csv:2: column `value`: expected one of \"field\", \"lab\" for \
             `population.setting`, found \"banana\"",
        ),
        (
            Box::new(|| edit(&parameters, 3, "value", Some("-5"))),
            "parameters.csv:3: column `value`: expected a whole number from 4 to 50000000 for \
             `population.n_citizens`, found \"-5\"",
        ),
        (
            Box::new(|| edit(&runs, 3, "variant", Some("zzz"))),
            "runs.csv:3: column `variant`: expected one of manifest.json's variants (baseline, \
             non_rival, no_hurdle, no_coordination, joint), found \"zzz\"",
        ),
        (
            Box::new(|| edit(&runs, 3, "replication", Some("99"))),
            "runs.csv:3: column `replication`: expected a replication below 2",
        ),
        (
            Box::new(|| edit(&runs, 3, "run_id", Some("0"))),
            "runs.csv:3: column `run_id`: expected each run once, found run 0 again (line 2)",
        ),
        (
            Box::new(|| edit(&runs, 3, "levers.group_size_cap", Some("abc"))),
            "runs.csv:3: column `levers.group_size_cap`: expected one of the swept values",
        ),
        (
            Box::new(|| edit(&runs, 3, "participation_rate", Some("NaN"))),
            "runs.csv:3: column `participation_rate`: expected a finite number, found \"NaN\"",
        ),
        (
            Box::new(|| edit(&runs, 3, "participation_rate", Some("5"))),
            "runs.csv:3: column `participation_rate`: expected a value from 0 to 1 (share of \
             citizens), found \"5\"",
        ),
        (
            Box::new(|| edit(&runs, 1, "participation_rate", None)),
            "runs.csv: missing column `participation_rate`",
        ),
        (
            Box::new(|| edit(&runs, 1, "levers.group_size_cap", None)),
            "runs.csv: missing column `levers.group_size_cap`",
        ),
        (
            Box::new(|| edit(&series, 1, "participation_rate", None)),
            "timeseries.csv: missing column `participation_rate`",
        ),
        (
            Box::new(|| edit(&series, 4, "step", Some("999"))),
            "timeseries.csv:4: column `step`: expected a step below 8 (manifest.json's \
             experiment.steps), found 999",
        ),
        (
            Box::new(|| repeat_or_delete(&series, 4, true)),
            "timeseries.csv:5: column `step`: expected step 3 of run 0, found 2",
        ),
        (
            Box::new(|| repeat_or_delete(&series, 9, false)),
            "timeseries.csv: expected 8 steps of run 0 (manifest.json's experiment.steps), \
             found 7",
        ),
        (
            Box::new(|| repeat_or_delete(&summary, 3, true)),
            "summary.csv:4: column `metric`: expected each metric of a variant and sweep point \
             once",
        ),
        (
            Box::new(|| repeat_or_delete(&summary, 3, false)),
            "summary.csv: expected a row of `active_groups` for variant `baseline`",
        ),
        (
            Box::new(|| {
                let text = read(&manifest).replace("\"replications\": 2,", "\"replications\": 4,");
                fs::write(&manifest, text).unwrap();
            }),
            "manifest.json: expected `experiment.runs` to be 5 variants x 9 sweep points \
             (`experiment.sweep_points`) x 4 replications (`experiment.replications`) = 180, \
             found 90",
        ),
        // A field of the wrong type is damage, not a manifest of an earlier coprod.
        (
            Box::new(|| {
                let text = read(&manifest).replace("\"failed_runs\": 0,", "\"failed_runs\": -1,");
                fs::write(&manifest, text).unwrap();
            }),
            "manifest.json: `failed_runs` holds a value no coprod writes (invalid value: \
             integer `-1`, expected a whole number from 0 to 18446744073709551615); the file \
             is damaged or was changed",
        ),
        (
            Box::new(|| {
                let text = read(&manifest).replace("\"steps\": 8,", "\"steps\": \"8\",");
                fs::write(&manifest, text).unwrap();
            }),
            "manifest.json: `experiment.steps` holds a value no coprod writes",
        ),
        (
            Box::new(|| fs::write(&manifest, "{}").unwrap()),
            "manifest.json: expected `variants`",
        ),
        // Not an object at all: no run's manifest, not a field of the wrong type.
        (
            Box::new(|| fs::write(&manifest, "[1]").unwrap()),
            "manifest.json: expected `variants`",
        ),
        (
            Box::new(|| {
                let text = read(&manifest).replace("\"seeds\": {", "\"seeds\": 3, \"x\": {");
                fs::write(&manifest, text).unwrap();
            }),
            "manifest.json: `seeds` holds a value no coprod writes (invalid type: integer `3`, \
             expected a JSON object)",
        ),
        // Without a manifest, the files must still agree with each other.
        (
            Box::new(|| {
                fs::remove_file(&manifest).unwrap();
                let text = read(&runs);
                let kept: Vec<&str> = text.lines().take(3).collect();
                fs::write(&runs, kept.join("\n") + "\n").unwrap();
            }),
            "summary.csv:",
        ),
    ];
    for (damage, said) in &cases {
        for command in ["plot", "compare"] {
            restore();
            damage();
            let before = snapshot(&dir);
            let out = sb.cmd(&[command, "out"]).assert().code(2);
            let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
            assert!(stderr.contains(said), "{command}: {said}\n{stderr}");
            assert!(!stderr.contains("panicked"), "{stderr}");
            assert_eq!(
                snapshot(&dir),
                before,
                "{command}: {said}: the folder changed"
            );
        }
    }
}

/// A scenario whose `[report]` table names the metrics its question is about: the page
/// charts them first (a time series only for a metric recorded per step), shows them in
/// the summary table and says so; comparison.csv compares them before the key metrics;
/// `coprod plot` redraws the same charts from the manifest's record; `--metric` narrows
/// what is compared, and the page then does not claim the comparison.
#[test]
fn a_scenario_report_table_puts_its_metrics_first() {
    let sb = Sandbox::new();
    fs::write(
        sb.path().join("study.toml"),
        "name = \"study\"\n\n[experiment.sweep]\n\"levers.outreach\" = [0.0, 1.0]\n\n\
         [[experiment.variants]]\nname = \"cheap\"\nparams.levers.participation_cost = 0.25\n\n\
         [report]\nmetrics = [\"representativeness\", \"median_group_lifetime\"]\n",
    )
    .unwrap();
    sb.small_run(&["study.toml", "--out", "out"])
        .assert()
        .success();
    let dir = sb.path().join("out");
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&dir.join("manifest.json"))).unwrap();
    assert_eq!(
        manifest["scenario"]["report_metrics"],
        serde_json::json!(["representativeness", "median_group_lifetime"])
    );
    let compared = &manifest["comparison"]["metrics"];
    assert_eq!(compared[0], "representativeness");
    assert_eq!(compared[1], "median_group_lifetime");
    assert_eq!(compared[2], "participation_rate", "then the key metrics");
    let comparison = read(&dir.join("comparison.csv"));
    assert!(
        comparison.contains(",median_group_lifetime,"),
        "{comparison}"
    );

    let charts = chart_names(&dir);
    for name in [
        "timeseries_representativeness.png",
        "response_representativeness_by_outreach.png",
        "response_median_group_lifetime_by_outreach.png",
        "forest_median_group_lifetime.png",
        "timeseries_participation_rate.png",
    ] {
        assert!(
            charts.contains(&name.to_string()),
            "{name} missing: {charts:?}"
        );
    }
    // A group metric of runs.csv has no time series, and no note says it is missing.
    assert!(
        !charts
            .iter()
            .any(|c| c.starts_with("timeseries_median_group_lifetime"))
    );
    let index = read(&dir.join("index.html"));
    assert!(!index.contains("no time series of"), "{index}");
    let first = |a: &str, b: &str| index.find(a).unwrap() < index.find(b).unwrap();
    assert!(first(
        "alt=\"Representativeness over time\"",
        "alt=\"Participation rate over time\""
    ));
    assert!(index.contains(
        "<code>representativeness</code> and <code>median_group_lifetime</code>. Their charts \
         come first among the charts of each kind, before those of the default metrics, and \
         the summary table shows them; comparison.csv compares them."
    ));
    let visible = &index[..index.find("<summary>Every metric</summary>").unwrap()];
    assert!(visible.contains("<td>median_group_lifetime</td>"));

    // `coprod plot` reads the record: the same charts and the same page.
    let before = read(&dir.join("index.html"));
    sb.cmd(&["plot", "out"]).assert().success();
    assert_eq!(chart_names(&dir), charts);
    assert_eq!(read(&dir.join("index.html")), before);
    // `coprod compare` compares the same metrics by default, so it narrows nothing.
    sb.cmd(&["compare", "out"]).assert().success();

    // With --metric, comparison.csv compares only that, and the page does not say otherwise.
    sb.small_run(&[
        "study.toml",
        "--out",
        "narrow",
        "--metric",
        "participation_rate",
    ])
    .assert()
    .success();
    let narrow = read(&sb.path().join("narrow/index.html"));
    assert!(
        narrow.contains("the summary table shows them.</p>"),
        "{narrow}"
    );
    assert!(!narrow.contains("comparison.csv compares them"));
}

/// The page says which of the scenario's metrics have a chart: without variants or a sweep
/// an end-of-run metric of runs.csv (here a group metric) has none, and the page must not
/// say its charts come first.
#[test]
fn the_page_does_not_claim_charts_of_report_metrics_it_has_none_of() {
    let sb = Sandbox::new();
    let write = |name: &str, metrics: &str| {
        fs::write(
            sb.path().join(name),
            format!("name = \"plain\"\n\n[report]\nmetrics = [{metrics}]\n"),
        )
        .unwrap();
    };
    write("mixed.toml", "\"median_group_lifetime\", \"service_ratio\"");
    write("none.toml", "\"median_group_lifetime\", \"groups_started\"");
    write("one.toml", "\"median_group_lifetime\"");
    for name in ["mixed", "none", "one"] {
        sb.small_run(&[&format!("{name}.toml"), "--out", name])
            .assert()
            .success();
    }
    let index = |name: &str| read(&sb.path().join(name).join("index.html"));
    assert!(chart_names(&sb.path().join("mixed")).contains(&"timeseries_service_ratio.png".into()));
    let mixed = index("mixed");
    assert!(
        mixed.contains(
            "Their charts come first among the charts of each kind, before those of the \
             default metrics (<code>median_group_lifetime</code> has none on this page), and \
             the summary table shows them.</p>"
        ),
        "{mixed}"
    );
    let none = index("none");
    assert!(!none.contains("Their charts"), "{none}");
    assert!(
        none.contains("None of them has a chart on this page; the summary table shows them.</p>"),
        "{none}"
    );
    let one = index("one");
    assert!(
        one.contains(
            "<code>median_group_lifetime</code>. It has no chart on this page; the summary \
             table shows it.</p>"
        ),
        "{one}"
    );
}

/// `plot -j N` draws the charts on a pool of N threads, as `run -j N` does, and redraws the
/// same bytes for any N, whatever size the global pool has (RAYON_NUM_THREADS, unlike
/// either -j): only -j may decide the threads. Within a deadline, so that a deadlock fails
/// the test.
#[test]
fn plot_j_draws_the_same_charts_on_any_number_of_threads() {
    let sb = Sandbox::new();
    let dir = small_run(&sb);
    let drawn: Vec<_> = [1, 2]
        .iter()
        .map(|&threads| {
            let n = threads.to_string();
            let args = ["plot", "out", "-j", &n];
            let pool = succeeds_within_deadline(sb.path(), &args, &[("RAYON_NUM_THREADS", "3")]);
            assert_eq!(
                pool, threads,
                "threads of the -j pool seen during plot -j {n}"
            );
            contents(&dir)
        })
        .collect();
    assert!(
        drawn[0] == drawn[1],
        "plot -j 1 and -j 2 drew different files"
    );
}
