//! The optional `[validation]` table of a scenario: which claim of the literature review the
//! scenario tests, on which metric, in which direction, and which mechanism switches an
//! ablation turns off. Used by `coprod validate` (files in `scenarios/validation/`).
//!
//! Owns the meaning of the table; the statistics live in `coprod-validate`.

use coprod_core::{Kind, Mediator, Params, summary_names};

use crate::schema::RawValidation;

/// What result the claim predicts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// The treatment (or the highest dose) raises the metric.
    Increase,
    /// The treatment (or the highest dose) lowers the metric.
    Decrease,
    /// The metric peaks at an interior dose of the sweep.
    InteriorOptimum,
    /// The treatment changes the metric by less than the SESOI either way (equivalence).
    NoEffect,
}

impl Direction {
    /// The word used in scenario files and outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Increase => "increase",
            Direction::Decrease => "decrease",
            Direction::InteriorOptimum => "interior_optimum",
            Direction::NoEffect => "no_effect",
        }
    }
}

/// How an error names the comparison when the `[validation]` table has no `comparison` key,
/// so that a deleted key is not a riddle: one wording for every refusal that names it.
pub(crate) const DEFAULT_COMPARISON_NAMED: &str =
    "the default comparison, \"paired\" (the [validation] table has no `comparison`),";

/// How the effect is estimated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    /// Variant `treatment` against the baseline, paired by replication.
    Paired,
    /// The single sweep axis as a dose series: last dose against first (or interior optimum).
    Dose,
    /// Citizen-level regression of participation on efficacy and resource group (P5):
    /// effect = |standardised efficacy coefficient| - |standardised resource coefficient|.
    EfficacyVersusResources,
    /// Regression across organisations of opportunities opened next step on trust (E2):
    /// effect = standardised slope.
    TrustPredictsOpportunities,
    /// Two levers in a 2x2 design with variants `a`, `b` and `ab` against the baseline:
    /// effect = (ab - b) - (a - baseline), positive when the levers reinforce each other.
    Interaction,
}

/// A validated `[validation]` table.
#[derive(Clone, Debug, PartialEq)]
pub struct Validation {
    /// Proposition id, e.g. `P3`.
    pub id: String,
    /// The claim in words.
    pub claim: String,
    /// `micro`, `emergent`, `micro+emergent`, or `exploratory`.
    pub kind: String,
    /// End-of-run metric (a name from `coprod_core::summary_names`), unused by regressions.
    pub metric: String,
    /// Predicted result.
    pub direction: Direction,
    /// How the effect is estimated.
    pub comparison: Comparison,
    /// Channel parameters set to `false` in the ablation experiment (empty: no ablation).
    pub ablation: Vec<String>,
    /// Exploratory rows report an effect but no verdict.
    pub exploratory: bool,
    /// The pre-registered design, once registered (docs/validation.md).
    pub registration: Option<Registration>,
}

/// Whether the model states a claim in a rule or must produce it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimClass {
    /// A micro rule states the claim (or one step before it): a sanity check, not evidence.
    Assumption,
    /// The claim must arise from mechanisms that do not state it.
    Derived,
}

impl ClaimClass {
    /// The word used in scenario files and outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimClass::Assumption => "assumption",
            ClaimClass::Derived => "derived",
        }
    }
}

/// The pre-registered design of a validation experiment, fixed before its verdict runs.
#[derive(Clone, Debug, PartialEq)]
pub struct Registration {
    /// Registered hypothesis: assumption or derived.
    pub class: ClaimClass,
    /// The micro rule(s) stating the claim, with their empirical source ("" if none).
    pub encoded_by: String,
    /// Smallest effect of substantive interest, in the metric's units (> 0).
    pub sesoi: f64,
    /// Why that size matters.
    pub sesoi_reason: String,
    /// Last step of the read-out window (runs last exactly this many steps).
    pub horizon: u32,
    /// The metric is averaged over the last `window` steps up to `horizon`.
    pub window: u32,
    /// State held at the control trajectory for the controlled direct effect.
    pub mediators: Vec<Mediator>,
    /// Why these mediators, and why the rest is the direct path.
    pub mediators_reason: String,
    /// Target power of the replication count (default 0.9).
    pub power: f64,
}

/// Target power when `power` is absent.
pub const DEFAULT_POWER: f64 = 0.9;

/// Checks a raw table; on error returns (field, message).
pub(crate) fn validate(raw: &RawValidation) -> Result<Validation, (&'static str, String)> {
    if raw.id.trim().is_empty() {
        return Err(("id", "a validation needs an `id`".into()));
    }
    let direction = direction(&raw.direction)?;
    let comparison = comparison(raw.comparison.as_deref())?;
    check_direction_fits(direction, comparison, raw.comparison.is_some())?;
    if !comparison.is_regression() {
        check_metric(&raw.metric)?;
    }
    check_ablation(&raw.ablation)?;
    let kind = kind(&raw.kind)?;
    let registration = registration(raw)?;
    if let Some(r) = &registration {
        check_nothing_held_by_a_regression(r, comparison)?;
    }
    Ok(Validation {
        id: raw.id.trim().to_string(),
        claim: raw.claim.trim().to_string(),
        kind: kind.clone(),
        metric: raw.metric.clone(),
        direction,
        comparison,
        ablation: raw.ablation.clone(),
        exploratory: kind == "exploratory",
        registration,
    })
}

/// `direction`: one of the four words.
fn direction(word: &str) -> Result<Direction, FieldError> {
    match word {
        "increase" => Ok(Direction::Increase),
        "decrease" => Ok(Direction::Decrease),
        "interior_optimum" => Ok(Direction::InteriorOptimum),
        "no_effect" => Ok(Direction::NoEffect),
        other => Err((
            "direction",
            format!(
                "unknown direction \"{other}\": allowed are \"increase\", \"decrease\", \
                 \"interior_optimum\", \"no_effect\""
            ),
        )),
    }
}

/// `comparison`: one of [`Comparison::ALL`], paired when absent.
fn comparison(given: Option<&str>) -> Result<Comparison, FieldError> {
    let name = given.unwrap_or("paired");
    Comparison::ALL
        .into_iter()
        .find(|c| c.as_str() == name)
        .ok_or_else(|| {
            let allowed: Vec<String> = Comparison::ALL
                .iter()
                .map(|c| format!("\"{}\"", c.as_str()))
                .collect();
            (
                "comparison",
                format!(
                    "unknown comparison \"{name}\": allowed are {}",
                    allowed.join(", ")
                ),
            )
        })
}

/// `metric`, which a comparison of two arms needs: an end-of-run metric.
fn check_metric(metric: &str) -> Result<(), FieldError> {
    if metric.is_empty() {
        return Err((
            "metric",
            "a validation needs a `metric`: an end-of-run metric of docs/outputs.md".into(),
        ));
    }
    if !summary_names().iter().any(|(n, _, _)| *n == metric) {
        return Err((
            "metric",
            format!("unknown metric \"{metric}\": use an end-of-run metric of docs/outputs.md"),
        ));
    }
    Ok(())
}

/// `ablation`: mechanism switches only (the `channels.*` parameters that are on or off).
fn check_ablation(ablation: &[String]) -> Result<(), FieldError> {
    for name in ablation {
        let ok = name.starts_with("channels.")
            && Params::lookup(name).is_ok_and(|(_, spec)| spec.kind == Kind::Bool);
        if !ok {
            return Err((
                "ablation",
                format!("\"{name}\" is not a mechanism switch: use a `channels.*` parameter"),
            ));
        }
    }
    Ok(())
}

/// `kind`, trimmed: empty or one of the kinds of claim.
fn kind(raw: &str) -> Result<String, FieldError> {
    let kind = raw.trim().to_string();
    let kinds = ["micro", "emergent", "micro+emergent", "exploratory"];
    if !kind.is_empty() && !kinds.contains(&kind.as_str()) {
        return Err((
            "kind",
            format!("unknown kind \"{kind}\": allowed are {}", kinds.join(", ")),
        ));
    }
    Ok(kind)
}

type FieldError = (&'static str, String);

impl Comparison {
    /// Every comparison, in the order the allowed values are listed.
    const ALL: [Comparison; 5] = [
        Comparison::Paired,
        Comparison::Dose,
        Comparison::EfficacyVersusResources,
        Comparison::TrustPredictsOpportunities,
        Comparison::Interaction,
    ];

    /// The word used in scenario files and outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Comparison::Paired => "paired",
            Comparison::Dose => "dose",
            Comparison::EfficacyVersusResources => "efficacy_vs_resources",
            Comparison::TrustPredictsOpportunities => "trust_predicts_opportunities",
            Comparison::Interaction => "interaction",
        }
    }

    /// A regression within one run: a single arm, so no control to hold mediators at.
    pub fn is_regression(self) -> bool {
        matches!(
            self,
            Comparison::EfficacyVersusResources | Comparison::TrustPredictsOpportunities
        )
    }
}

/// Only a dose series has doses to find an interior optimum among: any other comparison
/// gives one difference, which the verdict would judge as "increase" while the outputs say
/// "interior_optimum".
fn check_direction_fits(
    direction: Direction,
    comparison: Comparison,
    given: bool,
) -> Result<(), FieldError> {
    if direction != Direction::InteriorOptimum || comparison == Comparison::Dose {
        return Ok(());
    }
    let which = if given {
        format!("comparison = \"{}\"", comparison.as_str())
    } else {
        DEFAULT_COMPARISON_NAMED.to_string()
    };
    Err((
        "direction",
        format!(
            "direction = \"interior_optimum\" needs comparison = \"dose\" (a sweep of at \
             least 3 values), but {which} gives a single difference: use \"dose\", or \
             \"increase\", \"decrease\" or \"no_effect\""
        ),
    ))
}

/// A regression runs one arm and has no control trajectory to hold mediators at: a
/// registered mediator would be silently ignored.
fn check_nothing_held_by_a_regression(
    registration: &Registration,
    comparison: Comparison,
) -> Result<(), FieldError> {
    if !comparison.is_regression() || registration.mediators.is_empty() {
        return Ok(());
    }
    Err((
        "mediators",
        format!(
            "comparison = \"{}\" is a regression within one run, with no control run to \
             hold mediators at: `mediators` must be empty ([]), and mediators_reason say why",
            comparison.as_str()
        ),
    ))
}

/// The registration fields: all required ones present, or none (not yet registered).
fn registration(raw: &RawValidation) -> Result<Option<Registration>, FieldError> {
    if !registered(raw)? {
        return Ok(None);
    }
    let class = class(raw.class.as_deref().unwrap_or_default())?;
    check_text_given(raw, class)?;
    let sesoi = sesoi(raw.sesoi.as_ref())?;
    let horizon = integer(raw.horizon.as_ref(), "horizon", 1, 100_000)?;
    let window = integer(raw.window.as_ref(), "window", 1, horizon)?;
    let power = power(raw.power.as_ref())?;
    let mediators = mediators(raw.mediators.as_deref().unwrap_or_default())?;
    let text = |v: &Option<String>| v.as_deref().unwrap_or_default().trim().to_string();
    Ok(Some(Registration {
        class,
        encoded_by: text(&raw.encoded_by),
        sesoi,
        sesoi_reason: text(&raw.sesoi_reason),
        horizon,
        window,
        mediators,
        mediators_reason: text(&raw.mediators_reason),
        power,
    }))
}

/// Whether the validation is registered: false with none of the registration fields,
/// true with all the required ones, an error naming the first missing one otherwise.
fn registered(raw: &RawValidation) -> Result<bool, FieldError> {
    let present = [
        ("class", raw.class.is_some()),
        ("encoded_by", raw.encoded_by.is_some()),
        ("sesoi", raw.sesoi.is_some()),
        ("sesoi_reason", raw.sesoi_reason.is_some()),
        ("horizon", raw.horizon.is_some()),
        ("window", raw.window.is_some()),
        ("mediators", raw.mediators.is_some()),
        ("mediators_reason", raw.mediators_reason.is_some()),
    ];
    if present.iter().all(|(_, p)| !p) && raw.power.is_none() {
        return Ok(false);
    }
    if let Some((missing, _)) = present.iter().find(|(_, p)| !p) {
        let all: Vec<&str> = present.iter().map(|(n, _)| *n).collect();
        return Err((
            missing,
            format!(
                "a registered validation needs `{missing}` (registration fields: {}, and \
                 optionally power)",
                all.join(", ")
            ),
        ));
    }
    Ok(true)
}

/// `class`: assumption or derived.
fn class(word: &str) -> Result<ClaimClass, FieldError> {
    match word {
        "assumption" => Ok(ClaimClass::Assumption),
        "derived" => Ok(ClaimClass::Derived),
        other => Err((
            "class",
            format!("unknown class \"{other}\": allowed are \"assumption\", \"derived\""),
        )),
    }
}

/// `sesoi`: a positive number in the metric's units.
fn sesoi(v: Option<&toml::Value>) -> Result<f64, FieldError> {
    let sesoi = number(v, "sesoi")?;
    if !(sesoi.is_finite() && sesoi > 0.0) {
        return Err((
            "sesoi",
            format!("sesoi = {sesoi} must be a positive number in the metric's units"),
        ));
    }
    Ok(sesoi)
}

/// `power`: from 0.5 to 0.999, [`DEFAULT_POWER`] when absent.
fn power(v: Option<&toml::Value>) -> Result<f64, FieldError> {
    let power = match v {
        None => DEFAULT_POWER,
        Some(v) => number(Some(v), "power")?,
    };
    if !(0.5..=0.999).contains(&power) {
        return Err((
            "power",
            format!("power = {power} is out of range: allowed 0.5 to 0.999"),
        ));
    }
    Ok(power)
}

/// `mediators`: known ones that can be held agent by agent, none twice.
fn mediators(names: &[String]) -> Result<Vec<Mediator>, FieldError> {
    let mut mediators = Vec::new();
    for name in names {
        let m = Mediator::from_name(name).ok_or_else(|| {
            let names: Vec<&str> = Mediator::ALL.iter().map(|m| m.name()).collect();
            (
                "mediators",
                format!(
                    "unknown mediator \"{name}\": allowed are {}",
                    names.join(", ")
                ),
            )
        })?;
        if !m.holdable() {
            return Err((
                "mediators",
                format!(
                    "mediator \"{name}\" cannot be held agent by agent (docs/validation.md): \
                     leave it out and say so in mediators_reason"
                ),
            ));
        }
        if mediators.contains(&m) {
            return Err(("mediators", format!("mediator \"{name}\" is listed twice")));
        }
        mediators.push(m);
    }
    Ok(mediators)
}

/// A key present with blank text is a partial registration that looks complete: the
/// reasons are what a referee reads the design by. `encoded_by` may be blank only for a
/// derived claim, where it says that no rule states the claim.
fn check_text_given(raw: &RawValidation, class: ClaimClass) -> Result<(), FieldError> {
    let blank = |text: &Option<String>| text.as_deref().unwrap_or_default().trim().is_empty();
    let reasons = [
        ("sesoi_reason", &raw.sesoi_reason, "why that size matters"),
        (
            "mediators_reason",
            &raw.mediators_reason,
            "why these mediators carry the feedback and the rest is the direct path",
        ),
    ];
    if let Some((field, _, what)) = reasons.into_iter().find(|(_, text, _)| blank(text)) {
        return Err((
            field,
            format!("`{field}` is empty: a registered validation says {what}"),
        ));
    }
    if class == ClaimClass::Assumption && blank(&raw.encoded_by) {
        return Err((
            "encoded_by",
            "`encoded_by` is empty: a claim classed \"assumption\" names the rule that states \
             it (only a \"derived\" claim, which no rule states, leaves it empty)"
                .into(),
        ));
    }
    Ok(())
}

fn number(v: Option<&toml::Value>, field: &'static str) -> Result<f64, FieldError> {
    match v {
        Some(toml::Value::Float(x)) => Ok(*x),
        Some(toml::Value::Integer(i)) => Ok(*i as f64),
        _ => Err((field, format!("`{field}` must be a number"))),
    }
}

fn integer(
    v: Option<&toml::Value>,
    field: &'static str,
    min: u32,
    max: u32,
) -> Result<u32, FieldError> {
    match v {
        Some(toml::Value::Integer(i)) if (i64::from(min)..=i64::from(max)).contains(i) => {
            Ok(*i as u32)
        }
        _ => Err((
            field,
            format!("`{field}` must be a whole number of steps from {min} to {max}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Scenario, ScenarioError};

    const HEAD: &str = "[validation]\nid = \"T1\"\nmetric = \"participation_rate\"\n\
                        direction = \"increase\"\ncomparison = \"paired\"\n";
    const REGISTERED: &str = "class = \"derived\"\nencoded_by = \"\"\nsesoi = 0.005\n\
         sesoi_reason = \"half a point\"\nhorizon = 240\nwindow = 24\n\
         mediators = [\"citizen_trust\", \"contagion\"]\nmediators_reason = \"feedback\"\n";
    const TAIL: &str = "[[experiment.variants]]\nname = \"treatment\"\n\
                        params.levers.outreach = 0.5\n";

    const DOSES: &str = "[experiment.sweep]\n\"levers.group_size_cap\" = [2, 6, 40]\n";

    fn parse(registration: &str) -> Result<Scenario, ScenarioError> {
        Scenario::from_toml(&format!("{HEAD}{registration}{TAIL}"), "t.toml", "t")
    }

    #[test]
    fn unregistered_validation_still_parses() {
        let s = parse("").unwrap();
        assert_eq!(s.validation.unwrap().registration, None);
    }

    #[test]
    fn registration_fields_are_read() {
        let r = parse(REGISTERED)
            .unwrap()
            .validation
            .unwrap()
            .registration
            .unwrap();
        assert_eq!(r.class, ClaimClass::Derived);
        assert_eq!(r.sesoi, 0.005);
        assert_eq!((r.horizon, r.window), (240, 24));
        assert_eq!(
            r.mediators,
            vec![Mediator::CitizenTrust, Mediator::Contagion]
        );
        assert_eq!(r.power, DEFAULT_POWER);
    }

    #[test]
    fn bad_values_name_line_key_and_range() {
        let cases = [
            ("sesoi = 0.005", "sesoi = -1", 8, "positive"),
            ("horizon = 240", "horizon = 0", 10, "from 1 to 100000"),
            ("window = 24", "window = 300", 11, "from 1 to 240"),
            (
                "class = \"derived\"",
                "class = \"emergent\"",
                6,
                "\"assumption\"",
            ),
            (
                "\"contagion\"",
                "\"gossip\"",
                12,
                "unknown mediator \"gossip\"",
            ),
            ("\"contagion\"", "\"membership\"", 12, "cannot be held"),
            ("\"contagion\"", "\"citizen_trust\"", 12, "listed twice"),
        ];
        for (from, to, line, words) in cases {
            let e = parse(&REGISTERED.replace(from, to)).expect_err(to);
            assert_eq!(e.location.map(|l| l.0), Some(line), "{to}: {e:?}");
            assert!(e.message.contains(words), "{to}: {}", e.message);
        }
        let e = parse(&format!("{REGISTERED}power = 1.5\n")).unwrap_err();
        assert!(e.message.contains("0.5 to 0.999"), "{}", e.message);
    }

    #[test]
    fn a_partial_registration_names_the_missing_field() {
        let e = parse(&REGISTERED.replace("window = 24\n", "")).unwrap_err();
        assert!(e.message.contains("needs `window`"), "{}", e.message);
        assert!(e.location.is_some());
    }

    #[test]
    fn words_in_outputs_are_spelt_as_in_scenario_files() {
        // Outputs write these words; `coprod validate` and readers match on them.
        let directions = [
            (Direction::Increase, "increase"),
            (Direction::Decrease, "decrease"),
            (Direction::InteriorOptimum, "interior_optimum"),
            (Direction::NoEffect, "no_effect"),
        ];
        for (direction, word) in directions {
            assert_eq!(direction.as_str(), word);
            let text = if direction == Direction::InteriorOptimum {
                format!("{HEAD}{DOSES}").replace("\"paired\"", "\"dose\"")
            } else {
                format!("{HEAD}{TAIL}")
            };
            let text = text.replace("\"increase\"", &format!("\"{word}\""));
            let v = Scenario::from_toml(&text, "t.toml", "t").unwrap();
            assert_eq!(v.validation.unwrap().direction, direction);
        }
        assert_eq!(ClaimClass::Assumption.as_str(), "assumption");
        assert_eq!(ClaimClass::Derived.as_str(), "derived");
    }

    #[test]
    fn a_missing_metric_or_comparison_is_named_as_missing() {
        let no_metric = format!("{HEAD}{TAIL}").replace("metric = \"participation_rate\"\n", "");
        let e = Scenario::from_toml(&no_metric, "t.toml", "t").unwrap_err();
        assert!(
            e.message.starts_with("a validation needs a `metric`"),
            "{}",
            e.message
        );
        // Without `comparison` the comparison is "paired", which needs a treatment variant.
        let no_comparison = HEAD.replace("comparison = \"paired\"\n", "");
        let e = Scenario::from_toml(&no_comparison, "t.toml", "t").unwrap_err();
        assert_eq!(
            e.message,
            "the default comparison, \"paired\" (the [validation] table has no `comparison`), \
             needs a variant named \"treatment\""
        );
        assert_eq!(e.location.map(|l| l.0), Some(1));
        let e = Scenario::from_toml(HEAD, "t.toml", "t").unwrap_err();
        assert!(
            e.message.starts_with("this comparison needs"),
            "{}",
            e.message
        );
    }

    #[test]
    fn the_metric_must_be_known_unless_a_regression_ignores_it() {
        let bad_metric = format!("{HEAD}{TAIL}").replace("participation_rate", "no_such_metric");
        let e = Scenario::from_toml(&bad_metric, "t.toml", "t").unwrap_err();
        assert!(e.message.contains("unknown metric"), "{}", e.message);
        assert_eq!(e.location.map(|l| l.0), Some(3));
        // A regression comparison estimates its own effect and does not read the metric (it
        // runs the baseline alone, so a variant would be refused).
        let regression = bad_metric
            .replace("\"paired\"", "\"efficacy_vs_resources\"")
            .replace(TAIL, "");
        let v = Scenario::from_toml(&regression, "t.toml", "t").unwrap();
        assert_eq!(
            v.validation.unwrap().comparison,
            Comparison::EfficacyVersusResources
        );
    }

    #[test]
    fn ablations_name_channel_switches_only() {
        let v = parse("ablation = [\"channels.peer_monitoring\"]\n")
            .unwrap()
            .validation
            .unwrap();
        assert_eq!(v.ablation, vec!["channels.peer_monitoring".to_string()]);
        // A switch outside `channels.`, or a `channels.` name that is no parameter.
        for name in ["levers.crowding_out", "channels.no_such_switch"] {
            let e = parse(&format!("ablation = [\"{name}\"]\n")).unwrap_err();
            assert!(e.message.contains("not a mechanism switch"), "{name}: {e}");
        }
    }

    #[test]
    fn kinds_are_checked_and_exploratory_rows_get_no_verdict() {
        let kind = |k: &str| parse(&format!("kind = \"{k}\"\n")).map(|s| s.validation.unwrap());
        let micro = kind(" micro ").unwrap();
        assert_eq!(micro.kind, "micro");
        assert!(!micro.exploratory);
        assert!(kind("exploratory").unwrap().exploratory);
        assert!(kind("micro+emergent").is_ok());
        let e = kind("macro").unwrap_err();
        assert!(
            e.message.contains("unknown kind \"macro\""),
            "{}",
            e.message
        );
    }

    #[test]
    fn a_sesoi_of_zero_is_refused() {
        // An equivalence margin of 0 would make every effect "substantive".
        let e = parse(&REGISTERED.replace("sesoi = 0.005", "sesoi = 0")).unwrap_err();
        assert!(e.message.contains("positive"), "{}", e.message);
    }

    #[test]
    fn each_comparison_needs_its_own_experiment() {
        let with = |comparison: &str, experiment: &str| {
            let head = HEAD.replace("\"paired\"", &format!("\"{comparison}\""));
            Scenario::from_toml(&format!("{head}{experiment}"), "t.toml", "t")
        };
        let variants = |names: &[&str]| -> String {
            names
                .iter()
                .map(|n| {
                    format!(
                        "[[experiment.variants]]\nname = \"{n}\"\nparams.levers.outreach = 0.5\n"
                    )
                })
                .collect()
        };
        let one_axis = "[experiment.sweep]\n\"levers.outreach\" = [0.1, 0.5]\n";
        let two_axes = format!("{one_axis}\"levers.group_size_cap\" = [4, 8]\n");
        with("paired", &variants(&["treatment"])).unwrap();
        with("dose", one_axis).unwrap();
        with("interaction", &variants(&["a", "b", "ab"])).unwrap();
        for (comparison, experiment, need) in [
            (
                "paired",
                variants(&["control"]),
                "a variant named \"treatment\"",
            ),
            ("dose", String::new(), "exactly one sweep axis"),
            ("dose", two_axes, "exactly one sweep axis"),
            (
                "interaction",
                variants(&["a", "b"]),
                "variants named \"a\", \"b\" and \"ab\"",
            ),
        ] {
            let e = with(comparison, &experiment).unwrap_err();
            assert_eq!(
                e.message,
                format!("this comparison needs {need}"),
                "{comparison}"
            );
            // At the `comparison` value.
            assert_eq!(e.location, Some((5, 14)), "{comparison}");
        }
    }

    /// An interior optimum is judged among the doses of a sweep; any other comparison gives
    /// one difference, which the verdict would judge as "increase" under the name
    /// "interior_optimum".
    #[test]
    fn an_interior_optimum_needs_a_dose_comparison() {
        let optimum = |comparison: &str, experiment: &str| {
            let head = HEAD
                .replace("\"increase\"", "\"interior_optimum\"")
                .replace("\"paired\"", &format!("\"{comparison}\""));
            Scenario::from_toml(&format!("{head}{experiment}"), "t.toml", "t")
        };
        let ab = "[[experiment.variants]]\nname = \"a\"\nparams.levers.outreach = 0.5\n\
                  [[experiment.variants]]\nname = \"b\"\nparams.levers.outreach = 0.6\n\
                  [[experiment.variants]]\nname = \"ab\"\nparams.levers.outreach = 0.7\n";
        for (comparison, experiment) in [
            ("paired", TAIL),
            ("interaction", ab),
            ("efficacy_vs_resources", ""),
            ("trust_predicts_opportunities", ""),
        ] {
            let e = optimum(comparison, experiment).unwrap_err();
            assert_eq!(
                e.location,
                Some((4, 13)),
                "{comparison}: at the direction's value"
            );
            assert!(
                e.message.starts_with(&format!(
                    "direction = \"interior_optimum\" needs comparison = \"dose\" (a sweep of \
                     at least 3 values), but comparison = \"{comparison}\" gives a single \
                     difference"
                )),
                "{comparison}: {}",
                e.message
            );
        }
        // Without `comparison` the default, "paired", is named as the default.
        let head = HEAD
            .replace("\"increase\"", "\"interior_optimum\"")
            .replace("comparison = \"paired\"\n", "");
        let e = Scenario::from_toml(&format!("{head}{TAIL}"), "t.toml", "t").unwrap_err();
        assert!(
            e.message.contains("but the default comparison"),
            "{}",
            e.message
        );
        // A dose series needs 3 doses or more, in order, for a dose strictly inside.
        let v = optimum("dose", DOSES).unwrap().validation.unwrap();
        assert_eq!(v.direction, Direction::InteriorOptimum);
        optimum("dose", &DOSES.replace("[2, 6, 40]", "[40, 6, 2]")).unwrap();
        for (doses, found) in [
            ("[2, 40]", "it has 2"),
            (
                "[2, 40, 6]",
                "they are not in increasing or decreasing order",
            ),
        ] {
            let e = optimum("dose", &DOSES.replace("[2, 6, 40]", doses)).unwrap_err();
            assert_eq!(e.location, Some((4, 13)), "{doses}");
            assert!(
                e.message.starts_with(
                    "direction = \"interior_optimum\" needs the sweep over \
                     `levers.group_size_cap` to have at least 3 values"
                ) && e.message.ends_with(found),
                "{doses}: {}",
                e.message
            );
        }
    }

    /// A regression runs one arm: there is no control trajectory to hold mediators at, so a
    /// registered mediator would be ignored without a word.
    #[test]
    fn a_regression_holds_no_mediators() {
        let head = HEAD.replace("\"paired\"", "\"efficacy_vs_resources\"");
        let text = |registration: &str| format!("{head}{registration}");
        let e = Scenario::from_toml(&text(REGISTERED), "t.toml", "t").unwrap_err();
        assert_eq!(e.location.map(|l| l.0), Some(12), "at the mediators");
        assert_eq!(
            e.message,
            "comparison = \"efficacy_vs_resources\" is a regression within one run, with no \
             control run to hold mediators at: `mediators` must be empty ([]), and \
             mediators_reason say why"
        );
        let none = REGISTERED.replace("[\"citizen_trust\", \"contagion\"]", "[]");
        let v = Scenario::from_toml(&text(&none), "t.toml", "t").unwrap();
        assert!(
            v.validation
                .unwrap()
                .registration
                .unwrap()
                .mediators
                .is_empty()
        );
    }

    /// A design holds only the runs its comparison makes: the verdict never runs another
    /// variant, a sweep beside a variant comparison or the middle doses of an end-to-end
    /// dose series, while the manifest would record them as part of the registered design.
    #[test]
    fn a_design_holds_no_runs_its_verdict_never_makes() {
        let with = |comparison: &str, direction: &str, experiment: &str| {
            let head = HEAD
                .replace("\"paired\"", &format!("\"{comparison}\""))
                .replace("\"increase\"", &format!("\"{direction}\""));
            Scenario::from_toml(&format!("{head}{experiment}"), "t.toml", "t")
        };
        let variant = |n: &str| {
            format!("[[experiment.variants]]\nname = \"{n}\"\nparams.levers.outreach = 0.5\n")
        };
        let ab = format!("{}{}{}", variant("a"), variant("b"), variant("ab"));
        let sweep = "[experiment.sweep]\n\"levers.group_size_cap\" = [4, 8]\n";
        let three = "[experiment.sweep]\n\"levers.group_size_cap\" = [4, 8, 12, 16]\n";
        let no_sweep = "runs no sweep, so the verdict would run only the first point of the \
                        sweep over `levers.group_size_cap`: remove [experiment.sweep] and set \
                        the value in [params]";
        let unrun = |runs: &str, name: &str| {
            format!("runs {runs}, so the verdict would never run the variant \"{name}\": remove it")
        };
        let cases = [
            (
                "paired",
                "increase",
                format!("{TAIL}{sweep}"),
                no_sweep.to_string(),
            ),
            (
                "paired",
                "increase",
                format!("{TAIL}{}", variant("extra")),
                unrun("the baseline and the variant \"treatment\"", "extra"),
            ),
            (
                "interaction",
                "increase",
                format!("{ab}{sweep}"),
                no_sweep.to_string(),
            ),
            (
                "interaction",
                "increase",
                format!("{ab}{}", variant("extra")),
                unrun(
                    "the baseline and the variants \"a\", \"b\" and \"ab\"",
                    "extra",
                ),
            ),
            (
                "dose",
                "increase",
                format!("{sweep}{}", variant("treatment")),
                unrun("the sweep on the baseline alone", "treatment"),
            ),
            (
                "dose",
                "decrease",
                three.to_string(),
                "with direction = \"decrease\" compares the last dose with the first, so the \
                 verdict would never run the middle 2 of the 4 values of \
                 `levers.group_size_cap`: keep the first and the last (an optimum among \
                 doses is direction = \"interior_optimum\")"
                    .to_string(),
            ),
            (
                "efficacy_vs_resources",
                "increase",
                variant("treatment"),
                unrun("the baseline alone", "treatment"),
            ),
            (
                "trust_predicts_opportunities",
                "increase",
                sweep.to_string(),
                no_sweep.to_string(),
            ),
        ];
        for (comparison, direction, experiment, tail) in cases {
            let e = with(comparison, direction, &experiment).expect_err(comparison);
            assert_eq!(e.message, format!("this comparison {tail}"), "{comparison}");
            // At the `comparison` value.
            assert_eq!(e.location, Some((5, 14)), "{comparison}: {e}");
        }
        // The default comparison is named as such.
        let head = HEAD.replace("comparison = \"paired\"\n", "");
        let e = Scenario::from_toml(&format!("{head}{TAIL}{sweep}"), "t.toml", "t").unwrap_err();
        assert!(
            e.message
                .starts_with(&format!("{DEFAULT_COMPARISON_NAMED} runs no sweep")),
            "{}",
            e.message
        );
        // What the verdict runs is still accepted: every dose of an interior optimum, the
        // two ends of a dose series.
        with("dose", "interior_optimum", three).unwrap();
        with("dose", "no_effect", sweep).unwrap();
    }

    /// A registration must say why: an empty reason would be a partial registration that
    /// looks complete. An assumption must name its rule; "" is a derived claim's "no rule".
    #[test]
    fn registration_text_may_not_be_blank() {
        for (from, to, line, field) in [
            (
                "sesoi_reason = \"half a point\"",
                "sesoi_reason = \"\"",
                9,
                "sesoi_reason",
            ),
            (
                "mediators_reason = \"feedback\"",
                "mediators_reason = \" \\t \"",
                13,
                "mediators_reason",
            ),
            (
                "class = \"derived\"\nencoded_by = \"\"",
                "class = \"assumption\"\nencoded_by = \"  \"",
                7,
                "encoded_by",
            ),
        ] {
            let e = parse(&REGISTERED.replace(from, to)).expect_err(field);
            assert_eq!(e.location.map(|l| l.0), Some(line), "{field}: {e:?}");
            assert!(
                e.message.starts_with(&format!("`{field}` is empty")),
                "{field}: {}",
                e.message
            );
        }
        // A derived claim that no rule states.
        let r = parse(REGISTERED)
            .unwrap()
            .validation
            .unwrap()
            .registration
            .unwrap();
        assert_eq!((r.class, r.encoded_by.as_str()), (ClaimClass::Derived, ""));
    }

    #[test]
    fn unknown_registration_keys_are_refused() {
        let e = parse(&format!("{REGISTERED}sesio = 1\n")).unwrap_err();
        assert!(e.message.contains("sesio"), "{}", e.message);
    }
}
