//! `coprod compare DIR --published FILE`: a run's variants against what the literature
//! reports for the same designs (docs/calibration.md, section 3). Each row of the file is
//! one published claim about one variant: its level (the variant's mean) or its effect
//! (the variant's difference from the baseline), as a number or only a sign. The run gives
//! the model's side: the variant's mean over its replications with a 95% t-interval, or
//! the paired difference from the baseline with its 95% interval (as in comparison.csv).
//!
//! Owns matching claims to runs and the verdicts; the file's checks are `coprod-output`'s.

use std::fmt;
use std::path::{Path, PathBuf};

use coprod_core::summary_names;
use coprod_output::read::RunsTable;
use coprod_output::{
    Accumulator, Published, PublishedKind, PublishedValue, Sign, read_published, write_table,
};
use coprod_scenario::BASELINE;

use crate::error::{Result, StudyError, bail};

/// File name of the table, in the run directory.
pub const PUBLISHED_CSV: &str = "published.csv";

/// One published claim next to the run's numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct PublishedRow {
    /// The claim, as read from the file.
    pub claim: Published,
    /// The model's number: the variant's mean (level) or its difference from the baseline
    /// (effect), over the run's replications.
    pub model: f64,
    /// The 95% interval of `model` (a t-interval over replications; paired for effects).
    pub ci: Option<(f64, f64)>,
    /// Model minus published, when the published value is a number.
    pub model_minus_published: Option<f64>,
    /// Whether the model agrees, in words (see `verdict`).
    pub verdict: String,
}

/// The comparison of one run directory with one published-values file.
#[derive(Clone, Debug, PartialEq)]
pub struct PublishedComparison {
    /// The table written (`DIR/published.csv`).
    pub path: PathBuf,
    /// Its rows, in the order of the file.
    pub rows: Vec<PublishedRow>,
}

/// Writes the table of [`check_published`] to its path, `dir/published.csv`, and lists it
/// among the files of the directory's manifest.json.
pub fn write_published(table: &PublishedComparison) -> Result<()> {
    write_table(
        &table.path,
        &header(),
        &table.rows.iter().map(cells).collect::<Vec<_>>(),
    )?;
    if let Some(dir) = table.path.parent() {
        coprod_output::record_file(dir, PUBLISHED_CSV)?;
    }
    Ok(())
}

/// Checks the published values of `file` against the runs of `dir` and computes the table
/// [`write_published`] writes, without writing anything (so a bad file is refused before
/// any other output is replaced). Refuses, unless `force`, to replace a published.csv that
/// holds claims the new table leaves out (one written from another file).
pub fn check_published(dir: &Path, file: &Path, force: bool) -> Result<PublishedComparison> {
    let names = summary_names();
    let metrics: Vec<&str> = names.iter().map(|(n, _, _)| n.as_str()).collect();
    // Checked and loaded as `coprod compare` checks and loads it (refused if it is no run
    // directory or is damaged), with its setting, whose units the errors name, and its
    // length, to which the intervals are cut as in comparison.csv and summary.csv.
    crate::plot::check_run_dir(dir)?;
    let data = coprod_report::RunData::load(dir)?;
    let claims = read_published(file, &metrics, data.is_lab())?;
    let steps = data.steps();
    let runs = data.runs;
    if !runs.swept.is_empty() {
        bail!(
            "{}: the run sweeps {}; published values are compared with runs without a sweep \
             (one mean per variant)",
            dir.display(),
            runs.swept.join(", ")
        );
    }
    let variants = variants_in_order(&runs);
    let rows = claims
        .into_iter()
        .map(|claim| compare_claim(claim, (&runs, steps), &variants, dir, file))
        .collect::<Result<Vec<_>>>()?;
    let path = dir.join(PUBLISHED_CSV);
    if !force {
        refuse_to_drop(&path, &rows)?;
    }
    Ok(PublishedComparison { path, rows })
}

/// The columns of published.csv that come from the published-values file (the claim), not
/// from the run: variant, metric, kind, published, published_se, design, source, read_in.
const CLAIM_COLUMNS: [usize; 8] = [0, 1, 2, 3, 4, 10, 11, 12];

/// Refuses to replace the published.csv at `path` with `rows` when it holds claims that
/// `rows` leave out, naming them: the earlier comparison would be lost.
fn refuse_to_drop(path: &Path, rows: &[PublishedRow]) -> Result<()> {
    let existing = match coprod_output::read_table(path, &header()) {
        Ok(Some(existing)) => existing,
        Ok(None) => return Ok(()),
        // Not a published.csv of this version (edited, or of an earlier build): what it
        // holds cannot be compared, so it is not replaced without being asked either.
        Err(err) => bail!(
            "{err}: {} cannot be read as a published.csv of this coprod, so what it holds is \
             not known\n\nhint: add --force to replace it",
            path.display()
        ),
    };
    let claim = |cells: &[String]| -> Vec<String> {
        CLAIM_COLUMNS.iter().map(|&i| cells[i].clone()).collect()
    };
    let kept: Vec<Vec<String>> = rows.iter().map(|r| claim(&cells(r))).collect();
    let dropped: Vec<&Vec<String>> = existing
        .iter()
        .filter(|cells| !kept.contains(&claim(cells)))
        .collect();
    if dropped.is_empty() {
        return Ok(());
    }
    let mut named: Vec<String> = Vec::new();
    for cells in &dropped {
        let text = format!("the {} of `{}` in {}", cells[2], cells[1], cells[0]);
        if !named.contains(&text) {
            named.push(text);
        }
    }
    let shown = named.iter().take(4).cloned().collect::<Vec<_>>().join(", ");
    let more = named.len().saturating_sub(4);
    bail!(
        "{} already holds {} published claim{} this comparison would drop: {shown}{}\n\n\
         hint: add --force to replace it, or give the same --published file as before",
        path.display(),
        dropped.len(),
        if dropped.len() == 1 { "" } else { "s" },
        if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        }
    )
}

/// The run's variants, in the order they first appear in runs.csv.
fn variants_in_order(runs: &RunsTable) -> Vec<&str> {
    let mut variants: Vec<&str> = Vec::new();
    for r in &runs.rows {
        if !variants.contains(&r.variant.as_str()) {
            variants.push(&r.variant);
        }
    }
    variants
}

/// One claim next to the model's number for it, or an error at the claim's line and the
/// column at fault (1 variant, 2 metric, 3 kind).
fn compare_claim(
    claim: Published,
    (runs, steps): (&RunsTable, u64),
    variants: &[&str],
    dir: &Path,
    file: &Path,
) -> Result<PublishedRow> {
    let at = |column: usize, message: String| {
        StudyError::Invalid(format!(
            "{}:{}:{column}: {message}",
            file.display(),
            claim.line
        ))
    };
    if !variants.contains(&claim.variant.as_str()) {
        return Err(at(
            1,
            format!(
                "variant `{}` is not in the run {}: its variants are {}",
                claim.variant,
                dir.display(),
                variants.join(", ")
            ),
        ));
    }
    let Some(column) = runs.metrics.iter().position(|m| *m == claim.metric) else {
        return Err(at(
            2,
            format!(
                "metric `{}` is not in {}/runs.csv",
                claim.metric,
                dir.display()
            ),
        ));
    };
    let range = coprod_output::metric_run_range(&claim.metric, steps);
    let (model, ci, n, shown) = match claim.kind {
        PublishedKind::Level => {
            let (model, ci, n) = level(&metric_values(runs, &claim.variant, column));
            let shown = cut(ci, range);
            (model, ci, n, shown)
        }
        PublishedKind::Effect => {
            if claim.variant == BASELINE {
                return Err(at(
                    3,
                    "an effect is a difference from the baseline; give the baseline a \
                     level instead"
                        .into(),
                ));
            }
            let base = metric_values(runs, BASELINE, column);
            if base.is_empty() {
                return Err(at(
                    3,
                    format!(
                        "an effect needs the variant `{BASELINE}` in the run {}",
                        dir.display()
                    ),
                ));
            }
            let (model, ci, n) = effect(&metric_values(runs, &claim.variant, column), &base);
            let shown = cut(ci, range.map(coprod_output::difference_range));
            (model, ci, n, shown)
        }
    };
    let model_minus_published = match claim.value {
        PublishedValue::Number(v) => Some(model - v).filter(|g| g.is_finite()),
        PublishedValue::Sign(_) => None,
    };
    // Judged on the interval before the cut: the model's standard error is its half-width.
    let verdict = verdict(&claim, model, ci, n);
    Ok(PublishedRow {
        claim,
        model,
        ci: shown,
        model_minus_published,
        verdict,
    })
}

/// `ci` cut to the values it can take (`range`, if bounded), as comparison.csv and
/// summary.csv cut theirs.
fn cut(ci: Option<(f64, f64)>, range: Option<(f64, f64)>) -> Option<(f64, f64)> {
    match (ci, range) {
        (Some(ci), Some(range)) => Some(coprod_output::within(ci, range)),
        (ci, _) => ci,
    }
}

/// The (replication, value) pairs of one variant in metric column `column` of runs.csv.
fn metric_values(runs: &RunsTable, variant: &str, column: usize) -> Vec<(u64, f64)> {
    runs.rows
        .iter()
        .filter(|r| r.variant == variant)
        .map(|r| (r.replication, r.values[column]))
        .collect()
}

/// A variant's level: its mean, 95% t-interval and the number of runs with a value.
fn level(values: &[(u64, f64)]) -> (f64, Option<(f64, f64)>, u64) {
    // Missing values (NaN) are left out: `n` counts the runs with a value.
    let mut acc = Accumulator::default();
    for (_, v) in values {
        acc.push(*v);
    }
    let s = acc.summary();
    (s.mean, s.ci, s.n)
}

/// A variant's effect: its paired difference from the baseline's values of the same
/// replications, the 95% interval of that difference and the number of pairs; 0 and an
/// interval of 0 to 0 when every difference is 0 up to rounding.
fn effect(values: &[(u64, f64)], base: &[(u64, f64)]) -> (f64, Option<(f64, f64)>, u64) {
    let (xs, ys): (Vec<f64>, Vec<f64>) = values
        .iter()
        .filter_map(|&(rep, x)| base.iter().find(|(r, _)| *r == rep).map(|(_, y)| (x, *y)))
        // A group metric is missing where no group started: no pair.
        .filter(|(x, y)| !x.is_nan() && !y.is_nan())
        .unzip();
    let n = xs.len() as u64;
    // The difference and interval comparison.csv gives, to the last digit (0 and 0 to 0
    // when the pairs differ only by rounding).
    let (difference, comparison) = coprod_analysis::compare_pairs(&xs, &ys);
    (difference, comparison.map(|c| c.ci), n)
}

/// Whether the model agrees with a claim, given its number and 95% interval:
/// - a sign: `agrees` when the interval lies on the claimed side of 0 (or, for `none`,
///   contains 0), `opposite` when it lies on the other side, `undetermined` otherwise
///   (and `differs` for `none` when the interval excludes 0);
/// - a number: `consistent` when the two differ by at most 1.96 standard errors of the
///   difference (the published se, if given, and the model's, from its t-interval over `n`
///   replications), else `model higher` or `model lower`;
/// - `undetermined` whenever the run gives no number or no interval (fewer than two
///   replications, or none paired with the baseline's).
pub(crate) fn verdict(claim: &Published, model: f64, ci: Option<(f64, f64)>, n: u64) -> String {
    let Some((low, high)) = ci.filter(|_| model.is_finite() && n >= 2) else {
        return "undetermined".into();
    };
    match claim.value {
        PublishedValue::Sign(sign) => {
            let (agrees, opposite) = match sign {
                Sign::Positive => (low > 0.0, high < 0.0),
                Sign::Negative => (high < 0.0, low > 0.0),
                Sign::None => {
                    return if low <= 0.0 && 0.0 <= high {
                        "agrees".into()
                    } else {
                        "differs".into()
                    };
                }
            };
            if agrees {
                "agrees".into()
            } else if opposite {
                "opposite".into()
            } else {
                "undetermined".into()
            }
        }
        PublishedValue::Number(value) => {
            let model_se = (high - low) / (2.0 * coprod_output::t_quantile_975((n - 1) as f64));
            let se = (model_se.powi(2) + claim.se.unwrap_or(0.0).powi(2)).sqrt();
            let gap = model - value;
            if gap.abs() <= 1.96 * se {
                "consistent".into()
            } else if gap > 0.0 {
                "model higher".into()
            } else {
                "model lower".into()
            }
        }
    }
}

fn header() -> Vec<String> {
    [
        "variant",
        "metric",
        "kind",
        "published",
        "published_se",
        "model",
        "model_ci_low",
        "model_ci_high",
        "model_minus_published",
        "verdict",
        "design",
        "source",
        "read_in",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn kind_name(kind: PublishedKind) -> &'static str {
    match kind {
        PublishedKind::Level => "level",
        PublishedKind::Effect => "effect",
    }
}

fn value_text(value: PublishedValue) -> String {
    match value {
        PublishedValue::Number(v) => format!("{v}"),
        PublishedValue::Sign(Sign::Positive) => "positive".into(),
        PublishedValue::Sign(Sign::Negative) => "negative".into(),
        PublishedValue::Sign(Sign::None) => "none".into(),
    }
}

fn cells(r: &PublishedRow) -> Vec<String> {
    // As every CSV of a run: the shortest text that reads back as the same number.
    let num = |v: f64| format!("{v}");
    let opt = |v: Option<f64>| v.map_or(String::new(), num);
    let c = &r.claim;
    vec![
        c.variant.clone(),
        c.metric.clone(),
        kind_name(c.kind).into(),
        value_text(c.value),
        opt(c.se),
        // Missing (empty) when no replication has a value: a group metric where no group
        // started.
        opt(Some(r.model).filter(|m| m.is_finite())),
        opt(r.ci.map(|c| c.0)),
        opt(r.ci.map(|c| c.1)),
        opt(r.model_minus_published),
        r.verdict.clone(),
        c.design.clone(),
        c.source.clone(),
        c.read_in.clone(),
    ]
}

/// The table as Markdown, one row per claim (the CSV has every column).
impl fmt::Display for PublishedComparison {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "| variant | metric | kind | published | model (95% CI) | model - published | \
             verdict | source |"
        )?;
        writeln!(f, "| --- | --- | --- | --- | --- | --- | --- | --- |")?;
        for r in &self.rows {
            let c = &r.claim;
            let published = match (c.value, c.se) {
                (PublishedValue::Number(v), Some(se)) => format!("{v:.4} (se {se:.4})"),
                (PublishedValue::Number(v), None) => format!("{v:.4}"),
                (value, _) => value_text(value),
            };
            // No estimate (a group metric where no group started): "n/a", as published.csv
            // leaves the cell empty.
            let model = match r.ci {
                _ if !r.model.is_finite() => "n/a".to_string(),
                Some((lo, hi)) => format!("{:+.4} ({lo:+.4} to {hi:+.4})", r.model),
                None => format!("{:+.4}", r.model),
            };
            let model = match c.kind {
                // A level is not a signed quantity.
                PublishedKind::Level => model.replace('+', ""),
                PublishedKind::Effect => model,
            };
            let gap = r
                .model_minus_published
                .map_or(String::new(), |g| format!("{g:+.4}"));
            writeln!(
                f,
                "| {} | {} | {} | {published} | {model} | {gap} | {} | {} |",
                c.variant,
                c.metric,
                kind_name(c.kind),
                r.verdict,
                c.source
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claim(value: PublishedValue, se: Option<f64>) -> Published {
        Published {
            line: 2,
            variant: "v".into(),
            metric: "mean_contribution".into(),
            kind: PublishedKind::Effect,
            value,
            se,
            design: String::new(),
            source: "s".into(),
            read_in: "r".into(),
        }
    }

    #[test]
    fn the_printed_table_says_n_a_where_the_model_has_no_number() {
        let row = |model: f64, ci| PublishedRow {
            claim: claim(PublishedValue::Number(0.3), None),
            model,
            ci,
            model_minus_published: None,
            verdict: "no model value".into(),
        };
        let table = PublishedComparison {
            path: PathBuf::from("published.csv"),
            rows: vec![row(f64::NAN, None), row(0.25, Some((0.2, 0.3)))],
        };
        let text = table.to_string();
        assert!(
            text.contains("| 0.3000 | n/a |  | no model value |"),
            "{text}"
        );
        assert!(!text.contains("NaN"), "{text}");
        assert!(text.contains("| +0.2500 (+0.2000 to +0.3000) |"), "{text}");
    }

    /// Differences that are rounding (means equal in exact arithmetic, apart in the last
    /// bit) are no effect: `none` agrees and a sign is undetermined, as comparison.csv's p
    /// of 1 says; before, `none` was said to differ and `positive` to agree.
    #[test]
    fn an_effect_within_rounding_is_none() {
        // Every pair one bit apart: differences of 5.6e-17 that do not vary.
        let base = [(0, 0.25), (1, 0.25), (2, 0.25)];
        let next = f64::from_bits(0.25f64.to_bits() + 1);
        let values: Vec<(u64, f64)> = base.iter().map(|&(r, _)| (r, next)).collect();
        let (model, ci, n) = effect(&values, &base);
        assert_eq!((model, ci, n), (0.0, Some((0.0, 0.0)), 3));
        let none = claim(PublishedValue::Sign(Sign::None), None);
        assert_eq!(verdict(&none, model, ci, n), "agrees");
        let pos = claim(PublishedValue::Sign(Sign::Positive), None);
        assert_eq!(verdict(&pos, model, ci, n), "undetermined");
    }

    /// Intervals are shown cut to the values the metric can take, as in comparison.csv.
    #[test]
    fn shown_intervals_are_cut_to_the_metrics_range() {
        let share = coprod_output::metric_run_range("participation_rate", 60);
        assert_eq!(cut(Some((-0.06, 0.2)), share), Some((0.0, 0.2)));
        let difference = share.map(coprod_output::difference_range);
        assert_eq!(cut(Some((-1.02, 1.13)), difference), Some((-1.0, 1.0)));
        assert_eq!(cut(None, share), None);
        assert_eq!(cut(Some((-5.0, 5.0)), None), Some((-5.0, 5.0)));
    }

    #[test]
    fn signs_are_judged_by_the_interval() {
        let pos = claim(PublishedValue::Sign(Sign::Positive), None);
        assert_eq!(verdict(&pos, 0.1, Some((0.05, 0.15)), 50), "agrees");
        assert_eq!(verdict(&pos, -0.1, Some((-0.15, -0.05)), 50), "opposite");
        assert_eq!(verdict(&pos, 0.01, Some((-0.02, 0.04)), 50), "undetermined");
        let neg = claim(PublishedValue::Sign(Sign::Negative), None);
        assert_eq!(verdict(&neg, -0.1, Some((-0.15, -0.05)), 50), "agrees");
        assert_eq!(verdict(&neg, 0.1, Some((0.05, 0.15)), 50), "opposite");
        let none = claim(PublishedValue::Sign(Sign::None), None);
        assert_eq!(verdict(&none, 0.01, Some((-0.02, 0.04)), 50), "agrees");
        assert_eq!(verdict(&none, 0.5, Some((0.45, 0.55)), 50), "differs");
        // An interval that ends at 0 excludes neither side.
        for (low, high) in [(0.0, 0.1), (-0.1, 0.0)] {
            let mid = (low + high) / 2.0;
            assert_eq!(verdict(&pos, mid, Some((low, high)), 50), "undetermined");
            assert_eq!(verdict(&neg, mid, Some((low, high)), 50), "undetermined");
        }
        // A run without a number has no verdict, even with an interval.
        assert_eq!(
            verdict(&pos, f64::NAN, Some((0.05, 0.15)), 50),
            "undetermined"
        );
    }

    /// The model's se comes from its t-interval over n replications (n - 1 degrees of
    /// freedom), which matters with few replications.
    #[test]
    fn the_model_se_uses_the_t_quantile_of_its_replications() {
        // 3 replications: t(2) = 4.303, so the interval 0.30 +- 0.0860 has se 0.02; the gap
        // 0.038 is within 1.96 x 0.02 = 0.0392 and 0.041 is not.
        let half = 4.302_652_729_911_275 * 0.02;
        let ci = Some((0.30 - half, 0.30 + half));
        let near = claim(PublishedValue::Number(0.262), None);
        assert_eq!(verdict(&near, 0.30, ci, 3), "consistent");
        let far = claim(PublishedValue::Number(0.259), None);
        assert_eq!(verdict(&far, 0.30, ci, 3), "model higher");
    }

    #[test]
    fn numbers_are_judged_by_both_standard_errors() {
        // Model 0.30 with se 0.01 (interval 0.2804 to 0.3196).
        let ci = Some((0.30 - 0.0196, 0.30 + 0.0196));
        let tight = claim(PublishedValue::Number(0.24), Some(0.01));
        assert_eq!(verdict(&tight, 0.30, ci, 50), "model higher");
        // With the published se 0.03 the gap 0.06 is within 1.96 x 0.0316.
        let loose = claim(PublishedValue::Number(0.24), Some(0.03));
        assert_eq!(verdict(&loose, 0.30, ci, 50), "consistent");
        let above = claim(PublishedValue::Number(0.40), None);
        assert_eq!(verdict(&above, 0.30, ci, 50), "model lower");
        // No number or no interval from the run: no verdict either way.
        assert_eq!(verdict(&above, f64::NAN, None, 0), "undetermined");
        assert_eq!(verdict(&above, 0.30, None, 1), "undetermined");
    }
}
