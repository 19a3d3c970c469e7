//! Portable draws from seeded ChaCha8 streams: uniforms from integer arithmetic and normals
//! by Box-Muller with `libm`, never a library's sampling algorithm.

use rand::rngs::ChaCha8Rng;
use rand::{Rng, SeedableRng};

/// The stream of proposal `k` of generation `g` under `seed`.
pub(crate) fn stream(seed: u64, generation: u32, k: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ (u64::from(generation) << 48));
    rng.set_stream(k);
    rng
}

/// Uniform in `[0, 1)` with 53 random bits. The same line as coprod-analysis's `uniform`:
/// this crate does not depend on that one (statistics of comparisons) for one line, and
/// both must stay as they are, since the seeds' results depend on them.
pub(crate) fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Standard normal by Box-Muller.
pub(crate) fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1 = 1.0 - uniform(rng); // (0, 1]
    let u2 = uniform(rng);
    libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(std::f64::consts::TAU * u2)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Proposal k of two generations never shares a stream, also for a seed whose high
    /// bits (where the generation goes) are set; nor do two proposals of one generation.
    #[test]
    fn streams_differ_between_generations_and_proposals() {
        for seed in [0, 12345, 1 << 48, u64::MAX, u64::MAX - 7] {
            let first = |g: u32, k: u64| stream(seed, g, k).next_u64();
            for k in [0, 1, 99] {
                let draws: Vec<u64> = [0, 1, 2, 7, u32::MAX]
                    .iter()
                    .map(|&g| first(g, k))
                    .collect();
                let mut distinct = draws.clone();
                distinct.sort_unstable();
                distinct.dedup();
                assert_eq!(distinct.len(), draws.len(), "seed {seed} k {k}: {draws:?}");
            }
            assert_ne!(first(3, 0), first(3, 1));
            assert_eq!(first(3, 1), first(3, 1));
        }
    }

    /// 20,000 uniforms: all in [0, 1), mean within 4 standard errors (sqrt(1/12/n)) of 1/2.
    #[test]
    fn uniforms_lie_in_the_unit_interval_with_mean_one_half() {
        let mut rng = stream(1, 0, 0);
        let n = 20_000;
        let draws: Vec<f64> = (0..n).map(|_| uniform(&mut rng)).collect();
        assert!(draws.iter().all(|u| (0.0..1.0).contains(u)));
        let mean = draws.iter().sum::<f64>() / n as f64;
        assert!(
            (mean - 0.5).abs() < 4.0 * (1.0 / 12.0 / n as f64).sqrt(),
            "{mean}"
        );
    }
}
