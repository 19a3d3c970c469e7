//! `validation.csv` and the manifest of a `coprod validate` directory.
//!
//! Owns the columns of the validation table (docs/outputs.md); the statistics are computed
//! in `coprod-validate`.

use std::path::Path;

use serde::Serialize;

use crate::files::{write_atomically, write_json};
use crate::{MANIFEST_JSON, OutputError};

/// File name of the validation table.
pub const VALIDATION_CSV: &str = "validation.csv";

/// One row of `validation.csv`: one proposition. Missing values are written as empty cells.
#[derive(Clone, Debug, Serialize)]
pub struct ValidationRow {
    /// Proposition id, e.g. `P3`.
    pub id: String,
    /// The claim in words.
    pub claim: String,
    /// micro, emergent, micro+emergent or exploratory.
    pub kind: String,
    /// End-of-run metric or regression the effect is measured on.
    pub metric: String,
    /// Claimed direction: increase, decrease or interior_optimum.
    pub direction: String,
    /// Mean effect over replications.
    pub effect: f64,
    /// Lower end of its 95% confidence interval.
    pub ci_low: Option<f64>,
    /// Upper end of its 95% confidence interval.
    pub ci_high: Option<f64>,
    /// Replications.
    pub n: u64,
    /// Mean effect over its standard deviation across replications.
    pub standardised_effect: f64,
    /// PASS, FAIL or EXPLORATORY.
    pub verdict: String,
    /// Channels switched off in the ablation, separated by `;` (empty: no ablation).
    pub ablation_channels: String,
    /// Mean effect with the channels off.
    pub ablation_effect: Option<f64>,
    /// Lower end of its 95% CI.
    pub ablation_ci_low: Option<f64>,
    /// Upper end of its 95% CI.
    pub ablation_ci_high: Option<f64>,
    /// Mean of how much weaker the effect is with the channels off, in the claimed direction.
    pub ablation_shrink: Option<f64>,
    /// Lower end of its 95% CI.
    pub ablation_shrink_ci_low: Option<f64>,
    /// How the effect was computed.
    pub note: String,
}

/// What `manifest.json` of a validation directory records.
#[derive(Clone, Debug, Serialize)]
pub struct ValidationManifest {
    /// Always `validation`.
    pub kind: &'static str,
    /// coprod version.
    pub coprod_version: String,
    /// Propositions run, in order.
    pub propositions: Vec<String>,
    /// Replications per variant, if overridden on the command line.
    pub replications_override: Option<u32>,
    /// Base seed, if overridden on the command line.
    pub seed_override: Option<u64>,
    /// Worker threads used (outputs do not depend on it).
    pub threads: usize,
}

/// Writes `validation.csv` and `manifest.json` into `dir`.
pub fn write_validation(
    dir: &Path,
    rows: &[ValidationRow],
    manifest: &ValidationManifest,
) -> Result<(), OutputError> {
    let path = dir.join(VALIDATION_CSV);
    let mut writer = csv::Writer::from_writer(Vec::new());
    for row in rows {
        writer
            .serialize(row)
            .map_err(|e| OutputError::csv(&path, e))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| OutputError::io(&path, e.into_error()))?;
    write_atomically(&path, &bytes)?;
    write_json(&dir.join(MANIFEST_JSON), manifest)
}
