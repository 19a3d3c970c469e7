//! The forces that make group size matter, measured in a run: per (variant, size cap), what
//! started groups put into their task against what it needed, month by month, from the
//! production columns of groups.csv (`coprod_core::GroupLife`).
//!
//! Owns the split of a group's input-to-need ratio into the factors of the lesson. Pooled
//! over the groups of a cell, the ratio of summed input to summed need is exactly the product
//!
//! `members per month x effort per member in the first month x decay over the life x pooling
//! x kept after coordination x staff factor / effort needed per month`,
//!
//! so between two sizes the ratio changes by the product of the factors' changes, and each
//! force's share of the change is read off the run, not off a formula.

use coprod_core::GroupLife;

/// The production of the started groups of one cell, summed.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct LifeTotals {
    /// Started groups that produced at least one month.
    pub groups: u64,
    /// Each group's first-month effort per member times its member-months, summed: the
    /// effort the groups would have given had every member kept giving what that group's
    /// members gave in its first month. Comparing each group with its own start keeps the
    /// decay of conditional cooperation apart from which groups lasted.
    pub first_matched: f64,
    /// The [`GroupLife`] sums, added up over the groups.
    pub life: GroupLife,
}

impl LifeTotals {
    /// Adds one started group of `first_members` members at formation.
    pub fn push(&mut self, first_members: u64, life: &GroupLife) {
        if life.months == 0 {
            return;
        }
        let first_matched = if first_members > 0 {
            life.first_effort / first_members as f64 * f64::from(life.member_months)
        } else {
            0.0
        };
        self.add(&LifeTotals {
            groups: 1,
            first_matched,
            life: *life,
        });
    }

    /// Adds another cell's totals.
    pub fn add(&mut self, other: &LifeTotals) {
        self.groups += other.groups;
        self.first_matched += other.first_matched;
        let (l, o) = (&mut self.life, &other.life);
        l.months += o.months;
        l.member_months += o.member_months;
        l.first_effort += o.first_effort;
        l.effort += o.effort;
        l.labour += o.labour;
        l.coordinated += o.coordinated;
        l.input += o.input;
        l.needed += o.needed;
        l.months_met += o.months_met;
    }

    /// The per-month quantities; NaN where a denominator is 0 (no group produced).
    pub fn forces(&self) -> Forces {
        let l = &self.life;
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { f64::NAN };
        let months = f64::from(l.months);
        let member_months = f64::from(l.member_months);
        Forces {
            groups: self.groups,
            members: ratio(member_months, months),
            first_effort: ratio(self.first_matched, member_months),
            decay: ratio(l.effort, self.first_matched),
            pooling: ratio(l.labour, l.effort),
            kept: ratio(l.coordinated, l.labour),
            staff: ratio(l.input, l.coordinated),
            needed: ratio(l.needed, months),
            input_to_need: ratio(l.input, l.needed),
            met: ratio(f64::from(l.months_met), months),
        }
    }
}

/// What the started groups of one cell did per producing month, pooled over groups and
/// replications (every ratio is of sums, so long-lived groups weigh by their months).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Forces {
    /// Started groups that produced.
    pub groups: u64,
    /// Members per producing month: the hands (capacity).
    pub members: f64,
    /// Effort per member in the group's first month (contribution x capacity), weighted by
    /// the group's member-months: free riding before anyone has learned from the others,
    /// lower where fewer peers watch.
    pub first_effort: f64,
    /// Effort over the groups' lives divided by what their members gave in each group's
    /// first month (each group against its own start): below 1 when conditional
    /// cooperation decays.
    pub decay: f64,
    /// Labour per unit of members' effort (1 unless `channels.size_capacity` is off).
    pub pooling: f64,
    /// Share of labour left after coordination cost.
    pub kept: f64,
    /// Citizen input per unit of coordinated labour (the skill of the supporting staff).
    pub staff: f64,
    /// Effort the task needed per month (the minimum viable effort, which grows with
    /// members: the hurdle).
    pub needed: f64,
    /// Citizen input over effort needed: at least 1 in a month the task was met.
    pub input_to_need: f64,
    /// Share of producing months in which the task was met.
    pub met: f64,
}

/// One force of the lesson and its measured factor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Force {
    /// More members, more hands (members per month, times pooling).
    Capacity,
    /// The task needs more effort the more members it serves.
    Hurdle,
    /// Effort per member in the first month (monitoring diluted by size).
    FreeRiding,
    /// How effort per member falls over the group's life.
    Decay,
    /// Labour lost to coordination.
    Coordination,
    /// The staff factor (not a force of size; listed so the factors multiply out).
    Staff,
}

impl Force {
    /// Every factor, in the order of the page's table.
    pub const ALL: [Force; 6] = [
        Force::Capacity,
        Force::Hurdle,
        Force::FreeRiding,
        Force::Decay,
        Force::Coordination,
        Force::Staff,
    ];

    /// The force's name on the page.
    pub fn label(self) -> &'static str {
        match self {
            Force::Capacity => "capacity (members per month)",
            Force::Hurdle => "hurdle (effort the task needs, inverted)",
            Force::FreeRiding => "free riding at the start (effort per member, first month)",
            Force::Decay => "decay of conditional cooperation (effort over the life / first month)",
            Force::Coordination => "coordination (labour kept)",
            Force::Staff => "staff skill (not a force of size; differs by which groups lasted)",
        }
    }

    /// A short name for sentences.
    pub fn short(self) -> &'static str {
        match self {
            Force::Capacity => "capacity",
            Force::Hurdle => "the hurdle",
            Force::FreeRiding => "free riding under diluted monitoring",
            Force::Decay => "the decay of conditional cooperation",
            Force::Coordination => "coordination cost",
            Force::Staff => "staff skill",
        }
    }

    /// Whether the force is one of the five forces of size (staff skill is not).
    pub fn of_size(self) -> bool {
        self != Force::Staff
    }
}

/// How much each force multiplies the input-to-need ratio going from `from` to `to`; the
/// product of the factors is `to.input_to_need / from.input_to_need`.
pub fn factors(from: &Forces, to: &Forces) -> Vec<(Force, f64)> {
    Force::ALL
        .iter()
        .map(|&f| {
            let v = match f {
                Force::Capacity => (to.members * to.pooling) / (from.members * from.pooling),
                Force::Hurdle => from.needed / to.needed,
                Force::FreeRiding => to.first_effort / from.first_effort,
                Force::Decay => to.decay / from.decay,
                Force::Coordination => to.kept / from.kept,
                Force::Staff => to.staff / from.staff,
            };
            (f, v)
        })
        .collect()
}

/// The force of size that lowers the ratio most going from `from` to `to` (the smallest
/// finite factor below 1), if any does.
pub fn strongest_against(factors: &[(Force, f64)]) -> Option<(Force, f64)> {
    factors
        .iter()
        .filter(|(f, v)| f.of_size() && v.is_finite() && *v < 1.0)
        .min_by(|a, b| a.1.total_cmp(&b.1))
        .copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn life(
        months: u32,
        members: u32,
        first: f64,
        effort: f64,
        kept: f64,
        needed: f64,
    ) -> GroupLife {
        let labour = effort;
        let coordinated = labour * kept;
        GroupLife {
            months,
            member_months: members * months,
            first_effort: first,
            effort,
            labour,
            coordinated,
            input: coordinated,
            needed: needed * f64::from(months),
            months_met: 0,
        }
    }

    #[test]
    fn factors_multiply_out_to_the_change_of_the_ratio() {
        let mut small = LifeTotals::default();
        small.push(2, &life(10, 2, 0.8, 6.0, 0.98, 0.8));
        small.push(2, &life(4, 2, 0.6, 2.0, 0.98, 0.8));
        let mut large = LifeTotals::default();
        large.push(40, &life(3, 40, 6.0, 12.0, 0.22, 4.6));
        let (s, l) = (small.forces(), large.forces());
        assert_eq!(s.groups, 2);
        assert_eq!(s.members, 2.0);
        // First months: 0.4 per member over 20 member-months, 0.3 over 8.
        let matched = 0.4 * 20.0 + 0.3 * 8.0;
        assert!((s.first_effort - matched / 28.0).abs() < 1e-12);
        // Each group against its own start: 6 of 8 and 2 of 2.4.
        assert!((s.decay - 8.0 / matched).abs() < 1e-12);
        assert!((l.first_effort - 0.15).abs() < 1e-12);
        assert!((l.decay - 12.0 / 18.0).abs() < 1e-12);
        let f = factors(&s, &l);
        let product: f64 = f.iter().map(|(_, v)| v).product();
        assert!((product - l.input_to_need / s.input_to_need).abs() < 1e-12);
        assert_eq!(f[0], (Force::Capacity, 20.0));
        assert!((f[1].1 - 0.8 / 4.6).abs() < 1e-12, "{f:?}");
        assert!((f[2].1 - 0.15 / (matched / 28.0)).abs() < 1e-12, "{f:?}");
        assert!((f[4].1 - 0.22 / 0.98).abs() < 1e-12, "{f:?}");
        let (force, v) = strongest_against(&f).unwrap();
        assert_eq!(force, Force::Hurdle);
        assert!((v - 0.8 / 4.6).abs() < 1e-12);
        // Back the other way, fewer hands is what hurts.
        let (force, v) = strongest_against(&factors(&l, &s)).unwrap();
        assert_eq!(force, Force::Capacity);
        assert!((v - 0.05).abs() < 1e-12);
    }

    #[test]
    fn groups_that_never_produced_are_left_out() {
        let mut t = LifeTotals::default();
        t.push(5, &GroupLife::default());
        assert_eq!(t.groups, 0);
        assert!(t.forces().members.is_nan());
    }

    #[test]
    fn totals_add_up_every_column_of_the_groups() {
        let a = GroupLife {
            months: 3,
            member_months: 6,
            first_effort: 1.0,
            effort: 2.5,
            labour: 3.0,
            coordinated: 2.0,
            input: 1.5,
            needed: 4.0,
            months_met: 1,
        };
        let b = GroupLife {
            months: 2,
            member_months: 10,
            first_effort: 2.0,
            effort: 3.5,
            labour: 5.0,
            coordinated: 4.0,
            input: 2.5,
            needed: 6.0,
            months_met: 2,
        };
        let mut t = LifeTotals::default();
        t.push(2, &a);
        t.push(5, &b);
        let sum = GroupLife {
            months: 5,
            member_months: 16,
            first_effort: 3.0,
            effort: 6.0,
            labour: 8.0,
            coordinated: 6.0,
            input: 4.0,
            needed: 10.0,
            months_met: 3,
        };
        // Each group's first month per member over its member-months: 0.5 x 6 + 0.4 x 10.
        assert_eq!(
            t,
            LifeTotals {
                groups: 2,
                first_matched: 7.0,
                life: sum
            }
        );
        let f = t.forces();
        assert_eq!(f.met, 3.0 / 5.0);
        assert_eq!(f.input_to_need, 0.4);
        assert_eq!(f.staff, 4.0 / 6.0);
    }

    #[test]
    fn a_group_without_members_at_formation_adds_no_first_month_effort() {
        let mut t = LifeTotals::default();
        t.push(0, &life(2, 3, 1.2, 3.0, 0.5, 1.0));
        assert_eq!(t.groups, 1);
        assert_eq!(t.first_matched, 0.0);
        assert_eq!(t.forces().first_effort, 0.0);
    }

    #[test]
    fn groups_that_gave_nothing_in_their_first_month_leave_decay_unknown() {
        // Nothing to compare the later effort with: no factor, rather than an infinite one.
        let mut t = LifeTotals::default();
        t.push(2, &life(4, 2, 0.0, 3.0, 0.5, 1.0));
        let f = t.forces();
        assert_eq!(f.first_effort, 0.0);
        assert!(f.decay.is_nan(), "{f:?}");
    }

    #[test]
    fn capacity_counts_pooling_and_staff_skill_has_its_own_factor() {
        // Two members for 10 months, pooling 12 / 8 = 1.5, keeping 0.9, staff 0.8, needing
        // 1 a month; against ten members for 5 months, pooling 0.5, keeping 0.5, staff 0.4,
        // needing 4 a month. Both gave 0.5 per member in the first month and 0.8 of that
        // over their lives.
        let mut small = LifeTotals::default();
        small.push(
            2,
            &GroupLife {
                months: 10,
                member_months: 20,
                first_effort: 1.0,
                effort: 8.0,
                labour: 12.0,
                coordinated: 10.8,
                input: 8.64,
                needed: 10.0,
                months_met: 0,
            },
        );
        let mut large = LifeTotals::default();
        large.push(
            10,
            &GroupLife {
                months: 5,
                member_months: 50,
                first_effort: 5.0,
                effort: 20.0,
                labour: 10.0,
                coordinated: 5.0,
                input: 2.0,
                needed: 20.0,
                months_met: 0,
            },
        );
        let (s, l) = (small.forces(), large.forces());
        let f = factors(&s, &l);
        // Capacity (10 x 0.5) / (2 x 1.5) = 5/3, hurdle 1/4, free riding and decay 1,
        // coordination 0.5 / 0.9 = 5/9, staff 0.4 / 0.8 = 1/2: the product, 25/216, is
        // input over need going from 8.64 / 10 to 2 / 20.
        let expected = [5.0 / 3.0, 0.25, 1.0, 1.0, 5.0 / 9.0, 0.5];
        for ((force, v), e) in f.iter().zip(expected) {
            assert!((v - e).abs() < 1e-12, "{force:?}: {v} against {e}");
        }
        let product: f64 = f.iter().map(|(_, v)| v).product();
        assert!((product - 25.0 / 216.0).abs() < 1e-12, "{product}");
        assert!((l.input_to_need / s.input_to_need - 25.0 / 216.0).abs() < 1e-12);
    }

    #[test]
    fn staff_skill_is_never_named_as_the_force_against() {
        let f = [
            (Force::Capacity, 1.2),
            (Force::Hurdle, 0.9),
            (Force::Staff, 0.3),
        ];
        assert_eq!(strongest_against(&f), Some((Force::Hurdle, 0.9)));
    }

    #[test]
    fn no_force_is_named_when_none_lowers_the_ratio() {
        // A factor of exactly 1 changes nothing, and one that is unknown (no group
        // produced) says nothing.
        let f = [
            (Force::Capacity, f64::NAN),
            (Force::Hurdle, 1.0),
            (Force::Decay, 2.0),
        ];
        assert_eq!(strongest_against(&f), None);
        let mut t = LifeTotals::default();
        t.push(2, &life(10, 2, 0.8, 6.0, 0.98, 0.8));
        let same = t.forces();
        assert_eq!(strongest_against(&factors(&same, &same)), None);
    }

    #[test]
    fn each_force_is_labelled_by_its_own_name() {
        let names = [
            "capacity",
            "hurdle",
            "free riding",
            "decay",
            "coordination",
            "staff skill",
        ];
        for (force, name) in Force::ALL.iter().zip(names) {
            assert!(
                force.label().starts_with(name),
                "{force:?}: {}",
                force.label()
            );
        }
    }
}
