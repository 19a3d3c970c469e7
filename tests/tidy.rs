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
