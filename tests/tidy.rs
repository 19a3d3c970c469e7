//! Tidy checks on the files this part of the repository owns: every Rust file opens with a
//! `//!` doc saying what it owns, and no test is ignored or expected to panic, except
//! those named in `MAY_BE_IGNORED`.

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

/// Tests that may be ignored, as `file stem::function`, each with why. Nothing else may be
/// ignored or expected to panic.
const MAY_BE_IGNORED: &[(&str, &str)] = &[(
    "docs_figures::the_group_size_forces_numbers_are_the_full_runs",
    "the full scenario takes about a minute; run with --ignored in a release build",
)];

/// The attributes that skip a test or expect it to panic, spelt at run time so that this
/// file does not contain them.
fn banned_attributes() -> [String; 2] {
    [["ig", "nore"].concat(), ["should", "_panic"].concat()]
}

/// Every attribute of `text` that ignores a test or expects a panic, with or without a
/// reason and however spaced (`#[X]`, `#[X = "why"]`, `#[X(expected = "..")]`,
/// `#[cfg_attr(cond, X)]`), as (the function it is on, the attribute).
fn skipping_attributes(text: &str) -> Vec<(String, String)> {
    let banned = banned_attributes();
    let mut found = Vec::new();
    let lines: Vec<&str> = text.lines().collect();
    for (n, line) in lines.iter().enumerate() {
        let line = line.trim_start();
        // Every attribute the line starts with (`#[test] #[X]` has two): its name and, for
        // `cfg_attr`, the attributes it applies.
        let skips =
            leading_attributes(line)
                .iter()
                .any(|words| match words.first().map(String::as_str) {
                    Some("cfg_attr") => words.iter().any(|w| banned.contains(w)),
                    Some(name) => banned.iter().any(|b| b == name),
                    None => false,
                });
        if skips {
            // The first `fn NAME` below it, outside comments.
            let function = lines[n + 1..]
                .iter()
                .filter(|l| !l.trim_start().starts_with("//"))
                .find_map(|l| {
                    let mut tokens = l
                        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                        .filter(|t| !t.is_empty());
                    tokens.find(|t| *t == "fn")?;
                    tokens.next().map(str::to_string)
                })
                .unwrap_or_default();
            found.push((function, line.to_string()));
        }
    }
    found
}

/// The attributes at the start of `line`, one after the other (`#[a] #[b(c)] fn f()` has
/// two), each as its words outside string literals; none unless the line starts with one.
fn leading_attributes(line: &str) -> Vec<Vec<String>> {
    let mut attributes = Vec::new();
    let mut rest = line;
    while let Some(inner) = rest
        .strip_prefix('#')
        .and_then(|r| r.trim_start().strip_prefix('['))
    {
        let mut words = Vec::new();
        let mut word = String::new();
        let (mut in_string, mut escaped, mut depth) = (false, false, 1);
        let mut end = inner.len();
        for (i, c) in inner.char_indices() {
            if in_string {
                match c {
                    _ if escaped => escaped = false,
                    '\\' => escaped = true,
                    '"' => in_string = false,
                    _ => {}
                }
                continue;
            }
            match c {
                '"' => in_string = true,
                '[' => depth += 1,
                ']' => depth -= 1,
                _ => {}
            }
            if c.is_alphanumeric() || c == '_' {
                word.push(c);
            } else if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            if depth == 0 {
                end = i + c.len_utf8();
                break;
            }
        }
        if !word.is_empty() {
            words.push(word);
        }
        attributes.push(words);
        rest = inner[end..].trim_start();
    }
    attributes
}

#[test]
fn no_ignored_or_should_panic_tests() {
    let mut found = Vec::new();
    let mut allowed_seen = Vec::new();
    for file in owned_files() {
        let text = fs::read_to_string(&file).unwrap();
        let stem = file.file_stem().unwrap().to_string_lossy();
        for (function, attribute) in skipping_attributes(&text) {
            let name = format!("{stem}::{function}");
            if MAY_BE_IGNORED.iter().any(|(n, _)| *n == name) {
                allowed_seen.push(name);
            } else {
                found.push(format!("{}: {function}: {attribute}", file.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "tests that are ignored or expected to panic (a test that does not run cannot fail):\n{}",
        found.join("\n")
    );
    // The allowance is kept only while its test is there and still ignored.
    for (name, _) in MAY_BE_IGNORED {
        assert!(
            allowed_seen.iter().any(|n| n == name),
            "{name} is allowed to be ignored but is not: remove it from MAY_BE_IGNORED"
        );
    }
}

/// The check above finds every spelling of the attributes, and nothing else.
#[test]
fn skipping_attributes_are_found_in_every_spelling() {
    let [ignore, should_panic] = banned_attributes();
    for (attribute, caught) in [
        (format!("#[{ignore}]"), true),
        (format!("#[{ignore} = \"slow\"]"), true),
        (format!("# [ {ignore} ]"), true),
        (format!("#[{should_panic}]"), true),
        (format!("#[{should_panic}(expected = \"boom\")]"), true),
        (format!("#[cfg_attr(miri, {ignore})]"), true),
        (format!("#[test] #[{ignore}]"), true),
        (format!("#[test] #[{should_panic}]"), true),
        (format!("#[test]#[{ignore} = \"a ] in a reason\"]"), true),
        (
            format!("#[allow(dead_code)] # [{should_panic}(expected = \"boom\")]"),
            true,
        ),
        ("#[test]".to_string(), false),
        ("#[allow(dead_code)]".to_string(), false),
        (format!("#[doc = \"{ignore} this\"]"), false),
        (format!("#[cfg_attr(miri, doc = \"{ignore}\")]"), false),
        (format!("// #[{ignore}]"), false),
        ("#[test] #[allow(dead_code)]".to_string(), false),
        (format!("#[test] // #[{ignore}]"), false),
        (format!("#[doc = \"#[{ignore}] \\\" ]\"] #[test]"), false),
    ] {
        let text = format!("#[test]\n    {attribute}\nfn a_test() {{}}\n");
        let found = skipping_attributes(&text);
        if caught {
            assert_eq!(
                found,
                vec![("a_test".to_string(), attribute.clone())],
                "{attribute}"
            );
        } else {
            assert!(found.is_empty(), "{attribute}: {found:?}");
        }
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
