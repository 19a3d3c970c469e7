//! `parameters.csv`: every model parameter as it ran, per variant and sweep point, with the
//! layer its value came from (default, scenario, variant, sweep, set, quick). Columns are in
//! docs/outputs.md.
//!
//! Owns the columns and writing the file; the reader is [`crate::read::read_parameters`].

use std::path::{Path, PathBuf};

use crate::OutputError;
use crate::files::write_csv;

/// File name of the as-run parameter table.
pub const PARAMETERS_CSV: &str = "parameters.csv";

/// The words of parameters.csv's `source` column, in the order of the layers (each later
/// one overrides the earlier): what `coprod_scenario::ParamSource` writes, and all a reader
/// accepts.
pub const PARAMETER_SOURCES: &[&str] = &["default", "scenario", "variant", "sweep", "set", "quick"];

/// One row of `parameters.csv`: one parameter of one (variant, sweep point).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParameterRow {
    /// Variant name.
    pub variant: String,
    /// Sweep point, one value per swept parameter, as in runs.csv.
    pub point: Vec<String>,
    /// Dotted parameter name.
    pub parameter: String,
    /// Value as a scenario file would write it.
    pub value: String,
    /// Unit.
    pub unit: String,
    /// Where the value came from: `default`, `scenario`, `variant`, `sweep`, `set`, `quick`.
    pub source: String,
}

/// Column names of parameters.csv for the given swept parameters.
pub fn parameters_header(swept: &[String]) -> Vec<String> {
    let mut header = vec!["variant".to_string()];
    header.extend(swept.iter().cloned());
    header.extend(["parameter", "value", "unit", "source"].map(String::from));
    header
}

/// Writes `parameters.csv` into `dir` atomically and returns its path.
///
/// # Errors
/// [`OutputError`] naming the file when it cannot be written.
pub fn write_parameters(
    dir: &Path,
    swept: &[String],
    rows: &[ParameterRow],
) -> Result<PathBuf, OutputError> {
    let path = dir.join(PARAMETERS_CSV);
    let records = rows.iter().map(|row| {
        let mut record = vec![row.variant.clone()];
        record.extend(row.point.iter().cloned());
        record.extend([
            row.parameter.clone(),
            row.value.clone(),
            row.unit.clone(),
            row.source.clone(),
        ]);
        record
    });
    write_csv(&path, &parameters_header(swept), records)?;
    Ok(path)
}
