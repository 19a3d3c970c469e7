//! The URLs: pages (embedded), sockets, the experiment job and the game API. Every teacher
//! URL checks the secret key; students' URLs (`/play...`) do not need it.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ws::{WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use crate::explore::{Explore, ExploreMessage, controls_json};
use crate::game::{GameError, Settings};
use crate::svg::{self, COLOURS, Line};
use crate::ws::{Incoming, RateLimit, check, send, send_error};
use crate::{App, play};

const STYLE: &str = include_str!("../assets/style.css");
const SCRIPT: &str = include_str!("../assets/common.js");
const HOME: &str = include_str!("../assets/home.html");
const EXPLORE: &str = include_str!("../assets/explore.html");
const EXPERIMENT: &str = include_str!("../assets/experiment.html");
const TEACHER: &str = include_str!("../assets/teacher.html");
const PLAY: &str = include_str!("../assets/play.html");

/// The teacher's key, from the query string.
#[derive(Deserialize)]
pub(crate) struct Key {
    key: Option<String>,
}

// Axum's own refusals of a request its extractors cannot read are plain text and are not
// logged; these extractors refuse as the rest of the server does, in JSON and in the log.

impl<S: Send + Sync> FromRequestParts<S> for Key {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Key, Response> {
        read_key(parts, state)
            .await
            .map_err(|(status, message)| refused(status, &message))
    }
}

/// The key of a teacher's page. A person reads the page, so a query that cannot be read
/// is refused with a page, as a missing key is, not with the APIs' JSON.
struct PageKey(Key);

impl<S: Send + Sync> FromRequestParts<S> for PageKey {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<PageKey, Response> {
        read_key(parts, state)
            .await
            .map(PageKey)
            .map_err(|(status, message)| unreadable_page(status, &message))
    }
}

/// The key from the query string, or the status and message of a query that cannot be
/// read (a key given twice).
async fn read_key<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
) -> Result<Key, (StatusCode, String)> {
    match Query::<Key>::from_request_parts(parts, state).await {
        Ok(Query(key)) => Ok(key),
        Err(rejection) => {
            let text = rejection.body_text();
            let reason = text
                .strip_prefix("Failed to deserialize query string: ")
                .unwrap_or(&text);
            Err((
                rejection.status(),
                format!("malformed address: {reason}; open the address `coprod serve` printed"),
            ))
        }
    }
}

/// The game code in the URL's `{code}`.
struct Code(String);

impl<S: Send + Sync> FromRequestParts<S> for Code {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Code, Response> {
        read_code(parts, state)
            .await
            .map_err(|(status, message)| refused(status, &message))
    }
}

/// The game code of an address a person opens (a game's CSV, from a link): a code that
/// cannot be read is refused with a page, as [`PageKey`] refuses a key.
struct PageCode(Code);

impl<S: Send + Sync> FromRequestParts<S> for PageCode {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<PageCode, Response> {
        read_code(parts, state)
            .await
            .map(PageCode)
            .map_err(|(status, message)| unreadable_page(status, &message))
    }
}

/// The code from the path, or the status and message of a path that cannot be read (a
/// code that is not UTF-8 once percent-decoded).
async fn read_code<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
) -> Result<Code, (StatusCode, String)> {
    match Path::<String>::from_request_parts(parts, state).await {
        Ok(Path(code)) => Ok(Code(code)),
        Err(rejection) => Err((
            rejection.status(),
            format!(
                "malformed address {}: {}",
                parts.uri.path(),
                rejection.body_text()
            ),
        )),
    }
}

/// A WebSocket upgrade: what the pages' scripts ask for at `/ws/...`. The same address
/// typed into a browser has no upgrade headers.
struct Upgrade(WebSocketUpgrade);

impl<S: Send + Sync> FromRequestParts<S> for Upgrade {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Upgrade, Response> {
        match WebSocketUpgrade::from_request_parts(parts, state).await {
            Ok(upgrade) => Ok(Upgrade(upgrade)),
            Err(rejection) => Err(refused(
                rejection.status(),
                &format!(
                    "{} is a WebSocket that the classroom's pages open, not a page: {}",
                    parts.uri.path(),
                    rejection.body_text()
                ),
            )),
        }
    }
}

/// The teachers' pages, each behind the key.
const TEACHER_PAGES: [(&str, &str); 4] = [
    ("/", HOME),
    ("/explore", EXPLORE),
    ("/experiment", EXPERIMENT),
    ("/game", TEACHER),
];

/// All routes of the server.
pub(crate) fn router(app: Arc<App>) -> Router {
    let mut router = Router::new();
    for (path, html) in TEACHER_PAGES {
        router = router.route(
            path,
            get(move |s: State<Arc<App>>, PageKey(k): PageKey| teacher_page(s, k, html)),
        );
    }
    router
        .route(
            "/assets/style.css",
            get(|| async { ([(header::CONTENT_TYPE, "text/css")], STYLE) }),
        )
        .route(
            "/assets/common.js",
            get(|| async { ([(header::CONTENT_TYPE, "text/javascript")], SCRIPT) }),
        )
        // Every browser asks for it with every page it opens, each student's phone too: a 404
        // would add a "no page at /favicon.ico" line to the teacher's log of refused requests
        // each time. There is no icon, and nothing was refused.
        .route("/favicon.ico", get(|| async { StatusCode::NO_CONTENT }))
        .route("/ws/explore", get(explore_socket))
        .route(
            "/api/controls",
            get(|| async { axum::Json(controls_json()) }),
        )
        .route(
            "/api/experiment",
            get(experiment_status).post(experiment_start),
        )
        .route("/experiment/teach.html", get(experiment_page))
        .route("/api/games", get(list_games).post(create_game))
        .route("/api/games/{code}", get(game_status))
        .route("/api/games/{code}/end", post(end_game))
        .route("/ws/teacher/{code}", get(teacher_socket))
        .route("/game/{code}/results.csv", get(export))
        .route("/play", get(|| async { page(PLAY) }))
        .route("/play/{code}", get(|| async { page(PLAY) }))
        // As typed with a trailing slash.
        .route("/play/", get(|| async { page(PLAY) }))
        .route("/ws/play/{code}", get(student_socket))
        .fallback(no_such_page)
        .method_not_allowed_fallback(wrong_method)
        .layer(axum::middleware::from_fn(read_body_in_time))
        .with_state(app)
}

/// Longest wait for a request's body once its head has arrived. Hyper's own timer covers
/// only the head, and the JSON extractors read the body before the key is checked, so a
/// body that never ends would hold its connection for ever (the pages' bodies are a few
/// hundred bytes).
const BODY_TIMEOUT: Duration = Duration::from_secs(10);

/// Largest request body: axum's default limit for JSON, stated in the refusal.
const MAX_BODY: usize = 2 * 1024 * 1024;

/// Reads the request's body in full, within [`BODY_TIMEOUT`] and [`MAX_BODY`], before any
/// route sees it; a body too slow gets 408, one too large 413, and the connection is then
/// closed (hyper does not keep a connection whose body was not read).
async fn read_body_in_time(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let (parts, body) = request.into_parts();
    if announced_length(&parts.headers).is_some_and(|length| length > MAX_BODY as u64) {
        return too_large();
    }
    match tokio::time::timeout(BODY_TIMEOUT, axum::body::to_bytes(body, MAX_BODY)).await {
        Ok(Ok(bytes)) => {
            let request = axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes));
            next.run(request).await
        }
        Ok(Err(err)) => unreadable_body(err),
        Err(_) => refused(
            StatusCode::REQUEST_TIMEOUT,
            &format!(
                "the request body did not arrive in full within {} seconds",
                BODY_TIMEOUT.as_secs()
            ),
        ),
    }
}

/// A body over [`MAX_BODY`] sent without its length, or one broken off.
fn unreadable_body(err: axum::Error) -> Response {
    let inner = err.into_inner();
    if inner.is::<http_body_util::LengthLimitError>() {
        return too_large();
    }
    refused(
        StatusCode::BAD_REQUEST,
        &format!("the request body could not be read: {inner}"),
    )
}

/// The body's length as its Content-Length header announces it.
fn announced_length(headers: &axum::http::HeaderMap) -> Option<u64> {
    headers
        .get(header::CONTENT_LENGTH)?
        .to_str()
        .ok()?
        .parse()
        .ok()
}

fn too_large() -> Response {
    refused(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!(
            "a request body has at most {} MiB ({MAX_BODY} bytes)",
            MAX_BODY / (1024 * 1024)
        ),
    )
}

/// Where the addresses only the pages' scripts ask for are: the JSON APIs and the
/// sockets. Every other address is one a person may type or follow.
const SCRIPTS_ONLY: [&str; 2] = ["/api", "/ws"];

/// Whether `path` is at or under one of [`SCRIPTS_ONLY`].
fn is_for_scripts(path: &str) -> bool {
    SCRIPTS_ONLY.iter().any(|prefix| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// An address with no page: a 404 that says so (axum's own has an empty body). A person
/// who mistyped an address (most often a student's `/play`) reads a page that leads to
/// the game; a script, which asks the APIs and sockets or sends other methods, reads JSON.
/// A HEAD gets the head a GET would (the server sends no body), as the pages' own do.
async fn no_such_page(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    let message = format!("no page at {}", uri.path());
    let as_a_browser = [axum::http::Method::GET, axum::http::Method::HEAD].contains(&method);
    if as_a_browser && !is_for_scripts(uri.path()) {
        refused_page(
            StatusCode::NOT_FOUND,
            "No page here",
            &message,
            JOIN_THE_GAME,
        )
    } else {
        refused(StatusCode::NOT_FOUND, &message)
    }
}

/// A page asked with a method it does not take: a 405 that says so.
async fn wrong_method(method: axum::http::Method, uri: axum::http::Uri) -> Response {
    refused(
        StatusCode::METHOD_NOT_ALLOWED,
        &format!("{} does not take {method}", uri.path()),
    )
}

fn page(html: impl IntoResponse) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        Html(html),
    )
        .into_response()
}

fn refused(status: StatusCode, message: &str) -> Response {
    crate::log(&format!("{}: {message}", status.as_u16()));
    (
        status,
        axum::Json(serde_json::json!({"type": "error", "message": message})),
    )
        .into_response()
}

/// Whether the request carries the teacher's key (compared in constant time).
fn is_teacher(app: &App, key: &Key) -> bool {
    same_secret(key.key.as_deref().unwrap_or(""), &app.key)
}

/// Whether `given` is `want`, in a time that does not depend on where they first differ
/// (so the key cannot be guessed a character at a time from response times).
fn same_secret(given: &str, want: &str) -> bool {
    let (given, want) = (given.as_bytes(), want.as_bytes());
    given.len() == want.len()
        && given
            .iter()
            .zip(want)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// The game `code` for a request with the teacher's key: 403 without the key, 404 for no
/// such game.
fn teachers_game(app: &App, key: &Key, code: &str) -> Result<Arc<play::Slot>, Box<Response>> {
    if !is_teacher(app, key) {
        return Err(Box::new(forbidden()));
    }
    app.games.get(code).ok_or_else(|| {
        Box::new(refused(
            StatusCode::NOT_FOUND,
            &format!("no game has the code {code}"),
        ))
    })
}

/// The game in the URL's `{code}`, extracted as [`teachers_game`] finds it: a handler that
/// takes it runs only for the teacher. The path and query are read in that order, as
/// their own extractors would be, so a malformed request is refused as before.
struct TeachersGame(Arc<play::Slot>);

impl FromRequestParts<Arc<App>> for TeachersGame {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, app: &Arc<App>) -> Result<Self, Response> {
        let Code(code) = Code::from_request_parts(parts, app).await?;
        let key = Key::from_request_parts(parts, app).await?;
        teachers_game(app, &key, &code)
            .map(TeachersGame)
            .map_err(|refusal| *refusal)
    }
}

fn forbidden() -> Response {
    refused(
        StatusCode::FORBIDDEN,
        "this page is the teacher's: open the address `coprod serve` printed, with its key",
    )
}

async fn teacher_page(State(app): State<Arc<App>>, key: Key, html: &'static str) -> Response {
    if is_teacher(&app, &key) {
        page(html)
    } else {
        not_the_teacher()
    }
}

/// A teacher's page asked without the key, as a page a person reads: most often a student
/// who typed the server's address without `/play`, so it leads there first.
const NOT_THE_TEACHER: &str = r#"<h2>Joining the class game?</h2>
<p class="big"><a href="/play">Join the game here</a> with the code your teacher shows.</p>
<p>This address is for the teacher (a page or a download): it needs the secret key in the address that <code>coprod serve</code> printed. Teacher: open that address (after a restart of the server, the new one it printed).</p>
"#;

/// A page a person reads, with `main` (HTML) as its content.
fn person_page(main: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>coprod classroom</title><link rel="stylesheet" href="/assets/style.css"></head>
<body><header><h1>coprod classroom</h1></header>
<main class="play">
{main}</main></body></html>
"#
    )
}

/// `page` answered with `status`.
fn page_with_status(status: StatusCode, html: String) -> Response {
    let mut response = page(html);
    *response.status_mut() = status;
    response
}

/// The refusal of a teacher's page without the key: a 403 with a page that says what to
/// open instead (the APIs answer JSON, for the pages' scripts).
fn not_the_teacher() -> Response {
    crate::log("403: a teacher's page asked without the teacher's key");
    page_with_status(StatusCode::FORBIDDEN, person_page(NOT_THE_TEACHER))
}

/// Leads a student who reached a refusal to the game: most people at the server are.
const JOIN_THE_GAME: &str = "<p>Joining the class game? <a href=\"/play\">Join the game \
                             here</a> with the code your teacher shows.</p>\n";

/// A refusal as a page a person reads: `heading`, `message` (the words of the log line)
/// and `more` (HTML). Logged as the server's other refusals are.
fn refused_page(status: StatusCode, heading: &str, message: &str, more: &str) -> Response {
    crate::log(&format!("{}: {message}", status.as_u16()));
    let main = format!(
        "<h2>{heading}</h2>\n<p>{}.</p>\n{more}",
        code_spans(&svg::escape(message))
    );
    page_with_status(status, person_page(&main))
}

/// The message's `code` spans (the log line's backticks) as `<code>` on the page.
fn code_spans(escaped: &str) -> String {
    let parts: Vec<&str> = escaped.split('`').collect();
    if parts.len().is_multiple_of(2) {
        return escaped.to_string(); // an unpaired backtick: leave the text as it is
    }
    // Odd parts lie between a pair of backticks.
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| match i % 2 {
            1 => format!("<code>{part}</code>"),
            _ => part.to_string(),
        })
        .collect()
}

/// The refusal of a teacher's page whose address cannot be read: `message` on a page.
fn unreadable_page(status: StatusCode, message: &str) -> Response {
    refused_page(
        status,
        "This address cannot be read",
        message,
        JOIN_THE_GAME,
    )
}

async fn explore_socket(State(app): State<Arc<App>>, key: Key, Upgrade(ws): Upgrade) -> Response {
    if !is_teacher(&app, &key) {
        return forbidden();
    }
    let seed = app.seed() % 1000 + 1;
    ws.max_message_size(64 * 1024)
        .on_upgrade(move |socket| explore_loop(socket, seed))
}

/// One explore page: messages change the run; while Go is on, a step and a frame every
/// 1/speed seconds.
async fn explore_loop(mut socket: WebSocket, seed: u64) {
    let mut explore = Explore::new(seed);
    let mut limit = RateLimit::new();
    if !send(&mut socket, &explore.frame()).await {
        return;
    }
    let mut next = tokio::time::Instant::now();
    loop {
        let running = explore.running;
        let wait = tokio::time::sleep_until(next);
        tokio::select! {
            received = socket.recv() => match check::<ExploreMessage>(received, &mut limit) {
                Incoming::Closed => break,
                Incoming::Ignored => {}
                Incoming::Refused(reason) => {
                    if !send_error(&mut socket, "explore", &reason).await { break; }
                }
                Incoming::Message(message) => match explore.handle(message) {
                    Ok(_) => {
                        if !send(&mut socket, &explore.frame()).await { break; }
                    }
                    Err(err) => {
                        if !send_error(&mut socket, "explore", &err).await { break; }
                    }
                },
            },
            () = wait, if running => {
                explore.step();
                next = tokio::time::Instant::now() + Duration::from_secs_f64(1.0 / explore.speed);
                if !send(&mut socket, &explore.frame()).await { break; }
            }
        }
        if !running {
            next = tokio::time::Instant::now();
        }
    }
}

/// The experiment job: at most one at a time.
#[derive(Default)]
pub(crate) struct Job {
    state: JobState,
    total: u64,
    folder: Option<PathBuf>,
    page: Option<PathBuf>,
    error: Option<String>,
    /// The results of a finished experiment, computed once by the worker: reading the run
    /// folder and bootstrapping takes seconds, too long for every poll of the page.
    results: serde_json::Value,
}

#[derive(Clone, Copy, Default, PartialEq)]
enum JobState {
    #[default]
    Idle,
    Running,
    Done,
    Failed,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExperimentRequest {
    quick: bool,
}

async fn experiment_start(
    State(app): State<Arc<App>>,
    key: Key,
    body: Result<axum::Json<ExperimentRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    if !is_teacher(&app, &key) {
        return forbidden();
    }
    let Ok(axum::Json(request)) = body else {
        return refused(
            StatusCode::BAD_REQUEST,
            "malformed request: send {\"quick\": true or false}",
        );
    };
    let Some(experiment) = app.experiment.clone() else {
        return refused(
            StatusCode::NOT_IMPLEMENTED,
            "this server cannot run experiments",
        );
    };
    let total = match experiment.runs(request.quick) {
        Ok(total) => total,
        Err(err) => return refused(StatusCode::INTERNAL_SERVER_ERROR, &err),
    };
    let folder = {
        let mut job = app.job.lock().unwrap_or_else(|p| p.into_inner());
        if job.state == JobState::Running {
            return refused(StatusCode::CONFLICT, "an experiment is already running");
        }
        // The page cannot offer --resume, so a folder where an interrupted lesson waits
        // (one stopped on the command line, say) is passed over rather than refused.
        let folder = coprod_output::unused_run_dir(&app.outputs, "group-size-teach");
        *job = Job {
            state: JobState::Running,
            total,
            folder: Some(folder.clone()),
            ..Job::default()
        };
        folder
    };
    let worker = Arc::clone(&app);
    tokio::task::spawn_blocking(move || {
        // A panic would leave the job running for ever: the page would show its progress bar
        // and refuse every new experiment until the server restarts.
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let result = experiment.run(request.quick, &folder);
            // Computed before taking the lock, so polls are answered meanwhile.
            let summary = result
                .as_ref()
                .map_or(serde_json::Value::Null, |page| results(page));
            (result, summary)
        }));
        let (result, summary) =
            outcome.unwrap_or_else(|panic| (Err(panic_words(&*panic)), serde_json::Value::Null));
        let mut job = worker.job.lock().unwrap_or_else(|p| p.into_inner());
        match result {
            Ok(page) => {
                job.state = JobState::Done;
                job.page = Some(page);
                job.results = summary;
            }
            Err(err) => {
                crate::log(&format!("experiment failed: {err}"));
                job.state = JobState::Failed;
                job.error = Some(err);
            }
        }
    });
    experiment_status(State(app), key).await
}

/// What the page says of an experiment that stopped on a panic: its message, if it has one.
fn panic_words(panic: &(dyn std::any::Any + Send)) -> String {
    let message = panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str));
    match message {
        Some(message) => format!("the experiment stopped on an internal error: {message}"),
        None => "the experiment stopped on an internal error".into(),
    }
}

/// Progress (runs done so far, and how many of them failed), or the results when done.
async fn experiment_status(State(app): State<Arc<App>>, key: Key) -> Response {
    if !is_teacher(&app, &key) {
        return forbidden();
    }
    // The lock is held only to copy the job: counting rows reads a file.
    let (mut status, counted) = {
        let job = app.job.lock().unwrap_or_else(|p| p.into_inner());
        let state = match job.state {
            JobState::Idle => "idle",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        };
        let done = if job.state == JobState::Done {
            job.total
        } else {
            0
        };
        let status = serde_json::json!({
            // A finished experiment's runs all succeeded: the lesson draws no page otherwise.
            "state": state, "done": done, "failed": 0, "total": job.total, "error": job.error,
            "folder": job.folder.as_ref().map(|f| f.display().to_string()),
            "results": job.results,
        });
        // A failed experiment counts its runs as a running one does: the runs that finished
        // before it stopped are in the folder (or its partial folder, left to resume).
        let counted = match (&job.state, &job.folder) {
            (JobState::Running | JobState::Failed, Some(folder)) => {
                Some((folder.clone(), job.total))
            }
            _ => None,
        };
        (status, counted)
    };
    if let Some((folder, total)) = counted {
        let (done, failed) = progress(&folder, total);
        status["done"] = done.into();
        status["failed"] = failed.into();
    }
    axum::Json(status).into_response()
}

/// Runs done of `total`, and how many of them failed: the rows of the partial folder's
/// runs.csv and failures.csv (a failed run has a row in failures.csv only) while it runs;
/// all of them once the partial folder has become the run folder (the page is written
/// after that), rather than 0 because the partial files are gone.
fn progress(folder: &std::path::Path, total: u64) -> (u64, u64) {
    let partial = coprod_output::partial_dir(folder);
    let rows = |dir: &std::path::Path, name: &str| {
        std::fs::read(dir.join(name)).map(|bytes| csv_rows(&bytes))
    };
    let failed = |dir| rows(dir, coprod_output::FAILURES_CSV).unwrap_or(0);
    match rows(&partial, "runs.csv") {
        Ok(succeeded) => {
            let failed = failed(&partial);
            ((succeeded + failed).min(total), failed)
        }
        Err(_) if folder.is_dir() => (total, failed(folder)),
        Err(_) => (0, 0),
    }
}

/// Rows of a CSV file after its header (read by the csv crate: line breaks inside quoted
/// fields, which a failure's message may have, do not end a row).
fn csv_rows(bytes: &[u8]) -> u64 {
    csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(bytes)
        .byte_records()
        .take_while(Result::is_ok)
        .count() as u64
}

/// The experiment's results: survival by size for each regime with 95% intervals, as a
/// chart and a table, read from the run folder by `coprod-report`.
fn results(page: &std::path::Path) -> serde_json::Value {
    let Some(dir) = page.parent() else {
        return serde_json::Value::Null;
    };
    let analysis = coprod_report::RunData::load(dir).and_then(|data| coprod_report::analyse(&data));
    let analysis = match analysis {
        Ok(a) => a,
        Err(err) => return serde_json::json!({"error": err.to_string()}),
    };
    let lines: Vec<Line> = analysis
        .regimes
        .iter()
        .enumerate()
        .map(|(i, r)| Line {
            name: r.label.clone(),
            points: r
                .sizes
                .iter()
                .map(|s| (s.size as f64, Some(s.survival.mean)))
                .collect(),
            colour: COLOURS[i % COLOURS.len()],
            dashed: false,
            band: r
                .sizes
                .iter()
                .filter_map(|s| {
                    s.survival
                        .ci
                        .map(|(lo, hi)| (s.size as f64, lo.max(0.0), hi.min(1.0)))
                })
                .collect(),
        })
        .collect();
    let chart = svg::line_chart(
        "survival",
        &format!("Share still going after {} months", analysis.horizon),
        "largest group size",
        &lines,
        (0.0, 40.0),
        (0.0, 1.0),
    );
    let regimes: Vec<serde_json::Value> = analysis
        .regimes
        .iter()
        .map(|r| {
            let best = r.best();
            serde_json::json!({
                "label": r.label, "best": best.size, "clear": r.best_is_clear(), "firm": r.best_is_firm(),
                "mean": best.survival.mean,
                "ci": best.survival.ci,
                "sizes": r.sizes.iter().map(|s| serde_json::json!({"size": s.size, "mean": s.survival.mean, "ci": s.survival.ci})).collect::<Vec<_>>(),
            })
        })
        .collect();
    serde_json::json!({"chart": chart, "regimes": regimes, "replications": analysis.replications, "horizon": analysis.horizon})
}

/// The lesson's page of the experiment that finished. The Experiment page opens it in a
/// new tab and in a frame, so its refusals are pages a person reads, as the teacher's
/// pages' are, not the APIs' JSON.
async fn experiment_page(State(app): State<Arc<App>>, PageKey(key): PageKey) -> Response {
    if !is_teacher(&app, &key) {
        return not_the_teacher();
    }
    let (written, state) = {
        let job = app.job.lock().unwrap_or_else(|p| p.into_inner());
        (job.page.clone(), job.state)
    };
    match written.map(|path| (std::fs::read_to_string(&path), path)) {
        // Not kept by the browser: the next experiment's page has the same address.
        Some((Ok(html), _)) => page(html),
        Some((Err(e), path)) => refused_page(
            StatusCode::NOT_FOUND,
            "The teaching page cannot be read",
            &format!(
                "the experiment's page {} cannot be read: {e}",
                path.display()
            ),
            "<p>Run the experiment again from the Experiment page.</p>\n",
        ),
        None if state == JobState::Failed => refused_page(
            StatusCode::NOT_FOUND,
            "No teaching page",
            "the latest experiment failed, so it has no teaching page",
            "<p>The Experiment page says why; start it again there.</p>\n",
        ),
        None if state == JobState::Running => still_running(),
        None => no_experiment_yet(),
    }
}

/// Where the page of an experiment before the latest is.
const EARLIER_PAGES: &str = "An earlier experiment's page is the <code>teach.html</code> in \
                             its run's folder.";

/// The lesson's page asked while the latest experiment runs. An earlier one may have
/// finished (a quick run, then a full one): its page is no longer served.
fn still_running() -> Response {
    refused_page(
        StatusCode::NOT_FOUND,
        "No teaching page yet",
        "the latest experiment has not finished yet",
        &format!(
            "<p>Its teaching page opens here once it has finished; the Experiment page shows \
             its progress. {EARLIER_PAGES}</p>\n"
        ),
    )
}

/// The lesson's page asked before any experiment was started since the server started.
fn no_experiment_yet() -> Response {
    refused_page(
        StatusCode::NOT_FOUND,
        "No teaching page yet",
        "no experiment has been started since the server started",
        &format!(
            "<p>Start one on the Experiment page: its teaching page opens here once it has \
             finished. {EARLIER_PAGES}</p>\n"
        ),
    )
}

async fn create_game(
    State(app): State<Arc<App>>,
    key: Key,
    body: Result<axum::Json<Settings>, axum::extract::rejection::JsonRejection>,
) -> Response {
    if !is_teacher(&app, &key) {
        return forbidden();
    }
    let settings = match body {
        Ok(axum::Json(settings)) => settings,
        Err(err) => {
            return refused(
                StatusCode::BAD_REQUEST,
                &format!("malformed game settings: {}", err.body_text()),
            );
        }
    };
    // Settings the game cannot take are a bad request; valid settings that a full server
    // cannot open now are a conflict with its state.
    match play::open_game(&app, settings) {
        Ok(code) => axum::Json(serde_json::json!({"code": code})).into_response(),
        Err(err @ GameError::Invalid(_)) => refused(StatusCode::BAD_REQUEST, &err.to_string()),
        Err(err @ GameError::OutOfOrder(_)) => refused(StatusCode::CONFLICT, &err.to_string()),
    }
}

async fn list_games(State(app): State<Arc<App>>, key: Key) -> Response {
    if !is_teacher(&app, &key) {
        return forbidden();
    }
    axum::Json(play::list_games(&app)).into_response()
}

/// One game, as the list shows it. The teacher's page asks when its socket drops: a 404
/// (the game is gone: the server restarted, or removed it to make room) or a 403 (the key
/// is not this server's: it restarted with a new one) will not change by reconnecting.
async fn game_status(TeachersGame(slot): TeachersGame) -> Response {
    axum::Json(play::summary(&slot)).into_response()
}

/// Ends a game from the teacher's list of games, without opening its page.
async fn end_game(TeachersGame(slot): TeachersGame) -> Response {
    match play::end_game(&slot) {
        Ok(()) => axum::Json(serde_json::json!({"code": slot.lock().code, "phase": "ended"}))
            .into_response(),
        Err(err) => refused(StatusCode::CONFLICT, &err.to_string()),
    }
}

// Not a `TeachersGame`: the key is checked after the upgrade headers, as it always was.
async fn teacher_socket(
    State(app): State<Arc<App>>,
    Code(code): Code,
    key: Key,
    Upgrade(ws): Upgrade,
) -> Response {
    let slot = match teachers_game(&app, &key, &code) {
        Ok(slot) => slot,
        Err(refusal) => return *refusal,
    };
    ws.max_message_size(64 * 1024)
        .on_upgrade(move |socket| play::teacher_socket(slot, socket))
}

/// A game's CSV. The teacher downloads it from a link, so its refusals (a restarted
/// server's old key, a game removed to make room) are pages a person reads, as the
/// teacher's pages' are, not the APIs' JSON.
async fn export(
    State(app): State<Arc<App>>,
    PageCode(Code(code)): PageCode,
    PageKey(key): PageKey,
) -> Response {
    if !is_teacher(&app, &key) {
        return not_the_teacher();
    }
    let Some(slot) = app.games.get(&code) else {
        return no_such_game_page(&code);
    };
    // The game's own code, not the URL's: the URL may carry spaces or line breaks around it.
    let disposition = format!(
        "attachment; filename=\"coprod-game-{}.csv\"",
        slot.lock().code
    );
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        play::export(&slot),
    )
        .into_response()
}

/// The download of a game the server does not hold.
fn no_such_game_page(code: &str) -> Response {
    refused_page(
        StatusCode::NOT_FOUND,
        "No such game",
        &format!("no game has the code {code}"),
        "<p>The server holds its games until it stops, and an ended game until a new game \
         needs its place: download a game's CSV before then.</p>\n",
    )
}

async fn student_socket(
    State(app): State<Arc<App>>,
    Code(code): Code,
    Upgrade(ws): Upgrade,
) -> Response {
    let code: String = code
        .chars()
        .take(8)
        .collect::<String>()
        .to_ascii_uppercase();
    ws.max_message_size(64 * 1024)
        .on_upgrade(move |socket| play::student_socket(app, code, socket))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_are_html_that_the_browser_fetches_anew() {
        // No caching: a reload after the server restarts gets the new page.
        let response = page("<p>hi</p>");
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers();
        assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
        assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    }

    /// A refusal's page shows the log line's `code` as code, not as backticks.
    #[test]
    fn code_in_a_refusal_is_shown_as_code() {
        assert_eq!(
            code_spans("duplicate field `key`; open `coprod serve`&#39;s address"),
            "duplicate field <code>key</code>; open <code>coprod serve</code>&#39;s address"
        );
        assert_eq!(code_spans("one ` alone"), "one ` alone");
    }

    #[test]
    fn only_the_exact_teacher_key_is_the_teacher_key() {
        assert!(same_secret("k3yAb9", "k3yAb9"));
        for wrong in [
            "", "k3yAb", "k3yAb90", // other lengths
            "x3yAb9", "k3yAb8", "K3YaB9", // one or more characters differ
            // Two characters swapped: their differences cancel out if the differences were
            // combined by xor rather than or.
            "k3yA9b",
        ] {
            assert!(!same_secret(wrong, "k3yAb9"), "{wrong:?} accepted");
        }
    }

    /// An experiment with a bug: it panics instead of returning an error.
    struct Panics;

    impl crate::Experiment for Panics {
        fn runs(&self, _quick: bool) -> Result<u64, String> {
            Ok(3)
        }

        fn run(&self, _quick: bool, _out: &std::path::Path) -> Result<PathBuf, String> {
            panic!("a bug in the experiment");
        }
    }

    /// A server whose Experiment page runs `experiment`, with its outputs in `outputs`.
    fn app_running(experiment: impl crate::Experiment, outputs: &std::path::Path) -> Arc<App> {
        Arc::new(App {
            key: "key".into(),
            public_base: "http://127.0.0.1:8000".into(),
            outputs: outputs.to_path_buf(),
            games: play::Games::default(),
            experiment: Some(Arc::new(experiment)),
            job: std::sync::Mutex::new(Job::default()),
            rng: std::sync::Mutex::new(rand::SeedableRng::seed_from_u64(7)),
        })
    }

    fn teachers_key() -> Key {
        Key {
            key: Some("key".into()),
        }
    }

    /// Starts a quick experiment as the page does; the response's status.
    async fn start_experiment(app: &Arc<App>) -> StatusCode {
        let body = Ok(axum::Json(ExperimentRequest { quick: true }));
        experiment_start(State(Arc::clone(app)), teachers_key(), body)
            .await
            .status()
    }

    /// Waits (at most 10 s) for the experiment to stop running.
    async fn until_stopped(app: &App) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while app.job.lock().unwrap().state == JobState::Running {
            assert!(std::time::Instant::now() < deadline, "still running");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// An experiment that panics is reported failed, with the panic's message, and the
    /// page can start another; it does not stay "running" until the server restarts.
    #[tokio::test]
    async fn an_experiment_that_panics_fails_and_another_can_start() {
        let outputs = tempfile::tempdir().unwrap();
        let app = app_running(Panics, outputs.path());
        assert_eq!(start_experiment(&app).await, StatusCode::OK);
        until_stopped(&app).await;
        {
            let job = app.job.lock().unwrap();
            assert!(job.state == JobState::Failed);
            assert_eq!(
                job.error.as_deref(),
                Some("the experiment stopped on an internal error: a bug in the experiment")
            );
        }
        assert_eq!(
            start_experiment(&app).await,
            StatusCode::OK,
            "a new one starts"
        );
    }

    /// An experiment that stops after two of its five runs, as a full disk would stop it:
    /// the two runs are in the partial folder it leaves to resume.
    struct StopsAfterTwoRuns;

    impl crate::Experiment for StopsAfterTwoRuns {
        fn runs(&self, _quick: bool) -> Result<u64, String> {
            Ok(5)
        }

        fn run(&self, _quick: bool, out: &std::path::Path) -> Result<PathBuf, String> {
            let partial = coprod_output::partial_dir(out);
            std::fs::create_dir_all(&partial).unwrap();
            std::fs::write(partial.join("runs.csv"), "run_id\n1\n2\n").unwrap();
            Err("no space left on the disk".into())
        }
    }

    /// A failed experiment's status says how many runs finished before it stopped, not 0
    /// as if none had run.
    #[tokio::test]
    async fn a_failed_experiment_reports_the_runs_that_finished() {
        let outputs = tempfile::tempdir().unwrap();
        let app = app_running(StopsAfterTwoRuns, outputs.path());
        assert_eq!(start_experiment(&app).await, StatusCode::OK);
        until_stopped(&app).await;
        let response = experiment_status(State(Arc::clone(&app)), teachers_key()).await;
        let status: serde_json::Value = serde_json::from_str(&body_text(response).await).unwrap();
        assert_eq!(status["state"], "failed");
        assert_eq!((&status["done"], &status["total"]), (&2.into(), &5.into()));
        assert_eq!(status["error"], "no space left on the disk");
    }

    /// A server whose experiment job is `job`.
    fn app_with_job(job: Job, outputs: &std::path::Path) -> Arc<App> {
        let app = app_running(Panics, outputs);
        *app.job.lock().unwrap() = job;
        app
    }

    /// The teacher's request of the experiment's teaching page: its response.
    async fn teaching_page(app: Arc<App>) -> Response {
        experiment_page(State(app), PageKey(teachers_key())).await
    }

    async fn body_text(response: Response) -> String {
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        String::from_utf8(body.to_vec()).unwrap()
    }

    /// A finished experiment's teaching page is not kept by the browser, as the teacher's
    /// other pages are not: the next experiment's page has the same address, and a kept
    /// copy would show the one before.
    #[tokio::test]
    async fn the_teaching_page_is_fetched_anew() {
        let outputs = tempfile::tempdir().unwrap();
        let written = outputs.path().join("teach.html");
        std::fs::write(&written, "<p>the lesson</p>").unwrap();
        let job = Job {
            state: JobState::Done,
            page: Some(written),
            ..Job::default()
        };
        let response = teaching_page(app_with_job(job, outputs.path())).await;
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers();
        assert_eq!(headers[header::CONTENT_TYPE], "text/html; charset=utf-8");
        assert_eq!(
            headers.get(header::CACHE_CONTROL).map(|v| v.as_bytes()),
            Some(&b"no-store"[..])
        );
        assert_eq!(body_text(response).await, "<p>the lesson</p>");
    }

    /// The teaching page asked while an experiment runs says that it runs, not that none
    /// has finished: one may have (a quick run before a full one), and its page is no
    /// longer served. Before any experiment, it says that none was started.
    #[tokio::test]
    async fn the_teaching_page_says_whether_an_experiment_runs() {
        let outputs = tempfile::tempdir().unwrap();
        for (state, want) in [
            (
                JobState::Running,
                "<p>the latest experiment has not finished yet.</p>",
            ),
            (
                JobState::Idle,
                "<p>no experiment has been started since the server started.</p>",
            ),
        ] {
            let job = Job {
                state,
                ..Job::default()
            };
            let response = teaching_page(app_with_job(job, outputs.path())).await;
            assert_eq!(response.status(), StatusCode::NOT_FOUND);
            let body = body_text(response).await;
            assert!(body.contains(want), "{body}");
        }
    }

    #[test]
    fn progress_counts_rows_then_stays_full_once_the_runs_are_moved() {
        let root = tempfile::tempdir().unwrap();
        let folder = root.path().join("group-size-teach");
        let partial = coprod_output::partial_dir(&folder);
        assert_eq!(progress(&folder, 10), (0, 0), "nothing started");
        std::fs::create_dir_all(&partial).unwrap();
        std::fs::write(partial.join("runs.csv"), "run_id\n1\n2\n3\n").unwrap();
        assert_eq!(progress(&folder, 10), (3, 0));
        std::fs::rename(&partial, &folder).unwrap();
        assert_eq!(
            progress(&folder, 10),
            (10, 0),
            "the partial folder became the run folder"
        );
    }

    /// Failed runs are done too: they are in failures.csv, not runs.csv, and the bar
    /// reached the total only when the folder was complete. A failure's message may span
    /// lines; it is one run.
    #[test]
    fn progress_counts_failed_runs_as_done_and_says_how_many() {
        let root = tempfile::tempdir().unwrap();
        let folder = root.path().join("group-size-teach");
        let partial = coprod_output::partial_dir(&folder);
        std::fs::create_dir_all(&partial).unwrap();
        std::fs::write(partial.join("runs.csv"), "run_id\n1\n3\n").unwrap();
        std::fs::write(
            partial.join(coprod_output::FAILURES_CSV),
            "run_id,kind,message\n2,panic,\"assertion failed\n  left: \"\"a\"\"\"\n4,panic,x\n",
        )
        .unwrap();
        assert_eq!(progress(&folder, 10), (4, 2));
    }
}
