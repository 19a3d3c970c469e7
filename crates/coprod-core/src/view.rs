//! A read-only view of one community for pictures (the classroom's community view):
//! who is in which group, who knows about the opportunities, and the ties among them.
//! Nothing here changes the model or draws random numbers.

use crate::model::Model;
use crate::population::{NO_GROUP, flag};

/// What a citizen is doing, as a picture colours it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CitizenState {
    /// Not in a group and not aware of the opportunities.
    Unaware,
    /// Aware of the opportunities, not in a group.
    Aware,
    /// Member of a group that is still recruiting.
    Forming,
    /// Member of a group that produces.
    Active,
}

/// One community at the current step.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct CommunityView {
    /// Number of the community's first citizen; citizens are numbered community by community.
    pub first: u32,
    /// State of each citizen of the community, in citizen order.
    pub states: Vec<CitizenState>,
    /// The group of each citizen (its `group_id` in the group records), if any.
    pub groups: Vec<Option<u32>>,
    /// Ties between citizens of the community, as pairs of positions in `states` (each once).
    pub ties: Vec<(u32, u32)>,
}

impl Model {
    /// Number of communities.
    pub fn n_communities(&self) -> u32 {
        self.n_communities
    }

    /// The citizens of community `c` (clamped to the last community), their states,
    /// groups and the ties among them.
    pub fn community_view(&self, c: u32) -> CommunityView {
        let c = c.min(self.n_communities.saturating_sub(1));
        let (start, end) = self.community_range(c);
        let mut view = CommunityView {
            first: start,
            ..CommunityView::default()
        };
        for i in start..end {
            let g = self.citizens.group[i as usize];
            let (state, group) = if g == NO_GROUP {
                let aware = self.citizens.has(i, flag::AWARE);
                let state = if aware {
                    CitizenState::Aware
                } else {
                    CitizenState::Unaware
                };
                (state, None)
            } else {
                let group = &self.groups[g as usize];
                let state = if group.started {
                    CitizenState::Active
                } else {
                    CitizenState::Forming
                };
                (state, Some(self.records[group.record as usize].group_id))
            };
            view.states.push(state);
            view.groups.push(group);
            for &j in self.network.neighbours(i) {
                if j > i && j < end {
                    view.ties.push((i - start, j - start));
                }
            }
        }
        view
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::Params;

    #[test]
    fn view_matches_membership_and_ties_stay_inside() {
        let mut p = Params::defaults();
        p.set("population.n_citizens", 400.0).unwrap();
        p.set("population.n_communities", 4.0).unwrap();
        p.set("join.base", -3.0).unwrap();
        let mut model = Model::new(&p, 3);
        let mut last = model.step(&p);
        for _ in 0..5 {
            last = model.step(&p);
        }
        assert!(last.participation_rate > 0.0, "nobody in a group");
        let view = model.community_view(1);
        assert_eq!((view.first, view.states.len()), (100, 100));
        assert!(view.ties.iter().all(|&(a, b)| a < b && b < 100));
        let mut members = 0;
        for c in 0..model.n_communities() {
            let view = model.community_view(c);
            for (state, group) in view.states.iter().zip(&view.groups) {
                let member = matches!(state, CitizenState::Forming | CitizenState::Active);
                assert_eq!(member, group.is_some());
                members += usize::from(member);
            }
        }
        assert_eq!(members as f64 / 400.0, last.participation_rate);
    }
}
