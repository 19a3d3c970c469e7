//! Interrupted runs: SIGKILL or Ctrl-C leaves the finished runs in the partial directory,
//! `coprod run --resume` runs only what is missing, and the outputs are byte-identical to
//! an uninterrupted run. Resuming refuses another scenario, other options or another
//! coprod version.
//!
//! Runs are made to stall on purpose with `COPROD_FAULT_INJECT=stall:RUN_ID` (with one
//! thread, runs are taken in chunks of 4, so stalling run 10 leaves runs 0-7 saved).

use std::fs;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use predicates::prelude::*;

use crate::util::{Sandbox, bin, data, manifest_without_timing, read};

const CSVS: [&str; 4] = ["runs.csv", "timeseries.csv", "groups.csv", "summary.csv"];

/// `coprod run tests/data/sweep.toml <extra>` (24 runs) started in the background, with
/// run `stall` never finishing.
pub(crate) fn spawn_stalled(sb: &Sandbox, extra: &[&str], stall: u64) -> Child {
    let file = data("sweep.toml");
    Command::new(bin())
        .current_dir(sb.path())
        .args(["run", file.to_str().unwrap(), "--threads", "1"])
        .args(extra)
        .env("COPROD_FAULT_INJECT", format!("stall:{stall}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Waits until the journal of `partial` records `runs` finished runs.
pub(crate) fn wait_for_journal(partial: &Path, runs: u64) {
    let journal = partial.join("journal");
    let start = Instant::now();
    let prefix = format!("\n{runs},");
    loop {
        if fs::read_to_string(&journal).is_ok_and(|t| t.contains(&prefix)) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the journal never recorded {runs} runs"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Sends Ctrl-C (SIGINT) to `child`, checks that it exits with status 130 and returns what
/// it printed on stderr (which must have been piped).
pub(crate) fn interrupt(child: Child) -> String {
    let output = crate::util::ctrl_c(child);
    assert_eq!(output.status.code(), Some(130), "Ctrl-C exits with 130");
    String::from_utf8(output.stderr).unwrap()
}

/// Starts `coprod ARGS` in the sandbox, sends Ctrl-C once `ready` (a path in the sandbox)
/// exists, checks the exit status 130 and returns what it printed on stderr.
pub(crate) fn interrupt_when(sb: &Sandbox, args: &[&str], ready: &str) -> String {
    let output = crate::util::ctrl_c_once_there(sb.path(), args, |_| sb.path().join(ready));
    assert_eq!(output.status.code(), Some(130), "Ctrl-C exits with 130");
    String::from_utf8(output.stderr).unwrap()
}

/// `coprod run tests/data/sweep.toml --out OUT <extra>` in the sandbox.
fn run_sweep(sb: &Sandbox, out: &str, extra: &[&str]) -> assert_cmd::Command {
    let file = data("sweep.toml");
    let mut args = vec!["run", file.to_str().unwrap(), "--out", out];
    args.extend_from_slice(extra);
    sb.cmd(&args)
}

fn assert_same_outputs(a: &Path, b: &Path) {
    for file in CSVS {
        assert!(
            fs::read(a.join(file)).unwrap() == fs::read(b.join(file)).unwrap(),
            "{file} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
    // Only the timing of the manifest may differ.
    assert_eq!(manifest_without_timing(a), manifest_without_timing(b));
}

#[test]
fn sigkill_mid_sweep_then_resume_gives_byte_identical_outputs() {
    let sb = Sandbox::new();
    run_sweep(&sb, "reference", &["--threads", "2"])
        .assert()
        .success();

    let mut child = spawn_stalled(&sb, &["--out", "study"], 10);
    let partial = sb.path().join(".study.partial");
    wait_for_journal(&partial, 8);
    // The run directory does not exist until everything in it is complete.
    assert!(!sb.path().join("study").exists());
    assert!(!partial.join("manifest.json").exists());
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(!status.success());

    // A crash in the middle of a chunk leaves bytes that no journal line covers.
    for file in ["runs.csv", "timeseries.csv", "groups.csv"] {
        let mut f = fs::OpenOptions::new()
            .append(true)
            .open(partial.join(file))
            .unwrap();
        std::io::Write::write_all(&mut f, b"9,baseline,5,0.5,1,14671045").unwrap();
    }
    let journal = read(&partial.join("journal"));

    // Without --resume the saved runs are not thrown away.
    run_sweep(&sb, "study", &[])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("an interrupted run of study"))
        .stderr(predicate::str::contains("hint: add --resume"));
    // Other options are another scenario: refused, and the partial run is untouched.
    run_sweep(&sb, "study", &["--resume", "--seed", "9"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot resume study: it was started with experiment.seed = 7, but this run has \
             experiment.seed = 9\n",
        ))
        .stderr(predicate::str::contains(
            "hint: resume with the same scenario",
        ));
    // A --set that replaces a sweep: the axis one side lacks reads "no sweep over".
    run_sweep(&sb, "study", &["--resume", "--set", "levers.outreach=0.2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "it was started with the sweep over levers.outreach = 0, 0.5; no --set \
             levers.outreach, but this run has no sweep over levers.outreach; --set \
             levers.outreach = 0.2\n",
        ));
    assert_eq!(read(&partial.join("journal")), journal);

    // Resuming runs only the 16 missing runs, on another thread count.
    run_sweep(&sb, "study", &["--resume", "--threads", "2"])
        .assert()
        .success()
        .stdout("study\n")
        .stderr(predicate::str::contains("8 of 24 runs are already done"))
        .stderr(predicate::str::contains("; 16 of them to run now, roughly"))
        .stderr(predicate::str::contains("wrote 16 runs"));
    let study = sb.path().join("study");
    assert_same_outputs(&sb.path().join("reference"), &study);
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&study.join("manifest.json"))).unwrap();
    assert_eq!(manifest["timing"]["resumed_at_run"], 8);
    assert_eq!(manifest["scenario"]["hash"].as_str().unwrap().len(), 32);
    // Nothing of the machinery is left: no partial directory, journal, lock or temporary file.
    assert!(!partial.exists());
    for entry in fs::read_dir(&study).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        assert!(
            !name.starts_with('.') && name != "journal" && name != "partial.json",
            "{name} left in the run directory"
        );
    }

    // Resuming a finished run has nothing to do.
    run_sweep(&sb, "study", &["--resume"])
        .assert()
        .success()
        .stderr(predicate::str::contains("already complete"));
}

#[test]
fn ctrl_c_keeps_finished_runs_and_resume_finds_the_default_directory() {
    let sb = Sandbox::new();
    // No --out: the default outputs/sweep-test.
    let file = data("sweep.toml");
    let child = Command::new(bin())
        .current_dir(sb.path())
        .args(["run", file.to_str().unwrap(), "--threads", "1"])
        .env("COPROD_FAULT_INJECT", "stall:6")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let partial = sb.path().join("outputs").join(".sweep-test.partial");
    wait_for_journal(&partial, 4);
    let stderr = interrupt(child);
    assert!(
        stderr.contains("interrupted: 4 of 24 runs were saved in outputs/.sweep-test.partial"),
        "{stderr}"
    );
    assert!(partial.join("runs.csv").exists());

    // The exact command it prints finishes the run.
    let command = stderr
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("coprod run "))
        .unwrap_or_else(|| panic!("no resume command in {stderr}"));
    assert!(
        command.ends_with(" --out outputs/sweep-test --resume"),
        "{command}"
    );
    // The same command without --out finds the interrupted run in outputs/ by itself
    // rather than starting a new numbered directory.
    let without_out = command.replace(" --out outputs/sweep-test", "");
    let words: Vec<&str> = without_out.split(' ').skip(1).collect();
    sb.cmd(&words)
        .assert()
        .success()
        .stdout("outputs/sweep-test\n")
        .stderr(predicate::str::contains("4 of 24 runs are already done"));
    assert!(!sb.path().join("outputs").join("sweep-test-2").exists());
    run_sweep(&sb, "reference", &[]).assert().success();
    assert_same_outputs(
        &sb.path().join("reference"),
        &sb.path().join("outputs").join("sweep-test"),
    );
}

/// Ctrl-C of `run --force` over an earlier result keeps that result and prints a command
/// (with `--force --resume`) that finishes the new run and then replaces it.
#[test]
fn ctrl_c_of_a_forced_run_prints_a_command_that_finishes_it() {
    let sb = Sandbox::new();
    run_sweep(&sb, "study", &[]).assert().success();
    let file = data("sweep.toml");
    let child = Command::new(bin())
        .current_dir(sb.path())
        .args([
            "run",
            file.to_str().unwrap(),
            "--threads",
            "1",
            "--seed",
            "9",
        ])
        .args(["--out", "study", "--force"])
        .env("COPROD_FAULT_INJECT", "stall:6")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_journal(&sb.path().join(".study.partial"), 4);
    let stderr = interrupt(child);
    assert!(
        sb.path().join("study").join("manifest.json").exists(),
        "the earlier result is kept"
    );
    let command = stderr
        .lines()
        .map(str::trim)
        .find(|l| l.starts_with("coprod run "))
        .unwrap_or_else(|| panic!("no resume command in {stderr}"));
    assert!(command.ends_with(" --force --resume"), "{command}");
    let words: Vec<&str> = command.split(' ').skip(1).collect();
    // Forgetting --force: the hint must not be --force alone, which discards the saved runs.
    let without_force: Vec<&str> = words.iter().copied().filter(|w| *w != "--force").collect();
    sb.cmd(&without_force)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "hint: add --force to --resume to finish the interrupted run",
        ))
        .stderr(predicate::str::contains("use --force to replace it").not());
    sb.cmd(&words)
        .assert()
        .success()
        .stderr(predicate::str::contains("4 of 24 runs are already done"));
    run_sweep(&sb, "reference", &["--seed", "9"])
        .assert()
        .success();
    assert_same_outputs(&sb.path().join("reference"), &sb.path().join("study"));
}

/// A second run into a directory that another process is still writing is told so, not
/// offered --resume or --force (which the other process's lock would refuse).
#[test]
fn a_run_still_writing_is_not_called_interrupted() {
    let sb = Sandbox::new();
    let mut child = spawn_stalled(&sb, &["--out", "study"], 6);
    wait_for_journal(&sb.path().join(".study.partial"), 4);
    run_sweep(&sb, "study", &[])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "another coprod process is writing",
        ))
        .stderr(predicate::str::contains(
            "hint: wait for that run to finish, or stop it first",
        ))
        .stderr(predicate::str::contains("--resume").not());
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn resume_refuses_another_coprod_version_and_force_starts_over() {
    let sb = Sandbox::new();
    let mut child = spawn_stalled(&sb, &["--out", "study"], 0);
    let partial = sb.path().join(".study.partial");
    wait_for_journal(&partial, 0);
    child.kill().unwrap();
    child.wait().unwrap();

    let identity = partial.join("partial.json");
    let mut json: serde_json::Value = serde_json::from_str(&read(&identity)).unwrap();
    json["coprod_version"] = "0.0.1".into();
    fs::write(&identity, json.to_string()).unwrap();
    run_sweep(&sb, "study", &["--resume"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "it was started with coprod version 0.0.1",
        ))
        .stderr(predicate::str::contains(
            "hint: finish it with the coprod version",
        ));
    run_sweep(&sb, "other", &["--resume"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no interrupted run of other"))
        .stderr(predicate::str::contains(
            "hint: run without --resume to start it, or give the directory of the interrupted \
             run with --out DIR",
        ));
    assert!(!sb.path().join("other").exists());

    // --force discards the interrupted run and starts over.
    run_sweep(&sb, "study", &["--force"]).assert().success();
    assert!(!partial.exists());
    assert!(sb.path().join("study").join("manifest.json").exists());
}

#[test]
fn a_full_disk_stops_the_run_with_a_hint_and_resume_finishes_it() {
    let sb = Sandbox::new();
    // A file size limit of 8 KiB (with SIGXFSZ ignored, writes fail with "File too large")
    // stands in for a full disk: timeseries.csv outgrows it after the first chunk or two
    // (how many depends on the width of its rows, so the test reads the count back).
    let file = data("sweep.toml");
    let args = [
        "run",
        file.to_str().unwrap(),
        "--out",
        "study",
        "--threads",
        "1",
    ];
    let output = crate::util::run_with_size_limit(sb.path(), 8, &args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("File too large"), "{stderr}");
    let kept = stderr
        .split("the ")
        .find_map(|s| {
            s.strip_suffix(" of 24 runs finished before are kept in ./.study.partial")
                .or_else(|| {
                    s.split_once(" of 24 runs finished before are kept in ./.study.partial")
                        .map(|(n, _)| n)
                })
        })
        .and_then(|n| n.parse::<u32>().ok())
        .unwrap_or_else(|| panic!("no count of kept runs: {stderr}"));
    assert!((1..24).contains(&kept), "{stderr}");
    // The exact command, as after a later failure or Ctrl-C.
    let resume = format!(
        "then run only what is missing with:\n  coprod run {} --out study --resume\n",
        file.display()
    );
    assert!(stderr.ends_with(&resume), "{stderr}");
    assert!(!sb.path().join("study").exists());

    run_sweep(&sb, "study", &["--resume", "--threads", "2"])
        .assert()
        .success()
        .stderr(predicate::str::contains(format!(
            "{kept} of 24 runs are already done"
        )));
    run_sweep(&sb, "reference", &[]).assert().success();
    assert_same_outputs(&sb.path().join("reference"), &sb.path().join("study"));
}

/// `./.study.partial`, left by `coprod run tests/data/sweep.toml --out study` stopped by a
/// file size limit (as in the full-disk test above).
fn partial_of_a_full_disk(sb: &Sandbox) -> std::path::PathBuf {
    let file = data("sweep.toml");
    let script = r#"trap "" XFSZ; ulimit -f 8; exec "$0" "$@""#;
    let output = Command::new("bash")
        .current_dir(sb.path())
        .args(["-c", script])
        .arg(bin())
        .args(["run", file.to_str().unwrap(), "--out", "study"])
        .args(["--threads", "1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    sb.path().join(".study.partial")
}

/// `--resume` into another command's result (a calibration, a validation) says what it is,
/// as `coprod plot` does, rather than that it was started with scenario fingerprint
/// "unknown".
#[test]
fn resume_into_another_commands_result_names_what_it_is() {
    let sb = Sandbox::new();
    run_sweep(&sb, "run", &[]).assert().success();
    let run: serde_json::Value =
        serde_json::from_str(&read(&sb.path().join("run").join("manifest.json"))).unwrap();
    for (dir, kind, said) in [
        ("fit", "calibration", "a calibration (`coprod calibrate`)"),
        ("checks", "validation", "a validation (`coprod validate`)"),
    ] {
        fs::create_dir(sb.path().join(dir)).unwrap();
        let manifest = serde_json::json!({"kind": kind, "coprod_version": run["coprod_version"]});
        fs::write(
            sb.path().join(dir).join("manifest.json"),
            manifest.to_string(),
        )
        .unwrap();
        run_sweep(&sb, dir, &["--resume"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "cannot resume {dir}: it is {said}, not a run directory\n\nhint: give the \
                 directory of the interrupted run with --out DIR\n"
            )))
            .stderr(predicate::str::contains("unknown").not());
    }
}

/// A finished run whose manifest.json no longer parses (an editor added a byte order mark)
/// is named with the JSON error by `--resume`, plain and `--force` alike, not called a
/// result of another coprod version or of another command, each sending the user to the
/// other; nothing in it is replaced.
#[test]
fn a_damaged_manifest_is_named_not_taken_for_another_result() {
    let sb = Sandbox::new();
    run_sweep(&sb, "run", &[]).assert().success();
    let manifest = sb.path().join("run").join("manifest.json");
    let text = format!("\u{feff}{}", read(&manifest));
    fs::write(&manifest, &text).unwrap();
    for extra in [&["--resume"][..], &["--force"], &[]] {
        let out = run_sweep(&sb, "run", extra).assert().code(2);
        let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
        assert!(
            stderr.contains("manifest.json: expected value at line 1 column 1"),
            "{extra:?}: {stderr}"
        );
        for wrong in [
            "version unknown",
            "another command",
            "use --force",
            "start over",
        ] {
            assert!(!stderr.contains(wrong), "{extra:?}: {stderr}");
        }
    }
    assert_eq!(read(&manifest), text);
}

/// A partial directory without its journal is named damaged, with the way to start over.
#[test]
fn resume_without_a_journal_says_it_is_missing() {
    let sb = Sandbox::new();
    let partial = partial_of_a_full_disk(&sb);
    fs::remove_file(partial.join("journal")).unwrap();
    run_sweep(&sb, "study", &["--resume"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("journal: it is missing"))
        .stderr(predicate::str::contains("hint: start over with --force"))
        .stderr(predicate::str::contains("choose a directory you can write to").not());
}

/// A partial directory without one of its tables is named damaged, as one without its
/// journal is, with the way to start over (not a folder that cannot be written).
#[test]
fn resume_without_a_table_says_it_is_missing() {
    let sb = Sandbox::new();
    let partial = partial_of_a_full_disk(&sb);
    fs::remove_file(partial.join("timeseries.csv")).unwrap();
    run_sweep(&sb, "study", &["--resume"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot resume from ./.study.partial/timeseries.csv: it is missing",
        ))
        .stderr(predicate::str::contains("hint: start over with --force"))
        .stderr(predicate::str::contains("choose a directory you can write to").not());
}

/// Saved runs changed in place (so that the journal's lengths still hold: a value out of
/// range in runs.csv or timeseries.csv, a letter for a number in groups.csv) are refused
/// when resuming, as `coprod merge` refuses a damaged shard, naming the file, line and
/// column; the partial directory is kept, not finished into a directory without its charts,
/// page and comparison.
#[test]
fn resume_refuses_saved_runs_changed_in_place_and_keeps_them() {
    let sb = Sandbox::new();
    let partial = partial_of_a_full_disk(&sb);
    type Change = fn(&str) -> String;
    let negative: Change = |v| format!("-{}", "9".repeat(v.len() - 1));
    let letters: Change = |v| "x".repeat(v.len());
    let last_letter: Change = |v| format!("{}X", &v[..v.len() - 1]);
    let damage = [
        ("runs.csv", 3, "participation_rate", negative),
        ("timeseries.csv", 4, "mean_efficacy", negative),
        ("groups.csv", 2, "size_cap", letters),
        ("groups.csv", 3, "end_reason", last_letter),
    ];
    for (file, line, column, change) in damage {
        let path = partial.join(file);
        let text = read(&path);
        fs::write(&path, changed_in_place(&text, line, column, &change)).unwrap();
        run_sweep(&sb, "study", &["--resume"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "cannot resume from ./.study.partial/{file}: "
            )))
            .stderr(predicate::str::contains(format!("column `{column}`")))
            .stderr(predicate::str::contains(format!("(line {line})")))
            .stderr(predicate::str::contains("hint: start over with --force"))
            .stderr(predicate::str::contains("warning").not());
        assert!(!sb.path().join("study").exists(), "{file}");
        fs::write(&path, text).unwrap();
    }
    run_sweep(&sb, "study", &["--resume"]).assert().success();
    assert!(sb.path().join("study").join("index.html").exists());
}

/// `text` (a CSV file) with the value of `column` on line `line` (the header is line 1)
/// changed by `change`, which keeps its length.
fn changed_in_place(
    text: &str,
    line: usize,
    column: &str,
    change: &dyn Fn(&str) -> String,
) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let k = lines[0].split(',').position(|c| c == column).unwrap();
    let mut fields: Vec<String> = lines[line - 1].split(',').map(str::to_string).collect();
    let changed = change(&fields[k]);
    assert_eq!(changed.len(), fields[k].len(), "{column}: {}", fields[k]);
    fields[k] = changed;
    lines[line - 1] = fields.join(",");
    lines.join("\n") + "\n"
}

/// A write of the charts or of comparison.csv that fails (here a file stands where their
/// folder must be made) fails the run: its runs stay in the partial directory for
/// `--resume`, instead of a directory that looks complete without them.
#[test]
fn a_failed_write_of_the_charts_or_comparison_keeps_the_runs() {
    let sb = Sandbox::new();
    let partial = partial_of_a_full_disk(&sb);
    for (folder, said) in [
        ("charts", "cannot write the charts and index.html"),
        ("comparison", "cannot write the comparison"),
    ] {
        let _ = fs::remove_dir_all(partial.join(folder));
        fs::write(partial.join(folder), "in the way").unwrap();
        run_sweep(&sb, "study", &["--resume", "--threads", "2"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(said))
            .stderr(predicate::str::contains("--resume"))
            .stderr(predicate::str::contains("warning: no").not());
        assert!(!sb.path().join("study").exists());
        assert!(partial.join("runs.csv").exists());
        fs::remove_file(partial.join(folder)).unwrap();
    }
    run_sweep(&sb, "study", &["--resume"]).assert().success();
    assert!(sb.path().join("study").join("index.html").exists());
}

/// Starts `coprod ARGS` in the sandbox and sends Ctrl-C as soon as the partial directory of
/// `out` holds a file besides its lock (the results are being written); returns its output.
fn interrupt_while_written(sb: &Sandbox, args: &[&str], out: &str) -> std::process::Output {
    let mut child = Command::new(bin())
        .current_dir(sb.path())
        .args(args)
        .args(["--out", out])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let partial = sb.path().join(format!(".{out}.partial"));
    let written = || {
        fs::read_dir(&partial)
            .is_ok_and(|mut entries| entries.any(|e| e.is_ok_and(|e| e.file_name() != ".lock")))
    };
    // It may also write everything and finish between two looks.
    while !written() {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    crate::util::ctrl_c(child)
}

/// Ctrl-C while `survey`, `validate` or `sensitivity` writes its results leaves them whole
/// or leaves nothing, and never the working folder, so the same command works again; what it
/// says is true of what it left. Before,
/// the handler deleted the folder while the files went on being written into it, and the
/// folder left behind refused the command ("not made by coprod"), about every other time:
/// hence several tries of each.
#[test]
fn ctrl_c_while_the_results_are_written_leaves_no_working_folder() {
    let sb = Sandbox::new();
    fs::write(sb.path().join("tiny.toml"), crate::sensitivity::SCENARIO).unwrap();
    let survey = ["survey", "group-size", "--horizon", "3000", "-j", "1"];
    let validate = [
        &["validate", "--salt", "c", "--only", "P3", "-j", "1"],
        crate::validate::REDUCED,
    ];
    let validate = validate.concat();
    let sensitivity = ["sensitivity", "tiny.toml", "-j", "1"];
    for args in [&survey[..], &validate, &sensitivity] {
        for _ in 0..5 {
            let output = interrupt_while_written(&sb, args, "k");
            let stderr = String::from_utf8_lossy(&output.stderr);
            let code = output.status.code();
            assert!(matches!(code, Some(0 | 130)), "{args:?}: {code:?} {stderr}");
            let left: Vec<_> = fs::read_dir(sb.path().join(".k.partial"))
                .map(|d| d.map(|e| e.unwrap().file_name()).collect())
                .unwrap_or_default();
            assert!(
                !sb.path().join(".k.partial").exists(),
                "{args:?} left .k.partial {left:?}: {stderr}"
            );
            if sb.path().join("k").exists() {
                assert!(sb.path().join("k/manifest.json").is_file(), "{args:?}");
                fs::remove_dir_all(sb.path().join("k")).unwrap();
                // Held off until the result was in place, Ctrl-C says it is complete (the
                // command's own last lines may come after: they are printed meanwhile).
                let says = "\ninterrupted after the results were written: they are complete in k\n";
                assert!(
                    code == Some(0) || stderr.contains(says),
                    "{args:?}: {stderr}"
                );
            }
        }
    }
}

/// `coprod run tests/data/sweep.toml --threads 1 <extra>` without --out, stalled at run 6,
/// interrupted once 4 runs are saved in `partial` (a folder under outputs/); returns stderr.
fn interrupt_default_run(sb: &Sandbox, extra: &[&str], partial: &str) -> String {
    let file = data("sweep.toml");
    let child = Command::new(bin())
        .current_dir(sb.path())
        .args(["run", file.to_str().unwrap(), "--threads", "1"])
        .args(extra)
        .env("COPROD_FAULT_INJECT", "stall:6")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_for_journal(&sb.path().join("outputs").join(partial), 4);
    interrupt(child)
}

/// Without --out, an interrupted run of other options does not block a new run, which goes
/// to the next numbered folder and says which run is still waiting and how to finish it; a
/// run of the same options as a waiting one is still refused with --resume; and --resume
/// finds the waiting run of its own options among the numbered folders, or names those of
/// other options without offering --force on them.
#[test]
fn default_folders_keep_interrupted_runs_of_other_options_apart() {
    let sb = Sandbox::new();
    interrupt_default_run(&sb, &["--seed", "9"], ".sweep-test.partial");
    let stderr = interrupt_default_run(&sb, &[], ".sweep-test-2.partial");
    assert!(
        stderr.contains(
            "this run goes to outputs/sweep-test-2: an interrupted run of other options is \
             waiting in outputs/.sweep-test.partial and is kept (it was started with \
             experiment.seed = 9, but this run has experiment.seed = 7); finish it with \
             `coprod run "
        ) && stderr.contains(" --out outputs/sweep-test --seed 9 --resume`"),
        "{stderr}"
    );
    let file = data("sweep.toml");
    let file = file.to_str().unwrap();
    // The same options as the run waiting in -2: refused, so its runs are not lost.
    sb.cmd(&["run", file])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "an interrupted run of outputs/sweep-test-2 is waiting",
        ))
        .stderr(predicate::str::contains("add --resume"));
    assert!(!sb.path().join("outputs/.sweep-test-3.partial").exists());
    // Options of neither: --resume names both, and offers no --force.
    sb.cmd(&["run", file, "--seed", "5", "--resume"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "outputs/.sweep-test.partial was started with experiment.seed = 9",
        ))
        .stderr(predicate::str::contains(
            "outputs/.sweep-test-2.partial was started with experiment.seed = 7",
        ))
        .stderr(predicate::str::contains("--force").not());
    sb.cmd(&["run", file, "--resume"])
        .assert()
        .success()
        .stdout("outputs/sweep-test-2\n")
        .stderr(predicate::str::contains("4 of 24 runs are already done"));
    sb.cmd(&["run", file, "--seed", "9", "--resume"])
        .assert()
        .success()
        .stdout("outputs/sweep-test\n")
        .stderr(predicate::str::contains("4 of 24 runs are already done"));
    run_sweep(&sb, "reference", &["--seed", "9"])
        .assert()
        .success();
    assert_same_outputs(
        &sb.path().join("reference"),
        &sb.path().join("outputs/sweep-test"),
    );
}
