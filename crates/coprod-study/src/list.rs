//! `coprod list`: the shipped scenarios and their questions, or (`--params`) every model
//! parameter with its default, allowed values and unit, straight from `coprod_core::SPECS`.

use std::fmt::Write;

use coprod_core::SPECS;
use coprod_scenario::Scenario;

use crate::shipped::SHIPPED;

/// The text of `coprod list` (`params`: of `coprod list --params`).
pub fn list(params: bool) -> String {
    let mut out = String::new();
    if params {
        for spec in SPECS {
            let _ = writeln!(
                out,
                "{}{}{}\n    default {} ({}); allowed: {}\n    {}{}",
                spec.name,
                if spec.lever { "  [lever]" } else { "" },
                setting_mark(spec),
                spec.format_value(spec.default),
                spec.unit,
                spec.allowed(),
                spec.doc,
                switched_note(spec)
            );
        }
        let _ = writeln!(
            out,
            "Field runs read every parameter not marked [lab only], and lab runs only those \
             marked [lab] or [lab only], except where a switch or another parameter's value \
             rules it out (the \"Not read by ... runs with\" lines; docs/ODD.md 10)."
        );
        return out;
    }
    for (name, text) in SHIPPED {
        let description = Scenario::from_toml(text, name, name)
            .map(|s| s.description)
            .unwrap_or_else(|e| format!("(invalid: {e})"));
        let _ = writeln!(out, "{name}\n{}\n", wrap(&description, 88, "    "));
    }
    let _ = writeln!(
        out,
        "Run one with `coprod run <name>`; `coprod run <name> --quick` for a quick look."
    );
    out
}

/// Which settings' runs read the parameter, where not the field's alone.
fn setting_mark(spec: &coprod_core::ParamSpec) -> &'static str {
    match (spec.read_in(false), spec.read_in(true)) {
        (true, true) => "  [lab]",
        (false, true) => "  [lab only]",
        _ => "",
    }
}

/// The switches and values that rule the parameter out of the runs of the setting that
/// reads it (`coprod_core::SWITCHED_READS`; a `lab.` parameter's, lab runs), as a line of
/// their own, or nothing.
fn switched_note(spec: &coprod_core::ParamSpec) -> String {
    let switches: Vec<String> = coprod_core::SWITCHED_READS
        .iter()
        .filter(|r| r.unread.contains(&spec.name))
        .map(|r| {
            let gates: Vec<String> = r
                .gates()
                .map(|(gate, value)| gate_at(gate, value))
                .collect();
            gates.join(" and ")
        })
        .collect();
    if switches.is_empty() {
        return String::new();
    }
    let setting = if spec.read_in(false) { "field" } else { "lab" };
    format!(
        "\n    Not read by {setting} runs with {} (docs/ODD.md 10).",
        switches.join(" or ")
    )
}

/// "`channels.peer_monitoring` off", "`levers.role_design` = \"substitutive\"",
/// "`orgs.contact_rate` = 0": a gate of `coprod_core::SWITCHED_READS` at its value.
fn gate_at(gate: &str, value: f64) -> String {
    let (_, spec) = coprod_core::Params::lookup(gate).expect("a gate");
    match spec.kind {
        coprod_core::Kind::Bool => format!("`{gate}` off"),
        coprod_core::Kind::Choice(_) => format!("`{gate}` = \"{}\"", spec.format_value(value)),
        _ => format!("`{gate}` = {}", spec.format_value(value)),
    }
}

/// Greedy word wrap with an indent.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && indent.len() + line.len() + 1 + word.len() > width {
            lines.push(format!("{indent}{line}"));
            line.clear();
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(format!("{indent}{line}"));
    }
    lines.join("\n")
}
