//! A study driven through the library API alone (no binary): progress events, cancellation
//! part-way leaving a resumable directory, and a resume that finishes it with the same
//! bytes as an uninterrupted run.

use std::fs;
use std::path::Path;
use std::sync::Mutex;

use coprod_study::{Note, Progress, Resumable, RunOptions, ShardArg, Silent, Study, StudyError};

/// 2 variants x 6 sweep points x 2 replications = 24 runs of 6 steps.
const SCENARIO: &str = r#"
name = "api-test"
description = "Small two-axis sweep with one variant, for the library test."

[params.population]
n_citizens = 200
n_communities = 4

[experiment]
steps = 6
replications = 2
seed = 7

[experiment.sweep]
"levers.outreach" = [0, 0.5]
"levers.group_size_cap" = { from = 2, to = 8, step = 3 }

[[experiment.variants]]
name = "joint"
params.groups.service = "joint"
"#;

const RUNS: u64 = 24;

/// What a study reported, in order.
#[derive(Clone, Debug, PartialEq)]
enum Event {
    Start(u64),
    Advance(u64),
    Finish,
    Note(Note),
    Resumable(Resumable),
}

/// Records every event; cancels at the `cancel_at`-th check (never if 0).
struct Recorder {
    events: Mutex<Vec<Event>>,
    checks: Mutex<u64>,
    cancel_at: u64,
}

impl Recorder {
    fn new(cancel_at: u64) -> Recorder {
        Recorder {
            events: Mutex::new(Vec::new()),
            checks: Mutex::new(0),
            cancel_at,
        }
    }

    fn push(&self, event: Event) {
        self.events.lock().unwrap().push(event);
    }

    fn events(&self) -> Vec<Event> {
        self.events.lock().unwrap().clone()
    }

    fn advanced(&self) -> u64 {
        self.events()
            .iter()
            .map(|e| match e {
                Event::Advance(n) => *n,
                _ => 0,
            })
            .sum()
    }
}

impl Progress for Recorder {
    fn start(&self, total: u64) {
        self.push(Event::Start(total));
    }
    fn advance(&self, n: u64) {
        self.push(Event::Advance(n));
    }
    fn finish(&self) {
        self.push(Event::Finish);
    }
    fn note(&self, note: Note) {
        self.push(Event::Note(note));
    }
    fn resumable(&self, resumable: &Resumable) {
        self.push(Event::Resumable(resumable.clone()));
    }
    fn cancelled(&self) -> bool {
        let mut checks = self.checks.lock().unwrap();
        *checks += 1;
        self.cancel_at > 0 && *checks >= self.cancel_at
    }
}

fn study(dir: &Path) -> Study {
    let file = dir.join("api-test.toml");
    fs::write(&file, SCENARIO).unwrap();
    Study::load(file.to_str().unwrap()).unwrap()
}

fn options(out: &Path) -> RunOptions {
    RunOptions {
        out: Some(out.to_path_buf()),
        threads: 1,
        ..RunOptions::default()
    }
}

/// Every file of a run directory except manifest.json's timing: the bytes must agree.
fn assert_same_outputs(a: &Path, b: &Path) {
    let mut files = Vec::new();
    let mut stack = vec![a.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.push(path.strip_prefix(a).unwrap().to_path_buf());
            }
        }
    }
    assert!(files.iter().any(|f| f.ends_with("timeseries.csv")));
    for file in &files {
        if file.ends_with("manifest.json") {
            let read = |d: &Path| {
                let mut m: serde_json::Value =
                    serde_json::from_str(&fs::read_to_string(d.join(file)).unwrap()).unwrap();
                m.as_object_mut().unwrap().remove("timing");
                m
            };
            assert_eq!(read(a), read(b));
        } else if !file.ends_with("index.html") {
            assert!(
                fs::read(a.join(file)).unwrap() == fs::read(b.join(file)).unwrap(),
                "{} differs",
                file.display()
            );
        }
    }
}

#[test]
fn a_study_reports_progress_cancels_part_way_and_resumes_to_the_same_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let study = study(tmp.path());

    // Uninterrupted, for reference.
    let whole = tmp.path().join("whole");
    let summary = study.run(&options(&whole), &Silent).unwrap();
    assert_eq!((summary.runs, summary.ran, summary.failed), (RUNS, RUNS, 0));
    assert_eq!(summary.dir, whole);

    // Cancelled after the fifth run is written.
    let parts = tmp.path().join("parts");
    let recorder = Recorder::new(5);
    let err = study.run(&options(&parts), &recorder).unwrap_err();
    let StudyError::Cancelled(interrupted) = &err else {
        panic!("expected a cancellation, got {err}");
    };
    assert_eq!((interrupted.saved, interrupted.total), (5, RUNS));
    assert!(interrupted.partial.is_dir());
    assert!(!parts.exists(), "a cancelled run has no finished directory");
    assert!(
        interrupted
            .command
            .ends_with(&format!("--out {} --resume", parts.display())),
        "{}",
        interrupted.command
    );
    let events = recorder.events();
    let Some(Event::Resumable(resumable)) = events.first() else {
        panic!("the first event is not the resumable directory: {events:?}");
    };
    assert_eq!(
        events[1],
        Event::Note(Note::Status(
            "api-test: 24 runs (2 variants x 6 sweep points x 2 replications) of 6 steps, roughly \
         under a second on 1 thread"
                .into()
        ))
    );
    assert_eq!(
        (resumable.target.as_path(), resumable.total),
        (parts.as_path(), RUNS)
    );
    assert!(events.contains(&Event::Start(RUNS)));
    assert_eq!(events.last(), Some(&Event::Finish));
    assert!(recorder.advanced() >= 5);

    // Without resume the saved runs are not thrown away.
    assert!(matches!(
        study.run(&options(&parts), &Silent),
        Err(StudyError::Invalid(text)) if text.contains("hint: add --resume")
    ));

    // Resumed: only the missing runs are run, and the bytes are those of the whole run.
    let recorder = Recorder::new(0);
    let resumed = RunOptions {
        resume: true,
        ..options(&parts)
    };
    let summary = study.run(&resumed, &recorder).unwrap();
    assert_eq!((summary.runs, summary.ran), (RUNS, RUNS - 5));
    assert!(recorder.events().contains(&Event::Start(RUNS - 5)));
    assert_eq!(recorder.advanced(), RUNS - 5);
    assert_same_outputs(&whole, &parts);

    // A finished directory has nothing to resume.
    let again = study.run(&resumed, &Silent).unwrap();
    assert!(again.already_complete);
}

/// A survey of no one is refused with an error through the library too, as on the command
/// line, not a division by zero.
#[test]
fn a_survey_of_zero_citizens_is_an_error_not_a_panic() {
    let options = coprod_study::SurveyOptions {
        scenario: "baseline".into(),
        horizon: None,
        sample: 0,
        out: None,
        threads: 1,
    };
    match coprod_study::survey(&options, &Silent) {
        Err(StudyError::Invalid(message)) => {
            assert!(message.contains("at least 1 citizen"), "{message}");
        }
        other => panic!("not refused: {:?}", other.map(|s| s.respondents)),
    }
}

/// Counts the pieces of uninterrupted work ([`Progress::uninterrupted`]) during which the
/// directory at `target` was moved into place (it is another directory after than before).
struct MovesHeldOff {
    target: std::path::PathBuf,
    moves: Mutex<u32>,
}

impl Progress for MovesHeldOff {
    fn uninterrupted(&self, work: &mut dyn FnMut()) {
        use std::os::unix::fs::MetadataExt as _;
        let inode = || fs::metadata(&self.target).ok().map(|m| m.ino());
        let before = inode();
        work();
        if inode() != before {
            *self.moves.lock().unwrap() += 1;
        }
    }
}

/// A run, with `--force` over an earlier result, and a shard move their directory into
/// place with interruptions held off: Ctrl-C between the renames of a replacement (the old
/// result moved aside, the new one not yet in) would leave neither at the target.
#[test]
fn results_are_moved_into_place_with_interruptions_held_off() {
    let tmp = tempfile::tempdir().unwrap();
    let study = study(tmp.path());
    let out = tmp.path().join("out");
    study.run(&options(&out), &Silent).unwrap();
    let shard = ShardArg::Explicit { index: 0, count: 2 };
    let runs = [
        (
            RunOptions {
                force: true,
                ..options(&out)
            },
            out.clone(),
        ),
        (
            RunOptions {
                shard: Some(shard),
                ..options(&tmp.path().join("s0"))
            },
            tmp.path().join("s0"),
        ),
    ];
    for (options, target) in runs {
        let progress = MovesHeldOff {
            target,
            moves: Mutex::new(0),
        };
        study.run(&options, &progress).unwrap();
        assert_eq!(*progress.moves.lock().unwrap(), 1, "{:?}", progress.target);
    }
}
