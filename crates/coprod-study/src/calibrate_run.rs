//! The calibration commands: `coprod calibrate` in one process, `coprod calibrate ...
//! --shard I/N` and `coprod merge DIR` of a calibration (the files and the presentation
//! are `calibrate.rs`'s). Sharded, a generation
//! of ABC-SMC is made in rounds, each a block of proposals that shards split into
//! contiguous slices; merging puts the rounds together into generations, equal to the
//! unsharded run's (docs/calibration.md section 6, docs/cluster.md).
//!
//! Proposal `k` of generation `g` draws from its own stream (seed, g, k) and the
//! generation is the first `particles` accepted proposals in the order of k, so which
//! process ran a proposal cannot change any number; the block sizes only decide how many
//! rounds a generation takes (`Proposer::next_block`). Everything is derived from files
//! in the calibration directory, so a shard or a merge can run anywhere, any number of
//! times: `checkpoints/gen-NNN.json` (finished generations) and
//! `rounds/gen-NNN/round-RRR/shard-I-of-N.json` (the accepted proposals of one slice).
//! A shard writes only its own file; the merge writes the checkpoints and the results.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Instant;

use coprod_calibrate::{Generation, Proposed, Proposer, Tally, finished};
use serde::{Deserialize, Serialize};

use coprod_calibrate::CalibrateError;
use coprod_output::write_json_file;
use coprod_scenario::Prior;

use crate::calibrate::{
    CalibrateOptions, Calibration, RECORD, ROUNDS, Setup, UNKNOWN_CHECKPOINTS, describe_generation,
    finish, guard_or_record, prepare, read_checkpoints, reproduce, with_out_hint,
    without_interruption, write_checkpoints,
};
use crate::error::{Context, Result, bail, invalid};
use crate::estimate::counted;
use crate::progress::{Note, Progress};
use crate::shard::indices;

/// The command the shards were started with, for `coprod merge DIR`.
const SHARDING: &str = "sharding.json";

/// The accepted proposals of one shard's slice of a round.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Slice {
    generation: u32,
    round: u32,
    /// The round's block of proposals, `[start, end)`.
    block: [u64; 2],
    shard: u64,
    shards: u64,
    /// This shard's proposals, `[start, end)`.
    proposals: [u64; 2],
    /// Its accepted proposals, and how many of its proposals were simulated.
    #[serde(flatten)]
    proposed: Proposed,
}

/// The command the shards ran, so that `coprod merge DIR` can rebuild the calibration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Sharding {
    scenario: String,
    targets: PathBuf,
    seed: u64,
}

/// A round some of whose shards are still missing.
#[derive(Clone, Debug)]
pub struct PendingRound {
    /// The generation, from 0.
    pub generation: u32,
    /// The round of that generation, from 0.
    pub round: u32,
    /// Its block of proposals.
    pub block: Range<u64>,
    /// The number of shards it is split into, once one has run.
    pub shards: Option<u64>,
    /// The shards that have run.
    pub present: Vec<u64>,
}

impl PendingRound {
    /// The shards of `count` still to run.
    pub fn missing(&self, count: u64) -> Vec<u64> {
        (0..count).filter(|i| !self.present.contains(i)).collect()
    }
}

/// The calibration as far as its files go.
pub(crate) struct State {
    /// Finished generations: the checkpoints, then those made from complete rounds.
    pub(crate) generations: Vec<Generation>,
    /// How many of them have a checkpoint.
    pub(crate) checkpointed: usize,
    /// The round to run next, or `None` when the calibration has stopped.
    pub(crate) next: Option<PendingRound>,
}

/// Reads the checkpoints, then turns every complete round into generations.
pub(crate) fn load_state(setup: &Setup) -> Result<State> {
    let (out, settings) = (&setup.out, &setup.settings);
    let mut generations = read_checkpoints(out)?;
    for (i, g) in generations.iter().enumerate() {
        if g.index as usize != i || g.particles.len() != settings.particles {
            bail!(
                "cannot resume {}: checkpoint {i} has index {} and {}, expected {i} and {}",
                out.display(),
                g.index,
                counted(g.particles.len(), "particle"),
                counted(settings.particles, "particle")
            );
        }
    }
    let checkpointed = generations.len();
    while !finished(settings, &generations) {
        match next_generation(setup, &generations)? {
            Ok(generation) => generations.push(generation),
            Err(pending) => {
                return Ok(State {
                    generations,
                    checkpointed,
                    next: Some(pending),
                });
            }
        }
    }
    Ok(State {
        generations,
        checkpointed,
        next: None,
    })
}

/// The generation after `generations` if its rounds are complete, else the round to run.
fn next_generation(
    setup: &Setup,
    generations: &[Generation],
) -> Result<std::result::Result<Generation, PendingRound>> {
    let proposer = Proposer::new(&setup.priors, &setup.settings, generations.last());
    let (mut tally, mut round) = (Tally::default(), 0);
    loop {
        if let Some(g) = proposer.assemble(&tally)? {
            return Ok(Ok(g));
        }
        let block = proposer.next_block(tally.accepted(), tally.covered(), round);
        let slices = read_round(&setup.out, (proposer.index, round), &block, &setup.priors)?;
        let shards = slices.first().map(|s| s.shards);
        let present: Vec<u64> = slices.iter().map(|s| s.shard).collect();
        if shards.is_none_or(|n| present.len() as u64 != n) {
            return Ok(Err(PendingRound {
                generation: proposer.index,
                round,
                block,
                shards,
                present,
            }));
        }
        for slice in slices {
            tally.add(slice.proposals[0]..slice.proposals[1], slice.proposed);
        }
        round += 1;
    }
}

fn round_dir(out: &Path, generation: u32, round: u32) -> PathBuf {
    out.join(ROUNDS)
        .join(format!("gen-{generation:03}"))
        .join(format!("round-{round:03}"))
}

fn slice_name(shard: u64, shards: u64) -> String {
    format!("{}.json", crate::shard::dir_name(shard, shards))
}

/// The slices of a round that have been written, in shard order, checked against the
/// round's block and against each other.
fn read_round(
    out: &Path,
    (generation, round): (u32, u32),
    block: &Range<u64>,
    priors: &[Prior],
) -> Result<Vec<Slice>> {
    let dir = round_dir(out, generation, round);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(Vec::new());
    };
    let mut slices: Vec<(PathBuf, Slice)> = Vec::new();
    for entry in entries {
        let path = entry?.path();
        let Some(name) = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .filter(|n| n.starts_with("shard-") && n.ends_with(".json"))
        else {
            continue;
        };
        let slice = read_slice(&path)?;
        refuse_foreign(&slice, &path, &dir, (generation, round), block)?;
        // A file copied over another's holds a shard twice and leaves one out: merged, it
        // would count a slice of proposals twice. Only the name shows it.
        let named = slice_name(slice.shard, slice.shards);
        if name != named {
            bail!("{}", misnamed(&path, &dir.join(named), &slice));
        }
        if let Some(why) = damaged_accepted(&slice, priors) {
            bail!(
                "{}: {why}: the file was changed or damaged\n\nhint: remove {} and run its \
                 shard again",
                path.display(),
                path.display()
            );
        }
        slices.push((path, slice));
    }
    slices.sort_by_key(|(_, s)| s.shard);
    refuse_two_splits(&slices, (generation, round))?;
    Ok(slices.into_iter().map(|(_, s)| s).collect())
}

/// Reads one shard file.
fn read_slice(path: &Path) -> Result<Slice> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| {
        format!(
            "bad shard file {} (damaged, or written by another build of coprod: remove it \
             and run its shard again)",
            path.display()
        )
    })
}

/// Refuses a slice (from `path` in the round's `dir`) that is not this calibration's:
/// another generation, round or block, or other proposals than its shard's.
fn refuse_foreign(
    slice: &Slice,
    path: &Path,
    dir: &Path,
    (generation, round): (u32, u32),
    block: &Range<u64>,
) -> Result<()> {
    // A damaged or foreign file may name a shard outside its split: checked before its
    // slice of the block is worked out.
    let foreign = slice.shard >= slice.shards || {
        let expected = shard_slice(block, slice.shard, slice.shards);
        slice.generation != generation
            || slice.round != round
            || slice.block != [block.start, block.end]
            || slice.proposals != [expected.start, expected.end]
    };
    if foreign {
        bail!(
            "{} holds proposals {}-{} of round {} of generation {}, but this calibration's \
             round {round} of generation {generation} is proposals {}-{}: it belongs to \
             another calibration or coprod version\n\nhint: remove {} and run the shards \
             again",
            path.display(),
            slice.proposals[0],
            slice.proposals[1],
            slice.round,
            slice.generation,
            block.start,
            block.end,
            dir.display()
        );
    }
    Ok(())
}

/// Refuses a round whose files (in shard order) split it into different numbers of shards.
fn refuse_two_splits(slices: &[(PathBuf, Slice)], (generation, round): (u32, u32)) -> Result<()> {
    if let (Some((a, first)), Some((b, other))) = (
        slices.first(),
        slices.iter().find(|(_, s)| s.shards != slices[0].1.shards),
    ) {
        bail!(
            "{} and {} split round {round} of generation {generation} into {} and {}\
             \n\nhint: remove the files of one split and run its shards again",
            a.display(),
            b.display(),
            counted(first.shards, "shard"),
            counted(other.shards, "shard")
        );
    }
    Ok(())
}

/// What is wrong with a slice's accepted proposals, as a shard never writes them: each is
/// one of the slice's proposals, in order, with a value inside each prior's support and a
/// distance that is a finite number of at least 0, and the slice simulated no more than it
/// proposed. Merged as it is, such a proposal would be a particle of the generation.
fn damaged_accepted(slice: &Slice, priors: &[Prior]) -> Option<String> {
    let [start, end] = slice.proposals;
    let proposed = &slice.proposed;
    if proposed.simulated > end - start {
        return Some(format!(
            "it simulated {} of its {} proposals",
            proposed.simulated,
            end - start
        ));
    }
    let mut previous: Option<u64> = None;
    for a in &proposed.accepted {
        let k = a.k;
        if !(start..end).contains(&k) || previous.is_some_and(|p| k <= p) {
            // The slice may be empty (more shards than proposals): no `end - 1`.
            return Some(format!(
                "accepted proposal k = {k} is not one of its proposals (from {start}, below \
                 {end}) after the one before it"
            ));
        }
        if a.theta.len() != priors.len() {
            return Some(format!(
                "accepted proposal {k} has {} values in theta, but the calibration estimates {}",
                a.theta.len(),
                priors.len()
            ));
        }
        let outside = a.theta.iter().zip(priors).position(|(&v, prior)| {
            let (low, high) = prior.support();
            !(low..=high).contains(&v)
        });
        if let Some(i) = outside {
            return Some(format!(
                "accepted proposal {k}: theta[{i}] = {} is outside its prior's support",
                a.theta[i]
            ));
        }
        if !(a.distance.is_finite() && a.distance >= 0.0) {
            return Some(format!(
                "accepted proposal {k}: its distance {} is not a finite number of at least 0",
                a.distance
            ));
        }
        previous = Some(k);
    }
    None
}

/// Why the shard file `path`, holding `slice`, is refused: its name is that of another
/// shard; `own` is the file named for the shard it holds, named too when it is there.
fn misnamed(path: &Path, own: &Path, slice: &Slice) -> String {
    let also = if own.exists() {
        format!(", as {} does", own.display())
    } else {
        String::new()
    };
    format!(
        "{} holds shard {} of {}{also}, not the shard its name says: it was copied or renamed\
         \n\nhint: remove {} and run the shard its name says again",
        path.display(),
        slice.shard,
        slice.shards,
        path.display()
    )
}

/// Shard `index` of `count` of a block: a contiguous slice.
fn shard_slice(block: &Range<u64>, index: u64, count: u64) -> Range<u64> {
    let r = coprod_output::shard_range(index, count, block.end - block.start);
    block.start + r.start..block.start + r.end
}

/// What `coprod calibrate` without `--shard` did.
#[derive(Clone, Debug)]
pub enum Calibrated {
    /// It ran the calibration (or went on from its checkpoints) and wrote the results.
    Wrote(Calibration),
    /// `--resume` found the calibration finished, its results written: nothing changed.
    AlreadyComplete {
        /// The calibration directory.
        dir: PathBuf,
    },
}

/// `coprod calibrate`: ABC-SMC estimation of the `[calibration]` table's parameters
/// against observed targets; each generation is checkpointed so `resume` continues (also
/// from the rounds of `--shard` runs).
pub fn calibrate(options: &CalibrateOptions, progress: &dyn Progress) -> Result<Calibrated> {
    let args = options;
    let clock = Instant::now();
    let setup = Setup::new(args)?;
    let out = &setup.out;
    if args.resume && is_complete(&setup, args)? {
        return Ok(Calibrated::AlreadyComplete { dir: out.clone() });
    }
    let created = first_missing_ancestor(out);
    prepare(out, args.resume, args.out.is_some())?;
    let result = run_whole(&setup, options, progress, clock);
    // A new directory without a finished generation holds nothing to resume from, and
    // would only make the next attempt refuse the directory (or, once the scenario or the
    // targets are fixed, refuse to resume another calibration): remove what was created.
    if let (Err(_), Some(created)) = (&result, created)
        && !args.resume
        && read_checkpoints(out).is_ok_and(|g| g.is_empty())
    {
        remove_created(out, &created);
    }
    result
        .map(Calibrated::Wrote)
        .map_err(|e| how_to_continue(e, args, &setup))
}

/// Whether the calibration `--resume` was given is complete: it has stopped and its
/// results are written (manifest.json, written last, is there), so that, as `coprod run
/// --resume` of a complete directory, it writes nothing. Checked before anything is
/// written or probed (a finished calibration the user may not write is complete too), but
/// after what refuses another calibration's folder (calibration.json) or a damaged
/// checkpoint; a manifest.json that does not parse is refused, naming the JSON error.
fn is_complete(setup: &Setup, args: &CalibrateOptions) -> Result<bool> {
    let out = &setup.out;
    crate::run::refuse_file_as_out(out, args.out.is_some())?;
    let elsewhere = "start the calibration again with --out DIR naming a new directory";
    let manifest = crate::run::manifest_to_resume(out, elsewhere)?;
    if manifest.is_none() || !out.join(crate::calibrate::CHECKPOINTS).is_dir() {
        return Ok(false);
    }
    // Writes nothing: it is called only for a folder without checkpoints, not complete.
    guard_or_record(setup, (&args.targets, "resume"), |_, _| Ok(()))?;
    let state = load_state(setup)?;
    // A generation made from rounds but not checkpointed is still to be written.
    Ok(state.next.is_none() && state.checkpointed == state.generations.len())
}

/// A calibration stopped by a failed write (a full disk) after some generations were
/// checkpointed: the error, what is kept and the exact command that continues it.
fn how_to_continue(
    err: crate::error::StudyError,
    args: &CalibrateOptions,
    setup: &Setup,
) -> crate::error::StudyError {
    let done = read_checkpoints(&setup.out).map_or(0, |g| g.len());
    if !err.is_io() || done == 0 {
        return err;
    }
    invalid!(
        "{err}\n  the calibration stopped; the {} finished before are checkpointed in {}\n\n\
         hint: fix the problem (for example free some disk space), then continue with:\n  \
         {}",
        counted(done, "generation"),
        setup.out.display(),
        resume_command(args, setup)
    )
}

/// Removes the calibration's directory `out`, then each parent it created up to `created`
/// while it is empty: another command may have written into a parent in the meantime (the
/// default `outputs/`, say), and that must stay.
fn remove_created(out: &Path, created: &Path) {
    let _ = std::fs::remove_dir_all(out);
    for parent in out.ancestors().skip(1) {
        if !parent.starts_with(created) || std::fs::remove_dir(parent).is_err() {
            break;
        }
    }
}

/// The outermost of `path` and its parents that does not exist (what creating `path`
/// creates), if any.
fn first_missing_ancestor(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .take_while(|p| !p.as_os_str().is_empty() && !p.exists())
        .last()
        .map(Path::to_path_buf)
}

/// The part of [`calibrate`] after the output directory is there.
fn run_whole(
    setup: &Setup,
    options: &CalibrateOptions,
    progress: &dyn Progress,
    clock: Instant,
) -> Result<Calibration> {
    let (args, threads) = (options, options.threads);
    let out = &setup.out;
    guard_or_record(setup, (&args.targets, "resume"), |p, v| {
        Ok(write_json_file(p, v)?)
    })?;
    let state = load_state(setup)?;
    write_checkpoints(out, &state.generations[state.checkpointed..])?;
    // Like a run's `resumed_at_run`: the wall time below is this invocation's only.
    let resumed_at = args.resume.then_some(state.generations.len());
    setup.announce(progress, threads);
    if let Some(done) = resumed_at {
        progress.note(Note::Status(describe_resume(
            setup,
            &state.generations,
            done,
        )));
    }
    progress.on_interrupt(&interrupted(args, setup, state.generations.len()));
    let pool = Setup::pool(threads)?;
    let sim = |theta: &[f64], s: u64| setup.distance(theta, s);
    let generations = pool.install(|| {
        coprod_calibrate::run(
            &setup.priors,
            &setup.settings,
            sim,
            state.generations,
            |g| {
                progress.note(Note::Status(describe_generation(g)));
                // The checkpoint and the Ctrl-C message that counts it change together: an
                // interruption between the two would count one generation too few.
                without_interruption(progress, || {
                    write_checkpoints(out, std::slice::from_ref(g))?;
                    progress.on_interrupt(&interrupted(args, setup, g.index as usize + 1));
                    Ok(())
                })
                .map_err(|e: crate::error::StudyError| CalibrateError::Callback(e.to_string()))
            },
        )
    })?;
    progress.on_interrupt(&interrupted_in_results(args, setup, generations.len()));
    // `wall_seconds` is set when the manifest is written, the results made.
    let run = serde_json::json!({
        "wall_seconds": null,
        "threads": threads,
        "resumed_at_generation": resumed_at,
    });
    finish(
        setup,
        &generations,
        (&pool, progress),
        reproduce(args, setup.seed),
        (run, ("wall_seconds", clock)),
    )
}

/// What `--resume` found: the generations already done (checkpointed, or made from the
/// rounds of `--shard` runs), and whether the calibration had stopped before its results
/// were all written (a failed write), so that only its results are written again.
fn describe_resume(setup: &Setup, generations: &[Generation], done: usize) -> String {
    let stopped = if finished(&setup.settings, generations) {
        "; the calibration had stopped, so only its results are written again"
    } else {
        ""
    };
    format!(
        "resuming {}: {} already done{stopped}",
        setup.out.display(),
        counted(done, "generation")
    )
}

/// What Ctrl-C during a calibration says once `done` generations are checkpointed: each
/// checkpoint is written whole when its generation finishes, so what is in `out` at any
/// moment can be continued.
fn interrupted(args: &CalibrateOptions, setup: &Setup, done: usize) -> String {
    let kept = match done {
        0 => "no generation had finished, so none is checkpointed".to_string(),
        n => format!(
            "the {} finished are checkpointed in {}",
            counted(n, "generation"),
            setup.out.display()
        ),
    };
    format!(
        "interrupted: {kept}; the one under way is lost.\ncontinue with: {}",
        resume_command(args, setup)
    )
}

/// What Ctrl-C says while the results are made: every generation is checkpointed, and
/// `--resume` only writes the results.
fn interrupted_in_results(args: &CalibrateOptions, setup: &Setup, done: usize) -> String {
    format!(
        "interrupted while the results were made: the calibration had finished ({}, \
         checkpointed in {}); the results are written only when complete.\ncontinue with: {}",
        counted(done, "generation"),
        setup.out.display(),
        resume_command(args, setup)
    )
}

/// The command that continues this calibration in its folder.
fn resume_command(args: &CalibrateOptions, setup: &Setup) -> String {
    format!("{} --resume", command_in_folder(args, setup))
}

/// The command of this calibration with its folder named (`--out`), whether or not it was
/// given, so that it works from where it was given.
fn command_in_folder(args: &CalibrateOptions, setup: &Setup) -> String {
    let with_out = CalibrateOptions {
        out: Some(setup.out.clone()),
        ..args.clone()
    };
    reproduce(&with_out, setup.seed)
}

/// A merge stopped by a failed write (a full disk, a folder the user may not write): the
/// rounds are all still there, and what it wrote is whole, so the same merge finishes it.
fn merge_again(err: crate::error::StudyError, dir: &Path) -> crate::error::StudyError {
    if !err.is_io() {
        return err;
    }
    let fix = if err.write_denied() {
        format!("make {} and the files in it writable", dir.display())
    } else {
        "fix the problem (for example free some disk space)".to_string()
    };
    invalid!(
        "{err}\n\nhint: {fix}, then merge again with:\n  {}",
        merge_command(dir)
    )
}

/// `coprod merge DIR`, quoted for the shell.
fn merge_command(dir: &Path) -> String {
    crate::resume::command_line(&[
        "coprod".to_string(),
        "merge".into(),
        dir.display().to_string(),
    ])
}

/// What Ctrl-C says while a merge writes the results: they are written only when
/// complete, and the rounds stay, so the same merge writes them.
fn merge_interrupted(dir: &Path) -> String {
    format!(
        "interrupted while the results were made: they are written only when complete, and \
         the rounds are kept in {}.\nmerge again with: {}",
        dir.display(),
        merge_command(dir)
    )
}

/// What Ctrl-C during a shard says: its slice is written only when complete, and what
/// other shards and rounds wrote stays.
fn shard_interrupted(
    options: &CalibrateOptions,
    setup: &Setup,
    (shard, shards): (u64, u64),
) -> String {
    format!(
        "interrupted: shard {shard} of {shards} of the current round was not written (a \
         shard is written only when complete); what other shards wrote is kept in {}.\n\
         run it again with: {} --shard {shard}/{shards}",
        setup.out.display(),
        command_in_folder(options, setup)
    )
}

/// What a `--shard` invocation did.
#[derive(Clone, Debug)]
pub enum ShardOutcome {
    /// It ran its slice of a round.
    Wrote {
        /// The round.
        round: PendingRound,
        /// Its shard.
        shard: u64,
        /// Of how many.
        shards: u64,
        /// The proposals it ran.
        proposals: Range<u64>,
        /// How many were accepted.
        accepted: usize,
        /// The calibration directory.
        dir: PathBuf,
    },
    /// Its slice of the current round was already there.
    AlreadyDone {
        /// The round.
        round: PendingRound,
        /// Its shard.
        shard: u64,
        /// The calibration directory.
        dir: PathBuf,
    },
    /// The calibration has stopped: nothing is left to run, only to merge.
    Finished {
        /// The calibration directory.
        dir: PathBuf,
    },
}

/// `coprod calibrate SCENARIO --targets FILE --out DIR --shard I/N`: runs shard I of N of
/// the current round of proposals (the first round whose shards are not all there) and
/// writes its accepted proposals. Creates DIR on the first call; later calls check that it
/// holds the same scenario text, targets file and seed.
pub fn calibrate_shard(
    options: &CalibrateOptions,
    progress: &dyn Progress,
) -> Result<ShardOutcome> {
    let arg = options
        .shard
        .as_ref()
        .context("calibrate_shard needs --shard")?;
    let (shard, shards) = indices(arg)?;
    let setup = Setup::new(options)?;
    setup.warn(progress);
    let out = setup.out.clone();
    progress.on_interrupt(&shard_interrupted(options, &setup, (shard, shards)));
    join_calibration(options, &setup)?;
    let state = load_state(&setup)?;
    let Some(round) = state.next else {
        return Ok(ShardOutcome::Finished { dir: out });
    };
    refuse_other_split(&round, shards, &out)?;
    if round.present.contains(&shard) {
        return Ok(ShardOutcome::AlreadyDone {
            round,
            shard,
            dir: out,
        });
    }
    let proposals = shard_slice(&round.block, shard, shards);
    progress.note(Note::Status(format!(
        "{}: generation {}, round {}: shard {shard} of {shards}, proposals {}-{}",
        setup.scenario.name,
        round.generation,
        round.round,
        proposals.start,
        proposals.end.saturating_sub(1)
    )));
    let last = state.generations.last();
    let proposed = propose(&setup, options.threads, last, proposals.clone())?;
    let slice = Slice {
        generation: round.generation,
        round: round.round,
        block: [round.block.start, round.block.end],
        shard,
        shards,
        proposals: [proposals.start, proposals.end],
        proposed,
    };
    write_slice(&out, &slice)?;
    Ok(ShardOutcome::Wrote {
        round,
        shard,
        shards,
        proposals,
        accepted: slice.proposed.accepted.len(),
        dir: out,
    })
}

/// Makes the calibration directory, or checks the one there holds the same calibration
/// and may be written, and records the command the shards run for the merge.
fn join_calibration(options: &CalibrateOptions, setup: &Setup) -> Result<()> {
    let out = &setup.out;
    refuse_shard_out(out)?;
    std::fs::create_dir_all(out.join(crate::calibrate::CHECKPOINTS))
        .with_context(|| format!("cannot create {}", out.display()))
        .map_err(with_out_hint)?;
    // An existing calibration another shard made, which this user may not write.
    crate::calibrate::check_writable(out, crate::calibrate::Writer::Shard)?;
    guard_or_record(setup, (&options.targets, "add a shard to"), |p, v| {
        Ok(coprod_output::write_json_file(p, v)?)
    })?;
    let sharding = Sharding {
        scenario: options.scenario.clone(),
        targets: options.targets.clone(),
        seed: setup.seed,
    };
    // Shards writing it at once each write a whole copy through their own temporary file.
    coprod_output::write_json_file(&out.join(SHARDING), &sharding)?;
    Ok(())
}

/// Refuses `shards` when the round already has files of a split into another number.
fn refuse_other_split(round: &PendingRound, shards: u64, out: &Path) -> Result<()> {
    if let Some(n) = round.shards
        && n != shards
    {
        bail!(
            "round {} of generation {} of {} is split into {}, not {shards}\n\nhint: \
             give --shard I/{n} (the shards still missing: {})",
            round.round,
            round.generation,
            out.display(),
            counted(n, "shard"),
            describe_shards(&round.missing(n), n)
        );
    }
    Ok(())
}

/// Runs `proposals` of the generation after `last` on `threads` threads.
fn propose(
    setup: &Setup,
    threads: usize,
    last: Option<&Generation>,
    proposals: Range<u64>,
) -> Result<Proposed> {
    let proposer = Proposer::new(&setup.priors, &setup.settings, last);
    let pool = Setup::pool(threads)?;
    let sim = |theta: &[f64], s: u64| setup.distance(theta, s);
    Ok(pool.install(|| proposer.propose_range(proposals, &sim))?)
}

/// Writes a shard's file in its round's folder below `out`.
fn write_slice(out: &Path, slice: &Slice) -> Result<()> {
    let dir = round_dir(out, slice.generation, slice.round);
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    coprod_output::write_json_file(&dir.join(slice_name(slice.shard, slice.shards)), slice)?;
    Ok(())
}

/// Refuses, before anything is made in it, an `out` a shard may not start or add to: an
/// existing folder that holds no calibration (the rule of [`prepare`]) and a calibration
/// finished without `--shard`, whose manifest.json the merge would replace.
fn refuse_shard_out(out: &Path) -> Result<()> {
    crate::run::refuse_file_as_out(out, true)?;
    // An empty folder is allowed: shards started together find the one the first has just
    // made, before its checkpoints/, and a job script may make it. Emptiness is looked at
    // first: checkpoints/ is the first thing a shard makes in it, so a folder found to hold
    // something then still has checkpoints/ when that is looked at. The other order failed
    // on SLURM: a shard saw no checkpoints/, then the other shard's new checkpoints/ as
    // "something", and refused the folder as holding no calibration.
    let claimable =
        !crate::calibrate::has_files(out) || out.join(crate::calibrate::CHECKPOINTS).is_dir();
    if out.exists() && !claimable {
        return Err(crate::calibrate::holds_no_calibration(out));
    }
    if out.join("manifest.json").is_file() && !out.join(SHARDING).is_file() {
        bail!(
            "{d} is a finished calibration run without --shard: a shard cannot add to it\n\n\
             hint: its results are in {d}; run the shards with a new --out DIR",
            d = out.display()
        );
    }
    Ok(())
}

fn describe_shards(list: &[u64], count: u64) -> String {
    let names: Vec<String> = list.iter().map(|i| format!("{i}/{count}")).collect();
    names.join(", ")
}

/// What `coprod merge DIR` of a calibration did.
#[derive(Clone, Debug)]
pub enum MergedCalibration {
    /// The calibration has stopped: the results are written.
    Finished {
        /// Generations made from rounds by this merge.
        new_generations: usize,
        /// The results.
        calibration: Calibration,
    },
    /// More rounds are needed: run the shards again, then merge.
    Pending {
        /// Generations made from rounds by this merge.
        new_generations: usize,
        /// The round to run next.
        round: PendingRound,
        /// The calibration directory.
        dir: PathBuf,
    },
}

/// Whether `dir` is a calibration directory: it has `calibration.json`, the record of its
/// shards or checkpoints (so that a calibration that lost calibration.json is refused as
/// one, rather than taken for run shards).
pub fn is_calibration(dir: &Path) -> bool {
    dir.join(RECORD).is_file()
        || dir.join(SHARDING).is_file()
        || crate::calibrate::has_files(&dir.join(crate::calibrate::CHECKPOINTS))
}

/// Why `coprod merge` has nothing to do in the calibration `dir`, run without `--shard`:
/// finished (it has its manifest), to be continued by `coprod calibrate --resume`, or not
/// to be continued (calibration.json, which `--resume` needs, is gone).
fn unsharded(dir: &Path) -> String {
    let d = dir.display();
    // A finished one has its results whatever became of its record.
    if dir.join("manifest.json").is_file() {
        format!(
            "{d} is a finished calibration run without --shard: there is nothing to merge\n\n\
             hint: its results are in {d}"
        )
    } else if !dir.join(RECORD).is_file() {
        format!(
            "{d} is a calibration run without --shard, and it has no calibration.json: there \
             is nothing to merge, and {UNKNOWN_CHECKPOINTS}"
        )
    } else {
        format!(
            "{d} is a calibration run without --shard: there is nothing to merge\n\nhint: \
             continue it with `coprod calibrate SCENARIO --targets FILE --out {d} --resume`"
        )
    }
}

/// `coprod merge DIR` of a calibration run with `--shard`: makes every generation whose
/// rounds are complete (writing its checkpoint) and, when the calibration has stopped,
/// writes the results as the unsharded `coprod calibrate` would.
pub fn merge_calibration(
    dir: &Path,
    threads: usize,
    progress: &dyn Progress,
) -> Result<MergedCalibration> {
    let clock = Instant::now();
    let options = shards_command(dir, threads)?;
    let setup = Setup::new(&options).map_err(|e| {
        invalid!(
            "cannot rebuild the calibration the shards of {} ran: {e}\n\nhint: merge from the \
             directory the shards ran in",
            dir.display()
        )
    })?;
    // The shards' warnings, once: a user who reads only the merge's output must see them.
    setup.warn(progress);
    // Reached only without rounds or checkpoints: the shards write calibration.json first.
    guard_or_record(&setup, (&options.targets, "merge"), |_, _| {
        bail!(
            "cannot merge {d}: it has no calibration.json and no rounds, so there is nothing \
             to merge\n\nhint: run its shards with `coprod calibrate SCENARIO --targets FILE --out \
             {d} --shard I/N`, then merge",
            d = dir.display()
        )
    })?;
    crate::calibrate::remove_abandoned_checkpoints(dir);
    remove_abandoned_round_files(dir);
    let state = load_state(&setup)?;
    let made = &state.generations[state.checkpointed..];
    for g in made {
        progress.note(Note::Status(describe_generation(g)));
    }
    write_checkpoints(dir, made).map_err(|e| merge_again(e, dir))?;
    let new_generations = made.len();
    if let Some(round) = state.next {
        return Ok(MergedCalibration::Pending {
            new_generations,
            round,
            dir: dir.to_path_buf(),
        });
    }
    let run = sharded_run(dir, threads)?;
    let pool = Setup::pool(threads)?;
    let command = reproduce(&options, setup.seed);
    progress.on_interrupt(&merge_interrupted(dir));
    let timed = (run, ("merge_wall_seconds", clock));
    let calibration = finish(
        &setup,
        &state.generations,
        (&pool, progress),
        command,
        timed,
    )
    .map_err(|e| merge_again(e, dir))?;
    Ok(MergedCalibration::Finished {
        new_generations,
        calibration,
    })
}

/// The command the shards of `dir` ran (its sharding.json), as the merge continues it on
/// `threads` threads.
fn shards_command(dir: &Path, threads: usize) -> Result<CalibrateOptions> {
    let path = dir.join(SHARDING);
    if !path.exists() {
        bail!("{}", unsharded(dir));
    }
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read {}", path.display()))?;
    let sharding: Sharding =
        serde_json::from_str(&text).with_context(|| format!("bad {}", path.display()))?;
    Ok(CalibrateOptions {
        scenario: sharding.scenario,
        targets: sharding.targets,
        out: Some(dir.to_path_buf()),
        seed: Some(sharding.seed),
        threads,
        resume: true,
        shard: None,
    })
}

/// The manifest's record of how the sharded calibration in `dir` ran.
fn sharded_run(dir: &Path, threads: usize) -> Result<serde_json::Value> {
    let (rounds, proposals, simulations) = count_rounds(dir)?;
    Ok(serde_json::json!({
        "sharded": { "rounds": rounds, "proposals": proposals, "simulations": simulations },
        // Set when the manifest is written, the results made.
        "merge_wall_seconds": null,
        "threads": threads,
    }))
}

/// Removes the temporary files that shards stopped by Ctrl-C left in `dir` and its rounds
/// (`.sharding.json.PID.tmp`, `.shard-I-of-N.json.PID.tmp`): nothing reads them, and the
/// merge is where a sharded calibration ends.
fn remove_abandoned_round_files(dir: &Path) {
    coprod_output::remove_abandoned_temporaries(dir);
    let Ok(generations) = std::fs::read_dir(dir.join(ROUNDS)) else {
        return;
    };
    for g in generations.flatten() {
        for r in std::fs::read_dir(g.path()).into_iter().flatten().flatten() {
            coprod_output::remove_abandoned_temporaries(&r.path());
        }
    }
}

/// Rounds run by shards, the proposals they made and those of them they simulated (all
/// slices of all rounds, the proposals past a generation's last accepted one included).
fn count_rounds(dir: &Path) -> Result<(u64, u64, u64)> {
    let (mut rounds, mut proposals, mut simulations) = (0, 0, 0);
    let Ok(generations) = std::fs::read_dir(dir.join(ROUNDS)) else {
        return Ok((0, 0, 0));
    };
    for g in generations {
        for r in std::fs::read_dir(g?.path())? {
            rounds += 1;
            for f in std::fs::read_dir(r?.path())? {
                let path = f?.path();
                if path
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with("shard-"))
                {
                    let slice: Slice = serde_json::from_str(&std::fs::read_to_string(&path)?)
                        .with_context(|| format!("bad shard file {}", path.display()))?;
                    proposals += slice.proposals[1] - slice.proposals[0];
                    simulations += slice.proposed.simulated;
                }
            }
        }
    }
    Ok((rounds, proposals, simulations))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A merge refused a write is told to make the folder writable; one stopped by another
    /// failed write (a full disk) to fix it; both to merge again.
    #[test]
    fn a_stopped_merge_says_what_to_fix_and_how_to_go_on() {
        let io = |kind: std::io::ErrorKind| {
            crate::error::StudyError::from(coprod_output::OutputError::Io {
                path: PathBuf::from("cal/posterior.csv"),
                source: std::io::Error::from(kind),
            })
        };
        let dir = Path::new("cal");
        let denied = merge_again(io(std::io::ErrorKind::PermissionDenied), dir).to_string();
        assert!(
            denied.contains(
                "hint: make cal and the files in it writable, then merge again \
                             with:\n  coprod merge cal"
            ),
            "{denied}"
        );
        let full = merge_again(io(std::io::ErrorKind::StorageFull), dir).to_string();
        assert!(
            full.contains(
                "hint: fix the problem (for example free some disk space), then \
                           merge again with:\n  coprod merge cal"
            ),
            "{full}"
        );
    }

    /// An unsharded calibration says what merging it would do: a finished one points to
    /// its results even without its calibration.json (it told the user to start again).
    #[test]
    fn merging_an_unsharded_calibration_says_where_it_stands() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        std::fs::write(dir.join("calibration.json"), "{}").unwrap();
        assert!(unsharded(dir).contains("--resume"));
        std::fs::remove_file(dir.join("calibration.json")).unwrap();
        assert!(unsharded(dir).contains("it has no calibration.json"));
        std::fs::write(dir.join("manifest.json"), "{}").unwrap();
        assert!(unsharded(dir).contains("is a finished calibration run"));
    }

    /// What creating a path creates: its outermost missing ancestor, relative paths
    /// included (never the empty path of the working directory); nothing for a path that
    /// exists.
    #[test]
    fn the_first_missing_ancestor_is_what_creating_a_path_creates() {
        let tmp = tempfile::tempdir().unwrap();
        let deep = tmp.path().join("a").join("b").join("cal");
        assert_eq!(first_missing_ancestor(&deep), Some(tmp.path().join("a")));
        assert_eq!(first_missing_ancestor(tmp.path()), None);
        let relative = Path::new("no-such-folder-of-coprod").join("cal");
        assert_eq!(
            first_missing_ancestor(&relative),
            Some(PathBuf::from("no-such-folder-of-coprod"))
        );
    }

    /// The calibration's directory goes, and the parents it created while they are empty;
    /// a parent another command wrote into meanwhile stays with what is in it.
    #[test]
    fn a_failed_calibration_removes_only_what_it_created() {
        let tmp = tempfile::tempdir().unwrap();
        let created = tmp.path().join("a");
        let out = created.join("b").join("cal");
        std::fs::create_dir_all(out.join("checkpoints")).unwrap();
        std::fs::create_dir_all(created.join("my-run")).unwrap();
        std::fs::write(created.join("my-run").join("results.csv"), "x").unwrap();
        remove_created(&out, &created);
        assert!(!created.join("b").exists());
        assert!(created.join("my-run").join("results.csv").exists());

        std::fs::remove_dir_all(created.join("my-run")).unwrap();
        std::fs::create_dir_all(out.join("checkpoints")).unwrap();
        remove_created(&out, &created);
        assert!(!created.exists());
        assert!(tmp.path().exists());
    }
}
