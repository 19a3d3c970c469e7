//! The default chart set of a run directory, drawn from its CSV files: time series with 95%
//! bands per variant, response curves over each swept parameter, Kaplan-Meier group survival
//! by size class, forest plots of paired variant effects, and heatmaps over two parameters.
//!
//! Owns which charts a run gets and which (variant, sweep point) cells each pools. Drawing is
//! `coprod-plot`'s. A chart with nothing to show (for example survival in a lab run, which has
//! no groups) is skipped with a note, never an error.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use rayon::prelude::*;

use coprod_output::read::SummaryRow;
use coprod_plot::{
    ChartStyle, ForestRow, Heatmap, PlotError, Series, SurvivalCounts, forest_plot, heatmap,
    response_curve, survival_count_curves, time_series,
};

use crate::data::{Estimate, RunData, metric_axis_label, metric_label, parameter_axis_label};
use crate::error::ReportError;
use crate::lifetimes::survival_classes;

/// The five chart kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    /// A step metric over time, one line with a 95% band per variant.
    TimeSeries,
    /// A summary metric over a swept parameter, with 95% CI error bars.
    Response,
    /// Kaplan-Meier survival of groups by size class.
    Survival,
    /// Paired effects of each variant against the reference variant (the baseline, or
    /// `--against`), with 95% CIs.
    Forest,
    /// A summary metric over two swept parameters.
    Heatmap,
}

impl ChartKind {
    /// Every kind, in the order charts are drawn.
    pub const ALL: [ChartKind; 5] = [
        ChartKind::TimeSeries,
        ChartKind::Response,
        ChartKind::Survival,
        ChartKind::Forest,
        ChartKind::Heatmap,
    ];

    /// The name used on the command line (`--kind`).
    pub fn name(self) -> &'static str {
        match self {
            ChartKind::TimeSeries => "time-series",
            ChartKind::Response => "response",
            ChartKind::Survival => "survival",
            ChartKind::Forest => "forest",
            ChartKind::Heatmap => "heatmap",
        }
    }
}

impl fmt::Display for ChartKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for ChartKind {
    type Err = String;

    fn from_str(s: &str) -> Result<ChartKind, String> {
        ChartKind::ALL
            .into_iter()
            .find(|k| k.name() == s)
            .ok_or_else(|| {
                let names: Vec<&str> = ChartKind::ALL.iter().map(|k| k.name()).collect();
                format!(
                    "unknown chart kind `{s}`; expected one of {}",
                    names.join(", ")
                )
            })
    }
}

/// Which charts to draw: all kinds and the default metrics unless narrowed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// Only this metric (a column of timeseries.csv or runs.csv).
    pub metric: Option<String>,
    /// Only this kind.
    pub kind: Option<ChartKind>,
}

/// One chart written by [`draw_charts`].
#[derive(Debug, Clone, PartialEq)]
pub struct ChartFile {
    /// Its kind.
    pub kind: ChartKind,
    /// The metric it shows (none for group survival, which has no metric).
    pub metric: Option<String>,
    /// The path without extension; `.png` and `.svg` exist.
    pub stem: PathBuf,
    /// The chart's title.
    pub title: String,
    /// One or two sentences saying what it shows, for the report.
    pub caption: String,
}

impl ChartFile {
    /// The PNG file.
    pub fn png(&self) -> PathBuf {
        self.stem.with_extension("png")
    }

    /// The SVG file.
    pub fn svg(&self) -> PathBuf {
        self.stem.with_extension("svg")
    }
}

/// Metrics drawn by default, per kind.
const DEFAULT_STEP_METRICS: [&str; 2] = ["participation_rate", "active_groups"];
const DEFAULT_RESPONSE_METRICS: [&str; 3] =
    ["participation_rate", "share_lasting_24", "service_output"];
const DEFAULT_FOREST_METRICS: [&str; 2] = ["participation_rate", "share_lasting_24"];
const DEFAULT_HEATMAP_METRICS: [&str; 1] = ["participation_rate"];
/// In the lab setting (a public-goods game, no organisations or lasting groups) the one
/// metric that means something: the contribution per round.
const LAB_METRICS: [&str; 1] = ["mean_contribution"];
/// At most this many lines, panels or rows, so that a chart stays readable.
const MAX_SERIES: usize = 8;
const MAX_PANELS: usize = 4;
const MAX_FOREST_ROWS: usize = 16;
/// The end of a caption of a run with one replication in runs.csv, which has no interval
/// or band, and why.
fn no_interval(data: &RunData) -> String {
    format!(". No interval: {}.", data.no_interval_reason())
}

/// Draws the selected charts of `data` into `charts_dir` (created if needed).
///
/// Returns the charts written and notes about charts that were skipped and why.
///
/// # Errors
/// [`ReportError::Unsuitable`] when `selection.metric` is not a column of the run;
/// [`ReportError::Io`] or [`ReportError::Plot`] when a chart cannot be written.
pub fn draw_charts(
    data: &RunData,
    charts_dir: &Path,
    selection: &Selection,
) -> Result<(Vec<ChartFile>, Vec<String>), ReportError> {
    check_selected_metric(data, selection)?;
    std::fs::create_dir_all(charts_dir).map_err(|e| ReportError::io(charts_dir, e))?;
    // Every chart is a job writing its own files; jobs run in parallel on the current rayon
    // pool and their results are put together in this fixed order.
    let drawn: Vec<Result<Drawn, ReportError>> = chart_jobs(data, selection)
        .par_iter()
        .map(|job| {
            let mut out = Drawn {
                dir: charts_dir.to_path_buf(),
                charts: Vec::new(),
                notes: Vec::new(),
                asked: selection.kind,
            };
            job(&mut out).map(|()| out)
        })
        .collect();
    let (mut charts, mut notes) = (Vec::new(), Vec::new());
    for out in drawn {
        let out = out?;
        charts.extend(out.charts);
        // Jobs of one kind can give the same note (no heatmap of any metric): say it once.
        for note in out.notes {
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
    }
    Ok((charts, notes))
}

/// Refuses a selected metric that the run has neither per step nor per run.
fn check_selected_metric(data: &RunData, selection: &Selection) -> Result<(), ReportError> {
    if let Some(metric) = &selection.metric
        && data.step_metric(metric).is_none()
        && data.run_metric(metric).is_none()
    {
        return Err(ReportError::Unsuitable {
            dir: data.dir.clone(),
            message: format!(
                "no metric `{metric}` in timeseries.csv or runs.csv; available: {}",
                data.runs.metrics.join(", ")
            ),
        });
    }
    Ok(())
}

/// One chart job: draws its charts into a [`Drawn`].
type Job<'d> = Box<dyn Fn(&mut Drawn) -> Result<(), ReportError> + Sync + 'd>;

/// The charts `selection` asks for, in the order the page shows them: time series,
/// response curves, survival, forest plots, heatmaps; each kind for the selected metric,
/// or for the scenario's metrics (`[report] metrics`, as the manifest records them) and
/// then its default metrics (the lab's metrics in a lab run), each once.
fn chart_jobs<'d>(data: &'d RunData, selection: &Selection) -> Vec<Job<'d>> {
    let lab = data.is_lab();
    // Survival charts have no metric: a selection by metric leaves them out.
    let no_survival = lab || selection.metric.is_some();
    let wants = |k: ChartKind| {
        selection.kind.is_none_or(|s| s == k) && !(no_survival && k == ChartKind::Survival)
    };
    let scenario = data.report_metrics();
    let metrics = |defaults: &[&str]| -> Vec<String> {
        if let Some(m) = &selection.metric {
            return vec![m.clone()];
        }
        let defaults = if lab { &LAB_METRICS[..] } else { defaults };
        coprod_output::report_metrics_first(&scenario, defaults)
    };
    let mut jobs: Vec<Job<'d>> = Vec::new();
    if wants(ChartKind::TimeSeries) {
        // Only the scenario's metrics recorded per step have a time series: the others (the
        // group metrics of runs.csv) would each leave a note instead of a chart.
        let per_step = |m: &String| selection.metric.is_some() || data.step_metric(m).is_some();
        for m in metrics(&DEFAULT_STEP_METRICS).into_iter().filter(per_step) {
            jobs.push(Box::new(move |out| draw_time_series(data, &m, out)));
        }
    }
    if wants(ChartKind::Response) {
        for m in metrics(&DEFAULT_RESPONSE_METRICS) {
            jobs.push(Box::new(move |out| draw_responses(data, &m, out)));
        }
    }
    if wants(ChartKind::Survival) {
        jobs.push(Box::new(|out| draw_survival(data, out)));
    } else if lab && selection.kind == Some(ChartKind::Survival) {
        jobs.push(Box::new(|out| {
            out.notes.push(
                "no survival chart: a lab run has no groups that start and end (its \
                 groups.csv is empty)"
                    .into(),
            );
            Ok(())
        }));
    }
    if wants(ChartKind::Forest) {
        for m in metrics(&DEFAULT_FOREST_METRICS) {
            jobs.push(Box::new(move |out| draw_forest(data, &m, out)));
        }
    }
    if wants(ChartKind::Heatmap) {
        for m in metrics(&DEFAULT_HEATMAP_METRICS) {
            jobs.push(Box::new(move |out| draw_heatmaps(data, &m, out)));
        }
    }
    jobs
}

/// Charts written so far and notes on skipped ones.
struct Drawn {
    dir: PathBuf,
    charts: Vec<ChartFile>,
    notes: Vec<String>,
    /// The one kind of chart asked for, if any.
    asked: Option<ChartKind>,
}

impl Drawn {
    /// Records the outcome of one chart: written, skipped for lack of data, or an error.
    fn record(
        &mut self,
        result: Result<Vec<PathBuf>, PlotError>,
        (kind, metric): (ChartKind, Option<&str>),
        style: &ChartStyle,
        caption: String,
    ) -> Result<(), ReportError> {
        match result {
            Ok(_) => {
                self.charts.push(ChartFile {
                    kind,
                    metric: metric.map(String::from),
                    stem: style.output_stem.clone(),
                    title: style.title.clone(),
                    caption,
                });
                Ok(())
            }
            Err(PlotError::NoData { title }) | Err(PlotError::UnplottableRange { title, .. }) => {
                self.notes
                    .push(format!("skipped chart {title:?}: no finite values to draw"));
                Ok(())
            }
            Err(e) => Err(e.into()),
        }
    }

    fn style(&self, title: String, x: String, y: String, file: &str) -> ChartStyle {
        ChartStyle::new(title, x, y, self.dir.join(file))
    }
}

/// A file name part from a metric or parameter name.
fn slug(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// Upper-cases the first letter.
fn sentence(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().collect::<String>() + chars.as_str()
    })
}

/// "mean {what}{metric}" for a caption, said once for a metric whose name starts with
/// "mean": "mean contribution", "mean end-of-run citizen trust", not "mean mean contribution".
fn mean_of(what: &str, metric: &str) -> String {
    let label = metric_label(metric);
    let label = label.strip_prefix("mean ").unwrap_or(&label);
    format!("mean {what}{label}")
}

/// A run's value of `metric` in a caption, `mean` if the caption averages it over runs: a
/// step metric with the steps each run averages ("participation rate (each run averaged
/// over the last 12 steps)"), any other (a measure of the run's groups) as end-of-run.
fn run_value(data: &RunData, metric: &str, mean: bool) -> String {
    if data.step_metric(metric).is_none() {
        return if mean {
            mean_of("end-of-run ", metric)
        } else {
            format!("end-of-run {}", metric_label(metric))
        };
    }
    let what = if mean {
        mean_of("", metric)
    } else {
        metric_label(metric)
    };
    format!("{what} (each run averaged over {})", data.averaged_steps())
}

fn draw_time_series(data: &RunData, metric: &str, out: &mut Drawn) -> Result<(), ReportError> {
    let Some(column) = data.step_metric(metric) else {
        out.notes.push(format!(
            "no time series of `{metric}`: it is an end-of-run metric (see runs.csv)"
        ));
        return Ok(());
    };
    let one_replication = data.replications() < 2;
    let series = step_series(data, column);
    let (title, x_label) = if data.is_lab() {
        ("by round", "round of the public-goods game")
    } else {
        ("over time", "time (steps, months)")
    };
    let style = out
        .style(
            format!("{} {title}", sentence(&metric_label(metric))),
            x_label.into(),
            metric_axis_label(metric, data.is_lab()),
            &format!("timeseries_{}", slug(metric)),
        )
        .with_whole_x();
    let pooled = if data.runs.swept.is_empty() {
        String::new()
    } else {
        " Runs of every sweep point are pooled.".into()
    };
    let band = if one_replication {
        no_interval(data)
    } else {
        format!(
            ", with its 95% confidence band{}.{}",
            interval_cut(data, metric),
            no_band_text(&lone_variants(data))
        )
    };
    let when = if data.is_lab() {
        "in each round"
    } else {
        "at each step"
    };
    let caption = format!(
        "{} {when} over the runs of each variant{band}{pooled}{}",
        sentence(&mean_of("", metric)),
        variants_drawn(&data.variants())
    );
    let result = time_series(&series, &style);
    out.record(
        result,
        (ChartKind::TimeSeries, Some(metric)),
        &style,
        caption,
    )
}

/// The drawn variants (the first [`MAX_SERIES`]) with a single run in runs.csv, when the
/// run has more (the others of theirs failed): their lines have no band.
fn lone_variants(data: &RunData) -> Vec<String> {
    data.variants()
        .into_iter()
        .take(MAX_SERIES)
        .filter(|v| data.runs.rows.iter().filter(|r| r.variant == *v).count() < 2)
        .collect()
}

/// The end of a time series' caption naming the variants drawn without a band
/// ([`lone_variants`]), if any.
fn no_band_text(lone: &[String]) -> String {
    match lone {
        [] => String::new(),
        [one] => format!(
            " {one} has no band: only one of its runs succeeded (failures.csv lists the others)."
        ),
        _ => format!(
            " {} have no band: only one run of each succeeded (failures.csv lists the others).",
            lone.join(", ")
        ),
    }
}

/// The lines of a time series of step metric `column`: for each of the first
/// [`MAX_SERIES`] variants, the mean at each step over the runs of that variant (every sweep
/// point pooled), with its 95% band unless the run has one replication or the variant one
/// run ([`lone_variants`]). In the lab the x value is the round of the game, step + 1.
fn step_series(data: &RunData, column: usize) -> Vec<Series> {
    let lone = lone_variants(data);
    let one_replication = data.replications() < 2;
    data.variants()
        .iter()
        .take(MAX_SERIES)
        .map(|v| {
            let (mut x, y, lo, hi) = data.step_band(column, |variant, _| variant == v);
            if data.is_lab() {
                x.iter_mut().for_each(|r| *r += 1.0);
            }
            let series = Series::new(v.clone(), x, y);
            // One replication (or one run of the variant) has no band: a zero-width one would
            // be labelled an interval.
            if one_replication || lone.contains(v) {
                series
            } else {
                series.with_band(lo, hi)
            }
        })
        .collect()
}

/// What a time series leaves out: "" when it draws every variant, else which it draws and
/// where the others are.
fn variants_drawn(variants: &[String]) -> String {
    if variants.len() <= MAX_SERIES {
        return String::new();
    }
    format!(
        " Drawn for the first {MAX_SERIES} of the {} variants ({}); timeseries.csv holds \
         every run of every variant.",
        variants.len(),
        variants[..MAX_SERIES].join(", ")
    )
}

fn draw_responses(data: &RunData, metric: &str, out: &mut Drawn) -> Result<(), ReportError> {
    if data.run_metric(metric).is_none() {
        out.notes.push(format!(
            "no response curve of `{metric}`: it is not an end-of-run metric"
        ));
        return Ok(());
    }
    let numeric: Vec<usize> = (0..data.summary.swept.len())
        .filter(|&a| data.axis_is_numeric(a))
        .collect();
    // Asked for (`coprod plot --kind response`), drawing nothing needs a reason, as heatmaps
    // have; otherwise a run without a numeric sweep promises no response curve.
    if numeric.is_empty() && out.asked == Some(ChartKind::Response) {
        let note = no_response_note(&data.summary.swept);
        if !out.notes.contains(&note) {
            out.notes.push(note);
        }
        return Ok(());
    }
    // A heatmap is only an alternative where one is drawn over this axis: `draw_heatmaps`
    // draws the first two numeric swept parameters.
    let heatmap_axes: Vec<usize> = numeric.into_iter().take(2).collect();
    for axis in 0..data.summary.swept.len() {
        let instead = if heatmap_axes.len() == 2 && heatmap_axes.contains(&axis) {
            "use a heatmap or fewer variants"
        } else if data.summary.swept.len() > 1 {
            "use fewer variants or fewer values of the other swept parameters"
        } else {
            "use fewer variants"
        };
        if !data.axis_is_numeric(axis) {
            continue;
        }
        let name = &data.summary.swept[axis];
        let series = response_series(data, metric, axis);
        if series.len() > MAX_SERIES {
            out.notes.push(format!(
                "no response curve of `{metric}` over `{name}`: {} lines would be unreadable; \
                 {instead}",
                series.len()
            ));
            continue;
        }
        let style = out.style(
            format!(
                "{} by {}",
                sentence(&metric_label(metric)),
                short_name(name).replace('_', " ")
            ),
            parameter_axis_label(name),
            metric_axis_label(metric, data.is_lab()),
            &format!("response_{}_by_{}", slug(metric), slug(short_name(name))),
        );
        let style = if counts_whole_things(name) {
            style.with_whole_x()
        } else {
            style
        };
        let caption = format!(
            "{} at each value of {name}{}",
            sentence(&run_value(data, metric, true)),
            response_intervals(data, metric)
        );
        let result = response_curve(&series, &style);
        out.record(result, (ChartKind::Response, Some(metric)), &style, caption)?;
    }
    Ok(())
}

/// The lines of a response curve of `metric` over swept parameter `axis`, from summary.csv:
/// one per variant and combination of the other swept values, labelled by what tells them
/// apart, with each sweep point's mean and 95% interval (cut to the values the metric can
/// take, [`RunData::metric_range`]). Sweep points whose every run failed (rows with `n` = 0
/// and no run in runs.csv) are left out, as their runs are.
fn response_series(data: &RunData, metric: &str, axis: usize) -> Vec<Series> {
    let single_variant = data.variants().len() == 1;
    let ran: std::collections::HashSet<(&str, &[String])> = data
        .runs
        .rows
        .iter()
        .map(|r| (r.variant.as_str(), r.point.as_slice()))
        .collect();
    let mut series: Vec<Columns> = Vec::new();
    for row in
        data.summary.rows.iter().filter(|r| {
            r.metric == metric && ran.contains(&(r.variant.as_str(), r.point.as_slice()))
        })
    {
        let others: Vec<String> = row
            .point
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != axis)
            .map(|(i, v)| {
                format!(
                    "{} {v}",
                    short_name(&data.summary.swept[i]).replace('_', " ")
                )
            })
            .collect();
        let label = if others.is_empty() {
            row.variant.clone()
        } else if single_variant {
            others.join(", ")
        } else {
            format!("{}, {}", row.variant, others.join(", "))
        };
        let x: f64 = row.point[axis].parse().unwrap_or(f64::NAN);
        let (lo, hi) = row
            .ci
            .map_or((f64::NAN, f64::NAN), |ci| data.cut_level(metric, ci));
        let entry = match series.iter().position(|s| s.0 == label) {
            Some(i) => &mut series[i],
            None => {
                series.push((label, vec![], vec![], vec![], vec![]));
                series.last_mut().expect("just pushed")
            }
        };
        entry.1.push(x);
        entry.2.push(row.mean);
        entry.3.push(lo);
        entry.4.push(hi);
    }
    series
        .into_iter()
        .map(|(label, x, y, lo, hi)| Series::new(label, x, y).with_band(lo, hi))
        .collect()
}

/// The end of a response curve's caption: what its intervals are, and how they are cut.
fn response_intervals(data: &RunData, metric: &str) -> String {
    if data.replications() < 2 {
        return no_interval(data);
    }
    let cut = interval_cut(data, metric);
    format!(", with 95% confidence intervals over replications (summary.csv){cut}.")
}

/// How the intervals of `metric` are cut to the values it can take
/// ([`RunData::metric_range`]), for the end of a caption: "" when they are not.
fn interval_cut(data: &RunData, metric: &str) -> String {
    let range = data.metric_range(metric);
    match (crate::data::metric_unit(metric, false), range) {
        (_, None) => String::new(),
        (Some("steps"), Some((_, high))) if high.is_finite() => {
            format!(", cut to 0–{high} steps, as no group outlasts the run")
        }
        (_, Some((_, high))) if high.is_finite() => ", clipped to 0–1".to_string(),
        (_, Some(_)) => ", cut at 0".to_string(),
    }
}

/// Whether parameter `name` takes whole numbers only (a group size cap, a number of
/// citizens), so that a response curve over it has no ticks between them.
fn counts_whole_things(name: &str) -> bool {
    coprod_core::Params::lookup(name).is_ok_and(|(_, spec)| spec.kind == coprod_core::Kind::Int)
}

/// A series being collected: name, x, y, lower and upper bounds.
type Columns = (String, Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>);

/// The last part of a dotted parameter name.
fn short_name(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

fn draw_survival(data: &RunData, out: &mut Drawn) -> Result<(), ReportError> {
    let variants = data.variants();
    let all: Vec<(&String, Vec<SurvivalCounts>)> = variants
        .iter()
        .map(|v| (v, survival_classes(data, |variant, _| variant == v)))
        .collect();
    let started = |classes: &[SurvivalCounts]| classes.iter().any(|c| !c.counts.is_empty());
    let with_groups: Vec<&str> = all
        .iter()
        .filter(|(_, c)| started(c))
        .map(|(v, _)| v.as_str())
        .collect();
    // The panels go to the first variants that started groups; one without groups gets
    // its note that there was nothing to draw.
    let drawn = &with_groups[..with_groups.len().min(MAX_PANELS)];
    for (v, classes) in all {
        if started(&classes) && !drawn.contains(&v.as_str()) {
            continue;
        }
        let title = if variants.len() > 1 {
            format!("Groups still active, by size ({v})")
        } else {
            "Groups still active, by size".to_string()
        };
        let style = out
            .style(
                title,
                "time since the group started (steps, months)".into(),
                "share of groups still active".into(),
                &format!("survival_{}", slug(v)),
            )
            .with_whole_x();
        let pooled = if data.summary.swept.is_empty() {
            ""
        } else {
            " Every sweep point pooled."
        };
        let caption = format!(
            "Kaplan-Meier estimate of the share of groups still active, by size when the group \
             started; groups still active at the end of the run are censored (marked + when there are few). Variant {v}.{pooled}"
        );
        let result = survival_count_curves(&classes, &style);
        out.record(result, (ChartKind::Survival, None), &style, caption)?;
    }
    if with_groups.len() > MAX_PANELS {
        out.notes.push(format!(
            "Group survival is drawn for the first {MAX_PANELS} of the {} variants in which \
             groups started ({}); groups.csv holds every group of every variant.",
            with_groups.len(),
            drawn.join(", ")
        ));
    }
    Ok(())
}

fn draw_forest(data: &RunData, metric: &str, out: &mut Drawn) -> Result<(), ReportError> {
    let Some(column) = data.run_metric(metric) else {
        out.notes.push(format!(
            "no forest plot of `{metric}`: it is not an end-of-run metric"
        ));
        return Ok(());
    };
    let Some((base, others)) = reference_and_others(data) else {
        if out.asked == Some(ChartKind::Forest) {
            let note = format!(
                "no forest plot: a forest plot compares variants with a reference, and this run \
                 has one variant (`{}`)",
                data.variants().join("`, `")
            );
            if !out.notes.contains(&note) {
                out.notes.push(note);
            }
        }
        return Ok(());
    };
    let points = sweep_points(data);
    let rows_needed = others.len() * points.len();
    let rows = forest_rows(data, (column, metric), (&base, &others));
    let title = if let [other] = others.as_slice() {
        format!("{other} minus {base}: {}", metric_label(metric))
    } else {
        format!("Variants minus {base}: {}", metric_label(metric))
    };
    let y_label = forest_y_label(&data.summary.swept, others.len(), rows_needed);
    let style = out.style(
        title,
        format!(
            "difference in {}, paired by replication",
            metric_axis_label(metric, data.is_lab())
        ),
        y_label,
        &format!("forest_{}", slug(metric)),
    );
    let forest_interval = if data.replications() < 2 {
        no_interval(data)
    } else {
        format!(
            ", with its 95% confidence interval. Intervals that miss zero are differences the \
             replications can tell apart.{}",
            rows_without_interval(&rows, data.failed_runs() > 0)
        )
    };
    let caption = if rows_needed <= MAX_FOREST_ROWS {
        format!(
            "Effect of each variant on {} against {base}: the mean of the \
             differences between runs that share a seed{}",
            run_value(data, metric, false),
            forest_interval
        )
    } else {
        format!(
            "Effect of each variant on {} against {base}, over its {} sweep points: \
             each replication's differences between runs that share a seed are averaged over \
             the sweep points, and the row gives the mean of these averages over the \
             replications{forest_interval}{}",
            run_value(data, metric, false),
            points.len(),
            each_sweep_point(data, metric)
        )
    };
    let result = forest_plot(&rows, &style);
    out.record(result, (ChartKind::Forest, Some(metric)), &style, caption)
}

/// Where a forest plot averaged over the sweep points is given point by point: in
/// comparison.csv and comparison/ when they hold `metric`. `coprod compare --metric` may
/// have left them other metrics only; without a comparison.csv there is nothing to name.
fn each_sweep_point(data: &RunData, metric: &str) -> &'static str {
    match coprod_output::read::read_comparison_keys(&data.dir) {
        Ok(Some(keys)) if keys.iter().any(|k| k.metric == metric) => {
            " comparison.csv and comparison/ give each sweep point."
        }
        Ok(Some(_)) => {
            " comparison.csv and comparison/ hold other metrics, not this one, so no file \
             gives each sweep point of it."
        }
        _ => "",
    }
}

/// The end of a forest plot's caption when some of its `rows` have an estimate but no
/// interval ([`unpaired_rows`]).
fn rows_without_interval(rows: &[ForestRow], failed: bool) -> &'static str {
    if !rows
        .iter()
        .any(|r| r.effect.is_finite() && !r.ci_low.is_finite())
    {
        return "";
    }
    unpaired_rows(failed)
}

/// Why a row of a comparison has no interval: fewer than two replications paired, because
/// runs `failed` or because a group metric is missing where no group started.
pub(crate) fn unpaired_rows(failed: bool) -> &'static str {
    if failed {
        " A row without an interval has fewer than two pairs of runs with a value (a run \
         failed, see failures.csv, or a group metric is missing in a run where no group \
         started)."
    } else {
        " A row without an interval has fewer than two pairs of runs with a value (a group \
         metric is missing in a run where no group started)."
    }
}

/// The sweep points in order of first appearance in runs.csv.
fn sweep_points(data: &RunData) -> Vec<Vec<String>> {
    let mut points: Vec<Vec<String>> = Vec::new();
    for r in &data.runs.rows {
        if !points.contains(&r.point) {
            points.push(r.point.clone());
        }
    }
    points
}

/// The reference variant of the forest plots and the variants compared with it, in the order
/// of runs.csv: the reference comparison.csv uses (set by `--against`): its `against`
/// column, else (no comparison.csv) the manifest's `comparison.against`, else the first
/// variant (the baseline). `None` with fewer than two variants.
fn reference_and_others(data: &RunData) -> Option<(String, Vec<String>)> {
    let variants = data.variants();
    if variants.len() < 2 {
        return None;
    }
    // comparison.csv first: `coprod compare --against` rewrites it even where it cannot
    // record the reference in manifest.json (none, or one of an earlier coprod).
    let compared = coprod_output::read::read_comparison_keys(&data.dir)
        .ok()
        .flatten()
        .and_then(|keys| keys.into_iter().next())
        .map(|key| key.against);
    let recorded = || {
        data.manifest
            .as_ref()
            .and_then(|m| m.pointer("/comparison/against"))
            .and_then(|v| v.as_str())
            .map(str::to_string)
    };
    let chosen = compared
        .or_else(recorded)
        .filter(|name| variants.iter().any(|v| v == name));
    let base = chosen.unwrap_or_else(|| variants[0].clone());
    let others = variants.into_iter().filter(|v| *v != base).collect();
    Some((base, others))
}

/// The rows of the forest plot of `metric` (runs.csv column `column`): each of `others`
/// against `base` ([`reference_and_others`]), at each sweep point when that makes at most
/// [`MAX_FOREST_ROWS`] rows.
fn forest_rows(
    data: &RunData,
    (column, metric): (usize, &str),
    (base, others): (&str, &[String]),
) -> Vec<ForestRow> {
    let points = sweep_points(data);
    let rows_needed = others.len() * points.len();
    let mut rows = Vec::new();
    if rows_needed <= MAX_FOREST_ROWS {
        for v in others {
            for p in &points {
                let e = data.paired_difference(column, (v, p), (base, p));
                let label = if p.is_empty() {
                    v.clone()
                } else if others.len() == 1 {
                    point_label(&data.summary.swept, p)
                } else {
                    format!("{v}, {}", point_label(&data.summary.swept, p))
                };
                rows.push(row(
                    label,
                    e,
                    e.ci.map(|ci| data.cut_difference(metric, ci)),
                ));
            }
        }
    } else {
        // Too many rows: one row per variant. The differences of one replication share a
        // seed, so they are not independent: each replication's are averaged over the sweep
        // points, and the interval is over replications.
        for v in others {
            let (xs, ys) = replication_means(data, column, v, base, &points);
            let (mean, comparison) = coprod_analysis::compare_pairs(&xs, &ys);
            let e = Estimate {
                mean,
                ci: comparison.map(|c| c.ci),
                n: xs.len() as u64,
            };
            rows.push(row(
                v.clone(),
                e,
                e.ci.map(|ci| data.cut_difference(metric, ci)),
            ));
        }
    }
    rows
}

/// Each replication's values of `variant` and of `base`, each averaged over the sweep points
/// where both runs have a finite value; a pair per replication, in replication order. Their
/// paired comparison is that of each replication's mean difference, and keeps the scale of
/// the values compared for the rounding rule ([`coprod_analysis::compare_pairs`]).
fn replication_means(
    data: &RunData,
    column: usize,
    variant: &str,
    base: &str,
    points: &[Vec<String>],
) -> (Vec<f64>, Vec<f64>) {
    let mut sums: BTreeMap<u64, (f64, f64, u32)> = BTreeMap::new();
    for p in points {
        for (rep, x, y) in data.paired_values(column, (variant, p), (base, p)) {
            let sum = sums.entry(rep).or_insert((0.0, 0.0, 0));
            sum.0 += x;
            sum.1 += y;
            sum.2 += 1;
        }
    }
    sums.values()
        .map(|(x, y, n)| (x / f64::from(*n), y / f64::from(*n)))
        .unzip()
}

/// A forest row of a paired difference `e`, with its interval cut as comparison.csv's
/// (`cut`, from [`RunData::cut_difference`]).
fn row(label: String, e: Estimate, cut: Option<(f64, f64)>) -> ForestRow {
    let (lo, hi) = cut.unwrap_or((f64::NAN, f64::NAN));
    ForestRow::new(label, e.mean, lo, hi)
}

/// The forest plot's row axis names what a row's label gives when the label does not: the
/// swept parameter of a row per sweep point ("group size cap" for rows "2", "3"; "variant,
/// group size cap" for "v1, 2"). Labels that name their parameters, or variants alone,
/// need no axis name.
fn forest_y_label(swept: &[String], variants: usize, rows_needed: usize) -> String {
    match swept {
        [one] if rows_needed <= MAX_FOREST_ROWS => {
            let name = short_name(one).replace('_', " ");
            if variants == 1 {
                name
            } else {
                format!("variant, {name}")
            }
        }
        _ => String::new(),
    }
}

/// "group_size_cap 8" or "a 1, b 2".
fn point_label(swept: &[String], point: &[String]) -> String {
    swept
        .iter()
        .zip(point)
        .map(|(n, v)| {
            if swept.len() == 1 {
                v.clone()
            } else {
                format!("{} {v}", short_name(n))
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Why a run whose sweep has no numeric parameter (`swept` are its swept parameters) gets no
/// response curve.
fn no_response_note(swept: &[String]) -> String {
    let head = "no response curve: a response curve needs a numeric swept parameter, and this \
                run sweeps";
    if swept.is_empty() {
        return format!("{head} none");
    }
    let names: Vec<String> = swept.iter().map(|n| format!("`{n}`")).collect();
    format!("{head} only {}, not numeric", names.join(", "))
}

/// Why a run whose sweep has fewer than two numeric parameters (`numeric`, indices into
/// `swept`) gets no heatmap.
fn no_heatmap_note(swept: &[String], numeric: &[usize]) -> String {
    let head = "no heatmap: a heatmap needs two numeric swept parameters, and this run sweeps";
    let numbers = match numeric.first() {
        None => "none".to_string(),
        Some(&a) => format!("only `{}`", swept[a]),
    };
    let others: Vec<String> = (0..swept.len())
        .filter(|a| !numeric.contains(a))
        .map(|a| format!("`{}`", swept[a]))
        .collect();
    if others.is_empty() {
        format!("{head} {numbers}")
    } else {
        let verb = if others.len() == 1 { "is" } else { "are" };
        format!(
            "{head} {numbers} with numeric values ({} {verb} not numeric)",
            others.join(", ")
        )
    }
}

fn draw_heatmaps(data: &RunData, metric: &str, out: &mut Drawn) -> Result<(), ReportError> {
    let numeric: Vec<usize> = (0..data.summary.swept.len())
        .filter(|&a| data.axis_is_numeric(a))
        .collect();
    if numeric.len() < 2 {
        // Worth saying when heatmaps were asked for (`coprod plot --kind heatmap`), and when
        // the run sweeps two parameters: the reader expects a heatmap of such a sweep.
        let swept = &data.summary.swept;
        let note = no_heatmap_note(swept, &numeric);
        let expected = out.asked == Some(ChartKind::Heatmap) || swept.len() >= 2;
        if expected && !out.notes.contains(&note) {
            out.notes.push(note);
        }
        return Ok(());
    }
    if data.run_metric(metric).is_none() {
        out.notes.push(format!(
            "no heatmap of `{metric}`: it is not an end-of-run metric"
        ));
        return Ok(());
    }
    let (ya, xa) = (numeric[0], numeric[1]);
    let parse = |values: Vec<String>| -> Vec<f64> {
        values
            .iter()
            .map(|v| v.parse().unwrap_or(f64::NAN))
            .collect()
    };
    let (xs_text, ys_text) = (data.axis_values(xa), data.axis_values(ya));
    let xn = &data.summary.swept[xa];
    let yn = &data.summary.swept[ya];
    let others = if data.summary.swept.len() > 2 {
        " Averaged over the other swept parameters."
    } else {
        ""
    };
    // A run of one replication has no interval, so no map of its width.
    let maps: &[bool] = if data.replications() < 2 {
        &[false]
    } else {
        &[false, true]
    };
    let variants = data.variants();
    for v in variants.iter().take(MAX_PANELS) {
        // The mean, then the width of its 95% CI: where the map can be trusted.
        for &width in maps {
            let values = heatmap_values(data, metric, v, (xa, ya), width);
            let (title, label, stem, caption) =
                heatmap_text(data, metric, v, (xn, yn, others), width);
            let grid = Heatmap {
                x_values: parse(xs_text.clone()),
                y_values: parse(ys_text.clone()),
                values,
                value_label: label,
            };
            let style = out.style(
                title,
                parameter_axis_label(xn),
                parameter_axis_label(yn),
                &stem,
            );
            let result = heatmap(&grid, &style);
            out.record(result, (ChartKind::Heatmap, Some(metric)), &style, caption)?;
        }
    }
    if variants.len() > MAX_PANELS {
        out.notes.push(format!(
            "Heatmaps of `{metric}` are drawn for the first {MAX_PANELS} of the {} variants \
             ({}); summary.csv holds every variant.",
            variants.len(),
            variants[..MAX_PANELS].join(", ")
        ));
    }
    Ok(())
}

/// A heatmap's title, value label, file stem and caption: of `metric`'s mean in variant `v`
/// over the swept parameters `xn` and `yn`, or with `width` of its interval's width.
fn heatmap_text(
    data: &RunData,
    metric: &str,
    v: &str,
    (xn, yn, others): (&str, &str, &str),
    width: bool,
) -> (String, String, String, String) {
    if width {
        (
            format!("Width of the 95% CI: {} ({v})", metric_label(metric)),
            format!("95% CI width, {}", metric_axis_label(metric, data.is_lab())),
            format!("heatmap_ci_width_{}_{}", slug(metric), slug(v)),
            format!(
                "Width of the 95% confidence interval of the {} over {xn} and {yn}, \
                 variant {v}, before summary.csv cuts it to the values the metric can take: \
                 wide cells need more replications before their colour in the mean map can \
                 be trusted.{others}",
                run_value(data, metric, true)
            ),
        )
    } else {
        (
            format!("{} ({v})", sentence(&metric_label(metric))),
            metric_axis_label(metric, data.is_lab()),
            format!("heatmap_{}_{}", slug(metric), slug(v)),
            format!(
                "{} over {xn} and {yn}, variant {v}.{others}",
                sentence(&run_value(data, metric, true))
            ),
        )
    }
}

/// The cells of a heatmap of `metric` in `variant` over swept parameters `axes` (x, y): one
/// row per value of y, one cell per value of x, each the mean over the other swept
/// parameters of summary.csv's mean, or with `width` of its 95% interval's width (NaN
/// without an interval).
fn heatmap_values(
    data: &RunData,
    metric: &str,
    variant: &str,
    (xa, ya): (usize, usize),
    width: bool,
) -> Vec<Vec<f64>> {
    let xs = data.axis_values(xa);
    data.axis_values(ya)
        .iter()
        .map(|yv| {
            xs.iter()
                .map(|xv| {
                    let cell = data.summary.rows.iter().filter(|r| {
                        r.variant == variant
                            && r.metric == metric
                            && r.point[xa] == *xv
                            && r.point[ya] == *yv
                    });
                    // The width before summary.csv cut the interval: a cut one is
                    // narrower than the replications' precision near a bound.
                    let value = |r: &SummaryRow| match (width, r.sd) {
                        (false, _) => r.mean,
                        (true, Some(sd)) if r.n >= 2 => 2.0 * coprod_output::t_half_width(sd, r.n),
                        (true, _) => f64::NAN,
                    };
                    Estimate::of(cell.map(value)).mean
                })
                .collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Tally;
    use coprod_output::read::{GroupRow, RunRow, RunsTable, SummaryTable};

    /// A run in memory with one summary metric, `participation_rate`: `values[v][p][r]` is
    /// its value in variant `v` (the first is `baseline`), sweep point `p` (of
    /// `levers.group_size_cap`, 2, 3, ...) and replication `r`.
    fn run(values: &[Vec<Vec<f64>>]) -> RunData {
        let mut rows = Vec::new();
        for (v, points) in values.iter().enumerate() {
            for (p, reps) in points.iter().enumerate() {
                for (r, value) in reps.iter().enumerate() {
                    rows.push(RunRow {
                        run_id: rows.len() as u64,
                        variant: if v == 0 {
                            "baseline".into()
                        } else {
                            format!("v{v}")
                        },
                        point: vec![(p + 2).to_string()],
                        replication: r as u64,
                        seed: r as u64,
                        values: vec![*value],
                    });
                }
            }
        }
        RunData {
            dir: PathBuf::from("run"),
            summary: SummaryTable {
                swept: vec!["levers.group_size_cap".into()],
                rows: vec![],
            },
            runs: RunsTable {
                swept: vec!["levers.group_size_cap".into()],
                metrics: vec!["participation_rate".into()],
                rows,
            },
            aggregates: Default::default(),
            manifest: None,
            parameters: None,
        }
    }

    #[test]
    fn many_sweep_points_are_averaged_within_each_replication() {
        // 17 sweep points (more than MAX_FOREST_ROWS), 3 replications: the variant's
        // difference is 0.01 x (replication - 1) + 0.001 x point in replication 0 to 2.
        let points = 17;
        let base: Vec<Vec<f64>> = (0..points).map(|_| vec![0.5; 3]).collect();
        let diff = |p: usize, r: usize| 0.01 * (r as f64 - 1.0) + 0.001 * p as f64 + 0.002;
        let variant: Vec<Vec<f64>> = (0..points)
            .map(|p| (0..3).map(|r| 0.5 + diff(p, r)).collect())
            .collect();
        let d = run(&[base, variant]);
        let rows = participation_rows(&d);
        assert_eq!(rows.len(), 1, "one row per variant");
        // By hand: each replication's mean difference, then a t-interval with n = 3.
        let means: Vec<f64> = (0..3)
            .map(|r| (0..points).map(|p| diff(p, r)).sum::<f64>() / points as f64)
            .collect();
        let expected = Estimate::of(means.clone());
        assert_eq!(expected.n, 3);
        let (lo, hi) = expected.ci.unwrap();
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(rows[0].effect, expected.mean));
        assert!(close(rows[0].ci_low, lo) && close(rows[0].ci_high, hi));
        // Paired by replication the interval includes 0; pooling the 51 differences as if
        // independent would not.
        assert!(lo < 0.0 && hi > 0.0, "{lo} {hi}");
        let pooled = Estimate::of((0..points).flat_map(|p| (0..3).map(move |r| diff(p, r))));
        assert!(pooled.ci.unwrap().0 > 0.0);
    }

    /// `coprod plot --kind response` (or `--kind forest`) that draws nothing says why, as
    /// `--kind heatmap` does; unasked, a run without a numeric sweep (or with one variant)
    /// promises no such chart and says nothing.
    #[test]
    fn a_kind_asked_for_that_draws_nothing_says_why() {
        let mut d = run(&[vec![vec![0.2, 0.3]]]);
        let swept = vec!["groups.service".to_string()];
        d.runs.swept = swept.clone();
        d.summary.swept = swept;
        for row in &mut d.runs.rows {
            row.point = vec!["joint".into()];
        }
        for row in &mut d.summary.rows {
            row.point = vec!["joint".into()];
        }
        let dir = tempfile::tempdir().unwrap();
        let drawn = |asked| Drawn {
            dir: dir.path().to_path_buf(),
            charts: Vec::new(),
            notes: Vec::new(),
            asked,
        };
        let mut out = drawn(Some(ChartKind::Response));
        draw_responses(&d, "participation_rate", &mut out).unwrap();
        assert!(out.charts.is_empty());
        assert_eq!(
            out.notes,
            [
                "no response curve: a response curve needs a numeric swept parameter, and this \
                 run sweeps only `groups.service`, not numeric"
            ]
        );
        let mut out = drawn(Some(ChartKind::Forest));
        draw_forest(&d, "participation_rate", &mut out).unwrap();
        assert_eq!(
            out.notes,
            [
                "no forest plot: a forest plot compares variants with a reference, and this run \
                 has one variant (`baseline`)"
            ]
        );
        let mut unasked = drawn(None);
        draw_responses(&d, "participation_rate", &mut unasked).unwrap();
        draw_forest(&d, "participation_rate", &mut unasked).unwrap();
        assert!(unasked.notes.is_empty() && unasked.charts.is_empty());
    }

    /// A sweep over two parameters of which one is not numeric gets no heatmap, and the
    /// page says why even when no heatmap was asked for (README: "A sweep over two
    /// parameters gets heatmaps").
    #[test]
    fn a_two_parameter_sweep_without_heatmap_says_why() {
        let mut d = run(&[vec![vec![0.2, 0.3], vec![0.4, 0.5]]]);
        let swept = vec!["groups.service".to_string(), "levers.group_size_cap".into()];
        d.runs.swept = swept.clone();
        d.summary.swept = swept;
        for row in &mut d.runs.rows {
            row.point.insert(0, "joint".into());
        }
        let dir = tempfile::tempdir().unwrap();
        let mut out = Drawn {
            dir: dir.path().to_path_buf(),
            charts: Vec::new(),
            notes: Vec::new(),
            asked: None,
        };
        draw_heatmaps(&d, "participation_rate", &mut out).unwrap();
        assert!(out.charts.is_empty());
        assert_eq!(
            out.notes,
            [
                "no heatmap: a heatmap needs two numeric swept parameters, and this run sweeps \
              only `levers.group_size_cap` with numeric values (`groups.service` is not numeric)"
            ]
        );
        // A one-parameter sweep promises no heatmap: nothing to say unless asked.
        let mut one = Drawn {
            notes: Vec::new(),
            ..out
        };
        draw_heatmaps(
            &run(&[vec![vec![0.2, 0.3]]]),
            "participation_rate",
            &mut one,
        )
        .unwrap();
        assert!(one.notes.is_empty());
    }

    /// `d` with a time series of `participation_rate` (0.1 at steps 0 to 2) in every run.
    fn with_steps(mut d: RunData) -> RunData {
        let mut tally = Tally::new(vec!["participation_rate".into()]);
        for r in &d.runs.rows {
            tally.add_run(r.run_id, &r.variant, &r.point);
        }
        for r in &d.runs.rows {
            for step in 0..3 {
                tally.add_step(r.run_id, step, &[0.1]);
            }
        }
        d.set_tally(tally);
        d
    }

    /// The charts of `kind` drawn from `d`, with their captions.
    fn drawn(d: &RunData, kind: ChartKind) -> Vec<ChartFile> {
        let dir = tempfile::tempdir().unwrap();
        let selection = Selection {
            metric: Some("participation_rate".into()),
            kind: Some(kind),
        };
        draw_charts(d, dir.path(), &selection).unwrap().0
    }

    #[test]
    fn one_replication_claims_no_interval() {
        let d = with_steps(run(&[vec![vec![0.2]], vec![vec![0.3]]]));
        for kind in [ChartKind::TimeSeries, ChartKind::Forest] {
            let charts = drawn(&d, kind);
            assert_eq!(charts.len(), 1, "{kind}");
            let caption = &charts[0].caption;
            assert!(!caption.contains("95%"), "{kind}: {caption}");
            assert!(caption.contains("one replication"), "{kind}: {caption}");
        }
        let two = with_steps(run(&[vec![vec![0.2, 0.3]], vec![vec![0.3, 0.5]]]));
        for kind in [ChartKind::TimeSeries, ChartKind::Forest] {
            assert!(drawn(&two, kind)[0].caption.contains("95%"), "{kind}");
        }
        // Two replications of which one failed: the caption says so, not "one replication".
        let mut failed = with_steps(run(&[vec![vec![0.2]], vec![vec![0.3]]]));
        failed.manifest = Some(serde_json::json!({"experiment": {"replications": 2}}));
        for kind in [ChartKind::TimeSeries, ChartKind::Forest] {
            let caption = &drawn(&failed, kind)[0].caption;
            assert!(
                caption.contains(
                    "No interval: the runs that succeeded are of one replication (failures.csv \
                     lists the others)."
                ),
                "{kind}: {caption}"
            );
        }
    }

    /// A variant of which one run succeeded, in a run of two replications, has no band in
    /// the time series and no interval in the forest plot, and the captions say so.
    #[test]
    fn a_variant_with_one_run_claims_no_band_or_interval() {
        let mut d = with_steps(run(&[vec![vec![0.2, 0.3]], vec![vec![0.3, 0.5]]]));
        d.runs
            .rows
            .retain(|r| !(r.variant == "v1" && r.replication == 1));
        let series = step_series(&d, 0);
        assert!(series[0].band.is_some(), "the baseline has two runs");
        assert!(series[1].band.is_none(), "v1 has one run");
        let caption = &drawn(&d, ChartKind::TimeSeries)[0].caption;
        assert!(
            caption.contains(
                "with its 95% confidence band, clipped to 0–1. v1 has no band: only one of its \
                 runs succeeded \
                 (failures.csv lists the others)."
            ),
            "{caption}"
        );
        // Without failed runs recorded, only a missing group metric leaves a row unpaired.
        let caption = &drawn(&d, ChartKind::Forest)[0].caption;
        assert!(
            caption.contains(
                "A row without an interval has fewer than two pairs of runs with a value (a \
                 group metric is missing in a run where no group started)."
            ),
            "{caption}"
        );
        d.manifest = Some(serde_json::json!({"failed_runs": 1}));
        let caption = &drawn(&d, ChartKind::Forest)[0].caption;
        assert!(
            caption.contains("(a run failed, see failures.csv, or"),
            "{caption}"
        );
        let whole = with_steps(run(&[vec![vec![0.2, 0.3]], vec![vec![0.3, 0.5]]]));
        for kind in [ChartKind::TimeSeries, ChartKind::Forest] {
            let caption = &drawn(&whole, kind)[0].caption;
            assert!(
                !caption.contains("no band") && !caption.contains("without an interval"),
                "{kind}: {caption}"
            );
        }
    }

    #[test]
    fn a_time_series_of_many_variants_says_which_it_draws() {
        let values: Vec<Vec<Vec<f64>>> = (0..10).map(|_| vec![vec![0.2, 0.3]]).collect();
        let d = with_steps(run(&values));
        let caption = &drawn(&d, ChartKind::TimeSeries)[0].caption;
        assert!(
            caption.contains("first 8 of the 10 variants (baseline, v1, v2, v3, v4, v5, v6, v7)"),
            "{caption}"
        );
        assert!(caption.contains("timeseries.csv"), "{caption}");
        let few = with_steps(run(&values[..8]));
        let caption = &drawn(&few, ChartKind::TimeSeries)[0].caption;
        assert!(!caption.contains("first 8"), "{caption}");
    }

    #[test]
    fn lab_charts_have_the_lab_units_and_rounds() {
        let mut d = run(&[vec![vec![0.4, 0.5]], vec![vec![0.5, 0.7]]]);
        d.runs.metrics = vec!["mean_contribution".into()];
        d.manifest = Some(serde_json::json!({
            "parameters": [{"name": "population.setting", "value": "lab"}]
        }));
        let mut tally = Tally::new(vec!["mean_contribution".into()]);
        for r in &d.runs.rows {
            tally.add_run(r.run_id, &r.variant, &r.point);
            tally.add_step(r.run_id, 0, &[0.5]);
            tally.add_step(r.run_id, 1, &[0.4]);
        }
        d.set_tally(tally);
        let dir = tempfile::tempdir().unwrap();
        let (charts, _) = draw_charts(&d, dir.path(), &Selection::default()).unwrap();
        assert_eq!(charts.len(), 2, "a time series and a forest plot");
        // The metric's name starts with "mean": the caption says "mean" once.
        assert!(
            charts[0]
                .caption
                .starts_with("Mean contribution in each round over the runs of each variant"),
            "{}",
            charts[0].caption
        );
        for chart in &charts {
            let svg = std::fs::read_to_string(chart.svg()).unwrap();
            assert!(svg.contains("mean contribution (share of endowment)"));
            assert!(!svg.contains("share of effort"));
        }
    }

    #[test]
    fn forest_intervals_of_shares_are_cut_to_minus_one_to_one() {
        // Two replications far apart: the t-interval (t = 12.7) reaches far past -1 and 1.
        let d = run(&[vec![vec![0.0, 1.0]], vec![vec![1.0, 0.0]]]);
        let rows = participation_rows(&d);
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].ci_low, rows[0].ci_high), (-1.0, 1.0));
    }

    #[test]
    fn kinds_parse_by_name() {
        for k in ChartKind::ALL {
            assert_eq!(k.name().parse::<ChartKind>(), Ok(k));
            assert_eq!(k.to_string(), k.name());
        }
        assert!(
            "pie"
                .parse::<ChartKind>()
                .unwrap_err()
                .contains("time-series")
        );
    }

    /// `d` with a time series of `participation_rate` at steps 0 to 2 in every run: 0.1 in
    /// the baseline and 0.5 in other variants, plus 0.1 x the replication.
    fn with_variant_steps(mut d: RunData) -> RunData {
        let mut tally = Tally::new(vec!["participation_rate".into()]);
        for r in &d.runs.rows {
            tally.add_run(r.run_id, &r.variant, &r.point);
        }
        for r in &d.runs.rows {
            let level = if r.variant == "baseline" { 0.1 } else { 0.5 };
            for step in 0..3 {
                tally.add_step(r.run_id, step, &[level + 0.1 * r.replication as f64]);
            }
        }
        d.set_tally(tally);
        d
    }

    #[test]
    fn a_time_series_line_pools_its_own_variants_runs() {
        // Two replications at each of two sweep points, all pooled.
        let d = with_variant_steps(run(&[
            vec![vec![0.2, 0.3], vec![0.2, 0.3]],
            vec![vec![0.4, 0.5], vec![0.4, 0.5]],
        ]));
        let series = step_series(&d, 0);
        let names: Vec<&str> = series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["baseline", "v1"]);
        for (s, mean) in series.iter().zip([0.15, 0.55]) {
            assert_eq!(s.x, [0.0, 1.0, 2.0], "{}", s.name);
            assert!(s.y.iter().all(|y| (y - mean).abs() < 1e-12), "{s:?}");
            let band = s.band.as_ref().expect("two replications have a band");
            assert!(band.lower.iter().all(|lo| *lo < mean - 0.01), "{band:?}");
            assert!(band.upper.iter().all(|hi| *hi > mean + 0.01), "{band:?}");
        }
        // One replication: no band.
        let one = with_variant_steps(run(&[vec![vec![0.2]], vec![vec![0.4]]]));
        assert!(step_series(&one, 0).iter().all(|s| s.band.is_none()));
    }

    #[test]
    fn a_lab_time_series_counts_rounds_from_one() {
        let mut d = with_variant_steps(run(&[vec![vec![0.2, 0.3]]]));
        d.manifest = Some(serde_json::json!({
            "parameters": [{"name": "population.setting", "value": "lab"}]
        }));
        assert_eq!(step_series(&d, 0)[0].x, [1.0, 2.0, 3.0]);
    }

    /// A summary row of `metric`.
    fn summary_row(variant: &str, point: &[&str], metric: &str, mean: f64) -> SummaryRow {
        SummaryRow {
            variant: variant.into(),
            point: point.iter().map(|p| p.to_string()).collect(),
            metric: metric.into(),
            mean,
            sd: Some(0.1),
            n: 2,
            ci: Some((mean - 0.3, mean + 0.3)),
        }
    }

    /// A run sweeping `swept` with summary rows `rows` (its runs.csv: one run per row of
    /// `participation_rate`, replication 0 and 1).
    fn summarised(swept: &[&str], rows: Vec<SummaryRow>) -> RunData {
        let mut d = run(&[]);
        d.runs.swept = swept.iter().map(|s| s.to_string()).collect();
        d.summary.swept = d.runs.swept.clone();
        for r in rows.iter().filter(|r| r.metric == "participation_rate") {
            for replication in 0..2 {
                d.runs.rows.push(RunRow {
                    run_id: d.runs.rows.len() as u64,
                    variant: r.variant.clone(),
                    point: r.point.clone(),
                    replication,
                    seed: replication,
                    values: vec![r.mean],
                });
            }
        }
        d.summary.rows = rows;
        d
    }

    /// The x tick labels of the chart of `kind` drawn from `d` (labels centred below the plot
    /// that are numbers).
    fn x_tick_labels(d: &RunData, kind: ChartKind) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let selection = Selection {
            metric: Some("participation_rate".into()),
            kind: Some(kind),
        };
        let charts = draw_charts(d, dir.path(), &selection).unwrap().0;
        assert_eq!(charts.len(), 1, "{kind}");
        let svg = std::fs::read_to_string(charts[0].stem.with_extension("svg")).unwrap();
        svg.split("<text ")
            .skip(1)
            .filter(|t| t.contains("text-anchor=\"middle\"") && !t.contains("rotate"))
            .filter_map(|t| t.split_once('>')?.1.split_once("</text>"))
            .map(|(content, _)| content.trim().to_string())
            .filter(|c| c.parse::<f64>().is_ok())
            .collect()
    }

    #[test]
    fn steps_and_size_caps_get_whole_ticks_and_a_continuous_parameter_keeps_its_own() {
        // Steps 0 to 2: not 0.0, 0.2, ... 2.0.
        let d = with_steps(run(&[vec![vec![0.2, 0.3]]]));
        assert_eq!(x_tick_labels(&d, ChartKind::TimeSeries), ["0", "1", "2"]);
        // Size caps 2 and 3: not 2.0, 2.2, ... 3.0.
        let rate = "participation_rate";
        let caps = summarised(
            &["levers.group_size_cap"],
            vec![
                summary_row("baseline", &["2"], rate, 0.1),
                summary_row("baseline", &["3"], rate, 0.2),
            ],
        );
        assert_eq!(x_tick_labels(&caps, ChartKind::Response), ["2", "3"]);
        // Outreach is a share: its ticks fall between 0.2 and 0.3.
        let outreach = summarised(
            &["levers.outreach"],
            vec![
                summary_row("baseline", &["0.2"], rate, 0.1),
                summary_row("baseline", &["0.3"], rate, 0.2),
            ],
        );
        let labels = x_tick_labels(&outreach, ChartKind::Response);
        assert!(labels.contains(&"0.24".to_string()), "{labels:?}");
    }

    #[test]
    fn a_response_line_per_variant_with_its_means_and_clipped_intervals() {
        let cap = "levers.group_size_cap";
        let d = summarised(
            &[cap],
            vec![
                summary_row("baseline", &["2"], "participation_rate", 0.1),
                summary_row("baseline", &["4"], "participation_rate", 0.9),
                summary_row("baseline", &["2"], "service_output", 7.0),
                summary_row("v1", &["2"], "participation_rate", 0.5),
                summary_row("v1", &["4"], "participation_rate", 0.6),
            ],
        );
        let series = response_series(&d, "participation_rate", 0);
        let names: Vec<&str> = series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["baseline", "v1"]);
        assert_eq!(series[0].x, [2.0, 4.0]);
        assert_eq!(series[0].y, [0.1, 0.9]);
        assert_eq!(series[1].y, [0.5, 0.6]);
        // A share's interval is clipped to 0-1.
        let band = series[0].band.as_ref().unwrap();
        assert_eq!(band.lower, [0.0, 0.9 - 0.3]);
        assert_eq!(band.upper, [0.1 + 0.3, 1.0]);
        // Another metric's interval is drawn as summary.csv gives it.
        let output = response_series(&d, "service_output", 0);
        assert_eq!(output.len(), 1);
        let band = output[0].band.as_ref().unwrap();
        assert_eq!((band.lower[0], band.upper[0]), (7.0 - 0.3, 7.0 + 0.3));
    }

    #[test]
    fn response_lines_of_a_two_parameter_sweep_are_named_by_the_other_value() {
        let swept = ["levers.group_size_cap", "levers.outreach"];
        let rows = |variants: &[&str]| {
            let mut rows = Vec::new();
            for v in variants {
                for (cap, outreach) in [("2", "0"), ("4", "0"), ("2", "1"), ("4", "1")] {
                    rows.push(summary_row(v, &[cap, outreach], "participation_rate", 0.5));
                }
            }
            rows
        };
        let one = summarised(&swept, rows(&["baseline"]));
        let names = |d: &RunData, axis| -> Vec<String> {
            response_series(d, "participation_rate", axis)
                .into_iter()
                .map(|s| s.name)
                .collect()
        };
        assert_eq!(names(&one, 0), ["outreach 0", "outreach 1"]);
        assert_eq!(names(&one, 1), ["group size cap 2", "group size cap 4"]);
        let two = summarised(&swept, rows(&["baseline", "v1"]));
        assert_eq!(
            names(&two, 0),
            [
                "baseline, outreach 0",
                "baseline, outreach 1",
                "v1, outreach 0",
                "v1, outreach 1"
            ]
        );
    }

    /// A [`Drawn`] writing into `dir`.
    fn drawing(dir: &Path) -> Drawn {
        Drawn {
            dir: dir.to_path_buf(),
            charts: Vec::new(),
            notes: Vec::new(),
            asked: None,
        }
    }

    #[test]
    fn more_than_eight_response_lines_are_left_out_with_a_note() {
        let dir = tempfile::tempdir().unwrap();
        for (variants, drawn) in [(8, true), (9, false)] {
            let rows = (0..variants)
                .flat_map(|v| {
                    let name = if v == 0 {
                        "baseline".into()
                    } else {
                        format!("v{v}")
                    };
                    ["2", "4"].map(|cap| summary_row(&name, &[cap], "participation_rate", 0.5))
                })
                .collect();
            let d = summarised(&["levers.group_size_cap"], rows);
            let mut out = drawing(dir.path());
            draw_responses(&d, "participation_rate", &mut out).unwrap();
            assert_eq!(out.charts.len(), usize::from(drawn), "{variants} variants");
            if drawn {
                assert!(out.notes.is_empty(), "{:?}", out.notes);
            } else {
                assert_eq!(
                    out.notes,
                    [
                        "no response curve of `participation_rate` over `levers.group_size_cap`: \
                      9 lines would be unreadable; use fewer variants"
                    ]
                );
            }
        }
        // Over a third numeric parameter, which no heatmap shows: one variant, 3 x 3 values
        // of the other two make 9 lines over it (6 over each of them).
        let mut rows = Vec::new();
        for cap in ["2", "4", "6"] {
            for outreach in ["0", "0.5", "1"] {
                for c in ["0", "1"] {
                    let point = [cap, outreach, c];
                    rows.push(summary_row("baseline", &point, "participation_rate", 0.5));
                }
            }
        }
        let three = summarised(
            &["levers.group_size_cap", "levers.outreach", "levers.c"],
            rows,
        );
        let mut out = drawing(dir.path());
        draw_responses(&three, "participation_rate", &mut out).unwrap();
        assert_eq!(
            out.notes,
            [
                "no response curve of `participation_rate` over `levers.c`: 9 lines would be \
              unreadable; use fewer variants or fewer values of the other swept parameters"
            ]
        );
        // Two numeric swept parameters and a third of 3 values: 2 variants x 2 x 3 make 12
        // lines over each of the first two (8 over the third), and a heatmap can be drawn.
        let mut out = drawing(dir.path());
        draw_responses(&grid(3), "participation_rate", &mut out).unwrap();
        assert_eq!(out.notes.len(), 2, "{:?}", out.notes);
        assert!(
            out.notes
                .iter()
                .all(|n| n.ends_with("lines would be unreadable; use a heatmap or fewer variants")),
            "{:?}",
            out.notes
        );
    }

    #[test]
    fn response_captions_say_what_the_intervals_are() {
        let mut two = summarised(
            &["levers.group_size_cap"],
            vec![summary_row("baseline", &["2"], "participation_rate", 0.5)],
        );
        assert_eq!(
            response_intervals(&two, "participation_rate"),
            ", with 95% confidence intervals over replications (summary.csv), clipped to 0–1."
        );
        assert_eq!(
            response_intervals(&two, "active_groups"),
            ", with 95% confidence intervals over replications (summary.csv), cut at 0."
        );
        assert_eq!(
            response_intervals(&two, "mean_group_lifetime"),
            ", with 95% confidence intervals over replications (summary.csv), cut at 0.",
            "a run of unknown length"
        );
        two.manifest = Some(serde_json::json!({"experiment": {"steps": 60}}));
        assert_eq!(
            response_intervals(&two, "mean_group_lifetime"),
            ", with 95% confidence intervals over replications (summary.csv), cut to 0–60 \
             steps, as no group outlasts the run."
        );
        assert_eq!(
            response_intervals(&two, "no_such_metric"),
            ", with 95% confidence intervals over replications (summary.csv)."
        );
        let one = run(&[vec![vec![0.5]]]);
        assert_eq!(
            response_intervals(&one, "participation_rate"),
            ". No interval: the run has one replication."
        );
    }

    /// `d` with one group of 5 members in every run of the baseline, formed at step 0 and
    /// ended at step 2, and none in other variants; timeseries rows to step 3.
    fn with_baseline_groups(d: RunData) -> RunData {
        with_groups_in(d, |v| v == "baseline")
    }

    /// `d` with one group per run of the variants `started` picks.
    fn with_groups_in(d: RunData, started: impl Fn(&str) -> bool) -> RunData {
        let mut tally = Tally::new(vec!["participation_rate".into()]);
        for r in &d.runs.rows {
            tally.add_run(r.run_id, &r.variant, &r.point);
        }
        for r in &d.runs.rows {
            for step in 0..4 {
                tally.add_step(r.run_id, step, &[0.1]);
            }
            if started(&r.variant) {
                tally.add_group(&GroupRow {
                    run_id: r.run_id,
                    size_cap: 8,
                    size_at_formation: 5,
                    formed_step: 0,
                    ended_step: Some(2),
                    end_reason: "too_few_members".into(),
                    life: None,
                });
            }
        }
        let mut d = d;
        d.set_tally(tally);
        d
    }

    fn survival_charts(d: &RunData) -> (Vec<ChartFile>, Vec<String>) {
        let dir = tempfile::tempdir().unwrap();
        let mut out = drawing(dir.path());
        draw_survival(d, &mut out).unwrap();
        (out.charts, out.notes)
    }

    #[test]
    fn survival_is_drawn_from_each_variants_own_groups() {
        let (charts, notes) = survival_charts(&with_baseline_groups(run(&[vec![vec![0.2, 0.3]]])));
        let titles: Vec<&str> = charts.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(titles, ["Groups still active, by size"]);
        assert!(notes.is_empty(), "{notes:?}");
        // v1 has no group: its panel is skipped, the baseline's drawn.
        let (charts, notes) = survival_charts(&with_baseline_groups(run(&[
            vec![vec![0.2, 0.3]],
            vec![vec![0.2, 0.3]],
        ])));
        let titles: Vec<&str> = charts.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(titles, ["Groups still active, by size (baseline)"]);
        assert_eq!(
            notes,
            ["skipped chart \"Groups still active, by size (v1)\": no finite values to draw"]
        );
    }

    /// The four panels go to the first variants in which groups started: one without groups
    /// (v2 here) is said to have nothing to draw and does not take a panel, and the note
    /// names the variants drawn.
    #[test]
    fn survival_of_more_than_four_variants_says_which_it_draws() {
        let values: Vec<Vec<Vec<f64>>> = (0..6).map(|_| vec![vec![0.2, 0.3]]).collect();
        let data = with_groups_in(run(&values), |v| v != "v2");
        let (charts, notes) = survival_charts(&data);
        let titles: Vec<&str> = charts.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Groups still active, by size (baseline)",
                "Groups still active, by size (v1)",
                "Groups still active, by size (v3)",
                "Groups still active, by size (v4)",
            ]
        );
        assert_eq!(
            notes,
            [
                "skipped chart \"Groups still active, by size (v2)\": no finite values to draw",
                "Group survival is drawn for the first 4 of the 5 variants in which groups \
                 started (baseline, v1, v3, v4); groups.csv holds every group of every variant."
            ]
        );
        let data = with_groups_in(run(&values[..5]), |v| v != "v2");
        let (charts, notes) = survival_charts(&data);
        assert_eq!(charts.len(), 4);
        assert!(notes.iter().all(|n| !n.contains("first 4")), "{notes:?}");
    }

    /// Summary rows of `participation_rate` (and `service_output`, 10 more) in variants
    /// baseline and v1 (1 more) over a 2 x 2 grid of group_size_cap (y) and outreach (x),
    /// times `others` values of a third swept parameter (c, adding 0.01 x its index).
    fn grid(others: usize) -> RunData {
        let mut swept = vec!["levers.group_size_cap", "levers.outreach"];
        if others > 0 {
            swept.push("levers.c");
        }
        let mut rows = Vec::new();
        for (v, variant) in ["baseline", "v1"].into_iter().enumerate() {
            for (y, cap) in ["2", "4"].into_iter().enumerate() {
                for (x, outreach) in ["0", "1"].into_iter().enumerate() {
                    let mean = v as f64 + 0.1 * y as f64 + 0.01 * x as f64;
                    let points: Vec<Vec<String>> = if others == 0 {
                        vec![vec![cap.into(), outreach.into()]]
                    } else {
                        (0..others)
                            .map(|c| vec![cap.into(), outreach.into(), c.to_string()])
                            .collect()
                    };
                    for (c, point) in points.iter().enumerate() {
                        let point: Vec<&str> = point.iter().map(String::as_str).collect();
                        let mean = mean + 0.01 * c as f64;
                        let mut row = summary_row(variant, &point, "participation_rate", mean);
                        // Widths 0.1 at (0, 0), 0.2 at (0, 1), ... and none at the last cell,
                        // from 3 replications; each interval is cut at 0, as summary.csv
                        // cuts a share's, which the widths must not read.
                        let half = 0.05 * (1 + x + 2 * y) as f64;
                        row.n = 3;
                        row.sd = (x + 2 * y < 3)
                            .then(|| half * 3f64.sqrt() / coprod_output::t_quantile_975(2.0));
                        row.ci = row.sd.map(|_| ((mean - half).max(0.0), mean + half));
                        rows.push(row);
                        rows.push(summary_row(variant, &point, "service_output", mean + 10.0));
                    }
                }
            }
        }
        summarised(&swept, rows)
    }

    #[test]
    fn heatmap_cells_are_a_variants_means_and_interval_widths() {
        let close = |a: &[Vec<f64>], b: &[[f64; 2]; 2]| {
            a.len() == 2
                && a.iter().zip(b).all(|(r, e)| {
                    r.iter()
                        .zip(e)
                        .all(|(x, y)| (x - y).abs() < 1e-12 || (x.is_nan() && y.is_nan()))
                })
        };
        let d = grid(0);
        let means = heatmap_values(&d, "participation_rate", "v1", (1, 0), false);
        assert!(close(&means, &[[1.0, 1.01], [1.1, 1.11]]), "{means:?}");
        let output = heatmap_values(&d, "service_output", "baseline", (1, 0), false);
        assert!(
            close(&output, &[[10.0, 10.01], [10.1, 10.11]]),
            "{output:?}"
        );
        let widths = heatmap_values(&d, "participation_rate", "baseline", (1, 0), true);
        assert!(close(&widths, &[[0.1, 0.2], [0.3, f64::NAN]]), "{widths:?}");
        // A third swept parameter is averaged over: c = 0, 1, 2 add 0, 0.01, 0.02.
        let d = grid(3);
        let means = heatmap_values(&d, "participation_rate", "baseline", (1, 0), false);
        assert!(close(&means, &[[0.01, 0.02], [0.11, 0.12]]), "{means:?}");
    }

    #[test]
    fn heatmaps_of_more_than_four_variants_say_which_they_draw() {
        let mut d = grid(0);
        let (runs, rows) = (d.runs.rows.clone(), d.summary.rows.clone());
        for v in ["v2", "v3", "v4", "v5"] {
            let renamed = |variant: &str| if variant == "v1" { v } else { variant }.to_string();
            d.runs
                .rows
                .extend(runs.iter().filter(|r| r.variant == "v1").map(|r| RunRow {
                    variant: renamed(&r.variant),
                    ..r.clone()
                }));
            d.summary
                .rows
                .extend(rows.iter().filter(|r| r.variant == "v1").map(|r| {
                    let mut r = r.clone();
                    r.variant = renamed(&r.variant);
                    r
                }));
        }
        let dir = tempfile::tempdir().unwrap();
        let mut out = drawing(dir.path());
        draw_heatmaps(&d, "participation_rate", &mut out).unwrap();
        assert_eq!(out.charts.len(), 8, "the mean and its width of 4 variants");
        assert_eq!(
            out.notes,
            [
                "Heatmaps of `participation_rate` are drawn for the first 4 of the 6 variants \
                 (baseline, v1, v2, v3); summary.csv holds every variant."
            ]
        );
        let mut out = drawing(dir.path());
        draw_heatmaps(&grid(0), "participation_rate", &mut out).unwrap();
        assert!(out.notes.is_empty(), "{:?}", out.notes);
    }

    #[test]
    fn captions_say_mean_once_for_a_metric_named_mean() {
        assert_eq!(mean_of("", "mean_contribution"), "mean contribution");
        assert_eq!(
            mean_of("end-of-run ", "mean_citizen_trust"),
            "mean end-of-run citizen trust"
        );
        assert_eq!(
            mean_of("end-of-run ", "participation_rate"),
            "mean end-of-run participation rate"
        );
        // A name that only begins with the letters is left whole.
        assert_eq!(mean_of("", "meander_rate"), "mean meander rate");
        let mut d = grid(0);
        d.runs.metrics = vec!["mean_efficacy".into()];
        for row in &mut d.summary.rows {
            if row.metric == "participation_rate" {
                row.metric = "mean_efficacy".into();
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let mut out = drawing(dir.path());
        draw_heatmaps(&d, "mean_efficacy", &mut out).unwrap();
        let captions: Vec<&str> = out.charts.iter().map(|c| c.caption.as_str()).collect();
        assert_eq!(captions.len(), 4, "{:?}", out.notes);
        assert!(
            captions[0].starts_with("Mean end-of-run efficacy over levers.outreach"),
            "{captions:?}"
        );
        assert!(
            captions[1].starts_with(
                "Width of the 95% confidence interval of the mean end-of-run efficacy over"
            ),
            "{captions:?}"
        );
    }

    #[test]
    fn heatmap_captions_say_when_other_parameters_are_averaged() {
        for (others, averaged) in [(0, false), (2, true)] {
            let dir = tempfile::tempdir().unwrap();
            let mut out = drawing(dir.path());
            draw_heatmaps(&grid(others), "participation_rate", &mut out).unwrap();
            // A map of the mean and one of the interval's width per variant.
            assert_eq!(out.charts.len(), 4, "{:?}", out.notes);
            for chart in &out.charts {
                assert_eq!(
                    chart
                        .caption
                        .contains("Averaged over the other swept parameters."),
                    averaged,
                    "{}",
                    chart.caption
                );
            }
        }
    }

    #[test]
    fn a_run_of_one_replication_has_no_map_of_interval_widths() {
        let mut d = grid(0);
        d.runs.rows.retain(|r| r.replication == 0);
        for row in &mut d.summary.rows {
            (row.n, row.sd, row.ci) = (1, None, None);
        }
        let dir = tempfile::tempdir().unwrap();
        let mut out = drawing(dir.path());
        draw_heatmaps(&d, "participation_rate", &mut out).unwrap();
        // The map of the mean per variant, and nothing, not even a note, of an interval.
        let titles: Vec<&str> = out.charts.iter().map(|c| c.title.as_str()).collect();
        assert_eq!(
            titles,
            ["Participation rate (baseline)", "Participation rate (v1)"],
            "{:?}",
            out.notes
        );
        assert!(out.notes.is_empty(), "{:?}", out.notes);
    }

    /// The rows of the forest plot of `participation_rate` (column 0) of `d`, against the
    /// reference the plot would use.
    fn participation_rows(d: &RunData) -> Vec<ForestRow> {
        reference_and_others(d).map_or_else(Vec::new, |(base, others)| {
            forest_rows(d, (0, "participation_rate"), (&base, &others))
        })
    }

    /// The forest plot of `participation_rate` drawn from `d`, and its SVG.
    fn forest(d: &RunData) -> (ChartFile, String) {
        let dir = tempfile::tempdir().unwrap();
        let mut out = drawing(dir.path());
        draw_forest(d, "participation_rate", &mut out).unwrap();
        assert_eq!(out.charts.len(), 1, "{:?}", out.notes);
        let chart = out.charts.remove(0);
        let svg = std::fs::read_to_string(chart.svg()).unwrap();
        (chart, svg)
    }

    /// Whether a chart's SVG has a text "group size cap" (its y axis, in the forest plots
    /// below; rows are labelled by value alone).
    fn axis_named(svg: &str) -> bool {
        svg.lines().any(|l| l.trim() == "group size cap")
    }

    #[test]
    fn forest_titles_axes_and_captions_follow_the_variants_and_points() {
        let reps = || vec![0.2, 0.3];
        let points = |n: usize| -> Vec<Vec<f64>> { (0..n).map(|_| reps()).collect() };
        // Two variants at 3 points: a row per point, labelled by the swept value.
        let (chart, svg) = forest(&run(&[points(3), points(3)]));
        assert_eq!(chart.title, "v1 minus baseline: participation rate");
        assert!(axis_named(&svg), "the axis names the swept parameter");
        assert!(
            chart
                .caption
                .contains("the mean of the differences between runs that share a seed"),
            "{}",
            chart.caption
        );
        // Three variants: rows are labelled with the variant too; the axis has no name.
        let (chart, svg) = forest(&run(&[points(3), points(3), points(3)]));
        assert_eq!(chart.title, "Variants minus baseline: participation rate");
        assert!(!axis_named(&svg));
        // 17 points make too many rows: one row per variant, averaged over the points.
        let (chart, svg) = forest(&run(&[points(17), points(17)]));
        assert!(!axis_named(&svg));
        assert!(
            chart.caption.contains("over its 17 sweep points"),
            "{}",
            chart.caption
        );
        // 16 rows still fit (1 x 16 or 2 x 8); 18 (2 x 9) do not.
        let (chart, svg) = forest(&run(&[points(16), points(16)]));
        assert!(!chart.caption.contains("sweep points"), "{}", chart.caption);
        assert!(axis_named(&svg));
        let (chart, _) = forest(&run(&[points(8), points(8), points(8)]));
        assert!(!chart.caption.contains("sweep points"), "{}", chart.caption);
        let (chart, _) = forest(&run(&[points(9), points(9), points(9)]));
        let rows = |d: &RunData| participation_rows(d).len();
        assert_eq!(rows(&run(&[points(16), points(16)])), 16);
        assert_eq!(rows(&run(&[points(9), points(9), points(9)])), 2);
        assert!(
            chart.caption.contains("over its 9 sweep points"),
            "{}",
            chart.caption
        );
    }

    #[test]
    fn forest_rows_axis_names_the_swept_parameter_their_labels_leave_out() {
        let cap = ["levers.group_size_cap".to_string()];
        assert_eq!(forest_y_label(&cap, 1, 2), "group size cap");
        // Rows "v1, 2", "v2, 2", ...: the value's parameter was named nowhere.
        assert_eq!(forest_y_label(&cap, 2, 4), "variant, group size cap");
        // One row per variant (sweep points averaged), or labels that name each parameter.
        assert_eq!(forest_y_label(&cap, 2, MAX_FOREST_ROWS + 1), "");
        let two = [cap[0].clone(), "levers.outreach".to_string()];
        assert_eq!(forest_y_label(&two, 2, 4), "");
        assert_eq!(forest_y_label(&[], 3, 3), "");
    }

    #[test]
    fn forest_rows_are_labelled_by_what_tells_them_apart() {
        let labels = |d: &RunData| -> Vec<String> {
            participation_rows(d).into_iter().map(|r| r.label).collect()
        };
        let reps = || vec![vec![0.2, 0.3], vec![0.2, 0.3]];
        assert_eq!(labels(&run(&[reps(), reps()])), ["2", "3"]);
        assert_eq!(
            labels(&run(&[reps(), reps(), reps()])),
            ["v1, 2", "v1, 3", "v2, 2", "v2, 3"]
        );
        let mut two = run(&[reps(), reps()]);
        two.summary.swept.push("levers.outreach".into());
        for row in &mut two.runs.rows {
            row.point.push("0.5".into());
        }
        assert_eq!(
            labels(&two),
            [
                "group_size_cap 2, outreach 0.5",
                "group_size_cap 3, outreach 0.5"
            ]
        );
        let mut unswept = run(&[vec![vec![0.2, 0.3]], vec![vec![0.2, 0.3]]]);
        unswept.summary.swept.clear();
        for row in &mut unswept.runs.rows {
            row.point.clear();
        }
        assert_eq!(labels(&unswept), ["v1"]);
    }

    /// A variant whose differences are all rounding (runs equal in exact arithmetic, apart
    /// in the last bit) shows 0 with an interval of 0 to 0 in a row per variant too, as in
    /// a row per sweep point and in comparison.csv.
    #[test]
    fn a_row_per_variant_of_rounding_differences_shows_no_difference() {
        let points = 17;
        let base: Vec<Vec<f64>> = (0..points).map(|_| vec![0.3, 0.6, 0.7]).collect();
        let variant: Vec<Vec<f64>> = (0..points)
            .map(|p| {
                let bit = if p % 2 == 0 { 1.0 } else { -1.0 } * f64::EPSILON;
                vec![0.3 * (1.0 + bit), 0.6, 0.7 * (1.0 - bit)]
            })
            .collect();
        let rows = participation_rows(&run(&[base, variant]));
        assert_eq!(rows.len(), 1, "one row per variant");
        assert_eq!(rows[0].effect, 0.0);
        assert_eq!((rows[0].ci_low, rows[0].ci_high), (0.0, 0.0));
    }

    /// With `--against v1` (the manifest's `comparison.against`) the forest plot compares
    /// with v1, as comparison.csv does, not with the first variant.
    #[test]
    fn forest_rows_compare_with_the_reference_comparison_csv_uses() {
        let cell = |x: f64| vec![vec![x, x + 0.1]];
        let mut d = run(&[cell(0.2), cell(0.5), cell(0.4)]);
        let effects = |d: &RunData| -> Vec<(String, f64)> {
            participation_rows(d)
                .into_iter()
                .map(|r| (r.label, (r.effect * 1e9).round() / 1e9))
                .collect()
        };
        assert_eq!(
            effects(&d),
            [("v1, 2".to_string(), 0.3), ("v2, 2".to_string(), 0.2)]
        );
        d.manifest = Some(serde_json::json!({"comparison": {"against": "v1"}}));
        assert_eq!(
            effects(&d),
            [
                ("baseline, 2".to_string(), -0.3),
                ("v2, 2".to_string(), -0.1)
            ]
        );
        let (chart, _) = forest(&d);
        assert_eq!(chart.title, "Variants minus v1: participation rate");
        assert!(chart.caption.contains("against v1"), "{}", chart.caption);
        // A reference the run does not have (a hand-edited manifest) falls back to the first.
        d.manifest = Some(serde_json::json!({"comparison": {"against": "v9"}}));
        assert_eq!(effects(&d)[0].0, "v1, 2");
        // comparison.csv's reference comes first: `coprod compare --against` rewrites it
        // where it cannot record the reference in manifest.json (none, or an earlier one's).
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("comparison.csv"),
            "variant,against,levers.group_size_cap,metric,n\n\
             baseline,v2,2,participation_rate,2\n\
             v1,v2,2,participation_rate,2\n",
        )
        .unwrap();
        d.dir = dir.path().to_path_buf();
        for manifest in [
            None,
            Some(serde_json::json!({"comparison": {"against": "v1"}})),
        ] {
            d.manifest = manifest;
            assert_eq!(
                effects(&d),
                [
                    ("baseline, 2".to_string(), -0.2),
                    ("v1, 2".to_string(), 0.1)
                ]
            );
        }
    }

    #[test]
    fn averaged_forest_rows_pair_runs_of_the_same_replication_and_point() {
        // 17 points, 3 replications; the baseline varies by both, the variant adds
        // 0.05 + 0.002 x point: every replication's mean difference is 0.05 + 0.002 x 8.
        let base = |p: usize, r: usize| 0.1 * r as f64 + 0.01 * p as f64;
        let cells = |add: fn(usize) -> f64| -> Vec<Vec<f64>> {
            (0..17)
                .map(|p| (0..3).map(|r| base(p, r) + add(p)).collect())
                .collect()
        };
        let d = run(&[cells(|_| 0.0), cells(|p| 0.05 + 0.002 * p as f64)]);
        let rows = participation_rows(&d);
        assert_eq!(rows.len(), 1);
        let expected = 0.05 + 0.002 * 8.0;
        for value in [rows[0].effect, rows[0].ci_low, rows[0].ci_high] {
            assert!((value - expected).abs() < 1e-9, "{:?}", rows[0]);
        }
    }
}
