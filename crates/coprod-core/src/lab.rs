//! The lab setting: a repeated linear public-goods game with no organisation, using the
//! same contribution rule and belief update as the field model, plus two lab-only terms
//! (both off at their defaults): a payoff term through which the MPCR and the group size
//! enter decisions, and a slower first belief update.
//!
//! It links the model's behavioural parameters to measured human behaviour
//! (Fischbacher and Gaechter 2010): see docs/ODD.md, "Input data and calibration".

use crate::Detail;
use crate::contribution::{self, CcType};
use crate::metrics::{CitizenRecord, RunOutput, StepMetrics};
use crate::params::Params;
use crate::rng::{self, Stream, below, normal, uniform, unit};

/// The metrics a lab run measures that vary between runs: `participation_rate` is always 1
/// and every other metric 0 or empty (docs/ODD.md 8.17).
pub const LAB_METRICS: [&str; 2] = [LAB_MEANINGS[0].0, LAB_MEANINGS[1].0];

/// The unit and meaning in the lab of each metric of [`LAB_METRICS`]: a public-goods game
/// has an endowment and payoffs where the field has effort and services.
pub const LAB_MEANINGS: [(&str, &str, &str); 2] = [
    (
        "mean_contribution",
        "share of endowment",
        "Mean contribution of the subjects, as a share of the endowment.",
    ),
    (
        "service_output",
        "mean payoff in tokens",
        "Mean payoff of the subjects, in tokens.",
    ),
];

/// The lab's unit and meaning of `metric`, if it is one the lab measures ([`LAB_MEANINGS`]).
pub fn lab_meaning(metric: &str) -> Option<(&'static str, &'static str)> {
    LAB_MEANINGS
        .iter()
        .find(|(name, _, _)| *name == metric)
        .map(|&(_, unit, meaning)| (unit, meaning))
}

/// Runs `rounds` rounds with `n_citizens` subjects in groups of `lab.group_size`
/// (subjects beyond a whole number of groups sit out). Each round: (re)match, contribute,
/// observe the mean contribution of the other group members, update beliefs.
///
/// Reported per round: `mean_contribution` (share of endowment), `service_output` (mean
/// payoff in tokens), `participation_rate` 1; other metrics are 0.
pub(crate) fn run_lab(p: &Params, rounds: u32, seed: u64, detail: Detail) -> RunOutput {
    let mut rng = rng::chacha_stream(seed, Stream::Lab as u64);
    let size = p.lab_group_size as usize;
    let n = (p.n_citizens as usize / size) * size;
    let mut types = Vec::with_capacity(n);
    let mut belief = Vec::with_capacity(n);
    let mut motivation = Vec::with_capacity(n);
    for _ in 0..n {
        types.push(CcType::draw(p, uniform(&mut rng)));
        belief.push(unit(p.belief_mean + p.attribute_sd * normal(&mut rng)));
        motivation.push(unit(p.motivation_mean + p.attribute_sd * normal(&mut rng)));
    }
    let mut order: Vec<usize> = (0..n).collect();
    let mut given = vec![0.0; n];
    let mut out = RunOutput::default();
    for round in 0..rounds {
        if round == 0 || p.rematch != 0.0 {
            shuffle(&mut order, &mut rng);
        }
        let payoff_shift = payoff_term(p, size);
        for &i in &order {
            // Anonymous strangers: no peer pressure, only intrinsic motivation.
            let extra = p.motivation_weight * (motivation[i] - 0.5) + payoff_shift;
            given[i] = contribution::decide(types[i], belief[i], extra, uniform(&mut rng), p);
        }
        let mut payoff = 0.0;
        for members in order.chunks(size) {
            let sum: f64 = members.iter().map(|&i| given[i]).sum();
            for &i in members {
                let others = (sum - given[i]) / (size - 1) as f64;
                belief[i] = update_belief(belief[i], others, round, p);
                payoff += p.endowment * (1.0 - given[i] + p.mpcr * sum);
            }
        }
        out.steps.push(StepMetrics {
            step: round,
            participation_rate: 1.0,
            mean_contribution: given.iter().sum::<f64>() / n as f64,
            service_output: payoff / n as f64,
            ..StepMetrics::default()
        });
    }
    if detail == Detail::WithCitizens {
        out.citizens = (0..n)
            .map(|i| subject_record(i, types[i], belief[i], motivation[i]))
            .collect();
    }
    out
}

/// One simulated subject of the lab game, for games where people and simulated citizens
/// play together (the classroom): the same type draw, contribution rule and belief update
/// as `run_lab`'s subjects, with its own random stream.
pub struct LabSubject {
    ty: CcType,
    belief: f64,
    motivation: f64,
    rng: rand::rngs::ChaCha8Rng,
    /// Belief updates made so far (the first one is slowed by `lab.first_update`).
    updates: u32,
}

impl LabSubject {
    /// Draws subject number `id` of a game with key `seed`.
    pub fn new(p: &Params, seed: u64, id: u32) -> LabSubject {
        let mut rng = rng::chacha_stream(seed, Stream::LabSubjectBase as u64 + u64::from(id));
        let ty = CcType::draw(p, uniform(&mut rng));
        let belief = unit(p.belief_mean + p.attribute_sd * normal(&mut rng));
        let motivation = unit(p.motivation_mean + p.attribute_sd * normal(&mut rng));
        LabSubject {
            ty,
            belief,
            motivation,
            rng,
            updates: 0,
        }
    }

    /// This round's contribution, as a share of the endowment (0 to 1).
    pub fn contribute(&mut self, p: &Params) -> f64 {
        let extra = p.motivation_weight * (self.motivation - 0.5)
            + payoff_term(p, p.lab_group_size as usize);
        contribution::decide(self.ty, self.belief, extra, uniform(&mut self.rng), p)
    }

    /// Updates the belief from the mean contribution of the other group members (share of
    /// the endowment).
    pub fn observe(&mut self, others_mean: f64, p: &Params) {
        self.belief = update_belief(self.belief, others_mean, self.updates, p);
        self.updates += 1;
    }

    /// The subject's conditional-cooperation type, in the words of the outputs.
    pub fn kind(&self) -> &'static str {
        self.ty.as_str()
    }
}

/// The lab's payoff term, added to every decision: `-cost_sensitivity` times the net
/// private cost of giving one token, `(1 - mpcr) - altruism x (size - 1) x mpcr`, the
/// marginal utility of a token kept in the altruism model of Anderson, Goeree and Holt
/// (1998). 0 at the default `cost_sensitivity = 0`.
fn payoff_term(p: &Params, size: usize) -> f64 {
    let net_cost = (1.0 - p.mpcr) - p.altruism * (size - 1) as f64 * p.mpcr;
    -p.cost_sensitivity * net_cost
}

/// The field model's belief update (`contribution::update_belief`), except that the update
/// after round 0 moves `belief_weight x first_update` of the way (at the default 1 the
/// same).
fn update_belief(belief: f64, others: f64, round: u32, p: &Params) -> f64 {
    let weight = if round == 0 {
        p.belief_weight * p.first_update
    } else {
        p.belief_weight
    };
    contribution::move_belief(belief, others, weight)
}

/// A lab subject as a citizen record: type, motivation and final belief; fields without a
/// lab meaning are 0.
fn subject_record(i: usize, ty: CcType, belief: f64, motivation: f64) -> CitizenRecord {
    CitizenRecord {
        citizen_id: i as u32,
        community: 0,
        resource_group: 0,
        cc_type: ty.as_str(),
        initial_efficacy: 0.0,
        efficacy: 0.0,
        external_efficacy: 0.0,
        skill: 0.0,
        time: 0.0,
        motivation,
        risk_aversion: 0.0,
        duty: false,
        affected: false,
        ownership: 0.0,
        trust: 0.0,
        belief,
        ties: 0,
        steps_participated: 0,
        active_at_end: true,
    }
}

/// Fisher-Yates shuffle with the portable `below`.
fn shuffle(v: &mut [usize], rng: &mut rand::rngs::ChaCha8Rng) {
    for k in (1..v.len()).rev() {
        let j = below(rng, k as u32 + 1) as usize;
        v.swap(k, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab(seed: u64) -> Vec<f64> {
        let mut p = Params::defaults();
        p.set("population.setting", 1.0).unwrap();
        p.set("population.n_citizens", 4000.0).unwrap();
        run_lab(&p, 10, seed, Detail::Standard)
            .steps
            .iter()
            .map(|s| s.mean_contribution)
            .collect()
    }

    /// The stylised facts of repeated public-goods games (Fischbacher and Gaechter 2010; docs/ODD.md section 1).
    #[test]
    fn reproduces_public_goods_stylised_facts() {
        let series = lab(11);
        assert!(
            (0.35..=0.45).contains(&series[0]),
            "first round {}",
            series[0]
        );
        assert!((0.05..=0.18).contains(&series[9]), "round 10 {}", series[9]);
        let rises = series.windows(2).filter(|w| w[1] > w[0] + 0.005).count();
        assert!(rises <= 1, "not near-monotone: {series:?}");
    }

    fn lab_with(seed: u64, set: &[(&str, f64)]) -> Vec<f64> {
        let mut p = Params::defaults();
        p.set("population.setting", 1.0).unwrap();
        p.set("population.n_citizens", 4000.0).unwrap();
        for &(name, value) in set {
            p.set(name, value).unwrap();
        }
        run_lab(&p, 10, seed, Detail::Standard)
            .steps
            .iter()
            .map(|s| s.mean_contribution)
            .collect()
    }

    fn mean(v: &[f64]) -> f64 {
        v.iter().sum::<f64>() / v.len() as f64
    }

    #[test]
    fn mpcr_and_group_size_enter_only_through_the_payoff_term() {
        // Off (the default): the MPCR changes nothing, bit for bit.
        assert_eq!(lab_with(4, &[]), lab_with(4, &[("lab.mpcr", 0.75)]));
        // On: a higher return lowers the net cost of giving, so subjects give more.
        let on = [("lab.cost_sensitivity", 0.4), ("lab.altruism", 0.1)];
        let low = mean(&lab_with(4, &[on[0], on[1], ("lab.mpcr", 0.3)]));
        let high = mean(&lab_with(4, &[on[0], on[1], ("lab.mpcr", 0.75)]));
        // Net costs 0.7 - 0.09 = 0.61 and 0.25 - 0.225 = 0.025: 0.234 of the endowment
        // before clamping and belief feedback; about 0.150 after them (sd about 0.002 over
        // seeds), so the test asks for two thirds of that, not for a particular seed's value.
        assert!(high - low > 0.1, "mpcr 0.3: {low}, 0.75: {high}");
        // Larger groups at the same MPCR: more others gain from a token, if subjects care
        // (net costs 0.48 and 0.24 at MPCR 0.4: 0.048 of the endowment before clamping).
        let mild = [("lab.cost_sensitivity", 0.2), ("lab.altruism", 0.1)];
        let four = mean(&lab_with(4, &mild));
        let ten = mean(&lab_with(
            4,
            &[mild[0], mild[1], ("lab.lab_group_size", 10.0)],
        ));
        assert!(ten - four > 0.02, "groups of 4: {four}, of 10: {ten}");
        // Without altruism the group size leaves the payoff term unchanged.
        let selfish = [("lab.cost_sensitivity", 0.4), ("lab.mpcr", 0.3)];
        let four = mean(&lab_with(4, &selfish));
        let ten = mean(&lab_with(
            4,
            &[selfish[0], selfish[1], ("lab.lab_group_size", 10.0)],
        ));
        assert!(
            (ten - four).abs() < 0.01,
            "groups of 4: {four}, of 10: {ten}"
        );
    }

    #[test]
    fn a_slow_first_update_keeps_round_two_near_round_one() {
        let fast = lab_with(9, &[]);
        let slow = lab_with(9, &[("lab.first_update", 0.0)]);
        // Same first round (the same draws), then beliefs stay put for one round.
        assert_eq!(fast[0], slow[0]);
        assert!((slow[1] - slow[0]).abs() < 0.01, "{slow:?}");
        assert!(fast[0] - fast[1] > 0.03, "{fast:?}");
    }

    #[test]
    fn simulated_subjects_decay_like_the_lab() {
        let p = Params::defaults();
        let mut subjects: Vec<LabSubject> = (0..400).map(|i| LabSubject::new(&p, 5, i)).collect();
        let mut means = Vec::new();
        for _ in 0..10 {
            let given: Vec<f64> = subjects.iter_mut().map(|s| s.contribute(&p)).collect();
            for (k, chunk) in subjects.chunks_mut(4).enumerate() {
                let sum: f64 = given[4 * k..4 * k + 4].iter().sum();
                for (j, s) in chunk.iter_mut().enumerate() {
                    s.observe((sum - given[4 * k + j]) / 3.0, &p);
                }
            }
            means.push(given.iter().sum::<f64>() / 400.0);
        }
        assert!(means[0] > 0.3 && means[9] < means[0] - 0.1, "{means:?}");
    }

    #[test]
    fn type_shares_match_the_measured_ones() {
        let mut p = Params::defaults();
        p.set("population.setting", 1.0).unwrap();
        p.set("population.n_citizens", 8000.0).unwrap();
        let out = run_lab(&p, 1, 3, Detail::WithCitizens);
        let share = |t: &str| {
            let n = out.citizens.iter().filter(|c| c.cc_type == t).count();
            n as f64 / out.citizens.len() as f64
        };
        let measured = [
            ("conditional", 0.55),
            ("free_rider", 0.23),
            ("hump", 0.12),
            ("other", 0.10),
        ];
        for (t, expected) in measured {
            assert!((share(t) - expected).abs() < 0.015, "{t}: {}", share(t));
        }
    }

    /// A value of parameter `index` other than `p`'s with which the parameters still pass
    /// validation: its largest, smallest or middle value, the first that does.
    fn other_value(p: &Params, index: usize) -> Option<f64> {
        let spec = &crate::SPECS[index];
        let mid = (spec.min + spec.max) / 2.0;
        let mid = if spec.kind == crate::Kind::Real {
            mid
        } else {
            mid.round()
        };
        [spec.max, spec.min, mid].into_iter().find(|&v| {
            let mut q = p.clone();
            v != p.get_index(index) && q.set_index(index, v).is_ok() && q.validate().is_ok()
        })
    }

    /// A value of the switch or parameter at `index` other than `value`: the other option of
    /// a switch; else `p`'s value if it differs, or the middle of a real's range (a count's
    /// middle, millions of communities, is no test run).
    fn gate_elsewhere(p: &Params, index: usize, value: f64) -> f64 {
        let spec = &crate::SPECS[index];
        match spec.kind {
            crate::Kind::Bool | crate::Kind::Choice(_) => 1.0 - value,
            _ if p.get_index(index) != value => p.get_index(index),
            crate::Kind::Real => (spec.min + spec.max) / 2.0,
            crate::Kind::Int => panic!("{} is at {value} in the test's base", spec.name),
        }
    }

    /// The settings (`lab`) in which `rule` holds and some of its parameters are read, each
    /// with those parameters: where the table's tests check it (field first).
    fn settings_of(rule: &crate::SwitchedRead) -> Vec<(bool, Vec<&'static str>)> {
        [false, true]
            .into_iter()
            .filter(|&lab| rule.holds_in(lab))
            .map(|lab| {
                let read = |name: &&str| Params::lookup(name).unwrap().1.read_in(lab);
                (lab, rule.unread.iter().copied().filter(read).collect())
            })
            .filter(|(_, unread): &(bool, Vec<&str>)| !unread.is_empty())
            .collect()
    }

    /// The gates of `rule` as indices into `SPECS`, as `switches_ruling_out` gives them.
    fn gate_indices(rule: &crate::SwitchedRead) -> Vec<usize> {
        rule.indexed_gates().map(|(index, _)| index).collect()
    }

    /// Sets every gate of `rule` (its switch, and any further gates) to the rule's value.
    fn set_gates(p: &mut Params, rule: &crate::SwitchedRead) {
        for (gate, value) in rule.indexed_gates() {
            p.set_index(gate, value).unwrap();
        }
    }

    /// A whole run as text (its NaNs compare equal, unlike the numbers').
    fn run_text(p: &Params, steps: u32) -> String {
        format!(
            "{:?}",
            crate::simulate(p, &[], steps, 7, Detail::WithCitizens)
        )
    }

    /// The outputs say a setting does not read a parameter (a sweep over it is refused, a
    /// variant setting it is named); that must hold for every value, so every parameter
    /// `read_in` calls unread is changed alone and the run must stay the same, bit for bit.
    fn assert_unread_change_nothing(p: &Params, steps: u32) {
        let lab = p.is_lab();
        let before = run_text(p, steps);
        for (index, spec) in crate::SPECS.iter().enumerate() {
            if spec.read_in(lab) {
                continue;
            }
            let value = other_value(p, index)
                .unwrap_or_else(|| panic!("no other valid value of {}", spec.name));
            let mut q = p.clone();
            q.set_index(index, value).unwrap();
            assert_eq!(
                run_text(&q, steps),
                before,
                "{} changed a {} run",
                spec.name,
                if lab { "lab" } else { "field" }
            );
        }
    }

    #[test]
    fn lab_runs_read_only_the_listed_parameters() {
        let mut p = Params::defaults();
        p.set("population.setting", 1.0).unwrap();
        p.set("population.n_citizens", 400.0).unwrap();
        // With the payoff term on, so that every lab-only term is in play.
        p.set("lab.cost_sensitivity", 0.4).unwrap();
        p.set("lab.altruism", 0.1).unwrap();
        p.set("lab.first_update", 0.5).unwrap();
        assert_unread_change_nothing(&p, 5);
        // And the list is not longer than it need be: each listed parameter changes a run.
        let before = run_text(&p, 5);
        for name in crate::params::LAB_READS {
            let (index, _) = Params::lookup(name).unwrap();
            // Not the largest population (50 million subjects).
            let value = match *name {
                "population.n_citizens" => 800.0,
                _ => other_value(&p, index).unwrap(),
            };
            let mut q = p.clone();
            q.set_index(index, value).unwrap();
            assert_ne!(run_text(&q, 5), before, "{name} changed nothing");
        }
    }

    /// The table [`crate::SWITCHED_READS`] lists nothing the model reads: every parameter it
    /// rules out changes nothing with the switch (or numeric parameter) set, at each of its
    /// extreme and middle values, from the defaults and from a run with other levers moved.
    /// And no entry is dead: with the switch at another value each listed parameter changes
    /// the run.
    #[test]
    fn switched_off_parameters_change_nothing() {
        let mut small = Params::defaults();
        small.set("population.n_citizens", 400.0).unwrap();
        small.set("population.n_communities", 4.0).unwrap();
        let mut moved = small.clone();
        for (name, value) in [
            ("levers.outreach", 0.6),
            ("levers.state_support", 0.9),
            ("levers.financial_incentive", 0.5),
            ("levers.nonfinancial_incentive", 0.5),
            ("levers.strategy_integration", 1.0),
        ] {
            moved.set(name, value).unwrap();
        }
        // A rule is checked in each setting that reads its gates and one of its parameters:
        // on lab runs with the payoff term on (so that one rule on altruism does not hide
        // another), and with the MPCR moved.
        let mut small_lab = small.clone();
        small_lab.set("population.setting", 1.0).unwrap();
        small_lab.set("lab.cost_sensitivity", 0.4).unwrap();
        let mut moved_lab = small_lab.clone();
        moved_lab.set("lab.mpcr", 0.7).unwrap();
        for rule in crate::SWITCHED_READS {
            let settings = settings_of(rule);
            assert!(
                !settings.is_empty(),
                "{} = {} holds in no setting",
                rule.switch,
                rule.value
            );
            for (lab, unread) in settings {
                let bases = if lab {
                    [&small_lab, &moved_lab]
                } else {
                    [&small, &moved]
                };
                check_rule(rule, &unread, bases);
            }
        }
    }

    /// [`switched_off_parameters_change_nothing`] for one rule and the parameters `unread` of
    /// it that the setting of `bases` reads.
    fn check_rule(rule: &crate::SwitchedRead, unread: &[&str], bases: [&Params; 2]) {
        for base in bases {
            let mut p = base.clone();
            set_gates(&mut p, rule);
            let before = run_text(&p, 60);
            for name in unread {
                let (index, spec) = Params::lookup(name).unwrap();
                let rules = spec.switches_ruling_out(&p);
                assert!(rules.contains(&gate_indices(rule)), "{name}");
                for value in [spec.min, spec.max, (spec.min + spec.max) / 2.0] {
                    let mut q = p.clone();
                    if value == p.get_index(index) || q.set_index(index, value).is_err() {
                        continue;
                    }
                    assert_eq!(
                        run_text(&q, 60),
                        before,
                        "{name} = {value} changed a run with {} = {}",
                        rule.switch,
                        rule.value
                    );
                }
            }
        }
        // With any one gate at another value (the others held) each listed parameter is
        // read: every gate is needed.
        let small = bases[0];
        for (gate, value) in rule.indexed_gates() {
            let mut p = small.clone();
            set_gates(&mut p, rule);
            p.set_index(gate, gate_elsewhere(small, gate, value))
                .unwrap();
            let before = run_text(&p, 60);
            for name in unread {
                let (index, spec) = Params::lookup(name).unwrap();
                let rules = spec.switches_ruling_out(&p);
                assert!(!rules.contains(&gate_indices(rule)), "{name}");
                let mut q = p.clone();
                q.set_index(index, other_value(&p, index).unwrap()).unwrap();
                assert_ne!(run_text(&q, 60), before, "{name} changed nothing");
            }
        }
    }

    /// No field rule is said to rule out what a lab run reads: a lab run reads
    /// `behaviour.belief_weight` whatever `channels.belief_learning`, which it never reads.
    #[test]
    fn field_rules_rule_nothing_out_of_lab_runs() {
        let mut p = Params::defaults();
        p.set("population.setting", 1.0).unwrap();
        p.set("channels.belief_learning", 0.0).unwrap();
        let (_, spec) = Params::lookup("behaviour.belief_weight").unwrap();
        assert!(spec.switches_ruling_out(&p).is_empty());
        p.set("population.setting", 0.0).unwrap();
        assert!(!spec.switches_ruling_out(&p).is_empty());
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]
        /// Whatever the other switches, a parameter that a switch rules out changes
        /// nothing: the table holds beyond the two starting points above.
        #[test]
        fn switched_off_parameters_change_nothing_whatever_the_other_switches(
            flips in proptest::collection::vec(proptest::prelude::any::<bool>(), 40),
            rule in 0..crate::SWITCHED_READS.len(),
            high in proptest::prelude::any::<bool>(),
        ) {
            let mut p = Params::defaults();
            p.set("population.n_citizens", 200.0).unwrap();
            p.set("population.n_communities", 2.0).unwrap();
            let switches = crate::SPECS.iter().enumerate().filter(|(_, s)| {
                matches!(s.kind, crate::Kind::Bool | crate::Kind::Choice(_))
                    && !s.name.starts_with("lab.")
                    && s.name != "population.setting"
            });
            for ((index, _), flip) in switches.zip(&flips) {
                if *flip {
                    p.set_index(index, 1.0 - p.get_index(index)).unwrap();
                }
            }
            let rule = &crate::SWITCHED_READS[rule];
            // The first setting the main test checks the rule in (a rule of lab
            // parameters, lab runs).
            let (lab, unread) = settings_of(rule).swap_remove(0);
            if lab {
                p.set("population.setting", 1.0).unwrap();
            }
            set_gates(&mut p, rule);
            let before = run_text(&p, 40);
            for name in unread {
                let (index, spec) = Params::lookup(name).unwrap();
                let value = if high { spec.max } else { spec.min };
                let mut q = p.clone();
                if value == p.get_index(index) || q.set_index(index, value).is_err() {
                    continue;
                }
                proptest::prop_assert_eq!(run_text(&q, 40), before.clone(), "{}", name);
            }
        }
    }

    #[test]
    fn field_runs_read_no_lab_parameter() {
        let mut p = Params::defaults();
        p.set("population.n_citizens", 400.0).unwrap();
        p.set("population.n_communities", 4.0).unwrap();
        assert_unread_change_nothing(&p, 24);
    }
}
