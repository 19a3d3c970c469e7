//! What every chart shares: the [`ChartStyle`] options, the colour palettes and the embedded font.
//!
//! Owns the projector-readable sizes (type sizes, line widths) derived from the image size.
//! It does not own any drawing: see `render.rs` for the shared layout code.

use std::path::PathBuf;
use std::sync::Once;

use plotters::style::{FontStyle, RGBColor, register_font};

use crate::axis::Values;
use crate::error::PlotError;

/// The font family name every text element uses; [`register_fonts`] binds it to DejaVu Sans.
pub(crate) const FONT_FAMILY: &str = "sans-serif";

/// The Okabe-Ito palette (Okabe and Ito 2008), safe for the common forms of colour blindness.
///
/// Series take these colours in order: blue, orange, bluish green, vermillion, reddish purple,
/// sky blue, yellow, black.
pub const OKABE_ITO: [(u8, u8, u8); 8] = [
    (0x00, 0x72, 0xB2),
    (0xE6, 0x9F, 0x00),
    (0x00, 0x9E, 0x73),
    (0xD5, 0x5E, 0x00),
    (0xCC, 0x79, 0xA7),
    (0x56, 0xB4, 0xE9),
    (0xF0, 0xE4, 0x42),
    (0x00, 0x00, 0x00),
];

/// The colour of the `index`-th series (the palette repeats after eight series).
pub(crate) fn series_color(index: usize) -> RGBColor {
    let (r, g, b) = OKABE_ITO[index % OKABE_ITO.len()];
    RGBColor(r, g, b)
}

/// Viridis control points (from matplotlib's viridis), evenly spaced from 0 to 1.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 81, 139),
    (44, 113, 142),
    (33, 144, 141),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
];

/// The viridis colour at `t` in [0, 1] (values outside are clamped, NaN gives the lowest colour).
///
/// Viridis is perceptually uniform, readable in grey scale and safe for colour-blind readers.
pub(crate) fn viridis(t: f64) -> RGBColor {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let scaled = t * (VIRIDIS.len() - 1) as f64;
    // `scaled` is in [0, 8], so the cast cannot overflow.
    let lower = (scaled.floor() as usize).min(VIRIDIS.len() - 2);
    let frac = scaled - lower as f64;
    let (r0, g0, b0) = VIRIDIS[lower];
    let (r1, g1, b1) = VIRIDIS[lower + 1];
    let mix = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * frac).round() as u8;
    RGBColor(mix(r0, r1), mix(g0, g1), mix(b0, b1))
}

static REGISTER_FONTS: Once = Once::new();

/// Registers the embedded DejaVu Sans font (regular and bold) as the `sans-serif` family.
///
/// Charts then draw text without any system font or fontconfig.
/// Every chart function calls this itself; calling it again is cheap and harmless.
/// The font's license is in `FONT-LICENSE` next to this crate's `Cargo.toml`.
pub fn register_fonts() {
    REGISTER_FONTS.call_once(|| {
        // The bytes are a valid TrueType font shipped by the `dejavu` crate, so registration cannot
        // fail in practice. If it ever did, drawing text reports `FontUnavailable`, which becomes a
        // `PlotError::Drawing` instead of a panic here.
        let _ = register_font(FONT_FAMILY, FontStyle::Normal, dejavu::sans::regular());
        let _ = register_font(FONT_FAMILY, FontStyle::Bold, dejavu::sans::bold());
    });
}

/// Title, axis labels, size and output location of one chart.
///
/// The chart is written to `<output_stem>.png` and `<output_stem>.svg`.
/// Put the units into the axis labels, for example `"time (steps)"` or `"share contributing (%)"`.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartStyle {
    /// The title printed above the chart.
    pub title: String,
    /// The label of the horizontal axis, with units.
    pub x_label: String,
    /// The label of the vertical axis, with units; may be empty (for example in a forest plot).
    pub y_label: String,
    /// Image width in pixels.
    pub width: u32,
    /// Image height in pixels.
    pub height: u32,
    /// The output path without extension; `.png` and `.svg` are appended.
    pub output_stem: PathBuf,
    /// Whether the x axis counts whole things (steps, months, rounds, group members): its
    /// ticks are then whole numbers, and it does not reach below 0 when no value does.
    /// Line, response and survival charts read it; leave it `false` for a continuous x.
    pub whole_x: bool,
}

impl ChartStyle {
    /// The default image width in pixels (a common projector resolution is 1280×800).
    pub const DEFAULT_WIDTH: u32 = 1280;
    /// The default image height in pixels.
    pub const DEFAULT_HEIGHT: u32 = 800;
    /// The smallest accepted width in pixels.
    pub const MIN_WIDTH: u32 = 320;
    /// The smallest accepted height in pixels.
    pub const MIN_HEIGHT: u32 = 200;
    /// The largest accepted width or height in pixels.
    pub const MAX_SIDE: u32 = 8000;

    /// A chart of the default size, 1280×800 pixels.
    pub fn new(
        title: impl Into<String>,
        x_label: impl Into<String>,
        y_label: impl Into<String>,
        output_stem: impl Into<PathBuf>,
    ) -> Self {
        ChartStyle {
            title: title.into(),
            x_label: x_label.into(),
            y_label: y_label.into(),
            width: Self::DEFAULT_WIDTH,
            height: Self::DEFAULT_HEIGHT,
            output_stem: output_stem.into(),
            whole_x: false,
        }
    }

    /// The same chart with an x axis that counts whole things (see [`ChartStyle::whole_x`]).
    pub fn with_whole_x(mut self) -> Self {
        self.whole_x = true;
        self
    }

    /// What the x axis' values are.
    pub(crate) fn x_values(&self) -> Values {
        if self.whole_x {
            Values::Whole
        } else {
            Values::Real
        }
    }

    /// The same chart at another size in pixels; type sizes and line widths scale with it.
    pub fn with_size(mut self, width: u32, height: u32) -> Self {
        self.width = width;
        self.height = height;
        self
    }

    /// Checks that the size is drawable.
    pub(crate) fn validate(&self) -> Result<(), PlotError> {
        let ok_width = (Self::MIN_WIDTH..=Self::MAX_SIDE).contains(&self.width);
        let ok_height = (Self::MIN_HEIGHT..=Self::MAX_SIDE).contains(&self.height);
        if ok_width && ok_height {
            Ok(())
        } else {
            Err(PlotError::InvalidSize {
                width: self.width,
                height: self.height,
                min_width: Self::MIN_WIDTH,
                min_height: Self::MIN_HEIGHT,
                max_side: Self::MAX_SIDE,
            })
        }
    }

    /// How much larger than the 1280×800 reference this chart is (type and lines scale with it).
    pub(crate) fn scale(&self) -> f64 {
        let by_width = f64::from(self.width) / f64::from(Self::DEFAULT_WIDTH);
        let by_height = f64::from(self.height) / f64::from(Self::DEFAULT_HEIGHT);
        by_width.min(by_height).clamp(0.5, 4.0)
    }

    /// About how many ticks fit on the x axis: 8 at the default width, fewer on small charts.
    pub(crate) fn x_tick_target(&self) -> usize {
        (self.width / 160).clamp(3, 8) as usize
    }

    /// About how many ticks fit on the y axis: 7 at the default height, fewer on small charts.
    pub(crate) fn y_tick_target(&self) -> usize {
        (self.height / 110).clamp(3, 7) as usize
    }

    /// Type sizes and line widths for this chart.
    pub(crate) fn metrics(&self) -> Metrics {
        let s = self.scale();
        Metrics {
            title: 38.0 * s,
            axis: 30.0 * s,
            tick: 26.0 * s,
            legend: 26.0 * s,
            line_width: (4.0 * s).round().max(2.0) as u32,
            marker: (9.0 * s).round().max(4.0) as i32,
            gap: (12.0 * s).round().max(4.0) as i32,
        }
    }
}

/// Type sizes and line widths of one chart, readable on a classroom projector.
///
/// Type sizes are plotters sizes, which are 1.24 times the CSS `font-size` (plotters-svg writes
/// `size / 1.24`, and the bitmap backend scales glyphs the same way). At 1280×800 the title is
/// 38 (a 30.6 px font), axis labels 30 (24.2 px), tick labels and legend 26 (21 px), and lines
/// are 4 px wide.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Metrics {
    /// Title type size.
    pub(crate) title: f64,
    /// Axis label type size.
    pub(crate) axis: f64,
    /// Tick label type size.
    pub(crate) tick: f64,
    /// Legend type size.
    pub(crate) legend: f64,
    /// Width of data lines.
    pub(crate) line_width: u32,
    /// Radius of point markers.
    pub(crate) marker: i32,
    /// A generic spacing unit.
    pub(crate) gap: i32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_sizes_are_projector_readable() {
        let m = ChartStyle::new("t", "x", "y", "/tmp/x").metrics();
        // plotters sizes are 1.24 times the font size in pixels.
        let px = |size: f64| size / 1.24;
        assert!(px(m.title) >= 28.0 && px(m.axis) >= 22.0);
        assert!(px(m.tick) >= 18.0 && px(m.legend) >= 18.0);
        assert!(m.line_width >= 3);
    }

    #[test]
    fn viridis_ends_and_clamps() {
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
        assert_eq!(viridis(-3.0), viridis(0.0));
        assert_eq!(viridis(7.0), viridis(1.0));
        assert_eq!(viridis(f64::NAN), viridis(0.0));
    }

    #[test]
    fn size_validation() {
        let style = ChartStyle::new("t", "x", "y", "/tmp/x");
        assert!(style.validate().is_ok());
        assert!(style.clone().with_size(0, 0).validate().is_err());
        assert!(style.with_size(100_000, 800).validate().is_err());
    }

    #[test]
    fn type_and_lines_scale_with_the_smaller_side_within_limits() {
        let style = ChartStyle::new("t", "x", "y", "unused");
        let m = style.metrics();
        assert_eq!(
            (m.title, m.axis, m.tick, m.legend),
            (38.0, 30.0, 26.0, 26.0)
        );
        assert_eq!((m.line_width, m.marker, m.gap), (4, 9, 12));
        // Twice as wide but as high: the height limits the scale.
        assert_eq!(style.clone().with_size(2560, 800).scale(), 1.0);
        assert_eq!(style.clone().with_size(2560, 1600).scale(), 2.0);
        assert_eq!(style.clone().with_size(640, 1600).scale(), 0.5);
        // Never below half or above four times the reference.
        assert_eq!(style.clone().with_size(320, 200).scale(), 0.5);
        assert_eq!(style.clone().with_size(8000, 8000).scale(), 4.0);
        let small = style.clone().with_size(320, 200).metrics();
        assert_eq!((small.title, small.tick), (19.0, 13.0));
        assert_eq!((small.line_width, small.marker, small.gap), (2, 5, 6));
        let large = style.with_size(2560, 1600).metrics();
        assert_eq!((large.line_width, large.marker, large.gap), (8, 18, 24));
    }

    #[test]
    fn tick_targets_shrink_with_the_chart() {
        let style = ChartStyle::new("t", "x", "y", "unused");
        assert_eq!((style.x_tick_target(), style.y_tick_target()), (8, 7));
        let mid = style.clone().with_size(800, 500);
        assert_eq!((mid.x_tick_target(), mid.y_tick_target()), (5, 4));
        let small = style.clone().with_size(320, 200);
        assert_eq!((small.x_tick_target(), small.y_tick_target()), (3, 3));
        let large = style.with_size(4000, 4000);
        assert_eq!((large.x_tick_target(), large.y_tick_target()), (8, 7));
    }

    #[test]
    fn sizes_at_the_limits_are_accepted_and_beyond_them_refused() {
        let style = ChartStyle::new("t", "x", "y", "unused");
        let ok = |w, h| style.clone().with_size(w, h).validate().is_ok();
        assert!(ok(320, 200) && ok(8000, 8000));
        assert!(!ok(319, 200) && !ok(320, 199) && !ok(8001, 800) && !ok(1280, 8001));
        let message = style.with_size(100, 50).validate().unwrap_err().to_string();
        assert_eq!(
            message,
            "chart size 100x50 is out of range\n\nhint: use a size between 320x200 and 8000x8000 pixels"
        );
    }

    #[test]
    fn series_take_the_okabe_ito_colours_in_order_and_repeat_after_eight() {
        assert_eq!(series_color(0), RGBColor(0x00, 0x72, 0xB2));
        assert_eq!(series_color(1), RGBColor(0xE6, 0x9F, 0x00));
        assert_eq!(series_color(7), RGBColor(0, 0, 0));
        assert_eq!(series_color(8), series_color(0));
        assert_eq!(series_color(9), series_color(1));
    }

    #[test]
    fn viridis_blends_between_its_control_points() {
        // 1/8 is the second control point exactly; 1/16 is halfway between the first two.
        assert_eq!(viridis(0.125), RGBColor(71, 44, 122));
        assert_eq!(viridis(0.0625), RGBColor(70, 23, 103));
        assert_eq!(viridis(0.5), RGBColor(33, 144, 141));
        assert_eq!(viridis(0.9375), RGBColor(212, 226, 44));
    }
}
