//! `coprod check`: validates scenario files and says how big each experiment is, refusing
//! what `coprod run` or `coprod sensitivity` would refuse before their first run.

use crate::error::{Result, bail};
use crate::estimate::{
    DESIGN_HINT, describe, design_memory_problem, design_runs_memory_refusal, run_memory_refusal,
};
use crate::shipped;

/// A scenario file as `coprod check` judges it.
#[derive(Debug)]
pub struct Checked {
    /// The file (or shipped name) as given.
    pub file: String,
    /// What it runs and its warnings, or why it is invalid.
    pub result: Result<CheckedScenario>,
}

/// A valid scenario: what it runs, roughly how long it takes, and its warnings.
#[derive(Clone, Debug)]
pub struct CheckedScenario {
    /// "30 runs (3 variants x 5 sweep points x 2 replications) of 120 steps, ...".
    pub description: String,
    /// Settings that may be mistakes, each naming the file (`FILE: ...`).
    pub warnings: Vec<String>,
}

/// `coprod check`: reads every file (or shipped name) and says how big each experiment is.
/// What `coprod run` would refuse with as many threads (runs too large for the memory) is
/// invalid here too, and so is a `[sensitivity]` design that `coprod sensitivity` would
/// refuse (for its memory, or a design point the model rejects).
pub fn check(files: &[String], threads: usize) -> Vec<Checked> {
    files
        .iter()
        .map(|file| Checked {
            file: file.clone(),
            result: shipped::load(file).and_then(|scenario| {
                if let Some((problem, hint)) = memory_refusal(&scenario, threads) {
                    // The estimate is still worth having: on a cluster's login node, whose
                    // memory is not the compute nodes', it is what the guide asks check for.
                    bail!(
                        "{file}: {problem}\n{}\n\nhint: {hint}; the memory is this machine's (a \
                         cluster's compute node may have more)",
                        describe(&scenario, threads)
                    );
                }
                if let Some(table) = &scenario.sensitivity {
                    // What else `coprod sensitivity` refuses before its first run (design
                    // points the model rejects, factors held by interventions).
                    crate::sensitivity::check_design(&scenario, table, threads)?;
                }
                // What `coprod calibrate` refuses before it reads the targets.
                crate::calibrate::check_priors_not_held(&scenario)?;
                Ok(CheckedScenario {
                    description: describe(&scenario, threads),
                    warnings: scenario.naming_the_file(
                        [
                            scenario.warnings(),
                            scenario.sensitivity_warnings(),
                            scenario.calibration_warnings(),
                        ]
                        .concat(),
                    ),
                })
            }),
        })
        .collect()
}

/// Refuses a scenario whose `[sensitivity]` or `[calibration]` table `coprod check` calls
/// invalid (but for the memory of a design): `coprod run` does not use these tables, but it
/// refuses the file, so that it runs exactly the files `check` passes. The tables' own
/// keys and ranges are checked when the file is read, by every command.
pub fn refuse_invalid_analysis(scenario: &coprod_scenario::Scenario) -> Result<()> {
    if let Some(table) = &scenario.sensitivity {
        crate::sensitivity::refuse_invalid_design(scenario, table)?;
    }
    crate::calibrate::check_priors_not_held(scenario)
}

/// Why `coprod run` or `coprod sensitivity` would refuse `scenario` on `threads` threads for
/// its memory, with the hint they give: "fewer --threads" only where the runs the estimate
/// is about are more than one (it was offered for a scenario of one run and for a design
/// too large to hold, which threads do not change).
fn memory_refusal(
    scenario: &coprod_scenario::Scenario,
    threads: usize,
) -> Option<(String, String)> {
    if let Some(refusal) = run_memory_refusal(scenario, threads, true) {
        return Some(refusal);
    }
    let table = scenario.sensitivity.as_ref()?;
    if let Some(problem) = design_memory_problem(table) {
        return Some((problem, DESIGN_HINT.to_string()));
    }
    design_runs_memory_refusal(scenario, table, threads)
}
