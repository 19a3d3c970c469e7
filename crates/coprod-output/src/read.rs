//! Reading a run directory back: the four CSV files (and the manifest, loosely) as typed
//! tables, so that charts and reports can be redrawn from the files alone. The two files that
//! grow with the number of runs, timeseries.csv and groups.csv, can also be streamed row by
//! row ([`each_timeseries`], [`each_group`]) so that a reader keeps only what it aggregates.
//!
//! Owns parsing and validation of what [`crate::Writer`] wrote: column names, the swept
//! parameter columns (found by position, between fixed columns), numbers (`NaN` and empty
//! fields allowed where documented; an empty metric field of runs.csv or mean of summary.csv
//! is a missing value, read as NaN). Every error names the file and, when it is about a
//! row, the line. It never panics on a malformed file.

use std::path::{Path, PathBuf};

use coprod_core::{GroupLife, GroupRecord};

use crate::tables::{
    GROUP_LIFE_COLUMNS, GROUPS_CSV, MANIFEST_JSON, RUNS_CSV, SUMMARY_CSV, TIMESERIES_CSV,
};

/// Why a run directory could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The file could not be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the OS reported.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid CSV or JSON.
    #[error("{}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A required column is missing from the header.
    #[error("{}: missing column `{column}`", path.display())]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The column.
        column: String,
    },
    /// A field does not hold what its column requires.
    #[error("{}:{line}: column `{column}`: {message}", path.display())]
    BadField {
        /// The file.
        path: PathBuf,
        /// Line number, from 1 (the header is line 1).
        line: u64,
        /// The column.
        column: String,
        /// What is wrong.
        message: String,
    },
}

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
}

impl RawTable {
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
        Ok(RawTable {
            path: path.to_path_buf(),
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

    /// A number; `NaN` is allowed, an empty field is not.
    fn float(&self, row: &Row, column: usize) -> Result<f64, ReadError> {
        let field = self.text(row, column);
        field.trim().parse::<f64>().map_err(|_| {
            self.bad(
                row.line,
                column,
                format!("expected a number, found {field:?}"),
            )
        })
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
    fn metric_value(&self, row: &Row, column: usize, metric: &str) -> Result<f64, ReadError> {
        if coprod_core::GROUP_METRICS.contains(&metric) {
            self.float_or_missing(row, column)
        } else {
            self.float(row, column)
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

/// Reads summary.csv from a run directory.
///
/// # Errors
/// [`ReadError`] naming the file (and line) when it is missing or malformed.
pub fn read_summary(dir: &Path) -> Result<SummaryTable, ReadError> {
    let mut t = RawTable::read(&dir.join(SUMMARY_CSV))?;
    let variant = t.column("variant")?;
    let metric = t.column("metric")?;
    let mean = t.column("mean")?;
    let sd = t.column("sd")?;
    let n = t.column("n")?;
    let ci_low = t.column("ci_low")?;
    let ci_high = t.column("ci_high")?;
    let point_cols = between(&t, variant, metric)?;
    let mut rows = Vec::new();
    t.each(|t, row| {
        let low = t.opt_float(row, ci_low)?;
        let high = t.opt_float(row, ci_high)?;
        let count = t.uint(row, n)?;
        // No replication with a value (a group metric without groups, or a cell whose every
        // run failed): the mean is empty.
        let mean = if count == 0 {
            t.float_or_missing(row, mean)?
        } else {
            t.metric_value(row, mean, t.text(row, metric))?
        };
        rows.push(SummaryRow {
            variant: t.text(row, variant).to_string(),
            point: point_cols
                .iter()
                .map(|&c| t.text(row, c).to_string())
                .collect(),
            metric: t.text(row, metric).to_string(),
            mean,
            sd: t.opt_float(row, sd)?,
            n: count,
            ci: low.zip(high),
        });
        Ok(())
    })?;
    Ok(SummaryTable {
        swept: point_cols.iter().map(|&c| t.header[c].clone()).collect(),
        rows,
    })
}

/// Reads parameters.csv (every parameter as it ran, per variant and sweep point) from a run
/// directory. `Ok(None)` when the directory has none (written before coprod 0.1 recorded it).
///
/// # Errors
/// [`ReadError`] naming the file (and line) when it is malformed.
pub fn read_parameters(dir: &Path) -> Result<Option<ParametersTable>, ReadError> {
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
    t.each(|t, row| {
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
    Ok(Some(ParametersTable {
        swept: point_cols.iter().map(|&c| t.header[c].clone()).collect(),
        rows,
    }))
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

/// Reads runs.csv from a run directory.
///
/// # Errors
/// [`ReadError`] naming the file (and line) when it is missing or malformed.
pub fn read_runs(dir: &Path) -> Result<RunsTable, ReadError> {
    let mut t = RawTable::read(&dir.join(RUNS_CSV))?;
    let run_id = t.column("run_id")?;
    let variant = t.column("variant")?;
    let replication = t.column("replication")?;
    let seed = t.column("seed")?;
    let point_cols = between(&t, variant, replication)?;
    let metric_cols: Vec<usize> = (seed + 1..t.header.len()).collect();
    let mut rows = Vec::new();
    t.each(|t, row| {
        rows.push(RunRow {
            run_id: t.uint(row, run_id)?,
            variant: t.text(row, variant).to_string(),
            point: point_cols
                .iter()
                .map(|&c| t.text(row, c).to_string())
                .collect(),
            replication: t.uint(row, replication)?,
            seed: t.uint(row, seed)?,
            values: metric_cols
                .iter()
                .map(|&c| t.metric_value(row, c, &t.header[c]))
                .collect::<Result<_, _>>()?,
        });
        Ok(())
    })?;
    Ok(RunsTable {
        swept: point_cols.iter().map(|&c| t.header[c].clone()).collect(),
        metrics: metric_cols.iter().map(|&c| t.header[c].clone()).collect(),
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
    let metrics = each_timeseries(dir, |run_id, step, values| {
        rows.push((run_id, step, values.to_vec()));
    })?;
    Ok(TimeseriesTable { metrics, rows })
}

/// Streams timeseries.csv: calls `f(run_id, step, values)` on each row in file order, values
/// in the order of the returned metric names. Holds one row at a time, so memory does not
/// grow with the number of runs.
///
/// # Errors
/// [`ReadError`] naming the file (and line) when it is missing or malformed; rows before the
/// bad one have been passed to `f`.
pub fn each_timeseries(
    dir: &Path,
    mut f: impl FnMut(u64, u64, &[f64]),
) -> Result<Vec<String>, ReadError> {
    let mut t = RawTable::read(&dir.join(TIMESERIES_CSV))?;
    let run_id = t.column("run_id")?;
    let step = t.column("step")?;
    // The metrics follow `step`; the columns before it name the run.
    let metric_cols: Vec<usize> = (step + 1..t.header.len()).collect();
    let mut values = vec![0.0; metric_cols.len()];
    t.each(|t, row| {
        let (id, at) = (t.uint(row, run_id)?, t.uint(row, step)?);
        for (v, &c) in values.iter_mut().zip(&metric_cols) {
            *v = t.float(row, c)?;
        }
        f(id, at, &values);
        Ok(())
    })?;
    Ok(metric_cols.iter().map(|&c| t.header[c].clone()).collect())
}

/// Reads groups.csv from a run directory into memory (for small runs and tests; reports
/// stream it with [`each_group`]).
///
/// # Errors
/// [`ReadError`] naming the file (and line) when it is missing or malformed.
pub fn read_groups(dir: &Path) -> Result<Vec<GroupRow>, ReadError> {
    let mut rows = Vec::new();
    each_group(dir, |g| rows.push(g.clone()))?;
    Ok(rows)
}

/// Streams groups.csv: calls `f` on each row in file order. One row is held at a time (a
/// large sweep writes millions of groups).
///
/// # Errors
/// [`ReadError`] naming the file (and line) when it is missing or malformed; rows before the
/// bad one have been passed to `f`.
pub fn each_group(dir: &Path, mut f: impl FnMut(&GroupRow)) -> Result<(), ReadError> {
    let mut t = RawTable::read(&dir.join(GROUPS_CSV))?;
    let run_id = t.column("run_id")?;
    let size_cap = t.column("size_cap")?;
    let size_at_formation = t.column("size_at_formation")?;
    let formed_step = t.column("formed_step")?;
    let ended_step = t.column("ended_step")?;
    let end_reason = t.column("end_reason")?;
    let life: Option<Vec<usize>> = if t.header.iter().any(|h| h == GROUP_LIFE_COLUMNS[0]) {
        Some(
            GROUP_LIFE_COLUMNS
                .iter()
                .map(|c| t.column(c))
                .collect::<Result<_, _>>()?,
        )
    } else {
        None
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
    t.each(|t, row| {
        group.run_id = t.uint(row, run_id)?;
        group.size_cap = t.uint(row, size_cap)?;
        group.size_at_formation = t.uint(row, size_at_formation)?;
        group.formed_step = t.uint(row, formed_step)?;
        group.ended_step = t.opt_uint(row, ended_step)?;
        group.end_reason.clear();
        group.end_reason.push_str(t.text(row, end_reason));
        if let Some(c) = &life {
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
        f(&group);
        Ok(())
    })
}

/// Reads manifest.json as loose JSON (`None` if the directory has none), so that a report
/// can show the scenario and parameters when they are there and still work without them.
///
/// # Errors
/// [`ReadError::Syntax`] when the file exists but is not JSON.
pub fn read_manifest(dir: &Path) -> Result<Option<serde_json::Value>, ReadError> {
    let path = dir.join(MANIFEST_JSON);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(ReadError::Io { path, source }),
    };
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| ReadError::Syntax {
            path,
            message: e.to_string(),
        })
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

    #[test]
    fn reads_swept_columns_and_empty_fields() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            SUMMARY_CSV,
            "variant,levers.group_size_cap,metric,mean,sd,n,ci_low,ci_high\n\
             baseline,4,share_active_at_end,0.5,,1,,\n\
             joint,8,share_active_at_end,NaN,0.1,3,0.2,0.9\n",
        );
        let s = read_summary(tmp.path()).unwrap();
        assert_eq!(s.swept, ["levers.group_size_cap"]);
        assert_eq!(s.rows[0].point, ["4"]);
        assert_eq!(s.rows[0].ci, None);
        assert!(s.rows[1].mean.is_nan());
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
        write(
            tmp.path(),
            RUNS_CSV,
            "run_id,variant,replication,seed,groups_started,share_lasting_24\n0,baseline,0,7,0,\n",
        );
        let runs = read_runs(tmp.path()).unwrap();
        assert_eq!(runs.rows[0].values[0], 0.0);
        assert!(runs.rows[0].values[1].is_nan());
    }

    /// Only a group metric can be missing from a run: an empty field of another metric is
    /// damage. In summary.csv any metric's mean is empty where `n` is 0 (a sweep point whose
    /// every run failed), and only there.
    #[test]
    fn an_empty_field_of_another_metric_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        write(
            tmp.path(),
            RUNS_CSV,
            "run_id,variant,replication,seed,participation_rate\n0,baseline,0,7,\n",
        );
        let err = read_runs(tmp.path()).unwrap_err().to_string();
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
        write(
            tmp.path(),
            SUMMARY_CSV,
            "variant,metric,mean,sd,n,ci_low,ci_high\nbaseline,participation_rate,,,0,,\n",
        );
        let summary = read_summary(tmp.path()).unwrap();
        assert!(summary.rows[0].mean.is_nan());
        assert_eq!(summary.rows[0].n, 0);
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
            unit: "share".into(),
            source: "sweep".into(),
        };
        let rows = vec![
            row("baseline", "0.5", "levers.outreach", "0.5"),
            row("baseline", "0.5", "population.size", "100"),
            row("joint", "0.5", "levers.outreach", "0.7"),
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
            table.value("baseline", &at("0.5"), "population.size"),
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
        assert_eq!(table.value("joint", &at("0.5"), "population.size"), None);
        assert_eq!(
            table.row("baseline", &at("0.9"), "levers.outreach"),
            Some(&rows[3])
        );
    }

    /// The keys of comparison.csv read back as written; a file from before `--against`
    /// (no such column) compared with the baseline, and no file is `None`.
    #[test]
    fn comparison_keys_read_back_as_written() {
        let tmp = tempfile::tempdir().unwrap();
        assert_eq!(read_comparison_keys(tmp.path()).unwrap(), None);
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
        write(
            tmp.path(),
            TIMESERIES_CSV,
            "run_id,variant,levers.outreach,replication,step,participation_rate,active_groups\n\
             0,baseline,0.5,0,0,0.25,1\n\
             0,baseline,0.5,0,1,0.5,2\n",
        );
        let t = read_timeseries(tmp.path()).unwrap();
        assert_eq!(t.metrics, ["participation_rate", "active_groups"]);
        assert_eq!(t.rows, [(0, 0, vec![0.25, 1.0]), (0, 1, vec![0.5, 2.0])]);
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
