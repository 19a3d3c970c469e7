//! Every model parameter in one table: name, kind, default, allowed range, unit, doc.
//!
//! The table is the single source of truth for the scenario layer (validation, `--set`),
//! for `docs/ODD.md` (a test checks that every name appears there) and for the manifest.
//! It deliberately knows nothing about file formats.

use std::fmt;

/// Bytes of citizen state per citizen (excluding the network), for memory estimates: the
/// columns of `population::Citizens` (nine `f32`, the group, steps participated, flags).
pub(crate) const BYTES_PER_CITIZEN: u64 = 9 * 4 + 4 + 2 + 1;
/// Bytes of a lab run's state per subject, for memory estimates: `lab::run_lab`'s columns
/// (the type, one byte; belief, motivation and contribution, `f64`; the place in the order).
const BYTES_PER_SUBJECT: u64 = 1 + 3 * 8 + 8;

/// Bytes per organisation: ten 0-1 scales of 8 bytes and a tally of three counts and two
/// sums, 32 bytes with padding (`organisations::Org`, whose size a test there checks).
pub(crate) const BYTES_PER_ORG: u64 = 10 * 8 + 32;
/// Heap bytes per staff member: four 0-1 scales of 8 bytes and three counts of 4 (`staff.rs`).
const BYTES_PER_STAFF: u64 = 4 * 8 + 3 * 4;
/// What values a parameter takes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// A real number in `[min, max]`.
    Real,
    /// A whole number in `[min, max]`.
    Int,
    /// `false`/`true`, stored as 0 or 1.
    Bool,
    /// One of the named options, stored as its index.
    Choice(&'static [&'static str]),
}

/// One row of the parameter table.
#[derive(Clone, Copy, Debug)]
pub struct ParamSpec {
    /// Dotted name used in scenario files, `--set` and outputs, e.g. `citizens.efficacy_mean`.
    pub name: &'static str,
    /// What values it takes.
    pub kind: Kind,
    /// Default value (an index for [`Kind::Choice`], 0/1 for [`Kind::Bool`]).
    pub default: f64,
    /// Smallest allowed value.
    pub min: f64,
    /// Largest allowed value.
    pub max: f64,
    /// Unit in plain words.
    pub unit: &'static str,
    /// Whether an intervention may change it during a run.
    pub lever: bool,
    /// One-sentence meaning.
    pub doc: &'static str,
}

/// A switch value, or a parameter at the end of its range, under which runs never read some
/// parameters (in each setting whose runs read its gates, [`SwitchedRead::holds_in`]): the
/// model takes a fixed value in their place, or multiplies them by 0 (docs/ODD.md 10,
/// "Parameters a switch or a value rules out").
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SwitchedRead {
    /// The switch (a `channels.*` switch or a lever with two options), or a numeric
    /// parameter (a rate, share, weight or count).
    pub switch: &'static str,
    /// Its value (as stored: 0 is off, or the first option) that rules them out; for a
    /// numeric parameter, its smallest or largest allowed value.
    pub value: f64,
    /// Further switches or parameters with their values that must hold as well (empty for
    /// a rule of one gate): both incentives at 0 rule out the incentives' join weight.
    pub also: &'static [(&'static str, f64)],
    /// The parameters that runs of a setting which reads every gate
    /// ([`SwitchedRead::holds_in`]) do not read with the gates at their values.
    pub unread: &'static [&'static str],
}

impl SwitchedRead {
    /// Every gate of the rule as (switch or parameter, value): `switch` first, then `also`.
    pub fn gates(&self) -> impl Iterator<Item = (&'static str, f64)> + '_ {
        std::iter::once((self.switch, self.value)).chain(self.also.iter().copied())
    }

    /// Whether the rule holds in runs of the setting `lab` ([`Params::is_lab`]): there every
    /// gate must be read, or it rules nothing out (a lab run reads `behaviour.belief_weight`
    /// whatever `channels.belief_learning`, which it never reads).
    pub fn holds_in(&self, lab: bool) -> bool {
        self.indexed_gates()
            .all(|(index, _)| SPECS[index].read_in(lab))
    }

    /// [`SwitchedRead::gates`] with each gate as its index in [`SPECS`].
    pub fn indexed_gates(&self) -> impl Iterator<Item = (usize, f64)> + '_ {
        self.gates().map(|(gate, value)| {
            let (index, _) = Params::lookup(gate).expect("a gate of SWITCHED_READS");
            (index, value)
        })
    }
}

const fn off(switch: &'static str, unread: &'static [&'static str]) -> SwitchedRead {
    at(switch, 0.0, unread)
}

const fn at(switch: &'static str, value: f64, unread: &'static [&'static str]) -> SwitchedRead {
    SwitchedRead {
        switch,
        value,
        also: &[],
        unread,
    }
}

/// The switches and values that decide whether runs read other parameters: field runs,
/// and lab runs for a rule whose gates they read (the rules of `lab.` parameters). Each
/// entry is tested by changing each parameter it lists alone, with the switch or value set,
/// bit for bit, in every setting where it holds.
pub const SWITCHED_READS: &[SwitchedRead] = &[
    // A substitutive role design takes rho as 1, whatever the complementarity switch.
    at(
        "levers.role_design",
        1.0,
        &["groups.rho", "channels.complementarity"],
    ),
    // Professionals withdraw input only in a substitutive design.
    at(
        "levers.role_design",
        0.0,
        &["channels.professional_withdrawal"],
    ),
    // Two-way engagement shares all the power staff are willing to share.
    at("levers.engagement", 1.0, &["orgs.inform_power_share"]),
    off("channels.complementarity", &["groups.rho"]),
    off(
        "channels.peer_monitoring",
        &[
            "behaviour.sanction_strength",
            "channels.monitoring_dilution",
        ],
    ),
    off("channels.social_influence", &["join.w_social"]),
    off("channels.task_clarity", &["groups.generic_clarity"]),
    off("channels.procedural_trust_bias", &["orgs.procedural_bias"]),
    off("channels.openness_imitation", &["orgs.imitation"]),
    off("channels.outreach_targeting", &["levers.outreach"]),
    off("channels.state_support_effect", &["levers.state_support"]),
    off("channels.belief_learning", &["behaviour.belief_weight"]),
    off(
        "channels.embedded_contact",
        &["orgs.embeddedness_mean", "levers.embedding"],
    ),
    // Staff trust does not learn from results, so nothing biases what it would learn.
    off(
        "channels.trust_feedback",
        &["orgs.procedural_bias", "channels.procedural_trust_bias"],
    ),
    // Ownership is not felt, learned or invited (its initial value is still drawn, and a
    // survey records it).
    off(
        "channels.ownership",
        &[
            "join.w_ownership",
            "dynamics.ownership_learning",
            "levers.ownership_invitation",
        ],
    ),
    // Parameters at the end of their range: what they multiply or guard is never used.
    // Crowding out scales motivation by 1 - 0.02 x the financial incentive.
    at("levers.financial_incentive", 0.0, &["levers.crowding_out"]),
    // The join weight multiplies the sum of the two incentives.
    SwitchedRead {
        switch: "levers.financial_incentive",
        value: 0.0,
        also: &[("levers.nonfinancial_incentive", 0.0)],
        unread: &["join.w_incentive"],
    },
    // Bridging chances are bridge_prob x (1 -/+ gap); one community has no other to bridge to.
    at("population.bridge_prob", 0.0, &["population.bridging_gap"]),
    at(
        "population.n_communities",
        1.0,
        &[
            "population.bridge_prob",
            "population.bridging_gap",
            "population.segregation",
        ],
    ),
    // Segregation moves low-resource citizens between communities: none, or all, are.
    at(
        "population.low_resource_share",
        0.0,
        &["population.segregation"],
    ),
    at(
        "population.low_resource_share",
        1.0,
        &["population.segregation"],
    ),
    // The join weights of flags no citizen has, and of impact weighted by 0.
    at("citizens.duty_share", 0.0, &["join.w_duty"]),
    at("citizens.affected_share", 0.0, &["join.w_affected"]),
    at(
        "join.w_efficacy",
        0.0,
        &["join.w_duty", "channels.external_efficacy_effect"],
    ),
    at("join.w_social", 0.0, &["channels.social_influence"]),
    // No participation cost: nothing for its weight, spare time or repetition to scale.
    at(
        "levers.participation_cost",
        0.0,
        &[
            "join.w_cost",
            "channels.resource_costs",
            "channels.ongoing_costs",
        ],
    ),
    at(
        "behaviour.sanction_strength",
        0.0,
        &["channels.peer_monitoring", "channels.monitoring_dilution"],
    ),
    at(
        "behaviour.belief_weight",
        0.0,
        &["channels.belief_learning"],
    ),
    // Satisfaction never moves, or never matters for leaving: the payoff is unused.
    at(
        "groups.satisfaction_rate",
        0.0,
        &[
            "groups.intrinsic_reward",
            "groups.efficacy_reward",
            "groups.cost_of_effort",
            "channels.ongoing_costs",
        ],
    ),
    at(
        "groups.leave_slope",
        0.0,
        &[
            "groups.satisfaction_rate",
            "groups.intrinsic_reward",
            "groups.efficacy_reward",
            "groups.cost_of_effort",
            "channels.ongoing_costs",
        ],
    ),
    // Every task specific; or no opportunities at all, so only (specific) initiatives.
    at(
        "groups.specific_share",
        1.0,
        &["groups.generic_clarity", "channels.task_clarity"],
    ),
    at(
        "orgs.opportunity_rate",
        0.0,
        &[
            "levers.directive",
            "levers.entrepreneurs",
            "levers.org_incentives",
            "groups.specific_share",
            "groups.generic_clarity",
            "channels.task_clarity",
        ],
    ),
    // Invitations reach only contacted citizens.
    at("orgs.contact_rate", 0.0, &["levers.ownership_invitation"]),
    // Staff trust never moves, so neither does what biases its update.
    at(
        "orgs.trust_learning",
        0.0,
        &[
            "orgs.procedural_bias",
            "channels.procedural_trust_bias",
            "channels.trust_feedback",
        ],
    ),
    at("orgs.imitation", 0.0, &["channels.openness_imitation"]),
    // One organisation has no other to imitate.
    at(
        "population.n_organisations",
        1.0,
        &["orgs.imitation", "channels.openness_imitation"],
    ),
    // The lab's payoff term is cost_sensitivity times a net cost, the only place altruism
    // enters (a lab rule: lab runs alone read both), and altruism weighs the others'
    // return, mpcr, which at 0 leaves the net cost at 1.
    at("lab.cost_sensitivity", 0.0, &["lab.altruism"]),
    at("lab.mpcr", 0.0, &["lab.altruism"]),
    // The first belief update moves belief_weight x first_update of the way: nothing at 0.
    at("behaviour.belief_weight", 0.0, &["lab.first_update"]),
];

/// The parameters a lab run reads (docs/ODD.md 8.17): the setting, the number of subjects,
/// the subjects' type shares and the attributes they draw, the contribution rule and belief
/// update the lab shares with the field model, and the lab section. No other parameter, and
/// no intervention, changes a lab run.
pub const LAB_READS: &[&str] = &[
    "population.setting",
    "population.n_citizens",
    "citizens.motivation_mean",
    "citizens.attribute_sd",
    "citizens.share_conditional",
    "citizens.share_free_rider",
    "citizens.share_hump",
    "citizens.belief_mean",
    "behaviour.cc_slope",
    "behaviour.cc_intercept",
    "behaviour.hump_peak",
    "behaviour.other_mean",
    "behaviour.free_rider_give",
    "behaviour.contribution_noise",
    "behaviour.belief_weight",
    "behaviour.motivation_weight",
    "lab.lab_group_size",
    "lab.mpcr",
    "lab.endowment",
    "lab.rematch",
    "lab.cost_sensitivity",
    "lab.altruism",
    "lab.first_update",
];

impl ParamSpec {
    /// The allowed values in words, for error messages: `0 to 1`, `true or false`, `"a" or "b"`.
    pub fn allowed(&self) -> String {
        match self.kind {
            Kind::Real => format!("a number from {} to {}", self.min, self.max),
            Kind::Int if self.even_only() => {
                format!("an even whole number from {} to {}", self.min, self.max)
            }
            Kind::Int => format!("a whole number from {} to {}", self.min, self.max),
            Kind::Bool => "true or false".to_string(),
            Kind::Choice(options) => {
                let quoted: Vec<String> = options.iter().map(|o| format!("\"{o}\"")).collect();
                format!("one of {}", quoted.join(", "))
            }
        }
    }

    /// Whether runs of the given setting (`lab`: [`Params::is_lab`]) read this parameter.
    /// `false` means that no value of it changes such a run (tested for every parameter by
    /// changing it alone): lab runs read [`LAB_READS`], field runs every parameter but the
    /// lab section's.
    pub fn read_in(&self, lab: bool) -> bool {
        if lab {
            LAB_READS.contains(&self.name)
        } else {
            !self.name.starts_with("lab.")
        }
    }

    /// The rules of [`SWITCHED_READS`] that `p`'s values meet and under which no value of
    /// this parameter changes a run of `p`'s setting, each as its gates (switches, or numeric
    /// parameters at the end of their range: indices into [`SPECS`], the rule's `switch`
    /// first); empty if none. Only those rules are considered: a parameter read by this measure may still
    /// change nothing in a given run (where nothing happens that would read it).
    pub fn switches_ruling_out(&self, p: &Params) -> Vec<Vec<usize>> {
        // A parameter the setting never reads needs no rule (and gets none: a lab rule in a
        // field run would say it twice), and a rule whose gate the setting never reads
        // rules nothing out there.
        let lab = p.is_lab();
        if !self.read_in(lab) {
            return Vec::new();
        }
        SWITCHED_READS
            .iter()
            .filter(|r| r.unread.contains(&self.name) && r.holds_in(lab))
            .filter_map(|r| {
                r.indexed_gates()
                    .map(|(index, value)| (p.get_index(index) == value).then_some(index))
                    .collect()
            })
            .collect()
    }

    /// Whether only even values are allowed (`population.ring_degree`: the ring lattice ties
    /// each citizen to `ring_degree / 2` citizens on each side), as [`ParamSpec::check`] checks.
    pub fn even_only(&self) -> bool {
        self.name == "population.ring_degree"
    }

    /// Where the default comes from: a source, a calibration, or a stated assumption
    /// (docs/ODD.md, "Theoretical and empirical background" and "Calibration").
    pub fn source(&self) -> &'static str {
        match self.name {
            "citizens.share_conditional" | "citizens.share_free_rider" | "citizens.share_hump" => {
                "Fischbacher and Gaechter 2010 (strategy-method type shares)"
            }
            // The default's source, then the lab fit to the whole experiment, which is not
            // the default (docs/calibration.md section 2 says why).
            "citizens.belief_mean" => concat!(
                "calibrated on the lab stylised facts (Fischbacher and Gaechter 2010; Ledyard 1995)",
                "; fitted to the FG2010 C-experiment: 0.499 (sd 0.019; elicited 0.49)",
                "; not the default, see docs/calibration.md section 2"
            ),
            "behaviour.cc_slope" => concat!(
                "calibrated on the lab stylised facts (Fischbacher and Gaechter 2010; Ledyard 1995)",
                "; fitted to the FG2010 C-experiment: 1.083 (sd 0.085)",
                "; not the default, see docs/calibration.md section 2"
            ),
            "behaviour.cc_intercept" => concat!(
                "calibrated on the lab stylised facts (Fischbacher and Gaechter 2010; Ledyard 1995)",
                "; fitted to the FG2010 C-experiment: 0.218 (sd 0.146)",
                "; not the default, see docs/calibration.md section 2"
            ),
            "behaviour.hump_peak" => concat!(
                "calibrated on the lab stylised facts (Fischbacher and Gaechter 2010; Ledyard 1995)",
                "; fitted to the FG2010 C-experiment: 0.654 (sd 0.191)",
                "; not the default, see docs/calibration.md section 2"
            ),
            "behaviour.other_mean" => concat!(
                "calibrated on the lab stylised facts (Fischbacher and Gaechter 2010; Ledyard 1995)",
                "; fitted to the FG2010 C-experiment: 0.273 (sd 0.175)",
                "; not the default, see docs/calibration.md section 2"
            ),
            "behaviour.free_rider_give" => concat!(
                "calibrated on the lab stylised facts (Fischbacher and Gaechter 2010; Ledyard 1995)",
                "; fitted to the FG2010 C-experiment: 0.100 (sd 0.056)",
                "; not the default, see docs/calibration.md section 2"
            ),
            "behaviour.contribution_noise" => concat!(
                "calibrated on the lab stylised facts (Fischbacher and Gaechter 2010; Ledyard 1995)",
                "; fitted to the FG2010 C-experiment: 0.151 (sd 0.102)",
                "; not the default, see docs/calibration.md section 2"
            ),
            "behaviour.belief_weight" => concat!(
                "calibrated on the lab stylised facts (Fischbacher and Gaechter 2010; Ledyard 1995)",
                "; fitted to the FG2010 C-experiment: 0.625 (sd 0.203; from the elicited beliefs 0.423)",
                "; not the default, see docs/calibration.md section 2"
            ),
            "behaviour.attention" => {
                "limited attention to peers (Milinski et al. 2002); assumption"
            }
            "behaviour.sanction_strength" => {
                "peer monitoring in small groups (Yang et al. 2013); assumption"
            }
            "groups.coordination_cost" => {
                "organising costs rise with size (Olson 1965; Agrawal and Goyal 2001); calibrated"
            }
            "groups.min_effort" | "groups.min_effort_per_member" => {
                "minimum viable effort; cost rising with those served (Oliver and Marwell 1988); assumption"
            }
            "costs.time_price" => {
                "replacement-cost valuation of volunteer time (Salamon, Sokolowski and Haddock 2011); assumption"
            }
            "groups.rho"
            | "groups.benefit_max"
            | "groups.benefit_scale"
            | "groups.professional_input" => {
                "co-production function (Parks et al. 1981; Ostrom 1996); assumption for the value"
            }
            "join.base" => {
                "calibrated when the model was simpler: about 5% of citizens active after 20 years (0.17 with the model of 2 December 2026; section 7)"
            }
            "population.ring_degree" | "population.bridge_prob" => {
                "clustered small world (Watts and Strogatz 1998); assumption for the value"
            }
            "citizens.efficacy_gap" => {
                "efficacy rises with resources and education (Verba, Schlozman and Brady 1995); assumption for the value"
            }
            "population.segregation" => {
                "income segregation of neighbourhoods (Massey and Denton 1988; OECD 2018); moderate value, assumption"
            }
            "population.homophily" => {
                "homophily by education and income (McPherson et al. 2001); moderate value, assumption"
            }
            "population.bridging_gap" => {
                "the better-resourced have more bridging ties (Lin 2001; Granovetter 1973); assumption for the value"
            }
            "population.low_resource_share" | "population.resource_gap" => {
                "demographics act through resources (Bovaird et al. 2016); assumption"
            }
            "lab.cost_sensitivity" => concat!(
                "altruism and noisy payoff-sensitive choice (Anderson, Goeree and Holt 1998; Goeree, Holt and Laury 2002); off by default",
                "; not identified by the FG2010 C-experiment (one MPCR, one group size): 0.599 (sd 0.251), near its uniform [0, 1] prior",
                "; docs/calibration.md section 2"
            ),
            "lab.altruism" => concat!(
                "altruism and noisy payoff-sensitive choice (Anderson, Goeree and Holt 1998; Goeree, Holt and Laury 2002); off by default",
                "; not identified by the FG2010 C-experiment (one MPCR, one group size): 0.199 (sd 0.125), near its uniform [0, 0.5] prior",
                "; docs/calibration.md section 2"
            ),
            "lab.first_update" => concat!(
                "stated beliefs move little after period 1 (Fischbacher and Gaechter 2010 data); off by default (1)",
                "; fitted to the FG2010 C-experiment: 0.397 (sd 0.276)",
                "; not the default, see docs/calibration.md section 2"
            ),
            "orgs.autonomy_mean" => "autonomy and openness (Neshkova 2014); assumption",
            "orgs.procedural_mean" | "orgs.procedural_bias" | "orgs.trust_in_citizens_mean" => {
                "trust and procedural orientation (Yang 2005); assumption"
            }
            _ => match self.name.split('.').next().unwrap_or("") {
                "levers" => "status quo: lever off or at its everyday level",
                "channels" => "mechanism on; switched off only in ablation experiments",
                "lab" => "lab design of Fischbacher and Gaechter 2010",
                "population" => "assumption (scenario scale)",
                _ => "assumption (0-1 scales centred unless stated)",
            },
        }
    }

    /// Checks one value against kind and range, and evenness where [`ParamSpec::even_only`]
    /// (what [`ParamSpec::allowed`] says), so that no caller has to add that rule.
    pub fn check(&self, value: f64) -> Result<(), ParamError> {
        let integral = !matches!(self.kind, Kind::Real);
        let ok = value.is_finite()
            && value >= self.min
            && value <= self.max
            && (!integral || value.fract() == 0.0)
            && (!self.even_only() || value % 2.0 == 0.0);
        if ok {
            Ok(())
        } else {
            Err(ParamError::OutOfRange {
                name: self.name,
                value,
                allowed: self.allowed(),
            })
        }
    }

    /// Reads a value written as [`ParamSpec::format_value`] writes it (`true`, an option's
    /// name, a number) to the stored value; `None` when it is no value of this kind. The
    /// range is [`ParamSpec::check`]'s.
    pub fn parse_value(&self, text: &str) -> Option<f64> {
        match self.kind {
            Kind::Real | Kind::Int => text.parse::<f64>().ok(),
            Kind::Bool => match text {
                "true" => Some(1.0),
                "false" => Some(0.0),
                _ => None,
            },
            Kind::Choice(options) => options.iter().position(|o| *o == text).map(|i| i as f64),
        }
    }

    /// Formats a stored value the way a scenario file would write it.
    pub fn format_value(&self, value: f64) -> String {
        match self.kind {
            Kind::Bool => (value != 0.0).to_string(),
            Kind::Choice(options) => options[value as usize].to_string(),
            Kind::Int => format!("{}", value as i64),
            Kind::Real => format!("{value}"),
        }
    }
}

/// A number as a user would type it, exactly (it reads back as the same `f64`): plain
/// (`200`, `0.05`) unless that takes many digits, then in scientific form (`1e-300`,
/// `5e9`), so that a message never spells a tiny or huge number digit by digit.
pub fn readable(v: f64) -> String {
    if v == 0.0 || !v.is_finite() || (1e-3..1e6).contains(&v.abs()) {
        (v + 0.0).to_string()
    } else {
        format!("{v:e}")
    }
}

/// Why a parameter could not be set.
#[derive(Clone, Debug, PartialEq)]
pub enum ParamError {
    /// No parameter has this name.
    Unknown {
        /// The name given.
        name: String,
    },
    /// The value is outside the allowed set.
    OutOfRange {
        /// The parameter.
        name: &'static str,
        /// The value given.
        value: f64,
        /// The allowed values in words.
        allowed: String,
    },
    /// The parameters are each valid but contradict each other.
    Inconsistent {
        /// The parameters involved.
        names: Vec<&'static str>,
        /// What is wrong, in words.
        reason: String,
    },
}

impl fmt::Display for ParamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParamError::Unknown { name } => write!(f, "unknown parameter `{name}`"),
            ParamError::OutOfRange {
                name,
                value,
                allowed,
            } => {
                write!(
                    f,
                    "`{name}` = {value} is out of range: allowed is {allowed}"
                )
            }
            ParamError::Inconsistent { names, reason } => {
                write!(f, "{}: {reason}", names.join(", "))
            }
        }
    }
}

impl std::error::Error for ParamError {}

/// The parameter table: one row `section.key: kind, default, [min, max], unit, lever, doc;`
/// per parameter, whose Rust field is `key`, or `section.key as field: ...` to give the field
/// another name (channel switches are `*_channel`, so code reads `p.ownership_channel`, not
/// `p.ownership`). The rows are first brought to the second form, one per step.
macro_rules! define_params {
    (@rows [$($done:tt)*]) => { define_params!(@table $($done)*); };
    (@rows [$($done:tt)*] $section:ident . $key:ident as $field:ident : $kind:expr, $default:expr, [$min:expr, $max:expr], $unit:literal, $lever:literal, $doc:literal; $($rest:tt)*) => {
        define_params!(@rows [$($done)* $section . $key as $field : $kind, $default, [$min, $max], $unit, $lever, $doc;] $($rest)*);
    };
    (@rows [$($done:tt)*] $section:ident . $key:ident : $kind:expr, $default:expr, [$min:expr, $max:expr], $unit:literal, $lever:literal, $doc:literal; $($rest:tt)*) => {
        define_params!(@rows [$($done)* $section . $key as $key : $kind, $default, [$min, $max], $unit, $lever, $doc;] $($rest)*);
    };
    (@table $( $section:ident . $key:ident as $field:ident : $kind:expr, $default:expr, [$min:expr, $max:expr], $unit:literal, $lever:literal, $doc:literal; )*) => {
        /// All model parameters, each a plain `f64` (see [`ParamSpec`] for kinds and ranges).
        ///
        /// Build with [`Params::defaults`] and change with [`Params::set`], which validates.
        #[derive(Clone, Debug, PartialEq)]
        pub struct Params {
            $( #[doc = $doc] pub $field: f64, )*
        }

        /// The parameter table, in documentation order.
        pub const SPECS: &[ParamSpec] = &[
            $( ParamSpec {
                name: concat!(stringify!($section), ".", stringify!($key)),
                kind: $kind, default: $default as f64, min: $min as f64, max: $max as f64,
                unit: $unit, lever: $lever, doc: $doc,
            }, )*
        ];

        impl Params {
            /// Every parameter at its documented default.
            pub fn defaults() -> Params {
                Params { $( $field: $default as f64, )* }
            }

            fn slot(&mut self, index: usize) -> &mut f64 {
                let mut i = 0;
                $( if index == i { return &mut self.$field; } i += 1; )*
                unreachable!("parameter index {index} out of {i}")
            }

            /// The value of the parameter at `index` in [`SPECS`].
            pub fn get_index(&self, index: usize) -> f64 {
                // One reader per field: a check of millions of sensitivity design points
                // reads every parameter of each, and building all values per read made
                // that quadratic in the number of parameters.
                const READERS: &[fn(&Params) -> f64] = &[ $( |p: &Params| p.$field, )* ];
                READERS[index](self)
            }
        }
    };
    ($($rows:tt)*) => { define_params!(@rows [] $($rows)*); };
}

const SERVICE: &[&str] = &["per_member", "joint"];
const ENGAGEMENT: &[&str] = &["inform", "two_way"];
const ROLE: &[&str] = &["complementary", "substitutive"];
const SETTING: &[&str] = &["field", "lab"];

use Kind::{Bool, Choice, Int, Real};

define_params! {
    // --- population and network (structural) ---
    population.setting: Choice(SETTING), 0, [0, 1], "option", false, "`field` runs the full model; `lab` runs the repeated public-goods game of the lab section (no organisation).";
    population.n_citizens: Int, 2000, [4, 50_000_000], "citizens", false, "Number of citizens.";
    population.n_communities: Int, 20, [1, 1_000_000], "communities", false, "Number of communities; citizens are split evenly and numbered community by community.";
    population.n_organisations: Int, 4, [1, 100_000], "organisations", false, "Number of organisations; community c is served by organisation c mod n_organisations.";
    population.ring_degree: Int, 6, [2, 40], "ties", false, "Ties per citizen in the community ring lattice before rewiring (even).";
    population.bridge_prob: Real, 0.05, [0, 1], "probability", false, "Centre of the chance that a lattice tie is rewired to a random citizen of another community (a bridging tie): min(1, bridge_prob x (1 + bridging_gap)) for a tie drawn from a high-resource citizen, x (1 - bridging_gap) from a low-resource one (the mean over ties when the low-resource share is one half and the cap does not bind).";
    population.low_resource_share: Real, 0.5, [0, 1], "share", false, "Share of citizens in the low-resource group.";
    population.resource_gap: Real, 0.2, [0, 1], "skill and time units", false, "Difference between the high- and low-resource groups' mean skill and mean time.";
    population.norm_mean: Real, 0.5, [0, 1], "0-1 scale", false, "Mean strength of the participation norm (culture) across communities.";
    population.norm_sd: Real, 0.2, [0, 0.5], "0-1 scale", false, "Standard deviation of community norm strength (clamped to 0-1).";
    // --- places and networks: who lives where and who knows whom (issue 16) ---
    population.segregation: Real, 0.2, [0, 1], "0-1 scale", false, "Residential segregation by resources: deprived communities (the first half) have low-resource share L(1+s), affluent ones the rest (with L = 0.5 and an even number of communities, s is Duncan's dissimilarity index).";
    population.homophily: Real, 0.3, [0, 1], "probability", false, "Chance that a lattice tie between a low- and a high-resource citizen is redrawn to a citizen of the first end's own resource group in the community (McPherson et al. 2001); without a bridging gap it is the expected Coleman inbreeding homophily index of a community's ties (docs/ODD.md section 2).";
    population.bridging_gap: Real, 0.5, [0, 1], "share", false, "Inequality of bridging ties: low-resource citizens rewire a tie to another community with bridge_prob x (1 - gap), high-resource ones with bridge_prob x (1 + gap).";
    // --- citizens' initial attributes ---
    citizens.efficacy_mean: Real, 0.5, [0, 1], "0-1 scale", false, "Centre of initial internal (personal) efficacy, the belief that one can make a difference; the population mean before clamping is this plus citizens.efficacy_gap x (1/2 - low-resource share).";
    // --- two efficacies (issue 16) ---
    citizens.efficacy_gap: Real, 0.1, [0, 1], "0-1 scale", false, "Difference between the high- and low-resource groups' mean initial internal efficacy (efficacy grows with resources and education).";
    citizens.external_efficacy_mean: Real, 0.5, [0, 1], "0-1 scale", false, "Mean initial external efficacy: the belief that organisations respond to citizens' input.";
    citizens.skill_mean: Real, 0.5, [0, 1], "0-1 scale", false, "Centre of co-production skill: high-resource citizens are drawn around this plus resource_gap/2, low-resource ones minus it, so the population mean before clamping is this plus resource_gap x (1/2 - low-resource share).";
    citizens.time_mean: Real, 0.5, [0, 1], "0-1 scale", false, "Centre of available time, as citizens.skill_mean: the population mean before clamping is this plus resource_gap x (1/2 - low-resource share).";
    citizens.motivation_mean: Real, 0.5, [0, 1], "0-1 scale", false, "Mean intrinsic motivation (public-service values).";
    citizens.risk_aversion_mean: Real, 0.4, [0, 1], "0-1 scale", false, "Mean risk aversion of citizens.";
    citizens.ownership_mean: Real, 0.3, [0, 1], "0-1 scale", false, "Mean initial sense of ownership of local services (not the aware flag: every citizen starts not aware).";
    citizens.trust_mean: Real, 0.5, [0, 1], "0-1 scale", false, "Mean initial trust in the organisations that serve them.";
    citizens.attribute_sd: Real, 0.15, [0, 0.5], "0-1 scale", false, "Standard deviation of every initial citizen attribute around its mean (clamped to 0-1).";
    citizens.duty_share: Real, 0.3, [0, 1], "share", false, "Share of citizens who believe their civic duty ends when taxes are paid.";
    citizens.affected_share: Real, 0.3, [0, 1], "share", false, "Share of citizens personally affected by the current service issue.";
    citizens.share_conditional: Real, 0.55, [0, 1], "share", false, "Share of conditional cooperators (Fischbacher and Gaechter 2010).";
    citizens.share_free_rider: Real, 0.23, [0, 1], "share", false, "Share of free riders.";
    citizens.share_hump: Real, 0.12, [0, 1], "share", false, "Share of hump-shaped contributors; the remainder are `other`.";
    citizens.belief_mean: Real, 0.7, [0, 1], "share of endowment", false, "Mean initial belief about what peers contribute.";
    // --- contribution behaviour (calibrated on the lab setting) ---
    behaviour.cc_slope: Real, 0.85, [0, 2], "per unit belief", false, "Conditional cooperators contribute cc_intercept + cc_slope x belief.";
    behaviour.cc_intercept: Real, 0.0, [0, 1], "share of endowment", false, "Intercept of the conditional cooperators' rule.";
    behaviour.hump_peak: Real, 0.5, [0.05, 0.95], "share of endowment", false, "Belief at which hump-shaped contributors give most.";
    behaviour.other_mean: Real, 0.25, [0, 1], "share of endowment", false, "Mean contribution of `other` types, independent of beliefs.";
    behaviour.free_rider_give: Real, 0.02, [0, 1], "share of endowment", false, "Mean contribution of free riders.";
    behaviour.contribution_noise: Real, 0.1, [0, 0.5], "share of endowment", false, "Half-width of the uniform noise on each contribution decision.";
    behaviour.belief_weight: Real, 0.6, [0, 1], "weight", false, "Weight of the peers observed this step in the belief update.";
    behaviour.attention: Int, 3, [1, 100], "peers", false, "How many fellow members a citizen can watch each step (limited attention).";
    behaviour.sanction_strength: Real, 0.35, [0, 1], "share of endowment", false, "Extra contribution when fully watched by peers, scaled by community norm strength.";
    behaviour.motivation_weight: Real, 0.2, [0, 1], "share of endowment", false, "Extra contribution per unit of intrinsic motivation above 0.5.";
    // --- joining ---
    join.base: Real, -5.5, [-20, 20], "log-odds", false, "Intercept of the monthly join log-odds (the participation threshold).";
    join.w_efficacy: Real, 3.0, [0, 20], "log-odds per unit", false, "Weight of perceived impact: internal efficacy x task clarity x duty discount, and x (0.5 + external efficacy) for an offer from an organisation that would respond.";
    join.w_motivation: Real, 1.0, [0, 20], "log-odds per unit", false, "Weight of intrinsic motivation.";
    join.w_ownership: Real, 1.0, [0, 20], "log-odds per unit", false, "Weight of ownership of local services in the join log-odds (the aware flag decides only who is a candidate).";
    join.w_affected: Real, 1.0, [0, 20], "log-odds", false, "Extra log-odds for personally affected citizens.";
    join.w_social: Real, 1.5, [0, 20], "log-odds per unit", false, "Weight of neighbours who are members of a group, recruiting or started (complex contagion), multiplied by community norm strength.";
    join.w_trust: Real, 1.0, [0, 20], "log-odds per unit", false, "Weight of trust in the organisation.";
    join.w_cost: Real, 2.0, [0, 20], "log-odds per unit", false, "Weight of the participation cost net of time.";
    join.w_risk: Real, 1.0, [0, 20], "log-odds per unit", false, "Weight of risk aversion times the perceived chance of failure.";
    join.w_duty: Real, 0.6, [0, 1], "share", false, "Share of perceived impact lost by citizens who think duty ends with taxes.";
    join.w_incentive: Real, 1.0, [0, 20], "log-odds per unit", false, "Weight of financial and non-financial incentives.";
    // --- groups and production ---
    groups.min_members: Int, 2, [1, 1000], "members", false, "A forming group with fewer members when it must start never starts (8.5); a started group with fewer dissolves (8.14).";
    groups.service: Choice(SERVICE), 0, [0, 1], "option", true, "`per_member`: the inputs are shared among members (rival benefit, crowding); `joint`: non-rival, every member gets the benefit of all of them.";
    groups.coordination_cost: Real, 0.02, [0, 1], "share of effort per extra member", true, "Share of each member's effort lost to coordination per additional member.";
    groups.min_effort: Real, 0.6, [0, 100], "effort units", false, "Fixed part of the minimum viable citizen input S_min = min_effort + min_effort_per_member x n, below which the task produces nothing.";
    groups.min_effort_per_member: Real, 0.1, [0, 10], "effort units per member", false, "Extra minimum effort per member (the task grows with those served; set 0 for a task that does not), whatever the service regime.";
    groups.benefit_max: Real, 1.0, [0, 100], "service units per step", false, "Maximum benefit B_max of a task to each member (per_member and joint service alike).";
    groups.benefit_scale: Real, 1.0, [0.001, 100], "input units", false, "Saturation scale kappa of the benefit function.";
    groups.rho: Real, 0.5, [0.1, 1], "CES exponent", false, "Curvature of the isoquants of professional and citizen input: below 1 combining them yields more than each alone (more the smaller rho), at 1 they are perfect substitutes; a substitutive role design takes it as 1.";
    groups.professional_input: Real, 0.5, [0, 100], "input units per group per step", false, "Professional input a supported group asks of its organisation per step, times (0.5 + state support); less what citizens give under a substitutive role design; the organisation gives at most what is left of its budget (orgs.baseline_input) in the step (docs/ODD.md 8.8).";
    groups.unsupported_input: Real, 0.1, [0, 100], "input units per group per step", false, "Input a group gets from the community when no organisation supports it.";
    groups.formation_steps: Int, 6, [1, 120], "steps", false, "Steps a new group may take to recruit up to its cap before it must start (or lapse with too few members).";
    groups.failure_patience: Int, 3, [1, 120], "steps", false, "Consecutive failed steps (below minimum effort) after which a group dissolves.";
    groups.intrinsic_reward: Real, 0.25, [0, 10], "benefit units per step", false, "Satisfaction a member draws from intrinsic motivation and ownership at their maximum (each counts half).";
    groups.efficacy_reward: Real, 0.5, [0, 10], "benefit units per step", false, "Satisfaction per unit of efficacy above 0.5: efficacious members see their effort matter.";
    groups.cost_of_effort: Real, 0.5, [0, 10], "benefit units per unit effort", false, "What contributing all one's effort costs a member in benefit units.";
    groups.satisfaction_rate: Real, 0.3, [0, 1], "weight", false, "Weight of this step's net payoff in a member's satisfaction.";
    groups.leave_base: Real, -3.0, [-20, 20], "log-odds", false, "Log-odds of leaving at zero satisfaction.";
    groups.leave_slope: Real, 4.0, [0, 50], "log-odds per unit", false, "How much satisfaction lowers the log-odds of leaving.";
    groups.exit_hazard: Real, 0.005, [0, 1], "probability per step", false, "Monthly chance a member leaves for reasons outside the model (moving, life events).";
    groups.tie_formation: Real, 0.05, [0, 1], "probability per step", false, "Monthly chance that a member of a started group who stays, when the group then has more than one member, forms a new tie with a random fellow member (8.13).";
    groups.specific_share: Real, 0.5, [0, 1], "share", true, "Share of new opportunities that are specific, defined tasks (the rest are generic).";
    groups.generic_clarity: Real, 0.6, [0, 1], "0-1 scale", false, "How clearly a generic task's benefit is perceived (specific tasks: 1).";
    groups.self_organise_rate: Real, 0.0005, [0, 1], "draws per citizen per step", false, "Expected draws per citizen and step of a citizen to consider an initiative: each community draws sround(size x rate) of its citizens uniformly with replacement, so at small rates it is each citizen's chance of being drawn (at rate 1 a citizen of 100 is drawn with probability 1 - 0.99^100 = 0.63); a drawn citizen in no group founds one with probability motivation x internal efficacy (8.2).";
    // --- organisations ---
    orgs.trust_in_citizens_mean: Real, 0.5, [0, 1], "0-1 scale", false, "Mean initial trust of organisations in citizens.";
    orgs.procedural_mean: Real, 0.5, [0, 1], "0-1 scale", false, "Mean procedural (bureaucratic, managerial) orientation.";
    orgs.autonomy_mean: Real, 0.5, [0, 1], "0-1 scale", false, "Mean discretionary autonomy of professionals.";
    orgs.openness_mean: Real, 0.5, [0, 1], "0-1 scale", false, "Mean initial openness to citizen input.";
    orgs.staff_skill_mean: Real, 0.5, [0, 1], "0-1 scale", false, "Mean initial staff co-production skill.";
    orgs.awareness_mean: Real, 0.5, [0, 1], "0-1 scale", false, "Mean awareness of citizens' own activity (chance to notice and support an initiative).";
    orgs.risk_culture_mean: Real, 0.5, [0, 1], "0-1 scale", false, "Mean risk aversion of the administrative culture.";
    orgs.embeddedness_mean: Real, 0.5, [0, 1], "0-1 scale", false, "Mean embeddedness of staff in the communities served.";
    // --- street-level staff (issue 16) ---
    orgs.staff_per_org: Int, 5, [1, 10_000], "staff", false, "Street-level professionals each organisation employs to support groups.";
    orgs.staff_sd: Real, 0.15, [0, 0.5], "0-1 scale", false, "Standard deviation of staff attitudes and skill around their organisation's (heterogeneity within an organisation).";
    orgs.staff_capacity: Real, 2.0, [0.1, 100], "groups per staff member", true, "Groups a professional can support in a step without strain; above it they cope by sharing less, and below it they learn by doing in proportion (min(1, groups / capacity)).";
    orgs.willingness_learning: Real, 0.1, [0, 1], "weight", false, "How fast a professional's willingness to share decisions follows their trust in citizens (divided by any overload).";
    orgs.spread: Real, 0.1, [0, 0.5], "0-1 scale", false, "Standard deviation of every organisation attribute around its mean (clamped to 0-1).";
    orgs.opportunity_rate: Real, 0.2, [0, 10], "opportunities per community per step", false, "Expected opportunities an organisation of full propensity opens per community per step (stochastically rounded; policy entrepreneurs add more).";
    orgs.baseline_input: Real, 5.0, [0, 10_000], "input units per community per step", false, "Budget of professional input per community served; what groups do not draw as support is the professionals' own service, one service unit per input unit.";
    orgs.inform_power_share: Real, 0.5, [0, 1], "share", false, "Share of its decision power an organisation shares when it engages by informing only (two-way: all).";
    orgs.contact_rate: Real, 0.05, [0, 1], "probability per citizen per step", false, "Base monthly chance an organisation contacts a citizen it serves.";
    orgs.trust_learning: Real, 0.1, [0, 1], "weight", false, "Weight of this step's perceived group success in each staff member's trust in citizens (organisational trust is their mean).";
    orgs.procedural_bias: Real, 0.5, [0, 1], "share", false, "Share of a success that a fully procedural organisation books as a deviation.";
    orgs.skill_learning: Real, 0.02, [0, 1], "per step", false, "Learning by doing: share of the remaining skill gap (1 - skill) a staff member closes per step at full load, times min(1, groups / staff_capacity).";
    orgs.openness_learning: Real, 0.05, [0, 1], "weight", false, "Weight of the value produced this step in openness.";
    orgs.imitation: Real, 0.05, [0, 1], "weight", false, "How fast organisations copy the openness of the best-performing organisation.";
    // --- citizen-side dynamics ---
    dynamics.awareness_decay: Real, 0.1, [0, 1], "probability per step", false, "Monthly chance an aware citizen in no group forgets the opportunities.";
    dynamics.word_of_mouth: Real, 0.1, [0, 1], "probability per step", false, "Monthly chance a member of a group, recruiting or started, tells a random neighbour.";
    dynamics.efficacy_learning: Real, 0.05, [0, 1], "weight", false, "Weight of experienced influence in efficacy.";
    dynamics.citizen_trust_learning: Real, 0.05, [0, 1], "weight", false, "Weight of this step's experience in citizens' trust in the organisation.";
    dynamics.ownership_learning: Real, 0.03, [0, 1], "weight", false, "Weight of taking part in ownership.";
    dynamics.disconnected_trust: Real, 0.2, [0, 1], "0-1 scale", false, "Trust that non-members drift to when the organisation is disconnected from them.";
    // --- levers (interventions may switch these during a run) ---
    levers.participation_cost: Real, 0.5, [0, 2], "benefit units per step", true, "Cost of taking part for a citizen with no spare time.";
    levers.threshold_shift: Real, 0.0, [-10, 10], "log-odds", true, "Added to the join log-odds (lowering thresholds is positive).";
    levers.financial_incentive: Real, 0.0, [0, 1], "0-1 scale", true, "Payment to members.";
    levers.nonfinancial_incentive: Real, 0.0, [0, 1], "0-1 scale", true, "Recognition and other non-financial rewards to members.";
    levers.crowding_out: Bool, 0, [0, 1], "switch", true, "Whether financial incentives crowd out the intrinsic motivation of paid members.";
    levers.ownership_invitation: Real, 0.0, [0, 1], "0-1 scale", true, "Inviting policies that build ownership among contacted citizens.";
    levers.outreach: Real, 0.0, [0, 1], "0-1 scale", true, "Targeted outreach: extra contact and support for the low-resource group.";
    levers.staff_training: Real, 0.0, [0, 1], "share per step", true, "Share of the remaining skill gap (1 - skill) that training closes each step.";
    levers.devolved_autonomy: Real, 0.0, [0, 1], "0-1 scale", true, "Added to every organisation's autonomy.";
    levers.procedure_reduction: Real, 0.0, [0, 1], "0-1 scale", true, "Subtracted from every organisation's procedural orientation.";
    levers.directive: Real, 0.0, [0, 1], "share", true, "Top-down directive: opportunities opened are at least this share of the maximum.";
    levers.entrepreneurs: Real, 0.0, [0, 1], "share", true, "Policy entrepreneurs: extra high-trust opportunities with full power sharing, as a share of the maximum.";
    levers.embedding: Real, 0.0, [0, 1], "0-1 scale", true, "Added to every organisation's embeddedness.";
    levers.engagement: Choice(ENGAGEMENT), 1, [0, 1], "option", true, "`inform`: contact raises awareness (and ownership, through ownership_invitation), and staff share only inform_power_share of the power they would; `two_way`: contact also gives citizens a voice.";
    levers.strategy_integration: Bool, 0, [0, 1], "switch", true, "Engagement integrated with communications and corporate strategy (wider reach, clearer messages).";
    levers.state_support: Real, 0.5, [0, 1], "0-1 scale", true, "Supportive, enabling state: resources for professional input and facilitation of citizens.";
    levers.org_incentives: Real, 0.0, [0, 1], "0-1 scale", true, "Incentives for organisations to open co-production opportunities.";
    levers.role_design: Choice(ROLE), 0, [0, 1], "option", true, "`complementary`: citizens add to professionals; `substitutive`: citizens replace part of professional input, rho is taken as 1 and professionals withdraw one for one (channels.professional_withdrawal).";
    levers.group_size_cap: Int, 8, [1, 10_000], "members", true, "Largest number of members a new group recruits.";
    // --- mechanism switches, for ablation experiments ---
    channels.citizen_input as citizen_input_channel: Bool, 1, [0, 1], "switch", false, "Citizen effort counts in production (off: it counts as zero, so no task with a positive minimum effort succeeds).";
    channels.autonomy_value as autonomy_value_channel: Bool, 1, [0, 1], "switch", false, "Autonomy raises the value an organisation expects from citizen input.";
    channels.power_feedback as power_feedback_channel: Bool, 1, [0, 1], "switch", false, "The power an organisation shares shapes members' external efficacy and trust, and two-way contact moves external efficacy toward it (off: members' updates take power as 0.5 and contact leaves external efficacy unchanged).";
    channels.efficacy_impact as efficacy_impact_channel: Bool, 1, [0, 1], "switch", false, "Internal efficacy scales the perceived impact of one's own effort (off: everyone counts citizens.efficacy_mean).";
    channels.external_efficacy_effect as external_efficacy_effect_channel: Bool, 1, [0, 1], "switch", false, "External efficacy scales the perceived impact of joining an organisation-supported group (off: everyone counts 1).";
    channels.embedded_contact as embedded_contact_channel: Bool, 1, [0, 1], "switch", false, "Embeddedness raises contact and anchors citizens' trust.";
    channels.complementarity as complementarity_channel: Bool, 1, [0, 1], "switch", false, "Inputs complement (off: rho is taken as 1, as under a substitutive role design).";
    channels.peer_monitoring as peer_monitoring_channel: Bool, 1, [0, 1], "switch", false, "Being watched by fellow members raises contributions.";
    channels.social_influence as social_influence_channel: Bool, 1, [0, 1], "switch", false, "Neighbours who are members of a group (recruiting or started) raise the join log-odds.";
    channels.procedural_trust_bias as procedural_trust_bias_channel: Bool, 1, [0, 1], "switch", false, "Procedural orientation biases organisational trust updates down.";
    channels.staff_skill as staff_skill_channel: Bool, 1, [0, 1], "switch", false, "Staff skill scales how much citizen effort counts.";
    channels.resource_costs as resource_costs_channel: Bool, 1, [0, 1], "switch", false, "Spare time lowers the participation cost.";
    channels.trust_feedback as trust_feedback_channel: Bool, 1, [0, 1], "switch", false, "Staff update their trust in citizens from outcomes (organisational trust is their mean).";
    channels.task_clarity as task_clarity_channel: Bool, 1, [0, 1], "switch", false, "Generic tasks' benefits are perceived less clearly than specific ones'.";
    channels.openness_imitation as openness_imitation_channel: Bool, 1, [0, 1], "switch", false, "Organisations imitate the openness of the best-performing organisation.";
    channels.state_support_effect as state_support_effect_channel: Bool, 1, [0, 1], "switch", false, "State support raises professional input to groups and lowers citizens' costs (off: taken at 0.5).";
    channels.skill_capacity as skill_capacity_channel: Bool, 1, [0, 1], "switch", false, "Skill and time set how much a member's contribution counts (off: everyone counts 0.5).";
    channels.outreach_targeting as outreach_targeting_channel: Bool, 1, [0, 1], "switch", false, "Outreach reaches low-resource citizens with extra contact and cost support (off: outreach reaches no one).";
    channels.professional_withdrawal as professional_withdrawal_channel: Bool, 1, [0, 1], "switch", false, "In substitutive role designs professionals withdraw their input one for one with the citizen input the group supplies, back to their own service (off: they keep it).";
    channels.ongoing_costs as ongoing_costs_channel: Bool, 1, [0, 1], "switch", false, "Members pay the participation cost every step, not only when joining.";
    channels.ownership as ownership_channel: Bool, 1, [0, 1], "switch", false, "Ownership matters: it raises the join log-odds and members' satisfaction, and taking part and invitations build it (off: none of these).";
    // --- group-size forces, for the factorial ablation (issue 15) ---
    channels.size_capacity as size_capacity_channel: Bool, 1, [0, 1], "switch", false, "Labour capacity rises with members: a group's effort is its members' efforts summed (off: the mean member's effort times 4, whatever the size).";
    channels.monitoring_dilution as monitoring_dilution_channel: Bool, 1, [0, 1], "switch", false, "Peer monitoring is diluted in larger groups: each member is watched by attention / (n - 1) of the others (off: fully watched at any size).";
    channels.belief_learning as belief_learning_channel: Bool, 1, [0, 1], "switch", false, "Members update their beliefs from the fellow members they watch, so imperfect conditional cooperation decays (off: beliefs stay at their initial values).";
    // --- accounting (costs of co-production) ---
    costs.time_price: Real, 1.0, [0, 100], "input units per effort unit", false, "Shadow price of citizens' time: what one unit of citizen effort given to a group costs, in units of professional input (1: replacement cost).";
    // --- lab setting ---
    lab.lab_group_size: Int, 4, [2, 1000], "players", false, "Players per group in the lab setting.";
    lab.mpcr: Real, 0.4, [0, 1], "per unit contributed", false, "Marginal per-capita return of the linear public good.";
    lab.endowment: Real, 20, [1, 1_000_000], "tokens", false, "Endowment per round.";
    lab.rematch: Bool, 1, [0, 1], "switch", false, "Strangers: re-match groups every round (off: partners).";
    lab.cost_sensitivity: Real, 0.0, [0, 2], "share of endowment per unit net cost", false, "Lab only: every contribution falls by this times the net private cost of giving a token, (1 - mpcr) - altruism x (group size - 1) x mpcr (0: the MPCR and group size do not enter decisions).";
    lab.altruism: Real, 0.0, [0, 1], "weight on others' earnings", false, "Lab only: weight a subject puts on the other group members' earnings in the net cost of giving (Anderson, Goeree and Holt 1998).";
    lab.first_update: Real, 1.0, [0, 1], "factor", false, "Lab only: the first belief update (after round 1) moves belief_weight x this of the way to the others' mean; later updates move belief_weight.";
}

impl Params {
    /// The spec and index of a parameter by its dotted name.
    pub fn lookup(name: &str) -> Result<(usize, &'static ParamSpec), ParamError> {
        SPECS
            .iter()
            .enumerate()
            .find(|(_, s)| s.name == name)
            .ok_or_else(|| ParamError::Unknown {
                name: name.to_string(),
            })
    }

    /// The value of a parameter by name.
    pub fn get(&self, name: &str) -> Result<f64, ParamError> {
        Params::lookup(name).map(|(i, _)| self.get_index(i))
    }

    /// Sets a parameter by name after checking kind and range.
    pub fn set(&mut self, name: &str, value: f64) -> Result<(), ParamError> {
        let (index, spec) = Params::lookup(name)?;
        spec.check(value)?;
        *self.slot(index) = value;
        Ok(())
    }

    /// Sets the parameter at `index` in [`SPECS`] after checking kind and range.
    pub fn set_index(&mut self, index: usize, value: f64) -> Result<(), ParamError> {
        SPECS[index].check(value)?;
        *self.slot(index) = value;
        Ok(())
    }

    /// Whether these parameters run the lab setting (`population.setting = "lab"`), the
    /// repeated public-goods game, instead of the field model.
    pub fn is_lab(&self) -> bool {
        self.setting == 1.0
    }

    /// Every parameter in its range (the fields are public, so a caller may have set one
    /// without [`Params::set`]), then the cross-parameter checks that single ranges cannot
    /// express.
    pub fn validate(&self) -> Result<(), ParamError> {
        for (i, spec) in SPECS.iter().enumerate() {
            spec.check(self.get_index(i))?;
        }
        let shares = self.share_conditional + self.share_free_rider + self.share_hump;
        if shares > 1.0 + 1e-9 {
            return Err(ParamError::Inconsistent {
                names: vec![
                    "citizens.share_conditional",
                    "citizens.share_free_rider",
                    "citizens.share_hump",
                ],
                reason: format!("type shares add up to {}, more than 1", above_one(shares)),
            });
        }
        if self.is_lab() && self.n_citizens < self.lab_group_size {
            return Err(ParamError::Inconsistent {
                names: vec!["population.n_citizens", "lab.lab_group_size"],
                reason: "the lab needs at least one full group of subjects".to_string(),
            });
        }
        if !self.is_lab() {
            self.validate_network()?;
        }
        Ok(())
    }

    /// The checks of the field model's network (docs/ODD.md 2); a lab run has no network.
    fn validate_network(&self) -> Result<(), ParamError> {
        if self.n_communities > self.n_citizens {
            return Err(ParamError::Inconsistent {
                names: vec!["population.n_communities", "population.n_citizens"],
                reason: "more communities than citizens".to_string(),
            });
        }
        // More than `ring_degree` citizens per community on average, so that the smallest
        // community (floor(N/C) citizens) has at least `ring_degree`: no tie to oneself.
        let per_community = self.n_citizens / self.n_communities;
        if self.ring_degree >= per_community {
            let average = if per_community.fract() == 0.0 {
                format!("{per_community}")
            } else {
                format!("about {per_community:.1}")
            };
            return Err(ParamError::Inconsistent {
                names: vec![
                    "population.ring_degree",
                    "population.n_citizens",
                    "population.n_communities",
                ],
                reason: format!(
                    "{} citizens in {} communities are {} per community on average; a ring \
                     degree of {} needs more than {} citizens per community (then the \
                     smallest community has at least {})",
                    self.n_citizens,
                    self.n_communities,
                    average,
                    self.ring_degree,
                    self.ring_degree,
                    self.ring_degree
                ),
            });
        }
        Ok(())
    }

    /// Bytes the model state will take for these parameters, for refusing absurd sizes early.
    pub fn estimated_bytes(&self) -> u64 {
        if self.is_lab() {
            // No network and no citizen columns of the field model.
            return BYTES_PER_SUBJECT * self.n_citizens as u64;
        }
        // Citizen state, plus the network: an offset, a co-production tie slot and
        // `ring_degree` neighbour entries of 4 bytes each per citizen.
        let citizens =
            (BYTES_PER_CITIZEN + 8 + 4 * self.ring_degree as u64) * self.n_citizens as u64;
        // Organisations and their staff, which can outweigh the citizens: 100,000
        // organisations of 10,000 staff each are 44 GB.
        let orgs = self.n_organisations as u64;
        citizens + orgs * BYTES_PER_ORG + orgs * self.staff_per_org as u64 * BYTES_PER_STAFF
    }
}

/// `sum` (more than 1) in the fewest decimals that still read as more than 1 and as the
/// sum, not the noise of adding floats: 0.5 + 0.6 + 0.12 gives 1.22, not
/// 1.2200000000000002, and 1.0000000001 gives itself, not 1.
fn above_one(sum: f64) -> String {
    (1..=16)
        .map(|decimals| {
            let text = format!("{sum:.decimals$}");
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        })
        .find(|text| {
            text.parse::<f64>()
                .is_ok_and(|shown| shown > 1.0 && (shown - sum).abs() < 1e-12)
        })
        .unwrap_or_else(|| sum.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Numbers in messages read as typed, tiny and huge ones short, and exactly.
    #[test]
    fn readable_numbers_are_short_and_exact() {
        for (v, shown) in [
            (0.05, "0.05"),
            (200.0, "200"),
            (-0.0, "0"),
            (1e-300, "1e-300"),
            (1e-320, "1e-320"),
            (1.5e308, "1.5e308"),
            (0.000123, "1.23e-4"),
        ] {
            assert_eq!(readable(v), shown);
            assert_eq!(shown.parse::<f64>().unwrap(), v);
        }
    }

    /// Not the noise of adding floats, and never a sum that reads as 1.
    #[test]
    fn a_sum_of_shares_reads_as_more_than_1_in_few_decimals() {
        assert_eq!(above_one(0.5 + 0.6 + 0.12), "1.22");
        assert_eq!(above_one(1.0000000001), "1.0000000001");
        assert_eq!(above_one(1.5), "1.5");
        assert_eq!(above_one(2.0), "2");
    }

    #[test]
    fn defaults_are_in_range_and_consistent() {
        let p = Params::defaults();
        for (i, spec) in SPECS.iter().enumerate() {
            assert_eq!(spec.check(p.get_index(i)), Ok(()), "{}", spec.name);
        }
        p.validate().unwrap();
    }

    /// A unit that promises a value between 0 and 1 (a 0-1 scale, a share or a
    /// probability) is untrue of a parameter allowed outside it, and `coprod list --params`,
    /// parameters.csv and docs/ODD.md all print the unit beside the range.
    #[test]
    fn units_of_0_to_1_have_ranges_within_0_and_1() {
        // A share per unit of something else is a slope ("share of endowment per unit net
        // cost"), which may exceed 1; a share per step or per member may not.
        let bounded = |unit: &str| {
            (unit == "0-1 scale" || unit.starts_with("share") || unit.starts_with("probability"))
                && !unit.contains("per unit")
        };
        let wrong: Vec<String> = SPECS
            .iter()
            .filter(|s| bounded(s.unit) && !(s.min >= 0.0 && s.max <= 1.0))
            .map(|s| format!("{} ({}, {} to {})", s.name, s.unit, s.min, s.max))
            .collect();
        assert!(
            wrong.is_empty(),
            "units that contradict their range: {wrong:?}"
        );
        // The check sees the units it guards.
        assert!(SPECS.iter().filter(|s| bounded(s.unit)).count() > 40);
    }

    #[test]
    fn only_field_runs_need_a_network() {
        // 40 subjects in the default 20 communities: too few for 6 ties each, which a lab
        // run, with no network, does not need.
        let mut p = Params::defaults();
        p.n_citizens = 40.0;
        assert!(p.validate().is_err());
        p.setting = 1.0;
        p.validate().unwrap();
        p.n_communities = 1_000_000.0;
        p.validate().unwrap();
        // Nor is its memory estimated with one.
        let bytes = p.estimated_bytes();
        p.ring_degree = 40.0;
        assert_eq!(p.estimated_bytes(), bytes);
        assert_eq!(bytes, 33 * 40);
        // An odd ring degree is out of its range in either setting.
        p.ring_degree = 5.0;
        assert!(p.validate().is_err());
    }

    /// Staff count in the memory estimate: the largest organisations and staff allowed need
    /// 44 GB, which the check must see before a run aborts for want of memory.
    #[test]
    fn the_memory_estimate_counts_organisations_and_staff() {
        let mut p = Params::defaults();
        let citizens_only = p.estimated_bytes();
        (p.n_organisations, p.staff_per_org) = (100_000.0, 10_000.0);
        assert!(p.estimated_bytes() >= citizens_only + 44_000_000_000);
    }

    /// The network check's boundary is the one docs/ODD.md 2 gives: more than `ring_degree`
    /// citizens per community on average, so the smallest community has at least
    /// `ring_degree` (130 in 20 communities: sizes 6 and 7, accepted with degree 6).
    #[test]
    fn communities_need_more_citizens_than_the_ring_degree_on_average() {
        let mut p = Params::defaults();
        (p.n_communities, p.ring_degree) = (20.0, 6.0);
        p.n_citizens = 130.0;
        p.validate().unwrap();
        p.n_citizens = 120.0;
        let message = p.validate().unwrap_err().to_string();
        assert!(
            message.contains("120 citizens in 20 communities are 6 per community on average")
                && message.contains("needs more than 6"),
            "{message}"
        );
        p.ring_degree = 8.0;
        p.n_citizens = 125.0;
        let message = p.validate().unwrap_err().to_string();
        assert!(message.contains("are about 6.2 per community"), "{message}");
    }

    /// `check` enforces what `allowed` says of an even-only parameter: it let an odd ring
    /// degree through, and each caller (parameters.csv's reader) had to add the rule.
    #[test]
    fn check_refuses_an_odd_value_of_an_even_only_parameter() {
        let (_, spec) = Params::lookup("population.ring_degree").unwrap();
        assert_eq!(spec.check(6.0), Ok(()));
        assert_eq!(
            spec.check(5.0),
            Err(ParamError::OutOfRange {
                name: "population.ring_degree",
                value: 5.0,
                allowed: "an even whole number from 2 to 40".to_string(),
            })
        );
        assert!(
            Params::defaults()
                .set("population.ring_degree", 7.0)
                .is_err()
        );
    }

    /// docs/ODD.md 10 says a numeric parameter rules others out at the end of its range.
    #[test]
    fn numeric_gates_are_at_an_end_of_their_range() {
        for (gate, value) in SWITCHED_READS.iter().flat_map(SwitchedRead::gates) {
            let (_, spec) = Params::lookup(gate).expect(gate);
            assert_eq!(spec.check(value), Ok(()), "{gate}");
            if matches!(spec.kind, Kind::Real | Kind::Int) {
                assert!(value == spec.min || value == spec.max, "{gate}");
            }
        }
    }

    #[test]
    fn names_are_unique() {
        for (i, a) in SPECS.iter().enumerate() {
            assert!(
                SPECS[i + 1..].iter().all(|b| b.name != a.name),
                "{}",
                a.name
            );
        }
    }

    #[test]
    fn set_checks_range_and_kind() {
        let mut p = Params::defaults();
        p.set("levers.group_size_cap", 12.0).unwrap();
        assert_eq!(p.group_size_cap, 12.0);
        assert!(p.set("levers.group_size_cap", 2.5).is_err());
        assert!(p.set("citizens.efficacy_mean", 1.5).is_err());
        assert!(matches!(
            p.set("nope", 1.0),
            Err(ParamError::Unknown { .. })
        ));
    }

    #[test]
    fn inconsistent_type_shares_are_rejected() {
        let mut p = Params::defaults();
        p.set("citizens.share_free_rider", 0.9).unwrap();
        assert!(matches!(p.validate(), Err(ParamError::Inconsistent { .. })));
    }

    /// Fields set directly, past `set`'s checks, are caught by `validate`: a negative or NaN
    /// type share (which would skew the type draw) and no organisations.
    #[test]
    fn validate_checks_fields_set_directly() {
        for bad in [
            |p: &mut Params| p.share_free_rider = -0.2,
            |p: &mut Params| p.share_conditional = f64::NAN,
            |p: &mut Params| p.n_organisations = 0.0,
        ] {
            let mut p = Params::defaults();
            bad(&mut p);
            assert!(matches!(p.validate(), Err(ParamError::OutOfRange { .. })));
        }
    }
}

/// The plausible range of a parameter whose value is an assumption: where the robustness
/// map of `coprod validate` looks for the claims derived from the model (docs/validation.md).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AssumedRange {
    /// Dotted parameter name.
    pub name: &'static str,
    /// Lowest plausible value.
    pub low: f64,
    /// Highest plausible value.
    pub high: f64,
    /// Why this range.
    pub reason: &'static str,
}

const CENTRED: &str = "0-1 scale centred by assumption: no survey fixes the mean on this scale; \
     plus or minus 0.2 keeps the population neither extreme";
const RATE: &str = "a rate or probability per month with no estimate for this setting: half to \
     double the default";
const WEIGHT: &str = "a join log-odds weight set by assumption: half to one and a half times \
     the default keeps its sign and order among the weights";

/// Parameters marked as assumptions, with plausible ranges, in parameter-table order
/// (docs/ODD.md section 10, "Plausible ranges", is generated from it).
pub const ASSUMED_RANGES: &[AssumedRange] = &[
    AssumedRange {
        name: "population.bridge_prob",
        low: 0.025,
        high: 0.1,
        reason: "small-world bridging share: half to double the default (Watts and Strogatz 1998 give no value for neighbourhoods)",
    },
    AssumedRange {
        name: "citizens.efficacy_mean",
        low: 0.3,
        high: 0.7,
        reason: CENTRED,
    },
    AssumedRange {
        name: "citizens.motivation_mean",
        low: 0.3,
        high: 0.7,
        reason: CENTRED,
    },
    AssumedRange {
        name: "citizens.trust_mean",
        low: 0.3,
        high: 0.7,
        reason: CENTRED,
    },
    AssumedRange {
        name: "citizens.attribute_sd",
        low: 0.1,
        high: 0.25,
        reason: "heterogeneity of 0-1 attributes: from a tight population to one that spans most of the scale",
    },
    AssumedRange {
        name: "behaviour.attention",
        low: 2.0,
        high: 5.0,
        reason: "peers observed per step: limited attention (Milinski et al. 2002) suggests a handful",
    },
    AssumedRange {
        name: "behaviour.sanction_strength",
        low: 0.2,
        high: 0.5,
        reason: "peer monitoring strength (Yang et al. 2013) has no measured size: a weak to a strong pull toward peers",
    },
    AssumedRange {
        name: "behaviour.motivation_weight",
        low: 0.1,
        high: 0.3,
        reason: "intrinsic motivation's pull on contributions: half to one and a half times the default",
    },
    AssumedRange {
        name: "join.w_efficacy",
        low: 1.5,
        high: 4.5,
        reason: WEIGHT,
    },
    AssumedRange {
        name: "join.w_social",
        low: 0.75,
        high: 2.25,
        reason: WEIGHT,
    },
    AssumedRange {
        name: "join.w_trust",
        low: 0.5,
        high: 1.5,
        reason: WEIGHT,
    },
    AssumedRange {
        name: "join.w_cost",
        low: 1.0,
        high: 3.0,
        reason: WEIGHT,
    },
    AssumedRange {
        name: "groups.min_effort",
        low: 0.4,
        high: 0.8,
        reason: "minimum viable effort (Oliver and Marwell 1988) has no unit-free estimate: plus or minus a third",
    },
    AssumedRange {
        name: "groups.rho",
        low: 0.25,
        high: 0.75,
        reason: "curvature of the CES of Parks et al. (1981) (elasticity of substitution 1.33 to 4): combining the inputs always adds something, never perfect substitutes",
    },
    AssumedRange {
        name: "groups.satisfaction_rate",
        low: 0.15,
        high: 0.45,
        reason: "speed of satisfaction updating: half to one and a half times the default",
    },
    AssumedRange {
        name: "groups.tie_formation",
        low: 0.025,
        high: 0.1,
        reason: RATE,
    },
    AssumedRange {
        name: "orgs.contact_rate",
        low: 0.025,
        high: 0.1,
        reason: RATE,
    },
    AssumedRange {
        name: "orgs.trust_learning",
        low: 0.05,
        high: 0.2,
        reason: RATE,
    },
    AssumedRange {
        name: "orgs.procedural_bias",
        low: 0.25,
        high: 0.75,
        reason: "how much procedural orientation discounts observed success (Yang 2005) is not measured: half to one and a half times the default",
    },
    AssumedRange {
        name: "orgs.openness_learning",
        low: 0.025,
        high: 0.1,
        reason: RATE,
    },
    AssumedRange {
        name: "orgs.imitation",
        low: 0.025,
        high: 0.1,
        reason: RATE,
    },
    AssumedRange {
        name: "dynamics.awareness_decay",
        low: 0.05,
        high: 0.2,
        reason: RATE,
    },
    AssumedRange {
        name: "dynamics.word_of_mouth",
        low: 0.05,
        high: 0.2,
        reason: RATE,
    },
    AssumedRange {
        name: "dynamics.efficacy_learning",
        low: 0.025,
        high: 0.1,
        reason: RATE,
    },
    AssumedRange {
        name: "dynamics.citizen_trust_learning",
        low: 0.025,
        high: 0.1,
        reason: RATE,
    },
];

#[cfg(test)]
mod assumed_range_tests {
    use super::*;

    #[test]
    fn assumed_ranges_are_assumptions_inside_their_allowed_range_around_the_default() {
        let mut last = 0;
        for r in ASSUMED_RANGES {
            let (index, spec) = Params::lookup(r.name).expect(r.name);
            assert!(index >= last, "{} out of table order", r.name);
            last = index;
            assert!(
                spec.source().contains("assumption"),
                "{}: {}",
                r.name,
                spec.source()
            );
            assert!(
                spec.min <= r.low && r.low < r.high && r.high <= spec.max,
                "{}",
                r.name
            );
            assert!(
                r.low <= spec.default && spec.default <= r.high,
                "{}",
                r.name
            );
            assert!(!spec.lever && !r.reason.is_empty(), "{}", r.name);
        }
    }
}
