//! The group-size regimes over 30 replications per size: with a per-member (crowding)
//! service, the share of groups lasting 24 months has an interior optimum among small
//! groups; with a non-rival service, no per-member hurdle and no coordination cost, large
//! groups do not collapse.

use coprod_core::{Detail, Params, simulate, summary_names};

const SIZES: [u32; 7] = [2, 4, 6, 8, 16, 24, 40];
const REPLICATIONS: u64 = 30;
const STEPS: u32 = 360;

/// Share of groups lasting 24 months (Kaplan-Meier) for each size, one row per replication (same seeds for
/// every size: common random numbers).
fn survival(service: &str) -> Vec<Vec<f64>> {
    let column = summary_names()
        .iter()
        .position(|n| n.0 == "share_lasting_24")
        .unwrap();
    // A keen community and a long formation window, so that groups reach their cap and
    // size is what differs (the same settings as scenarios/group-size.toml).
    let mut p = Params::defaults();
    p.set("join.base", -3.0).unwrap();
    p.set("groups.formation_steps", 12.0).unwrap();
    p.set("orgs.opportunity_rate", 0.1).unwrap();
    p.set("population.n_communities", 10.0).unwrap();
    p.set("groups.service", if service == "joint" { 1.0 } else { 0.0 })
        .unwrap();
    if service == "joint" {
        p.set("groups.coordination_cost", 0.0).unwrap();
        p.set("groups.min_effort_per_member", 0.0).unwrap();
    }
    (0..REPLICATIONS)
        .map(|rep| {
            SIZES
                .iter()
                .map(|&size| {
                    let mut q = p.clone();
                    q.set("levers.group_size_cap", f64::from(size)).unwrap();
                    simulate(&q, &[], STEPS, 500 + rep, Detail::Standard).summary()[column]
                })
                .collect()
        })
        .collect()
}

fn mean(xs: impl Iterator<Item = f64>) -> f64 {
    let v: Vec<f64> = xs.collect();
    v.iter().sum::<f64>() / v.len() as f64
}

/// Mean and 95% half-width (normal approximation, n = 30) of the paired difference a - b.
fn paired(rows: &[Vec<f64>], a: usize, b: usize) -> (f64, f64) {
    let d: Vec<f64> = rows.iter().map(|r| r[a] - r[b]).collect();
    let m = mean(d.iter().copied());
    let var = d.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (d.len() - 1) as f64;
    (m, 2.045 * (var / d.len() as f64).sqrt())
}

#[test]
fn crowding_regime_has_an_interior_optimum_among_small_groups() {
    let rows = survival("per_member");
    let means: Vec<f64> = (0..SIZES.len())
        .map(|k| mean(rows.iter().map(|r| r[k])))
        .collect();
    let best = (0..SIZES.len())
        .max_by(|&a, &b| means[a].total_cmp(&means[b]))
        .unwrap();
    assert!(
        SIZES[best] > 2 && SIZES[best] <= 12,
        "best size {} in {means:?}",
        SIZES[best]
    );
    let (d_small, hw_small) = paired(&rows, best, 0);
    let (d_large, hw_large) = paired(&rows, best, SIZES.len() - 1);
    assert!(
        d_small - hw_small > 0.0,
        "best vs size 2: {d_small} +- {hw_small}"
    );
    assert!(
        d_large - hw_large > 0.0,
        "best vs size 40: {d_large} +- {hw_large}"
    );
}

#[test]
fn joint_supply_regime_does_not_collapse_for_large_groups() {
    let rows = survival("joint");
    let means: Vec<f64> = (0..SIZES.len())
        .map(|k| mean(rows.iter().map(|r| r[k])))
        .collect();
    let peak = means.iter().copied().fold(0.0, f64::max);
    let largest = means[SIZES.len() - 1];
    assert!(
        largest >= 0.8 * peak,
        "size 40 survival {largest} vs peak {peak}: {means:?}"
    );
    // Large groups sustain at least as well as the small groups that win under crowding.
    let (d, hw) = paired(&rows, SIZES.len() - 1, 2);
    assert!(d + hw > 0.0, "size 40 vs size 6: {d} +- {hw}");
}
