//! `coprod compare DIR` and the comparison written by every `coprod run` of a scenario
//! with variants: paired differences against a reference variant (the baseline, or
//! `--against NAME`) with 95% CIs, Cohen's d_z and Holm-adjusted p-values per family (one
//! variant, one metric; `comparison.csv`), forest plots of the differences in each metric's
//! units (`comparison/forest_<metric>.png`, `.svg`, split into pages of at most
//! [`ROWS_PER_CHART`] rows), and the adaptive-replications loop of `--target-ci`.
//!
//! Owns grouping runs into pairs and the presentation; the statistics are
//! `coprod-analysis`'s, the CSV writing `coprod-output`'s (docs/comparison.md).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use coprod_analysis::holm;
use coprod_core::{Detail, RunOutput, summary_names};
use coprod_output::read::{RunRow, RunsTable, read_runs};
use coprod_output::{COMPARISON_CSV, ComparisonRow, write_comparison};
use coprod_plot::{ChartStyle, ForestRow, forest_plot};
use coprod_scenario::{BASELINE, RunSpec, Scenario, Setting};
use coprod_sweep::{Event, Faults, RunFailure, Runner};

use crate::error::{Context, Result, bail};
use crate::progress::{Note, Progress};

/// Metrics compared when no `--metric` is given (end-of-run metrics of docs/outputs.md),
/// after the scenario's own (`[report] metrics`).
pub const DEFAULT_METRICS: [&str; 9] = [
    "participation_rate",
    "share_lasting_24",
    "service_output",
    "efficiency",
    "representativeness",
    "service_ratio",
    "mean_efficacy",
    "mean_citizen_trust",
    "mean_org_trust",
];

/// Rows of one forest plot; a metric with more rows gets more pages (`forest_<metric>_2`...).
pub(crate) const ROWS_PER_CHART: usize = 24;

/// Folder of the forest plots (`comparison/forest_<metric>.png`), beside comparison.csv;
/// `charts/` holds the report's own charts, which `coprod plot` redraws.
const CHARTS_DIR: &str = "comparison";

/// `coprod compare DIR`: recomputes comparison.csv and its charts from runs.csv of `dir`
/// (each variant against `against`, default the baseline), on `threads` threads; returns
/// the files written. Refuses, unless `force`, to drop comparisons the old comparison.csv
/// holds. Its errors name the files in `dir`, not the folder they were drawn in, which is
/// gone once it fails.
pub fn compare(
    dir: &Path,
    metrics: &[String],
    against: Option<&str>,
    (force, threads): (bool, usize),
    progress: &dyn Progress,
) -> Result<Vec<PathBuf>> {
    // The charts are drawn on the -j threads, as by `coprod run`, not on every core.
    Runner::new(threads)?
        .install(|| compare_in(dir, metrics, (against, force), progress))
        .map_err(|e| crate::plot::unwritable(e.at_final_paths(dir), dir, "compare"))
}

fn compare_in(
    dir: &Path,
    metrics: &[String],
    (against, force): (Option<&str>, bool),
    progress: &dyn Progress,
) -> Result<Vec<PathBuf>> {
    crate::plot::check_run_dir(dir)?;
    let against = against.unwrap_or(BASELINE);
    // A damaged directory (runs.csv cut short or edited, files that disagree with each other
    // or the manifest) is refused before anything is written, as `coprod plot` refuses it:
    // its comparison would describe other runs than those that ran.
    let data = coprod_report::RunData::load(dir)?;
    data.check_runs()?;
    let metrics_asked = metrics;
    let metrics = self::metrics(metrics, &data.report_metrics(), data.is_lab())?;
    for warning in metric_warnings(metrics_asked, data.is_lab()) {
        progress.note(Note::Warning(warning));
    }
    check_variant_ran(data.parameters.as_ref(), against)?;
    let cells = match &data.parameters {
        Some(parameters) => cells_of(&parameters.rows),
        None => Vec::new(),
    };
    let steps = data.steps();
    let runs = data.runs;
    let rows = comparisons((&runs, steps), &cells, &metrics, against)?;
    if !force {
        refuse_to_narrow(dir, &rows)?;
    }
    let mut written = write_rows(dir, &runs.swept, &rows, progress)?;
    if !rows.is_empty() {
        record(dir, &metrics, against, progress)?;
    }
    // index.html shows the forest plots: redrawn with the new ones (and the report's charts
    // with it, as `coprod plot` draws them), it never shows or links to plots that are gone.
    // If it cannot be, comparison.csv and index.html disagree: an error, not a warning.
    match coprod_report::write_report(dir, &coprod_report::Selection::default(), None, None) {
        Ok(report) => {
            written.extend(report.charts.iter().flat_map(|c| [c.png(), c.svg()]));
            written.extend(report.index);
        }
        Err(err) => bail!(
            "comparison.csv was written, but index.html still shows the earlier comparison: \
             {}\n\nhint: once the cause is fixed, `coprod plot {}` redraws it",
            crate::error::chain(&err),
            dir.display()
        ),
    }
    Ok(written)
}

/// The metrics asked for, checked against the end-of-run metrics, each once in the order
/// first asked (a repeated `--metric` would repeat its rows and enlarge its Holm family);
/// if none, the scenario's metrics (`[report] metrics`, checked when the scenario was read),
/// then the default set of its setting, each once. In the lab setting the defaults are
/// what a lab run measures ([`coprod_core::LAB_METRICS`]): the defaults above describe
/// co-production, which a lab run does not simulate (trust 0, no groups).
pub(crate) fn metrics(asked: &[String], scenario: &[String], lab: bool) -> Result<Vec<String>> {
    if asked.is_empty() {
        let defaults: &[&str] = if lab {
            &coprod_core::LAB_METRICS
        } else {
            &DEFAULT_METRICS
        };
        return Ok(coprod_output::report_metrics_first(scenario, defaults));
    }
    let names = summary_names();
    let mut metrics: Vec<String> = Vec::new();
    for m in asked {
        if !names.iter().any(|(n, _, _)| n == m) {
            let all: Vec<&str> = names.iter().map(|(n, _, _)| n.as_str()).collect();
            bail!(
                "unknown metric `{m}` for --metric\n\nhint: use an end-of-run metric: {}",
                all.join(", ")
            );
        }
        if !metrics.contains(m) {
            metrics.push(m.clone());
        }
    }
    Ok(metrics)
}

/// Warnings on the metrics `--metric` names (`asked`), as `[report]` gets them: in a lab run
/// (`lab`), those it does not measure, whose every difference is 0 or missing.
pub(crate) fn metric_warnings(asked: &[String], lab: bool) -> Vec<String> {
    asked
        .iter()
        .filter(|m| lab && !coprod_scenario::lab_measures(m))
        .map(|m| {
            format!("--metric {m}: lab runs do not measure it, so it is 0 or empty in every run")
        })
        .collect()
}

/// Warnings on the `--metric` options (`metrics`) and on `--against` (`against_given`) for
/// `scenario`: what comparison.csv cannot show.
pub(crate) fn option_warnings(
    scenario: &Scenario,
    metrics: &[String],
    against_given: bool,
) -> Vec<String> {
    let mut out = metric_warnings(metrics, scenario.runs_lab());
    if scenario.variants.len() < 2 && (!metrics.is_empty() || against_given) {
        out.push(format!(
            "--metric and --against choose what comparison.csv compares, and scenario `{}` \
             has no variants to compare: no comparison.csv is written",
            scenario.name
        ));
    }
    out
}

/// Reads runs.csv of `dir`, writes comparison.csv and the charts into it; returns the paths
/// written. `cells` are the (variant, sweep point) cells of the scenario ([`cells_of`]).
/// A scenario without variants gets no comparison (and no error).
pub(crate) fn write_all(
    (dir, steps): (&Path, u32),
    cells: &[Cell],
    metrics: &[String],
    against: &str,
    progress: &dyn Progress,
) -> Result<Vec<PathBuf>> {
    let runs = read_runs(dir)?;
    let rows = comparisons((&runs, u64::from(steps)), cells, metrics, against)?;
    write_rows(dir, &runs.swept, &rows, progress)
}

/// Refuses `--against NAME` for a variant the run did not have (parameters.csv lists every
/// variant that ran, successful or not); a variant that ran but whose runs all failed is
/// for [`comparisons`] to name.
fn check_variant_ran(
    parameters: Option<&coprod_output::read::ParametersTable>,
    against: &str,
) -> Result<()> {
    let Some(parameters) = parameters else {
        return Ok(());
    };
    let mut variants: Vec<&str> = Vec::new();
    for row in &parameters.rows {
        position_or_push(&mut variants, row.variant.as_str());
    }
    if against != BASELINE && !variants.contains(&against) {
        bail!(
            "--against {against}: the run has no variant `{against}`\n\nhint: use one of {}",
            variants.join(", ")
        );
    }
    Ok(())
}

fn write_rows(
    dir: &Path,
    swept: &[String],
    rows: &[ComparisonRow],
    progress: &dyn Progress,
) -> Result<Vec<PathBuf>> {
    if rows.is_empty() {
        progress.note(Note::Note(format!(
            "no comparison: {} has no variant besides the reference",
            dir.display()
        )));
        return Ok(Vec::new());
    }
    // comparison.csv and the charts are written under temporary names first, and replace
    // the old ones only when every one of them was written.
    let new = coprod_output::Replacement::new(dir)?;
    let lab = is_lab(dir)?;
    let drawn = draw(rows, (swept, lab), &new.path().join(CHARTS_DIR), progress)?;
    let charts: Vec<PathBuf> = drawn.iter().map(|p| new.target(p)).collect();
    let table = write_comparison(new.path(), swept, rows)?;
    let mut written = vec![new.target(&table)];
    new.commit()?;
    remove_old_plots(&dir.join(CHARTS_DIR), &charts)?;
    written.extend(charts);
    Ok(written)
}

/// Whether the run in `dir` is of the lab setting, whose metrics have the lab's units.
fn is_lab(dir: &Path) -> Result<bool> {
    let parameters = coprod_output::read::read_parameters(dir)?;
    let manifest = coprod_output::read::read_manifest(dir)?;
    Ok(coprod_output::read::ran_lab(
        parameters.as_ref(),
        manifest.as_ref(),
    ))
}

/// Refuses to replace comparison.csv with one that leaves out rows it has (other metrics,
/// variants or reference), naming what would be lost.
fn refuse_to_narrow(dir: &Path, rows: &[ComparisonRow]) -> Result<()> {
    let Some(existing) = coprod_output::read::read_comparison_keys(dir)? else {
        return Ok(());
    };
    let mut dropped: Vec<String> = Vec::new();
    for key in &existing {
        let kept = rows.iter().any(|r| {
            r.variant == key.variant
                && r.against == key.against
                && r.point == key.point
                && r.metric == key.metric
        });
        let text = format!(
            "`{}` of {} against {}",
            key.metric, key.variant, key.against
        );
        if !kept && !dropped.contains(&text) {
            dropped.push(text);
        }
    }
    if dropped.is_empty() {
        return Ok(());
    }
    let shown: Vec<&str> = dropped.iter().take(6).map(String::as_str).collect();
    let more = dropped.len().saturating_sub(shown.len());
    bail!(
        "{} already holds comparisons this one would drop: {}{}\n\nhint: add --force to \
         replace it, or give the same --metric and --against options as before",
        dir.join(COMPARISON_CSV).display(),
        shown.join(", "),
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    )
}

/// A variant and a sweep point (its values as runs.csv writes them): one cell of a run.
pub(crate) type Cell = (String, Vec<String>);

/// The (variant, sweep point) cells of parameters.csv's rows, in their order (run order).
pub(crate) fn cells_of(rows: &[coprod_output::ParameterRow]) -> Vec<Cell> {
    let mut cells: Vec<Cell> = Vec::new();
    for row in rows {
        let same = cells
            .last()
            .is_some_and(|(v, p)| *v == row.variant && *p == row.point);
        if !same {
            cells.push((row.variant.clone(), row.point.clone()));
        }
    }
    cells
}

/// Every variant against `against`, per sweep point and metric, in that order, with
/// Holm's adjustment within each family: one variant and one metric over its sweep points.
/// `cells` lists every (variant, sweep point) that ran, successful or not (from
/// parameters.csv; empty if unknown), so that one whose every run failed, and which
/// runs.csv therefore does not hold, keeps its rows with n = 0.
pub(crate) fn comparisons(
    (runs, steps): (&RunsTable, u64),
    cells: &[Cell],
    metrics: &[String],
    against: &str,
) -> Result<Vec<ComparisonRow>> {
    let columns: Vec<usize> = metrics
        .iter()
        .map(|m| {
            runs.metrics
                .iter()
                .position(|c| c == m)
                .with_context(|| format!("runs.csv has no column `{m}`"))
        })
        .collect::<Result<_>>()?;
    let bounds: Vec<(f64, f64)> = metrics
        .iter()
        .map(|m| difference_bounds(m, steps))
        .collect();
    let mut variants: Vec<&str> = Vec::new();
    let mut points: Vec<&[String]> = Vec::new();
    for (variant, point) in cells {
        position_or_push(&mut variants, variant.as_str());
        position_or_push(&mut points, point.as_slice());
    }
    // (variant, point) -> replication -> row.
    let mut cells: BTreeMap<(usize, usize), BTreeMap<u64, &RunRow>> = BTreeMap::new();
    for row in &runs.rows {
        let v = position_or_push(&mut variants, row.variant.as_str());
        let p = position_or_push(&mut points, row.point.as_slice());
        cells
            .entry((v, p))
            .or_default()
            .insert(row.replication, row);
    }
    let base = variants
        .iter()
        .position(|v| *v == against)
        .filter(|_| runs.rows.iter().any(|r| r.variant == against));
    let Some(base) = base else {
        if runs.rows.is_empty() {
            return Ok(Vec::new());
        }
        let succeeded: Vec<&str> = variants
            .iter()
            .copied()
            .filter(|v| runs.rows.iter().any(|r| r.variant == *v))
            .collect();
        // runs.csv holds the runs that succeeded: a variant of the scenario whose every run
        // failed is not in it.
        bail!(
            "{}runs.csv has no successful run of a variant `{against}` to compare against\n\n\
             hint: if `{against}` is a variant of the scenario, all its runs failed \
             (failures.csv says why); --against one of {} compares against another",
            if against == BASELINE {
                String::new()
            } else {
                format!("--against {against}: ")
            },
            succeeded.join(", ")
        );
    };
    let mut rows = Vec::new();
    let none = BTreeMap::new();
    for (v, variant) in variants.iter().enumerate().filter(|(v, _)| *v != base) {
        for (p, point) in points.iter().enumerate() {
            // A sweep point where every run of one side failed still gets its rows, with
            // n = 0 and no estimate, as docs/comparison.md says.
            let treated = cells.get(&(v, p)).unwrap_or(&none);
            let reference = cells.get(&(base, p)).unwrap_or(&none);
            for ((metric, &column), &bounds) in metrics.iter().zip(&columns).zip(&bounds) {
                // Only pairs with a value in both runs: a group metric is missing (NaN) in
                // a run in which no group started, and such a run has nothing to compare.
                let (xs, ys): (Vec<f64>, Vec<f64>) = treated
                    .iter()
                    .filter_map(|(rep, row)| {
                        reference
                            .get(rep)
                            .map(|b| (row.values[column], b.values[column]))
                    })
                    .filter(|(x, y)| !x.is_nan() && !y.is_nan())
                    .unzip();
                rows.push(row((variant, against), point, (metric, bounds), &xs, &ys));
            }
        }
    }
    adjust_per_family(&mut rows);
    Ok(rows)
}

/// Holm's adjustment within each family of rows: same variant, reference and metric.
fn adjust_per_family(rows: &mut [ComparisonRow]) {
    let mut families: Vec<(String, String)> = Vec::new();
    for r in rows.iter() {
        let key = (r.variant.clone(), r.metric.clone());
        if !families.contains(&key) {
            families.push(key);
        }
    }
    for (variant, metric) in families {
        let members: Vec<usize> = (0..rows.len())
            .filter(|&i| rows[i].variant == variant && rows[i].metric == metric)
            .collect();
        let p: Vec<f64> = members
            .iter()
            .map(|&i| rows[i].p_value.unwrap_or(f64::NAN))
            .collect();
        for (&i, adjusted) in members.iter().zip(holm(&p)) {
            rows[i].p_holm = adjusted.is_finite().then_some(adjusted);
        }
    }
}

fn position_or_push<'a, T: PartialEq + ?Sized>(list: &mut Vec<&'a T>, item: &'a T) -> usize {
    match list.iter().position(|x| *x == item) {
        Some(i) => i,
        None => {
            list.push(item);
            list.len() - 1
        }
    }
}

/// The compared row whose 95% interval is widest, and its half-width (infinite for a row
/// with pairs but no interval). A row with no pair has nothing to narrow: its metric is
/// missing in every run of the variant or the reference so far (no group started), so it
/// does not hold the loop; but when no row has a pair, nothing has been measured, and the
/// target is not met (infinite).
fn widest_half_width(rows: &[ComparisonRow]) -> (String, f64) {
    let measured = rows.iter().filter(|r| r.n > 0).map(|r| {
        // The interval's half-width before it was cut to the values a difference can take:
        // a cut interval is narrower than the precision the replications reached.
        let half = match r.sd_difference {
            Some(sd) if r.n >= 2 => coprod_output::t_half_width(sd, r.n),
            _ => f64::INFINITY,
        };
        (format!("{}: {}", r.variant, r.metric), half)
    });
    measured
        .reduce(|a, b| if b.1 > a.1 { b } else { a })
        .unwrap_or_else(|| ("no compared row has a value".to_string(), f64::INFINITY))
}

/// The values a difference in `metric` can take in runs of `steps` steps: -1 to 1 for a
/// share or 0-1 scale, -`steps` to `steps` for a lifetime, unbounded otherwise (a
/// difference of two counts may take any sign).
fn difference_bounds(metric: &str, steps: u64) -> (f64, f64) {
    coprod_output::metric_run_range(metric, steps).map_or(
        (f64::NEG_INFINITY, f64::INFINITY),
        coprod_output::difference_range,
    )
}

/// A comparison row of `metric` over paired values `xs` (the variant) and `ys` (the
/// reference), its interval cut to `bounds` ([`difference_bounds`]).
fn row(
    (variant, against): (&str, &str),
    point: &[String],
    (metric, bounds): (&str, (f64, f64)),
    xs: &[f64],
    ys: &[f64],
) -> ComparisonRow {
    let mean = |v: &[f64]| {
        if v.is_empty() {
            f64::NAN
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    let (difference, c) = coprod_analysis::compare_pairs(xs, ys);
    let ci = c.as_ref().map(|c| coprod_output::within(c.ci, bounds));
    ComparisonRow {
        variant: variant.to_string(),
        against: against.to_string(),
        point: point.to_vec(),
        metric: metric.to_string(),
        n: xs.len() as u64,
        against_mean: mean(ys),
        variant_mean: mean(xs),
        difference,
        ci_low: ci.map(|c| c.0),
        ci_high: ci.map(|c| c.1),
        sd_difference: c.as_ref().map(|c| c.sd_difference),
        effect_size_dz: c.as_ref().and_then(|c| c.d_z),
        p_value: c.as_ref().map(|c| c.p_value),
        p_holm: None,
    }
}

/// Forest plots of each metric's differences in the metric's own units: one row per variant
/// and sweep point, labelled with both and with `*` when `p_holm` < 0.05; the numbers column
/// gives the difference and its 95% CI. More than [`ROWS_PER_CHART`] rows are split into
/// pages.
fn draw(
    rows: &[ComparisonRow],
    (swept, lab): (&[String], bool),
    charts: &Path,
    progress: &dyn Progress,
) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(charts)
        .with_context(|| format!("cannot create {}", charts.display()))?;
    let mut metrics: Vec<&str> = Vec::new();
    for r in rows {
        position_or_push(&mut metrics, r.metric.as_str());
    }
    let mut written = Vec::new();
    for metric in metrics {
        let of_metric: Vec<&ComparisonRow> = rows.iter().filter(|r| r.metric == metric).collect();
        let pages = of_metric.len().div_ceil(ROWS_PER_CHART);
        let mut empty_pages = 0;
        for (page, chunk) in of_metric.chunks(ROWS_PER_CHART).enumerate() {
            let forest: Vec<ForestRow> = chunk.iter().map(|r| forest_row(r, swept)).collect();
            let longest = forest
                .iter()
                .map(|r| r.label.chars().count())
                .max()
                .unwrap_or(0);
            // The star's key only where a row has a Holm p-value (2 or more pairs).
            let starred = of_metric.iter().any(|r| r.p_holm.is_some());
            let (stem, title) = page_names(metric, &chunk[0].against, starred, (page, pages));
            let style = ChartStyle::new(
                title,
                x_label(metric, &of_metric, lab),
                "",
                charts.join(stem),
            )
            .with_size(forest_width(longest), 200 + 48 * chunk.len() as u32);
            match forest_plot(&forest, &style) {
                Ok(paths) => written.extend(paths),
                // Without any varying difference there is nothing to draw; the CSV says so.
                Err(coprod_plot::PlotError::NoData { .. }) => empty_pages += 1,
                Err(err) => {
                    return Err(err).with_context(|| {
                        format!("cannot draw the comparison chart of `{metric}`")
                    });
                }
            }
        }
        if empty_pages > 0 {
            // One note per metric, however many pages it would have had.
            let which = if empty_pages == pages {
                "no comparison chart".to_string()
            } else {
                format!("{empty_pages} of the {pages} pages of the comparison chart not drawn")
            };
            progress.note(Note::Note(format!(
                "{which} for `{metric}`: no row has a difference to draw (it is missing where \
                 no group started, or not a number)"
            )));
        }
    }
    Ok(written)
}

/// "difference in service output (service units), 95% CI": the metric's unit, as on every
/// axis, and the interval named only when some row has one (a run of one replication has
/// none).
fn x_label(metric: &str, rows: &[&ComparisonRow], lab: bool) -> String {
    let name = coprod_report::metric_axis_label(metric, lab);
    if rows.iter().any(|r| r.ci_low.is_some()) {
        format!("difference in {name}, 95% CI")
    } else {
        format!("difference in {name}")
    }
}

/// "participation rate: variants minus baseline (* Holm p < 0.05)", the key only if
/// `starred` (some row has a Holm p-value), part 2 of 3 if split.
fn page_names(
    metric: &str,
    against: &str,
    starred: bool,
    (page, pages): (usize, usize),
) -> (String, String) {
    let mut title = format!("{}: variants minus {against}", metric.replace('_', " "));
    if starred {
        title.push_str(" (* Holm p < 0.05)");
    }
    let mut stem = format!("forest_{}", coprod_scenario::file_slug(metric));
    if pages > 1 {
        title.push_str(&format!(", part {} of {pages}", page + 1));
        stem.push_str(&format!("_{}", page + 1));
    }
    (stem, title)
}

/// "trust-boost, trust_in_citizens_mean=0.3 *": the variant, its sweep point and whether
/// the difference is significant after Holm's adjustment.
fn forest_row(r: &ComparisonRow, swept: &[String]) -> ForestRow {
    let mut label = r.variant.clone();
    for (name, value) in swept.iter().zip(&r.point) {
        label.push_str(&format!(
            ", {}={value}",
            name.rsplit('.').next().unwrap_or(name)
        ));
    }
    if r.p_holm.is_some_and(|p| p < 0.05) {
        label.push_str(" *");
    }
    ForestRow::new(
        label,
        r.difference,
        r.ci_low.unwrap_or(f64::NAN),
        r.ci_high.unwrap_or(f64::NAN),
    )
}

/// A chart width whose label column (at most half the width) holds `chars` characters.
fn forest_width(chars: usize) -> u32 {
    (1280u32).max(600 + 24 * chars as u32)
}

/// Removes `forest_*` files of an earlier comparison from `charts`, all but those of `kept`
/// (the PNG and SVG files just drawn), so none is left stale.
fn remove_old_plots(charts: &Path, kept: &[PathBuf]) -> Result<()> {
    let Ok(entries) = std::fs::read_dir(charts) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with("forest_")
            && !kept.contains(&entry.path())
        {
            std::fs::remove_file(entry.path())
                .with_context(|| format!("cannot remove {}", entry.path().display()))?;
        }
    }
    Ok(())
}

/// Where `--target-ci` stopped, and why (recorded in manifest.json).
#[derive(Debug)]
pub(crate) struct Adaptive {
    /// The target half-width asked for.
    pub(crate) target_ci_half_width: f64,
    /// The cap on replications.
    pub(crate) max_replications: u32,
    /// Replications per batch.
    pub(crate) batch: u32,
    /// Replications of the run directory.
    pub(crate) replications: u32,
    /// `target met` or `cap reached`.
    pub(crate) stopped_because: String,
    /// Largest CI half-width among the compared metrics at that point.
    pub(crate) max_half_width: f64,
    /// The comparison with the largest half-width: `variant: metric`.
    pub(crate) widest: String,
    /// Variants compared with no successful run when it stopped (every run failed): they
    /// have no interval, so "target met" says nothing of them.
    pub(crate) variants_without_runs: Vec<String>,
    /// Metrics whose CIs were checked.
    pub(crate) metrics: Vec<String>,
    /// The pilot's runs, by (variant, sweep point, replication), when they fit in
    /// [`KEEP_BUDGET`]: the final pass writes them instead of running them again.
    pub(crate) outputs: Option<PilotRuns>,
}

/// Pilot runs kept for the final pass of `--target-ci`.
pub(crate) type PilotRuns = BTreeMap<(usize, usize, u32), Result<RunOutput, RunFailure>>;

/// The most memory the pilot runs of `--target-ci` may take to be kept; beyond it the final
/// pass runs them again (the results are the same, only the time differs).
const KEEP_BUDGET: usize = 512 << 20;

/// Roughly the bytes one run's outputs take in memory.
fn output_bytes(output: &Result<RunOutput, RunFailure>) -> usize {
    output.as_ref().map_or(0, |o| {
        std::mem::size_of_val(o.steps.as_slice()) + std::mem::size_of_val(o.groups.as_slice())
    })
}

impl Adaptive {
    /// The `adaptive` object of manifest.json.
    pub(crate) fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "target_ci_half_width": self.target_ci_half_width,
            "max_replications": self.max_replications,
            "batch": self.batch,
            "replications": self.replications,
            "stopped_because": self.stopped_because,
            "max_half_width": self.max_half_width,
            "widest": self.widest,
            "variants_without_runs": self.variants_without_runs,
            "metrics": self.metrics,
        })
    }
}

/// Adds replications in batches of the scenario's own number (the first batch) until every
/// compared CI half-width is at most `target`, or `max` replications are reached. Batches
/// are whole replications with the usual seeds, so the result depends only on the scenario.
pub(crate) fn adaptive_replications(
    scenario: &Scenario,
    runner: &Runner,
    metrics: &[String],
    against: &str,
    (target, max): (f64, u32),
    progress: &dyn Progress,
) -> Result<Adaptive> {
    if scenario.variants.len() < 2 {
        bail!(
            "--target-ci needs a scenario with variants to compare, and `{}` has none",
            scenario.name
        );
    }
    // No batch is larger than the cap lets run (manifest.json records it).
    let batch = scenario.replications.max(2).min(max.max(2));
    let mut pilot = Pilot::new(scenario);
    let mut done = 0u32;
    loop {
        let upto = (done + batch).min(max.max(2));
        pilot.run_batch(scenario, runner, (done, upto), progress)?;
        done = upto;
        // Until a reference run succeeds there is nothing to pair: more replications, and
        // the final pass says so if none ever does.
        let rows = if pilot.table.rows.iter().any(|r| r.variant == against) {
            comparisons(
                (&pilot.table, u64::from(scenario.steps)),
                &[],
                metrics,
                against,
            )?
        } else {
            Vec::new()
        };
        let (widest, half) = widest_half_width(&rows);
        progress.note(Note::Status(status_text(done, (&widest, half), target)));
        let reason = if half <= target {
            "target met"
        } else if done >= max {
            "cap reached"
        } else {
            continue;
        };
        let variants_without_runs = pilot.variants_without_runs(scenario, against);
        if !variants_without_runs.is_empty() {
            progress.note(Note::Warning(format!(
                "--target-ci: every run so far of {} failed, so {} no interval: the target \
                 was judged on the other variants (failures.csv will say why)",
                variants_without_runs
                    .iter()
                    .map(|v| format!("`{v}`"))
                    .collect::<Vec<_>>()
                    .join(", "),
                if variants_without_runs.len() == 1 {
                    "it has"
                } else {
                    "they have"
                }
            )));
        }
        return Ok(Adaptive {
            target_ci_half_width: target,
            max_replications: max,
            batch,
            replications: done,
            stopped_because: reason.to_string(),
            max_half_width: half,
            widest,
            variants_without_runs,
            metrics: metrics.to_vec(),
            outputs: pilot.kept,
        });
    }
}

/// The runs of `--target-ci` so far: their summaries, as rows of runs.csv to compare, and
/// their outputs while they fit in [`KEEP_BUDGET`].
struct Pilot {
    table: RunsTable,
    kept: Option<PilotRuns>,
    kept_bytes: usize,
}

impl Pilot {
    /// The variants other than the reference `against` with no successful run so far.
    fn variants_without_runs(&self, scenario: &Scenario, against: &str) -> Vec<String> {
        scenario
            .variants
            .iter()
            .map(|v| v.name.clone())
            .filter(|v| v != against && !self.table.rows.iter().any(|r| r.variant == *v))
            .collect()
    }

    /// No runs yet, with the columns of `scenario`'s runs.csv.
    fn new(scenario: &Scenario) -> Pilot {
        let names: Vec<String> = summary_names().into_iter().map(|(n, _, _)| n).collect();
        Pilot {
            table: RunsTable {
                swept: scenario
                    .sweep
                    .iter()
                    .map(|a| a.name().to_string())
                    .collect(),
                metrics: names,
                rows: Vec::new(),
            },
            kept: Some(BTreeMap::new()),
            kept_bytes: 0,
        }
    }

    /// Runs replications `done` to `upto - 1` of every variant and sweep point of
    /// `scenario`, with the seeds they have in a run of `upto` replications.
    fn run_batch(
        &mut self,
        scenario: &Scenario,
        runner: &Runner,
        (done, upto): (u32, u32),
        progress: &dyn Progress,
    ) -> Result<()> {
        let mut upto_scenario = scenario.clone();
        upto_scenario.apply_settings(&[Setting {
            key: "experiment.replications".into(),
            value: upto.to_string(),
            option: Some("--target-ci"),
        }])?;
        let specs = upto_scenario.runs().filter(|s| s.replication >= done);
        progress.note(Note::Status(format!(
            "--target-ci: running replications {done} to {}",
            upto - 1
        )));
        let faults = Faults::default();
        runner.run_isolated(specs, Detail::Standard, &faults, &|| {}, |event| {
            if let Event::Run(spec, result) = event {
                self.record(scenario, &spec, result);
            }
            Ok::<(), std::convert::Infallible>(())
        })?;
        Ok(())
    }

    /// Keeps one run's outputs (until the pilot outgrows [`KEEP_BUDGET`]) and, if it
    /// succeeded, its row of runs.csv.
    fn record(
        &mut self,
        scenario: &Scenario,
        spec: &RunSpec<'_>,
        result: Result<RunOutput, RunFailure>,
    ) {
        self.kept_bytes += output_bytes(&result);
        if self.kept_bytes > KEEP_BUDGET {
            self.kept = None;
        }
        let key = (spec.variant, spec.point, spec.replication);
        let values = result.as_ref().ok().map(RunOutput::summary);
        if let Some(kept) = self.kept.as_mut() {
            kept.insert(key, result);
        }
        // A failed run leaves its replication unpaired; the final pass reports it.
        let Some(values) = values else {
            return;
        };
        self.table.rows.push(RunRow {
            run_id: spec.run_id,
            variant: spec.variant_name.to_string(),
            point: scenario.point_text(&spec.point_values),
            replication: u64::from(spec.replication),
            seed: spec.seed,
            values,
        });
    }
}

/// The manifest's `comparison`: the metrics compared and the reference variant.
pub(crate) fn info(metrics: &[String], against: &str) -> coprod_output::ComparisonInfo {
    coprod_output::ComparisonInfo {
        metrics: metrics.to_vec(),
        against: against.to_string(),
    }
}

/// Records the options of the new comparison.csv in manifest.json, so the manifest does not
/// describe the comparison the run first wrote.
fn record(dir: &Path, metrics: &[String], against: &str, progress: &dyn Progress) -> Result<()> {
    if !coprod_output::record_comparison(dir, info(metrics, against))? {
        progress.note(Note::Note(format!(
            "manifest.json of {} was not updated: it is missing or of an earlier coprod",
            dir.display()
        )));
    }
    Ok(())
}

/// The comparison file name, for the manifest's file list (like `charts/`, the forest
/// plots' folder is not listed).
pub(crate) fn file_name() -> String {
    COMPARISON_CSV.to_string()
}

/// The status line of `--target-ci` after `done` replications: the widest half-width (of
/// the comparison `widest`) and the target. The half-width is written as the pages write
/// numbers, so a small one never reads as 0 (a target of 1e-6 is allowed); "n/a" when no
/// compared row has an interval yet.
fn status_text(done: u32, (widest, half): (&str, f64), target: f64) -> String {
    // A huge or tiny target (1e308 and 1e-300 are allowed) in scientific form, not as
    // 300 digits.
    let shown = coprod_core::readable(target);
    format!(
        "--target-ci: {done} replications, widest half-width {} ({widest}), target {shown}",
        half_width_text(half, target)
    )
}

/// A half-width as the pages write it, unless rounding would make one above the target
/// read as the target or below it (1.04e-6 as "1.0e-6" against 1e-6, which would seem met
/// while more replications are run): then in full.
fn half_width_text(half: f64, target: f64) -> String {
    let shown = coprod_report::number(half, 4);
    let reads_met = shown.parse::<f64>().is_ok_and(|v| v <= target);
    if half > target && reads_met {
        format!("{half}")
    } else {
        shown
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A comparison row of `service_output` over two replications (it has an interval).
    fn two_replications() -> ComparisonRow {
        row(
            ("v", "baseline"),
            &[],
            ("service_output", difference_bounds("service_output", 120)),
            &[1.0, 2.0],
            &[0.5, 0.7],
        )
    }

    /// A huge target is written in scientific form, not digit by digit.
    #[test]
    fn a_huge_target_is_written_short() {
        assert!(status_text(3, ("v: service_output", 0.5), 1e308).ends_with("target 1e308"));
        assert!(status_text(3, ("v: service_output", 0.5), 0.05).ends_with("target 0.05"));
        // And a tiny one: 1e-300 is allowed too.
        assert!(status_text(3, ("v: service_output", 0.5), 1e-300).ends_with("target 1e-300"));
    }

    /// The status line writes a half-width as the pages write numbers: one that is not 0
    /// never reads as 0, whatever its size.
    #[test]
    fn small_half_widths_never_read_as_0() {
        let half = |h: f64| status_text(3, ("v: service_output", h), 1e-6);
        assert_eq!(
            half(0.01234),
            "--target-ci: 3 replications, widest half-width 0.0123 (v: service_output), \
             target 1e-6"
        );
        for (h, shown) in [
            (0.0000123, "1.2e-5"),
            (0.00004, "4.0e-5"),
            (0.0012, "0.0012"),
            (0.0, "0.0000"),
            (f64::INFINITY, "n/a"),
        ] {
            assert!(
                half(h).contains(&format!("half-width {shown} (")),
                "{h}: {}",
                half(h)
            );
            assert_eq!(shown, coprod_report::number(h, 4), "as on the pages");
        }
    }

    /// A half-width above the target never reads as met: rounded to the target, it is
    /// written in full.
    #[test]
    fn a_half_width_above_the_target_never_reads_as_met() {
        let line = |h: f64, target: f64| status_text(3, ("v: service_output", h), target);
        assert!(
            line(1.04e-6, 1e-6).contains("half-width 0.00000104 ("),
            "{}",
            line(1.04e-6, 1e-6)
        );
        assert!(
            line(0.05004, 0.05).contains("half-width 0.05004 ("),
            "{}",
            line(0.05004, 0.05)
        );
        // At or below the target, or clearly above it, as the pages write it.
        assert!(line(0.05, 0.05).contains("half-width 0.0500 ("));
        assert!(line(0.0612, 0.05).contains("half-width 0.0612 ("));
    }

    #[test]
    fn the_x_axis_names_an_interval_only_when_one_is_drawn() {
        let one = row(
            ("v", "baseline"),
            &[],
            ("service_output", difference_bounds("service_output", 120)),
            &[1.0],
            &[0.5],
        );
        assert!(one.ci_low.is_none(), "one replication has no interval");
        assert!(!x_label("service_output", &[&one], false).contains("CI"));
        let two = two_replications();
        assert!(x_label("service_output", &[&two], false).ends_with(", 95% CI"));
    }

    #[test]
    fn the_x_axis_has_the_metric_unit() {
        let two = two_replications();
        assert_eq!(
            x_label("service_output", &[&two], false),
            "difference in service output (service units), 95% CI"
        );
        assert_eq!(
            x_label("service_output", &[&two], true),
            "difference in service output (mean payoff in tokens), 95% CI"
        );
    }

    /// A variant none of whose pilot runs succeeded has no interval, and is named (in
    /// manifest.json's `adaptive`) rather than counted as meeting the target; the reference
    /// is not among them (its absence stops any comparison, which says so).
    #[test]
    fn variants_without_a_successful_run_are_named() {
        let text = "[[experiment.variants]]\nname = \"cheap\"\n\
                    params.levers.participation_cost = 0.1\n\
                    [[experiment.variants]]\nname = \"joint\"\n\
                    params.groups.service = \"joint\"\n";
        let scenario = Scenario::from_toml(text, "s.toml", "s").unwrap();
        let mut pilot = Pilot::new(&scenario);
        assert_eq!(
            pilot.variants_without_runs(&scenario, "baseline"),
            ["cheap", "joint"]
        );
        pilot.table.rows.push(run("cheap", "", 0, 0.5));
        assert_eq!(
            pilot.variants_without_runs(&scenario, "baseline"),
            ["joint"]
        );
        assert_eq!(
            pilot.variants_without_runs(&scenario, "joint"),
            ["baseline"]
        );
        pilot.table.rows.push(run("joint", "", 0, 0.5));
        assert!(
            pilot
                .variants_without_runs(&scenario, "baseline")
                .is_empty()
        );
    }

    fn run(variant: &str, point: &str, replication: u64, value: f64) -> RunRow {
        RunRow {
            run_id: 0,
            variant: variant.into(),
            point: vec![point.into()],
            replication,
            seed: replication,
            values: vec![value],
        }
    }

    /// Missing values (runs in which no group started) leave their pairs out; a row with
    /// fewer than 2 pairs has no p-value and stays out of its Holm family, and a row with
    /// none has no estimate at all.
    #[test]
    fn no_row_with_a_value_does_not_meet_the_target() {
        let nan = f64::NAN;
        let mut rows = Vec::new();
        for r in 0..3 {
            rows.push(run("baseline", "0", r, nan));
            rows.push(run("v", "0", r, nan));
        }
        let table = RunsTable {
            swept: vec!["levers.outreach".into()],
            metrics: vec!["share_lasting_24".into()],
            rows,
        };
        let out = comparisons((&table, 120), &[], &["share_lasting_24".into()], BASELINE).unwrap();
        let (widest, half) = widest_half_width(&out);
        assert_eq!(widest, "no compared row has a value");
        assert!(half.is_infinite(), "{half}");
    }

    /// The comparison row of `metric` in runs of `steps` steps where a variant `v` differs
    /// from the baseline's 0 by `differences`, one per replication.
    fn compared(metric: &str, differences: [f64; 3], steps: u64) -> ComparisonRow {
        let mut rows = Vec::new();
        for (r, v) in differences.into_iter().enumerate() {
            rows.push(run("baseline", "0", r as u64, 0.0));
            rows.push(run("v", "0", r as u64, v));
        }
        let table = RunsTable {
            swept: vec!["levers.outreach".into()],
            metrics: vec![metric.into()],
            rows,
        };
        let out = comparisons((&table, steps), &[], &[metric.to_string()], BASELINE);
        out.unwrap()[0].clone()
    }

    /// `--target-ci` stops on the precision the replications reached: the half-width of
    /// the t-interval before comparison.csv cuts it. Differences 0.5, 1 and 1.5 in a share:
    /// the interval 1 ± 1.24 is cut to -0.24 to 1, but its half-width stays 1.24.
    #[test]
    fn the_target_reads_the_half_width_before_the_cut() {
        let out = vec![compared("participation_rate", [0.5, 1.0, 1.5], 120)];
        let half = 4.302_652_729_911_275 * 0.5 / 3f64.sqrt();
        assert_eq!(out[0].ci_high, Some(1.0), "the interval is cut");
        let (_, widest) = widest_half_width(&out);
        assert!((widest - half).abs() < 1e-9, "{widest} vs {half}");
    }

    #[test]
    fn pairs_with_a_missing_value_are_left_out() {
        let nan = f64::NAN;
        let mut rows = Vec::new();
        for (point, variant_values) in [
            ("0", [0.5, 0.7, 0.6]),
            ("1", [0.4, nan, nan]),
            ("2", [nan, nan, nan]),
        ] {
            for (r, v) in variant_values.into_iter().enumerate() {
                rows.push(run("baseline", point, r as u64, [0.2, 0.3, 0.25][r]));
                rows.push(run("v", point, r as u64, v));
            }
        }
        let table = RunsTable {
            swept: vec!["levers.outreach".into()],
            metrics: vec!["share_lasting_24".into()],
            rows,
        };
        let out = comparisons((&table, 120), &[], &["share_lasting_24".into()], BASELINE).unwrap();
        assert_eq!(out.iter().map(|r| r.n).collect::<Vec<_>>(), [3, 1, 0]);
        // The only p-value is a family of one: Holm leaves it as it is.
        assert_eq!(out[0].p_holm, out[0].p_value);
        assert!(out[0].p_value.is_some());
        assert_eq!(
            (out[1].p_value, out[1].p_holm, out[1].ci_low),
            (None, None, None)
        );
        assert!(
            (out[1].difference - 0.2).abs() < 1e-12,
            "one pair: 0.4 - 0.2"
        );
        assert!(out[2].difference.is_nan() && out[2].variant_mean.is_nan());
        assert_eq!((out[2].p_value, out[2].p_holm), (None, None));
    }

    /// A chart's title keys the star only when some row has a Holm p-value, and a split
    /// chart's pages are numbered in title and file name.
    #[test]
    fn forest_titles_key_the_star_only_when_it_can_appear_and_number_their_parts() {
        assert_eq!(
            page_names("participation_rate", "baseline", true, (0, 1)),
            (
                "forest_participation_rate".to_string(),
                "participation rate: variants minus baseline (* Holm p < 0.05)".to_string()
            )
        );
        assert_eq!(
            page_names("participation_rate", "financial", false, (1, 3)),
            (
                "forest_participation_rate_2".to_string(),
                "participation rate: variants minus financial, part 2 of 3".to_string()
            )
        );
    }

    /// A forest row names the variant and its sweep point by the parameter's last name, and
    /// is starred only when Holm's p is below 0.05.
    #[test]
    fn forest_rows_name_the_point_and_star_only_holm_significant_differences() {
        let swept = [
            "levers.outreach".to_string(),
            "levers.group_size_cap".to_string(),
        ];
        let label = |p_holm: Option<f64>| {
            let point = ["0.5".to_string(), "8".to_string()];
            let mut r = row(
                ("v", BASELINE),
                &point,
                ("participation_rate", (-1.0, 1.0)),
                &[0.3, 0.4],
                &[0.1, 0.2],
            );
            r.p_holm = p_holm;
            forest_row(&r, &swept).label
        };
        assert_eq!(label(Some(0.01)), "v, outreach=0.5, group_size_cap=8 *");
        for p in [Some(0.05), Some(0.2), None] {
            assert_eq!(label(p), "v, outreach=0.5, group_size_cap=8", "{p:?}");
        }
    }

    /// Only a difference of shares is cut to -1..1: one in service units keeps its whole
    /// t-interval. Differences 10, 20, 30: mean 20, sd 10, half-width 4.303 x 10 / sqrt(3)
    /// (the same numbers as shares, impossible as they are, show the cut).
    #[test]
    fn only_share_differences_are_cut_to_plus_minus_one() {
        let both = |metric: &str| compared(metric, [10.0, 20.0, 30.0], 120);
        let half = 4.302_652_729_911_275 * 10.0 / 3f64.sqrt();
        let service = both("service_output");
        let (lo, hi) = (service.ci_low.unwrap(), service.ci_high.unwrap());
        assert!((lo - (20.0 - half)).abs() < 1e-9 && (hi - (20.0 + half)).abs() < 1e-9);
        let share = both("participation_rate");
        assert_eq!((share.ci_low, share.ci_high), (Some(-1.0), Some(1.0)));
    }

    /// A difference of two lifetimes is at most the run's length either way: differences
    /// 10, 20, 30 steps in runs of 30 steps give 20 - 24.84 to 30, not to 44.84.
    #[test]
    fn lifetime_differences_are_cut_at_the_run_length() {
        let half = 4.302_652_729_911_275 * 10.0 / 3f64.sqrt();
        let cut = |steps: u64| {
            let r = compared("mean_group_lifetime", [10.0, 20.0, 30.0], steps);
            (r.ci_low.unwrap(), r.ci_high.unwrap())
        };
        let (lo, hi) = cut(30);
        assert!((lo - (20.0 - half)).abs() < 1e-9 && hi == 30.0, "{lo} {hi}");
        let (lo, hi) = cut(120);
        assert!((lo - (20.0 - half)).abs() < 1e-9 && (hi - (20.0 + half)).abs() < 1e-9);
    }

    /// runs.csv holds only runs that succeeded. A sweep point where every reference run
    /// failed keeps its row (n = 0, no estimate); a reference with no successful run at all
    /// is an error that says so, not "no variant besides the reference".
    #[test]
    fn a_reference_whose_runs_failed_is_named_as_such() {
        let table = |rows: Vec<RunRow>| RunsTable {
            swept: vec!["levers.outreach".into()],
            metrics: vec!["share_lasting_24".into()],
            rows,
        };
        let mut rows = Vec::new();
        for r in 0..3 {
            rows.push(run("baseline", "0", r, 0.2));
            rows.push(run("v", "0", r, 0.5));
            rows.push(run("v", "1", r, 0.5));
        }
        let metric = ["share_lasting_24".to_string()];
        let out = comparisons((&table(rows.clone()), 120), &[], &metric, BASELINE).unwrap();
        assert_eq!(
            out.iter()
                .map(|r| (r.point[0].as_str(), r.n))
                .collect::<Vec<_>>(),
            [("0", 3), ("1", 0)]
        );
        assert!(out[1].difference.is_nan() && out[1].p_value.is_none());

        // A variant whose every run failed keeps its rows (n = 0) when the cells that ran
        // are known (parameters.csv), in the cells' order.
        let cells: Vec<Cell> = ["baseline", "w", "v"]
            .iter()
            .flat_map(|v| ["0", "1"].map(|p| (v.to_string(), vec![p.to_string()])))
            .collect();
        let out = comparisons((&table(rows.clone()), 120), &cells, &metric, BASELINE).unwrap();
        assert_eq!(
            out.iter()
                .map(|r| (r.variant.as_str(), r.point[0].as_str(), r.n))
                .collect::<Vec<_>>(),
            [("w", "0", 0), ("w", "1", 0), ("v", "0", 3), ("v", "1", 0)]
        );

        rows.retain(|r| r.variant == "v");
        for cells in [&[][..], &cells[..]] {
            let message = comparisons((&table(rows.clone()), 120), cells, &metric, BASELINE)
                .unwrap_err()
                .to_string();
            assert!(
                message.starts_with(
                    "runs.csv has no successful run of a variant `baseline` to compare against"
                ),
                "{message}"
            );
            assert!(message.contains("--against one of v compares"), "{message}");
        }
        let message = comparisons((&table(rows), 120), &[], &metric, "w")
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with("--against w: runs.csv has no successful run"),
            "{message}"
        );
        assert!(message.contains("--against one of v compares"), "{message}");
        assert!(
            comparisons((&table(Vec::new()), 120), &[], &metric, BASELINE)
                .unwrap()
                .is_empty()
        );
    }
}
