//! The scenarios in `scenarios/*.toml`, embedded in the binary so `coprod list` and
//! `coprod run group-size` work from any directory, and the rule for resolving a
//! command-line SCENARIO argument (a path, else a shipped name).

use std::path::{Component, Path, PathBuf};

use crate::error::{Context, Result, bail};
use coprod_scenario::{Scenario, Setting};

/// Name and file text of every shipped scenario, in the order `coprod list` shows them.
pub const SHIPPED: &[(&str, &str)] = &[
    ("baseline", include_str!("../../../scenarios/baseline.toml")),
    (
        "group-size",
        include_str!("../../../scenarios/group-size.toml"),
    ),
    (
        "group-size-forces",
        include_str!("../../../scenarios/group-size-forces.toml"),
    ),
    (
        "production-technology",
        include_str!("../../../scenarios/production-technology.toml"),
    ),
    (
        "lab-public-goods",
        include_str!("../../../scenarios/lab-public-goods.toml"),
    ),
    (
        "lab-calibration",
        include_str!("../../../scenarios/lab-calibration.toml"),
    ),
    (
        "lab-calibration-beliefs",
        include_str!("../../../scenarios/lab-calibration-beliefs.toml"),
    ),
    (
        "lab-designs",
        include_str!("../../../scenarios/lab-designs.toml"),
    ),
    (
        "trust-trap",
        include_str!("../../../scenarios/trust-trap.toml"),
    ),
    (
        "bureaucracy-reform",
        include_str!("../../../scenarios/bureaucracy-reform.toml"),
    ),
    (
        "autonomy-and-entrepreneurs",
        include_str!("../../../scenarios/autonomy-and-entrepreneurs.toml"),
    ),
    (
        "incentives-vs-ownership",
        include_str!("../../../scenarios/incentives-vs-ownership.toml"),
    ),
    (
        "outreach-representativeness",
        include_str!("../../../scenarios/outreach-representativeness.toml"),
    ),
    ("equity", include_str!("../../../scenarios/equity.toml")),
    (
        "small-groups-vs-scale-up",
        include_str!("../../../scenarios/small-groups-vs-scale-up.toml"),
    ),
    (
        "embedded-services",
        include_str!("../../../scenarios/embedded-services.toml"),
    ),
    (
        "two-way-vs-inform",
        include_str!("../../../scenarios/two-way-vs-inform.toml"),
    ),
    (
        "sensitivity",
        include_str!("../../../scenarios/sensitivity.toml"),
    ),
];

/// Why `path` is there as a symbolic link but leads to no file: a link to nothing, or a
/// loop of links; `None` for a path that resolves or is not there at all.
fn unresolved_link(path: &Path) -> Option<String> {
    let err = std::fs::metadata(path).err()?;
    if err.kind() != std::io::ErrorKind::NotFound {
        return Some(if links_loop(path) {
            "is a symbolic link loop: its links lead back to one already followed".to_string()
        } else {
            format!("cannot be resolved: {err}")
        });
    }
    let target = std::fs::read_link(path).ok()?;
    let mut said = format!("is a symbolic link to {}", target.display());
    // Along a chain of links, the one that leads to nothing is named: the first target
    // may exist, as a link.
    let mut at = path.parent().unwrap_or(Path::new("")).join(target);
    for _ in 0..MAX_CHAIN_NAMED {
        let Ok(next) = std::fs::read_link(&at) else {
            break;
        };
        said.push_str(&format!(", a link to {}", next.display()));
        at = at.parent().unwrap_or(Path::new("")).join(next);
    }
    Some(said + ", which does not exist")
}

/// Links of a chain to nothing that a message names, at most: the system follows 40.
const MAX_CHAIN_NAMED: usize = 40;

/// Whether resolving `path` as the system does, link by link, comes back to a symbolic link
/// while still resolving that link's own target: a loop, however its targets are written
/// (`a -> b/..`, `a -> sub/../b`, which as written never repeat).
fn links_loop(path: &Path) -> bool {
    let mut walk = Walk {
        at: PathBuf::new(),
        open: Vec::new(),
        followed: 0,
    };
    walk.enters_a_loop(path)
}

/// Links followed before [`links_loop`] gives up: far more than the system follows (40 on
/// Linux), so that only a loop is called one, yet bounded for targets that name one link
/// many times over.
const MAX_LINKS_FOLLOWED: usize = 1000;

/// A path resolved component by component, as the system resolves it.
struct Walk {
    /// The folder reached so far, with no symbolic link in it: `..` is then its parent, and
    /// a link has one name here however the path spells it.
    at: PathBuf,
    /// The links whose targets are being resolved, outermost first.
    open: Vec<PathBuf>,
    followed: usize,
}

impl Walk {
    /// Resolves `path` from `self.at`; whether a link whose target is being resolved comes
    /// up again. A component that is no link, or cannot be read, is taken as it is.
    fn enters_a_loop(&mut self, path: &Path) -> bool {
        for component in path.components() {
            match component {
                Component::Prefix(_) | Component::RootDir => self.at = PathBuf::from(&component),
                Component::CurDir => {}
                Component::ParentDir => self.up(),
                Component::Normal(name) => {
                    let next = self.at.join(name);
                    let Ok(target) = std::fs::read_link(&next) else {
                        self.at = next;
                        continue;
                    };
                    if self.open.contains(&next) {
                        return true;
                    }
                    self.followed += 1;
                    if self.followed > MAX_LINKS_FOLLOWED {
                        return false;
                    }
                    // A relative target is relative to the link's folder, `self.at` now.
                    self.open.push(next);
                    if self.enters_a_loop(&target) {
                        return true;
                    }
                    self.open.pop();
                }
            }
        }
        false
    }

    /// Goes to the parent folder: the last component, which is no link, is dropped; above
    /// the start of a relative path `..` is kept; the root is its own parent.
    fn up(&mut self) {
        match self.at.components().next_back() {
            Some(Component::Normal(_)) => {
                self.at.pop();
            }
            Some(Component::RootDir | Component::Prefix(_)) => {}
            _ => self.at.push(".."),
        }
    }
}

/// The scenario `coprod run` uses when given none.
pub const DEFAULT_SCENARIO: &str = "group-size";

/// Reads a scenario from an existing file path, or else from the shipped scenarios.
pub(crate) fn load(arg: &str) -> Result<Scenario> {
    let path = Path::new(arg);
    if path.is_file() {
        let text = coprod_output::read_utf8(path)
            .with_context(|| format!("cannot read scenario file {}", path.display()))?;
        let stem = path
            .file_stem()
            .map_or_else(|| "scenario".into(), |s| s.to_string_lossy());
        return Ok(Scenario::from_toml(&text, arg, &stem)?);
    }
    // A shipped name wins over a folder of that name (such as the one `coprod run NAME
    // --out NAME` leaves), which holds no scenario anyway.
    if let Some((name, text)) = SHIPPED.iter().find(|(n, _)| *n == arg) {
        return Ok(Scenario::from_toml(
            text,
            &format!("scenarios/{name}.toml"),
            name,
        )?);
    }
    if path.is_dir() {
        bail!(
            "{arg} is a folder, not a scenario file\n\nhint: give a .toml file in it, or a \
             shipped scenario's name"
        );
    }
    if path.exists() {
        bail!("{arg} is not a regular file: a scenario is a .toml file");
    }
    if let Some(why) = unresolved_link(path) {
        bail!("scenario file {arg} {why}");
    }
    if path.extension().is_some_and(|e| e == "toml") || arg.contains(std::path::MAIN_SEPARATOR) {
        // `scenarios/NAME.toml` (or `NAME.toml`) outside the source tree: the file is built
        // in under its name. A path elsewhere (`~/study/baseline.toml`) is the user's own
        // file, which the shipped one of that name need not be.
        let stem = path.file_stem().and_then(|s| s.to_str());
        let parent = path.parent().and_then(|p| p.to_str()).unwrap_or("");
        let shipped_place = parent.is_empty() || parent == "scenarios";
        if let Some(name) =
            stem.filter(|stem| shipped_place && SHIPPED.iter().any(|(n, _)| n == stem))
        {
            bail!(
                "scenario file {arg} does not exist\n\nhint: `{name}` is a shipped scenario: \
                 give its name alone (`{name}`), which works from any directory"
            );
        }
        bail!("scenario file {arg} does not exist");
    }
    let names: Vec<&str> = SHIPPED.iter().map(|(n, _)| *n).collect();
    let hint = match coprod_scenario::suggest::closest(arg, names.iter().copied()) {
        Some(name) => format!("did you mean `{name}`? "),
        None => String::new(),
    };
    bail!(
        "no scenario file or shipped scenario named `{arg}`\n\nhint: {hint}shipped scenarios \
         are {}",
        names.join(", ")
    )
}

/// The `[experiment]` keys that have an option of their own, with the option.
const EXPERIMENT_OPTIONS: [(&str, &str); 2] = [
    ("experiment.replications", "--replications"),
    ("experiment.seed", "--seed"),
];

/// The option of its own that sets `key` (`--replications` for
/// `experiment.replications`), if it has one.
pub(crate) fn option_of(key: &str) -> Option<&'static str> {
    EXPERIMENT_OPTIONS
        .into_iter()
        .find_map(|(k, option)| (k == key).then_some(option))
}

/// `--set` options followed by `--replications` and `--seed`, which are shorthands for
/// `--set experiment.replications=N` and `--set experiment.seed=S`. Both forms of one
/// setting are refused: one would silently win, while the manifest records the other.
pub(crate) fn with_experiment_options(
    settings: &[Setting],
    replications: Option<u32>,
    seed: Option<u64>,
) -> Result<Vec<Setting>> {
    let mut all = settings.to_vec();
    let values = [replications.map(u64::from), seed];
    for ((key, option), value) in EXPERIMENT_OPTIONS.into_iter().zip(values) {
        let Some(value) = value else { continue };
        if settings.iter().any(|s| s.key == key) {
            bail!(
                "{option} {value} and --set {key}=... both set `{key}`\n\nhint: give only one \
                 of them"
            );
        }
        all.push(Setting {
            key: key.into(),
            value: value.to_string(),
            option: Some(option),
        });
    }
    Ok(all)
}

/// `--quick`, then the replications asked for explicitly (`--replications`, `--set
/// experiment.replications`) again: `--quick` caps only the scenario's own replications,
/// never an explicit number, and the manifest records what ran.
pub(crate) fn make_quick(scenario: &mut Scenario, settings: &[Setting]) -> Result<()> {
    scenario.make_quick()?;
    let explicit: Vec<Setting> = settings
        .iter()
        .filter(|s| s.key == "experiment.replications")
        .cloned()
        .collect();
    scenario.apply_settings(&explicit)?;
    Ok(())
}

/// A warning for each `--set` that `--quick` lowered, naming the value the runs have:
/// its caps apply after `--set` (only explicit replications are put back, in
/// [`make_quick`]), which a user who gave both could not otherwise tell.
pub(crate) fn quick_lowered_settings(scenario: &Scenario, settings: &[Setting]) -> Vec<String> {
    let mut lowered: Vec<(String, String, Vec<String>)> = Vec::new();
    if let Some(set) = settings.iter().rfind(|s| s.key == "experiment.steps")
        && set.value.trim().parse::<f64>().ok() != Some(f64::from(scenario.steps))
    {
        let ran = vec![scenario.steps.to_string()];
        lowered.push((set.key.clone(), set.value.clone(), ran));
    }
    for &(index, value) in &scenario.pins {
        let mut ran: Vec<f64> = Vec::new();
        for variant in 0..scenario.variants.len() {
            for point in 0..scenario.n_points() {
                let v = scenario.params_for(variant, point).get_index(index);
                if v != value && !ran.contains(&v) {
                    ran.push(v);
                }
            }
        }
        ran.sort_by(f64::total_cmp);
        let spec = &coprod_core::SPECS[index];
        let ran = ran.iter().map(|&v| spec.format_value(v)).collect();
        lowered.push((spec.name.to_string(), spec.format_value(value), ran));
    }
    lowered
        .into_iter()
        .filter(|(_, _, ran)| !ran.is_empty())
        .map(|(key, asked, ran)| {
            let ran = ran.join(" or ");
            format!(
                "--quick lowers `{key}` to {ran}, below the {asked} of --set {key}={asked}: its \
                 caps apply after --set (only replications given explicitly are kept), so the \
                 runs have {ran}"
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::symlink;

    use super::*;

    /// A link met twice in one path, but not while its own target is resolved, is no loop:
    /// `l/../l/x.toml/y` fails because x.toml is a file, and says so.
    #[test]
    fn a_link_met_twice_outside_itself_is_no_loop() {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("real")).unwrap();
        std::fs::write(tmp.path().join("real/x.toml"), "").unwrap();
        symlink("real", tmp.path().join("l")).unwrap();
        let path = tmp.path().join("l/../l/x.toml/y");
        let why = unresolved_link(&path).unwrap();
        assert!(why.starts_with("cannot be resolved: "), "{why}");
        assert!(!links_loop(&path));
    }

    /// A loop is found through an absolute target holding `..`, from a path that leaves
    /// its folder and comes back (`d/sub/../../d/a`).
    #[test]
    fn loops_are_found_through_parents_and_absolute_targets() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("d");
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        symlink(dir.join("sub/../b"), dir.join("a")).unwrap();
        symlink("./sub/../a", dir.join("b")).unwrap();
        assert!(links_loop(&dir.join("a")));
        assert!(links_loop(&dir.join("sub/../../d/a")));
    }
}
