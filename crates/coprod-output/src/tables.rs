//! The CSV files of a run directory and the writer that streams runs into them.
//!
//! Owns column names and order, float formatting, the summary table, failures.csv and the
//! resume journal. Columns are documented in docs/outputs.md. Files load with
//! `pandas.read_csv(path)` or `read.csv(path)` without arguments: a header row, plain
//! commas, no comment lines.
//!
//! Resuming: rows are streamed in run order. After each chunk of runs,
//! [`Writer::checkpoint`] flushes and fsyncs every CSV and then appends one line to
//! `journal` in the partial directory: runs done and the byte length of each CSV. A
//! killed run therefore has, at worst, a few bytes after the last journal line;
//! [`Writer::resume`] truncates each file to the last line, checks the runs saved there as
//! `coprod merge` checks a shard's ([`Saved`]), and carries on from there.
//! `partial.json` records the coprod version and scenario fingerprint that a resume must
//! match.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::{BufRead, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use coprod_core::{METRICS, RunOutput, summary_names};
use serde::{Deserialize, Serialize};

use crate::OutputError;
use crate::files::{num, optional, write_json};
use crate::manifest::Manifest;
use crate::rundir::{Existing, PARTIAL_JSON, RunDir, partial_dir, sync_dir};
use crate::stats::Accumulator;

// Shard directories and `coprod merge`: a child module, to append rows to the writer's tables.
pub(crate) mod merge;

/// File with one row per run.
pub const RUNS_CSV: &str = "runs.csv";
/// File with one row per run and step.
pub const TIMESERIES_CSV: &str = "timeseries.csv";
/// File with one row per group (or opportunity) per run.
pub const GROUPS_CSV: &str = "groups.csv";

/// The columns of groups.csv that hold a group's production (`coprod_core::GroupLife`), in
/// its field order.
pub const GROUP_LIFE_COLUMNS: [&str; 9] = [
    "months_producing",
    "member_months",
    "first_effort",
    "effort",
    "labour",
    "coordinated_labour",
    "input",
    "effort_needed",
    "months_met",
];
/// File with one row per variant, sweep point and summary metric.
pub const SUMMARY_CSV: &str = "summary.csv";
/// The manifest; written last, so it also marks the directory complete.
pub const MANIFEST_JSON: &str = "manifest.json";
/// File with one row per failed run; only present if some run failed.
pub const FAILURES_CSV: &str = "failures.csv";
/// Resume journal in a partial directory (never in a finished run directory).
const JOURNAL: &str = "journal";

/// What makes the results of two invocations mixable: `coprod run --resume` refuses to
/// continue a partial directory whose identity differs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    /// Version of coprod that started the run.
    pub coprod_version: String,
    /// Fingerprint of the resolved scenario (`Scenario::fingerprint`).
    pub scenario_hash: String,
    /// Total runs of the experiment.
    pub runs: u64,
    /// What decides the runs, in words, as (what, value) pairs (`Scenario::recipe`), so that
    /// a refused `--resume` can say what differs; empty in partial directories written
    /// before it was recorded.
    #[serde(default)]
    pub recipe: Vec<(String, String)>,
    /// The shell command that finishes the run, for a later run that finds it waiting in
    /// a default folder and must say how to finish it; not compared by a resume.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
}

/// The identity recorded in the partial directory `staging` (its partial.json), if it
/// reads.
pub(crate) fn read_identity(staging: &Path) -> Option<Identity> {
    fs::read_to_string(staging.join(PARTIAL_JSON))
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
}

/// An interrupted run that can be resumed, waiting at a default location.
#[derive(Clone, Debug)]
pub struct Waiting {
    /// The run's directory (its partial directory is beside it).
    pub target: PathBuf,
    /// What its partial.json records; `None` if it does not read.
    pub identity: Option<Identity>,
}

/// The interrupted runs that can be resumed (their partial directory has a partial.json)
/// at the default locations of scenario `name`, `outputs/<name>`, `-2`, `-3`, ..., up to
/// the first name with neither a directory nor a partial directory.
pub fn waiting_runs(outputs: &Path, name: &str) -> Vec<Waiting> {
    std::iter::once(outputs.join(name))
        .chain((2u64..).map(|k| outputs.join(format!("{name}-{k}"))))
        .take_while(|t| t.exists() || partial_dir(t).exists())
        .filter(|t| partial_dir(t).join(PARTIAL_JSON).is_file())
        .map(|target| Waiting {
            identity: read_identity(&partial_dir(&target)),
            target,
        })
        .collect()
}

/// The entries of two recipes (`Scenario::recipe`) that differ, in words (`key = value`, or
/// `no key` for one only the other has), as (`a`'s, `b`'s); `None` if either recipe is empty
/// or they agree.
pub fn recipe_differences(
    a: &[(String, String)],
    b: &[(String, String)],
) -> Option<(String, String)> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let get = |recipe: &[(String, String)], key: &str| {
        recipe
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
    };
    // "no the sweep over X" would not read: the article goes.
    let word = |key: &str, value: Option<String>| match value {
        Some(v) => format!("{key} = {v}"),
        None => format!("no {}", key.strip_prefix("the ").unwrap_or(key)),
    };
    let mut keys: Vec<&str> = a.iter().map(|(k, _)| k.as_str()).collect();
    for (k, _) in b {
        if !keys.contains(&k.as_str()) {
            keys.push(k);
        }
    }
    let (mut in_a, mut in_b) = (Vec::new(), Vec::new());
    for key in keys {
        let (x, y) = (get(a, key), get(b, key));
        if x != y {
            in_a.push(word(key, x));
            in_b.push(word(key, y));
        }
    }
    (!in_a.is_empty()).then(|| (in_a.join("; "), in_b.join("; ")))
}

/// Every file of a run directory.
pub const FILES: [&str; 5] = [
    RUNS_CSV,
    TIMESERIES_CSV,
    GROUPS_CSV,
    SUMMARY_CSV,
    MANIFEST_JSON,
];

/// Identity of one run, as written in runs.csv.
#[derive(Clone, Debug)]
pub struct RunIdentity<'a> {
    /// Run number in run order.
    pub run_id: u64,
    /// Variant name.
    pub variant: &'a str,
    /// Value of each swept parameter, formatted as in a scenario file.
    pub point: &'a [String],
    /// Replication index.
    pub replication: u32,
    /// The run's seed.
    pub seed: u64,
}

type CsvOut = csv::Writer<BufWriter<File>>;

struct Table {
    path: PathBuf,
    writer: CsvOut,
}

impl Table {
    fn create(dir: &Path, name: &str, header: &[String]) -> Result<Table, OutputError> {
        let path = dir.join(name);
        let file = File::create(&path).map_err(|e| OutputError::io(&path, e))?;
        let writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(BufWriter::with_capacity(1 << 16, file));
        let mut t = Table { path, writer };
        t.row(header.iter().map(String::as_str))?;
        Ok(t)
    }

    /// Reopens `name` for appending after truncating it to `len` bytes (the end of the
    /// last complete chunk).
    fn reopen(dir: &Path, name: &str, len: u64) -> Result<Table, OutputError> {
        let path = dir.join(name);
        // A missing table is a damaged partial directory, as a missing journal is (the
        // way out is --force), not a directory that cannot be written.
        let mut file = fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::NotFound => OutputError::Corrupt {
                    path: path.clone(),
                    reason: format!("it is missing, but the journal recorded {len} bytes of it"),
                },
                _ => OutputError::io(&path, e),
            })?;
        let actual = file
            .metadata()
            .map_err(|e| OutputError::io(&path, e))?
            .len();
        if actual < len {
            return Err(OutputError::Corrupt {
                path: path.clone(),
                reason: format!("it has {actual} bytes, but the journal recorded {len}"),
            });
        }
        file.set_len(len).map_err(|e| OutputError::io(&path, e))?;
        file.seek(SeekFrom::Start(len))
            .map_err(|e| OutputError::io(&path, e))?;
        let writer = csv::WriterBuilder::new()
            .terminator(csv::Terminator::Any(b'\n'))
            .from_writer(BufWriter::with_capacity(1 << 16, file));
        Ok(Table { path, writer })
    }

    /// Flushes and fsyncs; returns the file's length in bytes.
    fn sync(&mut self) -> Result<u64, OutputError> {
        self.writer
            .flush()
            .map_err(|e| OutputError::io(&self.path, e))?;
        let file = self.writer.get_ref().get_ref();
        file.sync_data()
            .map_err(|e| OutputError::io(&self.path, e))?;
        Ok(file
            .metadata()
            .map_err(|e| OutputError::io(&self.path, e))?
            .len())
    }

    fn row<'s>(&mut self, fields: impl IntoIterator<Item = &'s str>) -> Result<(), OutputError> {
        self.writer
            .write_record(fields)
            .map_err(|e| OutputError::csv(&self.path, e))
    }

    fn finish(self) -> Result<(), OutputError> {
        let Table { path, writer } = self;
        let mut inner = writer
            .into_inner()
            .map_err(|e| OutputError::io(&path, e.into_error()))?;
        inner.flush().map_err(|e| OutputError::io(&path, e))?;
        inner
            .get_ref()
            .sync_all()
            .map_err(|e| OutputError::io(&path, e))
    }
}

/// One (variant, sweep point) cell of the summary.
struct Cell {
    variant: String,
    point: Vec<String>,
    metrics: Vec<Accumulator>,
}

/// The fields of one CSV row, formatted into one buffer that is reused from row to row: a
/// sweep writes millions of fields, and a `String` for each was a tenth of its time.
/// Every value is written with its `Display`, the same text as `to_string` (and [`num`] for
/// floats: shortest round-trip).
#[derive(Default)]
struct Row {
    text: String,
    ends: Vec<usize>,
}

impl Row {
    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    fn push(&mut self, value: impl std::fmt::Display) {
        use std::fmt::Write as _;
        write!(self.text, "{value}").expect("formatting into a String cannot fail");
        self.ends.push(self.text.len());
    }

    /// The columns that identify a run in runs.csv and failures.csv: run_id, variant, the
    /// swept values, replication, seed.
    fn push_identity(&mut self, id: &RunIdentity<'_>) {
        self.push(id.run_id);
        self.push(id.variant);
        id.point.iter().for_each(|v| self.push(v));
        self.push(id.replication);
        self.push(id.seed);
    }

    /// A float, or an empty field for a missing value (NaN: a group metric of a run in which
    /// no group started).
    fn push_number(&mut self, value: f64) {
        self.push_optional((!value.is_nan()).then_some(value));
    }

    /// An empty field for `None`.
    fn push_optional(&mut self, value: Option<impl std::fmt::Display>) {
        match value {
            Some(v) => self.push(v),
            None => self.ends.push(self.text.len()),
        }
    }

    fn fields(&self) -> impl Iterator<Item = &str> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(&self.ends)
            .map(|(start, &end)| &self.text[start..end])
    }
}

/// Streams runs into a run directory, then writes the summary and manifest and moves the
/// directory into place.
pub struct Writer {
    dir: RunDir,
    swept: Vec<String>,
    runs: Table,
    timeseries: Table,
    groups: Table,
    failures: Option<Table>,
    journal: File,
    cells: Vec<Cell>,
    cell_index: HashMap<(String, Vec<String>), usize>,
    row: Row,
    runs_written: u64,
    runs_without_groups: u64,
    group_rows: u64,
    failed_runs: u64,
    resumed_at: Option<u64>,
    saved: u64,
}

/// Runs saved so far in the partial directory `partial` of an interrupted or running run:
/// the last complete line of its journal (0 when it has none).
pub fn saved_runs(partial: &Path) -> u64 {
    fs::read_to_string(partial.join(JOURNAL))
        .ok()
        .and_then(|text| Checkpoint::last(&text))
        .map_or(0, |c| c.runs_done)
}

/// One line of the journal: the state after a complete chunk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Checkpoint {
    runs_done: u64,
    runs_len: u64,
    timeseries_len: u64,
    groups_len: u64,
    failures_len: u64,
    runs_without_groups: u64,
    failed_runs: u64,
}

const JOURNAL_HEADER: &str = "runs_done,runs.csv,timeseries.csv,groups.csv,failures.csv,\
                              runs_without_groups,failed_runs\n";

impl Checkpoint {
    fn line(&self) -> String {
        format!(
            "{},{},{},{},{},{},{}\n",
            self.runs_done,
            self.runs_len,
            self.timeseries_len,
            self.groups_len,
            self.failures_len,
            self.runs_without_groups,
            self.failed_runs
        )
    }

    /// The last complete line of a journal (a line cut short by a crash is ignored).
    fn last(text: &str) -> Option<Checkpoint> {
        let complete = &text[..text.rfind('\n').map_or(0, |i| i + 1)];
        complete
            .lines()
            .skip(1)
            .filter_map(|line| {
                let v: Vec<u64> = line
                    .split(',')
                    .map(|f| f.parse().ok())
                    .collect::<Option<_>>()?;
                (v.len() == 7).then(|| Checkpoint {
                    runs_done: v[0],
                    runs_len: v[1],
                    timeseries_len: v[2],
                    groups_len: v[3],
                    failures_len: v[4],
                    runs_without_groups: v[5],
                    failed_runs: v[6],
                })
            })
            .last()
    }
}

/// Rows (lines after the header) in the first `len` bytes of the CSV file `path`, whose
/// fields never hold a line break (groups.csv: numbers and names).
fn count_rows(path: &Path, len: u64) -> Result<u64, OutputError> {
    let file = File::open(path).map_err(|e| OutputError::io(path, e))?;
    let mut reader = std::io::BufReader::with_capacity(1 << 16, file.take(len));
    let mut lines = 0u64;
    loop {
        let buf = reader.fill_buf().map_err(|e| OutputError::io(path, e))?;
        if buf.is_empty() {
            break;
        }
        lines += buf.iter().filter(|&&b| b == b'\n').count() as u64;
        let n = buf.len();
        reader.consume(n);
    }
    Ok(lines.saturating_sub(1))
}

fn failures_header(swept: &[String]) -> Vec<String> {
    let s = |x: &str| x.to_string();
    let mut header = vec![s("run_id"), s("variant")];
    header.extend(swept.iter().cloned());
    header.extend(["replication", "seed", "kind", "message"].map(s));
    header
}

/// Headers of runs.csv, timeseries.csv and groups.csv.
fn headers(swept: &[String]) -> (Vec<String>, Vec<String>, Vec<String>) {
    let s = |x: &str| x.to_string();
    let mut runs_header = vec![s("run_id"), s("variant")];
    runs_header.extend(swept.iter().cloned());
    runs_header.extend([s("replication"), s("seed")]);
    runs_header.extend(summary_names().into_iter().map(|(n, _, _)| n));
    // The run's identity as in runs.csv, so a time series needs no join to be grouped.
    let mut ts_header = vec![s("run_id"), s("variant")];
    ts_header.extend(swept.iter().cloned());
    ts_header.extend([s("replication"), s("step")]);
    ts_header.extend(METRICS.iter().map(|m| s(m.0)));
    let groups_header: Vec<String> = [
        "run_id",
        "group_id",
        "organisation",
        "community",
        "task",
        "size_cap",
        "size_at_formation",
        "formed_step",
        "ended_step",
        "end_reason",
    ]
    .into_iter()
    .chain(GROUP_LIFE_COLUMNS)
    .map(s)
    .collect();
    (runs_header, ts_header, groups_header)
}

/// The identity recorded in partial.json of the partial directory `staging` is
/// `identity`; a mismatch is reported against `target`.
fn check_identity(target: &Path, staging: &Path, identity: &Identity) -> Result<(), OutputError> {
    let id_path = staging.join(PARTIAL_JSON);
    let found: Identity = read_identity(staging).ok_or_else(|| OutputError::Corrupt {
        path: id_path.clone(),
        reason: "it is missing or unreadable".into(),
    })?;
    // The same version, scenario and number of runs, else the saved runs are another
    // run's and resuming would mix them in.
    // The fingerprint decides; the recipe only says in words what differs.
    if found.coprod_version == identity.coprod_version
        && found.scenario_hash != identity.scenario_hash
        && let Some((started, now)) = recipe_differences(&found.recipe, &identity.recipe)
    {
        return Err(OutputError::Differs {
            path: target.to_path_buf(),
            started,
            now,
        });
    }
    let checks = [
        (
            "coprod version",
            found.coprod_version,
            &identity.coprod_version,
        ),
        (
            "scenario fingerprint",
            found.scenario_hash,
            &identity.scenario_hash,
        ),
        (
            "a number of runs of",
            found.runs.to_string(),
            &identity.runs.to_string(),
        ),
    ];
    for (what, found, expected) in checks {
        if found != *expected {
            return Err(OutputError::Mismatch {
                path: target.to_path_buf(),
                what: what.into(),
                found,
                expected: expected.clone(),
            });
        }
    }
    Ok(())
}

/// Opens the journal of the partial directory `staging` for appending, cut back to its last
/// complete line, and returns it with the checkpoint that line records.
fn reopen_journal(staging: &Path) -> Result<(File, Checkpoint), OutputError> {
    let journal_path = staging.join(JOURNAL);
    // A missing journal is a damaged partial directory (explained with "start over
    // with --force"), not a directory that cannot be written.
    let text = fs::read_to_string(&journal_path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => OutputError::Corrupt {
            path: journal_path.clone(),
            reason: "it is missing, so which runs were saved is unknown".into(),
        },
        _ => OutputError::io(&journal_path, e),
    })?;
    let at = Checkpoint::last(&text).ok_or_else(|| OutputError::Corrupt {
        path: journal_path.clone(),
        reason: "it records no complete chunk".into(),
    })?;
    // Rewrite the journal without any line cut short, then append to it.
    let keep = &text[..text.rfind('\n').map_or(0, |i| i + 1)];
    let mut journal = fs::OpenOptions::new()
        .write(true)
        .open(&journal_path)
        .map_err(|e| OutputError::io(&journal_path, e))?;
    journal
        .set_len(keep.len() as u64)
        .and_then(|()| journal.seek(SeekFrom::End(0)).map(|_| ()))
        .map_err(|e| OutputError::io(&journal_path, e))?;
    Ok((journal, at))
}

/// What the runs saved in a partial directory must be, for [`Writer::resume`] to check
/// them before the run goes on.
pub struct Saved<'a> {
    /// The id of the directory's first run: 0, or a shard's first run.
    pub first_run: u64,
    /// The steps of each run: its rows of timeseries.csv.
    pub steps: u64,
    /// How the scenario names a run, as for [`merge::check_shard`].
    pub identity: &'a dyn Fn(u64) -> Vec<String>,
}

impl Saved<'_> {
    /// Checks the files of `staging` (cut back to the journal's last checkpoint, which
    /// records `runs` runs) as `coprod merge` checks a shard's: a damaged value would
    /// otherwise be summed into summary.csv and leave a finished directory without charts,
    /// and the partial directory, the only way to resume, would be gone.
    fn check(&self, staging: &Path, swept: &[String], runs: u64) -> Result<(), OutputError> {
        let end = self.first_run + runs;
        let holds = merge::Holds {
            runs: self.first_run..end,
            group_rows: None,
            whose: "the saved",
            said: format!(
                "the {JOURNAL} records {} as saved",
                merge::describe_range(self.first_run, end)
            ),
            timeseries_identity: true,
        };
        merge::check_files(staging, &holds, swept, self.steps, self.identity).map_err(|e| match e {
            OutputError::Shard { path, reason } => OutputError::Corrupt { path, reason },
            e => e,
        })
    }
}

/// failures.csv of the partial directory `staging` cut back to `len` bytes, or removed
/// when no failure was saved.
fn reopen_failures(staging: &Path, len: u64) -> Result<Option<Table>, OutputError> {
    if len > 0 {
        return Ok(Some(Table::reopen(staging, FAILURES_CSV, len)?));
    }
    let failures_path = staging.join(FAILURES_CSV);
    if failures_path.exists() {
        fs::remove_file(&failures_path).map_err(|e| OutputError::io(&failures_path, e))?;
    }
    Ok(None)
}

impl Writer {
    /// Starts a run directory at `target` with one column per swept parameter.
    pub fn create(
        target: &Path,
        swept: Vec<String>,
        existing: Existing,
    ) -> Result<Writer, OutputError> {
        Writer::create_resumable(target, swept, existing, None)
    }

    /// Like [`Writer::create`], and records `identity` so that an interrupted run can be
    /// continued with [`Writer::resume`].
    pub fn create_resumable(
        target: &Path,
        swept: Vec<String>,
        existing: Existing,
        identity: Option<&Identity>,
    ) -> Result<Writer, OutputError> {
        let dir = RunDir::create(target, existing)?;
        if let Some(identity) = identity {
            write_json(&dir.staging().join(PARTIAL_JSON), identity)?;
        }
        let (runs_header, ts_header, groups_header) = headers(&swept);
        let staging = dir.staging().to_path_buf();
        let journal_path = staging.join(JOURNAL);
        let mut journal =
            File::create(&journal_path).map_err(|e| OutputError::io(&journal_path, e))?;
        journal
            .write_all(JOURNAL_HEADER.as_bytes())
            .map_err(|e| OutputError::io(&journal_path, e))?;
        let mut writer = Writer {
            runs: Table::create(&staging, RUNS_CSV, &runs_header)?,
            timeseries: Table::create(&staging, TIMESERIES_CSV, &ts_header)?,
            groups: Table::create(&staging, GROUPS_CSV, &groups_header)?,
            failures: None,
            journal,
            dir,
            swept,
            cells: Vec::new(),
            cell_index: HashMap::new(),
            row: Row::default(),
            runs_written: 0,
            runs_without_groups: 0,
            group_rows: 0,
            failed_runs: 0,
            resumed_at: None,
            saved: 0,
        };
        writer.checkpoint_at(0)?;
        Ok(writer)
    }

    /// Reopens the partial directory of an interrupted run of `target`: checks that it
    /// was started with the same `identity`, truncates every file to the last complete
    /// chunk, checks the runs saved there as `saved` says they must read, and rebuilds the
    /// summary from runs.csv. The caller continues with run [`Writer::runs_done`].
    pub fn resume(
        target: &Path,
        swept: Vec<String>,
        existing: Existing,
        identity: &Identity,
        saved: &Saved<'_>,
    ) -> Result<Writer, OutputError> {
        let dir = RunDir::resume(target, existing)?;
        let staging = dir.staging().to_path_buf();
        if staging.join(MANIFEST_JSON).is_file() && !staging.join(JOURNAL).exists() {
            // Stopped after completing everything but before the final rename.
            dir.commit()?;
            return Err(OutputError::NothingToResume {
                path: target.to_path_buf(),
            });
        }
        check_identity(target, &staging, identity)?;
        let (journal, at) = reopen_journal(&staging)?;
        let failures = reopen_failures(&staging, at.failures_len)?;
        let mut writer = Writer {
            runs: Table::reopen(&staging, RUNS_CSV, at.runs_len)?,
            timeseries: Table::reopen(&staging, TIMESERIES_CSV, at.timeseries_len)?,
            groups: Table::reopen(&staging, GROUPS_CSV, at.groups_len)?,
            failures,
            journal,
            dir,
            swept,
            cells: Vec::new(),
            cell_index: HashMap::new(),
            row: Row::default(),
            runs_written: 0,
            runs_without_groups: at.runs_without_groups,
            group_rows: count_rows(&staging.join(GROUPS_CSV), at.groups_len)?,
            failed_runs: at.failed_runs,
            resumed_at: Some(at.runs_done),
            saved: at.runs_done,
        };
        saved.check(&staging, &writer.swept, at.runs_done)?;
        writer.reload_summary(at.runs_len)?;
        if writer.runs_written + writer.failed_runs != at.runs_done {
            return Err(OutputError::Corrupt {
                path: staging.join(RUNS_CSV),
                reason: format!(
                    "it has {} runs and failures.csv {}, but the journal recorded {}",
                    writer.runs_written, writer.failed_runs, at.runs_done
                ),
            });
        }
        Ok(writer)
    }

    /// Adds one row of runs.csv (run_id, variant, swept values, replication, seed, metrics)
    /// to the summary, as when the run was first written; the error says what is wrong.
    fn add_runs_row(&mut self, fields: &[&str]) -> Result<(), String> {
        let n_swept = self.swept.len();
        if fields.len() < 4 + n_swept {
            return Err(format!("a row has {} fields", fields.len()));
        }
        // An empty field is a missing value, as written by `Row::push_number`; only a group
        // metric can be missing, so an empty field elsewhere is damage.
        let names = summary_names();
        let summary: Vec<f64> = fields[4 + n_swept..]
            .iter()
            .zip(
                names
                    .iter()
                    .map(|(name, _, _)| name.as_str())
                    .chain(std::iter::repeat("")),
            )
            .map(|(f, name)| {
                if f.is_empty() && coprod_core::GROUP_METRICS.contains(&name) {
                    Ok(f64::NAN)
                } else {
                    f.parse::<f64>()
                }
            })
            .collect::<Result<_, _>>()
            .map_err(|_| "a metric is not a number".to_string())?;
        let point: Vec<String> = fields[2..2 + n_swept]
            .iter()
            .map(|f| f.to_string())
            .collect();
        self.add_to_summary(fields[1], &point, &summary);
        self.runs_written += 1;
        Ok(())
    }

    /// Re-adds the runs already in runs.csv (its first `len` bytes) to the summary, in
    /// order: numbers are written in shortest round-trip form, so the summary comes out
    /// bit for bit as if the run had never stopped. The failed runs saved in failures.csv
    /// make their cells in the same run order, as they did when first written.
    fn reload_summary(&mut self, len: u64) -> Result<(), OutputError> {
        let mut failed = self.saved_failures()?.into_iter().peekable();
        let path = self.dir.staging().join(RUNS_CSV);
        let bytes = fs::read(&path).map_err(|e| OutputError::io(&path, e))?;
        let bytes = &bytes[..(len as usize).min(bytes.len())];
        let mut reader = csv::ReaderBuilder::new().from_reader(bytes);
        let corrupt = |reason: String| OutputError::Corrupt {
            path: path.clone(),
            reason,
        };
        for record in reader.records() {
            // Reading, not writing: not `OutputError::csv`, which says "cannot write".
            let record = record.map_err(|e| corrupt(format!("cannot read it: {e}")))?;
            let fields: Vec<&str> = record.iter().collect();
            let run_id: u64 = fields[0]
                .parse()
                .map_err(|_| corrupt(format!("a run_id is {:?}", fields[0])))?;
            while let Some((variant, point)) = failed.next_if(|f| f.0 < run_id).map(|f| (f.1, f.2))
            {
                self.cell(&variant, &point);
            }
            self.add_runs_row(&fields).map_err(corrupt)?;
        }
        for (_, variant, point) in failed {
            self.cell(&variant, &point);
        }
        Ok(())
    }

    /// The run id, variant and sweep point of every row of the partial directory's
    /// failures.csv (already cut back to the last checkpoint), in file order.
    fn saved_failures(&self) -> Result<Vec<(u64, String, Vec<String>)>, OutputError> {
        let Some(table) = self.failures.as_ref() else {
            return Ok(Vec::new());
        };
        let path = table.path.clone();
        let corrupt = |reason: String| OutputError::Corrupt {
            path: path.clone(),
            reason,
        };
        let n_swept = self.swept.len();
        let cannot_read = |e: csv::Error| corrupt(format!("cannot read it: {e}"));
        let mut reader = csv::Reader::from_path(&path).map_err(cannot_read)?;
        let mut failed = Vec::new();
        for record in reader.records() {
            let record = record.map_err(cannot_read)?;
            if record.len() < 4 + n_swept {
                return Err(corrupt(format!("a row has {} fields", record.len())));
            }
            let run_id: u64 = record[0]
                .parse()
                .map_err(|_| corrupt(format!("a run_id is {:?}", &record[0])))?;
            let point = (2..2 + n_swept).map(|k| record[k].to_string()).collect();
            failed.push((run_id, record[1].to_string(), point));
        }
        Ok(failed)
    }

    fn add_to_summary(&mut self, variant: &str, point: &[String], summary: &[f64]) {
        let index = self.cell(variant, point);
        for (acc, v) in self.cells[index].metrics.iter_mut().zip(summary) {
            acc.push(*v);
        }
    }

    /// The index of the summary cell of (`variant`, `point`), made at its first run, failed
    /// or not: a cell whose every run failed keeps its rows in summary.csv, with `n` = 0.
    fn cell(&mut self, variant: &str, point: &[String]) -> usize {
        let key = (variant.to_string(), point.to_vec());
        if let Some(&i) = self.cell_index.get(&key) {
            return i;
        }
        self.cells.push(Cell {
            variant: key.0.clone(),
            point: key.1.clone(),
            metrics: vec![Accumulator::default(); summary_names().len()],
        });
        self.cell_index.insert(key, self.cells.len() - 1);
        self.cells.len() - 1
    }

    /// Records a run that failed (it panicked or produced a non-finite number) in
    /// failures.csv; it gets no rows in the other files. Call in run order.
    pub fn write_failure(
        &mut self,
        id: &RunIdentity<'_>,
        kind: &str,
        message: &str,
    ) -> Result<(), OutputError> {
        if self.failures.is_none() {
            let header = failures_header(&self.swept);
            self.failures = Some(Table::create(self.dir.staging(), FAILURES_CSV, &header)?);
        }
        let row = &mut self.row;
        row.clear();
        row.push_identity(id);
        row.push(kind);
        row.push(message);
        let table = self.failures.as_mut().expect("created above");
        table.row(row.fields())?;
        self.cell(id.variant, id.point);
        self.failed_runs += 1;
        Ok(())
    }

    /// Makes everything written so far durable and records it in the journal: after a
    /// crash, [`Writer::resume`] continues from here.
    pub fn checkpoint(&mut self) -> Result<(), OutputError> {
        let done = self.runs_done();
        self.checkpoint_at(done)?;
        self.dir.keep();
        Ok(())
    }

    fn checkpoint_at(&mut self, runs_done: u64) -> Result<(), OutputError> {
        let at = Checkpoint {
            runs_done,
            runs_len: self.runs.sync()?,
            timeseries_len: self.timeseries.sync()?,
            groups_len: self.groups.sync()?,
            failures_len: match self.failures.as_mut() {
                Some(t) => t.sync()?,
                None => 0,
            },
            runs_without_groups: self.runs_without_groups,
            failed_runs: self.failed_runs,
        };
        let path = self.dir.staging().join(JOURNAL);
        self.journal
            .write_all(at.line().as_bytes())
            .and_then(|()| self.journal.sync_data())
            .map_err(|e| OutputError::io(&path, e))?;
        if runs_done == 0 {
            sync_dir(self.dir.staging());
        }
        self.saved = runs_done;
        Ok(())
    }

    /// Runs safely on disk: those recorded by the last checkpoint, which a resume keeps.
    pub fn runs_saved(&self) -> u64 {
        self.saved
    }

    /// Runs finished so far, written or failed (including those of an earlier,
    /// interrupted invocation).
    pub fn runs_done(&self) -> u64 {
        self.runs_written + self.failed_runs
    }

    /// Runs that failed so far.
    pub fn failed_runs(&self) -> u64 {
        self.failed_runs
    }

    /// Where a resumed run started (runs already done), or `None` for a fresh run.
    pub fn resumed_at(&self) -> Option<u64> {
        self.resumed_at
    }

    /// The files the finished directory will hold (failures.csv only if a run failed).
    pub fn files(&self) -> Vec<String> {
        let mut files: Vec<String> = FILES.iter().map(|f| f.to_string()).collect();
        if self.failures.is_some() {
            files.insert(4, FAILURES_CSV.to_string());
        }
        files
    }
    /// Writes one run to runs.csv, timeseries.csv and groups.csv and adds it to the summary.
    /// Call in run order.
    pub fn write_run(&mut self, id: &RunIdentity<'_>, out: &RunOutput) -> Result<(), OutputError> {
        assert_eq!(
            id.point.len(),
            self.swept.len(),
            "one value per swept parameter"
        );
        let summary = out.summary();
        let row = &mut self.row;

        row.clear();
        row.push_identity(id);
        summary.iter().for_each(|&v| row.push_number(v));
        self.runs.row(row.fields())?;

        for m in &out.steps {
            row.clear();
            row.push(id.run_id);
            row.push(id.variant);
            id.point.iter().for_each(|v| row.push(v));
            row.push(id.replication);
            row.push(m.step);
            m.values().iter().for_each(|v| row.push(v));
            self.timeseries.row(row.fields())?;
        }

        for g in &out.groups {
            row.clear();
            row.push(id.run_id);
            row.push(g.group_id);
            row.push_optional(g.organisation);
            row.push(g.community);
            row.push(g.task.as_str());
            row.push(g.size_cap);
            row.push(g.size_at_formation);
            row.push(g.formed_step);
            row.push_optional(g.ended_step);
            row.push(g.end_reason.as_str());
            let life = &g.life;
            row.push(life.months);
            row.push(life.member_months);
            row.push(life.first_effort);
            row.push(life.effort);
            row.push(life.labour);
            row.push(life.coordinated);
            row.push(life.input);
            row.push(life.needed);
            row.push(life.months_met);
            self.groups.row(row.fields())?;
        }
        self.group_rows += out.groups.len() as u64;

        self.add_to_summary(id.variant, id.point, &summary);
        self.runs_written += 1;
        if out.groups.is_empty() {
            self.runs_without_groups += 1;
        }
        Ok(())
    }

    /// Runs written so far.
    pub fn runs_written(&self) -> u64 {
        self.runs_written
    }

    /// Runs in which no group or opportunity ever opened (worth a warning).
    pub fn runs_without_groups(&self) -> u64 {
        self.runs_without_groups
    }

    /// Rows of groups.csv so far (including those of an earlier, interrupted invocation).
    pub fn group_rows(&self) -> u64 {
        self.group_rows
    }

    /// Where the directory will end up.
    pub fn target(&self) -> &Path {
        self.dir.target()
    }

    /// Writes summary.csv and manifest.json, then moves the directory into place.
    pub fn finish(self, manifest: &Manifest) -> Result<PathBuf, OutputError> {
        self.complete(manifest.experiment.steps)?.commit(manifest)
    }

    /// Completes every CSV (summary.csv included) in the partial directory, so that
    /// derived files (charts) can be added with [`Completed::staging`] before
    /// [`Completed::commit`] writes the manifest and moves the directory into place.
    /// `steps` is the length of the runs, which bounds the intervals of group lifetimes
    /// ([`crate::run_range`]).
    pub fn complete(self, steps: u32) -> Result<Completed, OutputError> {
        let Writer {
            dir,
            swept,
            mut runs,
            mut timeseries,
            mut groups,
            failures,
            journal,
            cells,
            ..
        } = self;
        runs.sync()?;
        timeseries.sync()?;
        groups.sync()?;
        if let Some(mut f) = failures {
            f.sync()?;
        }
        drop(journal);

        let s = |x: &str| x.to_string();
        let mut header = vec![s("variant")];
        header.extend(swept.iter().cloned());
        header.extend(["metric", "mean", "sd", "n", "ci_low", "ci_high"].map(s));
        // Written under a temporary name and renamed when complete.
        let tmp_name = format!(".{SUMMARY_CSV}.tmp");
        let mut summary = Table::create(dir.staging(), &tmp_name, &header)?;
        let names = summary_names();
        let mut fields: Vec<String> = Vec::new();
        for cell in &cells {
            for ((name, unit, _), acc) in names.iter().zip(&cell.metrics) {
                let st = crate::stats::as_written(acc, unit, u64::from(steps));
                fields.clear();
                fields.push(cell.variant.clone());
                fields.extend(cell.point.iter().cloned());
                fields.push(name.clone());
                fields.push(optional(Some(st.mean)));
                fields.push(st.sd.map_or_else(String::new, num));
                fields.push(st.n.to_string());
                fields.push(st.ci.map_or_else(String::new, |c| num(c.0)));
                fields.push(st.ci.map_or_else(String::new, |c| num(c.1)));
                summary.row(fields.iter().map(String::as_str))?;
            }
        }
        summary.finish()?;
        let (from, to) = (
            dir.staging().join(&tmp_name),
            dir.staging().join(SUMMARY_CSV),
        );
        fs::rename(&from, &to).map_err(|e| OutputError::io(&to, e))?;
        Ok(Completed { dir })
    }
}

/// A run directory whose CSVs are complete, waiting for derived files and the manifest.
pub struct Completed {
    dir: RunDir,
}

impl Completed {
    /// The partial directory, where derived files (charts) may be added.
    pub fn staging(&self) -> &Path {
        self.dir.staging()
    }

    /// Writes manifest.json (last, so a directory with a manifest is complete), removes
    /// the resume journal and moves the directory into place.
    pub fn commit(self, manifest: &Manifest) -> Result<PathBuf, OutputError> {
        let staging = self.dir.staging().to_path_buf();
        write_json(&staging.join(MANIFEST_JSON), manifest)?;
        // From here the partial directory is complete: a resume after a crash only moves
        // it into place (see `Writer::resume`).
        for name in [JOURNAL, PARTIAL_JSON] {
            let path = staging.join(name);
            if path.exists() {
                fs::remove_file(&path).map_err(|e| OutputError::io(&path, e))?;
            }
        }
        self.dir.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coprod_core::{EndReason, GroupRecord, StepMetrics, TaskKind};

    /// Interrupted runs are found at their numbered default locations past finished runs
    /// (debris without a partial.json is none), and the search stops at the first free name.
    #[test]
    fn waiting_runs_are_found_past_finished_ones() {
        let tmp = tempfile::tempdir().unwrap();
        let waiting = |name: &str| {
            let partial = partial_dir(&tmp.path().join(name));
            fs::create_dir(&partial).unwrap();
            fs::write(partial.join(PARTIAL_JSON), "{}").unwrap();
        };
        fs::create_dir(tmp.path().join("gs")).unwrap();
        fs::create_dir(partial_dir(&tmp.path().join("gs-2"))).unwrap();
        waiting("gs-3");
        waiting("gs-5");
        let found = waiting_runs(tmp.path(), "gs");
        let targets: Vec<&Path> = found.iter().map(|w| w.target.as_path()).collect();
        assert_eq!(targets, [tmp.path().join("gs-3")]);
        assert!(
            found[0].identity.is_none(),
            "its partial.json records no run"
        );
        assert!(waiting_runs(tmp.path(), "other").is_empty());
    }

    fn output(value: f64) -> RunOutput {
        RunOutput {
            steps: vec![StepMetrics {
                step: 0,
                participation_rate: value,
                ..StepMetrics::default()
            }],
            groups: vec![GroupRecord {
                group_id: 0,
                organisation: None,
                community: 3,
                task: TaskKind::Specific,
                size_cap: 8,
                size_at_formation: 5,
                formed_step: 0,
                ended_step: None,
                end_reason: EndReason::Active,
                life: Default::default(),
            }],
            citizens: Vec::new(),
            organisations: Vec::new(),
        }
    }

    fn manifest() -> Manifest {
        crate::manifest::test_manifest(&FILES)
    }

    /// A reused row buffer must give each field exactly the text `to_string` gave it (the
    /// files' bytes, pinned by the output digests), empty fields included, and nothing of
    /// the row before.
    #[test]
    fn row_fields_are_the_values_display_text() {
        let floats = [
            0.0,
            -0.0,
            1.0,
            0.1 + 0.2,
            -2.5e-7,
            1e21,
            f64::MAX,
            f64::MIN_POSITIVE / 3.0,
            f64::NAN,
            f64::NEG_INFINITY,
        ];
        let mut row = Row::default();
        row.push("before");
        row.clear();
        row.push("a,b");
        row.push_optional(None::<u32>);
        row.push(u64::MAX);
        floats.iter().for_each(|v| row.push(v));
        row.push_optional(Some(7u32));
        row.push("");
        let mut expected = vec!["a,b".to_string(), String::new(), u64::MAX.to_string()];
        expected.extend(floats.iter().map(|v| v.to_string()));
        expected.extend(["7".to_string(), String::new()]);
        assert_eq!(row.fields().collect::<Vec<_>>(), expected);
    }

    #[test]
    fn rows_use_empty_fields_for_missing_values_and_summaries_pool_replications() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("run");
        let mut w = Writer::create(
            &target,
            vec!["levers.outreach".into()],
            Existing::Refuse(crate::Kind::Run),
        )
        .unwrap();
        let point = ["0.5".to_string()];
        for (rep, value) in [(0u32, 0.25), (1, 0.75)] {
            let id = baseline_run(rep, &point);
            w.write_run(&id, &output(value)).unwrap();
        }
        let dir = w.finish(&manifest()).unwrap();
        let groups = std::fs::read_to_string(dir.join(GROUPS_CSV)).unwrap();
        assert_eq!(
            groups.lines().nth(1),
            Some("0,0,,3,specific,8,5,0,,active,0,0,0,0,0,0,0,0,0")
        );
        let runs = std::fs::read_to_string(dir.join(RUNS_CSV)).unwrap();
        assert!(
            runs.lines()
                .nth(2)
                .unwrap()
                .starts_with("1,baseline,0.5,1,11,0.75,")
        );
        let summary = std::fs::read_to_string(dir.join(SUMMARY_CSV)).unwrap();
        let row = summary.lines().nth(1).unwrap();
        assert!(
            row.starts_with("baseline,0.5,participation_rate,0.5,"),
            "{row}"
        );
        assert!(row.contains(",2,"), "{row}");
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join(MANIFEST_JSON)).unwrap())
                .unwrap();
        assert_eq!(json["experiment"]["runs"], 2);
    }

    /// summary.csv of two baseline replications, `outputs`, of runs of `steps` steps.
    fn summary_of(outputs: [RunOutput; 2], steps: u32) -> String {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("run");
        let mut w = Writer::create(&target, vec![], Existing::Refuse(crate::Kind::Run)).unwrap();
        for (rep, out) in (0u32..).zip(&outputs) {
            w.write_run(&baseline_run(rep, &[]), out).unwrap();
        }
        let mut manifest = manifest();
        manifest.experiment.steps = steps;
        let dir = w.finish(&manifest).unwrap();
        std::fs::read_to_string(dir.join(SUMMARY_CSV)).unwrap()
    }

    /// The fields of `metric`'s row of `summary`, after the variant and metric: mean, sd,
    /// n, ci_low and ci_high.
    fn summary_fields<'a>(summary: &'a str, metric: &str) -> Vec<&'a str> {
        let row = summary
            .lines()
            .find(|l| l.starts_with(&format!("baseline,{metric},")))
            .unwrap();
        row.split(',').skip(2).collect()
    }

    /// Two replications with 0 and 10 active groups: the t-interval of the mean (5) reaches
    /// far below 0, which no count can; summary.csv cuts it at 0 and keeps its upper end.
    #[test]
    fn summary_intervals_of_counts_stop_at_zero() {
        let with_groups = |groups: f64| {
            let mut out = output(0.5);
            out.steps[0].active_groups = groups;
            out
        };
        let summary = summary_of([with_groups(0.0), with_groups(10.0)], 1);
        let fields = summary_fields(&summary, "active_groups");
        assert_eq!(
            fields[..4],
            ["5", "7.0710678118654755", "2", "0"],
            "{fields:?}"
        );
        assert!(fields[4].parse::<f64>().unwrap() > 60.0, "{fields:?}");
    }

    /// Runs of 30 steps, each with one group still going at the end: one formed at step 29
    /// (1 step), one at step 0 (30 steps). The t-interval of the mean lifetime (15.5)
    /// reaches far past 30 steps, which no group of such a run can last; summary.csv cuts
    /// it to 0 to 30.
    #[test]
    fn summary_intervals_of_lifetimes_stop_at_the_run_length() {
        let formed_at = |formed: u32| {
            let mut out = output(0.5);
            out.steps = (0..30)
                .map(|step| StepMetrics {
                    step,
                    ..StepMetrics::default()
                })
                .collect();
            out.groups[0].formed_step = formed;
            out
        };
        let summary = summary_of([formed_at(29), formed_at(0)], 30);
        for metric in ["mean_group_lifetime", "median_group_lifetime"] {
            let fields = summary_fields(&summary, metric);
            let want = ["15.5", "20.506096654409877", "2", "0", "30"];
            assert_eq!(fields, want, "{metric}");
        }
    }

    /// Replication `rep` of the baseline variant at `point`, seeded `10 + rep`.
    fn baseline_run(rep: u32, point: &[String]) -> RunIdentity<'_> {
        RunIdentity {
            run_id: u64::from(rep),
            variant: "baseline",
            point,
            replication: rep,
            seed: 10 + u64::from(rep),
        }
    }

    /// How the test runs are named: the baseline at 0.5, seeded `10 + rep`, as
    /// [`baseline_run`] names them.
    fn named(run: u64) -> Vec<String> {
        let point = ["0.5".to_string()];
        let id = baseline_run(run as u32, &point);
        vec![
            id.variant.to_string(),
            point[0].clone(),
            id.replication.to_string(),
            id.seed.to_string(),
        ]
    }

    /// [`Writer::resume`] of `target` as `coprod run --resume` calls it, checking the runs
    /// saved by these tests against one step each, named by `named`.
    fn resume_saved(
        target: &Path,
        swept: Vec<String>,
        identity: &Identity,
        named: &dyn Fn(u64) -> Vec<String>,
    ) -> Result<Writer, OutputError> {
        let saved = Saved {
            first_run: 0,
            steps: 1,
            identity: named,
        };
        let existing = Existing::Refuse(crate::Kind::Run);
        Writer::resume(target, swept, existing, identity, &saved)
    }

    /// Run 0 has a started group, the others none.
    fn write_groupless(w: &mut Writer, runs: std::ops::Range<u32>) {
        let point = ["0.5".to_string()];
        for rep in runs {
            let id = baseline_run(rep, &point);
            let mut out = output(0.5);
            if rep > 0 {
                out.groups.clear();
            }
            w.write_run(&id, &out).unwrap();
            w.checkpoint().unwrap();
        }
    }

    /// The identity of a resumable test run of `runs` runs.
    fn test_identity(runs: u64) -> Identity {
        Identity {
            coprod_version: "1".into(),
            scenario_hash: "abc".into(),
            runs,
            recipe: vec![("experiment.seed".into(), "1".into())],
            command: None,
        }
    }

    #[test]
    fn a_refused_resume_names_what_differs() {
        let started = Identity {
            recipe: vec![
                ("experiment.seed".into(), "1".into()),
                ("experiment.steps".into(), "12".into()),
                ("--set groups.rho".into(), "0.3".into()),
            ],
            ..test_identity(4)
        };
        let now = Identity {
            scenario_hash: "xyz".into(),
            recipe: vec![
                ("experiment.seed".into(), "9".into()),
                ("experiment.steps".into(), "12".into()),
                ("--set levers.outreach".into(), "0.5".into()),
            ],
            ..test_identity(4)
        };
        let (a, b) = recipe_differences(&started.recipe, &now.recipe).unwrap();
        assert_eq!(
            a,
            "experiment.seed = 1; --set groups.rho = 0.3; no --set levers.outreach"
        );
        assert_eq!(
            b,
            "experiment.seed = 9; no --set groups.rho; --set levers.outreach = 0.5"
        );
        // Without a recipe (a partial directory of an earlier version), or with the same
        // one, nothing can be named.
        let old = Identity {
            recipe: vec![],
            ..started.clone()
        };
        assert_eq!(recipe_differences(&old.recipe, &now.recipe), None);
        assert_eq!(recipe_differences(&started.recipe, &started.recipe), None);
    }

    /// A resumable writer into `dir`, swept over `levers.outreach`, refusing an existing
    /// directory.
    fn resumable(dir: &Path, identity: &Identity) -> Writer {
        Writer::create_resumable(
            dir,
            vec!["levers.outreach".to_string()],
            Existing::Refuse(crate::Kind::Run),
            Some(identity),
        )
        .unwrap()
    }

    /// The group metrics of a run in which no group started are empty cells in runs.csv,
    /// are left out of summary.csv's statistics (its `n` counts the runs with a value) and
    /// read back as missing when an interrupted run is resumed.
    #[test]
    fn group_metrics_of_runs_without_groups_are_empty_and_left_out_of_the_summary() {
        let tmp = tempfile::tempdir().unwrap();
        let identity = test_identity(3);
        let swept = || vec!["levers.outreach".to_string()];
        let whole = tmp.path().join("whole");
        let mut w = resumable(&whole, &identity);
        write_groupless(&mut w, 0..3);
        w.finish(&manifest()).unwrap();

        let header: Vec<String> = headers(&swept()).0;
        let runs = fs::read_to_string(whole.join(RUNS_CSV)).unwrap();
        for (line, groups) in runs.lines().skip(1).zip([true, false, false]) {
            let fields: Vec<&str> = line.split(',').collect();
            for (name, field) in header.iter().zip(&fields) {
                let group_metric = coprod_core::GROUP_METRICS.contains(&name.as_str());
                assert_eq!(
                    field.is_empty(),
                    group_metric && !groups,
                    "{name} in {line}"
                );
            }
        }
        let summary = fs::read_to_string(whole.join(SUMMARY_CSV)).unwrap();
        let row = |metric: &str| {
            summary
                .lines()
                .find(|l| l.contains(&format!(",{metric},")))
                .unwrap()
                .to_string()
        };
        // One run of three has a value: mean of that run, n = 1, no spread.
        assert_eq!(
            row("share_active_at_end"),
            "baseline,0.5,share_active_at_end,1,,1,,"
        );
        // groups_started is a true 0 in the other runs: all three count.
        let started = row("groups_started");
        assert!(
            started.starts_with("baseline,0.5,groups_started,0.333"),
            "{started}"
        );
        assert_eq!(started.split(',').nth(5), Some("3"), "{started}");

        let cut = tmp.path().join("cut");
        let mut w = resumable(&cut, &identity);
        write_groupless(&mut w, 0..2);
        drop(w); // as if killed after run 1, whose group metrics are empty
        let mut w = resume_saved(&cut, swept(), &identity, &named).unwrap();
        write_groupless(&mut w, 2..3);
        w.finish(&manifest()).unwrap();
        for file in [RUNS_CSV, SUMMARY_CSV] {
            assert_eq!(
                fs::read(whole.join(file)).unwrap(),
                fs::read(cut.join(file)).unwrap(),
                "{file}"
            );
        }
    }

    /// The counts the command reports (runs written, runs without any group, failures)
    /// count each run once.
    #[test]
    fn counts_of_runs_without_groups_and_failures() {
        let tmp = tempfile::tempdir().unwrap();
        let mut w = resumable(&tmp.path().join("run"), &test_identity(3));
        assert_eq!((w.runs_written(), w.runs_without_groups()), (0, 0));
        write_groupless(&mut w, 0..3);
        assert_eq!(w.runs_written(), 3);
        assert_eq!(w.runs_without_groups(), 2, "runs 1 and 2 had no group");
        assert_eq!(w.failed_runs(), 0);
        assert_eq!(w.runs_done(), 3);
    }

    /// What is safe on disk is what the last checkpoint recorded, both from the writer and
    /// from the journal of a partial directory; the journal keeps counting across a resume
    /// (a line cut short by the crash must not swallow the next one), so a second
    /// interruption resumes from the last checkpoint after the first resume.
    #[test]
    fn saved_runs_follow_the_journal_across_resumes() {
        let tmp = tempfile::tempdir().unwrap();
        let identity = test_identity(6);
        let swept = || vec!["levers.outreach".to_string()];
        let cut = tmp.path().join("cut");
        let partial = crate::partial_dir(&cut);
        assert_eq!(
            saved_runs(&partial),
            0,
            "no partial directory, nothing saved"
        );
        let mut w = resumable(&cut, &identity);
        assert_eq!(w.runs_saved(), 0);
        let point = ["0.5".to_string()];
        w.write_run(&baseline_run(0, &point), &output(0.5)).unwrap();
        assert_eq!(w.runs_saved(), 0, "written but not yet checkpointed");
        w.checkpoint().unwrap();
        assert_eq!(w.runs_saved(), 1);
        write_some(&mut w, 1..2);
        assert_eq!(w.runs_saved(), 2);
        drop(w);
        assert_eq!(saved_runs(&partial), 2);
        let mut f = fs::OpenOptions::new()
            .append(true)
            .open(partial.join(JOURNAL))
            .unwrap();
        f.write_all(b"3,1").unwrap();
        drop(f);
        assert_eq!(saved_runs(&partial), 2, "a line cut short is ignored");

        let mut w = resume_saved(&cut, swept(), &identity, &named).unwrap();
        assert_eq!(w.runs_saved(), 2);
        write_some(&mut w, 2..3);
        drop(w);
        assert_eq!(saved_runs(&partial), 3);
        let w = resume_saved(&cut, swept(), &identity, &named).unwrap();
        assert_eq!((w.runs_done(), w.failed_runs()), (3, 1));
    }

    /// A partial directory that lost its journal cannot say which runs were saved: resuming
    /// it is refused as damaged, and it is not moved into place as if complete.
    #[test]
    fn resume_without_a_journal_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let identity = test_identity(6);
        let cut = tmp.path().join("cut");
        let mut w = resumable(&cut, &identity);
        write_some(&mut w, 0..2);
        drop(w);
        fs::remove_file(crate::partial_dir(&cut).join(JOURNAL)).unwrap();
        let swept = vec!["levers.outreach".to_string()];
        let result = resume_saved(&cut, swept, &identity, &named);
        assert!(
            matches!(result, Err(OutputError::Corrupt { .. })),
            "{:?}",
            result.err()
        );
        assert!(!cut.exists());
    }

    /// A run stopped after writing its manifest but before the final rename is complete:
    /// resuming only moves it into place and says there is nothing left to run.
    #[test]
    fn resume_of_a_complete_partial_directory_moves_it_into_place() {
        let tmp = tempfile::tempdir().unwrap();
        let identity = test_identity(2);
        let target = tmp.path().join("run");
        let mut w = resumable(&target, &identity);
        write_some(&mut w, 0..2);
        let completed = w.complete(manifest().experiment.steps).unwrap();
        // What `Completed::commit` does before its final rename.
        let staging = completed.staging().to_path_buf();
        write_json(&staging.join(MANIFEST_JSON), &manifest()).unwrap();
        fs::remove_file(staging.join(JOURNAL)).unwrap();
        fs::remove_file(staging.join(PARTIAL_JSON)).unwrap();
        drop(completed);
        assert!(!target.exists());
        let swept = vec!["levers.outreach".to_string()];
        let result = resume_saved(&target, swept, &identity, &named);
        assert!(
            matches!(result, Err(OutputError::NothingToResume { .. })),
            "{:?}",
            result.err()
        );
        assert!(target.join(MANIFEST_JSON).is_file());
        assert!(target.join(SUMMARY_CSV).is_file());
    }

    /// A runs.csv whose rows are too short to hold a run's identity is damage reported as
    /// such when resuming, not a panic.
    #[test]
    fn resume_refuses_rows_too_short_for_a_run() {
        let tmp = tempfile::tempdir().unwrap();
        let identity = test_identity(6);
        let cut = tmp.path().join("cut");
        let mut w = resumable(&cut, &identity);
        write_some(&mut w, 0..1);
        drop(w);
        let runs = crate::partial_dir(&cut).join(RUNS_CSV);
        let len = fs::metadata(&runs).unwrap().len() as usize;
        // Four fields where the identity alone needs five (one swept parameter), as long
        // as the journal recorded.
        let head = "run_id,variant,levers.outreach,replication\n0,baseline,0.5,";
        let text = format!("{head}{}\n", "9".repeat(len - head.len() - 1));
        fs::write(&runs, text).unwrap();
        let swept = vec!["levers.outreach".to_string()];
        let result = resume_saved(&cut, swept, &identity, &named);
        assert!(
            matches!(result, Err(OutputError::Corrupt { .. })),
            "{:?}",
            result.err()
        );
    }

    /// A saved value changed in place (so the journal's lengths still hold) is refused as
    /// damage, naming the file, line and column, before anything is summed; so is a saved
    /// run named otherwise than the scenario names it.
    #[test]
    fn resume_refuses_saved_runs_changed_in_place() {
        let tmp = tempfile::tempdir().unwrap();
        let identity = test_identity(6);
        let swept = || vec!["levers.outreach".to_string()];
        let cut = tmp.path().join("cut");
        let mut w = resumable(&cut, &identity);
        write_some(&mut w, 0..2);
        drop(w);
        let groups = crate::partial_dir(&cut).join(GROUPS_CSV);
        let text = fs::read_to_string(&groups).unwrap();
        // Run 1's group: size_cap 8 becomes a letter.
        fs::write(
            &groups,
            text.replacen(",8,", ",x,", 2).replacen(",x,", ",8,", 1),
        )
        .unwrap();
        let refused = |identity: &dyn Fn(u64) -> Vec<String>| {
            let resumed = resume_saved(&cut, swept(), &test_identity(6), identity);
            match resumed {
                Err(e @ OutputError::Corrupt { .. }) => e.to_string(),
                other => panic!("{:?}", other.err()),
            }
        };
        let said = refused(&named);
        assert!(
            said.contains(
                "groups.csv: column `size_cap`: expected a whole number, found \"x\" (line 3)"
            ),
            "{said}"
        );
        fs::write(&groups, &text).unwrap();
        let said = refused(&|run| {
            let mut other = named(run);
            other[0] = "joint".into();
            other
        });
        assert!(
            said.contains(
                "runs.csv: run 0: column `variant` is `baseline`, but run 0 of the \
                 scenario has `joint` (line 2)"
            ),
            "{said}"
        );
        drop(resume_saved(&cut, swept(), &identity, &named).unwrap());
    }

    fn write_some(w: &mut Writer, runs: std::ops::Range<u32>) {
        let point = ["0.5".to_string()];
        for rep in runs {
            let id = baseline_run(rep, &point);
            if rep == 2 {
                w.write_failure(&id, "panic", "boom, with a comma").unwrap();
            } else {
                w.write_run(&id, &output(f64::from(rep) / 7.0)).unwrap();
            }
            w.checkpoint().unwrap();
        }
    }

    /// How [`write_half_failed`] names run `k`.
    fn half_failed(k: u64) -> Vec<String> {
        let mut named = named(k);
        if k.is_multiple_of(2) {
            named[1] = "0.9".to_string();
        }
        named
    }

    /// Run `k` of six: even runs at sweep point 0.9, which all fail, odd runs at 0.5.
    fn write_half_failed(w: &mut Writer, runs: std::ops::Range<u32>) {
        let (fails, works) = (["0.9".to_string()], ["0.5".to_string()]);
        for k in runs {
            let failed = k % 2 == 0;
            let id = baseline_run(k, if failed { &fails } else { &works });
            if failed {
                w.write_failure(&id, "non-finite", "NaN in trust").unwrap();
            } else {
                w.write_run(&id, &output(f64::from(k) / 7.0)).unwrap();
            }
            w.checkpoint().unwrap();
        }
    }

    /// A sweep point whose every run failed keeps its rows in summary.csv, with `n` = 0 and
    /// empty statistics, in the order of its first run; a run resumed after any run gives
    /// the same file, and it reads back.
    #[test]
    fn a_cell_whose_every_run_failed_keeps_its_summary_rows() {
        let tmp = tempfile::tempdir().unwrap();
        let identity = test_identity(6);
        let swept = || vec!["levers.outreach".to_string()];
        let whole = tmp.path().join("whole");
        let mut w = resumable(&whole, &identity);
        write_half_failed(&mut w, 0..6);
        w.finish(&manifest()).unwrap();
        let summary = fs::read_to_string(whole.join(SUMMARY_CSV)).unwrap();
        let rows: Vec<&str> = summary.lines().skip(1).collect();
        let metrics = summary_names().len();
        assert_eq!(rows.len(), 2 * metrics, "{summary}");
        for (k, row) in rows.iter().enumerate() {
            let fields: Vec<&str> = row.split(',').collect();
            let failed = k < metrics;
            assert_eq!(fields[1], if failed { "0.9" } else { "0.5" }, "{row}");
            if failed {
                assert_eq!(fields[3..], ["", "", "0", "", ""], "{row}");
            } else {
                assert_ne!(fields[5], "0", "{row}");
            }
        }
        let read = crate::read::read_summary(&whole).unwrap();
        let first = &read.rows[0];
        assert_eq!((first.n, first.sd, first.ci), (0, None, None));
        assert!(first.mean.is_nan());

        for stop in 1..6 {
            let cut = tmp.path().join(format!("cut{stop}"));
            let mut w = resumable(&cut, &identity);
            write_half_failed(&mut w, 0..stop);
            drop(w); // as if killed after run `stop - 1`
            let mut w = resume_saved(&cut, swept(), &identity, &half_failed).unwrap();
            write_half_failed(&mut w, stop..6);
            w.finish(&manifest()).unwrap();
            assert_eq!(
                fs::read_to_string(cut.join(SUMMARY_CSV)).unwrap(),
                summary,
                "resumed after {stop} runs"
            );
        }
    }

    /// Resuming reads runs.csv back; an empty field is a missing value only in a group
    /// metric's column, and damage anywhere else.
    #[test]
    fn resume_refuses_an_empty_field_outside_the_group_metrics() {
        let tmp = tempfile::tempdir().unwrap();
        let identity = test_identity(6);
        let swept = || vec!["levers.outreach".to_string()];
        let cut = tmp.path().join("cut");
        let mut w = resumable(&cut, &identity);
        write_some(&mut w, 0..2);
        drop(w);
        let runs = crate::partial_dir(&cut).join(RUNS_CSV);
        let text = fs::read_to_string(&runs).unwrap();
        let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
        let column = header
            .iter()
            .position(|h| *h == "participation_rate")
            .unwrap();
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        let mut fields: Vec<&str> = lines[1].split(',').collect();
        fields[column] = "";
        lines[1] = fields.join(",");
        fs::write(&runs, lines.join("\n") + "\n").unwrap();
        assert!(resume_saved(&cut, swept(), &identity, &named).is_err());
    }

    #[test]
    fn resumed_runs_are_byte_identical_and_identities_must_match() {
        let tmp = tempfile::tempdir().unwrap();
        let identity = test_identity(6);
        let swept = || vec!["levers.outreach".to_string()];

        let whole = tmp.path().join("whole");
        let mut w = resumable(&whole, &identity);
        write_some(&mut w, 0..6);
        assert_eq!(w.failed_runs(), 1);
        assert_eq!(
            w.group_rows(),
            5,
            "one group for each run but the failed one"
        );
        assert!(w.files().contains(&FAILURES_CSV.to_string()));
        w.finish(&manifest()).unwrap();

        let cut = tmp.path().join("cut");
        let mut w = resumable(&cut, &identity);
        write_some(&mut w, 0..4);
        drop(w); // as if killed: the partial directory stays
        let partial = crate::partial_dir(&cut);
        // A crash in the middle of the next chunk leaves bytes the journal does not cover.
        for (name, junk) in [
            (RUNS_CSV, "4,base"),
            (GROUPS_CSV, "4,0,\n4,1,"),
            (JOURNAL, "5,12"),
        ] {
            let mut f = fs::OpenOptions::new()
                .append(true)
                .open(partial.join(name))
                .unwrap();
            f.write_all(junk.as_bytes()).unwrap();
        }
        let other = Identity {
            scenario_hash: "xyz".into(),
            ..identity.clone()
        };
        assert!(matches!(
            resume_saved(&cut, swept(), &other, &named),
            Err(OutputError::Mismatch { .. })
        ));
        let seed = Identity {
            scenario_hash: "xyz".into(),
            recipe: vec![("experiment.seed".into(), "9".into())],
            ..identity.clone()
        };
        assert_eq!(
            resume_saved(&cut, swept(), &seed, &named)
                .err()
                .unwrap()
                .to_string(),
            format!(
                "cannot resume {}: it was started with experiment.seed = 1, but this run has \
                 experiment.seed = 9",
                cut.display()
            )
        );
        // The same fingerprint resumes whatever its recipe says: the fingerprint decides.
        let reworded = Identity {
            recipe: vec![("experiment.seed".into(), "seven".into())],
            ..identity.clone()
        };
        drop(resume_saved(&cut, swept(), &reworded, &named).unwrap());
        let mut w = resume_saved(&cut, swept(), &identity, &named).unwrap();
        assert_eq!(w.runs_done(), 4);
        assert_eq!(w.resumed_at(), Some(4));
        assert_eq!(
            w.group_rows(),
            3,
            "rows of runs 0, 1 and 3, counted from the file"
        );
        write_some(&mut w, 4..6);
        assert_eq!(w.group_rows(), 5);
        w.finish(&manifest()).unwrap();

        for file in [
            RUNS_CSV,
            TIMESERIES_CSV,
            GROUPS_CSV,
            SUMMARY_CSV,
            FAILURES_CSV,
            MANIFEST_JSON,
        ] {
            assert_eq!(
                fs::read(whole.join(file)).unwrap(),
                fs::read(cut.join(file)).unwrap(),
                "{file}"
            );
        }
        let failures = fs::read_to_string(cut.join(FAILURES_CSV)).unwrap();
        assert_eq!(
            failures,
            "run_id,variant,levers.outreach,replication,seed,kind,message\n\
             2,baseline,0.5,2,12,panic,\"boom, with a comma\"\n"
        );
        // Only the outputs are left: no journal, lock or partial directory.
        assert!(!partial.exists());
        assert!(!cut.join(JOURNAL).exists());
        assert!(!cut.join(PARTIAL_JSON).exists());
    }
}
