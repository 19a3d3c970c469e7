//! Organisations (public agencies, third-sector providers): their attributes, how many
//! opportunities they open, how much power they share, and how they learn from outcomes.
//!
//! Owns organisation state and decisions; groups and citizens live elsewhere.

use crate::rng::ModelRng;

use crate::params::Params;
use crate::rng::{normal, unit};

/// One organisation. Attributes are on 0-1 scales; levers are added when read.
#[derive(Clone, Debug)]
pub(crate) struct Org {
    /// Trust in citizens' competence: the mean over its staff (`staff.rs`).
    pub(crate) trust: f64,
    /// Willingness to share decisions: the mean over its staff.
    pub(crate) willingness: f64,
    pub(crate) procedural: f64,
    pub(crate) autonomy: f64,
    pub(crate) openness: f64,
    pub(crate) staff_skill: f64,
    pub(crate) awareness: f64,
    pub(crate) risk_aversion: f64,
    pub(crate) embeddedness: f64,
    /// Running share of its supported groups that succeed, as embedded citizens see it.
    pub(crate) reputation: f64,
    /// Tallies of the current step.
    pub(crate) tally: Tally,
}

/// What an organisation observed this step.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Tally {
    pub(crate) opportunities: u32,
    pub(crate) groups_supported: u32,
    pub(crate) successes: u32,
    /// Sum over supported groups of benefit per member as a share of `benefit_max`.
    pub(crate) value: f64,
    /// Professional input given to groups, drawn from the budget.
    pub(crate) support: f64,
}

impl Org {
    /// Draws one organisation around the scenario means (attribute order as in docs/ODD.md).
    pub(crate) fn draw(p: &Params, rng: &mut ModelRng) -> Org {
        let mut a = |mean: f64| unit(mean + p.spread * normal(rng));
        let trust = a(p.trust_in_citizens_mean);
        Org {
            trust,
            willingness: trust,
            procedural: a(p.procedural_mean),
            autonomy: a(p.autonomy_mean),
            openness: a(p.openness_mean),
            staff_skill: a(p.staff_skill_mean),
            awareness: a(p.awareness_mean),
            risk_aversion: a(p.risk_culture_mean),
            embeddedness: a(p.embeddedness_mean),
            reputation: 0.5,
            tally: Tally::default(),
        }
    }

    /// Autonomy in force: the organisation's own plus the `levers.devolved_autonomy` lever.
    pub(crate) fn autonomy_in_force(&self, p: &Params) -> f64 {
        unit(self.autonomy + p.devolved_autonomy)
    }

    /// Procedural orientation in force: the organisation's own less `levers.procedure_reduction`.
    pub(crate) fn procedural_in_force(&self, p: &Params) -> f64 {
        unit(self.procedural - p.procedure_reduction)
    }

    /// Embeddedness in force: the organisation's own plus the `levers.embedding` lever.
    pub(crate) fn embeddedness_in_force(&self, p: &Params) -> f64 {
        unit(self.embeddedness + p.embedding)
    }

    /// How much the value of citizen input counts given professionals' discretion:
    /// `0.5 + autonomy`, or 1 with the `autonomy_value` channel off.
    fn discretion(&self, p: &Params) -> f64 {
        if p.autonomy_value_channel != 0.0 {
            0.5 + self.autonomy_in_force(p)
        } else {
            1.0
        }
    }

    /// Share of the maximum opportunities the organisation chooses to open:
    /// expected value of citizen input `openness x (0.5 + trust) x (0.5 + autonomy)`
    /// (the autonomy factor is 1 with the `autonomy_value` channel off), minus the
    /// perceived downside `risk_aversion x (1 - trust) / 2`, plus incentives, clamped to 0-1.
    pub(crate) fn propensity(&self, p: &Params) -> f64 {
        let discretion = self.discretion(p);
        let value = self.openness * (0.5 + self.trust) * discretion;
        let downside = 0.5 * self.risk_aversion * (1.0 - self.trust);
        unit(value - downside + p.org_incentives)
    }

    /// Decision power its staff share on average: [`Org::power_with`] its mean willingness.
    pub(crate) fn power(&self, p: &Params) -> f64 {
        self.power_with(self.willingness, p)
    }

    /// Decision power a professional with this willingness shares with a group:
    /// `sqrt(willingness x (1 - procedural)) x (0.5 + autonomy)`, clamped to 0-1, times
    /// `inform_power_share` when the organisation only informs. Professionals can only hand
    /// over what procedure and their discretion let them.
    pub(crate) fn power_with(&self, willingness: f64, p: &Params) -> f64 {
        let willing = libm::sqrt(willingness * (1.0 - self.procedural_in_force(p)));
        let consulted = if p.engagement == 1.0 {
            1.0
        } else {
            p.inform_power_share
        };
        unit(willing * (0.5 + self.autonomy_in_force(p))) * consulted
    }

    /// Monthly chance of contacting a citizen it serves.
    pub(crate) fn contact_rate(&self, p: &Params, low_resource: bool) -> f64 {
        let embedded = if p.embedded_contact_channel != 0.0 {
            0.5 + self.embeddedness_in_force(p)
        } else {
            1.0
        };
        let integrated = 1.0 + p.strategy_integration;
        let outreach = if low_resource && p.outreach_targeting_channel != 0.0 {
            1.0 + 2.0 * p.outreach
        } else {
            1.0
        };
        unit(p.contact_rate * embedded * integrated * outreach)
    }

    /// Share of a success that the organisation books as a deviation:
    /// `procedural_bias x procedural` in force (0 with `channels.procedural_trust_bias` off).
    pub(crate) fn procedural_bias(&self, p: &Params) -> f64 {
        if p.procedural_trust_bias_channel != 0.0 {
            p.procedural_bias * self.procedural_in_force(p)
        } else {
            0.0
        }
    }

    /// End-of-step learning of openness and reputation from this step's tally (docs/ODD.md
    /// 8.16); trust, willingness and skill are its staff's (`staff.rs`).
    pub(crate) fn learn(&mut self, p: &Params) {
        let t = self.tally;
        if t.groups_supported > 0 {
            let success = f64::from(t.successes) / f64::from(t.groups_supported);
            let value = unit(t.value / f64::from(t.groups_supported) * self.discretion(p));
            self.openness += p.openness_learning * (value - self.openness);
            self.reputation += 0.1 * (success - self.reputation);
        }
    }

    /// Mean benefit share of its supported groups this step (0 when none).
    pub(crate) fn value_this_step(&self) -> f64 {
        let t = self.tally;
        if t.groups_supported == 0 {
            0.0
        } else {
            t.value / f64::from(t.groups_supported)
        }
    }
}

/// Organisations move their openness toward that of the organisation whose groups produced
/// most value this step (social learning among public managers).
pub(crate) fn imitate(orgs: &mut [Org], p: &Params) {
    if p.openness_imitation_channel != 0.0 && orgs.len() > 1 {
        let best = orgs
            .iter()
            .enumerate()
            .max_by(|a, b| {
                a.1.value_this_step()
                    .total_cmp(&b.1.value_this_step())
                    .then(b.0.cmp(&a.0))
            })
            .map(|(i, o)| (i, o.openness, o.value_this_step()));
        if let Some((best_index, best_openness, _)) = best.filter(|b| b.2 > 0.0) {
            for (i, o) in orgs.iter_mut().enumerate() {
                if i != best_index {
                    o.openness += p.imitation * (best_openness - o.openness);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The memory estimate counts an organisation as `BYTES_PER_ORG`.
    #[test]
    fn an_organisation_takes_the_bytes_the_memory_estimate_counts() {
        assert_eq!(
            std::mem::size_of::<Org>() as u64,
            crate::params::BYTES_PER_ORG
        );
    }

    fn org() -> Org {
        let p = Params::defaults();
        let mut rng = crate::rng::stream(1, crate::rng::Stream::Organisations);
        let mut o = Org::draw(&p, &mut rng);
        o.trust = 0.5;
        o.procedural = 0.5;
        o.autonomy = 0.5;
        o.openness = 0.5;
        o
    }

    #[test]
    fn autonomy_raises_propensity_and_power() {
        let p = Params::defaults();
        let mut q = p.clone();
        q.devolved_autonomy = 0.4;
        let o = org();
        assert!(o.propensity(&q) > o.propensity(&p));
        assert!(o.power(&q) > o.power(&p));
    }

    #[test]
    fn procedural_orientation_biases_trust_down() {
        let p = Params::defaults();
        let mut orgs = vec![org(), org()];
        orgs[0].procedural = 0.1;
        orgs[1].procedural = 0.9;
        let mut q = p.clone();
        q.staff_per_org = 1.0;
        let mut staff = crate::staff::Staff::draw(&q, &orgs, 1);
        for s in 0..2 {
            staff.trust[s] = 0.5;
            staff.supported[s] = 4;
            staff.successes[s] = 4;
        }
        staff.learn(&q, &orgs);
        assert!(staff.trust[0] > staff.trust[1]);
        assert!(orgs[0].procedural_bias(&p) < orgs[1].procedural_bias(&p));
    }

    #[test]
    fn willing_professionals_share_more_power() {
        let p = Params::defaults();
        let o = org();
        assert!(o.power_with(0.9, &p) > o.power_with(0.2, &p));
        assert_eq!(o.power(&p), o.power_with(o.willingness, &p));
    }

    #[test]
    fn risk_aversion_lowers_propensity() {
        let p = Params::defaults();
        let mut a = org();
        let mut b = org();
        a.risk_aversion = 0.1;
        b.risk_aversion = 0.9;
        assert!(a.propensity(&p) > b.propensity(&p));
    }
}
