//! `coprod slurm SCENARIO --targets FILE --array N`: the batch script of a calibration.
//!
//! ABC-SMC generations are sequential and a generation takes one or more rounds of
//! proposals whose number is known only as they run, so the script is one job, one
//! allocation of N tasks, that loops: an `srun` step runs the N shards of the current
//! round (`coprod calibrate --shard I/N` with I and N from SLURM_PROCID and SLURM_NTASKS),
//! then `coprod merge DIR` makes the generation if the round completed it, until the merge
//! has written the results. One queue wait for the whole calibration instead of one per
//! round (an array job per round chained by dependencies would wait in the queue about 20
//! times for the lab calibration, each wait longer than the round); the price is that the
//! allocation is held during the merges, which take seconds. A job that hits its time limit
//! loses at most the round it was in: submitted again, it continues from the files.

use std::path::Path;

use coprod_scenario::Scenario;

use crate::error::{Result, bail};
use crate::run::Study;
use crate::slurm::{
    OutFolder, SlurmOptions, SlurmScript, check_array, check_sbatch_values, job_files, q,
    sbatch_directives, script_settings, shell_quote, write_job_folder,
};

/// `coprod slurm SCENARIO --targets FILE`: writes the calibration script of `args` (`array`
/// tasks, each a shard of every round) and its job folder (DIR.slurm/logs).
pub fn slurm_calibration(args: &SlurmOptions, targets: &Path) -> Result<SlurmScript> {
    let scenario = Study::load(&args.scenario)?.scenario().clone();
    let Some(table) = &scenario.calibration else {
        bail!(
            "{} has no [calibration] table, so --targets has nothing to fit\n\nhint: see \
             docs/calibration.md, or leave out --targets to run the scenario",
            scenario.origin
        );
    };
    refuse_run_options(args)?;
    check_sbatch_values(args)?;
    check_array(
        args.array,
        u64::from(table.particles),
        "the particles of the [calibration] table (a round can have as few proposals, and \
         more tasks would sit idle in it)",
    )?;
    check_calibration(&scenario, &args.cwd, targets)?;
    let folder = OutFolder::new(
        args,
        Path::new(crate::run::OUTPUTS).join(format!("{}-calibration", scenario.name)),
    )?;
    refuse_existing_out(&folder, args)?;
    let (out, named) = (&folder.out, |e| folder.named(e));
    let (job_dir, script) =
        job_files((out, args.out.as_deref()), &scenario.name, args.force).map_err(named)?;
    let text = script_text(args, &scenario.name, targets, out, &job_dir, &script);
    write_job_folder(&job_dir, &script, &text, &["logs"], args.force).map_err(named)?;
    Ok(SlurmScript {
        script,
        runs: 0,
        out: folder.out.clone(),
        calibration: true,
        notes: Vec::new(),
        warnings: scenario.naming_the_file(
            [
                scenario.baseline_warnings(),
                scenario.calibration_warnings(),
            ]
            .concat(),
        ),
    })
}

/// Refuses the options of scenario runs, each with what a calibration has instead.
fn refuse_run_options(args: &SlurmOptions) -> Result<()> {
    let run_only = [
        (
            !args.settings.is_empty(),
            "--set",
            "change the scenario file instead",
        ),
        (
            args.replications.is_some(),
            "--replications",
            "a calibration's size is its [calibration] table's particles and generations",
        ),
        (
            args.quick,
            "--quick",
            "for a smaller calibration, lower the particles or generations of its \
             [calibration] table",
        ),
        (
            !args.metrics.is_empty(),
            "--metric",
            "a calibration fits and charts the metrics of its targets file",
        ),
        (
            args.replace_results,
            "--replace-results",
            "a calibration continues in its output directory and never replaces one: choose \
             a new one with --out DIR",
        ),
    ];
    if let Some((_, flag, hint)) = run_only.iter().find(|(given, ..)| *given) {
        bail!(
            "{flag} is an option of scenario runs, not of a calibration (--targets)\n\nhint: \
             {hint}"
        );
    }
    Ok(())
}

/// The checks of `coprod calibrate` (a missing file too, with the reason), so a bad file
/// fails here and not on the cluster; and a --targets path the script can name in a comment.
fn check_calibration(scenario: &Scenario, cwd: &Path, targets: &Path) -> Result<()> {
    if targets.display().to_string().chars().any(char::is_control) {
        bail!(
            "the --targets path {:?} holds a control character (a line break, say); the \
             script names it in a comment line",
            targets.display().to_string()
        );
    }
    // Named as typed, as every other file is: read where the script will read it.
    crate::calibrate::check_priors_not_held(scenario)?;
    let read = cwd.join(targets);
    crate::calibrate::read_scenario_targets(scenario, &read)
        .map_err(|e| e.named_as(&read, targets))?;
    Ok(())
}

/// Refuses an output directory that exists: the script never replaces one, and a
/// calibration it started continues when the script is submitted again.
fn refuse_existing_out(folder: &OutFolder, args: &SlurmOptions) -> Result<()> {
    if folder.out.exists() {
        bail!(
            "output directory {} already exists\n\nhint: write elsewhere with {}; a \
             calibration this script started continues when you submit it again (sbatch \
             SCRIPT run)",
            folder.shown.display(),
            crate::run::another_out(args.out.is_some())
        );
    }
    Ok(())
}

fn script_text(
    args: &SlurmOptions,
    name: &str,
    targets: &Path,
    out: &Path,
    job_dir: &Path,
    script: &Path,
) -> String {
    let n = args.array;
    let mut calibrate = vec![
        "\"$COPROD\"".to_string(),
        "calibrate".into(),
        shell_quote(&args.scenario),
        "--targets".into(),
        shell_quote(&targets.display().to_string()),
        "--out \"$OUT\"".into(),
    ];
    if let Some(s) = args.seed {
        calibrate.push(format!("--seed {s}"));
    }
    let sbatch = sbatch_directives(
        args,
        &format!("coprod-{name}-calibration"),
        "%x-%j.out",
        job_dir,
        &[format!("--ntasks={n}")],
    );
    format!(
        r#"#!/usr/bin/env bash
# coprod on SLURM: calibration of scenario `{name}` (its [calibration] table) against
# {targets}, in rounds of {n} shards inside one allocation of {n} tasks.
# Written by `coprod slurm` (coprod {version}); see docs/cluster.md.
#
# Each round is one srun step of `coprod calibrate --shard I/{n}` (a slice of the current
# round of proposals each), then `coprod merge` makes the generation once its rounds are
# complete; the job ends when the merge has written the results ($OUT/manifest.json,
# written last).
#
# Submit (from anywhere; the second form blocks until the calibration has finished):
#   bash {script_q}
#   bash {script_q} submit --wait
# If the job ended early (time limit, lost node), submit it again: it continues from the
# rounds and generations already in the output directory:
#   sbatch {script_q} run
#
# Every path below (the coprod binary, the working directory, the scenario, the targets
# file and the output) must be on a filesystem that every compute node shares.
{sbatch}{settings}
case "${{1:-submit}}" in
submit)
  if [ -n "${{SLURM_JOB_ID:-}}" ]; then
    echo "run this script with bash to submit it, or with sbatch and the argument run" >&2
    exit 2
  fi
  if [ "${{2:-}}" = --wait ]; then
    echo "waiting for the calibration job into $OUT (logs in $JOB_DIR/logs)"
    status=0
    sbatch --wait "$JOB_DIR/{name}.sbatch" run || status=$?
    if [ ! -f "$OUT/manifest.json" ]; then
      echo "the calibration job ended before the results were written (logs in $JOB_DIR/logs)" >&2
      printf 'submit it again to continue: sbatch %q run\n' "$JOB_DIR/{name}.sbatch" >&2
      if [ "$status" -eq 0 ]; then status=1; fi
    fi
    exit "$status"
  else
    job=$(sbatch --parsable "$JOB_DIR/{name}.sbatch" run)
    echo "submitted calibration job ${{job%%;*}} ($N tasks): $OUT, logs in $JOB_DIR/logs"
  fi
  ;;
run)
  : "${{SLURM_JOB_ID:?submit it with sbatch SCRIPT run, or bash SCRIPT}}"
  cpus=${{SLURM_CPUS_PER_TASK:-1}}
  round=0
  while [ ! -f "$OUT/manifest.json" ]; do
    round=$((round + 1))
    echo "round $round of this job: $N shards"
    # I and N from the task's rank; a shard whose slice is already there does nothing.
    srun --ntasks="$N" --cpus-per-task="$cpus" --kill-on-bad-exit=1 \
      bash -c 'exec "$@" --shard "$SLURM_PROCID/$SLURM_NTASKS" --threads "$0"' "$cpus" \
      {calibrate}
    "$COPROD" merge "$OUT" --threads "$cpus"
  done
  echo "calibration finished: $OUT"
  ;;
*)
  echo "usage: bash $0 [submit [--wait]] | sbatch $0 run" >&2
  exit 2
  ;;
esac
"#,
        targets = targets.display(),
        version = crate::VERSION,
        script_q = q(script),
        settings = script_settings(&args.coprod, job_dir, out, n, &args.cwd),
        calibrate = calibrate.join(" "),
    )
}
