//! Interventions: a lever set to a value from one step until another.
//!
//! Owns the rule for which value of a lever is in force at a step; knows nothing of files.

use crate::params::{ParamError, Params, SPECS};

/// A lever parameter held at `value` for steps `from_step <= step < until_step`.
#[derive(Clone, Debug, PartialEq)]
pub struct Intervention {
    param_index: usize,
    /// The value the lever takes while the intervention is in force.
    pub value: f64,
    /// First step (0-based) in force.
    pub from_step: u32,
    /// First step no longer in force; `None` means to the end of the run.
    pub until_step: Option<u32>,
}

/// Levers named outside the `levers` section, read from the parameter table.
fn levers_outside_section() -> Vec<&'static str> {
    crate::params::SPECS
        .iter()
        .filter(|spec| spec.lever && !spec.name.starts_with("levers."))
        .map(|spec| spec.name)
        .collect()
}

impl Intervention {
    /// Checks that `name` is a lever, `value` is in its range and the window is not empty.
    pub fn new(
        name: &str,
        value: f64,
        from_step: u32,
        until_step: Option<u32>,
    ) -> Result<Intervention, ParamError> {
        let (param_index, spec) = Params::lookup(name)?;
        if !spec.lever {
            return Err(ParamError::Inconsistent {
                names: vec![spec.name],
                reason: format!(
                    "is not a lever: only parameters in `levers` (and {}) can change during a run",
                    levers_outside_section().join(", ")
                ),
            });
        }
        spec.check(value)?;
        if let Some(until) = until_step.filter(|&until| until <= from_step) {
            return Err(ParamError::Inconsistent {
                names: vec![spec.name],
                reason: format!(
                    "intervention ends (step {until}) before it starts (step {from_step})"
                ),
            });
        }
        Ok(Intervention {
            param_index,
            value,
            from_step,
            until_step,
        })
    }

    /// The dotted name of the lever.
    pub fn param(&self) -> &'static str {
        SPECS[self.param_index].name
    }

    /// The lever's index in `SPECS`.
    pub fn param_index(&self) -> usize {
        self.param_index
    }

    fn in_force(&self, step: u32) -> bool {
        step >= self.from_step && self.until_step.is_none_or(|until| step < until)
    }
}

/// The parameters in force at `step`: `base` with every active intervention applied in order.
/// Later interventions win when two set the same lever at the same step.
pub(crate) fn apply(base: &Params, interventions: &[Intervention], step: u32, out: &mut Params) {
    out.clone_from(base);
    for iv in interventions.iter().filter(|iv| iv.in_force(step)) {
        out.set_index(iv.param_index, iv.value)
            .expect("intervention values are checked in Intervention::new");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lever_is_in_force_only_inside_its_window() {
        let base = Params::defaults();
        let iv = Intervention::new("levers.outreach", 0.8, 10, Some(20)).unwrap();
        let mut p = base.clone();
        apply(&base, std::slice::from_ref(&iv), 9, &mut p);
        assert_eq!(p.outreach, 0.0);
        apply(&base, std::slice::from_ref(&iv), 10, &mut p);
        assert_eq!(p.outreach, 0.8);
        apply(&base, std::slice::from_ref(&iv), 20, &mut p);
        assert_eq!(p.outreach, 0.0);
    }

    #[test]
    fn non_levers_and_empty_windows_are_rejected() {
        assert!(Intervention::new("population.n_citizens", 10.0, 0, None).is_err());
        assert!(Intervention::new("levers.outreach", 0.5, 5, Some(5)).is_err());
        assert!(Intervention::new("levers.outreach", 2.0, 0, None).is_err());
    }
}
