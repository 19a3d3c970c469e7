//! `coprod run`: resolve the scenario and options, run every RunSpec in parallel, and
//! stream the results into a new run directory, or finish an interrupted one (`--resume`).
//!
//! Owns the glue between scenario, sweep and output crates, the hints for output errors,
//! cancellation between runs and the count of failed runs (exit status 3 of the command
//! line, see docs/errors.md). Progress goes to a [`Progress`]; nothing is printed.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use coprod_core::{Detail, METRICS, RunOutput};
use coprod_output::read::GroupRow;
use coprod_output::{
    Existing, Identity, Manifest, OutputError, RunIdentity, ShardInfo, Waiting, Writer,
};
use coprod_report::{RunData, Tally};
use coprod_scenario::{BASELINE, Scenario, Setting};
use coprod_sweep::{Event, Faults, Runner};

use crate::error::{Context, Result, StudyError, bail, display_path, invalid};
use crate::progress::{Note, Progress};
use crate::resume::{Resumable, RunWords, resume_command};
use crate::shard_arg::ShardArg;
use crate::shipped::{self, with_experiment_options};
use crate::{compare, estimate, finish, shard};

/// Where default output directories go, relative to the working directory.
pub(crate) const OUTPUTS: &str = "outputs";

/// How a hint names a way to another output directory: "another --out DIR" when `--out`
/// was `given` (the same one would be refused again), else "--out DIR".
pub fn another_out(given: bool) -> &'static str {
    if given {
        "another --out DIR"
    } else {
        "--out DIR"
    }
}

/// Refuses an output directory that is a file: the commands that write a folder of their
/// own say so plainly instead of calling the file a directory that "already exists".
/// `given`: it was named with `--out` (else it is the command's default folder).
pub(crate) fn refuse_file_as_out(out: &Path, given: bool) -> Result<()> {
    if out.is_file() {
        bail!(
            "{} {} is a file, not a directory\n\nhint: choose a directory with {}",
            if given { "--out" } else { "output directory" },
            out.display(),
            another_out(given)
        );
    }
    Ok(())
}

/// A scenario ready to run: a shipped scenario or a file, as named on the command line.
#[derive(Clone, Debug)]
pub struct Study {
    scenario: Scenario,
    /// The SCENARIO argument it was loaded from; `None` for the default lesson.
    source: Option<String>,
}

impl Study {
    /// Reads a scenario from an existing file path, or else from the shipped scenarios.
    pub fn load(source: &str) -> Result<Study> {
        Ok(Study {
            scenario: shipped::load(source)?,
            source: Some(source.to_string()),
        })
    }

    /// The scenario `coprod run` runs when given none (always quick).
    pub fn default_lesson() -> Result<Study> {
        Ok(Study {
            scenario: shipped::load(shipped::DEFAULT_SCENARIO)?,
            source: None,
        })
    }

    /// The scenario as read (before the run's settings).
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }

    /// Runs the study into a run directory (see [`RunOptions`]) and finishes it: every
    /// CSV, parameters.csv, comparison.csv for a scenario with variants, the charts and
    /// index.html, manifest.json; or, with a shard, a shard directory for
    /// [`crate::merge()`]. Runs that fail are listed in failures.csv and counted in the
    /// summary, not returned as errors.
    pub fn run(&self, options: &RunOptions, progress: &dyn Progress) -> Result<RunSummary> {
        run(self, options, progress)
    }
}

/// How to run a study; [`RunOptions::default`] is a fresh run on one thread into a new
/// numbered directory under `outputs/`.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Output directory (default: `outputs/<default_name>`, numbered if taken).
    pub out: Option<PathBuf>,
    /// The name of the default output folder under `outputs/` when there is no `--out`
    /// (default: the scenario's name; a lesson's is `<scenario>-teach`).
    pub default_name: Option<String>,
    /// Replications per variant and sweep point (overrides the scenario).
    pub replications: Option<u32>,
    /// Base seed (overrides the scenario).
    pub seed: Option<u64>,
    /// Worker threads. Outputs are identical for any value.
    pub threads: usize,
    /// `--set KEY=VALUE` settings.
    pub settings: Vec<Setting>,
    /// Replace the output directory if it exists (or discard an interrupted run of it).
    pub force: bool,
    /// Finish an interrupted run: keep the runs it saved and run only what is missing.
    pub resume: bool,
    /// Shrink the runs for a quick look.
    pub quick: bool,
    /// Metrics compared in comparison.csv and checked by `target_ci` [default: the key
    /// metrics of docs/comparison.md].
    pub metrics: Vec<String>,
    /// The reference variant of comparison.csv [default: baseline].
    pub against: Option<String>,
    /// Add replications until every compared 95% CI half-width is at most this.
    pub target_ci: Option<f64>,
    /// Cap on replications for `target_ci`.
    pub max_replications: u32,
    /// Run only one shard of the runs.
    pub shard: Option<ShardArg>,
    /// Runs that fail on purpose (testing aid; `COPROD_FAULT_INJECT` on the command line).
    pub faults: Faults,
    /// The command that an interruption's message tells the user to repeat with `--resume`.
    pub resumed_by: ResumedBy,
}

/// The command that finishes an interrupted run directory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResumedBy {
    /// `coprod run ... --resume`.
    Run,
    /// `coprod teach ... --resume`, which also writes the lesson's page after the runs.
    Teach,
}

impl ResumedBy {
    fn subcommand(self) -> &'static str {
        match self {
            ResumedBy::Run => "run",
            ResumedBy::Teach => "teach",
        }
    }
}

impl Default for RunOptions {
    fn default() -> RunOptions {
        RunOptions {
            out: None,
            default_name: None,
            replications: None,
            seed: None,
            threads: 1,
            settings: Vec::new(),
            force: false,
            resume: false,
            quick: false,
            metrics: Vec::new(),
            against: None,
            target_ci: None,
            max_replications: 100,
            shard: None,
            faults: Faults::default(),
            resumed_by: ResumedBy::Run,
        }
    }
}

/// What a run wrote.
#[derive(Clone, Debug)]
pub struct RunSummary {
    /// The finished run (or shard) directory.
    pub dir: PathBuf,
    /// Runs of the directory.
    pub runs: u64,
    /// Runs run now (fewer than `runs` after a resume).
    pub ran: u64,
    /// Runs that failed (listed in failures.csv).
    pub failed: u64,
    /// The directory was already complete: `resume` had nothing to do.
    pub already_complete: bool,
    /// The shard written, for a sharded run.
    pub shard: Option<ShardInfo>,
    /// Wall time of the whole command, in seconds.
    pub seconds: f64,
    /// What the directory's charts and index.html were drawn from, when this invocation
    /// drew them (not for a shard or a directory that was already complete).
    pub(crate) report: Option<RunData>,
}

impl RunSummary {
    /// failures.csv of the directory.
    pub fn failures_csv(&self) -> PathBuf {
        self.dir.join(coprod_output::FAILURES_CSV)
    }
}

/// The scenario with the run's settings applied, and what the rest of the run needs.
struct Prepared {
    scenario: Scenario,
    quick: bool,
    settings: Vec<Setting>,
    metrics: Vec<String>,
    against: String,
    adaptive: Option<compare::Adaptive>,
}

fn prepare(study: &Study, o: &RunOptions, progress: &dyn Progress) -> Result<Prepared> {
    let mut scenario = study.scenario.clone();
    let quick = o.quick || study.source.is_none();
    let settings = with_experiment_options(&o.settings, o.replications, o.seed)?;
    for note in scenario.apply_settings(&settings)? {
        progress.note(Note::Note(note));
    }
    if quick {
        crate::shipped::make_quick(&mut scenario, &settings)?;
        for warning in crate::shipped::quick_lowered_settings(&scenario, &settings) {
            progress.note(Note::Warning(warning));
        }
    }
    for warning in scenario.naming_the_file(scenario.warnings()) {
        progress.note(Note::Warning(warning));
    }
    // A shard draws no report: `coprod merge` does, and checks its memory.
    let report = o.shard.is_none();
    if let Some((problem, hint)) = estimate::run_memory_refusal(&scenario, o.threads, report) {
        bail!("{}: {problem}\n\nhint: {hint}", scenario.origin);
    }
    shard::check_options(o.shard.is_some(), o.target_ci.is_some())?;
    let metrics = compare::metrics(&o.metrics, &scenario.report_metrics, scenario.runs_lab())?;
    for warning in compare::option_warnings(&scenario, &o.metrics, o.against.is_some()) {
        progress.note(Note::Warning(warning));
    }
    let against = o.against.clone().unwrap_or_else(|| BASELINE.to_string());
    if !scenario.variants.iter().any(|v| v.name == against) {
        let names: Vec<&str> = scenario.variants.iter().map(|v| v.name.as_str()).collect();
        bail!(
            "--against {against}: scenario `{}` has no variant `{against}`\n\nhint: use one of {}",
            scenario.name,
            names.join(", ")
        );
    }
    if let Some(w) = o.target_ci
        && !(w.is_finite() && w > 0.0)
    {
        bail!(
            "invalid value {} for --target-ci: allowed is a finite number above 0",
            coprod_core::readable(w)
        )
    }
    Ok(Prepared {
        scenario,
        quick,
        settings,
        metrics,
        against,
        adaptive: None,
    })
}

/// `--target-ci`: the pilot that chooses the number of replications, which then become the
/// scenario's.
fn run_pilot(o: &RunOptions, p: &mut Prepared, width: f64, progress: &dyn Progress) -> Result<()> {
    progress.on_interrupt(
        "interrupted during the pilot of --target-ci: its runs are not kept, and nothing was \
         written; give the same command again to start over",
    );
    let pilot = Runner::new(o.threads)?;
    let limits = (width, o.max_replications);
    let adaptive = compare::adaptive_replications(
        &p.scenario,
        &pilot,
        &p.metrics,
        &p.against,
        limits,
        progress,
    )?;
    progress.note(Note::Status(format!(
        "--target-ci: {} after {} replications; writing them into the output directory",
        adaptive.stopped_because, adaptive.replications
    )));
    p.scenario.choose_replications(adaptive.replications)?;
    p.adaptive = Some(adaptive);
    Ok(())
}

/// Refuses an output directory that could not be made once the pilot of `--target-ci` is
/// done (a read-only folder): the folder it goes in must let a file be written in it
/// ([`probe_write`]).
fn check_can_create(target: &Path) -> Result<(), OutputError> {
    let folder = target
        .ancestors()
        .skip(1)
        .map(|a| {
            if a.as_os_str().is_empty() {
                Path::new(".")
            } else {
                a
            }
        })
        .find(|a| a.is_dir());
    let Some(folder) = folder else {
        return Ok(());
    };
    probe_write(folder).map_err(|e| OutputError::CannotCreate {
        path: target.to_path_buf(),
        reason: e.to_string(),
    })
}

/// Makes and removes a file in `dir`: whether this process may write there (a folder of
/// another user's, or read-only, refuses it), before work whose results would go there.
pub(crate) fn probe_write(dir: &Path) -> std::io::Result<()> {
    let probe = dir.join(format!(".coprod-probe.{}", std::process::id()));
    std::fs::write(&probe, "")?;
    std::fs::remove_file(&probe)
}

/// Checks the output directory before the pilot of `--target-ci`, which can take long: a
/// target the run would refuse (it exists, is no run directory, an interrupted run waits
/// in it) is refused now, and `--resume` of a finished directory says so without running
/// the pilot again (the manifest records the replications the pilot chose). Returns the
/// summary of the latter. With an interrupted run to resume, the pilot runs first: the
/// run's identity depends on the replications it chooses.
fn check_before_pilot(
    o: &RunOptions,
    p: &Prepared,
    target: &Path,
    clock: Instant,
) -> Result<Option<RunSummary>> {
    if !o.resume {
        coprod_output::RunDir::check(target, existing(o)).map_err(explain)?;
        check_can_create(target).map_err(explain)?;
        return Ok(None);
    }
    if coprod_output::partial_dir(target).is_dir() {
        return Ok(None);
    }
    let nothing = || {
        explain(OutputError::NothingToResume {
            path: target.to_path_buf(),
        })
    };
    // A manifest.json that does not parse is named, as a plain `--resume` names it.
    let replications = manifest_to_resume(target, RUN_ELSEWHERE)?
        .and_then(|m| m.pointer("/experiment/replications")?.as_u64())
        .and_then(|r| u32::try_from(r).ok())
        .ok_or_else(nothing)?;
    let mut scenario = p.scenario.clone();
    scenario.choose_replications(replications)?;
    let runs = scenario.n_runs();
    if !is_complete(target, &identity(&scenario, None, runs), o.resumed_by)? {
        return Err(nothing());
    }
    Ok(Some(already_complete(
        target.to_path_buf(),
        runs,
        None,
        clock,
    )))
}

/// What `--force` asks of an existing output directory.
fn existing(o: &RunOptions) -> Existing {
    Existing::forced(coprod_output::Kind::Run, o.force)
}

/// `--force` must not delete the scenario file being run (one kept in its results folder).
fn check_scenario_outside(study: &Study, o: &RunOptions, target: &Path) -> Result<()> {
    let inputs: Vec<&Path> = study.source.iter().map(Path::new).collect();
    existing(o)
        .check_inputs_outside(target, &inputs)
        .map_err(explain)
}

/// The run's directory: `--out`, a shard's place, or a default folder
/// ([`default_target`]); with it, the interrupted runs of other options that a new run
/// passes over (to be named).
fn target_dir(
    o: &RunOptions,
    scenario: &Scenario,
    shard: Option<&ShardInfo>,
    ours: Ours<'_>,
) -> Result<(PathBuf, Vec<Waiting>)> {
    let outputs = Path::new(OUTPUTS);
    match (&o.out, shard) {
        (Some(dir), _) => Ok((dir.clone(), Vec::new())),
        (None, Some(s)) => Ok((shard::default_dir(outputs, &scenario.name, s), Vec::new())),
        (None, None) => {
            let name = o.default_name.as_deref().unwrap_or(&scenario.name);
            default_target(outputs, name, o.resume, ours)
        }
    }
}

/// What a run is, to find its interrupted run among the default folders: its identity,
/// and whether `--target-ci`'s pilot is still to choose its replications (then a run that
/// differs only in them, and so in its fingerprint and number of runs, may be its own).
#[derive(Clone, Copy)]
struct Ours<'a> {
    identity: &'a Identity,
    pilot_to_come: bool,
}

impl Ours<'_> {
    /// Whether the interrupted run that recorded `found` is this run.
    fn is(&self, found: &Identity) -> bool {
        let ours = self.identity;
        if found.coprod_version != ours.coprod_version {
            return false;
        }
        if !self.pilot_to_come {
            return found.scenario_hash == ours.scenario_hash && found.runs == ours.runs;
        }
        let but_replications = |recipe: &[(String, String)]| -> Vec<(String, String)> {
            recipe
                .iter()
                .filter(|(k, _)| k != "experiment.replications")
                .cloned()
                .collect()
        };
        !found.recipe.is_empty()
            && but_replications(&found.recipe) == but_replications(&ours.recipe)
    }
}

/// The default folder of a run, `outputs/<name>` numbered `-2`, `-3`, ...: the folder of
/// an interrupted run of the same options (`ours`), which `--resume` finishes and a new run
/// is refused (its saved runs must not be lost by accident); else, for a new run, the first
/// name that is free, passing over interrupted runs of other options, which are returned.
/// A `--resume` that finds only runs of other options is refused, naming them.
fn default_target(
    outputs: &Path,
    name: &str,
    resume: bool,
    ours: Ours<'_>,
) -> Result<(PathBuf, Vec<Waiting>)> {
    let (mine, others): (Vec<Waiting>, Vec<Waiting>) = coprod_output::waiting_runs(outputs, name)
        .into_iter()
        .partition(|w| w.identity.as_ref().is_some_and(|found| ours.is(found)));
    if let Some(waiting) = mine.into_iter().next() {
        return Ok((waiting.target, Vec::new()));
    }
    if !resume {
        // A partial directory without partial.json is debris of a start cut short, which
        // the new run clears.
        let free = std::iter::once(outputs.join(name))
            .chain((2u64..).map(|k| outputs.join(format!("{name}-{k}"))))
            .find(|t| {
                !t.exists()
                    && !coprod_output::partial_dir(t)
                        .join(coprod_output::PARTIAL_JSON)
                        .exists()
            })
            .expect("some numbered folder name is free");
        return Ok((free, others));
    }
    if others.is_empty() {
        // Nothing waits: the resume of outputs/<name> says whether it is complete.
        return Ok((outputs.join(name), Vec::new()));
    }
    Err(none_of_these(name, &others, ours.identity))
}

/// What a new run in the default folder `target` says of an interrupted run of other
/// options that it passed over: it is kept, what it was started with and how to finish it.
fn passed_over_note(waiting: &Waiting, ours: &Identity, target: &Path) -> String {
    format!(
        "this run goes to {}: an interrupted run of other options is waiting in {} and is \
         kept (it {}); finish it with {}",
        target.display(),
        coprod_output::partial_dir(&waiting.target).display(),
        started_with(waiting, ours),
        finish_with(waiting)
    )
}

/// The refusal of a `--resume` without `--out` whose options none of the interrupted runs
/// `others` of scenario `name` was started with: each, what differs and how to finish it.
/// `--force` is not offered: it would discard another experiment's runs.
fn none_of_these(name: &str, others: &[Waiting], ours: &Identity) -> StudyError {
    let listed: Vec<String> = others
        .iter()
        .map(|w| format!("  {}", differs(w, ours)))
        .collect();
    invalid!(
        "no interrupted run of {name} under {OUTPUTS}/ was started with this run's \
         options:\n{}\n\nhint: finish one of them with its command (the options it was \
         started with), or run without --resume to start this run in a new folder",
        listed.join("\n")
    )
}

/// What a waiting run of other options than this one's (`ours`) was started with, in
/// words, and the command that finishes it.
fn differs(waiting: &Waiting, ours: &Identity) -> String {
    format!(
        "{} {}; finish it with {}",
        coprod_output::partial_dir(&waiting.target).display(),
        started_with(waiting, ours),
        finish_with(waiting)
    )
}

/// How a waiting run differs from this one (`ours`): "was started with X, but this run
/// has Y" when its recipe says.
fn started_with(waiting: &Waiting, ours: &Identity) -> String {
    let Some(found) = &waiting.identity else {
        return "has a partial.json that does not read".into();
    };
    if found.coprod_version != ours.coprod_version {
        return format!("was started by coprod {}", found.coprod_version);
    }
    match coprod_output::recipe_differences(&found.recipe, &ours.recipe) {
        Some((then, now)) => format!("was started with {then}, but this run has {now}"),
        None => "was started with other options".into(),
    }
}

/// The command that finishes a waiting run, as recorded when it started (or, from a
/// coprod that did not record it, what it must have).
fn finish_with(waiting: &Waiting) -> String {
    match waiting.identity.as_ref().and_then(|i| i.command.as_ref()) {
        Some(command) => format!("`{command}`"),
        None => format!(
            "`--out {} --resume` and the options it was started with",
            waiting.target.display()
        ),
    }
}

/// The writer of a new run directory, or of the one to resume; `None` when the directory
/// to resume is already complete.
fn open_writer(
    o: &RunOptions,
    p: &Prepared,
    (target, identity): (&Path, &Identity),
    shard: Option<&ShardInfo>,
) -> Result<Option<Writer>> {
    let existing = existing(o);
    let swept: Vec<String> = p
        .scenario
        .sweep
        .iter()
        .map(|a| a.name().to_string())
        .collect();
    if !o.resume {
        return Writer::create_resumable(target, swept, existing, Some(identity))
            .map(Some)
            .map_err(explain);
    }
    // The saved runs are checked as `coprod merge` checks a shard's before anything runs:
    // a damaged partial directory is refused, and kept, rather than finished without its
    // charts.
    let named = |run_id: u64| crate::merge::run_identity(&p.scenario, run_id);
    let saved = coprod_output::Saved {
        first_run: shard::block(shard, &p.scenario).0,
        steps: u64::from(p.scenario.steps),
        identity: &named,
    };
    match Writer::resume(target, swept, existing, identity, &saved) {
        Ok(writer) => Ok(Some(writer)),
        Err(OutputError::NothingToResume { .. })
            if match shard {
                Some(s) => shard::is_complete(target, s)?,
                None => is_complete(target, identity, o.resumed_by)?,
            } =>
        {
            Ok(None)
        }
        // The partial directory is there (else NothingToResume): an interrupted `--force`
        // run, which only `--force --resume` finishes; `--force` alone would discard it.
        Err(err @ OutputError::Exists { other: None, .. }) => Err(invalid!(
            "{err}\n\nhint: add --force to --resume to finish the interrupted run waiting \
             in {} (only the missing runs are run) and then replace it; --force without \
             --resume would discard that run and start over",
            coprod_output::partial_dir(target).display()
        )),
        Err(err) => Err(explain_for(err, o.resumed_by)),
    }
}

fn run(study: &Study, o: &RunOptions, progress: &dyn Progress) -> Result<RunSummary> {
    let started = SystemTime::now();
    let clock = Instant::now();
    let mut p = prepare(study, o, progress)?;
    if let Some(width) = o.target_ci {
        // --target-ci cannot be sharded (prepare checked): the target is --out or the
        // scenario's default.
        // Before the pilot the replications are not known: an interrupted run that differs
        // only in them may be this one.
        let before = identity(&p.scenario, None, p.scenario.n_runs());
        let ours = Ours {
            identity: &before,
            pilot_to_come: true,
        };
        let (target, _) = target_dir(o, &p.scenario, None, ours)?;
        check_scenario_outside(study, o, &target)?;
        if let Some(done) = check_before_pilot(o, &p, &target, clock)? {
            return Ok(done);
        }
        run_pilot(o, &mut p, width, progress)?;
    }
    let shard = resolve_shard(o, &p)?;
    let (first_run, n_runs) = shard::block(shard.as_ref(), &p.scenario);
    let mut identity = identity(&p.scenario, shard.as_ref(), n_runs);
    let ours = Ours {
        identity: &identity,
        pilot_to_come: false,
    };
    let (target, passed_over) = target_dir(o, &p.scenario, shard.as_ref(), ours)?;
    check_scenario_outside(study, o, &target)?;
    let resumable = resumable(study, o, &target, n_runs);
    identity.command = Some(resumable.command.clone());
    let Some(mut writer) = open_writer(o, &p, (&target, &identity), shard.as_ref())? else {
        return Ok(already_complete(target, n_runs, shard, clock));
    };
    for waiting in &passed_over {
        progress.note(Note::Note(passed_over_note(waiting, &identity, &target)));
    }
    progress.resumable(&resumable);
    let runner = Runner::new(o.threads)?;
    let skip = writer.runs_done();
    let kept = p.adaptive.as_mut().and_then(|a| a.outputs.take());
    let runs = (o.threads, first_run + skip, kept.is_some());
    announce(&p.scenario, runs, &resumable, skip, progress);
    let specs = missing_runs(&p.scenario, first_run + skip, n_runs - skip);
    let batch = Batch {
        scenario: &p.scenario,
        runner: &runner,
        faults: &o.faults,
        progress,
        resumable: &resumable,
    };
    // The report's aggregates are tallied as runs are written, on the writing thread while
    // the next chunk runs, when this sweep writes every run the charts show (a resumed run
    // has earlier runs only on disk; a shard draws no charts).
    let mut tally = (skip == 0 && shard.is_none())
        .then(|| Tally::new(METRICS.iter().map(|m| m.0.to_string()).collect()));
    let groupless = batch.run(specs, kept, n_runs - skip, &mut writer, tally.as_mut())?;

    warn_without_groups(&groupless, writer.runs_written(), skip, progress);
    let failed = writer.failed_runs();
    let group_rows = writer.group_rows();
    let mut manifest = run_manifest(o, &p, &writer, started, clock);
    let completed = writer
        .complete(manifest.experiment.steps)
        .with_context(|| format!("cannot finish {}", target.display()))
        .map_err(|e| runs_are_saved(e, &resumable))?;
    let mut summary = finished_summary(&target, n_runs, n_runs - skip, failed);
    if let Some(shard) = shard {
        let (dir, shard) =
            shard::finish(shard, completed, manifest, (failed, group_rows), progress)?;
        summary.dir = dir;
        summary.shard = Some(shard);
        summary.seconds = clock.elapsed().as_secs_f64();
        return Ok(summary);
    }
    manifest.adaptive = p.adaptive.as_ref().map(compare::Adaptive::to_json);
    // The charts are drawn with the same thread budget as the runs.
    let compared = (p.metrics.as_slice(), p.against.as_str());
    (summary.dir, summary.report) = runner
        .install(|| {
            finish::finish(
                completed,
                manifest,
                &p.scenario,
                compared,
                &target,
                tally,
                progress,
            )
        })
        .map_err(|e| runs_are_saved(e, &resumable))?;
    summary.seconds = clock.elapsed().as_secs_f64();
    Ok(summary)
}

/// The shard of the runs `--shard` asks for, if any.
fn resolve_shard(o: &RunOptions, p: &Prepared) -> Result<Option<ShardInfo>> {
    // With --shard, only a block of the runs (shard.rs); a shard resumes only itself.
    let recipe = (
        o.shard.as_ref(),
        o.settings.as_slice(),
        o.metrics.as_slice(),
        (p.against.as_str(), o.against.is_some()),
    );
    shard::resolve(recipe, &p.settings, &p.scenario, p.quick)
}

/// What the run directory must match to be resumed.
fn identity(scenario: &Scenario, shard: Option<&ShardInfo>, runs: u64) -> Identity {
    Identity {
        coprod_version: crate::VERSION.to_string(),
        scenario_hash: shard.map_or_else(|| scenario.fingerprint(), shard::identity_hash),
        runs,
        command: None,
        recipe: scenario
            .recipe()
            .into_iter()
            .chain(shard.map(|s| ("--shard".into(), format!("{}/{}", s.index, s.count))))
            .collect(),
    }
}

/// The summary of a `--resume` that found its directory already finished.
fn already_complete(
    target: PathBuf,
    runs: u64,
    shard: Option<ShardInfo>,
    clock: Instant,
) -> RunSummary {
    RunSummary {
        dir: target,
        runs,
        ran: 0,
        failed: 0,
        already_complete: true,
        shard,
        seconds: clock.elapsed().as_secs_f64(),
        report: None,
    }
}

/// How an interruption of this run is finished later.
fn resumable(study: &Study, o: &RunOptions, target: &Path, total: u64) -> Resumable {
    Resumable {
        after_runs: o.resumed_by == ResumedBy::Teach,
        command: resume_command(&run_words(study, o), target),
        target: target.to_path_buf(),
        total,
    }
}

/// Says what is about to run on `threads` threads from run `first` on, timed unless the
/// runs are `kept` from --target-ci's pilot (written, not run), and how much of it a resume
/// finds already done.
fn announce(
    scenario: &Scenario,
    (threads, first, kept): (usize, u64, bool),
    resumable: &Resumable,
    skip: u64,
    progress: &dyn Progress,
) {
    let what = if kept {
        estimate::describe_kept_runs(scenario)
    } else {
        estimate::describe_runs_to_run(scenario, threads, (first, resumable.total - skip))
    };
    progress.note(Note::Status(format!("{}: {what}", scenario.name)));
    if skip > 0 {
        progress.note(Note::Status(format!(
            "resuming {}: {skip} of {} are already done",
            display_path(&resumable.target),
            crate::estimate::counted(resumable.total, "run")
        )));
    }
}

/// The `count` runs of the scenario from run `first` on.
fn missing_runs(
    scenario: &Scenario,
    first: u64,
    count: u64,
) -> impl Iterator<Item = coprod_scenario::RunSpec<'_>> + Send {
    scenario
        .runs()
        .skip(usize::try_from(first).unwrap_or(usize::MAX))
        .take(usize::try_from(count).unwrap_or(usize::MAX))
}

/// Warns when runs other than lab runs never opened a co-production group, which usually
/// means odd parameters, naming the variants they belong to (a variant without
/// co-production by design explains itself); a resumed run does not warn.
fn warn_without_groups(groupless: &Groupless, written: u64, skip: u64, progress: &dyn Progress) {
    let total: u64 = groupless.iter().map(|(_, n)| n).sum();
    if total == 0 || skip > 0 {
        return;
    }
    let variants: Vec<String> = groupless
        .iter()
        .map(|(name, n)| format!("`{name}` {n}"))
        .collect();
    progress.note(Note::Warning(format!(
        "{total} of {written} runs never opened a co-production group (by variant: {}); \
         check the parameters if that is unexpected",
        variants.join(", ")
    )));
}

/// Per variant, in the order first met, how many of its runs (lab runs aside) never
/// opened a co-production group.
type Groupless = Vec<(String, u64)>;

/// Counts a written run that opened no group under its variant's name.
fn count_groupless(groupless: &mut Groupless, variant: &str) {
    match groupless.iter_mut().find(|(name, _)| name == variant) {
        Some((_, n)) => *n += 1,
        None => groupless.push((variant.to_string(), 1)),
    }
}

/// The run's manifest, short of what only the finish knows.
fn run_manifest(
    o: &RunOptions,
    p: &Prepared,
    writer: &Writer,
    started: SystemTime,
    clock: Instant,
) -> Manifest {
    let mut manifest =
        finish::manifest(&p.scenario, &p.settings, p.quick, started, clock, o.threads);
    manifest.failed_runs = writer.failed_runs();
    manifest.files = writer.files();
    manifest.timing.resumed_at_run = writer.resumed_at().filter(|n| *n > 0);
    manifest
}

/// The summary of a run that wrote its runs; the finish fills in the rest.
fn finished_summary(target: &Path, runs: u64, ran: u64, failed: u64) -> RunSummary {
    RunSummary {
        dir: target.to_path_buf(),
        runs,
        ran,
        failed,
        already_complete: false,
        shard: None,
        seconds: 0.0,
        report: None,
    }
}

/// An error after every run was saved (writing the summary, charts or manifest, or moving
/// the directory into place): the saved runs stay in the partial directory, and the message
/// says how to finish it once the cause (a full disk, say) is fixed.
fn runs_are_saved(err: StudyError, resumable: &Resumable) -> StudyError {
    let partial = coprod_output::partial_dir(&resumable.target);
    if !partial.is_dir() {
        return err;
    }
    invalid!(
        "{}\n\nhint: {} saved in {}; once the cause is fixed, finish with (no \
         run is repeated):\n  {}",
        crate::error::chain(&err),
        crate::estimate::all_runs_are(resumable.total),
        display_path(&partial),
        resumable.command
    )
}

/// The options the resume command repeats.
pub(crate) fn run_words<'a>(study: &'a Study, o: &'a RunOptions) -> RunWords<'a> {
    RunWords {
        subcommand: o.resumed_by.subcommand(),
        scenario: study.source.as_deref(),
        replications: o.replications,
        seed: o.seed,
        settings: &o.settings,
        quick: o.quick,
        metrics: &o.metrics,
        against: o.against.as_deref(),
        target_ci: o.target_ci.map(|w| (w, o.max_replications)),
        shard: o.shard.as_ref(),
        force: o.force,
    }
}

/// The runs of one pass into a run directory.
struct Batch<'s> {
    scenario: &'s Scenario,
    runner: &'s Runner,
    faults: &'s Faults,
    progress: &'s dyn Progress,
    resumable: &'s Resumable,
}

impl<'s> Batch<'s> {
    /// Runs `specs` (or writes the kept pilot runs of `--target-ci`) into `writer`; returns
    /// the runs other than lab runs that opened no group, per variant. Stops, saving what
    /// is done, when the progress cancels.
    fn run(
        &self,
        specs: impl Iterator<Item = coprod_scenario::RunSpec<'s>> + Send,
        kept: Option<compare::PilotRuns>,
        total: u64,
        writer: &mut Writer,
        mut tally: Option<&mut Tally>,
    ) -> Result<Groupless> {
        let progress = self.progress;
        progress.start(total);
        let tick = || progress.advance(1);
        let mut groupless = Groupless::new();
        let handle = |event: Event<'_>| -> Result<()> {
            let (spec, output) = match event {
                Event::Run(spec, output) => (spec, output),
                Event::ChunkDone => return Ok(writer.checkpoint()?),
            };
            let point = self.scenario.point_text(&spec.point_values);
            let id = RunIdentity {
                run_id: spec.run_id,
                variant: spec.variant_name,
                point: &point,
                replication: spec.replication,
                seed: spec.seed,
            };
            match output {
                Ok(output) => {
                    if output.groups.is_empty() && !spec.params.is_lab() {
                        count_groupless(&mut groupless, spec.variant_name);
                    }
                    writer.write_run(&id, &output)?;
                    if let Some(tally) = tally.as_deref_mut() {
                        add_to_tally(tally, &id, &output);
                    }
                }
                Err(failure) => {
                    // The sweep point too: without it, the runs of one variant and
                    // replication at every point read the same.
                    let at: String = self
                        .scenario
                        .sweep
                        .iter()
                        .zip(&point)
                        .map(|(axis, value)| format!(", {} {value}", axis.name()))
                        .collect();
                    progress.note(Note::Warning(format!(
                        "run {} (variant `{}`{at}, replication {}, seed {}) failed: {failure}",
                        spec.run_id, spec.variant_name, spec.replication, spec.seed
                    )));
                    writer.write_failure(&id, failure.kind(), &failure.to_string())?;
                }
            }
            if progress.cancelled() {
                writer.checkpoint()?;
                return Err(StudyError::Cancelled(self.resumable.interrupted()));
            }
            Ok(())
        };
        // --target-ci kept its pilot runs: write them rather than run them again.
        if kept.is_some() {
            progress.note(Note::Status(
                "--target-ci: writing the pilot's runs, not running them again".into(),
            ));
        }
        let result = match kept {
            Some(kept) => replay(specs, kept, self.runner.chunk_len(), &tick, handle),
            None => self
                .runner
                .run_isolated(specs, Detail::Standard, self.faults, &tick, handle),
        };
        progress.finish();
        match result {
            Ok(()) => Ok(groupless),
            Err(err @ StudyError::Cancelled(_)) => Err(err),
            Err(err) if writer.runs_saved() == 0 => Err(err),
            Err(err) => Err(invalid!(
                "{err}\n  the run stopped; the {} of {} finished before are kept in {}\n\n\
                 hint: fix the problem (for example free some disk space), then run only what \
                 is missing with:\n  {}",
                writer.runs_saved(),
                crate::estimate::counted(self.scenario.n_runs(), "run"),
                coprod_output::partial_dir(writer.target()).display(),
                self.resumable.command
            )),
        }
    }
}

/// Tallies a written run's rows of timeseries.csv and groups.csv for the report.
fn add_to_tally(tally: &mut Tally, id: &RunIdentity<'_>, output: &RunOutput) {
    tally.add_run(id.run_id, id.variant, id.point);
    for m in &output.steps {
        tally.add_step(id.run_id, u64::from(m.step), &m.values());
    }
    for g in &output.groups {
        tally.add_group(&GroupRow::of(id.run_id, g));
    }
}

/// Hands the kept pilot runs of `--target-ci` to `sink` in run order, as the runner would
/// (a checkpoint every `chunk` runs), ticking the progress bar for each.
fn replay<'a, E>(
    specs: impl Iterator<Item = coprod_scenario::RunSpec<'a>>,
    mut kept: compare::PilotRuns,
    chunk: usize,
    tick: &dyn Fn(),
    mut sink: impl FnMut(Event<'a>) -> Result<(), E>,
) -> Result<(), E> {
    for (i, spec) in specs.enumerate() {
        let output = kept
            .remove(&(spec.variant, spec.point, spec.replication))
            .expect("the pilot ran every replication of the final pass");
        tick();
        sink(Event::Run(spec, output))?;
        if (i + 1) % chunk == 0 {
            sink(Event::ChunkDone)?;
        }
    }
    sink(Event::ChunkDone)
}

/// Whether `target` is a finished run directory of the same scenario and version (so
/// `--resume` has nothing to do). A finished directory of something else is an error.
fn is_complete(target: &Path, identity: &Identity, by: ResumedBy) -> Result<bool> {
    refuse_shard(target)?;
    let manifest = manifest_to_resume(target, RUN_ELSEWHERE)?;
    // Another command's result has no scenario fingerprint: name what it is instead.
    if let Some((what, _)) = crate::plot::other_result(target) {
        bail!(
            "cannot resume {}: it is {what}, not a run directory\n\nhint: give the directory \
             of the interrupted run with --out DIR",
            target.display()
        );
    }
    let Some(manifest) = manifest else {
        return Ok(false);
    };
    let version = manifest["coprod_version"].as_str().unwrap_or("unknown");
    let hash = manifest["scenario"]["hash"].as_str().unwrap_or("unknown");
    if version != identity.coprod_version {
        return Err(explain(OutputError::Mismatch {
            path: target.to_path_buf(),
            what: "coprod version".into(),
            found: version.into(),
            expected: identity.coprod_version.clone(),
        }));
    }
    if hash != identity.scenario_hash {
        return Err(explain_for(
            OutputError::Mismatch {
                path: target.to_path_buf(),
                what: "scenario fingerprint".into(),
                found: hash.into(),
                expected: identity.scenario_hash.clone(),
            },
            by,
        ));
    }
    Ok(true)
}

/// How a run whose manifest.json `--resume` cannot read starts over elsewhere.
const RUN_ELSEWHERE: &str = "run without --resume into another --out DIR";

/// The manifest.json of a directory given to `--resume` (`None` when it has none). One
/// that cannot be read or does not parse is refused, naming the file and the JSON error:
/// what the directory holds is unknown, so nothing in it may be replaced. `elsewhere` is
/// how the command starts over in another folder.
pub(crate) fn manifest_to_resume(
    target: &Path,
    elsewhere: &str,
) -> Result<Option<serde_json::Value>> {
    coprod_output::read::read_manifest(target).map_err(|err| {
        invalid!(
            "cannot resume {}: {err}\n\nhint: restore its manifest.json, or {elsewhere}",
            target.display()
        )
    })
}

/// Refuses `--resume` without `--shard` of a shard directory: it carries the whole run's
/// manifest, so it would pass for the whole run, complete.
fn refuse_shard(target: &Path) -> Result<()> {
    if !target.join(coprod_output::SHARD_JSON).is_file() {
        return Ok(());
    }
    let shard = coprod_output::read_shard(target)?;
    bail!(
        "cannot resume {}: it is a shard of {} (shard {}/{}, {} of {}), not the whole \
         run\n\nhint: merge it with the other shards with `coprod merge SHARD_DIR... --out \
         DIR`, or resume it with --shard {}/{}",
        target.display(),
        shard.count,
        shard.index,
        shard.count,
        shard.describe_runs(),
        crate::estimate::counted(shard.total_runs, "run"),
        shard.index,
        shard.count
    )
}

/// Output errors with the hint that fixes them (the ones `main` does not already know).
pub(crate) fn explain(err: OutputError) -> StudyError {
    explain_for(err, ResumedBy::Run)
}

/// [`explain`] for a directory that `by` resumes: a run that differs must be resumed with
/// that command's options, and `coprod teach` has no scenario file, `--seed` or `--shard`.
fn explain_for(err: OutputError, by: ResumedBy) -> StudyError {
    let hint = match &err {
        OutputError::Interrupted { .. } => {
            "add --resume to finish it (only the missing runs are run), or --force to discard \
             it and start over"
        }
        OutputError::NothingToResume { .. } => {
            "run without --resume to start it, or give the directory of the interrupted run \
             with --out DIR"
        }
        OutputError::Busy { .. } => "wait for that run to finish, or stop it first",
        OutputError::Mismatch { what, .. } if what == "coprod version" => {
            "finish it with the coprod version that started it, or start over with --force"
        }
        OutputError::Mismatch { .. } | OutputError::Differs { .. } => match by {
            ResumedBy::Run => {
                "resume with the same scenario file and the same --set, --replications, \
                 --seed, --quick and --shard options, or start over with --force"
            }
            ResumedBy::Teach => {
                "resume with the same --set, --replications and --quick options, or start \
                 over with --force"
            }
        },
        OutputError::Corrupt { .. } => "start over with --force",
        OutputError::Io { .. } | OutputError::CannotCreate { .. } => {
            crate::error::CHOOSE_WRITABLE_OUT
        }
        _ => return err.into(),
    };
    invalid!("{err}\n\nhint: {hint}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An output directory the user named is refused with a hint to name another one, not
    /// to "use --out DIR" again; a default folder is not called `--out`.
    #[test]
    fn a_refused_output_directory_is_named_as_it_was_chosen() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("afile");
        std::fs::write(&file, "mine").unwrap();
        let given = refuse_file_as_out(&file, true).unwrap_err().to_string();
        assert!(
            given.ends_with(
                "afile is a file, not a directory\n\nhint: choose a directory with \
                             another --out DIR"
            ) && given.starts_with("--out "),
            "{given}"
        );
        let default = refuse_file_as_out(&file, false).unwrap_err().to_string();
        assert!(
            default.starts_with("output directory ")
                && default.ends_with("hint: choose a directory with --out DIR"),
            "{default}"
        );
        assert!(refuse_file_as_out(tmp.path(), true).is_ok());
    }

    /// A failure after the runs were saved says where they are and how to finish, while the
    /// partial directory is there; otherwise the error is left as it was.
    #[test]
    fn a_failure_after_the_runs_says_how_to_finish() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("run");
        let resumable = Resumable {
            target: target.clone(),
            total: 12,
            command: "coprod run x.toml --out run --resume".into(),
            after_runs: false,
        };
        let full = || invalid!("cannot write summary.csv: No space left on device");
        assert_eq!(
            runs_are_saved(full(), &resumable).to_string(),
            full().to_string()
        );
        std::fs::create_dir_all(coprod_output::partial_dir(&target)).unwrap();
        let said = runs_are_saved(full(), &resumable).to_string();
        assert!(
            said.starts_with("cannot write summary.csv: No space"),
            "{said}"
        );
        assert!(said.contains("all 12 runs are saved in"), "{said}");
        assert!(
            said.ends_with("\n  coprod run x.toml --out run --resume"),
            "{said}"
        );
    }
}
