//! The explore page's model: the controls a class plays with, a model run step by step, and
//! the frame (charts and community view) sent to the page after every step.
//!
//! One [`Explore`] per open page, so two tabs never share a run. Every value is checked
//! against the parameter table (and the classroom's population limits) before it is used.

use coprod_core::{Model, Params, StepMetrics};
use serde::Deserialize;

use crate::svg::{self, COLOURS, Line};

/// Citizens per community in the explore page (the population slider sets the number of
/// communities with it).
pub const CITIZENS_PER_COMMUNITY: f64 = 100.0;
/// Population limits of the explore page: small enough to step several times a second.
pub const POPULATION: (f64, f64) = (200.0, 5000.0);
/// Most steps a run keeps on the charts (20 years).
pub const MAX_STEPS: u32 = 240;

/// When a control's new value takes effect.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applies {
    /// At the next step, as an intervention does.
    NextStep,
    /// At the next Setup (it shapes the population).
    Setup,
}

/// One slider or choice of the explore page.
pub struct Control {
    /// Parameter name in the parameter table.
    pub name: &'static str,
    /// Label on the page.
    pub label: &'static str,
    /// Slider range and step on the page (the server accepts the table's whole range,
    /// except for the population).
    pub slider: (f64, f64, f64),
    /// When it takes effect.
    pub applies: Applies,
}

/// The forces a class plays with, in the order the page shows them.
pub const CONTROLS: &[Control] = &[
    Control {
        name: "levers.group_size_cap",
        label: "Largest group size",
        slider: (2.0, 40.0, 1.0),
        applies: Applies::NextStep,
    },
    Control {
        name: "groups.service",
        label: "Service regime",
        slider: (0.0, 1.0, 1.0),
        applies: Applies::NextStep,
    },
    Control {
        name: "groups.coordination_cost",
        label: "Coordination cost per extra member",
        slider: (0.0, 0.1, 0.005),
        applies: Applies::NextStep,
    },
    Control {
        name: "behaviour.attention",
        label: "Peers a member can watch",
        slider: (1.0, 20.0, 1.0),
        applies: Applies::NextStep,
    },
    Control {
        name: "levers.participation_cost",
        label: "Cost of taking part",
        slider: (0.0, 2.0, 0.05),
        applies: Applies::NextStep,
    },
    Control {
        name: "citizens.trust_mean",
        label: "Citizens' trust in the organisation",
        slider: (0.0, 1.0, 0.05),
        applies: Applies::Setup,
    },
    Control {
        name: "groups.professional_input",
        label: "Professional support per group",
        slider: (0.0, 2.0, 0.05),
        applies: Applies::NextStep,
    },
    Control {
        name: "population.n_citizens",
        label: "Citizens",
        slider: (POPULATION.0, POPULATION.1, 100.0),
        applies: Applies::Setup,
    },
];

/// What the explore page sends. Commands without a value are empty structs, not unit
/// variants: serde refuses unknown fields only in structs.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum ExploreMessage {
    /// Change a control (applies at the next step, or at Setup for the population).
    Set {
        /// Parameter name.
        name: String,
        /// New value (an option's index for choices).
        value: f64,
    },
    /// Build a new population with the current values.
    Setup {},
    /// Run continuously.
    Go {},
    /// Stop running.
    Pause {},
    /// One step.
    Step {},
    /// Steps per second while running (1 to 20).
    Speed {
        /// Steps per second.
        value: f64,
    },
    /// Which community the view shows.
    Community {
        /// Community number.
        value: u32,
    },
}

/// One page's run.
pub struct Explore {
    params: Params,
    model: Model,
    metrics: Vec<StepMetrics>,
    community: u32,
    seed: u64,
    /// Whether Go is on.
    pub running: bool,
    /// Steps per second while running.
    pub speed: f64,
}

/// The parameters the page starts from: the keen community of the group-size lesson, so
/// groups form within the first months.
pub fn start_params() -> Params {
    let mut p = Params::defaults();
    for (name, value) in [
        ("population.n_citizens", 1000.0),
        ("population.n_communities", 10.0),
        ("join.base", -3.0),
        ("orgs.opportunity_rate", 0.1),
        ("groups.formation_steps", 12.0),
    ] {
        p.set(name, value)
            .expect("the starting values are in range");
    }
    p
}

impl Explore {
    /// A page's run, set up with the starting values.
    pub fn new(seed: u64) -> Explore {
        let params = start_params();
        Explore {
            model: Model::new(&params, seed),
            params,
            metrics: Vec::new(),
            community: 0,
            seed,
            running: false,
            speed: 4.0,
        }
    }

    /// Handles one message; the error is shown on the page.
    pub fn handle(&mut self, message: ExploreMessage) -> Result<bool, String> {
        match message {
            ExploreMessage::Set { name, value } => self.set(&name, value).map(|()| false),
            ExploreMessage::Setup {} => {
                self.setup();
                Ok(true)
            }
            ExploreMessage::Go {} => {
                self.running = true;
                Ok(false)
            }
            ExploreMessage::Pause {} => {
                self.running = false;
                Ok(false)
            }
            ExploreMessage::Step {} => {
                self.step();
                Ok(true)
            }
            ExploreMessage::Speed { value } => {
                if !(value.is_finite() && (1.0..=20.0).contains(&value)) {
                    return Err("speed is out of range: allowed is 1 to 20 steps per second".into());
                }
                self.speed = value;
                Ok(false)
            }
            ExploreMessage::Community { value } => {
                let n = self.model.n_communities();
                if value >= n {
                    // The menu's values count from 0 and its labels from 1.
                    return Err(format!(
                        "community {value} does not exist: allowed is 0 to {}, which the page \
                         shows as Community 1 to {n}",
                        n - 1
                    ));
                }
                self.community = value;
                Ok(true)
            }
        }
    }

    fn set(&mut self, name: &str, value: f64) -> Result<(), String> {
        let Some(control) = CONTROLS.iter().find(|c| c.name == name) else {
            return Err(format!("`{name}` is not a control of this page"));
        };
        // The page's narrower range first, so a refused population names the range this
        // page allows rather than the parameter table's.
        let population = control.name == "population.n_citizens";
        if population && !(value.fract() == 0.0 && (POPULATION.0..=POPULATION.1).contains(&value)) {
            return Err(format!(
                "`{name}` = {value} is out of range: allowed on this page is a whole number \
                 from {} to {}",
                POPULATION.0, POPULATION.1
            ));
        }
        let (_, spec) = Params::lookup(name).map_err(|e| e.to_string())?;
        if let coprod_core::Kind::Choice(options) = spec.kind {
            check_option(name, value, options)?;
        }
        let mut p = self.params.clone();
        p.set(name, value).map_err(|e| e.to_string())?;
        if population {
            p.n_communities = (value / CITIZENS_PER_COMMUNITY).floor().max(1.0);
        }
        p.validate().map_err(|e| e.to_string())?;
        self.params = p;
        Ok(())
    }

    /// A new population from the current values (the same seed, so Setup after a change
    /// shows the change, not a different draw).
    pub fn setup(&mut self) {
        self.model = Model::new(&self.params, self.seed);
        self.metrics.clear();
        self.community = self.community.min(self.model.n_communities() - 1);
    }

    /// One step with the values in force (or Setup and a step after the chart is full).
    pub fn step(&mut self) {
        if self.metrics.len() as u32 >= MAX_STEPS {
            self.setup();
        }
        let m = self.model.step(&self.params);
        self.metrics.push(m);
    }

    /// Steps taken since Setup.
    pub fn steps(&self) -> usize {
        self.metrics.len()
    }

    /// The frame for the page: counters, charts and the community view.
    pub fn frame(&self) -> serde_json::Value {
        let series = |f: fn(&StepMetrics) -> f64, colour: &'static str, name: &str| Line {
            name: name.into(),
            points: self
                .metrics
                .iter()
                .map(|m| (f64::from(m.step + 1), Some(f(m))))
                .collect(),
            colour,
            dashed: false,
            band: Vec::new(),
        };
        let x = (0.0, 24.0);
        let participation = svg::line_chart(
            "participation",
            "Citizens in a group (%)",
            "month",
            &[series(
                |m| 100.0 * m.participation_rate,
                COLOURS[0],
                "in a group",
            )],
            x,
            (0.0, 5.0),
        );
        let groups = svg::line_chart(
            "groups",
            "Active groups",
            "month",
            &[series(|m| m.active_groups, COLOURS[2], "active")],
            x,
            (0.0, 5.0),
        );
        let contribution = svg::line_chart(
            "contribution",
            "Mean contribution of members",
            "month",
            &[series(
                |m| m.mean_contribution,
                COLOURS[5],
                "share of effort",
            )],
            x,
            (0.0, 1.0),
        );
        let lifetimes = svg::bar_chart(
            "lifetimes",
            "Months groups lasted so far, by size",
            "members when the group started",
            &self.lifetimes(),
        );
        let view = self.model.community_view(self.community);
        let last = self.metrics.last();
        serde_json::json!({
            "type": "frame",
            "step": self.metrics.len(),
            "running": self.running,
            "speed": self.speed,
            "participation": last.map_or(0.0, |m| m.participation_rate),
            "active_groups": last.map_or(0.0, |m| m.active_groups),
            "communities": self.model.n_communities(),
            "community_shown": self.community,
            "values": CONTROLS.iter().map(|c| (c.name.to_string(), serde_json::json!(self.params.get(c.name).unwrap_or(f64::NAN)))).collect::<serde_json::Map<_, _>>(),
            "charts": [participation, groups, contribution, lifetimes],
            "community": svg::community(&view, &format!("Community {} of {}", self.community + 1, self.model.n_communities())),
        })
    }

    /// Mean months lasted by size at formation (groups that started; those still running
    /// count their age so far): months producing, as runs.csv's `mean_group_lifetime`.
    fn lifetimes(&self) -> Vec<(String, Option<f64>)> {
        const CLASSES: [(u32, u32, &str); 4] = [
            (1, 3, "2-3"),
            (4, 6, "4-6"),
            (7, 12, "7-12"),
            (13, u32::MAX, "13+"),
        ];
        let now = self.metrics.len() as u32;
        let records = self.model.group_records();
        CLASSES
            .iter()
            .map(|&(lo, hi, label)| {
                let ages: Vec<f64> = records
                    .iter()
                    .filter(|g| (lo..=hi).contains(&g.size_at_formation))
                    .filter_map(|g| coprod_core::spell(g, now))
                    .map(|(months, _)| f64::from(months))
                    .collect();
                let mean = (!ages.is_empty()).then(|| ages.iter().sum::<f64>() / ages.len() as f64);
                (label.to_string(), mean)
            })
            .collect()
    }
}

/// A choice's value as the page sends it: the index of one of `options`. The parameter
/// table's own message names the options' words (`"per_member"`), which this protocol does
/// not take, so a refused index is answered with the indices it does take.
fn check_option(name: &str, value: f64, options: &[&str]) -> Result<(), String> {
    let index_ok = value.fract() == 0.0 && value >= 0.0 && value < options.len() as f64;
    if index_ok {
        return Ok(());
    }
    let mut allowed: Vec<String> = options
        .iter()
        .enumerate()
        .map(|(i, o)| format!("{i} ({o})"))
        .collect();
    let last = allowed.pop().unwrap_or_default();
    let allowed = if allowed.is_empty() {
        last
    } else {
        format!("{} or {last}", allowed.join(", "))
    };
    Err(format!(
        "`{name}` = {value} is out of range: allowed is {allowed}"
    ))
}

/// The controls as JSON for the page (name, label, slider range, options, when it applies).
pub fn controls_json() -> serde_json::Value {
    let params = start_params();
    serde_json::Value::Array(
        CONTROLS
            .iter()
            .map(|c| {
                let (_, spec) = Params::lookup(c.name).expect("controls name table parameters");
                let options = match spec.kind {
                    coprod_core::Kind::Choice(o) => o.to_vec(),
                    _ => Vec::new(),
                };
                serde_json::json!({
                    "name": c.name, "label": c.label, "min": c.slider.0, "max": c.slider.1,
                    "step": c.slider.2, "value": params.get(c.name).unwrap_or(spec.default),
                    "options": options, "unit": spec.unit, "doc": spec.doc,
                    "applies": match c.applies { Applies::NextStep => "next step", Applies::Setup => "Setup" },
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use coprod_core::EndReason;

    #[test]
    fn a_command_with_an_unknown_field_is_malformed() {
        let parse = |text: &str| serde_json::from_str::<ExploreMessage>(text);
        assert!(matches!(
            parse(r#"{"type":"step"}"#),
            Ok(ExploreMessage::Step {})
        ));
        let err = parse(r#"{"type":"step","extra":1}"#).unwrap_err();
        assert!(err.to_string().contains("unknown field `extra`"), "{err}");
        for text in [r#"{"type":"go","x":0}"#, r#"{"type":"setup","n":1}"#] {
            assert!(parse(text).is_err(), "{text}");
        }
    }

    /// The population's allowed values on this page are 200 to 5000 whole citizens: a
    /// refused value is answered with that range, not the parameter table's wider one
    /// (4 to 50000000), which the page would refuse anyway.
    #[test]
    fn a_refused_population_is_answered_with_the_pages_range() {
        let mut e = Explore::new(1);
        for value in [250.5, 3.0, 4.0, 1e9, 199.0, 5001.0] {
            let err = e
                .handle(ExploreMessage::Set {
                    name: "population.n_citizens".into(),
                    value,
                })
                .unwrap_err();
            assert_eq!(
                err,
                format!(
                    "`population.n_citizens` = {value} is out of range: allowed on this page is \
                     a whole number from 200 to 5000"
                )
            );
        }
        assert_eq!(e.params.n_citizens, 1000.0, "the run keeps its value");
    }

    #[test]
    fn out_of_range_values_are_refused_and_the_run_goes_on() {
        let mut e = Explore::new(1);
        let set = |name: &str, value: f64| ExploreMessage::Set {
            name: name.into(),
            value,
        };
        assert!(
            e.handle(set("levers.group_size_cap", 0.0))
                .unwrap_err()
                .contains("allowed is")
        );
        assert!(
            e.handle(set("population.n_citizens", 1e6))
                .unwrap_err()
                .contains("200 to 5000")
        );
        assert!(e.handle(set("join.base", 1.0)).is_err(), "not a control");
        assert!(e.handle(set("groups.service", 2.0)).is_err());
        assert!(
            e.handle(ExploreMessage::Speed {
                value: f64::INFINITY
            })
            .is_err()
        );
        e.handle(set("levers.group_size_cap", 12.0)).unwrap();
        e.handle(ExploreMessage::Step {}).unwrap();
        assert_eq!(e.steps(), 1);
        assert_eq!(e.frame()["values"]["levers.group_size_cap"], 12.0);
    }

    /// A choice is sent as the index of its option (the page's select sends 0 or 1), so a
    /// refused value names the indices, not the option words the protocol would refuse.
    #[test]
    fn a_refused_choice_names_the_indices_the_page_sends() {
        let mut e = Explore::new(1);
        for value in [0.5, 2.0, -1.0, f64::NAN] {
            let err = e
                .handle(ExploreMessage::Set {
                    name: "groups.service".into(),
                    value,
                })
                .unwrap_err();
            assert_eq!(
                err,
                format!(
                    "`groups.service` = {value} is out of range: allowed is 0 (per_member) \
                     or 1 (joint)"
                )
            );
        }
        for value in [1.0, 0.0] {
            let set = ExploreMessage::Set {
                name: "groups.service".into(),
                value,
            };
            assert_eq!(e.handle(set), Ok(false));
            assert_eq!(e.frame()["values"]["groups.service"], value);
        }
    }

    #[test]
    fn three_options_are_listed_with_commas() {
        let err = check_option("x", 3.0, &["a", "b", "c"]).unwrap_err();
        assert_eq!(
            err,
            "`x` = 3 is out of range: allowed is 0 (a), 1 (b) or 2 (c)"
        );
    }

    #[test]
    fn population_changes_at_setup_with_whole_communities() {
        let mut e = Explore::new(1);
        e.handle(ExploreMessage::Set {
            name: "population.n_citizens".into(),
            value: 300.0,
        })
        .unwrap();
        e.handle(ExploreMessage::Setup {}).unwrap();
        assert_eq!(e.frame()["communities"], 3);
        for _ in 0..12 {
            e.step();
        }
        assert!(e.frame()["community"].as_str().unwrap().contains("<circle"));
    }

    #[test]
    fn the_page_starts_from_the_keen_community_of_the_group_size_experiments() {
        // docs/ODD.md: join.base = -3, groups.formation_steps = 12,
        // orgs.opportunity_rate = 0.1, 10 communities (of 100 citizens on this page).
        let p = start_params();
        for (name, value) in [
            ("join.base", -3.0),
            ("groups.formation_steps", 12.0),
            ("orgs.opportunity_rate", 0.1),
            ("population.n_communities", 10.0),
            ("population.n_citizens", 1000.0),
        ] {
            assert_eq!(p.get(name).unwrap(), value, "{name}");
        }
    }

    #[test]
    fn speed_is_taken_from_1_to_20_steps_per_second() {
        let mut e = Explore::new(1);
        for value in [0.5, 25.0, f64::NAN] {
            let err = e.handle(ExploreMessage::Speed { value }).unwrap_err();
            assert!(err.contains("1 to 20"), "{value}: {err}");
        }
        assert_eq!(e.speed, 4.0, "a refused speed leaves the old one");
        for value in [1.0, 20.0] {
            assert_eq!(e.handle(ExploreMessage::Speed { value }), Ok(false));
            assert_eq!(e.frame()["speed"], value);
        }
    }

    #[test]
    fn only_an_existing_community_can_be_shown() {
        let mut e = Explore::new(1);
        let err = e
            .handle(ExploreMessage::Community { value: 10 })
            .unwrap_err();
        // The page counts communities from 1, the message from 0: it says which is which.
        assert!(
            err.contains("allowed is 0 to 9, which the page shows as Community 1 to 10"),
            "{err}"
        );
        assert_eq!(e.handle(ExploreMessage::Community { value: 9 }), Ok(true));
        let frame = e.frame();
        assert_eq!(frame["community_shown"], 9);
        assert!(
            frame["community"]
                .as_str()
                .unwrap()
                .contains("Community 10 of 10")
        );
    }

    #[test]
    fn setup_with_fewer_communities_shows_the_last_one_that_is_left() {
        let mut e = Explore::new(1);
        e.handle(ExploreMessage::Community { value: 9 }).unwrap();
        e.handle(ExploreMessage::Set {
            name: "population.n_citizens".into(),
            value: 300.0,
        })
        .unwrap();
        e.handle(ExploreMessage::Setup {}).unwrap();
        let frame = e.frame();
        assert_eq!(frame["communities"], 3);
        assert_eq!(frame["community_shown"], 2);
    }

    #[test]
    fn steps_counts_the_months_since_setup() {
        let mut e = Explore::new(1);
        assert_eq!(e.steps(), 0);
        for _ in 0..3 {
            e.handle(ExploreMessage::Step {}).unwrap();
        }
        assert_eq!(e.steps(), 3);
        assert_eq!(e.frame()["step"], 3);
        e.setup();
        assert_eq!(e.steps(), 0);
    }

    #[test]
    fn the_participation_chart_plots_month_k_at_k_in_percent() {
        let mut e = Explore::new(1);
        for _ in 0..4 {
            e.step();
        }
        let frame = e.frame();
        let chart = frame["charts"][0].as_str().unwrap();
        assert!(chart.contains(r#"data-chart="participation""#));
        // The plot area: months 0 to 24 from x = 48 to 408 (15 a month); 0 to 8 % from
        // y = 216 up to 68 (18.5 a percentage point): the axis starts at 5 %, which the
        // chart rounds up to 8 so that its quarter ticks are round (2, 4, 6, 8).
        let points = &crate::svg::paths(chart)[0];
        assert_eq!(points.len(), 4);
        for (k, (&(x, y), m)) in points.iter().zip(&e.metrics).enumerate() {
            let percent = 100.0 * m.participation_rate;
            assert!(percent < 8.0, "month {}: {percent}", k + 1);
            assert_eq!(x, 48.0 + 15.0 * (k + 1) as f64, "month {}", k + 1);
            assert!(
                (y - (216.0 - 18.5 * percent)).abs() < 0.051,
                "month {}: {y}",
                k + 1
            );
        }
        assert!(
            points.iter().any(|p| p.1 < 216.0),
            "some citizens are in a group"
        );
    }

    #[test]
    fn before_any_group_started_every_size_class_has_no_lifetime() {
        let e = Explore::new(1);
        let none: Vec<(String, Option<f64>)> = ["2-3", "4-6", "7-12", "13+"]
            .iter()
            .map(|l| (l.to_string(), None))
            .collect();
        assert_eq!(e.lifetimes(), none);
    }

    #[test]
    fn lifetimes_are_mean_months_of_the_groups_that_started_by_size_at_formation() {
        let mut e = Explore::new(1);
        for _ in 0..12 {
            e.step();
        }
        let now = 12;
        let records = e.model.group_records();
        let has = |reason: EndReason| records.iter().any(|g| g.end_reason == reason);
        assert!(has(EndReason::Forming) && has(EndReason::Active) && has(EndReason::FailedTask));
        // (sum of months, groups) per class: 2-3, 4-6, 7-12, 13+.
        let mut classes = [(0.0, 0.0); 4];
        for g in &records {
            if matches!(g.end_reason, EndReason::Forming | EndReason::NeverStarted) {
                continue;
            }
            let class = match g.size_at_formation {
                0..=3 => 0,
                4..=6 => 1,
                7..=12 => 2,
                _ => 3,
            };
            // The months it produced, as the model counted them (an ended group produced in
            // the step it ended too): the same spells as runs.csv's group metrics.
            assert_eq!(
                coprod_core::spell(g, now).unwrap().0,
                g.life.months,
                "{g:?}"
            );
            classes[class].0 += f64::from(g.life.months);
            classes[class].1 += 1.0;
        }
        assert!(classes.iter().any(|c| c.1 >= 2.0), "{classes:?}");
        let lifetimes = e.lifetimes();
        for ((label, mean), (sum, groups)) in lifetimes.iter().zip(classes) {
            let expected = (groups > 0.0).then(|| sum / groups);
            assert_eq!(*mean, expected, "{label}");
        }
    }

    #[test]
    fn the_controls_are_listed_in_page_order_with_their_start_values() {
        let controls = controls_json();
        let controls = controls.as_array().unwrap();
        let names: Vec<&str> = controls
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        let expected: Vec<&str> = CONTROLS.iter().map(|c| c.name).collect();
        assert_eq!(names, expected);
        let population = &controls[7];
        assert_eq!(population["label"], "Citizens");
        assert_eq!(
            (&population["min"], &population["max"], &population["step"]),
            (
                &serde_json::json!(200.0),
                &serde_json::json!(5000.0),
                &serde_json::json!(100.0)
            )
        );
        assert_eq!(
            population["value"], 1000.0,
            "the start value, not the table default"
        );
        assert_eq!(population["applies"], "Setup");
        let service = &controls[1];
        assert_eq!(service["applies"], "next step");
        assert!(
            service["options"].as_array().unwrap().len() >= 2,
            "a choice"
        );
        assert!(!service["doc"].as_str().unwrap().is_empty());
    }
}
