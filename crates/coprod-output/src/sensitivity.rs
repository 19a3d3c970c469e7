//! `sensitivity.csv` and the manifest of a `coprod sensitivity` directory
//! (docs/sensitivity.md, columns in docs/outputs.md).
//!
//! Owns the columns and writing the files; the designs and estimators are
//! `coprod-analysis`'s.

use std::path::{Path, PathBuf};

use crate::files::{num, optional, write_csv, write_json};
use crate::{MANIFEST_JSON, OutputError};

/// File name of the sensitivity table.
pub const SENSITIVITY_CSV: &str = "sensitivity.csv";
/// File name of the design table (one row per run of the design).
pub const DESIGN_CSV: &str = "design.csv";

/// One row of `design.csv`: one run of one design point.
#[derive(Clone, Debug, PartialEq)]
pub struct DesignRow {
    /// Design point number, from 0 (Morris points first, then Sobol points).
    pub point: u64,
    /// `morris` or `sobol`: the design the point belongs to.
    pub method: &'static str,
    /// Replication index, from 0.
    pub replication: u32,
    /// The run's seed.
    pub seed: u64,
    /// Value of each varied parameter, in the order of the header.
    pub values: Vec<String>,
    /// Value of each analysed output, in the order of the header; NaN (an empty cell) where
    /// it is missing.
    pub outputs: Vec<f64>,
}

/// Writes `design.csv` into `dir`: `point`, `method`, `replication`, `seed`, one column per
/// parameter, one per output. Returns its path.
pub fn write_design(
    dir: &Path,
    parameters: &[String],
    outputs: &[String],
    rows: &[DesignRow],
) -> Result<PathBuf, OutputError> {
    let path = dir.join(DESIGN_CSV);
    let mut header: Vec<String> = ["point", "method", "replication", "seed"]
        .map(String::from)
        .to_vec();
    header.extend(parameters.iter().cloned());
    header.extend(outputs.iter().cloned());
    let records = rows.iter().map(|row| {
        let mut record = vec![
            row.point.to_string(),
            row.method.to_string(),
            row.replication.to_string(),
            row.seed.to_string(),
        ];
        record.extend(row.values.iter().cloned());
        // A missing output (a group metric of a run in which no group started) is empty.
        record.extend(row.outputs.iter().map(|v| optional(Some(*v))));
        record
    });
    write_csv(&path, &header, records)?;
    Ok(path)
}

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
    let records = rows.iter().map(|row| {
        [
            row.method.clone(),
            row.output.clone(),
            row.parameter.clone(),
            row.index.clone(),
            num(row.estimate),
            optional(row.ci_low),
            optional(row.ci_high),
            row.n.to_string(),
        ]
    });
    write_csv(&path, &SENSITIVITY_HEADER.map(String::from), records)?;
    write_json(&dir.join(MANIFEST_JSON), manifest)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// design.csv has one row per design point and replication, parameters then outputs,
    /// with a missing output as an empty cell.
    #[test]
    fn the_design_is_written_row_by_row() {
        let tmp = tempfile::tempdir().unwrap();
        let rows = [DesignRow {
            point: 3,
            method: "morris",
            replication: 1,
            seed: 42,
            values: vec!["0.25".into()],
            outputs: vec![1.5, f64::NAN],
        }];
        let path = write_design(
            tmp.path(),
            &["levers.outreach".into()],
            &["groups_started".into(), "share_active_at_end".into()],
            &rows,
        )
        .unwrap();
        assert_eq!(path, tmp.path().join(DESIGN_CSV));
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "point,method,replication,seed,levers.outreach,groups_started,share_active_at_end\n\
             3,morris,1,42,0.25,1.5,\n"
        );
    }

    /// sensitivity.csv and the directory's manifest are both written.
    #[test]
    fn indices_and_manifest_are_written() {
        let tmp = tempfile::tempdir().unwrap();
        let rows = [SensitivityRow {
            method: "sobol".into(),
            output: "groups_started".into(),
            parameter: "levers.outreach".into(),
            index: "S1".into(),
            estimate: 0.5,
            ci_low: Some(0.25),
            ci_high: None,
            n: 64,
        }];
        let manifest = serde_json::json!({"kind": "sensitivity"});
        let path = write_sensitivity(tmp.path(), &rows, &manifest).unwrap();
        assert_eq!(path, tmp.path().join(SENSITIVITY_CSV));
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "method,output,parameter,index,estimate,ci_low,ci_high,n\n\
             sobol,groups_started,levers.outreach,S1,0.5,0.25,,64\n"
        );
        let written: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(tmp.path().join(MANIFEST_JSON)).unwrap())
                .unwrap();
        assert_eq!(written, manifest);
    }
}
