//! The teaching page and a run's `index.html` open in a real browser (headless Chromium) with
//! every chart decoded. Skipped with a message when Chromium is not installed, unless
//! `COPROD_BROWSER_TESTS=1` (set by `.ci/run`), which makes a missing browser a failure.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::util::Sandbox;

/// How Chromium starts headless on these machines, as root and with no network beyond
/// loopback: without the background-networking switches it keeps trying hosts it cannot reach.
pub(crate) const HEADLESS_FLAGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// The Chromium binary: `$COPROD_CHROMIUM`, else `chromium` or `chromium-browser` on PATH.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("COPROD_CHROMIUM") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|p| p.is_file())
}

/// Chromium, or `None` (with a message) when the test may be skipped.
pub(crate) fn browser_or_skip(test: &str) -> Option<PathBuf> {
    match chromium() {
        Some(path) => Some(path),
        None if std::env::var_os("COPROD_BROWSER_TESTS").is_some_and(|v| v == "1") => {
            panic!("COPROD_BROWSER_TESTS=1 but no chromium found (install Debian's `chromium`)")
        }
        None => {
            eprintln!(
                "SKIPPED {test}: no chromium on PATH (apt-get install chromium, or set \
                 COPROD_CHROMIUM); set COPROD_BROWSER_TESTS=1 to make this a failure"
            );
            None
        }
    }
}

/// The page's DOM after load, as Chromium sees it (flags from the design recipes, §6).
fn dump_dom(browser: &Path, page: &Path) -> String {
    let profile = tempfile::tempdir().unwrap();
    // To a file, not a pipe: the DOM (with inlined charts) is larger than a pipe's buffer.
    let dom_path = profile.path().join("dom.html");
    let dom_file = std::fs::File::create(&dom_path).unwrap();
    let mut child = Command::new(browser)
        .args(HEADLESS_FLAGS)
        .args(["--virtual-time-budget=5000", "--dump-dom"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("file://{}", page.canonicalize().unwrap().display()))
        .stdout(Stdio::from(dom_file))
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium starts");
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("chromium did not finish within 90 s on {}", page.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    String::from_utf8_lossy(&std::fs::read(&dom_path).unwrap()).into_owned()
}

/// Checks that the page loaded and every one of its `expected` charts decoded.
fn check_loaded(browser: &Path, page: &Path, title: &str) {
    let html = std::fs::read_to_string(page).unwrap();
    let expected = html.matches("<img class=\"chart\"").count();
    assert!(expected > 0, "{} has no charts", page.display());
    let dom = dump_dom(browser, page);
    assert!(
        dom.contains(title),
        "the page did not load: {}",
        &dom[..dom.len().min(300)]
    );
    let marker = format!("data-charts-loaded=\"{expected}/{expected}\"");
    assert!(
        dom.contains(&marker),
        "not every chart decoded in {}: expected {marker}, DOM starts {}",
        page.display(),
        &dom[..dom.len().min(300)]
    );
}

#[test]
fn teaching_page_and_run_index_load_with_their_charts_in_chromium() {
    let Some(browser) =
        browser_or_skip("teaching_page_and_run_index_load_with_their_charts_in_chromium")
    else {
        return;
    };
    let sb = Sandbox::new();
    let dir = crate::teach::quick_lesson(&sb);
    check_loaded(
        &browser,
        &dir.join("teach.html"),
        "Is there a best group size for co-production?",
    );
    check_loaded(&browser, &dir.join("index.html"), "coprod run: group-size");
}
