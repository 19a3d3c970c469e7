//! `coprod validate`: judges every pre-registered claim (`scenarios/validation/*.toml`,
//! embedded in the binary) on seed blocks derived from `--salt`, prints a table, and writes
//! `validation.csv`, `blocks.csv`, `decomposition.csv`, `robustness.csv`, a forest plot of total, direct
//! and placebo-adjusted direct effects and a manifest.
//!
//! Owns the list of validation scenarios, the flags and the printing; the statistics are in
//! `coprod-validate`.

use std::fmt;
use std::path::{Path, PathBuf};

use coprod_core::ASSUMED_RANGES;
use coprod_output::{
    BlockRow, ClaimDesign, DecompositionRow, Existing, RobustnessRow, RunDir, ValidationManifest,
    ValidationRow, default_run_dir, write_validation,
};
use coprod_plot::{ChartStyle, ForestRow, forest_plot};
use coprod_scenario::Scenario;
use coprod_sweep::Runner;
use coprod_validate::{
    AdjustedClass, ClaimResult, Options, Robustness, evaluate, seeds::SEED_DERIVATION,
};

use crate::error::{Context, Result, bail};
use crate::progress::{Note, Progress};
use coprod_report::counted;

macro_rules! validation_files {
    ($($id:literal),* $(,)?) => {
        &[$(($id, include_str!(concat!("../../../scenarios/validation/", $id, ".toml")))),*]
    };
}

/// Id and text of every validation scenario, in the order of the propositions in docs/claims.md, then the
/// exploratory rows.
pub const VALIDATION: &[(&str, &str)] = validation_files!(
    "P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9", "B1", "B2", "B3", "B4", "B5", "B6", "E1",
    "E2", "E3", "E4", "O1", "O2", "O3", "O4", "C1", "C2", "C3", "C4", "X1", "X2",
);

/// How to run the validation suite (the flags of `coprod validate`).
#[derive(Clone, Debug)]
pub struct ValidateOptions {
    /// The engine's choices: salt, blocks, replications, robustness map.
    pub engine: Options,
    /// Shrink the runs for a quick look.
    pub quick: bool,
    /// Only these claim ids (all if empty).
    pub only: Vec<String>,
    /// Output directory [default: outputs/validation, numbered if taken].
    pub out: Option<PathBuf>,
    /// Worker threads.
    pub threads: usize,
    /// Replace the output directory if it exists.
    pub force: bool,
    /// Run only this shard of each robustness map (`coprod merge` puts shards together).
    pub shard: Option<crate::ShardArg>,
    /// The command line, as the manifest records it (`coprod validate ...`, quoted for the
    /// shell).
    pub command: String,
}

/// What `coprod validate` judged and wrote; its `Display` is the table the command prints.
#[derive(Debug)]
pub struct Validation {
    /// One result per claim, in the order of [`VALIDATION`].
    pub results: Vec<ClaimResult>,
    /// The output directory.
    pub dir: PathBuf,
    /// Which shard of the robustness maps ran: (index, count); (0, 1) unsharded.
    pub shard: (u32, u32),
}

/// Runs the selected validation experiments. Verdicts are findings, not errors.
pub fn validate(options: &ValidateOptions, progress: &dyn Progress) -> Result<Validation> {
    let target = match &options.out {
        Some(dir) => dir.clone(),
        None => default_run_dir(&PathBuf::from("outputs"), "validation"),
    };
    // A failed validation leaves nothing (its partial directory is discarded), so its errors
    // name the files as they would be in the output, not in a folder that is gone.
    validate_into(options, &target, progress).map_err(|e| e.at_final_paths(&target))
}

fn validate_into(
    options: &ValidateOptions,
    target: &Path,
    progress: &dyn Progress,
) -> Result<Validation> {
    let (args, threads) = (options, options.threads);
    let (min, max) = (args.engine.min_replications, args.engine.max_replications);
    if min > max {
        bail!(
            "--min-replications {min} is above --max-replications {max}: allowed is a minimum \
             at most the maximum"
        );
    }
    let scenarios = selected(&args.only, args.quick)?;
    let existing = Existing::forced(coprod_output::Kind::Validation, args.force);
    let mut options = args.engine.clone();
    if let Some(shard) = &args.shard {
        let (i, n) = crate::shard::indices(shard)?;
        // Shard counts are small (clap and `indices` check them), so they fit a u32.
        options.robustness_shard = (i as u32, n as u32);
    }
    // Before the partial directory appears, so that no interruption goes unexplained.
    progress.on_interrupt(&crate::progress::nothing_written("validation"));
    let dir = crate::progress::Discard::make(progress, || RunDir::create(target, existing))?;
    let discard = crate::progress::Discard::new(progress);
    let runner = Runner::new(threads)?;
    let mut results = Vec::new();
    for scenario in &scenarios {
        progress.note(Note::Status(format!("validating {} ...", scenario.name)));
        results.push(evaluate(scenario, &runner, &options)?);
    }
    let rows: Vec<ValidationRow> = results.iter().map(|r| row(r, &options)).collect();
    let decomposition: Vec<DecompositionRow> = results.iter().flat_map(decomposition).collect();
    let blocks: Vec<BlockRow> = results.iter().flat_map(block_rows).collect();
    let points: Vec<RobustnessRow> = results.iter().flat_map(robustness_rows).collect();
    let names: Vec<&str> = ASSUMED_RANGES.iter().map(|r| r.name).collect();
    let manifest = ValidationManifest {
        kind: "validation".into(),
        coprod_version: crate::VERSION.to_string(),
        command: args.command.clone(),
        claims: results.iter().map(|r| r.id.clone()).collect(),
        designs: results
            .iter()
            .zip(&scenarios)
            .map(|(r, s)| ClaimDesign {
                id: r.id.clone(),
                source: s.source.clone(),
            })
            .collect(),
        salt: options.salt.clone(),
        seed_derivation: SEED_DERIVATION.into(),
        blocks: options.blocks,
        pilot: options.pilot,
        replications_bounds: (options.min_replications, options.max_replications),
        decompose_replications: options.decompose_replications,
        robustness: (options.robustness_points, options.robustness_replications),
        robustness_shard: options.robustness_shard,
        threads,
        quick: args.quick,
        robustness_all: options.robustness_all,
    };
    let path = discard.commit(dir, |staging| {
        write_validation(
            staging,
            &rows,
            &decomposition,
            &blocks,
            (&names, &points),
            &manifest,
        )?;
        draw_forest(&results, staging)
    })?;
    Ok(Validation {
        results,
        dir: path,
        shard: options.robustness_shard,
    })
}

fn selected(only: &[String], quick: bool) -> Result<Vec<Scenario>> {
    let unknown: Vec<&String> = only
        .iter()
        .filter(|id| !VALIDATION.iter().any(|(v, _)| v.eq_ignore_ascii_case(id)))
        .collect();
    if let Some(id) = unknown.first() {
        let ids: Vec<&str> = VALIDATION.iter().map(|(v, _)| *v).collect();
        bail!(
            "no validation experiment `{id}`\n\nhint: the ids are {}",
            ids.join(", ")
        );
    }
    VALIDATION
        .iter()
        .filter(|(id, _)| only.is_empty() || only.iter().any(|o| o.eq_ignore_ascii_case(id)))
        .map(|(id, text)| {
            let origin = format!("scenarios/validation/{id}.toml");
            let mut scenario = Scenario::from_toml(text, &origin, id)
                .with_context(|| format!("invalid validation scenario {origin}"))?;
            if quick {
                scenario.make_quick()?;
            }
            Ok(scenario)
        })
        .collect()
}

fn low(ci: Option<(f64, f64)>) -> Option<f64> {
    ci.map(|c| c.0)
}

fn high(ci: Option<(f64, f64)>) -> Option<f64> {
    ci.map(|c| c.1)
}

/// A mean, or an empty cell when it is missing (a replication without a read-out).
fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

fn row(r: &ClaimResult, options: &Options) -> ValidationRow {
    let j = &r.judgement;
    let all = r.all_held();
    let drivers = r
        .robustness
        .as_ref()
        .map_or_else(String::new, |m| m.drivers());
    ValidationRow {
        id: r.id.clone(),
        claim: r.claim.clone(),
        class: r.class.as_str().into(),
        registered_class: r.registered_class.as_str().into(),
        metric: r.metric.clone(),
        direction: r.direction.as_str().into(),
        horizon: r.horizon,
        window: r.window,
        sesoi: r.sesoi,
        power: r.power,
        mediators: r
            .mediators
            .iter()
            .map(|m| m.name())
            .collect::<Vec<_>>()
            .join(";"),
        pilot_sd: j.pilot_sd,
        replications: j.replications,
        power_capped: j.capped,
        blocks: options.blocks,
        pass_rate: (!r.exploratory).then_some(j.pass_rate),
        total_effect: j.total.mean,
        total_ci_low: low(j.total.ci),
        total_ci_high: high(j.total.ci),
        total_n: j.total.n,
        direct_effect: all.and_then(|d| finite(d.direct.mean)),
        direct_ci_low: all.and_then(|d| low(d.direct.ci)),
        direct_ci_high: all.and_then(|d| high(d.direct.ci)),
        direct_n: all.map(|d| d.direct.n),
        mediated_share: all.and_then(|d| d.share),
        share_ci_low: all.and_then(|d| low(d.share_ci)),
        share_ci_high: all.and_then(|d| high(d.share_ci)),
        robustness_share: r.robustness.as_ref().and_then(Robustness::share_of_points),
        robustness_points: r.robustness.as_ref().map(|m| m.points as u64),
        robustness_drivers: drivers,
        note: r.note.clone(),
        placebo_effect: all.and_then(|d| finite(d.placebo.mean)),
        placebo_ci_low: all.and_then(|d| low(d.placebo.ci)),
        placebo_ci_high: all.and_then(|d| high(d.placebo.ci)),
        adjusted_direct: all.and_then(|d| finite(d.adjusted.mean)),
        adjusted_ci_low: all.and_then(|d| low(d.adjusted.ci)),
        adjusted_ci_high: all.and_then(|d| high(d.adjusted.ci)),
        adjusted_share: all.and_then(|d| d.adjusted_share),
        adjusted_share_ci_low: all.and_then(|d| low(d.adjusted_share_ci)),
        adjusted_share_ci_high: all.and_then(|d| high(d.adjusted_share_ci)),
        adjusted_class: r.adjusted_class.map_or("", |c| c.name()).into(),
    }
}

fn decomposition(r: &ClaimResult) -> Vec<DecompositionRow> {
    let total = r.judgement.decomposed_total.as_ref();
    r.judgement
        .decomposition
        .iter()
        .map(|d| DecompositionRow {
            id: r.id.clone(),
            held: d.hold.clone(),
            total_effect: total.map_or(f64::NAN, |t| t.mean),
            total_ci_low: total.and_then(|t| low(t.ci)),
            total_ci_high: total.and_then(|t| high(t.ci)),
            direct_effect: d.direct.mean,
            direct_ci_low: low(d.direct.ci),
            direct_ci_high: high(d.direct.ci),
            mediated_share: d.share,
            share_ci_low: low(d.share_ci),
            share_ci_high: high(d.share_ci),
            n: d.direct.n,
            placebo_effect: finite(d.placebo.mean),
            placebo_ci_low: low(d.placebo.ci),
            placebo_ci_high: high(d.placebo.ci),
            adjusted_direct: finite(d.adjusted.mean),
            adjusted_ci_low: low(d.adjusted.ci),
            adjusted_ci_high: high(d.adjusted.ci),
            adjusted_share: d.adjusted_share,
            adjusted_share_ci_low: low(d.adjusted_share_ci),
            adjusted_share_ci_high: high(d.adjusted_share_ci),
        })
        .collect()
}

/// Each verdict block with what its verdict is judged on; exploratory claims get no
/// verdict, so their `pass` is empty as their `pass_rate` is.
fn block_rows(r: &ClaimResult) -> Vec<BlockRow> {
    r.judgement
        .blocks
        .iter()
        .zip(0..)
        .map(|(b, block)| (b, block, b.best_minus_last.as_ref()))
        .map(|(b, block, to_last)| BlockRow {
            id: r.id.clone(),
            block,
            n: b.effect.n,
            effect: b.effect.mean,
            sd: b.effect.sd.and_then(finite),
            ci_low: low(b.effect.ci),
            ci_high: high(b.effect.ci),
            best_dose: b.best_arm.and_then(|i| r.doses.get(i).copied()),
            best_minus_last: to_last.and_then(|s| finite(s.mean)),
            best_minus_last_ci_low: to_last.and_then(|s| low(s.ci)),
            best_minus_last_ci_high: to_last.and_then(|s| high(s.ci)),
            pass: (!r.exploratory).then_some(b.pass),
        })
        .collect()
}

fn robustness_rows(r: &ClaimResult) -> Vec<RobustnessRow> {
    r.robustness_points
        .iter()
        .map(|p| RobustnessRow {
            id: r.id.clone(),
            point: p.index,
            values: p.values.clone(),
            effect: p.effect,
            holds: p.holds,
        })
        .collect()
}

impl fmt::Display for Validation {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        print_table(&self.results, out)?;
        let (index, count) = self.shard;
        if count > 1 {
            writeln!(
                out,
                "robust: the share of this shard's points only (shard {index} of {count}); \
                 `coprod merge` of every shard gives the whole map's"
            )?;
        }
        Ok(())
    }
}

fn print_table(results: &[ClaimResult], out: &mut fmt::Formatter<'_>) -> fmt::Result {
    writeln!(
        out,
        "{:<4} {:<10} {:<26} {:>9} {:>11} {:>24} {:>11} {:>24} {:>6} {:>16} {:>6}  placebo check",
        "id",
        "class",
        "metric",
        "pass rate",
        "total",
        "95% CI",
        "direct",
        "95% CI",
        "share",
        "share 95% CI",
        "robust"
    )?;
    let ci =
        |c: Option<(f64, f64)>| c.map_or_else(String::new, |(l, h)| format!("[{l:.4}, {h:.4}]"));
    let opt = |v: Option<f64>, d: usize| v.map_or_else(String::new, |v| format!("{v:.d$}"));
    for r in results {
        let j = &r.judgement;
        let all = r.all_held();
        let pass = if r.exploratory {
            "explor.".to_string()
        } else {
            format!("{:.0}%", 100.0 * j.pass_rate)
        };
        writeln!(
            out,
            "{:<4} {:<10} {:<26} {:>9} {:>11} {:>24} {:>11} {:>24} {:>6} {:>16} {:>6}  {}",
            r.id,
            r.class.as_str(),
            r.metric,
            pass,
            // A missing read-out (no group started) has no estimate: blank, not "NaN".
            opt(Some(j.total.mean).filter(|m| m.is_finite()), 4),
            ci(j.total.ci),
            opt(all.map(|d| d.direct.mean).filter(|m| m.is_finite()), 4),
            ci(all.and_then(|d| d.direct.ci)),
            opt(all.and_then(|d| d.share), 2),
            all.and_then(|d| d.share_ci)
                .map_or_else(String::new, |(l, h)| format!("[{l:.2}, {h:.2}]")),
            opt(
                r.robustness.as_ref().and_then(Robustness::share_of_points),
                2
            ),
            r.adjusted_class.map_or("", |c| c.name()),
        )?;
    }
    let judged: Vec<&ClaimResult> = results.iter().filter(|r| !r.exploratory).collect();
    writeln!(out, "{}", verdict_totals(&judged))?;
    let checked: Vec<AdjustedClass> = judged.iter().filter_map(|r| r.adjusted_class).collect();
    let count = |c: AdjustedClass| checked.iter().filter(|&&a| a == c).count();
    // Exploratory claims are decomposed too, but judged by no verdict: counted apart.
    writeln!(
        out,
        "placebo check of holding ({}): {} derived, {} reversed, {} (docs/validation.md)",
        counted(checked.len(), "decomposed judged claim"),
        count(AdjustedClass::Derived),
        count(AdjustedClass::Reversed),
        counted(count(AdjustedClass::Assumption), "assumption")
    )?;
    Ok(())
}

/// The classes and the mean pass rate of the judged (not exploratory) claims; with none
/// there is no pass rate to average (it read "0 claims ...; mean pass rate 0%"). "Derived"
/// is named as the share rule's class: it read "5 derived" bare, while docs/validation.md
/// found a rule of the model stating the sign of every claim that rule had classed derived.
fn verdict_totals(judged: &[&ClaimResult]) -> String {
    if judged.is_empty() {
        return "no judged claims: exploratory rows have no verdict, so no pass rate".into();
    }
    let derived = judged
        .iter()
        .filter(|r| r.class == coprod_scenario::ClaimClass::Derived)
        .count();
    let mean_pass = judged.iter().map(|r| r.judgement.pass_rate).sum::<f64>() / judged.len() as f64;
    format!(
        "{}: {derived} derived by the share rule, {}; mean pass rate {:.0}% (a rule may \
         still state a derived claim's sign: docs/validation.md, \"How to read 'derived'\")",
        counted(judged.len(), "claim"),
        counted(judged.len() - derived, "assumption"),
        100.0 * mean_pass
    )
}

/// Forest plot of total, direct and placebo-adjusted direct effects, each claim's rows next
/// to each other, in units of the sd of the total effect across replications, so rows on
/// different metrics share one axis.
fn draw_forest(results: &[ClaimResult], dir: &Path) -> Result<()> {
    let mut rows = Vec::new();
    for r in results {
        let j = &r.judgement;
        let Some(sd) = j.total.sd.filter(|s| *s > 0.0) else {
            continue;
        };
        let scaled = |mean: f64, ci: Option<(f64, f64)>| {
            let (l, h) = ci.unwrap_or((f64::NAN, f64::NAN));
            (mean / sd, l / sd, h / sd)
        };
        let (m, l, h) = scaled(j.total.mean, j.total.ci);
        rows.push(ForestRow::new(format!("{} total", r.id), m, l, h));
        if let Some(d) = r.all_held() {
            let (m, l, h) = scaled(d.direct.mean, d.direct.ci);
            rows.push(ForestRow::new(format!("{} direct", r.id), m, l, h));
            let (m, l, h) = scaled(d.adjusted.mean, d.adjusted.ci);
            let label = format!("{} direct, placebo-adjusted", r.id);
            rows.push(ForestRow::new(label, m, l, h));
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    let height = (200 + 40 * rows.len() as u32).clamp(ChartStyle::MIN_HEIGHT, ChartStyle::MAX_SIDE);
    let style = ChartStyle::new(
        "Total, direct (mediators held) and placebo-adjusted direct effects of the review's levers",
        "effect in sd of the total effect across replications, 95% CI",
        "",
        dir.join("validation_forest"),
    )
    .with_size(1400, height);
    forest_plot(&rows, &style).context("cannot draw the validation forest plot")?;
    Ok(())
}
