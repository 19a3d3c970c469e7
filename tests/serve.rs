//! `coprod serve` through its protocol: a class game with protocol-level students, bad
//! input of every kind, and a load test of 100 students (which reports its numbers and
//! asserts none of them). The browser tests are in `serve_browser.rs`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

use crate::util::{Sandbox, bin, read};

/// A running `coprod serve --port 0`, stopped (by its PID) when dropped.
pub(crate) struct Served {
    child: Child,
    /// `http://127.0.0.1:PORT`.
    pub(crate) base: String,
    /// The teacher's key.
    pub(crate) key: String,
}

impl Served {
    pub(crate) fn start(sb: &Sandbox) -> Served {
        Served::start_on(sb, 0)
    }

    /// A server on `port` (0: a free one), as a server restarted on its port would be.
    pub(crate) fn start_on(sb: &Sandbox, port: u16) -> Served {
        let outputs = sb.path().join("outputs");
        Served::start_with(sb, port, &["--outputs", outputs.to_str().unwrap()])
    }

    /// A server on `port` with the options `extra` (stderr goes to serve.log).
    fn start_with(sb: &Sandbox, port: u16, extra: &[&str]) -> Served {
        let mut child = Command::new(bin())
            .args(["serve", "--port", &port.to_string()])
            .args(extra)
            .current_dir(sb.path())
            .stdout(Stdio::piped())
            .stderr(log_file(sb))
            .spawn()
            .expect("coprod serve starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let url = line.trim();
        let (base, key) = url
            .split_once("/?key=")
            .expect("the teacher's URL has a key");
        assert!(
            base.starts_with("http://127.0.0.1:"),
            "not loopback: {base}"
        );
        Served {
            child,
            base: base.to_string(),
            key: key.to_string(),
        }
    }

    /// What the server has logged on stderr so far (every server of the sandbox).
    pub(crate) fn log(&self, sb: &Sandbox) -> String {
        std::fs::read_to_string(sb.path().join("serve.log")).unwrap_or_default()
    }

    pub(crate) fn port(&self) -> u16 {
        self.base.rsplit(':').next().unwrap().parse().unwrap()
    }

    pub(crate) fn pid(&self) -> u32 {
        self.child.id()
    }

    pub(crate) fn ws_url(&self, path: &str) -> String {
        format!("{}{path}", self.base.replacen("http://", "ws://", 1))
    }

    /// The teacher's socket of game `code`, connected with the key.
    pub(crate) async fn teacher_socket(&self, code: &str) -> Client {
        Client::connect(&self.ws_url(&format!("/ws/teacher/{code}?key={}", self.key))).await
    }

    /// A teacher URL (with the key) for `path`.
    pub(crate) fn teacher(&self, path: &str) -> String {
        let sep = if path.contains('?') { '&' } else { '?' };
        format!("{}{path}{sep}key={}", self.base, self.key)
    }

    /// Opens a game; returns its code.
    pub(crate) fn open_game(&self, settings: &Value) -> String {
        let (status, body) = http(&self.teacher("/api/games"), "POST", Some(settings));
        assert_eq!(status, 200, "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        v["code"].as_str().unwrap().to_string()
    }
}

/// The servers' stderr: appended to, as a server restarted in the same sandbox logs too.
fn log_file(sb: &Sandbox) -> std::fs::File {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(sb.path().join("serve.log"))
        .unwrap()
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A minimal HTTP/1.1 request over a plain socket: (status, body).
pub(crate) fn http(url: &str, method: &str, body: Option<&Value>) -> (u16, String) {
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = TcpStream::connect(host).unwrap();
    let body = body.map(Value::to_string).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    // Read the head, then exactly Content-Length bytes (Chromium keeps the connection open).
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut reader = BufReader::new(stream);
    let mut status_line = String::new();
    reader.read_line(&mut status_line).unwrap();
    let status = status_line[9..12].parse().unwrap();
    let mut length = None;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse::<usize>().ok();
        }
    }
    let mut body = Vec::new();
    match length {
        Some(n) => {
            body.resize(n, 0);
            reader.read_exact(&mut body).unwrap();
        }
        None => {
            reader.read_to_end(&mut body).unwrap();
        }
    }
    let body = String::from_utf8_lossy(&body);
    (status, body.to_string())
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A protocol-level client: sends JSON, waits for messages.
pub(crate) struct Client {
    socket: Socket,
}

impl Client {
    pub(crate) async fn connect(url: &str) -> Client {
        let (socket, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("connects");
        Client { socket }
    }

    pub(crate) async fn send(&mut self, value: Value) {
        self.socket
            .send(Message::Text(value.to_string().into()))
            .await
            .unwrap();
    }

    pub(crate) async fn send_text(&mut self, text: String) {
        self.socket.send(Message::Text(text.into())).await.unwrap();
    }

    /// The next message that `keep` accepts (within 30 s), skipping others.
    pub(crate) async fn until(&mut self, keep: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
        self.until_by(deadline, keep)
            .await
            .expect("a message within 30 s")
    }

    /// The next message that `keep` accepts before `deadline` (None after it), skipping
    /// others.
    pub(crate) async fn until_by(
        &mut self,
        deadline: tokio::time::Instant,
        keep: impl Fn(&Value) -> bool,
    ) -> Option<Value> {
        loop {
            let next = tokio::time::timeout_at(deadline, self.socket.next())
                .await
                .ok()?
                .expect("the socket stays open")
                .unwrap();
            if let Message::Text(text) = next {
                let v: Value = serde_json::from_str(text.as_str()).unwrap();
                if std::env::var_os("COPROD_SERVE_TRACE").is_some() {
                    eprintln!("<- {}", &text.as_str()[..text.len().min(200)]);
                }
                if keep(&v) {
                    return Some(v);
                }
            }
        }
    }

    /// Whether the server closes the socket within 10 s (messages before the close are
    /// skipped).
    pub(crate) async fn closed(&mut self) -> bool {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            match tokio::time::timeout_at(deadline, self.socket.next()).await {
                Err(_) => return false,
                Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => return true,
                Ok(Some(Ok(_))) => {}
            }
        }
    }

    pub(crate) async fn error(&mut self) -> String {
        self.until(|v| v["type"] == "error").await["message"]
            .as_str()
            .unwrap()
            .to_string()
    }

    /// How many messages that `keep` accepts arrive during `window` (reading as fast as
    /// they come, as a browser does).
    pub(crate) async fn count_for(
        &mut self,
        window: Duration,
        keep: impl Fn(&Value) -> bool,
    ) -> usize {
        let deadline = tokio::time::Instant::now() + window;
        let mut count = 0;
        while let Ok(next) = tokio::time::timeout_at(deadline, self.socket.next()).await {
            let next = next.expect("the socket stays open").unwrap();
            if let Message::Text(text) = next
                && keep(&serde_json::from_str(text.as_str()).unwrap())
            {
                count += 1;
            }
        }
        count
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn settings(sizes: &[u32], rounds: u32) -> Value {
    json!({"sizes": sizes, "task": "lab", "rounds": rounds, "endowment": 20, "mpcr": 0.4,
           "rematch": true, "nicknames": false, "round_seconds": 120})
}

/// Joins `n` students; returns their clients and seats.
async fn join(served: &Served, code: &str, n: usize) -> Vec<Client> {
    let mut students = Vec::new();
    for _ in 0..n {
        let mut c = Client::connect(&served.ws_url(&format!("/ws/play/{code}"))).await;
        c.send(json!({"type": "join"})).await;
        c.until(|v| v["type"] == "joined").await;
        students.push(c);
    }
    students
}

/// An interrupted lesson waiting in the outputs folder (stopped on the command line) does not
/// block the Experiment page, which cannot offer --resume: the experiment takes the next
/// folder. An --outputs that is a file is refused when the server starts.
#[test]
fn the_experiment_passes_over_an_interrupted_lesson_and_outputs_must_be_a_folder() {
    let sb = Sandbox::new();
    let waiting = sb.path().join("outputs").join(".group-size-teach.partial");
    std::fs::create_dir_all(&waiting).unwrap();
    std::fs::write(waiting.join("partial.json"), "{}").unwrap();
    let served = Served::start(&sb);
    let (status, body) = http(
        &served.teacher("/api/experiment"),
        "POST",
        Some(&json!({"quick": true})),
    );
    assert_eq!(status, 200, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    let folder = v["folder"].as_str().unwrap();
    assert!(folder.ends_with("group-size-teach-2"), "{folder}");
    drop(served);

    std::fs::write(sb.path().join("afile"), "x").unwrap();
    let out = Command::new(bin())
        .args(["serve", "--port", "0", "--outputs", "afile"])
        .current_dir(sb.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--outputs afile is a file"), "{stderr}");
}

/// How `coprod serve --outputs OUTPUTS` ended within 20 seconds in `sb` (exit code and
/// stderr), or `None` when it was still serving then (it is stopped).
fn serve_exit(sb: &Sandbox, outputs: &str) -> Option<(Option<i32>, String)> {
    let mut child = Command::new(bin())
        .args(["serve", "--port", "0", "--outputs", outputs])
        .current_dir(sb.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait().unwrap() {
            return Some((status.code(), stderr_of(&mut child)));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// An --outputs the experiments could not be written in is refused when the server starts,
/// not when the teacher starts an experiment in class; the hint names `--outputs`, the
/// option `coprod serve` has.
#[test]
fn outputs_that_cannot_be_made_are_refused_when_the_server_starts() {
    let sb = Sandbox::new();
    std::fs::write(sb.path().join("afile"), "x").unwrap();
    let mut cases = vec![("afile/out", "afile is a file, not a folder")];
    if cfg!(target_os = "linux") {
        cases.push(("/proc/nope/out", "writing a file in /proc failed"));
    }
    for (outputs, why) in cases {
        let (code, stderr) = serve_exit(&sb, outputs)
            .unwrap_or_else(|| panic!("--outputs {outputs}: the server started"));
        assert_eq!(code, Some(2), "{stderr}");
        assert!(
            stderr.contains(&format!("cannot write in --outputs {outputs}: {why}")),
            "{stderr}"
        );
        assert!(
            stderr.contains("hint: choose a folder you can write to with --outputs DIR"),
            "{stderr}"
        );
        assert!(!sb.path().join(outputs).exists());
    }
}

/// Without --outputs, a default `outputs` the experiments cannot write in does not stop the
/// server (a teacher who only plays needs no folder): it starts with a warning, and the
/// experiment page then shows the error with the hint.
#[test]
fn a_default_outputs_that_cannot_be_written_only_warns() {
    let sb = Sandbox::new();
    std::fs::write(sb.path().join("outputs"), "x").unwrap();
    let served = Served::start_with(&sb, 0, &[]);
    let log = served.log(&sb);
    assert!(
        log.contains(
            "warning: the default folder for experiments, outputs, is a file, not a folder: the \
             server starts and Play works"
        ),
        "{log}"
    );
    let error = failed_experiment(&served);
    assert!(error.contains("with --outputs DIR"), "{error}");
}

/// Starts a quick experiment from the page that fails; its error as the page shows it.
fn failed_experiment(served: &Served) -> String {
    let (status, body) = http(
        &served.teacher("/api/experiment"),
        "POST",
        Some(&json!({"quick": true})),
    );
    assert_eq!(status, 200, "{body}");
    let failed = experiment_finished(served);
    assert_eq!(failed["state"], "failed", "{failed}");
    failed["error"].as_str().unwrap().to_string()
}

/// An experiment whose folder cannot be made once the server runs (the outputs folder was
/// replaced by a file) fails with a hint that names `--outputs DIR`, on the page and in the
/// log, not `coprod teach`'s `--out DIR`, which `coprod serve` does not have.
#[test]
fn an_experiment_that_cannot_make_its_folder_names_the_option_serve_has() {
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    std::fs::write(sb.path().join("outputs"), "x").unwrap();
    let error = failed_experiment(&served);
    let log = served.log(&sb);
    for shown in [error.as_str(), log.as_str()] {
        assert!(
            shown.contains("hint: choose a folder you can write to with --outputs DIR"),
            "{shown}"
        );
        assert!(!shown.contains("--out DIR"), "{shown}");
    }
}

/// Polls the experiment's status until it is no longer running (within 20 minutes).
fn experiment_finished(served: &Served) -> Value {
    let deadline = Instant::now() + Duration::from_secs(1200);
    loop {
        let (status, body) = http(&served.teacher("/api/experiment"), "GET", None);
        assert_eq!(status, 200, "{body}");
        let v: Value = serde_json::from_str(&body).unwrap();
        if v["state"] != "running" {
            return v;
        }
        assert!(Instant::now() < deadline, "the experiment never finished");
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// The results of a finished experiment are computed once: polling the status afterwards
/// does not read the run folder again (it would take seconds per poll with a full run), so
/// the answer stays the same when the folder's CSVs are gone.
#[test]
fn a_finished_experiment_answers_from_its_results_without_reading_the_folder_again() {
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let (status, body) = http(
        &served.teacher("/api/experiment"),
        "POST",
        Some(&json!({"quick": true})),
    );
    assert_eq!(status, 200, "{body}");
    let finished = experiment_finished(&served);
    assert_eq!(finished["state"], "done", "{finished}");
    let folder = std::path::PathBuf::from(finished["folder"].as_str().unwrap());
    // Progress counts the experiment's runs: every row of runs.csv, done of the total.
    let runs = read(&folder.join("runs.csv")).lines().count() as u64 - 1;
    assert!(runs > 0);
    assert_eq!(
        (&finished["done"], &finished["total"]),
        (&json!(runs), &json!(runs))
    );
    // One survival line per regime (the baseline and the four variants of group-size), each
    // in its own colour of the palette.
    let chart = finished["results"]["chart"].as_str().expect("a chart");
    let regimes = finished["results"]["regimes"].as_array().unwrap();
    assert_eq!(regimes.len(), 5);
    // A quick experiment's 3 replications are too few to call any size firmly the best.
    assert_eq!(finished["results"]["replications"], 3);
    for r in regimes {
        assert_eq!(r["firm"], false, "{r}");
    }
    for colour in ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9"] {
        assert!(
            chart.contains(&format!("stroke=\"{colour}\"")),
            "no line in {colour}: {chart}"
        );
    }
    // The lesson's page names index.html (not served) without a link to it.
    let (status, page) = http(&served.teacher("/experiment/teach.html"), "GET", None);
    assert_eq!(status, 200);
    assert!(page.contains("<code>index.html</code> in the run's folder"));
    assert!(!page.contains("<a href=\"index.html\">"));
    for csv in ["runs.csv", "groups.csv", "timeseries.csv", "summary.csv"] {
        let _ = std::fs::remove_file(folder.join(csv));
    }
    let (_, body) = http(&served.teacher("/api/experiment"), "GET", None);
    let again: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(again["results"], finished["results"]);
    // A lesson's page removed since is said to be unreadable, not "not finished yet".
    std::fs::remove_file(folder.join("teach.html")).unwrap();
    let (status, page) = http(&served.teacher("/experiment/teach.html"), "GET", None);
    assert_eq!(status, 404, "{page}");
    assert!(
        page.contains("teach.html cannot be read") && !page.contains("finished yet"),
        "{page}"
    );
}

/// Ended games stay (their CSV can be downloaded) while there is room; with all 20 places
/// taken, a new game removes the ended game opened first, never a game still going.
#[test]
fn ended_games_are_kept_until_their_place_is_needed() {
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let csv = |code: &str| {
        http(
            &served.teacher(&format!("/game/{code}/results.csv")),
            "GET",
            None,
        )
        .0
    };
    let first = served.open_game(&settings(&[2], 1));
    runtime().block_on(async {
        let mut teacher = served.teacher_socket(&first).await;
        teacher.send(json!({"type": "end"})).await;
        teacher.until(|v| v["phase"] == "ended").await;
    });
    for _ in 1..20 {
        served.open_game(&settings(&[2], 1));
    }
    assert_eq!(
        csv(&first),
        200,
        "an ended game is kept while there is room"
    );
    let newest = served.open_game(&settings(&[2], 1));
    assert_eq!(csv(&first), 404, "the ended game made room");
    let (status, body) = http(&served.teacher(&format!("/api/games/{first}")), "GET", None);
    assert_eq!(status, 404, "its page is told it is gone: {body}");
    assert_eq!(csv(&newest), 200);
    let (status, body) = http(
        &served.teacher("/api/games"),
        "POST",
        Some(&settings(&[2], 1)),
    );
    assert_eq!(status, 409, "valid settings, a full server: {body}");
    assert!(body.contains("none has ended"), "{body}");
}

/// The teacher lists the games the server holds (newest first, with their state) and ends
/// one without opening its page: a game abandoned in the lobby no longer locks out new
/// games once all 20 places are taken. The list and the end need the key.
#[test]
fn the_teacher_lists_the_games_and_ends_one_abandoned_in_the_lobby() {
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let codes: Vec<String> = (0..20)
        .map(|_| served.open_game(&settings(&[2], 1)))
        .collect();
    let (status, body) = http(
        &served.teacher("/api/games"),
        "POST",
        Some(&settings(&[2], 1)),
    );
    assert_eq!(status, 409, "the server is full: {body}");
    let refusal: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(refusal["type"], "error");
    assert_eq!(
        refusal["message"],
        "at most 20 games at once, and none has ended: end one to make room"
    );
    let list = || {
        let (status, body) = http(&served.teacher("/api/games"), "GET", None);
        assert_eq!(status, 200, "{body}");
        serde_json::from_str::<Value>(&body).unwrap()["games"].clone()
    };
    let games = list();
    let listed: Vec<&str> = games
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["code"].as_str().unwrap())
        .collect();
    let newest_first: Vec<&str> = codes.iter().rev().map(String::as_str).collect();
    assert_eq!(listed, newest_first);
    assert!(
        games
            .as_array()
            .unwrap()
            .iter()
            .all(|g| g["phase"] == "lobby")
    );
    let abandoned = &codes[3];
    runtime().block_on(async {
        let mut student = join(&served, abandoned, 1).await.pop().unwrap();
        let end = served.teacher(&format!("/api/games/{abandoned}/end"));
        let (status, body) = http(&end, "POST", None);
        assert_eq!(status, 200, "{body}");
        student.until(|v| v["phase"] == "ended").await;
        let (status, body) = http(&end, "POST", None);
        assert_eq!(status, 409);
        assert!(body.contains("the game has already ended"), "{body}");
    });
    let games = list();
    let ended = games
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["code"] == abandoned.as_str())
        .unwrap();
    assert_eq!(ended["phase"], "ended");
    assert_eq!(ended["joined"], 1);
    // The ended game makes room for a new one.
    let newest = served.open_game(&settings(&[2], 1));
    assert_eq!(list()[0]["code"], newest.as_str());
    // Without the key: refused. An unknown code: not found.
    let (status, _) = http(&format!("{}/api/games", served.base), "GET", None);
    assert_eq!(status, 403);
    let (status, _) = http(
        &format!("{}/api/games/{}/end", served.base, codes[0]),
        "POST",
        None,
    );
    assert_eq!(status, 403);
    let (status, body) = http(&served.teacher("/api/games/ZZZZ/end"), "POST", None);
    assert_eq!(status, 404);
    assert!(body.contains("no game has the code ZZZZ"), "{body}");
}

/// A teacher's page whose socket drops asks the server about its game (a browser cannot
/// read the status that refuses a socket): a game the server holds answers with its state;
/// one it no longer has, 404; a key it does not take (a restarted server has a new key),
/// 403; each refusal with a JSON message, so the page can tell them from a network blip
/// and say which.
#[test]
fn a_teachers_page_can_tell_a_game_that_is_gone_from_a_dropped_connection() {
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let code = served.open_game(&settings(&[2], 1));
    let (status, body) = http(&served.teacher(&format!("/api/games/{code}")), "GET", None);
    assert_eq!(status, 200, "{body}");
    let game: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (&game["code"], &game["phase"], &game["joined"]),
        (&json!(code), &json!("lobby"), &json!(0))
    );
    let (status, body) = http(&served.teacher("/api/games/ZZZZ"), "GET", None);
    assert_eq!(status, 404, "{body}");
    assert_eq!(
        serde_json::from_str::<Value>(&body).unwrap(),
        json!({"type": "error", "message": "no game has the code ZZZZ"})
    );
    let (status, body) = http(
        &format!("{}/api/games/{code}?key=another-servers-key", served.base),
        "GET",
        None,
    );
    assert_eq!(status, 403, "{body}");
    let refusal: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(refusal["type"], "error");
    assert!(
        refusal["message"]
            .as_str()
            .unwrap()
            .contains("open the address `coprod serve` printed"),
        "{body}"
    );
    // The socket itself is refused with the same statuses, which the page cannot see.
    runtime().block_on(async {
        for (path, want) in [
            (format!("/ws/teacher/ZZZZ?key={}", served.key), 404),
            (format!("/ws/teacher/{code}?key=another-servers-key"), 403),
        ] {
            match tokio_tungstenite::connect_async(served.ws_url(&path)).await {
                Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                    assert_eq!(response.status().as_u16(), want, "{path}");
                }
                other => panic!("{path}: not refused: {:?}", other.map(|_| ())),
            }
        }
    });
}

/// `--lan` on a computer with no network address says so on stderr (the addresses printed
/// then use 127.0.0.1, which students' devices cannot reach). Run in a network namespace of
/// its own, which has no network (`unshare -rn`); skipped where user namespaces are not
/// allowed.
#[test]
fn lan_without_a_network_address_warns_on_stderr() {
    let allowed = Command::new("unshare")
        .args(["-rn", "true"])
        .status()
        .is_ok_and(|s| s.success());
    if !allowed {
        eprintln!(
            "SKIPPED lan_without_a_network_address_warns_on_stderr: `unshare -rn` fails here"
        );
        return;
    }
    let sb = Sandbox::new();
    let mut child = Command::new("unshare")
        .arg("-rn")
        .arg(bin())
        .args(["serve", "--lan", "--port", "0", "--outputs", "outputs"])
        .current_dir(sb.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("unshare starts");
    // The teacher's address is printed once the server listens: every warning is out then.
    let mut url = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut url)
        .unwrap();
    let _ = child.kill();
    let _ = child.wait();
    let stderr = stderr_of(&mut child);
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(
        stderr.contains("warning: --lan found no network address"),
        "{stderr}"
    );
    // Students are sent to the same address as the teacher.
    let base = url.trim().split_once("/?key=").expect("a key").0;
    assert!(
        stderr.contains(&format!("students join at {base}/play\n")),
        "{stderr}"
    );
}

/// The whole response to a GET of `path` (head and body), as text.
fn raw_get(served: &Served, path: &str) -> String {
    raw_request(served, "GET", path)
}

/// The whole response to a `method` request of `path` (head and body), as text.
fn raw_request(served: &Served, method: &str, path: &str) -> String {
    let host = served.base.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(host).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    response
}

/// A code in the URL with spaces or a line break around it still finds the game, and the
/// download is named by the game's own code.
#[test]
fn the_download_is_named_by_the_games_own_code() {
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let code = served.open_game(&settings(&[2], 1));
    let lower = code.to_ascii_lowercase();
    for url_code in [
        format!("%0D%0A{code}"),
        format!("%20{lower}%20"),
        code.clone(),
    ] {
        let response = raw_get(
            &served,
            &format!("/game/{url_code}/results.csv?key={}", served.key),
        );
        assert!(
            response.starts_with("HTTP/1.1 200"),
            "{url_code}: {response}"
        );
        let named = format!("attachment; filename=\"coprod-game-{code}.csv\"\r\n");
        assert!(response.contains(&named), "{url_code}: {response}");
    }
}

/// A request whose head never ends does not hold its connection for ever: the server closes
/// it (after its header timeout of 10 s).
#[test]
fn a_half_sent_request_is_closed_by_the_server() {
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let host = served.base.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(host).unwrap();
    write!(stream, "GET /play HTTP/1.1\r\nHost: {host}\r\n").unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(120)))
        .unwrap();
    let mut answer = Vec::new();
    let read = stream.read_to_end(&mut answer);
    assert!(read.is_ok(), "the connection is still open: {read:?}");
    let answer = String::from_utf8_lossy(&answer);
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
}

/// A request whose body never ends does not hold its connection for ever either: 10 s after
/// its head, the server answers 408 and closes it. No key is needed to send one, so with
/// `--lan` anyone on the network could otherwise hold connections until the server has no
/// more and students cannot join. A body that arrives slowly but in time is read.
#[test]
fn a_request_whose_body_never_ends_is_cut_off() {
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let host = served.base.strip_prefix("http://").unwrap();
    let mut stream = TcpStream::connect(host).unwrap();
    write!(
        stream,
        "POST /api/games HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n\
         Content-Length: 100\r\n\r\n{{"
    )
    .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let started = Instant::now();
    let mut answer = Vec::new();
    let read = stream.read_to_end(&mut answer);
    let waited = started.elapsed();
    assert!(
        read.is_ok(),
        "the connection is still open after {waited:?}: {read:?}"
    );
    assert!(waited < Duration::from_secs(20), "closed after {waited:?}");
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(
        answer.contains("did not arrive in full within 10 seconds"),
        "{answer}"
    );

    let body = settings(&[2], 1).to_string();
    let mut stream = TcpStream::connect(host).unwrap();
    write!(
        stream,
        "POST /api/games?key={} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        served.key,
        body.len()
    )
    .unwrap();
    let (first, rest) = body.split_at(body.len() / 2);
    stream.write_all(first.as_bytes()).unwrap();
    std::thread::sleep(Duration::from_secs(2));
    stream.write_all(rest.as_bytes()).unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

/// Game settings over the server's limit on a body are refused as too large (413), with
/// the limit, whether their length is announced or sent in chunks: they are not malformed.
#[test]
fn a_body_over_the_limit_is_refused_as_too_large_with_the_limit() {
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let host = served.base.strip_prefix("http://").unwrap();
    let path = format!("/api/games?key={}", served.key);
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\
         Content-Type: application/json\r\n"
    );
    let mut stream = TcpStream::connect(host).unwrap();
    write!(
        stream,
        "{head}Content-Length: 3000000\r\n\r\n{{\"sizes\":[3"
    )
    .unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut announced = String::new();
    stream.read_to_string(&mut announced).unwrap();

    // 3 MB in chunks of 64 KiB; the server may answer and close before the last is sent.
    let mut stream = TcpStream::connect(host).unwrap();
    write!(stream, "{head}Transfer-Encoding: chunked\r\n\r\n").unwrap();
    let chunk = format!("{:x}\r\n{}\r\n", 1 << 16, " ".repeat(1 << 16));
    for _ in 0..48 {
        if stream.write_all(chunk.as_bytes()).is_err() {
            break;
        }
    }
    stream
        .set_read_timeout(Some(Duration::from_secs(60)))
        .unwrap();
    let mut chunked = Vec::new();
    // A reset after the answer has arrived is fine: the answer is what counts.
    let _ = stream.read_to_end(&mut chunked);
    let chunked = String::from_utf8_lossy(&chunked);

    for answer in [announced.as_str(), &chunked] {
        assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
        assert!(
            answer.contains("a request body has at most 2 MiB (2097152 bytes)"),
            "{answer}"
        );
    }
}

#[test]
fn a_class_of_six_plays_three_rounds_and_the_export_has_a_row_per_player_and_round() {
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let code = served.open_game(&settings(&[3, 8], 3));
    runtime().block_on(async {
        let mut teacher = served.teacher_socket(&code).await;
        let mut students = join(&served, &code, 6).await;
        teacher.until(|v| v["joined"] == 6).await;
        teacher.send(json!({"type": "start"})).await;
        let mut view = Value::Null;
        for round in 1..=3 {
            for (i, s) in students.iter_mut().enumerate() {
                s.until(|v| v["phase"] == "open" && v["round"] == round)
                    .await;
                s.send(json!({"type": "contribute", "round": round, "amount": 2 * i}))
                    .await;
            }
            view = teacher
                .until(|v| v["phase"] == "results" || v["phase"] == "ended")
                .await;
            if view["phase"] == "results" {
                assert_eq!(view["round"], round);
            }
            for s in &mut students {
                let state = s.until(|v| v["last"]["round"] == round).await;
                assert!(state["last"]["payoff"].as_f64().unwrap() > 0.0);
            }
            if round < 3 {
                teacher.send(json!({"type": "next_round"})).await;
            }
        }
        assert_eq!(view["phase"], "ended");
        let chart = view["chart"].as_str().unwrap();
        assert!(chart.contains("class, groups of 3") && chart.contains("model, 8"));
        assert_eq!(view["outcomes"].as_array().unwrap().len(), 2);
    });
    let (status, csv) = http(
        &served.teacher(&format!("/game/{code}/results.csv")),
        "GET",
        None,
    );
    assert_eq!(status, 200);
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    // Seats: 3 students in groups of 3 (one group), 3 in groups of 8 (5 simulated).
    assert_eq!(rows.len(), 3 * (3 + 8), "{csv}");
    assert_eq!(
        rows.iter().filter(|r| r.contains(",student,")).count(),
        3 * 6
    );
    assert!(
        rows.iter().all(|r| r.split(',').nth(4) == Some("")),
        "no nicknames"
    );
}

/// A student who left before the start, or whose phone died during a round, does not hold
/// every round to its timer (600 s here, far beyond the test's waits): the round closes once
/// every student still connected has decided, and the absent student's simulated citizen
/// plays for them (`decided_by = model`).
#[test]
fn a_round_closes_when_every_connected_student_decided() {
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let mut long_rounds = settings(&[3], 2);
    long_rounds["round_seconds"] = json!(600);
    let code = served.open_game(&long_rounds);
    runtime().block_on(async {
        let mut teacher = served.teacher_socket(&code).await;
        let mut students = join(&served, &code, 3).await;
        // Seat 3 leaves before the start.
        drop(students.pop());
        teacher
            .until(|v| v["joined"] == 3 && v["connected"] == 2)
            .await;
        teacher.send(json!({"type": "start"})).await;
        for s in &mut students {
            s.until(|v| v["phase"] == "open" && v["round"] == 1).await;
            s.send(json!({"type": "contribute", "round": 1, "amount": 5}))
                .await;
        }
        teacher.until(|v| v["phase"] == "results").await;
        // Round 2: seat 2's phone dies after seat 1 decided.
        teacher.send(json!({"type": "next_round"})).await;
        let mut first = students.remove(0);
        first
            .until(|v| v["phase"] == "open" && v["round"] == 2)
            .await;
        first
            .send(json!({"type": "contribute", "round": 2, "amount": 5}))
            .await;
        first.until(|v| v["submitted"].as_f64() == Some(5.0)).await;
        drop(students);
        first.until(|v| v["phase"] == "ended").await;
    });
    let (status, csv) = http(
        &served.teacher(&format!("/game/{code}/results.csv")),
        "GET",
        None,
    );
    assert_eq!(status, 200);
    // Columns: game, round, seat, player, nickname, task, group_size, group, decided_by.
    let decided: Vec<(String, String, String)> = csv
        .lines()
        .skip(1)
        .map(|row| {
            let f: Vec<&str> = row.split(',').collect();
            (f[1].into(), f[2].into(), f[8].into())
        })
        .collect();
    let by = |round: &str, seat: &str| {
        decided
            .iter()
            .find(|d| d.0 == round && d.1 == seat)
            .map(|d| d.2.as_str())
    };
    assert_eq!(by("1", "3"), Some("model"), "{csv}");
    assert_eq!(by("1", "2"), Some("human"), "{csv}");
    assert_eq!(by("2", "1"), Some("human"), "{csv}");
    assert_eq!(by("2", "2"), Some("model"), "{csv}");
}

/// A student's page is told the payoff rule of their game and group size once the groups
/// are formed (it showed only "what you put in the pot earns every member", so students
/// played the co-production tasks without knowing what a token returns or that a pot
/// below the minimum is lost), and the rule it is told is the one its payoffs follow.
#[test]
fn a_student_is_told_the_payoff_rule_that_their_payoffs_follow() {
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    // (task, size) -> (tokens per token in the pot for each member, fewest tokens the pot
    // needs): docs/teaching.md, "The class game's tasks", with 20 tokens a round.
    let expected = |task: &str, size: u64| match task {
        "lab" => (0.4, None),
        "joint" => (0.4, Some(12.0)),
        _ => (
            1.6 * (1.0 - 0.02 * (size - 1) as f64) / size as f64,
            // Whole tokens (the product is one in exact arithmetic).
            Some((20.0 * (0.6 + 0.1 * size as f64)).round()),
        ),
    };
    for task in ["lab", "per_member", "joint"] {
        let mut game = settings(&[3, 8], 1);
        game["task"] = json!(task);
        let code = served.open_game(&game);
        runtime().block_on(async {
            let mut teacher = served.teacher_socket(&code).await;
            let mut students = join(&served, &code, 4).await;
            let lobby = students[0].until(|v| v["type"] == "state").await;
            assert_eq!(lobby["rule"], Value::Null, "no group size in the lobby");
            teacher.send(json!({"type": "start"})).await;
            let mut rules = Vec::new();
            for (i, s) in students.iter_mut().enumerate() {
                let open = s.until(|v| v["phase"] == "open").await;
                let size = open["group_size"].as_u64().unwrap();
                let (per_token, needed) = expected(task, size);
                let rule = &open["rule"];
                assert!(
                    (rule["per_token"].as_f64().unwrap() - per_token).abs() < 1e-9,
                    "{task}, size {size}: {rule}"
                );
                assert_eq!(rule["needed"].as_f64(), needed, "{task}, size {size}");
                rules.push((per_token, needed));
                s.send(json!({"type": "contribute", "round": 1, "amount": 4 * i}))
                    .await;
            }
            for (i, s) in students.iter_mut().enumerate() {
                let ended = s.until(|v| v["phase"] == "ended").await;
                let last = &ended["last"];
                let total = last["group_total"].as_f64().unwrap();
                let (per_token, needed) = rules[i];
                let produced = needed.is_none_or(|needed| total >= needed);
                assert_eq!(last["produced"], json!(produced), "{task}: {last}");
                let payoff = 20.0 - (4 * i) as f64 + if produced { per_token * total } else { 0.0 };
                assert!(
                    (last["payoff"].as_f64().unwrap() - payoff).abs() < 1e-9,
                    "{task}: {last} against {payoff}"
                );
            }
        });
    }
}

/// A student with the game open in two tabs (or on a phone and a laptop) who puts tokens
/// in on one sees the choice on the other as well (the other page went on showing no
/// choice, inviting a second one that would replace the first without a word).
#[test]
fn a_choice_made_in_one_tab_shows_in_the_students_other_tab() {
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let mut game = settings(&[2], 1);
    game["round_seconds"] = json!(600);
    let code = served.open_game(&game);
    runtime().block_on(async {
        let url = served.ws_url(&format!("/ws/play/{code}"));
        let mut first_tab = Client::connect(&url).await;
        first_tab.send(json!({"type": "join"})).await;
        let joined = first_tab.until(|v| v["type"] == "joined").await;
        let mut second_tab = Client::connect(&url).await;
        second_tab
            .send(json!({"type": "join", "token": joined["token"]}))
            .await;
        let again = second_tab.until(|v| v["type"] == "joined").await;
        assert_eq!(again["seat"], joined["seat"]);
        // Another student, here and undecided, keeps the round open.
        let mut other = join(&served, &code, 1).await.remove(0);
        // Each page's view after joining, which the server makes once it has sent the
        // reply: a start that came first (a loaded machine, once in CI) made it a second
        // view of the open round, read below as the view the choice sent.
        for tab in [&mut first_tab, &mut second_tab, &mut other] {
            let lobby = tab.until(|v| v["type"] == "state").await;
            assert_eq!(lobby["phase"], "lobby", "{lobby}");
        }
        let mut teacher = served.teacher_socket(&code).await;
        teacher.send(json!({"type": "start"})).await;
        for tab in [&mut first_tab, &mut second_tab, &mut other] {
            tab.until(|v| v["phase"] == "open").await;
        }
        first_tab
            .send(json!({"type": "contribute", "round": 1, "amount": 5}))
            .await;
        first_tab.until(|v| v["submitted"] == 5.0).await;
        let seen = second_tab.until(|v| v["type"] == "state").await;
        assert_eq!(seen["phase"], "open", "{seen}");
        assert_eq!(seen["submitted"], 5.0, "{seen}");
        // The other student's page is not redrawn by this student's choice.
        let deadline = tokio::time::Instant::now() + Duration::from_millis(500);
        let redrawn = other
            .until_by(deadline, |v| v["type"] == "state" && v["phase"] == "open")
            .await;
        assert!(redrawn.is_none(), "{redrawn:?}");
    });
}

/// A student who arrives after the start is told, in words a student knows, that they
/// cannot play and what to do (it said "only seats taken before can rejoin"); the game
/// goes on for the others.
#[test]
fn a_late_student_is_told_they_cannot_join_a_started_game() {
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let code = served.open_game(&settings(&[2], 1));
    runtime().block_on(async {
        let mut students = join(&served, &code, 2).await;
        let mut teacher = served.teacher_socket(&code).await;
        teacher.send(json!({"type": "start"})).await;
        students[0].until(|v| v["phase"] == "open").await;
        let mut late = Client::connect(&served.ws_url(&format!("/ws/play/{code}"))).await;
        late.send(json!({"type": "join"})).await;
        assert_eq!(
            late.error().await,
            "the game has started without you: only students who joined before the start \
             can play; ask your teacher"
        );
        for s in &mut students {
            s.send(json!({"type": "contribute", "round": 1, "amount": 3}))
                .await;
        }
        students[1].until(|v| v["phase"] == "ended").await;
    });
}

/// A teacher gets the class back from someone who took seats: in the lobby they remove a
/// student, whose every page is told in plain words and closed, whose token no longer
/// takes the seat back, and who is no longer counted; they close joining, so that new
/// joins are refused while students who joined still get their seats back, and open it
/// again. A student's socket cannot do either, nor can a student's token serve as the
/// teacher's key; once the game has started nobody can be removed.
#[test]
fn the_teacher_removes_a_student_and_closes_joining_in_the_lobby() {
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let code = served.open_game(&settings(&[2], 1));
    runtime().block_on(async {
        let url = served.ws_url(&format!("/ws/play/{code}"));
        let mut ada = join(&served, &code, 1).await.remove(0);
        // The prankster, on two tabs.
        let mut pest = Client::connect(&url).await;
        pest.send(json!({"type": "join"})).await;
        let joined = pest.until(|v| v["type"] == "joined").await;
        let (seat, token) = (joined["seat"].clone(), joined["token"].clone());
        let mut pest_tab = Client::connect(&url).await;
        pest_tab.send(json!({"type": "join", "token": token})).await;
        pest_tab.until(|v| v["type"] == "joined").await;
        let mut teacher = served.teacher_socket(&code).await;
        let lobby = teacher.until(|v| v["type"] == "teacher").await;
        assert_eq!(lobby["joined"], 2);
        assert_eq!(lobby["joining"], true);
        let listed: Vec<&Value> = lobby["students"].as_array().unwrap().iter().collect();
        assert_eq!(listed.len(), 2, "{lobby}");
        assert!(listed.iter().any(|s| s["seat"] == seat));

        // A student can do neither teacher action, on their socket or with their token.
        ada.send(json!({"type": "remove", "seat": seat})).await;
        assert!(ada.error().await.starts_with("malformed message"));
        ada.send(json!({"type": "close_joining"})).await;
        assert!(ada.error().await.starts_with("malformed message"));
        let as_teacher = served.ws_url(&format!(
            "/ws/teacher/{code}?key={}",
            token.as_str().unwrap()
        ));
        assert!(tokio_tungstenite::connect_async(as_teacher).await.is_err());
        let (status, _) = http(
            &format!(
                "{}/api/games/{code}?key={}",
                served.base,
                token.as_str().unwrap()
            ),
            "GET",
            None,
        );
        assert_eq!(status, 403);

        teacher.send(json!({"type": "remove", "seat": seat})).await;
        for tab in [&mut pest, &mut pest_tab] {
            let told = tab.until(|v| v["type"] == "removed").await;
            assert_eq!(
                told["message"],
                "The teacher removed you from this game. You can join again while joining is open."
            );
            assert!(tab.closed().await, "the removed page's socket is closed");
        }
        let view = teacher.until(|v| v["joined"] == 1).await;
        assert_eq!(
            (&view["connected"], &view["simulated"]),
            (&1.into(), &0.into())
        );
        assert_eq!(view["students"].as_array().unwrap().len(), 1, "{view}");
        // Reloading does not bring the seat back; joining anew gives a new seat.
        let mut reload = Client::connect(&url).await;
        reload.send(json!({"type": "join", "token": token})).await;
        assert!(
            reload
                .error()
                .await
                .starts_with("The teacher removed you from this game.")
        );
        reload.send(json!({"type": "join"})).await;
        let again = reload.until(|v| v["type"] == "joined").await;
        assert_ne!(again["seat"], seat);
        teacher.until(|v| v["joined"] == 2).await;

        teacher.send(json!({"type": "close_joining"})).await;
        teacher.until(|v| v["joining"] == false).await;
        let mut late = Client::connect(&url).await;
        late.send(json!({"type": "join"})).await;
        assert_eq!(
            late.error().await,
            "The teacher has closed joining for this game."
        );
        // A student who joined gets their seat back in another tab.
        let mut other_tab = Client::connect(&url).await;
        other_tab
            .send(json!({"type": "join", "token": again["token"]}))
            .await;
        assert_eq!(
            other_tab.until(|v| v["type"] == "joined").await["seat"],
            again["seat"]
        );
        let (status, body) = http(&served.teacher(&format!("/api/games/{code}")), "GET", None);
        assert_eq!(status, 200);
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap()["joined"],
            2,
            "{body}"
        );
        teacher.send(json!({"type": "open_joining"})).await;
        teacher.until(|v| v["joining"] == true).await;
        late.send(json!({"type": "join"})).await;
        late.until(|v| v["type"] == "joined").await;

        teacher.send(json!({"type": "start"})).await;
        teacher.until(|v| v["phase"] == "open").await;
        teacher.send(json!({"type": "remove", "seat": 1})).await;
        assert!(
            teacher
                .error()
                .await
                .starts_with("the game has started: students can no longer be removed")
        );
        teacher.send(json!({"type": "close_joining"})).await;
        assert_eq!(
            teacher.error().await,
            "the game has started: nobody new can join it"
        );
        let open = ada.until(|v| v["phase"] == "open").await;
        assert_eq!(open["group_size"], 2);
    });
}

/// A script took dozens of seats and disconnected: one "remove everyone not here" from the
/// teacher's socket removes every seat with no page connected (their tokens no longer take
/// a seat back, and they are not counted), while the students here keep their seats, are
/// not told anything and play. A student's socket cannot send the command (it needs the
/// teacher's key, as every teacher command does); once the game has started it is refused.
#[test]
fn the_teacher_removes_everyone_not_here_in_the_lobby() {
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let code = served.open_game(&settings(&[2], 1));
    runtime().block_on(async {
        let url = served.ws_url(&format!("/ws/play/{code}"));
        let mut here = join(&served, &code, 2).await;
        let mut tokens = Vec::new();
        for _ in 0..40 {
            let mut bot = Client::connect(&url).await;
            bot.send(json!({"type": "join"})).await;
            tokens.push(bot.until(|v| v["type"] == "joined").await["token"].clone());
        }
        let mut teacher = served.teacher_socket(&code).await;
        let lobby = teacher
            .until(|v| v["joined"] == 42 && v["connected"] == 2)
            .await;
        let away = lobby["students"].as_array().unwrap();
        assert_eq!(away.iter().filter(|s| s["here"] == false).count(), 40);

        here[0].send(json!({"type": "remove_away"})).await;
        assert!(here[0].error().await.starts_with("malformed message"));

        teacher.send(json!({"type": "remove_away"})).await;
        let view = teacher.until(|v| v["joined"] == 2).await;
        assert_eq!(view["connected"], 2);
        let listed = view["students"].as_array().unwrap();
        assert_eq!(listed.len(), 2, "{view}");
        assert!(listed.iter().all(|s| s["here"] == true), "{view}");
        for token in [&tokens[0], &tokens[39]] {
            let mut reload = Client::connect(&url).await;
            reload.send(json!({"type": "join", "token": token})).await;
            assert_eq!(
                reload.error().await,
                "The teacher removed you from this game. You can join again while joining is open."
            );
        }
        // A second click finds nobody away and changes nothing.
        teacher.send(json!({"type": "remove_away"})).await;
        teacher.send(json!({"type": "start"})).await;
        let open = teacher.until(|v| v["phase"] == "open").await;
        assert_eq!(
            (&open["joined"], &open["connected"]),
            (&2.into(), &2.into())
        );
        for student in &mut here {
            let view = student.until(|v| v["phase"] == "open").await;
            assert_eq!(view["group_size"], 2);
        }
        teacher.send(json!({"type": "remove_away"})).await;
        assert!(
            teacher
                .error()
                .await
                .starts_with("the game has started: students can no longer be removed")
        );
    });
}

/// A round closes when its time runs out (the shortest allowed, 10 s), though the one
/// student connected never decides: the model decides for them (`decided_by = model`).
#[test]
fn a_round_closes_when_its_time_runs_out_and_the_model_decides_for_the_undecided() {
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let mut short = settings(&[2], 1);
    short["round_seconds"] = json!(10);
    let code = served.open_game(&short);
    let waited = runtime().block_on(async {
        let mut teacher = served.teacher_socket(&code).await;
        let mut student = join(&served, &code, 1).await.pop().unwrap();
        teacher.until(|v| v["joined"] == 1).await;
        let started = Instant::now();
        teacher.send(json!({"type": "start"})).await;
        student.until(|v| v["phase"] == "open").await;
        // Generous: a loaded 2-core machine may be slow to close it, never quick.
        let limit = tokio::time::Instant::from_std(started) + Duration::from_secs(10 + 20);
        let closed = student
            .until_by(limit, |v| v["phase"] != "open")
            .await
            .expect("the round closes on its own within 30 s of the start");
        assert_eq!(closed["last"]["round"], 1, "{closed}");
        started.elapsed()
    });
    eprintln!("a round of 10 s closed on its own after {waited:.1?}");
    assert!(
        waited >= Duration::from_secs(10),
        "the round closed after {waited:?}, before its 10 s"
    );
    let (status, csv) = http(
        &served.teacher(&format!("/game/{code}/results.csv")),
        "GET",
        None,
    );
    assert_eq!(status, 200);
    // Columns: game, round, seat, player, nickname, task, group_size, group, decided_by.
    let student: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|row| row.split(',').collect::<Vec<_>>())
        .filter(|f| f[3] == "student")
        .collect();
    assert_eq!(student.len(), 1, "{csv}");
    assert_eq!((student[0][1], student[0][2]), ("1", "1"), "{csv}");
    assert_eq!(student[0][8], "model", "{csv}");
}

/// While a round is open and nothing happens, the teacher's page gets a view about once a
/// second (the countdown), not one per pass of its socket's loop. An upper bound only: a
/// slow machine sends fewer.
#[test]
fn an_open_round_redraws_the_teachers_page_about_once_a_second() {
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let mut long_rounds = settings(&[2], 1);
    long_rounds["round_seconds"] = json!(600);
    let code = served.open_game(&long_rounds);
    let (views, seconds) = runtime().block_on(async {
        let mut teacher = served.teacher_socket(&code).await;
        let _student = join(&served, &code, 1).await;
        teacher.until(|v| v["joined"] == 1).await;
        teacher.send(json!({"type": "start"})).await;
        teacher.until(|v| v["phase"] == "open").await;
        // Timed here, not taken to be 3 s: a test thread that wakes late reads the views
        // sent meanwhile too.
        let counting = Instant::now();
        let views = teacher
            .count_for(Duration::from_secs(3), |v| v["type"] == "teacher")
            .await;
        let seconds = counting.elapsed().as_secs_f64();
        let last = teacher.until(|v| v["type"] == "teacher").await;
        assert_eq!(last["phase"], "open", "nothing closed the round: {last}");
        (views, seconds)
    });
    eprintln!("the teacher's page got {views} views in {seconds:.1} s of an open round");
    assert!(
        views as f64 <= seconds.floor() + 3.0,
        "{views} views of the teacher's page in {seconds:.1} s of an open round"
    );
}

/// A running explore page steps at its speed: at 2 steps per second, about 5 frames in
/// 2 s (the reply to Go, a step at once, then one every 0.5 s), not as many as it can make.
/// An upper bound only: a slow machine steps less often.
#[test]
fn a_running_explore_page_steps_at_its_speed() {
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let (frames, seconds) = runtime().block_on(async {
        let mut explore =
            Client::connect(&served.ws_url(&format!("/ws/explore?key={}", served.key))).await;
        explore.until(|v| v["type"] == "frame").await;
        explore.send(json!({"type": "speed", "value": 2})).await;
        explore
            .until(|v| v["type"] == "frame" && v["speed"] == 2.0)
            .await;
        // Timed here, not taken to be 2 s: a test thread that wakes late reads the frames
        // sent meanwhile too.
        let counting = Instant::now();
        explore.send(json!({"type": "go"})).await;
        let frames = explore
            .count_for(Duration::from_secs(2), |v| v["type"] == "frame")
            .await;
        let seconds = counting.elapsed().as_secs_f64();
        let last = explore.until(|v| v["type"] == "frame").await;
        assert_eq!(last["running"], true, "{last}");
        (frames, seconds)
    });
    eprintln!("the explore page got {frames} frames in {seconds:.1} s at 2 steps per second");
    assert!(
        frames as f64 <= (2.0 * seconds).floor() + 3.0,
        "{frames} frames in {seconds:.1} s at 2 steps per second"
    );
}

#[test]
fn bad_input_gets_a_clear_error_and_the_game_goes_on() {
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    // Teacher pages and APIs need the key.
    let (status, _) = http(&format!("{}/explore", served.base), "GET", None);
    assert_eq!(status, 403);
    let (status, body) = http(
        &served.teacher("/api/games"),
        "POST",
        Some(
            &json!({"sizes": [1], "task": "lab", "rounds": 3, "endowment": 20, "mpcr": 0.4, "rematch": true, "nicknames": false, "round_seconds": 60}),
        ),
    );
    assert_eq!(status, 400);
    assert!(body.contains("`sizes` is out of range"), "{body}");
    let code = served.open_game(&settings(&[2], 2));
    runtime().block_on(async {
        // Unknown game code.
        let mut lost = Client::connect(&served.ws_url("/ws/play/ZZZZ")).await;
        assert!(lost.error().await.contains("no game has the code ZZZZ"));
        let mut teacher = served.teacher_socket(&code).await;
        let mut a = Client::connect(&served.ws_url(&format!("/ws/play/{code}"))).await;
        // Before joining, malformed and out-of-order messages.
        a.send_text("{not json".into()).await;
        assert!(a.error().await.starts_with("malformed message"));
        a.send(json!({"type": "contribute", "round": 1, "amount": 5}))
            .await;
        assert_eq!(a.error().await, "join the game first");
        // Logged as a student without a seat (seats are numbered from 1; there is no seat 0).
        let log = served.log(&sb);
        assert!(
            log.contains(&format!(
                "game {code}, no seat yet: refused: join the game first"
            )),
            "{log}"
        );
        a.send(json!({"type": "join", "token": "nosuchtoken"}))
            .await;
        assert_eq!(
            a.error().await,
            "no seat has this rejoin token in this game"
        );
        let log = served.log(&sb);
        assert!(
            log.contains(&format!(
                "game {code}, no seat yet: refused: no seat has this rejoin token"
            )),
            "{log}"
        );
        assert!(!log.contains("seat 0"), "{log}");
        a.send_text("x".repeat(5000)).await;
        assert!(a.error().await.starts_with("message too long"));
        a.send(json!({"type": "join"})).await;
        let token = a.until(|v| v["type"] == "joined").await["token"]
            .as_str()
            .unwrap()
            .to_string();
        // Duplicate join.
        a.send(json!({"type": "join"})).await;
        assert_eq!(a.error().await, "already joined as seat 1");
        teacher.send(json!({"type": "next_round"})).await;
        assert_eq!(teacher.error().await, "start the game first");
        // The teacher's page too gets a reply to an over-long message, not a closed socket.
        teacher.send_text("x".repeat(5000)).await;
        assert!(teacher.error().await.starts_with("message too long"));
        teacher.send(json!({"type": "start"})).await;
        a.until(|v| v["phase"] == "open").await;
        a.send(json!({"type": "contribute", "round": 1, "amount": 21}))
            .await;
        assert!(a.error().await.contains("from 0 to 20"));
        // Whole tokens only: the page shows whole numbers.
        a.send(json!({"type": "contribute", "round": 1, "amount": 2.5}))
            .await;
        assert_eq!(
            a.error().await,
            "a contribution is a whole number of tokens from 0 to 20"
        );
        a.send(json!({"type": "contribute", "round": 2, "amount": 3}))
            .await;
        assert_eq!(a.error().await, "round 2 is not open; round 1 is");
        // A disconnected student rejoins their seat with the token.
        drop(a);
        let mut again = Client::connect(&served.ws_url(&format!("/ws/play/{code}"))).await;
        again.send(json!({"type": "join", "token": token})).await;
        assert_eq!(again.until(|v| v["type"] == "joined").await["seat"], 1);
        again
            .send(json!({"type": "contribute", "round": 1, "amount": 4}))
            .await;
        again.until(|v| v["phase"] == "results").await;
        teacher.send(json!({"type": "next_round"})).await;
        again
            .until(|v| v["phase"] == "open" && v["round"] == 2)
            .await;
        again
            .send(json!({"type": "contribute", "round": 2, "amount": 4}))
            .await;
        again.until(|v| v["phase"] == "ended").await;
        // Messages after the game ended.
        again
            .send(json!({"type": "contribute", "round": 2, "amount": 4}))
            .await;
        assert_eq!(again.error().await, "the game has ended");
        teacher.send(json!({"type": "next_round"})).await;
        assert_eq!(teacher.error().await, "the game has ended");
        // Explore: an out-of-range slider value is refused; the run goes on.
        let mut explore =
            Client::connect(&served.ws_url(&format!("/ws/explore?key={}", served.key))).await;
        explore.until(|v| v["type"] == "frame").await;
        explore
            .send(json!({"type": "set", "name": "levers.group_size_cap", "value": -3}))
            .await;
        let message = explore.error().await;
        assert!(message.contains("levers.group_size_cap") && message.contains("allowed is"));
        explore.send_text("x".repeat(5000)).await;
        assert!(explore.error().await.starts_with("message too long"));
        explore.send(json!({"type": "step"})).await;
        let frame = explore.until(|v| v["type"] == "frame").await;
        assert_eq!(frame["step"], 1);
    });
}

/// A student who types the server's address without `/play` (or with a trailing slash)
/// reaches the game: a teacher's page without the key answers 403 with a page that leads
/// to `/play` (it answered JSON that told a student to find a key), and `/play/` is the
/// join page (it was a 404). The APIs still answer JSON, which the pages' scripts read.
#[test]
fn a_student_at_the_servers_address_is_led_to_the_game() {
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    for path in [
        "/",
        "/explore",
        "/experiment",
        "/game",
        "/?key=a-key-of-another-start",
    ] {
        let (status, body) = http(&format!("{}{path}", served.base), "GET", None);
        assert_eq!(status, 403, "{path}");
        assert!(
            body.starts_with("<!doctype html>")
                && body.contains(r#"<a href="/play">Join the game here</a>"#),
            "{path}: {body}"
        );
        assert!(body.contains("the secret key"), "{path}: {body}");
    }
    let (status, body) = http(&format!("{}/play/", served.base), "GET", None);
    assert_eq!(status, 200);
    assert!(body.contains("Join the class game"), "{body}");
    let (status, body) = http(&format!("{}/api/games", served.base), "GET", None);
    assert_eq!(status, 403);
    let error: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(error["type"], "error", "{body}");
}

/// An address the server has no page for, or a method a page does not take, is answered
/// with a 4xx and a message saying so, not an empty reply. An address a person typed gets
/// a page that leads to the game; the APIs' and sockets' addresses, which scripts ask,
/// and methods a browser's address bar does not send, keep the JSON scripts read.
#[test]
fn an_unknown_address_or_method_gets_a_message() {
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    for path in ["/nope", "/pla", "/play/ABCD/x", "/apiary", "/wsx"] {
        let (status, body) = http(&format!("{}{path}", served.base), "GET", None);
        assert_eq!(status, 404, "{path}: {body}");
        assert!(body.starts_with("<!doctype html>"), "{path}: {body}");
        assert!(
            body.contains(&format!("<p>no page at {path}.</p>")),
            "{path}: {body}"
        );
        assert!(
            body.contains(r#"<a href="/play">Join the game here</a>"#),
            "{path}: {body}"
        );
    }
    let scripts = [
        ("GET", "/api"),
        ("GET", "/api/nope"),
        ("GET", "/ws/nope"),
        ("POST", "/nope"),
    ];
    for (method, path) in scripts {
        let (status, body) = http(&format!("{}{path}", served.base), method, None);
        assert_eq!(status, 404, "{method} {path}: {body}");
        let error: Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("{path}: {body}"));
        assert_eq!(
            error["message"],
            format!("no page at {path}"),
            "{method} {path}"
        );
    }
    assert!(
        served
            .log(&sb)
            .contains("coprod serve: 404: no page at /nope\n")
    );
    let (status, body) = http(&format!("{}/play", served.base), "POST", None);
    assert_eq!(status, 405);
    assert!(body.contains("/play does not take POST"), "{body}");
    let (status, body) = http(&served.teacher("/api/games/ABCD/end"), "GET", None);
    assert_eq!(status, 405);
    assert!(
        body.contains("/api/games/ABCD/end does not take GET"),
        "{body}"
    );
}

/// A HEAD of an address with no page gets the head a GET of it gets (an HTML page's for
/// an address a person may type, JSON's for the APIs and sockets), and no body. It was
/// JSON's for every address.
#[test]
fn a_head_of_an_unknown_address_gets_the_head_of_its_get() {
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    for (path, content_type) in [
        ("/nope", "text/html; charset=utf-8"),
        ("/play/ABCD/x", "text/html; charset=utf-8"),
        ("/api/nope", "application/json"),
        ("/ws/nope", "application/json"),
    ] {
        let get = raw_request(&served, "GET", path);
        let head = raw_request(&served, "HEAD", path);
        let (get_head, _) = get.split_once("\r\n\r\n").unwrap();
        let (head_head, body) = head.split_once("\r\n\r\n").unwrap();
        assert!(head_head.starts_with("HTTP/1.1 404 "), "{path}: {head}");
        let want = format!("\r\ncontent-type: {content_type}\r\n");
        assert!(get_head.contains(&want), "{path}: GET: {get}");
        assert!(head_head.contains(&want), "{path}: HEAD: {head}");
        assert_eq!(body, "", "{path}: HEAD has no body");
    }
}

/// A request the server cannot read (a socket's address opened as a page, a key given
/// twice to an API, a game code that is not text) is refused as every other: a JSON error
/// that says what is wrong, and a line in the teacher's log. They were axum's plain text,
/// unlogged.
#[test]
fn an_unreadable_request_gets_a_message_and_a_log_line() {
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let code = served.open_game(&settings(&[2], 1));
    let key = &served.key;
    let cases = [
        (
            format!("/ws/explore?key={key}"),
            400,
            "/ws/explore is a WebSocket",
        ),
        (format!("/ws/play/{code}"), 400, "is a WebSocket"),
        (
            format!("/ws/teacher/{code}?key={key}"),
            400,
            "is a WebSocket",
        ),
        (
            format!("/api/games?key={key}&key=x"),
            400,
            "duplicate field `key`",
        ),
        (
            format!("/api/games/{code}?key={key}&key={key}"),
            400,
            "duplicate field `key`",
        ),
        (
            format!("/api/games/%FF?key={key}"),
            400,
            "Invalid UTF-8 in `code`",
        ),
    ];
    for (path, want_status, want) in cases {
        let (status, body) = http(&format!("{}{path}", served.base), "GET", None);
        assert_eq!(status, want_status, "{path}: {body}");
        let error: Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("{path}: {body}"));
        assert_eq!(error["type"], "error", "{path}: {body}");
        let message = error["message"].as_str().unwrap();
        assert!(message.contains(want), "{path}: {message}");
        // Logged as the server's other refusals are: status, then the message.
        let logged = format!("coprod serve: {status}: {message}\n");
        assert!(
            served.log(&sb).contains(&logged),
            "{path}: not logged: {logged}"
        );
    }
}

/// A teacher's page whose address cannot be read (the key given twice) is refused as the
/// page refuses a missing key: with a page a person reads, not the APIs' JSON. It is
/// logged as every refusal is.
#[test]
fn a_teachers_page_with_an_unreadable_address_is_refused_with_a_page() {
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let key = &served.key;
    for page in ["/", "/explore", "/experiment", "/game"] {
        for query in [format!("key={key}&key={key}"), format!("key={key}&key=x")] {
            let path = format!("{page}?{query}");
            let (status, body) = http(&format!("{}{path}", served.base), "GET", None);
            assert_eq!(status, 400, "{path}: {body}");
            assert!(body.starts_with("<!doctype html>"), "{path}: {body}");
            let message = "malformed address: duplicate field `key`; open the address \
                           `coprod serve` printed";
            // The log line's backticks are code on the page.
            let shown = "malformed address: duplicate field <code>key</code>; open the address \
                         <code>coprod serve</code> printed";
            assert!(body.contains(&format!("<p>{shown}.</p>")), "{path}: {body}");
            let logged = format!("coprod serve: 400: {message}\n");
            assert!(served.log(&sb).contains(&logged), "{path}: not logged");
        }
    }
}

/// The experiment's teaching page, which the Experiment page opens in a new tab, refuses
/// as the teacher's pages do: without the key, with the key twice, and before an
/// experiment has finished, a page a person reads with its status, not the APIs' JSON.
/// Each refusal is logged.
#[test]
fn the_experiments_teaching_page_is_refused_with_a_page() {
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let page = "/experiment/teach.html";
    let key = &served.key;
    let cases = [
        (
            page.to_string(),
            403,
            "the secret key",
            "403: a teacher's page asked without the teacher's key".to_string(),
        ),
        (
            format!("{page}?key={key}&key={key}"),
            400,
            KEY_TWICE_SHOWN,
            KEY_TWICE_LOGGED.to_string(),
        ),
        (
            format!("{page}?key={key}"),
            404,
            "<p>no experiment has been started since the server started.</p>",
            "404: no experiment has been started since the server started".to_string(),
        ),
    ];
    assert_refused_with_pages(&sb, &served, &cases);
}

/// A key given twice, as the refusal page shows it and as the log says it.
const KEY_TWICE_SHOWN: &str = "<p>malformed address: duplicate field <code>key</code>; open \
                               the address <code>coprod serve</code> printed.</p>";
const KEY_TWICE_LOGGED: &str = "400: malformed address: duplicate field `key`";

/// Asks for each `(path, status, shown, logged)` and checks the refusal: that status, an
/// HTML page showing `shown`, and `logged` in the server's log.
fn assert_refused_with_pages(sb: &Sandbox, served: &Served, cases: &[(String, u16, &str, String)]) {
    for (path, want_status, want, logged) in cases {
        let (status, body) = http(&format!("{}{path}", served.base), "GET", None);
        assert_eq!(status, *want_status, "{path}: {body}");
        assert!(body.starts_with("<!doctype html>"), "{path}: {body}");
        assert!(body.contains(want), "{path}: {body}");
        assert!(
            served.log(sb).contains(&format!("coprod serve: {logged}")),
            "{path}: not logged"
        );
    }
}

/// A game's CSV, which the teacher downloads from a link, refuses as the teacher's pages
/// do: without the key, with the key twice, for a game the server does not hold, and for
/// a code that cannot be read, a page a person reads with its status, not the APIs' JSON.
/// Each refusal is logged.
#[test]
fn a_games_download_is_refused_with_a_page() {
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let code = served.open_game(&settings(&[2], 1));
    let key = &served.key;
    let cases = [
        (
            format!("/game/{code}/results.csv"),
            403,
            "the secret key",
            "403: a teacher's page asked without the teacher's key".to_string(),
        ),
        (
            format!("/game/{code}/results.csv?key={key}&key=x"),
            400,
            KEY_TWICE_SHOWN,
            KEY_TWICE_LOGGED.to_string(),
        ),
        (
            format!("/game/Z%3CZ/results.csv?key={key}"),
            404,
            "<p>no game has the code Z&lt;Z.</p>",
            "404: no game has the code Z<Z".to_string(),
        ),
        // A code that is not UTF-8 once percent-decoded.
        (
            format!("/game/%FF/results.csv?key={key}"),
            400,
            "<p>malformed address /game/%FF/results.csv: Invalid URL: Invalid UTF-8 in \
             <code>code</code>.</p>",
            "400: malformed address /game/%FF/results.csv: Invalid URL: Invalid UTF-8 in \
             `code`"
                .to_string(),
        ),
    ];
    assert_refused_with_pages(&sb, &served, &cases);
}

/// The icon every browser asks for with every page (each student's phone too) is answered
/// with no content, not a 404 that would add a line to the teacher's log each time.
#[test]
fn the_browsers_request_for_an_icon_is_not_refused() {
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let (status, body) = http(&format!("{}/favicon.ico", served.base), "GET", None);
    assert_eq!((status, body.as_str()), (204, ""));
}

/// 100 students in groups of 5 through 10 rounds over loopback. Prints the 95th-percentile
/// round latency (last contribution sent to every student seeing the result) and the
/// server's resident memory. Asserts that every round completes and that every student's
/// result follows the game's rule: the groups split the class into groups of 5 and each
/// payoff is endowment - contribution + MPCR x group total.
#[test]
fn load_100_students_through_10_rounds_reports_latency_and_memory() {
    let sb = Sandbox::new();
    let served = Served::start(&sb);
    let code = served.open_game(&settings(&[5], 10));
    let latencies = runtime().block_on(async {
        let mut teacher = served.teacher_socket(&code).await;
        let mut students = join(&served, &code, 100).await;
        teacher.send(json!({"type": "start"})).await;
        // The teacher's page reads every update, as a browser does.
        let (commands, mut to_send) = tokio::sync::mpsc::unbounded_channel::<Value>();
        let teacher_page = tokio::spawn(async move {
            loop {
                tokio::select! {
                    command = to_send.recv() => match command {
                        Some(c) => teacher.send(c).await,
                        None => return teacher,
                    },
                    view = teacher.until(|_| true) => {
                        if view["phase"] == "ended" {
                            return teacher;
                        }
                    }
                }
            }
        });
        let mut latencies = Vec::new();
        let mut totals = vec![0.0; students.len()];
        for round in 1..=10u32 {
            for s in students.iter_mut() {
                s.until(|v| v["phase"] == "open" && v["round"] == round)
                    .await;
            }
            for (i, s) in students.iter_mut().enumerate() {
                s.send(json!({"type": "contribute", "round": round, "amount": (i % 21)}))
                    .await;
            }
            let sent = Instant::now();
            let mut tasks = Vec::new();
            for mut s in students.drain(..) {
                tasks.push(tokio::spawn(async move {
                    let state = s.until(|v| v["last"]["round"] == round).await;
                    (s, state, Instant::now())
                }));
            }
            let mut last = sent;
            let mut results = Vec::new();
            for t in tasks {
                let (s, state, at) = t.await.unwrap();
                last = last.max(at);
                students.push(s);
                results.push(state);
            }
            latencies.push(last.duration_since(sent));
            check_round(round, &results, &mut totals);
            if round < 10 {
                commands.send(json!({"type": "next_round"})).unwrap();
            }
        }
        teacher_page.await.unwrap();
        latencies
    });
    let by_round: Vec<f64> = latencies.iter().map(|d| d.as_secs_f64() * 1e3).collect();
    let mut ms = by_round.clone();
    ms.sort_by(f64::total_cmp);
    let p95 = ms[((ms.len() as f64 * 0.95).ceil() as usize).min(ms.len()) - 1];
    let status =
        std::fs::read_to_string(format!("/proc/{}/status", served.pid())).unwrap_or_default();
    let rss = status
        .lines()
        .filter(|l| l.starts_with("VmRSS") || l.starts_with("VmHWM"))
        .collect::<Vec<_>>()
        .join(", ");
    eprintln!(
        "load test: 100 students, 10 rounds: round latency p95 {p95:.1} ms (by round: {by_round:.1?}); server memory {rss}"
    );
}

/// The results the 100 students of the load test see after `round` (student `i` gave
/// `i % 21` of an endowment of 20; groups of 5, MPCR 0.4). `totals` carries each student's
/// running payoff.
fn check_round(round: u32, results: &[Value], totals: &mut [f64]) {
    assert_eq!(results.len(), 100);
    // Students by the group total they see: (how many, their contributions' sum).
    let mut groups: Vec<(f64, usize, f64)> = Vec::new();
    for (i, state) in results.iter().enumerate() {
        let last = &state["last"];
        let number = |key: &str| {
            last[key]
                .as_f64()
                .unwrap_or_else(|| panic!("round {round}, student {i}: no {key} in {state}"))
        };
        let (contribution, group_total, payoff) = (
            number("contribution"),
            number("group_total"),
            number("payoff"),
        );
        assert_eq!(contribution, (i % 21) as f64, "round {round}, student {i}");
        assert_eq!(last["produced"], true, "round {round}, student {i}");
        let expected = 20.0 - contribution + 0.4 * group_total;
        assert!(
            (payoff - expected).abs() < 1e-9,
            "round {round}, student {i}: payoff {payoff}, expected 20 - {contribution} + 0.4 x {group_total} = {expected}"
        );
        totals[i] += payoff;
        let total = state["total_payoff"].as_f64().unwrap();
        assert!(
            (total - totals[i]).abs() < 1e-6,
            "round {round}, student {i}: total payoff {total}, the rounds' payoffs add to {}",
            totals[i]
        );
        match groups.iter_mut().find(|g| g.0 == group_total) {
            Some(g) => {
                g.1 += 1;
                g.2 += contribution;
            }
            None => groups.push((group_total, 1, contribution)),
        }
    }
    // Every group has 5 members and its total is their contributions' sum (groups that
    // happen to have the same total are counted together).
    for (group_total, members, sum) in groups {
        assert!(
            members % 5 == 0 && (sum - group_total * (members / 5) as f64).abs() < 1e-9,
            "round {round}: {members} students see a group total of {group_total}; their contributions add to {sum}"
        );
    }
}

/// All that an exited `child` printed on its piped stderr.
fn stderr_of(child: &mut std::process::Child) -> String {
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    stderr
}
