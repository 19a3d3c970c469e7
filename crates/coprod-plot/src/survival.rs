//! Kaplan-Meier survival curves: the estimator ([`kaplan_meier`] over single observations,
//! [`kaplan_meier_counts`] over counts per time) and the charts [`survival_curves`] and
//! [`survival_count_curves`] that draw one step function per named class, with censoring ticks.
//!
//! Owns the estimator and this chart's drawing. Both input forms go through the counted one,
//! so a class given as counts draws exactly the curve of the same observations listed one by
//! one; counts let callers summarise millions of observations in memory bounded by the number
//! of distinct times. It does not decide what a "duration" is
//! (for example steps until a citizen stops co-producing): callers do.

use std::path::PathBuf;

use plotters::prelude::{Color, DrawingBackend, LineSeries};

use crate::axis::{Axis, Padding, axis_or_error, finite_extent};
use crate::error::PlotError;
use crate::legend::{LegendEntry, Swatch};
use crate::marks::draw_plus;
use crate::render::{Canvas, Chart, DrawResult, draw_xy_chart, render};
use crate::style::{ChartStyle, series_color};

/// One class of durations (for example citizens of one type), drawn as one survival curve.
#[derive(Debug, Clone, PartialEq)]
pub struct SurvivalClass {
    /// The name shown in the legend.
    pub name: String,
    /// `(time, event_observed)` pairs: `true` if the event (for example dropping out) happened at
    /// `time`, `false` if the observation was censored at `time` (still going at the end).
    pub durations: Vec<(f64, bool)>,
}

/// One class of durations given as counts per time: the weighted form of [`SurvivalClass`].
#[derive(Debug, Clone, PartialEq)]
pub struct SurvivalCounts {
    /// The name shown in the legend.
    pub name: String,
    /// `(time, events, censored)`: how many observations ended with the event at `time` and
    /// how many were censored at `time`. Times may repeat and come in any order.
    pub counts: Vec<(f64, u64, u64)>,
}

impl From<&SurvivalClass> for SurvivalCounts {
    fn from(class: &SurvivalClass) -> SurvivalCounts {
        SurvivalCounts {
            name: class.name.clone(),
            counts: counts_of(&class.durations),
        }
    }
}

/// Each `(time, event_observed)` pair as a count of one.
fn counts_of(durations: &[(f64, bool)]) -> Vec<(f64, u64, u64)> {
    durations
        .iter()
        .map(|&(t, event)| (t, u64::from(event), u64::from(!event)))
        .collect()
}

/// The Kaplan-Meier estimate of the survival function from `(time, event_observed)` pairs.
///
/// Returns `(t, S(t))` steps: first `(0, 1)`, then one pair per distinct time at which at least
/// one event was observed, with the survival just after that time:
///
/// S(t) = ∏_{t_i ≤ t} (1 − d_i / n_i),
///
/// where d_i is the number of events at t_i and n_i the number still at risk just before t_i
/// (censored at or after t_i). Censoring at the same time as an event counts as after the event,
/// the usual convention. Censored times make no step of their own.
/// Pairs whose time is negative or not finite are ignored; with no valid pair the result is empty.
pub fn kaplan_meier(durations: &[(f64, bool)]) -> Vec<(f64, f64)> {
    kaplan_meier_counts(&counts_of(durations))
}

/// The Kaplan-Meier estimate from `(time, events, censored)` counts: the same curve as
/// [`kaplan_meier`] over the observations the counts stand for (`events` pairs `(time, true)`
/// and `censored` pairs `(time, false)`), step for step and bit for bit, since d_i and n_i are
/// whole numbers either way.
///
/// Entries whose time is negative or not finite, or that count nothing, are ignored; with no
/// valid entry the result is empty.
pub fn kaplan_meier_counts(counts: &[(f64, u64, u64)]) -> Vec<(f64, f64)> {
    let mut observations: Vec<(f64, u64, u64)> = counts
        .iter()
        .copied()
        .filter(|&(t, d, c)| valid_time(t) && d + c > 0)
        .collect();
    if observations.is_empty() {
        return Vec::new();
    }
    observations.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut steps = vec![(0.0, 1.0)];
    let mut at_risk: u64 = observations.iter().map(|(_, d, c)| d + c).sum();
    let mut survival = 1.0;
    let mut start = 0;
    while start < observations.len() {
        let time = observations[start].0;
        let end = start + observations[start..].partition_point(|(t, _, _)| *t == time);
        let (events, censored) = observations[start..end]
            .iter()
            .fold((0, 0), |(d, c), o| (d + o.1, c + o.2));
        if events > 0 {
            survival *= 1.0 - events as f64 / at_risk as f64;
            steps.push((time, survival));
        }
        at_risk -= events + censored;
        start = end;
    }
    steps
}

fn valid_time(t: f64) -> bool {
    t.is_finite() && t >= 0.0
}

/// The survival just after time `t` given the steps of [`kaplan_meier`].
fn survival_at(steps: &[(f64, f64)], t: f64) -> f64 {
    steps
        .iter()
        .take_while(|(step_time, _)| *step_time <= t)
        .last()
        .map_or(1.0, |(_, s)| *s)
}

/// Draws the Kaplan-Meier curve of each class into `<stem>.png` and `<stem>.svg`.
///
/// The y axis is the share still "surviving", from 0 to 1; censored observations are marked with
/// a "+" on the curve (unless a curve has more than 25 distinct censoring times, when marks
/// would hide the curve), and each curve runs to the class's last observed time.
/// Classes without any valid duration are left out of the plot and the legend.
/// Returns the written paths (PNG first).
///
/// # Errors
///
/// `NoData` when no class has a valid duration; `InvalidSize`, `UnplottableRange`, `Io` or
/// `Drawing` otherwise.
pub fn survival_curves(
    classes: &[SurvivalClass],
    style: &ChartStyle,
) -> Result<Vec<PathBuf>, PlotError> {
    let counted: Vec<SurvivalCounts> = classes.iter().map(SurvivalCounts::from).collect();
    survival_count_curves(&counted, style)
}

/// [`survival_curves`] from counts per time: the same chart as listing each counted
/// observation in a [`SurvivalClass`]. Entries that count nothing are ignored.
///
/// # Errors
///
/// As [`survival_curves`].
pub fn survival_count_curves(
    classes: &[SurvivalCounts],
    style: &ChartStyle,
) -> Result<Vec<PathBuf>, PlotError> {
    draw_survival(classes, style, Scale::Share)
}

/// [`survival_count_curves`] with the y axis in percent, from 0 to 100: for a chart shown
/// beside tables that give shares in percent, so that the chart reads as they do.
///
/// # Errors
///
/// As [`survival_curves`].
pub fn survival_count_curves_in_percent(
    classes: &[SurvivalCounts],
    style: &ChartStyle,
) -> Result<Vec<PathBuf>, PlotError> {
    draw_survival(classes, style, Scale::Percent)
}

/// The unit of a survival chart's y axis.
#[derive(Clone, Copy)]
enum Scale {
    /// A share from 0 to 1.
    Share,
    /// A percentage from 0 to 100.
    Percent,
}

impl Scale {
    /// What a share of 1 reads as on the axis.
    fn full(self) -> f64 {
        match self {
            Scale::Share => 1.0,
            Scale::Percent => 100.0,
        }
    }

    /// The y axis, with a little room below 0 and above the full share.
    fn axis(self) -> Axis {
        let full = self.full();
        Axis {
            lo: -0.02 * full,
            hi: 1.04 * full,
            // Fifths of the full share, exact at both scales (0.6 as written, not 3 × 0.2).
            ticks: (0..=5).map(|i| f64::from(i) * full / 5.0).collect(),
            decimals: match self {
                Scale::Share => 1,
                Scale::Percent => 0,
            },
        }
    }
}

/// The survival chart of `classes` with its y axis in `scale`.
fn draw_survival(
    classes: &[SurvivalCounts],
    style: &ChartStyle,
    scale: Scale,
) -> Result<Vec<PathBuf>, PlotError> {
    let curves: Vec<Curve> = classes
        .iter()
        .enumerate()
        .filter_map(|(index, class)| Curve::new(index, class))
        .collect();
    let last_time =
        finite_extent(curves.iter().map(|c| c.last_time)).ok_or_else(|| PlotError::NoData {
            title: style.title.clone(),
        })?;
    let x = axis_or_error(
        (0.0, last_time.1),
        style.x_tick_target(),
        (Padding::ToTicks, style.x_values()),
        &style.title,
        "x",
    )?;
    let y = scale.axis();
    let full = scale.full();
    render(&SurvivalChart { curves, x, y, full }, style)
}

/// Most distinct censoring times a curve marks; beyond this it marks none.
const MAX_CENSOR_MARKS: usize = 25;

/// One class's curve, ready to draw.
struct Curve {
    /// Position of the class in the caller's list, which fixes its colour.
    index: usize,
    name: String,
    steps: Vec<(f64, f64)>,
    censored: Vec<f64>,
    last_time: f64,
}

impl Curve {
    fn new(index: usize, class: &SurvivalCounts) -> Option<Curve> {
        let last_time = class
            .counts
            .iter()
            .filter(|&&(t, d, c)| valid_time(t) && d + c > 0)
            .map(|(t, _, _)| *t)
            .fold(None, |acc: Option<f64>, t| {
                Some(acc.map_or(t, |a| a.max(t)))
            })?;
        Some(Curve {
            index,
            name: class.name.clone(),
            steps: kaplan_meier_counts(&class.counts),
            censored: class
                .counts
                .iter()
                .filter(|&&(t, _, c)| c > 0 && valid_time(t))
                .map(|(t, _, _)| *t)
                .collect(),
            last_time,
        })
    }

    /// The distinct censoring times to mark with a "+", or none when there are more than
    /// [`MAX_CENSOR_MARKS`]: hundreds of marks (for example groups censored at every step of a
    /// long run) turn the curve into a dashed smear that hides its shape.
    fn marks(&self) -> Vec<f64> {
        let mut times = self.censored.clone();
        times.sort_by(f64::total_cmp);
        times.dedup();
        if times.len() > MAX_CENSOR_MARKS {
            Vec::new()
        } else {
            times
        }
    }

    /// The corner points of the step function from time 0 to the last observed time.
    fn path(&self) -> Vec<(f64, f64)> {
        let mut path = vec![(0.0, 1.0)];
        let mut previous = 1.0;
        for &(t, s) in self.steps.iter().skip(1) {
            path.push((t, previous));
            path.push((t, s));
            previous = s;
        }
        if path.last().is_some_and(|(t, _)| *t < self.last_time) {
            path.push((self.last_time, previous));
        }
        path
    }
}

/// Validated survival data with its axes.
struct SurvivalChart {
    curves: Vec<Curve>,
    x: Axis,
    y: Axis,
    /// What a share of 1 reads as on the y axis (1, or 100 in percent).
    full: f64,
}

impl Chart for SurvivalChart {
    fn draw<DB: DrawingBackend>(&self, canvas: &Canvas<'_, DB>) -> DrawResult {
        let mut entries: Vec<LegendEntry> = self
            .curves
            .iter()
            .map(|c| LegendEntry::series(&c.name, c.index, Swatch::Line))
            .collect();
        if self.curves.iter().any(|c| !c.marks().is_empty()) {
            entries.push(LegendEntry::note("+: censored", Swatch::Plus));
        }
        let metrics = &canvas.metrics;
        draw_xy_chart(canvas, (&self.x, &self.y), &entries, |chart| {
            for curve in &self.curves {
                let color = series_color(curve.index);
                chart.draw_series(LineSeries::new(
                    curve.path().into_iter().map(|(t, s)| (t, s * self.full)),
                    color.stroke_width(metrics.line_width),
                ))?;
            }
            // Marks after all curves, so that no curve hides another curve's marks.
            for curve in &self.curves {
                let color = series_color(curve.index);
                for t in curve.marks() {
                    let at = chart.backend_coord(&(t, survival_at(&curve.steps, t) * self.full));
                    draw_plus(canvas.root, at, color, metrics)?;
                }
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::svg_check::{Svg, read};

    /// The 6-MP arm of the leukemia remission trial of Freireich et al. (1963), as worked by hand
    /// in Kleinbaum and Klein, "Survival Analysis: A Self-Learning Text", chapter 2.
    /// Weeks in remission; `false` marks a censored observation.
    fn six_mp_group() -> Vec<(f64, bool)> {
        let events = [6, 6, 6, 7, 10, 13, 16, 22, 23];
        let censored = [6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35];
        events
            .iter()
            .map(|t| (f64::from(*t), true))
            .chain(censored.iter().map(|t| (f64::from(*t), false)))
            .collect()
    }

    #[test]
    fn kaplan_meier_matches_textbook_example() {
        let steps = kaplan_meier(&six_mp_group());
        // Hand computation: n = 21; at 6 weeks 3 events of 21 at risk, at 7 weeks 1 of 17, at 10
        // weeks 1 of 15, at 13 weeks 1 of 12, at 16 weeks 1 of 11, at 22 weeks 1 of 7, at 23 weeks
        // 1 of 6.
        let s6 = 18.0 / 21.0;
        let s7 = s6 * 16.0 / 17.0;
        let s10 = s7 * 14.0 / 15.0;
        let s13 = s10 * 11.0 / 12.0;
        let s16 = s13 * 10.0 / 11.0;
        let s22 = s16 * 6.0 / 7.0;
        let s23 = s22 * 5.0 / 6.0;
        let expected = [
            (0.0, 1.0),
            (6.0, s6),
            (7.0, s7),
            (10.0, s10),
            (13.0, s13),
            (16.0, s16),
            (22.0, s22),
            (23.0, s23),
        ];
        assert_eq!(steps.len(), expected.len());
        for ((t, s), (et, es)) in steps.iter().zip(expected) {
            assert_eq!(*t, et);
            assert!((s - es).abs() < 1e-12, "S({t}) = {s}, expected {es}");
        }
        // The rounded values printed in the textbook.
        let printed = [0.857, 0.807, 0.753, 0.690, 0.627, 0.538, 0.448];
        for ((_, s), p) in steps.iter().skip(1).zip(printed) {
            assert!((s - p).abs() < 0.0005, "{s} vs printed {p}");
        }
    }

    #[test]
    fn kaplan_meier_edge_cases() {
        assert!(kaplan_meier(&[]).is_empty());
        assert!(kaplan_meier(&[(f64::NAN, true), (-1.0, true)]).is_empty());
        // Only censored observations: the curve stays at 1.
        assert_eq!(
            kaplan_meier(&[(3.0, false), (5.0, false)]),
            vec![(0.0, 1.0)]
        );
        // Everyone has the event: the curve reaches 0.
        assert_eq!(
            kaplan_meier(&[(1.0, true), (2.0, true)]),
            vec![(0.0, 1.0), (1.0, 0.5), (2.0, 0.0)]
        );
        // Unsorted input and non-finite entries.
        assert_eq!(
            kaplan_meier(&[(2.0, true), (f64::INFINITY, true), (1.0, true)]),
            vec![(0.0, 1.0), (1.0, 0.5), (2.0, 0.0)]
        );
    }

    #[test]
    fn counted_and_listed_observations_give_the_same_curve() {
        let listed = six_mp_group();
        // The same observations as counts, unsorted, split over repeated times, with an
        // empty entry and an invalid one that must both be ignored.
        let counted = [
            (32.0, 0, 2),
            (6.0, 2, 0),
            (10.0, 1, 1),
            (6.0, 1, 1),
            (7.0, 1, 0),
            (9.0, 0, 1),
            (11.0, 0, 1),
            (13.0, 1, 0),
            (16.0, 1, 0),
            (17.0, 0, 1),
            (19.0, 0, 1),
            (20.0, 0, 1),
            (22.0, 1, 0),
            (23.0, 1, 0),
            (25.0, 0, 1),
            (34.0, 0, 1),
            (35.0, 0, 1),
            (50.0, 0, 0),
            (f64::NAN, 4, 4),
        ];
        assert_eq!(kaplan_meier_counts(&counted), kaplan_meier(&listed));
        assert!(kaplan_meier_counts(&[(1.0, 0, 0)]).is_empty());
        // A class converted to counts draws the same curve, marks and extent.
        let class = SurvivalClass {
            name: "6-MP".into(),
            durations: listed,
        };
        let from_list = Curve::new(0, &SurvivalCounts::from(&class)).unwrap();
        let from_counts = Curve::new(
            0,
            &SurvivalCounts {
                name: "6-MP".into(),
                counts: counted.to_vec(),
            },
        )
        .unwrap();
        assert_eq!(from_list.path(), from_counts.path());
        assert_eq!(from_list.marks(), from_counts.marks());
        assert_eq!(from_list.last_time, from_counts.last_time);
    }

    #[test]
    fn survival_at_is_right_continuous() {
        let steps = kaplan_meier(&[(1.0, true), (2.0, true)]);
        assert_eq!(survival_at(&steps, 0.5), 1.0);
        assert_eq!(survival_at(&steps, 1.0), 0.5);
        assert_eq!(survival_at(&steps, 1.5), 0.5);
    }

    /// Seven observations with ties and censoring, small enough to follow by hand.
    fn small_class() -> SurvivalCounts {
        SurvivalCounts::from(&SurvivalClass {
            name: "small".into(),
            durations: vec![
                (3.0, true),
                (1.0, true),
                (2.0, false),
                (3.0, false),
                (3.0, true),
                (7.0, false),
                (5.0, true),
            ],
        })
    }

    #[test]
    fn kaplan_meier_with_ties_and_censoring_matches_hand_computation() {
        // t = 1: 7 at risk, 1 event          -> S = 6/7
        // t = 2: 1 censored                  -> 5 left, no step
        // t = 3: 5 at risk, 2 events (the censoring at 3 counts after them)
        //                                    -> S = 6/7 · 3/5 = 18/35, then 2 left
        // t = 5: 2 at risk, 1 event          -> S = 18/35 · 1/2 = 9/35
        // t = 7: 1 censored                  -> no step
        let steps = kaplan_meier_counts(&small_class().counts);
        let expected = [
            (0.0, 1.0),
            (1.0, 6.0 / 7.0),
            (3.0, 18.0 / 35.0),
            (5.0, 9.0 / 35.0),
        ];
        assert_steps(&steps, &expected);
    }

    fn assert_steps(actual: &[(f64, f64)], expected: &[(f64, f64)]) {
        assert_eq!(actual.len(), expected.len(), "{actual:?}");
        for ((t, s), (et, es)) in actual.iter().zip(expected) {
            assert_eq!(t, et, "{actual:?}");
            assert!((s - es).abs() < 1e-12, "{actual:?}");
        }
    }

    #[test]
    fn curve_path_steps_down_at_events_and_runs_on_to_the_last_censoring() {
        let curve = Curve::new(0, &small_class()).unwrap();
        let expected = [
            (0.0, 1.0),
            (1.0, 1.0),
            (1.0, 6.0 / 7.0),
            (3.0, 6.0 / 7.0),
            (3.0, 18.0 / 35.0),
            (5.0, 18.0 / 35.0),
            (5.0, 9.0 / 35.0),
            // Flat after the last event until the last observation, censored at 7.
            (7.0, 9.0 / 35.0),
        ];
        assert_steps(&curve.path(), &expected);
        assert_eq!(curve.marks(), vec![2.0, 3.0, 7.0]);
    }

    #[test]
    fn curve_path_ending_with_an_event_has_no_extra_corner() {
        let class = SurvivalCounts {
            name: "all events".into(),
            counts: vec![(1.0, 1, 0), (2.0, 1, 0)],
        };
        let curve = Curve::new(0, &class).unwrap();
        assert_steps(
            &curve.path(),
            &[(0.0, 1.0), (1.0, 1.0), (1.0, 0.5), (2.0, 0.5), (2.0, 0.0)],
        );
    }

    #[test]
    fn up_to_twenty_five_censoring_times_are_marked() {
        let censored_at = |n: u32| SurvivalCounts {
            name: "c".into(),
            counts: (0..n).map(|t| (f64::from(t), 0, 1)).collect(),
        };
        assert_eq!(Curve::new(0, &censored_at(25)).unwrap().marks().len(), 25);
        assert!(Curve::new(0, &censored_at(26)).unwrap().marks().is_empty());
    }

    const BLUE: &str = "#0072B2";
    const ORANGE: &str = "#E69F00";

    fn drawn(classes: &[SurvivalCounts]) -> Svg {
        let dir = tempfile::tempdir().unwrap();
        let style = ChartStyle::new("Survival", "time (steps)", "share", dir.path().join("s"))
            .with_size(900, 560);
        read(&survival_count_curves(classes, &style).unwrap()[1])
    }

    /// The lowest and highest pixel rows (largest and smallest y) of the longest blue curve.
    fn curve_extremes(svg: &Svg) -> (f64, f64) {
        let curve = svg
            .in_colour("polyline", BLUE)
            .into_iter()
            .max_by_key(|p| p.points.len())
            .unwrap();
        let lowest = curve.points.iter().map(|p| p.1).fold(f64::MIN, f64::max);
        let highest = curve.points.iter().map(|p| p.1).fold(f64::MAX, f64::min);
        (lowest, highest)
    }

    /// The pixel of `(t, s)`, read off the x tick labels "0" and "4" and the y tick labels.
    fn pixel(svg: &Svg, point: (f64, f64)) -> (f64, f64) {
        svg.pixel(
            [("0", 0.0), ("4", 4.0)],
            [("0.0", 0.0), ("1.0", 1.0)],
            point,
        )
    }

    #[test]
    fn curve_steps_down_at_each_event_in_its_class_colour() {
        let empty = SurvivalCounts {
            name: "nobody".into(),
            counts: vec![(f64::NAN, 1, 0)],
        };
        let svg = drawn(&[empty, small_class()]);
        // The class without valid data is left out, but the next keeps its own (second) colour.
        assert!(svg.all("nobody").is_empty());
        assert!(svg.in_colour("polyline", BLUE).is_empty());
        let curves: Vec<_> = svg
            .in_colour("polyline", ORANGE)
            .into_iter()
            .filter(|p| p.points.len() > 2)
            .collect();
        assert_eq!(curves.len(), 1, "{curves:?}");
        let corners = Curve::new(1, &small_class()).unwrap().path();
        assert_eq!(curves[0].points.len(), corners.len());
        for (drawn, corner) in curves[0].points.iter().zip(corners) {
            let expected = pixel(&svg, corner);
            let near = (drawn.0 - expected.0).abs() <= 1.5 && (drawn.1 - expected.1).abs() <= 1.5;
            assert!(near, "{drawn:?} is not at {corner:?} = {expected:?}");
        }
        assert!(curves[0].stroke_width >= 3.0);
        // The y axis is the share surviving, 0 to 1 in steps of 0.2.
        for label in ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"] {
            svg.y_tick(label);
        }
        assert!(
            svg.text("small").x > svg.x_tick("8"),
            "the legend is not beside the plot"
        );
    }

    #[test]
    fn each_censoring_time_is_marked_with_a_plus_on_the_curve() {
        let svg = drawn(&[small_class()]);
        // Each "+" sits at the survival just after its time (after the events at 3).
        for (t, s) in [(2.0, 6.0 / 7.0), (3.0, 18.0 / 35.0), (7.0, 9.0 / 35.0)] {
            let (x, y) = pixel(&svg, (t, s));
            let arms = svg.in_colour("polyline", BLUE).into_iter().filter(|p| {
                let [(x0, y0), (x1, y1)] = [p.points[0], p.points[1]];
                let vertical = (x0 - x).abs() <= 1.5 && x0 == x1 && y0 < y && y < y1;
                let horizontal = (y0 - y).abs() <= 1.5 && y0 == y1 && x0 < x && x < x1;
                p.points.len() == 2 && (vertical || horizontal)
            });
            assert_eq!(arms.count(), 2, "no + at t = {t}");
        }
        assert_eq!(svg.text("+: censored").anchor, "start");
    }

    #[test]
    fn a_class_without_censoring_has_no_marks_and_no_censoring_note() {
        let class = SurvivalCounts {
            name: "all events".into(),
            counts: vec![(1.0, 1, 0), (5.0, 1, 0)],
        };
        let svg = drawn(&[class]);
        assert!(svg.all("+: censored").is_empty());
        // Only the curve and the legend's swatch are blue: no arms of a "+".
        assert_eq!(svg.in_colour("polyline", BLUE).len(), 2);
    }

    /// In percent the axis reads 0 to 100 and the curve lies where the share chart puts it:
    /// a curve from 1 to 0 runs from the tick "100" to the tick "0".
    #[test]
    fn the_percent_chart_reads_0_to_100_with_the_same_curve() {
        let class = SurvivalCounts {
            name: "everyone drops out".into(),
            counts: vec![(1.0, 1, 0), (3.0, 1, 0)],
        };
        let dir = tempfile::tempdir().unwrap();
        let style = ChartStyle::new(
            "Survival",
            "time (steps)",
            "share (%)",
            dir.path().join("s"),
        )
        .with_size(900, 560);
        let svg = read(&survival_count_curves_in_percent(&[class], &style).unwrap()[1]);
        let ticks: Vec<f64> = ["0", "20", "40", "60", "80", "100"]
            .iter()
            .map(|t| svg.y_tick(t))
            .collect();
        assert!(ticks.windows(2).all(|w| w[1] < w[0]), "{ticks:?}");
        let (lowest, highest) = curve_extremes(&svg);
        assert_eq!((lowest, highest), (svg.y_tick("0"), svg.y_tick("100")));
    }

    #[test]
    fn a_curve_reaching_zero_is_drawn_on_the_zero_tick_above_the_x_axis() {
        let class = SurvivalCounts {
            name: "everyone drops out".into(),
            counts: vec![(1.0, 1, 0), (2.0, 0, 1), (3.0, 1, 0)],
        };
        let svg = drawn(&[class]);
        let (lowest, highest) = curve_extremes(&svg);
        assert_eq!((lowest, highest), (svg.y_tick("0.0"), svg.y_tick("1.0")));
        let x_axis = svg
            .in_colour("polyline", "#3C3C3C")
            .into_iter()
            .filter(|p| p.points[0].1 == p.points[1].1)
            .max_by(|a, b| {
                let length = |p: &crate::svg_check::Shape| p.points[1].0 - p.points[0].0;
                length(a).total_cmp(&length(b))
            })
            .unwrap();
        assert!(
            lowest < x_axis.points[0].1,
            "a survival of 0 is drawn on the x axis"
        );
    }

    #[test]
    fn a_survival_chart_over_whole_months_ticks_each_month() {
        // Groups of a run of 3 months: a real axis would tick 0.0, 0.2, ... 2.0.
        let class = SurvivalCounts {
            name: "short run".into(),
            counts: vec![(1.0, 1, 0), (2.0, 0, 2)],
        };
        let dir = tempfile::tempdir().unwrap();
        let style = ChartStyle::new("Survival", "months", "share", dir.path().join("s"))
            .with_size(900, 560);
        // x tick labels with a decimal point (the title and x label have none).
        let fractions = |svg: &Svg| {
            let x_labels = svg.texts.iter().filter(|t| t.anchor == "middle");
            x_labels.filter(|t| t.content.contains('.')).count()
        };
        let real = read(&survival_count_curves(std::slice::from_ref(&class), &style).unwrap()[1]);
        assert!(fractions(&real) > 0, "the real axis ticks between months");
        let counted = style.with_whole_x();
        let svg = read(&survival_count_curves(&[class], &counted).unwrap()[1]);
        assert_eq!(fractions(&svg), 0, "a tick between months");
        let (zero, one, two) = (svg.x_tick("0"), svg.x_tick("1"), svg.x_tick("2"));
        assert!(
            (one - zero - (two - one)).abs() <= 1.0,
            "{zero} {one} {two}"
        );
    }

    #[test]
    fn listed_observations_draw_the_same_chart_as_their_counts() {
        let dir = tempfile::tempdir().unwrap();
        let style = |name: &str| {
            ChartStyle::new("Survival", "time", "share", dir.path().join(name)).with_size(640, 400)
        };
        let class = SurvivalClass {
            name: "6-MP".into(),
            durations: six_mp_group(),
        };
        let listed = survival_curves(std::slice::from_ref(&class), &style("listed")).unwrap();
        let counted =
            survival_count_curves(&[SurvivalCounts::from(&class)], &style("counted")).unwrap();
        assert_eq!(
            listed,
            [dir.path().join("listed.png"), dir.path().join("listed.svg")]
        );
        let svg = |path: &std::path::Path| std::fs::read_to_string(path).unwrap();
        assert_eq!(svg(&listed[1]), svg(&counted[1]));
        assert!(svg(&listed[1]).contains("+: censored"));
    }
}
