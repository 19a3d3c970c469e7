//! Numeric axes: ranges padded around the data with round tick positions, the formatting of
//! tick labels, and [`Ticked`], the plotters coordinate that draws exactly those ticks.
//!
//! Owns the rule that a drawn range is never empty or infinite. It draws nothing.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};

use crate::error::PlotError;

/// A numeric axis: its drawn range, the tick positions and how many decimals tick labels get.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Axis {
    /// Lower end of the drawn range.
    pub(crate) lo: f64,
    /// Upper end of the drawn range.
    pub(crate) hi: f64,
    /// Tick positions, all inside `lo..=hi`.
    pub(crate) ticks: Vec<f64>,
    /// Decimals shown in tick labels.
    pub(crate) decimals: usize,
}

/// The smallest and largest finite value, or `None` when there is none.
pub(crate) fn finite_extent(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// How an axis range is padded around the data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Padding {
    /// 4% of the span on both sides.
    Both,
    /// Widened to the nearest ticks outside the data, so that both ends carry a label.
    ToTicks,
}

/// What an axis' values are: any real number, or whole numbers (a count of steps, months,
/// rounds or members).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Values {
    /// Any real number: ticks may fall between whole numbers.
    Real,
    /// Whole numbers: ticks only at whole numbers, and a range that does not reach below 0
    /// unless the data do (a step -1 or a tick at step 0.5 would mean nothing).
    Whole,
}

/// A readable axis covering `min..=max`, with about `target_ticks` ticks at 1, 2 or 5 times a
/// power of ten. A single value is widened to a non-empty range. Returns `None` if the range
/// cannot be represented (non-finite input or a span that overflows).
///
/// For [`Values::Whole`] the ticks are a whole step (1 or more) apart, a single value is
/// widened by 1 either side, and data that are all 0 or more get no range below 0.
pub(crate) fn fit_axis(
    (min, max): (f64, f64),
    target_ticks: usize,
    padding: Padding,
    values: Values,
) -> Option<Axis> {
    if !(min.is_finite() && max.is_finite()) || min > max {
        return None;
    }
    let whole = values == Values::Whole;
    let (mut lo, mut hi) = (min, max);
    if hi - lo <= f64::EPSILON * lo.abs().max(hi.abs()).max(1e-300) {
        let half = if lo == 0.0 || whole {
            1.0
        } else {
            lo.abs() * 0.1
        };
        lo -= half;
        hi += half;
    } else if padding == Padding::Both {
        let pad = (hi - lo) * 0.04;
        lo -= pad;
        hi += pad;
    }
    if whole && min >= 0.0 {
        lo = lo.max(0.0);
    }
    let span = hi - lo;
    if !span.is_finite() || span <= 0.0 {
        return None;
    }
    // Of the steps 1, 2 and 5 times a power of ten, take the one whose tick count is nearest
    // to the target (ties go to the larger step, which gives shorter labels).
    let target = target_ticks.max(2) as f64;
    let mut magnitude = 10f64.powf((span / target).log10().floor());
    if whole {
        magnitude = magnitude.max(1.0);
    }
    let step = [1.0, 2.0, 5.0, 10.0, 20.0]
        .iter()
        .map(|m| m * magnitude)
        .filter(|s| s.is_finite() && *s > 0.0)
        .min_by(|a, b| {
            let miss = |s: f64| ((span / s) - target).abs();
            miss(*a).total_cmp(&miss(*b)).then(b.total_cmp(a))
        })
        .unwrap_or(f64::NAN);
    if !(step.is_finite() && step > 0.0) {
        return None;
    }
    if padding == Padding::ToTicks {
        lo = (lo / step).floor() * step;
        hi = (hi / step).ceil() * step;
    }
    let first = (lo / step).ceil();
    let mut ticks = Vec::new();
    // Bounded loop: even with rounding trouble there are at most ~2×target_ticks ticks.
    for k in 0..(4 * target_ticks.max(1) + 4) {
        let tick = (first + k as f64) * step;
        if tick > hi + step * 1e-9 {
            break;
        }
        // Snap tiny rounding residue (like 5.551115123125783e-17) to zero.
        ticks.push(if tick.abs() < step * 1e-9 { 0.0 } else { tick });
    }
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    Some(Axis {
        lo,
        hi,
        ticks,
        decimals: decimals.min(12),
    })
}

/// [`fit_axis`] for chart `title`, turning an unrepresentable range into `UnplottableRange`.
pub(crate) fn axis_or_error(
    (min, max): (f64, f64),
    target_ticks: usize,
    (padding, values): (Padding, Values),
    title: &str,
    axis: &str,
) -> Result<Axis, PlotError> {
    let fitted = fit_axis((min, max), target_ticks, padding, values);
    fitted.ok_or_else(|| PlotError::UnplottableRange {
        title: title.to_string(),
        axis: axis.to_string(),
        min,
        max,
    })
}

/// Formats a tick value with `decimals` decimals, switching to scientific notation for very
/// large or very small magnitudes, and never printing "-0".
pub(crate) fn format_number(value: f64, decimals: usize) -> String {
    if !value.is_finite() {
        return "n/a".to_string();
    }
    let magnitude = value.abs();
    let text = if magnitude >= 1e7 || (magnitude > 0.0 && decimals > 6) {
        format!("{value:.2e}")
    } else {
        format!("{value:.decimals$}")
    };
    if text.starts_with('-') && text[1..].chars().all(|c| c == '0' || c == '.') {
        text[1..].to_string()
    } else {
        text
    }
}

/// A number with `decimals` decimals, or in scientific form with two significant digits
/// when it is not 0 but would read as 0 with them (6e-5 as "6.0e-5", not "0.000", which
/// would say that it is 0); "n/a" when it is not a number. -0 reads as 0. The run pages and
/// the terminal print numbers with it (the half-widths of `--target-ci`), so that both say
/// the same, and so do the charts' data labels up to 1e7 and 6 decimals.
pub fn number(v: f64, decimals: usize) -> String {
    if !v.is_finite() {
        return "n/a".into();
    }
    if v == 0.0 {
        return format!("{:.decimals$}", 0.0);
    }
    let shown = format!("{v:.decimals$}");
    if shown.chars().any(|c| c.is_ascii_digit() && c != '0') {
        shown
    } else {
        format!("{v:.1e}")
    }
}

/// Formats a data value (an estimate, a bound, a cell) on a chart: as [`number`] (so that
/// 0.0004 reads "4.0e-4", not "0.00", which would say it is 0 and hide that an interval
/// bound below 0 misses 0), except that from 1e7 on, or with more than 6 decimals, it is
/// shortened like a tick label ([`format_number`]): a label has little room, a page's table
/// has.
pub(crate) fn format_value(value: f64, decimals: usize) -> String {
    let short = value.abs() >= 1e7 || (value != 0.0 && decimals > 6);
    if value.is_finite() && short {
        format_number(value, decimals)
    } else {
        number(value, decimals)
    }
}

/// Decimals for labelling each of `values` individually: the fewest (up to 4) that print every
/// value exactly (0.25 as "0.25", not "0.2"), else the fewest (up to 6) that tell them apart.
pub(crate) fn decimals_to_distinguish(values: &[f64]) -> usize {
    let exact = (0..=4usize).find(|d| {
        let factor = 10f64.powi(*d as i32);
        values
            .iter()
            .filter(|v| v.is_finite())
            .all(|v| ((v * factor).round() / factor - v).abs() <= 1e-9 * v.abs().max(1.0))
    });
    if let Some(d) = exact {
        return d;
    }
    (0..=6)
        .find(|d| {
            let mut labels: Vec<String> = values.iter().map(|v| format_number(*v, *d)).collect();
            labels.sort();
            labels.dedup();
            labels.len() == values.len()
        })
        .unwrap_or(6)
}

/// A linear f64 coordinate whose tick positions are given, not computed by plotters.
///
/// (plotters' own `WithKeyPoints<RangedCoordf64>` cannot take a custom label formatter.)
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ticked {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ticked {
    /// The range `lo..hi` with ticks at `ticks`.
    pub(crate) fn new(lo: f64, hi: f64, ticks: Vec<f64>) -> Self {
        Ticked { lo, hi, ticks }
    }
}

impl From<&Axis> for Ticked {
    fn from(axis: &Axis) -> Self {
        Ticked::new(axis.lo, axis.hi, axis.ticks.clone())
    }
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = self.hi - self.lo;
        let length = limit.1 - limit.0;
        if span == 0.0 || length == 0 {
            return limit.0 + length / 2;
        }
        let fraction = (value - self.lo) / span;
        // The cast saturates for huge or infinite values and maps NaN to 0: it never panics.
        limit.0 + (f64::from(length) * fraction).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Light (minor) grid lines are not drawn: they only add clutter on a projector.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chart's data label is the pages' number up to 1e7 and 6 decimals, and shorter
    /// beyond, where a label has no room for "12345678.9".
    #[test]
    fn data_labels_are_the_pages_numbers_until_they_would_not_fit() {
        for v in [
            0.0,
            -0.0,
            0.412_34,
            -6e-5,
            4e-4,
            1.005,
            9_999_999.0,
            f64::NAN,
        ] {
            for d in 0..=6 {
                assert_eq!(format_value(v, d), number(v, d), "{v} {d}");
            }
        }
        assert_eq!(format_value(-6e-5, 3), "-6.0e-5");
        assert_eq!(format_value(1.234_567_89e7, 1), "1.23e7");
        assert_eq!(number(1.234_567_89e7, 1), "12345678.9");
        assert_eq!(format_value(0.5, 8), "5.00e-1");
        assert_eq!(format_value(0.0, 8), "0.00000000");
    }

    /// [`fit_axis`] of real values.
    fn nice_axis(min: f64, max: f64, target_ticks: usize, padding: Padding) -> Option<Axis> {
        fit_axis((min, max), target_ticks, padding, Values::Real)
    }

    #[test]
    fn nice_axis_picks_round_ticks() {
        let axis = nice_axis(0.0, 1.0, 5, Padding::ToTicks).unwrap();
        assert_eq!(
            axis.ticks,
            vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
        );
        assert_eq!(axis.decimals, 1);
        let axis = nice_axis(0.014, 0.72, 7, Padding::Both).unwrap();
        assert_eq!(axis.ticks.len(), 8, "{:?}", axis.ticks);
        assert!((axis.ticks[1] - axis.ticks[0] - 0.1).abs() < 1e-12);
        let axis = nice_axis(0.01, 0.99, 5, Padding::ToTicks).unwrap();
        assert_eq!((axis.lo, axis.hi), (0.0, 1.0));
        let axis = nice_axis(0.0, 200.0, 8, Padding::Both).unwrap();
        assert!(axis.lo < 0.0 && axis.hi > 200.0);
        assert!(
            axis.ticks
                .iter()
                .all(|t| t % 20.0 == 0.0 || t % 50.0 == 0.0)
        );
        assert_eq!(axis.decimals, 0);
    }

    #[test]
    fn nice_axis_handles_degenerate_ranges() {
        let single = nice_axis(3.0, 3.0, 8, Padding::Both).unwrap();
        assert!(single.lo < 3.0 && single.hi > 3.0 && !single.ticks.is_empty());
        let zero = nice_axis(0.0, 0.0, 8, Padding::Both).unwrap();
        assert_eq!((zero.lo, zero.hi), (-1.0, 1.0));
        assert!(nice_axis(f64::NAN, 1.0, 8, Padding::Both).is_none());
        assert!(nice_axis(-1e308, 1e308, 8, Padding::Both).is_none());
        let tiny = nice_axis(1.0, 1.0 + 1e-12, 8, Padding::Both).unwrap();
        assert!(tiny.ticks.len() <= 40);
    }

    #[test]
    fn numbers_format_without_negative_zero() {
        assert_eq!(format_number(-0.0001, 2), "0.00");
        assert_eq!(format_number(0.25, 2), "0.25");
        assert_eq!(format_number(12.0, 0), "12");
        assert_eq!(format_number(f64::NAN, 2), "n/a");
        assert_eq!(decimals_to_distinguish(&[0.1, 0.2, 0.3]), 1);
        assert_eq!(decimals_to_distinguish(&[2.0, 4.0, 8.0]), 0);
        assert_eq!(decimals_to_distinguish(&[0.0, 0.25, 0.5, 0.75]), 2);
        assert_eq!(decimals_to_distinguish(&[0.1, 1.0 / 3.0]), 1);
    }

    /// Asserts that `actual` equals `expected` up to floating-point rounding of the tick sums.
    fn assert_close(actual: &[f64], expected: &[f64]) {
        assert_eq!(actual.len(), expected.len(), "{actual:?} vs {expected:?}");
        for (a, e) in actual.iter().zip(expected) {
            assert!((a - e).abs() < 1e-9, "{actual:?} vs {expected:?}");
        }
    }

    #[test]
    fn range_padded_to_ticks_starts_and_ends_on_a_tick() {
        // 23..88 with about 5 ticks: the span 65 is nearest to 5 ticks at a step of 10 (6.5
        // steps) rather than 20 (3.25 steps), so the range widens to 20..90.
        let axis = nice_axis(23.0, 88.0, 5, Padding::ToTicks).unwrap();
        assert_eq!((axis.lo, axis.hi), (20.0, 90.0));
        assert_close(
            &axis.ticks,
            &[20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0],
        );
        assert_eq!(axis.decimals, 0);
    }

    #[test]
    fn range_padded_on_both_sides_by_four_percent() {
        // 4% of the span 100 on each side; ticks stay on round values inside the data's range.
        let axis = nice_axis(50.0, 150.0, 5, Padding::Both).unwrap();
        assert_close(&[axis.lo, axis.hi], &[46.0, 154.0]);
        assert_close(&axis.ticks, &[60.0, 80.0, 100.0, 120.0, 140.0]);
    }

    #[test]
    fn single_value_is_widened_by_ten_percent_either_side() {
        let axis = nice_axis(3.0, 3.0, 5, Padding::Both).unwrap();
        assert_close(&[axis.lo, axis.hi], &[2.7, 3.3]);
        assert_close(&axis.ticks, &[2.7, 2.8, 2.9, 3.0, 3.1, 3.2, 3.3]);
        assert_eq!(axis.decimals, 1);
        // Two values one float apart are the same value for a reader: widened alike, instead of
        // ticks a billionth apart that print as identical labels.
        let next = f64::from_bits(1e6f64.to_bits() + 1);
        let axis = nice_axis(1e6, next, 5, Padding::Both).unwrap();
        assert_eq!((axis.lo, axis.hi), (900_000.0, 1_100_000.0));
        assert_close(
            &axis.ticks,
            &[900_000.0, 950_000.0, 1_000_000.0, 1_050_000.0, 1_100_000.0],
        );
    }

    #[test]
    fn reversed_range_has_no_axis() {
        // Widening a "single value" would otherwise turn some reversed pairs into a range.
        assert_eq!(nice_axis(0.0, -1.0, 5, Padding::Both), None);
        assert_eq!(nice_axis(10.0, 9.0, 5, Padding::ToTicks), None);
    }

    #[test]
    fn target_of_one_tick_still_labels_both_ends() {
        let axis = nice_axis(0.0, 1.0, 1, Padding::ToTicks).unwrap();
        assert_close(&axis.ticks, &[0.0, 0.5, 1.0]);
    }

    #[test]
    fn huge_and_tiny_numbers_switch_to_scientific_notation() {
        assert_eq!(format_number(2.5e7, 0), "2.50e7");
        assert_eq!(format_number(-2.5e7, 0), "-2.50e7");
        assert_eq!(format_number(9_999_999.0, 0), "9999999");
        // More than 6 decimals means a tiny step: scientific, except for zero itself.
        assert_eq!(format_number(1.5e-7, 7), "1.50e-7");
        assert_eq!(format_number(1.5e-8, 8), "1.50e-8");
        assert_eq!(format_number(0.0, 8), "0.00000000");
        assert_eq!(format_number(0.5, 6), "0.500000");
    }

    #[test]
    fn float_noise_in_large_values_does_not_hide_decimals_of_small_ones() {
        // 1e5 * 1.1 is 110000.00000000001: within the relative tolerance of "exactly 110000",
        // so 0.5 and 1.5 still print exactly with one decimal (not as "0" and "2").
        assert_eq!(decimals_to_distinguish(&[0.5, 1.5, 1e5 * 1.1]), 1);
    }

    #[test]
    fn ticked_maps_values_linearly_onto_pixels() {
        let coord = Ticked::new(0.0, 10.0, vec![0.0, 5.0, 10.0]);
        assert_eq!(coord.map(&2.5, (100, 300)), 150);
        assert_eq!(coord.map(&10.0, (100, 300)), 300);
        // y axes run from the bottom pixel up.
        assert_eq!(coord.map(&2.5, (300, 100)), 250);
        assert_eq!(coord.map(&f64::NAN, (100, 300)), 100);
    }

    #[test]
    fn ticked_with_an_empty_range_maps_everything_to_the_middle() {
        let coord = Ticked::new(1.0, 1.0, vec![1.0]);
        assert_eq!(coord.map(&1.0, (10, 110)), 60);
        assert_eq!(coord.map(&7.0, (10, 110)), 60);
    }

    #[test]
    fn ticked_maps_from_the_start_of_its_range() {
        let coord = Ticked::new(10.0, 20.0, vec![10.0, 15.0, 20.0]);
        assert_eq!(coord.map(&10.0, (0, 100)), 0);
        assert_eq!(coord.map(&15.0, (0, 100)), 50);
        assert_eq!(coord.map(&20.0, (0, 100)), 100);
        assert_eq!(coord.range(), 10.0..20.0);
        // A zero-length pixel range puts everything at its one pixel.
        assert_eq!(coord.map(&12.0, (40, 40)), 40);
    }

    #[test]
    fn ticked_draws_its_own_ticks_and_no_minor_grid() {
        use plotters::coord::ranged1d::{BoldPoints, LightPoints};
        let coord = Ticked::new(0.0, 1.0, vec![0.0, 0.25, 1.0]);
        assert_eq!(coord.key_points(BoldPoints(10)), [0.0, 0.25, 1.0]);
        assert!(coord.key_points(LightPoints::new(3, 30)).is_empty());
    }

    /// The axis of whole values `min..=max` with padding `padding` and about 8 ticks.
    fn whole(min: f64, max: f64, padding: Padding) -> Axis {
        fit_axis((min, max), 8, padding, Values::Whole).unwrap()
    }

    #[test]
    fn a_short_run_of_steps_gets_whole_ticks() {
        // Steps 0 to 3 (a run of 4 steps): a real axis ticks every 0.5 here.
        let real = nice_axis(0.0, 3.0, 8, Padding::Both).unwrap();
        assert!(real.ticks.contains(&0.5), "{:?}", real.ticks);
        let axis = whole(0.0, 3.0, Padding::Both);
        assert_close(&axis.ticks, &[0.0, 1.0, 2.0, 3.0]);
        assert_eq!(axis.decimals, 0);
        // Targets at steps 0 and 2.
        assert_close(&whole(0.0, 2.0, Padding::Both).ticks, &[0.0, 1.0, 2.0]);
        // Survival over 0 to 2 months, padded to ticks: not 0.0, 0.2, ... 2.0.
        let axis = whole(0.0, 2.0, Padding::ToTicks);
        assert_eq!((axis.lo, axis.hi), (0.0, 2.0));
        assert_close(&axis.ticks, &[0.0, 1.0, 2.0]);
        // Rounds 1 to 2 of a lab game.
        assert_close(&whole(1.0, 2.0, Padding::Both).ticks, &[1.0, 2.0]);
    }

    #[test]
    fn a_whole_axis_of_values_from_zero_does_not_reach_below_zero() {
        let axis = whole(0.0, 5.0, Padding::Both);
        assert_eq!(axis.lo, 0.0);
        assert!(axis.hi > 5.0);
        assert_close(&axis.ticks, &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]);
        // Padding above 0 is kept: a size cap of 2 to 8 is not pushed onto the axis.
        let caps = whole(2.0, 8.0, Padding::Both);
        assert!(caps.lo > 1.0 && caps.lo < 2.0, "{caps:?}");
        // Negative values keep their padding below.
        assert!(whole(-3.0, 5.0, Padding::Both).lo < -3.0);
    }

    #[test]
    fn a_single_whole_value_is_widened_by_one_step() {
        // Step 0 alone: 0 to 1, not -1 to 1.
        let zero = whole(0.0, 0.0, Padding::Both);
        assert_eq!((zero.lo, zero.hi), (0.0, 1.0));
        assert_close(&zero.ticks, &[0.0, 1.0]);
        // Step 9 alone: 8 to 10, not 8.1 to 9.9 with ticks between steps.
        let nine = whole(9.0, 9.0, Padding::Both);
        assert_eq!((nine.lo, nine.hi), (8.0, 10.0));
        assert_close(&nine.ticks, &[8.0, 9.0, 10.0]);
        let minus = whole(-2.0, -2.0, Padding::Both);
        assert_eq!((minus.lo, minus.hi), (-3.0, -1.0));
    }

    #[test]
    fn a_long_whole_axis_ticks_as_a_real_one() {
        // 480 months: every 50, as before; whole numbers change nothing at this scale.
        let real = nice_axis(0.0, 480.0, 8, Padding::ToTicks).unwrap();
        let axis = whole(0.0, 480.0, Padding::ToTicks);
        assert_eq!(axis, real);
        assert_eq!(axis.ticks.len(), 11);
        let axis = whole(1.0, 480.0, Padding::Both);
        assert!(axis.ticks.iter().all(|t| t % 50.0 == 0.0), "{axis:?}");
    }

    #[test]
    fn a_tie_between_two_steps_goes_to_the_larger_step() {
        // Span 4 with a target of 3 ticks: a step of 1 gives 4 intervals, a step of 2 gives 2,
        // both 1 away from 3; the larger step gives fewer, shorter labels.
        let axis = nice_axis(0.0, 4.0, 3, Padding::ToTicks).unwrap();
        assert_close(&axis.ticks, &[0.0, 2.0, 4.0]);
    }
}
