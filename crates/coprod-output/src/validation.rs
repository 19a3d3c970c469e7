//! The files of a `coprod validate` directory: `validation.csv` (one row per claim),
//! `blocks.csv` (one row per claim and verdict block), `decomposition.csv` (one row per
//! claim and hold set), `robustness.csv` (one row per claim and point of the robustness
//! map) and the manifest.
//!
//! Owns the columns (docs/validation.md, "Outputs"); the statistics are computed in
//! `coprod-validate`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::files::{write_atomically, write_json};
use crate::{MANIFEST_JSON, OutputError};

/// File name of the validation table.
pub const VALIDATION_CSV: &str = "validation.csv";
/// File name of the per-block verdicts.
pub const BLOCKS_CSV: &str = "blocks.csv";
/// File name of the per-mediator decomposition.
pub const DECOMPOSITION_CSV: &str = "decomposition.csv";
/// File name of the robustness points.
pub const ROBUSTNESS_CSV: &str = "robustness.csv";

/// A number that may be missing (NaN: a group metric where no group started), written as
/// an empty cell as everywhere else, and read back from one as NaN.
mod missing_number {
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_f64(*v)
        } else {
            s.serialize_none()
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
    }
}

/// One row of `validation.csv`: one claim. Missing values are empty cells.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ValidationRow {
    /// Claim id, e.g. `P3`.
    pub id: String,
    /// The claim in words.
    pub claim: String,
    /// Class found: `derived` only when the mediated share is clearly large.
    pub class: String,
    /// Class registered before the run.
    pub registered_class: String,
    /// Metric or regression.
    pub metric: String,
    /// increase, decrease, interior_optimum or no_effect.
    pub direction: String,
    /// Last step of the read-out.
    pub horizon: u32,
    /// Steps averaged up to the horizon.
    pub window: u32,
    /// Smallest effect of substantive interest, in the metric's units.
    pub sesoi: f64,
    /// Registered target power.
    pub power: f64,
    /// Mediators held for the direct effect, separated by `;`.
    pub mediators: String,
    /// Standard deviation of the paired effect in the pilot. Empty when it is not a number
    /// (a pilot replication without a read-out).
    #[serde(with = "missing_number")]
    pub pilot_sd: f64,
    /// Replications per block.
    pub replications: u32,
    /// Whether the power calculation asked for more replications than the cap.
    pub power_capped: bool,
    /// Verdict blocks.
    pub blocks: u32,
    /// Share of blocks passing the registered rule (empty for exploratory rows).
    pub pass_rate: Option<f64>,
    /// Effect pooled over every block. Empty when missing.
    #[serde(with = "missing_number")]
    pub total_effect: f64,
    /// Lower end of its 95% CI.
    pub total_ci_low: Option<f64>,
    /// Upper end of its 95% CI.
    pub total_ci_high: Option<f64>,
    /// Replications pooled.
    pub total_n: u64,
    /// Controlled direct effect with every registered mediator held.
    pub direct_effect: Option<f64>,
    /// Lower end of its 95% CI.
    pub direct_ci_low: Option<f64>,
    /// Upper end of its 95% CI.
    pub direct_ci_high: Option<f64>,
    /// Replications decomposed.
    pub direct_n: Option<u64>,
    /// Mediated share, 1 - direct / total, over the decomposed replications.
    pub mediated_share: Option<f64>,
    /// Lower end of its 95% paired bootstrap interval.
    pub share_ci_low: Option<f64>,
    /// Upper end.
    pub share_ci_high: Option<f64>,
    /// Share of the robustness map where the claim holds (derived claims); in a shard's
    /// directory, of that shard's points, and empty when it holds none.
    pub robustness_share: Option<f64>,
    /// Points of the robustness map (in a shard's directory, that shard's).
    pub robustness_points: Option<u64>,
    /// The three assumed parameters with the largest standardised coefficients.
    pub robustness_drivers: String,
    /// How the effect was computed.
    pub note: String,
    /// What holding alone does: mean of `Y(placebo, held) - Y(control)` (docs/validation.md,
    /// "Placebo check of holding").
    pub placebo_effect: Option<f64>,
    /// Lower end of its 95% CI.
    pub placebo_ci_low: Option<f64>,
    /// Upper end.
    pub placebo_ci_high: Option<f64>,
    /// The direct effect with the control arm replaced by the held placebo.
    pub adjusted_direct: Option<f64>,
    /// Lower end of its 95% CI.
    pub adjusted_ci_low: Option<f64>,
    /// Upper end.
    pub adjusted_ci_high: Option<f64>,
    /// `1 - adjusted_direct / total` over the decomposed replications.
    pub adjusted_share: Option<f64>,
    /// Lower end of its 95% paired bootstrap interval.
    pub adjusted_share_ci_low: Option<f64>,
    /// Upper end.
    pub adjusted_share_ci_high: Option<f64>,
    /// The class after the placebo check: derived, reversed or assumption (empty when
    /// nothing was decomposed).
    pub adjusted_class: String,
}

/// One row of `blocks.csv`: one verdict block of a claim, with what its verdict is judged
/// on, so that each block's verdict and the claim's `pass_rate` can be recomputed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BlockRow {
    /// Claim id.
    pub id: String,
    /// Block index from 0, as in its seeds (`{salt}:block={block}:rep={r}`).
    pub block: u32,
    /// Replications in the block (each runs every arm with one seed).
    pub n: u64,
    /// Mean effect over the block's replications (for an interior optimum, best minus
    /// first dose). Empty when missing.
    #[serde(with = "missing_number")]
    pub effect: f64,
    /// Standard deviation of the effect (for the 90% interval of `no_effect`).
    pub sd: Option<f64>,
    /// Lower end of the effect's 95% t-interval.
    pub ci_low: Option<f64>,
    /// Upper end.
    pub ci_high: Option<f64>,
    /// For an interior optimum: the block's best dose (the value of the swept parameter);
    /// `None` when a dose without a read-out leaves the best undetermined.
    pub best_dose: Option<f64>,
    /// For an interior optimum: mean of best minus last dose.
    pub best_minus_last: Option<f64>,
    /// Lower end of its 95% t-interval.
    pub best_minus_last_ci_low: Option<f64>,
    /// Upper end.
    pub best_minus_last_ci_high: Option<f64>,
    /// Whether the block passes the registered rule (empty for exploratory claims, which
    /// get no verdict).
    pub pass: Option<bool>,
}

/// One row of `decomposition.csv`: a claim with one hold set.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DecompositionRow {
    /// Claim id.
    pub id: String,
    /// `all` or the one mediator held.
    pub held: String,
    /// Total effect over the decomposed replications. Empty when missing.
    #[serde(with = "missing_number")]
    pub total_effect: f64,
    /// Lower end of its 95% CI (the derived rule asks that it exclude 0).
    pub total_ci_low: Option<f64>,
    /// Upper end.
    pub total_ci_high: Option<f64>,
    /// Controlled direct effect. Empty when missing.
    #[serde(with = "missing_number")]
    pub direct_effect: f64,
    /// Lower end of its 95% CI.
    pub direct_ci_low: Option<f64>,
    /// Upper end.
    pub direct_ci_high: Option<f64>,
    /// Mediated share.
    pub mediated_share: Option<f64>,
    /// Lower end of its 95% interval.
    pub share_ci_low: Option<f64>,
    /// Upper end.
    pub share_ci_high: Option<f64>,
    /// Replications.
    pub n: u64,
    /// What holding alone does: mean of `Y(placebo, held) - Y(control)` (docs/validation.md,
    /// "Placebo check of holding").
    pub placebo_effect: Option<f64>,
    /// Lower end of its 95% CI.
    pub placebo_ci_low: Option<f64>,
    /// Upper end.
    pub placebo_ci_high: Option<f64>,
    /// The direct effect with the control arm replaced by the held placebo.
    pub adjusted_direct: Option<f64>,
    /// Lower end of its 95% CI.
    pub adjusted_ci_low: Option<f64>,
    /// Upper end.
    pub adjusted_ci_high: Option<f64>,
    /// `1 - adjusted_direct / total` over the decomposed replications.
    pub adjusted_share: Option<f64>,
    /// Lower end of its 95% paired bootstrap interval.
    pub adjusted_share_ci_low: Option<f64>,
    /// Upper end.
    pub adjusted_share_ci_high: Option<f64>,
}

/// One point of a claim's robustness map: the values of the assumed parameters (in the
/// order of `names`), the mean effect and whether the claim holds there.
#[derive(Clone, Debug)]
pub struct RobustnessRow {
    /// Claim id.
    pub id: String,
    /// Point index in the design.
    pub point: u32,
    /// Parameter values.
    pub values: Vec<f64>,
    /// Mean effect.
    pub effect: f64,
    /// Whether the claim holds.
    pub holds: bool,
}

/// A claim's validation scenario file as built into the binary (`--quick` caps it further).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ClaimDesign {
    /// Claim id.
    pub id: String,
    /// The text of `scenarios/validation/<id>.toml`.
    pub source: String,
}

/// What `manifest.json` of a validation directory records.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ValidationManifest {
    /// Always `validation`.
    pub kind: String,
    /// coprod version.
    pub coprod_version: String,
    /// The command line, each word quoted for the shell where it needs it, so that it can be
    /// pasted back.
    pub command: String,
    /// Claims run, in order.
    pub claims: Vec<String>,
    /// The design each claim was judged by: its scenario file as built into the binary
    /// (an edited file takes effect only in a new build; `--quick` then caps the population).
    #[serde(default)]
    pub designs: Vec<ClaimDesign>,
    /// The salt every seed derives from.
    pub salt: String,
    /// How seeds are derived from it.
    pub seed_derivation: String,
    /// Verdict blocks.
    pub blocks: u32,
    /// Pilot replications per claim.
    pub pilot: u32,
    /// Bounds on replications per block.
    pub replications_bounds: (u32, u32),
    /// Replications asked to be decomposed (`--decompose-replications`): whole blocks, at
    /// least this many when the blocks hold them, else every replication (the decomposed
    /// count of each claim is `direct_n` of validation.csv).
    pub decompose_replications: u32,
    /// Robustness points and replications per point.
    pub robustness: (u32, u32),
    /// Which shard of the robustness map this directory holds: (index, count).
    pub robustness_shard: (u32, u32),
    /// Worker threads used (outputs do not depend on it).
    pub threads: usize,
    /// Whether `--quick` capped the populations (absent, false, in a manifest written before
    /// it was recorded).
    #[serde(default)]
    pub quick: bool,
    /// Whether `--robustness-all` mapped every claim, not only the derived ones.
    #[serde(default)]
    pub robustness_all: bool,
}

/// Writes every file of a validation directory into `dir`.
pub fn write_validation(
    dir: &Path,
    rows: &[ValidationRow],
    decomposition: &[DecompositionRow],
    blocks: &[BlockRow],
    robustness: (&[&str], &[RobustnessRow]),
    manifest: &ValidationManifest,
) -> Result<(), OutputError> {
    serialize_all(&dir.join(VALIDATION_CSV), rows)?;
    serialize_all(&dir.join(DECOMPOSITION_CSV), decomposition)?;
    serialize_all(&dir.join(BLOCKS_CSV), blocks)?;
    let (names, points) = robustness;
    let mut header = vec!["id".to_string(), "point".into()];
    header.extend(names.iter().map(|n| n.to_string()));
    header.extend(["effect".to_string(), "holds".into()]);
    let records = points.iter().map(|p| {
        let mut r = vec![p.id.clone(), p.point.to_string()];
        r.extend(p.values.iter().map(|v| crate::files::optional(Some(*v))));
        r.extend([crate::files::optional(Some(p.effect)), p.holds.to_string()]);
        r
    });
    crate::files::write_csv(&dir.join(ROBUSTNESS_CSV), &header, records)?;
    write_json(&dir.join(MANIFEST_JSON), manifest)
}

fn serialize_all<T: Serialize>(path: &Path, rows: &[T]) -> Result<(), OutputError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer
            .serialize(row)
            .map_err(|e| OutputError::csv(path, e))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| OutputError::io(path, e.into_error()))?;
    write_atomically(path, &bytes)
}

/// The files of a validation directory read back (for merging shards).
#[derive(Clone, Debug)]
pub struct ValidationDir {
    /// validation.csv.
    pub rows: Vec<ValidationRow>,
    /// decomposition.csv, as written.
    pub decomposition: Vec<u8>,
    /// blocks.csv, as written.
    pub blocks: Vec<u8>,
    /// The assumed parameters, the value columns of robustness.csv.
    pub names: Vec<String>,
    /// robustness.csv.
    pub points: Vec<RobustnessRow>,
    /// manifest.json.
    pub manifest: ValidationManifest,
}

fn bad(path: &Path, reason: impl Into<String>) -> OutputError {
    OutputError::Shard {
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Reads a directory written by `coprod validate`.
///
/// # Errors
/// [`OutputError::Shard`] naming the file (and line) that is missing or malformed.
pub fn read_validation(dir: &Path) -> Result<ValidationDir, OutputError> {
    let manifest = read_manifest(&dir.join(MANIFEST_JSON))?;
    let rows = read_verdicts(&dir.join(VALIDATION_CSV))?;
    let path = dir.join(DECOMPOSITION_CSV);
    let (decomposition, _) = read_rows::<DecompositionRow>(&path)?;
    let path = dir.join(BLOCKS_CSV);
    let (blocks, block_rows) = read_rows::<BlockRow>(&path)?;
    check_blocks(&path, &rows, &block_rows)?;
    let (names, points) = read_robustness(&dir.join(ROBUSTNESS_CSV))?;
    Ok(ValidationDir {
        rows,
        decomposition,
        blocks,
        names,
        points,
        manifest,
    })
}

/// Reads the manifest.json of `coprod validate` at `path`.
fn read_manifest(path: &Path) -> Result<ValidationManifest, OutputError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        bad(
            path,
            format!("cannot read it ({e}); is it a finished validation?"),
        )
    })?;
    serde_json::from_str(&text)
        .map_err(|e| bad(path, format!("not the manifest of `coprod validate` ({e})")))
}

/// Reads validation.csv at `path`: a verdict per claim, each pass rate a share.
fn read_verdicts(path: &Path) -> Result<Vec<ValidationRow>, OutputError> {
    let rows: Vec<ValidationRow> = read_rows(path)?.1;
    if let Some(row) = rows
        .iter()
        .find(|r| r.pass_rate.is_some_and(|p| !(0.0..=1.0).contains(&p)))
    {
        return Err(bad(
            path,
            format!(
                "claim {}: column pass_rate is not a share from 0 to 1",
                row.id
            ),
        ));
    }
    Ok(rows)
}

/// Reads robustness.csv at `path`: the names of its parameter columns and its rows.
fn read_robustness(path: &Path) -> Result<(Vec<String>, Vec<RobustnessRow>), OutputError> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| bad(path, e.to_string()))?;
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| bad(path, e.to_string()))?
        .iter()
        .map(String::from)
        .collect();
    let n = header.len();
    if n < 4 || header[0] != "id" || header[1] != "point" || header[n - 2] != "effect" {
        return Err(bad(
            path,
            "expected the columns id, point, the parameters, effect, holds",
        ));
    }
    let names = header[2..n - 2].to_vec();
    let mut points = Vec::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(|e| bad(path, e.to_string()))?;
        let at = |what: &str| bad(path, format!("line {}: {what}", line + 2));
        points.push(robustness_row(&record, &header, at)?);
    }
    Ok((names, points))
}

/// One row of robustness.csv under `header`; `at` makes the error of its line.
fn robustness_row(
    record: &csv::StringRecord,
    header: &[String],
    at: impl Fn(&str) -> OutputError,
) -> Result<RobustnessRow, OutputError> {
    let n = header.len();
    // coprod writes finite numbers only (a missing effect is an empty cell).
    let number = |k: usize| -> Result<f64, OutputError> {
        record[k]
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| {
                at(&format!(
                    "column {}: `{}` is not a finite number",
                    header[k], &record[k]
                ))
            })
    };
    Ok(RobustnessRow {
        id: record[0].to_string(),
        point: record[1]
            .parse()
            .map_err(|_| at("column point: not a whole number"))?,
        // Empty for a claim's own lever, which its map does not vary.
        values: (2..n - 2)
            .map(|k| {
                if record[k].is_empty() {
                    Ok(f64::NAN)
                } else {
                    number(k)
                }
            })
            .collect::<Result<_, _>>()?,
        // Empty when missing (a group metric where no group started).
        effect: if record[n - 2].is_empty() {
            f64::NAN
        } else {
            number(n - 2)?
        },
        holds: record[n - 1]
            .parse()
            .map_err(|_| at("column holds: not true or false"))?,
    })
}

/// The columns of the verdict files that hold text; every other cell is a number or empty.
const TEXT_COLUMNS: [&str; 10] = [
    "id",
    "claim",
    "class",
    "registered_class",
    "metric",
    "direction",
    "mediators",
    "robustness_drivers",
    "note",
    "adjusted_class",
];

/// A verdict file as written and its rows. coprod writes finite numbers only (a missing one
/// is an empty cell), so a cell that reads as NaN or infinite is refused, as is a row that
/// does not fit the file's columns.
fn read_rows<T: serde::de::DeserializeOwned>(
    path: &Path,
) -> Result<(Vec<u8>, Vec<T>), OutputError> {
    let bytes = std::fs::read(path).map_err(|e| bad(path, e.to_string()))?;
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header = reader
        .headers()
        .map_err(|e| bad(path, e.to_string()))?
        .clone();
    let mut rows = Vec::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(|e| bad(path, e.to_string()))?;
        let not_finite = header.iter().zip(&record).find(|(column, cell)| {
            !TEXT_COLUMNS.contains(column) && cell.parse::<f64>().is_ok_and(|v| !v.is_finite())
        });
        if let Some((column, cell)) = not_finite {
            let at = format!(
                "line {}: column {column}: `{cell}` is not a finite number",
                line + 2
            );
            return Err(bad(path, at));
        }
        let row = record
            .deserialize(Some(&header))
            .map_err(|e| bad(path, format!("line {}: {e}", line + 2)))?;
        rows.push(row);
    }
    Ok((bytes, rows))
}

/// Each claim's verdict blocks are 0, 1, 2, ... once each, as many as validation.csv says,
/// and its `pass_rate` is the share of them that pass (the blocks of an exploratory claim,
/// which has none, have no `pass`).
fn check_blocks(
    path: &Path,
    rows: &[ValidationRow],
    blocks: &[BlockRow],
) -> Result<(), OutputError> {
    if let Some(stray) = blocks.iter().find(|b| !rows.iter().any(|r| r.id == b.id)) {
        return Err(bad(
            path,
            format!("claim {} is not in validation.csv", stray.id),
        ));
    }
    for row in rows {
        let mine: Vec<&BlockRow> = blocks.iter().filter(|b| b.id == row.id).collect();
        let indices: Vec<u32> = mine.iter().map(|b| b.block).collect();
        if !indices.iter().copied().eq(0..row.blocks) {
            let listed: Vec<String> = indices.iter().map(u32::to_string).collect();
            return Err(bad(
                path,
                format!(
                    "claim {} has blocks {} of the {} that validation.csv states: the file is \
                     cut short or damaged",
                    row.id,
                    if listed.is_empty() {
                        "none".into()
                    } else {
                        listed.join(", ")
                    },
                    row.blocks
                ),
            ));
        }
        let passes = mine.iter().filter(|b| b.pass == Some(true)).count();
        let judged = mine.iter().all(|b| b.pass.is_some());
        let rate = passes as f64 / mine.len().max(1) as f64;
        let agrees = match row.pass_rate {
            Some(p) => judged && p == rate,
            None => mine.iter().all(|b| b.pass.is_none()),
        };
        if !agrees {
            return Err(bad(
                path,
                format!(
                    "claim {}: {passes} of its {} blocks pass, but validation.csv's pass_rate \
                     is {}",
                    row.id,
                    mine.len(),
                    row.pass_rate.map_or("empty".into(), |p| p.to_string())
                ),
            ));
        }
    }
    Ok(())
}

/// The command without its `--shard I/N` (or `--shard=I/N`).
fn without_shard(command: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut words = shell_words(command).into_iter().peekable();
    while let Some((written, w)) = words.next() {
        if w == "--shard" {
            // `--shard` alone takes I and N from SLURM; only an `I/N` after it is its value.
            if words.peek().is_some_and(|(_, next)| is_shard_value(next)) {
                words.next();
            }
        } else if w == "--out" || w == "-o" {
            // Each shard names its own directory; the merged one is elsewhere.
            words.next();
        } else if !w.starts_with("--shard=") && !w.starts_with("--out=") {
            out.push(written);
        }
    }
    out.join(" ")
}

/// The words of a command line quoted for the shell (words with spaces or shell characters
/// in single quotes, a quote as `'\''`), each as written and as the shell reads it, so that
/// a quoted directory with a space in it is one word.
fn shell_words(command: &str) -> Vec<(String, String)> {
    let mut words = Vec::new();
    let (mut written, mut read) = (String::new(), String::new());
    let (mut quoted, mut escaped) = (false, false);
    for c in command.chars() {
        if c == ' ' && !quoted && !escaped {
            if !written.is_empty() {
                words.push((std::mem::take(&mut written), std::mem::take(&mut read)));
            }
            continue;
        }
        written.push(c);
        if escaped {
            read.push(c);
            escaped = false;
        } else if c == '\'' {
            quoted = !quoted;
        } else if c == '\\' && !quoted {
            escaped = true;
        } else {
            read.push(c);
        }
    }
    if !written.is_empty() {
        words.push((written, read));
    }
    words
}

fn is_shard_value(word: &str) -> bool {
    word.split_once('/')
        .is_some_and(|(i, n)| i.parse::<u32>().is_ok() && n.parse::<u32>().is_ok())
}

/// A row with the robustness columns (which differ between shards) blanked, as CSV text.
fn verdict_text(row: &ValidationRow) -> String {
    let mut row = row.clone();
    row.robustness_share = None;
    row.robustness_points = None;
    row.robustness_drivers.clear();
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    let _ = w.serialize(&row);
    String::from_utf8_lossy(&w.into_inner().unwrap_or_default()).into_owned()
}

/// Merges the shard directories of one `coprod validate ... --shard I/N` command into `out`
/// (an empty staging directory): the verdicts, decomposition and forest plot, which every
/// shard computes alike, are checked to be identical and written once; the robustness
/// points are put together per claim in point order, and each claim's robustness share,
/// point count and drivers recomputed from all of them with `summarise` (share, drivers).
/// The result is the directory one unsharded command would have written; its manifest
/// records the first shard's command without `--shard`.
///
/// # Errors
/// [`OutputError::Shard`] when the directories are not shards of one command, a shard is
/// missing or given twice, or they disagree on a verdict; I/O errors naming the file.
pub fn merge_validation(
    shards: &[std::path::PathBuf],
    out: &Path,
    summarise: impl Fn(&[RobustnessRow]) -> (f64, String),
) -> Result<ValidationManifest, OutputError> {
    let Some(first_dir) = shards.first() else {
        return Err(bad(out, "no shard directories given"));
    };
    let dirs: Vec<ValidationDir> = shards
        .iter()
        .map(|d| read_validation(d))
        .collect::<Result<_, _>>()?;
    check_shards(shards, &dirs)?;
    let (rows, points) = merge_robustness(shards, &dirs, summarise)?;
    let first = &dirs[0];
    let mut manifest = first.manifest.clone();
    manifest.command = without_shard(&manifest.command);
    manifest.robustness_shard = (0, 1);
    let names: Vec<&str> = first.names.iter().map(String::as_str).collect();
    write_validation(out, &rows, &[], &[], (&names, &points), &manifest)?;
    write_atomically(&out.join(DECOMPOSITION_CSV), &first.decomposition)?;
    write_atomically(&out.join(BLOCKS_CSV), &first.blocks)?;
    copy_other_files(first_dir, out)?;
    Ok(manifest)
}

/// Checks that `dirs` (read from `shards`, in that order) hold every shard of one command
/// once, each with the same verdicts; the first problem found, shard by shard, is the error.
fn check_shards(shards: &[PathBuf], dirs: &[ValidationDir]) -> Result<(), OutputError> {
    let (first_dir, first) = (&shards[0], &dirs[0]);
    let count = first.manifest.robustness_shard.1;
    let mut seen: Vec<Option<&Path>> = vec![None; count as usize];
    for (dir, d) in shards.iter().zip(dirs) {
        check_same_command(dir, d, first_dir, first)?;
        record_shard(dir, d, first_dir, count, &mut seen)?;
        check_same_verdicts(dir, d, first_dir, first)?;
    }
    check_none_missing(&seen, first_dir, first)
}

/// The manifests must agree on everything but what differs between shards.
fn check_same_command(
    dir: &Path,
    d: &ValidationDir,
    first_dir: &Path,
    first: &ValidationDir,
) -> Result<(), OutputError> {
    let count = first.manifest.robustness_shard.1;
    let same = |m: &ValidationManifest| {
        // The command names each shard's own output directory.
        let mut m = m.clone();
        m.command.clear();
        m.robustness_shard = (0, count);
        m.threads = 0;
        m
    };
    if same(&d.manifest) != same(&first.manifest) {
        return Err(bad(
            dir,
            format!(
                "not a shard of the same `coprod validate` command as {} (salt, claims, \
                 options or coprod version differ, or the shard count)",
                first_dir.display()
            ),
        ));
    }
    Ok(())
}

/// Records `dir` in `seen` as the directory of its shard, which must be one of `count` and
/// not given before.
fn record_shard<'a>(
    dir: &'a Path,
    d: &ValidationDir,
    first_dir: &Path,
    count: u32,
    seen: &mut [Option<&'a Path>],
) -> Result<(), OutputError> {
    let (index, of) = d.manifest.robustness_shard;
    if of != count || index >= count {
        return Err(bad(
            dir,
            format!(
                "it is shard {index} of {of}, but {} is one of {count}: give the shards of \
                 one split",
                first_dir.display()
            ),
        ));
    }
    let index = index as usize;
    if let Some(other) = seen.get_mut(index).and_then(|s| s.replace(dir)) {
        return Err(bad(
            dir,
            format!(
                "shard {index} of {count} is given twice (also {})",
                other.display()
            ),
        ));
    }
    Ok(())
}

/// Every shard computes the verdicts and decomposition alike.
fn check_same_verdicts(
    dir: &Path,
    d: &ValidationDir,
    first_dir: &Path,
    first: &ValidationDir,
) -> Result<(), OutputError> {
    let verdicts: Vec<String> = d.rows.iter().map(verdict_text).collect();
    let expected: Vec<String> = first.rows.iter().map(verdict_text).collect();
    let same_tables = d.decomposition == first.decomposition && d.blocks == first.blocks;
    if verdicts != expected || !same_tables || d.names != first.names {
        return Err(bad(
            dir,
            format!(
                "its verdicts, blocks or decomposition differ from those of {}: shards of \
                 one command compute them alike",
                first_dir.display()
            ),
        ));
    }
    Ok(())
}

/// Every shard of the split must have been given.
fn check_none_missing(
    seen: &[Option<&Path>],
    first_dir: &Path,
    first: &ValidationDir,
) -> Result<(), OutputError> {
    let count = first.manifest.robustness_shard.1;
    let missing: Vec<String> = (0..count as usize)
        .filter(|&i| seen[i].is_none())
        .map(|i| format!("{i}/{count}"))
        .collect();
    if !missing.is_empty() {
        return Err(bad(
            first_dir,
            format!(
                "shards {} are missing\n\nhint: run `{} --shard I/N --out DIR` for each, each \
                 with its own DIR, and merge all {count}",
                missing.join(", "),
                without_shard(&first.manifest.command)
            ),
        ));
    }
    Ok(())
}

/// The first shard's rows with each mapped claim's robustness columns recomputed from the
/// points of all shards, and those points, per claim in point order.
fn merge_robustness(
    shards: &[PathBuf],
    dirs: &[ValidationDir],
    summarise: impl Fn(&[RobustnessRow]) -> (f64, String),
) -> Result<(Vec<ValidationRow>, Vec<RobustnessRow>), OutputError> {
    let first = &dirs[0];
    let design_points = first.manifest.robustness.0;
    let mut rows = first.rows.clone();
    let mut points: Vec<RobustnessRow> = Vec::new();
    for row in &mut rows {
        let mut mine: Vec<RobustnessRow> = dirs
            .iter()
            .flat_map(|d| d.points.iter().filter(|p| p.id == row.id).cloned())
            .collect();
        mine.sort_by_key(|p| p.point);
        let mapped = dirs.iter().any(|d| {
            d.rows
                .iter()
                .any(|r| r.id == row.id && r.robustness_points.is_some())
        });
        if mapped {
            let complete = mine.len() == design_points as usize
                && mine.iter().enumerate().all(|(k, p)| p.point as usize == k);
            if !complete {
                return Err(incomplete_map(shards, dirs, &row.id, mine.len()));
            }
            let (share, drivers) = summarise(&mine);
            row.robustness_share = Some(share);
            row.robustness_points = Some(mine.len() as u64);
            row.robustness_drivers = drivers;
        }
        points.extend(mine);
    }
    Ok((rows, points))
}

/// The error for claim `id`, of whose robustness points the shards hold only `found`.
fn incomplete_map(
    shards: &[PathBuf],
    dirs: &[ValidationDir],
    id: &str,
    found: usize,
) -> OutputError {
    let first_dir = &shards[0];
    let design_points = dirs[0].manifest.robustness.0;
    let count = dirs[0].manifest.robustness_shard.1;
    // Point k is computed by shard k % count: name the shards short of points.
    let mut short: Vec<(PathBuf, String)> = Vec::new();
    for (dir, d) in shards.iter().zip(dirs) {
        let index = d.manifest.robustness_shard.0 as usize;
        let expected = (0..design_points as usize)
            .filter(|k| k % count as usize == index)
            .count();
        let held = d.points.iter().filter(|p| p.id == id).count();
        if held != expected {
            let path = dir.join(ROBUSTNESS_CSV);
            let text = format!(
                "{} (shard {index}/{count}) holds {held} of its {expected}",
                path.display()
            );
            short.push((path, text));
        }
    }
    let blamed = short.first().map_or(first_dir.clone(), |(p, _)| p.clone());
    let texts: Vec<String> = short.into_iter().map(|(_, t)| t).collect();
    // Every shard holds as many points as it should, but not points 0, 1, 2, ... once each.
    let which = if texts.is_empty() {
        "some point is held twice and another by none".to_string()
    } else {
        texts.join(", ")
    };
    bad(
        &blamed,
        format!(
            "claim {id}: the shards hold {found} of its {design_points} robustness points; \
             {which}: the file is cut short or damaged"
        ),
    )
}

/// Copies the forest plot and any other file that `write_validation` does not write: the
/// same in every shard.
fn copy_other_files(first_dir: &Path, out: &Path) -> Result<(), OutputError> {
    let entries = std::fs::read_dir(first_dir).map_err(|e| OutputError::io(first_dir, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| OutputError::io(first_dir, e))?;
        let name = entry.file_name();
        let known = [
            VALIDATION_CSV,
            BLOCKS_CSV,
            DECOMPOSITION_CSV,
            ROBUSTNESS_CSV,
            MANIFEST_JSON,
        ];
        if entry.path().is_file() && !known.iter().any(|k| name == *k) {
            let bytes =
                std::fs::read(entry.path()).map_err(|e| OutputError::io(&entry.path(), e))?;
            write_atomically(&out.join(&name), &bytes)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A missing effect is an empty cell, as in every other file, and reads back as missing;
    /// a number keeps the format serde gives every other number of validation.csv.
    #[test]
    fn a_missing_effect_is_an_empty_cell_and_reads_back_missing() {
        #[derive(Serialize, Deserialize)]
        struct Row {
            id: String,
            #[serde(with = "missing_number")]
            effect: f64,
        }
        let mut w = csv::Writer::from_writer(Vec::new());
        for (id, effect) in [("B3", f64::NAN), ("E3", 14.2)] {
            w.serialize(Row {
                id: id.into(),
                effect,
            })
            .unwrap();
        }
        let text = String::from_utf8(w.into_inner().unwrap()).unwrap();
        assert_eq!(text, "id,effect\nB3,\nE3,14.2\n");
        let rows: Vec<Row> = csv::Reader::from_reader(text.as_bytes())
            .deserialize()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(rows[0].effect.is_nan());
        assert_eq!(rows[1].effect, 14.2);
    }

    fn validation_manifest() -> ValidationManifest {
        ValidationManifest {
            kind: "validation".into(),
            coprod_version: "test".into(),
            command: "coprod validate".into(),
            claims: vec!["E3".into()],
            designs: Vec::new(),
            salt: "a".into(),
            seed_derivation: String::new(),
            blocks: 1,
            pilot: 2,
            replications_bounds: (2, 8),
            decompose_replications: 2,
            robustness: (2, 1),
            robustness_shard: (0, 1),
            threads: 1,
            quick: true,
            robustness_all: false,
        }
    }

    /// robustness.csv reads back as written: the parameter columns between `point` and
    /// `effect`, a missing effect as NaN, a claim's own lever (not varied) as an empty cell
    /// and back as NaN; the manifest comes back whole.
    #[test]
    fn a_validation_directory_reads_back_as_written() {
        let tmp = tempfile::tempdir().unwrap();
        let names = ["levers.outreach", "population.size"];
        let points = [
            RobustnessRow {
                id: "E3".into(),
                point: 0,
                values: vec![0.25, 100.0],
                effect: 1.5,
                holds: true,
            },
            RobustnessRow {
                id: "E3".into(),
                point: 1,
                values: vec![0.75, 200.0],
                effect: f64::NAN,
                holds: false,
            },
            RobustnessRow {
                id: "X2".into(),
                point: 0,
                values: vec![f64::NAN, 300.0],
                effect: 0.5,
                holds: true,
            },
        ];
        let manifest = validation_manifest();
        write_validation(tmp.path(), &[], &[], &[], (&names, &points), &manifest).unwrap();
        let text = std::fs::read_to_string(tmp.path().join(ROBUSTNESS_CSV)).unwrap();
        assert!(text.ends_with("\nX2,0,,300,0.5,true\n"), "{text}");
        let mut read = read_validation(tmp.path()).unwrap();
        let lever = read.points.pop().unwrap();
        assert!(lever.values[0].is_nan());
        assert_eq!((lever.values[1], lever.effect), (300.0, 0.5));
        assert_eq!(read.names, names);
        assert_eq!(read.manifest, manifest);
        assert!(read.rows.is_empty());
        let got: Vec<(String, u32, Vec<f64>, bool)> = read
            .points
            .iter()
            .map(|p| (p.id.clone(), p.point, p.values.clone(), p.holds))
            .collect();
        assert_eq!(
            got,
            [
                ("E3".to_string(), 0, vec![0.25, 100.0], true),
                ("E3".to_string(), 1, vec![0.75, 200.0], false)
            ]
        );
        assert_eq!(read.points[0].effect, 1.5);
        assert!(read.points[1].effect.is_nan());
    }

    /// A robustness.csv without its fixed columns, or with a field that is not what its
    /// column holds, is refused naming the file (and the line and column).
    #[test]
    fn a_damaged_robustness_file_is_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let manifest = validation_manifest();
        write_validation(tmp.path(), &[], &[], &[], (&[], &[]), &manifest).unwrap();
        read_validation(tmp.path()).unwrap();
        let path = tmp.path().join(ROBUSTNESS_CSV);
        for header in [
            "id,point,effect",
            "name,point,x,effect,holds",
            "id,step,x,effect,holds",
            "id,point,x,estimate,holds",
        ] {
            std::fs::write(&path, format!("{header}\n")).unwrap();
            let e = read_validation(tmp.path()).unwrap_err().to_string();
            assert!(
                e.contains("expected the columns id, point"),
                "{header}: {e}"
            );
        }
        for (row, want) in [
            (
                "E3,0,x,1.5,true",
                "line 2: column x: `x` is not a finite number",
            ),
            (
                "E3,0,0.5,big,true",
                "line 2: column effect: `big` is not a finite number",
            ),
            (
                "E3,0,0.5,NaN,true",
                "line 2: column effect: `NaN` is not a finite number",
            ),
            ("E3,zero,0.5,1.5,true", "line 2: column point"),
            ("E3,0,0.5,1.5,yes", "line 2: column holds"),
        ] {
            std::fs::write(&path, format!("id,point,x,effect,holds\n{row}\n")).unwrap();
            let e = read_validation(tmp.path()).unwrap_err().to_string();
            assert!(e.contains("robustness.csv"), "{row}: {e}");
            assert!(e.contains(want), "{row}: {e}");
        }
    }

    /// A pilot sd that is not a number (a pilot replication without a read-out) is an empty
    /// cell, as every missing number of the file (it was written `NaN`), and reads back as
    /// missing.
    #[test]
    fn a_missing_pilot_sd_is_an_empty_cell() {
        let tmp = tempfile::tempdir().unwrap();
        let row = ValidationRow {
            pilot_sd: f64::NAN,
            ..claim("E3", false)
        };
        write_validation(
            tmp.path(),
            std::slice::from_ref(&row),
            &[],
            &blocks_for(std::slice::from_ref(&row)),
            (&["x"], &[]),
            &validation_manifest(),
        )
        .unwrap();
        let text = std::fs::read_to_string(tmp.path().join(VALIDATION_CSV)).unwrap();
        let mut lines = text.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let column = header.iter().position(|c| *c == "pilot_sd").unwrap();
        let cells: Vec<&str> = lines.next().unwrap().split(',').collect();
        // The claim text has no comma, so the cells line up with the header.
        assert_eq!(cells[column], "", "{text}");
        assert!(
            read_validation(tmp.path()).unwrap().rows[0]
                .pilot_sd
                .is_nan()
        );
    }

    /// Claim `id`'s row of validation.csv, with a robustness map when `mapped`.
    fn claim(id: &str, mapped: bool) -> ValidationRow {
        ValidationRow {
            id: id.into(),
            claim: "more outreach, more groups".into(),
            class: "supported".into(),
            registered_class: "supported".into(),
            metric: "groups_started".into(),
            direction: "positive".into(),
            horizon: 12,
            window: 3,
            sesoi: 0.5,
            power: 0.8,
            mediators: String::new(),
            pilot_sd: 1.0,
            replications: 8,
            power_capped: false,
            blocks: 1,
            pass_rate: Some(1.0),
            total_effect: 1.5,
            total_ci_low: Some(1.0),
            total_ci_high: Some(2.0),
            total_n: 8,
            direct_effect: None,
            direct_ci_low: None,
            direct_ci_high: None,
            direct_n: None,
            mediated_share: None,
            share_ci_low: None,
            share_ci_high: None,
            robustness_share: mapped.then_some(1.0),
            robustness_points: mapped.then_some(1),
            robustness_drivers: String::new(),
            note: String::new(),
            // Filled, so that merging shards is seen to carry the placebo check through.
            placebo_effect: Some(-0.25),
            placebo_ci_low: Some(-0.5),
            placebo_ci_high: Some(0.0),
            adjusted_direct: Some(1.75),
            adjusted_ci_low: Some(1.25),
            adjusted_ci_high: Some(2.25),
            adjusted_share: Some(-0.17),
            adjusted_share_ci_low: Some(-0.5),
            adjusted_share_ci_high: Some(0.1),
            adjusted_class: "assumption".into(),
        }
    }

    /// The blocks of blocks.csv that agree with `rows`: claim by claim, as many as the row
    /// states, the first ones passing as its pass rate says.
    fn blocks_for(rows: &[ValidationRow]) -> Vec<BlockRow> {
        rows.iter()
            .flat_map(|r| {
                let passes = r.pass_rate.unwrap_or(0.0) * f64::from(r.blocks);
                blocks_of(&r.id, r.blocks, passes.round() as u32)
            })
            .collect()
    }

    /// Claim `id`'s blocks of blocks.csv: `passes` of `blocks` pass (the first ones).
    fn blocks_of(id: &str, blocks: u32, passes: u32) -> Vec<BlockRow> {
        (0..blocks)
            .map(|block| BlockRow {
                id: id.into(),
                block,
                n: 8,
                effect: 1.5,
                sd: Some(0.5),
                ci_low: Some(1.0),
                ci_high: Some(2.0),
                best_dose: None,
                best_minus_last: None,
                best_minus_last_ci_low: None,
                best_minus_last_ci_high: None,
                pass: Some(block < passes),
            })
            .collect()
    }

    /// A validation of claim E3 judged on 4 blocks, 3 of which pass.
    fn four_blocks(dir: &Path) {
        let row = ValidationRow {
            blocks: 4,
            pass_rate: Some(0.75),
            ..claim("E3", false)
        };
        let blocks = blocks_of("E3", 4, 3);
        let manifest = validation_manifest();
        write_validation(dir, &[row], &[], &blocks, (&["x"], &[]), &manifest).unwrap();
    }

    /// Files that contradict each other or hold what coprod never writes are refused when
    /// read (for a merge), naming the file: a verdict block missing or given twice, a pass
    /// rate that is not the share of passing blocks, a number that is not finite.
    #[test]
    fn verdict_files_that_disagree_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        four_blocks(tmp.path());
        assert!(read_validation(tmp.path()).is_ok());
        let damaged = |file: &str, edit: &dyn Fn(&str) -> String| {
            let dir = tempfile::tempdir().unwrap();
            four_blocks(dir.path());
            let path = dir.path().join(file);
            let text = std::fs::read_to_string(&path).unwrap();
            let edited = edit(&text);
            assert_ne!(edited, text, "the edit changes {file}");
            std::fs::write(&path, edited).unwrap();
            let e = read_validation(dir.path()).unwrap_err().to_string();
            assert!(e.contains(file), "{e}");
            e
        };
        let without_line = |n: usize| {
            move |t: &str| {
                let mut lines: Vec<&str> = t.lines().collect();
                lines.remove(n);
                lines.join("\n") + "\n"
            }
        };
        let e = damaged(BLOCKS_CSV, &without_line(2));
        assert!(e.contains("blocks 0, 2, 3"), "{e}");
        let e = damaged(BLOCKS_CSV, &|t: &str| t.replacen(",true\n", ",false\n", 1));
        assert!(e.contains("2 of its 4 blocks pass"), "{e}");
        let e = damaged(VALIDATION_CSV, &|t: &str| t.replacen(",0.75,", ",NaN,", 1));
        assert!(e.contains("pass_rate"), "{e}");
        let e = damaged(BLOCKS_CSV, &|t: &str| t.replacen(",0.5,", ",inf,", 1));
        assert!(e.contains("sd"), "{e}");
    }

    /// Shard `index` of 2 of one command (its own `--out`), holding point `index` of claim
    /// E3's two-point robustness map, plus a chart every shard draws alike.
    fn shard(root: &Path, index: u32) -> PathBuf {
        let dir = root.join(format!("s{index}"));
        std::fs::create_dir(&dir).unwrap();
        let manifest = ValidationManifest {
            command: format!("coprod validate --salt a --shard {index}/2 --out s{index}"),
            robustness_shard: (index, 2),
            threads: 1 + index as usize,
            ..validation_manifest()
        };
        let point = RobustnessRow {
            id: "E3".into(),
            point: index,
            values: vec![f64::from(index)],
            effect: 1.0 + f64::from(index),
            holds: index == 0,
        };
        let rows = [claim("E3", true), claim("B1", false)];
        let blocks = [blocks_of("E3", 1, 1), blocks_of("B1", 1, 1)].concat();
        write_validation(&dir, &rows, &[], &blocks, (&["x"], &[point]), &manifest).unwrap();
        std::fs::write(dir.join("forest.svg"), "<svg/>").unwrap();
        dir
    }

    /// Shards of one split merge into what one command would have written: every point of
    /// the map in order, the claim's robustness recomputed from all of them, the command
    /// without `--shard` and `--out`, and the files every shard has copied once.
    #[test]
    fn shards_merge_into_one_validation_directory() {
        let tmp = tempfile::tempdir().unwrap();
        // Given out of order: the merge puts the points in order.
        let shards = [shard(tmp.path(), 1), shard(tmp.path(), 0)];
        let out = tmp.path().join("merged");
        std::fs::create_dir(&out).unwrap();
        let summarise = |points: &[RobustnessRow]| {
            let held = points.iter().filter(|p| p.holds).count();
            (held as f64 / points.len() as f64, "x".to_string())
        };
        let manifest = merge_validation(&shards, &out, summarise).unwrap();
        assert_eq!(manifest.command, "coprod validate --salt a");
        assert_eq!(manifest.robustness_shard, (0, 1));
        let merged = read_validation(&out).unwrap();
        let points: Vec<u32> = merged.points.iter().map(|p| p.point).collect();
        assert_eq!(points, [0, 1]);
        let e3 = &merged.rows[0];
        assert_eq!(
            (e3.robustness_share, e3.robustness_points),
            (Some(0.5), Some(2))
        );
        assert_eq!(e3.robustness_drivers, "x");
        // A claim without a map keeps empty robustness columns.
        assert_eq!(merged.rows[1].robustness_points, None);
        assert_eq!(
            std::fs::read_to_string(out.join("forest.svg")).unwrap(),
            "<svg/>"
        );
    }

    /// Directories that are not every shard of one split, once each, agreeing on the
    /// verdicts, are refused with the reason.
    #[test]
    fn shards_of_different_splits_or_verdicts_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let (s0, s1) = (shard(tmp.path(), 0), shard(tmp.path(), 1));
        let out = tmp.path().join("merged");
        std::fs::create_dir(&out).unwrap();
        let summarise = |_: &[RobustnessRow]| (1.0, String::new());
        let merge = |shards: &[PathBuf]| {
            merge_validation(shards, &out, summarise)
                .unwrap_err()
                .to_string()
        };
        let e = merge(std::slice::from_ref(&s0));
        assert!(e.contains("shards 1/2 are missing"), "{e}");
        let e = merge(&[s0.clone(), s0.clone()]);
        assert!(e.contains("shard 0 of 2 is given twice"), "{e}");

        // Another salt: another command.
        let other = tmp.path().join("other");
        std::fs::create_dir(&other).unwrap();
        let d = read_validation(&s1).unwrap();
        let salted = ValidationManifest {
            salt: "b".into(),
            ..d.manifest.clone()
        };
        let names = ["x"];
        let points = d.points.clone();
        write_validation(
            &other,
            &d.rows,
            &[],
            &blocks_for(&d.rows),
            (&names, &points),
            &salted,
        )
        .unwrap();
        let e = merge(&[s0.clone(), other.clone()]);
        assert!(e.contains("not a shard of the same"), "{e}");
        // Another `--quick` or `--robustness-all`: another command, though the salt is the
        // same (an unmapped claim's shard would otherwise read as cut short).
        for changed in [
            ValidationManifest {
                quick: !d.manifest.quick,
                ..d.manifest.clone()
            },
            ValidationManifest {
                robustness_all: !d.manifest.robustness_all,
                ..d.manifest.clone()
            },
        ] {
            std::fs::remove_dir_all(&other).unwrap();
            std::fs::create_dir(&other).unwrap();
            write_validation(
                &other,
                &d.rows,
                &[],
                &blocks_for(&d.rows),
                (&names, &points),
                &changed,
            )
            .unwrap();
            let e = merge(&[s0.clone(), other.clone()]);
            assert!(e.contains("not a shard of the same"), "{e}");
        }

        // A shard of a split into three, and a shard number past the split.
        for (shard, want) in [
            ((1, 3), "it is shard 1 of 3"),
            ((2, 2), "it is shard 2 of 2"),
        ] {
            let manifest = ValidationManifest {
                robustness_shard: shard,
                ..d.manifest.clone()
            };
            write_validation(
                &other,
                &d.rows,
                &[],
                &blocks_for(&d.rows),
                (&names, &points),
                &manifest,
            )
            .unwrap();
            let e = merge(&[s0.clone(), other.clone()]);
            assert!(e.contains(want), "{e}");
        }

        // The same split, but another verdict.
        let mut rows = d.rows.clone();
        rows[1].class = "refuted".into();
        write_validation(
            &other,
            &rows,
            &[],
            &blocks_for(&rows),
            (&names, &points),
            &d.manifest,
        )
        .unwrap();
        let e = merge(&[s0.clone(), other.clone()]);
        assert!(
            e.contains("verdicts, blocks or decomposition differ"),
            "{e}"
        );

        // The same verdicts, but another decomposition, or other robustness parameters.
        let held = DecompositionRow {
            id: "E3".into(),
            held: "all".into(),
            total_effect: 1.5,
            total_ci_low: None,
            total_ci_high: None,
            direct_effect: 1.0,
            direct_ci_low: None,
            direct_ci_high: None,
            mediated_share: None,
            share_ci_low: None,
            share_ci_high: None,
            n: 8,
            placebo_effect: None,
            placebo_ci_low: None,
            placebo_ci_high: None,
            adjusted_direct: None,
            adjusted_ci_low: None,
            adjusted_ci_high: None,
            adjusted_share: None,
            adjusted_share_ci_low: None,
            adjusted_share_ci_high: None,
        };
        write_validation(
            &other,
            &d.rows,
            &[held],
            &blocks_for(&d.rows),
            (&names, &points),
            &d.manifest,
        )
        .unwrap();
        let e = merge(&[s0.clone(), other.clone()]);
        assert!(
            e.contains("verdicts, blocks or decomposition differ"),
            "{e}"
        );
        // Or other blocks (the same verdicts, another effect).
        let mut blocks = blocks_for(&d.rows);
        blocks[0].effect += 1.0;
        write_validation(
            &other,
            &d.rows,
            &[],
            &blocks,
            (&names, &points),
            &d.manifest,
        )
        .unwrap();
        let e = merge(&[s0.clone(), other.clone()]);
        assert!(
            e.contains("verdicts, blocks or decomposition differ"),
            "{e}"
        );
        write_validation(
            &other,
            &d.rows,
            &[],
            &blocks_for(&d.rows),
            (&["y"], &points),
            &d.manifest,
        )
        .unwrap();
        let e = merge(&[s0.clone(), other.clone()]);
        assert!(
            e.contains("verdicts, blocks or decomposition differ"),
            "{e}"
        );

        // A shard whose robustness.csv lost its point.
        write_validation(
            &other,
            &d.rows,
            &[],
            &blocks_for(&d.rows),
            (&names, &[]),
            &d.manifest,
        )
        .unwrap();
        let e = merge(&[s0.clone(), other.clone()]);
        assert!(e.contains("claim E3: the shards hold 1 of its 2"), "{e}");
        // The shard short of its point is named, and only it: point 1 is shard 1's.
        let short = other.join(ROBUSTNESS_CSV);
        let named = format!("{} (shard 1/2) holds 0 of its 1", short.display());
        assert!(e.contains(&named), "{e}");
        assert!(!e.contains("(shard 0/2)"), "{e}");

        // Shard 1 holds shard 0's point instead of its own: each holds as many points as
        // it should, so the message says what is wrong rather than naming no shard.
        let mut moved = points.clone();
        moved[0].point = 0;
        write_validation(
            &other,
            &d.rows,
            &[],
            &blocks_for(&d.rows),
            (&names, &moved),
            &d.manifest,
        )
        .unwrap();
        let e = merge(&[s0.clone(), other.clone()]);
        assert!(
            e.contains("some point is held twice and another by none: the file is cut short"),
            "{e}"
        );
        assert!(!e.contains("; :"), "{e}");

        // A value coprod never writes: a non-finite effect or parameter value.
        for (column, value) in [(3, "NaN"), (2, "inf")] {
            write_validation(
                &other,
                &d.rows,
                &[],
                &blocks_for(&d.rows),
                (&names, &points),
                &d.manifest,
            )
            .unwrap();
            let path = other.join(ROBUSTNESS_CSV);
            let text = std::fs::read_to_string(&path).unwrap();
            let mut lines: Vec<String> = text.lines().map(String::from).collect();
            let mut fields: Vec<&str> = lines[1].split(',').collect();
            fields[column] = value;
            lines[1] = fields.join(",");
            std::fs::write(&path, lines.join("\n") + "\n").unwrap();
            let e = merge(&[s0.clone(), other.clone()]);
            let name = ["id", "point", "x", "effect"][column];
            assert!(
                e.contains(&format!(
                    "line 2: column {name}: `{value}` is not a finite number"
                )),
                "{e}"
            );
        }
        merge_validation(&[s0, s1], &out, summarise).unwrap();
    }

    /// With three points over two shards, shard 0 owes points 0 and 2 and shard 1 point 1:
    /// the merge names the shard whose share is short, not the one that is whole.
    #[test]
    fn the_short_shard_is_named_by_its_own_share_of_points() {
        let tmp = tempfile::tempdir().unwrap();
        let write = |index: u32, points: &[u32]| {
            let dir = tmp.path().join(format!("s{index}"));
            std::fs::create_dir(&dir).unwrap();
            let manifest = ValidationManifest {
                command: format!("coprod validate --shard {index}/2 --out s{index}"),
                robustness: (3, 1),
                robustness_shard: (index, 2),
                ..validation_manifest()
            };
            let rows: Vec<RobustnessRow> = points
                .iter()
                .map(|&point| RobustnessRow {
                    id: "E3".into(),
                    point,
                    values: vec![f64::from(point)],
                    effect: 1.0,
                    holds: true,
                })
                .collect();
            let claims = [claim("E3", true)];
            write_validation(
                &dir,
                &claims,
                &[],
                &blocks_for(&claims),
                (&["x"], &rows),
                &manifest,
            )
            .unwrap();
            dir
        };
        // Shard 0 lost point 2; shard 1 holds its one point.
        let shards = [write(0, &[0]), write(1, &[1])];
        let out = tmp.path().join("merged");
        std::fs::create_dir(&out).unwrap();
        let summarise = |_: &[RobustnessRow]| (1.0, String::new());
        let e = merge_validation(&shards, &out, summarise)
            .unwrap_err()
            .to_string();
        assert!(e.contains("claim E3: the shards hold 2 of its 3"), "{e}");
        let short = shards[0].join(ROBUSTNESS_CSV);
        let named = format!("{} (shard 0/2) holds 1 of its 2", short.display());
        assert!(e.contains(&named), "{e}");
        assert!(!e.contains("(shard 1/2)"), "{e}");
    }

    /// After a bare `--shard`, only a word of two whole numbers `I/N` is its value.
    #[test]
    fn a_shard_value_is_two_whole_numbers() {
        assert_eq!(
            without_shard("coprod validate --shard x/2 --quick"),
            "coprod validate x/2 --quick"
        );
        assert_eq!(
            without_shard("coprod validate --shard 1/x --quick"),
            "coprod validate 1/x --quick"
        );
    }

    #[test]
    fn the_merged_command_drops_the_shard_and_the_shard_directory() {
        assert_eq!(
            without_shard("coprod validate --salt a --shard 1/4 --out x"),
            "coprod validate --salt a"
        );
        // `--shard` alone (SLURM's array variables) keeps the flag after it.
        assert_eq!(
            without_shard("coprod validate --shard -j 1 -o maps/s0 --quick"),
            "coprod validate -j 1 --quick"
        );
        assert_eq!(
            without_shard("coprod validate --shard=0/2 --salt a"),
            "coprod validate --salt a"
        );
    }

    /// The manifest's command is quoted for the shell: a quoted directory with a space (or a
    /// quote) in it is one word, dropped whole, and the other words keep their quotes.
    #[test]
    fn the_merged_command_reads_quoted_words_as_the_shell_does() {
        assert_eq!(
            without_shard(
                "coprod validate --salt 'two words' --shard 1/4 --out 'my shard '\\''1'\\'''"
            ),
            "coprod validate --salt 'two words'"
        );
        assert_eq!(
            without_shard("coprod validate '--out=my shard' --salt 'it'\\''s' '--shard=0/2'"),
            "coprod validate --salt 'it'\\''s'"
        );
        let words = shell_words("a 'b c' 'it'\\''s' ''");
        let read: Vec<&str> = words.iter().map(|(_, r)| r.as_str()).collect();
        assert_eq!(read, ["a", "b c", "it's", ""]);
    }
}
