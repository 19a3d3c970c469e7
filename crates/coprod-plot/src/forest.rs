//! The forest plot: one labelled row per effect, a point estimate with its confidence interval,
//! a vertical zero line, and the numbers printed in a column on the right.
//!
//! Owns only this chart's drawing. It does not compute effects or intervals: callers do.

use std::path::PathBuf;

use plotters::chart::ChartBuilder;
use plotters::coord::Shift;
use plotters::prelude::{Color, DrawingArea, DrawingBackend, PathElement, RGBColor, Rectangle};
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::PlotError;
use crate::render::{
    Axis, Chart, DARK_GREY, DrawResult, GRID_GREY, Marker, Padding, Ticked, axis_or_error,
    bold_text, draw_marker, draw_title, finite_extent, fit_label, format_number, render, text,
};
use crate::style::{ChartStyle, series_color};

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
    let values = rows.iter().flat_map(|r| [r.effect, r.ci_low, r.ci_high]);
    let (min, max) = finite_extent(values).ok_or_else(|| PlotError::NoData {
        title: style.title.clone(),
    })?;
    let x = axis_or_error(
        (min.min(0.0), max.max(0.0)),
        style.x_tick_target().min(7),
        Padding::Both,
        &style.title,
        "x",
    )?;
    render(&ForestChart { rows, x }, style)
}

/// Validated forest-plot data with its x axis.
struct ForestChart<'a> {
    rows: &'a [ForestRow],
    x: Axis,
}

impl ForestChart<'_> {
    /// The "estimate [low, high]" text of a row.
    fn estimate_text(&self, row: &ForestRow) -> String {
        let decimals = (self.x.decimals + 1).min(6);
        if !row.effect.is_finite() {
            return "n/a".to_string();
        }
        let effect = format_number(row.effect, decimals);
        match row.interval() {
            Some((low, high)) => format!(
                "{effect} [{}, {}]",
                format_number(low, decimals),
                format_number(high, decimals)
            ),
            None => effect,
        }
    }
}

impl Chart for ForestChart<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        style: &ChartStyle,
    ) -> DrawResult {
        let metrics = style.metrics();
        let body = draw_title(root, style, &metrics)?;
        let (body_width, _) = body.dim_in_pixel();
        let n = self.rows.len();
        let tick_font = text(metrics.tick);

        // Right column: the numbers.
        let header = "estimate [95% CI]";
        let header_font = bold_text(metrics.tick);
        let estimates: Vec<String> = self.rows.iter().map(|r| self.estimate_text(r)).collect();
        let mut column_width = body.estimate_text_size(header, &header_font)?.0;
        for estimate in &estimates {
            column_width = column_width.max(body.estimate_text_size(estimate, &tick_font)?.0);
        }
        let column_width = (column_width + 3 * metrics.gap as u32).min(body_width * 30 / 100);
        let (plot, column) = body.split_horizontally(body_width - column_width);

        // Left: the row labels, shortened if they would take more than 40% of the width.
        let max_label = body_width * 40 / 100;
        let mut labels = Vec::with_capacity(n);
        let mut widest = 0;
        for row in self.rows {
            let label = fit_label(&plot, &row.label, &tick_font, max_label)?;
            widest = widest.max(plot.estimate_text_size(&label, &tick_font)?.0);
            labels.push(label);
        }
        let axis_room = if style.y_label.is_empty() {
            0
        } else {
            (metrics.axis * 1.3).round() as u32
        };
        let left = widest + axis_room + 2 * metrics.gap as u32;
        let bottom =
            (metrics.tick * 1.2 + metrics.axis * 1.4).round() as u32 + 2 * metrics.gap as u32;
        let header_room = (metrics.tick * 1.8).round() as i32;

        // Row i is drawn at y = n - 1 - i, so that the first row is at the top.
        let row_y = |i: usize| (n - 1 - i) as f64;
        // With many rows, label only every `stride`-th row so that labels never overlap, and
        // shrink markers and lines to the row height.
        let (_, plot_height) = plot.dim_in_pixel();
        let rows_height = f64::from(plot_height) - f64::from(bottom) - f64::from(header_room);
        let row_pixels = (rows_height / n as f64).max(1.0);
        let stride = ((metrics.tick * 1.1 / row_pixels).ceil() as usize).max(1);
        let labelled = |i: usize| i.is_multiple_of(stride);
        let y_ticks: Vec<f64> = (0..n).filter(|i| labelled(*i)).map(row_y).collect();
        let marker_radius = (metrics.marker + 2).min((row_pixels * 0.35) as i32).max(2);
        let line_width = metrics.line_width.min((row_pixels / 4.0) as u32).max(1);
        let mut chart = ChartBuilder::on(&plot)
            .margin_top(metrics.gap + header_room)
            .margin_right(2 * metrics.gap)
            .margin_left(metrics.gap / 2)
            .x_label_area_size(bottom)
            .y_label_area_size(left)
            .build_cartesian_2d(
                Ticked::from(&self.x),
                Ticked::new(-0.6, n as f64 - 0.4, y_ticks),
            )?;
        // Shade every other row, before the grid, so that long rows are easy to follow.
        let shade = RGBColor(243, 243, 243).filled();
        chart.draw_series((0..n).step_by(2).map(|i| {
            let y = row_y(i);
            Rectangle::new([(self.x.lo, y - 0.5), (self.x.hi, y + 0.5)], shade)
        }))?;
        let x_format = |v: &f64| format_number(*v, self.x.decimals);
        let y_format = |v: &f64| {
            let position = v.round();
            if position < 0.0 || position >= n as f64 {
                return String::new();
            }
            labels[n - 1 - position as usize].clone()
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc(style.x_label.as_str())
            .y_desc(style.y_label.as_str())
            .axis_desc_style(text(metrics.axis))
            .label_style(text(metrics.tick))
            .x_label_formatter(&x_format)
            .y_label_formatter(&y_format)
            .bold_line_style(GRID_GREY.stroke_width(1))
            .axis_style(DARK_GREY.stroke_width(2))
            .set_all_tick_mark_size(metrics.gap / 2)
            .draw()?;

        let (_, plot_y) = chart.plotting_area().get_pixel_range();
        let (zero_x, _) = chart.backend_coord(&(0.0, 0.0));
        root.draw(&PathElement::new(
            vec![(zero_x, plot_y.start), (zero_x, plot_y.end)],
            DARK_GREY.stroke_width(2),
        ))?;

        let color = series_color(0);
        let cap = marker_radius;
        for (i, row) in self.rows.iter().enumerate() {
            let y = row_y(i);
            if let Some((low, high)) = row.interval() {
                let (x0, py) = chart.backend_coord(&(low, y));
                let (x1, _) = chart.backend_coord(&(high, y));
                let line = color.stroke_width(line_width);
                root.draw(&PathElement::new(vec![(x0, py), (x1, py)], line))?;
                root.draw(&PathElement::new(
                    vec![(x0, py - cap), (x0, py + cap)],
                    line,
                ))?;
                root.draw(&PathElement::new(
                    vec![(x1, py - cap), (x1, py + cap)],
                    line,
                ))?;
            }
            if row.effect.is_finite() {
                let at = chart.backend_coord(&(row.effect, y));
                draw_marker(root, at, Marker::Square, color, marker_radius)?;
            }
        }

        // The numbers column, aligned with the rows, under its header.
        let (column_x, column_y) = column.get_pixel_range();
        let left_x = column_x.start + metrics.gap;
        let header_y = plot_y.start - header_room / 2;
        root.draw_text(
            header,
            &header_font.pos(Pos::new(HPos::Left, VPos::Center)),
            (left_x, header_y.max(column_y.start)),
        )?;
        for (i, estimate) in estimates.iter().enumerate().filter(|(i, _)| labelled(*i)) {
            let (_, py) = chart.backend_coord(&(self.x.lo, row_y(i)));
            root.draw_text(
                estimate,
                &tick_font.pos(Pos::new(HPos::Left, VPos::Center)),
                (left_x, py),
            )?;
        }
        Ok(())
    }
}
