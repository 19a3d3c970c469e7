//! `coprod calibrate SCENARIO --targets FILE`: ABC-SMC estimation of the parameters of the
//! scenario's `[calibration]` table against observed targets (docs/calibration.md).
//! Writes posterior.csv, predictive.csv, diagnostics.csv, a predictive chart and
//! manifest.json; each finished generation is checkpointed so `--resume` continues.
//!
//! Owns the options, the presentation and the files; the commands (whole, `--shard`,
//! merge) are `calibrate_run.rs`'s, the algorithm is `coprod-calibrate`'s.

use std::fmt;
use std::path::{Path, PathBuf};

use coprod_calibrate::smc::weighted_mean_sd;
use coprod_calibrate::{
    CalibrateError, Generation, MetricFit, ModelSimulator, PredictiveRow, Settings, Stop, distance,
    predictive, rmse_by_metric,
};
use coprod_core::METRICS;
use coprod_output::{read_targets, write_json_file, write_table};
use coprod_report::number;

use crate::estimate::counted;
use coprod_plot::{ChartStyle, Series, time_series};

use crate::error::{Context, Result, StudyError, bail, invalid};
use crate::progress::{Note, Progress};
use crate::run::Study;
use crate::shard_arg::ShardArg;

pub(crate) const CHECKPOINTS: &str = "checkpoints";
/// The folder of the rounds sharded calibrations run (`calibrate_run.rs`).
pub(crate) const ROUNDS: &str = "rounds";
/// What a calibration directory was started with (scenario text, targets file, seed).
pub(crate) const RECORD: &str = "calibration.json";
/// The end of a refusal of checkpoints whose calibration.json is gone or unreadable.
pub(crate) const UNKNOWN_CHECKPOINTS: &str = "nothing tells what calibration its checkpoints \
    belong to\n\nhint: start the calibration again with --out DIR naming a new directory";

/// How to run a calibration (the flags of `coprod calibrate`).
#[derive(Clone, Debug)]
pub struct CalibrateOptions {
    /// The scenario as named on the command line (recorded in the reproducing command).
    pub scenario: String,
    /// The observed targets file.
    pub targets: PathBuf,
    /// Output directory (default: `outputs/<scenario name>-calibration`).
    pub out: Option<PathBuf>,
    /// Seed of the algorithm [default: the scenario's].
    pub seed: Option<u64>,
    /// Worker threads.
    pub threads: usize,
    /// Continue from the checkpoints in the output directory.
    pub resume: bool,
    /// Run only shard I of N of the current round of proposals (see `calibrate_run::calibrate_shard`).
    pub shard: Option<ShardArg>,
}

/// What a calibration estimated and wrote; its `Display` is what the command prints.
#[derive(Clone, Debug)]
pub struct Calibration {
    /// Each estimated parameter with its posterior mean and sd.
    pub posterior: Vec<(String, f64, f64)>,
    /// The fit to each targeted metric, in the order of the targets file: metrics may have
    /// different units, so there is no RMSE pooled over them.
    pub fits: Vec<MetricRmse>,
    /// Targets inside the 95% predictive interval.
    pub covered: usize,
    /// Targets.
    pub targets: usize,
    /// The output directory.
    pub dir: PathBuf,
    /// Which stopping rule stopped it, with the numbers that met it.
    pub stopped: String,
}

/// The fit of the predictive means to the targets of one metric, with the metric's unit.
#[derive(Clone, Debug)]
pub struct MetricRmse {
    /// The metric, its RMSE (in its unit), targets and targets covered.
    pub fit: MetricFit,
    /// The metric's unit (in a lab scenario, the lab's: contributions as a share of the
    /// endowment).
    pub unit: String,
}

impl MetricRmse {
    fn of(rows: &[PredictiveRow], lab: bool) -> Vec<MetricRmse> {
        rmse_by_metric(rows)
            .into_iter()
            .map(|fit| MetricRmse {
                unit: coprod_report::metric_unit(&fit.metric, lab)
                    .unwrap_or_default()
                    .to_string(),
                fit,
            })
            .collect()
    }

    /// What manifest.json says of it when a targets file names several metrics.
    fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "rmse": self.fit.rmse,
            "unit": self.unit,
            "targets": self.fit.targets,
            "coverage": self.fit.covered as f64 / self.fit.targets as f64,
        })
    }
}

impl fmt::Display for Calibration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.stopped)?;
        for (name, m, sd) in &self.posterior {
            // Four decimals, as the pages write numbers: a small value never reads as 0.
            let (m, sd) = (number(*m, 4), number(*sd, 4));
            writeln!(f, "{name}: posterior mean {m}, sd {sd}")?;
        }
        write!(
            f,
            "{}; {}/{} inside the 95% predictive interval",
            describe_rmse(&self.fits),
            self.covered,
            counted(self.targets, "target")
        )
    }
}

/// The RMSE of the predictive means in each metric's unit: one figure for one metric, else
/// one per metric (errors in different units do not add up).
fn describe_rmse(fits: &[MetricRmse]) -> String {
    let unit = |u: &str| {
        if u.is_empty() {
            String::new()
        } else {
            format!(" ({u})")
        }
    };
    if let [one] = fits {
        return format!(
            "RMSE of predictive means {}{}",
            number(one.fit.rmse, 4),
            unit(&one.unit)
        );
    }
    let each: Vec<String> = fits
        .iter()
        .map(|m| {
            format!(
                "{} {}{} over {}",
                m.fit.metric,
                number(m.fit.rmse, 4),
                unit(&m.unit),
                counted(m.fit.targets, "target")
            )
        })
        .collect();
    format!("RMSE of predictive means, per metric: {}", each.join(", "))
}

/// Everything a calibration needs, resolved from the options.
pub(crate) struct Setup {
    pub(crate) scenario: coprod_scenario::Scenario,
    pub(crate) targets: Vec<coprod_output::Target>,
    pub(crate) targets_path: PathBuf,
    pub(crate) simulator: ModelSimulator,
    pub(crate) seed: u64,
    pub(crate) out: PathBuf,
    pub(crate) settings: Settings,
    pub(crate) priors: Vec<coprod_scenario::Prior>,
    pub(crate) names: Vec<String>,
}

impl Setup {
    pub(crate) fn new(args: &CalibrateOptions) -> Result<Setup> {
        let scenario = Study::load(&args.scenario)?.scenario().clone();
        let Some(table) = scenario.calibration.clone() else {
            bail!(
                "{} has no [calibration] table\n\nhint: see docs/calibration.md",
                scenario.origin
            );
        };
        check_priors_not_held(&scenario)?;
        let (targets, simulator) = read_scenario_targets(&scenario, &args.targets)?;
        let seed = args.seed.unwrap_or(scenario.seed);
        let out = args.out.clone().unwrap_or_else(|| {
            PathBuf::from("outputs").join(format!("{}-calibration", scenario.name))
        });
        let settings = Settings {
            particles: table.particles as usize,
            generations: table.generations,
            quantile: table.quantile,
            min_acceptance: table.min_acceptance,
            seed,
        };
        let priors = table.estimated.iter().map(|e| e.prior).collect();
        let names = table
            .estimated
            .iter()
            .map(|e| e.name().to_string())
            .collect();
        Ok(Setup {
            scenario,
            targets,
            targets_path: args.targets.clone(),
            simulator,
            seed,
            out,
            settings,
            priors,
            names,
        })
    }

    pub(crate) fn distance(&self, theta: &[f64], seed: u64) -> Result<f64, CalibrateError> {
        Ok(distance(
            &self.simulator.summaries(theta, seed)?,
            &self.targets,
        ))
    }

    pub(crate) fn pool(threads: usize) -> Result<rayon::ThreadPool> {
        Ok(rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?)
    }

    pub(crate) fn announce(&self, progress: &dyn Progress, threads: usize) {
        progress.note(Note::Status(format!(
            "{}: {}, {}, {}, up to {}, {}",
            self.scenario.name,
            counted(self.names.len(), "parameter"),
            counted(self.targets.len(), "target"),
            counted(self.settings.particles, "particle"),
            counted(self.settings.generations, "generation"),
            crate::estimate::on_this_machine(threads)
        )));
        self.warn(progress);
    }

    /// The scenario's warnings on what the calibration's runs do not read, as every
    /// command that runs its simulations says them (a shard too).
    pub(crate) fn warn(&self, progress: &dyn Progress) {
        let warnings = [
            self.scenario.baseline_warnings(),
            self.scenario.calibration_warnings(),
        ];
        for warning in self.scenario.naming_the_file(warnings.concat()) {
            progress.note(Note::Warning(warning));
        }
    }
}

/// Refuses a parameter of `[calibration.priors]` that the scenario's own interventions
/// hold at every step: every simulation runs them (docs/calibration.md), so a proposed
/// value would be in force at no step, no target could inform it, and its posterior would
/// be its prior. One over part of the run is fine: the proposed value holds outside it.
pub(crate) fn check_priors_not_held(scenario: &coprod_scenario::Scenario) -> Result<()> {
    let estimated = scenario.calibration.iter().flat_map(|t| &t.estimated);
    Ok(scenario.refuse_held_factors(
        estimated.map(|e| (e.name(), "[calibration.priors] estimates it".to_string())),
        "[calibration.priors]",
        "the intervention would override every proposed value, so no target could inform it \
         and its posterior would be its prior",
    )?)
}

/// The targets file at `path` read and checked for `scenario` (metric names, steps,
/// values), and the simulator that reads the targets off its runs: what `coprod calibrate`
/// and `coprod slurm --targets` check before they create anything.
pub(crate) fn read_scenario_targets(
    scenario: &coprod_scenario::Scenario,
    path: &Path,
) -> Result<(Vec<coprod_output::Target>, ModelSimulator)> {
    let metrics: Vec<&str> = METRICS.iter().map(|(n, _, _)| *n).collect();
    let unreported = |metric: &str| coprod_calibrate::unreported_metric(scenario, metric);
    let targets = read_targets(
        path,
        &metrics,
        &unreported,
        scenario.steps,
        scenario.base.is_lab(),
    )?;
    let simulator = ModelSimulator::new(scenario, &targets)?;
    Ok((targets, simulator))
}

pub(crate) fn describe_generation(g: &Generation) -> String {
    if !g.complete {
        return format!(
            "generation {}: tolerance {}, acceptance {}, incomplete (too few particles \
             accepted within the cap on proposals): the posterior is generation {}",
            g.index,
            tolerance_short(g.tolerance),
            acceptance_short(g.acceptance_rate),
            g.index.saturating_sub(1)
        );
    }
    format!(
        "generation {}: tolerance {}, acceptance {}, ESS {:.0}",
        g.index,
        tolerance_short(g.tolerance),
        acceptance_short(g.acceptance_rate),
        g.ess
    )
}

/// `rate` as [`acceptance_short`] writes it, with more figures if that would not read below
/// `limit` where `rate` is below it: 0.01998, under the default 0.02, reads "0.01998", not
/// "0.0200" (a rate that "fell below 0.02" shown as 0.0200).
fn acceptance_below(rate: f64, limit: f64) -> String {
    let short = acceptance_short(rate);
    let reads_below = |text: &String| text.parse::<f64>().is_ok_and(|x| x < limit);
    if rate >= limit || reads_below(&short) {
        return short;
    }
    (1..=16)
        .map(|more| {
            if rate < 0.001 {
                format!("{rate:.*e}", 2 + more)
            } else {
                let decimals = (2 - rate.log10().floor() as i32).max(3) as usize + more;
                format!("{rate:.decimals$}")
            }
        })
        .find(reads_below)
        .unwrap_or(short)
}

/// An acceptance rate for the progress line: at least three significant figures (three
/// decimals from 0.1 up; in e-notation below 0.001). Three decimals throughout rounded a
/// rate just below the stopping rule to the rule itself: 0.0196, under the default 0.02,
/// read "0.020", on the line of the generation that stopped the run.
fn acceptance_short(rate: f64) -> String {
    match rate {
        0.0 => "0".to_string(),
        r if r < 0.001 => format!("{r:.2e}"),
        r => {
            let decimals = (2 - r.log10().floor() as i32).max(3) as usize;
            format!("{r:.decimals$}")
        }
    }
}

/// The posterior predictive, the tables, the chart and the manifest of a finished run;
/// `run` holds how it ran, and its `clock.0` key is set to the seconds since `clock.1`
/// when the manifest is written, so that they include the predictive and the writing.
pub(crate) fn finish(
    setup: &Setup,
    generations: &[Generation],
    (pool, progress): (&rayon::ThreadPool, &dyn Progress),
    command: String,
    (run, clock): (serde_json::Value, (&str, std::time::Instant)),
) -> Result<Calibration> {
    let (out, settings) = (&setup.out, &setup.settings);
    let last = coprod_calibrate::posterior(generations).context("no generation was run")?;
    let stop = describe_stop(settings, generations);
    let rows = pool.install(|| {
        predictive(last, &setup.targets, setup.seed, |theta, s| {
            setup.simulator.summaries(theta, s)
        })
    })?;
    let lab = setup.scenario.base.is_lab();
    let covered = rows.iter().filter(|r| r.covered()).count();
    let mut manifest = serde_json::json!({
        "kind": "calibration",
        "command": command,
        "scenario": setup.scenario.origin,
        "targets": setup.targets_path,
        "seed": setup.seed,
        "method": "ABC-SMC, adaptive tolerance (Del Moral, Doucet and Jasra 2012; Beaumont et al. 2009)",
        "particles": settings.particles,
        // The limit, so that a calibration stopped by another rule says what it was.
        "generations": settings.generations,
        "generations_run": generations.len(),
        "posterior_generation": last.index,
        // Generation 0 accepts every draw (its tolerance is stored as `f64::MAX`): none.
        "posterior_tolerance": (last.tolerance != f64::MAX).then_some(last.tolerance),
        "quantile": settings.quantile,
        "min_acceptance": settings.min_acceptance,
        "coverage": covered as f64 / rows.len() as f64,
        "stopped_by": stop.as_ref().map(|(key, _)| *key),
        "coprod_version": crate::VERSION,
    });
    let fits = MetricRmse::of(&rows, lab);
    manifest_rmse(&mut manifest, &fits);
    if let (Some(m), serde_json::Value::Object(extra)) = (manifest.as_object_mut(), run) {
        m.extend(extra);
    }
    without_interruption(progress, || -> Result<()> {
        // The results are written under a temporary folder and replace the old ones only
        // when every one was written: a failure midway (a full disk) leaves no half-written
        // chart.
        let new = coprod_output::Replacement::new(out)?;
        let axis = ChartAxis {
            lab,
            steps: setup.scenario.steps,
        };
        write_outputs(new.path(), &setup.names, generations, &rows, axis)
            .map_err(|e| e.at_final_paths(out))?;
        new.commit()?;
        manifest[clock.0] = serde_json::json!(clock.1.elapsed().as_secs_f64());
        // Last, after the other results are in place: its presence says the calibration is
        // written (the SLURM script loops until it is there).
        write_json_file(&out.join("manifest.json"), &manifest)?;
        crate::progress::complete_in(progress, out);
        Ok(())
    })?;
    let posterior = setup
        .names
        .iter()
        .enumerate()
        .map(|(j, name)| {
            let (m, sd) = weighted_mean_sd(last, j);
            (name.clone(), m, sd)
        })
        .collect();
    Ok(Calibration {
        posterior,
        fits,
        covered,
        targets: rows.len(),
        dir: out.clone(),
        stopped: stop.map_or_else(String::new, |(_, text)| text),
    })
}

/// The rule that stopped the calibration, as manifest.json's `stopped_by` names it and as
/// the command says it; `None` only for results written before it stopped, which no
/// command does.
fn describe_stop(
    settings: &Settings,
    generations: &[Generation],
) -> Option<(&'static str, String)> {
    let rule = coprod_calibrate::stop_rule(settings, generations)?;
    let (last, after) = (
        generations.last()?,
        format!("stopped after {}", counted(generations.len(), "generation")),
    );
    Some(match rule {
        Stop::Generations => (
            "generations",
            format!(
                "{after}: the limit of the [calibration] table (generations = {})",
                settings.generations
            ),
        ),
        Stop::MinAcceptance => (
            "min_acceptance",
            format!(
                "{after}: the acceptance rate of generation {}, {}, fell below min_acceptance \
                 {}",
                last.index,
                acceptance_below(last.acceptance_rate, settings.min_acceptance),
                settings.min_acceptance
            ),
        ),
        Stop::ProposalCap => (
            "proposal_cap",
            format!(
                "{after}: generation {} could not accept {} within the cap of {} proposals \
                 (set by min_acceptance {}), so the posterior is generation {}",
                last.index,
                counted(settings.particles, "particle"),
                coprod_calibrate::proposal_cap(settings),
                settings.min_acceptance,
                last.index.saturating_sub(1)
            ),
        ),
    })
}

/// Runs `write` with Ctrl-C held off until it returns ([`Progress::uninterrupted`]). For
/// the writing of the results, a second at most: the Ctrl-C handler exits the process at
/// once, without dropping the temporary folder of a [`coprod_output::Replacement`], and in
/// the middle of its renames it would leave a mix of old and new results. Held off, Ctrl-C
/// leaves the old results or the new ones, whole. Also for a generation's checkpoint, so
/// that what Ctrl-C says is kept counts it exactly.
pub(crate) fn without_interruption<T>(progress: &dyn Progress, write: impl FnOnce() -> T) -> T {
    crate::progress::without_interruption(progress, write)
}

/// The fit in manifest.json: `rmse` when every target is of one metric (in its unit), else
/// `rmse_by_metric`, the RMSE, unit, targets and coverage of each metric, and no pooled
/// figure, which would add errors in different units.
fn manifest_rmse(manifest: &mut serde_json::Value, fits: &[MetricRmse]) {
    if let [one] = fits {
        manifest["rmse"] = serde_json::json!(one.fit.rmse);
    } else {
        let each = fits.iter().map(|m| (m.fit.metric.clone(), m.json()));
        manifest["rmse_by_metric"] = serde_json::Value::Object(each.collect());
    }
}

pub(crate) fn write_checkpoints(out: &Path, generations: &[Generation]) -> Result<()> {
    for g in generations {
        let path = out
            .join(CHECKPOINTS)
            .join(format!("gen-{:03}.json", g.index));
        write_json_file(&path, g)?;
    }
    Ok(())
}

/// Creates `out` (or, with `resume`, checks that it holds a calibration); `given`: it was
/// named with `--out`.
pub(crate) fn prepare(out: &Path, resume: bool, given: bool) -> Result<()> {
    crate::run::refuse_file_as_out(out, given)?;
    let dir = out.join(CHECKPOINTS);
    if !resume {
        if out.exists() && !out.join(CHECKPOINTS).is_dir() {
            return Err(holds_no_calibration(out));
        }
        if out.exists() {
            bail!(
                "output directory {} already exists\n\nhint: use --resume to continue it, or \
                 {} to write elsewhere",
                out.display(),
                crate::run::another_out(given)
            );
        }
        // Named as given: `checkpoints` is ours, not the user's.
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", out.display()))
            .map_err(with_out_hint)?;
        return Ok(());
    }
    if !dir.is_dir() {
        bail!("there is no calibration to resume in {}", out.display());
    }
    // Each generation ends by writing its checkpoint: a calibration the user may not write
    // (another user's) is refused now, not after a generation's work.
    check_writable(out, Writer::Resume)?;
    remove_abandoned_checkpoints(out);
    Ok(())
}

/// The refusal of an existing `out` that is not a calibration: it is the user's.
pub(crate) fn holds_no_calibration(out: &Path) -> StudyError {
    invalid!(
        "output directory {} already exists and holds no calibration\n\nhint: choose a new \
         directory with --out DIR",
        out.display()
    )
}

/// Removes the temporary files of checkpoints whose writing was cut short (Ctrl-C, which
/// exits at once, while `.gen-NNN.json.<pid>.tmp` was written): nothing reads them, and
/// nothing else would remove them. Only those of processes that are gone: another process
/// may be writing its own.
pub(crate) fn remove_abandoned_checkpoints(out: &Path) {
    coprod_output::remove_abandoned_temporaries(&out.join(CHECKPOINTS));
}

/// What writes into an existing calibration: its `--resume`, or one of its shards.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Writer {
    Resume,
    Shard,
}

/// Refuses a calibration `out` that this process may not write in (another user's, or
/// read-only) before any work: `--resume` and `--shard` write checkpoints and rounds into it.
pub(crate) fn check_writable(out: &Path, writer: Writer) -> Result<()> {
    for folder in [out.to_path_buf(), out.join(CHECKPOINTS)] {
        crate::run::probe_write(&folder).map_err(|e| not_writable(e, &folder, (out, writer)))?;
    }
    Ok(())
}

/// A failed [`crate::run::probe_write`] of `folder` in the calibration `out`, with what to do when the
/// file system refused it: `writer` must write in `out`, so no other `--out` will do.
fn not_writable(err: std::io::Error, folder: &Path, (out, writer): (&Path, Writer)) -> StudyError {
    let denied = err.kind() == std::io::ErrorKind::PermissionDenied;
    let err = Err::<(), _>(err)
        .with_context(|| format!("cannot write in {}", folder.display()))
        .unwrap_err();
    if !denied {
        return err;
    }
    let (option, on_the_copy) = match writer {
        Writer::Resume => ("--resume", "resume the copy with --out COPY --resume"),
        Writer::Shard => ("--shard", "run the shard on the copy with --out COPY"),
    };
    let hint = crate::error::writable_or_copy_hint(
        &format!("`{option}`"),
        "the calibration",
        out,
        on_the_copy,
    );
    invalid!("{}\n\n{hint}", crate::error::chain(&err))
}

/// `err` with `coprod run`'s hint when the file system refused to let the calibration's
/// folder be made (a read-only folder, or another user's): refused at once, before any
/// generation runs.
pub(crate) fn with_out_hint(err: StudyError) -> StudyError {
    if !err.write_denied() {
        return err;
    }
    invalid!(
        "{}\n\nhint: {}",
        crate::error::chain(&err),
        crate::error::CHOOSE_WRITABLE_OUT
    )
}

/// The checkpoints of `out`, in order.
pub(crate) fn read_checkpoints(out: &Path) -> Result<Vec<Generation>> {
    let dir = out.join(CHECKPOINTS);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("there is no calibration in {}", out.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "json")
                && !p
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p)?;
            serde_json::from_str(&text).with_context(|| {
                format!(
                    "bad checkpoint {} (damaged, or written by another build of coprod: start \
                     the calibration again with --out DIR naming a new directory)",
                    p.display()
                )
            })
        })
        .collect()
}

/// The identity of a calibration: what its checkpoints belong to.
fn identity(scenario: &str, targets: &Path, seed: u64) -> Result<serde_json::Value> {
    let targets_text = coprod_output::read_utf8(targets)
        .with_context(|| format!("cannot read {}", targets.display()))?;
    Ok(serde_json::json!({
        "scenario": scenario,
        "targets": targets_text,
        "seed": seed,
        "coprod_version": crate::VERSION,
    }))
}

/// Records what the calibration is of (`calibration.json`, through `write`) or, when it
/// exists, refuses checkpoints of another scenario text, targets file or seed; `action` is
/// what is refused ("resume", "add a shard to", "merge").
pub(crate) fn guard_or_record(
    setup: &Setup,
    (targets, action): (&Path, &str),
    write: impl FnOnce(&Path, &serde_json::Value) -> Result<()>,
) -> Result<()> {
    let (out, identity) = (
        &setup.out,
        identity(&setup.scenario.source, targets, setup.seed)?,
    );
    let path = out.join(RECORD);
    let refuse = |why: String| -> Result<()> {
        bail!(
            "cannot {action} {}: {why}, so {UNKNOWN_CHECKPOINTS}",
            out.display()
        )
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        // Only a folder with no checkpoints or rounds yet may be claimed by this command:
        // any other would go on from results of an unknown calibration.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && !holds_work(out) => {
            return write(&path, &identity);
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return refuse("it has no calibration.json".to_string());
        }
        Err(e) => return refuse(format!("cannot read {} ({e})", path.display())),
    };
    let Some(found) = serde_json::from_str::<Identity>(&text)
        .ok()
        .and_then(|f| serde_json::to_value(f).ok())
    else {
        return refuse(format!(
            "{} is damaged (it does not hold the scenario text, targets file and seed)",
            path.display()
        ));
    };
    if found != identity {
        bail!(
            "cannot {action} {}: it was started with {}",
            out.display(),
            what_differs(&found, &identity)
        );
    }
    Ok(())
}

/// What calibration.json must hold, and nothing else: what [`identity`] writes.
#[derive(serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct Identity {
    scenario: String,
    targets: String,
    seed: u64,
    /// Empty in the calibration.json of coprod before 0.2.0, which did not record it.
    #[serde(default)]
    coprod_version: String,
}

/// Whether the calibration folder `out` holds checkpoints or rounds (anything in
/// `checkpoints/` or `rounds/`).
fn holds_work(out: &Path) -> bool {
    [CHECKPOINTS, ROUNDS]
        .iter()
        .any(|folder| has_files(&out.join(folder)))
}

/// Whether `folder` exists and holds anything.
pub(crate) fn has_files(folder: &Path) -> bool {
    std::fs::read_dir(folder).is_ok_and(|mut entries| entries.next().is_some())
}

/// What of a calibration's identity (`found` in calibration.json) differs from this
/// invocation's (`given`): the seed is named with both values, so the command can be fixed.
fn what_differs(found: &serde_json::Value, given: &serde_json::Value) -> String {
    let mut parts = Vec::new();
    if found["scenario"] != given["scenario"] {
        parts.push("another scenario text".to_string());
    }
    if found["targets"] != given["targets"] {
        parts.push("another targets file".to_string());
    }
    if found["seed"] != given["seed"] {
        parts.push(format!("--seed {} (not {})", found["seed"], given["seed"]));
    }
    if found["coprod_version"] != given["coprod_version"] {
        // Generations of two versions would mix two models' simulations in one posterior.
        let then = found["coprod_version"].as_str().filter(|v| !v.is_empty());
        parts.push(format!(
            "coprod {} (this is coprod {}); finish it with that version, or start a new \
             calibration in another folder",
            then.unwrap_or("before 0.2.0"),
            crate::VERSION
        ));
    }
    if parts.is_empty() {
        return "another scenario, targets file or seed".to_string();
    }
    parts.join(" and ")
}

/// Writes the results of a finished calibration: posterior.csv, predictive.csv,
/// diagnostics.csv and the predictive charts.
fn write_outputs(
    out: &Path,
    names: &[String],
    generations: &[Generation],
    rows: &[PredictiveRow],
    axis: ChartAxis,
) -> Result<()> {
    write_posterior(out, names, generations)?;
    write_predictive(out, rows)?;
    write_diagnostics(out, generations)?;
    chart(out, rows, axis)
}

/// posterior.csv: the last complete generation's particles, with `names` their columns.
fn write_posterior(out: &Path, names: &[String], generations: &[Generation]) -> Result<()> {
    let last = coprod_calibrate::posterior(generations).expect("generation 0 is complete");
    let mut header = vec!["particle".to_string(), "weight".into(), "distance".into()];
    header.extend(names.iter().cloned());
    let posterior: Vec<Vec<String>> = last
        .particles
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let mut r = vec![
                i.to_string(),
                last.weights[i].to_string(),
                last.distances[i].to_string(),
            ];
            r.extend(p.iter().map(f64::to_string));
            r
        })
        .collect();
    Ok(write_table(
        &out.join("posterior.csv"),
        &header,
        &posterior,
    )?)
}

/// predictive.csv: each target next to the posterior predictive interval.
fn write_predictive(out: &Path, rows: &[PredictiveRow]) -> Result<()> {
    let header: Vec<String> = [
        "metric", "step", "observed", "se", "mean", "lower95", "upper95", "covered", "source",
    ]
    .map(String::from)
    .to_vec();
    let table: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.target.metric.clone(),
                r.target.step.to_string(),
                r.target.observed.to_string(),
                r.target.se.to_string(),
                r.mean.to_string(),
                r.lower.to_string(),
                r.upper.to_string(),
                r.covered().to_string(),
                r.target.source.clone(),
            ]
        })
        .collect();
    Ok(write_table(&out.join("predictive.csv"), &header, &table)?)
}

/// diagnostics.csv: a row per generation.
fn write_diagnostics(out: &Path, generations: &[Generation]) -> Result<()> {
    let header: Vec<String> = [
        "generation",
        "tolerance",
        "acceptance_rate",
        "proposals",
        "simulations",
        "ess",
        "complete",
    ]
    .map(String::from)
    .to_vec();
    let diag: Vec<Vec<String>> = generations
        .iter()
        .map(|g| {
            vec![
                g.index.to_string(),
                tolerance(g.tolerance),
                g.acceptance_rate.to_string(),
                g.proposals.to_string(),
                g.simulations.to_string(),
                // An incomplete generation has no particles of its own (it keeps the
                // previous ones so the run stops): no effective sample size.
                if g.complete {
                    g.ess.to_string()
                } else {
                    String::new()
                },
                g.complete.to_string(),
            ]
        })
        .collect();
    Ok(write_table(&out.join("diagnostics.csv"), &header, &diag)?)
}

/// What the x axis of a predictive chart stands for.
#[derive(Clone, Copy, Debug)]
struct ChartAxis {
    /// The scenario is in the lab setting, whose steps are rounds and whose contributions
    /// are shares of the endowment.
    lab: bool,
    /// The steps of a run.
    steps: u32,
}

/// One chart per metric: observed values and the predictive mean with its 95% band, with
/// the units of both axes.
fn chart(out: &Path, rows: &[PredictiveRow], axis: ChartAxis) -> Result<()> {
    let lab = axis.lab;
    let mut metrics: Vec<&str> = rows.iter().map(|r| r.target.metric.as_str()).collect();
    metrics.dedup();
    for metric in metrics {
        let rs: Vec<&PredictiveRow> = rows.iter().filter(|r| r.target.metric == metric).collect();
        let x: Vec<f64> = rs.iter().map(|r| f64::from(r.target.step)).collect();
        let observed = Series::new(
            "observed",
            x.clone(),
            rs.iter().map(|r| r.target.observed).collect(),
        );
        let observed = if rs.len() == 1 {
            spanning_the_run(observed, axis.steps)
        } else {
            observed
        };
        let model = Series::new(
            "model (posterior predictive)",
            x,
            rs.iter().map(|r| r.mean).collect(),
        )
        .with_band(
            rs.iter().map(|r| r.lower).collect(),
            rs.iter().map(|r| r.upper).collect(),
        );
        let style = ChartStyle {
            title: format!("{metric}: data and posterior predictive"),
            x_label: axis_labels(metric, lab).0,
            y_label: axis_labels(metric, lab).1,
            width: 900,
            height: 560,
            output_stem: out.join(format!("predictive-{metric}")),
            whole_x: true,
        };
        time_series(&[observed, model], &style)?;
    }
    Ok(())
}

/// A metric's one target has no range of steps for the x axis (it was drawn from -1 to 1,
/// or from 8.1 to 9.9 for step 9, with ticks between steps): the axis spans the run's steps
/// instead, from 0 to the last (at least 1), through points of no value, which are not drawn.
fn spanning_the_run(mut series: Series, steps: u32) -> Series {
    for step in [0, steps.saturating_sub(1).max(1)] {
        series.x.push(f64::from(step));
        series.y.push(f64::NAN);
    }
    series
}

/// The (x, y) axis labels of a predictive chart, each with its unit.
fn axis_labels(metric: &str, lab: bool) -> (String, String) {
    let x = if lab {
        "round of the public-goods game (step, from 0)"
    } else {
        "time (steps, months)"
    };
    (x.into(), coprod_report::metric_axis_label(metric, lab))
}

/// A tolerance, exact (the shortest text that reads back as the same number); generation 0
/// accepts everything (`inf`).
fn tolerance(t: f64) -> String {
    if t == f64::MAX {
        "inf".into()
    } else {
        format!("{t}")
    }
}

/// A tolerance to four significant figures, for the progress line (diagnostics.csv has it
/// in full): "7.678", "0.04383", "0.9", "1235".
fn tolerance_short(t: f64) -> String {
    if t == f64::MAX || !t.is_finite() || t <= 0.0 {
        return tolerance(t);
    }
    let decimals = (3 - t.log10().floor() as i32).max(0) as usize;
    let text = format!("{t:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// The command line that reproduces this calibration, quoted for the shell.
pub(crate) fn reproduce(args: &CalibrateOptions, seed: u64) -> String {
    let mut words = vec![
        "coprod".to_string(),
        "calibrate".into(),
        args.scenario.clone(),
        "--targets".into(),
        args.targets.display().to_string(),
        "--seed".into(),
        seed.to_string(),
    ];
    if let Some(out) = &args.out {
        words.extend(["--out".into(), out.display().to_string()]);
    }
    crate::resume::command_line(&words)
}

#[cfg(test)]
mod tests {
    /// An existing calibration folder is refused with a way to another one that fits how it
    /// was chosen: another `--out` when one was given, `--out` when it is the default.
    #[test]
    fn an_existing_calibration_folder_gets_a_hint_that_fits() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("fit");
        super::prepare(&out, false, true).unwrap();
        let given = super::prepare(&out, false, true).unwrap_err().to_string();
        assert!(
            given.ends_with(
                "hint: use --resume to continue it, or another --out DIR to write \
                             elsewhere"
            ),
            "{given}"
        );
        let default = super::prepare(&out, false, false).unwrap_err().to_string();
        assert!(
            default.ends_with("hint: use --resume to continue it, or --out DIR to write elsewhere"),
            "{default}"
        );
    }

    /// A folder the file system refuses to let be made or written (a read-only folder, or
    /// another user's) gets what to do: for a new calibration another `--out`; for
    /// `--resume`, which must write inside the calibration, to make it writable or resume a
    /// copy. Any other failure is left as it is. (The refusal itself is tested as a user
    /// whom permissions stop, in tests/calibrate.rs.)
    #[test]
    fn a_folder_that_may_not_be_written_gets_what_to_do() {
        use crate::error::{Context, chain};
        use std::io::{Error, ErrorKind};
        use std::path::Path;
        let made = |kind: ErrorKind| {
            Err::<(), _>(Error::new(kind, "refused"))
                .context("cannot create ro/c")
                .unwrap_err()
        };
        assert_eq!(
            chain(&super::with_out_hint(made(ErrorKind::PermissionDenied))),
            "cannot create ro/c: refused\n\nhint: choose a directory you can write to with \
             --out DIR"
        );
        assert_eq!(
            chain(&super::with_out_hint(made(ErrorKind::StorageFull))),
            "cannot create ro/c: refused"
        );
        let out = Path::new("ro/c");
        let written = |kind: ErrorKind, writer: super::Writer| {
            let folder = out.join("checkpoints");
            chain(&super::not_writable(
                Error::new(kind, "refused"),
                &folder,
                (out, writer),
            ))
        };
        let resumed = |kind: ErrorKind| written(kind, super::Writer::Resume);
        assert_eq!(
            resumed(ErrorKind::PermissionDenied),
            "cannot write in ro/c/checkpoints: refused\n\nhint: `--resume` writes inside the \
             calibration, and ro/c is not writable for you: make it and the files in it \
             writable, or copy it to a folder you can write to (`cp -r ro/c COPY`) and resume \
             the copy with --out COPY --resume"
        );
        assert_eq!(
            resumed(ErrorKind::StorageFull),
            "cannot write in ro/c/checkpoints: refused"
        );
        assert_eq!(
            written(ErrorKind::PermissionDenied, super::Writer::Shard),
            "cannot write in ro/c/checkpoints: refused\n\nhint: `--shard` writes inside the \
             calibration, and ro/c is not writable for you: make it and the files in it \
             writable, or copy it to a folder you can write to (`cp -r ro/c COPY`) and run \
             the shard on the copy with --out COPY"
        );
    }

    /// What the command prints keeps a small posterior mean, sd or RMSE from reading as 0.
    #[test]
    fn small_estimates_never_print_as_zero() {
        let fit = |metric: &str, rmse: f64| super::MetricRmse {
            fit: coprod_calibrate::MetricFit {
                metric: metric.into(),
                rmse,
                targets: 2,
                covered: 1,
            },
            unit: String::new(),
        };
        let c = super::Calibration {
            posterior: vec![("lab.altruism".into(), 0.000_031, 0.5)],
            fits: vec![fit("mean_contribution", 0.000_04)],
            covered: 1,
            targets: 2,
            dir: "fit".into(),
            stopped: "stopped after 3 generations: x".into(),
        };
        assert_eq!(
            c.to_string(),
            "stopped after 3 generations: x\nlab.altruism: posterior mean 3.1e-5, sd 0.5000\n\
             RMSE of predictive means 4.0e-5; 1/2 targets inside the 95% predictive interval"
        );
    }

    /// An incomplete generation is reported as such, with the generation that is the
    /// posterior, not with the previous generation's ESS as if it were its own.
    #[test]
    fn an_incomplete_generation_says_so_and_names_the_posterior() {
        let g = coprod_calibrate::Generation {
            index: 10,
            tolerance: 0.9,
            acceptance_rate: 0.000_336_8,
            proposals: 1_000_500,
            simulations: 43_683,
            ess: 290.2,
            particles: vec![],
            weights: vec![],
            distances: vec![],
            seeds: vec![],
            complete: false,
        };
        assert_eq!(
            super::describe_generation(&g),
            "generation 10: tolerance 0.9, acceptance 3.37e-4, incomplete (too few particles \
             accepted within the cap on proposals): the posterior is generation 9"
        );
    }

    /// The rule that stopped a calibration is named, in words and as manifest.json's key,
    /// with the numbers that met it.
    #[test]
    fn the_rule_that_stopped_a_calibration_is_named() {
        let settings = coprod_calibrate::Settings {
            particles: 500,
            generations: 20,
            quantile: 0.5,
            min_acceptance: 0.0005,
            seed: 1,
        };
        let g = |index: u32, acceptance_rate: f64, complete: bool| coprod_calibrate::Generation {
            index,
            tolerance: 1.0,
            acceptance_rate,
            proposals: 1_000,
            simulations: 100,
            ess: 200.0,
            particles: vec![],
            weights: vec![],
            distances: vec![],
            seeds: vec![],
            complete,
        };
        let stop = |gens: &[coprod_calibrate::Generation]| super::describe_stop(&settings, gens);
        assert_eq!(stop(&[g(0, 1.0, true)]), None);
        assert_eq!(
            stop(&[g(0, 1.0, true), g(1, 0.000_31, true)]),
            Some((
                "min_acceptance",
                "stopped after 2 generations: the acceptance rate of generation 1, 3.10e-4, \
                 fell below min_acceptance 0.0005"
                    .to_string()
            ))
        );
        assert_eq!(
            stop(&[g(0, 1.0, true), g(1, 0.000_31, false)]),
            Some((
                "proposal_cap",
                "stopped after 2 generations: generation 1 could not accept 500 particles \
                 within the cap of 1000500 proposals (set by min_acceptance 0.0005), so the \
                 posterior is generation 0"
                    .to_string()
            ))
        );
        let all: Vec<_> = (0..20).map(|i| g(i, 0.5, true)).collect();
        assert_eq!(
            stop(&all),
            Some((
                "generations",
                "stopped after 20 generations: the limit of the [calibration] table \
                 (generations = 20)"
                    .to_string()
            ))
        );
    }

    /// A complete generation's acceptance below 0.001 keeps three figures, as an incomplete
    /// one's does: the lab calibration's generation 9 (0.000564, against a stopping rule of
    /// 0.0005) read "acceptance 0.001"; and so does a rate below 0.1, which read as the
    /// stopping rule it fell below (0.0196 as "0.020").
    #[test]
    fn a_small_acceptance_rate_keeps_three_figures() {
        let g = coprod_calibrate::Generation {
            index: 9,
            tolerance: 1.0875848685182228,
            acceptance_rate: 0.000_563_850_421_760_115_5,
            proposals: 886_760,
            simulations: 41_088,
            ess: 290.233,
            particles: vec![],
            weights: vec![],
            distances: vec![],
            seeds: vec![],
            complete: true,
        };
        assert_eq!(
            super::describe_generation(&g),
            "generation 9: tolerance 1.088, acceptance 5.64e-4, ESS 290"
        );
        assert_eq!(super::acceptance_short(0.3076923), "0.308");
        assert_eq!(super::acceptance_short(1.0), "1.000");
        // Just below the default stopping rule (0.02) and below 0.002.
        assert_eq!(super::acceptance_short(0.019_63), "0.0196");
        assert_eq!(super::acceptance_short(0.001_737_6), "0.00174");
        assert_eq!(super::acceptance_short(0.0), "0");
        // A rate that stopped the run reads below its limit, however close to it.
        assert_eq!(super::acceptance_below(0.019_98, 0.02), "0.01998");
        assert_eq!(super::acceptance_below(0.019_999_9, 0.02), "0.0199999");
        assert_eq!(super::acceptance_below(0.000_499_8, 0.0005), "4.998e-4");
        assert_eq!(super::acceptance_below(0.019_63, 0.02), "0.0196");
    }

    #[test]
    fn progress_lines_round_the_tolerance_to_four_figures() {
        let short = super::tolerance_short;
        assert_eq!(short(7.677_922_064_709_074), "7.678");
        assert_eq!(short(0.043_826_556), "0.04383");
        assert_eq!(short(0.9), "0.9");
        assert_eq!(short(1234.5678), "1235");
        assert_eq!(short(20.0), "20");
        assert_eq!(short(f64::MAX), "inf");
    }

    /// The x tick labels of the predictive chart of `metric` in `dir`: the texts of the
    /// lowest row of middle-anchored labels (the title is the highest).
    fn x_ticks(dir: &std::path::Path, metric: &str) -> Vec<String> {
        let svg = std::fs::read_to_string(dir.join(format!("predictive-{metric}.svg"))).unwrap();
        let mut labels: Vec<(f64, String)> = Vec::new();
        for text in svg.split("<text ").skip(1) {
            let (attributes, rest) = text.split_once('>').unwrap();
            let y = attributes
                .split("y=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            if attributes.contains("dy=\"0.76em\"") && attributes.contains("\"middle\"") {
                let content = rest.split("</text>").next().unwrap().trim();
                labels.push((y.parse().unwrap(), content.to_string()));
            }
        }
        let lowest = labels.iter().map(|(y, _)| *y).fold(f64::MIN, f64::max);
        labels
            .into_iter()
            .filter(|(y, _)| *y == lowest)
            .map(|(_, t)| t)
            .collect()
    }

    /// A metric with one target gets an x axis over the run's steps, with whole steps as
    /// ticks; it ran from -1 to 1 (target at step 0) or 8.1 to 9.9 (step 9) before.
    #[test]
    fn a_single_target_chart_spans_the_run() {
        let tmp = tempfile::tempdir().unwrap();
        let row = |step| coprod_calibrate::PredictiveRow {
            target: coprod_output::Target {
                metric: "mean_contribution".into(),
                step,
                observed: 0.3,
                se: 0.02,
                source: "test".into(),
            },
            mean: 0.31,
            lower: 0.25,
            upper: 0.37,
        };
        let axis = super::ChartAxis {
            lab: true,
            steps: 10,
        };
        for step in [0, 9] {
            super::chart(tmp.path(), &[row(step)], axis).unwrap();
            let ticks = x_ticks(tmp.path(), "mean_contribution");
            assert!(ticks.len() >= 3, "step {step}: {ticks:?}");
            for tick in &ticks {
                assert!(
                    tick.parse::<u32>().is_ok_and(|t| t <= 9),
                    "step {step}: {ticks:?}"
                );
            }
            assert_eq!(ticks[0], "0", "step {step}: {ticks:?}");
        }
        // The multi-target chart keeps the targets' range.
        super::chart(tmp.path(), &[row(4), row(6)], axis).unwrap();
        let ticks = x_ticks(tmp.path(), "mean_contribution");
        let values: Vec<f64> = ticks.iter().map(|t| t.parse().unwrap()).collect();
        assert!(values.iter().all(|v| (4.0..=6.0).contains(v)), "{ticks:?}");
    }

    /// Both axes of a predictive chart carry their unit (they read `step` and the bare
    /// metric name `mean_contribution` before).
    #[test]
    fn predictive_chart_axes_have_units() {
        assert_eq!(
            super::axis_labels("mean_contribution", true),
            (
                "round of the public-goods game (step, from 0)".to_string(),
                "mean contribution (share of endowment)".to_string()
            )
        );
        let (x, y) = super::axis_labels("participation_rate", false);
        assert_eq!(x, "time (steps, months)");
        assert!(y.starts_with("participation rate ("), "{y}");
    }
}
