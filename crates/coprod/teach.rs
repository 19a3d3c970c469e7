//! `coprod teach group-size`: one command for a teacher. Runs the shipped `group-size`
//! scenario (both service regimes) through `coprod run`, then writes `teach.html` into the
//! run directory and prints its path.
//!
//! Owns the lesson's defaults (scenario, output folder); the analysis and page are
//! `coprod-report`'s.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Parser;
use coprod_report::{RunData, SIZE_PARAM, write_teach_page};

use crate::cli::{Cli, Command, Lesson, TeachArgs};
use crate::run;

/// The scenario each lesson runs.
fn scenario(lesson: Lesson) -> &'static str {
    match lesson {
        Lesson::GroupSize => "group-size",
    }
}

pub(crate) fn teach(args: TeachArgs, threads: usize, stdout: &mut impl Write) -> Result<()> {
    let name = scenario(args.lesson);
    check_lesson(name, &args)?;
    let out = args.out.clone().unwrap_or_else(|| {
        coprod_output::default_run_dir(Path::new("outputs"), &format!("{name}-teach"))
    });
    // Build the `run` arguments through the parser, so they get the same defaults and
    // checks as `coprod run` typed by hand.
    let mut argv: Vec<String> = vec!["coprod".into(), "run".into(), name.into()];
    argv.extend(["--out".into(), out.display().to_string()]);
    if let Some(r) = args.replications {
        argv.extend(["--replications".into(), r.to_string()]);
    }
    for s in &args.settings {
        argv.extend(["--set".into(), format!("{}={}", s.key, s.value)]);
    }
    if args.quick {
        argv.push("--quick".into());
    }
    if args.force {
        argv.push("--force".into());
    }
    let Command::Run(run_args) = Cli::try_parse_from(&argv)?.command else {
        unreachable!("argv starts with `run`");
    };
    let mut printed = Vec::new();
    run::run(run_args, threads, &mut printed)?;
    let dir = PathBuf::from(String::from_utf8_lossy(&printed).trim());
    let data = RunData::load(&dir)?;
    let page = write_teach_page(&data)
        .with_context(|| format!("cannot write the teaching page in {}", dir.display()))?;
    eprintln!("open {} in a browser", page.display());
    writeln!(stdout, "{}", page.display())?;
    Ok(())
}

/// Refuses options that would leave the lesson without its size sweep, before anything is
/// run or written (the page needs `levers.group_size_cap` swept over at least two sizes).
fn check_lesson(name: &str, args: &TeachArgs) -> Result<()> {
    let mut scenario = crate::shipped::load(name)?;
    let settings = run::with_experiment_options(&args.settings, args.replications, None);
    scenario.apply_settings(&settings)?;
    let sizes = scenario
        .sweep
        .iter()
        .find(|a| a.name() == SIZE_PARAM)
        .map_or(0, |a| a.values.len());
    if sizes < 2 || scenario.sweep.len() != 1 {
        anyhow::bail!(
            "the lesson compares group sizes, so it needs `{SIZE_PARAM}` swept over at least two \
             sizes and nothing else swept; these options leave {sizes} size(s)\n\nhint: drop \
             `--set {SIZE_PARAM}=...`; to look at one size, use `coprod run {name} --set \
             {SIZE_PARAM}=N`"
        );
    }
    Ok(())
}
