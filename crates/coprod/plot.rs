//! `coprod plot DIR`: redraw a run directory's charts and index.html from its CSV files, and
//! the hook that gives every `coprod run` its charts before the directory is committed.
//!
//! Owns only glue and messages; the charts and pages are `coprod-report`'s.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use coprod_output::Manifest;
use coprod_report::{Selection, write_report};

use crate::cli::PlotArgs;

pub(crate) fn plot(args: &PlotArgs, stdout: &mut impl Write) -> Result<()> {
    if !args.dir.is_dir() {
        anyhow::bail!(
            "{}: no such run directory\n\nhint: give a folder written by `coprod run`",
            args.dir.display()
        );
    }
    let selection = Selection {
        metric: args.metric.clone(),
        kind: args.kind,
    };
    let written = write_report(&args.dir, &selection, None)
        .with_context(|| format!("cannot redraw the charts of {}", args.dir.display()))?;
    for note in &written.notes {
        eprintln!("note: {note}");
    }
    for chart in &written.charts {
        writeln!(stdout, "{}", chart.png().display())?;
        writeln!(stdout, "{}", chart.svg().display())?;
    }
    writeln!(stdout, "{}", written.index.display())?;
    Ok(())
}

/// Draws the default charts and index.html into a finished run's staging directory, so they
/// are part of the atomic result. A chart that cannot be drawn is a warning, not a failed
/// run: the CSVs are what matters.
pub(crate) fn add_charts(staging: &Path, manifest: &Manifest) {
    let manifest = serde_json::to_value(manifest).ok();
    if let Err(err) = write_report(staging, &Selection::default(), manifest) {
        eprintln!("warning: no charts: {err}");
    }
}
