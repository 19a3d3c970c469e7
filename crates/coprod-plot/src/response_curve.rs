//! The response-curve chart: an outcome over a swept parameter, one line per named series
//! (for example two service regimes), points with 95% CI error bars joined by lines.
//!
//! Owns only this chart's drawing. The data types live in `series.rs`.

use std::path::PathBuf;

use plotters::coord::Shift;
use plotters::prelude::{Color, DrawingArea, DrawingBackend, PathElement};

use crate::error::PlotError;
use crate::render::{
    Axis, Chart, DrawResult, LegendEntry, Marker, Padding, Swatch, axis_or_error, build_xy,
    draw_legend, draw_marker, draw_title, finite_runs, legend_top, render, split_for_legend,
};
use crate::series::{Series, extents};
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
    render(&ResponseChart { series, x, y }, style)
}

/// Validated response-curve data with its axes.
struct ResponseChart<'a> {
    series: &'a [Series],
    x: Axis,
    y: Axis,
}

impl Chart for ResponseChart<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        style: &ChartStyle,
    ) -> DrawResult {
        let metrics = style.metrics();
        let body = draw_title(root, style, &metrics)?;
        let has_bars = self.series.iter().any(|s| s.band.is_some());
        let mut entries: Vec<LegendEntry> = self
            .series
            .iter()
            .enumerate()
            .map(|(i, s)| LegendEntry {
                label: s.name.clone(),
                color: series_color(i),
                swatch: Swatch::LineMarker(Marker::for_series(i)),
            })
            .collect();
        if has_bars {
            entries.push(LegendEntry {
                label: "bars: 95% CI".to_string(),
                color: crate::render::DARK_GREY,
                swatch: Swatch::ErrorBar,
            });
        }
        let (plot, legend_area) = split_for_legend(&body, &entries, &metrics)?;
        let chart = build_xy(&plot, &self.x, &self.y, style, &metrics)?;

        // Everything below is drawn in pixels on `root` (whose origin is the image's), so that
        // the sideways shift between series is the same at every zoom of the data.
        let n = self.series.len();
        let shift_unit = if has_bars && n > 1 {
            f64::from(metrics.marker) * 1.4
        } else {
            0.0
        };
        let line = metrics.line_width;
        let bar = (line.max(3) - 1).max(2);
        let cap = metrics.marker;
        for (index, s) in self.series.iter().enumerate() {
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
                    let (px, top) = to_pixel(s.x[i], high);
                    let (_, bottom) = to_pixel(s.x[i], low);
                    let style = color.stroke_width(bar);
                    root.draw(&PathElement::new(vec![(px, top), (px, bottom)], style))?;
                    root.draw(&PathElement::new(
                        vec![(px - cap, top), (px + cap, top)],
                        style,
                    ))?;
                    root.draw(&PathElement::new(
                        vec![(px - cap, bottom), (px + cap, bottom)],
                        style,
                    ))?;
                }
            }
            for &i in runs.iter().flatten() {
                let at = to_pixel(s.x[i], s.y[i]);
                draw_marker(root, at, Marker::for_series(index), color, metrics.marker)?;
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
