//! Student's t distribution: distribution function, two-sided p-values and quantiles, from
//! a regularised incomplete beta function (continued fraction, Numerical Recipes 6.4) and a
//! Lanczos log-gamma. Against SciPy, the distribution function and p-values are within
//! 1e-10 for 1 to 1e5 degrees of freedom; beyond, the log-gamma difference loses digits
//! (a relative error of about 4e-9 at 1e6 and 2e-8 at 1e7). Quantiles are as good as the
//! distribution function near them, except close to p = 1: there P(T <= t) is 1 minus a
//! tail that rounding to 1 coarsens, and the relative error grows like 1e-16 / (1 - p)
//! (up to 1e-7 at p = 1 - 1e-9).

/// P(T <= t) for Student's t with `df` degrees of freedom; NaN unless `df` is positive and
/// finite (infinitely many degrees of freedom would need the normal distribution).
pub fn t_cdf(t: f64, df: f64) -> f64 {
    if t.is_nan() || !(df > 0.0 && df.is_finite()) {
        return f64::NAN;
    }
    if t.is_infinite() {
        return if t > 0.0 { 1.0 } else { 0.0 };
    }
    let tail = 0.5 * tails_beyond(t, df);
    if t >= 0.0 { 1.0 - tail } else { tail }
}

/// Two-sided p-value of a t statistic: P(|T| >= |t|).
pub fn t_two_sided_p(t: f64, df: f64) -> f64 {
    if t.is_nan() || !(df > 0.0 && df.is_finite()) {
        return f64::NAN;
    }
    if t.is_infinite() {
        return 0.0;
    }
    tails_beyond(t, df).clamp(0.0, 1.0)
}

/// P(|T| >= |t|) as I_x(df/2, 1/2) at x = df / (df + t^2), with 1 - x handed over as
/// t^2 / (df + t^2): near t = 0, x rounds to 1 and the subtraction 1 - x loses t^2, which
/// left P(T <= t) at exactly 1/2 for every |t| below about sqrt(df) 1e-8.
fn tails_beyond(t: f64, df: f64) -> f64 {
    let t2 = t * t;
    beta_with_complement(df / (df + t2), t2 / (df + t2), 0.5 * df, 0.5)
}

/// The `p` quantile (0 < p < 1) of Student's t with `df` degrees of freedom, by bisection.
///
/// Reports ask for the same few quantiles (one per replication count) hundreds of thousands
/// of times, and each costs about seventy incomplete-beta evaluations, so each thread keeps
/// the quantiles it has computed; a cached value is the very number bisection gives.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    thread_local! {
        static KNOWN: std::cell::RefCell<Vec<(u64, u64, f64)>> =
            const { std::cell::RefCell::new(Vec::new()) };
    }
    let key = (p.to_bits(), df.to_bits());
    if let Some(q) = KNOWN.with_borrow(|known| {
        known
            .iter()
            .find(|(kp, kd, _)| (*kp, *kd) == key)
            .map(|k| k.2)
    }) {
        return q;
    }
    let q = t_quantile_by_bisection(p, df);
    KNOWN.with_borrow_mut(|known| {
        // A bound on memory for callers that ask for many different quantiles.
        if known.len() >= 256 {
            known.clear();
        }
        known.push((key.0, key.1, q));
    });
    q
}

fn t_quantile_by_bisection(p: f64, df: f64) -> f64 {
    if !(p > 0.0 && p < 1.0 && df > 0.0 && df.is_finite()) {
        return f64::NAN;
    }
    let (mut lo, mut hi) = widened(-1.0e6, p, df);
    // Whether each end has been tested (the starting ends have not).
    let (mut lo_tested, mut hi_tested) = (false, false);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        // `lo` and `hi` are adjacent floats, both tested: no later step can move either (lo
        // only ever holds points below p, hi points at or above it), so stopping changes
        // nothing.
        if lo_tested && hi_tested && (mid == lo || mid == hi) {
            break;
        }
        if t_cdf(mid, df) < p {
            lo = mid;
            lo_tested = true;
        } else {
            hi = mid;
            hi_tested = true;
        }
    }
    0.5 * (lo + hi)
}

/// The bracket `(lo, hi)` of the `p` quantile: +-1e6, doubled until it holds the quantile.
/// Far tails of few degrees of freedom lie beyond 1e6 (the 1e-9 quantile of 1 df is -3.2e8);
/// every other quantile keeps the bracket, and so the very bisection it always had.
fn widened(start: f64, p: f64, df: f64) -> (f64, f64) {
    let mut lo = start;
    while t_cdf(lo, df) >= p && (2.0 * lo).is_finite() {
        lo *= 2.0;
    }
    let mut hi = -start;
    while t_cdf(hi, df) < p && (2.0 * hi).is_finite() {
        hi *= 2.0;
    }
    (lo, hi)
}

/// Regularised incomplete beta function I_x(a, b).
pub fn incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
    beta_with_complement(x, 1.0 - x, a, b)
}

/// I_x(a, b) given both `x` and `y = 1 - x`, for callers that know the smaller of the two
/// more accurately than a subtraction from 1 would give it.
fn beta_with_complement(x: f64, y: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if y <= 0.0 {
        return 1.0;
    }
    // The logarithm of the one near 1 from the small one: ln(x) of a rounded x near 1 is
    // only as good as x's last digit, which a large `a` multiplies.
    let ln_x = if x > 0.5 { (-y).ln_1p() } else { x.ln() };
    let ln_y = if y > 0.5 { (-x).ln_1p() } else { y.ln() };
    let front = (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * ln_x + b * ln_y).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(x, a, b) / a
    } else {
        1.0 - front * beta_fraction(y, b, a) / b
    }
}

fn beta_fraction(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let guard = |v: f64| if v.abs() < TINY { TINY } else { v };
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / guard(1.0 - qab * x / qap);
    let mut h = d;
    for m in 1..1000 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / guard(1.0 + aa * d);
        c = guard(1.0 + aa / c);
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / guard(1.0 + aa * d);
        c = guard(1.0 + aa / c);
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// ln Gamma(x) for x > 0 (Lanczos, g = 7, n = 9; about 15 significant digits).
pub fn ln_gamma(x: f64) -> f64 {
    const G: f64 = 7.0;
    const COEF: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = COEF[0];
    for (i, c) in COEF.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + G + 0.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stopping_early_and_remembering_give_the_full_bisection_bit_for_bit() {
        fn two_hundred_steps(p: f64, df: f64) -> f64 {
            let (mut lo, mut hi) = widened(-1.0e6, p, df);
            for _ in 0..200 {
                let mid = 0.5 * (lo + hi);
                if t_cdf(mid, df) < p {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            0.5 * (lo + hi)
        }
        for df in [1.0, 2.0, 3.5, 9.0, 29.0, 99.0, 1000.0] {
            for p in [1e-9, 0.001, 0.025, 0.2, 0.5, 0.8, 0.95, 0.975, 0.999] {
                let want = two_hundred_steps(p, df).to_bits();
                assert_eq!(t_quantile(p, df).to_bits(), want, "p {p}, df {df}");
                assert_eq!(
                    t_quantile(p, df).to_bits(),
                    want,
                    "p {p}, df {df}, remembered"
                );
            }
        }
    }

    #[test]
    fn quantiles_match_tables() {
        for (p, df, expected) in [
            (0.975, 1.0, 12.706_204_736),
            (0.975, 4.0, 2.776_445_105),
            (0.975, 9.0, 2.262_157_163),
            (0.95, 10.0, 1.812_461_123),
            (0.025, 29.0, -2.045_229_642),
        ] {
            let got = t_quantile(p, df);
            assert!((got - expected).abs() < 1e-6, "p {p} df {df}: {got}");
        }
    }

    #[test]
    fn p_values_match_tables() {
        // R: 2 * pt(-2.262157, 9) = 0.05; 2 * pt(-1, 1) = 0.5; 2 * pt(-3, 20) = 0.0070759
        // (mpmath: betainc(10, 0.5, 0, 20/29, regularized=True) = 0.0070758987912111).
        assert!((t_two_sided_p(2.262_157_163, 9.0) - 0.05).abs() < 1e-8);
        assert!((t_two_sided_p(-1.0, 1.0) - 0.5).abs() < 1e-12);
        assert!((t_two_sided_p(3.0, 20.0) - 0.007_075_898_791).abs() < 1e-10);
        assert!((t_cdf(0.0, 5.0) - 0.5).abs() < 1e-15);
    }

    #[test]
    fn distribution_function_matches_closed_forms() {
        // Textbook closed forms of the t distribution function for 1, 2 and 4 degrees of
        // freedom. A t near 0 puts x = df / (df + t^2) next to 1, where only the continued
        // fraction of 1 - x converges in time: a small difference must still get p near 1.
        let cdf = |t: f64, df: f64| match df {
            1.0 => 0.5 + t.atan() / std::f64::consts::PI,
            2.0 => 0.5 + t / (2.0 * (2.0 + t * t).sqrt()),
            _ => {
                let u = t * t / 4.0;
                0.5 + 0.375 * t / (1.0 + u).sqrt() * (1.0 - u / (3.0 * (1.0 + u)))
            }
        };
        for df in [1.0, 2.0, 4.0] {
            for t in [-3.0, -0.001, 0.001, 1.5, 40.0] {
                let want = cdf(t, df);
                assert!((t_cdf(t, df) - want).abs() < 1e-10, "t {t}, df {df}");
                let p = 2.0 * want.min(1.0 - want);
                assert!((t_two_sided_p(t, df) - p).abs() < 1e-10, "t {t}, df {df}");
            }
        }
        // Four degrees of freedom at 1.5 is exactly 0.5 + 0.375 x 1.2 x 0.88 = 0.896.
        assert!((t_cdf(1.5, 4.0) - 0.896).abs() < 1e-12);
    }

    /// Quantiles beyond +-1e6, where bisection used to stop. References:
    /// scipy.stats.t.ppf(1e-9, 1) = -318309886.1837907 (Cauchy: tan(pi (p - 1/2)));
    /// scipy.stats.t.ppf(1e-12, 1.5) = -52194694.27344636; scipy.stats.t.ppf(1e-9, 0.5) =
    /// -1.0284911563163397e17.
    #[test]
    fn far_quantiles_of_few_degrees_of_freedom() {
        for (p, df, want) in [
            (1e-9, 1.0, -318_309_886.183_790_7),
            (1.0 - 1e-9, 1.0, 318_309_895.186_209_3),
            (1e-12, 1.5, -52_194_694.273_446_36),
            (1e-9, 0.5, -1.028_491_156_316_339_7e17),
        ] {
            let got = t_quantile(p, df);
            assert!(((got - want) / want).abs() < 1e-6, "p {p}, df {df}: {got}");
        }
    }

    /// Within about sqrt(df) 1e-8 of 0, x = df / (df + t^2) rounds to 1, and computing 1 - x
    /// by subtraction gave exactly 1/2 there, and a median of -2.4e-7 at 1000 degrees of
    /// freedom. References: the closed forms 1/2 + atan(t) / pi (1 df) and
    /// 1/2 + t / (2 sqrt(2 + t^2)) (2 df); scipy.stats.t.cdf(-1e-6, 1e5) =
    /// 0.49999960105871694 and 2 * scipy.stats.t.sf(1e-6, 1e5) = 0.9999992021174339.
    #[test]
    fn distribution_function_leaves_one_half_near_zero() {
        let t: f64 = 1e-8;
        let cauchy = 0.5 + t.atan() / std::f64::consts::PI;
        assert!((t_cdf(t, 1.0) - cauchy).abs() < 1e-15, "{}", t_cdf(t, 1.0));
        let two = 0.5 - t / (2.0 * (2.0 + t * t).sqrt());
        assert!((t_cdf(-t, 2.0) - two).abs() < 1e-15, "{}", t_cdf(-t, 2.0));
        let (cdf, p) = (t_cdf(-1e-6, 1e5), t_two_sided_p(1e-6, 1e5));
        assert!((cdf - 0.499_999_601_058_716_94).abs() < 1e-13, "{cdf}");
        assert!((p - 0.999_999_202_117_433_9).abs() < 1e-13, "{p}");
        for df in [9.0, 1000.0, 1e5] {
            let median = t_quantile(0.5, df);
            assert!(median.abs() < 1e-12, "df {df}: {median}");
        }
    }

    /// Infinite degrees of freedom have no incomplete-beta form (df / (df + t^2) is inf / inf):
    /// NaN, as for 0 or negative, not 1/2 for every t.
    #[test]
    fn infinite_degrees_of_freedom_are_refused() {
        assert!(t_cdf(1.0, f64::INFINITY).is_nan());
        assert!(t_two_sided_p(1.0, f64::INFINITY).is_nan());
        assert!(t_quantile(0.975, f64::INFINITY).is_nan());
    }

    #[test]
    fn infinite_t_is_certain() {
        assert_eq!(t_cdf(f64::INFINITY, 3.0), 1.0);
        assert_eq!(t_cdf(f64::NEG_INFINITY, 3.0), 0.0);
        assert_eq!(t_two_sided_p(f64::NEG_INFINITY, 3.0), 0.0);
    }

    #[test]
    fn undefined_arguments_give_nan() {
        // No distribution without positive degrees of freedom, even for an infinite t, and
        // no quantile outside (0, 1): NaN, never a number a report could print.
        for df in [0.0, -1.0, f64::NAN] {
            for t in [1.0, f64::INFINITY] {
                assert!(t_cdf(t, df).is_nan(), "t {t}, df {df}");
                assert!(t_two_sided_p(t, df).is_nan(), "t {t}, df {df}");
            }
            assert!(t_quantile(0.5, df).is_nan(), "df {df}");
        }
        for p in [0.0, 1.0, -0.5, 1.5, f64::NAN] {
            assert!(t_quantile(p, 5.0).is_nan(), "p {p}");
        }
    }

    #[test]
    fn ln_gamma_below_one_half_uses_the_reflection() {
        // Gamma(1/2) = sqrt(pi); Gamma(1/4) = 3.625609908221908; ln Gamma(0.1) from
        // Gamma(0.1) = 9.513507698668732 (both also mpmath.loggamma).
        let sqrt_pi_ln = 0.5 * std::f64::consts::PI.ln();
        assert!((ln_gamma(0.5) - sqrt_pi_ln).abs() < 1e-13);
        assert!((ln_gamma(0.25) - 1.288_022_524_698_077_5).abs() < 1e-12);
        assert!((ln_gamma(0.1) - 2.252_712_651_734_206).abs() < 1e-12);
    }
}

/// The `p` quantile (0 < p < 1) of the standard normal distribution (Acklam's rational
/// approximation, relative error below 1.2e-9; NaN outside (0, 1)).
pub fn normal_quantile(p: f64) -> f64 {
    if !(p > 0.0 && p < 1.0) {
        return f64::NAN;
    }
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    const LOW: f64 = 0.024_25;
    if p < LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - LOW {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

#[cfg(test)]
mod normal_tests {
    use super::normal_quantile;

    #[test]
    fn normal_quantiles_match_tables() {
        for (p, z) in [
            (0.5, 0.0),
            (0.8, 0.841_621_233_572_914),
            (0.9, 1.281_551_565_544_6),
            (0.95, 1.644_853_626_951_47),
            (0.975, 1.959_963_984_540_05),
            (0.995, 2.575_829_303_548_9),
            (0.001, -3.090_232_306_167_81),
        ] {
            assert!((normal_quantile(p) - z).abs() < 1e-8, "{p}");
        }
        assert!(normal_quantile(1.0).is_nan());
    }
}
