//! Named, portable random streams: one per mechanism, all derived from the run seed.
//!
//! Every draw in the model goes through the helpers here so that the numbers depend only
//! on the ChaCha8 algorithm (rand's `ChaCha8Rng`, portable by name), on IEEE arithmetic and
//! `libm`, and on the ziggurat samplers of `rand_distr` (version pinned in Cargo.toml, so a
//! change of its algorithms cannot pass unnoticed: the golden-value tests guard it).

use rand::rngs::ChaCha8Rng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp1, StandardNormal};

/// One independent stream per mechanism, so extra draws in one mechanism leave the others'
/// numbers unchanged (ixa's per-module streams).
#[derive(Clone, Copy, Debug)]
#[repr(u64)]
pub(crate) enum Stream {
    Population = 1,
    Organisations = 2,
    Opportunities = 3,
    Contact = 4,
    Recruitment = 5,
    Contribution = 6,
    Leaving = 7,
    Ties = 8,
    SelfOrganise = 9,
    Lab = 10,
    Staff = 11,
    /// Network streams are `NETWORK_BASE + community`.
    NetworkBase = 1 << 32,
    /// Simulated subjects playing with people (`LabSubject`) are `LAB_SUBJECT_BASE + subject`.
    LabSubjectBase = 2 << 32,
}

/// The generator for `stream` under key `seed`.
pub(crate) fn stream(seed: u64, stream: Stream) -> ChaCha8Rng {
    stream_id(seed, stream as u64)
}

/// The generator for a numbered stream (used for per-community network streams).
pub(crate) fn stream_id(seed: u64, id: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(id);
    rng
}

/// Uniform on [0, 1) with 53 random bits.
#[inline]
pub(crate) fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Uniform integer in [0, n) by Lemire's multiply-shift (bias below n / 2^32, negligible here).
#[inline]
pub(crate) fn below(rng: &mut ChaCha8Rng, n: u32) -> u32 {
    ((u64::from(rng.next_u32()) * u64::from(n)) >> 32) as u32
}

/// An integer in [0, n) and a uniform on [0, 1) from one 64-bit draw: `below` on its low
/// 32 bits, and its high 32 bits times 2^-32.
#[inline]
pub(crate) fn below_and_uniform(rng: &mut ChaCha8Rng, n: u32) -> (u32, f64) {
    let bits = rng.next_u64();
    let pick = ((bits & 0xffff_ffff) * u64::from(n)) >> 32;
    (
        pick as u32,
        (bits >> 32) as f64 * (1.0 / (1u64 << 32) as f64),
    )
}

/// Standard normal (rand_distr's ziggurat: one 64-bit draw in about 99% of cases).
#[inline]
pub(crate) fn normal(rng: &mut ChaCha8Rng) -> f64 {
    Distribution::<f64>::sample(&StandardNormal, rng)
}

/// Gaps between the events of a sequence of independent trials that each succeed with
/// probability `q`: visiting only the trials that succeed replaces one draw per trial by
/// about one draw per success.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Gaps {
    /// `1 / -ln(1 - q)`: the scale that turns a standard exponential into a geometric gap
    /// (infinite when `q` is 0, 0 when `q` is 1).
    scale: f64,
}

impl Gaps {
    pub(crate) fn new(q: f64) -> Gaps {
        Gaps {
            scale: 1.0 / -libm::log1p(-q.clamp(0.0, 1.0)),
        }
    }

    /// The number of failing trials before the next success: geometric with parameter `q`,
    /// drawn as `floor(E / -ln(1 - q))` with `E` standard exponential (rand_distr's ziggurat
    /// `Exp1`), since `P(floor(E / r) >= k) = exp(-k r) = (1 - q)^k`. `u64::MAX` (never) when
    /// `q` is 0; no draw is taken then.
    #[inline]
    pub(crate) fn next(&self, rng: &mut ChaCha8Rng) -> u64 {
        if self.scale.is_infinite() {
            return u64::MAX;
        }
        let e: f64 = Distribution::<f64>::sample(&Exp1, rng);
        let gap = e * self.scale;
        // An astronomically long gap is "never" in any population; below 2^62 the signed
        // conversion is exact and cheaper than the unsigned one.
        if gap < 4.6e18 {
            gap as i64 as u64
        } else {
            u64::MAX
        }
    }

    /// The index of the first success at or after `from`: `from + next()`, saturating.
    #[inline]
    pub(crate) fn after(&self, rng: &mut ChaCha8Rng, from: u64) -> u64 {
        from.saturating_add(self.next(rng))
    }
}

/// `true` with probability `logistic(z)` for the uniform draw `u`: `u < logistic(z)`.
///
/// Most calls are decided by a cheap upper bound without the exponential: for `x = -z > 0`,
/// `exp(x) >= 1 + x + x^2/2 + x^3/6 + x^4/24`, so `logistic(z) <= 1 / (1 + that)`; the bound
/// is widened by a relative 1e-9 so it also covers the rounding of the exact formula, and the
/// answer is always the one `u < logistic(z)` gives.
#[inline]
pub(crate) fn below_logistic(u: f64, z: f64) -> bool {
    if u >= logistic_upper(z) {
        return false;
    }
    u < logistic(z)
}

/// An upper bound of `logistic(z)` (1 for `z >= 0`), cheap to compute.
#[inline]
pub(crate) fn logistic_upper(z: f64) -> f64 {
    if z >= 0.0 {
        return 1.0;
    }
    let x = -z;
    let taylor = 1.0 + x * (1.0 + x * (0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0))));
    (1.0 + 1e-9) / (1.0 + taylor)
}

/// `true` with probability `p`.
#[inline]
pub(crate) fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    uniform(rng) < p
}

/// Stochastic rounding: `floor(x)` plus one with probability `x - floor(x)`.
pub(crate) fn round_stochastic(rng: &mut ChaCha8Rng, x: f64) -> u32 {
    let whole = x.floor();
    whole as u32 + u32::from(chance(rng, x - whole))
}

/// The logistic function, with the portable `libm` exponential.
#[inline]
pub(crate) fn logistic(z: f64) -> f64 {
    1.0 / (1.0 + libm::exp(-z))
}

/// Clamps to [0, 1].
#[inline]
pub(crate) fn unit(x: f64) -> f64 {
    x.clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fails loudly if a dependency upgrade changes the generator's numbers.
    #[test]
    fn golden_values() {
        let mut rng = stream(2024, Stream::Contribution);
        assert_eq!(rng.next_u64(), 0x89b1_82dc_6df0_2082);
        assert_eq!(below(&mut rng, 100), 10);
    }

    #[test]
    fn streams_differ() {
        let a = stream(1, Stream::Contact).next_u64();
        let b = stream(1, Stream::Leaving).next_u64();
        let c = stream(2, Stream::Contact).next_u64();
        assert!(a != b && a != c);
    }

    /// Fails loudly if an upgrade of rand_distr changes its samplers' numbers.
    #[test]
    fn rand_distr_golden_values() {
        let mut rng = stream(2024, Stream::Contact);
        let z = normal(&mut rng);
        let gap = Gaps::new(0.05).next(&mut rng);
        assert_eq!(
            (z.to_bits(), gap),
            (NORMAL_GOLDEN, GAP_GOLDEN),
            "{:#x} {gap}",
            z.to_bits()
        );
    }
    const NORMAL_GOLDEN: u64 = 0xbfb5_1fe2_f21c_5e35;
    const GAP_GOLDEN: u64 = 10;

    #[test]
    fn normal_has_unit_variance() {
        let mut rng = stream(3, Stream::Population);
        let xs: Vec<f64> = (0..20_000).map(|_| normal(&mut rng)).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!(
            mean.abs() < 0.03 && (var - 1.0).abs() < 0.05,
            "{mean} {var}"
        );
    }

    /// Gaps are geometric: the share of trials visited is `q`, at a low and a high rate,
    /// and nothing is visited at `q = 0`.
    #[test]
    fn gaps_visit_a_share_q_of_trials() {
        for (q, seed) in [(0.02, 1), (0.3, 2), (0.9, 3)] {
            let mut rng = stream(seed, Stream::Contact);
            let gaps = Gaps::new(q);
            let n = 200_000u64;
            let (mut i, mut hits) = (gaps.next(&mut rng), 0u64);
            while i < n {
                hits += 1;
                i = gaps.after(&mut rng, i + 1);
            }
            let share = hits as f64 / n as f64;
            let se = (q * (1.0 - q) / n as f64).sqrt();
            assert!((share - q).abs() < 4.0 * se, "q {q}: share {share}");
        }
        assert_eq!(
            Gaps::new(0.0).next(&mut stream(1, Stream::Contact)),
            u64::MAX
        );
        assert_eq!(Gaps::new(1.0).next(&mut stream(1, Stream::Contact)), 0);
    }

    /// The bound never decides differently from the exact comparison.
    #[test]
    fn logistic_bound_agrees_with_the_exact_test() {
        let mut rng = stream(4, Stream::Recruitment);
        for k in 0..200_000 {
            let z = -12.0 + 16.0 * (k as f64 / 200_000.0);
            let u = uniform(&mut rng);
            assert!(logistic_upper(z) >= logistic(z));
            assert_eq!(below_logistic(u, z), u < logistic(z), "z {z} u {u}");
        }
    }
}
