//! `coprod validate`: runs one experiment per proposition of the literature review
//! (`scenarios/validation/*.toml`, embedded in the binary), prints a table, and writes
//! `validation.csv`, a forest plot of standardised effects and a manifest.
//!
//! Owns the list of validation scenarios and the presentation; the statistics are in
//! `coprod-validate`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use coprod_output::{
    Existing, RunDir, ValidationManifest, ValidationRow, default_run_dir, write_validation,
};
use coprod_plot::{ChartStyle, ForestRow, forest_plot};
use coprod_scenario::{Direction, Scenario};
use coprod_sweep::Runner;
use coprod_validate::{CaseResult, evaluate};

use crate::cli::ValidateArgs;

macro_rules! validation_files {
    ($($id:literal),* $(,)?) => {
        &[$(($id, include_str!(concat!("../../scenarios/validation/", $id, ".toml")))),*]
    };
}

/// Id and text of every validation scenario, in the order of the propositions in docs/claims.md, then the
/// exploratory rows.
pub(crate) const VALIDATION: &[(&str, &str)] = validation_files!(
    "P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9", "B1", "B2", "B3", "B4", "B5", "B6", "E1",
    "E2", "E3", "E4", "O1", "O2", "O3", "O4", "C1", "C2", "C3", "C4", "X1", "X2",
);

/// Runs the selected validation experiments. Returns whether every verdict passed.
pub(crate) fn validate(args: ValidateArgs, threads: usize, out: &mut impl Write) -> Result<bool> {
    let scenarios = selected(&args.only, args.replications, args.seed)?;
    let target = match &args.out {
        Some(dir) => dir.clone(),
        None => default_run_dir(&PathBuf::from("outputs"), "validation"),
    };
    let existing = if args.force {
        Existing::Replace
    } else {
        Existing::Refuse
    };
    let dir = RunDir::create(&target, existing)?;
    let runner = Runner::new(threads)?;
    let mut results = Vec::new();
    for scenario in &scenarios {
        eprintln!("validating {} ...", scenario.name);
        results.push(evaluate(scenario, &runner)?);
    }
    print_table(&results, out)?;
    let rows: Vec<ValidationRow> = results.iter().map(row).collect();
    let manifest = ValidationManifest {
        kind: "validation",
        coprod_version: env!("CARGO_PKG_VERSION").to_string(),
        propositions: results.iter().map(|r| r.id.clone()).collect(),
        replications_override: args.replications,
        seed_override: args.seed,
        threads,
    };
    write_validation(dir.staging(), &rows, &manifest)?;
    draw_forest(&results, dir.staging())?;
    let path = dir.commit()?;
    writeln!(out, "{}", path.display())?;
    Ok(results
        .iter()
        .all(|r| r.verdict != coprod_validate::Verdict::Fail))
}

fn selected(
    only: &[String],
    replications: Option<u32>,
    seed: Option<u64>,
) -> Result<Vec<Scenario>> {
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
    let settings = crate::run::with_experiment_options(&[], replications, seed);
    VALIDATION
        .iter()
        .filter(|(id, _)| only.is_empty() || only.iter().any(|o| o.eq_ignore_ascii_case(id)))
        .map(|(id, text)| {
            let origin = format!("scenarios/validation/{id}.toml");
            let mut scenario = Scenario::from_toml(text, &origin, id)
                .with_context(|| format!("invalid validation scenario {origin}"))?;
            scenario.apply_settings(&settings)?;
            Ok(scenario)
        })
        .collect()
}

fn direction(d: Direction) -> &'static str {
    match d {
        Direction::Increase => "increase",
        Direction::Decrease => "decrease",
        Direction::InteriorOptimum => "interior_optimum",
    }
}

fn row(r: &CaseResult) -> ValidationRow {
    let ab = r.ablation.as_ref();
    ValidationRow {
        id: r.id.clone(),
        claim: r.claim.clone(),
        kind: r.kind.clone(),
        metric: r.metric.clone(),
        direction: direction(r.direction).into(),
        effect: r.effect.mean,
        ci_low: r.effect.ci.map(|c| c.0),
        ci_high: r.effect.ci.map(|c| c.1),
        n: r.effect.n,
        standardised_effect: r.standardised,
        verdict: r.verdict.as_str().into(),
        ablation_channels: ab.map(|a| a.channels.join(";")).unwrap_or_default(),
        ablation_effect: ab.map(|a| a.effect.mean),
        ablation_ci_low: ab.and_then(|a| a.effect.ci.map(|c| c.0)),
        ablation_ci_high: ab.and_then(|a| a.effect.ci.map(|c| c.1)),
        ablation_shrink: ab.map(|a| a.shrink.mean),
        ablation_shrink_ci_low: ab.and_then(|a| a.shrink.ci.map(|c| c.0)),
        note: r.note.clone(),
    }
}

fn print_table(results: &[CaseResult], out: &mut impl Write) -> Result<()> {
    writeln!(
        out,
        "{:<4} {:<28} {:>10} {:>23} {:>4} {:<11} {:>10} {:>23}",
        "id", "metric", "effect", "95% CI", "n", "verdict", "ablation", "ablation 95% CI"
    )?;
    let ci =
        |c: Option<(f64, f64)>| c.map_or_else(String::new, |(l, h)| format!("[{l:.4}, {h:.4}]"));
    for r in results {
        let (ab, ab_ci) = r
            .ablation
            .as_ref()
            .map_or((String::new(), String::new()), |a| {
                (format!("{:.4}", a.effect.mean), ci(a.effect.ci))
            });
        writeln!(
            out,
            "{:<4} {:<28} {:>10.4} {:>23} {:>4} {:<11} {:>10} {:>23}",
            r.id,
            r.metric,
            r.effect.mean,
            ci(r.effect.ci),
            r.effect.n,
            r.verdict.as_str(),
            ab,
            ab_ci
        )?;
    }
    let passed = results
        .iter()
        .filter(|r| r.verdict == coprod_validate::Verdict::Pass)
        .count();
    let judged = results
        .iter()
        .filter(|r| r.verdict != coprod_validate::Verdict::Exploratory)
        .count();
    writeln!(out, "{passed} of {judged} propositions pass")?;
    Ok(())
}

/// Forest plot of standardised effects (mean over sd across replications), so rows on
/// different metrics share one axis.
fn draw_forest(results: &[CaseResult], dir: &std::path::Path) -> Result<()> {
    let rows: Vec<ForestRow> = results
        .iter()
        .filter_map(|r| {
            let sd = r.effect.sd.filter(|s| *s > 0.0)?;
            let (low, high) = r.effect.ci?;
            let label = format!("{} {}", r.id, r.metric.replace('_', " "));
            Some(ForestRow::new(
                label,
                r.effect.mean / sd,
                low / sd,
                high / sd,
            ))
        })
        .collect();
    if rows.is_empty() {
        return Ok(());
    }
    let style = ChartStyle::new(
        "Effects of the review's levers in the model",
        "standardised effect (mean / sd across replications), 95% CI",
        "",
        dir.join("validation_forest"),
    )
    .with_size(1400, 1600);
    forest_plot(&rows, &style).context("cannot draw the validation forest plot")?;
    Ok(())
}
