//! # coprod-serve: the interactive classroom (`coprod serve`)
//!
//! # Brief overview
//! A local web server with three pages for a class:
//!
//! * **Explore**: sliders for the forces of the group-size lesson, Setup / Go / Step / Pause
//!   and speed, live charts and a view of one community; the model runs on the server, one
//!   run per open page, and streams a frame per step over a WebSocket ([`explore`]).
//! * **Experiment**: the group-size experiment of `coprod teach`, started from the page
//!   with a progress bar; the results and explanation are the teaching page of that run
//!   ([`Experiment`] is how the caller runs it).
//! * **Play**: a class game: students join from their phones with a short code (or QR code),
//!   play a public-goods or co-production game in groups of the sizes the teacher chose,
//!   with the model's simulated citizens filling empty seats ([`game`]); before the start
//!   the teacher can remove students (one, or everyone not here) and close joining (anyone
//!   who sees the code could otherwise take every seat); the teacher's page shows the class
//!   next to the simulated citizens and exports a CSV.
//!
//! Safe by default: it listens on 127.0.0.1 unless asked for the LAN; every page but the
//! students' needs the secret key of the teacher's URL; messages are size- and
//! rate-limited, and every refused message gets an error reply and a log line on stderr
//! (with control characters escaped), except that a connection over the rate limit gets
//! one of each per 10 seconds and its other messages over the rate are dropped.
//! Pages and charts are embedded in the binary and fetch nothing from the network.
#![deny(missing_docs)]

pub mod explore;
pub mod game;
mod play;
mod routes;
pub mod svg;
mod ws;

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rand::rngs::ChaCha8Rng;
use rand::{Rng, RngExt, SeedableRng};

use crate::routes::router;

/// Runs the group-size experiment of `coprod teach` for the Experiment page. The caller
/// (the `coprod` binary) provides it, so this crate does not run studies itself.
pub trait Experiment: Send + Sync + 'static {
    /// How many runs the experiment has (for the progress bar).
    fn runs(&self, quick: bool) -> Result<u64, String>;
    /// Runs it into the new folder `out` and returns the path of its `teach.html`. The
    /// server follows progress by counting the rows of the folder's runs.csv while it is
    /// being written.
    fn run(&self, quick: bool, out: &std::path::Path) -> Result<PathBuf, String>;
}

/// How the server is started.
#[derive(Clone, Debug)]
pub struct Config {
    /// Port (0 picks a free one).
    pub port: u16,
    /// Listen on every interface, for students' devices; otherwise 127.0.0.1 only.
    pub lan: bool,
    /// Folder for experiment outputs (a new numbered folder per experiment).
    pub outputs: PathBuf,
}

/// The hint for a folder the experiments cannot write: the teacher chooses it with
/// `--outputs` when starting `coprod serve`, which has no `--out` (the flag `coprod teach`'s
/// own hint names).
pub const CHOOSE_WRITABLE_OUTPUTS: &str =
    "choose a folder you can write to with --outputs DIR when you start coprod serve";

/// Why the experiments could not write in `outputs` (a file, or a folder that cannot be made
/// or written), with a hint; `None` when they could. `named` is how the message names it.
pub fn outputs_problem(outputs: &Path, named: &str) -> Option<String> {
    if outputs.exists() && !outputs.is_dir() {
        return Some(format!(
            "{named} is a file, not a folder\n\nhint: give the folder for the experiments' \
             run folders with --outputs DIR"
        ));
    }
    let why = probe_nearest_folder(outputs).err()?;
    Some(format!(
        "the experiments cannot write in {named}: {why}\n\nhint: {CHOOSE_WRITABLE_OUTPUTS}"
    ))
}

/// Writes and removes a file in `outputs`, or in the nearest folder above it that exists
/// (where it would be made); the reason if that fails.
fn probe_nearest_folder(outputs: &Path) -> std::result::Result<(), String> {
    let nearest = outputs
        .ancestors()
        .map(|a| {
            if a.as_os_str().is_empty() {
                Path::new(".")
            } else {
                a
            }
        })
        .find(|a| a.exists())
        .unwrap_or(Path::new("."));
    if !nearest.is_dir() {
        return Err(format!("{} is a file, not a folder", nearest.display()));
    }
    let probe = nearest.join(format!(".coprod-probe.{}", std::process::id()));
    std::fs::write(&probe, "")
        .and_then(|()| std::fs::remove_file(&probe))
        .map_err(|e| format!("writing a file in {} failed: {e}", nearest.display()))
}

/// State shared by every request.
pub(crate) struct App {
    /// The teacher's secret, required in the URL of every teacher page and socket.
    pub(crate) key: String,
    /// The address students type (LAN address with `--lan`).
    pub(crate) public_base: String,
    pub(crate) outputs: PathBuf,
    pub(crate) games: play::Games,
    pub(crate) experiment: Option<Arc<dyn Experiment>>,
    pub(crate) job: std::sync::Mutex<routes::Job>,
    rng: std::sync::Mutex<ChaCha8Rng>,
}

impl App {
    /// A random token of `chars` letters and digits.
    pub(crate) fn token(&self, chars: usize) -> String {
        let mut rng = self
            .rng
            .lock()
            .expect("the generator lock is never poisoned");
        token(&mut rng, chars)
    }

    /// A new game's code: `chars` characters of [`CODE_ALPHABET`].
    pub(crate) fn game_code(&self, chars: usize) -> String {
        let mut rng = self
            .rng
            .lock()
            .expect("the generator lock is never poisoned");
        draw(&mut rng, CODE_ALPHABET, chars)
    }

    /// A fresh seed for a game or a page's run.
    pub(crate) fn seed(&self) -> u64 {
        self.rng
            .lock()
            .expect("the generator lock is never poisoned")
            .next_u64()
    }
}

/// A random token of `chars` lower-case letters and digits (no look-alikes such as l and 1).
fn token(rng: &mut ChaCha8Rng, chars: usize) -> String {
    draw(rng, b"abcdefghijkmnpqrstuvwxyz23456789", chars)
}

/// The characters of game codes, which students read off the projector and type: upper-case
/// letters and digits without the look-alikes I, L and 1, nor O and 0 (the tokens' alphabet
/// upper-cased would have I).
pub(crate) const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";

/// `chars` characters drawn at random from `alphabet`.
fn draw(rng: &mut ChaCha8Rng, alphabet: &[u8], chars: usize) -> String {
    (0..chars)
        .map(|_| alphabet[rng.random_range(0..alphabet.len())] as char)
        .collect()
}

/// A bound server, ready to run.
pub struct Server {
    listener: tokio::net::TcpListener,
    app: Arc<App>,
    /// The URL of the teacher's start page, with the secret key.
    pub teacher_url: String,
    /// Where it listens.
    pub local_addr: SocketAddr,
}

impl Server {
    /// Binds the port and makes the secret key. Needs a Tokio runtime.
    pub async fn bind(
        config: Config,
        experiment: Option<Arc<dyn Experiment>>,
    ) -> std::io::Result<Server> {
        let ip: IpAddr = if config.lan {
            IpAddr::from([0, 0, 0, 0])
        } else {
            IpAddr::from([127, 0, 0, 1])
        };
        let listener = tokio::net::TcpListener::bind((ip, config.port)).await?;
        let local_addr = listener.local_addr()?;
        let host = if config.lan {
            let (host, warning) = lan_host(lan_address());
            if let Some(warning) = warning {
                log(&warning);
            }
            host
        } else {
            "127.0.0.1".into()
        };
        let mut rng = ChaCha8Rng::try_from_rng(&mut rand::rngs::SysRng).map_err(|e| {
            std::io::Error::other(format!("no system randomness for the secret key: {e}"))
        })?;
        let key = token(&mut rng, 24);
        let public_base = format!("http://{host}:{}", local_addr.port());
        let app = Arc::new(App {
            key: key.clone(),
            public_base: public_base.clone(),
            outputs: config.outputs,
            games: play::Games::default(),
            experiment,
            job: std::sync::Mutex::new(routes::Job::default()),
            rng: std::sync::Mutex::new(rng),
        });
        Ok(Server {
            listener,
            app,
            teacher_url: format!("{public_base}/?key={key}"),
            local_addr,
        })
    }

    /// The address students open (the LAN address with `--lan`).
    pub fn public_base(&self) -> &str {
        &self.app.public_base
    }

    /// Serves until the process ends. Each connection is served by hyper with a timer, so
    /// a request whose head is not sent in full within `HEADER_TIMEOUT` (10 s) is dropped,
    /// as is a kept-alive connection idle that long (`axum::serve` sets no timer, and a
    /// half-sent request then holds its connection for ever). Hyper has no timer for the
    /// body: the router reads each body within its own `BODY_TIMEOUT` (10 s).
    pub async fn run(self) -> std::io::Result<()> {
        let app = router(self.app);
        loop {
            let stream = match self.listener.accept().await {
                Ok((stream, _)) => stream,
                // A phone that dropped off the network before its connection was accepted:
                // nothing to wait for or report.
                Err(err) if is_connection_error(&err) => continue,
                Err(err) => {
                    // Out of file descriptors, say: wait, as axum::serve does, and go on.
                    log(&format!("cannot accept a connection: {err}"));
                    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    continue;
                }
            };
            let service = hyper_util::service::TowerToHyperService::new(app.clone());
            tokio::spawn(async move {
                let io = hyper_util::rt::TokioIo::new(stream);
                let served = hyper::server::conn::http1::Builder::new()
                    .timer(hyper_util::rt::TokioTimer::new())
                    .header_read_timeout(HEADER_TIMEOUT)
                    .serve_connection(io, service)
                    .with_upgrades()
                    .await;
                // A page that went away or a timed-out request: nothing to tell.
                drop(served);
            });
        }
    }
}

/// Errors of one connection, not of the listener (the kinds axum's own loop skips).
fn is_connection_error(err: &std::io::Error) -> bool {
    matches!(
        err.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

/// Longest wait for the head of a request (request line and headers).
const HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The machine's LAN address: the local address of a UDP socket "connected" to a private
/// address (no packet is sent).
fn lan_address() -> Option<String> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("10.255.255.255:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_unspecified()).then(|| ip.to_string())
}

/// The host of the addresses printed with `--lan`: the LAN address `found`, or 127.0.0.1
/// with a warning to print, since students' devices cannot reach that address and the
/// teacher would otherwise only find out when no phone can join.
fn lan_host(found: Option<String>) -> (String, Option<String>) {
    match found {
        Some(ip) => (ip, None),
        None => (
            "127.0.0.1".into(),
            Some(
                "warning: --lan found no network address for this computer, so the addresses \
                 printed use 127.0.0.1, which students' devices cannot reach; connect this \
                 computer to the network and start the server again"
                    .into(),
            ),
        ),
    }
}

/// One line on stderr about a refused request: the server's log.
pub(crate) fn log(what: &str) {
    // A stderr that cannot be written must not take the server down.
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "coprod serve: {}", printable(what));
}

/// `text` with its control characters escaped (`\u{1b}`, `\n`): what a page sends is
/// quoted in the log, and must not move the teacher's cursor, retitle the terminal or add
/// lines.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || is_bidi_control(c) {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Bidirectional formatting characters (Unicode's Bidi_Control), which reorder what a
/// terminal or page shows after them.
pub(crate) fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lan_without_a_network_address_falls_back_to_loopback_with_a_warning() {
        let (host, warning) = lan_host(None);
        assert_eq!(host, "127.0.0.1");
        let warning = warning.expect("a warning");
        assert!(
            warning.contains("no network address") && warning.contains("cannot reach"),
            "{warning}"
        );
        assert_eq!(
            lan_host(Some("192.168.1.20".into())),
            ("192.168.1.20".into(), None)
        );
    }

    #[test]
    fn a_dropped_connection_is_not_a_listener_error() {
        use std::io::{Error, ErrorKind};
        for kind in [
            ErrorKind::ConnectionAborted,
            ErrorKind::ConnectionReset,
            ErrorKind::ConnectionRefused,
        ] {
            assert!(is_connection_error(&Error::from(kind)), "{kind:?}");
        }
        // Out of file descriptors is the listener's problem: wait and report it.
        assert!(!is_connection_error(&Error::from_raw_os_error(24)));
    }

    #[test]
    fn a_log_line_shows_control_characters_escaped() {
        let sent = "unknown variant `\u{1b}]0;HACKED\u{7}\r\nfake line`, café";
        let line = printable(sent);
        assert!(!line.chars().any(char::is_control), "{line:?}");
        assert_eq!(
            line,
            "unknown variant `\\u{1b}]0;HACKED\\u{7}\\r\\nfake line`, café"
        );
        // A right-to-left override would show "gpj.exe" as "exe.jpg"; the marks and
        // isolates are escaped too, while ordinary right-to-left text is kept.
        let sent = "name \u{202e}gpj.exe \u{200f}\u{2066}x\u{2069} שלום";
        assert_eq!(
            printable(sent),
            "name \\u{202e}gpj.exe \\u{200f}\\u{2066}x\\u{2069} שלום"
        );
    }
}
