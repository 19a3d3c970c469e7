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
