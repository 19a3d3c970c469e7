//! `coprod check`: validates scenario files and says how big each experiment is.
//!
//! Owns the rough run-time estimate (a measured cost per citizen-step) and the exit status
//! rule: 1 if any file is invalid.

use std::io::Write;

use anyhow::Result;
use coprod_scenario::Scenario;

use crate::shipped;

/// Measured wall time of one citizen-step on one core (release build, 2 cores shared,
/// 10,000 citizens, default parameters), rounded up. Only for rough estimates.
const SECONDS_PER_CITIZEN_STEP: f64 = 5.0e-8;

/// Checks every file; returns whether all were valid.
pub(crate) fn check(files: &[String], threads: usize, out: &mut impl Write) -> Result<bool> {
    let mut all_ok = true;
    for file in files {
        match shipped::load(file) {
            Ok(scenario) => writeln!(out, "ok       {file}: {}", describe(&scenario, threads))?,
            Err(err) => {
                all_ok = false;
                writeln!(out, "invalid  {file}")?;
                eprintln!("error: {err:#}\n");
            }
        }
    }
    Ok(all_ok)
}

/// "30 runs (3 variants x 5 sweep points x 2 replications) of 120 steps, about 4 s on 2 threads".
pub(crate) fn describe(s: &Scenario, threads: usize) -> String {
    format!(
        "{} runs ({} variant{} x {} sweep point{} x {} replication{}) of {} steps, {} on {} thread{}",
        s.n_runs(),
        s.variants.len(),
        plural(s.variants.len() as u64),
        s.n_points(),
        plural(s.n_points() as u64),
        s.replications,
        plural(u64::from(s.replications)),
        s.steps,
        estimate(s, threads),
        threads,
        plural(threads as u64),
    )
}

fn plural(n: u64) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Rough wall time: citizen-steps over all runs times the measured cost, over threads.
fn estimate(s: &Scenario, threads: usize) -> String {
    let mut citizen_steps = 0.0;
    for variant in 0..s.variants.len() {
        for point in 0..s.n_points() {
            citizen_steps += s.params_for(variant, point).n_citizens;
        }
    }
    citizen_steps *= f64::from(s.steps) * f64::from(s.replications);
    let parallel = (threads as f64).min(s.n_runs() as f64).max(1.0);
    let seconds = citizen_steps * SECONDS_PER_CITIZEN_STEP / parallel;
    format!("roughly {}", human_duration(seconds))
}

pub(crate) fn human_duration(seconds: f64) -> String {
    if seconds < 1.0 {
        "under a second".to_string()
    } else if seconds < 90.0 {
        format!("{seconds:.0} s")
    } else if seconds < 5400.0 {
        format!("{:.0} min", seconds / 60.0)
    } else {
        format!("{:.1} h", seconds / 3600.0)
    }
}
