//! The forest plot: one labelled row per effect, a point estimate with its confidence interval,
//! a vertical zero line, and the numbers printed in a column on the right.
//!
//! Owns only this chart's drawing: the row layout, the intervals and the numbers column.
//! It does not compute effects or intervals: callers do.

use std::path::PathBuf;

use plotters::chart::ChartContext;
use plotters::coord::Shift;
use plotters::prelude::{Color, DrawingArea, DrawingBackend, PathElement, RGBColor, Rectangle};
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::axis::{
    Axis, Padding, Ticked, Values, axis_or_error, finite_extent, format_number, format_value,
};
use crate::error::PlotError;
use crate::marks::{Marker, draw_error_bar, draw_marker};
use crate::render::{
    Canvas, Chart, DARK_GREY, DrawResult, Frame, Grid, XyCoord, bold_text, build_chart, draw_axes,
    fit_label, label_room, render, text, widest_text,
};
use crate::style::{ChartStyle, Metrics, series_color};

/// The header of the numbers column.
const HEADER: &str = "estimate [95% CI]";
/// The header when no row has an interval (one replication, say): it promises none.
const HEADER_NO_CI: &str = "estimate";

/// Room above the plotting area for the header of the numbers column.
fn header_room(metrics: &Metrics) -> i32 {
    (metrics.tick * 1.8).round() as i32
}

/// One row of a forest plot: an effect estimate with its confidence interval.
///
/// Rows whose effect is not finite show their label and "n/a"; interval bounds that are not
/// finite are left out.
#[derive(Debug, Clone, PartialEq)]
pub struct ForestRow {
    /// The row label, printed left of the plot (for example a parameter or a subgroup).
    pub label: String,
    /// The point estimate.
    pub effect: f64,
    /// The lower end of the confidence interval.
    pub ci_low: f64,
    /// The upper end of the confidence interval.
    pub ci_high: f64,
}

impl ForestRow {
    /// A row with a label, an estimate and its interval.
    pub fn new(label: impl Into<String>, effect: f64, ci_low: f64, ci_high: f64) -> Self {
        ForestRow {
            label: label.into(),
            effect,
            ci_low,
            ci_high,
        }
    }

    /// The interval as (low, high) when both bounds are finite.
    fn interval(&self) -> Option<(f64, f64)> {
        let (a, b) = (self.ci_low, self.ci_high);
        (a.is_finite() && b.is_finite()).then(|| (a.min(b), a.max(b)))
    }
}

/// Draws `rows` top to bottom as a forest plot into `<stem>.png` and `<stem>.svg`.
///
/// The x axis (`style.x_label`, for example "difference in share contributing (percentage
/// points)") always includes zero, marked by a vertical line. Row labels are printed left of the
/// plot and "estimate [95% CI]" values right of it. `style.y_label` may be empty.
/// Returns the written paths (PNG first).
///
/// # Errors
///
/// `NoData` when there are no rows or no finite value; `InvalidSize`, `UnplottableRange`, `Io`
/// or `Drawing` otherwise.
pub fn forest_plot(rows: &[ForestRow], style: &ChartStyle) -> Result<Vec<PathBuf>, PlotError> {
    draw_rows(rows, None, style)
}

/// Draws `rows` top to bottom as a horizontal bar chart with confidence intervals into
/// `<stem>.png` and `<stem>.svg`: each bar runs from zero to the estimate, coloured by
/// `groups[i]` (an index into the colour-blind-safe palette, e.g. 0 for first-order and 1 for
/// total sensitivity indices), with the interval drawn over it. Otherwise as [`forest_plot`]:
/// labels on the left, "estimate [95% CI]" on the right.
///
/// # Errors
///
/// As [`forest_plot`]; `groups` shorter than `rows` colours the rest with the first colour.
pub fn bar_chart(
    rows: &[ForestRow],
    groups: &[usize],
    style: &ChartStyle,
) -> Result<Vec<PathBuf>, PlotError> {
    draw_rows(rows, Some(groups), style)
}

/// The x axis both row charts share (always including zero), then the drawing.
fn draw_rows(
    rows: &[ForestRow],
    bars: Option<&[usize]>,
    style: &ChartStyle,
) -> Result<Vec<PathBuf>, PlotError> {
    let values = rows.iter().flat_map(|r| [r.effect, r.ci_low, r.ci_high]);
    let (min, max) = finite_extent(values).ok_or_else(|| PlotError::NoData {
        title: style.title.clone(),
    })?;
    let x = axis_or_error(
        (min.min(0.0), max.max(0.0)),
        style.x_tick_target().min(7),
        (Padding::Both, Values::Real),
        &style.title,
        "x",
    )?;
    render(&ForestChart { rows, x, bars }, style)
}

/// Validated forest-plot data with its x axis.
struct ForestChart<'a> {
    rows: &'a [ForestRow],
    x: Axis,
    /// Bars from zero, coloured by group (`bar_chart`), instead of square markers.
    bars: Option<&'a [usize]>,
}

impl ForestChart<'_> {
    /// The header of the numbers column: it names the interval only when some row has one.
    fn header(&self) -> &'static str {
        if self.rows.iter().any(|r| r.interval().is_some()) {
            HEADER
        } else {
            HEADER_NO_CI
        }
    }

    /// The "estimate [low, high]" text of a row.
    fn estimate_text(&self, row: &ForestRow) -> String {
        let decimals = (self.x.decimals + 1).min(6);
        if !row.effect.is_finite() {
            return "n/a".to_string();
        }
        let effect = format_value(row.effect, decimals);
        match row.interval() {
            Some((low, high)) => format!(
                "{effect} [{}, {}]",
                format_value(low, decimals),
                format_value(high, decimals)
            ),
            None => effect,
        }
    }
}

/// Where the rows go and how large their marks are.
///
/// Row i is drawn at y = count - 1 - i, so that the first row is at the top.
struct RowLayout {
    count: usize,
    /// Only every `stride`-th row is labelled, so that labels never overlap.
    stride: usize,
    marker_radius: i32,
    line_width: u32,
}

impl RowLayout {
    /// The layout of `count` rows that share `height` pixels.
    fn new(count: usize, height: f64, metrics: &Metrics) -> Self {
        // With many rows, markers and lines shrink to the row height.
        let row_pixels = (height / count as f64).max(1.0);
        RowLayout {
            count,
            stride: ((metrics.tick * 1.1 / row_pixels).ceil() as usize).max(1),
            marker_radius: (metrics.marker + 2).min((row_pixels * 0.35) as i32).max(2),
            line_width: metrics.line_width.min((row_pixels / 4.0) as u32).max(1),
        }
    }

    /// The y position of row `i`.
    fn y(&self, i: usize) -> f64 {
        (self.count - 1 - i) as f64
    }

    /// Whether row `i` gets its label and numbers printed.
    fn labelled(&self, i: usize) -> bool {
        i.is_multiple_of(self.stride)
    }

    /// The y axis: one tick per labelled row.
    fn y_axis(&self) -> Ticked {
        let ticks = (0..self.count)
            .filter(|i| self.labelled(*i))
            .map(|i| self.y(i))
            .collect();
        Ticked::new(-0.6, self.count as f64 - 0.4, ticks)
    }
}

impl Chart for ForestChart<'_> {
    fn draw<DB: DrawingBackend>(&self, canvas: &Canvas<'_, DB>) -> DrawResult {
        let (body, style, metrics) = (&canvas.body, canvas.style, &canvas.metrics);
        let (body_width, _) = body.dim_in_pixel();
        let tick_font = text(metrics.tick);

        // Right column: the numbers.
        let estimates: Vec<String> = self.rows.iter().map(|r| self.estimate_text(r)).collect();
        let header_width = body
            .estimate_text_size(self.header(), &bold_text(metrics.tick))?
            .0;
        let column_width = widest_text(body, &estimates, &tick_font)?.max(header_width);
        let column_width = (column_width + 3 * metrics.gap as u32).min(body_width * 30 / 100);
        let (plot, column) = body.split_horizontally(body_width - column_width);

        // Left: the row labels, shortened only if they would take more than half the width
        // (callers size the chart so that their labels fit).
        let max_label = body_width * 50 / 100;
        let labels = self
            .rows
            .iter()
            .map(|row| fit_label(&plot, &row.label, &tick_font, max_label))
            .collect::<DrawResult<Vec<String>>>()?;
        let header_room = header_room(metrics);
        let frame = Frame {
            top: metrics.gap + header_room,
            right: 2 * metrics.gap,
            left: widest_text(&plot, &labels, &tick_font)?
                + label_room(&style.y_label, 1.3, metrics)
                + 2 * metrics.gap as u32,
            bottom: (metrics.tick * 1.2 + metrics.axis * 1.4).round() as u32
                + 2 * metrics.gap as u32,
        };
        let (_, plot_height) = plot.dim_in_pixel();
        let rows_height = f64::from(plot_height) - f64::from(frame.bottom) - f64::from(header_room);
        let rows = RowLayout::new(self.rows.len(), rows_height, metrics);

        let x = Ticked::from(&self.x);
        let mut chart = build_chart(&plot, &frame, (x, rows.y_axis()), metrics)?;
        // Before the grid, so that the grid lines stay visible on shaded rows.
        self.shade_rows(&mut chart, &rows)?;
        let x_format = |v: &f64| format_number(*v, self.x.decimals);
        let y_format = |v: &f64| {
            let position = v.round();
            if position < 0.0 || position >= rows.count as f64 {
                return String::new();
            }
            labels[rows.count - 1 - position as usize].clone()
        };
        draw_axes(
            &mut chart,
            (&x_format, &y_format),
            Grid::Vertical,
            style,
            metrics,
        )?;

        self.draw_rows(canvas.root, &chart, &rows)?;
        self.draw_numbers(canvas, &chart, &rows, &column, &estimates)
    }
}

impl ForestChart<'_> {
    /// Shades every other row, so that long rows are easy to follow.
    fn shade_rows<DB: DrawingBackend>(
        &self,
        chart: &mut ChartContext<'_, DB, XyCoord>,
        rows: &RowLayout,
    ) -> DrawResult {
        let shade = RGBColor(243, 243, 243).filled();
        chart.draw_series((0..rows.count).step_by(2).map(|i| {
            let y = rows.y(i);
            Rectangle::new([(self.x.lo, y - 0.5), (self.x.hi, y + 0.5)], shade)
        }))?;
        Ok(())
    }

    /// Draws the zero line, then each row's interval and estimate.
    fn draw_rows<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        chart: &ChartContext<'_, DB, XyCoord>,
        rows: &RowLayout,
    ) -> DrawResult {
        let (_, plot_y) = chart.plotting_area().get_pixel_range();
        let (zero_x, _) = chart.backend_coord(&(0.0, 0.0));
        root.draw(&PathElement::new(
            vec![(zero_x, plot_y.start), (zero_x, plot_y.end)],
            DARK_GREY.stroke_width(2),
        ))?;

        let color = series_color(0);
        let cap = (0, rows.marker_radius);
        for (i, row) in self.rows.iter().enumerate() {
            let y = rows.y(i);
            if let Some(groups) = self.bars {
                if row.effect.is_finite() {
                    let fill = series_color(groups.get(i).copied().unwrap_or(0));
                    let corners = [
                        chart.backend_coord(&(0.0, y - 0.32)),
                        chart.backend_coord(&(row.effect, y + 0.32)),
                    ];
                    root.draw(&Rectangle::new(corners, fill.mix(0.75).filled()))?;
                }
                if let Some((low, high)) = row.interval() {
                    let ends = (
                        chart.backend_coord(&(low, y)),
                        chart.backend_coord(&(high, y)),
                    );
                    draw_error_bar(root, ends, cap, DARK_GREY.stroke_width(rows.line_width))?;
                }
                continue;
            }
            if let Some((low, high)) = row.interval() {
                let ends = (
                    chart.backend_coord(&(low, y)),
                    chart.backend_coord(&(high, y)),
                );
                draw_error_bar(root, ends, cap, color.stroke_width(rows.line_width))?;
            }
            if row.effect.is_finite() {
                let at = chart.backend_coord(&(row.effect, y));
                draw_marker(root, at, Marker::Square, color, rows.marker_radius)?;
            }
        }
        Ok(())
    }

    /// Draws the `estimates` in `column`, aligned with the labelled rows, under their header.
    fn draw_numbers<DB: DrawingBackend>(
        &self,
        canvas: &Canvas<'_, DB>,
        chart: &ChartContext<'_, DB, XyCoord>,
        rows: &RowLayout,
        column: &DrawingArea<DB, Shift>,
        estimates: &[String],
    ) -> DrawResult {
        let (root, metrics) = (canvas.root, &canvas.metrics);
        let (column_x, column_y) = column.get_pixel_range();
        let left_x = column_x.start + metrics.gap;
        let left_centre = Pos::new(HPos::Left, VPos::Center);
        let (_, plot_y) = chart.plotting_area().get_pixel_range();
        let header_y = plot_y.start - header_room(metrics) / 2;
        root.draw_text(
            self.header(),
            &bold_text(metrics.tick).pos(left_centre),
            (left_x, header_y.max(column_y.start)),
        )?;
        let labelled = estimates.iter().enumerate();
        for (i, estimate) in labelled.filter(|(i, _)| rows.labelled(*i)) {
            let (_, py) = chart.backend_coord(&(self.x.lo, rows.y(i)));
            root.draw_text(estimate, &text(metrics.tick).pos(left_centre), (left_x, py))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::svg_check::{Shape, Svg, printed_width, read, text_width};

    /// A chart of `rows` over an axis with ticks every 0.5 (one decimal).
    fn chart(rows: &[ForestRow]) -> ForestChart<'_> {
        ForestChart {
            rows,
            x: Axis {
                lo: -1.0,
                hi: 2.0,
                ticks: vec![-1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0],
                decimals: 1,
            },
            bars: None,
        }
    }

    #[test]
    fn estimates_print_one_decimal_more_than_the_axis() {
        let rows = [ForestRow::new("a", 0.8, 1.1, 0.5)];
        // Bounds given the wrong way round still print low before high.
        assert_eq!(chart(&rows).estimate_text(&rows[0]), "0.80 [0.50, 1.10]");
    }

    #[test]
    fn small_estimates_and_bounds_that_are_not_zero_never_print_as_zero() {
        // 0.004 with two decimals would read "0.00", a difference of exactly 0.
        let rows = [ForestRow::new("a", 0.004, -0.3, -0.0004)];
        assert_eq!(
            chart(&rows).estimate_text(&rows[0]),
            "4.0e-3 [-0.30, -4.0e-4]"
        );
        let rows = [ForestRow::new("b", 0.0, -0.3, 0.3)];
        assert_eq!(chart(&rows).estimate_text(&rows[0]), "0.00 [-0.30, 0.30]");
    }

    #[test]
    fn interval_with_a_missing_bound_is_left_out() {
        let rows = [
            ForestRow::new("no low", 0.8, f64::NAN, 1.1),
            ForestRow::new("no high", 0.8, 0.5, f64::INFINITY),
        ];
        let chart = chart(&rows);
        assert_eq!(rows[0].interval(), None);
        assert_eq!(rows[1].interval(), None);
        assert_eq!(chart.estimate_text(&rows[0]), "0.80");
        assert_eq!(chart.header(), "estimate");
    }

    #[test]
    fn row_without_a_finite_estimate_prints_na() {
        let rows = [ForestRow::new("a", f64::NAN, 0.5, 1.1)];
        assert_eq!(chart(&rows).estimate_text(&rows[0]), "n/a");
        assert_eq!(chart(&rows).header(), "estimate [95% CI]");
    }

    const BLUE: &str = "#0072B2";
    const ORANGE: &str = "#E69F00";
    const DARK: &str = "#3C3C3C";

    fn rows() -> [ForestRow; 3] {
        [
            ForestRow::new("reward", 0.8, 0.5, 1.1),
            ForestRow::new("group size", -0.4, -0.7, -0.1),
            ForestRow::new("unknown", f64::NAN, 0.2, 0.6),
        ]
    }

    /// Draws `rows` as a forest plot (`bars: None`) or bar chart and reads back the SVG.
    fn drawn(rows: &[ForestRow], bars: Option<&[usize]>) -> Svg {
        let dir = tempfile::tempdir().unwrap();
        let style = ChartStyle::new("Effects", "difference (points)", "", dir.path().join("f"))
            .with_size(900, 560);
        let written = match bars {
            None => forest_plot(rows, &style),
            Some(groups) => bar_chart(rows, groups, &style),
        };
        read(&written.unwrap()[1])
    }

    /// The pixel x of effect `v`, read off the x tick labels "0.0" and "1.0".
    fn x_of(svg: &Svg, v: f64) -> f64 {
        let (zero, one) = (svg.x_tick("0.0"), svg.x_tick("1.0"));
        zero + (one - zero) * v
    }

    /// The horizontal lines of `colour` at height `y`, longer than `min_length` pixels.
    fn horizontal<'a>(svg: &'a Svg, colour: &str, y: f64, min_length: f64) -> Vec<&'a Shape> {
        svg.in_colour("polyline", colour)
            .into_iter()
            .filter(|s| s.points.len() == 2 && s.points.iter().all(|p| p.1 == y))
            .filter(|s| (s.points[1].0 - s.points[0].0).abs() > min_length)
            .collect()
    }

    #[test]
    fn each_row_shows_its_label_estimate_interval_and_marker_on_one_line() {
        let svg = drawn(&rows(), None);
        let expected = [
            ("reward", "0.80 [0.50, 1.10]"),
            ("group size", "-0.40 [-0.70, -0.10]"),
            ("unknown", "n/a"),
        ];
        let header = svg.text("estimate [95% CI]");
        assert!(header.bold);
        let header_right = header.x + text_width(&header.content, header.size * 1.24);
        assert!(header_right <= 900.0, "the header runs past the right edge");
        let mut previous_y = header.y;
        for (label, estimate) in expected {
            let (label, estimate) = (svg.text(label), svg.text(estimate));
            assert_eq!(estimate.y, label.y, "{estimate:?} beside {label:?}");
            assert!(
                label.y > previous_y,
                "{label:?} above the row before it or the header"
            );
            previous_y = label.y;
            assert_eq!(
                (label.anchor.as_str(), estimate.anchor.as_str()),
                ("end", "start")
            );
            assert!(
                label.x < svg.x_tick("-0.5"),
                "{label:?} is not left of the plot"
            );
            assert!(
                estimate.x > svg.x_tick("1.0"),
                "{estimate:?} is not right of the plot"
            );
            assert_eq!(
                estimate.x, header.x,
                "numbers and header are not one column"
            );
            let right = estimate.x + text_width(&estimate.content, estimate.size * 1.24);
            assert!(
                right <= 900.0,
                "{estimate:?} runs past the right edge to {right}"
            );
            let left = label.x - text_width(&label.content, label.size * 1.24);
            assert!(left >= 0.0, "{label:?} starts left of the image at {left}");
        }
        // Intervals from low to high with caps, squares at the estimates.
        for row in &rows()[..2] {
            let y = svg.text(&row.label).y;
            let lines = horizontal(&svg, BLUE, y, 5.0);
            assert_eq!(lines.len(), 1, "{}: {lines:?}", row.label);
            let (a, b) = (lines[0].points[0].0, lines[0].points[1].0);
            assert!(
                (a.min(b) - x_of(&svg, row.ci_low)).abs() <= 1.5,
                "{}",
                row.label
            );
            assert!(
                (a.max(b) - x_of(&svg, row.ci_high)).abs() <= 1.5,
                "{}",
                row.label
            );
            for end in [a, b] {
                let caps = svg.in_colour("polyline", BLUE).into_iter().filter(|s| {
                    s.points.iter().all(|p| p.0 == end) && s.points[0].1 < y && s.points[1].1 > y
                });
                assert_eq!(caps.count(), 1, "{}: no cap at x = {end}", row.label);
            }
            let squares: Vec<_> = svg
                .in_colour("rect", BLUE)
                .into_iter()
                .filter(|r| r.covers((x_of(&svg, row.effect), y)))
                .collect();
            assert_eq!(squares.len(), 1, "{}: {squares:?}", row.label);
            let [(x0, y0), (x1, y1)] = [squares[0].points[0], squares[0].points[1]];
            assert!(((x0 + x1) / 2.0 - x_of(&svg, row.effect)).abs() <= 1.5);
            assert!(((y0 + y1) / 2.0 - y).abs() <= 1.5 && y1 - y0 >= 6.0);
        }
        // The row without an estimate has its interval but no square.
        let y = svg.text("unknown").y;
        assert_eq!(horizontal(&svg, BLUE, y, 5.0).len(), 1);
        assert!(
            svg.in_colour("rect", BLUE)
                .iter()
                .all(|r| !(r.points[0].1 < y && y < r.points[1].1))
        );
    }

    #[test]
    fn zero_line_runs_the_height_of_the_plot_at_zero() {
        let svg = drawn(&rows(), None);
        let zero = svg.x_tick("0.0");
        let lines: Vec<_> = svg
            .in_colour("polyline", DARK)
            .into_iter()
            .filter(|s| s.points.iter().all(|p| (p.0 - zero).abs() <= 1.0))
            .filter(|s| (s.points[1].1 - s.points[0].1).abs() > 100.0)
            .collect();
        assert_eq!(lines.len(), 1, "{lines:?}");
        let (top, bottom) = (lines[0].points[0].1, lines[0].points[1].1);
        assert!(top < svg.text("reward").y && bottom > svg.text("unknown").y);
        assert!(
            bottom < svg.text("0.0").y,
            "the zero line runs into the tick labels"
        );
        // Light vertical grid lines at the x ticks help read the effects; rows need none.
        let grid = svg.in_colour("line", "#DADADA");
        assert_eq!(grid.len(), 4, "{grid:?}");
        for label in ["-0.5", "0.0", "0.5", "1.0"] {
            let x = svg.x_tick(label);
            assert!(
                grid.iter().any(|l| l.points.iter().all(|p| p.0 == x)),
                "no grid at {label}"
            );
        }
    }

    #[test]
    fn every_other_row_is_shaded_across_the_plot() {
        let svg = drawn(&rows(), None);
        let shaded = |label: &str| {
            let t = svg.text(label);
            let x = svg.x_tick("0.5");
            svg.shapes("rect")
                .into_iter()
                .any(|r| r.fill == "#F3F3F3" && r.covers((x, t.y)))
        };
        assert!(shaded("reward") && !shaded("group size") && shaded("unknown"));
        let band = svg
            .shapes("rect")
            .into_iter()
            .find(|r| r.fill == "#F3F3F3")
            .unwrap();
        let height = band.points[1].1 - band.points[0].1;
        let spacing = svg.text("group size").y - svg.text("reward").y;
        assert!(
            (height - spacing).abs() <= 2.0,
            "{band:?} is not one row high"
        );
    }

    #[test]
    fn bars_run_from_zero_to_the_estimate_in_their_group_colour() {
        let groups = [1, 0];
        let svg = drawn(&rows(), Some(&groups));
        for (row, colour) in rows()[..2].iter().zip([ORANGE, BLUE]) {
            let y = svg.text(&row.label).y;
            let bars: Vec<_> = svg
                .in_colour("rect", colour)
                .into_iter()
                .filter(|r| r.opacity < 1.0 && r.points[0].1 < y && y < r.points[1].1)
                .collect();
            assert_eq!(bars.len(), 1, "{}: {bars:?}", row.label);
            let [(x0, y0), (x1, y1)] = [bars[0].points[0], bars[0].points[1]];
            let (from, to) = (x_of(&svg, 0.0), x_of(&svg, row.effect));
            assert!((x0 - from.min(to)).abs() <= 1.5 && (x1 - from.max(to)).abs() <= 1.5);
            assert!(((y0 + y1) / 2.0 - y).abs() <= 1.5);
            // Shorter than a row, so that neighbouring bars stay apart.
            assert!(y1 - y0 < svg.text("group size").y - svg.text("reward").y);
            // The interval is drawn over the bar in dark grey, not in the bar's colour.
            assert_eq!(horizontal(&svg, DARK, y, 5.0).len(), 1, "{}", row.label);
            assert!(horizontal(&svg, colour, y, 5.0).is_empty());
        }
        // The third row has no group: it takes the first colour, but has no estimate to draw.
        let y = svg.text("unknown").y;
        assert!(
            svg.shapes("rect")
                .iter()
                .all(|r| r.opacity == 1.0 || !(r.points[0].1 < y && y < r.points[1].1))
        );
    }

    #[test]
    fn many_rows_label_only_rows_that_do_not_overlap_and_shrink_their_marks() {
        let rows: Vec<ForestRow> = (0..60)
            .map(|i| {
                let v = f64::from(i);
                ForestRow::new(format!("row {i}"), v, v - 1.0, v + 1.0)
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let style = ChartStyle::new("Many", "effect", "", dir.path().join("m")).with_size(480, 300);
        let svg = read(&forest_plot(&rows, &style).unwrap()[1]);
        let labels: Vec<_> = svg
            .texts
            .iter()
            .filter(|t| t.content.starts_with("row "))
            .collect();
        assert!(
            labels.len() > 1 && labels.len() < 60,
            "{} labels",
            labels.len()
        );
        assert_eq!(
            labels[0].content, "row 0",
            "the first row is at the top and labelled"
        );
        for pair in labels.windows(2) {
            // At least 1.1 type sizes apart (plotters sizes are 1.24 times the SVG ones).
            let apart = pair[1].y - pair[0].y;
            assert!(apart >= 1.3 * pair[0].size, "{pair:?} crowd");
        }
        let stride: usize = labels[1].content["row ".len()..].parse().unwrap();
        for (k, label) in labels.iter().enumerate() {
            assert_eq!(
                label.content,
                format!("row {}", k * stride),
                "labels skip unevenly"
            );
            let i = (k * stride) as f64;
            let estimate = format!("{i:.1} [{:.1}, {:.1}]", i - 1.0, i + 1.0);
            assert_eq!(svg.text(&estimate).y, label.y, "{estimate}");
        }
        // Squares and intervals shrink to the row height (squares down to 4 pixels, the smallest
        // that still reads as a square), so that rows stay apart.
        let row_pitch = (labels[1].y - labels[0].y) / stride as f64;
        let squares = svg.in_colour("rect", BLUE);
        assert_eq!(squares.len(), 60);
        for square in squares {
            let height = square.points[1].1 - square.points[0].1;
            assert!(
                height >= 3.0 && height <= row_pitch.max(4.0),
                "{square:?} vs rows {row_pitch} apart"
            );
        }
        let widths = svg
            .in_colour("polyline", BLUE)
            .into_iter()
            .map(|s| s.stroke_width);
        assert!(
            widths.clone().all(|w| w >= 1.0 && w <= row_pitch / 2.0),
            "{:?}",
            widths.collect::<Vec<_>>()
        );
    }

    /// The top and bottom of the plotting area: the ends of the zero line.
    fn plot_top_bottom(svg: &Svg) -> (f64, f64) {
        let zero = svg.x_tick("0.0");
        let line = svg
            .in_colour("polyline", DARK)
            .into_iter()
            .filter(|s| s.points.iter().all(|p| (p.0 - zero).abs() <= 1.0))
            .max_by(|a, b| {
                let length = |s: &Shape| s.points[1].1 - s.points[0].1;
                length(a).total_cmp(&length(b))
            })
            .unwrap();
        (line.points[0].1, line.points[1].1)
    }

    #[test]
    fn header_title_and_axis_labels_keep_clear_of_the_rows_and_each_other() {
        let dir = tempfile::tempdir().unwrap();
        let style = ChartStyle::new(
            "Effects",
            "difference (points)",
            "mechanism",
            dir.path().join("f"),
        )
        .with_size(900, 560);
        let svg = read(&forest_plot(&rows(), &style).unwrap()[1]);
        let (top, bottom) = plot_top_bottom(&svg);
        // The header sits wholly above the plotting area, below the title.
        let header = svg.text("estimate [95% CI]");
        let title = svg.text("Effects");
        assert!(
            header.y + header.size / 2.0 <= top,
            "{header:?} reaches into the plot at {top}"
        );
        assert!(
            header.y - header.size / 2.0 >= title.y + title.size,
            "{header:?} on the title"
        );
        // ... and just above the first row, not up by the title.
        assert!(
            header.y >= top - 2.0 * header.size,
            "{header:?} far above the plot at {top}"
        );
        // The rows fill the plot evenly: as much room above the first as below the last.
        let (first, last) = (svg.text("reward").y, svg.text("unknown").y);
        let pitch = svg.text("group size").y - first;
        assert!(
            ((first - top) - (bottom - last)).abs() <= 2.0,
            "{top} {first} {last} {bottom}"
        );
        assert!(
            (first - top - 0.6 * pitch).abs() <= 2.0,
            "{top} {first} {pitch}"
        );
        // The x axis label below the x tick labels, the rotated y label left of the row labels.
        svg.below("0.5", "difference (points)");
        let y_label = svg.text("mechanism");
        for label in ["reward", "group size", "unknown"] {
            let t = svg.text(label);
            let left = t.x - text_width(label, t.size * 1.24);
            assert!(
                left >= y_label.x + y_label.size,
                "{label} on the y axis label"
            );
        }
        // The numbers column is as wide as its widest number, with a margin either side.
        let gap = f64::from(style.metrics().gap);
        let widest = svg.text("-0.40 [-0.70, -0.10]");
        let right = (widest.x + printed_width(widest)).max(header.x + printed_width(header));
        assert!(
            900.0 - right >= gap && 900.0 - right <= 3.0 * gap,
            "right margin {}",
            900.0 - right
        );
        // The plotting area ends where the shading of the rows ends.
        let shading = svg
            .shapes("rect")
            .into_iter()
            .filter(|r| r.fill == "#F3F3F3");
        let plot_right = shading.map(|r| r.points[1].0).fold(f64::MIN, f64::max);
        assert!(
            widest.x - plot_right >= 2.0 * gap,
            "the numbers crowd the plot"
        );
    }

    #[test]
    fn long_labels_and_numbers_leave_the_plot_most_of_the_width() {
        let long = "a label much too long to print in full beside a plot of this size at all";
        let rows = [
            ForestRow::new(long, 123456.5, -234567.25, 345678.75),
            ForestRow::new("short", 1.0, 0.0, 2.0),
        ];
        let dir = tempfile::tempdir().unwrap();
        let style = ChartStyle::new("Effects", "x", "", dir.path().join("f")).with_size(900, 560);
        let svg = read(&forest_plot(&rows, &style).unwrap()[1]);
        // The label is shortened to half the width, and no more than needed.
        let label = svg
            .texts
            .iter()
            .find(|t| t.content.starts_with("a label"))
            .unwrap();
        assert!(label.content.ends_with('…'), "{label:?}");
        let width = text_width(&label.content, label.size * 1.24);
        assert!(width <= 450.0 && width > 400.0, "{label:?} is {width} wide");
        // The numbers take at most 30% of the width, even when they do not fit in it.
        let header = svg.text("estimate [95% CI]");
        assert!(header.x >= 900.0 * 0.7, "{header:?}");
    }
}
