//! A run directory read back ([`RunData`]), with the small statistics the charts need:
//! means and 95% intervals over runs, paired differences, metric units.
//!
//! Owns the grouping of rows by variant and sweep point. summary.csv and runs.csv (one row
//! per run) are held whole; timeseries.csv and groups.csv (rows per step and per group of every
//! run) are streamed once and only their aggregates per (variant, sweep point) cell are kept
//! ([`Aggregates`]), so memory does not grow with the number of runs or groups. Every chart
//! selects cells, never runs. It does not draw anything.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use coprod_output::read::{
    Expected, GroupRow, ParametersTable, RowSink, RunsTable, SummaryTable, each_row, read_manifest,
    read_parameters_of, read_runs_of, read_summary_of, same_sweep,
};
use coprod_output::{Accumulator, Lowered, OptionValue, QuickLowered};

use crate::classes::{CAP_CLASSES, SIZE_CLASSES, class_of};
use crate::error::ReportError;
use crate::forces::LifeTotals;

/// Everything in a run directory that charts and reports use.
#[derive(Debug, Clone)]
pub struct RunData {
    /// The run directory.
    pub dir: PathBuf,
    /// summary.csv.
    pub summary: SummaryTable,
    /// runs.csv.
    pub runs: RunsTable,
    /// timeseries.csv and groups.csv, aggregated per (variant, sweep point).
    pub(crate) aggregates: Aggregates,
    /// manifest.json, if present (loose JSON).
    pub manifest: Option<serde_json::Value>,
    /// parameters.csv (every parameter as it ran), if present.
    pub parameters: Option<ParametersTable>,
}

/// What `--quick` did to a run, so that a page says only what it changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Quick {
    /// Not a quick run.
    Off,
    /// A quick run whose manifest predates the record of what `--quick` lowered.
    Unrecorded,
    /// What `--quick` lowered (possibly nothing: a scenario within its caps).
    Lowered(QuickLowered),
}

impl Quick {
    /// What `--quick` lowered `key` (`experiment.steps` or `experiment.replications`)
    /// from and to, if it did.
    pub(crate) fn lowered_experiment(&self, key: &str) -> Option<Lowered> {
        let Quick::Lowered(l) = self else {
            return None;
        };
        match key {
            "experiment.steps" => l.steps,
            "experiment.replications" => l.replications,
            _ => None,
        }
    }

    /// Whether `--quick` lowered the parameter `name` in some run.
    pub(crate) fn lowered_parameter(&self, name: &str) -> bool {
        matches!(self, Quick::Lowered(l) if l.parameters.iter().any(|p| p == name))
    }
}

/// What the charts and pages need of timeseries.csv and groups.csv, per (variant, sweep point)
/// cell: its size depends on cells, steps, metrics and size classes, never on runs or groups.
#[derive(Debug, Clone, Default)]
pub(crate) struct Aggregates {
    /// The metric columns of timeseries.csv.
    step_metrics: Vec<String>,
    /// The largest step in timeseries.csv (of any run), for when the manifest is missing.
    last_step: Option<u64>,
    /// In order of first appearance in runs.csv, so that merging cells is reproducible.
    cells: Vec<Cell>,
    /// Durations of each run's started groups (all sizes), by run id: lifetime measures
    /// with replication-bootstrap intervals need them run by run.
    runs: BTreeMap<u64, Durations>,
    /// Whether groups.csv has the production columns (a run from before they were written
    /// has not).
    has_life: bool,
}

/// The aggregates of one (variant, sweep point).
#[derive(Debug, Clone, Default)]
struct Cell {
    variant: String,
    point: Vec<String>,
    /// Running mean and variance over runs, per step and then per step metric.
    steps: Vec<Vec<Accumulator>>,
    /// Started groups by [`SIZE_CLASSES`] of their size at formation.
    durations: [Durations; 3],
    /// Started groups by [`CAP_CLASSES`] of their size cap.
    endings: [Endings; 3],
    /// What the started groups produced against what their tasks needed.
    life: LifeTotals,
}

/// How long started groups lasted, as counts, in months producing (the spells of
/// `coprod_core::spell`, docs/ODD.md 8.18).
#[derive(Debug, Clone, Default)]
pub(crate) struct Durations {
    /// Ended groups: months producing (the month of their life they ended in), and how many.
    ended: BTreeMap<u64, u64>,
    /// Groups still active at the end: the step they formed, and how many. Their duration
    /// depends on the horizon, which the manifest given to the report may set after loading.
    censored: BTreeMap<u64, u64>,
}

impl Durations {
    /// Counts a started group: its months producing if it ended (it produced in the step it
    /// ended too), else the step it formed.
    fn push(&mut self, g: &GroupRow) {
        match g.ended_step {
            Some(end) => {
                *self
                    .ended
                    .entry(coprod_core::ended_spell(g.formed_step, end))
                    .or_default() += 1
            }
            None => *self.censored.entry(g.formed_step).or_default() += 1,
        }
    }

    pub(crate) fn add(&mut self, other: &Durations) {
        for (k, n) in &other.ended {
            *self.ended.entry(*k).or_default() += n;
        }
        for (k, n) in &other.censored {
            *self.censored.entry(*k).or_default() += n;
        }
    }

    /// `(duration, events, censored)` counts for a Kaplan-Meier curve, groups still active
    /// being censored after `horizon - formed` months (they went through the last step's
    /// ending checks, so they count as at risk at ends of that month).
    pub(crate) fn counts(&self, horizon: u64) -> Vec<(f64, u64, u64)> {
        let ended = self.ended.iter().map(|(d, n)| (*d as f64, *n, 0));
        let censored = self
            .censored
            .iter()
            .map(|(formed, n)| (coprod_core::censored_spell(*formed, horizon) as f64, 0, *n));
        ended.chain(censored).collect()
    }
}

/// How the started groups of a class ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Endings {
    /// Groups that started (neither `never_started` nor `forming`).
    pub(crate) started: u64,
    /// Ended with `too_few_members`.
    pub(crate) too_few_members: u64,
    /// Ended with `failed_task`.
    pub(crate) failed_task: u64,
    /// Still `active` at the end.
    pub(crate) active: u64,
}

impl Aggregates {
    /// Streams timeseries.csv and groups.csv of `dir` once, keeping per cell of `runs` only
    /// running statistics and counts. [`each_row`] refuses rows that disagree with runs.csv,
    /// the manifest (`expected`) or `parameters`, so that no chart describes other runs
    /// than runs.csv's.
    fn read(
        dir: &Path,
        runs: &RunsTable,
        parameters: Option<&ParametersTable>,
        expected: Option<&Expected>,
    ) -> Result<Aggregates, ReportError> {
        let mut tally = Tally::default();
        for r in &runs.rows {
            tally.add_run(r.run_id, &r.variant, &r.point);
        }
        tally.aggregates.step_metrics = each_row(dir, runs, parameters, expected, &mut tally)?;
        Ok(tally.aggregates)
    }
}

/// The aggregates of timeseries.csv and groups.csv built from their rows as a sweep writes
/// them, so that the report of a finished run need not read those files back (they are the
/// bulk of a run directory, and reading them is the one step of `coprod run` that cannot use
/// more than one thread). Fed the same rows in the same order as the files hold, it gives
/// exactly what reading the files gives: every float is written with its shortest
/// round-trip form, so it parses back to the same bits.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    aggregates: Aggregates,
    cell_of_run: HashMap<u64, usize>,
}

impl Tally {
    /// An empty tally for timeseries rows with the metric columns `step_metrics`.
    pub fn new(step_metrics: Vec<String>) -> Tally {
        Tally {
            aggregates: Aggregates {
                step_metrics,
                ..Aggregates::default()
            },
            cell_of_run: HashMap::new(),
        }
    }

    /// Bytes the tally holds until the report is drawn for `cells` (variant, sweep point)
    /// cells of `steps` steps and `metrics` step metrics: per cell and step a vector of an
    /// [`Accumulator`] per metric, plus the allocator's header of that vector (16 bytes with
    /// glibc). Groups add only counts. 500 cells of 2,001 steps and 27 metrics are 688 MB by
    /// this count; `coprod run` of such a sweep of 20 citizens peaked at 766 MB (resident,
    /// 7 December 2026).
    pub fn bytes_for(cells: u64, steps: u64, metrics: u64) -> u64 {
        const ALLOCATOR_HEADER: u64 = 16;
        let per_step = std::mem::size_of::<Vec<Accumulator>>() as u64
            + ALLOCATOR_HEADER
            + metrics.saturating_mul(std::mem::size_of::<Accumulator>() as u64);
        cells.saturating_mul(steps).saturating_mul(per_step)
    }

    /// A run as listed in runs.csv, in that order; its rows are counted in its
    /// (variant, sweep point) cell.
    pub fn add_run(&mut self, run_id: u64, variant: &str, point: &[String]) {
        let cells = &mut self.aggregates.cells;
        let cell = match cells
            .iter()
            .position(|c| c.variant == variant && c.point == point)
        {
            Some(i) => i,
            None => {
                cells.push(Cell {
                    variant: variant.to_string(),
                    point: point.to_vec(),
                    ..Cell::default()
                });
                cells.len() - 1
            }
        };
        self.cell_of_run.entry(run_id).or_insert(cell);
    }

    /// A row of timeseries.csv: the step metrics of one run at one step.
    pub fn add_step(&mut self, run_id: u64, step: u64, values: &[f64]) {
        let a = &mut self.aggregates;
        a.last_step = Some(a.last_step.map_or(step, |s| s.max(step)));
        let Some(&c) = self.cell_of_run.get(&run_id) else {
            return;
        };
        let steps = &mut a.cells[c].steps;
        let step = step as usize;
        if steps.len() <= step {
            steps.resize(step + 1, vec![Accumulator::default(); values.len()]);
        }
        for (acc, v) in steps[step].iter_mut().zip(values) {
            if v.is_finite() {
                acc.push(*v);
            }
        }
    }

    /// A row of groups.csv.
    pub fn add_group(&mut self, g: &GroupRow) {
        if matches!(g.end_reason.as_str(), "never_started" | "forming") {
            return;
        }
        let Some(&c) = self.cell_of_run.get(&g.run_id) else {
            return;
        };
        let a = &mut self.aggregates;
        a.runs.entry(g.run_id).or_default().push(g);
        let cell = &mut a.cells[c];
        if let Some(life) = &g.life {
            a.has_life = true;
            cell.life.push(g.size_at_formation, life);
        }
        if let Some(k) = class_of(&SIZE_CLASSES, g.size_at_formation) {
            cell.durations[k].push(g);
        }
        if let Some(k) = class_of(&CAP_CLASSES, g.size_cap) {
            let e = &mut cell.endings[k];
            e.started += 1;
            match g.end_reason.as_str() {
                "too_few_members" => e.too_few_members += 1,
                "failed_task" => e.failed_task += 1,
                "active" => e.active += 1,
                _ => {}
            }
        }
    }
}

impl RowSink for Tally {
    fn step(&mut self, run_id: u64, step: u64, values: &[f64]) {
        self.add_step(run_id, step, values);
    }

    fn group(&mut self, g: &GroupRow) {
        self.add_group(g);
    }
}

/// Mean and 95% interval of some values (non-finite values left out).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The mean (NaN when there is no finite value).
    pub mean: f64,
    /// The 95% t-interval, when there are at least two finite values.
    pub ci: Option<(f64, f64)>,
    /// How many finite values.
    pub n: u64,
}

impl Estimate {
    /// The mean and t-interval of the finite values.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Estimate {
        let mut acc = Accumulator::default();
        for v in values.into_iter().filter(|v| v.is_finite()) {
            acc.push(v);
        }
        let s = acc.summary();
        Estimate {
            mean: if s.n == 0 { f64::NAN } else { s.mean },
            ci: s.ci,
            n: s.n,
        }
    }
}

impl RunData {
    /// Reads the four CSV files and, if present, manifest.json of `dir`; timeseries.csv and
    /// groups.csv are streamed and only their aggregates per variant and sweep point kept.
    ///
    /// # Errors
    /// [`ReportError::Read`] naming the file when one is missing or malformed.
    pub fn load(dir: &Path) -> Result<RunData, ReportError> {
        RunData::load_with(dir, None)
    }

    /// As [`RunData::load`], but with the rows of timeseries.csv and groups.csv already
    /// tallied as they were written (`None`: read them).
    ///
    /// # Errors
    /// As [`RunData::load`].
    pub fn load_with(dir: &Path, tally: Option<Tally>) -> Result<RunData, ReportError> {
        // The files must agree with the manifest (when there is one) and with each other:
        // every page and chart states what they say.
        let manifest = read_manifest(dir)?;
        let expected = manifest
            .as_ref()
            .map(|m| Expected::of_manifest(dir, m))
            .transpose()?;
        let runs = read_runs_of(dir, expected.as_ref())?;
        // Before summary.csv, whose counts would disagree too: the count says more.
        check_run_count(dir, manifest.as_ref(), runs.rows.len())?;
        let summary = read_summary_of(dir, &runs, expected.as_ref())?;
        let parameters = read_parameters_of(dir, expected.as_ref())?;
        if let Some(p) = &parameters {
            same_sweep(dir, coprod_output::PARAMETERS_CSV, &p.swept, &runs)?;
        }
        let aggregates = match tally {
            Some(tally) => tally.aggregates,
            None => Aggregates::read(dir, &runs, parameters.as_ref(), expected.as_ref())?,
        };
        Ok(RunData {
            dir: dir.to_path_buf(),
            summary,
            runs,
            aggregates,
            manifest,
            parameters,
        })
    }

    /// Refuses a run directory whose runs.csv holds fewer or more runs than its manifest
    /// records (`experiment.runs` less `failed_runs`): charts drawn from it would describe
    /// another run than the manifest and the other files.
    ///
    /// # Errors
    /// [`ReportError::Unsuitable`] naming both counts.
    pub fn check_runs(&self) -> Result<(), ReportError> {
        check_run_count(&self.dir, self.manifest.as_ref(), self.runs.rows.len())?;
        self.check_report_metrics()
    }

    /// The manifest's `scenario.report_metrics`, which decide what is charted and compared,
    /// each a column of runs.csv and listed once, as `coprod run` writes them: an edited
    /// record is refused by name rather than reported as a column runs.csv lacks.
    fn check_report_metrics(&self) -> Result<(), ReportError> {
        let names = self.report_metrics();
        for (i, name) in names.iter().enumerate() {
            let problem = if !self.runs.metrics.contains(name) {
                format!("names `{name}`, which is not a metric of runs.csv")
            } else if names[..i].contains(name) {
                format!("lists `{name}` twice")
            } else {
                continue;
            };
            return Err(ReportError::Damaged {
                path: self.dir.join(coprod_output::MANIFEST_JSON),
                message: format!(
                    "`scenario.report_metrics` {problem}: allowed are the metrics of runs.csv \
                     ({}), each once; the directory is damaged or was changed, and nothing was \
                     written",
                    self.runs.metrics.join(", ")
                ),
            });
        }
        Ok(())
    }

    /// Variant names in order of first appearance in runs.csv (baseline first).
    pub fn variants(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for row in &self.runs.rows {
            if !out.contains(&row.variant) {
                out.push(row.variant.clone());
            }
        }
        out
    }

    /// How many replications: distinct replication indices in runs.csv.
    pub fn replications(&self) -> usize {
        let mut seen: Vec<u64> = self.runs.rows.iter().map(|r| r.replication).collect();
        seen.sort_unstable();
        seen.dedup();
        seen.len()
    }

    /// Why the estimates have no interval when runs.csv holds fewer than two replications:
    /// the run had one, or its other replications failed (the manifest's
    /// `experiment.replications` says how many it had).
    pub(crate) fn no_interval_reason(&self) -> &'static str {
        let planned = self
            .manifest
            .as_ref()
            .and_then(|m| m.pointer("/experiment/replications"))
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(self.replications() as u64);
        match self.replications() {
            _ if planned <= 1 => "the run has one replication",
            0 => "no run succeeded (failures.csv says why)",
            _ => "the runs that succeeded are of one replication (failures.csv lists the others)",
        }
    }

    /// The distinct values of swept parameter `axis` in order of first appearance.
    pub fn axis_values(&self, axis: usize) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for row in &self.runs.rows {
            if let Some(v) = row.point.get(axis)
                && !out.contains(v)
            {
                out.push(v.clone());
            }
        }
        out
    }

    /// Whether every value of swept parameter `axis` is a number (so it can be an axis).
    pub fn axis_is_numeric(&self, axis: usize) -> bool {
        let values = self.axis_values(axis);
        !values.is_empty()
            && values
                .iter()
                .all(|v| v.parse::<f64>().is_ok_and(f64::is_finite))
    }

    /// The column of summary metric `metric` in runs.csv.
    pub fn run_metric(&self, metric: &str) -> Option<usize> {
        self.runs.metrics.iter().position(|m| m == metric)
    }

    /// The column of step metric `metric` in timeseries.csv.
    pub fn step_metric(&self, metric: &str) -> Option<usize> {
        self.aggregates
            .step_metrics
            .iter()
            .position(|m| m == metric)
    }

    /// The steps that a run's value of a step metric in runs.csv averages, for a sentence:
    /// "the last 12 steps", or "all 10 rounds" in a run that has no more, where "end of the
    /// run" would suggest the last round alone; a run of unknown length (no manifest, no
    /// step written) gets the rule itself. coprod-core does the averaging
    /// ([`coprod_core::SUMMARY_STEPS`], docs/outputs.md); this only says it.
    pub fn averaged_steps(&self) -> String {
        const AVERAGED: u64 = coprod_core::SUMMARY_STEPS as u64;
        let steps = self.steps();
        let (one, many) = if self.is_lab() {
            ("round", "rounds")
        } else {
            ("step", "steps")
        };
        match steps {
            0 => format!("the last {AVERAGED} {many} (all of them in a run of fewer)"),
            1 => format!("its one {one}"),
            s if s <= AVERAGED => format!("all {s} {many}"),
            _ => format!("the last {AVERAGED} {many}"),
        }
    }

    /// Whether timeseries.csv has metric columns, whose run values in runs.csv are averages
    /// over steps.
    pub(crate) fn has_step_metrics(&self) -> bool {
        !self.aggregates.step_metrics.is_empty()
    }

    /// Steps per run: from the manifest, else one more than the largest step written.
    pub fn steps(&self) -> u64 {
        self.manifest
            .as_ref()
            .and_then(|m| m.pointer("/experiment/steps"))
            .and_then(serde_json::Value::as_u64)
            .unwrap_or_else(|| self.aggregates.last_step.map_or(0, |s| s + 1))
    }

    /// The metrics of the scenario's `[report]` table, as the manifest records them (none
    /// without a manifest, or one of a scenario without the table).
    pub fn report_metrics(&self) -> Vec<String> {
        self.manifest
            .as_ref()
            .and_then(|m| m.pointer("/scenario/report_metrics"))
            .and_then(serde_json::Value::as_array)
            .map(|names| {
                names
                    .iter()
                    .filter_map(|n| n.as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// What `--quick` did to these runs, as the manifest records it.
    pub(crate) fn quick(&self) -> Quick {
        let Some(m) = &self.manifest else {
            return Quick::Off;
        };
        if m.get("quick").and_then(serde_json::Value::as_bool) != Some(true) {
            return Quick::Off;
        }
        m.get("quick_lowered")
            .and_then(|l| serde_json::from_value(l.clone()).ok())
            .map_or(Quick::Unrecorded, Quick::Lowered)
    }

    /// The `[experiment]` values that options of their own gave (`--replications 2`), as
    /// the manifest records them (none in folders written before it did).
    pub(crate) fn options(&self) -> Vec<OptionValue> {
        self.manifest
            .as_ref()
            .and_then(|m| m.get("options"))
            .and_then(|o| serde_json::from_value(o.clone()).ok())
            .unwrap_or_default()
    }

    /// Runs that failed (the manifest's `failed_runs`; 0 without a manifest): they have no
    /// row in runs.csv, so every count of runs leaves them out.
    pub fn failed_runs(&self) -> u64 {
        self.manifest
            .as_ref()
            .and_then(|m| m.get("failed_runs"))
            .and_then(serde_json::Value::as_u64)
            .unwrap_or(0)
    }

    /// The scenario name (manifest), else the directory name.
    pub fn name(&self) -> String {
        self.manifest
            .as_ref()
            .and_then(|m| m.pointer("/scenario/name"))
            .and_then(serde_json::Value::as_str)
            .map_or_else(
                || {
                    self.dir
                        .file_name()
                        .map_or_else(|| "run".into(), |n| n.to_string_lossy().into_owned())
                },
                String::from,
            )
    }

    /// A model parameter's value as it ran in (variant, sweep point): from parameters.csv,
    /// else from the manifest when all runs shared it.
    pub fn parameter_in(&self, variant: &str, point: &[String], name: &str) -> Option<String> {
        match &self.parameters {
            Some(table) => table.value(variant, point, name).map(String::from),
            None => self.parameter(name),
        }
    }

    /// Whether the run is of the lab setting (`population.setting = lab`): rounds of a
    /// public-goods game, not months of co-production.
    pub fn is_lab(&self) -> bool {
        coprod_output::read::ran_lab(self.parameters.as_ref(), self.manifest.as_ref())
    }

    /// The durations of the started groups of these runs, pooled.
    pub(crate) fn run_durations(&self, run_ids: impl IntoIterator<Item = u64>) -> Durations {
        let mut out = Durations::default();
        for id in run_ids {
            if let Some(d) = self.aggregates.runs.get(&id) {
                out.add(d);
            }
        }
        out
    }

    /// Replaces the aggregates of timeseries.csv and groups.csv with `tally`'s (tests build
    /// runs in memory with it).
    #[cfg(test)]
    pub(crate) fn set_tally(&mut self, tally: Tally) {
        self.aggregates = tally.aggregates;
    }

    /// Records `n` groups of run `run_id` that ended in month `duration` of their lives, that
    /// is after producing `duration` months (tests build runs in memory with it).
    #[cfg(test)]
    pub(crate) fn add_ended_groups(&mut self, run_id: u64, duration: u64, n: u64) {
        let d = self.aggregates.runs.entry(run_id).or_default();
        *d.ended.entry(duration).or_default() += n;
    }

    /// A model parameter's value as written in the manifest when every run had it, if known.
    pub fn parameter(&self, name: &str) -> Option<String> {
        coprod_output::read::manifest_parameter(self.manifest.as_ref(), name).map(String::from)
    }

    /// The (variant, sweep point) cells that `keep` selects, in runs.csv order.
    fn cells<'a>(
        &'a self,
        keep: impl Fn(&str, &[String]) -> bool + 'a,
    ) -> impl Iterator<Item = &'a Cell> {
        self.aggregates
            .cells
            .iter()
            .filter(move |c| keep(&c.variant, &c.point))
    }

    /// Per-step mean and 95% band of a step metric over the runs of the (variant, sweep point)
    /// cells that `keep` selects, the band cut to the values the metric can take
    /// (`RunData::cut_level`) as every other interval is. Returns `(steps, means, lower,
    /// upper)`.
    pub fn step_band(
        &self,
        metric: usize,
        keep: impl Fn(&str, &[String]) -> bool,
    ) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
        let mut per_step: Vec<Accumulator> = Vec::new();
        for cell in self.cells(keep) {
            if per_step.len() < cell.steps.len() {
                per_step.resize(cell.steps.len(), Accumulator::default());
            }
            for (pooled, step) in per_step.iter_mut().zip(&cell.steps) {
                if let Some(acc) = step.get(metric) {
                    pooled.merge(acc);
                }
            }
        }
        let name = self
            .aggregates
            .step_metrics
            .get(metric)
            .map_or("", String::as_str);
        let mut out = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (step, acc) in per_step.iter().enumerate() {
            let s = acc.summary();
            if s.n == 0 {
                continue;
            }
            let (lo, hi) = self.cut_level(name, s.ci.unwrap_or((s.mean, s.mean)));
            out.0.push(step as f64);
            out.1.push(s.mean);
            out.2.push(lo);
            out.3.push(hi);
        }
        out
    }

    /// Durations of the started groups of the cells `keep` selects, one per [`SIZE_CLASSES`]
    /// class of size at formation.
    pub(crate) fn group_durations(&self, keep: impl Fn(&str, &[String]) -> bool) -> [Durations; 3] {
        let mut out: [Durations; 3] = Default::default();
        for cell in self.cells(keep) {
            for (pooled, d) in out.iter_mut().zip(&cell.durations) {
                pooled.add(d);
            }
        }
        out
    }

    /// How the started groups of the cells `keep` selects ended, one per [`CAP_CLASSES`]
    /// class of size cap.
    pub(crate) fn group_endings(&self, keep: impl Fn(&str, &[String]) -> bool) -> [Endings; 3] {
        let mut out = [Endings::default(); 3];
        for cell in self.cells(keep) {
            for (pooled, e) in out.iter_mut().zip(&cell.endings) {
                pooled.started += e.started;
                pooled.too_few_members += e.too_few_members;
                pooled.failed_task += e.failed_task;
                pooled.active += e.active;
            }
        }
        out
    }

    /// What the started groups of the cells `keep` selects produced against what their tasks
    /// needed, summed; `None` when groups.csv has no production columns.
    pub(crate) fn group_life(&self, keep: impl Fn(&str, &[String]) -> bool) -> Option<LifeTotals> {
        if !self.aggregates.has_life {
            return None;
        }
        let mut out = LifeTotals::default();
        for cell in self.cells(keep) {
            out.add(&cell.life);
        }
        Some(out)
    }

    /// Records a started group's production in the cell of run `run_id` (tests build runs
    /// in memory with it).
    #[cfg(test)]
    pub(crate) fn add_group_life(
        &mut self,
        run_id: u64,
        first_members: u64,
        life: &coprod_core::GroupLife,
    ) {
        let row = self
            .runs
            .rows
            .iter()
            .find(|r| r.run_id == run_id)
            .expect("a run");
        let (variant, point) = (row.variant.clone(), row.point.clone());
        let cells = &mut self.aggregates.cells;
        let i = match cells
            .iter()
            .position(|c| c.variant == variant && c.point == point)
        {
            Some(i) => i,
            None => {
                cells.push(Cell {
                    variant,
                    point,
                    ..Cell::default()
                });
                cells.len() - 1
            }
        };
        cells[i].life.push(first_members, life);
        self.aggregates.has_life = true;
    }

    /// Paired differences `a - b` of summary metric `metric` between two (variant, point)
    /// cells, matched by replication; pairs with a non-finite value are left out. Computed
    /// as comparison.csv computes a row (the difference of the two means over the pairs, in
    /// replication order, and the paired t-interval), so that a forest plot prints the
    /// digits comparison.csv holds: averaging the differences instead can round the other
    /// way (0.0115 read as 0.011499999999999998 prints 0.011 beside comparison.csv's 0.012).
    pub fn paired_difference(
        &self,
        metric: usize,
        a: (&str, &[String]),
        b: (&str, &[String]),
    ) -> Estimate {
        let (xs, ys): (Vec<f64>, Vec<f64>) = self
            .paired_values(metric, a, b)
            .into_iter()
            .map(|(_, x, y)| (x, y))
            .unzip();
        let (mean, comparison) = coprod_analysis::compare_pairs(&xs, &ys);
        Estimate {
            mean,
            ci: comparison.map(|c| c.ci),
            n: xs.len() as u64,
        }
    }

    /// The values of summary metric `metric` of two (variant, point) cells matched by
    /// replication, as (replication, a's value, b's value) in replication order; pairs with
    /// a value that is not finite are left out.
    pub(crate) fn paired_values(
        &self,
        metric: usize,
        a: (&str, &[String]),
        b: (&str, &[String]),
    ) -> Vec<(u64, f64, f64)> {
        let cell = |(variant, point): (&str, &[String])| -> BTreeMap<u64, f64> {
            self.runs
                .rows
                .iter()
                .filter(|r| r.variant == variant && r.point.as_slice() == point)
                .map(|r| (r.replication, r.values[metric]))
                .collect()
        };
        let ys = cell(b);
        cell(a)
            .into_iter()
            .filter_map(|(rep, x)| ys.get(&rep).map(|y| (rep, x, *y)))
            .filter(|(_, x, y)| x.is_finite() && y.is_finite())
            .collect()
    }
}

/// The unit of a metric (step or summary), from the model's metric table, or in the lab
/// setting (`lab`) from `coprod_core::LAB_MEANINGS` where it differs.
pub fn metric_unit(metric: &str, lab: bool) -> Option<&'static str> {
    if lab && let Some((unit, _)) = coprod_core::lab_meaning(metric) {
        return Some(unit);
    }
    coprod_core::summary_names()
        .into_iter()
        .find(|(n, _, _)| n == metric)
        .map(|(_, u, _)| u)
}

impl RunData {
    /// The values the end-of-run metric `metric` can take in these runs, to which
    /// summary.csv cuts its intervals ([`coprod_output::run_range`]): 0 to 1 for a share or
    /// 0-1 scale, 0 to the run's length for a lifetime, at least 0 for the other units;
    /// `None` for a metric it does not know. A lifetime is only cut at 0 when the run's
    /// length is unknown (no manifest and no step written).
    pub(crate) fn metric_range(&self, metric: &str) -> Option<(f64, f64)> {
        coprod_output::metric_run_range(metric, self.steps())
    }

    /// A mean's interval cut to [`RunData::metric_range`], as summary.csv cuts it: so that
    /// a directory written before summary.csv cut an interval shows what a new one would.
    pub(crate) fn cut_level(&self, metric: &str, ci: (f64, f64)) -> (f64, f64) {
        match self.metric_range(metric) {
            Some(range) => coprod_output::within(ci, range),
            None => ci,
        }
    }

    /// A paired difference's interval cut to the range a difference can take, as
    /// comparison.csv cuts it (a t-interval from few replications can reach past it): -1 to
    /// 1 for a share or 0-1 scale, minus to plus the run's length for a lifetime.
    pub(crate) fn cut_difference(&self, metric: &str, ci: (f64, f64)) -> (f64, f64) {
        match self.metric_range(metric) {
            Some(range) => coprod_output::within(ci, coprod_output::difference_range(range)),
            None => ci,
        }
    }
}

/// A t-interval of a share cut to [0, 1] (a t-interval from few replications can reach
/// past the bounds, which would show an impossible negative share).
pub(crate) fn clip01(ci: (f64, f64)) -> (f64, f64) {
    coprod_output::within(ci, (0.0, 1.0))
}

/// A readable name of a metric: `participation_rate` becomes "participation rate".
pub(crate) fn metric_label(metric: &str) -> String {
    metric.replace('_', " ")
}

/// An axis label with its unit: "participation rate (share of citizens)"; `lab` for a run
/// of the lab setting, whose contributions and payoffs have their own units.
pub fn metric_axis_label(metric: &str, lab: bool) -> String {
    match metric_unit(metric, lab) {
        Some(unit) => format!("{} ({unit})", metric_label(metric)),
        None => metric_label(metric),
    }
}

/// A readable name of a swept parameter with its unit from the model's parameter table:
/// `levers.group_size_cap` becomes "group size cap (members)".
pub fn parameter_axis_label(name: &str) -> String {
    let short = name.rsplit('.').next().unwrap_or(name).replace('_', " ");
    match coprod_core::Params::lookup(name) {
        Ok((_, spec)) if !spec.unit.is_empty() && spec.unit != "-" => {
            format!("{short} ({})", spec.unit)
        }
        _ => short,
    }
}

/// Refuses a run directory whose runs.csv holds `found` runs when its `manifest` records
/// another number (`experiment.runs` less `failed_runs`): anything computed from it would
/// describe another run than the manifest and the other files (`coprod plot`, `coprod
/// compare`).
///
/// # Errors
/// [`ReportError::Unsuitable`] naming both counts.
pub fn check_run_count(
    dir: &Path,
    manifest: Option<&serde_json::Value>,
    found: usize,
) -> Result<(), ReportError> {
    let Some(m) = manifest else {
        return Ok(());
    };
    let count = |ptr: &str| m.pointer(ptr).and_then(serde_json::Value::as_u64);
    // Absent in no manifest coprod writes; present, it must be a count, not read as 0.
    let failed = match m.get("failed_runs") {
        None => None,
        Some(v) => Some(v.as_u64().ok_or_else(|| ReportError::Damaged {
            path: dir.join(coprod_output::MANIFEST_JSON),
            message: format!(
                "`failed_runs` is {v}: expected a whole number (the runs listed in \
                 failures.csv); the directory is damaged or was changed, and nothing was \
                 written"
            ),
        })?),
    };
    let Some(runs) = count("/experiment/runs") else {
        return Ok(());
    };
    let expected = runs.saturating_sub(failed.unwrap_or(0));
    let found = found as u64;
    if found != expected {
        return Err(ReportError::Unsuitable {
            dir: dir.to_path_buf(),
            message: format!(
                "runs.csv has {found} runs, but manifest.json records {runs} runs of which {} \
                 failed, so {expected} in runs.csv: the directory is damaged or was changed; \
                 nothing was written",
                failed.unwrap_or(0)
            ),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `failed_runs` that is no count is a damaged manifest, not 0 failed runs.
    #[test]
    fn a_failed_runs_of_the_wrong_type_is_damage() {
        let m = serde_json::json!({"experiment": {"runs": 4}, "failed_runs": -1});
        let err = check_run_count(Path::new("out"), Some(&m), 4)
            .unwrap_err()
            .to_string();
        assert!(err.contains("manifest.json: `failed_runs` is -1"), "{err}");
        let m = serde_json::json!({"experiment": {"runs": 4}, "failed_runs": 1});
        assert!(check_run_count(Path::new("out"), Some(&m), 3).is_ok());
    }
    use coprod_output::ParameterRow;
    use coprod_output::read::RunRow;

    /// A run directory in memory of runs `(run_id, variant, point, replication, value)`,
    /// `value` being the one summary metric `participation_rate`.
    fn data(rows: &[(u64, &str, &str, u64, f64)]) -> RunData {
        RunData {
            dir: PathBuf::from("out/my-run"),
            summary: SummaryTable::default(),
            runs: RunsTable {
                swept: vec!["levers.group_size_cap".into()],
                metrics: vec!["participation_rate".into()],
                rows: rows
                    .iter()
                    .map(|&(run_id, variant, point, replication, value)| RunRow {
                        run_id,
                        variant: variant.into(),
                        point: vec![point.into()],
                        replication,
                        seed: run_id,
                        values: vec![value],
                    })
                    .collect(),
            },
            aggregates: Aggregates::default(),
            manifest: None,
            parameters: None,
        }
    }

    /// A started group (or not: `end_reason` says) of run `run_id`.
    fn group(
        run_id: u64,
        (size_cap, size_at_formation): (u64, u64),
        (formed_step, ended_step): (u64, Option<u64>),
        end_reason: &str,
    ) -> GroupRow {
        GroupRow {
            run_id,
            size_cap,
            size_at_formation,
            formed_step,
            ended_step,
            end_reason: end_reason.into(),
            life: None,
        }
    }

    fn point(p: &str) -> Vec<String> {
        vec![p.into()]
    }

    /// Runs 0 and 1 in (baseline, 4), run 2 in (joint, 4), with their groups.
    fn with_groups() -> RunData {
        let mut d = data(&[
            (0, "baseline", "4", 0, 0.0),
            (1, "baseline", "4", 1, 0.0),
            (2, "joint", "20", 0, 0.0),
        ]);
        let mut tally = Tally::new(vec![]);
        for r in &d.runs.rows {
            tally.add_run(r.run_id, &r.variant, &r.point);
        }
        for g in [
            // Small size and small cap: produced in steps 2 to 7, 6 months.
            group(0, (4, 3), (2, Some(7)), "too_few_members"),
            // Small, still active at the end: formed at step 1.
            group(0, (4, 3), (1, None), "active"),
            // Small, produced 6 months (steps 4 to 9).
            group(1, (4, 3), (4, Some(9)), "failed_task"),
            // Medium size and medium cap, active, formed at step 0.
            group(1, (10, 8), (0, None), "active"),
            // Never started: counted nowhere.
            group(1, (4, 0), (3, Some(5)), "never_started"),
            group(1, (4, 2), (6, None), "forming"),
            // Large, of the other variant: produced 4 months (steps 0 to 3).
            group(2, (20, 20), (0, Some(3)), "too_few_members"),
            // Of a run that runs.csv does not list.
            group(9, (4, 3), (0, Some(1)), "too_few_members"),
        ] {
            tally.add_group(&g);
        }
        d.set_tally(tally);
        d
    }

    #[test]
    fn durations_count_ended_groups_and_censor_active_ones_at_the_horizon() {
        let d = with_groups();
        let [small, medium, large] = d.group_durations(|v, _| v == "baseline");
        // Horizon 10: the two small groups that ended produced 7 - 2 + 1 = 9 - 4 + 1 = 6
        // months (a group produces in the step it ends); the active one formed at step 1 is
        // censored after 10 - 1 = 9 months; the medium one after 10 - 0.
        assert_eq!(small.counts(10), [(6.0, 2, 0), (9.0, 0, 1)]);
        assert_eq!(medium.counts(10), [(10.0, 0, 1)]);
        assert!(large.counts(10).is_empty());
        // Pooled by run (all sizes): runs 0 and 1 hold the same four started groups; the
        // active ones, formed at steps 0 and 1, come in order of formation.
        assert_eq!(
            d.run_durations([0, 1]).counts(10),
            [(6.0, 2, 0), (10.0, 0, 1), (9.0, 0, 1)]
        );
        assert_eq!(d.run_durations([2, 9]).counts(10), [(4.0, 1, 0)]);
    }

    #[test]
    fn endings_are_tallied_by_reason_per_cap_class() {
        let d = with_groups();
        let ending = |started, too_few_members, failed_task, active| Endings {
            started,
            too_few_members,
            failed_task,
            active,
        };
        // Cap 4: the three groups of runs 0 and 1 that started, one per reason; cap 10: the
        // active one; never_started and forming groups did not start.
        assert_eq!(
            d.group_endings(|v, _| v == "baseline"),
            [ending(3, 1, 1, 1), ending(1, 0, 0, 1), ending(0, 0, 0, 0)]
        );
        // Both cells pooled: the large group of joint adds to cap 16+.
        assert_eq!(
            d.group_endings(|_, _| true),
            [ending(3, 1, 1, 1), ending(1, 0, 0, 1), ending(1, 1, 0, 0)]
        );
    }

    /// A tally of step metrics `participation_rate, active_groups` with `active_groups` of
    /// each run at each step (`None`: NaN, not counted).
    fn with_steps(d: &mut RunData, steps: &[(u64, u64, Option<f64>)]) {
        let mut tally = Tally::new(vec!["participation_rate".into(), "active_groups".into()]);
        for r in &d.runs.rows {
            tally.add_run(r.run_id, &r.variant, &r.point);
        }
        for &(run_id, step, value) in steps {
            tally.add_step(run_id, step, &[0.5, value.unwrap_or(f64::NAN)]);
        }
        d.set_tally(tally);
    }

    #[test]
    fn step_bands_give_the_mean_and_t_interval_per_step_over_the_selected_cells() {
        let mut d = data(&[
            (0, "baseline", "4", 0, 0.0),
            (1, "baseline", "4", 1, 0.0),
            (2, "joint", "4", 0, 0.0),
        ]);
        with_steps(
            &mut d,
            &[
                (0, 0, Some(1.0)),
                (1, 0, Some(3.0)),
                (0, 1, None),
                (1, 1, None),
                (0, 2, Some(5.0)),
                (2, 0, Some(2.0)),
                (2, 3, Some(7.0)),
            ],
        );
        let metric = d.step_metric("active_groups").unwrap();
        let (steps, means, lo, hi) = d.step_band(metric, |v, _| v == "baseline");
        // Step 0: 1 and 3, mean 2, sd sqrt(2), half-width t(0.975, 1 df) * sqrt(2) / sqrt(2)
        // = 12.706204736, cut at 0 as a count of groups cannot be negative; step 1 has no
        // value and is left out; step 2 one value, no band.
        assert_eq!((steps, means), (vec![0.0, 2.0], vec![2.0, 5.0]));
        let t1 = 12.706_204_736;
        assert_eq!(lo[0], 0.0, "{lo:?}");
        assert!((hi[0] - (2.0 + t1)).abs() < 1e-6, "{hi:?}");
        assert_eq!((lo[1], hi[1]), (5.0, 5.0));
        assert_eq!((lo.len(), hi.len()), (2, 2));
        // With joint pooled in: step 0 holds 1, 3 and 2 (mean 2, sd 1, half-width
        // t(0.975, 2 df) / sqrt(3) = 4.302652730 / 1.732050808 = 2.484137, cut at 0), and
        // its run alone reaches step 3.
        let (steps, means, lo, hi) = d.step_band(metric, |_, _| true);
        assert_eq!((steps, means), (vec![0.0, 2.0, 3.0], vec![2.0, 5.0, 7.0]));
        assert_eq!(lo[0], 0.0, "{lo:?}");
        assert!((hi[0] - (2.0 + 2.484_137)).abs() < 1e-5, "{hi:?}");
        assert_eq!((&lo[1..], &hi[1..]), (&[5.0, 7.0][..], &[5.0, 7.0][..]));
    }

    #[test]
    fn runs_are_pooled_per_variant_and_sweep_point() {
        // Run 3 shares run 0's cell; runs 1 and 2 share its variant or its point only.
        let mut d = data(&[
            (0, "baseline", "4", 0, 0.0),
            (1, "baseline", "8", 0, 0.0),
            (2, "joint", "4", 0, 0.0),
            (3, "baseline", "4", 1, 0.0),
        ]);
        with_steps(
            &mut d,
            &[
                (0, 0, Some(1.0)),
                (1, 0, Some(10.0)),
                (2, 0, Some(100.0)),
                (3, 0, Some(3.0)),
            ],
        );
        let mean = |variant: &'static str, p: &'static str| {
            d.step_band(1, move |v, pt| v == variant && pt == point(p).as_slice())
                .1
        };
        assert_eq!(mean("baseline", "4"), [2.0], "(1 + 3) / 2");
        assert_eq!(mean("baseline", "8"), [10.0]);
        assert_eq!(mean("joint", "4"), [100.0]);
    }

    #[test]
    fn step_metrics_are_found_by_name() {
        let mut d = data(&[(0, "baseline", "4", 0, 0.0)]);
        with_steps(&mut d, &[]);
        assert_eq!(d.step_metric("active_groups"), Some(1));
        assert_eq!(d.step_metric("no_such_metric"), None);
    }

    #[test]
    fn steps_come_from_the_manifest_else_from_the_last_step_written() {
        let mut d = data(&[(0, "baseline", "4", 0, 0.0)]);
        with_steps(&mut d, &[(0, 0, Some(1.0)), (0, 4, Some(1.0))]);
        // Steps 0 to 4 written: 5 steps.
        assert_eq!(d.steps(), 5);
        d.manifest = Some(serde_json::json!({"experiment": {"steps": 60}}));
        assert_eq!(d.steps(), 60);
    }

    #[test]
    fn run_values_of_step_metrics_average_the_last_12_steps_or_all_of_fewer() {
        let mut d = data(&[]);
        let steps = |d: &mut RunData, n: u64| {
            d.manifest = Some(serde_json::json!({"experiment": {"steps": n}}));
        };
        steps(&mut d, 60);
        assert_eq!(d.averaged_steps(), "the last 12 steps");
        steps(&mut d, 12);
        assert_eq!(d.averaged_steps(), "all 12 steps");
        steps(&mut d, 1);
        assert_eq!(d.averaged_steps(), "its one step");
        // No manifest and no step written: the length is unknown, not one step.
        d.manifest = None;
        assert_eq!(d.steps(), 0);
        assert_eq!(
            d.averaged_steps(),
            "the last 12 steps (all of them in a run of fewer)"
        );
    }

    #[test]
    fn the_name_is_the_scenario_else_the_directory() {
        let mut d = data(&[]);
        assert_eq!(d.name(), "my-run");
        d.manifest = Some(serde_json::json!({"scenario": {"name": "incentives"}}));
        assert_eq!(d.name(), "incentives");
    }

    #[test]
    fn parameters_come_from_parameters_csv_else_from_the_manifest() {
        let mut d = data(&[]);
        d.manifest = Some(serde_json::json!({
            "parameters": [{"name": "groups.min_members", "value": "3"}]
        }));
        assert_eq!(d.parameter("groups.min_members").as_deref(), Some("3"));
        assert_eq!(d.parameter("groups.max_members"), None);
        // Without parameters.csv, the manifest's value holds in every cell.
        assert_eq!(
            d.parameter_in("joint", &point("8"), "groups.min_members")
                .as_deref(),
            Some("3")
        );
        let row = |variant: &str, p: &str, value: &str| ParameterRow {
            variant: variant.into(),
            point: point(p),
            parameter: "groups.min_members".into(),
            value: value.into(),
            unit: "members".into(),
            source: "variant".into(),
        };
        d.parameters = Some(ParametersTable {
            swept: vec!["levers.group_size_cap".into()],
            rows: vec![row("baseline", "8", "3"), row("joint", "8", "5")],
        });
        // parameters.csv, when present, is the value as each cell ran.
        let value =
            |variant: &str, p: &str| d.parameter_in(variant, &point(p), "groups.min_members");
        assert_eq!(value("joint", "8").as_deref(), Some("5"));
        assert_eq!(value("baseline", "8").as_deref(), Some("3"));
        assert_eq!(value("joint", "4"), None);
    }

    #[test]
    fn only_a_lab_setting_is_lab() {
        let mut d = data(&[]);
        assert!(!d.is_lab(), "no manifest: the field model");
        let setting = |value: &str| serde_json::json!({"parameters": [{"name": "population.setting", "value": value}]});
        d.manifest = Some(setting("field"));
        assert!(!d.is_lab());
        d.manifest = Some(setting("lab"));
        assert!(d.is_lab());
    }

    #[test]
    fn paired_differences_match_runs_by_replication() {
        // Listed out of replication order; replication 2 of joint has no partner, and the
        // baseline runs at cap 8 (another point) must not be matched.
        let d = data(&[
            (0, "baseline", "4", 1, 2.0),
            (1, "baseline", "4", 0, 1.0),
            (2, "joint", "4", 0, 3.0),
            (3, "joint", "4", 1, 5.0),
            (4, "joint", "4", 2, 9.0),
            (5, "baseline", "8", 0, 40.0),
            (6, "baseline", "8", 1, 50.0),
        ]);
        let e = d.paired_difference(0, ("joint", &point("4")), ("baseline", &point("4")));
        // Replication 0: 3 - 1 = 2; replication 1: 5 - 2 = 3; mean 2.5.
        assert_eq!((e.mean, e.n), (2.5, 2));
    }

    /// A forest plot's row is comparison.csv's: the difference of the means, not the mean
    /// of the differences, which can differ in the last bit and so print other digits.
    #[test]
    fn paired_differences_are_computed_as_comparison_csv_computes_them() {
        // Participation rates of three replications (trust-trap --quick, entrepreneurs
        // against baseline at trust 0.1): comparison.csv has 0.011500000000000003 (0.012 to
        // three decimals); averaging the differences one by one gives 0.011499999999999998.
        let d = data(&[
            (0, "baseline", "0.1", 0, 0.004833333333333334),
            (1, "baseline", "0.1", 1, 0.01291666666666667),
            (2, "baseline", "0.1", 2, 0.005666666666666666),
            (3, "entrepreneurs", "0.1", 0, 0.017249999999999998),
            (4, "entrepreneurs", "0.1", 1, 0.020916666666666667),
            (5, "entrepreneurs", "0.1", 2, 0.01975),
        ]);
        let p = point("0.1");
        let e = d.paired_difference(0, ("entrepreneurs", &p), ("baseline", &p));
        let (xs, ys) = (
            [0.017249999999999998, 0.020916666666666667, 0.01975],
            [
                0.004833333333333334,
                0.01291666666666667,
                0.005666666666666666,
            ],
        );
        assert_eq!(
            e.mean,
            xs.iter().sum::<f64>() / 3.0 - ys.iter().sum::<f64>() / 3.0
        );
        assert_eq!(format!("{:.3}", e.mean), "0.012");
        assert_eq!(
            e.ci,
            coprod_analysis::compare::paired(&xs, &ys).map(|c| c.ci)
        );
    }

    /// Shares lie in 0-1, counts at or above 0 and lifetimes within the run's 60 steps; a
    /// difference within minus to plus those bounds; a metric of unknown sign is not cut.
    #[test]
    fn intervals_are_cut_to_what_a_metric_can_take() {
        let mut d = data(&[]);
        d.manifest = Some(serde_json::json!({"experiment": {"steps": 60}}));
        assert_eq!(d.metric_range("participation_rate"), Some((0.0, 1.0)));
        assert_eq!(d.metric_range("active_groups"), Some((0.0, f64::INFINITY)));
        assert_eq!(d.metric_range("median_group_lifetime"), Some((0.0, 60.0)));
        assert_eq!(d.metric_range("no_such_metric"), None);
        let wide = (-150.0, 150.0);
        assert_eq!(d.cut_difference("participation_rate", wide), (-1.0, 1.0));
        assert_eq!(d.cut_difference("active_groups", wide), wide);
        assert_eq!(d.cut_difference("mean_group_lifetime", wide), (-60.0, 60.0));
        assert_eq!(d.cut_difference("no_such_metric", wide), wide);
        d.manifest = None;
        let unknown_length = Some((0.0, f64::INFINITY));
        assert_eq!(d.metric_range("median_group_lifetime"), unknown_length);
        assert_eq!(clip01((-0.2, 1.3)), (0.0, 1.0));
        assert_eq!(clip01((0.25, 0.5)), (0.25, 0.5));
    }

    #[test]
    fn a_directory_whose_run_count_differs_from_the_manifest_is_refused() {
        let manifest = serde_json::json!({"experiment": {"runs": 10}, "failed_runs": 1});
        let dir = Path::new("out");
        // 10 runs of which 1 failed: runs.csv must hold 9.
        assert!(check_run_count(dir, Some(&manifest), 9).is_ok());
        let err = check_run_count(dir, Some(&manifest), 10).unwrap_err();
        assert!(
            err.to_string().contains(
                "runs.csv has 10 runs, but manifest.json records 10 runs of which 1 failed, so 9"
            ),
            "{err}"
        );
        assert!(
            check_run_count(dir, None, 3).is_ok(),
            "nothing to check against"
        );
        let mut d = data(&[(0, "baseline", "4", 0, 0.0)]);
        d.manifest = Some(serde_json::json!({"experiment": {"runs": 2}}));
        assert!(d.check_runs().is_err());
        d.manifest = Some(serde_json::json!({"experiment": {"runs": 1}}));
        assert!(d.check_runs().is_ok());
    }

    #[test]
    fn a_manifest_whose_report_metrics_runs_csv_lacks_or_repeats_is_refused() {
        let mut d = data(&[(0, "baseline", "4", 0, 0.0)]);
        let with = |metrics: serde_json::Value| serde_json::json!({"experiment": {"runs": 1}, "scenario": {"report_metrics": metrics}});
        d.manifest = Some(with(serde_json::json!(["participation_rate"])));
        assert!(d.check_runs().is_ok());
        d.manifest = Some(with(serde_json::json!(["participation_rate", "foo"])));
        let err = d.check_runs().unwrap_err().to_string();
        assert!(
            err.starts_with("out/my-run/manifest.json: `scenario.report_metrics` names `foo`"),
            "{err}"
        );
        assert!(err.contains("allowed are the metrics of runs.csv (participation_rate)"));
        d.manifest = Some(with(serde_json::json!([
            "participation_rate",
            "participation_rate"
        ])));
        let err = d.check_runs().unwrap_err().to_string();
        assert!(err.contains("lists `participation_rate` twice"), "{err}");
    }

    /// timeseries.csv with `rows` of `(run_id, step, active_groups)`, every other metric 0.
    fn timeseries(dir: &Path, rows: &[(u64, u64, f64)]) {
        let names: Vec<&str> = coprod_core::METRICS.iter().map(|m| m.0).collect();
        let mut text = format!("run_id,step,{}\n", names.join(","));
        for (run, step, active) in rows {
            let values: Vec<String> = names
                .iter()
                .map(|n| {
                    if *n == "active_groups" {
                        active.to_string()
                    } else {
                        "0".into()
                    }
                })
                .collect();
            text += &format!("{run},{step},{}\n", values.join(","));
        }
        std::fs::write(dir.join("timeseries.csv"), text).unwrap();
    }

    #[test]
    fn aggregates_are_read_from_timeseries_and_groups_files() {
        let dir = tempfile::tempdir().unwrap();
        timeseries(
            dir.path(),
            &[
                (0, 0, 1.0),
                (0, 1, 2.0),
                (0, 2, 2.0),
                (1, 0, 3.0),
                (1, 1, 2.0),
                (1, 2, 2.0),
            ],
        );
        let groups = "run_id,group_id,size_cap,size_at_formation,formed_step,ended_step,\
                      end_reason\n0,0,4,3,1,6,too_few_members\n1,0,4,3,2,,active\n";
        std::fs::write(dir.path().join("groups.csv"), groups).unwrap();
        let d = data(&[(0, "baseline", "4", 0, 0.0), (1, "baseline", "4", 1, 0.0)]);
        let a = Aggregates::read(dir.path(), &d.runs, None, None).unwrap();
        let d = RunData { aggregates: a, ..d };
        assert_eq!(d.step_metric("active_groups"), Some(1));
        assert_eq!(d.steps(), 3);
        assert_eq!(
            d.step_band(1, |_, _| true).1,
            [2.0, 2.0, 2.0],
            "(1 + 3) / 2, then 2"
        );
        // Horizon 10: one group produced 6 - 1 + 1 = 6 months, one formed at 2 is censored
        // after 8.
        let [small, _, _] = d.group_durations(|_, _| true);
        assert_eq!(small.counts(10), [(6.0, 1, 0), (8.0, 0, 1)]);
    }

    /// Rows of a run that runs.csv does not list, a run of runs.csv without rows or with
    /// fewer steps than the others, and a run's rows apart are damage, named as such.
    #[test]
    fn timeseries_and_groups_must_hold_the_runs_of_runs_csv() {
        let dir = tempfile::tempdir().unwrap();
        let groups =
            "run_id,group_id,size_cap,size_at_formation,formed_step,ended_step,end_reason\n";
        std::fs::write(dir.path().join("groups.csv"), groups).unwrap();
        let d = data(&[(0, "baseline", "4", 0, 0.0), (1, "baseline", "4", 1, 0.0)]);
        let read = |rows: &[(u64, u64, f64)]| {
            timeseries(dir.path(), rows);
            match Aggregates::read(dir.path(), &d.runs, None, None) {
                Ok(_) => String::new(),
                Err(e) => e.to_string(),
            }
        };
        let both = [(0, 0, 1.0), (0, 1, 1.0), (1, 0, 1.0), (1, 1, 1.0)];
        assert_eq!(read(&both), "");
        let e = read(&[
            (0, 0, 1.0),
            (0, 1, 1.0),
            (1, 0, 1.0),
            (1, 1, 1.0),
            (7, 0, 1.0),
        ]);
        assert!(
            e.contains("found rows of run 7, which runs.csv does not list"),
            "{e}"
        );
        let e = read(&[(0, 0, 1.0), (0, 1, 1.0)]);
        assert!(e.contains("found no row of run 1"), "{e}");
        let e = read(&[(0, 0, 1.0), (0, 1, 1.0), (1, 0, 1.0)]);
        assert!(
            e.contains("expected 2 steps of run 1 (the steps of run 0), found 1"),
            "{e}"
        );
        let e = read(&[(0, 0, 1.0), (1, 0, 1.0), (0, 1, 1.0), (1, 1, 1.0)]);
        assert!(e.contains("timeseries.csv:4: column `run_id`"), "{e}");
        std::fs::write(
            dir.path().join("groups.csv"),
            format!("{groups}9,0,4,3,1,6,too_few_members\n"),
        )
        .unwrap();
        let e = read(&both);
        assert!(
            e.contains("groups.csv: expected only the runs of runs.csv, found a row of run 9"),
            "{e}"
        );
    }

    #[test]
    fn estimates_skip_non_finite_values() {
        let e = Estimate::of([1.0, f64::NAN, 3.0]);
        assert_eq!((e.mean, e.n), (2.0, 2));
        assert!(e.ci.is_some());
        assert!(Estimate::of([]).mean.is_nan());
    }

    #[test]
    fn labels_carry_units() {
        assert_eq!(
            metric_axis_label("participation_rate", false),
            "participation rate (share of citizens)"
        );
        assert_eq!(
            metric_axis_label("service_output", true),
            "service output (mean payoff in tokens)"
        );
        assert_eq!(
            metric_axis_label("mean_contribution", true),
            "mean contribution (share of endowment)"
        );
        assert_eq!(
            metric_axis_label("mean_contribution", false),
            "mean contribution (share of effort)"
        );
        assert_eq!(
            parameter_axis_label("levers.group_size_cap"),
            "group size cap (members)"
        );
    }
}
