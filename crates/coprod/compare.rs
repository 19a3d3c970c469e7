//! `coprod compare DIR` and the comparison written by every `coprod run` of a scenario
//! with variants: paired differences against the baseline with 95% CIs, Cohen's d_z and
//! Holm-adjusted p-values (`comparison.csv`), a forest plot of standardised effects
//! (`comparison/forest_<variant>.png`, `.svg`), and the adaptive-replications loop of `--target-ci`.
//!
//! Owns grouping runs into pairs and the presentation; the statistics are
//! `coprod-analysis`'s, the CSV writing `coprod-output`'s (docs/comparison.md).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use coprod_analysis::{holm, paired};
use coprod_core::{Detail, SPECS, summary_names};
use coprod_output::read::{RunRow, RunsTable, read_runs};
use coprod_output::{COMPARISON_CSV, ComparisonRow, write_comparison};
use coprod_plot::{ChartStyle, ForestRow, forest_plot};
use coprod_scenario::{BASELINE, Scenario, Setting};
use coprod_sweep::{Event, Faults, Runner};

use crate::cli::CompareArgs;

/// Metrics compared when no `--metric` is given (end-of-run metrics of docs/outputs.md).
pub(crate) const DEFAULT_METRICS: [&str; 8] = [
    "participation_rate",
    "group_survival",
    "service_output",
    "efficiency",
    "representativeness",
    "mean_efficacy",
    "mean_citizen_trust",
    "mean_org_trust",
];

/// Above this many rows the forest plots are not drawn (the CSV still has every row).
const MAX_CHART_ROWS: usize = 240;

/// Folder of the forest plots (`comparison/forest_<variant>.png`), beside comparison.csv;
/// `charts/` holds the report's own charts, which `coprod plot` redraws.
const CHARTS_DIR: &str = "comparison";

/// `coprod compare DIR`: recomputes comparison.csv and its chart from runs.csv.
pub(crate) fn compare(args: &CompareArgs, stdout: &mut impl Write) -> Result<()> {
    if !args.dir.is_dir() {
        bail!(
            "{}: no such run directory\n\nhint: give a folder written by `coprod run`",
            args.dir.display()
        );
    }
    let metrics = metrics(&args.metrics)?;
    let written = write_all(&args.dir, &metrics)?;
    for path in written {
        writeln!(stdout, "{}", path.display())?;
    }
    Ok(())
}

/// The metrics asked for, checked against the end-of-run metrics; the default set if none.
pub(crate) fn metrics(asked: &[String]) -> Result<Vec<String>> {
    if asked.is_empty() {
        return Ok(DEFAULT_METRICS.iter().map(|m| m.to_string()).collect());
    }
    let names = summary_names();
    for m in asked {
        if !names.iter().any(|(n, _, _)| n == m) {
            let all: Vec<&str> = names.iter().map(|(n, _, _)| n.as_str()).collect();
            bail!(
                "unknown metric `{m}` for --metric\n\nhint: use an end-of-run metric: {}",
                all.join(", ")
            );
        }
    }
    Ok(asked.to_vec())
}

/// Reads runs.csv of `dir`, writes comparison.csv and the chart into it; returns the paths
/// written. A scenario without variants gets no comparison (and no error).
pub(crate) fn write_all(dir: &Path, metrics: &[String]) -> Result<Vec<PathBuf>> {
    let runs = read_runs(dir)?;
    let rows = comparisons(&runs, metrics)?;
    if rows.is_empty() {
        eprintln!(
            "note: no comparison: {} has no variant besides the baseline",
            dir.display()
        );
        return Ok(Vec::new());
    }
    let mut written = vec![write_comparison(dir, &runs.swept, &rows)?];
    if rows.len() <= MAX_CHART_ROWS {
        written.extend(draw(&rows, &runs.swept, &dir.join(CHARTS_DIR))?);
    } else {
        eprintln!(
            "note: no comparison charts: {} comparisons are too many rows \
             (use --metric to choose fewer)",
            rows.len()
        );
    }
    Ok(written)
}

/// Every variant against the baseline, per sweep point and metric, in that order, with
/// Holm's adjustment over all rows.
pub(crate) fn comparisons(runs: &RunsTable, metrics: &[String]) -> Result<Vec<ComparisonRow>> {
    let columns: Vec<usize> = metrics
        .iter()
        .map(|m| {
            runs.metrics
                .iter()
                .position(|c| c == m)
                .with_context(|| format!("runs.csv has no column `{m}`"))
        })
        .collect::<Result<_>>()?;
    let mut variants: Vec<&str> = Vec::new();
    let mut points: Vec<&[String]> = Vec::new();
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
    let Some(base) = variants.iter().position(|v| *v == BASELINE) else {
        return Ok(Vec::new());
    };
    let mut rows = Vec::new();
    for (v, variant) in variants.iter().enumerate().filter(|(v, _)| *v != base) {
        for (p, point) in points.iter().enumerate() {
            let (Some(treated), Some(baseline)) = (cells.get(&(v, p)), cells.get(&(base, p)))
            else {
                continue;
            };
            for (metric, &column) in metrics.iter().zip(&columns) {
                let (xs, ys): (Vec<f64>, Vec<f64>) = treated
                    .iter()
                    .filter_map(|(rep, row)| {
                        baseline
                            .get(rep)
                            .map(|b| (row.values[column], b.values[column]))
                    })
                    .unzip();
                rows.push(row(variant, point, metric, &xs, &ys));
            }
        }
    }
    let adjusted = holm(
        &rows
            .iter()
            .map(|r| r.p_value.unwrap_or(f64::NAN))
            .collect::<Vec<_>>(),
    );
    for (row, p) in rows.iter_mut().zip(adjusted) {
        row.p_holm = p.is_finite().then_some(p);
    }
    Ok(rows)
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

fn row(variant: &str, point: &[String], metric: &str, xs: &[f64], ys: &[f64]) -> ComparisonRow {
    let mean = |v: &[f64]| {
        if v.is_empty() {
            f64::NAN
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    let c = paired(xs, ys);
    // A difference of two shares lies within -1 to 1; its interval is cut to that range.
    let range = coprod_core::summary_names()
        .into_iter()
        .find(|(n, _, _)| n == metric)
        .and_then(|(_, unit, _)| coprod_output::feasible_range(unit))
        .map_or(
            (f64::NEG_INFINITY, f64::INFINITY),
            coprod_output::difference_range,
        );
    let ci = c.as_ref().map(|c| coprod_output::within(c.ci, range));
    ComparisonRow {
        variant: variant.to_string(),
        point: point.to_vec(),
        metric: metric.to_string(),
        n: xs.len() as u64,
        baseline_mean: mean(ys),
        variant_mean: mean(xs),
        difference: mean(xs) - mean(ys),
        ci_low: ci.map(|c| c.0),
        ci_high: ci.map(|c| c.1),
        sd_difference: c.as_ref().map(|c| c.sd_difference),
        effect_size_dz: c.as_ref().and_then(|c| c.d_z),
        p_value: c.as_ref().map(|c| c.p_value),
        p_holm: None,
    }
}

/// One forest plot per variant of standardised effects: each difference and its CI divided
/// by the standard deviation of the paired differences (d_z units), so metrics of different
/// units share one axis. Returns the files written.
fn draw(rows: &[ComparisonRow], swept: &[String], charts: &Path) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(charts)
        .with_context(|| format!("cannot create {}", charts.display()))?;
    let mut variants: Vec<&str> = Vec::new();
    for r in rows {
        position_or_push(&mut variants, r.variant.as_str());
    }
    let mut written = Vec::new();
    for variant in variants {
        let forest: Vec<ForestRow> = rows
            .iter()
            .filter(|r| r.variant == variant)
            .map(|r| {
                let sd = r.sd_difference.filter(|s| *s > 0.0).unwrap_or(f64::NAN);
                let mut label = r.metric.replace('_', " ");
                if !swept.is_empty() {
                    let point: Vec<String> = swept
                        .iter()
                        .zip(&r.point)
                        .map(|(n, v)| format!("{}={v}", n.rsplit('.').next().unwrap_or(n)))
                        .collect();
                    label.push_str(&format!(" ({})", point.join(", ")));
                }
                if r.p_holm.is_some_and(|p| p < 0.05) {
                    label.push_str(" *");
                }
                ForestRow::new(
                    label,
                    r.difference / sd,
                    r.ci_low.unwrap_or(f64::NAN) / sd,
                    r.ci_high.unwrap_or(f64::NAN) / sd,
                )
            })
            .collect();
        let n = forest.len() as u32;
        let style = ChartStyle::new(
            format!("{variant} minus baseline (* Holm p < 0.05)"),
            "standardised effect d_z with 95% CI",
            "",
            charts.join(format!("forest_{}", slug(variant))),
        )
        .with_size(1280, (200 + 48 * n).max(800));
        // Without any varying difference there is nothing to draw; the CSV says so.
        match forest_plot(&forest, &style) {
            Ok(paths) => written.extend(paths),
            Err(coprod_plot::PlotError::NoData { .. }) => eprintln!(
                "note: no comparison chart for `{variant}`: its differences do not vary \
                 between replications"
            ),
            Err(err) => {
                return Err(err)
                    .with_context(|| format!("cannot draw the comparison chart of `{variant}`"));
            }
        }
    }
    Ok(written)
}

/// A file-name-safe version of a variant name.
fn slug(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// Where `--target-ci` stopped, and why (recorded in manifest.json).
#[derive(Debug, Clone)]
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
    /// Metrics whose CIs were checked.
    pub(crate) metrics: Vec<String>,
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
    target: f64,
    max: u32,
) -> Result<Adaptive> {
    if scenario.variants.len() < 2 {
        bail!(
            "--target-ci needs a scenario with variants to compare, and `{}` has none",
            scenario.name
        );
    }
    let batch = scenario.replications.max(2);
    let names: Vec<String> = summary_names().into_iter().map(|(n, _, _)| n).collect();
    let mut table = RunsTable {
        swept: scenario
            .sweep
            .iter()
            .map(|a| a.name().to_string())
            .collect(),
        metrics: names,
        rows: Vec::new(),
    };
    let mut done = 0u32;
    loop {
        let upto = (done + batch).min(max.max(2));
        let mut pilot = scenario.clone();
        pilot.apply_settings(&[Setting {
            key: "experiment.replications".into(),
            value: upto.to_string(),
        }])?;
        let specs = pilot.runs().filter(|s| s.replication >= done);
        eprintln!("--target-ci: running replications {done} to {}", upto - 1);
        let faults = Faults::default();
        runner.run_isolated(specs, Detail::Standard, &faults, &|| {}, |event| {
            let (spec, output) = match event {
                Event::Run(spec, Ok(output)) => (spec, output),
                // A failed run leaves its replication unpaired; the final pass reports it.
                Event::Run(..) | Event::ChunkDone => return Ok(()),
            };
            table.rows.push(RunRow {
                run_id: spec.run_id,
                variant: spec.variant_name.to_string(),
                point: scenario
                    .sweep
                    .iter()
                    .zip(&spec.point_values)
                    .map(|(axis, v)| SPECS[axis.param].format_value(*v))
                    .collect(),
                replication: u64::from(spec.replication),
                seed: spec.seed,
                values: output.summary(),
            });
            Ok::<(), std::convert::Infallible>(())
        })?;
        done = upto;
        let rows = comparisons(&table, metrics)?;
        let (widest, half) = rows
            .iter()
            .map(|r| {
                let half = match (r.ci_low, r.ci_high) {
                    (Some(lo), Some(hi)) => 0.5 * (hi - lo),
                    _ => f64::INFINITY,
                };
                (format!("{}: {}", r.variant, r.metric), half)
            })
            .fold(
                (String::new(), 0.0_f64),
                |a, b| if b.1 > a.1 { b } else { a },
            );
        eprintln!(
            "--target-ci: {done} replications, widest half-width {half:.4} ({widest}), target {target}"
        );
        let reason = if half <= target {
            "target met"
        } else if done >= max {
            "cap reached"
        } else {
            continue;
        };
        return Ok(Adaptive {
            target_ci_half_width: target,
            max_replications: max,
            batch,
            replications: done,
            stopped_because: reason.to_string(),
            max_half_width: half,
            widest,
            metrics: metrics.to_vec(),
        });
    }
}

/// The comparison file name, for the manifest's file list (like `charts/`, the forest
/// plots' folder is not listed).
pub(crate) fn file_name() -> String {
    COMPARISON_CSV.to_string()
}
