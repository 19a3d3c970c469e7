//! Summary statistics over replications: mean, sample standard deviation and a 95%
//! Student-t confidence interval for the mean.
//!
//! Owns the numerics (Welford accumulation, the t quantile); knows nothing about files.

/// Running mean and variance (Welford), fed in a fixed order so results are reproducible.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Accumulator {
    n: u64,
    mean: f64,
    m2: f64,
}

/// Mean, standard deviation and 95% confidence interval of one metric.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    /// Number of values.
    pub n: u64,
    /// Sample mean.
    pub mean: f64,
    /// Sample standard deviation (n - 1 denominator); `None` for fewer than 2 values.
    pub sd: Option<f64>,
    /// 95% t-interval for the mean; `None` for fewer than 2 values.
    pub ci: Option<(f64, f64)>,
}

impl Accumulator {
    /// Adds one value.
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (x - self.mean);
    }

    /// The summary of the values so far.
    pub fn summary(&self) -> Summary {
        if self.n < 2 {
            return Summary {
                n: self.n,
                mean: self.mean,
                sd: None,
                ci: None,
            };
        }
        let sd = (self.m2 / (self.n - 1) as f64).sqrt();
        let half = t_quantile_975((self.n - 1) as f64) * sd / (self.n as f64).sqrt();
        Summary {
            n: self.n,
            mean: self.mean,
            sd: Some(sd),
            ci: Some((self.mean - half, self.mean + half)),
        }
    }
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom (the multiplier of a
/// two-sided 95% interval), by bisection on the t distribution function.
pub fn t_quantile_975(df: f64) -> f64 {
    let (mut lo, mut hi) = (0.0_f64, 1.0e4_f64);
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if t_cdf(mid, df) < 0.975 {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// P(T <= t) for t >= 0: 1 - I_x(df/2, 1/2) / 2 with x = df / (df + t^2).
fn t_cdf(t: f64, df: f64) -> f64 {
    let x = df / (df + t * t);
    1.0 - 0.5 * incomplete_beta(x, 0.5 * df, 0.5)
}

/// Regularised incomplete beta function I_x(a, b) (continued fraction, Numerical Recipes 6.4).
fn incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let front =
        (ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln()).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        front * beta_fraction(x, a, b) / a
    } else {
        1.0 - front * beta_fraction(1.0 - x, b, a) / b
    }
}

fn beta_fraction(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..500 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        if d.abs() < TINY {
            d = TINY;
        }
        c = 1.0 + aa / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// ln Gamma(x) for x > 0 (Lanczos, g = 7, n = 9; about 15 significant digits).
fn ln_gamma(x: f64) -> f64 {
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
        // Reflection: Gamma(x) Gamma(1 - x) = pi / sin(pi x).
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
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
    fn t_quantiles_match_tables() {
        // Standard two-sided 95% critical values.
        for (df, expected) in [
            (1.0, 12.706_204_736),
            (2.0, 4.302_652_730),
            (4.0, 2.776_445_105),
            (7.0, 2.364_624_252),
            (29.0, 2.045_229_642),
            (1000.0, 1.962_339_081),
        ] {
            let got = t_quantile_975(df);
            assert!(
                (got - expected).abs() < 1e-6,
                "df {df}: {got} vs {expected}"
            );
        }
    }

    #[test]
    fn worked_example() {
        // 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sample sd sqrt(32/7) = 2.138090, n 8,
        // t(0.975, 7) = 2.364624, half-width 2.364624 * 2.138090 / sqrt(8) = 1.787485.
        let mut acc = Accumulator::default();
        for x in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0] {
            acc.push(x);
        }
        let s = acc.summary();
        assert_eq!(s.n, 8);
        assert!((s.mean - 5.0).abs() < 1e-12);
        assert!((s.sd.unwrap() - 2.138_089_935).abs() < 1e-8);
        let (lo, hi) = s.ci.unwrap();
        assert!((lo - 3.212_515).abs() < 1e-5, "{lo}");
        assert!((hi - 6.787_485).abs() < 1e-5, "{hi}");
    }

    #[test]
    fn one_value_has_no_spread() {
        let mut acc = Accumulator::default();
        acc.push(3.0);
        assert_eq!(
            acc.summary(),
            Summary {
                n: 1,
                mean: 3.0,
                sd: None,
                ci: None
            }
        );
    }
}
