//! `comparison.csv`: each variant against a reference variant (the baseline unless
//! `--against` names another), per sweep point and key metric,
//! paired on common random numbers (docs/comparison.md, columns in docs/outputs.md).
//!
//! Owns the columns and writing the file; the statistics are `coprod-analysis`'s.

use std::path::{Path, PathBuf};

use crate::OutputError;
use crate::files::{optional, write_csv};

/// File name of the comparison table.
pub const COMPARISON_CSV: &str = "comparison.csv";

/// One row of `comparison.csv`: one variant against the reference variant at one sweep
/// point on one metric. `None` is written as an empty cell.
#[derive(Clone, Debug, PartialEq)]
pub struct ComparisonRow {
    /// Variant name.
    pub variant: String,
    /// The reference variant it is compared with (`baseline` unless `--against` names another).
    pub against: String,
    /// Sweep point, one value per swept parameter, as in runs.csv.
    pub point: Vec<String>,
    /// End-of-run metric.
    pub metric: String,
    /// Replications paired: present in both and with a value in both.
    pub n: u64,
    /// Mean of the reference variant over those replications (NaN, an empty cell, if none).
    pub against_mean: f64,
    /// Mean of the variant over those replications (NaN, an empty cell, if none).
    pub variant_mean: f64,
    /// Mean of the per-replication differences, variant minus reference (NaN, an empty
    /// cell, if none).
    pub difference: f64,
    /// Lower end of the 95% t-interval of `difference`.
    pub ci_low: Option<f64>,
    /// Upper end of that interval.
    pub ci_high: Option<f64>,
    /// Standard deviation of the per-replication differences.
    pub sd_difference: Option<f64>,
    /// Cohen's d_z: `difference / sd_difference`.
    pub effect_size_dz: Option<f64>,
    /// Two-sided p-value of the paired t-test of no difference.
    pub p_value: Option<f64>,
    /// The p-value after Holm's adjustment within its family: the rows of one variant, one
    /// reference and one metric (its sweep points).
    pub p_holm: Option<f64>,
}

/// Column names of comparison.csv for the given swept parameters.
pub fn comparison_header(swept: &[String]) -> Vec<String> {
    let mut header = vec!["variant".to_string(), "against".to_string()];
    header.extend(swept.iter().cloned());
    header.extend(
        [
            "metric",
            "n",
            "against_mean",
            "variant_mean",
            "difference",
            "ci_low",
            "ci_high",
            "sd_difference",
            "effect_size_dz",
            "p_value",
            "p_holm",
        ]
        .map(String::from),
    );
    header
}

/// Writes `comparison.csv` into `dir` (under a temporary name, then renamed) and returns
/// its path.
pub fn write_comparison(
    dir: &Path,
    swept: &[String],
    rows: &[ComparisonRow],
) -> Result<PathBuf, OutputError> {
    let path = dir.join(COMPARISON_CSV);
    let records = rows.iter().map(|row| {
        let mut record = vec![row.variant.clone(), row.against.clone()];
        record.extend(row.point.iter().cloned());
        record.extend([
            row.metric.clone(),
            row.n.to_string(),
            optional(Some(row.against_mean)),
            optional(Some(row.variant_mean)),
            optional(Some(row.difference)),
            optional(row.ci_low),
            optional(row.ci_high),
            optional(row.sd_difference),
            optional(row.effect_size_dz),
            optional(row.p_value),
            optional(row.p_holm),
        ]);
        record
    });
    write_csv(&path, &comparison_header(swept), records)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The file a user opens: swept parameters sit between `against` and `metric`, every
    /// column is filled from its own field, and a missing or non-finite value is an empty
    /// cell rather than `NaN`.
    #[test]
    fn writes_one_row_per_comparison_with_empty_missing_cells() {
        let dir = tempfile::tempdir().unwrap();
        let swept = vec!["alpha".to_string()];
        let rows = [ComparisonRow {
            variant: "v1".into(),
            against: "baseline".into(),
            point: vec!["0.5".into()],
            metric: "groups".into(),
            n: 3,
            against_mean: 1.5,
            variant_mean: 2.0,
            difference: 0.5,
            ci_low: Some(-0.25),
            ci_high: Some(1.25),
            sd_difference: Some(0.3),
            effect_size_dz: None,
            p_value: Some(f64::NAN),
            p_holm: Some(0.04),
        }];
        let path = write_comparison(dir.path(), &swept, &rows).unwrap();
        assert_eq!(path, dir.path().join(COMPARISON_CSV));
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "variant,against,alpha,metric,n,against_mean,variant_mean,difference,ci_low,\
             ci_high,sd_difference,effect_size_dz,p_value,p_holm\n\
             v1,baseline,0.5,groups,3,1.5,2,0.5,-0.25,1.25,0.3,,,0.04\n"
        );
    }
}
