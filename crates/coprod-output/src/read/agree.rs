//! Whether the files of a run directory agree with its manifest and with each other: the
//! variants, sweep points, replications, run ids, steps and groups that runs.csv,
//! summary.csv, timeseries.csv and groups.csv hold are the ones the run made, each once,
//! summary.csv states what runs.csv's values give, timeseries.csv names each run as runs.csv
//! does, every value lies in the range of its metric's unit, and each group of groups.csv
//! is one the run could make: among its organisations and communities, with what the model
//! sums over its producing months.
//!
//! Charts and pages state what these files say; a file edited or cut short would have them
//! describe runs that never happened, so each disagreement is an error naming the file and,
//! where a row says it, the line and column.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use super::{RawTable, ReadError, Row, RunsTable};
use crate::stats::{Accumulator, Summary};
use crate::tables::{MANIFEST_JSON, SUMMARY_CSV, TIMESERIES_CSV};

/// Values within this distance of a bound are rounding, not damage.
const SLACK: f64 = 1e-9;

/// What a run directory's manifest.json says its CSV files hold.
#[derive(Clone, Debug, PartialEq)]
pub struct Expected {
    /// Variant names, in run order.
    pub variants: Vec<String>,
    /// Each swept parameter with its values as runs.csv writes them, in column order.
    pub sweep: Vec<(String, Vec<String>)>,
    /// Sweep points (combinations of swept values) that ran.
    pub sweep_points: u64,
    /// Replications of every variant and sweep point.
    pub replications: u64,
    /// Steps of every run.
    pub steps: u64,
    /// Runs made, failed ones included (run ids are below it).
    pub runs: u64,
    /// The parameters every run shared, with their value as parameters.csv writes it
    /// (manifest.json's `parameters` that have a value).
    pub shared: Vec<(String, String)>,
    /// The seed of each replication, by replication: manifest.json's `seeds.replications`,
    /// each the one its `seeds.base_seed` gives ([`coprod_core::run_seed`]).
    pub seeds: Vec<u64>,
}

impl Expected {
    /// What `manifest` (the manifest.json of `dir`) records of the runs. A run directory's
    /// manifest always records these, so one without them (`{}`) is damage.
    ///
    /// # Errors
    /// [`ReadError::Syntax`] naming manifest.json and the key missing or malformed.
    pub fn of_manifest(dir: &Path, manifest: &serde_json::Value) -> Result<Expected, ReadError> {
        let damaged = |key: &str, what: &str| ReadError::Syntax {
            path: dir.join(MANIFEST_JSON),
            message: format!(
                "expected `{key}` ({what}), as every run directory's manifest records; \
                 the file is damaged or not a run's manifest"
            ),
        };
        if let Some((key, why)) = crate::manifest::wrong_type(manifest) {
            return Err(ReadError::Syntax {
                path: dir.join(MANIFEST_JSON),
                message: format!(
                    "`{key}` holds a value no coprod writes ({why}); the file is damaged or \
                     was changed"
                ),
            });
        }
        let count = |key: &str, what: &str| {
            manifest
                .pointer(&format!("/{}", key.replace('.', "/")))
                .and_then(serde_json::Value::as_u64)
                .ok_or_else(|| damaged(key, what))
        };
        let names = |v: &serde_json::Value| v.get("name")?.as_str().map(str::to_string);
        let variants = manifest
            .get("variants")
            .and_then(serde_json::Value::as_array)
            .and_then(|a| a.iter().map(names).collect::<Option<Vec<_>>>())
            .ok_or_else(|| damaged("variants", "a list of variants with their names"))?;
        let swept = |v: &serde_json::Value| {
            let values = v.get("values")?.as_array()?;
            let values = values.iter().map(|x| x.as_str().map(str::to_string));
            Some((names(v)?, values.collect::<Option<Vec<_>>>()?))
        };
        let sweep = manifest
            .get("sweep")
            .and_then(serde_json::Value::as_array)
            .and_then(|a| a.iter().map(swept).collect::<Option<Vec<_>>>())
            .ok_or_else(|| damaged("sweep", "a list of swept parameters with their values"))?;
        // A parameter's value is `null` when runs differ in it (parameters.csv has each).
        let shared_value = |p: &serde_json::Value| {
            let name = names(p)?;
            match p.get("value")? {
                serde_json::Value::Null => Some(None),
                v => Some(Some((name, v.as_str()?.to_string()))),
            }
        };
        let shared = match manifest.get("parameters") {
            None => Vec::new(),
            Some(list) => list
                .as_array()
                .and_then(|a| a.iter().map(shared_value).collect::<Option<Vec<_>>>())
                .ok_or_else(|| {
                    damaged(
                        "parameters",
                        "a list of parameters with their names and values",
                    )
                })?
                .into_iter()
                .flatten()
                .collect(),
        };
        let mut e = Expected {
            variants,
            sweep,
            sweep_points: count("experiment.sweep_points", "a whole number")?,
            replications: count("experiment.replications", "a whole number")?,
            steps: count("experiment.steps", "a whole number")?,
            runs: count("experiment.runs", "a whole number")?,
            shared,
            seeds: Vec::new(),
        };
        // The counts first: an edited `experiment.replications` is named as such, not as
        // seeds listed for another number of replications.
        e.runs_add_up(dir)?;
        e.seeds = replication_seeds(dir, manifest, e.replications)?;
        Ok(e)
    }

    /// Refuses a manifest whose `experiment.runs` is not its variants x sweep points x
    /// replications, as every run makes them: a page would state a number of replications
    /// (or sweep points) the runs did not have.
    fn runs_add_up(&self, dir: &Path) -> Result<(), ReadError> {
        // In u128 and saturating: an edited count may be any u64.
        let made = (self.variants.len() as u128)
            .saturating_mul(u128::from(self.sweep_points))
            .saturating_mul(u128::from(self.replications));
        if made == u128::from(self.runs) {
            return Ok(());
        }
        Err(ReadError::Syntax {
            path: dir.join(MANIFEST_JSON),
            message: format!(
                "expected `experiment.runs` to be {} variants x {} sweep points \
                 (`experiment.sweep_points`) x {} replications (`experiment.replications`) = \
                 {made}, found {}; the file is damaged or was changed",
                self.variants.len(),
                self.sweep_points,
                self.replications,
                self.runs
            ),
        })
    }
}

/// The seed of each of the `replications` replications that manifest.json's
/// `seeds.replications` lists, refused unless they are the replications in order, each with
/// the seed that `seeds.base_seed` gives it: the index page states the base seed, and a run
/// whose seed is not the one stated could not be reproduced from it.
fn replication_seeds(
    dir: &Path,
    manifest: &serde_json::Value,
    replications: u64,
) -> Result<Vec<u64>, ReadError> {
    let damaged = |message: String| ReadError::Syntax {
        path: dir.join(MANIFEST_JSON),
        message: format!("{message}; the file is damaged or was changed"),
    };
    let base = manifest
        .pointer("/seeds/base_seed")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| damaged("expected `seeds.base_seed` (a whole number)".into()))?;
    let entry = |v: &serde_json::Value| {
        let field = |key: &str| v.get(key).and_then(serde_json::Value::as_u64);
        Some((field("replication")?, field("seed")?))
    };
    let listed = manifest
        .pointer("/seeds/replications")
        .and_then(serde_json::Value::as_array)
        .and_then(|a| a.iter().map(entry).collect::<Option<Vec<_>>>())
        .ok_or_else(|| {
            damaged(
                "expected `seeds.replications` (a list of replications with their seeds)".into(),
            )
        })?;
    if listed.len() as u64 != replications {
        return Err(damaged(format!(
            "expected `seeds.replications` to list the seed of each of the {replications} \
             replications (`experiment.replications`), found {}",
            listed.len()
        )));
    }
    let mut seeds = Vec::with_capacity(listed.len());
    for (r, (replication, seed)) in (0u32..).zip(listed) {
        if replication != u64::from(r) {
            return Err(damaged(format!(
                "expected entry {r} of `seeds.replications` to be replication {r}, found \
                 replication {replication}"
            )));
        }
        let derived = coprod_core::run_seed(base, r);
        if seed != derived {
            return Err(damaged(format!(
                "expected `seeds.replications` to give replication {r} the seed {derived}, \
                 which `seeds.base_seed` {base} gives it (`seeds.derivation`), found {seed}"
            )));
        }
        seeds.push(seed);
    }
    Ok(seeds)
}

/// Refuses a value of parameters.csv (in column `value` of `row`, of the parameter at
/// `index` in `coprod list --params`) that its parameter cannot take, or that differs from
/// the one the manifest (`e`) records for every run: a page would describe runs that never
/// happened (a field run drawn as a lab run).
pub(super) fn parameter_value(
    t: &RawTable,
    row: &Row,
    (value, index): (usize, usize),
    e: Option<&Expected>,
) -> Result<(), ReadError> {
    let spec = &coprod_core::SPECS[index];
    let text = t.text(row, value);
    let allowed = spec
        .parse_value(text)
        .is_some_and(|v| spec.check(v).is_ok());
    if !allowed {
        let message = format!(
            "expected {} for `{}`, found {text:?}",
            spec.allowed(),
            spec.name
        );
        return Err(t.bad(row.line, value, message));
    }
    let shared = e.and_then(|e| e.shared.iter().find(|(name, _)| name == spec.name));
    if let Some((_, ran)) = shared.filter(|(_, ran)| ran != text) {
        let message = format!(
            "expected {ran:?} for `{}`, the value manifest.json's `parameters` records for \
             every run, found {text:?}",
            spec.name
        );
        return Err(t.bad(row.line, value, message));
    }
    Ok(())
}

/// Refuses a `unit` other than the parameter's (at `index` in `coprod list --params`) and a
/// `source` coprod does not write, in the columns `(unit, source)` of parameters.csv's `row`:
/// pages say a value was given by `--set` or lowered by `--quick` from its source.
pub(super) fn parameter_labels(
    t: &RawTable,
    row: &Row,
    (unit, source): (usize, usize),
    index: usize,
) -> Result<(), ReadError> {
    let spec = &coprod_core::SPECS[index];
    let found = t.text(row, unit);
    if found != spec.unit {
        let message = format!(
            "expected the unit of `{}`, {:?} (`coprod list --params`), found {found:?}",
            spec.name, spec.unit
        );
        return Err(t.bad(row.line, unit, message));
    }
    let found = t.text(row, source);
    if !crate::PARAMETER_SOURCES.contains(&found) {
        let message = format!(
            "expected one of {}, found {found:?}",
            crate::PARAMETER_SOURCES.join(", ")
        );
        return Err(t.bad(row.line, source, message));
    }
    Ok(())
}

/// The range of a metric's values, from its unit.
#[derive(Clone, Copy, Debug)]
pub(super) struct Bounds {
    low: f64,
    high: f64,
    unit: &'static str,
}

/// The range of `metric`'s values; `None` when it is no metric or its unit has no bounds.
/// Looked up once per column (a table has millions of values; `summary_names` builds its
/// list anew on every call).
pub(super) fn bounds(metric: &str) -> Option<Bounds> {
    let (unit, (low, high)) = crate::stats::metric_range(metric)?;
    Some(Bounds { low, high, unit })
}

/// What a value must be, when `v` is not within `bounds` (a share above 1, a negative
/// count); `None` when it is, or is missing (NaN), or there are no bounds.
pub(super) fn out_of_bounds(bounds: Option<Bounds>, v: f64) -> Option<String> {
    let Bounds { low, high, unit } = bounds?;
    if v.is_nan() || (v >= low - SLACK && v <= high + SLACK) {
        return None;
    }
    Some(if high.is_finite() {
        format!("a value from {low} to {high} ({unit})")
    } else {
        format!("a value of at least {low} ({unit})")
    })
}

/// Refuses a header whose metric columns (`columns`) are not exactly `required`: a missing
/// one would leave its charts out with a note that blames the metric, an unknown one would
/// be drawn as if the model reported it.
pub(super) fn metric_columns(
    t: &RawTable,
    columns: &[usize],
    required: &[String],
) -> Result<(), ReadError> {
    let names: Vec<&str> = columns.iter().map(|&c| t.header[c].as_str()).collect();
    if let Some(missing) = required.iter().find(|r| !names.contains(&r.as_str())) {
        return Err(ReadError::MissingColumn {
            path: t.path.clone(),
            column: missing.clone(),
        });
    }
    if let Some(unknown) = names.iter().find(|n| !required.iter().any(|r| r == *n)) {
        return Err(ReadError::Syntax {
            path: t.path.clone(),
            message: format!(
                "unknown column `{unknown}`: expected only the metrics coprod writes ({})",
                required.join(", ")
            ),
        });
    }
    Ok(())
}

/// Refuses swept-parameter columns other than the manifest's sweep, in its order.
pub(super) fn swept_columns(
    t: &RawTable,
    columns: &[usize],
    e: &Expected,
) -> Result<(), ReadError> {
    let names: Vec<&str> = columns.iter().map(|&c| t.header[c].as_str()).collect();
    let sweep: Vec<&str> = e.sweep.iter().map(|(n, _)| n.as_str()).collect();
    if let Some(missing) = sweep.iter().find(|s| !names.contains(s)) {
        return Err(ReadError::MissingColumn {
            path: t.path.clone(),
            column: missing.to_string(),
        });
    }
    if names != sweep {
        return Err(ReadError::Syntax {
            path: t.path.clone(),
            message: format!(
                "the columns between `variant` and `replication` are {}, but manifest.json \
                 sweeps {}",
                listed(&names, "none"),
                listed(&sweep, "nothing")
            ),
        });
    }
    Ok(())
}

/// `names` as `a`, `b`, or `none` when empty.
fn listed<S: AsRef<str>>(names: &[S], none: &str) -> String {
    if names.is_empty() {
        none.to_string()
    } else {
        let quoted: Vec<String> = names.iter().map(|n| format!("`{}`", n.as_ref())).collect();
        quoted.join(", ")
    }
}

/// Up to six of `values`, then how many more.
fn some_of(values: &[String]) -> String {
    let shown: Vec<&str> = values.iter().take(6).map(String::as_str).collect();
    let more = values.len().saturating_sub(shown.len());
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// The columns of runs.csv that identify a run.
pub(super) struct RunColumns {
    pub(super) run_id: usize,
    pub(super) variant: usize,
    pub(super) point: Vec<usize>,
    pub(super) replication: usize,
    pub(super) seed: usize,
}

/// The rows of runs.csv seen so far, to refuse a run listed twice.
#[derive(Default)]
pub(super) struct SeenRuns {
    ids: HashMap<u64, u64>,
    identities: HashMap<(String, Vec<String>, u64), u64>,
    /// The seed of each replication met, with the line it was first met on.
    seeds: HashMap<u64, (u64, u64)>,
}

impl SeenRuns {
    /// Refuses a run of `row` that runs.csv already listed (the same run id, or the same
    /// variant, sweep point and replication) or that the manifest `e` did not make.
    pub(super) fn check(
        &mut self,
        t: &RawTable,
        row: &Row,
        c: &RunColumns,
        e: Option<&Expected>,
    ) -> Result<(), ReadError> {
        let id = t.uint(row, c.run_id)?;
        let replication = t.uint(row, c.replication)?;
        if let Some(e) = e {
            made(t, row, c, e, (id, replication))?;
        }
        if let Some(line) = self.ids.insert(id, row.line) {
            let message = format!("expected each run once, found run {id} again (line {line})");
            return Err(t.bad(row.line, c.run_id, message));
        }
        let identity = (
            t.text(row, c.variant).to_string(),
            c.point
                .iter()
                .map(|&p| t.text(row, p).to_string())
                .collect(),
            replication,
        );
        if let Some(line) = self.identities.insert(identity, row.line) {
            let message = format!(
                "expected each replication of a variant and sweep point once, found \
                 replication {replication} again (line {line})"
            );
            return Err(t.bad(row.line, c.replication, message));
        }
        self.same_seed(t, row, c, replication)
    }

    /// Refuses a seed other than the one an earlier row of the same replication has: every
    /// variant and sweep point of a replication shares its seed (common random numbers), so
    /// the comparisons are paired. Checked with or without a manifest.
    fn same_seed(
        &mut self,
        t: &RawTable,
        row: &Row,
        c: &RunColumns,
        replication: u64,
    ) -> Result<(), ReadError> {
        let seed = t.uint(row, c.seed)?;
        let (first, line) = *self.seeds.entry(replication).or_insert((seed, row.line));
        if seed != first {
            let message = format!(
                "expected {first}, the seed of replication {replication} on line {line} (every \
                 variant and sweep point of a replication shares its seed), found {:?}",
                t.text(row, c.seed)
            );
            return Err(t.bad(row.line, c.seed, message));
        }
        Ok(())
    }
}

/// Refuses a row of runs.csv that names a run the manifest `e` did not make.
fn made(
    t: &RawTable,
    row: &Row,
    c: &RunColumns,
    e: &Expected,
    (id, replication): (u64, u64),
) -> Result<(), ReadError> {
    if id >= e.runs {
        let message = format!(
            "expected a run id below {} (manifest.json's experiment.runs), found {id}",
            e.runs
        );
        return Err(t.bad(row.line, c.run_id, message));
    }
    cell_is_known(t, row, (c.variant, &c.point), e)?;
    if replication >= e.replications {
        let message = format!(
            "expected a replication below {} (manifest.json's experiment.replications), \
             found {replication}",
            e.replications
        );
        return Err(t.bad(row.line, c.replication, message));
    }
    let seed = t.uint(row, c.seed)?;
    // `of_manifest` gives every replication its seed; an `Expected` built otherwise may not.
    let Some(&derived) = e.seeds.get(replication as usize) else {
        let message = format!(
            "expected a replication with a seed in manifest.json's `seeds.replications`, \
             found {replication}"
        );
        return Err(t.bad(row.line, c.replication, message));
    };
    if seed != derived {
        let message = format!(
            "expected {derived} (the seed of replication {replication} in manifest.json's \
             `seeds.replications`, from its `seeds.base_seed`), found {:?}",
            t.text(row, c.seed)
        );
        return Err(t.bad(row.line, c.seed, message));
    }
    Ok(())
}

/// Refuses a row (of runs.csv or summary.csv) whose variant, in column `variant`, or swept
/// value, in the columns `point`, the manifest `e` did not have.
pub(super) fn cell_is_known(
    t: &RawTable,
    row: &Row,
    (variant_column, point): (usize, &[usize]),
    e: &Expected,
) -> Result<(), ReadError> {
    let variant = t.text(row, variant_column);
    if !e.variants.iter().any(|v| v == variant) {
        let message = format!(
            "expected one of manifest.json's variants ({}), found {variant:?}",
            some_of(&e.variants)
        );
        return Err(t.bad(row.line, variant_column, message));
    }
    for (&column, (_, values)) in point.iter().zip(&e.sweep) {
        let value = t.text(row, column);
        if !values.iter().any(|v| v == value) {
            let message = format!(
                "expected one of the swept values of manifest.json ({}), found {value:?}",
                some_of(values)
            );
            return Err(t.bad(row.line, column, message));
        }
    }
    Ok(())
}

/// A variant and sweep point.
type Cell = (String, Vec<String>);

/// The values of each metric of each cell of runs.csv, accumulated in file order as the
/// writer accumulates them: what summary.csv's `n`, mean, sd and interval must say.
pub(super) struct RunCounts {
    counts: HashMap<Cell, Vec<Accumulator>>,
    /// The cells in order of first appearance in runs.csv.
    order: Vec<Cell>,
}

impl RunCounts {
    pub(super) fn of(runs: &RunsTable) -> RunCounts {
        let mut counts: HashMap<Cell, Vec<Accumulator>> = HashMap::new();
        let mut order = Vec::new();
        for r in &runs.rows {
            let key = (r.variant.clone(), r.point.clone());
            let accs = counts.entry(key.clone()).or_insert_with(|| {
                order.push(key);
                vec![Accumulator::default(); runs.metrics.len()]
            });
            for (acc, v) in accs.iter_mut().zip(&r.values) {
                acc.push(*v);
            }
        }
        RunCounts { counts, order }
    }

    /// What summary.csv states of metric number `m`, named `metric`, of `cell`, for runs of
    /// `steps` steps (0 for a cell runs.csv does not hold: one whose every run failed).
    pub(super) fn summary(&self, cell: &Cell, m: usize, metric: &str, steps: u64) -> Summary {
        let empty = Accumulator::default();
        let acc = self.counts.get(cell).map_or(&empty, |accs| &accs[m]);
        crate::stats::as_written(acc, crate::stats::unit_of(metric).unwrap_or(""), steps)
    }

    /// The interval of metric number `m` of `cell` before any cut to the values the metric
    /// can take, as summary.csv held it before coprod cut its intervals (2 December for
    /// shares and non-negative metrics, 7 December for lifetimes at the run's length).
    pub(super) fn uncut_ci(&self, cell: &Cell, m: usize) -> Option<(f64, f64)> {
        self.counts.get(cell).and_then(|accs| accs[m].summary().ci)
    }
}

/// Whether `found`, read back from summary.csv, is `expected` as written: the same runs
/// added in another order (an older coprod, a resumed run) differ in the last digits only.
fn same_value(expected: f64, found: f64) -> bool {
    (expected - found).abs() <= 1e-12 * expected.abs().max(found.abs()).max(1.0)
}

/// Refuses a row of summary.csv whose mean, sd or interval (`columns`, in that order)
/// differ from `st`, what runs.csv's runs of its variant and sweep point give: the page's
/// summary table and the response charts draw them. An interval may also be `uncut`, as
/// coprod wrote it before it cut intervals to the values a metric can take (the pages cut
/// it when they draw it). Without the steps of the runs (no manifest) the interval of a
/// metric counted in steps, which is cut at the run's length, is not checked.
pub(super) fn same_summary(
    t: &RawTable,
    row: &Row,
    columns: [usize; 4],
    (st, uncut): (&Summary, Option<(f64, f64)>),
    steps_known: bool,
    metric: &str,
) -> Result<(), ReadError> {
    let check_ci = steps_known || crate::stats::unit_of(metric) != Some("steps");
    let expected = [
        Some(st.mean).filter(|v| !v.is_nan()),
        st.sd,
        st.ci.map(|c| c.0),
        st.ci.map(|c| c.1),
    ];
    let older = [None, None, uncut.map(|c| c.0), uncut.map(|c| c.1)];
    let checked = if check_ci { 4 } else { 2 };
    for ((&column, want), old) in columns.iter().zip(expected).zip(older).take(checked) {
        let found = t.opt_float(row, column)?;
        let agrees = match (want, found) {
            (None, None) => true,
            (Some(w), Some(f)) => same_value(w, f) || old.is_some_and(|o| same_value(o, f)),
            _ => false,
        };
        if !agrees {
            let message = format!(
                "expected {} (what the {} runs of this variant and sweep point in runs.csv \
                 give), found {:?}: summary.csv and runs.csv disagree",
                want.map_or_else(|| "an empty field".to_string(), |w| w.to_string()),
                st.n,
                t.text(row, column)
            );
            return Err(t.bad(row.line, column, message));
        }
    }
    Ok(())
}

/// The rows of summary.csv seen so far, to refuse one repeated and find those missing.
#[derive(Default)]
pub(super) struct SeenSummary {
    keys: HashMap<(Cell, usize), u64>,
}

impl SeenSummary {
    /// Records the row of `cell` and metric number `m` at `row`; refuses a repeated one.
    pub(super) fn check(
        &mut self,
        t: &RawTable,
        row: &Row,
        metric_column: usize,
        key: (Cell, usize),
    ) -> Result<(), ReadError> {
        if let Some(line) = self.keys.insert(key, row.line) {
            let message = format!(
                "expected each metric of a variant and sweep point once, found {:?} again \
                 (line {line})",
                t.text(row, metric_column)
            );
            return Err(t.bad(row.line, metric_column, message));
        }
        Ok(())
    }

    /// Refuses a summary.csv that lacks a row of a cell of runs.csv, or holds other than
    /// the manifest's cells (`e`), each with every metric of runs.csv.
    pub(super) fn complete(
        &self,
        dir: &Path,
        runs: &RunsTable,
        counts: &RunCounts,
        e: Option<&Expected>,
    ) -> Result<(), ReadError> {
        let damaged = |message: String| ReadError::Syntax {
            path: dir.join(SUMMARY_CSV),
            message,
        };
        for cell in &counts.order {
            for (m, metric) in runs.metrics.iter().enumerate() {
                if !self.keys.contains_key(&(cell.clone(), m)) {
                    return Err(damaged(format!(
                        "expected a row of `{metric}` for variant `{}`{}, whose runs \
                         runs.csv lists; found none",
                        cell.0,
                        at_point(&runs.swept, &cell.1)
                    )));
                }
            }
        }
        if let Some(e) = e {
            let cells = e.sweep_points * e.variants.len() as u64;
            let expected = cells * runs.metrics.len() as u64;
            let found = self.keys.len() as u64;
            if found != expected {
                return Err(damaged(format!(
                    "expected {expected} rows ({cells} variants and sweep points in \
                     manifest.json, {} metrics each), found {found}",
                    runs.metrics.len()
                )));
            }
        }
        Ok(())
    }
}

/// ` at levers.outreach = 0.5` for a sweep point, nothing without a sweep.
fn at_point(swept: &[String], point: &[String]) -> String {
    let parts: Vec<String> = swept
        .iter()
        .zip(point)
        .map(|(n, v)| format!("{n} = {v}"))
        .collect();
    if parts.is_empty() {
        String::new()
    } else {
        format!(" at {}", parts.join(", "))
    }
}

/// The steps of each run in timeseries.csv, as it is streamed: each run's rows together,
/// steps counted from 0 one by one, so a row repeated, deleted or moved is refused where it
/// is.
#[derive(Default)]
pub(super) struct Steps {
    /// The run whose rows are being read, and the step its next row must have.
    current: Option<(u64, u64)>,
    /// Steps of each run read.
    pub(super) of_run: BTreeMap<u64, u64>,
}

impl Steps {
    pub(super) fn check(
        &mut self,
        t: &RawTable,
        row: &Row,
        (run_id, step): (usize, usize),
        steps: Option<u64>,
    ) -> Result<(u64, u64), ReadError> {
        let (id, at) = (t.uint(row, run_id)?, t.uint(row, step)?);
        if let Some(steps) = steps.filter(|&s| at >= s) {
            let message = format!(
                "expected a step below {steps} (manifest.json's experiment.steps), found {at}"
            );
            return Err(t.bad(row.line, step, message));
        }
        let next = match self.current {
            Some((run, next)) if run == id => next,
            _ if self.of_run.contains_key(&id) => {
                let message = format!(
                    "expected each run's rows together, found a row of run {id} after its \
                     rows ended"
                );
                return Err(t.bad(row.line, run_id, message));
            }
            _ => 0,
        };
        if at != next {
            let message = format!("expected step {next} of run {id}, found {at}");
            return Err(t.bad(row.line, step, message));
        }
        self.current = Some((id, at + 1));
        self.of_run.insert(id, at + 1);
        Ok((id, at))
    }
}

/// Refuses a timeseries.csv whose runs are not those of runs.csv, each with the manifest's
/// steps (without a manifest, as many as every other run).
pub(super) fn timeseries_covers(
    dir: &Path,
    runs: &RunsTable,
    of_run: &BTreeMap<u64, u64>,
    e: Option<&Expected>,
) -> Result<(), ReadError> {
    let damaged = |message: String| ReadError::Syntax {
        path: dir.join(TIMESERIES_CSV),
        message,
    };
    let listed: HashMap<u64, ()> = runs.rows.iter().map(|r| (r.run_id, ())).collect();
    if let Some(id) = of_run.keys().find(|id| !listed.contains_key(id)) {
        return Err(damaged(format!(
            "expected only the runs of runs.csv, found rows of run {id}, which runs.csv does \
             not list"
        )));
    }
    let (steps, whence) = match (e, of_run.iter().next()) {
        (Some(e), _) => (e.steps, "manifest.json's experiment.steps".to_string()),
        (None, Some((first, &steps))) => (steps, format!("the steps of run {first}")),
        (None, None) => (0, String::new()),
    };
    for r in &runs.rows {
        match of_run.get(&r.run_id) {
            None => {
                return Err(damaged(format!(
                    "expected the steps of every run of runs.csv, found no row of run {}",
                    r.run_id
                )));
            }
            Some(&n) if n != steps => {
                return Err(damaged(format!(
                    "expected {steps} steps of run {} ({whence}), found {n}",
                    r.run_id
                )));
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// The error for a row of `file` (groups.csv) of a run runs.csv does not list.
pub fn unlisted_run(dir: &Path, file: &str, run_id: u64) -> ReadError {
    ReadError::Syntax {
        path: dir.join(file),
        message: format!(
            "expected only the runs of runs.csv, found a row of run {run_id}, which runs.csv \
             does not list"
        ),
    }
}

/// Refuses `file`'s swept-parameter columns (`swept`) when they are not those of runs.csv.
pub fn same_sweep(
    dir: &Path,
    file: &str,
    swept: &[String],
    runs: &RunsTable,
) -> Result<(), ReadError> {
    if let Some(missing) = runs.swept.iter().find(|s| !swept.contains(s)) {
        return Err(ReadError::MissingColumn {
            path: dir.join(file),
            column: missing.clone(),
        });
    }
    if swept != runs.swept.as_slice() {
        return Err(ReadError::Syntax {
            path: dir.join(file),
            message: format!(
                "expected the swept columns of runs.csv ({}), found {}",
                listed(&runs.swept, "none"),
                listed(swept, "none")
            ),
        });
    }
    Ok(())
}

/// Group ids of each run count 0, 1, 2, ... in file order, as coprod writes them, so a row
/// deleted or repeated shows as an id out of turn. `coprod merge` checks a shard's
/// groups.csv and the reader a run directory's with it.
#[derive(Default)]
pub(crate) struct GroupIds {
    /// The run being read and the id its next group must have.
    current: Option<(u64, u64)>,
}

impl GroupIds {
    /// Takes group `group` (as written) of run `run`: what is wrong, if it is not the next
    /// id of its run (0 for the first row of a run).
    pub(crate) fn next(&mut self, run: u64, group: &str) -> Result<(), String> {
        let expected = match self.current {
            Some((r, next)) if r == run => next,
            _ => 0,
        };
        if group != expected.to_string() {
            return Err(format!(
                "run {run}: group {group} where group {expected} was expected (group ids count \
                 0, 1, 2, ... within a run): rows are missing or repeated"
            ));
        }
        self.current = Some((run, expected + 1));
        Ok(())
    }
}

/// Whether a group that ended with `end_reason` started, as runs.csv's `groups_started`
/// counts them: every end but `never_started` and `forming`.
pub(crate) fn started(end_reason: &str) -> bool {
    !matches!(end_reason, "never_started" | "forming")
}

/// The columns of groups.csv whose values are checked against each other.
pub(super) struct GroupColumns {
    pub(super) run_id: usize,
    pub(super) group_id: usize,
    pub(super) organisation: Option<usize>,
    pub(super) community: Option<usize>,
    pub(super) task: Option<usize>,
    pub(super) size_cap: usize,
    pub(super) size_at_formation: usize,
    pub(super) formed_step: usize,
    pub(super) ended_step: usize,
    pub(super) end_reason: usize,
    /// The production columns, in the order of `GROUP_LIFE_COLUMNS` (a file from before
    /// they were written has none).
    pub(super) life: Option<[usize; 9]>,
}

/// The error for a timeseries.csv `row` whose `column` names another run than run `id`'s
/// `want` in runs.csv.
fn other_run(t: &RawTable, row: &Row, (column, id): (usize, u64), want: &str) -> ReadError {
    let message = format!(
        "expected {want:?}, run {id}'s `{}` in runs.csv, found {:?}",
        t.header[column],
        t.text(row, column)
    );
    t.bad(row.line, column, message)
}

/// The parameters that bound a group's `organisation` and `community`, in that order.
const PLACES: [&str; 2] = ["population.n_organisations", "population.n_communities"];

/// What groups.csv's rows are checked against besides each other: the steps of every run
/// and, by run id, how many organisations and communities each run had.
#[derive(Clone, Debug, Default)]
pub struct GroupLimits {
    steps: Option<u64>,
    /// Per run id, each of [`PLACES`], where parameters.csv or the manifest gives it.
    places: HashMap<u64, [Option<u64>; 2]>,
}

impl GroupLimits {
    /// The limits of the runs of runs.csv (`runs`): the steps of the manifest's `expected`,
    /// and the organisations and communities of each run's variant and sweep point in
    /// parameters.csv (`parameters`), else the value the manifest records for every run.
    pub fn of(
        runs: &RunsTable,
        parameters: Option<&super::ParametersTable>,
        expected: Option<&Expected>,
    ) -> GroupLimits {
        // One pass over parameters.csv, not one search per run: a sweep has many of both.
        let mut of_cell: HashMap<(&str, &[String]), [Option<u64>; 2]> = HashMap::new();
        for r in parameters.map_or(&[][..], |p| &p.rows[..]) {
            if let Some(k) = PLACES.iter().position(|&n| n == r.parameter) {
                let entry = of_cell.entry((&r.variant, &r.point)).or_default();
                entry[k] = whole(&r.value);
            }
        }
        let shared = |k: usize| {
            let e = expected?;
            let (_, v) = e.shared.iter().find(|(n, _)| n == PLACES[k])?;
            whole(v)
        };
        let mut places = HashMap::new();
        for r in &runs.rows {
            let cell = of_cell.get(&(r.variant.as_str(), r.point.as_slice()));
            let place = |k: usize| cell.and_then(|c| c[k]).or_else(|| shared(k));
            places.insert(r.run_id, [place(0), place(1)]);
        }
        GroupLimits {
            steps: expected.map(|e| e.steps),
            places,
        }
    }
}

/// A count as parameters.csv or the manifest writes it (`4`), if it is one.
fn whole(text: &str) -> Option<u64> {
    text.parse::<u64>().ok().or_else(|| {
        let v = text.parse::<f64>().ok()?;
        (v >= 0.0 && v.fract() == 0.0 && v < 1e18).then_some(v as u64)
    })
}

/// The columns of timeseries.csv that name a row's run as runs.csv does, and the run of
/// the row before, so that runs.csv's row is looked up once per run, not once per row.
pub(super) struct RunIdentity<'r> {
    variant: usize,
    point: Vec<usize>,
    replication: usize,
    runs: &'r RunsTable,
    of_id: HashMap<u64, usize>,
    last: Option<(u64, usize)>,
}

impl<'r> RunIdentity<'r> {
    /// The identity columns of `t` (timeseries.csv of `dir`), refused unless they are
    /// runs.csv's; `None` for a file without them (written before they were).
    pub(super) fn of(
        t: &RawTable,
        dir: &Path,
        runs: &'r RunsTable,
    ) -> Result<Option<RunIdentity<'r>>, ReadError> {
        let Ok(variant) = t.column("variant") else {
            return Ok(None);
        };
        let replication = t.column("replication")?;
        let point = super::between(t, variant, replication)?;
        let swept: Vec<String> = point.iter().map(|&p| t.header[p].clone()).collect();
        same_sweep(dir, TIMESERIES_CSV, &swept, runs)?;
        let of_id = runs
            .rows
            .iter()
            .enumerate()
            .map(|(k, r)| (r.run_id, k))
            .collect();
        Ok(Some(RunIdentity {
            variant,
            point,
            replication,
            runs,
            of_id,
            last: None,
        }))
    }

    /// Refuses `row`, of run `id`, when its variant, swept values or replication are not
    /// those of the run's row in runs.csv. A run runs.csv does not list is left to
    /// [`timeseries_covers`], which names it.
    pub(super) fn check(&mut self, t: &RawTable, row: &Row, id: u64) -> Result<(), ReadError> {
        let k = match self.last {
            Some((run, k)) if run == id => k,
            _ => match self.of_id.get(&id) {
                Some(&k) => k,
                None => return Ok(()),
            },
        };
        self.last = Some((id, k));
        let run = &self.runs.rows[k];
        let texts = std::iter::once((self.variant, run.variant.as_str())).chain(
            self.point
                .iter()
                .copied()
                .zip(run.point.iter().map(String::as_str)),
        );
        for (column, want) in texts {
            if t.text(row, column) != want {
                return Err(other_run(t, row, (column, id), want));
            }
        }
        // Compared as a number: no text is made per row of a file of millions.
        if t.uint(row, self.replication)? != run.replication {
            let want = run.replication.to_string();
            return Err(other_run(t, row, (self.replication, id), &want));
        }
        Ok(())
    }
}

/// The rows of groups.csv seen so far: each run's group ids in turn, each run's rows
/// together, and the started groups of each run.
#[derive(Default)]
pub(super) struct SeenGroups {
    ids: GroupIds,
    /// Started groups of each run read, by run id.
    pub(super) started: BTreeMap<u64, u64>,
}

impl SeenGroups {
    /// Refuses `g` (read from `row`) when it is not the next group of its run, or of a run
    /// whose rows ended before, or holds what no run writes (see [`group_values`]).
    pub(super) fn check(
        &mut self,
        t: &RawTable,
        row: &Row,
        c: &GroupColumns,
        g: &super::GroupRow,
        limits: &GroupLimits,
    ) -> Result<(), ReadError> {
        let current = self.ids.current.map(|(run, _)| run);
        if current != Some(g.run_id) && self.started.contains_key(&g.run_id) {
            let message = format!(
                "expected each run's rows together, found a row of run {} after its rows ended",
                g.run_id
            );
            return Err(t.bad(row.line, c.run_id, message));
        }
        self.ids
            .next(g.run_id, t.text(row, c.group_id))
            .map_err(|message| t.bad(row.line, c.group_id, message))?;
        group_values(t, row, c, g, limits.steps)?;
        group_places(t, row, c, limits.places.get(&g.run_id))?;
        if let (Some(columns), Some(life)) = (&c.life, &g.life) {
            group_life(
                t,
                row,
                (columns, c.size_at_formation),
                g,
                life,
                limits.steps,
            )?;
        }
        *self.started.entry(g.run_id).or_default() += u64::from(started(&g.end_reason));
        Ok(())
    }
}

/// Refuses a group no run writes: an unknown end or task (or a generic task without an
/// organisation), a size cap `levers.group_size_cap`
/// cannot take, a step at or after the run's last (`steps`, when the manifest gives it),
/// an end before the group formed, an end for a group still going or none for one that
/// ended. The survival charts would draw it.
fn group_values(
    t: &RawTable,
    row: &Row,
    c: &GroupColumns,
    g: &super::GroupRow,
    steps: Option<u64>,
) -> Result<(), ReadError> {
    let bad = |column: usize, expected: String| {
        let found = t.text(row, column);
        Err(t.bad(
            row.line,
            column,
            format!("expected {expected}, found {found:?}"),
        ))
    };
    if !crate::tables::merge::is_end_reason(&g.end_reason) {
        return bad(
            c.end_reason,
            crate::tables::merge::END_REASON_EXPECTED.into(),
        );
    }
    if let Some(column) = c.task {
        task_value(t, row, column, c.organisation)?;
    }
    let (_, cap) = coprod_core::Params::lookup("levers.group_size_cap")
        .expect("the size cap is a model parameter");
    if cap.check(g.size_cap as f64).is_err() {
        return bad(
            c.size_cap,
            format!("{} (levers.group_size_cap)", cap.allowed()),
        );
    }
    let below = |steps: u64| format!("a step below {steps} (manifest.json's experiment.steps)");
    if let Some(steps) = steps.filter(|&s| g.formed_step >= s) {
        return bad(c.formed_step, below(steps));
    }
    let going = matches!(g.end_reason.as_str(), "active" | "forming");
    match g.ended_step {
        Some(_) if going => bad(
            c.ended_step,
            format!(
                "an empty field (the group is `{}`: it had not ended when the run did)",
                g.end_reason
            ),
        ),
        None if !going => bad(
            c.ended_step,
            format!(
                "the step the group ended (its end_reason is `{}`)",
                g.end_reason
            ),
        ),
        Some(end) if end < g.formed_step => bad(
            c.ended_step,
            format!("a step of at least {} (the formed_step)", g.formed_step),
        ),
        Some(end) => match steps.filter(|&s| end >= s) {
            Some(steps) => bad(c.ended_step, below(steps)),
            None => Ok(()),
        },
        None => Ok(()),
    }
}

/// Refuses an `organisation` or `community` (columns of `c`, when there) that is not a
/// whole number below the run's count of them (`places`, when known): the model numbers
/// both from 0, and an organisation may be empty (a citizen initiative no organisation
/// supports).
fn group_places(
    t: &RawTable,
    row: &Row,
    c: &GroupColumns,
    places: Option<&[Option<u64>; 2]>,
) -> Result<(), ReadError> {
    for (k, column) in [(0, c.organisation), (1, c.community)] {
        let Some(column) = column else { continue };
        if k == 0 && t.text(row, column).is_empty() {
            continue;
        }
        let index = t.uint(row, column)?;
        // No file is named for the count: merge checks a shard against the parameters
        // of the run it will write, in no file yet.
        if let Some(count) = places.and_then(|p| p[k])
            && index >= count
        {
            let message = format!(
                "expected a number from 0 to {} (its run has {} = {count}), found {:?}",
                count.saturating_sub(1),
                PLACES[k],
                t.text(row, column)
            );
            return Err(t.bad(row.line, column, message));
        }
    }
    Ok(())
}

/// Refuses production columns (`columns`, in the order of `GROUP_LIFE_COLUMNS`) that the
/// model cannot have summed over the months group `g` produced (docs/ODD.md 8.18): a group
/// produces in each step from the one it starts in to the one it ends in (or the last of
/// `steps`), with its `size_at_formation` members in the first month and from 1 to as many
/// later (a started group takes no new members and one below `groups.min_members`, at
/// least 1, dissolves); every amount is a sum of non-negative terms, the first month's
/// effort one of them, and coordination only loses labour.
fn group_life(
    t: &RawTable,
    row: &Row,
    (columns, size_column): (&[usize; 9], usize),
    g: &super::GroupRow,
    life: &coprod_core::GroupLife,
    steps: Option<u64>,
) -> Result<(), ReadError> {
    let bad = |k: usize, expected: String| {
        let found = t.text(row, columns[k]);
        Err(t.bad(
            row.line,
            columns[k],
            format!("expected {expected}, found {found:?}"),
        ))
    };
    let months = u64::from(life.months);
    let formed = g.formed_step;
    let expected = match g.ended_step {
        _ if !started(&g.end_reason) => Some((
            0,
            format!("the group is `{}`: it never produced", g.end_reason),
        )),
        Some(end) => Some((
            coprod_core::ended_spell(formed, end),
            format!(
                "the months from formed_step {formed} to ended_step {end}: a group produces \
                 in the step it starts and in the step it ends"
            ),
        )),
        None => steps.map(|s| {
            (
                coprod_core::censored_spell(formed, s),
                format!(
                    "the months from formed_step {formed} to the last of the {s} steps, \
                     manifest.json's experiment.steps"
                ),
            )
        }),
    };
    if let Some((want, why)) = expected.filter(|(want, _)| *want != months) {
        return bad(0, format!("{want} ({why})"));
    }
    if life.months_met > life.months {
        return bad(8, format!("at most {months} (the months_producing)"));
    }
    let amounts = [
        life.first_effort,
        life.effort,
        life.labour,
        life.coordinated,
        life.input,
        life.needed,
    ];
    if months == 0 {
        if life.member_months != 0 {
            return bad(
                1,
                "0 (months_producing is 0: the group never produced)".into(),
            );
        }
        if let Some(k) = amounts.iter().position(|&v| v != 0.0) {
            return bad(
                k + 2,
                "0 (months_producing is 0: the group never produced)".into(),
            );
        }
        return Ok(());
    }
    let size = g.size_at_formation;
    if size == 0 {
        let message = format!(
            "expected at least 1 (the group produced for {months} months_producing, so it \
             had members), found {:?}",
            t.text(row, size_column)
        );
        return Err(t.bad(row.line, size_column, message));
    }
    let member_months = u128::from(life.member_months);
    let (low, high) = (
        u128::from(size) + u128::from(months - 1),
        u128::from(size) * u128::from(months),
    );
    if member_months < low || member_months > high {
        return bad(
            1,
            format!(
                "from {low} to {high} (the size_at_formation {size} in its first month and \
                 from 1 to {size} members in each of its {} other months_producing: a started \
                 group takes no new members)",
                months - 1
            ),
        );
    }
    if let Some(k) = amounts.iter().position(|&v| v < 0.0) {
        return bad(k + 2, "a value of at least 0".into());
    }
    if life.first_effort > life.effort {
        return bad(
            2,
            format!("at most the effort summed over its months, {}", life.effort),
        );
    }
    if life.coordinated > life.labour {
        return bad(
            5,
            format!(
                "at most the labour, {} (coordination only loses labour)",
                life.labour
            ),
        );
    }
    Ok(())
}

/// Refuses a `task` (in `column`) no run writes: not a kind of task, or generic where the
/// group has no organisation (column `organisation`, when there): organisations open both
/// kinds of task, citizens found only specific ones, and an organisation that takes one up
/// is recorded as its organisation.
fn task_value(
    t: &RawTable,
    row: &Row,
    column: usize,
    organisation: Option<usize>,
) -> Result<(), ReadError> {
    let task = t.text(row, column);
    let specific = coprod_core::TaskKind::Specific.as_str();
    let expected = if !crate::tables::merge::is_task(task) {
        crate::tables::merge::TASK_EXPECTED.to_string()
    } else if organisation.is_some_and(|o| t.text(row, o).is_empty()) && task != specific {
        format!(
            "{specific} (a group with no organisation is a citizen initiative, whose task is \
             {specific})"
        )
    } else {
        return Ok(());
    };
    Err(t.bad(
        row.line,
        column,
        format!("expected {expected}, found {task:?}"),
    ))
}

/// Refuses a groups.csv whose started groups of a run (`started`, by run id) are not as
/// many as runs.csv's `groups_started` of that run.
pub(super) fn groups_cover(
    dir: &Path,
    runs: &RunsTable,
    started: &BTreeMap<u64, u64>,
) -> Result<(), ReadError> {
    let Some(m) = runs.metrics.iter().position(|n| n == "groups_started") else {
        return Ok(());
    };
    for r in &runs.rows {
        let count = started.get(&r.run_id).copied().unwrap_or(0);
        if count as f64 != r.values[m] {
            return Err(ReadError::Syntax {
                path: dir.join(crate::tables::GROUPS_CSV),
                message: format!(
                    "run {} has {count} started groups, but runs.csv records groups_started \
                     {}: rows are missing or were added",
                    r.run_id, r.values[m]
                ),
            });
        }
    }
    Ok(())
}
