//! `coprod run SCENARIO --shard I/N`: which runs a shard holds, where its directory goes,
//! and how a shard directory is finished (shard.json instead of summary, charts and page).
//!
//! The partition is by run id in contiguous blocks (`coprod_output::shard_range`), so it
//! depends only on the number of runs and shards, never on threads. `--shard` alone takes
//! I and N from SLURM's `SLURM_ARRAY_TASK_ID` and `SLURM_ARRAY_TASK_COUNT`. Merging is in
//! `merge.rs`; the cluster script in `slurm.rs`.

use std::path::{Path, PathBuf};

use coprod_output::{Completed, Manifest, SHARD_JSON, ShardInfo, ShardScenario};
use coprod_scenario::{Scenario, Setting};

use crate::error::{Context, Result, bail, invalid};
use crate::progress::{Progress, without_interruption};
use crate::shard_arg::{ShardArg, parse_shard};

/// Reads I and N from SLURM's array variables.
fn from_slurm_env() -> Result<(u64, u64)> {
    // The whole message, without the variable's error as its cause: a cause would be
    // printed after the hint ("... array job: environment variable not found").
    let var = |name: &str| {
        std::env::var(name).map_err(|_| {
            invalid!(
                "--shard without I/N takes the shard from {name}, which is not set\n\n\
                 hint: give the shard as --shard I/N, or run inside a SLURM array job"
            )
        })
    };
    let (id, count) = (var("SLURM_ARRAY_TASK_ID")?, var("SLURM_ARRAY_TASK_COUNT")?);
    parse_shard(&format!("{id}/{count}")).map_err(|e| {
        invalid!(
            "SLURM_ARRAY_TASK_ID={id} and SLURM_ARRAY_TASK_COUNT={count} do not name a shard: \
             {e}\n\nhint: number the array from 0 (--array=0-{}), or give --shard I/N \
             explicitly (needed when re-running only some array tasks)",
            count.trim().parse::<u64>().unwrap_or(1).saturating_sub(1)
        )
    })
}

/// Shard I of N, as given or from SLURM's array variables.
pub(crate) fn indices(arg: &ShardArg) -> Result<(u64, u64)> {
    match arg {
        ShardArg::Explicit { index, count } => Ok((*index, *count)),
        ShardArg::Slurm => from_slurm_env(),
    }
}

/// The variant compared with, and whether `--against` was given.
pub(crate) type Against<'a> = (&'a str, bool);

/// The shard this invocation writes, with everything shard.json records except the
/// failed runs and the rows of groups.csv (known at the end).
pub(crate) fn resolve(
    (arg, set_options, metrics, against): (Option<&ShardArg>, &[Setting], &[String], Against),
    settings: &[Setting],
    scenario: &Scenario,
    quick: bool,
) -> Result<Option<ShardInfo>> {
    let Some(arg) = arg else {
        return Ok(None);
    };
    let (index, count) = indices(arg)?;
    let total = scenario.n_runs();
    let range = coprod_output::shard_range(index, count, total);
    let text = |s: &Setting| format!("{}={}", s.key, s.value);
    Ok(Some(ShardInfo {
        coprod_version: crate::VERSION.to_string(),
        scenario_hash: scenario.fingerprint(),
        index,
        count,
        first_run: range.start,
        runs: range.end - range.start,
        total_runs: total,
        failed_runs: 0,
        group_rows: None,
        scenario: ShardScenario {
            name: scenario.name.clone(),
            origin: scenario.origin.clone(),
            source: scenario.source.clone(),
            settings: settings.iter().map(text).collect(),
            set_options: set_options.iter().map(text).collect(),
            quick,
            metrics: metrics.to_vec(),
            against: against.0.to_string(),
            against_given: Some(against.1),
        },
    }))
}

/// The first run id and number of runs this invocation runs: a shard's block, or all.
pub(crate) fn block(shard: Option<&ShardInfo>, scenario: &Scenario) -> (u64, u64) {
    shard.map_or((0, scenario.n_runs()), |s| (s.first_run, s.runs))
}

/// What a shard directory must match to be resumed: the scenario and the block of runs.
pub(crate) fn identity_hash(shard: &ShardInfo) -> String {
    format!(
        "{} shard {}/{}",
        shard.scenario_hash, shard.index, shard.count
    )
}

/// `outputs/<name>-shards/shard-I-of-N`: every shard of a scenario in one folder, at a
/// place that does not depend on which shards already ran.
pub(crate) fn default_dir(outputs: &Path, name: &str, shard: &ShardInfo) -> PathBuf {
    outputs
        .join(format!("{name}-shards"))
        .join(dir_name(shard.index, shard.count))
}

/// `shard-I-of-N`.
pub(crate) fn dir_name(index: u64, count: u64) -> String {
    format!("shard-{index}-of-{count}")
}

/// Finishes a shard directory: drops the partial summary, writes shard.json (with the
/// `failed` runs and the `group_rows` of groups.csv), then the manifest of the whole
/// experiment, and moves the directory into place.
pub(crate) fn finish(
    mut shard: ShardInfo,
    completed: Completed,
    mut manifest: Manifest,
    (failed, group_rows): (u64, u64),
    progress: &dyn Progress,
) -> Result<(PathBuf, ShardInfo)> {
    let staging = completed.staging().to_path_buf();
    let summary = staging.join(coprod_output::SUMMARY_CSV);
    std::fs::remove_file(&summary)
        .with_context(|| format!("cannot remove {}", summary.display()))?;
    shard.failed_runs = failed;
    shard.group_rows = Some(group_rows);
    manifest.failed_runs = failed;
    manifest
        .files
        .retain(|f| f != coprod_output::SUMMARY_CSV && f != coprod_output::MANIFEST_JSON);
    manifest.files.push(SHARD_JSON.to_string());
    manifest
        .files
        .push(coprod_output::MANIFEST_JSON.to_string());
    coprod_output::write_shard(&staging, &shard)?;
    // Held off, as `finish::finish` holds off its move into place.
    let path = without_interruption(progress, || completed.commit(&manifest))?;
    Ok((path, shard))
}

/// Whether `target` is a finished directory of this very shard (so `--resume` has nothing
/// to do); a finished shard of something else is an error.
pub(crate) fn is_complete(target: &Path, shard: &ShardInfo) -> Result<bool> {
    if !target.join(SHARD_JSON).is_file() {
        return Ok(false);
    }
    let found = coprod_output::read_shard(target)?;
    let same = found.coprod_version == shard.coprod_version
        && found.scenario_hash == shard.scenario_hash
        && (found.index, found.count) == (shard.index, shard.count);
    if !same {
        bail!(
            "cannot resume {}: it is shard {} of {} of scenario fingerprint {} (coprod {}), not \
             shard {} of {} of {} (coprod {})\n\nhint: give each shard its own --out DIR",
            target.display(),
            found.index,
            found.count,
            found.scenario_hash,
            found.coprod_version,
            shard.index,
            shard.count,
            shard.scenario_hash,
            shard.coprod_version
        );
    }
    Ok(true)
}

/// Checks that `--shard` is not combined with an option that needs every run.
pub(crate) fn check_options(sharded: bool, target_ci: bool) -> Result<()> {
    if sharded && target_ci {
        bail!(
            "--shard cannot be combined with --target-ci: the number of replications must be \
             known before the runs are split\n\nhint: run with --target-ci once on a small \
             machine, then shard with --replications N"
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_values_parse_with_clear_errors() {
        assert_eq!(
            "3/10".parse::<ShardArg>(),
            Ok(ShardArg::Explicit {
                index: 3,
                count: 10
            })
        );
        assert_eq!("slurm".parse::<ShardArg>(), Ok(ShardArg::Slurm));
        for bad in ["10/10", "1/0", "x/2", "3", "-1/4"] {
            assert!(bad.parse::<ShardArg>().is_err(), "{bad}");
        }
        assert!(
            "10/10"
                .parse::<ShardArg>()
                .unwrap_err()
                .contains("numbered from 0 to 9")
        );
    }
}
