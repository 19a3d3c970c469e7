//! "Did you mean" hints: the closest known name to a misspelt one.
//!
//! Owns the edit distance and the rule for when a name is close enough to suggest.

use coprod_core::SPECS;

/// Names at most this many edits away are suggested.
const MAX_EDITS: usize = 3;

/// The closest of `candidates` to `name`, if any is close enough.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (edit_distance(name, c), c))
        .filter(|(d, _)| *d <= MAX_EDITS)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// The parameter whose last name part is closest to that of `name`.
pub(crate) fn parameter(name: &str) -> Option<&'static str> {
    let leaf = |n: &'static str| n.rsplit('.').next().unwrap_or(n);
    let wanted = name.rsplit('.').next().unwrap_or(name);
    let leaves = SPECS.iter().map(|s| leaf(s.name));
    let best = closest(wanted, leaves)?;
    SPECS.iter().map(|s| s.name).find(|n| leaf(n) == best)
}

/// Levenshtein distance between `a` and `b`, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1)
                .min(row[j] + 1)
                .min(prev + usize::from(ca != *cb));
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names_only() {
        assert_eq!(
            parameter("citizens.eficacy_mean"),
            Some("citizens.efficacy_mean")
        );
        assert_eq!(parameter("nothing_like_it_at_all"), None);
        assert_eq!(closest("stpes", ["steps", "seed"]), Some("steps"));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
