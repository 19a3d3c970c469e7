//! What the charts state, read back from the SVG: which numbers and labels are printed, where
//! they sit relative to each other (which label goes with which value, which end of a scale is
//! which), and which colour means more. Pixel positions are only compared with each other, never
//! pinned.

use std::fs;
use std::path::Path;

use coprod_plot::{
    ChartStyle, ForestRow, Heatmap, SurvivalClass, bar_chart, forest_plot, heatmap, register_fonts,
    survival_curves,
};
use plotters::prelude::{FontStyle, IntoDrawingArea, IntoFont, SVGBackend};

const WIDTH: u32 = 900;
const HEIGHT: u32 = 560;

/// The colour of frames, axes and reference lines (`DARK_GREY`).
const DARK_GREY: &str = "#3C3C3C";

fn style(dir: &Path, name: &str) -> ChartStyle {
    ChartStyle::new(
        format!("Title of {name}"),
        "parameter A",
        "parameter B",
        dir.join(name),
    )
    .with_size(WIDTH, HEIGHT)
}

/// One `<text>` element.
#[derive(Debug, Clone)]
struct Text {
    content: String,
    x: f64,
    y: f64,
    anchor: String,
    fill: String,
    size: f64,
    bold: bool,
}

/// One filled `<rect>` element.
#[derive(Debug, Clone)]
struct Rect {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
    fill: String,
    opacity: f64,
    stroke: String,
}

impl Rect {
    fn contains(&self, (x, y): (f64, f64)) -> bool {
        self.x <= x && x <= self.x + self.width && self.y <= y && y <= self.y + self.height
    }

    fn centre(&self) -> (f64, f64) {
        (self.x + self.width / 2.0, self.y + self.height / 2.0)
    }
}

/// One `<polyline>` element.
#[derive(Debug, Clone)]
struct Polyline {
    stroke: String,
    points: Vec<(f64, f64)>,
}

/// The elements of a chart's SVG, in drawing order.
struct Svg {
    texts: Vec<Text>,
    rects: Vec<Rect>,
    polylines: Vec<Polyline>,
}

fn attribute<'a>(element: &'a str, name: &str) -> Option<&'a str> {
    let start = element.find(&format!(" {name}=\""))? + name.len() + 3;
    let length = element[start..].find('"')?;
    Some(&element[start..start + length])
}

fn number(element: &str, name: &str) -> f64 {
    attribute(element, name)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no numeric {name} in {element}"))
}

impl Svg {
    fn read(path: &Path) -> Svg {
        let source = fs::read_to_string(path).unwrap();
        let mut svg = Svg {
            texts: Vec::new(),
            rects: Vec::new(),
            polylines: Vec::new(),
        };
        for element in source.split('<').skip(1) {
            if element.starts_with("text ") {
                let (attributes, content) = element.split_once('>').unwrap();
                svg.texts.push(Text {
                    content: content.trim().to_string(),
                    x: number(attributes, "x"),
                    y: number(attributes, "y"),
                    anchor: attribute(attributes, "text-anchor").unwrap().to_string(),
                    fill: attribute(attributes, "fill").unwrap().to_string(),
                    size: number(attributes, "font-size"),
                    bold: attribute(attributes, "font-weight") == Some("bold"),
                });
            } else if element.starts_with("rect ") {
                svg.rects.push(Rect {
                    x: number(element, "x"),
                    y: number(element, "y"),
                    width: number(element, "width"),
                    height: number(element, "height"),
                    fill: attribute(element, "fill").unwrap().to_string(),
                    opacity: number(element, "opacity"),
                    stroke: attribute(element, "stroke").unwrap_or("none").to_string(),
                });
            } else if element.starts_with("polyline ") {
                let points = attribute(element, "points")
                    .unwrap()
                    .split_whitespace()
                    .map(|p| {
                        let (x, y) = p.split_once(',').unwrap();
                        (x.parse().unwrap(), y.parse().unwrap())
                    })
                    .collect();
                svg.polylines.push(Polyline {
                    stroke: attribute(element, "stroke").unwrap().to_string(),
                    points,
                });
            }
        }
        svg
    }

    /// The texts whose content is exactly `content`.
    fn all(&self, content: &str) -> Vec<&Text> {
        self.texts.iter().filter(|t| t.content == content).collect()
    }

    /// The one text whose content is exactly `content`.
    fn text(&self, content: &str) -> &Text {
        let found = self.all(content);
        assert_eq!(found.len(), 1, "{content:?} printed {} times", found.len());
        found[0]
    }

    /// The fill of the last-drawn filled rectangle covering `point`: the colour a viewer sees.
    fn fill_at(&self, point: (f64, f64)) -> &str {
        self.rects
            .iter()
            .rev()
            .find(|r| r.fill != "none" && r.contains(point))
            .map_or("none", |r| r.fill.as_str())
    }

    /// The longest horizontal dark-grey line: the x axis.
    fn x_axis_y(&self) -> f64 {
        self.polylines
            .iter()
            .filter(|p| p.stroke == DARK_GREY && p.points.len() == 2)
            .filter(|p| p.points[0].1 == p.points[1].1)
            .max_by(|a, b| {
                let length = |p: &Polyline| (p.points[1].0 - p.points[0].0).abs();
                length(a).total_cmp(&length(b))
            })
            .expect("an x axis")
            .points[0]
            .1
    }
}

/// The width in pixels of `text` as printed in the embedded font.
fn text_width(text: &Text) -> f64 {
    register_fonts();
    let mut sink = String::new();
    let area = SVGBackend::with_string(&mut sink, (10, 10)).into_drawing_area();
    let style = if text.bold {
        ("sans-serif", text.size, FontStyle::Bold).into_font()
    } else {
        ("sans-serif", text.size).into_font()
    };
    let (width, _) = area
        .estimate_text_size(&text.content, &style.into())
        .unwrap();
    f64::from(width)
}

/// The relative luminance (0–255, unweighted by gamma) of a `#RRGGBB` colour.
fn luminance(colour: &str) -> f64 {
    let channel = |i: usize| f64::from(u8::from_str_radix(&colour[i..i + 2], 16).unwrap());
    0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5)
}

/// The largest difference of one channel between two `#RRGGBB` colours.
fn colour_distance(a: &str, b: &str) -> u8 {
    (0..3)
        .map(|i| {
            let channel = |c: &str| u8::from_str_radix(&c[1 + 2 * i..3 + 2 * i], 16).unwrap();
            channel(a).abs_diff(channel(b))
        })
        .max()
        .unwrap()
}

#[test]
fn survival_curve_reaching_zero_stays_above_the_x_axis_at_the_zero_tick() {
    let dir = tempfile::tempdir().unwrap();
    let classes = [SurvivalClass {
        name: "everyone drops out".to_string(),
        durations: vec![(1.0, true), (2.0, false), (3.0, true)],
    }];
    let written = survival_curves(&classes, &style(dir.path(), "survival")).unwrap();
    let svg = Svg::read(&written[1]);
    let curve = svg.polylines.iter().max_by_key(|p| p.points.len()).unwrap();
    let lowest = curve.points.iter().map(|p| p.1).fold(f64::MIN, f64::max);
    let highest = curve.points.iter().map(|p| p.1).fold(f64::MAX, f64::min);
    // The y tick labels (right-aligned left of the axis) say where 0 and 1 are.
    let y_tick = |label: &str| {
        svg.all(label)
            .into_iter()
            .find(|t| t.anchor == "end")
            .unwrap_or_else(|| panic!("no y tick label {label:?}"))
            .y
    };
    assert_eq!(lowest, y_tick("0.0"));
    assert_eq!(highest, y_tick("1.0"));
    assert!(
        lowest < svg.x_axis_y(),
        "a survival of 0 at y = {lowest} is drawn on or below the x axis at {}",
        svg.x_axis_y()
    );
}

/// Checks that each `(label, estimate)` of `rows` is printed once, the estimate right of the
/// plot, fully inside the image, on the line of its label, the rows in order from the top;
/// that the row labels clear the rotated y axis title; and that the column header fits.
fn assert_estimates_beside_labels(svg: &Svg, rows: &[(&str, &str)]) {
    let header = svg.text("estimate [95% CI]");
    let right = header.x + text_width(header);
    assert!(right <= f64::from(WIDTH), "header runs to x = {right}");
    // Rotated by 270°, the title's glyphs stand in a column one font size wide right of its x.
    let title = svg.text("parameter B");
    let title_right = title.x + title.size;
    let mut previous_y = f64::MIN;
    for (label, estimate) in rows {
        let label = svg.text(label);
        let number = svg.text(estimate);
        assert_eq!(
            number.y, label.y,
            "{estimate:?} is not on the line of {label:?}"
        );
        assert!(number.x > label.x, "{estimate:?} left of its label");
        let left = label.x - text_width(label);
        assert!(
            left >= title_right,
            "{label:?} starts at x = {left}, on the y axis title"
        );
        assert!(label.y > previous_y, "rows out of order at {label:?}");
        previous_y = label.y;
        let right = number.x + text_width(number);
        assert!(
            right <= f64::from(WIDTH),
            "{estimate:?} runs to x = {right}, past the right edge"
        );
    }
}

#[test]
fn forest_plot_prints_each_estimate_and_interval_beside_its_row() {
    let dir = tempfile::tempdir().unwrap();
    // Axis ticks every 0.5 (one decimal), so the numbers get two.
    let rows = [
        ForestRow::new("reward", 0.8, 0.5, 1.1),
        ForestRow::new("group size", -0.4, -0.7, -0.1),
        ForestRow::new("only an upper bound", 0.25, f64::NAN, 0.9),
    ];
    let written = forest_plot(&rows, &style(dir.path(), "forest")).unwrap();
    let svg = Svg::read(&written[1]);
    assert_estimates_beside_labels(
        &svg,
        &[
            ("reward", "0.80 [0.50, 1.10]"),
            ("group size", "-0.40 [-0.70, -0.10]"),
            ("only an upper bound", "0.25"),
        ],
    );
    let header = svg.text("estimate [95% CI]");
    assert!(
        header.y < svg.text("reward").y,
        "header below the first row"
    );
}

#[test]
fn bar_chart_prints_each_estimate_and_interval_beside_its_row() {
    let dir = tempfile::tempdir().unwrap();
    let rows = [
        ForestRow::new("first order", 0.42, 0.30, 0.54),
        ForestRow::new("total", 0.61, 0.47, 0.75),
    ];
    let written = bar_chart(&rows, &[0, 1], &style(dir.path(), "bars")).unwrap();
    assert_eq!(written.len(), 2);
    assert!(written[0].is_file() && written[1].is_file());
    let svg = Svg::read(&written[1]);
    assert_estimates_beside_labels(
        &svg,
        &[
            ("first order", "0.42 [0.30, 0.54]"),
            ("total", "0.61 [0.47, 0.75]"),
        ],
    );
    // Each bar runs from zero to its estimate on the row of its label, read off the x ticks.
    let x_tick = |label: &str| svg.text(label).x;
    let (zero, six_tenths) = (x_tick("0.0"), x_tick("0.6"));
    let bars: Vec<&Rect> = svg.rects.iter().filter(|r| r.opacity < 1.0).collect();
    assert_eq!(bars.len(), 2, "{bars:?}");
    for (bar, (label, estimate)) in bars.iter().zip([("first order", 0.42), ("total", 0.61)]) {
        let end = zero + (six_tenths - zero) * estimate / 0.6;
        assert!((bar.x - zero).abs() <= 1.0, "{label}: {bar:?}");
        assert!((bar.x + bar.width - end).abs() <= 1.5, "{label}: {bar:?}");
        assert!(bar.height > 0.0, "{label}: {bar:?}");
        assert!(
            (bar.centre().1 - svg.text(label).y).abs() <= 1.0,
            "{label}: {bar:?}"
        );
    }
}

#[test]
fn forest_plot_with_many_rows_labels_only_rows_that_do_not_overlap() {
    let dir = tempfile::tempdir().unwrap();
    let rows: Vec<ForestRow> = (0..60)
        .map(|i| {
            let v = f64::from(i);
            ForestRow::new(format!("row {i}"), v, v - 1.0, v + 1.0)
        })
        .collect();
    let small = style(dir.path(), "forest_many").with_size(480, 300);
    let written = forest_plot(&rows, &small).unwrap();
    let svg = Svg::read(&written[1]);
    let labels: Vec<&Text> = svg
        .texts
        .iter()
        .filter(|t| t.content.starts_with("row "))
        .collect();
    assert!(
        labels.len() > 1 && labels.len() < 60,
        "{} labels",
        labels.len()
    );
    for pair in labels.windows(2) {
        assert!(
            pair[1].y - pair[0].y >= pair[0].size,
            "{:?} and {:?} overlap",
            pair[0].content,
            pair[1].content
        );
    }
    // Each printed number is on the line of its own row's label.
    for label in &labels {
        let i: f64 = label.content["row ".len()..].parse().unwrap();
        let estimate = format!("{i:.1} [{:.1}, {:.1}]", i - 1.0, i + 1.0);
        assert_eq!(svg.text(&estimate).y, label.y, "{estimate}");
    }
}

/// A 3 × 2 grid whose values run from 0.1 (bottom left) to 0.6 (top right).
fn small_grid(value_label: &str) -> Heatmap {
    Heatmap {
        x_values: vec![2.0, 4.0, 8.0],
        y_values: vec![10.0, 20.0],
        values: vec![vec![0.1, 0.2, 0.3], vec![0.4, 0.5, 0.6]],
        value_label: value_label.to_string(),
    }
}

#[test]
fn heatmap_prints_each_value_in_its_own_cell() {
    let dir = tempfile::tempdir().unwrap();
    let written = heatmap(
        &small_grid("contributions per step"),
        &style(dir.path(), "heatmap"),
    )
    .unwrap();
    let svg = Svg::read(&written[1]);
    // Columns left to right in the given order; rows bottom to top (first row at the bottom).
    let x_labels: Vec<f64> = ["2", "4", "8"].iter().map(|l| svg.text(l).x).collect();
    let y_labels: Vec<f64> = ["10", "20"].iter().map(|l| svg.text(l).y).collect();
    assert!(x_labels.windows(2).all(|w| w[0] < w[1]), "{x_labels:?}");
    assert!(y_labels[0] > y_labels[1], "{y_labels:?}");
    let printed = [["0.10", "0.20", "0.30"], ["0.40", "0.50", "0.60"]];
    for (row, texts) in printed.iter().enumerate() {
        for (column, content) in texts.iter().enumerate() {
            let value = svg.text(content);
            assert_eq!(
                (value.x, value.y),
                (x_labels[column], y_labels[row]),
                "{content}"
            );
            // Centred in a filled cell that is at least a third of the column spacing wide.
            let cell = svg
                .rects
                .iter()
                .rev()
                .find(|r| r.fill != "none" && r.contains((value.x, value.y)))
                .unwrap_or_else(|| panic!("{content} is in no cell"));
            let spacing = x_labels[1] - x_labels[0];
            assert!(cell.width > spacing / 3.0 && cell.height > 0.0, "{cell:?}");
            let (cx, cy) = cell.centre();
            assert!(
                (cx - value.x).abs() <= 1.0 && (cy - value.y).abs() <= 1.0,
                "{content} at ({}, {}) is not centred in {cell:?}",
                value.x,
                value.y
            );
        }
    }
    // The colour scale's own label, distinct from both axis labels.
    svg.text("contributions per step");
}

#[test]
fn heatmap_colours_higher_values_brighter_and_inks_them_for_contrast() {
    let dir = tempfile::tempdir().unwrap();
    let written = heatmap(
        &small_grid("share contributing"),
        &style(dir.path(), "heatmap_colours"),
    )
    .unwrap();
    let svg = Svg::read(&written[1]);
    let cell_fill = |content: &str| {
        let t = svg.text(content);
        svg.fill_at((t.x, t.y)).to_string()
    };
    let fills: Vec<String> = ["0.10", "0.20", "0.30", "0.40", "0.50", "0.60"]
        .iter()
        .map(|c| cell_fill(c))
        .collect();
    let lum: Vec<f64> = fills.iter().map(|f| luminance(f)).collect();
    assert!(lum.windows(2).all(|w| w[0] < w[1]), "{fills:?}");
    // White on the darkest cell, black on the brightest.
    assert_eq!(svg.text("0.10").fill, "#FFFFFF");
    assert_eq!(svg.text("0.60").fill, "#000000");

    // The colour bar: its ticks 0.1 … 0.6 run bottom to top, from the bar's bottom edge (the
    // cells' bottom) to its top edge, and its colour there is that of the lowest and highest
    // cell.
    let bar = svg
        .rects
        .iter()
        .find(|r| r.fill == "none" && r.stroke == DARK_GREY)
        .expect("colour bar frame");
    let scale: Vec<&Text> = ["0.1", "0.2", "0.3", "0.4", "0.5", "0.6"]
        .iter()
        .map(|l| svg.text(l))
        .collect();
    assert!(
        bar.width >= scale[0].size,
        "{bar:?} too narrow to show its colours"
    );
    // The bar spans the cells: from the bottom of the first row to the top of the last.
    let cell_of = |content: &str| {
        let t = svg.text(content);
        svg.rects
            .iter()
            .rev()
            .find(|r| r.fill != "none" && r.contains((t.x, t.y)))
            .unwrap()
            .clone()
    };
    let (low_cell, high_cell) = (cell_of("0.10"), cell_of("0.60"));
    assert!(
        (bar.y + bar.height - (low_cell.y + low_cell.height)).abs() <= 1.0,
        "{bar:?}"
    );
    assert!(
        (bar.y - high_cell.y).abs() <= 1.0,
        "{bar:?} vs {high_cell:?}"
    );
    assert!(scale.windows(2).all(|w| w[0].y > w[1].y), "{scale:?}");
    assert!(scale.iter().all(|t| t.x > bar.x + bar.width));
    assert_eq!(scale[0].y, bar.y + bar.height);
    assert_eq!(scale[5].y, bar.y);
    let bar_x = bar.x + bar.width / 2.0;
    let bottom = svg.fill_at((bar_x, bar.y + bar.height - 1.0));
    let top = svg.fill_at((bar_x, bar.y + 1.0));
    assert!(
        colour_distance(bottom, &fills[0]) <= 3,
        "{bottom} vs {}",
        fills[0]
    );
    assert!(
        colour_distance(top, &fills[5]) <= 3,
        "{top} vs {}",
        fills[5]
    );

    // Right of the bar: its tick labels, then its rotated label, all inside the image.
    let scale_right = scale
        .iter()
        .map(|t| t.x + text_width(t))
        .fold(f64::MIN, f64::max);
    let label = svg.text("share contributing");
    assert!(label.x - label.size / 2.0 >= scale_right, "{label:?}");
    assert!(label.x + label.size / 2.0 <= f64::from(WIDTH), "{label:?}");
    assert!(label.y > bar.y && label.y < bar.y + bar.height, "{label:?}");
}

#[test]
fn heatmap_with_many_cells_labels_only_parameter_values_that_do_not_overlap() {
    let dir = tempfile::tempdir().unwrap();
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
    let small = style(dir.path(), "heatmap_many").with_size(480, 300);
    let written = heatmap(&data, &small).unwrap();
    let svg = Svg::read(&written[1]);
    let labels = |anchor: &str| -> Vec<&Text> {
        svg.texts
            .iter()
            .filter(|t| t.anchor == anchor)
            .filter(|t| t.content.parse::<f64>().is_ok_and(|v| v >= 100.0))
            .collect()
    };
    let (x_labels, y_labels) = (labels("middle"), labels("end"));
    assert!(x_labels.len() > 1 && x_labels.len() < 80, "{x_labels:?}");
    assert!(y_labels.len() > 1 && y_labels.len() < 80, "{y_labels:?}");
    for pair in x_labels.windows(2) {
        let gap = pair[1].x - pair[0].x;
        let half_widths = (text_width(pair[0]) + text_width(pair[1])) / 2.0;
        assert!(gap >= half_widths, "{pair:?} overlap");
    }
    for pair in y_labels.windows(2) {
        assert!(pair[0].y - pair[1].y >= pair[0].size, "{pair:?} overlap");
    }
}

#[test]
fn heatmap_leaves_out_values_that_do_not_fit_their_cells() {
    let dir = tempfile::tempdir().unwrap();
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
    // Too narrow for "3.57" (30 columns in about 700 pixels), then too low (40 rows in about
    // 440 pixels for 15-pixel type); both print their values when the chart is large enough.
    for (name, data, printed, large) in [
        ("narrow", grid(30, 2), "3.57", (2400, HEIGHT)),
        ("low", grid(2, 40), "0.162", (WIDTH, 1800)),
    ] {
        let written = heatmap(&data, &style(dir.path(), name)).unwrap();
        let svg = Svg::read(&written[1]);
        assert!(svg.all(printed).is_empty(), "{name}: {printed} printed");
        let large_style = style(dir.path(), name).with_size(large.0, large.1);
        let written = heatmap(&data, &large_style).unwrap();
        svg_has(&written[1], printed);
    }
}

fn svg_has(path: &Path, content: &str) {
    assert!(!Svg::read(path).all(content).is_empty(), "{content}");
}
