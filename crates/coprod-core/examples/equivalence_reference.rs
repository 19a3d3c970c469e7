//! Writes the reference statistics of the distribution-equivalence test
//! (`tests/equivalence_reference.csv`): for each configuration of
//! `tests/support/equivalence_configs.rs`, the mean and standard deviation over `REPLICATIONS` runs
//! of every end-of-run summary metric.
//!
//! The committed file was made by the model as it was before the speed work of issue 14
//! (commit 3f35838), so that the test compares today's output distributions with that
//! model's without keeping its code:
//! ```sh
//! git worktree add /tmp/before 3f35838
//! cp crates/coprod-core/examples/equivalence_reference.rs /tmp/before/crates/coprod-core/examples/
//! mkdir -p /tmp/before/crates/coprod-core/tests/support
//! cp crates/coprod-core/tests/support/equivalence_configs.rs /tmp/before/crates/coprod-core/tests/support/
//! (cd /tmp/before && cargo run --release -p coprod-core --example equivalence_reference) \
//!     > crates/coprod-core/tests/equivalence_reference.csv
//! ```
//! Since issue 16 the committed file is this program's output on the issue-16 model
//! (`cargo run --release -p coprod-core --example equivalence_reference`), a deliberate
//! model change; the file above was the reference for the speed work. Since issue 15 it is
//! this program's output on the issue-15 model (production accounting), the same way.
//! Its four survival rows (`mean_group_lifetime`, `share_lasting_24`,
//! `median_group_lifetime`, `group_end_rate`) were later regenerated for the months-producing
//! spell convention (docs/ODD.md 8.18): this program on a worktree of 0d531fb whose
//! `metrics::spells` counts an ended group's spell as `ended - formed + 1` and whose
//! `share_lasting` reads ends at months `t <= months`, keeping every other row (which that
//! run reproduced exactly); tests/equivalence.rs says why.
//! Seeds 1,000,001 onwards, so they never coincide with the test's own seeds. (The committed
//! file was made with the same configurations and seeds; at 3f35838 the configurations file
//! sat in `tests/` instead of `tests/support/`, with the same content.)

#[path = "../tests/support/equivalence_configs.rs"]
mod equivalence_configs;

use coprod_core::{Detail, simulate, summary_names};

const REPLICATIONS: u64 = 4000;
const FIRST_SEED: u64 = 1_000_001;

fn main() {
    let names = summary_names();
    println!("config,metric,n,mean,sd");
    for config in equivalence_configs::configs() {
        let rows: Vec<Vec<f64>> = (0..REPLICATIONS)
            .map(|r| {
                simulate(
                    &config.params,
                    &[],
                    config.steps,
                    FIRST_SEED + r,
                    Detail::Standard,
                )
                .summary()
            })
            .collect();
        for (m, (name, _, _)) in names.iter().enumerate() {
            let n = rows.len() as f64;
            let mean = rows.iter().map(|r| r[m]).sum::<f64>() / n;
            let var = rows.iter().map(|r| (r[m] - mean).powi(2)).sum::<f64>() / (n - 1.0);
            println!(
                "{},{name},{REPLICATIONS},{mean:e},{:e}",
                config.name,
                var.sqrt()
            );
        }
    }
}
