//! Reading a small CSV input file whose header is fixed (the targets file of `coprod
//! calibrate`, the published values of `coprod compare --published`): every data row with
//! its line, or the line, column and message of the first fault.

use std::path::{Path, PathBuf};

/// A fault in the file: line (from 1; the header is line 1), column (from 1), message.
pub(crate) type Fault = (u64, usize, String);

/// Why a small input file (targets, published values) cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum InputFileError {
    /// The file cannot be read.
    #[error("cannot read {what} file {}: {reason}", path.display())]
    Io {
        /// What the file is for ("targets", "published-values").
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Why, as the OS says it.
        reason: String,
    },
    /// A header, row or field is wrong.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Bad {
        /// The file.
        path: PathBuf,
        /// Line, from 1 (the header is line 1).
        line: u64,
        /// Column, from 1.
        column: usize,
        /// What is wrong and what is allowed.
        message: String,
    },
}

impl InputFileError {
    /// A fault at `line` and `column` of `path`.
    pub(crate) fn bad(path: &Path, line: u64, column: usize, message: String) -> InputFileError {
        InputFileError::Bad {
            path: path.to_path_buf(),
            line,
            column,
            message,
        }
    }
}

/// The text of the `what` file at `path`.
pub(crate) fn read_text(path: &Path, what: &'static str) -> Result<String, InputFileError> {
    std::fs::read_to_string(path).map_err(|e| InputFileError::Io {
        what,
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// The data rows of `text`, each with its line, after checking that every row has exactly
/// `columns.len()` fields and that the header is `columns`.
pub(crate) fn checked_rows(
    text: &str,
    columns: &[&str],
) -> Result<Vec<(u64, csv::StringRecord)>, Fault> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(i as u64 + 1, |p| p.line());
            (line, 1, format!("not valid CSV: {e}"))
        })?;
        let line = record.position().map_or(i as u64 + 1, |p| p.line());
        if record.len() != columns.len() {
            return Err((
                line,
                record.len().min(columns.len()) + 1,
                format!(
                    "{} fields, expected {}: {}",
                    record.len(),
                    columns.len(),
                    columns.join(",")
                ),
            ));
        }
        if i == 0 {
            for (c, (found, want)) in record.iter().zip(columns).enumerate() {
                if found.trim() != *want {
                    return Err((line, c + 1, format!("header `{found}`, expected `{want}`")));
                }
            }
            continue;
        }
        rows.push((line, record));
    }
    Ok(rows)
}

/// `Ok` if `name` is one of `metrics`, else the message naming the allowed ones.
pub(crate) fn known_metric(metrics: &[&str], name: &str) -> Result<(), String> {
    if metrics.contains(&name) {
        Ok(())
    } else {
        Err(format!(
            "unknown metric `{name}`: allowed are {}",
            metrics.join(", ")
        ))
    }
}
