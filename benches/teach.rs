//! The classroom command's speed target (issue 4): `coprod teach group-size` with its
//! defaults (1,350 runs of 480 months in five service regimes, the charts and the page)
//! should take under 10 seconds on a 2-core laptop, release build. Measured as a whole
//! process, as a teacher would run it. Run with `cargo bench --bench teach`.

use std::process::Command;

fn main() {
    divan::main();
}

#[divan::bench(sample_count = 5, sample_size = 1)]
fn teach_group_size(bencher: divan::Bencher) {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("teach");
    bencher.bench_local(|| {
        let status = Command::new(env!("CARGO_BIN_EXE_coprod"))
            .args(["teach", "group-size", "--force", "--out"])
            .arg(&out)
            .output()
            .expect("coprod runs");
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
    });
}
