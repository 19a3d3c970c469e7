//! Finishing an interrupted run: the record of a resumable run directory (where it is, how
//! many runs it has, the `coprod run ... --resume` command that finishes it) and the
//! message after an interruption.
//!
//! The run directory's journal makes an interruption at any moment safe (the same as a
//! kill); this module only names what was saved and how to finish it.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::shard_arg::ShardArg;

/// A run directory being written that a later `--resume` can finish.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resumable {
    /// The run's final directory.
    pub target: PathBuf,
    /// Runs the directory will hold.
    pub total: u64,
    /// The shell command that finishes it.
    pub command: String,
    /// Whether the command also does work after the runs (a lesson's page), so that it is
    /// worth repeating even once every run is saved.
    pub after_runs: bool,
}

impl Resumable {
    /// What to tell someone who stops the process now: what [`Resumable::interrupted`]
    /// says, or, once the run directory has been moved into place (only messages are left
    /// to print), that it is complete.
    pub fn on_interrupt(&self) -> String {
        let partial = coprod_output::partial_dir(&self.target);
        let in_place = self.target.join(coprod_output::MANIFEST_JSON).is_file();
        if in_place && !partial.exists() {
            let mut said = format!(
                "interrupted after the run was complete: {} in {}",
                crate::estimate::all_runs_are(self.total),
                self.target.display()
            );
            if self.after_runs {
                said += &format!(
                    "\nfinish the rest (no run is repeated) with:\n  {}",
                    self.command
                );
            }
            said
        } else {
            self.interrupted().to_string()
        }
    }

    /// What an interruption now leaves: the runs saved in the partial directory.
    pub fn interrupted(&self) -> Interrupted {
        let partial = coprod_output::partial_dir(&self.target);
        Interrupted {
            saved: coprod_output::saved_runs(&partial),
            total: self.total,
            partial,
            command: self.command.clone(),
        }
    }
}

/// A run stopped before the end: what was saved, and how to finish it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interrupted {
    /// Runs saved in the partial directory.
    pub saved: u64,
    /// Runs of the whole run directory.
    pub total: u64,
    /// The partial directory.
    pub partial: PathBuf,
    /// The shell command that finishes the run.
    pub command: String,
}

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "interrupted: {} of {} were saved in {}; nothing else was written.\nfinish \
             the run (only the missing runs are run) with:\n  {}",
            self.saved,
            crate::estimate::counted(self.total, "run"),
            self.partial.display(),
            self.command
        )
    }
}

/// The options of a `coprod run` as its resume command repeats them.
pub(crate) struct RunWords<'a> {
    /// `run`, or `teach` for a lesson.
    pub(crate) subcommand: &'a str,
    pub(crate) scenario: Option<&'a str>,
    pub(crate) replications: Option<u32>,
    pub(crate) seed: Option<u64>,
    pub(crate) settings: &'a [coprod_scenario::Setting],
    pub(crate) quick: bool,
    pub(crate) metrics: &'a [String],
    pub(crate) against: Option<&'a str>,
    pub(crate) target_ci: Option<(f64, u32)>,
    pub(crate) shard: Option<&'a ShardArg>,
    /// `--force`: the finished run replaces an earlier result in its directory.
    pub(crate) force: bool,
}

/// The `coprod run` (or `coprod teach`) command that resumes this run: the same scenario and
/// options, with `--out` the run's directory and `--resume`.
pub(crate) fn resume_command(args: &RunWords<'_>, target: &Path) -> String {
    let mut words: Vec<String> = vec!["coprod".into(), args.subcommand.into()];
    if let Some(s) = args.scenario {
        words.push(s.to_string());
    }
    let out = PathBuf::from(target);
    words.extend(["--out".into(), out.display().to_string()]);
    if let Some(r) = args.replications {
        words.extend(["--replications".into(), r.to_string()]);
    }
    if let Some(s) = args.seed {
        words.extend(["--seed".into(), s.to_string()]);
    }
    for s in args.settings {
        words.extend(["--set".into(), format!("{}={}", s.key, s.value)]);
    }
    if args.quick || args.scenario.is_none() {
        words.push("--quick".into());
    }
    for m in args.metrics {
        words.extend(["--metric".into(), m.clone()]);
    }
    if let Some(a) = args.against {
        words.extend(["--against".into(), a.to_string()]);
    }
    if let Some((w, max)) = args.target_ci {
        words.extend(["--target-ci".into(), coprod_core::readable(w)]);
        words.extend(["--max-replications".into(), max.to_string()]);
    }
    match args.shard {
        Some(ShardArg::Explicit { index, count }) => {
            words.extend(["--shard".into(), format!("{index}/{count}")]);
        }
        Some(ShardArg::Slurm) => words.push("--shard".into()),
        None => {}
    }
    if args.force {
        words.push("--force".into());
    }
    words.push("--resume".into());
    command_line(&words)
}

/// `words` as one command line for the shell, each quoted only if it needs it.
pub fn command_line(words: &[String]) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interruption_after_the_move_into_place_says_the_run_is_complete() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tmp.path().join("run");
        let r = Resumable {
            target: target.clone(),
            total: 12,
            command: "coprod run x --out run --resume".into(),
            after_runs: false,
        };
        // While the runs are written: the partial directory is there.
        let partial = coprod_output::partial_dir(&target);
        std::fs::create_dir_all(&partial).unwrap();
        assert!(
            r.on_interrupt()
                .starts_with("interrupted: 0 of 12 runs were saved")
        );
        // After the move into place, only messages were left.
        std::fs::remove_dir_all(&partial).unwrap();
        std::fs::create_dir_all(&target).unwrap();
        std::fs::write(target.join(coprod_output::MANIFEST_JSON), "{}").unwrap();
        let said = r.on_interrupt();
        assert!(
            said.contains("after the run was complete: all 12 runs are in"),
            "{said}"
        );
        assert!(!said.contains("--resume"), "{said}");
        // A lesson still has its page to write: its command is worth repeating.
        let lesson = Resumable {
            command: "coprod teach group-size --out run --resume".into(),
            after_runs: true,
            ..r
        };
        let said = lesson.on_interrupt();
        assert!(
            said.ends_with("with:\n  coprod teach group-size --out run --resume"),
            "{said}"
        );
    }

    /// The printed command can be pasted into a shell: words with spaces, quotes or shell
    /// characters are single-quoted, an empty word too, and plain words stay bare.
    #[test]
    fn words_are_quoted_for_the_shell_only_when_needed() {
        assert_eq!(quote("levers.outreach=0.5"), "levers.outreach=0.5");
        assert_eq!(
            quote("outputs/my-study_2,a+b@c:d"),
            "outputs/my-study_2,a+b@c:d"
        );
        assert_eq!(quote(""), "''");
        assert_eq!(quote("my study.toml"), "'my study.toml'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote("$HOME"), "'$HOME'");
    }

    /// A tiny `--target-ci` is repeated in the command short, and exactly (it reads back as
    /// the same number), not as 300 digits.
    #[test]
    fn a_tiny_target_ci_is_repeated_short_and_exact() {
        let words = RunWords {
            subcommand: "run",
            scenario: Some("s.toml"),
            replications: None,
            seed: None,
            settings: &[],
            quick: false,
            metrics: &[],
            against: None,
            target_ci: Some((1.5e-300, 100)),
            shard: None,
            force: false,
        };
        let command = resume_command(&words, Path::new("out"));
        assert!(
            command.contains("--target-ci 1.5e-300 --max-replications 100"),
            "{command}"
        );
        assert_eq!("1.5e-300".parse::<f64>().unwrap(), 1.5e-300);
    }
}
