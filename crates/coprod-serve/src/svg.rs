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
    // A value that is not a finite number (an estimate with no data) is no point: it breaks
    // the line like `None`, and written into a path it would end the path there.
    let finite = |y: &Option<f64>| y.filter(|v| v.is_finite());
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
    out.push_str("</svg>");
    out
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
    // Whole numbers (rounds) get a tick each when there are few; otherwise quarters.
    let span = x.1 - x.0;
    let ticks: Vec<f64> = if span <= 12.0 && x.0.fract() == 0.0 && x.1.fract() == 0.0 {
        (0..=span as u32).map(|k| x.0 + f64::from(k)).collect()
    } else {
        (0..=4).map(|k| x.0 + span * f64::from(k) / 4.0).collect()
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

/// A bar chart of labelled values (`None` draws an empty slot with "none").
pub fn bar_chart(id: &str, title: &str, y_label: &str, bars: &[(String, Option<f64>)]) -> String {
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
        y_label,
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
}
