//! The legend column beside a plot: one entry per series and per kind of mark, each a swatch
//! left of its label.
//!
//! Owns the rule that legends sit in their own column, never over the data.

use plotters::coord::Shift;
use plotters::prelude::{Color, DrawingArea, DrawingBackend, PathElement, RGBColor, Rectangle};
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::marks::{Marker, draw_error_bar, draw_marker, draw_plus};
use crate::primitives::{DARK_GREY, DrawResult, fit_label, text, widest_text};
use crate::style::{Metrics, series_color};

/// What a legend entry shows left of its label.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Swatch {
    /// A thick line.
    Line,
    /// A thick line with a marker on it.
    LineMarker(Marker),
    /// A plus sign (for censoring marks).
    Plus,
    /// A translucent filled box (for confidence bands).
    Band,
    /// A vertical error bar with caps.
    ErrorBar,
}

/// One line of a legend.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LegendEntry {
    /// The label text.
    pub(crate) label: String,
    /// The colour of the swatch.
    pub(crate) color: RGBColor,
    /// What the swatch looks like.
    pub(crate) swatch: Swatch,
}

impl LegendEntry {
    /// The entry of the `index`-th series, in that series' colour.
    pub(crate) fn series(label: &str, index: usize, swatch: Swatch) -> Self {
        LegendEntry {
            label: label.to_string(),
            color: series_color(index),
            swatch,
        }
    }

    /// An entry that explains a mark shared by all series (a band, bars, a "+"), in dark grey.
    pub(crate) fn note(label: &str, swatch: Swatch) -> Self {
        LegendEntry {
            label: label.to_string(),
            color: DARK_GREY,
            swatch,
        }
    }
}

/// Width of the swatch column of a legend, in pixels.
fn swatch_width(metrics: &Metrics) -> i32 {
    (metrics.legend * 2.2).round() as i32
}

/// The width of the legend column for `entries`: wide enough for the longest label, but at most
/// 32% of the area, so the data keeps most of the width.
fn legend_width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
    metrics: &Metrics,
) -> DrawResult<u32> {
    if entries.is_empty() {
        return Ok(0);
    }
    let labels = entries.iter().map(|e| e.label.as_str());
    let widest = widest_text(area, labels, &text(metrics.legend))?;
    let (area_width, _) = area.dim_in_pixel();
    let wanted = widest as i32 + swatch_width(metrics) + 4 * metrics.gap;
    Ok((wanted as u32).min(area_width * 32 / 100))
}

/// Draws the legend entries from the top of `area` (a reserved column beside the plot).
pub(crate) fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
    metrics: &Metrics,
    top: i32,
) -> DrawResult {
    let font = text(metrics.legend);
    let (width, _) = area.dim_in_pixel();
    let swatch = swatch_width(metrics);
    let label_x = metrics.gap + swatch + metrics.gap;
    let max_label = (width as i32 - label_x - metrics.gap / 2).max(10) as u32;
    let row_height = (metrics.legend * 1.7).round() as i32;
    for (i, entry) in entries.iter().enumerate() {
        let y = top + row_height / 2 + i as i32 * row_height;
        draw_swatch(area, entry, (metrics.gap, metrics.gap + swatch), y, metrics)?;
        let label = fit_label(area, &entry.label, &font, max_label)?;
        area.draw_text(
            &label,
            &font.pos(Pos::new(HPos::Left, VPos::Center)),
            (label_x, y),
        )?;
    }
    Ok(())
}

/// Draws the swatch of `entry` between `x0` and `x1`, centred on `y`.
fn draw_swatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entry: &LegendEntry,
    (x0, x1): (i32, i32),
    y: i32,
    metrics: &Metrics,
) -> DrawResult {
    let mid = (x0 + x1) / 2;
    let color = entry.color;
    let line = metrics.line_width;
    match entry.swatch {
        Swatch::Line => {
            area.draw(&PathElement::new(
                vec![(x0, y), (x1, y)],
                color.stroke_width(line),
            ))?;
        }
        Swatch::LineMarker(marker) => {
            area.draw(&PathElement::new(
                vec![(x0, y), (x1, y)],
                color.stroke_width(line),
            ))?;
            draw_marker(area, (mid, y), marker, color, metrics.marker)?;
        }
        Swatch::Plus => {
            draw_plus(area, (mid, y), color, metrics)?;
        }
        Swatch::Band => {
            let h = (metrics.legend * 0.45).round() as i32;
            area.draw(&Rectangle::new(
                [(x0, y - h), (x1, y + h)],
                color.mix(0.25).filled(),
            ))?;
        }
        Swatch::ErrorBar => {
            let h = (metrics.legend * 0.55).round() as i32;
            let ends = ((mid, y - h), (mid, y + h));
            let style = color.stroke_width(line.max(3) - 1);
            draw_error_bar(area, ends, (metrics.marker, 0), style)?;
        }
    }
    Ok(())
}

/// Splits `body` into the plot (left) and a legend column (right) wide enough for `entries`.
pub(crate) fn split_for_legend<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
    metrics: &Metrics,
) -> DrawResult<(DrawingArea<DB, Shift>, DrawingArea<DB, Shift>)> {
    let width = legend_width(body, entries, metrics)?;
    let (body_width, _) = body.dim_in_pixel();
    Ok(body.split_horizontally(body_width.saturating_sub(width)))
}
