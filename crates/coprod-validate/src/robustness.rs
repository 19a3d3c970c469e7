//! Robustness of a claim over what the model does not know: a Latin hypercube over the
//! parameters the parameter table marks as assumptions (each within its declared plausible
//! range), the share of that space where the claim holds, and which parameters move the
//! effect most (standardised regression coefficients).

use coprod_analysis::{latin_hypercube, standardised_regression};
use coprod_core::{ASSUMED_RANGES, Kind, Params};
use coprod_scenario::text_seed;
use coprod_sweep::Runner;

use crate::claim::Claim;
use crate::engine::{Replicate, point_holds};
use crate::seeds::{Stream, seed};

/// Size of a robustness map and the part of it to run.
#[derive(Clone, Debug, PartialEq)]
pub struct RobustnessDesign {
    /// Points of the Latin hypercube.
    pub points: u32,
    /// Replications per point.
    pub replications: u32,
    /// The salt all seeds (and the design itself) derive from.
    pub salt: String,
    /// Run only points `k` with `k % count == index` (`(0, 1)`: all).
    pub shard: (u32, u32),
}

/// One point of the map.
#[derive(Clone, Debug, PartialEq)]
pub struct Point {
    /// Index in the design.
    pub index: u32,
    /// The value of each assumed parameter, in the order of `ASSUMED_RANGES`.
    pub values: Vec<f64>,
    /// Mean effect over the point's replications.
    pub effect: f64,
    /// Whether the claim holds there (direction and SESOI, by the mean).
    pub holds: bool,
}

/// What the map found.
#[derive(Clone, Debug, PartialEq)]
pub struct Robustness {
    /// Points evaluated.
    pub points: usize,
    /// Share of points where the claim holds.
    pub share: f64,
    /// Standardised regression coefficient of the effect on each assumed parameter, largest
    /// in absolute value first (empty when the regression is not defined).
    pub coefficients: Vec<(String, f64)>,
}

/// The parameter values of every point of the design (`ASSUMED_RANGES` order).
pub fn design_values(design: &RobustnessDesign) -> Vec<Vec<f64>> {
    let unit = latin_hypercube(
        design.points as usize,
        ASSUMED_RANGES.len(),
        text_seed(&format!("{}:robustness-design", design.salt)),
    );
    unit.iter()
        .map(|u| {
            ASSUMED_RANGES
                .iter()
                .zip(u)
                .map(|(r, &x)| {
                    let v = r.low + x * (r.high - r.low);
                    let kind = Params::lookup(r.name).map(|(_, s)| s.kind);
                    match kind {
                        Ok(Kind::Real) => v,
                        _ => v.round(),
                    }
                })
                .collect()
        })
        .collect()
}

/// Runs this shard's points of the map for one claim.
pub fn run_points(claim: &Claim<'_>, design: &RobustnessDesign, runner: &Runner) -> Vec<Point> {
    let values = design_values(design);
    let indices: Vec<usize> = ASSUMED_RANGES
        .iter()
        .map(|r| Params::lookup(r.name).expect("checked by a core test").0)
        .collect();
    let (index, count) = design.shard;
    let jobs: Vec<(u32, u32)> = (0..design.points)
        .filter(|k| k % count.max(1) == index)
        .flat_map(|k| (0..design.replications).map(move |r| (k, r)))
        .collect();
    let claims: Vec<Claim<'_>> = (0..design.points)
        .map(|k| {
            let overrides = indices
                .iter()
                .copied()
                .zip(values[k as usize].clone())
                .collect();
            claim.clone_with(overrides)
        })
        .collect();
    let reps = runner.map(&jobs, |&(k, r)| {
        claims[k as usize].replicate(seed(&design.salt, Stream::Robustness(k), r), &[])
    });
    let reg = &claim.registration;
    reps.chunks(design.replications.max(1) as usize)
        .zip(jobs.iter().step_by(design.replications.max(1) as usize))
        .map(|(block, &(k, _))| {
            let (effect, holds) = point_holds(
                claim.contrast(),
                claim.validation.direction,
                reg.sesoi,
                block,
            );
            Point {
                index: k,
                values: values[k as usize].clone(),
                effect,
                holds,
            }
        })
        .collect()
}

/// The share of points where the claim holds and the standardised regression coefficients.
pub fn summarise(points: &[Point]) -> Robustness {
    let share = points.iter().filter(|p| p.holds).count() as f64 / points.len().max(1) as f64;
    let x: Vec<Vec<f64>> = points.iter().map(|p| p.values.clone()).collect();
    let y: Vec<f64> = points.iter().map(|p| p.effect).collect();
    let mut coefficients: Vec<(String, f64)> = standardised_regression(&x, &y)
        .map(|b| {
            ASSUMED_RANGES
                .iter()
                .map(|r| r.name.to_string())
                .zip(b)
                .collect()
        })
        .unwrap_or_default();
    coefficients.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    Robustness {
        points: points.len(),
        share,
        coefficients,
    }
}

impl Robustness {
    /// The three assumed parameters with the largest standardised coefficients, as
    /// validation.csv's `robustness_drivers` writes them: `name +0.12; name -0.05; ...`.
    pub fn drivers(&self) -> String {
        self.coefficients
            .iter()
            .take(3)
            .map(|(n, b)| format!("{n} {b:+.2}"))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// The robustness share and drivers of a map read back from robustness.csv, as
/// [`summarise`] and [`Robustness::drivers`] give them for the same points (for merging the
/// shards of a map: `coprod_output::merge_validation`).
pub fn summarise_rows(rows: &[coprod_output::RobustnessRow]) -> (f64, String) {
    let points: Vec<Point> = rows
        .iter()
        .map(|r| Point {
            index: r.point,
            values: r.values.clone(),
            effect: r.effect,
            holds: r.holds,
        })
        .collect();
    let map = summarise(&points);
    (map.share, map.drivers())
}
