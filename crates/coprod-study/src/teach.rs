//! `coprod teach group-size`: one command for a teacher. Runs the shipped `group-size`
//! scenario (five service regimes) as `coprod run` would, then writes `teach.html` into
//! the run directory. Also what the classroom server's Experiment page runs.
//!
//! Owns the lesson's defaults (scenario, output folder); the analysis and page are
//! `coprod-report`'s.

use std::path::{Path, PathBuf};

use coprod_report::{ReportError, RunData, SIZE_PARAM, write_teach_page};
use coprod_scenario::{Scenario, Setting};
use coprod_sweep::Faults;

use crate::error::{Result, StudyError, bail};
use crate::progress::{Progress, without_interruption};
use crate::resume::{RunWords, resume_command};
use crate::run::{ResumedBy, RunOptions, RunSummary, Study};
use crate::shipped::with_experiment_options;

/// The lessons of `coprod teach`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lesson {
    /// Which group size lasts best, in five service regimes.
    GroupSize,
}

impl Lesson {
    /// The shipped scenario the lesson runs.
    pub fn scenario(self) -> &'static str {
        match self {
            Lesson::GroupSize => "group-size",
        }
    }
}

/// How to run a lesson.
#[derive(Clone, Debug)]
pub struct TeachOptions {
    /// The lesson.
    pub lesson: Lesson,
    /// Output directory (default: `outputs/<scenario>-teach`, numbered if taken, also by an
    /// interrupted lesson of other options, as `coprod run` numbers its folders).
    pub out: Option<PathBuf>,
    /// Replications per group size and regime (overrides the scenario).
    pub replications: Option<u32>,
    /// Shrink the runs for a quick look.
    pub quick: bool,
    /// `--set KEY=VALUE` settings.
    pub settings: Vec<Setting>,
    /// Worker threads.
    pub threads: usize,
    /// Replace the output directory if it exists.
    pub force: bool,
    /// Finish an interrupted lesson (its runs, then the page).
    pub resume: bool,
    /// Runs that fail on purpose (testing aid).
    pub faults: Faults,
}

impl TeachOptions {
    /// The lesson with the scenario's own settings into a new directory, on `threads`.
    pub fn new(lesson: Lesson, threads: usize) -> TeachOptions {
        TeachOptions {
            lesson,
            out: None,
            replications: None,
            quick: false,
            settings: Vec::new(),
            threads,
            force: false,
            resume: false,
            faults: Faults::default(),
        }
    }
}

/// What a lesson wrote.
#[derive(Clone, Debug)]
pub struct Lessoned {
    /// The run of the lesson's scenario.
    pub run: RunSummary,
    /// teach.html in the run directory; `None` when some runs failed (no page is written
    /// from an incomplete experiment) or when the runs hold nothing the page can compare.
    pub page: Option<PathBuf>,
    /// Why no page was drawn from runs that all finished: what the data lack (for example,
    /// no group started at any size). The runs stay in the directory.
    pub no_page: Option<String>,
}

/// Runs a lesson and writes its page.
pub fn teach(options: &TeachOptions, progress: &dyn Progress) -> Result<Lessoned> {
    let name = options.lesson.scenario();
    let study = Study::load(name)?;
    if let Some(note) = check_lesson(&study, options)? {
        progress.note(crate::progress::Note::Warning(note));
    }
    // Without --out, the lesson's folders follow run's rule under their own name: an
    // interrupted lesson of other options is passed over, and --resume finds its own.
    let run_options = RunOptions {
        out: options.out.clone(),
        default_name: Some(format!("{name}-teach")),
        replications: options.replications,
        threads: options.threads,
        settings: options.settings.clone(),
        quick: options.quick,
        force: options.force,
        resume: options.resume,
        resumed_by: ResumedBy::Teach,
        faults: options.faults.clone(),
        ..RunOptions::default()
    };
    let mut run = study.run(&run_options, progress)?;
    // A directory that was already complete ran nothing now; its manifest says whether the
    // experiment is whole.
    if run.already_complete {
        run.failed = recorded_failures(&run.dir);
    }
    if run.failed > 0 {
        return Ok(Lessoned {
            run,
            page: None,
            no_page: None,
        });
    }
    // The data the run's own report was drawn from, or, when this invocation drew none (the
    // lesson was already complete), the directory's files.
    let data = match run.report.take() {
        Some(data) => data,
        None => RunData::load(&run.dir)?,
    };
    // Only the data can show that the sizes cannot be compared (what the options allow is
    // checked before running): the runs are kept, and the caller says why there is no page.
    // Held off while the page is drawn and moved in (a second or so): the Ctrl-C handler
    // exits at once, which would leave the temporary folder of its drawing in the lesson.
    let page = without_interruption(progress, || {
        let page = write_teach_page(&data)?;
        progress.on_interrupt(&format!(
            "interrupted after the page was written: the lesson is complete in {}",
            run.dir.display()
        ));
        Ok(page)
    });
    let page = match page {
        Ok(page) => page,
        Err(ReportError::Unsuitable { message, .. }) => {
            return Ok(Lessoned {
                run,
                page: None,
                no_page: Some(message),
            });
        }
        Err(err) => return Err(page_not_written(err, &study, &run_options, &run.dir)),
    };
    Ok(Lessoned {
        run,
        page: Some(page),
        no_page: None,
    })
}

/// A page that could not be written (a full disk): the runs are complete in `dir`, and
/// `--resume` of the lesson draws its page from them. Without `--force`, which would ask
/// to replace the complete folder.
fn page_not_written(err: ReportError, study: &Study, o: &RunOptions, dir: &Path) -> StudyError {
    let err = StudyError::from(err).at_final_paths(dir);
    let words = RunWords {
        force: false,
        ..crate::run::run_words(study, o)
    };
    StudyError::Invalid(format!(
        "cannot write the teaching page in {}: {}\n\nhint: the runs are complete in {}; once \
         the cause is fixed, write the page with (no run is repeated):\n  {}",
        dir.display(),
        crate::error::chain(&err),
        dir.display(),
        resume_command(&words, dir)
    ))
}

/// Failed runs of a finished directory: what its manifest.json records, and at least one
/// when it has a failures.csv, so that no page is drawn from a directory that lists failed
/// runs whatever its manifest says (or if it cannot be read).
fn recorded_failures(dir: &Path) -> u64 {
    let recorded = coprod_output::read::read_manifest(dir)
        .ok()
        .flatten()
        .and_then(|manifest| manifest.get("failed_runs")?.as_u64())
        .unwrap_or(0);
    let listed = u64::from(dir.join(coprod_output::FAILURES_CSV).is_file());
    recorded.max(listed)
}

/// Refuses a `--set` of a parameter that a variant of the lesson sets to another value: the
/// setting would replace the variant's value, and the page would still name the variant by
/// the change it no longer makes. Setting the variants' own value (the ideas for class, such
/// as `groups.coordination_cost=0`) keeps their names true.
fn check_variant_keys(scenario: &Scenario) -> Result<()> {
    for &(index, value) in &scenario.pins {
        let spec = &coprod_core::SPECS[index];
        let changed: Vec<(&str, f64)> = scenario
            .variants
            .iter()
            .filter_map(|v| {
                let set = v.overrides.iter().rfind(|(i, _)| *i == index)?.1;
                (set != value).then_some((v.name.as_str(), set))
            })
            .collect();
        if let Some(&(_, set)) = changed.first() {
            let names: Vec<String> = changed.iter().map(|(n, _)| format!("`{n}`")).collect();
            bail!(
                "--set {}={} changes a parameter that the lesson's variant(s) {} set to {}: it \
                 would replace their value, and the page would still name them by the change \
                 they no longer make\n\nhint: drop `--set {}=...`, set it to {} (as the \
                 variants do), or run a copy of scenarios/group-size.toml with `coprod run`",
                spec.name,
                spec.format_value(value),
                names.join(", "),
                spec.format_value(set),
                spec.name,
                spec.format_value(set),
            );
        }
    }
    Ok(())
}

/// Refuses, before anything is run or written, options that make the lesson impossible by
/// construction: the page compares group sizes (`levers.group_size_cap` swept over at least
/// two sizes and nothing else), with intervals over replications (at least 2), in the field
/// setting (the lab has no lasting groups; all runs have one setting), and groups must be
/// able to start at two sizes at least (`groups.min_members`). Returns a note naming the
/// caps above the communities' size, which run as groups of that size (groups recruit
/// within one community).
fn check_lesson(study: &Study, options: &TeachOptions) -> Result<Option<String>> {
    let mut scenario = study.scenario().clone();
    let settings = with_experiment_options(&options.settings, options.replications, None)?;
    let applied = scenario.apply_settings(&settings);
    // The lesson's own reason first: the lab would also be refused for its sweep of sizes,
    // which lab runs do not read, a reason that does not tell a teacher what to drop.
    if scenario.runs_lab() {
        bail!(
            "the lesson needs the field setting (citizens in communities): the lab \
             setting has no lasting groups to compare\n\nhint: drop `--set \
             population.setting=lab`"
        );
    }
    applied?;
    check_variant_keys(&scenario)?;
    if options.quick {
        crate::shipped::make_quick(&mut scenario, &settings)?;
    }
    let caps = swept_sizes(&scenario, options)?;
    check_replications(&scenario, &settings)?;
    let mut merged_note = None;
    for variant in 0..scenario.variants.len() {
        for point in 0..scenario.n_points() {
            let note = check_cell(&scenario, (variant, point), &caps)?;
            merged_note = merged_note.or(note);
        }
    }
    Ok(merged_note)
}

/// The group-size caps the lesson compares, in order: `SIZE_PARAM` must be swept over at
/// least two sizes, alone, and not pinned by `--set`.
fn swept_sizes(scenario: &Scenario, options: &TeachOptions) -> Result<Vec<f64>> {
    let name = options.lesson.scenario();
    let pinned = options
        .settings
        .iter()
        .rfind(|s| s.key == SIZE_PARAM)
        .map(|s| s.value.clone());
    let mut caps: Vec<f64> = scenario
        .sweep
        .iter()
        .find(|a| a.name() == SIZE_PARAM)
        .map_or_else(Vec::new, |a| a.values.clone());
    caps.sort_by(f64::total_cmp);
    if let Some(value) = pinned {
        bail!(
            "--set {SIZE_PARAM}={value} replaces the lesson's sweep of group sizes with one size, \
             but the lesson compares sizes: it needs `{SIZE_PARAM}` swept over at least two \
             sizes\n\nhint: drop `--set {SIZE_PARAM}=...`; to look at one size, use `coprod run \
             {name} --set {SIZE_PARAM}=N`"
        );
    }
    if caps.len() < 2 || scenario.sweep.len() != 1 {
        bail!(
            "the lesson compares group sizes, so it needs `{SIZE_PARAM}` swept over at least two \
             sizes and nothing else swept; these options leave {} size(s)",
            caps.len()
        );
    }
    Ok(caps)
}

/// The lesson's intervals are over replications: at least two, or an error naming the
/// option that set fewer.
fn check_replications(scenario: &Scenario, settings: &[Setting]) -> Result<()> {
    if scenario.replications < 2 {
        let origin = settings
            .iter()
            .rfind(|s| s.key == "experiment.replications")
            .map_or("--quick", |s| s.origin());
        bail!(
            "{origin}: invalid value {} for `experiment.replications`: the lesson's 95% \
             intervals are drawn over replications, so allowed is a whole number from 2 to {}",
            scenario.replications,
            u32::MAX
        );
    }
    Ok(())
}

/// Checks one (variant, sweep point) of the lesson: at least two caps at which a group can
/// start. Returns a note when some caps exceed a community's size.
fn check_cell(
    scenario: &Scenario,
    (variant, point): (usize, usize),
    caps: &[f64],
) -> Result<Option<String>> {
    let v = &scenario.variants[variant].name;
    let p = scenario.params_for(variant, point);
    // A cap above the community's size runs as groups of at most that size (groups
    // recruit within one community), so a group can start at a cap only if the smaller of
    // the two reaches `groups.min_members`, and such caps merge.
    let size = coprod_report::CommunitySize::of(p.n_citizens, p.n_communities);
    let (citizens, largest) = (size.describe(), size.largest);
    let mut reachable: Vec<f64> = caps.iter().map(|&c| c.min(largest)).collect();
    reachable.sort_by(f64::total_cmp);
    let startable = reachable.iter().filter(|&&c| c >= p.min_members).count();
    if startable < 2 {
        let communities = if caps.iter().any(|&c| c > largest) {
            format!(
                ": communities here hold {citizens} citizens and groups recruit within one \
                 community, so no group has more than {largest} members,"
            )
        } else {
            ",".to_string()
        };
        bail!(
            "groups.min_members = {} leaves {startable} of the lesson's sizes ({}) at \
             which a group can start (variant `{v}`){communities} and the lesson compares at \
             least two\n\nhint: use a groups.min_members of at most {}",
            p.min_members,
            caps.iter()
                .map(f64::to_string)
                .collect::<Vec<_>>()
                .join(", "),
            reachable[reachable.len() - 2]
        );
    }
    let merged: Vec<String> = caps
        .iter()
        .filter(|&&c| c > largest)
        .map(f64::to_string)
        .collect();
    Ok((!merged.is_empty()).then(|| {
        format!(
            "communities of {citizens} citizens: groups recruit within one community, \
             so the caps {} run as groups of at most {largest} members (the page \
             still names them by their caps)",
            merged.join(", ")
        )
    }))
}
