//! Whole runs for load-independent speed comparisons (docs/performance.md): `measure N STEPS
//! RUNS` runs the `whole_run` benchmark's configuration (defaults, communities of 100) for
//! seeds 1 to RUNS and prints a fingerprint of every step metric, so that builds of two
//! versions can be checked to compute the same numbers. Run it under
//! `valgrind --tool=callgrind` for instruction counts or `/usr/bin/time` for CPU time.
use coprod_core::{Detail, Params, simulate};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let arg = |k: usize| -> f64 { args[k].parse().expect("usage: measure N STEPS RUNS") };
    let (n, steps, runs) = (arg(0), arg(1) as u32, arg(2) as u64);
    let mut p = Params::defaults();
    p.set("population.n_citizens", n).unwrap();
    p.set("population.n_communities", (n / 100.0).max(1.0))
        .unwrap();
    let mut hash = 0xcbf2_9ce4_8422_2325u64;
    for seed in 1..=runs {
        for step in simulate(&p, &[], steps, seed, Detail::Standard).steps {
            for v in step.values() {
                hash = (hash ^ v.to_bits()).wrapping_mul(0x0100_0000_01b3);
            }
        }
    }
    println!("fingerprint {hash:016x}");
}
