//! A run directory read back into memory ([`RunData`]), with the small statistics the
//! charts need: means and 95% intervals over runs, paired differences, metric units.
//!
//! Owns the grouping of rows by variant and sweep point. It does not draw anything.

use std::path::{Path, PathBuf};

use coprod_output::Accumulator;
use coprod_output::read::{
    GroupRow, RunsTable, SummaryTable, TimeseriesTable, read_groups, read_manifest, read_runs,
    read_summary, read_timeseries,
};

use crate::error::ReportError;

/// Everything in a run directory that charts and reports use.
#[derive(Debug, Clone)]
pub struct RunData {
    /// The run directory.
    pub dir: PathBuf,
    /// summary.csv.
    pub summary: SummaryTable,
    /// runs.csv.
    pub runs: RunsTable,
    /// timeseries.csv.
    pub timeseries: TimeseriesTable,
    /// groups.csv.
    pub groups: Vec<GroupRow>,
    /// manifest.json, if present (loose JSON).
    pub manifest: Option<serde_json::Value>,
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
    /// Reads the four CSV files and, if present, manifest.json of `dir`.
    ///
    /// # Errors
    /// [`ReportError::Read`] naming the file when one is missing or malformed.
    pub fn load(dir: &Path) -> Result<RunData, ReportError> {
        Ok(RunData {
            dir: dir.to_path_buf(),
            summary: read_summary(dir)?,
            runs: read_runs(dir)?,
            timeseries: read_timeseries(dir)?,
            groups: read_groups(dir)?,
            manifest: read_manifest(dir)?,
        })
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
        self.timeseries.metrics.iter().position(|m| m == metric)
    }

    /// Steps per run: from the manifest, else one more than the largest step written.
    pub fn steps(&self) -> u64 {
        self.manifest
            .as_ref()
            .and_then(|m| m.pointer("/experiment/steps"))
            .and_then(serde_json::Value::as_u64)
            .unwrap_or_else(|| {
                self.timeseries
                    .rows
                    .iter()
                    .map(|r| r.1 + 1)
                    .max()
                    .unwrap_or(0)
            })
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

    /// A model parameter's value as written in the manifest (baseline), if known.
    pub fn parameter(&self, name: &str) -> Option<String> {
        self.manifest
            .as_ref()?
            .get("parameters")?
            .as_array()?
            .iter()
            .find(|p| p.get("name").and_then(|n| n.as_str()) == Some(name))?
            .get("value")?
            .as_str()
            .map(String::from)
    }

    /// Per-step mean and 95% band of a step metric over the runs that `keep` selects.
    /// Returns `(steps, means, lower, upper)`.
    pub fn step_band(
        &self,
        metric: usize,
        keep: impl Fn(u64) -> bool,
    ) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
        let mut per_step: Vec<Accumulator> = Vec::new();
        for (run_id, step, values) in &self.timeseries.rows {
            let v = values[metric];
            if !keep(*run_id) || !v.is_finite() {
                continue;
            }
            let step = *step as usize;
            if per_step.len() <= step {
                per_step.resize(step + 1, Accumulator::default());
            }
            per_step[step].push(v);
        }
        let mut out = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (step, acc) in per_step.iter().enumerate() {
            let s = acc.summary();
            if s.n == 0 {
                continue;
            }
            let (lo, hi) = s.ci.unwrap_or((s.mean, s.mean));
            out.0.push(step as f64);
            out.1.push(s.mean);
            out.2.push(lo);
            out.3.push(hi);
        }
        out
    }

    /// The variant of each run_id (runs.csv order), for filtering time series and groups.
    pub fn run_variants(&self) -> Vec<(u64, &str, &[String])> {
        self.runs
            .rows
            .iter()
            .map(|r| (r.run_id, r.variant.as_str(), r.point.as_slice()))
            .collect()
    }

    /// Paired differences `a - b` of summary metric `metric` between two (variant, point)
    /// cells, matched by replication; pairs with a non-finite value are left out.
    pub fn paired_difference(
        &self,
        metric: usize,
        a: (&str, &[String]),
        b: (&str, &[String]),
    ) -> Estimate {
        let cell = |(variant, point): (&str, &[String])| {
            let mut values: Vec<(u64, f64)> = self
                .runs
                .rows
                .iter()
                .filter(|r| r.variant == variant && r.point.as_slice() == point)
                .map(|r| (r.replication, r.values[metric]))
                .collect();
            values.sort_by_key(|v| v.0);
            values
        };
        let (xs, ys) = (cell(a), cell(b));
        Estimate::of(
            xs.iter()
                .filter_map(|(rep, x)| ys.iter().find(|(r, _)| r == rep).map(|(_, y)| x - y)),
        )
    }
}

/// The unit of a metric (step or summary), from the model's metric table.
pub(crate) fn metric_unit(metric: &str) -> Option<&'static str> {
    coprod_core::summary_names()
        .into_iter()
        .find(|(n, _, _)| n == metric)
        .map(|(_, u, _)| u)
}

/// Whether a metric is a share or a 0-1 scale, so its intervals can be clipped to [0, 1].
pub(crate) fn is_bounded_01(metric: &str) -> bool {
    metric_unit(metric).is_some_and(|u| u.starts_with("share") || u == "0-1 scale")
}

/// A t-interval of a share clipped to [0, 1] (a t-interval from few replications can reach
/// past the bounds, which would show an impossible negative share).
pub(crate) fn clip01(ci: (f64, f64)) -> (f64, f64) {
    (ci.0.clamp(0.0, 1.0), ci.1.clamp(0.0, 1.0))
}

/// A readable name of a metric: `participation_rate` becomes "participation rate".
pub(crate) fn metric_label(metric: &str) -> String {
    metric.replace('_', " ")
}

/// An axis label with its unit: "participation rate (share of citizens)".
pub fn metric_axis_label(metric: &str) -> String {
    match metric_unit(metric) {
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

#[cfg(test)]
mod tests {
    use super::*;

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
            metric_axis_label("participation_rate"),
            "participation rate (share of citizens)"
        );
        assert_eq!(
            parameter_axis_label("levers.group_size_cap"),
            "group size cap (members)"
        );
    }
}
