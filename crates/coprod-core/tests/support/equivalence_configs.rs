//! The runs compared by the distribution-equivalence test (`tests/equivalence.rs`) and by
//! the program that made its reference statistics (`examples/equivalence_reference.rs`).
//! Shared so that both sides run exactly the same configurations.

use coprod_core::Params;

/// One configuration: a name, its parameters and its horizon in steps.
pub(crate) struct Config {
    pub(crate) name: &'static str,
    pub(crate) params: Params,
    pub(crate) steps: u32,
}

/// The baseline scenario (model defaults, 120 steps) and the group-size scenario
/// (scenarios/group-size.toml) at caps 4 and 16 in both service regimes (60 steps).
pub(crate) fn configs() -> Vec<Config> {
    let mut out = vec![Config {
        name: "baseline",
        params: Params::defaults(),
        steps: 120,
    }];
    for (service, cap, name) in [
        (0.0, 4.0, "group-size per_member cap 4"),
        (0.0, 16.0, "group-size per_member cap 16"),
        (1.0, 4.0, "group-size joint cap 4"),
        (1.0, 16.0, "group-size joint cap 16"),
    ] {
        let mut p = Params::defaults();
        p.set("population.n_communities", 10.0).unwrap();
        p.set("join.base", -3.0).unwrap();
        p.set("orgs.opportunity_rate", 0.1).unwrap();
        p.set("groups.formation_steps", 12.0).unwrap();
        p.set("groups.service", service).unwrap();
        if service == 1.0 {
            // The combined `joint` variant: since issue 15 the hurdle is its own choice.
            p.set("groups.coordination_cost", 0.0).unwrap();
            p.set("groups.min_effort_per_member", 0.0).unwrap();
        }
        p.set("levers.group_size_cap", cap).unwrap();
        out.push(Config {
            name,
            params: p,
            steps: 60,
        });
    }
    out
}
