//! ABC-SMC with adaptive tolerances (see the crate doc for the sources).
//!
//! Generation 0 draws `particles` parameter vectors from the priors and accepts them all.
//! Generation g > 0 sets its tolerance to the `quantile` of generation g-1's distances and
//! makes proposals in batches of `particles`, in parallel; proposal k resamples a particle
//! of g-1 by weight, perturbs every coordinate with a normal of variance twice the weighted
//! variance of g-1 (Beaumont et al. 2009), rejects it outside the prior's support, simulates
//! and accepts it if its distance is at most the tolerance. The first `particles` accepted
//! proposals in the order of k form generation g, weighted by prior density over the
//! kernel mixture density. The run stops after `generations` generations or when a
//! generation's acceptance rate falls below `min_acceptance`.

use coprod_scenario::Prior;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::CalibrateError;
use crate::random::{normal, stream, uniform};

/// Sizes and seed of a run.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Particles per generation.
    pub particles: usize,
    /// Most generations (the first samples the prior).
    pub generations: u32,
    /// Quantile of the previous distances used as the next tolerance.
    pub quantile: f64,
    /// Stop when a generation's acceptance rate falls below this.
    pub min_acceptance: f64,
    /// Base seed.
    pub seed: u64,
}

/// One generation: the weighted particles and the diagnostics.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Generation {
    /// Index, from 0.
    pub index: u32,
    /// Tolerance (`f64::MAX` for generation 0, which accepts every draw).
    pub tolerance: f64,
    /// Accepted over proposed (the stopping rule's rate: every proposal counts, also one
    /// outside the priors' support, which is rejected without a simulation).
    pub acceptance_rate: f64,
    /// Proposals up to the generation's last accepted one (all of them, `proposal_cap`,
    /// for an incomplete generation).
    pub proposals: u64,
    /// Those of the proposals that were inside the priors' support, and so simulated.
    pub simulations: u64,
    /// Effective sample size of the weights, 1 / sum(w^2).
    pub ess: f64,
    /// Parameter vectors.
    pub particles: Vec<Vec<f64>>,
    /// Normalised weights.
    pub weights: Vec<f64>,
    /// Distance of each particle's simulation to the data.
    pub distances: Vec<f64>,
    /// Seed of each particle's simulation.
    pub seeds: Vec<u64>,
    /// False when too few proposals met the tolerance: the generation then repeats the
    /// particles of the one before and ends the run (see [`posterior`]).
    pub complete: bool,
}

/// The last complete generation: the posterior sample.
pub fn posterior(generations: &[Generation]) -> Option<&Generation> {
    generations.iter().rev().find(|g| g.complete)
}

/// Runs ABC-SMC. `simulate(theta, seed)` returns the distance of one simulation to the data.
/// `done` are generations already computed (from checkpoints) to continue from;
/// `on_generation` sees every new generation (to write a checkpoint).
pub fn run<S, C>(
    priors: &[Prior],
    settings: &Settings,
    simulate: S,
    done: Vec<Generation>,
    mut on_generation: C,
) -> Result<Vec<Generation>, CalibrateError>
where
    S: Fn(&[f64], u64) -> Result<f64, CalibrateError> + Sync,
    C: FnMut(&Generation) -> Result<(), CalibrateError>,
{
    let mut generations = done;
    for (i, g) in generations.iter().enumerate() {
        if g.index as usize != i || g.particles.len() != settings.particles {
            return Err(CalibrateError::Resume(format!(
                "checkpoint {i} has index {} and {} particles, expected {i} and {}",
                g.index,
                g.particles.len(),
                settings.particles
            )));
        }
    }
    while !finished(settings, &generations) {
        let next = generation(priors, settings, &simulate, generations.last())?;
        on_generation(&next)?;
        generations.push(next);
    }
    Ok(generations)
}

/// An accepted proposal: its index `k` in the generation, parameters, distance and the
/// seed of its simulation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Accepted {
    /// Index of the proposal in its generation, from 0.
    pub k: u64,
    /// Parameter vector.
    pub theta: Vec<f64>,
    /// Distance of its simulation to the data.
    pub distance: f64,
    /// Seed of its simulation.
    pub seed: u64,
    /// Proposals simulated (inside the priors' support) from the start of the range it was
    /// proposed in up to and including it; [`Tally`] makes it count from the generation's
    /// first proposal.
    pub simulated: u64,
}

/// What became of one proposal.
enum Outcome {
    /// Outside the priors' support: rejected without a simulation.
    Outside,
    /// Simulated, farther from the data than the tolerance.
    Rejected,
    /// Simulated and within the tolerance.
    Accepted(Accepted),
}

/// What a range of proposals gave: the accepted ones in the order of k, and how many of the
/// range were simulated.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Proposed {
    /// The accepted proposals.
    pub accepted: Vec<Accepted>,
    /// Proposals of the range inside the priors' support, which were simulated.
    pub simulated: u64,
}

/// The proposals of a generation so far: ranges added in order from proposal 0.
#[derive(Clone, Debug, Default)]
pub struct Tally {
    accepted: Vec<Accepted>,
    covered: u64,
    simulated: u64,
}

impl Tally {
    /// Adds the outcome of the proposals `range`, which must start where the last range
    /// added ended.
    pub fn add(&mut self, range: std::ops::Range<u64>, proposed: Proposed) {
        debug_assert_eq!(range.start, self.covered);
        let before = self.simulated;
        self.accepted
            .extend(proposed.accepted.into_iter().map(|a| Accepted {
                simulated: a.simulated + before,
                ..a
            }));
        self.simulated += proposed.simulated;
        self.covered = range.end;
    }

    /// Accepted proposals so far.
    pub fn accepted(&self) -> usize {
        self.accepted.len()
    }

    /// Proposals covered so far (`0..covered`).
    pub fn covered(&self) -> u64 {
        self.covered
    }
}

/// Whether a run with these generations has stopped (generation cap, a complete
/// generation below the acceptance floor, or an incomplete generation).
pub fn finished(settings: &Settings, generations: &[Generation]) -> bool {
    stop_rule(settings, generations).is_some()
}

/// The rule that stopped a calibration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// The last generation could not accept its particles within [`proposal_cap`].
    ProposalCap,
    /// The last generation's acceptance rate fell below `min_acceptance`.
    MinAcceptance,
    /// `generations` generations were run.
    Generations,
}

/// Which rule has stopped a run with these generations, if one has; when more than one
/// holds, the one about the last generation (an incomplete one first): it says why the
/// sampler could not usefully go on, where the generation cap would only say that it was
/// not let.
pub fn stop_rule(settings: &Settings, generations: &[Generation]) -> Option<Stop> {
    let last = generations.last();
    if last.is_some_and(|g| !g.complete) {
        Some(Stop::ProposalCap)
    } else if last.is_some_and(|g| g.acceptance_rate < settings.min_acceptance) {
        Some(Stop::MinAcceptance)
    } else if generations.len() as u32 >= settings.generations {
        Some(Stop::Generations)
    } else {
        None
    }
}

/// Most proposals a generation makes: `ceil(1/min_acceptance) + 1` batches of
/// `particles`, so a tolerance nothing can meet ends the run instead of looping for ever.
pub fn proposal_cap(settings: &Settings) -> u64 {
    ((1.0 / settings.min_acceptance).ceil() as u64 + 1) * settings.particles as u64
}

/// What proposal `k` of a generation depends on: the previous generation (none for
/// generation 0), its kernel scales and the tolerance.
pub struct Proposer<'a> {
    priors: &'a [Prior],
    settings: &'a Settings,
    previous: Option<&'a Generation>,
    scales: Option<Vec<f64>>,
    cumulative: Option<Vec<f64>>,
    /// Index of the generation.
    pub index: u32,
    /// Its tolerance (`f64::MAX` for generation 0).
    pub tolerance: f64,
}

impl<'a> Proposer<'a> {
    /// The proposer of the generation after `previous` (generation 0 without one).
    pub fn new(
        priors: &'a [Prior],
        settings: &'a Settings,
        previous: Option<&'a Generation>,
    ) -> Proposer<'a> {
        Proposer {
            priors,
            settings,
            previous,
            scales: previous.map(kernel_scales),
            cumulative: previous.map(cumulative_weights),
            index: previous.map_or(0, |p| p.index + 1),
            tolerance: previous.map_or(f64::MAX, |p| {
                weighted_quantile(&p.distances, &p.weights, settings.quantile)
            }),
        }
    }

    /// Proposal `k`: drawn from its own stream (seed, generation, k), so it is the same
    /// whichever process or thread makes it.
    fn propose<S>(&self, k: u64, simulate: &S) -> Result<Outcome, CalibrateError>
    where
        S: Fn(&[f64], u64) -> Result<f64, CalibrateError> + Sync,
    {
        let mut rng = stream(self.settings.seed, self.index, k);
        let theta = match (self.previous, &self.scales, &self.cumulative) {
            (Some(p), Some(s), Some(c)) => perturb(p, c, s, self.priors, &mut rng),
            _ => Some(self.priors.iter().map(|pr| sample(pr, &mut rng)).collect()),
        };
        let Some(theta) = theta else {
            return Ok(Outcome::Outside);
        };
        let seed = rand::Rng::next_u64(&mut rng);
        let distance = simulate(&theta, seed)?;
        if distance > self.tolerance || distance.is_nan() {
            return Ok(Outcome::Rejected);
        }
        Ok(Outcome::Accepted(Accepted {
            k,
            theta,
            distance,
            seed,
            simulated: 0,
        }))
    }

    /// Proposals `range`, in parallel: the accepted ones in the order of k, each with the
    /// number of the range's proposals simulated up to it, and the range's total.
    pub fn propose_range<S>(
        &self,
        range: std::ops::Range<u64>,
        simulate: &S,
    ) -> Result<Proposed, CalibrateError>
    where
        S: Fn(&[f64], u64) -> Result<f64, CalibrateError> + Sync,
    {
        let outcomes: Vec<Result<Outcome, CalibrateError>> = range
            .into_par_iter()
            .map(|k| self.propose(k, simulate))
            .collect();
        let mut proposed = Proposed::default();
        for outcome in outcomes {
            match outcome? {
                Outcome::Outside => {}
                Outcome::Rejected => proposed.simulated += 1,
                Outcome::Accepted(a) => {
                    proposed.simulated += 1;
                    proposed.accepted.push(Accepted {
                        simulated: proposed.simulated,
                        ..a
                    });
                }
            }
        }
        Ok(proposed)
    }

    /// The generation made of the accepted proposals of the tally (in the order of k): the
    /// first `particles` of them, or, if there are fewer and the tally has reached
    /// [`proposal_cap`], an incomplete generation. `None` while neither is the case.
    ///
    /// Generation 0 accepts every proposal whose distance is a number; if too few are, there
    /// is no generation to fall back on, and that is an error.
    pub fn assemble(&self, tally: &Tally) -> Result<Option<Generation>, CalibrateError> {
        let n = self.settings.particles;
        let cap = proposal_cap(self.settings);
        let (accepted, proposed, simulations) = if tally.accepted.len() >= n {
            let last = &tally.accepted[n - 1];
            (&tally.accepted[..n], last.k + 1, last.simulated)
        } else if tally.covered >= cap {
            (&tally.accepted[..], cap, tally.simulated)
        } else {
            return Ok(None);
        };
        let acceptance_rate = accepted.len() as f64 / proposed as f64;
        if accepted.len() < n {
            // Too few accepted: report the rate and keep the previous particles so the run
            // stops.
            let Some(p) = self.previous else {
                return Err(CalibrateError::NoDistance {
                    finite: accepted.len() as u64,
                    proposed,
                    particles: n,
                });
            };
            return Ok(Some(Generation {
                index: self.index,
                tolerance: self.tolerance,
                acceptance_rate,
                proposals: proposed,
                simulations,
                complete: false,
                ..p.clone()
            }));
        }
        let weights: Vec<f64> = match (self.previous, &self.scales) {
            (Some(p), Some(s)) => {
                let raw: Vec<f64> = accepted
                    .par_iter()
                    .map(|a| prior_density(self.priors, &a.theta) / mixture(p, s, &a.theta))
                    .collect();
                normalise(raw)
            }
            _ => vec![1.0 / n as f64; n],
        };
        let ess = 1.0 / weights.iter().map(|w| w * w).sum::<f64>();
        Ok(Some(Generation {
            index: self.index,
            tolerance: self.tolerance,
            acceptance_rate,
            proposals: proposed,
            simulations,
            ess,
            particles: accepted.iter().map(|a| a.theta.clone()).collect(),
            weights,
            distances: accepted.iter().map(|a| a.distance).collect(),
            seeds: accepted.iter().map(|a| a.seed).collect(),
            complete: true,
        }))
    }

    /// The next block of proposals to run when `0..covered` gave `accepted` and the
    /// generation is not yet made (see [`Proposer::assemble`]) in `rounds` rounds: enough,
    /// at the acceptance rate seen so far (or the previous generation's before any
    /// acceptance), to fill the generation with a margin of a quarter, in whole batches of
    /// `particles`, within the cap. Generation 0, which accepts every finite distance, starts
    /// with one batch and no margin; after a round with no acceptance the block is four times
    /// what was run so far. Only how many rounds a sharded generation takes
    /// depends on this choice, never which proposals form it.
    pub fn next_block(&self, accepted: usize, covered: u64, rounds: u32) -> std::ops::Range<u64> {
        let n = self.settings.particles as u64;
        let cap = proposal_cap(self.settings);
        let remaining = (self.settings.particles - accepted.min(self.settings.particles)) as f64;
        let wanted = if accepted > 0 {
            1.25 * remaining * covered as f64 / accepted as f64
        } else if rounds == 0 {
            let rate = self.previous.map_or(1.0, |p| p.acceptance_rate.max(1e-12));
            let margin = if self.previous.is_some() { 1.25 } else { 1.0 };
            margin * remaining / rate
        } else {
            // Nothing accepted yet: four times as many as so far.
            4.0 * covered as f64
        };
        let batches = (wanted / n as f64).ceil().max(1.0);
        let len = if batches * n as f64 >= (cap - covered) as f64 {
            cap - covered
        } else {
            batches as u64 * n
        };
        covered..covered + len
    }
}

fn generation<S>(
    priors: &[Prior],
    settings: &Settings,
    simulate: &S,
    previous: Option<&Generation>,
) -> Result<Generation, CalibrateError>
where
    S: Fn(&[f64], u64) -> Result<f64, CalibrateError> + Sync,
{
    let proposer = Proposer::new(priors, settings, previous);
    let n = settings.particles as u64;
    let mut tally = Tally::default();
    loop {
        if let Some(g) = proposer.assemble(&tally)? {
            return Ok(g);
        }
        let range = tally.covered..tally.covered + n;
        tally.add(range.clone(), proposer.propose_range(range, simulate)?);
    }
}

fn sample(prior: &Prior, rng: &mut rand::rngs::ChaCha8Rng) -> f64 {
    match *prior {
        Prior::Uniform { low, high } => low + (high - low) * uniform(rng),
        Prior::Normal {
            mean,
            sd,
            low,
            high,
        } => loop {
            let x = mean + sd * normal(rng);
            if (low..=high).contains(&x) {
                return x;
            }
        },
    }
}

/// Prior density up to a constant per parameter (constants cancel in the weights).
fn prior_density(priors: &[Prior], theta: &[f64]) -> f64 {
    priors
        .iter()
        .zip(theta)
        .map(|(p, &x)| match *p {
            Prior::Uniform { low, high } => f64::from(u8::from((low..=high).contains(&x))),
            Prior::Normal {
                mean,
                sd,
                low,
                high,
            } => {
                if (low..=high).contains(&x) {
                    libm::exp(-0.5 * ((x - mean) / sd).powi(2))
                } else {
                    0.0
                }
            }
        })
        .product()
}

/// Kernel standard deviation per coordinate: sqrt(2 x weighted variance).
fn kernel_scales(g: &Generation) -> Vec<f64> {
    (0..g.particles[0].len())
        .map(|j| libm::sqrt(2.0 * weighted_mean_var(g, j).1).max(1e-12))
        .collect()
}

/// Running sums of a generation's weights, in order, up to the first that is not a number:
/// particle `i` is picked by a uniform `u` when `u` is below the sum up to `i` and not below
/// the sum before it (no `u` is below a NaN sum, so the sums after one pick nothing).
fn cumulative_weights(g: &Generation) -> Vec<f64> {
    g.weights
        .iter()
        .scan(0.0, |acc, w| {
            *acc += w;
            Some(*acc)
        })
        .take_while(|acc| !acc.is_nan())
        .collect()
}

/// The particle (of `n`) a uniform `u` picks: the first whose running sum is above `u`, or
/// the last if none is (as when rounding left the total below `u`). The sums never
/// decrease, so this is a binary search.
fn pick(cumulative: &[f64], n: usize, u: f64) -> usize {
    let first_above = cumulative.partition_point(|&acc| u >= acc);
    if first_above == cumulative.len() {
        n - 1
    } else {
        first_above
    }
}

fn perturb(
    g: &Generation,
    cumulative: &[f64],
    scales: &[f64],
    priors: &[Prior],
    rng: &mut rand::rngs::ChaCha8Rng,
) -> Option<Vec<f64>> {
    let u = uniform(rng);
    let pick = pick(cumulative, g.weights.len(), u);
    let theta: Vec<f64> = g.particles[pick]
        .iter()
        .zip(scales)
        .map(|(x, s)| x + s * normal(rng))
        .collect();
    let inside = priors.iter().zip(&theta).all(|(p, &x)| {
        let (lo, hi) = p.support();
        (lo..=hi).contains(&x)
    });
    inside.then_some(theta)
}

/// Proposal density of `theta`: the weighted mixture of the Gaussian kernels.
fn mixture(g: &Generation, scales: &[f64], theta: &[f64]) -> f64 {
    g.particles
        .iter()
        .zip(&g.weights)
        .map(|(p, w)| {
            let e: f64 = p
                .iter()
                .zip(theta)
                .zip(scales)
                .map(|((a, b), s)| ((a - b) / s).powi(2))
                .sum();
            w * libm::exp(-0.5 * e)
        })
        .sum()
}

fn normalise(raw: Vec<f64>) -> Vec<f64> {
    let total: f64 = raw.iter().sum();
    raw.into_iter().map(|w| w / total).collect()
}

/// The weighted `q` quantile (inverse of the weighted distribution function).
pub fn weighted_quantile(values: &[f64], weights: &[f64], q: f64) -> f64 {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut acc = 0.0;
    for &i in &order {
        acc += weights[i];
        if acc >= q {
            return values[i];
        }
    }
    values[*order.last().expect("at least one value")]
}

/// Weighted mean and standard deviation of coordinate `j` of a generation.
pub fn weighted_mean_sd(g: &Generation, j: usize) -> (f64, f64) {
    let (mean, var) = weighted_mean_var(g, j);
    (mean, libm::sqrt(var))
}

fn weighted_mean_var(g: &Generation, j: usize) -> (f64, f64) {
    let mean: f64 = g
        .particles
        .iter()
        .zip(&g.weights)
        .map(|(p, w)| w * p[j])
        .sum();
    let var: f64 = g
        .particles
        .iter()
        .zip(&g.weights)
        .map(|(p, w)| w * (p[j] - mean).powi(2))
        .sum();
    (mean, var)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Normal mean with known variance 1, n = 4 observations with mean 2, prior N(0, 1):
    /// the posterior is N(n xbar / (n + 1), 1 / (n + 1)) = N(1.6, 0.2).
    fn normal_mean(seed: u64, particles: usize) -> Vec<Generation> {
        let (priors, settings) = problem(seed, particles);
        run(&priors, &settings, simulate, Vec::new(), |_| Ok(())).unwrap()
    }

    /// The prior N(0, 1) and the sizes of [`normal_mean`].
    fn problem(seed: u64, particles: usize) -> ([Prior; 1], Settings) {
        let priors = [Prior::Normal {
            mean: 0.0,
            sd: 1.0,
            low: -10.0,
            high: 10.0,
        }];
        let settings = Settings {
            particles,
            generations: 8,
            quantile: 0.5,
            min_acceptance: 0.01,
            seed,
        };
        (priors, settings)
    }

    /// Distance of the mean of 4 draws from N(theta, 1) to the observed mean 2.
    fn simulate(theta: &[f64], seed: u64) -> Result<f64, CalibrateError> {
        let mut rng = stream(seed, 0, 0);
        Ok((theta[0] + normal(&mut rng) / 2.0 - 2.0).abs())
    }

    /// The binary search picks the particle the plain scan over running sums picks, also
    /// with zero weights, a total below u after rounding, and weights that are not numbers.
    #[test]
    fn resampling_picks_as_a_scan_of_running_sums() {
        let scan = |weights: &[f64], u: f64| {
            let mut acc = 0.0;
            for (i, w) in weights.iter().enumerate() {
                acc += w;
                if u < acc {
                    return i;
                }
            }
            weights.len() - 1
        };
        let cases: [&[f64]; 6] = [
            &[0.25, 0.25, 0.5],
            &[0.0, 0.5, 0.0, 0.5, 0.0],
            &[0.1; 10],
            &[0.5, f64::NAN, 0.5],
            &[f64::NAN, 0.2],
            &[0.3, 0.3, 0.3],
        ];
        for weights in cases {
            let g = Generation {
                index: 0,
                tolerance: 0.0,
                acceptance_rate: 1.0,
                proposals: 0,
                simulations: 0,
                ess: 0.0,
                particles: vec![vec![0.0]; weights.len()],
                weights: weights.to_vec(),
                distances: vec![0.0; weights.len()],
                seeds: vec![0; weights.len()],
                complete: true,
            };
            let cumulative = cumulative_weights(&g);
            for step in 0..=1000 {
                let u = f64::from(step) / 1000.0;
                assert_eq!(
                    pick(&cumulative, weights.len(), u),
                    scan(weights, u),
                    "{weights:?} at {u}"
                );
            }
        }
    }

    #[test]
    fn recovers_a_known_posterior() {
        let gens = normal_mean(7, 2000);
        let last = gens.last().unwrap();
        let (mean, sd) = weighted_mean_sd(last, 0);
        let true_sd = (0.2f64).sqrt();
        assert!((mean - 1.6).abs() < 0.05, "mean {mean}");
        assert!((sd / true_sd - 1.0).abs() < 0.12, "sd {sd} vs {true_sd}");
        // Tolerances shrink and the effective sample size stays usable.
        assert!(gens.windows(2).all(|w| w[1].tolerance <= w[0].tolerance));
        assert!(last.ess > 200.0, "ess {}", last.ess);
    }

    #[test]
    fn same_for_any_thread_count() {
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let four = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap();
        let a = one.install(|| normal_mean(3, 100));
        let b = four.install(|| normal_mean(3, 100));
        assert_eq!(a, b);
    }

    #[test]
    fn resumed_equals_uninterrupted_and_simulates_only_what_is_left() {
        use std::sync::atomic::{AtomicU64, Ordering};
        let (priors, settings) = problem(5, 100);
        let calls = AtomicU64::new(0);
        let counting = |theta: &[f64], seed: u64| {
            calls.fetch_add(1, Ordering::Relaxed);
            simulate(theta, seed)
        };
        let full = run(&priors, &settings, counting, Vec::new(), |_| Ok(())).unwrap();
        let all = calls.swap(0, Ordering::Relaxed);
        let head = full[..3].to_vec();
        let resumed = run(&priors, &settings, counting, head, |_| Ok(())).unwrap();
        assert_eq!(resumed, full);
        // The first three generations come from their checkpoints, not from simulations.
        let done: u64 = full[..3].iter().map(|g| g.simulations).sum();
        let left: u64 = full[3..].iter().map(|g| g.simulations).sum();
        let again = calls.load(Ordering::Relaxed);
        assert!(
            again >= left && again + done <= all,
            "{again} {left} {done} {all}"
        );
    }

    /// `simulations` counts the proposals that were simulated, `proposals` all of them up
    /// to the last accepted one, also those outside the priors' support.
    #[test]
    fn generations_count_proposals_and_simulations_apart() {
        use std::sync::atomic::{AtomicU64, Ordering};
        // A prior whose upper bound cuts into the posterior around 1.6: many perturbations
        // leave the support.
        let priors = [Prior::Uniform {
            low: 0.0,
            high: 1.8,
        }];
        let (_, settings) = problem(11, 200);
        let gens = run(&priors, &settings, simulate, Vec::new(), |_| Ok(())).unwrap();
        assert_eq!((gens[0].proposals, gens[0].simulations), (200, 200));
        let mut outside = 0;
        for pair in gens.windows(2) {
            let (previous, g) = (&pair[0], &pair[1]);
            let calls = AtomicU64::new(0);
            let counting = |theta: &[f64], seed: u64| {
                calls.fetch_add(1, Ordering::Relaxed);
                simulate(theta, seed)
            };
            let proposer = Proposer::new(&priors, &settings, Some(previous));
            let proposed = proposer.propose_range(0..g.proposals, &counting).unwrap();
            assert_eq!(
                calls.load(Ordering::Relaxed),
                g.simulations,
                "generation {}",
                g.index
            );
            assert_eq!(proposed.simulated, g.simulations);
            outside += g.proposals - g.simulations;
            let rate = g.particles.len() as f64 / g.proposals as f64;
            assert!(!g.complete || g.acceptance_rate == rate);
        }
        assert!(outside > 0, "no proposal left the support");
    }

    /// Generations made in rounds of blocks split into slices, in any order of the
    /// slices' processes, equal the unsharded run (docs/calibration.md section 6).
    #[test]
    fn rounds_of_slices_equal_the_unsharded_run() {
        let full = normal_mean(5, 100);
        let (priors, settings) = problem(5, 100);
        let mut gens: Vec<Generation> = Vec::new();
        let mut rounds = 0;
        while !finished(&settings, &gens) {
            let proposer = Proposer::new(&priors, &settings, gens.last());
            let (mut tally, mut round) = (Tally::default(), 0);
            let g = loop {
                if let Some(g) = proposer.assemble(&tally).unwrap() {
                    break g;
                }
                let block = proposer.next_block(tally.accepted(), tally.covered(), round);
                assert!(block.start == tally.covered() && block.end > block.start);
                // Three slices, simulated last first, put back in order of k.
                let len = block.end - block.start;
                let mut slices: Vec<(std::ops::Range<u64>, Proposed)> = (0..3u64)
                    .rev()
                    .map(|i| {
                        let (a, b) = (block.start + len * i / 3, block.start + len * (i + 1) / 3);
                        (a..b, proposer.propose_range(a..b, &simulate).unwrap())
                    })
                    .collect();
                slices.reverse();
                for (range, proposed) in slices {
                    tally.add(range, proposed);
                }
                round += 1;
            };
            rounds += round;
            gens.push(g);
        }
        assert_eq!(gens, full);
        assert!(
            rounds > gens.len() as u32,
            "some generation took two rounds"
        );
    }

    /// A simulator whose distances are not numbers (such as a metric that is NaN) cannot
    /// make generation 0: an error, not a panic, and the same when assembled from rounds.
    #[test]
    fn generation_0_without_finite_distances_is_an_error() {
        let (priors, settings) = problem(1, 10);
        let nan = |_: &[f64], _: u64| Ok(f64::NAN);
        let err = run(&priors, &settings, nan, Vec::new(), |_| Ok(())).unwrap_err();
        assert!(
            matches!(err, CalibrateError::NoDistance { finite: 0, .. }),
            "{err}"
        );
        // A merge of shard files in which generation 0's proposals were all rejected.
        let proposer = Proposer::new(&priors, &settings, None);
        let mut tally = Tally::default();
        tally.add(0..proposal_cap(&settings), Proposed::default());
        assert!(proposer.assemble(&tally).is_err());
    }

    /// A hand-made generation of one-coordinate particles `xs` with weights `ws`.
    /// A uniform prior on [0, 1].
    const UNIT: Prior = Prior::Uniform {
        low: 0.0,
        high: 1.0,
    };

    fn made(index: u32, xs: &[f64], ws: &[f64]) -> Generation {
        Generation {
            index,
            tolerance: 2.0,
            acceptance_rate: 0.5,
            proposals: 2 * xs.len() as u64,
            simulations: 2 * xs.len() as u64,
            ess: 1.0 / ws.iter().map(|w| w * w).sum::<f64>(),
            particles: xs.iter().map(|&x| vec![x]).collect(),
            weights: ws.to_vec(),
            distances: (0..xs.len()).map(|i| i as f64).collect(),
            seeds: (0..xs.len() as u64).collect(),
            complete: true,
        }
    }

    /// Settings for the hand-checked cases: `particles` and `min_acceptance`.
    fn sizes(particles: usize, min_acceptance: f64) -> Settings {
        Settings {
            particles,
            generations: 10,
            quantile: 0.5,
            min_acceptance,
            seed: 1,
        }
    }

    fn accepted(k: u64, x: f64, simulated: u64) -> Accepted {
        Accepted {
            k,
            theta: vec![x],
            distance: x / 10.0,
            seed: 100 + k,
            simulated,
        }
    }

    /// Mean and standard deviation of `xs`.
    fn mean_sd(xs: &[f64]) -> (f64, f64) {
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (mean, var.sqrt())
    }

    #[test]
    fn posterior_is_the_last_complete_generation() {
        assert!(posterior(&[]).is_none());
        let mut gens = vec![made(0, &[1.0], &[1.0]), made(1, &[2.0], &[1.0])];
        assert_eq!(posterior(&gens), Some(&gens[1]));
        let mut incomplete = made(2, &[3.0], &[1.0]);
        incomplete.complete = false;
        gens.push(incomplete);
        assert_eq!(posterior(&gens), Some(&gens[1]));
    }

    /// A checkpoint with the wrong index, or the wrong number of particles, is refused.
    #[test]
    fn resume_refuses_checkpoints_out_of_place_or_of_another_size() {
        let (priors, mut settings) = problem(1, 2);
        settings.generations = 1;
        let never = |_: &[f64], _: u64| -> Result<f64, CalibrateError> { unreachable!() };
        let resume = |done: Vec<Generation>| run(&priors, &settings, never, done, |_| Ok(()));
        assert!(resume(vec![made(0, &[1.0, 2.0], &[0.5, 0.5])]).is_ok());
        let wrong_index = resume(vec![made(1, &[1.0, 2.0], &[0.5, 0.5])]);
        assert!(matches!(wrong_index, Err(CalibrateError::Resume(_))));
        let wrong_size = resume(vec![made(0, &[1.0, 2.0, 3.0], &[0.3, 0.3, 0.4])]);
        assert!(matches!(wrong_size, Err(CalibrateError::Resume(_))));
    }

    #[test]
    fn tally_counts_accepted_and_offsets_simulations_by_earlier_ranges() {
        let mut tally = Tally::default();
        assert_eq!((tally.accepted(), tally.covered()), (0, 0));
        let first = Proposed {
            accepted: vec![accepted(1, 0.1, 2), accepted(3, 0.3, 3)],
            simulated: 4,
        };
        tally.add(0..5, first);
        assert_eq!((tally.accepted(), tally.covered()), (2, 5));
        let second = Proposed {
            accepted: vec![
                accepted(6, 0.6, 1),
                accepted(8, 0.8, 2),
                accepted(9, 0.9, 3),
            ],
            simulated: 3,
        };
        tally.add(5..10, second);
        assert_eq!((tally.accepted(), tally.covered()), (5, 10));
        let simulated: Vec<u64> = tally.accepted.iter().map(|a| a.simulated).collect();
        assert_eq!(simulated, [2, 3, 5, 6, 7]);
    }

    /// Stops at the generation cap, below the acceptance floor (not at it), or after an
    /// incomplete generation.
    #[test]
    fn finished_at_the_cap_below_the_floor_or_after_an_incomplete_generation() {
        let mut settings = sizes(2, 0.1);
        settings.generations = 2;
        let g = |rate: f64, complete: bool| Generation {
            acceptance_rate: rate,
            complete,
            ..made(0, &[1.0, 2.0], &[0.5, 0.5])
        };
        assert!(!finished(&settings, &[]));
        assert!(!finished(&settings, &[g(0.5, true)]));
        assert!(!finished(&settings, &[g(0.1, true)]), "at the floor");
        assert!(finished(&settings, &[g(0.09, true)]), "below the floor");
        assert!(finished(&settings, &[g(0.5, false)]), "incomplete");
        assert!(finished(&settings, &[g(0.5, true), g(0.5, true)]), "cap");
        // Which rule: the one about the last generation when several hold.
        let rule = |gens: &[Generation]| stop_rule(&settings, gens);
        assert_eq!(rule(&[g(0.5, true)]), None);
        assert_eq!(rule(&[g(0.09, true)]), Some(Stop::MinAcceptance));
        assert_eq!(rule(&[g(0.09, false)]), Some(Stop::ProposalCap));
        assert_eq!(rule(&[g(0.5, true), g(0.5, true)]), Some(Stop::Generations));
        assert_eq!(
            rule(&[g(0.5, true), g(0.09, true)]),
            Some(Stop::MinAcceptance)
        );
    }

    /// ceil(1 / min_acceptance) + 1 batches: ceil(1 / 0.3) = 4, so 5 x 20; ceil(1 / 0.01)
    /// = 100, so 101 x 100.
    #[test]
    fn proposal_cap_is_one_batch_more_than_the_inverse_floor() {
        assert_eq!(proposal_cap(&sizes(20, 0.3)), 100);
        assert_eq!(proposal_cap(&sizes(100, 0.01)), 10_100);
        assert_eq!(proposal_cap(&sizes(10, 0.5)), 30);
    }

    /// A simulation exactly at the tolerance is accepted ("at most the tolerance"), one above
    /// it or not a number is rejected.
    #[test]
    fn proposals_at_the_tolerance_are_accepted() {
        let priors = [UNIT];
        let settings = sizes(4, 0.1);
        let mut previous = made(0, &[0.5; 4], &[0.25; 4]);
        previous.distances = vec![0.5; 4];
        let proposer = Proposer::new(&priors, &settings, Some(&previous));
        assert_eq!(proposer.tolerance, 0.5);
        let at = proposer
            .propose_range(0..10, &|_: &[f64], _| Ok(0.5))
            .unwrap();
        assert_eq!((at.accepted.len(), at.simulated), (10, 10));
        let above = proposer
            .propose_range(0..10, &|_: &[f64], _| Ok(0.5 + 1e-9))
            .unwrap();
        assert_eq!((above.accepted.len(), above.simulated), (0, 10));
        let nan = proposer
            .propose_range(0..10, &|_: &[f64], _| Ok(f64::NAN))
            .unwrap();
        assert_eq!((nan.accepted.len(), nan.simulated), (0, 10));
    }

    /// The first `particles` accepted in the order of k make the generation: proposals up to
    /// the last of them, simulations up to it; generation 0 weighs them equally.
    #[test]
    fn assemble_takes_the_first_particles_accepted() {
        let priors = [UNIT];
        let settings = sizes(2, 0.5);
        let proposer = Proposer::new(&priors, &settings, None);
        let mut tally = Tally::default();
        tally.add(
            0..2,
            Proposed {
                accepted: vec![accepted(1, 0.1, 2)],
                simulated: 2,
            },
        );
        assert_eq!(proposer.assemble(&tally).unwrap(), None);
        tally.add(
            2..4,
            Proposed {
                accepted: vec![accepted(2, 0.2, 1), accepted(3, 0.3, 2)],
                simulated: 2,
            },
        );
        let g = proposer.assemble(&tally).unwrap().unwrap();
        assert_eq!((g.index, g.tolerance, g.complete), (0, f64::MAX, true));
        assert_eq!((g.proposals, g.simulations), (3, 3));
        assert_eq!(g.acceptance_rate, 2.0 / 3.0);
        assert_eq!(g.particles, [vec![0.1], vec![0.2]]);
        assert_eq!(g.weights, [0.5, 0.5]);
        assert_eq!(g.distances, [0.01, 0.02]);
        assert_eq!(g.seeds, [101, 102]);
        assert_eq!(g.ess, 2.0);
    }

    /// Too few accepted by the cap: the generation reports its own index, tolerance, rate
    /// (accepted over the cap), proposals and simulations, is incomplete, and keeps the
    /// previous generation's particles.
    #[test]
    fn assemble_at_the_cap_with_too_few_makes_an_incomplete_generation() {
        let priors = [UNIT];
        // cap = (ceil(1 / 0.5) + 1) x 4 = 12.
        let settings = sizes(4, 0.5);
        let previous = made(2, &[0.1, 0.2, 0.3, 0.4], &[0.25; 4]);
        let proposer = Proposer::new(&priors, &settings, Some(&previous));
        // The weighted median of the distances 0, 1, 2, 3.
        assert_eq!(proposer.tolerance, 1.0);
        let mut tally = Tally::default();
        tally.add(
            0..8,
            Proposed {
                accepted: vec![accepted(5, 0.5, 4)],
                simulated: 7,
            },
        );
        assert_eq!(proposer.assemble(&tally).unwrap(), None);
        tally.add(
            8..12,
            Proposed {
                accepted: vec![accepted(9, 0.9, 1)],
                simulated: 2,
            },
        );
        let g = proposer.assemble(&tally).unwrap().unwrap();
        assert_eq!(g.index, 3);
        assert_eq!(g.tolerance, 1.0);
        assert_eq!(g.acceptance_rate, 2.0 / 12.0);
        assert_eq!((g.proposals, g.simulations), (12, 9));
        assert!(!g.complete);
        assert_eq!(g.particles, previous.particles);
        assert_eq!(g.weights, previous.weights);
    }

    /// 10 particles, floor 0.05: cap (20 + 1) x 10 = 210.
    fn block(
        previous: Option<&Generation>,
        accepted: usize,
        covered: u64,
        rounds: u32,
    ) -> (u64, u64) {
        let priors = [UNIT];
        let settings = sizes(10, 0.05);
        let r = Proposer::new(&priors, &settings, previous).next_block(accepted, covered, rounds);
        (r.start, r.end)
    }

    /// 2 of 20 accepted, 8 to go: 1.25 x 8 / (2 / 20) = 100 proposals, 10 batches.
    #[test]
    fn next_block_fills_the_generation_at_the_rate_seen_with_a_quarter_margin() {
        let previous = made(0, &[0.0; 10], &[0.1; 10]);
        assert_eq!(block(Some(&previous), 2, 20, 1), (20, 120));
        assert_eq!(block(None, 2, 20, 1), (20, 120));
        // 1 of 10, 9 to go: 1.25 x 9 x 10 = 112.5, rounded up to 12 batches.
        assert_eq!(block(Some(&previous), 1, 10, 1), (10, 130));
        // 9 of 10, 1 to go: 1.25 x 1 x 10 / 9 = 1.4, at least one batch.
        assert_eq!(block(Some(&previous), 9, 10, 1), (10, 20));
    }

    /// Before any acceptance in the first round: the previous generation's rate 0.4 with
    /// the margin, 1.25 x 10 / 0.4 = 31.25, 4 batches; generation 0 (which accepts every
    /// number) one batch.
    #[test]
    fn next_block_starts_at_the_previous_generations_rate() {
        let mut previous = made(0, &[0.0; 10], &[0.1; 10]);
        previous.acceptance_rate = 0.4;
        assert_eq!(block(Some(&previous), 0, 0, 0), (0, 40));
        assert_eq!(block(None, 0, 0, 0), (0, 10));
        // A previous rate of 0 (floored at 1e-12) asks for everything up to the cap.
        previous.acceptance_rate = 0.0;
        assert_eq!(block(Some(&previous), 0, 0, 0), (0, 210));
    }

    /// Nothing accepted after a round: four times as many as so far, 4 x 20 = 80.
    #[test]
    fn next_block_without_acceptance_after_a_round_quadruples() {
        let previous = made(0, &[0.0; 10], &[0.1; 10]);
        assert_eq!(block(Some(&previous), 0, 20, 1), (20, 100));
        assert_eq!(block(Some(&previous), 0, 10, 2), (10, 50));
    }

    /// 4 of 100 accepted, 6 to go: 1.25 x 6 x 100 / 4 = 187.5 would pass the cap of 210, so
    /// the block ends at the cap.
    #[test]
    fn next_block_ends_at_the_cap() {
        let previous = made(0, &[0.0; 10], &[0.1; 10]);
        assert_eq!(block(Some(&previous), 4, 100, 3), (100, 210));
        // 1 of 200: far more than the 10 left.
        assert_eq!(block(Some(&previous), 1, 200, 5), (200, 210));
        // Every block of any state stays within the cap and starts where the last ended.
        for accepted in 0..10 {
            for covered in (0..210).step_by(10) {
                for rounds in 0..3 {
                    let (start, end) = block(Some(&previous), accepted, covered, rounds);
                    assert_eq!(start, covered);
                    assert!(end > start && end <= 210, "{accepted} {covered} {rounds}");
                    assert!(end == 210 || (end - start) % 10 == 0);
                }
            }
        }
    }

    /// 20,000 draws of a uniform prior on [2, 5]: inside, mean within 4 standard errors
    /// (sd 3 / sqrt(12)) of 3.5.
    #[test]
    fn uniform_prior_draws_lie_in_its_support_around_its_mean() {
        let prior = Prior::Uniform {
            low: 2.0,
            high: 5.0,
        };
        let mut rng = stream(3, 0, 0);
        let draws: Vec<f64> = (0..20_000).map(|_| sample(&prior, &mut rng)).collect();
        assert!(draws.iter().all(|x| (2.0..=5.0).contains(x)));
        let (mean, sd) = mean_sd(&draws);
        let se = 3.0 / 12f64.sqrt() / (draws.len() as f64).sqrt();
        assert!((mean - 3.5).abs() < 4.0 * se, "{mean}");
        assert!((sd - 3.0 / 12f64.sqrt()).abs() < 0.02, "{sd}");
    }

    /// 20,000 draws of N(1, 2) truncated far out: mean within 4 standard errors (2 /
    /// sqrt(n)) of 1, sd within 5 of its standard error (2 / sqrt(2n) = 0.01) of 2.
    #[test]
    fn normal_prior_draws_have_its_mean_and_sd() {
        let prior = Prior::Normal {
            mean: 1.0,
            sd: 2.0,
            low: -100.0,
            high: 100.0,
        };
        let mut rng = stream(4, 0, 0);
        let draws: Vec<f64> = (0..20_000).map(|_| sample(&prior, &mut rng)).collect();
        let (mean, sd) = mean_sd(&draws);
        assert!(
            (mean - 1.0).abs() < 4.0 * 2.0 / (20_000f64).sqrt(),
            "{mean}"
        );
        assert!((sd - 2.0).abs() < 0.05, "{sd}");
    }

    /// A normal prior truncated to [0, 0.5] draws only there.
    #[test]
    fn normal_prior_draws_respect_the_truncation() {
        let prior = Prior::Normal {
            mean: 0.0,
            sd: 1.0,
            low: 0.0,
            high: 0.5,
        };
        let mut rng = stream(5, 0, 0);
        assert!((0..2000).all(|_| (0.0..=0.5).contains(&sample(&prior, &mut rng))));
    }

    /// Uniform: 1 inside, 0 outside; normal N(1, 2) at 3: exp(-(1/2) ((3 - 1) / 2)^2);
    /// the product over coordinates.
    #[test]
    fn prior_density_is_the_product_of_the_unnormalised_densities() {
        let priors = [
            Prior::Uniform {
                low: 0.0,
                high: 1.0,
            },
            Prior::Normal {
                mean: 1.0,
                sd: 2.0,
                low: -10.0,
                high: 10.0,
            },
        ];
        let d = prior_density(&priors, &[0.5, 3.0]);
        assert!((d - (-0.5f64).exp()).abs() < 1e-15, "{d}");
        assert_eq!(prior_density(&priors, &[0.5, 1.0]), 1.0);
        assert_eq!(prior_density(&priors, &[1.5, 1.0]), 0.0);
        assert_eq!(prior_density(&priors, &[0.5, 11.0]), 0.0);
    }

    /// Particles (0, 0) and (2, 4) of equal weight: variances 1 and 4, scales sqrt(2) and
    /// sqrt(8); no spread gives the floor 1e-12.
    #[test]
    fn kernel_scales_are_root_twice_the_weighted_variance() {
        let mut g = made(1, &[0.0, 2.0], &[0.5, 0.5]);
        g.particles = vec![vec![0.0, 0.0], vec![2.0, 4.0]];
        let s = kernel_scales(&g);
        assert_eq!(s.len(), 2);
        assert!((s[0] - 2f64.sqrt()).abs() < 1e-12, "{s:?}");
        assert!((s[1] - 8f64.sqrt()).abs() < 1e-12, "{s:?}");
        assert_eq!(kernel_scales(&made(1, &[3.0, 3.0], &[0.5, 0.5])), [1e-12]);
    }

    /// Perturbations of the one particle 1 with scale 0.5 inside a wide prior: 20,000 of
    /// them have mean 1 within 4 standard errors (0.5 / sqrt(n)) and sd 0.5 within 0.02
    /// (5 standard errors).
    #[test]
    fn perturb_adds_a_normal_of_the_kernel_scale() {
        let priors = [Prior::Uniform {
            low: -100.0,
            high: 100.0,
        }];
        let g = made(1, &[1.0], &[1.0]);
        let cumulative = cumulative_weights(&g);
        let mut rng = stream(6, 1, 0);
        let draws: Vec<f64> = (0..20_000)
            .map(|_| perturb(&g, &cumulative, &[0.5], &priors, &mut rng).unwrap()[0])
            .collect();
        let (mean, sd) = mean_sd(&draws);
        assert!(
            (mean - 1.0).abs() < 4.0 * 0.5 / (20_000f64).sqrt(),
            "{mean}"
        );
        assert!((sd - 0.5).abs() < 0.02, "{sd}");
    }

    /// Particles 0 and 10 weighted 1/4 and 3/4, a negligible kernel: 10 is picked 3/4 of
    /// the time (within 4 standard errors over 20,000); a kernel leaving the prior's
    /// support gives no proposal.
    #[test]
    fn perturb_resamples_by_weight_and_stays_in_the_support() {
        let priors = [Prior::Uniform {
            low: -1.0,
            high: 11.0,
        }];
        let g = made(1, &[0.0, 10.0], &[0.25, 0.75]);
        let cumulative = cumulative_weights(&g);
        let mut rng = stream(7, 1, 0);
        let n = 20_000;
        let tens = (0..n)
            .filter(|_| perturb(&g, &cumulative, &[1e-9], &priors, &mut rng).unwrap()[0] > 5.0)
            .count();
        let share = tens as f64 / n as f64;
        assert!(
            (share - 0.75).abs() < 4.0 * (0.75 * 0.25 / n as f64).sqrt(),
            "{share}"
        );
        // From 10 with scale 100, P(|z| > 0.01) ~ 0.99 of proposals leave [-1, 11].
        let outside = (0..1000)
            .filter(|_| perturb(&g, &cumulative, &[100.0], &priors, &mut rng).is_none())
            .count();
        assert!(outside > 900, "{outside}");
    }
}
