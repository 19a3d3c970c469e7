//! Citizens as structure-of-arrays state, and how they are drawn at the start of a run.
//!
//! Owns citizen attributes and their initial distributions; the decisions citizens take
//! live in the mechanism modules (`groups`, `model`).

use crate::rng::ModelRng;

use crate::contribution::CcType;
use crate::params::Params;
use crate::rng::{self, Stream, halves, normal32_from, uniform_word, unit};

/// Marks a citizen who is in no group.
pub(crate) const NO_GROUP: u32 = u32::MAX;

/// Bit flags in [`Citizens::flags`].
pub(crate) mod flag {
    /// Low-resource group.
    pub(crate) const LOW_RESOURCE: u8 = 1;
    /// Believes civic duty ends with taxes.
    pub(crate) const DUTY: u8 = 2;
    /// Personally affected by the current service issue.
    pub(crate) const AFFECTED: u8 = 4;
    /// Aware of co-production opportunities (bit 3; the scan for candidates to join,
    /// `groups::aware_and_free`, relies on this bit and the next being `AWARE` and `MEMBER`).
    pub(crate) const AWARE: u8 = 8;
    /// In a group: set exactly when [`Citizens::group`](super::Citizens) is not `NO_GROUP`,
    /// so that scans for free citizens read one byte per citizen.
    pub(crate) const MEMBER: u8 = 16;
    /// The conditional-cooperation type (`CcType as u8`) sits in these bits.
    pub(crate) const CC_TYPE_SHIFT: u8 = 5;
    pub(crate) const CC_TYPE: u8 = 3 << CC_TYPE_SHIFT;
}

/// All citizens, one vector per attribute (0-1 scales unless stated).
pub(crate) struct Citizens {
    /// Internal (personal) efficacy: "I can make a difference"; grows with resources and
    /// with one's own groups' successes.
    pub(crate) efficacy: Vec<f32>,
    /// External efficacy: "the system responds to people like me"; follows the power
    /// organisations share and whether input is taken up.
    pub(crate) external_efficacy: Vec<f32>,
    pub(crate) skill: Vec<f32>,
    pub(crate) time: Vec<f32>,
    pub(crate) motivation: Vec<f32>,
    pub(crate) risk_aversion: Vec<f32>,
    pub(crate) ownership: Vec<f32>,
    pub(crate) trust: Vec<f32>,
    /// Belief about what fellow members contribute (share of effort).
    pub(crate) belief: Vec<f32>,
    /// Index of the group in the model's group table, or [`NO_GROUP`]; change it only with
    /// [`Columns::enlist`] and [`Citizens::free`], which keep [`flag::MEMBER`] in step.
    pub(crate) group: Vec<u32>,
    pub(crate) steps_participated: Vec<u16>,
    /// The [`flag`] bits and the conditional-cooperation type.
    pub(crate) flags: Vec<u8>,
    /// Citizens are numbered community by community (`network::community_range`), so a
    /// citizen's community follows from its number and is not stored.
    n_communities: u32,
}

/// The columns of [`Citizens`] as slices borrowed apart, for the loops of a step that
/// read some columns and write others: the compiler then keeps each slice at hand instead
/// of reloading it after every write.
pub(crate) struct Columns<'a> {
    pub(crate) efficacy: &'a mut [f32],
    pub(crate) external_efficacy: &'a mut [f32],
    pub(crate) skill: &'a [f32],
    pub(crate) time: &'a [f32],
    pub(crate) motivation: &'a mut [f32],
    pub(crate) risk_aversion: &'a [f32],
    pub(crate) ownership: &'a mut [f32],
    pub(crate) trust: &'a mut [f32],
    pub(crate) belief: &'a mut [f32],
    pub(crate) group: &'a mut [u32],
    pub(crate) steps_participated: &'a mut [u16],
    pub(crate) flags: &'a mut [u8],
}

impl Columns<'_> {
    /// Citizen `i` joins group `g` (the caller adds `i` to the group's member list): aware
    /// and a member.
    #[inline]
    pub(crate) fn enlist(&mut self, i: u32, g: u32) {
        let u = i as usize;
        self.group[u] = g;
        self.flags[u] |= flag::AWARE | flag::MEMBER;
    }

    #[inline]
    pub(crate) fn cc_type(&self, i: u32) -> CcType {
        cc_type_of(self.flags[i as usize])
    }
}

/// The conditional-cooperation type kept in a citizen's flags byte.
#[inline]
fn cc_type_of(flags: u8) -> CcType {
    CcType::from_u8((flags & flag::CC_TYPE) >> flag::CC_TYPE_SHIFT)
}

/// A 0-1 attribute drawn as `mean + sd * z`, clamped, with `z` from the 32-bit word `bits`
/// in about 99% of cases (`rng::normal32_from`).
#[inline]
fn attribute(bits: u32, rng: &mut ModelRng, mean: f64, sd: f64) -> f32 {
    unit(mean + sd * normal32_from(bits, rng)) as f32
}

/// One citizen's drawn attributes, in the order of their draws.
struct Drawn {
    efficacy: f32,
    skill: f32,
    time: f32,
    motivation: f32,
    risk_aversion: f32,
    ownership: f32,
    trust: f32,
    belief: f32,
    /// The low-resource, duty and affected bits and the conditional-cooperation type.
    flags: u8,
    external_efficacy: f32,
}

/// Draws every citizen's attributes, citizen by citizen, in index order, from the
/// population stream, and hands each to `each`. The order of draws per citizen is
/// documented in docs/ODD.md: a citizen's thirteen 32-bit words come in pairs from one
/// 64-bit draw each (`rng::halves`), the last pair's second half unused.
fn draw_citizens(p: &Params, seed: u64, mut each: impl FnMut(usize, Drawn)) {
    let n = p.n_citizens as u32;
    let n_communities = p.n_communities as u32;
    let mut rng = rng::stream(seed, Stream::Population);
    let sd = p.attribute_sd;
    let n_deprived = n_communities / 2;
    let low_share = [
        deprived_low_share(p),
        affluent_low_share(p, n_deprived, n_communities),
    ];
    let communities = crate::network::community_ranges(n, n_communities);
    for (community, (start, end)) in (0..).zip(communities) {
        // Where a citizen lives sets their chance of being low-resource.
        let place = usize::from(!is_deprived(community, n_communities));
        for i in start..end {
            let drawn = draw_citizen(p, &mut rng, low_share[place], sd);
            each(i as usize, drawn);
        }
    }
}

/// One citizen's draws (docs/ODD.md section 6), `low_share` its chance to be low-resource.
#[inline]
fn draw_citizen(p: &Params, rng: &mut ModelRng, low_share: f64, sd: f64) -> Drawn {
    let (w_low, w_efficacy) = halves(rng);
    let low = uniform_word(w_low) < low_share;
    let shift = if low {
        -p.resource_gap / 2.0
    } else {
        p.resource_gap / 2.0
    };
    let efficacy_shift = if low { -0.5 } else { 0.5 } * p.efficacy_gap;
    let efficacy = attribute(w_efficacy, rng, p.efficacy_mean + efficacy_shift, sd);
    let (w_skill, w_time) = halves(rng);
    let skill = attribute(w_skill, rng, p.skill_mean + shift, sd);
    let time = attribute(w_time, rng, p.time_mean + shift, sd);
    let (w_motivation, w_risk) = halves(rng);
    let motivation = attribute(w_motivation, rng, p.motivation_mean, sd);
    let risk_aversion = attribute(w_risk, rng, p.risk_aversion_mean, sd);
    let (w_ownership, w_trust) = halves(rng);
    let ownership = attribute(w_ownership, rng, p.ownership_mean, sd);
    let trust = attribute(w_trust, rng, p.trust_mean, sd);
    let (w_belief, w_duty) = halves(rng);
    let belief = attribute(w_belief, rng, p.belief_mean, sd);
    let mut flags = 0;
    if low {
        flags |= flag::LOW_RESOURCE;
    }
    if uniform_word(w_duty) < p.duty_share {
        flags |= flag::DUTY;
    }
    let (w_affected, w_type) = halves(rng);
    if uniform_word(w_affected) < p.affected_share {
        flags |= flag::AFFECTED;
    }
    let ty = CcType::draw(p, uniform_word(w_type));
    flags |= (ty as u8) << flag::CC_TYPE_SHIFT;
    let (w_external, _) = halves(rng);
    let external_efficacy = attribute(w_external, rng, p.external_efficacy_mean, sd);
    Drawn {
        efficacy,
        skill,
        time,
        motivation,
        risk_aversion,
        ownership,
        trust,
        belief,
        flags,
        external_efficacy,
    }
}

/// Every citizen's initial internal efficacy, drawn again exactly as [`Citizens::new`] drew
/// it (the same stream, the same draws): the citizen records report it, and keeping it for
/// the whole run would cost 4 bytes per citizen.
pub(crate) fn initial_efficacy(p: &Params, seed: u64) -> Vec<f32> {
    let mut efficacy = vec![0.0f32; p.n_citizens as usize];
    draw_citizens(p, seed, |i, d| efficacy[i] = d.efficacy);
    efficacy
}

impl Citizens {
    /// Draws every citizen's attributes ([`draw_citizens`]).
    pub(crate) fn new(p: &Params, seed: u64) -> Citizens {
        let mut c = Citizens::zeroed(p.n_citizens as usize, p.n_communities as u32);
        // The columns as slices moved into the closure: written through the `Vec`s, each
        // store made the compiler load the next column's address and length again.
        let (efficacy, skill, time) = (&mut c.efficacy[..], &mut c.skill[..], &mut c.time[..]);
        let (motivation, risk_aversion) = (&mut c.motivation[..], &mut c.risk_aversion[..]);
        let (ownership, trust, belief) =
            (&mut c.ownership[..], &mut c.trust[..], &mut c.belief[..]);
        let (flags, external_efficacy) = (&mut c.flags[..], &mut c.external_efficacy[..]);
        draw_citizens(p, seed, move |i, d| {
            efficacy[i] = d.efficacy;
            skill[i] = d.skill;
            time[i] = d.time;
            motivation[i] = d.motivation;
            risk_aversion[i] = d.risk_aversion;
            ownership[i] = d.ownership;
            trust[i] = d.trust;
            belief[i] = d.belief;
            flags[i] = d.flags;
            external_efficacy[i] = d.external_efficacy;
        });
        c
    }

    /// Every citizen at zero, in no group, not aware.
    fn zeroed(n: usize, n_communities: u32) -> Citizens {
        let f = || vec![0.0f32; n];
        Citizens {
            efficacy: f(),
            external_efficacy: f(),
            skill: f(),
            time: f(),
            motivation: f(),
            risk_aversion: f(),
            ownership: f(),
            trust: f(),
            belief: f(),
            group: vec![NO_GROUP; n],
            steps_participated: vec![0; n],
            flags: vec![0; n],
            n_communities,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.efficacy.len()
    }

    #[inline]
    pub(crate) fn has(&self, i: u32, f: u8) -> bool {
        self.flags[i as usize] & f != 0
    }

    /// The community citizen `i` lives in.
    #[inline]
    pub(crate) fn community(&self, i: u32) -> u32 {
        crate::network::community_of(i, self.len() as u32, self.n_communities)
    }

    pub(crate) fn cc_type(&self, i: u32) -> CcType {
        cc_type_of(self.flags[i as usize])
    }

    /// Every column as a slice of its own.
    pub(crate) fn columns(&mut self) -> Columns<'_> {
        Columns {
            efficacy: &mut self.efficacy,
            external_efficacy: &mut self.external_efficacy,
            skill: &self.skill,
            time: &self.time,
            motivation: &mut self.motivation,
            risk_aversion: &self.risk_aversion,
            ownership: &mut self.ownership,
            trust: &mut self.trust,
            belief: &mut self.belief,
            group: &mut self.group,
            steps_participated: &mut self.steps_participated,
            flags: &mut self.flags,
        }
    }

    #[cfg(test)]
    pub(crate) fn set_cc_type(&mut self, i: u32, ty: CcType) {
        let f = &mut self.flags[i as usize];
        *f = (*f & !flag::CC_TYPE) | ((ty as u8) << flag::CC_TYPE_SHIFT);
    }

    /// Citizen `i` is in no group any more.
    #[inline]
    pub(crate) fn free(&mut self, i: u32) {
        self.group[i as usize] = NO_GROUP;
        self.flags[i as usize] &= !flag::MEMBER;
    }
}

/// Whether community `c` is one of the deprived communities: the first `floor(C / 2)`.
/// With segregation 0 the label changes nothing but which outputs a community counts in.
#[inline]
pub(crate) fn is_deprived(c: u32, n_communities: u32) -> bool {
    c < n_communities / 2
}

/// Chance a citizen of a deprived community is low-resource: `min(1, L (1 + s))`.
fn deprived_low_share(p: &Params) -> f64 {
    (p.low_resource_share * (1.0 + p.segregation)).min(1.0)
}

/// Chance a citizen of an affluent community is low-resource, chosen so that the expected
/// low-resource share of the whole population stays `L`: `clamp01((L C - p_d D) / A)`
/// with `D` deprived and `A = C - D` affluent communities.
fn affluent_low_share(p: &Params, n_deprived: u32, n_communities: u32) -> f64 {
    let affluent = f64::from(n_communities - n_deprived);
    let l = p.low_resource_share;
    unit((l * f64::from(n_communities) - deprived_low_share(p) * f64::from(n_deprived)) / affluent)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::community_range;

    #[test]
    fn communities_match_ranges() {
        for &(n, k) in &[(100u32, 7u32), (10, 10), (1000, 3)] {
            let mut p = Params::defaults();
            p.n_citizens = f64::from(n);
            p.n_communities = f64::from(k);
            let citizens = Citizens::new(&p, 1);
            for c in 0..k {
                let (a, b) = community_range(c, n, k);
                assert!((a..b).all(|i| citizens.community(i) == c));
            }
        }
    }

    #[test]
    fn segregation_concentrates_low_resource_citizens_in_deprived_communities() {
        let mut p = Params::defaults();
        p.set("population.n_citizens", 20_000.0).unwrap();
        p.set("population.n_communities", 10.0).unwrap();
        p.set("population.low_resource_share", 0.4).unwrap();
        p.set("population.segregation", 0.5).unwrap();
        let c = Citizens::new(&p, 3);
        let share = |deprived: bool| {
            let xs: Vec<bool> = (0..c.len())
                .filter(|&i| is_deprived(c.community(i as u32), 10) == deprived)
                .map(|i| c.has(i as u32, flag::LOW_RESOURCE))
                .collect();
            xs.iter().filter(|&&l| l).count() as f64 / xs.len() as f64
        };
        assert!((share(true) - 0.6).abs() < 0.02, "{}", share(true));
        assert!((share(false) - 0.2).abs() < 0.02, "{}", share(false));
        let all = (0..c.len() as u32)
            .filter(|&i| c.has(i, flag::LOW_RESOURCE))
            .count() as f64
            / c.len() as f64;
        assert!((all - 0.4).abs() < 0.015, "{all}");
        // More segregation than the affluent communities can absorb is clamped.
        p.set("population.low_resource_share", 0.8).unwrap();
        p.set("population.segregation", 1.0).unwrap();
        assert_eq!(deprived_low_share(&p), 1.0);
        assert!((affluent_low_share(&p, 5, 10) - 0.6).abs() < 1e-12);
    }

    #[test]
    fn resource_groups_differ_in_skill_time_and_internal_efficacy_only() {
        let mut p = Params::defaults();
        p.set("population.n_citizens", 20_000.0).unwrap();
        p.set("population.resource_gap", 0.3).unwrap();
        p.set("citizens.efficacy_gap", 0.1).unwrap();
        let c = Citizens::new(&p, 5);
        let mean = |v: &Vec<f32>, low: bool| {
            let xs: Vec<f64> = (0..c.len())
                .filter(|&i| c.has(i as u32, flag::LOW_RESOURCE) == low)
                .map(|i| f64::from(v[i]))
                .collect();
            xs.iter().sum::<f64>() / xs.len() as f64
        };
        assert!(mean(&c.skill, false) - mean(&c.skill, true) > 0.25);
        assert!(mean(&c.time, false) - mean(&c.time, true) > 0.25);
        let gap = mean(&c.efficacy, false) - mean(&c.efficacy, true);
        assert!((gap - 0.1).abs() < 0.02, "{gap}");
        let external = mean(&c.external_efficacy, false) - mean(&c.external_efficacy, true);
        assert!(external.abs() < 0.02, "{external}");
        assert!((mean(&c.motivation, false) - mean(&c.motivation, true)).abs() < 0.02);
    }
}
