//! # coprod-report: pictures and pages from a run directory
//!
//! # Brief overview
//! Reads a run directory back from its CSV files (through `coprod_output::read`) and writes:
//!
//! * the default chart set into `charts/` ([`draw_charts`]): time series with 95% bands per
//!   variant, response curves over swept parameters, group survival by size class, forest
//!   plots of paired variant effects, heatmaps over two parameters (PNG and SVG);
//! * `index.html` ([`write_report`]): description, resolved parameters, charts and summary
//!   table in one self-contained page;
//! * `teach.html` ([`write_teach_page`]): the group-size classroom page, whose every number is
//!   computed from the run.
//!
//! Pages inline their charts as data URIs and reference nothing on the network.
//! Drawing is `coprod-plot`'s; this crate never runs the model or reads a scenario file.
//!
//! # Example
//! ```no_run
//! use coprod_report::{RunData, Selection, write_report};
//! let dir = std::path::Path::new("outputs/group-size");
//! let written = write_report(dir, &Selection::default(), None, None)?;
//! println!("{}", written.index.unwrap().display());
//! # Ok::<(), coprod_report::ReportError>(())
//! ```
#![deny(missing_docs)]

mod charts;
mod classes;
mod data;
mod error;
mod forces;
mod html;
mod index;
mod lifetimes;
mod teach;

use std::path::{Path, PathBuf};

pub use crate::charts::{ChartFile, ChartKind, Selection, draw_charts};
pub use crate::classes::SIZE_CLASSES;
pub use crate::data::{
    Estimate, RunData, Tally, check_run_count, metric_axis_label, metric_unit, parameter_axis_label,
};
pub use crate::error::ReportError;
pub use crate::forces::{Force, Forces, LifeTotals, factors, strongest_against};
pub use crate::html::{counted, number, percent};
pub use crate::index::INDEX_HTML;
pub use crate::lifetimes::{HORIZON_MONTHS, horizon};
pub use crate::teach::{
    Analysis, CommunitySize, Regime, SIZE_PARAM, SizeResult, TEACH_HTML, analyse, write_teach_page,
};

/// The folder of a run directory that holds the charts.
pub const CHARTS_DIR: &str = "charts";

/// What [`write_report`] wrote.
#[derive(Debug, Clone)]
pub struct Written {
    /// The charts.
    pub charts: Vec<ChartFile>,
    /// Charts that were skipped, and why.
    pub notes: Vec<String>,
    /// The `index.html` page; `None` when the selection was narrowed (`--kind`, `--metric`):
    /// then only the selected charts are redrawn and index.html is left as it was.
    pub index: Option<PathBuf>,
    /// What the charts and page were drawn from, for a further page of the same run (the
    /// lesson's) without reading the directory's files again.
    pub data: RunData,
}

/// Reads the run directory `dir`, draws the selected charts into `dir/charts/` and, unless
/// the selection is narrowed to a metric or kind, writes `dir/index.html` with them.
///
/// `manifest` replaces `dir/manifest.json` when given (a run being finished has not written
/// its manifest yet); otherwise runs.csv must hold every run the manifest records that did
/// not fail. The charts and page are written under temporary names and replace the old
/// ones only when every one was written. `tally` holds the rows of timeseries.csv and groups.csv as a sweep
/// wrote them (`None`: read the files; the result is the same).
///
/// # Errors
/// [`ReportError`] naming the file that could not be read, drawn or written.
pub fn write_report(
    dir: &Path,
    selection: &Selection,
    manifest: Option<serde_json::Value>,
    tally: Option<Tally>,
) -> Result<Written, ReportError> {
    let mut data = RunData::load_with(dir, tally)?;
    if manifest.is_some() {
        data.manifest = manifest;
    } else {
        data.check_runs()?;
    }
    // Every chart and the page are drawn under temporary names first and replace the old
    // ones only when all were written: a failure midway leaves the old set whole.
    let new = coprod_output::Replacement::new(dir)?;
    let (drawn, notes) = draw_charts(&data, &new.path().join(CHARTS_DIR), selection)?;
    let charts: Vec<ChartFile> = drawn
        .into_iter()
        .map(|c| ChartFile {
            stem: new.target(&c.stem),
            ..c
        })
        .collect();
    // A narrowed selection redraws only its charts: index.html shows the whole set, so it
    // is left as it was rather than rewritten with part of it.
    let index = if selection.metric.is_none() && selection.kind.is_none() {
        let text = index::index_page(&data, &charts, &notes, &|p| new.staged(p))?;
        let staged = new.path().join(INDEX_HTML);
        std::fs::write(&staged, text).map_err(|e| ReportError::io(&staged, e))?;
        Some(dir.join(INDEX_HTML))
    } else {
        None
    };
    new.commit()?;
    Ok(Written {
        charts,
        notes,
        index,
        data,
    })
}
