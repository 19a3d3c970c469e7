//! The social network: clustered ring lattices inside communities plus bridging ties,
//! stored as contiguous adjacency (CSR), and one extra slot per citizen for a tie made
//! while co-producing.
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

impl Network {
    /// Builds the network. Each community's ties come from its own random stream, and the
    /// stream is replayed twice (count, then fill) so no temporary edge list is needed.
    pub(crate) fn build(
        seed: u64,
        n_citizens: u32,
        n_communities: u32,
        ring_degree: u32,
        bridge_prob: f64,
    ) -> Network {
        let n = n_citizens as usize;
        let mut degree = vec![0u32; n + 1];
        for_each_tie(
            seed,
            n_citizens,
            n_communities,
            ring_degree,
            bridge_prob,
            |a, b| {
                degree[a as usize] += 1;
                degree[b as usize] += 1;
            },
        );
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
        for_each_tie(
            seed,
            n_citizens,
            n_communities,
            ring_degree,
            bridge_prob,
            |a, b| {
                neighbours[fill[a as usize] as usize] = b;
                fill[a as usize] += 1;
                neighbours[fill[b as usize] as usize] = a;
                fill[b as usize] += 1;
            },
        );
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

/// Calls `tie(a, b)` for every undirected tie: for each citizen and each distance
/// `d = 1..=ring_degree/2` a tie to the citizen `d` places on in its community's ring,
/// rewired with probability `bridge_prob` to a uniformly drawn citizen of another community.
/// The rewired ties of a community are found by geometric gaps over its ties in order.
fn for_each_tie(
    seed: u64,
    n_citizens: u32,
    n_communities: u32,
    ring_degree: u32,
    bridge_prob: f64,
    mut tie: impl FnMut(u32, u32),
) {
    let half = ring_degree / 2;
    let gaps = rng::Gaps::new(bridge_prob);
    for c in 0..n_communities {
        let mut rng = rng::stream_id(seed, rng::Stream::NetworkBase as u64 + u64::from(c));
        let (start, end) = community_range(c, n_citizens, n_communities);
        let size = end - start;
        let outside = n_citizens - size;
        // Index of the next rewired tie among the community's ties, in (citizen, distance)
        // order; none with a single community.
        let mut next_bridge = if outside > 0 {
            gaps.next(&mut rng)
        } else {
            u64::MAX
        };
        let mut index = 0u64;
        for local in 0..size {
            for d in 1..=half {
                let mut other = start + (local + d) % size;
                if index == next_bridge {
                    let j = below(&mut rng, outside);
                    other = if j >= start { j + size } else { j };
                    next_bridge = gaps.after(&mut rng, index + 1);
                }
                index += 1;
                tie(start + local, other);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn co_production_ties_stay_symmetric() {
        let mut net = Network::build(1, 20, 1, 2, 0.0);
        net.tie_up(1, 2);
        net.tie_up(2, 3);
        assert_eq!(net.extra_tie[1], NO_TIE);
        assert_eq!((net.extra_tie[2], net.extra_tie[3]), (3, 2));
        assert_eq!(net.ties(1), 2);
        assert_eq!(net.ties(2), 3);
    }

    #[test]
    fn ring_without_bridges_is_regular_and_local() {
        let net = Network::build(1, 100, 4, 6, 0.0);
        for i in 0..100 {
            assert_eq!(net.neighbours(i).len(), 6);
            let c = i / 25;
            assert!(net.neighbours(i).iter().all(|&j| j / 25 == c));
        }
    }

    #[test]
    fn ties_are_symmetric_and_bridges_leave_the_community() {
        let net = Network::build(2, 400, 4, 6, 0.3);
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
}
