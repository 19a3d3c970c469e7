//! How big an experiment is: the rough run-time estimate (a measured cost per citizen-step,
//! by population) and the memory check every command that runs a scenario makes first
//! (`coprod check` reports both, see `check.rs`).

use coprod_scenario::Scenario;

/// Wall time per citizen-step and thread by the run's population (citizens, seconds; read
/// between these points on logarithmic scales, and as the nearest point outside them), per
/// citizen and run (making the population and its network), and per step of a run whatever
/// its size (the step's records, its row of timeseries.csv, its groups). From the release
/// build on one thread: `coprod run group-size` (1,350 runs of 480 steps) took 8.0 s with
/// 400 citizens and 19.7 s with 4,000 (5 December 2026: 5e-9 s per citizen-step, 1e-5 s
/// per run-step); `coprod run baseline`, with fewer groups, 0.55 s for 100 runs of 1,000
/// steps of 100 citizens (at most 5.5e-6 s per run-step). Larger populations cost more per
/// citizen-step once the model's state (about 90 bytes per citizen) outgrows the processor's
/// caches: the baseline with communities of 100 over 120 steps (6 December 2026, CPU time,
/// the machine busy with other jobs) took 1.2e-8 s per citizen-step at 100,000 citizens
/// and 2.2e-8 at 300,000, and making 1,000,000 to 5,000,000 citizens about 5e-7 s each
/// (wall, with the kernel's page faults). 1,000,000 and 5,000,000 citizens in communities
/// of 100 over 120 steps took 4.6 s and 32 s of user CPU time (7 December 2026, one run
/// each, twice for 1,000,000, the machine's load about 9 on 2 cores), less about 0.15 s
/// and 1 s to make them (runs of 4 steps): 3.7e-8 and 5.2e-8 s per citizen-step (an
/// earlier 1.8e-7 at 1,000,000 was 5 times too high). Larger communities cost less (100
/// communities of 10,000: 1.1e-8 at 1,000,000). Busy machines, other processors and debug
/// builds differ. Only for rough estimates.
const SECONDS_PER_CITIZEN_STEP: [(f64, f64); 5] = [
    (1.0e4, 5.0e-9),
    (1.0e5, 1.2e-8),
    (3.0e5, 2.2e-8),
    (1.0e6, 3.7e-8),
    (5.0e6, 5.2e-8),
];
const SECONDS_PER_CITIZEN: f64 = 5.0e-7;
const SECONDS_PER_RUN_STEP: f64 = 1.0e-5;
/// Wall time per staff member and step, and per organisation and step beyond its staff:
/// the baseline with 1,000 organisations of 10,000 staff took 9.1 s of CPU time over 120
/// steps (7.6e-9 s per staff-step), with 100,000 organisations of 5 staff 1.3 s (7e-8 s
/// per organisation-step besides their staff), release build, one thread, 7 December 2026
/// (the machine busy). The defaults' 4 organisations of 5 staff cost next to nothing.
const SECONDS_PER_STAFF_STEP: f64 = 7.6e-9;
const SECONDS_PER_ORG_STEP: f64 = 7.0e-8;

/// The cost of one citizen-step in a run of `citizens` ([`SECONDS_PER_CITIZEN_STEP`]).
fn citizen_step_seconds(citizens: f64) -> f64 {
    let points = &SECONDS_PER_CITIZEN_STEP;
    let (first, last) = (points[0], points[points.len() - 1]);
    if citizens <= first.0 {
        return first.1;
    }
    if citizens >= last.0 {
        return last.1;
    }
    let k = points.partition_point(|&(n, _)| n <= citizens);
    let ((n0, s0), (n1, s1)) = (points[k - 1], points[k]);
    let t = (citizens / n0).ln() / (n1 / n0).ln();
    s0 * (s1 / s0).powf(t)
}

/// Rough wall time of one run of `citizens` over `steps` steps on one thread.
pub(crate) fn run_seconds(citizens: f64, steps: u32) -> f64 {
    let steps = f64::from(steps);
    citizens * (SECONDS_PER_CITIZEN + steps * citizen_step_seconds(citizens))
        + steps * SECONDS_PER_RUN_STEP
}

/// [`run_seconds`] of a run with parameters `p`, its organisations and staff included.
pub(crate) fn params_run_seconds(p: &coprod_core::Params, steps: u32) -> f64 {
    run_seconds(p.n_citizens, steps) + f64::from(steps) * org_step_seconds(p)
}

/// The cost of one step of the organisations and staff of `p`.
fn org_step_seconds(p: &coprod_core::Params) -> f64 {
    let orgs = p.n_organisations;
    let staff = orgs * p.staff_per_org;
    orgs * SECONDS_PER_ORG_STEP + staff * SECONDS_PER_STAFF_STEP
}

/// A calibration's simulations keep only the targeted metrics (no timeseries.csv row, no
/// group records), so they cost far less than `coprod run`'s runs of the same size: a fixed
/// cost per simulation, and per citizen-step the lab game's own cost or, in the field,
/// [`SECONDS_PER_CITIZEN_STEP`]'s. Measured with the release build on one thread (user
/// time, 7 December 2026, the machine busy with other jobs) by calibrations of one
/// generation, each with as many posterior predictive simulations: lab-calibration's 140
/// subjects over 10 rounds made 20,000 simulations in 0.51 s (2.6e-5 s each), over 40
/// rounds in 1.66 s, and 560 subjects over 10 rounds in 1.78 s (so 1.4e-8 s per
/// citizen-round and 6e-6 s per simulation); the default field population (2,000 citizens,
/// 4 organisations) over 120 steps, 600 simulations in 0.93 s (1.6e-3 s each; this model
/// says 1.3e-3). The whole of lab-calibration (4,075,102 proposals, 162,282 simulated)
/// took 5.5 s. Making the population is in these figures; no shipped calibration is large
/// enough for the cost per citizen of making millions to matter.
const SECONDS_PER_SIMULATION: f64 = 6.0e-6;
const LAB_SECONDS_PER_CITIZEN_STEP: f64 = 1.4e-8;

/// Rough wall time of one calibration simulation with parameters `p` on one thread.
fn simulation_seconds(p: &coprod_core::Params, steps: u32) -> f64 {
    let per_step = if p.is_lab() {
        p.n_citizens * LAB_SECONDS_PER_CITIZEN_STEP
    } else {
        p.n_citizens * citizen_step_seconds(p.n_citizens) + org_step_seconds(p)
    };
    SECONDS_PER_SIMULATION + f64::from(steps) * per_step
}

/// Rough wall time of one replication of every (variant, sweep point) on one thread.
fn replication_seconds(s: &Scenario) -> f64 {
    let mut seconds = 0.0;
    for variant in 0..s.variants.len() {
        for point in 0..s.n_points() {
            seconds += params_run_seconds(&s.params_for(variant, point), s.steps);
        }
    }
    seconds
}

/// "30 runs (3 variants x 5 sweep points x 2 replications) of 120 steps, about 4 s on 2 threads",
/// plus what `coprod sensitivity` would run for a scenario with a `[sensitivity]` table.
pub fn describe(s: &Scenario, threads: usize) -> String {
    let sensitivity = s.sensitivity.as_ref().map_or_else(String::new, |t| {
        // The design spreads its points evenly over each range: a size that is a factor
        // (citizens, organisations, staff) averages its range's middle.
        let mut middle = s.baseline_params();
        for f in &t.factors {
            // In range by construction (an allowed value of the factor's range).
            let _ = middle.set_index(f.param, f.value(0.5));
        }
        let seconds = t.runs() as f64 * params_run_seconds(&middle, s.steps);
        format!(
            "; `coprod sensitivity`: {} ({} x {}), {} on {}",
            counted(t.runs() as usize, "run"),
            counted(t.design_points() as usize, "design point"),
            counted(t.replications as usize, "replication"),
            roughly_on(seconds, t.runs(), (threads, threads)),
            on_threads(threads, threads)
        )
    });
    let participation = if s.runs_lab() { "" } else { PARTICIPATION };
    describe_runs(s, threads) + participation + &sensitivity + &calibration(s, threads)
}

/// What the times assume of a field run: the cost per citizen-step was measured at the
/// defaults' participation, and a group member costs about 430 instructions per step
/// (docs/performance.md) against tens for a citizen in no group, which the parameters
/// alone cannot predict. The audit's `busy.toml` (participation 0.48) was timed "under a
/// second" and took 3.7 s.
const PARTICIPATION: &str = " (for about a tenth of the citizens in groups, as at the \
                             defaults; several times longer when most take part)";

/// "; `coprod calibrate`: ..." for a scenario with a `[calibration]` table: the time of
/// generation 0 (and of the posterior predictive, as many runs), and at most that of a
/// later generation, which stops at its proposal cap. Most later proposals usually fall
/// outside the priors' support and are not simulated, so that bound is far above the
/// usual time; how many are simulated cannot be known before the run.
fn calibration(s: &Scenario, threads: usize) -> String {
    let Some(c) = &s.calibration else {
        return String::new();
    };
    let settings = coprod_calibrate::Settings {
        particles: c.particles as usize,
        generations: c.generations,
        quantile: c.quantile,
        min_acceptance: c.min_acceptance,
        seed: s.seed,
    };
    let cap = coprod_calibrate::proposal_cap(&settings);
    let run = simulation_seconds(&s.baseline_params(), s.steps);
    let particles = u64::from(c.particles);
    format!(
        "; `coprod calibrate`: up to {} of {}, generation 0 {}, each later one at most {} \
         ({} if every proposal were simulated; proposals outside the priors' support are \
         not)",
        counted(c.generations as usize, "generation"),
        counted(c.particles as usize, "particle"),
        roughly_on(particles as f64 * run, particles, (threads, threads)),
        counted(cap as usize, "proposal"),
        roughly_on(cap as f64 * run, cap, (threads, threads)),
    )
}

/// "30 runs (...) of 120 steps, roughly 4 s on 2 threads", each thread on a core of its
/// own: `coprod check --threads N` times the runs for a machine of N cores (a cluster
/// node), not for the one it runs on.
pub fn describe_runs(s: &Scenario, threads: usize) -> String {
    describe_runs_on(s, (threads, threads), (0, s.n_runs()))
}

/// "30 runs (2 variants x 3 sweep points x 5 replications) of 120 steps" ("of 10 rounds"
/// when every run is of the lab setting, as index.html and the charts count them).
fn runs_and_steps(s: &Scenario) -> String {
    format!(
        "{} ({} x {} x {}) of {}",
        counted(s.n_runs(), "run"),
        counted(s.variants.len(), "variant"),
        counted(s.n_points(), "sweep point"),
        counted(s.replications, "replication"),
        run_length(s),
    )
}

/// "120 steps", or "10 rounds" of a lab run's public-goods game.
pub(crate) fn run_length(s: &Scenario) -> String {
    counted(s.steps, if s.runs_lab() { "round" } else { "step" })
}

/// [`describe_runs`] for a command that runs only the `count` runs from run `first` on (a
/// shard, or what a resume has left): "900 runs (...) of 480 steps; 450 of them to run
/// now, roughly 4 s on 2 threads", the time being that of those runs.
///
/// The threads are this machine's: more of them than it has cores run no faster, so the
/// time is that of `threads` on [`cores`] (and says so when there are more threads).
pub(crate) fn describe_runs_to_run(
    s: &Scenario,
    threads: usize,
    (first, count): (u64, u64),
) -> String {
    describe_runs_on(s, (threads, cores()), (first, count))
}

/// "500 runs (...) of 120 steps, the pilot's, written without running them again": what
/// `--target-ci` announces when its pilot already ran every run (it writes them, which
/// takes next to no time).
pub(crate) fn describe_kept_runs(s: &Scenario) -> String {
    format!(
        "{}, the pilot's, written without running them again",
        runs_and_steps(s)
    )
}

/// Rough time of the `count` runs from run `first` on, on one thread: each (variant,
/// sweep point) timed by its parameters, times its runs in that block. The mean run's time
/// would time both shards of a sweep from 2,000 to 3,000,000 citizens alike.
fn block_seconds(s: &Scenario, (first, count): (u64, u64)) -> f64 {
    let reps = u64::from(s.replications);
    let (points, end) = (s.n_points(), first.saturating_add(count));
    let mut seconds = 0.0;
    for variant in 0..s.variants.len() {
        for point in 0..points {
            let cell = (variant * points + point) as u64;
            let runs = ((cell + 1) * reps)
                .min(end)
                .saturating_sub((cell * reps).max(first));
            if runs > 0 {
                seconds += runs as f64 * params_run_seconds(&s.params_for(variant, point), s.steps);
            }
        }
    }
    seconds
}

/// [`describe_runs_to_run`] with `threads` worker threads on `cores` cores.
fn describe_runs_on(s: &Scenario, (threads, cores): (usize, usize), block: (u64, u64)) -> String {
    let (runs, all) = (block.1, block == (0, s.n_runs()));
    let seconds = if all {
        replication_seconds(s) * f64::from(s.replications)
    } else {
        block_seconds(s, block)
    };
    let time = roughly_with_checkpoints(seconds, runs, (threads, cores));
    let on = on_threads(threads, cores);
    if all {
        format!("{}, {time} on {on}", runs_and_steps(s))
    } else {
        format!(
            "{}; {runs} of them to run now, {time} on {on}",
            runs_and_steps(s)
        )
    }
}

/// [`on_threads`] with this machine's [`cores`], for a time from [`roughly`].
pub(crate) fn on_this_machine(threads: usize) -> String {
    on_threads(threads, cores())
}

/// "2 threads", or "8 threads of 2 cores" when the threads outnumber the cores they share.
fn on_threads(threads: usize, cores: usize) -> String {
    if threads > cores {
        format!(
            "{} of {}",
            counted(threads, "thread"),
            counted(cores, "core")
        )
    } else {
        counted(threads, "thread")
    }
}

/// Cores this process may run on (its CPU affinity, a cgroup's quota): the most threads
/// that work at once here.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
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

/// Wall time of one checkpoint of `coprod run`, after every chunk of
/// [`OUTPUTS_PER_THREAD`] runs per thread: the output files and the journal are synced to
/// disk (one `fdatasync` each), so that `--resume` goes on from there. About 1 ms on this
/// project's 2-core machines (6 December 2026, release build, other jobs running: 20,000
/// runs of 20 citizens and 1 step took 4.8 s on 1 thread and 2.6 s on 2, of which 0.4 s of
/// CPU time; `strace -c` counted 20,007 `fdatasync` calls). It dominates a sweep of tiny
/// runs, which the estimate otherwise put "under a second". Disks differ.
const SECONDS_PER_CHECKPOINT: f64 = 1.0e-3;

/// [`roughly_on`] for `coprod run`: plus a checkpoint per chunk of the runs (chunks of
/// the threads, whatever the cores).
fn roughly_with_checkpoints(seconds: f64, runs: u64, (threads, cores): (usize, usize)) -> String {
    let chunk = threads.max(1) as u64 * OUTPUTS_PER_THREAD;
    let checkpoints = runs.div_ceil(chunk) as f64 * SECONDS_PER_CHECKPOINT;
    format!(
        "roughly {}",
        human_duration(seconds / working(runs, (threads, cores)) + checkpoints)
    )
}

/// "roughly 4 s": `seconds` of one thread's work in `runs` runs, spread over `threads`
/// threads on this machine's [`cores`].
pub(crate) fn roughly(seconds: f64, runs: u64, threads: usize) -> String {
    roughly_on(seconds, runs, (threads, cores()))
}

/// [`roughly`] with `threads` threads on `cores` cores.
fn roughly_on(seconds: f64, runs: u64, (threads, cores): (usize, usize)) -> String {
    format!(
        "roughly {}",
        human_duration(seconds / working(runs, (threads, cores)))
    )
}

/// Threads that work at once: no more than there are runs, nor than the cores they share.
fn working(runs: u64, (threads, cores): (usize, usize)) -> f64 {
    (threads.min(cores) as f64).min(runs as f64).max(1.0)
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

/// Largest group records of any run ([`group_record_bytes`]).
fn largest_group_records(s: &Scenario) -> u64 {
    let mut largest = 0;
    for (variant, v) in s.variants.iter().enumerate() {
        let entrepreneurs = most_entrepreneurs(&v.interventions);
        for point in 0..s.n_points() {
            let p = s.params_for(variant, point);
            largest = largest.max(group_record_bytes(&p, entrepreneurs, s.steps));
        }
    }
    largest
}

/// The highest `levers.entrepreneurs` interventions set (0 without any): they add
/// opportunities while in force.
fn most_entrepreneurs(interventions: &[coprod_core::Intervention]) -> f64 {
    interventions
        .iter()
        .filter(|i| i.param() == "levers.entrepreneurs")
        .fold(0.0, |most, i| i.value.max(most))
}

/// Bytes of the step records of a run of `steps` steps.
fn step_record_bytes(steps: u32) -> u64 {
    u64::from(steps).saturating_mul(std::mem::size_of::<coprod_core::StepMetrics>() as u64)
}

/// Bytes of the group records a run of `p` over `steps` steps hands to the writer, on
/// average at most ([`most_groups`]).
fn group_record_bytes(p: &coprod_core::Params, entrepreneurs: f64, steps: u32) -> u64 {
    let group = std::mem::size_of::<coprod_core::GroupRecord>() as f64;
    // A float cast saturates.
    (most_groups(p, entrepreneurs, steps) * group) as u64
}

/// Groups a run of `p` opens over `steps` steps, at most on average, from its parameters
/// alone (docs/ODD.md 8.2): every step, each community served by an organisation gets
/// `opportunity_rate x max(propensity, directive)` opportunities, propensity at most 1,
/// plus `opportunity_rate x entrepreneurs`; and each community draws `self_organise_rate`
/// of its citizens, each of whom founds at most one initiative. `sc/busy.toml` of the
/// audit (100,000 citizens in 1,000 communities, `opportunity_rate` 10) over 360 steps:
/// 3.6 million by this count, 1.6 million opened (199 MB at its peak, resident).
fn most_groups(p: &coprod_core::Params, entrepreneurs: f64, steps: u32) -> f64 {
    if p.is_lab() {
        return 0.0;
    }
    let served = if p.n_organisations > 0.0 {
        p.n_communities
    } else {
        0.0
    };
    let entrepreneurs = p.entrepreneurs.max(entrepreneurs);
    let per_step =
        served * p.opportunity_rate * (1.0 + entrepreneurs) + p.n_citizens * p.self_organise_rate;
    f64::from(steps) * per_step
}

/// Runs per thread whose outputs can wait for the writer at once: coprod-sweep computes up
/// to [`coprod_sweep::CHUNKS_AHEAD`] chunks beyond the one being written.
const HELD_PER_THREAD: u64 = OUTPUTS_PER_THREAD * (coprod_sweep::CHUNKS_AHEAD + 1);

/// Runs per thread in a chunk of coprod-sweep, handed to the writer together and made
/// durable with one checkpoint.
const OUTPUTS_PER_THREAD: u64 = coprod_sweep::RUNS_PER_THREAD_PER_CHUNK as u64;

/// What a sweep holds in memory at once, in bytes.
#[derive(Clone, Copy)]
pub(crate) struct Footprint {
    /// Model state of one run (the largest).
    pub state: u64,
    /// Runs computing at once, each with its state.
    pub in_flight: u64,
    /// Step records of one run (the largest).
    pub step_records: u64,
    /// Group records of one run (the largest, [`most_groups`]).
    pub group_records: u64,
    /// Runs whose outputs are held at once, computing or waiting for the writer.
    pub held: u64,
    /// The report's tally, kept until the end of the sweep.
    pub tally: u64,
}

impl Footprint {
    fn bytes(&self) -> u64 {
        self.state
            .saturating_mul(self.in_flight)
            .saturating_add(self.records())
            .saturating_add(self.tally)
    }

    /// The records of the runs held at once.
    fn records(&self) -> u64 {
        self.step_records
            .saturating_add(self.group_records)
            .saturating_mul(self.held)
    }

    /// The remedies of `remedies` that would help (in that order), with "fewer --threads"
    /// first when `one_thread` (this footprint on one thread) fits: each one whose part of
    /// the need is at least what the need exceeds `total` by; when none is enough alone,
    /// those that would take a tenth of the need or more.
    fn helpful<'a>(
        &self,
        one_thread: u64,
        total: u64,
        remedies: &[(Part, &'a str)],
    ) -> Vec<&'a str> {
        let need = self.bytes();
        let excess = need.saturating_sub(total);
        let part = |p: &Part| match p {
            Part::Citizens => self.state.saturating_mul(self.in_flight),
            Part::Groups => self.group_records.saturating_mul(self.held),
            Part::Steps => self.records().saturating_add(self.tally),
            Part::Cells => self.tally,
        };
        let threads = (one_thread <= total && one_thread < need).then_some("fewer --threads");
        let enough: Vec<&str> = remedies
            .iter()
            .filter(|(p, _)| part(p) >= excess && part(p) > 0)
            .map(|(_, text)| *text)
            .collect();
        let chosen = if enough.is_empty() && threads.is_none() {
            remedies
                .iter()
                .filter(|(p, _)| part(p) >= need / 10)
                .map(|(_, text)| *text)
                .collect()
        } else {
            enough
        };
        threads.into_iter().chain(chosen).collect()
    }
}

/// What a remedy of a memory refusal makes smaller.
#[derive(Clone, Copy)]
pub(crate) enum Part {
    /// The model state of the runs in flight.
    Citizens,
    /// The group records of the runs held.
    Groups,
    /// The records of the runs held, and the report's tally.
    Steps,
    /// The report's tally: a share per (variant, sweep point).
    Cells,
}

/// The report's tally of every (variant, sweep point) and step of `s`, which a run keeps
/// to the end and `coprod merge` builds from the shards.
fn report_tally(s: &Scenario) -> u64 {
    let cells = (s.variants.len() * s.n_points()) as u64;
    let metrics = coprod_core::METRICS.len() as u64;
    coprod_report::Tally::bytes_for(cells, u64::from(s.steps) + 1, metrics)
}

/// [`Footprint`] of `coprod run` of `s` on `threads` threads: the runs in flight, the
/// outputs held for the writer, and, when it draws the report (`report`), its tally of
/// every (variant, sweep point) and step. A shard draws none: `coprod merge` builds the
/// tally ([`merge_memory_refusal`]).
pub(crate) fn footprint(s: &Scenario, threads: usize, report: bool) -> Footprint {
    Footprint {
        state: largest_state(s),
        in_flight: (threads as u64).min(s.n_runs()).max(1),
        step_records: step_record_bytes(s.steps),
        group_records: largest_group_records(s),
        held: (threads as u64 * HELD_PER_THREAD).min(s.n_runs()).max(1),
        tally: if report { report_tally(s) } else { 0 },
    }
}

/// `coprod merge`'s refusal of the shards of `s` for the memory of the report's tally,
/// which the shards did not keep (each ran in its own memory), and the hint.
pub(crate) fn merge_memory_refusal(s: &Scenario) -> Option<(String, String)> {
    let (need, total) = (report_tally(s), total_memory()?);
    (need > total).then(|| {
        (
            format!(
                "the report of the merged run needs its statistics of every variant, sweep \
                 point and step, about {:.1} GiB, but the machine has {:.1} GiB",
                need as f64 / GIB,
                total as f64 / GIB
            ),
            "merge on a machine with more memory, or run the scenario with fewer steps \
             (experiment.steps) or fewer variants or sweep points"
                .to_string(),
        )
    })
}

/// [`Footprint`] of the runs of a sensitivity design on `threads` threads: the design's
/// runs at once (not `coprod run`'s), each holding the largest design point's state and
/// records (no tally: the design is held apart, [`design_memory_problem`]). A point's state
/// grows with the population size, the ring degree, the organisations and their staff
/// ([`coprod_core::Params::estimated_bytes`]), so the largest is the baseline with every
/// factor at the top of its range.
fn design_footprint(
    s: &Scenario,
    table: &coprod_scenario::Sensitivity,
    threads: usize,
) -> Footprint {
    let mut largest = s.baseline_params();
    for f in &table.factors {
        // In range by construction; a value refused would only leave the baseline's.
        let _ = largest.set_index(f.param, f.value(1.0));
    }
    let runs = table.runs();
    let baseline = s.variants.first().map_or(&[][..], |v| &v.interventions[..]);
    Footprint {
        state: largest.estimated_bytes(),
        in_flight: (threads as u64).min(runs).max(1),
        step_records: step_record_bytes(s.steps),
        group_records: group_record_bytes(&largest, most_entrepreneurs(baseline), s.steps),
        held: (threads as u64 * HELD_PER_THREAD).min(runs).max(1),
        tally: 0,
    }
}

/// The refusal of a sensitivity design whose runs would need more memory than the machine
/// has ([`design_footprint`]), and the hint: the remedies that would help.
pub(crate) fn design_runs_memory_refusal(
    s: &Scenario,
    table: &coprod_scenario::Sensitivity,
    threads: usize,
) -> Option<(String, String)> {
    let remedies = [
        (
            Part::Citizens,
            "fewer citizens (population.n_citizens, or a narrower range of it in \
             [sensitivity.parameters])",
        ),
        (Part::Groups, FEWER_GROUPS),
        (Part::Steps, FEWER_STEPS),
    ];
    let f = design_footprint(s, table, threads);
    refusal(&f, &design_footprint(s, table, 1), &remedies)
}

/// The remedy of a memory refusal that makes runs open fewer groups.
const FEWER_GROUPS: &str =
    "fewer groups (orgs.opportunity_rate, population.n_communities, groups.self_organise_rate)";
/// The remedy that makes every run's records and the report's tally shorter.
const FEWER_STEPS: &str = "fewer steps (experiment.steps)";

/// The refusal of footprint `f` if it exceeds the machine's memory, and the hint: those of
/// `remedies` that would help (`one_thread`: the same on one thread, to tell whether fewer
/// threads would).
fn refusal(
    f: &Footprint,
    one_thread: &Footprint,
    remedies: &[(Part, &str)],
) -> Option<(String, String)> {
    let problem = footprint_problem(f)?;
    let helpful = f.helpful(one_thread.bytes(), total_memory()?, remedies);
    Some((problem, use_remedies(&helpful)))
}

/// A message if `in_flight` runs at once, each holding `state` bytes, and the per-step
/// records of `steps` steps of `waiting` runs would need more memory than the machine has.
pub(crate) fn runs_memory_problem(
    state: u64,
    in_flight: u64,
    waiting: u64,
    steps: u32,
) -> Option<String> {
    footprint_problem(&Footprint {
        state,
        in_flight,
        step_records: step_record_bytes(steps),
        group_records: 0,
        held: waiting,
        tally: 0,
    })
}

/// A message if `f` is more than the machine's memory.
pub(crate) fn footprint_problem(f: &Footprint) -> Option<String> {
    let need = f.bytes();
    let total = total_memory()?;
    (need > total).then(|| {
        let runs = if f.in_flight == 1 {
            "1 run needs".to_string()
        } else {
            format!("{} runs at once need", f.in_flight)
        };
        let gib = |bytes: u64| bytes as f64 / GIB;
        // The tally is named apart only where it is a large part: in the audit's sweep of
        // 10,000 points it was all of it.
        if f.tally < need / 10 {
            return format!(
                "{runs} about {:.1} GiB of model state and results, but the machine has {:.1} GiB",
                gib(need),
                gib(total)
            );
        }
        format!(
            "{runs} about {:.1} GiB of model state and results, and the report's statistics of \
             every variant, sweep point and step, kept to the end, about {:.1} GiB: {:.1} GiB \
             in all, but the machine has {:.1} GiB",
            gib(need - f.tally),
            gib(f.tally),
            gib(need),
            gib(total)
        )
    })
}

/// `coprod run`'s (and `coprod check`'s) refusal of `s` on `threads` threads for its
/// memory ([`footprint`]; `report`: whether it draws the report, which a shard does not),
/// and the hint: the remedies that would help.
pub(crate) fn run_memory_refusal(
    s: &Scenario,
    threads: usize,
    report: bool,
) -> Option<(String, String)> {
    let remedies = [
        (Part::Citizens, "fewer citizens (population.n_citizens)"),
        (Part::Groups, FEWER_GROUPS),
        (Part::Steps, FEWER_STEPS),
        (Part::Cells, "fewer variants or sweep points"),
    ];
    let f = footprint(s, threads, report);
    refusal(&f, &footprint(s, 1, report), &remedies)
}

/// "use a, b or c".
fn use_remedies(remedies: &[&str]) -> String {
    match remedies.split_last() {
        Some((last, [])) => format!("use {last}"),
        Some((last, rest)) => format!("use {} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// The hint of a memory refusal: "use " and `remedies`, after "fewer --threads" when that
/// would help, that is when more than one of `runs` runs would be in flight on `threads`.
pub(crate) fn memory_hint(threads: usize, runs: u64, remedies: &[&str]) -> String {
    let fewer_threads = ((threads as u64).min(runs) > 1).then_some("fewer --threads");
    let all: Vec<&str> = fewer_threads
        .into_iter()
        .chain(remedies.iter().copied())
        .collect();
    use_remedies(&all)
}

/// The hint for a design too large to hold ([`design_memory_problem`]): threads do not
/// change its size, only fewer points or replications do.
pub(crate) const DESIGN_HINT: &str =
    "lower `samples`, `trajectories` or `replications` in the [sensitivity] table";

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
    /// "fewer --threads" is offered only where fewer threads would hold fewer runs at once.
    #[test]
    fn the_memory_hint_offers_fewer_threads_only_where_they_help() {
        let remedies = ["fewer citizens", "fewer steps"];
        assert_eq!(
            super::memory_hint(4, 10, &remedies),
            "use fewer --threads, fewer citizens or fewer steps"
        );
        assert_eq!(
            super::memory_hint(1, 10, &remedies),
            "use fewer citizens or fewer steps"
        );
        assert_eq!(
            super::memory_hint(4, 1, &remedies),
            "use fewer citizens or fewer steps"
        );
        assert_eq!(
            super::memory_hint(1, 1, &["fewer citizens"]),
            "use fewer citizens"
        );
    }

    use super::*;

    /// A later generation of lab-calibration is bounded by 1,000,500 proposals: simulated,
    /// about 26 s on one thread at the measured 2.6e-5 s each (20,000 simulations in 0.51 s,
    /// see [`SECONDS_PER_SIMULATION`]), which `coprod check` said was 3 min when it priced
    /// them as `coprod run`'s runs. Within a factor of 2 of the measurement, either way.
    #[test]
    fn a_calibration_bound_is_priced_as_calibration_simulations() {
        let s = crate::shipped::load("lab-calibration").unwrap();
        let measured = 1_000_500.0 * 0.51 / 20_000.0;
        let estimate = 1_000_500.0 * simulation_seconds(&s.baseline_params(), s.steps);
        let ratio = estimate / measured;
        assert!(
            (0.5..=2.0).contains(&ratio),
            "{estimate} s, measured {measured} s"
        );
        assert!(
            calibration(&s, 1).contains("at most 1000500 proposals (roughly 26 s if"),
            "{}",
            calibration(&s, 1)
        );
    }

    /// A design that varies the population size is timed at its range's middle, not at the
    /// baseline's size: 10 Morris trajectories of one factor are 20 runs of 100 steps, of
    /// 2 million citizens on average, 4e9 citizen-steps, 20 s on one thread (and 2,000
    /// run-steps, 0.02 s).
    /// 20,000 runs of 20 citizens and one step are 0.4 s of model time but 5,000
    /// checkpoints on one thread (chunks of 4 runs) and 2,500 on two: about 5 s and 3 s, as
    /// measured (4.8 s and 2.6 s), not "under a second".
    #[test]
    fn a_sweep_of_tiny_runs_is_timed_by_its_checkpoints() {
        let text = "[params.population]\nn_citizens = 20\nn_communities = 1\n\
                    [experiment]\nsteps = 1\nreplications = 20000\n";
        let s = Scenario::from_toml(text, "s.toml", "s").unwrap();
        assert!(
            describe_runs(&s, 1).ends_with("roughly 5 s on 1 thread"),
            "{}",
            describe_runs(&s, 1)
        );
        assert!(
            describe_runs(&s, 2).ends_with("roughly 3 s on 2 threads"),
            "{}",
            describe_runs(&s, 2)
        );
    }

    /// Organisations and staff count in a run's time: 1,000 organisations of 10,000 staff
    /// over 120 steps took 9.1 s of CPU time, and were estimated "under a second".
    #[test]
    fn organisations_and_staff_count_in_a_runs_time() {
        let mut p = coprod_core::Params::defaults();
        let default = params_run_seconds(&p, 120);
        assert!(default < 0.1, "{default}");
        (p.n_organisations, p.staff_per_org) = (1000.0, 10_000.0);
        let staffed = params_run_seconds(&p, 120);
        assert!((8.0..12.0).contains(&staffed), "{staffed}");
    }

    /// `check` of a scenario with a `[calibration]` table says what `coprod calibrate` would
    /// run: the generations, the particles, and the proposal cap that bounds a generation.
    #[test]
    fn a_calibration_is_estimated_by_generation_and_its_proposal_cap() {
        let text = "[experiment]\nsteps = 12\n[calibration]\nparticles = 100\n\
                    generations = 5\nmin_acceptance = 0.01\n[calibration.priors]\n\
                    \"behaviour.cc_slope\" = { uniform = [0.3, 1.2] }\n";
        let s = Scenario::from_toml(text, "s.toml", "s").unwrap();
        let text = describe(&s, 2);
        // (ceil(1 / 0.01) + 1) x 100 proposals at most.
        assert!(
            text.contains(
                "; `coprod calibrate`: up to 5 generations of 100 particles, generation 0 \
                 roughly "
            ) && text.contains("each later one at most 10100 proposals (roughly "),
            "{text}"
        );
        let none = Scenario::from_toml("[experiment]\nsteps = 12\n", "s.toml", "s").unwrap();
        assert!(!describe(&none, 2).contains("calibrate"));
    }

    /// The times assume participation near the defaults', and say so for field runs
    /// (a lab run has no groups).
    #[test]
    fn the_estimate_says_it_assumes_the_defaults_participation() {
        let field = Scenario::from_toml("[experiment]\nsteps = 10\n", "f.toml", "f").unwrap();
        assert!(
            describe(&field, 1).ends_with(
                "on 1 thread (for about a tenth of the citizens in groups, as at the defaults; \
                 several times longer when most take part)"
            ),
            "{}",
            describe(&field, 1)
        );
        let lab = "[params.population]\nsetting = \"lab\"\n[experiment]\nsteps = 10\n";
        let lab = Scenario::from_toml(lab, "s.toml", "s").unwrap();
        assert!(describe(&lab, 1).ends_with("on 1 thread"));
    }

    /// A lab run counts rounds, as its page does; a field run steps.
    #[test]
    fn a_lab_run_is_described_in_rounds() {
        let lab = "[params.population]\nsetting = \"lab\"\n[experiment]\nsteps = 10\n";
        let s = Scenario::from_toml(lab, "s.toml", "s").unwrap();
        assert!(
            describe_runs(&s, 1).contains(") of 10 rounds, "),
            "{}",
            describe_runs(&s, 1)
        );
        let field = Scenario::from_toml("[experiment]\nsteps = 10\n", "f.toml", "f").unwrap();
        assert!(describe_runs(&field, 1).contains(") of 10 steps, "));
    }

    #[test]
    fn all_runs_are_says_the_one_run_in_the_singular() {
        assert_eq!(all_runs_are(1), "the 1 run is");
        assert_eq!(all_runs_are(24), "all 24 runs are");
    }

    /// 20 runs of 2,000,000 citizens (the range's middle) over 100 steps: each makes its
    /// citizens (1 s) and runs 2e8 citizen-steps at 4.3e-8 s (between 1e6's 3.7e-8 and
    /// 5e6's 5.2e-8 on log scales: 8.6 s): 191 s.
    #[test]
    fn a_design_over_the_population_size_is_timed_at_its_middle() {
        let text = "[experiment]\nsteps = 100\n[sensitivity]\nmethod = \"morris\"\n\
                    outputs = [\"participation_rate\"]\ntrajectories = 10\nreplications = 1\n\
                    [sensitivity.parameters]\n\"population.n_citizens\" = [1000000, 3000000]\n";
        let s = Scenario::from_toml(text, "s.toml", "s").unwrap();
        assert!(
            describe(&s, 1).ends_with(
                "`coprod sensitivity`: 20 runs (20 design points x 1 replication), roughly 3 min \
                 on 1 thread"
            ),
            "{}",
            describe(&s, 1)
        );
    }

    /// The runs are counted by variant, sweep point and replication, each word in the
    /// singular or plural, and timed by the population and steps of every (variant, point):
    /// here 6 runs of 1e6 citizens (0.5 s to make them, 1e8 citizen-steps at 3.7e-8 s:
    /// 4.2 s each) and 6 of 2e6 (9.6 s each) over 100 steps: 82.6 s on 1 thread and 41 s
    /// on 2 (the 1,200 run-steps add 0.012 s).
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
            "12 runs (2 variants x 3 sweep points x 2 replications) of 100 steps, roughly 83 s \
             on 1 thread"
        );
        assert!(describe_runs(&s, 2).ends_with("roughly 41 s on 2 threads"));
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

    /// `sc/cellsbig.toml` of the audit: 20 citizens over 4,000 steps at 10,000 sweep
    /// points. Each run is tiny, but the report's tally keeps 27 accumulators per sweep
    /// point and step to the end: 10,000 x 4,001 x 688 bytes, 25.6 GiB, which `check` did
    /// not count ("roughly 7 min"; 500 points of 2,000 steps peaked at 766 MB).
    #[test]
    fn the_reports_tally_of_every_sweep_point_and_step_counts() {
        let text = "[params.population]\nn_citizens = 20\nn_communities = 1\n\
                    [experiment]\nsteps = 4000\nreplications = 1\n[experiment.sweep]\n\
                    \"levers.outreach\" = { from = 0.0, to = 0.9999, step = 0.0001 }\n";
        let s = Scenario::from_toml(text, "cellsbig.toml", "cellsbig").unwrap();
        let f = footprint(&s, 1, true);
        assert_eq!(f.tally, 10_000 * 4_001 * 688);
        assert!(f.bytes() as f64 / GIB > 25.6, "{}", f.bytes());
        // On a machine of 23.5 GiB only fewer steps or fewer points help, not citizens.
        let total = (23.5 * GIB) as u64;
        let one_thread = footprint(&s, 1, true).bytes();
        let remedies = [
            (Part::Citizens, "citizens"),
            (Part::Groups, "groups"),
            (Part::Steps, "steps"),
            (Part::Cells, "points"),
        ];
        assert_eq!(f.helpful(one_thread, total, &remedies), ["steps", "points"]);
        // A shard draws no report: its runs of 20 citizens need next to nothing, and the
        // merge, which builds the tally, is where it counts.
        assert_eq!(footprint(&s, 1, false).tally, 0);
        assert!(footprint(&s, 1, false).bytes() < 1 << 30);
        let text = text.replace("steps = 4000", "steps = 200000");
        let s = Scenario::from_toml(&text, "cells.toml", "cells").unwrap();
        assert!(
            run_memory_refusal(&s, 1, true).is_some(),
            "1.25 TiB: no test machine"
        );
        assert_eq!(run_memory_refusal(&s, 1, false), None, "a shard of it fits");
        let (problem, _) = merge_memory_refusal(&s).expect("its merge does not fit");
        assert!(problem.contains("about 1281.5 GiB"), "{problem}");
    }

    /// The outputs of up to `CHUNKS_AHEAD + 1` chunks wait for the writer, not one:
    /// `sc/win.toml` (24 runs of 50,000 steps) holds 12 runs' records on one thread and all
    /// 24 on two (98 MB and 246 MB at their peak, where the check assumed 45 and 90).
    #[test]
    fn the_outputs_of_every_chunk_computed_ahead_count() {
        let text = "[params.population]\nn_citizens = 20\nn_communities = 1\n\
                    [experiment]\nsteps = 50000\nreplications = 24\n";
        let s = Scenario::from_toml(text, "win.toml", "win").unwrap();
        assert_eq!(
            (footprint(&s, 1, true).held, footprint(&s, 2, true).held),
            (12, 24)
        );
        let records = footprint(&s, 1, true).step_records;
        assert_eq!(
            records,
            50_000 * std::mem::size_of::<coprod_core::StepMetrics>() as u64
        );
    }

    /// Every group a run opens is a record it hands to the writer: `sc/busy.toml` of the
    /// audit over 360 steps (1,000 communities, `opportunity_rate` 10) opened 1.6 million
    /// and peaked at 199 MB where the check counted 7.6 MB of model state. The bound: 10
    /// opportunities per community and step, plus 0.0005 initiatives per citizen and step.
    #[test]
    fn the_groups_a_run_opens_count() {
        let text = "[params.population]\nn_citizens = 100000\nn_communities = 1000\n\
                    [params.orgs]\nopportunity_rate = 10\n[experiment]\nsteps = 360\n\
                    replications = 1\n";
        let s = Scenario::from_toml(text, "busy.toml", "busy").unwrap();
        let groups = 1000.0 * 10.0 * 360.0 + 100_000.0 * 0.0005 * 360.0;
        let record = std::mem::size_of::<coprod_core::GroupRecord>() as f64;
        assert_eq!(
            footprint(&s, 1, true).group_records,
            (groups * record) as u64
        );
        assert!(footprint(&s, 1, true).bytes() > 199 << 20);
        // Entrepreneurs add opportunities, also when only an intervention brings them.
        let with = format!(
            "{text}[[interventions]]\nlever = \"levers.entrepreneurs\"\nvalue = 1\n\
             from_step = 100\n"
        );
        let s = Scenario::from_toml(&with, "busy.toml", "busy").unwrap();
        let groups = 1000.0 * 10.0 * 2.0 * 360.0 + 100_000.0 * 0.0005 * 360.0;
        assert_eq!(
            footprint(&s, 1, true).group_records,
            (groups * record) as u64
        );
    }

    /// A remedy is offered only where it would help: steps do not matter to a run of 2
    /// steps too large for its citizens, nor threads to one run, nor citizens to a tally.
    #[test]
    fn a_memory_hint_offers_only_the_remedies_that_would_help() {
        let remedies = [
            (Part::Citizens, "citizens"),
            (Part::Steps, "steps"),
            (Part::Cells, "points"),
        ];
        let big = Footprint {
            state: 30 << 30,
            in_flight: 1,
            step_records: 2 * 200,
            group_records: 0,
            held: 1,
            tally: 2 * 700,
        };
        assert_eq!(big.helpful(big.bytes(), 16 << 30, &remedies), ["citizens"]);
        let four = Footprint {
            in_flight: 4,
            state: 6 << 30,
            ..big
        };
        assert_eq!(
            four.helpful(6 << 30, 16 << 30, &remedies),
            ["fewer --threads", "citizens"]
        );
        // No one remedy is enough: those that take a tenth of the need or more.
        let both = Footprint {
            state: 10 << 30,
            tally: 10 << 30,
            ..big
        };
        assert_eq!(
            both.helpful(both.bytes(), 16 << 30, &remedies),
            ["citizens", "steps", "points"]
        );
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

    /// The work is spread over the threads, but no more threads work than there are runs,
    /// nor than there are cores.
    #[test]
    fn rough_times_spread_runs_over_the_threads_that_have_one() {
        assert_eq!(roughly_on(30.0, 10, (1, 8)), "roughly 30 s");
        assert_eq!(roughly_on(30.0, 10, (2, 8)), "roughly 15 s");
        assert_eq!(roughly_on(30.0, 1, (8, 8)), "roughly 30 s");
        assert_eq!(roughly_on(30.0, 3, (8, 8)), "roughly 10 s");
        assert_eq!(roughly_on(30.0, 3, (0, 8)), "roughly 30 s");
        assert_eq!(roughly_on(30.0, 10, (8, 2)), "roughly 15 s");
    }

    /// A shard or a resume is timed by its own runs, not as many mean runs: a sweep of
    /// 2,000 and 3,000,000 citizens in two shards, each shard one size (the audit measured
    /// 0.01 s and 5.0 s where both said "roughly 35 s").
    #[test]
    fn a_block_of_runs_is_timed_by_its_own_runs() {
        let text = "[params.population]\nn_communities = 20\n[experiment]\nsteps = 20\n\
                    replications = 1\n[experiment.sweep]\n\
                    \"population.n_citizens\" = [2000, 3000000]\n";
        let s = Scenario::from_toml(text, "s.toml", "s").unwrap();
        let small = block_seconds(&s, (0, 1));
        let large = block_seconds(&s, (1, 1));
        assert_eq!(small, params_run_seconds(&s.params_for(0, 0), 20));
        assert_eq!(large, params_run_seconds(&s.params_for(0, 1), 20));
        assert!(large > 100.0 * small, "{small} {large}");
        assert_eq!(block_seconds(&s, (0, 2)), small + large);
        // 3,000,000 citizens: 1.5 s to make them, 6e7 citizen-steps at 4.7e-8 s.
        let shard = |block| describe_runs_on(&s, (1, 1), block);
        assert!(
            shard((0, 1)).ends_with("1 of them to run now, roughly under a second on 1 thread"),
            "{}",
            shard((0, 1))
        );
        assert!(
            shard((1, 1)).ends_with("1 of them to run now, roughly 4 s on 1 thread"),
            "{}",
            shard((1, 1))
        );
    }

    /// Threads beyond this machine's cores run no faster: `coprod run --threads 8` on 2
    /// cores is timed on 2 and says so, where `coprod check --threads 8` times a machine
    /// of 8 cores (the runs of `a_run_is_described_by_its_counts_and_rough_time`).
    #[test]
    fn threads_beyond_the_cores_are_timed_on_the_cores() {
        let text = "[params.population]\nn_citizens = 1000000\nn_communities = 100\n\
                    [experiment]\nsteps = 100\nreplications = 4\n";
        let s = Scenario::from_toml(text, "s.toml", "s").unwrap();
        // 4 runs of 4.2 s: 16.8 s on 1 core, 8.4 s on 2, 4.2 s on 4 or more.
        assert!(describe_runs(&s, 8).ends_with("roughly 4 s on 8 threads"));
        let here = |threads, cores| describe_runs_on(&s, (threads, cores), (0, 4));
        assert!(
            here(8, 2).ends_with("roughly 8 s on 8 threads of 2 cores"),
            "{}",
            here(8, 2)
        );
        assert!(
            here(2, 8).ends_with("roughly 8 s on 2 threads"),
            "{}",
            here(2, 8)
        );
        assert!(
            here(2, 1).ends_with("roughly 17 s on 2 threads of 1 core"),
            "{}",
            here(2, 1)
        );
        assert_eq!(here(8, 8), describe_runs(&s, 8));
    }

    /// A citizen-step costs more in large populations, whose state outgrows the caches:
    /// the measured points, the nearest one outside them, and in between on log scales.
    #[test]
    fn citizen_steps_cost_more_in_large_populations() {
        assert_eq!(citizen_step_seconds(100.0), 5.0e-9);
        assert_eq!(citizen_step_seconds(1.0e4), 5.0e-9);
        assert!((citizen_step_seconds(3.0e5) - 2.2e-8).abs() < 1e-20);
        assert_eq!(citizen_step_seconds(5.0e7), 5.2e-8);
        // Halfway between 1e4 and 1e5 on a log scale: the geometric mean of their costs.
        let mid = citizen_step_seconds(10f64.powf(4.5));
        assert!((mid - (5.0e-9f64 * 1.2e-8).sqrt()).abs() < 1e-15, "{mid}");
        // 50,000,000 citizens over 2 steps (a run that took 89 s on a busy machine) are no
        // longer "under a second": making them alone takes about 25 s, and their 1e8
        // citizen-steps at 5.2e-8 s 5.2 s.
        assert_eq!(roughly(run_seconds(5.0e7, 2), 1, 1), "roughly 30 s");
    }

    /// The audit's `pop1m120c.toml`, 1,000,000 citizens in communities of 100 over 120
    /// steps, took 4.7 s of user CPU time on one thread and was estimated at 22 s.
    #[test]
    fn a_million_citizens_are_timed_near_what_they_take() {
        let seconds = run_seconds(1.0e6, 120);
        assert!((4.7 / 1.5..4.7 * 1.5).contains(&seconds), "{seconds}");
    }

    /// Every step of a run costs time whatever its population: 135 runs of 480 steps of
    /// 400 citizens (26 million citizen-steps, 0.13 s by their cost alone) took 1.2 to 2 s
    /// on one thread with the charts, and their 64,800 steps add 0.65 s.
    #[test]
    fn many_steps_of_small_runs_are_not_timed_as_nothing() {
        let seconds = |steps| 135.0 * run_seconds(400.0, steps);
        assert_eq!(roughly(seconds(480), 135, 1), "roughly under a second");
        // Ten times the steps: 1.3 s of citizen-steps and 6.5 s of run-steps.
        assert_eq!(roughly(seconds(4800), 135, 1), "roughly 8 s");
        assert_eq!(roughly(run_seconds(0.0, 200_000), 1, 1), "roughly 2 s");
    }
}
