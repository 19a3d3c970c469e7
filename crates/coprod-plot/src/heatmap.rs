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
    Axis, Padding, Ticked, Values, axis_or_error, decimals_to_distinguish, finite_extent,
    format_number, format_value,
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
    let scale = axis_or_error(
        extent,
        6,
        (Padding::ToTicks, Values::Real),
        &style.title,
        "colour",
    )?;
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
        format_value(value, (self.scale.decimals + 1).min(6))
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
    use crate::svg_check::{Shape, Svg, read, text_width};

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
        // A cell that is not 0 does not print as 0.
        assert_eq!(chart.value_text(0.02), "2.0e-2");
        assert_eq!(chart.value_text(0.0), "0.0");
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

    const DARK: &str = "#3C3C3C";

    /// A 3 × 2 grid whose values run from 0.1 (bottom left) to 0.6 (top right).
    fn small_grid() -> Heatmap {
        Heatmap {
            x_values: vec![2.0, 4.0, 8.0],
            y_values: vec![10.0, 20.0],
            values: vec![vec![0.1, 0.2, 0.3], vec![0.4, 0.5, 0.6]],
            value_label: "share contributing".to_string(),
        }
    }

    fn drawn(data: &Heatmap, size: (u32, u32)) -> Svg {
        let dir = tempfile::tempdir().unwrap();
        let style = ChartStyle::new("Grid", "parameter A", "parameter B", dir.path().join("h"))
            .with_size(size.0, size.1);
        read(&heatmap(data, &style).unwrap()[1])
    }

    /// The topmost filled rect under `point`: the cell a viewer sees there.
    fn cell_at(svg: &Svg, point: (f64, f64)) -> &Shape {
        let mut topmost_first = svg.shapes.iter().rev();
        topmost_first
            .find(|s| s.fill != "none" && s.covers(point))
            .unwrap()
    }

    fn luminance(colour: &str) -> f64 {
        let channel = |i: usize| f64::from(u8::from_str_radix(&colour[i..i + 2], 16).unwrap());
        0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
    }

    #[test]
    fn each_value_is_printed_in_its_own_cell_in_the_given_order() {
        let svg = drawn(&small_grid(), (900, 560));
        // Columns left to right, rows bottom to top (the first row at the bottom).
        let xs = ["2", "4", "8"].map(|l| svg.x_tick(l));
        let ys = ["10", "20"].map(|l| svg.y_tick(l));
        assert!(
            xs[0] < xs[1] && xs[1] < xs[2] && ys[0] > ys[1],
            "{xs:?} {ys:?}"
        );
        let spacing = xs[1] - xs[0];
        assert!(
            (xs[2] - xs[1] - spacing).abs() <= 1.0,
            "cells are not evenly spaced"
        );
        assert!(
            svg.in_colour("line", "#DADADA").is_empty(),
            "grid lines over the cells"
        );
        // Axis labels outside the tick labels: the x label below, the rotated y label left.
        let x_label = svg.below("2", "parameter A");
        assert!(x_label.y <= 560.0);
        let y_label = svg.text("parameter B");
        let widest = ["10", "20"].map(|l| {
            let t = svg.all(l).into_iter().find(|t| t.anchor == "end").unwrap();
            t.x - text_width(l, t.size * 1.24)
        });
        assert!(y_label.rotated && y_label.x >= 0.0);
        assert!(
            y_label.x + y_label.size <= widest[0].min(widest[1]),
            "{y_label:?}"
        );
        let printed = [["0.10", "0.20", "0.30"], ["0.40", "0.50", "0.60"]];
        for (row, texts) in printed.iter().enumerate() {
            for (column, content) in texts.iter().enumerate() {
                let value = svg.text(content);
                assert_eq!((value.x, value.y), (xs[column], ys[row]), "{content}");
                assert_eq!(value.anchor, "middle");
                let cell = cell_at(&svg, (value.x, value.y));
                let [(x0, y0), (x1, y1)] = [cell.points[0], cell.points[1]];
                // Cells touch their neighbours: one column spacing wide, centred on the value.
                assert!((x1 - x0 - spacing).abs() <= 1.5, "{content}: {cell:?}");
                assert!(
                    (y1 - y0 - (ys[0] - ys[1])).abs() <= 1.5,
                    "{content}: {cell:?}"
                );
                assert!(
                    ((x0 + x1) / 2.0 - value.x).abs() <= 1.0,
                    "{content}: {cell:?}"
                );
                assert!(
                    ((y0 + y1) / 2.0 - value.y).abs() <= 1.0,
                    "{content}: {cell:?}"
                );
            }
        }
    }

    #[test]
    fn brighter_cells_mean_higher_values_and_their_ink_keeps_contrast() {
        let svg = drawn(&small_grid(), (900, 560));
        let contents = ["0.10", "0.20", "0.30", "0.40", "0.50", "0.60"];
        let fills: Vec<String> = contents
            .iter()
            .map(|c| {
                let t = svg.text(c);
                cell_at(&svg, (t.x, t.y)).fill.clone()
            })
            .collect();
        // The lowest value takes the first viridis colour, the highest the last.
        assert_eq!(fills[0], "#440154");
        assert_eq!(fills[5], "#FDE725");
        let lum: Vec<f64> = fills.iter().map(|f| luminance(f)).collect();
        assert!(lum.windows(2).all(|w| w[0] < w[1]), "{fills:?}");
        for (content, fill) in contents.iter().zip(&fills) {
            let ink = &svg.text(content).fill;
            let expected = if luminance(fill) < 128.0 {
                "#FFFFFF"
            } else {
                "#000000"
            };
            assert_eq!(ink, expected, "{content} on {fill}");
        }
        assert_eq!(svg.text("0.10").fill, "#FFFFFF");
        assert_eq!(svg.text("0.60").fill, "#000000");
    }

    #[test]
    fn colour_bar_spans_the_cells_with_its_scale_running_upwards() {
        let svg = drawn(&small_grid(), (900, 560));
        let frame = svg
            .shapes("rect")
            .into_iter()
            .find(|r| r.fill == "none" && r.stroke == DARK)
            .expect("colour bar frame");
        let [(left, top), (right, bottom)] = [frame.points[0], frame.points[1]];
        let low_cell = cell_at(&svg, (svg.text("0.10").x, svg.text("0.10").y));
        let high_cell = cell_at(&svg, (svg.text("0.60").x, svg.text("0.60").y));
        assert!(
            (bottom - low_cell.points[1].1).abs() <= 1.0,
            "{frame:?} vs {low_cell:?}"
        );
        assert!(
            (top - high_cell.points[0].1).abs() <= 1.0,
            "{frame:?} vs {high_cell:?}"
        );
        let gap = f64::from(
            ChartStyle::new("t", "x", "y", "u")
                .with_size(900, 560)
                .metrics()
                .gap,
        );
        assert!(
            left - high_cell.points[1].0 >= 2.0 * gap,
            "the bar crowds the cells"
        );
        let scale = ["0.1", "0.2", "0.3", "0.4", "0.5", "0.6"].map(|l| svg.text(l).clone());
        assert!(
            right - left >= scale[0].size,
            "{frame:?} too narrow to show its colours"
        );
        // The scale's ends are the bar's ends; its ticks are evenly spaced.
        assert_eq!(scale[0].y, bottom);
        assert_eq!(scale[5].y, top);
        let gaps: Vec<f64> = scale.windows(2).map(|w| w[0].y - w[1].y).collect();
        assert!(
            gaps.iter().all(|g| (g - gaps[0]).abs() <= 1.0 && *g > 0.0),
            "{gaps:?}"
        );
        for label in &scale {
            assert!(label.x > right && label.anchor == "start", "{label:?}");
            let ticks = svg.in_colour("polyline", DARK).into_iter().filter(|t| {
                t.points.iter().all(|p| p.1 == label.y)
                    && t.points[0].0 == right
                    && t.points[1].0 > right
                    && t.points[1].0 < label.x
                    && label.x - t.points[1].0 <= gap
            });
            // Each label sits just right of its short tick mark.
            assert_eq!(ticks.count(), 1, "no tick mark just left of {label:?}");
        }
        // The bar's colours run from the lowest cell's at the bottom to the highest's at the top.
        let slices: Vec<&Shape> = svg
            .shapes("rect")
            .into_iter()
            .filter(|r| r.fill != "none" && r.points[0].0 == left && r.points[1].0 == right)
            .collect();
        assert!(slices.len() >= 50, "{} slices", slices.len());
        let lowest = slices
            .iter()
            .max_by(|a, b| a.points[1].1.total_cmp(&b.points[1].1))
            .unwrap();
        let highest = slices
            .iter()
            .min_by(|a, b| a.points[0].1.total_cmp(&b.points[0].1))
            .unwrap();
        assert_eq!((lowest.points[1].1, highest.points[0].1), (bottom, top));
        let near = |a: &str, b: &str| (luminance(a) - luminance(b)).abs() <= 6.0;
        // What a reader sees part way up the bar is the colour of that fraction of the scale.
        for fraction in [0.25, 0.5, 0.75] {
            let y = bottom - fraction * (bottom - top);
            let seen = svg
                .shapes
                .iter()
                .rev()
                .find(|r| r.fill != "none" && r.covers(((left + right) / 2.0, y)))
                .unwrap();
            let RGBColor(r, g, b) = viridis(fraction);
            let expected = format!("#{r:02X}{g:02X}{b:02X}");
            assert!(
                near(&seen.fill, &expected),
                "{fraction}: {} vs {expected}",
                seen.fill
            );
        }
        assert!(near(&lowest.fill, "#440154"), "{lowest:?}");
        assert!(near(&highest.fill, "#FDE725"), "{highest:?}");
        // Right of the scale labels: the rotated value label, inside the image.
        let scale_right = scale
            .iter()
            .map(|t| t.x + text_width(&t.content, t.size * 1.24))
            .fold(f64::MIN, f64::max);
        let label = svg.text("share contributing");
        assert!(label.rotated);
        assert!(label.x - label.size / 2.0 >= scale_right, "{label:?}");
        assert!(label.x + label.size / 2.0 <= 900.0, "{label:?}");
        assert!((label.y - (top + bottom) / 2.0).abs() <= 1.0, "{label:?}");
    }

    #[test]
    fn values_are_left_out_when_the_widest_does_not_fit_its_cell() {
        let value = |x: f64, y: f64| 0.123 * x + 0.001 * y;
        let grid = |nx: u32, ny: u32| {
            let x_values: Vec<f64> = (0..nx).map(f64::from).collect();
            let y_values: Vec<f64> = (0..ny).map(f64::from).collect();
            let values = y_values
                .iter()
                .map(|y| x_values.iter().map(|x| value(*x, *y)).collect())
                .collect();
            Heatmap {
                x_values,
                y_values,
                values,
                value_label: String::new(),
            }
        };
        for (data, printed, large) in [
            (grid(30, 2), "3.57", (2400, 560)),
            (grid(2, 40), "0.162", (900, 1800)),
        ] {
            assert!(
                drawn(&data, (900, 560)).all(printed).is_empty(),
                "{printed} printed"
            );
            assert!(
                !drawn(&data, large).all(printed).is_empty(),
                "{printed} left out"
            );
        }
    }

    #[test]
    fn many_cells_label_only_parameter_values_that_do_not_overlap() {
        let many: Vec<f64> = (100..180).map(f64::from).collect();
        let values = many
            .iter()
            .map(|y| many.iter().map(|x| x * y).collect())
            .collect();
        let data = Heatmap {
            x_values: many.clone(),
            y_values: many,
            values,
            value_label: String::new(),
        };
        let svg = drawn(&data, (480, 300));
        let labels = |anchor: &str| -> Vec<&crate::svg_check::Text> {
            svg.texts
                .iter()
                .filter(|t| t.anchor == anchor && !t.rotated)
                .filter(|t| {
                    t.content
                        .parse::<f64>()
                        .is_ok_and(|v| (100.0..180.0).contains(&v))
                })
                .collect()
        };
        let (x_labels, y_labels) = (labels("middle"), labels("end"));
        assert!(x_labels.len() > 1 && x_labels.len() < 80, "{x_labels:?}");
        assert!(y_labels.len() > 1 && y_labels.len() < 80, "{y_labels:?}");
        assert_eq!(
            (x_labels[0].content.as_str(), y_labels[0].content.as_str()),
            ("100", "100")
        );
        for pair in x_labels.windows(2) {
            let gap = pair[1].x - pair[0].x;
            let half_widths = (text_width(&pair[0].content, pair[0].size * 1.24)
                + text_width(&pair[1].content, pair[1].size * 1.24))
                / 2.0;
            assert!(gap >= half_widths, "{pair:?} overlap");
        }
        for pair in y_labels.windows(2) {
            // Rows of labels a line and a half apart at least, as a reader needs them.
            assert!(
                pair[0].y - pair[1].y >= 1.5 * pair[0].size,
                "{pair:?} crowd"
            );
        }
    }

    #[test]
    fn a_single_cell_prints_its_value_in_its_middle() {
        let single = Heatmap {
            x_values: vec![1.0],
            y_values: vec![2.0],
            values: vec![vec![0.5]],
            value_label: String::new(),
        };
        let svg = drawn(&single, (900, 560));
        // One decimal more than the colour scale, whose ticks are 0.01 apart.
        let value = svg.text("0.500");
        assert_eq!((value.x, value.y), (svg.x_tick("1"), svg.y_tick("2")));
    }

    #[test]
    fn cells_fill_the_plot_and_the_colour_bar_column_hugs_its_labels() {
        let svg = drawn(&small_grid(), (900, 560));
        let cell_of = |content: &str| {
            let t = svg.text(content);
            cell_at(&svg, (t.x, t.y)).clone()
        };
        let (bottom_left, top_right) = (cell_of("0.10"), cell_of("0.60"));
        // The axes frame the cells exactly: no empty strip beyond the last row or column.
        let axes = svg.in_colour("polyline", DARK);
        let longest = |horizontal: bool| -> Shape {
            let axis = axes.iter().copied().filter(|s| {
                let [(x0, y0), (x1, y1)] = [s.points[0], s.points[1]];
                if horizontal { y0 == y1 } else { x0 == x1 }
            });
            axis.max_by(|a, b| {
                let length = |s: &Shape| {
                    let [(x0, y0), (x1, y1)] = [s.points[0], s.points[1]];
                    (x1 - x0).abs() + (y1 - y0).abs()
                };
                length(a).total_cmp(&length(b))
            })
            .unwrap()
            .clone()
        };
        let (x_axis, y_axis) = (longest(true), longest(false));
        let x_end = x_axis.points[0].0.max(x_axis.points[1].0);
        let y_top = y_axis.points[0].1.min(y_axis.points[1].1);
        assert!(
            (top_right.points[1].0 - x_end).abs() <= 2.0,
            "{top_right:?} vs {x_axis:?}"
        );
        assert!(
            (top_right.points[0].1 - y_top).abs() <= 2.0,
            "{top_right:?} vs {y_axis:?}"
        );
        assert!(
            (bottom_left.points[0].0 - x_axis.points[0].0.min(x_axis.points[1].0)).abs() <= 2.0
        );
        // The cells take most of the width: the label areas and the colour bar only what they need.
        let span = top_right.points[1].0 - bottom_left.points[0].0;
        assert!(
            span >= 0.6 * 900.0,
            "the cells span only {span} of 900 pixels"
        );
        let label = svg.text("share contributing");
        let gap = f64::from(
            ChartStyle::new("t", "x", "y", "u")
                .with_size(900, 560)
                .metrics()
                .gap,
        );
        let right = label.x + label.size / 2.0;
        assert!(
            900.0 - right <= 3.0 * gap,
            "{} pixels unused right of the bar's label",
            900.0 - right
        );
    }

    #[test]
    fn a_value_is_printed_exactly_when_it_fits_its_cell() {
        // Five columns of long numbers, at sizes around the width where they stop fitting.
        let data = Heatmap {
            x_values: vec![1.0, 2.0, 3.0, 4.0, 5.0],
            y_values: vec![1.0],
            values: vec![vec![1234567.25, 1500000.0, 1750000.0, 2000000.0, 2345678.5]],
            value_label: String::new(),
        };
        let mut outcomes = Vec::new();
        for width in (320..=1200).step_by(40) {
            let style = ChartStyle::new("t", "x", "y", "u").with_size(width, 400);
            let gap = f64::from(style.metrics().gap);
            let svg = drawn(&data, (width, 400));
            let cell = cell_at(&svg, (svg.x_tick("1"), svg.y_tick("1"))).clone();
            let cell_width = (cell.points[1].0 - cell.points[0].0).floor();
            // The colour scale has whole-number ticks, so values print with one decimal.
            let printed = !svg.all("2345678.5").is_empty();
            let widest = text_width("2345678.5", style.metrics().tick);
            let fits = widest + gap <= cell_width + 1.0;
            assert_eq!(
                printed, fits,
                "at width {width}: {widest} + {gap} vs {cell_width}"
            );
            outcomes.push(fits);
        }
        assert!(
            outcomes.contains(&true) && outcomes.contains(&false),
            "{outcomes:?}"
        );
    }

    #[test]
    fn ink_turns_black_where_the_cell_is_light_enough() {
        // Viridis reaches a luminance of 128 a little above its middle: 0.56 is just lighter.
        let data = Heatmap {
            x_values: vec![1.0, 2.0, 3.0, 4.0],
            y_values: vec![1.0],
            values: vec![vec![0.0, 0.5, 0.56, 1.0]],
            value_label: String::new(),
        };
        let svg = drawn(&data, (900, 560));
        let mut inks = Vec::new();
        for content in ["0.00", "0.50", "0.56", "1.00"] {
            let t = svg.text(content);
            let fill = &cell_at(&svg, (t.x, t.y)).fill;
            let lum = luminance(fill);
            assert!(
                !(127.0..=129.0).contains(&lum),
                "{content} on {fill} is too close to call"
            );
            let expected = if lum < 128.0 { "#FFFFFF" } else { "#000000" };
            assert_eq!(t.fill, expected, "{content} on {fill} ({lum})");
            inks.push(t.fill.clone());
        }
        assert_eq!(inks, ["#FFFFFF", "#FFFFFF", "#000000", "#000000"]);
    }

    #[test]
    fn a_value_is_printed_exactly_when_its_row_is_tall_enough() {
        let data = Heatmap {
            x_values: vec![1.0, 2.0],
            y_values: (0..12).map(f64::from).collect(),
            values: (0..12)
                .map(|y| vec![f64::from(y), f64::from(y) + 0.5])
                .collect(),
            value_label: String::new(),
        };
        let mut outcomes = Vec::new();
        for height in (200..=800).step_by(25) {
            let style = ChartStyle::new("t", "x", "y", "u").with_size(900, height);
            let svg = drawn(&data, (900, height));
            // Rows share the height of the block of cells (which the colour bar's frame spans)
            // in whole pixels.
            let frame = svg
                .shapes("rect")
                .into_iter()
                .find(|r| r.fill == "none")
                .unwrap();
            let cell_height = ((frame.points[1].1 - frame.points[0].1) / 12.0).floor();
            let printed = !svg.all("11.5").is_empty();
            let fits = (style.metrics().tick * 1.3).floor() <= cell_height;
            assert_eq!(
                printed, fits,
                "at height {height}: cells {cell_height} high"
            );
            outcomes.push(fits);
        }
        assert!(
            outcomes.contains(&true) && outcomes.contains(&false),
            "{outcomes:?}"
        );
    }
}
