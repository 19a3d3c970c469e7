//! The error type of `coprod-plot`.
//!
//! Owns [`PlotError`], the only error any chart function returns.
//! It does not own any formatting of errors for the terminal: callers (the CLI) do that.

use std::path::PathBuf;

/// Everything that can go wrong while drawing or writing a chart.
///
/// Every variant holds owned data only, so the error is `Send + Sync + 'static` and fits into `anyhow`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PlotError {
    /// There is nothing to draw: no series, or no finite value in any of them.
    #[error("nothing to plot in chart {title:?}: the data is empty or has no finite values")]
    NoData {
        /// The title of the chart that was asked for.
        title: String,
    },
    /// Two columns of one data set that must have the same length do not.
    #[error("{what} of {name:?} has {found} values, expected {expected}")]
    LengthMismatch {
        /// The series, class or grid the columns belong to.
        name: String,
        /// Which column is too short or too long, for example `"y"` or `"band lower"`.
        what: String,
        /// The length the column should have.
        expected: usize,
        /// The length the column has.
        found: usize,
    },
    /// The finite values span a range that cannot be drawn (for example from -1e308 to 1e308).
    #[error(
        "the {axis} values of chart {title:?} span a range that cannot be drawn ({min} to {max})"
    )]
    UnplottableRange {
        /// The title of the chart.
        title: String,
        /// Which axis: `"x"`, `"y"` or `"colour"`.
        axis: String,
        /// The smallest finite value.
        min: f64,
        /// The largest finite value.
        max: f64,
    },
    /// The requested image size is too small for readable text, or too large to allocate.
    #[error(
        "chart size {width}x{height} is out of range\n\nhint: use a size between {min_width}x{min_height} and {max_side}x{max_side} pixels"
    )]
    InvalidSize {
        /// The requested width in pixels.
        width: u32,
        /// The requested height in pixels.
        height: u32,
        /// The smallest allowed width.
        min_width: u32,
        /// The smallest allowed height.
        min_height: u32,
        /// The largest allowed width or height.
        max_side: u32,
    },
    /// A directory or file could not be created or written.
    #[error("failed to write {}", path.display())]
    Io {
        /// The file or directory that could not be written.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The drawing library reported an error (for example a missing font).
    #[error("failed to draw {}: {message}", path.display())]
    Drawing {
        /// The file that was being drawn.
        path: PathBuf,
        /// The drawing library's message.
        message: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_send_sync_static() {
        fn assert_traits<T: Send + Sync + 'static + std::error::Error>() {}
        assert_traits::<PlotError>();
    }
}
