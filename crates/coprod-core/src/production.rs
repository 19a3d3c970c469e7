//! Service production from professional and citizen input (Parks et al. 1981; Ostrom 1996).
//!
//! Pure functions: a CES combination of the two inputs and a saturating benefit.

/// Weighted CES aggregate `h = (R^rho / 2 + S^rho / 2)^(1/rho)`.
///
/// `rho = 1` is the arithmetic mean (perfect substitutes), `rho -> 0` the geometric mean,
/// `rho < 0` stronger complements (either input at zero gives zero). Equal weights keep
/// `h` finite as `rho -> 0`, unlike the unweighted form.
#[cfg(test)]
pub(crate) fn ces(r: f64, s: f64, rho: f64) -> f64 {
    Ces::new(r, rho).of(s)
}

/// The CES aggregate with the professional input `R` fixed, `R^rho` worked out once (every
/// group of a step shares `R` and `rho`).
pub(crate) struct Ces {
    r: f64,
    r_rho: f64,
    rho: f64,
}

impl Ces {
    pub(crate) fn new(r: f64, rho: f64) -> Ces {
        let r_rho = if r > 0.0 {
            libm::exp(rho * libm::log(r))
        } else {
            0.0
        };
        Ces { r, r_rho, rho }
    }

    /// The professional input `R`.
    pub(crate) fn professional(&self) -> f64 {
        self.r
    }

    /// `h` for citizen input `s`.
    pub(crate) fn of(&self, s: f64) -> f64 {
        let (r, rho) = (self.r, self.rho);
        if rho == 1.0 {
            return 0.5 * (r + s);
        }
        if r <= 0.0 || s <= 0.0 {
            // With one input missing only substitutes (rho > 0) still produce.
            let present = r.max(0.0) + s.max(0.0);
            return if rho > 0.0 {
                libm::pow(0.5, 1.0 / rho) * present
            } else {
                0.0
            };
        }
        if rho.abs() < 1e-9 {
            return libm::sqrt(r * s);
        }
        // `x^y` as `exp(y ln x)` (x > 0): half the cost of `pow`, the same to about 1e-15.
        let mean = 0.5 * self.r_rho + 0.5 * libm::exp(rho * libm::log(s));
        libm::exp(libm::log(mean) / rho)
    }
}

/// Saturating benefit `B_max (1 - exp(-h / kappa))`.
pub(crate) fn benefit(h: f64, benefit_max: f64, kappa: f64) -> f64 {
    benefit_max * (1.0 - libm::exp(-h / kappa))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ces_limits() {
        assert_eq!(ces(1.0, 3.0, 1.0), 2.0);
        assert!((ces(1.0, 4.0, 0.0) - 2.0).abs() < 1e-12);
        assert_eq!(ces(0.0, 4.0, -0.5), 0.0);
        // Complements: the aggregate lies below the arithmetic mean.
        assert!(ces(1.0, 4.0, -0.5) < 2.0);
        // Equal inputs give the input whatever rho.
        assert!((ces(2.0, 2.0, -2.0) - 2.0).abs() < 1e-12);
    }

    #[test]
    fn benefit_saturates() {
        assert_eq!(benefit(0.0, 1.0, 1.0), 0.0);
        assert!(benefit(10.0, 1.0, 1.0) > 0.99);
        assert!(benefit(2.0, 1.0, 1.0) - benefit(1.0, 1.0, 1.0) < benefit(1.0, 1.0, 1.0));
    }
}
