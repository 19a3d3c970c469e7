//! Marks drawn in pixels: point markers, error bars and the "+" of a censored observation,
//! shared by the charts and their legends.
//!
//! Owns how each mark looks; callers decide where it goes.

use plotters::coord::Shift;
use plotters::prelude::{
    Circle, Color, DrawingArea, DrawingBackend, PathElement, Polygon, RGBColor, Rectangle,
    ShapeStyle, WHITE,
};

use crate::primitives::DrawResult;
use crate::style::Metrics;

/// The shape of a point marker; series cycle through them so they differ by more than colour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Marker {
    /// A filled circle.
    Circle,
    /// A filled square.
    Square,
    /// A filled triangle pointing up.
    Triangle,
    /// A filled diamond.
    Diamond,
}

impl Marker {
    /// The marker of the `index`-th series.
    pub(crate) fn for_series(index: usize) -> Marker {
        [
            Marker::Circle,
            Marker::Square,
            Marker::Triangle,
            Marker::Diamond,
        ][index % 4]
    }
}

/// Draws a filled marker with a thin white outline at pixel position `at` of `area`.
pub(crate) fn draw_marker<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    at: (i32, i32),
    marker: Marker,
    color: RGBColor,
    radius: i32,
) -> DrawResult {
    let (x, y) = at;
    let r = radius;
    let outline = WHITE.stroke_width(2);
    match marker {
        Marker::Circle => {
            area.draw(&Circle::new(at, r, color.filled()))?;
            area.draw(&Circle::new(at, r, outline))?;
        }
        Marker::Square => {
            let s = (f64::from(r) * 0.9).round() as i32;
            area.draw(&Rectangle::new(
                [(x - s, y - s), (x + s, y + s)],
                color.filled(),
            ))?;
            area.draw(&Rectangle::new([(x - s, y - s), (x + s, y + s)], outline))?;
        }
        Marker::Triangle => {
            let h = (f64::from(r) * 1.2).round() as i32;
            let points = vec![(x, y - h), (x + h, y + r), (x - h, y + r)];
            draw_outlined_polygon(area, points, color, outline)?;
        }
        Marker::Diamond => {
            let h = (f64::from(r) * 1.3).round() as i32;
            let points = vec![(x, y - h), (x + h, y), (x, y + h), (x - h, y)];
            draw_outlined_polygon(area, points, color, outline)?;
        }
    }
    Ok(())
}

/// Draws the polygon through `points` filled with `color`, then its closed outline.
fn draw_outlined_polygon<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    points: Vec<(i32, i32)>,
    color: RGBColor,
    outline: ShapeStyle,
) -> DrawResult {
    area.draw(&Polygon::new(points.clone(), color.filled()))?;
    let mut closed = points.clone();
    closed.push(points[0]);
    area.draw(&PathElement::new(closed, outline))?;
    Ok(())
}

/// Draws a line from `from` to `to` with a cap across each end (an error bar or an interval).
///
/// `(dx, dy)` is the offset from the line to each end of a cap: `(c, 0)` for a vertical line,
/// `(0, c)` for a horizontal one.
pub(crate) fn draw_error_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (from, to): ((i32, i32), (i32, i32)),
    (dx, dy): (i32, i32),
    style: ShapeStyle,
) -> DrawResult {
    area.draw(&PathElement::new(vec![from, to], style))?;
    for (x, y) in [from, to] {
        area.draw(&PathElement::new(
            vec![(x - dx, y - dy), (x + dx, y + dy)],
            style,
        ))?;
    }
    Ok(())
}

/// Draws a "+" at pixel position `at`, with a thin white halo so that it stands out from the
/// line it sits on (the usual mark of a censored observation on a survival curve).
pub(crate) fn draw_plus<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    at: (i32, i32),
    color: RGBColor,
    metrics: &Metrics,
) -> DrawResult {
    let (x, y) = at;
    let arm = metrics.marker;
    let width = (metrics.line_width.max(3) - 1).max(2);
    for (style, extra) in [
        (WHITE.stroke_width(width + 4), 2),
        (color.stroke_width(width), 0),
    ] {
        area.draw(&PathElement::new(
            vec![(x, y - arm - extra), (x, y + arm + extra)],
            style,
        ))?;
        area.draw(&PathElement::new(
            vec![(x - arm - extra, y), (x + arm + extra, y)],
            style,
        ))?;
    }
    Ok(())
}
