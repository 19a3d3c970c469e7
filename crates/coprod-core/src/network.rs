//! The social network: clustered ring lattices inside communities plus bridging ties,
//! stored as contiguous adjacency (CSR), and one extra slot per citizen for a tie made
//! while co-producing.
//!
//! Who knows whom follows resources: lattice ties between resource groups are redrawn inside
//! the group with probability `homophily`, and the better-resourced make more bridging ties.
//!
//! Citizens are numbered community by community, so most neighbours sit close together
//! in memory. Owns construction and neighbour queries; knows nothing about behaviour.

use crate::rng::{self, below};

/// Marks an empty extra-tie slot.
pub(crate) const NO_TIE: u32 = u32::MAX;

/// Undirected network in compressed sparse row form.
pub(crate) struct Network {
    offsets: Vec<u32>,
    neighbours: Vec<u32>,
    /// A tie formed in a co-production group (the most recent one), or [`NO_TIE`].
    pub(crate) extra_tie: Vec<u32>,
}

/// The citizens of community `c`: `[start, end)`.
pub(crate) fn community_range(c: u32, n_citizens: u32, n_communities: u32) -> (u32, u32) {
    let start = (u64::from(c) * u64::from(n_citizens) / u64::from(n_communities)) as u32;
    let end = (u64::from(c + 1) * u64::from(n_citizens) / u64::from(n_communities)) as u32;
    (start, end)
}

/// Every community's citizens `[start, end)` in order, the same as [`community_range`] of
/// each, found by adding instead of dividing (two divisions per community add up in the
/// passes over every community each step): with `N = q C + r`, each end is the last plus
/// `q`, plus one whenever the running remainder of `r` per community reaches `C`.
pub(crate) fn community_ranges(
    n_citizens: u32,
    n_communities: u32,
) -> impl Iterator<Item = (u32, u32)> {
    let (q, r) = (n_citizens / n_communities, n_citizens % n_communities);
    let (mut end, mut rem) = (0u32, 0u32);
    (0..n_communities).map(move |_| {
        let start = end;
        end += q;
        // `rem < C` and `r < C`: `rem + r` can need 33 bits (more communities than
        // citizens, near 2^32), so it is compared in u64.
        if u64::from(rem) + u64::from(r) >= u64::from(n_communities) {
            rem = (u64::from(rem) + u64::from(r) - u64::from(n_communities)) as u32;
            end += 1;
        } else {
            rem += r;
        }
        (start, end)
    })
}

/// The community of citizen `i`: the `c` with `i` in `community_range(c)`, which is
/// `ceil((i + 1) C / N) - 1`.
#[inline]
pub(crate) fn community_of(i: u32, n_citizens: u32, n_communities: u32) -> u32 {
    ((u64::from(i + 1) * u64::from(n_communities)).div_ceil(u64::from(n_citizens)) - 1) as u32
}

/// How ties are laid out: sizes, bridging and who is drawn to whom.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Layout {
    pub(crate) n_citizens: u32,
    pub(crate) n_communities: u32,
    pub(crate) ring_degree: u32,
    /// Mean chance a lattice tie is rewired to another community.
    pub(crate) bridge_prob: f64,
    /// Low-resource citizens rewire with `bridge_prob (1 - gap)`, others with `bridge_prob (1 + gap)`.
    pub(crate) bridging_gap: f64,
    /// Chance a lattice tie between resource groups is redrawn inside the first end's group.
    pub(crate) homophily: f64,
}

impl Layout {
    /// Chance that a tie generated from a citizen of this resource group becomes a bridge.
    fn bridge_chance(&self, low: bool) -> f64 {
        let factor = if low {
            1.0 - self.bridging_gap
        } else {
            1.0 + self.bridging_gap
        };
        (self.bridge_prob * factor).min(1.0)
    }
}

impl Network {
    /// Builds the network; `low[i]` says whether citizen `i` is low-resource. Each
    /// community's ties come from its own random stream, drawn once: the first pass counts
    /// degrees and keeps only the ties that do not go to their ring neighbour (a bridge or a
    /// homophily redraw, a small share), and the second lays the ring out again with those
    /// exceptions, so no full edge list is needed.
    pub(crate) fn build(seed: u64, layout: &Layout, low: &[bool]) -> Network {
        let n = layout.n_citizens as usize;
        let half = layout.ring_degree / 2;
        // Every citizen starts `half` ties and ends `half` ring ties (those of the `half`
        // citizens before it in its ring); a rewired tie moves one end from its ring
        // neighbour to its new other end.
        let mut degree = vec![2 * half; n + 1];
        degree[n] = 0;
        // (tie number `a * half + d - 1`, other end), in tie order.
        let mut rewired: Vec<(u32, u32)> = Vec::new();
        for_each_rewired(seed, layout, low, |a, d, b, ring| {
            degree[ring as usize] -= 1;
            degree[b as usize] += 1;
            rewired.push((a * half + d - 1, b));
        });
        // Turn degrees into offsets in place: offsets[i] = sum of degrees before i.
        let mut total = 0u32;
        for d in degree.iter_mut() {
            let here = *d;
            *d = total;
            total += here;
        }
        let offsets = degree;
        let mut fill = offsets[..n].to_vec();
        let mut neighbours = vec![0u32; total as usize];
        let mut rewired = rewired.into_iter().peekable();
        for c in 0..layout.n_communities {
            let (start, end) = community_range(c, layout.n_citizens, layout.n_communities);
            let size = end - start;
            for local in 0..size {
                let a = start + local;
                for d in 1..=half {
                    let mut b = start + ring_step(local, d, size);
                    if rewired.peek().is_some_and(|&(t, _)| t == a * half + d - 1) {
                        b = rewired.next().expect("peeked").1;
                    }
                    neighbours[fill[a as usize] as usize] = b;
                    fill[a as usize] += 1;
                    neighbours[fill[b as usize] as usize] = a;
                    fill[b as usize] += 1;
                }
            }
        }
        Network {
            offsets,
            neighbours,
            extra_tie: vec![NO_TIE; n],
        }
    }

    /// The lattice and bridging neighbours of citizen `i`.
    #[inline]
    pub(crate) fn neighbours(&self, i: u32) -> &[u32] {
        let (a, b) = (self.offsets[i as usize], self.offsets[i as usize + 1]);
        &self.neighbours[a as usize..b as usize]
    }

    /// Asks the processor to bring (the start of) citizen `i`'s neighbour list and its
    /// co-production tie into its cache; reads `i`'s offsets, changes nothing.
    #[inline]
    pub(crate) fn prefetch(&self, i: u32) {
        let list = self.neighbours(i).as_ptr();
        let tie = std::ptr::from_ref(&self.extra_tie[i as usize]);
        #[cfg(target_arch = "x86_64")]
        // SAFETY: a prefetch is a hint that reads nothing and faults on no address.
        unsafe {
            use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
            _mm_prefetch::<_MM_HINT_T0>(list.cast::<i8>());
            _mm_prefetch::<_MM_HINT_T0>(tie.cast::<i8>());
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = (list, tie);
    }

    /// Makes `a` and `b` each other's co-production tie, first dissolving the ties either
    /// had, so the slot stays symmetric.
    pub(crate) fn tie_up(&mut self, a: u32, b: u32) {
        for x in [a, b] {
            let old = self.extra_tie[x as usize];
            if old != NO_TIE && self.extra_tie[old as usize] == x {
                self.extra_tie[old as usize] = NO_TIE;
            }
        }
        self.extra_tie[a as usize] = b;
        self.extra_tie[b as usize] = a;
    }

    /// Number of ties of citizen `i`, counting a co-production tie (social capital).
    pub(crate) fn ties(&self, i: u32) -> u32 {
        self.neighbours(i).len() as u32 + u32::from(self.extra_tie[i as usize] != NO_TIE)
    }

    /// Heap bytes held, for the memory benchmark.
    pub(crate) fn bytes(&self) -> usize {
        4 * (self.offsets.len() + self.neighbours.len() + self.extra_tie.len())
    }
}

/// `(local + d) mod size`: the ring position `d` places on from `local`.
#[inline]
fn ring_step(local: u32, d: u32, size: u32) -> u32 {
    let to = local + d;
    if to < size { to } else { to % size }
}

/// Calls `tie(a, d, other, ring)` for every undirected tie that does not end at its ring
/// neighbour (`ring` is the ring neighbour the tie started from, `other` its end after
/// rewiring), in tie order: for each citizen `a` and each distance `d = 1..=ring_degree/2`
/// a tie to the citizen `d` places on in its community's ring.
/// The tie is rewired, with `a`'s bridging chance, to a uniformly drawn citizen of another
/// community (a bridging tie); otherwise, if its ends differ in resources, it is redrawn with
/// probability `homophily` to a uniform other citizen of `a`'s resource group in the
/// community (docs/ODD.md section 2). Rare events are found by geometric gaps: bridges
/// separately among the ties of low- and of high-resource first ends, redraws among the
/// cross-group ties not rewired, each sequence in tie order.
fn for_each_rewired(
    seed: u64,
    layout: &Layout,
    low: &[bool],
    mut tie: impl FnMut(u32, u32, u32, u32),
) {
    let half = layout.ring_degree / 2;
    let bridge_gaps = [
        rng::Gaps::new(layout.bridge_chance(false)),
        rng::Gaps::new(layout.bridge_chance(true)),
    ];
    let redraw_gaps = rng::Gaps::new(layout.homophily);
    let mut same_group: [Vec<u32>; 2] = [Vec::new(), Vec::new()];
    for c in 0..layout.n_communities {
        let rng = rng::stream_id(seed, rng::Stream::NetworkBase as u64 + u64::from(c));
        let (start, end) = community_range(c, layout.n_citizens, layout.n_communities);
        let size = end - start;
        let outside = layout.n_citizens - size;
        for list in &mut same_group {
            list.clear();
        }
        for i in start..end {
            same_group[usize::from(low[i as usize])].push(i);
        }
        let low = &low[start as usize..end as usize];
        let mut walk = TieWalk {
            rng,
            seen: [0; 2],
            next_bridge: [u64::MAX; 2],
            cross_seen: 0,
            next_redraw: 0,
        };
        // Per class of first end (0 high, 1 low): the index of the first bridge among its
        // ties; none with a single community.
        if outside > 0 {
            for (next, gaps) in walk.next_bridge.iter_mut().zip(&bridge_gaps) {
                *next = gaps.next(&mut walk.rng);
            }
        }
        walk.next_redraw = redraw_gaps.next(&mut walk.rng);
        let place = Place {
            start,
            size,
            outside,
            low,
            half,
        };
        for local in 0..size {
            let is_low = low[local as usize];
            let k = usize::from(is_low);
            if walk.next_bridge[k] - walk.seen[k] < u64::from(half) {
                // One of `a`'s ties is the class's next bridge: tie by tie.
                walk.citizen(
                    &place,
                    local,
                    &bridge_gaps[k],
                    &redraw_gaps,
                    &same_group,
                    &mut tie,
                );
                continue;
            }
            // No bridge starts here (most citizens): only the cross-group test is left.
            walk.seen[k] += u64::from(half);
            for d in 1..=half {
                let ring_local = ring_step(local, d, size);
                let cross = low[ring_local as usize] != is_low;
                if cross && walk.cross_seen == walk.next_redraw {
                    walk.redraw(&place, local, d, &redraw_gaps, &same_group[k], &mut tie);
                }
                walk.cross_seen += u64::from(cross);
            }
        }
    }
}

/// One community's ring: its first citizen, size, the number of citizens outside it, its
/// citizens' resource groups and half the ring degree.
struct Place<'a> {
    start: u32,
    size: u32,
    outside: u32,
    low: &'a [bool],
    half: u32,
}

/// Where one community's three gap sequences stand (see [`for_each_rewired`]).
struct TieWalk {
    rng: crate::rng::ModelRng,
    /// Ties seen per class of first end (0 high, 1 low), and the index of the next bridge.
    seen: [u64; 2],
    next_bridge: [u64; 2],
    /// Cross-group ties not bridged seen, and the index of the next redraw among them.
    cross_seen: u64,
    next_redraw: u64,
}

impl TieWalk {
    /// Citizen `local`'s ties one by one, when one of them is its class's next bridge.
    #[inline(never)]
    fn citizen(
        &mut self,
        place: &Place,
        local: u32,
        bridge_gaps: &rng::Gaps,
        redraw_gaps: &rng::Gaps,
        same_group: &[Vec<u32>; 2],
        tie: &mut impl FnMut(u32, u32, u32, u32),
    ) {
        let is_low = place.low[local as usize];
        let k = usize::from(is_low);
        let a = place.start + local;
        for d in 1..=place.half {
            let ring_local = ring_step(local, d, place.size);
            if self.seen[k] == self.next_bridge[k] {
                let j = below(&mut self.rng, place.outside);
                let other = if j >= place.start { j + place.size } else { j };
                self.next_bridge[k] = bridge_gaps.after(&mut self.rng, self.seen[k] + 1);
                tie(a, d, other, place.start + ring_local);
            } else if place.low[ring_local as usize] != is_low {
                if self.cross_seen == self.next_redraw {
                    self.redraw(place, local, d, redraw_gaps, &same_group[k], tie);
                }
                self.cross_seen += 1;
            }
            self.seen[k] += 1;
        }
    }

    /// The cross-group tie `d` of citizen `local` is the next redraw: a uniform other
    /// citizen of its group (if there is one), then the next redraw gap.
    #[inline(never)]
    fn redraw(
        &mut self,
        place: &Place,
        local: u32,
        d: u32,
        redraw_gaps: &rng::Gaps,
        alike: &[u32],
        tie: &mut impl FnMut(u32, u32, u32, u32),
    ) {
        let a = place.start + local;
        let ring = place.start + ring_step(local, d, place.size);
        let other = redraw_alike(&mut self.rng, alike, a, ring);
        self.next_redraw = redraw_gaps.after(&mut self.rng, self.cross_seen + 1);
        if other != ring {
            tie(a, d, other, ring);
        }
    }
}

/// A uniform citizen of `alike` (which holds `a`) other than `a`; `fallback` if there is none.
fn redraw_alike(rng: &mut crate::rng::ModelRng, alike: &[u32], a: u32, fallback: u32) -> u32 {
    if alike.len() < 2 {
        return fallback;
    }
    let k = below(rng, alike.len() as u32 - 1) as usize;
    let pick = alike[k];
    // Skip over `a`: the list is in index order, so `a` sits where its index says.
    if pick >= a { alike[k + 1] } else { pick }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(n_citizens: u32, n_communities: u32, ring_degree: u32, bridge_prob: f64) -> Layout {
        Layout {
            n_citizens,
            n_communities,
            ring_degree,
            bridge_prob,
            bridging_gap: 0.0,
            homophily: 0.0,
        }
    }

    /// Sizes (citizens, communities) with communities of equal and unequal size.
    const SIZES: [(u32, u32); 6] = [
        (100, 7),
        (10, 10),
        (1000, 3),
        (2001, 20),
        (7, 1),
        (999_983, 9_999),
    ];

    #[test]
    fn community_ranges_are_community_range_of_each() {
        // Also empty communities, and sizes where the remainders' sum needs 33 bits.
        let extremes = [
            (5, 9),
            (u32::MAX, u32::MAX - 1),
            (3_000_000_000, 4_000_000_000),
        ];
        for (n, k) in SIZES.into_iter().chain(extremes) {
            let ranges: Vec<(u32, u32)> = community_ranges(n, k).take(2000).collect();
            let direct: Vec<(u32, u32)> =
                (0..k.min(2000)).map(|c| community_range(c, n, k)).collect();
            assert_eq!(ranges, direct, "{n} citizens in {k}");
        }
        assert_eq!(
            community_ranges(2001, 20).last(),
            Some(community_range(19, 2001, 20))
        );
    }

    #[test]
    fn community_of_inverts_community_range() {
        for (n, k) in SIZES {
            for c in 0..k {
                let (a, b) = community_range(c, n, k);
                for i in [a, (a + b) / 2, b - 1] {
                    assert_eq!(community_of(i, n, k), c, "citizen {i} of {n} in {k}");
                }
            }
        }
    }

    #[test]
    fn co_production_ties_stay_symmetric() {
        let mut net = Network::build(1, &layout(20, 1, 2, 0.0), &[false; 20]);
        net.tie_up(1, 2);
        net.tie_up(2, 3);
        assert_eq!(net.extra_tie[1], NO_TIE);
        assert_eq!((net.extra_tie[2], net.extra_tie[3]), (3, 2));
        assert_eq!(net.ties(1), 2);
        assert_eq!(net.ties(2), 3);
    }

    #[test]
    fn ring_without_bridges_is_regular_and_local() {
        let net = Network::build(1, &layout(100, 4, 6, 0.0), &[false; 100]);
        for i in 0..100 {
            assert_eq!(net.neighbours(i).len(), 6);
            let c = i / 25;
            assert!(net.neighbours(i).iter().all(|&j| j / 25 == c));
        }
    }

    #[test]
    fn ties_are_symmetric_and_bridges_leave_the_community() {
        let net = Network::build(2, &layout(400, 4, 6, 0.3), &[false; 400]);
        let mut bridges = 0;
        for i in 0..400u32 {
            for &j in net.neighbours(i) {
                let back = net.neighbours(j).iter().filter(|&&k| k == i).count();
                let fwd = net.neighbours(i).iter().filter(|&&k| k == j).count();
                assert_eq!(back, fwd);
                bridges += usize::from(i / 100 != j / 100);
            }
        }
        // Expected share of bridging ends: 0.3 of all tie ends.
        let share = bridges as f64 / (400.0 * 6.0);
        assert!((share - 0.3).abs() < 0.05, "{share}");
    }

    #[test]
    fn homophily_keeps_ties_inside_resource_groups_and_bridges_follow_resources() {
        let n = 4000u32;
        let low: Vec<bool> = (0..n).map(|i| (i * 7919) % 13 < 6).collect();
        let cross_share = |h: f64| {
            let mut l = layout(n, 4, 6, 0.0);
            l.homophily = h;
            let net = Network::build(3, &l, &low);
            let (mut cross, mut all) = (0usize, 0usize);
            for i in 0..n {
                for &j in net.neighbours(i) {
                    cross += usize::from(low[i as usize] != low[j as usize]);
                    all += 1;
                    assert_eq!(i / 1000, j / 1000, "no bridges without bridge_prob");
                }
            }
            cross as f64 / all as f64
        };
        let random = cross_share(0.0);
        // Coleman's index of the tie set: the share of cross-group ties falls by (1 - h).
        assert!((cross_share(0.6) / random - 0.4).abs() < 0.05);
        assert!(cross_share(1.0) < 0.01);

        let mut l = layout(n, 4, 6, 0.2);
        l.bridging_gap = 0.5;
        let net = Network::build(4, &l, &low);
        let bridges = |want_low: bool| {
            let (mut b, mut t) = (0usize, 0usize);
            for i in (0..n).filter(|&i| low[i as usize] == want_low) {
                for &j in net.neighbours(i) {
                    b += usize::from(i / 1000 != j / 1000);
                    t += 1;
                }
            }
            b as f64 / t as f64
        };
        assert!(
            bridges(false) > 1.5 * bridges(true),
            "{} {}",
            bridges(false),
            bridges(true)
        );
    }
}
