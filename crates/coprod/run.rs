//! `coprod run`: resolve the scenario and options, run every RunSpec in parallel, and
//! stream the results into a new run directory.
//!
//! Owns the glue between scenario, sweep and output crates, the progress bar (stderr,
//! silent when stderr is not a terminal) and the manifest contents.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use anyhow::{Context, Result};
use coprod_core::{Detail, SPECS};
use coprod_output::{
    Existing, ExperimentInfo, InterventionInfo, Manifest, MetricInfo, NameValue, ParamValue,
    ReplicationSeed, RunIdentity, ScenarioInfo, SeedInfo, SweepInfo, Timing, VariantInfo, Writer,
};
use coprod_scenario::{SEED_DERIVATION, Scenario, Setting, run_seed};
use coprod_sweep::Runner;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::RunArgs;
use crate::{check, shipped};

/// Where default output directories go, relative to the working directory.
const OUTPUTS: &str = "outputs";

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
    let mut settings = args.settings.clone();
    if let Some(r) = args.replications {
        settings.push(Setting {
            key: "experiment.replications".into(),
            value: r.to_string(),
        });
    }
    if let Some(s) = args.seed {
        settings.push(Setting {
            key: "experiment.seed".into(),
            value: s.to_string(),
        });
    }
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
        anyhow::bail!("{problem}\n\nhint: use fewer --threads or fewer citizens");
    }

    let target = match &args.out {
        Some(dir) => dir.clone(),
        None => coprod_output::default_run_dir(Path::new(OUTPUTS), &scenario.name),
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
    let mut writer = Writer::create(&target, swept, existing)?;
    let runner = Runner::new(threads)?;
    eprintln!("{}: {}", scenario.name, check::describe(&scenario, threads));

    let bar = ProgressBar::with_draw_target(Some(scenario.n_runs()), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} runs, {elapsed} elapsed, eta {eta}")
            .expect("the template is valid"),
    );
    let tick = || bar.inc(1);
    let mut lab_runs = 0u64;
    runner.run(scenario.runs(), Detail::Standard, &tick, |spec, output| {
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
        if spec.params.setting == 1.0 {
            lab_runs += 1;
        }
        writer.write_run(&id, &output)
    })?;
    bar.finish_and_clear();

    let without_groups = writer.runs_without_groups().saturating_sub(lab_runs);
    if without_groups > 0 {
        eprintln!(
            "warning: {without_groups} of {} runs never opened a co-production group; \
             check the parameters if that is unexpected",
            writer.runs_written()
        );
    }
    let manifest = manifest(&scenario, &args.settings, quick, started, clock, threads);
    let path = writer
        .finish(&manifest)
        .with_context(|| format!("cannot finish {}", target.display()))?;
    eprintln!(
        "wrote {} runs in {}",
        scenario.n_runs(),
        check::human_duration(clock.elapsed().as_secs_f64())
    );
    writeln!(stdout, "{}", display_path(&path))?;
    Ok(())
}

fn display_path(path: &Path) -> String {
    PathBuf::from(path).display().to_string()
}

fn manifest(
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
        parameters: SPECS
            .iter()
            .enumerate()
            .map(|(i, spec)| ParamValue {
                name: spec.name.to_string(),
                value: spec.format_value(s.base.get_index(i)),
                unit: spec.unit.to_string(),
                source: if s.base_overrides.iter().any(|(j, _)| *j == i) {
                    "scenario"
                } else {
                    "default"
                }
                .to_string(),
            })
            .collect(),
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
        step_metrics: MetricInfo::step_metrics(),
        summary_metrics: MetricInfo::summary_metrics(),
        files: coprod_output::FILES.iter().map(|f| f.to_string()).collect(),
        timing: Timing {
            started_utc: coprod_output::utc_timestamp(started),
            wall_seconds: (clock.elapsed().as_secs_f64() * 1000.0).round() / 1000.0,
            threads,
        },
    }
}
