//! The time-series chart: several named lines (x = step, y = mean over replicates), each with
//! an optional translucent 95% band behind it.
//!
//! Owns only this chart's drawing. The data types live in `series.rs`.

use std::path::PathBuf;

use plotters::coord::Shift;
use plotters::prelude::{Circle, Color, DrawingArea, DrawingBackend, LineSeries, Polygon};

use crate::error::PlotError;
use crate::render::{
    Axis, Chart, DrawResult, LegendEntry, Padding, Swatch, axis_or_error, build_xy, draw_legend,
    draw_title, finite_runs, legend_top, render, split_for_legend,
};
use crate::series::{Series, extents};
use crate::style::{ChartStyle, series_color};

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
    let (x_extent, y_extent) = extents(series, &style.title)?;
    let x = axis_or_error(
        x_extent,
        style.x_tick_target(),
        Padding::Both,
        &style.title,
        "x",
    )?;
    let y = axis_or_error(
        y_extent,
        style.y_tick_target(),
        Padding::Both,
        &style.title,
        "y",
    )?;
    render(&TimeSeriesChart { series, x, y }, style)
}

/// Validated time-series data with its axes.
struct TimeSeriesChart<'a> {
    series: &'a [Series],
    x: Axis,
    y: Axis,
}

impl Chart for TimeSeriesChart<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        style: &ChartStyle,
    ) -> DrawResult {
        let metrics = style.metrics();
        let body = draw_title(root, style, &metrics)?;
        let mut entries: Vec<LegendEntry> = self
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| LegendEntry {
                label: s.name.clone(),
                color: series_color(i),
                swatch: Swatch::Line,
            })
            .collect();
        if self.series.iter().any(|s| s.band.is_some()) {
            entries.push(LegendEntry {
                label: "shaded: 95% interval".to_string(),
                color: crate::render::DARK_GREY,
                swatch: Swatch::Band,
            });
        }
        let (plot, legend_area) = split_for_legend(&body, &entries, &metrics)?;
        let mut chart = build_xy(&plot, &self.x, &self.y, style, &metrics)?;

        // Bands first, so that every line is drawn on top of every band.
        for (index, s) in self.series.iter().enumerate() {
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
        for (index, s) in self.series.iter().enumerate() {
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
        draw_legend(
            &legend_area,
            &entries,
            &metrics,
            legend_top(&chart, &legend_area),
        )
    }
}
