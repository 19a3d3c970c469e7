//! Reading a run directory back: the four CSV files (and the manifest, loosely) as typed
//! tables, so that charts and reports can be redrawn from the files alone. The two files that
//! grow with the number of runs, timeseries.csv and groups.csv, can also be streamed row by
//! row ([`each_timeseries`], [`each_group`]) so that a reader keeps only what it aggregates.
//!
//! Owns parsing and validation of what [`crate::Writer`] wrote: column names, the swept
//! parameter columns (found by position, between fixed columns), numbers (finite and within
//! their unit's range; an empty field is a missing value, read as NaN, only in a group
//! metric's column of runs.csv or a mean of summary.csv whose `n` is 0), and, in `agree`,
//! that the files hold the runs the manifest records and agree with each other. Every error
//! names the file and, when it is about a row, the line. It never panics on a malformed file.

mod agree;

use std::path::{Path, PathBuf};

use coprod_core::{GroupLife, GroupRecord};

pub use agree::{Expected, GroupLimits, same_sweep, unlisted_run};
pub(crate) use agree::{GroupIds, started};

use crate::tables::{GROUP_LIFE_COLUMNS, GROUPS_CSV, RUNS_CSV, SUMMARY_CSV, TIMESERIES_CSV};

/// How the values of one metric column are checked, as the reader checks them: a finite
/// number within the range of the metric's unit, or an empty field (a missing value) in a
/// group metric's column only. For [`crate::check_shard`], which checks shard files before
/// they are merged.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MetricCheck {
    bounds: Option<agree::Bounds>,
    may_be_empty: bool,
}

impl MetricCheck {
    /// The check of the metric column `column`.
    pub(crate) fn of(column: &str) -> MetricCheck {
        MetricCheck {
            bounds: agree::bounds(column),
            may_be_empty: coprod_core::GROUP_METRICS.contains(&column),
        }
    }

    /// What `field` should be, if it is not an acceptable value of the column.
    pub(crate) fn problem(&self, field: &str) -> Option<String> {
        if self.may_be_empty && field.trim().is_empty() {
            return None;
        }
        match field.trim().parse::<f64>() {
            Ok(v) if v.is_finite() => agree::out_of_bounds(self.bounds, v)
                .map(|expected| format!("expected {expected}, found {field:?}")),
            _ => Some(format!("expected a finite number, found {field:?}")),
        }
    }
}

pub use crate::files::{ReadError, read_manifest};

/// One CSV record with its line number.
struct Row {
    line: u64,
    record: csv::StringRecord,
}

/// A CSV file opened for reading: its header, and its rows streamed one at a time (a
/// timeseries.csv of a large sweep has millions of rows; they are never all held as text).
struct RawTable {
    path: PathBuf,
    header: Vec<String>,
    reader: csv::Reader<std::fs::File>,
    /// Per column: the range of its metric's values, and whether it is a group metric
    /// (looked up once, not per value).
    bounds: Vec<Option<agree::Bounds>>,
    group_metric: Vec<bool>,
}

impl RawTable {
    /// Opens `path` and reads its header. A file whose last line has no line break is
    /// refused, as `coprod merge` refuses a shard's: it was cut short, perhaps inside its
    /// last field, whose rest would otherwise be read as another value.
    fn read(path: &Path) -> Result<RawTable, ReadError> {
        let file = std::fs::File::open(path).map_err(|source| ReadError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(file);
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| syntax(path, e))?
            .iter()
            .map(String::from)
            .collect();
        if header.iter().all(String::is_empty) {
            return Err(ReadError::Syntax {
                path: path.to_path_buf(),
                message: "the file is empty (no header row)".into(),
            });
        }
        let ends = crate::files::ends_with_line_break(path).map_err(|source| ReadError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        if !ends {
            return Err(ReadError::Syntax {
                path: path.to_path_buf(),
                message: crate::files::CUT_SHORT.into(),
            });
        }
        Ok(RawTable {
            path: path.to_path_buf(),
            bounds: header.iter().map(|h| agree::bounds(h)).collect(),
            group_metric: header
                .iter()
                .map(|h| coprod_core::GROUP_METRICS.contains(&h.as_str()))
                .collect(),
            header,
            reader,
        })
    }

    /// Calls `f` on every row in file order; stops at the first error.
    fn each(
        &mut self,
        mut f: impl FnMut(&RawTable, &Row) -> Result<(), ReadError>,
    ) -> Result<(), ReadError> {
        let mut row = Row {
            line: 0,
            record: csv::StringRecord::new(),
        };
        loop {
            let more = self
                .reader
                .read_record(&mut row.record)
                .map_err(|e| syntax(&self.path, e))?;
            if !more {
                return Ok(());
            }
            row.line = row.record.position().map_or(0, |p| p.line());
            if row.record.len() != self.header.len() {
                return Err(ReadError::Syntax {
                    path: self.path.clone(),
                    message: format!(
                        "line {} has {} fields, the header has {}",
                        row.line,
                        row.record.len(),
                        self.header.len()
                    ),
                });
            }
            f(self, &row)?;
        }
    }

    fn column(&self, name: &str) -> Result<usize, ReadError> {
        self.header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| ReadError::MissingColumn {
                path: self.path.clone(),
                column: name.to_string(),
            })
    }

    fn bad(&self, line: u64, column: usize, message: String) -> ReadError {
        ReadError::BadField {
            path: self.path.clone(),
            line,
            column: self.header[column].clone(),
            message,
        }
    }

    fn text<'r>(&self, row: &'r Row, column: usize) -> &'r str {
        row.record.get(column).unwrap_or("")
    }

    /// A finite number. A run that gives NaN or an infinite number is a failed run with no
    /// row in these files (docs/outputs.md), so such a field, like an empty one, is damage.
    fn float(&self, row: &Row, column: usize) -> Result<f64, ReadError> {
        let field = self.text(row, column);
        match field.trim().parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(self.bad(
                row.line,
                column,
                format!("expected a finite number, found {field:?}"),
            )),
        }
    }

    /// A number or an empty field.
    fn opt_float(&self, row: &Row, column: usize) -> Result<Option<f64>, ReadError> {
        if self.text(row, column).trim().is_empty() {
            Ok(None)
        } else {
            self.float(row, column).map(Some)
        }
    }

    /// A number, NaN for an empty field: a value that is missing (a group metric of a run in
    /// which no group started, or a summary of no run with a value).
    fn float_or_missing(&self, row: &Row, column: usize) -> Result<f64, ReadError> {
        Ok(self.opt_float(row, column)?.unwrap_or(f64::NAN))
    }

    /// The value of `metric`: a number, or NaN for an empty field where the metric is a
    /// group metric (missing when no group started); an empty field of any other metric is
    /// damage, reported as such.
    /// A value outside the range of the metric's unit (a share above 1, a negative count)
    /// is damage too: no run writes it.
    fn metric_value(&self, row: &Row, column: usize) -> Result<f64, ReadError> {
        let v = if self.group_metric[column] {
            self.float_or_missing(row, column)?
        } else {
            self.float(row, column)?
        };
        self.within(row, column, self.bounds[column], v)
    }

    /// `v` of `metric` as read from `column`, if within the range of the metric's unit.
    fn in_range(&self, row: &Row, column: usize, metric: &str, v: f64) -> Result<f64, ReadError> {
        self.within(row, column, agree::bounds(metric), v)
    }

    /// `v` as read from `column`, if within `bounds`.
    fn within(
        &self,
        row: &Row,
        column: usize,
        bounds: Option<agree::Bounds>,
        v: f64,
    ) -> Result<f64, ReadError> {
        match agree::out_of_bounds(bounds, v) {
            Some(expected) => Err(self.bad(
                row.line,
                column,
                format!("expected {expected}, found {:?}", self.text(row, column)),
            )),
            None => Ok(v),
        }
    }

    /// A whole number.
    fn uint(&self, row: &Row, column: usize) -> Result<u64, ReadError> {
        let field = self.text(row, column);
        field.trim().parse::<u64>().map_err(|_| {
            self.bad(
                row.line,
                column,
                format!("expected a whole number, found {field:?}"),
            )
        })
    }

    /// A whole number or an empty field.
    fn opt_uint(&self, row: &Row, column: usize) -> Result<Option<u64>, ReadError> {
        if self.text(row, column).trim().is_empty() {
            Ok(None)
        } else {
            self.uint(row, column).map(Some)
        }
    }
}

/// A CSV syntax error naming the file.
fn syntax(path: &Path, e: csv::Error) -> ReadError {
    ReadError::Syntax {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

/// One row of summary.csv.
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryRow {
    /// Variant name.
    pub variant: String,
    /// Value of each swept parameter, as written.
    pub point: Vec<String>,
    /// Metric name.
    pub metric: String,
    /// Mean over the replications with a value; NaN (an empty field) when none has one
    /// (`n` is 0).
    pub mean: f64,
    /// Sample standard deviation, if n >= 2.
    pub sd: Option<f64>,
    /// Replications with a value.
    pub n: u64,
    /// 95% confidence interval for the mean, if n >= 2.
    pub ci: Option<(f64, f64)>,
}

/// summary.csv.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SummaryTable {
    /// Names of the swept parameters, in column order.
    pub swept: Vec<String>,
    /// The rows, in file order.
    pub rows: Vec<SummaryRow>,
}

/// One row of runs.csv.
#[derive(Clone, Debug, PartialEq)]
pub struct RunRow {
    /// Run number.
    pub run_id: u64,
    /// Variant name.
    pub variant: String,
    /// Value of each swept parameter, as written.
    pub point: Vec<String>,
    /// Replication index.
    pub replication: u64,
    /// The run's seed.
    pub seed: u64,
    /// The summary metrics, in the order of [`RunsTable::metrics`]; NaN where the field is
    /// empty (a group metric of a run in which no group started).
    pub values: Vec<f64>,
}

/// runs.csv.
#[derive(Clone, Debug, PartialEq)]
pub struct RunsTable {
    /// Names of the swept parameters, in column order.
    pub swept: Vec<String>,
    /// Names of the summary metric columns, in column order.
    pub metrics: Vec<String>,
    /// The rows, in file order.
    pub rows: Vec<RunRow>,
}

/// timeseries.csv, column-wise per row.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeseriesTable {
    /// Names of the metric columns, in column order.
    pub metrics: Vec<String>,
    /// `(run_id, step, values)` per row, values in the order of `metrics`.
    pub rows: Vec<(u64, u64, Vec<f64>)>,
}

/// One row of groups.csv (the columns charts need).
#[derive(Clone, Debug, PartialEq)]
pub struct GroupRow {
    /// Run number.
    pub run_id: u64,
    /// Size cap in force when the group opened.
    pub size_cap: u64,
    /// Members at the end of the step it formed.
    pub size_at_formation: u64,
    /// Step it formed.
    pub formed_step: u64,
    /// Step it ended; `None` if still active at the end of the run.
    pub ended_step: Option<u64>,
    /// `active`, `too_few_members`, `failed_task`, `never_started` or `forming`.
    pub end_reason: String,
    /// What the group produced against what its task needed, summed over its producing
    /// months; `None` when groups.csv lacks these columns (a run from before they were
    /// written).
    pub life: Option<GroupLife>,
}

impl GroupRow {
    /// The row that groups.csv holds for `g` of run `run_id`, as reading the file gives it.
    pub fn of(run_id: u64, g: &GroupRecord) -> GroupRow {
        GroupRow {
            run_id,
            size_cap: u64::from(g.size_cap),
            size_at_formation: u64::from(g.size_at_formation),
            formed_step: u64::from(g.formed_step),
            ended_step: g.ended_step.map(u64::from),
            end_reason: g.end_reason.as_str().to_string(),
            life: Some(g.life),
        }
    }
}

/// Reads summary.csv from a run directory, on its own (a row of every run of runs.csv and
/// its counts are checked by [`read_summary_of`]).
///
/// # Errors
/// [`ReadError`] naming the file (and line) when it is missing or malformed.
pub fn read_summary(dir: &Path) -> Result<SummaryTable, ReadError> {
    summary_rows(dir, |_, _| Ok(()), |_, _, _| Ok(()))
}

/// Reads summary.csv of a run directory whose runs.csv holds `runs`, refusing a row
/// repeated or missing, one of a variant, sweep point or metric that `runs` and the
/// manifest's `expected` do not have, and an `n`, mean, sd or interval other than the runs
/// of `runs` give (recomputed as `coprod run` computes them): the page's summary table and
/// response charts would state other runs than those that ran.
///
/// # Errors
/// [`ReadError`] naming the file, and the line and column of a row that disagrees.
pub fn read_summary_of(
    dir: &Path,
    runs: &RunsTable,
    expected: Option<&Expected>,
) -> Result<SummaryTable, ReadError> {
    let counts = agree::RunCounts::of(runs);
    let mut seen = agree::SeenSummary::default();
    let header = |t: &RawTable, c: &SummaryColumns| {
        let swept: Vec<String> = c.point_cols.iter().map(|&p| t.header[p].clone()).collect();
        same_sweep(dir, SUMMARY_CSV, &swept, runs)
    };
    let summary = summary_rows(dir, header, |t, row, c| {
        let metric = t.text(row, c.metric);
        let Some(m) = runs.metrics.iter().position(|r| r == metric) else {
            let message = format!("expected a metric of runs.csv, found {metric:?}");
            return Err(t.bad(row.line, c.metric, message));
        };
        let cell = (t.text(row, c.variant).to_string(), c.point(t, row));
        if let Some(e) = expected {
            agree::cell_is_known(t, row, (c.variant, &c.point_cols), e)?;
        }
        let steps = expected.map(|e| e.steps);
        let st = counts.summary(&cell, m, metric, steps.unwrap_or(0));
        let found = t.uint(row, c.n)?;
        if found != st.n {
            let message = format!(
                "expected {} (the runs of this variant and sweep point in runs.csv with a \
                 value), found {found}",
                st.n
            );
            return Err(t.bad(row.line, c.n, message));
        }
        let uncut = counts.uncut_ci(&cell, m);
        agree::same_summary(t, row, c.stats, (&st, uncut), steps.is_some(), metric)?;
        seen.check(t, row, c.metric, (cell, m))
    })?;
    seen.complete(dir, runs, &counts, expected)?;
    Ok(summary)
}

/// The columns of summary.csv.
struct SummaryColumns {
    variant: usize,
    point_cols: Vec<usize>,
    metric: usize,
    n: usize,
    /// `mean`, `sd`, `ci_low` and `ci_high`.
    stats: [usize; 4],
}

impl SummaryColumns {
    fn point(&self, t: &RawTable, row: &Row) -> Vec<String> {
        self.point_cols
            .iter()
            .map(|&c| t.text(row, c).to_string())
            .collect()
    }
}

/// Reads summary.csv, calling `header` on its columns and `check` on each row before it is
/// read.
fn summary_rows(
    dir: &Path,
    header: impl FnOnce(&RawTable, &SummaryColumns) -> Result<(), ReadError>,
    mut check: impl FnMut(&RawTable, &Row, &SummaryColumns) -> Result<(), ReadError>,
) -> Result<SummaryTable, ReadError> {
    let mut t = RawTable::read(&dir.join(SUMMARY_CSV))?;
    let variant = t.column("variant")?;
    let metric = t.column("metric")?;
    let mean = t.column("mean")?;
    let sd = t.column("sd")?;
    let n = t.column("n")?;
    let ci_low = t.column("ci_low")?;
    let ci_high = t.column("ci_high")?;
    let c = SummaryColumns {
        variant,
        point_cols: between(&t, variant, metric)?,
        metric,
        n,
        stats: [mean, sd, ci_low, ci_high],
    };
    header(&t, &c)?;
    let mut rows = Vec::new();
    t.each(|t, row| {
        check(t, row, &c)?;
        let low = t.opt_float(row, ci_low)?;
        let high = t.opt_float(row, ci_high)?;
        let count = t.uint(row, n)?;
        // No replication with a value (a group metric without groups, or a cell whose every
        // run failed): the mean is empty. Otherwise it is there, whatever the metric.
        let mean = if count == 0 {
            t.float_or_missing(row, mean)?
        } else {
            let v = t.float(row, mean)?;
            t.in_range(row, mean, t.text(row, metric), v)?
        };
        rows.push(SummaryRow {
            variant: t.text(row, variant).to_string(),
            point: c.point(t, row),
            metric: t.text(row, metric).to_string(),
            mean,
            sd: t.opt_float(row, sd)?,
            n: count,
            ci: low.zip(high),
        });
        Ok(())
    })?;
    Ok(SummaryTable {
        swept: c.point_cols.iter().map(|&c| t.header[c].clone()).collect(),
        rows,
    })
}

/// Reads parameters.csv (every parameter as it ran, per variant and sweep point) from a run
/// directory. `Ok(None)` when the directory has none (written before coprod 0.1 recorded it).
///
/// # Errors
/// [`ReadError`] naming the file (and line) when it is malformed.
pub fn read_parameters(dir: &Path) -> Result<Option<ParametersTable>, ReadError> {
    read_parameters_of(dir, None)
}

/// As [`read_parameters`], refusing rows a page would state wrongly: a parameter that is no
/// model parameter, a value outside its parameter's allowed values, a parameter listed twice
/// for one variant and sweep point, a variant and sweep point with other parameters than the
/// first one listed, and (with the manifest's `expected`) a variant or swept value the
/// manifest does not have, or another value of a parameter all its runs shared.
///
/// # Errors
/// [`ReadError`] naming the file, line and column.
pub fn read_parameters_of(
    dir: &Path,
    expected: Option<&Expected>,
) -> Result<Option<ParametersTable>, ReadError> {
    let path = dir.join(crate::PARAMETERS_CSV);
    if !path.exists() {
        return Ok(None);
    }
    let mut t = RawTable::read(&path)?;
    let variant = t.column("variant")?;
    let parameter = t.column("parameter")?;
    let value = t.column("value")?;
    let unit = t.column("unit")?;
    let source = t.column("source")?;
    let point_cols = between(&t, variant, parameter)?;
    let mut rows = Vec::new();
    // The parameters of each variant and sweep point, together and in the order of
    // `coprod list --params`, as coprod writes them: the cell being read (its position in
    // `counts`, and the index of its last parameter), every cell met so far, and how many
    // parameters each has with the line it starts at.
    let mut current: Option<(usize, usize)> = None;
    let mut seen: std::collections::HashSet<(String, Vec<String>)> =
        std::collections::HashSet::new();
    let mut counts: Vec<((String, Vec<String>), u64, u64)> = Vec::new();
    t.each(|t, row| {
        let name = t.text(row, parameter);
        let Some(index) = coprod_core::SPECS.iter().position(|s| s.name == name) else {
            return Err(t.bad(
                row.line,
                parameter,
                format!("expected a model parameter (`coprod list --params`), found {name:?}"),
            ));
        };
        agree::parameter_value(t, row, (value, index), expected)?;
        agree::parameter_labels(t, row, (unit, source), index)?;
        if let Some(e) = expected {
            agree::cell_is_known(t, row, (variant, &point_cols), e)?;
        }
        let v = t.text(row, variant);
        let point: Vec<String> = point_cols
            .iter()
            .map(|&c| t.text(row, c).to_string())
            .collect();
        let cell = (v.to_string(), point);
        match current {
            Some((at, last)) if counts[at].0 == cell => {
                if index <= last {
                    return Err(t.bad(
                        row.line,
                        parameter,
                        format!(
                            "expected each parameter once per variant and sweep point, in the \
                             order of `coprod list --params`, found {name:?} after {:?}",
                            coprod_core::SPECS[last].name
                        ),
                    ));
                }
                counts[at].1 += 1;
                current = Some((at, index));
            }
            _ => {
                // Not the cell being read: met before, it was left and comes back.
                if !seen.insert(cell.clone()) {
                    return Err(t.bad(
                        row.line,
                        variant,
                        format!(
                            "expected the rows of each variant and sweep point together, found \
                             more of variant `{}`{} after those of another",
                            cell.0,
                            at_point(&cell.1)
                        ),
                    ));
                }
                counts.push((cell, 1, row.line));
                current = Some((counts.len() - 1, index));
            }
        }
        rows.push(crate::ParameterRow {
            variant: t.text(row, variant).to_string(),
            point: point_cols
                .iter()
                .map(|&c| t.text(row, c).to_string())
                .collect(),
            parameter: t.text(row, parameter).to_string(),
            value: t.text(row, value).to_string(),
            unit: t.text(row, unit).to_string(),
            source: t.text(row, source).to_string(),
        });
        Ok(())
    })?;
    if let Some(((v, point), count, line)) = counts.iter().find(|(_, n, _)| *n != counts[0].1) {
        let ((first_v, first_point), first_count, first_line) = &counts[0];
        return Err(ReadError::Syntax {
            path: path.clone(),
            message: format!(
                "expected the same parameters for every variant and sweep point, found \
                 {first_count} for variant `{first_v}`{} (from line {first_line}) but {count} for variant \
                 `{v}`{} (from line {line}): rows are missing",
                at_point(first_point),
                at_point(point)
            ),
        });
    }
    Ok(Some(ParametersTable {
        swept: point_cols.iter().map(|&c| t.header[c].clone()).collect(),
        rows,
    }))
}

/// ` at VALUE, VALUE` for a sweep point, or nothing without a sweep.
fn at_point(point: &[String]) -> String {
    if point.is_empty() {
        String::new()
    } else {
        format!(" at {}", point.join(", "))
    }
}

/// parameters.csv read back.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ParametersTable {
    /// The swept parameter columns, in order.
    pub swept: Vec<String>,
    /// Every row, in file order.
    pub rows: Vec<crate::ParameterRow>,
}

impl ParametersTable {
    /// The value of `parameter` in (variant, point), as text.
    pub fn value(&self, variant: &str, point: &[String], parameter: &str) -> Option<&str> {
        self.row(variant, point, parameter)
            .map(|r| r.value.as_str())
    }

    /// The row of `parameter` in (variant, point).
    pub fn row(
        &self,
        variant: &str,
        point: &[String],
        parameter: &str,
    ) -> Option<&crate::ParameterRow> {
        self.rows
            .iter()
            .find(|r| r.variant == variant && r.point == point && r.parameter == parameter)
    }
}

/// The rows comparison.csv holds, as (variant, against, sweep point, metric), in file order;
/// `Ok(None)` when the directory has no comparison.csv. Lets `coprod compare` say what a new
/// comparison would drop before replacing the file.
///
/// # Errors
/// [`ReadError`] naming the file (and line) when it is malformed.
pub fn read_comparison_keys(dir: &Path) -> Result<Option<Vec<ComparisonKey>>, ReadError> {
    let path = dir.join(crate::COMPARISON_CSV);
    if !path.exists() {
        return Ok(None);
    }
    let mut t = RawTable::read(&path)?;
    let variant = t.column("variant")?;
    // Files written before `--against` existed compared with the baseline.
    let against = t.column("against").ok();
    let metric = t.column("metric")?;
    let point_cols = between(&t, against.unwrap_or(variant), metric)?;
    let mut rows = Vec::new();
    t.each(|t, row| {
        rows.push(ComparisonKey {
            variant: t.text(row, variant).to_string(),
            against: against.map_or_else(|| "baseline".into(), |c| t.text(row, c).to_string()),
            point: point_cols
                .iter()
                .map(|&c| t.text(row, c).to_string())
                .collect(),
            metric: t.text(row, metric).to_string(),
        });
        Ok(())
    })?;
    Ok(Some(rows))
}

/// How many rows of comparison.csv have a 95% interval and how many have none, as
/// `(with, without)`; `Ok(None)` when the directory has no comparison.csv. A row has none
/// when fewer than two replications pair (a run failed, or a group metric is missing), so
/// a page must not promise intervals from the number of replications alone.
///
/// # Errors
/// [`ReadError`] naming the file (and line) when it is malformed.
pub fn read_comparison_intervals(dir: &Path) -> Result<Option<(usize, usize)>, ReadError> {
    let path = dir.join(crate::COMPARISON_CSV);
    if !path.exists() {
        return Ok(None);
    }
    let mut t = RawTable::read(&path)?;
    let ci_low = t.column("ci_low")?;
    let mut counts = (0, 0);
    t.each(|t, row| {
        if t.text(row, ci_low).trim().is_empty() {
            counts.1 += 1;
        } else {
            counts.0 += 1;
        }
        Ok(())
    })?;
    Ok(Some(counts))
}

/// What one row of comparison.csv compares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ComparisonKey {
    /// The variant.
    pub variant: String,
    /// The reference it is compared with.
    pub against: String,
    /// The sweep point.
    pub point: Vec<String>,
    /// The metric.
    pub metric: String,
}

/// Reads runs.csv from a run directory, on its own (without a manifest to check it against;
/// a run listed twice is refused all the same).
///
/// # Errors
/// [`ReadError`] naming the file (and line) when it is missing or malformed.
pub fn read_runs(dir: &Path) -> Result<RunsTable, ReadError> {
    read_runs_of(dir, None)
}

/// Reads runs.csv from a run directory whose manifest records `expected`: a row of a
/// variant, sweep point, replication or run id the manifest does not have, and swept
/// columns other than its sweep, are refused with the rest of the damage [`read_runs`]
/// refuses (every end-of-run metric a column, values in their unit's range, each run once).
///
/// # Errors
/// [`ReadError`] naming the file, and the line and column of a row that disagrees.
pub fn read_runs_of(dir: &Path, expected: Option<&Expected>) -> Result<RunsTable, ReadError> {
    let mut t = RawTable::read(&dir.join(RUNS_CSV))?;
    let run_id = t.column("run_id")?;
    let (variant, replication) = (t.column("variant")?, t.column("replication")?);
    let seed = t.column("seed")?;
    let c = agree::RunColumns {
        run_id,
        variant,
        point: between(&t, variant, replication)?,
        replication,
        seed,
    };
    let metric_cols: Vec<usize> = (seed + 1..t.header.len()).collect();
    let names: Vec<String> = coprod_core::summary_names()
        .into_iter()
        .map(|(n, _, _)| n)
        .collect();
    agree::metric_columns(&t, &metric_cols, &names)?;
    if let Some(e) = expected {
        agree::swept_columns(&t, &c.point, e)?;
    }
    let mut seen = agree::SeenRuns::default();
    let mut rows = Vec::new();
    t.each(|t, row| {
        seen.check(t, row, &c, expected)?;
        rows.push(RunRow {
            run_id: t.uint(row, c.run_id)?,
            variant: t.text(row, c.variant).to_string(),
            point: c
                .point
                .iter()
                .map(|&p| t.text(row, p).to_string())
                .collect(),
            replication: t.uint(row, c.replication)?,
            seed: t.uint(row, seed)?,
            values: metric_cols
                .iter()
                .map(|&m| t.metric_value(row, m))
                .collect::<Result<_, _>>()?,
        });
        Ok(())
    })?;
    Ok(RunsTable {
        swept: c.point.iter().map(|&p| t.header[p].clone()).collect(),
        metrics: metric_cols.iter().map(|&m| t.header[m].clone()).collect(),
        rows,
    })
}

/// Reads timeseries.csv from a run directory into memory (one `Vec` per row: for small runs
/// and tests; reports stream it with [`each_timeseries`]).
///
/// # Errors
/// [`ReadError`] naming the file (and line) when it is missing or malformed.
pub fn read_timeseries(dir: &Path) -> Result<TimeseriesTable, ReadError> {
    let mut rows = Vec::new();
    let read = each_timeseries(dir, None, None, |run_id, step, values| {
        rows.push((run_id, step, values.to_vec()));
    })?;
    Ok(TimeseriesTable {
        metrics: read.metrics,
        rows,
    })
}

/// What streaming timeseries.csv found besides its rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Timeseries {
    /// The metric columns, in column order.
    pub metrics: Vec<String>,
    /// The steps of each run, by run id.
    pub steps: std::collections::BTreeMap<u64, u64>,
}

impl Timeseries {
    /// Refuses a timeseries.csv whose runs are not those of `runs` (runs.csv), each with
    /// the manifest's steps (`expected`; without one, as many as every other run).
    ///
    /// # Errors
    /// [`ReadError::Syntax`] naming timeseries.csv and the run.
    pub fn covers(
        &self,
        dir: &Path,
        runs: &RunsTable,
        expected: Option<&Expected>,
    ) -> Result<(), ReadError> {
        agree::timeseries_covers(dir, runs, &self.steps, expected)
    }
}

/// Streams timeseries.csv: calls `f(run_id, step, values)` on each row in file order, values
/// in the order of the returned metric names. Holds one row at a time, so memory does not
/// grow with the number of runs. Each run's rows must be together, with steps from 0 one by
/// one, below `steps` (the manifest's, when known), and (given runs.csv's `runs`) name the
/// run as runs.csv does: its `variant`, swept values and `replication` (a file from before
/// timeseries.csv repeated them has no `variant` column, and is read without).
///
/// # Errors
/// [`ReadError`] naming the file (and line) when it is missing or malformed; rows before the
/// bad one have been passed to `f`.
pub fn each_timeseries(
    dir: &Path,
    runs: Option<&RunsTable>,
    steps: Option<u64>,
    mut f: impl FnMut(u64, u64, &[f64]),
) -> Result<Timeseries, ReadError> {
    let mut t = RawTable::read(&dir.join(TIMESERIES_CSV))?;
    let run_id = t.column("run_id")?;
    let step = t.column("step")?;
    let mut identity = match runs {
        Some(runs) => agree::RunIdentity::of(&t, dir, runs)?,
        None => None,
    };
    // The metrics follow `step`; the columns before it name the run.
    let metric_cols: Vec<usize> = (step + 1..t.header.len()).collect();
    let names: Vec<String> = coprod_core::METRICS
        .iter()
        .map(|(n, _, _)| n.to_string())
        .collect();
    agree::metric_columns(&t, &metric_cols, &names)?;
    let mut seen = agree::Steps::default();
    let mut values = vec![0.0; metric_cols.len()];
    t.each(|t, row| {
        let (id, at) = seen.check(t, row, (run_id, step), steps)?;
        if let Some(identity) = &mut identity {
            identity.check(t, row, id)?;
        }
        for (v, &c) in values.iter_mut().zip(&metric_cols) {
            *v = t.metric_value(row, c)?;
        }
        f(id, at, &values);
        Ok(())
    })?;
    Ok(Timeseries {
        metrics: metric_cols.iter().map(|&c| t.header[c].clone()).collect(),
        steps: seen.of_run,
    })
}

/// Reads groups.csv from a run directory into memory (for small runs and tests; reports
/// stream it with [`each_group`]).
///
/// # Errors
/// [`ReadError`] naming the file (and line) when it is missing or malformed.
pub fn read_groups(dir: &Path) -> Result<Vec<GroupRow>, ReadError> {
    let mut rows = Vec::new();
    each_group(dir, &GroupLimits::default(), |g| rows.push(g.clone()))?;
    Ok(rows)
}

/// What streaming groups.csv found besides its rows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Groups {
    /// The started groups (neither `never_started` nor `forming`) of each run, by run id.
    pub started: std::collections::BTreeMap<u64, u64>,
}

impl Groups {
    /// Refuses a groups.csv whose started groups of a run of `runs` (runs.csv) are not as
    /// many as its `groups_started`: a group row deleted, added, or a file holding only
    /// its header.
    ///
    /// # Errors
    /// [`ReadError::Syntax`] naming groups.csv and the run.
    pub fn covers(&self, dir: &Path, runs: &RunsTable) -> Result<(), ReadError> {
        agree::groups_cover(dir, runs, &self.started)
    }
}

/// Streams groups.csv: calls `f` on each row in file order. One row is held at a time (a
/// large sweep writes millions of groups). Each run's rows must be together, with group ids
/// from 0 one by one, a known `end_reason` and `task` (`specific` where no `organisation`
/// is), an `organisation` and `community` among the run's (when `limits` knows them), a
/// `size_cap` the model allows, `formed_step` <= `ended_step` below the steps of `limits`
/// (the manifest's, when known), `ended_step` empty exactly for a group `active` or
/// `forming` at the end, and production columns (when there) as the model sums them over
/// the months the group produced: those months from `formed_step` to `ended_step` (or the
/// last step), `months_met` at most them, from 1 to `size_at_formation` members a month
/// (`size_at_formation` in the first), non-negative amounts, all 0 for a group that never
/// produced, `first_effort` at most `effort` and `coordinated_labour` at most `labour`.
///
/// # Errors
/// [`ReadError`] naming the file (and line) when it is missing or malformed; rows before the
/// bad one have been passed to `f`.
pub fn each_group(
    dir: &Path,
    limits: &GroupLimits,
    mut f: impl FnMut(&GroupRow),
) -> Result<Groups, ReadError> {
    let mut t = RawTable::read(&dir.join(GROUPS_CSV))?;
    let life: Option<[usize; 9]> = if t.header.iter().any(|h| h == GROUP_LIFE_COLUMNS[0]) {
        let mut columns = [0; 9];
        for (c, name) in columns.iter_mut().zip(GROUP_LIFE_COLUMNS) {
            *c = t.column(name)?;
        }
        Some(columns)
    } else {
        None
    };
    let c = agree::GroupColumns {
        run_id: t.column("run_id")?,
        group_id: t.column("group_id")?,
        // Optional as the charts do not need them; checked when there.
        organisation: t.column("organisation").ok(),
        community: t.column("community").ok(),
        task: t.column("task").ok(),
        size_cap: t.column("size_cap")?,
        size_at_formation: t.column("size_at_formation")?,
        formed_step: t.column("formed_step")?,
        ended_step: t.column("ended_step")?,
        end_reason: t.column("end_reason")?,
        life,
    };
    // One row reused, so that its `end_reason` string is not allocated afresh per group.
    let mut group = GroupRow {
        run_id: 0,
        size_cap: 0,
        size_at_formation: 0,
        formed_step: 0,
        ended_step: None,
        end_reason: String::new(),
        life: None,
    };
    let mut seen = agree::SeenGroups::default();
    t.each(|t, row| {
        group.run_id = t.uint(row, c.run_id)?;
        group.size_cap = t.uint(row, c.size_cap)?;
        group.size_at_formation = t.uint(row, c.size_at_formation)?;
        group.formed_step = t.uint(row, c.formed_step)?;
        group.ended_step = t.opt_uint(row, c.ended_step)?;
        group.end_reason.clear();
        group.end_reason.push_str(t.text(row, c.end_reason));
        if let Some(c) = &c.life {
            let whole = |k: usize| -> Result<u32, ReadError> {
                let v = t.uint(row, c[k])?;
                u32::try_from(v).map_err(|_| t.bad(row.line, c[k], format!("{v} is too large")))
            };
            group.life = Some(GroupLife {
                months: whole(0)?,
                member_months: whole(1)?,
                first_effort: t.float(row, c[2])?,
                effort: t.float(row, c[3])?,
                labour: t.float(row, c[4])?,
                coordinated: t.float(row, c[5])?,
                input: t.float(row, c[6])?,
                needed: t.float(row, c[7])?,
                months_met: whole(8)?,
            });
        }
        seen.check(t, row, &c, &group, limits)?;
        f(&group);
        Ok(())
    })?;
    Ok(Groups {
        started: seen.started,
    })
}

/// What streaming a run directory's timeseries.csv and groups.csv ([`each_row`]) passes
/// each row to.
pub trait RowSink {
    /// A row of timeseries.csv: run `run_id`'s step metrics at `step`.
    fn step(&mut self, run_id: u64, step: u64, values: &[f64]);
    /// A row of groups.csv.
    fn group(&mut self, g: &GroupRow);
}

/// Checks only: `coprod merge` reads a shard's rows back to refuse it, and keeps nothing.
impl RowSink for () {
    fn step(&mut self, _: u64, _: u64, _: &[f64]) {}
    fn group(&mut self, _: &GroupRow) {}
}

/// Streams timeseries.csv and then groups.csv of `dir` once each ([`each_timeseries`],
/// [`each_group`]), passing each row to `sink`, against runs.csv's `runs`: refused are
/// rows of a run `runs` does not list, a timeseries row that names its run otherwise than
/// runs.csv or a run without the manifest's steps (`expected`), a group its run cannot
/// have made (its organisations and communities from `parameters`, else the manifest), and
/// a run whose started groups are not as many as its `groups_started`. `coprod plot` reads
/// a run directory so, and `coprod merge` each shard, so that it merges none that the
/// read-back of the merged directory would refuse. Returns timeseries.csv's metric columns.
///
/// # Errors
/// [`ReadError`] naming the file, and the line and column of a row that disagrees.
pub fn each_row(
    dir: &Path,
    runs: &RunsTable,
    parameters: Option<&ParametersTable>,
    expected: Option<&Expected>,
    sink: &mut impl RowSink,
) -> Result<Vec<String>, ReadError> {
    let steps = expected.map(|e| e.steps);
    let series = each_timeseries(dir, Some(runs), steps, |run_id, step, values| {
        sink.step(run_id, step, values)
    })?;
    series.covers(dir, runs, expected)?;
    let listed: std::collections::HashSet<u64> = runs.rows.iter().map(|r| r.run_id).collect();
    let mut unlisted = None;
    let limits = GroupLimits::of(runs, parameters, expected);
    let groups = each_group(dir, &limits, |g| {
        if !listed.contains(&g.run_id) {
            unlisted.get_or_insert(g.run_id);
        }
        sink.group(g)
    })?;
    if let Some(run_id) = unlisted {
        return Err(unlisted_run(dir, GROUPS_CSV, run_id));
    }
    groups.covers(dir, runs)?;
    Ok(series.metrics)
}

/// A parameter's value in manifest.json's `parameters` list (the values every run shared).
pub fn manifest_parameter<'a>(
    manifest: Option<&'a serde_json::Value>,
    name: &str,
) -> Option<&'a str> {
    manifest?
        .get("parameters")?
        .as_array()?
        .iter()
        .find(|p| p.get("name").and_then(|n| n.as_str()) == Some(name))?
        .get("value")?
        .as_str()
}

/// Whether a run directory holds runs of the lab setting (`population.setting = "lab"`),
/// whose metrics are of rounds of a public-goods game, not months of co-production: from
/// parameters.csv, else (a directory written before it) from the manifest. A scenario runs
/// one setting in every run, so any lab row means a lab directory.
pub fn ran_lab(parameters: Option<&ParametersTable>, manifest: Option<&serde_json::Value>) -> bool {
    const SETTING: &str = "population.setting";
    match parameters {
        Some(t) => t
            .rows
            .iter()
            .any(|r| r.parameter == SETTING && r.value == "lab"),
        None => manifest_parameter(manifest, SETTING) == Some("lab"),
    }
}

/// The columns strictly between two fixed columns (the swept parameters).
fn between(t: &RawTable, first: usize, last: usize) -> Result<Vec<usize>, ReadError> {
    if last <= first {
        return Err(ReadError::Syntax {
            path: t.path.clone(),
            message: format!(
                "column `{}` must come before `{}`",
                t.header[first], t.header[last]
            ),
        });
    }
    Ok((first + 1..last).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MANIFEST_JSON;

    fn write(dir: &Path, name: &str, text: &str) {
        std::fs::write(dir.join(name), text).unwrap();
    }

    #[test]
    fn the_setting_comes_from_parameters_csv_else_the_manifest() {
        let row = |value: &str| crate::ParameterRow {
            variant: "baseline".into(),
            point: Vec::new(),
            parameter: "population.setting".into(),
            value: value.into(),
            unit: "option".into(),
            source: "scenario".into(),
        };
        let table = |value: &str| ParametersTable {
            swept: Vec::new(),
            rows: vec![row(value)],
        };
        let manifest = |value: &str| serde_json::json!({"parameters": [{"name": "population.setting", "value": value}]});
        assert!(ran_lab(Some(&table("lab")), None));
        assert!(!ran_lab(Some(&table("field")), None));
        // parameters.csv, when there, is what the runs used; the manifest is the fallback.
        assert!(!ran_lab(Some(&table("field")), Some(&manifest("lab"))));
        assert!(ran_lab(None, Some(&manifest("lab"))));
        assert!(!ran_lab(None, Some(&manifest("field"))));
        assert!(!ran_lab(None, None));
    }

    /// A metrics file: `ids` (the header of the columns before the metrics) and one line
    /// per row, each its identifying fields and the metrics `set`, every other metric 0.
    fn with_metrics(names: &[String], ids: &str, rows: &[(&str, &[(&str, &str)])]) -> String {
        let mut text = format!("{ids},{}\n", names.join(","));
        for (fields, set) in rows {
            let values: Vec<&str> = names
                .iter()
                .map(|n| set.iter().find(|(m, _)| m == n).map_or("0", |(_, v)| *v))
                .collect();
            text += &format!("{fields},{}\n", values.join(","));
        }
        text
    }

    /// runs.csv with every end-of-run metric.
    fn runs_file(ids: &str, rows: &[(&str, &[(&str, &str)])]) -> String {
        let names: Vec<String> = coprod_core::summary_names()
            .into_iter()
            .map(|(n, _, _)| n)
            .collect();
        with_metrics(&names, ids, rows)
    }

    /// timeseries.csv with every step metric.
    fn timeseries_file(rows: &[(&str, &[(&str, &str)])]) -> String {
        let names: Vec<String> = coprod_core::METRICS
            .iter()
            .map(|m| m.0.to_string())
            .collect();
        with_metrics(&names, "run_id,variant,replication,step", rows)
    }

    /// The message of reading runs.csv `text` back.
    fn runs_error(dir: &Path, text: &str, expected: Option<&Expected>) -> String {
        write(dir, RUNS_CSV, text);
        read_runs_of(dir, expected).map_or_else(|e| e.to_string(), |_| String::new())
    }

    #[test]
    fn reads_swept_columns_and_empty_fields() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            SUMMARY_CSV,
            "variant,levers.group_size_cap,metric,mean,sd,n,ci_low,ci_high\n\
             baseline,4,share_active_at_end,0.5,,1,,\n\
             joint,8,share_active_at_end,0.25,0.1,3,0.2,0.9\n",
        );
        let s = read_summary(tmp.path()).unwrap();
        assert_eq!(s.swept, ["levers.group_size_cap"]);
        assert_eq!(s.rows[0].point, ["4"]);
        assert_eq!(s.rows[0].ci, None);
        assert_eq!(s.rows[1].mean, 0.25);
        assert_eq!(s.rows[1].ci, Some((0.2, 0.9)));
    }

    #[test]
    fn empty_metric_fields_read_as_missing() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            SUMMARY_CSV,
            "variant,metric,mean,sd,n,ci_low,ci_high\nbaseline,share_lasting_24,,,0,,\n",
        );
        let s = read_summary(tmp.path()).unwrap();
        assert!(s.rows[0].mean.is_nan());
        assert_eq!(s.rows[0].n, 0);
        let text = runs_file(
            "run_id,variant,replication,seed",
            &[(
                "0,baseline,0,7",
                &[("groups_started", "0"), ("share_lasting_24", "")],
            )],
        );
        write(tmp.path(), RUNS_CSV, &text);
        let runs = read_runs(tmp.path()).unwrap();
        let value =
            |m: &str| runs.rows[0].values[runs.metrics.iter().position(|n| n == m).unwrap()];
        assert_eq!(value("groups_started"), 0.0);
        assert!(value("share_lasting_24").is_nan());
    }

    /// Only a group metric can be missing from a run: an empty field of another metric is
    /// damage. In summary.csv any metric's mean is empty where `n` is 0 (a sweep point whose
    /// every run failed), and only there.
    #[test]
    fn an_empty_field_of_another_metric_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let text = runs_file(
            "run_id,variant,replication,seed",
            &[("0,baseline,0,7", &[("participation_rate", "")])],
        );
        let err = runs_error(tmp.path(), &text, None);
        assert!(
            err.contains("runs.csv:2: column `participation_rate`"),
            "{err}"
        );
        write(
            tmp.path(),
            SUMMARY_CSV,
            "variant,metric,mean,sd,n,ci_low,ci_high\nbaseline,participation_rate,,,2,,\n",
        );
        assert!(read_summary(tmp.path()).is_err());
        // A group metric's mean is there too when some run has a value.
        write(
            tmp.path(),
            SUMMARY_CSV,
            "variant,metric,mean,sd,n,ci_low,ci_high\nbaseline,share_lasting_24,,,2,,\n",
        );
        assert!(read_summary(tmp.path()).is_err());
        write(
            tmp.path(),
            SUMMARY_CSV,
            "variant,metric,mean,sd,n,ci_low,ci_high\nbaseline,participation_rate,,,0,,\n",
        );
        let summary = read_summary(tmp.path()).unwrap();
        assert!(summary.rows[0].mean.is_nan());
        assert_eq!(summary.rows[0].n, 0);
    }

    /// No run writes NaN, an infinite number, or a value outside its unit's range (a share
    /// above 1, a negative count): each is refused with file, line, column and the range.
    #[test]
    fn non_finite_and_out_of_range_values_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let ids = "run_id,variant,replication,seed";
        let cases = [
            (
                "participation_rate",
                "NaN",
                "expected a finite number, found \"NaN\"",
            ),
            (
                "participation_rate",
                "inf",
                "expected a finite number, found \"inf\"",
            ),
            (
                "participation_rate",
                "5",
                "expected a value from 0 to 1 (share of citizens), found \"5\"",
            ),
            (
                "participation_rate",
                "-1",
                "expected a value from 0 to 1 (share of citizens)",
            ),
            (
                "share_lasting_24",
                "1.5",
                "expected a value from 0 to 1 (share of groups)",
            ),
            (
                "groups_started",
                "-2",
                "expected a value of at least 0 (groups), found \"-2\"",
            ),
        ];
        for (metric, value, said) in cases {
            let text = runs_file(
                ids,
                &[
                    ("0,baseline,0,7", &[]),
                    ("1,baseline,1,8", &[(metric, value)]),
                ],
            );
            let err = runs_error(tmp.path(), &text, None);
            assert!(
                err.contains(&format!("runs.csv:3: column `{metric}`: {said}")),
                "{err}"
            );
        }
        // Rounding at a bound is not damage.
        let text = runs_file(
            ids,
            &[(
                "0,baseline,0,7",
                &[("participation_rate", "1.0000000000000002")],
            )],
        );
        assert_eq!(runs_error(tmp.path(), &text, None), "");
        write(
            tmp.path(),
            TIMESERIES_CSV,
            &timeseries_file(&[("0,baseline,0,0", &[("mean_efficacy", "2")])]),
        );
        let err = read_timeseries(tmp.path()).unwrap_err().to_string();
        assert!(
            err.contains(
                "timeseries.csv:2: column `mean_efficacy`: expected a value from 0 to 1 (0-1 scale)"
            ),
            "{err}"
        );
        write(
            tmp.path(),
            SUMMARY_CSV,
            "variant,metric,mean,sd,n,ci_low,ci_high\nbaseline,participation_rate,3,,1,,\n",
        );
        let err = read_summary(tmp.path()).unwrap_err().to_string();
        assert!(
            err.contains("summary.csv:2: column `mean`: expected a value from 0 to 1"),
            "{err}"
        );
    }

    /// A metric column missing, or one coprod does not write, is named; the charts would
    /// otherwise leave the metric out with a note that blames the metric.
    #[test]
    fn metric_columns_must_be_those_coprod_writes() {
        let tmp = tempfile::tempdir().unwrap();
        let text = runs_file(
            "run_id,variant,replication,seed",
            &[("0,baseline,0,7", &[])],
        );
        let cut = text
            .replace("participation_rate,", "")
            .replacen("0,", "", 5);
        let err = runs_error(tmp.path(), &cut, None);
        assert!(
            err.contains("runs.csv: missing column `participation_rate`"),
            "{err}"
        );
        let ts = timeseries_file(&[("0,baseline,0,0", &[])]);
        let cut = ts
            .replacen(",participation_rate", "", 1)
            .replacen(",0,0,0,0,", ",0,0,0,", 1);
        write(tmp.path(), TIMESERIES_CSV, &cut);
        let err = read_timeseries(tmp.path()).unwrap_err().to_string();
        assert!(
            err.contains("timeseries.csv: missing column `participation_rate`"),
            "{err}"
        );
        let renamed = ts.replacen("participation_rate", "participation", 1);
        write(tmp.path(), TIMESERIES_CSV, &renamed);
        let err = read_timeseries(tmp.path()).unwrap_err().to_string();
        assert!(
            err.contains("timeseries.csv: missing column `participation_rate`"),
            "{err}"
        );
    }

    /// What the manifest records of an experiment: two variants, a sweep over two values,
    /// two replications of 3 steps, 8 runs.
    fn expected() -> Expected {
        Expected {
            variants: vec!["baseline".into(), "joint".into()],
            sweep: vec![("levers.outreach".into(), vec!["0".into(), "0.5".into()])],
            sweep_points: 2,
            replications: 2,
            steps: 3,
            runs: 8,
            shared: Vec::new(),
            // The seeds the rows of these tests give replications 0 and 1.
            seeds: vec![7, 8],
        }
    }

    /// A run listed twice, or one the manifest did not make (another variant, sweep value,
    /// replication or run id), and swept columns other than the manifest's, are refused
    /// with the line and column of the row.
    #[test]
    fn runs_must_be_those_the_manifest_records_each_once() {
        let tmp = tempfile::tempdir().unwrap();
        let e = expected();
        let ids = "run_id,variant,levers.outreach,replication,seed";
        let two = |second: &str| runs_file(ids, &[("0,baseline,0,0,7", &[]), (second, &[])]);
        assert_eq!(
            runs_error(tmp.path(), &two("1,baseline,0,1,8"), Some(&e)),
            ""
        );
        let cases = [
            (
                "1,zzz,0,1,8",
                "runs.csv:3: column `variant`: expected one of manifest.json's variants (baseline, joint), found \"zzz\"",
            ),
            (
                "1,baseline,0.3,1,8",
                "runs.csv:3: column `levers.outreach`: expected one of the swept values of manifest.json (0, 0.5), found \"0.3\"",
            ),
            (
                "1,baseline,abc,1,8",
                "column `levers.outreach`: expected one of the swept values of manifest.json (0, 0.5), found \"abc\"",
            ),
            (
                "1,baseline,0,99,8",
                "runs.csv:3: column `replication`: expected a replication below 2 (manifest.json's experiment.replications), found 99",
            ),
            (
                "99,baseline,0,1,8",
                "runs.csv:3: column `run_id`: expected a run id below 8",
            ),
            (
                "0,baseline,0,1,8",
                "runs.csv:3: column `run_id`: expected each run once, found run 0 again (line 2)",
            ),
            (
                "1,baseline,0,0,7",
                "runs.csv:3: column `replication`: expected each replication of a variant and sweep point once, found replication 0 again (line 2)",
            ),
        ];
        for (row, said) in cases {
            let err = runs_error(tmp.path(), &two(row), Some(&e));
            assert!(err.contains(said), "{row}: {err}");
        }
        // A run listed twice is damage with or without a manifest.
        let err = runs_error(tmp.path(), &two("0,baseline,0,1,8"), None);
        assert!(err.contains("found run 0 again"), "{err}");
        // A seed other than the manifest's for its replication, or (with or without a
        // manifest) other than that of the replication's other runs.
        let err = runs_error(tmp.path(), &two("1,baseline,0,1,9"), Some(&e));
        assert!(
            err.contains(
                "runs.csv:3: column `seed`: expected 8 (the seed of replication 1 in \
                 manifest.json's `seeds.replications`, from its `seeds.base_seed`), found \"9\""
            ),
            "{err}"
        );
        let err = runs_error(tmp.path(), &two("1,joint,0,0,9"), None);
        assert!(
            err.contains(
                "runs.csv:3: column `seed`: expected 7, the seed of replication 0 on line 2 \
                 (every variant and sweep point of a replication shares its seed), found \"9\""
            ),
            "{err}"
        );
        let unswept = runs_file(
            "run_id,variant,replication,seed",
            &[("0,baseline,0,7", &[])],
        );
        let err = runs_error(tmp.path(), &unswept, Some(&e));
        assert!(
            err.contains("runs.csv: missing column `levers.outreach`"),
            "{err}"
        );
    }

    /// summary.csv must hold one row per metric of each variant and sweep point, with the
    /// `n` of runs.csv; a row repeated or deleted is named.
    #[test]
    fn an_interval_written_before_coprod_cut_it_is_read() {
        // Participation 0 and 0.1: the interval's lower end is below 0, which summary.csv
        // has cut to 0 since 2 December; a directory written before holds the uncut end.
        let tmp = tempfile::tempdir().unwrap();
        let ids = "run_id,variant,replication,seed";
        let runs = [
            ("0,baseline,0,7", &[("participation_rate", "0")][..]),
            ("1,baseline,1,8", &[("participation_rate", "0.1")][..]),
        ];
        write(tmp.path(), RUNS_CSV, &runs_file(ids, &runs));
        let runs = read_runs(tmp.path()).unwrap();
        let mut acc = crate::stats::Accumulator::default();
        acc.push(0.0);
        acc.push(0.1);
        let st = acc.summary();
        let ((low, high), sd) = (st.ci.unwrap(), st.sd.unwrap());
        assert!(low < 0.0);
        let read = |participation: &str| {
            let row = |m: &String| match m.as_str() {
                "participation_rate" => format!("baseline,{m},0.05,{sd},2,{participation}\n"),
                _ => format!("baseline,{m},0,0,2,0,0\n"),
            };
            let rows: String = runs.metrics.iter().map(row).collect();
            let header = "variant,metric,mean,sd,n,ci_low,ci_high\n";
            write(tmp.path(), SUMMARY_CSV, &format!("{header}{rows}"));
            read_summary_of(tmp.path(), &runs, None).map(|_| ())
        };
        read(&format!("0,{high}")).unwrap();
        read(&format!("{low},{high}")).unwrap();
        let err = read(&format!("{},{high}", low / 2.0))
            .unwrap_err()
            .to_string();
        assert!(err.contains("column `ci_low`"), "{err}");
    }

    #[test]
    fn summary_rows_must_match_the_runs() {
        let tmp = tempfile::tempdir().unwrap();
        let ids = "run_id,variant,replication,seed";
        write(
            tmp.path(),
            RUNS_CSV,
            &runs_file(
                ids,
                &[
                    ("0,baseline,0,7", &[("share_lasting_24", "")]),
                    ("1,baseline,1,8", &[]),
                ],
            ),
        );
        let runs = read_runs(tmp.path()).unwrap();
        // Every value 0: a mean of 0, and with two runs an sd and interval of 0; one run has
        // no share_lasting_24, so the other's has neither sd nor interval.
        let row = |m: &String| match m.as_str() {
            "share_lasting_24" => format!("baseline,{m},0,,1,,\n"),
            _ => format!("baseline,{m},0,0,2,0,0\n"),
        };
        let rows: Vec<String> = runs.metrics.iter().map(row).collect();
        let header = "variant,metric,mean,sd,n,ci_low,ci_high\n";
        let read = |rows: &[String]| {
            write(
                tmp.path(),
                SUMMARY_CSV,
                &format!("{header}{}", rows.concat()),
            );
            read_summary_of(tmp.path(), &runs, None)
                .map_or_else(|e| e.to_string(), |_| String::new())
        };
        assert_eq!(read(&rows), "");
        let mut repeated = rows.clone();
        repeated.insert(1, rows[1].clone());
        let err = read(&repeated);
        assert!(err.contains("summary.csv:4: column `metric`: expected each metric of a variant and sweep point once, found \"active_groups\" again (line 3)"), "{err}");
        let err = read(&rows[1..]);
        assert!(err.contains("summary.csv: expected a row of `participation_rate` for variant `baseline`, whose runs runs.csv lists; found none"), "{err}");
        let mut counted = rows.clone();
        counted[0] = "baseline,participation_rate,0,0,3,0,0\n".into();
        let err = read(&counted);
        assert!(err.contains("summary.csv:2: column `n`: expected 2 (the runs of this variant and sweep point in runs.csv with a value), found 3"), "{err}");
        // A mean, sd or interval other than the runs give.
        for (edited, column, found) in [
            ("0.9,0,2,0,0", "mean", "0.9"),
            ("0,,2,0,0", "sd", ""),
            ("0,0,2,0,0.5", "ci_high", "0.5"),
        ] {
            let mut changed = rows.clone();
            changed[0] = format!("baseline,participation_rate,{edited}\n");
            let err = read(&changed);
            let said = format!("summary.csv:2: column `{column}`: expected ");
            assert!(err.contains(&said), "{err}");
            assert!(
                err.contains(&format!(
                    "found {found:?}: summary.csv and runs.csv disagree"
                )),
                "{err}"
            );
        }
        let mut other = rows.clone();
        other.push("zzz,participation_rate,0,0,0,,\n".into());
        let e = Expected {
            sweep: Vec::new(),
            sweep_points: 1,
            ..expected()
        };
        write(
            tmp.path(),
            SUMMARY_CSV,
            &format!("{header}{}", other.concat()),
        );
        let err = read_summary_of(tmp.path(), &runs, Some(&e))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(
                "column `variant`: expected one of manifest.json's variants (baseline, joint), \
                 found \"zzz\""
            ),
            "{err}"
        );
        // The manifest's second variant has no row at all.
        write(
            tmp.path(),
            SUMMARY_CSV,
            &format!("{header}{}", rows.concat()),
        );
        let err = read_summary_of(tmp.path(), &runs, Some(&e))
            .unwrap_err()
            .to_string();
        let m = runs.metrics.len();
        let said = format!(
            "expected {} rows (2 variants and sweep points in manifest.json, {m} metrics \
             each), found {m}",
            2 * m
        );
        assert!(err.contains(&said), "{err}");
    }

    /// Each run's rows of timeseries.csv come together, steps from 0 one by one and below
    /// the manifest's steps: a row repeated, deleted, moved or beyond the run is named.
    #[test]
    fn timeseries_steps_follow_one_another() {
        let tmp = tempfile::tempdir().unwrap();
        let read = |rows: &[&str], steps: Option<u64>| {
            let rows: Vec<(&str, &[(&str, &str)])> = rows.iter().map(|r| (*r, &[][..])).collect();
            write(tmp.path(), TIMESERIES_CSV, &timeseries_file(&rows));
            each_timeseries(tmp.path(), None, steps, |_, _, _| {})
                .map_or_else(|e| e.to_string(), |t| format!("{:?}", t.steps))
        };
        assert_eq!(
            read(&["0,b,0,0", "0,b,0,1", "1,b,1,0", "1,b,1,1"], Some(2)),
            "{0: 2, 1: 2}"
        );
        let cases: [(&[&str], &str); 4] = [
            (
                &["0,b,0,0", "0,b,0,0"],
                "timeseries.csv:3: column `step`: expected step 1 of run 0, found 0",
            ),
            (
                &["0,b,0,0", "0,b,0,2"],
                "timeseries.csv:3: column `step`: expected step 1 of run 0, found 2",
            ),
            (
                &["0,b,0,0", "0,b,0,999"],
                "timeseries.csv:3: column `step`: expected a step below 3 (manifest.json's experiment.steps), found 999",
            ),
            (
                &["0,b,0,0", "1,b,1,0", "0,b,0,1"],
                "timeseries.csv:4: column `run_id`: expected each run's rows together, found a row of run 0 after its rows ended",
            ),
        ];
        for (rows, said) in cases {
            let err = read(rows, Some(3));
            assert!(err.contains(said), "{rows:?}: {err}");
        }
    }

    /// A manifest without what every run's manifest records (`{}`) is damage, named.
    #[test]
    fn a_manifest_without_the_experiment_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let err = Expected::of_manifest(tmp.path(), &serde_json::json!({}))
            .unwrap_err()
            .to_string();
        assert!(err.contains("manifest.json: expected `variants`"), "{err}");
        let m = serde_json::json!({
            "experiment": {"steps": 3, "replications": 2, "sweep_points": 2, "runs": 8},
            "variants": [{"name": "baseline"}, {"name": "joint"}],
            "sweep": [{"name": "levers.outreach", "values": ["0", "0.5"]}],
            "seeds": {
                "base_seed": 1,
                "replications": [
                    {"replication": 0, "seed": coprod_core::run_seed(1, 0)},
                    {"replication": 1, "seed": coprod_core::run_seed(1, 1)},
                ],
            },
        });
        let seeds = vec![coprod_core::run_seed(1, 0), coprod_core::run_seed(1, 1)];
        assert_eq!(
            Expected::of_manifest(tmp.path(), &m).unwrap(),
            Expected {
                seeds,
                ..expected()
            }
        );
        // Seeds that do not follow from the base seed, or not one per replication in turn.
        let refused = |edit: &dyn Fn(&mut serde_json::Value)| {
            let mut bad = m.clone();
            edit(&mut bad);
            Expected::of_manifest(tmp.path(), &bad)
                .unwrap_err()
                .to_string()
        };
        let err = refused(&|m| m["seeds"]["base_seed"] = 2.into());
        assert!(
            err.contains(&format!(
                "expected `seeds.replications` to give replication 0 the seed {}, which \
                 `seeds.base_seed` 2 gives it",
                coprod_core::run_seed(2, 0)
            )),
            "{err}"
        );
        let err = refused(&|m| m["seeds"]["replications"][1]["seed"] = 5.into());
        assert!(err.contains("replication 1 the seed"), "{err}");
        assert!(err.contains("found 5"), "{err}");
        let err = refused(&|m| m["seeds"]["replications"][1]["replication"] = 0.into());
        assert!(
            err.contains("expected entry 1 of `seeds.replications` to be replication 1"),
            "{err}"
        );
        let err = refused(&|m| {
            m["seeds"]["replications"].as_array_mut().unwrap().pop();
        });
        assert!(
            err.contains(
                "the seed of each of the 2 replications (`experiment.replications`), found 1"
            ),
            "{err}"
        );
        let err = refused(&|m| {
            m.as_object_mut().unwrap().remove("seeds");
        });
        assert!(err.contains("expected `seeds.base_seed`"), "{err}");
        let mut no_steps = m.clone();
        no_steps["experiment"]
            .as_object_mut()
            .unwrap()
            .remove("steps");
        let err = Expected::of_manifest(tmp.path(), &no_steps)
            .unwrap_err()
            .to_string();
        assert!(err.contains("expected `experiment.steps`"), "{err}");
    }

    #[test]
    fn group_production_columns_are_read_when_present() {
        let tmp = tempfile::tempdir().unwrap();
        let old = "run_id,group_id,organisation,community,task,size_cap,size_at_formation,\
                   formed_step,ended_step,end_reason\n0,0,,1,specific,4,3,2,,active\n";
        write(tmp.path(), GROUPS_CSV, old);
        assert_eq!(read_groups(tmp.path()).unwrap()[0].life, None);
        let new = format!(
            "{},{}\n0,0,,1,specific,4,3,2,5,failed_task,4,11,0.5,1.75,1.75,1.5,1.25,3.2,1\n",
            old.lines().next().unwrap(),
            GROUP_LIFE_COLUMNS.join(",")
        );
        write(tmp.path(), GROUPS_CSV, &new);
        let life = read_groups(tmp.path()).unwrap()[0].life.unwrap();
        assert_eq!(
            (life.months, life.member_months, life.months_met),
            (4, 11, 1)
        );
        assert_eq!(
            (
                life.first_effort,
                life.effort,
                life.labour,
                life.coordinated
            ),
            (0.5, 1.75, 1.75, 1.5)
        );
        assert_eq!((life.input, life.needed), (1.25, 3.2));
        let bad = new.replace(",3.2,", ",lots,");
        write(tmp.path(), GROUPS_CSV, &bad);
        let e = read_groups(tmp.path()).unwrap_err().to_string();
        assert!(e.contains("groups.csv:2: column `effort_needed`"), "{e}");
    }

    /// The unit of `parameter` (`coprod list --params`), as parameters.csv writes it.
    fn unit_of(parameter: &str) -> &'static str {
        coprod_core::SPECS
            .iter()
            .find(|s| s.name == parameter)
            .map_or("", |s| s.unit)
    }

    /// parameters.csv reads back as written (the swept columns found between `variant`
    /// and `parameter`), a lookup needs variant, point and parameter to all match, and a
    /// directory written before the file existed has none rather than an error.
    #[test]
    fn parameters_read_back_as_written() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(read_parameters(tmp.path()).unwrap(), None);
        let swept = vec!["levers.outreach".to_string()];
        let row = |variant: &str, point: &str, parameter: &str, value: &str| crate::ParameterRow {
            variant: variant.into(),
            point: vec![point.into()],
            parameter: parameter.into(),
            value: value.into(),
            unit: unit_of(parameter).into(),
            source: "sweep".into(),
        };
        // Each variant and sweep point with the same parameters, in the order of the
        // parameter table, as coprod writes them (the reader refuses anything else).
        let rows = vec![
            row("baseline", "0.5", "population.n_citizens", "100"),
            row("baseline", "0.5", "levers.outreach", "0.5"),
            row("joint", "0.5", "population.n_citizens", "100"),
            row("joint", "0.5", "levers.outreach", "0.7"),
            row("baseline", "0.9", "population.n_citizens", "100"),
            row("baseline", "0.9", "levers.outreach", "0.9"),
        ];
        crate::write_parameters(tmp.path(), &swept, &rows).unwrap();
        let table = read_parameters(tmp.path()).unwrap().unwrap();
        assert_eq!(table.swept, swept);
        assert_eq!(table.rows, rows);
        let at = |p: &str| vec![p.to_string()];
        assert_eq!(
            table.value("baseline", &at("0.5"), "levers.outreach"),
            Some("0.5")
        );
        assert_eq!(
            table.value("baseline", &at("0.5"), "population.n_citizens"),
            Some("100")
        );
        assert_eq!(
            table.value("joint", &at("0.5"), "levers.outreach"),
            Some("0.7")
        );
        assert_eq!(
            table.value("baseline", &at("0.9"), "levers.outreach"),
            Some("0.9")
        );
        assert_eq!(table.value("joint", &at("0.9"), "levers.outreach"), None);
        assert_eq!(
            table.value("joint", &at("0.5"), "levers.group_size_cap"),
            None
        );
        assert_eq!(
            table.row("baseline", &at("0.9"), "levers.outreach"),
            Some(&rows[5])
        );

        // Rows coprod could not have written are refused, naming the line and column.
        let refused = |rows: &[crate::ParameterRow]| {
            crate::write_parameters(tmp.path(), &swept, rows).unwrap();
            read_parameters(tmp.path()).unwrap_err().to_string()
        };
        let mut bad = rows.clone();
        bad[1].parameter = "population.size".into();
        let e = refused(&bad);
        assert!(
            e.contains(":3: column `parameter`: expected a model parameter"),
            "{e}"
        );
        let mut bad = rows.clone();
        bad.insert(2, rows[1].clone());
        let e = refused(&bad);
        assert!(
            e.contains(":4: column `parameter`: expected each parameter once"),
            "{e}"
        );
        let mut bad = rows.clone();
        bad.push(rows[0].clone());
        let e = refused(&bad);
        assert!(
            e.contains(":8: column `variant`: expected the rows of each"),
            "{e}"
        );
        let mut bad = rows.clone();
        bad.remove(3);
        let e = refused(&bad);
        assert!(
            e.contains("found 2 for variant `baseline` at 0.5 (from line 2) but 1 for variant `joint` at 0.5 (from line 4)"),
            "{e}"
        );
    }

    /// A value its parameter cannot take, or another than the one the manifest records for
    /// every run, is refused with the line, the column and what is allowed: a page would
    /// describe runs that never happened (a field run drawn as a lab run).
    #[test]
    fn parameter_values_must_be_allowed_and_those_the_manifest_records() {
        let tmp = tempfile::tempdir().unwrap();
        let e = Expected {
            sweep: Vec::new(),
            sweep_points: 1,
            shared: vec![("population.setting".into(), "field".into())],
            ..expected()
        };
        let refused = |parameter: &str, value: &str, e: Option<&Expected>| {
            let row = crate::ParameterRow {
                variant: "baseline".into(),
                point: Vec::new(),
                parameter: parameter.into(),
                value: value.into(),
                unit: unit_of(parameter).into(),
                source: "default".into(),
            };
            crate::write_parameters(tmp.path(), &[], &[row]).unwrap();
            read_parameters_of(tmp.path(), e)
                .err()
                .map_or_else(String::new, |err| err.to_string())
        };
        assert_eq!(refused("population.setting", "field", Some(&e)), "");
        assert_eq!(refused("population.ring_degree", "6", Some(&e)), "");
        let cases = [
            (
                "population.setting",
                "banana",
                "expected one of \"field\", \"lab\" for `population.setting`, found \"banana\"",
            ),
            (
                "population.n_citizens",
                "-5",
                "expected a whole number from 4 to 50000000 for `population.n_citizens`, \
                 found \"-5\"",
            ),
            (
                "population.n_citizens",
                "abc",
                "expected a whole number from 4 to 50000000",
            ),
            (
                "population.ring_degree",
                "5",
                "expected an even whole number from 2 to 40",
            ),
            ("levers.outreach", "NaN", "expected a number from 0 to 1"),
        ];
        for (parameter, value, said) in cases {
            for e in [None, Some(&e)] {
                let err = refused(parameter, value, e);
                assert!(
                    err.contains(&format!("parameters.csv:2: column `value`: {said}")),
                    "{parameter} = {value}: {err}"
                );
            }
        }
        // Allowed, but not what every run had.
        assert_eq!(refused("population.setting", "lab", None), "");
        let err = refused("population.setting", "lab", Some(&e));
        assert!(
            err.contains(
                "parameters.csv:2: column `value`: expected \"field\" for \
                 `population.setting`, the value manifest.json's `parameters` records for \
                 every run, found \"lab\""
            ),
            "{err}"
        );
    }

    /// The keys of comparison.csv read back as written; a file from before `--against`
    /// (no such column) compared with the baseline, and no file is `None`.
    #[test]
    fn comparison_keys_read_back_as_written() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(read_comparison_keys(tmp.path()).unwrap(), None);
        assert_eq!(read_comparison_intervals(tmp.path()).unwrap(), None);
        let row = crate::ComparisonRow {
            variant: "joint".into(),
            against: "outreach".into(),
            point: vec!["8".into()],
            metric: "groups_started".into(),
            n: 2,
            against_mean: 1.0,
            variant_mean: 2.0,
            difference: 1.0,
            ci_low: None,
            ci_high: None,
            sd_difference: None,
            effect_size_dz: None,
            p_value: None,
            p_holm: None,
        };
        let swept = vec!["levers.group_size_cap".to_string()];
        crate::write_comparison(tmp.path(), &swept, std::slice::from_ref(&row)).unwrap();
        assert_eq!(read_comparison_intervals(tmp.path()).unwrap(), Some((0, 1)));
        let with = crate::ComparisonRow {
            ci_low: Some(0.5),
            ci_high: Some(1.5),
            ..row.clone()
        };
        crate::write_comparison(tmp.path(), &swept, &[with, row.clone()]).unwrap();
        assert_eq!(read_comparison_intervals(tmp.path()).unwrap(), Some((1, 1)));
        crate::write_comparison(tmp.path(), &swept, &[row]).unwrap();
        let key = |against: &str| ComparisonKey {
            variant: "joint".into(),
            against: against.into(),
            point: vec!["8".into()],
            metric: "groups_started".into(),
        };
        assert_eq!(
            read_comparison_keys(tmp.path()).unwrap(),
            Some(vec![key("outreach")])
        );
        write(
            tmp.path(),
            crate::COMPARISON_CSV,
            "variant,levers.group_size_cap,metric,n\njoint,8,groups_started,2\n",
        );
        assert_eq!(
            read_comparison_keys(tmp.path()).unwrap(),
            Some(vec![key("baseline")])
        );
    }

    /// The metrics of timeseries.csv are the columns after `step`, whatever identifies the
    /// run before it.
    #[test]
    fn timeseries_metrics_follow_the_step_column() {
        let tmp = tempfile::tempdir().unwrap();
        let names: Vec<String> = coprod_core::METRICS
            .iter()
            .map(|m| m.0.to_string())
            .collect();
        let text = with_metrics(
            &names,
            "run_id,variant,levers.outreach,replication,step",
            &[
                (
                    "0,baseline,0.5,0,0",
                    &[("participation_rate", "0.25"), ("active_groups", "1")],
                ),
                (
                    "0,baseline,0.5,0,1",
                    &[("participation_rate", "0.5"), ("active_groups", "2")],
                ),
            ],
        );
        write(tmp.path(), TIMESERIES_CSV, &text);
        let t = read_timeseries(tmp.path()).unwrap();
        assert_eq!(t.metrics, names);
        assert_eq!(t.rows.len(), 2);
        assert_eq!((t.rows[1].0, t.rows[1].1), (0, 1));
        assert_eq!(&t.rows[1].2[..2], [0.5, 2.0]);
    }

    /// A group still active has an empty `ended_step` (`None`); an ended one has its step,
    /// and anything else there is an error naming the column.
    #[test]
    fn ended_step_is_empty_for_active_groups() {
        let tmp = tempfile::tempdir().unwrap();
        let header = "run_id,group_id,organisation,community,task,size_cap,size_at_formation,\
                      formed_step,ended_step,end_reason\n";
        write(
            tmp.path(),
            GROUPS_CSV,
            &format!(
                "{header}0,0,,1,specific,4,3,2,,active\n0,1,,1,specific,4,3,2,7,failed_task\n"
            ),
        );
        let groups = read_groups(tmp.path()).unwrap();
        assert_eq!(groups[0].ended_step, None);
        assert_eq!(groups[1].ended_step, Some(7));
        write(
            tmp.path(),
            GROUPS_CSV,
            &format!("{header}0,0,,1,specific,4,3,2,later,active\n"),
        );
        let e = read_groups(tmp.path()).unwrap_err().to_string();
        assert!(e.contains("groups.csv:2: column `ended_step`"), "{e}");
    }

    /// A manifest is read as JSON; one that is there but unreadable is an error, not a
    /// directory without a manifest.
    #[test]
    fn a_manifest_is_read_or_its_damage_reported() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            MANIFEST_JSON,
            r#"{"parameters": [{"name": "population.size", "value": "100"}]}"#,
        );
        let manifest = read_manifest(tmp.path()).unwrap();
        assert_eq!(
            manifest_parameter(manifest.as_ref(), "population.size"),
            Some("100")
        );
        write(tmp.path(), MANIFEST_JSON, "{not json");
        let e = read_manifest(tmp.path()).unwrap_err();
        assert!(matches!(e, ReadError::Syntax { .. }), "{e}");
        // A directory where manifest.json should be cannot be read: an error too.
        let dir = tmp.path().join("sub");
        std::fs::create_dir_all(dir.join(MANIFEST_JSON)).unwrap();
        let e = read_manifest(&dir).unwrap_err();
        assert!(matches!(e, ReadError::Io { .. }), "{e}");
    }

    /// With no swept parameter nothing lies between the fixed columns; fixed columns in the
    /// wrong order are an error naming both.
    #[test]
    fn swept_columns_lie_between_the_fixed_ones() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            SUMMARY_CSV,
            "variant,metric,mean,sd,n,ci_low,ci_high\nbaseline,groups_started,1,,1,,\n",
        );
        let s = read_summary(tmp.path()).unwrap();
        assert!(s.swept.is_empty());
        assert!(s.rows[0].point.is_empty());
        write(
            tmp.path(),
            SUMMARY_CSV,
            "metric,variant,mean,sd,n,ci_low,ci_high\ngroups_started,baseline,1,,1,,\n",
        );
        let e = read_summary(tmp.path()).unwrap_err().to_string();
        assert!(
            e.contains("column `variant` must come before `metric`"),
            "{e}"
        );
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            GROUPS_CSV,
            "run_id,group_id,organisation,community,task,size_cap,size_at_formation,formed_step,ended_step,end_reason\n\
             0,0,,1,specific,four,3,2,,active\n",
        );
        let e = read_groups(tmp.path()).unwrap_err().to_string();
        assert!(e.contains("groups.csv:2: column `size_cap`"), "{e}");
        write(tmp.path(), RUNS_CSV, "run_id,replication\n");
        let e = read_runs(tmp.path()).unwrap_err().to_string();
        assert!(e.contains("runs.csv: missing column `variant`"), "{e}");
        write(tmp.path(), TIMESERIES_CSV, "");
        let e = read_timeseries(tmp.path()).unwrap_err().to_string();
        assert!(e.contains("timeseries.csv"), "{e}");
        let e = read_summary(tmp.path()).unwrap_err().to_string();
        assert!(e.contains("summary.csv"), "{e}");
        assert!(read_manifest(tmp.path()).unwrap().is_none());
    }
}
