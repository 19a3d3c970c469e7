//! The optional `[sensitivity]` table of a scenario: which parameters to vary over which
//! ranges, which end-of-run outputs to analyse, and the sizes of the Morris and Sobol
//! designs. Used by `coprod sensitivity` (docs/sensitivity.md).
//!
//! Owns the meaning of the table; the designs and estimators live in `coprod-analysis`.

use coprod_core::{Kind, Params, SPECS, summary_names};

use crate::error::TableError;
use crate::schema::RawSensitivity;

/// Sobol base samples N when `samples` is absent.
const DEFAULT_SAMPLES: u32 = 32;
/// Morris trajectories when `trajectories` is absent.
const DEFAULT_TRAJECTORIES: u32 = 10;
/// Morris grid levels when `levels` is absent.
const DEFAULT_LEVELS: u32 = 4;
/// Replications per design point when `replications` is absent.
const DEFAULT_REPLICATIONS: u32 = 2;
/// Bootstrap resamples when `bootstrap` is absent.
const DEFAULT_BOOTSTRAP: u32 = 500;

/// Which analyses to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Morris elementary effects only (cheap screening).
    Morris,
    /// Sobol indices only.
    Sobol,
    /// Both.
    Both,
}

impl Method {
    /// Whether the Morris screening runs.
    pub fn morris(self) -> bool {
        matches!(self, Method::Morris | Method::Both)
    }

    /// Whether the Sobol analysis runs.
    pub fn sobol(self) -> bool {
        matches!(self, Method::Sobol | Method::Both)
    }
}

/// One varied parameter and its range.
#[derive(Clone, Debug, PartialEq)]
pub struct Factor {
    /// Index into `coprod_core::SPECS`.
    pub param: usize,
    /// Lowest value.
    pub low: f64,
    /// Highest value.
    pub high: f64,
}

impl Factor {
    /// The parameter's dotted name.
    pub fn name(&self) -> &'static str {
        SPECS[self.param].name
    }

    /// The value at position `u` (0..1) of the range; whole-number parameters are rounded to
    /// the nearest whole number in the range (even number for one that must be even,
    /// `population.ring_degree`, which the model refuses odd), halves away from zero.
    pub fn value(&self, u: f64) -> f64 {
        // `low + u (high - low)` can round past `high` (0.3 + 1 x 0.6 is 0.9000000000000001),
        // which would run, and write to design.csv, a value outside the table's range.
        let v = (self.low + u.clamp(0.0, 1.0) * (self.high - self.low)).min(self.high);
        let Some(step) = whole_step(&SPECS[self.param]) else {
            return v;
        };
        // The nearest allowed value, kept inside the range (which holds one: `factor`):
        // [4, 4.6] ran 5, outside the range the table and the manifest state.
        let rounded = (v / step).round() * step;
        if rounded > self.high {
            rounded - step
        } else if rounded < self.low {
            rounded + step
        } else {
            rounded
        }
    }

    /// Where [`Factor::value`] really puts position `u` (0..1) of the range: `u` itself,
    /// except for a whole-number parameter, whose rounding moves it.
    pub fn realised_position(&self, u: f64) -> f64 {
        match SPECS[self.param].kind {
            Kind::Int => (self.value(u) - self.low) / (self.high - self.low),
            _ => u,
        }
    }
}

/// A validated `[sensitivity]` table.
#[derive(Clone, Debug, PartialEq)]
pub struct Sensitivity {
    /// Which analyses run.
    pub method: Method,
    /// Parameters varied, in order of name.
    pub factors: Vec<Factor>,
    /// End-of-run metrics analysed (names from `coprod_core::summary_names`).
    pub outputs: Vec<String>,
    /// Sobol base sample size N: the design has N (k + 2) points.
    pub samples: u32,
    /// Morris trajectories r: the design has r (k + 1) points.
    pub trajectories: u32,
    /// Morris grid levels (even).
    pub levels: u32,
    /// Replications (seeds) per design point.
    pub replications: u32,
    /// Bootstrap resamples for the intervals.
    pub bootstrap: u32,
}

impl Sensitivity {
    /// Design points of the selected analyses (before replications).
    pub fn design_points(&self) -> u64 {
        let k = self.factors.len() as u64;
        let mut n = 0;
        if self.method.morris() {
            n += u64::from(self.trajectories) * (k + 1);
        }
        if self.method.sobol() {
            n += u64::from(self.samples) * (k + 2);
        }
        n
    }

    /// Model runs: design points times replications.
    pub fn runs(&self) -> u64 {
        self.design_points()
            .saturating_mul(u64::from(self.replications))
    }
}

/// Checks a raw table; on error says where below `[sensitivity]` and why.
pub(crate) fn validate(raw: &RawSensitivity) -> Result<Sensitivity, TableError> {
    let method = method(raw.method.as_deref())?;
    let factors = factors(&raw.parameters)?;
    check_outputs(&raw.outputs)?;
    let levels = levels(raw.levels.as_ref())?;
    let table = Sensitivity {
        method,
        factors,
        outputs: raw.outputs.clone(),
        samples: count(
            "samples",
            raw.samples.as_ref(),
            DEFAULT_SAMPLES,
            (4, u32::MAX),
        )?,
        trajectories: count(
            "trajectories",
            raw.trajectories.as_ref(),
            DEFAULT_TRAJECTORIES,
            (2, u32::MAX),
        )?,
        levels,
        replications: count(
            "replications",
            raw.replications.as_ref(),
            DEFAULT_REPLICATIONS,
            (1, u32::MAX),
        )?,
        bootstrap: bootstrap(raw.bootstrap.as_ref())?,
    };
    check_run_cap(&table)?;
    Ok(table)
}

fn err<T>(path: &[&str], message: String) -> Result<T, TableError> {
    Err((
        path.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        message,
    )
        .into())
}

/// [`err`] with a hint.
fn err_with_hint<T>(path: &[&str], message: String, hint: String) -> Result<T, TableError> {
    err(path, message).map_err(|e| TableError {
        hint: Some(hint),
        ..e
    })
}

/// `method`, "both" when absent.
fn method(name: Option<&str>) -> Result<Method, TableError> {
    match name.unwrap_or("both") {
        "morris" => Ok(Method::Morris),
        "sobol" => Ok(Method::Sobol),
        "both" => Ok(Method::Both),
        other => err(
            &["method"],
            format!("unknown method \"{other}\": allowed are \"morris\", \"sobol\", \"both\""),
        ),
    }
}

/// The `parameters` table: at least one, each numeric with a valid range, none twice.
fn factors(parameters: &toml::Table) -> Result<Vec<Factor>, TableError> {
    let mut leaves = Vec::new();
    flatten(parameters, String::new(), &mut leaves);
    if leaves.is_empty() {
        return err(
            &["parameters"],
            "a sensitivity analysis needs at least one parameter with a range, e.g. \
             \"levers.outreach\" = [0.0, 1.0]"
                .into(),
        );
    }
    // The design's columns follow this order.
    by_name_once(leaves, "parameters")?
        .iter()
        .map(|(name, value)| factor(name, value))
        .collect()
}

/// `leaves` of the table `table` (flattened names and values) in order of name, each name
/// once. The order must not depend on how the names are written: quoted keys and dotted
/// ones are flattened from different levels of the table (`levers.outreach` after
/// `"levers.group_size_cap"`), and the two spellings name the same parameter.
pub(crate) fn by_name_once(
    mut leaves: Vec<(String, toml::Value)>,
    table: &str,
) -> Result<Vec<(String, toml::Value)>, TableError> {
    leaves.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(pair) = leaves.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        let name = &pair[1].0;
        return err(&[table, name], format!("`{name}` is listed twice"));
    }
    Ok(leaves)
}

/// One `name = [low, high]` of the `parameters` table.
fn factor(name: &str, value: &toml::Value) -> Result<Factor, TableError> {
    let at = ["parameters", name];
    let Ok((param, spec)) = Params::lookup(name) else {
        return err_with_hint(
            &at,
            format!("unknown parameter `{name}`"),
            crate::suggest::parameter_hint(name),
        );
    };
    if !matches!(spec.kind, Kind::Real | Kind::Int) {
        return err(
            &at,
            format!("`{name}` is a switch or an option: only numeric parameters can be varied"),
        );
    }
    let range: Option<Vec<f64>> = value.as_array().and_then(|a| {
        a.iter()
            .map(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64)))
            .collect()
    });
    let Some([low, high]) = range.as_deref().and_then(|r| <[f64; 2]>::try_from(r).ok()) else {
        return err(
            &at,
            format!("the range of `{name}` must be two numbers [low, high]"),
        );
    };
    if low.partial_cmp(&high) != Some(std::cmp::Ordering::Less) || low < spec.min || high > spec.max
    {
        return err(
            &at,
            format!(
                "invalid range [{low}, {high}] for `{name}`: need low < high, each a number \
                 from {} to {}{}",
                spec.min,
                spec.max,
                // The draws are rounded, so the bounds themselves may be fractions or odd.
                match spec.kind {
                    Kind::Int if spec.even_only() => " (the values drawn are rounded to even)",
                    Kind::Int => " (the values drawn are rounded)",
                    _ => "",
                }
            ),
        );
    }
    if let Some(step) = whole_step(spec)
        && (high / step).floor() * step < low
    {
        let why = if spec.even_only() {
            format!("holds no even number: {name} must be even")
        } else {
            format!("holds no whole number: {name} is a whole number")
        };
        return err(&at, format!("the range [{low}, {high}] of `{name}` {why}"));
    }
    Ok(Factor { param, low, high })
}

/// The spacing of the values a whole-number parameter takes: 1, or 2 for one that must be
/// even (`population.ring_degree`); `None` for a real number.
fn whole_step(spec: &coprod_core::ParamSpec) -> Option<f64> {
    match spec.kind {
        Kind::Int if spec.even_only() => Some(2.0),
        Kind::Int => Some(1.0),
        _ => None,
    }
}

/// `outputs`: at least one, each an end-of-run metric, none twice.
fn check_outputs(outputs: &[String]) -> Result<(), TableError> {
    let names = summary_names();
    if outputs.is_empty() {
        return err(
            &["outputs"],
            "name at least one output, e.g. outputs = [\"participation_rate\"]".into(),
        );
    }
    for (i, output) in outputs.iter().enumerate() {
        if !names.iter().any(|(n, _, _)| n == output) {
            return err_with_hint(
                &["outputs"],
                format!("unknown output \"{output}\": use an end-of-run metric of docs/outputs.md"),
                output_hint(output, &names),
            );
        }
        if outputs[..i].contains(output) {
            return err(
                &["outputs"],
                format!("output \"{output}\" is listed twice: its indices would be written twice"),
            );
        }
    }
    Ok(())
}

/// The end-of-run metric closest to a misspelt `output`, or all of them if none is close.
fn output_hint(output: &str, names: &[(String, &str, String)]) -> String {
    let names = names.iter().map(|(n, _, _)| n.as_str());
    match crate::suggest::closest(output, names.clone()) {
        Some(s) => format!("did you mean `{s}`?"),
        None => format!("allowed: {}", names.collect::<Vec<_>>().join(", ")),
    }
}

/// `sensitivity.<key>`, or `default` if absent; at least `min`.
fn count(
    key: &str,
    value: Option<&toml::Value>,
    default: u32,
    range: (u32, u32),
) -> Result<u32, TableError> {
    crate::values::table_count(("sensitivity", key), value, default, range).map_err(Into::into)
}

/// Morris grid levels: an even whole number of at least 2, said whole to every value refused
/// (an odd one as to one below 2), so that a user fixing one half of the rule does not run
/// into the other.
fn levels(value: Option<&toml::Value>) -> Result<u32, TableError> {
    match count("levels", value, DEFAULT_LEVELS, (2, u32::MAX)) {
        Ok(n) if n % 2 == 0 => Ok(n),
        _ => err(
            &["levels"],
            format!(
                "invalid value {} for `sensitivity.levels`: allowed is an even whole number of \
                 at least 2 (and at most {})",
                value.map_or_else(String::new, crate::values::display_toml),
                u32::MAX - 1
            ),
        ),
    }
}

/// Bootstrap resamples: 0 for no intervals, else at least 2, since the percentile interval of
/// one resample has both ends at that resample (a "95% interval" of width 0).
fn bootstrap(value: Option<&toml::Value>) -> Result<u32, TableError> {
    let range = || {
        format!(
            "invalid value {} for `sensitivity.bootstrap`: allowed is 0 (no intervals) or a \
             whole number from 2 to {MAX_BOOTSTRAP}",
            value.map_or_else(String::new, crate::values::display_toml)
        )
    };
    match count("bootstrap", value, DEFAULT_BOOTSTRAP, (0, MAX_BOOTSTRAP)) {
        Ok(1) | Err(_) => err(&["bootstrap"], range()),
        ok => ok,
    }
}

/// The design may need at most `MAX_RUNS` runs.
/// Most bootstrap resamples: far more than stable 95% intervals need, and every resample
/// is kept per parameter (4e9 of them ran for hours and asked for tens of gigabytes).
const MAX_BOOTSTRAP: u32 = 100_000;

fn check_run_cap(table: &Sensitivity) -> Result<(), TableError> {
    if table.runs() <= crate::MAX_RUNS {
        return Ok(());
    }
    // Name the size that makes the design large: the larger of its two parts, or the
    // replications when a single point per part would already be too many runs.
    let k = table.factors.len() as u64;
    let morris = u64::from(table.trajectories) * (k + 1) * u64::from(table.method.morris());
    let sobol = u64::from(table.samples) * (k + 2) * u64::from(table.method.sobol());
    let (key, value) = if u64::from(table.replications) > morris.max(sobol) {
        ("replications", table.replications)
    } else if sobol >= morris {
        ("samples", table.samples)
    } else {
        ("trajectories", table.trajectories)
    };
    err(
        &[key],
        format!(
            "invalid value {value} for `sensitivity.{key}`: the design has {} points x {} \
             replications = {} runs, more than the {} runs coprod accepts",
            table.design_points(),
            table.replications,
            table.runs(),
            crate::MAX_RUNS
        ),
    )
}

/// Dotted names and values of the non-table leaves of `table` (so `levers.outreach = [..]`
/// and `"levers.outreach" = [..]` mean the same), level by level in order of key: not in
/// order of the full name when the two spellings are mixed.
fn flatten(table: &toml::Table, prefix: String, out: &mut Vec<(String, toml::Value)>) {
    // An empty table where a range belongs is a wrong value, not an empty section.
    flatten_where(table, prefix, out, |name, inner| {
        !(inner.is_empty() && Params::lookup(name).is_ok())
    });
}

/// Dotted names and values below `table`, descending into the inner tables for which
/// `descend` (of the inner table's dotted name and the table) holds (the others are leaves, such as a calibration's `{ uniform = [0, 1] }`).
pub(crate) fn flatten_where(
    table: &toml::Table,
    prefix: String,
    out: &mut Vec<(String, toml::Value)>,
    descend: fn(&str, &toml::Table) -> bool,
) {
    for (key, value) in table {
        let name = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::Table(inner) if descend(&name, inner) => {
                flatten_where(inner, name, out, descend)
            }
            other => out.push((name, other.clone())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn factor(name: &str, low: f64, high: f64) -> Factor {
        let param = SPECS.iter().position(|s| s.name == name).unwrap();
        Factor { param, low, high }
    }

    /// A `[sensitivity]` table with `keys` before `outputs` and three factors (k = 3).
    fn table(keys: &str) -> Result<Sensitivity, crate::ScenarioError> {
        let text = format!(
            "[sensitivity]\n{keys}outputs = [\"participation_rate\"]\n\
             [sensitivity.parameters]\nlevers.outreach = [0.1, 0.9]\n\
             levers.group_size_cap = [4, 20]\nlevers.participation_cost = [0.2, 0.8]\n"
        );
        crate::Scenario::from_toml(&text, "s.toml", "s").map(|s| s.sensitivity.unwrap())
    }

    fn refused(keys: &str) -> String {
        table(keys).expect_err(keys).message
    }

    #[test]
    fn an_empty_table_as_a_range_is_refused() {
        let text = "[sensitivity]\noutputs = [\"participation_rate\"]\n\
                    [sensitivity.parameters]\n\"levers.outreach\" = {}\n\
                    levers.participation_cost = [0.2, 0.8]\n";
        let e = crate::Scenario::from_toml(text, "s.toml", "s").unwrap_err();
        assert_eq!(
            e.message,
            "the range of `levers.outreach` must be two numbers [low, high]"
        );
    }

    #[test]
    fn reads_factors_sizes_and_defaults() {
        let sizes = |s: &Sensitivity| {
            (
                s.samples,
                s.trajectories,
                s.levels,
                s.replications,
                s.bootstrap,
            )
        };
        let s = table("").unwrap();
        assert_eq!(s.method, Method::Both);
        let names: Vec<&str> = s.factors.iter().map(Factor::name).collect();
        assert_eq!(
            names,
            [
                "levers.group_size_cap",
                "levers.outreach",
                "levers.participation_cost"
            ]
        );
        assert_eq!((s.factors[1].low, s.factors[1].high), (0.1, 0.9));
        assert_eq!(sizes(&s), (32, 10, 4, 2, 500));
        let s = table(
            "samples = 8\ntrajectories = 2\nlevels = 6\nreplications = 1\nbootstrap = 100000\n",
        )
        .unwrap();
        assert_eq!(sizes(&s), (8, 2, 6, 1, 100_000));
    }

    /// The factors (the design's columns) are in order of name however the names are
    /// written: quoted and dotted keys are flattened from different levels of the table,
    /// and a dotted `levers.outreach` came before a quoted `"levers.group_size_cap"`.
    #[test]
    fn factors_are_in_order_of_name_whichever_way_the_keys_are_written() {
        let names = |parameters: &str| {
            let text = format!(
                "[sensitivity]\noutputs = [\"participation_rate\"]\n\
                 [sensitivity.parameters]\n{parameters}"
            );
            let table = crate::Scenario::from_toml(&text, "s.toml", "s")
                .unwrap()
                .sensitivity
                .unwrap();
            table.factors.iter().map(Factor::name).collect::<Vec<_>>()
        };
        let sorted = [
            "citizens.trust_mean",
            "levers.group_size_cap",
            "levers.outreach",
        ];
        for parameters in [
            "\"levers.group_size_cap\" = [4, 20]\nlevers.outreach = [0.1, 0.9]\n\
             \"citizens.trust_mean\" = [0.3, 0.7]\n",
            "levers.outreach = [0.1, 0.9]\n\"levers.group_size_cap\" = [4, 20]\n\
             citizens.trust_mean = [0.3, 0.7]\n",
            "[sensitivity.parameters.levers]\noutreach = [0.1, 0.9]\n\
             group_size_cap = [4, 20]\n[sensitivity.parameters.citizens]\n\
             trust_mean = [0.3, 0.7]\n",
        ] {
            assert_eq!(names(parameters), sorted, "{parameters}");
        }
    }

    #[test]
    fn design_size_follows_the_method() {
        // k = 3: Morris r (k + 1) = 10 x 4 points, Sobol N (k + 2) = 32 x 5 points.
        for (method, morris, sobol, points) in [
            ("morris", true, false, 40),
            ("sobol", false, true, 160),
            ("both", true, true, 200),
        ] {
            let s = table(&format!("method = \"{method}\"\n")).unwrap();
            assert_eq!(
                (s.method.morris(), s.method.sobol()),
                (morris, sobol),
                "{method}"
            );
            assert_eq!(s.design_points(), points, "{method}");
            assert_eq!(s.runs(), points * 2, "{method}");
        }
    }

    #[test]
    fn sizes_below_their_minimum_are_refused() {
        // One rule whichever half of it a value breaks.
        let rule = "allowed is an even whole number of at least 2 (and at most 4294967294)";
        for (levels, value) in [("3", "3"), ("0", "0"), ("-2", "-2"), ("2.0", "2.0")] {
            let message = refused(&format!("levels = {levels}\n"));
            let expected = format!("invalid value {value} for `sensitivity.levels`: {rule}");
            assert!(message.contains(&expected), "{message}");
        }
        assert!(refused("trajectories = 1\n").contains("allowed is a whole number of at least 2"));
        // Past the type's limit the refusal names it: "at least 4" alone would allow it.
        assert!(
            refused("samples = 99999999999\n")
                .contains("allowed is a whole number of at least 4 (and at most 4294967295)")
        );
        assert!(refused("samples = 3\n").contains("allowed is a whole number of at least 4"));
        let bootstrap_range = "allowed is 0 (no intervals) or a whole number from 2 to 100000";
        assert!(refused("bootstrap = 100001\n").contains(bootstrap_range));
        // One resample makes both ends of the "95% interval" that resample: a width of 0.
        assert!(refused("bootstrap = 1\n").contains(bootstrap_range));
        // A value of the wrong type or sign names the same range.
        assert_eq!(
            refused("samples = -1\n"),
            "invalid value -1 for `sensitivity.samples`: allowed is a whole number of at least 4 \
             (and at most 4294967295)"
        );
        assert_eq!(
            refused("replications = \"two\"\n"),
            "invalid value \"two\" for `sensitivity.replications`: allowed is a whole number of \
             at least 1 (and at most 4294967295)"
        );
    }

    #[test]
    fn factor_ranges_are_numeric_ordered_and_allowed() {
        let with = |extra: &str| {
            let text = format!(
                "[sensitivity]\noutputs = [\"participation_rate\"]\n[sensitivity.parameters]\n{extra}"
            );
            crate::Scenario::from_toml(&text, "s.toml", "s").map(|s| s.sensitivity.unwrap())
        };
        // The whole allowed range of `levers.outreach` (0 to 1) is fine.
        let s = with("\"levers.outreach\" = [0, 1]\n").unwrap();
        assert_eq!((s.factors[0].low, s.factors[0].high), (0.0, 1.0));
        for range in ["[0.5, 0.5]", "[0.6, 0.5]", "[-0.1, 0.5]", "[0.5, 1.1]"] {
            let e = with(&format!("\"levers.outreach\" = {range}\n")).unwrap_err();
            assert!(e.message.contains("need low < high"), "{range}: {e}");
        }
        // A whole-number factor's bounds need not be whole (its draws are rounded).
        let e = with("\"population.ring_degree\" = [3, 41]\n").unwrap_err();
        assert_eq!(
            e.message,
            "invalid range [3, 41] for `population.ring_degree`: need low < high, each a \
             number from 2 to 40 (the values drawn are rounded to even)"
        );
        with("\"population.ring_degree\" = [3, 9]\n").unwrap();
        let e = with("\"levers.crowding_out\" = [0, 1]\n").unwrap_err();
        assert!(e.message.contains("is a switch or an option"), "{e}");
        let e = with("\"levers.outreach\" = [0, 1]\nlevers.outreach = [0, 1]\n").unwrap_err();
        assert!(e.message.contains("is listed twice"), "{e}");
    }

    #[test]
    fn outputs_must_be_known_end_of_run_metrics() {
        let with = |outputs: &str| {
            let text = format!(
                "[sensitivity]\noutputs = {outputs}\n[sensitivity.parameters]\n\"levers.outreach\" = [0, 1]\n"
            );
            crate::Scenario::from_toml(&text, "s.toml", "s")
        };
        with("[\"participation_rate\"]").unwrap();
        let e = with("[\"no_such_metric\"]").unwrap_err();
        assert!(
            e.message.contains("unknown output \"no_such_metric\""),
            "{e}"
        );
        let e = with("[\"participation_rate\", \"participation_rate\"]").unwrap_err();
        assert!(e.message.contains("listed twice"), "{e}");
    }

    /// A misspelt output or parameter gets the name it is closest to, as a misspelt metric
    /// of `[report]` or parameter of `[params]` does; a name close to none lists the outputs.
    #[test]
    fn misspelt_names_get_the_closest_one_as_a_hint() {
        let refused = |outputs: &str, parameter: &str| {
            let text = format!(
                "[sensitivity]\noutputs = {outputs}\n[sensitivity.parameters]\n\
                 \"{parameter}\" = [0, 1]\n"
            );
            crate::Scenario::from_toml(&text, "s.toml", "s").unwrap_err()
        };
        let e = refused("[\"participation_rtae\"]", "levers.outreach");
        assert_eq!(
            e.hint.as_deref(),
            Some("did you mean `participation_rate`?"),
            "{e}"
        );
        assert!(
            e.to_string().starts_with("s.toml:2:11: unknown output"),
            "{e}"
        );
        let e = refused("[\"zzzzzzzzzzzzzzzzzzzzzzzzzzzz\"]", "levers.outreach");
        let hint = e.hint.unwrap_or_default();
        assert!(
            hint.starts_with("allowed: ") && hint.contains("participation_rate"),
            "{hint}"
        );
        let e = refused("[\"participation_rate\"]", "levers.outrech");
        assert_eq!(e.message, "unknown parameter `levers.outrech`");
        assert_eq!(
            e.hint.as_deref(),
            Some("did you mean `levers.outreach`?"),
            "{e}"
        );
    }

    #[test]
    fn a_design_over_the_run_cap_blames_its_largest_size() {
        // Exactly the cap is accepted: Sobol only, 2 000 000 x (3 + 2) points, 1 replication.
        table("method = \"sobol\"\nsamples = 2000000\nreplications = 1\n").unwrap();
        // With k = 3, Morris has trajectories x 4 points and Sobol samples x 5.
        for (keys, blamed) in [
            // Morris 11e6 points against Sobol 10e6.
            (
                "trajectories = 2750000\nsamples = 2000000\nreplications = 1\n",
                "trajectories",
            ),
            // Morris 8e6 against Sobol 8.5e6.
            (
                "trajectories = 2000000\nsamples = 1700000\nreplications = 1\n",
                "samples",
            ),
            // A method's unused size does not count, however large.
            (
                "method = \"sobol\"\ntrajectories = 2750000\nsamples = 2100000\nreplications = 1\n",
                "samples",
            ),
            (
                "method = \"morris\"\ntrajectories = 2750000\nsamples = 2400000\nreplications = 1\n",
                "trajectories",
            ),
            // Replications beyond every part's points.
            ("replications = 10000000\n", "replications"),
            // Replications equal to the largest part: the part is blamed.
            (
                "method = \"morris\"\ntrajectories = 1000\nreplications = 4000\n",
                "trajectories",
            ),
        ] {
            let message = refused(keys);
            assert!(
                message.starts_with("invalid value ")
                    && message.contains(&format!("for `sensitivity.{blamed}`")),
                "{keys}: {message}"
            );
            assert!(message.contains("more than the 10000000 runs"), "{message}");
        }
    }

    /// The ends of the range are the table's own numbers, never a rounding past them.
    #[test]
    fn the_ends_of_a_range_are_its_own_numbers() {
        let outreach = factor("levers.outreach", 0.3, 0.9);
        assert_eq!(outreach.value(0.0), 0.3);
        assert_eq!(outreach.value(1.0), 0.9);
        for i in 0..=1000 {
            let v = outreach.value(f64::from(i) / 1000.0);
            assert!((0.3..=0.9).contains(&v), "{v}");
        }
    }

    #[test]
    fn rounding_moves_whole_number_parameters_off_the_grid() {
        let cap = factor("levers.group_size_cap", 4.0, 20.0);
        // 4 + 2/3 x 16 = 14.67 runs as 15: 11/16 of the range, not 2/3.
        assert_eq!(cap.value(2.0 / 3.0), 15.0);
        assert_eq!(cap.realised_position(2.0 / 3.0), 11.0 / 16.0);
        assert_eq!(cap.realised_position(1.0), 1.0);
        let cost = factor("levers.participation_cost", 0.2, 0.8);
        assert_eq!(cost.realised_position(2.0 / 3.0), 2.0 / 3.0);
    }

    /// docs/sensitivity.md: over [4, 20] a uniform position gives 4 and 20 each in 1 of 32
    /// draws and each whole number between in 1 of 16 (rounding halves the ends' share).
    #[test]
    fn rounding_draws_the_ends_of_a_whole_number_range_half_as_often() {
        let cap = factor("levers.group_size_cap", 4.0, 20.0);
        let draws = 32_000;
        let mut counts = std::collections::BTreeMap::new();
        for i in 0..draws {
            let u = (f64::from(i) + 0.5) / f64::from(draws);
            *counts.entry(cap.value(u) as u32).or_insert(0) += 1;
        }
        assert_eq!(counts.len(), 17, "{counts:?}");
        for (value, count) in counts {
            let expected = if value == 4 || value == 20 {
                1000
            } else {
                2000
            };
            assert_eq!(count, expected, "{value}");
        }
    }

    /// A whole-number factor's draws round to whole numbers inside its range: [4, 4.6] ran
    /// 5, outside the range sensitivity.csv and the manifest state.
    #[test]
    fn a_whole_number_parameter_takes_whole_values_inside_its_range() {
        let cap = factor("levers.group_size_cap", 4.0, 4.6);
        for (u, expected) in [(0.0, 4.0), (0.5, 4.0), (0.9, 4.0), (1.0, 4.0)] {
            assert_eq!(cap.value(u), expected, "u = {u}");
        }
        let cap = factor("levers.group_size_cap", 3.6, 5.2);
        // 3.6 -> 4 (inside), 4.4 -> 4, 4.56 -> 5, 5.2 -> 5.
        for (u, expected) in [(0.0, 4.0), (0.5, 4.0), (0.6, 5.0), (1.0, 5.0)] {
            assert_eq!(cap.value(u), expected, "u = {u}");
        }
        let text = "[sensitivity]\noutputs = [\"participation_rate\"]\n\
                    [sensitivity.parameters]\n\"levers.group_size_cap\" = [4.6, 4.9]\n";
        let message = crate::Scenario::from_toml(text, "s.toml", "s")
            .expect_err("no whole value")
            .message;
        assert_eq!(
            message,
            "the range [4.6, 4.9] of `levers.group_size_cap` holds no whole number: \
             levers.group_size_cap is a whole number"
        );
    }

    #[test]
    fn a_parameter_that_must_be_even_takes_even_values_inside_its_range() {
        let degree = factor("population.ring_degree", 3.0, 9.0);
        // 3 + u x 6: 3 -> 4 (not 2, below the range), 5.4 -> 6, 6.9 -> 6, 9 -> 8 (not 10).
        for (u, expected) in [(0.0, 4.0), (0.4, 6.0), (0.65, 6.0), (1.0, 8.0)] {
            assert_eq!(degree.value(u), expected, "u = {u}");
        }
        // 4 of the range's 6 from 4 to 8: the Morris effect is divided by 4/6.
        let moved = degree.realised_position(1.0) - degree.realised_position(0.0);
        assert!((moved - 4.0 / 6.0).abs() < 1e-12, "{moved}");
        let range = |r: &str| {
            let text = format!(
                "[sensitivity]\noutputs = [\"participation_rate\"]\n\
                 [sensitivity.parameters]\n\"population.ring_degree\" = {r}\n"
            );
            crate::Scenario::from_toml(&text, "s.toml", "s").map(|s| s.sensitivity.unwrap())
        };
        assert!(range("[2, 40]").is_ok());
        let message = range("[4.5, 5.5]").expect_err("no even value").message;
        assert!(
            message
                .contains("the range [4.5, 5.5] of `population.ring_degree` holds no even number"),
            "{message}"
        );
    }
}
