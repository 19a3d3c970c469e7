//! Mediators: state through which an effect can travel across agents or over time, and the
//! hook that holds it at a control run's trajectory (controlled direct effects, docs/ODD.md
//! "Holding mediators").

/// A mediating state variable that a treatment run can hold at the control run's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Mediator {
    /// Citizens' trust in organisations.
    CitizenTrust,
    /// Organisations' trust in citizens.
    OrgTrust,
    /// Citizens' efficacy.
    Efficacy,
    /// Citizens' motivation.
    Motivation,
    /// Citizens' conditional-cooperation belief about peers.
    Belief,
    /// Citizens' awareness of opportunities and organisations' awareness of initiatives.
    Awareness,
    /// Organisations' openness.
    Openness,
    /// Organisations' reputation.
    Reputation,
    /// Co-production ties in the network.
    Ties,
    /// The word-of-mouth signal citizens receive.
    Contagion,
    /// Group membership (who is in which group): named so that registrations can say it,
    /// but it cannot be held (see [`Mediator::holdable`]).
    Membership,
}

impl Mediator {
    /// Every mediator, in the order of the vocabulary.
    pub const ALL: [Mediator; 11] = [
        Mediator::CitizenTrust,
        Mediator::OrgTrust,
        Mediator::Efficacy,
        Mediator::Motivation,
        Mediator::Belief,
        Mediator::Awareness,
        Mediator::Openness,
        Mediator::Reputation,
        Mediator::Ties,
        Mediator::Contagion,
        Mediator::Membership,
    ];

    /// The name used in scenario files and outputs.
    pub fn name(self) -> &'static str {
        match self {
            Mediator::CitizenTrust => "citizen_trust",
            Mediator::OrgTrust => "org_trust",
            Mediator::Efficacy => "efficacy",
            Mediator::Motivation => "motivation",
            Mediator::Belief => "belief",
            Mediator::Awareness => "awareness",
            Mediator::Openness => "openness",
            Mediator::Reputation => "reputation",
            Mediator::Ties => "ties",
            Mediator::Contagion => "contagion",
            Mediator::Membership => "membership",
        }
    }

    /// The mediator called `name`, if any.
    pub fn from_name(name: &str) -> Option<Mediator> {
        Mediator::ALL.into_iter().find(|m| m.name() == name)
    }

    /// Whether a run can hold it. Membership cannot: groups of two runs are different
    /// objects (different partners, sizes and histories), so "the same membership" has no
    /// agent-by-agent meaning once the runs diverge.
    pub fn holdable(self) -> bool {
        self != Mediator::Membership
    }
}
