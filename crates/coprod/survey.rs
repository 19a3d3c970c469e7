//! `coprod survey SCENARIO`: a survey of simulated citizens. Runs the scenario's baseline
//! replications to a stated horizon, takes a systematic sample of citizens from each run,
//! records their attributes and whether they co-produce (are active members of a group at
//! the horizon), and fits the logistic regression of published citizen surveys on
//! standardised predictors (docs/calibration.md, "A survey of simulated citizens").
//!
//! Owns the sample and the presentation; the regression is `coprod-analysis`'s.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use coprod_analysis::logistic;
use coprod_core::{CitizenRecord, Detail, simulate};
use coprod_output::{write_json_file, write_table};
use rayon::prelude::*;

use crate::cli::SurveyArgs;
use crate::shipped;

/// The predictors: column name, what it stands for in citizen surveys, and its value.
type Predictor = (&'static str, &'static str, fn(&CitizenRecord) -> f64);

const PREDICTORS: &[Predictor] = &[
    ("efficacy", "self-efficacy", |c| c.efficacy),
    ("time", "resources (time)", |c| c.time),
    ("skill", "resources (skills, education)", |c| c.skill),
    ("trust", "trust in the provider", |c| c.trust),
    ("ties", "social ties", |c| f64::from(c.ties)),
    ("motivation", "public-service motivation", |c| c.motivation),
];

pub(crate) fn survey(args: SurveyArgs, threads: usize, stdout: &mut impl Write) -> Result<()> {
    let scenario = shipped::load(&args.scenario)?;
    if scenario.base.setting != 0.0 {
        bail!(
            "{}: a survey needs the field setting (citizens in communities)",
            scenario.origin
        );
    }
    let horizon = args.horizon.unwrap_or(scenario.steps);
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("outputs").join(format!("{}-survey", scenario.name)));
    if out.exists() {
        bail!(
            "output directory {} already exists\n\nhint: use --out DIR",
            out.display()
        );
    }
    let runs: Vec<_> = scenario
        .runs()
        .filter(|r| r.variant == 0 && r.point == 0)
        .collect();
    eprintln!(
        "{}: {} runs to step {horizon}, {} citizens sampled from each, {threads} threads",
        scenario.name,
        runs.len(),
        args.sample
    );
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()?;
    let samples: Vec<Vec<(u32, CitizenRecord)>> = pool.install(|| {
        runs.par_iter()
            .map(|r| {
                let out = simulate(
                    &r.params,
                    r.interventions,
                    horizon,
                    r.seed,
                    Detail::WithCitizens,
                );
                systematic_sample(out.citizens, args.sample as usize, r.seed)
                    .into_iter()
                    .map(|c| (r.replication, c))
                    .collect()
            })
            .collect()
    });
    let respondents: Vec<(u32, CitizenRecord)> = samples.into_iter().flatten().collect();
    let raw: Vec<Vec<f64>> = respondents
        .iter()
        .map(|(_, c)| PREDICTORS.iter().map(|(_, _, f)| f(c)).collect())
        .collect();
    let y: Vec<bool> = respondents.iter().map(|(_, c)| c.active_at_end).collect();
    let x = standardise(&raw);
    let fit = logistic(&x, &y).map_err(|e| {
        anyhow::anyhow!(
            "cannot fit the survey regression ({e:?}): too few co-producers or a constant predictor"
        )
    })?;
    std::fs::create_dir_all(&out).with_context(|| format!("cannot create {}", out.display()))?;
    let mut header: Vec<String> = vec!["replication".into(), "citizen_id".into()];
    header.extend(PREDICTORS.iter().map(|(n, _, _)| n.to_string()));
    header.push("coproduces".into());
    let rows: Vec<Vec<String>> = respondents
        .iter()
        .zip(&raw)
        .map(|((rep, c), values)| {
            let mut r = vec![rep.to_string(), c.citizen_id.to_string()];
            r.extend(values.iter().map(f64::to_string));
            r.push(c.active_at_end.to_string());
            r
        })
        .collect();
    write_table(&out.join("survey.csv"), &header, &rows)?;
    let mut order: Vec<usize> = (1..fit.coefficients.len()).collect();
    order.sort_by(|&a, &b| {
        fit.coefficients[b]
            .z
            .abs()
            .total_cmp(&fit.coefficients[a].z.abs())
    });
    let rank = |j: usize| order.iter().position(|&o| o == j).map_or(0, |p| p + 1);
    let header: Vec<String> = [
        "predictor",
        "stands_for",
        "estimate",
        "se",
        "z",
        "p_value",
        "rank",
    ]
    .map(String::from)
    .to_vec();
    let table: Vec<Vec<String>> = fit
        .coefficients
        .iter()
        .enumerate()
        .map(|(j, c)| {
            let (name, meaning) = if j == 0 {
                ("intercept", "")
            } else {
                (PREDICTORS[j - 1].0, PREDICTORS[j - 1].1)
            };
            vec![
                name.to_string(),
                meaning.to_string(),
                c.estimate.to_string(),
                c.se.to_string(),
                c.z.to_string(),
                c.p_value.to_string(),
                if j == 0 {
                    String::new()
                } else {
                    rank(j).to_string()
                },
            ]
        })
        .collect();
    write_table(&out.join("survey-fit.csv"), &header, &table)?;
    let share = y.iter().filter(|v| **v).count() as f64 / y.len() as f64;
    let manifest = serde_json::json!({
        "command": format!("coprod survey {} --horizon {horizon} --sample {}", args.scenario, args.sample),
        "scenario": scenario.origin,
        "horizon": horizon,
        "runs": runs.len(),
        "respondents": y.len(),
        "share_coproducing": share,
        "outcome": "active member of a group at the horizon",
        "predictors": "z-scores over the sample",
        "coprod_version": env!("CARGO_PKG_VERSION"),
    });
    write_json_file(&out.join("manifest.json"), &manifest)?;
    writeln!(
        stdout,
        "{} respondents, {:.1}% co-produce at step {horizon}",
        y.len(),
        100.0 * share
    )?;
    writeln!(
        stdout,
        "{:<12} {:>9} {:>8} {:>8} {:>5}",
        "predictor", "log-odds", "se", "z", "rank"
    )?;
    for &j in &order {
        let c = &fit.coefficients[j];
        writeln!(
            stdout,
            "{:<12} {:>9.3} {:>8.3} {:>8.2} {:>5}",
            PREDICTORS[j - 1].0,
            c.estimate,
            c.se,
            c.z,
            rank(j)
        )?;
    }
    writeln!(stdout, "{}", out.display())?;
    Ok(())
}

/// Every k-th citizen from an offset set by the seed, `n` in all (all if fewer).
fn systematic_sample(citizens: Vec<CitizenRecord>, n: usize, seed: u64) -> Vec<CitizenRecord> {
    if citizens.len() <= n {
        return citizens;
    }
    let stride = citizens.len() / n;
    let offset = (seed % stride as u64) as usize;
    citizens
        .into_iter()
        .skip(offset)
        .step_by(stride)
        .take(n)
        .collect()
}

/// Columns as z-scores (mean 0, sd 1) so coefficients are comparable across predictors.
fn standardise(raw: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let k = raw.first().map_or(0, Vec::len);
    let n = raw.len() as f64;
    let stats: Vec<(f64, f64)> = (0..k)
        .map(|j| {
            let mean = raw.iter().map(|r| r[j]).sum::<f64>() / n;
            let var = raw.iter().map(|r| (r[j] - mean).powi(2)).sum::<f64>() / (n - 1.0);
            (mean, var.sqrt().max(1e-12))
        })
        .collect();
    raw.iter()
        .map(|r| {
            r.iter()
                .zip(&stats)
                .map(|(v, (m, s))| (v - m) / s)
                .collect()
        })
        .collect()
}
