//! Scratch: prints a run's metrics (development aid).
use coprod_core::{Detail, METRICS, Params, simulate};
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut p = Params::defaults();
    let mut steps = 60;
    let mut every = 6;
    for a in &args {
        let (k, v) = a.split_once('=').unwrap();
        match k {
            "steps" => steps = v.parse().unwrap(),
            "every" => every = v.parse().unwrap(),
            _ => p.set(k, v.parse().unwrap()).unwrap(),
        }
    }
    let out = simulate(&p, &[], steps, 1, Detail::Standard);
    let short: Vec<String> = METRICS
        .iter()
        .map(|m| m.0.chars().take(9).collect())
        .collect();
    println!("step {}", short.join(" "));
    for s in out.steps.iter().filter(|s| s.step % every == every - 1) {
        println!(
            "{:4} {}",
            s.step,
            s.values()
                .iter()
                .map(|v| format!("{:9.3}", v))
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
    let names = coprod_core::summary_names();
    let sum = out.summary();
    println!(
        "{}",
        names
            .iter()
            .zip(sum)
            .skip(16)
            .map(|(n, v)| format!("{}={:.3}", n.0, v))
            .collect::<Vec<_>>()
            .join(" ")
    );
}
