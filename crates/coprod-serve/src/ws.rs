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

/// A token bucket: [`RATE`] messages per second, bursts of [`BURST`].
pub(crate) struct RateLimit {
    tokens: f64,
    last: Instant,
}

impl RateLimit {
    pub(crate) fn new() -> RateLimit {
        RateLimit {
            tokens: BURST,
            last: Instant::now(),
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
}

/// What came in on a socket.
pub(crate) enum Incoming<T> {
    /// A message that parsed.
    Message(T),
    /// A message refused, with the reason to send back.
    Refused(String),
    /// A control frame (ping, pong): nothing to do.
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
    if !limit.allow(Instant::now()) {
        return Incoming::Refused("too many messages: at most 20 a second".into());
    }
    if text.len() > MAX_MESSAGE {
        return Incoming::Refused(format!("message too long: at most {MAX_MESSAGE} bytes"));
    }
    match serde_json::from_str::<T>(text.as_str()) {
        Ok(message) => Incoming::Message(message),
        Err(err) => Incoming::Refused(format!("malformed message: {err}")),
    }
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
}
