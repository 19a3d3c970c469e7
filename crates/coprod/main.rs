//! The `coprod` binary: parses the command line (`cli.rs`), calls `coprod-study` for the
//! command (`run`, `check`, `list`, `plot`, `teach`, `validate`, `compare`, `sensitivity`,
//! `calibrate`, `survey`, `merge`, `slurm`; `serve` starts `coprod-serve`), prints what it
//! returns, and maps errors to exit codes (0 ok, 1 `check` found invalid files, 2 any error,
//! 3 `run`, `teach` or `merge` finished but some runs failed (or `teach` finished its runs
//! but could draw no page from them), 130 after Ctrl-C; a reader that closes stdout
//! or stderr early changes none of them; see docs/errors.md). The only place that talks to
//! the terminal.

// The doc comments of `cli.rs` are clap's help text, which names TOML tables in brackets
// ("a [sensitivity] table") and placeholders in angle brackets ("outputs/<scenario name>"):
// for rustdoc those read as links to nothing and as HTML tags.
#![allow(rustdoc::broken_intra_doc_links, rustdoc::invalid_html_tags)]

/// `eprintln!` that ignores a stderr that cannot be written (closed by `2>&1 | head`, or a
/// full disk behind `2> file`): messages are a courtesy, and losing them must neither stop a
/// command whose results go to files nor change its exit status.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

mod cli;
mod commands;
mod progress;
mod run;
mod serve;

use std::io::{self, Write};

use clap::Parser;
use coprod_output::OutputError;
use coprod_study::{Result, StudyError};

use crate::cli::{Cli, Command};

fn main() {
    let cli = Cli::parse();
    let out_options = OutOptions::of(&cli.command);
    let stdout = io::stdout();
    let mut out = Stdout::new(stdout.lock());
    let result = dispatch(cli.command, &mut out).and_then(|status| {
        out.flush()?;
        Ok(status)
    });
    match result {
        Ok(status) => progress::last_words(status, || {}),
        Err(StudyError::Cancelled(interrupted)) => {
            progress::last_words(progress::INTERRUPTED, || say!("\n{interrupted}"))
        }
        Err(err) => progress::last_words(2, || {
            say!("error: {}", message(&err, out_options));
        }),
    }
}

/// Standard output, whose write errors say that it was standard output that failed (a full
/// disk behind `> file`): the command's files were written by then, and a bare "No space
/// left on device" would suggest they were not. A reader that closed it (`| head`) wanted no
/// more: the rest is discarded and the command goes on, so its exit status (1 from `check`,
/// 3 for failed runs) is still the one it would have had.
struct Stdout<W> {
    inner: W,
    closed: bool,
}

impl<W: Write> Stdout<W> {
    fn new(inner: W) -> Self {
        Stdout {
            inner,
            closed: false,
        }
    }

    /// `Ok` for a closed reader (remembered, so nothing more is tried), else the error named.
    fn checked<T>(&mut self, result: io::Result<T>, closed: T) -> io::Result<T> {
        match result {
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.closed = true;
                Ok(closed)
            }
            other => other.map_err(|err| {
                io::Error::new(
                    err.kind(),
                    format!("cannot write to standard output: {err}"),
                )
            }),
        }
    }
}

impl<W: Write> Write for Stdout<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.closed {
            return Ok(buf.len());
        }
        let result = self.inner.write(buf);
        self.checked(result, buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.closed {
            return Ok(());
        }
        let result = self.inner.flush();
        self.checked(result, ())
    }
}

/// Runs the command; the exit status when it did what was asked.
fn dispatch(command: Command, out: &mut impl Write) -> Result<u8> {
    match command {
        Command::Run(args) => run::run(threads(args.threads), args, out),
        Command::Check(args) => commands::check(&args.files, threads(args.threads), out),
        Command::List(args) => Ok(write!(out, "{}", coprod_study::list(args.params)).map(|()| 0)?),
        Command::Plot(args) => commands::plot(threads(args.threads), &args, out),
        Command::Teach(args) => run::teach(threads(args.threads), args, out),
        Command::Validate(args) => commands::validate(threads(args.threads), args, out),
        Command::Compare(args) => commands::compare(threads(args.threads), &args, out),
        Command::Sensitivity(args) => commands::sensitivity(threads(args.threads), args, out),
        Command::Calibrate(args) => commands::calibrate(threads(args.threads), args, out),
        Command::Survey(args) => commands::survey(threads(args.threads), args, out),
        Command::Merge(args) => run::merge(threads(args.threads), &args, out),
        Command::Slurm(args) => commands::slurm(args, out),
        Command::Serve(args) => serve::serve(args, threads(None), out),
    }
}

fn threads(asked: Option<u16>) -> usize {
    asked.map_or_else(
        || default_threads(std::thread::available_parallelism().map_or(1, |n| n.get())),
        usize::from,
    )
}

/// All `cores`, but no more than `--threads` accepts: on a machine with more cores, more
/// threads would cost more than they bring (see `cli::MAX_THREADS`).
fn default_threads(cores: usize) -> usize {
    cores.clamp(1, cli::MAX_THREADS as usize)
}

/// What the command line says of the output directory, for the hints of a refused one.
#[derive(Clone, Copy)]
struct OutOptions {
    /// `--out` was given: the hint then asks for another one, as the same would be refused.
    given: bool,
    /// The command's `--force` replaces an earlier result in the output directory.
    force: bool,
}

impl OutOptions {
    fn of(command: &Command) -> OutOptions {
        let (given, force) = match command {
            Command::Run(a) => (a.out.is_some(), true),
            Command::Teach(a) => (a.out.is_some(), true),
            Command::Validate(a) => (a.out.is_some(), true),
            Command::Sensitivity(a) => (a.out.is_some(), true),
            Command::Merge(a) => (a.out.is_some(), true),
            Command::Survey(a) => (a.out.is_some(), false),
            Command::Calibrate(a) => (a.out.is_some(), false),
            // Its --force is for the job's folder; --replace-results for the output.
            Command::Slurm(a) => (a.out.is_some(), false),
            _ => (false, false),
        };
        OutOptions { given, force }
    }
}

/// The error with its causes, and a hint for the errors that have an obvious fix.
fn message(err: &StudyError, out: OutOptions) -> String {
    let mut text = coprod_study::chain(err);
    let elsewhere = coprod_study::another_out(out.given);
    match err.output_error() {
        Some(OutputError::Exists { other: None, .. }) if out.force => {
            text.push_str(&format!(
                "\n\nhint: use --force to replace it, or {elsewhere} to write elsewhere"
            ));
        }
        // `--force` would be refused (it replaces only a result of this command), or the
        // command has none.
        Some(OutputError::Exists { .. }) => {
            text.push_str(&format!("\n\nhint: write elsewhere with {elsewhere}"));
        }
        // As `run` and `teach` say it (coprod_study's `explain`), for the other commands.
        Some(OutputError::CannotCreate { .. }) => {
            text.push_str(&format!("\n\nhint: {}", coprod_study::CHOOSE_WRITABLE_OUT));
        }
        Some(OutputError::Unrecognised { .. }) => {
            text.push_str(&format!(
                "\n\nhint: restore its manifest.json or remove the directory yourself; or \
                 write elsewhere with {elsewhere}"
            ));
        }
        Some(OutputError::NotARunDir { .. }) => {
            text.push_str("\n\nhint: choose an empty or new directory with --out DIR");
        }
        _ => {}
    }
    text
}

#[cfg(test)]
mod tests {
    use super::default_threads;

    #[test]
    fn the_default_thread_count_is_the_cores_up_to_the_limit() {
        assert_eq!(default_threads(1), 1);
        assert_eq!(default_threads(2), 2);
        assert_eq!(default_threads(1024), 1024);
        assert_eq!(default_threads(4096), 1024);
    }
}
