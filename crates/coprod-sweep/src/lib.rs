//! # coprod-sweep: many runs in parallel, in a fixed order
//!
//! # Brief overview
//! Runs [`RunSpec`]s on a rayon pool of exactly the requested number of threads and hands
//! each result to a sink in run order. Runs are taken in chunks of a few times the thread
//! count, so memory stays flat however many runs a sweep has, and outputs are identical
//! for any thread count: each run depends only on its `RunSpec` (its seed comes from the
//! scenario, never from a thread). It writes no files; the sink does.
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

use coprod_core::{Detail, RunOutput, simulate};
use coprod_scenario::RunSpec;
use rayon::prelude::*;

/// Runs taken per thread per chunk: enough to keep threads busy when run times differ,
/// few enough that results waiting for the sink stay small.
const RUNS_PER_THREAD_PER_CHUNK: usize = 4;

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
            .thread_name(|i| format!("coprod-run-{i}"))
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
    /// Stops at the first error from `sink` and returns it.
    pub fn run<'a, I, F, E>(
        &self,
        specs: I,
        detail: Detail,
        on_done: &(dyn Fn() + Sync),
        mut sink: F,
    ) -> Result<(), E>
    where
        I: IntoIterator<Item = RunSpec<'a>>,
        F: FnMut(RunSpec<'a>, RunOutput) -> Result<(), E>,
    {
        let chunk_len = self.threads * RUNS_PER_THREAD_PER_CHUNK;
        let mut specs = specs.into_iter();
        loop {
            let chunk: Vec<RunSpec<'a>> = specs.by_ref().take(chunk_len).collect();
            if chunk.is_empty() {
                return Ok(());
            }
            // `collect` on an indexed parallel iterator keeps input order.
            let outputs: Vec<RunOutput> = self.pool.install(|| {
                chunk
                    .par_iter()
                    .map(|spec| {
                        let out = run_one(spec, detail);
                        on_done();
                        out
                    })
                    .collect()
            });
            for (spec, output) in chunk.into_iter().zip(outputs) {
                sink(spec, output)?;
            }
        }
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
}
