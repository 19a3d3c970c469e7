//! `coprod run`, `coprod teach` and `coprod merge`: options to `coprod-study`, and what each
//! prints (the run directory on stdout; what was written, and any failed runs, on stderr).

use std::io::{self, Write};
use std::path::Path;

use coprod_report::counted;
use coprod_study::{
    DEFAULT_SCENARIO, Lesson, Result, ResumedBy, RunOptions, RunSummary, Study, StudyError,
    TeachOptions,
};
use coprod_sweep::Faults;

use crate::cli::{self, MergeArgs, RunArgs, TeachArgs};
use crate::progress::Terminal;

/// Environment variable naming runs that fail on purpose (testing aid, docs/errors.md).
const FAULT_INJECT: &str = "COPROD_FAULT_INJECT";

/// Exit status when the run finished but some runs failed (docs/errors.md).
pub(crate) const SOME_RUNS_FAILED: u8 = 3;

pub(crate) fn run(threads: usize, args: RunArgs, out: &mut impl Write) -> Result<u8> {
    let study = match &args.scenario {
        Some(arg) => {
            let study = Study::load(arg)?;
            // The file as `coprod check` judges it, before `--set` and `--quick` change it.
            coprod_study::refuse_invalid_analysis(study.scenario())?;
            study
        }
        None => {
            say!(
                "no scenario given: running a quick version of the `{DEFAULT_SCENARIO}` teaching \
                 scenario (`coprod run {DEFAULT_SCENARIO}` runs it in full)"
            );
            Study::default_lesson()?
        }
    };
    let options = RunOptions {
        out: args.out,
        default_name: None,
        replications: args.replications,
        seed: args.seed,
        threads,
        settings: args.settings,
        force: args.force,
        resume: args.resume,
        quick: args.quick,
        metrics: args.metrics,
        against: args.against,
        target_ci: args.target_ci,
        max_replications: args.max_replications,
        shard: args.shard,
        faults: faults()?,
        resumed_by: ResumedBy::Run,
    };
    let summary = study.run(&options, &Terminal::new())?;
    report(&summary, out)
}

/// Runs made to fail or stall on purpose, from `COPROD_FAULT_INJECT` (a testing aid).
fn faults() -> Result<Faults> {
    match std::env::var(FAULT_INJECT) {
        Ok(text) => text
            .parse()
            .map_err(|e| StudyError::Invalid(format!("invalid {FAULT_INJECT}={text}: {e}"))),
        Err(_) => Ok(Faults::default()),
    }
}

/// What a run wrote: its directory on stdout, the rest on stderr; the exit status.
fn report(s: &RunSummary, out: &mut impl Write) -> Result<u8> {
    let dir = s.dir.display();
    if s.already_complete {
        say!("{dir} is already complete: no run is left to do");
    } else if let Some(shard) = &s.shard {
        say!(
            "wrote shard {} of {} ({} of {}); merge every shard with `coprod merge`",
            shard.index,
            shard.count,
            shard.describe_runs(),
            shard.total_runs
        );
    } else {
        let took = coprod_study::human_duration(s.seconds);
        // With failures the warning below says how many of them runs.csv holds.
        let verb = if s.failed == 0 { "wrote" } else { "ran" };
        say!("{verb} {} in {took}", counted(s.ran, "run"));
    }
    writeln!(out, "{dir}")?;
    if s.failed == 0 {
        return Ok(0);
    }
    let failures = s.failures_csv();
    match &s.shard {
        Some(shard) => say!(
            "warning: {} of the shard's {} failed; {} lists them",
            s.failed,
            counted(shard.runs, "run"),
            failures.display()
        ),
        None => failed_runs(s.failed, s.runs, &failures),
    }
    Ok(SOME_RUNS_FAILED)
}

fn failed_runs(failed: u64, runs: u64, failures: &Path) {
    say!(
        "warning: {failed} of {} failed; {} lists them with their seeds and parameters",
        counted(runs, "run"),
        failures.display()
    );
}

pub(crate) fn teach(threads: usize, args: TeachArgs, out: &mut impl Write) -> Result<u8> {
    let options = TeachOptions {
        out: args.out,
        replications: args.replications,
        quick: args.quick,
        settings: args.settings,
        force: args.force,
        resume: args.resume,
        faults: faults()?,
        ..TeachOptions::new(lesson(args.lesson), threads)
    };
    let lesson = coprod_study::teach(&options, &Terminal::new())?;
    let status = report(&lesson.run, &mut io::sink())?;
    match (lesson.page, lesson.no_page) {
        (Some(page), _) => {
            say!("open {} in a browser", page.display());
            writeln!(out, "{}", page.display())?;
        }
        (None, Some(why)) => {
            // The runs finished but the page cannot be drawn from them: like failed runs, a
            // finished lesson without its page (status 3), the runs kept.
            say!(
                "warning: no teach.html: the {} complete in {}, but the page cannot be \
                 drawn from them: {why}\n\nhint: index.html and the CSV files there show what \
                 the runs did",
                match lesson.run.runs {
                    1 => "1 run is".to_string(),
                    n => format!("{n} runs are"),
                },
                lesson.run.dir.display()
            );
            return Ok(SOME_RUNS_FAILED);
        }
        (None, None) => say!(
            "no teach.html: a lesson's page is not drawn from an incomplete experiment ({} of \
             {} failed)",
            lesson.run.failed,
            counted(lesson.run.runs, "run")
        ),
    }
    Ok(status)
}

pub(crate) fn lesson(lesson: cli::Lesson) -> Lesson {
    match lesson {
        cli::Lesson::GroupSize => Lesson::GroupSize,
    }
}

pub(crate) fn merge(threads: usize, args: &MergeArgs, out: &mut impl Write) -> Result<u8> {
    coprod_study::check_one_kind(&args.shards)?;
    if coprod_study::is_calibration(&args.shards[0]) {
        return crate::commands::merge_calibration(threads, args, out);
    }
    let Some(merged_dir) = &args.out else {
        return Err(StudyError::Invalid(
            "coprod merge needs --out DIR for the merged run\n\nhint: coprod merge SHARD_DIR... \
             --out DIR"
                .into(),
        ));
    };
    if coprod_study::is_validation_result(&args.shards[0]) {
        let dir =
            coprod_study::merge_validation(&args.shards, merged_dir, args.force, &Terminal::new())?;
        say!("merged {}", counted(args.shards.len(), "validation shard"));
        writeln!(out, "{}", dir.display())?;
        return Ok(0);
    }
    let merged = coprod_study::merge(
        &args.shards,
        merged_dir,
        (args.force, threads),
        &Terminal::new(),
    )?;
    say!(
        "merged {} ({}) of {}",
        counted(merged.shards, "shard"),
        counted(merged.runs, "run"),
        merged.scenario
    );
    writeln!(out, "{}", merged.dir.display())?;
    if merged.failed == 0 {
        return Ok(0);
    }
    let failures = merged.dir.join(coprod_output::FAILURES_CSV);
    failed_runs(merged.failed, merged.runs, &failures);
    Ok(SOME_RUNS_FAILED)
}
