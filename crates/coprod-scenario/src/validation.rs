//! The optional `[validation]` table of a scenario: which claim of the literature review the
//! scenario tests, on which metric, in which direction, and which mechanism switches an
//! ablation turns off. Used by `coprod validate` (files in `scenarios/validation/`).
//!
//! Owns the meaning of the table; the statistics live in `coprod-validate`.

use coprod_core::{Kind, Params, summary_names};

use crate::schema::RawValidation;

/// What result the claim predicts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// The treatment (or the highest dose) raises the metric.
    Increase,
    /// The treatment (or the highest dose) lowers the metric.
    Decrease,
    /// The metric peaks at an interior dose of the sweep.
    InteriorOptimum,
}

/// How the effect is estimated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    /// Variant `treatment` against the baseline, paired by replication.
    Paired,
    /// The single sweep axis as a dose series: last dose against first (or interior optimum).
    Dose,
    /// Citizen-level regression of participation on efficacy and resource group (P5):
    /// effect = |standardised efficacy coefficient| - |standardised resource coefficient|.
    EfficacyVersusResources,
    /// Regression across organisations of opportunities opened next step on trust (E2):
    /// effect = standardised slope.
    TrustPredictsOpportunities,
    /// Two levers in a 2x2 design with variants `a`, `b` and `ab` against the baseline:
    /// effect = (ab - b) - (a - baseline), positive when the levers reinforce each other.
    Interaction,
}

/// A validated `[validation]` table.
#[derive(Clone, Debug, PartialEq)]
pub struct Validation {
    /// Proposition id, e.g. `P3`.
    pub id: String,
    /// The claim in words.
    pub claim: String,
    /// `micro`, `emergent`, `micro+emergent`, or `exploratory`.
    pub kind: String,
    /// End-of-run metric (a name from `coprod_core::summary_names`), unused by regressions.
    pub metric: String,
    /// Predicted result.
    pub direction: Direction,
    /// How the effect is estimated.
    pub comparison: Comparison,
    /// Channel parameters set to `false` in the ablation experiment (empty: no ablation).
    pub ablation: Vec<String>,
    /// Exploratory rows report an effect but no verdict.
    pub exploratory: bool,
}

/// Checks a raw table; on error returns (field, message).
pub(crate) fn validate(raw: &RawValidation) -> Result<Validation, (&'static str, String)> {
    if raw.id.trim().is_empty() {
        return Err(("id", "a validation needs an `id`".into()));
    }
    let direction = match raw.direction.as_str() {
        "increase" => Direction::Increase,
        "decrease" => Direction::Decrease,
        "interior_optimum" => Direction::InteriorOptimum,
        other => {
            return Err((
                "direction",
                format!(
                    "unknown direction \"{other}\": allowed are \"increase\", \"decrease\", \
                     \"interior_optimum\""
                ),
            ));
        }
    };
    let comparison = match raw.comparison.as_deref().unwrap_or("paired") {
        "paired" => Comparison::Paired,
        "dose" => Comparison::Dose,
        "efficacy_vs_resources" => Comparison::EfficacyVersusResources,
        "trust_predicts_opportunities" => Comparison::TrustPredictsOpportunities,
        "interaction" => Comparison::Interaction,
        other => {
            return Err((
                "comparison",
                format!(
                    "unknown comparison \"{other}\": allowed are \"paired\", \"dose\", \
                     \"efficacy_vs_resources\", \"trust_predicts_opportunities\", \"interaction\""
                ),
            ));
        }
    };
    let regression = matches!(
        comparison,
        Comparison::EfficacyVersusResources | Comparison::TrustPredictsOpportunities
    );
    if !regression && !summary_names().iter().any(|(n, _, _)| *n == raw.metric) {
        return Err((
            "metric",
            format!(
                "unknown metric \"{}\": use an end-of-run metric of docs/outputs.md",
                raw.metric
            ),
        ));
    }
    for name in &raw.ablation {
        let ok = name.starts_with("channels.")
            && Params::lookup(name).is_ok_and(|(_, spec)| spec.kind == Kind::Bool);
        if !ok {
            return Err((
                "ablation",
                format!("\"{name}\" is not a mechanism switch: use a `channels.*` parameter"),
            ));
        }
    }
    let kind = raw.kind.trim().to_string();
    let kinds = ["micro", "emergent", "micro+emergent", "exploratory"];
    if !kinds.contains(&kind.as_str()) {
        return Err((
            "kind",
            format!("unknown kind \"{kind}\": allowed are {}", kinds.join(", ")),
        ));
    }
    if kind.contains("emergent") && raw.ablation.is_empty() {
        return Err((
            "ablation",
            "an emergent proposition needs an ablation: the channels its effect comes through"
                .into(),
        ));
    }
    Ok(Validation {
        id: raw.id.trim().to_string(),
        claim: raw.claim.trim().to_string(),
        kind: kind.clone(),
        metric: raw.metric.clone(),
        direction,
        comparison,
        ablation: raw.ablation.clone(),
        exploratory: kind == "exploratory",
    })
}
