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

/// The text of an input file (a scenario, targets, published values); a file that is not
/// UTF-8 is an error naming the line and column of its first invalid byte (the standard
/// library's error names neither). A leading byte-order mark, which some editors save, is
/// dropped: the readers after this one would count it as a column or keep it in a key.
pub fn read_utf8(path: &Path) -> std::io::Result<String> {
    let text = String::from_utf8(std::fs::read(path)?).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = 1 + valid.iter().filter(|&&b| b == b'\n').count();
        let start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        // Valid up to here, so the line's characters can be counted.
        let column = 1 + std::str::from_utf8(&valid[start..]).map_or(0, |s| s.chars().count());
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("line {line}, column {column}: not valid UTF-8 (save the file as UTF-8 text)"),
        )
    })?;
    Ok(match text.strip_prefix(BOM) {
        Some(rest) => rest.to_string(),
        None => text,
    })
}

/// The byte-order mark: the csv reader skips it, so it is no column of line 1.
const BOM: char = '\u{feff}';

/// The text of the `what` file at `path`.
pub(crate) fn read_text(path: &Path, what: &'static str) -> Result<String, InputFileError> {
    read_utf8(path).map_err(|e| InputFileError::Io {
        what,
        path: path.to_path_buf(),
        reason: e.to_string(),
    })
}

/// Where the quoted field that runs to the end of `text` opens (line and column, from 1),
/// if one does: the csv reader takes such a field to the end of the file without an error,
/// so a file cut in the middle of a quoted field would read as complete. Only a quote that
/// starts a field opens one (the reader keeps a quote inside an unquoted field as text), and
/// a doubled quote inside a quoted field is a quote, not its end.
fn unterminated_quote(text: &str) -> Option<(u64, usize)> {
    enum At {
        FieldStart,
        InField,
        Quoted,
        QuoteInQuoted,
    }
    let (mut line, mut column) = (1u64, 0usize);
    let (mut at, mut opened) = (At::FieldStart, (1, 1));
    for c in text.strip_prefix(BOM).unwrap_or(text).chars() {
        column += 1;
        at = match (at, c) {
            (At::FieldStart, '"') => {
                opened = (line, column);
                At::Quoted
            }
            (At::Quoted, '"') => At::QuoteInQuoted,
            (At::QuoteInQuoted, '"') | (At::Quoted, _) => At::Quoted,
            (_, ',' | '\n') => At::FieldStart,
            _ => At::InField,
        };
        if c == '\n' {
            (line, column) = (line + 1, 0);
        }
    }
    matches!(at, At::Quoted).then_some(opened)
}

/// The data rows of `text`, each with its line, after checking that every row has exactly
/// `columns.len()` fields and that the header is `columns`.
pub(crate) fn checked_rows(
    text: &str,
    columns: &[&str],
) -> Result<Vec<(u64, csv::StringRecord)>, Fault> {
    if let Some((line, column)) = unterminated_quote(text) {
        return Err((
            line,
            column,
            "a quoted field is not closed before the end of the file (is the file cut short?)"
                .into(),
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    // The reader skips blank lines without counting them, and a row's position is where the
    // previous row ended: the row's line is counted from its first byte after the line
    // breaks in between.
    let line_at = |position: Option<&csv::Position>, i: usize| {
        position.map_or(i as u64 + 1, |p| {
            let bytes = text.as_bytes();
            let mut start = (p.byte() as usize).min(bytes.len());
            while bytes.get(start).is_some_and(|b| matches!(b, b'\r' | b'\n')) {
                start += 1;
            }
            1 + bytes[..start].iter().filter(|&&b| b == b'\n').count() as u64
        })
    };
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record =
            record.map_err(|e| (line_at(e.position(), i), 1, format!("not valid CSV: {e}")))?;
        let line = line_at(record.position(), i);
        if record.len() != columns.len() {
            let found = match record.len() {
                1 => "1 field".to_string(),
                n => format!("{n} fields"),
            };
            return Err((
                line,
                record.len().min(columns.len()) + 1,
                format!(
                    "{found}, expected {} separated by commas: {}",
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
    if reader.position().record() == 0 {
        // Not "no rows after the header": there is no header either.
        return Err((
            1,
            1,
            format!(
                "the file is empty: its first line must be the header {}",
                columns.join(",")
            ),
        ));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_that_is_not_utf8_is_refused_at_its_first_bad_byte() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.toml");
        std::fs::write(&path, b"name = \"x\"\n# caf\xe9\n").unwrap();
        let e = read_utf8(&path).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
        assert!(
            e.to_string()
                .starts_with("line 2, column 6: not valid UTF-8"),
            "{e}"
        );
        std::fs::write(&path, "caf\u{e9}\n").unwrap();
        assert_eq!(read_utf8(&path).unwrap(), "caf\u{e9}\n");
    }

    /// A byte-order mark is dropped once, at the start only (a second one is text).
    #[test]
    fn a_leading_byte_order_mark_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.toml");
        std::fs::write(&path, "\u{feff}\u{feff}a\n").unwrap();
        assert_eq!(read_utf8(&path).unwrap(), "\u{feff}a\n");
    }

    /// The csv reader skips a byte-order mark, so a quote opening line 1 is at column 1.
    #[test]
    fn a_byte_order_mark_is_no_column_of_an_unclosed_quote() {
        assert_eq!(
            unterminated_quote("\u{feff}\"metric,source\n"),
            Some((1, 1))
        );
    }

    /// An empty file is told what its first line must be; a row of one field (a file
    /// separated by semicolons, say) is "1 field", and told the separator.
    #[test]
    fn an_empty_file_and_a_row_of_one_field_say_what_is_expected() {
        let columns = ["metric", "source"];
        for empty in ["", "\n\n"] {
            assert_eq!(
                checked_rows(empty, &columns).unwrap_err(),
                (
                    1,
                    1,
                    "the file is empty: its first line must be the header metric,source".into()
                )
            );
        }
        assert_eq!(
            checked_rows("metric;source\n", &columns).unwrap_err(),
            (
                1,
                2,
                "1 field, expected 2 separated by commas: metric,source".into()
            )
        );
        assert!(
            checked_rows("metric,source\n", &columns)
                .unwrap()
                .is_empty()
        );
    }

    /// Blank lines before a row (the reader skips them) count: the row's line is the
    /// file's, as an editor shows it, also after a field spanning two lines.
    #[test]
    fn rows_keep_their_line_in_the_file_after_blank_lines() {
        let text = "metric,source\n\n\nx,a\r\n\ny,\"two\nlines\"\nz,b\n";
        let lines: Vec<u64> = checked_rows(text, &["metric", "source"])
            .unwrap()
            .iter()
            .map(|(line, _)| *line)
            .collect();
        assert_eq!(lines, [4, 6, 8]);
        let short = "metric,source\n\nx\n";
        assert_eq!(checked_rows(short, &["metric", "source"]).unwrap_err().0, 3);
    }

    #[test]
    fn a_file_cut_inside_a_quoted_field_is_refused_where_the_field_opens() {
        let cut = "metric,source\nx,\"Smith (2020), p.\n";
        assert_eq!(unterminated_quote(cut), Some((2, 3)));
        let err = checked_rows(cut, &["metric", "source"]).unwrap_err();
        assert_eq!((err.0, err.1), (2, 3));
        assert!(err.2.contains("not closed"), "{}", err.2);
        // Closed fields, with a doubled quote inside and a line break inside, are fine.
        let whole = "metric,source\nx,\"say \"\"hi\"\"\"\ny,\"two\nlines\"\n";
        assert_eq!(unterminated_quote(whole), None);
        assert_eq!(checked_rows(whole, &["metric", "source"]).unwrap().len(), 2);
        // A quote inside an unquoted field is text to the reader, not the start of a field.
        let inch = "metric,source\nx,a 5\" screen\n";
        assert_eq!(unterminated_quote(inch), None);
        assert_eq!(checked_rows(inch, &["metric", "source"]).unwrap().len(), 1);
    }
}
