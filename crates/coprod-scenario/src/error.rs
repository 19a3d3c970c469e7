//! The one error type of the scenario layer: a message, where it happened, and a hint.
//!
//! Owns turning byte spans into `file:line:column` plus a source excerpt; it does not
//! decide what is wrong (that is `scenario.rs`, `values.rs` and `settings.rs`).

use std::fmt;
use std::ops::Range;

/// Why a scenario (file, `--set` option or shipped name) cannot be used.
///
/// `Display` gives `origin:line:column: message`, a source excerpt with a caret, and a
/// `hint:` line when there is an obvious fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// Where the input came from: a file path, a shipped scenario name or `--set`.
    pub origin: String,
    /// 1-based line and column of the offending key or value, if known.
    pub location: Option<(usize, usize)>,
    /// What is wrong, as a lowercase phrase naming the key and value.
    pub message: String,
    /// How to fix it, if there is an obvious fix (for example a did-you-mean).
    pub hint: Option<String>,
    excerpt: Option<String>,
}

impl ScenarioError {
    /// An error with no position (for example about a `--set` option).
    pub fn new(origin: impl Into<String>, message: impl Into<String>) -> ScenarioError {
        ScenarioError {
            origin: origin.into(),
            location: None,
            message: message.into(),
            hint: None,
            excerpt: None,
        }
    }

    /// An error at byte range `span` of `source`, with a source excerpt.
    pub fn at(
        origin: impl Into<String>,
        source: &str,
        span: Option<Range<usize>>,
        message: impl Into<String>,
    ) -> ScenarioError {
        let mut err = ScenarioError::new(origin, message);
        if let Some(span) = span {
            let (line, column) = line_column(source, span.start);
            err.location = Some((line, column));
            err.excerpt = Some(excerpt(source, line, column, &span));
        }
        err
    }

    /// Adds a `hint:` line.
    pub fn with_hint(mut self, hint: Option<String>) -> ScenarioError {
        self.hint = hint;
        self
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.location {
            Some((line, column)) => write!(f, "{}:{line}:{column}: {}", self.origin, self.message)?,
            None => write!(f, "{}: {}", self.origin, self.message)?,
        }
        if let Some(excerpt) = &self.excerpt {
            write!(f, "\n{excerpt}")?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n\nhint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

/// 1-based line and column (in characters) of byte `offset`.
fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = &source[..floor_char_boundary(source, offset)];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// The offending line with a gutter and carets under the span (clipped to the line).
fn excerpt(source: &str, line: usize, column: usize, span: &Range<usize>) -> String {
    let text = source.lines().nth(line - 1).unwrap_or("");
    let available = text.chars().count().saturating_sub(column - 1).max(1);
    let width = source
        .get(span.clone())
        .map_or(1, |s| s.lines().next().unwrap_or("").chars().count())
        .clamp(1, available);
    let gutter = " ".repeat(line.to_string().len());
    format!(
        "{gutter} |\n{line} | {text}\n{gutter} | {}{}",
        " ".repeat(column - 1),
        "^".repeat(width)
    )
}

/// Why a table of the file (`[sensitivity]`, `[calibration]`) is refused: the key path
/// below the table, what is wrong, and how to fix it when there is an obvious fix (the name
/// a misspelt one is closest to, as for a misspelt parameter or metric elsewhere).
pub(crate) struct TableError {
    pub(crate) path: Vec<String>,
    pub(crate) message: String,
    pub(crate) hint: Option<String>,
}

impl From<(Vec<String>, String)> for TableError {
    fn from((path, message): (Vec<String>, String)) -> TableError {
        TableError {
            path,
            message,
            hint: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_and_excerpt() {
        let src = "a = 1\nbb = 22\n";
        let err = ScenarioError::at("f.toml", src, Some(11..13), "bad value `22`")
            .with_hint(Some("use 1".into()));
        assert_eq!(err.location, Some((2, 6)));
        assert_eq!(
            err.to_string(),
            "f.toml:2:6: bad value `22`\n  |\n2 | bb = 22\n  |      ^^\n\nhint: use 1"
        );
    }

    #[test]
    fn a_span_inside_a_character_points_at_that_character() {
        // Columns count characters: a span starting inside the 3-byte `€` is at its column,
        // not the next one (and does not panic on the char boundary).
        assert_eq!(line_column("a = \"€\"", 6), (1, 6));
        assert_eq!(line_column("a = \"€\"", 7), (1, 6));
        assert_eq!(line_column("a = \"€\"", 8), (1, 7));
    }
}
