//! Shared layout code: writing PNG and SVG from one drawing function, axes with tick labels,
//! the title, the legend column and point markers.
//!
//! Owns the rules that keep every chart readable (legends beside the data, never over it;
//! ranges that are never empty or infinite). It does not know any chart kind.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use plotters::chart::{ChartBuilder, ChartContext};
use plotters::coord::Shift;
use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::{
    BLACK, BitMapBackend, Circle, Color, DrawingArea, DrawingAreaErrorKind, DrawingBackend,
    FontStyle, IntoDrawingArea, IntoFont, PathElement, Polygon, RGBColor, Rectangle, SVGBackend,
    TextStyle, WHITE,
};
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::error::PlotError;
use crate::style::{ChartStyle, FONT_FAMILY, Metrics, register_fonts};

/// A drawing error with the backend type erased, so that one drawing function serves PNG and SVG.
#[derive(Debug)]
pub(crate) struct DrawError(pub(crate) String);

impl<E: std::error::Error + Send + Sync> From<DrawingAreaErrorKind<E>> for DrawError {
    fn from(error: DrawingAreaErrorKind<E>) -> Self {
        DrawError(error.to_string())
    }
}

/// The result of drawing onto a backend.
pub(crate) type DrawResult<T = ()> = Result<T, DrawError>;

/// One chart kind: validated data that can draw itself onto any plotters backend.
pub(crate) trait Chart {
    /// Draws the whole chart, including the white background and the title.
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        style: &ChartStyle,
    ) -> DrawResult;
}

/// `<stem>.<extension>`, keeping any dots that are already in the stem.
fn with_suffix(stem: &Path, extension: &str) -> PathBuf {
    let mut name = OsString::from(stem.as_os_str());
    name.push(".");
    name.push(extension);
    PathBuf::from(name)
}

/// Draws `chart` twice with the same code, into `<stem>.png` and `<stem>.svg`, creating the
/// parent directory if needed. Returns the two paths, PNG first.
pub(crate) fn render(chart: &impl Chart, style: &ChartStyle) -> Result<Vec<PathBuf>, PlotError> {
    style.validate()?;
    register_fonts();
    let png_path = with_suffix(&style.output_stem, "png");
    let svg_path = with_suffix(&style.output_stem, "svg");
    if let Some(parent) = png_path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|source| PlotError::Io {
            path: parent.to_path_buf(),
            source,
        })?;
    }
    let size = (style.width, style.height);

    let drawing_error = |path: &Path, message: String| PlotError::Drawing {
        path: path.to_path_buf(),
        message,
    };
    {
        let root = BitMapBackend::new(&png_path, size).into_drawing_area();
        chart
            .draw(&root, style)
            .map_err(|e| drawing_error(&png_path, e.0))?;
        root.present()
            .map_err(|e| drawing_error(&png_path, e.to_string()))?;
    }

    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        chart
            .draw(&root, style)
            .map_err(|e| drawing_error(&svg_path, e.0))?;
        root.present()
            .map_err(|e| drawing_error(&svg_path, e.to_string()))?;
    }
    fs::write(&svg_path, svg).map_err(|source| PlotError::Io {
        path: svg_path.clone(),
        source,
    })?;
    Ok(vec![png_path, svg_path])
}

/// A text style of the embedded font.
pub(crate) fn text(size: f64) -> TextStyle<'static> {
    (FONT_FAMILY, size).into_font().color(&BLACK)
}

/// A bold text style of the embedded font.
pub(crate) fn bold_text(size: f64) -> TextStyle<'static> {
    (FONT_FAMILY, size, FontStyle::Bold)
        .into_font()
        .color(&BLACK)
}

/// A dark grey used for notes, frames and reference lines.
pub(crate) const DARK_GREY: RGBColor = RGBColor(60, 60, 60);
/// The colour of grid lines.
pub(crate) const GRID_GREY: RGBColor = RGBColor(218, 218, 218);

/// Fills the background, draws the (possibly wrapped) title and returns the area below it.
pub(crate) fn draw_title<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    style: &ChartStyle,
    metrics: &Metrics,
) -> DrawResult<DrawingArea<DB, Shift>> {
    root.fill(&WHITE)?;
    let font = bold_text(metrics.title);
    let (width, _) = root.dim_in_pixel();
    let max_width = width.saturating_sub(2 * metrics.gap as u32);
    let lines = wrap_two_lines(root, &style.title, &font, max_width)?;
    let line_height = (metrics.title * 1.25).round() as i32;
    let top = metrics.gap;
    for (i, line) in lines.iter().enumerate() {
        root.draw_text(
            line,
            &font.pos(Pos::new(HPos::Center, VPos::Top)),
            (width as i32 / 2, top + i as i32 * line_height),
        )?;
    }
    let used = top + lines.len() as i32 * line_height + metrics.gap / 2;
    Ok(root.margin(used, 0, 0, 0))
}

/// Splits `text` into at most two lines at the space nearest the middle when it is too wide.
fn wrap_two_lines<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    font: &TextStyle,
    max_width: u32,
) -> DrawResult<Vec<String>> {
    let (w, _) = area.estimate_text_size(text, font)?;
    if w <= max_width {
        return Ok(vec![text.to_string()]);
    }
    let middle = text.len() / 2;
    let split = text
        .char_indices()
        .filter(|(_, c)| *c == ' ')
        .map(|(i, _)| i)
        .min_by_key(|i| i.abs_diff(middle));
    Ok(match split {
        Some(i) => vec![text[..i].to_string(), text[i + 1..].to_string()],
        None => vec![text.to_string()],
    })
}

/// A numeric axis: its drawn range, the tick positions and how many decimals tick labels get.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Axis {
    /// Lower end of the drawn range.
    pub(crate) lo: f64,
    /// Upper end of the drawn range.
    pub(crate) hi: f64,
    /// Tick positions, all inside `lo..=hi`.
    pub(crate) ticks: Vec<f64>,
    /// Decimals shown in tick labels.
    pub(crate) decimals: usize,
}

/// The smallest and largest finite value, or `None` when there is none.
pub(crate) fn finite_extent(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((lo.min(v), hi.max(v))),
        })
}

/// How an axis range is padded around the data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Padding {
    /// 4% of the span on both sides.
    Both,
    /// Widened to the nearest ticks outside the data, so that both ends carry a label.
    ToTicks,
}

/// A readable axis covering `min..=max`, with about `target_ticks` ticks at 1, 2 or 5 times a
/// power of ten. A single value is widened to a non-empty range. Returns `None` if the range
/// cannot be represented (non-finite input or a span that overflows).
pub(crate) fn nice_axis(min: f64, max: f64, target_ticks: usize, padding: Padding) -> Option<Axis> {
    if !(min.is_finite() && max.is_finite()) || min > max {
        return None;
    }
    let (mut lo, mut hi) = (min, max);
    if hi - lo <= f64::EPSILON * lo.abs().max(hi.abs()).max(1e-300) {
        let half = if lo == 0.0 { 1.0 } else { lo.abs() * 0.1 };
        lo -= half;
        hi += half;
    } else if padding == Padding::Both {
        let pad = (hi - lo) * 0.04;
        lo -= pad;
        hi += pad;
    }
    let span = hi - lo;
    if !span.is_finite() || span <= 0.0 {
        return None;
    }
    // Of the steps 1, 2 and 5 times a power of ten, take the one whose tick count is nearest
    // to the target (ties go to the larger step, which gives shorter labels).
    let target = target_ticks.max(2) as f64;
    let magnitude = 10f64.powf((span / target).log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0, 20.0]
        .iter()
        .map(|m| m * magnitude)
        .filter(|s| s.is_finite() && *s > 0.0)
        .min_by(|a, b| {
            let miss = |s: f64| ((span / s) - target).abs();
            miss(*a).total_cmp(&miss(*b)).then(b.total_cmp(a))
        })
        .unwrap_or(f64::NAN);
    if !(step.is_finite() && step > 0.0) {
        return None;
    }
    if padding == Padding::ToTicks {
        lo = (lo / step).floor() * step;
        hi = (hi / step).ceil() * step;
    }
    let first = (lo / step).ceil();
    let mut ticks = Vec::new();
    // Bounded loop: even with rounding trouble there are at most ~2×target_ticks ticks.
    for k in 0..(4 * target_ticks.max(1) + 4) {
        let tick = (first + k as f64) * step;
        if tick > hi + step * 1e-9 {
            break;
        }
        // Snap tiny rounding residue (like 5.551115123125783e-17) to zero.
        ticks.push(if tick.abs() < step * 1e-9 { 0.0 } else { tick });
    }
    let decimals = (-step.log10().floor()).max(0.0) as usize;
    Some(Axis {
        lo,
        hi,
        ticks,
        decimals: decimals.min(12),
    })
}

/// [`nice_axis`] for chart `title`, turning an unrepresentable range into `UnplottableRange`.
pub(crate) fn axis_or_error(
    (min, max): (f64, f64),
    target_ticks: usize,
    padding: Padding,
    title: &str,
    axis: &str,
) -> Result<Axis, PlotError> {
    nice_axis(min, max, target_ticks, padding).ok_or_else(|| PlotError::UnplottableRange {
        title: title.to_string(),
        axis: axis.to_string(),
        min,
        max,
    })
}

/// Formats a tick value with `decimals` decimals, switching to scientific notation for very
/// large or very small magnitudes, and never printing "-0".
pub(crate) fn format_number(value: f64, decimals: usize) -> String {
    if !value.is_finite() {
        return "n/a".to_string();
    }
    let magnitude = value.abs();
    let text = if magnitude >= 1e7 || (magnitude > 0.0 && decimals > 6) {
        format!("{value:.2e}")
    } else {
        format!("{value:.decimals$}")
    };
    if text.starts_with('-') && text[1..].chars().all(|c| c == '0' || c == '.') {
        text[1..].to_string()
    } else {
        text
    }
}

/// Decimals for labelling each of `values` individually: the fewest (up to 4) that print every
/// value exactly (0.25 as "0.25", not "0.2"), else the fewest (up to 6) that tell them apart.
pub(crate) fn decimals_to_distinguish(values: &[f64]) -> usize {
    let exact = (0..=4usize).find(|d| {
        let factor = 10f64.powi(*d as i32);
        values
            .iter()
            .filter(|v| v.is_finite())
            .all(|v| ((v * factor).round() / factor - v).abs() <= 1e-9 * v.abs().max(1.0))
    });
    if let Some(d) = exact {
        return d;
    }
    (0..=6)
        .find(|d| {
            let mut labels: Vec<String> = values.iter().map(|v| format_number(*v, *d)).collect();
            labels.sort();
            labels.dedup();
            labels.len() == values.len()
        })
        .unwrap_or(6)
}

/// Maximal runs of consecutive indices (in increasing x order) where `keep(i)` holds.
///
/// Lines are broken at non-finite values instead of being drawn through them.
pub(crate) fn finite_runs(x: &[f64], keep: impl Fn(usize) -> bool) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.sort_by(|a, b| x[*a].total_cmp(&x[*b]));
    let mut runs = Vec::new();
    let mut current = Vec::new();
    for i in order {
        if x[i].is_finite() && keep(i) {
            current.push(i);
        } else if !current.is_empty() {
            runs.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        runs.push(current);
    }
    runs
}

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
            area.draw(&Polygon::new(points.clone(), color.filled()))?;
            let mut closed = points.clone();
            closed.push(points[0]);
            area.draw(&PathElement::new(closed, outline))?;
        }
        Marker::Diamond => {
            let h = (f64::from(r) * 1.3).round() as i32;
            let points = vec![(x, y - h), (x + h, y), (x, y + h), (x - h, y)];
            area.draw(&Polygon::new(points.clone(), color.filled()))?;
            let mut closed = points.clone();
            closed.push(points[0]);
            area.draw(&PathElement::new(closed, outline))?;
        }
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

/// Width of the swatch column of a legend, in pixels.
fn swatch_width(metrics: &Metrics) -> i32 {
    (metrics.legend * 2.2).round() as i32
}

/// Shortens `label` with an ellipsis until it fits `max_width` pixels.
pub(crate) fn fit_label<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    label: &str,
    font: &TextStyle,
    max_width: u32,
) -> DrawResult<String> {
    let mut chars: Vec<char> = label.chars().collect();
    let mut candidate = label.to_string();
    while area.estimate_text_size(&candidate, font)?.0 > max_width && chars.len() > 1 {
        chars.pop();
        candidate = chars.iter().collect::<String>() + "…";
    }
    Ok(candidate)
}

/// The width of the legend column for `entries`: wide enough for the longest label, but at most
/// 32% of the area, so the data keeps most of the width.
pub(crate) fn legend_width<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[LegendEntry],
    metrics: &Metrics,
) -> DrawResult<u32> {
    if entries.is_empty() {
        return Ok(0);
    }
    let font = text(metrics.legend);
    let mut widest = 0;
    for entry in entries {
        widest = widest.max(area.estimate_text_size(&entry.label, &font)?.0);
    }
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
    let line = metrics.line_width;
    for (i, entry) in entries.iter().enumerate() {
        let y = top + row_height / 2 + i as i32 * row_height;
        let (x0, x1) = (metrics.gap, metrics.gap + swatch);
        let mid = (x0 + x1) / 2;
        let color = entry.color;
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
                let cap = metrics.marker;
                let style = color.stroke_width(line.max(3) - 1);
                area.draw(&PathElement::new(vec![(mid, y - h), (mid, y + h)], style))?;
                area.draw(&PathElement::new(
                    vec![(mid - cap, y - h), (mid + cap, y - h)],
                    style,
                ))?;
                area.draw(&PathElement::new(
                    vec![(mid - cap, y + h), (mid + cap, y + h)],
                    style,
                ))?;
            }
        }
        let label = fit_label(area, &entry.label, &font, max_label)?;
        area.draw_text(
            &label,
            &font.pos(Pos::new(HPos::Left, VPos::Center)),
            (label_x, y),
        )?;
    }
    Ok(())
}

/// Pixel sizes of the label areas left of and below a plot whose tick labels are `y_labels`.
pub(crate) fn label_areas<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    y_labels: &[String],
    has_x_label: bool,
    has_y_label: bool,
    metrics: &Metrics,
) -> DrawResult<(u32, u32)> {
    let tick_font = text(metrics.tick);
    let mut widest = 0;
    for label in y_labels {
        widest = widest.max(area.estimate_text_size(label, &tick_font)?.0);
    }
    let axis_room = if has_y_label {
        (metrics.axis * 1.3).round() as u32
    } else {
        0
    };
    let left = widest + axis_room + 2 * metrics.gap as u32;
    let bottom_axis_room = if has_x_label {
        (metrics.axis * 1.2).round() as u32
    } else {
        0
    };
    let bottom =
        (metrics.tick * 1.2).round() as u32 + bottom_axis_room + metrics.gap as u32 * 3 / 2;
    Ok((left, bottom))
}

/// A linear f64 coordinate whose tick positions are given, not computed by plotters.
///
/// (plotters' own `WithKeyPoints<RangedCoordf64>` cannot take a custom label formatter.)
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Ticked {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ticked {
    /// The range `lo..hi` with ticks at `ticks`.
    pub(crate) fn new(lo: f64, hi: f64, ticks: Vec<f64>) -> Self {
        Ticked { lo, hi, ticks }
    }
}

impl From<&Axis> for Ticked {
    fn from(axis: &Axis) -> Self {
        Ticked::new(axis.lo, axis.hi, axis.ticks.clone())
    }
}

impl Ranged for Ticked {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let span = self.hi - self.lo;
        let length = limit.1 - limit.0;
        if span == 0.0 || length == 0 {
            return limit.0 + length / 2;
        }
        let fraction = (value - self.lo) / span;
        // The cast saturates for huge or infinite values and maps NaN to 0: it never panics.
        limit.0 + (f64::from(length) * fraction).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        // Light (minor) grid lines are not drawn: they only add clutter on a projector.
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// The coordinate system of a numeric x-y chart with hand-picked ticks.
pub(crate) type XyCoord = Cartesian2d<Ticked, Ticked>;

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

/// Builds a numeric chart on `plot` and draws its grid, axes, tick labels and axis labels.
pub(crate) fn build_xy<'a, DB: DrawingBackend>(
    plot: &'a DrawingArea<DB, Shift>,
    x: &Axis,
    y: &Axis,
    style: &ChartStyle,
    metrics: &Metrics,
) -> DrawResult<ChartContext<'a, DB, XyCoord>> {
    let y_labels: Vec<String> = y
        .ticks
        .iter()
        .map(|t| format_number(*t, y.decimals))
        .collect();
    let (left, bottom) = label_areas(
        plot,
        &y_labels,
        !style.x_label.is_empty(),
        !style.y_label.is_empty(),
        metrics,
    )?;
    let mut chart = ChartBuilder::on(plot)
        .margin_top(metrics.gap)
        .margin_right(3 * metrics.gap)
        .margin_left(metrics.gap / 2)
        .x_label_area_size(bottom)
        .y_label_area_size(left)
        .build_cartesian_2d(Ticked::from(x), Ticked::from(y))?;
    let x_format = |v: &f64| format_number(*v, x.decimals);
    let y_format = |v: &f64| format_number(*v, y.decimals);
    chart
        .configure_mesh()
        .x_desc(style.x_label.as_str())
        .y_desc(style.y_label.as_str())
        .axis_desc_style(text(metrics.axis))
        .label_style(text(metrics.tick))
        .x_label_formatter(&x_format)
        .y_label_formatter(&y_format)
        .bold_line_style(GRID_GREY.stroke_width(1))
        .axis_style(DARK_GREY.stroke_width(2))
        .set_all_tick_mark_size(metrics.gap / 2)
        .draw()?;
    Ok(chart)
}

/// The y offset, inside `legend_area`, of the top of the chart's plotting area.
pub(crate) fn legend_top<DB: DrawingBackend>(
    chart: &ChartContext<'_, DB, XyCoord>,
    legend_area: &DrawingArea<DB, Shift>,
) -> i32 {
    let (_, plot_y) = chart.plotting_area().get_pixel_range();
    let (_, legend_y) = legend_area.get_pixel_range();
    (plot_y.start - legend_y.start).max(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_axis_picks_round_ticks() {
        let axis = nice_axis(0.0, 1.0, 5, Padding::ToTicks).unwrap();
        assert_eq!(
            axis.ticks,
            vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]
        );
        assert_eq!(axis.decimals, 1);
        let axis = nice_axis(0.014, 0.72, 7, Padding::Both).unwrap();
        assert_eq!(axis.ticks.len(), 8, "{:?}", axis.ticks);
        assert!((axis.ticks[1] - axis.ticks[0] - 0.1).abs() < 1e-12);
        let axis = nice_axis(0.01, 0.99, 5, Padding::ToTicks).unwrap();
        assert_eq!((axis.lo, axis.hi), (0.0, 1.0));
        let axis = nice_axis(0.0, 200.0, 8, Padding::Both).unwrap();
        assert!(axis.lo < 0.0 && axis.hi > 200.0);
        assert!(
            axis.ticks
                .iter()
                .all(|t| t % 20.0 == 0.0 || t % 50.0 == 0.0)
        );
        assert_eq!(axis.decimals, 0);
    }

    #[test]
    fn nice_axis_handles_degenerate_ranges() {
        let single = nice_axis(3.0, 3.0, 8, Padding::Both).unwrap();
        assert!(single.lo < 3.0 && single.hi > 3.0 && !single.ticks.is_empty());
        let zero = nice_axis(0.0, 0.0, 8, Padding::Both).unwrap();
        assert_eq!((zero.lo, zero.hi), (-1.0, 1.0));
        assert!(nice_axis(f64::NAN, 1.0, 8, Padding::Both).is_none());
        assert!(nice_axis(-1e308, 1e308, 8, Padding::Both).is_none());
        let tiny = nice_axis(1.0, 1.0 + 1e-12, 8, Padding::Both).unwrap();
        assert!(tiny.ticks.len() <= 40);
    }

    #[test]
    fn numbers_format_without_negative_zero() {
        assert_eq!(format_number(-0.0001, 2), "0.00");
        assert_eq!(format_number(0.25, 2), "0.25");
        assert_eq!(format_number(12.0, 0), "12");
        assert_eq!(format_number(f64::NAN, 2), "n/a");
        assert_eq!(decimals_to_distinguish(&[0.1, 0.2, 0.3]), 1);
        assert_eq!(decimals_to_distinguish(&[2.0, 4.0, 8.0]), 0);
        assert_eq!(decimals_to_distinguish(&[0.0, 0.25, 0.5, 0.75]), 2);
        assert_eq!(decimals_to_distinguish(&[0.1, 1.0 / 3.0]), 1);
    }

    #[test]
    fn runs_break_at_non_finite_values() {
        let x = [0.0, 1.0, 2.0, 3.0, 4.0];
        let y = [1.0, f64::NAN, 2.0, 3.0, f64::INFINITY];
        assert_eq!(
            finite_runs(&x, |i| y[i].is_finite()),
            vec![vec![0], vec![2, 3]]
        );
    }

    #[test]
    fn suffix_keeps_dots_in_stem() {
        assert_eq!(
            with_suffix(Path::new("out/fig.v2"), "png"),
            PathBuf::from("out/fig.v2.png")
        );
    }
}
