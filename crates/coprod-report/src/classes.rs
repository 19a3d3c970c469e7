//! The size classes that charts, pages and aggregates share: groups by their size when they
//! started ([`SIZE_CLASSES`]) and by their size cap ([`CAP_CLASSES`]).
//!
//! Owns the class bounds and names; nothing else, so every module that classes groups sits
//! above this one.

/// Group-size classes for survival curves: (name, smallest, largest) in members at formation.
/// The small class says "up to 5" because `groups.min_members` and `levers.group_size_cap`
/// accept 1, so it can hold groups of one.
pub const SIZE_CLASSES: [(&str, u64, u64); 3] = [
    ("small (up to 5 members)", 0, 5),
    ("medium (6–15 members)", 6, 15),
    ("large (16+ members)", 16, u64::MAX),
];

/// Classes of size caps for participation over time, group endings and lifetimes: (name,
/// smallest, largest).
pub(crate) const CAP_CLASSES: [(&str, u64, u64); 3] = [
    ("small groups (cap up to 5)", 0, 5),
    ("medium groups (cap 6–15)", 6, 15),
    ("large groups (cap 16+)", 16, u64::MAX),
];

/// The index of the class of `bounds` (name, smallest, largest) that holds `value`.
pub(crate) fn class_of(bounds: &[(&str, u64, u64)], value: u64) -> Option<usize> {
    bounds
        .iter()
        .position(|(_, lo, hi)| (*lo..=*hi).contains(&value))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bounds a class name should state: "up to 5", "6–15" or "16+".
    fn stated_bounds(lo: u64, hi: u64) -> String {
        match (lo, hi) {
            (0, hi) => format!("up to {hi}"),
            (lo, u64::MAX) => format!("{lo}+"),
            (lo, hi) => format!("{lo}–{hi}"),
        }
    }

    #[test]
    fn class_names_state_every_size_the_class_holds() {
        for (name, lo, hi) in SIZE_CLASSES.iter().chain(CAP_CLASSES.iter()) {
            let bounds = stated_bounds(*lo, *hi);
            assert!(name.contains(&bounds), "{name:?} should say {bounds:?}");
        }
    }
}
