//! Street-level professionals: the staff each organisation employs, their attitudes toward
//! citizen input, which groups they support, and how their attitudes change with what they
//! experience (docs/ODD.md 8.16, "Staff").
//!
//! Owns staff state, assignment of groups to staff, and staff learning. An organisation's
//! trust in citizens, willingness to share decisions, risk culture and staff skill are the
//! means over its staff (`aggregate`); the power a group holds and the skill it meets are
//! those of the staff member assigned to it.

use crate::organisations::Org;
use crate::params::Params;
use crate::rng::{self, Stream, normal, unit};

/// Marks a group with no staff member (an unsupported initiative).
pub(crate) const NO_STAFF: u32 = u32::MAX;

/// All staff, one vector per attribute (0-1 scales). Organisation `o` employs staff
/// `o * per_org .. (o + 1) * per_org`.
#[derive(Clone, Debug)]
pub(crate) struct Staff {
    pub(crate) per_org: u32,
    /// Trust in citizens' competence.
    pub(crate) trust: Vec<f64>,
    /// Willingness to share decisions with citizens.
    pub(crate) willingness: Vec<f64>,
    pub(crate) risk_aversion: Vec<f64>,
    /// Co-production skill.
    pub(crate) skill: Vec<f64>,
    /// Groups currently assigned (forming or started).
    pub(crate) load: Vec<u32>,
    /// Started groups supported this step, and of those the successes.
    pub(crate) supported: Vec<u32>,
    pub(crate) successes: Vec<u32>,
}

impl Staff {
    /// Draws `orgs.staff_per_org` staff per organisation from the `staff` stream, around
    /// the organisation's drawn attributes: for each organisation in order, for each staff
    /// member in order, trust, willingness, risk aversion and skill, each
    /// `clamp01(N~(org value, orgs.staff_sd))` (willingness around the organisation's trust).
    pub(crate) fn draw(p: &Params, orgs: &[Org], seed: u64) -> Staff {
        let per_org = p.staff_per_org as u32;
        let n = orgs.len() * per_org as usize;
        let mut rng = rng::stream(seed, Stream::Staff);
        let mut s = Staff {
            per_org,
            trust: Vec::with_capacity(n),
            willingness: Vec::with_capacity(n),
            risk_aversion: Vec::with_capacity(n),
            skill: Vec::with_capacity(n),
            load: vec![0; n],
            supported: vec![0; n],
            successes: vec![0; n],
        };
        for o in orgs {
            for _ in 0..per_org {
                let mut a = |mean: f64| unit(mean + p.staff_sd * normal(&mut rng));
                s.trust.push(a(o.trust));
                s.willingness.push(a(o.trust));
                s.risk_aversion.push(a(o.risk_aversion));
                s.skill.push(a(o.staff_skill));
            }
        }
        s
    }

    pub(crate) fn len(&self) -> usize {
        self.trust.len()
    }

    /// The organisation that employs staff member `s`.
    #[inline]
    pub(crate) fn org_of(&self, s: u32) -> u32 {
        s / self.per_org
    }

    /// Assigns a new group of organisation `o` to its staff member with the fewest groups
    /// (the lowest index among equals): caseloads are shared out.
    pub(crate) fn assign(&mut self, o: u32) -> u32 {
        let first = o * self.per_org;
        let chosen = (first..first + self.per_org)
            .min_by_key(|&s| (self.load[s as usize], s))
            .expect("at least one staff member per organisation");
        self.load[chosen as usize] += 1;
        chosen
    }

    /// The group assigned to `s` has ended.
    pub(crate) fn release(&mut self, s: u32) {
        if s != NO_STAFF {
            self.load[s as usize] -= 1;
        }
    }

    /// Decision power staff member `s` shares with a group:
    /// `clamp01(sqrt(willingness x (1 - procedural)) x (0.5 + autonomy))`, times
    /// `inform_power_share` when organisations only inform. The procedure and the
    /// discretion are the organisation's; the willingness is the professional's own.
    pub(crate) fn power(&self, s: u32, org: &Org, p: &Params) -> f64 {
        org.power_with(self.willingness[s as usize], p)
    }

    /// Skill of staff member `s`, or the organisation's mean skill for none.
    pub(crate) fn skill_of(&self, s: u32, org: &Org) -> f64 {
        if s == NO_STAFF {
            org.staff_skill
        } else {
            self.skill[s as usize]
        }
    }

    /// End-of-step learning of every staff member from the groups they supported this
    /// step (intergroup contact; coping with caseload), then training; tallies reset.
    pub(crate) fn learn(&mut self, p: &Params, orgs: &[Org]) {
        for s in 0..self.len() {
            let org = &orgs[self.org_of(s as u32) as usize];
            let n = self.supported[s];
            let workload = f64::from(n) / p.staff_capacity;
            if n > 0 {
                let success = f64::from(self.successes[s]) / f64::from(n);
                if p.trust_feedback_channel != 0.0 {
                    let perceived = success * (1.0 - org.procedural_bias(p));
                    self.trust[s] += p.trust_learning * (perceived - self.trust[s]);
                }
                // Overloaded professionals cope by moving away from citizens (Tummers et al.
                // 2015): willingness follows trust, divided by the overload.
                let target = self.trust[s] / workload.max(1.0);
                self.willingness[s] += p.willingness_learning * (target - self.willingness[s]);
            }
            let k = self.skill[s];
            self.skill[s] = unit(
                k + p.skill_learning * workload.min(1.0) * (1.0 - k) + p.staff_training * (1.0 - k),
            );
            self.supported[s] = 0;
            self.successes[s] = 0;
        }
    }

    /// Writes each organisation's means over its staff: trust in citizens, willingness,
    /// risk culture and staff skill.
    pub(crate) fn aggregate(&self, orgs: &mut [Org]) {
        let k = self.per_org as usize;
        let mean = |v: &[f64], o: usize| v[o * k..(o + 1) * k].iter().sum::<f64>() / k as f64;
        for (o, org) in orgs.iter_mut().enumerate() {
            org.trust = mean(&self.trust, o);
            org.willingness = mean(&self.willingness, o);
            org.risk_aversion = mean(&self.risk_aversion, o);
            org.staff_skill = mean(&self.skill, o);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (Params, Vec<Org>, Staff) {
        let mut p = Params::defaults();
        p.staff_per_org = 3.0;
        let mut rng = rng::stream(1, Stream::Organisations);
        let orgs: Vec<Org> = (0..2).map(|_| Org::draw(&p, &mut rng)).collect();
        let staff = Staff::draw(&p, &orgs, 1);
        (p, orgs, staff)
    }

    #[test]
    fn staff_belong_to_their_organisation_and_caseloads_are_shared() {
        let (_, _, mut staff) = setup();
        assert_eq!(staff.len(), 6);
        assert_eq!(staff.org_of(2), 0);
        assert_eq!(staff.org_of(3), 1);
        let picks: Vec<u32> = (0..4).map(|_| staff.assign(1)).collect();
        assert_eq!(picks, vec![3, 4, 5, 3]);
        staff.release(4);
        assert_eq!(staff.assign(1), 4);
        assert_eq!(&staff.load[..3], &[0, 0, 0]);
    }

    #[test]
    fn contact_with_successful_groups_builds_trust_and_willingness() {
        let (p, orgs, mut staff) = setup();
        staff.trust[0] = 0.3;
        staff.willingness[0] = 0.3;
        staff.trust[1] = 0.3;
        staff.willingness[1] = 0.3;
        for _ in 0..30 {
            staff.supported[0] = 1;
            staff.successes[0] = 1;
            staff.supported[1] = 1;
            staff.successes[1] = 0;
            staff.learn(&p, &orgs);
        }
        assert!(staff.trust[0] > 0.5 && staff.willingness[0] > 0.4);
        assert!(staff.trust[1] < 0.1 && staff.willingness[1] < 0.2);
    }

    #[test]
    fn overload_lowers_willingness_but_not_trust() {
        let (mut p, orgs, mut staff) = setup();
        p.procedural_bias = 0.0;
        p.staff_capacity = 1.0;
        for s in [0, 1] {
            staff.trust[s] = 0.8;
            staff.willingness[s] = 0.8;
        }
        for _ in 0..40 {
            staff.supported[0] = 1;
            staff.successes[0] = 1;
            staff.supported[1] = 4;
            staff.successes[1] = 4;
            staff.learn(&p, &orgs);
        }
        assert!((staff.trust[0] - staff.trust[1]).abs() < 1e-12);
        assert!(staff.willingness[1] < 0.5 * staff.willingness[0]);
    }

    #[test]
    fn organisations_report_their_staff_means() {
        let (_, mut orgs, mut staff) = setup();
        staff.trust[..3].copy_from_slice(&[0.2, 0.4, 0.9]);
        staff.aggregate(&mut orgs);
        assert!((orgs[0].trust - 0.5).abs() < 1e-12);
    }
}
