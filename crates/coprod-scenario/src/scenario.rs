//! From a raw scenario file to a validated [`Scenario`]: every parameter name, value,
//! intervention, sweep axis and variant checked against `coprod_core::SPECS`, with the
//! position of the offending key or value.
//!
//! Owns the meaning of the file; the syntax is `schema.rs`, the expansion into runs is
//! `runs.rs`.

use std::ops::Range;

use coprod_core::{Intervention, Kind, ParamError, Params, SPECS};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::error::ScenarioError;
use crate::schema::{self, RawIntervention, RawReport, RawScenario, RawValidation, RawVariant};
use crate::validation::{Comparison, DEFAULT_COMPARISON_NAMED, Direction, Validation};
use crate::values;

/// Name of the implicit variant that uses the scenario's own parameters and interventions.
pub const BASELINE: &str = "baseline";

/// A validated scenario: every run it expands to has valid parameters.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Short name (output folder name).
    pub name: String,
    /// The question it answers.
    pub description: String,
    /// Where it came from (file path or shipped name), for messages.
    pub origin: String,
    /// The file text, kept for the manifest.
    pub source: String,
    /// Model defaults with the scenario's `[params]` applied.
    pub base: Params,
    /// The `[params]` of the file as (index in `SPECS`, value), in file order.
    pub base_overrides: Vec<(usize, f64)>,
    /// Steps per run.
    pub steps: u32,
    /// Replications per variant and sweep point.
    pub replications: u32,
    /// Base seed.
    pub seed: u64,
    /// Swept parameters; the last one varies fastest.
    pub sweep: Vec<SweepAxis>,
    /// Variants; the first is always [`BASELINE`].
    pub variants: Vec<Variant>,
    /// `--set` values as (index in `SPECS`, value); they win over everything else.
    pub pins: Vec<(usize, f64)>,
    /// Whether `--quick` was in force (see [`Scenario::make_quick`]); it may have changed
    /// nothing, see [`Scenario::quick_lowered`].
    pub quick: bool,
    /// The steps and replications before `--quick` first capped them (`None` without it), so
    /// that a second call of [`Scenario::make_quick`] still records what the caps lowered
    /// from the uncapped values, not from its own caps.
    before_quick: Option<(u32, u32)>,
    /// What `--quick`'s caps lowered of the experiment, as (key, from, to): see
    /// [`Scenario::quick_lowered`]. A setting of the key after them replaces their value,
    /// and its entry goes.
    pub(crate) quick_gave: Vec<(&'static str, u32, u32)>,
    /// `experiment.steps`, `experiment.replications` and `experiment.seed` as the file
    /// gives them (or their defaults), whatever settings and `--quick` did after: what the
    /// outputs call the scenario's own value when an option replaced it.
    written: [(&'static str, u64); 3],
    /// The claim a validation scenario tests (`[validation]`), if any.
    pub validation: Option<Validation>,
    /// The sensitivity analysis of `coprod sensitivity` (`[sensitivity]`), if any.
    pub sensitivity: Option<crate::sensitivity::Sensitivity>,
    /// The estimation of `coprod calibrate` (`[calibration]`), if any.
    pub calibration: Option<crate::calibration::Calibration>,
    /// The metrics the scenario's question is about (`[report] metrics`; empty without it):
    /// `coprod run` charts them before its default metrics and compares them in
    /// comparison.csv with its key metrics.
    pub report_metrics: Vec<String>,
}

/// Where a parameter's value in a run came from: the last layer that set it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamSource {
    /// The model default (`coprod list --params`).
    Default,
    /// The scenario file's `[params]`.
    Scenario,
    /// The variant's own parameters.
    Variant,
    /// The sweep point.
    Sweep,
    /// A `--set` option.
    Set,
    /// The `--quick` size caps.
    Quick,
}

impl ParamSource {
    /// The word written in parameters.csv and manifest.json.
    pub fn as_str(self) -> &'static str {
        match self {
            ParamSource::Default => "default",
            ParamSource::Scenario => "scenario",
            ParamSource::Variant => "variant",
            ParamSource::Sweep => "sweep",
            ParamSource::Set => "set",
            ParamSource::Quick => "quick",
        }
    }
}

/// One swept parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepAxis {
    /// Index in `SPECS`.
    pub param: usize,
    /// Values in sweep order, each valid for the parameter.
    pub values: Vec<f64>,
}

impl SweepAxis {
    /// The parameter's dotted name.
    pub fn name(&self) -> &'static str {
        SPECS[self.param].name
    }
}

/// One variant of the scenario.
#[derive(Clone, Debug)]
pub struct Variant {
    /// Name written in outputs.
    pub name: String,
    /// What it changes.
    pub description: String,
    /// Parameter values on top of the scenario's, as (index in `SPECS`, value).
    pub overrides: Vec<(usize, f64)>,
    /// All interventions in force in this variant: the scenario's, then the variant's.
    pub interventions: Vec<Intervention>,
}

/// One segment of a path into the TOML document, for locating errors.
#[derive(Clone, Debug)]
enum Seg {
    Key(String),
    Index(usize),
}

fn key(k: &str) -> Seg {
    Seg::Key(k.to_string())
}

/// Finds spans of keys and values by path in the parsed document.
struct Locator<'a> {
    origin: &'a str,
    source: &'a str,
    doc: Option<Spanned<DeTable<'a>>>,
}

impl<'a> Locator<'a> {
    fn new(origin: &'a str, source: &'a str) -> Locator<'a> {
        Locator {
            origin,
            source,
            doc: DeTable::parse(source).ok(),
        }
    }

    /// Span of the last key in `path` (or of the array element, for an index).
    fn key_span(&self, path: &[Seg]) -> Option<Range<usize>> {
        self.walk(path).map(|(k, _)| k)
    }

    /// Span of the value at `path`.
    fn value_span(&self, path: &[Seg]) -> Option<Range<usize>> {
        self.walk(path).map(|(_, v)| v)
    }

    fn walk(&self, path: &[Seg]) -> Option<(Range<usize>, Range<usize>)> {
        let doc = self.doc.as_ref()?;
        let mut table: Option<&DeTable<'_>> = Some(doc.get_ref());
        let mut array: Option<&[Spanned<DeValue<'_>>]> = None;
        let mut found = None;
        for seg in path {
            let (k_span, value) = match seg {
                Seg::Key(k) => {
                    let (k, v) = table?.iter().find(|(name, _)| name.get_ref() == k)?;
                    (k.span(), v)
                }
                Seg::Index(i) => {
                    let v = array?.get(*i)?;
                    (v.span(), v)
                }
            };
            found = Some((k_span, value.span()));
            table = None;
            array = None;
            match value.get_ref() {
                DeValue::Table(t) => table = Some(t),
                DeValue::Array(a) => array = Some(a),
                _ => {}
            }
        }
        found
    }

    fn error_at(&self, span: Option<Range<usize>>, message: String) -> ScenarioError {
        ScenarioError::at(self.origin, self.source, span, message)
    }

    /// Span of the key that sets parameter `name` in the table at `at`: dotted keys or a
    /// section table (`population.n_citizens`), or one quoted full name
    /// (`"population.n_citizens"`), which mean the same (docs/scenarios.md).
    fn param_key_span(&self, at: &[Seg], name: &str) -> Option<Range<usize>> {
        let dotted: Vec<Seg> = at.iter().cloned().chain(name.split('.').map(key)).collect();
        let quoted: Vec<Seg> = at.iter().cloned().chain([key(name)]).collect();
        self.key_span(&dotted).or_else(|| self.key_span(&quoted))
    }

    /// An error of an analysis table (`[sensitivity]`, `[calibration]`) at a key path below
    /// it: at the value if found, else at the nearest enclosing key. A parameter's name may
    /// be one quoted key (`"levers.outreach" = ..`) or dotted keys (`levers.outreach = ..`,
    /// or `outreach` in a `[sensitivity.parameters.levers]` table), so both are tried.
    fn table_error(&self, table: &str, (path, message): (Vec<String>, String)) -> ScenarioError {
        let mut at = vec![key(table)];
        at.extend(path.iter().map(|p| key(p)));
        let mut dotted = vec![key(table)];
        dotted.extend(path.iter().flat_map(|p| p.split('.')).map(key));
        let span = self
            .value_span(&at)
            .or_else(|| self.value_span(&dotted))
            .or_else(|| self.key_span(&at[..2.min(at.len())]))
            .or_else(|| self.key_span(&at[..1]));
        self.error_at(span, message)
    }
}

/// A parameter assignment found in a `params` table: path segments below the table, value.
fn leaves<'t>(
    table: &'t toml::Table,
    prefix: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, &'t toml::Value)>,
) {
    for (k, v) in table {
        prefix.push(k.clone());
        match v {
            toml::Value::Table(t) if !names_a_parameter(t, prefix) => leaves(t, prefix, out),
            _ => out.push((prefix.clone(), v)),
        }
        prefix.pop();
    }
}

/// An empty table where a parameter's value belongs (`cc_slope = {}`) is a value of the
/// wrong kind, to be refused as such: walked as a section it would add nothing, and the
/// parameter would silently keep its default. An empty section (`[params.behaviour]` with
/// no keys) is not a parameter and stays a section.
fn names_a_parameter(table: &toml::Table, path: &[String]) -> bool {
    table.is_empty() && Params::lookup(&path.join(".")).is_ok()
}

impl Scenario {
    /// Parses and validates scenario text. `origin` names it in messages (a path or a
    /// shipped name); `default_name` is used when the file has no `name`.
    pub fn from_toml(
        source: &str,
        origin: &str,
        default_name: &str,
    ) -> Result<Scenario, ScenarioError> {
        let raw: RawScenario =
            toml::from_str(source).map_err(|e| toml_error(source, origin, &e))?;
        let loc = Locator::new(origin, source);

        let name = raw.name.clone().unwrap_or_else(|| default_name.to_string());
        check_name(&loc, &name, raw.name.is_none())?;

        let base_overrides = params_table(&loc, &raw.params, &[key("params")])?;
        let base = base_params(&base_overrides);
        let interventions = interventions_list(&loc, &raw.interventions, &[key("interventions")])?;

        let exp = &raw.experiment;
        let steps = count_from_one(&loc, exp.steps, schema::DEFAULT_STEPS, "steps")?;
        let replications = count_from_one(
            &loc,
            exp.replications,
            schema::DEFAULT_REPLICATIONS,
            "replications",
        )?;
        let seed = exp.seed.unwrap_or(schema::DEFAULT_SEED);
        let sweep = sweep_table(&loc, &exp.sweep)?;
        let variants = variants_list(&loc, &exp.variants, &interventions)?;

        let validation = validation_table(&loc, raw.validation.as_ref())?;
        if let Some(v) = &validation {
            check_validation_shape(&loc, v, &variants, &sweep)?;
            check_interior_doses(&loc, v, &sweep)?;
        }
        let sensitivity = checked_table(
            &loc,
            "sensitivity",
            raw.sensitivity.as_ref(),
            crate::sensitivity::validate,
        )?;
        // Its priors must also fit the parameters the scenario gives.
        let calibration = checked_table(&loc, "calibration", raw.calibration.as_ref(), |t| {
            let c = crate::calibration::validate(t)?;
            crate::calibration::check_supports(&c, &base)?;
            Ok(c)
        })?;
        let report_metrics = report_metrics(&loc, raw.report.as_ref())?;

        check_variants_leave_sweep_alone(&loc, &variants, &sweep)?;
        check_one_setting(&loc, &base, &variants, &sweep)?;
        check_run_cap(&loc, &variants, &sweep, replications)?;

        let scenario = Scenario {
            name,
            description: raw.description.trim().to_string(),
            origin: origin.to_string(),
            source: source.to_string(),
            base,
            base_overrides,
            steps,
            replications,
            seed,
            sweep,
            variants,
            pins: Vec::new(),
            quick: false,
            before_quick: None,
            quick_gave: Vec::new(),
            written: [
                ("experiment.steps", u64::from(steps)),
                ("experiment.replications", u64::from(replications)),
                ("experiment.seed", seed),
            ],
            validation,
            sensitivity,
            calibration,
            report_metrics,
        };
        check_every_run(&loc, &scenario)?;
        check_every_axis_read(&loc, &scenario)?;
        Ok(scenario)
    }

    /// Number of sweep points (1 without a sweep).
    pub fn n_points(&self) -> usize {
        self.sweep.iter().map(|a| a.values.len()).product()
    }

    /// Number of runs: variants x sweep points x replications.
    pub fn n_runs(&self) -> u64 {
        self.variants.len() as u64 * self.n_points() as u64 * u64::from(self.replications)
    }

    /// The values of every sweep axis at sweep point `point` (last axis fastest).
    pub fn point_values(&self, point: usize) -> Vec<f64> {
        let mut rest = point;
        let mut out = vec![0.0; self.sweep.len()];
        for (slot, axis) in out.iter_mut().zip(&self.sweep).rev() {
            *slot = axis.values[rest % axis.values.len()];
            rest /= axis.values.len();
        }
        out
    }

    /// The parameters of (variant, sweep point): defaults, `[params]`, variant params,
    /// sweep values, `--set` values, then the `--quick` size caps, in that order.
    pub fn params_for(&self, variant: usize, point: usize) -> Params {
        self.params_as_run(variant, point).0
    }

    /// The baseline's parameters without any sweep values: defaults, `[params]`, `--set`
    /// values and the `--quick` caps. A sensitivity analysis varies its factors from these.
    pub fn baseline_params(&self) -> Params {
        let unswept = Scenario {
            sweep: Vec::new(),
            ..self.clone()
        };
        unswept.params_for(0, 0)
    }

    /// [`Scenario::params_for`] with, for each parameter in `SPECS` order, where its value
    /// came from (the last of the layers that set it; a `--quick` cap only when it lowered
    /// the value).
    pub fn params_as_run(&self, variant: usize, point: usize) -> (Params, Vec<ParamSource>) {
        let mut p = self.base.clone();
        let mut sources = vec![ParamSource::Default; SPECS.len()];
        for (i, _) in &self.base_overrides {
            sources[*i] = ParamSource::Scenario;
        }
        let values = self.point_values(point);
        let layers = [
            (
                ParamSource::Variant,
                self.variants[variant].overrides.clone(),
            ),
            (
                ParamSource::Sweep,
                self.sweep.iter().map(|a| a.param).zip(values).collect(),
            ),
            (ParamSource::Set, self.pins.clone()),
        ];
        for (source, assignments) in layers {
            for (i, v) in assignments {
                p.set_index(i, v)
                    .expect("values are checked when the scenario is read");
                sources[i] = source;
            }
        }
        if self.quick {
            let before: Vec<f64> = (0..SPECS.len()).map(|i| p.get_index(i)).collect();
            if !p.is_lab() {
                self.cap_network_quick(&mut p);
            }
            p.n_citizens = p.n_citizens.min(QUICK_MAX_CITIZENS);
            for (i, old) in before.into_iter().enumerate() {
                if p.get_index(i) != old {
                    sources[i] = ParamSource::Quick;
                }
            }
        }
        (p, sources)
    }

    /// The `--quick` caps of a field run's network, before its citizens are capped: as
    /// many communities as the capped citizens fill with `ring_degree + 2` each, and no more
    /// organisations than communities. A lab run has no network (ParamSpec::read_in), so
    /// these caps would change nothing it reads and only be reported as lowered.
    fn cap_network_quick(&self, p: &mut Params) {
        // A swept number of communities that the cap below would reach shrinks with the
        // citizens instead, keeping the citizens per community, so that its sweep points
        // stay apart (the cap would merge them); a sweep the cap leaves alone is kept.
        let scale = (QUICK_MAX_CITIZENS / p.n_citizens).min(1.0);
        let per_community = p.ring_degree + 2.0;
        let citizens = p.n_citizens.min(QUICK_MAX_CITIZENS);
        let cap = (citizens / per_community).floor();
        let capped_sweep = self
            .sweep
            .iter()
            .find(|a| a.name() == "population.n_communities")
            .is_some_and(|a| a.values.iter().any(|&v| v > cap));
        if scale < 1.0 && capped_sweep {
            p.n_communities = (p.n_communities * scale).round().max(1.0);
        }
        p.n_communities = p.n_communities.min(cap).max(1.0);
        p.n_organisations = p.n_organisations.min(p.n_communities);
    }

    /// Shrinks every run for a quick look: at most [`QUICK_MAX_STEPS`] steps,
    /// [`QUICK_MAX_REPLICATIONS`] replications and [`QUICK_MAX_CITIZENS`] citizens.
    ///
    /// A swept `population.n_communities` is scaled with the citizens instead of capped;
    /// if the caps still make two sweep points of a variant run with the same parameters
    /// (for example a sweep over `population.n_citizens` above the cap), this is an error:
    /// the outputs would label identical runs with different values.
    pub fn make_quick(&mut self) -> Result<(), ScenarioError> {
        self.quick = true;
        let (steps, replications) = *self
            .before_quick
            .get_or_insert((self.steps, self.replications));
        self.steps = self.steps.min(QUICK_MAX_STEPS);
        self.replications = self.replications.min(QUICK_MAX_REPLICATIONS);
        self.quick_gave = [
            ("experiment.steps", steps, self.steps),
            ("experiment.replications", replications, self.replications),
        ]
        .into_iter()
        .filter(|(_, from, to)| to < from)
        .collect();
        self.check_combinations().map_err(|(v, p, e)| {
            ScenarioError::new("--quick", self.describe_combination(v, p, &e))
        })?;
        self.check_quick_points_distinct()?;
        self.check_sweep_not_overridden()
            .map_err(|o| ScenarioError::new("--quick", o.message(self)).with_hint(o.hint()))?;
        self.check_settings_not_held("--quick")
    }

    /// What `--quick` lowered of the experiment: `experiment.steps` and
    /// `experiment.replications` as (key, from, to), each only if its caps lowered it (a
    /// scenario within the caps, or replications given explicitly, keep theirs). The
    /// replications `--target-ci` chose after it ([`Scenario::choose_replications`]) leave
    /// the record: its caps gave the first batch. The parameters its size caps lowered have
    /// the source [`ParamSource::Quick`] instead.
    pub fn quick_lowered(&self) -> Vec<(&'static str, u32, u32)> {
        self.quick_gave.clone()
    }

    /// The file's own value (or default) of `experiment.steps`, `experiment.replications`
    /// or `experiment.seed`, as it was before any setting or `--quick` changed it; `None`
    /// for another key.
    pub fn as_written(&self, key: &str) -> Option<u64> {
        self.written
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| *v)
    }

    /// Under `--quick`: no two sweep points of a variant may run with the same parameters.
    fn check_quick_points_distinct(&self) -> Result<(), ScenarioError> {
        // Only the capped sizes change under --quick, so only a sweep over one of them can
        // merge points; points differ only in swept values, so those and the sizes decide.
        let capped = QUICK_CAPPED.map(|name| Params::lookup(name).expect("a parameter").0);
        if !self.sweep.iter().any(|a| capped.contains(&a.param)) {
            return Ok(());
        }
        let compared: Vec<usize> = self.sweep.iter().map(|a| a.param).chain(capped).collect();
        for variant in 0..self.variants.len() {
            let mut seen: std::collections::HashMap<Vec<u64>, usize> =
                std::collections::HashMap::new();
            for point in 0..self.n_points() {
                let p = self.params_for(variant, point);
                let bits: Vec<u64> = compared.iter().map(|&i| p.get_index(i).to_bits()).collect();
                if let Some(&first) = seen.get(&bits) {
                    let show = |point: usize| {
                        self.sweep
                            .iter()
                            .zip(self.point_values(point))
                            .map(|(a, v)| {
                                format!("{} = {}", a.name(), SPECS[a.param].format_value(v))
                            })
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    let sizes: Vec<String> = capped
                        .iter()
                        .map(|&i| {
                            let spec = &SPECS[i];
                            format!("{} = {}", spec.name, spec.format_value(p.get_index(i)))
                        })
                        .collect();
                    return Err(ScenarioError::new(
                        "--quick",
                        format!(
                            "its size caps (at most {} citizens per run) would run sweep points {} \
                             and {} with the same parameters ({}): their rows would differ only \
                             in the label",
                            QUICK_MAX_CITIZENS,
                            show(first),
                            show(point),
                            sizes.join(", ")
                        ),
                    )
                    .with_hint(Some(
                        "run without --quick, or sweep sizes that stay apart under its caps".into(),
                    )));
                }
                seen.insert(bits, point);
            }
        }
        Ok(())
    }

    /// Whether the scenario's runs are lab runs, `--set` included: every run has the
    /// scenario's setting (a variant or sweep that would mix the two is refused).
    pub fn runs_lab(&self) -> bool {
        self.params_for(0, 0).is_lab()
    }

    /// A sweep axis over a parameter the scenario's runs do not read
    /// (`coprod_core::ParamSpec::read_in`): seeds depend on the replication only, so every
    /// point of it would be the same runs under a different label.
    pub(crate) fn unread_axis(&self) -> Option<&SweepAxis> {
        let lab = self.runs_lab();
        self.sweep.iter().find(|a| !SPECS[a.param].read_in(lab))
    }

    /// The refusal of [`Scenario::unread_axis`]'s axis: message and hint.
    pub(crate) fn unread_axis_refusal(&self, axis: &SweepAxis) -> (String, String) {
        let setting = setting_name(self.runs_lab());
        (
            format!(
                "the sweep over `{}` changes nothing: {setting} runs do not read it, so every \
                 sweep point would be the same runs under a different label",
                axis.name()
            ),
            "sweep a parameter the runs read: `coprod list --params` marks those lab runs \
             read, and names the switches and values under which runs do not read one (field \
             runs read no `lab.*` parameter)"
                .into(),
        )
    }

    /// No swept lever may be held by interventions at every step of a variant's runs: the
    /// sweep value would then be in force at no step, and every sweep point would be the
    /// same run under a different label. An intervention over part of the run is fine: the
    /// swept value holds outside its window.
    pub(crate) fn check_sweep_not_overridden(&self) -> Result<(), Overridden> {
        for variant in 0..self.variants.len() {
            for (axis, a) in self.sweep.iter().enumerate() {
                if let Some(intervention) = self.held_throughout(variant, a.name()) {
                    return Err(Overridden {
                        variant,
                        axis,
                        intervention,
                    });
                }
            }
        }
        Ok(())
    }

    /// Refuses an analysis factor that the baseline's interventions hold at every step of
    /// the run: every run of the analysis applies them, so the factor's value would be in
    /// force at no step. `factors` are (parameter, how the analysis uses it: "the design
    /// varies it from 0.2 to 0.8 ([sensitivity.parameters])"), `table` is where it is listed
    /// and `consequence` what holding it would do. The error is at the intervention's lever,
    /// with its line and column in the scenario's file.
    pub fn refuse_held_factors<'a>(
        &self,
        factors: impl IntoIterator<Item = (&'a str, String)>,
        table: &str,
        consequence: &str,
    ) -> Result<(), ScenarioError> {
        for (name, usage) in factors {
            if let Some(i) = self.held_throughout(0, name) {
                let message = format!(
                    "[[interventions]] entry {} of the scenario sets `{name}` at every step of \
                     the run ({} steps), and {usage}: {consequence}",
                    i + 1,
                    self.steps,
                );
                let hint = format!(
                    "take `{name}` out of {table}, or hold it for part of the run only (a later \
                     `from_step` or an `until_step`)"
                );
                let loc = Locator::new(&self.origin, &self.source);
                return Err(at_intervention(&loc, self, (0, i), message).with_hint(Some(hint)));
            }
        }
        Ok(())
    }

    /// The intervention (its index in the variant's interventions, one from step 0 if
    /// any) of a variant's interventions that, with the others on `lever`, hold the lever
    /// at every step of the run; `None` if some step keeps the parameters' own value.
    pub fn held_throughout(&self, variant: usize, lever: &str) -> Option<usize> {
        let on_lever: Vec<(usize, &Intervention)> = self.variants[variant]
            .interventions
            .iter()
            .enumerate()
            .filter(|(_, iv)| iv.param() == lever)
            .collect();
        let mut windows: Vec<(u64, u64)> = on_lever
            .iter()
            .map(|(_, iv)| {
                let until = iv.until_step.map_or(u64::MAX, u64::from);
                (u64::from(iv.from_step), until)
            })
            .collect();
        windows.sort_unstable();
        // Every step below `covered` is in some window.
        let mut covered = 0u64;
        for (from, until) in windows {
            if from > covered {
                break;
            }
            covered = covered.max(until);
        }
        (!on_lever.is_empty() && covered >= u64::from(self.steps)).then(|| {
            on_lever
                .iter()
                .find(|(_, iv)| iv.from_step == 0)
                .map_or(on_lever[0].0, |(i, _)| *i)
        })
    }

    /// Where intervention `index` of a variant's interventions is written: they are the
    /// scenario's own `[[interventions]]`, then the variant's.
    fn intervention_entry(&self, index: usize) -> Entry {
        let scenario_level = self.variants[0].interventions.len();
        if index < scenario_level {
            Entry::Scenario(index)
        } else {
            Entry::Variant(index - scenario_level)
        }
    }

    /// Refuses a `--set` lever that a variant's interventions hold at every step of its runs:
    /// interventions win over `--set` while in force, so the value would hold at no step,
    /// while parameters.csv states it (as a sweep over it is refused). `origin` is the option
    /// that made it so: `--set`, or `--quick`, whose fewer steps the interventions may cover.
    /// The error is at the intervention's lever in the file.
    pub(crate) fn check_settings_not_held(&self, origin: &str) -> Result<(), ScenarioError> {
        for &(index, value) in &self.pins {
            let spec = &SPECS[index];
            for (v, variant) in self.variants.iter().enumerate() {
                let Some(i) = self.held_throughout(v, spec.name) else {
                    continue;
                };
                let on_lever = variant
                    .interventions
                    .iter()
                    .filter(|iv| iv.param() == spec.name)
                    .count();
                let what = if on_lever > 1 {
                    format!(
                        "its {on_lever} interventions on `{}` together set it",
                        spec.name
                    )
                } else {
                    let entry = match self.intervention_entry(i) {
                        Entry::Scenario(i) => {
                            format!("[[interventions]] entry {} of the scenario", i + 1)
                        }
                        Entry::Variant(i) => format!("its own interventions' entry {}", i + 1),
                    };
                    format!("{entry} sets `{}`", spec.name)
                };
                let message = format!(
                    "`--set {}={}` would hold at no step of variant `{}`'s runs: {what} at \
                     every step of the run ({} steps), and interventions win over --set while \
                     in force",
                    spec.name,
                    spec.format_value(value),
                    variant.name,
                    self.steps
                );
                let hint = if origin == "--quick" {
                    format!(
                        "run without --quick, whose {QUICK_MAX_STEPS} steps the interventions \
                         cover, or leave out --set {}",
                        spec.name
                    )
                } else {
                    format!(
                        "leave out --set {}, or leave some step of the run free of interventions \
                         on it in the scenario file",
                        spec.name
                    )
                };
                let loc = Locator::new(&self.origin, &self.source);
                return Err(at_intervention(&loc, self, (v, i), message).with_hint(Some(hint)));
            }
        }
        Ok(())
    }

    /// Checks every (variant, sweep point) with `Params::validate`.
    pub(crate) fn check_combinations(&self) -> Result<(), (usize, usize, ParamError)> {
        for variant in 0..self.variants.len() {
            for point in 0..self.n_points() {
                self.params_for(variant, point)
                    .validate()
                    .map_err(|e| (variant, point, e))?;
            }
        }
        Ok(())
    }

    /// ``in variant `x` at levers.group_size_cap = 2: <error>``.
    pub(crate) fn describe_combination(
        &self,
        variant: usize,
        point: usize,
        err: &ParamError,
    ) -> String {
        let mut context = Vec::new();
        if variant > 0 || self.variants.len() > 1 {
            context.push(format!("variant `{}`", self.variants[variant].name));
        }
        let values = self.point_values(point);
        let at: Vec<String> = self
            .sweep
            .iter()
            .zip(values)
            .map(|(a, v)| format!("{} = {}", a.name(), SPECS[a.param].format_value(v)))
            .collect();
        if !at.is_empty() {
            context.push(format!("sweep point {}", at.join(", ")));
        }
        if context.is_empty() {
            format!("inconsistent parameters: {err}")
        } else {
            format!("inconsistent parameters in {}: {err}", context.join(" at "))
        }
    }
}

/// Where an intervention is written: entry `i` (from 0) of the scenario's own
/// `[[interventions]]`, or of its variant's.
enum Entry {
    Scenario(usize),
    Variant(usize),
}

/// A swept lever that interventions hold at every step of a variant's runs (see
/// [`Scenario::check_sweep_not_overridden`]).
#[derive(Debug)]
pub(crate) struct Overridden {
    /// Index of the variant.
    pub(crate) variant: usize,
    /// Index of the sweep axis.
    pub(crate) axis: usize,
    /// Index in the variant's interventions of the one to point at (one from step 0).
    pub(crate) intervention: usize,
}

impl Overridden {
    pub(crate) fn message(&self, scenario: &Scenario) -> String {
        let lever = scenario.sweep[self.axis].name();
        // The baseline's interventions are the scenario's own, in force in every variant.
        let whose = if self.variant > 0 {
            format!(" in variant `{}`", scenario.variants[self.variant].name)
        } else {
            String::new()
        };
        format!(
            "an intervention{whose} sets `{lever}` at every step of the run ({} steps), which is \
             also swept: the intervention would override the sweep's value in every run",
            scenario.steps
        )
    }

    pub(crate) fn hint(&self) -> Option<String> {
        Some(
            "remove the lever from [experiment.sweep], or hold it for part of the run only \
             (a later `from_step` or an `until_step`)"
                .into(),
        )
    }
}

/// Largest number of steps under `--quick`.
pub const QUICK_MAX_STEPS: u32 = 60;
/// Largest number of replications under `--quick`.
pub const QUICK_MAX_REPLICATIONS: u32 = 3;
/// Largest number of citizens under `--quick`.
pub const QUICK_MAX_CITIZENS: f64 = 1000.0;

/// The population sizes `--quick` may lower.
const QUICK_CAPPED: [&str; 3] = [
    "population.n_citizens",
    "population.n_communities",
    "population.n_organisations",
];

/// A name as file names compare it: letters and digits kept, every other character `_` (as
/// `slug` in coprod-report's charts.rs names chart files), lower case because the file
/// systems of macOS and Windows ignore case. Also the stem of the forest plots.
pub fn file_slug(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// For serde's "unknown field" messages (which already list the allowed keys), a
/// did-you-mean hint; else a pointer to the format documentation.
fn unknown_field_hint(message: &str) -> Option<String> {
    if !message.contains("unknown field") {
        return None;
    }
    let quoted: Vec<&str> = message.split('`').skip(1).step_by(2).collect();
    let experiment_keys = ["steps", "replications", "seed", "sweep", "variants"];
    if let Some(unknown) = quoted.first()
        && experiment_keys.contains(unknown)
        && quoted.contains(&"experiment")
    {
        return Some(format!(
            "`{unknown}` belongs in the [experiment] table: put it after an `[experiment]` line"
        ));
    }
    let close = quoted
        .split_first()
        .and_then(|(unknown, allowed)| crate::suggest::closest(unknown, allowed.iter().copied()));
    Some(match close {
        Some(a) => format!("did you mean `{a}`?"),
        None => "see docs/scenarios.md for the keys a scenario file may have".to_string(),
    })
}

/// The message for an integer beyond TOML's range (64 bits, which the parser reports as
/// an "i128" type error) at byte `offset`: the full key and what it allows.
fn too_big_integer(source: &str, offset: usize) -> Option<String> {
    let doc = DeTable::parse(source).ok()?;
    let mut path = Vec::new();
    let value = integer_at(doc.get_ref(), offset, &mut path)?;
    let keys = key_names(&path);
    let parameter = |keys: &[&str]| {
        let name = keys.join(".");
        Params::lookup(&name)
            .ok()
            .or_else(|| {
                // `from`, `to` or `step` of a sweep range.
                let (_, within) = keys.split_last()?;
                Params::lookup(&within.join(".")).ok()
            })
            .map(|(_, spec)| (spec.name.to_string(), spec.allowed()))
    };
    let (name, allowed) = match keys.as_slice() {
        ["params", rest @ ..]
        | ["experiment", "sweep", rest @ ..]
        | ["experiment", "variants", "params", rest @ ..] => parameter(rest)?,
        ["interventions", "value"] | ["experiment", "variants", "interventions", "value"] => {
            // The lever is named by the intervention's `lever`.
            let at = &path[..path.len() - 1];
            let lever = lever_of(doc.get_ref(), at)?;
            parameter(&lever.split('.').collect::<Vec<_>>())?
        }
        ["experiment", k @ ("steps" | "replications")] => (
            format!("experiment.{k}"),
            format!("a whole number from 1 to {}", u32::MAX),
        ),
        ["experiment", "seed"] => (
            // Seeds above i64::MAX are read too (u64), so the limit is u64's.
            "experiment.seed".to_string(),
            format!("a whole number from 0 to {}", u64::MAX),
        ),
        _ => (
            keys.join("."),
            format!("a number no larger than {} (TOML's limit)", i64::MAX),
        ),
    };
    Some(format!(
        "invalid value {value} for `{name}`: allowed is {allowed}"
    ))
}

/// The keys of `path`, without its list indices.
fn key_names(path: &[Seg]) -> Vec<&str> {
    path.iter()
        .filter_map(|s| match s {
            Seg::Key(k) => Some(k.as_str()),
            Seg::Index(_) => None,
        })
        .collect()
}

/// The text of the integer literal whose span holds byte `offset`, with its key path.
fn integer_at(table: &DeTable<'_>, offset: usize, path: &mut Vec<Seg>) -> Option<String> {
    match leaf_at(table, offset, path)? {
        DeValue::Integer(i) => Some(i.as_str().to_string()),
        _ => None,
    }
}

/// The value (not a table or list) whose span holds byte `offset`, with its key path.
fn leaf_at<'t, 'a>(
    table: &'t DeTable<'a>,
    offset: usize,
    path: &mut Vec<Seg>,
) -> Option<&'t DeValue<'a>> {
    for (k, v) in table.iter() {
        path.push(key(k.get_ref()));
        if let Some(found) = leaf_in(v, offset, path) {
            return Some(found);
        }
        path.pop();
    }
    None
}

fn leaf_in<'t, 'a>(
    value: &'t Spanned<DeValue<'a>>,
    offset: usize,
    path: &mut Vec<Seg>,
) -> Option<&'t DeValue<'a>> {
    match value.get_ref() {
        DeValue::Table(t) => leaf_at(t, offset, path),
        DeValue::Array(items) => items.iter().enumerate().find_map(|(i, item)| {
            path.push(Seg::Index(i));
            let found = leaf_in(item, offset, path);
            if found.is_none() {
                path.pop();
            }
            found
        }),
        leaf if value.span().contains(&offset) => Some(leaf),
        _ => None,
    }
}

/// The `lever` string of the intervention table at `path`.
fn lever_of(doc: &DeTable<'_>, path: &[Seg]) -> Option<String> {
    let mut table = doc;
    let mut array: Option<&[Spanned<DeValue<'_>>]> = None;
    for seg in path {
        let value = match seg {
            Seg::Key(k) => table.iter().find(|(name, _)| name.get_ref() == k)?.1,
            Seg::Index(i) => array?.get(*i)?,
        };
        array = None;
        match value.get_ref() {
            DeValue::Table(t) => table = t,
            DeValue::Array(a) => array = Some(a),
            _ => return None,
        }
    }
    match table
        .iter()
        .find(|(name, _)| name.get_ref() == "lever")?
        .1
        .get_ref()
    {
        DeValue::String(s) => Some(s.to_string()),
        _ => None,
    }
}

/// The text of `source`'s line at `offset`, up to `offset`.
fn line_before(source: &str, offset: usize) -> Option<&str> {
    let before = source.get(..offset)?;
    Some(&before[before.rfind('\n').map_or(0, |i| i + 1)..])
}

/// The key of a `key = value` line whose value starts at byte `offset`, if the value is
/// on the same line as its key.
fn key_before(source: &str, offset: usize) -> Option<String> {
    let key = line_before(source, offset)?
        .trim_end()
        .strip_suffix('=')?
        .trim();
    let key = key.trim_matches('"');
    (!key.is_empty() && !key.contains(['[', '{', ',', '='])).then(|| key.to_string())
}

/// serde's type names in plain words: `expected u32` becomes `expected a whole number from
/// 0 to 4294967295`.
fn plain_type_names(message: &str) -> String {
    // The same serde words as coprod-output's `plain` (which says them in JSON's words): the
    // two crates share no home for one table, and both tests read
    // tests/data/serde-messages.txt.
    message
        .replace(
            "expected u32",
            &format!("expected a whole number from 0 to {}", u32::MAX),
        )
        .replace(
            "expected u64",
            &format!("expected a whole number from 0 to {}", u64::MAX),
        )
        .replace(
            "expected usize",
            &format!("expected a whole number from 0 to {}", usize::MAX),
        )
        .replace("expected f64", "expected a number")
        .replace("expected a sequence", "expected a list `[...]`")
        .replace("expected a map", "expected a table")
        .replace("invalid type: sequence", "invalid type: list")
        .replace("invalid type: map", "invalid type: table")
        .split("expected struct ")
        .enumerate()
        // serde names the Rust type of a table it expected (`expected struct RawReport`):
        // the reader wrote TOML, in which it is a table.
        .map(|(i, part)| match i {
            0 => part.to_string(),
            _ => {
                let name = part
                    .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                    .unwrap_or(part.len());
                format!("expected a table{}", &part[name..])
            }
        })
        .collect()
}

/// A TOML syntax or type error in scenario terms: an integer beyond TOML's range names its
/// key and the allowed range, and serde's wording becomes plain words.
fn toml_error(source: &str, origin: &str, e: &toml::de::Error) -> ScenarioError {
    if let Some(err) = nesting_error(source, origin, e) {
        return err;
    }
    let too_big = e.message().contains("as i128");
    if let Some(message) = e
        .span()
        .filter(|_| too_big)
        .and_then(|span| too_big_integer(source, span.start))
    {
        return ScenarioError::at(origin, source, e.span(), message);
    }
    let mut message = plain_type_names(e.message().trim());
    if e.span()
        .and_then(|span| source.get(span))
        .is_some_and(is_datetime)
    {
        message = message.replace("invalid type: table", "invalid type: date or time");
    }
    let message = name_the_key(source, e.span(), message);
    let hint = unknown_field_hint(&message);
    ScenarioError::at(origin, source, e.span(), message).with_hint(hint)
}

/// Most parts of a dotted key, and most levels of lists and inline tables inside one
/// another, that the TOML parser reads (its recursion limit).
const MAX_NESTING: usize = 80;

/// The error for a key of more than [`MAX_NESTING`] dotted parts or values nested deeper,
/// which the TOML parser words as "recursion limit" (with no position) or "cannot recurse
/// further"; `None` for any other error.
fn nesting_error(source: &str, origin: &str, e: &toml::de::Error) -> Option<ScenarioError> {
    let message = e.message().trim();
    if message == "recursion limit" {
        let found = deep_key(source);
        let (span, what) = match &found {
            Some((span, key, parts)) => (
                Some(span.clone()),
                format!("the key `{}` has {parts} dotted parts", shortened(key)),
            ),
            None => (None, "a key has too many dotted parts".to_string()),
        };
        return Some(ScenarioError::at(
            origin,
            source,
            span,
            format!("{what}; allowed is at most {MAX_NESTING}"),
        ));
    }
    if message.starts_with("cannot recurse further") {
        let within = e
            .span()
            .and_then(|span| line_key(source, span.start))
            .map_or(String::new(), |k| {
                format!(" in the value of `{}`", shortened(&k))
            });
        return Some(ScenarioError::at(
            origin,
            source,
            e.span(),
            format!(
                "lists and inline tables are nested more than {MAX_NESTING} deep{within}; \
                 allowed is at most {MAX_NESTING} levels"
            ),
        ));
    }
    None
}

/// The first key (of `key = value` or a `[table]` header) with more than [`MAX_NESTING`]
/// dotted parts: its span, its text and its number of parts.
fn deep_key(source: &str) -> Option<(Range<usize>, &str, usize)> {
    let mut start = 0;
    for line in source.split_inclusive('\n') {
        let at = start;
        start += line.len();
        let text = line.trim_start().trim_start_matches('[');
        let skipped = line.len() - text.len();
        let end = if line.trim_start().starts_with('[') {
            text.find(']')
        } else {
            text.find('=')
        };
        let Some(end) = end else { continue };
        let key = text[..end].trim_end();
        let parts = dotted_parts(key);
        if parts > MAX_NESTING {
            let from = at + skipped;
            return Some((from..from + key.len(), key, parts));
        }
    }
    None
}

/// How many parts the dotted key `key` has (dots inside quotes do not count).
fn dotted_parts(key: &str) -> usize {
    let mut quote = None;
    let mut parts = 1;
    for c in key.chars() {
        match (quote, c) {
            (None, '"' | '\'') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, '.') => parts += 1,
            _ => {}
        }
    }
    parts
}

/// The key of the `key = value` line holding byte `offset`.
fn line_key(source: &str, offset: usize) -> Option<String> {
    let key = line_before(source, offset)?.split_once('=')?.0.trim();
    (!key.is_empty() && !key.starts_with('[')).then(|| key.to_string())
}

/// `text` cut to its first 40 characters, with "..." when it was longer.
fn shortened(text: &str) -> String {
    match text.char_indices().nth(40) {
        Some((at, _)) => format!("{}...", &text[..at]),
        None => text.to_string(),
    }
}

/// Whether `text` is a TOML date or time (`1979-05-27`, `07:32:00`), which serde reads as
/// a table.
fn is_datetime(text: &str) -> bool {
    let b = text.trim().as_bytes();
    let digits =
        |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    (digits(0..4) && b.get(4) == Some(&b'-')) || (digits(0..2) && b.get(2) == Some(&b':'))
}

/// "invalid value: ..." becomes "invalid value for `key`: ..." when the key is on the
/// value's line. `steps` and `replications` must be at least 1, not serde's 0.
fn name_the_key(source: &str, span: Option<Range<usize>>, message: String) -> String {
    // The TOML parser's "duplicate key" points at the key but does not say it.
    if message == "duplicate key"
        && let Some(key) = span
            .clone()
            .and_then(|span| source.get(span))
            .map(|k| k.trim().trim_matches(['[', ']']).trim())
            .filter(|k| !k.is_empty())
    {
        return format!("duplicate key `{key}`: a key can be given only once in its table");
    }
    if let Some(start) = span.map(|span| span.start)
        && (message.starts_with("invalid value") || message.starts_with("invalid type"))
        && let Some((key, in_list)) = key_at(source, start)
    {
        let (kind, rest) = message.split_once(": ").unwrap_or(("invalid value", ""));
        let last = key.rsplit('.').next().unwrap_or("");
        let rest = if ["steps", "replications"].contains(&last) {
            rest.replace("from 0 to", "from 1 to")
        } else {
            rest.to_string()
        };
        let at = if in_list { "an item of " } else { "" };
        return format!("{kind} for {at}`{key}`: {rest}");
    }
    message
}

/// The dotted name of the key whose value starts at byte `offset`, as the range errors give
/// it (`experiment.steps`, not `steps`), and whether the value is an item of a list: from
/// its line when the value is on its key's line, else from the parsed file (an item of a
/// list, a key of an inline table).
fn key_at(source: &str, offset: usize) -> Option<(String, bool)> {
    let Some(key) = key_before(source, offset) else {
        return key_path_at(source, offset);
    };
    let key = match table_before(source, offset) {
        Some(table) => format!("{table}.{key}"),
        None => key,
    };
    Some((key, false))
}

/// The dotted name of the key whose value holds byte `offset` (`validation.mediators`,
/// `experiment.variants.name`), and whether that value is an item of a list.
fn key_path_at(source: &str, offset: usize) -> Option<(String, bool)> {
    let doc = DeTable::parse(source).ok()?;
    let mut path = Vec::new();
    leaf_at(doc.get_ref(), offset, &mut path)?;
    let in_list = matches!(path.last(), Some(Seg::Index(_)));
    let keys = key_names(&path);
    (!keys.is_empty()).then(|| (keys.join("."), in_list))
}

/// The name of the table whose key is at `offset` (`experiment` under `[experiment]`,
/// `experiment.variants` under `[[experiment.variants]]`); `None` at the top level.
fn table_before(source: &str, offset: usize) -> Option<String> {
    let before = source.get(..offset)?;
    let header = before
        .lines()
        .rev()
        .map(str::trim_start)
        .find(|line| line.starts_with('['))?;
    let name = header.trim_start_matches('[').split(']').next()?.trim();
    let name: String = name
        .split('.')
        .map(|part| part.trim().trim_matches('"'))
        .collect::<Vec<_>>()
        .join(".");
    (!name.is_empty()).then_some(name)
}

/// Longest scenario name: it names the output folder, with room for the `-2`, `-teach` or
/// `.partial` that coprod adds (file systems allow 255 bytes).
const MAX_NAME_LEN: usize = 100;

/// The scenario name names the output folder, so it must be a plain file name that is not
/// hidden. `from_file`: the name is the file's (no `name` key), so the hint offers the key.
fn check_name(loc: &Locator<'_>, name: &str, from_file: bool) -> Result<(), ScenarioError> {
    let plain = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
    let problem = if name.is_empty() {
        Some("it is empty".to_string())
    } else if !plain {
        Some("use ASCII letters (a-z, A-Z), digits, `-`, `_` and `.` only".to_string())
    } else if name.starts_with('.') {
        Some("it must not start with `.` (a hidden folder)".to_string())
    } else if name.len() > MAX_NAME_LEN {
        Some(format!(
            "it has {} characters, more than {MAX_NAME_LEN}",
            name.len()
        ))
    } else {
        None
    };
    let Some(problem) = problem else {
        return Ok(());
    };
    let mut hint = format!("{problem}: the name names the output folder");
    if from_file {
        hint.push_str(
            "; the file has no `name` key, so its file name was used: add a line such as \
             `name = \"my-study\"` at the top of the file",
        );
    }
    Err(loc
        .error_at(
            loc.value_span(&[key("name")]),
            format!("invalid scenario name \"{name}\""),
        )
        .with_hint(Some(hint)))
}

/// `experiment.<field>` (`steps` or `replications`), or `default` if unset; 0 is refused.
fn count_from_one(
    loc: &Locator<'_>,
    value: Option<u32>,
    default: u32,
    field: &str,
) -> Result<u32, ScenarioError> {
    let count = value.unwrap_or(default);
    if count == 0 {
        let path = [key("experiment"), key(field)];
        return Err(loc.error_at(
            loc.value_span(&path),
            format!(
                "invalid value 0 for `experiment.{field}`: allowed is a whole number from 1 to {}",
                u32::MAX
            ),
        ));
    }
    Ok(count)
}

/// The most metrics `[report] metrics` may name: each adds up to four charts to a run's
/// page, and a page of more stops being one a reader takes in.
pub const MAX_REPORT_METRICS: usize = 8;

/// `[report] metrics`: 1 to [`MAX_REPORT_METRICS`] end-of-run metrics of runs.csv (every
/// step metric is one too, averaged over the last steps), none twice; empty without
/// `[report]`.
fn report_metrics(
    loc: &Locator<'_>,
    raw: Option<&RawReport>,
) -> Result<Vec<String>, ScenarioError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let metrics = &raw.metrics;
    if metrics.is_empty() || metrics.len() > MAX_REPORT_METRICS {
        let span = loc
            .value_span(&[key("report"), key("metrics")])
            .or_else(|| loc.key_span(&[key("report")]));
        let message = format!(
            "`report.metrics` names {} metrics: allowed is 1 to {MAX_REPORT_METRICS}",
            metrics.len()
        );
        let hint = "name the metrics the scenario's question is about, e.g. \
                    metrics = [\"participation_rate\", \"representativeness\"]";
        return Err(loc
            .error_at(span, message)
            .with_hint(Some(hint.to_string())));
    }
    let names: Vec<String> = coprod_core::summary_names()
        .into_iter()
        .map(|(n, _, _)| n)
        .collect();
    for (i, metric) in metrics.iter().enumerate() {
        let span = loc.value_span(&[key("report"), key("metrics"), Seg::Index(i)]);
        if !names.contains(metric) {
            let hint = match crate::suggest::closest(metric, names.iter().map(String::as_str)) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("allowed: {}", names.join(", ")),
            };
            let message = format!(
                "unknown metric \"{metric}\" in `report.metrics`: allowed is a metric of \
                 runs.csv (docs/outputs.md)"
            );
            return Err(loc.error_at(span, message).with_hint(Some(hint)));
        }
        if metrics[..i].contains(metric) {
            let message =
                format!("metric \"{metric}\" is listed twice in `report.metrics`: name it once");
            return Err(loc.error_at(span, message));
        }
    }
    Ok(metrics.clone())
}

/// Model defaults with the scenario's `[params]` applied.
fn base_params(overrides: &[(usize, f64)]) -> Params {
    let mut base = Params::defaults();
    for &(i, v) in overrides {
        base.set_index(i, v).expect("checked by params_table");
    }
    base
}

/// The baseline, then the file's variants in file order; each variant's interventions are
/// the scenario's, then its own.
fn variants_list(
    loc: &Locator<'_>,
    raw: &[RawVariant],
    interventions: &[Intervention],
) -> Result<Vec<Variant>, ScenarioError> {
    let mut variants = vec![Variant {
        name: BASELINE.to_string(),
        description: "the scenario's own parameters and interventions".to_string(),
        overrides: Vec::new(),
        interventions: interventions.to_vec(),
    }];
    for (i, raw_variant) in raw.iter().enumerate() {
        let at = [key("experiment"), key("variants"), Seg::Index(i)];
        let name_path = [at.as_slice(), &[key("name")]].concat();
        let vname = raw_variant.name.trim();
        check_variant_name(loc, &variants, vname, &name_path)?;
        check_variant_file_name(loc, &variants, vname, &name_path)?;
        let overrides = params_table(
            loc,
            &raw_variant.params,
            &[at.as_slice(), &[key("params")]].concat(),
        )?;
        let mut all = interventions.to_vec();
        all.extend(interventions_list(
            loc,
            &raw_variant.interventions,
            &[at.as_slice(), &[key("interventions")]].concat(),
        )?);
        variants.push(Variant {
            name: vname.to_string(),
            description: raw_variant.description.clone(),
            overrides,
            interventions: all,
        });
    }
    Ok(variants)
}

/// A variant needs a name of its own, other than [`BASELINE`], of at most [`MAX_NAME_LEN`]
/// characters (it names chart files such as `heatmap_ci_width_<metric>_<variant>.png`).
fn check_variant_name(
    loc: &Locator<'_>,
    earlier: &[Variant],
    vname: &str,
    name_path: &[Seg],
) -> Result<(), ScenarioError> {
    let chars = vname.chars().count();
    if chars > MAX_NAME_LEN {
        return Err(loc
            .error_at(
                loc.value_span(name_path),
                format!("variant name has {chars} characters: allowed is at most {MAX_NAME_LEN}"),
            )
            .with_hint(Some(
                "a variant's name names its chart files (file systems allow 255 bytes): \
                 shorten it, and say more in its `description`"
                    .into(),
            )));
    }
    if vname.is_empty() || vname == BASELINE || earlier.iter().any(|v| v.name == vname) {
        let why = if vname.is_empty() {
            "a variant needs a name".to_string()
        } else if vname == BASELINE {
            format!("variant name \"{BASELINE}\" is reserved for the scenario's own parameters")
        } else {
            format!("variant name \"{vname}\" is used twice")
        };
        return Err(loc.error_at(loc.value_span(name_path), why));
    }
    Ok(())
}

/// Two variants whose names give the same [`file_slug`] would overwrite each other's charts.
fn check_variant_file_name(
    loc: &Locator<'_>,
    earlier: &[Variant],
    vname: &str,
    name_path: &[Seg],
) -> Result<(), ScenarioError> {
    if let Some(other) = earlier
        .iter()
        .find(|v| file_slug(&v.name) == file_slug(vname))
    {
        return Err(loc
            .error_at(
                loc.value_span(name_path),
                format!(
                    "variant names \"{}\" and \"{vname}\" would share chart file names: \
                     both become `{}`",
                    other.name,
                    file_slug(vname)
                ),
            )
            .with_hint(Some(
                "chart file names keep a variant's letters and digits, turn every other \
                 character into `_` and ignore case (as macOS and Windows do): rename one \
                 of the variants"
                    .into(),
            )));
    }
    Ok(())
}

/// Checks the table `name` of the scenario file (`table`), if there is one, with `check`;
/// its errors point into that table.
fn checked_table<R, T>(
    loc: &Locator<'_>,
    name: &str,
    table: Option<&R>,
    check: impl FnOnce(&R) -> Result<T, crate::error::TableError>,
) -> Result<Option<T>, ScenarioError> {
    table
        .map(|t| check(t).map_err(|e| loc.table_error(name, (e.path, e.message)).with_hint(e.hint)))
        .transpose()
}

/// Checks the `[validation]` table, if there is one.
fn validation_table(
    loc: &Locator<'_>,
    table: Option<&RawValidation>,
) -> Result<Option<Validation>, ScenarioError> {
    let Some(table) = table else {
        return Ok(None);
    };
    crate::validation::validate(table)
        .map(Some)
        .map_err(|(field, message)| {
            // A missing field has no span: point at the table instead.
            let span = loc
                .value_span(&[key("validation"), key(field)])
                .or_else(|| loc.value_span(&[key("validation")]));
            loc.error_at(span, message)
        })
}

/// Each comparison needs its own experiment: a paired one a "treatment" variant, a dose one
/// a single sweep axis, an interaction variants "a", "b" and "ab". It may hold no other
/// runs: the verdict would never make them, while the manifest records them as the design.
fn check_validation_shape(
    loc: &Locator<'_>,
    v: &Validation,
    variants: &[Variant],
    sweep: &[SweepAxis],
) -> Result<(), ScenarioError> {
    let Some(problem) =
        missing_runs(v, variants, sweep).or_else(|| unrun_parts(v, variants, sweep))
    else {
        return Ok(());
    };
    // Without a `comparison` key the comparison is "paired": name the table then, and
    // say that the key is missing, so that a deleted key is not a riddle.
    let given = loc.value_span(&[key("validation"), key("comparison")]);
    let which = if given.is_some() {
        "this comparison"
    } else {
        DEFAULT_COMPARISON_NAMED
    };
    let span = given.or_else(|| loc.key_span(&[key("validation")]));
    Err(loc.error_at(span, format!("{which} {problem}")))
}

/// What the comparison needs and the experiment lacks, if anything.
fn missing_runs(v: &Validation, variants: &[Variant], sweep: &[SweepAxis]) -> Option<String> {
    let named = |n: &str| variants.iter().any(|x| x.name == n);
    let need = match v.comparison {
        Comparison::Paired if !named("treatment") => "a variant named \"treatment\"",
        Comparison::Dose if sweep.len() != 1 => "exactly one sweep axis",
        Comparison::Interaction if !(named("a") && named("b") && named("ab")) => {
            "variants named \"a\", \"b\" and \"ab\""
        }
        _ => return None,
    };
    Some(format!("needs {need}"))
}

/// The runs of the experiment that the comparison never makes (`coprod_validate`'s
/// `Claim::new` takes its arms from the variants it names and the sweep of a dose alone).
fn unrun_parts(v: &Validation, variants: &[Variant], sweep: &[SweepAxis]) -> Option<String> {
    let (runs, used): (&str, &[&str]) = match v.comparison {
        Comparison::Paired => ("the baseline and the variant \"treatment\"", &["treatment"]),
        Comparison::Interaction => (
            "the baseline and the variants \"a\", \"b\" and \"ab\"",
            &["a", "b", "ab"],
        ),
        Comparison::Dose => ("the sweep on the baseline alone", &[]),
        _ => ("the baseline alone", &[]),
    };
    if let Some(extra) = variants
        .iter()
        .skip(1)
        .find(|x| !used.contains(&x.name.as_str()))
    {
        return Some(format!(
            "runs {runs}, so the verdict would never run the variant \"{}\": remove it",
            extra.name
        ));
    }
    if v.comparison != Comparison::Dose && !sweep.is_empty() {
        let axes: Vec<String> = sweep.iter().map(|a| format!("`{}`", a.name())).collect();
        return Some(format!(
            "runs no sweep, so the verdict would run only the first point of the sweep over \
             {}: remove [experiment.sweep] and set the value in [params]",
            axes.join(", ")
        ));
    }
    unrun_doses(v, sweep)
}

/// A dose series judged end to end runs its first and last doses only.
fn unrun_doses(v: &Validation, sweep: &[SweepAxis]) -> Option<String> {
    let axis = sweep.first()?;
    let n = axis.values.len();
    if v.comparison != Comparison::Dose || v.direction == Direction::InteriorOptimum || n <= 2 {
        return None;
    }
    Some(format!(
        "with direction = \"{}\" compares the last dose with the first, so the verdict would \
         never run the middle {} of the {n} values of `{}`: keep the first and the last (an \
         optimum among doses is direction = \"interior_optimum\")",
        v.direction.as_str(),
        n - 2,
        axis.name()
    ))
}

/// An interior optimum is judged by whether the best dose lies strictly between the first
/// and the last in sweep order: that takes at least 3 doses, in increasing or decreasing
/// order (otherwise "interior" in sweep order need not be interior in value).
fn check_interior_doses(
    loc: &Locator<'_>,
    v: &Validation,
    sweep: &[SweepAxis],
) -> Result<(), ScenarioError> {
    let Some(axis) = sweep.first() else {
        return Ok(());
    };
    let values = &axis.values;
    let ordered = values.windows(2).all(|w| w[0] < w[1]) || values.windows(2).all(|w| w[0] > w[1]);
    if v.direction != Direction::InteriorOptimum || (values.len() >= 3 && ordered) {
        return Ok(());
    }
    let found = if values.len() < 3 {
        format!("it has {}", values.len())
    } else {
        "they are not in increasing or decreasing order".to_string()
    };
    let span = loc
        .value_span(&[key("validation"), key("direction")])
        .or_else(|| loc.key_span(&[key("validation")]));
    Err(loc.error_at(
        span,
        format!(
            "direction = \"interior_optimum\" needs the sweep over `{}` to have at least 3 \
             values in increasing or decreasing order (an optimum strictly between the first \
             and last dose): {found}",
            axis.name()
        ),
    ))
}

/// A variant may not set a swept parameter: the sweep would override it in every run.
fn check_variants_leave_sweep_alone(
    loc: &Locator<'_>,
    variants: &[Variant],
    sweep: &[SweepAxis],
) -> Result<(), ScenarioError> {
    for (i, variant) in variants.iter().enumerate().skip(1) {
        if let Some(axis) = sweep
            .iter()
            .find(|a| variant.overrides.iter().any(|(p, _)| *p == a.param))
        {
            let param_path: Vec<Seg> = [
                key("experiment"),
                key("variants"),
                Seg::Index(i - 1),
                key("params"),
            ]
            .into_iter()
            .chain(axis.name().split('.').map(key))
            .collect();
            let span = loc
                .key_span(&param_path)
                .or_else(|| loc.key_span(&param_path[..4]))
                .or_else(|| loc.key_span(&[key("experiment"), key("variants"), Seg::Index(i - 1)]));
            return Err(loc
                .error_at(
                    span,
                    format!(
                        "variant `{}` sets `{}`, which is also swept: the sweep would \
                         override the variant's value in every run",
                        variant.name,
                        axis.name()
                    ),
                )
                .with_hint(Some(format!(
                    "remove `{}` from the variant or from [experiment.sweep]",
                    axis.name()
                ))));
        }
    }
    Ok(())
}

/// The name of a run's setting in messages: `lab` or `field`.
pub(crate) fn setting_name(lab: bool) -> &'static str {
    if lab { "lab" } else { "field" }
}

/// Every run of a scenario has the scenario's setting. A lab run plays rounds of a
/// public-goods game and a field run months of co-production; their metrics have different
/// units, so a variant or sweep point of the other setting would be compared with, and
/// pooled into charts of, runs it cannot be measured against.
fn check_one_setting(
    loc: &Locator<'_>,
    base: &Params,
    variants: &[Variant],
    sweep: &[SweepAxis],
) -> Result<(), ScenarioError> {
    const NAME: &str = "population.setting";
    let (index, spec) = Params::lookup(NAME).expect("population.setting is a parameter");
    let own = spec.format_value(base.get_index(index));
    let hint = Some(format!(
        "a scenario runs one setting; put the runs with the other setting in a scenario of \
         their own (this one's is `{NAME} = \"{own}\"`)"
    ));
    for (i, variant) in variants.iter().enumerate().skip(1) {
        let Some((_, value)) = variant.overrides.iter().find(|(p, _)| *p == index) else {
            continue;
        };
        if *value != base.get_index(index) {
            let path = [key("experiment"), key("variants"), Seg::Index(i - 1)];
            let full: Vec<Seg> = [path.as_slice(), &[key("params")]]
                .concat()
                .into_iter()
                .chain(NAME.split('.').map(key))
                .collect();
            let span = loc.value_span(&full).or_else(|| loc.key_span(&path));
            return Err(loc
                .error_at(
                    span,
                    format!(
                        "variant `{}` sets `{NAME} = \"{}\"`, but the scenario's runs are \
                         \"{own}\": lab and field runs have metrics in different units and \
                         cannot be compared",
                        variant.name,
                        spec.format_value(*value)
                    ),
                )
                .with_hint(hint));
        }
    }
    // A sweep has two or more distinct values, so over the two settings it is a mixture.
    if sweep.iter().any(|a| a.param == index) {
        let span = loc.value_span(&[key("experiment"), key("sweep"), key(NAME)]);
        return Err(loc
            .error_at(
                span,
                format!(
                    "the sweep over `{NAME}` mixes lab and field runs, whose metrics have \
                     different units and cannot be compared"
                ),
            )
            .with_hint(Some(
                "a scenario runs one setting: sweep another parameter, or run the lab and \
                 the field as two scenarios"
                    .into(),
            )));
    }
    Ok(())
}

/// The experiment may expand to at most [`MAX_RUNS`] runs.
fn check_run_cap(
    loc: &Locator<'_>,
    variants: &[Variant],
    sweep: &[SweepAxis],
    replications: u32,
) -> Result<(), ScenarioError> {
    let runs = (variants.len() as u64)
        .checked_mul(sweep.iter().map(|a| a.values.len() as u64).product::<u64>())
        .and_then(|n| n.checked_mul(u64::from(replications)));
    if runs.is_none_or(|n| n > MAX_RUNS) {
        let span = loc
            .value_span(&[key("experiment"), key("replications")])
            .or_else(|| loc.key_span(&[key("experiment")]));
        return Err(loc
            .error_at(
                span,
                format!(
                    "the experiment expands to {} x {} x {}, more than the {MAX_RUNS} runs \
                     coprod accepts",
                    counted(variants.len() as u64, "variant"),
                    counted(
                        sweep.iter().map(|a| a.values.len() as u64).product::<u64>(),
                        "sweep point"
                    ),
                    counted(u64::from(replications), "replication"),
                ),
            )
            .with_hint(Some(
                "use fewer replications, variants or sweep values, or split the study".into(),
            )));
    }
    Ok(())
}

/// Refuses a swept axis that no run reads (see [`Scenario::unread_axis`]).
fn check_every_axis_read(loc: &Locator<'_>, scenario: &Scenario) -> Result<(), ScenarioError> {
    if let Some(axis) = scenario.unread_axis() {
        let span = loc.value_span(&[key("experiment"), key("sweep"), key(axis.name())]);
        let (message, hint) = scenario.unread_axis_refusal(axis);
        return Err(loc.error_at(span, message).with_hint(Some(hint)));
    }
    Ok(())
}

/// The checks that need the whole scenario: no swept lever held by interventions for a
/// whole run, and valid parameters in every (variant, sweep point).
fn check_every_run(loc: &Locator<'_>, scenario: &Scenario) -> Result<(), ScenarioError> {
    scenario
        .check_sweep_not_overridden()
        .map_err(|o| overridden_error(loc, scenario, &o))?;
    scenario
        .check_combinations()
        .map_err(|(variant, point, err)| combination_error(loc, scenario, variant, point, &err))
}

/// The error of [`Scenario::check_sweep_not_overridden`], at the intervention's lever.
fn overridden_error(loc: &Locator<'_>, scenario: &Scenario, o: &Overridden) -> ScenarioError {
    at_intervention(
        loc,
        scenario,
        (o.variant, o.intervention),
        o.message(scenario),
    )
    .with_hint(o.hint())
}

/// An error at the lever of intervention `index` of `variant`'s interventions (the
/// scenario's own `[[interventions]]` first, then the variant's).
fn at_intervention(
    loc: &Locator<'_>,
    scenario: &Scenario,
    (variant, index): (usize, usize),
    message: String,
) -> ScenarioError {
    let path = match scenario.intervention_entry(index) {
        Entry::Scenario(i) => vec![key("interventions"), Seg::Index(i)],
        Entry::Variant(i) => vec![
            key("experiment"),
            key("variants"),
            Seg::Index(variant - 1),
            key("interventions"),
            Seg::Index(i),
        ],
    };
    let lever = [path.as_slice(), &[key("lever")]].concat();
    loc.error_at(
        loc.value_span(&lever).or_else(|| loc.key_span(&path)),
        message,
    )
}

/// The error of [`Scenario::check_combinations`] for (variant, sweep point).
fn combination_error(
    loc: &Locator<'_>,
    scenario: &Scenario,
    variant: usize,
    point: usize,
    err: &ParamError,
) -> ScenarioError {
    // Point at the variant if it is not the baseline, else at the first parameter of the
    // inconsistency that the sweep sets (its value is what the message's point names), else
    // at the first one `[params]` sets.
    let names = match err {
        ParamError::Inconsistent { names, .. } => names.clone(),
        ParamError::OutOfRange { name, .. } => vec![*name],
        ParamError::Unknown { .. } => Vec::new(),
    };
    let span = if variant > 0 {
        loc.key_span(&[key("experiment"), key("variants"), Seg::Index(variant - 1)])
    } else {
        let sweep = [key("experiment"), key("sweep")];
        let params = [key("params")];
        [&sweep[..], &params[..]]
            .iter()
            .find_map(|at| names.iter().find_map(|n| loc.param_key_span(at, n)))
    };
    loc.error_at(span, scenario.describe_combination(variant, point, err))
}

/// Checks a `params` table; returns (index in `SPECS`, value) in key order (the toml table
/// is sorted by key).
fn params_table(
    loc: &Locator<'_>,
    table: &toml::Table,
    at: &[Seg],
) -> Result<Vec<(usize, f64)>, ScenarioError> {
    let mut found = Vec::new();
    leaves(table, &mut Vec::new(), &mut found);
    let mut out: Vec<(usize, f64)> = Vec::new();
    for (segments, value) in found {
        let path: Vec<Seg> = at
            .iter()
            .cloned()
            .chain(segments.iter().map(|s| key(s)))
            .collect();
        let name = segments.join(".");
        let (index, spec) = Params::lookup(&name).map_err(|_| {
            loc.error_at(loc.key_span(&path), format!("unknown parameter `{name}`"))
                .with_hint(Some(crate::suggest::parameter_hint(&name)))
        })?;
        if out.iter().any(|(i, _)| *i == index) {
            return Err(loc.error_at(
                loc.key_span(&path),
                format!("parameter `{name}` is set twice"),
            ));
        }
        let v = values::from_toml(spec, value).map_err(|m| {
            loc.error_at(loc.value_span(&path), m)
                .with_hint(values::toml_hint(spec, value))
        })?;
        out.push((index, v));
    }
    Ok(out)
}

fn interventions_list(
    loc: &Locator<'_>,
    list: &[RawIntervention],
    at: &[Seg],
) -> Result<Vec<Intervention>, ScenarioError> {
    let mut out = Vec::new();
    for (i, raw) in list.iter().enumerate() {
        let here: Vec<Seg> = at.iter().cloned().chain([Seg::Index(i)]).collect();
        let lever_path = [here.as_slice(), &[key("lever")]].concat();
        let value_path = [here.as_slice(), &[key("value")]].concat();
        let (_, spec) = Params::lookup(&raw.lever).map_err(|_| {
            loc.error_at(
                loc.value_span(&lever_path),
                format!("unknown lever `{}`", raw.lever),
            )
            .with_hint(Some(crate::suggest::parameter_hint(&raw.lever)))
        })?;
        let value = values::from_toml(spec, &raw.value).map_err(|m| {
            loc.error_at(loc.value_span(&value_path), m)
                .with_hint(values::toml_hint(spec, &raw.value))
        })?;
        let until_path = [here.as_slice(), &[key("until_step")]].concat();
        check_window(loc, raw, &until_path)?;
        let iv =
            Intervention::new(&raw.lever, value, raw.from_step, raw.until_step).map_err(|e| {
                let (path, hint) = match &e {
                    ParamError::Inconsistent { reason, .. } if reason.contains("not a lever") => (
                        lever_path.clone(),
                        Some("`coprod list --params` marks the levers".to_string()),
                    ),
                    _ => (until_path.clone(), None),
                };
                loc.error_at(loc.value_span(&path), format!("invalid intervention: {e}"))
                    .with_hint(hint)
            })?;
        out.push(iv);
    }
    Ok(out)
}

/// An intervention holds for `from_step <= step < until_step`, so an `until_step` at or
/// before `from_step` holds at no step. Said here, with the key and its allowed values,
/// rather than by the model's "ends before it starts", which is wrong when the two are equal.
fn check_window(
    loc: &Locator<'_>,
    raw: &RawIntervention,
    until_path: &[Seg],
) -> Result<(), ScenarioError> {
    let Some(until) = raw.until_step.filter(|&until| until <= raw.from_step) else {
        return Ok(());
    };
    let from = raw.from_step;
    Err(loc
        .error_at(
            loc.value_span(until_path),
            format!(
                "invalid value {until} for `until_step` of the intervention on `{}`: {}, since \
                 the intervention is in force at steps from_step <= step < until_step",
                raw.lever,
                allowed_until(from)
            ),
        )
        .with_hint(Some(format!(
            "with until_step = {until} the intervention is in force at no step; leave \
             until_step out to keep it in force from step {from} to the end of the run"
        ))))
}

/// The `until_step` values allowed after `from_step = from`. From the largest step a
/// `from_step` may name there is none, and a range "from u32::MAX + 1 to u32::MAX" would
/// not say so.
fn allowed_until(from: u32) -> String {
    match from.checked_add(1) {
        Some(first) => format!(
            "allowed is a whole number from {first} (from_step + 1) to {}",
            u32::MAX
        ),
        None => format!(
            "no until_step is allowed with from_step = {from}, the largest step a scenario can \
             name"
        ),
    }
}

/// Most points one sweep axis may have.
const MAX_AXIS_VALUES: usize = 100_000;

/// Most sweep points a scenario may have (the product of all axes).
pub const MAX_SWEEP_POINTS: usize = 1_000_000;

/// Most runs a scenario may expand to (variants x sweep points x replications).
pub const MAX_RUNS: u64 = 10_000_000;

/// The axes of `[experiment.sweep]`, in parameter-name order (the toml table is sorted by
/// key). Each axis is checked as it is read, so the first bad one in that order is the one
/// reported.
fn sweep_table(loc: &Locator<'_>, table: &toml::Table) -> Result<Vec<SweepAxis>, ScenarioError> {
    let mut found = Vec::new();
    sweep_leaves(table, &mut Vec::new(), &mut found);
    let mut axes: Vec<SweepAxis> = Vec::new();
    for (segments, value) in found {
        let path: Vec<Seg> = [key("experiment"), key("sweep")]
            .into_iter()
            .chain(segments.iter().map(|s| key(s)))
            .collect();
        let name = segments.join(".");
        let (index, spec) = Params::lookup(&name).map_err(|_| {
            loc.error_at(
                loc.key_span(&path),
                format!("unknown parameter `{name}` in sweep"),
            )
            .with_hint(Some(crate::suggest::parameter_hint(&name)))
        })?;
        if axes.iter().any(|a| a.param == index) {
            return Err(loc.error_at(
                loc.key_span(&path),
                format!("parameter `{name}` is swept twice"),
            ));
        }
        let values = axis_values(loc, &path, &name, spec, value)?;
        check_axis_values(loc, &path, &name, spec, &values)?;
        check_sweep_points(loc, &path, &name, &axes, values.len())?;
        axes.push(SweepAxis {
            param: index,
            values,
        });
    }
    Ok(axes)
}

/// The values of the sweep over `name` at `path`: a list, or a range of numbers.
fn axis_values(
    loc: &Locator<'_>,
    path: &[Seg],
    name: &str,
    spec: &coprod_core::ParamSpec,
    value: &toml::Value,
) -> Result<Vec<f64>, ScenarioError> {
    match value {
        toml::Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let item_path = [path, &[Seg::Index(i)]].concat();
                out.push(values::from_toml(spec, item).map_err(|m| {
                    loc.error_at(loc.value_span(&item_path), m)
                        .with_hint(values::toml_hint(spec, item))
                })?);
            }
            Ok(out)
        }
        toml::Value::Table(range) => range_values(loc, path, spec, range),
        other => Err(loc
            .error_at(
                loc.value_span(path),
                format!(
                    "sweep over `{name}` must be a list or a range, not {}",
                    values::display_toml(other)
                ),
            )
            .with_hint(Some(sweep_shape_hint(spec)))),
    }
}

/// At least two values, none repeated: an axis of one value is a parameter, not a sweep.
fn check_axis_values(
    loc: &Locator<'_>,
    path: &[Seg],
    name: &str,
    spec: &coprod_core::ParamSpec,
    values: &[f64],
) -> Result<(), ScenarioError> {
    if values.is_empty() {
        return Err(loc
            .error_at(
                loc.value_span(path),
                format!("sweep over `{name}` has no values"),
            )
            .with_hint(Some(
                "a sweep with no values would expand to zero runs".into(),
            )));
    }
    if values.len() == 1 {
        return Err(loc
            .error_at(
                loc.value_span(path),
                format!("sweep over `{name}` has a single value"),
            )
            .with_hint(Some(format!(
                "a single value belongs in [params]; to sweep, give two or more values: \
                 `\"{name}\" = {}`",
                example_list(spec)
            ))));
    }
    if let Some(dup) = values
        .iter()
        .enumerate()
        .find(|(i, v)| values[..*i].contains(v))
        .map(|(_, v)| *v)
    {
        return Err(loc
            .error_at(
                loc.value_span(path),
                format!(
                    "sweep over `{name}` has the value {} twice",
                    shown_value(spec, dup)
                ),
            )
            .with_hint(Some(
                "repeated sweep points would repeat the same runs with the same seeds; \
                 raise `experiment.replications` for more runs per point"
                    .into(),
            )));
    }
    Ok(())
}

/// A value of `spec` for a message: as [`coprod_core::ParamSpec::format_value`], but a
/// tiny or huge real number in scientific form rather than digit by digit.
fn shown_value(spec: &coprod_core::ParamSpec, v: f64) -> String {
    match spec.kind {
        Kind::Real => coprod_core::readable(v),
        _ => spec.format_value(v),
    }
}

/// The sweep points (the product of the axes so far and `count` values of `name`) within
/// [`MAX_SWEEP_POINTS`].
fn check_sweep_points(
    loc: &Locator<'_>,
    path: &[Seg],
    name: &str,
    axes: &[SweepAxis],
    count: usize,
) -> Result<(), ScenarioError> {
    let points = axes
        .iter()
        .map(|a| a.values.len())
        .try_fold(count, |acc, n| acc.checked_mul(n))
        .filter(|p| *p <= MAX_SWEEP_POINTS);
    if points.is_none() {
        return Err(loc
            .error_at(
                loc.key_span(path),
                format!("the sweep has more than {MAX_SWEEP_POINTS} points once `{name}` is added"),
            )
            .with_hint(Some(
                "sweep fewer parameters or fewer values at once, or split the study into \
                 several scenarios"
                    .into(),
            )));
    }
    Ok(())
}

/// Three allowed numbers of a numeric `spec`, evenly spaced, for hints: small whole
/// numbers, or the ends and middle of a real range.
fn example_numbers(spec: &coprod_core::ParamSpec) -> Vec<f64> {
    if matches!(spec.kind, Kind::Real) {
        return [0.0, 0.5, 1.0]
            .iter()
            .map(|t| spec.min + t * (spec.max - spec.min))
            .collect();
    }
    let step = if spec.even_only() { 2.0 } else { 1.0 };
    let first = if spec.min <= step && step * 3.0 <= spec.max {
        step
    } else {
        spec.min
    };
    (0..3)
        .map(|i| first + step * f64::from(i))
        .filter(|v| *v <= spec.max)
        .collect()
}

/// Two or three allowed values of `spec` as a TOML list, for hints.
fn example_list(spec: &coprod_core::ParamSpec) -> String {
    let items: Vec<String> = match spec.kind {
        Kind::Choice(options) => options.iter().map(|o| format!("\"{o}\"")).collect(),
        Kind::Bool => vec!["false".into(), "true".into()],
        Kind::Int | Kind::Real => example_numbers(spec)
            .into_iter()
            .map(|v| spec.format_value(v))
            .collect(),
    };
    format!("[{}]", items.join(", "))
}

/// How to write a sweep over `spec`: a list, or for numbers also a range.
fn sweep_shape_hint(spec: &coprod_core::ParamSpec) -> String {
    let name = spec.name;
    let list = format!("`\"{name}\" = {}`", example_list(spec));
    let numbers = example_numbers(spec);
    let range = match (spec.kind, numbers.as_slice()) {
        (Kind::Int | Kind::Real, [from, next, .., to]) => format!(
            " or `\"{name}\" = {{ from = {}, to = {}, step = {} }}`",
            spec.format_value(*from),
            spec.format_value(*to),
            spec.format_value(next - from)
        ),
        _ => String::new(),
    };
    format!("write {list}{range}; a single value belongs in [params]")
}

/// Like [`leaves`], but a table with a `from` key, or at a parameter's name, is a range, not
/// a section: a range that lacks `from` is then refused as one ("needs `from`, `to` and
/// `step`"), not walked into as if `levers.outreach.step` were a parameter.
fn sweep_leaves<'t>(
    table: &'t toml::Table,
    prefix: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, &'t toml::Value)>,
) {
    for (k, v) in table {
        prefix.push(k.clone());
        match v {
            toml::Value::Table(t)
                if !t.contains_key("from") && Params::lookup(&prefix.join(".")).is_err() =>
            {
                sweep_leaves(t, prefix, out)
            }
            _ => out.push((prefix.clone(), v)),
        }
        prefix.pop();
    }
}

/// The values of the sweep range `{ from, to, step }` over `spec` at `path`: from `from`
/// up to `to` inclusive, every one allowed by `spec`.
fn range_values(
    loc: &Locator<'_>,
    path: &[Seg],
    spec: &coprod_core::ParamSpec,
    range: &toml::Table,
) -> Result<Vec<f64>, ScenarioError> {
    check_range_keys(loc, path, spec, range)?;
    let number = |k: &str| range_number(loc, path, spec.name, range, k);
    let (from, to, step) = (number("from")?, number("to")?, number("step")?);
    let count = range_count(loc, path, spec.name, (from, to, step))?;
    let mut out = Vec::with_capacity(count);
    for k in 0..count {
        // Multiply rather than accumulate, so errors do not add up along the range.
        let exact = from + step * k as f64;
        let v = round_binary_noise(exact);
        if out.last() == Some(&v) {
            return Err(step_below_rounding(
                loc,
                path,
                spec.name,
                (from, to, step),
                exact,
            ));
        }
        spec.check(v).map_err(|_| {
            loc.error_at(
                loc.value_span(path),
                format!(
                    "the sweep range over `{}` reaches {}, but allowed is {}",
                    spec.name,
                    coprod_core::readable(v),
                    spec.allowed()
                ),
            )
        })?;
        out.push(v);
    }
    Ok(out)
}

/// The error for a range whose step is below the 9 decimals sweep values are kept to: two
/// of its values (the one before `exact`, and `exact`) read the same. The range is said as
/// written, as rounded values would be the same number twice.
fn step_below_rounding(
    loc: &Locator<'_>,
    path: &[Seg],
    name: &str,
    (from, to, step): (f64, f64, f64),
    exact: f64,
) -> ScenarioError {
    let shown = coprod_core::readable;
    loc.error_at(
        loc.value_span(path),
        format!(
            "the sweep range over `{name}` (from {}, to {}, step {}) repeats a value: sweep \
             values are kept to 9 decimals, so {} and {} both read {}",
            shown(from),
            shown(to),
            shown(step),
            shown(exact - step),
            shown(exact),
            shown(round_binary_noise(exact)),
        ),
    )
    .with_hint(Some("use a `step` of at least 1e-9".into()))
}

/// Only the keys `from`, `to` and `step`, and a numeric parameter to step through.
fn check_range_keys(
    loc: &Locator<'_>,
    path: &[Seg],
    spec: &coprod_core::ParamSpec,
    range: &toml::Table,
) -> Result<(), ScenarioError> {
    let name = spec.name;
    if let Some(extra) = range
        .keys()
        .find(|k| !["from", "to", "step"].contains(&k.as_str()))
    {
        let p = [path, &[key(extra)]].concat();
        return Err(loc.error_at(
            loc.key_span(&p),
            format!("unknown key `{extra}` in the sweep range over `{name}`: expected `from`, `to`, `step`"),
        ));
    }
    if matches!(spec.kind, Kind::Bool | Kind::Choice(_)) {
        // A range steps through numbers; a switch or an option is spelt by name, as in a
        // list or in [params].
        return Err(loc
            .error_at(
                loc.value_span(path),
                format!(
                    "invalid range for `{name}`: a range sweeps numbers, but allowed is {}",
                    spec.allowed()
                ),
            )
            .with_hint(Some(format!(
                "list the values instead: `\"{name}\" = {}`",
                example_list(spec)
            ))));
    }
    Ok(())
}

/// The number at key `k` (`from`, `to` or `step`) of the sweep range over `name`.
fn range_number(
    loc: &Locator<'_>,
    path: &[Seg],
    name: &str,
    range: &toml::Table,
    k: &str,
) -> Result<f64, ScenarioError> {
    let p = [path, &[key(k)]].concat();
    match range.get(k) {
        Some(toml::Value::Integer(i)) => Ok(*i as f64),
        Some(toml::Value::Float(x)) if x.is_finite() => Ok(*x),
        Some(other) => Err(loc.error_at(
            loc.value_span(&p),
            format!(
                "`{k}` of the sweep over `{name}` must be a number, not {}",
                values::display_toml(other)
            ),
        )),
        None => Err(loc.error_at(
            loc.value_span(path),
            format!("the sweep range over `{name}` needs `from`, `to` and `step`"),
        )),
    }
}

/// How many values the range from `from` to `to` by `step` has, at most
/// [`MAX_AXIS_VALUES`].
fn range_count(
    loc: &Locator<'_>,
    path: &[Seg],
    name: &str,
    (from, to, step): (f64, f64, f64),
) -> Result<usize, ScenarioError> {
    if step <= 0.0 || to < from {
        return Err(loc.error_at(
            loc.value_span(path),
            format!("the sweep range over `{name}` needs `step` > 0 and `from` <= `to`"),
        ));
    }
    // Counted in floating point: a tiny step gives more values than any integer holds.
    let count = ((to - from) / step + 1e-9).floor() + 1.0;
    if count.is_nan() || count > MAX_AXIS_VALUES as f64 {
        let message = if !count.is_finite() {
            // (to - from) / step overflows: no count to give.
            format!(
                "the sweep range over `{name}` has more than {MAX_AXIS_VALUES} values: its \
                 step {} is too small for them to be counted",
                coprod_core::readable(step)
            )
        } else {
            let shown = if count < 1e15 {
                format!("{count}")
            } else {
                // Two significant digits: a count computed as 9.999999999999999e299 is 1e300.
                format!("about {count:.1e}").replace(".0e", "e")
            };
            format!("the sweep range over `{name}` has {shown} values, more than {MAX_AXIS_VALUES}")
        };
        return Err(loc.error_at(loc.value_span(path), message));
    }
    Ok(count as usize)
}

/// `v` rounded to 9 decimals when it is that close already: binary noise
/// (0.1 * 3 = 0.30000000000000004) is dropped so that CSV columns show the values users wrote.
fn round_binary_noise(v: f64) -> f64 {
    let rounded = (v * 1e9).round() / 1e9;
    if (rounded - v).abs() <= 1e-9 * v.abs().max(1.0) {
        rounded
    } else {
        v
    }
}

/// "1 variant", "2 variants".
fn counted(n: u64, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every serde message both this crate and coprod-output translate comes out without a
    /// Rust type's name; a list and a table are named as TOML names them.
    #[test]
    fn serde_type_names_become_toml_words() {
        let messages = include_str!("../../../tests/data/serde-messages.txt");
        for message in messages.lines().filter(|l| !l.is_empty()) {
            let plain = plain_type_names(message);
            let words: Vec<&str> = plain.split(|c: char| !c.is_ascii_alphanumeric()).collect();
            for rust in ["u32", "u64", "usize", "f64", "sequence", "map", "struct"] {
                assert!(!words.contains(&rust), "{message} -> {plain}");
            }
        }
        assert_eq!(
            plain_type_names("invalid type: map, expected a sequence"),
            "invalid type: table, expected a list `[...]`"
        );
    }
    use crate::RunSpec;
    use crate::settings::Setting;

    fn parse(text: &str) -> Result<Scenario, ScenarioError> {
        Scenario::from_toml(text, "t.toml", "t")
    }

    fn err(text: &str) -> ScenarioError {
        parse(text).expect_err("expected an error")
    }

    #[test]
    fn report_metrics_are_kept_in_order_and_checked() {
        assert!(parse("").unwrap().report_metrics.is_empty());
        let s = parse("[report]\nmetrics = [\"service_ratio\", \"median_group_lifetime\"]\n");
        assert_eq!(
            s.unwrap().report_metrics,
            ["service_ratio", "median_group_lifetime"]
        );
        let list = |n: usize| {
            let names: Vec<String> = coprod_core::summary_names()
                .into_iter()
                .take(n)
                .map(|(m, _, _)| format!("\"{m}\""))
                .collect();
            format!("[report]\nmetrics = [{}]\n", names.join(", "))
        };
        assert_eq!(
            parse(&list(MAX_REPORT_METRICS))
                .unwrap()
                .report_metrics
                .len(),
            8
        );
        let e = err(&list(MAX_REPORT_METRICS + 1));
        assert!(
            e.message.contains("names 9 metrics: allowed is 1 to 8"),
            "{e}"
        );
        // A step metric is also an end-of-run metric; a name of neither is refused.
        assert!(parse("[report]\nmetrics = [\"active_groups\"]\n").is_ok());
        let e = err("[report]\nmetrics = [\"seed\"]\n");
        assert!(e.message.contains("unknown metric \"seed\""), "{e}");
    }

    #[test]
    fn nested_dotted_and_quoted_params_are_the_same() {
        let a = parse("[params.levers]\ngroup_size_cap = 12\n").unwrap();
        let b = parse("[params]\nlevers.group_size_cap = 12\n").unwrap();
        let c = parse("[params]\n\"levers.group_size_cap\" = 12\n").unwrap();
        assert_eq!(a.base.group_size_cap, 12.0);
        assert_eq!(a.base, b.base);
        assert_eq!(a.base, c.base);
    }

    #[test]
    fn an_empty_table_as_a_value_is_refused_and_an_empty_section_is_not() {
        let e = err("[params.behaviour]\ncc_slope = {}\n");
        assert_eq!(e.location, Some((2, 12)));
        assert!(
            e.message
                .starts_with("invalid value a table for `behaviour.cc_slope`")
        );
        let e = err("[[experiment.variants]]\nname = \"v\"\nparams.levers.outreach = {}\n");
        assert!(
            e.message
                .starts_with("invalid value a table for `levers.outreach`")
        );
        let e = err("[experiment.sweep]\n\"levers.outreach\" = {}\n");
        assert!(e.message.contains("`levers.outreach`"), "{}", e.message);
        assert!(parse("[params.behaviour]\n[params.levers]\noutreach = 0.5\n").is_ok());
    }

    #[test]
    fn unknown_parameter_has_position_and_hint() {
        let e = err("name = \"x\"\n[params.levers]\ngroup_sise_cap = 12\n");
        assert_eq!(e.location, Some((3, 1)));
        assert_eq!(e.message, "unknown parameter `levers.group_sise_cap`");
        assert_eq!(
            e.hint.as_deref(),
            Some("did you mean `levers.group_size_cap`?")
        );
        let shown = e.to_string();
        assert!(
            shown.starts_with("t.toml:3:1: unknown parameter"),
            "{shown}"
        );
        assert!(shown.contains("3 | group_sise_cap = 12"), "{shown}");
    }

    #[test]
    fn out_of_range_value_names_key_value_and_range() {
        let e = err("[params.citizens]\nefficacy_mean = 1.5\n");
        assert_eq!(e.location, Some((2, 17)));
        assert_eq!(
            e.message,
            "invalid value 1.5 for `citizens.efficacy_mean`: allowed is a number from 0 to 1"
        );
        let e = err("[params.groups]\nservice = \"shared\"\n");
        assert_eq!(e.location, Some((2, 11)));
        assert!(
            e.message.contains("one of \"per_member\", \"joint\""),
            "{}",
            e.message
        );
    }

    #[test]
    fn syntax_and_unknown_field_errors_have_positions() {
        let e = err("name = \"x\"\nsteps = 10\n");
        assert_eq!(e.location, Some((2, 1)));
        assert!(e.message.contains("unknown field `steps`"), "{}", e.message);
        let e = err("[experiment]\nsteps = \"ten\"\n");
        assert_eq!(e.location, Some((2, 9)));
        let e = err("[experiment\nsteps = 1\n");
        assert_eq!(e.location.map(|l| l.0), Some(1));
    }

    #[test]
    fn intervention_errors_point_at_the_lever() {
        let e = err("[[interventions]]\nlever = \"population.n_citizens\"\nvalue = 10\n");
        assert_eq!(e.location, Some((2, 9)));
        assert!(e.message.contains("not a lever"), "{}", e.message);
        let e = err("[[interventions]]\nlever = \"levers.outreech\"\nvalue = 1\n");
        assert_eq!(e.hint.as_deref(), Some("did you mean `levers.outreach`?"));
        let ok =
            parse("[[interventions]]\nlever = \"levers.outreach\"\nvalue = 0.5\nfrom_step = 3\n")
                .unwrap();
        assert_eq!(ok.variants[0].interventions.len(), 1);
    }

    #[test]
    fn one_scenario_runs_one_setting() {
        // A variant or sweep that would mix lab and field runs is refused where it is written.
        let e =
            err("[[experiment.variants]]\nname = \"game\"\nparams.population.setting = \"lab\"\n");
        assert_eq!(e.location, Some((3, 29)));
        assert!(
            e.message
                .contains("variant `game` sets `population.setting = \"lab\"`"),
            "{}",
            e.message
        );
        let e = err("[experiment.sweep]\n\"population.setting\" = [\"field\", \"lab\"]\n");
        assert_eq!(e.location, Some((2, 24)));
        assert!(
            e.message.contains("mixes lab and field runs"),
            "{}",
            e.message
        );
        // Restating the scenario's own setting is not a mixture.
        let lab = "[params.population]\nsetting = \"lab\"\n";
        let s = parse(&format!(
            "{lab}[[experiment.variants]]\nname = \"v\"\nparams.population.setting = \"lab\"\n"
        ))
        .unwrap();
        assert!(s.params_for(1, 0).is_lab());
        // A single-value sweep is refused anyway; its hint spells the options.
        let e = err("[experiment.sweep]\n\"population.setting\" = [\"lab\"]\n");
        let hint = e.hint.unwrap_or_default();
        assert!(hint.contains(r#"= ["field", "lab"]"#), "{hint}");
    }

    #[test]
    fn a_sweep_the_runs_do_not_read_is_refused() {
        // Seeds depend on the replication only, so its points would be the same runs.
        let lab = "[params.population]\nsetting = \"lab\"\nn_citizens = 40\n";
        let e = err(&format!(
            "{lab}[experiment.sweep]\n\"levers.outreach\" = [0.1, 0.5]\n"
        ));
        assert_eq!(e.location, Some((5, 21)));
        assert!(
            e.message.starts_with(
                "the sweep over `levers.outreach` changes nothing: lab runs do not read it"
            ),
            "{}",
            e.message
        );
        let e = err("[experiment.sweep]\n\"lab.mpcr\" = [0.3, 0.6]\n");
        assert!(
            e.message.contains("field runs do not read it"),
            "{}",
            e.message
        );
        // What the setting reads may be swept; a lab population of 40 needs no network.
        assert_eq!(
            parse(&format!(
                "{lab}[experiment.sweep]\n\"lab.mpcr\" = [0.3, 0.6]\n"
            ))
            .unwrap()
            .n_points(),
            2
        );
        // `--set` may change the setting under a sweep.
        let mut s = parse("[experiment.sweep]\n\"levers.outreach\" = [0.1, 0.5]\n").unwrap();
        let set: Setting = "population.setting=lab".parse().unwrap();
        let e = s.apply_settings(&[set]).unwrap_err();
        assert_eq!(e.origin, "--set");
        assert!(
            e.message.contains("lab runs do not read it"),
            "{}",
            e.message
        );
    }

    #[test]
    fn sweep_and_variants_expand_as_a_cartesian_product() {
        let s = parse(
            r#"
[experiment]
steps = 5
replications = 3
[experiment.sweep]
"levers.group_size_cap" = [2, 4, 8]
"levers.outreach" = { from = 0.0, to = 0.3, step = 0.1 }
[[experiment.variants]]
name = "joint"
params.groups.service = "joint"
"#,
        )
        .unwrap();
        assert_eq!(s.sweep.len(), 2);
        // Axes are ordered by name: levers.group_size_cap, then levers.outreach (fastest).
        assert_eq!(s.sweep[1].values, vec![0.0, 0.1, 0.2, 0.3]);
        assert_eq!(s.n_points(), 12);
        assert_eq!(s.n_runs(), 2 * 12 * 3);
        let runs: Vec<RunSpec<'_>> = s.runs().collect();
        assert_eq!(runs.len(), 72);
        assert!(runs.iter().enumerate().all(|(i, r)| r.run_id == i as u64));
        assert_eq!(runs[0].variant_name, "baseline");
        assert_eq!(runs[36].variant_name, "joint");
        assert_eq!(runs[36].params.service, 1.0);
        assert_eq!(runs[3].point_values, vec![2.0, 0.1]);
        assert_eq!(runs[3].params.outreach, 0.1);
        assert_eq!(runs[12].params.group_size_cap, 4.0);
        // Common random numbers: the seed depends on the replication only.
        assert_eq!(runs[1].seed, runs[37].seed);
        assert_ne!(runs[0].seed, runs[1].seed);
    }

    #[test]
    fn sweep_errors() {
        let e = err("[experiment.sweep]\n\"levers.group_size_cap\" = []\n");
        assert!(e.message.contains("has no values"), "{}", e.message);
        let e = err("[experiment.sweep]\n\"levers.group_size_cap\" = [2, 2.5]\n");
        assert_eq!(e.location, Some((2, 31)));
        let e = err("[experiment.sweep]\n\"levers.group_size_cap\" = 3\n");
        assert!(e.hint.unwrap().contains("[params]"));
    }

    #[test]
    fn variant_names_are_checked() {
        let e = err("[[experiment.variants]]\nname = \"baseline\"\n");
        assert_eq!(e.location, Some((2, 8)));
        let e =
            err("[[experiment.variants]]\nname = \"a\"\n[[experiment.variants]]\nname = \"a\"\n");
        assert_eq!(e.location, Some((4, 8)));
    }

    #[test]
    fn inconsistent_combinations_are_rejected() {
        let e = err("[params.citizens]\nshare_free_rider = 0.9\n");
        assert_eq!(e.location, Some((2, 1)));
        assert!(
            e.message.contains("inconsistent parameters"),
            "{}",
            e.message
        );
    }

    #[test]
    fn settings_pin_values_and_replace_sweeps() {
        let mut s = parse("[experiment.sweep]\n\"levers.group_size_cap\" = [2, 4]\n").unwrap();
        let notes = s
            .apply_settings(&[
                "levers.group_size_cap=6".parse().unwrap(),
                "experiment.steps=7".parse().unwrap(),
            ])
            .unwrap();
        assert_eq!(notes.len(), 1);
        assert_eq!(s.n_points(), 1);
        assert_eq!(s.steps, 7);
        assert_eq!(s.params_for(0, 0).group_size_cap, 6.0);
        let e = s
            .apply_settings(&["levers.group_sise_cap=6".parse::<Setting>().unwrap()])
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "--set: unknown parameter `levers.group_sise_cap`\n\nhint: did you mean `levers.group_size_cap`?"
        );
        assert!("novalue".parse::<Setting>().is_err());
    }

    #[test]
    fn an_intervention_may_not_hold_a_swept_lever_for_the_whole_run() {
        let sweep =
            "[experiment]\nsteps = 20\n[experiment.sweep]\n\"levers.outreach\" = [0.1, 0.9]\n";
        let iv = |window: &str| {
            format!("{sweep}[[interventions]]\nlever = \"levers.outreach\"\nvalue = 0.5\n{window}")
        };
        // The whole run, also by two windows that meet, or by one that ends after the run.
        for window in [
            "",
            "until_step = 20\n",
            "until_step = 99\n",
            "until_step = 8\n[[interventions]]\nlever = \"levers.outreach\"\nvalue = 0.2\nfrom_step = 8\n",
        ] {
            let e = err(&iv(window));
            assert_eq!(e.location, Some((6, 9)), "{window}: {e}");
            assert!(e.message.contains("also swept"), "{e}");
        }
        // Part of the run: the swept value holds outside the window.
        for window in ["from_step = 1\n", "until_step = 19\n"] {
            parse(&iv(window)).unwrap();
        }
        // ... unless fewer steps make the window cover the run.
        let mut s = parse(&iv("until_step = 19\n")).unwrap();
        let e = s
            .apply_settings(&["experiment.steps=10".parse().unwrap()])
            .unwrap_err();
        assert!(
            e.to_string().starts_with(
                "--set: an intervention sets `levers.outreach` at every step of the run (10 steps)"
            ),
            "{e}"
        );
        let mut s = parse(&iv("until_step = 60\n").replace("steps = 20", "steps = 120")).unwrap();
        let e = s.make_quick().unwrap_err();
        assert!(e.to_string().starts_with("--quick: an intervention"), "{e}");
        // --set replaces the sweep, so the intervention no longer hides one; it hides the
        // --set value instead, which is refused as such.
        let mut s = parse(&iv("until_step = 19\n")).unwrap();
        let e = s
            .apply_settings(&[
                "levers.outreach=0.3".parse().unwrap(),
                "experiment.steps=10".parse().unwrap(),
            ])
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("`--set levers.outreach=0.3` would hold at no step"),
            "{e}"
        );
    }

    #[test]
    fn variant_names_must_give_distinct_file_names() {
        let two = |a: &str, b: &str| {
            format!(
                "[[experiment.variants]]\nname = \"{a}\"\n[[experiment.variants]]\nname = \"{b}\"\n"
            )
        };
        let e = err(&two("v_1", "v/1"));
        assert_eq!(e.location, Some((4, 8)));
        assert!(e.message.contains("\"v_1\" and \"v/1\""), "{e}");
        assert!(
            err(&two("High", "high"))
                .message
                .contains("both become `high`")
        );
        let e = err(&two("Baseline", "x"));
        assert!(e.message.contains("\"baseline\" and \"Baseline\""), "{e}");
        parse(&two("v_1", "v_2")).unwrap();
    }

    /// `--quick` is said to have lowered the replications to the number its caps gave (the
    /// first batch of `--target-ci`), not to those `--target-ci` chose after it (8 of a
    /// scenario's 20 were not its doing); replications given explicitly it did not lower.
    #[test]
    fn quick_lowered_names_only_what_quick_gave() {
        let mut s = parse("[experiment]\nsteps = 100\nreplications = 20\n").unwrap();
        s.make_quick().unwrap();
        assert_eq!(
            s.quick_lowered(),
            [
                ("experiment.steps", 100, 60),
                ("experiment.replications", 20, 3)
            ]
        );
        s.choose_replications(8).unwrap();
        assert_eq!(s.replications, 8);
        assert_eq!(
            s.quick_lowered(),
            [
                ("experiment.steps", 100, 60),
                ("experiment.replications", 20, 3)
            ]
        );
        // `--replications 5 --quick`: given before and again after the caps.
        let explicit = Setting {
            key: "experiment.replications".into(),
            value: "5".into(),
            option: Some("--replications"),
        };
        let mut s = parse("[experiment]\nsteps = 100\nreplications = 20\n").unwrap();
        s.apply_settings(std::slice::from_ref(&explicit)).unwrap();
        s.make_quick().unwrap();
        s.apply_settings(&[explicit]).unwrap();
        assert_eq!(s.replications, 5);
        assert_eq!(s.quick_lowered(), [("experiment.steps", 100, 60)]);
    }

    /// `make_quick` may be called twice: the second call still records what the caps lowered
    /// from the uncapped values, not nothing.
    #[test]
    fn quick_twice_still_names_what_it_lowered() {
        let mut s = parse("[experiment]\nsteps = 100\nreplications = 20\n").unwrap();
        s.make_quick().unwrap();
        s.make_quick().unwrap();
        assert_eq!(
            s.quick_lowered(),
            [
                ("experiment.steps", 100, 60),
                ("experiment.replications", 20, 3)
            ]
        );
    }

    #[test]
    fn quick_caps_no_network_of_a_lab_run() {
        // A field run's caps would lower the communities to 125 and 1, and the organisations
        // to 1: a lab run reads neither, so the outputs would report as lowered what did not
        // change the runs (the shipped lab calibration's 140 subjects: 20 communities to 17).
        let lab = "[params.population]\nsetting = \"lab\"\n";
        let quick_sources = |text: &str| {
            let mut s = parse(&format!("{lab}{text}")).unwrap();
            s.make_quick().unwrap();
            let (p, sources) = s.params_as_run(0, 0);
            let lowered: Vec<&str> = (0..SPECS.len())
                .filter(|&i| sources[i] == ParamSource::Quick)
                .map(|i| SPECS[i].name)
                .collect();
            (p, lowered)
        };
        let (p, lowered) = quick_sources("n_citizens = 1400\nn_communities = 500\n");
        assert_eq!((p.n_citizens, p.n_communities), (1000.0, 500.0));
        assert_eq!(lowered, ["population.n_citizens"]);
        let (p, lowered) = quick_sources("n_citizens = 8\n");
        assert_eq!((p.n_communities, p.n_organisations), (20.0, 4.0));
        assert!(lowered.is_empty(), "{lowered:?}");
    }

    #[test]
    fn quick_scales_a_swept_number_of_communities_and_refuses_merged_points() {
        let text = "[params.population]\nn_citizens = 50000\nn_communities = 1000\nring_degree = 40\n\
                    [experiment.sweep]\n\"population.n_communities\" = [500, 1000]\n";
        let mut s = parse(text).unwrap();
        s.make_quick().unwrap();
        let (p, sources) = s.params_as_run(0, 0);
        assert_eq!((p.n_citizens, p.n_communities), (1000.0, 10.0));
        let n_communities = Params::lookup("population.n_communities").unwrap().0;
        assert_eq!(sources[n_communities], ParamSource::Quick);
        assert_eq!(s.params_for(0, 1).n_communities, 20.0);
        // Not swept: capped as before, to fit the citizens.
        let mut s = parse(
            &text
                .replace("\"population.n_communities\"", "\"levers.outreach\"")
                .replace("[500, 1000]", "[0.1, 0.2]"),
        )
        .unwrap();
        s.make_quick().unwrap();
        assert_eq!(s.params_for(0, 0).n_communities, 23.0);
        // Citizens above the cap at two points: the same runs, refused.
        let mut s =
            parse("[experiment.sweep]\n\"population.n_citizens\" = [500, 2000, 5000]\n").unwrap();
        let e = s.make_quick().unwrap_err();
        assert!(
            e.to_string().contains(
                "sweep points population.n_citizens = 2000 and population.n_citizens = 5000"
            ),
            "{e}"
        );
    }

    #[test]
    fn range_sweeps_obey_the_type_and_count_rules() {
        let e =
            err("[experiment.sweep]\n\"levers.crowding_out\" = { from = 0, to = 1, step = 1 }\n");
        assert!(e.message.contains("allowed is true or false"), "{e}");
        let e = err(
            "[experiment.sweep]\n\"levers.outreach\" = { from = 0.0, to = 1.0, step = 1e-300 }\n",
        );
        assert!(e.message.contains("more than 100000"), "{e}");
    }

    #[test]
    fn param_sources_are_spelt_as_in_parameters_csv() {
        let words = [
            (ParamSource::Default, "default"),
            (ParamSource::Scenario, "scenario"),
            (ParamSource::Variant, "variant"),
            (ParamSource::Sweep, "sweep"),
            (ParamSource::Set, "set"),
            (ParamSource::Quick, "quick"),
        ];
        for (source, word) in words {
            assert_eq!(source.as_str(), word);
        }
    }

    #[test]
    fn quick_scales_a_swept_number_of_communities_only_when_the_cap_reaches_it() {
        // 2000 citizens and ring_degree 40 (42 citizens per community): --quick keeps 1000
        // citizens, room for 23 communities, and halves the citizens.
        let text = |values: &str| {
            format!(
                "[params.population]\nn_citizens = 2000\nring_degree = 40\n\
                 [experiment.sweep]\n\"population.n_communities\" = {values}\n"
            )
        };
        let quick = |values: &str| {
            let mut s = parse(&text(values)).unwrap();
            s.make_quick().unwrap();
            (
                s.params_for(0, 0).n_communities,
                s.params_for(0, 1).n_communities,
            )
        };
        // Every point fits under the cap: the sweep is kept as written.
        assert_eq!(quick("[20, 23]"), (20.0, 23.0));
        // A point above the cap: all points shrink with the citizens, staying apart.
        assert_eq!(quick("[20, 30]"), (10.0, 15.0));
    }

    #[test]
    fn inconsistencies_name_the_variant_and_the_sweep_point() {
        let starts = |text: &str, start: &str| {
            let e = err(text);
            assert!(e.message.starts_with(start), "{}", e.message);
        };
        let bad = "[params.citizens]\nshare_free_rider = 0.9\n";
        starts(bad, "inconsistent parameters: ");
        // The baseline is named once there are other variants to tell it from.
        starts(
            &format!("{bad}[[experiment.variants]]\nname = \"v\"\nparams.levers.outreach = 0.5\n"),
            "inconsistent parameters in variant `baseline`: ",
        );
        starts(
            "[[experiment.variants]]\nname = \"v\"\nparams.citizens.share_free_rider = 0.9\n",
            "inconsistent parameters in variant `v`: ",
        );
        starts(
            "[experiment.sweep]\n\"citizens.share_free_rider\" = [0.1, 0.9]\n",
            "inconsistent parameters in sweep point citizens.share_free_rider = 0.9: ",
        );
    }

    #[test]
    fn an_intervention_of_a_variant_holding_a_swept_lever_names_the_variant() {
        let e = err(
            "[experiment]\nsteps = 20\n[experiment.sweep]\n\"levers.outreach\" = [0.1, 0.9]\n\
             [[experiment.variants]]\nname = \"held\"\n[[experiment.variants.interventions]]\n\
             lever = \"levers.outreach\"\nvalue = 0.5\n",
        );
        assert!(
            e.message
                .starts_with("an intervention in variant `held` sets `levers.outreach`"),
            "{e}"
        );
        assert_eq!(e.location, Some((8, 9)));
        let hint = e.hint.unwrap_or_default();
        assert!(
            hint.starts_with("remove the lever from [experiment.sweep]"),
            "{hint}"
        );
    }

    #[test]
    fn unknown_keys_get_a_hint() {
        let hint = |text: &str| err(text).hint;
        // An experiment key at the top level: say where it belongs.
        assert_eq!(
            hint("name = \"x\"\nsteps = 10\n").as_deref(),
            Some("`steps` belongs in the [experiment] table: put it after an `[experiment]` line")
        );
        assert_eq!(
            hint("[experiment]\nstpes = 10\n").as_deref(),
            Some("did you mean `steps`?")
        );
        assert_eq!(
            hint("[experiment]\nzzzzzz = 10\n").as_deref(),
            Some("see docs/scenarios.md for the keys a scenario file may have")
        );
        // A syntax error is not about a key.
        assert_eq!(hint("[experiment\nsteps = 1\n"), None);
    }

    #[test]
    fn type_errors_name_the_key_on_their_line() {
        let e = err("[experiment]\nsteps = -1\n");
        assert_eq!(e.location, Some((2, 9)));
        assert_eq!(
            e.message,
            "invalid value for `experiment.steps`: integer `-1`, expected a whole number from 1 to 4294967295"
        );
        let e = err("[experiment]\nseed = \"one\"\n");
        assert!(
            e.message
                .starts_with("invalid type for `experiment.seed`: "),
            "{e}"
        );
        // Dotted as the range errors name it, whatever the spelling of the table's header.
        let e = err("[ \"experiment\" ] # the run\n\nreplications = \"x\"\n");
        assert!(
            e.message
                .starts_with("invalid type for `experiment.replications`: "),
            "{e}"
        );
        // serde reads a TOML date or time as a table; the reader wrote a date.
        let e = err("[experiment]\nseed = 1979-05-27\n");
        assert_eq!(
            e.message,
            "invalid type for `experiment.seed`: date or time, expected a whole number from 0 to \
             18446744073709551615"
        );
        let e = err("[experiment]\nsteps = 07:32:00\n");
        assert!(
            e.message
                .starts_with("invalid type for `experiment.steps`: date or time, expected"),
            "{e}"
        );
    }

    #[test]
    fn a_key_in_an_inline_table_is_named_from_the_parsed_file() {
        // The text before the value is `experiment = { steps =`, not a key: the key is
        // found in the parsed file rather than guessed from the line.
        let e = err("experiment = { steps = -1 }\n");
        assert_eq!(
            e.message,
            "invalid value for `experiment.steps`: integer `-1`, expected a whole number \
             from 1 to 4294967295"
        );
    }

    #[test]
    fn a_wrong_type_off_its_key_line_names_the_key() {
        // An item of a list, and a key of an inline table on a line of its own.
        let e = err("[validation]\nid = \"x\"\nmediators = [\"a\", 3]\n");
        assert_eq!(
            e.message,
            "invalid type for an item of `validation.mediators`: integer `3`, expected a string"
        );
        let e = err("[experiment]\nvariants = [\n  { name = 3 },\n]\n");
        assert_eq!(
            e.message,
            "invalid type for `experiment.variants.name`: integer `3`, expected a string"
        );
    }

    #[test]
    fn nesting_beyond_the_parser_limit_is_said_plainly() {
        let key = vec!["a"; 81].join(".");
        let e = err(&format!("[experiment]\nsteps = 10\n{key} = 1\n"));
        assert_eq!(e.location, Some((3, 1)));
        assert!(
            e.message
                .ends_with("has 81 dotted parts; allowed is at most 80"),
            "{e}"
        );
        let e = err(&format!("x = {}{}\n", "[".repeat(81), "]".repeat(81)));
        assert_eq!(e.location.map(|l| l.0), Some(1));
        assert_eq!(
            e.message,
            "lists and inline tables are nested more than 80 deep in the value of `x`; \
             allowed is at most 80 levels"
        );
        // 80 parts and levels are read (and refused for other reasons).
        let e = err(&format!("{} = 1\n", vec!["a"; 80].join(".")));
        assert!(!e.message.contains("dotted parts"), "{e}");
    }

    #[test]
    fn duplicate_keys_are_named() {
        let e = err("[experiment]\nsteps = 1\nsteps = 2\n");
        assert_eq!(e.location.map(|l| l.0), Some(3));
        assert_eq!(
            e.message,
            "duplicate key `steps`: a key can be given only once in its table"
        );
    }

    #[test]
    fn scenario_names_must_be_plain_folder_names() {
        let named = |name: &str| parse(&format!("name = \"{name}\"\n"));
        assert_eq!(named("my-study_v1.2").unwrap().name, "my-study_v1.2");
        assert_eq!(named(&"a".repeat(100)).unwrap().name.len(), 100);
        for (name, why) in [
            ("", "it is empty"),
            ("my study", "use ASCII letters"),
            ("a/b", "use ASCII letters"),
            (".hidden", "it must not start with `.`"),
            (&"a".repeat(101), "it has 101 characters, more than 100"),
        ] {
            let e = named(name).unwrap_err();
            assert_eq!(e.location, Some((1, 8)), "{name}");
            assert_eq!(e.message, format!("invalid scenario name \"{name}\""));
            let hint = e.hint.unwrap_or_default();
            assert!(hint.starts_with(why), "{name}: {hint}");
            assert!(!hint.contains("no `name` key"), "{hint}");
        }
        // Without a `name` key the file name is used; the hint offers the key.
        let e = Scenario::from_toml("", "my study.toml", "my study").unwrap_err();
        assert!(e.hint.unwrap_or_default().contains("no `name` key"));
    }

    #[test]
    fn variant_name_errors_say_what_is_wrong() {
        let message =
            |name: &str| err(&format!("[[experiment.variants]]\nname = \"{name}\"\n")).message;
        assert_eq!(message(" "), "a variant needs a name");
        assert!(message("baseline").contains("is reserved"));
        let e =
            err("[[experiment.variants]]\nname = \"a\"\n[[experiment.variants]]\nname = \"a\"\n");
        assert_eq!(e.message, "variant name \"a\" is used twice");
        // A name that would make chart file names longer than file systems allow.
        let long = "v".repeat(MAX_NAME_LEN + 1);
        assert_eq!(
            message(&long),
            "variant name has 101 characters: allowed is at most 100"
        );
        let longest = "v".repeat(MAX_NAME_LEN);
        assert!(parse(&format!("[[experiment.variants]]\nname = \"{longest}\"\n")).is_ok());
    }

    #[test]
    fn a_variant_may_not_set_a_swept_parameter() {
        let e = err("[experiment.sweep]\n\"levers.outreach\" = [0.1, 0.9]\n\
             [[experiment.variants]]\nname = \"v\"\nparams.levers.outreach = 0.5\n");
        assert_eq!(
            e.message,
            "variant `v` sets `levers.outreach`, which is also swept: the sweep would override \
             the variant's value in every run"
        );
        // At the variant's key, where the conflict is written.
        assert_eq!(e.location, Some((5, 15)));
        assert_eq!(
            e.hint.as_deref(),
            Some("remove `levers.outreach` from the variant or from [experiment.sweep]")
        );
    }

    #[test]
    fn a_file_may_ask_for_max_runs_but_no_more() {
        let s = parse("[experiment]\nreplications = 10000000\n").unwrap();
        assert_eq!(s.n_runs(), MAX_RUNS);
        let e = err("[experiment]\nreplications = 10000001\n");
        assert_eq!(e.location, Some((2, 16)));
        assert_eq!(
            e.message,
            "the experiment expands to 1 variant x 1 sweep point x 10000001 replications, \
             more than the 10000000 runs coprod accepts"
        );
    }

    #[test]
    fn an_inconsistency_is_pointed_at_a_quoted_name_or_the_sweep_entry() {
        // A quoted full name means what a table entry means, and is found as one.
        let e = err("[params]\n\"population.n_citizens\" = 10\n");
        assert_eq!(e.location, Some((2, 1)), "{e}");
        // A sweep point's inconsistency is at the sweep entry that gave the point, quoted or
        // dotted, also in a scenario with variants (the baseline's message names it).
        let sweep = "[experiment]\nsteps = 3\n[experiment.sweep]\n";
        let e = err(&format!("{sweep}\"population.n_citizens\" = [10, 100]\n"));
        assert_eq!(e.location, Some((4, 1)), "{e}");
        let e = err(&format!("{sweep}population.n_citizens = [10, 100]\n"));
        assert_eq!(e.location, Some((4, 12)), "{e}");
        let e = err(&format!(
            "{sweep}\"citizens.share_free_rider\" = [0.1, 0.9]\n\
             [[experiment.variants]]\nname = \"v\"\nparams.levers.outreach = 0.5\n"
        ));
        assert!(e.message.contains("variant `baseline`"), "{e}");
        assert_eq!(e.location, Some((4, 1)), "{e}");
    }

    #[test]
    fn a_sweep_range_without_from_is_a_range_not_a_section() {
        let sweep = "[experiment]\nsteps = 3\n[experiment.sweep]\n";
        for range in [
            "\"levers.outreach\" = { to = 1.0, step = 0.5 }\n",
            "\"levers.outreach\" = { to = 1.0 }\n",
            "levers.outreach = { step = 0.5, to = 1.0 }\n",
            "[experiment.sweep.levers.outreach]\nto = 1.0\nstep = 0.5\n",
        ] {
            let e = err(&format!("{sweep}{range}"));
            assert!(
                e.message.contains(
                    "the sweep range over `levers.outreach` needs `from`, `to` and `step`"
                ),
                "{range}: {e}"
            );
        }
        // A key that is no part of a range is named as such, not as a parameter.
        let e = err(&format!(
            "{sweep}\"levers.outreach\" = {{ low = 0.0, high = 1.0 }}\n"
        ));
        assert!(
            e.message
                .contains("unknown key `high` in the sweep range over `levers.outreach`"),
            "{e}"
        );
    }

    #[test]
    fn an_inconsistent_variant_is_pointed_at() {
        let e =
            err("[[experiment.variants]]\nname = \"v\"\nparams.citizens.share_free_rider = 0.9\n");
        assert_eq!(e.location.map(|l| l.0), Some(1), "{e}");
    }

    #[test]
    fn an_intervention_ending_before_it_starts_is_refused_at_until_step() {
        let e = err(
            "[[interventions]]\nlever = \"levers.outreach\"\nvalue = 0.5\nfrom_step = 5\nuntil_step = 5\n",
        );
        assert_eq!(e.location, Some((5, 14)));
        // Equal bounds are not "ends before it starts": the message gives the allowed range.
        assert_eq!(
            e.message,
            "invalid value 5 for `until_step` of the intervention on `levers.outreach`: allowed \
             is a whole number from 6 (from_step + 1) to 4294967295, since the intervention is \
             in force at steps from_step <= step < until_step"
        );
        // The hint is about the window, not about levers.
        assert!(e.hint.unwrap().contains("in force at no step"));
    }

    #[test]
    fn an_intervention_from_the_largest_step_allows_no_until_step() {
        let e = err(
            "[[interventions]]\nlever = \"levers.outreach\"\nvalue = 0.5\nfrom_step = \
             4294967295\nuntil_step = 12\n",
        );
        assert_eq!(e.location, Some((5, 14)));
        // No empty range "from 4294967296 to 4294967295".
        assert_eq!(
            e.message,
            "invalid value 12 for `until_step` of the intervention on `levers.outreach`: no \
             until_step is allowed with from_step = 4294967295, the largest step a scenario \
             can name, since the intervention is in force at steps from_step <= step < \
             until_step"
        );
        assert!(e.hint.unwrap().contains("leave until_step out"));
    }

    #[test]
    fn sweep_hints_show_allowed_values_of_the_parameter() {
        let hint = |name: &str, value: &str| {
            err(&format!("[experiment.sweep]\n\"{name}\" = {value}\n"))
                .hint
                .unwrap_or_default()
        };
        // A real range: its ends and middle.
        assert_eq!(
            hint("join.base", "3"),
            "write `\"join.base\" = [-20, 0, 20]` or `\"join.base\" = { from = -20, to = 20, \
             step = 20 }`; a single value belongs in [params]"
        );
        // Whole numbers from the minimum, or by twos where only even numbers are allowed.
        assert_eq!(
            hint("population.n_citizens", "3"),
            "write `\"population.n_citizens\" = [4, 5, 6]` or `\"population.n_citizens\" = \
             { from = 4, to = 6, step = 1 }`; a single value belongs in [params]"
        );
        assert!(
            hint("population.ring_degree", "[6]")
                .ends_with("`\"population.ring_degree\" = [2, 4, 6]`"),
            "{}",
            hint("population.ring_degree", "[6]")
        );
        assert!(hint("lab.lab_group_size", "[6]").ends_with("= [2, 3, 4]`"));
        assert!(hint("levers.group_size_cap", "[6]").ends_with("= [1, 2, 3]`"));
    }

    #[test]
    fn nested_sweep_tables_name_parameters_too() {
        let s = parse("[experiment.sweep.levers]\noutreach = [0.1, 0.2]\n").unwrap();
        assert_eq!(s.sweep[0].name(), "levers.outreach");
        assert_eq!(s.sweep[0].values, vec![0.1, 0.2]);
    }

    #[test]
    fn sweep_ranges_are_checked_before_they_are_expanded() {
        let range = |r: &str| format!("[experiment.sweep]\n\"levers.outreach\" = {{ {r} }}\n");
        let s = parse(&range("from = 0.2, to = 0.4, step = 0.1")).unwrap();
        assert_eq!(s.sweep[0].values, vec![0.2, 0.3, 0.4]);
        for (r, message) in [
            (
                "from = 0, to = inf, step = 0.1",
                "`to` of the sweep over `levers.outreach` must be a number, not inf",
            ),
            (
                "from = 0, to = 1, step = 0",
                "the sweep range over `levers.outreach` needs `step` > 0 and `from` <= `to`",
            ),
            (
                "from = 0.5, to = 0.1, step = 0.1",
                "the sweep range over `levers.outreach` needs `step` > 0 and `from` <= `to`",
            ),
            (
                "from = 0.5, to = 0.5, step = 0.1",
                "sweep over `levers.outreach` has a single value",
            ),
        ] {
            assert_eq!(err(&range(r)).message, message, "{r}");
        }
        // `lab.lab_group_size` allows 2 to 1000: were the count not checked first, these
        // ranges would still fail fast on their first value above 1000.
        let group_size = |to: &str| {
            err(&format!(
                "[experiment.sweep]\n\"lab.lab_group_size\" = {{ from = 2, to = {to}, step = 1 }}\n"
            ))
            .message
        };
        assert!(group_size("200001").contains("has 200000 values, more than 100000"));
        assert!(group_size("1000000000000001").contains("has about 1e15 values"));
        assert!(group_size("1e20").contains("has about 1e20 values"));
        assert!(group_size("3.5e20").contains("has about 3.5e20 values"));
        let tiny =
            "[experiment.sweep]\n\"levers.outreach\" = { from = 0, to = 1, step = 1e-300 }\n";
        assert!(
            err(tiny).message.contains("has about 1e300 values"),
            "{}",
            err(tiny).message
        );
    }

    #[test]
    fn a_range_may_have_exactly_the_most_values_of_an_axis() {
        // Through `range_values` itself: a whole scenario would also check 100 000 points.
        let loc = Locator::new("t.toml", "");
        let spec = Params::lookup("population.n_citizens").unwrap().1;
        let range: toml::Table = toml::from_str("from = 4\nto = 100003\nstep = 1\n").unwrap();
        let values = range_values(&loc, &[], spec, &range).unwrap();
        assert_eq!(values.len(), MAX_AXIS_VALUES);
    }

    #[test]
    fn integers_beyond_toml_in_experiment_say_what_is_allowed() {
        let e = err("[experiment]\nsteps = 99999999999999999999\n");
        assert_eq!(
            e.message,
            "invalid value 99999999999999999999 for `experiment.steps`: allowed is a whole \
             number from 1 to 4294967295"
        );
        let e = err("[experiment]\nseed = 99999999999999999999\n");
        assert_eq!(
            e.message,
            "invalid value 99999999999999999999 for `experiment.seed`: allowed is a whole \
             number from 0 to 18446744073709551615"
        );
        // The largest seed it names is accepted.
        let top = "[experiment]\nseed = 18446744073709551615\n";
        assert_eq!(
            Scenario::from_toml(top, "s.toml", "s").unwrap().seed,
            u64::MAX
        );
    }

    #[test]
    fn integers_beyond_toml_name_the_full_key_and_range() {
        for (text, key) in [
            (
                "[params.population]\nn_citizens = 99999999999999999999\n",
                "population.n_citizens",
            ),
            (
                "[experiment.sweep]\n\"levers.group_size_cap\" = [2, 99999999999999999999]\n",
                "levers.group_size_cap",
            ),
            (
                "[experiment.sweep]\n\"levers.group_size_cap\" = { from = 2, to = 99999999999999999999, step = 1 }\n",
                "levers.group_size_cap",
            ),
            (
                "[[interventions]]\nlever = \"levers.group_size_cap\"\nvalue = 99999999999999999999\n",
                "levers.group_size_cap",
            ),
            (
                "[experiment]\nreplications = 99999999999999999999\n",
                "experiment.replications",
            ),
        ] {
            let e = err(text);
            assert!(
                e.message.starts_with(&format!(
                    "invalid value 99999999999999999999 for `{key}`: allowed is"
                )),
                "{e}"
            );
        }
    }
}
