//! Throughput of the model, one thread, in citizen-steps per second (docs/performance.md).
//!
//! - `whole_run`: initialisation plus 120 steps, at 2,000 citizens (the baseline scenario:
//!   model defaults) and 10,000 citizens (the same with communities of 100). This is what a
//!   sweep or a calibration pays per run.
//! - `full_step`: one step after 120 warm-up steps at 10,000, 100,000 and 1,000,000 citizens
//!   (10 organisations, communities of 100), the per-citizen-step cost once groups are
//!   established, to set beside an external reference kernel measured in the same sitting.
//!
//! Run with `cargo bench --bench model`.

use coprod_core::{Detail, Model, Params, simulate};
use divan::{Bencher, counter::ItemsCount};

fn main() {
    divan::main();
}

/// The baseline scenario's parameters at `n_citizens`, communities of 100.
fn baseline(n_citizens: u32) -> Params {
    let mut p = Params::defaults();
    p.set("population.n_citizens", f64::from(n_citizens))
        .unwrap();
    p.set("population.n_communities", f64::from(n_citizens / 100))
        .unwrap();
    p
}

/// The step benchmark's configuration: the baseline with 10 organisations.
fn reference(n_citizens: u32) -> Params {
    let mut p = baseline(n_citizens);
    p.set("population.n_organisations", 10.0).unwrap();
    p
}

/// A whole run: initialisation plus 120 steps, a new seed each time. Items are citizen-steps.
#[divan::bench(args = [2_000, 10_000], sample_count = 30, sample_size = 4)]
fn whole_run(bencher: Bencher, n_citizens: u32) {
    let p = baseline(n_citizens);
    let mut seed = 0;
    bencher
        .counter(ItemsCount::new(n_citizens as usize * 120))
        .bench_local(|| {
            seed += 1;
            simulate(&p, &[], 120, seed, Detail::Standard)
        });
}

/// One full step (every submodel), after 120 warm-up steps so groups are established.
/// Items are citizen-steps.
#[divan::bench(args = [10_000, 100_000, 1_000_000], sample_count = 20, sample_size = 5)]
fn full_step(bencher: Bencher, n_citizens: u32) {
    let p = reference(n_citizens);
    let mut model = Model::new(&p, 1);
    for _ in 0..120 {
        model.step(&p);
    }
    bencher
        .counter(ItemsCount::new(n_citizens as usize))
        .bench_local(|| model.step(&p));
}
