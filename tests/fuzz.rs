//! Fuzzing the scenario parser and validator with proptest: whatever the input, they
//! return a value or an error with a message, and never panic.
//!
//! Three generators: TOML documents built from the scenario grammar (real and misspelt
//! keys and sections, every kind of value including extremes, NaN and huge ranges),
//! random edits of the shipped scenarios, and arbitrary text. Each valid result is also
//! put through `--set` options, `--quick`, warnings, the fingerprint and run expansion.
//! Cases per generator: 1,000 by default (a few seconds in a debug build); set
//! `COPROD_FUZZ_CASES` for a longer run (docs/errors.md records the last long run).

use coprod_core::SPECS;
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

/// Parses, validates and uses `text` the way `coprod run` and `coprod check` do.
fn exercise(text: &str, settings: &[String]) {
    let Ok(mut scenario) = Scenario::from_toml(text, "fuzz.toml", "fuzz") else {
        return;
    };
    let _ = scenario.warnings();
    let _ = scenario.fingerprint();
    let settings: Vec<Setting> = settings.iter().filter_map(|s| s.parse().ok()).collect();
    if scenario.apply_settings(&settings).is_err() {
        return;
    }
    if scenario.n_runs() > 5_000 {
        // Expanding is lazy; looking at a few runs is enough.
        let _ = scenario.runs().take(3).count();
    }
    let _ = scenario.make_quick();
    for spec in scenario.runs().take(4) {
        assert!(
            spec.params.validate().is_ok(),
            "an accepted scenario expanded to invalid parameters:\n{text}"
        );
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
