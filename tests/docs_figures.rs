//! Figures the docs quote that the program produces are checked against the program, so
//! the docs cannot drift: every run count quoted beside a `coprod run NAME`,
//! `coprod teach NAME` or `coprod sensitivity NAME` command (README and docs) against
//! `coprod check`, and the example numbers of docs/sensitivity.md against a run of the
//! shipped example (tests/sensitivity.rs runs it).

use std::fs;

use crate::util::{Sandbox, root};

/// The docs this check covers (docs/validation.md and docs/performance.md quote their own
/// measurements and are checked by their own tests).
const DOCS: [&str; 8] = [
    "README.md",
    "docs/teaching.md",
    "docs/sensitivity.md",
    "docs/comparison.md",
    "docs/cluster.md",
    "docs/scenarios.md",
    "docs/outputs.md",
    "docs/errors.md",
];

/// The number before " runs" in `text`, if any ("2,216 runs" gives 2216).
fn quoted_runs(text: &str) -> Option<u64> {
    let at = text.find(" runs")?;
    let digits: String = text[..at]
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .collect::<String>()
        .chars()
        .rev()
        .filter(char::is_ascii_digit)
        .collect();
    digits.parse().ok()
}

/// `coprod check NAME`: the runs of `coprod run NAME`, and of `coprod sensitivity NAME`.
fn counted_runs(sb: &Sandbox, name: &str) -> (u64, Option<u64>) {
    let out = sb.cmd(&["check", name]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let run = quoted_runs(&text).unwrap_or_else(|| panic!("no run count for {name}: {text}"));
    let sensitivity = text
        .split("`coprod sensitivity`:")
        .nth(1)
        .and_then(quoted_runs);
    (run, sensitivity)
}

#[test]
fn run_counts_quoted_beside_commands_are_what_the_program_runs() {
    let sb = Sandbox::new();
    let mut checked = 0;
    for doc in DOCS {
        let text = fs::read_to_string(root().join(doc)).unwrap();
        for (n, line) in text.lines().enumerate() {
            let Some(quoted) = quoted_runs(line) else {
                continue;
            };
            for (command, sensitivity) in [
                ("coprod run ", false),
                ("coprod teach ", false),
                ("coprod sensitivity ", true),
            ] {
                let Some(at) = line.find(command) else {
                    continue;
                };
                let name: String = line[at + command.len()..]
                    .chars()
                    .take_while(|c| !c.is_whitespace() && *c != '`')
                    .collect();
                // Flags change the count; only plain `coprod run NAME` lines are figures.
                let rest = &line[at + command.len() + name.len()..];
                if name.starts_with('-') || rest.trim_start().starts_with("--") {
                    continue;
                }
                let (run, design) = counted_runs(&sb, &name);
                let expected = if sensitivity { design.unwrap() } else { run };
                assert_eq!(
                    quoted,
                    expected,
                    "{doc}:{}: `{}{name}` quotes {quoted} runs, the program runs {expected}",
                    n + 1,
                    command.trim()
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 2, "found {checked} quoted run counts");
}
