//! End-to-end tests of every chart kind: the files written are a valid PNG and SVG of the
//! requested size with the title and axis labels, text is drawn with the embedded font, and
//! degenerate data gives a chart or an error, never a panic.
//!
//! The Kaplan-Meier estimator itself is tested in `src/survival.rs`.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use coprod_plot::{
    ChartStyle, ForestRow, Heatmap, PlotError, Series, SurvivalClass, forest_plot, heatmap,
    response_curve, survival_curves, time_series,
};

const WIDTH: u32 = 900;
const HEIGHT: u32 = 560;

fn style(dir: &Path, name: &str) -> ChartStyle {
    ChartStyle::new(
        format!("Title of {name}"),
        "time (steps)",
        "share contributing",
        dir.join(name),
    )
    .with_size(WIDTH, HEIGHT)
}

/// The PNG signature and the width and height from the IHDR chunk.
fn png_header(path: &Path) -> ([u8; 8], u32, u32) {
    let bytes = fs::read(path).unwrap();
    assert!(bytes.len() > 24, "{} is too short", path.display());
    assert_eq!(&bytes[12..16], b"IHDR", "first chunk of {}", path.display());
    let be = |range: std::ops::Range<usize>| u32::from_be_bytes(bytes[range].try_into().unwrap());
    (bytes[..8].try_into().unwrap(), be(16..20), be(20..24))
}

/// Checks the two written files: a PNG and an SVG of `width`×`height` whose text includes the
/// title and both axis labels (when they are not empty).
fn check_outputs(written: &[PathBuf], style: &ChartStyle, extra_texts: &[&str]) {
    assert_eq!(written.len(), 2);
    let (png, svg) = (&written[0], &written[1]);
    assert_eq!(png.extension().unwrap(), "png");
    assert_eq!(svg.extension().unwrap(), "svg");

    let (signature, width, height) = png_header(png);
    assert_eq!(signature, [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]);
    assert_eq!((width, height), (style.width, style.height));

    let text = fs::read_to_string(svg).unwrap();
    assert!(text.starts_with("<svg"), "{}", &text[..text.len().min(80)]);
    assert!(text.contains(&format!("width=\"{}\"", style.width)));
    assert!(text.contains(&format!("height=\"{}\"", style.height)));
    let labels = [&style.title, &style.x_label, &style.y_label];
    for needle in labels
        .iter()
        .map(|s| s.as_str())
        .chain(extra_texts.iter().copied())
    {
        if !needle.is_empty() {
            assert!(
                svg_font_size(&text, needle).is_some(),
                "SVG lacks {needle:?}"
            );
        }
    }
}

/// The `font-size` of the SVG `<text>` element whose content is exactly `content`.
///
/// plotters-svg writes `<text … font-size="…" …>`, a newline, the escaped text and a newline.
fn svg_font_size(svg: &str, content: &str) -> Option<f64> {
    let end = svg.find(&format!(">\n{content}\n</text>"))?;
    let start = svg[..end].rfind("<text")?;
    let attributes = &svg[start..end];
    let value = attributes.split("font-size=\"").nth(1)?.split('"').next()?;
    value.parse().ok()
}

#[test]
fn default_size_type_is_projector_readable() {
    // At the default 1280×800: title at least 28 px, axis labels at least 22 px, tick labels
    // and legend at least 18 px (CSS pixels of the SVG, which are also the PNG's pixels).
    let dir = tempfile::tempdir().unwrap();
    let series = [Series::new("regime A", vec![0.0, 10.0], vec![0.0, 1.0])];
    let style = ChartStyle::new(
        "Big title",
        "time (steps)",
        "share (0–1)",
        dir.path().join("sizes"),
    );
    let written = time_series(&series, &style).unwrap();
    let svg = fs::read_to_string(&written[1]).unwrap();
    let size =
        |content: &str| svg_font_size(&svg, content).unwrap_or_else(|| panic!("no {content:?}"));
    assert!(size("Big title") >= 28.0, "title {}", size("Big title"));
    assert!(size("time (steps)") >= 22.0);
    assert!(size("share (0–1)") >= 22.0);
    assert!(size("10") >= 18.0, "tick label {}", size("10"));
    assert!(size("regime A") >= 18.0);
    let widths: Vec<f64> = svg
        .split("stroke-width=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next()?.parse().ok())
        .collect();
    assert!(
        widths.iter().any(|w| *w >= 3.0),
        "no thick line in {widths:?}"
    );
}

fn ramp(n: usize, f: impl Fn(f64) -> f64) -> (Vec<f64>, Vec<f64>) {
    let x: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let y = x.iter().map(|v| f(*v)).collect();
    (x, y)
}

#[test]
fn time_series_writes_png_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = ramp(100, |t| 0.5 - 0.4 * (-t / 20.0).exp());
    let lower = y.iter().map(|v| v - 0.05).collect();
    let upper = y.iter().map(|v| v + 0.05).collect();
    let series = [
        Series::new("co-production", x.clone(), y.clone()).with_band(lower, upper),
        Series::new("professional", x, y.iter().map(|v| v * 0.5).collect()),
    ];
    let style = style(dir.path(), "time_series");
    let written = time_series(&series, &style).unwrap();
    check_outputs(
        &written,
        &style,
        &["co-production", "professional", "shaded: 95% interval"],
    );
}

#[test]
fn response_curve_writes_png_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let x = vec![2.0, 4.0, 8.0, 16.0];
    let y = vec![0.7, 0.6, 0.45, 0.3];
    let series = [
        Series::new("regime A", x.clone(), y.clone()).with_band(
            y.iter().map(|v| v - 0.05).collect(),
            y.iter().map(|v| v + 0.05).collect(),
        ),
        Series::new("regime B", x, y.iter().map(|v| v - 0.1).collect()),
    ];
    let style = style(dir.path(), "response").with_size(1280, 800);
    let written = response_curve(&series, &style).unwrap();
    check_outputs(&written, &style, &["regime A", "regime B", "bars: 95% CI"]);
}

#[test]
fn line_charts_whose_bands_are_all_unknown_promise_no_interval() {
    // A run of one replication has a band of NaN at every point: nothing is drawn, so the
    // legend must not name an interval.
    let dir = tempfile::tempdir().unwrap();
    let x = vec![2.0, 4.0, 8.0];
    let nan = vec![f64::NAN; 3];
    let series =
        [Series::new("regime A", x, vec![0.7, 0.6, 0.5]).with_band(nan.clone(), nan.clone())];
    let written = response_curve(&series, &style(dir.path(), "response_nan")).unwrap();
    let svg = fs::read_to_string(&written[1]).unwrap();
    assert!(svg.contains("regime A") && !svg.contains("95% CI"), "{svg}");
    let written = time_series(&series, &style(dir.path(), "time_series_nan")).unwrap();
    let svg = fs::read_to_string(&written[1]).unwrap();
    assert!(svg.contains("regime A") && !svg.contains("95% interval"));
}

#[test]
fn survival_curves_write_png_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let classes = [
        SurvivalClass {
            name: "altruists".to_string(),
            durations: vec![(5.0, true), (8.0, false), (12.0, true), (20.0, false)],
        },
        SurvivalClass {
            name: "free riders".to_string(),
            durations: vec![(1.0, true), (2.0, true), (3.0, false)],
        },
    ];
    let style = style(dir.path(), "survival");
    let written = survival_curves(&classes, &style).unwrap();
    check_outputs(
        &written,
        &style,
        &["altruists", "free riders", "+: censored"],
    );
}

#[test]
fn forest_plot_writes_png_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let rows = [
        ForestRow::new("reward", 0.8, 0.5, 1.1),
        ForestRow::new("group size", -0.4, -0.7, -0.1),
    ];
    let style = style(dir.path(), "forest");
    let written = forest_plot(&rows, &style).unwrap();
    check_outputs(
        &written,
        &style,
        &["reward", "group size", "estimate [95% CI]"],
    );
}

#[test]
fn forest_plot_without_intervals_promises_none() {
    let dir = tempfile::tempdir().unwrap();
    let rows = [ForestRow::new("reward", 0.8, f64::NAN, f64::NAN)];
    let style = style(dir.path(), "forest_no_ci");
    let written = forest_plot(&rows, &style).unwrap();
    check_outputs(&written, &style, &["reward", "estimate"]);
    let svg = fs::read_to_string(&written[1]).unwrap();
    assert!(!svg.contains("95% CI"), "no interval is drawn");
}

#[test]
fn heatmap_writes_png_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let data = Heatmap {
        x_values: vec![0.0, 0.5, 1.0],
        y_values: vec![1.0, 2.0],
        values: vec![vec![0.1, 0.2, 0.3], vec![0.4, 0.5, 0.6]],
        value_label: "share contributing".to_string(),
    };
    let style = style(dir.path(), "heatmap");
    let written = heatmap(&data, &style).unwrap();
    check_outputs(&written, &style, &["0.50", "share contributing"]);
}

/// Counts pixels darker than mid-grey in rows `rows` of an RGB PNG.
fn dark_pixels(path: &Path, rows: std::ops::Range<u32>) -> usize {
    let decoder = png::Decoder::new(File::open(path).unwrap());
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buffer).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let stride = info.line_size;
    rows.flat_map(|row| {
        let line = &buffer[row as usize * stride..(row as usize + 1) * stride];
        line.chunks(3)
            .filter(|p| u32::from(p[0]) + u32::from(p[1]) + u32::from(p[2]) < 3 * 100)
            .collect::<Vec<_>>()
    })
    .count()
}

#[test]
fn title_text_is_drawn_with_the_embedded_font() {
    // The title band is the top 50 pixels at 1280×800; nothing but the title is drawn there.
    // With a title there are dark glyph pixels, with an empty title there are none, so the dark
    // pixels are text, drawn by the embedded DejaVu font (there is no other font source: the
    // plotters `ttf` feature, which reads system fonts, is not enabled).
    coprod_plot::register_fonts();
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = ramp(10, |t| t);
    let series = [Series::new("a", x, y)];
    let titled = ChartStyle::new(
        "Citizens co-producing",
        "time (steps)",
        "count",
        dir.path().join("titled"),
    );
    let untitled = ChartStyle {
        title: String::new(),
        output_stem: dir.path().join("untitled"),
        ..titled.clone()
    };
    let with_title = time_series(&series, &titled).unwrap();
    let without_title = time_series(&series, &untitled).unwrap();
    let dark_with = dark_pixels(&with_title[0], 0..50);
    let dark_without = dark_pixels(&without_title[0], 0..50);
    assert!(
        dark_with > 500,
        "only {dark_with} dark pixels in the title band"
    );
    assert_eq!(dark_without, 0);
}

fn assert_no_data(result: Result<Vec<PathBuf>, PlotError>) {
    assert!(
        matches!(result, Err(PlotError::NoData { .. })),
        "{result:?}"
    );
}

#[test]
fn degenerate_line_data_draws_or_errors_without_panicking() {
    let dir = tempfile::tempdir().unwrap();
    let s = style(dir.path(), "degenerate").with_size(480, 300);
    let nan = f64::NAN;
    // Nothing to draw.
    assert_no_data(time_series(&[], &s));
    assert_no_data(response_curve(&[], &s));
    assert_no_data(time_series(&[Series::new("empty", vec![], vec![])], &s));
    assert_no_data(time_series(
        &[Series::new("nan", vec![0.0, 1.0], vec![nan, nan])],
        &s,
    ));
    assert_no_data(response_curve(
        &[Series::new("nan", vec![nan], vec![1.0])],
        &s,
    ));
    // Drawable: a single point, all-equal values, gaps, infinities, a band with NaN and with
    // lower > upper, an empty series next to a real one.
    let cases = [
        vec![Series::new("one point", vec![3.0], vec![0.5])],
        vec![Series::new(
            "flat",
            vec![0.0, 1.0, 2.0],
            vec![0.0, 0.0, 0.0],
        )],
        vec![Series::new("same x", vec![1.0, 1.0], vec![2.0, 3.0])],
        vec![
            Series::new(
                "gaps",
                vec![0.0, 1.0, 2.0, 3.0],
                vec![1.0, nan, f64::INFINITY, 2.0],
            )
            .with_band(vec![0.5, nan, 0.0, 2.5], vec![1.5, 1.0, nan, 1.5]),
        ],
        vec![
            Series::new("empty", vec![], vec![]),
            Series::new("real", vec![0.0, 1.0], vec![1.0, 2.0]),
        ],
        vec![Series::new(
            "tiny range",
            vec![0.0, 1.0],
            vec![1.0, 1.0 + 1e-14],
        )],
        vec![Series::new("huge", vec![0.0, 1.0], vec![-1e300, 1e300])],
    ];
    for series in &cases {
        time_series(series, &s).unwrap_or_else(|e| panic!("{}: {e}", series[0].name));
        response_curve(series, &s).unwrap_or_else(|e| panic!("{}: {e}", series[0].name));
    }
    // Unrepresentable spans and bad shapes are errors.
    let overflow = [Series::new("overflow", vec![0.0, 1.0], vec![-1e308, 1e308])];
    assert!(matches!(
        time_series(&overflow, &s),
        Err(PlotError::UnplottableRange { .. })
    ));
    let ragged = [Series::new("ragged", vec![0.0, 1.0], vec![1.0])];
    assert!(matches!(
        response_curve(&ragged, &s),
        Err(PlotError::LengthMismatch { .. })
    ));
    let tiny = s.clone().with_size(10, 10);
    let ok = [Series::new("ok", vec![0.0], vec![0.0])];
    assert!(matches!(
        time_series(&ok, &tiny),
        Err(PlotError::InvalidSize { .. })
    ));
}

#[test]
fn degenerate_survival_forest_and_heatmap_data_do_not_panic() {
    let dir = tempfile::tempdir().unwrap();
    let s = style(dir.path(), "degenerate").with_size(480, 300);
    let nan = f64::NAN;
    let class = |durations: Vec<(f64, bool)>| SurvivalClass {
        name: "class".to_string(),
        durations,
    };
    assert_no_data(survival_curves(&[], &s));
    assert_no_data(survival_curves(
        &[class(vec![]), class(vec![(nan, true)])],
        &s,
    ));
    for durations in [
        vec![(0.0, true)],
        vec![(0.0, false), (0.0, true)],
        vec![(4.0, false), (9.0, false)],
        vec![
            (5.0, true),
            (5.0, true),
            (-1.0, true),
            (f64::INFINITY, false),
        ],
    ] {
        survival_curves(&[class(durations.clone()), class(vec![])], &s)
            .unwrap_or_else(|e| panic!("{durations:?}: {e}"));
    }

    assert_no_data(forest_plot(&[], &s));
    assert_no_data(forest_plot(&[ForestRow::new("nan", nan, nan, nan)], &s));
    for rows in [
        vec![ForestRow::new("zero", 0.0, 0.0, 0.0)],
        vec![
            ForestRow::new("swapped", 1.0, 2.0, 0.5),
            ForestRow::new("n/a", nan, nan, 1.0),
        ],
        vec![ForestRow::new(
            "a very long label that goes on and on and on and on and on",
            1.0,
            0.0,
            2.0,
        )],
    ] {
        forest_plot(&rows, &s).unwrap_or_else(|e| panic!("{rows:?}: {e}"));
    }
    let mut many_rows = Vec::new();
    for i in 0..60 {
        many_rows.push(ForestRow::new(
            format!("row {i}"),
            f64::from(i),
            f64::from(i) - 1.0,
            f64::from(i) + 1.0,
        ));
    }
    forest_plot(&many_rows, &s).unwrap();

    let grid = |x: Vec<f64>, y: Vec<f64>, values: Vec<Vec<f64>>| Heatmap {
        x_values: x,
        y_values: y,
        values,
        value_label: String::new(),
    };
    assert_no_data(heatmap(&grid(vec![], vec![], vec![]), &s));
    assert_no_data(heatmap(&grid(vec![1.0], vec![1.0], vec![vec![nan]]), &s));
    assert!(matches!(
        heatmap(&grid(vec![1.0, 2.0], vec![1.0], vec![vec![0.5]]), &s),
        Err(PlotError::LengthMismatch { .. })
    ));
    assert!(matches!(
        heatmap(&grid(vec![1.0], vec![1.0, 2.0], vec![vec![0.5]]), &s),
        Err(PlotError::LengthMismatch { .. })
    ));
    heatmap(&grid(vec![1.0], vec![1.0], vec![vec![0.5]]), &s).unwrap();
    heatmap(
        &grid(
            vec![1.0, 2.0],
            vec![nan, 3.0],
            vec![vec![0.5, 0.5], vec![nan, 0.5]],
        ),
        &s,
    )
    .unwrap();
    let many: Vec<f64> = (0..80).map(f64::from).collect();
    let values = many
        .iter()
        .map(|y| many.iter().map(|x| x * y).collect())
        .collect();
    heatmap(&grid(many.clone(), many, values), &s).unwrap();
}

#[test]
fn output_stem_keeps_its_dots_and_parent_directories_are_created() {
    let dir = tempfile::tempdir().unwrap();
    let stem = dir.path().join("nested/deeper/run.v2");
    let s = ChartStyle::new("t", "x", "y", &stem).with_size(400, 300);
    let written = time_series(&[Series::new("a", vec![0.0, 1.0], vec![0.0, 1.0])], &s).unwrap();
    assert_eq!(
        written,
        [
            dir.path().join("nested/deeper/run.v2.png"),
            dir.path().join("nested/deeper/run.v2.svg")
        ]
    );
    assert!(written.iter().all(|p| p.is_file()));
}

#[test]
fn smallest_size_with_long_texts_does_not_panic() {
    let dir = tempfile::tempdir().unwrap();
    let long = "a very long axis label that cannot possibly fit into a tiny chart (units)";
    let s = ChartStyle::new(
        format!("{long} {long}"),
        long,
        long,
        dir.path().join("tiny"),
    )
    .with_size(ChartStyle::MIN_WIDTH, ChartStyle::MIN_HEIGHT);
    let series = [Series::new(long, vec![0.0, 1e6], vec![-1e-9, 1e9])
        .with_band(vec![0.0, 0.0], vec![1.0, 1.0])];
    time_series(&series, &s).unwrap();
    response_curve(&series, &s).unwrap();
    let class = SurvivalClass {
        name: long.to_string(),
        durations: vec![(1e6, true), (2.0, false)],
    };
    survival_curves(&[class], &s).unwrap();
    forest_plot(&[ForestRow::new(long, 1e9, -1e9, 2e9)], &s).unwrap();
    let grid = Heatmap {
        x_values: vec![1e-7, 2e-7, 3e-7],
        y_values: vec![1e9],
        values: vec![vec![1e12, -1e12, 0.0]],
        value_label: long.to_string(),
    };
    heatmap(&grid, &s).unwrap();
}

#[test]
fn survival_curves_with_many_censoring_times_leave_out_the_marks() {
    let dir = tempfile::tempdir().unwrap();
    // Groups censored at 60 different times, as when groups form every step of a long run.
    let classes = [SurvivalClass {
        name: "medium".to_string(),
        durations: (0..60)
            .map(|t| (f64::from(t), false))
            .chain((0..30).map(|t| (f64::from(t), true)))
            .collect(),
    }];
    let style = style(dir.path(), "survival_dense");
    let written = survival_curves(&classes, &style).unwrap();
    check_outputs(&written, &style, &["medium"]);
    let svg = fs::read_to_string(&written[1]).unwrap();
    assert!(
        !svg.contains("+: censored"),
        "no legend entry without marks"
    );
}
