//! Shard directories (`coprod run --shard I/N`) and merging them back into one run
//! directory (`coprod merge`).
//!
//! A shard directory holds the rows of a contiguous block of run ids: `runs.csv`,
//! `timeseries.csv`, `groups.csv`, `failures.csv` (if some of its runs failed), the
//! manifest of the whole experiment and `shard.json` ([`ShardInfo`]): which runs it holds,
//! the scenario fingerprint and coprod version, how many rows its groups.csv has, and what
//! is needed to resolve the scenario again. It has no summary, charts or index page: those
//! only make sense for every run.
//!
//! Merging streams each shard's rows, in run-id order, through the same [`Writer`] that
//! `coprod run` uses, so summary.csv is accumulated in the same order from the same numbers
//! (shortest round-trip text reads back to the exact `f64`) and the merged directory is
//! byte-identical to a single-process run. This module is a child of `tables` because it
//! appends rows to the writer's own tables; it decides nothing about which shards belong
//! together (the caller checks coverage with [`missing_and_duplicate_runs`]).

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{
    FAILURES_CSV, GROUP_LIFE_COLUMNS, GROUPS_CSV, RUNS_CSV, TIMESERIES_CSV, Table, Writer,
    failures_header,
};
use crate::OutputError;
use crate::read::MetricCheck;

/// The shard manifest of a shard directory; written last but one (before manifest.json).
pub const SHARD_JSON: &str = "shard.json";

/// What `shard.json` records.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardInfo {
    /// Version of coprod that wrote the shard; shards only merge with the same version.
    pub coprod_version: String,
    /// Fingerprint of the resolved scenario (manifest.json's `scenario.hash`).
    pub scenario_hash: String,
    /// This shard's number, from 0.
    pub index: u64,
    /// How many shards the runs were split into.
    pub count: u64,
    /// First run id of the shard.
    pub first_run: u64,
    /// Number of runs in the shard (its run ids are `first_run..first_run + runs`); 0 for an
    /// empty shard.
    pub runs: u64,
    /// Runs of the whole experiment.
    pub total_runs: u64,
    /// Runs of the shard that failed (rows of its failures.csv).
    pub failed_runs: u64,
    /// Rows of the shard's groups.csv (without the header), so that `coprod merge` can tell
    /// a file cut short at a line end after a run's last started group. `None` only when
    /// read from a shard.json written before coprod recorded it (merge refuses such a
    /// shard: it was written by another build).
    #[serde(default)]
    pub group_rows: Option<u64>,
    /// How the scenario was given, to resolve it again when merging.
    pub scenario: ShardScenario,
}

/// The scenario as the shard resolved it: file text and every option that changes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardScenario {
    /// Scenario name.
    pub name: String,
    /// File path or shipped name, as given on the command line.
    pub origin: String,
    /// The complete scenario file text.
    pub source: String,
    /// Every setting applied, in order (`--set`, then `--replications` and `--seed` as
    /// `experiment.replications` and `experiment.seed`), as `KEY=VALUE`.
    pub settings: Vec<String>,
    /// The `--set` options as given (what manifest.json's `settings` lists).
    pub set_options: Vec<String>,
    /// Whether the runs were shrunk with `--quick`.
    pub quick: bool,
    /// The `--metric` options as given (the metrics comparison.csv compares).
    pub metrics: Vec<String>,
    /// The variant `--against` compared with (`baseline` by default, and in a shard.json
    /// written before it was recorded).
    #[serde(default = "baseline")]
    pub against: String,
    /// Whether `--against` was given at all (`coprod run` warns on it, even as
    /// `--against baseline`, for a scenario without variants). `None` in a shard.json
    /// written before it was recorded: merge then takes an `against` other than `baseline`
    /// as given.
    #[serde(default)]
    pub against_given: Option<bool>,
}

/// The default reference of a comparison (`coprod_scenario::BASELINE`).
fn baseline() -> String {
    "baseline".to_string()
}

impl ShardInfo {
    /// The last run id of the shard plus one.
    pub fn end_run(&self) -> u64 {
        self.first_run + self.runs
    }

    /// The shard's runs in words: `runs 10-19`, `run 3` or `no runs`.
    pub fn describe_runs(&self) -> String {
        describe_range(self.first_run, self.end_run())
    }
}

/// `runs A-B`, `run A` or `no runs` for the run ids `start..end`.
pub fn describe_range(start: u64, end: u64) -> String {
    match end.saturating_sub(start) {
        0 => "no runs".to_string(),
        1 => format!("run {start}"),
        _ => format!("runs {}", span(&(start, end))),
    }
}

/// The run ids of several ranges `start..end` in words, with "runs" said once: `runs 0-4
/// and 6-23`, `runs 0-4, 6-23 and 30`; one range as `describe_range` says it.
pub fn describe_ranges(ranges: &[(u64, u64)]) -> String {
    match ranges {
        [] => "no runs".to_string(),
        [(start, end)] => describe_range(*start, *end),
        [init @ .., last] => {
            let init: Vec<String> = init.iter().map(span).collect();
            format!("runs {} and {}", init.join(", "), span(last))
        }
    }
}

/// The ids `start..end` without the word "runs": `6-23`, or `30` for one run.
fn span(&(start, end): &(u64, u64)) -> String {
    match end.saturating_sub(start) {
        0 | 1 => start.to_string(),
        _ => format!("{start}-{}", end - 1),
    }
}

/// Shard `index` of `count` of `total` runs: the contiguous block of run ids
/// `index * total / count .. (index + 1) * total / count`. Every run is in exactly one
/// shard, block sizes differ by at most one, and shards beyond the number of runs are empty.
pub fn shard_range(index: u64, count: u64, total: u64) -> std::ops::Range<u64> {
    assert!(count > 0 && index < count, "shard {index} of {count}");
    let at = |i: u64| (u128::from(i) * u128::from(total) / u128::from(count)) as u64;
    at(index)..at(index + 1)
}

/// Reads `shard.json` of a shard directory.
pub fn read_shard(dir: &Path) -> Result<ShardInfo, OutputError> {
    let path = dir.join(SHARD_JSON);
    let text = std::fs::read_to_string(&path).map_err(|e| OutputError::Shard {
        path: dir.to_path_buf(),
        reason: if e.kind() == std::io::ErrorKind::NotFound {
            format!("not a finished shard directory (it has no {SHARD_JSON})")
        } else {
            format!("cannot read {SHARD_JSON}: {e}")
        },
    })?;
    serde_json::from_str(&text).map_err(|e| OutputError::Shard {
        path: path.clone(),
        reason: format!("not a coprod shard manifest: {e}"),
    })
}

/// Writes `shard.json` into a shard directory being written.
pub fn write_shard(dir: &Path, info: &ShardInfo) -> Result<(), OutputError> {
    crate::files::write_json(&dir.join(SHARD_JSON), info)
}

/// The run ids that no shard holds, and those that several hold (with the indices of the
/// shards in `shards` that hold them), as ranges `start..end`, for `total` runs.
#[allow(clippy::type_complexity)]
pub fn missing_and_duplicate_runs(
    shards: &[ShardInfo],
    total: u64,
) -> (Vec<(u64, u64)>, Vec<(u64, u64, Vec<usize>)>) {
    // Sweep over the boundaries of every shard's block.
    let mut cuts: Vec<u64> = vec![0, total];
    for s in shards {
        cuts.push(s.first_run.min(total));
        cuts.push(s.end_run().min(total));
    }
    cuts.sort_unstable();
    cuts.dedup();
    let (mut missing, mut duplicate): (Vec<(u64, u64)>, Vec<(u64, u64, Vec<usize>)>) =
        (Vec::new(), Vec::new());
    for w in cuts.windows(2) {
        let (a, b) = (w[0], w[1]);
        let holders: Vec<usize> = shards
            .iter()
            .enumerate()
            .filter(|(_, s)| s.first_run <= a && b <= s.end_run())
            .map(|(i, _)| i)
            .collect();
        match holders.len() {
            0 => match missing.last_mut() {
                Some(last) if last.1 == a => last.1 = b,
                _ => missing.push((a, b)),
            },
            1 => {}
            _ => match duplicate.last_mut() {
                Some(last) if last.1 == a && last.2 == holders => last.1 = b,
                _ => duplicate.push((a, b, holders)),
            },
        }
    }
    (missing, duplicate)
}

/// A CSV file of a shard, read record by record.
struct ShardFile {
    path: std::path::PathBuf,
    reader: csv::Reader<BufReader<File>>,
    record: csv::ByteRecord,
}

impl ShardFile {
    fn open(dir: &Path, name: &str, header: &[String]) -> Result<ShardFile, OutputError> {
        let path = dir.join(name);
        let file = File::open(&path).map_err(|e| OutputError::Shard {
            path: path.clone(),
            reason: format!("cannot read it: {e}"),
        })?;
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(BufReader::with_capacity(1 << 16, file));
        let found = reader.headers().map_err(|e| read_error(&path, e))?.clone();
        if !found.iter().eq(header.iter().map(String::as_str)) {
            return Err(OutputError::Shard {
                path,
                reason: format!(
                    "its columns are `{}`, but this scenario's file has `{}`",
                    found.iter().collect::<Vec<_>>().join(","),
                    header.join(",")
                ),
            });
        }
        Ok(ShardFile {
            path,
            reader,
            record: csv::ByteRecord::new(),
        })
    }

    /// Reads the next record; `Some(run_id)` unless at the end of the file.
    fn next(&mut self) -> Result<Option<u64>, OutputError> {
        if !self
            .reader
            .read_byte_record(&mut self.record)
            .map_err(|e| read_error(&self.path, e))?
        {
            return Ok(None);
        }
        let id = self
            .record
            .get(0)
            .and_then(|f| std::str::from_utf8(f).ok())
            .and_then(|f| f.parse().ok())
            .ok_or_else(|| self.bad("a row has no run id"))?;
        Ok(Some(id))
    }

    fn bad(&self, reason: &str) -> OutputError {
        OutputError::Shard {
            path: self.path.clone(),
            reason: format!("{reason} (line {})", self.line()),
        }
    }

    /// The line of the record read last.
    fn line(&self) -> u64 {
        self.record.position().map_or(0, |p| p.line())
    }

    /// Field `k` of the record read last, as text.
    fn field(&self, k: usize) -> &str {
        self.record
            .get(k)
            .and_then(|f| std::str::from_utf8(f).ok())
            .unwrap_or("")
    }
}

/// A shard file that cannot be read as CSV: its path, line and what is wrong with it.
fn read_error(path: &Path, err: csv::Error) -> OutputError {
    let line = |pos: &Option<csv::Position>| pos.as_ref().map_or(0, |p| p.line());
    let reason = match err.kind() {
        csv::ErrorKind::UnequalLengths {
            pos,
            expected_len,
            len,
        } => format!(
            "line {}: the row has {len} fields, but the file has {expected_len} columns: the \
             file is cut short or damaged",
            line(pos)
        ),
        csv::ErrorKind::Utf8 { pos, .. } => {
            format!("line {}: not UTF-8 text: the file is damaged", line(pos))
        }
        csv::ErrorKind::Io(e) => format!("cannot read it: {e}"),
        _ => format!("cannot read it: {err}"),
    };
    OutputError::Shard {
        path: path.to_path_buf(),
        reason,
    }
}

/// Refuses a shard file whose last line has no line break: coprod ends every line with one,
/// so the file was cut short (perhaps inside the last field, where the row still has every
/// column). `coprod plot` refuses the same in a run directory ([`crate::read`]).
fn check_ends_with_newline(path: &Path) -> Result<(), OutputError> {
    let ends = crate::files::ends_with_line_break(path).map_err(|e| OutputError::Shard {
        path: path.to_path_buf(),
        reason: format!("cannot read it: {e}"),
    })?;
    if !ends {
        return Err(OutputError::Shard {
            path: path.to_path_buf(),
            reason: crate::files::CUT_SHORT.into(),
        });
    }
    Ok(())
}

/// Checks that the shard directory `dir` (described by `shard`) is complete, before anything
/// is written: its runs.csv and failures.csv hold each run of the shard once, in order;
/// timeseries.csv holds `steps` rows (steps 0, 1, ...) of every finished run and nothing
/// else; in groups.csv the group ids of each finished run count 0, 1, 2, ... and its started
/// groups (every `end_reason` but `never_started` and `forming`) are as many as its
/// `groups_started` in runs.csv, and its rows are as many as shard.json's `group_rows` (which
/// catches trailing rows of groups that never started or were still forming); every file
/// ends with a line break. Every row of runs.csv and failures.csv names its run as the
/// scenario does (`identity(run_id)`: the variant, the value of each swept parameter, the
/// replication and the seed, as written in runs.csv; timeseries.csv's rows are left to the
/// read-back, [`crate::read::each_row`], which `coprod merge` runs after these checks and
/// which checks them against runs.csv), and every metric in
/// runs.csv and timeseries.csv is a finite number within its unit's range (empty only in a
/// group metric's column), as `coprod plot` requires, and every `end_reason` in groups.csv
/// is a way a group ends: a damaged value would otherwise be merged, counted as missing in
/// summary.csv, and leave a directory without charts (or with wrong ones).
///
/// # Errors
/// [`OutputError::Shard`] naming the file, line and run (and the column of a value).
pub fn check_shard(
    dir: &Path,
    shard: &ShardInfo,
    swept: &[String],
    steps: u64,
    identity: &dyn Fn(u64) -> Vec<String>,
) -> Result<(), OutputError> {
    let holds = Holds {
        runs: shard.first_run..shard.end_run(),
        group_rows: shard.group_rows,
        whose: "the shard's",
        said: format!(
            "{SHARD_JSON} says the shard holds {}",
            shard.describe_runs()
        ),
        timeseries_identity: false,
    };
    check_files(dir, &holds, swept, steps, identity)
}

/// The runs the files of a directory must hold, and how the checks name them.
pub(super) struct Holds {
    /// Their run ids.
    pub(super) runs: std::ops::Range<u64>,
    /// The rows of groups.csv, if recorded (shard.json's `group_rows`).
    pub(super) group_rows: Option<u64>,
    /// Whose runs they are: "the shard's".
    pub(super) whose: &'static str,
    /// What records them, in words: "shard.json says the shard holds runs 0-9".
    pub(super) said: String,
    /// Whether each row of timeseries.csv is checked to name its run as the scenario does.
    /// `coprod merge` leaves it to the read-back ([`crate::read::each_row`]), which checks
    /// it against runs.csv (itself checked against the scenario here) and names the row
    /// as `coprod plot` would.
    pub(super) timeseries_identity: bool,
}

impl Holds {
    /// "the shard's runs 0-9".
    fn describe(&self) -> String {
        format!(
            "{} {}",
            self.whose,
            describe_range(self.runs.start, self.runs.end)
        )
    }
}

/// The checks of [`check_shard`], of the files in `dir` that hold the runs `holds` says.
pub(super) fn check_files(
    dir: &Path,
    holds: &Holds,
    swept: &[String],
    steps: u64,
    identity: &dyn Fn(u64) -> Vec<String>,
) -> Result<(), OutputError> {
    let (runs_header, ts_header, groups_header) = super::headers(swept);
    let mut names = vec![RUNS_CSV, TIMESERIES_CSV, GROUPS_CSV];
    let has_failures = dir.join(FAILURES_CSV).is_file();
    if has_failures {
        names.push(FAILURES_CSV);
    }
    for name in names {
        check_ends_with_newline(&dir.join(name))?;
    }
    let finished = check_run_ids(dir, holds, &runs_header, has_failures, identity)?;
    check_timeseries(dir, holds, &ts_header, &finished, steps, identity)?;
    check_groups(dir, holds, &groups_header, &finished)
}

/// The row read last of `file` names run `id` as `identity` says, in its columns from 1 on
/// (`expected` holds the variant, the swept values, the replication and perhaps the seed).
fn check_row_identity(
    file: &ShardFile,
    header: &[String],
    id: u64,
    expected: &[String],
) -> Result<(), OutputError> {
    for (k, want) in expected.iter().enumerate() {
        let found = file.field(k + 1);
        if found != want {
            return Err(file.bad(&format!(
                "run {id}: column `{}` is `{found}`, but run {id} of the scenario has `{want}`",
                header[k + 1]
            )));
        }
    }
    Ok(())
}

/// Every metric of the row read last of `file` (the columns from `first` on, checked by
/// `checks`) is a value the reader accepts.
fn check_values(
    file: &ShardFile,
    header: &[String],
    first: usize,
    checks: &[MetricCheck],
) -> Result<(), OutputError> {
    for (k, check) in checks.iter().enumerate() {
        if let Some(problem) = check.problem(file.field(first + k)) {
            return Err(file.bad(&format!("column `{}`: {problem}", header[first + k])));
        }
    }
    Ok(())
}

/// The checks of the metric columns of `header` from `first` on.
fn metric_checks(header: &[String], first: usize) -> Vec<MetricCheck> {
    header[first..].iter().map(|c| MetricCheck::of(c)).collect()
}

/// runs.csv and failures.csv hold the run ids of `holds` once each, in order; returns the
/// finished runs with their `groups_started`.
fn check_run_ids(
    dir: &Path,
    holds: &Holds,
    runs_header: &[String],
    has_failures: bool,
    identity: &dyn Fn(u64) -> Vec<String>,
) -> Result<Vec<(u64, u64)>, OutputError> {
    let started_column = runs_header
        .iter()
        .position(|c| c == "groups_started")
        .expect("runs.csv has groups_started");
    let first_metric = runs_header
        .iter()
        .position(|c| c == "seed")
        .expect("runs.csv has seed")
        + 1;
    let checks = metric_checks(runs_header, first_metric);
    let mut runs = ShardFile::open(dir, RUNS_CSV, runs_header)?;
    let mut finished: Vec<(u64, u64)> = Vec::new();
    while let Some(id) = runs.next()? {
        if finished.last().is_some_and(|&(last, _)| id <= last) || !holds.runs.contains(&id) {
            return Err(runs.bad(&format!(
                "run {id} is out of order or not one of {}",
                holds.describe()
            )));
        }
        check_row_identity(&runs, runs_header, id, &identity(id))?;
        check_values(&runs, runs_header, first_metric, &checks)?;
        let started = runs.field(started_column);
        let started = started
            .parse::<f64>()
            .ok()
            .filter(|v| *v >= 0.0 && v.fract() == 0.0)
            .ok_or_else(|| {
                runs.bad(&format!(
                    "run {id}: groups_started is `{started}`, not a whole number"
                ))
            })?;
        finished.push((id, started as u64));
    }
    let mut failed: Vec<u64> = Vec::new();
    if has_failures {
        let swept = &runs_header[2..first_metric - 2];
        let header = failures_header(swept);
        let mut failures = ShardFile::open(dir, FAILURES_CSV, &header)?;
        while let Some(id) = failures.next()? {
            if failed.last().is_some_and(|&last| id <= last)
                || !holds.runs.contains(&id)
                || finished.binary_search_by_key(&id, |&(r, _)| r).is_ok()
            {
                return Err(failures.bad(&format!(
                    "run {id} is out of order, also in {RUNS_CSV} or not one of {}",
                    holds.describe()
                )));
            }
            check_row_identity(&failures, &header, id, &identity(id))?;
            failed.push(id);
        }
    }
    if let Some(missing) = holds.runs.clone().find(|id| {
        finished.binary_search_by_key(id, |&(r, _)| r).is_err() && failed.binary_search(id).is_err()
    }) {
        return Err(OutputError::Shard {
            path: dir.to_path_buf(),
            reason: format!(
                "run {missing} is in neither {RUNS_CSV} nor {FAILURES_CSV}, but {}: the files \
                 are cut short",
                holds.said
            ),
        });
    }
    Ok(finished)
}

/// timeseries.csv holds steps 0, 1, ..., `steps - 1` of each finished run, in run order,
/// and nothing else.
fn check_timeseries(
    dir: &Path,
    holds: &Holds,
    ts_header: &[String],
    finished: &[(u64, u64)],
    steps: u64,
    identity: &dyn Fn(u64) -> Vec<String>,
) -> Result<(), OutputError> {
    let mut file = ShardFile::open(dir, TIMESERIES_CSV, ts_header)?;
    let step_column = ts_header.iter().position(|c| c == "step").expect("step");
    let checks = metric_checks(ts_header, step_column + 1);
    // The identity of the run being read, without the seed (timeseries.csv has none).
    let mut named: Option<(u64, Vec<String>)> = None;
    let mut at = 0usize; // the finished run being read
    let mut rows = 0u64; // its rows so far
    let short = |file: &ShardFile, id: u64, rows: u64| {
        file.bad(&format!(
            "run {id} has {rows} of its {steps} steps: the file is cut short or rows are missing"
        ))
    };
    while let Some(id) = file.next()? {
        if rows > 0 && finished[at].0 != id {
            if rows < steps {
                return Err(short(&file, finished[at].0, rows));
            }
            at += 1;
            rows = 0;
        }
        match finished.get(at) {
            Some(&(r, _)) if r == id => {}
            Some(&(r, _)) if r < id => {
                return Err(file.bad(&format!(
                    "run {r} has no rows, but {RUNS_CSV} lists it as finished: rows are missing"
                )));
            }
            _ => {
                return Err(file.bad(&format!(
                    "run {id} is out of order or not a finished run of {}",
                    holds.describe()
                )));
            }
        }
        if rows == steps {
            return Err(file.bad(&format!("run {id} has more than its {steps} steps")));
        }
        if file.field(step_column) != rows.to_string() {
            return Err(file.bad(&format!(
                "run {id}: step {} where step {rows} was expected: rows are missing",
                file.field(step_column)
            )));
        }
        if named.as_ref().is_none_or(|(named, _)| *named != id) {
            let mut expected = identity(id);
            expected.truncate(step_column - 1);
            named = Some((id, expected));
        }
        let expected = &named.as_ref().expect("set above").1;
        if holds.timeseries_identity {
            check_row_identity(&file, ts_header, id, expected)?;
        }
        check_values(&file, ts_header, step_column + 1, &checks)?;
        rows += 1;
    }
    if rows > 0 {
        if rows < steps {
            return Err(short(&file, finished[at].0, rows));
        }
        at += 1;
    }
    if let Some(&(id, _)) = finished.get(at).filter(|_| steps > 0) {
        return Err(OutputError::Shard {
            path: file.path.clone(),
            reason: format!(
                "run {id} has no rows, but {RUNS_CSV} lists it as finished: the file is cut \
                 short"
            ),
        });
    }
    Ok(())
}

/// groups.csv: group ids 0, 1, ... within each finished run, and as many started groups as
/// runs.csv's `groups_started`.
fn check_groups(
    dir: &Path,
    holds: &Holds,
    groups_header: &[String],
    finished: &[(u64, u64)],
) -> Result<(), OutputError> {
    let mut file = ShardFile::open(dir, GROUPS_CSV, groups_header)?;
    let id_column = 1;
    let reason_column = groups_header
        .iter()
        .position(|c| c == "end_reason")
        .expect("end_reason");
    let checks = group_checks(groups_header);
    let mut counts: Vec<u64> = vec![0; finished.len()];
    let mut at: Option<usize> = None;
    let mut ids = crate::read::GroupIds::default();
    let mut rows = 0u64;
    while let Some(id) = file.next()? {
        rows += 1;
        for &(column, check) in &checks {
            let field = file.field(column);
            if let Some(expected) = check.problem(field) {
                return Err(file.bad(&format!(
                    "column `{}`: expected {expected}, found {field:?}",
                    groups_header[column]
                )));
            }
        }
        if at.is_none_or(|a| finished[a].0 != id) {
            let after = at.map_or(0, |a| a + 1);
            match finished[after..].iter().position(|&(r, _)| r == id) {
                Some(k) => at = Some(after + k),
                None => {
                    return Err(file.bad(&format!(
                        "run {id} is out of order or not a finished run of {}",
                        holds.describe()
                    )));
                }
            }
        }
        ids.next(id, file.field(id_column))
            .map_err(|message| file.bad(&message))?;
        let a = at.expect("set above");
        if crate::read::started(file.field(reason_column)) {
            counts[a] += 1;
        }
    }
    for (&(id, started), &count) in finished.iter().zip(&counts) {
        if count != started {
            return Err(OutputError::Shard {
                path: file.path.clone(),
                reason: format!(
                    "run {id} has {count} started groups, but {RUNS_CSV} records \
                     groups_started {started}: the file is cut short or rows are missing"
                ),
            });
        }
    }
    if let Some(recorded) = holds.group_rows.filter(|&r| r != rows) {
        return Err(OutputError::Shard {
            path: file.path.clone(),
            reason: format!(
                "it holds {rows} rows, but {SHARD_JSON} records group_rows {recorded}: {}",
                if rows < recorded {
                    "the file is cut short or rows are missing"
                } else {
                    "it has rows the shard did not write"
                }
            ),
        });
    }
    Ok(())
}

/// How a value column of groups.csv is read back (`crate::read::each_group`): a shard
/// holding a value the reader refuses would merge into a directory `coprod plot` refuses.
#[derive(Clone, Copy, Debug)]
enum GroupCheck {
    /// A whole number.
    Whole,
    /// A whole number or an empty field (a group still going at the end).
    WholeOrEmpty,
    /// A whole number that fits 32 bits.
    Whole32,
    /// A finite number.
    Finite,
    /// The name of a way a group ends (`coprod_core::EndReason`), which decides whether it
    /// counts as started and how the charts class its end.
    EndReason,
    /// The name of a kind of task (`coprod_core::TaskKind`).
    Task,
}

/// What an `end_reason` field should be, for messages (the names of [`is_end_reason`]).
pub(crate) const END_REASON_EXPECTED: &str =
    "one of active, too_few_members, failed_task, never_started, forming";

/// Whether `text` names a way a group ends, as groups.csv writes it.
pub(crate) fn is_end_reason(text: &str) -> bool {
    use coprod_core::EndReason as E;
    [
        E::Active,
        E::TooFewMembers,
        E::FailedTask,
        E::NeverStarted,
        E::Forming,
    ]
    .iter()
    .any(|reason| reason.as_str() == text)
}

/// What a `task` field should be, for messages (the names of [`is_task`]).
pub(crate) const TASK_EXPECTED: &str = "one of specific, generic";

/// Whether `text` names a kind of task (`coprod_core::TaskKind`), as groups.csv writes it.
pub(crate) fn is_task(text: &str) -> bool {
    use coprod_core::TaskKind as T;
    [T::Specific, T::Generic]
        .iter()
        .any(|task| task.as_str() == text)
}

impl GroupCheck {
    /// What `field` should be, if the reader would refuse it.
    fn problem(self, field: &str) -> Option<&'static str> {
        let text = field.trim();
        let ok = match self {
            GroupCheck::Whole => text.parse::<u64>().is_ok(),
            GroupCheck::WholeOrEmpty => text.is_empty() || text.parse::<u64>().is_ok(),
            GroupCheck::Whole32 => text.parse::<u32>().is_ok(),
            GroupCheck::Finite => text.parse::<f64>().is_ok_and(f64::is_finite),
            GroupCheck::EndReason => is_end_reason(field),
            GroupCheck::Task => is_task(field),
        };
        (!ok).then_some(match self {
            GroupCheck::Whole => "a whole number",
            GroupCheck::WholeOrEmpty => "a whole number or an empty field",
            GroupCheck::Whole32 => "a whole number of at most 4294967295",
            GroupCheck::Finite => "a finite number",
            GroupCheck::EndReason => END_REASON_EXPECTED,
            GroupCheck::Task => TASK_EXPECTED,
        })
    }
}

/// The value columns of groups.csv that the reader parses, with how.
fn group_checks(header: &[String]) -> Vec<(usize, GroupCheck)> {
    let whole32 = [
        GROUP_LIFE_COLUMNS[0],
        GROUP_LIFE_COLUMNS[1],
        GROUP_LIFE_COLUMNS[8],
    ];
    header
        .iter()
        .enumerate()
        .filter_map(|(k, name)| {
            let check = match name.as_str() {
                "size_cap" | "size_at_formation" | "formed_step" => GroupCheck::Whole,
                "ended_step" => GroupCheck::WholeOrEmpty,
                "end_reason" => GroupCheck::EndReason,
                "task" => GroupCheck::Task,
                n if whole32.contains(&n) => GroupCheck::Whole32,
                n if GROUP_LIFE_COLUMNS.contains(&n) => GroupCheck::Finite,
                _ => return None,
            };
            Some((k, check))
        })
        .collect()
}

fn write_record(table: &mut Table, record: &csv::ByteRecord) -> Result<(), OutputError> {
    table
        .writer
        .write_byte_record(record)
        .map_err(|e| OutputError::csv(&table.path, e))
}

impl Writer {
    /// Appends every row of the shard directory `dir` (described by `shard`): runs.csv,
    /// failures.csv, timeseries.csv and groups.csv rows are copied as they are, and the
    /// summary takes each run's metrics from its runs.csv row. Call for the shards in
    /// run-id order, after checking that they cover every run once. Fails, naming the file
    /// and line, if a file does not hold exactly the shard's runs in order.
    pub fn append_shard(&mut self, dir: &Path, shard: &ShardInfo) -> Result<(), OutputError> {
        let succeeded = self.append_runs_and_failures(dir, shard)?;
        let (_, ts_header, groups_header) = super::headers(&self.swept);
        self.append_finished_rows(dir, TIMESERIES_CSV, &ts_header, &succeeded, shard)?;
        let with_groups =
            self.append_finished_rows(dir, GROUPS_CSV, &groups_header, &succeeded, shard)?;
        self.runs_without_groups += succeeded.len() as u64 - with_groups;
        Ok(())
    }

    /// Copies the rows of the shard's runs.csv and failures.csv, which together must hold
    /// each run id of the shard once, in order. Returns the runs that succeeded.
    fn append_runs_and_failures(
        &mut self,
        dir: &Path,
        shard: &ShardInfo,
    ) -> Result<Vec<u64>, OutputError> {
        let (runs_header, _, _) = super::headers(&self.swept);
        let mut runs = ShardFile::open(dir, RUNS_CSV, &runs_header)?;
        let failures_path = dir.join(FAILURES_CSV);
        let mut failures = if failures_path.is_file() {
            Some(ShardFile::open(
                dir,
                FAILURES_CSV,
                &failures_header(&self.swept),
            )?)
        } else {
            None
        };
        let mut next_run = runs.next()?;
        let mut next_failure = match failures.as_mut() {
            Some(f) => f.next()?,
            None => None,
        };
        let mut succeeded: Vec<u64> = Vec::new();
        for expected in shard.first_run..shard.end_run() {
            if next_run == Some(expected) {
                self.append_run(&runs)?;
                succeeded.push(expected);
                next_run = runs.next()?;
            } else if let (Some(f), true) = (failures.as_mut(), next_failure == Some(expected)) {
                self.append_failure(f)?;
                next_failure = f.next()?;
            } else {
                return Err(OutputError::Shard {
                    path: dir.to_path_buf(),
                    reason: format!(
                        "run {expected} is in neither {RUNS_CSV} nor {FAILURES_CSV}, but \
                         {SHARD_JSON} says the shard holds {}",
                        shard.describe_runs()
                    ),
                });
            }
        }
        if next_run.is_some() {
            return Err(runs.bad(&format!(
                "a row is not one of the shard's {}",
                shard.describe_runs()
            )));
        }
        if let (Some(f), Some(_)) = (failures.as_ref(), next_failure) {
            return Err(f.bad(&format!(
                "a row is not one of the shard's {}",
                shard.describe_runs()
            )));
        }
        Ok(succeeded)
    }

    /// Copies the row of runs.csv read last and adds its metrics to the summary.
    fn append_run(&mut self, runs: &ShardFile) -> Result<(), OutputError> {
        write_record(&mut self.runs, &runs.record)?;
        let fields: Vec<&str> = runs
            .record
            .iter()
            .map(|f| std::str::from_utf8(f).unwrap_or(""))
            .collect();
        self.add_runs_row(&fields)
            .map_err(|reason| runs.bad(&reason))
    }

    /// Copies a row of failures.csv, creating the file at the first failure (a run
    /// directory without failures has none), and makes the run's summary cell as
    /// [`Writer::write_failure`] does.
    fn append_failure(&mut self, failures: &ShardFile) -> Result<(), OutputError> {
        if self.failures.is_none() {
            let header = failures_header(&self.swept);
            self.failures = Some(Table::create(self.dir.staging(), FAILURES_CSV, &header)?);
        }
        let table = self.failures.as_mut().expect("created above");
        write_record(table, &failures.record)?;
        let point: Vec<String> = (2..2 + self.swept.len())
            .map(|k| failures.field(k).to_string())
            .collect();
        self.cell(failures.field(1), &point);
        self.failed_runs += 1;
        Ok(())
    }

    /// Copies the rows of the shard's per-step or per-group file `name`, which may belong
    /// only to runs that `succeeded`, in order. Returns how many runs have rows in it.
    fn append_finished_rows(
        &mut self,
        dir: &Path,
        name: &str,
        header: &[String],
        succeeded: &[u64],
        shard: &ShardInfo,
    ) -> Result<u64, OutputError> {
        let mut file = ShardFile::open(dir, name, header)?;
        let mut runs_with_rows = 0u64;
        let mut at = 0usize;
        let mut last: Option<u64> = None;
        while let Some(id) = file.next()? {
            if last != Some(id) {
                while at < succeeded.len() && succeeded[at] < id {
                    at += 1;
                }
                if succeeded.get(at) != Some(&id) {
                    return Err(file.bad(&format!(
                        "run {id} is out of order or not a finished run of the shard's {}",
                        shard.describe_runs()
                    )));
                }
                last = Some(id);
                runs_with_rows += 1;
            }
            let table = if name == GROUPS_CSV {
                self.group_rows += 1;
                &mut self.groups
            } else {
                &mut self.timeseries
            };
            write_record(table, &file.record)?;
        }
        Ok(runs_with_rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard(first_run: u64, runs: u64) -> ShardInfo {
        ShardInfo {
            coprod_version: "1".into(),
            scenario_hash: "h".into(),
            index: 0,
            count: 1,
            first_run,
            runs,
            total_runs: 10,
            failed_runs: 0,
            group_rows: Some(0),
            scenario: ShardScenario {
                name: "t".into(),
                origin: "t.toml".into(),
                source: String::new(),
                settings: Vec::new(),
                set_options: Vec::new(),
                quick: false,
                metrics: Vec::new(),
                against: "baseline".into(),
                against_given: Some(false),
            },
        }
    }

    /// Run `run`'s output: one step, and one group (started) unless `run` is odd.
    fn run_output(run: u64) -> coprod_core::RunOutput {
        use coprod_core::{EndReason, GroupRecord, StepMetrics, TaskKind};
        let group = GroupRecord {
            group_id: 0,
            organisation: None,
            community: 1,
            task: TaskKind::Specific,
            size_cap: 4,
            size_at_formation: 3,
            formed_step: 0,
            ended_step: None,
            end_reason: EndReason::Active,
            life: Default::default(),
        };
        coprod_core::RunOutput {
            steps: vec![StepMetrics {
                step: 0,
                participation_rate: run as f64 / 7.0,
                ..StepMetrics::default()
            }],
            groups: if run.is_multiple_of(2) {
                vec![group]
            } else {
                Vec::new()
            },
            citizens: Vec::new(),
            organisations: Vec::new(),
        }
    }

    /// Writes runs `runs` into a writer: a whole run or one shard's block. Run 2, alone at
    /// its sweep point, fails, so that point's summary rows come from the failure alone.
    fn write_runs(w: &mut Writer, runs: std::ops::Range<u64>) {
        let (point, failing) = (["0.5".to_string()], ["0.9".to_string()]);
        for run in runs {
            let id = super::super::RunIdentity {
                run_id: run,
                variant: "baseline",
                point: if run == 2 { &failing } else { &point },
                replication: run as u32,
                seed: 10 + run,
            };
            if run == 2 {
                w.write_failure(&id, "panic", "boom").unwrap();
            } else {
                w.write_run(&id, &run_output(run)).unwrap();
            }
        }
    }

    fn swept() -> Vec<String> {
        vec!["levers.outreach".to_string()]
    }

    /// How [`write_runs`] names run `run`: variant, swept value, replication, seed.
    fn identity(run: u64) -> Vec<String> {
        let point = if run == 2 { "0.9" } else { "0.5" };
        ["baseline", point, &run.to_string(), &(10 + run).to_string()]
            .map(String::from)
            .to_vec()
    }

    /// A shard directory of runs `first..first + runs` of 4, with its shard.json.
    fn shard_dir(root: &Path, first: u64, runs: u64) -> (std::path::PathBuf, ShardInfo) {
        let dir = root.join(format!("shard{first}"));
        let kind = crate::Existing::Refuse(crate::Kind::Run);
        let mut w = Writer::create(&dir, swept(), kind).unwrap();
        write_runs(&mut w, first..first + runs);
        let info = ShardInfo {
            first_run: first,
            runs,
            total_runs: 4,
            failed_runs: w.failed_runs(),
            group_rows: Some(w.group_rows()),
            ..shard(first, runs)
        };
        let completed = w.complete(test_manifest().experiment.steps).unwrap();
        write_shard(completed.staging(), &info).unwrap();
        completed.commit(&test_manifest()).unwrap();
        assert_eq!(read_shard(&dir).unwrap(), info);
        (dir, info)
    }

    fn test_manifest() -> crate::Manifest {
        serde_json::from_value(serde_json::json!({
            "coprod_version": "1",
            "scenario": {"name": "t", "description": "", "origin": "t.toml", "source": "",
                         "hash": "h"},
            "experiment": {"steps": 1, "replications": 4, "sweep_points": 1, "runs": 4},
            "seeds": {"base_seed": 1, "derivation": "", "replications": []},
            "parameters": [], "sweep": [], "variants": [], "settings": [], "quick": false,
            "step_metrics": [], "summary_metrics": [], "failed_runs": 1, "files": [],
            "timing": {"started_utc": "", "wall_seconds": 0.0, "threads": 1,
                       "resumed_at_run": null}
        }))
        .unwrap()
    }

    /// Shards that pass their checks merge into files byte for byte those of one process
    /// running every run, and the writer's counts are those of that process.
    #[test]
    fn merged_shards_equal_one_whole_run() {
        let tmp = tempfile::tempdir().unwrap();
        let kind = crate::Existing::Refuse(crate::Kind::Run);
        let whole = tmp.path().join("whole");
        let mut w = Writer::create(&whole, swept(), kind).unwrap();
        write_runs(&mut w, 0..4);
        let counts = (
            w.runs_done(),
            w.failed_runs(),
            w.runs_without_groups(),
            w.group_rows(),
        );
        w.finish(&test_manifest()).unwrap();

        let shards = [shard_dir(tmp.path(), 0, 3), shard_dir(tmp.path(), 3, 1)];
        let merged = tmp.path().join("merged");
        let mut w = Writer::create(&merged, swept(), kind).unwrap();
        for (dir, info) in &shards {
            check_shard(dir, info, &swept(), 1, &identity).unwrap();
            w.append_shard(dir, info).unwrap();
        }
        assert_eq!(
            (
                w.runs_done(),
                w.failed_runs(),
                w.runs_without_groups(),
                w.group_rows()
            ),
            counts
        );
        assert_eq!(counts, (4, 1, 2, 1));
        w.finish(&test_manifest()).unwrap();
        for file in [
            RUNS_CSV,
            TIMESERIES_CSV,
            GROUPS_CSV,
            FAILURES_CSV,
            crate::SUMMARY_CSV,
        ] {
            assert_eq!(
                std::fs::read(whole.join(file)).unwrap(),
                std::fs::read(merged.join(file)).unwrap(),
                "{file}"
            );
        }
    }

    /// A shard that holds other runs than its shard.json says, or whose files are cut short
    /// or damaged, is refused naming the file.
    #[test]
    fn damaged_shards_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let (dir, info) = shard_dir(tmp.path(), 0, 3);
        let check = |info: &ShardInfo| {
            check_shard(&dir, info, &swept(), 1, &identity)
                .unwrap_err()
                .to_string()
        };
        let append = |info: &ShardInfo| {
            let target = tmp.path().join("merged");
            let kind = crate::Existing::Replace(crate::Kind::Run);
            let mut w = Writer::create(&target, swept(), kind).unwrap();
            w.append_shard(&dir, info).unwrap_err().to_string()
        };
        // It says it holds runs 0-3: run 3 is in no file.
        let more = ShardInfo {
            runs: 4,
            ..info.clone()
        };
        assert!(
            check(&more).contains("run 3 is in neither"),
            "{}",
            check(&more)
        );
        assert!(
            append(&more).contains("run 3 is in neither"),
            "{}",
            append(&more)
        );
        // It says it holds runs 0-1: run 2 (a failure) is not one of them.
        let fewer = ShardInfo {
            runs: 2,
            group_rows: Some(1),
            ..info.clone()
        };
        let e = check(&fewer);
        assert!(e.contains("not one of the shard's runs 0-1"), "{e}");
        let e = append(&fewer);
        assert!(e.contains("failures.csv") && e.contains("runs 0-1"), "{e}");
        // More group rows recorded than the file holds.
        let e = check(&ShardInfo {
            group_rows: Some(5),
            ..info.clone()
        });
        assert!(
            e.contains("holds 1 rows, but shard.json records group_rows 5"),
            "{e}"
        );

        // A time series row of a run past every run of the shard.
        let ts = dir.join(TIMESERIES_CSV);
        let text = std::fs::read_to_string(&ts).unwrap();
        let last = text.lines().last().unwrap().replacen('1', "5", 1);
        std::fs::write(&ts, format!("{text}{last}\n")).unwrap();
        let e = append(&info);
        assert!(
            e.contains("run 5 is out of order or not a finished run"),
            "{e}"
        );
        std::fs::write(&ts, text).unwrap();

        // A last line without its line break.
        let runs = dir.join(RUNS_CSV);
        let text = std::fs::read_to_string(&runs).unwrap();
        std::fs::write(&runs, text.trim_end()).unwrap();
        assert!(check(&info).contains("no line break"), "{}", check(&info));
        // A row with fewer fields than the header: named with its line.
        let mut lines: Vec<&str> = text.lines().collect();
        lines[2] = "1,baseline";
        std::fs::write(&runs, lines.join("\n") + "\n").unwrap();
        let e = append(&info);
        assert!(e.contains("line 3: the row has 2 fields"), "{e}");
        // A header that is not UTF-8.
        let mut bytes = text.clone().into_bytes();
        bytes[0] = 0xff;
        std::fs::write(&runs, bytes).unwrap();
        let e = append(&info);
        assert!(e.contains("line 1: not UTF-8 text"), "{e}");
        // No shard.json at all.
        let e = read_shard(tmp.path()).unwrap_err().to_string();
        assert!(e.contains("not a finished shard directory"), "{e}");
    }

    /// check_shard reads every row of runs.csv, timeseries.csv and groups.csv: a row missing,
    /// doubled, out of order or of a failed run is found before anything is merged, and
    /// named with the run. The shard holds runs 0-2: run 0 with one group, run 1 with none,
    /// run 2 failed; one step each.
    #[test]
    fn check_shard_finds_damage_in_every_file() {
        let tmp = tempfile::tempdir().unwrap();
        let (dir, info) = shard_dir(tmp.path(), 0, 3);
        check_shard(&dir, &info, &swept(), 1, &identity).unwrap();
        let e = check_shard(&dir, &info, &swept(), 2, &identity)
            .unwrap_err()
            .to_string();
        assert!(e.contains("run 0 has 1 of its 2 steps"), "{e}");
        // Each case rewrites one file's data rows, checks, and restores the file.
        let damaged = |name: &str, edit: &dyn Fn(&mut Vec<String>)| {
            let path = dir.join(name);
            let text = std::fs::read_to_string(&path).unwrap();
            let mut lines: Vec<String> = text.lines().map(String::from).collect();
            edit(&mut lines);
            std::fs::write(&path, lines.join("\n") + "\n").unwrap();
            let e = check_shard(&dir, &info, &swept(), 1, &identity)
                .unwrap_err()
                .to_string();
            std::fs::write(&path, text).unwrap();
            e
        };
        let set = |line: &mut String, k: usize, value: &str| {
            let mut fields: Vec<&str> = line.split(',').collect();
            fields[k] = value;
            *line = fields.join(",");
        };
        let started = super::super::headers(&swept())
            .0
            .iter()
            .position(|c| c == "groups_started")
            .unwrap();
        for (name, edit, want) in [
            (
                RUNS_CSV,
                &(|l: &mut Vec<String>| l.swap(1, 2)) as &dyn Fn(&mut Vec<String>),
                "run 0 is out of order or not one of the shard's runs 0-2 (line 3)",
            ),
            (
                RUNS_CSV,
                &|l: &mut Vec<String>| set(&mut l[1], started, "0.5"),
                "run 0: groups_started is `0.5`",
            ),
            (
                RUNS_CSV,
                &|l: &mut Vec<String>| {
                    // Run 1's row renamed run 2 (as the scenario names run 2).
                    for (k, value) in identity(2).iter().enumerate() {
                        set(&mut l[2], k + 1, value);
                    }
                    set(&mut l[2], 0, "2");
                },
                "run 2 is out of order, also in runs.csv",
            ),
            (
                TIMESERIES_CSV,
                &|l: &mut Vec<String>| drop(l.remove(2)),
                "run 1 has no rows",
            ),
            (
                TIMESERIES_CSV,
                &|l: &mut Vec<String>| l.truncate(1),
                "run 0 has no rows, but runs.csv lists it as finished: the file is cut short",
            ),
            (
                TIMESERIES_CSV,
                &|l: &mut Vec<String>| drop(l.remove(1)),
                "run 0 has no rows",
            ),
            (
                TIMESERIES_CSV,
                &|l: &mut Vec<String>| l.insert(1, l[1].clone()),
                "run 0 has more than its 1 steps",
            ),
            (
                TIMESERIES_CSV,
                &|l: &mut Vec<String>| set(&mut l[2], 4, "5"),
                "run 1: step 5 where step 0 was expected",
            ),
            (
                TIMESERIES_CSV,
                &|l: &mut Vec<String>| {
                    let mut last = l[2].clone();
                    set(&mut last, 0, "5");
                    l.push(last);
                },
                "run 5 is out of order or not a finished run",
            ),
            (
                GROUPS_CSV,
                &|l: &mut Vec<String>| set(&mut l[1], 1, "1"),
                "run 0: group 1 where group 0 was expected",
            ),
            (
                GROUPS_CSV,
                &|l: &mut Vec<String>| set(&mut l[1], 0, "1"),
                "run 0 has 0 started groups, but runs.csv records groups_started 1",
            ),
            (
                GROUPS_CSV,
                &|l: &mut Vec<String>| set(&mut l[1], 9, "never_started"),
                "run 0 has 0 started groups",
            ),
            (
                GROUPS_CSV,
                &|l: &mut Vec<String>| {
                    let mut second = l[1].clone();
                    set(&mut second, 1, "1");
                    l.push(second);
                },
                "run 0 has 2 started groups",
            ),
            (
                GROUPS_CSV,
                &|l: &mut Vec<String>| set(&mut l[1], 0, "2"),
                "run 2 is out of order or not a finished run",
            ),
            (
                GROUPS_CSV,
                &|l: &mut Vec<String>| {
                    // Run 0, run 1, then run 0 again.
                    let mut run1 = l[1].clone();
                    set(&mut run1, 0, "1");
                    l.push(run1);
                    l.push(l[1].clone());
                },
                "run 0 is out of order or not a finished run of the shard's runs 0-2 (line 4)",
            ),
            // Values the reader would refuse, and rows that name another run than the
            // scenario's run of that id.
            (
                RUNS_CSV,
                &|l: &mut Vec<String>| set(&mut l[1], 5, "NaN"),
                "runs.csv: column `participation_rate`: expected a finite number, found \"NaN\" \
                 (line 2)",
            ),
            (
                RUNS_CSV,
                &|l: &mut Vec<String>| set(&mut l[2], 5, "1.5"),
                "column `participation_rate`: expected a value from 0 to 1 (share of citizens), \
                 found \"1.5\" (line 3)",
            ),
            (
                RUNS_CSV,
                &|l: &mut Vec<String>| set(&mut l[1], 1, "other"),
                "run 0: column `variant` is `other`, but run 0 of the scenario has `baseline` \
                 (line 2)",
            ),
            (
                RUNS_CSV,
                &|l: &mut Vec<String>| set(&mut l[2], 4, "99"),
                "run 1: column `seed` is `99`, but run 1 of the scenario has `11` (line 3)",
            ),
            (
                FAILURES_CSV,
                &|l: &mut Vec<String>| set(&mut l[1], 3, "0"),
                "run 2: column `replication` is `0`, but run 2 of the scenario has `2` (line 2)",
            ),
            (
                TIMESERIES_CSV,
                &|l: &mut Vec<String>| set(&mut l[2], 5, "-1"),
                "column `participation_rate`: expected a value from 0 to 1 (share of citizens), \
                 found \"-1\" (line 3)",
            ),
            (
                TIMESERIES_CSV,
                &|l: &mut Vec<String>| set(&mut l[1], 6, "inf"),
                "expected a finite number, found \"inf\" (line 2)",
            ),
            // groups.csv's values as the reader takes them (a NaN effort merged with exit 0
            // into a directory `coprod plot` refused).
            (
                GROUPS_CSV,
                &|l: &mut Vec<String>| set(&mut l[1], 13, "NaN"),
                "groups.csv: column `effort`: expected a finite number, found \"NaN\" (line 2)",
            ),
            (
                GROUPS_CSV,
                &|l: &mut Vec<String>| set(&mut l[1], 7, "-1"),
                "column `formed_step`: expected a whole number, found \"-1\" (line 2)",
            ),
            (
                GROUPS_CSV,
                &|l: &mut Vec<String>| set(&mut l[1], 10, "4294967296"),
                "column `months_producing`: expected a whole number of at most 4294967295",
            ),
            (
                GROUPS_CSV,
                &|l: &mut Vec<String>| set(&mut l[1], 9, "activX"),
                "column `end_reason`: expected one of active, too_few_members, failed_task, \
                 never_started, forming, found \"activX\" (line 2)",
            ),
            (
                GROUPS_CSV,
                &|l: &mut Vec<String>| set(&mut l[1], 4, "vague"),
                "column `task`: expected one of specific, generic, found \"vague\" (line 2)",
            ),
        ] {
            let e = damaged(name, edit);
            assert!(e.contains(name) || name == RUNS_CSV, "{name}: {e}");
            assert!(e.contains(want), "{name}: {e}");
        }
        // A timeseries row naming another run: left by check_shard to the read-back
        // (`coprod merge` runs both), checked here for the runs `--resume` finds saved.
        let path = dir.join(TIMESERIES_CSV);
        let text = std::fs::read_to_string(&path).unwrap();
        let mut lines: Vec<String> = text.lines().map(String::from).collect();
        set(&mut lines[1], 2, "0.7");
        std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        check_shard(&dir, &info, &swept(), 1, &identity).unwrap();
        let saved = Holds {
            runs: 0..3,
            group_rows: None,
            whose: "the saved",
            said: String::new(),
            timeseries_identity: true,
        };
        let e = check_files(&dir, &saved, &swept(), 1, &identity)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(
                "run 0: column `levers.outreach` is `0.7`, but run 0 of the scenario has `0.5` \
                 (line 2)"
            ),
            "{e}"
        );
        std::fs::write(&path, text).unwrap();
    }

    /// The edges of check_shard: several failures in order, a failed run's id where a
    /// finished run's rows should be, the last run short of steps, and runs of no step.
    #[test]
    fn check_shard_edges() {
        let tmp = tempfile::tempdir().unwrap();
        // Runs 0-3: run 2 failed; run 1 made a failure too, in order.
        let (dir, info) = shard_dir(tmp.path(), 0, 4);
        let edit = |name: &str, f: &dyn Fn(&mut Vec<String>)| {
            let path = dir.join(name);
            let mut lines: Vec<String> = std::fs::read_to_string(&path)
                .unwrap()
                .lines()
                .map(String::from)
                .collect();
            f(&mut lines);
            std::fs::write(&path, lines.join("\n") + "\n").unwrap();
        };
        edit(RUNS_CSV, &|l| drop(l.remove(2)));
        edit(TIMESERIES_CSV, &|l| drop(l.remove(2)));
        edit(FAILURES_CSV, &|l| {
            l.insert(1, "1,baseline,0.5,1,11,panic,boom".into());
        });
        check_shard(&dir, &info, &swept(), 1, &identity).unwrap();
        // Run 2 (failed) where run 3's rows should be.
        let ts = std::fs::read_to_string(dir.join(TIMESERIES_CSV)).unwrap();
        edit(TIMESERIES_CSV, &|l| {
            let mut fields: Vec<&str> = l[2].split(',').collect();
            fields[0] = "2";
            l[2] = fields.join(",");
        });
        let e = check_shard(&dir, &info, &swept(), 1, &identity)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("run 2 is out of order or not a finished run"),
            "{e}"
        );
        std::fs::write(dir.join(TIMESERIES_CSV), ts).unwrap();
        // The failures out of order.
        edit(FAILURES_CSV, &|l| l.swap(1, 2));
        let e = check_shard(&dir, &info, &swept(), 1, &identity)
            .unwrap_err()
            .to_string();
        assert!(e.contains("failures.csv: run 1 is out of order"), "{e}");

        // The last (only) run of a shard short of steps.
        let (dir, info) = shard_dir(tmp.path(), 3, 1);
        let e = check_shard(&dir, &info, &swept(), 2, &identity)
            .unwrap_err()
            .to_string();
        assert!(e.contains("run 3 has 1 of its 2 steps"), "{e}");
        // Runs of no step have no rows in timeseries.csv.
        let path = dir.join(TIMESERIES_CSV);
        let header = std::fs::read_to_string(&path).unwrap();
        let header = header.lines().next().unwrap().to_string() + "\n";
        std::fs::write(&path, header).unwrap();
        check_shard(&dir, &info, &swept(), 0, &identity).unwrap();
        // An empty file has lost even its header's line break.
        std::fs::write(dir.join(GROUPS_CSV), "").unwrap();
        let e = check_shard(&dir, &info, &swept(), 0, &identity)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("groups.csv: its last line has no line break"),
            "{e}"
        );
    }

    /// A shard.json written before `--against` existed compared with the baseline.
    #[test]
    fn an_old_shard_json_compared_with_the_baseline() {
        let mut json = serde_json::to_value(shard(0, 1)).unwrap();
        let recipe = json["scenario"].as_object_mut().unwrap();
        recipe.remove("against");
        recipe.remove("against_given");
        let info: ShardInfo = serde_json::from_value(json).unwrap();
        assert_eq!(info.scenario.against, "baseline");
        assert_eq!(info.scenario.against_given, None);
        assert_eq!(shard(3, 2).describe_runs(), "runs 3-4");
    }

    /// Adjacent stretches of missing runs, or of runs the same shards both hold, are named
    /// as one range.
    #[test]
    fn coverage_ranges_are_joined() {
        // Shards 0-1 and 3-4 twice: run 2 and runs 5-9 are missing, 3-4 doubled once.
        let shards = [
            shard(0, 2),
            shard(3, 2),
            shard(3, 2),
            shard(4, 0),
            shard(7, 0),
        ];
        let (missing, duplicate) = missing_and_duplicate_runs(&shards, 10);
        assert_eq!(missing, vec![(2, 3), (5, 10)]);
        assert_eq!(duplicate, vec![(3, 5, vec![1, 2])]);
        // Runs 2-5 held twice, by different pairs of shards: two ranges.
        let shards = [shard(0, 4), shard(2, 4), shard(4, 4)];
        let (_, duplicate) = missing_and_duplicate_runs(&shards, 8);
        assert_eq!(duplicate, vec![(2, 4, vec![0, 1]), (4, 6, vec![1, 2])]);
    }

    #[test]
    fn every_run_is_in_exactly_one_shard() {
        for total in [0u64, 1, 2, 7, 10, 24, 1000] {
            for count in [1u64, 2, 3, 7, 10, 24, 25, 100, 1001] {
                let mut next = 0;
                for index in 0..count {
                    let r = shard_range(index, count, total);
                    assert_eq!(r.start, next, "{index}/{count} of {total}");
                    let len = r.end - r.start;
                    assert!(len == total / count || len == total / count + 1);
                    next = r.end;
                }
                assert_eq!(next, total);
            }
        }
    }

    #[test]
    fn coverage_names_missing_and_duplicate_runs() {
        let shards = [shard(0, 3), shard(2, 3), shard(7, 2)];
        let (missing, duplicate) = missing_and_duplicate_runs(&shards, 10);
        assert_eq!(missing, vec![(5, 7), (9, 10)]);
        assert_eq!(duplicate, vec![(2, 3, vec![0, 1])]);
        let (missing, duplicate) = missing_and_duplicate_runs(&[shard(0, 10)], 10);
        assert!(missing.is_empty() && duplicate.is_empty());
        assert_eq!(describe_range(5, 7), "runs 5-6");
        assert_eq!(describe_range(9, 10), "run 9");
        assert_eq!(describe_range(4, 4), "no runs");
    }

    #[test]
    fn several_ranges_read_as_one_list() {
        assert_eq!(describe_ranges(&[]), "no runs");
        assert_eq!(describe_ranges(&[(5, 6)]), "run 5");
        assert_eq!(describe_ranges(&[(0, 5)]), "runs 0-4");
        assert_eq!(describe_ranges(&[(0, 5), (6, 24)]), "runs 0-4 and 6-23");
        assert_eq!(
            describe_ranges(&[(0, 5), (6, 24), (30, 31)]),
            "runs 0-4, 6-23 and 30"
        );
        assert_eq!(describe_ranges(&[(5, 6), (7, 8)]), "runs 5 and 7");
    }
}
