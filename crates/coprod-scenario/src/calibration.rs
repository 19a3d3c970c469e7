//! The optional `[calibration]` table of a scenario: which parameters `coprod calibrate`
//! estimates, their prior distributions, and the size of the ABC-SMC run
//! (docs/calibration.md).
//!
//! Owns the meaning of the table; the algorithm lives in `coprod-calibrate`.

use coprod_core::{Kind, Params, SPECS};

use crate::error::TableError;
use crate::schema::RawCalibration;

/// Particles per generation when `particles` is absent.
const DEFAULT_PARTICLES: u32 = 200;
/// Most generations when `generations` is absent.
const DEFAULT_GENERATIONS: u32 = 6;
/// Share of the previous generation's distances the next tolerance keeps.
const DEFAULT_QUANTILE: f64 = 0.5;
/// Acceptance rate below which the run stops early.
const DEFAULT_MIN_ACCEPTANCE: f64 = 0.02;

/// A prior distribution of one parameter.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Prior {
    /// Uniform on `[low, high]`.
    Uniform {
        /// Lower bound.
        low: f64,
        /// Upper bound.
        high: f64,
    },
    /// Normal with `mean` and `sd`, truncated to the parameter's allowed range.
    Normal {
        /// Mean.
        mean: f64,
        /// Standard deviation (> 0).
        sd: f64,
        /// Lower truncation (the parameter's minimum).
        low: f64,
        /// Upper truncation (the parameter's maximum).
        high: f64,
    },
}

impl Prior {
    /// The support `[low, high]`.
    pub fn support(&self) -> (f64, f64) {
        match *self {
            Prior::Uniform { low, high } | Prior::Normal { low, high, .. } => (low, high),
        }
    }
}

/// One estimated parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimated {
    /// Index into `coprod_core::SPECS`.
    pub param: usize,
    /// Its prior.
    pub prior: Prior,
}

impl Estimated {
    /// The parameter's dotted name.
    pub fn name(&self) -> &'static str {
        SPECS[self.param].name
    }
}

/// A validated `[calibration]` table.
#[derive(Clone, Debug, PartialEq)]
pub struct Calibration {
    /// Estimated parameters, in order of name.
    pub estimated: Vec<Estimated>,
    /// Particles per generation.
    pub particles: u32,
    /// Most generations (the first samples the prior).
    pub generations: u32,
    /// Quantile of the previous generation's distances used as the next tolerance.
    pub quantile: f64,
    /// The run stops when a generation's acceptance rate falls below this.
    pub min_acceptance: f64,
}

/// Checks a raw table; on error returns (key path below `[calibration]`, message).
pub(crate) fn validate(raw: &RawCalibration) -> Result<Calibration, TableError> {
    let estimated = estimated(&raw.priors)?;
    let count = |key: &str, value: &Option<toml::Value>, default: u32, min: u32, max: u32| {
        crate::values::table_count(("calibration", key), value.as_ref(), default, (min, max))
    };
    Ok(Calibration {
        estimated,
        particles: count("particles", &raw.particles, DEFAULT_PARTICLES, 10, 100_000)?,
        generations: count("generations", &raw.generations, DEFAULT_GENERATIONS, 1, 100)?,
        quantile: share("quantile", raw.quantile.as_ref(), DEFAULT_QUANTILE, 0.0)?,
        min_acceptance: share(
            "min_acceptance",
            raw.min_acceptance.as_ref(),
            DEFAULT_MIN_ACCEPTANCE,
            MIN_MIN_ACCEPTANCE,
        )?,
    })
}

/// The parameters of `[calibration.priors]`, at least one, in order of name: the order of
/// every prior draw and of posterior.csv's columns.
fn estimated(priors: &toml::Table) -> Result<Vec<Estimated>, TableError> {
    let mut leaves = Vec::new();
    flatten(priors, String::new(), &mut leaves);
    if leaves.is_empty() {
        return Err(TableError::from((
            vec!["priors".to_string()],
            "a calibration needs at least one parameter with a prior, e.g. \
             \"behaviour.cc_slope\" = { uniform = [0.3, 1.2] }"
                .to_string(),
        )));
    }
    crate::sensitivity::by_name_once(leaves, "priors")?
        .iter()
        .map(|(name, value)| estimated_one(name, value))
        .collect()
}

/// One estimated parameter: a real-valued parameter of the model with a prior inside its
/// range.
fn estimated_one(name: &str, value: &toml::Value) -> Result<Estimated, TableError> {
    let at = || vec!["priors".to_string(), name.to_string()];
    let Ok((param, spec)) = Params::lookup(name) else {
        return Err(TableError {
            path: at(),
            message: format!("unknown parameter `{name}`"),
            hint: Some(crate::suggest::parameter_hint(name)),
        });
    };
    if spec.kind != Kind::Real {
        return Err(TableError::from((
            at(),
            format!("`{name}` is not a real-valued parameter: only those can be estimated"),
        )));
    }
    let prior = prior(value, spec.min, spec.max).map_err(|why| {
        TableError::from((
            at(),
            format!(
                "invalid prior for `{name}`: {why}; allowed are {{ uniform = [low, high] }} \
                 or {{ normal = [mean, sd] }} inside the parameter's range ({})",
                spec.allowed()
            ),
        ))
    })?;
    Ok(Estimated { param, prior })
}

/// `calibration.KEY`, a share: above 0 and at least `min`, below 1; `default` when absent.
fn share(
    key: &str,
    value: Option<&toml::Value>,
    default: f64,
    min: f64,
) -> Result<f64, (Vec<String>, String)> {
    let number = crate::values::table_number(value, default);
    if let Some(v) = number.filter(|&v| v > 0.0 && v >= min && v < 1.0) {
        return Ok(v);
    }
    let shown = value.map_or_else(|| default.to_string(), crate::values::display_toml);
    let allowed = if min > 0.0 {
        format!(
            "{} or more and below 1 (a generation makes at most (ceil(1 / {key}) + \
             1) x particles proposals)",
            bound(min)
        )
    } else {
        "a number strictly between 0 and 1".to_string()
    };
    Err((
        vec![key.to_string()],
        format!("invalid value {shown} for `calibration.{key}`: allowed is {allowed}"),
    ))
}

/// Reads `{ uniform = [low, high] }` or `{ normal = [mean, sd] }` within `[min, max]`.
fn prior(value: &toml::Value, min: f64, max: f64) -> Result<Prior, String> {
    let table = value
        .as_table()
        .ok_or_else(|| "expected a table such as { uniform = [0, 1] }".to_string())?;
    if table.len() != 1 {
        return Err("name exactly one distribution".into());
    }
    let (kind, args) = table.iter().next().expect("one entry");
    let pair: Option<Vec<f64>> = args.as_array().and_then(|a| {
        a.iter()
            .map(|v| v.as_float().or_else(|| v.as_integer().map(|i| i as f64)))
            .collect()
    });
    let Some([a, b]) = pair.as_deref().and_then(|r| <[f64; 2]>::try_from(r).ok()) else {
        return Err(format!("`{kind}` needs two numbers"));
    };
    match kind.as_str() {
        "uniform" if a < b && a >= min && b <= max => Ok(Prior::Uniform { low: a, high: b }),
        "uniform" => Err(format!(
            "[{a}, {b}] needs low < high inside the allowed range"
        )),
        "normal" if sd_ok(b, min, max) && (min..=max).contains(&a) => Ok(Prior::Normal {
            mean: a,
            sd: b,
            low: min,
            high: max,
        }),
        "normal" => Err(format!(
            "[{a}, {b}] needs the mean inside the allowed range and sd from {} to {} ({} to \
             {} times the range's width)",
            bound(MIN_SD_SHARE * (max - min)),
            bound(MAX_SD_SHARE * (max - min)),
            bound(MIN_SD_SHARE),
            bound(MAX_SD_SHARE),
        )),
        other => Err(format!("unknown distribution `{other}`")),
    }
}

/// A bound of an allowed range as the user would type it: plain (`200`, `0.05`) unless
/// that takes many digits (`2e-9`, `5e9`), in 12 significant digits, so that a width
/// computed in binary (0.95 - 0.05 is 0.8999999999999999) reads as typed.
fn bound(v: f64) -> String {
    coprod_core::readable(format!("{v:.11e}").parse().unwrap_or(v))
}

/// Smallest `min_acceptance`: a generation makes at most
/// `(ceil(1 / min_acceptance) + 1) x particles` proposals, and below this the cap
/// overflowed to no proposals at all.
const MIN_MIN_ACCEPTANCE: f64 = 1e-6;

/// Smallest normal prior sd as a share of the parameter's allowed range: below it every
/// draw was the mean itself, the particles had no spread and the weights were NaN.
const MIN_SD_SHARE: f64 = 1e-9;

/// Largest normal prior sd as a multiple of the range: the prior is truncated to the range
/// by drawing again, and a far wider sd (or an infinite one) almost never lands inside.
const MAX_SD_SHARE: f64 = 100.0;

/// Whether `sd` is a usable sd of a normal prior truncated to `[min, max]`.
fn sd_ok(sd: f64, min: f64, max: f64) -> bool {
    let width = max - min;
    sd > 0.0 && sd >= MIN_SD_SHARE * width && sd <= MAX_SD_SHARE * width
}

/// Dotted names and prior tables below `[calibration.priors]`: a table of plain values
/// (`{ uniform = [0, 1] }`) is a leaf, a table of tables a level of the dotted name.
/// Most estimated parameters whose every corner of the priors' supports is tried; with more,
/// the corners with all, none or one of them high.
const MAX_CORNER_PARAMETERS: usize = 12;

/// Refuses priors whose supports hold parameter sets the model rejects together (type shares
/// above 1, too few citizens per community for their ties): a draw could land there in the
/// middle of a calibration. The model's joint constraints are monotone in each parameter, so
/// the corners of the box of supports are where they fail first.
pub(crate) fn check_supports(
    calibration: &Calibration,
    base: &Params,
) -> Result<(), (Vec<String>, String)> {
    let k = calibration.estimated.len();
    // Which parameters are at the high end of their support, corner by corner.
    let corners: Vec<Vec<bool>> = if k <= MAX_CORNER_PARAMETERS {
        (0..1u32 << k)
            .map(|c| (0..k).map(|i| c >> i & 1 == 1).collect())
            .collect()
    } else {
        let one = |i: usize, high: bool| (0..k).map(|j| (j == i) == high).collect();
        [vec![false; k], vec![true; k]]
            .into_iter()
            .chain((0..k).flat_map(|i| [one(i, true), one(i, false)]))
            .collect()
    };
    for corner in corners {
        let mut params = base.clone();
        let mut at = Vec::with_capacity(k);
        for (e, &high_end) in calibration.estimated.iter().zip(&corner) {
            let (low, high) = e.prior.support();
            let v = if high_end { high } else { low };
            // Each value is inside its parameter's range: `prior` checked that.
            let _ = params.set_index(e.param, v);
            at.push(format!("{} = {v}", e.name()));
        }
        if let Err(why) = params.validate() {
            return Err((
                vec!["priors".to_string()],
                format!(
                    "the priors allow parameter sets the model rejects: at {} (ends of their \
                     supports), {why}; narrow the priors so that every draw is a valid model",
                    at.join(", ")
                ),
            ));
        }
    }
    Ok(())
}

fn flatten(table: &toml::Table, prefix: String, out: &mut Vec<(String, toml::Value)>) {
    crate::sensitivity::flatten_where(table, prefix, out, |_, inner| {
        inner.values().any(toml::Value::is_table)
    });
}

#[cfg(test)]
mod tests {
    use super::bound;
    use crate::Scenario;

    /// A bound computed from a range's width reads as typed, not with binary noise.
    #[test]
    fn bounds_read_as_typed() {
        assert_eq!(bound(100.0 * (0.95 - 0.05)), "90");
        assert_eq!(bound(1e-9 * (0.95 - 0.05)), "9e-10");
        assert_eq!(bound(0.05), "0.05");
        assert_eq!(bound(2e-9), "2e-9");
    }

    fn parse(table: &str) -> Result<crate::Scenario, crate::ScenarioError> {
        let text = format!("[params.population]\nsetting = \"lab\"\n[calibration]\n{table}");
        Scenario::from_toml(&text, "c.toml", "c")
    }

    #[test]
    fn sizes_of_the_wrong_type_or_sign_name_their_range() {
        let refused = |keys: &str| {
            parse(&format!(
                "{keys}[calibration.priors]\n\"behaviour.cc_slope\" = {{ uniform = [0.3, 1.2] }}\n"
            ))
            .unwrap_err()
            .message
        };
        assert_eq!(
            refused("particles = -1\n"),
            "invalid value -1 for `calibration.particles`: allowed is a whole number from 10 to \
             100000"
        );
        assert_eq!(
            refused("generations = 2.5\n"),
            "invalid value 2.5 for `calibration.generations`: allowed is a whole number from 1 to \
             100"
        );
        assert_eq!(
            refused("quantile = \"abc\"\n"),
            "invalid value \"abc\" for `calibration.quantile`: allowed is a number strictly \
             between 0 and 1"
        );
        // The cap it states is the sampler's, `(ceil(1 / min_acceptance) + 1) x particles`
        // (crates/coprod-calibrate/src/smc.rs), not a product with a fraction in it.
        assert_eq!(
            refused("min_acceptance = true\n"),
            "invalid value true for `calibration.min_acceptance`: allowed is 1e-6 or more and \
             below 1 (a generation makes at most (ceil(1 / min_acceptance) + 1) x particles \
             proposals)"
        );
    }

    #[test]
    fn priors_that_allow_invalid_parameter_sets_are_refused() {
        let e = parse(
            "[calibration.priors]\n\"citizens.share_conditional\" = { uniform = [0.5, 1.0] }\n\
             \"citizens.share_free_rider\" = { uniform = [0.2, 0.5] }\n",
        )
        .unwrap_err();
        assert!(
            e.message.starts_with(
                "the priors allow parameter sets the model rejects: at \
                 citizens.share_conditional = 1, citizens.share_free_rider = 0.2"
            ),
            "{}",
            e.message
        );
        // Within the shares' room at every corner: accepted.
        parse(
            "[calibration.priors]\n\"citizens.share_conditional\" = { uniform = [0.2, 0.5] }\n\
             \"citizens.share_free_rider\" = { uniform = [0.1, 0.3] }\n",
        )
        .unwrap();
    }

    #[test]
    fn reads_priors_and_sizes() {
        let s = parse(
            "particles = 50\n[calibration.priors]\n\"behaviour.cc_slope\" = { uniform = [0.3, 1.2] }\n\
             citizens.belief_mean = { normal = [0.49, 0.02] }\n",
        )
        .unwrap();
        let c = s.calibration.unwrap();
        assert_eq!(c.particles, 50);
        assert_eq!(c.estimated.len(), 2);
        assert_eq!(c.estimated[0].name(), "behaviour.cc_slope");
        assert_eq!(c.estimated[1].prior.support(), (0.0, 1.0));
    }

    fn priors(priors: &str) -> Result<crate::Calibration, crate::ScenarioError> {
        parse(&format!("[calibration.priors]\n{priors}")).map(|s| s.calibration.unwrap())
    }

    /// A misspelt parameter gets the closest name as a hint, as in `[params]`.
    #[test]
    fn a_misspelt_prior_gets_the_closest_parameter_as_a_hint() {
        let e = priors("\"citizens.trust_meen\" = { uniform = [0.2, 0.8] }\n").unwrap_err();
        assert_eq!(e.message, "unknown parameter `citizens.trust_meen`");
        assert_eq!(
            e.hint.as_deref(),
            Some("did you mean `citizens.trust_mean`?"),
            "{e}"
        );
    }

    /// The estimated parameters are in order of name however their keys are written (they
    /// decide the order of the prior draws), and one written both ways is refused.
    #[test]
    fn priors_are_in_order_of_name_and_none_twice() {
        let names = |text: &str| {
            priors(text)
                .unwrap()
                .estimated
                .iter()
                .map(|e| e.name())
                .collect::<Vec<_>>()
        };
        let sorted = [
            "behaviour.cc_slope",
            "citizens.belief_mean",
            "citizens.trust_mean",
        ];
        let mixed = "citizens.trust_mean = { uniform = [0.2, 0.8] }\n\
                     \"citizens.belief_mean\" = { uniform = [0.2, 0.8] }\n\
                     behaviour.cc_slope = { uniform = [0.3, 1.2] }\n";
        assert_eq!(names(mixed), sorted);
        let quoted = "\"citizens.trust_mean\" = { uniform = [0.2, 0.8] }\n\
                      \"citizens.belief_mean\" = { uniform = [0.2, 0.8] }\n\
                      \"behaviour.cc_slope\" = { uniform = [0.3, 1.2] }\n";
        assert_eq!(names(quoted), sorted);
        let e = priors(
            "\"behaviour.cc_slope\" = { uniform = [0.3, 1.2] }\n\
             behaviour.cc_slope = { uniform = [0.3, 1.2] }\n",
        )
        .unwrap_err();
        assert!(
            e.message.contains("`behaviour.cc_slope` is listed twice"),
            "{e}"
        );
    }

    #[test]
    fn a_uniform_prior_has_its_own_support() {
        let c = priors("\"behaviour.cc_slope\" = { uniform = [0.3, 1.2] }\n").unwrap();
        assert_eq!(c.estimated[0].prior.support(), (0.3, 1.2));
        // low < high: a uniform prior on one point is refused.
        let e = priors("\"behaviour.cc_slope\" = { uniform = [0.5, 0.5] }\n").unwrap_err();
        assert!(e.message.contains("needs low < high"), "{e}");
    }

    #[test]
    fn normal_prior_sds_scale_with_the_range_width() {
        // `join.base` allows -20 to 20, a width of 40: sd from 4e-8 to 4000.
        let c = priors("\"join.base\" = { normal = [0, 5] }\n").unwrap();
        assert_eq!(c.estimated[0].prior.support(), (-20.0, 20.0));
        // `behaviour.cc_slope` allows 0 to 2: sd from 2e-9 to 200, both ends included.
        let sd = |sd: &str| {
            priors(&format!(
                "\"behaviour.cc_slope\" = {{ normal = [1, {sd}] }}\n"
            ))
        };
        for ok in ["2e-9", "150", "200"] {
            sd(ok).unwrap();
        }
        for bad in ["0", "1.5e-9", "201"] {
            let e = sd(bad).unwrap_err();
            assert!(e.message.contains("sd from 2e-9 to 200"), "{bad}: {e}");
            assert!(e.message.contains("(1e-9 to 100 times"), "{bad}: {e}");
        }
    }

    #[test]
    fn shares_lie_strictly_between_zero_and_one() {
        let prior = "[calibration.priors]\n\"behaviour.cc_slope\" = { uniform = [0, 1] }\n";
        for bad in ["quantile = 0", "quantile = 1.0", "min_acceptance = 1.0"] {
            let e = parse(&format!("{bad}\n{prior}")).unwrap_err();
            assert!(
                e.message.contains("below 1") || e.message.contains("between 0 and 1"),
                "{bad}: {e}"
            );
        }
        let c = parse(&format!("quantile = 0.9\nmin_acceptance = 1e-6\n{prior}"))
            .unwrap()
            .calibration
            .unwrap();
        assert_eq!((c.quantile, c.min_acceptance), (0.9, 1e-6));
    }

    #[test]
    fn bad_tables_name_line_column_and_range() {
        let cases = [
            (
                "[calibration.priors]\n\"behaviour.cc_slope\" = { uniform = [0.3, 9] }\n",
                "5:",
                "allowed",
            ),
            (
                "[calibration.priors]\n\"behaviour.nope\" = { uniform = [0, 1] }\n",
                "5:",
                "unknown parameter",
            ),
            (
                "[calibration.priors]\n\"behaviour.cc_slope\" = { beta = [1, 1] }\n",
                "5:",
                "unknown distribution",
            ),
            (
                "particles = 3\n[calibration.priors]\n\"behaviour.cc_slope\" = { uniform = [0, 1] }\n",
                "4:",
                "10 to 100000",
            ),
            (
                "quantile = 1.5\n[calibration.priors]\n\"behaviour.cc_slope\" = { uniform = [0, 1] }\n",
                "4:",
                "between 0 and 1",
            ),
            ("particles = 50\n", "", "at least one parameter"),
            (
                "min_acceptance = 1e-300\n[calibration.priors]\n\"behaviour.cc_slope\" = { uniform = [0, 1] }\n",
                "4:",
                "1e-6 or more and below 1",
            ),
            (
                "[calibration.priors]\n\"behaviour.cc_slope\" = { normal = [0.5, inf] }\n",
                "5:",
                "sd from 2e-9 to 200",
            ),
            (
                "[calibration.priors]\n\"behaviour.cc_slope\" = { normal = [0.5, 1e-300] }\n",
                "5:",
                "sd from 2e-9 to 200",
            ),
        ];
        for (table, line, needle) in cases {
            let e = parse(table).unwrap_err().to_string();
            assert!(e.contains(needle), "{table}: {e}");
            assert!(e.contains(&format!("c.toml:{line}")), "{table}: {e}");
        }
    }
}
