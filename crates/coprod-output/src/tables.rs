//! The CSV files of a run directory and the writer that streams runs into them.
//!
//! Owns column names and order, float formatting and the summary table. Columns are
//! documented in docs/outputs.md. Files load with `pandas.read_csv(path)` or
//! `read.csv(path)` without arguments: a header row, plain commas, no comment lines.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use coprod_core::{METRICS, RunOutput, summary_names};

use crate::OutputError;
use crate::manifest::Manifest;
use crate::rundir::{Existing, RunDir};
use crate::stats::Accumulator;

/// File with one row per run.
pub const RUNS_CSV: &str = "runs.csv";
/// File with one row per run and step.
pub const TIMESERIES_CSV: &str = "timeseries.csv";
/// File with one row per group (or opportunity) per run.
pub const GROUPS_CSV: &str = "groups.csv";
/// File with one row per variant, sweep point and summary metric.
pub const SUMMARY_CSV: &str = "summary.csv";
/// The manifest.
pub const MANIFEST_JSON: &str = "manifest.json";
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

/// Streams runs into a run directory, then writes the summary and manifest and moves the
/// directory into place.
pub struct Writer {
    dir: RunDir,
    swept: Vec<String>,
    runs: Table,
    timeseries: Table,
    groups: Table,
    cells: Vec<Cell>,
    cell_index: HashMap<(String, Vec<String>), usize>,
    fields: Vec<String>,
    runs_written: u64,
    runs_without_groups: u64,
}

/// Formats a float with Rust's shortest round-trip `Display`.
fn num(v: f64) -> String {
    v.to_string()
}

impl Writer {
    /// Starts a run directory at `target` with one column per swept parameter.
    pub fn create(
        target: &Path,
        swept: Vec<String>,
        existing: Existing,
    ) -> Result<Writer, OutputError> {
        let dir = RunDir::create(target, existing)?;
        let s = |x: &str| x.to_string();
        let mut runs_header = vec![s("run_id"), s("variant")];
        runs_header.extend(swept.iter().cloned());
        runs_header.extend([s("replication"), s("seed")]);
        runs_header.extend(summary_names().into_iter().map(|(n, _, _)| n));
        let mut ts_header = vec![s("run_id"), s("step")];
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
        .map(s)
        .to_vec();
        let staging = dir.staging().to_path_buf();
        Ok(Writer {
            runs: Table::create(&staging, RUNS_CSV, &runs_header)?,
            timeseries: Table::create(&staging, TIMESERIES_CSV, &ts_header)?,
            groups: Table::create(&staging, GROUPS_CSV, &groups_header)?,
            dir,
            swept,
            cells: Vec::new(),
            cell_index: HashMap::new(),
            fields: Vec::new(),
            runs_written: 0,
            runs_without_groups: 0,
        })
    }

    /// Writes one run to runs.csv, timeseries.csv and groups.csv and adds it to the summary.
    /// Call in run order.
    pub fn write_run(&mut self, id: &RunIdentity<'_>, out: &RunOutput) -> Result<(), OutputError> {
        assert_eq!(
            id.point.len(),
            self.swept.len(),
            "one value per swept parameter"
        );
        let run_id = id.run_id.to_string();
        let summary = out.summary();

        self.fields.clear();
        self.fields.extend([run_id.clone(), id.variant.to_string()]);
        self.fields.extend(id.point.iter().cloned());
        self.fields
            .extend([id.replication.to_string(), id.seed.to_string()]);
        self.fields.extend(summary.iter().map(|v| num(*v)));
        self.runs.row(self.fields.iter().map(String::as_str))?;

        for m in &out.steps {
            self.fields.clear();
            self.fields.extend([run_id.clone(), m.step.to_string()]);
            self.fields.extend(m.values().into_iter().map(num));
            self.timeseries
                .row(self.fields.iter().map(String::as_str))?;
        }

        for g in &out.groups {
            self.fields.clear();
            self.fields.extend([
                run_id.clone(),
                g.group_id.to_string(),
                g.organisation.map_or_else(String::new, |o| o.to_string()),
                g.community.to_string(),
                g.task.as_str().to_string(),
                g.size_cap.to_string(),
                g.size_at_formation.to_string(),
                g.formed_step.to_string(),
                g.ended_step.map_or_else(String::new, |s| s.to_string()),
                g.end_reason.as_str().to_string(),
            ]);
            self.groups.row(self.fields.iter().map(String::as_str))?;
        }

        let key = (id.variant.to_string(), id.point.to_vec());
        let index = match self.cell_index.get(&key) {
            Some(&i) => i,
            None => {
                self.cells.push(Cell {
                    variant: key.0.clone(),
                    point: key.1.clone(),
                    metrics: vec![Accumulator::default(); summary.len()],
                });
                self.cell_index.insert(key, self.cells.len() - 1);
                self.cells.len() - 1
            }
        };
        for (acc, v) in self.cells[index].metrics.iter_mut().zip(&summary) {
            acc.push(*v);
        }
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

    /// Where the directory will end up.
    pub fn target(&self) -> &Path {
        self.dir.target()
    }

    /// Writes summary.csv and manifest.json, then moves the directory into place.
    pub fn finish(self, manifest: &Manifest) -> Result<PathBuf, OutputError> {
        let Writer {
            dir,
            swept,
            runs,
            timeseries,
            groups,
            cells,
            ..
        } = self;
        runs.finish()?;
        timeseries.finish()?;
        groups.finish()?;

        let s = |x: &str| x.to_string();
        let mut header = vec![s("variant")];
        header.extend(swept.iter().cloned());
        header.extend(["metric", "mean", "sd", "n", "ci_low", "ci_high"].map(s));
        let mut summary = Table::create(dir.staging(), SUMMARY_CSV, &header)?;
        let names = summary_names();
        let mut fields: Vec<String> = Vec::new();
        for cell in &cells {
            for ((name, _, _), acc) in names.iter().zip(&cell.metrics) {
                let st = acc.summary();
                fields.clear();
                fields.push(cell.variant.clone());
                fields.extend(cell.point.iter().cloned());
                fields.push(name.clone());
                fields.push(num(st.mean));
                fields.push(st.sd.map_or_else(String::new, num));
                fields.push(st.n.to_string());
                fields.push(st.ci.map_or_else(String::new, |c| num(c.0)));
                fields.push(st.ci.map_or_else(String::new, |c| num(c.1)));
                summary.row(fields.iter().map(String::as_str))?;
            }
        }
        summary.finish()?;

        let path = dir.staging().join(MANIFEST_JSON);
        let mut json = serde_json::to_string_pretty(manifest).map_err(|e| OutputError::Json {
            path: path.clone(),
            source: e,
        })?;
        json.push('\n');
        std::fs::write(&path, json).map_err(|e| OutputError::io(&path, e))?;
        dir.commit()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coprod_core::{EndReason, GroupRecord, StepMetrics, TaskKind};

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
            }],
            citizens: Vec::new(),
        }
    }

    fn manifest() -> Manifest {
        Manifest {
            coprod_version: "test".into(),
            scenario: crate::ScenarioInfo {
                name: "t".into(),
                description: String::new(),
                origin: "t.toml".into(),
                source: String::new(),
            },
            experiment: crate::ExperimentInfo {
                steps: 1,
                replications: 2,
                sweep_points: 1,
                runs: 2,
            },
            seeds: crate::SeedInfo {
                base_seed: 1,
                derivation: String::new(),
                replications: Vec::new(),
            },
            parameters: Vec::new(),
            sweep: Vec::new(),
            variants: Vec::new(),
            settings: Vec::new(),
            quick: false,
            step_metrics: crate::MetricInfo::step_metrics(),
            summary_metrics: crate::MetricInfo::summary_metrics(),
            files: FILES.iter().map(|f| f.to_string()).collect(),
            timing: crate::Timing {
                started_utc: String::new(),
                wall_seconds: 0.0,
                threads: 1,
            },
        }
    }

    #[test]
    fn rows_use_empty_fields_for_missing_values_and_summaries_pool_replications() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("run");
        let mut w =
            Writer::create(&target, vec!["levers.outreach".into()], Existing::Refuse).unwrap();
        let point = ["0.5".to_string()];
        for (rep, value) in [(0u32, 0.25), (1, 0.75)] {
            let id = RunIdentity {
                run_id: u64::from(rep),
                variant: "baseline",
                point: &point,
                replication: rep,
                seed: 10 + u64::from(rep),
            };
            w.write_run(&id, &output(value)).unwrap();
        }
        let dir = w.finish(&manifest()).unwrap();
        let groups = std::fs::read_to_string(dir.join(GROUPS_CSV)).unwrap();
        assert_eq!(groups.lines().nth(1), Some("0,0,,3,specific,8,5,0,,active"));
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
}
