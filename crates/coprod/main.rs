//! The `coprod` binary: parses the command line, dispatches to one module per subcommand
//! (`run`, `check`, `list`, `plot`, `teach`, `validate`, `compare`, `sensitivity`, `merge`,
//! `slurm`), and maps errors to exit codes (0 ok, 1 `check` found invalid files or
//! `validate` a failing proposition, 2 any error, 3 `run` finished but some runs failed,
//! 130 Ctrl-C during a run; a broken pipe on stdout exits 0; see docs/errors.md). The only
//! place that talks to the terminal.

mod calibrate;
mod check;
mod cli;
mod compare;
mod interrupt;
mod list;
mod merge;
mod outcome;
mod plot;
mod run;
mod sensitivity;
mod serve;
mod shard;
mod shard_arg;
mod shipped;
mod slurm;
mod survey;
mod teach;
mod validate;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::Parser;
use coprod_output::OutputError;

use crate::cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let result = match cli.command {
        Command::Run(args) => {
            let threads = threads(args.threads);
            run::run(args, threads, &mut out).map(|()| true)
        }
        Command::Check(args) => check::check(&args.files, threads(args.threads), &mut out),
        Command::List(args) => list::list(args.params, &mut out).map(|()| true),
        Command::Plot(args) => plot::plot(&args, &mut out).map(|()| true),
        Command::Teach(args) => {
            let threads = threads(args.threads);
            teach::teach(args, threads, &mut out).map(|()| true)
        }
        Command::Validate(args) => {
            let threads = threads(args.threads);
            validate::validate(args, threads, &mut out)
        }
        Command::Compare(args) => compare::compare(&args, &mut out).map(|()| true),
        Command::Sensitivity(args) => {
            let threads = threads(args.threads);
            sensitivity::sensitivity(args, threads, &mut out).map(|()| true)
        }
        Command::Calibrate(args) => {
            let threads = threads(args.threads);
            calibrate::calibrate(args, threads, &mut out).map(|()| true)
        }
        Command::Survey(args) => {
            let threads = threads(args.threads);
            survey::survey(args, threads, &mut out).map(|()| true)
        }
        Command::Merge(args) => merge::merge(&args, &mut out).map(|()| true),
        Command::Slurm(args) => slurm::slurm(&args, &mut out).map(|()| true),
        Command::Serve(args) => serve::serve(args, threads(None), &mut out).map(|()| true),
    };
    let result = result.and_then(|ok| {
        out.flush()?;
        Ok(ok)
    });
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(err) if is_broken_pipe(&err) => ExitCode::SUCCESS,
        // Outputs were written and the failures reported; see docs/errors.md.
        Err(err) if err.is::<outcome::SomeRunsFailed>() => ExitCode::from(3),
        Err(err) => {
            eprintln!("error: {}", message(&err));
            ExitCode::from(2)
        }
    }
}

fn threads(asked: Option<u16>) -> usize {
    asked.map_or_else(
        || std::thread::available_parallelism().map_or(1, |n| n.get()),
        usize::from,
    )
}

/// The error with its causes, and a hint for the errors that have an obvious fix.
fn message(err: &anyhow::Error) -> String {
    let mut text = err.to_string();
    for cause in err.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(&format!(": {cause}"));
        }
    }
    match err.downcast_ref::<OutputError>() {
        Some(OutputError::Exists { .. }) => {
            text.push_str("\n\nhint: use --force to replace it, or --out DIR to write elsewhere");
        }
        Some(OutputError::NotARunDir { .. }) => {
            text.push_str("\n\nhint: choose an empty or new directory with --out DIR");
        }
        _ => {}
    }
    text
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}
