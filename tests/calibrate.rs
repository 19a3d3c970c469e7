//! `coprod calibrate`: posterior, predictive and diagnostics tables identical for any thread
//! count, `--resume` from checkpoints, clear errors for bad targets files; `--shard I/N`
//! rounds merged with `coprod merge DIR` equal to the unsharded run byte for byte, bad shard
//! arguments refused; `coprod survey` writes the regression of every predictor
//! (docs/calibration.md).

use std::fs;
use std::path::Path;

use predicates::prelude::*;

use crate::util::{Sandbox, read, root};

const SCENARIO: &str = r#"
name = "tiny-calibration"
[params.population]
setting = "lab"
n_citizens = 40
n_communities = 1
[experiment]
steps = 3
seed = 2
[calibration]
particles = 20
generations = 3
[calibration.priors]
"behaviour.cc_slope" = { uniform = [0.3, 1.2] }
"#;

/// Two parameters and four generations, so that generations need more than one round.
pub(crate) fn sharded_scenario() -> String {
    let text = SCENARIO
        .replace("tiny-calibration", "tiny-sharded")
        .replace("generations = 3", "generations = 4");
    text + "\"behaviour.belief_weight\" = { uniform = [0.05, 1.0] }\n"
}

/// `coprod calibrate SCENARIO --targets TARGETS -o OUT EXTRA...` in the sandbox.
fn calibrate_into(
    sandbox: &Sandbox,
    files: (&str, &str),
    out: &str,
    extra: &[&str],
) -> assert_cmd::Command {
    sandbox.cmd(&calibrate_args(files, out, extra))
}

/// The arguments `calibrate SCENARIO --targets TARGETS -o OUT EXTRA...`.
fn calibrate_args<'a>(
    (scenario, targets): (&'a str, &'a str),
    out: &'a str,
    extra: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec!["calibrate", scenario, "--targets", targets, "-o", out];
    args.extend_from_slice(extra);
    args
}

/// The sharded scenario and targets in the sandbox, and its unsharded calibration in
/// `single`.
fn sharded_setup(sandbox: &Sandbox) -> (String, String) {
    let (scenario, targets) = setup(sandbox);
    fs::write(&scenario, sharded_scenario()).unwrap();
    calibrate_into(sandbox, (&scenario, &targets), "single", &[])
        .assert()
        .success();
    (scenario, targets)
}

/// The files of a finished calibration that must not depend on how it was run.
pub(crate) const SAME_BYTES: [&str; 6] = [
    "calibration.json",
    "posterior.csv",
    "predictive.csv",
    "diagnostics.csv",
    "predictive-mean_contribution.svg",
    "predictive-mean_contribution.png",
];

/// Every file of the unsharded calibration `single` (checkpoints included) is in `other`
/// with the same bytes; manifest.json too, except the lines of how it ran.
pub(crate) fn assert_same_calibration(single: &Path, other: &Path) {
    for file in SAME_BYTES {
        assert!(
            fs::read(single.join(file)).unwrap() == fs::read(other.join(file)).unwrap(),
            "{file} differs"
        );
    }
    let checkpoints: Vec<_> = fs::read_dir(single.join("checkpoints"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(checkpoints.len() >= 3, "{checkpoints:?}");
    for name in checkpoints {
        let (a, b) = (
            single.join("checkpoints").join(&name),
            other.join("checkpoints").join(&name),
        );
        assert_eq!(read(&a), read(&b), "{}", a.display());
    }
    let strip = |dir: &Path| -> serde_json::Value {
        let mut m: serde_json::Value =
            serde_json::from_str(&read(&dir.join("manifest.json"))).unwrap();
        let m = m.as_object_mut().unwrap();
        for key in [
            "command",
            "wall_seconds",
            "merge_wall_seconds",
            "threads",
            "resumed_at_generation",
            "sharded",
        ] {
            m.remove(key);
        }
        serde_json::Value::Object(m.clone())
    };
    assert_eq!(strip(single), strip(other));
}

pub(crate) const TARGETS: &str = "metric,step,observed,se,source\n\
mean_contribution,0,0.39,0.03,test\n\
mean_contribution,2,0.31,0.03,test\n";

fn setup(sandbox: &Sandbox) -> (String, String) {
    let scenario = sandbox.path().join("tiny.toml");
    let targets = sandbox.path().join("targets.csv");
    fs::write(&scenario, SCENARIO).unwrap();
    fs::write(&targets, TARGETS).unwrap();
    (
        scenario.to_str().unwrap().to_string(),
        targets.to_str().unwrap().to_string(),
    )
}

/// `coprod calibrate --help` names every file and folder a calibration writes (the chart
/// as "a chart"), the checkpoints that `--resume` goes on from too.
#[test]
fn help_names_every_file_written() {
    let sandbox = Sandbox::new();
    let (scenario, targets) = setup(&sandbox);
    let out = sandbox.path().join("cal");
    calibrate_into(&sandbox, (&scenario, &targets), out.to_str().unwrap(), &[])
        .assert()
        .success();
    let help = sandbox.cmd(&["calibrate", "--help"]).assert().success();
    let help = String::from_utf8_lossy(&help.get_output().stdout).into_owned();
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    for entry in fs::read_dir(&out).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let named = if name.starts_with("predictive-") {
            "a chart".to_string()
        } else if out.join(&name).is_dir() {
            format!("{name}/")
        } else {
            name.clone()
        };
        assert!(help.contains(&named), "{name}: {help}");
    }
}

#[test]
fn same_tables_for_any_thread_count_and_after_resume() {
    let sandbox = Sandbox::new();
    let (scenario, targets) = setup(&sandbox);
    let mut tables = Vec::new();
    for threads in ["1", "2"] {
        let out = sandbox.path().join(format!("cal-{threads}"));
        let out = out.to_str().unwrap();
        calibrate_into(&sandbox, (&scenario, &targets), out, &["-j", threads])
            .assert()
            .success();
        tables.push(read(
            &sandbox.path().join(format!("cal-{threads}/posterior.csv")),
        ));
    }
    assert_eq!(tables[0], tables[1]);
    let (header, rows) = crate::util::csv(&sandbox.path().join("cal-1/diagnostics.csv"));
    assert_eq!(
        header,
        [
            "generation",
            "tolerance",
            "acceptance_rate",
            "proposals",
            "simulations",
            "ess",
            "complete"
        ]
    );
    for row in &rows {
        let (proposals, simulations): (u64, u64) =
            (row[3].parse().unwrap(), row[4].parse().unwrap());
        assert!(simulations <= proposals && simulations > 0, "{row:?}");
    }
    // Interrupted after two generations: drop the last checkpoint and the results, resume.
    let dir = sandbox.path().join("cal-1");
    fs::remove_file(dir.join("checkpoints/gen-002.json")).unwrap();
    fs::remove_file(dir.join("posterior.csv")).unwrap();
    let modified = |name: &str| {
        fs::metadata(dir.join("checkpoints").join(name))
            .unwrap()
            .modified()
            .unwrap()
    };
    let kept = [modified("gen-000.json"), modified("gen-001.json")];
    std::thread::sleep(std::time::Duration::from_millis(20));
    let out = dir.to_str().unwrap();
    // It says what it found (it said only what a fresh calibration says).
    calibrate_into(&sandbox, (&scenario, &targets), out, &["--resume"])
        .assert()
        .success()
        .stderr(predicate::str::contains(format!(
            "resuming {out}: 2 generations already done\n"
        )));
    assert_eq!(read(&dir.join("posterior.csv")), tables[0]);
    // The generations of the checkpoints left were taken from them, not made again.
    assert_eq!([modified("gen-000.json"), modified("gen-001.json")], kept);
    assert!(dir.join("checkpoints/gen-002.json").exists());
    // The manifest's command reproduces the calibration, and says it was resumed after
    // the two generations that were kept (its wall time is the last invocation's only).
    let manifest = |dir: &Path| -> serde_json::Value {
        serde_json::from_str(&read(&dir.join("manifest.json"))).unwrap()
    };
    let resumed = manifest(&dir);
    assert_eq!(
        resumed["command"],
        format!(
            "coprod calibrate {scenario} --targets {targets} --seed {} --out {out}",
            resumed["seed"]
        )
    );
    assert_eq!(resumed["resumed_at_generation"], 2);
    let whole = manifest(&sandbox.path().join("cal-2"));
    assert!(whole["resumed_at_generation"].is_null(), "{whole}");
    // Resuming a calibration that has stopped but whose results were not all written (a
    // failed write: no manifest.json, which is written last) writes them, and says so.
    fs::remove_file(dir.join("manifest.json")).unwrap();
    calibrate_into(&sandbox, (&scenario, &targets), out, &["--resume"])
        .assert()
        .success()
        .stderr(predicate::str::contains(format!(
            "resuming {out}: 3 generations already done; the calibration had stopped, so \
             only its results are written again"
        )));
    assert_eq!(read(&dir.join("posterior.csv")), tables[0]);
    // Checkpoints of one seed are never continued with another.
    calibrate_into(
        &sandbox,
        (&scenario, &targets),
        out,
        &["--resume", "--seed", "9"],
    )
    .assert()
    .code(2)
    .stderr(predicate::str::contains("cannot resume"));
    // A damaged checkpoint is named, with a way out the command has (it has no --force).
    fs::write(dir.join("checkpoints/gen-001.json"), "{").unwrap();
    calibrate_into(&sandbox, (&scenario, &targets), out, &["--resume"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad checkpoint"))
        .stderr(predicate::str::contains("gen-001.json"))
        .stderr(predicate::str::contains("--out DIR"))
        .stderr(predicate::str::contains("--force").not());
}

#[test]
fn bad_targets_files_name_line_and_column() {
    let sandbox = Sandbox::new();
    let (scenario, targets) = setup(&sandbox);
    for (se, message) in [
        ("-1", "targets.csv:2:4: se -1: allowed is 1e-12 or more"),
        // A value that is not a number names its column and the allowed values.
        (
            "inf",
            "targets.csv:2:4: se `inf`: expected a finite number (1e-12 or more)",
        ),
    ] {
        fs::write(
            &targets,
            format!("metric,step,observed,se,source\nmean_contribution,0,0.39,{se},test\n"),
        )
        .unwrap();
        sandbox
            .cmd(&["calibrate", &scenario, "--targets", &targets])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
    // A blank line counts: the fault is on the line an editor shows (it read line 2).
    fs::write(
        &targets,
        "metric,step,observed,se,source\n\nmean_contribution,0,0.39,-1,test\n",
    )
    .unwrap();
    sandbox
        .cmd(&["calibrate", &scenario, "--targets", &targets])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("targets.csv:3:4: se -1"));
}

/// Counts of one are singular in what calibrate says: one parameter, one target and one
/// generation are not "1 targets".
#[test]
fn counts_of_one_are_singular() {
    let sandbox = Sandbox::new();
    let (scenario, targets) = setup(&sandbox);
    fs::write(
        &scenario,
        SCENARIO.replace("generations = 3", "generations = 1"),
    )
    .unwrap();
    fs::write(
        &targets,
        "metric,step,observed,se,source\nmean_contribution,0,0.39,0.03,test\n",
    )
    .unwrap();
    let output = calibrate_into(&sandbox, (&scenario, &targets), "cal", &["-j", "1"])
        .output()
        .unwrap();
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(
            "tiny-calibration: 1 parameter, 1 target, 20 particles, up to 1 generation, 1 thread"
        ),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("/1 target inside the 95% predictive interval"),
        "{stdout}"
    );
}

/// A lab scenario's targets may name only the metrics a lab run reports; anything else
/// is a constant in every lab run and is refused before an output directory exists.
#[test]
fn a_lab_calibration_refuses_targets_the_lab_does_not_report() {
    let sandbox = Sandbox::new();
    let (scenario, targets) = setup(&sandbox);
    fs::write(
        &targets,
        "metric,step,observed,se,source\nmean_contribution,0,0.5,0.1,test\n\
         mean_citizen_trust,0,0.5,0.1,test\n",
    )
    .unwrap();
    // At its line and column, as every other error of a targets file (docs/calibration.md).
    calibrate_into(&sandbox, (&scenario, &targets), "cal", &[])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "{targets}:3:1: target `mean_citizen_trust`: the lab setting reports only \
             mean_contribution and service_output (docs/outputs.md); the other step metrics \
             are constants in every lab run (participation_rate 1, the others 0)"
        )));
    assert!(!sandbox.path().join("cal").exists());
}

/// Ctrl-C during a calibration exits with 130 and says what is kept (the checkpoints of
/// the finished generations) and the command that continues it.
#[test]
fn ctrl_c_says_how_to_continue_the_calibration() {
    let sandbox = Sandbox::new();
    let (scenario, targets) = setup(&sandbox);
    // About ten generations of a quarter of a second each: still running when interrupted.
    let slow = SCENARIO
        .replace("n_citizens = 40", "n_citizens = 400")
        .replace("steps = 3", "steps = 40")
        .replace("particles = 20", "particles = 300")
        .replace("generations = 3", "generations = 40");
    fs::write(&scenario, slow).unwrap();
    let args = calibrate_args((scenario.as_str(), targets.as_str()), "cal", &["-j", "1"]);
    // Still running once generation 0 is checkpointed.
    let stderr = crate::resume::interrupt_when(&sandbox, &args, "cal/checkpoints/gen-000.json");
    // The message counts the generations kept (usually one: the next takes longer than
    // the wait for the signal).
    let kept = match fs::read_dir(sandbox.path().join("cal/checkpoints"))
        .unwrap()
        .count()
    {
        1 => "1 generation".to_string(),
        n => format!("{n} generations"),
    };
    assert!(
        stderr.ends_with(&format!(
            "\ninterrupted: the {kept} finished are checkpointed in cal; the one \
             under way is lost.\ncontinue with: coprod calibrate {scenario} --targets {targets} \
             --seed 2 --out cal --resume\n"
        )),
        "{stderr}"
    );
    assert!(!sandbox.path().join("cal/manifest.json").exists());
}

/// A folder that holds no calibration is not offered --resume.
#[test]
fn a_folder_without_a_calibration_is_not_offered_resume() {
    let sandbox = Sandbox::new();
    let (scenario, targets) = setup(&sandbox);
    fs::create_dir(sandbox.path().join("notes")).unwrap();
    fs::write(sandbox.path().join("notes").join("notes.txt"), "...").unwrap();
    calibrate_into(&sandbox, (&scenario, &targets), "notes", &[])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "already exists and holds no calibration",
        ))
        .stderr(predicate::str::contains("--resume").not());
    let left: Vec<_> = fs::read_dir(sandbox.path().join("notes"))
        .unwrap()
        .collect();
    assert_eq!(left.len(), 1);
}

/// A calibration into a folder the user may not write is refused at once, before any
/// generation runs, with what to do: a new one (whole or a shard) with `coprod run`'s hint,
/// `--resume` of a calibration the user may not write with how to resume it; nothing is
/// left behind. Skipped for a user whom the permissions do not stop (root).
#[test]
fn a_folder_that_may_not_be_written_is_refused_before_any_generation() {
    let sandbox = Sandbox::new();
    let (scenario, targets) = setup(&sandbox);
    calibrate_into(&sandbox, (&scenario, &targets), "cal", &[])
        .assert()
        .success();
    let (ro, cal) = (sandbox.path().join("ro"), sandbox.path().join("cal"));
    fs::create_dir(&ro).unwrap();
    let test = "a_folder_that_may_not_be_written_is_refused_before_any_generation";
    let Some(_ro) = crate::util::read_only(&ro, test) else {
        return;
    };
    for extra in [&[][..], &["--shard", "0/2"]] {
        calibrate_into(&sandbox, (&scenario, &targets), "ro/c", extra)
            .assert()
            .code(2)
            .stdout("")
            // After the scenario's warning, which a shard says first.
            .stderr(predicate::str::ends_with(
                "error: cannot create ro/c: Permission denied (os error 13)\n\nhint: choose a \
                 directory you can write to with --out DIR\n",
            ));
    }
    assert_eq!(fs::read_dir(&ro).unwrap().count(), 0);
    // Finished, it is complete, and its `--resume` writes nothing, so it is not refused.
    let whole = crate::util::read_only(&cal, test);
    calibrate_into(&sandbox, (&scenario, &targets), "cal", &["--resume"])
        .assert()
        .success()
        .stderr(predicate::str::contains("cal is already complete"));
    drop(whole);
    // Stopped before its results were written (no manifest.json), it has them to write.
    fs::remove_file(cal.join("manifest.json")).unwrap();
    let before = crate::util::files_below(&cal);
    let checkpoints = crate::util::read_only(&cal.join("checkpoints"), test);
    let whole = crate::util::read_only(&cal, test);
    calibrate_into(&sandbox, (&scenario, &targets), "cal", &["--resume"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            "error: cannot write in cal: Permission denied (os error 13)\n\nhint: `--resume` \
             writes inside the calibration, and cal is not writable for you: make it and the \
             files in it writable, or copy it to a folder you can write to (`cp -r cal COPY`) \
             and resume the copy with --out COPY --resume\n",
        );
    // A shard of it too, before it writes anything (it wrote sharding.json first).
    calibrate_into(&sandbox, (&scenario, &targets), "cal", &["--shard", "0/2"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::ends_with(
            "error: cannot write in cal: Permission denied (os error 13)\n\nhint: `--shard` \
             writes inside the calibration, and cal is not writable for you: make it and the \
             files in it writable, or copy it to a folder you can write to (`cp -r cal COPY`) \
             and run the shard on the copy with --out COPY\n",
        ));
    drop((whole, checkpoints));
    assert_eq!(crate::util::files_below(&cal), before);
}

/// `coprod slurm --targets` names the output folder and the job folder beside it as typed
/// (or as the default, relative to where it was run), as every other message does, not by
/// the absolute paths the script holds.
#[test]
fn slurm_of_a_calibration_names_its_folders_as_typed() {
    let sandbox = Sandbox::new();
    setup(&sandbox);
    let slurm = |out: &[&str]| {
        let args = [
            "slurm",
            "tiny.toml",
            "--targets",
            "targets.csv",
            "--array",
            "2",
        ];
        sandbox.cmd(&[&args[..], out].concat())
    };
    let refused = |out: &[&str], message: &str| {
        slurm(out)
            .assert()
            .code(2)
            .stderr(predicate::str::starts_with(format!("error: {message}\n")));
    };
    fs::create_dir(sandbox.path().join("cal")).unwrap();
    refused(&["--out", "cal"], "output directory cal already exists");
    let default = sandbox.path().join("outputs/tiny-calibration-calibration");
    fs::create_dir_all(&default).unwrap();
    refused(
        &[],
        "output directory outputs/tiny-calibration-calibration already exists",
    );
    fs::write(sandbox.path().join("new.slurm"), "").unwrap();
    refused(
        &["--out", "new"],
        "new.slurm is in the way of the job folder (the script, logs and shards): it is not a \
         folder",
    );
}

/// The temporary file of a checkpoint whose writing Ctrl-C cut short
/// (`.gen-NNN.json.<pid>.tmp`, of a process that is gone) is removed by `--resume`, which
/// ignores it; before, nothing removed it. A file not named as coprod names its temporary
/// files stays.
#[test]
fn resume_removes_a_checkpoint_cut_short() {
    let sandbox = Sandbox::new();
    let (scenario, targets) = setup(&sandbox);
    calibrate_into(&sandbox, (&scenario, &targets), "cal", &[])
        .assert()
        .success();
    let checkpoints = sandbox.path().join("cal/checkpoints");
    // Stopped while the second generation's checkpoint was written: a finished calibration
    // is complete, and its `--resume` changes nothing.
    for name in ["gen-001.json", "gen-002.json"] {
        fs::remove_file(checkpoints.join(name)).unwrap();
    }
    fs::remove_file(sandbox.path().join("cal/manifest.json")).unwrap();
    // No process has this id: Linux's largest is one less.
    let cut_short = checkpoints.join(".gen-001.json.4194304.tmp");
    let other = checkpoints.join("notes.4194304.tmp");
    fs::write(&cut_short, "{\"index\": 1, \"tolera").unwrap();
    fs::write(&other, "mine").unwrap();
    calibrate_into(&sandbox, (&scenario, &targets), "cal", &["--resume"])
        .assert()
        .success();
    assert!(!cut_short.exists());
    assert!(other.exists());
}

/// manifest.json's `wall_seconds` is the invocation's wall time, the posterior predictive
/// and the writing of the results included (docs/calibration.md): at least the time from
/// calibration.json, written before the first generation, to the last result file. It was
/// once taken before the predictive, which leaves out most of the time here (a chart
/// for each of many metrics).
#[test]
fn wall_seconds_include_the_predictive_and_the_results() {
    let sandbox = Sandbox::new();
    let (scenario, targets) = many_charts(&sandbox);
    calibrate_into(&sandbox, (&scenario, &targets), "cal", &[])
        .assert()
        .success();
    let dir = sandbox.path().join("cal");
    let written = |name: &Path| fs::metadata(dir.join(name)).unwrap().modified().unwrap();
    let start = written(Path::new("calibration.json"));
    let last = crate::util::files_below(&dir)
        .iter()
        .filter(|f| !f.ends_with("manifest.json"))
        .map(|f| written(f))
        .max()
        .unwrap();
    let span = last.duration_since(start).unwrap().as_secs_f64();
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&dir.join("manifest.json"))).unwrap();
    let wall = manifest["wall_seconds"].as_f64().unwrap();
    // File times come from the kernel's coarse clock: a few ticks of slack.
    assert!(
        wall + 0.02 >= span,
        "wall_seconds {wall} is less than the {span} s from calibration.json to the last result"
    );
}

/// The command says which rule stopped the calibration, and manifest.json's `stopped_by`
/// names it; both agree with diagnostics.csv's last generation.
#[test]
fn the_rule_that_stopped_the_calibration_is_said_and_recorded() {
    let sandbox = Sandbox::new();
    let (scenario, targets) = setup(&sandbox);
    let output = calibrate_into(&sandbox, (&scenario, &targets), "cal", &[])
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let dir = sandbox.path().join("cal");
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&dir.join("manifest.json"))).unwrap();
    let (header, rows) = crate::util::csv(&dir.join("diagnostics.csv"));
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let last = rows.last().unwrap();
    let rate: f64 = last[col("acceptance_rate")].parse().unwrap();
    let (rule, said) = if last[col("complete")] == "false" {
        (
            "proposal_cap",
            "could not accept 20 particles within the cap of",
        )
    } else if rate < 0.02 {
        ("min_acceptance", "fell below min_acceptance 0.02")
    } else {
        assert_eq!(rows.len(), 3);
        (
            "generations",
            "the limit of the [calibration] table (generations = 3)",
        )
    };
    assert_eq!(manifest["stopped_by"], rule);
    // The limits the rules compare with are recorded too, whichever stopped it.
    assert_eq!(manifest["generations"], 3);
    assert_eq!(manifest["min_acceptance"], 0.02);
    let first = stdout.lines().next().unwrap();
    assert!(
        first.starts_with(&format!("stopped after {} generation", rows.len()))
            && first.contains(said),
        "{stdout}"
    );
}

/// A standard error so small, or an observed value so large, that the squared
/// standardised difference overflows is refused by the targets reader, before the output
/// directory exists, both by a whole run and by a shard: no simulation could have had a
/// finite distance (generation 0 then panicked and left a directory nothing could resume).
#[test]
fn targets_that_overflow_the_distance_are_refused_before_anything_is_written() {
    let sandbox = Sandbox::new();
    let (scenario, targets) = setup(&sandbox);
    let h = "metric,step,observed,se,source\n";
    for (row, message) in [
        (
            "mean_contribution,0,0.39,1e-300,x",
            "targets.csv:2:4: se 1e-300: allowed is 1e-12 or more",
        ),
        (
            "mean_contribution,0,0.39,1e-160,x",
            "targets.csv:2:4: se 1e-160: allowed is 1e-12 or more",
        ),
        (
            "service_output,0,1e200,1,x",
            "targets.csv:2:3: observed 1e200: allowed for `service_output` (mean payoff in \
             tokens) is a number from 0 to 1e12",
        ),
    ] {
        fs::write(&targets, format!("{h}{row}\n")).unwrap();
        for extra in [&["-j", "1"][..], &["--shard", "0/1"]] {
            calibrate_into(&sandbox, (&scenario, &targets), "out/cal", extra)
                .assert()
                .code(2)
                .stderr(predicate::str::contains(message));
            assert!(!sandbox.path().join("out").exists(), "{row} {extra:?}");
        }
    }
    // Fixed, the same command runs.
    fs::write(&targets, TARGETS).unwrap();
    calibrate_into(&sandbox, (&scenario, &targets), "out/cal", &[])
        .assert()
        .success();
}

/// A calibration that fails before its first generation leaves no directory behind, so the
/// same command (or a corrected one) can simply be run again.
#[test]
fn a_calibration_failing_before_its_first_generation_leaves_no_directory() {
    let sandbox = Sandbox::new();
    let (scenario, targets) = setup(&sandbox);
    // Every draw of this prior makes the type shares add up to more than 1: refused when the
    // scenario is read (it once failed at the first simulation, after the directory was
    // made).
    let bad = SCENARIO.replace(
        "\"behaviour.cc_slope\" = { uniform = [0.3, 1.2] }",
        "\"citizens.share_conditional\" = { uniform = [0.9, 1.0] }",
    );
    fs::write(&scenario, bad).unwrap();
    calibrate_into(&sandbox, (&scenario, &targets), "out/cal", &[])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "the priors allow parameter sets the model rejects",
        ));
    let out = sandbox.path().join("out");
    assert!(
        !out.exists(),
        "the failed calibration left {}",
        out.display()
    );
}

/// What a survey states is true of its data: the share of co-producers (printed and in the
/// manifest) is that of survey.csv, and the ranks (in survey-fit.csv and the printed
/// table, which lists the predictors in rank order) go by |z|, strongest first.
fn assert_survey_states_its_data(dir: &Path, stdout: &str) {
    let (header, rows) = crate::util::csv(&dir.join("survey.csv"));
    let col = header.iter().position(|h| h == "coproduces").unwrap();
    let share = rows.iter().filter(|r| r[col] == "true").count() as f64 / rows.len() as f64;
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&dir.join("manifest.json"))).unwrap();
    assert_eq!(manifest["respondents"], rows.len());
    let stated = manifest["share_coproducing"].as_f64().unwrap();
    assert!((stated - share).abs() < 1e-12, "{stated} against {share}");
    let first = stdout.lines().next().unwrap();
    assert_eq!(
        first,
        format!(
            "{} respondents, {:.1}% co-produce at step 60",
            rows.len(),
            100.0 * share
        )
    );

    // stands_for holds commas, in quotes: a real CSV reader.
    let mut reader = csv::Reader::from_path(dir.join("survey-fit.csv")).unwrap();
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    let fit: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    let at = |name: &str| header.iter().position(|h| h == name).unwrap();
    assert_eq!(fit[0][at("predictor")], "intercept");
    assert_eq!(fit[0][at("rank")], "", "the intercept has no rank");
    let mut ranked: Vec<(usize, f64, &str)> = fit[1..]
        .iter()
        .map(|r| {
            let z: f64 = r[at("z")].parse().unwrap();
            (
                r[at("rank")].parse().unwrap(),
                z.abs(),
                r[at("predictor")].as_str(),
            )
        })
        .collect();
    ranked.sort_by_key(|r| r.0);
    let ranks: Vec<usize> = ranked.iter().map(|r| r.0).collect();
    assert_eq!(ranks, (1..=fit.len() - 1).collect::<Vec<_>>());
    assert!(ranked.windows(2).all(|w| w[0].1 >= w[1].1), "{ranked:?}");
    let printed: Vec<&str> = stdout
        .lines()
        .skip(2)
        .take(ranked.len())
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    let names: Vec<&str> = ranked.iter().map(|r| r.2).collect();
    assert_eq!(printed, names, "the printed table in rank order");
}

/// Without --out a survey goes to outputs/<name>-survey, numbered when taken, as the other
/// commands' default folders are (a second survey was refused).
#[test]
fn a_second_survey_gets_a_numbered_folder() {
    let sandbox = Sandbox::new();
    let args = ["survey", "baseline", "--horizon", "60", "--sample", "100"];
    for expected in ["outputs/baseline-survey", "outputs/baseline-survey-2"] {
        let out = sandbox.cmd(&args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert_eq!(stdout.lines().last(), Some(expected), "{stdout}");
        assert!(sandbox.path().join(expected).join("survey.csv").is_file());
    }
}

/// `--out` of an existing result is refused naming what it holds (docs/outputs.md: "for
/// another command's result it names what the directory holds and suggests another
/// `--out`"); the command has no `--force` to suggest for an earlier survey.
#[test]
fn a_survey_refuses_an_existing_result_naming_what_it_holds() {
    let sandbox = Sandbox::new();
    let args = |out: &'static str| {
        [
            "survey",
            "baseline",
            "--horizon",
            "60",
            "--sample",
            "100",
            "--out",
            out,
        ]
    };
    sandbox.cmd(&args("s")).assert().success();
    fs::create_dir(sandbox.path().join("sa")).unwrap();
    fs::write(
        sandbox.path().join("sa/manifest.json"),
        "{\"kind\": \"sensitivity\"}",
    )
    .unwrap();
    fs::create_dir(sandbox.path().join("notes")).unwrap();
    fs::write(sandbox.path().join("notes/todo.txt"), "keep").unwrap();
    for (out, says) in [
        (
            "s",
            "error: output directory s already exists and holds a survey result\n\nhint: write \
             elsewhere with another --out DIR",
        ),
        (
            "sa",
            "error: output directory sa already exists and holds a sensitivity result\n\nhint: \
             write elsewhere with another --out DIR",
        ),
        (
            "notes",
            "notes already exists and is not a coprod run directory",
        ),
    ] {
        let assert = sandbox.cmd(&args(out)).assert().code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(stderr.contains(says), "{out}: {stderr}");
        assert!(!stderr.contains("--force"), "{out}: {stderr}");
    }
    assert_eq!(
        fs::read_to_string(sandbox.path().join("sa/manifest.json")).unwrap(),
        "{\"kind\": \"sensitivity\"}"
    );
}

/// Ctrl-C during a survey says that nothing was kept, exits with 130 and leaves no result,
/// nor its hidden partial directory.
#[test]
fn ctrl_c_says_the_survey_was_not_written() {
    let sandbox = Sandbox::new();
    // Large runs on one thread: many seconds, still running when interrupted.
    fs::write(
        sandbox.path().join("big.toml"),
        "name = \"big\"\n[params.population]\nn_citizens = 100000\n\
         [experiment]\nsteps = 240\nreplications = 40\nseed = 1\n",
    )
    .unwrap();
    let args = ["survey", "big.toml", "--out", "s", "-j", "1"];
    let stderr = crate::resume::interrupt_when(&sandbox, &args, ".s.partial");
    assert!(
        stderr.ends_with(
            "\ninterrupted: the survey is written only when complete, and nothing of it was \
             kept; give the same command again to start over\n"
        ),
        "{stderr}"
    );
    assert!(!sandbox.path().join("s").exists());
    assert!(!sandbox.path().join(".s.partial").exists());
}

#[test]
fn survey_writes_the_fit_of_every_predictor() {
    let sandbox = Sandbox::new();
    let out = sandbox.path().join("survey");
    let out = out.to_str().unwrap();
    let assert = sandbox
        .cmd(&[
            "survey",
            "baseline",
            "--horizon",
            "60",
            "--sample",
            "400",
            "-o",
            out,
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("respondents"))
        .stderr(predicate::str::contains(
            "baseline: 10 runs to step 60, 400 citizens sampled from each, roughly ",
        ));
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert_survey_states_its_data(&sandbox.path().join("survey"), &stdout);
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&sandbox.path().join("survey/manifest.json"))).unwrap();
    assert_eq!(
        manifest["command"],
        format!("coprod survey baseline --horizon 60 --sample 400 --out {out}")
    );
    // The scenario as it ran and the seeds of its runs, those of the baseline in
    // `coprod run` (replications share seeds across variants and sweep points).
    assert_eq!(manifest["scenario"]["name"], "baseline");
    assert!(
        manifest["scenario"]["source"]
            .as_str()
            .unwrap()
            .contains("[experiment]")
    );
    assert_eq!(manifest["sample"], 400);
    sandbox
        .cmd(&["run", "baseline", "--set", "experiment.steps=1", "-o", "r"])
        .assert()
        .success();
    let (header, runs) = crate::util::csv(&sandbox.path().join("r/runs.csv"));
    let seed = header.iter().position(|h| h == "seed").unwrap();
    let run_seeds: Vec<u64> = runs.iter().map(|r| r[seed].parse().unwrap()).collect();
    let seeds: Vec<u64> = manifest["seeds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_u64().unwrap())
        .collect();
    assert_eq!((seeds.len(), &seeds), (10, &run_seeds));
    let fit = read(&sandbox.path().join("survey/survey-fit.csv"));
    survey_of_a_small_population_says_it_surveyed_everyone(&sandbox);
    for predictor in [
        "intercept",
        "efficacy",
        "time",
        "skill",
        "trust",
        "ties",
        "motivation",
    ] {
        assert!(fit.contains(&format!("\n{predictor},")), "{fit}");
    }
}

/// Each file below `dir` with its bytes, and whether it has `checkpoints/`: what a refused
/// command must leave as it found it.
fn contents(dir: &Path) -> (Vec<(std::path::PathBuf, Vec<u8>)>, bool) {
    let files = crate::util::files_below(dir)
        .into_iter()
        .map(|f| (f.clone(), fs::read(dir.join(&f)).unwrap()))
        .collect();
    (files, dir.join("checkpoints").exists())
}

/// `--shard` starts a calibration only in a new or empty folder: a run's folder, a user's
/// folder or a calibration finished without `--shard` is refused before anything is written
/// in it (it was claimed, and `coprod merge` then replaced its manifest.json).
#[test]
fn a_shard_refuses_a_folder_that_is_not_a_calibration_or_is_finished_without_shards() {
    let sandbox = Sandbox::new();
    let (scenario, targets) = sharded_setup(&sandbox);
    let run = ["run", &scenario, "--out", "rundir", "--replications", "2"];
    sandbox
        .cmd(&[&run[..], &["--threads", "1"]].concat())
        .assert()
        .success();
    fs::create_dir(sandbox.path().join("mine")).unwrap();
    fs::write(sandbox.path().join("mine/notes.txt"), "my notes\n").unwrap();
    for (dir, message) in [
        (
            "rundir",
            "error: output directory rundir already exists and holds no calibration\n\nhint: \
             choose a new directory with --out DIR\n",
        ),
        (
            "mine",
            "error: output directory mine already exists and holds no calibration\n\nhint: \
             choose a new directory with --out DIR\n",
        ),
        (
            "single",
            "error: single is a finished calibration run without --shard: a shard cannot add \
             to it\n\nhint: its results are in single; run the shards with a new --out DIR\n",
        ),
    ] {
        let before = contents(&sandbox.path().join(dir));
        calibrate_into(&sandbox, (&scenario, &targets), dir, &["--shard", "0/1"])
            .assert()
            .code(2)
            .stderr(predicate::str::ends_with(message));
        assert!(
            contents(&sandbox.path().join(dir)) == before,
            "{dir} changed"
        );
        // Nor does a merge then take it for a sharded calibration.
        sandbox.cmd(&["merge", dir]).assert().failure();
        assert!(
            contents(&sandbox.path().join(dir)) == before,
            "{dir} changed"
        );
    }
    // An empty folder holds nothing to lose (a job script may make it, and shards starting
    // together each find the folder another has just made).
    fs::create_dir(sandbox.path().join("empty")).unwrap();
    calibrate_into(
        &sandbox,
        (&scenario, &targets),
        "empty",
        &["--shard", "0/2"],
    )
    .assert()
    .success();
}

type Edit<'a> = Box<dyn Fn(&mut serde_json::Value) + 'a>;

/// Runs shard 0 of 2 of the first round of the sharded set-up, then changes its file by
/// each of `edits` in turn: shard 1 must refuse to go on (exit 2), saying `said` and the
/// edit's own words and naming the file, and write nothing in the round. `needs` checks
/// that the file as written lends itself to the edits.
fn shard_file_edits_are_refused(
    needs: impl Fn(&serde_json::Value) -> bool,
    said: &str,
    edits: &[(&str, Edit)],
) {
    let sandbox = Sandbox::new();
    let (scenario, targets) = sharded_setup(&sandbox);
    calibrate_into(
        &sandbox,
        (&scenario, &targets),
        "sharded",
        &["--shard", "0/2", "-j", "1"],
    )
    .assert()
    .success();
    let round = sandbox.path().join("sharded/rounds/gen-000/round-000");
    let file = fs::read_dir(&round)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "json"))
        .expect("shard 0's file of the first round");
    let original = read(&file);
    let slice: serde_json::Value = serde_json::from_str(&original).unwrap();
    assert!(
        needs(&slice),
        "the file does not suit the edits: {original}"
    );
    for (words, edit) in edits {
        let mut changed = slice.clone();
        edit(&mut changed);
        fs::write(&file, changed.to_string()).unwrap();
        calibrate_into(
            &sandbox,
            (&scenario, &targets),
            "sharded",
            &["--shard", "1/2", "-j", "1"],
        )
        .assert()
        .code(2)
        .stderr(predicate::str::contains(said))
        .stderr(predicate::str::contains(*words))
        .stderr(predicate::str::contains(
            file.file_name().unwrap().to_str().unwrap(),
        ));
        assert!(
            fs::read_dir(&round).unwrap().count() == 1,
            "{words}: shard 1 ran on a round it should have refused"
        );
    }
}

/// A round's shard file that belongs to another calibration (another generation, round,
/// block or split, or another slice) is refused by name before anything is run on it.
#[test]
fn a_foreign_shard_file_in_a_round_is_refused() {
    let bump = |v: &serde_json::Value| serde_json::json!(v.as_u64().unwrap() + 1);
    // Each message names the round and slice the file holds.
    let edits: [(&str, Edit); 5] = [
        (
            "of round 0 of generation 1",
            Box::new(|s| s["generation"] = bump(&s["generation"])),
        ),
        (
            "of round 1 of generation 0",
            Box::new(|s| s["round"] = bump(&s["round"])),
        ),
        (
            "of round 0 of generation 0",
            Box::new(|s| s["block"][1] = bump(&s["block"][1])),
        ),
        (
            "of round 0 of generation 0",
            Box::new(|s| s["shard"] = s["shards"].clone()),
        ),
        (
            "of round 0 of generation 0",
            Box::new(|s| s["proposals"][1] = bump(&s["proposals"][1])),
        ),
    ];
    shard_file_edits_are_refused(
        |_| true,
        "it belongs to another calibration or coprod version",
        &edits,
    );
}

/// A round's shard file whose accepted proposals were changed on disk (a parameter vector
/// cut short or outside its prior, a proposal outside the shard's slice or given twice, a
/// distance that is not a finite number of at least 0) is refused by name, before it joins
/// a generation: merged, it would be a particle of the posterior.
#[test]
fn a_shard_file_with_damaged_accepted_proposals_is_refused() {
    // What the refusal says of each.
    let edits: [(&str, Edit); 5] = [
        (
            "has 0 values in theta, but the calibration estimates",
            Box::new(|s| s["accepted"][0]["theta"] = serde_json::json!([])),
        ),
        (
            "theta[0] = 1000000000 is outside its prior's support",
            Box::new(|s| s["accepted"][0]["theta"][0] = serde_json::json!(1e9)),
        ),
        (
            "accepted proposal k = ",
            Box::new(|s| s["accepted"][0]["k"] = s["proposals"][1].clone()),
        ),
        (
            "accepted proposal k = ",
            Box::new(|s| s["accepted"][1]["k"] = s["accepted"][0]["k"].clone()),
        ),
        (
            "its distance -1 is not a finite number of at least 0",
            Box::new(|s| s["accepted"][0]["distance"] = serde_json::json!(-1.0)),
        ),
    ];
    let two_accepted =
        |s: &serde_json::Value| s["accepted"].as_array().is_some_and(|a| a.len() >= 2);
    shard_file_edits_are_refused(two_accepted, "accepted proposal", &edits);
}

/// Shards of every round, then `coprod merge DIR`, until the merge writes the results:
/// the same bytes as the unsharded calibration. The split changes from round to round
/// (3, then 2 shards), which cannot change any number either.
/// Temporary files as a shard stopped by Ctrl-C leaves them in the calibration `dir` and
/// its first round.
fn abandoned_shard_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let first = |d: &Path| fs::read_dir(d).unwrap().next().unwrap().unwrap().path();
    let round = first(&first(&dir.join("rounds")));
    let files = vec![
        dir.join(".sharding.json.4194304.tmp"),
        round.join(".shard-0-of-3.json.4194304.tmp"),
    ];
    for f in &files {
        fs::write(f, "{\"cut").unwrap();
    }
    files
}

/// The scenario's warnings, which every shard of a calibration gave, are given once by
/// `coprod merge DIR` too: a user who reads only its output must not miss them.
#[test]
fn merge_of_a_calibration_repeats_the_warnings_of_its_shards_once() {
    let sandbox = Sandbox::new();
    let (scenario, targets) = setup(&sandbox);
    fs::write(
        &scenario,
        format!("{SCENARIO}[params.levers]\noutreach = 0.3\n"),
    )
    .unwrap();
    let warning = "[params] sets `levers.outreach`, which lab runs do not read: it changes \
                   nothing\n";
    calibrate_into(
        &sandbox,
        (&scenario, &targets),
        "fit",
        &["--shard", "0/1", "-j", "1"],
    )
    .assert()
    .success()
    .stderr(predicate::str::contains(warning));
    let merged = sandbox.cmd(&["merge", "fit"]).assert().success();
    let stderr = String::from_utf8_lossy(&merged.get_output().stderr).into_owned();
    assert_eq!(stderr.matches(warning).count(), 1, "{stderr}");
}

#[test]
fn sharded_rounds_merged_equal_the_unsharded_calibration() {
    let sandbox = Sandbox::new();
    let (scenario, targets) = sharded_setup(&sandbox);
    let mut merges = 0;
    while !sandbox.path().join("sharded/posterior.csv").exists() {
        merges += 1;
        assert!(merges < 40, "the merges never finished the calibration");
        let n = if merges % 2 == 0 { 2 } else { 3 };
        // In reverse order: a round's shards may run in any order.
        for i in (0..n).rev() {
            let shard = format!("{i}/{n}");
            calibrate_into(
                &sandbox,
                (&scenario, &targets),
                "sharded",
                &["--shard", &shard, "-j", "1"],
            )
            .assert()
            .success()
            .stderr(predicate::str::contains(format!("wrote shard {i} of {n}")));
        }
        // What shards stopped by Ctrl-C leave (temporary files of a process that is gone;
        // Linux has no process 4194304) the merge removes.
        let left = (merges == 1).then(|| abandoned_shard_files(&sandbox.path().join("sharded")));
        sandbox.cmd(&["merge", "sharded"]).assert().success();
        for file in left.into_iter().flatten() {
            assert!(!file.exists(), "{}", file.display());
        }
    }
    assert!(
        merges > 4,
        "some generation took more than one round: {merges}"
    );
    assert_same_calibration(
        &sandbox.path().join("single"),
        &sandbox.path().join("sharded"),
    );
    let manifest = read(&sandbox.path().join("sharded/manifest.json"));
    // How the shards ran: more proposals than the unsharded run needed (the last round of a
    // generation overshoots), of which at most as many simulated.
    let manifest: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let sharded = &manifest["sharded"];
    let (proposals, simulations) = (
        sharded["proposals"].as_u64().unwrap(),
        sharded["simulations"].as_u64().unwrap(),
    );
    let (_, diagnostics) = crate::util::csv(&sandbox.path().join("single/diagnostics.csv"));
    let needed: u64 = diagnostics
        .iter()
        .map(|r| r[3].parse::<u64>().unwrap())
        .sum();
    let simulated: u64 = diagnostics
        .iter()
        .map(|r| r[4].parse::<u64>().unwrap())
        .sum();
    assert!(proposals >= needed && simulations >= simulated, "{sharded}");
    assert!(simulations <= proposals, "{sharded}");
    // The counts are those of the rounds' shard files: one round per merge above.
    assert_eq!(sharded["rounds"], merges, "{sharded}");
    let mut spans = 0;
    for generation in fs::read_dir(sandbox.path().join("sharded/rounds")).unwrap() {
        for round in fs::read_dir(generation.unwrap().path()).unwrap() {
            for file in fs::read_dir(round.unwrap().path()).unwrap() {
                let slice: serde_json::Value =
                    serde_json::from_str(&read(&file.unwrap().path())).unwrap();
                spans += slice["proposals"][1].as_u64().unwrap()
                    - slice["proposals"][0].as_u64().unwrap();
            }
        }
    }
    assert_eq!(proposals, spans, "{sharded}");
    // A shard of a stopped calibration has nothing left to do.
    calibrate_into(
        &sandbox,
        (&scenario, &targets),
        "sharded",
        &["--shard", "0/2"],
    )
    .assert()
    .success()
    .stderr(predicate::str::contains("the calibration has stopped"));
}

/// Shards of the first rounds, then `--resume` in one process: the same bytes too.
#[test]
fn resume_after_shards_equals_the_unsharded_calibration() {
    let sandbox = Sandbox::new();
    let (scenario, targets) = sharded_setup(&sandbox);
    for _ in 0..3 {
        for shard in ["0/2", "1/2"] {
            calibrate_into(
                &sandbox,
                (&scenario, &targets),
                "mixed",
                &["--shard", shard],
            )
            .assert()
            .success();
        }
    }
    // The last round's shards are not merged: --resume makes its generation from them.
    calibrate_into(&sandbox, (&scenario, &targets), "mixed", &["--resume"])
        .assert()
        .success();
    assert_same_calibration(
        &sandbox.path().join("single"),
        &sandbox.path().join("mixed"),
    );
}

/// A shard is a `coprod calibrate` too: it says the scenario's warnings, as the unsharded
/// command does, before its share of the runs.
#[test]
fn a_shard_says_the_scenarios_warnings() {
    let sandbox = Sandbox::new();
    let (scenario, targets) = setup(&sandbox);
    fs::write(&scenario, format!("{SCENARIO}[params.groups]\nrho = 0.3\n")).unwrap();
    calibrate_into(&sandbox, (&scenario, &targets), "cal", &["--shard", "0/2"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "[params] sets `groups.rho`, which lab runs do not read: it changes nothing",
        ));
}

#[test]
fn bad_shard_arguments_are_refused_with_exit_2() {
    let sandbox = Sandbox::new();
    let (scenario, targets) = setup(&sandbox);
    let calibrate = |extra: &[&str]| calibrate_into(&sandbox, (&scenario, &targets), "cal", extra);
    for (shard, message) in [
        ("3/3", "shard 3 of 3 does not exist"),
        ("1/0", "the shard count must be at least 1"),
        ("x/2", "not a whole number"),
        ("2", "expected I/N"),
        // Too large to count, not "not a whole number".
        (
            "1/99999999999999999999",
            "shard count `99999999999999999999` is out of range: allowed is a whole number \
             from 1 to 18446744073709551615",
        ),
        (
            "99999999999999999999/2",
            "shard number `99999999999999999999` is out of range: allowed is a whole number \
             from 0 to 18446744073709551615",
        ),
    ] {
        calibrate(&["--shard", shard])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
    }
    calibrate(&["--shard"])
        .env_remove("SLURM_ARRAY_TASK_ID")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("SLURM_ARRAY_TASK_ID"));
    calibrate(&["--shard", "0/2", "--resume"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("cannot be used with"));
    // A round begun with 3 shards is finished with 3; a shard that is there is not rerun.
    calibrate(&["--shard", "0/3"]).assert().success();
    calibrate(&["--shard", "0/3"])
        .assert()
        .success()
        .stderr(predicate::str::contains("is already done"));
    calibrate(&["--shard", "1/2"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "is split into 3 shards, not 2\n\nhint: give --shard I/3 (the shards still \
             missing: 1/3, 2/3)",
        ));
    // Another seed is another calibration.
    calibrate(&["--shard", "1/3", "--seed", "9"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot add a shard to cal: it was started with --seed 2 (not 9)",
        ));
    // A calibration is merged in place, alone.
    sandbox
        .cmd(&["merge", "cal", "--out", "elsewhere"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("merged in place"));
    sandbox
        .cmd(&["merge", "cal"])
        .assert()
        .success()
        .stderr(predicate::str::contains("2 shards still to run: 1/3, 2/3"));
    // An unsharded calibration has nothing to merge.
    calibrate_into(&sandbox, (&scenario, &targets), "whole", &[])
        .assert()
        .success();
    sandbox
        .cmd(&["merge", "whole"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "whole is a finished calibration run without --shard: there is nothing to merge",
        ))
        .stderr(predicate::str::contains("No such file").not());
}

/// `small.toml` in the sandbox: 200 citizens in 2 communities, 24 steps, `replications`.
fn small_scenario(sandbox: &Sandbox, replications: u32) -> std::path::PathBuf {
    let file = sandbox.path().join("small.toml");
    fs::write(
        &file,
        format!(
            "name = \"small\"\n[params.population]\nn_citizens = 200\nn_communities = 2\n\
             [experiment]\nsteps = 24\nreplications = {replications}\nseed = 1\n"
        ),
    )
    .unwrap();
    file
}

/// `--sample` larger than the population surveys every citizen, and the command says so
/// instead of claiming the sample it was asked for.
fn survey_of_a_small_population_says_it_surveyed_everyone(sandbox: &Sandbox) {
    let file = small_scenario(sandbox, 2);
    let out = sandbox.path().join("small-survey");
    // An empty directory is used as is, as for every command (docs/outputs.md).
    fs::create_dir(&out).unwrap();
    sandbox
        .cmd(&[
            "survey",
            file.to_str().unwrap(),
            "--sample",
            "1000000000",
            "-o",
            out.to_str().unwrap(),
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "all 200 citizens of each surveyed (the population is smaller than --sample \
             1000000000)",
        ))
        .stderr(predicate::str::contains("1000000000 citizens sampled").not())
        .stdout(predicate::str::contains("400 respondents"));
    let rows = read(&out.join("survey.csv")).lines().count();
    assert_eq!(rows, 1 + 400);
    // Written like a run directory: in a partial directory moved into place when complete.
    assert!(out.join("manifest.json").is_file());
    assert!(!sandbox.path().join(".small-survey.partial").exists());
}

/// A survey of a scenario with variants or a sweep surveys the baseline only, at the first
/// sweep point, and says so with that point's values: the status line and the manifest
/// would otherwise leave the reader to assume the baseline's own parameters. The runs are
/// those of the first point: survey.csv is that of the scenario with the sweep replaced by
/// its first value.
#[test]
fn a_survey_of_a_swept_scenario_names_the_point_it_surveys() {
    let sandbox = Sandbox::new();
    let file = small_scenario(&sandbox, 2);
    let plain = fs::read_to_string(&file).unwrap();
    let variant = "[[experiment.variants]]\nname = \"costly\"\n\
                   params.levers.participation_cost = 0.9\n";
    let sweep = "[experiment.sweep]\n\"levers.outreach\" = [0.5, 0.9]\n";
    let survey = |name: &str, text: &str| {
        let file = sandbox.path().join(format!("{name}.toml"));
        fs::write(&file, text).unwrap();
        let args = ["survey", file.to_str().unwrap(), "-o", name];
        let out = sandbox.cmd(&args).assert().success();
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        (stderr, read(&sandbox.path().join(name).join("survey.csv")))
    };
    let (stderr, _) = survey("plain", &plain);
    assert!(!stderr.contains("is surveyed"), "{stderr}");
    let (stderr, _) = survey("variant", &format!("{plain}{variant}"));
    assert!(
        stderr.contains("note: small: only the baseline is surveyed, not its variants\n"),
        "{stderr}"
    );
    let (stderr, swept) = survey("swept", &format!("{plain}{sweep}{variant}"));
    assert!(
        stderr.contains(
            "note: small: only the baseline at the first point of its sweep (levers.outreach = \
             0.5) is surveyed, not its variants or other sweep points\n"
        ),
        "{stderr}"
    );
    let pinned = plain.replace(
        "[experiment]",
        "[params.levers]\noutreach = 0.5\n[experiment]",
    );
    let (_, first_point) = survey("pinned", &pinned);
    assert_eq!(swept, first_point);
}

/// A survey that cannot be run or fitted is refused with exit status 2 and a message in
/// words (no internal names), and writes nothing: a horizon whose records would not fit in
/// memory (checked before any run, as `coprod run` checks), too few respondents for the
/// regression, and nobody co-producing at the horizon.
#[test]
fn survey_refuses_what_it_cannot_run_or_fit_and_writes_nothing() {
    let sandbox = Sandbox::new();
    let file = small_scenario(&sandbox, 3);
    let file = file.to_str().unwrap();
    for (extra, messages) in [
        (
            &["--horizon", "4294967295"][..],
            &[
                "runs at once need about ",
                "a smaller --horizon or fewer citizens (population.n_citizens)",
            ][..],
        ),
        (
            &["--sample", "2"],
            &[
                "6 respondents for 7 coefficients (an intercept and 6 predictors); it needs at least 8",
            ],
        ),
        (
            &["--horizon", "1"],
            &["none of the 600 respondents co-produce at step 1"],
        ),
    ] {
        let mut args = vec!["survey", file, "-o", "sv"];
        args.extend_from_slice(extra);
        let assert = sandbox.cmd(&args).assert().code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        assert!(stderr.contains("error: "), "{extra:?}: {stderr}");
        for message in messages {
            assert!(stderr.contains(message), "{extra:?}: {stderr}");
        }
        for internal in ["NoFit", "Shape", "panicked", "memory allocation"] {
            assert!(!stderr.contains(internal), "{extra:?}: {stderr}");
        }
        // Too few respondents is known before the runs: none is announced.
        if extra[0] == "--sample" {
            assert!(!stderr.contains(" to step "), "{stderr}");
        }
        assert!(!sandbox.path().join("sv").exists(), "{extra:?} wrote sv");
    }
}

/// A predictor every citizen shares (motivation with `citizens.attribute_sd = 0`) is named,
/// with status 2 and nothing written; it was reported as estimates that do not converge,
/// with a hint to survey more citizens, which cannot help.
#[test]
fn a_survey_names_a_predictor_every_citizen_shares() {
    let sandbox = Sandbox::new();
    fs::write(
        sandbox.path().join("same.toml"),
        "name = \"same\"\n[params.population]\nn_citizens = 600\nn_communities = 5\n\
         [params.citizens]\nattribute_sd = 0\n[experiment]\nsteps = 36\nreplications = 2\n\
         seed = 5\n",
    )
    .unwrap();
    let assert = sandbox
        .cmd(&["survey", "same.toml", "-o", "sv", "-j", "1"])
        .assert()
        .code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains(
            "error: cannot fit the survey regression: `motivation` (0.5) is the same for \
             every one of the 1000 respondents, so its effect cannot be estimated"
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("do not converge"), "{stderr}");
    assert!(!sandbox.path().join("sv").exists());
}

/// A `[calibration]` table that could not run is refused when the scenario is read, with
/// file, line, key and allowed range, exit status 2 and nothing written: a `min_acceptance`
/// so small that the cap on a generation's proposals overflowed to none (the run then failed
/// with a wrong reason), and normal priors whose sd is infinite (the truncated draws never
/// ended) or so small that every draw was the mean (the weights were NaN, exit status 0).
#[test]
fn calibration_tables_that_cannot_run_are_refused_before_anything_is_written() {
    let sandbox = Sandbox::new();
    let file = sandbox.path().join("bad.toml");
    let targets = root().join("data/fg2010-targets.csv");
    for (extra, prior, messages) in [
        (
            "min_acceptance = 1e-300",
            "{ uniform = [0.3, 1.2] }",
            &[
                "bad.toml:10:",
                "`calibration.min_acceptance`",
                "1e-6 or more and below 1",
            ][..],
        ),
        (
            "",
            "{ normal = [0.5, inf] }",
            &[
                "bad.toml:12:",
                "`behaviour.cc_slope`",
                "sd from 2e-9 to 200",
            ][..],
        ),
        (
            "",
            "{ normal = [0.5, 1e-300] }",
            &[
                "bad.toml:12:",
                "`behaviour.cc_slope`",
                "sd from 2e-9 to 200",
            ][..],
        ),
    ] {
        fs::write(
            &file,
            format!(
                "name = \"bad\"\n[params.population]\nsetting = \"lab\"\nn_citizens = 140\n\
                 [experiment]\nsteps = 10\n[calibration]\nparticles = 10\ngenerations = 2\n\
                 {extra}\n[calibration.priors]\n\"behaviour.cc_slope\" = {prior}\n"
            ),
        )
        .unwrap();
        let assert = calibrate_into(
            &sandbox,
            (file.to_str().unwrap(), targets.to_str().unwrap()),
            "cal",
            &[],
        )
        .timeout(std::time::Duration::from_secs(60))
        .assert()
        .code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        for message in messages {
            assert!(stderr.contains(message), "{prior} {extra}: {stderr}");
        }
        assert!(!sandbox.path().join("cal").exists(), "{prior} {extra}");
    }
}

/// A generation that cannot fill its particles within the cap is reported as incomplete,
/// naming the generation that is the posterior, and has no effective sample size in
/// diagnostics.csv (it wrote the previous generation's, as if it were its own).
#[test]
fn an_incomplete_generation_has_no_ess_and_names_the_posterior() {
    let sandbox = Sandbox::new();
    let text = read(&root().join("scenarios/lab-calibration.toml"))
        .replace("particles = 500", "particles = 10")
        .replace("generations = 20", "generations = 2")
        .replace("min_acceptance = 0.0005", "min_acceptance = 0.5");
    let file = sandbox.path().join("incomplete.toml");
    fs::write(&file, text).unwrap();
    let targets = root().join("data/fg2010-targets.csv");
    calibrate_into(
        &sandbox,
        (file.to_str().unwrap(), targets.to_str().unwrap()),
        "cal",
        &[],
    )
    .assert()
    .success()
    .stderr(predicate::str::contains(
        "generation 1: tolerance 6.535, acceptance 0, incomplete (too few \
             particles accepted within the cap on proposals): the posterior is generation 0",
    ));
    let diagnostics = read(&sandbox.path().join("cal/diagnostics.csv"));
    let last = diagnostics.lines().last().unwrap();
    assert_eq!(last, "1,6.535199610737168,0,30,0,,false", "{diagnostics}");
    // Generation 0 accepts every draw: it has no tolerance, not the largest float.
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&sandbox.path().join("cal/manifest.json"))).unwrap();
    assert_eq!(manifest["posterior_generation"], 0);
    assert_eq!(manifest["posterior_tolerance"], serde_json::Value::Null);
}

/// The scenario's `[[interventions]]` apply in every simulation of a calibration, as in
/// `coprod run`'s baseline: they were ignored (every simulation ran without them), so a
/// calibration with an intervention gave the same predictive as one without.
#[test]
fn a_calibration_applies_the_scenario_interventions() {
    let sandbox = Sandbox::new();
    let plain = "name = \"f\"\n[params.population]\nn_citizens = 200\nn_communities = 2\n\
                 [experiment]\nsteps = 6\nseed = 1\n[calibration]\nparticles = 10\n\
                 generations = 1\n[calibration.priors]\n\
                 \"citizens.trust_mean\" = { uniform = [0.3, 0.7] }\n";
    let with = format!(
        "{plain}[[interventions]]\nlever = \"levers.outreach\"\nvalue = 1.0\nfrom_step = 0\n"
    );
    let targets = sandbox.path().join("t.csv");
    fs::write(
        &targets,
        "metric,step,observed,se,source\nparticipation_rate,5,0.05,0.01,test\n",
    )
    .unwrap();
    let mut predictive = Vec::new();
    for (name, text) in [("plain", plain.to_string()), ("with", with)] {
        let file = sandbox.path().join(format!("{name}.toml"));
        fs::write(&file, text).unwrap();
        calibrate_into(
            &sandbox,
            (file.to_str().unwrap(), targets.to_str().unwrap()),
            name,
            &[],
        )
        .assert()
        .success();
        predictive.push(read(&sandbox.path().join(name).join("predictive.csv")));
    }
    assert_ne!(
        predictive[0], predictive[1],
        "outreach from step 0 changed nothing"
    );
}

/// An estimated parameter that the scenario's own interventions hold at every step is
/// refused at the intervention's line, by calibrate, check and slurm alike, before anything
/// is written: no target could inform it. One held for part of the run is calibrated.
#[test]
fn a_prior_held_throughout_by_an_intervention_is_refused_at_its_line() {
    let sandbox = Sandbox::new();
    let scenario = |from_step: u32| {
        let text = format!(
            "name = \"f\"\n[params.population]\nn_citizens = 200\nn_communities = 2\n\
             [experiment]\nsteps = 6\nseed = 1\n[calibration]\nparticles = 10\n\
             generations = 1\n[calibration.priors]\n\
             \"levers.outreach\" = {{ uniform = [0.0, 1.0] }}\n\
             [[interventions]]\nlever = \"levers.outreach\"\nvalue = 1.0\n\
             from_step = {from_step}\n"
        );
        let file = sandbox.path().join(format!("from{from_step}.toml"));
        fs::write(&file, text).unwrap();
        file.to_str().unwrap().to_string()
    };
    let targets = sandbox.path().join("t.csv");
    fs::write(
        &targets,
        "metric,step,observed,se,source\nparticipation_rate,5,0.05,0.01,test\n",
    )
    .unwrap();
    let targets = targets.to_str().unwrap();
    let held = scenario(0);
    let refusal = "from0.toml:14:9: [[interventions]] entry 1 of the scenario sets \
                   `levers.outreach` at every step of the run (6 steps), and \
                   [calibration.priors] estimates it";
    calibrate_into(&sandbox, (&held, targets), "held", &[])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(refusal))
        .stderr(predicate::str::contains(
            "hint: take `levers.outreach` out of [calibration.priors]",
        ));
    assert!(!sandbox.path().join("held").exists());
    sandbox
        .cmd(&["check", &held])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(refusal));
    sandbox
        .cmd(&[
            "slurm",
            &held,
            "--targets",
            targets,
            "--array",
            "2",
            "--out",
            "job",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(refusal));
    assert!(!sandbox.path().join("job").exists());
    let partial = scenario(3);
    calibrate_into(&sandbox, (&partial, targets), "partial", &[])
        .assert()
        .success();
}

/// The RMSE of the predictive means of `metric`, recomputed from predictive.csv.
fn rmse_in_predictive(dir: &Path, metric: &str) -> f64 {
    let (_, rows) = crate::util::csv(&dir.join("predictive.csv"));
    let errors: Vec<f64> = rows
        .iter()
        .filter(|r| r[0] == metric)
        .map(|r| r[4].parse::<f64>().unwrap() - r[2].parse::<f64>().unwrap())
        .collect();
    (errors.iter().map(|e| e * e).sum::<f64>() / errors.len() as f64).sqrt()
}

/// A targets file of two metrics in different units (a lab's contribution as a share of
/// the endowment, its payoff in tokens): the RMSE is given per metric, in each metric's
/// unit, in the summary and in manifest.json, and no RMSE pooled over both (which added
/// shares to tokens) is written; with one metric the manifest keeps its single `rmse`.
#[test]
fn targets_of_two_metrics_get_an_rmse_each_in_its_unit() {
    let sandbox = Sandbox::new();
    let (scenario, targets) = setup(&sandbox);
    fs::write(
        &targets,
        format!("{TARGETS}service_output,0,25,1,test\nservice_output,2,23,1,test\n"),
    )
    .unwrap();
    let output = calibrate_into(&sandbox, (&scenario, &targets), "two", &[])
        .output()
        .unwrap();
    assert!(output.status.success());
    let dir = sandbox.path().join("two");
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&dir.join("manifest.json"))).unwrap();
    assert!(manifest.get("rmse").is_none(), "a pooled RMSE: {manifest}");
    let stdout = String::from_utf8_lossy(&output.stdout);
    for (metric, unit) in [
        ("mean_contribution", "share of endowment"),
        ("service_output", "mean payoff in tokens"),
    ] {
        let fit = &manifest["rmse_by_metric"][metric];
        let expected = rmse_in_predictive(&dir, metric);
        let rmse = fit["rmse"].as_f64().unwrap();
        assert!((rmse - expected).abs() < 1e-12, "{metric}: {fit}");
        assert_eq!(fit["unit"], unit);
        assert_eq!(fit["targets"], 2);
        assert!(
            stdout.contains(&format!("{metric} {rmse:.4} ({unit}) over 2 targets")),
            "{stdout}"
        );
    }
    assert!(stdout.contains("4/4 targets inside"), "{stdout}");

    calibrate_into(&sandbox, (&scenario, &targets_file(&sandbox)), "one", &[])
        .assert()
        .success()
        .stdout(predicate::str::contains("(share of endowment); "));
    let dir = sandbox.path().join("one");
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&dir.join("manifest.json"))).unwrap();
    let rmse = manifest["rmse"].as_f64().unwrap();
    assert!((rmse - rmse_in_predictive(&dir, "mean_contribution")).abs() < 1e-12);
    assert!(manifest.get("rmse_by_metric").is_none(), "{manifest}");
}

/// A targets file of one metric (`TARGETS`) beside the scenario.
fn targets_file(sandbox: &Sandbox) -> String {
    let path = sandbox.path().join("one-metric.csv");
    fs::write(&path, TARGETS).unwrap();
    path.to_str().unwrap().to_string()
}

/// A calibration whose results cannot be written (a file size limit standing in for a full
/// disk: the chart is larger than the limit) leaves no half-written file in place, neither
/// in a new folder nor over an earlier result, names the file as it will be, and says the
/// exact command that continues it; that command then writes the results.
#[test]
fn a_failed_write_of_the_results_leaves_nothing_half_written() {
    let sandbox = Sandbox::new();
    setup(&sandbox);
    let args = calibrate_args(("tiny.toml", "targets.csv"), "cal", &[]);
    let output = crate::util::run_with_size_limit(sandbox.path(), 8, &args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cal/predictive-mean_contribution.png: File too large"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "continue with:\n  coprod calibrate tiny.toml --targets targets.csv --seed 2 --out \
             cal --resume\n"
        ),
        "{stderr}"
    );
    let names = |dir: &str| -> Vec<String> {
        let mut n: Vec<String> = fs::read_dir(sandbox.path().join(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    };
    assert_eq!(names("cal"), ["calibration.json", "checkpoints"]);
    calibrate_into(&sandbox, ("tiny.toml", "targets.csv"), "single", &[])
        .assert()
        .success();
    let mut resume = args.to_vec();
    resume.push("--resume");
    sandbox.cmd(&resume).assert().success();
    assert_same_calibration(&sandbox.path().join("single"), &sandbox.path().join("cal"));
    // Written again over an earlier result (its manifest.json lost, so that `--resume`
    // writes the results), under the limit: the result stays whole.
    fs::remove_file(sandbox.path().join("cal/manifest.json")).unwrap();
    let before = fs::read(sandbox.path().join("cal/predictive-mean_contribution.png")).unwrap();
    let output = crate::util::run_with_size_limit(sandbox.path(), 8, &resume);
    assert_eq!(output.status.code(), Some(2));
    let after = fs::read(sandbox.path().join("cal/predictive-mean_contribution.png")).unwrap();
    assert_eq!(before, after);
    assert!(
        names("cal").iter().all(|n| !n.starts_with('.')),
        "{:?}",
        names("cal")
    );
}

/// A merge of shards that cannot write the results (a file size limit standing in for a
/// full disk) leaves no half-written chart and says to merge again, which finishes it.
#[test]
fn a_merge_that_cannot_write_says_to_merge_again() {
    let sandbox = Sandbox::new();
    setup(&sandbox);
    let shard = calibrate_args(("tiny.toml", "targets.csv"), "cal", &["--shard", "0/1"]);
    let mut stderr = String::new();
    for _ in 0..20 {
        sandbox.cmd(&shard).assert().success();
        let output = crate::util::run_with_size_limit(sandbox.path(), 8, &["merge", "cal"]);
        if output.status.code() != Some(0) {
            assert_eq!(output.status.code(), Some(2));
            stderr = String::from_utf8_lossy(&output.stderr).into_owned();
            break;
        }
    }
    assert!(
        stderr.contains("cal/predictive-mean_contribution.png: File too large"),
        "{stderr}"
    );
    assert!(
        stderr.ends_with("merge again with:\n  coprod merge cal\n"),
        "{stderr}"
    );
    assert!(
        !sandbox
            .path()
            .join("cal/predictive-mean_contribution.png")
            .exists()
    );
    sandbox.cmd(&["merge", "cal"]).assert().success();
    calibrate_into(&sandbox, ("tiny.toml", "targets.csv"), "single", &[])
        .assert()
        .success();
    assert_same_calibration(&sandbox.path().join("single"), &sandbox.path().join("cal"));
}

/// Ctrl-C during a shard says that its slice was not written and the command that runs it
/// again.
#[test]
fn ctrl_c_during_a_shard_says_how_to_run_it_again() {
    let sandbox = Sandbox::new();
    setup(&sandbox);
    // One round of 20,000 proposals of 400 citizens: still running when interrupted.
    let slow = SCENARIO
        .replace("n_citizens = 40", "n_citizens = 400")
        .replace("steps = 3", "steps = 40")
        .replace("particles = 20", "particles = 20000");
    fs::write(sandbox.path().join("tiny.toml"), slow).unwrap();
    let args = calibrate_args(
        ("tiny.toml", "targets.csv"),
        "cal",
        &["-j", "1", "--shard", "1/2"],
    );
    let stderr = crate::resume::interrupt_when(&sandbox, &args, "cal/sharding.json");
    assert!(
        stderr.ends_with(
            "\ninterrupted: shard 1 of 2 of the current round was not written (a shard is \
             written only when complete); what other shards wrote is kept in cal.\nrun it \
             again with: coprod calibrate tiny.toml --targets targets.csv --seed 2 --out cal \
             --shard 1/2\n"
        ),
        "{stderr}"
    );
    assert!(!sandbox.path().join("cal/rounds/gen-000").exists());
}

/// Each file below `dir` with its bytes and modification time.
fn files_and_times(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>, std::time::SystemTime)> {
    crate::util::files_below(dir)
        .into_iter()
        .map(|f| {
            let path = dir.join(&f);
            let modified = fs::metadata(&path).unwrap().modified().unwrap();
            (f, fs::read(&path).unwrap(), modified)
        })
        .collect()
}

/// `--resume` of a finished calibration (its manifest.json is there) changes no file, as
/// `coprod run --resume` of a complete directory: it says the calibration is already
/// complete, with status 0. It wrote the results again and replaced the manifest's record
/// of how it ran (threads, wall time). One whose manifest.json does not parse is refused,
/// naming the file and the JSON error, and nothing in it is replaced.
#[test]
fn resume_of_a_finished_calibration_changes_nothing() {
    let sandbox = Sandbox::new();
    setup(&sandbox);
    let args = calibrate_args(("tiny.toml", "targets.csv"), "cal", &[]);
    sandbox.cmd(&args).assert().success();
    let cal = sandbox.path().join("cal");
    let before = files_and_times(&cal);
    // Time enough for a rewritten file to get another modification time.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let mut resume = args.to_vec();
    resume.extend(["--resume", "-j", "2"]);
    sandbox
        .cmd(&resume)
        .assert()
        .success()
        .stdout("cal\n")
        .stderr(predicate::str::contains(
            "cal is already complete: the calibration has stopped and its results are \
             written\n",
        ))
        .stderr(predicate::str::contains("resuming").not());
    assert!(files_and_times(&cal) == before, "files of cal changed");

    let manifest = cal.join("manifest.json");
    fs::write(&manifest, format!("\u{feff}{}", read(&manifest))).unwrap();
    let damaged = files_and_times(&cal);
    std::thread::sleep(std::time::Duration::from_millis(20));
    sandbox
        .cmd(&resume)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::starts_with(
            "error: cannot resume cal: cal/manifest.json: expected value at line 1 column 1\n\n\
             hint: restore its manifest.json, or start the calibration again with --out DIR \
             naming a new directory\n",
        ));
    assert!(files_and_times(&cal) == damaged, "files of cal changed");
}

/// `--resume` with another seed names the seed the calibration was started with.
#[test]
fn resume_with_another_seed_names_the_seed_it_was_started_with() {
    let sandbox = Sandbox::new();
    setup(&sandbox);
    let args = calibrate_args(("tiny.toml", "targets.csv"), "cal", &[]);
    sandbox.cmd(&args).assert().success();
    let mut resume = args.to_vec();
    resume.extend(["--resume", "--seed", "3"]);
    sandbox
        .cmd(&resume)
        .assert()
        .code(2)
        .stderr("error: cannot resume cal: it was started with --seed 2 (not 3)\n");
}

/// `--resume` refuses checkpoints simulated by another coprod version, also those of a
/// calibration.json from before 0.2.0 (which has no version): one posterior would mix two
/// models' simulations.
#[test]
fn resume_refuses_checkpoints_of_another_coprod_version() {
    let sandbox = Sandbox::new();
    setup(&sandbox);
    let args = calibrate_args(("tiny.toml", "targets.csv"), "cal", &[]);
    sandbox.cmd(&args).assert().success();
    let record = sandbox.path().join("cal/calibration.json");
    let mut json: serde_json::Value = serde_json::from_str(&read(&record)).unwrap();
    assert_eq!(json["coprod_version"], env!("CARGO_PKG_VERSION"));
    let mut resume = args.to_vec();
    resume.push("--resume");
    for (then, named) in [
        (Some("0.0.1"), "coprod 0.0.1"),
        (None, "coprod before 0.2.0"),
    ] {
        match then {
            Some(v) => json["coprod_version"] = v.into(),
            None => drop(json.as_object_mut().unwrap().remove("coprod_version")),
        }
        let text = serde_json::to_string_pretty(&json).unwrap();
        fs::write(&record, &text).unwrap();
        sandbox
            .cmd(&resume)
            .assert()
            .code(2)
            .stderr(predicate::str::starts_with(format!(
                "error: cannot resume cal: it was started with {named} (this is coprod {})",
                env!("CARGO_PKG_VERSION")
            )));
        assert_eq!(read(&record), text);
    }
}

/// A field calibration with one target of each of many metrics: drawing its predictive
/// charts takes long enough (some tenths of a second) for Ctrl-C to fall into it.
fn many_charts(sandbox: &Sandbox) -> (String, String) {
    let scenario = sandbox.path().join("field.toml");
    fs::write(
        &scenario,
        "name = \"f\"\n[params.population]\nn_citizens = 200\nn_communities = 2\n\
         [experiment]\nsteps = 3\nseed = 1\n[calibration]\nparticles = 10\ngenerations = 3\n\
         [calibration.priors]\n\"citizens.trust_mean\" = { uniform = [0.3, 0.7] }\n",
    )
    .unwrap();
    let mut targets = String::from("metric,step,observed,se,source\n");
    for (metric, _, _) in coprod_core::METRICS {
        targets.push_str(&format!("{metric},2,0.5,0.1,test\n"));
    }
    let path = sandbox.path().join("many.csv");
    fs::write(&path, targets).unwrap();
    (
        scenario.to_str().unwrap().to_string(),
        path.to_str().unwrap().to_string(),
    )
}

/// Starts `coprod ARGS` in the sandbox and sends Ctrl-C as soon as the temporary folder of
/// its results (`cal/.coprod-new.<pid>`) appears; returns its output once it has exited.
fn interrupt_when_results_are_staged(sandbox: &Sandbox, args: &[&str]) -> std::process::Output {
    crate::util::ctrl_c_once_there(sandbox.path(), args, |pid| {
        sandbox.path().join(format!("cal/.coprod-new.{pid}"))
    })
}

/// The interrupted calibration `cal` holds the results of `single`, whole, and no temporary
/// folder; it exited with 130, or 0 when Ctrl-C, held off until the results were written,
/// came too late to stop it.
fn assert_whole_after_ctrl_c(sandbox: &Sandbox, output: &std::process::Output) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        matches!(output.status.code(), Some(0 | 130)),
        "{:?}: {stderr}",
        output.status
    );
    let hidden = crate::util::hidden_entries(&sandbox.path().join("cal"));
    assert!(hidden.is_empty(), "{hidden:?}: {stderr}");
    assert_same_calibration(&sandbox.path().join("single"), &sandbox.path().join("cal"));
}

/// Ctrl-C while the results are written (sent as soon as their temporary folder appears)
/// leaves them whole, equal to an uninterrupted calibration's, and no temporary folder, in
/// `coprod calibrate` and in the `coprod merge` of its shards; before, the process exited
/// at once and left the folder, with some charts moved into place and others not.
#[test]
fn ctrl_c_while_the_results_are_written_leaves_them_whole() {
    let sandbox = Sandbox::new();
    let (scenario, targets) = many_charts(&sandbox);
    calibrate_into(&sandbox, (&scenario, &targets), "single", &[])
        .assert()
        .success();
    let args = ["calibrate", &scenario, "--targets", &targets, "-o", "cal"];
    let output = interrupt_when_results_are_staged(&sandbox, &args);
    assert_whole_after_ctrl_c(&sandbox, &output);

    fs::remove_dir_all(sandbox.path().join("cal")).unwrap();
    let shard = [&args[..], &["--shard", "0/1"]].concat();
    let stopped = (0..20).any(|_| {
        let output = sandbox.cmd(&shard).output().unwrap();
        assert!(output.status.success(), "{output:?}");
        String::from_utf8_lossy(&output.stderr).contains("the calibration has stopped")
    });
    assert!(
        stopped,
        "20 rounds of shards did not finish the calibration"
    );
    let output = interrupt_when_results_are_staged(&sandbox, &["merge", "cal"]);
    assert_whole_after_ctrl_c(&sandbox, &output);
}

/// Checkpoints or rounds whose calibration.json is gone or damaged are refused by
/// `--resume` and `--shard`: nothing says what calibration they belong to, and continuing
/// another one on them would report their posterior as its own.
#[test]
fn checkpoints_without_a_readable_calibration_json_are_refused() {
    let sandbox = Sandbox::new();
    setup(&sandbox);
    let args = calibrate_args(("tiny.toml", "targets.csv"), "cal", &[]);
    sandbox.cmd(&args).assert().success();
    let (record, manifest) = (
        sandbox.path().join("cal/calibration.json"),
        sandbox.path().join("cal/manifest.json"),
    );
    fs::remove_file(&manifest).unwrap();
    let mut resume = args.to_vec();
    resume.extend(["--resume", "--seed", "9"]);
    let refused = |args: &[&str], why: &str| {
        sandbox
            .cmd(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(why))
            .stderr(predicate::str::contains(
                "hint: start the calibration again with --out DIR naming a new directory",
            ))
            .stderr(predicate::str::contains("null").not());
    };
    fs::remove_file(&record).unwrap();
    refused(&resume, "cannot resume cal: it has no calibration.json");
    assert!(!record.exists() && !manifest.exists());
    // Its checkpoints make it a calibration to `coprod merge` too, not run shards.
    sandbox
        .cmd(&["merge", "cal"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cal is a calibration run without --shard, and it has no calibration.json",
        ))
        .stderr(predicate::str::contains(
            "hint: start the calibration again with --out DIR naming a new directory",
        ))
        .stderr(predicate::str::contains("--out DIR for the merged run").not());
    for damaged in ["{}", "{\"seed\": 2}", "[1]", "{\"scen"] {
        fs::write(&record, damaged).unwrap();
        refused(
            &resume,
            "cannot resume cal: cal/calibration.json is damaged",
        );
        assert_eq!(read(&record), damaged);
        assert!(!manifest.exists());
    }
    let shard =
        |i: &'static str| calibrate_args(("tiny.toml", "targets.csv"), "s", &["--shard", i]);
    sandbox.cmd(&shard("0/2")).assert().success();
    fs::remove_file(sandbox.path().join("s/calibration.json")).unwrap();
    let mut other = shard("1/2");
    other.extend(["--seed", "9"]);
    refused(
        &other,
        "cannot add a shard to s: it has no calibration.json",
    );
    assert!(!sandbox.path().join("s/calibration.json").exists());
    // Merged, it is still a calibration (its shards' record is there), not run shards.
    sandbox
        .cmd(&["merge", "s"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("it has no calibration.json"))
        .stderr(predicate::str::contains("--out DIR for the merged run").not());
    // Without its rounds as well, it is still a calibration, one with nothing to merge yet.
    fs::remove_dir_all(sandbox.path().join("s/rounds")).unwrap();
    sandbox
        .cmd(&["merge", "s"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot merge s: it has no calibration.json and no rounds, so there is nothing to \
             merge\n\nhint: run its shards",
        ))
        .stderr(predicate::str::contains("not a calibration directory").not());
}

/// A round's shard file copied over another's (two files holding the same shard) is
/// refused by `coprod merge` and `--resume`, naming both files: merged, it counted one
/// slice of proposals twice and lost another.
#[test]
fn a_shard_file_holding_another_shard_is_refused() {
    let sandbox = Sandbox::new();
    setup(&sandbox);
    for shard in ["0/2", "1/2"] {
        let args = calibrate_args(("tiny.toml", "targets.csv"), "s", &["--shard", shard]);
        sandbox.cmd(&args).assert().success();
    }
    let round = sandbox.path().join("s/rounds/gen-000/round-000");
    fs::copy(
        round.join("shard-0-of-2.json"),
        round.join("shard-1-of-2.json"),
    )
    .unwrap();
    let resume = calibrate_args(("tiny.toml", "targets.csv"), "s", &["--resume"]);
    for args in [vec!["merge", "s"], resume] {
        sandbox
            .cmd(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(
                "round-000/shard-1-of-2.json holds shard 0 of 2, as",
            ))
            .stderr(predicate::str::contains(
                "round-000/shard-0-of-2.json does, not the shard its name says",
            ));
        assert!(!sandbox.path().join("s/manifest.json").exists());
        assert!(!sandbox.path().join("s/checkpoints/gen-000.json").exists());
    }
}

/// An observed value outside its metric's range (tokens given for a share of the
/// endowment) or a row without a source is refused at its line and column, with the range
/// `compare --published` allows for a level of the metric, before anything is written: it
/// was accepted and fitted, an RMSE of 4.66 and no error.
#[test]
fn targets_outside_their_metrics_range_are_refused() {
    let sandbox = Sandbox::new();
    let (scenario, targets) = setup(&sandbox);
    let h = "metric,step,observed,se,source\n";
    for (row, message) in [
        (
            "mean_contribution,0,5,0.03,x",
            "targets.csv:2:3: observed 5: allowed for `mean_contribution` (share of endowment) \
             is a number from 0 to 1",
        ),
        (
            "service_output,0,-2,0.5,x",
            "targets.csv:2:3: observed -2: allowed for `service_output` (mean payoff in \
             tokens) is a number from 0 to 1e12",
        ),
        (
            "mean_contribution,0,0.39,0.03,",
            "targets.csv:2:5: empty source: say where the number comes from",
        ),
    ] {
        fs::write(&targets, format!("{h}{row}\n")).unwrap();
        calibrate_into(&sandbox, (&scenario, &targets), "cal", &[])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(message));
        assert!(!sandbox.path().join("cal").exists(), "{row}");
    }
}
