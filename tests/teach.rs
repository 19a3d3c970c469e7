//! `coprod teach group-size`: one command writes the teaching page with the best group size
//! and its 95% CI for each service regime, its charts, and the run's CSVs.

use std::fs;

use crate::util::{Sandbox, read};

/// A quick lesson with few citizens, fast in a debug build.
pub(crate) fn quick_lesson(sb: &Sandbox) -> std::path::PathBuf {
    let assert = sb
        .cmd(&[
            "teach",
            "group-size",
            "--quick",
            "--set",
            "population.n_citizens=500",
            "--out",
            "lesson",
        ])
        .assert()
        .success();
    let stdout = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    assert_eq!(
        stdout.trim(),
        "lesson/teach.html",
        "stdout is the page's path"
    );
    sb.path().join("lesson")
}

#[test]
fn teach_writes_a_self_contained_page_naming_the_best_size_per_regime() {
    let sb = Sandbox::new();
    let dir = quick_lesson(&sb);
    let page = read(&dir.join("teach.html"));
    for regime in ["Per-member service", "Non-rival joint supply"] {
        let key = format!("<b>{regime}</b>: groups of <b>");
        let at = page
            .find(&key)
            .unwrap_or_else(|| panic!("no key numbers for {regime}"));
        let rest = &page[at + key.len()..];
        let size: u32 = rest[..rest.find(' ').unwrap()].parse().expect("a size");
        assert!((2..=40).contains(&size));
        let sentence = &rest[..rest.find("</div>").unwrap()];
        assert!(sentence.contains("(95% CI "), "{sentence}");
    }
    // The mechanisms in the model's words, with this run's numbers.
    for words in [
        "peer visibility = attention / (n − 1)",
        "coordination cost = 0.02 × (n − 1)",
        "minimum viable effort",
        "conditional cooperation decay",
    ] {
        assert!(page.contains(words), "the page does not explain {words:?}");
    }
    // Self-contained: charts inlined, nothing fetched.
    assert_eq!(page.matches("src=\"data:image/png;base64,").count(), 5);
    assert!(!page.contains("http://") && !page.contains("https://"));
    for chart in [
        "teach_survival_by_size",
        "teach_survival_curves_baseline",
        "teach_survival_curves_joint",
        "teach_participation_baseline",
        "teach_participation_joint",
    ] {
        assert!(dir.join("charts").join(format!("{chart}.png")).exists());
        assert!(dir.join("charts").join(format!("{chart}.svg")).exists());
    }
    let svg = read(&dir.join("charts/teach_survival_by_size.svg"));
    assert!(svg.contains("group size (members, the cap on recruitment)"));
    assert!(svg.contains("share of groups still active (0–1)"));
    // The run itself is a normal run directory with its own report.
    assert!(dir.join("index.html").exists() && dir.join("summary.csv").exists());
}

#[test]
fn teach_refuses_to_overwrite_without_force() {
    let sb = Sandbox::new();
    fs::create_dir(sb.path().join("lesson")).unwrap();
    fs::write(sb.path().join("lesson/notes.txt"), "mine").unwrap();
    sb.cmd(&["teach", "group-size", "--quick", "--out", "lesson"])
        .assert()
        .code(2);
    assert_eq!(read(&sb.path().join("lesson/notes.txt")), "mine");
}
