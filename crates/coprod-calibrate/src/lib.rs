//! # coprod-calibrate: confronting the model with data
//!
//! # Brief overview
//! Approximate Bayesian computation by sequential Monte Carlo (ABC-SMC): a population of
//! parameter vectors ("particles") is drawn from the priors, then moved through generations
//! of shrinking tolerance. Each generation's tolerance is a quantile of the previous
//! generation's distances (the adaptive schedule of Del Moral, Doucet and Jasra 2012);
//! particles are resampled by weight, perturbed with a Gaussian kernel of twice the
//! weighted variance and re-weighted by prior over proposal density (population Monte
//! Carlo, Beaumont, Cornuet, Marin and Robert 2009; Toni et al. 2009).
//!
//! * [`smc`]: the algorithm, generic over a simulator `(parameters, seed) -> summaries`;
//!   its [`Proposer`] makes any block of a generation's proposals and assembles the
//!   generation from the accepted ones, so processes can share a generation (sharding);
//! * [`model`]: the coprod simulator: a scenario's parameters with the estimated ones set,
//!   one run, the targets' metrics at the targets' steps;
//! * [`predictive`](mod@predictive): the posterior predictive distribution of every target.
//!
//! Deterministic: proposal `k` of generation `g` draws from its own ChaCha8 stream, so the
//! result is the same for any thread count and a run resumed from a generation equals an
//! uninterrupted one. No file I/O and no printing: the binary writes checkpoints from the
//! callback of [`smc::run`].
#![deny(missing_docs)]

pub mod model;
pub mod predictive;
pub mod smc;

mod random;

pub use model::{ModelSimulator, distance, unreported_metric};
pub use predictive::{MetricFit, PredictiveRow, predictive, rmse_by_metric};
pub use smc::{
    Accepted, Generation, Proposed, Proposer, Settings, Stop, Tally, finished, posterior,
    proposal_cap, run, stop_rule,
};

/// Why a calibration cannot run.
#[derive(Debug, thiserror::Error)]
pub enum CalibrateError {
    /// The scenario has no `[calibration]` table.
    #[error("the scenario has no [calibration] table: see docs/calibration.md")]
    NoCalibration,
    /// A parameter set drawn from the priors is not a valid model configuration.
    #[error("the parameters drawn ({values}) are not valid together: {reason}")]
    InvalidParams {
        /// The offending values, each with its parameter's name.
        values: String,
        /// Why.
        reason: String,
    },
    /// A target cannot be read off the scenario's runs.
    #[error("{0}")]
    Target(String),
    /// Too few simulations from the priors have a finite distance to the targets to make
    /// generation 0.
    #[error(
        "generation 0: only {finite} of {proposed} simulations from the priors have a finite \
         distance to the targets, {particles} are needed: a simulated metric is not a number"
    )]
    NoDistance {
        /// Simulations with a finite distance.
        finite: u64,
        /// Simulations run.
        proposed: u64,
        /// Particles per generation.
        particles: usize,
    },
    /// A checkpoint does not belong to this calibration.
    #[error("cannot resume: {0}")]
    Resume(String),
    /// The callback (for example writing a checkpoint) failed.
    #[error("{0}")]
    Callback(String),
}
