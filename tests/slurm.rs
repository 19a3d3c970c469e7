//! `coprod slurm`: the generated batch scripts (always), and a real SLURM array job through
//! one, merged and compared byte for byte with a single-process run, and a calibration
//! through the other, equal to an unsharded calibration (only with
//! `COPROD_SLURM_TESTS=1`, which `.ci/run` sets after bringing up a single-node SLURM with
//! `.ci/slurm-single-node.sh`; elsewhere that test prints SKIPPED and passes).

use std::fs;
use std::process::Command;
use std::time::Instant;

use predicates::prelude::*;

use crate::merge::assert_same_run;
use crate::util::{Sandbox, data, read};

/// Set to 1 to run the test that submits to a real SLURM.
const GATE: &str = "COPROD_SLURM_TESTS";

/// The script at `path` holds each of `lines` and is valid bash (`bash -n`).
fn assert_script(path: &std::path::Path, lines: &[&str]) {
    let text = read(path);
    for line in lines {
        assert!(text.contains(line), "no `{line}` in the script:\n{text}");
    }
    let check = Command::new("bash").arg("-n").arg(path).status().unwrap();
    assert!(check.success(), "{} is not valid bash", path.display());
    // Under `set -u`, bash 4.3 and older (CentOS 7 has 4.2) call an empty array unbound
    // when it is expanded; this bash cannot show that, so no array may start empty.
    let empty_array = ["=()", "=( )", "declare -a", "local -a"];
    assert!(
        !empty_array.iter().any(|a| text.contains(a)),
        "an empty array in the script breaks it on bash 4.3 and older:\n{text}"
    );
}

#[test]
fn slurm_writes_a_ready_script_and_submits_nothing() {
    let sb = Sandbox::new();
    let file = data("sweep.toml");
    let slurm = |args: &[&str]| sb.cmd(&[&["slurm", file.to_str().unwrap()], args].concat());
    slurm(&[
        "--array",
        "5",
        "--partition",
        "short",
        "--time",
        "0:10:00",
        "--cpus-per-task",
        "2",
        "--out",
        "study",
        "--set",
        "population.n_citizens=120",
    ])
    .assert()
    .success()
    .stdout(predicate::str::ends_with("study.slurm/sweep-test.sbatch\n"))
    .stderr(predicate::str::contains("24 runs in 5 array tasks"))
    .stderr(predicate::str::contains("submit it with:\n  bash "));
    // Valid bash with these lines; nothing was submitted and nothing else written.
    assert_script(
        &sb.path().join("study.slurm/sweep-test.sbatch"),
        &[
            "#SBATCH --partition=short",
            "#SBATCH --time=0:10:00",
            "#SBATCH --cpus-per-task=2",
            "N=5",
            "--dependency=\"afterok:$array\"",
            "--shard \"$i/$N\"",
            // The merge draws charts on the job's CPUs, not on every core of its node.
            "--out \"$OUT\" --threads \"${SLURM_CPUS_PER_TASK:-1}\"",
            "--set 'population.n_citizens=120'",
            // A merge submitted with the re-run shards would start before they finish.
            "#   sbatch --dependency=afterok:JOBID --kill-on-invalid-dep=yes '",
            // Tasks of the 5 this script has.
            "#   sbatch --array=0,4 '",
            "# Logs: coprod-sweep-test-JOBID_I.out for array task I, \
             coprod-sweep-test-merge-JOBID.out for the merge.\n",
        ],
    );
    assert!(!sb.path().join("study").exists());

    // A second script for the same output needs --force; more tasks than runs are refused.
    slurm(&["--array", "5", "--out", "study"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists"));
    slurm(&["--array", "30", "--out", "study", "--force"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "invalid value 30 for --array: allowed is 1 to 24, the number of runs of scenario \
         `sweep-test`",
        ));
    slurm(&["--array", "24", "--out", "study", "--force"])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "24 runs in 24 array tasks of at most 1 run each",
        ))
        .stderr(predicate::str::contains("warning").not());
    let script = read(&sb.path().join("study.slurm").join("sweep-test.sbatch"));
    assert!(
        !script.contains("--force"),
        "--force is for the job files only"
    );

    // An existing output directory is refused before the script is written; replacing
    // results needs its own flag, which reaches the merge line.
    fs::remove_dir_all(sb.path().join("study.slurm")).unwrap();
    fs::create_dir(sb.path().join("study")).unwrap();
    // Named as typed, not by the absolute path the script holds.
    slurm(&["--array", "5", "--out", "study"])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(
            "error: output directory study already exists\n",
        ))
        .stderr(predicate::str::contains("--replace-results"));
    assert!(!sb.path().join("study.slurm").exists(), "nothing written");
    slurm(&["--array", "5", "--out", "study", "--replace-results"])
        .assert()
        .success();
    let script = read(&sb.path().join("study.slurm").join("sweep-test.sbatch"));
    assert!(
        script.contains("--out \"$OUT\" --threads \"${SLURM_CPUS_PER_TASK:-1}\" --force"),
        "{script}"
    );

    // Without --out the merged directory is numbered when outputs/<name> is taken, as the
    // help says.
    fs::create_dir_all(sb.path().join("outputs/sweep-test")).unwrap();
    fs::write(sb.path().join("outputs/sweep-test/x"), "").unwrap();
    slurm(&["--array", "5"])
        .assert()
        .success()
        .stdout(predicate::str::ends_with(
            "outputs/sweep-test-2.slurm/sweep-test.sbatch\n",
        ));
    let help = sb.cmd(&["slurm", "--help"]).assert().success();
    let help = String::from_utf8_lossy(&help.get_output().stdout).into_owned();
    // Wrapped to the terminal's width: compare with the line breaks taken out.
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        help.contains("[default: outputs/<scenario name>, numbered if taken]"),
        "{help}"
    );
}

/// `--replace-results` lets the merge job replace only what `coprod merge --force` would:
/// a folder it would refuse is refused now, before the cluster work, not by the merge job
/// after it; without the flag, it is offered only where it would work.
#[test]
fn replace_results_refuses_what_the_merge_job_would() {
    let sb = Sandbox::new();
    let file = data("sweep.toml");
    let slurm = |args: &[&str]| sb.cmd(&[&["slurm", file.to_str().unwrap()], args].concat());
    fs::create_dir(sb.path().join("foreign")).unwrap();
    fs::write(sb.path().join("foreign/a"), "x").unwrap();
    fs::create_dir(sb.path().join("calib")).unwrap();
    fs::write(
        sb.path().join("calib/manifest.json"),
        r#"{"kind": "calibration"}"#,
    )
    .unwrap();
    let refusals = [
        (
            "foreign",
            "foreign already exists and is not a coprod run directory",
        ),
        (
            "calib",
            "calib holds a calibration result, not a run result",
        ),
        (".", "cannot create output directory ."),
    ];
    for (out, says) in refusals {
        slurm(&["--array", "2", "--out", out, "--replace-results"])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(says));
        slurm(&["--array", "2", "--out", out])
            .assert()
            .code(2)
            .stderr(predicate::str::contains("--replace-results").not());
    }
    let written: Vec<_> = fs::read_dir(sb.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".slurm"))
        .collect();
    assert!(written.is_empty(), "no job folder: {written:?}");

    // A run result is replaced by the merge job, so the flag is offered and accepted.
    fs::create_dir(sb.path().join("done")).unwrap();
    fs::write(sb.path().join("done/manifest.json"), r#"{"kind": "run"}"#).unwrap();
    slurm(&["--array", "2", "--out", "done"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--replace-results"));
    slurm(&["--array", "2", "--out", "done", "--replace-results"])
        .assert()
        .success();
}

/// Bad values for the `#SBATCH` lines are refused before anything is written, each naming
/// its option and what is allowed; the time limits sbatch takes are written as given.
/// The job folder appears only when its script is whole: a write cut short (here SIGXFSZ
/// at the script's first byte, as a full disk or a crash would) leaves no folder that the
/// same command then refuses as an earlier submission, nor an empty script in place.
#[test]
fn a_script_cut_short_leaves_no_job_folder() {
    let sb = Sandbox::new();
    let owned = two_task_args("study");
    let args: Vec<&str> = owned.iter().map(String::as_str).collect();
    let status = Command::new("sh")
        .current_dir(sb.path())
        .arg("-c")
        .arg("ulimit -f 0 && exec \"$0\" \"$@\"")
        .arg(crate::util::bin())
        .args(&args)
        .status()
        .unwrap();
    assert!(!status.success());
    assert!(!sb.path().join("study.slurm").exists());
    // A file where the job folder goes is not an earlier submission: --force cannot help.
    std::fs::write(sb.path().join("study.slurm"), "notes").unwrap();
    for force in [false, true] {
        let mut given = args.clone();
        if force {
            given.push("--force");
        }
        sb.cmd(&given)
            .assert()
            .code(2)
            .stderr(predicates::str::diff(
                "error: study.slurm is in the way of the job folder (the script, logs and \
                 shards): it is not a folder\n\nhint: move it, or use another --out DIR to \
                 write elsewhere\n",
            ));
    }
    std::fs::remove_file(sb.path().join("study.slurm")).unwrap();
    sb.cmd(&args).assert().success();
    assert_script(&sb.path().join("study.slurm/sweep-test.sbatch"), &[]);
}

/// A folder the job folder cannot be made in is named with run's hint, and nothing is left
/// in it. Skipped for a user whom the permissions do not stop (root).
#[test]
fn a_job_folder_that_cannot_be_made_is_said_so_with_what_to_do() {
    let sb = Sandbox::new();
    let dir = sb.path().join("shared");
    fs::create_dir(&dir).unwrap();
    let test = "a_job_folder_that_cannot_be_made_is_said_so_with_what_to_do";
    let Some(_read_only) = crate::util::read_only(&dir, test) else {
        return;
    };
    let file = data("sweep.toml");
    let args = ["slurm", file.to_str().unwrap(), "--array", "2"];
    sb.cmd(&[&args[..], &["--out", "shared/study"]].concat())
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::diff(
            "error: cannot create shared/study.slurm/logs: Permission denied (os error 13)\n\n\
             hint: choose a directory you can write to with --out DIR (the job folder goes \
             beside it)\n",
        ));
    assert_eq!(fs::read_dir(&dir).unwrap().count(), 0);
}

#[test]
fn slurm_refuses_bad_sbatch_values_and_writes_nothing() {
    let sb = Sandbox::new();
    let file = data("sweep.toml");
    let file = file.to_str().unwrap();
    let refused = |extra: &[&str], messages: &[&str]| {
        let mut args = vec!["slurm", file, "--array", "2"];
        if !extra.contains(&"--out") {
            args.extend(["--out", "study"]);
        }
        args.extend_from_slice(extra);
        let assert = sb.cmd(&args).assert().code(2);
        let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
        for message in messages {
            assert!(stderr.contains(message), "{extra:?}: {stderr}");
        }
        let left: Vec<_> = fs::read_dir(sb.path()).unwrap().collect();
        assert!(left.is_empty(), "{extra:?} left {left:?}");
    };
    let forms = "allowed is minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS";
    for time in [
        "abc", "", "1:2:3:4", ":5", "1-", "1h", "1-2-3", "1.5", "x-1:00",
    ] {
        refused(
            &["--time", time],
            &[&format!("invalid value `{time}` for --time: "), forms],
        );
    }
    for partition in ["", "a b", "a#b", "a\"b"] {
        refused(
            &["--partition", partition],
            &[&format!(
                "invalid value `{partition}` for --partition: allowed is a partition name"
            )],
        );
    }
    for array in ["25", "1000000", "18446744073709551615"] {
        sb.cmd(&["slurm", file, "--out", "study", "--array", array])
            .assert()
            .code(2)
            .stderr(predicate::str::contains(format!(
                "invalid value {array} for --array: allowed is 1 to 24, the number of runs of \
                 scenario `sweep-test`"
            )));
        assert!(!sb.path().join("study.slurm").exists());
    }
    // sbatch splits `#SBATCH --output=` at spaces and reads `%` as a pattern: such an
    // output path is refused (the default one too, in a working directory with a space).
    for out in ["my study", "50%", "a#b", "it's"] {
        refused(
            &["--out", out],
            &[
                &format!("invalid value `{out}` for --out: its job folder"),
                "cannot hold",
            ],
        );
    }
    let spaced = sb.path().join("my dir");
    fs::create_dir(&spaced).unwrap();
    // The folder is shown as given, so the message says the space is in the working
    // directory.
    let here = format!(", in {},", spaced.display());
    let mut cmd = sb.cmd(&["slurm", file, "--array", "2"]);
    cmd.current_dir(&spaced)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "the job folder of the default output directory,",
        ))
        .stderr(predicate::str::contains(format!(
            ", in {},",
            spaced.join("outputs").display()
        )))
        .stderr(predicate::str::contains("hint: choose an --out DIR"));
    let mut cmd = sb.cmd(&["slurm", file, "--array", "2", "--out", "rel"]);
    cmd.current_dir(&spaced)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "invalid value `rel` for --out: its job folder rel.slurm{here} holds \" \""
        )));
    assert_eq!(fs::read_dir(&spaced).unwrap().count(), 0);
    fs::remove_dir(&spaced).unwrap();

    // Every form sbatch takes is written as given (the size of each field is sbatch's to
    // judge: it takes 90:60 and 1-24 too), and so is no limit.
    for time in [
        "90",
        "0",
        "90:59",
        "48:59:59",
        "1-23",
        "1-23:59",
        "2-12:30:00",
        "24855-0",
        "1:90:00",
        "1-24",
        "UNLIMITED",
        "infinite",
        "-1",
    ] {
        sb.cmd(&["slurm", file, "--array", "2", "--out", "study", "--force"])
            .args([&format!("--time={time}"), "--partition", "short,long"])
            .assert()
            .success();
        assert_script(
            &sb.path().join("study.slurm/sweep-test.sbatch"),
            &[
                &format!("#SBATCH --time={time}\n"),
                "#SBATCH --partition=short,long\n",
            ],
        );
    }
}

/// Paths with spaces, quotes and `$` outside the `#SBATCH` lines (the scenario file, the
/// binary's working directory) are quoted for bash.
#[test]
fn slurm_quotes_the_paths_it_writes_for_bash() {
    let sb = Sandbox::new();
    let dir = sb.path().join("it's a $HOME dir");
    fs::create_dir(&dir).unwrap();
    fs::copy(data("sweep.toml"), dir.join("my $x 'study'.toml")).unwrap();
    let mut cmd = sb.cmd(&[
        "slurm",
        "it's a $HOME dir/my $x 'study'.toml",
        "--array",
        "3",
        "--out",
        "study",
        "--set",
        "population.n_citizens=120",
    ]);
    cmd.assert().success();
    let script = sb.path().join("study.slurm/sweep-test.sbatch");
    assert_script(
        &script,
        &[
            r#"run 'it'\''s a $HOME dir/my $x '\''study'\''.toml' --set 'population.n_citizens=120'"#,
        ],
    );
    // bash reads the quoted scenario path back as it was given.
    let text = read(&script);
    let line = text
        .lines()
        .find(|l| l.contains("\"$COPROD\" run "))
        .unwrap();
    let word = line
        .split(" run ")
        .nth(1)
        .unwrap()
        .split(" --set")
        .next()
        .unwrap();
    let echoed = Command::new("bash")
        .args(["-c", &format!("printf %s {word}")])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&echoed.stdout),
        "it's a $HOME dir/my $x 'study'.toml"
    );
    // The script's paths as bash reads them: the binary, the job's folder and the working
    // directory exist, and the output is the --out given, made absolute.
    let value = |prefix: &str| -> String {
        let word = text
            .lines()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no line {prefix}"));
        let echoed = Command::new("bash")
            .args(["-c", &format!("printf %s {word}")])
            .output()
            .unwrap();
        String::from_utf8(echoed.stdout).unwrap()
    };
    for prefix in ["COPROD=", "JOB_DIR=", "cd "] {
        let path = value(prefix);
        assert!(
            std::path::Path::new(&path).is_absolute() && fs::metadata(&path).is_ok(),
            "{prefix}{path}"
        );
    }
    assert!(value("OUT=").ends_with("/study"), "{}", value("OUT="));
}

/// A merge job submitted by hand (`sbatch SCRIPT merge`) gets its log from the script's
/// `#SBATCH --output=...%x-%A_%a.out`, where `%a` of a job that is no array task reads
/// 4294967294; the merge step renames it to the name the submitted merge job's log has.
/// Here the script runs as that job would (SLURM's variables set, the log already open).
#[test]
fn a_merge_submitted_by_hand_logs_under_the_merge_jobs_name() {
    let sb = Sandbox::new();
    two_task_script(&sb, "study", &[]);
    let job = sb.path().join("study.slurm");
    let stray = job.join("logs/coprod-sweep-test-77_4294967294.out");
    fs::write(&stray, "opened by slurmstepd\n").unwrap();
    let merge = Command::new("bash")
        .arg(job.join("sweep-test.sbatch"))
        .arg("merge")
        .env("SLURM_JOB_ID", "77")
        .env("SLURM_JOB_NAME", "coprod-sweep-test")
        .env_remove("SLURM_ARRAY_TASK_ID")
        .output()
        .unwrap();
    // No shards were run, so the merge itself fails; the log is renamed first.
    assert!(!merge.status.success(), "{merge:?}");
    assert!(!stray.exists(), "{} is still there", stray.display());
    assert_eq!(
        read(&job.join("logs/coprod-sweep-test-merge-77.out")),
        "opened by slurmstepd\n"
    );
}

/// The arguments of `coprod slurm` of the sweep test scenario in two array tasks into `out`.
fn two_task_args(out: &str) -> Vec<String> {
    let file = data("sweep.toml");
    [
        "slurm",
        file.to_str().unwrap(),
        "--array",
        "2",
        "--out",
        out,
    ]
    .map(String::from)
    .to_vec()
}

/// `coprod slurm` of the sweep test scenario in two array tasks into `out` (with `extra`
/// options); the script's path.
fn two_task_script(sb: &Sandbox, out: &str, extra: &[&str]) -> std::path::PathBuf {
    let owned = two_task_args(out);
    let args: Vec<&str> = owned.iter().map(String::as_str).collect();
    sb.cmd(&[&args[..], extra].concat()).assert().success();
    sb.path().join(format!("{out}.slurm/sweep-test.sbatch"))
}

/// A stand-in for `sbatch` in `dir`/bin, to run the script's submit mode without SLURM: it
/// appends its arguments to `dir`/bin/calls and prints job id 42; with `--wait` (the merge
/// job) it makes the file `FAKE_LOG` if set, prints 43 and exits with `FAKE_STATUS`.
fn fake_sbatch(dir: &std::path::Path) -> std::path::PathBuf {
    let bin = dir.join("bin");
    fs::create_dir_all(&bin).unwrap();
    let sbatch = bin.join("sbatch");
    fs::write(
        &sbatch,
        "#!/usr/bin/env bash\necho \"$*\" >> \"$(dirname \"$0\")/calls\"\n\
         case \" $* \" in *\" --wait \"*)\n\
         if [ -n \"${FAKE_LOG:-}\" ]; then : > \"$FAKE_LOG\"; fi; echo 43; exit \"${FAKE_STATUS:-0}\";;\n\
         esac\necho 42\n",
    )
    .unwrap();
    let mode = std::os::unix::fs::PermissionsExt::from_mode(0o755);
    fs::set_permissions(&sbatch, mode).unwrap();
    bin
}

/// `bash SCRIPT` with `bin` first on PATH and no SLURM job around it.
fn submit(script: &std::path::Path, bin: &std::path::Path, args: &[&str]) -> Command {
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let mut cmd = Command::new("bash");
    cmd.arg(script)
        .args(args)
        .env("PATH", path)
        .env_remove("SLURM_JOB_ID");
    cmd
}

/// The merge job refuses an output directory that exists (unless the script was written with
/// --replace-results), but only after every shard ran: submitting such a script again (after
/// everything finished, say) is refused before anything is queued.
#[test]
fn submitting_over_existing_results_queues_nothing() {
    let sb = Sandbox::new();
    let script = two_task_script(&sb, "study", &[]);
    let bin = fake_sbatch(sb.path());
    fs::create_dir(sb.path().join("study")).unwrap();
    let out = submit(&script, &bin, &[]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(
            "/study already exists and the merge job would not replace it: nothing submitted"
        ),
        "{stderr}"
    );
    assert!(!bin.join("calls").exists(), "sbatch was called");
    // With --replace-results the merge job replaces it: both jobs are submitted.
    fs::create_dir(sb.path().join("again")).unwrap();
    let script = two_task_script(&sb, "again", &["--replace-results"]);
    let out = submit(&script, &bin, &[]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert_eq!(read(&bin.join("calls")).lines().count(), 2);
}

/// `bash SCRIPT submit --wait` says how the merge job ended when it did not succeed: never
/// run (which shards did not finish, and the commands that re-run them and merge), failed
/// (where its log is), or done with failed runs (where they are listed).
#[test]
fn submit_and_wait_says_why_the_merge_job_did_not_succeed() {
    let sb = Sandbox::new();
    let script = two_task_script(&sb, "study", &[]);
    let job = sb.path().join("study.slurm");
    let bin = fake_sbatch(sb.path());
    let log = job.join("logs/coprod-sweep-test-merge-43.out");
    let wait = |status: &str, log: Option<&std::path::Path>| {
        let mut cmd = submit(&script, &bin, &["submit", "--wait"]);
        cmd.env("FAKE_STATUS", status);
        match log {
            Some(log) => cmd.env("FAKE_LOG", log),
            None => cmd.env_remove("FAKE_LOG"),
        };
        let out = cmd.output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, stderr) = wait("0", None);
    assert_eq!(code, Some(1), "{stderr}");
    let script_path = script.display();
    for line in [
        "the merge job never ran: shards 0,1 did not finish".to_string(),
        format!("  sbatch --array=0,1 {script_path} shard\n"),
        format!(
            "  sbatch --dependency=afterok:JOBID --kill-on-invalid-dep=yes {script_path} merge\n"
        ),
    ] {
        assert!(stderr.contains(&line), "no `{line}` in:\n{stderr}");
    }
    let (code, stderr) = wait("2", Some(&log));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "the merge job failed (exit status 2); its log says why: {}\n",
            log.display()
        )),
        "{stderr}"
    );
    let (code, stderr) = wait("3", Some(&log));
    assert_eq!(code, Some(3), "{stderr}");
    assert!(
        stderr.contains("/study/failures.csv lists them\n"),
        "{stderr}"
    );
}

#[test]
fn array_job_on_slurm_merges_to_the_same_bytes_as_one_process() {
    if std::env::var(GATE).as_deref() != Ok("1") {
        eprintln!("SKIPPED: set {GATE}=1 with a SLURM cluster reachable (see .ci/run)");
        return;
    }
    let clock = Instant::now();
    // The job must reach the directory: a temp dir under /tmp on a single node (a real
    // cluster needs a shared filesystem, docs/cluster.md).
    let sb = Sandbox::new();
    let file = data("sweep.toml");
    let scenario = file.to_str().unwrap();
    let small = ["--set", "population.n_citizens=120"];
    let mut args = vec!["slurm", scenario, "--array", "4", "--out", "cluster"];
    args.extend(small);
    sb.cmd(&args).assert().success();
    let script = sb.path().join("cluster.slurm/sweep-test.sbatch");
    let submit = Command::new("bash")
        .arg(&script)
        .args(["submit", "--wait"])
        .current_dir(sb.path())
        .output()
        .unwrap();
    let logs = sb.path().join("cluster.slurm/logs");
    let log_text = || {
        let mut text = String::new();
        for entry in std::fs::read_dir(&logs).into_iter().flatten() {
            let path = entry.unwrap().path();
            text.push_str(&format!("--- {}\n{}", path.display(), read(&path)));
        }
        text
    };
    assert!(
        submit.status.success(),
        "the SLURM jobs failed: {}\n{}\n{}",
        String::from_utf8_lossy(&submit.stdout),
        String::from_utf8_lossy(&submit.stderr),
        log_text()
    );
    let mut args = vec!["run", scenario, "--out", "single"];
    args.extend(small);
    sb.cmd(&args).assert().success();
    assert_same_run(&sb.path().join("single"), &sb.path().join("cluster"));
    // The merge job had one CPU (the script's --cpus-per-task=1) and drew its charts on it;
    // that the script passes SLURM_CPUS_PER_TASK is checked on its text above.
    let manifest: serde_json::Value =
        serde_json::from_str(&read(&sb.path().join("cluster/manifest.json"))).unwrap();
    assert_eq!(manifest["timing"]["threads"], 1, "{manifest}");
    eprintln!(
        "SLURM array job of 4 shards, merge and comparison took {:.1} s",
        clock.elapsed().as_secs_f64()
    );
}

#[test]
fn a_failed_array_task_is_named_by_merge_and_re_run_alone() {
    if std::env::var(GATE).as_deref() != Ok("1") {
        eprintln!("SKIPPED: set {GATE}=1 with a SLURM cluster reachable (see .ci/run)");
        return;
    }
    let sb = Sandbox::new();
    let file = data("sweep.toml");
    let scenario = file.to_str().unwrap();
    let small = ["--set", "population.n_citizens=120"];
    let mut args = vec!["slurm", scenario, "--array", "3", "--out", "cluster"];
    args.extend(small);
    sb.cmd(&args).assert().success();
    let script = sb.path().join("cluster.slurm/sweep-test.sbatch");
    // A file where shard 1 should go makes its task fail; the merge job is then cancelled.
    let blocker = sb.path().join("cluster.slurm/shards/shard-1-of-3");
    std::fs::write(&blocker, "in the way\n").unwrap();
    let submit = Command::new("bash")
        .arg(&script)
        .args(["submit", "--wait"])
        .current_dir(sb.path())
        .output()
        .unwrap();
    assert!(!submit.status.success(), "the merge should not have run");
    assert!(
        String::from_utf8_lossy(&submit.stderr).contains("did not finish"),
        "{submit:?}"
    );
    let stderr = String::from_utf8_lossy(&submit.stderr);
    assert!(stderr.contains("\n  sbatch --array=1 "), "{stderr}");
    assert!(!sb.path().join("cluster").exists());
    let shards = sb.path().join("cluster.slurm/shards");
    sb.cmd(&[
        "merge",
        shards.join("shard-0-of-3").to_str().unwrap(),
        shards.join("shard-2-of-3").to_str().unwrap(),
        "--out",
        "partial",
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains(
        "runs 8-15 of 24 are in no shard given",
    ))
    .stderr(predicate::str::contains("missing shards of 3: 1/3"));

    // Re-run the failed task alone (the others are not run again), then merge.
    std::fs::remove_file(&blocker).unwrap();
    let rerun = Command::new("sbatch")
        .args(["--parsable", "--array=1"])
        .arg(&script)
        .arg("shard")
        .current_dir(sb.path())
        .output()
        .unwrap();
    assert!(rerun.status.success(), "{rerun:?}");
    let id = String::from_utf8_lossy(&rerun.stdout).trim().to_string();
    let merge = Command::new("sbatch")
        .args(["--wait", &format!("--dependency=afterok:{id}")])
        .arg(&script)
        .arg("merge")
        .current_dir(sb.path())
        .output()
        .unwrap();
    assert!(merge.status.success(), "{merge:?}");
    // Its log has the name docs/cluster.md gives a merge job's, not `..._4294967294.out`.
    let merge_id = String::from_utf8_lossy(&merge.stdout)
        .split_whitespace()
        .last()
        .unwrap()
        .to_string();
    let logs = sb.path().join("cluster.slurm/logs");
    let log = logs.join(format!("coprod-sweep-test-merge-{merge_id}.out"));
    assert!(
        read(&log).contains("merged 3 shards"),
        "{}: {:?}",
        log.display(),
        fs::read_dir(&logs).unwrap().collect::<Vec<_>>()
    );
    let mut args = vec!["run", scenario, "--out", "single"];
    args.extend(small);
    sb.cmd(&args).assert().success();
    assert_same_run(&sb.path().join("single"), &sb.path().join("cluster"));
}

/// The array job docs/cluster.md gives for a validation's robustness maps: each task runs
/// `coprod validate --shard` (I and N from SLURM's array variables), and `coprod merge`
/// puts the shards together into the unsharded run's tables, byte for byte.
#[test]
fn a_validation_map_runs_as_a_slurm_array_job() {
    if std::env::var(GATE).as_deref() != Ok("1") {
        eprintln!("SKIPPED: set {GATE}=1 with a SLURM cluster reachable (see .ci/run)");
        return;
    }
    let sb = Sandbox::new();
    let mut flags: Vec<&str> = crate::validate::REDUCED.to_vec();
    flags.extend([
        "--salt",
        "slurm",
        "--only",
        "P1",
        "--robustness-all",
        "-j",
        "1",
    ]);
    let quoted: Vec<String> = flags.iter().map(|f| format!("'{f}'")).collect();
    let script = sb.path().join("maps.sbatch");
    fs::write(
        &script,
        format!(
            "#!/usr/bin/env bash\n#SBATCH --array=0-1\n#SBATCH --output=maps-%a.log\n\
             '{}' validate {} --shard --out \"maps/shard-$SLURM_ARRAY_TASK_ID\"\n",
            crate::util::bin().display(),
            quoted.join(" ")
        ),
    )
    .unwrap();
    let submit = Command::new("sbatch")
        .arg("--wait")
        .arg(&script)
        .current_dir(sb.path())
        .output()
        .unwrap();
    assert!(submit.status.success(), "{submit:?}");
    sb.cmd(&["merge", "maps/shard-0", "maps/shard-1", "--out", "merged"])
        .assert()
        .success();
    let mut args = vec!["validate", "--out", "single"];
    args.extend(&flags);
    sb.cmd(&args).assert().success();
    for file in ["validation.csv", "decomposition.csv", "robustness.csv"] {
        assert_eq!(
            read(&sb.path().join("merged").join(file)),
            read(&sb.path().join("single").join(file)),
            "{file}"
        );
    }
}

/// The calibration script: one job of N tasks looping rounds of `coprod calibrate --shard`
/// and `coprod merge`; options of scenario runs are refused.
#[test]
fn slurm_writes_a_calibration_script() {
    let sb = Sandbox::new();
    fs::write(
        sb.path().join("tiny.toml"),
        crate::calibrate::sharded_scenario(),
    )
    .unwrap();
    fs::write(sb.path().join("targets.csv"), crate::calibrate::TARGETS).unwrap();
    let base = [
        "slurm",
        "tiny.toml",
        "--targets",
        "targets.csv",
        "--array",
        "3",
        "--out",
        "cal",
    ];
    // Each with a hint that fits it: a calibration has no results to replace, say.
    for (option, hint) in [
        (
            &["--set", "population.n_citizens=50"][..],
            "change the scenario file instead",
        ),
        (
            &["--replications", "2"],
            "a calibration's size is its [calibration] table's particles and generations",
        ),
        (
            &["--quick"],
            "for a smaller calibration, lower the particles or generations",
        ),
        (
            &["--metric", "mean_contribution"],
            "a calibration fits and charts the metrics of its targets file",
        ),
        (
            &["--replace-results"],
            "a calibration continues in its output directory and never replaces one",
        ),
    ] {
        let refused = format!(
            "error: {} is an option of scenario runs, not of a calibration (--targets)\n\n\
             hint: ",
            option[0]
        );
        sb.cmd(&[&base[..], option].concat())
            .assert()
            .code(2)
            .stderr(predicate::str::contains(refused + hint));
    }
    sb.cmd(&[
        "slurm",
        "baseline",
        "--targets",
        "targets.csv",
        "--array",
        "2",
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains("has no [calibration] table"));
    // A targets file `coprod calibrate` would refuse is refused here, with its message,
    // before any script is written (not on the cluster after the queue wait).
    for (row, message) in [
        (
            "mean_contribution,0,0.39,-0.02,x",
            "bad.csv:2:4: se -0.02: allowed is 1e-12 or more",
        ),
        ("nope,0,0.39,0.02,x", "bad.csv:2:1: unknown metric `nope`"),
        (
            "mean_contribution,0,0.39,1e-300,x",
            "bad.csv:2:4: se 1e-300: allowed is 1e-12 or more",
        ),
        ("mean_contribution,7,0.39,0.02,x", "bad.csv:2:2: step 7"),
    ] {
        let targets = format!("metric,step,observed,se,source\n{row}\n");
        fs::write(sb.path().join("bad.csv"), targets).unwrap();
        let mut args = base.to_vec();
        args[3] = "bad.csv";
        // Named as typed, as `coprod calibrate` names it, not by its absolute path.
        sb.cmd(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::starts_with(format!("error: {message}")));
        assert!(!sb.path().join("cal.slurm").exists(), "{row}");
    }
    // A missing file, or a folder, is named with the reason.
    for (path, reason) in [("missing.csv", "No such file"), (".", "Is a directory")] {
        let mut args = base.to_vec();
        args[3] = path;
        sb.cmd(&args)
            .assert()
            .code(2)
            .stderr(predicate::str::starts_with(format!(
                "error: cannot read targets file {path}: "
            )))
            .stderr(predicate::str::contains(reason));
        assert!(!sb.path().join("cal.slurm").exists(), "{path}");
    }
    // More tasks than particles (20): the first round has only that many proposals.
    sb.cmd(&[
        "slurm",
        "tiny.toml",
        "--targets",
        "targets.csv",
        "--array",
        "21",
    ])
    .assert()
    .code(2)
    .stderr(predicate::str::contains(
        "invalid value 21 for --array: allowed is 1 to 20, the particles of the \
             [calibration] table",
    ));
    let mut spaced = base.to_vec();
    spaced[7] = "c al";
    sb.cmd(&spaced)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid value `c al` for --out"));
    sb.cmd(&[&base[..], &["--time", "1h"]].concat())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("invalid value `1h` for --time"));
    assert!(!sb.path().join("cal.slurm").exists());
    assert!(!sb.path().join("outputs").exists());
    sb.cmd(&[&base[..], &["--time", "1:00:00", "--cpus-per-task", "2"]].concat())
        .assert()
        .success()
        .stdout(predicate::str::ends_with("cal.slurm/tiny-sharded.sbatch\n"))
        .stderr(predicate::str::contains("a calibration job of 3 tasks"));
    assert_script(
        &sb.path().join("cal.slurm/tiny-sharded.sbatch"),
        &[
            "#SBATCH --ntasks=3",
            "#SBATCH --cpus-per-task=2",
            "#SBATCH --time=1:00:00",
            "--shard \"$SLURM_PROCID/$SLURM_NTASKS\"",
            "calibrate 'tiny.toml' --targets 'targets.csv' --out \"$OUT\"",
            "\"$COPROD\" merge \"$OUT\"",
            "while [ ! -f \"$OUT/manifest.json\" ]",
        ],
    );
    assert!(!sb.path().join("cal").exists(), "nothing submitted");
}

/// A calibration through the generated script on a real SLURM: one job of 2 tasks, rounds
/// of `srun` steps and merges, equal byte for byte to the unsharded `coprod calibrate`.
#[test]
fn a_calibration_runs_through_the_slurm_script() {
    if std::env::var(GATE).as_deref() != Ok("1") {
        eprintln!("SKIPPED: set {GATE}=1 with a SLURM cluster reachable (see .ci/run)");
        return;
    }
    let sb = Sandbox::new();
    fs::write(
        sb.path().join("tiny.toml"),
        crate::calibrate::sharded_scenario(),
    )
    .unwrap();
    fs::write(sb.path().join("targets.csv"), crate::calibrate::TARGETS).unwrap();
    sb.cmd(&[
        "slurm",
        "tiny.toml",
        "--targets",
        "targets.csv",
        "--array",
        "2",
        "--out",
        "cluster",
    ])
    .assert()
    .success();
    let script = sb.path().join("cluster.slurm/tiny-sharded.sbatch");
    let submit = Command::new("bash")
        .arg(&script)
        .args(["submit", "--wait"])
        .current_dir(sb.path())
        .output()
        .unwrap();
    let logs = sb.path().join("cluster.slurm/logs");
    let mut log = String::new();
    for entry in fs::read_dir(&logs).into_iter().flatten() {
        log.push_str(&read(&entry.unwrap().path()));
    }
    assert!(
        submit.status.success(),
        "the SLURM job failed: {}\n{}\n{log}",
        String::from_utf8_lossy(&submit.stdout),
        String::from_utf8_lossy(&submit.stderr),
    );
    assert!(log.contains("round 5 of this job"), "{log}");
    assert!(log.contains("calibration finished"), "{log}");
    sb.cmd(&[
        "calibrate",
        "tiny.toml",
        "--targets",
        "targets.csv",
        "-o",
        "single",
    ])
    .assert()
    .success();
    crate::calibrate::assert_same_calibration(
        &sb.path().join("single"),
        &sb.path().join("cluster"),
    );
}

/// `--submit` where `sbatch` is not on PATH fails before the job folder is written.
#[test]
fn submit_without_sbatch_writes_nothing() {
    let sb = Sandbox::new();
    let file = data("sweep.toml");
    let empty = sb.path().join("bin");
    fs::create_dir(&empty).unwrap();
    sb.cmd(&[
        "slurm",
        file.to_str().unwrap(),
        "--array",
        "2",
        "--out",
        "study",
        "--submit",
    ])
    .env("PATH", &empty)
    .assert()
    .code(2)
    .stderr(predicate::str::contains("`sbatch` is not on PATH"));
    assert_eq!(fs::read_dir(sb.path()).unwrap().count(), 1);
}

/// The script's jobs would say what `coprod run` says of the scenario before any run only
/// in their logs; `coprod slurm` says it when it writes the script.
#[test]
fn slurm_says_the_notes_and_warnings_run_would() {
    let sb = Sandbox::new();
    fs::write(
        sb.path().join("lab.toml"),
        "[params.population]\nsetting = \"lab\"\nn_citizens = 40\n[experiment]\nsteps = 3\n\
         replications = 2\n[experiment.sweep]\n\"lab.mpcr\" = [0.3, 0.6]\n",
    )
    .unwrap();
    sb.cmd(&[
        "slurm",
        "lab.toml",
        "--array",
        "2",
        "--set",
        "groups.rho=0.5",
        "--set",
        "lab.mpcr=0.4",
    ])
    .assert()
    .success()
    .stderr(predicate::str::contains(
        "note: --set lab.mpcr replaces the sweep over `lab.mpcr`\n",
    ))
    .stderr(predicate::str::contains(
        "warning: lab.toml: --set groups.rho: lab runs do not read `groups.rho`, so it changes \
         nothing\n",
    ));
}

/// The commands `submit --wait` prints are pasted into a shell: a job folder whose path
/// holds `$` or `;` (which --out may) reaches sbatch as it is, not expanded or split.
#[test]
fn printed_commands_keep_a_job_folder_with_shell_characters_whole() {
    let sb = Sandbox::new();
    let script = two_task_script(&sb, "st$dy;x", &[]);
    let bin = fake_sbatch(sb.path());
    let output = submit(&script, &bin, &["submit", "--wait"])
        .env("FAKE_STATUS", "0")
        .env_remove("FAKE_LOG")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    let rerun = stderr
        .lines()
        .find(|l| l.trim_start().starts_with("sbatch --array="))
        .unwrap_or_else(|| panic!("no re-run command in:\n{stderr}"));
    fs::remove_file(bin.join("calls")).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let pasted = Command::new("bash")
        .args(["-c", rerun])
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(pasted.status.success(), "{pasted:?}");
    assert_eq!(
        read(&bin.join("calls")),
        format!("--array=0,1 {} shard\n", script.display())
    );
}
