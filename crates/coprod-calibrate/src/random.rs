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

/// Uniform in `[0, 1)` with 53 random bits.
pub(crate) fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Standard normal by Box-Muller.
pub(crate) fn normal(rng: &mut ChaCha8Rng) -> f64 {
    let u1 = 1.0 - uniform(rng); // (0, 1]
    let u2 = uniform(rng);
    libm::sqrt(-2.0 * libm::log(u1)) * libm::cos(std::f64::consts::TAU * u2)
}
