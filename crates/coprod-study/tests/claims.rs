//! docs/claims.md states each claim's registered design as the validation scenario registers
//! it (`scenarios/validation/<id>.toml`): the class line quotes `encoded_by`, the SESOI line
//! `sesoi` and `sesoi_reason`, the mediators line `mediators_reason`; and every function a
//! registration names as a rule (in `encoded_by` or `mediators_reason`) exists in
//! `crates/coprod-core/src` and is not compiled only in tests.

use std::path::Path;

use coprod_scenario::{Registration, Scenario};
use coprod_study::VALIDATION;

fn root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
}

fn read(path: &str) -> String {
    std::fs::read_to_string(root().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Every registration, by id, in the order of [`VALIDATION`].
fn registrations() -> Vec<(&'static str, Registration)> {
    VALIDATION
        .iter()
        .map(|(id, text)| {
            let scenario = Scenario::from_toml(text, id, id).unwrap();
            let validation = scenario.validation.expect("a [validation] table");
            (*id, validation.registration.expect("registered"))
        })
        .collect()
}

/// The text after `- **{label}` on the first line of the entry `#### {id}.` that has it.
fn entry_line<'a>(claims: &'a str, id: &str, label: &str) -> &'a str {
    let entry = claims
        .split(&format!("\n#### {id}. "))
        .nth(1)
        .unwrap_or_else(|| panic!("docs/claims.md has no entry `#### {id}.`"));
    let entry = entry.split("\n#").next().unwrap();
    entry
        .lines()
        .find_map(|l| l.strip_prefix(&format!("- **{label}")))
        .unwrap_or_else(|| panic!("docs/claims.md, {id}: no line `- **{label}`"))
}

#[test]
fn claims_md_quotes_each_registration() {
    let claims = read("docs/claims.md");
    for (id, r) in registrations() {
        let class = entry_line(&claims, id, "Class: ");
        let (class_word, rule) = class
            .split_once(".** ")
            .expect("`Class: <class>.** <rule>`");
        assert!(
            class_word.starts_with(r.class.as_str()),
            "{id}: docs/claims.md says class {class_word}, the registration {}",
            r.class.as_str()
        );
        let registered_rule = if r.encoded_by.is_empty() {
            "No rule states it."
        } else {
            r.encoded_by.as_str()
        };
        assert_eq!(rule, registered_rule, "{id}: encoded_by");

        let sesoi = entry_line(&claims, id, "SESOI ");
        let (value, reason) = sesoi
            .split_once(".** ")
            .expect("`SESOI <value>.** <reason>`");
        assert_eq!(value.parse::<f64>(), Ok(r.sesoi), "{id}: sesoi");
        assert_eq!(reason, r.sesoi_reason, "{id}: sesoi_reason");

        let mediators = entry_line(&claims, id, "Mediators held.** ");
        assert_eq!(mediators, r.mediators_reason, "{id}: mediators_reason");
    }
}

/// `module::Type::function` or `module::function` paths in `text` whose module is a file of
/// `crates/coprod-core/src`.
fn core_paths(text: &str) -> Vec<Vec<String>> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    text.split(|c: char| !(is_word(c) || c == ':'))
        .filter(|token| token.contains("::"))
        .map(|token| {
            token
                .trim_matches(':')
                .split("::")
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .filter(|segments| {
            segments.len() >= 2
                && root()
                    .join(format!("crates/coprod-core/src/{}.rs", segments[0]))
                    .is_file()
        })
        .collect()
}

/// Whether some definition of `fn function(` in `source` is not marked `#[cfg(test)]` among
/// the attributes and doc comments just above it.
fn compiled_outside_tests(source: &str, function: &str) -> bool {
    let lines: Vec<&str> = source.lines().collect();
    let definition = format!("fn {function}(");
    lines.iter().enumerate().any(|(k, line)| {
        line.contains(&definition)
            && !lines[..k]
                .iter()
                .rev()
                .map(|l| l.trim())
                .take_while(|l| l.starts_with("#[") || l.starts_with("///"))
                .any(|l| l.starts_with("#[cfg(test)]"))
    })
}

#[test]
fn compiled_outside_tests_tells_a_test_only_function() {
    let source = "impl M {\n    /// Doc.\n    #[cfg(test)]\n    pub(crate) fn probe(&self) {}\n\n    /// Doc.\n    #[inline]\n    fn run(&self) {}\n}\n";
    assert!(!compiled_outside_tests(source, "probe"));
    assert!(compiled_outside_tests(source, "run"));
}

#[test]
fn every_rule_a_registration_names_exists_in_the_core() {
    let mut checked = 0;
    for (id, r) in registrations() {
        let named = format!("{} {}", r.encoded_by, r.mediators_reason);
        for path in core_paths(&named) {
            let source = read(&format!("crates/coprod-core/src/{}.rs", path[0]));
            let function = path.last().unwrap();
            assert!(
                source.contains(&format!("fn {function}(")),
                "{id}: `{}` names `fn {function}`, which is not in {}.rs",
                path.join("::"),
                path[0]
            );
            assert!(
                compiled_outside_tests(&source, function),
                "{id}: `{}` names `fn {function}`, which is compiled only in tests, so it is \
                 not the rule the model runs",
                path.join("::"),
            );
            if let [_, ty, _] = path.as_slice() {
                assert!(
                    source.contains(&format!("impl {ty} {{"))
                        || source.contains(&format!("impl<'_> {ty} {{")),
                    "{id}: `{}` names type `{ty}`, which has no impl in {}.rs",
                    path.join("::"),
                    path[0]
                );
            }
            checked += 1;
        }
    }
    // The registrations name several dozen rules; a parser that found none would pass above.
    assert!(checked > 40, "only {checked} rule paths found");
}
