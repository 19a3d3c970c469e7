//! Scratch: group survival by size cap in both service regimes (development aid).
use coprod_core::{Detail, Params, simulate};
fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut p = Params::defaults();
    let mut steps = 60;
    let mut reps = 10;
    for a in &args {
        let (k, v) = a.split_once('=').unwrap();
        match k {
            "steps" => steps = v.parse().unwrap(),
            "reps" => reps = v.parse().unwrap(),
            _ => p.set(k, v.parse().unwrap()).unwrap(),
        }
    }
    let names = coprod_core::summary_names();
    let idx = |n: &str| names.iter().position(|x| x.0 == n).unwrap();
    for (regime, coord) in [(0.0, p.coordination_cost), (1.0, 0.0)] {
        println!("service={} coordination={}", regime, coord);
        for cap in [2, 3, 4, 6, 8, 12, 16, 24, 32, 40] {
            let mut q = p.clone();
            q.set("groups.service", regime).unwrap();
            q.set("groups.coordination_cost", coord).unwrap();
            q.set("levers.group_size_cap", cap as f64).unwrap();
            let (mut surv, mut part, mut started, mut life, mut contr, mut size) =
                (0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
            for r in 0..reps {
                let out = simulate(&q, &[], steps, 1000 + r, Detail::Standard);
                let s = out.summary();
                surv += s[idx("group_survival")] / reps as f64;
                part += s[idx("participation_rate")] / reps as f64;
                started += s[idx("groups_started")] / reps as f64;
                life += s[idx("mean_group_lifetime")] / reps as f64;
                contr += s[idx("mean_contribution")] / reps as f64;
                let st: Vec<_> = out
                    .groups
                    .iter()
                    .filter(|g| g.end_reason.as_str() != "never_started")
                    .collect();
                size += st.iter().map(|g| g.size_at_formation as f64).sum::<f64>()
                    / st.len().max(1) as f64
                    / reps as f64;
                let _ = &out;
            }
            println!(
                "cap {:3} survival {:.3} lifetime {:5.1} started {:6.1} size0 {:5.1} part {:.3} contrib {:.3}",
                cap, surv, life, started, size, part, contr
            );
        }
    }
}
