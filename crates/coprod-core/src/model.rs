//! The model state and the order of one step (one month).
//!
//! Owns the schedule: which submodel runs when, over which agents, in which order.
//! Group mechanics are in `groups`, organisation decisions in `organisations`.

use crate::rng::ModelRng;

use crate::group::Group;
use crate::metrics::{CitizenRecord, GroupRecord, OrgStepRecord, StepMetrics};
use crate::network::{Layout, Network, community_range, community_ranges};
use crate::organisations::{self, Org};
use crate::params::Params;
use crate::population::{Citizens, NO_GROUP, flag};
use crate::production::time_cost;
use crate::rng::{self, Stream, normal, unit};
use crate::staff::Staff;

/// The random streams a step draws from, one per mechanism.
pub(crate) struct Streams {
    pub(crate) opportunities: ModelRng,
    pub(crate) contact: ModelRng,
    pub(crate) recruitment: ModelRng,
    pub(crate) contribution: ModelRng,
    pub(crate) leaving: ModelRng,
    pub(crate) ties: ModelRng,
    pub(crate) self_organise: ModelRng,
}

impl Streams {
    /// The step streams under key `seed`, numbered `base +` each stream's own number (`base`
    /// is 0 but in a placebo run).
    pub(crate) fn new(seed: u64, base: u64) -> Streams {
        let keyed = |s: Stream| rng::stream_id(seed, base + s as u64);
        Streams {
            opportunities: keyed(Stream::Opportunities),
            contact: keyed(Stream::Contact),
            recruitment: keyed(Stream::Recruitment),
            contribution: keyed(Stream::Contribution),
            leaving: keyed(Stream::Leaving),
            ties: keyed(Stream::Ties),
            self_organise: keyed(Stream::SelfOrganise),
        }
    }
}

/// A running model: citizens, network, communities, organisations and groups.
///
/// Build with [`Model::new`], advance with [`Model::step`]. Structural parameters
/// (sizes, initial distributions) are read once in `new`; every step reads the
/// parameters in force, so levers can change between steps.
pub struct Model {
    pub(crate) step: u32,
    pub(crate) n_citizens: u32,
    pub(crate) n_communities: u32,
    /// Low-resource citizens (a fixed attribute), counted once.
    pub(crate) n_low: u32,
    pub(crate) citizens: Citizens,
    pub(crate) network: Network,
    /// Participation norm strength (culture) of each community.
    pub(crate) norm: Vec<f32>,
    pub(crate) orgs: Vec<Org>,
    pub(crate) staff: Staff,
    pub(crate) groups: Vec<Group>,
    pub(crate) records: Vec<GroupRecord>,
    /// Member and satisfaction lists of dissolved groups, kept to be reused without
    /// allocating.
    pub(crate) spare_member_lists: Vec<(Vec<u32>, Vec<f32>)>,
    /// Forming groups with vacancies, per community; rebuilt each step, kept to reuse memory.
    pub(crate) open_by_community: Vec<Vec<u32>>,
    /// Scratch for the citizens of one community who may join, kept to reuse memory.
    pub(crate) join_candidates: Vec<u32>,
    /// Scratch for the contributions of one group, kept to reuse memory.
    pub(crate) contribution_scratch: Vec<f64>,
    pub(crate) streams: Streams,
    pub(crate) formed: u32,
    pub(crate) dissolved: u32,
    /// When a run records or holds the contagion mediator: who word of mouth told this
    /// step, and whether they were aware before (`mediators.rs`).
    pub(crate) told: Option<Vec<(u32, bool)>>,
    /// Scratch of the citizen-wide passes, kept to reuse memory.
    scratch: Scratch,
    /// The parameters and seed the citizens were drawn with: the citizen records draw the
    /// initial efficacies again from them instead of keeping them through the run.
    drawn_with: (Box<Params>, u64),
}

/// Scratch of the citizen-wide passes of a step, kept to reuse memory.
#[derive(Default)]
struct Scratch {
    /// The organisations' contact terms and trust anchors.
    terms: Vec<ContactTerms>,
    anchors: Vec<f32>,
}

/// Totals of the production submodel in one step.
#[derive(Default)]
pub(crate) struct Production {
    /// Value of the groups' services (service units).
    pub(crate) output: f64,
    /// Professional input given to groups (drawn from budgets).
    pub(crate) support: f64,
    /// Citizen effort given to groups (effort units, before coordination losses).
    pub(crate) citizen_effort: f64,
    pub(crate) contribution_sum: f64,
    pub(crate) members: u32,
    /// Who benefits (docs/ODD.md 8.18): co-produced benefit and effort by resource group,
    /// and benefit by community type.
    pub(crate) equity: EquityTally,
}

/// Co-produced benefit and effort of one step, split by resource group and community type.
#[derive(Default)]
pub(crate) struct EquityTally {
    pub(crate) benefit_low: f64,
    pub(crate) benefit_high: f64,
    pub(crate) effort_low: f64,
    pub(crate) effort_high: f64,
    pub(crate) benefit_deprived: f64,
    pub(crate) benefit_affluent: f64,
}

impl Model {
    /// Initialises a model: citizens, network, community norms, organisations (in that order,
    /// each from its own stream).
    pub fn new(p: &Params, seed: u64) -> Model {
        let n_citizens = p.n_citizens as u32;
        let n_communities = p.n_communities as u32;
        let citizens = Citizens::new(p, seed);
        let low: Vec<bool> = (0..citizens.len() as u32)
            .map(|i| citizens.has(i, flag::LOW_RESOURCE))
            .collect();
        let layout = Layout {
            n_citizens,
            n_communities,
            ring_degree: p.ring_degree as u32,
            bridge_prob: p.bridge_prob,
            bridging_gap: p.bridging_gap,
            homophily: p.homophily,
        };
        let network = Network::build(seed, &layout, &low);
        let mut org_rng = rng::stream(seed, Stream::Organisations);
        let norm = (0..n_communities)
            .map(|_| unit(p.norm_mean + p.norm_sd * normal(&mut org_rng)) as f32)
            .collect();
        let mut orgs: Vec<Org> = (0..p.n_organisations as u32)
            .map(|_| Org::draw(p, &mut org_rng))
            .collect();
        let staff = Staff::draw(p, &orgs, seed);
        staff.aggregate(&mut orgs);
        let streams = Streams::new(seed, 0);
        let n_low = citizens
            .flags
            .iter()
            .filter(|&&f| f & flag::LOW_RESOURCE != 0)
            .count() as u32;
        Model {
            step: 0,
            n_citizens,
            n_communities,
            n_low,
            citizens,
            network,
            norm,
            orgs,
            staff,
            groups: Vec::new(),
            records: Vec::new(),
            spare_member_lists: Vec::new(),
            open_by_community: vec![Vec::new(); n_communities as usize],
            join_candidates: Vec::new(),
            contribution_scratch: Vec::new(),
            streams,
            formed: 0,
            dissolved: 0,
            told: None,
            scratch: Scratch::default(),
            drawn_with: (Box::new(p.clone()), seed),
        }
    }

    /// Advances one step with the parameters in force and reports its metrics.
    ///
    /// The order is the schedule of docs/ODD.md section 3.
    pub fn step(&mut self, p: &Params) -> StepMetrics {
        for o in &mut self.orgs {
            o.tally = Default::default();
        }
        self.formed = 0;
        self.dissolved = 0;
        self.open_opportunities(p);
        self.start_initiatives(p);
        self.contact(p);
        self.join_open_groups(p);
        self.start_or_lapse(p);
        self.notice_initiatives(p);
        let production = self.produce(p);
        self.leave_and_tie(p);
        self.dissolve(p);
        self.word_of_mouth(p);
        self.learn(p);
        let metrics = self.measure(p, &production);
        self.step += 1;
        metrics
    }

    /// Communities organisation `o` serves (community `c` is served by `c mod orgs`).
    pub(crate) fn served_by(&self, o: u32) -> u32 {
        let n_orgs = self.orgs.len() as u32;
        (self.n_communities + n_orgs - 1 - o) / n_orgs
    }

    /// Organisation `o`'s budget of professional input for one step.
    pub(crate) fn budget_of(&self, o: u32, p: &Params) -> f64 {
        p.baseline_input * f64::from(self.served_by(o))
    }

    /// The organisation serving community `c`.
    #[inline]
    pub(crate) fn org_of(&self, c: u32) -> u32 {
        c % self.orgs.len() as u32
    }

    pub(crate) fn community_range(&self, c: u32) -> (u32, u32) {
        community_range(c, self.n_citizens, self.n_communities)
    }

    /// Citizens who are not in a group may forget, may be contacted by their organisation
    /// (becoming aware; with two-way engagement also heard, which moves external efficacy toward the
    /// power the organisation shares; with invitations gaining ownership), and drift in
    /// trust toward what they can see of the organisation.
    ///
    /// Forgetting and contact are rare per citizen and step, so the citizens they happen to
    /// are found by geometric gaps (docs/ODD.md 8.3) instead of one draw per citizen.
    fn contact(&mut self, p: &Params) {
        let mut orgs = std::mem::take(&mut self.scratch.terms);
        let mut anchors = std::mem::take(&mut self.scratch.anchors);
        // Last step's terms, if any, lend their hazards to tops that did not change.
        orgs.truncate(self.orgs.len());
        for (k, o) in self.orgs.iter().enumerate() {
            let terms = ContactTerms::new(o, p, orgs.get(k));
            match orgs.get_mut(k) {
                Some(old) => *old = terms,
                None => orgs.push(terms),
            }
        }
        anchors.clear();
        anchors.extend(orgs.iter().map(|t| t.trust_anchor as f32));
        self.drift_trust(p, &anchors);
        // Forgetting and contact take the contact stream's 32-bit words two per generator
        // step (docs/ODD.md 9).
        let mut words = rng::Words::default();
        self.forget(p, &mut words);
        let voice = p.engagement == 1.0;
        let visit = Visit {
            orgs: &orgs,
            power_feedback: voice && p.power_feedback_channel != 0.0,
            p,
        };
        // A copy of the stream (the same state, put back after), so that the state can stay
        // in registers through the walk instead of being stored at every draw.
        let mut rng = self.streams.contact.clone();
        let c = self.citizens.columns();
        let communities = community_ranges(self.n_citizens, self.n_communities);
        // A tiny top rate needs an exponential without the 32-bit grid (rng::FINE_BELOW).
        // One copy of the walk for each way of drawing it, so that neither carries the other.
        if orgs.iter().any(|t| rng::needs_fine(t.top)) {
            let draw = |rng: &mut rng::ModelRng, _: &mut rng::Words| rng::exp53(rng);
            visit.walk(c, communities, (&mut rng, &mut words), draw);
        } else {
            let draw = |rng: &mut _, words: &mut rng::Words| rng::exp32_from(words.next(rng), rng);
            visit.walk(c, communities, (&mut rng, &mut words), draw);
        }
        self.streams.contact = rng;
        self.scratch.terms = orgs;
        self.scratch.anchors = anchors;
    }

    /// Aware citizens in no group forget with probability `awareness_decay` (halved with
    /// strategy integration): they are counted 32 at a time from the flags, and the ones
    /// who forget are found by geometric gaps among them (docs/ODD.md 8.3).
    fn forget(&mut self, p: &Params, words: &mut rng::Words) {
        let forget = p.awareness_decay
            * if p.strategy_integration != 0.0 {
                0.5
            } else {
                1.0
            };
        let gaps = rng::Gaps::new(forget);
        let rng = &mut self.streams.contact;
        let flags = &mut self.citizens.flags;
        #[cfg(target_arch = "x86_64")]
        if has_avx2() && std::arch::is_x86_feature_detected!("popcnt") {
            // SAFETY: AVX2 and POPCNT were both found on this processor just above, the only
            // condition for calling a function compiled with them enabled.
            unsafe { forget_avx2(flags, &gaps, (rng, words)) };
            return;
        }
        forget_among_aware(flags, &gaps, (rng, words), aware_free_mask, nth_bit);
    }

    /// Every citizen in no group moves its trust `0.2 x citizen_trust_learning` of the way to
    /// its organisation's trust anchor; one pass per community, written to vectorise.
    fn drift_trust(&mut self, p: &Params, anchors: &[f32]) {
        let rate = (0.2 * p.citizen_trust_learning) as f32;
        let communities = (self.n_citizens, self.n_communities);
        let c = &mut self.citizens;
        #[cfg(target_arch = "x86_64")]
        if has_avx2() {
            // SAFETY: `has_avx2` found AVX2 on this processor, the only condition for calling
            // a function compiled with it enabled.
            let range =
                |t: &mut [f32], g: &[u32], anchor| unsafe { drift_range_avx2(t, g, rate, anchor) };
            drift(&mut c.trust, &c.group, anchors, communities, range);
            return;
        }
        let range = |t: &mut [f32], g: &[u32], anchor| drift_range(t, g, rate, anchor);
        drift(&mut c.trust, &c.group, anchors, communities, range);
    }

    /// Active members tell a random network neighbour about the opportunities: each member
    /// does so with probability `word_of_mouth`, so the members who tell are found by
    /// geometric gaps over all members, groups in table order and members in list order.
    fn word_of_mouth(&mut self, p: &Params) {
        let rng = &mut self.streams.ties;
        let gaps = rng::Gaps::new(p.word_of_mouth);
        // `next` counts members from the first group's first member on.
        let (mut next, mut before) = (gaps.next(rng), 0u64);
        for g in &self.groups {
            let end = before + g.members.len() as u64;
            while next < end {
                let i = g.members[(next - before) as usize];
                let nbrs = self.network.neighbours(i);
                if !nbrs.is_empty() {
                    let j = nbrs[rng::below(rng, nbrs.len() as u32) as usize];
                    if let Some(told) = &mut self.told {
                        told.push((j, self.citizens.flags[j as usize] & flag::AWARE != 0));
                    }
                    self.citizens.flags[j as usize] |= flag::AWARE;
                }
                next = gaps.after(rng, next + 1);
            }
            before = end;
        }
    }

    /// Staff learn from the groups they supported; organisations take their staff's means,
    /// learn openness and reputation from this step's tallies, then imitate the best performer.
    fn learn(&mut self, p: &Params) {
        self.staff.learn(p, &self.orgs);
        self.staff.aggregate(&mut self.orgs);
        for org in &mut self.orgs {
            org.learn(p);
        }
        organisations::imitate(&mut self.orgs, p);
    }

    fn measure(&self, p: &Params, prod: &Production) -> StepMetrics {
        let c = &self.citizens;
        // Participants are exactly the groups' members, a small share of citizens.
        let members: u32 = self.groups.iter().map(|g| g.members.len() as u32).sum();
        // The listed members are exactly the citizens flagged `MEMBER`, so the low-resource
        // ones are counted from the flags in one pass over them, which the processor
        // streams (reading each listed member's flags waited on a load from a random place).
        let low_members = count_with(&c.flags, flag::MEMBER | flag::LOW_RESOURCE);
        let low = self.n_low;
        let [efficacy, external, trust] = sums([&c.efficacy, &c.external_efficacy, &c.trust]);
        let n = f64::from(self.n_citizens);
        let high = self.n_citizens - low;
        let rate = |part: u32, of: u32| {
            if of == 0 {
                0.0
            } else {
                f64::from(part) / f64::from(of)
            }
        };
        let representativeness = if members == 0 || low == 0 {
            1.0
        } else {
            rate(low_members, members) / rate(low, self.n_citizens)
        };
        let n_orgs = self.orgs.len() as f64;
        // Support to groups displaces the professionals' own service within the budget.
        let budget = p.baseline_input * f64::from(self.n_communities);
        // Support never exceeds the budget, but a budget spent in full can leave a rounding
        // residue of about -1e-14, which would make service per citizen negative.
        let routine = (budget - prod.support).max(0.0);
        let output = routine + prod.output;
        let cost = budget;
        let time = time_cost(prod.citizen_effort, p.time_price);
        StepMetrics {
            step: self.step,
            participation_rate: f64::from(members) / n,
            active_groups: self.groups.iter().filter(|g| g.started).count() as f64,
            groups_formed: f64::from(self.formed),
            groups_dissolved: f64::from(self.dissolved),
            mean_efficacy: efficacy / n,
            mean_external_efficacy: external / n,
            mean_citizen_trust: trust / n,
            mean_org_trust: self.orgs.iter().map(|o| o.trust).sum::<f64>() / n_orgs,
            opportunities_opened: self
                .orgs
                .iter()
                .map(|o| f64::from(o.tally.opportunities))
                .sum(),
            power_shared: self.orgs.iter().map(|o| o.power(p)).sum::<f64>() / n_orgs,
            service_output: output,
            professional_cost: cost,
            efficiency: if cost > 0.0 { output / cost } else { 0.0 },
            citizen_time: prod.citizen_effort,
            efficiency_with_time: if cost + time > 0.0 {
                output / (cost + time)
            } else {
                0.0
            },
            representativeness,
            participation_low: rate(low_members, low),
            participation_high: rate(members - low_members, high),
            mean_contribution: if prod.members == 0 {
                0.0
            } else {
                prod.contribution_sum / f64::from(prod.members)
            },
            ..self.equity_metrics(routine, &prod.equity, low)
        }
    }

    /// Who benefits: service and effort per citizen by resource group and community type.
    /// Professionals' own service (`routine`: the budgets minus support to groups) is shared
    /// equally per citizen (communities are of equal size up to rounding), so only
    /// co-produced benefit makes the groups differ.
    fn equity_metrics(&self, routine: f64, eq: &EquityTally, low: u32) -> StepMetrics {
        let n = f64::from(self.n_citizens);
        let per = |total: f64, of: f64| if of > 0.0 { total / of } else { 0.0 };
        let baseline = per(routine, n);
        let (low, high) = (f64::from(low), n - f64::from(low));
        let deprived = f64::from(self.community_range(self.n_communities / 2).0);
        let affluent = n - deprived;
        let service = |benefit: f64, of: f64| {
            if of > 0.0 {
                baseline + benefit / of
            } else {
                0.0
            }
        };
        let service_low = service(eq.benefit_low, low);
        let service_high = service(eq.benefit_high, high);
        let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 1.0 };
        let coproduced = eq.benefit_low + eq.benefit_high;
        StepMetrics {
            service_low,
            service_high,
            service_ratio: ratio(service_low, service_high),
            benefit_representativeness: if coproduced > 0.0 && low > 0.0 {
                (eq.benefit_low / coproduced) / (low / n)
            } else {
                1.0
            },
            effort_low: per(eq.effort_low, low),
            effort_high: per(eq.effort_high, high),
            service_deprived: service(eq.benefit_deprived, deprived),
            service_affluent: service(eq.benefit_affluent, affluent),
            ..StepMetrics::default()
        }
    }

    /// Group records so far: groups still running are marked active, groups still
    /// recruiting are marked forming.
    pub fn group_records(&self) -> Vec<GroupRecord> {
        self.mark_forming(self.records.clone())
    }

    /// [`Model::group_records`] at the end of a run, moved out instead of copied.
    pub(crate) fn into_group_records(mut self) -> Vec<GroupRecord> {
        let records = std::mem::take(&mut self.records);
        self.mark_forming(records)
    }

    fn mark_forming(&self, mut records: Vec<GroupRecord>) -> Vec<GroupRecord> {
        for g in self.groups.iter().filter(|g| !g.started) {
            records[g.record as usize].end_reason = crate::metrics::EndReason::Forming;
        }
        records
    }

    /// One record per organisation for the step just taken.
    pub fn organisation_records(&self, p: &Params) -> Vec<OrgStepRecord> {
        let step = self.step.saturating_sub(1);
        self.orgs
            .iter()
            .enumerate()
            .map(|(o, org)| OrgStepRecord {
                step,
                organisation: o as u32,
                trust: org.trust,
                opportunities: org.tally.opportunities,
                power: org.power(p),
                groups_supported: org.tally.groups_supported,
                successes: org.tally.successes,
            })
            .collect()
    }

    /// One record per citizen with its current state.
    pub fn citizen_records(&self) -> Vec<CitizenRecord> {
        let c = &self.citizens;
        let initial_efficacy =
            crate::population::initial_efficacy(&self.drawn_with.0, self.drawn_with.1);
        (0..c.len())
            .map(|i| CitizenRecord {
                citizen_id: i as u32,
                community: c.community(i as u32),
                resource_group: u8::from(c.flags[i] & flag::LOW_RESOURCE == 0),
                cc_type: c.cc_type(i as u32).as_str(),
                initial_efficacy: f64::from(initial_efficacy[i]),
                efficacy: f64::from(c.efficacy[i]),
                external_efficacy: f64::from(c.external_efficacy[i]),
                skill: f64::from(c.skill[i]),
                time: f64::from(c.time[i]),
                motivation: f64::from(c.motivation[i]),
                risk_aversion: f64::from(c.risk_aversion[i]),
                duty: c.flags[i] & flag::DUTY != 0,
                affected: c.flags[i] & flag::AFFECTED != 0,
                ownership: f64::from(c.ownership[i]),
                trust: f64::from(c.trust[i]),
                belief: f64::from(c.belief[i]),
                ties: self.network.ties(i as u32),
                steps_participated: u32::from(c.steps_participated[i]),
                active_at_end: c.group[i] != NO_GROUP,
            })
            .collect()
    }

    /// Heap bytes of the model state, for the memory benchmark.
    pub fn state_bytes(&self) -> usize {
        crate::params::BYTES_PER_CITIZEN as usize * self.citizens.len()
            + self.network.bytes()
            + self
                .groups
                .iter()
                .map(|g| 4 * (g.members.capacity() + g.satisfaction.capacity()))
                .sum::<usize>()
    }
}

/// Aware citizens in no group forget at the gaps `gaps` among them, in index order: the
/// flags are read 64 at a time into a bit mask (`mask`: bit `j` set when citizen `j` of the
/// chunk is aware and not a member), so only those citizens are counted, and only the ones
/// who forget are visited; `select(bits, k)` is the set bit of rank `k` of `bits`.
#[inline(always)]
fn forget_among_aware(
    flags: &mut [u8],
    gaps: &rng::Gaps,
    (stream, spare): Draws,
    mask: impl Fn(&[u8]) -> u64,
    select: impl Fn(u64, u32) -> u64,
) {
    // Copies of the stream and its spare word (the same state, put back at the end), so that
    // the state can stay in registers instead of being stored at every draw.
    let (mut rng, mut words) = (stream.clone(), std::mem::take(spare));
    let (rng, words) = (&mut rng, &mut words);
    // Aware citizens in no group still to pass over before the next who forgets.
    let mut skip = gaps.next_in(rng, words);
    // `u64::MAX`: nobody forgets.
    if skip != u64::MAX {
        for chunk in flags.chunks_mut(64) {
            let mut hits = mask(chunk);
            let mut count = u64::from(hits.count_ones());
            while skip < count {
                // The set bit of rank `skip` (counting from 0), and every lower bit cleared.
                let bit = select(hits, skip as u32);
                chunk[bit.trailing_zeros() as usize] &= !flag::AWARE;
                hits &= !((bit - 1) | bit);
                count -= skip + 1;
                skip = gaps.next_in(rng, words);
            }
            skip -= count;
        }
    }
    (*stream, *spare) = (rng.clone(), std::mem::take(words));
}

/// A stream and the 32-bit words taken from it two per step.
type Draws<'a> = (&'a mut ModelRng, &'a mut rng::Words);

/// The set bit of rank `k` (from 0, lowest first) of `bits`, which has more than `k` set.
#[inline(always)]
fn nth_bit(mut bits: u64, k: u32) -> u64 {
    for _ in 0..k {
        bits &= bits - 1;
    }
    bits & bits.wrapping_neg()
}

/// Bit `j` set when citizen `j` of `chunk` (at most 64) is aware and not a member.
#[inline(always)]
fn aware_free_mask(chunk: &[u8]) -> u64 {
    let mut hits = 0u64;
    for (j, &f) in chunk.iter().enumerate() {
        hits |= u64::from(f & (flag::AWARE | flag::MEMBER) == flag::AWARE) << j;
    }
    hits
}

/// [`forget_among_aware`] compiled with AVX2 and POPCNT enabled, reading 32 flags with one
/// compare; call it only where both are present.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt")]
fn forget_avx2(flags: &mut [u8], gaps: &rng::Gaps, draws: Draws) {
    use std::arch::x86_64::{
        __m256i, _mm256_and_si256, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8,
        _mm256_set1_epi8,
    };
    let bits = _mm256_set1_epi8((flag::AWARE | flag::MEMBER) as i8);
    let aware = _mm256_set1_epi8(flag::AWARE as i8);
    let half = |p: *const u8| {
        // SAFETY: the callers below pass the start of 32 bytes inside the chunk, which is
        // what the unaligned load reads.
        let v = unsafe { _mm256_loadu_si256(p.cast::<__m256i>()) };
        u64::from(_mm256_movemask_epi8(_mm256_cmpeq_epi8(_mm256_and_si256(v, bits), aware)) as u32)
    };
    let mask = |chunk: &[u8]| {
        if chunk.len() < 64 {
            return aware_free_mask(chunk);
        }
        // `chunk` holds 64 bytes (checked above): two loads of 32.
        half(chunk.as_ptr()) | half(chunk[32..].as_ptr()) << 32
    };
    if std::arch::is_x86_feature_detected!("bmi2") {
        // SAFETY: BMI2 was found on this processor just above.
        unsafe { forget_bmi2(flags, gaps, draws, mask) };
        return;
    }
    forget_among_aware(flags, gaps, draws, mask, nth_bit);
}

/// [`forget_among_aware`] with BMI2's parallel deposit picking the set bit of a given rank
/// in one instruction (the same bit as [`nth_bit`]); call it only where AVX2, POPCNT and
/// BMI2 are present.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,popcnt,bmi2")]
fn forget_bmi2(flags: &mut [u8], gaps: &rng::Gaps, draws: Draws, mask: impl Fn(&[u8]) -> u64) {
    // `pdep(1 << k, bits)` deposits the one bit on the k-th set bit of `bits` (k < 64 here:
    // a chunk has at most 64 set bits and `k` is below their count).
    forget_among_aware(flags, gaps, draws, mask, |bits, k| {
        std::arch::x86_64::_pdep_u64(1 << k, bits)
    });
}

/// How many of `flags` have every bit of `bits` set. Counted in bytes over blocks of 240
/// (fifteen vector registers' worth, below a byte's 255), which vectorises to a compare
/// and a subtraction per sixteen flags.
fn count_with(flags: &[u8], bits: u8) -> u32 {
    flags
        .chunks(240)
        .map(|block| {
            let n = block
                .iter()
                .fold(0u8, |n, &f| n + u8::from(f & bits == bits));
            u32::from(n)
        })
        .sum()
}

/// Whether the processor runs AVX2, so that the passes over every citizen (trust drift and
/// the sums of the step metrics) can take eight lanes at a time instead of the portable
/// build's four. Each lane does the same IEEE operations in the same order either way (no
/// fused multiply-add: Rust never contracts), so the numbers are the same on every machine.
#[inline]
#[cfg_attr(not(target_arch = "x86_64"), allow(dead_code))]
fn has_avx2() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::arch::is_x86_feature_detected!("avx2")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

/// `t += rate (anchor - t)` (single precision) for every trust `t` whose citizen is in no
/// group, with the anchor of the community's organisation (`anchors[c mod orgs]`);
/// `communities` is (citizens, communities). `range` drifts one community's citizens.
#[inline(always)]
fn drift(
    trust: &mut [f32],
    group: &[u32],
    anchors: &[f32],
    communities: (u32, u32),
    mut range: impl FnMut(&mut [f32], &[u32], f32),
) {
    let (n, k) = communities;
    // Community `c` is served by organisation `c mod orgs`.
    for ((start, end), &anchor) in community_ranges(n, k).zip(anchors.iter().cycle()) {
        let r = start as usize..end as usize;
        range(&mut trust[r.clone()], &group[r], anchor);
    }
}

/// [`drift`] of one community's citizens toward `anchor`, one at a time.
#[inline(always)]
fn drift_range(trust: &mut [f32], group: &[u32], rate: f32, anchor: f32) {
    for (t, &g) in trust.iter_mut().zip(group) {
        let moved = *t + rate * (anchor - *t);
        *t = if g == NO_GROUP { moved } else { *t };
    }
}

/// [`drift_range`] eight citizens at a time with AVX2, the same operations in the same order
/// (no fused multiply-add), so the same numbers. Written with intrinsics because the
/// compiler turns the loop's conditional store into masked stores, which are microcoded and
/// many times slower on AMD processors; here every trust is stored, the unchanged ones as
/// they were. Call it only where [`has_avx2`] holds.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn drift_range_avx2(trust: &mut [f32], group: &[u32], rate: f32, anchor: f32) {
    use std::arch::x86_64::{
        __m256i, _mm256_add_ps, _mm256_and_si256, _mm256_blendv_ps, _mm256_castsi256_ps,
        _mm256_cmpeq_epi32, _mm256_cmpgt_epi32, _mm256_loadu_ps, _mm256_loadu_si256, _mm256_mul_ps,
        _mm256_set1_epi32, _mm256_set1_ps, _mm256_setr_epi32, _mm256_storeu_ps, _mm256_sub_ps,
    };
    let (rate8, anchor8) = (_mm256_set1_ps(rate), _mm256_set1_ps(anchor));
    let none = _mm256_set1_epi32(NO_GROUP as i32);
    // Drifts the free citizens of `t` among the lanes set in `lanes`.
    let eight = |t: &mut [f32; 8], g: &[u32; 8], lanes: __m256i| {
        // SAFETY: `t` and `g` hold eight elements each, which the loads and the store access.
        unsafe {
            let old = _mm256_loadu_ps(t.as_ptr());
            let moved = _mm256_add_ps(old, _mm256_mul_ps(rate8, _mm256_sub_ps(anchor8, old)));
            let free = _mm256_cmpeq_epi32(_mm256_loadu_si256(g.as_ptr().cast::<__m256i>()), none);
            // Hidden from the optimiser, which would otherwise see a store of either the
            // loaded value or another and make it a masked store again.
            let free = std::hint::black_box(_mm256_and_si256(free, lanes));
            let new = _mm256_blendv_ps(old, moved, _mm256_castsi256_ps(free));
            _mm256_storeu_ps(t.as_mut_ptr(), new);
        }
    };
    let m = trust.len().min(group.len());
    let whole = m / 8 * 8;
    let tail = m - whole;
    if tail > 0 && m >= 8 {
        // The last `tail` citizens (fewer than eight) as the top lanes of the last eight,
        // before the others: the lower lanes are stored back as they were, and drift
        // below with their chunk. (A masked store would be many times slower on AMD, and
        // one at a time a jump on membership is often mispredicted.)
        let index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        let top = _mm256_cmpgt_epi32(index, _mm256_set1_epi32(7 - tail as i32));
        let t = (&mut trust[m - 8..m]).try_into().expect("eight");
        eight(t, group[m - 8..m].try_into().expect("eight"), top);
    }
    let all = _mm256_set1_epi32(-1);
    let chunks = trust[..whole]
        .chunks_exact_mut(8)
        .zip(group[..whole].chunks_exact(8));
    for (t, g) in chunks {
        eight(
            t.try_into().expect("eight"),
            g.try_into().expect("eight"),
            all,
        );
    }
    if m < 8 {
        // A community of fewer than eight: one at a time, the same operations.
        drift_tail(&mut trust[..m], &group[..m], rate, anchor);
    }
}

/// [`drift_range`] of a community of fewer than eight citizens, kept out of the AVX2
/// function: inlined there, it would be vectorised into masked stores again.
#[cfg(target_arch = "x86_64")]
#[inline(never)]
fn drift_tail(trust: &mut [f32], group: &[u32], rate: f32, anchor: f32) {
    drift_range(trust, group, rate, anchor);
}

/// The sum of each of three columns in f64, each in eight interleaved partial sums so that
/// it vectorises ([`sum_lanes`]: a fixed order, so the result is the same on every machine,
/// with or without AVX2).
fn sums([a, b, c]: [&[f32]; 3]) -> [f64; 3] {
    #[cfg(target_arch = "x86_64")]
    if has_avx2() && b.len() == a.len() && c.len() == a.len() {
        // SAFETY: `has_avx2` found AVX2 on this processor, the only condition of
        // `sums_avx2` (its accesses are checked).
        return unsafe { sums_avx2([a, b, c]) };
    }
    [sum_lanes(a), sum_lanes(b), sum_lanes(c)]
}

/// The sum of `xs` in f64 in eight interleaved partial sums: `xs[k]`, `xs[k + 8]`, ... are
/// added in turn to partial sum `k`, the partial sums are added in order, then the last
/// `len mod 8` values one by one.
#[inline(always)]
fn sum_lanes(xs: &[f32]) -> f64 {
    let mut acc = [0.0f64; 8];
    let add = |acc: &mut [f64; 8], chunk: &[f32]| {
        for (a, &x) in acc.iter_mut().zip(chunk) {
            *a += f64::from(x);
        }
    };
    // Four chunks of eight per round (fewer loop steps), in the same order as one by one.
    let rounds = xs.chunks_exact(32);
    let chunks = rounds.remainder().chunks_exact(8);
    let rest = chunks.remainder();
    for round in rounds {
        for chunk in round.chunks_exact(8) {
            add(&mut acc, chunk);
        }
    }
    for chunk in chunks {
        add(&mut acc, chunk);
    }
    tally(&acc, rest)
}

/// The partial sums `acc` added in order, then the values `rest` one by one.
#[inline(always)]
fn tally(acc: &[f64; 8], rest: &[f32]) -> f64 {
    let tail: f64 = rest.iter().map(|&x| f64::from(x)).sum();
    acc.iter().sum::<f64>() + tail
}

/// [`sum_lanes`] of three columns of one length in one pass, eight citizens of each column
/// per step, the partial sums in two four-lane registers per column. A single column's
/// partial sums are chains of additions, each waiting for the one before (four cycles of
/// latency), so summing one column at a time leaves the adders mostly idle; the three
/// columns' six chains keep them busy. The same additions in the same order per column,
/// so the same sums. Call it only where [`has_avx2`] holds; columns of different lengths
/// panic (every access is checked).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn sums_avx2(columns: [&[f32]; 3]) -> [f64; 3] {
    use std::arch::x86_64::{
        __m256d, _mm_loadu_ps, _mm256_add_pd, _mm256_cvtps_pd, _mm256_setzero_pd, _mm256_storeu_pd,
    };
    let n = columns[0].len();
    let mut acc = [[_mm256_setzero_pd(); 2]; 3];
    // Eight values of a column into its two registers of partial sums.
    let add = |lanes: &mut [__m256d; 2], eight: &[f32]| {
        let eight: &[f32; 8] = eight.try_into().expect("eight");
        // SAFETY: `eight` holds eight values, the two loads read four each.
        let (low, high) = unsafe {
            (
                _mm_loadu_ps(eight.as_ptr()),
                _mm_loadu_ps(eight[4..].as_ptr()),
            )
        };
        lanes[0] = _mm256_add_pd(lanes[0], _mm256_cvtps_pd(low));
        lanes[1] = _mm256_add_pd(lanes[1], _mm256_cvtps_pd(high));
    };
    // Four chunks of eight per round (fewer loop steps), in the same order as one by one.
    let (rounds, eights) = (n / 32 * 32, n / 8 * 8);
    let [a, b, c] = columns.map(|xs| &xs[..n]);
    let each_round = a[..rounds]
        .chunks_exact(32)
        .zip(b[..rounds].chunks_exact(32));
    for ((ra, rb), rc) in each_round.zip(c[..rounds].chunks_exact(32)) {
        for k in (0..32).step_by(8) {
            add(&mut acc[0], &ra[k..k + 8]);
            add(&mut acc[1], &rb[k..k + 8]);
            add(&mut acc[2], &rc[k..k + 8]);
        }
    }
    for start in (rounds..eights).step_by(8) {
        for (lanes, xs) in acc.iter_mut().zip([a, b, c]) {
            add(lanes, &xs[start..start + 8]);
        }
    }
    let total = |lanes: &[__m256d; 2], xs: &[f32]| {
        let mut out = [0.0f64; 8];
        // SAFETY: `out` holds eight values, the two stores write four each.
        unsafe {
            _mm256_storeu_pd(out.as_mut_ptr(), lanes[0]);
            _mm256_storeu_pd(out[4..].as_mut_ptr(), lanes[1]);
        }
        tally(&out, &xs[eights..])
    };
    [total(&acc[0], a), total(&acc[1], b), total(&acc[2], c)]
}

/// What a contact visit needs besides the citizens and the stream.
struct Visit<'a> {
    orgs: &'a [ContactTerms],
    power_feedback: bool,
    p: &'a Params,
}

impl Visit<'_> {
    /// Walks every community at its organisation's top rate, carrying the standard
    /// exponential `draw` gives across community borders (docs/ODD.md 8.3), and contacts
    /// the citizens visited (see [`Model::contact`]).
    #[inline(always)]
    fn walk(
        &self,
        c: crate::population::Columns<'_>,
        communities: impl Iterator<Item = (u32, u32)>,
        (rng, words): Draws,
        draw: impl Fn(&mut rng::ModelRng, &mut rng::Words) -> f64,
    ) {
        let p = self.p;
        // The standard exponential still to be used up before the next visit: a visit falls
        // on the first citizen whose cumulative hazard reaches it (docs/ODD.md 8.3).
        let mut e = draw(rng, words);
        // Community `c` is served by organisation `c mod orgs`.
        for ((start, end), terms) in communities.zip(self.orgs.iter().cycle()) {
            let (top, hazard) = (terms.top, terms.hazard);
            // Also skips a NaN rate, so that the hazard below is positive.
            if top.is_nan() || top <= 0.0 {
                continue;
            }
            let mut from = i64::from(start);
            loop {
                let left = i64::from(end) - from;
                // Failures before the next visit are `floor(e / hazard)`; it reaches `left`
                // exactly when `e / hazard` does (`left` is a whole number).
                let ratio = e / hazard;
                if ratio >= left as f64 {
                    // Nothing left to pass over leaves `e` as it is (at a top rate of 1 the
                    // hazard is infinite, and 0 times it would be NaN).
                    if left > 0 {
                        e = (e - left as f64 * hazard).max(0.0);
                    }
                    break;
                }
                // SAFETY: `ratio` is at least 0 (`e` is never negative or NaN: a standard
                // exponential, or clamped by `max` above; `hazard` is positive) and below
                // `left` < 2^33, so truncation to i64 is defined.
                let gap = unsafe { ratio.to_int_unchecked::<i64>() };
                let u = (from + gap) as usize;
                from = u as i64 + 1;
                e = draw(rng, words);
                if c.flags[u] & flag::MEMBER != 0 {
                    continue;
                }
                let rate = if c.flags[u] & flag::LOW_RESOURCE != 0 {
                    terms.contact_low
                } else {
                    terms.contact_high
                };
                // Thinning: a citizen visited at the top rate is contacted with probability
                // rate / top, so each is contacted with probability `rate`.
                if rate < top && rng::uniform_word(words.next(rng)) >= rate / top {
                    continue;
                }
                c.flags[u] |= flag::AWARE;
                if self.power_feedback {
                    let x = f64::from(c.external_efficacy[u]);
                    c.external_efficacy[u] = (x + p.efficacy_learning * (terms.power - x)) as f32;
                }
                if p.ownership_channel != 0.0 {
                    let own = f64::from(c.ownership[u]);
                    c.ownership[u] = (own + 0.2 * p.ownership_invitation * (1.0 - own)) as f32;
                }
            }
        }
    }
}

/// Per-organisation terms of the contact submodel, computed once per step.
struct ContactTerms {
    contact_low: f64,
    contact_high: f64,
    power: f64,
    trust_anchor: f64,
    /// The top rate of the two resource groups and its hazard per citizen, `-ln(1 - top)`:
    /// the citizens of a community are visited at their organisation's top rate, so only a
    /// lower rate needs a thinning draw.
    top: f64,
    hazard: f64,
}

impl ContactTerms {
    /// Non-members' trust drifts toward `e x reputation + (1 - e) x disconnected_trust`,
    /// where `e` is the organisation's embeddedness (0.5 with the channel off): embedded
    /// staff let citizens see how the organisation really performs.
    ///
    /// `last` is the same organisation's terms of an earlier step: when its top rate is the
    /// same number, its hazard is taken instead of computing the logarithm again (rates
    /// rarely change between steps).
    fn new(o: &Org, p: &Params, last: Option<&ContactTerms>) -> ContactTerms {
        let e = if p.embedded_contact_channel != 0.0 {
            o.embeddedness_in_force(p)
        } else {
            0.5
        };
        let (contact_low, contact_high) = (o.contact_rate(p, true), o.contact_rate(p, false));
        let top = contact_low.max(contact_high);
        ContactTerms {
            contact_low,
            contact_high,
            power: o.power(p),
            trust_anchor: e * o.reputation + (1.0 - e) * p.disconnected_trust,
            top,
            hazard: match last {
                Some(last) if last.top.to_bits() == top.to_bits() => last.hazard,
                _ => -libm::log1p(-top),
            },
        }
    }
}

#[cfg(test)]
impl Model {
    /// Checks every invariant of the state; returns the first violation.
    pub(crate) fn check_invariants(&self) -> Result<(), String> {
        let c = &self.citizens;
        let unit_vectors = [
            ("efficacy", &c.efficacy),
            ("external_efficacy", &c.external_efficacy),
            ("skill", &c.skill),
            ("time", &c.time),
            ("motivation", &c.motivation),
            ("risk_aversion", &c.risk_aversion),
            ("ownership", &c.ownership),
            ("trust", &c.trust),
            ("belief", &c.belief),
        ];
        for (name, v) in unit_vectors {
            if let Some(i) = v.iter().position(|x| !(0.0..=1.0).contains(x)) {
                return Err(format!("citizen {i} {name} = {} out of 0-1", v[i]));
            }
        }
        for (g, group) in self.groups.iter().enumerate() {
            if group.satisfaction.len() != group.members.len() {
                return Err(format!("group {g} has a satisfaction per member missing"));
            }
            if group.satisfaction.iter().any(|s| !s.is_finite()) {
                return Err(format!(
                    "group {g} has a member whose satisfaction is not finite"
                ));
            }
        }
        for (o, org) in self.orgs.iter().enumerate() {
            let attrs = [
                org.trust,
                org.procedural,
                org.autonomy,
                org.openness,
                org.staff_skill,
                org.reputation,
                org.willingness,
            ];
            if attrs.iter().any(|x| !(0.0..=1.0).contains(x)) {
                return Err(format!(
                    "organisation {o} has an attribute out of 0-1: {org:?}"
                ));
            }
        }
        let st = &self.staff;
        for (name, v) in [
            ("trust", &st.trust),
            ("willingness", &st.willingness),
            ("risk_aversion", &st.risk_aversion),
            ("skill", &st.skill),
        ] {
            if let Some(s) = v.iter().position(|x| !(0.0..=1.0).contains(x)) {
                return Err(format!("staff {s} {name} = {} out of 0-1", v[s]));
            }
        }
        let mut load = vec![0u32; st.len()];
        for (g, group) in self.groups.iter().enumerate() {
            match (group.org == crate::group::UNSUPPORTED, group.staff) {
                (true, crate::staff::NO_STAFF) => {}
                (false, s) if s != crate::staff::NO_STAFF && st.org_of(s) == group.org => {
                    load[s as usize] += 1;
                }
                _ => {
                    return Err(format!(
                        "group {g} of organisation {} has staff {} of another organisation",
                        group.org, group.staff
                    ));
                }
            }
        }
        if load != st.load {
            return Err(format!(
                "staff loads {:?} but groups assign {load:?}",
                st.load
            ));
        }
        if st.supported.iter().any(|&n| n != 0) {
            return Err("staff tallies not reset after learning".into());
        }
        let mut members = 0usize;
        for (g, group) in self.groups.iter().enumerate() {
            if group.members.len() as u32 > group.cap {
                return Err(format!(
                    "group {g} has {} members, cap {}",
                    group.members.len(),
                    group.cap
                ));
            }
            for &i in &group.members {
                if c.group[i as usize] != g as u32 {
                    return Err(format!(
                        "citizen {i} is listed in group {g} but points to {}",
                        c.group[i as usize]
                    ));
                }
                if c.community(i) != group.community {
                    return Err(format!("citizen {i} is in a group of another community"));
                }
            }
            members += group.members.len();
        }
        let pointing = c.group.iter().filter(|&&g| g != NO_GROUP).count();
        if pointing != members {
            return Err(format!(
                "{pointing} citizens point to a group but groups list {members}"
            ));
        }
        if let Some(i) =
            (0..c.len()).find(|&i| (c.group[i] != NO_GROUP) != c.has(i as u32, flag::MEMBER))
        {
            return Err(format!("citizen {i}: member flag disagrees with the group"));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn small() -> Params {
        let mut p = Params::defaults();
        p.set("population.n_citizens", 600.0).unwrap();
        p.set("population.n_communities", 6.0).unwrap();
        p.set("population.n_organisations", 3.0).unwrap();
        p
    }

    fn fingerprint(out: &crate::RunOutput) -> u64 {
        let mut h = 0xcbf2_9ce4_8422_2325u64;
        for s in &out.steps {
            for v in s.values() {
                for b in v.to_bits().to_le_bytes() {
                    h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
                }
            }
        }
        h ^ out.groups.len() as u64
    }

    #[test]
    fn same_seed_same_run_and_different_seeds_differ() {
        let p = small();
        let a = crate::simulate(&p, &[], 40, 9, crate::Detail::WithCitizens);
        let b = crate::simulate(&p, &[], 40, 9, crate::Detail::WithCitizens);
        let c = crate::simulate(&p, &[], 40, 10, crate::Detail::WithCitizens);
        assert_eq!(a, b);
        assert_ne!(fingerprint(&a), fingerprint(&c));
    }

    /// Fails if a dependency upgrade or an unintended change alters the model's numbers.
    /// Update the constant only with a deliberate model change, documented in docs/ODD.md.
    #[test]
    fn golden_run() {
        let out = crate::simulate(&small(), &[], 36, 2024, crate::Detail::Standard);
        assert_eq!(
            fingerprint(&out),
            GOLDEN,
            "model output changed: {:#x}",
            fingerprint(&out)
        );
    }
    const GOLDEN: u64 = 0x5a48_11ec_c367_7efe;

    #[test]
    fn two_way_contact_raises_external_efficacy_over_inform() {
        let mut p = small();
        p.contact_rate = 0.5;
        p.opportunity_rate = 0.0;
        p.self_organise_rate = 0.0;
        p.trust_in_citizens_mean = 0.9;
        p.procedural_mean = 0.1;
        let mut inform = p.clone();
        inform.engagement = 0.0;
        let run = |q: &Params| {
            crate::simulate(q, &[], 24, 3, crate::Detail::Standard).steps[23].mean_external_efficacy
        };
        assert!(
            run(&p) > run(&inform) + 0.05,
            "{} vs {}",
            run(&p),
            run(&inform)
        );
    }

    #[test]
    fn equity_metrics_credit_members_by_resource_group() {
        let p = small();
        let mut model = Model::new(&p, 5);
        let budget = p.baseline_input * 6.0;
        let base = model.equity_metrics(budget, &EquityTally::default(), 300);
        assert_eq!(base.service_ratio, 1.0);
        assert_eq!(base.benefit_representativeness, 1.0);
        let expected = p.baseline_input * 6.0 / 600.0;
        assert!((base.service_low - expected).abs() < 1e-12);
        // A group of high-resource members only: the benefit goes to the high group.
        let g = model.new_group(&p, 0, 0, crate::metrics::TaskKind::Specific, 1.0);
        let high: Vec<u32> = (0..100u32)
            .filter(|&i| !model.citizens.has(i, flag::LOW_RESOURCE))
            .take(4)
            .collect();
        // Conditional cooperators who believe the others give everything: the group clears
        // its hurdle whatever types the seed drew.
        for &i in &high {
            model
                .citizens
                .set_cc_type(i, crate::contribution::CcType::Conditional);
            model.citizens.belief[i as usize] = 1.0;
            model.citizens.skill[i as usize] = 1.0;
            model.citizens.time[i as usize] = 1.0;
            model.join(g, i);
        }
        model.groups[g].started = true;
        let prod = model.produce(&p);
        assert!(prod.equity.benefit_high > 0.0 && prod.equity.benefit_low == 0.0);
        assert!(prod.equity.effort_high > 0.0 && prod.equity.effort_low == 0.0);
        let low = (0..600u32)
            .filter(|&i| model.citizens.has(i, flag::LOW_RESOURCE))
            .count() as u32;
        let m = model.equity_metrics(p.baseline_input * 6.0 - prod.support, &prod.equity, low);
        assert!(m.service_ratio < 1.0, "{}", m.service_ratio);
        assert_eq!(m.benefit_representativeness, 0.0);
        assert!(
            m.service_deprived > m.service_affluent,
            "community 0 is deprived"
        );
    }

    /// The accounting of docs/ODD.md 8.18: the budgets are the professional cost whatever the
    /// groups do, support to groups displaces the professionals' own service, citizens' time
    /// is priced in `efficiency_with_time`, and each group's production columns add up to
    /// the step metrics.
    #[test]
    fn budgets_support_time_and_group_production_add_up() {
        let mut p = small();
        p.set("orgs.opportunity_rate", 0.2).unwrap();
        p.set("join.base", -2.0).unwrap();
        p.set("costs.time_price", 2.0).unwrap();
        // No group output: the service is the budget minus support.
        p.set("groups.benefit_max", 0.0).unwrap();
        let min_members = p.get("groups.min_members").unwrap() as u32;
        let steps = 48;
        let out = crate::simulate(&p, &[], steps, 11, crate::Detail::Standard);
        let budget = p.baseline_input * 6.0;
        let mut displaced = false;
        for m in &out.steps {
            assert_eq!(m.professional_cost, budget);
            assert!(m.service_output <= budget + 1e-9, "{}", m.service_output);
            displaced |= m.service_output < budget - 1e-9;
            assert!((m.efficiency - m.service_output / budget).abs() < 1e-12);
            let priced = m.service_output / (budget + 2.0 * m.citizen_time);
            assert!((m.efficiency_with_time - priced).abs() < 1e-12);
        }
        assert!(displaced, "support to groups never displaced any service");
        let time: f64 = out.steps.iter().map(|m| m.citizen_time).sum();
        let effort: f64 = out.groups.iter().map(|g| g.life.effort).sum();
        assert!(time > 0.0);
        assert!((time - effort).abs() < 1e-9 * time, "{time} vs {effort}");
        for g in &out.groups {
            let l = &g.life;
            use crate::metrics::EndReason;
            let months = match (g.end_reason, g.ended_step) {
                (EndReason::NeverStarted | EndReason::Forming, _) => 0,
                (_, Some(end)) => end - g.formed_step + 1,
                (_, None) => steps - g.formed_step,
            };
            assert_eq!(l.months, months, "{g:?}");
            assert!(l.months_met <= l.months);
            assert!(l.member_months >= l.months * min_members, "{g:?}");
            assert!(l.coordinated <= l.labour && l.labour == l.effort);
            assert!(l.first_effort <= l.effort);
        }
    }

    /// The passes compiled for AVX2 compute exactly what the portable ones do: the sums, the
    /// trust drift and who forgets (same flags, same draws taken).
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_passes_compute_the_same_numbers_as_the_portable_ones() {
        if !has_avx2() || !std::arch::is_x86_feature_detected!("popcnt") {
            return;
        }
        let mut rng = rng::stream(8, Stream::Contact);
        let n = 1003;
        let xs: Vec<f32> = (0..n).map(|_| rng::uniform32(&mut rng) as f32).collect();
        // SAFETY: AVX2 and POPCNT were found above.
        let ys: Vec<f32> = xs.iter().rev().map(|x| x * 3.0).collect();
        let columns = [&xs[..], &xs[..], &ys[..]];
        let one_by_one = columns.map(sum_lanes).map(f64::to_bits);
        let avx2_sum = unsafe { sums_avx2(columns) };
        assert_eq!(avx2_sum.map(f64::to_bits), one_by_one);
        let group: Vec<u32> = (0..n as u32)
            .map(|i| if i % 7 == 0 { 3 } else { NO_GROUP })
            .collect();
        // Communities of about 91 (a tail of three after the last eight) and of five.
        for k in [11, 200] {
            let (mut a, mut b) = (xs.clone(), xs.clone());
            let anchors = [0.61, 0.2, 0.9];
            let portable = |t: &mut [f32], g: &[u32], anchor| drift_range(t, g, 0.013, anchor);
            drift(&mut a, &group, &anchors, (n as u32, k), portable);
            // SAFETY: as above.
            let avx2 =
                |t: &mut [f32], g: &[u32], anchor| unsafe { drift_range_avx2(t, g, 0.013, anchor) };
            drift(&mut b, &group, &anchors, (n as u32, k), avx2);
            assert_eq!(a, b);
            assert!(
                xs.iter()
                    .zip(&a)
                    .zip(&group)
                    .all(|((x, y), &g)| (x != y) == (g == NO_GROUP))
            );
        }
        let flags: Vec<u8> = (0..n)
            .map(|_| (rng.next_u32() as u8) & (flag::AWARE | flag::MEMBER | flag::DUTY))
            .collect();
        let gaps = rng::Gaps::new(0.2);
        let (mut fa, mut fb) = (flags.clone(), flags.clone());
        let (mut ra, mut rb) = (
            rng::stream(9, Stream::Contact),
            rng::stream(9, Stream::Contact),
        );
        let (mut wa, mut wb) = (rng::Words::default(), rng::Words::default());
        forget_among_aware(&mut fa, &gaps, (&mut ra, &mut wa), aware_free_mask, nth_bit);
        // SAFETY: as above.
        unsafe { forget_avx2(&mut fb, &gaps, (&mut rb, &mut wb)) };
        assert_eq!(fa, fb);
        assert_eq!(ra.next_u64(), rb.next_u64());
        assert_eq!(wa.next(&mut ra), wb.next(&mut rb));
        // Only aware citizens in no group forgot, about a fifth of them.
        let aware_free = |f: &[u8]| {
            f.iter()
                .filter(|&&x| x & (flag::AWARE | flag::MEMBER) == flag::AWARE)
                .count()
        };
        let forgot = aware_free(&flags) - aware_free(&fa);
        assert!(
            (0.1..0.3).contains(&(forgot as f64 / aware_free(&flags) as f64)),
            "{forgot}"
        );
        for (before, after) in flags.iter().zip(&fa) {
            assert!(before == after || before & !flag::AWARE == *after);
        }
    }

    /// Flags with both bits are counted across block borders, and only those.
    #[test]
    fn count_with_counts_the_flags_with_every_bit() {
        let mut rng = rng::stream(4, Stream::Contact);
        let flags: Vec<u8> = (0..1003).map(|_| rng.next_u32() as u8).collect();
        let both = flag::MEMBER | flag::LOW_RESOURCE;
        for n in [0, 1, 239, 240, 241, 480, 1003] {
            let naive = flags[..n].iter().filter(|&&f| f & both == both).count();
            assert_eq!(count_with(&flags[..n], both) as usize, naive, "{n} flags");
        }
        assert_eq!(count_with(&[both; 1000], both), 1000);
        assert_eq!(count_with(&[flag::MEMBER; 1000], both), 0);
    }

    /// The AVX2 drift and sums give the portable loops' numbers bit for bit at every length
    /// (whole chunks, a tail as the top lanes of the last eight, fewer than eight), and the
    /// drift moves only the citizens in no group.
    #[test]
    fn avx2_drift_and_sums_match_the_portable_loops_at_every_length() {
        if !has_avx2() {
            return;
        }
        let mut rng = rng::stream(11, Stream::Contact);
        let trust: Vec<f32> = (0..140)
            .map(|_| (rng.next_u32() >> 8) as f32 / 16_777_216.0)
            .collect();
        let group: Vec<u32> = (0..70)
            .map(|_| {
                if rng.next_u32().is_multiple_of(3) {
                    5
                } else {
                    NO_GROUP
                }
            })
            .collect();
        for n in 0..70 {
            for rate in [0.013f32, 1.0, 0.0, 0.37] {
                let (mut fast, mut slow) = (trust[..n].to_vec(), trust[..n].to_vec());
                // SAFETY: AVX2 was found above.
                unsafe { drift_range_avx2(&mut fast, &group[..n], rate, 0.61) };
                drift_range(&mut slow, &group[..n], rate, 0.61);
                let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(&fast), bits(&slow), "{n} citizens, rate {rate}");
                for i in (0..n).filter(|&i| group[i] != NO_GROUP) {
                    assert_eq!(fast[i].to_bits(), trust[i].to_bits(), "member {i} moved");
                }
            }
            let cols = [&trust[..n], &trust[70..70 + n], &trust[n / 2..n / 2 + n]];
            // SAFETY: AVX2 was found above.
            let fast = unsafe { sums_avx2(cols) };
            let slow = cols.map(sum_lanes);
            assert_eq!(fast.map(f64::to_bits), slow.map(f64::to_bits), "{n} values");
        }
    }

    /// The portable pick of the set bit of a given rank is BMI2's parallel deposit's.
    #[test]
    fn nth_bit_is_the_set_bit_of_that_rank() {
        assert_eq!(nth_bit(0b1011_0100, 0), 0b100);
        assert_eq!(nth_bit(0b1011_0100, 2), 0b10_0000);
        assert_eq!(nth_bit(0b1011_0100, 3), 0b1000_0000);
        assert_eq!(nth_bit(u64::MAX, 63), 1 << 63);
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("bmi2") {
            let mut rng = rng::stream(3, Stream::Contact);
            for _ in 0..10_000 {
                let bits = rng.next_u64() | 1;
                let k = rng::below(&mut rng, bits.count_ones());
                // SAFETY: BMI2 was found on this processor just above.
                let deposit = unsafe { std::arch::x86_64::_pdep_u64(1 << k, bits) };
                assert_eq!(nth_bit(bits, k), deposit, "{bits:#x} {k}");
            }
        }
    }

    /// Contact walks each community at its organisation's top rate: every citizen in no group
    /// is contacted with its own organisation's and resource group's rate (outreach makes the
    /// two groups' rates differ, so the thinning is exercised too), members never.
    #[test]
    fn contact_reaches_each_citizen_at_its_own_rate() {
        let mut p = Params::defaults();
        p.set("population.n_citizens", 60_000.0).unwrap();
        p.set("population.n_communities", 12.0).unwrap();
        p.set("population.n_organisations", 3.0).unwrap();
        p.set("dynamics.awareness_decay", 0.0).unwrap();
        p.set("levers.outreach", 0.5).unwrap();
        let mut model = Model::new(&p, 21);
        let g = model.new_group(&p, 0, 0, crate::metrics::TaskKind::Specific, 1.0);
        model.join(g, 3);
        model.contact(&p);
        for o in 0..3u32 {
            for low in [false, true] {
                let rate = model.orgs[o as usize].contact_rate(&p, low);
                let (mut hit, mut all) = (0usize, 0usize);
                for comm in (o..12).step_by(3) {
                    let (a, b) = model.community_range(comm);
                    for i in (a..b).filter(|&i| i != 3) {
                        if model.citizens.has(i, flag::LOW_RESOURCE) == low {
                            all += 1;
                            hit += usize::from(model.citizens.has(i, flag::AWARE));
                        }
                    }
                }
                let share = hit as f64 / all as f64;
                let se = (rate * (1.0 - rate) / all as f64).sqrt();
                assert!(
                    (share - rate).abs() < 4.0 * se,
                    "organisation {o} low {low}: {share} against {rate}"
                );
            }
        }
    }

    /// After a community whose organisation contacts everyone (rate 1: an infinite hazard),
    /// the next community's first citizen is still contacted at its own organisation's rate,
    /// not always (the walk's exponential carries over unchanged when no citizen is left).
    #[test]
    fn a_community_contacted_at_rate_one_leaves_the_next_at_its_own_rate() {
        let mut p = Params::defaults();
        p.set("population.n_citizens", 200.0).unwrap();
        p.set("population.n_communities", 2.0).unwrap();
        p.set("population.n_organisations", 2.0).unwrap();
        p.set("dynamics.awareness_decay", 0.0).unwrap();
        p.set("orgs.contact_rate", 1.0).unwrap();
        let mut model = Model::new(&p, 5);
        model.orgs[0].embeddedness = 1.0;
        model.orgs[1].embeddedness = 0.0;
        let rate = model.orgs[1].contact_rate(&p, false);
        assert_eq!(model.orgs[0].contact_rate(&p, false), 1.0);
        assert_eq!(model.orgs[0].contact_rate(&p, true), 1.0);
        assert!(rate < 0.9, "{rate}");
        let first = model.community_range(1).0;
        let trials = 4000;
        let mut hit = 0;
        for _ in 0..trials {
            for f in &mut model.citizens.flags {
                *f &= !flag::AWARE;
            }
            model.contact(&p);
            hit += usize::from(model.citizens.has(first, flag::AWARE));
        }
        let rate = model.orgs[1].contact_rate(&p, model.citizens.has(first, flag::LOW_RESOURCE));
        let share = hit as f64 / trials as f64;
        let se = (rate * (1.0 - rate) / trials as f64).sqrt();
        assert!((share - rate).abs() < 4.0 * se, "{share} against {rate}");
    }

    /// The citizen records' initial efficacy, drawn again at the end, is what each citizen
    /// started with, whatever happened since.
    #[test]
    fn citizen_records_report_the_initial_efficacy_drawn_at_the_start() {
        let p = small();
        let mut model = Model::new(&p, 17);
        let start = model.citizens.efficacy.clone();
        for _ in 0..24 {
            model.step(&p);
        }
        assert_ne!(model.citizens.efficacy, start);
        let records = model.citizen_records();
        assert_eq!(records.len(), start.len());
        for (r, e) in records.iter().zip(&start) {
            assert_eq!(r.initial_efficacy, f64::from(*e));
        }
    }

    #[test]
    fn word_of_mouth_makes_neighbours_aware() {
        let mut p = small();
        p.word_of_mouth = 1.0;
        let mut model = Model::new(&p, 5);
        let g = model.new_group(&p, 0, 0, crate::metrics::TaskKind::Specific, 0.5);
        model.join(g, 10);
        let aware = |m: &Model| {
            (0..m.citizens.len() as u32)
                .filter(|&i| m.citizens.has(i, flag::AWARE))
                .count()
        };
        assert_eq!(aware(&model), 1);
        model.word_of_mouth(&p);
        assert_eq!(aware(&model), 2);
        let told = (0..model.citizens.len() as u32)
            .find(|&i| i != 10 && model.citizens.has(i, flag::AWARE))
            .unwrap();
        assert!(model.network.neighbours(10).contains(&told));
    }

    #[test]
    fn keen_citizens_start_unsupported_initiatives() {
        let mut p = small();
        p.self_organise_rate = 0.05;
        let mut model = Model::new(&p, 6);
        model.citizens.motivation.iter_mut().for_each(|m| *m = 1.0);
        model.citizens.efficacy.iter_mut().for_each(|e| *e = 1.0);
        model.start_initiatives(&p);
        assert!(
            model.groups.len() >= 20,
            "{} initiatives",
            model.groups.len()
        );
        assert!(
            model
                .groups
                .iter()
                .all(|g| g.org == crate::group::UNSUPPORTED && g.members.len() == 1)
        );
        model.check_invariants().unwrap();
    }

    fn arbitrary_params() -> impl Strategy<Value = Params> {
        let picks = proptest::collection::vec((0..crate::SPECS.len(), 0.0..=1.0f64), 0..25);
        (picks, 2u32..8, 50u32..400).prop_map(|(picks, communities, per_community)| {
            let mut p = Params::defaults();
            for (index, x) in picks {
                let spec = &crate::SPECS[index];
                if spec.name.starts_with("population.") || spec.name.starts_with("lab.") {
                    continue;
                }
                let span = (spec.max - spec.min).min(50.0);
                let mut v = spec.min + x * span;
                if !matches!(spec.kind, crate::Kind::Real) {
                    v = v.round();
                }
                p.set_index(index, v).unwrap();
            }
            p.n_communities = f64::from(communities);
            p.n_citizens = f64::from(communities * per_community);
            p.n_organisations = f64::from(communities.div_ceil(2));
            let shares = p.share_conditional + p.share_free_rider + p.share_hump;
            if shares > 1.0 {
                p.share_conditional /= shares;
                p.share_free_rider /= shares;
                p.share_hump /= shares;
            }
            p
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, .. ProptestConfig::default() })]
        #[test]
        fn state_stays_valid(p in arbitrary_params(), seed in 0u64..1000) {
            let mut model = Model::new(&p, seed);
            for _ in 0..30 {
                let m = model.step(&p);
                for (v, (name, _, _)) in m.values().iter().zip(crate::METRICS) {
                    prop_assert!(v.is_finite(), "{} is {}", name, v);
                }
                for share in [m.participation_rate, m.mean_efficacy, m.mean_external_efficacy,
                              m.mean_citizen_trust,
                              m.mean_org_trust, m.power_shared, m.mean_contribution,
                              m.participation_low, m.participation_high] {
                    prop_assert!((0.0..=1.0).contains(&share));
                }
                // Who benefits: support never exceeds the budget, so service per citizen is
                // never negative, and at most the budget's share plus the benefit produced.
                let ceiling = p.baseline_input * p.n_communities / p.n_citizens
                    + m.service_output;
                for service in [m.service_low, m.service_high] {
                    prop_assert!((0.0..=ceiling + 1e-9).contains(&service));
                }
                prop_assert!(m.service_ratio >= 0.0 && m.benefit_representativeness >= 0.0);
                prop_assert!(m.effort_low >= 0.0 && m.effort_high >= 0.0);
                if let Err(e) = model.check_invariants() {
                    prop_assert!(false, "{}", e);
                }
            }
        }
    }
}
