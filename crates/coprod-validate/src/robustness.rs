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
    // The claim's own levers keep each arm's value (`Claim::clone_with`): their columns say
    // so by being empty, not by a value no run used.
    let levers = claim.lever_indices();
    let values: Vec<Vec<f64>> = values
        .into_iter()
        .map(|row| {
            row.into_iter()
                .zip(&indices)
                .map(|(v, i)| if levers.contains(i) { f64::NAN } else { v })
                .collect()
        })
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

/// The share of points where the claim holds and the standardised regression coefficients
/// on the parameters the map varied (a lever of the claim has no values and is left out).
pub fn summarise(points: &[Point]) -> Robustness {
    let share = points.iter().filter(|p| p.holds).count() as f64 / points.len().max(1) as f64;
    let varied: Vec<usize> = (0..ASSUMED_RANGES.len())
        .filter(|&j| points.iter().all(|p| p.values[j].is_finite()))
        .collect();
    let x: Vec<Vec<f64>> = points
        .iter()
        .map(|p| varied.iter().map(|&j| p.values[j]).collect())
        .collect();
    let y: Vec<f64> = points.iter().map(|p| p.effect).collect();
    let mut coefficients: Vec<(String, f64)> = standardised_regression(&x, &y)
        .map(|b| {
            varied
                .iter()
                .map(|&j| ASSUMED_RANGES[j].name.to_string())
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
    /// [`Robustness::share`] where the map has points here: a shard given none of them
    /// holds no share of them (0 of 0 is not 0).
    pub fn share_of_points(&self) -> Option<f64> {
        (self.points > 0).then_some(self.share)
    }

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

#[cfg(test)]
mod tests {
    use super::*;
    use coprod_output::RobustnessRow;
    use coprod_scenario::Scenario;

    fn design(points: u32, salt: &str) -> RobustnessDesign {
        RobustnessDesign {
            points,
            replications: 1,
            salt: salt.into(),
            shard: (0, 1),
        }
    }

    fn is_real(name: &str) -> bool {
        let (_, spec) = Params::lookup(name).expect("an assumed parameter");
        matches!(spec.kind, Kind::Real)
    }

    /// Position of `v` in its range, 0 at the low end and 1 at the high end.
    fn position(column: usize, v: f64) -> f64 {
        let r = &ASSUMED_RANGES[column];
        (v - r.low) / (r.high - r.low)
    }

    #[test]
    fn design_values_stay_in_range_and_round_whole_parameters() {
        let values = design_values(&design(20, "range"));
        assert_eq!(values.len(), 20);
        assert!(ASSUMED_RANGES.iter().any(|r| !is_real(r.name)));
        for row in &values {
            assert_eq!(row.len(), ASSUMED_RANGES.len());
            for (r, &v) in ASSUMED_RANGES.iter().zip(row) {
                assert!(r.low <= v && v <= r.high, "{} = {v}", r.name);
                if !is_real(r.name) {
                    assert_eq!(v.fract(), 0.0, "{} = {v}", r.name);
                }
            }
        }
        // Real parameters are not rounded: their values spread over the range.
        let first: Vec<f64> = values.iter().map(|row| row[0]).collect();
        assert!(first.iter().any(|v| v.fract() != 0.0));
    }

    /// Each real parameter takes exactly one value in each of the `points` equal strata of
    /// its range.
    #[test]
    fn design_values_are_a_latin_hypercube_in_each_real_column() {
        let points = 16;
        let values = design_values(&design(points, "strata"));
        for (j, r) in ASSUMED_RANGES.iter().enumerate() {
            if !is_real(r.name) {
                continue;
            }
            let mut strata: Vec<usize> = values
                .iter()
                .map(|row| {
                    let s = (position(j, row[j]) * f64::from(points)).floor() as usize;
                    s.min(points as usize - 1)
                })
                .collect();
            strata.sort_unstable();
            assert_eq!(
                strata,
                (0..points as usize).collect::<Vec<_>>(),
                "{}",
                r.name
            );
        }
    }

    /// The design is fixed by the salt: the same salt gives the same points, another salt
    /// other points.
    #[test]
    fn design_values_depend_on_the_salt() {
        let a = design_values(&design(8, "one"));
        assert_eq!(a, design_values(&design(8, "one")));
        assert_ne!(a, design_values(&design(8, "two")));
    }

    /// `n` points of the design with `effect = f(values)`, holding where `k % 4 != 0`.
    fn points(n: u32, effect: impl Fn(usize, &[f64]) -> f64) -> Vec<Point> {
        design_values(&design(n, "summary"))
            .into_iter()
            .enumerate()
            .map(|(k, values)| Point {
                index: k as u32,
                effect: effect(k, &values),
                holds: k % 4 != 0,
                values,
            })
            .collect()
    }

    /// A known dependence: the effect falls with the second parameter three times as
    /// strongly as it rises with the first (over their ranges), plus a little noise.
    fn known_effect(k: usize, values: &[f64]) -> f64 {
        position(0, values[0]) - 3.0 * position(1, values[1]) + 0.01 * (k as f64).sin()
    }

    /// The regression needs two points more than there are assumed parameters (docs/
    /// validation.md says so): with fewer the drivers are empty, not made up.
    #[test]
    fn drivers_need_two_points_more_than_parameters() {
        let enough = ASSUMED_RANGES.len() as u32 + 2;
        assert_eq!(summarise(&points(enough - 1, known_effect)).drivers(), "");
        let named = summarise(&points(enough, known_effect)).drivers();
        assert_eq!(named.split("; ").count(), 3, "{named}");
    }

    #[test]
    fn summarise_gives_the_share_holding_and_ranks_the_drivers() {
        let map = summarise(&points(40, known_effect));
        assert_eq!(map.points, 40);
        assert_eq!(map.share, 0.75);
        assert_eq!(map.coefficients.len(), ASSUMED_RANGES.len());
        let (first, b1) = &map.coefficients[0];
        let (second, b2) = &map.coefficients[1];
        assert_eq!(first, ASSUMED_RANGES[1].name);
        assert!(*b1 < -0.5, "{b1}");
        assert_eq!(second, ASSUMED_RANGES[0].name);
        assert!(*b2 > 0.1, "{b2}");
        for pair in map.coefficients.windows(2) {
            assert!(pair[0].1.abs() >= pair[1].1.abs(), "{pair:?}");
        }
        let mut names: Vec<&str> = map.coefficients.iter().map(|c| c.0.as_str()).collect();
        let mut want: Vec<&str> = ASSUMED_RANGES.iter().map(|r| r.name).collect();
        names.sort_unstable();
        want.sort_unstable();
        assert_eq!(names, want);
    }

    /// A claim's own lever has no values in its map (NaN, an empty cell in robustness.csv):
    /// the regression leaves it out and still ranks the others, from one point fewer.
    #[test]
    fn summarise_leaves_out_a_parameter_the_map_did_not_vary() {
        let mut map = points(ASSUMED_RANGES.len() as u32 + 1, known_effect);
        for p in &mut map {
            p.values[2] = f64::NAN;
        }
        let summary = summarise(&map);
        assert_eq!(summary.coefficients.len(), ASSUMED_RANGES.len() - 1);
        assert!(
            summary
                .coefficients
                .iter()
                .all(|(n, b)| n != ASSUMED_RANGES[2].name && b.is_finite())
        );
        assert_eq!(summary.coefficients[0].0, ASSUMED_RANGES[1].name);
    }

    /// Too few points for the regression: the share still counts, no coefficients.
    #[test]
    fn summarise_without_enough_points_has_no_coefficients() {
        let map = summarise(&points(5, known_effect));
        assert_eq!((map.points, map.share), (5, 0.6));
        assert!(map.coefficients.is_empty());
        assert_eq!(map.drivers(), "");
        let none = summarise(&[]);
        assert_eq!((none.points, none.share), (0, 0.0));
    }

    #[test]
    fn drivers_name_the_three_largest_with_signed_coefficients() {
        let map = Robustness {
            points: 30,
            share: 0.5,
            coefficients: vec![
                ("a.first".into(), 0.123),
                ("b.second".into(), -0.05),
                ("c.third".into(), 0.006),
                ("d.fourth".into(), 0.001),
            ],
        };
        assert_eq!(
            map.drivers(),
            "a.first +0.12; b.second -0.05; c.third +0.01"
        );
    }

    /// Merged shards read back from robustness.csv give what the map itself gave.
    #[test]
    fn summarise_rows_matches_summarise_and_drivers() {
        let pts = points(40, known_effect);
        let rows: Vec<RobustnessRow> = pts
            .iter()
            .map(|p| RobustnessRow {
                id: "X1".into(),
                point: p.index,
                values: p.values.clone(),
                effect: p.effect,
                holds: p.holds,
            })
            .collect();
        let map = summarise(&pts);
        let (share, drivers) = summarise_rows(&rows);
        assert_eq!(share, 0.75);
        assert!(
            drivers.starts_with(&format!("{} -", ASSUMED_RANGES[1].name)),
            "{drivers}"
        );
        assert_eq!((share, drivers), (map.share, map.drivers()));
    }

    /// A tiny registered claim: a few citizens and steps, so a point runs in milliseconds.
    const TINY: &str = r#"
[params.population]
n_citizens = 40
n_communities = 2
n_organisations = 1
[[experiment.variants]]
name = "treatment"
params.orgs.opportunity_rate = 3.0
[validation]
id = "X1"
metric = "opportunities_opened"
direction = "increase"
class = "assumption"
encoded_by = "organisations::open_opportunities: opportunity_rate"
sesoi = 0.5
sesoi_reason = "half an opportunity a month"
horizon = 4
window = 2
mediators = ["org_trust"]
mediators_reason = "trust feeds back on opening"
"#;

    /// A shard runs only its points, each with its design values and the effect of its own
    /// seeds with those values set.
    #[test]
    fn run_points_runs_only_its_shard_with_the_design_values() {
        let scenario = Scenario::from_toml(TINY, "tiny.toml", "tiny").expect("a valid scenario");
        let claim = Claim::new(&scenario).expect("a registered claim");
        let runner = Runner::new(1).expect("a thread pool");
        let d = RobustnessDesign {
            shard: (1, 3),
            ..design(7, "shard")
        };
        let values = design_values(&d);
        let got = run_points(&claim, &d, &runner);
        assert_eq!(got.iter().map(|p| p.index).collect::<Vec<_>>(), [1, 4]);
        let indices: Vec<usize> = ASSUMED_RANGES
            .iter()
            .map(|r| Params::lookup(r.name).expect("a parameter").0)
            .collect();
        for p in &got {
            let k = p.index;
            assert_eq!(p.values, values[k as usize]);
            let overrides = indices.iter().copied().zip(p.values.clone()).collect();
            let rep = claim
                .clone_with(overrides)
                .replicate(seed("shard", Stream::Robustness(k), 0), &[]);
            let effect = rep.arms[1] - rep.arms[0];
            assert_eq!(p.effect, effect);
            assert_eq!(p.holds, effect >= 0.5);
        }
        let all = run_points(&claim, &design(3, "shard"), &runner);
        assert_eq!(all.iter().map(|p| p.index).collect::<Vec<_>>(), [0, 1, 2]);
    }
}
