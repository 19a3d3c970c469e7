//! Conditional cooperation: how much a group member contributes, given a belief about
//! what peers contribute, and how that belief is updated from the peers a member watches.
//!
//! Shared by the field model and the lab setting, so the field's behaviour is the one
//! calibrated against repeated public-goods experiments (Fischbacher and Gaechter 2010).

use crate::params::Params;
use crate::rng::unit;

/// Conditional-cooperation type, measured in the lab with the strategy method.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub(crate) enum CcType {
    /// Contributes more when they believe others do, a little less than others.
    Conditional = 0,
    /// Contributes (almost) nothing.
    FreeRider = 1,
    /// Rises with beliefs up to a peak, then falls.
    Hump = 2,
    /// Contributes independently of beliefs.
    Other = 3,
}

impl CcType {
    pub(crate) fn from_u8(v: u8) -> CcType {
        match v {
            0 => CcType::Conditional,
            1 => CcType::FreeRider,
            2 => CcType::Hump,
            _ => CcType::Other,
        }
    }

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            CcType::Conditional => "conditional",
            CcType::FreeRider => "free_rider",
            CcType::Hump => "hump",
            CcType::Other => "other",
        }
    }

    /// The type for a uniform draw `u`, by the configured shares: the first type whose
    /// cumulative share exceeds `u`. The shares are not negative, so the cumulative shares
    /// rise and that type's number is how many of them `u` has reached; counted without a
    /// branch, since a jump on a random type is mispredicted about every other citizen.
    pub(crate) fn draw(p: &Params, u: f64) -> CcType {
        let conditional = p.share_conditional;
        let free_rider = conditional + p.share_free_rider;
        let hump = free_rider + p.share_hump;
        let reached = u8::from(u >= conditional) + u8::from(u >= free_rider) + u8::from(u >= hump);
        CcType::from_u8(reached)
    }
}

/// The type's contribution schedule (share of endowment, before noise) at `belief`:
/// conditional `a + b x belief`; free rider a constant; hump-shaped rises linearly to the
/// conditional schedule's value at `hump_peak`, then falls linearly to 0 at belief 1;
/// other a constant.
#[cfg(test)]
pub(crate) fn schedule(ty: CcType, belief: f64, p: &Params) -> f64 {
    Schedules::new(p).at(ty as u8, belief)
}

/// The four contribution schedules (docs/ODD.md 8.7) with the parameters read once, evaluated without a
/// branch: members' types are mixed at random, so a jump on the type (or on which side of
/// the hump's peak a belief lies) is mispredicted about every other member. Every schedule
/// is written as `(a + b x x) / d` with `x = f + g x belief`, the coefficients looked up by
/// type and side of the peak; the lookups give the numbers of the piecewise formulas of
/// docs/ODD.md 8.7 bit for bit (test `lookups_are_the_piecewise_schedules`):
/// - linear types (conditional, free rider, other): `x = 0 + 1 x belief = belief`, `a` the
///   intercept, `b` the slope (0 for the constant ones, which adds exactly 0) and `d = 1`;
/// - hump-shaped up to the peak: `x = belief`, `(0 + top x belief) / peak`;
/// - hump-shaped above it: `x = 1 + (-1) x belief = 1 - belief`, `(0 + top x x) / (1 - peak)`.
#[derive(Clone, Copy)]
pub(crate) struct Schedules {
    /// Indexed by `2 x type number + (belief > peak)`.
    a: [f64; 8],
    b: [f64; 8],
    d: [f64; 8],
    f: [f64; 8],
    g: [f64; 8],
    peak: f64,
}

impl Schedules {
    pub(crate) fn new(p: &Params) -> Schedules {
        let top = p.cc_intercept + p.cc_slope * p.hump_peak;
        let (ci, cs, fr, om) = (p.cc_intercept, p.cc_slope, p.free_rider_give, p.other_mean);
        Schedules {
            a: [ci, ci, fr, fr, 0.0, 0.0, om, om],
            b: [cs, cs, 0.0, 0.0, top, top, 0.0, 0.0],
            d: [1.0, 1.0, 1.0, 1.0, p.hump_peak, 1.0 - p.hump_peak, 1.0, 1.0],
            f: [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0],
            g: [1.0, 1.0, 1.0, 1.0, 1.0, -1.0, 1.0, 1.0],
            peak: p.hump_peak,
        }
    }

    /// The schedule of type number `ty` (0-3, `CcType as u8`) at `belief`.
    #[inline]
    pub(crate) fn at(&self, ty: u8, belief: f64) -> f64 {
        let k = 2 * usize::from(ty & 3) + usize::from(belief > self.peak);
        let x = self.f[k] + self.g[k] * belief;
        (self.a[k] + self.b[k] * x) / self.d[k]
    }

    /// A contribution decision as [`decide`], for type number `ty`.
    #[inline]
    pub(crate) fn decide(&self, ty: u8, belief: f64, extra: f64, u: f64, noise: f64) -> f64 {
        unit(self.at(ty, belief) + extra + (2.0 * u - 1.0) * noise)
    }
}

/// A contribution decision: the schedule plus `extra` (peer pressure, motivation), plus
/// uniform noise of half-width `contribution_noise` (from the draw `u` in [0, 1)),
/// clamped to [0, 1].
pub(crate) fn decide(ty: CcType, belief: f64, extra: f64, u: f64, p: &Params) -> f64 {
    Schedules::new(p).decide(ty as u8, belief, extra, u, p.contribution_noise)
}

/// Adaptive belief: move `belief_weight` of the way to the mean of the peers watched.
pub(crate) fn update_belief(belief: f64, observed_mean: f64, p: &Params) -> f64 {
    move_belief(belief, observed_mean, p.belief_weight)
}

/// The belief update with its weight given (the lab slows its first update).
pub(crate) fn move_belief(belief: f64, observed_mean: f64, weight: f64) -> f64 {
    belief + weight * (observed_mean - belief)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conditional_cooperators_follow_beliefs_imperfectly() {
        let p = Params::defaults();
        let low = schedule(CcType::Conditional, 0.2, &p);
        let high = schedule(CcType::Conditional, 0.8, &p);
        assert!(high > low);
        // Imperfect: at a high belief they give less than they believe others give.
        assert!(high < 0.8);
    }

    /// The branch-free lookups give the piecewise schedules bit for bit, on both sides of
    /// the peak and at it.
    #[test]
    fn lookups_are_the_piecewise_schedules() {
        let mut p = Params::defaults();
        p.hump_peak = 0.3;
        p.free_rider_give = 0.07;
        let top = p.cc_intercept + p.cc_slope * p.hump_peak;
        let s = Schedules::new(&p);
        for k in 0..=1000 {
            let b = f64::from(k) / 1000.0;
            let hump = if b <= p.hump_peak {
                top * b / p.hump_peak
            } else {
                top * (1.0 - b) / (1.0 - p.hump_peak)
            };
            let expected = [
                (CcType::Conditional, p.cc_intercept + p.cc_slope * b),
                (CcType::FreeRider, 0.07),
                (CcType::Hump, hump),
                (CcType::Other, p.other_mean),
            ];
            for (ty, e) in expected {
                assert_eq!(
                    s.at(ty as u8, b).to_bits(),
                    e.to_bits(),
                    "type {ty:?} belief {b}"
                );
            }
        }
    }

    #[test]
    fn hump_peaks_at_hump_peak() {
        let p = Params::defaults();
        let at = |b| schedule(CcType::Hump, b, &p);
        assert!(at(0.5) > at(0.3) && at(0.5) > at(0.8));
        assert_eq!(at(1.0), 0.0);
    }

    #[test]
    fn decisions_stay_in_unit_interval() {
        let p = Params::defaults();
        for ty in 0..4 {
            for &u in &[0.0, 0.5, 0.999] {
                let c = decide(CcType::from_u8(ty), 0.9, 0.5, u, &p);
                assert!((0.0..=1.0).contains(&c));
            }
        }
    }

    #[test]
    fn type_shares_are_respected() {
        let p = Params::defaults();
        assert_eq!(CcType::draw(&p, 0.0), CcType::Conditional);
        assert_eq!(CcType::draw(&p, 0.6), CcType::FreeRider);
        assert_eq!(CcType::draw(&p, 0.8), CcType::Hump);
        assert_eq!(CcType::draw(&p, 0.95), CcType::Other);
    }

    /// The count of cumulative shares reached is the first type whose cumulative share
    /// exceeds the draw, at the boundaries and with empty types too.
    #[test]
    fn type_draw_is_the_first_cumulative_share_above_the_draw() {
        let first_above = |p: &Params, u: f64| {
            let bounds = [
                p.share_conditional,
                p.share_conditional + p.share_free_rider,
                p.share_conditional + p.share_free_rider + p.share_hump,
            ];
            let k = bounds.iter().position(|&b| u < b).unwrap_or(3);
            CcType::from_u8(k as u8)
        };
        for shares in [
            [0.55, 0.23, 0.12],
            [0.0, 0.5, 0.0],
            [0.3, 0.0, 0.7],
            [0.0, 0.0, 0.0],
        ] {
            let mut p = Params::defaults();
            [p.share_conditional, p.share_free_rider, p.share_hump] = shares;
            let edges = [0.0, 0.3, 0.5, 0.55, 0.78, 0.9, 1.0 - f64::EPSILON];
            let grid = (0..1000).map(|k| f64::from(k) / 1000.0);
            for u in grid.chain(edges).chain(edges.map(|e: f64| e.next_up())) {
                assert_eq!(CcType::draw(&p, u), first_above(&p, u), "{shares:?} at {u}");
            }
        }
    }
}
