//! `manifest.json`: everything needed to understand and reproduce a run directory.
//!
//! Owns the manifest's fields and their JSON spelling (serde); the caller fills them in.
//! Only the `timing` object changes between identical invocations.

use std::time::SystemTime;

use coprod_core::{METRICS, summary_names};
use serde::{Deserialize, Serialize};

/// The whole manifest.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    /// Version of the coprod binary that wrote the outputs.
    pub coprod_version: String,
    /// The scenario as given.
    pub scenario: ScenarioInfo,
    /// Size of the experiment.
    pub experiment: ExperimentInfo,
    /// How run seeds were derived.
    pub seeds: SeedInfo,
    /// Every model parameter as it ran (after defaults, scenario, variant, sweep, `--set`
    /// and `--quick`): its value when all runs share it, else `null` (parameters.csv holds
    /// the value of each variant and sweep point).
    pub parameters: Vec<ParamValue>,
    /// Swept parameters and their values, in axis order (last fastest).
    pub sweep: Vec<SweepInfo>,
    /// Variants, baseline first.
    pub variants: Vec<VariantInfo>,
    /// `--set` options as typed; they override the scenario in every run.
    pub settings: Vec<String>,
    /// The `[experiment]` values given by their own options (`--replications`, `--seed`)
    /// rather than `--set`, with the scenario's values they replaced; absent when none was
    /// given (and in folders written before coprod recorded them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<OptionValue>,
    /// Whether `--quick` was in force (given, or the default of a plain `coprod run`).
    pub quick: bool,
    /// What `--quick` lowered, which may be nothing; absent without `--quick` (and in
    /// folders written before coprod recorded it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quick_lowered: Option<QuickLowered>,
    /// Columns of timeseries.csv after `step` (before it: the run's identity).
    pub step_metrics: Vec<MetricInfo>,
    /// Summary metric columns of runs.csv and `metric` values of summary.csv.
    pub summary_metrics: Vec<MetricInfo>,
    /// Runs that failed (listed in failures.csv); 0 if all succeeded.
    pub failed_runs: u64,
    /// Files in the run directory.
    pub files: Vec<String>,
    /// Where `--target-ci` stopped adding replications and why; absent without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adaptive: Option<serde_json::Value>,
    /// The options comparison.csv was computed with; absent when the directory has none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison: Option<ComparisonInfo>,
    /// When and how fast; the only part that differs between identical invocations.
    pub timing: Timing,
}

/// What `--quick`'s caps lowered: the steps and replications (`null` when it kept them),
/// and the parameters it lowered in at least one run (parameters.csv has their values).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickLowered {
    /// Steps per run before and after, if it lowered them.
    pub steps: Option<Lowered>,
    /// Replications before and after, if it lowered them.
    pub replications: Option<Lowered>,
    /// Parameters it lowered in some run, in `SPECS` order.
    pub parameters: Vec<String>,
}

/// An `[experiment]` value that an option of its own gave (`--replications 2`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionValue {
    /// The option as typed: `--replications`.
    pub option: String,
    /// The key it set: `experiment.replications`.
    pub key: String,
    /// The value it gave, which the runs used.
    pub value: u64,
    /// The scenario's own value, which it replaced.
    pub scenario: u64,
}

/// A number before and after `--quick` lowered it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lowered {
    /// Before.
    pub from: u32,
    /// After.
    pub to: u32,
}

/// Where the scenario came from.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ScenarioInfo {
    /// Scenario name.
    pub name: String,
    /// The question it answers.
    pub description: String,
    /// File path or shipped scenario name.
    pub origin: String,
    /// The complete file text.
    pub source: String,
    /// Fingerprint of the resolved scenario (file, `--set`, `--quick`, ...): two run
    /// directories with the same fingerprint and coprod version have the same rows.
    pub hash: String,
    /// The metrics of the scenario's `[report]` table, which the report charts before its
    /// default metrics and comparison.csv compares with its key metrics; absent when the
    /// scenario has none (and in folders written before coprod read it).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub report_metrics: Vec<String>,
}

/// The scenario's `[report]` metrics (`report`), then those of `defaults` they do not name:
/// what a run's charts show and comparison.csv compares when no metric is asked for.
pub fn report_metrics_first(report: &[String], defaults: &[&str]) -> Vec<String> {
    let mut metrics = report.to_vec();
    for m in defaults {
        if !metrics.iter().any(|r| r == m) {
            metrics.push(m.to_string());
        }
    }
    metrics
}

/// Size of the experiment.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ExperimentInfo {
    /// Steps per run.
    pub steps: u32,
    /// Replications per variant and sweep point.
    pub replications: u32,
    /// Sweep points (1 without a sweep).
    pub sweep_points: u64,
    /// Total runs: variants x sweep points x replications.
    pub runs: u64,
}

/// Seed derivation.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SeedInfo {
    /// Base seed of the experiment.
    pub base_seed: u64,
    /// The derivation in words.
    pub derivation: String,
    /// Seed of each replication.
    pub replications: Vec<ReplicationSeed>,
}

/// One replication's seed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ReplicationSeed {
    /// Replication index.
    pub replication: u32,
    /// Its seed.
    pub seed: u64,
}

/// A parameter value.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ParamValue {
    /// Dotted name.
    pub name: String,
    /// Value as a scenario file would write it; `None` (`null`) when runs differ.
    pub value: Option<String>,
    /// Unit.
    pub unit: String,
    /// Where the value came from: `default`, `scenario`, `variant`, `sweep`, `set` or
    /// `quick`; when runs differ, each source met, joined by `+` (e.g. `default+variant`).
    pub source: String,
}

/// What comparison.csv compares: `--metric` and `--against` as they were resolved.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ComparisonInfo {
    /// The metrics compared, in the order of comparison.csv (the default set without
    /// `--metric`).
    pub metrics: Vec<String>,
    /// The reference variant (`baseline` without `--against`).
    pub against: String,
}

/// A swept parameter.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SweepInfo {
    /// Dotted name (also the column name).
    pub name: String,
    /// Values as written in the CSV columns.
    pub values: Vec<String>,
}

/// A variant.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct VariantInfo {
    /// Name written in the `variant` column.
    pub name: String,
    /// What it changes.
    pub description: String,
    /// Parameters it sets on top of the scenario's, as its runs had them.
    pub params: Vec<NameValue>,
    /// Parameters it sets that a `--set` option or `--quick`'s size caps replaced with
    /// another value: the variant's own values, which its runs did not have (empty, and
    /// left out, when there are none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replaced: Vec<NameValue>,
    /// Interventions in force.
    pub interventions: Vec<InterventionInfo>,
}

/// A name and a value as text.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct NameValue {
    /// Dotted name.
    pub name: String,
    /// Value as a scenario file would write it.
    pub value: String,
}

/// An intervention.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct InterventionInfo {
    /// Lever.
    pub lever: String,
    /// Value while in force.
    pub value: String,
    /// First step in force.
    pub from_step: u32,
    /// First step no longer in force (`null`: to the end).
    pub until_step: Option<u32>,
}

/// A metric column.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MetricInfo {
    /// Column or metric name.
    pub name: String,
    /// Unit.
    pub unit: String,
    /// Meaning.
    pub doc: String,
}

impl MetricInfo {
    /// The per-step metrics of `coprod_core::METRICS`, as a lab run measures them when
    /// `lab` (docs/ODD.md 8.17).
    pub fn step_metrics(lab: bool) -> Vec<MetricInfo> {
        METRICS
            .iter()
            .map(|(n, u, d)| {
                let field = MetricInfo {
                    name: n.to_string(),
                    unit: u.to_string(),
                    doc: d.to_string(),
                };
                if lab { field.in_lab("") } else { field }
            })
            .collect()
    }

    /// The end-of-run metrics of `coprod_core::summary_names`, as a lab run measures them
    /// when `lab`.
    pub fn summary_metrics(lab: bool) -> Vec<MetricInfo> {
        let averaged = format!(
            "Mean over the last {} rounds (or all, if fewer): ",
            coprod_core::SUMMARY_STEPS
        );
        summary_names()
            .into_iter()
            .map(|(n, u, d)| {
                let of_steps = is_step_metric(&n);
                let field = MetricInfo {
                    name: n,
                    unit: u.to_string(),
                    doc: d,
                };
                match (lab, of_steps) {
                    (false, _) => field,
                    (true, true) => field.in_lab(&averaged),
                    (true, false) => field.in_lab(""),
                }
            })
            .collect()
    }

    /// This metric as a lab run reports it: the lab's unit and meaning for what it measures
    /// (`prefix` before the meaning), and that it measures nothing else. The field's unit is
    /// kept for a metric the lab does not measure, whose value says nothing.
    fn in_lab(self, prefix: &str) -> MetricInfo {
        let (unit, doc) = match (coprod_core::lab_meaning(&self.name), self.name.as_str()) {
            (Some((unit, doc)), _) => (unit.to_string(), format!("{prefix}{doc}")),
            (None, "participation_rate") => (self.unit, "1: every subject takes part.".into()),
            (None, "groups_started") => (
                self.unit,
                "Not measured in the lab, which has no co-production groups: 0.".into(),
            ),
            (None, _) if !is_step_metric(&self.name) => (
                self.unit,
                "Not measured in the lab, which has no co-production groups: empty.".into(),
            ),
            (None, _) => (self.unit, "Not measured in the lab: 0.".into()),
        };
        MetricInfo {
            name: self.name,
            unit,
            doc,
        }
    }
}

fn is_step_metric(name: &str) -> bool {
    METRICS.iter().any(|(m, _, _)| *m == name)
}

/// Wall-clock facts.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Timing {
    /// Start time, UTC, ISO 8601.
    pub started_utc: String,
    /// Wall time of the whole run in seconds.
    pub wall_seconds: f64,
    /// Worker threads used (outputs do not depend on it).
    pub threads: usize,
    /// For a run finished with `--resume`: the runs already done when it resumed (the
    /// wall time covers only the last invocation); `null` otherwise.
    pub resumed_at_run: Option<u64>,
}

/// `time` as `YYYY-MM-DDTHH:MM:SSZ` (UTC), without a date library.
pub fn utc_timestamp(time: SystemTime) -> String {
    let secs = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rest) = ((secs / 86_400) as i64, secs % 86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// Records in `dir`'s manifest.json what its new comparison.csv compares (`coprod compare`),
/// keeping everything else as it was, and lists comparison.csv among its files. Returns
/// `false`, writing nothing, when the directory has no manifest.json of this version's
/// form (written by an earlier build).
///
/// # Errors
/// [`crate::OutputError::Io`] when the manifest cannot be read or written.
pub fn record_comparison(
    dir: &std::path::Path,
    comparison: ComparisonInfo,
) -> Result<bool, crate::OutputError> {
    update_manifest(dir, |manifest| {
        manifest.comparison = Some(comparison);
        list_file(manifest, crate::COMPARISON_CSV);
    })
}

/// Lists `file`, a table a later command wrote into `dir` (published.csv of `coprod compare
/// --published`), among the files of `dir`'s manifest.json, keeping everything else as it
/// was. Returns `false`, writing nothing, as [`record_comparison`] does.
///
/// # Errors
/// [`crate::OutputError::Io`] when the manifest cannot be read or written.
pub fn record_file(dir: &std::path::Path, file: &str) -> Result<bool, crate::OutputError> {
    update_manifest(dir, |manifest| list_file(manifest, file))
}

/// Adds `file` to the manifest's files if it is not listed yet.
fn list_file(manifest: &mut Manifest, file: &str) {
    if !manifest.files.iter().any(|f| f == file) {
        manifest.files.push(file.to_string());
    }
}

/// Rewrites `dir`'s manifest.json with `change` applied; `false`, writing nothing, when it
/// has no manifest.json of this version's form.
fn update_manifest(
    dir: &std::path::Path,
    change: impl FnOnce(&mut Manifest),
) -> Result<bool, crate::OutputError> {
    let path = dir.join(crate::MANIFEST_JSON);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(crate::OutputError::io(&path, e)),
    };
    let Ok(mut manifest) = serde_json::from_str::<Manifest>(&text) else {
        return Ok(false);
    };
    change(&mut manifest);
    crate::files::write_json(&path, &manifest)?;
    Ok(true)
}

/// The first field of `manifest` (manifest.json read as JSON) that holds a value of another
/// type than this version writes, as its dotted key with serde's account of the value;
/// `None` when every field present has its type. A missing field is not damage: a manifest
/// of an earlier coprod lacks the fields added since.
/// A manifest that is no JSON object (`[1]`, `null`) has no fields: `None`, so that the
/// reader names the field it expected (`variants`) and says it is no run's manifest.
pub(crate) fn wrong_type(manifest: &serde_json::Value) -> Option<(String, String)> {
    if !manifest.is_object() {
        return None;
    }
    // A present field of the wrong type fails as it is read, before the fields missing
    // are counted: a probe holding one field alone fails with its type only if it is wrong.
    let refused = |probe: serde_json::Value| match serde_json::from_value::<Manifest>(probe) {
        Err(e) if !e.to_string().starts_with("missing field") => Some(plain(&e.to_string())),
        _ => None,
    };
    let mut found = refused(manifest.clone())?;
    // serde names no key: narrow down, a level at a time, to the deepest one refused.
    let mut path: Vec<&str> = Vec::new();
    let mut at = manifest;
    while let Some((key, value, why)) = at.as_object().and_then(|fields| {
        fields.iter().find_map(|(key, value)| {
            let probe = path.iter().rev().fold(
                serde_json::json!({ key: value }),
                |v, k| serde_json::json!({ *k: v }),
            );
            refused(probe).map(|why| (key.as_str(), value, why))
        })
    }) {
        path.push(key);
        at = value;
        found = why;
    }
    Some((path.join("."), found))
}

/// serde's account of a wrong value in plain words: it names the Rust type of an object it
/// expected (`expected struct ExperimentInfo`), which the reader of manifest.json never saw.
fn plain(why: &str) -> String {
    // serde names Rust types; the reader sees JSON. The same serde words as
    // coprod-scenario's `plain_type_names` (which says them in TOML's words): the two crates
    // share no home for one table, and both tests read tests/data/serde-messages.txt.
    let why = why
        .replace(
            "expected u32",
            &format!("expected a whole number from 0 to {}", u32::MAX),
        )
        .replace(
            "expected u64",
            &format!("expected a whole number from 0 to {}", u64::MAX),
        )
        .replace(
            "expected usize",
            &format!("expected a whole number from 0 to {}", usize::MAX),
        )
        .replace("expected f64", "expected a number")
        .replace("expected a sequence", "expected an array `[...]`")
        .replace("expected a map", "expected a JSON object")
        .replace("invalid type: sequence", "invalid type: array")
        .replace("invalid type: map", "invalid type: object");
    let mut parts = why.split("expected struct ");
    let mut out = parts.next().unwrap_or_default().to_string();
    for part in parts {
        let name = part
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .unwrap_or(part.len());
        out.push_str("expected a JSON object");
        out.push_str(&part[name..]);
    }
    out
}

/// A manifest of a small run (1 step, 2 replications) listing `files`, for the tests of
/// this crate.
#[cfg(test)]
pub(crate) fn test_manifest(files: &[&str]) -> Manifest {
    Manifest {
        coprod_version: "test".into(),
        scenario: ScenarioInfo {
            name: "t".into(),
            description: String::new(),
            origin: "t.toml".into(),
            source: String::new(),
            hash: String::new(),
            report_metrics: Vec::new(),
        },
        experiment: ExperimentInfo {
            steps: 1,
            replications: 2,
            sweep_points: 1,
            runs: 2,
        },
        seeds: SeedInfo {
            base_seed: 1,
            derivation: String::new(),
            replications: Vec::new(),
        },
        parameters: Vec::new(),
        sweep: Vec::new(),
        variants: Vec::new(),
        settings: Vec::new(),
        options: Vec::new(),
        quick: false,
        quick_lowered: None,
        adaptive: None,
        comparison: None,
        step_metrics: MetricInfo::step_metrics(false),
        summary_metrics: MetricInfo::summary_metrics(false),
        failed_runs: 0,
        files: files.iter().map(|f| f.to_string()).collect(),
        timing: Timing {
            started_utc: String::new(),
            wall_seconds: 0.0,
            threads: 1,
            resumed_at_run: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// A manifest that is no object is left to the check that names the field expected:
    /// it was said to hold "a value no coprod writes" at the key `` (serde's "invalid
    /// length 0, expected struct Manifest with 16 elements").
    #[test]
    fn a_manifest_that_is_no_object_has_no_wrong_field() {
        for text in ["[1]", "[]", "null", "\"x\"", "3"] {
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            assert_eq!(wrong_type(&value), None, "{text}");
        }
    }

    /// Every serde message both this crate and coprod-scenario translate comes out without
    /// a Rust type's name; a list and an object are named as JSON names them.
    #[test]
    fn serde_type_names_become_json_words() {
        let messages = include_str!("../../../tests/data/serde-messages.txt");
        for message in messages.lines().filter(|l| !l.is_empty()) {
            let plain = plain(message);
            let words: Vec<&str> = plain.split(|c: char| !c.is_ascii_alphanumeric()).collect();
            for rust in ["u32", "u64", "usize", "f64", "sequence", "map", "struct"] {
                assert!(!words.contains(&rust), "{message} -> {plain}");
            }
        }
        assert_eq!(
            plain("invalid type: map, expected a sequence"),
            "invalid type: object, expected an array `[...]`"
        );
        assert_eq!(
            plain("invalid type: sequence, expected a map"),
            "invalid type: array, expected a JSON object"
        );
    }

    /// A nested field of the wrong type is named by its key, in plain words: serde's
    /// "expected struct ExperimentInfo" names a Rust type.
    #[test]
    fn a_wrong_nested_field_is_named_in_plain_words() {
        let (key, why) = wrong_type(&serde_json::json!({ "experiment": 3 })).unwrap();
        assert_eq!(key, "experiment");
        assert_eq!(why, "invalid type: integer `3`, expected a JSON object");
        let (key, why) =
            wrong_type(&serde_json::json!({ "experiment": { "steps": "8" } })).unwrap();
        assert_eq!(key, "experiment.steps");
        assert_eq!(
            why,
            "invalid type: string \"8\", expected a whole number from 0 to 4294967295"
        );
        let (key, why) = wrong_type(&serde_json::json!({ "failed_runs": -1 })).unwrap();
        assert_eq!(key, "failed_runs");
        assert_eq!(
            why,
            "invalid value: integer `-1`, expected a whole number from 0 to \
             18446744073709551615"
        );
    }

    #[test]
    fn timestamps() {
        assert_eq!(
            utc_timestamp(SystemTime::UNIX_EPOCH),
            "1970-01-01T00:00:00Z"
        );
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_709_210_096);
        assert_eq!(utc_timestamp(t), "2024-02-29T12:34:56Z");
    }

    /// Every day from 1970 to 2400 (leap years, 2100 and 2200 that are not, 2000 and 2400
    /// that are) gets the date a calendar counted day by day gives, at its first and last
    /// second.
    #[test]
    fn timestamps_match_a_calendar_counted_day_by_day() {
        let leap =
            |y: u64| y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400));
        let mut days = 0u64;
        for year in 1970..=2400u64 {
            for month in 1..=12u64 {
                let length = match month {
                    2 if leap(year) => 29,
                    2 => 28,
                    4 | 6 | 9 | 11 => 30,
                    _ => 31,
                };
                for day in 1..=length {
                    let midnight = SystemTime::UNIX_EPOCH + Duration::from_secs(days * 86_400);
                    let date = format!("{year:04}-{month:02}-{day:02}");
                    assert_eq!(utc_timestamp(midnight), format!("{date}T00:00:00Z"));
                    let last = midnight + Duration::from_secs(86_399);
                    assert_eq!(utc_timestamp(last), format!("{date}T23:59:59Z"));
                    days += 1;
                }
            }
        }
    }

    /// The manifest lists every per-step and end-of-run metric, with its unit.
    #[test]
    fn the_manifest_lists_every_metric() {
        let steps: Vec<(String, String)> = MetricInfo::step_metrics(false)
            .into_iter()
            .map(|m| (m.name, m.unit))
            .collect();
        let expected: Vec<(String, String)> = METRICS
            .iter()
            .map(|(n, u, _)| (n.to_string(), u.to_string()))
            .collect();
        assert!(!expected.is_empty());
        assert_eq!(steps, expected);
        let summary: Vec<String> = MetricInfo::summary_metrics(false)
            .into_iter()
            .map(|m| m.name)
            .collect();
        let expected: Vec<String> = summary_names().into_iter().map(|(n, _, _)| n).collect();
        assert!(!expected.is_empty());
        assert_eq!(summary, expected);
    }

    /// A lab run's manifest gives the lab's units and meanings (a payoff in tokens, not
    /// service units, docs/outputs.md) and says which metrics the lab does not measure.
    #[test]
    fn a_lab_manifest_gives_the_labs_units_and_meanings() {
        let find = |metrics: &[MetricInfo], name: &str| {
            let m = metrics.iter().find(|m| m.name == name).unwrap();
            (m.unit.clone(), m.doc.clone())
        };
        let field = MetricInfo::step_metrics(false);
        assert_eq!(find(&field, "service_output").0, "service units");
        let step = MetricInfo::step_metrics(true);
        assert_eq!(step.len(), field.len());
        assert_eq!(
            find(&step, "service_output"),
            (
                "mean payoff in tokens".into(),
                "Mean payoff of the subjects, in tokens.".into()
            )
        );
        assert_eq!(find(&step, "mean_contribution").0, "share of endowment");
        assert_eq!(
            find(&step, "participation_rate").1,
            "1: every subject takes part."
        );
        assert_eq!(
            find(&step, "representativeness").1,
            "Not measured in the lab: 0."
        );
        let summary = MetricInfo::summary_metrics(true);
        assert_eq!(
            find(&summary, "mean_contribution").1,
            "Mean over the last 12 rounds (or all, if fewer): Mean contribution of the \
             subjects, as a share of the endowment."
        );
        assert_eq!(
            find(&summary, "groups_started").1,
            "Not measured in the lab, which has no co-production groups: 0."
        );
        assert_eq!(
            find(&summary, "median_group_lifetime").1,
            "Not measured in the lab, which has no co-production groups: empty."
        );
        assert_eq!(
            find(&summary, "representativeness").1,
            "Not measured in the lab: 0."
        );
    }

    fn manifest() -> Manifest {
        test_manifest(&[crate::RUNS_CSV])
    }

    fn comparison() -> ComparisonInfo {
        ComparisonInfo {
            metrics: vec!["groups_started".into()],
            against: "baseline".into(),
        }
    }

    /// `coprod compare` records what it compared and lists comparison.csv once, however
    /// often it runs; a directory without a manifest of this form is left alone, and one
    /// whose manifest cannot be read is an error.
    #[test]
    fn a_comparison_is_recorded_in_the_manifest() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join(crate::MANIFEST_JSON);
        assert!(!record_comparison(tmp.path(), comparison()).unwrap());
        assert!(!path.exists(), "no manifest is made");
        std::fs::write(&path, "{\"seed\": 1}").unwrap();
        assert!(!record_comparison(tmp.path(), comparison()).unwrap());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "{\"seed\": 1}");

        crate::files::write_json(&path, &manifest()).unwrap();
        for _ in 0..2 {
            assert!(record_comparison(tmp.path(), comparison()).unwrap());
        }
        let written: Manifest =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        assert_eq!(written.files, [crate::RUNS_CSV, crate::COMPARISON_CSV]);
        let recorded = written.comparison.unwrap();
        assert_eq!(recorded.metrics, ["groups_started"]);
        assert_eq!(recorded.against, "baseline");

        let unreadable = tmp.path().join("sub");
        std::fs::create_dir_all(unreadable.join(crate::MANIFEST_JSON)).unwrap();
        assert!(record_comparison(&unreadable, comparison()).is_err());
    }
}
