//! `coprod run`: resolve the scenario and options, run every RunSpec in parallel, and
//! stream the results into a new run directory, or finish an interrupted one (`--resume`).
//!
//! Owns the glue between scenario, sweep and output crates, the progress bar (stderr,
//! silent when stderr is not a terminal), the manifest contents, the hints for output
//! errors, the `COPROD_FAULT_INJECT` testing aid and the "some runs failed" outcome
//! (exit status 3, see docs/errors.md).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use anyhow::{Context, Result, anyhow};
use coprod_core::{Detail, SPECS};
use coprod_output::{
    Completed, Existing, ExperimentInfo, Identity, InterventionInfo, Manifest, MetricInfo,
    NameValue, OutputError, ParamValue, ParameterRow, ReplicationSeed, RunIdentity, ScenarioInfo,
    SeedInfo, SweepInfo, Timing, VariantInfo, Writer,
};
use coprod_scenario::{BASELINE, SEED_DERIVATION, Scenario, Setting, run_seed};
use coprod_sweep::{Event, Faults, Runner};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::RunArgs;
use crate::{check, compare, shipped};

/// Where default output directories go, relative to the working directory.
const OUTPUTS: &str = "outputs";

/// Environment variable naming runs that fail on purpose (testing aid, docs/errors.md).
const FAULT_INJECT: &str = "COPROD_FAULT_INJECT";

pub(crate) use crate::outcome::SomeRunsFailed;

pub(crate) fn run(args: RunArgs, threads: usize, stdout: &mut impl Write) -> Result<()> {
    let started = SystemTime::now();
    let clock = Instant::now();
    let (mut scenario, quick) = match &args.scenario {
        Some(arg) => (shipped::load(arg)?, args.quick),
        None => {
            eprintln!(
                "no scenario given: running a quick version of the `{}` teaching scenario \
                 (`coprod run {}` runs it in full)",
                shipped::DEFAULT_SCENARIO,
                shipped::DEFAULT_SCENARIO
            );
            (shipped::load(shipped::DEFAULT_SCENARIO)?, true)
        }
    };
    let settings = with_experiment_options(&args.settings, args.replications, args.seed);
    for note in scenario.apply_settings(&settings)? {
        eprintln!("note: {note}");
    }
    if quick {
        scenario.make_quick()?;
    }
    for warning in scenario.warnings() {
        eprintln!("warning: {warning}");
    }
    if let Some(problem) = check::memory_problem(&scenario, threads) {
        anyhow::bail!("{problem}\n\nhint: use fewer --threads, fewer citizens or fewer steps");
    }
    crate::shard::check_options(&args)?;
    let metrics = compare::metrics(&args.metrics)?;
    let against = args.against.clone().unwrap_or_else(|| BASELINE.to_string());
    if !scenario.variants.iter().any(|v| v.name == against) {
        let names: Vec<&str> = scenario.variants.iter().map(|v| v.name.as_str()).collect();
        anyhow::bail!(
            "--against {against}: scenario `{}` has no variant `{against}`\n\nhint: use one of {}",
            scenario.name,
            names.join(", ")
        );
    }
    let mut adaptive = match args.target_ci {
        Some(w) if !(w.is_finite() && w > 0.0) => {
            anyhow::bail!("invalid value {w} for --target-ci: allowed is a number above 0")
        }
        Some(w) => {
            let pilot = Runner::new(threads)?;
            let adaptive = compare::adaptive_replications(
                &scenario,
                &pilot,
                &metrics,
                &against,
                w,
                args.max_replications,
            )?;
            eprintln!(
                "--target-ci: {} after {} replications; running them into the output directory",
                adaptive.stopped_because, adaptive.replications
            );
            scenario.apply_settings(&[Setting {
                key: "experiment.replications".into(),
                value: adaptive.replications.to_string(),
            }])?;
            Some(adaptive)
        }
        None => None,
    };

    let faults: Faults = match std::env::var(FAULT_INJECT) {
        Ok(text) => text
            .parse()
            .map_err(|e| anyhow!("invalid {FAULT_INJECT}={text}: {e}"))?,
        Err(_) => Faults::default(),
    };
    // With --shard, only a block of the runs (shard.rs); a shard resumes only itself.
    let shard = crate::shard::resolve(&args, &settings, &scenario, quick)?;
    let (first_run, n_runs) = crate::shard::block(shard.as_ref(), &scenario);
    let identity = Identity {
        coprod_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario_hash: shard
            .as_ref()
            .map_or_else(|| scenario.fingerprint(), crate::shard::identity_hash),
        runs: n_runs,
    };
    let outputs = Path::new(OUTPUTS);
    let target = match &args.out {
        Some(dir) => dir.clone(),
        None if shard.is_some() => shard.as_ref().map_or_else(PathBuf::new, |s| {
            crate::shard::default_dir(Path::new(OUTPUTS), &scenario.name, s)
        }),
        None if args.resume => coprod_output::resumable_run_dir(outputs, &scenario.name)
            .unwrap_or_else(|| outputs.join(&scenario.name)),
        None => coprod_output::default_run_dir(outputs, &scenario.name),
    };
    let existing = if args.force {
        Existing::Replace
    } else {
        Existing::Refuse
    };
    let swept: Vec<String> = scenario
        .sweep
        .iter()
        .map(|a| a.name().to_string())
        .collect();
    let mut writer = if args.resume {
        match Writer::resume(&target, swept, existing, &identity) {
            Ok(writer) => writer,
            Err(OutputError::NothingToResume { .. })
                if match &shard {
                    Some(s) => crate::shard::is_complete(&target, s)?,
                    None => is_complete(&target, &identity)?,
                } =>
            {
                eprintln!(
                    "{} is already complete: nothing to resume",
                    display_path(&target)
                );
                writeln!(stdout, "{}", display_path(&target))?;
                return Ok(());
            }
            Err(err) => return Err(explain(err)),
        }
    } else {
        Writer::create_resumable(&target, swept, existing, Some(&identity)).map_err(explain)?
    };
    crate::interrupt::on_ctrl_c(&args, &target, n_runs);
    let runner = Runner::new(threads)?;
    let skip = writer.runs_done();
    eprintln!(
        "{}: {}",
        scenario.name,
        check::describe_runs(&scenario, threads)
    );
    if skip > 0 {
        eprintln!(
            "resuming {}: {skip} of {} runs are already done",
            display_path(&target),
            n_runs
        );
    }

    let bar = ProgressBar::with_draw_target(Some(n_runs - skip), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} runs, {elapsed} elapsed, eta {eta}")
            .expect("the template is valid"),
    );
    let tick = || bar.inc(1);
    let mut lab_runs = 0u64;
    let specs = scenario
        .runs()
        .skip(usize::try_from(first_run + skip).unwrap_or(usize::MAX))
        .take(usize::try_from(n_runs - skip).unwrap_or(usize::MAX));
    let handle = |event: Event<'_>| {
        let (spec, output) = match event {
            Event::Run(spec, output) => (spec, output),
            Event::ChunkDone => return writer.checkpoint(),
        };
        let point: Vec<String> = scenario
            .sweep
            .iter()
            .zip(&spec.point_values)
            .map(|(axis, v)| SPECS[axis.param].format_value(*v))
            .collect();
        let id = RunIdentity {
            run_id: spec.run_id,
            variant: spec.variant_name,
            point: &point,
            replication: spec.replication,
            seed: spec.seed,
        };
        match output {
            Ok(output) => {
                if spec.params.setting == 1.0 {
                    lab_runs += 1;
                }
                writer.write_run(&id, &output)
            }
            Err(failure) => {
                bar.suspend(|| {
                    eprintln!(
                        "warning: run {} (variant `{}`, replication {}, seed {}) failed: {failure}",
                        spec.run_id, spec.variant_name, spec.replication, spec.seed
                    );
                });
                writer.write_failure(&id, failure.kind(), &failure.to_string())
            }
        }
    };
    // --target-ci kept its pilot runs: write them rather than run them again.
    let kept = adaptive.as_mut().and_then(|a| a.outputs.take());
    if kept.is_some() {
        eprintln!("--target-ci: writing the pilot's runs, not running them again");
    }
    let result = match kept {
        Some(kept) => replay(specs, kept, runner.chunk_len(), &tick, handle),
        None => runner.run_isolated(specs, Detail::Standard, &faults, &tick, handle),
    };
    bar.finish_and_clear();
    if let Err(err) = result {
        let saved = writer.runs_saved();
        if saved == 0 {
            return Err(err.into());
        }
        return Err(anyhow!(
            "{err}\n  the run stopped; the {saved} of {} runs finished before are kept in {}\n\n\
             hint: fix the problem (for example free some disk space), then give the same \
             command with --resume to run only what is missing",
            scenario.n_runs(),
            coprod_output::partial_dir(&target).display()
        ));
    }

    let without_groups = writer.runs_without_groups().saturating_sub(lab_runs);
    if without_groups > 0 && skip == 0 {
        eprintln!(
            "warning: {without_groups} of {} runs never opened a co-production group; \
             check the parameters if that is unexpected",
            writer.runs_written()
        );
    }
    let failed = writer.failed_runs();
    let mut manifest = manifest(&scenario, &args.settings, quick, started, clock, threads);
    manifest.failed_runs = failed;
    manifest.files = writer.files();
    manifest.timing.resumed_at_run = writer.resumed_at().filter(|n| *n > 0);
    let completed = writer
        .complete()
        .with_context(|| format!("cannot finish {}", target.display()))?;
    if let Some(shard) = shard {
        return crate::shard::finish(shard, completed, manifest, failed, stdout);
    }
    manifest.adaptive = adaptive.as_ref().map(compare::Adaptive::to_json);
    let path = finish(
        completed,
        manifest,
        &scenario,
        (&metrics, &against),
        &target,
    )?;
    eprintln!(
        "wrote {} runs in {}",
        scenario.n_runs() - skip,
        check::human_duration(clock.elapsed().as_secs_f64())
    );
    writeln!(stdout, "{}", display_path(&path))?;
    some_runs_failed(failed, scenario.n_runs(), &path)
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

/// `--set` options followed by `--replications` and `--seed`, which are shorthands for
/// `--set experiment.replications=N` and `--set experiment.seed=S`.
pub(crate) fn with_experiment_options(
    settings: &[Setting],
    replications: Option<u32>,
    seed: Option<u64>,
) -> Vec<Setting> {
    let mut all = settings.to_vec();
    if let Some(r) = replications {
        all.push(Setting {
            key: "experiment.replications".into(),
            value: r.to_string(),
        });
    }
    if let Some(s) = seed {
        all.push(Setting {
            key: "experiment.seed".into(),
            value: s.to_string(),
        });
    }
    all
}

/// The files derived from the CSVs (comparison.csv for scenarios with variants, charts and
/// index.html), then the move into place. Shared by `coprod run` and `coprod merge`, so a
/// merged directory is byte-identical to a single run's.
pub(crate) fn finish(
    completed: Completed,
    mut manifest: Manifest,
    scenario: &Scenario,
    (metrics, against): (&[String], &str),
    target: &Path,
) -> Result<PathBuf> {
    let swept: Vec<String> = scenario
        .sweep
        .iter()
        .map(|a| a.name().to_string())
        .collect();
    coprod_output::write_parameters(completed.staging(), &swept, &parameter_rows(scenario))?;
    manifest
        .files
        .push(coprod_output::PARAMETERS_CSV.to_string());
    if scenario.variants.len() > 1 {
        match compare::write_all(completed.staging(), metrics, against) {
            Ok(written) if !written.is_empty() => manifest.files.push(compare::file_name()),
            Ok(_) => {}
            Err(err) => eprintln!("warning: no comparison: {err:#}"),
        }
    }
    crate::plot::add_charts(completed.staging(), &manifest);
    completed
        .commit(&manifest)
        .with_context(|| format!("cannot finish {}", target.display()))
}

/// Status 3 (through [`SomeRunsFailed`]) with a warning naming failures.csv, if any run failed.
pub(crate) fn some_runs_failed(failed: u64, runs: u64, path: &Path) -> Result<()> {
    if failed == 0 {
        return Ok(());
    }
    eprintln!(
        "warning: {failed} of {runs} runs failed; {} lists them with their seeds and parameters",
        display_path(&path.join(coprod_output::FAILURES_CSV))
    );
    Err(SomeRunsFailed { failed, runs }.into())
}

/// Whether `target` is a finished run directory of the same scenario and version (so
/// `--resume` has nothing to do). A finished directory of something else is an error.
fn is_complete(target: &Path, identity: &Identity) -> Result<bool> {
    let Ok(text) = std::fs::read_to_string(target.join(coprod_output::MANIFEST_JSON)) else {
        return Ok(false);
    };
    let manifest: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
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
        return Err(explain(OutputError::Mismatch {
            path: target.to_path_buf(),
            what: "scenario fingerprint".into(),
            found: hash.into(),
            expected: identity.scenario_hash.clone(),
        }));
    }
    Ok(true)
}

/// Output errors with the hint that fixes them (the ones `main` does not already know).
fn explain(err: OutputError) -> anyhow::Error {
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
        OutputError::Mismatch { .. } => {
            "resume with the same scenario file and the same --set, --replications, --seed and \
             --quick options, or start over with --force"
        }
        OutputError::Corrupt { .. } => "start over with --force",
        OutputError::Io { .. } | OutputError::CannotCreate { .. } => {
            "choose a directory you can write to with --out DIR"
        }
        _ => return err.into(),
    };
    anyhow!("{err}\n\nhint: {hint}")
}

fn display_path(path: &Path) -> String {
    PathBuf::from(path).display().to_string()
}

/// Every parameter of every (variant, sweep point) as it ran: the rows of parameters.csv.
pub(crate) fn parameter_rows(s: &Scenario) -> Vec<ParameterRow> {
    let mut rows = Vec::new();
    for (v, variant) in s.variants.iter().enumerate() {
        for point in 0..s.n_points() {
            let (params, sources) = s.params_as_run(v, point);
            let values: Vec<String> = s
                .sweep
                .iter()
                .zip(s.point_values(point))
                .map(|(axis, x)| SPECS[axis.param].format_value(x))
                .collect();
            rows.extend(SPECS.iter().enumerate().map(|(i, spec)| ParameterRow {
                variant: variant.name.clone(),
                point: values.clone(),
                parameter: spec.name.to_string(),
                value: spec.format_value(params.get_index(i)),
                unit: spec.unit.to_string(),
                source: sources[i].as_str().to_string(),
            }));
        }
    }
    rows
}

/// The manifest's `parameters`: each parameter's value when every run has the same one
/// (with where it came from), else no value and the sources of its values, in the order
/// first met; parameters.csv then holds the value of each variant and sweep point.
fn manifest_parameters(s: &Scenario) -> Vec<ParamValue> {
    let rows = parameter_rows(s);
    SPECS
        .iter()
        .map(|spec| {
            let of_param: Vec<&ParameterRow> =
                rows.iter().filter(|r| r.parameter == spec.name).collect();
            let first = of_param[0];
            let same = of_param.iter().all(|r| r.value == first.value);
            let mut sources: Vec<&str> = Vec::new();
            for r in &of_param {
                if !sources.contains(&r.source.as_str()) {
                    sources.push(&r.source);
                }
            }
            ParamValue {
                name: spec.name.to_string(),
                value: same.then(|| first.value.clone()),
                unit: spec.unit.to_string(),
                source: if same {
                    first.source.clone()
                } else {
                    sources.join("+")
                },
            }
        })
        .collect()
}

pub(crate) fn manifest(
    s: &Scenario,
    settings: &[Setting],
    quick: bool,
    started: SystemTime,
    clock: Instant,
    threads: usize,
) -> Manifest {
    let name_value = |(i, v): &(usize, f64)| NameValue {
        name: SPECS[*i].name.to_string(),
        value: SPECS[*i].format_value(*v),
    };
    Manifest {
        coprod_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario: ScenarioInfo {
            name: s.name.clone(),
            description: s.description.clone(),
            origin: s.origin.clone(),
            source: s.source.clone(),
            hash: s.fingerprint(),
        },
        experiment: ExperimentInfo {
            steps: s.steps,
            replications: s.replications,
            sweep_points: s.n_points() as u64,
            runs: s.n_runs(),
        },
        seeds: SeedInfo {
            base_seed: s.seed,
            derivation: SEED_DERIVATION.to_string(),
            replications: (0..s.replications)
                .map(|r| ReplicationSeed {
                    replication: r,
                    seed: run_seed(s.seed, r),
                })
                .collect(),
        },
        parameters: manifest_parameters(s),
        sweep: s
            .sweep
            .iter()
            .map(|a| SweepInfo {
                name: a.name().to_string(),
                values: a
                    .values
                    .iter()
                    .map(|v| SPECS[a.param].format_value(*v))
                    .collect(),
            })
            .collect(),
        variants: s
            .variants
            .iter()
            .map(|v| VariantInfo {
                name: v.name.clone(),
                description: v.description.clone(),
                params: v.overrides.iter().map(name_value).collect(),
                interventions: v
                    .interventions
                    .iter()
                    .map(|iv| InterventionInfo {
                        lever: iv.param().to_string(),
                        value: coprod_core::Params::lookup(iv.param()).map_or_else(
                            |_| iv.value.to_string(),
                            |(_, spec)| spec.format_value(iv.value),
                        ),
                        from_step: iv.from_step,
                        until_step: iv.until_step,
                    })
                    .collect(),
            })
            .collect(),
        settings: settings
            .iter()
            .map(|st| format!("{}={}", st.key, st.value))
            .collect(),
        quick,
        failed_runs: 0,
        step_metrics: MetricInfo::step_metrics(),
        summary_metrics: MetricInfo::summary_metrics(),
        files: coprod_output::FILES.iter().map(|f| f.to_string()).collect(),
        adaptive: None,
        timing: Timing {
            started_utc: coprod_output::utc_timestamp(started),
            wall_seconds: (clock.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
            threads,
            resumed_at_run: None,
        },
    }
}
