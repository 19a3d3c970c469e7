//! `coprod check`: validates scenario files and says how big each experiment is; the rough
//! run-time estimate (a measured cost per citizen-step) and the memory check every command
//! that runs a scenario makes first.

use coprod_scenario::Scenario;

use crate::error::{Result, bail};
use crate::shipped;

/// Wall time per citizen-step and thread, and per step of a run whatever its size (the step's
/// records, its row of timeseries.csv, its groups), from the release build on one thread
/// (5 December 2026, with another job on the machine): `coprod run group-size` (1,350 runs of
/// 480 steps) took 8.0 s with 400 citizens and 19.7 s with 4,000 (5e-9 s per citizen-step,
/// 1e-5 s per run-step); `coprod run baseline`, with fewer groups, 0.55 s for 100 runs of
/// 1,000 steps of 100 citizens (at most 5.5e-6 s per run-step). Small populations over many
/// steps are timed by the second term: from citizen-steps alone they were put at a fifth of
/// their time. Busy machines and debug builds take longer. Only for rough estimates.
const SECONDS_PER_CITIZEN_STEP: f64 = 5.0e-9;
const SECONDS_PER_RUN_STEP: f64 = 1.0e-5;

/// A scenario file as `coprod check` judges it.
#[derive(Debug)]
pub struct Checked {
    /// The file (or shipped name) as given.
    pub file: String,
    /// What it runs and its warnings, or why it is invalid.
    pub result: Result<CheckedScenario>,
}

/// A valid scenario: what it runs, roughly how long it takes, and its warnings.
#[derive(Clone, Debug)]
pub struct CheckedScenario {
    /// "30 runs (3 variants x 5 sweep points x 2 replications) of 120 steps, ...".
    pub description: String,
    /// Settings that may be mistakes.
    pub warnings: Vec<String>,
}

/// `coprod check`: reads every file (or shipped name) and says how big each experiment is.
/// What `coprod run` would refuse with as many threads (runs too large for the memory) is
/// invalid here too, and so is a `[sensitivity]` design that `coprod sensitivity` would
/// refuse (for its memory, or a design point the model rejects).
pub fn check(files: &[String], threads: usize) -> Vec<Checked> {
    files
        .iter()
        .map(|file| Checked {
            file: file.clone(),
            result: shipped::load(file).and_then(|scenario| {
                let design = || {
                    let t = scenario.sensitivity.as_ref()?;
                    design_memory_problem(t)
                        .or_else(|| design_runs_memory_problem(&scenario, t, threads))
                };
                if let Some(problem) = memory_problem(&scenario, threads).or_else(design) {
                    // The estimate is still worth having: on a cluster's login node, whose
                    // memory is not the compute nodes', it is what the guide asks check for.
                    bail!(
                        "{file}: {problem}\n{}\n\nhint: use fewer --threads, fewer citizens or \
                         fewer steps; the memory is this machine's (a cluster's compute node may \
                         have more)",
                        describe(&scenario, threads)
                    );
                }
                if let Some(table) = &scenario.sensitivity {
                    // What else `coprod sensitivity` refuses before its first run (design
                    // points the model rejects, factors held by interventions).
                    crate::sensitivity::checked_design(&scenario, table, threads)?;
                }
                Ok(CheckedScenario {
                    description: describe(&scenario, threads),
                    warnings: scenario.warnings(),
                })
            }),
        })
        .collect()
}

/// "30 runs (3 variants x 5 sweep points x 2 replications) of 120 steps, about 4 s on 2 threads",
/// plus what `coprod sensitivity` would run for a scenario with a `[sensitivity]` table.
pub fn describe(s: &Scenario, threads: usize) -> String {
    let sensitivity = s.sensitivity.as_ref().map_or_else(String::new, |t| {
        // The design spreads its points evenly over each range: a population size that is a
        // factor averages its range's middle.
        let citizens = t
            .factors
            .iter()
            .find(|f| f.name() == "population.n_citizens")
            .map_or(s.base.n_citizens, |f| (f.low + f.high) / 2.0);
        let citizen_steps = t.runs() as f64 * citizens * f64::from(s.steps);
        format!(
            "; `coprod sensitivity`: {} ({} x {}), {}",
            counted(t.runs() as usize, "run"),
            counted(t.design_points() as usize, "design point"),
            counted(t.replications as usize, "replication"),
            roughly(citizen_steps, (t.runs(), s.steps), threads)
        )
    });
    describe_runs(s, threads) + &sensitivity
}

/// "30 runs (...) of 120 steps, roughly 4 s on 2 threads".
pub fn describe_runs(s: &Scenario, threads: usize) -> String {
    format!(
        "{}, {} on {} thread{}",
        runs_and_steps(s),
        estimate(s, threads),
        threads,
        plural(threads as u64),
    )
}

/// "30 runs (2 variants x 3 sweep points x 5 replications) of 120 steps".
fn runs_and_steps(s: &Scenario) -> String {
    format!(
        "{} run{} ({} variant{} x {} sweep point{} x {} replication{}) of {} step{}",
        s.n_runs(),
        plural(s.n_runs()),
        s.variants.len(),
        plural(s.variants.len() as u64),
        s.n_points(),
        plural(s.n_points() as u64),
        s.replications,
        plural(u64::from(s.replications)),
        s.steps,
        plural(u64::from(s.steps)),
    )
}

/// [`describe_runs`] for a command that runs only `runs` of the scenario's runs (a shard,
/// or what a resume has left): "900 runs (...) of 480 steps; 450 of them to run now,
/// roughly 4 s on 2 threads", the time being that of those runs.
pub(crate) fn describe_runs_to_run(s: &Scenario, threads: usize, runs: u64) -> String {
    let all = s.n_runs();
    if runs == all {
        return describe_runs(s, threads);
    }
    let mut citizen_steps = 0.0;
    for variant in 0..s.variants.len() {
        for point in 0..s.n_points() {
            citizen_steps += s.params_for(variant, point).n_citizens;
        }
    }
    // The mean run's citizen-steps times the runs to run.
    citizen_steps *= f64::from(s.steps) * runs as f64 / (s.variants.len() * s.n_points()) as f64;
    format!(
        "{}; {runs} of them to run now, {} on {} thread{}",
        runs_and_steps(s),
        roughly(citizen_steps, (runs, s.steps), threads),
        threads,
        plural(threads as u64),
    )
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// "1 thread", "2 threads": a count with its noun, for messages.
pub(crate) use coprod_report::counted;

/// "all 3 runs are", or "the 1 run is" when there is one.
pub(crate) fn all_runs_are(n: u64) -> String {
    match n {
        1 => "the 1 run is".to_string(),
        n => format!("all {n} runs are"),
    }
}

/// Rough wall time: citizen-steps over all runs times the measured cost, over threads.
fn estimate(s: &Scenario, threads: usize) -> String {
    let mut citizen_steps = 0.0;
    for variant in 0..s.variants.len() {
        for point in 0..s.n_points() {
            citizen_steps += s.params_for(variant, point).n_citizens;
        }
    }
    citizen_steps *= f64::from(s.steps) * f64::from(s.replications);
    roughly(citizen_steps, (s.n_runs(), s.steps), threads)
}

/// "roughly 4 s": the wall time of `citizen_steps` in `runs` runs of `steps` steps each,
/// spread over `threads` threads (no more threads work than there are runs).
pub(crate) fn roughly(citizen_steps: f64, (runs, steps): (u64, u32), threads: usize) -> String {
    let parallel = (threads as f64).min(runs as f64).max(1.0);
    let run_steps = runs as f64 * f64::from(steps);
    let seconds =
        (citizen_steps * SECONDS_PER_CITIZEN_STEP + run_steps * SECONDS_PER_RUN_STEP) / parallel;
    format!("roughly {}", human_duration(seconds))
}

/// Largest model state of any run, in bytes.
fn largest_state(s: &Scenario) -> u64 {
    let mut largest = 0;
    for variant in 0..s.variants.len() {
        for point in 0..s.n_points() {
            largest = largest.max(s.params_for(variant, point).estimated_bytes());
        }
    }
    largest
}

/// Runs whose outputs wait in memory at once: coprod-sweep takes runs in chunks of
/// 4 per thread and hands them to the writer when the chunk is done.
const OUTPUTS_PER_THREAD: u64 = 4;

/// A message if the runs in flight at once would need more memory than the machine has:
/// the model state of each running run plus the per-step records of every run whose
/// outputs wait to be written.
pub(crate) fn memory_problem(s: &Scenario, threads: usize) -> Option<String> {
    let in_flight = (threads as u64).min(s.n_runs()).max(1);
    let waiting = (threads as u64 * OUTPUTS_PER_THREAD).min(s.n_runs()).max(1);
    runs_memory_problem(largest_state(s), in_flight, waiting, s.steps)
}

/// A message if the runs of a sensitivity design would need more memory than the machine
/// has: the design's runs at once (not `coprod run`'s), each holding the largest design
/// point's state. A point's state grows with the population size and the ring degree
/// ([`coprod_core::Params::estimated_bytes`]), so the largest is the baseline with every
/// factor at the top of its range.
pub(crate) fn design_runs_memory_problem(
    s: &Scenario,
    table: &coprod_scenario::Sensitivity,
    threads: usize,
) -> Option<String> {
    let mut largest = s.baseline_params();
    for f in &table.factors {
        // In range by construction; a value refused would only leave the baseline's.
        let _ = largest.set_index(f.param, f.value(1.0));
    }
    let runs = table.runs();
    let in_flight = (threads as u64).min(runs).max(1);
    let waiting = (threads as u64 * OUTPUTS_PER_THREAD).min(runs).max(1);
    runs_memory_problem(largest.estimated_bytes(), in_flight, waiting, s.steps)
}

/// A message if `in_flight` runs at once, each holding `state` bytes, and the per-step
/// records of `steps` steps of `waiting` runs would need more memory than the machine has.
pub(crate) fn runs_memory_problem(
    state: u64,
    in_flight: u64,
    waiting: u64,
    steps: u32,
) -> Option<String> {
    let records = u64::from(steps)
        .saturating_mul(std::mem::size_of::<coprod_core::StepMetrics>() as u64)
        .saturating_mul(waiting);
    let need = state.saturating_mul(in_flight).saturating_add(records);
    let total = total_memory()?;
    (need > total).then(|| {
        let runs = if in_flight == 1 {
            "1 run needs".to_string()
        } else {
            format!("{in_flight} runs at once need")
        };
        format!(
            "{runs} about {:.1} GiB of model state and results, but the machine has {:.1} GiB",
            need as f64 / GIB,
            total as f64 / GIB
        )
    })
}

/// A message if a sensitivity design would need more memory than the machine has: it is
/// held whole, each point with its unit coordinates (in the design and in the list of
/// points) and its parameter set, and each run with its row of design.csv and its outputs,
/// until the indices are computed.
pub(crate) fn design_memory_problem(table: &coprod_scenario::Sensitivity) -> Option<String> {
    const VEC: u64 = 3 * 8 + 16;
    let (k, outputs) = (table.factors.len() as u64, table.outputs.len() as u64);
    let per_point =
        2 * (VEC + 8 * k) + std::mem::size_of::<coprod_core::Params>() as u64 + outputs * VEC;
    let per_run = std::mem::size_of::<coprod_output::DesignRow>() as u64
        + k * (VEC + 16)
        + VEC
        + outputs * 16;
    let need = table
        .design_points()
        .saturating_mul(per_point)
        .saturating_add(table.runs().saturating_mul(per_run));
    let total = total_memory()?;
    (need > total).then(|| {
        format!(
            "the design's {} points x {} replications need about {:.1} GiB of memory, but the \
             machine has {:.1} GiB",
            table.design_points(),
            table.replications,
            need as f64 / GIB,
            total as f64 / GIB
        )
    })
}

const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// Physical memory from /proc/meminfo (Linux); `None` elsewhere.
fn total_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// "under a second", "12 s", "3 min", "1.5 h".
pub fn human_duration(seconds: f64) -> String {
    if seconds < 1.0 {
        "under a second".to_string()
    } else if seconds < 90.0 {
        format!("{seconds:.0} s")
    } else if seconds < 5400.0 {
        format!("{:.0} min", seconds / 60.0)
    } else {
        format!("{:.1} h", seconds / 3600.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A design that varies the population size is timed at its range's middle, not at the
    /// baseline's size: 10 Morris trajectories of one factor are 20 runs of 100 steps, of
    /// 2 million citizens on average, 4e9 citizen-steps, 20 s on one thread (and 2,000
    /// run-steps, 0.02 s).
    #[test]
    fn all_runs_are_says_the_one_run_in_the_singular() {
        assert_eq!(all_runs_are(1), "the 1 run is");
        assert_eq!(all_runs_are(24), "all 24 runs are");
    }

    #[test]
    fn a_design_over_the_population_size_is_timed_at_its_middle() {
        let text = "[experiment]\nsteps = 100\n[sensitivity]\nmethod = \"morris\"\n\
                    outputs = [\"participation_rate\"]\ntrajectories = 10\nreplications = 1\n\
                    [sensitivity.parameters]\n\"population.n_citizens\" = [1000000, 3000000]\n";
        let s = Scenario::from_toml(text, "s.toml", "s").unwrap();
        assert!(
            describe(&s, 1).ends_with(
                "`coprod sensitivity`: 20 runs (20 design points x 1 replication), roughly 20 s"
            ),
            "{}",
            describe(&s, 1)
        );
    }

    /// The runs are counted by variant, sweep point and replication, each word in the
    /// singular or plural, and timed by the citizen-steps of every (variant, point): here
    /// (3 x 1e6 + 3 x 2e6 citizens) x 100 steps x 2 replications = 1.8e9, 9 s on 1 thread
    /// and 5 s on 2 (the 1,200 run-steps add 0.012 s).
    #[test]
    fn a_run_is_described_by_its_counts_and_rough_time() {
        let text = "[params.population]\nn_citizens = 1000000\nn_communities = 100\n\
                    [experiment]\nsteps = 100\nreplications = 2\n\
                    [experiment.sweep]\n\"levers.outreach\" = [0, 0.5, 1]\n\
                    [[experiment.variants]]\nname = \"big\"\n\
                    params.population.n_citizens = 2000000\n";
        let s = Scenario::from_toml(text, "s.toml", "s").unwrap();
        assert_eq!(
            describe_runs(&s, 1),
            "12 runs (2 variants x 3 sweep points x 2 replications) of 100 steps, roughly 9 s \
             on 1 thread"
        );
        assert!(describe_runs(&s, 2).ends_with("roughly 5 s on 2 threads"));
        let one =
            Scenario::from_toml("[experiment]\nsteps = 1\nreplications = 1\n", "o", "o").unwrap();
        assert!(
            describe_runs(&one, 1)
                .starts_with("1 run (1 variant x 1 sweep point x 1 replication) of 1 step,"),
            "{}",
            describe_runs(&one, 1)
        );
        assert_eq!(
            (counted(1, "thread"), counted(2, "thread")),
            ("1 thread".into(), "2 threads".into())
        );
    }

    /// Times read in the unit that suits them, switching at 1 s, 90 s and 90 min.
    #[test]
    fn durations_switch_units_at_a_second_a_minute_and_a_half_and_ninety_minutes() {
        for (seconds, text) in [
            (0.5, "under a second"),
            (1.0, "1 s"),
            (89.4, "89 s"),
            (90.0, "2 min"),
            (5399.0, "90 min"),
            (5400.0, "1.5 h"),
        ] {
            assert_eq!(human_duration(seconds), text, "{seconds} s");
        }
    }

    /// The memory message states the need in GiB; 1 TiB of state is more than a test
    /// machine has. The machine's memory is read as bytes from kB.
    #[test]
    fn a_run_too_large_for_the_memory_is_stated_in_gib() {
        let total = total_memory().expect("Linux has /proc/meminfo");
        assert!(total > 256 << 20, "{total} bytes");
        let message = runs_memory_problem(1 << 40, 1, 1, 0).expect("1 TiB does not fit");
        assert!(
            message.starts_with("1 run needs about 1024.0 GiB of model state and results"),
            "{message}"
        );
        let message = runs_memory_problem(1 << 40, 4, 1, 0).unwrap();
        assert!(
            message.starts_with("4 runs at once need about 4096.0 GiB"),
            "{message}"
        );
        assert!(runs_memory_problem(1 << 20, 2, 2, 10).is_none());
    }

    /// The work is spread over the threads, but no more threads work than there are runs.
    #[test]
    fn rough_times_spread_runs_over_the_threads_that_have_one() {
        let citizen_steps = 30.0 / SECONDS_PER_CITIZEN_STEP;
        assert_eq!(roughly(citizen_steps, (10, 0), 1), "roughly 30 s");
        assert_eq!(roughly(citizen_steps, (10, 0), 2), "roughly 15 s");
        assert_eq!(roughly(citizen_steps, (1, 0), 8), "roughly 30 s");
        assert_eq!(roughly(citizen_steps, (3, 0), 8), "roughly 10 s");
        assert_eq!(roughly(citizen_steps, (3, 0), 0), "roughly 30 s");
    }

    /// Every step of a run costs time whatever its population: 135 runs of 480 steps of
    /// 400 citizens (26 million citizen-steps, 0.13 s by their cost alone) took 1.2 to 2 s
    /// on one thread with the charts, and their 64,800 steps now add 0.65 s.
    #[test]
    fn many_steps_of_small_runs_are_not_timed_as_nothing() {
        let citizen_steps = 135.0 * 480.0 * 400.0;
        assert_eq!(
            roughly(citizen_steps, (135, 480), 1),
            "roughly under a second"
        );
        assert_eq!(roughly(citizen_steps, (135, 4800), 1), "roughly 7 s");
        assert_eq!(roughly(0.0, (1, 200_000), 1), "roughly 2 s");
    }
}
