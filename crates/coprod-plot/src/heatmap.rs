//! The heatmap: a value over a grid of two swept parameters, coloured with viridis, with a
//! colour scale bar on the right and the value printed in each cell when the cells are large
//! enough to hold it.
//!
//! Owns only this chart's drawing. It does not run sweeps or aggregate replicates: callers do.

use std::path::PathBuf;

use plotters::chart::ChartBuilder;
use plotters::coord::Shift;
use plotters::prelude::{
    BLACK, Color, DrawingArea, DrawingBackend, FontTransform, PathElement, RGBColor, Rectangle,
    WHITE,
};
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::PlotError;
use crate::render::{
    Axis, Chart, DARK_GREY, DrawResult, Padding, Ticked, axis_or_error, decimals_to_distinguish,
    draw_title, finite_extent, format_number, render, text,
};
use crate::style::{ChartStyle, viridis};

/// A value over a grid of two parameters.
///
/// `values[row][column]` is the value at `y_values[row]` and `x_values[column]`.
/// Cells are drawn in the given order, evenly spaced, whatever the spacing of the values.
/// Non-finite values are drawn as light grey cells marked "n/a".
#[derive(Debug, Clone, PartialEq)]
pub struct Heatmap {
    /// Values of the parameter on the horizontal axis, one per column.
    pub x_values: Vec<f64>,
    /// Values of the parameter on the vertical axis, one per row (the first row is at the bottom).
    pub y_values: Vec<f64>,
    /// The cell values, one row of `x_values.len()` values per entry of `y_values`.
    pub values: Vec<Vec<f64>>,
    /// The label of the colour scale, with units (for example "share contributing").
    pub value_label: String,
}

impl Heatmap {
    /// Checks the shape of the grid.
    fn validate(&self, title: &str) -> Result<(), PlotError> {
        if self.x_values.is_empty() || self.y_values.is_empty() {
            return Err(PlotError::NoData {
                title: title.to_string(),
            });
        }
        let mismatch = |what: String, expected: usize, found: usize| PlotError::LengthMismatch {
            name: self.value_label.clone(),
            what,
            expected,
            found,
        };
        if self.values.len() != self.y_values.len() {
            return Err(mismatch(
                "rows of values".to_string(),
                self.y_values.len(),
                self.values.len(),
            ));
        }
        for (row, cells) in self.values.iter().enumerate() {
            if cells.len() != self.x_values.len() {
                return Err(mismatch(
                    format!("row {row} of values"),
                    self.x_values.len(),
                    cells.len(),
                ));
            }
        }
        Ok(())
    }
}

/// Draws `data` as a heatmap into `<stem>.png` and `<stem>.svg`.
///
/// Colours follow viridis (dark purple for the lowest value, yellow for the highest), which is
/// readable by colour-blind viewers and in grey scale. Returns the written paths (PNG first).
///
/// # Errors
///
/// `NoData` for an empty grid or one without any finite value, `LengthMismatch` when the rows
/// do not match the parameter values; `InvalidSize`, `UnplottableRange`, `Io` or `Drawing`
/// otherwise.
pub fn heatmap(data: &Heatmap, style: &ChartStyle) -> Result<Vec<PathBuf>, PlotError> {
    data.validate(&style.title)?;
    let extent =
        finite_extent(data.values.iter().flatten().copied()).ok_or_else(|| PlotError::NoData {
            title: style.title.clone(),
        })?;
    let scale = axis_or_error(extent, 6, Padding::ToTicks, &style.title, "colour")?;
    render(&HeatmapChart { data, scale }, style)
}

/// A validated heatmap with its colour scale.
struct HeatmapChart<'a> {
    data: &'a Heatmap,
    /// The colour scale: `lo` maps to the first viridis colour, `hi` to the last.
    scale: Axis,
}

impl HeatmapChart<'_> {
    /// The colour of a value, light grey for non-finite values.
    fn color(&self, value: f64) -> RGBColor {
        if !value.is_finite() {
            return RGBColor(215, 215, 215);
        }
        viridis((value - self.scale.lo) / (self.scale.hi - self.scale.lo))
    }
}

/// Every how-many-th label to print so that labels `width` pixels wide fit into `room` pixels.
fn label_stride(count: usize, width: u32, room: u32) -> usize {
    let fit = (room / width.max(1)).max(1) as usize;
    count.div_ceil(fit).max(1)
}

impl Chart for HeatmapChart<'_> {
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        style: &ChartStyle,
    ) -> DrawResult {
        let metrics = style.metrics();
        let body = draw_title(root, style, &metrics)?;
        let (body_width, body_height) = body.dim_in_pixel();
        let tick_font = text(metrics.tick);
        let data = self.data;
        let (nx, ny) = (data.x_values.len(), data.y_values.len());

        // Right column: the colour bar, its tick labels and its rotated label.
        let scale_labels: Vec<String> = self
            .scale
            .ticks
            .iter()
            .map(|t| format_number(*t, self.scale.decimals))
            .collect();
        let mut widest_scale = 0;
        for label in &scale_labels {
            widest_scale = widest_scale.max(body.estimate_text_size(label, &tick_font)?.0);
        }
        let bar_width = (metrics.tick * 1.5).round() as i32;
        let label_room = if data.value_label.is_empty() {
            0
        } else {
            (metrics.axis * 1.5).round() as i32
        };
        let column_width = (2 * metrics.gap
            + bar_width
            + metrics.gap / 2 * 3
            + widest_scale as i32
            + label_room
            + metrics.gap) as u32;
        let (plot, column) = body.split_horizontally(body_width.saturating_sub(column_width));

        // Axis labels: every value printed with just enough decimals to tell them apart.
        let x_decimals = decimals_to_distinguish(&data.x_values);
        let y_decimals = decimals_to_distinguish(&data.y_values);
        let x_labels: Vec<String> = data
            .x_values
            .iter()
            .map(|v| format_number(*v, x_decimals))
            .collect();
        let y_labels: Vec<String> = data
            .y_values
            .iter()
            .map(|v| format_number(*v, y_decimals))
            .collect();
        let mut widest_x = 0;
        for label in &x_labels {
            widest_x = widest_x.max(plot.estimate_text_size(label, &tick_font)?.0);
        }
        let mut widest_y = 0;
        for label in &y_labels {
            widest_y = widest_y.max(plot.estimate_text_size(label, &tick_font)?.0);
        }
        let (plot_width, _) = plot.dim_in_pixel();
        let axis_room = |label: &str| {
            if label.is_empty() {
                0
            } else {
                (metrics.axis * 1.4).round() as u32
            }
        };
        let left = widest_y + axis_room(&style.y_label) + 2 * metrics.gap as u32;
        let bottom = (metrics.tick * 1.2).round() as u32
            + axis_room(&style.x_label)
            + 2 * metrics.gap as u32;
        let x_stride = label_stride(
            nx,
            widest_x + 2 * metrics.gap as u32,
            plot_width.saturating_sub(left),
        );
        let row_height = (metrics.tick * 1.6).round() as u32;
        let y_stride = label_stride(ny, row_height, body_height.saturating_sub(bottom));
        let x_ticks: Vec<f64> = (0..nx).step_by(x_stride).map(|i| i as f64).collect();
        let y_ticks: Vec<f64> = (0..ny).step_by(y_stride).map(|i| i as f64).collect();

        let mut chart = ChartBuilder::on(&plot)
            .margin_top(metrics.gap)
            .margin_right(metrics.gap)
            .margin_left(metrics.gap / 2)
            .x_label_area_size(bottom)
            .y_label_area_size(left)
            .build_cartesian_2d(
                Ticked::new(-0.5, nx as f64 - 0.5, x_ticks),
                Ticked::new(-0.5, ny as f64 - 0.5, y_ticks),
            )?;
        let index_label = |labels: &[String], v: f64| {
            let i = v.round();
            if i >= 0.0 && (i as usize) < labels.len() {
                labels[i as usize].clone()
            } else {
                String::new()
            }
        };
        let x_format = |v: &f64| index_label(&x_labels, *v);
        let y_format = |v: &f64| index_label(&y_labels, *v);
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(style.x_label.as_str())
            .y_desc(style.y_label.as_str())
            .axis_desc_style(text(metrics.axis))
            .label_style(text(metrics.tick))
            .x_label_formatter(&x_format)
            .y_label_formatter(&y_format)
            .axis_style(DARK_GREY.stroke_width(2))
            .set_all_tick_mark_size(metrics.gap / 2)
            .draw()?;

        let cells = data.values.iter().enumerate().flat_map(|(row, cells)| {
            cells.iter().enumerate().map(move |(column, value)| {
                let (x, y) = (column as f64, row as f64);
                Rectangle::new(
                    [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                    self.color(*value).filled(),
                )
            })
        });
        chart.draw_series(cells)?;

        // Print each value in its cell when every cell has room for the widest value.
        let value_decimals = (self.scale.decimals + 1).min(6);
        let value_text = |v: f64| format_number(v, value_decimals);
        let (cell_left, cell_top) = chart.backend_coord(&(-0.5, ny as f64 - 0.5));
        let (cell_right, cell_bottom) = chart.backend_coord(&(nx as f64 - 0.5, -0.5));
        let cell_width = (cell_right - cell_left) / nx as i32;
        let cell_height = (cell_bottom - cell_top) / ny as i32;
        let mut widest_value = 0;
        for value in data.values.iter().flatten() {
            widest_value =
                widest_value.max(root.estimate_text_size(&value_text(*value), &tick_font)?.0);
        }
        let fits = widest_value as i32 + metrics.gap <= cell_width
            && (metrics.tick * 1.3) as i32 <= cell_height;
        if fits {
            for (row, cells) in data.values.iter().enumerate() {
                for (column, value) in cells.iter().enumerate() {
                    let at = chart.backend_coord(&(column as f64, row as f64));
                    let color = self.color(*value);
                    let luminance = 0.2126 * f64::from(color.0)
                        + 0.7152 * f64::from(color.1)
                        + 0.0722 * f64::from(color.2);
                    let ink = if luminance < 128.0 { WHITE } else { BLACK };
                    root.draw_text(
                        &value_text(*value),
                        &tick_font
                            .color(&ink)
                            .pos(Pos::new(HPos::Center, VPos::Center)),
                        at,
                    )?;
                }
            }
        }

        // The colour bar spans the height of the cells.
        let (column_x, _) = column.get_pixel_range();
        let bar_left = column_x.start + 2 * metrics.gap;
        let bar_right = bar_left + bar_width;
        let bar_span = (cell_bottom - cell_top).max(1);
        let slices = bar_span.min(200);
        for k in 0..slices {
            let y0 = cell_bottom - bar_span * k / slices;
            let y1 = cell_bottom - bar_span * (k + 1) / slices;
            let t = (f64::from(k) + 0.5) / f64::from(slices);
            root.draw(&Rectangle::new(
                [(bar_left, y1), (bar_right, y0)],
                viridis(t).filled(),
            ))?;
        }
        root.draw(&Rectangle::new(
            [(bar_left, cell_top), (bar_right, cell_bottom)],
            DARK_GREY.stroke_width(1),
        ))?;
        let tick_length = metrics.gap / 2;
        let to_bar_y = |v: f64| {
            let t = (v - self.scale.lo) / (self.scale.hi - self.scale.lo);
            cell_bottom - (t * f64::from(bar_span)).round() as i32
        };
        for (tick, label) in self.scale.ticks.iter().zip(&scale_labels) {
            let y = to_bar_y(*tick);
            root.draw(&PathElement::new(
                vec![(bar_right, y), (bar_right + tick_length, y)],
                DARK_GREY.stroke_width(2),
            ))?;
            root.draw_text(
                label,
                &tick_font.pos(Pos::new(HPos::Left, VPos::Center)),
                (bar_right + tick_length + metrics.gap / 2, y),
            )?;
        }
        if !data.value_label.is_empty() {
            let label_x =
                bar_right + tick_length + metrics.gap + widest_scale as i32 + label_room / 2;
            root.draw_text(
                &data.value_label,
                &text(metrics.axis)
                    .transform(FontTransform::Rotate270)
                    .pos(Pos::new(HPos::Center, VPos::Center)),
                (label_x, (cell_top + cell_bottom) / 2),
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stride_keeps_labels_apart() {
        assert_eq!(label_stride(10, 50, 1000), 1);
        assert_eq!(label_stride(40, 50, 1000), 2);
        assert_eq!(label_stride(3, 0, 0), 3);
    }
}
