//! The published-values file of `coprod compare --published` (docs/calibration.md, section
//! 3): what the literature reports for a design the run simulates, one claim per row, with
//! where it was read.
//!
//! Owns the columns and their checks; errors name the file, line and column.

use std::path::Path;

use crate::csv_rows::{InputFileError, read_text};

/// Columns of a published-values file, in order.
pub const PUBLISHED_COLUMNS: [&str; 8] = [
    "variant", "metric", "kind", "value", "se", "design", "source", "read_in",
];

/// What a row states about its variant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PublishedKind {
    /// The variant's own mean (of the metric over the run).
    Level,
    /// The variant's difference from the baseline.
    Effect,
}

/// The sign a source gives an effect when it gives no number.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sign {
    /// The design raises the metric.
    Positive,
    /// The design lowers it.
    Negative,
    /// The design leaves it unchanged (the source finds no effect).
    None,
}

/// A published value: a number in the metric's unit, or (for an effect) only its sign.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PublishedValue {
    /// A number in the metric's unit.
    Number(f64),
    /// Only the direction of an effect.
    Sign(Sign),
}

/// One row of a published-values file.
#[derive(Clone, Debug, PartialEq)]
pub struct Published {
    /// Line in the file (from 1; the header is line 1), for messages.
    pub line: u64,
    /// The run's variant the claim is about (`baseline` for the reference design).
    pub variant: String,
    /// An end-of-run metric of docs/outputs.md.
    pub metric: String,
    /// A level or an effect.
    pub kind: PublishedKind,
    /// The value.
    pub value: PublishedValue,
    /// Its standard error, if the source gives one (numbers only).
    pub se: Option<f64>,
    /// The published design in words (group size, MPCR, matching, endowment, rounds).
    pub design: String,
    /// Where the value is published (author, year, journal, table or figure).
    pub source: String,
    /// The text it was read in (the paper, its abstract, a survey, a data file).
    pub read_in: String,
}

/// Reads a published-values file; `metrics` are the allowed metric names, and `lab` says
/// whether the run compared is a lab run (its errors then name the lab's units).
pub fn read_published(
    path: &Path,
    metrics: &[&str],
    lab: bool,
) -> Result<Vec<Published>, InputFileError> {
    let text = read_text(path, "published-values")?;
    parse_published(&text, path, metrics, lab)
}

/// Parses the text of a published-values file (see [`read_published`]).
pub fn parse_published(
    text: &str,
    path: &Path,
    metrics: &[&str],
    lab: bool,
) -> Result<Vec<Published>, InputFileError> {
    let bad = |line, column, message| InputFileError::bad(path, line, column, message);
    let records = crate::csv_rows::checked_rows(text, &PUBLISHED_COLUMNS)
        .map_err(|(line, column, message)| bad(line, column, message))?;
    let mut rows = Vec::new();
    for (line, record) in records {
        let row = parse_row(line, &record, metrics, lab)
            .map_err(|(column, message)| bad(line, column, message))?;
        rows.push(row);
    }
    if rows.is_empty() {
        return Err(bad(
            1,
            1,
            "no published values: the file needs at least one row after the header".into(),
        ));
    }
    Ok(rows)
}

/// The row at `line`, its fields checked in column order; an error gives the column at
/// fault (from 1) and what is wrong.
fn parse_row(
    line: u64,
    record: &csv::StringRecord,
    metrics: &[&str],
    lab: bool,
) -> Result<Published, (usize, String)> {
    let field = |c: usize| record[c].trim();
    let variant = field(0).to_string();
    if variant.is_empty() {
        return Err((1, "empty variant: name a variant of the run".into()));
    }
    let metric = field(1).to_string();
    crate::csv_rows::known_metric(metrics, &metric).map_err(|m| (2, m))?;
    let kind = parse_kind(field(2)).map_err(|m| (3, m))?;
    let value = parse_value(kind, field(3)).map_err(|m| (4, m))?;
    check_range((&metric, lab), kind, value, field(3)).map_err(|m| (4, m))?;
    let se = parse_se(field(4), value).map_err(|m| (5, m))?;
    let source = field(6).to_string();
    if source.is_empty() {
        return Err((7, "empty source: say where the value is published".into()));
    }
    let read_in = field(7).to_string();
    if read_in.is_empty() {
        return Err((
            8,
            "empty read_in: say which text the value was read in".into(),
        ));
    }
    Ok(Published {
        line,
        variant,
        metric,
        kind,
        value,
        se,
        design: field(5).to_string(),
        source,
        read_in,
    })
}

fn parse_kind(text: &str) -> Result<PublishedKind, String> {
    match text {
        "level" => Ok(PublishedKind::Level),
        "effect" => Ok(PublishedKind::Effect),
        other => Err(format!("kind `{other}`: allowed are level, effect")),
    }
}

/// A number, or for an effect also a sign.
fn parse_value(kind: PublishedKind, text: &str) -> Result<PublishedValue, String> {
    match (kind, text) {
        (PublishedKind::Effect, "positive") => Ok(PublishedValue::Sign(Sign::Positive)),
        (PublishedKind::Effect, "negative") => Ok(PublishedValue::Sign(Sign::Negative)),
        (PublishedKind::Effect, "none") => Ok(PublishedValue::Sign(Sign::None)),
        (_, text) => match text.parse::<f64>() {
            Ok(v) if v.is_finite() => Ok(PublishedValue::Number(v)),
            _ => {
                let allowed = match kind {
                    PublishedKind::Level => "a finite number",
                    PublishedKind::Effect => "a finite number, positive, negative or none",
                };
                Err(format!("value `{text}`: allowed is {allowed}"))
            }
        },
    }
}

/// A number the metric can take: a level within the range of the metric's unit (a share
/// from 0 to 1, a count at least 0), an effect within the differences of two such values.
fn check_range(
    (metric, lab): (&str, bool),
    kind: PublishedKind,
    value: PublishedValue,
    text: &str,
) -> Result<(), String> {
    let PublishedValue::Number(v) = value else {
        return Ok(());
    };
    let Some((unit, range)) = crate::stats::metric_range_in(metric, lab) else {
        return Ok(());
    };
    let (low, high, what) = match kind {
        PublishedKind::Level => (range.0, range.1, "a level"),
        PublishedKind::Effect => {
            let (low, high) = crate::stats::difference_range(range);
            (low, high, "an effect (a difference of two levels)")
        }
    };
    if (low..=high).contains(&v) {
        return Ok(());
    }
    let allowed = if high.is_finite() {
        format!("from {low} to {high}")
    } else {
        format!("at least {low}")
    };
    Err(format!(
        "value `{text}`: allowed for {what} of `{metric}` ({unit}) is a number {allowed}"
    ))
}

/// The standard error of `value`: none when empty; only a number has one.
fn parse_se(text: &str, value: PublishedValue) -> Result<Option<f64>, String> {
    match text {
        "" => Ok(None),
        text => match (text.parse::<f64>(), value) {
            (Ok(se), PublishedValue::Number(_)) if se.is_finite() && se > 0.0 => Ok(Some(se)),
            (_, PublishedValue::Sign(_)) => Err(format!(
                "se `{text}` for a sign: leave se empty when value is a sign"
            )),
            _ => Err(format!("se `{text}`: allowed is empty or a number > 0")),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: &[&str] = &["mean_contribution"];
    const H: &str = "variant,metric,kind,value,se,design,source,read_in\n";

    fn parse(text: &str) -> Result<Vec<Published>, InputFileError> {
        parse_published(text, Path::new("p.csv"), M, false)
    }

    #[test]
    fn reads_numbers_and_signs() {
        let rows = parse(&format!(
            "{H}baseline,mean_contribution,level,0.24,0.017,\"n=4, MPCR 0.4\",\"FG 2010, Fig. 1\",data\n\
             partners,mean_contribution,effect,positive,,,Zelmer 2003,abstract\n\
             groups-of-10,mean_contribution,effect,none,,,Isaac and Walker 1988,abstract\n"
        ))
        .unwrap();
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[0].value, PublishedValue::Number(0.24));
        assert_eq!(rows[0].se, Some(0.017));
        assert_eq!(rows[0].design, "n=4, MPCR 0.4");
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[1].value, PublishedValue::Sign(Sign::Positive));
        assert_eq!(rows[1].kind, PublishedKind::Effect);
        assert_eq!(rows[2].value, PublishedValue::Sign(Sign::None));
        assert_eq!(rows[2].line, 4);
    }

    #[test]
    fn bad_files_name_line_and_column() {
        let row = |fields: &str| format!("{H}{fields}\n");
        let cases = [
            (
                "variant,metric,kind,number,se,design,source,read_in\n".to_string(),
                "p.csv:1:4:",
            ),
            (row(",mean_contribution,level,0.2,,d,s,r"), "p.csv:2:1:"),
            (row("b,nope,level,0.2,,d,s,r"), "p.csv:2:2:"),
            (row("b,mean_contribution,slope,0.2,,d,s,r"), "p.csv:2:3:"),
            (
                row("b,mean_contribution,level,positive,,d,s,r"),
                "p.csv:2:4:",
            ),
            (row("b,mean_contribution,effect,up,,d,s,r"), "p.csv:2:4:"),
            (row("b,mean_contribution,level,0.2,-1,d,s,r"), "p.csv:2:5:"),
            (
                row("b,mean_contribution,effect,none,0.1,d,s,r"),
                "p.csv:2:5:",
            ),
            (row("b,mean_contribution,level,0.2,,d,,r"), "p.csv:2:7:"),
            (row("b,mean_contribution,level,0.2,,d,s,"), "p.csv:2:8:"),
            (row("b,mean_contribution,level,0.2,,d,s"), "p.csv:2:8:"),
            (
                format!(
                    "{H}b,mean_contribution,level,0.2,,d,s,r\nb,mean_contribution,level,x,,d,s,r\n"
                ),
                "p.csv:3:4:",
            ),
            (H.to_string(), "p.csv:1:1:"),
        ];
        for (text, want) in cases {
            let e = parse(&text).unwrap_err().to_string();
            assert!(e.starts_with(want), "{text:?}: {e}");
        }
    }

    /// A value must be a finite number, and a standard error greater than 0; a sign has
    /// no standard error, and the message says so rather than asking for a number.
    #[test]
    fn values_and_standard_errors_must_be_usable() {
        let row = |fields: &str| format!("{H}{fields}\n");
        for value in ["inf", "NaN"] {
            let e = parse(&row(&format!("b,mean_contribution,level,{value},,d,s,r")))
                .unwrap_err()
                .to_string();
            assert!(e.starts_with("p.csv:2:4:"), "{value}: {e}");
        }
        let e = parse(&row("b,mean_contribution,level,0.2,0,d,s,r"))
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("p.csv:2:5:"), "{e}");
        let e = parse(&row("b,mean_contribution,effect,positive,0.1,d,s,r"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("leave se empty when value is a sign"), "{e}");
    }

    /// A number outside what the metric can take is refused, naming the allowed range: a
    /// level of a share above 1, an effect on a share beyond -1 to 1, a negative count.
    #[test]
    fn values_must_lie_in_the_metric_range() {
        let parse_in = |fields: &str, lab: bool| {
            parse_published(
                &format!("{H}{fields}\n"),
                Path::new("p.csv"),
                &["participation_rate", "groups_formed", "mean_contribution"],
                lab,
            )
        };
        let parse_with = |fields: &str| parse_in(fields, false);
        // A lab run's claims are refused in the lab's units, not the field's.
        let e = parse_in("b,mean_contribution,level,5,,d,s,r", true)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("allowed for a level of `mean_contribution` (share of endowment)"),
            "{e}"
        );
        for fields in [
            "b,participation_rate,level,0,,d,s,r",
            "b,participation_rate,level,1,,d,s,r",
            "b,participation_rate,effect,-1,,d,s,r",
            "b,groups_formed,level,1e6,,d,s,r",
            "b,groups_formed,effect,-1e6,,d,s,r",
        ] {
            assert!(parse_with(fields).is_ok(), "{fields}");
        }
        let e = parse_with("b,participation_rate,level,5,,d,s,r")
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with(
                "p.csv:2:4: value `5`: allowed for a level of `participation_rate` (share of \
                 citizens) is a number from 0 to 1"
            ),
            "{e}"
        );
        let e = parse_with("b,participation_rate,effect,1.5,,d,s,r")
            .unwrap_err()
            .to_string();
        assert!(e.contains("is a number from -1 to 1"), "{e}");
        let e = parse_with("b,groups_formed,level,-2,,d,s,r")
            .unwrap_err()
            .to_string();
        assert!(e.contains("is a number at least 0"), "{e}");
    }

    #[test]
    fn a_missing_file_is_named() {
        let e = read_published(Path::new("/nonexistent/p.csv"), M, false)
            .unwrap_err()
            .to_string();
        assert!(e.contains("/nonexistent/p.csv"), "{e}");
    }
}
