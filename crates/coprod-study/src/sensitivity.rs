//! `coprod sensitivity SCENARIO`: global sensitivity analysis of a scenario with a
//! `[sensitivity]` table: Morris elementary effects (screening) and Sobol first-order and
//! total indices (Saltelli design), with bootstrap CIs and the noise share of each output.
//! Writes `sensitivity.csv`, `manifest.json` and one chart per output to a new directory.
//!
//! Owns turning design points into runs and the presentation; the designs and estimators
//! are `coprod-analysis`'s, the CSV writing `coprod-output`'s (docs/sensitivity.md).

use std::path::{Path, PathBuf};
use std::time::Instant;

use coprod_analysis::{
    MorrisDesign, SaltelliDesign, morris_design, morris_indices, morris_points, noise_share,
    saltelli_design, saltelli_points, sobol_indices,
};
use coprod_core::{Detail, Params, SPECS, summary_names};
use coprod_output::{
    DesignRow, Existing, RunDir, SensitivityRow, default_run_dir, write_design, write_sensitivity,
};
use coprod_plot::{ChartStyle, ForestRow, bar_chart};
use coprod_scenario::{RunSpec, Scenario, Sensitivity, Setting, run_seed};
use coprod_sweep::{Event, Faults, Runner};

use crate::error::{Context, Result, StudyError, bail, invalid};
use crate::estimate;
use crate::progress::{Note, Progress};
use crate::run::Study;

/// Outputs of every run of the design: `[output][point][replication]`.
type Replicates = Vec<Vec<Vec<f64>>>;

/// The folder of the charts in the output directory.
const CHARTS_DIR: &str = "charts";

/// How to run a sensitivity analysis.
#[derive(Clone, Debug, Default)]
pub struct SensitivityOptions {
    /// Output directory (default: `outputs/<scenario name>-sensitivity`, numbered if taken).
    pub out: Option<PathBuf>,
    /// `--set KEY=VALUE` settings of every run.
    pub settings: Vec<Setting>,
    /// Worker threads.
    pub threads: usize,
    /// Replace the output directory if it exists.
    pub force: bool,
}

/// What a sensitivity analysis wrote.
#[derive(Clone, Debug)]
pub struct SensitivitySummary {
    /// The output directory.
    pub dir: PathBuf,
    /// Rows of sensitivity.csv.
    pub indices: usize,
    /// Runs of the design.
    pub runs: u64,
    /// Wall time in seconds.
    pub seconds: f64,
}

/// Refuses `--set` options that the design would silently override: the replications (the
/// `[sensitivity]` table's own) and a parameter the design varies.
fn check_settings(table: &Sensitivity, settings: &[Setting]) -> Result<()> {
    for s in settings {
        if s.key == "experiment.replications" {
            bail!(
                "--set experiment.replications: `coprod sensitivity` runs the [sensitivity] \
                 table's `replications` ({}) at every design point\n\nhint: change \
                 `replications` in the [sensitivity] table",
                table.replications
            );
        }
        let index = Params::lookup(&s.key).ok().map(|(i, _)| i);
        if let Some(f) = table.factors.iter().find(|f| Some(f.param) == index) {
            bail!(
                "--set {}: the design varies this parameter from {} to {} (the [sensitivity] \
                 table), so the setting would be ignored\n\nhint: drop the --set, or take \
                 `{}` out of the [sensitivity] parameters",
                s.key,
                f.low,
                f.high,
                f.name()
            );
        }
    }
    Ok(())
}

/// `coprod sensitivity`: global sensitivity analysis of a study with a `[sensitivity]`
/// table (Morris and Sobol indices with bootstrap CIs, noise share), into a new directory.
pub fn sensitivity(
    study: &Study,
    options: &SensitivityOptions,
    progress: &dyn Progress,
) -> Result<SensitivitySummary> {
    let threads = options.threads;
    let clock = Instant::now();
    let scenario = settled_scenario(study, options, progress)?;
    let table = sensitivity_table(&scenario)?;
    let (designs, params) = checked_design(&scenario, &table, threads)?;
    progress.on_interrupt(&crate::progress::nothing_written("sensitivity analysis"));
    // Made before the start is announced: a folder that cannot be made is refused without a
    // line saying that 2,216 runs are starting.
    let dir = crate::progress::Discard::make(progress, || create_dir(&scenario, options))?;
    announce(&scenario, &table, designs.len(), threads, progress);
    // A failed analysis leaves nothing (its partial directory is discarded), so its errors
    // name the files as they would be in the output, not in a folder that is gone.
    let target = dir.target().to_path_buf();
    analyse(
        &scenario,
        (options, &table, clock),
        (&designs, &params),
        dir,
        progress,
    )
    .map_err(|e| e.at_final_paths(&target))
}

/// Runs the design into `dir` (a new partial directory), writes the results and moves them
/// into place.
fn analyse(
    scenario: &Scenario,
    (options, table, clock): (&SensitivityOptions, &Sensitivity, Instant),
    (designs, params): (&Designs, &[Params]),
    dir: RunDir,
    progress: &dyn Progress,
) -> Result<SensitivitySummary> {
    let threads = options.threads;
    let discard = crate::progress::Discard::new(progress);
    let (replicates, design) = run_design(
        scenario,
        table,
        params,
        (designs.morris_points(), threads),
        progress,
    )?;
    let rows = index_rows(&replicates, designs, table, scenario, progress);
    let seconds = clock.elapsed().as_secs_f64();
    let points = designs.len();
    let parameters: Vec<String> = table.factors.iter().map(|f| f.name().to_string()).collect();
    let path = discard.commit(dir, |staging| {
        let charts = staging.join(CHARTS_DIR);
        let drawn = draw_charts(&rows, table, scenario, &charts, progress)?;
        let manifest = manifest(
            scenario,
            table,
            options,
            threads,
            points,
            seconds,
            drawn > 0,
        );
        write_design(staging, &parameters, &table.outputs, &design)?;
        write_sensitivity(staging, &rows, &manifest)?;
        Ok(())
    })?;
    Ok(SensitivitySummary {
        dir: path,
        indices: rows.len(),
        runs: table.runs(),
        seconds,
    })
}

/// The study's scenario with the `--set` settings applied, after refusing the settings the
/// design would silently override.
fn settled_scenario(
    study: &Study,
    options: &SensitivityOptions,
    progress: &dyn Progress,
) -> Result<Scenario> {
    let mut scenario = study.scenario().clone();
    if let Some(table) = &scenario.sensitivity {
        check_settings(table, &options.settings)?;
    }
    for note in scenario.apply_settings(&options.settings)? {
        progress.note(Note::Note(note));
    }
    let warnings = [
        scenario.baseline_warnings(),
        scenario.sensitivity_warnings(),
    ];
    for warning in scenario.naming_the_file(warnings.concat()) {
        progress.note(Note::Warning(warning));
    }
    Ok(scenario)
}

/// The scenario's `[sensitivity]` table, which this command cannot do without.
fn sensitivity_table(scenario: &Scenario) -> Result<Sensitivity> {
    let Some(table) = scenario.sensitivity.clone() else {
        bail!(
            "{} has no [sensitivity] table\n\nhint: add one (docs/sensitivity.md), or try \
             `coprod sensitivity sensitivity`",
            scenario.origin
        );
    };
    Ok(table)
}

/// The design and the parameters of each of its points, after every check that can refuse
/// it before a run ([`check_design`], which `coprod check` makes, so that a file it passes
/// is not refused here).
fn checked_design(
    scenario: &Scenario,
    table: &Sensitivity,
    threads: usize,
) -> Result<(Designs, Vec<Params>)> {
    check_before_building(scenario, table, threads)?;
    let designs = Designs::new(scenario, table);
    // Refuses the first point the model rejects, as `check_points` would: each point is
    // checked once, while its parameters are made.
    let params = design_params(scenario, table, &designs.points())?;
    Ok((designs, params))
}

/// Every check that can refuse a design before its first run, without building it: the
/// checks before building it, and design points the model rejects.
pub(crate) fn check_design(scenario: &Scenario, table: &Sensitivity, threads: usize) -> Result<()> {
    check_before_building(scenario, table, threads)?;
    check_points(scenario, table)
}

/// A factor held by an intervention, and a design or runs too large for the memory.
fn check_before_building(scenario: &Scenario, table: &Sensitivity, threads: usize) -> Result<()> {
    check_interventions(scenario, table)?;
    check_design_memory(scenario, table)?;
    check_runs_memory(scenario, table, threads)
}

/// What `coprod check` refuses of a `[sensitivity]` table that `coprod run` refuses too,
/// although it does not use the table: a factor held by an intervention and design points
/// the model rejects. A file that `check` calls invalid for these is then never run. The
/// memory the design needs is left to `check` and `coprod sensitivity`: it is the
/// machine's, not the file's (docs/errors.md).
pub(crate) fn refuse_invalid_design(scenario: &Scenario, table: &Sensitivity) -> Result<()> {
    check_interventions(scenario, table)?;
    check_points(scenario, table)
}

/// Refuses the first design point the model rejects, naming it. The points are drawn one at
/// a time and dropped once checked: a design of millions of points, built whole with a
/// parameter set for each, took a minute and 12.7 GB to check.
fn check_points(scenario: &Scenario, table: &Sensitivity) -> Result<()> {
    let base = scenario.baseline_params();
    for (point, u) in design_points(scenario, table).enumerate() {
        point_params(scenario, table, &base, point, &u)?;
    }
    Ok(())
}

/// The points of the designs the table's method asks for, in run order (as
/// [`Designs::points`]), drawn as they are used rather than held.
fn design_points(scenario: &Scenario, table: &Sensitivity) -> impl Iterator<Item = Vec<f64>> {
    let (morris, sobol) = per_method(scenario, table, morris_points, saltelli_points);
    morris
        .into_iter()
        .flatten()
        .chain(sobol.into_iter().flatten())
}

/// What `morris` and `sobol` make of the table's design sizes and the scenario's seed, for
/// each method the table asks for: the designs whole, or their points one at a time.
fn per_method<M, S>(
    scenario: &Scenario,
    table: &Sensitivity,
    morris: impl FnOnce(usize, usize, usize, u64) -> M,
    sobol: impl FnOnce(usize, usize, u64) -> S,
) -> (Option<M>, Option<S>) {
    let k = table.factors.len();
    let (trajectories, levels) = (table.trajectories as usize, table.levels as usize);
    (
        table
            .method
            .morris()
            .then(|| morris(k, trajectories, levels, scenario.seed)),
        table
            .method
            .sobol()
            .then(|| sobol(k, table.samples as usize, scenario.seed)),
    )
}

/// Refuses a design factor that the scenario's own interventions hold at every step: every
/// design point runs them (docs/sensitivity.md), so the factor's value would be in force
/// at no step, and its indices would measure only noise.
fn check_interventions(scenario: &Scenario, table: &Sensitivity) -> Result<()> {
    let factors = table.factors.iter().map(|f| {
        let usage = format!(
            "the design varies it from {} to {} ([sensitivity.parameters])",
            f.low, f.high
        );
        (f.name(), usage)
    });
    Ok(scenario.refuse_held_factors(
        factors,
        "[sensitivity.parameters]",
        "the intervention would override the design's value in every run",
    )?)
}

/// Refuses a design whose runs would not fit in memory, before any run starts
/// ([`estimate::design_runs_memory_refusal`]: a factor may be the population size).
fn check_runs_memory(scenario: &Scenario, table: &Sensitivity, threads: usize) -> Result<()> {
    if let Some((problem, hint)) = estimate::design_runs_memory_refusal(scenario, table, threads) {
        bail!("{}: {problem}\n\nhint: {hint}", scenario.origin);
    }
    Ok(())
}

/// Refuses a design too large to hold in memory, before it is built.
fn check_design_memory(scenario: &Scenario, table: &Sensitivity) -> Result<()> {
    if let Some(problem) = estimate::design_memory_problem(table) {
        bail!(
            "{}: {problem}\n\nhint: {}",
            scenario.origin,
            estimate::DESIGN_HINT
        );
    }
    Ok(())
}

/// The designs the `[sensitivity]` table's method asks for. Their points are run Morris
/// first, so an output's point means split at the end of the Morris design.
pub(crate) struct Designs {
    morris: Option<MorrisDesign>,
    sobol: Option<SaltelliDesign>,
}

impl Designs {
    fn new(scenario: &Scenario, table: &Sensitivity) -> Self {
        let (morris, sobol) = per_method(scenario, table, morris_design, saltelli_design);
        Designs { morris, sobol }
    }

    /// Every design point, in run order.
    fn points(&self) -> Vec<Vec<f64>> {
        let mut points: Vec<Vec<f64>> = Vec::new();
        points.extend(self.morris.iter().flat_map(|d| d.points.iter().cloned()));
        points.extend(self.sobol.iter().flat_map(|d| d.points.iter().cloned()));
        points
    }

    fn morris_points(&self) -> usize {
        self.morris.as_ref().map_or(0, |d| d.points.len())
    }

    fn len(&self) -> usize {
        self.morris_points() + self.sobol.as_ref().map_or(0, |d| d.points.len())
    }
}

fn announce(
    scenario: &Scenario,
    table: &Sensitivity,
    design_points: usize,
    threads: usize,
    progress: &dyn Progress,
) {
    progress.note(Note::Status(format!(
        "{}: {} x {} = {} of {} on {}",
        scenario.name,
        crate::estimate::counted(design_points, "design point"),
        crate::estimate::counted(table.replications as usize, "replication"),
        crate::estimate::counted(table.runs() as usize, "run"),
        crate::estimate::run_length(scenario),
        crate::estimate::on_this_machine(threads)
    )));
    if scenario.variants.len() > 1 || !scenario.sweep.is_empty() {
        progress.note(Note::Note(format!(
            "{}: its variants and sweep are not used; every design point starts from the \
             baseline's parameters",
            scenario.name
        )));
    }
}

/// The new output directory: `--out`, or a fresh one under outputs/ named after the scenario.
fn create_dir(scenario: &Scenario, options: &SensitivityOptions) -> Result<RunDir> {
    let target = match &options.out {
        Some(dir) => dir.clone(),
        None => default_run_dir(
            Path::new("outputs"),
            &format!("{}-sensitivity", scenario.name),
        ),
    };
    let existing = Existing::forced(coprod_output::Kind::Sensitivity, options.force);
    existing.check_inputs_outside(&target, &[Path::new(&scenario.origin)])?;
    Ok(RunDir::create(&target, existing)?)
}

/// The rows of sensitivity.csv, output by output. An output that is not finite somewhere
/// has no rows, only a warning.
fn index_rows(
    replicates: &Replicates,
    designs: &Designs,
    table: &Sensitivity,
    scenario: &Scenario,
    progress: &dyn Progress,
) -> Vec<SensitivityRow> {
    let mut rows = Vec::new();
    for (o, output) in table.outputs.iter().enumerate() {
        let means = point_means(&replicates[o]);
        // The estimators need the output at every design point; a group metric is missing in
        // a run in which no group started, and it is not replaced by a number.
        if replicates[o].iter().flatten().any(|v| v.is_nan()) {
            progress.note(Note::Warning(missing_output(output)));
            continue;
        }
        if means.iter().any(|v| !v.is_finite()) {
            progress.note(Note::Warning(format!(
                "`{output}` is not finite at some design point: no indices"
            )));
            continue;
        }
        rows.push(noise_row(output, &replicates[o], designs.len()));
        method_rows(designs, &means, table, scenario, output, &mut rows);
    }
    rows
}

/// Draws the charts of every output that has rows into `charts` and returns how many it
/// drew.
fn draw_charts(
    rows: &[SensitivityRow],
    table: &Sensitivity,
    scenario: &Scenario,
    charts: &Path,
    progress: &dyn Progress,
) -> Result<usize> {
    let mut drawn = 0;
    for output in &table.outputs {
        if !rows.iter().any(|r| &r.output == output) {
            continue; // no indices, as a warning said
        }
        let axis = Axis {
            unit: coprod_report::metric_unit(output, scenario.runs_lab()).unwrap_or(""),
            ci: table.bootstrap > 0,
        };
        drawn += draw(rows, output, &axis, charts, progress)?;
    }
    Ok(drawn)
}

/// The warning for an output missing in some run of the design, with why it can be
/// missing: a group metric where no group started (docs/ODD.md 8.18; `group_end_rate`
/// too, since a group that ended in the month it started was at risk for that month).
fn missing_output(output: &str) -> String {
    format!(
        "`{output}` is missing in some run of the design (no group started there; \
         docs/ODD.md 8.18): no indices\nhint: narrow the ranges in [sensitivity.parameters], \
         or analyse `groups_started`"
    )
}

/// The mean over the replications of each design point.
fn point_means(replicates: &[Vec<f64>]) -> Vec<f64> {
    replicates
        .iter()
        .map(|r| r.iter().sum::<f64>() / r.len() as f64)
        .collect()
}

/// The share of the output's variance that is replication noise rather than the design.
fn noise_row(output: &str, replicates: &[Vec<f64>], design_points: usize) -> SensitivityRow {
    SensitivityRow {
        method: "noise".into(),
        output: output.to_string(),
        parameter: String::new(),
        index: "noise_share".into(),
        estimate: noise_share(replicates).unwrap_or(f64::NAN),
        ci_low: None,
        ci_high: None,
        n: design_points as u64,
    }
}

/// The Morris then the Sobol rows of one output, each from its own design's point means.
fn method_rows(
    designs: &Designs,
    means: &[f64],
    table: &Sensitivity,
    scenario: &Scenario,
    output: &str,
    rows: &mut Vec<SensitivityRow>,
) {
    let mut offset = 0;
    if let Some(design) = &designs.morris {
        let y = &means[offset..offset + design.points.len()];
        offset += design.points.len();
        morris_rows(design, y, table, scenario, output, rows);
    }
    if let Some(design) = &designs.sobol {
        let y = &means[offset..offset + design.points.len()];
        sobol_rows(design, y, table, scenario, output, rows);
    }
}

/// What a chart's axis says: the output's unit (the lab setting's where it has its own)
/// and whether the bars carry bootstrap CIs (none with `bootstrap = 0`).
struct Axis {
    unit: &'static str,
    ci: bool,
}

/// The parameters of every design point: the scenario's baseline with each factor set to its
/// value at the point. A combination the model rejects is an error naming the point.
fn design_params(
    scenario: &Scenario,
    table: &Sensitivity,
    points: &[Vec<f64>],
) -> Result<Vec<Params>> {
    let base = scenario.baseline_params();
    points
        .iter()
        .enumerate()
        .map(|(point, u)| point_params(scenario, table, &base, point, u))
        .collect()
}

/// The parameters of design point `point` (unit coordinates `u`): `base` with each factor
/// set to its value there, or an error naming the point if the model rejects them.
fn point_params(
    scenario: &Scenario,
    table: &Sensitivity,
    base: &Params,
    point: usize,
    u: &[f64],
) -> Result<Params> {
    let mut p = base.clone();
    for (factor, &x) in table.factors.iter().zip(u) {
        p.set_index(factor.param, factor.value(x))
            .with_context(|| format!("invalid value for `{}`", factor.name()))?;
    }
    p.validate().map_err(|e| {
        invalid!(
            "{}: design point {point} ({}) is not a valid parameter set: {e}\n\nhint: \
             narrow the ranges in [sensitivity.parameters]",
            scenario.origin,
            point_values(table, &p)
        )
    })?;
    Ok(p)
}

/// "levers.outreach = 0.5, levers.group_size_cap = 12": the design's values in `p`, as
/// design.csv writes them.
fn point_values(table: &Sensitivity, p: &Params) -> String {
    table
        .factors
        .iter()
        .map(|f| {
            let value = SPECS[f.param].format_value(p.get_index(f.param));
            format!("{} = {value}", f.name())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Runs every design point `replications` times (replication r has the seed of replication
/// r of `coprod run`, so every point of a replication shares its seed) and returns the
/// outputs `[output][point][replication]` and the rows of design.csv, in run order. The
/// first `morris_points` points are the Morris design's.
fn run_design(
    scenario: &Scenario,
    table: &Sensitivity,
    params: &[Params],
    (morris_points, threads): (usize, usize),
    progress: &dyn Progress,
) -> Result<(Replicates, Vec<DesignRow>)> {
    let columns = output_columns(table);
    let reps = table.replications;
    let interventions = &scenario.variants[0].interventions;
    let specs = params.iter().enumerate().flat_map(|(point, p)| {
        (0..reps).map(move |replication| RunSpec {
            run_id: point as u64 * u64::from(reps) + u64::from(replication),
            variant: 0,
            variant_name: coprod_scenario::BASELINE,
            point,
            point_values: Vec::new(),
            replication,
            seed: run_seed(scenario.seed, replication),
            params: p.clone(),
            interventions,
            steps: scenario.steps,
        })
    });
    let mut out = vec![vec![Vec::with_capacity(reps as usize); params.len()]; columns.len()];
    let mut design = Vec::with_capacity(params.len() * reps as usize);
    let runner = Runner::new(threads)?;
    progress.start(table.runs());
    let tick = || progress.advance(1);
    let faults = Faults::default();
    let result = runner.run_isolated(specs, Detail::Standard, &faults, &tick, |event| {
        let (spec, output) = match event {
            Event::Run(spec, output) => (spec, output),
            Event::ChunkDone => return Ok(()),
        };
        // A design with a hole has no estimator: stop and say which run failed.
        let output = output.map_err(|failure| {
            invalid!(
                "design point {} (replication {}, seed {}) failed: {failure}",
                spec.point,
                spec.replication,
                spec.seed
            )
        })?;
        let summary = output.summary();
        for (o, &c) in columns.iter().enumerate() {
            out[o][spec.point].push(summary[c]);
        }
        let method = if spec.point < morris_points {
            "morris"
        } else {
            "sobol"
        };
        design.push(design_row(&spec, method, table, &columns, &summary));
        Ok::<(), StudyError>(())
    });
    progress.finish();
    result?;
    Ok((out, design))
}

/// The columns of the run summary that are the table's outputs, in the table's order.
fn output_columns(table: &Sensitivity) -> Vec<usize> {
    let names = summary_names();
    table
        .outputs
        .iter()
        .map(|o| {
            names
                .iter()
                .position(|(n, _, _)| n == o)
                .expect("checked when the scenario is read")
        })
        .collect()
}

/// The design.csv row of a run of the design: its factors' values and its outputs (the
/// `columns` of its `summary`).
fn design_row(
    spec: &RunSpec<'_>,
    method: &'static str,
    table: &Sensitivity,
    columns: &[usize],
    summary: &[f64],
) -> DesignRow {
    DesignRow {
        point: spec.point as u64,
        method,
        replication: spec.replication,
        seed: spec.seed,
        values: table
            .factors
            .iter()
            .map(|f| SPECS[f.param].format_value(spec.params.get_index(f.param)))
            .collect(),
        outputs: columns.iter().map(|&c| summary[c]).collect(),
    }
}

fn morris_rows(
    design: &MorrisDesign,
    y: &[f64],
    table: &Sensitivity,
    scenario: &Scenario,
    output: &str,
    rows: &mut Vec<SensitivityRow>,
) {
    // A whole-number parameter is rounded, so it can move by another share of its range
    // than the grid step: each effect is divided by the share it really moved.
    let realised = design.realised(|i, x| table.factors[i].realised_position(x));
    let indices = morris_indices(&realised, y, table.bootstrap as usize, scenario.seed);
    for (factor, m) in table.factors.iter().zip(indices) {
        let estimates = [
            ("mu", m.mu, m.mu_ci),
            ("mu_star", m.mu_star, m.mu_star_ci),
            ("sigma", m.sigma, m.sigma_ci),
        ];
        let at = RowKey {
            method: "morris",
            output,
            parameter: factor.name(),
            n: m.n as u64,
        };
        push_rows(&at, &estimates, table.bootstrap > 0, rows);
    }
}

/// What the rows of one method, output and parameter share.
struct RowKey<'a> {
    method: &'static str,
    output: &'a str,
    parameter: &'a str,
    n: u64,
}

/// One row per (index name, estimate, bootstrap CI); the CI is left empty without bootstrap.
fn push_rows(
    at: &RowKey<'_>,
    estimates: &[(&str, f64, (f64, f64))],
    bootstrapped: bool,
    rows: &mut Vec<SensitivityRow>,
) {
    for &(index, estimate, ci) in estimates {
        rows.push(SensitivityRow {
            method: at.method.into(),
            output: at.output.to_string(),
            parameter: at.parameter.to_string(),
            index: index.into(),
            estimate,
            ci_low: bootstrapped.then_some(ci.0),
            ci_high: bootstrapped.then_some(ci.1),
            n: at.n,
        });
    }
}

fn sobol_rows(
    design: &SaltelliDesign,
    y: &[f64],
    table: &Sensitivity,
    scenario: &Scenario,
    output: &str,
    rows: &mut Vec<SensitivityRow>,
) {
    let indices = sobol_indices(design, y, table.bootstrap as usize, scenario.seed);
    for (factor, s) in table.factors.iter().zip(indices) {
        let estimates = [
            ("first_order", s.first, s.first_ci),
            ("total", s.total, s.total_ci),
        ];
        let n = design.base_samples as u64;
        let at = RowKey {
            method: "sobol",
            output,
            parameter: factor.name(),
            n,
        };
        push_rows(&at, &estimates, table.bootstrap > 0, rows);
    }
}

/// Draws the charts of one output and returns how many it drew: Sobol first-order and
/// total indices per parameter (`sobol_<output>`), and Morris mu* per parameter
/// (`morris_<output>`), each with its bootstrap CIs if any. A bar whose index is NaN (undefined)
/// is left empty and marked "n/a"; a chart with no finite estimate at all is not drawn, and
/// a warning says which and why.
fn draw(
    rows: &[SensitivityRow],
    output: &str,
    axis: &Axis,
    charts: &Path,
    progress: &dyn Progress,
) -> Result<usize> {
    let title = chart_title(rows, output);
    let mut drawn = 0;
    for (bars, groups, x_label, stem) in bar_charts(rows, output, axis) {
        if !bars.iter().any(|r| r.effect.is_finite()) {
            let why = if stem.starts_with("sobol") {
                "every Sobol index is NaN: the output does not vary over the design's \
                 samples, so it has no variance to share"
            } else {
                "every Morris mu* is NaN: no parameter gave an elementary effect, because \
                 rounding to whole numbers left each of its moves in place (n = 0)"
            };
            progress.note(Note::Warning(format!(
                "chart {stem} of `{output}` not drawn: {why} (sensitivity.csv has the NaN rows)"
            )));
            continue;
        }
        std::fs::create_dir_all(charts)
            .with_context(|| format!("cannot create {}", charts.display()))?;
        let height = (200 + 40 * bars.len() as u32).max(600);
        let style =
            ChartStyle::new(title.clone(), x_label, "", charts.join(stem)).with_size(1400, height);
        bar_chart(&bars, &groups, &style)
            .map(|_: Vec<PathBuf>| ())
            .with_context(|| format!("cannot draw the sensitivity chart of `{output}`"))?;
        drawn += 1;
    }
    Ok(drawn)
}

/// "Sensitivity of participation rate (noise share 0.12)": the title of `output`'s charts.
fn chart_title(rows: &[SensitivityRow], output: &str) -> String {
    let noise = rows
        .iter()
        .find(|r| r.output == output && r.index == "noise_share")
        .map_or(f64::NAN, |r| r.estimate);
    let noise = if noise.is_finite() {
        format!("{noise:.2}")
    } else {
        "n/a".to_string()
    };
    format!(
        "Sensitivity of {} (noise share {noise})",
        output.replace('_', " ")
    )
}

/// A bar chart to draw: its rows, each row's colour group, the x-axis label and file stem.
type BarChart = (Vec<ForestRow>, Vec<usize>, String, String);

/// `output`'s charts: the Sobol indices (first order and total, side by side) when the
/// design has them, and Morris mu* when it has those.
fn bar_charts(rows: &[SensitivityRow], output: &str, axis: &Axis) -> Vec<BarChart> {
    let of = |method: &str, index: &str| -> Vec<&SensitivityRow> {
        rows.iter()
            .filter(|r| r.output == output && r.method == method && r.index == index)
            .collect()
    };
    let short = |p: &str| p.rsplit('.').next().unwrap_or(p).replace('_', " ");
    let forest_row = |label: String, r: &SensitivityRow| {
        ForestRow::new(
            label,
            r.estimate,
            r.ci_low.unwrap_or(f64::NAN),
            r.ci_high.unwrap_or(f64::NAN),
        )
    };
    let ci = if axis.ci { ", bootstrap 95% CI" } else { "" };
    let mut charts: Vec<BarChart> = Vec::new();
    let (first, total) = (of("sobol", "first_order"), of("sobol", "total"));
    if !first.is_empty() {
        let mut f = Vec::new();
        for (a, b) in first.iter().zip(&total) {
            f.push(forest_row(
                format!("{}: first order", short(&a.parameter)),
                a,
            ));
            f.push(forest_row(format!("{}: total", short(&b.parameter)), b));
        }
        let groups = (0..f.len()).map(|i| i % 2).collect();
        charts.push((
            f,
            groups,
            format!("Sobol index (share of output variance){ci}"),
            format!("sobol_{output}"),
        ));
    }
    let mu_star = of("morris", "mu_star");
    if !mu_star.is_empty() {
        let f = mu_star
            .iter()
            .map(|r| forest_row(short(&r.parameter), r))
            .collect::<Vec<_>>();
        let groups = vec![2; f.len()];
        charts.push((
            f,
            groups,
            format!(
                "Morris mu* ({} per full range of the parameter){ci}",
                axis.unit
            ),
            format!("morris_{output}"),
        ));
    }
    charts
}

fn manifest(
    scenario: &Scenario,
    table: &Sensitivity,
    args: &SensitivityOptions,
    threads: usize,
    design_points: usize,
    seconds: f64,
    charts: bool,
) -> serde_json::Value {
    // `charts/` exists only if some chart was drawn.
    let mut files = vec!["sensitivity.csv", "design.csv", "manifest.json"];
    if charts {
        files.push("charts/");
    }
    // Sizes of a method that did not run are null, not their unused defaults.
    let (morris, sobol) = match table.method {
        coprod_scenario::Method::Morris => (true, false),
        coprod_scenario::Method::Sobol => (false, true),
        coprod_scenario::Method::Both => (true, true),
    };
    serde_json::json!({
        "kind": "sensitivity",
        "coprod_version": crate::VERSION,
        "scenario": {
            "name": scenario.name,
            "origin": scenario.origin,
            "source": scenario.source,
            "hash": scenario.fingerprint(),
        },
        "steps": scenario.steps,
        "base_seed": scenario.seed,
        "seeds": "design and bootstrap streams are ChaCha8 streams of the base seed; \
                  replication r of every design point uses the seed of replication r of \
                  `coprod run` (common random numbers)",
        "method": format!("{:?}", table.method).to_lowercase(),
        "parameters": table.factors.iter().map(factor_json).collect::<Vec<_>>(),
        "outputs": table.outputs,
        "samples": sobol.then_some(table.samples),
        "trajectories": morris.then_some(table.trajectories),
        "levels": morris.then_some(table.levels),
        "replications": table.replications,
        "bootstrap": table.bootstrap,
        "design_points": design_points,
        "runs": table.runs(),
        "settings": args.settings.iter().map(|s| format!("{}={}", s.key, s.value)).collect::<Vec<_>>(),
        "files": files,
        "timing": { "wall_seconds": (seconds * 1000.0).round() / 1000.0, "threads": threads },
    })
}

/// A varied parameter as the manifest records it: name and range, the whole bounds of a
/// whole-number parameter as integers, as a scenario writes them (`[4, 20]`, not 4.0 and
/// 20.0); a fractional bound, which such a range may have, as it is.
fn factor_json(factor: &coprod_scenario::Factor) -> serde_json::Value {
    let whole = SPECS[factor.param].kind == coprod_core::Kind::Int;
    let bound = |v: f64| {
        if whole && v.fract() == 0.0 {
            serde_json::json!(v as i64)
        } else {
            serde_json::json!(v)
        }
    };
    serde_json::json!({
        "name": factor.name(), "low": bound(factor.low), "high": bound(factor.high),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// docs/outputs.md: the manifest's `low` and `high` are written as the table writes
    /// them, so `"levers.group_size_cap" = [4, 20]` is 4 and 20, not 4.0 and 20.0.
    #[test]
    fn whole_number_bounds_are_recorded_as_integers() {
        let factor = |name: &str, low: f64, high: f64| coprod_scenario::Factor {
            param: Params::lookup(name).unwrap().0,
            low,
            high,
        };
        let recorded = |f| serde_json::to_string(&factor_json(&f)).unwrap();
        assert_eq!(
            recorded(factor("levers.group_size_cap", 4.0, 20.0)),
            r#"{"high":20,"low":4,"name":"levers.group_size_cap"}"#
        );
        assert_eq!(
            recorded(factor("levers.group_size_cap", 4.5, 20.0)),
            r#"{"high":20,"low":4.5,"name":"levers.group_size_cap"}"#
        );
        assert_eq!(
            recorded(factor("citizens.trust_mean", 0.3, 1.0)),
            r#"{"high":1.0,"low":0.3,"name":"citizens.trust_mean"}"#
        );
    }

    /// The warning says why a group metric can be missing: no group started there, for
    /// `group_end_rate` as for the others (every started group has a month at risk).
    #[test]
    fn a_missing_output_is_explained_by_what_makes_it_missing() {
        let lifetime = missing_output("median_group_lifetime");
        assert!(
            lifetime.starts_with(
                "`median_group_lifetime` is missing in some run of the design (no group \
                 started there; docs/ODD.md 8.18): no indices"
            ),
            "{lifetime}"
        );
        let rate = missing_output("group_end_rate");
        assert!(
            rate.starts_with(
                "`group_end_rate` is missing in some run of the design (no group started \
                 there; docs/ODD.md 8.18): no indices"
            ),
            "{rate}"
        );
    }

    #[test]
    fn a_design_point_is_summarised_by_the_mean_of_its_replications() {
        assert_eq!(
            point_means(&[vec![1.0, 3.0], vec![2.0, 2.0, 5.0], vec![0.5]]),
            [2.0, 3.0, 0.5]
        );
    }
}
