//! The verdict machinery on toy models whose answers are known: the decomposition recovers
//! direct and mediated parts, a true null passes at about the nominal rate, a true effect
//! of twice the SESOI in nearly every block, and results depend on the salt but not on the threads.

use coprod_core::Mediator;
use coprod_scenario::Direction;
use coprod_sweep::Runner;
use coprod_validate::{Contrast, Design, Rep, Replicate, hold_sets, judge};

/// A uniform in [0, 1) from (seed, stream, index): SplitMix64, so the toy needs no crate.
fn uniform(seed: u64, stream: u64, i: u64) -> f64 {
    let mut z = seed
        .wrapping_add(stream.wrapping_mul(0x9e37_79b9_7f4a_7c15))
        .wrapping_add(i.wrapping_mul(0xbf58_476d_1ce4_e5b9));
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    (z >> 11) as f64 / (1u64 << 53) as f64
}

/// A standard normal by Box-Muller.
fn normal(seed: u64, stream: u64, i: u64) -> f64 {
    let u = uniform(seed, stream, 2 * i).max(1e-300);
    let v = uniform(seed, stream, 2 * i + 1);
    (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
}

/// Two mediators that accumulate over `steps` steps: `m_k(t+1) = rho * m_k(t) + c_k * x +
/// noise` (the same noise in both arms: common random numbers), and the read-out
/// `y = a * x + b_1 * m_1(T) + b_2 * m_2(T) + arm noise`. Holding `m_k` at the control
/// trajectory removes its path exactly, so every part is known in closed form; a held run
/// (treatment or placebo) also reads `hold_bias` more, what holding alone would do.
struct Toy {
    hold_bias: f64,
    a: f64,
    b: [f64; 2],
    c: [f64; 2],
    rho: f64,
    steps: u64,
    noise: f64,
    contrast: Contrast,
}

const M: [Mediator; 2] = [Mediator::Efficacy, Mediator::CitizenTrust];

impl Toy {
    fn new(a: f64, b: [f64; 2], c: [f64; 2]) -> Toy {
        Toy {
            hold_bias: 0.0,
            a,
            b,
            c,
            rho: 0.8,
            steps: 10,
            noise: 1.0,
            contrast: Contrast::Linear(vec![-1.0, 1.0]),
        }
    }

    /// Sum of rho^k over the steps: how much of a per-step push is left at the end.
    fn carry(&self) -> f64 {
        (0..self.steps).map(|k| self.rho.powi(k as i32)).sum()
    }

    /// The mediators at the end of a run; `dynamics` picks the noise streams (10: the arms'
    /// common ones; 20: a placebo's own).
    fn mediators(&self, seed: u64, x: f64, dynamics: u64) -> [f64; 2] {
        let mut m = [0.0; 2];
        for t in 0..self.steps {
            for (k, mk) in m.iter_mut().enumerate() {
                let noise = normal(seed, dynamics + k as u64, t);
                *mk = self.rho * *mk + self.c[k] * x + 0.3 * noise;
            }
        }
        m
    }

    /// `m` with the mediators of `set` at the control's values.
    fn held(set: &[Mediator], mut m: [f64; 2], control: [f64; 2]) -> [f64; 2] {
        for (k, mk) in m.iter_mut().enumerate() {
            if set.contains(&M[k]) {
                *mk = control[k];
            }
        }
        m
    }

    fn read(&self, seed: u64, arm: u64, x: f64, m: [f64; 2]) -> f64 {
        self.a * x + self.b[0] * m[0] + self.b[1] * m[1] + self.noise * normal(seed, arm, 0)
    }
}

impl Replicate for Toy {
    fn n_arms(&self) -> usize {
        2
    }

    fn control(&self) -> Option<usize> {
        Some(0)
    }

    fn contrast(&self) -> &Contrast {
        &self.contrast
    }

    fn replicate(&self, seed: u64, hold: &[Vec<Mediator>]) -> Rep {
        let control = self.mediators(seed, 0.0, 10);
        let treated = self.mediators(seed, 1.0, 10);
        let twin = self.mediators(seed, 0.0, 20);
        let arms = vec![
            self.read(seed, 1, 0.0, control),
            self.read(seed, 2, 1.0, treated),
        ];
        let held = hold
            .iter()
            .map(|set| {
                let m = Toy::held(set, treated, control);
                vec![f64::NAN, self.read(seed, 2, 1.0, m) + self.hold_bias]
            })
            .collect();
        let placebo = hold
            .iter()
            .map(|set| self.read(seed, 3, 0.0, Toy::held(set, twin, control)) + self.hold_bias)
            .collect();
        Rep {
            arms,
            held,
            placebo,
        }
    }
}

fn design(direction: Direction, sesoi: f64, blocks: u32, reps: u32) -> Design {
    Design {
        direction,
        sesoi,
        power: 0.9,
        salt: "toy".into(),
        blocks,
        pilot: 20,
        min_replications: reps,
        max_replications: reps,
        hold_sets: hold_sets(&M),
        decompose_replications: blocks * reps,
        resamples: 500,
    }
}

fn within(value: f64, ci: (f64, f64), what: &str) {
    assert!(
        ci.0 <= value && value <= ci.1,
        "{what}: {value} not in {ci:?}"
    );
}

#[test]
fn decomposition_recovers_known_direct_and_mediated_parts() {
    let toy = Toy::new(1.0, [0.5, 0.25], [0.4, 0.8]);
    let s = toy.carry();
    let via = [toy.b[0] * toy.c[0] * s, toy.b[1] * toy.c[1] * s];
    let total = toy.a + via[0] + via[1];
    let runner = Runner::new(2).unwrap();
    let j = judge(&toy, &design(Direction::Increase, 0.1, 10, 40), &runner);
    within(total, j.total.ci.unwrap(), "total");
    let names: Vec<&str> = j.decomposition.iter().map(|d| d.hold.as_str()).collect();
    assert_eq!(names, ["all", "efficacy", "citizen_trust"]);
    let direct = [toy.a, toy.a + via[1], toy.a + via[0]];
    for (d, want) in j.decomposition.iter().zip(direct) {
        within(want, d.direct.ci.unwrap(), &d.hold);
        within(1.0 - want / total, d.share_ci.unwrap(), &d.hold);
    }
    // With every path held the direct effect is the lever's own term.
    assert!((j.decomposition[0].share.unwrap() - (1.0 - toy.a / total)).abs() < 0.1);
}

/// When holding itself moves the read-out, the direct effect carries that bias and the
/// placebo measures it: the adjusted direct effect is the lever's own term again, and the
/// adjusted share the true mediated share.
#[test]
fn the_placebo_measures_what_holding_alone_does() {
    let mut toy = Toy::new(1.0, [0.5, 0.25], [0.4, 0.8]);
    toy.hold_bias = -2.0;
    let s = toy.carry();
    let total = toy.a + (toy.b[0] * toy.c[0] + toy.b[1] * toy.c[1]) * s;
    let runner = Runner::new(2).unwrap();
    let j = judge(&toy, &design(Direction::Increase, 0.1, 10, 40), &runner);
    let all = &j.decomposition[0];
    within(toy.a - 2.0, all.direct.ci.unwrap(), "biased direct");
    within(-2.0, all.placebo.ci.unwrap(), "placebo");
    within(toy.a, all.adjusted.ci.unwrap(), "adjusted direct");
    within(
        1.0 - toy.a / total,
        all.adjusted_share_ci.unwrap(),
        "adjusted share",
    );
    // Each set's own placebo: holding one mediator alone shows the same bias, and the
    // adjusted direct effect keeps the other mediator's path.
    let via = [toy.b[0] * toy.c[0] * s, toy.b[1] * toy.c[1] * s];
    for (d, kept) in j.decomposition[1..].iter().zip([via[1], via[0]]) {
        within(-2.0, d.placebo.ci.unwrap(), &d.hold);
        within(toy.a + kept, d.adjusted.ci.unwrap(), &d.hold);
    }
    // Without a bias the placebo reads about 0.
    toy.hold_bias = 0.0;
    let j = judge(&toy, &design(Direction::Increase, 0.1, 10, 40), &runner);
    within(
        0.0,
        j.decomposition[0].placebo.ci.unwrap(),
        "unbiased placebo",
    );
}

#[test]
fn the_class_follows_the_mediated_share() {
    let toy = Toy::new(1.0, [0.0, 0.0], [0.4, 0.8]);
    let runner = Runner::new(2).unwrap();
    let j = judge(&toy, &design(Direction::Increase, 0.1, 5, 40), &runner);
    within(0.0, j.decomposition[0].share_ci.unwrap(), "share");
    assert_eq!(
        coprod_validate::classify(&j, 0.1),
        coprod_scenario::ClaimClass::Assumption
    );
    let all_mediated = Toy::new(0.0, [0.5, 0.25], [0.4, 0.8]);
    let j = judge(
        &all_mediated,
        &design(Direction::Increase, 0.1, 5, 40),
        &runner,
    );
    assert_eq!(
        coprod_validate::classify(&j, 0.1),
        coprod_scenario::ClaimClass::Derived
    );
    assert_eq!(
        coprod_validate::classify(&j, 100.0),
        coprod_scenario::ClaimClass::Assumption,
        "a total below the SESOI is never derived"
    );
}

#[test]
fn a_true_null_passes_at_about_the_nominal_rate() {
    // One-sided 2.5%: over 400 blocks about 10 pass; 2 to 22 is a 99.9% binomial range.
    let toy = Toy::new(0.0, [0.0, 0.0], [0.0, 0.0]);
    let runner = Runner::new(2).unwrap();
    let mut d = design(Direction::Increase, 1e-9, 400, 20);
    d.hold_sets.clear();
    let j = judge(&toy, &d, &runner);
    let passed = (j.pass_rate * 400.0).round() as u32;
    assert!(
        (2..=22).contains(&passed),
        "{passed} of 400 null blocks passed"
    );
}

#[test]
fn an_equivalence_claim_with_a_true_null_passes_at_about_its_power() {
    let toy = Toy::new(0.0, [0.0, 0.0], [0.0, 0.0]);
    let runner = Runner::new(2).unwrap();
    let mut d = design(Direction::NoEffect, 0.5, 200, 0);
    d.hold_sets.clear();
    d.min_replications = 10;
    d.max_replications = 1000;
    let j = judge(&toy, &d, &runner);
    assert!(j.pass_rate > 0.8, "pass rate {}", j.pass_rate);
    assert!(!j.capped);
}

#[test]
fn replications_follow_the_pilot_and_reach_the_power() {
    // The sd of the paired effect is sqrt(2) (arm noises 1): at SESOI 0.25 and power 0.9,
    // n = (1.960 + 1.282)^2 * 2 / 0.0625 = 336.3, so 337, by the textbook formula; the pilot's estimate
    // of the sd is within about a third of that.
    let toy = Toy::new(0.5, [0.0, 0.0], [0.0, 0.0]);
    let runner = Runner::new(2).unwrap();
    let mut d = design(Direction::Increase, 0.25, 40, 0);
    d.hold_sets.clear();
    d.min_replications = 2;
    d.max_replications = 2000;
    let j = judge(&toy, &d, &runner);
    let n = f64::from(j.replications);
    assert!((150.0..700.0).contains(&n), "{n} replications");
    // A true effect of twice the SESOI passes nearly always with that n.
    assert!(j.pass_rate >= 0.85, "pass rate {}", j.pass_rate);
}

#[test]
fn results_depend_on_the_salt_and_not_on_the_threads() {
    let toy = Toy::new(1.0, [0.5, 0.25], [0.4, 0.8]);
    let d = design(Direction::Increase, 0.1, 4, 12);
    let one = judge(&toy, &d, &Runner::new(1).unwrap());
    let two = judge(&toy, &d, &Runner::new(2).unwrap());
    assert_eq!(one, two);
    let other = judge(
        &toy,
        &Design {
            salt: "other".into(),
            ..d
        },
        &Runner::new(2).unwrap(),
    );
    assert_ne!(one.total.mean, other.total.mean);
}
