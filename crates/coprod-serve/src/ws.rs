//! What every WebSocket of the server shares: the message size limit, the rate limit and
//! the error reply. A refused message never closes the connection or changes a game.

use std::time::{Duration, Instant};

use axum::extract::ws::{Message, WebSocket};
use serde::de::DeserializeOwned;

/// Largest message a page may send, in bytes.
pub(crate) const MAX_MESSAGE: usize = 2048;
/// Messages per second a connection may send on average...
const RATE: f64 = 20.0;
/// ...with bursts of up to this many.
const BURST: f64 = 40.0;
/// A connection over the rate gets one error reply and one log line per period; the other
/// messages it sends over the rate are dropped, so a flood cannot flood the log.
const REFUSAL_PERIOD: Duration = Duration::from_secs(10);
/// How often a student's socket is pinged: browsers answer pings by themselves, so a
/// socket that stays silent is one whose phone went away without closing it.
pub(crate) const PING_EVERY: Duration = Duration::from_secs(20);
/// A socket silent this long (no message, no pong: three pings unanswered) is closed, so
/// the teacher's count of students here does not keep phones that are gone.
const SILENT_LIMIT: Duration = Duration::from_secs(60);

/// A token bucket: [`RATE`] messages per second, bursts of [`BURST`].
pub(crate) struct RateLimit {
    tokens: f64,
    last: Instant,
    /// When a message over the rate was last refused with a reply.
    refused: Option<Instant>,
}

impl RateLimit {
    pub(crate) fn new() -> RateLimit {
        RateLimit {
            tokens: BURST,
            last: Instant::now(),
            refused: None,
        }
    }

    /// Whether one more message may pass now.
    pub(crate) fn allow(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * RATE).min(BURST);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// Whether a message over the rate gets a reply and a log line: the first in each
    /// [`REFUSAL_PERIOD`].
    pub(crate) fn report_refusal(&mut self, now: Instant) -> bool {
        let due = self
            .refused
            .is_none_or(|at| now.saturating_duration_since(at) >= REFUSAL_PERIOD);
        if due {
            self.refused = Some(now);
        }
        due
    }
}

/// What came in on a socket.
pub(crate) enum Incoming<T> {
    /// A message that parsed.
    Message(T),
    /// A message refused, with the reason to send back.
    Refused(String),
    /// A control frame (ping, pong), or a message over the rate dropped without a reply
    /// (one was sent in this period): nothing to do.
    Ignored,
    /// The page went away.
    Closed,
}

/// Checks what `socket.recv()` gave: rate, size and syntax. Only the (cancel-safe)
/// `recv` is awaited inside a `select!`; replies are sent after it, so no reply is lost
/// when another branch wins.
pub(crate) fn check<T: DeserializeOwned>(
    received: Option<Result<Message, axum::Error>>,
    limit: &mut RateLimit,
) -> Incoming<T> {
    let text = match received {
        None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return Incoming::Closed,
        Some(Ok(Message::Text(text))) => text,
        Some(Ok(Message::Binary(_))) => {
            return Incoming::Refused("messages are JSON text, not binary".into());
        }
        Some(Ok(_)) => return Incoming::Ignored,
    };
    let now = Instant::now();
    if !limit.allow(now) {
        if !limit.report_refusal(now) {
            return Incoming::Ignored;
        }
        return Incoming::Refused(
            "too many messages: at most 20 a second; more are dropped without a reply".into(),
        );
    }
    if text.len() > MAX_MESSAGE {
        return Incoming::Refused(format!("message too long: at most {MAX_MESSAGE} bytes"));
    }
    match serde_json::from_str::<T>(text.as_str()) {
        Ok(message) => Incoming::Message(message),
        Err(err) => Incoming::Refused(format!("malformed message: {err}")),
    }
}

/// Whether a socket last heard from at `heard` is taken as gone at `now`.
pub(crate) fn is_silent(heard: Instant, now: Instant) -> bool {
    now.saturating_duration_since(heard) >= SILENT_LIMIT
}

/// Sends a ping; false if the page is gone.
pub(crate) async fn ping(socket: &mut WebSocket) -> bool {
    tokio::time::timeout(
        Duration::from_secs(10),
        socket.send(Message::Ping(Default::default())),
    )
    .await
    .is_ok_and(|r| r.is_ok())
}

/// Sends an error reply and logs it; false if the page is gone.
pub(crate) async fn send_error(socket: &mut WebSocket, who: &str, message: &str) -> bool {
    crate::log(&format!("{who}: refused: {message}"));
    send(
        socket,
        &serde_json::json!({"type": "error", "message": message}),
    )
    .await
}

/// Sends one JSON message; false if the page is gone.
pub(crate) async fn send(socket: &mut WebSocket, value: &serde_json::Value) -> bool {
    let text = value.to_string();
    tokio::time::timeout(
        Duration::from_secs(10),
        socket.send(Message::Text(text.into())),
    )
    .await
    .is_ok_and(|r| r.is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_limit_allows_bursts_then_refuses_then_recovers() {
        let mut limit = RateLimit::new();
        let t = limit.last;
        let passed = (0..100).filter(|_| limit.allow(t)).count();
        assert_eq!(passed, BURST as usize);
        assert!(limit.allow(t + Duration::from_millis(100)));
    }

    #[test]
    fn a_socket_is_gone_after_three_pings_unanswered() {
        let heard = Instant::now();
        assert!(!is_silent(heard, heard + PING_EVERY * 2));
        assert!(is_silent(heard, heard + PING_EVERY * 3));
    }

    #[test]
    fn a_flood_is_reported_once_per_period() {
        let mut limit = RateLimit::new();
        let t = limit.last;
        let reported = (0..5000)
            .filter(|i| limit.report_refusal(t + Duration::from_millis(*i)))
            .count();
        assert_eq!(reported, 1, "one report in the first 5 seconds");
        assert!(limit.report_refusal(t + REFUSAL_PERIOD));
        assert!(!limit.report_refusal(t + REFUSAL_PERIOD + Duration::from_secs(1)));
    }

    #[test]
    fn a_message_of_the_largest_size_is_read_and_one_byte_more_is_refused() {
        // A JSON string of exactly MAX_MESSAGE bytes, quotes included.
        let at_limit = format!("\"{}\"", "a".repeat(MAX_MESSAGE - 2));
        let over = format!("\"{}\"", "a".repeat(MAX_MESSAGE - 1));
        let mut limit = RateLimit::new();
        let mut read = |text: &str| -> Incoming<serde_json::Value> {
            check(Some(Ok(Message::Text(text.into()))), &mut limit)
        };
        assert!(
            matches!(read(&at_limit), Incoming::Message(v) if v.as_str().unwrap().len() == 2046)
        );
        match read(&over) {
            Incoming::Refused(reason) => {
                assert_eq!(reason, "message too long: at most 2048 bytes");
            }
            _ => panic!("a message of 2049 bytes was not refused"),
        }
        match read("{") {
            Incoming::Refused(reason) => assert!(reason.starts_with("malformed message: ")),
            _ => panic!("malformed JSON was not refused"),
        }
        assert!(matches!(
            check::<serde_json::Value>(Some(Ok(Message::Binary(Default::default()))), &mut limit),
            Incoming::Refused(_)
        ));
    }

    #[test]
    fn messages_over_the_rate_get_one_reply_then_are_dropped() {
        let mut limit = RateLimit::new();
        let message = || Some(Ok(Message::Text("{}".into())));
        let outcomes: Vec<Incoming<serde_json::Value>> =
            (0..5000).map(|_| check(message(), &mut limit)).collect();
        let refused = outcomes
            .iter()
            .filter(|o| matches!(o, Incoming::Refused(_)))
            .count();
        assert_eq!(refused, 1);
    }

    /// Serves one WebSocket address on a free port, whose socket `on_socket` takes; the
    /// address.
    async fn serve_socket<F, Fut>(on_socket: F) -> std::net::SocketAddr
    where
        F: FnOnce(WebSocket) -> Fut + Clone + Send + Sync + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        let router = axum::Router::new().route(
            "/",
            axum::routing::get(move |ws: axum::extract::WebSocketUpgrade| {
                let on_socket = on_socket.clone();
                async move { ws.on_upgrade(on_socket) }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        addr
    }

    /// The ping that finds phones gone: a page that is there gets it (its browser answers
    /// by itself), and a page that closed its socket is reported gone, so the student's
    /// seat stops counting as here.
    #[tokio::test]
    async fn a_ping_reaches_a_page_that_is_there_and_finds_a_closed_one_gone() {
        use futures_util::StreamExt;
        use tokio_tungstenite::tungstenite::Message as PageMessage;
        let (pinged, mut results) = tokio::sync::mpsc::unbounded_channel();
        let addr = serve_socket(move |mut socket: WebSocket| async move {
            pinged.send(ping(&mut socket).await).unwrap();
            // Read until the page has closed (its pong comes first), then ping again.
            while let Some(Ok(message)) = socket.recv().await {
                if matches!(message, Message::Close(_)) {
                    break;
                }
            }
            pinged.send(ping(&mut socket).await).unwrap();
        })
        .await;
        let (mut page, _) = tokio_tungstenite::connect_async(format!("ws://{addr}/"))
            .await
            .unwrap();
        let ten_seconds = Duration::from_secs(10);
        let pinged = tokio::time::timeout(ten_seconds, results.recv()).await;
        assert_eq!(pinged.unwrap(), Some(true), "the page is there");
        let first = tokio::time::timeout(ten_seconds, page.next())
            .await
            .unwrap();
        assert!(
            matches!(first, Some(Ok(PageMessage::Ping(_)))),
            "the page got a ping: {first:?}"
        );
        page.close(None).await.unwrap();
        let pinged = tokio::time::timeout(ten_seconds, results.recv()).await;
        assert_eq!(pinged.unwrap(), Some(false), "the page closed");
    }
}
