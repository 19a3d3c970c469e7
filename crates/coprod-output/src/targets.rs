//! The targets file of `coprod calibrate` (docs/calibration.md): one observed number per
//! row with its standard error and its source.
//!
//! Owns the columns and their checks; errors name the file, line and column.

use std::path::Path;

use crate::csv_rows::{InputFileError, read_text};

/// Columns of a targets file, in order.
pub const TARGET_COLUMNS: [&str; 5] = ["metric", "step", "observed", "se", "source"];

/// Largest magnitude of an observed value. Every metric is a share, a count or an amount
/// per citizen far below it; together with [`MIN_SE`] it keeps each standardised
/// difference `(simulated - observed) / se` and its square finite, so every simulation
/// has a distance (a larger value or a smaller se made the square overflow to infinity
/// and no simulation could be accepted).
pub const MAX_OBSERVED: f64 = 1e12;

/// Smallest standard error: far below any measured one, and above the sizes at which the
/// squared standardised difference overflows (see [`MAX_OBSERVED`]).
pub const MIN_SE: f64 = 1e-12;

/// One observed value the model is confronted with.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// A per-step metric of docs/outputs.md (for example `mean_contribution`).
    pub metric: String,
    /// The step (round) the value belongs to, from 0.
    pub step: u32,
    /// The observed value, in the metric's unit.
    pub observed: f64,
    /// Its standard error (at least [`MIN_SE`]): the scale of the distance.
    pub se: f64,
    /// Where the number comes from (author, year, table or figure).
    pub source: String,
}

/// Why a known metric cannot be a target of the scenario at hand, if it cannot (for
/// example one its setting does not report).
pub type Unreported<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Reads a targets file; `metrics` are the allowed metric names, `unreported` refuses those
/// of them that the scenario does not report, `steps` are the scenario's steps (a
/// target's step must be below it) and `lab` says whether the scenario runs the lab
/// setting (its errors then name the lab's units).
pub fn read_targets(
    path: &Path,
    metrics: &[&str],
    unreported: Unreported<'_>,
    steps: u32,
    lab: bool,
) -> Result<Vec<Target>, InputFileError> {
    let text = read_text(path, "targets")?;
    parse_targets(&text, path, metrics, unreported, steps, lab)
}

/// Parses the text of a targets file (see [`read_targets`]).
pub fn parse_targets(
    text: &str,
    path: &Path,
    metrics: &[&str],
    unreported: Unreported<'_>,
    steps: u32,
    lab: bool,
) -> Result<Vec<Target>, InputFileError> {
    let bad = |line, column, message| InputFileError::bad(path, line, column, message);
    let rows = crate::csv_rows::checked_rows(text, &TARGET_COLUMNS)
        .map_err(|(line, column, message)| bad(line, column, message))?;
    let mut targets: Vec<Target> = Vec::new();
    let mut lines: Vec<u64> = Vec::new();
    for (line, record) in rows {
        let target = parse_target(&record, metrics, unreported, steps, lab)
            .map_err(|(column, message)| bad(line, column, message))?;
        // Named with the line of the first, so that the user can see which of the two to keep.
        if let Some(first) = targets
            .iter()
            .position(|t| t.metric == target.metric && t.step == target.step)
        {
            return Err(bad(
                line,
                1,
                format!(
                    "`{}` at step {} is listed twice (first on line {}): allowed is one row \
                     per metric and step",
                    target.metric, target.step, lines[first]
                ),
            ));
        }
        targets.push(target);
        lines.push(line);
    }
    if targets.is_empty() {
        return Err(bad(
            1,
            1,
            "no targets: the file needs at least one row after the header".into(),
        ));
    }
    Ok(targets)
}

/// One row of a targets file, its fields checked in column order; an error gives the
/// column at fault (from 1) and what is wrong.
fn parse_target(
    record: &csv::StringRecord,
    metrics: &[&str],
    unreported: Unreported<'_>,
    steps: u32,
    lab: bool,
) -> Result<Target, (usize, String)> {
    let metric = record[0].trim().to_string();
    if !metrics.contains(&metric.as_str()) {
        // Only the metrics this scenario reports are offered (a lab's two, not all of them).
        let reported: Vec<&str> = metrics
            .iter()
            .copied()
            .filter(|m| unreported(m).is_none())
            .collect();
        crate::csv_rows::known_metric(&reported, &metric).map_err(|m| (1, m))?;
    }
    if let Some(why) = unreported(&metric) {
        return Err((1, format!("target `{metric}`: {why}")));
    }
    let step = parse_step(&record[1], steps).map_err(|m| (2, m))?;
    let observed = parse_observed(&record[2], &metric, lab).map_err(|m| (3, m))?;
    let se = finite_se(record)?;
    // Zero and negative values get the same allowed range as tiny ones: "a number > 0"
    // would promise that 1e-13 is allowed.
    if se <= 0.0 {
        return Err((
            4,
            format!(
                "se {}: allowed is {MIN_SE:e} or more (a standard error is positive)",
                record[3].trim()
            ),
        ));
    }
    if se < MIN_SE {
        return Err((
            4,
            format!(
                "se {}: allowed is {MIN_SE:e} or more (a smaller se makes the distance \
                 overflow)",
                record[3].trim()
            ),
        ));
    }
    let source = record[4].trim().to_string();
    if source.is_empty() {
        return Err((5, "empty source: say where the number comes from".into()));
    }
    Ok(Target {
        metric,
        step,
        observed,
        se,
        source,
    })
}

/// The observed value of `metric` in the field `text`: a number the metric can take, in
/// the range `compare --published` allows for a level of it (a share from 0 to 1, a count
/// or amount from 0), and within [`MAX_OBSERVED`] either side of 0. In the lab (`lab`)
/// the error names the lab's unit of the metric.
fn parse_observed(text: &str, metric: &str, lab: bool) -> Result<f64, String> {
    let bounded = crate::stats::metric_range_in(metric, lab);
    let (low, high) = bounded.map_or((-MAX_OBSERVED, MAX_OBSERVED), |(_, (low, high))| {
        (low.max(-MAX_OBSERVED), high.min(MAX_OBSERVED))
    });
    let allowed = match bounded {
        Some((unit, _)) => format!(
            "allowed for `{metric}` ({unit}) is a number from {} to {}",
            limit(low),
            limit(high)
        ),
        None => format!("allowed is -{MAX_OBSERVED:e} to {MAX_OBSERVED:e}"),
    };
    match text.trim().parse::<f64>() {
        Ok(v) if (low..=high).contains(&v) => Ok(v),
        Ok(v) if v.is_finite() => Err(format!("observed {}: {allowed}", text.trim())),
        _ => Err(format!("observed `{text}`: {allowed}")),
    }
}

/// A bound of an observed value as the user would type it (`1e12`, not 13 digits).
fn limit(v: f64) -> String {
    if v.abs() == MAX_OBSERVED {
        format!("{v:e}")
    } else {
        v.to_string()
    }
}

/// The step of the field `text`, below the scenario's `steps`.
fn parse_step(text: &str, steps: u32) -> Result<u32, String> {
    let step = text.trim().parse::<u32>().map_err(|_| {
        format!(
            "step `{text}`: allowed is a whole number from 0 to {} (the scenario runs \
                 {steps} steps)",
            steps.saturating_sub(1)
        )
    })?;
    if step >= steps {
        return Err(format!(
            "step {step}: allowed is 0 to {} (the scenario runs {steps} steps)",
            steps.saturating_sub(1)
        ));
    }
    Ok(step)
}

/// The standard error in column 4 of `record`, a finite number; an error gives the column
/// (from 1) and the range allowed there.
fn finite_se(record: &csv::StringRecord) -> Result<f64, (usize, String)> {
    record[3]
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| {
            (
                4,
                format!(
                    "se `{}`: expected a finite number ({MIN_SE:e} or more)",
                    &record[3]
                ),
            )
        })
}

/// Writes a whole CSV table atomically (the tables of `coprod calibrate`: posterior,
/// predictive, diagnostics).
pub fn write_table(
    path: &Path,
    header: &[String],
    rows: &[Vec<String>],
) -> Result<(), crate::OutputError> {
    crate::files::write_csv(path, header, rows)
}

/// The rows of a table that [`write_table`] wrote with `header` at `path`, or `None` if there
/// is no such file: what a command is about to replace (published.csv of `coprod compare`).
/// Errors name the file, line and column.
pub fn read_table(
    path: &Path,
    header: &[String],
) -> Result<Option<Vec<Vec<String>>>, InputFileError> {
    if !path.exists() {
        return Ok(None);
    }
    let text = read_text(path, "table")?;
    let columns: Vec<&str> = header.iter().map(String::as_str).collect();
    let rows = crate::csv_rows::checked_rows(&text, &columns)
        .map_err(|(line, column, message)| InputFileError::bad(path, line, column, message))?;
    Ok(Some(
        rows.into_iter()
            .map(|(_, record)| record.iter().map(str::to_string).collect())
            .collect(),
    ))
}

/// Writes `value` as pretty JSON, atomically (checkpoints, manifests of `coprod calibrate`).
pub fn write_json_file(
    path: &Path,
    value: &impl serde::Serialize,
) -> Result<(), crate::OutputError> {
    crate::files::write_json(path, value)
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: &[&str] = &["mean_contribution"];

    fn parse(text: &str) -> Result<Vec<Target>, InputFileError> {
        parse_targets(text, Path::new("t.csv"), M, &|_| None, 10, false)
    }

    #[test]
    fn unreadable_files_say_which_file_they_are() {
        let err =
            read_targets(Path::new("/nonexistent/t.csv"), M, &|_| None, 10, false).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot read targets file /nonexistent/t.csv: "),
            "{err}"
        );
        let err = crate::read_published(Path::new("/nonexistent/p.csv"), M, false).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("cannot read published-values file /nonexistent/p.csv: "),
            "{err}"
        );
    }

    /// An unknown metric is offered only the metrics the scenario reports (a lab's two): it
    /// was offered every metric, most of which the next attempt then refused.
    #[test]
    fn an_unknown_metric_is_offered_only_the_reported_ones() {
        let metrics = ["participation_rate", "mean_contribution", "service_output"];
        let lab = |m: &str| (m == "participation_rate").then(|| "not in the lab".to_string());
        let parse = |row: &str| {
            let text = format!("metric,step,observed,se,source\n{row}\n");
            parse_targets(&text, Path::new("t.csv"), &metrics, &lab, 10, true).unwrap_err()
        };
        assert_eq!(
            parse("bogus,0,0.3,0.1,x").to_string(),
            "t.csv:2:1: unknown metric `bogus`: allowed are mean_contribution, service_output"
        );
        assert_eq!(
            parse("participation_rate,0,0.3,0.1,x").to_string(),
            "t.csv:2:1: target `participation_rate`: not in the lab"
        );
    }

    #[test]
    fn reads_rows() {
        let t = parse(
            "metric,step,observed,se,source\nmean_contribution,0,0.39,0.03,\"FG 2010, Fig. 1\"\n",
        )
        .unwrap();
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].source, "FG 2010, Fig. 1");
        // The last step of a 10-step scenario is 9.
        let last = parse("metric,step,observed,se,source\nmean_contribution,9,0.1,0.03,x\n");
        assert_eq!(last.unwrap()[0].step, 9);
    }

    #[test]
    fn bad_files_name_line_and_column() {
        let h = "metric,step,observed,se,source\n";
        let cases = [
            ("metric,step,value,se,source\n".to_string(), "t.csv:1:3:"),
            (
                format!("{h}mean_contribution,0,0.3,0,x\n"),
                "t.csv:2:4: se 0: allowed is 1e-12 or more",
            ),
            (
                format!("{h}mean_contribution,0,0.3,-0.02,x\n"),
                "t.csv:2:4: se -0.02: allowed is 1e-12 or more",
            ),
            (
                format!("{h}mean_contribution,-1,0.3,0.1,x\n"),
                "t.csv:2:2: step `-1`: allowed is a whole number from 0 to 9",
            ),
            // A whole number too large to be a step is named with the range it is not in.
            (
                format!("{h}mean_contribution,99999999999,0.3,0.1,x\n"),
                "t.csv:2:2: step `99999999999`: allowed is a whole number from 0 to 9 (the \
                 scenario runs 10 steps)",
            ),
            (
                format!("{h}mean_contribution,10,0.3,0.1,x\n"),
                "t.csv:2:2: step 10: allowed is 0 to 9",
            ),
            (format!("{h}nope,0,0.3,0.1,x\n"), "t.csv:2:1:"),
            (
                format!("{h}mean_contribution,0,abc,0.1,x\n"),
                "t.csv:2:3: observed `abc`: allowed for `mean_contribution` (share of effort) is a \
                 number from 0 to 1",
            ),
            (
                format!("{h}mean_contribution,0,0.3,inf,x\n"),
                "t.csv:2:4: se `inf`: expected a finite number (1e-12 or more)",
            ),
            (format!("{h}mean_contribution,0,0.3,0.1\n"), "t.csv:2:5:"),
            // The second row of a metric and step names the first's line.
            (
                format!(
                    "{h}mean_contribution,0,0.3,0.1,x\nmean_contribution,1,0.3,0.1,x\n\
                     mean_contribution,0,0.3,0.1,x\n"
                ),
                "t.csv:4:1: `mean_contribution` at step 0 is listed twice (first on line 2): \
                 allowed is one row per metric and step",
            ),
            (h.to_string(), "t.csv:1:1:"),
            (
                format!("{h}mean_contribution,0,0.39,1e-300,x\n"),
                "t.csv:2:4: se 1e-300: allowed is 1e-12 or more",
            ),
            (
                format!("{h}mean_contribution,0,0.39,1e-160,x\n"),
                "t.csv:2:4:",
            ),
            (
                format!("{h}mean_contribution,0,1e200,1,x\n"),
                "t.csv:2:3: observed 1e200: allowed for `mean_contribution` (share of effort) is \
                 a number from 0 to 1",
            ),
            (
                format!("{h}mean_contribution,0,-2e12,1,x\n"),
                "t.csv:2:3: observed -2e12: allowed for `mean_contribution` (share of effort) is \
                 a number from 0 to 1",
            ),
        ];
        for (text, want) in cases {
            let e = parse(&text).unwrap_err().to_string();
            assert!(e.starts_with(want), "{text:?}: {e}");
        }
    }

    /// A metric the scenario does not report is refused where the file names it, like
    /// every other bad row.
    #[test]
    fn an_unreported_metric_is_refused_at_its_line() {
        let lab = |m: &str| (m != "mean_contribution").then(|| "not in the lab".to_string());
        let text = "metric,step,observed,se,source
                    mean_contribution,0,0.4,0.03,x
participation_rate,1,0.2,0.03,x
";
        let e = parse_targets(
            text,
            Path::new("t.csv"),
            &[M[0], "participation_rate"],
            &lab,
            10,
            true,
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .starts_with("t.csv:3:1: target `participation_rate`: not in the lab"),
            "{e}"
        );
    }

    /// A metric may be a target at several steps; only the same metric at the same step
    /// twice is refused.
    #[test]
    fn one_metric_may_be_a_target_at_several_steps() {
        let t = parse(
            "metric,step,observed,se,source\n\
             mean_contribution,0,0.4,0.03,x\nmean_contribution,9,0.2,0.03,x\n",
        )
        .unwrap();
        assert_eq!((t[0].step, t[1].step), (0, 9));
    }

    /// The tables and JSON files of `coprod calibrate` are written whole.
    #[test]
    fn tables_and_json_files_are_written() {
        let tmp = tempfile::tempdir().unwrap();
        let table = tmp.path().join("posterior.csv");
        let header = vec!["a".to_string(), "b".to_string()];
        write_table(&table, &header, &[vec!["1".into(), "x, y".into()]]).unwrap();
        assert_eq!(
            std::fs::read_to_string(&table).unwrap(),
            "a,b\n1,\"x, y\"\n"
        );
        let json = tmp.path().join("checkpoint.json");
        write_json_file(&json, &serde_json::json!({"draws": 3})).unwrap();
        assert_eq!(
            std::fs::read_to_string(&json).unwrap(),
            "{\n  \"draws\": 3\n}\n"
        );
    }

    /// An observed value is one its metric can take, as `compare --published` allows for a
    /// level: a share from 0 to 1, a count or amount from 0.
    #[test]
    fn observed_values_are_within_their_metrics_range() {
        let metrics = ["mean_contribution", "service_output"];
        let parse = |row: &str| {
            let text = format!("metric,step,observed,se,source\n{row}\n");
            parse_targets(&text, Path::new("t.csv"), &metrics, &|_| None, 10, false)
        };
        for (row, want) in [
            (
                "mean_contribution,0,5,0.03,x",
                "t.csv:2:3: observed 5: allowed for `mean_contribution` (share of effort) is a \
                 number from 0 to 1",
            ),
            (
                "mean_contribution,0,-0.1,0.03,x",
                "t.csv:2:3: observed -0.1: allowed for `mean_contribution` (share of effort) is \
                 a number from 0 to 1",
            ),
            (
                "service_output,0,-1,0.03,x",
                "t.csv:2:3: observed -1: allowed for `service_output` (service units) is a \
                 number from 0 to 1e12",
            ),
            (
                "mean_contribution,0,0.3,0.03, ",
                "t.csv:2:5: empty source: say where the number comes from",
            ),
        ] {
            assert_eq!(parse(row).unwrap_err().to_string(), want);
        }
        for row in [
            "mean_contribution,0,0,0.03,x",
            "mean_contribution,0,1,0.03,x",
        ] {
            assert!(parse(row).is_ok(), "{row}");
        }
    }

    /// A lab calibration's errors name the lab's units (share of endowment, tokens): they
    /// named the field's (share of effort, service units), which a lab run does not measure.
    #[test]
    fn a_labs_observed_values_are_named_in_the_labs_units() {
        let metrics = ["mean_contribution", "service_output"];
        let parse = |row: &str| {
            let text = format!("metric,step,observed,se,source\n{row}\n");
            parse_targets(&text, Path::new("t.csv"), &metrics, &|_| None, 10, true)
        };
        assert_eq!(
            parse("mean_contribution,0,5,0.03,x")
                .unwrap_err()
                .to_string(),
            "t.csv:2:3: observed 5: allowed for `mean_contribution` (share of endowment) is a \
             number from 0 to 1"
        );
        assert_eq!(
            parse("service_output,0,-1,0.03,x").unwrap_err().to_string(),
            "t.csv:2:3: observed -1: allowed for `service_output` (mean payoff in tokens) is a \
             number from 0 to 1e12"
        );
    }

    #[test]
    fn the_limits_themselves_are_allowed() {
        // An amount (0 or more) up to MAX_OBSERVED; -MAX_OBSERVED for a metric of a unit
        // without bounds (none of the model's, `unitless` here).
        let parse = |row: &str| {
            let text = format!("metric,step,observed,se,source\n{row}\n");
            let metrics = ["service_output", "unitless"];
            parse_targets(&text, Path::new("t.csv"), &metrics, &|_| None, 10, false).unwrap()
        };
        let t = parse("service_output,0,1e12,1e-12,x");
        assert_eq!((t[0].observed, t[0].se), (MAX_OBSERVED, MIN_SE));
        let t = parse("unitless,0,-1e12,1e12,x");
        assert_eq!(t[0].observed, -MAX_OBSERVED);
    }
}
