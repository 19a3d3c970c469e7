//! One co-production group's state ([`Group`]); the submodels that open, fill, run and end
//! groups are `groups.rs`. Kept apart so the model state (`model.rs`) and the submodels
//! both sit above it.

use crate::metrics::TaskKind;
use crate::params::Params;

/// Marks a group that no organisation supports.
pub(crate) const UNSUPPORTED: u32 = u32::MAX;

/// One group, recruiting or running.
pub(crate) struct Group {
    /// Index of its row in the model's group records.
    pub(crate) record: u32,
    /// Supporting organisation or [`UNSUPPORTED`].
    pub(crate) org: u32,
    /// The staff member of that organisation who supports it, or `NO_STAFF`.
    pub(crate) staff: u32,
    pub(crate) community: u32,
    pub(crate) task: TaskKind,
    pub(crate) cap: u32,
    /// Decision power the group holds (0-1).
    pub(crate) power: f64,
    pub(crate) members: Vec<u32>,
    /// Each member's satisfaction with the group (running payoff), in member order: a
    /// citizen has one only while a member.
    pub(crate) satisfaction: Vec<f32>,
    pub(crate) failed_streak: u32,
    pub(crate) last_success: bool,
    /// Whether it has finished forming and produces.
    pub(crate) started: bool,
    /// Step it opened (started forming).
    pub(crate) opened_step: u32,
}

impl Group {
    #[cfg(test)]
    pub(crate) fn clarity(&self, p: &Params) -> f64 {
        Group::clarity_of(self.task, p)
    }

    /// How clearly members perceive a task of this kind: `generic_clarity` for a generic
    /// task with `channels.task_clarity` on, else 1.
    pub(crate) fn clarity_of(task: TaskKind, p: &Params) -> f64 {
        match (task, p.task_clarity_channel != 0.0) {
            (TaskKind::Generic, true) => p.generic_clarity,
            _ => 1.0,
        }
    }
}
