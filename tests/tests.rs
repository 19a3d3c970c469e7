//! Integration tests of the `coprod` binary: one test binary, one module per area.

// Shared helpers: running the binary in a scratch directory, reading outputs.
mod util;

// `coprod run`: files, columns, determinism across threads, sweeps, --set, --force.
mod run;

// `coprod check` and `coprod list`: shipped scenarios, invalid files, exit codes.
mod check;

// Tidy checks: module docs, no ignored tests.
mod tidy;

// Charts and index.html of every run; `coprod plot` redraws them from the CSVs alone.
mod plot;

// Damaged run directories: `coprod plot` and `coprod compare` refuse them and change nothing.
mod readback;

// `coprod teach group-size`: the classroom page.
mod teach;

// The teaching page and index.html in headless Chromium (skippable locally).
mod browser;

// `coprod calibrate` (ABC-SMC against targets, resume, bad targets files) and `coprod survey`.
mod calibrate;

// `coprod serve`: a class game over the protocol, bad input, a load test of 100 students.
mod serve;

// `coprod serve` in headless Chromium: explore, experiment, a game with seven pages.
mod serve_browser;

// Bad input: the corpus in tests/data/errors, each with a snapshot of its message; exit 2.
mod errors;

// Interrupted runs: SIGKILL and Ctrl-C, `--resume` to byte-identical outputs.
mod resume;

// Failed runs: failures.csv, the rest carries on, exit status 3.
mod failures;

// Fuzzing: the scenario parser and validator never panic on generated or arbitrary input.
mod fuzz;

// `coprod validate`: a reduced suite's columns, intervals and determinism (never its verdicts),
// sharded robustness maps, bad ids.
mod validate;

// `coprod run --shard I/N`: every run in exactly one shard for any N, SLURM's variables.
mod shard;

// `coprod merge`: byte-identical to one run; missing, duplicate and foreign shards named.
mod merge;

// `coprod slurm`: the generated script; a real array job on SLURM with COPROD_SLURM_TESTS=1.
mod slurm;

// `comparison.csv`, `coprod compare` and `--target-ci`: paired effects against the baseline.
mod compare;

// Group metrics of runs in which no group started: empty, and left out of every statistic.
mod missing;

// `coprod sensitivity`: Morris and Sobol indices from a [sensitivity] table.
mod sensitivity;

// Figures the docs quote (run counts, the sensitivity example) checked against the program.
mod docs_figures;

// Output bytes of every shipped scenario and of each command, against committed digests.
mod digests;
