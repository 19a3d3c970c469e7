//! `coprod survey SCENARIO`: a survey of simulated citizens. Runs the scenario's baseline
//! replications to a stated horizon, takes a systematic sample of citizens from each run,
//! records their attributes and whether they co-produce (are active members of a group at
//! the horizon), and fits the logistic regression of published citizen surveys on
//! standardised predictors (docs/calibration.md, "A survey of simulated citizens").
//!
//! Owns the sample and the presentation; the regression is `coprod-analysis`'s.

use std::fmt;
use std::path::PathBuf;

use coprod_analysis::{LogisticError, LogisticFit, logistic};
use coprod_core::{CitizenRecord, Detail, simulate};
use coprod_output::{write_json_file, write_table};
use coprod_scenario::{RunSpec, Scenario};
use rayon::prelude::*;

use crate::error::{Result, StudyError, bail};
use crate::estimate;
use crate::progress::{Note, Progress};
use crate::run::Study;

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

/// How to run a survey (the flags of `coprod survey`).
#[derive(Clone, Debug)]
pub struct SurveyOptions {
    /// The scenario as named on the command line (recorded in the manifest's command).
    pub scenario: String,
    /// Step at which citizens are surveyed [default: the scenario's steps].
    pub horizon: Option<u32>,
    /// Citizens sampled from each baseline replication (all of them when the population is
    /// not larger).
    pub sample: u32,
    /// Output directory (default: `outputs/<scenario name>-survey`, numbered if taken).
    pub out: Option<PathBuf>,
    /// Worker threads.
    pub threads: usize,
}

/// A survey's fit; its `Display` is the table the command prints.
#[derive(Clone, Debug)]
pub struct Survey {
    /// Citizens sampled.
    pub respondents: usize,
    /// Share of them co-producing at the horizon.
    pub share: f64,
    /// The step surveyed.
    pub horizon: u32,
    /// (predictor, log-odds, se, z, rank), by rank.
    pub predictors: Vec<(&'static str, f64, f64, f64, usize)>,
    /// The output directory.
    pub dir: PathBuf,
}

impl fmt::Display for Survey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} respondents, {} co-produce at step {}",
            self.respondents,
            coprod_report::percent(self.share, 1),
            self.horizon
        )?;
        write!(
            f,
            "{:<12} {:>9} {:>8} {:>8} {:>5}",
            "predictor", "log-odds", "se", "z", "rank"
        )?;
        for (name, estimate, se, z, rank) in &self.predictors {
            write!(
                f,
                "\n{name:<12} {estimate:>9.3} {se:>8.3} {z:>8.2} {rank:>5}"
            )?;
        }
        Ok(())
    }
}

/// `coprod survey`: samples citizens of the baseline replications at a horizon and fits
/// the logistic regression of published citizen surveys; writes survey.csv,
/// survey-fit.csv and manifest.json.
pub fn survey(options: &SurveyOptions, progress: &dyn Progress) -> Result<Survey> {
    // The command line refuses 0 too; a library caller gets the same answer, not a panic.
    if options.sample == 0 {
        return Err(StudyError::Invalid(
            "--sample 0: a survey samples at least 1 citizen per run".into(),
        ));
    }
    let threads = options.threads;
    let scenario = field_scenario(&options.scenario)?;
    let horizon = options.horizon.unwrap_or(scenario.steps);
    let out = output_dir(options, &scenario)?;
    let runs: Vec<RunSpec<'_>> = scenario
        .runs()
        .filter(|r| r.variant == 0 && r.point == 0)
        .collect();
    // A sample as large as the population is the whole population (a census).
    let population = runs.first().map_or(0, |r| r.params.n_citizens as u64);
    let who = sample_words(options.sample, population);
    check_memory(&runs, population, threads, horizon)?;
    // Too few respondents for the regression is known before any run.
    let respondents = u64::from(options.sample).min(population) * runs.len() as u64;
    if respondents <= PREDICTORS.len() as u64 + 1 {
        return Err(StudyError::Invalid(too_few_respondents(
            respondents as usize,
        )));
    }
    let seconds: f64 = runs
        .iter()
        .map(|r| crate::estimate::params_run_seconds(&r.params, horizon))
        .sum();
    if let Some(note) = unused_note(&scenario) {
        progress.note(Note::Note(note));
    }
    progress.note(Note::Status(format!(
        "{}: {} to step {horizon}, {who}, {} on {}",
        scenario.name,
        crate::estimate::counted(runs.len(), "run"),
        crate::estimate::roughly(seconds, runs.len() as u64, threads),
        crate::estimate::on_this_machine(threads)
    )));
    // Written into a partial directory and moved into place when complete, like a run;
    // made before the runs so that a folder that cannot be written is refused up front.
    progress.on_interrupt(&crate::progress::nothing_written("survey"));
    let dir = crate::progress::Discard::make(progress, || {
        coprod_output::RunDir::create(
            &out,
            coprod_output::Existing::Refuse(coprod_output::Kind::Survey),
        )
    })?;
    // A failed survey leaves nothing (its partial directory is discarded), so its errors
    // name the files as they would be in the output, not in a folder that is gone.
    let target = dir.target().to_path_buf();
    sample_and_fit(options, (&scenario, &runs, horizon), dir, progress)
        .map_err(|e| e.at_final_paths(&target))
}

/// Samples the citizens of `runs` at `horizon`, fits the regression, writes the tables and
/// the manifest into `dir` (a new partial directory) and moves them into place.
fn sample_and_fit(
    options: &SurveyOptions,
    (scenario, runs, horizon): (&Scenario, &[RunSpec<'_>], u32),
    dir: coprod_output::RunDir,
    progress: &dyn Progress,
) -> Result<Survey> {
    let discard = crate::progress::Discard::new(progress);
    let respondents = sample_runs(runs, horizon, options.sample, options.threads)?;
    let raw: Vec<Vec<f64>> = respondents
        .iter()
        .map(|(_, c)| PREDICTORS.iter().map(|(_, _, f)| f(c)).collect())
        .collect();
    let y: Vec<bool> = respondents.iter().map(|(_, c)| c.active_at_end).collect();
    refuse_constant_predictors(&raw)?;
    let x = standardise(&raw);
    let fit = logistic(&x, &y).map_err(|e| fit_problem(&e, &y, horizon))?;
    let order = by_strength(&fit);
    let share = y.iter().filter(|v| **v).count() as f64 / y.len() as f64;
    let seeds: Vec<u64> = runs.iter().map(|r| r.seed).collect();
    let manifest = manifest(options, scenario, horizon, &seeds, y.len(), share);
    let out = discard.commit(dir, |staging| {
        let (header, rows) = survey_table(&respondents, &raw);
        write_table(&staging.join("survey.csv"), &header, &rows)?;
        let (header, rows) = fit_table(&fit, &order);
        write_table(&staging.join("survey-fit.csv"), &header, &rows)?;
        write_json_file(&staging.join("manifest.json"), &manifest)?;
        Ok(())
    })?;
    let predictors = order
        .iter()
        .map(|&j| {
            let c = &fit.coefficients[j];
            (PREDICTORS[j - 1].0, c.estimate, c.se, c.z, rank(&order, j))
        })
        .collect();
    Ok(Survey {
        respondents: y.len(),
        share,
        horizon,
        predictors,
        dir: out,
    })
}

/// The scenario named on the command line; it must be in the field setting, where citizens
/// live in communities.
fn field_scenario(name: &str) -> Result<Scenario> {
    let scenario = Study::load(name)?.scenario().clone();
    if scenario.base.is_lab() {
        bail!(
            "{}: a survey needs the field setting (citizens in communities)",
            scenario.origin
        );
    }
    Ok(scenario)
}

/// `--out`, which must not exist yet or be empty; or `outputs/<scenario name>-survey`,
/// numbered (`-2`, `-3`, ...) if taken, as the other commands' default folders are.
fn output_dir(options: &SurveyOptions, scenario: &Scenario) -> Result<PathBuf> {
    let Some(out) = options.out.clone() else {
        return Ok(coprod_output::default_run_dir(
            std::path::Path::new("outputs"),
            &format!("{}-survey", scenario.name),
        ));
    };
    crate::run::refuse_file_as_out(&out, true)?;
    // An empty directory may be used as is, as for every command (docs/outputs.md); any
    // other is refused, naming what it holds (another command's result, or no result).
    // The command has no --force, so an earlier survey is refused without suggesting one.
    let survey = coprod_output::Existing::Refuse(coprod_output::Kind::Survey);
    match coprod_output::RunDir::check(&out, survey) {
        Err(coprod_output::OutputError::Exists { other: None, .. }) => bail!(
            "output directory {} already exists and holds a survey result\n\nhint: write \
             elsewhere with {}",
            out.display(),
            crate::run::another_out(true)
        ),
        result => result?,
    }
    Ok(out)
}

/// What of the scenario the survey leaves out, if anything: it surveys the baseline's
/// replications only, at the first point of a sweep (named with its values, since the
/// status line and the manifest would otherwise let the reader assume the baseline's own
/// parameters).
fn unused_note(scenario: &Scenario) -> Option<String> {
    let variants = scenario.variants.len() > 1;
    let swept = !scenario.sweep.is_empty();
    let (at, left_out) = match (variants, swept) {
        (false, false) => return None,
        (true, false) => (String::new(), "its variants"),
        (false, true) => (first_point(scenario), "its other sweep points"),
        (true, true) => (first_point(scenario), "its variants or other sweep points"),
    };
    Some(format!(
        "{}: only the baseline{at} is surveyed, not {left_out}",
        scenario.name
    ))
}

/// " at the first point of its sweep (levers.outreach = 0.5)": where a survey of a swept
/// scenario runs.
fn first_point(scenario: &Scenario) -> String {
    let values = scenario.point_text(&scenario.point_values(0));
    let named: Vec<String> = scenario
        .sweep
        .iter()
        .zip(values)
        .map(|(axis, value)| format!("{} = {value}", axis.name()))
        .collect();
    format!(" at the first point of its sweep ({})", named.join(", "))
}

/// Who is surveyed in each run, for the status line.
fn sample_words(sample: u32, population: u64) -> String {
    match u64::from(sample).cmp(&population) {
        std::cmp::Ordering::Less => {
            format!(
                "{} sampled from each",
                crate::estimate::counted(sample, "citizen")
            )
        }
        std::cmp::Ordering::Equal => format!("all {population} citizens of each surveyed"),
        std::cmp::Ordering::Greater => format!(
            "all {population} citizens of each surveyed (the population is smaller than \
             --sample {sample})"
        ),
    }
}

/// Refuses a survey whose runs in flight would not fit in memory.
fn check_memory(runs: &[RunSpec<'_>], population: u64, threads: usize, horizon: u32) -> Result<()> {
    // The runs in flight at once, each with its model state, every citizen's record and
    // the per-step records to the horizon (a run's results are dropped once sampled).
    let in_flight = (threads as u64).min(runs.len() as u64).max(1);
    let state = runs.first().map_or(0, |r| {
        r.params
            .estimated_bytes()
            .saturating_add(population.saturating_mul(std::mem::size_of::<CitizenRecord>() as u64))
    });
    if let Some(problem) = estimate::runs_memory_problem(state, in_flight, in_flight, horizon) {
        let hint = crate::estimate::memory_hint(
            threads,
            runs.len() as u64,
            &[
                "a smaller --horizon",
                "fewer citizens (population.n_citizens)",
            ],
        );
        bail!("{problem}\n\nhint: {hint}");
    }
    Ok(())
}

/// Runs each replication to the horizon and samples its citizens: (replication, record),
/// in run order.
fn sample_runs(
    runs: &[RunSpec<'_>],
    horizon: u32,
    sample: u32,
    threads: usize,
) -> Result<Vec<(u32, CitizenRecord)>> {
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
                systematic_sample(out.citizens, sample as usize, r.seed)
                    .into_iter()
                    .map(|c| (r.replication, c))
                    .collect()
            })
            .collect()
    });
    Ok(samples.into_iter().flatten().collect())
}

/// The predictors' indices in `fit.coefficients`, strongest (largest |z|) first.
fn by_strength(fit: &LogisticFit) -> Vec<usize> {
    let mut order: Vec<usize> = (1..fit.coefficients.len()).collect();
    order.sort_by(|&a, &b| {
        fit.coefficients[b]
            .z
            .abs()
            .total_cmp(&fit.coefficients[a].z.abs())
    });
    order
}

/// Rank from 1 of coefficient `j` in `order` (0 if absent: the intercept).
fn rank(order: &[usize], j: usize) -> usize {
    order.iter().position(|&o| o == j).map_or(0, |p| p + 1)
}

/// survey.csv: one row per respondent with the raw predictor values.
fn survey_table(
    respondents: &[(u32, CitizenRecord)],
    raw: &[Vec<f64>],
) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header: Vec<String> = vec!["replication".into(), "citizen_id".into()];
    header.extend(PREDICTORS.iter().map(|(n, _, _)| n.to_string()));
    header.push("coproduces".into());
    let rows: Vec<Vec<String>> = respondents
        .iter()
        .zip(raw)
        .map(|((rep, c), values)| {
            let mut r = vec![rep.to_string(), c.citizen_id.to_string()];
            r.extend(values.iter().map(f64::to_string));
            r.push(c.active_at_end.to_string());
            r
        })
        .collect();
    (header, rows)
}

/// survey-fit.csv: the intercept, then the predictors in their order, with their ranks.
fn fit_table(fit: &LogisticFit, order: &[usize]) -> (Vec<String>, Vec<Vec<String>>) {
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
    let rows: Vec<Vec<String>> = fit
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
                    rank(order, j).to_string()
                },
            ]
        })
        .collect();
    (header, rows)
}

/// manifest.json: the command, the scenario as it ran (its text, so that the survey can be
/// repeated after the file changed), the runs' seeds and the size of the survey.
fn manifest(
    options: &SurveyOptions,
    scenario: &Scenario,
    horizon: u32,
    seeds: &[u64],
    respondents: usize,
    share: f64,
) -> serde_json::Value {
    serde_json::json!({
        "kind": "survey",
        "command": command(options, horizon),
        "scenario": {
            "name": scenario.name,
            "origin": scenario.origin,
            "source": scenario.source,
            "hash": scenario.fingerprint(),
        },
        "base_seed": scenario.seed,
        "seeds": seeds,
        "horizon": horizon,
        "sample": options.sample,
        "runs": seeds.len(),
        "respondents": respondents,
        "share_coproducing": share,
        "outcome": "active member of a group at the horizon",
        "predictors": "z-scores over the sample",
        "coprod_version": crate::VERSION,
    })
}

/// The command line that reproduces this survey, quoted for the shell: the horizon is the one
/// surveyed, stated even when it was the scenario's default.
fn command(options: &SurveyOptions, horizon: u32) -> String {
    let mut words = vec![
        "coprod".to_string(),
        "survey".into(),
        options.scenario.clone(),
        "--horizon".into(),
        horizon.to_string(),
        "--sample".into(),
        options.sample.to_string(),
    ];
    if let Some(out) = &options.out {
        words.extend(["--out".into(), out.display().to_string()]);
    }
    crate::resume::command_line(&words)
}

/// Why the survey regression cannot be fitted, in words.
fn fit_problem(error: &LogisticError, y: &[bool], horizon: u32) -> StudyError {
    let n = y.len();
    let yes = y.iter().filter(|v| **v).count();
    let text = match error {
        LogisticError::Shape => too_few_respondents(n),
        LogisticError::NoFit if yes == 0 || yes == n => format!(
            "cannot fit the survey regression: {} of the {n} respondents co-produce at step \
             {horizon}, so there is no difference to explain\n\nhint: survey at a later \
             --horizon, or more citizens (--sample, the scenario's replications)",
            if yes == 0 { "none" } else { "all" }
        ),
        LogisticError::NoFit => format!(
            "cannot fit the survey regression: with {yes} of the {n} respondents co-producing \
             at step {horizon}, the estimates do not converge (a predictor that hardly varies, \
             or one that separates co-producers from the others perfectly)\n\nhint: survey \
             more citizens (--sample, the scenario's replications) or at another --horizon"
        ),
    };
    StudyError::Invalid(text)
}

/// Why `n` respondents are too few for the regression's coefficients.
fn too_few_respondents(n: usize) -> String {
    let coefficients = PREDICTORS.len() + 1;
    format!(
        "cannot fit the survey regression: {n} respondent{} for {coefficients} coefficients (an \
         intercept and {} predictors); it needs at least {}\n\nhint: raise --sample or the \
         scenario's replications",
        if n == 1 { "" } else { "s" },
        PREDICTORS.len(),
        coefficients + 1
    )
}

/// Refuses a sample in which some predictor takes one value for every respondent (usually
/// because the scenario gives every citizen the same value of it), naming it: its effect
/// cannot be estimated, and the fit's general "do not converge" said neither which nor why.
fn refuse_constant_predictors(raw: &[Vec<f64>]) -> Result<()> {
    // Too few respondents for the coefficients is the fit's own error, which says so.
    if raw.len() <= PREDICTORS.len() + 1 {
        return Ok(());
    }
    let constant: Vec<String> = PREDICTORS
        .iter()
        .enumerate()
        .filter(|&(j, _)| raw.iter().all(|r| r[j] == raw[0][j]))
        .map(|(j, (name, _, _))| format!("`{name}` ({})", raw[0][j]))
        .collect();
    if constant.is_empty() {
        return Ok(());
    }
    let one = constant.len() == 1;
    let (its, it) = if one {
        ("its", "it")
    } else {
        ("their", "them")
    };
    bail!(
        "cannot fit the survey regression: {} the same for every one of the {} respondents, \
         so {its} effect cannot be estimated\n\nhint: survey a scenario in which citizens \
         differ in {it} (citizens.attribute_sd = 0, for one, gives every citizen the same \
         initial attributes), or more citizens (--sample)",
        if one {
            format!("{} is", constant[0])
        } else {
            format!("{} are", constant.join(", "))
        },
        raw.len(),
    )
}

/// A systematic sample of `n` citizens (all if fewer): see [`systematic_indices`].
fn systematic_sample(citizens: Vec<CitizenRecord>, n: usize, seed: u64) -> Vec<CitizenRecord> {
    if citizens.len() <= n {
        return citizens;
    }
    let mut wanted = systematic_indices(citizens.len(), n, seed)
        .into_iter()
        .peekable();
    citizens
        .into_iter()
        .enumerate()
        .filter(|(i, _)| wanted.next_if_eq(i).is_some())
        .map(|(_, c)| c)
        .collect()
}

/// The positions of a systematic sample of `n` of `len` (`n < len`): `floor((start + i x
/// len) / n)`, one every `len / n` citizens from a start the seed sets, uniform over the `len`
/// positions, so that every citizen is drawn with the same probability `n / len`. The
/// interval is the fraction, not its whole part, which would stop short of the last
/// communities (citizens are numbered community by community, the deprived ones first: 301
/// of 600 were the first 301). Where `len` is `k` times `n` the start is `seed mod k` whole
/// intervals: every k-th citizen from `seed mod k`, the sample of every earlier version.
fn systematic_indices(len: usize, n: usize, seed: u64) -> Vec<usize> {
    let start = if len.is_multiple_of(n) {
        (seed % (len / n) as u64) as usize * n
    } else {
        (seed % len as u64) as usize
    };
    (0..n).map(|i| (start + i * len) / n).collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The status line's words for who is surveyed: one citizen is not "1 citizens".
    #[test]
    fn the_status_line_counts_the_citizens_sampled() {
        assert_eq!(sample_words(1, 200), "1 citizen sampled from each");
        assert_eq!(sample_words(500, 5000), "500 citizens sampled from each");
        assert_eq!(sample_words(200, 200), "all 200 citizens of each surveyed");
    }

    /// Citizens are numbered community by community, the deprived communities first, so a
    /// sample must reach across all the numbers: 301 of 600 took every citizen up to 300,
    /// the first half, when the population was not a multiple of the sample.
    #[test]
    fn a_systematic_sample_spans_the_whole_population() {
        for (len, n) in [(600, 301), (1000, 300), (2000, 500), (201, 200), (7, 3)] {
            let stride = len / n;
            for seed in [0, 1, 5, 422_071_203_886_797] {
                let at = systematic_indices(len, n, seed);
                assert_eq!(at.len(), n, "{len} {n}");
                assert!(at.windows(2).all(|w| w[0] < w[1]), "{len} {n}: {at:?}");
                assert!(at[0] <= stride, "{len} {n}: starts at {}", at[0]);
                // The last one lies in the last stretch of (about) len / n citizens.
                let last = at[n - 1];
                assert!(
                    last < len && last + len.div_ceil(n) >= len,
                    "{len} {n}: {last}"
                );
            }
        }
        // A population that is a multiple of the sample is sampled every k-th, as before.
        assert_eq!(systematic_indices(2000, 500, 6)[..3], [2, 6, 10]);
    }

    /// Every citizen has the same chance to be drawn: over `len` seeds that cover the starts
    /// evenly, each is drawn exactly `n` times (with the start a whole number below
    /// `len / n`, 150 of 200 drew every fourth citizen never).
    #[test]
    fn a_systematic_sample_draws_every_citizen_alike() {
        for (len, n) in [(200, 150), (1000, 300), (600, 301), (7, 3), (2000, 500)] {
            let mut drawn = vec![0usize; len];
            for seed in 0..len as u64 {
                for i in systematic_indices(len, n, seed) {
                    drawn[i] += 1;
                }
            }
            assert!(drawn.iter().all(|&d| d == n), "{len} {n}: {drawn:?}");
        }
    }

    /// A predictor that every respondent shares is named, not reported as a fit that does
    /// not converge with a hint to survey more citizens.
    #[test]
    fn a_predictor_with_one_value_is_named() {
        let row = |time: f64, skill: f64| vec![0.3, time, skill, 0.5, 4.0, 0.6];
        let mut raw = vec![row(0.5, 0.25); 10];
        raw[3][0] = 0.4;
        raw[4][3] = 0.2;
        raw[5][4] = 6.0;
        raw[6][5] = 0.1;
        let both = refuse_constant_predictors(&raw).unwrap_err().to_string();
        assert!(
            both.contains(
                "cannot fit the survey regression: `time` (0.5), `skill` (0.25) are the same \
                 for every one of the 10 respondents, so their effect cannot be estimated"
            ),
            "{both}"
        );
        raw[7][2] = 0.3;
        let one = refuse_constant_predictors(&raw).unwrap_err().to_string();
        assert!(one.contains("`time` (0.5) is the same for every"), "{one}");
        raw[8][1] = 0.7;
        assert!(refuse_constant_predictors(&raw).is_ok());
    }

    #[test]
    fn standardised_columns_have_mean_0_and_sample_sd_1() {
        let raw = vec![
            vec![1.0, 10.0],
            vec![2.0, 10.0],
            vec![3.0, 10.0],
            vec![6.0, 10.0],
        ];
        let x = standardise(&raw);
        // Column 0: mean 3, sample variance (4 + 1 + 0 + 9) / 3 = 14 / 3.
        let sd = (14.0_f64 / 3.0).sqrt();
        for (row, v) in x.iter().zip([1.0, 2.0, 3.0, 6.0]) {
            assert!((row[0] - (v - 3.0) / sd).abs() < 1e-12, "{row:?}");
            // A constant column stays finite (0), not 0 / 0.
            assert_eq!(row[1], 0.0);
        }
    }

    #[test]
    fn the_share_of_co_producers_reads_0_or_100_percent_only_when_exact() {
        let survey = |share: f64| Survey {
            respondents: 5000,
            share,
            horizon: 1,
            predictors: vec![],
            dir: PathBuf::from("s"),
        };
        // 2 of 5,000 respondents.
        assert!(
            survey(0.0004)
                .to_string()
                .starts_with("5000 respondents, 0.04% co-produce at step 1"),
            "{}",
            survey(0.0004)
        );
        assert!(survey(0.0812).to_string().contains(", 8.1% co-produce"));
        assert!(survey(0.0).to_string().contains(", 0.0% co-produce"));
        // 4,998 of 5,000 respondents: not "100.0%", which would say that every one did.
        assert!(
            survey(0.9996).to_string().contains(", 99.96% co-produce"),
            "{}",
            survey(0.9996)
        );
        assert!(survey(1.0).to_string().contains(", 100.0% co-produce"));
    }

    #[test]
    fn a_regression_that_cannot_be_fitted_says_why_in_words() {
        let message = |y: &[bool]| fit_problem(&LogisticError::NoFit, y, 12).to_string();
        let none = message(&[false; 20]);
        assert!(
            none.contains("none of the 20 respondents co-produce at step 12"),
            "{none}"
        );
        let all = message(&[true; 20]);
        assert!(
            all.contains("all of the 20 respondents co-produce at step 12"),
            "{all}"
        );
        let mut some = [false; 20];
        some[..3].fill(true);
        let some = message(&some);
        assert!(
            some.contains(
                "with 3 of the 20 respondents co-producing at step 12, the estimates \
                 do not converge"
            ),
            "{some}"
        );
        let few = fit_problem(&LogisticError::Shape, &[true], 12).to_string();
        assert!(few.contains("1 respondent for 7 coefficients"), "{few}");
    }
}
