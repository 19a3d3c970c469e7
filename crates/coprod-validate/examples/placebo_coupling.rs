//! Exploratory companion of the placebo check of holding (docs/validation.md): is a
//! treatment run, which shares the control run's random streams, any closer to the control
//! than the placebo, whose step streams are its own? If it were, the placebo would measure
//! more holding bias than the treatment runs carry, and the adjusted direct effect would
//! over-correct.
//!
//! For a two-arm claim (paired variants, or the first and last doses of a sweep) it runs,
//! per seed, the control (recording every registered mediator), the treatment and the
//! placebo, each free and held at the control's trajectory, and the control with another
//! seed (another population), for the registered horizon; it prints the mean over seeds of
//! the correlation across citizens of months participated between the control and each.
//!
//! ```sh
//! cargo run --release -p coprod-validate --example placebo_coupling -- B1 10
//! ```

use coprod_core::{
    Detail, Mediator, RunOutput, Trajectory, record_mediators, simulate, simulate_held,
    simulate_placebo_held,
};
use coprod_scenario::Scenario;

/// Pearson correlation of two equally long series.
fn correlation(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        ab += (x - ma) * (y - mb);
        aa += (x - ma).powi(2);
        bb += (y - mb).powi(2);
    }
    ab / (aa * bb).sqrt()
}

fn months(out: &RunOutput) -> Vec<f64> {
    out.citizens
        .iter()
        .map(|c| f64::from(c.steps_participated))
        .collect()
}

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(id), Some(seeds)) = (args.next(), args.next().and_then(|n| n.parse::<u64>().ok()))
    else {
        eprintln!("usage: placebo_coupling CLAIM SEEDS (a two-arm claim, e.g. B1 10)");
        std::process::exit(2);
    };
    let path = format!(
        "{}/../../scenarios/validation/{id}.toml",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let s = Scenario::from_toml(&text, &path, &id).unwrap_or_else(|e| panic!("{e}"));
    let v = s.validation.as_ref().expect("a validation scenario");
    let reg = v.registration.as_ref().expect("a registered design");
    let last = s.variants.len() - 1;
    let (control, treatment) = if last > 0 {
        (s.params_for(0, 0), s.params_for(last, 0))
    } else {
        let points = s.sweep.first().map_or(1, |a| a.values.len());
        (s.params_for(0, 0), s.params_for(0, points - 1))
    };
    let (ic, it) = (
        &s.variants[0].interventions,
        &s.variants[last].interventions,
    );
    let hold: &[Mediator] = &reg.mediators;
    let (steps, d) = (reg.horizon, Detail::WithCitizens);
    let mut sums = [0.0; 5];
    for seed in (1..=seeds).map(|k| 9_000 + k) {
        let (plain, t) = record_mediators(&control, ic, steps, seed, d, hold);
        let none = Trajectory::default();
        let runs = [
            simulate(&treatment, it, steps, seed, d),
            simulate_held(&treatment, it, steps, seed, d, &t, hold),
            simulate_placebo_held(&control, ic, steps, seed, d, &none, &[]),
            simulate_placebo_held(&control, ic, steps, seed, d, &t, hold),
            simulate(&control, ic, steps, seed + 1_000_000, d),
        ];
        for (sum, run) in sums.iter_mut().zip(&runs) {
            *sum += correlation(&months(&plain), &months(run));
        }
    }
    let k = seeds as f64;
    println!(
        "{id}: correlation across citizens of months participated with the control run's, \
         mean over seeds {}-{}: treatment {:.3}, treatment held {:.3}, placebo {:.3}, \
         placebo held {:.3}, control with another seed {:.3}",
        9_001,
        9_000 + seeds,
        sums[0] / k,
        sums[1] / k,
        sums[2] / k,
        sums[3] / k,
        sums[4] / k
    );
}
