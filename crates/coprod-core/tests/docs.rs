//! Keeps docs/ODD.md true to the code: its parameter and metric tables are generated from
//! the parameter table and metric list, and a stale table fails this test.
//! Regenerate with `UPDATE_DOCS=1 cargo test -p coprod-core --test docs`.
//! Also checks the core's architecture invariants (no I/O, no threads, no std HashMap).

use std::path::{Path, PathBuf};

use coprod_core::{ASSUMED_RANGES, Kind, METRICS, Params, SPECS, SWITCHED_READS, summary_names};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn parameter_table() -> String {
    let mut out = String::from(
        "| name | default | allowed | unit | lever | meaning | source |\n|---|---|---|---|---|---|---|\n",
    );
    for spec in SPECS {
        let allowed = match spec.kind {
            // A whole number: the model counts with it (peers watched, citizens, steps).
            Kind::Int if spec.even_only() => format!("even, {} to {}", spec.min, spec.max),
            Kind::Int => format!("whole, {} to {}", spec.min, spec.max),
            Kind::Real => format!("{} to {}", spec.min, spec.max),
            _ => spec.allowed(),
        };
        out += &format!(
            "| `{}` | {} | {} | {} | {} | {} | {} |\n",
            spec.name,
            spec.format_value(spec.default),
            allowed,
            spec.unit,
            if spec.lever { "yes" } else { "" },
            spec.doc,
            spec.source()
        );
    }
    out
}

fn assumed_range_table() -> String {
    let mut out = String::from("| name | default | plausible range | why |\n|---|---|---|---|\n");
    for r in ASSUMED_RANGES {
        let (_, spec) = Params::lookup(r.name).expect("a parameter");
        out += &format!(
            "| `{}` | {} | {} to {} | {} |\n",
            r.name,
            spec.format_value(spec.default),
            r.low,
            r.high,
            r.reason
        );
    }
    out
}

fn switched_table() -> String {
    let mut out =
        String::from("| switch or parameter | at | parameters not read |\n|---|---|---|\n");
    for r in SWITCHED_READS {
        // A rule of several gates holds when all of them do: "`a` and `b` | 0 and 0".
        let (gates, at): (Vec<String>, Vec<String>) = r
            .gates()
            .map(|(gate, value)| {
                let (_, spec) = Params::lookup(gate).expect("a parameter");
                let at = match spec.kind {
                    Kind::Bool => "off".to_string(),
                    _ => spec.format_value(value),
                };
                (format!("`{gate}`"), at)
            })
            .unzip();
        let unread: Vec<String> = r.unread.iter().map(|n| format!("`{n}`")).collect();
        out += &format!(
            "| {} | {} | {} |\n",
            gates.join(" and "),
            at.join(" and "),
            unread.join(", ")
        );
    }
    out
}

fn metric_table() -> String {
    let mut out = String::from("| metric | unit | meaning |\n|---|---|---|\n");
    for (name, unit, doc) in METRICS {
        out += &format!("| `{name}` | {unit} | {doc} |\n");
    }
    out +=
        "\nEnd-of-run summary (one value per run):\n\n| metric | unit | meaning |\n|---|---|---|\n";
    for (name, unit, doc) in summary_names().iter().skip(METRICS.len()) {
        out += &format!("| `{name}` | {unit} | {doc} |\n");
    }
    out
}

/// Replaces the text between `<!-- NAME:start -->` and `<!-- NAME:end -->`.
fn splice(doc: &str, name: &str, body: &str) -> String {
    let start = format!("<!-- {name}:start -->\n");
    let end = format!("<!-- {name}:end -->");
    let a = doc
        .find(&start)
        .unwrap_or_else(|| panic!("docs/ODD.md lacks {start}"))
        + start.len();
    let b = doc
        .find(&end)
        .unwrap_or_else(|| panic!("docs/ODD.md lacks {end}"));
    format!("{}{}{}", &doc[..a], body, &doc[b..])
}

#[test]
fn odd_tables_are_current() {
    let path = repo().join("docs/ODD.md");
    let doc = std::fs::read_to_string(&path).expect("docs/ODD.md exists");
    let fresh = [
        ("parameters", parameter_table()),
        ("assumed-ranges", assumed_range_table()),
        ("switched-reads", switched_table()),
        ("metrics", metric_table()),
    ]
    .iter()
    .fold(doc.clone(), |doc, (name, body)| splice(&doc, name, body));
    if fresh != doc {
        if std::env::var("UPDATE_DOCS").as_deref() == Ok("1") {
            std::fs::write(&path, fresh).unwrap();
        } else {
            panic!(
                "docs/ODD.md tables are stale: run UPDATE_DOCS=1 cargo test -p coprod-core --test docs"
            );
        }
    }
}

#[test]
fn core_does_no_io_and_no_threading() {
    let core = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = std::fs::read_to_string(core.join("Cargo.toml")).unwrap();
    let deps = manifest
        .split("[dependencies]")
        .nth(1)
        .unwrap()
        .split("\n[")
        .next()
        .unwrap();
    for line in deps.lines().filter(|l| !l.trim().is_empty()) {
        let name = line.split(['.', '=']).next().unwrap().trim();
        assert!(
            ["rand", "libm", "rand_distr"].contains(&name),
            "coprod-core must not depend on {name}"
        );
    }
    let forbidden = [
        "std::fs",
        "std::io",
        "std::thread",
        "std::time",
        "std::env",
        "std::net",
        "std::process",
        "println!",
        "eprintln!",
        "print!(",
        "dbg!(",
        "HashMap",
        "HashSet",
        "static mut",
        "thread_local",
        "rayon",
    ];
    for entry in std::fs::read_dir(core.join("src")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("//!"),
            "{} lacks a //! module doc",
            path.display()
        );
        for word in forbidden {
            assert!(!text.contains(word), "{} uses {word}", path.display());
        }
    }
}
