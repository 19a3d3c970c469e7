//! `coprod serve` in headless Chromium, driven over the DevTools protocol (CDP):
//! - the explore page: move a slider, press Go, charts and community view change; a
//!   dropped connection, a server that stops or restarts;
//! - the experiment started from its page; a server that stops or restarts meanwhile;
//! - a game with a teacher page and six student pages through three rounds, checking the
//!   teacher's chart and the CSV export;
//! - a student's page when the game ends before any round, when the game is gone and when
//!   it lost the connection; a student's round countdown;
//! - a teacher's page when its game is gone and when its server stops and restarts;
//! - the Play page's list of games with its End button;
//! - the teacher removing a student and closing joining in the lobby.
//!
//! Screenshots at 1366x768 are written to `target/serve-screenshots/`; with
//! `COPROD_UPDATE_SCREENSHOTS=1` also to `docs/images/` (the ones docs/teaching.md shows).
//! Skipped like the other browser tests when Chromium is missing, unless
//! `COPROD_BROWSER_TESTS=1`.
//!
//! The CDP client is the few calls these tests need over the WebSocket client the protocol
//! tests already use (no chromedriver, no generated protocol crate to compile).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use base64::Engine;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::browser::{HEADLESS_FLAGS, browser_or_skip};
use crate::serve::{Client, Served, http};
use crate::util::{Sandbox, root};

/// Headless Chromium with remote debugging, stopped (by its PID) when dropped.
struct Chromium {
    child: Child,
    port: u16,
    _profile: tempfile::TempDir,
}

impl Chromium {
    fn start(binary: &Path) -> Chromium {
        let profile = tempfile::tempdir().unwrap();
        let child = Command::new(binary)
            .args(HEADLESS_FLAGS)
            .args(["--remote-debugging-port=0", "--window-size=1366,768"])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromium starts");
        // Chromium writes its DevTools port into the profile once it listens.
        let port_file = profile.path().join("DevToolsActivePort");
        let mut port = None;
        for _ in 0..600 {
            port = std::fs::read_to_string(&port_file)
                .ok()
                .and_then(|t| t.lines().next().and_then(|l| l.parse().ok()));
            if port.is_some() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Chromium {
            port: port.expect("chromium prints its DevTools address"),
            child,
            _profile: profile,
        }
    }

    /// Opens a new tab at `url`, in a browser context of its own (its own storage, as a
    /// student's own device), and connects to it.
    async fn tab(&self, url: &str) -> Tab {
        let mut browser = self.browser().await;
        let context = browser.call("Target.createBrowserContext", json!({})).await;
        self.open(&mut browser, url, context["browserContextId"].clone())
            .await
    }

    /// Opens a new tab at `url` in `beside`'s browser context (sharing its storage, as a
    /// second tab on the same device), and connects to it.
    async fn tab_beside(&self, beside: &mut Tab, url: &str) -> Tab {
        let info = beside.call("Target.getTargetInfo", json!({})).await;
        let context = info["targetInfo"]["browserContextId"].clone();
        let mut browser = self.browser().await;
        self.open(&mut browser, url, context).await
    }

    /// A connection to the browser itself (not a tab).
    async fn browser(&self) -> Tab {
        let (status, body) = http(
            &format!("http://127.0.0.1:{}/json/version", self.port),
            "GET",
            None,
        );
        assert_eq!(status, 200, "{body}");
        let version: Value = serde_json::from_str(&body).unwrap();
        let browser_ws = version["webSocketDebuggerUrl"].as_str().unwrap();
        let (socket, _) = tokio_tungstenite::connect_async(browser_ws).await.unwrap();
        Tab { socket, next: 0 }
    }

    /// Opens a tab at `url` in browser context `context` and connects to it, at the
    /// projector's size, once its page has loaded.
    async fn open(&self, browser: &mut Tab, url: &str, context: Value) -> Tab {
        let target = browser
            .call(
                "Target.createTarget",
                json!({"url": url, "browserContextId": context}),
            )
            .await;
        let page_ws = format!(
            "ws://127.0.0.1:{}/devtools/page/{}",
            self.port,
            target["targetId"].as_str().unwrap()
        );
        let (socket, _) = tokio_tungstenite::connect_async(page_ws).await.unwrap();
        let mut tab = Tab { socket, next: 0 };
        tab.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": 1366, "height": 768, "deviceScaleFactor": 1, "mobile": false}),
        )
        .await;
        // Until the server answers, the new tab holds an empty about:blank page whose
        // readyState is already 'complete': wait for `url`'s page, not that one.
        tab.wait("location.href !== 'about:blank' && document.readyState === 'complete'")
            .await;
        tab
    }
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The screenshots docs/teaching.md shows.
const DOCS_SCREENSHOTS: &[&str] = &[
    "serve-explore",
    "serve-experiment",
    "serve-game-lobby",
    "serve-game-teacher",
    "serve-student-round",
    "serve-student-phone",
];

/// Whether chromium refused an evaluation because the page navigated (or reloaded) while it
/// ran: its context was destroyed, or the target it inspected navigated.
fn navigated(error: &Value) -> bool {
    let message = error["message"].as_str().unwrap_or_default();
    [
        "navigated or closed",
        "context was destroyed",
        "Cannot find context",
    ]
    .iter()
    .any(|m| message.contains(m))
}

struct Tab {
    socket: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    next: u64,
}

impl Tab {
    async fn call(&mut self, method: &str, params: Value) -> Value {
        match self.try_call(method, params).await {
            Ok(result) => result,
            Err(error) => panic!("{method}: {error}"),
        }
    }

    /// The result of `method`, or the error message chromium answered with.
    async fn try_call(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        self.next += 1;
        let id = self.next;
        let message = json!({"id": id, "method": method, "params": params});
        self.socket
            .send(Message::Text(message.to_string().into()))
            .await
            .unwrap();
        loop {
            let next = tokio::time::timeout(Duration::from_secs(60), self.socket.next())
                .await
                .expect("chromium answers within 60 s")
                .unwrap()
                .unwrap();
            let Message::Text(text) = next else { continue };
            let v: Value = serde_json::from_str(text.as_str()).unwrap();
            if v["id"] == id {
                return match v.get("error") {
                    Some(error) => Err(error.clone()),
                    None => Ok(v["result"].clone()),
                };
            }
        }
    }

    /// Evaluates `expression` in the page and returns its value.
    async fn eval(&mut self, expression: &str) -> Value {
        let r = self
            .call(
                "Runtime.evaluate",
                json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
            )
            .await;
        assert!(r.get("exceptionDetails").is_none(), "{expression}: {r}");
        r["result"]["value"].clone()
    }

    /// Waits (up to 60 s) until `expression` is true in the page.
    async fn wait(&mut self, expression: &str) {
        for _ in 0..600 {
            // Exceptions count as false: the page may still be loading.
            let test = format!(
                "(() => {{ try {{ return !!({expression}); }} catch (e) {{ return false; }} }})()"
            );
            // So does an evaluation the page's navigation cut off (a reload the test
            // asked for may still be under way on a loaded machine).
            let args = json!({"expression": test, "returnByValue": true});
            match self.try_call("Runtime.evaluate", args).await {
                Ok(r) if r["result"]["value"] == json!(true) => return,
                Ok(_) => {}
                Err(error) if navigated(&error) => {}
                Err(error) => panic!("Runtime.evaluate: {error}"),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let body = self.eval("document.body.innerText.slice(0, 500)").await;
        panic!("timed out waiting for {expression}; page text: {body}");
    }

    /// Saves a 1366x768 screenshot as `name`.png.
    async fn screenshot(&mut self, name: &str) -> PathBuf {
        let shot = self
            .call("Page.captureScreenshot", json!({"format": "png"}))
            .await;
        let png = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap())
            .unwrap();
        let dir = root().join("target").join("serve-screenshots");
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.png"));
        std::fs::write(&path, &png).unwrap();
        if DOCS_SCREENSHOTS.contains(&name)
            && std::env::var_os("COPROD_UPDATE_SCREENSHOTS").is_some_and(|v| v == "1")
        {
            std::fs::write(root().join("docs/images").join(format!("{name}.png")), &png).unwrap();
        }
        path
    }
}

/// A student's page of game `code`, joined and seated. Join is clicked only once the page
/// has loaded: a click before its script attached the handler would be lost.
async fn seated_student(chrome: &Chromium, served: &Served, code: &str) -> Tab {
    let mut student = chrome.tab(&format!("{}/play/{code}", served.base)).await;
    student
        .wait("document.readyState === 'complete' && document.getElementById('go')")
        .await;
    student.eval("document.getElementById('go').click()").await;
    student.wait("document.body.dataset.seat").await;
    student
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Moves the explore page's group-size slider to 20 as a user would (input, then change).
const CAP_SLIDER_TO_20: &str = "(() => { const s = document.getElementById('ctl-levers.group_size_cap'); s.value = 20; s.dispatchEvent(new Event('input')); s.dispatchEvent(new Event('change')); })()";

#[test]
fn explore_page_slider_and_go_change_the_charts_and_the_community_view() {
    let Some(browser) = browser_or_skip("explore_page_slider_and_go_change_the_charts") else {
        return;
    };
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let chrome = Chromium::start(&browser);
    runtime().block_on(async {
        let mut page = chrome.tab(&served.teacher("/explore")).await;
        page.wait("document.querySelector('#chart-0 svg') && document.getElementById('ctl-levers.group_size_cap')").await;
        let before = page.eval("document.getElementById('chart-0').innerHTML + document.getElementById('community-view').innerHTML").await;
        // Move the group-size slider, then press Go.
        page.eval(CAP_SLIDER_TO_20).await;
        page.eval("document.getElementById('go').click()").await;
        // Run until citizens are in groups (the first groups form within months), then pause.
        page.wait("Number(document.body.dataset.step) >= 10 && document.getElementById('participation').textContent !== '0%'").await;
        page.eval("document.getElementById('pause').click()").await;
        page.wait("document.getElementById('go').disabled === false").await;
        for _ in 0..60 {
            if page.eval("document.getElementById('participation').textContent").await != json!("0%") {
                break;
            }
            let step = page.eval("Number(document.body.dataset.step)").await;
            page.eval("document.getElementById('step').click()").await;
            page.wait(&format!("Number(document.body.dataset.step) > {step}")).await;
        }
        let after = page.eval("document.getElementById('chart-0').innerHTML + document.getElementById('community-view').innerHTML").await;
        assert_ne!(before, after, "charts and community view did not change");
        let members = page
            .eval("Number(document.querySelector('#community-view svg').dataset.members)")
            .await;
        assert!(members.as_u64().is_some());
        // Choose communities until one shows a group (the chooser works, groups are drawn).
        let mut with_group = false;
        for c in 0..10 {
            page.eval(&format!("(() => {{ const s = document.getElementById('community'); s.value = '{c}'; s.dispatchEvent(new Event('change')); }})()")).await;
            page.wait(&format!("document.querySelector('#community-view svg').getAttribute('aria-label') === 'Community {} of 10'", c + 1)).await;
            let members = page.eval("Number(document.querySelector('#community-view svg').dataset.members)").await;
            if members.as_u64().unwrap_or(0) > 0 {
                with_group = true;
                break;
            }
        }
        assert!(with_group, "no community shows a group although some citizens are in one");
        let shown = page
            .eval("document.querySelector('#ctl-levers\\\\.group_size_cap').parentElement.querySelector('.value').textContent")
            .await;
        assert_eq!(shown, json!("20"));
        page.wait("document.getElementById('error').textContent === ''").await;
        page.screenshot("serve-explore").await;
    });
}

/// The explore page states the share of citizens in a group to a tenth of a percent:
/// whole percents showed a group of four among 1000 citizens (0.4%) as "in a group 0%"
/// beside "active groups 1". Frames as the server sends them, with the shares to show.
#[test]
fn explore_page_states_a_small_share_in_a_group_as_more_than_none() {
    let Some(browser) = browser_or_skip("explore_page_states_a_small_share") else {
        return;
    };
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let chrome = Chromium::start(&browser);
    runtime().block_on(async {
        let mut page = chrome.tab(&served.teacher("/explore")).await;
        page.wait("Number(document.body.dataset.frames) >= 1").await;
        let url = served.ws_url(&format!("/ws/explore?key={}", served.key));
        let mut frame = Client::connect(&url)
            .await
            .until(|v| v["type"] == "frame")
            .await;
        frame["active_groups"] = json!(1);
        for (share, shown) in [
            (0.0, "0%"),
            (0.0004, "under 0.1%"),
            (0.004, "0.4%"),
            (0.026, "2.6%"),
            (0.1234, "12.3%"),
        ] {
            frame["participation"] = json!(share);
            page.eval(&format!("onMessage({frame})")).await;
            let text = page
                .eval("document.getElementById('participation').textContent")
                .await;
            assert_eq!(text, json!(shown), "participation {share}");
        }
    });
}

/// Each slider shows its unit beside its value, as /api/controls sends it ("Cost of taking
/// part 0.5" is in benefit units per step): the page showed the number alone. A choice
/// has none, nor a slider whose label already says it ("Citizens").
#[test]
fn explore_page_shows_each_sliders_unit_beside_its_value() {
    let Some(browser) = browser_or_skip("explore_page_shows_each_sliders_unit") else {
        return;
    };
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let chrome = Chromium::start(&browser);
    let (status, body) = http(&served.teacher("/api/controls"), "GET", None);
    assert_eq!(status, 200, "{body}");
    let controls: Vec<Value> = serde_json::from_str(&body).unwrap();
    runtime().block_on(async {
        let mut page = chrome.tab(&served.teacher("/explore")).await;
        page.wait("document.getElementById('ctl-population.n_citizens')")
            .await;
        let shown = |name: &str| {
            format!("(() => {{ const l = document.getElementById('ctl-{name}').parentElement; return [l.querySelector('.value').textContent, l.querySelector('.unit').textContent, l.innerText.replace(/\\s+/g, ' ')]; }})()")
        };
        let cost = page.eval(&shown("levers.participation_cost")).await;
        assert_eq!(cost[0], json!("0.5"), "{cost}");
        assert_eq!(cost[1], json!("benefit units per step"), "{cost}");
        assert!(
            cost[2].as_str().unwrap().contains("0.5 benefit units per step"),
            "the unit reads after the value: {cost}"
        );
        for c in &controls {
            let name = c["name"].as_str().unwrap();
            let [unit, label] = [&c["unit"], &c["label"]].map(|v| v.as_str().unwrap());
            let want = if !c["options"].as_array().unwrap().is_empty()
                || label.to_lowercase().contains(&unit.to_lowercase())
            {
                ""
            } else {
                unit
            };
            let got = page.eval(&shown(name)).await;
            assert_eq!(got[1], json!(want), "{name}: {got}");
        }
    });
}

/// A dropped connection gives the page a new run on the server; the page gives that run
/// the settings its sliders show and says that the run started again.
#[test]
fn explore_page_keeps_its_settings_when_the_connection_drops() {
    let Some(browser) = browser_or_skip("explore_page_keeps_its_settings") else {
        return;
    };
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let chrome = Chromium::start(&browser);
    runtime().block_on(async {
        let mut page = chrome.tab(&served.teacher("/explore")).await;
        page.wait(
            "document.body.dataset.values && document.getElementById('ctl-levers.group_size_cap')",
        )
        .await;
        let cap = "JSON.parse(document.body.dataset.values)['levers.group_size_cap']";
        assert_ne!(
            page.eval(cap).await,
            json!(20),
            "the start value is not the test's"
        );
        page.eval(CAP_SLIDER_TO_20).await;
        page.wait(&format!("{cap} === 20")).await;
        page.eval("(() => { const s = document.getElementById('community'); s.value = '2'; s.dispatchEvent(new Event('change')); })()").await;
        page.wait("document.querySelector('#community-view svg').getAttribute('aria-label') === 'Community 3 of 10'").await;
        page.eval("document.getElementById('step').click()").await;
        page.wait("Number(document.body.dataset.step) === 1").await;
        page.eval("sock.socket.close()").await;
        page.wait("document.getElementById('error').textContent.includes('connection')")
            .await;
        page.wait(&format!(
            "{cap} === 20 && document.body.dataset.step === '0'"
        ))
        .await;
        let shown = page
            .eval("document.getElementById('ctl-levers.group_size_cap').value")
            .await;
        assert_eq!(shown, json!("20"));
        page.wait("document.querySelector('#community-view svg').getAttribute('aria-label') === 'Community 3 of 10'").await;
    });
}

/// The explore page of a server that stopped says it lost the connection and keeps trying;
/// once the server is back (restarted, so with a new key), it says the key is no longer
/// accepted and stops (it retried in silence every second).
#[test]
fn explore_page_says_when_its_server_stopped_or_restarted() {
    let Some(browser) = browser_or_skip("explore_page_says_when_its_server_stopped") else {
        return;
    };
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let port = served.port();
    let chrome = Chromium::start(&browser);
    let error = "document.getElementById('error').textContent";
    runtime().block_on(async {
        let mut page = chrome.tab(&served.teacher("/explore")).await;
        page.wait("document.body.dataset.frames").await;
        drop(served);
        page.wait(&format!(
            "{error}.startsWith('Lost the connection to the server')"
        ))
        .await;
        assert_eq!(
            page.eval("sock.stopped").await,
            json!(false),
            "it keeps trying"
        );
        let restarted = Served::start_on(&sb, port);
        page.wait(&format!(
            "document.body.dataset.gone === 'true' && sock.stopped && \
             document.getElementById('go').disabled && \
             {error}.startsWith(\"The server no longer accepts this page's key\")"
        ))
        .await;
        drop(restarted);
    });
}

/// The experiment page of a server that stops while the experiment runs says it lost the
/// connection and keeps asking (its progress froze without a word); once the server is
/// back (restarted, so with a new key), it says the key is no longer accepted and stops.
#[test]
fn experiment_page_says_when_its_server_stopped_or_restarted() {
    let Some(browser) = browser_or_skip("experiment_page_says_when_its_server_stopped") else {
        return;
    };
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let port = served.port();
    let chrome = Chromium::start(&browser);
    runtime().block_on(async {
        let mut page = chrome.tab(&served.teacher("/experiment")).await;
        page.wait("document.body.dataset.state === 'idle'").await;
        page.eval("document.getElementById('full').click()").await;
        page.wait("document.body.dataset.state === 'running'").await;
        drop(served);
        page.wait(
            "document.getElementById('status').textContent.startsWith('Lost the connection to the server')",
        )
        .await;
        let restarted = Served::start_on(&sb, port);
        page.wait(
            "document.body.dataset.gone === 'true' && document.getElementById('full').disabled && \
             document.getElementById('error').textContent.startsWith(\"The server no longer accepts this page's key\")",
        )
        .await;
        drop(restarted);
    });
}

#[test]
fn experiment_page_runs_the_group_size_experiment_and_shows_results() {
    let Some(browser) = browser_or_skip("experiment_page_runs_the_group_size_experiment") else {
        return;
    };
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let chrome = Chromium::start(&browser);
    runtime().block_on(async {
        let mut page = chrome.tab(&served.teacher("/experiment")).await;
        page.wait("document.body.dataset.state === 'idle'").await;
        page.eval("document.getElementById('quick').click()").await;
        page.wait("document.body.dataset.state === 'done' || document.body.dataset.state === 'failed'").await;
        let error = page.eval("document.getElementById('error').textContent").await;
        assert_eq!(error, json!(""));
        page.wait("document.querySelector('#chart svg') && document.querySelectorAll('#table tr').length === 6").await;
        let table = page.eval("document.getElementById('table').innerText").await;
        let table = table.as_str().unwrap();
        assert!(table.contains("per-member") && table.contains("%"), "{table}");
        // The share is the teaching page's pooled Kaplan-Meier estimate, not a mean: the
        // mean of runs.csv's share_lasting_24 over the runs (summary.csv) differs from it.
        assert!(
            table.contains("share still going (Kaplan-Meier, every group of that size pooled)")
                && !table.contains("(mean)"),
            "{table}"
        );
        let folder = page.eval("document.getElementById('folder').textContent").await;
        assert!(
            folder.as_str().unwrap().starts_with("3 replications per size (too few for the intervals to hold 95%"),
            "{folder}"
        );
        // 3 replications: each regime's size is tentative, or not clear of the runner-up.
        let bests = page.eval("[...document.querySelectorAll('#table tr')].slice(1).map((r) => r.cells[1].textContent)").await;
        for best in bests.as_array().unwrap() {
            let best = best.as_str().unwrap();
            assert!(
                best.ends_with("(tentative: 3 replications)") || best.starts_with("no clear best"),
                "{best}"
            );
        }
        let progress = page.eval("[document.getElementById('progress').value, document.getElementById('progress').max]").await;
        assert_eq!(progress[0], progress[1]);
        page.wait("document.getElementById('teach').contentDocument && document.getElementById('teach').contentDocument.title.includes('group size')").await;
        // Every link of the embedded page leads somewhere the server serves.
        let links = page.eval("[...document.getElementById('teach').contentDocument.querySelectorAll('a[href]')].map((a) => a.getAttribute('href'))").await;
        assert_eq!(links, json!([]), "links the server does not serve");
        // Waited for, not read at once: the embedded page may still be laying out its text
        // when its title is set (this failed once on a loaded machine).
        page.wait("document.getElementById('teach').contentDocument.body.innerText.includes(\"index.html in the run's folder\")").await;
        page.screenshot("serve-experiment").await;
        // The status of a next experiment, as the page's poll gets it while that one runs:
        // this one's results and page go, rather than stand as the next one's.
        page.eval("show({state: 'running', done: 3, total: 135, error: null, folder: null, results: null})").await;
        let shown = page
            .eval("[document.getElementById('status').textContent, document.getElementById('results').hidden, document.getElementById('teach').hidden]")
            .await;
        assert_eq!(shown, json!(["Running: 3 of 135 runs", true, true]));
    });
    let teach = std::fs::read_dir(sb.path().join("outputs"))
        .unwrap()
        .count();
    assert_eq!(teach, 1, "one experiment folder in outputs/");
}

#[test]
fn a_game_with_a_teacher_page_and_six_student_pages_through_three_rounds() {
    let Some(browser) = browser_or_skip("a_game_with_a_teacher_page_and_six_student_pages") else {
        return;
    };
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let chrome = Chromium::start(&browser);
    let code = runtime().block_on(async {
        let mut teacher = chrome.tab(&served.teacher("/game")).await;
        // Scripts have run (the button has its handler) once the document is complete.
        teacher.wait("document.readyState === 'complete' && document.getElementById('open')").await;
        teacher
            .eval("document.getElementById('rounds').value = 3; document.getElementById('sizes').value = '3, 8'; document.getElementById('open').click()")
            .await;
        teacher.wait("document.getElementById('code').textContent.length === 4 && document.querySelector('#qr svg')").await;
        let code = teacher.eval("document.getElementById('code').textContent").await;
        let code = code.as_str().unwrap().to_string();
        let join_url = teacher.eval("document.getElementById('url').textContent").await;
        assert_eq!(join_url, json!(format!("{}/play/{code}", served.base)));
        let mut students = Vec::new();
        for i in 0..6 {
            let mut s = chrome.tab(&format!("{}/play/{code}", served.base)).await;
            s.wait("document.readyState === 'complete' && document.getElementById('go')").await;
            s.eval(&format!("document.getElementById('nickname').value = 'student {i}'; document.getElementById('go').click()")).await;
            s.wait("document.body.dataset.seat").await;
            students.push(s);
        }
        teacher.wait("document.getElementById('joined').textContent === '6'").await;
        // The join code goes on the projector: no prediction of the model next to it yet.
        let lobby_chart = teacher.eval("document.querySelector('#chart svg') === null").await;
        assert_eq!(lobby_chart, json!(true), "the lobby shows the model's chart");
        let note = teacher.eval("document.getElementById('chart-note').hidden").await;
        assert_eq!(note, json!(true), "the lobby explains a chart it does not show");
        teacher.screenshot("serve-game-lobby").await;
        teacher.eval("document.getElementById('start').click()").await;
        for round in 1..=3 {
            for (i, s) in students.iter_mut().enumerate() {
                s.wait(&format!("document.body.dataset.phase === 'open' && document.body.dataset.round === '{round}'")).await;
                if round == 1 && i == 0 {
                    s.screenshot("serve-student-round").await;
                }
                let amount = (i * 3 + round as usize) % 21;
                s.eval(&format!("(() => {{ const b = document.getElementById('amount-box'); b.value = {amount}; b.dispatchEvent(new Event('input')); document.getElementById('confirm').click(); }})()")).await;
            }
            for s in &mut students {
                s.wait(&format!("document.getElementById('result-title').textContent.startsWith('Round {round} ')")).await;
            }
            teacher.wait(&format!("document.body.dataset.phase === 'ended' || (document.body.dataset.phase === 'results' && document.body.dataset.round === '{round}')")).await;
            if round < 3 {
                teacher.eval("document.getElementById('next').click()").await;
            }
        }
        students[0].screenshot("serve-student-result").await;
        // The same page on a phone.
        students[1]
            .call(
                "Emulation.setDeviceMetricsOverride",
                json!({"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": true}),
            )
            .await;
        students[1].screenshot("serve-student-phone").await;
        teacher.wait("document.body.dataset.phase === 'ended'").await;
        let chart = teacher.eval("document.querySelector('#chart svg').outerHTML").await;
        let chart = chart.as_str().unwrap();
        assert!(chart.contains("class, groups of 3") && chart.contains("model, 8"));
        // The class lines have a point per round.
        assert!(chart.matches("<circle").count() >= 2 * 3, "{chart}");
        let rows = teacher.eval("document.querySelectorAll('#outcomes tr').length").await;
        assert_eq!(rows, json!(3));
        // The table counts simulated seats, the chart's class lines do not: the page says so.
        let caption = teacher.eval("document.querySelector('#outcomes caption').textContent").await;
        assert!(
            caption.as_str().unwrap().starts_with("Everyone in the groups: students and simulated"),
            "{caption}"
        );
        // The page says in words what the model's band is.
        let note = teacher.eval("document.getElementById('chart-note').hidden ? '' : document.getElementById('chart-note').textContent").await;
        assert!(note.as_str().unwrap().contains("Shaded: where the model puts 95 out of 100 classes with groups like yours"), "{note}");
        assert!(chart.contains("fill-opacity"), "the model's band is drawn once the game has started");
        teacher.screenshot("serve-game-teacher").await;
        // Reloading keeps the seat (the browser remembers it) and the teacher's page.
        let seat = students[2].eval("document.body.dataset.seat").await;
        students[2].call("Page.reload", json!({})).await;
        students[2].wait("document.readyState === 'complete'").await;
        students[2].wait(&format!("document.body.dataset.seat === {seat} && document.body.dataset.phase === 'ended'")).await;
        teacher.call("Page.reload", json!({})).await;
        teacher.wait("document.body.dataset.phase === 'ended' && document.querySelector('#chart svg')").await;
        code
    });
    let (status, csv) = http(
        &served.teacher(&format!("/game/{code}/results.csv")),
        "GET",
        None,
    );
    assert_eq!(status, 200);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + 3 * (3 + 8), "{csv}");
    assert_eq!(
        lines.iter().filter(|l| l.contains(",student,")).count(),
        3 * 6
    );
    assert!(
        !csv.contains("student 0"),
        "nicknames exported although not enabled"
    );
}

/// A student's page when the game ends before any round: it says the game is over rather
/// than showing nothing. When the game is gone (removed to make room for another), the
/// page stops trying to reconnect, although it shows a seat.
#[test]
fn a_student_page_says_the_game_is_over_and_stops_when_the_game_is_gone() {
    let Some(browser) = browser_or_skip("a_student_page_says_the_game_is_over") else {
        return;
    };
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let chrome = Chromium::start(&browser);
    let settings = one_round_game(60);
    let code = served.open_game(&settings);
    runtime().block_on(async {
        let mut student = seated_student(&chrome, &served, &code).await;
        let mut teacher = served.teacher_socket(&code).await;
        teacher.send(json!({"type": "end"})).await;
        student.wait("document.body.dataset.phase === 'ended' && !document.getElementById('over').hidden").await;
        let text = student.eval("document.querySelector('main').innerText").await;
        assert!(text.as_str().unwrap().contains("The game is over"), "{text}");
        // 20 more games: the last one removes this ended game.
        for _ in 0..20 {
            served.open_game(&settings);
        }
        student.eval("sock.socket.close()").await;
        student.wait("sock === null && document.getElementById('error').textContent.startsWith('no game has the code')").await;
    });
}

/// A student's page whose connection closes says so and keeps trying, and refuses to send
/// a choice it could not deliver (it was dropped without a word); once the connection is
/// back it asks for the choice again, and a choice sent then clears that. Once a stopped
/// server is back (restarted, without the game), the page says the game is gone and stops.
#[test]
fn a_student_page_says_when_it_lost_the_connection() {
    let Some(browser) = browser_or_skip("a_student_page_says_when_it_lost_the_connection") else {
        return;
    };
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let chrome = Chromium::start(&browser);
    let settings = one_round_game(600);
    let code = served.open_game(&settings);
    let port = served.port();
    let connection = "document.getElementById('connection').textContent";
    let error = "document.getElementById('error').textContent";
    let give = |n: u32| {
        format!(
            "document.getElementById('amount-box').value = '{n}'; \
             document.getElementById('confirm').click()"
        )
    };
    runtime().block_on(async {
        let mut student = seated_student(&chrome, &served, &code).await;
        let mut teacher = served.teacher_socket(&code).await;
        teacher.send(json!({"type": "start"})).await;
        student.wait("document.body.dataset.phase === 'open'").await;
        assert_eq!(student.eval(connection).await, json!(""));
        // A blip: the socket closes and the choice is pressed before it is back.
        student
            .eval(&format!("sock.socket.close(); {}", give(5)))
            .await;
        let refused = student.eval(error).await;
        assert!(
            refused
                .as_str()
                .unwrap()
                .starts_with("Not connected to the server: your choice was not sent"),
            "{refused}"
        );
        student
            .wait(&format!(
                "{error}.startsWith('The connection is back, but your choice was not sent') && {connection} === ''"
            ))
            .await;
        // The only student's choice closes the round (the other seat is simulated).
        student.eval(&give(5)).await;
        student
            .wait(&format!(
                "{error} === '' && document.getElementById('r-contribution').textContent === '5'"
            ))
            .await;
        // The server stops, then starts again without the game.
        drop(teacher);
        drop(served);
        student
            .wait(&format!(
                "{connection}.startsWith('Lost the connection to the server')"
            ))
            .await;
        let restarted = Served::start_on(&sb, port);
        student
            .wait(&format!(
                "sock === null && {connection} === '' && {error}.startsWith('no game has the code')"
            ))
            .await;
        drop(restarted);
    });
}

/// A teacher's page whose game the server removed (ended, then its place taken) says so,
/// with a link to open a new game, and stops reconnecting. A teacher's page whose server
/// stopped says it keeps trying; once the server is back (restarted, so with a new key and
/// none of its games), it says that and stops.
#[test]
fn a_teacher_page_says_when_its_game_is_gone_or_its_server_restarted() {
    let Some(browser) = browser_or_skip("a_teacher_page_says_when_its_game_is_gone") else {
        return;
    };
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let chrome = Chromium::start(&browser);
    let settings = one_round_game(60);
    let removed = served.open_game(&settings);
    // The game whose server restarts, below.
    let code = served.open_game(&settings);
    let error = "document.getElementById('game-error')";
    let served = runtime().block_on(async {
        let mut teacher = chrome
            .tab(&served.teacher(&format!("/game?code={removed}")))
            .await;
        teacher
            .wait("document.body.dataset.phase === 'lobby'")
            .await;
        teacher.eval("document.getElementById('end').click()").await;
        teacher
            .wait("document.body.dataset.phase === 'ended'")
            .await;
        // 19 more games fill the 20 places, and one more removes this ended game. The
        // page's socket still holds it; the next connection finds it gone.
        for _ in 0..19 {
            served.open_game(&settings);
        }
        teacher.eval("sock.socket.close()").await;
        teacher
            .wait("document.body.dataset.gone === 'true' && sock.stopped")
            .await;
        let text = teacher.eval(&format!("{error}.innerText")).await;
        let text = text.as_str().unwrap();
        assert!(
            text.contains(&format!(
                "This game (code {removed}) no longer exists on the server"
            )) && text.ends_with("Open a new game"),
            "{text}"
        );
        let link = teacher
            .eval(&format!("{error}.querySelector('a').href"))
            .await;
        assert_eq!(link, json!(served.teacher("/game")));
        served
    });

    // The server stops, then starts again on its port.
    let port = served.port();
    runtime().block_on(async {
        let mut teacher = chrome
            .tab(&served.teacher(&format!("/game?code={code}")))
            .await;
        teacher
            .wait("document.body.dataset.phase === 'lobby'")
            .await;
        // A list of games that arrives clears an earlier "cannot reach the server".
        teacher
            .eval("document.getElementById('error').textContent = UNREACHABLE; listGames()")
            .await;
        teacher
            .wait("document.getElementById('error').textContent === ''")
            .await;
        drop(served);
        teacher
            .wait(&format!(
                "{error}.textContent.startsWith('Lost the connection to the server')"
            ))
            .await;
        assert_eq!(
            teacher.eval("sock.stopped").await,
            json!(false),
            "it keeps trying"
        );
        // The list of games, asked of a server that does not answer, says so.
        teacher.eval("listGames()").await;
        teacher
            .wait("document.getElementById('error').textContent === UNREACHABLE")
            .await;
        let restarted = Served::start_on(&sb, port);
        teacher
            .wait("document.body.dataset.gone === 'true' && sock.stopped")
            .await;
        let text = teacher.eval(&format!("{error}.innerText")).await;
        assert!(
            text.as_str()
                .unwrap()
                .starts_with("The server no longer accepts this page's key"),
            "{text}"
        );
        let start = teacher
            .eval("document.getElementById('start').disabled")
            .await;
        assert_eq!(start, json!(true));
        drop(restarted);
    });
}

/// The settings of a one-round game in groups of two (one student and a simulated seat),
/// whose round closes after `seconds`.
fn one_round_game(seconds: u32) -> serde_json::Value {
    json!({"sizes": [2], "task": "lab", "rounds": 1, "endowment": 20,
        "mpcr": 0.4, "rematch": true, "nicknames": false, "round_seconds": seconds})
}

/// A student's page shows the seconds left in the open round, and counts them down.
#[test]
fn a_student_page_counts_down_the_round() {
    let Some(browser) = browser_or_skip("a_student_page_counts_down_the_round") else {
        return;
    };
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let chrome = Chromium::start(&browser);
    let settings = one_round_game(600);
    let code = served.open_game(&settings);
    runtime().block_on(async {
        let mut student = seated_student(&chrome, &served, &code).await;
        let mut teacher = served.teacher_socket(&code).await;
        teacher.send(json!({"type": "start"})).await;
        let seconds = "Number((document.getElementById('countdown').textContent.match(/^(\\d+) s left$/) || [])[1])";
        student
            .wait(&format!("document.body.dataset.phase === 'open' && {seconds} > 0 && {seconds} <= 600"))
            .await;
        let first = student.eval(seconds).await.as_u64().unwrap();
        student.wait(&format!("{seconds} < {first}")).await;
        // Once the round has closed, no countdown.
        teacher.send(json!({"type": "close_round"})).await;
        student
            .wait("document.body.dataset.phase === 'ended' && document.getElementById('countdown').textContent === ''")
            .await;
    });
}

/// The Play page lists the games the server holds; End on a game left in the lobby ends it
/// (no question asked: it has no results to lose) and the list shows it ended.
#[test]
fn the_play_page_lists_the_games_and_ends_one() {
    let Some(browser) = browser_or_skip("the_play_page_lists_the_games_and_ends_one") else {
        return;
    };
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let chrome = Chromium::start(&browser);
    let settings = one_round_game(60);
    let left = served.open_game(&settings);
    let other = served.open_game(&settings);
    runtime().block_on(async {
        let mut teacher = chrome.tab(&served.teacher("/game")).await;
        let row = |code: &str| format!("document.querySelector('#games tr[data-code=\"{code}\"]')");
        teacher
            .wait(&format!("{} && {}", row(&left), row(&other)))
            .await;
        // No game opened on this page: its (empty) panel stays hidden below the list.
        let panel = teacher
            .eval("getComputedStyle(document.getElementById('game')).display")
            .await;
        assert_eq!(panel, json!("none"));
        let text = teacher.eval(&format!("{}.innerText", row(&left))).await;
        assert!(
            text.as_str().unwrap().contains("waiting for students"),
            "{text}"
        );
        teacher
            .eval(&format!(
                "document.querySelector('button[data-end=\"{left}\"]').click()"
            ))
            .await;
        teacher
            .wait(&format!("{}.dataset.phase === 'ended'", row(&left)))
            .await;
        let text = teacher.eval(&format!("{}.innerText", row(&left))).await;
        assert!(text.as_str().unwrap().contains("ended"), "{text}");
        let phase = teacher
            .eval(&format!("{}.dataset.phase", row(&other)))
            .await;
        assert_eq!(phase, json!("lobby"));
        let error = teacher
            .eval("document.getElementById('error').textContent")
            .await;
        assert_eq!(error, json!(""));
        teacher.screenshot("serve-game-list").await;
    });
    let (_, body) = http(&served.teacher("/api/games"), "GET", None);
    let list: Value = serde_json::from_str(&body).unwrap();
    let phases: Vec<(&str, &str)> = list["games"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| (g["code"].as_str().unwrap(), g["phase"].as_str().unwrap()))
        .collect();
    assert_eq!(
        phases,
        vec![(other.as_str(), "lobby"), (left.as_str(), "ended")]
    );
}

/// A teacher who types a word or a fraction into the Play form is told, in the form's words,
/// which field to correct and what it takes (not the JSON types of the request), and no game
/// opens.
#[test]
fn the_play_form_names_the_field_of_a_number_it_cannot_take() {
    let Some(browser) = browser_or_skip("the_play_form_names_the_field_of_a_number") else {
        return;
    };
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let chrome = Chromium::start(&browser);
    let sizes = "Group sizes: type one to four different whole numbers from 2 to 40, separated by \
                 commas (for example 3, 8).";
    let cases = [
        ("sizes", "3 and 8", sizes),
        ("sizes", "3, 8.5", sizes),
        ("sizes", "3, 99999999999", sizes),
        ("rounds", "2.5", "Rounds: type a whole number from 1 to 30."),
        (
            "round_seconds",
            "-5",
            "Seconds per round: type a whole number from 10 to 600.",
        ),
        (
            "endowment",
            "",
            "Tokens per round: type a whole number from 1 to 1000.",
        ),
    ];
    runtime().block_on(async {
        let mut teacher = chrome.tab(&served.teacher("/game")).await;
        teacher.wait("document.getElementById('open')").await;
        for (id, typed, said) in cases {
            teacher
                .eval(&format!(
                    "document.getElementById('settings').reset(); \
                     document.getElementById('{id}').value = '{typed}'; \
                     document.getElementById('error').textContent = ''; \
                     document.getElementById('open').click()"
                ))
                .await;
            teacher
                .wait("document.getElementById('error').textContent !== ''")
                .await;
            let error = teacher
                .eval("document.getElementById('error').textContent")
                .await;
            assert_eq!(error, json!(said), "{id} = {typed:?}");
        }
    });
    let (_, body) = http(&served.teacher("/api/games"), "GET", None);
    let list: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(list["games"], json!([]), "no game opened");
}

/// A student's page states the payoff rule of their game and group size: what each member
/// gets per token in the pot and, in the co-production tasks, the fewest tokens the pot
/// needs (it said only "what you put in the group's pot earns every member", so a student
/// did not know what a token returns, nor that a smaller pot is lost, until it was).
#[test]
fn a_student_page_states_the_payoff_rule() {
    let Some(browser) = browser_or_skip("a_student_page_states_the_payoff_rule") else {
        return;
    };
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let chrome = Chromium::start(&browser);
    let mut settings = one_round_game(600);
    settings["sizes"] = json!([8]);
    settings["task"] = json!("per_member");
    let code = served.open_game(&settings);
    runtime().block_on(async {
        let mut student = seated_student(&chrome, &served, &code).await;
        let mut teacher = served.teacher_socket(&code).await;
        teacher.send(json!({"type": "start"})).await;
        student.wait("document.body.dataset.phase === 'open'").await;
        // Groups of 8: 1.6 x (1 - 0.02 x 7) / 8 = 0.172 per token for each member; the
        // pot needs (0.6 + 0.1 x 8) x 20 = 28 tokens.
        let text = student
            .eval("document.getElementById('round').innerText")
            .await;
        let text = text.as_str().unwrap();
        assert!(
            text.contains("in a group of 8")
                && text.contains("gives each member of the group (you too) 0.172 tokens")
                && text.contains("only if the pot holds at least 28 tokens in all"),
            "{text}"
        );
        student
            .call(
                "Emulation.setDeviceMetricsOverride",
                json!({"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": true}),
            )
            .await;
        student.screenshot("serve-student-rule-phone").await;
        // The lab game has no minimum: the page does not mention one.
        let lab = served.open_game(&one_round_game(600));
        let mut student = seated_student(&chrome, &served, &lab).await;
        let mut teacher = served.teacher_socket(&lab).await;
        teacher.send(json!({"type": "start"})).await;
        student.wait("document.body.dataset.phase === 'open'").await;
        let text = student
            .eval("document.getElementById('round').innerText")
            .await;
        let text = text.as_str().unwrap();
        assert!(
            text.contains("(you too) 0.4 tokens.") && !text.contains("at least"),
            "{text}"
        );
    });
}

/// Every slider, box and menu on every page has a name a screen reader can say (the
/// student's slider and box for the tokens to put in had none), and a student can join
/// and put tokens in with the keyboard alone: Enter in the code box joins, Enter in the
/// tokens box puts them in.
#[test]
fn every_control_has_a_label_and_a_student_can_play_with_the_keyboard() {
    let Some(browser) = browser_or_skip("every_control_has_a_label") else {
        return;
    };
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let chrome = Chromium::start(&browser);
    let code = served.open_game(&one_round_game(600));
    let unlabelled = "JSON.stringify([...document.querySelectorAll('input, select, textarea')]
        .filter((e) => e.labels.length === 0 && !e.getAttribute('aria-label'))
        .map((e) => e.id))";
    runtime().block_on(async {
        for (url, ready) in [
            (served.teacher("/"), "true"),
            (served.teacher("/explore"), "document.querySelector('#sliders input')"),
            (served.teacher("/experiment"), "true"),
            (served.teacher("/game"), "true"),
            (format!("{}/play", served.base), "true"),
        ] {
            let mut page = chrome.tab(&url).await;
            page.wait(ready).await;
            assert_eq!(page.eval(unlabelled).await, json!("[]"), "{url}");
        }
        let mut student = chrome.tab(&format!("{}/play", served.base)).await;
        let enter = json!({"type": "keyDown", "key": "Enter", "code": "Enter",
            "windowsVirtualKeyCode": 13, "text": "\r"});
        student
            .eval(&format!(
                "document.getElementById('code').value = '{code}'; document.getElementById('code').focus()"
            ))
            .await;
        student.call("Input.dispatchKeyEvent", enter.clone()).await;
        student.wait("document.body.dataset.seat").await;
        let mut teacher = served.teacher_socket(&code).await;
        teacher.send(json!({"type": "start"})).await;
        student.wait("document.body.dataset.phase === 'open'").await;
        student
            .eval("document.getElementById('amount-box').value = '6'; document.getElementById('amount-box').focus()")
            .await;
        student.call("Input.dispatchKeyEvent", enter).await;
        student
            .wait("document.getElementById('r-contribution').textContent === '6'")
            .await;
    });
}

/// A student who put tokens in and then reloaded the page (or whose phone slept) sees the
/// choice the server has in the box and on the slider, not 0 beside "You put in 7".
#[test]
fn a_reloaded_student_page_shows_the_choice_it_sent() {
    let Some(browser) = browser_or_skip("a_reloaded_student_page_shows_the_choice_it_sent") else {
        return;
    };
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let chrome = Chromium::start(&browser);
    let code = served.open_game(&one_round_game(600));
    runtime().block_on(async {
        let mut student = seated_student(&chrome, &served, &code).await;
        // A second student, here and undecided, keeps the round open.
        let mut other = crate::serve::Client::connect(&served.ws_url(&format!("/ws/play/{code}"))).await;
        other.send(json!({"type": "join"})).await;
        other.until(|v| v["type"] == "joined").await;
        let mut teacher = served.teacher_socket(&code).await;
        teacher.send(json!({"type": "start"})).await;
        student.wait("document.body.dataset.phase === 'open'").await;
        student
            .eval("document.getElementById('amount-box').value = '7'; document.getElementById('confirm').click()")
            .await;
        student
            .wait("document.getElementById('sent').textContent.startsWith('You put in 7.')")
            .await;
        student.call("Page.reload", json!({})).await;
        student
            .wait("document.readyState === 'complete' && document.getElementById('sent').textContent.startsWith('You put in 7.')")
            .await;
        let shown = student
            .eval("[document.getElementById('amount-box').value, document.getElementById('amount').value, document.getElementById('amount-show').textContent]")
            .await;
        assert_eq!(shown, json!(["7", "7", "7"]));
    });
}

/// A teacher gets the class back in the lobby: Remove beside a student on the teacher's
/// page frees the seat, and that student's page says so in plain words and shows the join
/// form again (a reload does not bring the seat back); "Close joining" refuses new students
/// with a message while a student who joined still gets their seat back on reload; "Open
/// joining" lets them in again. "Remove everyone not here (N)" appears when a seat's page
/// has gone and removes such seats only. Once the game starts none of them is shown.
#[test]
fn the_teacher_removes_a_student_and_closes_joining_from_the_lobby_page() {
    let Some(browser) = browser_or_skip("the_teacher_removes_a_student_and_closes_joining") else {
        return;
    };
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let chrome = Chromium::start(&browser);
    let mut settings = one_round_game(60);
    settings["nicknames"] = json!(true);
    let code = served.open_game(&settings);
    runtime().block_on(async {
        let mut teacher = chrome.tab(&served.teacher(&format!("/game?code={code}"))).await;
        teacher.wait("document.body.dataset.phase === 'lobby'").await;
        let mut ada = seated_student(&chrome, &served, &code).await;
        let mut pest = chrome.tab(&format!("{}/play/{code}", served.base)).await;
        pest.wait("document.readyState === 'complete' && document.getElementById('go')").await;
        pest.eval("document.getElementById('nickname').value = 'pest <b>x</b>'; document.getElementById('go').click()").await;
        pest.wait("document.body.dataset.seat === '2'").await;
        teacher.wait("document.querySelectorAll('#students li').length === 2").await;
        // A nickname is shown as the student typed it, never as markup.
        let listed = teacher.eval("document.getElementById('students').innerText").await;
        assert!(listed.as_str().unwrap().contains("Seat 2 (pest <b>x</b>)"), "{listed}");
        assert_eq!(teacher.eval("document.querySelector('#students b')").await, Value::Null);
        let label = teacher.eval("document.querySelector('button[data-remove=\"2\"]').getAttribute('aria-label')").await;
        assert_eq!(label, json!("Remove Seat 2 (pest <b>x</b>)"));

        teacher.eval("document.querySelector('button[data-remove=\"2\"]').click()").await;
        teacher.wait("document.getElementById('joined').textContent === '1' && document.querySelectorAll('#students li').length === 1").await;
        pest.wait("!document.getElementById('join').hidden && document.getElementById('seat').hidden && sock === null").await;
        let told = pest.eval("document.getElementById('error').textContent").await;
        assert_eq!(told, json!("The teacher removed you from this game. You can join again while joining is open."));
        pest.screenshot("serve-student-removed").await;
        pest.call("Page.reload", json!({})).await;
        pest.wait("document.readyState === 'complete' && document.getElementById('go')").await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let seated = pest.eval("document.body.dataset.seat === undefined && !document.getElementById('join').hidden").await;
        assert_eq!(seated, json!(true), "a reload does not bring the seat back");

        // A seat taken by a script that then disconnected: one click removes every seat
        // whose page is gone, and nobody here.
        let away = "document.getElementById('remove-away')";
        assert_eq!(teacher.eval(&format!("{away}.hidden")).await, json!(true));
        let mut bot = Client::connect(&served.ws_url(&format!("/ws/play/{code}"))).await;
        bot.send(json!({"type": "join"})).await;
        bot.until(|v| v["type"] == "joined").await;
        drop(bot);
        teacher.wait(&format!("!{away}.hidden && {away}.textContent === 'Remove everyone not here (1)'")).await;
        let label = teacher.eval(&format!("{away}.getAttribute('aria-label')")).await;
        assert_eq!(label, json!("Remove everyone not here: 1 student"));
        teacher.eval(&format!("{away}.click()")).await;
        teacher.wait(&format!("document.getElementById('joined').textContent === '1' && {away}.hidden")).await;
        let listed = teacher.eval("document.getElementById('students').innerText").await;
        assert!(listed.as_str().unwrap().starts_with("Seat 1"), "{listed}");

        teacher.eval("document.getElementById('joining').click()").await;
        teacher.wait("document.getElementById('joining').textContent === 'Open joining'").await;
        let phase = teacher.eval("document.getElementById('phase').textContent").await;
        assert_eq!(phase, json!("Joining is closed: nobody new can join"));
        teacher.screenshot("serve-game-lobby-closed").await;
        pest.eval("document.getElementById('go').click()").await;
        pest.wait("document.getElementById('error').textContent === 'The teacher has closed joining for this game.' && sock === null").await;
        // A student who joined gets their seat back.
        ada.call("Page.reload", json!({})).await;
        ada.wait("document.readyState === 'complete' && document.body.dataset.seat === '1' && document.body.dataset.phase === 'lobby'").await;

        teacher.eval("document.getElementById('joining').click()").await;
        teacher.wait("document.getElementById('joining').textContent === 'Close joining'").await;
        pest.eval("document.getElementById('nickname').value = 'Bo'; document.getElementById('go').click()").await;
        pest.wait("document.body.dataset.seat === '4'").await;
        teacher.wait("document.getElementById('joined').textContent === '2'").await;

        teacher.eval("document.getElementById('start').click()").await;
        teacher.wait("document.body.dataset.phase === 'open'").await;
        let hidden = teacher.eval("document.getElementById('joining').hidden && document.getElementById('students-section').hidden && document.getElementById('remove-away').hidden").await;
        assert_eq!(hidden, json!(true), "no removing or joining once the game has started");
    });
}

/// A second tab of the same browser that is offline when the teacher removes the student
/// (the first tab then forgets the seat's token) is told on reconnecting that its student
/// was removed; it does not take a new seat without a word.
#[test]
fn a_tab_offline_during_a_removal_is_told_when_it_reconnects() {
    let Some(browser) =
        browser_or_skip("a_tab_offline_during_a_removal_is_told_when_it_reconnects")
    else {
        return;
    };
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let chrome = Chromium::start(&browser);
    let code = served.open_game(&one_round_game(60));
    runtime().block_on(async {
        let mut teacher = chrome.tab(&served.teacher(&format!("/game?code={code}"))).await;
        teacher.wait("document.body.dataset.phase === 'lobby'").await;
        let _ada = seated_student(&chrome, &served, &code).await;
        let mut a = seated_student(&chrome, &served, &code).await;
        // Tab B in tab A's browser context, so the two share localStorage.
        let page = format!("{}/play/{code}", served.base);
        let mut b = chrome.tab_beside(&mut a, &page).await;
        b.wait("document.body.dataset.seat === '2'").await;
        teacher.wait("document.getElementById('joined').textContent === '2'").await;
        // Tab B loses the network: its sockets go nowhere until it comes back.
        b.eval(
            "window.__offline = true; const Real = WebSocket; \
             window.WebSocket = function(u) { return new Real(window.__offline ? 'ws://127.0.0.1:1/' : u); }; \
             sock.socket.close(); true",
        )
        .await;
        teacher.eval("document.querySelector('button[data-remove=\"2\"]').click()").await;
        a.wait("!document.getElementById('join').hidden && sock === null").await;
        teacher.wait("document.getElementById('joined').textContent === '1'").await;
        b.eval("window.__offline = false; true").await;
        b.wait(
            "!document.getElementById('join').hidden && sock === null && \
             document.getElementById('error').textContent.startsWith('The teacher removed you')",
        )
        .await;
        teacher.wait("document.getElementById('joined').textContent === '1'").await;
        assert_eq!(b.eval("document.body.dataset.seat === undefined").await, json!(true));
    });
}

/// A page that tried a game that no longer exists (the server restarted) and then joins
/// the teacher's new game takes a seat at once: the token it held belongs to the old game
/// and is not sent to the new one.
#[test]
fn a_page_that_tried_a_gone_game_joins_a_new_one_at_once() {
    let Some(browser) = browser_or_skip("a_page_that_tried_a_gone_game_joins_a_new_one_at_once")
    else {
        return;
    };
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let chrome = Chromium::start(&browser);
    let code = served.open_game(&one_round_game(60));
    runtime().block_on(async {
        let mut s = chrome.tab(&format!("{}/play/ZZZZ", served.base)).await;
        s.wait("document.readyState === 'complete' && document.getElementById('go')")
            .await;
        // A seat the browser held in the game before the restart.
        s.eval("localStorage.setItem('coprod-seat-ZZZZ', 'oldtoken'); location.reload(); true")
            .await;
        s.wait("document.getElementById('error').textContent.startsWith('no game has the code')")
            .await;
        let join = format!(
            "document.getElementById('code').value = '{code}'; \
             document.getElementById('go').click(); true"
        );
        s.eval(&join).await;
        s.wait(
            "document.body.dataset.seat === '1' || \
             document.getElementById('error').textContent.startsWith('no seat')",
        )
        .await;
        let error = s.eval("document.getElementById('error').textContent").await;
        assert_eq!(
            error,
            json!(""),
            "the old game's token was sent to the new one"
        );
    });
}
