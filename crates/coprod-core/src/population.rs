//! Citizens as structure-of-arrays state, and how they are drawn at the start of a run.
//!
//! Owns citizen attributes and their initial distributions; the decisions citizens take
//! live in the mechanism modules (`groups`, `model`).

use rand::rngs::ChaCha8Rng;

use crate::contribution::CcType;
use crate::params::Params;
use crate::rng::{self, Stream, chance, normal, uniform, unit};

/// Marks a citizen who is in no group.
pub(crate) const NO_GROUP: u32 = u32::MAX;

/// Bytes of citizen state per citizen (excluding the network), for memory estimates.
pub(crate) const BYTES_PER_CITIZEN: u64 = 11 * 4 + 4 + 4 + 2 + 1 + 1;

/// Bit flags in [`Citizens::flags`].
pub(crate) mod flag {
    /// Low-resource group.
    pub(crate) const LOW_RESOURCE: u8 = 1;
    /// Believes civic duty ends with taxes.
    pub(crate) const DUTY: u8 = 2;
    /// Personally affected by the current service issue.
    pub(crate) const AFFECTED: u8 = 4;
    /// Aware of co-production opportunities.
    pub(crate) const AWARE: u8 = 8;
}

/// All citizens, one vector per attribute (0-1 scales unless stated).
pub(crate) struct Citizens {
    pub(crate) efficacy: Vec<f32>,
    pub(crate) initial_efficacy: Vec<f32>,
    pub(crate) skill: Vec<f32>,
    pub(crate) time: Vec<f32>,
    pub(crate) motivation: Vec<f32>,
    pub(crate) risk_aversion: Vec<f32>,
    pub(crate) ownership: Vec<f32>,
    pub(crate) trust: Vec<f32>,
    /// Belief about what fellow members contribute (share of effort).
    pub(crate) belief: Vec<f32>,
    /// Satisfaction with the current group (running payoff).
    pub(crate) satisfaction: Vec<f32>,
    /// Last contribution (share of effort), what peers see.
    pub(crate) contribution: Vec<f32>,
    pub(crate) community: Vec<u32>,
    /// Index of the group in the model's group table, or [`NO_GROUP`].
    pub(crate) group: Vec<u32>,
    pub(crate) steps_participated: Vec<u16>,
    pub(crate) flags: Vec<u8>,
    pub(crate) cc_type: Vec<u8>,
}

/// A 0-1 attribute drawn as `mean + sd * z`, clamped.
fn attribute(rng: &mut ChaCha8Rng, mean: f64, sd: f64) -> f32 {
    unit(mean + sd * normal(rng)) as f32
}

impl Citizens {
    /// Draws every citizen's attributes, citizen by citizen, in index order, from the
    /// population stream. The order of draws per citizen is documented in docs/ODD.md.
    pub(crate) fn new(p: &Params, seed: u64) -> Citizens {
        let n = p.n_citizens as usize;
        let n_communities = p.n_communities as u32;
        let mut rng = rng::stream(seed, Stream::Population);
        let mut c = Citizens::zeroed(n);
        let sd = p.attribute_sd;
        for i in 0..n {
            let low = chance(&mut rng, p.low_resource_share);
            let shift = if low {
                -p.resource_gap / 2.0
            } else {
                p.resource_gap / 2.0
            };
            let efficacy = attribute(&mut rng, p.efficacy_mean, sd);
            c.efficacy[i] = efficacy;
            c.initial_efficacy[i] = efficacy;
            c.skill[i] = attribute(&mut rng, p.skill_mean + shift, sd);
            c.time[i] = attribute(&mut rng, p.time_mean + shift, sd);
            c.motivation[i] = attribute(&mut rng, p.motivation_mean, sd);
            c.risk_aversion[i] = attribute(&mut rng, p.risk_aversion_mean, sd);
            c.ownership[i] = attribute(&mut rng, p.ownership_mean, sd);
            c.trust[i] = attribute(&mut rng, p.trust_mean, sd);
            c.belief[i] = attribute(&mut rng, p.belief_mean, sd);
            let mut flags = 0;
            if low {
                flags |= flag::LOW_RESOURCE;
            }
            if chance(&mut rng, p.duty_share) {
                flags |= flag::DUTY;
            }
            if chance(&mut rng, p.affected_share) {
                flags |= flag::AFFECTED;
            }
            c.flags[i] = flags;
            c.cc_type[i] = CcType::draw(p, uniform(&mut rng)) as u8;
        }
        for comm in 0..n_communities {
            let (a, b) = crate::network::community_range(comm, n as u32, n_communities);
            c.community[a as usize..b as usize].fill(comm);
        }
        c
    }

    /// Every citizen at zero, in no group, not aware.
    fn zeroed(n: usize) -> Citizens {
        let f = || vec![0.0f32; n];
        Citizens {
            efficacy: f(),
            initial_efficacy: f(),
            skill: f(),
            time: f(),
            motivation: f(),
            risk_aversion: f(),
            ownership: f(),
            trust: f(),
            belief: f(),
            satisfaction: f(),
            contribution: f(),
            community: vec![0; n],
            group: vec![NO_GROUP; n],
            steps_participated: vec![0; n],
            flags: vec![0; n],
            cc_type: vec![0; n],
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.efficacy.len()
    }

    #[inline]
    pub(crate) fn has(&self, i: u32, f: u8) -> bool {
        self.flags[i as usize] & f != 0
    }
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
                assert!((a..b).all(|i| citizens.community[i as usize] == c));
            }
        }
    }

    #[test]
    fn resource_groups_differ_in_skill_and_time_only() {
        let mut p = Params::defaults();
        p.set("population.n_citizens", 20_000.0).unwrap();
        p.set("population.resource_gap", 0.3).unwrap();
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
        assert!((mean(&c.efficacy, false) - mean(&c.efficacy, true)).abs() < 0.02);
    }
}
