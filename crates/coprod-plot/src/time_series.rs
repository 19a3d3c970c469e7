//! The time-series chart: several named lines (x = step, y = mean over replicates), each with
//! an optional translucent 95% band behind it.
//!
//! Owns only this chart's drawing. The data types live in `series.rs`; the layout (title, axes,
//! legend column) is `render.rs`'s.

use std::path::PathBuf;

use plotters::chart::ChartContext;
use plotters::prelude::{Circle, Color, DrawingBackend, LineSeries, Polygon, Rectangle};

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
            self.draw_bands(canvas, chart)?;
            self.draw_lines(chart, &canvas.metrics)
        })
    }
}

impl TimeSeriesChart<'_> {
    /// Shades each series' band, broken where a bound is missing. A band of one point (a
    /// series of one step, or a point between missing ones) has no width to shade: it is
    /// shaded as a box as wide as a marker's dot, from its lower to its upper bound.
    fn draw_bands<DB: DrawingBackend>(
        &self,
        canvas: &Canvas<'_, DB>,
        chart: &mut ChartContext<'_, DB, XyCoord>,
    ) -> DrawResult {
        for (index, s) in self.data.series.iter().enumerate() {
            let color = series_color(index);
            for run in finite_runs(&s.x, |i| s.band_at(i).is_some()) {
                if let [i] = run[..]
                    && let Some((low, high)) = s.band_at(i)
                {
                    let (x, top) = chart.backend_coord(&(s.x[i], high));
                    let (_, bottom) = chart.backend_coord(&(s.x[i], low));
                    let half = canvas.metrics.marker;
                    canvas.root.draw(&Rectangle::new(
                        [(x - half, top), (x + half, bottom)],
                        color.mix(0.22).filled(),
                    ))?;
                    continue;
                }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::svg_check::{Shape, Svg, draw};

    const BLUE: &str = "#0072B2";
    const ORANGE: &str = "#E69F00";

    /// "alpha" rises from 0 to 10 inside a band ±1, "beta" falls from 10 to 0; ticks every 2.
    fn chart_svg() -> Svg {
        let series = [
            Series::new("alpha", vec![0.0, 5.0, 10.0], vec![0.0, 5.0, 10.0])
                .with_band(vec![-1.0, 4.0, 9.0], vec![1.0, 6.0, 11.0]),
            Series::new("beta", vec![10.0, 0.0], vec![0.0, 10.0]),
        ];
        let style =
            ChartStyle::new("Two lines", "time (steps)", "share", "unused").with_size(900, 560);
        let data = SeriesPlot::new(&series, &style).unwrap();
        draw(&TimeSeriesChart { data }, &style)
    }

    /// The pixel of data point `(x, y)`, read off the tick labels "0" and "10" of both axes.
    fn pixel(svg: &Svg, point: (f64, f64)) -> (f64, f64) {
        let ticks = [("0", 0.0), ("10", 10.0)];
        svg.pixel(ticks, ticks, point)
    }

    /// The lines of `colour` inside the plot (the legend's swatches are right of it).
    fn data_lines<'a>(svg: &'a Svg, colour: &str) -> Vec<&'a crate::svg_check::Shape> {
        let right = svg.x_tick("10") + 2.0;
        let lines = svg.in_colour("polyline", colour).into_iter();
        lines
            .filter(|s| s.points.iter().all(|p| p.0 <= right))
            .collect()
    }

    /// The axis lines (dark grey polylines): the horizontal x axis or the vertical y axis.
    fn axis_lines(svg: &Svg, horizontal: bool) -> Vec<&crate::svg_check::Shape> {
        let axes = svg.in_colour("polyline", "#3C3C3C").into_iter();
        axes.filter(|s| {
            let (a, b) = (s.points[0], s.points[1]);
            if horizontal { a.1 == b.1 } else { a.0 == b.0 }
        })
        .collect()
    }

    /// The top of the plotting area: the upper end of the y axis line.
    fn plot_top(svg: &Svg) -> f64 {
        axis_lines(svg, false)
            .iter()
            .map(|s| s.points[0].1.min(s.points[1].1))
            .fold(f64::MAX, f64::min)
    }

    /// The right end of the x axis line: the right edge of the plotting area.
    fn x_axis_end(svg: &Svg) -> f64 {
        axis_lines(svg, true)
            .iter()
            .map(|s| s.points[0].0.max(s.points[1].0))
            .fold(f64::MIN, f64::max)
    }

    /// The left end of the x axis line: the left edge of the plotting area.
    fn x_axis_start(svg: &Svg) -> f64 {
        let horizontal = axis_lines(svg, true);
        let longest = horizontal.into_iter().max_by(|a, b| {
            let length = |s: &&crate::svg_check::Shape| (s.points[1].0 - s.points[0].0).abs();
            length(a).total_cmp(&length(b))
        });
        let ends = longest.unwrap().points.iter().map(|p| p.0);
        ends.fold(f64::MAX, f64::min)
    }

    fn assert_near(actual: (f64, f64), expected: (f64, f64)) {
        let close = (actual.0 - expected.0).abs() <= 1.5 && (actual.1 - expected.1).abs() <= 1.5;
        assert!(close, "{actual:?} is not at {expected:?}");
    }

    #[test]
    fn lines_pass_through_their_points_as_the_ticks_label_them() {
        let svg = chart_svg();
        let alpha = data_lines(&svg, BLUE);
        assert_eq!(alpha.len(), 1, "{alpha:?}");
        for (point, value) in alpha[0].points.iter().zip([0.0, 5.0, 10.0]) {
            assert_near(*point, pixel(&svg, (value, value)));
        }
        // Given out of x order, a line is still drawn left to right.
        let beta = data_lines(&svg, ORANGE);
        assert_eq!(beta.len(), 1, "{beta:?}");
        assert_near(beta[0].points[0], pixel(&svg, (0.0, 10.0)));
        assert_near(beta[0].points[1], pixel(&svg, (10.0, 0.0)));
        // The ticks are evenly spaced, increasing rightwards and upwards.
        let xs: Vec<f64> = ["0", "2", "4", "6", "8", "10"]
            .map(|l| svg.x_tick(l))
            .to_vec();
        let ys: Vec<f64> = ["0", "2", "4", "6", "8", "10"]
            .map(|l| svg.y_tick(l))
            .to_vec();
        for steps in [xs.windows(2), ys.windows(2)] {
            let gaps: Vec<f64> = steps.map(|w| w[1] - w[0]).collect();
            assert!(gaps.iter().all(|g| (g - gaps[0]).abs() <= 1.0), "{gaps:?}");
        }
        assert!(xs[1] > xs[0] && ys[1] < ys[0]);
    }

    #[test]
    fn a_band_of_one_point_is_shaded_as_wide_as_its_dot() {
        // One target step of a calibration's posterior predictive: the interval 9 to 12
        // around the mean 10 must show, not a polygon of no width.
        let series = [
            Series::new("observed", vec![11.0], vec![20.0]),
            Series::new("model", vec![11.0], vec![10.0]).with_band(vec![9.0], vec![12.0]),
        ];
        let style = ChartStyle::new("One step", "time (steps)", "service output", "unused")
            .with_size(900, 560);
        let data = SeriesPlot::new(&series, &style).unwrap();
        let svg = draw(&TimeSeriesChart { data }, &style);
        let boxes: Vec<&Shape> = svg
            .shapes
            .iter()
            .filter(|s| s.kind == "rect" && s.fill == ORANGE && s.opacity < 0.5)
            .collect();
        assert_eq!(boxes.len(), 1, "{:?}", svg.shapes);
        let [(x0, y0), (x1, y1)] = [boxes[0].points[0], boxes[0].points[1]];
        let dot = svg
            .shapes
            .iter()
            .find(|s| s.kind == "circle" && s.fill == ORANGE)
            .expect("the mean's dot");
        assert!(
            x1 - x0 >= 2.0 * dot.r - 1.0,
            "as wide as the dot: {:?}",
            boxes[0]
        );
        assert!(
            x0 < dot.points[0].0 && dot.points[0].0 < x1,
            "centred on it"
        );
        // From the upper bound 12 to the lower bound 9: three times the mean's distance to 9.
        let to_bottom = y1 - dot.points[0].1;
        assert!(
            to_bottom > 0.0 && ((y1 - y0) - 3.0 * to_bottom).abs() < 2.0,
            "{:?}",
            boxes[0]
        );
        assert!(
            svg.shapes
                .iter()
                .all(|s| !(s.kind == "polygon" && s.fill == ORANGE)),
            "no polygon of no width"
        );
    }

    #[test]
    fn band_is_shaded_between_its_bounds_behind_the_line() {
        let svg = chart_svg();
        let bands = svg.in_colour("polygon", BLUE);
        assert_eq!(bands.len(), 1, "only alpha has a band: {bands:?}");
        let band = bands[0];
        assert!(band.opacity > 0.0 && band.opacity < 0.5, "{band:?}");
        // Upper bounds left to right, then lower bounds right to left.
        let expected = [
            (0.0, 1.0),
            (5.0, 6.0),
            (10.0, 11.0),
            (10.0, 9.0),
            (5.0, 4.0),
            (0.0, -1.0),
        ];
        assert_eq!(band.points.len(), expected.len(), "{band:?}");
        for (point, value) in band.points.iter().zip(expected) {
            assert_near(*point, pixel(&svg, value));
        }
        let band_at = svg.shapes.iter().position(|s| s == band).unwrap();
        let line_at = svg
            .shapes
            .iter()
            .position(|s| s.kind == "polyline" && s.stroke == BLUE);
        assert!(band_at < line_at.unwrap(), "the band hides the line");
    }

    #[test]
    fn legend_names_each_series_beside_a_swatch_of_its_colour_right_of_the_plot() {
        let svg = chart_svg();
        let plot_right = svg.x_tick("10");
        let plot_edge = x_axis_end(&svg);
        let entries = ["alpha", "beta", "shaded: 95% interval"].map(|l| svg.text(l).clone());
        for pair in entries.windows(2) {
            assert!(
                pair[1].y > pair[0].y + pair[0].size,
                "{pair:?} overlap or out of order"
            );
            assert_eq!(pair[1].x, pair[0].x, "{pair:?} not aligned");
        }
        // Aligned with the top of the plotting area (the y axis line), not the top of the image.
        let axis_top = svg
            .shapes("polyline")
            .into_iter()
            .filter(|s| s.stroke == "#3C3C3C" && s.points[0].0 == s.points[1].0)
            .map(|s| s.points[0].1.min(s.points[1].1))
            .fold(f64::MAX, f64::min);
        // Half a row below it, as every entry is half a row below its row's top.
        let row = entries[1].y - entries[0].y;
        assert_eq!(
            entries[0].y - axis_top,
            (row / 2.0).floor(),
            "{entries:?} vs {axis_top}"
        );
        for (entry, colour) in entries.iter().zip([BLUE, ORANGE]) {
            assert!(entry.x > plot_right && entry.anchor == "start", "{entry:?}");
            let swatch: Vec<_> = svg
                .in_colour("polyline", colour)
                .into_iter()
                .filter(|s| s.points.iter().all(|p| p.1 == entry.y))
                .collect();
            assert_eq!(
                swatch.len(),
                1,
                "{} has no swatch on its line",
                entry.content
            );
            let (x0, x1) = (swatch[0].points[0].0, swatch[0].points[1].0);
            assert!(plot_right < x0 && x0 < x1 && x1 < entry.x, "{swatch:?}");
            // The legend column keeps clear of the plot's right edge.
            assert!(
                x0 - plot_edge >= 16.0,
                "{swatch:?} crowds the plot ending at {plot_edge}"
            );
            assert!(swatch[0].stroke_width >= 3.0, "{swatch:?}");
        }
        // The band's swatch: a translucent box around the note's line.
        let note = &entries[2];
        let boxes: Vec<_> = svg
            .shapes("rect")
            .into_iter()
            .filter(|r| r.opacity < 1.0 && r.points[0].1 < note.y && note.y < r.points[1].1)
            .collect();
        assert_eq!(boxes.len(), 1, "{boxes:?}");
        assert!(boxes[0].points[1].0 < note.x && boxes[0].points[0].0 > plot_right);
    }

    #[test]
    fn title_and_axis_labels_sit_outside_the_plot() {
        let svg = chart_svg();
        let gap = f64::from(
            ChartStyle::new("t", "x", "y", "u")
                .with_size(900, 560)
                .metrics()
                .gap,
        );
        let title = svg.text("Two lines");
        assert!(title.bold && title.anchor == "middle" && !title.rotated);
        assert_eq!(title.x, 450.0, "the title is centred on the image");
        assert_eq!(title.y, gap, "the title keeps a margin from the top edge");
        // The plot starts a gap and a half below the title's line.
        let line = (title.size * 1.24 * 1.25).round();
        let below_title = plot_top(&svg) - (title.y + line);
        assert!(
            below_title > gap && below_title <= 2.0 * gap,
            "{below_title} below the title"
        );
        // The x label below the x tick labels, with room between them.
        let x_label = svg.text("time (steps)");
        let tick = svg
            .all("0")
            .into_iter()
            .find(|t| t.anchor == "middle")
            .unwrap();
        assert!(
            tick.y + tick.size + gap / 2.0 <= x_label.y - x_label.size,
            "{tick:?} vs {x_label:?}"
        );
        assert!(x_label.y <= 560.0);
        // Close enough to read as the axis' label, with a gap or more of clear space.
        let clear = x_label.y - x_label.size - (tick.y + tick.size);
        assert!(
            clear >= gap && clear <= 3.0 * gap,
            "{clear} between tick and axis labels"
        );
        // The plot keeps most of the image: labels take only the room they need.
        let (x0, x1) = (x_axis_start(&svg), x_axis_end(&svg));
        assert!(x1 - x0 >= 0.6 * 900.0, "the plot is {} wide", x1 - x0);
        let x_axis_y = svg
            .in_colour("polyline", "#3C3C3C")
            .into_iter()
            .find(|s| s.points[0].1 == s.points[1].1 && s.points[0].0 == x0)
            .unwrap()
            .points[0]
            .1;
        let height = x_axis_y - plot_top(&svg);
        assert!(height >= 0.6 * 560.0, "the plot is {height} high");
        // The rotated y label left of the y tick labels, clear of them and of the image edge.
        let y_label = svg.text("share");
        assert!(y_label.rotated && y_label.x >= gap / 2.0, "{y_label:?}");
        let ten = svg
            .all("10")
            .into_iter()
            .find(|t| t.anchor == "end")
            .unwrap();
        let y_ticks_left = ten.x - crate::svg_check::printed_width(ten);
        assert!(
            y_label.x + y_label.size + gap / 2.0 <= y_ticks_left,
            "{y_label:?}"
        );
    }

    #[test]
    fn a_lone_point_between_gaps_is_drawn_as_a_dot_and_lines_break_at_gaps() {
        let nan = f64::NAN;
        let series = [Series::new(
            "gappy",
            vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0],
            vec![0.0, 2.0, nan, 6.0, nan, 10.0],
        )];
        let style = ChartStyle::new("Gaps", "t", "y", "unused").with_size(900, 560);
        let data = SeriesPlot::new(&series, &style).unwrap();
        let svg = draw(&TimeSeriesChart { data }, &style);
        let lines = data_lines(&svg, BLUE);
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert_eq!(lines[0].points.len(), 2);
        let dots = svg.in_colour("circle", BLUE);
        assert_eq!(dots.len(), 2, "{dots:?}");
        for (dot, value) in dots.iter().zip([6.0, 10.0]) {
            assert_near(dot.points[0], pixel(&svg, (value, value)));
            assert!(dot.r >= 4.0, "{dot:?}");
        }
    }
}
