//! # coprod-sweep: many runs in parallel, in a fixed order
//!
//! # Brief overview
//! Runs [`RunSpec`]s on a rayon pool of exactly the requested number of threads and hands
//! each result to a sink in run order. Workers take runs one at a time in order (no worker
//! waits for another's run), and results go to the sink in chunks of a few times the thread
//! count, at most a few chunks ahead, so memory stays flat however many runs a sweep has,
//! and outputs are identical
//! for any thread count: each run depends only on its `RunSpec` (its seed comes from the
//! scenario, never from a thread). It writes no files; the sink does.
//! [`Runner::run_isolated`] also isolates runs: a run that panics or produces a
//! non-finite number becomes a [`RunFailure`] and the sweep carries on, and the sink is
//! told when each chunk is done so it can make the results durable (for resuming).
//!
//! # Example
//! ```
//! use coprod_scenario::Scenario;
//! use coprod_sweep::Runner;
//! let text = "[params.population]\nn_citizens = 100\nn_communities = 2\n\
//!             [experiment]\nsteps = 3\nreplications = 3\n";
//! let scenario = Scenario::from_toml(text, "demo.toml", "demo").unwrap();
//! let runner = Runner::new(2).unwrap();
//! let mut seen = Vec::new();
//! runner
//!     .run(scenario.runs(), coprod_core::Detail::Standard, &|| {}, |spec, output| {
//!         seen.push((spec.run_id, output.steps.len()));
//!         Ok::<(), std::convert::Infallible>(())
//!     })
//!     .unwrap();
//! assert_eq!(seen, vec![(0, 3), (1, 3), (2, 3)]);
//! ```
#![deny(missing_docs)]

use std::collections::BTreeMap;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

use coprod_core::{Detail, RunOutput, simulate};
use coprod_scenario::RunSpec;
use rayon::prelude::*;

/// Runs taken per thread per chunk: enough to keep threads busy when run times differ,
/// few enough that results waiting for the sink stay small and an interrupted sweep loses
/// little (a chunk is the unit of checkpoints for `--resume`).
pub const RUNS_PER_THREAD_PER_CHUNK: usize = 4;

/// Why the pool could not be built.
#[derive(Debug, thiserror::Error)]
#[error("cannot start {threads} worker threads: {source}")]
pub struct PoolError {
    /// Threads asked for.
    pub threads: usize,
    /// What rayon reported.
    #[source]
    pub source: rayon::ThreadPoolBuildError,
}

/// A fixed-size pool of worker threads.
pub struct Runner {
    pool: rayon::ThreadPool,
    threads: usize,
}

impl Runner {
    /// A pool of `threads` threads (at least 1).
    pub fn new(threads: usize) -> Result<Runner, PoolError> {
        let threads = threads.max(1);
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|i| format!("{THREAD_PREFIX}{i}"))
            .build()
            .map_err(|source| PoolError { threads, source })?;
        Ok(Runner { pool, threads })
    }

    /// Threads in the pool.
    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Runs every spec and calls `sink` with each result in the order of `specs`.
    ///
    /// `on_done` is called from worker threads as each run finishes (for progress).
    /// Stops at the first error from `sink` and returns it. Results go to the sink a chunk
    /// at a time, on the pool thread that finished the chunk's last run, while the other
    /// threads go on with the next runs, so writing results does not leave threads idle.
    /// A panic in a run or in the sink stops every thread and is passed on.
    pub fn run<'a, I, F, E>(
        &self,
        specs: I,
        detail: Detail,
        on_done: &(dyn Fn() + Sync),
        mut sink: F,
    ) -> Result<(), E>
    where
        I: IntoIterator<Item = RunSpec<'a>>,
        I::IntoIter: Send,
        F: FnMut(RunSpec<'a>, RunOutput) -> Result<(), E> + Send,
        E: Send,
    {
        self.pipelined(
            specs,
            |spec| {
                let out = run_one(spec, detail);
                on_done();
                out
            },
            |chunk, outputs| {
                for (spec, output) in chunk.into_iter().zip(outputs) {
                    sink(spec, output)?;
                }
                Ok(())
            },
        )
    }

    /// Runs `f` on the pool's threads (for work that should share the sweep's thread budget,
    /// such as drawing a run directory's charts).
    pub fn install<R: Send>(&self, f: impl FnOnce() -> R + Send) -> R {
        self.pool.install(f)
    }

    /// Computes `specs` on the pool and hands them, chunk by chunk and in order, to
    /// `sink_chunk`. Each worker takes the next run in order as soon as it is free, so no
    /// worker waits for the slowest run of a chunk (with chunks of a few short runs that
    /// wait left a tenth of two threads idle); a chunk goes to the sink as soon as all its
    /// runs are done, by the worker that finished the last of them, while the others go
    /// on. At most [`CHUNKS_AHEAD`] chunks are computed beyond the one the sink waits for,
    /// so results waiting for the sink stay few, and a run that never ends does not keep
    /// the chunks before it from being written.
    fn pipelined<'a, I, T, E>(
        &self,
        specs: I,
        compute: impl Fn(&RunSpec<'a>) -> T + Sync,
        sink_chunk: impl FnMut(Vec<RunSpec<'a>>, Vec<T>) -> Result<(), E> + Send,
    ) -> Result<(), E>
    where
        I: IntoIterator<Item = RunSpec<'a>>,
        I::IntoIter: Send,
        T: Send,
        E: Send,
    {
        let chunk_len = self.chunk_len();
        let line = Line {
            state: Mutex::new(LineState {
                specs: specs.into_iter(),
                taken: 0,
                exhausted: false,
                done: BTreeMap::new(),
                sunk: 0,
                sinking: false,
                failed: None,
                aborted: false,
            }),
            moved: Condvar::new(),
            sink: Mutex::new(sink_chunk),
            chunk_len,
        };
        self.pool.scope(|scope| {
            for _ in 0..self.threads {
                scope.spawn(|_| line.work(&compute));
            }
        });
        let state = line
            .state
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        match state.failed {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }
}

/// Chunks a worker may compute beyond the first chunk not yet handed to the sink: the
/// outputs of up to `CHUNKS_AHEAD + 1` chunks wait in memory at once (the memory check of
/// `coprod run` counts them).
pub const CHUNKS_AHEAD: u64 = 2;

/// The shared state of [`Runner::pipelined`]: runs are taken in order, and results wait
/// in `done` until their chunk is complete and its turn at the sink has come.
struct Line<'a, I, T, E, S> {
    state: Mutex<LineState<'a, I, T, E>>,
    /// Signalled when a chunk has been sunk, the runs are exhausted or the sink failed.
    moved: Condvar,
    sink: Mutex<S>,
    chunk_len: usize,
}

struct LineState<'a, I, T, E> {
    specs: I,
    /// Runs taken so far (the index of the next one).
    taken: u64,
    exhausted: bool,
    /// Finished runs not yet sunk, by index.
    done: BTreeMap<u64, (RunSpec<'a>, T)>,
    /// Runs handed to the sink so far (whole chunks, except at the end).
    sunk: u64,
    /// A worker is handing chunks to the sink.
    sinking: bool,
    /// The sink's error: every worker stops taking runs.
    failed: Option<E>,
    /// A run or the sink panicked: every worker stops.
    aborted: bool,
}

impl<'a, I, T, E, S> Line<'a, I, T, E, S>
where
    I: Iterator<Item = RunSpec<'a>>,
    S: FnMut(Vec<RunSpec<'a>>, Vec<T>) -> Result<(), E>,
{
    /// One worker: take the next run, compute it, hand over what is complete; until the
    /// runs are exhausted or the sink fails.
    fn work(&self, compute: &(impl Fn(&RunSpec<'a>) -> T + Sync)) {
        let worked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            while let Some((index, spec)) = self.take() {
                let out = compute(&spec);
                let mut state = self.lock();
                state.done.insert(index, (spec, out));
                drop(state);
                self.sink_ready();
            }
            // The last worker out hands over the last, partial chunk.
            self.sink_ready();
        }));
        if let Err(panic) = worked {
            // A run or the sink panicked: its chunk can never be handed over, so the
            // others must stop rather than wait for it; the pool passes the panic on once
            // every worker has returned.
            self.lock().aborted = true;
            self.moved.notify_all();
            std::panic::resume_unwind(panic);
        }
    }

    fn lock(&self) -> MutexGuard<'_, LineState<'a, I, T, E>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next run in order, waiting while the window of chunks ahead of the sink is
    /// full; `None` when the runs are exhausted or the sink failed.
    fn take(&self) -> Option<(u64, RunSpec<'a>)> {
        let window = self.chunk_len as u64 * (CHUNKS_AHEAD + 1);
        let mut state = self.lock();
        loop {
            if state.failed.is_some() || state.exhausted || state.aborted {
                return None;
            }
            if state.taken < state.sunk + window {
                break;
            }
            state = self
                .moved
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        match state.specs.next() {
            Some(spec) => {
                let index = state.taken;
                state.taken += 1;
                Some((index, spec))
            }
            None => {
                state.exhausted = true;
                self.moved.notify_all();
                None
            }
        }
    }

    /// Hands every complete chunk whose turn has come to the sink, in order (one worker
    /// at a time; the others go on computing). After the last run, a partial chunk too.
    fn sink_ready(&self) {
        let mut state = self.lock();
        if state.sinking {
            return;
        }
        state.sinking = true;
        while state.failed.is_none() && !state.aborted {
            let all_taken = state.exhausted && state.done.len() as u64 == state.taken - state.sunk;
            let end = (state.sunk + self.chunk_len as u64).min(state.taken);
            let complete = (state.sunk..end).all(|i| state.done.contains_key(&i));
            let whole = end - state.sunk == self.chunk_len as u64;
            if end == state.sunk || !complete || !(whole || all_taken) {
                break;
            }
            let (specs, outputs): (Vec<_>, Vec<_>) = (state.sunk..end)
                .filter_map(|i| state.done.remove(&i))
                .unzip();
            drop(state);
            // The sink runs without the state locked, so the others go on.
            let result = (self.sink.lock().unwrap_or_else(PoisonError::into_inner))(specs, outputs);
            state = self.lock();
            state.sunk = end;
            if let Err(err) = result {
                state.failed = Some(err);
            }
            self.moved.notify_all();
        }
        state.sinking = false;
    }
}

impl Runner {
    /// `f` of every item, computed in parallel on the pool, returned in the order of
    /// `items` (so results never depend on the thread count).
    pub fn map<T: Sync, R: Send>(&self, items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
        self.pool.install(|| items.par_iter().map(&f).collect())
    }
}

/// Performs one run.
pub fn run_one(spec: &RunSpec<'_>, detail: Detail) -> RunOutput {
    simulate(
        &spec.params,
        spec.interventions,
        spec.steps,
        spec.seed,
        detail,
    )
}

/// Why one run of a sweep produced no result. The rest of the sweep carries on.
#[derive(Clone, Debug, PartialEq)]
pub enum RunFailure {
    /// The run panicked: a bug in the model. Holds the panic message and location.
    Panic(String),
    /// The run produced a number that is not finite (NaN or infinite).
    NonFinite {
        /// The metric's name (a column of timeseries.csv or runs.csv).
        metric: String,
        /// The step, for a per-step metric; `None` for an end-of-run summary metric.
        step: Option<u32>,
        /// The value, as Rust writes it (`NaN`, `inf`, `-inf`).
        value: String,
    },
}

impl RunFailure {
    /// A one-word kind for the `kind` column of failures.csv: `panic` or `non_finite`.
    pub fn kind(&self) -> &'static str {
        match self {
            RunFailure::Panic(_) => "panic",
            RunFailure::NonFinite { .. } => "non_finite",
        }
    }
}

impl std::fmt::Display for RunFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunFailure::Panic(message) => write!(f, "the run panicked: {message}"),
            RunFailure::NonFinite {
                metric,
                step: Some(step),
                value,
            } => write!(f, "`{metric}` is {value} at step {step}"),
            RunFailure::NonFinite {
                metric,
                step: None,
                value,
            } => write!(f, "end-of-run `{metric}` is {value}"),
        }
    }
}

/// Faults to inject on purpose, for testing failure isolation and resuming. Never set
/// in normal use; the CLI reads them from the `COPROD_FAULT_INJECT` environment variable.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Faults {
    /// Runs that panic instead of running.
    pub panic: Vec<u64>,
    /// Runs whose last step's `service_output` is replaced by NaN.
    pub nan: Vec<u64>,
    /// Runs that never finish (they sleep until the process is killed).
    pub stall: Vec<u64>,
}

impl std::str::FromStr for Faults {
    type Err = String;

    /// Parses `panic:3,nan:5,stall:7` (any order, any number of each).
    fn from_str(text: &str) -> Result<Faults, String> {
        let mut faults = Faults::default();
        for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (kind, run) = item
                .split_once(':')
                .ok_or_else(|| format!("expected KIND:RUN_ID, got `{item}`"))?;
            let run: u64 = run
                .trim()
                .parse()
                .map_err(|_| format!("expected a run id after `{kind}:`, got `{run}`"))?;
            match kind.trim() {
                "panic" => faults.panic.push(run),
                "nan" => faults.nan.push(run),
                "stall" => faults.stall.push(run),
                other => {
                    return Err(format!(
                        "unknown fault `{other}`: allowed are panic, nan and stall"
                    ));
                }
            }
        }
        Ok(faults)
    }
}

/// What a [`Runner::run_isolated`] sink receives, in run order.
// One event per run: the size of the `ChunkDone` variant does not matter.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum Event<'a> {
    /// One run finished: its output, or why it failed.
    Run(RunSpec<'a>, Result<RunOutput, RunFailure>),
    /// Every run handed over since the previous `ChunkDone` is complete: a good moment to
    /// make the results durable.
    ChunkDone,
}

impl Runner {
    /// Runs handed to the sink between two [`Event::ChunkDone`] events.
    pub fn chunk_len(&self) -> usize {
        self.threads * RUNS_PER_THREAD_PER_CHUNK
    }

    /// Like [`Runner::run`], but each run is isolated: a run that panics or produces a
    /// non-finite number becomes an `Err(RunFailure)` and the sweep carries on. After each
    /// chunk of runs the sink gets [`Event::ChunkDone`]. `faults` are injected on purpose
    /// (tests only; pass `&Faults::default()`).
    pub fn run_isolated<'a, I, F, E>(
        &self,
        specs: I,
        detail: Detail,
        faults: &Faults,
        on_done: &(dyn Fn() + Sync),
        mut sink: F,
    ) -> Result<(), E>
    where
        I: IntoIterator<Item = RunSpec<'a>>,
        I::IntoIter: Send,
        F: FnMut(Event<'a>) -> Result<(), E> + Send,
        E: Send,
    {
        quiet_worker_panics();
        self.pipelined(
            specs,
            |spec| {
                let out = run_guarded(spec, detail, faults);
                on_done();
                out
            },
            |chunk, outputs| {
                for (spec, output) in chunk.into_iter().zip(outputs) {
                    sink(Event::Run(spec, output))?;
                }
                sink(Event::ChunkDone)
            },
        )
    }
}

/// One run with its panics caught and its numbers checked.
fn run_guarded(
    spec: &RunSpec<'_>,
    detail: Detail,
    faults: &Faults,
) -> Result<RunOutput, RunFailure> {
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        if faults.stall.contains(&spec.run_id) {
            loop {
                std::thread::sleep(std::time::Duration::from_secs(1));
            }
        }
        if faults.panic.contains(&spec.run_id) {
            panic!(
                "injected fault (COPROD_FAULT_INJECT) in run {}",
                spec.run_id
            );
        }
        let mut out = run_one(spec, detail);
        if faults.nan.contains(&spec.run_id)
            && let Some(last) = out.steps.last_mut()
        {
            last.service_output = f64::NAN;
        }
        out
    }));
    let out = caught.map_err(|payload| {
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "(no message)".to_string());
        let location = LAST_PANIC_LOCATION.with(|l| l.borrow_mut().take());
        RunFailure::Panic(match location {
            Some(at) => format!("{message} (at {at})"),
            None => message,
        })
    })?;
    check_finite(&out)?;
    Ok(out)
}

/// The first non-finite number of a run's outputs, as a failure. A group metric that is NaN
/// is not one: it is missing because no group started (`coprod_core::GROUP_METRICS`).
fn check_finite(out: &RunOutput) -> Result<(), RunFailure> {
    let names = coprod_core::METRICS;
    for m in &out.steps {
        if let Some((i, v)) = m
            .values()
            .into_iter()
            .enumerate()
            .find(|(_, v)| !v.is_finite())
        {
            return Err(RunFailure::NonFinite {
                metric: names[i].0.to_string(),
                step: Some(m.step),
                value: v.to_string(),
            });
        }
    }
    let names = coprod_core::summary_names();
    for (v, (name, _, _)) in out.summary().iter().zip(names) {
        let missing = v.is_nan() && coprod_core::GROUP_METRICS.contains(&name.as_str());
        if !(v.is_finite() || missing) {
            return Err(RunFailure::NonFinite {
                metric: name,
                step: None,
                value: v.to_string(),
            });
        }
    }
    Ok(())
}

thread_local! {
    /// Where the last panic on this worker thread happened, for the failure message.
    static LAST_PANIC_LOCATION: std::cell::RefCell<Option<String>> =
        const { std::cell::RefCell::new(None) };
}

/// Installs (once) a panic hook that keeps panics on coprod worker threads off stderr:
/// they are caught and reported as [`RunFailure::Panic`] instead. Panics anywhere else go
/// to the hook that was there before.
fn quiet_worker_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let worker = std::thread::current()
                .name()
                .is_some_and(|n| n.starts_with(THREAD_PREFIX));
            if worker {
                let at = info
                    .location()
                    .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
                LAST_PANIC_LOCATION.with(|l| *l.borrow_mut() = at);
            } else {
                previous(info);
            }
        }));
    });
}

/// Name prefix of worker threads.
const THREAD_PREFIX: &str = "coprod-run-";

#[cfg(test)]
mod tests {
    use super::*;
    use coprod_scenario::Scenario;

    fn scenario() -> Scenario {
        let text = "[params.population]\nn_citizens = 120\nn_communities = 3\n\
                    [experiment]\nsteps = 6\nreplications = 5\n\
                    [experiment.sweep]\n\"levers.group_size_cap\" = [2, 8]\n";
        Scenario::from_toml(text, "t.toml", "t").unwrap()
    }

    fn collect(threads: usize) -> Vec<(u64, Vec<Vec<f64>>)> {
        let s = scenario();
        let mut out = Vec::new();
        Runner::new(threads)
            .unwrap()
            .run(s.runs(), Detail::Standard, &|| {}, |spec, o| {
                out.push((spec.run_id, o.steps.iter().map(|m| m.values()).collect()));
                Ok::<(), ()>(())
            })
            .unwrap();
        out
    }

    #[test]
    fn results_are_in_order_and_independent_of_threads() {
        let one = collect(1);
        assert_eq!(one.len(), 10);
        assert!(one.iter().enumerate().all(|(i, r)| r.0 == i as u64));
        assert_eq!(one, collect(2));
        assert_eq!(one, collect(3));
    }

    #[test]
    fn sink_errors_stop_the_sweep() {
        let s = scenario();
        let mut calls = 0;
        let res = Runner::new(2)
            .unwrap()
            .run(s.runs(), Detail::Standard, &|| {}, |_, _| {
                calls += 1;
                if calls == 3 { Err("full disk") } else { Ok(()) }
            });
        assert_eq!(res, Err("full disk"));
        assert_eq!(calls, 3);
    }

    #[test]
    fn failed_runs_are_isolated_and_the_sweep_carries_on() {
        let s = scenario();
        let faults: Faults = "panic:1, nan:4".parse().unwrap();
        let mut seen = Vec::new();
        let mut chunks = 0;
        Runner::new(2)
            .unwrap()
            .run_isolated(s.runs(), Detail::Standard, &faults, &|| {}, |event| {
                match event {
                    Event::Run(spec, out) => seen.push((spec.run_id, out.err())),
                    Event::ChunkDone => chunks += 1,
                }
                Ok::<(), ()>(())
            })
            .unwrap();
        assert_eq!(seen.len(), 10);
        assert!(seen.iter().enumerate().all(|(i, r)| r.0 == i as u64));
        let failed: Vec<_> = seen.iter().filter(|r| r.1.is_some()).collect();
        assert_eq!(failed.len(), 2);
        match &seen[1].1 {
            Some(RunFailure::Panic(m)) => assert!(m.contains("injected fault"), "{m}"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            seen[4].1.as_ref().map(|f| f.to_string()),
            Some("`service_output` is NaN at step 5".to_string())
        );
        // One `ChunkDone` per chunk of 2 threads x RUNS_PER_THREAD_PER_CHUNK runs.
        assert_eq!(chunks, 10usize.div_ceil(2 * RUNS_PER_THREAD_PER_CHUNK));
    }

    /// Group metrics are NaN (missing) in a run in which no group started; that is not a
    /// failure, while any other non-finite summary number still is.
    #[test]
    fn missing_group_metrics_are_not_a_failure() {
        let no_group = RunOutput {
            steps: vec![coprod_core::StepMetrics::default(); 3],
            ..RunOutput::default()
        };
        assert_eq!(check_finite(&no_group), Ok(()));
        let mut broken = no_group.clone();
        broken.steps[2].service_output = f64::INFINITY;
        assert!(check_finite(&broken).is_err());
    }

    #[test]
    fn a_slow_run_does_not_hold_the_other_workers_and_chunks_still_sink_in_order() {
        let s = scenario();
        let runner = Runner::new(2).unwrap();
        let chunk = runner.chunk_len() as u64;
        // While run 0 is slow, the other worker goes on past the end of the first chunk;
        // before, every chunk ended with a wait for its slowest run.
        let started_while_slow = Mutex::new(Vec::new());
        let slow_done = std::sync::atomic::AtomicBool::new(false);
        let mut sunk: Vec<Vec<u64>> = Vec::new();
        runner
            .pipelined(
                s.runs(),
                |spec| {
                    if spec.run_id == 0 {
                        std::thread::sleep(std::time::Duration::from_millis(400));
                        slow_done.store(true, std::sync::atomic::Ordering::SeqCst);
                    } else if !slow_done.load(std::sync::atomic::Ordering::SeqCst) {
                        started_while_slow.lock().unwrap().push(spec.run_id);
                    }
                    spec.run_id
                },
                |specs, outputs| {
                    assert_eq!(specs.iter().map(|s| s.run_id).collect::<Vec<_>>(), outputs);
                    sunk.push(outputs);
                    Ok::<(), ()>(())
                },
            )
            .unwrap();
        let started = started_while_slow.into_inner().unwrap();
        assert!(
            started.iter().any(|&r| r >= chunk),
            "runs started while run 0 ran: {started:?}"
        );
        // Whole chunks in order, the last one partial.
        let all: Vec<u64> = sunk.concat();
        assert_eq!(all, (0..10).collect::<Vec<_>>());
        assert!(
            sunk[..sunk.len() - 1]
                .iter()
                .all(|c| c.len() as u64 == chunk)
        );
    }

    /// A scenario of 60 runs of two steps: more than the window of chunks ahead of the sink.
    fn many_runs() -> Scenario {
        let text = "[params.population]\nn_citizens = 40\nn_communities = 2\n\
                    [experiment]\nsteps = 2\nreplications = 60\n";
        Scenario::from_toml(text, "t.toml", "t").unwrap()
    }

    #[test]
    fn the_pool_has_the_threads_asked_for_and_at_least_one() {
        for (asked, got) in [(0, 1), (1, 1), (3, 3)] {
            let runner = Runner::new(asked).unwrap();
            assert_eq!(runner.threads(), got);
            assert_eq!(runner.install(rayon::current_num_threads), got);
            assert_eq!(runner.chunk_len(), got * RUNS_PER_THREAD_PER_CHUNK);
        }
    }

    /// While the sink waits for run 0, the other worker computes the rest of the window of
    /// CHUNKS_AHEAD + 1 chunks and then waits: results held for the sink stay bounded.
    #[test]
    fn workers_stop_at_the_window_ahead_of_the_sink() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let s = many_runs();
        let runner = Runner::new(2).unwrap();
        let window = runner.chunk_len() as u64 * (CHUNKS_AHEAD + 1);
        let started_while_held = Mutex::new(Vec::new());
        let held = AtomicBool::new(true);
        runner
            .pipelined(
                s.runs(),
                |spec| {
                    if spec.run_id == 0 {
                        // Wait (at most 10 s) until the window is full, then a little
                        // longer, so that a run past the window would have started.
                        for _ in 0..10_000 {
                            if started_while_held.lock().unwrap().len() as u64 >= window - 1 {
                                break;
                            }
                            std::thread::sleep(std::time::Duration::from_millis(1));
                        }
                        std::thread::sleep(std::time::Duration::from_millis(100));
                        held.store(false, Ordering::SeqCst);
                    } else if held.load(Ordering::SeqCst) {
                        started_while_held.lock().unwrap().push(spec.run_id);
                    }
                    spec.run_id
                },
                |_, _| Ok::<(), ()>(()),
            )
            .unwrap();
        let started = started_while_held.into_inner().unwrap();
        assert_eq!(started, (1..window).collect::<Vec<_>>());
    }

    /// After the sink fails, no worker takes another run: at most the window of runs
    /// already taken is computed, not the whole sweep.
    #[test]
    fn no_run_is_taken_after_the_sink_fails() {
        let s = many_runs();
        let runner = Runner::new(2).unwrap();
        let window = runner.chunk_len() as u64 * (CHUNKS_AHEAD + 1);
        let computed = std::sync::atomic::AtomicU64::new(0);
        let mut calls = 0;
        let res = runner.pipelined(
            s.runs(),
            |spec| {
                computed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                spec.run_id
            },
            |_, _| {
                calls += 1;
                // Fail only once the whole window is computed (at most 10 s), so that
                // complete chunks are waiting: none of them may reach the sink.
                for _ in 0..10_000 {
                    if computed.load(std::sync::atomic::Ordering::SeqCst) >= window {
                        break;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(1));
                }
                Err("full disk")
            },
        );
        assert_eq!(res, Err("full disk"));
        assert_eq!(calls, 1);
        let computed = computed.into_inner();
        assert!(computed <= window + 2, "{computed} of 60 runs computed");
    }

    /// The sink gets whole chunks and one partial chunk at the end, with one thread as
    /// with several (on one thread every run taken is done whenever the sink is asked).
    #[test]
    fn chunks_are_whole_but_the_last() {
        let s = many_runs();
        for threads in [1, 2] {
            let runner = Runner::new(threads).unwrap();
            let mut lengths = Vec::new();
            runner
                .pipelined(
                    s.runs(),
                    |spec| spec.run_id,
                    |_, outputs| {
                        lengths.push(outputs.len());
                        Ok::<(), ()>(())
                    },
                )
                .unwrap();
            let chunk = runner.chunk_len();
            let mut want = vec![chunk; 60 / chunk];
            if 60 % chunk != 0 {
                want.push(60 % chunk);
            }
            assert_eq!(lengths, want, "{threads} threads");
        }
    }

    /// `sweep` on another thread, or `None` if it has not returned within a minute (a hang).
    fn within_a_minute<R: Send + 'static>(sweep: impl FnOnce() -> R + Send + 'static) -> Option<R> {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let _ = tx.send(sweep());
        });
        rx.recv_timeout(std::time::Duration::from_secs(60)).ok()
    }

    #[test]
    fn a_panic_in_a_run_or_in_the_sink_stops_the_sweep_instead_of_hanging_it() {
        for in_sink in [false, true] {
            let outcome = within_a_minute(move || {
                std::panic::catch_unwind(|| {
                    let s = many_runs();
                    Runner::new(2).unwrap().pipelined(
                        s.runs(),
                        |spec| {
                            assert!(in_sink || spec.run_id != 3, "run 3 fails");
                            spec.run_id
                        },
                        |_, outputs| {
                            assert!(!in_sink || !outputs.contains(&3), "the sink fails");
                            Ok::<(), ()>(())
                        },
                    )
                })
                .is_err()
            });
            assert_eq!(outcome, Some(true), "panic in the sink: {in_sink}");
        }
    }

    #[test]
    fn map_keeps_the_order_of_the_items_for_any_thread_count() {
        let items: Vec<u64> = (0..100).collect();
        for threads in [1, 2, 3] {
            let squares = Runner::new(threads).unwrap().map(&items, |x| x * x);
            assert_eq!(squares, items.iter().map(|x| x * x).collect::<Vec<_>>());
        }
    }

    /// The words of failures.csv's `kind` column.
    #[test]
    fn failure_kinds_are_panic_and_non_finite() {
        assert_eq!(RunFailure::Panic("boom".into()).kind(), "panic");
        let nan = RunFailure::NonFinite {
            metric: "service_output".into(),
            step: None,
            value: "NaN".into(),
        };
        assert_eq!(nan.kind(), "non_finite");
    }

    #[test]
    fn faults_parse() {
        assert_eq!("".parse::<Faults>(), Ok(Faults::default()));
        assert!("boom:1".parse::<Faults>().is_err());
        assert!("panic:x".parse::<Faults>().is_err());
        assert_eq!("stall:3".parse::<Faults>().unwrap().stall, vec![3]);
    }
}
