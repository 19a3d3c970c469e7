//! The response-curve chart: an outcome over a swept parameter, one line per named series
//! (for example two service regimes), points with 95% CI error bars joined by lines.
//!
//! Owns only this chart's drawing. The data types live in `series.rs`; the layout (title, axes,
//! legend column) is `render.rs`'s.

use std::path::PathBuf;

use plotters::chart::ChartContext;
use plotters::prelude::{Color, DrawingBackend, PathElement};

use crate::error::PlotError;
use crate::legend::{LegendEntry, Swatch};
use crate::marks::{Marker, draw_error_bar, draw_marker};
use crate::render::{Canvas, Chart, DrawResult, XyCoord, draw_xy_chart, render};
use crate::series::{Series, SeriesPlot, finite_runs};
use crate::style::{ChartStyle, series_color};

/// Draws `series` as points with error bars (from each series' band) joined by lines, into
/// `<stem>.png` and `<stem>.svg`.
///
/// Series differ by colour and by marker shape (circle, square, triangle, diamond).
/// When several series have error bars, each series is shifted sideways by a few pixels so that
/// bars at the same x do not hide each other.
/// When any series has a band, the legend adds "bars: 95% CI". Returns the written paths (PNG first).
///
/// # Errors
///
/// `NoData` when no series has a finite point, `LengthMismatch` when columns differ in length,
/// `InvalidSize`, `UnplottableRange`, `Io` or `Drawing` otherwise.
pub fn response_curve(series: &[Series], style: &ChartStyle) -> Result<Vec<PathBuf>, PlotError> {
    let data = SeriesPlot::new(series, style)?;
    render(&ResponseChart { data }, style)
}

/// The response-curve chart of validated series.
struct ResponseChart<'a> {
    data: SeriesPlot<'a>,
}

impl Chart for ResponseChart<'_> {
    fn draw<DB: DrawingBackend>(&self, canvas: &Canvas<'_, DB>) -> DrawResult {
        let mut entries = self
            .data
            .legend_entries(|i| Swatch::LineMarker(Marker::for_series(i)));
        if self.data.any_band() {
            entries.push(LegendEntry::note("bars: 95% CI", Swatch::ErrorBar));
        }
        draw_xy_chart(canvas, self.data.axes(), &entries, |chart| {
            self.draw_points(canvas, chart)
        })
    }
}

impl ResponseChart<'_> {
    /// Draws each series' lines, error bars and markers.
    fn draw_points<DB: DrawingBackend>(
        &self,
        canvas: &Canvas<'_, DB>,
        chart: &ChartContext<'_, DB, XyCoord>,
    ) -> DrawResult {
        // Everything is drawn in pixels on `root` (whose origin is the image's), so that the
        // sideways shift between series is the same at every zoom of the data.
        let (root, metrics) = (canvas.root, &canvas.metrics);
        let n = self.data.series.len();
        let shift_unit = if self.data.any_band() && n > 1 {
            f64::from(metrics.marker) * 1.4
        } else {
            0.0
        };
        let line = metrics.line_width;
        let bar = (line.max(3) - 1).max(2);
        for (index, s) in self.data.series.iter().enumerate() {
            let color = series_color(index);
            let shift = ((index as f64 - (n as f64 - 1.0) / 2.0) * shift_unit).round() as i32;
            let to_pixel = |x: f64, y: f64| {
                let (px, py) = chart.backend_coord(&(x, y));
                (px + shift, py)
            };
            let runs = finite_runs(&s.x, |i| s.point_is_finite(i));
            for run in &runs {
                let points: Vec<(i32, i32)> =
                    run.iter().map(|&i| to_pixel(s.x[i], s.y[i])).collect();
                root.draw(&PathElement::new(points, color.stroke_width(line)))?;
            }
            for &i in runs.iter().flatten() {
                if let Some((low, high)) = s.band_at(i) {
                    let ends = (to_pixel(s.x[i], high), to_pixel(s.x[i], low));
                    let style = color.stroke_width(bar);
                    draw_error_bar(root, ends, (metrics.marker, 0), style)?;
                }
            }
            for &i in runs.iter().flatten() {
                let at = to_pixel(s.x[i], s.y[i]);
                draw_marker(root, at, Marker::for_series(index), color, metrics.marker)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::svg_check::{Shape, Svg, read};

    const BLUE: &str = "#0072B2";
    const ORANGE: &str = "#E69F00";
    const GREEN: &str = "#009E73";

    fn drawn(series: &[Series]) -> Svg {
        let dir = tempfile::tempdir().unwrap();
        let style = ChartStyle::new("Response", "reward", "share", dir.path().join("r"))
            .with_size(900, 560);
        read(&response_curve(series, &style).unwrap()[1])
    }

    /// The pixel of `(x, y)`, read off the x tick labels "0" and "10" and the y tick labels
    /// "2" and "8".
    fn pixel(svg: &Svg, point: (f64, f64)) -> (f64, f64) {
        svg.pixel([("0", 0.0), ("10", 10.0)], [("2", 2.0), ("8", 8.0)], point)
    }

    /// The centres of the filled markers of `colour` left of `right` (the legend is right of it).
    fn markers(svg: &Svg, colour: &str, right: f64) -> Vec<(f64, f64)> {
        let centre = |s: &Shape| match s.kind.as_str() {
            "circle" => s.points[0],
            _ => {
                let (a, b) = (s.points[0], s.points[1]);
                ((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0)
            }
        };
        svg.shapes
            .iter()
            .filter(|s| s.fill == colour && s.opacity == 1.0 && s.kind != "polygon")
            .map(centre)
            .filter(|c| c.0 < right)
            .collect()
    }

    fn two_series() -> [Series; 2] {
        let x = vec![0.0, 5.0, 10.0];
        [
            Series::new("low", x.clone(), vec![2.0, 3.0, 4.0])
                .with_band(vec![1.0, 2.0, 3.0], vec![3.0, 4.0, 5.0]),
            Series::new("high", x, vec![6.0, 7.0, 8.0])
                .with_band(vec![5.0, 6.0, 7.0], vec![7.0, 8.0, 9.0]),
        ]
    }

    #[test]
    fn series_with_bars_are_shifted_apart_by_the_same_few_pixels() {
        let svg = drawn(&two_series());
        let right = svg.x_tick("10") + 20.0;
        let (low, high) = (markers(&svg, BLUE, right), markers(&svg, ORANGE, right));
        assert_eq!((low.len(), high.len()), (3, 3), "{low:?} {high:?}");
        let mut shifts = Vec::new();
        for ((l, h), (x, yl, yh)) in
            low.iter()
                .zip(&high)
                .zip([(0.0, 2.0, 6.0), (5.0, 3.0, 7.0), (10.0, 4.0, 8.0)])
        {
            let (px, pyl) = pixel(&svg, (x, yl));
            let (_, pyh) = pixel(&svg, (x, yh));
            assert!(
                (l.1 - pyl).abs() <= 1.5 && (h.1 - pyh).abs() <= 1.5,
                "{l:?} {h:?}"
            );
            shifts.push((px - l.0, h.0 - px));
        }
        for (left, right) in &shifts {
            assert!((left - right).abs() <= 1.5, "{shifts:?}: not symmetric");
            assert!(*left >= 4.0 && *left <= 15.0, "{shifts:?}");
        }
        // Squares for the second series, circles for the first.
        assert!(svg.in_colour("circle", BLUE).len() >= 3);
        assert!(svg.in_colour("rect", ORANGE).len() >= 3);
    }

    #[test]
    fn each_point_has_an_error_bar_from_its_lower_to_its_upper_bound() {
        let svg = drawn(&two_series());
        let right = svg.x_tick("10") + 20.0;
        for (series, colour) in two_series().iter().zip([BLUE, ORANGE]) {
            let centres = markers(&svg, colour, right);
            let band = series.band.as_ref().unwrap();
            for (i, centre) in centres.iter().enumerate() {
                let (_, top) = pixel(&svg, (0.0, band.upper[i]));
                let (_, bottom) = pixel(&svg, (0.0, band.lower[i]));
                let bars = svg.in_colour("polyline", colour).into_iter().filter(|s| {
                    let [(x0, y0), (x1, y1)] = [s.points[0], s.points[1]];
                    s.points.len() == 2
                        && x0 == x1
                        && (x0 - centre.0).abs() <= 0.5
                        && (y0 - top).abs() <= 1.5
                        && (y1 - bottom).abs() <= 1.5
                });
                assert_eq!(bars.count(), 1, "{}: no bar at point {i}", series.name);
            }
            // The line joins the (shifted) markers.
            let line = svg
                .in_colour("polyline", colour)
                .into_iter()
                .find(|s| s.points.len() == 3)
                .unwrap();
            for (p, c) in line.points.iter().zip(&centres) {
                assert!(
                    (p.0 - c.0).abs() <= 0.5 && (p.1 - c.1).abs() <= 1.5,
                    "{line:?}"
                );
            }
        }
        assert_eq!(svg.text("bars: 95% CI").anchor, "start");
    }

    #[test]
    fn one_series_or_no_bars_is_not_shifted() {
        let x = vec![0.0, 10.0];
        let plain = [
            Series::new("a", x.clone(), vec![0.0, 10.0]),
            Series::new("b", x.clone(), vec![10.0, 0.0]),
            Series::new("c", x, vec![5.0, 5.0]),
        ];
        let svg = drawn(&plain);
        assert!(svg.all("bars: 95% CI").is_empty());
        let right = svg.x_tick("10") + 20.0;
        let a = markers(&svg, BLUE, right);
        assert_eq!(a.len(), 2);
        let zero = pixel(&svg, (0.0, 0.0));
        assert!(
            (a[0].0 - zero.0).abs() <= 0.5 && (a[0].1 - zero.1).abs() <= 1.5,
            "{a:?}"
        );
        // The third series is drawn with triangles.
        let triangles = svg.in_colour("polygon", GREEN);
        assert!(triangles.iter().all(|t| t.points.len() == 3) && triangles.len() >= 2);
        let banded = [
            Series::new("one", vec![0.0, 5.0, 10.0], vec![2.0, 5.0, 8.0])
                .with_band(vec![1.0, 4.0, 7.0], vec![3.0, 6.0, 9.0]),
        ];
        let svg = drawn(&banded);
        let right = svg.x_tick("10") + 20.0;
        let only = markers(&svg, BLUE, right);
        let first = pixel(&svg, (0.0, 2.0));
        assert!((only[0].0 - first.0).abs() <= 0.5, "{only:?} shifted");
    }
}
