//! Scratch: paired effect of a parameter change on end-of-run metrics (development aid).
//! Usage: effect reps=20 steps=120 [k=v ...] -- [k=v ...]   (left = base, right = variant)
use coprod_core::{Detail, Params, simulate, summary_names};
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let split = args.iter().position(|a| a == "--").unwrap_or(args.len());
    let (mut reps, mut steps) = (20u64, 120u32);
    let mut base = Params::defaults();
    for a in &args[..split] {
        let (k, v) = a.split_once('=').unwrap();
        match k {
            "reps" => reps = v.parse().unwrap(),
            "steps" => steps = v.parse().unwrap(),
            _ => base.set(k, v.parse().unwrap()).unwrap(),
        }
    }
    let mut var = base.clone();
    for a in args.iter().skip(split + 1) {
        let (k, v) = a.split_once('=').unwrap();
        var.set(k, v.parse().unwrap()).unwrap();
    }
    let names = summary_names();
    let mut d = vec![Vec::new(); names.len()];
    let mut b = vec![0.0; names.len()];
    for r in 0..reps {
        let x = simulate(&base, &[], steps, 100 + r, Detail::Standard).summary();
        let y = simulate(&var, &[], steps, 100 + r, Detail::Standard).summary();
        for k in 0..names.len() {
            d[k].push(y[k] - x[k]);
            b[k] += x[k] / reps as f64;
        }
    }
    for (k, n) in names.iter().enumerate() {
        let m = d[k].iter().sum::<f64>() / reps as f64;
        let sd = (d[k].iter().map(|x| (x - m).powi(2)).sum::<f64>() / (reps as f64 - 1.0)).sqrt();
        let hw = 2.0 * sd / (reps as f64).sqrt();
        let flag = if m - hw > 0.0 {
            "+"
        } else if m + hw < 0.0 {
            "-"
        } else {
            "0"
        };
        println!(
            "{:22} base {:9.4} effect {:+9.4} ± {:7.4} {}",
            n.0, b[k], m, hw, flag
        );
    }
}
