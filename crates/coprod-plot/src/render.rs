//! Shared chart code: writing PNG and SVG from one drawing function, the title, and the
//! layout of a chart's plotting area with its axes, tick labels, axis labels and grid (with a
//! legend column for x-y charts).
//!
//! Owns the rules that keep every chart readable (projector-sized type, room reserved for
//! labels, legends beside the data). Axis ranges are `axis.rs`'s, marks `marks.rs`'s and the
//! legend `legend.rs`'s. It does not know any chart kind.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use image::codecs::png::PngEncoder;
use image::{ColorType, ImageEncoder};
use plotters::chart::{ChartBuilder, ChartContext};
use plotters::coord::Shift;
use plotters::coord::cartesian::Cartesian2d;
use plotters::prelude::{
    BitMapBackend, Color, DrawingArea, DrawingBackend, IntoDrawingArea, RGBColor, SVGBackend,
    TextStyle, WHITE,
};
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::axis::{Axis, Ticked, format_number};
use crate::error::PlotError;
use crate::legend::{LegendEntry, draw_legend, split_for_legend};
pub(crate) use crate::primitives::{
    DARK_GREY, DrawResult, bold_text, fit_label, text, widest_text,
};
use crate::style::{ChartStyle, Metrics, register_fonts};

/// What a chart draws on: the whole image, the area left below the title, and the sizes to use.
pub(crate) struct Canvas<'a, DB: DrawingBackend> {
    /// The whole image, for drawing in pixels (its coordinates are the image's).
    pub(crate) root: &'a DrawingArea<DB, Shift>,
    /// The area below the title, which the chart lays out.
    pub(crate) body: DrawingArea<DB, Shift>,
    /// The chart's title, labels and size.
    pub(crate) style: &'a ChartStyle,
    /// Type sizes and line widths for this size of chart.
    pub(crate) metrics: Metrics,
}

/// One chart kind: validated data that can draw itself onto any plotters backend.
pub(crate) trait Chart {
    /// Draws the chart into `canvas.body`; the background and title are already drawn.
    fn draw<DB: DrawingBackend>(&self, canvas: &Canvas<'_, DB>) -> DrawResult;
}

/// `<stem>.<extension>`, keeping any dots that are already in the stem.
fn with_suffix(stem: &Path, extension: &str) -> PathBuf {
    let mut name = OsString::from(stem.as_os_str());
    name.push(".");
    name.push(extension);
    PathBuf::from(name)
}

/// The error for a file or directory at `path` that could not be written.
fn io_error(path: &Path, source: std::io::Error) -> PlotError {
    PlotError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Draws `chart` twice with the same code, into `<stem>.png` and `<stem>.svg`, creating the
/// parent directory if needed. Returns the two paths, PNG first.
pub(crate) fn render(chart: &impl Chart, style: &ChartStyle) -> Result<Vec<PathBuf>, PlotError> {
    style.validate()?;
    register_fonts();
    let png_path = with_suffix(&style.output_stem, "png");
    let svg_path = with_suffix(&style.output_stem, "svg");
    if let Some(parent) = png_path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent).map_err(|source| io_error(parent, source))?;
    }
    let size = (style.width, style.height);
    let png = png_bytes(chart, style, &png_path)?;
    fs::write(&png_path, png).map_err(|source| io_error(&png_path, source))?;
    // Drawn into a string and written here, so that a failed write is an `Io` error naming the file.
    let mut svg = String::new();
    draw_file(
        chart,
        style,
        SVGBackend::with_string(&mut svg, size),
        &svg_path,
    )?;
    fs::write(&svg_path, svg).map_err(|source| io_error(&svg_path, source))?;
    Ok(vec![png_path, svg_path])
}

/// `chart` drawn into pixels and encoded as PNG, as plotters would save it. Encoded here and
/// written by the caller because plotters' own save turns a failed write (a full disk) into
/// a drawing error, and loses one that happens when its buffered file is closed.
fn png_bytes(chart: &impl Chart, style: &ChartStyle, path: &Path) -> Result<Vec<u8>, PlotError> {
    let drawing_error = |message: String| PlotError::Drawing {
        path: path.to_path_buf(),
        message,
    };
    let (width, height) = (style.width, style.height);
    // `validate` caps each side, so the product fits in memory and in `usize`.
    let mut pixels = vec![0u8; width as usize * height as usize * 3];
    let backend = <BitMapBackend>::with_buffer_and_format(&mut pixels, (width, height))
        .map_err(|e| drawing_error(e.to_string()))?;
    draw_file(chart, style, backend, path)?;
    let mut png = Vec::new();
    PngEncoder::new(&mut png)
        .write_image(&pixels, width, height, ColorType::Rgb8)
        .map_err(|e| drawing_error(e.to_string()))?;
    Ok(png)
}

/// Draws the background, the title and `chart` onto `backend` and flushes it; errors name
/// `path`, the file being drawn.
fn draw_file<DB: DrawingBackend>(
    chart: &impl Chart,
    style: &ChartStyle,
    backend: DB,
    path: &Path,
) -> Result<(), PlotError> {
    let drawing_error = |message: String| PlotError::Drawing {
        path: path.to_path_buf(),
        message,
    };
    let root = backend.into_drawing_area();
    let metrics = style.metrics();
    let body = draw_title(&root, style, &metrics).map_err(|e| drawing_error(e.0))?;
    let canvas = Canvas {
        root: &root,
        body,
        style,
        metrics,
    };
    chart.draw(&canvas).map_err(|e| drawing_error(e.0))?;
    root.present().map_err(|e| drawing_error(e.to_string()))
}

/// The colour of grid lines.
pub(crate) const GRID_GREY: RGBColor = RGBColor(218, 218, 218);

/// Fills the background, draws the (possibly wrapped) title and returns the area below it.
fn draw_title<DB: DrawingBackend>(
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

/// Room for an axis label of `factor` times the axis type size, none when `label` is empty.
pub(crate) fn label_room(label: &str, factor: f64, metrics: &Metrics) -> u32 {
    if label.is_empty() {
        0
    } else {
        (metrics.axis * factor).round() as u32
    }
}

/// Pixel sizes of the label areas left of and below a plot whose tick labels are `y_labels`.
fn label_areas<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    y_labels: &[String],
    style: &ChartStyle,
    metrics: &Metrics,
) -> DrawResult<(u32, u32)> {
    let widest = widest_text(area, y_labels, &text(metrics.tick))?;
    let left = widest + label_room(&style.y_label, 1.3, metrics) + 2 * metrics.gap as u32;
    let bottom = (metrics.tick * 1.2).round() as u32
        + label_room(&style.x_label, 1.2, metrics)
        + metrics.gap as u32 * 3 / 2;
    Ok((left, bottom))
}

/// The coordinate system of a numeric x-y chart with hand-picked ticks.
pub(crate) type XyCoord = Cartesian2d<Ticked, Ticked>;

/// Room around a chart's plotting area, in pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Frame {
    /// Above the plotting area.
    pub(crate) top: i32,
    /// Right of the plotting area.
    pub(crate) right: i32,
    /// Left of the plotting area, for the y tick labels and the y axis label.
    pub(crate) left: u32,
    /// Below the plotting area, for the x tick labels and the x axis label.
    pub(crate) bottom: u32,
}

/// A chart on `area` with the coordinates `x` and `y`, leaving `frame` around the plotting area.
pub(crate) fn build_chart<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    frame: &Frame,
    (x, y): (Ticked, Ticked),
    metrics: &Metrics,
) -> DrawResult<ChartContext<'a, DB, XyCoord>> {
    Ok(ChartBuilder::on(area)
        .margin_top(frame.top)
        .margin_right(frame.right)
        .margin_left(metrics.gap / 2)
        .x_label_area_size(frame.bottom)
        .y_label_area_size(frame.left)
        .build_cartesian_2d(x, y)?)
}

/// Which grid lines a chart draws at its ticks.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Grid {
    /// Vertical and horizontal lines.
    Full,
    /// Vertical lines only (at the x ticks).
    Vertical,
    /// No grid lines.
    Off,
}

/// A function that turns a tick position into its label.
pub(crate) type TickFormat<'a> = &'a dyn Fn(&f64) -> String;

/// Draws the grid, the axes with tick marks, the tick labels (from `x_format` and `y_format`)
/// and the axis labels of `style`.
pub(crate) fn draw_axes<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, XyCoord>,
    (x_format, y_format): (TickFormat<'_>, TickFormat<'_>),
    grid: Grid,
    style: &ChartStyle,
    metrics: &Metrics,
) -> DrawResult {
    let mut mesh = chart.configure_mesh();
    match grid {
        Grid::Full => {}
        Grid::Vertical => {
            mesh.disable_y_mesh();
        }
        Grid::Off => {
            mesh.disable_mesh();
        }
    }
    mesh.x_desc(style.x_label.as_str())
        .y_desc(style.y_label.as_str())
        .axis_desc_style(text(metrics.axis))
        .label_style(text(metrics.tick))
        .x_label_formatter(x_format)
        .y_label_formatter(y_format)
        .bold_line_style(GRID_GREY.stroke_width(1))
        .axis_style(DARK_GREY.stroke_width(2))
        .set_all_tick_mark_size(metrics.gap / 2)
        .draw()?;
    Ok(())
}

/// Builds a numeric chart on `plot` and draws its grid, axes, tick labels and axis labels.
fn build_xy<'a, DB: DrawingBackend>(
    plot: &'a DrawingArea<DB, Shift>,
    (x, y): (&Axis, &Axis),
    style: &ChartStyle,
    metrics: &Metrics,
) -> DrawResult<ChartContext<'a, DB, XyCoord>> {
    let y_labels: Vec<String> = y
        .ticks
        .iter()
        .map(|t| format_number(*t, y.decimals))
        .collect();
    let (left, bottom) = label_areas(plot, &y_labels, style, metrics)?;
    let frame = Frame {
        top: metrics.gap,
        right: 3 * metrics.gap,
        left,
        bottom,
    };
    let mut chart = build_chart(plot, &frame, (Ticked::from(x), Ticked::from(y)), metrics)?;
    let x_format = |v: &f64| format_number(*v, x.decimals);
    let y_format = |v: &f64| format_number(*v, y.decimals);
    draw_axes(
        &mut chart,
        (&x_format, &y_format),
        Grid::Full,
        style,
        metrics,
    )?;
    Ok(chart)
}

/// The y offset, inside `legend_area`, of the top of the chart's plotting area.
fn legend_top<DB: DrawingBackend>(
    chart: &ChartContext<'_, DB, XyCoord>,
    legend_area: &DrawingArea<DB, Shift>,
) -> i32 {
    let (_, plot_y) = chart.plotting_area().get_pixel_range();
    let (_, legend_y) = legend_area.get_pixel_range();
    (plot_y.start - legend_y.start).max(0)
}

/// Draws a numeric chart with `axes` (x, y) and a legend column of `entries` right of it,
/// then the data with `draw_data`, then the legend (aligned with the top of the plotting area).
pub(crate) fn draw_xy_chart<DB: DrawingBackend>(
    canvas: &Canvas<'_, DB>,
    axes: (&Axis, &Axis),
    entries: &[LegendEntry],
    draw_data: impl FnOnce(&mut ChartContext<'_, DB, XyCoord>) -> DrawResult,
) -> DrawResult {
    let metrics = &canvas.metrics;
    let (plot, legend_area) = split_for_legend(&canvas.body, entries, metrics)?;
    let mut chart = build_xy(&plot, axes, canvas.style, metrics)?;
    draw_data(&mut chart)?;
    let top = legend_top(&chart, &legend_area);
    draw_legend(&legend_area, entries, metrics, top)
}

/// [`draw_file`] for the unit tests, which draw into a string instead of a file.
#[cfg(test)]
pub(crate) fn draw_file_for_test<DB: DrawingBackend>(
    chart: &impl Chart,
    style: &ChartStyle,
    backend: DB,
) -> Result<(), PlotError> {
    draw_file(chart, style, backend, Path::new("test.svg"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::series::Series;
    use crate::svg_check::{Svg, read, sketch};
    use crate::time_series::time_series;

    #[test]
    fn suffix_keeps_dots_in_stem() {
        assert_eq!(
            with_suffix(Path::new("out/fig.v2"), "png"),
            PathBuf::from("out/fig.v2.png")
        );
    }

    fn line() -> [Series; 1] {
        [Series::new("a", vec![0.0, 10.0], vec![0.0, 10.0])]
    }

    /// The width and height in a PNG's header.
    fn png_size(path: &Path) -> (u32, u32) {
        let bytes = fs::read(path).unwrap();
        assert_eq!(&bytes[1..4], b"PNG");
        let be = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().unwrap());
        (be(16), be(20))
    }

    #[test]
    fn a_chart_is_written_as_png_and_svg_of_the_requested_size_in_new_directories() {
        let dir = tempfile::tempdir().unwrap();
        let stem = dir.path().join("new/deeper/fig.v2");
        let style = ChartStyle::new("t", "x", "y", &stem).with_size(640, 400);
        let written = time_series(&line(), &style).unwrap();
        let png = dir.path().join("new/deeper/fig.v2.png");
        let svg = dir.path().join("new/deeper/fig.v2.svg");
        assert_eq!(written, [png.clone(), svg.clone()]);
        assert_eq!(png_size(&png), (640, 400));
        let source = fs::read_to_string(&svg).unwrap();
        assert!(source.contains("width=\"640\"") && source.contains("height=\"400\""));
        // A stem without a directory writes into the current one (no directory to create).
        assert_eq!(
            with_suffix(Path::new("fig"), "svg"),
            PathBuf::from("fig.svg")
        );
    }

    #[test]
    fn a_size_out_of_range_is_refused_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let style = ChartStyle::new("t", "x", "y", dir.path().join("sub/fig")).with_size(100, 100);
        let error = time_series(&line(), &style).unwrap_err();
        assert!(matches!(
            error,
            PlotError::InvalidSize {
                width: 100,
                height: 100,
                ..
            }
        ));
        assert!(!dir.path().join("sub").exists());
    }

    #[test]
    fn a_directory_that_cannot_be_created_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a-file");
        fs::write(&file, "not a directory").unwrap();
        let style = ChartStyle::new("t", "x", "y", file.join("fig"));
        match time_series(&line(), &style).unwrap_err() {
            PlotError::Io { path, .. } => assert_eq!(path, file),
            other => panic!("{other:?}"),
        }
        // An SVG that cannot be written (a directory is in the way) names the SVG file.
        fs::create_dir(dir.path().join("fig.svg")).unwrap();
        let style = ChartStyle::new("t", "x", "y", dir.path().join("fig"));
        match time_series(&line(), &style).unwrap_err() {
            PlotError::Io { path, .. } => assert_eq!(path, dir.path().join("fig.svg")),
            other => panic!("{other:?}"),
        }
        // So does a PNG: a write that fails is an I/O error, not a drawing error.
        fs::create_dir(dir.path().join("fig2.png")).unwrap();
        let style = ChartStyle::new("t", "x", "y", dir.path().join("fig2"));
        match time_series(&line(), &style).unwrap_err() {
            PlotError::Io { path, .. } => assert_eq!(path, dir.path().join("fig2.png")),
            other => panic!("{other:?}"),
        }
    }

    /// A chart that draws only its title.
    struct TitleOnly;

    impl Chart for TitleOnly {
        fn draw<DB: DrawingBackend>(&self, _: &Canvas<'_, DB>) -> DrawResult {
            Ok(())
        }
    }

    /// The PNG is the one plotters itself saves, byte for byte.
    #[test]
    fn the_png_is_the_one_plotters_saves() {
        let dir = tempfile::tempdir().unwrap();
        let style = ChartStyle::new("Title", "x", "y", dir.path().join("fig"));
        render(&TitleOnly, &style).unwrap();
        let ours = fs::read(dir.path().join("fig.png")).unwrap();
        let theirs = dir.path().join("plotters.png");
        draw_file(
            &TitleOnly,
            &style,
            BitMapBackend::new(&theirs, (style.width, style.height)),
            &theirs,
        )
        .unwrap();
        assert!(ours == fs::read(&theirs).unwrap());
    }

    #[test]
    fn a_title_too_wide_for_one_line_wraps_at_the_space_nearest_its_middle() {
        let title = "Share of citizens contributing over time, by regime and by reward level";
        let dir = tempfile::tempdir().unwrap();
        let style = ChartStyle::new(title, "x", "y", dir.path().join("t")).with_size(480, 300);
        let svg = read(&time_series(&line(), &style).unwrap()[1]);
        let bold: Vec<_> = svg.texts.iter().filter(|t| t.bold).collect();
        assert_eq!(bold.len(), 2, "{bold:?}");
        assert_eq!(
            [bold[0].content.as_str(), bold[1].content.as_str()],
            [
                "Share of citizens contributing over",
                "time, by regime and by reward level"
            ]
        );
        assert!(bold.iter().all(|t| t.x == 240.0 && t.anchor == "middle"));
        let (first, second) = (bold[0].y, bold[1].y);
        // A line and a quarter apart (the plotters type size is 1.24 times the SVG one).
        let line = (bold[0].size * 1.24 * 1.25).round();
        assert_eq!(second - first, line);
        // The plot starts a gap and a half below the second line.
        let gap = f64::from(style.metrics().gap);
        let axes = svg.in_colour("polyline", "#3C3C3C").into_iter();
        let vertical = axes.filter(|s| s.points[0].0 == s.points[1].0);
        let plot_top = vertical
            .map(|s| s.points[0].1.min(s.points[1].1))
            .fold(f64::MAX, f64::min);
        let below = plot_top - (second + line);
        assert!(
            below > gap && below <= 2.0 * gap,
            "the plot starts {below} below the title"
        );
    }

    #[test]
    fn wrapping_keeps_a_title_that_fits_or_has_no_space_on_one_line() {
        // A text style finds its font when it is made: register the embedded one first.
        register_fonts();
        let metrics = ChartStyle::new("t", "x", "y", "unused").metrics();
        let font = bold_text(metrics.title);
        let mut lines = Vec::new();
        sketch((100, 100), |area| {
            lines.push(wrap_two_lines(area, "short title", &font, 1000)?);
            lines.push(wrap_two_lines(area, "unbreakable_long_title", &font, 50)?);
            lines.push(wrap_two_lines(area, "a bb ccc dddd", &font, 50)?);
            Ok(())
        });
        assert_eq!(lines[0], ["short title"]);
        assert_eq!(lines[1], ["unbreakable_long_title"]);
        assert_eq!(lines[2], ["a bb", "ccc dddd"]);
    }

    #[test]
    fn an_empty_axis_label_takes_no_room() {
        let metrics = ChartStyle::new("t", "x", "y", "unused").metrics();
        assert_eq!(label_room("", 1.3, &metrics), 0);
        assert_eq!(label_room("share", 1.5, &metrics), 45);
        assert_eq!(label_room("share", 1.2, &metrics), 36);
    }

    #[test]
    fn grid_lines_run_across_the_plot_at_every_tick() {
        let dir = tempfile::tempdir().unwrap();
        let style = ChartStyle::new("t", "x", "y", dir.path().join("g")).with_size(900, 560);
        let svg: Svg = read(&time_series(&line(), &style).unwrap()[1]);
        let grid: Vec<_> = svg.in_colour("line", "#DADADA");
        for label in ["0", "2", "4", "6", "8", "10"] {
            let x = svg.x_tick(label);
            let y = svg.y_tick(label);
            let vertical = grid.iter().filter(|l| l.points.iter().all(|p| p.0 == x));
            let horizontal = grid.iter().filter(|l| l.points.iter().all(|p| p.1 == y));
            assert_eq!((vertical.count(), horizontal.count()), (1, 1), "at {label}");
        }
        assert_eq!(grid.len(), 12, "light grid lines between the ticks");
    }

    #[test]
    fn a_title_wraps_once_it_would_come_within_a_gap_of_either_edge() {
        register_fonts();
        let style = ChartStyle::new("", "x", "y", "unused");
        let (width, gap) = (style.width, style.metrics().gap as u32);
        let font = bold_text(style.metrics().title);
        let mut widths = Vec::new();
        let mut title = String::from("Share of citizens contributing");
        sketch((10, 10), |area| {
            // Grow the title until it is wider than the image less a gap on each side.
            while area.estimate_text_size(&title, &font)?.0 <= width - 2 * gap {
                title.push_str(" i");
            }
            widths.push(area.estimate_text_size(&title, &font)?.0);
            Ok(())
        });
        assert!(widths[0] <= width - gap, "{title} is {} wide", widths[0]);
        let dir = tempfile::tempdir().unwrap();
        let mut style = ChartStyle::new(title.as_str(), "x", "y", dir.path().join("t"));
        let svg = read(&time_series(&line(), &style).unwrap()[1]);
        assert_eq!(
            svg.texts.iter().filter(|t| t.bold).count(),
            2,
            "{title:?} not wrapped"
        );
        // One "i" less fits on one line.
        style.title.truncate(title.len() - 2);
        let svg = read(&time_series(&line(), &style).unwrap()[1]);
        assert_eq!(
            svg.texts.iter().filter(|t| t.bold).count(),
            1,
            "{:?} wrapped",
            style.title
        );
    }
}
