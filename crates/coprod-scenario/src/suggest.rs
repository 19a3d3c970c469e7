//! "Did you mean" hints: the closest known name to a misspelt one.
//!
//! Owns the edit distance and the rule for when a name is close enough to suggest.

use coprod_core::SPECS;

/// Names at most this many edits away are suggested.
const MAX_EDITS: usize = 3;

/// The closest of `candidates` to `name`, if any is close enough: at most one edit in
/// three characters of `name` (and at most `MAX_EDITS`), so that a short name is not
/// "corrected" into an unrelated one (`name` into `base`); else the one candidate whose
/// first `_`-separated word is `name` (`until` for `until_step`). An empty name gets
/// nothing.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (name.chars().count() / 3).clamp(1, MAX_EDITS);
    if name.is_empty() {
        return None;
    }
    let candidates: Vec<&str> = candidates.into_iter().collect();
    let near = candidates
        .iter()
        .map(|c| (edit_distance(name, c), *c))
        .filter(|(d, _)| *d <= limit)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c);
    near.or_else(|| {
        let mut first_word = candidates
            .iter()
            .filter(|c| c.split('_').next() == Some(name) && c.contains('_'));
        match (first_word.next(), first_word.next()) {
            (Some(only), None) => Some(*only),
            _ => None,
        }
    })
}

/// The `--set` key closest to `name`: one of `experiment`'s, or the parameter whose last
/// name part is closest to that of `name`.
pub(crate) fn setting(name: &str) -> Option<&'static str> {
    const EXPERIMENT: [&str; 3] = [
        "experiment.steps",
        "experiment.replications",
        "experiment.seed",
    ];
    match name.strip_prefix("experiment.") {
        Some(_) => closest(name, EXPERIMENT),
        None => parameter(name),
    }
}

/// The parameter whose last name part is closest to that of `name`.
pub(crate) fn parameter(name: &str) -> Option<&'static str> {
    let leaf = |n: &'static str| n.rsplit('.').next().unwrap_or(n);
    let wanted = name.rsplit('.').next().unwrap_or(name);
    let leaves = SPECS.iter().map(|s| leaf(s.name));
    let best = closest(wanted, leaves)?;
    SPECS.iter().map(|s| s.name).find(|n| leaf(n) == best)
}

/// The hint for an unknown parameter: the closest one, or where to find them all.
pub(crate) fn parameter_hint(name: &str) -> String {
    match parameter(name) {
        Some(s) => format!("did you mean `{s}`?"),
        None => "`coprod list --params` shows every parameter".to_string(),
    }
}

/// Edit distance between `a` and `b`, in characters: insertions, deletions, substitutions
/// and swaps of two neighbours (`stpes` is one edit from `steps`, the commonest slip).
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
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
        // Short or empty names are not "corrected" into unrelated ones.
        assert_eq!(parameter(""), None);
        assert_eq!(parameter("name"), None);
        assert_eq!(
            setting("experiment.replicatons"),
            Some("experiment.replications")
        );
        assert_eq!(
            closest("group-sise", ["baseline", "group-size"]),
            Some("group-size")
        );
        assert_eq!(closest("stpes", ["steps", "seed"]), Some("steps"));
        // A name that is the first word of one candidate, but of no other.
        let interventions = ["lever", "value", "from_step", "until_step"];
        assert_eq!(closest("until", interventions), Some("until_step"));
        assert_eq!(closest("from", interventions), Some("from_step"));
        assert_eq!(closest("share", ["share_hump", "share_free_rider"]), None);
        assert_eq!(closest("step", interventions), None);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn swapped_neighbours_are_one_edit_anywhere_in_the_name() {
        // At the start, in the middle and at the end of the name.
        assert_eq!(edit_distance("tseps", "steps"), 1);
        assert_eq!(edit_distance("stpes", "steps"), 1);
        assert_eq!(edit_distance("stesp", "steps"), 1);
        assert_eq!(edit_distance("replictaions", "replications"), 1);
    }

    #[test]
    fn longer_names_allow_more_edits() {
        // Ten characters allow three edits (one per three characters), so two missing
        // letters are still suggested.
        assert_eq!(
            closest("replicatns", ["replications", "seed", "steps"]),
            Some("replications")
        );
        // Four characters allow one edit only.
        assert_eq!(closest("sede", ["seed", "steps"]), Some("seed"));
        assert_eq!(closest("sxdx", ["seed", "steps"]), None);
    }
}
