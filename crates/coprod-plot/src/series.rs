//! The plain in-memory data of line charts: named [`Series`] of x and y columns with an optional
//! [`Band`] (a 95% interval).
//!
//! Owns the validation of column lengths, the axes and legend entries of a set of series, and
//! where their lines break (at non-finite values). It does not read files or know the model.

use crate::axis::{Axis, Padding, Values, axis_or_error, finite_extent};
use crate::error::PlotError;
use crate::legend::{LegendEntry, Swatch};
use crate::style::ChartStyle;

/// Lower and upper bounds of an interval (for example a 95% confidence band) at each x.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// Lower bound at each x; same length as the series' `x`.
    pub lower: Vec<f64>,
    /// Upper bound at each x; same length as the series' `x`.
    pub upper: Vec<f64>,
}

/// One named line: y over x, with an optional band.
///
/// Non-finite values (NaN, ±∞) are left out, breaking the line there.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The name shown in the legend.
    pub name: String,
    /// Horizontal positions (for example steps, or values of a swept parameter).
    pub x: Vec<f64>,
    /// Vertical positions (for example a mean over replicates); same length as `x`.
    pub y: Vec<f64>,
    /// An optional interval around `y`, drawn as a shaded band or as error bars.
    pub band: Option<Band>,
}

impl Series {
    /// A series without a band.
    pub fn new(name: impl Into<String>, x: Vec<f64>, y: Vec<f64>) -> Self {
        Series {
            name: name.into(),
            x,
            y,
            band: None,
        }
    }

    /// The same series with a band given by its lower and upper bounds.
    pub fn with_band(mut self, lower: Vec<f64>, upper: Vec<f64>) -> Self {
        self.band = Some(Band { lower, upper });
        self
    }

    /// Checks that every column has the length of `x`.
    pub(crate) fn validate(&self) -> Result<(), PlotError> {
        let expected = self.x.len();
        let mut columns = vec![("y", self.y.len())];
        if let Some(band) = &self.band {
            columns.push(("band lower", band.lower.len()));
            columns.push(("band upper", band.upper.len()));
        }
        match columns.into_iter().find(|(_, len)| *len != expected) {
            Some((what, found)) => Err(PlotError::LengthMismatch {
                name: self.name.clone(),
                what: what.to_string(),
                expected,
                found,
            }),
            None => Ok(()),
        }
    }

    /// Whether point `i` has finite x and y.
    pub(crate) fn point_is_finite(&self, i: usize) -> bool {
        self.x[i].is_finite() && self.y[i].is_finite()
    }

    /// The band at point `i`, if it exists and both bounds are finite, as (low, high).
    pub(crate) fn band_at(&self, i: usize) -> Option<(f64, f64)> {
        let band = self.band.as_ref()?;
        let (a, b) = (band.lower[i], band.upper[i]);
        (a.is_finite() && b.is_finite()).then(|| (a.min(b), a.max(b)))
    }

    /// Every finite y value and band bound, for the y range.
    pub(crate) fn y_values(&self) -> impl Iterator<Item = f64> + '_ {
        let band_values = self
            .band
            .iter()
            .flat_map(|b| b.lower.iter().chain(b.upper.iter()).copied());
        self.y.iter().copied().chain(band_values)
    }
}

/// The smallest and largest finite value of one axis.
pub(crate) type Extent = (f64, f64);

/// Validates all series and returns the finite x and y extents, or `NoData`.
pub(crate) fn extents(series: &[Series], title: &str) -> Result<(Extent, Extent), PlotError> {
    for s in series {
        s.validate()?;
    }
    let no_data = || PlotError::NoData {
        title: title.to_string(),
    };
    let has_point = series
        .iter()
        .any(|s| (0..s.x.len()).any(|i| s.point_is_finite(i)));
    if !has_point {
        return Err(no_data());
    }
    let x = finite_extent(series.iter().flat_map(|s| s.x.iter().copied())).ok_or_else(no_data)?;
    let y = finite_extent(series.iter().flat_map(|s| s.y_values())).ok_or_else(no_data)?;
    Ok((x, y))
}

/// Validated series with padded axes around their finite values: what a line chart draws.
pub(crate) struct SeriesPlot<'a> {
    /// The series, each of consistent length.
    pub(crate) series: &'a [Series],
    /// The x axis.
    pub(crate) x: Axis,
    /// The y axis, covering the bands too.
    pub(crate) y: Axis,
}

impl<'a> SeriesPlot<'a> {
    /// Validates `series` and fits the axes to them.
    pub(crate) fn new(series: &'a [Series], style: &ChartStyle) -> Result<Self, PlotError> {
        let (x_extent, y_extent) = extents(series, &style.title)?;
        let title = &style.title;
        let x_fit = (Padding::Both, style.x_values());
        let x = axis_or_error(x_extent, style.x_tick_target(), x_fit, title, "x")?;
        let y_fit = (Padding::Both, Values::Real);
        let y = axis_or_error(y_extent, style.y_tick_target(), y_fit, title, "y")?;
        Ok(SeriesPlot { series, x, y })
    }

    /// The x and y axes.
    pub(crate) fn axes(&self) -> (&Axis, &Axis) {
        (&self.x, &self.y)
    }

    /// One legend entry per series, in the series' colours, with the swatch `swatch(index)`.
    pub(crate) fn legend_entries(&self, swatch: impl Fn(usize) -> Swatch) -> Vec<LegendEntry> {
        self.series
            .iter()
            .enumerate()
            .map(|(i, s)| LegendEntry::series(&s.name, i, swatch(i)))
            .collect()
    }

    /// Whether any series has a band with a point to draw. A band whose every bound is
    /// unknown (a run of one replication) draws nothing, so it counts as no band.
    pub(crate) fn any_band(&self) -> bool {
        self.series
            .iter()
            .any(|s| (0..s.x.len()).any(|i| s.band_at(i).is_some()))
    }
}

/// Maximal runs of consecutive indices (in increasing x order) where `keep(i)` holds.
///
/// Lines are broken at non-finite values instead of being drawn through them.
pub(crate) fn finite_runs(x: &[f64], keep: impl Fn(usize) -> bool) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|a, b| x[*a].total_cmp(&x[*b]));
    let mut runs = Vec::new();
    let mut current = Vec::new();
    for i in order {
        if x[i].is_finite() && keep(i) {
            current.push(i);
        } else if !current.is_empty() {
            runs.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mismatched_columns_are_reported() {
        let s = Series::new("a", vec![1.0, 2.0], vec![1.0]);
        assert!(matches!(
            s.validate(),
            Err(PlotError::LengthMismatch {
                expected: 2,
                found: 1,
                ..
            })
        ));
        let s = Series::new("a", vec![1.0], vec![1.0]).with_band(vec![0.0], vec![]);
        assert!(matches!(
            s.validate(),
            Err(PlotError::LengthMismatch { .. })
        ));
    }

    #[test]
    fn a_point_or_band_with_a_non_finite_value_is_not_drawn() {
        let s = Series::new(
            "a",
            vec![0.0, 1.0, f64::NAN, 3.0],
            vec![1.0, f64::INFINITY, 2.0, 4.0],
        )
        .with_band(vec![0.5, 0.0, 1.0, f64::NAN], vec![1.5, 2.0, 3.0, 5.0]);
        let drawn: Vec<bool> = (0..4).map(|i| s.point_is_finite(i)).collect();
        assert_eq!(drawn, [true, false, false, true]);
        assert_eq!(s.band_at(0), Some((0.5, 1.5)));
        assert_eq!(
            s.band_at(3),
            None,
            "a band with one unknown bound is left out"
        );
        // Bounds given in either order come back as (low, high).
        let swapped = Series::new("b", vec![0.0], vec![1.0]).with_band(vec![2.0], vec![0.0]);
        assert_eq!(swapped.band_at(0), Some((0.0, 2.0)));
        assert_eq!(Series::new("c", vec![0.0], vec![1.0]).band_at(0), None);
    }

    #[test]
    fn a_plot_has_a_band_only_when_some_series_has_one() {
        let style = ChartStyle::new("t", "x", "y", "unused");
        let plain = [Series::new("a", vec![0.0, 1.0], vec![1.0, 2.0])];
        assert!(!SeriesPlot::new(&plain, &style).unwrap().any_band());
        let banded = [
            plain[0].clone(),
            Series::new("b", vec![0.0, 1.0], vec![1.0, 2.0])
                .with_band(vec![0.0, 1.0], vec![2.0, 3.0]),
        ];
        assert!(SeriesPlot::new(&banded, &style).unwrap().any_band());
        let unknown = [Series::new("c", vec![0.0, 1.0], vec![1.0, 2.0])
            .with_band(vec![f64::NAN; 2], vec![f64::NAN, 3.0])];
        assert!(!SeriesPlot::new(&unknown, &style).unwrap().any_band());
    }

    #[test]
    fn a_style_that_counts_whole_steps_gets_whole_x_ticks_and_real_y_ticks() {
        // Four steps with a share between 0 and 1.
        let steps = [Series::new(
            "a",
            vec![0.0, 1.0, 2.0, 3.0],
            vec![0.1, 0.3, 0.2, 0.4],
        )];
        let style = ChartStyle::new("t", "time (steps)", "share", "unused");
        let real = SeriesPlot::new(&steps, &style).unwrap();
        assert!(
            real.x.ticks.contains(&0.5) && real.x.lo < 0.0,
            "{:?}",
            real.x
        );
        let whole = SeriesPlot::new(&steps, &style.with_whole_x()).unwrap();
        assert_eq!(whole.x.ticks, [0.0, 1.0, 2.0, 3.0]);
        assert_eq!(whole.x.lo, 0.0);
        assert_eq!(whole.y, real.y, "the y axis is a share, not a count");
    }

    #[test]
    fn extents_skip_non_finite_values() {
        let s = Series::new("a", vec![0.0, 1.0, f64::NAN], vec![f64::NAN, 2.0, 5.0]);
        let ((x0, x1), (y0, y1)) = extents(&[s], "t").unwrap();
        assert_eq!((x0, x1, y0, y1), (0.0, 1.0, 2.0, 5.0));
        let empty = Series::new("a", vec![], vec![]);
        assert!(matches!(
            extents(&[empty], "t"),
            Err(PlotError::NoData { .. })
        ));
        assert!(matches!(extents(&[], "t"), Err(PlotError::NoData { .. })));
    }

    #[test]
    fn runs_break_at_non_finite_values() {
        let x = [0.0, 1.0, 2.0, 3.0, 4.0];
        let y = [1.0, f64::NAN, 2.0, 3.0, f64::INFINITY];
        assert_eq!(
            finite_runs(&x, |i| y[i].is_finite()),
            vec![vec![0], vec![2, 3]]
        );
    }
}
