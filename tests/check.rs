//! `coprod check` and `coprod list`: every shipped scenario is valid and embedded, known-bad
//! files are reported with positions and exit status 1, a closed stdout is not an error, and
//! the time estimate of `check` and `run` counts the cores the threads share.

use std::fs;
use std::process::Stdio;

use predicates::prelude::*;

use crate::util::{Sandbox, bin, data, root};

/// The `.toml` files of `scenarios/<under>` (`""`: the shipped scenarios), sorted.
fn toml_files(under: &str) -> Vec<String> {
    let mut files: Vec<String> = fs::read_dir(root().join("scenarios").join(under))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    files.sort();
    files
}

fn scenario_files() -> Vec<String> {
    toml_files("")
}

/// `coprod check` of `files` says ok of each, and warns of none: a warning on a shipped
/// file points to a mistake in it (or a warning that cries wolf).
fn all_pass_check(files: &[String]) {
    let mut args = vec!["check"];
    args.extend(files.iter().map(String::as_str));
    let output = Sandbox::new()
        .cmd(&args)
        .assert()
        .success()
        .get_output()
        .clone();
    let out = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        out.lines().filter(|l| l.starts_with("ok ")).count(),
        files.len(),
        "{out}"
    );
    let err = String::from_utf8(output.stderr).unwrap();
    assert!(err.is_empty(), "{err}");
}

#[test]
fn every_shipped_scenario_passes_check() {
    let files = scenario_files();
    assert!(files.len() >= 11, "{files:?}");
    all_pass_check(&files);
}

/// The registered designs too: each passes the checks of its `[validation]` table (an
/// interior optimum's dose series, a regression's empty mediators).
#[test]
fn every_validation_design_passes_check() {
    let files = toml_files("validation");
    assert!(files.len() >= 27, "{files:?}");
    all_pass_check(&files);
}

#[test]
fn every_scenario_file_is_embedded_and_listed() {
    let out = Sandbox::new()
        .cmd(&["list"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    for file in scenario_files() {
        let stem = std::path::Path::new(&file)
            .file_stem()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(
            out.lines().any(|l| l == stem),
            "`coprod list` does not show {stem}"
        );
        // Shipped names work from any directory.
        Sandbox::new().cmd(&["check", &stem]).assert().success();
    }
}

#[test]
fn check_reports_invalid_files_with_positions_and_exits_1() {
    let sb = Sandbox::new();
    let cases = [
        (
            "scenarios/invalid.toml",
            "invalid.toml:5:17: invalid value 1.5 for `citizens.efficacy_mean`: allowed is a number from 0 to 1",
        ),
        ("scenarios/malformed.toml", "malformed.toml:3:"),
        (
            "scenarios/unknown-key.toml",
            "unknown-key.toml:4:1: unknown parameter `levers.group_sise_cap`",
        ),
        (
            "scenarios/unknown-field.toml",
            "unknown-field.toml:3:1: unknown field `step`",
        ),
        (
            "scenarios/interior-optimum-paired.toml",
            "interior-optimum-paired.toml:9:13: direction = \"interior_optimum\" needs \
             comparison = \"dose\"",
        ),
    ];
    for (file, expected) in cases {
        let path = data(file);
        sb.cmd(&["check", path.to_str().unwrap(), "baseline"])
            .assert()
            .code(1)
            .stdout(predicate::str::contains("invalid  "))
            .stdout(predicate::str::contains("ok       baseline"))
            .stderr(predicate::str::contains(expected));
    }
    sb.cmd(&[
        "check",
        data("scenarios/unknown-key.toml").to_str().unwrap(),
    ])
    .assert()
    .stderr(predicate::str::contains(
        "hint: did you mean `levers.group_size_cap`?",
    ));
}

#[test]
fn list_params_shows_every_parameter() {
    let out = Sandbox::new()
        .cmd(&["list", "--params"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let out = String::from_utf8(out).unwrap();
    for spec in coprod_core::SPECS {
        assert!(out.contains(spec.name), "{}", spec.name);
    }
    // Which setting reads what, as the scenario checks say.
    assert!(out.contains("\npopulation.n_citizens  [lab]\n"));
    assert!(out.contains("\nlab.mpcr  [lab only]\n"));
    assert!(out.contains("\nlevers.outreach  [lever]\n"));
    // And which switches rule a parameter out of field runs.
    assert!(out.contains(
        "\n    Not read by field runs with `levers.role_design` = \"substitutive\" or \
         `channels.complementarity` off (docs/ODD.md 10).\n"
    ));
    // And which values of other parameters.
    assert!(out.contains(
        "\n    Not read by field runs with `levers.financial_incentive` = 0 (docs/ODD.md 10).\n"
    ));
    // A lab parameter's rule is one of lab runs.
    assert!(out.contains(
        "\n    Not read by lab runs with `lab.cost_sensitivity` = 0 or `lab.mpcr` = 0 \
         (docs/ODD.md 10).\n"
    ));
    // The allowed values are those `check` accepts: the ring lattice takes an even degree.
    let ring = &out[out.find("population.ring_degree\n").unwrap()..];
    let allowed = ring.lines().nth(1).unwrap();
    assert!(
        allowed.ends_with("allowed: an even whole number from 2 to 40"),
        "{allowed}"
    );
    let sb = Sandbox::new();
    fs::write(
        sb.path().join("odd.toml"),
        "name = \"odd\"\n[params.population]\nring_degree = 5\n",
    )
    .unwrap();
    // Refused at the value itself, not later as inconsistent parameters.
    sb.cmd(&["check", "odd.toml"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "odd.toml:3:15: invalid value 5 for `population.ring_degree`: allowed is an even \
             whole number from 2 to 40",
        ));
    // A sensitivity range may still have odd ends: its design rounds to even values.
    passes_check(
        &sb,
        "range.toml",
        "[experiment]\nsteps = 2\n[sensitivity]\nmethod = \"morris\"\n\
         outputs = [\"participation_rate\"]\ntrajectories = 2\nreplications = 2\n\
         [sensitivity.parameters]\n\"population.ring_degree\" = [3, 9]\n",
    );
}

#[test]
fn closed_stdout_is_not_an_error() {
    let mut child = std::process::Command::new(bin())
        .args(["list", "--params"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The report's statistics of every sweep point and step are kept to the end of a run:
/// runs of 20 citizens, tiny each, at 10,000 sweep points of 200,000 steps need 1.25 TiB
/// for them (the audit's `cellsbig.toml`, a twentieth of the steps, needs 25.6 GiB and was
/// timed "roughly 7 min"), more than any test machine has.
#[test]
fn check_and_run_refuse_a_sweep_whose_reports_statistics_cannot_fit() {
    let sb = Sandbox::new();
    fs::write(
        sb.path().join("cells.toml"),
        "[params.population]\nn_citizens = 20\nn_communities = 1\n[experiment]\n\
         steps = 200000\nreplications = 1\n[experiment.sweep]\n\
         \"levers.outreach\" = { from = 0.0, to = 0.9999, step = 0.0001 }\n",
    )
    .unwrap();
    sb.cmd(&["check", "cells.toml", "--threads", "1"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "GiB of model state and results, and the report's statistics of every variant, \
             sweep point and step, kept to the end, about 1281.5 GiB",
        ))
        .stderr(predicate::str::contains(
            "hint: use fewer steps (experiment.steps) or fewer variants or sweep points;",
        ))
        .stderr(predicate::str::contains("fewer citizens").not());
    sb.cmd(&["run", "cells.toml", "--threads", "1"])
        .assert()
        .code(2)
        // Named as check names it.
        .stderr(predicate::str::contains("error: cells.toml: 1 run needs"))
        .stderr(predicate::str::contains("fewer variants or sweep points"));
    assert!(!sb.path().join("outputs").exists());
}

/// `coprod check` fails (status 1) a scenario that `coprod run` refuses: here steps too many
/// for the memory of any machine.
#[test]
fn check_fails_what_run_refuses() {
    let sb = Sandbox::new();
    fs::write(
        sb.path().join("huge.toml"),
        "[experiment]\nsteps = 4294967295\nreplications = 2\n",
    )
    .unwrap();
    sb.cmd(&["check", "huge.toml"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("invalid  huge.toml"))
        .stderr(predicate::str::contains("huge.toml: "))
        // Each step's statistics for the report alone are terabytes: one thread at a time
        // would not fit either.
        .stderr(predicate::str::contains(
            "hint: use fewer steps (experiment.steps)",
        ))
        // The estimate is printed all the same: a cluster's login node is not its compute
        // nodes, and the cluster guide sizes jobs from it.
        .stderr(predicate::str::contains("2 runs"))
        .stderr(predicate::str::contains("this machine's"));
    sb.cmd(&["run", "huge.toml"]).assert().code(2);
    // One run is in flight on any number of threads: fewer of them cannot help, and check
    // offered them all the same; nor can fewer citizens, where steps are what is too many.
    fs::write(
        sb.path().join("one.toml"),
        "[experiment]\nsteps = 4294967295\nreplications = 1\n",
    )
    .unwrap();
    sb.cmd(&["check", "one.toml", "--threads", "4"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "hint: use fewer steps (experiment.steps); the memory",
        ))
        .stderr(predicate::str::contains("--threads").not());

    // A sensitivity design is judged by its own runs: a baseline of 240 citizens with a
    // design reaching 50 million, 1,000 at once.
    fs::write(
        sb.path().join("design.toml"),
        "[params.population]\nn_citizens = 240\nn_communities = 4\n[experiment]\nsteps = 8\n\
         [sensitivity]\nmethod = \"morris\"\noutputs = [\"participation_rate\"]\n\
         trajectories = 500\nreplications = 1\n[sensitivity.parameters]\n\
         \"population.n_citizens\" = [240, 50000000]\n",
    )
    .unwrap();
    sb.cmd(&["check", "design.toml", "--threads", "1000"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("invalid  design.toml"))
        .stderr(predicate::str::contains("GiB of model state"))
        // The hint of `coprod sensitivity`: the design's range may be what is too large.
        .stderr(predicate::str::contains(
            "hint: use fewer --threads or fewer citizens (population.n_citizens, or a narrower \
             range of it in [sensitivity.parameters]);",
        ));
    sb.cmd(&["sensitivity", "design.toml", "--threads", "1000"])
        .assert()
        .code(2);
    // A design point the model rejects (type shares above 1 at the high ends) is refused by
    // check as by `coprod sensitivity`, before any run.
    fs::write(
        sb.path().join("shares.toml"),
        "[experiment]\nsteps = 3\n[sensitivity]\nmethod = \"morris\"\n\
         outputs = [\"participation_rate\"]\ntrajectories = 4\n[sensitivity.parameters]\n\
         \"citizens.share_conditional\" = [0.5, 1.0]\n\"citizens.share_free_rider\" = [0.2, 0.5]\n",
    )
    .unwrap();
    for command in ["check", "sensitivity"] {
        let out = sb
            .cmd(&[command, "shares.toml"])
            .assert()
            .code(if command == "check" { 1 } else { 2 });
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        // The message names the point and its values, which do break the rule: with the
        // default share_hump 0.12 they add up to more than 1.
        let values = stderr
            .split_once("shares.toml: design point ")
            .and_then(|(_, rest)| rest.split_once(" ("))
            .and_then(|(_, rest)| rest.split_once(") is not a valid parameter set: "))
            .map(|(values, _)| values)
            .unwrap_or_else(|| panic!("{command}: {stderr}"));
        let value = |name: &str| -> f64 {
            let (_, rest) = values.split_once(&format!("{name} = ")).unwrap();
            rest.split(',').next().unwrap().parse().unwrap()
        };
        let sum = value("citizens.share_conditional") + value("citizens.share_free_rider") + 0.12;
        assert!(sum > 1.0, "{command}: {values} add up to {sum}");
    }
}

/// `coprod run` does not use `[sensitivity]` or `[calibration]`, but it refuses (status 2,
/// nothing written) a file whose tables `coprod check` calls invalid, with check's message:
/// it ran them before, so check and run disagreed about the same file.
#[test]
fn run_refuses_the_analysis_tables_check_refuses() {
    let sb = Sandbox::new();
    let head = "name = \"s\"\n[params.population]\nn_citizens = 100\nn_communities = 4\n\
                [experiment]\nsteps = 3\nreplications = 1\n";
    let cases = [
        // Design points the model rejects: type shares above 1.
        (
            "points.toml",
            "[sensitivity]\nmethod = \"morris\"\noutputs = [\"participation_rate\"]\n\
             trajectories = 2\n[sensitivity.parameters]\n\
             \"citizens.share_conditional\" = [0.0, 1.0]\n\
             \"citizens.share_free_rider\" = [0.0, 1.0]\n",
            "is not a valid parameter set",
        ),
        // A factor an intervention holds over the whole run.
        (
            "held-factor.toml",
            "[[interventions]]\nlever = \"levers.outreach\"\nvalue = 0.5\n[sensitivity]\n\
             method = \"morris\"\noutputs = [\"participation_rate\"]\ntrajectories = 2\n\
             [sensitivity.parameters]\n\"levers.outreach\" = [0.0, 1.0]\n",
            "[sensitivity.parameters]",
        ),
        // A calibrated parameter an intervention holds over the whole run.
        (
            "held-prior.toml",
            "[[interventions]]\nlever = \"levers.outreach\"\nvalue = 0.5\n[calibration]\n\
             particles = 10\ngenerations = 1\n[calibration.priors]\n\
             \"levers.outreach\" = { uniform = [0.0, 1.0] }\n",
            "[calibration.priors] estimates it",
        ),
    ];
    for (file, tables, expected) in cases {
        fs::write(sb.path().join(file), format!("{head}{tables}")).unwrap();
        let checked = sb.cmd(&["check", file]).assert().code(1);
        let checked = String::from_utf8_lossy(&checked.get_output().stderr).into_owned();
        assert!(checked.contains(expected), "{file}: {checked}");
        let ran = sb
            .cmd(&["run", file, "--out", "out", "-j", "1"])
            .assert()
            .code(2);
        let ran = String::from_utf8_lossy(&ran.get_output().stderr).into_owned();
        assert!(
            checked.contains(ran.trim()),
            "{file}: check said\n{checked}\nrun said\n{ran}"
        );
        assert!(!sb.path().join("out").exists(), "{file}: run wrote out");
        // `coprod slurm` queues `coprod run` on the cluster: it refuses the file up front.
        let queued = sb
            .cmd(&["slurm", file, "--out", "job", "--array", "1"])
            .assert()
            .code(2);
        let queued = String::from_utf8_lossy(&queued.get_output().stderr).into_owned();
        assert!(queued.contains(expected), "{file}: slurm said\n{queued}");
        assert!(!sb.path().join("job.slurm").exists(), "{file}: slurm wrote");
    }
}

/// `coprod check` of the scenario `text` written to `file`, which it passes; its stderr holds
/// the warnings.
fn passes_check(sb: &Sandbox, file: &str, text: &str) -> assert_cmd::assert::Assert {
    fs::write(sb.path().join(file), text).unwrap();
    sb.cmd(&["check", file]).assert().success()
}

/// A variant copied from the baseline's values runs the baseline again under another name:
/// `coprod check` says so, naming the file, the variant and the values, and still passes it.
#[test]
fn check_warns_about_a_variant_that_sets_the_baselines_values() {
    let sb = Sandbox::new();
    let copy = "[params.levers]\nparticipation_cost = 0.25\n[[experiment.variants]]\n\
                name = \"lower-cost\"\nparams.levers.participation_cost = 0.25\n";
    passes_check(&sb, "copy.toml", copy).stderr(predicate::str::contains(
        "warning: copy.toml: variant `lower-cost` changes nothing: it sets \
             `levers.participation_cost` to 0.25, the baseline's value; it repeats the baseline",
    ));
}

/// A sweep over a parameter that a switch rules out of every run (rho under a substitutive
/// role design) is named with the switch; with one complementary variant it is read.
#[test]
fn check_warns_about_a_sweep_a_switch_rules_out() {
    let sb = Sandbox::new();
    let scenario = "[params.levers]\nrole_design = \"substitutive\"\n\
                    [experiment.sweep]\n\"groups.rho\" = [0.25, 0.5]\n";
    passes_check(&sb, "sub.toml", scenario).stderr(predicate::str::contains(
        "warning: sub.toml: the sweep over `groups.rho` changes nothing: no run reads it \
             (`levers.role_design` is \"substitutive\"), so every sweep point is the same runs \
             under a different label",
    ));
    let variant = "[[experiment.variants]]\nname = \"c\"\n\
                   params.levers.role_design = \"complementary\"\n";
    passes_check(&sb, "both.toml", &format!("{scenario}{variant}"))
        .stderr(predicate::str::contains("warning").not());
}

/// A sweep over a parameter that another parameter's value rules out of every run
/// (`orgs.procedural_bias` when staff trust never moves) is named with that value; a sweep
/// that also moves the value reads it.
#[test]
fn check_warns_about_a_sweep_a_value_rules_out() {
    let sb = Sandbox::new();
    let scenario = "[params.orgs]\ntrust_learning = 0\n\
                    [experiment.sweep]\n\"orgs.procedural_bias\" = [0.25, 0.75]\n";
    passes_check(&sb, "frozen.toml", scenario).stderr(predicate::str::contains(
        "warning: frozen.toml: the sweep over `orgs.procedural_bias` changes nothing: no \
             run reads it (`orgs.trust_learning` is 0), so every sweep point is the same runs \
             under a different label",
    ));
    // The sweep's values replace the file's: `[params]` no longer sets it.
    let moved = format!(
        "{}\"orgs.trust_learning\" = [0, 0.1]\n",
        scenario.replace("[params.orgs]\ntrust_learning = 0\n", "")
    );
    assert_ne!(
        moved,
        format!("{scenario}\"orgs.trust_learning\" = [0, 0.1]\n")
    );
    passes_check(&sb, "moved.toml", &moved).stderr(predicate::str::contains("warning").not());
}

/// The scenario's own warnings name its file alike in every command that says them:
/// `coprod run`, `sensitivity` and `calibrate` said them without the file `coprod check`
/// names.
#[test]
fn every_command_names_the_file_in_the_scenarios_warnings() {
    let sb = Sandbox::new();
    fs::write(
        sb.path().join("lab.toml"),
        "[params.population]\nsetting = \"lab\"\nn_citizens = 40\nn_communities = 1\n\
         [params.groups]\nrho = 0.3\n[experiment]\nsteps = 3\nreplications = 2\n\
         [sensitivity]\nmethod = \"morris\"\noutputs = [\"mean_contribution\"]\n\
         trajectories = 2\nreplications = 2\nbootstrap = 0\n[sensitivity.parameters]\n\
         \"lab.mpcr\" = [0.3, 0.6]\n[calibration]\nparticles = 20\ngenerations = 2\n\
         [calibration.priors]\n\"behaviour.cc_slope\" = { uniform = [0.3, 1.2] }\n",
    )
    .unwrap();
    fs::write(
        sb.path().join("targets.csv"),
        "metric,step,observed,se,source\nmean_contribution,2,0.31,0.03,test\n",
    )
    .unwrap();
    let warning = "warning: lab.toml: [params] sets `groups.rho`, which lab runs do not read: \
                   it changes nothing\n";
    for args in [
        &["check", "lab.toml"][..],
        &["run", "lab.toml", "--out", "run"],
        &["sensitivity", "lab.toml", "--out", "sensitivity"],
        &[
            "calibrate",
            "lab.toml",
            "--targets",
            "targets.csv",
            "--out",
            "calibration",
        ],
    ] {
        let out = sb.cmd(args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{args:?}: {stderr}");
        assert_eq!(stderr.matches(warning).count(), 1, "{args:?}: {stderr}");
    }
}

/// The first CPU this process may run on (`Cpus_allowed_list`), for `taskset`.
fn first_allowed_cpu() -> Option<String> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let list = status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))?;
    let first = list.trim().split([',', '-']).next()?;
    Some(first.to_string())
}

/// `coprod run --threads 2` on one core times its runs on that core, as they will run:
/// twice the time `coprod check --threads 2` gives for a machine of two cores. Pinned to one
/// CPU by `taskset`; the runs stall (COPROD_FAULT_INJECT) so only the announcement is read.
#[test]
fn the_estimate_of_a_run_counts_the_cores_its_threads_share() {
    use std::io::{BufRead, BufReader};
    // taskset must be there and allowed to pin (some containers forbid setting affinity).
    let pins = |cpu: &String| {
        std::process::Command::new("taskset")
            .args(["-c", cpu, "true"])
            .output()
            .is_ok_and(|out| out.status.success())
    };
    let Some(cpu) = first_allowed_cpu().filter(pins) else {
        eprintln!(
            "SKIPPED the_estimate_of_a_run_counts_the_cores_its_threads_share: no taskset that \
             may pin a process to a CPU"
        );
        return;
    };
    let sb = Sandbox::new();
    // 2 runs of 1,000,000 citizens over 100 steps: about 4.2 s each on a core.
    fs::write(
        sb.path().join("slow.toml"),
        "[params.population]\nn_citizens = 1000000\nn_communities = 100\n\
         [experiment]\nsteps = 100\nreplications = 2\n",
    )
    .unwrap();
    sb.cmd(&["check", "slow.toml", "--threads", "2"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "roughly 4 s on 2 threads (for about a tenth",
        ));
    let mut child = std::process::Command::new("taskset")
        .args(["-c", &cpu])
        .arg(bin())
        .args(["run", "slow.toml", "--threads", "2", "--out", "out"])
        .current_dir(sb.path())
        .env("COPROD_FAULT_INJECT", "stall:0,stall:1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = BufReader::new(child.stderr.take().unwrap());
    let line = stderr
        .lines()
        .map(Result::unwrap)
        .find(|l| l.starts_with("slow: "));
    child.kill().unwrap();
    child.wait().unwrap();
    let line = line.expect("the run announces its runs");
    assert!(
        line.ends_with("roughly 8 s on 2 threads of 1 core"),
        "{line}"
    );
}

/// A file saved with a byte-order mark (as some Windows editors do) is read as the same text
/// without it: its first key's column and name are those an editor shows, not shifted by one
/// and with the invisible mark in the name.
#[test]
fn a_scenario_starting_with_a_byte_order_mark_is_read_without_it() {
    let sb = Sandbox::new();
    for (text, expected) in [
        ("nmae = \"x\"\n", "b.toml:1:1: unknown field `nmae`"),
        ("name = 5\n", "b.toml:1:8: invalid type for `name`:"),
    ] {
        fs::write(sb.path().join("b.toml"), format!("\u{feff}{text}")).unwrap();
        sb.cmd(&["check", "b.toml"])
            .assert()
            .code(1)
            .stderr(predicate::str::contains(expected));
    }
}

/// `coprod check` of a `[sensitivity]` design of 500,000 points checks every point
/// without holding the design: it built the whole design and a parameter set per point
/// first (12.7 GB and 72 s for 9.6 million points; about 700 MB for these 500,000, over the
/// limit of 512 MiB of address space this test sets). Under that limit check passes, saying
/// how large the design is, and so does `coprod run` of the file (which held the design
/// without parameter sets, well under the limit, and still must); a design of the same size
/// whose points break a rule late is still refused, naming the point.
#[test]
fn check_and_run_of_a_design_of_half_a_million_points_stay_light() {
    let sb = Sandbox::new();
    let head = "[params.population]\nn_citizens = 100\nn_communities = 4\n[experiment]\n\
                steps = 3\nreplications = 1\n[sensitivity]\nmethod = \"sobol\"\n\
                outputs = [\"participation_rate\"]\nsamples = 125000\nreplications = 1\n\
                [sensitivity.parameters]\n";
    fs::write(
        sb.path().join("large.toml"),
        format!(
            "{head}\"levers.outreach\" = [0.0, 1.0]\n\"levers.participation_cost\" = [0.2, 0.8]\n"
        ),
    )
    .unwrap();
    let checked = crate::util::run_with_memory_limit(sb.path(), 512, &["check", "large.toml"]);
    let stdout = String::from_utf8_lossy(&checked.stdout);
    let stderr = String::from_utf8_lossy(&checked.stderr);
    assert!(checked.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("500000 runs (500000 design points x 1 replication)"),
        "{stdout}"
    );
    let ran = crate::util::run_with_memory_limit(
        sb.path(),
        512,
        &["run", "large.toml", "--out", "out", "-j", "1"],
    );
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    // Type shares that add up to more than 1 only where both are near the top of their
    // ranges (with the default 0.12 of the third): a few points in 100,000.
    fs::write(
        sb.path().join("shares.toml"),
        format!(
            "{head}\"citizens.share_conditional\" = [0.0, 0.441]\n\
             \"citizens.share_free_rider\" = [0.0, 0.441]\n"
        ),
    )
    .unwrap();
    let refused = crate::util::run_with_memory_limit(sb.path(), 512, &["check", "shares.toml"]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("shares.toml: design point ")
            && stderr.contains("is not a valid parameter set: "),
        "{stderr}"
    );
}
