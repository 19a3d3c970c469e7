//! How every output file reaches the disk: numbers in one format, whole files written under a
//! temporary name, synced and renamed into place.
//!
//! Owns the file mechanics shared by the run tables, the manifests and the comparison,
//! sensitivity and validation tables; knows nothing about their columns.

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::OutputError;

/// Formats a float with Rust's shortest round-trip `Display`, as in every CSV file.
pub(crate) fn num(v: f64) -> String {
    v.to_string()
}

/// A float cell that is empty when the value is missing or not finite.
pub(crate) fn optional(v: Option<f64>) -> String {
    v.filter(|x| x.is_finite()).map_or_else(String::new, num)
}

/// Writes `bytes` to a temporary file beside `path`, syncs it, then renames it over `path`,
/// so a reader never sees a half-written file. The temporary file's name carries the
/// process id, so two processes writing the same file (a cluster job submitted again while
/// the first still runs) never write into one temporary file.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let written = File::create(&tmp)
        .and_then(|mut file| {
            file.write_all(bytes)?;
            file.sync_all()
        })
        .map_err(|e| OutputError::io(&tmp, e))
        .and_then(|()| fs::rename(&tmp, path).map_err(|e| OutputError::io(path, e)));
    if written.is_err() {
        // A full disk or a vanished folder must not leave the temporary file behind, where
        // a resumed run would carry it into the finished directory.
        let _ = fs::remove_file(&tmp);
    }
    written
}

/// Writes `value` as pretty JSON with a final newline, atomically.
pub(crate) fn write_json(path: &Path, value: &impl Serialize) -> Result<(), OutputError> {
    let mut json = serde_json::to_string_pretty(value).map_err(|source| OutputError::Json {
        path: path.to_path_buf(),
        source,
    })?;
    json.push('\n');
    write_atomically(path, json.as_bytes())
}

/// Writes a whole CSV file (header, then records), atomically.
pub(crate) fn write_csv<R, F>(
    path: &Path,
    header: &[String],
    records: impl IntoIterator<Item = R>,
) -> Result<(), OutputError>
where
    R: IntoIterator<Item = F>,
    F: AsRef<[u8]>,
{
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer
        .write_record(header)
        .map_err(|e| OutputError::csv(path, e))?;
    for record in records {
        writer
            .write_record(record)
            .map_err(|e| OutputError::csv(path, e))?;
    }
    let bytes = writer
        .into_inner()
        .map_err(|e| OutputError::io(path, e.into_error()))?;
    write_atomically(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A write that fails after its temporary file was made (here the rename: a folder
    /// stands where the file should go) leaves no temporary file behind.
    #[test]
    fn a_failed_write_leaves_no_temporary_file() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("manifest.json");
        fs::create_dir(&path).unwrap();
        fs::write(path.join("inside"), "x").unwrap();
        assert!(write_atomically(&path, b"{}").is_err());
        let names: Vec<String> = fs::read_dir(tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["manifest.json"]);
        write_atomically(&tmp.path().join("ok.json"), b"{}").unwrap();
        assert_eq!(
            fs::read_to_string(tmp.path().join("ok.json")).unwrap(),
            "{}"
        );
    }
}
