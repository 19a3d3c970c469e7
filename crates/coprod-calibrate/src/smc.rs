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
    /// Accepted over proposed.
    pub acceptance_rate: f64,
    /// Simulations run in this generation.
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
    while (generations.len() as u32) < settings.generations {
        if let Some(last) = generations.last()
            && (last.acceptance_rate < settings.min_acceptance || !last.complete)
        {
            break;
        }
        let next = generation(priors, settings, &simulate, generations.last())?;
        on_generation(&next)?;
        generations.push(next);
    }
    Ok(generations)
}

/// A proposal's outcome: parameters, distance, seed, kernel-free weight numerator.
type Outcome = Option<(Vec<f64>, f64, u64)>;

fn generation<S>(
    priors: &[Prior],
    settings: &Settings,
    simulate: &S,
    previous: Option<&Generation>,
) -> Result<Generation, CalibrateError>
where
    S: Fn(&[f64], u64) -> Result<f64, CalibrateError> + Sync,
{
    let index = previous.map_or(0, |p| p.index + 1);
    let tolerance = previous.map_or(f64::MAX, |p| {
        weighted_quantile(&p.distances, &p.weights, settings.quantile)
    });
    let scales = previous.map(kernel_scales);
    let n = settings.particles;
    let mut accepted: Vec<(Vec<f64>, f64, u64)> = Vec::with_capacity(n);
    let mut proposed: u64 = 0;
    // A cap so a tolerance nothing can meet ends the run instead of looping for ever.
    let max_batches = (1.0 / settings.min_acceptance).ceil() as u64 + 1;
    for batch in 0..max_batches {
        let start = batch * n as u64;
        let outcomes: Vec<Result<Outcome, CalibrateError>> = (start..start + n as u64)
            .into_par_iter()
            .map(|k| {
                let mut rng = stream(settings.seed, index, k);
                let theta = match (previous, &scales) {
                    (Some(p), Some(s)) => perturb(p, s, priors, &mut rng),
                    _ => Some(priors.iter().map(|pr| sample(pr, &mut rng)).collect()),
                };
                let Some(theta) = theta else { return Ok(None) };
                let seed = rand::Rng::next_u64(&mut rng);
                let d = simulate(&theta, seed)?;
                Ok((d <= tolerance).then_some((theta, d, seed)))
            })
            .collect();
        for outcome in outcomes {
            proposed += 1;
            if let Some(a) = outcome? {
                accepted.push(a);
                if accepted.len() == n {
                    break;
                }
            }
        }
        if accepted.len() == n {
            break;
        }
    }
    let acceptance_rate = accepted.len() as f64 / proposed as f64;
    if accepted.len() < n {
        // Too few accepted: report the rate and keep the previous particles so the run stops.
        let p = previous.expect("generation 0 accepts every proposal");
        return Ok(Generation {
            index,
            tolerance,
            acceptance_rate,
            simulations: proposed,
            complete: false,
            ..p.clone()
        });
    }
    let weights: Vec<f64> = match (previous, &scales) {
        (Some(p), Some(s)) => {
            let raw: Vec<f64> = accepted
                .par_iter()
                .map(|(theta, _, _)| prior_density(priors, theta) / mixture(p, s, theta))
                .collect();
            normalise(raw)
        }
        _ => vec![1.0 / n as f64; n],
    };
    let ess = 1.0 / weights.iter().map(|w| w * w).sum::<f64>();
    let (particles, rest): (Vec<_>, Vec<_>) =
        accepted.into_iter().map(|(t, d, s)| (t, (d, s))).unzip();
    let (distances, seeds) = rest.into_iter().unzip();
    Ok(Generation {
        index,
        tolerance,
        acceptance_rate,
        simulations: proposed,
        ess,
        particles,
        weights,
        distances,
        seeds,
        complete: true,
    })
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

fn perturb(
    g: &Generation,
    scales: &[f64],
    priors: &[Prior],
    rng: &mut rand::rngs::ChaCha8Rng,
) -> Option<Vec<f64>> {
    let u = uniform(rng);
    let mut acc = 0.0;
    let mut pick = g.weights.len() - 1;
    for (i, w) in g.weights.iter().enumerate() {
        acc += w;
        if u < acc {
            pick = i;
            break;
        }
    }
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
        let simulate = |theta: &[f64], seed: u64| {
            let mut rng = stream(seed, 0, 0);
            Ok((theta[0] + normal(&mut rng) / 2.0 - 2.0).abs())
        };
        run(&priors, &settings, simulate, Vec::new(), |_| Ok(())).unwrap()
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
    fn resumed_equals_uninterrupted() {
        let full = normal_mean(5, 100);
        let priors = [Prior::Normal {
            mean: 0.0,
            sd: 1.0,
            low: -10.0,
            high: 10.0,
        }];
        let settings = Settings {
            particles: 100,
            generations: 8,
            quantile: 0.5,
            min_acceptance: 0.01,
            seed: 5,
        };
        let simulate = |theta: &[f64], seed: u64| {
            let mut rng = stream(seed, 0, 0);
            Ok((theta[0] + normal(&mut rng) / 2.0 - 2.0).abs())
        };
        let head = full[..3].to_vec();
        let resumed = run(&priors, &settings, simulate, head, |_| Ok(())).unwrap();
        assert_eq!(resumed, full);
    }
}
