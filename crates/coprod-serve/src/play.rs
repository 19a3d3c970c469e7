//! The class game over the network: the games in play, the students' and the teacher's
//! sockets, the teacher's chart (the class next to the model's simulated citizens) and the
//! model band it compares with.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::extract::ws::WebSocket;
use coprod_core::{Detail, Params, simulate};
use tokio::sync::watch;

use crate::App;
use crate::game::{Game, GameError, Settings, StudentMessage, TeacherMessage, csv, phase_words};
use crate::svg::{self, COLOURS, Line};
use crate::ws::{Incoming, PING_EVERY, RateLimit, check, is_silent, ping, send, send_error};

/// Most games at once.
pub(crate) const MAX_GAMES: usize = 20;
/// Shortest time between two views sent to the teacher's page.
const TEACHER_REDRAW: Duration = Duration::from_millis(200);
/// Replications of the model band.
const BAND_RUNS: u64 = 10;

/// One game with what its pages need.
pub(crate) struct Slot {
    game: Mutex<Game>,
    /// Bumped after every change: the teacher's page redraws.
    changed: watch::Sender<u64>,
    /// Bumped when the phase changes: every student's page redraws (a contribution that
    /// does not close the round changes only its sender's page, which gets a reply).
    phase: watch::Sender<u64>,
    /// Per group size: the model's mean contribution per round (share), low and high of
    /// its 95% interval over [`BAND_RUNS`] runs.
    band: Vec<Vec<(f64, f64, f64)>>,
    qr: String,
    join_url: String,
    /// When the game was opened: the oldest ended game is the first to make room.
    opened: Instant,
}

impl Slot {
    pub(crate) fn lock(&self) -> MutexGuard<'_, Game> {
        self.game
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Tells the pages about a change; the students' pages only if the phase changed.
    fn bump(&self, phase_changed: bool) {
        self.changed.send_modify(|v| *v += 1);
        if phase_changed {
            self.phase.send_modify(|v| *v += 1);
        }
    }
}

/// The games in play, by code.
#[derive(Default)]
pub(crate) struct Games(Mutex<BTreeMap<String, Arc<Slot>>>);

impl Games {
    pub(crate) fn get(&self, code: &str) -> Option<Arc<Slot>> {
        let code = code.trim().to_ascii_uppercase();
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&code)
            .cloned()
    }
}

/// Opens a game with `settings`; returns its code.
pub(crate) fn open_game(app: &Arc<App>, settings: Settings) -> Result<String, GameError> {
    let mut games = app.games.0.lock().unwrap_or_else(|p| p.into_inner());
    if games.len() >= MAX_GAMES {
        make_room(&mut games)?;
    }
    let code = loop {
        let code = app.token(4).to_ascii_uppercase();
        if !games.contains_key(&code) {
            break code;
        }
    };
    let game = Game::new(code.clone(), settings, app.seed())?;
    let band = game
        .settings()
        .sizes
        .iter()
        .map(|&n| model_band(game.settings(), n))
        .collect();
    let join_url = format!("{}/play/{code}", app.public_base);
    let qr = qrcode::QrCode::new(join_url.as_bytes())
        .map(|q| {
            q.render::<qrcode::render::svg::Color>()
                .min_dimensions(220, 220)
                .build()
        })
        .unwrap_or_default();
    let slot = Arc::new(Slot {
        game: Mutex::new(game),
        changed: watch::channel(0).0,
        phase: watch::channel(0).0,
        band,
        qr,
        join_url,
        opened: Instant::now(),
    });
    games.insert(code.clone(), Arc::clone(&slot));
    drop(games);
    tokio::spawn(ticker(slot));
    Ok(code)
}

/// Every game the server holds, newest first, for the teacher's list: code, phase, round,
/// students joined and here. A game left in the lobby holds one of the [`MAX_GAMES`]
/// places until it is ended, so the teacher needs to see it to end it.
pub(crate) fn list_games(app: &App) -> serde_json::Value {
    // The slots are copied out first: each game's lock is taken without the map's.
    let mut slots: Vec<Arc<Slot>> = app
        .games
        .0
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .values()
        .cloned()
        .collect();
    slots.sort_by_key(|slot| std::cmp::Reverse(slot.opened));
    let games: Vec<serde_json::Value> = slots
        .iter()
        .map(|slot| {
            let game = slot.lock();
            let (phase, round) = phase_words(game.phase());
            let (joined, connected, _, _) = game.seat_counts();
            serde_json::json!({"code": game.code, "phase": phase, "round": round,
                "rounds": game.settings().rounds, "joined": joined, "connected": connected})
        })
        .collect();
    serde_json::json!({"games": games, "max_games": MAX_GAMES})
}

/// Ends a game, as the End button of its own page does, and tells its pages.
pub(crate) fn end_game(slot: &Slot) -> Result<(), GameError> {
    slot.lock()
        .teacher(TeacherMessage::End {}, Instant::now())?;
    slot.bump(true);
    Ok(())
}

/// Removes the ended game opened first, with its results, so that a new game can open.
/// Ended games are otherwise kept until the server stops: their CSV can be downloaded later.
fn make_room(games: &mut BTreeMap<String, Arc<Slot>>) -> Result<(), GameError> {
    let oldest_ended = games
        .iter()
        .filter(|(_, slot)| slot.lock().phase() == crate::game::Phase::Ended)
        .min_by_key(|(_, slot)| slot.opened)
        .map(|(code, _)| code.clone());
    let Some(code) = oldest_ended else {
        return Err(GameError::Invalid(format!(
            "at most {MAX_GAMES} games at once, and none has ended: end one to make room"
        )));
    };
    crate::log(&format!("game {code} removed to make room for a new game"));
    games.remove(&code);
    Ok(())
}

/// Closes rounds whose time is up; stops when the game has ended and nobody watches.
async fn ticker(slot: Arc<Slot>) {
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (changed, ended) = {
            let mut game = slot.lock();
            (
                game.tick(Instant::now()),
                game.phase() == crate::game::Phase::Ended,
            )
        };
        if changed {
            slot.bump(true);
        }
        if ended && slot.changed.receiver_count() + slot.phase.receiver_count() == 0 {
            return;
        }
    }
}

/// The model's simulated citizens playing the same game: groups of `size`, the same
/// matching and rounds, [`BAND_RUNS`] runs of 100 groups each.
fn model_band(settings: &Settings, size: u32) -> Vec<(f64, f64, f64)> {
    let mut p = Params::defaults();
    p.setting = 1.0;
    p.lab_group_size = f64::from(size);
    p.n_citizens = f64::from(size * 100);
    p.rematch = f64::from(u8::from(settings.rematch));
    p.endowment = settings.endowment;
    p.mpcr = settings.mpcr;
    let runs: Vec<Vec<f64>> = (0..BAND_RUNS)
        .map(|seed| {
            simulate(&p, &[], settings.rounds, seed + 1, Detail::Standard)
                .steps
                .iter()
                .map(|s| s.mean_contribution)
                .collect()
        })
        .collect();
    (0..settings.rounds as usize)
        .map(|r| {
            let values: Vec<f64> = runs.iter().map(|run| run[r]).collect();
            let n = values.len() as f64;
            let mean = values.iter().sum::<f64>() / n;
            let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            // 2.262: Student's t, 97.5% quantile at 9 degrees of freedom (10 runs).
            let half = 2.262 * sd / n.sqrt();
            (mean, (mean - half).max(0.0), (mean + half).min(1.0))
        })
        .collect()
}

/// The teacher's view: phase, seats, join address and QR code, the chart and the outcomes.
fn teacher_view(slot: &Slot) -> serde_json::Value {
    let game = slot.lock();
    let now = Instant::now();
    let (phase, round) = phase_words(game.phase());
    let (joined, connected, decided, simulated) = game.seat_counts();
    let sizes = game.settings().sizes.clone();
    let class = game.class_means();
    let mut lines = Vec::new();
    for (t, size) in sizes.iter().enumerate() {
        let colour = COLOURS[t % COLOURS.len()];
        lines.push(Line {
            name: format!("class, groups of {size}"),
            points: class[t]
                .iter()
                .enumerate()
                .map(|(r, v)| ((r + 1) as f64, *v))
                .collect(),
            colour,
            dashed: false,
            band: Vec::new(),
        });
        lines.push(Line {
            name: format!("model, {size}"),
            points: slot.band[t]
                .iter()
                .enumerate()
                .map(|(r, b)| ((r + 1) as f64, Some(b.0)))
                .collect(),
            colour,
            dashed: true,
            band: slot.band[t]
                .iter()
                .enumerate()
                .map(|(r, b)| ((r + 1) as f64, b.1, b.2))
                .collect(),
        });
    }
    let chart = svg::line_chart(
        "class",
        "Mean contribution per round",
        "round",
        &lines,
        (1.0, f64::from(game.settings().rounds)),
        (0.0, 1.0),
    );
    let outcomes: Vec<serde_json::Value> = game
        .outcomes_by_size()
        .iter()
        .map(|o| {
            serde_json::json!({"size": o.size, "groups": o.groups, "first": o.first,
                "last": o.last, "produced": o.produced, "payoff": o.payoff})
        })
        .collect();
    serde_json::json!({
        "type": "teacher",
        "code": game.code,
        "phase": phase,
        "round": round,
        "rounds": game.settings().rounds,
        "task": game.settings().task.as_str(),
        "sizes": sizes,
        "joined": joined,
        "connected": connected,
        "decided": decided,
        "simulated": simulated,
        "seconds_left": game.seconds_left(now),
        "nicknames": game.nicknames(),
        "join_url": slot.join_url,
        "chart": chart,
        "outcomes": outcomes,
    })
}

/// The CSV export of a game.
pub(crate) fn export(slot: &Slot) -> String {
    csv(&slot.lock())
}

/// A student's socket: join (or rejoin) first, then contributions; the state is pushed
/// after every change.
pub(crate) async fn student_socket(app: Arc<App>, code: String, mut socket: WebSocket) {
    let who = format!("game {code}");
    let Some(slot) = app.games.get(&code) else {
        send_error(&mut socket, "play", &format!("no game has the code {code}")).await;
        return;
    };
    let mut changes = slot.phase.subscribe();
    let mut limit = RateLimit::new();
    let mut seat: Option<usize> = None;
    // Pings find the sockets of phones that went away without closing them.
    let mut heard = Instant::now();
    let mut pings = tokio::time::interval_at(tokio::time::Instant::now() + PING_EVERY, PING_EVERY);
    loop {
        tokio::select! {
            received = socket.recv() => {
                heard = Instant::now();
                match check::<StudentMessage>(received, &mut limit) {
                    Incoming::Closed => break,
                    Incoming::Ignored => continue,
                    Incoming::Refused(reason) => {
                        if !send_error(&mut socket, &who, &reason).await { break; }
                    }
                    Incoming::Message(message) => {
                        let result = student_message(&app, &slot, &mut seat, message);
                        match result {
                            Ok((reply, phase_changed)) => {
                                slot.bump(phase_changed);
                                if let Some(reply) = reply
                                    && !send(&mut socket, &reply).await
                                {
                                    break;
                                }
                                // The sender's own page: after joining, or its submission.
                                if let Some(s) = seat && !phase_changed {
                                    let view = slot.lock().student_view(s, Instant::now());
                                    if !send(&mut socket, &view).await { break; }
                                }
                            }
                            Err(err) => {
                                let who = format!("{who} seat {}", seat.map_or(0, |s| s + 1));
                                if !send_error(&mut socket, &who, &err.to_string()).await {
                                    break;
                                }
                            }
                        }
                    }
                }
            }
            _ = pings.tick() => {
                if is_silent(heard, Instant::now()) || !ping(&mut socket).await { break; }
            }
            changed = changes.changed() => {
                if changed.is_err() { break; }
                if let Some(s) = seat {
                    let view = slot.lock().student_view(s, Instant::now());
                    if !send(&mut socket, &view).await { break; }
                }
            }
        }
    }
    if let Some(s) = seat {
        let closed = slot.lock().disconnect(s, Instant::now());
        slot.bump(closed);
    }
}

fn student_message(
    app: &App,
    slot: &Slot,
    seat: &mut Option<usize>,
    message: StudentMessage,
) -> Result<(Option<serde_json::Value>, bool), GameError> {
    let mut game = slot.lock();
    let before = game.phase();
    match (message, *seat) {
        (StudentMessage::Join { .. }, Some(s)) => Err(GameError::OutOfOrder(format!(
            "already joined as seat {}",
            s + 1
        ))),
        (StudentMessage::Join { nickname, token }, None) => {
            let (s, token) = game.join(nickname, token, || app.token(16))?;
            *seat = Some(s);
            let reply = serde_json::json!({
                "type": "joined", "seat": s + 1, "token": token, "code": game.code,
                "nicknames": game.settings().nicknames,
            });
            Ok((Some(reply), false))
        }
        (StudentMessage::Contribute { .. }, None) => {
            Err(GameError::OutOfOrder("join the game first".into()))
        }
        (StudentMessage::Contribute { round, amount }, Some(s)) => {
            game.student(s, round, amount, Instant::now())?;
            Ok((None, game.phase() != before))
        }
    }
}

/// The teacher's socket: commands in, the teacher's view out after every change and once
/// a second while a round is open (the countdown).
pub(crate) async fn teacher_socket(slot: Arc<Slot>, mut socket: WebSocket) {
    let who = format!("game {} teacher", slot.lock().code);
    let mut changes = slot.changed.subscribe();
    let mut limit = RateLimit::new();
    // The QR code once; the views after it redraw everything else.
    let mut first = teacher_view(&slot);
    first["qr"] = serde_json::Value::String(slot.qr.clone());
    if !send(&mut socket, &first).await {
        return;
    }
    // At most one view per TEACHER_REDRAW: a class submitting at once changes the game a
    // hundred times in a second, and one redraw shows them all. Once a second while a
    // round is open, for the countdown.
    let mut next_view = tokio::time::Instant::now() + TEACHER_REDRAW;
    let mut dirty = false;
    loop {
        let open = matches!(slot.lock().phase(), crate::game::Phase::Open(_));
        let due = if dirty {
            next_view
        } else {
            next_view + Duration::from_secs(1)
        };
        tokio::select! {
            received = socket.recv() => match check::<TeacherMessage>(received, &mut limit) {
                Incoming::Closed => break,
                Incoming::Ignored => continue,
                Incoming::Refused(reason) => {
                    if !send_error(&mut socket, &who, &reason).await { break; }
                }
                Incoming::Message(message) => {
                    let result = slot.lock().teacher(message, Instant::now());
                    match result {
                        Ok(()) => slot.bump(true),
                        Err(err) => {
                            if !send_error(&mut socket, &who, &err.to_string()).await { break; }
                        }
                    }
                }
            },
            changed = changes.changed() => {
                if changed.is_err() { break; }
                dirty = true;
            }
            () = tokio::time::sleep_until(due), if dirty || open => {
                if !send(&mut socket, &teacher_view(&slot)).await { break; }
                dirty = false;
                next_view = tokio::time::Instant::now() + TEACHER_REDRAW;
            }
        }
    }
}
