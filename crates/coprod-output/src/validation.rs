//! The files of a `coprod validate` directory: `validation.csv` (one row per claim),
//! `decomposition.csv` (one row per claim and hold set), `robustness.csv` (one row per
//! claim and point of the robustness map) and the manifest.
//!
//! Owns the columns (docs/validation.md, "Outputs"); the statistics are computed in
//! `coprod-validate`.

use std::path::Path;

use serde::Serialize;

use crate::files::{write_atomically, write_json};
use crate::{MANIFEST_JSON, OutputError};

/// File name of the validation table.
pub const VALIDATION_CSV: &str = "validation.csv";
/// File name of the per-mediator decomposition.
pub const DECOMPOSITION_CSV: &str = "decomposition.csv";
/// File name of the robustness points.
pub const ROBUSTNESS_CSV: &str = "robustness.csv";

/// One row of `validation.csv`: one claim. Missing values are empty cells.
#[derive(Clone, Debug, Serialize)]
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
    /// Standard deviation of the paired effect in the pilot.
    pub pilot_sd: f64,
    /// Replications per block.
    pub replications: u32,
    /// Whether the power calculation asked for more replications than the cap.
    pub power_capped: bool,
    /// Verdict blocks.
    pub blocks: u32,
    /// Share of blocks passing the registered rule (empty for exploratory rows).
    pub pass_rate: Option<f64>,
    /// Effect pooled over every block.
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
    /// Share of the robustness map where the claim holds (derived claims).
    pub robustness_share: Option<f64>,
    /// Points of the robustness map.
    pub robustness_points: Option<u64>,
    /// The three assumed parameters with the largest standardised coefficients.
    pub robustness_drivers: String,
    /// How the effect was computed.
    pub note: String,
}

/// One row of `decomposition.csv`: a claim with one hold set.
#[derive(Clone, Debug, Serialize)]
pub struct DecompositionRow {
    /// Claim id.
    pub id: String,
    /// `all` or the one mediator held.
    pub held: String,
    /// Total effect over the decomposed replications.
    pub total_effect: f64,
    /// Lower end of its 95% CI (the derived rule asks that it exclude 0).
    pub total_ci_low: Option<f64>,
    /// Upper end.
    pub total_ci_high: Option<f64>,
    /// Controlled direct effect.
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

/// What `manifest.json` of a validation directory records.
#[derive(Clone, Debug, Serialize)]
pub struct ValidationManifest {
    /// Always `validation`.
    pub kind: &'static str,
    /// coprod version.
    pub coprod_version: String,
    /// The command line.
    pub command: String,
    /// Claims run, in order.
    pub claims: Vec<String>,
    /// The salt every seed derives from.
    pub salt: String,
    /// How seeds are derived from it.
    pub seed_derivation: &'static str,
    /// Verdict blocks.
    pub blocks: u32,
    /// Pilot replications per claim.
    pub pilot: u32,
    /// Bounds on replications per block.
    pub replications_bounds: (u32, u32),
    /// Replications decomposed (whole blocks, at least this many).
    pub decompose_replications: u32,
    /// Robustness points and replications per point.
    pub robustness: (u32, u32),
    /// Which shard of the robustness map this directory holds: (index, count).
    pub robustness_shard: (u32, u32),
    /// Worker threads used (outputs do not depend on it).
    pub threads: usize,
}

/// Writes every file of a validation directory into `dir`.
pub fn write_validation(
    dir: &Path,
    rows: &[ValidationRow],
    decomposition: &[DecompositionRow],
    robustness: (&[&str], &[RobustnessRow]),
    manifest: &ValidationManifest,
) -> Result<(), OutputError> {
    serialize_all(&dir.join(VALIDATION_CSV), rows)?;
    serialize_all(&dir.join(DECOMPOSITION_CSV), decomposition)?;
    let (names, points) = robustness;
    let mut header = vec!["id".to_string(), "point".into()];
    header.extend(names.iter().map(|n| n.to_string()));
    header.extend(["effect".to_string(), "holds".into()]);
    let records = points.iter().map(|p| {
        let mut r = vec![p.id.clone(), p.point.to_string()];
        r.extend(p.values.iter().map(|v| crate::files::num(*v)));
        r.extend([crate::files::num(p.effect), p.holds.to_string()]);
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
