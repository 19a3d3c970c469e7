//! Named, portable random streams: one per mechanism, all derived from the run seed.
//!
//! Every draw in the model goes through the helpers here so that the numbers depend only
//! on two generators named by their algorithms (portable: rand's `Xoshiro256PlusPlus` for
//! the draws, seeded from rand's `ChaCha8Rng` keyed by the run seed and a stream number), on
//! IEEE arithmetic and `libm`, and on the ziggurat samplers of `rand_distr` (version pinned
//! in Cargo.toml, so a change of its algorithms cannot pass unnoticed: the golden-value tests
//! guard it) and their tables (copied in `ziggurat_tables.rs` for the 32-bit samplers
//! `normal32` and `exp32`, which take half the random bits per draw).

use rand::rngs::{ChaCha8Rng, Xoshiro256PlusPlus};

/// The generator every model draw comes from. xoshiro256++ costs a few instructions per
/// 64-bit word where ChaCha8 costs about thirty (block generation and buffer bookkeeping),
/// and the model draws hundreds of thousands of words per run.
pub(crate) type ModelRng = Xoshiro256PlusPlus;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};

#[path = "ziggurat_tables.rs"]
mod ziggurat_tables;
use ziggurat_tables::{ZIG_EXP_F, ZIG_EXP_R, ZIG_EXP_X, ZIG_NORM_F, ZIG_NORM_R, ZIG_NORM_X};

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
    /// A placebo run's step streams (validation only, docs/ODD.md 8.19) are `PLACEBO_BASE +`
    /// the stream's own number.
    PlaceboBase = 3 << 32,
}

/// The generator for `stream` under key `seed`.
pub(crate) fn stream(seed: u64, stream: Stream) -> ModelRng {
    stream_id(seed, stream as u64)
}

/// The generator for a numbered stream (used for per-community network streams): its 256-bit
/// state is the first 32 bytes of ChaCha8 keyed by `seed` on stream `id`, so streams are
/// independent by construction of the key stream (distinct ChaCha8 streams), not by
/// hashing small seeds.
pub(crate) fn stream_id(seed: u64, id: u64) -> ModelRng {
    ModelRng::from_rng(&mut chacha_stream(seed, id))
}

/// ChaCha8 keyed by `seed` on stream `id`: the key stream [`stream_id`] seeds from, and the
/// lab game's generator itself (the lab draws a few numbers per subject and period, so the
/// generator's cost does not matter there, and its published fits, docs/calibration.md,
/// keep the numbers they were made with).
pub(crate) fn chacha_stream(seed: u64, id: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(id);
    rng
}

/// Uniform on [0, 1) with 53 random bits.
#[inline]
pub(crate) fn uniform<R: Rng>(rng: &mut R) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// Uniform integer in [0, n) by Lemire's multiply-shift (bias below n / 2^32, negligible here).
#[inline]
pub(crate) fn below<R: Rng>(rng: &mut R, n: u32) -> u32 {
    below_word(rng.next_u32(), n)
}

/// [`below`] on a 32-bit word already drawn: `(w · n) >> 32`.
#[inline]
pub(crate) fn below_word(w: u32, n: u32) -> u32 {
    ((u64::from(w) * u64::from(n)) >> 32) as u32
}

/// `uniform32` on a 32-bit word already drawn: `w · 2^-32`.
#[inline]
pub(crate) fn uniform_word(w: u32) -> f64 {
    f64::from(w) * (1.0 / (1u64 << 32) as f64)
}

/// Two 32-bit words from one 64-bit draw: its high half (what `next_u32` gives) and its low
/// half, for draws that need no more than 32 bits each, at half the generator calls.
#[inline]
pub(crate) fn halves(rng: &mut ModelRng) -> (u32, u32) {
    let bits = rng.next_u64();
    ((bits >> 32) as u32, bits as u32)
}

/// An integer in [0, n) and a uniform on [0, 1) from one 64-bit draw: `below` on its low
/// 32 bits, and its high 32 bits times 2^-32.
#[inline]
pub(crate) fn below_and_uniform(rng: &mut ModelRng, n: u32) -> (u32, f64) {
    let (high, low) = halves(rng);
    (below_word(low, n), uniform_word(high))
}

/// Standard normal (rand_distr's ziggurat: one 64-bit draw in about 99% of cases).
#[inline]
pub(crate) fn normal<R: Rng>(rng: &mut R) -> f64 {
    Distribution::<f64>::sample(&StandardNormal, rng)
}

/// Uniform on [0, 1) with 32 random bits: `next_u32 · 2^-32`.
#[cfg(test)]
pub(crate) fn uniform32(rng: &mut ModelRng) -> f64 {
    uniform_word(rng.next_u32())
}

/// Standard exponential `-ln(a)` from a 53-bit uniform `a` on (0, 1) (`open01`): for the
/// leaving race, whose exponentials must carry no grid coarser than the old 53-bit uniform's.
#[inline]
pub(crate) fn exp53(rng: &mut ModelRng) -> f64 {
    -libm::log(open01(rng))
}

/// Uniform on (0, 1) with 53 random bits, for the ziggurats' rare slow paths.
fn open01(rng: &mut ModelRng) -> f64 {
    ((rng.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
}

/// Standard normal from one 32-bit draw in about 99% of cases: rand_distr's 256-layer
/// ziggurat (its tables, `ziggurat_tables.rs`) fed with 32 bits instead of 64. The low 8 bits
/// pick the layer `i`, the high 24 bits a uniform `u` on [-1, 1) (`bits >> 8` times 2^-23,
/// minus 1); `x = u X[i]` is returned when `|x| < X[i+1]`. Otherwise, in the base layer
/// (`i = 0`) the tail beyond `R` is drawn by Marsaglia's method (pairs of `open01` draws,
/// `x = ln(a) / R`, `y = ln(b)`, until `-2y >= x^2`; `R - x` with the sign of `u`), and in the
/// other layers the point is kept when `F[i+1] + (F[i] - F[i+1]) uniform < exp(-x^2/2)`,
/// else a new 32-bit draw starts over. The same steps as rand_distr's `StandardNormal`; only
/// the uniform within a layer has 24 bits instead of 52, which is below the resolution of the
/// 32-bit attributes it is used for.
#[cfg(test)]
pub(crate) fn normal32(rng: &mut ModelRng) -> f64 {
    let bits = rng.next_u32();
    normal32_from(bits, rng)
}

/// `normal32` whose first attempt uses the 32-bit word `bits` drawn by the caller (one half
/// of a [`halves`] draw); a rejected attempt continues with `next_u32` draws of `rng`.
#[inline]
pub(crate) fn normal32_from(mut bits: u32, rng: &mut ModelRng) -> f64 {
    loop {
        let i = (bits & 0xff) as usize;
        let u = f64::from(bits >> 8) * (2.0 / (1u32 << 24) as f64) - 1.0;
        let x = u * ZIG_NORM_X[i];
        if x.abs() < ZIG_NORM_X[i + 1] {
            return x;
        }
        if let Some(x) = normal_slow(rng, i, u, x) {
            return x;
        }
        bits = rng.next_u32();
    }
}

/// The slow path of `normal32`: the tail, or the wedge test of layer `i`.
#[cold]
fn normal_slow(rng: &mut ModelRng, i: usize, u: f64, x: f64) -> Option<f64> {
    if i == 0 {
        let (mut tx, mut ty) = (1.0f64, 0.0f64);
        while -2.0 * ty < tx * tx {
            tx = libm::log(open01(rng)) / ZIG_NORM_R;
            ty = libm::log(open01(rng));
        }
        return Some(if u < 0.0 {
            tx - ZIG_NORM_R
        } else {
            ZIG_NORM_R - tx
        });
    }
    let f = ZIG_NORM_F[i + 1] + (ZIG_NORM_F[i] - ZIG_NORM_F[i + 1]) * uniform(rng);
    (f < libm::exp(-x * x / 2.0)).then_some(x)
}

/// Standard exponential from one 32-bit draw in about 99% of cases: rand_distr's 256-layer
/// ziggurat for `Exp1` fed with 32 bits, as in [`normal32`]: layer `i` from the low 8 bits,
/// `u = (bits >> 8) 2^-24` on [0, 1), `x = u X[i]` returned when `x < X[i+1]`; otherwise the
/// tail `R - ln(open01)` in the base layer, or the wedge test against `exp(-x)`.
#[cfg(test)]
pub(crate) fn exp32(rng: &mut ModelRng) -> f64 {
    let bits = rng.next_u32();
    exp32_from(bits, rng)
}

/// `exp32` whose first attempt uses the 32-bit word `bits` drawn by the caller (from
/// [`Words`]); a rejected attempt continues with `next_u32` draws of `rng`.
#[inline]
pub(crate) fn exp32_from(mut bits: u32, rng: &mut ModelRng) -> f64 {
    loop {
        let i = (bits & 0xff) as usize;
        let u = f64::from(bits >> 8) * (1.0 / (1u32 << 24) as f64);
        let x = u * ZIG_EXP_X[i];
        if x < ZIG_EXP_X[i + 1] {
            return x;
        }
        if let Some(x) = exp_slow(rng, i, x) {
            return x;
        }
        bits = rng.next_u32();
    }
}

/// 32-bit words taken two per generator step: the high half of a `next_u64` (what
/// `next_u32` would give), then at the next call its low half. A pass that draws many
/// 32-bit words keeps one of these; a half left over when it ends is dropped.
#[derive(Default)]
pub(crate) struct Words {
    spare: Option<u32>,
}

impl Words {
    #[inline]
    pub(crate) fn next(&mut self, rng: &mut ModelRng) -> u32 {
        match self.spare.take() {
            Some(w) => w,
            None => {
                let (high, low) = halves(rng);
                self.spare = Some(low);
                high
            }
        }
    }
}

/// The slow path of `exp32`: the tail, or the wedge test of layer `i`.
#[cold]
fn exp_slow(rng: &mut ModelRng, i: usize, x: f64) -> Option<f64> {
    if i == 0 {
        return Some(ZIG_EXP_R - libm::log(open01(rng)));
    }
    let f = ZIG_EXP_F[i + 1] + (ZIG_EXP_F[i] - ZIG_EXP_F[i + 1]) * uniform(rng);
    (f < libm::exp(-x)).then_some(x)
}

/// Gaps between the events of a sequence of independent trials that each succeed with
/// probability `q`: visiting only the trials that succeed replaces one draw per trial by
/// about one draw per success.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Gaps {
    /// `1 / -ln(1 - q)`: the scale that turns a standard exponential into a geometric gap
    /// (infinite when `q` is 0, 0 when `q` is 1).
    scale: f64,
    /// Whether `q` is below [`FINE_BELOW`], so that the exponential is drawn with 53 bits.
    fine: bool,
}

/// Rates below this draw their gaps' exponentials with 53 bits ([`exp53`]) instead of the
/// 32-bit ziggurat, whose grid returns 0 with probability about 6e-8: that would make an
/// event of probability `q` happen with probability about `q + 6e-8`, 0.1% too often at
/// 1e-4 and far too often at 1e-8. Above it the difference is below a relative 1e-3.
const FINE_BELOW: f64 = 1e-4;

/// Whether events of probability `q` draw their exponentials with 53 bits: `q` above 0 and
/// below [`FINE_BELOW`] (not for NaN).
#[inline]
pub(crate) fn needs_fine(q: f64) -> bool {
    q > 0.0 && q < FINE_BELOW
}

impl Gaps {
    pub(crate) fn new(q: f64) -> Gaps {
        let q = q.clamp(0.0, 1.0);
        Gaps {
            scale: 1.0 / -libm::log1p(-q),
            fine: needs_fine(q),
        }
    }

    /// The gaps of trials that never succeed (`Gaps::new(0.0)` without its logarithm).
    pub(crate) fn never() -> Gaps {
        Gaps {
            scale: f64::INFINITY,
            fine: false,
        }
    }

    /// The number of failing trials before the next success: geometric with parameter `q`,
    /// drawn as `floor(E / -ln(1 - q))` with `E` standard exponential (`exp32`, one 32-bit
    /// draw in about 99% of cases), since `P(floor(E / r) >= k) = exp(-k r) = (1 - q)^k`.
    /// `u64::MAX` (never) when `q` is 0; no draw is taken then. Below [`FINE_BELOW`], `E` is
    /// [`exp53`] instead.
    #[inline]
    pub(crate) fn next(&self, rng: &mut ModelRng) -> u64 {
        if self.scale.is_infinite() {
            return u64::MAX;
        }
        if self.fine {
            return self.gap(exp53(rng));
        }
        let bits = rng.next_u32();
        self.gap(exp32_from(bits, rng))
    }

    /// [`Gaps::next`] with the exponential's first word from `words` (two per generator
    /// step); below [`FINE_BELOW`] it takes no word and draws [`exp53`] from the stream.
    #[inline]
    pub(crate) fn next_in(&self, rng: &mut ModelRng, words: &mut Words) -> u64 {
        if self.scale.is_infinite() {
            return u64::MAX;
        }
        if self.fine {
            return self.gap(exp53(rng));
        }
        let bits = words.next(rng);
        self.gap(exp32_from(bits, rng))
    }

    /// `floor(e · scale)` for a standard exponential `e`; "never" beyond 4.6e18.
    #[inline]
    fn gap(&self, e: f64) -> u64 {
        let gap = e * self.scale;
        // An astronomically long gap is "never" in any population; below 2^62 the signed
        // conversion is exact and cheaper than the unsigned one.
        if gap < 4.6e18 {
            // SAFETY: `gap` is at least 0 (a non-negative exponential times a non-negative
            // finite scale) and below 4.6e18 < 2^63 (NaN fails the test), so truncation to
            // i64 is defined; this skips the saturating cast's checks, same value.
            unsafe { gap.to_int_unchecked::<i64>() as u64 }
        } else {
            u64::MAX
        }
    }

    /// The index of the first success at or after `from`: `from + next()`, saturating.
    #[inline]
    pub(crate) fn after(&self, rng: &mut ModelRng, from: u64) -> u64 {
        from.saturating_add(self.next(rng))
    }
}

/// `true` with probability `logistic(z)` for the uniform draw `u`: `u < logistic(z)`.
///
/// Nearly all calls are decided by cheap bounds without the exponential ([`logistic_upper`],
/// [`logistic_lower`]); the answer is always the one `u < logistic(z)` gives.
#[inline]
pub(crate) fn below_logistic(u: f64, z: f64) -> bool {
    if u >= logistic_upper(z) {
        return false;
    }
    u < logistic_lower(z) || u < logistic(z)
}

/// Steps per unit of `-z` in [`LOGISTIC_BOUNDS`].
const BOUND_STEPS: f64 = 64.0;
/// Entries of [`LOGISTIC_BOUNDS`]: `-z` from 0 to 40 in steps of 1/64.
const BOUND_LEN: usize = 40 * 64 + 1;

/// `LOGISTIC_BOUNDS[k]` is `logistic(-k/64)` widened by a relative 1e-9, computed when the
/// program is compiled ([`exp_neg`]: error below 1e-13, well inside the widening).
static LOGISTIC_BOUNDS: [f64; BOUND_LEN] = logistic_bounds();

const fn logistic_bounds() -> [f64; BOUND_LEN] {
    let mut t = [0.0; BOUND_LEN];
    let mut k = 0;
    while k < BOUND_LEN {
        // logistic(-x) = exp(-x) / (1 + exp(-x)).
        let e = exp_neg(k as f64 / BOUND_STEPS);
        t[k] = (1.0 + 1e-9) * e / (1.0 + e);
        k += 1;
    }
    t
}

/// `exp(-x)` for `0 <= x <= 700`, in a constant context: `x = n ln 2 + r` with `0 <= r < ln 2`,
/// `exp(-r)` by its Taylor series (30 terms; the error is below 1e-13 relative, mostly from
/// rounding `r`), times `2^-n`.
const fn exp_neg(x: f64) -> f64 {
    let n = (x / core::f64::consts::LN_2) as u64;
    let r = x - n as f64 * core::f64::consts::LN_2;
    let (mut term, mut sum, mut i) = (1.0, 1.0, 1);
    while i < 30 {
        term = term * -r / i as f64;
        sum += term;
        i += 1;
    }
    sum * f64::from_bits((1023 - n) << 52)
}

/// An upper bound of `logistic(z)` (1 for `z >= 0`), cheap to compute: `logistic` is
/// increasing, so for `-z` between `k/64` and `(k+1)/64` it is at most `logistic(-k/64)`,
/// looked up in a table made at compile time and widened by a relative 1e-9, which also covers
/// the rounding of the exact formula and of `k`; beyond `-z = 40` the last entry.
#[inline]
pub(crate) fn logistic_upper(z: f64) -> f64 {
    if z >= 0.0 {
        return 1.0;
    }
    let k = (-z * BOUND_STEPS).min((BOUND_LEN - 1) as f64) as i32;
    LOGISTIC_BOUNDS[k as usize]
}

/// A lower bound of what [`logistic`] computes for `z`, from the same table: for `-z` between
/// `k/64` and `(k+1)/64` it is at least `logistic(-(k+1)/64)`, the table's next entry narrowed
/// by a relative 2e-9 (1e-9 undoes its widening; the rest covers the table's error, below
/// 1e-13, and the rounding of the exact formula, a few units in the last place); 0.5 for `z >=
/// 0` (where `1 / (1 + exp(-z))` cannot round below it), 0 beyond the table's end and for NaN.
#[inline]
pub(crate) fn logistic_lower(z: f64) -> f64 {
    if z >= 0.0 {
        return 0.5;
    }
    let k = (-z * BOUND_STEPS).min((BOUND_LEN - 1) as f64) as i32 as usize + 1;
    LOGISTIC_BOUNDS.get(k).map_or(0.0, |&t| t * (1.0 - 2e-9))
}

/// `SOFTPLUS_BOUNDS[k]` is `ln(1 + exp(-k/64))` widened by a relative 1e-9, computed when the
/// program is compiled ([`exp_neg`] and [`ln1p_const`]: errors below 1e-13).
static SOFTPLUS_BOUNDS: [f64; BOUND_LEN] = softplus_bounds();

const fn softplus_bounds() -> [f64; BOUND_LEN] {
    let mut t = [0.0; BOUND_LEN];
    let mut k = 0;
    while k < BOUND_LEN {
        t[k] = (1.0 + 1e-9) * ln1p_const(exp_neg(k as f64 / BOUND_STEPS));
        k += 1;
    }
    t
}

/// `ln(1 + x)` for `0 <= x <= 1`, in a constant context: `2 atanh(x / (2 + x))` by its series
/// (`x / (2 + x) <= 1/3`, so 40 terms leave an error far below 1e-16 relative).
const fn ln1p_const(x: f64) -> f64 {
    let t = x / (2.0 + x);
    let (mut power, mut sum, mut i) = (t, 0.0, 0);
    while i < 40 {
        sum += power / (2 * i + 1) as f64;
        power *= t * t;
        i += 1;
    }
    2.0 * sum
}

/// An upper bound of the hazard `-ln(1 - logistic(z)) = ln(1 + exp(z))` (softplus), cheap to
/// compute: infinite for `z >= 0`; otherwise, as in [`logistic_upper`], the value at
/// `z = -k/64` with `k = floor(-64 z)` capped at 2560, looked up in a table made at compile
/// time and widened by a relative 1e-9.
#[inline]
pub(crate) fn softplus_upper(z: f64) -> f64 {
    if z >= 0.0 {
        return f64::INFINITY;
    }
    let k = (-z * BOUND_STEPS).min((BOUND_LEN - 1) as f64) as i32;
    SOFTPLUS_BOUNDS[k as usize]
}

/// `true` with probability `p`.
#[inline]
pub(crate) fn chance(rng: &mut ModelRng, p: f64) -> bool {
    uniform(rng) < p
}

/// Stochastic rounding: `floor(x)` plus one with probability `x - floor(x)`.
pub(crate) fn round_stochastic(rng: &mut ModelRng, x: f64) -> u32 {
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
        assert_eq!(rng.next_u64(), 0x1993_103d_666d_332b);
        assert_eq!(below(&mut rng, 100), 95);
    }

    /// The hazard bound is above `ln(1 + exp(z))` everywhere and close to it (within one
    /// table step).
    #[test]
    fn softplus_bounds_are_upper_bounds() {
        let softplus = |z: f64| libm::log1p(libm::exp(z));
        assert!(softplus_upper(0.0).is_infinite());
        for k in 1..=300_000 {
            let z = -f64::from(k) * 1.37e-4;
            let bound = softplus_upper(z);
            assert!(bound >= softplus(z), "z {z}");
            if z > -40.0 {
                assert!(bound <= softplus(z + 1.0 / 64.0) * (1.0 + 2e-9), "z {z}");
            }
        }
        assert!(softplus_upper(-1e6) >= softplus(-40.0));
        // The table at its knots agrees with libm well within the widening.
        for k in [0, 1, 64, 640, 2560] {
            let exact = softplus(-f64::from(k) / 64.0);
            let rel = SOFTPLUS_BOUNDS[k as usize] / exact - 1.0;
            assert!(rel > 0.9e-9 && rel < 1.1e-9, "k {k}: {rel}");
        }
    }

    #[test]
    fn streams_differ() {
        let a = stream(1, Stream::Contact).next_u64();
        let b = stream(1, Stream::Leaving).next_u64();
        let c = stream(2, Stream::Contact).next_u64();
        assert!(a != b && a != c);
    }

    /// Below `FINE_BELOW` a gap is `floor(-ln(a) / -ln(1 - q))` of one 53-bit uniform `a`,
    /// and `next_in` takes no 32-bit word; at or above it the 32-bit ziggurat is used.
    #[test]
    fn tiny_rates_draw_their_gaps_with_53_bits() {
        let q = 1e-8;
        let gaps = Gaps::new(q);
        let mut rng = stream(7, Stream::Ties);
        for _ in 0..1000 {
            let mut copy = rng.clone();
            let e = -libm::log(open01(&mut copy));
            let expected = (e / -libm::log1p(-q)) as u64;
            assert_eq!(gaps.next(&mut rng), expected);
            assert_eq!(rng, copy);
        }
        let mut words = Words::default();
        let mut copy = rng.clone();
        gaps.next_in(&mut rng, &mut words);
        exp53(&mut copy);
        assert_eq!(rng, copy);
        assert_eq!(words.next(&mut rng), copy.next_u32());
        // At the threshold the 32-bit path: its first draw is one `next_u32`.
        let coarse = Gaps::new(FINE_BELOW);
        let mut copy = rng.clone();
        let bits = copy.next_u32();
        assert_eq!(
            coarse.next(&mut rng),
            coarse.gap(exp32_from(bits, &mut copy))
        );
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
    const NORMAL_GOLDEN: u64 = 0x3ff4_4d3d_3e79_a59a;
    const GAP_GOLDEN: u64 = 15;

    /// Fails loudly if the 32-bit samplers' numbers change.
    #[test]
    fn ziggurat32_golden_values() {
        let mut rng = stream(2024, Stream::Population);
        let z = normal32(&mut rng);
        let e = exp32(&mut rng);
        assert_eq!(
            (z.to_bits(), e.to_bits()),
            (NORMAL32_GOLDEN, EXP32_GOLDEN),
            "{:#x} {:#x}",
            z.to_bits(),
            e.to_bits()
        );
    }
    const NORMAL32_GOLDEN: u64 = 0x3fd2_e7fb_4c99_4df5;
    const EXP32_GOLDEN: u64 = 0x3fd2_8a4b_b558_e9eb;

    /// The copied tables are those of the ziggurats: `X[1] = R`, `X[256] = 0` and
    /// `F[i] = f(X[i])` for every layer, for the normal and the exponential.
    #[test]
    fn ziggurat_tables_match_their_densities() {
        assert_eq!((ZIG_NORM_X[1], ZIG_NORM_X[256]), (ZIG_NORM_R, 0.0));
        assert_eq!((ZIG_EXP_X[1], ZIG_EXP_X[256]), (ZIG_EXP_R, 0.0));
        for i in 0..257 {
            let x = ZIG_NORM_X[i];
            assert!(
                (ZIG_NORM_F[i] - libm::exp(-x * x / 2.0)).abs() < 1e-15,
                "normal {i}"
            );
            let x = ZIG_EXP_X[i];
            assert!((ZIG_EXP_F[i] - libm::exp(-x)).abs() < 1e-15, "exp {i}");
            if i > 0 {
                assert!(ZIG_NORM_X[i] < ZIG_NORM_X[i - 1] && ZIG_EXP_X[i] < ZIG_EXP_X[i - 1]);
            }
        }
    }

    /// The 32-bit samplers have the moments and the tails of the standard normal and the
    /// standard exponential, including beyond the base layer's edge `R` (the slow path).
    #[test]
    fn normal32_and_exp32_have_their_moments_and_tails() {
        let n = 400_000;
        let mut rng = stream(5, Stream::Population);
        let zs: Vec<f64> = (0..n).map(|_| normal32(&mut rng)).collect();
        let es: Vec<f64> = (0..n).map(|_| exp32(&mut rng)).collect();
        let moments = |xs: &[f64]| {
            let mean = xs.iter().sum::<f64>() / n as f64;
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
            (mean, var)
        };
        let (mean, var) = moments(&zs);
        assert!(
            mean.abs() < 0.008 && (var - 1.0).abs() < 0.01,
            "{mean} {var}"
        );
        let (mean, var) = moments(&es);
        assert!(
            (mean - 1.0).abs() < 0.008 && (var - 1.0).abs() < 0.02,
            "{mean} {var}"
        );
        // Share of draws beyond `x` against the exact tail probability, within 4 standard errors.
        let tail = |xs: &[f64], x: f64, p: f64| {
            let share = xs.iter().filter(|&&v| v > x).count() as f64 / n as f64;
            let se = (p * (1.0 - p) / n as f64).sqrt();
            assert!(
                (share - p).abs() < 4.0 * se,
                "beyond {x}: {share} against {p}"
            );
        };
        let abs: Vec<f64> = zs.iter().map(|z| z.abs()).collect();
        // P(|Z| > 1), P(|Z| > 2), P(|Z| > R) (R = 3.6542, the tail drawn by the slow path).
        tail(&abs, 1.0, 0.317_310_507_862_914_1);
        tail(&abs, 2.0, 0.045_500_263_896_358_4);
        tail(&abs, ZIG_NORM_R, 2.580_324_9e-4);
        tail(&zs, 0.0, 0.5);
        for x in [0.1, 1.0, 3.0, ZIG_EXP_R] {
            tail(&es, x, libm::exp(-x));
        }
    }

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

    /// Paired words are the high then the low half of one `next_u64`, and gaps drawn from
    /// them are geometric: the share of trials visited is `q`.
    #[test]
    fn paired_words_halve_a_draw_and_keep_gaps_geometric() {
        let mut rng = stream(8, Stream::Contact);
        let mut copy = rng.clone();
        let mut words = Words::default();
        for _ in 0..100 {
            let w = copy.next_u64();
            assert_eq!(words.next(&mut rng), (w >> 32) as u32);
            assert_eq!(words.next(&mut rng), w as u32);
        }
        for (q, seed) in [(0.02, 1), (0.3, 2)] {
            let mut rng = stream(seed, Stream::Contact);
            let gaps = Gaps::new(q);
            let n = 200_000u64;
            let (mut i, mut hits) = (gaps.next_in(&mut rng, &mut words), 0u64);
            while i < n {
                hits += 1;
                i += 1 + gaps.next_in(&mut rng, &mut words);
            }
            let share = hits as f64 / n as f64;
            let se = (q * (1.0 - q) / n as f64).sqrt();
            assert!((share - q).abs() < 4.0 * se, "q {q}: share {share}");
        }
    }

    /// The bound never decides differently from the exact comparison, over the table, at
    /// its grid points and beyond its end; and it is tight (within 1/64 of `-z`).
    #[test]
    fn logistic_bound_agrees_with_the_exact_test() {
        let mut rng = stream(4, Stream::Recruitment);
        for k in 0..400_000 {
            let z = -45.0 + 49.0 * (k as f64 / 400_000.0);
            let u = uniform(&mut rng) * logistic_upper(z) * 1.05;
            assert!(logistic_upper(z) >= logistic(z), "z {z}");
            assert!(logistic_lower(z) <= logistic(z), "z {z}");
            assert_eq!(below_logistic(u, z), u < logistic(z), "z {z} u {u}");
            // Just below and at the lower bound: the bound's own shortcut and the exact test.
            for u in [
                logistic_lower(z),
                f64::from_bits(logistic_lower(z).to_bits() + 1),
            ] {
                assert_eq!(below_logistic(u, z), u < logistic(z), "z {z} u {u}");
            }
            if z < 0.0 && z > -40.0 {
                assert!(
                    logistic_upper(z) <= logistic(z + 1.0 / 64.0) * (1.0 + 2e-9),
                    "z {z}: {} {}",
                    logistic_upper(z),
                    logistic(z + 1.0 / 64.0)
                );
                assert!(
                    logistic_lower(z) >= logistic(z - 1.0 / 64.0) * (1.0 - 3e-9),
                    "z {z}: {} {}",
                    logistic_lower(z),
                    logistic(z - 1.0 / 64.0)
                );
            }
        }
        for k in 0..BOUND_LEN {
            for z in [
                -(k as f64) / 64.0,
                f64::from_bits((-(k as f64) / 64.0).to_bits() + 1),
            ] {
                assert!(logistic_upper(z) >= logistic(z), "z {z}");
                assert!(logistic_lower(z) <= logistic(z), "z {z}");
            }
            // Just above a grid point (toward zero), where the lower bound is tightest: the
            // next entry's value is then barely below the logistic.
            let mut above = -(k as f64) / 64.0;
            if k > 0 {
                for _ in 0..64 {
                    above = f64::from_bits(above.to_bits() - 1);
                    assert!(logistic_lower(above) <= logistic(above), "z {above}");
                }
            }
            let exact = libm::exp(-(k as f64) / 64.0);
            assert!(
                (exp_neg(k as f64 / 64.0) / exact - 1.0).abs() < 1e-13,
                "{k}"
            );
        }
    }
}
