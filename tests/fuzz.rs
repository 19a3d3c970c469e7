//! Fuzzing the scenario parser and validator with proptest: whatever the input, they
//! return a value or an error with a message, and never panic.
//!
//! Four generators: TOML documents built from the scenario grammar (real and misspelt
//! keys and sections, every kind of value including extremes, NaN and huge ranges),
//! well-formed documents (known parameters, values in and just outside their ranges,
//! population sizes and type shares drawn together so that many are inconsistent),
//! random edits of the shipped scenarios, and arbitrary text. Each valid result is also
//! put through `--set` options, `--quick`, warnings, the fingerprint and run expansion.
//! Cases per generator: 1,000 by default (a few seconds in a debug build); set
//! `COPROD_FUZZ_CASES` for a longer run (docs/errors.md records the last long run).

use std::cell::Cell;

use coprod_core::{Kind, SPECS};
use coprod_scenario::{Scenario, Setting};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::util::root;

fn cases() -> u32 {
    std::env::var("COPROD_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}

fn runner() -> TestRunner {
    TestRunner::new(Config {
        cases: cases(),
        failure_persistence: None,
        ..Config::default()
    })
}

/// What became of a document.
enum Outcome {
    /// Refused when read or when its `--set` options were applied, with the message.
    Refused(String),
    /// Read, validated and its `--set` options applied.
    Accepted,
}

/// Parses, validates and uses `text` the way `coprod run` and `coprod check` do.
fn exercise(text: &str, settings: &[String]) -> Outcome {
    let mut scenario = match Scenario::from_toml(text, "fuzz.toml", "fuzz") {
        Ok(scenario) => scenario,
        Err(e) => return Outcome::Refused(e.to_string()),
    };
    let _ = scenario.warnings();
    let _ = scenario.fingerprint();
    let settings: Vec<Setting> = settings.iter().filter_map(|s| s.parse().ok()).collect();
    if let Err(e) = scenario.apply_settings(&settings) {
        return Outcome::Refused(e.to_string());
    }
    assert_valid_parameters(&scenario, text, &settings);
    if scenario.n_runs() > 5_000 {
        // Expanding is lazy; looking at a few runs is enough.
        let _ = scenario.runs().take(3).count();
    }
    for spec in scenario.runs().take(4) {
        assert!(
            spec.params.validate().is_ok(),
            "an accepted scenario expanded to invalid parameters:\n{text}"
        );
    }
    // `--quick` either refuses or shrinks to valid parameters.
    if scenario.make_quick().is_ok() {
        assert_valid_parameters(&scenario, text, &settings);
    }
    Outcome::Accepted
}

/// Every (variant, sweep point) of an accepted scenario has valid parameters (up to 64
/// sweep points per variant).
fn assert_valid_parameters(scenario: &Scenario, text: &str, settings: &[Setting]) {
    for variant in 0..scenario.variants.len() {
        for point in 0..scenario.n_points().min(64) {
            if let Err(e) = scenario.params_for(variant, point).validate() {
                panic!(
                    "an accepted scenario expanded to invalid parameters in variant {variant} \
                     at sweep point {point}: {e}\n{text}\nsettings: {settings:?}"
                );
            }
        }
    }
}

fn param_name() -> impl Strategy<Value = String> {
    prop_oneof![
        (0..SPECS.len()).prop_map(|i| SPECS[i].name.to_string()),
        "[a-z]{1,8}\\.[a-z_]{1,14}",
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("name".to_string()),
        Just("description".to_string()),
        Just("steps".to_string()),
        Just("replications".to_string()),
        Just("seed".to_string()),
        Just("lever".to_string()),
        Just("value".to_string()),
        Just("from_step".to_string()),
        Just("until_step".to_string()),
        Just("from".to_string()),
        Just("to".to_string()),
        Just("step".to_string()),
        Just("sweep".to_string()),
        Just("variants".to_string()),
        param_name().prop_map(|n| format!("\"{n}\"")),
        param_name(),
        "[a-z_]{1,10}",
    ]
}

fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<i64>().prop_map(|i| i.to_string()),
        (-3i64..60).prop_map(|i| i.to_string()),
        Just("4294967296".to_string()),
        Just("18446744073709551616".to_string()),
        any::<f64>().prop_map(|x| format!("{x:?}")),
        (0.0f64..1.0).prop_map(|x| format!("{x}")),
        Just("nan".to_string()),
        Just("-inf".to_string()),
        Just("1e308".to_string()),
        Just("true".to_string()),
        Just("false".to_string()),
        Just("\"joint\"".to_string()),
        Just("\"baseline\"".to_string()),
        param_name().prop_map(|n| format!("\"{n}\"")),
        "\"[ -~]{0,12}\"",
        Just("1979-05-27T07:32:00Z".to_string()),
    ]
}

fn value() -> impl Strategy<Value = String> {
    scalar().prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec((key(), inner), 0..4).prop_map(|kv| {
                let fields: Vec<String> = kv.iter().map(|(k, v)| format!("{k} = {v}")).collect();
                format!("{{ {} }}", fields.join(", "))
            }),
            (scalar(), scalar(), scalar())
                .prop_map(|(a, b, c)| format!("{{ from = {a}, to = {b}, step = {c} }}")),
        ]
    })
}

fn header() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("[experiment]".to_string()),
        Just("[experiment.sweep]".to_string()),
        Just("[[experiment.variants]]".to_string()),
        Just("[[experiment.variants.interventions]]".to_string()),
        Just("[[interventions]]".to_string()),
        Just("[params]".to_string()),
        Just("[validation]".to_string()),
        "[a-z]{1,8}".prop_map(|s| format!("[params.{s}]")),
        (0..SPECS.len()).prop_map(|i| {
            let section = SPECS[i].name.split('.').next().unwrap_or("levers");
            format!("[params.{section}]")
        }),
        "[a-z.]{1,12}".prop_map(|s| format!("[{s}]")),
    ]
}

fn document() -> impl Strategy<Value = String> {
    let line = prop_oneof![
        3 => (key(), value()).prop_map(|(k, v)| format!("{k} = {v}")),
        1 => header(),
        1 => (param_name(), value()).prop_map(|(k, v)| format!("\"{k}\" = {v}")),
    ];
    prop::collection::vec(line, 0..14).prop_map(|lines| lines.join("\n") + "\n")
}

fn settings() -> impl Strategy<Value = Vec<String>> {
    let setting = prop_oneof![
        (param_name(), "[ -~]{0,8}").prop_map(|(k, v)| format!("{k}={v}")),
        (param_name(), scalar()).prop_map(|(k, v)| format!("{k}={v}")),
        (
            prop_oneof![
                Just("experiment.steps"),
                Just("experiment.replications"),
                Just("experiment.seed")
            ],
            scalar()
        )
            .prop_map(|(k, v)| format!("{k}={v}")),
        "[ -~]{0,12}",
    ];
    prop::collection::vec(setting, 0..3)
}

#[test]
fn generated_scenarios_never_panic() {
    runner()
        .run(&(document(), settings()), |(text, settings)| {
            exercise(&text, &settings);
            Ok(())
        })
        .unwrap();
}

#[test]
fn edited_shipped_scenarios_never_panic() {
    let mut texts = Vec::new();
    for entry in std::fs::read_dir(root().join("scenarios")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            texts.push(std::fs::read_to_string(path).unwrap());
        }
    }
    texts.sort();
    let edit = (
        0..texts.len(),
        any::<usize>(),
        0usize..40,
        "[ -~\n\"\\[\\]=]{0,12}",
    );
    runner()
        .run(
            &(prop::collection::vec(edit, 1..4), settings()),
            |(edits, settings)| {
                let mut text = texts[edits[0].0].clone();
                for (_, at, cut, insert) in &edits {
                    let mut at = at % (text.len() + 1);
                    while !text.is_char_boundary(at) {
                        at -= 1;
                    }
                    let mut end = (at + cut).min(text.len());
                    while !text.is_char_boundary(end) {
                        end -= 1;
                    }
                    text.replace_range(at..end, insert);
                }
                exercise(&text, &settings);
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn arbitrary_text_never_panics() {
    runner()
        .run(&(any::<String>(), settings()), |(text, settings)| {
            exercise(&text, &settings);
            Ok(())
        })
        .unwrap();
}

/// Parameters drawn together in [`population`] and [`shares`], not one by one.
const IN_BLOCKS: &[&str] = &[
    "population.n_citizens",
    "population.n_communities",
    "population.ring_degree",
    "citizens.share_conditional",
    "citizens.share_free_rider",
    "citizens.share_hump",
];

fn index(name: &str) -> usize {
    SPECS.iter().position(|s| s.name == name).unwrap()
}

/// A float as TOML writes it (`0.5`, `20.0`, `1e-5`).
fn real(x: f64) -> String {
    format!("{x:?}")
}

/// A TOML value for `SPECS[i]`: mostly inside its range (whole numbers near the bottom of
/// a wide range), sometimes at an end, now and then just outside or of the wrong kind.
fn spec_value(i: usize) -> BoxedStrategy<String> {
    let spec = &SPECS[i];
    let (min, max) = (spec.min, spec.max);
    match spec.kind {
        Kind::Real => {
            let span = max - min;
            prop_oneof![
                20 => (0.0f64..=1.0).prop_map(move |u| real(min + u * span)),
                3 => prop_oneof![Just(real(min)), Just(real(max))],
                1 => prop_oneof![Just(real(min - 0.01 * span)), Just(real(max + 0.01 * span))],
            ]
            .boxed()
        }
        Kind::Int => {
            let (min, max) = (min as i64, max as i64);
            prop_oneof![
                20 => min..=max.min(min + 60),
                3 => prop_oneof![Just(min), Just(max)],
                1 => prop_oneof![Just(min - 1), Just(max + 1)],
            ]
            .prop_map(|v| v.to_string())
            .boxed()
        }
        Kind::Bool => prop_oneof![
            20 => any::<bool>().prop_map(|b| b.to_string()),
            1 => Just("1".to_string()),
        ]
        .boxed(),
        Kind::Choice(options) => prop_oneof![
            20 => (0..options.len()).prop_map(move |k| format!("\"{}\"", options[k])),
            1 => Just("\"neither\"".to_string()),
        ]
        .boxed(),
    }
}

/// `"name" = value` for a known parameter drawn one by one.
fn single() -> impl Strategy<Value = (usize, String)> {
    let free: Vec<usize> = (0..SPECS.len())
        .filter(|&i| !IN_BLOCKS.contains(&SPECS[i].name))
        .collect();
    prop::sample::select(free).prop_flat_map(|i| (Just(i), spec_value(i)))
}

/// Citizens, communities and ring ties drawn together, each set or left at its default:
/// about half fit (no more communities than citizens, fewer ties than citizens per
/// community), the others miss by a little.
fn population() -> impl Strategy<Value = Vec<(usize, String)>> {
    (
        4i64..=400,
        1i64..=40,
        1i64..=7,
        0.0f64..1.0,
        prop::array::uniform3(prop::bool::weighted(0.8)),
    )
        .prop_map(|(citizens, communities, half_ties, odd, set)| {
            let ties = 2 * half_ties - i64::from(odd < 0.05);
            [
                ("population.n_citizens", citizens),
                ("population.n_communities", communities),
                ("population.ring_degree", ties),
            ]
            .into_iter()
            .zip(set)
            .filter(|(_, set)| *set)
            .map(|((name, v), _)| (index(name), v.to_string()))
            .collect()
        })
}

/// The three type shares drawn together, each set or left at its default: their sum
/// passes 1 about a third of the time.
fn shares() -> impl Strategy<Value = Vec<(usize, String)>> {
    (
        prop::array::uniform3(0.0f64..0.6),
        prop::array::uniform3(prop::bool::weighted(0.8)),
    )
        .prop_map(|(values, set)| {
            [
                "citizens.share_conditional",
                "citizens.share_free_rider",
                "citizens.share_hump",
            ]
            .into_iter()
            .zip(values)
            .zip(set)
            .filter(|(_, set)| *set)
            .map(|((name, v), _)| (index(name), real(v)))
            .collect()
        })
}

/// Any known parameter, including those of the blocks, with a value for it.
fn any_param() -> impl Strategy<Value = (usize, String)> {
    (0..SPECS.len()).prop_flat_map(|i| (Just(i), spec_value(i)))
}

/// A parameter table: some singles, maybe a population block and maybe the shares, each
/// parameter at most once.
fn params() -> impl Strategy<Value = Vec<(usize, String)>> {
    (
        prop::collection::vec(single(), 0..5),
        prop::option::weighted(0.6, population()),
        prop::option::weighted(0.4, shares()),
    )
        .prop_map(|(singles, population, shares)| {
            let mut out: Vec<(usize, String)> = Vec::new();
            for (i, v) in singles
                .into_iter()
                .chain(population.unwrap_or_default())
                .chain(shares.unwrap_or_default())
            {
                if !out.iter().any(|(j, _)| *j == i) {
                    out.push((i, v));
                }
            }
            out
        })
}

fn assignments(params: &[(usize, String)], separator: &str) -> String {
    params
        .iter()
        .map(|(i, v)| format!("\"{}\" = {v}", SPECS[*i].name))
        .collect::<Vec<_>>()
        .join(separator)
}

/// A scenario document made only of known keys: parameters, a short experiment, maybe a
/// sweep over one parameter, and up to two variants with parameters of their own.
fn well_formed() -> impl Strategy<Value = String> {
    let sweep =
        any_param().prop_flat_map(|(i, _)| (Just(i), prop::collection::vec(spec_value(i), 1..4)));
    let variant = prop_oneof![
        2 => prop::collection::vec(any_param(), 0..3),
        1 => population(),
        1 => shares(),
    ];
    (
        params(),
        (1u32..=30, 1u32..=3, 0u64..1000),
        prop::option::weighted(0.5, sweep),
        prop::collection::vec(variant, 0..3),
    )
        .prop_map(|(params, (steps, replications, seed), sweep, variants)| {
            let mut doc = format!(
                "name = \"well-formed\"\n[params]\n{}\n\
                 [experiment]\nsteps = {steps}\nreplications = {replications}\nseed = {seed}\n",
                assignments(&params, "\n")
            );
            if let Some((i, values)) = sweep {
                doc += &format!(
                    "[experiment.sweep]\n\"{}\" = [{}]\n",
                    SPECS[i].name,
                    values.join(", ")
                );
            }
            for (k, params) in variants.iter().enumerate() {
                let mut seen = Vec::new();
                let params: Vec<(usize, String)> = params
                    .iter()
                    .filter(|(i, _)| {
                        !seen.contains(i) && {
                            seen.push(*i);
                            true
                        }
                    })
                    .cloned()
                    .collect();
                doc += &format!(
                    "[[experiment.variants]]\nname = \"variant-{k}\"\nparams = {{ {} }}\n",
                    assignments(&params, ", ")
                );
            }
            doc
        })
}

/// Up to two `--set` options of known parameters.
fn well_formed_settings() -> impl Strategy<Value = Vec<String>> {
    let setting = any_param().prop_map(|(i, v)| format!("{}={}", SPECS[i].name, v));
    prop::collection::vec(setting, 0..3)
}

/// Well-formed documents are accepted often enough for the assertion in [`exercise`] to
/// matter, and refused for inconsistent combinations often enough that a validator which
/// let such combinations through would be caught by it.
#[test]
fn well_formed_scenarios_are_refused_or_expand_to_valid_parameters() {
    let (total, accepted, inconsistent) = (Cell::new(0u32), Cell::new(0u32), Cell::new(0u32));
    let mut runner = TestRunner::new(Config {
        cases: cases().max(500),
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(
            &(well_formed(), well_formed_settings()),
            |(text, settings)| {
                total.set(total.get() + 1);
                match exercise(&text, &settings) {
                    Outcome::Accepted => accepted.set(accepted.get() + 1),
                    Outcome::Refused(message) if message.contains("inconsistent parameters") => {
                        inconsistent.set(inconsistent.get() + 1);
                    }
                    Outcome::Refused(_) => {}
                }
                Ok(())
            },
        )
        .unwrap();
    let (total, accepted, inconsistent) = (total.get(), accepted.get(), inconsistent.get());
    eprintln!(
        "well-formed documents: {accepted} of {total} accepted, {inconsistent} refused as inconsistent"
    );
    assert!(
        accepted * 10 >= total * 3,
        "only {accepted} of {total} well-formed documents accepted: the generator has drifted"
    );
    assert!(
        inconsistent * 5 >= total,
        "only {inconsistent} of {total} well-formed documents inconsistent: the generator has drifted"
    );
}
