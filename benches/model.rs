//! Step throughput of the model at the reference sizes (10,000, 100,000 and 1,000,000
//! citizens, 10 organisations, communities of 100), one thread, in citizen-steps per second.
//!
//! Compare with the external yardstick described in docs/performance.md (a bare network
//! update kernel), measured in the same sitting. Run with `cargo bench --bench model`.

use coprod_core::{Detail, Model, Params, simulate};
use divan::{Bencher, counter::ItemsCount};

fn main() {
    divan::main();
}

fn reference(n_citizens: u32) -> Params {
    let mut p = Params::defaults();
    p.set("population.n_citizens", f64::from(n_citizens))
        .unwrap();
    p.set("population.n_communities", f64::from(n_citizens / 100))
        .unwrap();
    p.set("population.n_organisations", 10.0).unwrap();
    p
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

/// A whole run at the reference size: initialisation plus 240 steps. Items are citizen-steps.
#[divan::bench(sample_count = 10, sample_size = 1)]
fn reference_run(bencher: Bencher) {
    let p = reference(10_000);
    bencher
        .counter(ItemsCount::new(10_000usize * 240))
        .bench(|| simulate(&p, &[], 240, 1, Detail::Standard));
}
