//! Times the step loop of one run and prints citizen-steps per second and state bytes per
//! citizen; run under `/usr/bin/time -v` for peak RSS. The statistical benchmark is
//! `benches/model.rs`. Usage: `throughput N_CITIZENS STEPS`.
use coprod_core::{Model, Params};
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let n: f64 = args[0].parse().unwrap();
    let steps: u32 = args[1].parse().unwrap();
    let mut p = Params::defaults();
    p.set("population.n_citizens", n).unwrap();
    p.set("population.n_communities", (n / 100.0).max(1.0))
        .unwrap();
    p.set("population.n_organisations", 10.0).unwrap();
    let t0 = std::time::Instant::now();
    let mut m = Model::new(&p, 1);
    let t1 = std::time::Instant::now();
    let mut part = 0.0;
    for _ in 0..steps {
        part = m.step(&p).participation_rate;
    }
    let dt = t1.elapsed().as_secs_f64();
    println!(
        "n={n} steps={steps} init_s={:.3} run_s={dt:.3} citizen_steps_per_s={:.3e} state_bytes_per_citizen={:.1} part={part:.3}",
        (t1 - t0).as_secs_f64(),
        n * steps as f64 / dt,
        m.state_bytes() as f64 / n
    );
}
