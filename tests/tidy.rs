//! Tidy checks on the files this part of the repository owns: every Rust file opens with a
//! `//!` doc saying what it owns, and no test is ignored or expected to panic.

use std::fs;
use std::path::{Path, PathBuf};

use crate::util::root;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn owned_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in [
        "crates/coprod",
        "crates/coprod-scenario",
        "crates/coprod-sweep",
        "crates/coprod-output",
        "crates/coprod-study",
        "tests",
    ] {
        rust_files(&root().join(dir), &mut files);
    }
    files.sort();
    files
}

#[test]
fn every_file_opens_with_a_module_doc() {
    for file in owned_files() {
        let text = fs::read_to_string(&file).unwrap();
        assert!(
            text.starts_with("//!"),
            "{} does not start with a `//!` doc",
            file.display()
        );
    }
}

#[test]
fn no_ignored_or_should_panic_tests() {
    let (ignore, should_panic) = (["#[", "ignore]"].concat(), ["#[", "should_panic"].concat());
    for file in owned_files() {
        let text = fs::read_to_string(&file).unwrap();
        assert!(
            !text.contains(&ignore) && !text.contains(&should_panic),
            "{}",
            file.display()
        );
    }
}

/// The modules (files) of a crate's source directory, by module path (`tables::merge`),
/// without the crate root, which declares and re-exports them all.
fn modules(src: &Path) -> Vec<(String, PathBuf)> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    files
        .into_iter()
        .filter(|f| !["lib.rs", "main.rs"].contains(&f.file_name().unwrap().to_str().unwrap()))
        .filter(|f| !f.starts_with(src.join("bin")))
        .map(|f| {
            let rel = f.strip_prefix(src).unwrap().with_extension("");
            let name = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("::");
            (name.trim_end_matches("::mod").to_string(), f)
        })
        .collect()
}

/// The modules a file's code names through `crate::`, longest known path first.
fn uses(text: &str, known: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut add = |path: &str| {
        let segments: Vec<&str> = path.split("::").map(str::trim).collect();
        for n in (1..=segments.len()).rev() {
            let candidate = segments[..n].join("::");
            if known.contains(&candidate) {
                if !out.contains(&candidate) {
                    out.push(candidate);
                }
                return;
            }
        }
    };
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let group = &group[..group.find('}').unwrap_or(group.len())];
            for item in group.split(',') {
                add(item.trim());
            }
        } else {
            let end = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .unwrap_or(rest.len());
            add(rest[..end].trim_end_matches(':'));
        }
    }
    out
}

/// Import loops between the files of one crate: each a list of modules that reach each
/// other through `crate::` paths.
fn import_loops(src: &Path) -> Vec<Vec<String>> {
    let modules = modules(src);
    let names: Vec<String> = modules.iter().map(|(n, _)| n.clone()).collect();
    let edges: Vec<Vec<usize>> = modules
        .iter()
        .map(|(name, file)| {
            let text = fs::read_to_string(file).unwrap();
            // Unit tests may use any module; what the code itself uses is what counts.
            let code = text
                .split("#[cfg(test)]\nmod tests")
                .next()
                .unwrap_or(&text);
            uses(code, &names)
                .iter()
                .filter(|u| *u != name && !name.starts_with(&format!("{u}::")))
                .map(|u| names.iter().position(|n| n == u).unwrap())
                .collect()
        })
        .collect();
    let reaches = |from: usize, to: usize| {
        let mut seen = vec![false; names.len()];
        let mut stack = vec![from];
        while let Some(n) = stack.pop() {
            for &m in &edges[n] {
                if m == to {
                    return true;
                }
                if !seen[m] {
                    seen[m] = true;
                    stack.push(m);
                }
            }
        }
        false
    };
    let mut loops: Vec<Vec<String>> = Vec::new();
    for a in 0..names.len() {
        let members: Vec<String> = (0..names.len())
            .filter(|&b| b == a || (reaches(a, b) && reaches(b, a)))
            .map(|b| names[b].clone())
            .collect();
        if members.len() > 1 && !loops.contains(&members) {
            loops.push(members);
        }
    }
    loops
}

/// No file of any crate imports, directly or through others, a file that imports it: each
/// file sits above what it uses. `cargo test --test integration tidy::no_import_loops`
/// lists the loops it finds.
#[test]
fn no_import_loops() {
    let mut found = Vec::new();
    for entry in fs::read_dir(root().join("crates")).unwrap() {
        let dir = entry.unwrap().path();
        let src = if dir.join("src").is_dir() {
            dir.join("src")
        } else {
            dir.clone()
        };
        for l in import_loops(&src) {
            found.push(format!("{}: {}", dir.display(), l.join(" <-> ")));
        }
    }
    assert!(found.is_empty(), "import loops:\n{}", found.join("\n"));
}

/// The application layer (`coprod-study`) never talks to the terminal or ends the process:
/// everything a person should see goes to its `Progress` or into the value it returns.
#[test]
fn the_application_layer_never_prints_or_exits() {
    let mut files = Vec::new();
    rust_files(&root().join("crates/coprod-study/src"), &mut files);
    assert!(!files.is_empty());
    let banned = [
        "print!(",
        "println!(",
        "eprint!(",
        "eprintln!(",
        "dbg!(",
        "process::exit",
        "io::stdout",
        "io::stderr",
        "env::args",
        "ctrlc",
        "indicatif",
    ];
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        for word in banned {
            assert!(
                !text.contains(word),
                "{} uses `{word}`: the application layer returns what to show, the binary shows it",
                file.display()
            );
        }
    }
}
