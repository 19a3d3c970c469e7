//! The class game over the network: the games in play, the students' and the teacher's
//! sockets, the teacher's chart (the class next to the model's simulated citizens) and the
//! model band it compares with.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};

use axum::extract::ws::WebSocket;
use coprod_core::LabSubject;
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use tokio::sync::{broadcast, watch};

use crate::App;
use crate::game::{
    Game, GameError, Settings, StudentMessage, TeacherMessage, citizen_move, csv, model_params,
    others_share, phase_words, shuffle,
};
use crate::svg::{self, COLOURS, Line};
// The band's quantiles are those of the analyses' bootstrap intervals (type 7).
use crate::ws::{Incoming, PING_EVERY, RateLimit, check, is_silent, ping, send, send_error};
use coprod_analysis::quantile_sorted as quantile;

/// Most games at once.
pub(crate) const MAX_GAMES: usize = 20;
/// Shortest time between two views sent to the teacher's page.
const TEACHER_REDRAW: Duration = Duration::from_millis(200);
/// Simulated classes behind the model band (computed when the game starts).
const BAND_RUNS: u64 = 200;
/// The band's quantiles of the simulated classes' means: 95% of them lie between.
const BAND_LOW: f64 = 0.025;
/// See [`BAND_LOW`].
const BAND_HIGH: f64 = 0.975;
/// Simulated classes behind the model's mean in the lobby, and their groups.
const LOBBY_RUNS: u64 = 10;
/// See [`LOBBY_RUNS`].
const LOBBY_GROUPS: usize = 100;
/// Choices a student's socket may fall behind on before it just redraws its page.
const CHOICES_QUEUED: usize = 1024;

/// Numbers the students' sockets, so a choice is echoed to a seat's other pages only.
static SOCKETS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// One game with what its pages need.
pub(crate) struct Slot {
    game: Mutex<Game>,
    /// Bumped after every change: the teacher's page redraws.
    changed: watch::Sender<u64>,
    /// Bumped when the phase changes: every student's page redraws (a contribution that
    /// does not close the round changes only its sender's page, which gets a reply).
    phase: watch::Sender<u64>,
    /// A student's choice arrived on one of their pages: (seat, that socket's number), so
    /// their other pages (a second tab) show it too.
    chose: broadcast::Sender<(usize, u64)>,
    /// Bumped when the teacher removes a student: each student's page checks whether it
    /// was theirs, and if so is told and closed.
    removed: watch::Sender<u64>,
    /// Per group size: the model's mean, for the lobby ([`lobby_line`]).
    lobby: Vec<ModelLine>,
    /// Per group size, once the game has started: the model's mean and band for the
    /// class's own groups ([`model_line`]), computed once, by the first view that needs it.
    started: OnceLock<Vec<ModelLine>>,
    qr: String,
    join_url: String,
    /// When the game was opened: the oldest ended game is the first to make room.
    opened: Instant,
}

impl Slot {
    /// A new game's slot, opened now; `qr` is the SVG of `join_url`.
    fn new(game: Game, qr: String, join_url: String) -> Slot {
        let lobby = game
            .settings()
            .sizes
            .iter()
            .map(|&n| lobby_line(game.settings(), n))
            .collect();
        Slot {
            game: Mutex::new(game),
            changed: watch::channel(0).0,
            phase: watch::channel(0).0,
            chose: broadcast::channel(CHOICES_QUEUED).0,
            removed: watch::channel(0).0,
            lobby,
            started: OnceLock::new(),
            qr,
            join_url,
            opened: Instant::now(),
        }
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Game> {
        self.game
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The model's lines, per group size: the lobby's mean until the game starts, then the
    /// mean and band for the class's own groups (computed on the first call after the
    /// start; a size no student was dealt to keeps the lobby's mean, with no band).
    fn model(&self) -> Vec<ModelLine> {
        let (settings, groups) = {
            let game = self.lock();
            (game.settings().clone(), game.class_groups())
        };
        let Some(groups) = groups else {
            return self.lobby.clone();
        };
        self.started
            .get_or_init(|| {
                let sizes = settings.sizes.iter().zip(&groups).zip(&self.lobby);
                sizes
                    .map(|((&size, &(students, groups)), lobby)| {
                        if students == 0 {
                            lobby.clone()
                        } else {
                            model_line(&settings, size, students, groups, BAND_RUNS)
                        }
                    })
                    .collect()
            })
            .clone()
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
    // Refused settings must not cost an ended game its place (and its results), nor be
    // answered with "the server is full".
    settings.check()?;
    let mut games = app.games.0.lock().unwrap_or_else(|p| p.into_inner());
    if games.len() >= MAX_GAMES {
        make_room(&mut games)?;
    }
    let code = loop {
        let code = app.game_code(4);
        if !games.contains_key(&code) {
            break code;
        }
    };
    let game = Game::new(code.clone(), settings, app.seed())?;
    let join_url = format!("{}/play/{code}", app.public_base);
    let qr = qrcode::QrCode::new(join_url.as_bytes())
        .map(|q| {
            q.render::<qrcode::render::svg::Color>()
                .min_dimensions(220, 220)
                .build()
        })
        .unwrap_or_default();
    let slot = Arc::new(Slot::new(game, qr, join_url));
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
    let games: Vec<serde_json::Value> = slots.iter().map(|slot| summary(slot)).collect();
    serde_json::json!({"games": games, "max_games": MAX_GAMES})
}

/// One game as the teacher's list shows it: code, phase, round, students joined and here.
pub(crate) fn summary(slot: &Slot) -> serde_json::Value {
    let game = slot.lock();
    let (phase, round) = phase_words(game.phase());
    let (joined, connected, _, _) = game.seat_counts();
    serde_json::json!({"code": game.code, "phase": phase, "round": round,
        "rounds": game.settings().rounds, "joined": joined, "connected": connected})
}

/// Ends a game, as the End button of its own page does, and tells its pages.
pub(crate) fn end_game(slot: &Slot) -> Result<(), GameError> {
    teacher_command(slot, TeacherMessage::End {})
}

/// Carries out a teacher's command and tells the pages it concerns: the teacher's page
/// always, every student's page when the phase changed, and a removed student's pages.
fn teacher_command(slot: &Slot, message: TeacherMessage) -> Result<(), GameError> {
    let removes = matches!(
        message,
        TeacherMessage::Remove { .. } | TeacherMessage::RemoveAway {}
    );
    let phase_changed = {
        let mut game = slot.lock();
        let before = game.phase();
        game.teacher(message, Instant::now())?;
        game.phase() != before
    };
    slot.bump(phase_changed);
    if removes {
        slot.removed.send_modify(|v| *v += 1);
    }
    Ok(())
}

/// Removes the ended game opened first, with its results, so that a new game can open.
/// Ended games are otherwise kept until the server stops: their CSV can be downloaded later.
/// With no ended game, the (valid) new game must wait: [`GameError::OutOfOrder`].
fn make_room(games: &mut BTreeMap<String, Arc<Slot>>) -> Result<(), GameError> {
    let oldest_ended = games
        .iter()
        .filter(|(_, slot)| slot.lock().phase() == crate::game::Phase::Ended)
        .min_by_key(|(_, slot)| slot.opened)
        .map(|(code, _)| code.clone());
    let Some(code) = oldest_ended else {
        return Err(GameError::OutOfOrder(format!(
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

/// The model's line for one group size: its mean contribution per round (share of the
/// endowment) and, once the class's groups are known, per round the range (low, high) in
/// which it puts the class's mean (empty in the lobby and for a size with no students).
#[derive(Clone, Debug, PartialEq)]
struct ModelLine {
    mean: Vec<f64>,
    band: Vec<(f64, f64)>,
}

/// One simulated class, as the game plays it (`Game::start` and `close_round`): `groups`
/// groups of `size` seats, `students` of them the students' (the class line averages
/// theirs), the others simulated citizens, all of them played by the model's simulated
/// citizens (`LabSubject`) with moves rounded to whole tokens; groups formed at random
/// before round 1, and again every round with strangers matching. Returns the mean share
/// the students' seats give, per round. `seed` keys the citizens and the matching.
fn simulated_class(
    settings: &Settings,
    size: usize,
    students: usize,
    groups: usize,
    seed: u64,
) -> Vec<f64> {
    let params = model_params(settings);
    let e = settings.endowment;
    let seats = size * groups;
    let mut citizens: Vec<LabSubject> = (0..seats)
        .map(|id| LabSubject::new(&params, seed, id as u32))
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut lineup: Vec<usize> = (0..seats).collect();
    let mut given = vec![0.0; seats];
    (0..settings.rounds)
        .map(|round| {
            if round == 0 || settings.rematch {
                shuffle(&mut lineup, &mut rng);
            }
            for (citizen, c) in citizens.iter_mut().zip(&mut given) {
                *c = citizen_move(citizen, &params, e);
            }
            for members in lineup.chunks(size) {
                let total: f64 = members.iter().map(|&m| given[m]).sum();
                for &m in members {
                    let others = others_share(total, given[m], size, e);
                    citizens[m].observe(others, &params);
                }
            }
            // Seats 0..students are the students' (the lineup puts them anywhere).
            given[..students].iter().sum::<f64>() / (students as f64 * e)
        })
        .collect()
}

/// The model's line for groups of `size` in a class with `students` students in `groups`
/// groups: over `runs` simulated classes (seeds 1 to `runs`), per round the mean of their
/// class means and the [`BAND_LOW`] and [`BAND_HIGH`] quantiles of them (type 7,
/// [`quantile`]).
fn model_line(
    settings: &Settings,
    size: u32,
    students: usize,
    groups: usize,
    runs: u64,
) -> ModelLine {
    let classes: Vec<Vec<f64>> = (1..=runs)
        .map(|seed| simulated_class(settings, size as usize, students, groups, seed))
        .collect();
    let (mut mean, mut band) = (Vec::new(), Vec::new());
    for r in 0..settings.rounds as usize {
        let mut values: Vec<f64> = classes.iter().map(|class| class[r]).collect();
        values.sort_by(f64::total_cmp);
        mean.push(values.iter().sum::<f64>() / values.len() as f64);
        band.push((quantile(&values, BAND_LOW), quantile(&values, BAND_HIGH)));
    }
    ModelLine { mean, band }
}

/// The model's mean in the lobby, before the class's groups are known: [`LOBBY_RUNS`]
/// simulated classes of [`LOBBY_GROUPS`] groups of `size` students each; no band.
fn lobby_line(settings: &Settings, size: u32) -> ModelLine {
    let groups = LOBBY_GROUPS;
    let students = size as usize * groups;
    ModelLine {
        band: Vec::new(),
        ..model_line(settings, size, students, groups, LOBBY_RUNS)
    }
}

/// The teacher's view: phase, seats, join address and QR code, the chart and the outcomes.
fn teacher_view(slot: &Slot) -> serde_json::Value {
    // Before the game's lock: the first view after the start computes the band.
    let model = slot.model();
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
            points: model[t]
                .mean
                .iter()
                .enumerate()
                .map(|(r, m)| ((r + 1) as f64, Some(*m)))
                .collect(),
            colour,
            dashed: true,
            band: model[t]
                .band
                .iter()
                .enumerate()
                .map(|(r, b)| ((r + 1) as f64, b.0, b.1))
                .collect(),
        });
    }
    let chart = svg::line_chart(
        "class",
        "Mean share of tokens given, per round",
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
        "joining": game.joining_open(),
        "students": lobby_students(&game),
        "join_url": slot.join_url,
        "chart": chart,
        "outcomes": outcomes,
    })
}

/// The students who joined, with a seat number, nickname and whether here, for the
/// teacher's list with its Remove buttons: in the lobby only, where they can be removed
/// (a class of 400 would otherwise send the list with every view during the game).
fn lobby_students(game: &Game) -> Vec<serde_json::Value> {
    if game.phase() != crate::game::Phase::Lobby {
        return Vec::new();
    }
    game.students()
        .map(|(seat, nickname, here)| {
            serde_json::json!({"seat": seat + 1, "nickname": nickname, "here": here})
        })
        .collect()
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
    let mut choices = slot.chose.subscribe();
    let mut removals = slot.removed.subscribe();
    let this_socket = SOCKETS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
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
                        if !answer(&mut socket, &slot, seat, this_socket, &who, result).await {
                            break;
                        }
                    }
                }
            }
            _ = pings.tick() => {
                if is_silent(heard, Instant::now()) || !ping(&mut socket).await { break; }
            }
            changed = changes.changed() => {
                if changed.is_err() { break; }
                // A removed seat gets its notice (below), not the game's next state.
                if let Some(s) = seat
                    && !slot.lock().is_removed(s)
                    && !send_view(&mut socket, &slot, s).await
                {
                    break;
                }
            }
            chose = choices.recv() => {
                // Lagged: some choices were missed, perhaps this seat's: redraw anyway.
                let mine = match chose {
                    Ok((s, from)) => Some(s) == seat && from != this_socket,
                    Err(broadcast::error::RecvError::Lagged(_)) => seat.is_some(),
                    Err(broadcast::error::RecvError::Closed) => break,
                };
                if let (true, Some(s)) = (mine, seat)
                    && !send_view(&mut socket, &slot, s).await
                {
                    break;
                }
            }
            removed = removals.changed() => {
                if removed.is_err() { break; }
                if let Some(s) = seat && slot.lock().is_removed(s) {
                    // The seat is no longer theirs: its close is not counted.
                    seat = None;
                    let message = slot.lock().removed_message();
                    let notice = serde_json::json!({"type": "removed", "message": message});
                    send(&mut socket, &notice).await;
                    break;
                }
            }
        }
    }
    if let Some(s) = seat {
        let closed = slot.lock().disconnect(s, Instant::now());
        slot.bump(closed);
    }
}

/// Answers a student's message once it is acted on: a join gets its reply, and the
/// sender's page is redrawn unless the phase changed (then every page is, from the bump).
/// False once the socket is gone.
async fn answer(
    socket: &mut WebSocket,
    slot: &Slot,
    seat: Option<usize>,
    this_socket: u64,
    who: &str,
    result: Result<(Option<serde_json::Value>, bool), GameError>,
) -> bool {
    let (reply, phase_changed) = match result {
        Ok(done) => done,
        Err(err) => return send_error(socket, &student(who, seat), &err.to_string()).await,
    };
    // A reply answers a join; no reply, a choice.
    let chose = reply.is_none();
    slot.bump(phase_changed);
    if let Some(reply) = reply
        && !send(socket, &reply).await
    {
        return false;
    }
    // The sender's own page: after joining, or its submission.
    if let Some(s) = seat
        && !phase_changed
    {
        if !send_view(socket, slot, s).await {
            return false;
        }
        // Their other pages, if any, show the choice too.
        if chose {
            // No other page listening is not an error.
            let _ = slot.chose.send((s, this_socket));
        }
    }
    true
}

/// Sends seat `s` its page; false once the socket is gone.
async fn send_view(socket: &mut WebSocket, slot: &Slot, s: usize) -> bool {
    let view = slot.lock().student_view(s, Instant::now());
    send(socket, &view).await
}

/// Who a student's log line is about: the game and their seat (numbered from 1, as their
/// page shows it), or that they have none yet (a join refused, a message before joining).
fn student(game: &str, seat: Option<usize>) -> String {
    match seat {
        Some(s) => format!("{game} seat {}", s + 1),
        None => format!("{game}, no seat yet"),
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
                    if let Err(err) = teacher_command(&slot, message)
                        && !send_error(&mut socket, &who, &err.to_string()).await
                    {
                        break;
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

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use rand::SeedableRng;
    use rand::rngs::ChaCha8Rng;

    use super::*;
    use crate::game::{Phase, Task};

    fn app() -> Arc<App> {
        Arc::new(App {
            key: "key".into(),
            public_base: "http://127.0.0.1:8000".into(),
            outputs: PathBuf::new(),
            games: Games::default(),
            experiment: None,
            job: Mutex::new(crate::routes::Job::default()),
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(7)),
        })
    }

    /// A slot as `open_game` makes it, without the ticker (no runtime needed).
    fn slot(settings: Settings) -> Slot {
        Slot::new(
            Game::new("ABCD".into(), settings, 3).unwrap(),
            String::new(),
            "http://127.0.0.1:8000/play/ABCD".into(),
        )
    }

    /// `open_game` spawns the game's ticker: it needs a runtime to spawn on (the ticker
    /// never runs here, since nothing drives the runtime).
    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
    }

    fn join(app: &App, slot: &Slot, nickname: Option<&str>) -> usize {
        let mut seat = None;
        let message = StudentMessage::Join {
            nickname: nickname.map(String::from),
            token: None,
        };
        student_message(app, slot, &mut seat, message).unwrap();
        seat.unwrap()
    }

    fn contribute(app: &App, slot: &Slot, seat: usize, round: u32, amount: f64) -> bool {
        let message = StudentMessage::Contribute { round, amount };
        let (reply, phase_changed) = student_message(app, slot, &mut Some(seat), message).unwrap();
        assert!(
            reply.is_none(),
            "a contribution gets the student's view, not a reply"
        );
        phase_changed
    }

    fn start(slot: &Slot) {
        slot.lock()
            .teacher(TeacherMessage::Start {}, Instant::now())
            .unwrap();
    }

    /// Groups of 2 and 3, three rounds, nicknames on: one student, "Ada", who gives 10 of
    /// her 20 tokens in round 1, which closes it. She is dealt to the groups of 2 (with a
    /// simulated citizen); the groups of 3 are three simulated citizens.
    fn one_round_played(app: &App) -> (Slot, usize) {
        let slot = slot(Settings {
            sizes: vec![2, 3],
            rounds: 3,
            nicknames: true,
            ..Settings::default()
        });
        let ada = join(app, &slot, Some("Ada"));
        start(&slot);
        assert!(
            contribute(app, &slot, ada, 1, 10.0),
            "her choice closes round 1"
        );
        (slot, ada)
    }

    type Client = tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >;

    /// A server on a free port, serving; its state and address.
    async fn serving() -> (Arc<App>, std::net::SocketAddr) {
        let config = crate::Config {
            port: 0,
            lan: false,
            outputs: PathBuf::new(),
        };
        let server = crate::Server::bind(config, None).await.unwrap();
        let (app, addr) = (Arc::clone(&server.app), server.local_addr);
        tokio::spawn(server.run());
        (app, addr)
    }

    async fn connect(url: String) -> Client {
        tokio_tungstenite::connect_async(url).await.unwrap().0
    }

    async fn say(socket: &mut Client, value: serde_json::Value) {
        use futures_util::SinkExt;
        let text = value.to_string().into();
        socket
            .send(tokio_tungstenite::tungstenite::Message::Text(text))
            .await
            .unwrap();
    }

    /// The next JSON message that `keep` accepts, within 10 seconds.
    async fn heard(
        socket: &mut Client,
        keep: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        use futures_util::StreamExt;
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let next = tokio::time::timeout_at(deadline, socket.next())
                .await
                .expect("a message within 10 s")
                .expect("the socket stays open")
                .unwrap();
            if let tokio_tungstenite::tungstenite::Message::Text(text) = next {
                let value: serde_json::Value = serde_json::from_str(text.as_str()).unwrap();
                if keep(&value) {
                    return value;
                }
            }
        }
    }

    /// A round played over the sockets: the student joins and is told their seat and the
    /// lobby, the teacher starts, both pages follow the phase, a late contribution gets an
    /// error reply, and the student's closed page is counted as gone.
    #[tokio::test]
    async fn a_round_is_played_over_the_student_and_teacher_sockets() {
        let (app, addr) = serving().await;
        let settings = Settings {
            sizes: vec![2],
            rounds: 2,
            ..Settings::default()
        };
        let code = open_game(&app, settings).unwrap();
        let mut student = connect(format!("ws://{addr}/ws/play/{code}")).await;
        say(&mut student, serde_json::json!({"type": "join"})).await;
        let joined = heard(&mut student, |_| true).await;
        assert_eq!(
            (&joined["type"], &joined["seat"]),
            (&"joined".into(), &1.into())
        );
        let lobby = heard(&mut student, |_| true).await;
        assert_eq!(
            (&lobby["type"], &lobby["phase"]),
            (&"state".into(), &"lobby".into())
        );

        let key = &app.key;
        let mut teacher = connect(format!("ws://{addr}/ws/teacher/{code}?key={key}")).await;
        let first = heard(&mut teacher, |_| true).await;
        assert_eq!(first["type"], "teacher");
        assert!(first["qr"].is_string(), "the first view has the QR code");
        assert_eq!(
            (&first["joined"], &first["connected"]),
            (&1.into(), &1.into())
        );
        say(&mut teacher, serde_json::json!({"type": "start"})).await;
        heard(&mut teacher, |v| v["phase"] == "open").await;
        let open = heard(&mut student, |v| v["type"] == "state").await;
        assert_eq!(
            (&open["phase"], &open["round"]),
            (&"open".into(), &1.into())
        );

        // Her choice closes round 1: both pages show its results.
        say(
            &mut student,
            serde_json::json!({"type": "contribute", "round": 1, "amount": 5}),
        )
        .await;
        let results = heard(&mut student, |v| v["type"] == "state").await;
        assert_eq!(results["phase"], "results");
        assert_eq!(results["last"]["contribution"], 5.0);
        let view = heard(&mut teacher, |v| v["phase"] == "results").await;
        assert_eq!(view["outcomes"][0]["groups"], 1);

        say(
            &mut student,
            serde_json::json!({"type": "contribute", "round": 1, "amount": 6}),
        )
        .await;
        let error = heard(&mut student, |_| true).await;
        assert_eq!(error["type"], "error");
        assert_eq!(
            error["message"],
            "this round is closed; wait for the next one"
        );
        say(&mut teacher, serde_json::json!({"type": "start"})).await;
        let error = heard(&mut teacher, |v| v["type"] == "error").await;
        assert_eq!(error["message"], "the game has already started");

        student.close(None).await.unwrap();
        heard(&mut teacher, |v| v["connected"] == 0).await;
        assert_eq!(app.games.get(&code).unwrap().lock().seat_counts().1, 0);
    }

    /// The teacher's socket of a new game with the default settings, its first view read.
    async fn teacher_of_a_new_game(app: &Arc<App>, addr: std::net::SocketAddr) -> Client {
        let code = open_game(app, Settings::default()).unwrap();
        let key = &app.key;
        let mut teacher = connect(format!("ws://{addr}/ws/teacher/{code}?key={key}")).await;
        heard(&mut teacher, |_| true).await;
        teacher
    }

    /// While a round is open and nothing changes, the teacher's page gets a view about
    /// once a second, for the countdown, not a stream of them.
    #[tokio::test]
    async fn an_open_round_redraws_the_teachers_page_once_a_second() {
        let (app, addr) = serving().await;
        let mut teacher = teacher_of_a_new_game(&app, addr).await;
        say(&mut teacher, serde_json::json!({"type": "start"})).await;
        heard(&mut teacher, |v| v["phase"] == "open").await;
        let since = tokio::time::Instant::now();
        let mut views = 0;
        while since.elapsed() < Duration::from_millis(2500) {
            heard(&mut teacher, |v| v["type"] == "teacher").await;
            views += 1;
        }
        // About 3 at once a second; a page redrawn at every 200 ms would get about 13. The
        // margin above 3 is for a loaded machine, where late ticks can come close together.
        assert!((1..=6).contains(&views), "{views} views in about 2.5 s");
    }

    /// A class submitting at once changes the game many times a second; the teacher's
    /// page is redrawn at most once per 200 ms, not once per change.
    #[tokio::test]
    async fn the_teachers_page_is_redrawn_at_most_once_per_200_ms() {
        use futures_util::StreamExt;
        let (app, addr) = serving().await;
        let code = open_game(&app, Settings::default()).unwrap();
        let key = &app.key;
        let mut teacher = connect(format!("ws://{addr}/ws/teacher/{code}?key={key}")).await;
        heard(&mut teacher, |_| true).await;
        let slot = app.games.get(&code).unwrap();
        // 20 changes 50 ms apart, before the game opens (so no once-a-second view). Every
        // view after the first is sent after the first change, and no two within 200 ms of
        // each other, so however late they are read they number at most one per 200 ms of
        // the time from the first change to the last view read, plus one. A view per change
        // would be about 20 in about a second.
        let first_change = tokio::time::Instant::now();
        for _ in 0..20 {
            slot.bump(false);
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let (mut views, mut last_view) = (0u32, first_change);
        while let Ok(Some(_)) =
            tokio::time::timeout(Duration::from_millis(500), teacher.next()).await
        {
            views += 1;
            last_view = tokio::time::Instant::now();
        }
        let most = (last_view - first_change).as_millis() / TEACHER_REDRAW.as_millis() + 1;
        assert!(
            (1..=most).contains(&(views as u128)),
            "{views} views in {:?}",
            last_view - first_change
        );
    }

    /// A one-student game of groups of 2 with 10-second rounds whose round 1 opened 11
    /// seconds ago: its time is up.
    fn round_overdue(rounds: u32) -> Arc<Slot> {
        let app = app();
        let slot = slot(Settings {
            sizes: vec![2],
            rounds,
            round_seconds: 10,
            ..Settings::default()
        });
        join(&app, &slot, None);
        let opened = Instant::now().checked_sub(Duration::from_secs(11)).unwrap();
        slot.lock()
            .teacher(TeacherMessage::Start {}, opened)
            .unwrap();
        Arc::new(slot)
    }

    /// Runs the game's ticker for at most `wait`; whether it stopped by itself.
    fn ticker_stops_within(slot: &Arc<Slot>, wait: Duration) -> bool {
        let slot = Arc::clone(slot);
        runtime()
            .block_on(async move { tokio::time::timeout(wait, ticker(slot)).await })
            .is_ok()
    }

    /// Nobody needs to press Close: when time is up the ticker closes the round and
    /// redraws every page; after the last round, with no page left open, it stops.
    #[test]
    fn the_ticker_closes_a_round_whose_time_is_up_and_stops_after_the_last() {
        let slot = round_overdue(1);
        assert!(ticker_stops_within(&slot, Duration::from_secs(10)));
        assert_eq!(slot.lock().phase(), Phase::Ended);
        assert_eq!((*slot.changed.borrow(), *slot.phase.borrow()), (1, 1));
        assert_eq!(slot.lock().history().len(), 2, "both seats were played");
    }

    /// A game with rounds to come needs its ticker for the next round's timer, even with
    /// no page open (a class whose network dropped comes back to it).
    #[test]
    fn the_ticker_keeps_running_while_the_game_has_rounds_to_come() {
        let slot = round_overdue(2);
        assert!(!ticker_stops_within(&slot, Duration::from_millis(1500)));
        assert_eq!(slot.lock().phase(), Phase::Results(1));
        assert_eq!((*slot.changed.borrow(), *slot.phase.borrow()), (1, 1));
    }

    /// An ended game's ticker stops only once no page watches it: a student's page still
    /// open keeps it running.
    #[test]
    fn the_ticker_of_an_ended_game_keeps_running_while_a_page_watches() {
        let slot = round_overdue(1);
        end_game(&slot).unwrap();
        let student_page = slot.phase.subscribe();
        assert!(!ticker_stops_within(&slot, Duration::from_millis(1500)));
        drop(student_page);
        let teacher_page = slot.changed.subscribe();
        assert!(!ticker_stops_within(&slot, Duration::from_millis(1500)));
        drop(teacher_page);
        assert!(ticker_stops_within(&slot, Duration::from_secs(10)));
    }

    #[test]
    fn a_change_redraws_the_teacher_page_and_a_phase_change_the_students_pages_too() {
        let slot = slot(Settings::default());
        slot.bump(false);
        assert_eq!((*slot.changed.borrow(), *slot.phase.borrow()), (1, 0));
        slot.bump(true);
        assert_eq!((*slot.changed.borrow(), *slot.phase.borrow()), (2, 1));
    }

    #[test]
    fn an_opened_game_is_found_by_its_code_typed_in_lower_case_with_spaces() {
        let rt = runtime();
        let _in_runtime = rt.enter();
        let app = app();
        let code = open_game(&app, Settings::default()).unwrap();
        assert_eq!(code.len(), 4, "{code}");
        assert!(
            code.chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()),
            "{code}"
        );
        let slot = app.games.get(&code).expect("the game is held");
        assert_eq!(slot.lock().code, code);
        assert_eq!(slot.join_url, format!("http://127.0.0.1:8000/play/{code}"));
        let typed = format!("  {} ", code.to_ascii_lowercase());
        assert!(Arc::ptr_eq(&app.games.get(&typed).unwrap(), &slot));
        assert!(app.games.get("").is_none());
    }

    /// A code is read off the projector: it has none of the characters a student could
    /// take for another (I for 1 or l, O for 0), in any of the codes a server opens.
    #[test]
    fn game_codes_have_no_look_alike_characters() {
        let rt = runtime();
        let _in_runtime = rt.enter();
        let app = app();
        for _ in 0..50 {
            let code = open_game(&app, Settings::default()).unwrap();
            assert!(
                !code.contains(['I', 'L', 'O', '0', '1']),
                "{code} has a look-alike"
            );
            // Ended, it makes room for the next one.
            end_game(&app.games.get(&code).unwrap()).unwrap();
        }
    }

    #[test]
    fn the_list_of_games_shows_the_newest_first_with_phase_and_students() {
        let rt = runtime();
        let _in_runtime = rt.enter();
        let app = app();
        let first = open_game(&app, Settings::default()).unwrap();
        std::thread::sleep(Duration::from_millis(5));
        let second = open_game(&app, Settings::default()).unwrap();
        join(&app, &app.games.get(&first).unwrap(), None);
        let list = list_games(&app);
        assert_eq!(list["max_games"], 20);
        let games = list["games"].as_array().unwrap();
        assert_eq!(games.len(), 2);
        assert_eq!(games[0]["code"], second.as_str());
        assert_eq!(games[0]["joined"], 0);
        let older = &games[1];
        assert_eq!(older["code"], first.as_str());
        assert_eq!(older["phase"], "lobby");
        assert_eq!(older["round"], 0);
        assert_eq!(older["rounds"], 10);
        assert_eq!(older["joined"], 1);
        assert_eq!(older["connected"], 1);
    }

    /// In the lobby the teacher's view lists the students with their seat numbers, and
    /// its counts leave out a removed student; removing tells the students' sockets to
    /// check their seat (not every page's redraw: the phase did not change). Once the game
    /// has started there is no list: nobody can be removed then.
    #[test]
    fn the_teachers_lobby_lists_the_students_and_removing_one_tells_the_students_pages() {
        let app = app();
        let slot = slot(Settings {
            nicknames: true,
            ..Settings::default()
        });
        join(&app, &slot, Some("Ada"));
        let pest = join(&app, &slot, Some("pest"));
        let view = teacher_view(&slot);
        assert_eq!(view["joining"], true);
        assert_eq!(
            view["students"],
            serde_json::json!([
                {"seat": 1, "nickname": "Ada", "here": true},
                {"seat": 2, "nickname": "pest", "here": true},
            ])
        );
        let remove = TeacherMessage::Remove { seat: pest + 1 };
        teacher_command(&slot, remove).unwrap();
        assert_eq!(*slot.removed.borrow(), 1);
        assert_eq!((*slot.changed.borrow(), *slot.phase.borrow()), (1, 0));
        let view = teacher_view(&slot);
        assert_eq!(
            view["students"],
            serde_json::json!([{"seat": 1, "nickname": "Ada", "here": true}])
        );
        assert_eq!(
            (&view["joined"], &view["connected"]),
            (&1.into(), &1.into())
        );
        assert_eq!(view["simulated"], 0);
        assert_eq!(view["nicknames"], serde_json::json!(["Ada"]));
        assert_eq!(list_games_summary(&slot), (1, 1));
        teacher_command(&slot, TeacherMessage::CloseJoining {}).unwrap();
        assert_eq!(teacher_view(&slot)["joining"], false);
        assert_eq!(*slot.removed.borrow(), 1, "closing joining removes nobody");
        start(&slot);
        assert_eq!(teacher_view(&slot)["students"], serde_json::json!([]));
    }

    fn list_games_summary(slot: &Slot) -> (u64, u64) {
        let s = summary(slot);
        (
            s["joined"].as_u64().unwrap(),
            s["connected"].as_u64().unwrap(),
        )
    }

    #[test]
    fn ending_a_game_redraws_every_page_and_a_second_end_is_refused() {
        let slot = slot(Settings::default());
        end_game(&slot).unwrap();
        assert_eq!(slot.lock().phase(), Phase::Ended);
        assert_eq!((*slot.changed.borrow(), *slot.phase.borrow()), (1, 1));
        assert!(matches!(end_game(&slot), Err(GameError::OutOfOrder(_))));
    }

    #[test]
    fn with_every_place_taken_a_new_game_removes_the_ended_game_opened_first() {
        let rt = runtime();
        let _in_runtime = rt.enter();
        let app = app();
        let small = Settings {
            sizes: vec![2],
            rounds: 1,
            ..Settings::default()
        };
        let codes: Vec<String> = (0..MAX_GAMES)
            .map(|_| open_game(&app, small.clone()).unwrap())
            .collect();
        let held = |code: &str| app.games.0.lock().unwrap().contains_key(code);
        let count = || app.games.0.lock().unwrap().len();
        // Game 0, the oldest, stays in the lobby; games 1 and 2 end, in that order of opening.
        end_game(&app.games.get(&codes[1]).unwrap()).unwrap();
        end_game(&app.games.get(&codes[2]).unwrap()).unwrap();

        // Refused settings remove nothing.
        let bad = Settings {
            rounds: 0,
            ..small.clone()
        };
        let err = open_game(&app, bad.clone()).unwrap_err();
        assert!(matches!(err, GameError::Invalid(_)), "{err}");
        assert!(held(&codes[1]) && held(&codes[2]));

        let new = open_game(&app, small.clone()).unwrap();
        assert_eq!(count(), MAX_GAMES);
        assert!(held(&new));
        assert!(!held(&codes[1]), "the ended game opened first makes room");
        assert!(
            held(&codes[0]),
            "a game that has not ended is never removed"
        );
        assert!(held(&codes[2]));

        open_game(&app, small.clone()).unwrap();
        assert!(!held(&codes[2]));
        assert_eq!(count(), MAX_GAMES);

        let err = open_game(&app, small).unwrap_err();
        assert!(err.to_string().contains("none has ended"), "{err}");
        assert!(
            matches!(err, GameError::OutOfOrder(_)),
            "the settings are valid; the server is full"
        );
        assert_eq!(count(), MAX_GAMES);
        let err = open_game(&app, bad).unwrap_err();
        assert!(
            matches!(err, GameError::Invalid(_)),
            "refused settings are said to be refused, full server or not: {err}"
        );
    }

    /// A game of `rounds` rounds in groups of `sizes`, with `students` students, started.
    fn started(sizes: Vec<u32>, rounds: u32, students: usize) -> Slot {
        let app = app();
        let slot = slot(Settings {
            sizes,
            rounds,
            ..Settings::default()
        });
        for _ in 0..students {
            join(&app, &slot, None);
        }
        start(&slot);
        slot
    }

    fn widths(line: &ModelLine) -> Vec<f64> {
        line.band.iter().map(|(low, high)| high - low).collect()
    }

    #[test]
    fn the_model_band_holds_95_percent_of_200_simulated_classes_with_the_class_groups() {
        let settings = Settings {
            sizes: vec![4],
            rounds: 5,
            rematch: false,
            endowment: 10.0,
            mpcr: 0.5,
            ..Settings::default()
        };
        // 5 students in 2 groups of 4 (3 simulated citizens).
        let line = model_line(&settings, 4, 5, 2, 200);
        assert_eq!((line.mean.len(), line.band.len()), (5, 5), "per round");
        let classes: Vec<Vec<f64>> = (1..=200)
            .map(|seed| simulated_class(&settings, 4, 5, 2, seed))
            .collect();
        for r in 0..5 {
            let mut means: Vec<f64> = classes.iter().map(|class| class[r]).collect();
            let mean = means.iter().sum::<f64>() / 200.0;
            means.sort_by(|a, b| a.partial_cmp(b).unwrap());
            // Type 7: positions 199 x 0.025 = 4.975 and 199 x 0.975 = 194.025, from 0.
            let low = means[4] + 0.975 * (means[5] - means[4]);
            let high = means[194] + 0.025 * (means[195] - means[194]);
            assert!((line.mean[r] - mean).abs() < 1e-12, "round {r}");
            assert!((line.band[r].0 - low).abs() < 1e-12, "round {r}");
            assert!((line.band[r].1 - high).abs() < 1e-12, "round {r}");
            assert!(
                0.0 < low && low < mean && mean < high && high < 1.0,
                "round {r}"
            );
            // At least 190 of the 200 (more where class means tie at the band's edges).
            let inside = means.iter().filter(|&&m| low <= m && m <= high).count();
            assert!(inside >= 190, "round {r}: {inside} of 200");
        }
        // The band is for the students' mean: 5 students move it more than 8 would.
        let full = model_line(&settings, 4, 8, 2, 200);
        let (five, eight) = (widths(&line), widths(&full));
        let ratio = five.iter().sum::<f64>() / eight.iter().sum::<f64>();
        assert!(ratio > 1.1, "{five:?} against {eight:?}");
    }

    #[test]
    fn quantiles_interpolate_linearly_between_order_statistics() {
        let five = [1.0, 2.0, 3.0, 4.0, 5.0];
        for (p, q) in [
            (0.0, 1.0),
            (0.1, 1.4),
            (0.25, 2.0),
            (0.5, 3.0),
            (0.975, 4.9),
            (1.0, 5.0),
        ] {
            assert!(
                (quantile(&five, p) - q).abs() < 1e-12,
                "{p}: {}",
                quantile(&five, p)
            );
        }
        let ranks: Vec<f64> = (0..200).map(f64::from).collect();
        assert!((quantile(&ranks, BAND_LOW) - 4.975).abs() < 1e-9);
        assert!((quantile(&ranks, BAND_HIGH) - 194.025).abs() < 1e-9);
        assert_eq!(quantile(&[0.3], 0.975), 0.3);
    }

    /// A class's mean over two groups moves far more from class to class than over 25: the
    /// band, computed at the start for the class's own groups, says so.
    #[test]
    fn the_band_at_the_start_is_for_the_class_groups() {
        let two = started(vec![4], 3, 8);
        let settings = two.lock().settings().clone();
        assert_eq!(two.model(), [model_line(&settings, 4, 8, 2, BAND_RUNS)]);
        let many = started(vec![4], 3, 100);
        assert_eq!(many.model(), [model_line(&settings, 4, 100, 25, BAND_RUNS)]);
        let (two, many) = (widths(&two.model()[0]), widths(&many.model()[0]));
        for r in 0..3 {
            assert!(
                two[r] > 2.5 * many[r],
                "round {r}: {two:?} against {many:?}"
            );
        }
    }

    #[test]
    fn the_lobby_shows_the_model_mean_without_a_band_and_the_start_adds_it() {
        let app = app();
        let slot = slot(Settings {
            sizes: vec![2, 3],
            rounds: 3,
            ..Settings::default()
        });
        let settings = slot.lock().settings().clone();
        for _ in 0..3 {
            join(&app, &slot, None);
        }
        let lobby = slot.model();
        assert_eq!(lobby, [lobby_line(&settings, 2), lobby_line(&settings, 3)]);
        assert!(lobby.iter().all(|line| line.band.is_empty()));
        let view = teacher_view(&slot);
        let chart = view["chart"].as_str().unwrap();
        assert!(!chart.contains("fill-opacity"), "no band in the lobby");
        // Per size: the class line (no point yet) and the model's mean.
        let paths = crate::svg::paths(chart);
        assert_eq!(paths.iter().filter(|p| p.len() == 3).count(), 2);
        assert_eq!(paths.len(), 4);
        start(&slot);
        // 2 students in one group of 2, 1 in one group of 3 (with 2 simulated citizens).
        let model = slot.model();
        assert_eq!(model[0], model_line(&settings, 2, 2, 1, BAND_RUNS));
        assert_eq!(model[1], model_line(&settings, 3, 1, 1, BAND_RUNS));
        let view = teacher_view(&slot);
        let chart = view["chart"].as_str().unwrap();
        assert_eq!(chart.matches("fill-opacity").count(), 2, "a band per size");
        // A game ended in the lobby keeps the lobby's mean.
        let ended = self::slot(settings.clone());
        end_game(&ended).unwrap();
        assert_eq!(ended.model(), lobby);
        let chart = teacher_view(&ended)["chart"].as_str().unwrap().to_string();
        assert_eq!(crate::svg::paths(&chart).len(), 4, "{chart}");
    }

    #[test]
    fn the_teacher_view_counts_seats_and_shows_outcomes_by_group_size() {
        let app = app();
        let (slot, ada) = one_round_played(&app);
        let total = {
            let game = slot.lock();
            let (_, her) = game.history().iter().find(|(s, _)| *s == ada).unwrap();
            her.group_total
        };
        let view = teacher_view(&slot);
        assert_eq!(view["type"], "teacher");
        assert_eq!(view["code"], "ABCD");
        assert_eq!(
            (view["phase"].as_str(), view["round"].as_u64()),
            (Some("results"), Some(1))
        );
        assert_eq!(view["rounds"], 3);
        assert_eq!(view["task"], "lab");
        assert_eq!(view["sizes"], serde_json::json!([2, 3]));
        assert_eq!(view["joined"], 1);
        assert_eq!(view["connected"], 1);
        assert_eq!(view["decided"], 1);
        // One simulated citizen beside Ada in her group of 2, three in the group of 3.
        assert_eq!(view["simulated"], 4);
        assert!(view["seconds_left"].is_null(), "no round is open");
        assert_eq!(view["nicknames"], serde_json::json!(["Ada"]));
        assert_eq!(view["join_url"], "http://127.0.0.1:8000/play/ABCD");
        let outcomes = view["outcomes"].as_array().unwrap();
        assert_eq!(outcomes.len(), 2);
        let pair = &outcomes[0];
        assert_eq!(
            (pair["size"].as_u64(), pair["groups"].as_u64()),
            (Some(2), Some(1))
        );
        // Both members' round-1 share: the pot over 2 players x 20 tokens.
        let first = pair["first"].as_f64().unwrap();
        assert!((first - total / 40.0).abs() < 1e-9, "{first}");
        // Each earns 20 - c + 0.4 x pot; the two together 40 - pot + 0.8 x pot.
        let payoff = pair["payoff"].as_f64().unwrap();
        assert!((payoff - (20.0 - 0.1 * total)).abs() < 1e-9, "{payoff}");
        assert_eq!(outcomes[1]["size"], 3);
    }

    /// The chart's values run from 0 to 1 while the table beside it shows percentages and
    /// students give tokens: its title says what the values are.
    #[test]
    fn the_teacher_chart_says_its_values_are_shares_of_the_tokens() {
        let app = app();
        let (slot, _) = one_round_played(&app);
        let view = teacher_view(&slot);
        let chart = view["chart"].as_str().unwrap();
        assert!(
            chart.contains(r#"aria-label="Mean share of tokens given, per round""#),
            "{}",
            &chart[..300]
        );
    }

    #[test]
    fn the_teacher_chart_draws_each_size_in_its_own_colour_from_round_1_to_the_last() {
        let app = app();
        let (slot, _) = one_round_played(&app);
        let view = teacher_view(&slot);
        let chart = view["chart"].as_str().unwrap();
        // The model band of the size Ada plays in is shaded in that size's colour; the
        // groups of 3 have no student, so no class line and no band for one.
        assert!(chart.contains(&format!(r#"fill="{}" fill-opacity"#, COLOURS[0])));
        assert!(!chart.contains(&format!(r#"fill="{}" fill-opacity"#, COLOURS[1])));
        // Per size: the class line, the model's band (if any), the model's line. The plot
        // area runs from x = 48 (round 1) to x = 408 (round 3), so round 2 is at 228.
        let paths = crate::svg::paths(chart);
        assert_eq!(paths.len(), 5);
        let xs = |points: &[(f64, f64)]| points.iter().map(|p| p.0).collect::<Vec<_>>();
        assert_eq!(
            xs(&paths[0]),
            [48.0],
            "the class of groups of 2 played round 1"
        );
        assert!(paths[3].is_empty(), "no student played in groups of 3");
        for model in [&paths[2], &paths[4]] {
            assert_eq!(xs(model), [48.0, 228.0, 408.0]);
        }
        assert_eq!(xs(&paths[1]), [48.0, 228.0, 408.0, 408.0, 228.0, 48.0]);
    }

    #[test]
    fn the_export_has_a_row_per_player_and_round_with_the_student_choice() {
        let app = app();
        let (slot, _) = one_round_played(&app);
        let csv = export(&slot);
        let mut lines = csv.lines();
        assert_eq!(
            lines.next().unwrap(),
            "game,round,seat,player,nickname,task,group_size,group,decided_by,endowment,\
             contribution,group_total,produced,payoff"
        );
        let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        assert_eq!(rows.len(), 5, "Ada and four simulated citizens, one round");
        let ada = rows.iter().find(|r| r[3] == "student").unwrap();
        assert_eq!(
            ada[..10],
            [
                "ABCD", "1", "1", "student", "Ada", "lab", "2", "1", "human", "20"
            ]
        );
        assert_eq!(ada[10], "10");
        let total: f64 = ada[11].parse().unwrap();
        assert_eq!(ada[12], "1");
        let payoff: f64 = ada[13].parse().unwrap();
        assert!(
            (payoff - (20.0 - 10.0 + 0.4 * total)).abs() < 1e-3,
            "{payoff}"
        );
        // Her partner is simulated; the pot is the two contributions.
        let partner: Vec<_> = rows
            .iter()
            .filter(|r| r[6] == "2" && r[3] == "model")
            .collect();
        assert_eq!(partner.len(), 1);
        assert_eq!((partner[0][4], partner[0][8]), ("", "bot"));
        let given: f64 = partner[0][10].parse().unwrap();
        assert_eq!(given + 10.0, total);
        let threes = rows.iter().filter(|r| r[6] == "3" && r[7] == "2").count();
        assert_eq!(threes, 3, "the group of 3 is group 2");
    }

    #[test]
    fn a_student_joins_once_and_gets_seat_token_and_code() {
        let app = app();
        let slot = slot(Settings::default());
        let mut seat = None;
        let join = || StudentMessage::Join {
            nickname: None,
            token: None,
        };
        let (reply, phase_changed) = student_message(&app, &slot, &mut seat, join()).unwrap();
        let reply = reply.expect("a joined reply");
        assert!(!phase_changed);
        assert_eq!(seat, Some(0));
        assert_eq!(reply["type"], "joined");
        assert_eq!(reply["seat"], 1);
        assert_eq!(reply["code"], "ABCD");
        assert_eq!(reply["nicknames"], false);
        assert_eq!(reply["token"].as_str().unwrap().len(), 16);
        let err = student_message(&app, &slot, &mut seat, join()).unwrap_err();
        assert_eq!(
            err,
            GameError::OutOfOrder("already joined as seat 1".into())
        );
        assert_eq!(slot.lock().humans(), 1);
    }

    #[test]
    fn a_contribution_needs_a_seat_and_the_last_one_of_a_round_changes_the_phase() {
        let app = app();
        let slot = slot(Settings {
            task: Task::Joint,
            ..Settings::default()
        });
        let early = StudentMessage::Contribute {
            round: 1,
            amount: 5.0,
        };
        let err = student_message(&app, &slot, &mut None, early).unwrap_err();
        assert_eq!(err, GameError::OutOfOrder("join the game first".into()));
        let a = join(&app, &slot, None);
        let b = join(&app, &slot, None);
        start(&slot);
        assert!(!contribute(&app, &slot, a, 1, 5.0), "b has not decided");
        assert!(
            contribute(&app, &slot, b, 1, 7.0),
            "everyone here has decided"
        );
        assert_eq!(slot.lock().phase(), Phase::Results(1));
    }
}
