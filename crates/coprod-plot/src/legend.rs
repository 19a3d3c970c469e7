//! The legend column beside a plot: one entry per series and per kind of mark, each a swatch
//! left of its label.
//!
//! Owns the rule that legends sit in their own column, never over the data.

use plotters::coord::Shift;
use plotters::prelude::{Color, DrawingArea, DrawingBackend, PathElement, RGBColor, Rectangle};
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::marks::{Marker, draw_error_bar, draw_marker, draw_plus};
use crate::primitives::{DARK_GREY, DrawResult, fit_label_keeping_end, text, widest_text};
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
        let label = fit_label_keeping_end(area, &entry.label, &font, max_label)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::style::ChartStyle;
    use crate::svg_check::{sketch, text_width};

    fn metrics() -> Metrics {
        ChartStyle::new("t", "x", "y", "unused").metrics()
    }

    #[test]
    fn legend_column_fits_the_longest_label_up_to_a_third_of_the_width() {
        let m = metrics();
        let short = [LegendEntry::series("ab", 0, Swatch::Line)];
        let long = [LegendEntry::series(
            &"long label ".repeat(20),
            0,
            Swatch::Line,
        )];
        let mut widths = Vec::new();
        sketch((1000, 400), |area| {
            for entries in [&short[..], &long[..], &[]] {
                let (plot, legend) = split_for_legend(area, entries, &m)?;
                widths.push((plot.dim_in_pixel().0, legend.dim_in_pixel().0));
            }
            Ok(())
        });
        let wanted = text_width("ab", m.legend) as u32 + 57 + 4 * 12;
        assert_eq!(widths[0], (1000 - wanted, wanted));
        assert_eq!(widths[1], (680, 320));
        assert_eq!(widths[2].0, 1000, "no legend takes no room");
    }

    #[test]
    fn entries_are_stacked_from_the_top_with_labels_shortened_to_fit() {
        let m = metrics();
        let entries = [
            LegendEntry::series("first", 0, Swatch::Line),
            LegendEntry::series(&"a very long name ".repeat(5), 1, Swatch::Line),
            LegendEntry::note("bars", Swatch::ErrorBar),
        ];
        let svg = sketch((300, 400), |area| draw_legend(area, &entries, &m, 50));
        let row = (m.legend * 1.7).round();
        let label_x = f64::from(12 + 57 + 12);
        assert_eq!(svg.texts.len(), 3);
        for (i, text) in svg.texts.iter().enumerate() {
            assert_eq!(
                text.y,
                50.0 + (row / 2.0).floor() + i as f64 * row,
                "{text:?}"
            );
            assert_eq!(text.x, label_x, "{text:?}");
        }
        assert_eq!(svg.texts[0].content, "first");
        let shortened = &svg.texts[1];
        assert!(
            shortened.content.ends_with("… name") && shortened.content.starts_with("a very"),
            "{shortened:?}"
        );
        assert!(
            label_x + text_width(&shortened.content, m.legend) <= 300.0,
            "{shortened:?}"
        );
        // The error-bar swatch: a vertical dark grey line with caps, centred in the swatch column.
        let bar = svg.in_colour("polyline", "#3C3C3C");
        assert_eq!(bar.len(), 3, "{bar:?}");
        let centre = f64::from(12 + (12 + 57)) / 2.0;
        assert!(
            bar[0].points.iter().all(|p| p.0 == centre.floor()),
            "{bar:?}"
        );
        let y = svg.texts[2].y;
        assert!(bar[0].points[0].1 < y && bar[0].points[1].1 > y, "{bar:?}");
    }

    #[test]
    fn a_line_marker_swatch_puts_the_series_marker_on_its_line() {
        let m = metrics();
        let entries = [LegendEntry::series(
            "b",
            1,
            Swatch::LineMarker(Marker::Square),
        )];
        let svg = sketch((300, 200), |area| draw_legend(area, &entries, &m, 0));
        let y = svg.texts[0].y;
        let line = svg.in_colour("polyline", "#E69F00");
        assert_eq!(line.len(), 1);
        assert_eq!(line[0].points, [(12.0, y), (69.0, y)]);
        let square = svg.in_colour("rect", "#E69F00");
        assert_eq!(square.len(), 1);
        let (a, b) = (square[0].points[0], square[0].points[1]);
        assert_eq!(((a.0 + b.0) / 2.0, (a.1 + b.1) / 2.0), (40.0, y));
    }

    #[test]
    fn a_plus_swatch_marks_censoring_in_the_middle_of_the_swatch() {
        let m = metrics();
        let entries = [LegendEntry::note("+: censored", Swatch::Plus)];
        let svg = sketch((300, 200), |area| draw_legend(area, &entries, &m, 0));
        let y = svg.texts[0].y;
        let arms = svg.in_colour("polyline", "#3C3C3C");
        assert_eq!(arms.len(), 2);
        assert!(arms[0].points.iter().all(|p| p.0 == 40.0));
        assert!(arms[1].points.iter().all(|p| p.1 == y));
    }

    #[test]
    fn band_and_error_bar_swatches_are_centred_on_their_label_within_their_row() {
        let m = metrics();
        let entries = [
            LegendEntry::note("shaded", Swatch::Band),
            LegendEntry::note("bars", Swatch::ErrorBar),
        ];
        let svg = sketch((300, 200), |area| draw_legend(area, &entries, &m, 0));
        let row = svg.texts[1].y - svg.texts[0].y;
        let size = svg.texts[0].size;
        let band = svg.shapes("rect");
        assert_eq!(band.len(), 1, "{band:?}");
        let [(x0, top), (x1, bottom)] = [band[0].points[0], band[0].points[1]];
        assert_eq!((top + bottom) / 2.0, svg.texts[0].y, "{band:?}");
        assert!(
            bottom - top >= 0.6 * size && bottom - top < row,
            "{band:?} vs rows {row} apart"
        );
        assert_eq!((x0, x1), (12.0, 69.0));
        assert!(band[0].opacity < 1.0);
        let bar = &svg.in_colour("polyline", "#3C3C3C")[0];
        let [(_, bar_top), (_, bar_bottom)] = [bar.points[0], bar.points[1]];
        assert_eq!((bar_top + bar_bottom) / 2.0, svg.texts[1].y, "{bar:?}");
        assert!(
            bar_bottom - bar_top >= size && bar_bottom - bar_top < row,
            "{bar:?}"
        );
    }
}
