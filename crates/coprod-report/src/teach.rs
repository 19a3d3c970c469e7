//! The group-size teaching page: from a run of `scenarios/group-size.toml`, which group size
//! kept co-production going best in each service regime, by how much, how sure we are, and
//! why in the model's own terms; three charts and a one-page explanation in one HTML file.
//!
//! Owns the analysis (best size = argmax of mean `group_survival`, its 95% CI from
//! summary.csv, paired differences from runs.csv) and the wording. Every number in the text
//! is computed from the run directory; nothing is hard-coded from a previous run.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use coprod_plot::{ChartStyle, Series, response_curve, survival_count_curves, time_series};

use crate::charts::survival_classes;
use crate::data::{Estimate, RunData, clip01};
use crate::error::ReportError;
use crate::html::{escape, inline_png, page};

/// The name of the teaching page.
pub const TEACH_HTML: &str = "teach.html";
/// The swept parameter the page is about.
pub const SIZE_PARAM: &str = "levers.group_size_cap";
/// The metric "share of groups still active at the end of the run".
const SURVIVAL: &str = "group_survival";

/// Classes of size caps for participation over time and group endings: (name, smallest,
/// largest).
pub(crate) const CAP_CLASSES: [(&str, u64, u64); 3] = [
    ("small groups (cap 2–5)", 0, 5),
    ("medium groups (cap 6–15)", 6, 15),
    ("large groups (cap 16+)", 16, u64::MAX),
];

/// One size in one regime.
#[derive(Debug, Clone, PartialEq)]
pub struct SizeResult {
    /// The size cap.
    pub size: u64,
    /// Mean share of groups still active at the end, with its CI from summary.csv.
    pub survival: Estimate,
}

/// What one service regime (one variant) shows.
#[derive(Debug, Clone, PartialEq)]
pub struct Regime {
    /// The variant name in the CSVs.
    pub variant: String,
    /// The plain-language name ("per-member service").
    pub label: String,
    /// `per_member` or `joint` (from the variant's parameters), if known.
    pub service: String,
    /// Every size, in increasing order.
    pub sizes: Vec<SizeResult>,
    /// Index into `sizes` of the best size (largest mean survival; the smallest size on ties).
    pub best: usize,
    /// Other sizes whose mean survival equals the best's.
    pub ties: Vec<u64>,
    /// Best minus smallest size, paired by replication.
    pub vs_smallest: Estimate,
    /// Best minus largest size, paired by replication.
    pub vs_largest: Estimate,
    /// Shares of started groups, by cap class: (class, started, ended too few members,
    /// ended failed task, still active).
    pub endings: Vec<(String, u64, u64, u64, u64)>,
}

impl Regime {
    /// The best size's result.
    pub fn best(&self) -> &SizeResult {
        &self.sizes[self.best]
    }
}

/// The analysis of a group-size run: one [`Regime`] per variant.
#[derive(Debug, Clone, PartialEq)]
pub struct Analysis {
    /// Regimes in variant order (baseline first).
    pub regimes: Vec<Regime>,
    /// Steps per run (months).
    pub steps: u64,
    /// Replications per size and regime.
    pub replications: u64,
}

/// Analyses a run directory of the group-size scenario.
///
/// # Errors
/// [`ReportError::Unsuitable`] when the run does not sweep `levers.group_size_cap` over at
/// least two sizes or has no `group_survival` values.
pub fn analyse(data: &RunData) -> Result<Analysis, ReportError> {
    let unsuitable = |message: String| ReportError::Unsuitable {
        dir: data.dir.clone(),
        message,
    };
    let axis = data
        .summary
        .swept
        .iter()
        .position(|s| s == SIZE_PARAM)
        .ok_or_else(|| unsuitable(format!("the run does not sweep `{SIZE_PARAM}`")))?;
    if data.summary.swept.len() != 1 {
        return Err(unsuitable(format!(
            "the run sweeps more than `{SIZE_PARAM}`; the teaching page needs it alone"
        )));
    }
    let column = data
        .run_metric(SURVIVAL)
        .ok_or_else(|| unsuitable(format!("runs.csv has no `{SURVIVAL}` column")))?;
    let mut regimes = Vec::new();
    for variant in data.variants() {
        let mut sizes: Vec<SizeResult> = data
            .summary
            .rows
            .iter()
            .filter(|r| r.variant == variant && r.metric == SURVIVAL)
            .filter_map(|r| {
                let size = r.point[axis].parse::<u64>().ok()?;
                Some(SizeResult {
                    size,
                    // A share: a t-interval from few replications is clipped to 0-1.
                    survival: Estimate {
                        mean: r.mean,
                        ci: r.ci.map(clip01),
                        n: r.n,
                    },
                })
            })
            .collect();
        sizes.sort_by_key(|s| s.size);
        if sizes.len() < 2 {
            return Err(unsuitable(format!(
                "variant `{variant}` has fewer than two group sizes in summary.csv"
            )));
        }
        let best = (0..sizes.len())
            .filter(|&i| sizes[i].survival.mean.is_finite())
            .fold(None, |acc: Option<usize>, i| match acc {
                Some(b) if sizes[b].survival.mean >= sizes[i].survival.mean => Some(b),
                _ => Some(i),
            })
            .ok_or_else(|| {
                unsuitable(format!(
                    "variant `{variant}`: no group started at any size, so survival is undefined"
                ))
            })?;
        let ties = sizes
            .iter()
            .enumerate()
            .filter(|(i, s)| *i != best && s.survival.mean == sizes[best].survival.mean)
            .map(|(_, s)| s.size)
            .collect();
        let point = |size: u64| vec![size.to_string()];
        let best_point = point(sizes[best].size);
        let diff = |other: u64| {
            let other_point = point(other);
            data.paired_difference(column, (&variant, &best_point), (&variant, &other_point))
        };
        let vs_smallest = diff(sizes[0].size);
        let vs_largest = diff(sizes[sizes.len() - 1].size);
        let endings = CAP_CLASSES
            .iter()
            .zip(data.group_endings(|v, _| v == variant))
            .map(|((name, _, _), e)| {
                (
                    name.to_string(),
                    e.started,
                    e.too_few_members,
                    e.failed_task,
                    e.active,
                )
            })
            .collect();
        let service = variant_service(data, &variant);
        let label = match service.as_str() {
            "per_member" => "per-member service".to_string(),
            "joint" => "non-rival joint supply".to_string(),
            _ => format!("variant {variant}"),
        };
        regimes.push(Regime {
            variant,
            label,
            service,
            sizes,
            best,
            ties,
            vs_smallest,
            vs_largest,
            endings,
        });
    }
    let replications = regimes.first().map_or(0, |r| {
        r.sizes.iter().map(|s| s.survival.n).max().unwrap_or(0)
    });
    Ok(Analysis {
        regimes,
        steps: data.steps(),
        replications,
    })
}

/// `groups.service` of a variant: its own setting, else the baseline's, from the manifest.
fn variant_service(data: &RunData, variant: &str) -> String {
    let own = data
        .manifest
        .as_ref()
        .and_then(|m| m.get("variants"))
        .and_then(|v| v.as_array())
        .and_then(|vs| {
            vs.iter()
                .find(|v| v.get("name").and_then(|n| n.as_str()) == Some(variant))
        })
        .and_then(|v| v.get("params"))
        .and_then(|ps| ps.as_array())
        .and_then(|ps| {
            ps.iter()
                .find(|p| p.get("name").and_then(|n| n.as_str()) == Some("groups.service"))
        })
        .and_then(|p| p.get("value"))
        .and_then(|v| v.as_str())
        .map(String::from);
    own.or_else(|| data.parameter("groups.service"))
        .unwrap_or_default()
}

/// A share as a percentage: "42%".
fn pct(v: f64) -> String {
    if v.is_finite() {
        format!("{:.0}%", v * 100.0)
    } else {
        "n/a".into()
    }
}

/// A difference of shares in percentage points: "+31".
fn pp(v: f64) -> String {
    if v.is_finite() {
        format!("{:+.0}", v * 100.0)
    } else {
        "n/a".into()
    }
}

/// "(95% CI 35% to 48%)" for a share.
fn ci_pct(ci: Option<(f64, f64)>) -> String {
    ci.map_or_else(
        || "(no interval: fewer than two replications)".into(),
        |(lo, hi)| format!("(95% CI {} to {})", pct(lo), pct(hi)),
    )
}

/// "(95% CI +20 to +41 points)" for a difference of shares.
fn ci_pp(ci: Option<(f64, f64)>) -> String {
    ci.map_or_else(
        || "(no interval)".into(),
        |(lo, hi)| format!("(95% CI {} to {} points)", pp(lo), pp(hi)),
    )
}

/// A parameter value from the manifest as a number.
fn param(data: &RunData, name: &str, default: f64) -> f64 {
    data.parameter(name)
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The key numbers of one regime as HTML.
fn key_box(r: &Regime, steps: u64) -> String {
    let best = r.best();
    let smallest = r.sizes[0].size;
    let largest = r.sizes[r.sizes.len() - 1].size;
    let mut s = format!(
        "<div class=\"key\"><b>{}</b>: groups of <b>{} members</b> sustained co-production best: \
         <b>{}</b> of them were still active after {steps} months {}.",
        escape(&sentence_case(&r.label)),
        best.size,
        pct(best.survival.mean),
        ci_pct(best.survival.ci)
    );
    if !r.ties.is_empty() {
        let ties: Vec<String> = r.ties.iter().map(u64::to_string).collect();
        let noun = if ties.len() == 1 { "Size" } else { "Sizes" };
        let _ = write!(s, " {noun} {} did exactly as well.", ties.join(", "));
    }
    let near: Vec<String> = r
        .sizes
        .iter()
        .filter(|x| x.size != best.size && !r.ties.contains(&x.size))
        .filter(|x| (best.survival.mean - x.survival.mean).abs() < 0.01)
        .map(|x| x.size.to_string())
        .collect();
    if !near.is_empty() {
        let _ = write!(
            s,
            " {} {} within one percentage point of it.",
            if near.len() == 1 { "Size" } else { "Sizes" },
            near.join(", ") + " came"
        );
    }
    if best.size != smallest {
        let _ = write!(
            s,
            "<br>Against the smallest groups ({smallest} members): {} percentage points {}.",
            pp(r.vs_smallest.mean),
            ci_pp(r.vs_smallest.ci)
        );
    }
    if best.size != largest && !r.ties.contains(&largest) {
        let _ = write!(
            s,
            "<br>Against the largest groups ({largest} members): {} percentage points {}.",
            pp(r.vs_largest.mean),
            ci_pp(r.vs_largest.ci)
        );
    }
    s.push_str("</div>\n");
    s
}

/// The "why" paragraph of one regime, in the model's terms, with this run's numbers.
fn explanation(data: &RunData, r: &Regime, first: bool) -> String {
    let attention = param(data, "behaviour.attention", 3.0);
    let base_coordination = param(data, "groups.coordination_cost", 0.02);
    let coordination = if r.service == "joint" && r.variant != "baseline" {
        // The joint variant of the teaching scenario sets its own coordination cost.
        variant_param(data, &r.variant, "groups.coordination_cost").unwrap_or(base_coordination)
    } else {
        base_coordination
    };
    let min_members = param(data, "groups.min_members", 2.0);
    let per_member = param(data, "groups.min_effort_per_member", 0.1);
    let min_effort = param(data, "groups.min_effort", 0.6);
    let patience = param(data, "groups.failure_patience", 3.0);
    let best = r.best().size;
    let largest = r.sizes[r.sizes.len() - 1].size;
    let visibility = |n: u64| {
        if n <= 1 {
            0.0
        } else {
            (attention / (n as f64 - 1.0)).min(1.0)
        }
    };
    let kept = |n: u64| (1.0 - coordination * (n as f64 - 1.0)).max(0.0);
    let mut s = String::new();
    if first {
        let _ = write!(
            s,
            "<p>Three forces pull against each other. <b>Capacity</b>: a small group has few hands, so \
         its total effort may fall short of the minimum viable effort, and it dissolves when it has \
         fewer than {min_members} active members: as members leave month by month, a very small \
         group is always one or two departures from the end. <b>Free-riding</b>: each member \
         watches at most {attention} fellow members (peer visibility = attention / (n − 1)); in a \
         group of {best} a member sees {vb} of the others, in a group of {largest} only {vl}, so \
         peer pressure fades, conditional cooperators see low contributions, lower their belief and \
         contribute less in turn (conditional cooperation decay). <b>Coordination cost</b>: each \
         extra member costs {cc} of everyone's effort (coordination cost = {cc} × (n − 1)), so a \
         group of {best} keeps {kb} of its effort and a group of {largest} keeps {kl}.",
            min_members = min_members,
            attention = attention,
            vb = pct(visibility(best)),
            vl = pct(visibility(largest)),
            cc = coordination,
            kb = pct(kept(best)),
            kl = pct(kept(largest)),
        );
    } else {
        let _ = write!(
            s,
            "<p>Here a member of a group of {largest} still sees only {vl} of the others, but \
             coordination cost is {cc} per extra member, so that group keeps {kl} of its effort.",
            vl = pct(visibility(largest)),
            cc = coordination,
            kl = pct(kept(largest)),
        );
    }
    if r.service == "per_member" {
        let _ = write!(
            s,
            " In the <b>per-member</b> regime the service is shared among the members, so the \
             minimum viable effort grows with the group ({min_effort} + {per_member} × n effort \
             units) while each member's share of the benefit shrinks. A large group must do more \
             with less effort per member; after {patience} failed months in a row it dissolves.</p>"
        );
    } else if r.service == "joint" {
        let _ = write!(
            s,
            " In the <b>joint</b> regime the service is non-rival: every member gets the full \
             benefit, the minimum viable effort stays at {min_effort} effort units whatever the \
             size, and this variant has no coordination cost. Extra members only add capacity, \
             so free-riding and coordination no longer sink large groups.</p>"
        );
    } else {
        s.push_str("</p>");
    }
    // What ended the groups, by cap class, from groups.csv.
    let _ = write!(
        s,
        "<p>How groups ended in this run ({}):</p><table><tr><th>sizes</th><th>groups started</th>\
         <th>too few members left</th><th>task failed</th><th>still active at the end</th></tr>",
        escape(&r.label)
    );
    for (class, started, few, failed, active) in &r.endings {
        let share = |k: u64| {
            if *started == 0 {
                "–".to_string()
            } else {
                pct(k as f64 / *started as f64)
            }
        };
        let _ = write!(
            s,
            "<tr><td>{}</td><td class=\"num\">{started}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            escape(class),
            share(*few),
            share(*failed),
            share(*active)
        );
    }
    let _ = write!(
        s,
        "</table>\n<p class=\"note\">\"Too few members left\": members left until the group \
         was below {min_members}, the capacity problem. \"Task failed\": the group's effort \
         stayed below the minimum viable effort for {patience} months in a row; in small groups \
         because there are few hands, in large groups because of free-riding and coordination \
         cost.</p>\n"
    );
    s
}

/// A parameter a variant sets, from the manifest.
fn variant_param(data: &RunData, variant: &str, name: &str) -> Option<f64> {
    data.manifest
        .as_ref()?
        .get("variants")?
        .as_array()?
        .iter()
        .find(|v| v.get("name").and_then(|n| n.as_str()) == Some(variant))?
        .get("params")?
        .as_array()?
        .iter()
        .find(|p| p.get("name").and_then(|n| n.as_str()) == Some(name))?
        .get("value")?
        .as_str()?
        .parse()
        .ok()
}

/// The teaching charts, written into `charts_dir`: (png path, alt text, caption).
fn draw(
    data: &RunData,
    analysis: &Analysis,
    charts_dir: &Path,
) -> Result<Vec<(PathBuf, String, String)>, ReportError> {
    std::fs::create_dir_all(charts_dir).map_err(|e| ReportError::io(charts_dir, e))?;
    let mut out = Vec::new();

    // 1. Survival at the horizon against size, both regimes.
    let series: Vec<Series> = analysis
        .regimes
        .iter()
        .map(|r| {
            let x = r.sizes.iter().map(|s| s.size as f64).collect();
            let y = r.sizes.iter().map(|s| s.survival.mean).collect();
            let ci = |f: fn((f64, f64)) -> f64| {
                r.sizes
                    .iter()
                    .map(|s| s.survival.ci.map_or(f64::NAN, f))
                    .collect()
            };
            Series::new(r.label.clone(), x, y).with_band(ci(|c| c.0), ci(|c| c.1))
        })
        .collect();
    let title = format!("Groups still active after {} months", analysis.steps);
    let style = ChartStyle::new(
        title.clone(),
        "group size (members, the cap on recruitment)",
        "share of groups still active (0–1)",
        charts_dir.join("teach_survival_by_size"),
    );
    response_curve(&series, &style)?;
    out.push((
        style.output_stem.with_extension("png"),
        title,
        "Each point is the mean over replications of the share of started groups still active \
         at the end; bars are 95% confidence intervals (clipped to 0–1)."
            .to_string(),
    ));

    // 2. Survival curves and 3. participation over time, one chart per regime.
    let mut pairs: Vec<(PathBuf, String, String)> = Vec::new();
    for r in &analysis.regimes {
        let classes = survival_classes(data, |variant, _| variant == r.variant);
        let title = format!("How long groups last: {}", r.label);
        let style = ChartStyle::new(
            title.clone(),
            "months since the group started",
            "share of groups still active",
            charts_dir.join(format!("teach_survival_curves_{}", r.variant)),
        );
        survival_count_curves(&classes, &style)?;
        pairs.push((
            style.output_stem.with_extension("png"),
            title,
            "Kaplan-Meier curves by the size a group started with: the share of groups still \
             active that many months after they started. Groups still active when the run \
             ended count as censored."
                .to_string(),
        ));
    }
    out.extend(pairs);
    let column = data
        .step_metric("participation_rate")
        .ok_or_else(|| ReportError::Unsuitable {
            dir: data.dir.clone(),
            message: "timeseries.csv has no `participation_rate` column".into(),
        })?;
    for r in &analysis.regimes {
        let series: Vec<Series> = CAP_CLASSES
            .iter()
            .map(|(name, lo, hi)| {
                let (x, y, l, h) = data.step_band(column, |variant, point| {
                    variant == r.variant
                        && point
                            .first()
                            .and_then(|p| p.parse::<u64>().ok())
                            .is_some_and(|c| (*lo..=*hi).contains(&c))
                });
                let pct = |v: Vec<f64>| v.into_iter().map(|x| x * 100.0).collect();
                Series::new(*name, x, pct(y)).with_band(pct(l), pct(h))
            })
            .collect();
        let title = format!("Citizens co-producing: {}", r.label);
        let style = ChartStyle::new(
            title.clone(),
            "time (months)",
            "citizens in an active group (%)",
            charts_dir.join(format!("teach_participation_{}", r.variant)),
        );
        time_series(&series, &style)?;
        out.push((
            style.output_stem.with_extension("png"),
            title,
            "Share of all citizens who are active members of a group, mean over runs with a 95% \
             band."
                .to_string(),
        ));
    }
    Ok(out)
}

/// Writes the teaching page `teach.html` (and its charts under `charts/`) into the run
/// directory `data.dir`; returns the page's path.
///
/// # Errors
/// [`ReportError::Unsuitable`] when the run is not a group-size experiment; I/O and drawing
/// errors naming the file.
pub fn write_teach_page(data: &RunData) -> Result<PathBuf, ReportError> {
    let analysis = analyse(data)?;
    let charts = draw(data, &analysis, &data.dir.join("charts"))?;
    let mut body = String::new();
    let _ = writeln!(
        body,
        "<p>We let simulated citizens form co-production groups of different sizes, from {} to {} \
         members, and counted how many groups were still working after {} months. We did this \
         {} times for each size (different random citizens each time) in two service regimes.</p>",
        analysis.regimes[0].sizes[0].size,
        analysis.regimes[0].sizes[analysis.regimes[0].sizes.len() - 1].size,
        analysis.steps,
        analysis.replications
    );
    for r in &analysis.regimes {
        body.push_str(&key_box(r, analysis.steps));
    }
    let (first, rest) = charts
        .split_first()
        .expect("draw writes the size chart first");
    let figure = |(png, alt, caption): &(PathBuf, String, String)| -> Result<String, ReportError> {
        Ok(format!(
            "<figure>{}<figcaption>{}</figcaption></figure>",
            inline_png(png, alt)?,
            escape(caption)
        ))
    };
    let _ = writeln!(body, "<h2>Which size lasts?</h2>\n{}", figure(first)?);
    size_table(&mut body, &analysis);

    let _ = writeln!(body, "<h2>Why?</h2>");
    for (i, r) in analysis.regimes.iter().enumerate() {
        let _ = writeln!(body, "<h3>{}</h3>", escape(&sentence_case(&r.label)));
        body.push_str(&explanation(data, r, i == 0));
    }
    if let [a, b] = analysis.regimes.as_slice() {
        let _ = writeln!(body, "<h3>What changes between the regimes</h3>");
        let _ = writeln!(
            body,
            "<p>With {}, the best size is {} members ({} still active); with {}, it is {} members \
             ({}). At {} members, {} of groups survive with {} and {} with {}.</p>",
            escape(&a.label),
            a.best().size,
            pct(a.best().survival.mean),
            escape(&b.label),
            b.best().size,
            pct(b.best().survival.mean),
            a.sizes[a.sizes.len() - 1].size,
            pct(a.sizes[a.sizes.len() - 1].survival.mean),
            escape(&a.label),
            pct(b.sizes[b.sizes.len() - 1].survival.mean),
            escape(&b.label),
        );
    }

    let n_regimes = analysis.regimes.len();
    let (survival_charts, participation_charts) = rest.split_at(n_regimes.min(rest.len()));
    let _ = writeln!(body, "<h2>How long groups last</h2>");
    for c in survival_charts {
        body.push_str(&figure(c)?);
    }
    let _ = writeln!(body, "<h2>Participation over time</h2>");
    for c in participation_charts {
        body.push_str(&figure(c)?);
    }
    let quick = data
        .manifest
        .as_ref()
        .and_then(|m| m.get("quick"))
        .and_then(|q| q.as_bool())
        .unwrap_or(false);
    let _ = writeln!(
        body,
        "<h2>About these numbers</h2><p class=\"note\">{} runs of the scenario <code>{}</code> \
         ({} replications per size and regime, {} months each{}). Intervals are 95% t-intervals \
         over replications; differences are paired, because every size and regime of a \
         replication shares its random seed. The CSV files beside this page hold every number; \
         <a href=\"index.html\">index.html</a> shows the full report.</p>",
        data.runs.rows.len(),
        escape(&data.name()),
        analysis.replications,
        analysis.steps,
        if quick {
            "; a quick run with fewer citizens and replications, so intervals are wide"
        } else {
            ""
        }
    );
    let path = data.dir.join(TEACH_HTML);
    std::fs::write(
        &path,
        page("Is there a best group size for co-production?", &body),
    )
    .map_err(|e| ReportError::io(&path, e))?;
    Ok(path)
}

fn sentence_case(text: &str) -> String {
    let mut c = text.chars();
    c.next().map_or_else(String::new, |f| {
        f.to_uppercase().collect::<String>() + c.as_str()
    })
}

fn size_table(body: &mut String, analysis: &Analysis) {
    let _ = write!(body, "<table><tr><th>group size (members)</th>");
    for r in &analysis.regimes {
        let _ = write!(body, "<th>{} (95% CI)</th>", escape(&r.label));
    }
    let _ = writeln!(body, "</tr>");
    let sizes = &analysis.regimes[0].sizes;
    for (i, s) in sizes.iter().enumerate() {
        let _ = write!(body, "<tr><td class=\"num\">{}</td>", s.size);
        for r in &analysis.regimes {
            match r.sizes.get(i) {
                Some(x) => {
                    let text = format!(
                        "{} {}",
                        pct(x.survival.mean),
                        x.survival.ci.map_or_else(String::new, |(lo, hi)| format!(
                            "({} to {})",
                            pct(lo),
                            pct(hi)
                        ))
                    );
                    if i == r.best {
                        let _ = write!(body, "<td class=\"num\"><b>{text}</b></td>");
                    } else {
                        let _ = write!(body, "<td class=\"num\">{text}</td>");
                    }
                }
                None => body.push_str("<td></td>"),
            }
        }
        let _ = writeln!(body, "</tr>");
    }
    let _ = writeln!(body, "</table>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use coprod_output::read::{RunRow, RunsTable, SummaryRow, SummaryTable};

    /// A group-size run in memory: survival per (variant, size) and replication.
    fn data(values: &[(&str, u64, [f64; 3])]) -> RunData {
        let mut runs = Vec::new();
        let mut summary = Vec::new();
        for (variant, size, reps) in values {
            for (r, v) in reps.iter().enumerate() {
                runs.push(RunRow {
                    run_id: runs.len() as u64,
                    variant: variant.to_string(),
                    point: vec![size.to_string()],
                    replication: r as u64,
                    seed: r as u64,
                    values: vec![*v],
                });
            }
            let e = Estimate::of(reps.iter().copied());
            summary.push(SummaryRow {
                variant: variant.to_string(),
                point: vec![size.to_string()],
                metric: SURVIVAL.into(),
                mean: e.mean,
                sd: None,
                n: 3,
                ci: e.ci,
            });
        }
        RunData {
            dir: PathBuf::from("run"),
            summary: SummaryTable {
                swept: vec![SIZE_PARAM.into()],
                rows: summary,
            },
            runs: RunsTable {
                swept: vec![SIZE_PARAM.into()],
                metrics: vec![SURVIVAL.into()],
                rows: runs,
            },
            aggregates: Default::default(),
            manifest: None,
        }
    }

    #[test]
    fn best_size_is_the_argmax_with_paired_differences() {
        let d = data(&[
            ("baseline", 2, [0.1, 0.2, 0.3]),
            ("baseline", 8, [0.5, 0.7, 0.6]),
            ("baseline", 40, [0.0, 0.1, 0.2]),
            ("joint", 2, [0.1, 0.1, 0.1]),
            ("joint", 8, [1.0, 1.0, 1.0]),
            ("joint", 40, [1.0, 1.0, 1.0]),
        ]);
        let a = analyse(&d).unwrap();
        let base = &a.regimes[0];
        assert_eq!(base.best().size, 8);
        assert!((base.vs_smallest.mean - 0.4).abs() < 1e-12);
        assert!((base.vs_largest.mean - 0.5).abs() < 1e-12);
        let (lo, hi) = base.best().survival.ci.unwrap();
        assert!(lo < 0.6 && 0.6 < hi && hi <= 1.0);
        let joint = &a.regimes[1];
        assert_eq!(joint.best().size, 8, "ties go to the smaller size");
        assert_eq!(joint.ties, [40]);
        let text = key_box(joint, 60);
        assert!(text.contains("Size 40 did exactly as well"), "{text}");
        assert!(!text.contains("largest groups"), "no comparison with a tie");
    }

    #[test]
    fn runs_without_a_size_sweep_are_refused() {
        let mut d = data(&[("baseline", 2, [0.1, 0.2, 0.3])]);
        d.summary.swept = vec!["levers.outreach".into()];
        let e = analyse(&d).unwrap_err().to_string();
        assert!(e.contains("does not sweep `levers.group_size_cap`"), "{e}");
    }
}
