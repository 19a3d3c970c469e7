//! Fuzz test of the game protocol: any sequence of messages, well-formed or not, from any
//! seat or the teacher, in any order, never panics, and afterwards the teacher can always
//! play the game to its end (no stuck game).

use std::time::{Duration, Instant};

use coprod_serve::game::{Game, Phase, Settings, StudentMessage, TeacherMessage};
use proptest::prelude::*;

/// A raw message from someone: the teacher or a seat (possibly one that does not exist).
#[derive(Debug, Clone)]
enum Raw {
    Teacher(String),
    Student(usize, String),
    Tick(u64),
    Disconnect(usize),
}

fn json_message() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(r#"{"type":"start"}"#.to_string()),
        Just(r#"{"type":"close_round"}"#.to_string()),
        Just(r#"{"type":"next_round"}"#.to_string()),
        Just(r#"{"type":"end"}"#.to_string()),
        (0usize..14).prop_map(|s| format!(r#"{{"type":"remove","seat":{s}}}"#)),
        Just(r#"{"type":"remove_away"}"#.to_string()),
        Just(r#"{"type":"close_joining"}"#.to_string()),
        Just(r#"{"type":"open_joining"}"#.to_string()),
        Just(r#"{"type":"join"}"#.to_string()),
        "[a-z]{0,30}".prop_map(|n| format!(r#"{{"type":"join","nickname":"{n}"}}"#)),
        "[a-z0-9]{0,16}".prop_map(|t| format!(r#"{{"type":"join","token":"{t}"}}"#)),
        (0u32..14, -5.0f64..30.0)
            .prop_map(|(r, a)| format!(r#"{{"type":"contribute","round":{r},"amount":{a}}}"#)),
        (0u32..14).prop_map(|r| format!(r#"{{"type":"contribute","round":{r},"amount":1e309}}"#)),
        ".{0,40}",
        Just(r#"{"type":"contribute","round":-1,"amount":"x"}"#.to_string()),
        Just(r#"{"type":"start","extra":1}"#.to_string()),
    ]
}

fn raw() -> impl Strategy<Value = Raw> {
    prop_oneof![
        json_message().prop_map(Raw::Teacher),
        (0usize..12, json_message()).prop_map(|(s, m)| Raw::Student(s, m)),
        (0u64..200).prop_map(Raw::Tick),
        (0usize..12).prop_map(Raw::Disconnect),
    ]
}

fn apply(game: &mut Game, seats: &mut Vec<usize>, raw: &Raw, now: Instant) {
    match raw {
        Raw::Teacher(text) => {
            if let Ok(m) = serde_json::from_str::<TeacherMessage>(text) {
                let _ = game.teacher(m, now);
            }
        }
        Raw::Student(who, text) => match serde_json::from_str::<StudentMessage>(text) {
            Ok(StudentMessage::Join { nickname, token }) => {
                let n = seats.len();
                if let Ok((seat, _)) = game.join(nickname, token, || format!("token{n}")) {
                    seats.push(seat);
                }
            }
            Ok(StudentMessage::Contribute { round, amount }) => {
                let seat = seats.get(*who).copied().unwrap_or(*who + 1000);
                let _ = game.student(seat, round, amount, now);
            }
            Err(_) => {}
        },
        Raw::Tick(seconds) => {
            game.tick(now + Duration::from_secs(*seconds));
        }
        Raw::Disconnect(who) => {
            if let Some(&seat) = seats.get(*who) {
                game.disconnect(seat, now);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]
    #[test]
    fn no_message_sequence_panics_or_sticks(messages in prop::collection::vec(raw(), 0..80), sizes in prop::collection::btree_set(2u32..10, 1..3)) {
        // Different sizes: a size given twice is refused.
        let sizes = sizes.into_iter().collect();
        let settings = Settings { sizes, rounds: 4, round_seconds: 30, ..Settings::default() };
        let mut game = Game::new("TEST".into(), settings, 7).unwrap();
        let mut seats = Vec::new();
        let now = Instant::now();
        for m in &messages {
            apply(&mut game, &mut seats, m, now);
        }
        // The teacher can always finish the game, in at most two commands per round.
        for _ in 0..12 {
            let command = match game.phase() {
                Phase::Lobby => TeacherMessage::Start {},
                Phase::Open(_) => TeacherMessage::CloseRound {},
                Phase::Results(_) => TeacherMessage::NextRound {},
                Phase::Ended => break,
            };
            prop_assert!(game.teacher(command, now).is_ok());
        }
        prop_assert_eq!(game.phase(), Phase::Ended);
        // Every row of the export has every field, and the payoffs are finite.
        let csv = coprod_serve::game::csv(&game);
        let header_fields = csv.lines().next().unwrap().split(',').count();
        for line in csv.lines() {
            prop_assert!(line.split(',').count() >= header_fields);
        }
        prop_assert!(game.history().iter().all(|(_, o)| o.payoff.is_finite()));
    }
}
