//! The time-series chart: several named lines (x = step, y = mean over replicates), each with
//! an optional translucent 95% band behind it.
//!
//! Owns only this chart's drawing. The data types live in `series.rs`; the layout (title, axes,
//! legend column) is `render.rs`'s.

use std::path::PathBuf;

use plotters::chart::ChartContext;
use plotters::prelude::{Circle, Color, DrawingBackend, LineSeries, Polygon};

use crate::error::PlotError;
use crate::legend::{LegendEntry, Swatch};
use crate::render::{Canvas, Chart, DrawResult, XyCoord, draw_xy_chart, render};
use crate::series::{Series, SeriesPlot, finite_runs};
use crate::style::{ChartStyle, Metrics, series_color};

/// Draws `series` as lines over time, with their bands shaded, into `<stem>.png` and `<stem>.svg`.
///
/// The legend sits in a column right of the plot. When any series has a band, the legend adds
/// "shaded: 95% interval". Returns the written paths (PNG first).
///
/// # Errors
///
/// `NoData` when no series has a finite point, `LengthMismatch` when columns differ in length,
/// `InvalidSize`, `UnplottableRange`, `Io` or `Drawing` otherwise.
pub fn time_series(series: &[Series], style: &ChartStyle) -> Result<Vec<PathBuf>, PlotError> {
    let data = SeriesPlot::new(series, style)?;
    render(&TimeSeriesChart { data }, style)
}

/// The time-series chart of validated series.
struct TimeSeriesChart<'a> {
    data: SeriesPlot<'a>,
}

impl Chart for TimeSeriesChart<'_> {
    fn draw<DB: DrawingBackend>(&self, canvas: &Canvas<'_, DB>) -> DrawResult {
        let mut entries = self.data.legend_entries(|_| Swatch::Line);
        if self.data.any_band() {
            entries.push(LegendEntry::note("shaded: 95% interval", Swatch::Band));
        }
        draw_xy_chart(canvas, self.data.axes(), &entries, |chart| {
            // Bands first, so that every line is drawn on top of every band.
            self.draw_bands(chart)?;
            self.draw_lines(chart, &canvas.metrics)
        })
    }
}

impl TimeSeriesChart<'_> {
    /// Shades each series' band, broken where a bound is missing.
    fn draw_bands<DB: DrawingBackend>(
        &self,
        chart: &mut ChartContext<'_, DB, XyCoord>,
    ) -> DrawResult {
        for (index, s) in self.data.series.iter().enumerate() {
            let color = series_color(index);
            for run in finite_runs(&s.x, |i| s.band_at(i).is_some()) {
                let mut outline: Vec<(f64, f64)> = run
                    .iter()
                    .map(|&i| (s.x[i], s.band_at(i).map_or(0.0, |b| b.1)))
                    .collect();
                outline.extend(
                    run.iter()
                        .rev()
                        .map(|&i| (s.x[i], s.band_at(i).map_or(0.0, |b| b.0))),
                );
                chart.draw_series(std::iter::once(Polygon::new(
                    outline,
                    color.mix(0.22).filled(),
                )))?;
            }
        }
        Ok(())
    }

    /// Draws each series' line, broken at non-finite points; a lone point gets a dot.
    fn draw_lines<DB: DrawingBackend>(
        &self,
        chart: &mut ChartContext<'_, DB, XyCoord>,
        metrics: &Metrics,
    ) -> DrawResult {
        for (index, s) in self.data.series.iter().enumerate() {
            let color = series_color(index);
            for run in finite_runs(&s.x, |i| s.point_is_finite(i)) {
                if run.len() == 1 {
                    let i = run[0];
                    chart.draw_series(std::iter::once(Circle::new(
                        (s.x[i], s.y[i]),
                        metrics.marker,
                        color.filled(),
                    )))?;
                } else {
                    chart.draw_series(LineSeries::new(
                        run.iter().map(|&i| (s.x[i], s.y[i])),
                        color.stroke_width(metrics.line_width),
                    ))?;
                }
            }
        }
        Ok(())
    }
}
