//! Service production from professional and citizen input (Parks et al. 1981; Ostrom 1996),
//! and the accounting rules that turn it into service output and costs.
//!
//! Pure functions: a CES combination of the two inputs, a saturating benefit per beneficiary,
//! the professional input an organisation's budget can still pay for, and the value of
//! citizens' time.

/// CES aggregate `h = (R^rho + S^rho)^(1/rho)` with `0 < rho <= 1` (the form of Parks et al.
/// 1981).
///
/// Each input alone is worth itself (`h(R, 0) = R`), the unit of the professionals' own
/// service, so `h - R - S >= 0` is what combining the inputs adds. That surplus is largest
/// for strongly curved isoquants (small `rho`) and vanishes at `rho = 1` (perfect
/// substitutes: `h = R + S`).
pub(crate) fn ces(r: f64, s: f64, rho: f64) -> f64 {
    let (r, s) = (r.max(0.0), s.max(0.0));
    if rho >= 1.0 || r == 0.0 || s == 0.0 {
        return r + s;
    }
    if rho == 0.5 {
        // The default: libm's pow returns sqrt(x) for y = 0.5 and x >= 0, and x * x for
        // y = 2, so this is the same number without the calls' special-case checks.
        let root = libm::sqrt(r) + libm::sqrt(s);
        return root * root;
    }
    libm::pow(libm::pow(r, rho) + libm::pow(s, rho), 1.0 / rho)
}

/// Saturating benefit `B_max (1 - exp(-h / kappa))` per beneficiary.
pub(crate) fn benefit(h: f64, benefit_max: f64, kappa: f64) -> f64 {
    benefit_max * (1.0 - libm::exp(-h / kappa))
}

/// Who receives a group's service and what share of the inputs each receives.
///
/// A per-member service is rival: each of the `n` members is a beneficiary of `1/n` of the
/// professional and of the citizen input. A joint service is non-rival: each member
/// benefits from all of both. Either way the group's value is `n x` the benefit per
/// beneficiary: each beneficiary is counted once (non-members are not counted).
pub(crate) fn per_beneficiary(r: f64, s: f64, n: usize, per_member: bool) -> (f64, f64) {
    if per_member && n > 0 {
        (r / n as f64, s / n as f64)
    } else {
        (r, s)
    }
}

/// Professional input a supported group receives: what it asks for, or what is left of its
/// organisation's budget for this step if that is less.
pub(crate) fn affordable(asked: f64, budget: f64, spent: f64) -> f64 {
    asked.min((budget - spent).max(0.0))
}

/// Value of citizens' time in input units: effort units given times the shadow price.
pub(crate) fn time_cost(effort: f64, price: f64) -> f64 {
    effort * price
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ces_limits() {
        assert_eq!(ces(1.0, 3.0, 1.0), 4.0);
        // Each input alone is worth itself, whatever rho.
        assert_eq!(ces(2.0, 0.0, 0.3), 2.0);
        assert_eq!(ces(0.0, 2.0, 0.3), 2.0);
        // rho = 0.5: (1 + 2)^2 = 9 from inputs 1 and 4.
        assert!((ces(1.0, 4.0, 0.5) - 9.0).abs() < 1e-12);
    }

    /// The shortcut at rho = 0.5 gives libm's numbers bit for bit.
    #[test]
    fn ces_at_one_half_is_libms_pow() {
        let pow = |r: f64, s: f64| libm::pow(libm::pow(r, 0.5) + libm::pow(s, 0.5), 2.0);
        let mut x = 0.123_456_789_f64;
        for _ in 0..1000 {
            let (r, s) = (x * 7.3, (1.0 - x) * 0.37);
            assert_eq!(ces(r, s, 0.5).to_bits(), pow(r, s).to_bits(), "{r} {s}");
            x = (x * 3.9 * (1.0 - x)).clamp(1e-9, 1.0 - 1e-9);
        }
    }

    #[test]
    fn complementarity_surplus_shrinks_to_zero_as_rho_approaches_one() {
        let surplus = |rho| ces(0.5, 1.5, rho) - 2.0;
        let rhos = [0.25, 0.5, 0.75, 0.9, 0.99, 1.0];
        for w in rhos.windows(2) {
            assert!(surplus(w[0]) > surplus(w[1]), "{w:?}");
        }
        assert!(surplus(0.99) < 0.02);
        assert_eq!(surplus(1.0), 0.0);
    }

    #[test]
    fn benefit_saturates() {
        assert_eq!(benefit(0.0, 1.0, 1.0), 0.0);
        assert!(benefit(10.0, 1.0, 1.0) > 0.99);
        assert!(benefit(2.0, 1.0, 1.0) - benefit(1.0, 1.0, 1.0) < benefit(1.0, 1.0, 1.0));
        // At most one service unit per unit of aggregate input when B_max = kappa.
        assert!(benefit(0.3, 1.0, 1.0) < 0.3);
    }

    #[test]
    fn per_member_services_split_inputs_and_joint_ones_do_not() {
        assert_eq!(per_beneficiary(1.0, 2.0, 4, true), (0.25, 0.5));
        assert_eq!(per_beneficiary(1.0, 2.0, 4, false), (1.0, 2.0));
        // Counting each beneficiary once: a per-member group of n at rho = 1 is worth at
        // most R + S.
        let (r, s) = per_beneficiary(0.5, 1.5, 8, true);
        assert!(8.0 * benefit(ces(r, s, 1.0), 1.0, 1.0) <= 2.0);
    }

    #[test]
    fn budget_caps_support() {
        assert_eq!(affordable(0.5, 10.0, 2.0), 0.5);
        assert_eq!(affordable(0.5, 10.0, 9.8), 10.0 - 9.8);
        assert_eq!(affordable(0.5, 10.0, 12.0), 0.0);
    }

    #[test]
    fn time_is_priced_linearly() {
        assert_eq!(time_cost(3.0, 0.5), 1.5);
        assert_eq!(time_cost(3.0, 0.0), 0.0);
    }
}
