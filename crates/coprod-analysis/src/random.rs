//! Portable random draws from a seeded ChaCha8 stream: uniforms and indices from integer
//! arithmetic only, never a library's sampling algorithms (whose values may change between
//! versions).

use rand::rngs::ChaCha8Rng;
use rand::{Rng, SeedableRng};

/// A generator for `stream` under `seed`.
pub(crate) fn rng(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// A uniform number in `[0, 1)` with 53 random bits.
pub(crate) fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// A uniform index in `0..n` (n > 0), by rejection so it is unbiased.
pub(crate) fn index(rng: &mut ChaCha8Rng, n: usize) -> usize {
    let n = n as u64;
    let zone = u64::MAX - u64::MAX % n;
    loop {
        let v = rng.next_u64();
        if v < zone {
            return (v % n) as usize;
        }
    }
}

/// Streams of the analyses, so a design and its bootstrap never share numbers.
pub(crate) const MORRIS_DESIGN: u64 = 1;
pub(crate) const MORRIS_BOOTSTRAP: u64 = 2;
pub(crate) const SOBOL_DESIGN: u64 = 3;
pub(crate) const SOBOL_BOOTSTRAP: u64 = 4;
pub(crate) const MEDIATION_BOOTSTRAP: u64 = 5;
pub(crate) const LATIN_HYPERCUBE: u64 = 6;
pub(crate) const BOOTSTRAP: u64 = 7;
