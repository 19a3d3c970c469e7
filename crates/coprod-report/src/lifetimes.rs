//! Group lifetimes: Kaplan-Meier curves of started groups by size class
//! ([`survival_classes`], [`cap_survival_classes`]) and, per (variant, sweep point), the
//! Kaplan-Meier share of groups still going [`HORIZON_MONTHS`] after they started, with a
//! 95% interval from a bootstrap over replications ([`Lifetimes`]). Groups still active at
//! the end of the run are censored there.
//!
//! Owns the lifetime measure and its intervals. The estimate is read off the same
//! Kaplan-Meier estimator that draws the curves (`coprod_plot::kaplan_meier_counts`), so a
//! page's headline and its curves agree; resampling whole replications keeps every interval
//! of a share within 0-1 and every paired difference within -1 to 1.

use coprod_analysis::bootstrap::{RESAMPLES, cluster_bootstrap};
use coprod_plot::{SurvivalCounts, kaplan_meier_counts};

use crate::classes::{CAP_CLASSES, SIZE_CLASSES, class_of};
use crate::data::{Durations, Estimate, RunData};

/// Months after a group started at which its survival is read, or half the run when the
/// run is not longer than that ([`horizon`]).
pub const HORIZON_MONTHS: u64 = 24;

/// The month at which lifetimes are read for a run of `steps` steps.
pub fn horizon(steps: u64) -> u64 {
    if steps > HORIZON_MONTHS {
        HORIZON_MONTHS
    } else {
        (steps / 2).max(1)
    }
}

/// Durations of started groups of the (variant, sweep point) cells `keep` selects, by
/// [`SIZE_CLASSES`] of their size at formation.
pub(crate) fn survival_classes(
    data: &RunData,
    keep: impl Fn(&str, &[String]) -> bool,
) -> Vec<SurvivalCounts> {
    let steps = data.steps();
    SIZE_CLASSES
        .iter()
        .zip(data.group_durations(keep))
        .map(|((name, _, _), durations)| SurvivalCounts {
            name: name.to_string(),
            counts: durations.counts(steps),
        })
        .collect()
}

/// Durations of started groups of `variant` by [`CAP_CLASSES`] of the sweep point's size cap
/// (the first swept value): the curves whose value at the horizon the teaching page states.
pub(crate) fn cap_survival_classes(data: &RunData, variant: &str) -> Vec<SurvivalCounts> {
    let steps = data.steps();
    let mut classes: [Durations; 3] = Default::default();
    for r in data.runs.rows.iter().filter(|r| r.variant == variant) {
        let cap = r.point.first().and_then(|p| p.parse::<u64>().ok());
        if let Some(k) = cap.and_then(|c| class_of(&CAP_CLASSES, c)) {
            classes[k].add(&data.run_durations([r.run_id]));
        }
    }
    CAP_CLASSES
        .iter()
        .zip(classes)
        .map(|((name, _, _), d)| SurvivalCounts {
            name: name.to_string(),
            counts: d.counts(steps),
        })
        .collect()
}

/// `(duration, events, censored)` of one run's groups, by increasing duration in months
/// (0..=steps), durations with no group left out: a bootstrap pools thousands of samples of
/// runs, and a run's groups end at a few dozen durations out of hundreds of months.
type Dense = Vec<(usize, u64, u64)>;

/// The lifetime measure of a run directory's cells.
pub(crate) struct Lifetimes<'a> {
    data: &'a RunData,
    steps: u64,
    /// The month the share is read at.
    pub(crate) horizon: u64,
}

impl<'a> Lifetimes<'a> {
    pub(crate) fn new(data: &'a RunData) -> Lifetimes<'a> {
        let steps = data.steps();
        Lifetimes {
            data,
            steps,
            horizon: horizon(steps),
        }
    }

    /// The runs of (variant, point) as (replication, dense durations), by replication.
    fn cell(&self, variant: &str, point: &[String]) -> Vec<(u64, Dense)> {
        let mut out: Vec<(u64, Dense)> = self
            .data
            .runs
            .rows
            .iter()
            .filter(|r| r.variant == variant && r.point.as_slice() == point)
            .map(|r| {
                let mut dense = vec![(0, 0); self.steps as usize + 1];
                for (t, d, c) in self.data.run_durations([r.run_id]).counts(self.steps) {
                    let slot = &mut dense[(t as usize).min(self.steps as usize)];
                    slot.0 += d;
                    slot.1 += c;
                }
                let lives: Dense = dense
                    .into_iter()
                    .enumerate()
                    .filter(|(_, (d, c))| d + c > 0)
                    .map(|(t, (d, c))| (t, d, c))
                    .collect();
                (r.replication, lives)
            })
            .collect();
        out.sort_by_key(|(rep, _)| *rep);
        out
    }

    /// `(events, censored)` per duration 0..=steps of the groups of `runs` together.
    fn pool<'b>(&self, runs: impl Iterator<Item = &'b Dense>) -> Vec<(u64, u64)> {
        let mut pooled = vec![(0u64, 0u64); self.steps as usize + 1];
        for run in runs {
            for &(t, d, c) in run {
                pooled[t].0 += d;
                pooled[t].1 += c;
            }
        }
        pooled
    }

    /// The Kaplan-Meier curve of the groups of `runs` together.
    fn curve<'b>(&self, runs: impl Iterator<Item = &'b Dense>) -> Vec<(f64, f64)> {
        let counts: Vec<(f64, u64, u64)> = self
            .pool(runs)
            .iter()
            .enumerate()
            .map(|(t, (d, c))| (t as f64, *d, *c))
            .collect();
        kaplan_meier_counts(&counts)
    }

    /// Groups that started in the runs of (variant, point), over every replication.
    pub(crate) fn started(&self, variant: &str, point: &[String]) -> u64 {
        self.cell(variant, point)
            .iter()
            .flat_map(|(_, lives)| lives)
            .map(|&(_, events, censored)| events + censored)
            .sum()
    }

    /// The Kaplan-Meier median lifetime in months of (variant, point)'s groups, pooled over
    /// replications: the first month at which at most half are still going; NaN when the
    /// curve never falls to one half (or no group started).
    pub(crate) fn median(&self, variant: &str, point: &[String]) -> f64 {
        let cell = self.cell(variant, point);
        self.curve(cell.iter().map(|(_, d)| d))
            .iter()
            .find(|(_, s)| *s <= 0.5)
            .map_or(f64::NAN, |(t, _)| *t)
    }

    /// Kaplan-Meier share of the pooled groups of `runs` still going `horizon` months after
    /// they started; NaN when no group started, or when every group still going was last
    /// seen before the horizon (the share there is unknown).
    fn share<'b>(&self, runs: impl Iterator<Item = &'b Dense>) -> f64 {
        // Kaplan-Meier as `kaplan_meier_counts` computes it, step for step (so the same
        // bits), without building the curve: the bootstrap asks for thousands of these.
        let pooled = self.pool(runs);
        let mut at_risk: u64 = pooled.iter().map(|(d, c)| d + c).sum();
        if at_risk == 0 {
            return f64::NAN;
        }
        let horizon = self.horizon as usize;
        let (mut survival, mut at_horizon, mut followed) = (1.0, 1.0, false);
        for (t, &(events, censored)) in pooled.iter().enumerate() {
            if events + censored == 0 {
                continue;
            }
            followed |= t >= horizon;
            if events > 0 {
                survival *= 1.0 - events as f64 / at_risk as f64;
                if t <= horizon {
                    at_horizon = survival;
                }
            }
            at_risk -= events + censored;
        }
        if !followed && survival > 0.0 {
            return f64::NAN;
        }
        at_horizon
    }

    /// The share of (variant, point)'s groups still going at the horizon, with its 95%
    /// bootstrap interval over replications.
    pub(crate) fn still_going(&self, variant: &str, point: &[String]) -> Estimate {
        let cell = self.cell(variant, point);
        let mean = self.share(cell.iter().map(|(_, d)| d));
        with_interval(mean, cell.len(), seed(point), |sample| {
            self.share(sample.iter().map(|&i| &cell[i].1))
        })
    }

    /// The runs of two cells matched by replication.
    fn pairs(&self, a: (&str, &[String]), b: (&str, &[String])) -> Vec<(Dense, Dense)> {
        let ys = self.cell(b.0, b.1);
        self.cell(a.0, a.1)
            .into_iter()
            .filter_map(|(rep, x)| {
                ys.iter()
                    .find(|(r, _)| *r == rep)
                    .map(|(_, y)| (x, y.clone()))
            })
            .collect()
    }

    /// `a - b` of the share still going, paired by replication: the bootstrap resamples
    /// replications and takes both cells' runs of each.
    pub(crate) fn paired_difference(&self, a: (&str, &[String]), b: (&str, &[String])) -> Estimate {
        let pairs = self.pairs(a, b);
        let diff = |sample: &mut dyn Iterator<Item = usize>| {
            let chosen: Vec<usize> = sample.collect();
            self.share(chosen.iter().map(|&i| &pairs[i].0))
                - self.share(chosen.iter().map(|&i| &pairs[i].1))
        };
        let mean = diff(&mut (0..pairs.len()));
        with_interval(mean, pairs.len(), seed(a.1) ^ seed(b.1), |s| {
            diff(&mut s.iter().copied())
        })
    }
}

/// Groups that ended and months at risk of one run's groups.
fn ends_and_months(run: &Dense) -> (u64, u64) {
    run.iter()
        .fold((0, 0), |(e, m), &(t, d, c)| (e + d, m + t as u64 * (d + c)))
}

/// Groups that ended per month at risk, pooled over runs given as (ends, months) (a
/// constant-hazard estimate, as `group_end_rate` of runs.csv); NaN when no group was at
/// risk.
fn end_rate(runs: impl Iterator<Item = (u64, u64)>) -> f64 {
    let (ends, months) = runs.fold((0, 0), |(e, m), (de, dm)| (e + de, m + dm));
    if months == 0 {
        f64::NAN
    } else {
        ends as f64 / months as f64
    }
}

impl Lifetimes<'_> {
    /// The hazard ratio of `a` against `b`: their end rates (ends per group-month at risk,
    /// constant hazard) divided, paired by replication, with a 95% bootstrap interval over
    /// replications. Above 1, groups of `a` end sooner.
    pub(crate) fn hazard_ratio(&self, a: (&str, &[String]), b: (&str, &[String])) -> Estimate {
        let pairs: Vec<((u64, u64), (u64, u64))> = self
            .pairs(a, b)
            .iter()
            .map(|(x, y)| (ends_and_months(x), ends_and_months(y)))
            .collect();
        let ratio = |chosen: &[usize]| {
            end_rate(chosen.iter().map(|&i| pairs[i].0))
                / end_rate(chosen.iter().map(|&i| pairs[i].1))
        };
        let all: Vec<usize> = (0..pairs.len()).collect();
        let mean = ratio(&all);
        with_interval(mean, pairs.len(), seed(a.1) ^ seed(b.1) ^ 1, ratio)
    }
}

/// `mean` over `replications` with its 95% bootstrap interval over them. Where the mean
/// is unknown (no group followed to the horizon, or no group-month at risk), so is the
/// interval: resamples that happen to leave out the groups that make it unknown would give
/// one that the data do not support.
fn with_interval(
    mean: f64,
    replications: usize,
    seed: u64,
    statistic: impl FnMut(&[usize]) -> f64,
) -> Estimate {
    let ci = if mean.is_finite() {
        cluster_bootstrap(replications, RESAMPLES, seed, statistic)
    } else {
        None
    };
    Estimate {
        mean,
        ci,
        n: replications as u64,
    }
}

/// A bootstrap seed from a sweep point, so each cell's interval is reproducible on its own.
fn seed(point: &[String]) -> u64 {
    point
        .iter()
        .flat_map(|p| p.bytes())
        .fold(0xcbf2_9ce4_8422_2325, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use coprod_output::read::{GroupRow, RunRow, RunsTable, SummaryTable};

    use super::*;
    use crate::data::Tally;

    /// A started group: size at formation, month formed, month ended (`None`: still active
    /// at the end of the run).
    type Group = (u64, u64, Option<u64>);

    /// A 60-month run directory in memory of runs (variant, size cap, replication, groups).
    fn run_dir(runs: &[(&str, u64, u64, &[Group])]) -> RunData {
        let mut tally = Tally::new(vec![]);
        let mut rows = Vec::new();
        for (run_id, &(variant, cap, replication, groups)) in runs.iter().enumerate() {
            let run_id = run_id as u64;
            let point = point(&cap.to_string());
            tally.add_run(run_id, variant, &point);
            for &(size, formed, ended) in groups {
                tally.add_group(&GroupRow {
                    run_id,
                    size_cap: cap,
                    size_at_formation: size,
                    formed_step: formed,
                    ended_step: ended,
                    end_reason: if ended.is_some() {
                        "failed_task"
                    } else {
                        "active"
                    }
                    .into(),
                    life: None,
                });
            }
            rows.push(RunRow {
                run_id,
                variant: variant.into(),
                point,
                replication,
                seed: replication,
                values: vec![],
            });
        }
        let mut d = RunData {
            dir: PathBuf::from("run"),
            summary: SummaryTable::default(),
            runs: RunsTable {
                swept: vec!["levers.group_size_cap".into()],
                metrics: vec![],
                rows,
            },
            aggregates: Default::default(),
            manifest: Some(serde_json::json!({"experiment": {"steps": 60}})),
            parameters: None,
        };
        d.set_tally(tally);
        d
    }

    fn point(p: &str) -> Vec<String> {
        vec![p.into()]
    }

    fn class(name: &str, counts: &[(f64, u64, u64)]) -> SurvivalCounts {
        SurvivalCounts {
            name: name.into(),
            counts: counts.to_vec(),
        }
    }

    #[test]
    fn the_horizon_is_two_years_or_half_of_a_run_not_longer_than_that() {
        assert_eq!(horizon(60), 24);
        assert_eq!(horizon(25), 24);
        // A run of exactly 24 months cannot follow a group for 24 months.
        assert_eq!(horizon(24), 12);
        assert_eq!(horizon(11), 5);
        assert_eq!(horizon(1), 1);
    }

    #[test]
    fn the_share_still_going_is_kaplan_meier_with_censored_groups_leaving_the_risk_set() {
        // Durations in months producing over two replications of 60 months (horizon 24):
        // replication 0 has a group that ended in its 3rd month (steps 0 to 2) and one still
        // going after 4 months; replication 1 one that ended in its 11th month (steps 5 to
        // 15) and one still going after 40.
        let d = run_dir(&[
            ("baseline", 4, 0, &[(3, 0, Some(2)), (3, 56, None)]),
            ("baseline", 4, 1, &[(3, 5, Some(15)), (3, 20, None)]),
        ]);
        let l = Lifetimes::new(&d);
        // By hand: 4 at risk, one ends at 3: 3/4. The group censored at 4 leaves 2 at risk,
        // one ends at 11: 3/4 x 1/2 = 3/8, which holds at 24 since the last group was
        // followed past it. Were the censored group still counted at risk at 11, the share
        // would be 3/4 x 2/3 = 1/2.
        let e = l.still_going("baseline", &point("4"));
        assert_eq!(e.mean, 0.375);
        assert_eq!(e.n, 2);
        // Resamples of the replications: 0 and 1 give 3/8, 1 twice gives 1 - 2/4 = 1/2, and
        // 0 twice (followed only to 4 months) gives no share and is left out; so the
        // interval runs from 3/8 to 1/2 whatever the seed.
        assert_eq!(e.ci, Some((0.375, 0.5)));
        // The pooled curve first reaches one half or below at 11 months (3/8).
        assert_eq!(l.median("baseline", &point("4")), 11.0);
    }

    #[test]
    fn groups_censored_before_the_horizon_leave_the_share_unknown() {
        // Cap 4: one group ended in its 3rd month, the other was last seen 4 months in, so
        // whether it lasted to 24 months is not known. Cap 8: every group ended before 24
        // months (in months 3, 11 and 4), so none is still going there, which is known.
        let d = run_dir(&[
            ("baseline", 4, 0, &[(3, 0, Some(2)), (3, 56, None)]),
            ("baseline", 4, 1, &[(3, 0, Some(2)), (3, 56, None)]),
            ("baseline", 8, 0, &[(6, 0, Some(2)), (6, 30, Some(40))]),
            ("baseline", 8, 1, &[(6, 0, Some(3))]),
        ]);
        let l = Lifetimes::new(&d);
        let unknown = l.still_going("baseline", &point("4"));
        assert!(unknown.mean.is_nan(), "{unknown:?}");
        assert_eq!(unknown.ci, None);
        let none_left = l.still_going("baseline", &point("8"));
        assert_eq!(none_left.mean, 0.0);
        assert_eq!(none_left.ci, Some((0.0, 0.0)));
    }

    /// The audit's case (docs/ODD.md 8.18): at cap 4 every group at risk in its 3rd month
    /// ended then (formed at step 0, ended at step 2), and the group still going was seen
    /// for 2 months only (formed at step 58 of 60). It was never observed through month 3,
    /// so it is not at risk there: the share still going at 24 months is known to be 0.
    /// Counting ended groups one month short (`ended - formed`) put it at risk at that tie,
    /// left the curve at 1/3 and the share unknown. The hazard ratio counts every month a
    /// group produced, the month it ended in too: cap 4, 2 ends in 3 + 3 + 2 = 8 months;
    /// cap 8, a group that ended in the step it started (1 month) and one still going after
    /// 60: 1 end in 61 months. Ratio (2/8) / (1/61) = 15.25 (counted the old way, 20).
    #[test]
    fn a_group_censored_before_a_month_in_which_every_other_ended_leaves_the_share_known() {
        let cap4: &[Group] = &[(3, 0, Some(2)), (3, 0, Some(2)), (3, 58, None)];
        let cap8: &[Group] = &[(6, 0, Some(0)), (6, 0, None)];
        let d = run_dir(&[
            ("baseline", 4, 0, cap4),
            ("baseline", 4, 1, cap4),
            ("baseline", 8, 0, cap8),
            ("baseline", 8, 1, cap8),
        ]);
        let l = Lifetimes::new(&d);
        let none_left = l.still_going("baseline", &point("4"));
        assert_eq!(none_left.mean, 0.0, "{none_left:?}");
        assert_eq!(none_left.ci, Some((0.0, 0.0)));
        assert_eq!(l.median("baseline", &point("4")), 3.0);
        let hr = l.hazard_ratio(("baseline", &point("4")), ("baseline", &point("8")));
        assert!((hr.mean - 15.25).abs() < 1e-12, "{hr:?}");
    }

    #[test]
    fn a_difference_with_an_unknown_share_has_no_interval() {
        // Cap 4's share is unknown (its group still going was last seen 4 months in), so
        // the difference from cap 8 is too; resamples that leave out that replication give
        // a share, but not one the data support, so the page must not show an interval.
        let d = run_dir(&[
            ("baseline", 4, 0, &[(3, 0, Some(2)), (3, 56, None)]),
            ("baseline", 4, 1, &[(3, 0, Some(2))]),
            ("baseline", 8, 0, &[(6, 0, Some(30))]),
            ("baseline", 8, 1, &[(6, 0, Some(3))]),
        ]);
        let l = Lifetimes::new(&d);
        assert!(l.still_going("baseline", &point("4")).mean.is_nan());
        let diff = l.paired_difference(("baseline", &point("8")), ("baseline", &point("4")));
        assert!(diff.mean.is_nan(), "{diff:?}");
        assert_eq!(diff.ci, None, "{diff:?}");
    }

    #[test]
    fn paired_differences_and_hazard_ratios_pair_runs_of_the_same_replication() {
        // Cap 4 has replications 0, 1 and 2, cap 8 only 0 and 1: replication 2 (a group
        // lasting 40 months) has no partner and is left out of both measures.
        let cap4: &[Group] = &[(3, 0, Some(6)), (3, 30, None)];
        let cap8: &[Group] = &[(8, 0, Some(12)), (8, 0, None), (8, 0, None), (8, 0, None)];
        let d = run_dir(&[
            ("baseline", 4, 0, cap4),
            ("baseline", 4, 1, cap4),
            ("baseline", 4, 2, &[(3, 0, Some(40))]),
            ("baseline", 8, 0, cap8),
            ("baseline", 8, 1, cap8),
        ]);
        let l = Lifetimes::new(&d);
        let (a, b) = (point("4"), point("8"));
        // Still going at 24 months: cap 4, 2 of 4 end in month 7 (steps 0 to 6): 1/2; cap 8,
        // 2 of 8 end in month 13: 3/4. Every replication is alike, so every resample gives
        // the same.
        let diff = l.paired_difference(("baseline", &a), ("baseline", &b));
        assert_eq!(diff.n, 2);
        assert_eq!(diff.mean, -0.25);
        assert_eq!(diff.ci, Some((-0.25, -0.25)));
        // Ends per month producing, censored groups counting their months too: cap 4, 2 ends
        // in 2 x (7 + 30) = 74 months; cap 8, 2 ends in 2 x (13 + 3 x 60) = 386. Ratio
        // 386 / 74 = 193 / 37.
        let hr = l.hazard_ratio(("baseline", &a), ("baseline", &b));
        assert_eq!(hr.n, 2);
        assert!((hr.mean - 193.0 / 37.0).abs() < 1e-12, "{hr:?}");
        assert_eq!(hr.ci, Some((hr.mean, hr.mean)));
    }

    #[test]
    fn survival_curves_are_split_by_size_at_formation_and_by_size_cap() {
        // Baseline: cap 4 has a group of 3 that produced 6 months (steps 0 to 5); cap 20 a
        // group of 8 that produced 8 and one of 20 formed at month 10 and still going at 60
        // (censored after 50). The joint variant's group is not baseline's.
        let d = run_dir(&[
            ("baseline", 4, 0, &[(3, 0, Some(5))]),
            ("baseline", 20, 0, &[(8, 0, Some(7)), (20, 10, None)]),
            ("joint", 4, 0, &[(3, 0, Some(9))]),
        ]);
        assert_eq!(
            survival_classes(&d, |v, _| v == "baseline"),
            [
                class("small (up to 5 members)", &[(6.0, 1, 0)]),
                class("medium (6–15 members)", &[(8.0, 1, 0)]),
                class("large (16+ members)", &[(50.0, 0, 1)]),
            ]
        );
        assert_eq!(
            cap_survival_classes(&d, "baseline"),
            [
                class("small groups (cap up to 5)", &[(6.0, 1, 0)]),
                class("medium groups (cap 6–15)", &[]),
                class("large groups (cap 16+)", &[(8.0, 1, 0), (50.0, 0, 1)]),
            ]
        );
    }
}
