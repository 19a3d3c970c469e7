//! Named, portable random streams: one per mechanism, all derived from the run seed.
//!
//! Every draw in the model goes through the helpers here so that the numbers depend only
//! on the ChaCha8 algorithm (rand's `ChaCha8Rng`, portable by name) and on integer and
//! IEEE arithmetic, not on a library's sampling algorithms.

use rand::rngs::ChaCha8Rng;
use rand::{Rng, SeedableRng};

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

/// Approximately standard normal: the sum of four uniforms, centred and scaled to unit
/// variance (Irwin-Hall). Bounded at +-3.46, which suits bounded 0-1 attributes.
#[inline]
pub(crate) fn approx_normal(rng: &mut ChaCha8Rng) -> f64 {
    let sum: f64 = (0..4).map(|_| uniform(rng)).sum();
    (sum - 2.0) * 3f64.sqrt()
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

    #[test]
    fn approx_normal_has_unit_variance() {
        let mut rng = stream(3, Stream::Population);
        let xs: Vec<f64> = (0..20_000).map(|_| approx_normal(&mut rng)).collect();
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / xs.len() as f64;
        assert!(
            mean.abs() < 0.03 && (var - 1.0).abs() < 0.05,
            "{mean} {var}"
        );
    }
}
