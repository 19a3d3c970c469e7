//! Held-out seeds: every run's seed is a hash of the salt given at run time, the stream
//! (pilot, verdict block, robustness point) and the replication, so nobody can choose seeds
//! that pass, and no seed depends on a thread or on the order runs finish.

use coprod_scenario::text_seed;

/// How seeds are derived, for manifests and docs.
pub const SEED_DERIVATION: &str = "seed = top 53 bits of SplitMix64(FNV-1a-64(text)), text = \
     \"{salt}:pilot:rep={r}\" for the pilot, \"{salt}:block={b}:rep={r}\" for replication r of \
     verdict block b, \"{salt}:robustness={k}:rep={r}\" for point k of the robustness map; \
     the same hash seeds the bootstrap of a hold set's shares, text \"{salt}:bootstrap:{set}\" \
     (\"{salt}:bootstrap-placebo:{set}\" for the adjusted share), and the Latin hypercube of \
     the robustness map, text \"{salt}:robustness-design\"";

/// A family of seeds under one salt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// The pilot that estimates the variance (never part of a verdict).
    Pilot,
    /// Verdict block `b`.
    Block(u32),
    /// Point `k` of the robustness map.
    Robustness(u32),
}

/// The seed of replication `rep` of `stream` under `salt`.
pub fn seed(salt: &str, stream: Stream, rep: u32) -> u64 {
    let text = match stream {
        Stream::Pilot => format!("{salt}:pilot:rep={rep}"),
        Stream::Block(b) => format!("{salt}:block={b}:rep={rep}"),
        Stream::Robustness(k) => format!("{salt}:robustness={k}:rep={rep}"),
    };
    text_seed(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_depend_on_salt_stream_and_replication() {
        let a = seed("x", Stream::Block(0), 0);
        assert_eq!(a, seed("x", Stream::Block(0), 0));
        assert_ne!(a, seed("y", Stream::Block(0), 0));
        assert_ne!(a, seed("x", Stream::Block(1), 0));
        assert_ne!(a, seed("x", Stream::Block(0), 1));
        assert_ne!(a, seed("x", Stream::Pilot, 0));
        assert_ne!(a, seed("x", Stream::Robustness(0), 0));
    }
}
