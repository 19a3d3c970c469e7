//! Projector-readable charts of coprod results, written as PNG and SVG.
//!
//! # Brief overview
//!
//! This crate is the only part of coprod that depends on `plotters`.
//! It takes plain in-memory data (no CSV, no knowledge of the model) and draws five chart kinds:
//!
//! * [`time_series()`]: named lines over steps, each with an optional shaded 95% band;
//! * [`response_curve()`]: an outcome over a swept parameter, points with 95% CI error bars joined by lines;
//! * [`survival_curves`]: Kaplan-Meier curves (see [`kaplan_meier`]) for several classes, with censoring ticks
//!   ([`survival_count_curves`]: the same from counts per time; [`survival_count_curves_in_percent`]:
//!   with the y axis in percent);
//! * [`forest_plot`]: effects with confidence intervals, one labelled row each, around a zero line
//!   ([`bar_chart`]: the same rows as bars from zero, coloured by group);
//! * [`heatmap()`]: a value over a grid of two parameters, with a viridis colour scale.
//!
//! Every chart function takes its data and a [`ChartStyle`] (title, axis labels with units, size,
//! output path stem) and writes `<stem>.png` and `<stem>.svg` with the same drawing code.
//! Type is large (a 30 px title, 24 px axis labels and 21 px tick labels at the default 1280×800),
//! lines are 4 px wide, colours come from the colour-blind-safe Okabe-Ito palette ([`OKABE_ITO`]),
//! and legends sit in their own column beside the plot, never over the data.
//! Text is drawn with the embedded DejaVu Sans font ([`register_fonts`]), so no system font is needed.
//! Bad data (empty series, a single point, all-equal values, NaN) gives a sensible chart or a
//! [`PlotError`], never a panic.
//!
//! # Example
//!
//! ```
//! use coprod_plot::{ChartStyle, Series, time_series};
//!
//! let dir = std::env::temp_dir().join("coprod-plot-doctest");
//! let steps: Vec<f64> = (0..50).map(f64::from).collect();
//! let mean: Vec<f64> = steps.iter().map(|t| 0.6 - 0.4 * (-t / 10.0).exp()).collect();
//! let lower = mean.iter().map(|m| m - 0.05).collect();
//! let upper = mean.iter().map(|m| m + 0.05).collect();
//! let series = [Series::new("co-production", steps, mean).with_band(lower, upper)];
//! let style = ChartStyle::new(
//!     "Share of citizens contributing",
//!     "time (steps)",
//!     "share contributing",
//!     dir.join("contributing"),
//! );
//! let written = time_series(&series, &style)?;
//! assert_eq!(written, [dir.join("contributing.png"), dir.join("contributing.svg")]);
//! # Ok::<(), coprod_plot::PlotError>(())
//! ```
#![deny(missing_docs)]

mod axis;
mod error;
mod forest;
mod heatmap;
mod legend;
mod marks;
mod primitives;
mod render;
mod response_curve;
mod series;
mod style;
mod survival;
#[cfg(test)]
mod svg_check;
mod time_series;

pub use crate::axis::number;
pub use crate::error::PlotError;
pub use crate::forest::{ForestRow, bar_chart, forest_plot};
pub use crate::heatmap::{Heatmap, heatmap};
pub use crate::response_curve::response_curve;
pub use crate::series::{Band, Series};
pub use crate::style::{ChartStyle, OKABE_ITO, register_fonts};
pub use crate::survival::{
    SurvivalClass, SurvivalCounts, kaplan_meier, kaplan_meier_counts, survival_count_curves,
    survival_count_curves_in_percent, survival_curves,
};
pub use crate::time_series::time_series;
