//! `--set key=value` options: parsing and applying them on top of a scenario.
//!
//! Owns which keys `--set` accepts (every parameter in `SPECS`, plus `experiment.steps`,
//! `experiment.replications` and `experiment.seed`) and their precedence: a `--set`
//! parameter wins over the file everywhere, and replaces a sweep over the same parameter;
//! interventions, which are not parameters, win over it while they are in force.

use std::str::FromStr;

use coprod_core::{Params, SPECS};

use crate::error::ScenarioError;
use crate::scenario::Scenario;
use crate::values;

const ORIGIN: &str = "--set";

/// One `--set key=value`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Setting {
    /// Dotted key.
    pub key: String,
    /// Value as typed.
    pub value: String,
    /// The option that gave it, for messages, when not `--set` (for example
    /// `--replications`, a shorthand for `--set experiment.replications=N`).
    pub option: Option<&'static str>,
}

impl Setting {
    /// The option that gave it: `--set` unless [`Setting::option`] says otherwise.
    pub fn origin(&self) -> &'static str {
        self.option.unwrap_or(ORIGIN)
    }
}

impl FromStr for Setting {
    type Err = ScenarioError;

    fn from_str(s: &str) -> Result<Setting, ScenarioError> {
        let missing = || {
            ScenarioError::new(ORIGIN, format!("expected key=value, got `{s}`"))
                .with_hint(Some("for example --set levers.group_size_cap=12".into()))
        };
        let (key, value) = s.split_once('=').ok_or_else(missing)?;
        if key.trim().is_empty() {
            return Err(missing());
        }
        if value.trim().is_empty() {
            let message = format!("no value after `=` in `{s}`");
            return Err(ScenarioError::new(ORIGIN, message)
                .with_hint(Some("for example --set levers.group_size_cap=12".into())));
        }
        Ok(Setting {
            key: key.trim().to_string(),
            value: value.trim().to_string(),
            option: None,
        })
    }
}

impl Scenario {
    /// Applies `--set` options in order. Returns notes worth telling the user (for
    /// example that a sweep axis was replaced).
    pub fn apply_settings(&mut self, settings: &[Setting]) -> Result<Vec<String>, ScenarioError> {
        refuse_repeats(settings)?;
        let mut notes = Vec::new();
        for s in settings {
            match s.key.as_str() {
                "experiment.steps" => {
                    self.steps = positive(s)?;
                    self.forget_quick(&s.key);
                }
                "experiment.replications" => {
                    self.replications = positive(s)?;
                    self.forget_quick(&s.key);
                }
                "experiment.seed" => {
                    self.seed = s.value.parse().map_err(|_| {
                        ScenarioError::new(
                            s.origin(),
                            format!("invalid value {} for `experiment.seed`: allowed is a whole number from 0 to {}", s.value, u64::MAX),
                        )
                    })?;
                }
                name => {
                    let (index, spec) = Params::lookup(name).map_err(|_| {
                        let hint = crate::suggest::setting(name)
                            .map(|n| format!("did you mean `{n}`?"))
                            .or_else(|| {
                                Some("`coprod list --params` shows every parameter".to_string())
                            });
                        ScenarioError::new(ORIGIN, format!("unknown parameter `{name}`"))
                            .with_hint(hint)
                    })?;
                    let value = values::from_text(spec, &s.value).map_err(|m| {
                        ScenarioError::new(ORIGIN, m).with_hint(values::text_hint(spec, &s.value))
                    })?;
                    if let Some(pos) = self.sweep.iter().position(|a| a.param == index) {
                        self.sweep.remove(pos);
                        notes.push(format!("--set {name} replaces the sweep over `{name}`"));
                    }
                    self.pins.retain(|(i, _)| *i != index);
                    self.pins.push((index, value));
                }
            }
        }
        notes.extend(self.replaced_variant_values());
        if self.n_runs() > crate::MAX_RUNS {
            // Only more replications can add runs (a `--set` parameter removes a sweep axis),
            // so the last setting of them is to blame.
            let origin = settings
                .iter()
                .rfind(|s| s.key == "experiment.replications")
                .map_or(ORIGIN, Setting::origin);
            return Err(ScenarioError::new(
                origin,
                format!(
                    "the experiment expands to {} runs, more than the {} coprod accepts",
                    self.n_runs(),
                    crate::MAX_RUNS
                ),
            )
            .with_hint(Some("use fewer replications".into())));
        }
        self.check_combinations()
            .map_err(|(v, p, e)| ScenarioError::new(ORIGIN, self.describe_combination(v, p, &e)))?;
        self.check_sweep_not_overridden()
            .map_err(|o| ScenarioError::new(ORIGIN, o.message(self)).with_hint(o.hint()))?;
        self.check_settings_not_held(ORIGIN)?;
        if let Some(axis) = self.unread_axis() {
            // `--set population.setting` can leave a sweep over what the other setting reads.
            let (message, hint) = self.unread_axis_refusal(axis);
            return Err(ScenarioError::new(ORIGIN, message).with_hint(Some(hint)));
        }
        Ok(notes)
    }
}

impl Scenario {
    /// Sets the replications that `--target-ci` chose: as a setting of
    /// `experiment.replications` by that option, except that what `--quick` lowered stays
    /// on record (its caps gave the batches `--target-ci` started from).
    pub fn choose_replications(&mut self, replications: u32) -> Result<(), ScenarioError> {
        let gave = self.quick_gave.clone();
        self.apply_settings(&[Setting {
            key: "experiment.replications".into(),
            value: replications.to_string(),
            option: Some("--target-ci"),
        }])?;
        self.quick_gave = gave;
        Ok(())
    }

    /// A setting of `key` (`experiment.steps` or `experiment.replications`) replaced the
    /// value `--quick`'s caps gave it, if they gave one: they no longer lowered it.
    pub(crate) fn forget_quick(&mut self, key: &str) {
        self.quick_gave.retain(|(k, _, _)| *k != key);
    }

    /// Notes naming each `--set` parameter that a variant sets to another value: the setting
    /// holds in every run (it is the strongest source), so no run has the variant's value.
    fn replaced_variant_values(&self) -> Vec<String> {
        let mut notes = Vec::new();
        for &(index, value) in &self.pins {
            let spec = &SPECS[index];
            let mut names = Vec::new();
            let mut values: Vec<String> = Vec::new();
            for v in &self.variants {
                let Some(&(_, own)) = v.overrides.iter().rfind(|(i, _)| *i == index) else {
                    continue;
                };
                if own.to_bits() != value.to_bits() {
                    names.push(format!("`{}`", v.name));
                    let own = format!("`{}`", spec.format_value(own));
                    if !values.contains(&own) {
                        values.push(own);
                    }
                }
            }
            if !names.is_empty() {
                notes.push(format!(
                    "--set {}={} replaces the value {} that variant(s) {} set, in every run",
                    spec.name,
                    spec.format_value(value),
                    values.join(", "),
                    names.join(", ")
                ));
            }
        }
        notes
    }
}

/// Refuses a key given twice: only the last value would hold, while the manifest and
/// index.html list every setting, so they would state a value that no run had.
fn refuse_repeats(settings: &[Setting]) -> Result<(), ScenarioError> {
    for (i, later) in settings.iter().enumerate() {
        // Keys are trimmed when parsed, and a parameter has one name, so two spellings
        // of one key compare equal here.
        let key = later.key.as_str();
        let Some(earlier) = settings[..i].iter().find(|s| s.key == key) else {
            continue;
        };
        let what = if Params::lookup(key).is_ok() {
            format!("parameter `{key}`")
        } else {
            format!("`{key}`")
        };
        return Err(ScenarioError::new(
            later.origin(),
            format!(
                "{what} is set twice, to {} and to {}",
                earlier.value, later.value
            ),
        )
        .with_hint(Some(
            "give each key once: a run has one value of it, and the manifest lists every \
             setting"
                .into(),
        )));
    }
    Ok(())
}

fn positive(s: &Setting) -> Result<u32, ScenarioError> {
    match s.value.parse::<u32>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(ScenarioError::new(
            s.origin(),
            format!(
                "invalid value {} for `{}`: allowed is a whole number from 1 to {}",
                s.value,
                s.key,
                u32::MAX
            ),
        )),
    }
}

/// Every key `--set` accepts, for documentation and completion.
pub fn settable_keys() -> impl Iterator<Item = &'static str> {
    [
        "experiment.steps",
        "experiment.replications",
        "experiment.seed",
    ]
    .into_iter()
    .chain(SPECS.iter().map(|s| s.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scenario() -> Scenario {
        Scenario::from_toml("", "t.toml", "t").unwrap()
    }

    fn set(text: &str) -> Setting {
        text.parse().unwrap()
    }

    #[test]
    fn steps_and_replications_must_be_at_least_one() {
        for key in ["experiment.steps", "experiment.replications"] {
            let e = scenario()
                .apply_settings(&[set(&format!("{key}=0"))])
                .unwrap_err();
            assert_eq!(e.origin, "--set");
            assert!(
                e.message.contains("allowed is a whole number from 1 to"),
                "{e}"
            );
        }
        let mut s = scenario();
        s.apply_settings(&[set("experiment.steps=1"), set("experiment.replications=1")])
            .unwrap();
        assert_eq!((s.steps, s.replications), (1, 1));
    }

    /// An intervention wins over `--set` while in force: a lever held at every step of a
    /// variant's runs is refused at the intervention (parameters.csv would state a value no
    /// step had), also when several interventions cover the run together; one held for part
    /// of the run is warned of with the steps it is in force within the run.
    #[test]
    fn a_set_lever_that_interventions_replace_is_refused_or_warned_of() {
        let file = |interventions: &str| {
            Scenario::from_toml(
                &format!(
                    "[experiment]\nsteps = 60\n\
                     [[experiment.variants]]\nname = \"training\"\n{interventions}"
                ),
                "t.toml",
                "t",
            )
            .unwrap()
        };
        let entry = |from: u32, until: &str| {
            format!(
                "[[experiment.variants.interventions]]\nlever = \"levers.outreach\"\n\
                 value = 0.5\nfrom_step = {from}\n{until}"
            )
        };
        let e = file(&entry(0, ""))
            .apply_settings(&[set("levers.outreach=1")])
            .unwrap_err();
        assert_eq!(e.location, Some((6, 9)), "{e}");
        assert!(
            e.message.starts_with(
                "`--set levers.outreach=1` would hold at no step of variant `training`'s \
                 runs: its own interventions' entry 1 sets `levers.outreach` at every step"
            ),
            "{e}"
        );
        let two = entry(0, "until_step = 20\n") + &entry(20, "");
        let e = file(&two)
            .apply_settings(&[set("levers.outreach=1")])
            .unwrap_err();
        assert!(
            e.message
                .contains("its 2 interventions on `levers.outreach` together set it"),
            "{e}"
        );
        // Part of the run: a warning, with the steps within the run's 60.
        let mut s = file(&(entry(12, "until_step = 24\n") + &entry(50, "until_step = 99\n")));
        assert!(
            s.apply_settings(&[set("levers.outreach=1")])
                .unwrap()
                .is_empty()
        );
        let replaced = |s: &Scenario| -> Vec<String> {
            s.warnings()
                .into_iter()
                .filter(|w| w.contains("is replaced by interventions"))
                .collect()
        };
        assert_eq!(
            replaced(&s),
            [
                "--set levers.outreach=1 is replaced by interventions on `levers.outreach` while \
              they are in force: in variant(s) `training` (at steps 12 to 23, from step 50)"
            ]
        );
        // An intervention after the run's last step replaces nothing.
        let mut s = file(&entry(50, ""));
        s.apply_settings(&[set("levers.outreach=1"), set("experiment.steps=40")])
            .unwrap();
        assert!(replaced(&s).is_empty(), "{:?}", replaced(&s));
        // Another lever is not concerned.
        let mut s = file(&entry(0, ""));
        s.apply_settings(&[set("levers.participation_cost=0.3")])
            .unwrap();
        assert!(replaced(&s).is_empty());
    }

    /// The outputs say "2 instead of 30": the file's own value must survive the settings
    /// and `--quick` that replace it.
    #[test]
    fn the_files_experiment_values_outlive_the_settings() {
        let mut s = Scenario::from_toml(
            "[experiment]\nsteps = 480\nreplications = 30\nseed = 7\n",
            "t.toml",
            "t",
        )
        .unwrap();
        s.apply_settings(&[set("experiment.replications=2"), set("experiment.seed=9")])
            .unwrap();
        s.make_quick().unwrap();
        assert_eq!((s.steps, s.replications, s.seed), (60, 2, 9));
        assert_eq!(s.as_written("experiment.steps"), Some(480));
        assert_eq!(s.as_written("experiment.replications"), Some(30));
        assert_eq!(s.as_written("experiment.seed"), Some(7));
        assert_eq!(s.as_written("levers.outreach"), None);
        // A file without the keys has the defaults as its own values.
        assert_eq!(
            scenario().as_written("experiment.steps"),
            Some(u64::from(scenario().steps))
        );
    }

    #[test]
    fn errors_name_the_option_the_user_typed() {
        // `--replications 0` is reported as `--replications`, not as a `--set` the user
        // never wrote.
        let shorthand = Setting {
            key: "experiment.replications".into(),
            value: "0".into(),
            option: Some("--replications"),
        };
        assert_eq!(shorthand.origin(), "--replications");
        assert_eq!(set("experiment.steps=3").origin(), "--set");
        let e = scenario().apply_settings(&[shorthand]).unwrap_err();
        assert_eq!(e.origin, "--replications");
    }

    #[test]
    fn settings_of_different_parameters_all_hold() {
        let mut s = scenario();
        s.apply_settings(&[set("levers.group_size_cap=10"), set("levers.outreach=0.3")])
            .unwrap();
        let p = s.params_for(0, 0);
        assert_eq!((p.group_size_cap, p.outreach), (10.0, 0.3));
        assert_eq!(s.pins.len(), 2, "{:?}", s.pins);
    }

    #[test]
    fn a_key_set_twice_is_refused_naming_both_values() {
        // However it is spaced, and whatever its kind: the manifest would list both values,
        // and the runs would have only the last.
        for (first, second, named) in [
            (
                "levers.outreach=0.1",
                "levers.outreach=0.2",
                "parameter `levers.outreach`",
            ),
            (
                " levers.outreach = 0.1",
                "levers.outreach=0.2",
                "parameter `levers.outreach`",
            ),
            (
                "levers.outreach=0.2",
                "levers.outreach=0.2",
                "parameter `levers.outreach`",
            ),
            (
                "experiment.steps=20",
                "experiment.steps=30",
                "`experiment.steps`",
            ),
            (
                "experiment.seed=1",
                "experiment.seed=2",
                "`experiment.seed`",
            ),
        ] {
            let e = scenario()
                .apply_settings(&[set(first), set("levers.group_size_cap=6"), set(second)])
                .unwrap_err();
            assert_eq!(e.origin, "--set");
            let (a, b) = (set(first).value, set(second).value);
            assert_eq!(
                e.message,
                format!("{named} is set twice, to {a} and to {b}")
            );
        }
    }

    #[test]
    fn the_run_cap_allows_exactly_max_runs() {
        let mut s = scenario();
        s.apply_settings(&[set(&format!("experiment.replications={}", crate::MAX_RUNS))])
            .unwrap();
        assert_eq!(s.n_runs(), crate::MAX_RUNS);
        // One more is refused, and blamed on the option that raised the replications even
        // when a plain `--set` follows it.
        let e = scenario()
            .apply_settings(&[
                Setting {
                    key: "experiment.replications".into(),
                    value: (crate::MAX_RUNS + 1).to_string(),
                    option: Some("--replications"),
                },
                set("experiment.steps=5"),
            ])
            .unwrap_err();
        assert_eq!(e.origin, "--replications");
        assert!(e.message.contains("more than the 10000000"), "{e}");
    }

    #[test]
    fn settable_keys_are_the_experiment_keys_and_every_parameter() {
        let keys: Vec<&str> = settable_keys().collect();
        assert_eq!(keys.len(), 3 + SPECS.len());
        assert_eq!(
            keys[..3],
            [
                "experiment.steps",
                "experiment.replications",
                "experiment.seed"
            ]
        );
        assert!(keys.contains(&"levers.group_size_cap"));
    }
}
