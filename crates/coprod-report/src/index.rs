//! `index.html` of a run directory: the scenario's description and resolved parameters, the
//! charts (inlined), and the summary table, in one self-contained page.
//!
//! Owns the page's content and order. Charts come from `charts.rs`, the skeleton from
//! `html.rs`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use coprod_output::{
    COMPARISON_CSV, FAILURES_CSV, GROUPS_CSV, MANIFEST_JSON, OptionValue, PARAMETERS_CSV, RUNS_CSV,
    SUMMARY_CSV, TIMESERIES_CSV,
};
use serde_json::Value;

use crate::charts::ChartFile;
use crate::data::{Quick, RunData, metric_unit};
use crate::error::ReportError;
use crate::html::{and_list, counted, escape, escape_with_code, inline_png, number, page};

/// The name of the report page in a run directory.
pub const INDEX_HTML: &str = "index.html";

/// Metrics shown in the visible summary table of a run of the field setting (the full table
/// is folded).
const KEY_METRICS: [&str; 5] = [
    "participation_rate",
    "share_lasting_24",
    "service_output",
    "service_ratio",
    "mean_citizen_trust",
];

/// The text of `index.html` with `charts` inlined, each chart's PNG read from
/// `drawn_at(its path)` (where it was drawn, when not yet in place).
pub(crate) fn index_page(
    data: &RunData,
    charts: &[ChartFile],
    notes: &[String],
    drawn_at: &dyn Fn(&Path) -> PathBuf,
) -> Result<String, ReportError> {
    let mut body = String::new();
    let m = data.manifest.as_ref();
    heading_section(&mut body, data, !charts.is_empty());
    experiment_section(&mut body, m, (&data.report_metrics(), charts));
    command_line_item(&mut body, m, &data.options());
    charts_section(&mut body, data, (charts, notes), drawn_at)?;
    summary_section(&mut body, data);
    comparison_section(&mut body, data)?;
    parameters_section(&mut body, m, data.is_lab());
    let title = format!("coprod run: {}", data.name());
    Ok(page(&title, &body))
}

/// The top of the page: the scenario's description, what ran (runs, steps, replications,
/// seed, version), failed runs and the files, with charts/ only if `charted` (some chart
/// was drawn).
fn heading_section(body: &mut String, data: &RunData, charted: bool) {
    let text = |ptr: &str| {
        data.manifest
            .as_ref()
            .and_then(|m| m.pointer(ptr))
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .unwrap_or_default()
    };
    let description = text("/scenario/description");
    if !description.is_empty() {
        let _ = writeln!(
            body,
            "<p class=\"key\">{}</p>",
            escape_with_code(&description)
        );
    }
    let _ = writeln!(
        body,
        "<p>{}: {} each, {}, base seed {}{}. coprod {}.</p>",
        counted(data.runs.rows.len(), "run"),
        escape(&counted(data.steps(), step_noun(data))),
        escape(&counted(text("/experiment/replications"), "replication")),
        escape(&text("/seeds/base_seed")),
        quick_text(data),
        escape(&text("/coprod_version")),
    );
    adaptive_text(body, data.manifest.as_ref());
    short_runs_text(body, data);
    failed_runs_text(body, data);
    // Without a chart drawn, charts/ holds none (or none of this page's): not pointed to.
    let charts = if charted {
        "; charts as PNG and SVG in <a href=\"charts/\">charts/</a>. Redraw them from the CSV \
         files with <code>coprod plot</code> and this folder"
    } else {
        ""
    };
    let _ = writeln!(
        body,
        "<p class=\"note\">Files: {}{charts}.</p>",
        file_links(data)
    );
}

/// In runs shorter than `share_lasting_24`'s 24 months no group can be followed that long,
/// so the metric the page charts and tabulates under that name is the share at the longest
/// spell, an upper bound (docs/outputs.md): said once, above the charts and tables.
fn short_runs_text(body: &mut String, data: &RunData) {
    let steps = data.steps();
    if data.is_lab() || steps >= u64::from(coprod_core::LASTING_MONTHS) {
        return;
    }
    let _ = writeln!(
        body,
        "<p class=\"note\">The runs have {}, fewer than {months}: no group could be followed \
         for {months} months, so <code>share_lasting_24</code> is the Kaplan-Meier share of \
         groups still active at the longest spell followed, an upper bound on the share \
         lasting {months} months.</p>",
        counted(steps, "step"),
        months = coprod_core::LASTING_MONTHS
    );
}

/// What a step of these runs is called: a round of the public-goods game in the lab (as the
/// lab's charts count them), else a step (a month).
fn step_noun(data: &RunData) -> &'static str {
    if data.is_lab() { "round" } else { "step" }
}

/// What `--quick` changed, as the manifest records it: only what it lowered, or that it
/// changed nothing (a scenario within its caps).
fn quick_text(data: &RunData) -> String {
    // The manifest does not say whether --quick was given or was the default of a plain
    // `coprod run`, which always has it; the page says what it knows.
    const QUICK: &str = "quick run: --quick, or the default of a plain <code>coprod run</code>";
    let lowered = match data.quick() {
        Quick::Off => return String::new(),
        Quick::Unrecorded => {
            return format!(" ({QUICK}; this folder does not record what it lowered)");
        }
        Quick::Lowered(lowered) => lowered,
    };
    let steps = format!("{}s", step_noun(data));
    let mut parts: Vec<String> = [
        (steps.as_str(), lowered.steps),
        ("replications", lowered.replications),
    ]
    .into_iter()
    .filter_map(|(noun, l)| Some(format!("the {noun} from {} to {}", l?.from, l?.to)))
    .collect();
    parts.extend(
        lowered
            .parameters
            .iter()
            .map(|p| format!("<code>{}</code>", escape(p))),
    );
    if parts.is_empty() {
        return format!(" ({QUICK}, which changed nothing: the scenario is within its caps)");
    }
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    let values = if lowered.parameters.is_empty() {
        ""
    } else {
        "; the parameters below give their values"
    };
    format!(" ({QUICK}, which lowered {}{values})", and_list(&parts))
}

/// Every chart inlined as PNG with its caption and a link to its SVG, then the notes on
/// charts not drawn.
fn charts_section(
    body: &mut String,
    data: &RunData,
    (charts, notes): (&[ChartFile], &[String]),
    drawn_at: &dyn Fn(&Path) -> PathBuf,
) -> Result<(), ReportError> {
    let _ = writeln!(body, "<h2>Charts</h2>");
    for chart in charts {
        let _ = writeln!(
            body,
            "<figure>{}<figcaption>{} <a href=\"{}\">SVG</a></figcaption></figure>",
            inline_png(&drawn_at(&chart.png()), &chart.title)?,
            escape(&chart.caption),
            escape(&relative(&data.dir, &chart.svg()))
        );
    }
    if charts.is_empty() {
        let _ = writeln!(body, "<p>No charts: nothing to draw.</p>");
    }
    for note in notes {
        let _ = writeln!(body, "<p class=\"note\">{}</p>", escape(note));
    }
    Ok(())
}

/// The summary table of the key metrics and the scenario's (`[report] metrics`), and every
/// metric's behind a disclosure.
fn summary_section(body: &mut String, data: &RunData) {
    // A run of one replication has no interval, so no column or sentence names one.
    let intervals = data.replications() >= 2;
    let _ = writeln!(body, "<h2>Summary</h2>");
    if intervals {
        // A run of unknown length (no manifest, no step written) cuts lifetimes at 0 only;
        // a lab run has no groups.
        let lifetimes = match data.steps() {
            0 => String::new(),
            _ if data.is_lab() => String::new(),
            steps => format!("0 to the run's {steps} steps for a group lifetime, "),
        };
        let _ = writeln!(
            body,
            "<p class=\"note\">Mean over replications with its 95% confidence interval: a \
             t-interval over the replications, cut to the values the metric can take (0 to 1 \
             for a share or 0-1 scale, {lifetimes}at least 0 for the others; summary.csv).</p>"
        );
    } else {
        // One replication: each mean is of one run, so the page does not call it an average.
        let values = if data.replications() == 1 {
            "Each value is one run's (summary.csv). "
        } else {
            ""
        };
        let _ = writeln!(
            body,
            "<p class=\"note\">{values}No interval: {}.</p>",
            data.no_interval_reason()
        );
    }
    if data.has_step_metrics() {
        // Without this, a lab run's contribution averaged over its 10 rounds reads as that
        // of the last round.
        let _ = writeln!(
            body,
            "<p class=\"note\">A metric measured at every step (a column of timeseries.csv) \
             is, in each run, its average over {}.</p>",
            data.averaged_steps()
        );
    }
    let scenario = data.report_metrics();
    // In the lab setting, only what a lab run measures: the other metrics describe
    // co-production, which it does not simulate.
    let key: &[&str] = if data.is_lab() {
        &coprod_core::LAB_METRICS
    } else {
        &KEY_METRICS
    };
    summary_table(body, data, intervals, |m| {
        key.contains(&m) || scenario.iter().any(|s| s == m)
    });
    let _ = writeln!(body, "<details><summary>Every metric</summary>");
    if data.is_lab() {
        let _ = writeln!(
            body,
            "<p class=\"note\">A lab run measures only <code>mean_contribution</code> and \
             <code>service_output</code> (the mean payoff). summary.csv holds every metric, but \
             the others describe co-production, which a lab run does not simulate: their values \
             below measure nothing.</p>"
        );
    }
    summary_table(body, data, intervals, |_| true);
    let _ = writeln!(body, "</details>");
}

/// How `--target-ci` chose the replications (manifest `adaptive`), when it did: the target,
/// the batches and the cap, and where and why it stopped.
fn adaptive_text(body: &mut String, m: Option<&Value>) {
    let Some(a) = m.and_then(|m| m.get("adaptive")) else {
        return;
    };
    let num = |k: &str| a.get(k).and_then(Value::as_f64);
    let text = |k: &str| a.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let count = |k: &str| a.get(k).and_then(Value::as_u64).unwrap_or(0);
    let widest = match num("max_half_width") {
        Some(half) => format!(
            "the widest half-width was {} ({})",
            number(half, 4),
            escape(&text("widest"))
        ),
        None => format!(
            "no compared row had an interval ({})",
            escape(&text("widest"))
        ),
    };
    let unjudged: Vec<String> = a
        .get("variants_without_runs")
        .and_then(Value::as_array)
        .map(|vs| {
            vs.iter()
                .filter_map(Value::as_str)
                .map(|v| format!("<code>{}</code>", escape(v)))
                .collect()
        })
        .unwrap_or_default();
    let unjudged = if unjudged.is_empty() {
        String::new()
    } else {
        let it = if unjudged.len() == 1 {
            "it was"
        } else {
            "they were"
        };
        let unjudged: Vec<&str> = unjudged.iter().map(String::as_str).collect();
        format!(
            "; every run of {} had failed, so {it} not judged",
            and_list(&unjudged)
        )
    };
    let _ = writeln!(
        body,
        "<p>The replications were chosen by <code>--target-ci {}</code>: {} at a time, until \
         every compared 95% CI half-width was at most the target or {} were run \
         (<code>--max-replications</code>). It stopped at {}, {}: {widest}{unjudged}.</p>",
        num("target_ci_half_width").map_or_else(String::new, coprod_core::readable),
        counted(count("batch"), "replication"),
        count("max_replications"),
        count("replications"),
        escape(&text("stopped_because")),
    );
}

/// Failed runs have no row in runs.csv, so the count above leaves them out: say so.
fn failed_runs_text(body: &mut String, data: &RunData) {
    let failed = data.failed_runs();
    if failed > 0 {
        let total = data.runs.rows.len() as u64 + failed;
        let verb = if failed == 1 { "is" } else { "are" };
        let _ = writeln!(
            body,
            "<p><strong>{failed} of {total} runs failed</strong> and {verb} left out of every \
             estimate and chart (n counts the runs that succeeded): see \
             <a href=\"failures.csv\">failures.csv</a>.</p>"
        );
    }
}

/// What the rows of the comparison's forest plots show beside each difference, ending in a
/// full stop: from comparison.csv's rows, `intervals` as `(with, without)` an interval, when
/// the file is there, since a run of many replications can still leave a row with fewer
/// than two pairs (a failed run, a missing group metric); else from the replications.
fn comparison_statistics(data: &RunData, intervals: Option<(usize, usize)>) -> String {
    if data.replications() < 2 {
        return format!(
            "with no interval or p-value: {}.",
            data.no_interval_reason()
        );
    }
    let holm = "with its 95% confidence interval; * marks a Holm-adjusted p below 0.05 \
                (adjusted within each variant and metric).";
    let unpaired = crate::charts::unpaired_rows(data.failed_runs() > 0);
    match intervals {
        Some((0, without)) if without > 0 => format!("with no interval or p-value.{unpaired}"),
        Some((_, 0)) | None => holm.to_string(),
        Some(_) => format!("{holm}{unpaired}"),
    }
}

/// The forest plots `coprod run` and `coprod compare` draw into `comparison/` for
/// scenarios with variants (one per metric, split into parts when long), if there are any.
fn comparison_section(body: &mut String, data: &RunData) -> Result<(), ReportError> {
    let dir = data.dir.join("comparison");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(());
    };
    let mut plots: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "png")
                && p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("forest_"))
        })
        .collect();
    if plots.is_empty() {
        return Ok(());
    }
    // Sorted by name so the page is the same on every machine.
    plots.sort();
    let _ = writeln!(body, "<h2>Variants compared</h2>");
    let intervals = coprod_output::read::read_comparison_intervals(&data.dir)?;
    let statistics = comparison_statistics(data, intervals);
    // Linked only when there: comparison/ can outlive a deleted comparison.csv.
    let numbers = if intervals.is_some() {
        " The numbers are in <a href=\"comparison.csv\">comparison.csv</a>."
    } else {
        ""
    };
    let _ = writeln!(
        body,
        "<p class=\"note\">Each row is one variant at one sweep point: its difference from the \
         reference variant named in the title, in the metric's units, paired on common random \
         numbers, {statistics}{numbers}</p>"
    );
    for png in &plots {
        let svg = png.with_extension("svg");
        let _ = writeln!(
            body,
            "<figure>{}<figcaption><a href=\"{}\">SVG</a></figcaption></figure>",
            inline_png(png, "differences between variants")?,
            escape(&relative(&data.dir, &svg))
        );
    }
    Ok(())
}

/// `path` relative to `base`, with `/` separators (for links inside the page).
fn relative(base: &Path, path: &Path) -> String {
    path.strip_prefix(base)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Formats a number for tables: 1 decimal from 100 on, 2 from 1 on, 3 below 1, or 2
/// significant digits in scientific form for a value that is not 0 but too small for 3
/// decimals ("6.0e-5").
pub(crate) fn fmt_num(v: f64) -> String {
    let a = v.abs();
    let decimals = if a >= 100.0 {
        1
    } else if a >= 1.0 {
        2
    } else {
        3
    };
    number(v, decimals)
}

/// summary.csv's rows that `keep` selects, with a column of 95% intervals if `intervals`.
fn summary_table(body: &mut String, data: &RunData, intervals: bool, keep: impl Fn(&str) -> bool) {
    let lab = data.is_lab();
    let _ = write!(body, "<table><tr><th>variant</th>");
    for name in &data.summary.swept {
        let _ = write!(body, "<th>{}</th>", escape(name));
    }
    let ci_header = if intervals { "<th>95% CI</th>" } else { "" };
    let _ = writeln!(
        body,
        "<th>metric</th><th>unit</th><th>mean</th>{ci_header}<th>n</th></tr>"
    );
    for row in data.summary.rows.iter().filter(|r| keep(&r.metric)) {
        let _ = write!(body, "<tr><td>{}</td>", escape(&row.variant));
        for v in &row.point {
            let _ = write!(body, "<td class=\"num\">{}</td>", escape(v));
        }
        let ci = if intervals {
            let ci = row.ci.map_or_else(
                || "–".to_string(),
                |ci| {
                    let (lo, hi) = data.cut_level(&row.metric, ci);
                    format!("{} to {}", fmt_num(lo), fmt_num(hi))
                },
            );
            format!("<td class=\"num\">{ci}</td>")
        } else {
            String::new()
        };
        let _ = writeln!(
            body,
            "<td>{}</td><td>{}</td><td class=\"num\">{}</td>{ci}<td class=\"num\">{}</td></tr>",
            escape(&row.metric),
            escape(metric_unit(&row.metric, lab).unwrap_or("")),
            fmt_num(row.mean),
            row.n
        );
    }
    let _ = writeln!(body, "</table>");
}

fn experiment_section(
    body: &mut String,
    m: Option<&Value>,
    (report, charts): (&[String], &[ChartFile]),
) {
    let Some(m) = m else {
        return;
    };
    let _ = writeln!(body, "<h2>Experiment</h2>");
    report_metrics_item(body, m, report, charts);
    if let Some(sweep) = m.get("sweep").and_then(Value::as_array)
        && !sweep.is_empty()
    {
        let _ = writeln!(body, "<p>Swept parameters:</p><ul>");
        for axis in sweep {
            let _ = writeln!(body, "{}", sweep_item(axis));
        }
        let _ = writeln!(body, "</ul>");
    }
    if let Some(variants) = m.get("variants").and_then(Value::as_array) {
        let _ = writeln!(body, "<p>Variants:</p><ul>");
        for v in variants {
            let _ = writeln!(body, "{}", variant_item(v, m));
        }
        let _ = writeln!(body, "</ul>");
    }
}

/// The options of the command line that changed what ran, as the manifest records them:
/// each `--set` (manifest `settings`), then `--replications` and `--seed` (`options`) with
/// the scenario's own value beside the one they gave: "`--replications 5` (the scenario
/// says 10)".
fn command_line_item(body: &mut String, m: Option<&Value>, options: &[OptionValue]) {
    let settings = m
        .and_then(|m| m.get("settings"))
        .and_then(Value::as_array)
        .map(|s| s.iter().filter_map(Value::as_str).collect::<Vec<_>>())
        .unwrap_or_default();
    let items: Vec<String> = settings
        .iter()
        .map(|s| format!("<code>--set {}</code>", escape(s)))
        .chain(options.iter().map(|o| {
            let scenario = if o.value == o.scenario {
                "the scenario's own value".to_string()
            } else {
                format!("the scenario says {}", o.scenario)
            };
            format!(
                "<code>{} {}</code> ({scenario})",
                escape(&o.option),
                o.value
            )
        }))
        .collect();
    if items.is_empty() {
        return;
    }
    let items: Vec<&str> = items.iter().map(String::as_str).collect();
    let _ = writeln!(body, "<p>Command-line settings: {}.</p>", and_list(&items));
}

/// The metrics of the scenario's `[report]` table (`report`), if it has one: whether the
/// page charts them first (those of them with a chart among `charts`: an end-of-run metric
/// of runs without variants or a sweep has none), and whether comparison.csv compares them
/// (manifest `comparison.metrics`; not when `--metric` chose others).
fn report_metrics_item(body: &mut String, m: &Value, report: &[String], charts: &[ChartFile]) {
    let names: Vec<&str> = report.iter().map(String::as_str).collect();
    if names.is_empty() {
        return;
    }
    let compared: Vec<&str> = m
        .pointer("/comparison/metrics")
        .and_then(Value::as_array)
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let coded = |names: &[&str]| -> String {
        let coded: Vec<String> = names
            .iter()
            .map(|n| format!("<code>{}</code>", escape(n)))
            .collect();
        let coded: Vec<&str> = coded.iter().map(String::as_str).collect();
        and_list(&coded)
    };
    let uncharted: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !charts.iter().any(|c| c.metric.as_deref() == Some(*n)))
        .collect();
    let (their, them) = if names.len() == 1 {
        ("Its", "it")
    } else {
        ("Their", "them")
    };
    let charts = if uncharted.is_empty() {
        format!(
            "{their} charts come first among the charts of each kind, before those of the \
             default metrics, and the summary table shows {them}"
        )
    } else if uncharted.len() == names.len() {
        let none = if names.len() == 1 {
            "It has no chart"
        } else {
            "None of them has a chart"
        };
        format!("{none} on this page; the summary table shows {them}")
    } else {
        let has = if uncharted.len() == 1 { "has" } else { "have" };
        format!(
            "{their} charts come first among the charts of each kind, before those of the \
             default metrics ({} {has} none on this page), and the summary table shows {them}",
            coded(&uncharted)
        )
    };
    let comparison = if names.iter().all(|n| compared.contains(n)) {
        format!("; comparison.csv compares {them}")
    } else {
        String::new()
    };
    let _ = writeln!(
        body,
        "<p>The scenario's metrics (its <code>[report]</code> table): {}. {charts}{comparison}.</p>",
        coded(&names)
    );
}

/// A swept parameter (manifest `sweep[]`) and its values, as a list item.
fn sweep_item(axis: &Value) -> String {
    let name = axis.get("name").and_then(Value::as_str).unwrap_or("");
    let values: Vec<String> = axis
        .get("values")
        .and_then(Value::as_array)
        .map(|vs| {
            vs.iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
    format!(
        "<li><code>{}</code>: {}</li>",
        escape(name),
        escape(&values.join(", "))
    )
}

/// A variant (manifest `variants[]`): its name, then what it is, each part only when it has
/// one: its description with the values it sets, what replaced any of them, and its
/// interventions, as a list item ("<b>joint</b>: `groups.service = joint` replaced by ...").
fn variant_item(v: &Value, m: &Value) -> String {
    let name = v.get("name").and_then(Value::as_str).unwrap_or("");
    let parts: Vec<String> = [
        described(v),
        replaced_text(v, m),
        interventions_text(v, run_steps(m)),
    ]
    .into_iter()
    .flatten()
    .collect();
    if parts.is_empty() {
        format!("<li><b>{}</b></li>", escape(name))
    } else {
        format!("<li><b>{}</b>: {}</li>", escape(name), parts.join("; "))
    }
}

/// A variant's description and the values it sets: "its description (`a = 1, b = 2`)", or
/// either alone; `None` when it has neither.
fn described(v: &Value) -> Option<String> {
    let description = v.get("description").and_then(Value::as_str).unwrap_or("");
    let params: Vec<String> = v
        .get("params")
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .map(|p| {
                    format!(
                        "{} = {}",
                        p.get("name").and_then(Value::as_str).unwrap_or(""),
                        p.get("value").and_then(Value::as_str).unwrap_or("")
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let params =
        (!params.is_empty()).then(|| format!("<code>{}</code>", escape(&params.join(", "))));
    match (description.is_empty(), params) {
        (true, params) => params,
        (false, None) => Some(escape_with_code(description)),
        (false, Some(params)) => Some(format!("{} ({params})", escape_with_code(description))),
    }
}

/// The values a variant sets that no run of it had (manifest `variants[].replaced`), each
/// with what replaced it, a `--set` option or `--quick`'s size caps: "`levers.x = 0.5`
/// replaced by `--set levers.x=0.2`"; `None` when there are none.
fn replaced_text(variant: &Value, m: &Value) -> Option<String> {
    let list = variant.get("replaced").and_then(Value::as_array)?;
    let settings: Vec<&str> = m
        .get("settings")
        .and_then(Value::as_array)
        .map(|s| s.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let items: Vec<String> = list
        .iter()
        .map(|p| {
            let name = p.get("name").and_then(Value::as_str).unwrap_or("");
            let value = p.get("value").and_then(Value::as_str).unwrap_or("");
            let by = settings
                .iter()
                .rfind(|s| s.split_once('=').is_some_and(|(k, _)| k == name))
                .map_or_else(
                    || "the size caps of <code>--quick</code>".to_string(),
                    |s| format!("<code>--set {}</code>", escape(s)),
                );
            format!(
                "<code>{} = {}</code> replaced by {by}",
                escape(name),
                escape(value)
            )
        })
        .collect();
    (!items.is_empty()).then(|| items.join(", "))
}

/// The steps of each run, as the manifest records them.
fn run_steps(m: &Value) -> Option<u64> {
    m.pointer("/experiment/steps").and_then(Value::as_u64)
}

/// A variant's interventions (manifest `variants[].interventions`), each with its lever,
/// value and the steps of runs of `steps` steps it is in force: "interventions
/// `levers.x = 0.05` from step 12 to the end, ..."; `None` when it has none.
fn interventions_text(variant: &Value, steps: Option<u64>) -> Option<String> {
    let items: Vec<String> = interventions(variant)
        .iter()
        .map(|iv| {
            let lever = format!("<code>{} = {}</code>", escape(&iv.lever), escape(&iv.value));
            // Runs shortened (by --quick or --set experiment.steps) can end before an
            // intervention starts, or before it stops: the page says what the runs had.
            if let Some(steps) = steps.filter(|s| iv.from_step >= *s) {
                return format!(
                    "{lever} from step {}: never in force, the runs have {}",
                    iv.from_step,
                    counted(steps, "step")
                );
            }
            let until = match iv.until_step {
                Some(end) if steps.is_none_or(|s| end < s) => {
                    format!("to step {}", end.saturating_sub(1))
                }
                _ => "to the end".to_string(),
            };
            format!("{lever} from step {} {until}", iv.from_step)
        })
        .collect();
    let noun = if items.len() == 1 {
        "intervention"
    } else {
        "interventions"
    };
    (!items.is_empty()).then(|| format!("{noun} {}", items.join(", ")))
}

/// An intervention as the manifest records it.
struct Intervention {
    lever: String,
    value: String,
    from_step: u64,
    /// The first step no longer in force; `None`: to the end.
    until_step: Option<u64>,
}

/// The interventions of a variant of the manifest.
fn interventions(variant: &Value) -> Vec<Intervention> {
    let Some(list) = variant.get("interventions").and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .map(|iv| Intervention {
            lever: iv.get("lever").and_then(Value::as_str).unwrap_or("").into(),
            value: iv.get("value").and_then(Value::as_str).unwrap_or("").into(),
            from_step: iv.get("from_step").and_then(Value::as_u64).unwrap_or(0),
            until_step: iv.get("until_step").and_then(Value::as_u64),
        })
        .collect()
}

/// The first step from which some variant's intervention sets `lever`, if any does within
/// the runs' steps (one that starts after the last step changes nothing).
fn first_intervention(m: &Value, lever: &str) -> Option<u64> {
    let steps = run_steps(m);
    m.get("variants")?
        .as_array()?
        .iter()
        .flat_map(interventions)
        .filter(|iv| iv.lever == lever && steps.is_none_or(|s| iv.from_step < s))
        .map(|iv| iv.from_step)
        .min()
}

/// Links to the tables and files of the run directory that are there (the charts and pages
/// are linked elsewhere): parameters.csv, comparison.csv and failures.csv only when the run
/// has them, and manifest.json when the page is drawn from one (a finishing run writes it
/// last, after this page).
fn file_links(data: &RunData) -> String {
    let dir = &data.dir;
    let mut links: Vec<String> = [
        RUNS_CSV,
        TIMESERIES_CSV,
        GROUPS_CSV,
        SUMMARY_CSV,
        PARAMETERS_CSV,
        COMPARISON_CSV,
        FAILURES_CSV,
    ]
    .iter()
    .filter(|name| dir.join(name).is_file())
    .chain(data.manifest.is_some().then_some(&MANIFEST_JSON))
    .map(|name| format!("<a href=\"{name}\">{name}</a>"))
    .collect();
    if dir.join("comparison").is_dir() {
        links.push(
            "forest plots of the comparison in <a href=\"comparison/\">comparison/</a>".into(),
        );
    }
    links.join(", ")
}

/// The manifest's parameters as they ran; those the runs do not read (the lab's in a field
/// run, the field's in a lab run, `lab`) folded below the others.
fn parameters_section(body: &mut String, m: Option<&Value>, lab: bool) {
    let Some((m, params)) = m.and_then(|m| Some((m, m.get("parameters")?.as_array()?))) else {
        return;
    };
    let _ = writeln!(body, "<h2>Parameters</h2>");
    let _ = writeln!(
        body,
        "<p class=\"note\">Every model parameter as it ran (after the defaults, the scenario, \
         its variants and sweep, --set and --quick), with where its value came from. A value \
         is shown when every run had it; a parameter that varies between runs (a swept one, or \
         one a variant sets) has none here, and <a href=\"parameters.csv\">parameters.csv</a> \
         gives its value in each run. A lever that an intervention changes (see the variants \
         above) shows its base value, the value outside the intervention's steps. Those not \
         left at their default come first.</p>"
    );
    let field = |p: &Value, k: &str| p.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let mut rows: Vec<&Value> = params.iter().collect();
    rows.sort_by_key(|p| field(p, "source") == "default");
    // A name this version does not know (an older manifest) is shown as read.
    let unread = |p: &&Value| {
        coprod_core::Params::lookup(&field(p, "name")).is_ok_and(|(_, spec)| !spec.read_in(lab))
    };
    let (hidden, shown): (Vec<&Value>, Vec<&Value>) = rows.into_iter().partition(unread);
    parameter_table(body, m, &shown);
    if !hidden.is_empty() {
        let (setting, other) = if lab {
            ("a lab run", "the field setting's")
        } else {
            ("a field run", "the lab's")
        };
        let _ = writeln!(
            body,
            "<details><summary>{} that {setting} does not read</summary>",
            counted(hidden.len(), "parameter")
        );
        let _ = writeln!(
            body,
            "<p class=\"note\">These are {other}: recorded as they were set, they change \
             nothing in these runs.</p>"
        );
        parameter_table(body, m, &hidden);
        let _ = writeln!(body, "</details>");
    }
}

/// A table of parameter `rows` of manifest `m`, scenario-set values in bold.
fn parameter_table(body: &mut String, m: &Value, rows: &[&Value]) {
    let field = |p: &Value, k: &str| p.get(k).and_then(Value::as_str).unwrap_or("").to_string();
    let _ = writeln!(
        body,
        "<table><tr><th>parameter</th><th>value</th><th>unit</th><th>source</th></tr>"
    );
    for p in rows {
        let source = field(p, "source");
        let bold = source == "scenario";
        let name = field(p, "name");
        let value = match first_intervention(m, &name) {
            Some(step) if !field(p, "value").is_empty() => format!(
                "{} (base value; an intervention changes it from step {step})",
                field(p, "value")
            ),
            _ => field(p, "value"),
        };
        let _ = writeln!(
            body,
            "<tr><td>{b}<code>{}</code>{eb}</td><td class=\"num\">{b}{}{eb}</td><td>{}</td><td>{}</td></tr>",
            escape(&name),
            escape(&value),
            escape(&field(p, "unit")),
            escape(&source),
            b = if bold { "<b>" } else { "" },
            eb = if bold { "</b>" } else { "" },
        );
    }
    let _ = writeln!(body, "</table>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use coprod_output::read::{RunsTable, SummaryTable};

    /// The page of a run whose variant `training` sets `levers.staff_training` to 0.05 from
    /// step 12, its manifest giving the lever's base value 0.
    fn page_with_intervention() -> String {
        let manifest = serde_json::json!({
            "variants": [
                {"name": "baseline", "description": "", "params": [], "interventions": []},
                {"name": "training", "description": "", "params": [], "interventions": [
                    {"lever": "levers.staff_training", "value": "0.05", "from_step": 12,
                     "until_step": null},
                    {"lever": "levers.outreach", "value": "0.5", "from_step": 3,
                     "until_step": 6}
                ]}
            ],
            "parameters": [
                {"name": "levers.staff_training", "value": "0", "unit": "share per step",
                 "source": "default"},
                {"name": "levers.group_size_cap", "value": "8", "unit": "members",
                 "source": "default"}
            ]
        });
        page_of(manifest)
    }

    /// The index page of a run with no data files and this manifest.
    fn page_of(manifest: serde_json::Value) -> String {
        let data = RunData {
            dir: PathBuf::from("no-such-run"),
            summary: SummaryTable::default(),
            runs: RunsTable {
                swept: vec![],
                metrics: vec![],
                rows: vec![],
            },
            aggregates: Default::default(),
            manifest: Some(manifest),
            parameters: None,
        };
        index_page(&data, &[], &[], &|p| p.to_path_buf()).unwrap()
    }

    #[test]
    fn failed_runs_are_counted_with_the_runs_shown() {
        let page = page_of(serde_json::json!({"failed_runs": 2}));
        assert!(page.contains("<p>0 runs: "), "{page}");
        assert!(
            page.contains("<strong>2 of 2 runs failed</strong>"),
            "{page}"
        );
        assert!(page.contains("failed</strong> and are left out"), "{page}");
        let page = page_of(serde_json::json!({"failed_runs": 1}));
        assert!(
            page.contains("<strong>1 of 1 runs failed</strong> and is left out"),
            "{page}"
        );
        let page = page_of(serde_json::json!({"failed_runs": 0}));
        assert!(!page.contains("runs failed"), "{page}");
    }

    /// A run whose replications --target-ci chose says so, with where and why it stopped.
    #[test]
    fn replications_chosen_by_target_ci_are_said_to_be() {
        let page = page_of(serde_json::json!({"adaptive": {
            "target_ci_half_width": 0.01, "max_replications": 8, "batch": 3,
            "replications": 8, "stopped_because": "cap reached",
            "max_half_width": 0.0515, "widest": "partners: service_output",
            "variants_without_runs": [], "metrics": ["service_output"]
        }}));
        assert!(
            page.contains(
                "<p>The replications were chosen by <code>--target-ci 0.01</code>: 3 \
                 replications at a time, until every compared 95% CI half-width was at most the \
                 target or 8 were run (<code>--max-replications</code>). It stopped at 8, cap \
                 reached: the widest half-width was 0.0515 (partners: service_output).</p>"
            ),
            "{page}"
        );
        let page = page_of(serde_json::json!({"adaptive": {
            "target_ci_half_width": 0.5, "max_replications": 100, "batch": 2,
            "replications": 2, "stopped_because": "target met",
            "max_half_width": 6.5e-6, "widest": "v: participation_rate",
            "variants_without_runs": ["dead"], "metrics": ["participation_rate"]
        }}));
        assert!(
            page.contains(
                "It stopped at 2, target met: the widest half-width was 6.5e-6 (v: \
                 participation_rate); every run of <code>dead</code> had failed, so it was not \
                 judged.</p>"
            ),
            "{page}"
        );
        let page = page_of(serde_json::json!({}));
        assert!(!page.contains("--target-ci"), "{page}");
    }

    /// A field run too short to follow a group for 24 months says that its
    /// `share_lasting_24` is an upper bound; a long enough one, and the lab (no groups), do
    /// not.
    #[test]
    fn runs_too_short_for_share_lasting_24_say_it_is_an_upper_bound() {
        let note = "so <code>share_lasting_24</code> is the Kaplan-Meier share of groups still \
                    active at the longest spell followed, an upper bound";
        let page = page_of(serde_json::json!({"experiment": {"steps": 10}}));
        assert!(
            page.contains("The runs have 10 steps, fewer than 24"),
            "{page}"
        );
        assert!(page.contains(note), "{page}");
        let page = page_of(serde_json::json!({"experiment": {"steps": 24}}));
        assert!(!page.contains("upper bound"), "{page}");
        let lab = page_of(serde_json::json!({
            "experiment": {"steps": 10},
            "parameters": [{"name": "population.setting", "value": "lab", "unit": "option",
                            "source": "scenario"}]
        }));
        assert!(!lab.contains("upper bound"), "{lab}");
    }

    #[test]
    fn counts_of_one_are_singular() {
        let one = serde_json::json!({"experiment": {"steps": 1, "replications": 1}});
        let page = page_of(one);
        assert!(
            page.contains("<p>0 runs: 1 step each, 1 replication, "),
            "{page}"
        );
        let two = serde_json::json!({"experiment": {"steps": 2, "replications": 2}});
        let page = page_of(two);
        assert!(
            page.contains("<p>0 runs: 2 steps each, 2 replications, "),
            "{page}"
        );
    }

    #[test]
    fn a_quick_run_is_not_said_to_have_been_given_quick() {
        let page = page_of(serde_json::json!({"quick": true}));
        assert!(!page.contains("shrunk with --quick"), "{page}");
        assert!(
            page.contains("quick run: --quick, or the default of a plain <code>coprod run</code>"),
            "{page}"
        );
    }

    /// The page says what --quick lowered, and only that: a scenario within its caps was
    /// not shrunk at all.
    #[test]
    fn a_quick_run_states_only_what_quick_lowered() {
        let lowered =
            |l: serde_json::Value| page_of(serde_json::json!({"quick": true, "quick_lowered": l}));
        let page =
            lowered(serde_json::json!({"steps": null, "replications": null, "parameters": []}));
        assert!(
            page.contains(", which changed nothing: the scenario is within its caps)"),
            "{page}"
        );
        assert!(
            !page.contains("shrunk") && !page.contains("lowered"),
            "{page}"
        );
        let page = lowered(serde_json::json!({
            "steps": {"from": 480, "to": 60},
            "replications": null,
            "parameters": []
        }));
        assert!(
            page.contains(", which lowered the steps from 480 to 60)"),
            "{page}"
        );
        let page = lowered(serde_json::json!({
            "steps": null,
            "replications": {"from": 30, "to": 3},
            "parameters": ["population.n_citizens", "population.n_communities"]
        }));
        assert!(
            page.contains(
                ", which lowered the replications from 30 to 3, <code>population.n_citizens</code> \
                 and <code>population.n_communities</code>; the parameters below give their values)"
            ),
            "{page}"
        );
    }

    #[test]
    fn interventions_are_listed_and_qualify_the_base_value() {
        let page = page_with_intervention();
        assert!(
            page.contains(
                "<li><b>training</b>: interventions <code>levers.staff_training = 0.05</code> \
                 from step 12 to the end, <code>levers.outreach = 0.5</code> from step 3 to step 5</li>"
            ),
            "{page}"
        );
        assert!(
            page.contains("0 (base value; an intervention changes it from step 12)"),
            "{page}"
        );
        assert!(
            page.contains("<td class=\"num\">8</td>"),
            "other levers are as they were"
        );
    }

    /// Runs shortened below an intervention's steps (by `--quick` or `--set
    /// experiment.steps`) are not said to have it: one that starts after the last step is
    /// never in force, and one that would stop after it lasts to the end.
    #[test]
    fn interventions_are_stated_within_the_steps_the_runs_had() {
        let page = |steps: u64| {
            page_of(serde_json::json!({
                "experiment": {"steps": steps},
                "variants": [
                    {"name": "baseline", "description": "", "params": [], "interventions": []},
                    {"name": "training", "description": "", "params": [], "interventions": [
                        {"lever": "levers.staff_training", "value": "0.05", "from_step": 12,
                         "until_step": null},
                        {"lever": "levers.outreach", "value": "0.5", "from_step": 3,
                         "until_step": 100}
                    ]}
                ],
                "parameters": [
                    {"name": "levers.staff_training", "value": "0", "unit": "share per step",
                     "source": "default"},
                    {"name": "levers.outreach", "value": "0", "unit": "0-1 scale",
                     "source": "default"}
                ]
            }))
        };
        let short = page(10);
        assert!(
            short.contains(
                "<li><b>training</b>: interventions <code>levers.staff_training = 0.05</code> \
                 from step 12: never in force, the runs have 10 steps, \
                 <code>levers.outreach = 0.5</code> from step 3 to the end</li>"
            ),
            "{short}"
        );
        assert!(
            !short.contains("changes it from step 12"),
            "a lever no run changed has no base value to qualify: {short}"
        );
        assert!(
            short.contains("0 (base value; an intervention changes it from step 3)"),
            "{short}"
        );
        let long = page(120);
        assert!(
            long.contains(
                "<code>levers.staff_training = 0.05</code> from step 12 to the end, \
                 <code>levers.outreach = 0.5</code> from step 3 to step 99</li>"
            ),
            "{long}"
        );
        assert!(
            long.contains("0 (base value; an intervention changes it from step 12)"),
            "{long}"
        );
    }

    /// Each part of a variant's line is joined to what comes before it only when there is
    /// something before it: a variant whose only value `--set` replaced has no stray "; ".
    #[test]
    fn variant_lines_join_only_the_parts_they_have() {
        let page = page_of(serde_json::json!({
            "settings": ["groups.service=per_member"],
            "variants": [
                {"name": "joint", "description": "", "params": [],
                 "replaced": [{"name": "groups.service", "value": "joint"}],
                 "interventions": []},
                {"name": "said", "description": "non-rival `service`", "params": [],
                 "replaced": [{"name": "groups.service", "value": "joint"}],
                 "interventions": []},
                {"name": "bare", "description": "", "params": [
                    {"name": "groups.coordination_cost", "value": "0"}
                ], "interventions": [
                    {"lever": "levers.outreach", "value": "0.5", "from_step": 3,
                     "until_step": null}
                ]},
                {"name": "full", "description": "both", "params": [
                    {"name": "groups.coordination_cost", "value": "0"}
                ], "interventions": []},
                {"name": "nothing", "description": "", "params": [], "interventions": []}
            ]
        }));
        let replaced = "<code>groups.service = joint</code> replaced by \
                        <code>--set groups.service=per_member</code>";
        for line in [
            format!("<li><b>joint</b>: {replaced}</li>"),
            format!("<li><b>said</b>: non-rival <code>service</code>; {replaced}</li>"),
            "<li><b>bare</b>: <code>groups.coordination_cost = 0</code>; intervention \
             <code>levers.outreach = 0.5</code> from step 3 to the end</li>"
                .to_string(),
            "<li><b>full</b>: both (<code>groups.coordination_cost = 0</code>)</li>".to_string(),
            "<li><b>nothing</b></li>".to_string(),
        ] {
            assert!(page.contains(&line), "{line}\n{page}");
        }
        assert!(!page.contains("</b>;"), "{page}");
    }

    #[test]
    fn parameters_not_at_their_default_come_first_and_varying_ones_show_no_value() {
        let page = page_of(serde_json::json!({
            "variants": [
                {"name": "outreach", "interventions": [
                    {"lever": "levers.outreach", "value": "0.5", "from_step": 3}
                ]}
            ],
            "parameters": [
                {"name": "levers.staff_training", "value": "0", "unit": "", "source": "default"},
                {"name": "population.n_citizens", "value": "500", "unit": "", "source": "scenario"},
                {"name": "levers.outreach", "value": "", "unit": "", "source": "variant"}
            ]
        }));
        let table = &page[page.find("<h2>Parameters</h2>").unwrap()..];
        let at = |name: &str| table.find(&format!("<code>{name}</code>")).unwrap();
        assert!(
            at("population.n_citizens") < at("levers.staff_training"),
            "{table}"
        );
        assert!(
            at("levers.outreach") < at("levers.staff_training"),
            "{table}"
        );
        assert!(
            table.contains(
                "<tr><td><b><code>population.n_citizens</code></b></td><td class=\"num\"><b>500</b></td>"
            ),
            "{table}"
        );
        // A lever that varies between runs has no single value, base or otherwise.
        assert!(
            table.contains("<tr><td><code>levers.outreach</code></td><td class=\"num\"></td>"),
            "{table}"
        );
        assert!(!table.contains("(base value;"), "{table}");
    }

    #[test]
    fn the_experiment_is_described_only_with_what_the_manifest_holds() {
        let page = page_of(serde_json::json!({
            "scenario": {"description": "Compare `joint` supply & per-member service."},
            "sweep": [{"name": "levers.outreach", "values": ["0.5", "1"]}],
            "settings": ["experiment.replications=3", "population.n_citizens=500"]
        }));
        for part in [
            "<p class=\"key\">Compare <code>joint</code> supply &amp; per-member service.</p>",
            "<p>Swept parameters:</p><ul>\n<li><code>levers.outreach</code>: 0.5, 1</li>",
            "<p>Command-line settings: <code>--set experiment.replications=3</code> and \
             <code>--set population.n_citizens=500</code>.</p>",
        ] {
            assert!(page.contains(part), "{part}\n{page}");
        }
        // --replications and --seed (manifest `options`) are named with the scenario's own
        // value, after the --set options.
        let page = page_of(serde_json::json!({
            "settings": ["levers.outreach=0.5"],
            "options": [
                {"option": "--replications", "key": "experiment.replications", "value": 5,
                 "scenario": 10},
                {"option": "--seed", "key": "experiment.seed", "value": 1, "scenario": 1}
            ]
        }));
        assert!(
            page.contains(
                "<p>Command-line settings: <code>--set levers.outreach=0.5</code>, \
                 <code>--replications 5</code> (the scenario says 10) and <code>--seed 1</code> \
                 (the scenario's own value).</p>"
            ),
            "{page}"
        );
        let page = page_of(serde_json::json!({"options": [
            {"option": "--seed", "key": "experiment.seed", "value": 7, "scenario": 1}
        ]}));
        assert!(
            page.contains(
                "<p>Command-line settings: <code>--seed 7</code> (the scenario says 1).</p>"
            ),
            "{page}"
        );
        let page = page_of(serde_json::json!({"sweep": [], "settings": []}));
        for part in [
            "<p class=\"key\">",
            "Swept parameters",
            "Command-line settings",
        ] {
            assert!(!page.contains(part), "{part}\n{page}");
        }
    }

    #[test]
    fn numbers_keep_four_significant_decimals_at_most() {
        assert_eq!(fmt_num(f64::NAN), "n/a");
        assert_eq!(fmt_num(f64::INFINITY), "n/a");
        assert_eq!(fmt_num(123.456), "123.5");
        assert_eq!(fmt_num(100.0), "100.0");
        assert_eq!(fmt_num(-250.0), "-250.0");
        assert_eq!(fmt_num(99.994), "99.99");
        assert_eq!(fmt_num(1.0), "1.00");
        assert_eq!(fmt_num(-1.5), "-1.50");
        assert_eq!(fmt_num(0.41234), "0.412");
        assert_eq!(fmt_num(0.0), "0.000");
        assert_eq!(fmt_num(-0.0), "0.000");
        // A value that is not 0 never reads as 0: it gets two significant digits.
        assert_eq!(fmt_num(6e-5), "6.0e-5");
        assert_eq!(fmt_num(-0.00012), "-1.2e-4");
        assert_eq!(fmt_num(0.0004999), "5.0e-4");
        assert_eq!(fmt_num(0.0005), "0.001");
        assert_eq!(fmt_num(0.0012), "0.001");
    }

    /// runs.csv of `replications` baseline runs at the sweep point `point`, without metrics.
    fn baseline_runs(replications: u64, point: &[&str]) -> RunsTable {
        RunsTable {
            swept: vec![],
            metrics: vec![],
            rows: (0..replications)
                .map(|r| coprod_output::read::RunRow {
                    run_id: r,
                    variant: "baseline".into(),
                    point: point.iter().map(|p| p.to_string()).collect(),
                    replication: r,
                    seed: r,
                    values: vec![],
                })
                .collect(),
        }
    }

    /// A run of two replications whose comparison rows have no interval (a failed run left
    /// one pair) does not promise intervals or p-values; one whose rows have some says which
    /// rows lack one.
    #[test]
    fn comparison_note_promises_intervals_only_where_rows_have_them() {
        let dir = tempfile::tempdir().unwrap();
        let comparison = dir.path().join("comparison");
        std::fs::create_dir(&comparison).unwrap();
        std::fs::write(comparison.join("forest_participation_rate.png"), b"\x89PNG").unwrap();
        let row = coprod_output::ComparisonRow {
            variant: "v1".into(),
            against: "baseline".into(),
            point: vec![],
            metric: "participation_rate".into(),
            n: 1,
            against_mean: 0.2,
            variant_mean: 0.3,
            difference: 0.1,
            ci_low: None,
            ci_high: None,
            sd_difference: None,
            effect_size_dz: None,
            p_value: None,
            p_holm: None,
        };
        let page = |rows: &[coprod_output::ComparisonRow]| {
            coprod_output::write_comparison(dir.path(), &[], rows).unwrap();
            let data = RunData {
                dir: dir.path().to_path_buf(),
                summary: SummaryTable::default(),
                runs: baseline_runs(2, &[]),
                aggregates: Default::default(),
                manifest: Some(serde_json::json!({"failed_runs": 1})),
                parameters: None,
            };
            index_page(&data, &[], &[], &|p| p.to_path_buf()).unwrap()
        };
        let unpaired = "A row without an interval has fewer than two pairs of runs with a value \
                        (a run failed, see failures.csv, or a group metric is missing in a run \
                        where no group started).";
        let none = page(std::slice::from_ref(&row));
        assert!(!none.contains("Holm"), "{none}");
        assert!(
            none.contains(&format!(
                "paired on common random numbers, with no interval or \
                                    p-value. {unpaired} The numbers are in"
            )),
            "{none}"
        );
        let with = coprod_output::ComparisonRow {
            n: 2,
            ci_low: Some(0.0),
            ci_high: Some(0.2),
            ..row.clone()
        };
        let some = page(&[with.clone(), row]);
        assert!(
            some.contains(&format!(
                "(adjusted within each variant and metric). {unpaired}"
            )),
            "{some}"
        );
        let all = page(&[with]);
        assert!(
            all.contains("(adjusted within each variant and metric). The numbers are in"),
            "{all}"
        );
    }

    /// A run of one replication, or one whose runs that succeeded are of one replication, has
    /// no interval, and the page says which.
    #[test]
    fn a_run_of_one_replication_names_no_interval() {
        let dir = tempfile::tempdir().unwrap();
        let comparison = dir.path().join("comparison");
        std::fs::create_dir(&comparison).unwrap();
        std::fs::write(comparison.join("forest_participation_rate.png"), b"\x89PNG").unwrap();
        let row = |n: u64, ci: Option<(f64, f64)>| coprod_output::read::SummaryRow {
            variant: "baseline".into(),
            point: vec![],
            metric: "participation_rate".into(),
            mean: 0.25,
            sd: ci.map(|_| 0.1),
            n,
            ci,
        };
        let page_with = |manifest: serde_json::Value,
                         replications: u64,
                         summary: coprod_output::read::SummaryRow| {
            let data = RunData {
                dir: dir.path().to_path_buf(),
                summary: SummaryTable {
                    swept: vec![],
                    rows: vec![summary],
                },
                runs: baseline_runs(replications, &[]),
                aggregates: Default::default(),
                manifest: Some(manifest),
                parameters: None,
            };
            index_page(&data, &[], &[], &|p| p.to_path_buf()).unwrap()
        };
        let page = |replications: u64, summary: coprod_output::read::SummaryRow| {
            page_with(serde_json::json!({}), replications, summary)
        };
        // Two replications, one of which failed: the page must not say it had one.
        let failed = page_with(
            serde_json::json!({"experiment": {"replications": 2}, "failed_runs": 1}),
            1,
            row(1, None),
        );
        assert!(!failed.contains("the run has one replication"), "{failed}");
        for says in [
            "No interval: the runs that succeeded are of one replication (failures.csv lists \
             the others).",
            "with no interval or p-value: the runs that succeeded are of one replication",
        ] {
            assert!(failed.contains(says), "{says}\n{failed}");
        }
        let none = page_with(
            serde_json::json!({"experiment": {"replications": 2}, "failed_runs": 2}),
            0,
            row(0, None),
        );
        assert!(
            none.contains("No interval: no run succeeded (failures.csv says why)."),
            "{none}"
        );
        let one = page(1, row(1, None));
        assert!(
            !one.contains("comparison.csv"),
            "comparison/ without comparison.csv: {one}"
        );
        assert!(!one.contains("95%"), "{one}");
        assert!(!one.contains("Holm"), "{one}");
        assert!(
            one.contains("<th>mean</th><th>n</th></tr>"),
            "no interval column: {one}"
        );
        assert!(
            one.contains(
                "Each value is one run's (summary.csv). No interval: the run has one replication."
            ),
            "{one}"
        );
        assert!(!one.contains("Mean over replications"), "{one}");
        assert!(
            one.contains("with no interval or p-value: the run has one replication"),
            "{one}"
        );
        let two = page(2, row(2, Some((0.2, 0.3))));
        assert!(
            two.contains("<th>mean</th><th>95% CI</th><th>n</th></tr>"),
            "{two}"
        );
        assert!(
            two.contains(
                "Mean over replications with its 95% confidence interval: a t-interval over \
                 the replications, cut to the values the metric can take"
            ),
            "{two}"
        );
        assert!(
            two.contains("* marks a Holm-adjusted p below 0.05"),
            "{two}"
        );
        assert!(
            !two.contains("for a group lifetime"),
            "length unknown: {two}"
        );
        // An interval summary.csv did not cut (written before it cut them) is cut here.
        let old = page(2, row(2, Some((-0.1, 1.2))));
        assert!(old.contains(">0.000 to 1.00<"), "{old}");
        let sixty = page_with(
            serde_json::json!({"experiment": {"replications": 2, "steps": 60}}),
            2,
            row(2, Some((0.2, 0.3))),
        );
        assert!(
            sixty.contains(
                "(0 to 1 for a share or 0-1 scale, 0 to the run's 60 steps for a group \
                 lifetime, at least 0 for the others; summary.csv)"
            ),
            "{sixty}"
        );
    }

    /// The key table of a lab run shows what the lab measures, not the field's metrics
    /// (trust 0, lasting groups n/a), which the folded table says measure nothing there.
    #[test]
    fn a_lab_run_shows_only_what_the_lab_measures() {
        let row = |metric: &str, mean: f64| coprod_output::read::SummaryRow {
            variant: "baseline".into(),
            point: vec![],
            metric: metric.into(),
            mean,
            sd: Some(0.1),
            n: 3,
            ci: Some((mean - 0.1, mean + 0.1)),
        };
        let metrics = [
            "participation_rate",
            "mean_citizen_trust",
            "service_output",
            "mean_contribution",
            "share_lasting_24",
        ];
        let page = |setting: &str| {
            let data = RunData {
                dir: PathBuf::from("no-such-run"),
                summary: SummaryTable {
                    swept: vec![],
                    rows: metrics.iter().map(|m| row(m, 0.5)).collect(),
                },
                runs: baseline_runs(3, &[]),
                aggregates: Default::default(),
                manifest: Some(serde_json::json!({
                    "experiment": {"steps": 10, "replications": 3},
                    "parameters": [
                        {"name": "population.setting", "value": setting},
                        {"name": "lab.mpcr", "value": "0.5"},
                        {"name": "groups.rho", "value": "0.5"}
                    ]
                })),
                parameters: None,
            };
            index_page(&data, &[], &[], &|p| p.to_path_buf()).unwrap()
        };
        let key_table = |page: &str| {
            let summary = &page[page.find("<h2>Summary</h2>").unwrap()..];
            summary[..summary.find("<details>").unwrap()].to_string()
        };
        let lab = page("lab");
        let key = key_table(&lab);
        for (metric, shown) in [
            ("mean_contribution", true),
            ("service_output", true),
            ("participation_rate", false),
            ("mean_citizen_trust", false),
            ("share_lasting_24", false),
        ] {
            let cell = format!("<td>{metric}</td>");
            assert_eq!(key.contains(&cell), shown, "{metric}\n{key}");
            assert!(
                lab.contains(&cell),
                "every metric is in the folded table: {metric}"
            );
        }
        assert!(lab.contains("their values below measure nothing"), "{lab}");
        let field = page("field");
        let key = key_table(&field);
        assert!(key.contains("<td>mean_citizen_trust</td>"), "{key}");
        assert!(!key.contains("<td>mean_contribution</td>"), "{key}");
        assert!(!field.contains("measure nothing"), "{field}");
        // A lab run counts rounds, as its charts do; a field run steps.
        assert!(lab.contains(": 10 rounds each, 3 replications"), "{lab}");
        assert!(field.contains(": 10 steps each, 3 replications"), "{field}");
        // Parameters the runs do not read are folded below those they do.
        let parameters = |page: &str| {
            let section = &page[page.find("<h2>Parameters</h2>").unwrap()..];
            let split = section.find("<details>").unwrap();
            (section[..split].to_string(), section[split..].to_string())
        };
        let (read, unread) = parameters(&lab);
        assert!(read.contains("<code>lab.mpcr</code>"), "{read}");
        assert!(unread.starts_with("<details><summary>1 parameter that a lab run does not read"));
        assert!(unread.contains("<code>groups.rho</code>"), "{unread}");
        let (read, unread) = parameters(&field);
        assert!(read.contains("<code>groups.rho</code>"), "{read}");
        assert!(unread.starts_with("<details><summary>1 parameter that a field run does not read"));
        assert!(unread.contains("<code>lab.mpcr</code>"), "{unread}");
    }

    /// The page points to charts/ when it shows a chart drawn there, and only then.
    #[test]
    fn the_charts_folder_is_named_only_when_a_chart_was_drawn() {
        let dir = tempfile::tempdir().unwrap();
        let stem = dir
            .path()
            .join("charts")
            .join("timeseries_participation_rate");
        std::fs::create_dir(dir.path().join("charts")).unwrap();
        std::fs::write(stem.with_extension("png"), b"\x89PNG").unwrap();
        let chart = ChartFile {
            kind: crate::ChartKind::TimeSeries,
            metric: Some("participation_rate".into()),
            stem,
            title: "Participation rate over time".into(),
            caption: "Mean participation rate at each step.".into(),
        };
        let data = RunData {
            dir: dir.path().to_path_buf(),
            summary: SummaryTable::default(),
            runs: baseline_runs(2, &[]),
            aggregates: Default::default(),
            manifest: None,
            parameters: None,
        };
        let page =
            |charts: &[ChartFile]| index_page(&data, charts, &[], &|p| p.to_path_buf()).unwrap();
        let drawn = page(std::slice::from_ref(&chart));
        assert!(
            drawn.contains("; charts as PNG and SVG in <a href=\"charts/\">charts/</a>."),
            "{drawn}"
        );
        let none = page(&[]);
        assert!(!none.contains("charts as PNG"), "{none}");
        assert!(!none.contains("Redraw them"), "{none}");
        assert!(
            none.contains("<p>No charts: nothing to draw.</p>"),
            "{none}"
        );
    }

    #[test]
    fn the_page_links_the_runs_files_summary_and_comparison() {
        use base64::Engine as _;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for file in ["runs.csv", "parameters.csv"] {
            std::fs::write(root.join(file), "").unwrap();
        }
        let comparison = root.join("comparison");
        std::fs::create_dir(&comparison).unwrap();
        let png = b"\x89PNG forest";
        std::fs::write(comparison.join("forest_participation_rate.png"), png).unwrap();
        std::fs::write(comparison.join("forest_participation_rate.svg"), "<svg/>").unwrap();
        std::fs::write(comparison.join("heatmap.png"), b"\x89PNG other").unwrap();
        let row = |metric: &str, mean: f64| coprod_output::read::SummaryRow {
            variant: "baseline".into(),
            point: vec!["0.5".into()],
            metric: metric.into(),
            mean,
            sd: Some(0.1),
            n: 3,
            ci: Some((0.3, 0.52)),
        };
        let data = RunData {
            dir: root.to_path_buf(),
            summary: SummaryTable {
                swept: vec!["levers.outreach".into()],
                rows: vec![
                    row("participation_rate", 0.41234),
                    row("mean_efficacy", 0.5),
                ],
            },
            // The 3 replications the summary rows count (n = 3).
            runs: baseline_runs(3, &["0.5"]),
            aggregates: Default::default(),
            manifest: Some(serde_json::json!({})),
            parameters: None,
        };
        let page = index_page(&data, &[], &[], &|p| p.to_path_buf()).unwrap();
        assert!(
            page.contains(
                "Files: <a href=\"runs.csv\">runs.csv</a>, <a href=\"parameters.csv\">parameters.csv</a>, \
                 <a href=\"manifest.json\">manifest.json</a>, forest plots of the comparison in \
                 <a href=\"comparison/\">comparison/</a>.</p>"
            ),
            "{page}"
        );
        // No chart was drawn: the page does not send the reader to charts/ for them.
        assert!(!page.contains("charts/"), "{page}");
        // The key metric in the visible table and in the folded one; the other only folded.
        assert!(
            page.contains("<th>variant</th><th>levers.outreach</th><th>metric</th>"),
            "{page}"
        );
        let cells = "<td class=\"num\">0.412</td><td class=\"num\">0.300 to 0.520</td>\
                     <td class=\"num\">3</td></tr>";
        assert_eq!(page.matches(cells).count(), 2, "{page}");
        assert_eq!(page.matches("<td>mean_efficacy</td>").count(), 1, "{page}");
        // The forest plot of comparison/, inlined, and no other file of it.
        assert!(page.contains("<h2>Variants compared</h2>"), "{page}");
        assert_eq!(
            page.matches("src=\"data:image/png;base64,").count(),
            1,
            "{page}"
        );
        let encoded = base64::engine::general_purpose::STANDARD.encode(png);
        assert!(
            page.contains(&format!(
                "base64,{encoded}\"><figcaption><a href=\"comparison/forest_participation_rate.svg\">SVG</a>"
            )),
            "{page}"
        );
    }
}
