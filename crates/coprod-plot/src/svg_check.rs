//! Test support: draws a chart into an SVG string, the way `render` draws its `.svg` file, and
//! reads back its texts and shapes, so that unit tests can check what a chart shows (numbers,
//! labels, colours, relative positions) without writing files.

use plotters::prelude::{IntoDrawingArea, SVGBackend};

use crate::render::{Chart, draw_file_for_test};
use crate::style::{ChartStyle, register_fonts};

/// One `<text>` element.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Text {
    pub(crate) content: String,
    pub(crate) x: f64,
    pub(crate) y: f64,
    pub(crate) anchor: String,
    pub(crate) fill: String,
    pub(crate) size: f64,
    pub(crate) bold: bool,
    pub(crate) rotated: bool,
}

/// One drawn shape: a `rect`, `polyline`, `line`, `polygon` or `circle`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Shape {
    pub(crate) kind: String,
    pub(crate) fill: String,
    pub(crate) stroke: String,
    pub(crate) stroke_width: f64,
    pub(crate) opacity: f64,
    /// Corners of a rect (top left, bottom right), ends of a line, points of a polyline or
    /// polygon, the centre of a circle.
    pub(crate) points: Vec<(f64, f64)>,
    /// The radius of a circle, 0 otherwise.
    pub(crate) r: f64,
}

impl Shape {
    /// Whether this rect covers `(x, y)`.
    pub(crate) fn covers(&self, (x, y): (f64, f64)) -> bool {
        let [(x0, y0), (x1, y1)] = [self.points[0], self.points[1]];
        self.kind == "rect" && x0 <= x && x <= x1 && y0 <= y && y <= y1
    }
}

/// The elements of an SVG, in drawing order.
#[derive(Debug, Clone)]
pub(crate) struct Svg {
    pub(crate) texts: Vec<Text>,
    pub(crate) shapes: Vec<Shape>,
}

fn attribute<'a>(element: &'a str, name: &str) -> Option<&'a str> {
    let start = element.find(&format!(" {name}=\""))? + name.len() + 3;
    let length = element[start..].find('"')?;
    Some(&element[start..start + length])
}

fn number(element: &str, name: &str) -> f64 {
    attribute(element, name).map_or(0.0, |v| v.parse().unwrap())
}

fn points(element: &str) -> Vec<(f64, f64)> {
    attribute(element, "points")
        .unwrap()
        .split_whitespace()
        .map(|p| {
            let (x, y) = p.split_once(',').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect()
}

impl Svg {
    pub(crate) fn parse(source: &str) -> Svg {
        let mut svg = Svg {
            texts: Vec::new(),
            shapes: Vec::new(),
        };
        for element in source.split('<').skip(1) {
            let kind = element.split([' ', '>']).next().unwrap_or("");
            let text_attribute = |name| attribute(element, name).unwrap_or("").to_string();
            if kind == "text" {
                let (attributes, content) = element.split_once('>').unwrap();
                svg.texts.push(Text {
                    content: content.trim().to_string(),
                    x: number(attributes, "x"),
                    y: number(attributes, "y"),
                    anchor: text_attribute("text-anchor"),
                    fill: text_attribute("fill"),
                    size: number(attributes, "font-size"),
                    bold: attribute(attributes, "font-weight") == Some("bold"),
                    rotated: attributes.contains("rotate("),
                });
                continue;
            }
            let (shape_points, r) = match kind {
                "rect" => {
                    let (x, y) = (number(element, "x"), number(element, "y"));
                    let (w, h) = (number(element, "width"), number(element, "height"));
                    (vec![(x, y), (x + w, y + h)], 0.0)
                }
                "line" => (
                    vec![
                        (number(element, "x1"), number(element, "y1")),
                        (number(element, "x2"), number(element, "y2")),
                    ],
                    0.0,
                ),
                "polyline" | "polygon" => (points(element), 0.0),
                "circle" => (
                    vec![(number(element, "cx"), number(element, "cy"))],
                    number(element, "r"),
                ),
                _ => continue,
            };
            svg.shapes.push(Shape {
                kind: kind.to_string(),
                fill: text_attribute("fill"),
                stroke: text_attribute("stroke"),
                stroke_width: number(element, "stroke-width"),
                opacity: attribute(element, "opacity").map_or(1.0, |v| v.parse().unwrap()),
                points: shape_points,
                r,
            });
        }
        svg
    }

    /// The texts whose content is exactly `content`.
    pub(crate) fn all(&self, content: &str) -> Vec<&Text> {
        self.texts.iter().filter(|t| t.content == content).collect()
    }

    /// The one text whose content is exactly `content`.
    pub(crate) fn text(&self, content: &str) -> &Text {
        let found = self.all(content);
        assert_eq!(found.len(), 1, "{content:?} printed {} times", found.len());
        found[0]
    }

    /// The shapes of `kind` (for example "rect").
    /// Asserts that the text `lower` is wholly below the text `upper` (an axis label below
    /// its tick labels); returns `lower`.
    pub(crate) fn below(&self, upper: &str, lower: &str) -> &Text {
        let (up, low) = (self.text(upper), self.text(lower));
        assert!(up.y + up.size <= low.y - low.size, "{up:?} vs {low:?}");
        low
    }

    pub(crate) fn shapes(&self, kind: &str) -> Vec<&Shape> {
        self.shapes.iter().filter(|s| s.kind == kind).collect()
    }

    /// The shapes of `kind` stroked (or, for "rect", "polygon" and "circle", filled) in `colour`.
    pub(crate) fn in_colour(&self, kind: &str, colour: &str) -> Vec<&Shape> {
        self.shapes(kind)
            .into_iter()
            .filter(|s| s.stroke == colour || s.fill == colour)
            .collect()
    }

    /// The x of the x-axis tick label `label` (centred below the axis).
    pub(crate) fn x_tick(&self, label: &str) -> f64 {
        let found: Vec<&Text> = self
            .all(label)
            .into_iter()
            .filter(|t| t.anchor == "middle" && !t.rotated)
            .collect();
        assert_eq!(found.len(), 1, "x tick {label:?}: {found:?}");
        found[0].x
    }

    /// The y of the y-axis tick label `label` (right-aligned left of the axis).
    pub(crate) fn y_tick(&self, label: &str) -> f64 {
        let found: Vec<&Text> = self
            .all(label)
            .into_iter()
            .filter(|t| t.anchor == "end")
            .collect();
        assert_eq!(found.len(), 1, "y tick {label:?}: {found:?}");
        found[0].y
    }

    /// The pixel of data point `(x, y)`, read off two labelled ticks of each axis: each
    /// `(label, value)` names a tick and the value it stands for.
    pub(crate) fn pixel(
        &self,
        x_ticks: [(&str, f64); 2],
        y_ticks: [(&str, f64); 2],
        (x, y): (f64, f64),
    ) -> (f64, f64) {
        let along = |(a, b): (f64, f64), [(_, va), (_, vb)]: [(&str, f64); 2], v: f64| {
            a + (b - a) * (v - va) / (vb - va)
        };
        let xs = (self.x_tick(x_ticks[0].0), self.x_tick(x_ticks[1].0));
        let ys = (self.y_tick(y_ticks[0].0), self.y_tick(y_ticks[1].0));
        (along(xs, x_ticks, x), along(ys, y_ticks, y))
    }
}

/// What `paint` draws on an empty `width`×`height` SVG.
pub(crate) fn sketch(
    (width, height): (u32, u32),
    paint: impl FnOnce(
        &plotters::prelude::DrawingArea<SVGBackend<'_>, plotters::coord::Shift>,
    ) -> crate::primitives::DrawResult,
) -> Svg {
    register_fonts();
    let mut source = String::new();
    {
        let area = SVGBackend::with_string(&mut source, (width, height)).into_drawing_area();
        paint(&area).unwrap();
        area.present().unwrap();
    }
    Svg::parse(&source)
}

/// The SVG file at `path`, as a chart function wrote it.
pub(crate) fn read(path: &std::path::Path) -> Svg {
    Svg::parse(&std::fs::read_to_string(path).unwrap())
}

/// `chart` drawn with `style` as the SVG that `render` would write.
pub(crate) fn draw(chart: &impl Chart, style: &ChartStyle) -> Svg {
    register_fonts();
    let mut source = String::new();
    let backend = SVGBackend::with_string(&mut source, (style.width, style.height));
    draw_file_for_test(chart, style, backend).unwrap();
    Svg::parse(&source)
}

/// The width in pixels of `content` at type size `size` in the embedded font.
pub(crate) fn text_width(content: &str, size: f64) -> f64 {
    register_fonts();
    width_in(content, &crate::primitives::text(size))
}

/// The width in pixels of `text` as printed (bold or not), from its SVG font size.
pub(crate) fn printed_width(text: &Text) -> f64 {
    register_fonts();
    // plotters writes the SVG font size as its own type size / 1.24.
    let size = text.size * 1.24;
    let font = if text.bold {
        crate::primitives::bold_text(size)
    } else {
        crate::primitives::text(size)
    };
    width_in(&text.content, &font)
}

fn width_in(content: &str, font: &plotters::style::TextStyle<'_>) -> f64 {
    let mut sink = String::new();
    let area = SVGBackend::with_string(&mut sink, (10, 10)).into_drawing_area();
    f64::from(area.estimate_text_size(content, font).unwrap().0)
}
