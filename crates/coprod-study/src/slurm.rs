//! `coprod slurm SCENARIO --array N`: write a ready SLURM batch script that runs the
//! scenario as an array job (task I runs `coprod run --shard I/N`, a block of runs) and a
//! merge job chained with `afterok`, and print how to submit it; `--submit` also submits.
//!
//! The script is one file with three modes: `bash SCRIPT [submit [--wait]]` submits both jobs,
//! `sbatch --array=... SCRIPT shard` runs shards (also to re-run some alone) and
//! `sbatch SCRIPT merge` merges. It holds absolute paths (binary, working directory,
//! output), so it can be submitted from anywhere; everything it names must be on a
//! filesystem that every compute node shares (docs/cluster.md). It submits nothing itself
//! (the command line runs the script on `--submit`), and never contains cluster code of
//! ours beyond sbatch calls.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use coprod_scenario::Setting;

use crate::error::{Context, Result, StudyError, bail, invalid};
use crate::run::{OUTPUTS, Study};
use crate::shipped::with_experiment_options;

/// The flags of `coprod slurm`, and where the script runs from.
#[derive(Clone, Debug)]
pub struct SlurmOptions {
    /// The scenario as named on the command line.
    pub scenario: String,
    /// Array tasks (shards).
    pub array: u64,
    /// `#SBATCH --partition`.
    pub partition: Option<String>,
    /// `#SBATCH --time`.
    pub time: Option<String>,
    /// `#SBATCH --cpus-per-task`, and the threads of each shard.
    pub cpus_per_task: u16,
    /// The merged run directory (default: `outputs/<scenario name>`, numbered if taken).
    pub out: Option<PathBuf>,
    /// Replications per variant and sweep point (overrides the scenario).
    pub replications: Option<u32>,
    /// Base seed (overrides the scenario).
    pub seed: Option<u64>,
    /// `--set KEY=VALUE` settings.
    pub settings: Vec<Setting>,
    /// Shrink the runs for a quick look.
    pub quick: bool,
    /// Metrics compared in comparison.csv.
    pub metrics: Vec<String>,
    /// Replace the job folder of an earlier submission.
    pub force: bool,
    /// Let the merge job replace an existing output directory.
    pub replace_results: bool,
    /// The coprod binary the script runs.
    pub coprod: PathBuf,
    /// The working directory the script runs in (relative paths are from here).
    pub cwd: PathBuf,
}

/// The script `coprod slurm` wrote.
#[derive(Clone, Debug)]
pub struct SlurmScript {
    /// The script file.
    pub script: PathBuf,
    /// Runs of the scenario.
    pub runs: u64,
    /// The merged run directory the merge job writes (the calibration directory).
    pub out: PathBuf,
    /// Whether the script runs a calibration (then `runs` is 0).
    pub calibration: bool,
    /// What the shards' and merge job's logs would say of the scenario before any run, to
    /// say now: `--set` notes, and warnings on what the runs do not read or never reach.
    pub notes: Vec<String>,
    /// See [`SlurmScript::notes`].
    pub warnings: Vec<String>,
}

/// `'text'` with single quotes escaped, for bash.
pub fn shell_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// `coprod slurm`: writes the batch script of a scenario (resolved first, so a mistake is
/// reported before anything is queued) and its job folder.
pub fn slurm(args: &SlurmOptions) -> Result<SlurmScript> {
    let mut scenario = Study::load(&args.scenario)?.scenario().clone();
    // As `coprod run` refuses it: else every array task would fail on the cluster.
    crate::check::refuse_invalid_analysis(&scenario)?;
    let settings = with_experiment_options(&args.settings, args.replications, args.seed)?;
    let notes = scenario.apply_settings(&settings)?;
    if args.quick {
        crate::shipped::make_quick(&mut scenario, &settings)?;
    }
    crate::compare::metrics(&args.metrics, &scenario.report_metrics, scenario.runs_lab())?;
    check_sbatch_values(args)?;
    check_array(
        args.array,
        scenario.n_runs(),
        &format!(
            "the number of runs of scenario `{}` (more tasks would have no runs)",
            scenario.name
        ),
    )?;

    let cwd = &args.cwd;
    let folder = OutFolder::new(
        args,
        coprod_output::default_run_dir(Path::new(OUTPUTS), &scenario.name),
    )?;
    let (out, named) = (&folder.out, |e| folder.named(e));
    check_merge_out(&folder, args)?;
    let (job_dir, script) =
        job_files((out, args.out.as_deref()), &scenario.name, args.force).map_err(named)?;

    let text = script_text(&ScriptInput {
        args,
        name: &scenario.name,
        runs: scenario.n_runs(),
        coprod: &args.coprod,
        cwd,
        out,
        job_dir: &job_dir,
    });
    write_job_folder(&job_dir, &script, &text, &["logs", "shards"], args.force).map_err(named)?;

    Ok(SlurmScript {
        script,
        runs: scenario.n_runs(),
        out: folder.out.clone(),
        calibration: false,
        notes,
        warnings: scenario.naming_the_file(scenario.warnings()),
    })
}

/// Refuses now an output folder the merge job would refuse only after the cluster work
/// is done: an existing one without `--replace-results`, and with it one that `coprod
/// merge --force` (the merge job's command) would not replace.
fn check_merge_out(folder: &OutFolder, args: &SlurmOptions) -> Result<()> {
    // No shard folder to keep out of it: they go beside it, in `<out>.slurm/shards`.
    let replaceable = crate::merge::check_out(&folder.out, &[], true);
    if args.replace_results {
        return replaceable.map_err(|e| folder.named(e));
    }
    if folder.out.exists() {
        // Offered only where the merge job could replace the folder.
        let flag = if replaceable.is_ok() {
            ", or add --replace-results to let the merge job replace it"
        } else {
            ""
        };
        bail!(
            "output directory {} already exists\n\nhint: write elsewhere with {}{flag}",
            folder.shown.display(),
            crate::run::another_out(args.out.is_some())
        );
    }
    Ok(())
}

/// Where a job's results go: `out`, absolute, for the script, and `shown`, as typed (or
/// the default, relative to where the command ran), for messages.
pub(crate) struct OutFolder {
    pub(crate) out: PathBuf,
    pub(crate) shown: PathBuf,
}

impl OutFolder {
    /// `--out` of `args`, else `default`; refused if a file stands there.
    pub(crate) fn new(args: &SlurmOptions, default: PathBuf) -> Result<OutFolder> {
        let shown = args.out.clone().unwrap_or(default);
        let folder = OutFolder {
            out: args.cwd.join(&shown),
            shown,
        };
        crate::run::refuse_file_as_out(&folder.out, args.out.is_some())
            .map_err(|e| folder.named(e))?;
        Ok(folder)
    }

    /// `err` with the folder (and the job folder beside it) named as typed, as every other
    /// command names it.
    pub(crate) fn named(&self, err: StudyError) -> StudyError {
        err.named_as(&self.out, &self.shown)
    }
}

/// The job folder `<out name>.slurm` beside `out` (`<scenario>.slurm` if `out` has no
/// name) and the script in it, to be made afresh by [`write_job_folder`] (an earlier
/// submission's is replaced only with `force`, and only if it holds a script of this
/// scenario); refused if its path cannot go into the script (`given` is the `--out` given,
/// if any).
pub(crate) fn job_files(
    (out, given): (&Path, Option<&Path>),
    scenario: &str,
    force: bool,
) -> Result<(PathBuf, PathBuf)> {
    let name = out.file_name().map_or_else(
        || scenario.to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    let job_dir = out.with_file_name(format!("{name}.slurm"));
    check_job_dir(&job_dir, given)?;
    let script = job_dir.join(format!("{scenario}.sbatch"));
    // Not an earlier submission, which `--force` could replace: something else.
    if job_dir.exists() && !job_dir.is_dir() {
        bail!(
            "{} is in the way of the job folder (the script, logs and shards): it is not a \
             folder\n\nhint: move it, or use {} to write elsewhere",
            job_dir.display(),
            crate::run::another_out(given.is_some())
        );
    }
    if job_dir.exists() {
        if !force {
            bail!(
                "{} already exists (the script, logs and shards of an earlier submission)\n\n\
                 hint: use --force to replace them, or {} to write elsewhere",
                job_dir.display(),
                crate::run::another_out(given.is_some())
            );
        }
        if !script.is_file() {
            bail!(
                "refusing to replace {}: it holds no {scenario} script of coprod slurm",
                job_dir.display()
            );
        }
    }
    Ok((job_dir, script))
}

/// Makes the job folder `job_dir` with the folders `dirs` and the script `text` at `script`,
/// replacing an earlier one when `force` ([`job_files`] checked it may). Everything is
/// written into a hidden folder beside it first and moved into place when complete: a full
/// disk midway must leave neither a half-written script nor a folder that the same command
/// then refuses as an earlier submission (and `--force` as holding no script).
pub(crate) fn write_job_folder(
    job_dir: &Path,
    script: &Path,
    text: &str,
    dirs: &[&str],
    force: bool,
) -> Result<()> {
    let name = job_dir
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let staged = job_dir.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let written = stage_job_folder(&staged, job_dir, script, text, dirs).and_then(|()| {
        if force && job_dir.exists() {
            std::fs::remove_dir_all(job_dir)
                .with_context(|| format!("cannot remove {}", job_dir.display()))?;
        }
        std::fs::rename(&staged, job_dir)
            .with_context(|| format!("cannot create {}", job_dir.display()))
    });
    match written {
        Err(err) => {
            let _ = std::fs::remove_dir_all(&staged);
            if !err.write_denied() {
                return Err(err);
            }
            // As `run` says it of an output folder it cannot create.
            Err(invalid!(
                "{}\n\nhint: {} (the job folder goes beside it)",
                crate::error::chain(&err),
                crate::error::CHOOSE_WRITABLE_OUT
            ))
        }
        Ok(()) => Ok(()),
    }
}

/// Writes the job folder's contents into `staged`; errors name the paths in `job_dir`.
fn stage_job_folder(
    staged: &Path,
    job_dir: &Path,
    script: &Path,
    text: &str,
    dirs: &[&str],
) -> Result<()> {
    for dir in dirs {
        std::fs::create_dir_all(staged.join(dir))
            .with_context(|| format!("cannot create {}", job_dir.join(dir).display()))?;
    }
    let name = script.file_name().unwrap_or_default();
    std::fs::File::create(staged.join(name))
        .and_then(|mut file| {
            std::io::Write::write_all(&mut file, text.as_bytes())?;
            file.sync_all()
        })
        .with_context(|| format!("cannot write {}", script.display()))
}

/// `--partition` and `--time` go into `#SBATCH` lines: a partition name (or a list) without
/// spaces or characters that sbatch or bash would read otherwise, and a time limit in a form
/// sbatch takes.
pub(crate) fn check_sbatch_values(args: &SlurmOptions) -> Result<()> {
    if let Some(p) = &args.partition
        && (p.is_empty()
            || p.chars()
                .any(|c| c.is_whitespace() || c.is_control() || "'\"\\#".contains(c)))
    {
        bail!(
            "invalid value `{p}` for --partition: allowed is a partition name, or a \
             comma-separated list of them, without spaces, quotes, `\\` or `#`"
        );
    }
    if let Some(t) = &args.time {
        check_time(t)?;
    }
    Ok(())
}

/// The forms of a time limit sbatch takes (`--time`), as the messages list them.
const TIME_FORMS: &str = "minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS (whole \
                          numbers), or UNLIMITED";

/// `--time`: one of the forms sbatch documents, each field a whole number, or no limit
/// (`UNLIMITED`, `INFINITE`, `-1`). The size of each field is left to sbatch, which takes
/// `90:00` or `1:90:00` as well.
fn check_time(text: &str) -> Result<()> {
    if ["unlimited", "infinite"].contains(&text.to_ascii_lowercase().as_str()) || text == "-1" {
        return Ok(());
    }
    let whole = |field: &str| !field.is_empty() && field.bytes().all(|b| b.is_ascii_digit());
    let (days, clock) = match text.split_once('-') {
        Some((days, clock)) => (Some(days), clock),
        None => (None, text),
    };
    let fields: Vec<&str> = clock.split(':').collect();
    let form = match days {
        Some(days) => whole(days) && (1..=3).contains(&fields.len()),
        None => (1..=3).contains(&fields.len()),
    };
    if !form || !fields.iter().all(|f| whole(f)) {
        bail!("invalid value `{text}` for --time: allowed is {TIME_FORMS}, e.g. 90 or 2:00:00");
    }
    Ok(())
}

/// `--array` is at most `most`, the units of work of which each task takes at least one
/// (`what` says what they are).
pub(crate) fn check_array(array: u64, most: u64, what: &str) -> Result<()> {
    if array > most {
        bail!("invalid value {array} for --array: allowed is 1 to {most}, {what}");
    }
    Ok(())
}

/// The job folder's path goes into `#SBATCH --output=` and into comment lines: it must hold
/// nothing sbatch or bash would read otherwise. `out` is the `--out` given, if any.
fn check_job_dir(job_dir: &Path, out: Option<&Path>) -> Result<()> {
    let text = job_dir.display().to_string();
    let Some(c) = text
        .chars()
        .find(|&c| c.is_whitespace() || c.is_control() || "'\"\\#%".contains(c))
    else {
        return Ok(());
    };
    // A relative --out (or the default) is shown as given, so a character that lies in the
    // working directory is said to be there: the folder's shown name does not hold it.
    let in_name = job_dir
        .file_name()
        .is_some_and(|n| n.to_string_lossy().contains(c));
    let text = match job_dir.parent() {
        Some(parent) if !in_name && !out.is_some_and(Path::is_absolute) => {
            format!("{text}, in {},", parent.display())
        }
        _ => text,
    };
    let c = if c.is_whitespace() || c.is_control() {
        format!("{:?}", c.to_string())
    } else {
        format!("`{c}`")
    };
    let whose = match out {
        Some(dir) => format!(
            "invalid value `{}` for --out: its job folder",
            dir.display()
        ),
        None => "the job folder of the default output directory,".to_string(),
    };
    bail!(
        "{whose} {text} holds {c}, which an `#SBATCH --output=` line cannot hold (sbatch \
         splits at spaces, reads `\"`, `\\` and `#` itself and `%` as a file-name pattern)\n\n\
         hint: choose an --out DIR whose path (with the working directory) has no spaces, \
         quotes, `\\`, `#` or `%`"
    );
}

struct ScriptInput<'a> {
    args: &'a SlurmOptions,
    name: &'a str,
    runs: u64,
    coprod: &'a Path,
    cwd: &'a Path,
    out: &'a Path,
    job_dir: &'a Path,
}

pub(crate) fn q(path: &Path) -> String {
    shell_quote(&path.display().to_string())
}

/// The shell settings both kinds of script start with: strict mode, the paths and the
/// number of tasks their commands use, and the working directory the relative paths in
/// those commands are taken from.
pub(crate) fn script_settings(
    coprod: &Path,
    job_dir: &Path,
    out: &Path,
    tasks: u64,
    cwd: &Path,
) -> String {
    format!(
        "set -euo pipefail\nCOPROD={}\nJOB_DIR={}\nOUT={}\nN={tasks}\ncd {}\n",
        q(coprod),
        q(job_dir),
        q(out),
        q(cwd)
    )
}

fn script_text(input: &ScriptInput<'_>) -> String {
    let ScriptInput {
        args,
        name,
        runs,
        coprod,
        cwd,
        out,
        job_dir,
    } = *input;
    let n = args.array;
    let script = job_dir.join(format!("{name}.sbatch"));
    let run = run_command(args);
    let sbatch = sbatch_directives(
        args,
        &format!("coprod-{name}"),
        "%x-%A_%a.out",
        job_dir,
        &[],
    );
    let force = if args.replace_results { " --force" } else { "" };
    // Without --replace-results the merge job would refuse an existing output, but only
    // after every shard ran: refuse before anything is queued (a second submission of a
    // finished study, or an output folder made since the script was written).
    let refuse = if args.replace_results {
        String::new()
    } else {
        r#"  if [ -e "$OUT" ]; then
    echo "$OUT already exists and the merge job would not replace it: nothing submitted" >&2
    echo "move it away and submit again (shards already done are not run again)" >&2
    exit 1
  fi
"#
        .to_string()
    };
    format!(
        r#"#!/usr/bin/env bash
# coprod on SLURM: scenario `{name}`, {runs} runs in {n} array tasks (shards) and a merge job.
# Written by `coprod slurm` (coprod {version}); see docs/cluster.md.
#
# Submit both jobs (from anywhere; the second form blocks until the merge job has finished):
#   bash {script_q}
#   bash {script_q} submit --wait
# Re-run some shards alone (e.g. after a time limit), then merge once they have succeeded
# (JOBID: the number the first sbatch prints):
#   sbatch --array={some} {script_q} shard
#   sbatch --dependency=afterok:JOBID --kill-on-invalid-dep=yes {script_q} merge
# Logs: coprod-{name}-JOBID_I.out for array task I, coprod-{name}-merge-JOBID.out for the merge.
#
# Every path below (the coprod binary, the working directory, the scenario, the output and
# {job_q}) must be on a filesystem that the submit host and every compute node share.
{sbatch}{settings}
case "${{1:-submit}}" in
submit)
  if [ -n "${{SLURM_JOB_ID:-}}" ]; then
    echo "run this script with bash to submit it, or with sbatch and the argument shard or merge" >&2
    exit 2
  fi
{refuse}  array=$(sbatch --parsable --array=0-$((N - 1)) "$JOB_DIR/{name}.sbatch" shard)
  array=${{array%%;*}}
  echo "submitted array job $array: $N shards, logs in $JOB_DIR/logs"
  merge=(sbatch --parsable --dependency="afterok:$array" --kill-on-invalid-dep=yes
    --job-name=coprod-{name}-merge --output="$JOB_DIR/logs/%x-%j.out")
  if [ "${{2:-}}" = --wait ]; then
    echo "waiting for the merge job into $OUT"
    status=0
    job=$("${{merge[@]}}" --wait "$JOB_DIR/{name}.sbatch" merge) || status=$?
    log="$JOB_DIR/logs/coprod-{name}-merge-${{job%%;*}}.out"
    # A merge job cancelled because a shard failed never ran, yet sbatch --wait returns 0.
    if [ "$status" -eq 0 ] && [ ! -f "$log" ]; then
      list=""
      for ((i = 0; i < N; i++)); do
        if [ ! -f "$JOB_DIR/shards/shard-$i-of-$N/shard.json" ]; then list="${{list:+$list,}}$i"; fi
      done
      if [ -z "$list" ]; then
        echo "the merge job never ran (cancelled?), though every shard is done; merge them:" >&2
        printf '  sbatch %q merge\n' "$JOB_DIR/{name}.sbatch" >&2
      else
        echo "the merge job never ran: shards $list did not finish (logs in $JOB_DIR/logs)" >&2
        echo "re-run them alone, then merge (JOBID: the number the first sbatch prints):" >&2
        printf '  sbatch --array=%s %q shard\n' "$list" "$JOB_DIR/{name}.sbatch" >&2
        printf '  sbatch --dependency=afterok:JOBID --kill-on-invalid-dep=yes %q merge\n' "$JOB_DIR/{name}.sbatch" >&2
      fi
      status=1
    elif [ "$status" -eq 3 ]; then
      echo "the merge job wrote $OUT, but some runs failed: $OUT/failures.csv lists them" >&2
    elif [ "$status" -ne 0 ] && [ -f "$log" ]; then
      echo "the merge job failed (exit status $status); its log says why: $log" >&2
    fi
    exit "$status"
  else
    job=$("${{merge[@]}}" "$JOB_DIR/{name}.sbatch" merge)
    echo "submitted merge job ${{job%%;*}} (runs after every shard succeeded): $OUT"
  fi
  ;;
shard)
  i=${{SLURM_ARRAY_TASK_ID:?submit shards with sbatch --array=...}}
  dir="$JOB_DIR/shards/shard-$i-of-$N"
  if [ -f "$dir/shard.json" ]; then
    echo "shard $i of $N is already done: $dir"
    exit 0
  fi
  # No empty arrays: under set -u, bash 4.3 and older (e.g. CentOS 7's 4.2) call them unbound.
  resume=""
  if [ -d "$JOB_DIR/shards/.shard-$i-of-$N.partial" ]; then resume=--resume; fi
  status=0
  {run} --shard "$i/$N" --out "$dir" --threads "${{SLURM_CPUS_PER_TASK:-1}}" ${{resume:+"$resume"}} || status=$?
  # Status 3: the shard is complete but some runs failed (failures.csv); the merge keeps them.
  if [ "$status" -eq 3 ]; then status=0; fi
  exit "$status"
  ;;
merge)
  # Submitted by hand (sbatch SCRIPT merge), this job took the array tasks' log name from the
  # #SBATCH line, where %a of a job that is no array task reads 4294967294: give its log the
  # name the merge job that bash SCRIPT submits has.
  if [ -n "${{SLURM_JOB_ID:-}}" ] && [ -z "${{SLURM_ARRAY_TASK_ID:-}}" ]; then
    log="$JOB_DIR/logs/${{SLURM_JOB_NAME:-}}-${{SLURM_JOB_ID}}_4294967294.out"
    if [ -f "$log" ]; then mv "$log" "$JOB_DIR/logs/coprod-{name}-merge-$SLURM_JOB_ID.out" || true; fi
  fi
  # The merged run's charts are drawn on the job's CPUs, not every core of the node.
  "$COPROD" merge "$JOB_DIR"/shards/shard-*-of-"$N" --out "$OUT" --threads "${{SLURM_CPUS_PER_TASK:-1}}"{force}
  ;;
*)
  echo "usage: bash $0 [submit [--wait]] | sbatch --array=I,... $0 shard | sbatch $0 merge" >&2
  exit 2
  ;;
esac
"#,
        version = crate::VERSION,
        script_q = q(&script),
        some = some_tasks(n),
        job_q = q(job_dir),
        settings = script_settings(coprod, job_dir, out, n, cwd),
    )
}

/// Array tasks for the header's example of re-running some alone: tasks the script has
/// (`3,7` of 5 tasks would run a shard that does not exist).
fn some_tasks(n: u64) -> String {
    match n {
        0 | 1 => "0".to_string(),
        2..=7 => format!("0,{}", n - 1),
        _ => "3,7".to_string(),
    }
}

/// The `coprod run` of every shard, with the options the script repeats, shell-quoted.
fn run_command(args: &SlurmOptions) -> String {
    let mut run = vec![
        "\"$COPROD\"".to_string(),
        "run".into(),
        shell_quote(&args.scenario),
    ];
    for s in &args.settings {
        run.push("--set".into());
        run.push(shell_quote(&format!("{}={}", s.key, s.value)));
    }
    if let Some(r) = args.replications {
        run.push(format!("--replications {r}"));
    }
    if let Some(s) = args.seed {
        run.push(format!("--seed {s}"));
    }
    if args.quick {
        run.push("--quick".into());
    }
    for m in &args.metrics {
        run.push(format!("--metric {}", shell_quote(m)));
    }
    run.join(" ")
}

/// The `#SBATCH` lines of a script (of a run's array job or of a calibration's job): job
/// name, log files (`log` is their name's sbatch pattern, in the job folder's `logs/`), the
/// `extra` options of that job, and the resources asked for.
pub(crate) fn sbatch_directives(
    args: &SlurmOptions,
    job_name: &str,
    log: &str,
    job_dir: &Path,
    extra: &[String],
) -> String {
    let mut sbatch = String::new();
    let _ = writeln!(sbatch, "#SBATCH --job-name={job_name}");
    let _ = writeln!(sbatch, "#SBATCH --output={}/logs/{log}", job_dir.display());
    for option in extra {
        let _ = writeln!(sbatch, "#SBATCH {option}");
    }
    if let Some(p) = &args.partition {
        let _ = writeln!(sbatch, "#SBATCH --partition={p}");
    }
    if let Some(t) = &args.time {
        let _ = writeln!(sbatch, "#SBATCH --time={t}");
    }
    let _ = writeln!(sbatch, "#SBATCH --cpus-per-task={}", args.cpus_per_task);
    sbatch
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The run's and the calibration's scripts share these lines: each job's own options go
    /// after its log files, the resources asked for come last.
    #[test]
    fn sbatch_lines_hold_the_jobs_options_and_the_resources() {
        let args = SlurmOptions {
            scenario: "s.toml".into(),
            array: 3,
            partition: Some("short".into()),
            time: Some("1:00:00".into()),
            cpus_per_task: 2,
            out: None,
            replications: None,
            seed: None,
            settings: Vec::new(),
            quick: false,
            metrics: Vec::new(),
            force: false,
            replace_results: false,
            coprod: "coprod".into(),
            cwd: "/w".into(),
        };
        let lines = sbatch_directives(
            &args,
            "coprod-s-calibration",
            "%x-%j.out",
            Path::new("/w/j"),
            &["--ntasks=3".into()],
        );
        assert_eq!(
            lines,
            "#SBATCH --job-name=coprod-s-calibration\n\
             #SBATCH --output=/w/j/logs/%x-%j.out\n\
             #SBATCH --ntasks=3\n\
             #SBATCH --partition=short\n\
             #SBATCH --time=1:00:00\n\
             #SBATCH --cpus-per-task=2\n"
        );
    }
}
