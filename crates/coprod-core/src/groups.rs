//! Co-production groups: how they open, recruit, produce, lose members and dissolve.
//!
//! Owns group state and every group-level submodel. Decisions are individual: a citizen
//! joins, contributes and leaves by their own rule; no rule here names group size as a
//! penalty. Size matters only through capacity, peer visibility, coordination cost,
//! crowding of a per-member service and the minimum viable effort.

use crate::contribution;
use crate::group::{Group, UNSUPPORTED};
use crate::metrics::{EndReason, GroupRecord, TaskKind};
use crate::model::{Model, Production};
use crate::params::Params;
use crate::population::{Columns, NO_GROUP, flag};
use crate::production::{affordable, benefit, ces, per_beneficiary};
use crate::rng::{self, below, chance, logistic, round_stochastic, uniform, unit};
use crate::staff::NO_STAFF;

/// Satisfaction a new member starts with.
const INITIAL_SATISFACTION: f32 = 0.2;

impl Params {
    /// State support as it reaches agents: 0.5 with the `state_support_effect` channel off.
    fn state_support_in_force(&self) -> f64 {
        if self.state_support_effect_channel != 0.0 {
            self.state_support
        } else {
            0.5
        }
    }

    /// The CES exponent in force: `rho`, or 1 with `channels.complementarity` off or a
    /// substitutive role design (citizens do what professionals would do).
    fn rho_in_force(&self) -> f64 {
        if self.complementarity_channel != 0.0 && self.role_design != 1.0 {
            self.rho
        } else {
            1.0
        }
    }
}

/// The complex-contagion response to `a` active neighbours: weak for one, growing from two,
/// saturating at four.
fn social_response(active_neighbours: u32) -> f64 {
    match active_neighbours {
        0 => 0.0,
        1 => 0.1,
        a => (f64::from(a) / 4.0).min(1.0),
    }
}

/// The citizen-level terms that the join decision and the payoffs share (docs/ODD.md 8.4,
/// 8.9), with the channels' switches read once per step.
#[derive(Clone, Copy)]
struct CitizenTerms {
    own_efficacy: bool,
    efficacy_mean: f64,
    ownership: bool,
    resource_costs: bool,
    /// [`cost_scale`] by the low-resource flag.
    cost_scale: [f64; 2],
}

impl CitizenTerms {
    fn new(p: &Params) -> CitizenTerms {
        CitizenTerms {
            own_efficacy: p.efficacy_impact_channel != 0.0,
            efficacy_mean: p.efficacy_mean,
            ownership: p.ownership_channel != 0.0,
            resource_costs: p.resource_costs_channel != 0.0,
            cost_scale: [cost_scale(p, false), cost_scale(p, true)],
        }
    }

    /// The efficacy that scales a citizen's perceived impact: their own, or the population
    /// mean with `channels.efficacy_impact` off (docs/ODD.md 8.4, 8.9).
    #[inline]
    fn efficacy_seen(&self, efficacy: f32) -> f64 {
        if self.own_efficacy {
            f64::from(efficacy)
        } else {
            self.efficacy_mean
        }
    }

    /// The ownership that counts in joining and satisfaction: 0 with `channels.ownership`
    /// off.
    #[inline]
    fn ownership_felt(&self, ownership: f32) -> f64 {
        if self.ownership {
            f64::from(ownership)
        } else {
            0.0
        }
    }

    /// `1 - time` (0.5 with `channels.resource_costs` off).
    #[inline]
    fn lacking_time(&self, time: f32) -> f64 {
        if self.resource_costs {
            1.0 - f64::from(time)
        } else {
            0.5
        }
    }
}

/// The participation cost per unit of lacking time, for a low- or high-resource citizen.
fn cost_scale(p: &Params, low_resource: bool) -> f64 {
    let facilitation = 1.25 - 0.5 * p.state_support_in_force();
    let outreach = if low_resource && p.outreach_targeting_channel != 0.0 {
        1.0 - 0.5 * p.outreach
    } else {
        1.0
    };
    p.participation_cost * facilitation * outreach
}

/// Professional input a supported group asks for: `professional_input x (0.5 + support)`;
/// in a substitutive role design cost-minimising professionals treat citizens' input as a
/// perfect substitute and withdraw their own one for one with it, back to their own service
/// (an assumption); in a complementary design, or with `channels.professional_withdrawal`
/// off, they keep it.
fn asked_input(p: &Params, citizen_input: f64) -> f64 {
    let asked = p.professional_input * (0.5 + p.state_support_in_force());
    if p.role_design == 1.0 && p.professional_withdrawal_channel != 0.0 {
        (asked - citizen_input).max(0.0)
    } else {
        asked
    }
}

/// Members in the labour of a group when `channels.size_capacity` is off.
const REFERENCE_SIZE: f64 = 4.0;

/// Share of a member watched by fellow members: `min(1, attention / (n - 1))`, so peer
/// pressure is diluted as the group outgrows what members can watch (Yang et al. 2013); 1
/// whatever the size with `channels.monitoring_dilution` off; 0 alone or with
/// `channels.peer_monitoring` off.
fn visibility(p: &Params, n: usize) -> f64 {
    if p.peer_monitoring_channel == 0.0 || n < 2 {
        0.0
    } else if p.monitoring_dilution_channel == 0.0 {
        1.0
    } else {
        (p.attention / (n - 1) as f64).min(1.0)
    }
}

/// The group's pooled effort: the members' efforts summed, so labour capacity rises with
/// members; with `channels.size_capacity` off, the mean member's effort times a reference
/// group of [`REFERENCE_SIZE`] members, whatever the size.
fn pooled(p: &Params, effort: f64, n: usize) -> f64 {
    if p.size_capacity_channel != 0.0 || n == 0 {
        effort
    } else {
        effort / n as f64 * REFERENCE_SIZE
    }
}

/// The terms of the join utility that are the same for every citizen in a step, worked out
/// once per step rather than once per citizen considered, with the channels' switches read
/// once.
struct JoinTerms {
    /// `base + threshold_shift + w_incentive x (financial + non-financial incentives)`.
    constant: f64,
    /// `w_cost x cost_scale` for high- and low-resource citizens, by the low-resource flag.
    cost: [f64; 2],
    /// `w_social` with `channels.social_influence` on, else 0.
    w_social: f64,
    /// Clarity of a generic task (1 with `channels.task_clarity` off).
    generic_clarity: f64,
    /// `1 - duty`: the share of impact kept, by the duty flag.
    keep: [f64; 2],
    /// `w_affected` by the affected flag.
    affected: [f64; 2],
    citizen: CitizenTerms,
    /// Whether external efficacy counts (`channels.external_efficacy_effect`).
    external: bool,
    w_efficacy: f64,
    w_motivation: f64,
    w_ownership: f64,
    w_trust: f64,
    w_risk: f64,
}

impl JoinTerms {
    fn new(p: &Params) -> JoinTerms {
        JoinTerms {
            constant: p.base
                + p.threshold_shift
                + p.w_incentive * (p.financial_incentive + p.nonfinancial_incentive),
            cost: [
                p.w_cost * cost_scale(p, false),
                p.w_cost * cost_scale(p, true),
            ],
            w_social: if p.social_influence_channel != 0.0 {
                p.w_social
            } else {
                0.0
            },
            generic_clarity: if p.task_clarity_channel != 0.0 {
                p.generic_clarity
            } else {
                1.0
            },
            keep: [1.0 - 0.0, 1.0 - p.w_duty],
            affected: [0.0, p.w_affected],
            citizen: CitizenTerms::new(p),
            external: p.external_efficacy_effect_channel != 0.0,
            w_efficacy: p.w_efficacy,
            w_motivation: p.w_motivation,
            w_ownership: p.w_ownership,
            w_trust: p.w_trust,
            w_risk: p.w_risk,
        }
    }

    /// What a group brings to the join utility: its task's clarity, and whether the
    /// citizen's external efficacy counts (a partner organisation, channel on).
    fn offer(&self, g: &Group) -> Offer {
        Offer {
            clarity: match g.task {
                TaskKind::Generic => self.generic_clarity,
                TaskKind::Specific => 1.0,
            },
            responsive: self.external && g.org != UNSUPPORTED,
        }
    }

    /// The join utility of docs/ODD.md 8.4 without the social term, for the attributes of
    /// citizen `u` (`flags` its flags byte) and a group's offer ([`JoinTerms::utility`]).
    #[cfg(test)]
    fn rest(&self, a: &Attributes<'_>, u: usize, flags: u8, offer: Offer) -> f64 {
        self.utility(a.lane(u), flags, offer)
    }

    /// The join utility of docs/ODD.md 8.4 without the social term, for one citizen's
    /// attributes (`flags` its flags byte) and a group's offer, with the responsiveness `0.5 +
    /// external efficacy` for a group a partner organisation would respond to (an
    /// opportunity, or an initiative already noticed) with `channels.external_efficacy_effect`
    /// on, 1 otherwise (docs/ODD.md 8.4). The flags choose their terms by selection rather than
    /// by indexing, and every attribute is read whatever the switches, so that a pass over many
    /// citizens ([`JoinTerms::rest_list`]) vectorises.
    #[inline(always)]
    fn utility(&self, a: Lane, flags: u8, offer: Offer) -> f64 {
        let efficacy = self.citizen.efficacy_seen(a.efficacy);
        let external = 0.5 + f64::from(a.external_efficacy);
        let response = if offer.responsive { external } else { 1.0 };
        let keep = self.keep[usize::from(flags & flag::DUTY != 0)];
        let impact = efficacy * offer.clarity * keep * response;
        let ownership = self.citizen.ownership_felt(a.ownership);
        let lacking = self.citizen.lacking_time(a.time);
        let trust = f64::from(a.trust);
        let risk = f64::from(a.risk_aversion) * (1.0 - trust);
        let affected = self.affected[usize::from(flags & flag::AFFECTED != 0)];
        let cost = self.cost[usize::from(flags & flag::LOW_RESOURCE != 0)];
        self.constant
            + self.w_efficacy * impact
            + self.w_motivation * f64::from(a.motivation)
            + self.w_ownership * ownership
            + affected
            + self.w_trust * trust
            - cost * lacking
            - self.w_risk * risk
    }

    /// [`JoinTerms::utility`] of every citizen of `list` for `offer`, into `out` (one per
    /// citizen listed), and the largest of them (negative infinity for none): four citizens
    /// at a time with AVX2 where the processor has it, the same numbers either way.
    fn rest_list(
        &self,
        a: &Attributes<'_>,
        flags: &[u8],
        list: &[u32],
        offer: Offer,
        out: &mut [f64],
    ) -> f64 {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 was found on this processor just above, the only condition for
            // calling a function compiled with it enabled.
            return unsafe { self.rest_list_avx2(a, flags, list, offer, out) };
        }
        self.rest_list_from(a, flags, list, offer, out, 0)
    }

    /// [`JoinTerms::rest_list`] one citizen at a time, from the `from`-th listed on, and the
    /// largest of those.
    fn rest_list_from(
        &self,
        a: &Attributes<'_>,
        flags: &[u8],
        list: &[u32],
        offer: Offer,
        out: &mut [f64],
        from: usize,
    ) -> f64 {
        let a = a.cut(flags.len());
        let mut most = f64::NEG_INFINITY;
        for (z, &i) in out.iter_mut().zip(list).skip(from) {
            *z = self.utility(a.lane(i as usize), flags[i as usize], offer);
            most = most.max(*z);
        }
        most
    }

    /// [`JoinTerms::rest_list`] with AVX2: four citizens' attributes put into four f64 lanes
    /// (loaded one by one and inserted: AVX2's gather instruction took about twice as long on
    /// the AMD Zen 4 this was measured on), and every operation of [`JoinTerms::utility`] done
    /// on them in the same order (no fused multiply-add), the switches and the flags choosing
    /// their terms by masks; the last citizens (fewer than four) one at a time. Call it only
    /// where the processor has AVX2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    fn rest_list_avx2(
        &self,
        a: &Attributes<'_>,
        flags: &[u8],
        list: &[u32],
        offer: Offer,
        out: &mut [f64],
    ) -> f64 {
        use std::arch::x86_64::{
            __m256d, __m256i, _mm_set_epi32, _mm_set_ps, _mm256_add_pd, _mm256_and_pd,
            _mm256_and_si256, _mm256_blendv_pd, _mm256_castsi256_pd, _mm256_cmpeq_epi64,
            _mm256_cvtepu32_epi64, _mm256_cvtps_pd, _mm256_max_pd, _mm256_mul_pd,
            _mm256_set1_epi64x, _mm256_set1_pd, _mm256_storeu_pd, _mm256_sub_pd,
        };
        let n = flags.len();
        let a = a.cut(n);
        let m = list.len().min(out.len());
        // Every unchecked load below reads inside the columns.
        assert!(list.is_empty() || (list.iter().fold(0, |top, &i| top.max(i)) as usize) < n);
        let set = _mm256_set1_pd;
        let mask = |on: bool| _mm256_castsi256_pd(_mm256_set1_epi64x(-i64::from(on)));
        let own_efficacy = mask(self.citizen.own_efficacy);
        let mean = set(self.citizen.efficacy_mean);
        let responsive = mask(offer.responsive);
        let ownership_on = mask(self.citizen.ownership);
        let resource_costs = mask(self.citizen.resource_costs);
        let (one, half, clarity) = (set(1.0), set(0.5), set(offer.clarity));
        let keep = [set(self.keep[0]), set(self.keep[1])];
        let affected = [set(self.affected[0]), set(self.affected[1])];
        let cost = [set(self.cost[0]), set(self.cost[1])];
        let (constant, w_efficacy) = (set(self.constant), set(self.w_efficacy));
        let (w_motivation, w_ownership) = (set(self.w_motivation), set(self.w_ownership));
        let (w_trust, w_risk) = (set(self.w_trust), set(self.w_risk));
        let bits = |b: u8| _mm256_set1_epi64x(i64::from(b));
        let (duty, affected_bit, low) = (
            bits(flag::DUTY),
            bits(flag::AFFECTED),
            bits(flag::LOW_RESOURCE),
        );
        let has = |f: __m256i, bits: __m256i| {
            _mm256_castsi256_pd(_mm256_cmpeq_epi64(_mm256_and_si256(f, bits), bits))
        };
        let mut most = set(f64::NEG_INFINITY);
        let whole = m / 4 * 4;
        for k in (0..whole).step_by(4) {
            let four: &[u32; 4] = list[k..k + 4].try_into().expect("four citizens");
            let [i0, i1, i2, i3] = four.map(|i| i as usize);
            let gather = |col: &[f32]| -> __m256d {
                // SAFETY: every listed number is below `n` (asserted above), the length of
                // every column of `a`.
                let lane = |i: usize| unsafe { *col.get_unchecked(i) };
                _mm256_cvtps_pd(_mm_set_ps(lane(i3), lane(i2), lane(i1), lane(i0)))
            };
            // SAFETY: every listed number is below `n`, the length of `flags` (asserted
            // above).
            let byte = |j: usize| i32::from(unsafe { *flags.get_unchecked(four[j] as usize) });
            let f = _mm256_cvtepu32_epi64(_mm_set_epi32(byte(3), byte(2), byte(1), byte(0)));
            let efficacy = _mm256_blendv_pd(mean, gather(a.efficacy), own_efficacy);
            let external = _mm256_add_pd(half, gather(a.external_efficacy));
            let response = _mm256_blendv_pd(one, external, responsive);
            let keep = _mm256_blendv_pd(keep[0], keep[1], has(f, duty));
            let impact = _mm256_mul_pd(
                _mm256_mul_pd(_mm256_mul_pd(efficacy, clarity), keep),
                response,
            );
            let ownership = _mm256_and_pd(gather(a.ownership), ownership_on);
            let lacking =
                _mm256_blendv_pd(half, _mm256_sub_pd(one, gather(a.time)), resource_costs);
            let trust = gather(a.trust);
            let risk = _mm256_mul_pd(gather(a.risk_aversion), _mm256_sub_pd(one, trust));
            let affected = _mm256_blendv_pd(affected[0], affected[1], has(f, affected_bit));
            let cost = _mm256_blendv_pd(cost[0], cost[1], has(f, low));
            let mut z = _mm256_add_pd(constant, _mm256_mul_pd(w_efficacy, impact));
            z = _mm256_add_pd(z, _mm256_mul_pd(w_motivation, gather(a.motivation)));
            z = _mm256_add_pd(z, _mm256_mul_pd(w_ownership, ownership));
            z = _mm256_add_pd(z, affected);
            z = _mm256_add_pd(z, _mm256_mul_pd(w_trust, trust));
            z = _mm256_sub_pd(z, _mm256_mul_pd(cost, lacking));
            z = _mm256_sub_pd(z, _mm256_mul_pd(w_risk, risk));
            let out: &mut [f64; 4] = (&mut out[k..k + 4]).try_into().expect("four utilities");
            // SAFETY: `out` holds four f64, which the store writes.
            unsafe { _mm256_storeu_pd(out.as_mut_ptr(), z) };
            most = _mm256_max_pd(most, z);
        }
        let mut lanes = [0.0; 4];
        // SAFETY: `lanes` holds four f64, which the store writes.
        unsafe { _mm256_storeu_pd(lanes.as_mut_ptr(), most) };
        let most = lanes.iter().fold(f64::NEG_INFINITY, |top, &z| top.max(z));
        if whole == m {
            return most;
        }
        let rest = self.rest_list_from(&a, flags, &list[..m], offer, &mut out[..m], whole);
        most.max(rest)
    }
}

/// [`CitizenTerms`]' switches as coefficients, so that a payoff multiplies and adds instead
/// of choosing between two numbers: `ownership_felt = own x ownership`, `efficacy_seen =
/// eff[0] + eff[1] x efficacy`, `lacking_time = lack[0] + lack[1] x time`, with 0 and 1 where
/// the choice was, which give the same numbers (`1 x a = a`, `0 x a + b = b`).
struct Switches {
    own: f64,
    eff: [f64; 2],
    lack: [f64; 2],
}

impl Switches {
    fn new(t: &CitizenTerms) -> Switches {
        Switches {
            own: f64::from(u8::from(t.ownership)),
            eff: if t.own_efficacy {
                [0.0, 1.0]
            } else {
                [t.efficacy_mean, 0.0]
            },
            lack: if t.resource_costs {
                [1.0, -1.0]
            } else {
                [0.5, 0.0]
            },
        }
    }
}

/// The terms of production, payoffs and learning that are the same for every group in a
/// step, with the channels' switches read once.
struct ProductionTerms {
    switches: Switches,
    motivation_weight: f64,
    schedules: contribution::Schedules,
    /// Clarity of a specific and of a generic task (`Group::clarity`), looked up rather
    /// than matched, which would be a jump on the group's task.
    clarity: [f64; 2],
    /// Half-width of the contribution noise.
    noise: f64,
    skill_capacity: bool,
    staff_skill: bool,
    citizen_input: bool,
    per_member: bool,
    rho: f64,
    power_feedback: bool,
    belief_learning: bool,
    attention: usize,
    cost_of_effort: f64,
    /// `(financial + non-financial incentives) / 2`.
    incentives: f64,
    /// `intrinsic_reward / 2`.
    half_intrinsic: f64,
    efficacy_reward: f64,
    citizen: CitizenTerms,
    /// 1 with `channels.ongoing_costs` on, else 0.
    ongoing: f64,
    satisfaction_rate: f64,
    efficacy_learning: f64,
    citizen_trust_learning: f64,
    ownership_learning: f64,
    crowd_out: f64,
}

/// How a group's step went, as its members' payoffs and learning read it.
struct Outcome {
    /// `clarity x b`, the benefit per member as the member perceives it.
    benefit_felt: f64,
    taken_up: f64,
    mastery: f64,
    trust_signal: f64,
    supported: bool,
}

impl ProductionTerms {
    fn new(p: &Params) -> ProductionTerms {
        ProductionTerms {
            switches: Switches::new(&CitizenTerms::new(p)),
            motivation_weight: p.motivation_weight,
            schedules: contribution::Schedules::new(p),
            clarity: [TaskKind::Specific, TaskKind::Generic].map(|t| Group::clarity_of(t, p)),
            noise: p.contribution_noise,
            skill_capacity: p.skill_capacity_channel != 0.0,
            staff_skill: p.staff_skill_channel != 0.0,
            citizen_input: p.citizen_input_channel != 0.0,
            per_member: p.service == 0.0,
            rho: p.rho_in_force(),
            power_feedback: p.power_feedback_channel != 0.0,
            belief_learning: p.belief_learning_channel != 0.0,
            attention: p.attention as usize,
            cost_of_effort: p.cost_of_effort,
            incentives: 0.5 * (p.financial_incentive + p.nonfinancial_incentive),
            half_intrinsic: 0.5 * p.intrinsic_reward,
            efficacy_reward: p.efficacy_reward,
            citizen: CitizenTerms::new(p),
            ongoing: if p.ongoing_costs_channel != 0.0 {
                1.0
            } else {
                0.0
            },
            satisfaction_rate: p.satisfaction_rate,
            efficacy_learning: p.efficacy_learning,
            citizen_trust_learning: p.citizen_trust_learning,
            ownership_learning: p.ownership_learning,
            crowd_out: if p.crowding_out != 0.0 {
                1.0 - 0.02 * p.financial_incentive
            } else {
                1.0
            },
        }
    }

    /// The contributions of a group's `members` under peer pressure `pressure` (docs/ODD.md
    /// 8.7), one 32-bit uniform each in member order (two from each 64-bit word of `rng`),
    /// written to `given` as peers see them
    /// (single precision) and added to the step's totals. Returns the group's effort `E`
    /// (8.8) and its number of low-resource members. Branch-free in the members' types and
    /// resource flags, which a processor cannot predict.
    #[inline]
    fn contribute(
        &self,
        c: &Columns<'_>,
        members: &[u32],
        pressure: f64,
        rng: &mut rng::ModelRng,
        given: &mut [f64],
        total: &mut Production,
    ) -> (f64, u32) {
        let mut effort = 0.0;
        let mut low_members = 0u32;
        // The step's running totals, in registers for the loop: the same additions in the
        // same order as adding to `total` directly.
        let (mut effort_low, mut effort_high) = (total.equity.effort_low, total.equity.effort_high);
        let mut contribution_sum = total.contribution_sum;
        // The members' uniforms first, two from each 64-bit word (docs/ODD.md 8.7), read
        // back and replaced by the contributions.
        let mut pairs = given.chunks_exact_mut(2);
        for pair in &mut pairs {
            let (high, low) = rng::halves(rng);
            pair[0] = rng::uniform_word(high);
            pair[1] = rng::uniform_word(low);
        }
        if let [last] = pairs.into_remainder() {
            *last = rng::uniform_word(rng::halves(rng).0);
        }
        for (&i, seen) in members.iter().zip(given.iter_mut()) {
            let u = i as usize;
            let flags = c.flags[u];
            let extra = pressure + self.motivation_weight * (f64::from(c.motivation[u]) - 0.5);
            let ty = c.cc_type(i) as u8;
            let belief = f64::from(c.belief[u]);
            let g = self.schedules.decide(ty, belief, extra, *seen, self.noise);
            *seen = f64::from(g as f32);
            let capacity = if self.skill_capacity {
                0.5 * (f64::from(c.skill[u]) + f64::from(c.time[u]))
            } else {
                0.5
            };
            let work = g * capacity;
            effort += work;
            // Adding `work x 0 = 0` leaves a sum unchanged, so both tallies take a term and
            // there is no branch on the flag (the compiler turns an `if` into one).
            let low = u8::from(flags & flag::LOW_RESOURCE != 0);
            low_members += u32::from(low);
            effort_low += work * f64::from(low);
            effort_high += work * f64::from(1 - low);
            contribution_sum += g;
        }
        total.equity.effort_low = effort_low;
        total.equity.effort_high = effort_high;
        total.contribution_sum = contribution_sum;
        (effort, low_members)
    }

    /// Member `u`'s payoff and learning (docs/ODD.md 8.9), in the order the ODD gives:
    /// satisfaction, internal efficacy, external efficacy, trust, ownership, motivation,
    /// steps participated.
    #[inline]
    fn pay_off(
        &self,
        c: &mut Columns<'_>,
        u: usize,
        given: f64,
        satisfaction: &mut f32,
        o: &Outcome,
    ) {
        let motivation = f64::from(c.motivation[u]);
        let s = &self.switches;
        let intrinsic = self.half_intrinsic * (motivation + s.own * f64::from(c.ownership[u]));
        let efficacy = s.eff[0] + s.eff[1] * f64::from(c.efficacy[u]);
        let lacking = s.lack[0] + s.lack[1] * f64::from(c.time[u]);
        // What taking part costs per step: `participation_cost x (1 - time) x (1.25 - 0.5 x
        // state support) x (1 - 0.5 x outreach for the low-resource group)` (docs/ODD.md 8.4).
        let cost =
            lacking * self.citizen.cost_scale[usize::from(c.flags[u] & flag::LOW_RESOURCE != 0)];
        let payoff = o.benefit_felt - self.cost_of_effort * given
            + self.incentives
            + intrinsic
            + self.efficacy_reward * (efficacy - 0.5)
            - self.ongoing * cost;
        let sat = f64::from(*satisfaction);
        *satisfaction = (sat + self.satisfaction_rate * (payoff - sat)) as f32;
        let e = f64::from(c.efficacy[u]);
        c.efficacy[u] = unit(e + self.efficacy_learning * (o.mastery - e)) as f32;
        if o.supported {
            let x = f64::from(c.external_efficacy[u]);
            c.external_efficacy[u] = unit(x + self.efficacy_learning * (o.taken_up - x)) as f32;
            let t = f64::from(c.trust[u]);
            c.trust[u] = unit(t + self.citizen_trust_learning * (o.trust_signal - t)) as f32;
        }
        if self.citizen.ownership {
            let own = f64::from(c.ownership[u]);
            c.ownership[u] = (own + self.ownership_learning * (1.0 - own)) as f32;
        }
        c.motivation[u] = (motivation * self.crowd_out) as f32;
        c.steps_participated[u] = c.steps_participated[u].saturating_add(1);
    }
}

/// The sum of the contributions `given` (in member order) that member `k` sees in `w`
/// fellow members drawn uniformly with replacement (docs/ODD.md 8.10): each drawn as
/// `below(n - 1)`, skipping over oneself, on a 32-bit half of a 64-bit word (high half, then
/// low half; an odd last one on a new word's high half, as `below` takes it). In a group of
/// two (where `w` is 1) the other member, without a draw.
///
/// # Safety
///
/// `given` must hold at least two contributions (a group of one has nobody to watch).
#[inline]
unsafe fn seen_sum(rng: &mut rng::ModelRng, given: &[f64], k: usize, w: usize) -> f64 {
    let n = given.len();
    if n == 2 {
        return given[1 - k];
    }
    let others = n as u32 - 1;
    let other = |word: u32| {
        let j = rng::below_word(word, others) as usize;
        // SAFETY: `n` is at least 3 here (at least 2 by the caller's promise, and not 2) and
        // `j` below `n - 1` (`below_word` of `n - 1`), so `j + 1` is below `n`, the length of
        // `given`.
        unsafe { *given.get_unchecked(j + usize::from(j >= k)) }
    };
    let mut seen = 0.0;
    for _ in 0..w / 2 {
        let (high, low) = rng::halves(rng);
        seen += other(high);
        seen += other(low);
    }
    if w % 2 == 1 {
        seen += other(rng::halves(rng).0);
    }
    seen
}

/// Which members leave (docs/ODD.md 8.13), by an exponential race over the members in the
/// order visited: member `i` leaves with probability `q_i = h + (1 - h) logistic(z_i)`, where
/// `h` is `exit_hazard` and `z_i = leave_base - leave_slope x satisfaction`.
///
/// Each member visited spends a hazard `L_i = -ln(1 - h) + softplus_upper(z_i)` (both widened
/// by a relative 1e-9), at least `-ln(1 - q_i)`, from a standard exponential `E`; the member
/// on whom `E` runs out is a candidate, which happens with probability `1 - exp(-L_i)` given
/// that `E` lasted until them (the exponential is memoryless), independently of the others.
/// `E` is `-ln(a)` of a 53-bit uniform `a` (`rng::exp53`), not the 32-bit ziggurat, whose grid
/// would give `E = 0` with probability about 6e-8 and so a rare member too high a chance.
/// A candidate draws a uniform `u` and leaves when `u (1 - exp(-L_i)) < q_i`, so it leaves
/// with probability `q_i` in all; then a new `E` is drawn. One table look-up per member and
/// two draws per candidate replace a draw and a bound per member.
struct Leaving {
    base: f64,
    slope: f64,
    exit_hazard: f64,
    /// `-ln(1 - exit_hazard)`, widened.
    outside: f64,
    /// What is left of the current exponential.
    left: f64,
}

impl Leaving {
    fn new(p: &Params, rng: &mut rng::ModelRng) -> Leaving {
        let h = p.exit_hazard;
        Leaving {
            base: p.leave_base,
            slope: p.leave_slope,
            exit_hazard: h,
            outside: -libm::log1p(-h) * (1.0 + 1e-9),
            left: rng::exp53(rng),
        }
    }

    /// Whether the member with satisfaction `s`, the next one visited, leaves.
    #[inline]
    fn leaves(&mut self, s: f32, rng: &mut rng::ModelRng) -> bool {
        let z = self.base - self.slope * f64::from(s);
        let hazard = self.outside + rng::softplus_upper(z);
        self.left -= hazard;
        if self.left >= 0.0 {
            return false;
        }
        let leaves;
        (leaves, self.left) = Leaving::candidate(self.exit_hazard, z, hazard, rng);
        leaves
    }

    /// A candidate's decision (exit hazard `h`, `z` and hazard as in [`Leaving::leaves`]),
    /// and the next exponential. Without `self`, so that the race's state can stay in a
    /// register across the members who are not candidates.
    #[cold]
    fn candidate(h: f64, z: f64, hazard: f64, rng: &mut rng::ModelRng) -> (bool, f64) {
        let q = h + (1.0 - h) * logistic(z);
        let leaves = uniform(rng) * -libm::expm1(-hazard) < q;
        (leaves, rng::exp53(rng))
    }
}

/// The columns cut to the first `n` citizens (all of them), so that the compiler, seeing
/// every column of the same length, checks a citizen's number against it once.
fn same_length(c: Columns<'_>, n: usize) -> Columns<'_> {
    Columns {
        efficacy: &mut c.efficacy[..n],
        external_efficacy: &mut c.external_efficacy[..n],
        skill: &c.skill[..n],
        time: &c.time[..n],
        motivation: &mut c.motivation[..n],
        risk_aversion: &c.risk_aversion[..n],
        ownership: &mut c.ownership[..n],
        trust: &mut c.trust[..n],
        belief: &mut c.belief[..n],
        group: &mut c.group[..n],
        steps_participated: &mut c.steps_participated[..n],
        flags: &mut c.flags[..n],
    }
}

/// What an open group brings to the join utility ([`JoinTerms::offer`]).
#[derive(Clone, Copy, PartialEq)]
struct Offer {
    clarity: f64,
    responsive: bool,
}

/// The citizen columns the join utility reads, borrowed apart from the ones joining writes.
#[derive(Clone, Copy)]
struct Attributes<'a> {
    efficacy: &'a [f32],
    external_efficacy: &'a [f32],
    motivation: &'a [f32],
    ownership: &'a [f32],
    trust: &'a [f32],
    risk_aversion: &'a [f32],
    time: &'a [f32],
}

/// One citizen's attributes as the join utility reads them.
#[derive(Clone, Copy)]
struct Lane {
    efficacy: f32,
    external_efficacy: f32,
    motivation: f32,
    ownership: f32,
    trust: f32,
    risk_aversion: f32,
    time: f32,
}

impl<'a> Attributes<'a> {
    /// The columns of all citizens.
    #[cfg(test)]
    fn of(c: &'a crate::population::Citizens) -> Attributes<'a> {
        Attributes {
            efficacy: &c.efficacy,
            external_efficacy: &c.external_efficacy,
            motivation: &c.motivation,
            ownership: &c.ownership,
            trust: &c.trust,
            risk_aversion: &c.risk_aversion,
            time: &c.time,
        }
    }

    /// The attributes of citizen `u`.
    #[inline(always)]
    fn lane(&self, u: usize) -> Lane {
        Lane {
            efficacy: self.efficacy[u],
            external_efficacy: self.external_efficacy[u],
            motivation: self.motivation[u],
            ownership: self.ownership[u],
            trust: self.trust[u],
            risk_aversion: self.risk_aversion[u],
            time: self.time[u],
        }
    }

    /// Every column cut to its first `n` citizens, so that one bounds check on a citizen's
    /// number covers them all.
    #[inline(always)]
    fn cut(&self, n: usize) -> Attributes<'a> {
        Attributes {
            efficacy: &self.efficacy[..n],
            external_efficacy: &self.external_efficacy[..n],
            motivation: &self.motivation[..n],
            ownership: &self.ownership[..n],
            trust: &self.trust[..n],
            risk_aversion: &self.risk_aversion[..n],
            time: &self.time[..n],
        }
    }
}

/// The aware citizens in no group of the community `[start, end)`, in visiting order from
/// `first`, wrapping around, into the start of `list`, and how many there are. The flags are
/// read eight citizens at a time as one word, and its candidates listed without branches on
/// the citizens' state (which a processor cannot predict): eight numbers are written at the
/// end of the list from a table of the candidates' places in the word, and the list grows by
/// the number of candidates. `list` keeps its length from community to community, at least
/// the community's size plus eight (room for those writes, and for padding the candidates to
/// whole SIMD lanes).
fn aware_and_free(
    flags: &[u8],
    (first, start, end): (u32, u32, u32),
    list: &mut Vec<u32>,
) -> usize {
    let room = (end - start) as usize + 8;
    if list.len() < room {
        list.resize(room, 0);
    }
    let mut count = 0;
    for (a, b) in [(first, end), (start, first)] {
        let words = flags[a as usize..b as usize].chunks_exact(8);
        let tail = words.remainder();
        let mut base = a;
        for word in words {
            let w = u64::from_le_bytes(word.try_into().expect("eight flags"));
            // Bit 0 of each byte: aware (bit 3) and not a member (bit 4).
            let hits = (w >> 3) & !(w >> 4) & 0x0101_0101_0101_0101;
            // Bit `8j` to bit `j`: the products of the set bits do not overlap.
            let mask = (hits.wrapping_mul(0x0102_0408_1020_4080) >> 56) as usize;
            let places = &CANDIDATE_PLACES[mask];
            let slots: &mut [u32; 8] = (&mut list[count..count + 8]).try_into().expect("room");
            place_candidates(slots, places, base);
            // At most one bit per byte: the multiplication sums the bytes into the top one.
            count += (hits.wrapping_mul(0x0101_0101_0101_0101) >> 56) as usize;
            base += 8;
        }
        for (k, &f) in tail.iter().enumerate() {
            list[count] = base + k as u32;
            count += usize::from(f & (flag::AWARE | flag::MEMBER) == flag::AWARE);
        }
    }
    count
}

/// `slots[j] = base + places[j]` for the eight `j`, in two SIMD additions where SSE2 is
/// part of the architecture (every x86-64 processor).
#[inline(always)]
fn place_candidates(slots: &mut [u32; 8], places: &[u8; 8], base: u32) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{
            __m128i, _mm_add_epi32, _mm_loadl_epi64, _mm_set1_epi32, _mm_setzero_si128,
            _mm_storeu_si128, _mm_unpackhi_epi16, _mm_unpacklo_epi8, _mm_unpacklo_epi16,
        };
        // SAFETY: SSE2 is part of x86-64, so the intrinsics run on every processor this code
        // is built for; `places` holds the eight bytes the load reads, and `slots` the eight
        // u32 the two stores write.
        unsafe {
            let zero = _mm_setzero_si128();
            let bytes = _mm_loadl_epi64(places.as_ptr().cast::<__m128i>());
            let words = _mm_unpacklo_epi8(bytes, zero);
            let base = _mm_set1_epi32(base as i32);
            let low = _mm_add_epi32(_mm_unpacklo_epi16(words, zero), base);
            let high = _mm_add_epi32(_mm_unpackhi_epi16(words, zero), base);
            _mm_storeu_si128(slots.as_mut_ptr().cast::<__m128i>(), low);
            _mm_storeu_si128(slots.as_mut_ptr().add(4).cast::<__m128i>(), high);
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    for (slot, &place) in slots.iter_mut().zip(places) {
        *slot = base + u32::from(place);
    }
}

/// `CANDIDATE_PLACES[mask]`: the set bits of `mask`, in increasing order, then zeros.
static CANDIDATE_PLACES: [[u8; 8]; 256] = candidate_places();

const fn candidate_places() -> [[u8; 8]; 256] {
    let mut table = [[0u8; 8]; 256];
    let mut mask = 0;
    while mask < 256 {
        let (mut bit, mut n) = (0, 0);
        while bit < 8 {
            if mask & (1 << bit) != 0 {
                table[mask][n] = bit as u8;
                n += 1;
            }
            bit += 1;
        }
        mask += 1;
    }
    table
}

/// A number to be rounded stochastically: its whole part and what is left, the chance of one
/// more (docs/ODD.md 8.1).
#[derive(Clone, Copy)]
struct Rounding {
    whole: u32,
    part: f64,
}

impl Rounding {
    fn new(x: f64) -> Rounding {
        let whole = x.floor();
        Rounding {
            whole: whole as u32,
            part: x - whole,
        }
    }
}

/// Which items of a sequence (numbered from 0) get one more than the whole part when each of
/// them is rounded stochastically, item `j` with chance `part_j`: the items are visited
/// independently with probability `top`, at least every `part_j`, found by geometric gaps,
/// and a visited one gets it with probability `part_j / top` (no draw when they are equal).
struct Extras {
    gaps: rng::Gaps,
    top: f64,
    /// The next item visited (`u64::MAX` for none).
    next: u64,
}

impl Extras {
    /// Draws the gap to the first item visited (none when `top` is 0).
    fn new(rng: &mut rng::ModelRng, top: f64) -> Extras {
        // `Gaps::new(0.0)` is "never" too, without its logarithm.
        let gaps = if top > 0.0 {
            rng::Gaps::new(top)
        } else {
            rng::Gaps::never()
        };
        let next = gaps.next(rng);
        Extras { gaps, top, next }
    }

    /// Whether item `j` (items are asked about in increasing order) gets one more: if it is
    /// the next visited, one draw decides (unless `part` is `top`), then the gap to the next
    /// visited is drawn.
    #[inline]
    fn at(&mut self, rng: &mut rng::ModelRng, j: u64, part: f64) -> bool {
        if j != self.next {
            return false;
        }
        let more = part >= self.top || uniform(rng) * self.top < part;
        self.next = (j + 1).saturating_add(self.gaps.next(rng));
        more
    }
}

/// The join utilities without the social term of a community's candidates: the distinct
/// offers of its open groups, the offer of each open group (an index into the offers, kept in
/// step with the open list), and each candidate's utility for each distinct offer.
#[derive(Default)]
struct Utilities {
    offers: Vec<Offer>,
    kinds: Vec<usize>,
    /// Offer by offer, `padded` candidates each.
    rests: Vec<f64>,
    padded: usize,
}

impl Utilities {
    /// The distinct offers of the open groups `open`: a community's groups bring at most four
    /// different offers (two clarities, responsive or not), and usually one.
    fn offers_of(&mut self, terms: &JoinTerms, groups: &[Group], open: &[u32]) {
        self.offers.clear();
        self.kinds.clear();
        for &g in open {
            let offer = terms.offer(&groups[g as usize]);
            let kind = match self.offers.iter().position(|o| *o == offer) {
                Some(k) => k,
                None => {
                    self.offers.push(offer);
                    self.offers.len() - 1
                }
            };
            self.kinds.push(kind);
        }
    }

    /// The utilities of the first `m` of `candidates` (attributes `a`, flags `flags`) for
    /// every distinct offer, and the largest of them. The candidates are padded with the last
    /// of them to whole SIMD lanes (`candidates` has room for that): the padding is never
    /// visited, and repeats a candidate, so it changes no largest utility.
    fn compute(
        &mut self,
        terms: &JoinTerms,
        a: &Attributes<'_>,
        flags: &[u8],
        candidates: &mut [u32],
        m: usize,
    ) -> f64 {
        let padded = m.next_multiple_of(4);
        let last = candidates[m - 1];
        candidates[m..padded].fill(last);
        if self.rests.len() < padded * self.offers.len() {
            self.rests.resize(padded * self.offers.len(), 0.0);
        }
        self.padded = padded;
        let mut most = f64::NEG_INFINITY;
        for (v, offer) in self.offers.iter().enumerate() {
            let out = &mut self.rests[v * padded..(v + 1) * padded];
            most = most.max(terms.rest_list(a, flags, &candidates[..padded], *offer, out));
        }
        most
    }

    /// The utility of the `k`-th candidate for the open group at position `pick`.
    #[inline]
    fn of(&self, pick: usize, k: usize) -> f64 {
        self.rests[self.kinds[pick] * self.padded + k]
    }
}

/// What joining reads and changes: the network, the citizens' groups and flags, and the
/// groups' member lists.
struct Joiners<'a> {
    network: &'a crate::network::Network,
    group_of: &'a mut [u32],
    flags: &'a mut [u8],
    groups: &'a mut [Group],
}

impl Joiners<'_> {
    /// Whether candidate `i` joins, for the uniform draw `v` (already scaled by the top
    /// probability) and the utility `rest` without the social term: the cheap bound first
    /// (every neighbour active), then the neighbours and the exact probability.
    #[inline]
    fn decide(&self, i: u32, v: f64, rest: f64, social_weight: f64) -> bool {
        v < rng::logistic_upper(rest + social_weight)
            && (v < Self::sure(rest, social_weight) || {
                let active = active_neighbours(self.network, self.flags, i);
                rng::below_logistic(v, rest + social_weight * social_response(active))
            })
    }

    /// Below this, a draw says "join" whatever the candidate's neighbours: a lower bound of
    /// the join probability without the social term, which never lowers it (its weight and
    /// response are never negative, and adding a non-negative number never rounds below where
    /// it started); 0 (no shortcut) for a negative or infinite weight.
    #[inline]
    fn sure(rest: f64, social_weight: f64) -> f64 {
        // Not for an infinite weight either (a caller can set `Params`' fields directly):
        // infinity times a response of 0 is NaN, which never joins.
        if (0.0..f64::INFINITY).contains(&social_weight) {
            rng::logistic_lower(rest)
        } else {
            0.0
        }
    }

    /// Citizen `i` joins group `g`; whether the group is full now.
    fn enlist(&mut self, i: u32, g: u32) -> bool {
        self.group_of[i as usize] = g;
        self.flags[i as usize] |= flag::AWARE | flag::MEMBER;
        let group = &mut self.groups[g as usize];
        group.members.push(i);
        group.satisfaction.push(INITIAL_SATISFACTION);
        group.members.len() as u32 >= group.cap
    }
}

/// Network neighbours of `i` in a group, the co-production tie included. Membership is read
/// from the flags' [`flag::MEMBER`] bit, set exactly when a citizen's group is not
/// `NO_GROUP`: one byte per neighbour, and a community's flags are in the cache already
/// (joining has just scanned them).
fn active_neighbours(network: &crate::network::Network, flags: &[u8], i: u32) -> u32 {
    let member = |j: u32| u32::from(flags[j as usize] & flag::MEMBER != 0);
    let lattice: u32 = network.neighbours(i).iter().map(|&j| member(j)).sum();
    let extra = network.extra_tie[i as usize];
    lattice + u32::from(extra != crate::network::NO_TIE && member(extra) != 0)
}

impl Model {
    pub(crate) fn new_group(
        &mut self,
        p: &Params,
        org: u32,
        community: u32,
        task: TaskKind,
        power: f64,
    ) -> usize {
        let cap = p.group_size_cap as u32;
        let (mut members, mut satisfaction) = self.spare_member_lists.pop().unwrap_or_default();
        members.clear();
        members.reserve(cap as usize);
        satisfaction.clear();
        satisfaction.reserve(cap as usize);
        self.records.push(GroupRecord {
            group_id: self.records.len() as u32,
            organisation: (org != UNSUPPORTED).then_some(org),
            community,
            task,
            size_cap: cap,
            size_at_formation: 0,
            formed_step: self.step,
            ended_step: None,
            end_reason: EndReason::Active,
            life: Default::default(),
        });
        let staff = if org == UNSUPPORTED {
            NO_STAFF
        } else {
            self.staff.assign(org)
        };
        self.groups.push(Group {
            record: self.records.len() as u32 - 1,
            org,
            staff,
            community,
            task,
            cap,
            power,
            members,
            satisfaction,
            failed_streak: 0,
            last_success: true,
            started: false,
            opened_step: self.step,
        });
        self.groups.len() - 1
    }

    /// Each organisation opens, per community it serves, a stochastic-rounded
    /// `opportunity_rate x max(propensity, directive)` opportunities, each with the power its
    /// assigned staff member shares, plus `opportunity_rate x entrepreneurs` entrepreneurial
    /// ones with full power.
    pub(crate) fn open_opportunities(&mut self, p: &Params) {
        let n_orgs = self.orgs.len() as u32;
        for o in 0..n_orgs {
            let org = &self.orgs[o as usize];
            let regular = p.opportunity_rate * org.propensity(p).max(p.directive);
            let entrepreneurial = p.opportunity_rate * p.entrepreneurs;
            let mut c = o;
            while c < self.n_communities {
                let rng = &mut self.streams.opportunities;
                let k = round_stochastic(rng, regular);
                let e = round_stochastic(rng, entrepreneurial);
                for n in 0..k + e {
                    let rng = &mut self.streams.opportunities;
                    let task = if chance(rng, p.specific_share) {
                        TaskKind::Specific
                    } else {
                        TaskKind::Generic
                    };
                    let g = self.new_group(p, o, c, task, 1.0);
                    if n < k {
                        let s = self.groups[g].staff;
                        self.groups[g].power = self.staff.power(s, &self.orgs[o as usize], p);
                    }
                }
                self.orgs[o as usize].tally.opportunities += k + e;
                c += n_orgs;
            }
        }
    }

    /// Citizens start initiatives of their own: per community, a stochastic-rounded
    /// `size x self_organise_rate` citizens are drawn; one not in a group founds a specific,
    /// unsupported group with probability `motivation x efficacy`. The communities that get
    /// one more than the whole part are found by geometric gaps (docs/ODD.md 8.2).
    pub(crate) fn start_initiatives(&mut self, p: &Params) {
        let (n, communities) = (self.n_citizens, self.n_communities);
        // Communities have `n / communities` citizens or one more.
        let rounding = |m: u32| Rounding::new(f64::from(m) * p.self_organise_rate);
        let sizes = [
            n / communities,
            n / communities + u32::from(n % communities != 0),
        ];
        let [small, large] = sizes.map(rounding);
        let top = small.part.max(large.part);
        let rng = &mut self.streams.self_organise;
        let mut extra = Extras::new(rng, top);
        let every = large.whole > 0;
        let mut c = if every { 0 } else { extra.next };
        while c < u64::from(communities) {
            let (start, end) = self.community_range(c as u32);
            let Rounding { whole, part } = rounding(end - start);
            let rng = &mut self.streams.self_organise;
            let k = whole + u32::from(extra.at(rng, c, part));
            for _ in 0..k {
                let rng = &mut self.streams.self_organise;
                let i = start + below(rng, end - start);
                let keen = f64::from(self.citizens.motivation[i as usize])
                    * f64::from(self.citizens.efficacy[i as usize]);
                if self.citizens.group[i as usize] == NO_GROUP && chance(rng, keen) {
                    let g = self.new_group(p, UNSUPPORTED, c as u32, TaskKind::Specific, 1.0);
                    self.join(g, i);
                }
            }
            c = if every { c + 1 } else { extra.next };
        }
    }

    pub(crate) fn join(&mut self, g: usize, i: u32) {
        self.citizens.columns().enlist(i, g as u32);
        self.groups[g].members.push(i);
        self.groups[g].satisfaction.push(INITIAL_SATISFACTION);
    }

    /// Probability that aware citizen `i` joins group `g` when approached: the logistic of
    /// the join utility (docs/ODD.md, submodel "Joining").
    #[cfg(test)]
    pub(crate) fn join_probability(&mut self, p: &Params, g: usize, i: u32) -> f64 {
        let terms = JoinTerms::new(p);
        let c = &self.citizens;
        let a = Attributes::of(c);
        let group = &self.groups[g];
        let rest = terms.rest(&a, i as usize, c.flags[i as usize], terms.offer(group));
        let social_weight = terms.w_social * f64::from(self.norm[group.community as usize]);
        let active = active_neighbours(&self.network, &c.flags, i);
        logistic(rest + social_weight * social_response(active))
    }

    /// Citizens choose whether to join an open group of their community. Communities are
    /// visited in order; inside a community the visit starts at a random citizen and wraps
    /// around. Each aware citizen in no group, while the community has forming groups with
    /// vacancies, considers one of them drawn uniformly and joins with the join probability.
    ///
    /// Most candidates would turn the offer down, so they are thinned (docs/ODD.md 8.4): the
    /// utilities of every candidate for every distinct offer are computed first, in SIMD lanes,
    /// and their largest gives a top probability; candidates are visited with that
    /// probability, found by geometric gaps, and a visited one joins with its join probability
    /// divided by the top one. The network scan and the exponential are skipped when an upper
    /// bound of the probability (every neighbour active) already says no.
    pub(crate) fn join_open_groups(&mut self, p: &Params) {
        self.list_open_groups();
        let (n_citizens, n_communities) = (self.n_citizens, self.n_communities);
        let mut candidates = std::mem::take(&mut self.join_candidates);
        let terms = JoinTerms::new(p);
        let Columns {
            efficacy,
            external_efficacy,
            motivation,
            ownership,
            trust,
            risk_aversion,
            time,
            group: group_of,
            flags,
            ..
        } = self.citizens.columns();
        // Every column cut to the same length, so that one bounds check on a citizen's
        // number covers them all.
        let n = n_citizens as usize;
        let a = Attributes {
            efficacy: &efficacy[..n],
            external_efficacy: &external_efficacy[..n],
            motivation: &motivation[..n],
            ownership: &ownership[..n],
            trust: &trust[..n],
            risk_aversion: &risk_aversion[..n],
            time: &time[..n],
        };
        let mut joiners = Joiners {
            network: &self.network,
            group_of: &mut group_of[..n],
            flags: &mut flags[..n],
            groups: &mut self.groups,
        };
        let rng = &mut self.streams.recruitment;
        let mut utilities = Utilities::default();
        for (c, open) in self.open_by_community.iter_mut().enumerate() {
            if open.is_empty() {
                continue;
            }
            let (start, end) = crate::network::community_range(c as u32, n_citizens, n_communities);
            let first = start + below(rng, end - start);
            let m = aware_and_free(joiners.flags, (first, start, end), &mut candidates);
            if m == 0 {
                continue;
            }
            utilities.offers_of(&terms, joiners.groups, open);
            let most = utilities.compute(&terms, &a, joiners.flags, &mut candidates, m);
            let social_weight = terms.w_social * f64::from(self.norm[c]);
            // Thinning: every candidate is visited independently with probability `top`, at
            // least the join probability of any candidate for any offer (every neighbour
            // active), and a visited one joins with its join probability divided by `top`.
            let top = (rng::logistic(most + social_weight) * (1.0 + 1e-9)).min(1.0);
            let gaps = rng::Gaps::new(top);
            let mut k = gaps.next(rng);
            while let Some(&i) = candidates[..m].get(k as usize) {
                // The candidate's neighbours are read only if the cheap bound lets it through,
                // a branch the processor cannot predict: asked for before it, they are on their
                // way when it resolves.
                joiners.network.prefetch(i);
                let (pick, u) = rng::below_and_uniform(rng, open.len() as u32);
                let pick = pick as usize;
                let rest = utilities.of(pick, k as usize);
                if joiners.decide(i, u * top, rest, social_weight) {
                    let g = open[pick];
                    if joiners.enlist(i, g) {
                        open.swap_remove(pick);
                        utilities.kinds.swap_remove(pick);
                        if open.is_empty() {
                            break;
                        }
                    }
                }
                k = (k + 1).saturating_add(gaps.next(rng));
            }
        }
        self.join_candidates = candidates;
    }

    /// The forming groups with vacancies of each community, in group-table order.
    fn list_open_groups(&mut self) {
        for list in &mut self.open_by_community {
            list.clear();
        }
        for (g, group) in self.groups.iter().enumerate() {
            if !group.started && (group.members.len() as u32) < group.cap {
                self.open_by_community[group.community as usize].push(g as u32);
            }
        }
    }

    /// A forming group starts when it is full or its formation window is over; with fewer
    /// than `min_members` members at that point it lapses and never starts. Groups are
    /// closed once started: leavers are not replaced (defined groups with clear boundaries).
    pub(crate) fn start_or_lapse(&mut self, p: &Params) {
        let mut never_started = Vec::new();
        for g in 0..self.groups.len() {
            let group = &mut self.groups[g];
            if group.started {
                continue;
            }
            let size = group.members.len() as u32;
            let window_over = self.step + 1 >= group.opened_step + p.formation_steps as u32;
            if size >= group.cap || window_over {
                let record = &mut self.records[group.record as usize];
                record.size_at_formation = size;
                record.formed_step = self.step;
                if size < p.min_members as u32 {
                    never_started.push(g);
                } else {
                    group.started = true;
                    self.formed += 1;
                }
            }
        }
        for &g in never_started.iter().rev() {
            self.end_group(g, EndReason::NeverStarted);
        }
    }

    /// The organisation serving an unsupported initiative notices it with probability equal
    /// to its awareness of citizens' own activity, and from then on supports it.
    pub(crate) fn notice_initiatives(&mut self, p: &Params) {
        for g in 0..self.groups.len() {
            if self.groups[g].org != UNSUPPORTED {
                continue;
            }
            let o = self.org_of(self.groups[g].community);
            if chance(
                &mut self.streams.opportunities,
                self.orgs[o as usize].awareness,
            ) {
                let s = self.staff.assign(o);
                let power = self.staff.power(s, &self.orgs[o as usize], p);
                let group = &mut self.groups[g];
                group.org = o;
                group.staff = s;
                group.power = group.power.max(power);
                self.records[group.record as usize].organisation = Some(o);
            }
        }
    }

    /// Every running group: members contribute (conditional cooperation plus peer pressure),
    /// the service is produced, members are paid off and learn, and beliefs are updated from
    /// the peers each member watches.
    pub(crate) fn produce(&mut self, p: &Params) -> Production {
        let mut total = Production::default();
        let terms = ProductionTerms::new(p);
        // Reused across steps so production allocates nothing once groups have formed: the
        // organisations' budgets first, then what each member of the group being visited
        // gives.
        let mut scratch = std::mem::take(&mut self.contribution_scratch);
        scratch.clear();
        scratch.extend((0..self.orgs.len() as u32).map(|o| self.budget_of(o, p)));
        let n_orgs = self.orgs.len();
        let n_communities = self.n_communities;
        let mut c = same_length(self.citizens.columns(), self.n_citizens as usize);
        // A copy of the stream, written back at the end, so that its state can stay in
        // registers: a borrow of the field could alias the columns written in the loop.
        let mut stream = self.streams.contribution.clone();
        let rng = &mut stream;
        for group in &mut self.groups {
            if !group.started {
                continue;
            }
            let n = group.members.len();
            let supported = group.org != UNSUPPORTED;
            let budget = if supported {
                scratch[group.org as usize]
            } else {
                0.0
            };

            // Contributions: watched members give more, scaled by the community norm.
            let visibility = visibility(p, n);
            let pressure =
                p.sanction_strength * visibility * f64::from(self.norm[group.community as usize]);
            // What each member gives this step (as peers see it, in single precision), in
            // member order: read back for the payoffs and by the peers who watch.
            // Grown only, never cleared: `contribute` writes every member's value first.
            if scratch.len() < n_orgs + n {
                scratch.resize(n_orgs + n, 0.0);
            }
            let (effort, low_members) = terms.contribute(
                &c,
                &group.members,
                pressure,
                rng,
                &mut scratch[n_orgs..n_orgs + n],
                &mut total,
            );
            total.members += n as u32;

            // Production.
            let coordination = (1.0 - p.coordination_cost * (n as f64 - 1.0)).max(0.0);
            let staff = if supported && terms.staff_skill {
                0.5 + self
                    .staff
                    .skill_of(group.staff, &self.orgs[group.org as usize])
            } else {
                1.0
            };
            let labour = pooled(p, effort, n);
            let coordinated = labour * coordination;
            let citizen_input = if terms.citizen_input {
                coordinated * staff
            } else {
                0.0
            };
            // The hurdle and the rivalry of the benefit are separate choices, so the regimes
            // of the group-size lesson can change one thing at a time.
            let min_effort = p.min_effort + p.min_effort_per_member * n as f64;
            let success = citizen_input >= min_effort;
            self.records[group.record as usize].life.add_month(
                n,
                effort,
                labour,
                coordinated,
                citizen_input,
                min_effort,
            );
            let professional = if supported {
                let tally = &mut self.orgs[group.org as usize].tally;
                let given = affordable(asked_input(p, citizen_input), budget, tally.support);
                tally.support += given;
                given
            } else {
                p.unsupported_input
            };
            let (r, s) = per_beneficiary(professional, citizen_input, n, terms.per_member);
            let per_member_benefit = if success {
                benefit(ces(r, s, terms.rho), p.benefit_max, p.benefit_scale)
            } else {
                0.0
            };
            total.output += per_member_benefit * n as f64;
            let eq = &mut total.equity;
            eq.benefit_low += per_member_benefit * f64::from(low_members);
            eq.benefit_high += per_member_benefit * f64::from(n as u32 - low_members);
            // As the effort tallies: the other community type adds exactly 0, without a branch.
            let deprived = u8::from(crate::population::is_deprived(
                group.community,
                n_communities,
            ));
            let received = per_member_benefit * n as f64;
            eq.benefit_deprived += received * f64::from(deprived);
            eq.benefit_affluent += received * f64::from(1 - deprived);
            total.support += if supported { professional } else { 0.0 };
            total.citizen_effort += effort;

            // Payoffs and learning of members, then (in the same visit: payoffs take no draw
            // and read no belief) each member's belief from the fellow members it watches.
            let power = if terms.power_feedback {
                group.power
            } else {
                0.5
            };
            let outcome = Outcome {
                benefit_felt: terms.clarity[usize::from(group.task == TaskKind::Generic)]
                    * per_member_benefit,
                // Input taken up: the power the organisation hands over, once the task shows
                // results.
                taken_up: if success { power } else { 0.0 },
                mastery: f64::from(u8::from(success)),
                trust_signal: 0.5 * f64::from(u8::from(success)) + 0.5 * power,
                supported,
            };
            let watched = if n > 1 { terms.attention.min(n - 1) } else { 0 };
            // Converted once per group, not once per member.
            let watchers = watched as f64;
            let given_seen = &scratch[n_orgs..n_orgs + n];
            let paid = group.members.iter().zip(group.satisfaction.iter_mut());
            for (k, ((&i, satisfaction), &given)) in paid.zip(given_seen).enumerate() {
                let u = i as usize;
                terms.pay_off(&mut c, u, given, satisfaction, &outcome);
                if watched == 0 {
                    continue;
                }
                // SAFETY: `watched` is not 0, so the group has at least two members, each
                // with its contribution in `given_seen`.
                let seen = unsafe { seen_sum(rng, given_seen, k, watched) };
                if terms.belief_learning {
                    let b = f64::from(c.belief[u]);
                    c.belief[u] = contribution::update_belief(b, seen / watchers, p) as f32;
                }
            }

            group.failed_streak = if success { 0 } else { group.failed_streak + 1 };
            group.last_success = success;
            if supported {
                let s = group.staff as usize;
                self.staff.supported[s] += 1;
                self.staff.successes[s] += u32::from(success);
                let tally = &mut self.orgs[group.org as usize].tally;
                tally.groups_supported += 1;
                tally.successes += u32::from(success);
                tally.value += per_member_benefit / p.benefit_max.max(f64::MIN_POSITIVE);
            }
        }
        self.contribution_scratch = scratch;
        self.streams.contribution = stream;
        total
    }

    /// Members leave with probability `exit_hazard + (1 - exit_hazard) x
    /// logistic(leave_base - leave_slope x satisfaction)`; those who stay may form a tie
    /// with a random fellow member.
    ///
    /// Few members leave in a step, so those who do are found by an exponential race over
    /// the members visited ([`Leaving`], docs/ODD.md 8.13) instead of one draw per member.
    /// Ties are rarer still (`tie_formation` per member and step), so the members who form
    /// one are found by geometric gaps over the sequence of members who stay in a group of
    /// more than one, instead of one draw per member.
    pub(crate) fn leave_and_tie(&mut self, p: &Params) {
        let mut leaving = Leaving::new(p, &mut self.streams.leaving);
        let gaps = rng::Gaps::new(p.tie_formation);
        // Members who may form a tie still to pass over before the next one who does.
        let mut until_tie = gaps.next(&mut self.streams.ties);
        for group in &mut self.groups {
            if !group.started {
                continue;
            }
            let mut k = 0;
            while k < group.members.len() {
                let i = group.members[k];
                if leaving.leaves(group.satisfaction[k], &mut self.streams.leaving) {
                    self.citizens.free(i);
                    group.members.swap_remove(k);
                    group.satisfaction.swap_remove(k);
                    continue;
                }
                let n = group.members.len() as u32;
                if n > 1 {
                    if until_tie > 0 {
                        until_tie -= 1;
                    } else {
                        let ties = &mut self.streams.ties;
                        let mut j = below(ties, n - 1) as usize;
                        if j >= k {
                            j += 1;
                        }
                        self.network.tie_up(i, group.members[j]);
                        until_tie = gaps.next(ties);
                    }
                }
                k += 1;
            }
        }
    }

    /// Groups with fewer than `min_members` members, or that failed `failure_patience`
    /// steps in a row, dissolve; their members become free.
    pub(crate) fn dissolve(&mut self, p: &Params) {
        for g in (0..self.groups.len()).rev() {
            let group = &self.groups[g];
            if !group.started {
                continue;
            }
            if (group.members.len() as u32) < p.min_members as u32 {
                self.end_group(g, EndReason::TooFewMembers);
                self.dissolved += 1;
            } else if group.failed_streak >= p.failure_patience as u32 {
                self.end_group(g, EndReason::FailedTask);
                self.dissolved += 1;
            }
        }
    }

    /// Ends group `g`: frees its members, closes its record and removes it, moving the last
    /// group into its slot.
    fn end_group(&mut self, g: usize, reason: EndReason) {
        let group = self.groups.swap_remove(g);
        self.staff.release(group.staff);
        for &i in &group.members {
            self.citizens.free(i);
        }
        let record = &mut self.records[group.record as usize];
        record.ended_step = Some(self.step);
        record.end_reason = reason;
        self.spare_member_lists
            .push((group.members, group.satisfaction));
        if g < self.groups.len() {
            for &i in &self.groups[g].members {
                self.citizens.group[i as usize] = g as u32;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contribution::CcType;

    fn small() -> (Params, Model) {
        let mut p = Params::defaults();
        p.set("population.n_citizens", 400.0).unwrap();
        p.set("population.n_communities", 2.0).unwrap();
        p.set("population.n_organisations", 1.0).unwrap();
        // Both communities alike, so tests compare mechanisms, not places.
        p.set("population.segregation", 0.0).unwrap();
        let model = Model::new(&p, 4);
        (p, model)
    }

    /// A started group in community 0 with members `0..n`, contributions forced by beliefs
    /// (average motivation, skill and time, so drawn attributes do not decide the outcome).
    fn group_of(model: &mut Model, p: &Params, n: u32, belief: f32) -> usize {
        let g = model.new_group(p, 0, 0, TaskKind::Specific, 0.5);
        for i in 0..n {
            average_member(model, i, belief);
            model.join(g, i);
        }
        model.groups[g].started = true;
        g
    }

    fn average_member(model: &mut Model, i: u32, belief: f32) {
        let (c, u) = (&mut model.citizens, i as usize);
        c.belief[u] = belief;
        c.set_cc_type(i, CcType::Conditional);
        (c.motivation[u], c.skill[u], c.time[u]) = (0.5, 0.5, 0.5);
    }

    /// Members among a citizen's lattice neighbours count, and its co-production tie counts
    /// once when the tied citizen is a member, not when it is not.
    #[test]
    fn active_neighbours_counts_members_and_a_member_tie() {
        let (_, mut model) = small();
        let i = 10;
        let lattice = model.network.neighbours(i).to_vec();
        let other = (0..200)
            .find(|&j| j != i && !lattice.contains(&j))
            .expect("a citizen who is not a neighbour");
        let mut flags = vec![0u8; 400];
        let count = |m: &Model, f: &[u8]| active_neighbours(&m.network, f, i);
        assert_eq!(count(&model, &flags), 0);
        model.network.tie_up(i, other);
        assert_eq!(count(&model, &flags), 0, "a tie to a non-member");
        flags[other as usize] |= flag::MEMBER;
        assert_eq!(count(&model, &flags), 1, "a tie to a member");
        for &j in &lattice {
            flags[j as usize] |= flag::MEMBER | flag::DUTY;
        }
        assert_eq!(count(&model, &flags), lattice.len() as u32 + 1);
        flags[other as usize] = flag::DUTY;
        assert_eq!(count(&model, &flags), lattice.len() as u32);
    }

    #[test]
    fn join_probability_follows_efficacy_cost_and_duty() {
        let (p, mut model) = small();
        let g = model.new_group(&p, 0, 0, TaskKind::Specific, 0.5);
        let prob = |m: &mut Model, q: &Params| m.join_probability(q, g, 7);
        model.citizens.flags[7] &= !flag::DUTY;
        model.citizens.efficacy[7] = 0.1;
        let low = prob(&mut model, &p);
        model.citizens.efficacy[7] = 0.9;
        let high = prob(&mut model, &p);
        assert!(high > low);
        let mut cheap = p.clone();
        cheap.participation_cost = 0.0;
        assert!(prob(&mut model, &cheap) > high);
        model.citizens.flags[7] |= flag::DUTY;
        assert!(prob(&mut model, &p) < high);
    }

    #[test]
    fn external_efficacy_counts_only_where_an_organisation_would_respond() {
        let (p, mut model) = small();
        let supported = model.new_group(&p, 0, 0, TaskKind::Specific, 0.5);
        let own = model.new_group(&p, UNSUPPORTED, 0, TaskKind::Specific, 1.0);
        let prob = |m: &mut Model, g: usize| m.join_probability(&p, g, 7);
        model.citizens.external_efficacy[7] = 0.1;
        let (low_supported, low_own) = (prob(&mut model, supported), prob(&mut model, own));
        model.citizens.external_efficacy[7] = 0.9;
        assert!(prob(&mut model, supported) > low_supported);
        assert_eq!(prob(&mut model, own), low_own);
    }

    #[test]
    fn success_builds_internal_efficacy_and_shared_power_builds_external() {
        let (mut p, mut model) = small();
        p.contribution_noise = 0.0;
        let g = group_of(&mut model, &p, 4, 0.9);
        model.groups[g].power = 0.0;
        for i in 0..4 {
            model.citizens.skill[i] = 1.0;
            model.citizens.time[i] = 1.0;
            model.citizens.efficacy[i] = 0.5;
            model.citizens.external_efficacy[i] = 0.5;
        }
        model.produce(&p);
        assert!(model.groups[g].last_success);
        // Success at zero power: mastery raises internal efficacy, but no input was taken up.
        assert!(model.citizens.efficacy[0] > 0.5);
        assert!(model.citizens.external_efficacy[0] < 0.5);
        model.groups[g].power = 1.0;
        model.citizens.external_efficacy[0] = 0.5;
        model.produce(&p);
        assert!(model.citizens.external_efficacy[0] > 0.5);
    }

    #[test]
    fn per_member_tasks_need_more_effort_as_groups_grow() {
        let (mut p, mut model) = small();
        p.group_size_cap = 60.0;
        p.contribution_noise = 0.0;
        p.peer_monitoring_channel = 0.0;
        p.min_effort_per_member = 0.1;
        model.staff.skill.iter_mut().for_each(|k| *k = 0.5);
        let small_group = group_of(&mut model, &p, 4, 0.9);
        let large_group = model.new_group(&p, 0, 0, TaskKind::Specific, 0.5);
        for i in 100..140 {
            average_member(&mut model, i, 0.1);
            model.join(large_group, i);
        }
        model.groups[large_group].started = true;
        model.produce(&p);
        assert!(model.groups[small_group].last_success);
        assert!(!model.groups[large_group].last_success);
        assert_eq!(model.groups[large_group].failed_streak, 1);
    }

    #[test]
    fn dissatisfied_members_leave_and_satisfied_ones_mostly_stay() {
        let (mut p, mut model) = small();
        p.group_size_cap = 60.0;
        let happy = group_of(&mut model, &p, 50, 0.5);
        model.groups[happy].satisfaction.fill(2.0);
        let unhappy = model.new_group(&p, 0, 1, TaskKind::Specific, 0.5);
        for i in 200..250 {
            model.join(unhappy, i);
        }
        model.groups[unhappy].satisfaction.fill(-2.0);
        model.groups[unhappy].started = true;
        model.leave_and_tie(&p);
        assert!(model.groups[happy].members.len() >= 47);
        assert!(model.groups[unhappy].members.len() <= 10);
        model.check_invariants().unwrap();
    }

    /// The race makes each member leave with their own probability, independently: over
    /// many members of mixed satisfaction (some with an infinite hazard bound) the number who leave,
    /// and the number of consecutive pairs who both leave, match their expectations.
    #[test]
    fn the_leaving_race_keeps_each_members_probability() {
        let mut p = Params::defaults();
        p.exit_hazard = 0.01;
        let mut rng = crate::rng::stream(3, crate::rng::Stream::Leaving);
        let mut leaving = Leaving::new(&p, &mut rng);
        let q = |s: f32| {
            let z = p.leave_base - p.leave_slope * f64::from(s);
            p.exit_hazard + (1.0 - p.exit_hazard) * logistic(z)
        };
        let (mut left, mut expected, mut both, mut expected_both) = (0.0, 0.0, 0.0, 0.0);
        let mut last = (false, 0.0);
        for k in 0..2_000_000u32 {
            // Satisfactions from -1 (likely to leave) to 1.5 (unlikely) in a scrambled order.
            let s = (k.wrapping_mul(2_654_435_761) % 1000) as f32 / 400.0 - 1.0;
            let goes = leaving.leaves(s, &mut rng);
            left += f64::from(u8::from(goes));
            expected += q(s);
            both += f64::from(u8::from(goes && last.0));
            expected_both += q(s) * last.1;
            last = (goes, q(s));
        }
        let z = (left - expected) / expected.sqrt();
        let z_both = (both - expected_both) / expected_both.sqrt();
        assert!(z.abs() < 4.0, "left {left} expected {expected}");
        assert!(z_both.abs() < 4.0, "both {both} expected {expected_both}");
    }

    #[test]
    fn groups_dissolve_when_too_small_or_failing() {
        let (p, mut model) = small();
        let lonely = group_of(&mut model, &p, 1, 0.5);
        let failing = model.new_group(&p, 0, 1, TaskKind::Generic, 0.5);
        for i in 200..204 {
            model.join(failing, i);
        }
        model.groups[failing].started = true;
        model.groups[failing].failed_streak = p.failure_patience as u32;
        let (lonely_record, failing_record) =
            (model.groups[lonely].record, model.groups[failing].record);
        model.dissolve(&p);
        assert!(model.groups.is_empty());
        assert_eq!(
            model.records[lonely_record as usize].end_reason,
            EndReason::TooFewMembers
        );
        assert_eq!(
            model.records[failing_record as usize].end_reason,
            EndReason::FailedTask
        );
        assert!(model.citizens.group.iter().all(|&g| g == NO_GROUP));
    }

    #[test]
    fn a_directive_opens_opportunities_that_closed_organisations_would_not() {
        let (mut p, mut model) = small();
        model.orgs[0].openness = 0.0;
        model.orgs[0].risk_aversion = 1.0;
        model.open_opportunities(&p);
        assert_eq!(model.orgs[0].tally.opportunities, 0);
        p.directive = 1.0;
        p.opportunity_rate = 2.0;
        model.open_opportunities(&p);
        assert_eq!(model.orgs[0].tally.opportunities, 4);
    }

    #[test]
    fn aware_organisations_notice_initiatives() {
        let (p, mut model) = small();
        let g = model.new_group(&p, UNSUPPORTED, 0, TaskKind::Specific, 1.0);
        model.orgs[0].awareness = 0.0;
        model.notice_initiatives(&p);
        assert_eq!(model.groups[g].org, UNSUPPORTED);
        model.orgs[0].awareness = 1.0;
        model.notice_initiatives(&p);
        assert_eq!(model.groups[g].org, 0);
        assert_eq!(model.records[g].organisation, Some(0));
    }

    #[test]
    fn forming_groups_lapse_with_too_few_members() {
        let (p, mut model) = small();
        let g = model.new_group(&p, 0, 0, TaskKind::Specific, 0.5);
        model.join(g, 3);
        model.step = p.formation_steps as u32;
        model.start_or_lapse(&p);
        assert!(model.groups.is_empty());
        assert_eq!(model.records[0].end_reason, EndReason::NeverStarted);
        assert_eq!(model.citizens.group[3], NO_GROUP);
    }

    /// The word-at-a-time scan lists exactly the aware non-members, in visiting order.
    #[test]
    fn candidates_are_the_aware_citizens_in_no_group_in_visiting_order() {
        let mut rng = crate::rng::stream(7, crate::rng::Stream::Recruitment);
        let flags: Vec<u8> = (0..203)
            .map(|_| {
                let mut f = (crate::rng::below(&mut rng, 32) as u8) & !flag::CC_TYPE;
                f |= (crate::rng::below(&mut rng, 4) as u8) << flag::CC_TYPE_SHIFT;
                f
            })
            .collect();
        let mut list = vec![99];
        for (first, start, end) in [(0, 0, 203), (57, 3, 203), (10, 10, 19), (15, 10, 19)] {
            let count = aware_and_free(&flags, (first, start, end), &mut list);
            let expected: Vec<u32> = (first..end)
                .chain(start..first)
                .filter(|&i| {
                    let f = flags[i as usize];
                    f & flag::AWARE != 0 && f & flag::MEMBER == 0
                })
                .collect();
            assert!(!expected.is_empty());
            assert_eq!(
                list[..count],
                expected,
                "first {first} start {start} end {end}"
            );
        }
    }

    /// The utilities of a list of citizens, four at a time with AVX2 where the processor has
    /// it, are bit for bit those of one citizen at a time, with every switch on and off, for
    /// every kind of offer, and so is their largest.
    #[test]
    fn listed_utilities_are_those_of_one_citizen_at_a_time() {
        let (mut p, mut model) = small();
        let mut rng = crate::rng::stream(3, crate::rng::Stream::Lab);
        let c = &mut model.citizens;
        for u in 0..c.flags.len() {
            // Every combination of the duty, affected and low-resource flags.
            c.flags[u] = (c.flags[u] & !7) | crate::rng::below(&mut rng, 8) as u8;
        }
        // Uneven lengths, repeats and any order.
        let list: Vec<u32> = (0..23).map(|_| crate::rng::below(&mut rng, 400)).collect();
        let switches = [
            "channels.efficacy_impact",
            "channels.ownership",
            "channels.resource_costs",
            "channels.task_clarity",
            "channels.external_efficacy_effect",
        ];
        for off in 0..=switches.len() {
            if let Some(name) = switches.get(off) {
                p.set(name, 0.0).unwrap();
            }
            let terms = JoinTerms::new(&p);
            let c = &model.citizens;
            let a = Attributes::of(c);
            let kinds = [1.0, terms.generic_clarity].map(|c| [(c, true), (c, false)]);
            for (clarity, responsive) in kinds.into_iter().flatten() {
                let offer = Offer {
                    clarity,
                    responsive: responsive && terms.external,
                };
                for len in [0, 1, 4, 7, 23] {
                    let mut out = vec![f64::NAN; len];
                    let most = terms.rest_list(&a, &c.flags, &list[..len], offer, &mut out);
                    let one_by_one: Vec<f64> = list[..len]
                        .iter()
                        .map(|&i| terms.rest(&a, i as usize, c.flags[i as usize], offer))
                        .collect();
                    let bits = |z: &[f64]| z.iter().map(|z| z.to_bits()).collect::<Vec<_>>();
                    assert_eq!(
                        bits(&out),
                        bits(&one_by_one),
                        "{off} {clarity} {responsive} {len}"
                    );
                    let top = one_by_one.iter().fold(f64::NEG_INFINITY, |m, &z| m.max(z));
                    assert_eq!(most.to_bits(), top.to_bits());
                }
            }
        }
    }

    /// Thinning keeps every join probability: with the social term off (so that candidates
    /// do not affect each other), the joins of the aware citizens of a community over many
    /// repetitions of the step's joining match the sums of their join probabilities, for each
    /// of two open groups with different offers, and for the likelier and the less likely
    /// half of the candidates.
    #[test]
    fn thinned_joining_keeps_each_join_probability() {
        let (mut p, mut model) = small();
        p.set("channels.social_influence", 0.0).unwrap();
        let (start, end) = model.community_range(0);
        for i in start..end {
            model.citizens.flags[i as usize] |= flag::AWARE;
        }
        let generic = model.new_group(&p, 0, 0, TaskKind::Generic, 0.5);
        let own = model.new_group(&p, UNSUPPORTED, 0, TaskKind::Specific, 1.0);
        for g in [generic, own] {
            model.groups[g].cap = 1000;
        }
        // Each candidate considers each group with probability 1/2.
        let probability: Vec<[f64; 2]> = (start..end)
            .map(|i| [generic, own].map(|g| 0.5 * model.join_probability(&p, g, i)))
            .collect();
        let mut middle: Vec<f64> = probability.iter().map(|q| q[0] + q[1]).collect();
        middle.sort_by(f64::total_cmp);
        let median = middle[middle.len() / 2];
        let likely = |k: usize| probability[k][0] + probability[k][1] >= median;
        let repetitions = 3000;
        // Joins by group and by half (likely, unlikely).
        let mut joins = [[0.0; 2]; 2];
        for r in 0..repetitions {
            model.streams.recruitment = crate::rng::stream_id(r, 5);
            model.join_open_groups(&p);
            for (slot, g) in [generic, own].into_iter().enumerate() {
                for i in std::mem::take(&mut model.groups[g].members) {
                    let k = (i - start) as usize;
                    joins[slot][usize::from(likely(k))] += 1.0;
                    model.citizens.free(i);
                    model.citizens.flags[i as usize] |= flag::AWARE;
                }
                model.groups[g].satisfaction.clear();
            }
        }
        for (slot, by_half) in joins.iter().enumerate() {
            for (half, &seen) in by_half.iter().enumerate() {
                let chances = probability
                    .iter()
                    .enumerate()
                    .filter(|&(k, _)| usize::from(likely(k)) == half)
                    .map(|(_, q)| q[slot]);
                let (mean, var) = chances.fold((0.0, 0.0), |(m, v), q| (m + q, v + q * (1.0 - q)));
                let (expected, sd) = (mean * repetitions as f64, (var * repetitions as f64).sqrt());
                assert!(expected > 50.0, "too few joins expected: {expected}");
                assert!(
                    (seen - expected).abs() < 4.0 * sd,
                    "group {slot}, half {half}: {seen} joins, {expected:.1} expected (sd {sd:.1})"
                );
            }
        }
    }

    /// Thinning keeps every join probability with the social term on: candidates chosen so
    /// that no two are network neighbours (a join changes no other candidate's count of
    /// active neighbours), with members of a started group among their neighbours, join as
    /// often as their join probabilities say, for each number of active neighbours.
    #[test]
    fn thinned_joining_keeps_each_join_probability_with_social_influence() {
        let (mut p, _) = small();
        p.set("population.ring_degree", 12.0).unwrap();
        p.set("join.w_social", 3.0).unwrap();
        let mut model = Model::new(&p, 4);
        let (start, end) = model.community_range(0);
        model.norm[0] = 1.0;
        // Members of a started group: every other citizen in the community's first third,
        // every fourth in the second, none in the last, so candidates have from none to
        // six active neighbours among their twelve.
        let busy = model.new_group(&p, UNSUPPORTED, 0, TaskKind::Specific, 1.0);
        model.groups[busy].started = true;
        let third = (end - start) / 3;
        for i in start..end {
            let every = if i < start + third { 2 } else { 4 };
            if i < start + 2 * third && (i - start) % every == 0 {
                model.join(busy, i);
            }
        }
        // Candidates: aware citizens in no group, no two of them neighbours.
        let mut candidates = Vec::new();
        for i in start..end {
            model.citizens.flags[i as usize] &= !flag::AWARE;
            let near = |j: &u32| model.network.neighbours(i).contains(j);
            if model.citizens.group[i as usize] == NO_GROUP && !candidates.iter().any(near) {
                candidates.push(i);
            }
        }
        for &i in &candidates {
            model.citizens.flags[i as usize] |= flag::AWARE;
        }
        let open = model.new_group(&p, 0, 0, TaskKind::Generic, 0.5);
        model.groups[open].cap = 1000;
        let active = |m: &Model, i: u32| active_neighbours(&m.network, &m.citizens.flags, i);
        let counts: Vec<u32> = candidates.iter().map(|&i| active(&model, i)).collect();
        let probability: Vec<f64> = candidates
            .iter()
            .map(|&i| model.join_probability(&p, open, i))
            .collect();
        let repetitions = 3000;
        // Joins by active neighbours: none or one, two or three, four or more.
        let class = |a: u32| (a.min(5) as usize) / 2;
        let mut joins = [0.0; 3];
        for r in 0..repetitions {
            model.streams.recruitment = crate::rng::stream_id(r, 6);
            model.join_open_groups(&p);
            for i in std::mem::take(&mut model.groups[open].members) {
                let k = candidates
                    .iter()
                    .position(|&c| c == i)
                    .expect("a candidate");
                joins[class(counts[k])] += 1.0;
                model.citizens.free(i);
            }
            model.groups[open].satisfaction.clear();
        }
        for (c, &seen) in joins.iter().enumerate() {
            let chances = (0..candidates.len()).filter(|&k| class(counts[k]) == c);
            let (mean, var) = chances
                .map(|k| probability[k])
                .fold((0.0, 0.0), |(m, v), q| (m + q, v + q * (1.0 - q)));
            let (expected, sd) = (mean * repetitions as f64, (var * repetitions as f64).sqrt());
            assert!(
                expected > 50.0,
                "too few joins expected in class {c}: {expected}"
            );
            assert!(
                (seen - expected).abs() < 4.0 * sd,
                "class {c}: {seen} joins, {expected:.1} expected (sd {sd:.1})"
            );
        }
    }

    /// Stochastic rounding by thinned gaps gives each item one more with its own chance,
    /// independently: the frequencies of one more, and of one more at two neighbouring items
    /// together, match the chances.
    #[test]
    fn thinned_rounding_gives_each_item_its_chance() {
        let parts = [0.3, 0.05, 0.3, 0.0, 0.2, 0.3, 0.1, 0.25];
        let top = parts.iter().fold(0.0, |t: f64, &q| t.max(q));
        let mut rng = crate::rng::stream(11, crate::rng::Stream::SelfOrganise);
        let repetitions = 40_000;
        let (mut seen, mut pairs) = ([0.0; 8], [0.0; 7]);
        for _ in 0..repetitions {
            let mut extra = Extras::new(&mut rng, top);
            let more: Vec<bool> = (0..8)
                .map(|j| extra.at(&mut rng, j, parts[j as usize]))
                .collect();
            for j in 0..8 {
                seen[j] += f64::from(u8::from(more[j]));
            }
            for j in 0..7 {
                pairs[j] += f64::from(u8::from(more[j] && more[j + 1]));
            }
        }
        let close = |seen: f64, q: f64| {
            let sd = (q * (1.0 - q) * f64::from(repetitions)).sqrt();
            (seen - q * f64::from(repetitions)).abs() <= 4.0 * sd.max(0.5)
        };
        for j in 0..8 {
            assert!(
                close(seen[j], parts[j]),
                "item {j}: {} of {repetitions}",
                seen[j]
            );
        }
        for j in 0..7 {
            let q = parts[j] * parts[j + 1];
            assert!(close(pairs[j], q), "items {j} and {}: {}", j + 1, pairs[j]);
        }
        assert_eq!(seen[3], 0.0);
        let r = Rounding::new(2.75);
        assert_eq!((r.whole, r.part), (2, 0.75));
    }

    /// A draw below the shortcut's bound joins with any number of active neighbours, at the
    /// bound and one step below it, for utilities across the table and social weights from 0
    /// to the largest allowed (20); a negative weight takes no shortcut.
    #[test]
    fn the_join_shortcut_never_decides_differently() {
        let mut rng = crate::rng::stream_id(11, 6);
        let mut shortcuts = 0;
        for k in 0..200_000 {
            let rest = -45.0 + 50.0 * (k as f64 / 200_000.0);
            let social_weight = [0.0, 0.3, 1.5, 20.0][k % 4];
            let sure = Joiners::sure(rest, social_weight);
            let below = f64::from_bits(sure.to_bits().saturating_sub(1));
            for v in [sure, below, uniform(&mut rng) * sure] {
                for active in 0..8 {
                    let z = rest + social_weight * social_response(active);
                    if v < sure {
                        shortcuts += 1;
                        assert!(v < logistic(z), "rest {rest} weight {social_weight} v {v}");
                    }
                }
            }
        }
        assert!(shortcuts > 1_000_000, "{shortcuts}");
        assert_eq!(Joiners::sure(0.5, -1.0), 0.0);
    }

    #[test]
    fn complex_contagion_needs_two_neighbours() {
        assert!(social_response(1) < 0.5 * social_response(2));
        assert_eq!(social_response(4), social_response(9));
    }

    #[test]
    fn generic_tasks_are_perceived_less_clearly() {
        let (p, mut model) = small();
        let g = model.new_group(&p, 0, 0, TaskKind::Specific, 0.5);
        assert_eq!(model.groups[g].clarity(&p), 1.0);
        model.groups[g].task = TaskKind::Generic;
        assert!(model.groups[g].clarity(&p) < 1.0);
    }
}
