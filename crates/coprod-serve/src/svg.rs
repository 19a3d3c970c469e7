//! Small SVG charts drawn on the server for the live pages: line charts with optional
//! bands, bar charts and the community view. Plain strings, drawn anew at every step.
//!
//! Not `coprod-plot`: that crate writes PNG and SVG file pairs for reports; a live page
//! needs a few hundred bytes of SVG per chart and step, with no files (docs/teaching.md,
//! "How the pages are drawn").

use std::fmt::Write;

use coprod_core::{CitizenState, CommunityView};

/// The Okabe-Ito palette (colour-blind safe), as in the report charts.
pub const COLOURS: [&str; 7] = [
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000",
];

// A small canvas with large type: charts are shown about 350 px wide on a 1366 px
// projector, so 15-unit type stays about 13 px tall.
const W: f64 = 420.0;
const H: f64 = 260.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
/// Top of the plot area when there is no legend row.
const TOP: f64 = 36.0;
/// Height of one legend row.
const LEGEND_ROW: f64 = 18.0;
const BOTTOM: f64 = 44.0;

/// One line of a line chart.
pub struct Line {
    /// Legend text.
    pub name: String,
    /// Points (x, y); `None` y values break the line.
    pub points: Vec<(f64, Option<f64>)>,
    /// Colour.
    pub colour: &'static str,
    /// Dashed (the model) or solid (the class, the run).
    pub dashed: bool,
    /// A band (x, low, high) drawn under the line.
    pub band: Vec<(f64, f64, f64)>,
}

/// Escapes text for SVG and HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Opens a chart `height` units tall. A title too long for the width at its size (about
/// 10.5 units a character in bold 18-unit type) is fitted into it rather than cut off.
fn open(out: &mut String, title: &str, id: &str, height: f64) {
    let room = W - 16.0;
    let fit = if title.chars().count() as f64 * 10.5 > room {
        format!(r#" textLength="{room}" lengthAdjust="spacingAndGlyphs""#)
    } else {
        String::new()
    };
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height}" role="img" aria-label="{t}" data-chart="{id}" font-family="sans-serif"><text x="8" y="22" font-size="18" font-weight="bold"{fit}>{t}</text>"#,
        t = escape(title)
    );
}

/// A line chart with axes from `x_range` and `y_range` (`y_range.1` grows to fit the data).
pub fn line_chart(
    id: &str,
    title: &str,
    x_label: &str,
    lines: &[Line],
    x_range: (f64, f64),
    y_range: (f64, f64),
) -> String {
    let x_max = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.0))
        .fold(x_range.1, f64::max);
    let y_max = lines
        .iter()
        .flat_map(|l| l.points.iter().filter_map(|p| finite(&p.1)))
        .chain(lines.iter().flat_map(|l| l.band.iter().map(|b| b.2)))
        .filter(|v| v.is_finite())
        .fold(y_range.1, f64::max);
    let y_max = nice(y_max);
    let (x0, y0) = (x_range.0, y_range.0);
    let mut keys = String::new();
    let top = legend(&mut keys, lines);
    // Legend rows beyond the first make the chart taller, not its plot area smaller.
    let height = H + (top - (TOP + 14.0 + LEGEND_ROW)).max(0.0);
    let mut out = String::with_capacity(4096);
    open(&mut out, title, id, height);
    out.push_str(&keys);
    let sx = |x: f64| LEFT + (x - x0) / (x_max - x0).max(1e-9) * (W - LEFT - RIGHT);
    let sy = |y: f64| height - BOTTOM - (y - y0) / (y_max - y0).max(1e-9) * (height - top - BOTTOM);
    axes(
        &mut out,
        top,
        height,
        (x0, x_max),
        (y0, y_max),
        x_label,
        &sx,
        &sy,
    );
    for line in lines {
        draw_line(&mut out, line, &sx, &sy);
    }
    out.push_str("</svg>");
    out
}

/// A value that is not a finite number (an estimate with no data) is no point: it breaks
/// the line like `None`, and written into a path it would end the path there.
fn finite(y: &Option<f64>) -> Option<f64> {
    y.filter(|v| v.is_finite())
}

/// One line of a chart: its band (where both ends are finite), the line itself (broken
/// where a value is missing, dashed if asked) and, for at most 12 points, a dot per point.
fn draw_line(out: &mut String, line: &Line, sx: &dyn Fn(f64) -> f64, sy: &dyn Fn(f64) -> f64) {
    let band: Vec<&(f64, f64, f64)> = line
        .band
        .iter()
        .filter(|b| b.1.is_finite() && b.2.is_finite())
        .collect();
    if !band.is_empty() {
        let mut d = String::new();
        for (i, (x, _, hi)) in band.iter().enumerate() {
            let _ = write!(
                d,
                "{}{:.1},{:.1}",
                if i == 0 { "M" } else { "L" },
                sx(*x),
                sy(*hi)
            );
        }
        for (x, lo, _) in band.iter().rev() {
            let _ = write!(d, "L{:.1},{:.1}", sx(*x), sy(*lo));
        }
        let _ = write!(
            out,
            r#"<path d="{d}Z" fill="{}" fill-opacity="0.18"/>"#,
            line.colour
        );
    }
    let mut d = String::new();
    let mut pen_up = true;
    for (x, y) in &line.points {
        match finite(y) {
            Some(y) => {
                let _ = write!(
                    d,
                    "{}{:.1},{:.1}",
                    if pen_up { "M" } else { "L" },
                    sx(*x),
                    sy(y)
                );
                pen_up = false;
            }
            None => pen_up = true,
        }
    }
    let dash = if line.dashed {
        r#" stroke-dasharray="8 5""#
    } else {
        ""
    };
    let _ = write!(
        out,
        r#"<path d="{d}" fill="none" stroke="{}" stroke-width="3.5"{dash}/>"#,
        line.colour
    );
    if line
        .points
        .iter()
        .filter(|p| finite(&p.1).is_some())
        .count()
        <= 12
    {
        for (x, y) in &line.points {
            if let Some(y) = finite(y) {
                let _ = write!(
                    out,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="4" fill="{}"/>"#,
                    sx(*x),
                    sy(y),
                    line.colour
                );
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn axes(
    out: &mut String,
    top: f64,
    height: f64,
    x: (f64, f64),
    y: (f64, f64),
    x_label: &str,
    sx: &dyn Fn(f64) -> f64,
    sy: &dyn Fn(f64) -> f64,
) {
    let _ = write!(
        out,
        r##"<g stroke="#444" stroke-width="1.5"><line x1="{LEFT}" y1="{b}" x2="{r}" y2="{b}"/><line x1="{LEFT}" y1="{top}" x2="{LEFT}" y2="{b}"/></g>"##,
        b = height - BOTTOM,
        r = W - RIGHT
    );
    for k in 0..=4 {
        let v = y.0 + (y.1 - y.0) * f64::from(k) / 4.0;
        let _ = write!(
            out,
            r##"<line x1="{LEFT}" x2="{r}" y1="{py:.1}" y2="{py:.1}" stroke="#ddd"/><text x="{tx}" y="{ty:.1}" font-size="15" text-anchor="end">{v}</text>"##,
            r = W - RIGHT,
            py = sy(v),
            tx = LEFT - 6.0,
            ty = sy(v) + 5.0,
            v = tick(v)
        );
    }
    // Whole numbers (rounds) get a tick each when there are few; otherwise round steps.
    let span = x.1 - x.0;
    let ticks: Vec<f64> = if span <= 12.0 && x.0.fract() == 0.0 && x.1.fract() == 0.0 {
        (0..=span as u32).map(|k| x.0 + f64::from(k)).collect()
    } else {
        round_ticks(x.0, x.1)
    };
    for v in ticks {
        let _ = write!(
            out,
            r#"<text x="{:.1}" y="{:.1}" font-size="15" text-anchor="middle">{}</text>"#,
            sx(v),
            height - BOTTOM + 20.0,
            tick(v)
        );
    }
    let _ = write!(
        out,
        r#"<text x="{:.1}" y="{:.1}" font-size="15" text-anchor="middle">{}</text>"#,
        LEFT + (W - LEFT - RIGHT) / 2.0,
        height - 8.0,
        escape(x_label)
    );
}

/// The smallest of 1, 2, 4 or 8 times a power of ten at or above `v`, so that quarter
/// ticks are round numbers.
fn nice(v: f64) -> f64 {
    if !(v.is_finite() && v > 0.0) {
        return 1.0;
    }
    let scale = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 4.0, 8.0, 10.0]
        .iter()
        .map(|m| m * scale)
        .find(|&m| m >= v * (1.0 - 1e-9))
        .unwrap_or(10.0 * scale)
}

/// Ticks at the multiples of a round step (1, 2 or 5 times a power of ten) that lie in
/// `[low, high]`, with the step the smallest that leaves at most five intervals: an axis
/// that grew to 30 months reads 0, 10, 20, 30, not 7.5, 15, 22.5.
fn round_ticks(low: f64, high: f64) -> Vec<f64> {
    let span = high - low;
    if !(span.is_finite() && span > 0.0) {
        return vec![low];
    }
    let scale = 10f64.powf((span / 5.0).log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * scale)
        .find(|&m| span / m <= 5.0 + 1e-9)
        .unwrap_or(10.0 * scale);
    // Indices, not a running sum, so that ticks do not drift (0.1 + 0.2 != 0.3).
    let first = (low / step - 1e-9).ceil() as i64;
    let last = (high / step + 1e-9).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

/// A tick label with no more decimals than it needs.
fn tick(v: f64) -> String {
    let text = format!("{v:.3}");
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

/// Draws the legend in rows under the title, left to right; returns the top of the plot.
fn legend(out: &mut String, lines: &[Line]) -> f64 {
    let mut x = LEFT;
    let mut row = 0.0;
    for line in lines {
        let text = escape(&line.name);
        let width = 26.0 + 7.6 * text.chars().count() as f64;
        if x + width > W - RIGHT && x > LEFT {
            x = LEFT;
            row += 1.0;
        }
        let y = 40.0 + row * LEGEND_ROW;
        let dash = if line.dashed {
            r#" stroke-dasharray="6 3""#
        } else {
            ""
        };
        let _ = write!(
            out,
            r#"<line x1="{x:.1}" x2="{x1:.1}" y1="{y}" y2="{y}" stroke="{c}" stroke-width="3.5"{dash}/><text x="{tx:.1}" y="{ty}" font-size="14">{text}</text>"#,
            x1 = x + 18.0,
            c = line.colour,
            tx = x + 22.0,
            ty = y + 5.0
        );
        x += width + 8.0;
    }
    if lines.is_empty() {
        TOP
    } else {
        TOP + 14.0 + (row + 1.0) * LEGEND_ROW
    }
}

/// A bar chart of labelled values (`None` draws an empty slot with "none"); `x_label` names
/// what the bars stand for, under their labels.
pub fn bar_chart(id: &str, title: &str, x_label: &str, bars: &[(String, Option<f64>)]) -> String {
    let y_max = nice(bars.iter().filter_map(|b| b.1).fold(1.0, f64::max));
    let mut out = String::with_capacity(2048);
    open(&mut out, title, id, H);
    let n = bars.len().max(1) as f64;
    let slot = (W - LEFT - RIGHT) / n;
    let top = TOP + 14.0;
    let sy = |y: f64| H - BOTTOM - y / y_max * (H - top - BOTTOM);
    axes(
        &mut out,
        top,
        H,
        (0.0, 0.0),
        (0.0, y_max),
        x_label,
        // The bars carry their own labels: the axis's one x tick is drawn off the picture.
        &|_| -100.0,
        &sy,
    );
    for (i, (label, value)) in bars.iter().enumerate() {
        let x = LEFT + slot * i as f64 + slot * 0.15;
        let centre = x + slot * 0.35;
        match value {
            Some(v) => {
                let _ = write!(
                    out,
                    r#"<rect x="{x:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{}"/><text x="{centre:.1}" y="{:.1}" font-size="15" text-anchor="middle">{v:.1}</text>"#,
                    sy(*v),
                    slot * 0.7,
                    (H - BOTTOM - sy(*v)).max(0.0),
                    COLOURS[0],
                    sy(*v) - 5.0,
                );
            }
            None => {
                let _ = write!(
                    out,
                    r##"<text x="{centre:.1}" y="{:.1}" font-size="14" text-anchor="middle" fill="#666">none</text>"##,
                    H - BOTTOM - 8.0
                );
            }
        }
        let _ = write!(
            out,
            r#"<text x="{centre:.1}" y="{:.1}" font-size="15" text-anchor="middle">{}</text>"#,
            H - BOTTOM + 20.0,
            escape(label)
        );
    }
    out.push_str("</svg>");
    out
}

/// The community view: citizens on a circle in network order (the ring lattice), their
/// ties as faint lines, group members joined to each other in their group's colour, and
/// each citizen coloured by state.
pub fn community(view: &CommunityView, title: &str) -> String {
    let n = view.states.len().max(1);
    let (cx, cy, r) = (200.0, 215.0, 165.0);
    let pos = |i: u32| {
        let a = std::f64::consts::TAU * f64::from(i) / n as f64 - std::f64::consts::FRAC_PI_2;
        (cx + r * a.cos(), cy + r * a.sin())
    };
    let mut out = String::with_capacity(16 * 1024);
    let _ = write!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 400 400" role="img" aria-label="{t}" data-chart="community" data-members="{m}" font-family="sans-serif"><text x="8" y="22" font-size="19" font-weight="bold">{t}</text><g stroke="#bbb" stroke-width="0.8">"##,
        t = escape(title),
        m = view.groups.iter().filter(|g| g.is_some()).count()
    );
    for &(a, b) in &view.ties {
        let ((x1, y1), (x2, y2)) = (pos(a), pos(b));
        let _ = write!(
            out,
            r#"<line x1="{x1:.1}" y1="{y1:.1}" x2="{x2:.1}" y2="{y2:.1}"/>"#
        );
    }
    out.push_str("</g>");
    // Members of one group, joined in a closed path through the centre-most order.
    let mut groups: Vec<(u32, Vec<u32>)> = Vec::new();
    for (i, g) in view.groups.iter().enumerate() {
        if let Some(g) = g {
            match groups.iter_mut().find(|(id, _)| id == g) {
                Some((_, members)) => members.push(i as u32),
                None => groups.push((*g, vec![i as u32])),
            }
        }
    }
    for (id, members) in &groups {
        let colour = COLOURS[*id as usize % 6];
        let mut d = String::new();
        for (k, m) in members.iter().enumerate() {
            let (x, y) = pos(*m);
            let _ = write!(d, "{}{x:.1},{y:.1}", if k == 0 { "M" } else { "L" });
        }
        let _ = write!(
            out,
            r#"<path d="{d}Z" fill="{colour}" fill-opacity="0.15" stroke="{colour}" stroke-width="2.5"/>"#
        );
    }
    for (i, state) in view.states.iter().enumerate() {
        let (x, y) = pos(i as u32);
        let (fill, radius) = match state {
            CitizenState::Unaware => ("#c8c8c8", 4.5),
            CitizenState::Aware => ("#56B4E9", 5.0),
            CitizenState::Forming => ("#E69F00", 6.5),
            CitizenState::Active => ("#009E73", 7.0),
        };
        let _ = write!(
            out,
            r##"<circle cx="{x:.1}" cy="{y:.1}" r="{radius}" fill="{fill}" stroke="#333" stroke-width="0.6"/>"##
        );
    }
    out.push_str("</svg>");
    out
}

/// The points of every `<path d="...">` of a chart, in order: for the pages' tests.
#[cfg(test)]
pub(crate) fn paths(svg: &str) -> Vec<Vec<(f64, f64)>> {
    svg.split(r#"<path d=""#)
        .skip(1)
        .map(|rest| path_points(&rest[..rest.find('"').unwrap()]))
        .collect()
}

/// The points of one path's `d` (`M` and `L` commands, an optional closing `Z`).
#[cfg(test)]
pub(crate) fn path_points(d: &str) -> Vec<(f64, f64)> {
    d.trim_end_matches('Z')
        .split(['M', 'L'])
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (x, y) = p.split_once(',').unwrap();
            (x.parse().unwrap(), y.parse().unwrap())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_escape_text_and_survive_empty_data() {
        let svg = line_chart("x", "a <b>", "step", &[], (0.0, 1.0), (0.0, 1.0));
        assert!(svg.contains("a &lt;b&gt;") && svg.ends_with("</svg>"));
        let bars = bar_chart(
            "y",
            "t",
            "size",
            &[("2".into(), None), ("3".into(), Some(2.0))],
        );
        assert!(bars.contains(">none<"));
        let view = community(&CommunityView::default(), "c");
        assert!(view.contains("data-members=\"0\""));
    }

    fn line(name: &str, points: Vec<(f64, Option<f64>)>) -> Line {
        Line {
            name: name.into(),
            points,
            colour: COLOURS[0],
            dashed: false,
            band: vec![(1.0, f64::NAN, 0.5), (2.0, 0.1, 0.4)],
        }
    }

    /// An estimate with no data (NaN) breaks the line like a missing value: it never
    /// reaches a path or a circle, where it would end the path at that point.
    #[test]
    fn values_that_are_not_numbers_break_the_line() {
        let lines = [line(
            "a",
            vec![(1.0, Some(0.2)), (2.0, Some(f64::NAN)), (3.0, Some(0.3))],
        )];
        let svg = line_chart("x", "t", "size", &lines, (0.0, 3.0), (0.0, 1.0));
        assert!(!svg.contains("NaN"), "{svg}");
        assert_eq!(svg.matches("<circle").count(), 2);
        // Two pieces of line: the second starts with a move, not a line, to x = 3.
        assert_eq!(svg.matches(r#"<path d="M"#).count(), 2, "{svg}");
    }

    /// Five legend entries need several rows: the chart grows so that its plot area keeps
    /// the height it has with one row; a long title is fitted into the width.
    #[test]
    fn legend_rows_make_the_chart_taller_and_long_titles_fit() {
        let height = |svg: &str| -> f64 {
            let view = svg.split("viewBox=\"0 0 ").nth(1).unwrap();
            let view = view.split('"').next().unwrap();
            view.split(' ').nth(1).unwrap().parse().unwrap()
        };
        let one = [line("a", vec![(1.0, Some(0.5))])];
        let five: Vec<Line> = (0..5)
            .map(|i| {
                line(
                    &format!("a regime with a long name {i}"),
                    vec![(1.0, Some(0.5))],
                )
            })
            .collect();
        let short = line_chart("x", "Short title", "size", &one, (0.0, 2.0), (0.0, 1.0));
        let tall = line_chart("x", "Short title", "size", &five, (0.0, 2.0), (0.0, 1.0));
        assert_eq!(height(&short), H);
        assert!(height(&tall) >= H + 3.0 * LEGEND_ROW, "{}", height(&tall));
        assert!(!short.contains("textLength"));
        let long = "Share of groups still going 24 months after they started";
        let fitted = line_chart("x", long, "size", &one, (0.0, 2.0), (0.0, 1.0));
        assert!(fitted.contains(&format!(r#"textLength="{}""#, W - 16.0)));
    }

    // --- Reading the SVG back -------------------------------------------------------

    /// The value of attribute `name` in the attributes of one tag.
    fn attr(tag: &str, name: &str) -> Option<String> {
        let tag = format!(" {tag}");
        let rest = tag.split(&format!(" {name}=\"")).nth(1)?;
        Some(rest.split('"').next()?.to_string())
    }

    /// A numeric attribute.
    fn num(tag: &str, name: &str) -> f64 {
        let value = attr(tag, name).unwrap_or_else(|| panic!("no {name} in {tag}"));
        value
            .parse()
            .unwrap_or_else(|_| panic!("{name}={value} is no number"))
    }

    /// The attributes of every `<tag ...>` element.
    fn tags<'a>(svg: &'a str, tag: &str) -> Vec<&'a str> {
        svg.split(&format!("<{tag} "))
            .skip(1)
            .map(|s| s.split('>').next().unwrap().trim_end_matches('/'))
            .collect()
    }

    struct Text {
        x: f64,
        y: f64,
        size: f64,
        anchor: String,
        text: String,
    }

    fn texts(svg: &str) -> Vec<Text> {
        svg.split("<text ")
            .skip(1)
            .map(|s| {
                let (tag, rest) = s.split_once('>').unwrap();
                Text {
                    x: num(tag, "x"),
                    y: num(tag, "y"),
                    size: num(tag, "font-size"),
                    anchor: attr(tag, "text-anchor").unwrap_or_default(),
                    text: rest.split_once("</text>").unwrap().0.to_string(),
                }
            })
            .collect()
    }

    /// The plot area framed by the axes: (left, right, top, bottom).
    fn plot_area(svg: &str) -> (f64, f64, f64, f64) {
        let frame = svg
            .split(r##"<g stroke="#444""##)
            .nth(1)
            .expect("axes drawn");
        let lines = tags(frame, "line");
        let (x_axis, y_axis) = (lines[0], lines[1]);
        (
            num(x_axis, "x1"),
            num(x_axis, "x2"),
            num(y_axis, "y1"),
            num(x_axis, "y1"),
        )
    }

    /// Centres of the circles (points of a line chart, citizens of the community view).
    fn circles(svg: &str) -> Vec<(f64, f64)> {
        tags(svg, "circle")
            .iter()
            .map(|c| (num(c, "cx"), num(c, "cy")))
            .collect()
    }

    /// Y tick labels (value, baseline) and the y of their grid lines, bottom to top.
    fn y_ticks(svg: &str) -> Vec<(String, f64, f64)> {
        let grid: Vec<f64> = tags(svg, "line")
            .iter()
            .filter(|l| attr(l, "stroke").as_deref() == Some("#ddd"))
            .map(|l| num(l, "y1"))
            .collect();
        let labels: Vec<Text> = texts(svg)
            .into_iter()
            .filter(|t| t.anchor == "end")
            .collect();
        assert_eq!(grid.len(), labels.len(), "one grid line per tick label");
        labels
            .into_iter()
            .zip(grid)
            .map(|(t, g)| (t.text, t.y, g))
            .collect()
    }

    /// X tick labels (value, x) of a line chart whose x label is `x_label`.
    fn x_ticks(svg: &str, x_label: &str) -> Vec<(String, f64)> {
        texts(svg)
            .into_iter()
            .filter(|t| t.anchor == "middle" && t.text != x_label)
            .map(|t| (t.text, t.x))
            .collect()
    }

    /// Legend entries: (x of the swatch, y of the swatch, text).
    fn legend_entries(svg: &str) -> Vec<(f64, f64, Text)> {
        let swatches: Vec<&str> = tags(svg, "line")
            .into_iter()
            .filter(|l| attr(l, "stroke-width").as_deref() == Some("3.5"))
            .collect();
        let names: Vec<Text> = texts(svg).into_iter().filter(|t| t.size == 14.0).collect();
        assert_eq!(swatches.len(), names.len(), "a swatch for every name");
        swatches
            .iter()
            .zip(names)
            .map(|(s, t)| (num(s, "x1"), num(s, "y1"), t))
            .collect()
    }

    /// A line with no band, in the first colour.
    fn plain(name: &str, points: &[(f64, f64)]) -> Line {
        Line {
            name: name.into(),
            points: points.iter().map(|&(x, y)| (x, Some(y))).collect(),
            colour: COLOURS[0],
            dashed: false,
            band: Vec::new(),
        }
    }

    fn close(a: f64, b: f64) -> bool {
        // Coordinates are written with one decimal.
        (a - b).abs() <= 0.06
    }

    /// Width the legend allows for one character of its 14-unit type.
    const GLYPH: f64 = 7.6;

    // --- Line charts ------------------------------------------------------------------

    /// The first point (x_range.0, y_range.0) is the bottom-left corner of the plot area,
    /// the last (x_max, y_max) its top-right corner, and one in between sits in proportion.
    #[test]
    fn points_are_placed_in_proportion_within_the_plot_area() {
        let lines = [plain("a", &[(1.0, 0.0), (2.0, 0.25), (5.0, 1.0)])];
        let svg = line_chart("x", "t", "round", &lines, (1.0, 5.0), (0.0, 1.0));
        let (left, right, top, bottom) = plot_area(&svg);
        // One legend row: the plot spans x 48..408 (420 - 12), y 68 (36 + 14 + 18)..216 (260 - 44).
        assert_eq!((left, right, top, bottom), (48.0, 408.0, 68.0, 216.0));
        let points = circles(&svg);
        let expected = [
            (left, bottom),
            (left + (right - left) / 4.0, bottom - (bottom - top) / 4.0),
            (right, top),
        ];
        assert_eq!(points.len(), 3, "{svg}");
        for (p, e) in points.iter().zip(expected) {
            assert!(close(p.0, e.0) && close(p.1, e.1), "{p:?} is not at {e:?}");
        }
        // The line passes through the same points.
        let line = tags(&svg, "path")
            .into_iter()
            .find(|p| attr(p, "fill").as_deref() == Some("none"))
            .unwrap();
        assert_eq!(path_points(&attr(line, "d").unwrap()), points);
    }

    /// With y from -1 to 1, -1 is at the bottom, 0 half-way up and 1 at the top, and the
    /// tick labels read -1, -0.5, 0, 0.5, 1 from the bottom up.
    #[test]
    fn a_y_range_below_zero_is_drawn_from_its_own_bottom() {
        let lines = [plain("a", &[(0.0, -1.0), (1.0, 0.0), (2.0, 1.0)])];
        let svg = line_chart("x", "t", "round", &lines, (0.0, 2.0), (-1.0, 1.0));
        let (_, _, top, bottom) = plot_area(&svg);
        let ys: Vec<f64> = circles(&svg).iter().map(|p| p.1).collect();
        assert!(close(ys[0], bottom), "{ys:?}");
        assert!(close(ys[1], (top + bottom) / 2.0), "{ys:?}");
        assert!(close(ys[2], top), "{ys:?}");
        let labels: Vec<String> = y_ticks(&svg).into_iter().map(|t| t.0).collect();
        assert_eq!(labels, ["-1", "-0.5", "0", "0.5", "1"]);
    }

    /// Data above y_range.1 grows the axis to the next round top (7.3 -> 8), with ticks at
    /// its quarters 0, 2, 4, 6, 8, each beside its grid line, evenly from bottom to top.
    #[test]
    fn y_ticks_are_quarters_of_a_round_top_that_covers_the_data() {
        let lines = [plain("a", &[(0.0, 1.0), (1.0, 7.3)])];
        let svg = line_chart("x", "t", "round", &lines, (0.0, 1.0), (0.0, 1.0));
        let (_, _, top, bottom) = plot_area(&svg);
        let ticks = y_ticks(&svg);
        let labels: Vec<&str> = ticks.iter().map(|t| t.0.as_str()).collect();
        assert_eq!(labels, ["0", "2", "4", "6", "8"]);
        for (k, (label, baseline, grid)) in ticks.iter().enumerate() {
            let expected = bottom - (bottom - top) * k as f64 / 4.0;
            assert!(close(*grid, expected), "grid line of {label} at {grid}");
            assert!(
                (baseline - grid).abs() < 8.0,
                "{label} is not beside its line"
            );
        }
        // 7.3 of 8 up the plot area.
        let highest = circles(&svg)[1].1;
        assert!(
            close(highest, bottom - (bottom - top) * 7.3 / 8.0),
            "{highest}"
        );
    }

    /// A few whole rounds (1 to 7) get a label each, under the point of that round.
    #[test]
    fn x_ticks_mark_every_round_when_there_are_few() {
        let svg = line_chart("x", "t", "round", &[], (1.0, 7.0), (0.0, 1.0));
        let (left, right, _, _) = plot_area(&svg);
        let ticks = x_ticks(&svg, "round");
        let labels: Vec<&str> = ticks.iter().map(|t| t.0.as_str()).collect();
        assert_eq!(labels, ["1", "2", "3", "4", "5", "6", "7"]);
        for (k, (label, x)) in ticks.iter().enumerate() {
            let expected = left + (right - left) * k as f64 / 6.0;
            assert!(close(*x, expected), "{label} at {x}, not {expected}");
        }
    }

    /// Many rounds, or a range that does not end on a whole number, get ticks at a round
    /// step: 1, 2 or 5 times a power of ten, at most five intervals.
    #[test]
    fn x_ticks_fall_on_round_steps_for_long_or_fractional_ranges() {
        let labels = |x_range: (f64, f64)| -> Vec<String> {
            let svg = line_chart("x", "t", "size", &[], x_range, (0.0, 1.0));
            x_ticks(&svg, "size").into_iter().map(|t| t.0).collect()
        };
        assert_eq!(labels((0.0, 40.0)), ["0", "10", "20", "30", "40"]);
        assert_eq!(labels((10.0, 30.0)), ["10", "15", "20", "25", "30"]);
        assert_eq!(labels((0.0, 2.5)), ["0", "0.5", "1", "1.5", "2", "2.5"]);
        assert_eq!(labels((0.5, 6.0)), ["2", "4", "6"]);
        // The explore page's month axis, before and after it grows past 24 months, and a
        // game of 20 rounds.
        assert_eq!(labels((0.0, 24.0)), ["0", "5", "10", "15", "20"]);
        assert_eq!(labels((0.0, 30.0)), ["0", "10", "20", "30"]);
        assert_eq!(labels((0.0, 37.0)), ["0", "10", "20", "30"]);
        assert_eq!(labels((1.0, 20.0)), ["5", "10", "15", "20"]);
        assert_eq!(labels((0.0, 0.3)), ["0", "0.1", "0.2", "0.3"]);
        // A tick stands where its value is: 15 is a quarter of the way along 10 to 30.
        let svg = line_chart("x", "t", "size", &[], (10.0, 30.0), (0.0, 1.0));
        let (left, right, _, _) = plot_area(&svg);
        let x15 = x_ticks(&svg, "size")[1].1;
        assert!(close(x15, left + (right - left) / 4.0), "{x15}");
    }

    // --- nice and tick ----------------------------------------------------------------

    #[test]
    fn nice_rounds_up_to_1_2_4_or_8_times_a_power_of_ten() {
        for (v, expected) in [
            (7.3, 8.0),
            (8.0, 8.0),
            (1.0, 1.0),
            (1.5, 2.0),
            (3.0, 4.0),
            (9.0, 10.0),
            (37.0, 40.0),
            (0.3, 0.4),
            (0.05, 0.08),
            (1000.0, 1000.0),
        ] {
            let got = nice(v);
            assert!(
                (got - expected).abs() <= 1e-12 * expected,
                "nice({v}) is {got}, not {expected}"
            );
        }
    }

    #[test]
    fn nice_of_nothing_or_nonsense_is_one() {
        for v in [0.0, -3.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(nice(v), 1.0, "nice({v})");
        }
    }

    #[test]
    fn tick_labels_drop_needless_zeros_and_never_read_minus_zero() {
        assert_eq!(tick(2.0), "2");
        assert_eq!(tick(10.0), "10");
        assert_eq!(tick(0.25), "0.25");
        assert_eq!(tick(-0.5), "-0.5");
        assert_eq!(tick(1.0 / 3.0), "0.333");
        assert_eq!(tick(0.0), "0");
        assert_eq!(tick(-0.0), "0");
        assert_eq!(tick(-0.0001), "0");
    }

    // --- Legend ------------------------------------------------------------------------

    /// Short names share the first row, left to right, each clear of the one before.
    #[test]
    fn short_legend_entries_share_a_row_without_overlapping() {
        let lines = [
            plain("class, groups of 4", &[(1.0, 0.5)]),
            plain("model, 4", &[(1.0, 0.5)]),
            plain("model, 8", &[(1.0, 0.5)]),
        ];
        let svg = line_chart("x", "t", "round", &lines, (1.0, 5.0), (0.0, 1.0));
        let entries = legend_entries(&svg);
        assert_eq!(entries.len(), 3);
        for pair in entries.windows(2) {
            let ((_, y0, name), (x1, y1, _)) = (&pair[0], &pair[1]);
            assert_eq!(y0, y1, "one row");
            let end = name.x + GLYPH * name.text.chars().count() as f64;
            assert!(
                *x1 > end,
                "{} ends at {end}, the next starts at {x1}",
                name.text
            );
        }
    }

    /// An entry that would run past the right edge of the plot starts a new row at the left.
    #[test]
    fn a_legend_entry_that_would_run_past_the_right_edge_starts_a_new_row() {
        let lines = [
            plain("low trust, no grants", &[(1.0, 0.5)]),
            plain("high trust, big grants", &[(1.0, 0.5)]),
        ];
        let svg = line_chart("x", "t", "size", &lines, (0.0, 40.0), (0.0, 1.0));
        let (left, right, _, _) = plot_area(&svg);
        let entries = legend_entries(&svg);
        for (_, _, name) in &entries {
            let end = name.x + GLYPH * name.text.chars().count() as f64;
            assert!(end <= right, "{} runs to {end}", name.text);
        }
        assert_eq!(entries[1].0, left);
        assert!(entries[1].1 > entries[0].1, "second row below the first");
    }

    /// A single name too long for one row still goes on the first row, leaving no empty
    /// row above it, and the chart keeps its usual height.
    #[test]
    fn a_single_long_legend_entry_stays_on_the_first_row() {
        let long = "a regime with a very long name that fills the row!";
        let one = |name: &str| {
            let lines = [plain(name, &[(1.0, 0.5)])];
            line_chart("x", "t", "size", &lines, (0.0, 40.0), (0.0, 1.0))
        };
        let (short, long) = (one("a"), one(long));
        assert_eq!(legend_entries(&long)[0].1, legend_entries(&short)[0].1);
        assert_eq!(plot_area(&long), plot_area(&short));
    }

    /// Rows run down from under the title, a row apart, and the plot starts below them.
    #[test]
    fn legend_rows_sit_between_the_title_and_the_plot() {
        for n in [1, 5] {
            let lines: Vec<Line> = (0..n)
                .map(|i| plain(&format!("class, size {i}"), &[(1.0, 1.0)]))
                .collect();
            let svg = line_chart("x", "t", "round", &lines, (1.0, 5.0), (0.0, 1.0));
            let title = texts(&svg)[0].y;
            let (_, _, top, _) = plot_area(&svg);
            let mut rows: Vec<f64> = legend_entries(&svg).iter().map(|e| e.1).collect();
            rows.dedup();
            assert_eq!(rows.len(), if n == 1 { 1 } else { 3 }, "{rows:?}");
            assert!(rows[0] > title, "first row {} above the title", rows[0]);
            for pair in rows.windows(2) {
                assert!(pair[1] - pair[0] >= 14.0, "rows overlap: {rows:?}");
            }
            let last = rows[rows.len() - 1];
            assert!(top >= last + LEGEND_ROW, "plot top {top} under row {last}");
        }
    }

    // --- Bar charts ----------------------------------------------------------------------

    fn bars(values: &[Option<f64>]) -> Vec<(String, Option<f64>)> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| (format!("{} members", i + 2), *v))
            .collect()
    }

    /// Rectangles of a bar chart: (x, y, width, height).
    fn rects(svg: &str) -> Vec<(f64, f64, f64, f64)> {
        tags(svg, "rect")
            .iter()
            .map(|r| (num(r, "x"), num(r, "y"), num(r, "width"), num(r, "height")))
            .collect()
    }

    /// Four bars share the plot width in four equal slots: their centres are at 1/8, 3/8,
    /// 5/8 and 7/8 of it (93, 183, 273, 363), and each is narrower than its slot.
    #[test]
    fn bars_stand_in_equal_slots_across_the_plot() {
        let svg = bar_chart("b", "t", "size", &bars(&[Some(1.0); 4]));
        let (left, right, _, _) = plot_area(&svg);
        let slot = (right - left) / 4.0;
        let rects = rects(&svg);
        assert_eq!(rects.len(), 4);
        for (i, (x, _, w, _)) in rects.iter().enumerate() {
            let centre = left + slot * (i as f64 + 0.5);
            assert!(
                close(x + w / 2.0, centre),
                "bar {i} centred at {}",
                x + w / 2.0
            );
            assert!(*w > slot / 2.0 && *w < slot, "bar {i} is {w} wide");
        }
    }

    /// The value above a bar and the label under it are centred on the bar, and an empty
    /// slot's "none" is centred in its slot like a bar would be.
    #[test]
    fn bar_labels_are_centred_on_their_bars() {
        let svg = bar_chart(
            "b",
            "t",
            "size",
            &bars(&[Some(1.0), Some(3.0), None, Some(2.0)]),
        );
        let (left, right, _, _) = plot_area(&svg);
        let slot = (right - left) / 4.0;
        let texts = texts(&svg);
        let at = |text: &str| texts.iter().find(|t| t.text == text).unwrap().x;
        let rects = rects(&svg);
        for (value, label, (x, _, w, _)) in [
            ("1.0", "2 members", rects[0]),
            ("3.0", "3 members", rects[1]),
        ] {
            assert!(close(at(value), x + w / 2.0), "{value} not on its bar");
            assert!(close(at(label), x + w / 2.0), "{label} not under its bar");
        }
        assert!(close(at("none"), left + 2.5 * slot));
        assert!(close(at("4 members"), left + 2.5 * slot));
    }

    /// Bars stand on the x axis, their heights in proportion to their values; the highest
    /// (4, the rounded top) reaches the top of the plot, with its value above it and
    /// below the title.
    #[test]
    fn a_higher_bar_is_drawn_taller_in_proportion() {
        let svg = bar_chart("b", "t", "size", &bars(&[Some(1.0), Some(2.0), Some(4.0)]));
        let (_, _, top, bottom) = plot_area(&svg);
        let rects = rects(&svg);
        for (_, y, _, h) in &rects {
            assert!(
                close(y + h, bottom),
                "bar from {y} to {} not on the axis",
                y + h
            );
        }
        let full = bottom - top;
        for (r, share) in rects.iter().zip([0.25, 0.5, 1.0]) {
            assert!(
                close(r.3, full * share),
                "bar {} tall, not {}",
                r.3,
                full * share
            );
        }
        let all = texts(&svg);
        let (title, label) = (&all[0], all.iter().find(|t| t.text == "4.0").unwrap());
        assert!(label.y < rects[2].1, "value above its bar");
        assert!(
            label.y - label.size >= title.y,
            "value label runs into the title"
        );
    }

    /// Under the axis of a bar chart there are the bar labels and nothing else: the x
    /// axis has no ticks of its own.
    #[test]
    fn a_bar_chart_shows_only_its_labels_under_the_axis() {
        let svg = bar_chart("b", "t", "size", &bars(&[Some(1.0), None, Some(2.0)]));
        let all = texts(&svg);
        let row = all.iter().find(|t| t.text == "2 members").unwrap().y;
        let under: Vec<&str> = all
            .iter()
            .filter(|t| t.y == row && (0.0..=W).contains(&t.x))
            .map(|t| t.text.as_str())
            .collect();
        assert_eq!(under, ["2 members", "3 members", "4 members"]);
    }

    // --- Community view ----------------------------------------------------------------

    fn view(groups: Vec<Option<u32>>) -> CommunityView {
        let states = [
            CitizenState::Unaware,
            CitizenState::Aware,
            CitizenState::Forming,
            CitizenState::Active,
        ];
        CommunityView {
            first: 0,
            states: (0..groups.len()).map(|i| states[i % 4]).collect(),
            groups,
            ties: Vec::new(),
        }
    }

    /// Citizens sit evenly spaced on one circle, the first at the top, all of them inside
    /// the picture and below its title.
    #[test]
    fn citizens_sit_evenly_on_a_circle_starting_at_the_top() {
        let svg = community(&view(vec![None; 8]), "Community 1 of 3");
        let points = circles(&svg);
        assert_eq!(points.len(), 8);
        let n = points.len() as f64;
        let cx = points.iter().map(|p| p.0).sum::<f64>() / n;
        let cy = points.iter().map(|p| p.1).sum::<f64>() / n;
        let dist = |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).hypot(a.1 - b.1);
        let radius = dist(points[0], (cx, cy));
        assert!(radius > 50.0, "circle of radius {radius}");
        for (i, p) in points.iter().enumerate() {
            assert!(
                (dist(*p, (cx, cy)) - radius).abs() < 0.2,
                "citizen {i} off the circle"
            );
            let next = points[(i + 1) % points.len()];
            let chord = dist(points[0], points[1]);
            assert!(
                (dist(*p, next) - chord).abs() < 0.2,
                "uneven after citizen {i}"
            );
        }
        assert!(close(points[0].0, cx) && points[0].1 < cy - radius + 0.1);
        let title = texts(&svg)[0].y;
        for tag in tags(&svg, "circle") {
            let (x, y, r) = (num(tag, "cx"), num(tag, "cy"), num(tag, "r"));
            assert!(x - r >= 0.0 && x + r <= 400.0 && y + r <= 400.0, "{tag}");
            assert!(y - r > title, "{tag} runs into the title");
        }
    }

    /// Each group is one closed shape through exactly its members, in a colour of its own.
    #[test]
    fn each_group_is_one_closed_shape_in_its_own_colour() {
        let groups = vec![Some(7), Some(7), None, Some(8), Some(8), Some(8)];
        let svg = community(&view(groups), "c");
        let points = circles(&svg);
        let shapes: Vec<&str> = tags(&svg, "path");
        assert_eq!(shapes.len(), 2, "{svg}");
        let mut colours = Vec::new();
        for (shape, members) in shapes.iter().zip([vec![0, 1], vec![3, 4, 5]]) {
            let d = attr(shape, "d").unwrap();
            assert!(d.ends_with('Z'), "closed: {d}");
            let through: Vec<(f64, f64)> = members.iter().map(|&m| points[m]).collect();
            assert_eq!(path_points(&d), through);
            let colour = attr(shape, "fill").unwrap();
            assert!(COLOURS.contains(&colour.as_str()));
            colours.push(colour);
        }
        assert_ne!(colours[0], colours[1]);
        assert!(svg.contains(r#"data-members="5""#));
    }

    /// Names, labels and titles are escaped wherever they are written.
    #[test]
    fn user_text_is_escaped_in_legends_and_labels() {
        let lines = [plain("R&D <model>", &[(1.0, 0.5)])];
        let svg = line_chart("x", "t", "x \"size\"", &lines, (0.0, 2.0), (0.0, 1.0));
        assert!(svg.contains("R&amp;D &lt;model&gt;") && svg.contains("x &quot;size&quot;"));
        let chart = bar_chart("b", "t", "size", &[("<3".into(), Some(1.0))]);
        assert!(chart.contains("&lt;3") && !chart.contains("<3"));
    }
}
