//! `coprod merge SHARD_DIR... --out DIR`: check that shard directories belong to the same
//! scenario and coprod version and cover every run exactly once, then stream their rows in
//! run-id order through the same writer as `coprod run`, so summary.csv, comparison.csv,
//! charts and index.html come from the same code and the result is byte-identical to a
//! single-process run (only manifest.json's `timing` differs).
//!
//! Owns the checks and their messages (which runs are missing or duplicated, and how to
//! re-run those shards); the row streaming is `coprod_output::Writer::append_shard`.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use coprod_output::read::{self, Expected, ParametersTable};
use coprod_output::{
    Existing, SHARD_JSON, ShardInfo, ShardScenario, Writer, describe_range, describe_ranges,
    missing_and_duplicate_runs,
};
use coprod_scenario::{Scenario, Setting};

use coprod_sweep::Runner;

use crate::error::{Context, Result, bail, invalid};
use crate::progress::{Note, Progress, without_interruption};
use crate::{compare, finish};

/// What `coprod merge` wrote.
#[derive(Clone, Debug)]
pub struct Merged {
    /// The merged run directory.
    pub dir: PathBuf,
    /// Shard directories merged.
    pub shards: usize,
    /// Runs of the scenario.
    pub runs: u64,
    /// Runs that failed (listed in failures.csv).
    pub failed: u64,
    /// The scenario's name.
    pub scenario: String,
}

/// `coprod merge SHARD_DIR... --out DIR`: checks that the shard directories belong to one
/// scenario and coprod version and cover every run once, then writes the run directory
/// `out` (replacing an earlier one if `force`), byte-identical to a single run's.
pub fn merge(
    shard_dirs: &[PathBuf],
    out: &Path,
    (force, threads): (bool, usize),
    progress: &dyn Progress,
) -> Result<Merged> {
    // A merge that fails leaves no partial directory (it is run again from its shards), so
    // its errors name the files as they would be in `out`, not in a folder that is gone.
    merge_into(shard_dirs, out, (force, threads), progress).map_err(|e| {
        let e = e.at_final_paths(out);
        if e.is_io() {
            invalid!(
                "{}\n\nhint: the shards are unchanged; once the cause is fixed (for example \
                 free some disk space), give the same command again",
                crate::error::chain(&e)
            )
        } else {
            e
        }
    })
}

fn merge_into(
    shard_dirs: &[PathBuf],
    out: &Path,
    (force, threads): (bool, usize),
    progress: &dyn Progress,
) -> Result<Merged> {
    if shard_dirs.is_empty() {
        bail!("no shard directories given");
    }
    let started = SystemTime::now();
    let clock = Instant::now();
    let mut shards = read_shards(shard_dirs)?;
    check_same_run(&shards)?;
    check_same_report(&shards)?;
    check_coverage(&shards)?;
    // The recipe comes from the first shard given, before sorting reorders them.
    let first = shards[0].1.clone();
    shards.sort_by_key(|(_, s)| (s.first_run, s.runs));
    // Empty shards hold nothing; the others are now contiguous blocks in run order.
    shards.retain(|(_, s)| s.runs > 0);

    let scenario = resolve(&first)?;
    if let Some((problem, hint)) = crate::estimate::merge_memory_refusal(&scenario) {
        bail!("{problem}\n\nhint: {hint}");
    }
    // Any shard's `--against` warns: shards may differ in giving the default reference.
    let against_given = shards.iter().any(|(_, s)| against_given(&s.scenario));
    warn(&scenario, &first.scenario, against_given, progress);
    let (dir, failed) = write_merged(
        &shards,
        &first.scenario,
        &scenario,
        (out, force, threads),
        (started, clock),
        progress,
    )?;
    Ok(Merged {
        dir,
        shards: shard_dirs.len(),
        runs: scenario.n_runs(),
        failed,
        scenario: scenario.name,
    })
}

/// Whether a shard was run with `--against`. A shard.json from before `against_given` was
/// recorded keeps no other sign of it than a reference other than the baseline.
fn against_given(recipe: &ShardScenario) -> bool {
    recipe
        .against_given
        .unwrap_or(recipe.against != coprod_scenario::BASELINE)
}

/// The warnings every shard gave before it ran (`coprod run`'s, on the scenario and on the
/// `--metric` and `--against` options), once: a user who reads only the merge's output
/// must not miss them.
fn warn(scenario: &Scenario, recipe: &ShardScenario, against_given: bool, progress: &dyn Progress) {
    let warnings = [
        scenario.naming_the_file(scenario.warnings()),
        compare::option_warnings(scenario, &recipe.metrics, against_given),
    ];
    for warning in warnings.concat() {
        progress.note(Note::Warning(warning));
    }
}

/// Each directory's shard.json, with a hint to finish an interrupted run of a shard.
fn read_shards(shard_dirs: &[PathBuf]) -> Result<Vec<(PathBuf, ShardInfo)>> {
    let mut shards: Vec<(PathBuf, ShardInfo)> = Vec::new();
    for dir in shard_dirs {
        let info = coprod_output::read_shard(dir).map_err(|err| {
            let partial = coprod_output::partial_dir(dir);
            if partial.is_dir() {
                invalid!(
                    "{err}; an interrupted run of it is in {}\n\nhint: finish it with the same \
                     `coprod run ... --shard I/N` command plus --resume, then merge again",
                    partial.display()
                )
            } else if !dir.exists() {
                // Not "it has no shard.json": there is nothing there at all.
                invalid!(
                    "{}: no such shard directory\n\nhint: give the folders that `coprod run \
                     --shard I/N` wrote",
                    dir.display()
                )
            } else {
                err.into()
            }
        })?;
        shards.push((dir.clone(), info));
    }
    Ok(shards)
}

/// Every shard written by this coprod version, for the same scenario and run count as the
/// first one; checked shard by shard, so the first bad shard is the one reported.
fn check_same_run(shards: &[(PathBuf, ShardInfo)]) -> Result<()> {
    let version = crate::VERSION;
    let (first_dir, first) = (&shards[0].0, &shards[0].1);
    for (dir, info) in shards {
        if info.coprod_version != version {
            bail!(
                "{} was written by coprod {}, but this is coprod {version}: shards merge only \
                 with the version that wrote them\n\nhint: re-run the shards with coprod \
                 {version}, or merge with coprod {}",
                dir.display(),
                info.coprod_version,
                info.coprod_version
            );
        }
        if info.group_rows.is_none() {
            bail!(
                "{} was written by another build of coprod {}, whose {SHARD_JSON} does not \
                 record group_rows (the rows of groups.csv, which merge checks): shards merge \
                 only with the version that wrote them\n\nhint: re-run the shards with this \
                 coprod",
                dir.display(),
                info.coprod_version
            );
        }
        if info.scenario_hash != first.scenario_hash || info.total_runs != first.total_runs {
            if let Some((a, b)) = differences(first, info) {
                bail!(
                    "{} and {} are shards of different runs: {a} in the first, {b} in the \
                     second\n\nhint: merge only the shards of one `coprod run ... --shard I/N` \
                     command",
                    first_dir.display(),
                    dir.display(),
                );
            }
            bail!(
                "{} and {} are shards of different scenarios or options (scenario fingerprints \
                 {} and {}, {} and {} runs)\n\nhint: merge only the shards of one `coprod run \
                 ... --shard I/N` command",
                first_dir.display(),
                dir.display(),
                first.scenario_hash,
                info.scenario_hash,
                first.total_runs,
                info.total_runs
            );
        }
    }
    Ok(())
}

/// What differs between the runs of shards `a` and `b`, in words, as (`a`'s, `b`'s): their
/// scenarios as resolved, compared by `Scenario::recipe`. `None` when a scenario cannot be
/// resolved or the recipes agree (then only the fingerprints can tell them apart).
fn differences(a: &ShardInfo, b: &ShardInfo) -> Option<(String, String)> {
    let recipe = |shard: &ShardInfo| resolve_unchecked(shard).ok().map(|s| s.recipe());
    coprod_output::recipe_differences(&recipe(a)?, &recipe(b)?)
}

/// Every shard asks for the same report as the first one. The fingerprint covers only
/// what decides the rows, so shards of one scenario may still differ in what the merged
/// report would say (the name, the `[report]` metrics, the description, `--metric`,
/// `--against`);
/// merging would silently take the first shard's choice.
fn check_same_report(shards: &[(PathBuf, ShardInfo)]) -> Result<()> {
    let (first_dir, first) = (&shards[0].0, &shards[0].1);
    let wanted = report_choices(first_dir, first)?;
    for (dir, info) in &shards[1..] {
        let asked = report_choices(dir, info)?;
        let differ: Vec<&str> = wanted
            .iter()
            .zip(&asked)
            .filter(|(a, b)| a.1 != b.1)
            .map(|(a, _)| a.0)
            .collect();
        if !differ.is_empty() {
            bail!(
                "{} and {} are shards of one scenario but ask for different reports ({} \
                 differ)\n\nhint: run every shard with the same scenario file and the same \
                 --metric and --against options",
                first_dir.display(),
                dir.display(),
                differ.join(", ")
            );
        }
    }
    Ok(())
}

/// What a shard's report shows, as (what, value) pairs in a fixed order.
fn report_choices(dir: &Path, info: &ShardInfo) -> Result<[(&'static str, String); 5]> {
    let recipe = &info.scenario;
    let scenario = Scenario::from_toml(&recipe.source, &recipe.origin, &recipe.name)
        .with_context(|| format!("cannot read the scenario recorded in {}", dir.display()))?;
    Ok([
        ("name", scenario.name),
        ("[report] metrics", scenario.report_metrics.join(",")),
        ("description", scenario.description),
        ("--metric", recipe.metrics.join(",")),
        ("--against", recipe.against.clone()),
    ])
}

/// Refuses an output directory `out` that a merge of the shard folders `inputs` (with
/// `--force` if `force`) could not write. Also run by `coprod slurm --replace-results`,
/// whose merge job must not fail on its output only after the cluster work is done.
pub(crate) fn check_out(out: &Path, inputs: &[&Path], force: bool) -> Result<()> {
    let existing = Existing::forced(coprod_output::Kind::Run, force);
    existing.check_inputs_outside(out, inputs)?;
    coprod_output::RunDir::check(out, existing)?;
    Ok(())
}

/// Streams the shards' rows (sorted, non-empty) into the run directory `out` (replacing an
/// earlier one if `force`) and finishes it as `coprod run` does. Returns the directory written and the number of failed runs.
fn write_merged(
    shards: &[(PathBuf, ShardInfo)],
    recipe: &ShardScenario,
    scenario: &Scenario,
    (out, force, threads): (&Path, bool, usize),
    (started, clock): (SystemTime, Instant),
    progress: &dyn Progress,
) -> Result<(PathBuf, u64)> {
    let existing = Existing::forced(coprod_output::Kind::Run, force);
    let inputs: Vec<&Path> = shards.iter().map(|(dir, _)| dir.as_path()).collect();
    check_out(out, &inputs, force)?;
    let swept: Vec<String> = scenario
        .sweep
        .iter()
        .map(|a| a.name().to_string())
        .collect();
    let metrics = compare::metrics(
        &recipe.metrics,
        &scenario.report_metrics,
        scenario.runs_lab(),
    )?;
    let settings = recorded_settings(recipe)?;
    let runner = Runner::new(threads)?;
    let mut manifest = finish::manifest(
        scenario,
        &settings,
        recipe.quick,
        started,
        clock,
        runner.threads(),
    );
    let read_back = ReadBack::of(scenario, &swept, &manifest, out)?;
    // Every shard complete, and as `coprod plot` reads a run directory back, before
    // anything is written: a file cut short at a line end would otherwise merge into a
    // directory with runs missing their rows, and a value edited into one that
    // `coprod plot` refuses.
    let identity = |run_id: u64| run_identity(scenario, run_id);
    for (dir, shard) in shards {
        read_back
            .check(dir, shard, (&swept, u64::from(scenario.steps)), &identity)
            .with_context(|| format!("cannot merge {}", dir.display()))?;
    }
    progress.on_interrupt(&crate::progress::nothing_written("merged run"));
    let mut writer = create_discarded(out, swept, existing, progress)?;
    let discard = crate::progress::Discard::new(progress);
    for (dir, shard) in shards {
        writer
            .append_shard(dir, shard)
            .with_context(|| format!("cannot merge {}", dir.display()))?;
    }
    let failed = writer.failed_runs();
    manifest.failed_runs = failed;
    manifest.files = writer.files();
    let completed = writer
        .complete(manifest.experiment.steps)
        .with_context(|| format!("cannot finish {}", out.display()))?;
    // The manifest was made before the shards were read back, to check them against it;
    // its time is the merge's, to the complete tables, as a run's is.
    manifest.timing.wall_seconds = finish::wall_seconds(clock);
    // Held off while the derived files are written and moved into place: the handler would
    // remove the directory while they are written into it (as in `Discard::commit`).
    // The charts are drawn on the -j threads, as by `coprod run`. The hold is taken on the
    // pool's thread, not around `install`: `finish` takes it again to move the directory
    // into place, and the terminal's hold is reentrant only on the thread that holds it, so
    // a hold taken here and waiting for the pool would wait for ever.
    let dir = runner.install(|| {
        without_interruption(progress, || {
            let (dir, _) = finish::finish(
                completed,
                manifest,
                scenario,
                (&metrics, recipe.against.as_str()),
                out,
                None,
                progress,
            )?;
            drop(discard);
            crate::progress::complete_in(progress, &dir);
            Ok::<_, crate::error::StudyError>(dir)
        })
    })?;
    Ok((dir, failed))
}

/// What the merged directory's read-back (`coprod plot`) checks its files against: the
/// manifest and parameters.csv that the merge writes, known before it writes anything.
struct ReadBack {
    expected: Expected,
    parameters: ParametersTable,
}

impl ReadBack {
    /// The read-back's view of the merged run of `scenario` (swept parameters `swept`),
    /// whose manifest will be `manifest`, in `out`.
    fn of(
        scenario: &Scenario,
        swept: &[String],
        manifest: &coprod_output::Manifest,
        out: &Path,
    ) -> Result<ReadBack> {
        let json = serde_json::to_value(manifest)
            .map_err(|e| invalid!("cannot describe the merged run's manifest: {e}"))?;
        Ok(ReadBack {
            expected: Expected::of_manifest(out, &json)?,
            parameters: ParametersTable {
                swept: swept.to_vec(),
                rows: finish::parameter_rows(scenario),
            },
        })
    }

    /// Refuses the shard `dir` (`shard`, of a scenario with the swept parameters and
    /// steps `(swept, steps)` and runs named as `identity` says) unless it is complete
    /// ([`coprod_output::check_shard`]) and its rows read back as those of a run directory
    /// (the checks of `coprod plot`, with its messages). runs.csv is read back first, so
    /// that a seed is named against the base seed; timeseries.csv and groups.csv after the
    /// completeness checks, which name a file cut short as such. Each file is streamed
    /// once more than by the completeness checks alone.
    fn check(
        &self,
        dir: &Path,
        shard: &ShardInfo,
        (swept, steps): (&[String], u64),
        identity: &dyn Fn(u64) -> Vec<String>,
    ) -> Result<()> {
        let runs = read::read_runs_of(dir, Some(&self.expected))?;
        coprod_output::check_shard(dir, shard, swept, steps, identity)?;
        let parameters = Some(&self.parameters);
        read::each_row(dir, &runs, parameters, Some(&self.expected), &mut ())?;
        Ok(())
    }
}

/// The writer of the merged run at `out`, whose partial directory an interruption removes
/// from the moment it exists ([`Progress::discard_made`]): it holds nothing kept.
fn create_discarded(
    out: &Path,
    swept: Vec<String>,
    existing: Existing,
    progress: &dyn Progress,
) -> Result<Writer> {
    let (mut swept, mut made) = (Some(swept), None);
    progress.discard_made(&mut || {
        let writer = Writer::create(out, swept.take()?, existing);
        let staging = writer.is_ok().then(|| coprod_output::partial_dir(out));
        made = Some(writer);
        staging
    });
    Ok(made.expect("discard_made calls make once")?)
}

/// How runs.csv names run `run_id` of `scenario`, as `coprod run` writes it: the variant,
/// the value of each swept parameter, the replication and the seed. Empty for a run id past
/// the scenario's runs (the coverage check has refused those). Also what `coprod run
/// --resume` checks the saved runs against.
pub(crate) fn run_identity(scenario: &Scenario, run_id: u64) -> Vec<String> {
    let Some((variant, point, replication)) = scenario.run_position(run_id) else {
        return Vec::new();
    };
    let mut fields = vec![scenario.variants[variant].name.clone()];
    fields.extend(scenario.point_text(&scenario.point_values(point)));
    fields.push(replication.to_string());
    fields.push(coprod_scenario::run_seed(scenario.seed, replication).to_string());
    fields
}

/// Refuses shard folders of different kinds (a run shard with a validation shard): merge
/// reads every folder as the first one's kind, and the other kind's files would be called
/// malformed rather than what they are.
pub fn check_one_kind(shard_dirs: &[PathBuf]) -> Result<()> {
    let kinds: Vec<(&PathBuf, &str)> = shard_dirs
        .iter()
        .filter_map(|dir| Some((dir, shard_kind(dir)?)))
        .collect();
    let Some(&(first, kind)) = kinds.first() else {
        return Ok(());
    };
    if let Some(&(other, other_kind)) = kinds.iter().find(|(_, k)| *k != kind) {
        bail!(
            "{} is {kind} and {} is {other_kind}: coprod merge puts together the shards of \
             one run, validation or calibration\n\nhint: merge each kind's shards separately",
            first.display(),
            other.display()
        );
    }
    Ok(())
}

/// What kind of folder `dir` is, in words; `None` for none that merge takes (the merge
/// then says what is missing).
fn shard_kind(dir: &Path) -> Option<&'static str> {
    if crate::is_calibration(dir) {
        Some("a calibration")
    } else if is_validation_result(dir) {
        Some("a validation shard")
    } else if dir.join(SHARD_JSON).is_file() {
        Some("a run shard")
    } else {
        None
    }
}

/// Whether `dir` is a result of `coprod validate`, one `--shard I/N` of it or whole (it has
/// a validation table), not of a scenario run: `coprod merge` takes it for a validation
/// shard.
pub fn is_validation_result(dir: &Path) -> bool {
    dir.join(coprod_output::VALIDATION_CSV).is_file()
}

/// `coprod merge` of validation shards: the verdicts must agree across shards; the points
/// of every robustness map are put in order and the robustness summaries recomputed from
/// all of them (`coprod_output::merge_validation`). Returns the directory written. Ctrl-C
/// keeps nothing, as for the other merges.
pub fn merge_validation(
    shard_dirs: &[PathBuf],
    out: &Path,
    force: bool,
    progress: &dyn Progress,
) -> Result<PathBuf> {
    let existing = Existing::forced(coprod_output::Kind::Validation, force);
    let inputs: Vec<&Path> = shard_dirs.iter().map(PathBuf::as_path).collect();
    existing.check_inputs_outside(out, &inputs)?;
    progress.on_interrupt(&crate::progress::nothing_written("merged validation"));
    let dir =
        crate::progress::Discard::make(progress, || coprod_output::RunDir::create(out, existing))?;
    let summarise = coprod_validate::robustness::summarise_rows;
    crate::progress::Discard::new(progress).commit(dir, |staging| {
        coprod_output::merge_validation(shard_dirs, staging, summarise)?;
        Ok(())
    })
}

/// Every run in exactly one shard, or an error naming the missing and duplicated runs and
/// the shards to re-run.
fn check_coverage(shards: &[(PathBuf, ShardInfo)]) -> Result<()> {
    let infos: Vec<ShardInfo> = shards.iter().map(|(_, s)| s.clone()).collect();
    let total = infos[0].total_runs;
    let (missing, duplicate) = missing_and_duplicate_runs(&infos, total);
    if missing.is_empty() && duplicate.is_empty() {
        return Ok(());
    }
    let mut text = String::new();
    for (start, end, holders) in &duplicate {
        let dirs: Vec<String> = holders
            .iter()
            .map(|&i| shards[i].0.display().to_string())
            .collect();
        text.push_str(&format!(
            "{} of {total} {} in more than one shard: {}\n",
            describe_range(*start, *end),
            verb(&[(*start, *end)]),
            dirs.join(", ")
        ));
    }
    if !missing.is_empty() {
        let count = infos[0].count;
        text.push_str(&format!(
            "{} of {total} {} in no shard given\n",
            describe_ranges(&missing),
            verb(&missing)
        ));
        // The shards of the same split that would hold them.
        let wanted: Vec<u64> = (0..count)
            .filter(|&i| {
                let r = coprod_output::shard_range(i, count, total);
                r.start < r.end && missing.iter().any(|(a, b)| r.start < *b && *a < r.end)
            })
            .collect();
        if !wanted.is_empty() {
            let names: Vec<String> = wanted.iter().map(|i| format!("{i}/{count}")).collect();
            text.push_str(&format!(
                "missing shards of {count}: {}\n",
                names.join(", ")
            ));
        }
        text.push_str(
            "\nhint: run each missing shard alone with the same command plus --shard I/N (on \
             SLURM: sbatch --array=I,J,... with the generated script), then merge again",
        );
    } else {
        text.push_str("\nhint: give each shard directory once");
    }
    bail!("cannot merge: the shards do not cover every run exactly once\n{text}")
}

/// "is" for one run (`[(start, start + 1)]`), "are" for more.
fn verb(ranges: &[(u64, u64)]) -> &'static str {
    match ranges {
        [(start, end)] if end - start == 1 => "is",
        _ => "are",
    }
}

/// The scenario as the shards resolved it, checked against their fingerprint.
fn resolve(shard: &ShardInfo) -> Result<Scenario> {
    let scenario = resolve_unchecked(shard)?;
    if scenario.fingerprint() != shard.scenario_hash {
        bail!(
            "the scenario recorded in the shards resolves to fingerprint {}, not {}: the \
             shards were written by another build of coprod",
            scenario.fingerprint(),
            shard.scenario_hash
        );
    }
    Ok(scenario)
}

/// The scenario of `shard` with its settings and `--quick` applied, as `coprod run` had it.
fn resolve_unchecked(shard: &ShardInfo) -> Result<Scenario> {
    let recipe = &shard.scenario;
    let mut scenario = Scenario::from_toml(&recipe.source, &recipe.origin, &recipe.name)
        .with_context(|| format!("cannot read the scenario {} of the shards", recipe.origin))?;
    let settings = parse_settings(&recipe.settings)?;
    scenario.apply_settings(&settings)?;
    if recipe.quick {
        crate::shipped::make_quick(&mut scenario, &settings)?;
    }
    Ok(scenario)
}

/// The shards' settings with the options that gave them, as `coprod run` had them: those
/// not among the `--set` options came from `--replications` or `--seed`.
fn recorded_settings(recipe: &ShardScenario) -> Result<Vec<Setting>> {
    let mut settings = parse_settings(&recipe.settings)?;
    for (setting, text) in settings.iter_mut().zip(&recipe.settings) {
        if !recipe.set_options.contains(text) {
            setting.option = crate::shipped::option_of(&setting.key);
        }
    }
    Ok(settings)
}

fn parse_settings(texts: &[String]) -> Result<Vec<Setting>> {
    texts
        .iter()
        .map(|t| {
            t.parse::<Setting>()
                .map_err(|e| invalid!("invalid setting `{t}` in a shard: {e}"))
        })
        .collect()
}
