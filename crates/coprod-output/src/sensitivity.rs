//! `sensitivity.csv` and the manifest of a `coprod sensitivity` directory
//! (docs/sensitivity.md, columns in docs/outputs.md).
//!
//! Owns the columns and writing the files; the designs and estimators are
//! `coprod-analysis`'s.

use std::path::{Path, PathBuf};

use crate::comparison::{num, write_replacing};
use crate::{MANIFEST_JSON, OutputError};

/// File name of the sensitivity table.
pub const SENSITIVITY_CSV: &str = "sensitivity.csv";

/// One row of `sensitivity.csv`: one index of one parameter for one output.
#[derive(Clone, Debug, PartialEq)]
pub struct SensitivityRow {
    /// `morris`, `sobol` or `noise`.
    pub method: String,
    /// End-of-run metric analysed.
    pub output: String,
    /// Parameter (empty for the noise share).
    pub parameter: String,
    /// `mu`, `mu_star`, `sigma`, `first_order`, `total` or `noise_share`.
    pub index: String,
    /// The estimate.
    pub estimate: f64,
    /// Lower end of its bootstrap 95% interval.
    pub ci_low: Option<f64>,
    /// Upper end of that interval.
    pub ci_high: Option<f64>,
    /// Design points the estimate uses (trajectories for Morris, base samples for Sobol).
    pub n: u64,
}

/// Column names of sensitivity.csv.
pub const SENSITIVITY_HEADER: [&str; 8] = [
    "method",
    "output",
    "parameter",
    "index",
    "estimate",
    "ci_low",
    "ci_high",
    "n",
];

/// Writes `sensitivity.csv` and `manifest.json` (any serialisable value) into `dir`;
/// returns the path of the CSV file.
pub fn write_sensitivity(
    dir: &Path,
    rows: &[SensitivityRow],
    manifest: &serde_json::Value,
) -> Result<PathBuf, OutputError> {
    let path = dir.join(SENSITIVITY_CSV);
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(SENSITIVITY_HEADER)
        .map_err(|e| OutputError::csv(&path, e))?;
    let opt = |v: Option<f64>| v.filter(|x| x.is_finite()).map_or(String::new(), num);
    for row in rows {
        writer
            .write_record([
                row.method.clone(),
                row.output.clone(),
                row.parameter.clone(),
                row.index.clone(),
                num(row.estimate),
                opt(row.ci_low),
                opt(row.ci_high),
                row.n.to_string(),
            ])
            .map_err(|e| OutputError::csv(&path, e))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| OutputError::io(&path, e.into_error()))?;
    write_replacing(&path, &bytes)?;
    let manifest_path = dir.join(MANIFEST_JSON);
    let text = serde_json::to_string_pretty(manifest).map_err(|source| OutputError::Json {
        path: manifest_path.clone(),
        source,
    })?;
    write_replacing(&manifest_path, (text + "\n").as_bytes())?;
    Ok(path)
}
