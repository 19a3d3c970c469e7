//! The heatmap: a value over a grid of two swept parameters, coloured with viridis, with a
//! colour scale bar on the right and the value printed in each cell when the cells are large
//! enough to hold it.
//!
//! Owns only this chart's drawing: the cells, their values and the colour bar.
//! It does not run sweeps or aggregate replicates: callers do.

use std::path::PathBuf;

use plotters::chart::ChartContext;
use plotters::coord::Shift;
use plotters::prelude::{
    BLACK, Color, DrawingArea, DrawingBackend, FontTransform, PathElement, RGBColor, Rectangle,
    WHITE,
};
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::axis::{
    Axis, Padding, Ticked, axis_or_error, decimals_to_distinguish, finite_extent, format_number,
};
use crate::error::PlotError;
use crate::render::{
    Canvas, Chart, DARK_GREY, DrawResult, Frame, Grid, XyCoord, build_chart, draw_axes, label_room,
    render, text, widest_text,
};
use crate::style::{ChartStyle, Metrics, viridis};

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

    /// The tick labels of the colour scale.
    fn scale_labels(&self) -> Vec<String> {
        self.scale
            .ticks
            .iter()
            .map(|t| format_number(*t, self.scale.decimals))
            .collect()
    }

    /// The text printed in a cell.
    fn value_text(&self, value: f64) -> String {
        format_number(value, (self.scale.decimals + 1).min(6))
    }
}

/// Every how-many-th label to print so that labels `width` pixels wide fit into `room` pixels.
fn label_stride(count: usize, width: u32, room: u32) -> usize {
    let fit = (room / width.max(1)).max(1) as usize;
    count.div_ceil(fit).max(1)
}

/// Every value printed with just enough decimals to tell them apart.
fn value_labels(values: &[f64]) -> Vec<String> {
    let decimals = decimals_to_distinguish(values);
    values.iter().map(|v| format_number(*v, decimals)).collect()
}

/// The label at index `v` (a tick position), or none between and outside the cells.
fn index_label(labels: &[String], v: f64) -> String {
    let i = v.round();
    if i >= 0.0 && (i as usize) < labels.len() {
        labels[i as usize].clone()
    } else {
        String::new()
    }
}

/// Width of the colour bar in pixels.
fn bar_width(metrics: &Metrics) -> i32 {
    (metrics.tick * 1.5).round() as i32
}

/// The pixel corners of the block of cells: (left, top) and (right, bottom).
fn cell_block<DB: DrawingBackend>(
    chart: &ChartContext<'_, DB, XyCoord>,
    (nx, ny): (usize, usize),
) -> ((i32, i32), (i32, i32)) {
    (
        chart.backend_coord(&(-0.5, ny as f64 - 0.5)),
        chart.backend_coord(&(nx as f64 - 0.5, -0.5)),
    )
}

impl Chart for HeatmapChart<'_> {
    fn draw<DB: DrawingBackend>(&self, canvas: &Canvas<'_, DB>) -> DrawResult {
        let (body, style, metrics) = (&canvas.body, canvas.style, &canvas.metrics);
        let (body_width, body_height) = body.dim_in_pixel();
        let tick_font = text(metrics.tick);
        let data = self.data;

        let column_width = self.column_width(body, metrics)?;
        let (plot, column) = body.split_horizontally(body_width.saturating_sub(column_width));

        let x_labels = value_labels(&data.x_values);
        let y_labels = value_labels(&data.y_values);
        let frame = Frame {
            top: metrics.gap,
            right: metrics.gap,
            left: widest_text(&plot, &y_labels, &tick_font)?
                + label_room(&style.y_label, 1.4, metrics)
                + 2 * metrics.gap as u32,
            bottom: (metrics.tick * 1.2).round() as u32
                + label_room(&style.x_label, 1.4, metrics)
                + 2 * metrics.gap as u32,
        };
        let (plot_width, _) = plot.dim_in_pixel();
        let x_label_width = widest_text(&plot, &x_labels, &tick_font)? + 2 * metrics.gap as u32;
        let room = (
            plot_width.saturating_sub(frame.left),
            body_height.saturating_sub(frame.bottom),
        );
        let coords = self.cell_coords(x_label_width, room, metrics);

        let mut chart = build_chart(&plot, &frame, coords, metrics)?;
        let x_format = |v: &f64| index_label(&x_labels, *v);
        let y_format = |v: &f64| index_label(&y_labels, *v);
        draw_axes(
            &mut chart,
            (&x_format, &y_format),
            Grid::Off,
            style,
            metrics,
        )?;
        self.draw_cells(&mut chart)?;
        self.draw_values(canvas, &chart)?;
        self.draw_colour_bar(canvas, &chart, &column)
    }
}

impl HeatmapChart<'_> {
    /// Coordinates with one unit per cell and a tick at every cell whose label fits into `room`
    /// (width, height) pixels; x labels are `x_label_width` pixels wide.
    fn cell_coords(
        &self,
        x_label_width: u32,
        (x_room, y_room): (u32, u32),
        metrics: &Metrics,
    ) -> (Ticked, Ticked) {
        let (nx, ny) = (self.data.x_values.len(), self.data.y_values.len());
        let row_height = (metrics.tick * 1.6).round() as u32;
        let coord = |count: usize, stride: usize| {
            let ticks = (0..count).step_by(stride).map(|i| i as f64).collect();
            Ticked::new(-0.5, count as f64 - 0.5, ticks)
        };
        (
            coord(nx, label_stride(nx, x_label_width, x_room)),
            coord(ny, label_stride(ny, row_height, y_room)),
        )
    }

    /// The width of the right column: the colour bar, its tick labels and its rotated label.
    fn column_width<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        metrics: &Metrics,
    ) -> DrawResult<u32> {
        let widest_scale = widest_text(area, self.scale_labels(), &text(metrics.tick))?;
        let label_room = label_room(&self.data.value_label, 1.5, metrics) as i32;
        Ok((2 * metrics.gap
            + bar_width(metrics)
            + metrics.gap / 2 * 3
            + widest_scale as i32
            + label_room
            + metrics.gap) as u32)
    }

    /// Fills each cell with the colour of its value.
    fn draw_cells<DB: DrawingBackend>(
        &self,
        chart: &mut ChartContext<'_, DB, XyCoord>,
    ) -> DrawResult {
        let cells = self
            .data
            .values
            .iter()
            .enumerate()
            .flat_map(|(row, cells)| {
                cells.iter().enumerate().map(move |(column, value)| {
                    let (x, y) = (column as f64, row as f64);
                    Rectangle::new(
                        [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
                        self.color(*value).filled(),
                    )
                })
            });
        chart.draw_series(cells)?;
        Ok(())
    }

    /// Prints each value in its cell, in white on dark cells and black on light ones, when every
    /// cell has room for the widest value.
    fn draw_values<DB: DrawingBackend>(
        &self,
        canvas: &Canvas<'_, DB>,
        chart: &ChartContext<'_, DB, XyCoord>,
    ) -> DrawResult {
        let (root, metrics) = (canvas.root, &canvas.metrics);
        let data = self.data;
        let (nx, ny) = (data.x_values.len(), data.y_values.len());
        let tick_font = text(metrics.tick);
        let ((cell_left, cell_top), (cell_right, cell_bottom)) = cell_block(chart, (nx, ny));
        let cell_width = (cell_right - cell_left) / nx as i32;
        let cell_height = (cell_bottom - cell_top) / ny as i32;
        let texts = data.values.iter().flatten().map(|v| self.value_text(*v));
        let widest_value = widest_text(root, texts, &tick_font)?;
        let fits = widest_value as i32 + metrics.gap <= cell_width
            && (metrics.tick * 1.3) as i32 <= cell_height;
        if !fits {
            return Ok(());
        }
        for (row, cells) in data.values.iter().enumerate() {
            for (column, value) in cells.iter().enumerate() {
                let at = chart.backend_coord(&(column as f64, row as f64));
                let color = self.color(*value);
                let luminance = 0.2126 * f64::from(color.0)
                    + 0.7152 * f64::from(color.1)
                    + 0.0722 * f64::from(color.2);
                let ink = if luminance < 128.0 { WHITE } else { BLACK };
                root.draw_text(
                    &self.value_text(*value),
                    &tick_font
                        .color(&ink)
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                    at,
                )?;
            }
        }
        Ok(())
    }

    /// Draws the colour bar in `column`, spanning the height of the cells, with its ticks,
    /// tick labels and rotated label.
    fn draw_colour_bar<DB: DrawingBackend>(
        &self,
        canvas: &Canvas<'_, DB>,
        chart: &ChartContext<'_, DB, XyCoord>,
        column: &DrawingArea<DB, Shift>,
    ) -> DrawResult {
        let (root, metrics) = (canvas.root, &canvas.metrics);
        let data = self.data;
        let tick_font = text(metrics.tick);
        let nxy = (data.x_values.len(), data.y_values.len());
        let ((_, cell_top), (_, cell_bottom)) = cell_block(chart, nxy);
        let (column_x, _) = column.get_pixel_range();
        let bar_left = column_x.start + 2 * metrics.gap;
        let bar_right = bar_left + bar_width(metrics);
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
        let scale_labels = self.scale_labels();
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
            let widest_scale = widest_text(root, &scale_labels, &tick_font)?;
            let label_room = label_room(&data.value_label, 1.5, metrics) as i32;
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

    fn grid(x: usize, y: usize, values: Vec<Vec<f64>>) -> Heatmap {
        Heatmap {
            x_values: (0..x).map(|i| i as f64).collect(),
            y_values: (0..y).map(|i| i as f64).collect(),
            values,
            value_label: "share".to_string(),
        }
    }

    #[test]
    fn grid_without_values_on_either_axis_is_no_data() {
        // Even when the rows are there: a grid needs both parameters.
        let no_x = grid(0, 1, vec![vec![0.5]]);
        assert!(matches!(no_x.validate("t"), Err(PlotError::NoData { .. })));
        let no_y = grid(1, 0, vec![]);
        assert!(matches!(no_y.validate("t"), Err(PlotError::NoData { .. })));
        assert!(grid(2, 1, vec![vec![0.5, 0.6]]).validate("t").is_ok());
    }

    /// A chart whose colour scale runs from 2 to 6 with ticks every 1.
    fn scaled(data: &Heatmap) -> HeatmapChart<'_> {
        HeatmapChart {
            data,
            scale: Axis {
                lo: 2.0,
                hi: 6.0,
                ticks: vec![2.0, 3.0, 4.0, 5.0, 6.0],
                decimals: 0,
            },
        }
    }

    #[test]
    fn colour_runs_along_viridis_from_the_scale_low_to_high_end() {
        let data = grid(1, 1, vec![vec![3.0]]);
        let chart = scaled(&data);
        assert_eq!(chart.color(2.0), viridis(0.0));
        assert_eq!(chart.color(3.0), viridis(0.25));
        assert_eq!(chart.color(6.0), viridis(1.0));
        assert_eq!(chart.color(f64::NAN), RGBColor(215, 215, 215));
        assert_ne!(chart.color(f64::NAN), chart.color(2.0));
    }

    #[test]
    fn scale_and_cell_values_print_with_the_scale_decimals() {
        let data = grid(1, 1, vec![vec![3.0]]);
        let chart = scaled(&data);
        assert_eq!(chart.scale_labels(), ["2", "3", "4", "5", "6"]);
        // One decimal more in the cells, so that cells between two ticks differ.
        assert_eq!(chart.value_text(3.4), "3.4");
        assert_eq!(chart.value_text(f64::NAN), "n/a");
    }

    #[test]
    fn parameter_values_label_their_own_cell_only() {
        let labels = value_labels(&[0.5, 1.0, 2.0]);
        assert_eq!(labels, ["0.5", "1.0", "2.0"]);
        assert_eq!(index_label(&labels, 0.0), "0.5");
        assert_eq!(index_label(&labels, 2.0), "2.0");
        assert_eq!(index_label(&labels, 1.4), "1.0");
        assert_eq!(index_label(&labels, -1.0), "");
        assert_eq!(index_label(&labels, 3.0), "");
    }
}
