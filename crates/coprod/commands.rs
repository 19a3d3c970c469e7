//! The commands that are one call to `coprod-study` and a few lines of printing: `check`,
//! `list`, `plot`, `compare`, `sensitivity`, `validate`, `calibrate`, `survey`, `slurm`.

use coprod_report::counted;
use std::io::Write;

use coprod_study::{
    CalibrateOptions, Calibrated, Context, MergedCalibration, Result, SensitivityOptions,
    ShardOutcome, SlurmOptions, Study, StudyError, SurveyOptions, ValidateOptions,
};

use crate::cli::{
    CalibrateArgs, CompareArgs, PlotArgs, SensitivityArgs, SlurmArgs, SurveyArgs, ValidateArgs,
};
use crate::progress::Terminal;

/// `coprod check`: status 1 if any file is invalid.
pub(crate) fn check(files: &[String], threads: usize, out: &mut impl Write) -> Result<u8> {
    let mut status = 0;
    for checked in coprod_study::check(files, threads) {
        let file = &checked.file;
        match checked.result {
            Ok(scenario) => {
                writeln!(out, "ok       {file}: {}", scenario.description)?;
                for warning in scenario.warnings {
                    say!("warning: {warning}");
                }
            }
            Err(err) => {
                status = 1;
                writeln!(out, "invalid  {file}")?;
                say!("error: {}\n", coprod_study::chain(&err));
            }
        }
    }
    Ok(status)
}

pub(crate) fn plot(threads: usize, args: &PlotArgs, out: &mut impl Write) -> Result<u8> {
    let selection = coprod_report::Selection {
        metric: args.metric.clone(),
        kind: args.kind,
    };
    let written = coprod_study::plot(&args.dir, &selection, threads, &Terminal::new())?;
    for chart in &written.charts {
        writeln!(out, "{}", chart.png().display())?;
        writeln!(out, "{}", chart.svg().display())?;
    }
    match &written.index {
        Some(index) => writeln!(out, "{}", index.display())?,
        None => say!(
            "note: index.html was left as it was (it shows every default chart); --kind and \
             --metric redraw only the charts they select, in charts/; `coprod plot {}` without \
             them redraws every chart and index.html",
            args.dir.display()
        ),
    }
    Ok(0)
}

pub(crate) fn compare(threads: usize, args: &CompareArgs, out: &mut impl Write) -> Result<u8> {
    let against = args.against.as_deref();
    let terminal = Terminal::new();
    // The published file is checked in full before comparison.csv or a chart is replaced.
    let published = match &args.published {
        Some(file) if args.dir.is_dir() => {
            Some(coprod_study::check_published(&args.dir, file, args.force)?)
        }
        _ => None,
    };
    let options = (args.force, threads);
    let written = coprod_study::compare(&args.dir, &args.metrics, against, options, &terminal)?;
    for path in written {
        writeln!(out, "{}", path.display())?;
    }
    if let Some(table) = published {
        coprod_study::write_published(&table)?;
        writeln!(out, "{}\n\n{table}", table.path.display())?;
    }
    Ok(0)
}

pub(crate) fn sensitivity(
    threads: usize,
    args: SensitivityArgs,
    out: &mut impl Write,
) -> Result<u8> {
    let study = Study::load(&args.scenario)?;
    let options = SensitivityOptions {
        out: args.out,
        settings: args.settings,
        threads,
        force: args.force,
    };
    let done = coprod_study::sensitivity(&study, &options, &Terminal::new())?;
    let took = coprod_study::human_duration(done.seconds);
    say!(
        "wrote {} from {} in {took}",
        match done.indices {
            1 => "1 index".to_string(),
            n => format!("{n} indices"),
        },
        counted(done.runs, "run")
    );
    writeln!(out, "{}", done.dir.display())?;
    Ok(0)
}

/// `validate --min-replications` when not given (lowered to `--max-replications` if that is
/// lower, so a small maximum alone is no contradiction).
const DEFAULT_MIN_REPLICATIONS: u32 = 10;

/// Verdicts are findings, not errors: the status is 0 whenever the table was written.
pub(crate) fn validate(threads: usize, args: ValidateArgs, out: &mut impl Write) -> Result<u8> {
    let engine = coprod_validate::Options {
        blocks: args.blocks,
        pilot: args.pilot,
        min_replications: args
            .min_replications
            .unwrap_or(DEFAULT_MIN_REPLICATIONS.min(args.max_replications)),
        max_replications: args.max_replications,
        decompose_replications: args.decompose_replications,
        robustness_points: args.robustness_points,
        robustness_replications: args.robustness_replications,
        robustness_all: args.robustness_all,
        ..coprod_validate::Options::new(&args.salt)
    };
    let options = ValidateOptions {
        engine,
        quick: args.quick,
        only: args.only,
        out: args.out,
        threads,
        force: args.force,
        shard: args.shard,
        command: pasteable_command(),
    };
    let validation = coprod_study::validate(&options, &Terminal::new())?;
    write!(out, "{validation}")?;
    writeln!(out, "{}", validation.dir.display())?;
    Ok(0)
}

/// The command line as given, to be pasted back into a shell: the program's name rather
/// than the path it was started from (so the record is the same on every machine), and each
/// argument quoted where the shell would split or expand it (`--salt "two words"`). An
/// argument that is not UTF-8 (a path) is written lossily rather than stopping the run.
fn pasteable_command() -> String {
    let words: Vec<String> = std::iter::once("coprod".to_string())
        .chain(
            std::env::args_os()
                .skip(1)
                .map(|a| a.to_string_lossy().into_owned()),
        )
        .collect();
    coprod_study::command_line(&words)
}

pub(crate) fn calibrate(threads: usize, args: CalibrateArgs, out: &mut impl Write) -> Result<u8> {
    let options = CalibrateOptions {
        scenario: args.scenario,
        targets: args.targets,
        out: args.out,
        seed: args.seed,
        threads,
        resume: args.resume,
        shard: args.shard,
    };
    if options.shard.is_some() {
        return calibrate_shard(&options, out);
    }
    match coprod_study::calibrate(&options, &Terminal::new())? {
        Calibrated::Wrote(calibration) => {
            writeln!(out, "{calibration}\n{}", calibration.dir.display())?;
        }
        Calibrated::AlreadyComplete { dir } => {
            say!(
                "{} is already complete: the calibration has stopped and its results are \
                 written",
                dir.display()
            );
            writeln!(out, "{}", dir.display())?;
        }
    }
    Ok(0)
}

fn calibrate_shard(options: &CalibrateOptions, out: &mut impl Write) -> Result<u8> {
    let dir = match coprod_study::calibrate_shard(options, &Terminal::new())? {
        ShardOutcome::Wrote {
            round,
            shard,
            shards,
            proposals,
            accepted,
            dir,
        } => {
            say!(
                "wrote shard {shard} of {shards} of round {} of generation {}: proposals {}-{}, \
                 {accepted} accepted; when every shard of the round is done, run `coprod merge \
                 {}`",
                round.round,
                round.generation,
                proposals.start,
                proposals.end.saturating_sub(1),
                dir.display()
            );
            dir
        }
        ShardOutcome::AlreadyDone { round, shard, dir } => {
            say!(
                "shard {shard} of round {} of generation {} is already done; run `coprod merge \
                 {}` when the others are",
                round.round,
                round.generation,
                dir.display()
            );
            dir
        }
        ShardOutcome::Finished { dir } => {
            say!(
                "the calibration has stopped: nothing left to run; `coprod merge {}` writes the \
                 results",
                dir.display()
            );
            dir
        }
    };
    writeln!(out, "{}", dir.display())?;
    Ok(0)
}

/// `coprod merge DIR` of a calibration run with `--shard`: in place.
pub(crate) fn merge_calibration(
    threads: usize,
    args: &crate::cli::MergeArgs,
    out: &mut impl Write,
) -> Result<u8> {
    let dir = &args.shards[0];
    if args.shards.len() > 1 {
        return Err(StudyError::Invalid(format!(
            "{} is a calibration: merge it alone (`coprod merge {}`); its shards are inside it",
            dir.display(),
            dir.display()
        )));
    }
    if let Some(o) = &args.out
        && o != dir
    {
        return Err(StudyError::Invalid(format!(
            "a calibration is merged in place, not into {}\n\nhint: coprod merge {}",
            o.display(),
            dir.display()
        )));
    }
    match coprod_study::merge_calibration(dir, threads, &Terminal::new())? {
        MergedCalibration::Finished {
            new_generations,
            calibration,
        } => {
            say!(
                "merged {}; the calibration has stopped",
                counted(new_generations, "generation")
            );
            writeln!(out, "{calibration}\n{}", calibration.dir.display())?;
        }
        MergedCalibration::Pending {
            new_generations,
            round,
            dir,
        } => {
            let split = round.shards.map_or_else(
                || "any number of shards".to_string(),
                |n| {
                    let missing: Vec<String> = round
                        .missing(n)
                        .iter()
                        .map(|i| format!("{i}/{n}"))
                        .collect();
                    format!(
                        "{} still to run: {}",
                        counted(missing.len(), "shard"),
                        missing.join(", ")
                    )
                },
            );
            say!(
                "merged {}; generation {} needs round {} (proposals {}-{}, {split}): run the \
                 shards again, then merge",
                counted(new_generations, "generation"),
                round.generation,
                round.round,
                round.block.start,
                round.block.end.saturating_sub(1)
            );
            writeln!(out, "{}", dir.display())?;
        }
    }
    Ok(0)
}

pub(crate) fn survey(threads: usize, args: SurveyArgs, out: &mut impl Write) -> Result<u8> {
    let options = SurveyOptions {
        scenario: args.scenario,
        horizon: args.horizon,
        sample: args.sample,
        out: args.out,
        threads,
    };
    let survey = coprod_study::survey(&options, &Terminal::new())?;
    writeln!(out, "{survey}\n{}", survey.dir.display())?;
    Ok(0)
}

pub(crate) fn slurm(args: SlurmArgs, out: &mut impl Write) -> Result<u8> {
    let (array, submit) = (args.array, args.submit);
    if submit && !on_path("sbatch") {
        // Checked before the job folder is written: a submission that cannot happen
        // leaves nothing behind.
        return Err(StudyError::Invalid(
            "--submit: `sbatch` is not on PATH, so nothing can be submitted; nothing was \
             written\n\nhint: run on a SLURM login node, or leave out --submit to write the \
             script and submit it there"
                .into(),
        ));
    }
    let options = SlurmOptions {
        scenario: args.scenario,
        array,
        partition: args.partition,
        time: args.time,
        cpus_per_task: args.cpus_per_task,
        out: args.out,
        replications: args.replications,
        seed: args.seed,
        settings: args.settings,
        quick: args.quick,
        metrics: args.metrics,
        force: args.force,
        replace_results: args.replace_results,
        coprod: std::env::current_exe().context("cannot find the coprod binary")?,
        cwd: std::env::current_dir().context("cannot read the working directory")?,
    };
    let written = match &args.targets {
        Some(targets) => coprod_study::slurm_calibration(&options, targets)?,
        None => coprod_study::slurm(&options)?,
    };
    announce(&written, array);
    let script = written.script.display();
    writeln!(out, "{script}")?;
    let submit_command = format!("bash {}", coprod_study::shell_quote(&script.to_string()));
    if !submit {
        let until = if written.calibration {
            "the calibration"
        } else {
            "the merge job"
        };
        say!(
            "submit it with:\n  {submit_command}\n(or `{submit_command} submit --wait` to block \
             until {until} has finished); every path in it must be on a filesystem the compute \
             nodes share"
        );
        return Ok(0);
    }
    let status = std::process::Command::new("bash")
        .arg(&written.script)
        .status()
        .with_context(|| format!("cannot run {submit_command}"))?;
    if !status.success() {
        let text = format!("submitting with `{submit_command}` failed ({status})");
        return Err(StudyError::Invalid(text));
    }
    Ok(0)
}

/// Whether an executable file `name` is in a folder of PATH.
fn on_path(name: &str) -> bool {
    use std::os::unix::fs::PermissionsExt;
    let Some(path) = std::env::var_os("PATH") else {
        return false;
    };
    std::env::split_paths(&path).any(|dir| {
        std::fs::metadata(dir.join(name))
            .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

/// What the script runs, and the warnings about the array's size.
fn announce(written: &coprod_study::SlurmScript, array: u64) {
    for note in &written.notes {
        say!("note: {note}");
    }
    for warning in &written.warnings {
        say!("warning: {warning}");
    }
    let (runs, script) = (written.runs, written.script.display());
    if written.calibration {
        say!(
            "wrote {script}: a calibration job of {array} tasks, each a shard of every round, \
             merged after each round into {}",
            written.out.display()
        );
        return;
    }
    say!(
        "wrote {script}: {} in {} of at most {} each, then a merge job into {}",
        counted(runs, "run"),
        counted(array, "array task"),
        counted(runs.div_ceil(array), "run"),
        written.out.display()
    );
    if array > 1001 {
        say!(
            "warning: {array} array tasks exceed SLURM's default MaxArraySize (1001); use a \
             smaller --array, each task then takes more runs"
        );
    }
}
