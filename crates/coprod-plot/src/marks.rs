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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::style::ChartStyle;
    use crate::svg_check::{Shape, sketch};

    const RED: RGBColor = RGBColor(200, 0, 0);

    /// The bounding box of `shape`: (left, top, right, bottom).
    fn bounds(shape: &Shape) -> (f64, f64, f64, f64) {
        if shape.kind == "circle" {
            let (x, y) = shape.points[0];
            return (x - shape.r, y - shape.r, x + shape.r, y + shape.r);
        }
        let xs = shape.points.iter().map(|p| p.0);
        let ys = shape.points.iter().map(|p| p.1);
        (
            xs.clone().fold(f64::MAX, f64::min),
            ys.clone().fold(f64::MAX, f64::min),
            xs.fold(f64::MIN, f64::max),
            ys.fold(f64::MIN, f64::max),
        )
    }

    #[test]
    fn every_marker_is_filled_centred_on_its_point_and_outlined_in_white() {
        for (marker, kind) in [
            (Marker::Circle, "circle"),
            (Marker::Square, "rect"),
            (Marker::Triangle, "polygon"),
            (Marker::Diamond, "polygon"),
        ] {
            let svg = sketch((200, 200), |area| {
                draw_marker(area, (100, 80), marker, RED, 10)
            });
            let filled: Vec<&Shape> = svg.shapes.iter().filter(|s| s.fill == "#C80000").collect();
            assert_eq!(filled.len(), 1, "{marker:?}: {filled:?}");
            assert_eq!(filled[0].kind, kind, "{marker:?}");
            let (left, top, right, bottom) = bounds(filled[0]);
            let (width, height) = (right - left, bottom - top);
            assert!((16.0..=28.0).contains(&width), "{marker:?} is {width} wide");
            assert!(
                (16.0..=28.0).contains(&height),
                "{marker:?} is {height} high"
            );
            assert!(
                ((left + right) / 2.0 - 100.0).abs() <= 0.5,
                "{marker:?} off centre"
            );
            // The triangle's centroid, not its box, is on the point: it points up.
            assert!(top < 80.0 && bottom > 80.0, "{marker:?} misses the point");
            if marker != Marker::Triangle {
                assert!(
                    ((top + bottom) / 2.0 - 80.0).abs() <= 0.5,
                    "{marker:?} off centre"
                );
            } else {
                let apex = filled[0].points[0];
                assert_eq!(apex, (100.0, top), "the triangle does not point up");
            }
            // The white outline is drawn over the fill, around the same shape.
            let outline = svg.shapes.last().unwrap();
            assert_eq!(
                (outline.stroke.as_str(), outline.fill.as_str()),
                ("#FFFFFF", "none")
            );
            assert_eq!(bounds(outline), bounds(filled[0]), "{marker:?}");
        }
        let cycle: Vec<Marker> = (0..5).map(Marker::for_series).collect();
        let expected = [
            Marker::Circle,
            Marker::Square,
            Marker::Triangle,
            Marker::Diamond,
        ];
        assert_eq!(cycle[..4], expected);
        assert_eq!(cycle[4], Marker::Circle);
    }

    #[test]
    fn an_error_bar_has_a_cap_across_each_end() {
        let style = RED.stroke_width(3);
        let svg = sketch((200, 200), |area| {
            draw_error_bar(area, ((50, 20), (50, 120)), (7, 0), style)
        });
        let lines: Vec<&Vec<(f64, f64)>> =
            svg.shapes("polyline").iter().map(|s| &s.points).collect();
        assert_eq!(
            lines,
            [
                &vec![(50.0, 20.0), (50.0, 120.0)],
                &vec![(43.0, 20.0), (57.0, 20.0)],
                &vec![(43.0, 120.0), (57.0, 120.0)],
            ]
        );
    }

    #[test]
    fn a_plus_stands_out_from_its_line_with_a_white_halo() {
        let metrics = ChartStyle::new("t", "x", "y", "unused").metrics();
        let svg = sketch((200, 200), |area| {
            draw_plus(area, (100, 100), RED, &metrics)
        });
        let arm = f64::from(metrics.marker);
        let lines = svg.shapes("polyline");
        assert_eq!(lines.len(), 4, "{lines:?}");
        let (halo, plus) = lines.split_at(2);
        for shape in plus {
            assert_eq!(shape.stroke, "#C80000");
            let (left, top, right, bottom) = bounds(shape);
            let length = (right - left).max(bottom - top);
            assert_eq!(length, 2.0 * arm, "{shape:?}");
            assert!(left <= 100.0 && right >= 100.0 && top <= 100.0 && bottom >= 100.0);
        }
        for (white, coloured) in halo.iter().zip(plus) {
            assert_eq!(white.stroke, "#FFFFFF");
            assert!(white.stroke_width > coloured.stroke_width, "{white:?}");
            let (l0, t0, r0, b0) = bounds(white);
            let (l1, t1, r1, b1) = bounds(coloured);
            assert!(
                l0 <= l1 && t0 <= t1 && r0 >= r1 && b0 >= b1,
                "{white:?} inside {coloured:?}"
            );
            assert!(
                (r0 - l0).max(b0 - t0) > 2.0 * arm,
                "the halo is no longer than the arm"
            );
        }
        // One vertical and one horizontal arm.
        assert_eq!(plus[0].points[0].0, plus[0].points[1].0);
        assert_eq!(plus[1].points[0].1, plus[1].points[1].1);
    }

    #[test]
    fn every_marker_shape_has_about_the_weight_of_the_circle() {
        // No series should look more important because of its marker's shape.
        let r = 10;
        let circle = std::f64::consts::PI * f64::from(r * r);
        for marker in [Marker::Square, Marker::Triangle, Marker::Diamond] {
            let svg = sketch((200, 200), |area| {
                draw_marker(area, (100, 100), marker, RED, r)
            });
            let shape = svg.shapes.iter().find(|s| s.fill == "#C80000").unwrap();
            let area = if shape.kind == "rect" {
                let [(x0, y0), (x1, y1)] = [shape.points[0], shape.points[1]];
                (x1 - x0) * (y1 - y0)
            } else {
                // The shoelace formula.
                let p = &shape.points;
                let twice: f64 = (0..p.len())
                    .map(|i| {
                        let (a, b) = (p[i], p[(i + 1) % p.len()]);
                        a.0 * b.1 - b.0 * a.1
                    })
                    .sum();
                twice.abs() / 2.0
            };
            let ratio = area / circle;
            assert!(
                (0.8..=1.2).contains(&ratio),
                "{marker:?}: {area} vs {circle}"
            );
        }
    }
}
