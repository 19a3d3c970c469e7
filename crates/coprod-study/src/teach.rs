//! `coprod teach group-size`: one command for a teacher. Runs the shipped `group-size`
//! scenario (five service regimes) as `coprod run` would, then writes `teach.html` into
//! the run directory. Also what the classroom server's Experiment page runs.
//!
//! Owns the lesson's defaults (scenario, output folder); the analysis and page are
//! `coprod-report`'s.

use std::path::{Path, PathBuf};

use coprod_report::{RunData, SIZE_PARAM, write_teach_page};
use coprod_scenario::Setting;
use coprod_sweep::Faults;

use crate::error::{Context, Result, bail};
use crate::progress::Progress;
use crate::run::{ResumedBy, RunOptions, RunSummary, Study};
use crate::shipped::with_experiment_options;

/// The lessons of `coprod teach`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lesson {
    /// Which group size lasts best, in five service regimes.
    GroupSize,
}

impl Lesson {
    /// The shipped scenario the lesson runs.
    pub fn scenario(self) -> &'static str {
        match self {
            Lesson::GroupSize => "group-size",
        }
    }
}

/// How to run a lesson.
#[derive(Clone, Debug)]
pub struct TeachOptions {
    /// The lesson.
    pub lesson: Lesson,
    /// Output directory [default: outputs/<scenario>-teach, numbered if taken].
    pub out: Option<PathBuf>,
    /// Replications per group size and regime (overrides the scenario).
    pub replications: Option<u32>,
    /// Shrink the runs for a quick look.
    pub quick: bool,
    /// `--set KEY=VALUE` settings.
    pub settings: Vec<Setting>,
    /// Worker threads.
    pub threads: usize,
    /// Replace the output directory if it exists.
    pub force: bool,
    /// Finish an interrupted lesson (its runs, then the page).
    pub resume: bool,
    /// Runs that fail on purpose (testing aid).
    pub faults: Faults,
}

impl TeachOptions {
    /// The lesson with the scenario's own settings into a new directory, on `threads`.
    pub fn new(lesson: Lesson, threads: usize) -> TeachOptions {
        TeachOptions {
            lesson,
            out: None,
            replications: None,
            quick: false,
            settings: Vec::new(),
            threads,
            force: false,
            resume: false,
            faults: Faults::default(),
        }
    }
}

/// What a lesson wrote.
#[derive(Clone, Debug)]
pub struct Lessoned {
    /// The run of the lesson's scenario.
    pub run: RunSummary,
    /// teach.html in the run directory; `None` when some runs failed (no page is written
    /// from an incomplete experiment).
    pub page: Option<PathBuf>,
}

/// Runs a lesson and writes its page.
pub fn teach(options: &TeachOptions, progress: &dyn Progress) -> Result<Lessoned> {
    let name = options.lesson.scenario();
    let study = Study::load(name)?;
    check_lesson(&study, options)?;
    let out = lesson_dir(options)?;
    let run_options = RunOptions {
        out: Some(out),
        replications: options.replications,
        threads: options.threads,
        settings: options.settings.clone(),
        quick: options.quick,
        force: options.force,
        resume: options.resume,
        resumed_by: ResumedBy::Teach,
        faults: options.faults.clone(),
        ..RunOptions::default()
    };
    let mut run = study.run(&run_options, progress)?;
    // A directory that was already complete ran nothing now; its manifest says whether the
    // experiment is whole.
    if run.already_complete {
        run.failed = recorded_failures(&run.dir);
    }
    if run.failed > 0 {
        return Ok(Lessoned { run, page: None });
    }
    // The data the run's own report was drawn from, or, when this invocation drew none (the
    // lesson was already complete), the directory's files.
    let data = match run.report.take() {
        Some(data) => data,
        None => RunData::load(&run.dir)?,
    };
    let page = write_teach_page(&data)
        .with_context(|| format!("cannot write the teaching page in {}", run.dir.display()))?;
    Ok(Lessoned {
        run,
        page: Some(page),
    })
}

/// The lesson's folder: `--out`; without it a new numbered `outputs/<scenario>-teach`, or,
/// with `--resume`, the interrupted lesson among those folders.
fn lesson_dir(options: &TeachOptions) -> Result<PathBuf> {
    let outputs = Path::new("outputs");
    let name = format!("{}-teach", options.lesson.scenario());
    match (&options.out, options.resume) {
        (Some(dir), _) => Ok(dir.clone()),
        (None, false) => Ok(coprod_output::default_run_dir(outputs, &name)),
        (None, true) => match coprod_output::resumable_run_dir(outputs, &name) {
            Some(dir) => Ok(dir),
            None => bail!(
                "there is no interrupted lesson in outputs/{name} (or its numbered copies) to \
                 resume\n\nhint: give the lesson's folder with --out DIR (the command printed \
                 when it was interrupted has it)"
            ),
        },
    }
}

/// Failed runs of a finished directory: what its manifest.json records, and at least one
/// when it has a failures.csv, so that no page is drawn from a directory that lists failed
/// runs whatever its manifest says (or if it cannot be read).
fn recorded_failures(dir: &Path) -> u64 {
    let recorded = coprod_output::read::read_manifest(dir)
        .ok()
        .flatten()
        .and_then(|manifest| manifest.get("failed_runs")?.as_u64())
        .unwrap_or(0);
    let listed = u64::from(dir.join(coprod_output::FAILURES_CSV).is_file());
    recorded.max(listed)
}

/// Refuses options that would leave the lesson without its size sweep, before anything is
/// run or written (the page needs `levers.group_size_cap` swept over at least two sizes).
fn check_lesson(study: &Study, options: &TeachOptions) -> Result<()> {
    let name = options.lesson.scenario();
    let mut scenario = study.scenario().clone();
    let settings = with_experiment_options(&options.settings, options.replications, None);
    scenario.apply_settings(&settings)?;
    let sizes = scenario
        .sweep
        .iter()
        .find(|a| a.name() == SIZE_PARAM)
        .map_or(0, |a| a.values.len());
    if sizes < 2 || scenario.sweep.len() != 1 {
        bail!(
            "the lesson compares group sizes, so it needs `{SIZE_PARAM}` swept over at least two \
             sizes and nothing else swept; these options leave {sizes} size(s)\n\nhint: drop \
             `--set {SIZE_PARAM}=...`; to look at one size, use `coprod run {name} --set \
             {SIZE_PARAM}=N`"
        );
    }
    Ok(())
}
