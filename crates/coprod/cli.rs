//! Command-line interface definition (clap derive): the single source of `--help`.
//!
//! Owns flag names, defaults and help text; the commands themselves are `coprod-study`'s,
//! called and printed by `run.rs` and `commands.rs`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};
use coprod_scenario::Setting;

/// Most worker threads a command takes (`--threads`, and `--cpus-per-task`, which each
/// shard runs as threads). Threads far beyond the cores cost more than they bring: on 2
/// cores one tiny run took 1.5 s with 1,000 threads, 12 s with 2,000 (the thread pool's
/// cost grew about with the cube of its threads), so the earlier limit, 65,535, did not
/// finish one tiny run within a minute (days, by that growth).
pub(crate) const MAX_THREADS: i64 = 1024;

/// coprod: an agent-based simulator of citizen co-production of public services.
///
/// Run a shipped scenario or your own scenario file and get CSV outputs ready for
/// pandas or R. `coprod run` with no scenario runs a quick version of the group-size
/// teaching scenario.
#[derive(Debug, Parser)]
#[command(name = "coprod", version, propagate_version = true)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run a scenario and write runs.csv, timeseries.csv, groups.csv, summary.csv,
    /// parameters.csv, comparison.csv (with variants), charts, index.html and manifest.json
    /// to a new output directory.
    Run(RunArgs),
    /// Check scenario files: print how many runs each expands to and a rough time
    /// estimate; exit with status 1 if any file is invalid.
    Check(CheckArgs),
    /// List the shipped scenarios with the question each answers.
    List(ListArgs),
    /// Redraw the charts (charts/*.png, *.svg) and index.html of a run directory from its
    /// CSV files alone, without re-running anything (with --kind or --metric, only those
    /// charts); print the files written.
    Plot(PlotArgs),
    /// Classroom commands: `coprod teach group-size` runs the group-size experiment in
    /// five service regimes and writes a one-page explanation with charts (teach.html).
    Teach(TeachArgs),
    /// Judge every pre-registered claim of the literature review on held-out seed blocks
    /// derived from --salt: pass rate, pooled effect, direct effect with the registered
    /// mediators held, mediated share, class, the same adjusted for what holding alone does
    /// (a held placebo), and a robustness map of derived claims (docs/validation.md).
    Validate(ValidateArgs),
    /// Recompute comparison.csv (each variant against the baseline or --against NAME:
    /// paired difference, 95% CI, effect size, Holm-adjusted p-value) and its forest plots
    /// from a run directory's runs.csv; print the files written.
    Compare(CompareArgs),
    /// Global sensitivity analysis of a scenario with a [sensitivity] table: Morris
    /// elementary effects and Sobol indices with bootstrap CIs; writes sensitivity.csv,
    /// design.csv, charts and manifest.json to a new output directory.
    Sensitivity(SensitivityArgs),
    /// Estimate the parameters of a scenario's [calibration] table against observed
    /// targets by ABC-SMC; writes posterior.csv, predictive.csv, diagnostics.csv, a chart
    /// and manifest.json, and the checkpoints --resume goes on from (checkpoints/,
    /// calibration.json) (docs/calibration.md).
    Calibrate(CalibrateArgs),
    /// Survey simulated citizens: sample citizens of the scenario's baseline runs at a
    /// horizon, record their attributes and whether they co-produce, and fit a logistic
    /// regression; writes survey.csv, survey-fit.csv and manifest.json.
    Survey(SurveyArgs),
    /// Merge the shard directories of `coprod run --shard I/N` into one run directory,
    /// byte-identical to a single `coprod run` of the whole scenario, or those of
    /// `coprod validate --shard I/N` into one validation; says which are missing or
    /// duplicated. `coprod merge DIR` of a `coprod calibrate --shard` directory makes the
    /// generations of its complete rounds, in place, then the results.
    Merge(MergeArgs),
    /// Write a SLURM batch script that runs a scenario as an array job (one shard per
    /// task) plus a merge job chained with afterok, and print how to submit it; with
    /// --targets, one job that runs a calibration in rounds of shards and merges.
    Slurm(SlurmArgs),
    /// The classroom in the browser: explore the model with sliders, run the group-size
    /// experiment, and play the public-goods game as a class; prints the teacher's address.
    Serve(ServeArgs),
}

#[derive(Debug, clap::Args)]
pub(crate) struct CompareArgs {
    /// A run directory written by `coprod run`.
    #[arg(value_name = "DIR")]
    pub(crate) dir: PathBuf,
    /// Compare this end-of-run metric (repeatable) [default: the scenario's `[report]`
    /// metrics as manifest.json records them, then the key metrics of docs/comparison.md].
    #[arg(short, long = "metric", value_name = "M")]
    pub(crate) metrics: Vec<String>,
    /// Compare every other variant with this one [default: baseline].
    #[arg(long, value_name = "NAME")]
    pub(crate) against: Option<String>,
    /// Replace comparison.csv even if the new one leaves out comparisons it holds (other
    /// metrics, variants or reference), and published.csv even if the new one leaves out
    /// claims it holds (another --published file).
    #[arg(short, long)]
    pub(crate) force: bool,
    /// Also compare the variants with the published values of FILE (CSV: variant, metric,
    /// kind, value, se, design, source, read_in; docs/calibration.md section 3); writes
    /// DIR/published.csv and prints the table.
    #[arg(long, value_name = "FILE")]
    pub(crate) published: Option<PathBuf>,
    /// Worker threads, at most 1024 [default: all cores]. Outputs are identical for any value.
    #[arg(allow_negative_numbers = true, short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS))]
    pub(crate) threads: Option<u16>,
}

#[derive(Debug, clap::Args)]
pub(crate) struct SensitivityArgs {
    /// A scenario file path or shipped scenario name with a [sensitivity] table.
    pub(crate) scenario: String,
    /// Output directory [default: outputs/<scenario name>-sensitivity, numbered if taken].
    #[arg(short, long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// Set a parameter, `experiment.steps` or `experiment.seed` in every run, as for `coprod
    /// run`; not the replications or a parameter the design varies (the [sensitivity]
    /// table's).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub(crate) settings: Vec<Setting>,
    /// Worker threads, at most 1024 [default: all cores]. Outputs are identical for any value.
    #[arg(allow_negative_numbers = true, short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS))]
    pub(crate) threads: Option<u16>,
    /// Replace the output directory if it exists.
    #[arg(short, long)]
    pub(crate) force: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct SurveyArgs {
    /// A scenario file path or shipped scenario name (field setting).
    pub(crate) scenario: String,
    /// Step at which citizens are surveyed: each run is run to it, also beyond the
    /// scenario's `experiment.steps` [default: the scenario's steps].
    #[arg(allow_negative_numbers = true, long, value_name = "STEPS", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) horizon: Option<u32>,
    /// Citizens sampled from each baseline replication; every citizen when the population
    /// has N or fewer.
    #[arg(allow_negative_numbers = true, long, value_name = "N", default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) sample: u32,
    /// Output directory [default: outputs/<scenario name>-survey, numbered if taken].
    #[arg(short, long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// Worker threads, at most 1024 [default: all cores]. Outputs are identical for any value.
    #[arg(allow_negative_numbers = true, short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS))]
    pub(crate) threads: Option<u16>,
}

#[derive(Debug, clap::Args)]
pub(crate) struct CalibrateArgs {
    /// A scenario file path or shipped scenario name with a [calibration] table.
    pub(crate) scenario: String,
    /// The targets CSV: metric,step,observed,se,source.
    #[arg(long, value_name = "FILE")]
    pub(crate) targets: PathBuf,
    /// Output directory [default: outputs/<scenario name>-calibration].
    #[arg(short, long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// Base seed [default: the scenario's].
    #[arg(allow_negative_numbers = true, long, value_name = "S", value_parser = parse_seed)]
    pub(crate) seed: Option<u64>,
    /// Worker threads, at most 1024 [default: all cores]. Outputs are identical for any value.
    #[arg(allow_negative_numbers = true, short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS))]
    pub(crate) threads: Option<u16>,
    /// Continue an interrupted calibration from the checkpoints in the output directory
    /// (and from the rounds that `--shard` runs completed).
    #[arg(long)]
    pub(crate) resume: bool,
    /// Run only shard I of N (from 0) of the current round of proposals (a contiguous
    /// slice) and write its accepted proposals into the output directory; `coprod merge
    /// DIR` then makes the generation. Repeat until the merge writes the results
    /// (docs/cluster.md). `--shard` alone reads I and N from SLURM's array variables.
    #[arg(long, value_name = "I/N", num_args = 0..=1, default_missing_value = coprod_study::FROM_SLURM,
          conflicts_with = "resume")]
    pub(crate) shard: Option<coprod_study::ShardArg>,
}

/// Bounds of validate's counts: far above any registered design (20 blocks, a pilot of 20,
/// at most 100 replications), and low enough that the buffers they size fit in memory
/// (a pilot of 2^32 replications aborted on a 34 GB allocation).
const MAX_BLOCKS: i64 = 10_000;
const MAX_REPLICATIONS: i64 = 100_000;

#[derive(Debug, clap::Args)]
pub(crate) struct ValidateArgs {
    /// The salt every seed derives from (pilot, blocks, robustness map). Choose it before
    /// running and report it: nobody can pick seeds that pass.
    // A blank salt is refused: it is what `--salt "$SALT"` gives when SALT is unset.
    #[arg(long, value_name = "TEXT", value_parser = parse_salt)]
    pub(crate) salt: String,
    /// Independent seed blocks; a verdict is the pass rate over them (at most 10,000).
    #[arg(allow_negative_numbers = true, long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=MAX_BLOCKS))]
    pub(crate) blocks: u32,
    /// Pilot replications per claim (own seed stream; they never enter a verdict; at most
    /// 100,000).
    #[arg(allow_negative_numbers = true, long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(3..=MAX_REPLICATIONS))]
    pub(crate) pilot: u32,
    /// Fewest replications per block [default: 10, or --max-replications if that is lower].
    #[arg(allow_negative_numbers = true, long, value_name = "N", value_parser = clap::value_parser!(u32).range(2..=MAX_REPLICATIONS))]
    pub(crate) min_replications: Option<u32>,
    /// Most replications per block; a power calculation asking for more is capped and the
    /// table says so (`power_capped`). At most 100,000.
    #[arg(allow_negative_numbers = true, long, value_name = "N", default_value_t = 100, value_parser = clap::value_parser!(u32).range(2..=MAX_REPLICATIONS))]
    pub(crate) max_replications: u32,
    /// Replications re-run with mediators held, each with a held placebo (those of the first
    /// blocks, whole blocks).
    #[arg(allow_negative_numbers = true, long, value_name = "N", default_value_t = 40, value_parser = clap::value_parser!(u32).range(2..=MAX_REPLICATIONS))]
    pub(crate) decompose_replications: u32,
    /// Points of the robustness map of each derived claim (0: no map).
    #[arg(allow_negative_numbers = true, long, value_name = "N", default_value_t = 80, value_parser = clap::value_parser!(u32).range(..=MAX_REPLICATIONS))]
    pub(crate) robustness_points: u32,
    /// Replications per robustness point.
    #[arg(allow_negative_numbers = true, long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..=MAX_REPLICATIONS))]
    pub(crate) robustness_replications: u32,
    /// Map every claim over the assumed parameters, not only the derived ones.
    #[arg(long)]
    pub(crate) robustness_all: bool,
    /// Run only shard I of N (from 0) of each robustness map (points k with k mod N = I;
    /// the verdicts run in every shard); `coprod merge` puts the shards together. `--shard`
    /// alone reads I and N from SLURM's array variables.
    #[arg(long, value_name = "I/N", num_args = 0..=1, default_missing_value = coprod_study::FROM_SLURM)]
    pub(crate) shard: Option<coprod_study::ShardArg>,
    /// Cap every population at 1,000 citizens, with no more communities than they fill
    /// (`ring_degree` + 2 citizens each) and no more organisations than communities (a
    /// quick check of the machinery, not a verdict about the model at its registered scale).
    #[arg(long)]
    pub(crate) quick: bool,
    /// Only these claims (e.g. `--only P8 B4`); default: all.
    #[arg(long, value_name = "ID", num_args = 1..)]
    pub(crate) only: Vec<String>,
    /// Output directory [default: outputs/validation, numbered if taken].
    #[arg(short, long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// Worker threads, at most 1024 [default: all cores]. Outputs are identical for any value.
    #[arg(allow_negative_numbers = true, short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS))]
    pub(crate) threads: Option<u16>,
    /// Replace the output directory if it exists.
    #[arg(short, long)]
    pub(crate) force: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct RunArgs {
    /// A scenario file path or the name of a shipped scenario (see `coprod list`).
    /// Without it: a quick version of the group-size teaching scenario.
    pub(crate) scenario: Option<String>,
    /// Output directory [default: outputs/<scenario name>, numbered if taken].
    #[arg(short, long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// Replications per variant and sweep point (overrides the scenario, also under
    /// --quick; not with --set experiment.replications).
    #[arg(allow_negative_numbers = true, short, long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) replications: Option<u32>,
    /// Base seed (overrides the scenario; not with --set experiment.seed).
    #[arg(allow_negative_numbers = true, long, value_name = "S", value_parser = parse_seed)]
    pub(crate) seed: Option<u64>,
    /// Worker threads, at most 1024 [default: all cores]. Outputs are identical for any value.
    #[arg(allow_negative_numbers = true, short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS))]
    pub(crate) threads: Option<u16>,
    /// Set a parameter in every run, e.g. `--set levers.group_size_cap=12`; replaces a
    /// sweep over it. Also `experiment.steps`, `experiment.replications`, `experiment.seed`.
    /// Each key once: a second `--set` of it is refused.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub(crate) settings: Vec<Setting>,
    /// Replace the output directory if it exists (or discard an interrupted run of it).
    /// With --resume: finish the interrupted run, then replace the earlier result.
    #[arg(short, long)]
    pub(crate) force: bool,
    /// Finish an interrupted run: keep the runs it saved and run only what is missing.
    /// Give the same scenario and options as the first time (with --force if it had it).
    #[arg(long)]
    pub(crate) resume: bool,
    /// Shrink the runs for a quick look: at most 60 steps, 3 replications (unless
    /// --replications or --set experiment.replications gives a number), 1000 citizens, as
    /// many communities as they fill with ring_degree + 2 each, no more organisations than
    /// communities.
    #[arg(short, long)]
    pub(crate) quick: bool,
    /// Metric compared in comparison.csv and checked by --target-ci (repeatable)
    /// [default: the scenario's `[report]` metrics, then the key metrics of
    /// docs/comparison.md].
    #[arg(short, long = "metric", value_name = "M")]
    pub(crate) metrics: Vec<String>,
    /// Compare every other variant with this one in comparison.csv [default: baseline].
    #[arg(long, value_name = "NAME")]
    pub(crate) against: Option<String>,
    /// Add replications in batches until every compared 95% CI half-width is at most W
    /// (in the metric's unit) or --max-replications is reached.
    #[arg(allow_negative_numbers = true, long, value_name = "W", conflicts_with = "replications",
          value_parser = parse_target_ci)]
    pub(crate) target_ci: Option<f64>,
    /// Cap on replications for --target-ci.
    #[arg(allow_negative_numbers = true, long, value_name = "N", default_value_t = 100, requires = "target_ci",
          value_parser = clap::value_parser!(u32).range(2..))]
    pub(crate) max_replications: u32,
    /// Run only shard I of N (from 0) of the runs, a contiguous block of run ids, and
    /// write a shard directory for `coprod merge` [default --out:
    /// outputs/<name>-shards/shard-I-of-N]. `--shard` alone reads I and N from
    /// SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT.
    #[arg(long, value_name = "I/N", num_args = 0..=1, default_missing_value = coprod_study::FROM_SLURM)]
    pub(crate) shard: Option<coprod_study::ShardArg>,
}

#[derive(Debug, clap::Args)]
pub(crate) struct MergeArgs {
    /// Shard directories written by `coprod run --shard I/N` or `coprod validate --shard
    /// I/N` (any order), or the one directory of `coprod calibrate --shard I/N`.
    #[arg(required = true, value_name = "SHARD_DIR")]
    pub(crate) shards: Vec<PathBuf>,
    /// Output directory of the merged run (required, except for a calibration, which is
    /// merged in place).
    #[arg(short, long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// Worker threads, at most 1024 [default: all cores]: those a merged run draws its
    /// charts on, or a calibration's posterior predictive runs on. Outputs are identical for
    /// any value.
    #[arg(allow_negative_numbers = true, short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS))]
    pub(crate) threads: Option<u16>,
    /// Replace the output directory if it exists.
    #[arg(short, long)]
    pub(crate) force: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct SlurmArgs {
    /// A scenario file path or the name of a shipped scenario.
    pub(crate) scenario: String,
    /// Calibrate the scenario's [calibration] table against this targets file instead of
    /// running it: one job of N tasks runs the rounds of `coprod calibrate --shard` and
    /// merges them until the calibration stops (docs/cluster.md).
    #[arg(long, value_name = "FILE")]
    pub(crate) targets: Option<PathBuf>,
    /// Array tasks (shards); each task runs a block of runs, so N may be far smaller than
    /// the number of runs (SLURM's default array limit is about 1000 tasks). With
    /// --targets: the tasks of the calibration job, each a shard of every round.
    #[arg(allow_negative_numbers = true, long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) array: u64,
    /// SLURM partition (sbatch --partition) [default: the cluster's default].
    #[arg(long, value_name = "P")]
    pub(crate) partition: Option<String>,
    /// Time limit of each array task and of the merge job (sbatch --time), e.g. 2:00:00
    /// [default: the cluster's default].
    #[arg(long, value_name = "T")]
    pub(crate) time: Option<String>,
    /// CPUs per array task (sbatch --cpus-per-task); each shard runs that many threads.
    #[arg(allow_negative_numbers = true, long, value_name = "C", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS))]
    pub(crate) cpus_per_task: u16,
    /// Merged output directory [default: outputs/<scenario name>, numbered if taken]; the
    /// script, logs and shards go in DIR.slurm/ beside it.
    #[arg(short, long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// Replications per variant and sweep point (overrides the scenario).
    #[arg(allow_negative_numbers = true, short, long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) replications: Option<u32>,
    /// Base seed (overrides the scenario).
    #[arg(allow_negative_numbers = true, long, value_name = "S", value_parser = parse_seed)]
    pub(crate) seed: Option<u64>,
    /// Set a parameter in every run, as for `coprod run`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub(crate) settings: Vec<Setting>,
    /// Shrink the runs, as for `coprod run --quick`.
    #[arg(short, long)]
    pub(crate) quick: bool,
    /// Metric compared in comparison.csv (repeatable), as for `coprod run`.
    #[arg(short, long = "metric", value_name = "M")]
    pub(crate) metrics: Vec<String>,
    /// Replace the script, logs and shards of an earlier submission (DIR.slurm/).
    #[arg(short, long)]
    pub(crate) force: bool,
    /// Let the merge job replace an existing output directory (an earlier result); without
    /// it an existing output directory is refused before anything is written.
    #[arg(long)]
    pub(crate) replace_results: bool,
    /// Also submit the jobs with sbatch (default: only write the script and print how);
    /// refused, with nothing written, when sbatch is not on PATH.
    #[arg(long)]
    pub(crate) submit: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct CheckArgs {
    /// Scenario file paths or shipped scenario names.
    #[arg(required = true, value_name = "FILE")]
    pub(crate) files: Vec<String>,
    /// Threads assumed for the time estimate and the memory check, at most 1024
    /// [default: all cores]: a machine with a core for each, such as a cluster node with
    /// that many CPUs (`coprod run` times its runs on the cores it has).
    #[arg(allow_negative_numbers = true, short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS))]
    pub(crate) threads: Option<u16>,
}

#[derive(Debug, clap::Args)]
pub(crate) struct ListArgs {
    /// List every model parameter (name, default, allowed values, unit) instead.
    #[arg(long)]
    pub(crate) params: bool,
}

#[derive(Debug, clap::Args)]
pub(crate) struct PlotArgs {
    /// A run directory written by `coprod run`.
    #[arg(value_name = "DIR")]
    pub(crate) dir: PathBuf,
    /// Only charts of this metric (a column of timeseries.csv or runs.csv; survival charts
    /// have none, so they are not redrawn). With --metric or --kind only the selected charts
    /// are redrawn; index.html is left as it was.
    #[arg(short, long, value_name = "M")]
    pub(crate) metric: Option<String>,
    /// Only charts of this kind: time-series, response, survival, forest or heatmap (index.html
    /// is left as it was).
    #[arg(short, long, value_name = "K")]
    pub(crate) kind: Option<coprod_report::ChartKind>,
    /// Worker threads, at most 1024 [default: all cores]. Outputs are identical for any value.
    #[arg(allow_negative_numbers = true, short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS))]
    pub(crate) threads: Option<u16>,
}

#[derive(Debug, clap::Args)]
pub(crate) struct TeachArgs {
    /// What to teach; `group-size` is the one lesson so far.
    #[arg(value_enum, value_name = "LESSON")]
    pub(crate) lesson: Lesson,
    /// Output directory [default: outputs/group-size-teach, numbered if taken].
    #[arg(short, long, value_name = "DIR")]
    pub(crate) out: Option<PathBuf>,
    /// Replications per group size and regime [default: the scenario's 30, or 3 with
    /// --quick; a value given here applies with --quick too].
    #[arg(allow_negative_numbers = true, short, long, value_name = "N", value_parser = clap::value_parser!(u32).range(2..))]
    pub(crate) replications: Option<u32>,
    /// A smaller, faster version (3 replications unless --replications says otherwise,
    /// 1000 citizens, 60 months instead of 480):
    /// wider intervals, as fewer groups are followed for the 24 months survival is read at.
    #[arg(short, long)]
    pub(crate) quick: bool,
    /// Set a parameter in every run, as for `coprod run` (e.g. `--set
    /// population.n_citizens=500`), also `experiment.steps`, `experiment.replications` and
    /// `experiment.seed`; not the group-size cap the lesson sweeps, nor a parameter its
    /// variants set to another value.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub(crate) settings: Vec<Setting>,
    /// Worker threads, at most 1024 [default: all cores]. Outputs are identical for any value.
    #[arg(allow_negative_numbers = true, short = 'j', long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_THREADS))]
    pub(crate) threads: Option<u16>,
    /// Replace the output directory if it exists (or discard an interrupted lesson in it).
    /// With --resume: finish the interrupted lesson, then replace the earlier one.
    #[arg(short, long)]
    pub(crate) force: bool,
    /// Finish an interrupted lesson: keep the runs it saved, run only what is missing, then
    /// write the page. Give the same options as the first time (with --force if it had it).
    #[arg(long)]
    pub(crate) resume: bool,
}

/// The lessons of `coprod teach`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Lesson {
    /// Is there a best group size? Per-member service against non-rival joint supply.
    GroupSize,
}

/// Options of `coprod serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// Port to listen on (0 picks a free one).
    #[arg(short, long, default_value_t = 8080)]
    pub(crate) port: u16,
    /// Listen on the local network so students' devices can join (default: this computer
    /// only, 127.0.0.1); prints the LAN address to give the class.
    #[arg(long)]
    pub(crate) lan: bool,
    /// Folder for the experiments started from the page [default: outputs]. Given, it must
    /// be writable for the server to start; the default that is not only gets a warning
    /// (Play needs no folder).
    #[arg(long, value_name = "DIR")]
    pub(crate) outputs: Option<PathBuf>,
}

/// `--target-ci W`: a finite number above 0 (the same words for text that is no number).
fn parse_target_ci(text: &str) -> Result<f64, String> {
    text.parse::<f64>()
        .ok()
        .filter(|w| w.is_finite() && *w > 0.0)
        .ok_or_else(|| "allowed is a finite number above 0".to_string())
}

/// `--salt TEXT`: any text but an empty or blank one, which `--salt "$SALT"` gives when SALT
/// is unset or blank, so that such validations would share every seed.
fn parse_salt(text: &str) -> Result<String, String> {
    if text.trim().is_empty() {
        Err("allowed is text with at least one character that is not white space (a space, tab or line break)".to_string())
    } else {
        Ok(text.to_string())
    }
}

/// `--seed S`: a whole number from 0 to 2^64 - 1, said so for any other text.
fn parse_seed(text: &str) -> Result<u64, String> {
    text.parse::<u64>()
        .map_err(|_| format!("allowed is a whole number from 0 to {}", u64::MAX))
}
