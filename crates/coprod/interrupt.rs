//! Ctrl-C during `coprod run` (and `coprod teach`): say what was saved and how to finish
//! it, then exit with status 130 (128 + SIGINT, the shell convention).
//!
//! Owns the handler and its message. The run directory's journal makes an interruption at
//! any moment safe (the same as a kill); the handler only reads how many runs it holds.

use std::path::{Path, PathBuf};

use crate::cli::RunArgs;
use crate::shard_arg::ShardArg;

/// Exit status after Ctrl-C.
pub(crate) const INTERRUPTED: i32 = 130;

/// Installs the Ctrl-C handler for a run into `target` of `total` runs. Called once per
/// process; a second call (a command that runs twice) keeps the first handler.
pub(crate) fn on_ctrl_c(args: &RunArgs, target: &Path, total: u64) {
    let command = resume_command(args, target);
    let target = target.to_path_buf();
    let _ = ctrlc::set_handler(move || {
        let partial = coprod_output::partial_dir(&target);
        let saved = coprod_output::saved_runs(&partial);
        eprintln!(
            "\ninterrupted: {saved} of {total} runs were saved in {}; nothing else was \
             written.\nfinish the run (only the missing runs are run) with:\n  {command}",
            partial.display()
        );
        std::process::exit(INTERRUPTED);
    });
}

/// The `coprod run` command that resumes this run: the same scenario and options, with
/// `--out` the run's directory and `--resume`.
fn resume_command(args: &RunArgs, target: &Path) -> String {
    let mut words: Vec<String> = vec!["coprod".into(), "run".into()];
    if let Some(s) = &args.scenario {
        words.push(s.clone());
    }
    let out = PathBuf::from(target);
    words.extend(["--out".into(), out.display().to_string()]);
    if let Some(r) = args.replications {
        words.extend(["--replications".into(), r.to_string()]);
    }
    if let Some(s) = args.seed {
        words.extend(["--seed".into(), s.to_string()]);
    }
    for s in &args.settings {
        words.extend(["--set".into(), format!("{}={}", s.key, s.value)]);
    }
    if args.quick || args.scenario.is_none() {
        words.push("--quick".into());
    }
    for m in &args.metrics {
        words.extend(["--metric".into(), m.clone()]);
    }
    if let Some(a) = &args.against {
        words.extend(["--against".into(), a.clone()]);
    }
    if let Some(w) = args.target_ci {
        words.extend(["--target-ci".into(), w.to_string()]);
        words.extend([
            "--max-replications".into(),
            args.max_replications.to_string(),
        ]);
    }
    match &args.shard {
        Some(ShardArg::Explicit { index, count }) => {
            words.extend(["--shard".into(), format!("{index}/{count}")]);
        }
        Some(ShardArg::Slurm) => words.push("--shard".into()),
        None => {}
    }
    words.push("--resume".into());
    words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(" ")
}

/// A word as the shell reads it: bare when safe, else in single quotes.
fn quote(word: &str) -> String {
    let safe = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@".contains(c));
    if safe {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}
