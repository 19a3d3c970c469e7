//! Outcomes that are not plain errors: a run that finished but had failed runs (exit
//! status 3, docs/errors.md). Shared by `run`, `shard` and `merge`; imports nothing of ours.

/// The run finished and wrote its outputs, but some runs failed (listed in failures.csv).
/// `main` turns it into exit status 3 without another message.
#[derive(Debug)]
pub(crate) struct SomeRunsFailed {
    pub(crate) failed: u64,
    pub(crate) runs: u64,
}

impl std::fmt::Display for SomeRunsFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} of {} runs failed", self.failed, self.runs)
    }
}

impl std::error::Error for SomeRunsFailed {}
