//! The class game: a repeated public-goods (or co-production) game that students play from
//! their browsers, with the model's simulated citizens filling empty seats and undecided
//! moves. A pure state machine: no I/O, no clocks (the caller passes the time), so the
//! protocol fuzz test can drive it directly.

use std::time::{Duration, Instant};

use coprod_core::{LabSubject, Params};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use serde::Deserialize;

/// Most students a game may have (people; simulated citizens fill the rest of its groups).
/// The seats of removed students stay empty and are not counted: only the teacher's key
/// removes, so they grow by one per removal at most.
pub const MAX_SEATS: usize = 400;
/// Most characters of a nickname.
pub const MAX_NICKNAME: usize = 24;
/// What a removed student's pages are told, and what a page with their old rejoin token
/// is told: the seat is not theirs any more, but they may join anew.
pub const REMOVED: &str =
    "The teacher removed you from this game. You can join again while joining is open.";
/// What a removed student's page is told once the game has left the lobby (started, or
/// ended without starting).
pub const REMOVED_STARTED: &str =
    "The teacher removed you from this game; it no longer takes new students.";
/// Why the teacher cannot remove students once the game has started.
const NO_REMOVING: &str = "the game has started: students can no longer be removed (a student \
                           who does not decide is played by their simulated citizen)";
/// What a new student is told while the teacher has closed joining.
pub const JOINING_CLOSED: &str = "The teacher has closed joining for this game.";

/// What the group produces and who gets it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Task {
    /// The lab's linear public-goods game: everyone gets `mpcr` per token in the pot.
    Lab,
    /// Co-production, service shared among the members: the return per member falls with
    /// group size, coordination costs effort, and the task needs a minimum viable effort
    /// that grows with the number served.
    PerMember,
    /// Co-production, non-rival service: every member gets the full return; the task needs
    /// a minimum viable effort that does not grow with size.
    Joint,
}

impl Task {
    /// The task in the words of the pages and exports.
    pub fn as_str(self) -> &'static str {
        match self {
            Task::Lab => "lab",
            Task::PerMember => "per_member",
            Task::Joint => "joint",
        }
    }
}

/// What the teacher chooses before opening the game.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Group sizes; the class is split evenly across them (each a treatment).
    pub sizes: Vec<u32>,
    /// The task.
    pub task: Task,
    /// Number of rounds.
    pub rounds: u32,
    /// Tokens each player gets per round.
    pub endowment: f64,
    /// Return per token in the pot (lab and joint tasks); the per-member task returns
    /// `4 x mpcr / n` (a group of 4 gets the lab's return).
    pub mpcr: f64,
    /// Strangers: new groups every round (otherwise partners).
    pub rematch: bool,
    /// Whether students may give a nickname (shown to the teacher, exported).
    pub nicknames: bool,
    /// Seconds a round stays open before undecided moves are made by the model.
    pub round_seconds: u32,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            sizes: vec![3, 8],
            task: Task::Lab,
            rounds: 10,
            endowment: 20.0,
            mpcr: 0.4,
            rematch: true,
            nicknames: false,
            round_seconds: 90,
        }
    }
}

impl Settings {
    /// Checks every value; the error names the field and the allowed range.
    pub fn check(&self) -> Result<(), GameError> {
        let bad = |field: &str, allowed: &str| {
            Err(GameError::Invalid(format!(
                "`{field}` is out of range: allowed is {allowed}"
            )))
        };
        if self.sizes.is_empty() || self.sizes.len() > 4 {
            return bad("sizes", "one to four group sizes");
        }
        if self.sizes.iter().any(|&n| !(2..=40).contains(&n)) {
            return bad("sizes", "whole numbers from 2 to 40");
        }
        // Each size is a treatment: two of one size would be two rows of that size on the
        // teacher's page, which the CSV's `group_size` cannot tell apart.
        if (1..self.sizes.len()).any(|i| self.sizes[..i].contains(&self.sizes[i])) {
            return bad("sizes", "different group sizes (each size once)");
        }
        if !(1..=30).contains(&self.rounds) {
            return bad("rounds", "a whole number from 1 to 30");
        }
        // Whole tokens, as contributions are: a student can then give them all, and a
        // simulated citizen's rounded move never exceeds them.
        if !(self.endowment.fract() == 0.0 && (1.0..=1000.0).contains(&self.endowment)) {
            return bad("endowment", "a whole number from 1 to 1000");
        }
        if !(self.mpcr.is_finite() && (0.0..=1.0).contains(&self.mpcr)) {
            return bad("mpcr", "a number from 0 to 1");
        }
        if !(10..=600).contains(&self.round_seconds) {
            return bad("round_seconds", "a whole number from 10 to 600");
        }
        Ok(())
    }
}

/// Why a request was refused. The message is shown to the person who sent it.
#[derive(Clone, Debug, PartialEq)]
pub enum GameError {
    /// A value or message the game cannot accept.
    Invalid(String),
    /// A valid message at the wrong moment.
    OutOfOrder(String),
}

impl std::fmt::Display for GameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            GameError::Invalid(m) | GameError::OutOfOrder(m) => f.write_str(m),
        }
    }
}

fn out_of_order<T>(message: &str) -> Result<T, GameError> {
    Err(GameError::OutOfOrder(message.to_string()))
}

/// Where the game is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Students join; the teacher has not started.
    Lobby,
    /// Round `n` (from 1) takes contributions.
    Open(u32),
    /// Round `n` is over; its results are shown.
    Results(u32),
    /// The last round is over (or the teacher ended the game).
    Ended,
}

/// Who made a move.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecidedBy {
    /// The student.
    Human,
    /// The model's simulated citizen, for a student who did not decide in time.
    Model,
    /// A seat filled by a simulated citizen from the start.
    Bot,
}

impl DecidedBy {
    fn as_str(self) -> &'static str {
        match self {
            DecidedBy::Human => "human",
            DecidedBy::Model => "model",
            DecidedBy::Bot => "bot",
        }
    }
}

/// One seat: a student or a simulated citizen.
struct Seat {
    /// Secret that lets the student take the seat back after a disconnect.
    token: String,
    nickname: Option<String>,
    human: bool,
    /// A student the teacher removed in the lobby. The seat stays empty for good: its
    /// number is never given again, so a page that still holds it (a tab that has not yet
    /// heard of the removal) can never act for the student who would take it next. Its
    /// token is kept, to tell a page that rejoins with it why the seat is gone.
    removed: bool,
    /// Open sockets of this seat: a student who reconnects has the new socket open before
    /// the old one closes, so a flag would read "gone" while they are here.
    sockets: u32,
    /// Treatment (index into `Settings::sizes`), set at start.
    treatment: usize,
    /// This round's contribution in tokens, if decided.
    pending: Option<f64>,
    /// The simulated citizen who plays this seat when nobody does.
    shadow: LabSubject,
    total_payoff: f64,
    last: Option<Outcome>,
}

/// One seat's result in one round.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outcome {
    /// Round, from 1.
    pub round: u32,
    /// Group number within the round.
    pub group: u32,
    /// Tokens contributed.
    pub contribution: f64,
    /// The group's total.
    pub group_total: f64,
    /// Tokens earned this round.
    pub payoff: f64,
    /// Whether the task reached its minimum effort (always true in the lab task).
    pub produced: bool,
    /// Who decided.
    pub decided_by: DecidedBy,
}

impl Seat {
    /// Empties a student's seat for good (see `removed`): not counted, not listed, its
    /// token refused.
    fn remove(&mut self) {
        self.human = false;
        self.removed = true;
        self.sockets = 0;
        self.nickname = None;
    }
}

/// A game and everything it recorded.
pub struct Game {
    /// Join code shown to the class.
    pub code: String,
    settings: Settings,
    params: Params,
    phase: Phase,
    seats: Vec<Seat>,
    /// Outcomes per (round, seat), in that order.
    history: Vec<(usize, Outcome)>,
    /// Seats per treatment, in their current order (groups are consecutive chunks).
    lineup: Vec<Vec<usize>>,
    deadline: Option<Instant>,
    rng: ChaCha8Rng,
    seed: u64,
    /// Whether new students may take a seat (in the lobby); the teacher can close it.
    joining_open: bool,
}

/// What a student sends.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum StudentMessage {
    /// Take a new seat, or take back the seat of `token`.
    Join {
        /// Nickname, if the teacher allows them.
        #[serde(default)]
        nickname: Option<String>,
        /// A seat's token, to rejoin it.
        #[serde(default)]
        token: Option<String>,
    },
    /// This round's contribution in tokens (may be changed until the round closes).
    Contribute {
        /// The round it is meant for.
        round: u32,
        /// Whole tokens, 0 to the endowment.
        amount: f64,
    },
}

/// What the teacher sends. The commands are empty structs, not unit variants: serde refuses
/// unknown fields only in structs, and `{"type": "end", "now": true}` must be refused.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum TeacherMessage {
    /// Form the groups and open round 1.
    Start {},
    /// Close the open round now; simulated citizens decide for those who have not.
    CloseRound {},
    /// Open the next round.
    NextRound {},
    /// End the game.
    End {},
    /// Remove a student in the lobby: their seat is freed and their pages are told.
    Remove {
        /// The seat number, as the pages show it (from 1).
        seat: usize,
    },
    /// Remove, in the lobby, every student with no page connected (not here), as
    /// [`TeacherMessage::Remove`] does for each: after a script took seats and left.
    RemoveAway {},
    /// Refuse new students (in the lobby); students who joined keep their seats.
    CloseJoining {},
    /// Let new students join again.
    OpenJoining {},
}

impl Game {
    /// A new game in the lobby; `seed` keys the simulated citizens and the matching.
    pub fn new(code: String, settings: Settings, seed: u64) -> Result<Game, GameError> {
        settings.check()?;
        Ok(Game {
            code,
            params: model_params(&settings),
            settings,
            phase: Phase::Lobby,
            seats: Vec::new(),
            history: Vec::new(),
            lineup: Vec::new(),
            deadline: None,
            rng: ChaCha8Rng::seed_from_u64(seed),
            seed,
            joining_open: true,
        })
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Where the game is.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// The number of students who joined (and were not removed).
    pub fn humans(&self) -> usize {
        self.seats.iter().filter(|s| s.human).count()
    }

    /// Whether new students may join (the teacher has not closed joining).
    pub fn joining_open(&self) -> bool {
        self.joining_open
    }

    /// Whether the teacher removed the student of `seat`.
    pub fn is_removed(&self, seat: usize) -> bool {
        self.seats.get(seat).is_some_and(|s| s.removed)
    }

    /// The students who joined, for the teacher's list: (seat, nickname, here).
    pub fn students(&self) -> impl Iterator<Item = (usize, Option<&str>, bool)> {
        self.seats
            .iter()
            .enumerate()
            .filter(|(_, s)| s.human)
            .map(|(i, s)| (i, s.nickname.as_deref(), s.sockets > 0))
    }

    /// Takes a seat (in the lobby) or takes back a seat by its token (any time).
    /// Returns the seat and its token.
    pub fn join(
        &mut self,
        nickname: Option<String>,
        token: Option<String>,
        new_token: impl FnOnce() -> String,
    ) -> Result<(usize, String), GameError> {
        if let Some(token) = token {
            let students = |s: &Seat| s.human || s.removed;
            let Some(seat) = self
                .seats
                .iter()
                .position(|s| students(s) && s.token == token)
            else {
                return Err(GameError::Invalid(
                    "no seat has this rejoin token in this game".into(),
                ));
            };
            if self.seats[seat].removed {
                return out_of_order(self.removed_message());
            }
            self.seats[seat].sockets += 1;
            return Ok((seat, token));
        }
        match self.phase {
            Phase::Lobby => {}
            Phase::Ended => return out_of_order("the game has ended"),
            _ => {
                return out_of_order(
                    "the game has started without you: only students who joined before the start \
                     can play; ask your teacher",
                );
            }
        }
        if !self.joining_open {
            return out_of_order(JOINING_CLOSED);
        }
        // Removed students' seats do not count: removing frees a place.
        if self.humans() >= MAX_SEATS {
            return Err(GameError::Invalid(format!(
                "the game is full ({MAX_SEATS} seats)"
            )));
        }
        let nickname = match nickname.map(|n| n.trim().to_string()) {
            Some(n) if n.is_empty() => None,
            Some(_) if !self.settings.nicknames => None,
            Some(n) if n.chars().count() > MAX_NICKNAME || !n.chars().all(shows_as_itself) => {
                return Err(GameError::Invalid(format!(
                    "a nickname has at most {MAX_NICKNAME} printable characters (no control, \
                     invisible or text-direction characters)"
                )));
            }
            other => other,
        };
        let id = self.seats.len();
        let token = new_token();
        self.seats
            .push(self.seat(id, true, nickname, token.clone()));
        Ok((id, token))
    }

    fn seat(&self, id: usize, human: bool, nickname: Option<String>, token: String) -> Seat {
        Seat {
            token,
            nickname,
            human,
            removed: false,
            sockets: u32::from(human),
            treatment: 0,
            pending: None,
            shadow: LabSubject::new(&self.params, self.seed, id as u32),
            total_payoff: 0.0,
            last: None,
        }
    }

    /// Counts a closed socket of a seat (it keeps its place; it is here while another of
    /// its sockets is open). Closes the open round if this student was the last one here
    /// who had not decided; returns whether it did.
    pub fn disconnect(&mut self, seat: usize, now: Instant) -> bool {
        let Some(s) = self.seats.get_mut(seat) else {
            return false;
        };
        s.sockets = s.sockets.saturating_sub(1);
        let open = matches!(self.phase, Phase::Open(_));
        open && self.everyone_here_decided() && self.close_round(now).is_ok()
    }

    /// Whether the open round can close before its time: some student decided and every
    /// student with a page connected has. A student with none (who left before the start,
    /// or whose phone died) would hold every round to its timer; their simulated citizen
    /// plays for them, as when time is up. With nobody connected the round waits for its
    /// timer, so a class whose network dropped can come back.
    fn everyone_here_decided(&self) -> bool {
        let mut students = self.seats.iter().filter(|s| s.human);
        students.clone().any(|s| s.pending.is_some())
            && students.all(|s| s.sockets == 0 || s.pending.is_some())
    }

    /// Handles a student's contribution.
    pub fn student(
        &mut self,
        seat: usize,
        round: u32,
        amount: f64,
        now: Instant,
    ) -> Result<(), GameError> {
        // A page that has not yet heard that its student was removed.
        if self.is_removed(seat) {
            return out_of_order(self.removed_message());
        }
        let Phase::Open(open) = self.phase else {
            return match self.phase {
                Phase::Lobby => out_of_order("the game has not started yet"),
                Phase::Ended => out_of_order("the game has ended"),
                _ => out_of_order("this round is closed; wait for the next one"),
            };
        };
        if round != open {
            return out_of_order(&format!("round {round} is not open; round {open} is"));
        }
        let endowment = self.settings.endowment;
        // Whole tokens only: the pages show whole numbers, so a fraction would be recorded
        // as something no student saw.
        if !(amount.is_finite() && amount.fract() == 0.0 && (0.0..=endowment).contains(&amount)) {
            return Err(GameError::Invalid(format!(
                "a contribution is a whole number of tokens from 0 to {endowment}"
            )));
        }
        let Some(s) = self.seats.get_mut(seat).filter(|s| s.human) else {
            return Err(GameError::Invalid("no such seat".into()));
        };
        // + 0.0 turns JSON's -0 into 0, which the pages and the export show as 0.
        s.pending = Some(amount + 0.0);
        if self.everyone_here_decided() {
            self.close_round(now)?;
        }
        Ok(())
    }

    /// Handles a teacher's command.
    pub fn teacher(&mut self, message: TeacherMessage, now: Instant) -> Result<(), GameError> {
        match message {
            TeacherMessage::Start {} => self.start(now),
            TeacherMessage::CloseRound {} => self.close_round(now),
            TeacherMessage::NextRound {} => self.next_round(now),
            TeacherMessage::End {} => {
                if self.phase == Phase::Ended {
                    return out_of_order("the game has already ended");
                }
                // Ending during a round keeps what students chose in it: the round closes
                // as when its time is up (the model plays for the undecided).
                if let Phase::Open(_) = self.phase {
                    self.close_round(now)?;
                }
                self.phase = Phase::Ended;
                self.deadline = None;
                Ok(())
            }
            TeacherMessage::Remove { seat } => self.remove(seat),
            TeacherMessage::RemoveAway {} => self.remove_away(),
            TeacherMessage::CloseJoining {} => self.set_joining(false),
            TeacherMessage::OpenJoining {} => self.set_joining(true),
        }
    }

    /// Removes the student of seat number `number` (from 1), in the lobby only: once the
    /// groups are formed a removal would leave a hole in a group, and a student who does
    /// not decide is played by their simulated citizen anyway.
    fn remove(&mut self, number: usize) -> Result<(), GameError> {
        self.in_lobby(NO_REMOVING)?;
        let Some(s) = number.checked_sub(1).and_then(|i| self.seats.get_mut(i)) else {
            return Err(GameError::Invalid(format!("no student has seat {number}")));
        };
        if s.removed {
            return out_of_order(&format!("seat {number} has already been removed"));
        }
        s.remove();
        Ok(())
    }

    /// Removes every student with no page connected (the teacher's list marks them "not
    /// here"), in the lobby only, each as [`Game::remove`] does: after a script took
    /// hundreds of seats and disconnected, one command instead of a click per seat.
    /// Students here are untouched; with nobody away it changes nothing.
    fn remove_away(&mut self) -> Result<(), GameError> {
        self.in_lobby(NO_REMOVING)?;
        self.seats
            .iter_mut()
            .filter(|s| s.human && s.sockets == 0)
            .for_each(Seat::remove);
        Ok(())
    }

    /// Refuses a lobby-only action with `started`, or with "the game has ended" for a game
    /// the teacher ended in the lobby.
    fn in_lobby(&self, started: &str) -> Result<(), GameError> {
        match self.phase {
            Phase::Lobby => Ok(()),
            Phase::Ended => out_of_order("the game has ended"),
            _ => out_of_order(started),
        }
    }

    /// What a removed student's page is told: they may join again only in the lobby.
    pub(crate) fn removed_message(&self) -> &'static str {
        if self.phase == Phase::Lobby {
            REMOVED
        } else {
            REMOVED_STARTED
        }
    }

    /// Opens or closes joining, in the lobby only (once the game starts nobody new can join).
    fn set_joining(&mut self, open: bool) -> Result<(), GameError> {
        self.in_lobby("the game has started: nobody new can join it")?;
        self.joining_open = open;
        Ok(())
    }

    /// Closes the open round when its time is up. Returns whether anything changed.
    pub fn tick(&mut self, now: Instant) -> bool {
        match self.deadline {
            Some(deadline) if now >= deadline => self.close_round(now).is_ok(),
            _ => false,
        }
    }

    /// Seconds left in the open round.
    pub fn seconds_left(&self, now: Instant) -> Option<u64> {
        self.deadline
            .map(|d| d.saturating_duration_since(now).as_secs())
    }

    fn start(&mut self, now: Instant) -> Result<(), GameError> {
        if self.phase != Phase::Lobby {
            return out_of_order("the game has already started");
        }
        // Removed students' seats stay empty.
        let mut humans: Vec<usize> = (0..self.seats.len())
            .filter(|&s| self.seats[s].human)
            .collect();
        shuffle(&mut humans, &mut self.rng);
        let k = self.settings.sizes.len();
        self.lineup = vec![Vec::new(); k];
        for (i, seat) in humans.into_iter().enumerate() {
            self.lineup[i % k].push(seat);
        }
        for t in 0..k {
            let size = self.settings.sizes[t] as usize;
            let groups = self.lineup[t].len().div_ceil(size).max(1);
            while self.lineup[t].len() < groups * size {
                let id = self.seats.len();
                let bot = self.seat(id, false, None, String::new());
                self.seats.push(bot);
                self.lineup[t].push(id);
            }
            for &s in &self.lineup[t] {
                self.seats[s].treatment = t;
            }
        }
        self.open(1, now);
        Ok(())
    }

    fn open(&mut self, round: u32, now: Instant) {
        if round == 1 || self.settings.rematch {
            for line in &mut self.lineup {
                shuffle(line, &mut self.rng);
            }
        }
        for s in &mut self.seats {
            s.pending = None;
        }
        self.phase = Phase::Open(round);
        self.deadline = Some(now + Duration::from_secs(u64::from(self.settings.round_seconds)));
    }

    fn next_round(&mut self, now: Instant) -> Result<(), GameError> {
        match self.phase {
            Phase::Results(r) if r < self.settings.rounds => {
                self.open(r + 1, now);
                Ok(())
            }
            Phase::Results(_) | Phase::Ended => out_of_order("the game has ended"),
            Phase::Lobby => out_of_order("start the game first"),
            Phase::Open(_) => out_of_order("close the open round first"),
        }
    }

    fn close_round(&mut self, _now: Instant) -> Result<(), GameError> {
        let Phase::Open(round) = self.phase else {
            return out_of_order("no round is open");
        };
        let e = self.settings.endowment;
        let p = &self.params;
        // Everyone who has not decided is played by their simulated citizen.
        let mut moves = vec![(0.0, DecidedBy::Bot); self.seats.len()];
        for (i, s) in self.seats.iter_mut().enumerate() {
            let by = match (s.human, s.pending) {
                (true, Some(_)) => DecidedBy::Human,
                (true, None) => DecidedBy::Model,
                (false, _) => DecidedBy::Bot,
            };
            let model_move = citizen_move(&mut s.shadow, p, e);
            moves[i] = (s.pending.unwrap_or(model_move), by);
        }
        let mut group_no = 0;
        for t in 0..self.lineup.len() {
            let size = self.settings.sizes[t] as usize;
            for members in self.lineup[t].chunks(size) {
                let total: f64 = members.iter().map(|&m| moves[m].0).sum();
                let (produced, per_token) = self.returns(size, total);
                for &m in members {
                    let (c, by) = moves[m];
                    let payoff = e - c + if produced { per_token * total } else { 0.0 };
                    let outcome = Outcome {
                        round,
                        group: group_no,
                        contribution: c,
                        group_total: total,
                        payoff,
                        produced,
                        decided_by: by,
                    };
                    let seat = &mut self.seats[m];
                    let others = others_share(total, c, size, e);
                    seat.shadow.observe(others, &self.params);
                    seat.total_payoff += payoff;
                    seat.last = Some(outcome);
                    self.history.push((m, outcome));
                }
                group_no += 1;
            }
        }
        self.deadline = None;
        self.phase = if round >= self.settings.rounds {
            Phase::Ended
        } else {
            Phase::Results(round)
        };
        Ok(())
    }

    /// Whether a group of `size` with `total` tokens produces, and what each member gets
    /// per token in the pot (docs/teaching.md, "The class game").
    fn returns(&self, size: usize, total: f64) -> (bool, f64) {
        let (per_token, needed) = self.rule(size);
        (
            needed.is_none_or(|needed| reaches(total, needed)),
            per_token,
        )
    }

    /// The payoff rule for a group of `size`: what each member gets per token in the pot
    /// when the task produces, and the minimum viable effort in tokens (none in the lab
    /// task, which always produces).
    fn rule(&self, size: usize) -> (f64, Option<f64>) {
        let (s, e, p) = (self.settings.mpcr, self.settings.endowment, &self.params);
        let n = size as f64;
        match self.settings.task {
            Task::Lab => (s, None),
            Task::Joint => (s, Some(p.min_effort * e)),
            Task::PerMember => {
                let needed = (p.min_effort + p.min_effort_per_member * n) * e;
                let kept = (1.0 - p.coordination_cost * (n - 1.0)).max(0.0);
                (4.0 * s * kept / n, Some(needed))
            }
        }
    }

    /// The rule as a student's page states it (once the groups are formed): tokens each
    /// member gets per token in the pot, and the fewest whole tokens the pot needs to
    /// produce (`null` when it always produces).
    fn rule_words(&self, seat: usize) -> serde_json::Value {
        if self.phase == Phase::Lobby {
            return serde_json::Value::Null;
        }
        let (per_token, needed) = self.rule(self.size_of(seat) as usize);
        serde_json::json!({
            "per_token": per_token,
            // Pots are whole tokens: the fewest that reach the threshold.
            "needed": needed.map(|needed| (needed - 1e-6).ceil().max(0.0)),
        })
    }

    /// Every recorded outcome as (seat, outcome), round by round.
    pub fn history(&self) -> &[(usize, Outcome)] {
        &self.history
    }

    /// The group size of a seat's treatment.
    pub fn size_of(&self, seat: usize) -> u32 {
        self.settings.sizes[self.seats[seat].treatment]
    }

    /// Whether a seat is a student's.
    pub fn is_human(&self, seat: usize) -> bool {
        self.seats[seat].human
    }

    /// A seat's nickname, if nicknames are on and it gave one.
    pub fn nickname(&self, seat: usize) -> Option<&str> {
        self.seats[seat].nickname.as_deref()
    }

    /// The class's mean contribution (share of endowment) per round, per treatment: `None`
    /// where no student played that round.
    pub fn class_means(&self) -> Vec<Vec<Option<f64>>> {
        let rounds = self.settings.rounds as usize;
        let k = self.settings.sizes.len();
        let mut sums = vec![vec![(0.0, 0u32); rounds]; k];
        for (seat, o) in &self.history {
            if o.decided_by == DecidedBy::Human {
                let cell = &mut sums[self.seats[*seat].treatment][o.round as usize - 1];
                cell.0 += o.contribution / self.settings.endowment;
                cell.1 += 1;
            }
        }
        sums.into_iter()
            .map(|row| {
                row.into_iter()
                    .map(|(s, n)| (n > 0).then(|| s / f64::from(n)))
                    .collect()
            })
            .collect()
    }

    /// Per treatment, once the game has started: the students dealt to it (whom its class
    /// line averages) and its groups (students and simulated citizens). `None` before the
    /// groups are formed: in the lobby, and in a game ended there.
    pub fn class_groups(&self) -> Option<Vec<(usize, usize)>> {
        if self.lineup.is_empty() {
            return None;
        }
        let groups = self
            .lineup
            .iter()
            .zip(&self.settings.sizes)
            .map(|(line, &size)| {
                let students = line.iter().filter(|&&s| self.seats[s].human).count();
                (students, line.len() / size as usize)
            });
        Some(groups.collect())
    }

    /// A student's view of the game, as JSON.
    pub fn student_view(&self, seat: usize, now: Instant) -> serde_json::Value {
        let s = &self.seats[seat];
        let (phase, round) = phase_words(self.phase);
        serde_json::json!({
            "type": "state",
            "phase": phase,
            "round": round,
            "rounds": self.settings.rounds,
            "endowment": self.settings.endowment,
            "task": self.settings.task.as_str(),
            "group_size": (self.phase != Phase::Lobby).then(|| self.size_of(seat)),
            "rule": self.rule_words(seat),
            "submitted": s.pending,
            "seconds_left": self.seconds_left(now),
            "last": s.last.map(|o| serde_json::json!({
                "round": o.round, "contribution": o.contribution, "group_total": o.group_total,
                "payoff": o.payoff, "produced": o.produced,
            })),
            "total_payoff": s.total_payoff,
        })
    }

    /// Seat counts for the teacher: (joined, connected, decided this round, simulated seats).
    pub fn seat_counts(&self) -> (usize, usize, usize, usize) {
        let humans = self.seats.iter().filter(|s| s.human);
        let connected = humans.clone().filter(|s| s.sockets > 0).count();
        let decided = humans.clone().filter(|s| s.pending.is_some()).count();
        let joined = humans.count();
        let simulated = self.seats.iter().filter(|s| !s.human && !s.removed);
        (joined, connected, decided, simulated.count())
    }

    /// Nicknames of the students here (a page connected) who gave one (only when
    /// nicknames are on): the teacher's page lists them after "Here:".
    pub fn nicknames(&self) -> Vec<&str> {
        self.seats
            .iter()
            .filter(|s| s.sockets > 0)
            .filter_map(|s| s.nickname.as_deref())
            .collect()
    }

    /// The outcomes by group size: for each treatment, (groups in the last round played,
    /// mean contribution share in the first and last round played, share of groups that
    /// produced in the last round, mean payoff per round).
    pub fn outcomes_by_size(&self) -> Vec<SizeOutcome> {
        let last_round = self.history.last().map_or(0, |(_, o)| o.round);
        (0..self.settings.sizes.len())
            .map(|t| {
                let rows: Vec<&Outcome> = self
                    .history
                    .iter()
                    .filter(|(s, _)| self.seats[*s].treatment == t)
                    .map(|(_, o)| o)
                    .collect();
                let mean = |keep: &dyn Fn(&Outcome) -> bool, f: &dyn Fn(&Outcome) -> f64| {
                    let v: Vec<f64> = rows.iter().filter(|o| keep(o)).map(|o| f(o)).collect();
                    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
                };
                let e = self.settings.endowment;
                let mut groups: Vec<(u32, bool)> = rows
                    .iter()
                    .filter(|o| o.round == last_round)
                    .map(|o| (o.group, o.produced))
                    .collect();
                groups.dedup();
                SizeOutcome {
                    size: self.settings.sizes[t],
                    groups: groups.len(),
                    first: mean(&|o| o.round == 1, &|o| o.contribution / e),
                    last: mean(&|o| o.round == last_round, &|o| o.contribution / e),
                    produced: (!groups.is_empty()).then(|| {
                        groups.iter().filter(|g| g.1).count() as f64 / groups.len() as f64
                    }),
                    payoff: mean(&|_| true, &|o| o.payoff),
                }
            })
            .collect()
    }
}

/// One group size's results so far.
#[derive(Clone, Debug, PartialEq)]
pub struct SizeOutcome {
    /// Group size.
    pub size: u32,
    /// Groups in the last round played.
    pub groups: usize,
    /// Mean contribution in round 1, share of endowment (everyone, people and model).
    pub first: Option<f64>,
    /// Mean contribution in the last round played.
    pub last: Option<f64>,
    /// Share of groups whose task produced in the last round played.
    pub produced: Option<f64>,
    /// Mean payoff per player and round.
    pub payoff: Option<f64>,
}

/// Whether a pot of `total` tokens reaches the minimum viable effort `needed`. The
/// threshold is a product of decimal parameters, so it can come out a rounding error above
/// the whole number of tokens it stands for ((0.6 + 0.1 x 6) x 20 = 24.000000000000004): a
/// pot within a millionth of a token of it reaches it.
fn reaches(total: f64, needed: f64) -> bool {
    total >= needed - 1e-6
}

/// The phase and round in the words of the protocol.
pub fn phase_words(phase: Phase) -> (&'static str, u32) {
    match phase {
        Phase::Lobby => ("lobby", 0),
        Phase::Open(r) => ("open", r),
        Phase::Results(r) => ("results", r),
        Phase::Ended => ("ended", 0),
    }
}

/// Whether `c` may be in a nickname, which the teacher's page shows among the others' and
/// the CSV writes in a row: not a control character, not a bidirectional control (a
/// right-to-left override would reverse the names after it) and not an invisible format
/// character (a nickname of U+200B looks blank, one with it inside looks like another's).
/// The zero-width joiners stay: emoji and some scripts need them.
fn shows_as_itself(c: char) -> bool {
    let invisible = matches!(
        c,
        '\u{180e}' | '\u{200b}' | '\u{2060}'..='\u{2064}' | '\u{206a}'..='\u{206f}' | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
    );
    !(c.is_control() || crate::is_bidi_control(c) || invisible)
}

/// The CSV export: one row per player and round; nicknames only when the teacher allowed
/// them.
pub fn csv(game: &Game) -> String {
    let nick = game.settings.nicknames;
    let mut out = String::from(
        "game,round,seat,player,nickname,task,group_size,group,decided_by,endowment,contribution,group_total,produced,payoff\n",
    );
    for (seat, o) in &game.history {
        let player = if game.is_human(*seat) {
            "student"
        } else {
            "model"
        };
        let nickname = if nick {
            csv_field(game.nickname(*seat).unwrap_or(""))
        } else {
            String::new()
        };
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            game.code,
            o.round,
            seat + 1,
            player,
            nickname,
            game.settings.task.as_str(),
            game.size_of(*seat),
            o.group + 1,
            o.decided_by.as_str(),
            game.settings.endowment,
            o.contribution,
            o.group_total,
            u8::from(o.produced),
            (o.payoff * 1000.0).round() / 1000.0,
        ));
    }
    out
}

/// Quotes a CSV field when needed, and defuses spreadsheet formulas.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_string()
    };
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The model parameters of a game's simulated citizens: the defaults, with the game's
/// endowment and return per token.
pub(crate) fn model_params(settings: &Settings) -> Params {
    let mut params = Params::defaults();
    params.endowment = settings.endowment;
    params.mpcr = settings.mpcr;
    params
}

/// A simulated citizen's move: what its contribution rule gives, in whole tokens of the
/// endowment `e`. The game and the model band on the teacher's chart both play by it.
pub(crate) fn citizen_move(citizen: &mut LabSubject, p: &Params, e: f64) -> f64 {
    (citizen.contribute(p) * e).round()
}

/// What a member of a group of `size` whose pot holds `total` tokens, `own` of them its
/// own, learns: the other members' mean contribution as a share of the endowment `e`.
pub(crate) fn others_share(total: f64, own: f64, size: usize, e: f64) -> f64 {
    (total - own) / (size - 1) as f64 / e
}

/// Fisher-Yates with the game's own stream.
pub(crate) fn shuffle(v: &mut [usize], rng: &mut ChaCha8Rng) {
    for k in (1..v.len()).rev() {
        let j = rng.random_range(0..=k);
        v.swap(k, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn token() -> String {
        "t".repeat(8)
    }

    fn game(sizes: Vec<u32>, task: Task) -> Game {
        let settings = Settings {
            sizes,
            task,
            rounds: 3,
            ..Settings::default()
        };
        Game::new("ABCD".into(), settings, 1).unwrap()
    }

    #[test]
    fn a_teacher_command_with_an_unknown_field_is_malformed() {
        let parse = |text: &str| serde_json::from_str::<TeacherMessage>(text);
        assert!(matches!(
            parse(r#"{"type":"start"}"#),
            Ok(TeacherMessage::Start {})
        ));
        assert!(matches!(
            parse(r#"{"type":"end"}"#),
            Ok(TeacherMessage::End {})
        ));
        let err = parse(r#"{"type":"start","now":true}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field `now`"), "{err}");
        assert!(parse(r#"{"type":"next_round","round":2}"#).is_err());
    }

    /// A student who reconnects opens the new socket before the old one closes: they are
    /// still here after the old one closes, and gone when the new one closes too.
    #[test]
    fn a_student_who_reconnects_is_counted_here() {
        let now = Instant::now();
        let mut g = game(vec![2], Task::Lab);
        let (a, token) = g.join(None, None, || "tok1".into()).unwrap();
        g.join(None, None, || "tok2".into()).unwrap();
        assert_eq!(g.seat_counts().1, 2);
        let (again, _) = g.join(None, Some(token), || unreachable!()).unwrap();
        assert_eq!(again, a);
        g.disconnect(a, now);
        assert_eq!(g.seat_counts().1, 2, "the new socket is still open");
        g.disconnect(a, now);
        assert_eq!(g.seat_counts().1, 1);
        g.disconnect(a, now);
        assert_eq!(g.seat_counts().1, 1, "a stray close counts nothing");
    }

    /// JSON's `-0` is a whole number from 0 to the endowment, and is kept as 0: the export
    /// said "-0" for the contribution and the group's total, a number nobody entered or saw.
    #[test]
    fn a_contribution_of_minus_zero_is_recorded_as_zero() {
        let now = Instant::now();
        let (mut g, seats) = class(settings(vec![2], Task::Lab), 2);
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        for &s in &seats {
            let StudentMessage::Contribute { round, amount } =
                serde_json::from_str(r#"{"type":"contribute","round":1,"amount":-0}"#).unwrap()
            else {
                unreachable!()
            };
            g.student(s, round, amount, now).unwrap();
        }
        assert_eq!(g.phase(), Phase::Results(1));
        let o = outcome(&g, 1, seats[0]);
        assert!(o.contribution.is_sign_positive() && o.group_total.is_sign_positive());
        assert!(!csv(&g).contains("-0"), "{}", csv(&g));
        assert_eq!(g.student_view(seats[0], now)["submitted"], 0.0);
    }

    #[test]
    fn a_round_closes_when_every_student_decided_and_pays_the_lab_return() {
        let now = Instant::now();
        let mut g = game(vec![2], Task::Lab);
        let mut n = 0;
        let mut tok = || {
            n += 1;
            format!("tok{n}")
        };
        let (a, _) = g.join(None, None, &mut tok).unwrap();
        let (b, _) = g.join(None, None, &mut tok).unwrap();
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        g.student(a, 1, 20.0, now).unwrap();
        assert_eq!(g.phase(), Phase::Open(1));
        g.student(b, 1, 0.0, now).unwrap();
        assert_eq!(g.phase(), Phase::Results(1));
        let pay: Vec<f64> = g.history().iter().map(|(_, o)| o.payoff).collect();
        // Same group of two: 20 - 20 + 0.4 x 20 = 8 and 20 - 0 + 8 = 28.
        assert_eq!(
            pay,
            vec![
                if g.history()[0].0 == a { 8.0 } else { 28.0 },
                if g.history()[0].0 == a { 28.0 } else { 8.0 }
            ]
        );
    }

    /// A student who left before the start, or whose phone died during a round, does not
    /// hold the round to its timer: it closes once everyone still here has decided, and
    /// their simulated citizen plays for them.
    #[test]
    fn a_round_closes_when_every_student_here_decided() {
        let now = Instant::now();
        let mut g = game(vec![3], Task::Lab);
        let seats: Vec<usize> = (0..3)
            .map(|_| g.join(None, None, token).unwrap().0)
            .collect();
        let (a, b, left) = (seats[0], seats[1], seats[2]);
        assert!(!g.disconnect(left, now), "nothing to close in the lobby");
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        g.student(a, 1, 5.0, now).unwrap();
        g.student(b, 1, 6.0, now).unwrap();
        assert_eq!(g.phase(), Phase::Results(1));
        let model: Vec<usize> = g
            .history()
            .iter()
            .filter(|(_, o)| o.decided_by == DecidedBy::Model)
            .map(|(s, _)| *s)
            .collect();
        assert_eq!(model, vec![left]);
        // Round 2: b's phone dies after a decided.
        g.teacher(TeacherMessage::NextRound {}, now).unwrap();
        g.student(a, 2, 5.0, now).unwrap();
        assert_eq!(g.phase(), Phase::Open(2));
        assert!(g.disconnect(b, now));
        assert_eq!(g.phase(), Phase::Results(2));
    }

    /// With nobody here, or nobody decided, a round waits for its timer: a class whose
    /// network dropped can come back.
    #[test]
    fn a_round_with_nobody_here_waits_for_its_timer() {
        let now = Instant::now();
        let mut g = game(vec![2], Task::Lab);
        let (a, _) = g.join(None, None, token).unwrap();
        let (b, _) = g.join(None, None, token).unwrap();
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        assert!(!g.disconnect(a, now));
        assert!(!g.disconnect(b, now));
        assert_eq!(g.phase(), Phase::Open(1));
        assert!(g.tick(now + Duration::from_secs(91)));
        assert_eq!(g.phase(), Phase::Results(1));
    }

    #[test]
    fn empty_seats_are_filled_and_undecided_moves_made_by_the_model() {
        let now = Instant::now();
        let mut g = game(vec![3, 8], Task::PerMember);
        for _ in 0..4 {
            g.join(None, None, token).unwrap();
        }
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        // 2 students in groups of 3 (1 bot), 2 in groups of 8 (6 bots).
        assert_eq!(g.seats.len(), 3 + 8);
        assert!(g.tick(now + Duration::from_secs(91)));
        assert_eq!(g.phase(), Phase::Results(1));
        let by: Vec<DecidedBy> = g.history().iter().map(|(_, o)| o.decided_by).collect();
        assert_eq!(by.iter().filter(|b| **b == DecidedBy::Model).count(), 4);
        assert_eq!(by.iter().filter(|b| **b == DecidedBy::Bot).count(), 7);
    }

    #[test]
    fn out_of_order_and_bad_values_are_refused_and_the_game_goes_on() {
        let now = Instant::now();
        let mut g = game(vec![2], Task::Joint);
        let (a, t) = g.join(None, None, token).unwrap();
        assert!(g.student(a, 1, 5.0, now).is_err());
        assert!(g.teacher(TeacherMessage::NextRound {}, now).is_err());
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        assert!(g.join(None, None, token).is_err(), "new seat after start");
        assert_eq!(g.join(None, Some(t), token).unwrap().0, a, "rejoin");
        assert!(g.student(a, 1, -1.0, now).is_err());
        assert!(g.student(a, 1, f64::NAN, now).is_err());
        assert!(g.student(a, 2, 5.0, now).is_err());
        g.student(a, 1, 5.0, now).unwrap();
        for r in 2..=3 {
            g.teacher(TeacherMessage::NextRound {}, now).unwrap();
            g.student(a, r, 5.0, now).unwrap();
        }
        assert_eq!(g.phase(), Phase::Ended);
        assert!(g.student(a, 3, 5.0, now).is_err());
        assert!(g.teacher(TeacherMessage::NextRound {}, now).is_err());
        assert_eq!(csv(&g).lines().count(), 1 + 3 * 2);
    }

    #[test]
    fn ending_during_a_round_keeps_its_choices() {
        let now = Instant::now();
        let mut g = game(vec![2], Task::Lab);
        let (a, _) = g.join(None, None, token).unwrap();
        g.join(None, None, token).unwrap();
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        g.student(a, 1, 7.0, now).unwrap();
        g.teacher(TeacherMessage::End {}, now).unwrap();
        assert_eq!(g.phase(), Phase::Ended);
        let round: Vec<(usize, f64, DecidedBy)> = g
            .history()
            .iter()
            .map(|(s, o)| (*s, o.contribution, o.decided_by))
            .collect();
        assert_eq!(round.len(), 2, "both seats of round 1 are kept");
        assert!(round.contains(&(a, 7.0, DecidedBy::Human)));
        assert_eq!(csv(&g).lines().count(), 1 + 2);
        assert!(g.teacher(TeacherMessage::End {}, now).is_err());
    }

    #[test]
    fn nicknames_are_dropped_unless_allowed_and_defused_in_csv() {
        let mut g = game(vec![2], Task::Lab);
        let (a, _) = g.join(Some("Ann".into()), None, token).unwrap();
        assert_eq!(g.nickname(a), None);
        assert_eq!(csv_field("=cmd,x"), "\"'=cmd,x\"");
    }

    // ---- Helpers for the tests below ----

    /// Settings of a three-round game with these sizes and task.
    fn settings(sizes: Vec<u32>, task: Task) -> Settings {
        Settings {
            sizes,
            task,
            rounds: 3,
            ..Settings::default()
        }
    }

    /// A game with `students` students who joined (tokens `tok0`, `tok1`, ...).
    fn class(settings: Settings, students: usize) -> (Game, Vec<usize>) {
        let mut g = Game::new("ABCD".into(), settings, 1).unwrap();
        let seats = (0..students)
            .map(|i| g.join(None, None, || format!("tok{i}")).unwrap().0)
            .collect();
        (g, seats)
    }

    fn near(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    /// The groups of treatment `t` in the open round, as seats.
    fn groups_of(g: &Game, t: usize) -> Vec<Vec<usize>> {
        let size = g.settings.sizes[t] as usize;
        g.lineup[t].chunks(size).map(<[usize]>::to_vec).collect()
    }

    /// A seat's outcome in a round.
    fn outcome(g: &Game, round: u32, seat: usize) -> Outcome {
        g.history()
            .iter()
            .find(|(s, o)| *s == seat && o.round == round)
            .map(|(_, o)| *o)
            .expect("an outcome for this seat and round")
    }

    /// The groups of a played round, each as its sorted seats, sorted.
    fn partition(g: &Game, round: u32) -> Vec<Vec<usize>> {
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for (seat, o) in g.history().iter().filter(|(_, o)| o.round == round) {
            let k = o.group as usize;
            if groups.len() <= k {
                groups.resize(k + 1, Vec::new());
            }
            groups[k].push(*seat);
        }
        for members in &mut groups {
            members.sort_unstable();
        }
        groups.sort();
        groups
    }

    // ---- Words of the pages and the CSV ----

    #[test]
    fn tasks_are_named_in_the_words_of_the_pages_and_csv() {
        assert_eq!(Task::Lab.as_str(), "lab");
        assert_eq!(Task::PerMember.as_str(), "per_member");
        assert_eq!(Task::Joint.as_str(), "joint");
    }

    #[test]
    fn phases_are_named_with_their_round() {
        assert_eq!(phase_words(Phase::Lobby), ("lobby", 0));
        assert_eq!(phase_words(Phase::Open(3)), ("open", 3));
        assert_eq!(phase_words(Phase::Results(2)), ("results", 2));
        assert_eq!(phase_words(Phase::Ended), ("ended", 0));
    }

    // ---- Settings ----

    /// The teacher's form sends these ranges; anything outside is refused by name.
    #[test]
    fn settings_out_of_range_are_refused_naming_the_field() {
        // The default settings with one field changed.
        let with = |edit: fn(&mut Settings)| {
            let mut s = Settings::default();
            edit(&mut s);
            s
        };
        let cases: Vec<(&str, Settings)> = vec![
            ("sizes", with(|s| s.sizes = vec![])),
            ("sizes", with(|s| s.sizes = vec![2, 3, 4, 5, 6])),
            ("sizes", with(|s| s.sizes = vec![1, 3])),
            ("sizes", with(|s| s.sizes = vec![3, 41])),
            ("rounds", with(|s| s.rounds = 0)),
            ("rounds", with(|s| s.rounds = 31)),
            ("endowment", with(|s| s.endowment = 0.5)),
            ("endowment", with(|s| s.endowment = 1000.5)),
            ("endowment", with(|s| s.endowment = f64::NAN)),
            ("endowment", with(|s| s.endowment = f64::INFINITY)),
            // Tokens are whole: with 20.5 a student could not give them all, and a
            // simulated citizen's rounded move could be 21, more than it has.
            ("endowment", with(|s| s.endowment = 20.5)),
            // Two treatments of one size would be two rows "3" on the teacher's page and
            // could not be told apart in the CSV.
            ("sizes", with(|s| s.sizes = vec![3, 8, 3])),
            ("mpcr", with(|s| s.mpcr = -0.1)),
            ("mpcr", with(|s| s.mpcr = 1.1)),
            ("mpcr", with(|s| s.mpcr = f64::NAN)),
            ("round_seconds", with(|s| s.round_seconds = 9)),
            ("round_seconds", with(|s| s.round_seconds = 601)),
        ];
        for (field, s) in cases {
            let err = s.check().expect_err(field);
            assert!(matches!(err, GameError::Invalid(_)), "{field}: {err:?}");
            let text = err.to_string();
            assert!(
                text.starts_with(&format!("`{field}` is out of range")),
                "{text}"
            );
            assert!(Game::new("ABCD".into(), s, 1).is_err(), "{field}");
        }
    }

    #[test]
    fn settings_at_the_edges_of_their_ranges_are_accepted() {
        let low = Settings {
            sizes: vec![2],
            rounds: 1,
            endowment: 1.0,
            mpcr: 0.0,
            round_seconds: 10,
            ..Settings::default()
        };
        let high = Settings {
            sizes: vec![2, 10, 20, 40],
            rounds: 30,
            endowment: 1000.0,
            mpcr: 1.0,
            round_seconds: 600,
            ..Settings::default()
        };
        for s in [Settings::default(), low, high] {
            assert_eq!(s.check(), Ok(()), "{s:?}");
        }
    }

    #[test]
    fn the_game_keeps_the_teachers_settings() {
        let s = Settings {
            sizes: vec![4, 6],
            task: Task::Joint,
            rounds: 5,
            endowment: 10.0,
            mpcr: 0.5,
            rematch: false,
            nicknames: true,
            round_seconds: 30,
        };
        let g = Game::new("ABCD".into(), s.clone(), 1).unwrap();
        assert_eq!(g.settings(), &s);
        assert_eq!(g.phase(), Phase::Lobby);
    }

    // ---- The payoff rules (docs/teaching.md, "The class game's tasks") ----

    /// The rules below are written with the model's defaults; the teaching notes quote them.
    #[test]
    fn the_model_defaults_are_those_the_teaching_notes_quote() {
        let p = Params::defaults();
        assert!(near(p.min_effort, 0.6));
        assert!(near(p.min_effort_per_member, 0.1));
        assert!(near(p.coordination_cost, 0.02));
    }

    /// Lab: every token in the pot returns mpcr to each member, whatever the size; nothing
    /// is ever lost, even an empty pot "produces".
    #[test]
    fn the_lab_task_always_returns_mpcr_per_token() {
        for size in [2, 4, 8, 40] {
            let g = game(vec![size], Task::Lab);
            assert_eq!(g.returns(size as usize, 0.0), (true, 0.4));
            assert_eq!(g.returns(size as usize, 100.0), (true, 0.4));
        }
    }

    #[test]
    fn an_empty_lab_pot_pays_each_the_endowment() {
        let now = Instant::now();
        let (mut g, seats) = class(settings(vec![2], Task::Lab), 2);
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        g.student(seats[0], 1, 0.0, now).unwrap();
        g.student(seats[1], 1, 0.0, now).unwrap();
        for &s in &seats {
            let o = outcome(&g, 1, s);
            assert!(o.produced);
            assert!(near(o.payoff, 20.0));
        }
    }

    /// Joint: the pot produces from 0.6 x E = 12 tokens, whatever the group size, and
    /// returns mpcr per token to every member.
    #[test]
    fn the_joint_task_needs_a_minimum_effort_that_does_not_grow_with_size() {
        for size in [2usize, 4, 8, 40] {
            let g = game(vec![size as u32], Task::Joint);
            assert_eq!(g.returns(size, 12.0), (true, 0.4), "size {size}");
            assert_eq!(g.returns(size, 11.0), (false, 0.4), "size {size}");
        }
    }

    #[test]
    fn a_joint_group_one_token_short_of_the_minimum_loses_its_pot() {
        let now = Instant::now();
        let (mut g, seats) = class(settings(vec![2], Task::Joint), 2);
        let (a, b) = (seats[0], seats[1]);
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        // Round 1: 7 + 5 = 12 tokens, just enough: each gets 20 - c + 0.4 x 12.
        g.student(a, 1, 7.0, now).unwrap();
        g.student(b, 1, 5.0, now).unwrap();
        let (oa, ob) = (outcome(&g, 1, a), outcome(&g, 1, b));
        assert!(oa.produced && ob.produced);
        assert_eq!((oa.group_total, ob.group_total), (12.0, 12.0));
        assert!(near(oa.payoff, 17.8), "{}", oa.payoff);
        assert!(near(ob.payoff, 19.8), "{}", ob.payoff);
        // Round 2: 6 + 5 = 11 tokens: the pot is lost, each keeps 20 - c.
        g.teacher(TeacherMessage::NextRound {}, now).unwrap();
        g.student(a, 2, 6.0, now).unwrap();
        g.student(b, 2, 5.0, now).unwrap();
        let (oa, ob) = (outcome(&g, 2, a), outcome(&g, 2, b));
        assert!(!oa.produced && !ob.produced);
        assert_eq!(oa.group_total, 11.0);
        assert!(near(oa.payoff, 14.0));
        assert!(near(ob.payoff, 15.0));
    }

    /// Per member: the needed total is (0.6 + 0.1 n) x E, i.e. 16, 20 and 28 tokens for
    /// groups of 2, 4 and 8 with E = 20.
    #[test]
    fn the_per_member_task_needs_more_effort_in_larger_groups() {
        let g = game(vec![2], Task::PerMember);
        for (size, needed) in [(2usize, 16.0), (4, 20.0), (8, 28.0)] {
            assert!(g.returns(size, needed).0, "size {size} at {needed}");
            assert!(
                !g.returns(size, needed - 1.0).0,
                "size {size} below {needed}"
            );
        }
    }

    /// Per member: each token returns 4 x mpcr x (1 - 0.02 (n - 1)) / n to each member.
    #[test]
    fn the_per_member_return_is_shared_and_falls_with_group_size() {
        let g = game(vec![2], Task::PerMember);
        let per_token = |n: usize| g.returns(n, 1000.0).1;
        assert!(near(per_token(2), 0.8 * 0.98));
        assert!(near(per_token(4), 0.4 * 0.94));
        assert!(near(per_token(8), 0.2 * 0.86));
        for n in 2..40 {
            assert!(per_token(n + 1) < per_token(n), "size {n}");
        }
    }

    #[test]
    fn the_per_member_return_falls_with_coordination_cost() {
        let mut g = game(vec![4], Task::PerMember);
        g.params.coordination_cost = 0.0;
        assert!(
            near(g.returns(4, 20.0).1, 0.4),
            "a group of 4 gets the lab's return"
        );
        g.params.coordination_cost = 0.05;
        assert!(near(g.returns(4, 20.0).1, 0.4 * 0.85));
        g.params.coordination_cost = 0.5;
        assert_eq!(
            g.returns(4, 20.0).1,
            0.0,
            "coordination cannot cost more than all"
        );
    }

    #[test]
    fn a_per_member_group_one_token_short_of_the_minimum_loses_its_pot() {
        let now = Instant::now();
        let (mut g, seats) = class(settings(vec![4], Task::PerMember), 4);
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        // Round 1: 4 x 5 = 20 tokens, just the (0.6 + 0.1 x 4) x 20 needed:
        // each gets 20 - 5 + 0.376 x 20 = 22.52.
        for &s in &seats {
            g.student(s, 1, 5.0, now).unwrap();
        }
        for &s in &seats {
            let o = outcome(&g, 1, s);
            assert!(o.produced);
            assert_eq!(o.group_total, 20.0);
            assert!(near(o.payoff, 22.52), "{}", o.payoff);
        }
        // Round 2: 19 tokens: lost.
        g.teacher(TeacherMessage::NextRound {}, now).unwrap();
        for (i, &s) in seats.iter().enumerate() {
            g.student(s, 2, if i == 0 { 4.0 } else { 5.0 }, now)
                .unwrap();
        }
        for (i, &s) in seats.iter().enumerate() {
            let o = outcome(&g, 2, s);
            assert!(!o.produced);
            assert_eq!(o.group_total, 19.0);
            assert!(near(o.payoff, if i == 0 { 16.0 } else { 15.0 }));
        }
    }

    /// docs/teaching.md: the task produces "if S reaches" (0.6 + 0.1 n) x E tokens. For a
    /// group of 6 with E = 20 that is 24 tokens, but (0.6 + 0.1 x 6.0) x 20.0 computes as
    /// 24.000000000000004 in floating point, so 24 tokens do not produce (also sizes 12, 17,
    /// 22, 23, 24, 29 at E = 20).
    #[test]
    fn a_per_member_group_of_six_reaching_the_minimum_produces() {
        let g = game(vec![6], Task::PerMember);
        for (size, needed) in [(6usize, 24.0), (12, 36.0), (17, 46.0), (29, 70.0)] {
            assert!(g.returns(size, needed).0, "size {size} at {needed}");
        }
    }

    // ---- Closing a round ----

    /// The teacher's screen and the CSV say who made each move: the student, the model for
    /// a student who did not decide, or a simulated seat.
    #[test]
    fn a_round_records_each_move_and_who_made_it() {
        let now = Instant::now();
        let (mut g, seats) = class(settings(vec![3], Task::Lab), 2);
        let (a, b) = (seats[0], seats[1]);
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        g.student(a, 1, 10.0, now).unwrap();
        assert!(g.tick(now + Duration::from_secs(90)));
        let round = g.history().to_vec();
        assert_eq!(round.len(), 3);
        let by = |seat: usize| outcome(&g, 1, seat).decided_by;
        assert_eq!(by(a), DecidedBy::Human);
        assert_eq!(by(b), DecidedBy::Model);
        assert_eq!(by(2), DecidedBy::Bot);
        assert_eq!(outcome(&g, 1, a).contribution, 10.0);
        let total: f64 = round.iter().map(|(_, o)| o.contribution).sum();
        for (_, o) in &round {
            assert_eq!((o.round, o.group), (1, 0));
            assert_eq!(o.group_total, total);
            assert!(o.produced);
            assert!(o.contribution.fract() == 0.0 && (0.0..=20.0).contains(&o.contribution));
            assert!(near(o.payoff, 20.0 - o.contribution + 0.4 * total));
        }
        // The CSV's `player` and `decided_by` columns.
        let text = csv(&g);
        let mut rows: Vec<(String, String)> = text
            .lines()
            .skip(1)
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                assert_eq!(f[5..8], ["lab", "3", "1"], "{l}");
                (f[3].to_string(), f[8].to_string())
            })
            .collect();
        rows.sort();
        let words = [("model", "bot"), ("student", "human"), ("student", "model")];
        assert_eq!(rows, words.map(|(p, d)| (p.to_string(), d.to_string())));
    }

    /// Each student's page shows their total, the sum of their payoffs; the game ends by
    /// itself after the last round.
    #[test]
    fn payoffs_add_up_over_rounds_and_the_game_ends_after_the_last() {
        let now = Instant::now();
        let (mut g, seats) = class(settings(vec![2], Task::Lab), 2);
        let (a, b) = (seats[0], seats[1]);
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        for r in 1..=3 {
            if r > 1 {
                g.teacher(TeacherMessage::NextRound {}, now).unwrap();
            }
            assert_eq!(g.phase(), Phase::Open(r));
            g.student(a, r, 10.0, now).unwrap();
            g.student(b, r, 0.0, now).unwrap();
        }
        assert_eq!(g.phase(), Phase::Ended);
        assert!(g.teacher(TeacherMessage::NextRound {}, now).is_err());
        // Each round: a gets 20 - 10 + 4 = 14, b gets 20 + 4 = 24.
        let view = g.student_view(a, now);
        assert!(near(view["total_payoff"].as_f64().unwrap(), 42.0), "{view}");
        assert!(near(
            g.student_view(b, now)["total_payoff"].as_f64().unwrap(),
            72.0
        ));
        assert_eq!(view["last"]["round"], 3);
        assert_eq!(view["phase"], "ended");
    }

    /// The model plays an undecided seat with its simulated citizen: a share of the
    /// endowment rounded to whole tokens, and a belief updated from the mean of the others.
    #[test]
    fn simulated_moves_follow_the_lab_subjects_rule() {
        let now = Instant::now();
        let s = Settings {
            rounds: 6,
            ..settings(vec![5], Task::Lab)
        };
        let mut g = Game::new("ABCD".into(), s, 7).unwrap();
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        let p = g.params.clone();
        let mut subjects: Vec<LabSubject> = (0..5).map(|id| LabSubject::new(&p, 7, id)).collect();
        for r in 1..=6 {
            if r > 1 {
                g.teacher(TeacherMessage::NextRound {}, now).unwrap();
            }
            g.teacher(TeacherMessage::CloseRound {}, now).unwrap();
            let moves: Vec<f64> = subjects
                .iter_mut()
                .map(|s| (s.contribute(&p) * 20.0).round())
                .collect();
            let total: f64 = moves.iter().sum();
            for (id, s) in subjects.iter_mut().enumerate() {
                assert_eq!(
                    outcome(&g, r, id).contribution,
                    moves[id],
                    "round {r}, seat {id}"
                );
                s.observe((total - moves[id]) / 4.0 / 20.0, &p);
            }
        }
    }

    // ---- The class's results ----

    /// The class line on the teacher's chart: students' own moves only, as a share of the
    /// endowment; rounds where no student decided (or not yet played) are gaps.
    #[test]
    fn class_means_average_the_students_own_moves() {
        let now = Instant::now();
        let (mut g, seats) = class(settings(vec![2], Task::Lab), 2);
        let (a, b) = (seats[0], seats[1]);
        assert_eq!(g.class_means(), vec![vec![None, None, None]]);
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        g.student(a, 1, 10.0, now).unwrap();
        g.student(b, 1, 5.0, now).unwrap();
        // Round 2: b does not decide; the model's move is not the class's.
        g.teacher(TeacherMessage::NextRound {}, now).unwrap();
        g.student(a, 2, 20.0, now).unwrap();
        g.teacher(TeacherMessage::CloseRound {}, now).unwrap();
        assert_eq!(outcome(&g, 2, b).decided_by, DecidedBy::Model);
        assert_eq!(
            g.class_means(),
            vec![vec![Some(0.375), Some(1.0), None]],
            "(10 + 5) / 2 / 20, then a's 20 / 20, round 3 not played"
        );
    }

    #[test]
    fn class_means_are_kept_per_group_size() {
        let now = Instant::now();
        let (mut g, seats) = class(settings(vec![2, 3], Task::Lab), 2);
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        let in_pairs = *seats.iter().find(|&&s| g.size_of(s) == 2).unwrap();
        let in_threes = *seats.iter().find(|&&s| g.size_of(s) == 3).unwrap();
        g.student(in_pairs, 1, 4.0, now).unwrap();
        g.student(in_threes, 1, 15.0, now).unwrap();
        assert_eq!(g.phase(), Phase::Results(1));
        assert_eq!(
            g.class_means(),
            vec![vec![Some(0.2), None, None], vec![Some(0.75), None, None]]
        );
    }

    /// The teacher's table by group size: groups in the last round, mean contribution
    /// share in the first and last rounds (everyone), share of groups producing in the last
    /// round, mean payoff per player and round.
    #[test]
    fn outcomes_by_size_summarise_the_first_and_last_rounds() {
        let now = Instant::now();
        let s = Settings {
            rounds: 2,
            ..settings(vec![2], Task::Joint)
        };
        let (mut g, _) = class(s, 4);
        assert_eq!(
            g.outcomes_by_size(),
            vec![SizeOutcome {
                size: 2,
                groups: 0,
                first: None,
                last: None,
                produced: None,
                payoff: None
            }]
        );
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        // Round 1: one group gives 10 + 10 (produces: 18 each), the other 5 + 0 (lost:
        // 15 and 20).
        let groups = groups_of(&g, 0);
        assert_eq!(groups.len(), 2);
        for (k, &s) in groups[0].iter().chain(&groups[1]).enumerate() {
            g.student(s, 1, [10.0, 10.0, 5.0, 0.0][k], now).unwrap();
        }
        // Round 2: 20 + 20 (16 each) and 6 + 6, just the 12 needed (18.8 each).
        g.teacher(TeacherMessage::NextRound {}, now).unwrap();
        let groups = groups_of(&g, 0);
        for (k, &s) in groups[0].iter().chain(&groups[1]).enumerate() {
            g.student(s, 2, [20.0, 20.0, 6.0, 6.0][k], now).unwrap();
        }
        assert_eq!(g.phase(), Phase::Ended);
        let out = g.outcomes_by_size();
        assert_eq!(out.len(), 1);
        let o = &out[0];
        assert_eq!((o.size, o.groups), (2, 2));
        assert!(near(o.first.unwrap(), 25.0 / 80.0));
        assert!(near(o.last.unwrap(), 52.0 / 80.0));
        assert_eq!(o.produced, Some(1.0));
        let payoffs = 18.0 + 18.0 + 15.0 + 20.0 + 16.0 + 16.0 + 18.8 + 18.8;
        assert!(near(o.payoff.unwrap(), payoffs / 8.0), "{o:?}");
    }

    #[test]
    fn outcomes_by_size_count_the_groups_that_produced() {
        let now = Instant::now();
        let (mut g, _) = class(settings(vec![2], Task::Joint), 4);
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        let groups = groups_of(&g, 0);
        for (k, &s) in groups[0].iter().chain(&groups[1]).enumerate() {
            g.student(s, 1, [12.0, 0.0, 11.0, 0.0][k], now).unwrap();
        }
        let o = &g.outcomes_by_size()[0];
        assert_eq!(o.groups, 2);
        assert_eq!(o.produced, Some(0.5));
        assert_eq!(o.first, o.last);
        assert!(near(o.first.unwrap(), 23.0 / 80.0));
    }

    // ---- Joining ----

    #[test]
    fn nicknames_are_kept_trimmed_when_allowed() {
        let s = Settings {
            nicknames: true,
            ..settings(vec![2], Task::Lab)
        };
        let mut g = Game::new("ABCD".into(), s, 1).unwrap();
        let (a, _) = g.join(Some("  Ann ".into()), None, token).unwrap();
        let (blank, _) = g.join(Some("   ".into()), None, token).unwrap();
        let (none, _) = g.join(None, None, token).unwrap();
        let (long, _) = g.join(Some("é".repeat(24)), None, token).unwrap();
        assert_eq!(g.nickname(a), Some("Ann"));
        assert_eq!(g.nickname(blank), None, "a blank nickname is none");
        assert_eq!(g.nickname(none), None);
        assert_eq!(
            g.nickname(long),
            Some("é".repeat(24).as_str()),
            "24 characters"
        );
        assert_eq!(g.nicknames(), vec!["Ann", "é".repeat(24).as_str()]);
        assert!(csv(&g).starts_with("game,"));
    }

    /// A nickname is shown on the teacher's screen: at most 24 printable characters.
    #[test]
    fn over_long_or_control_character_nicknames_are_refused() {
        let s = Settings {
            nicknames: true,
            ..settings(vec![2], Task::Lab)
        };
        let mut g = Game::new("ABCD".into(), s, 1).unwrap();
        for bad in ["a".repeat(25), "An\u{1b}[2Jn".into(), "A\u{7}".into()] {
            let err = g.join(Some(bad.clone()), None, token).unwrap_err();
            assert!(matches!(err, GameError::Invalid(_)), "{bad:?}");
            assert!(err.to_string().contains("at most 24 printable"), "{err}");
        }
        assert_eq!(g.humans(), 0, "a refused join takes no seat");
    }

    /// A right-to-left override in one nickname would reverse the names after it on the
    /// projector and reorder its CSV row; an invisible character makes a nickname look blank
    /// or like another student's. Both are refused, with what they are; ordinary
    /// right-to-left names and emoji (joined by U+200D) are kept.
    #[test]
    fn direction_changing_or_invisible_nicknames_are_refused() {
        let s = Settings {
            nicknames: true,
            ..settings(vec![2], Task::Lab)
        };
        let mut g = Game::new("ABCD".into(), s, 1).unwrap();
        for bad in [
            "\u{202e}evil",
            "Ann\u{2066}",
            "\u{200f}Bob",
            "\u{61c}x",
            "\u{200b}",
            "An\u{feff}n",
        ] {
            let err = g.join(Some(bad.into()), None, token).unwrap_err();
            assert!(matches!(err, GameError::Invalid(_)), "{bad:?}");
            assert!(
                err.to_string().contains("invisible or text-direction"),
                "{err}"
            );
        }
        assert_eq!(g.humans(), 0, "a refused join takes no seat");
        g.join(Some("שלום".into()), None, token).unwrap();
        let family = "\u{1f468}\u{200d}\u{1f469}\u{200d}\u{1f467}";
        g.join(Some(family.into()), None, token).unwrap();
        assert_eq!(g.nicknames(), vec!["שלום", family]);
    }

    /// The teacher's page lists the nicknames after "Here:", next to the count of students
    /// here: a student whose page closed is not listed, and is again once back.
    #[test]
    fn the_nicknames_listed_are_those_of_students_here() {
        let now = Instant::now();
        let s = Settings {
            nicknames: true,
            ..settings(vec![2], Task::Lab)
        };
        let mut g = Game::new("ABCD".into(), s, 1).unwrap();
        let (ann, tok) = g
            .join(Some("Ann".into()), None, || "tok-ann".into())
            .unwrap();
        g.join(Some("Bob".into()), None, token).unwrap();
        assert_eq!(g.nicknames(), vec!["Ann", "Bob"]);
        g.disconnect(ann, now);
        assert_eq!(g.seat_counts().1, 1);
        assert_eq!(g.nicknames(), vec!["Bob"], "Ann's page closed");
        g.join(None, Some(tok), token).unwrap();
        assert_eq!(g.nicknames(), vec!["Ann", "Bob"], "Ann is back");
        // The export keeps every nickname, here or not.
        g.disconnect(ann, now);
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        g.teacher(TeacherMessage::End {}, now).unwrap();
        assert!(csv(&g).contains(",Ann,"), "{}", csv(&g));
    }

    /// With nicknames off, whatever a student types is dropped, not refused.
    #[test]
    fn nicknames_are_dropped_when_not_allowed_whatever_they_are() {
        let mut g = game(vec![2], Task::Lab);
        let (a, _) = g.join(Some("a".repeat(100)), None, token).unwrap();
        let (b, _) = g.join(Some("A\u{1b}".into()), None, token).unwrap();
        assert_eq!((g.nickname(a), g.nickname(b)), (None, None));
        assert!(g.nicknames().is_empty());
        assert_eq!(g.humans(), 2);
    }

    #[test]
    fn a_game_takes_at_most_400_seats() {
        let mut g = game(vec![2], Task::Lab);
        for _ in 0..MAX_SEATS {
            g.join(None, None, token).unwrap();
        }
        assert_eq!(g.humans(), 400);
        let err = g.join(None, None, token).unwrap_err();
        assert_eq!(err.to_string(), "the game is full (400 seats)");
        assert_eq!(g.humans(), 400);
    }

    /// A rejoin token gives back that student's seat, and nobody can take a simulated
    /// seat (whose token is empty).
    #[test]
    fn a_rejoin_token_gives_back_only_its_own_students_seat() {
        let now = Instant::now();
        let (mut g, seats) = class(settings(vec![3], Task::Lab), 2);
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        assert_eq!(
            g.join(None, Some("tok1".into()), token).unwrap(),
            (seats[1], "tok1".into())
        );
        assert_eq!(
            g.join(None, Some("tok0".into()), token).unwrap().0,
            seats[0]
        );
        assert!(
            g.join(None, Some(String::new()), token).is_err(),
            "a bot's empty token"
        );
        assert!(g.join(None, Some("tok9".into()), token).is_err());
    }

    // ---- The teacher's lobby: removing students, closing joining ----

    fn remove(g: &mut Game, number: usize) -> Result<(), GameError> {
        g.teacher(TeacherMessage::Remove { seat: number }, Instant::now())
    }

    /// A removed student's seat is freed: the counts drop, their token no longer takes
    /// the seat back (and says why), their page can no longer act, and the groups are
    /// formed without them.
    #[test]
    fn removing_a_student_frees_the_seat_and_invalidates_the_token() {
        let now = Instant::now();
        let (mut g, seats) = class(settings(vec![2], Task::Lab), 3);
        remove(&mut g, seats[1] + 1).unwrap();
        assert!(g.is_removed(seats[1]));
        assert_eq!(g.humans(), 2);
        assert_eq!(g.seat_counts(), (2, 2, 0, 0), "no simulated seat either");
        let listed: Vec<usize> = g.students().map(|(s, _, _)| s).collect();
        assert_eq!(listed, [seats[0], seats[2]]);
        let err = g.join(None, Some("tok1".into()), token).unwrap_err();
        assert_eq!(err, GameError::OutOfOrder(REMOVED.into()));
        assert_eq!(
            g.seat_counts().1,
            2,
            "the refused rejoin is not counted here"
        );
        // Another student's token still works; a new join gets a new seat number.
        assert_eq!(
            g.join(None, Some("tok2".into()), token).unwrap().0,
            seats[2]
        );
        let (new, _) = g.join(None, None, || "tok3".into()).unwrap();
        assert_eq!(new, 3, "a removed seat's number is not given again");
        assert!(!g.disconnect(seats[1], now));
        assert_eq!(g.seat_counts(), (3, 3, 0, 0));
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        let err = g.student(seats[1], 1, 5.0, now).unwrap_err();
        assert_eq!(err, GameError::OutOfOrder(REMOVED_STARTED.into()));
        let err = g.join(None, Some("tok1".into()), token).unwrap_err();
        assert_eq!(
            err,
            GameError::OutOfOrder(REMOVED_STARTED.into()),
            "no rejoining now"
        );
        // Three students in groups of 2: two groups, one simulated citizen.
        assert_eq!(g.seat_counts(), (3, 3, 0, 1));
        g.teacher(TeacherMessage::CloseRound {}, now).unwrap();
        let played: Vec<usize> = g.history().iter().map(|(s, _)| *s).collect();
        assert_eq!(played.len(), 4);
        assert!(!played.contains(&seats[1]), "{played:?}");
        assert!(!csv(&g).contains(",2,student,"), "{}", csv(&g));
    }

    /// Removing frees a place in a full game: a prankster's 400 seats can be given back.
    #[test]
    fn removing_a_student_from_a_full_game_lets_another_join() {
        let mut g = game(vec![2], Task::Lab);
        for _ in 0..MAX_SEATS {
            g.join(None, None, token).unwrap();
        }
        assert!(g.join(None, None, token).is_err());
        remove(&mut g, 400).unwrap();
        assert_eq!(g.humans(), 399);
        g.join(None, None, token).unwrap();
        assert_eq!(g.humans(), 400);
    }

    #[test]
    fn only_a_students_seat_in_the_lobby_can_be_removed_and_only_once() {
        let now = Instant::now();
        let (mut g, _) = class(settings(vec![3], Task::Lab), 2);
        let msg = |r: Result<(), GameError>| r.unwrap_err().to_string();
        assert_eq!(msg(remove(&mut g, 0)), "no student has seat 0");
        assert_eq!(msg(remove(&mut g, 3)), "no student has seat 3");
        remove(&mut g, 2).unwrap();
        assert_eq!(msg(remove(&mut g, 2)), "seat 2 has already been removed");
        assert_eq!(g.humans(), 1);
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        let err = msg(remove(&mut g, 1));
        assert!(err.starts_with("the game has started: students can no longer be removed"));
        assert_eq!(g.humans(), 1, "nobody removed after the start");
        let simulated = g.seat_counts().3;
        assert!(remove(&mut g, 3).is_err(), "a simulated citizen's seat");
        assert_eq!(g.seat_counts().3, simulated);
        // A game ended in the lobby never started: it says so.
        let (mut ended, _) = class(settings(vec![3], Task::Lab), 2);
        ended.teacher(TeacherMessage::End {}, now).unwrap();
        assert_eq!(msg(remove(&mut ended, 1)), "the game has ended");
        let toggle = ended.teacher(TeacherMessage::CloseJoining {}, now);
        assert_eq!(msg(toggle), "the game has ended");
    }

    /// "Remove everyone not here" removes only the students with no page connected, each
    /// as Remove does (not counted, not listed, token refused, number not given again);
    /// a student here, even one back after a reload, keeps their seat. A second click
    /// changes nothing; once the game has started or ended it is refused.
    #[test]
    fn removing_everyone_not_here_removes_only_the_absent() {
        let now = Instant::now();
        let (mut g, seats) = class(settings(vec![2], Task::Lab), 5);
        // Seats 2 and 4 left; seat 5 left and came back.
        for s in [seats[1], seats[3], seats[4]] {
            g.disconnect(s, now);
        }
        g.join(None, Some("tok4".into()), token).unwrap();
        assert_eq!(g.seat_counts(), (5, 3, 0, 0));
        g.teacher(TeacherMessage::RemoveAway {}, now).unwrap();
        assert!(g.is_removed(seats[1]) && g.is_removed(seats[3]));
        assert_eq!(g.humans(), 3);
        assert_eq!(g.seat_counts(), (3, 3, 0, 0));
        let listed: Vec<(usize, bool)> = g.students().map(|(s, _, here)| (s, here)).collect();
        assert_eq!(
            listed,
            [(seats[0], true), (seats[2], true), (seats[4], true)]
        );
        for gone in ["tok1", "tok3"] {
            let err = g.join(None, Some(gone.into()), token).unwrap_err();
            assert_eq!(err, GameError::OutOfOrder(REMOVED.into()), "{gone}");
        }
        assert_eq!(g.seat_counts().1, 3, "refused rejoins are not counted here");
        // Nobody away: nothing to do, and no error for a second click.
        g.teacher(TeacherMessage::RemoveAway {}, now).unwrap();
        assert_eq!(g.seat_counts(), (3, 3, 0, 0));
        let (new, _) = g.join(None, None, || "tok5".into()).unwrap();
        assert_eq!(new, 5, "removed seats' numbers are not given again");
        // After the start a student who left is played by their simulated citizen.
        g.disconnect(seats[2], now);
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        let err = g.teacher(TeacherMessage::RemoveAway {}, now).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("the game has started: students can no longer be removed"),
            "{err}"
        );
        assert_eq!(g.humans(), 4, "nobody removed after the start");
        assert!(!g.is_removed(seats[2]));
        // A game ended in the lobby says so, and keeps its students.
        let (mut ended, seats) = class(settings(vec![3], Task::Lab), 2);
        ended.disconnect(seats[0], now);
        ended.teacher(TeacherMessage::End {}, now).unwrap();
        let err = ended.teacher(TeacherMessage::RemoveAway {}, now);
        assert_eq!(err.unwrap_err().to_string(), "the game has ended");
        assert_eq!(ended.humans(), 2);
    }

    /// While joining is closed nobody new gets a seat, and students who joined still take
    /// theirs back (a reload, a second tab); opening it lets new students in again.
    #[test]
    fn closed_joining_refuses_new_students_but_not_those_who_joined() {
        let now = Instant::now();
        let (mut g, seats) = class(settings(vec![2], Task::Lab), 2);
        g.teacher(TeacherMessage::CloseJoining {}, now).unwrap();
        assert!(!g.joining_open());
        let err = g.join(None, None, token).unwrap_err();
        assert_eq!(err.to_string(), JOINING_CLOSED);
        assert_eq!(g.humans(), 2, "a refused join takes no seat");
        assert_eq!(
            g.join(None, Some("tok0".into()), token).unwrap().0,
            seats[0]
        );
        g.teacher(TeacherMessage::OpenJoining {}, now).unwrap();
        assert!(g.joining_open());
        g.join(None, None, token).unwrap();
        assert_eq!(g.humans(), 3);
        g.teacher(TeacherMessage::CloseJoining {}, now).unwrap();
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        for toggle in [
            TeacherMessage::OpenJoining {},
            TeacherMessage::CloseJoining {},
        ] {
            let err = g.teacher(toggle, now).unwrap_err();
            assert_eq!(
                err.to_string(),
                "the game has started: nobody new can join it"
            );
        }
    }

    /// The teacher's commands come only from the teacher's socket, which needs the key; a
    /// student's socket reads student messages, which cannot say "remove" or "close
    /// joining".
    #[test]
    fn a_student_message_cannot_remove_or_close_joining() {
        for text in [
            r#"{"type":"remove","seat":1}"#,
            r#"{"type":"remove_away"}"#,
            r#"{"type":"close_joining"}"#,
            r#"{"type":"open_joining"}"#,
        ] {
            assert!(
                serde_json::from_str::<StudentMessage>(text).is_err(),
                "{text}"
            );
            assert!(
                serde_json::from_str::<TeacherMessage>(text).is_ok(),
                "{text}"
            );
        }
        let parse = serde_json::from_str::<TeacherMessage>;
        assert!(parse(r#"{"type":"remove"}"#).is_err(), "a seat is needed");
        assert!(parse(r#"{"type":"remove","seat":-1}"#).is_err());
        assert!(parse(r#"{"type":"close_joining","seat":1}"#).is_err());
        assert!(parse(r#"{"type":"remove_away","seat":1}"#).is_err());
    }

    /// Refusals tell the student what is going on.
    #[test]
    fn refusals_say_where_the_game_is() {
        let now = Instant::now();
        let (mut g, seats) = class(settings(vec![2], Task::Lab), 2);
        let msg = |r: Result<(), GameError>| r.unwrap_err().to_string();
        assert_eq!(
            msg(g.student(seats[0], 1, 5.0, now)),
            "the game has not started yet"
        );
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        let err = g.join(None, None, token).unwrap_err();
        assert!(err.to_string().contains("the game has started"), "{err}");
        g.teacher(TeacherMessage::CloseRound {}, now).unwrap();
        assert_eq!(
            msg(g.student(seats[0], 1, 5.0, now)),
            "this round is closed; wait for the next one"
        );
        g.teacher(TeacherMessage::End {}, now).unwrap();
        assert_eq!(msg(g.student(seats[0], 1, 5.0, now)), "the game has ended");
        let err = g.join(None, None, token).unwrap_err();
        assert_eq!(err, GameError::OutOfOrder("the game has ended".into()));
    }

    // ---- The teacher's and students' screens ----

    #[test]
    fn seats_are_counted_for_the_teacher() {
        let now = Instant::now();
        let (mut g, seats) = class(settings(vec![3, 8], Task::Lab), 4);
        assert_eq!(g.seat_counts(), (4, 4, 0, 0));
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        // Two students in a group of 3 (1 simulated), two in a group of 8 (6 simulated).
        assert_eq!(g.seat_counts(), (4, 4, 0, 7));
        assert_eq!(g.humans(), 4);
        g.student(seats[0], 1, 3.0, now).unwrap();
        g.disconnect(seats[1], now);
        assert_eq!(g.seat_counts(), (4, 3, 1, 7));
        let all = 0..g.seats.len();
        assert_eq!(all.clone().filter(|&s| g.is_human(s)).count(), 4);
        assert!(seats.iter().all(|&s| g.is_human(s)));
        assert_eq!(all.clone().filter(|&s| g.size_of(s) == 3).count(), 3);
        assert_eq!(all.filter(|&s| g.size_of(s) == 8).count(), 8);
    }

    /// The model band is computed for the class's own groups: those the class line of each
    /// size averages (its students) and the groups they sit in with simulated citizens.
    #[test]
    fn the_class_groups_count_each_sizes_students_and_groups_once_started() {
        let now = Instant::now();
        let (mut g, _) = class(settings(vec![4, 8], Task::Lab), 11);
        assert_eq!(g.class_groups(), None, "no groups in the lobby");
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        // Dealt in turn: 6 students in groups of 4 (2 groups, 2 simulated citizens), 5 in
        // one group of 8 (3 simulated citizens).
        assert_eq!(g.class_groups(), Some(vec![(6, 2), (5, 1)]));
        let (mut g, _) = class(settings(vec![3, 8], Task::Lab), 1);
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        assert_eq!(g.class_groups(), Some(vec![(1, 1), (0, 1)]));
        let (mut g, _) = class(settings(vec![3], Task::Lab), 2);
        g.teacher(TeacherMessage::End {}, now).unwrap();
        assert_eq!(
            g.class_groups(),
            None,
            "a game ended in the lobby formed no groups"
        );
    }

    #[test]
    fn seconds_left_count_down_from_the_round_length() {
        let now = Instant::now();
        let (mut g, _) = class(settings(vec![2], Task::Lab), 2);
        assert_eq!(g.seconds_left(now), None, "no round open");
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        assert_eq!(g.seconds_left(now), Some(90));
        assert_eq!(g.seconds_left(now + Duration::from_secs(30)), Some(60));
        assert_eq!(g.seconds_left(now + Duration::from_secs(200)), Some(0));
        g.teacher(TeacherMessage::CloseRound {}, now).unwrap();
        assert_eq!(g.seconds_left(now), None);
        g.teacher(TeacherMessage::NextRound {}, now + Duration::from_secs(100))
            .unwrap();
        assert_eq!(g.seconds_left(now + Duration::from_secs(100)), Some(90));
    }

    #[test]
    fn a_round_stays_open_until_its_time_is_up() {
        let now = Instant::now();
        let (mut g, _) = class(settings(vec![2], Task::Lab), 2);
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        assert!(!g.tick(now + Duration::from_secs(89)));
        assert_eq!(g.phase(), Phase::Open(1));
        assert!(g.tick(now + Duration::from_secs(90)));
        assert_eq!(g.phase(), Phase::Results(1));
        assert!(
            !g.tick(now + Duration::from_secs(200)),
            "nothing open to close"
        );
    }

    #[test]
    fn a_students_view_shows_the_round_and_their_last_result() {
        let now = Instant::now();
        let (mut g, seats) = class(settings(vec![2], Task::PerMember), 2);
        let a = seats[0];
        let view = g.student_view(a, now);
        assert_eq!(view["type"], "state");
        assert_eq!(view["phase"], "lobby");
        assert_eq!(view["group_size"], serde_json::Value::Null);
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        g.student(a, 1, 8.0, now).unwrap();
        let view = g.student_view(a, now + Duration::from_secs(10));
        assert_eq!(
            (&view["phase"], &view["round"], &view["rounds"]),
            (&"open".into(), &1.into(), &3.into())
        );
        assert_eq!(
            (&view["task"], &view["group_size"]),
            (&"per_member".into(), &2.into())
        );
        assert_eq!(view["endowment"], 20.0);
        assert_eq!(view["submitted"], 8.0);
        assert_eq!(view["seconds_left"], 80);
        assert_eq!(view["last"], serde_json::Value::Null);
        g.student(seats[1], 1, 8.0, now).unwrap();
        // 16 tokens, just the (0.6 + 0.1 x 2) x 20 needed: 20 - 8 + 16 x 0.784 = 24.544.
        let view = g.student_view(a, now);
        assert_eq!(view["phase"], "results");
        assert_eq!(view["last"]["group_total"], 16.0);
        assert_eq!(view["last"]["produced"], true);
        assert!(
            near(view["last"]["payoff"].as_f64().unwrap(), 24.544),
            "{view}"
        );
        assert!(near(view["total_payoff"].as_f64().unwrap(), 24.544));
    }

    // ---- Matching ----

    #[test]
    fn students_are_not_grouped_in_the_order_they_joined() {
        let now = Instant::now();
        let (mut g, seats) = class(settings(vec![2], Task::Lab), 8);
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        let mut lineup = g.lineup[0].clone();
        assert_ne!(lineup, seats);
        lineup.sort_unstable();
        assert_eq!(lineup, seats, "everyone is seated once");
    }

    /// Strangers (the default): new groups every round.
    #[test]
    fn strangers_get_new_groups() {
        let now = Instant::now();
        let (mut g, _) = class(settings(vec![2], Task::Lab), 8);
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        g.teacher(TeacherMessage::CloseRound {}, now).unwrap();
        for _ in 2..=3 {
            g.teacher(TeacherMessage::NextRound {}, now).unwrap();
            g.teacher(TeacherMessage::CloseRound {}, now).unwrap();
        }
        let first = partition(&g, 1);
        assert_eq!(first.len(), 4);
        assert_ne!(partition(&g, 2), first);
        assert_ne!(partition(&g, 3), partition(&g, 2));
    }

    /// Partners: the groups of round 1 stay together.
    #[test]
    fn partners_keep_their_groups() {
        let now = Instant::now();
        let s = Settings {
            rematch: false,
            ..settings(vec![2], Task::Lab)
        };
        let (mut g, _) = class(s, 8);
        g.teacher(TeacherMessage::Start {}, now).unwrap();
        g.teacher(TeacherMessage::CloseRound {}, now).unwrap();
        for _ in 2..=3 {
            g.teacher(TeacherMessage::NextRound {}, now).unwrap();
            g.teacher(TeacherMessage::CloseRound {}, now).unwrap();
        }
        assert_eq!(partition(&g, 1).len(), 4);
        assert_eq!(partition(&g, 2), partition(&g, 1));
        assert_eq!(partition(&g, 3), partition(&g, 1));
    }
}
