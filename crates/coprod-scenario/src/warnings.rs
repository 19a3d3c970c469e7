//! What a scenario may say that is valid but probably not what was meant: an intervention
//! that starts after the last step, a variant that repeats the baseline, a parameter set
//! where the scenario's runs never read it: in the other setting
//! (`coprod_core::ParamSpec::read_in`), or because a switch, or another parameter at the end
//! of its range, rules it out (`coprod_core::SWITCHED_READS`).
//!
//! `coprod run` and `coprod check` show [`Scenario::warnings`]; `coprod sensitivity` and
//! `coprod calibrate`, which run the baseline alone, show [`Scenario::baseline_warnings`]
//! and the warnings on their own tables.

use coprod_core::SPECS;

use crate::scenario::{Scenario, Variant, setting_name};

/// Whether a lab run measures `metric` (docs/ODD.md 8.17): [`coprod_core::LAB_METRICS`], and
/// `participation_rate` (always 1). Every other is 0, or empty for the group metrics, since a
/// public-goods game has no organisations or lasting groups.
pub fn lab_measures(metric: &str) -> bool {
    coprod_core::LAB_METRICS.contains(&metric) || metric == "participation_rate"
}

impl Scenario {
    /// `warnings`, each naming the scenario's file (or shipped scenario) as its errors do:
    /// `FILE: ...`. Every command that says a scenario's warnings says them so.
    pub fn naming_the_file(&self, warnings: Vec<String>) -> Vec<String> {
        warnings
            .into_iter()
            .map(|warning| format!("{}: {warning}", self.origin))
            .collect()
    }

    /// Warnings on the experiment: interventions that start after the last step, variants
    /// that repeat the baseline or set what the runs do not read, and
    /// [`Scenario::baseline_warnings`].
    pub fn warnings(&self) -> Vec<String> {
        let lab = self.runs_lab();
        let mut out = Vec::new();
        if !lab {
            out.extend(self.late_interventions());
        }
        out.extend(self.starting_point_warnings());
        // The sweep's values take precedence: the file's own value is never run.
        let swept = |i: usize| self.sweep.iter().any(|axis| axis.param == i);
        out.extend(
            self.base_overrides
                .iter()
                .filter(|&&(i, _)| swept(i))
                .map(|&(i, _)| {
                    format!(
                        "[params] sets `{}`, which is also swept: every run takes the sweep's \
                         values, so this value is never used",
                        SPECS[i].name
                    )
                }),
        );
        for v in 1..self.variants.len() {
            out.extend(self.variant_warnings(v, lab));
        }
        out.extend(self.repeated_variants(lab));
        out.extend(self.switched_axis_warnings());
        if !lab {
            out.extend(self.switched_interventions());
            out.extend(self.settings_under_interventions(&self.variants));
        }
        if lab {
            out.extend(
                self.report_metrics
                    .iter()
                    .filter(|m| !lab_measures(m))
                    .map(|m| {
                        format!(
                            "[report] names `{m}`, which lab runs do not measure: it is 0 or empty \
                         in every run"
                        )
                    }),
            );
        }
        out
    }

    /// A `--set` lever that interventions replace for part of some variants' runs (one they
    /// replace at every step is refused: [`Scenario::check_settings_not_held`]), with the
    /// steps of the run they are in force.
    fn settings_under_interventions(&self, variants: &[Variant]) -> Vec<String> {
        let mut out = Vec::new();
        for &(index, value) in &self.pins {
            let spec = &SPECS[index];
            let partly: Vec<String> = variants
                .iter()
                .filter_map(|variant| {
                    let windows: Vec<String> = variant
                        .interventions
                        .iter()
                        .filter(|iv| iv.param() == spec.name && iv.from_step < self.steps)
                        .map(|iv| in_force(iv, self.steps))
                        .collect();
                    (!windows.is_empty())
                        .then(|| format!("`{}` ({})", variant.name, windows.join(", ")))
                })
                .collect();
            if !partly.is_empty() {
                out.push(format!(
                    "--set {}={} is replaced by interventions on `{}` while they are in force: \
                     in variant(s) {}",
                    spec.name,
                    spec.format_value(value),
                    spec.name,
                    partly.join(", ")
                ));
            }
        }
        out
    }

    /// Warnings on what every run starts from, the baseline of `coprod sensitivity` and
    /// `coprod calibrate` too: `[params]`, `--set` and the scenario's `[[interventions]]`,
    /// where the runs do not read them or replace them for part of the run.
    pub fn baseline_warnings(&self) -> Vec<String> {
        let mut out = self.starting_point_warnings();
        if !self.runs_lab() {
            out.extend(self.settings_under_interventions(&self.variants[..1]));
        }
        out
    }

    /// [`Scenario::baseline_warnings`] but those of the interventions in force, which
    /// [`Scenario::warnings`] gives for every variant at once.
    fn starting_point_warnings(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .unread_names(self.base_overrides.iter().map(|&(i, _)| i))
            .map(|(name, setting)| {
                format!(
                    "[params] sets `{name}`, which {setting} runs do not read: it changes nothing"
                )
            })
            .collect();
        out.extend(
            self.unread_names(self.pins.iter().map(|&(i, _)| i))
                .map(|(name, setting)| {
                    format!(
                        "--set {name}: {setting} runs do not read `{name}`, so it changes nothing"
                    )
                }),
        );
        let params = self.base_overrides.iter().map(|&(i, _)| (i, false));
        for (i, pinned) in params.chain(self.pins.iter().map(|&(i, _)| (i, true))) {
            let Some(why) = self.ruled_out_everywhere(i) else {
                continue;
            };
            let name = SPECS[i].name;
            out.push(if pinned {
                format!("--set {name}: no run reads `{name}` ({why}), so it changes nothing")
            } else {
                format!("[params] sets `{name}`, which no run reads ({why}): it changes nothing")
            });
        }
        if self.runs_lab() && !self.variants[0].interventions.is_empty() {
            out.push(
                "lab runs apply no interventions: the scenario's [[interventions]] change nothing"
                    .into(),
            );
        }
        out.extend(self.switched_scenario_interventions());
        out
    }

    /// A lab design's outputs that the lab does not vary, with what their indices will be:
    /// a constant moves by 0 at every step (Morris 0) and has no variance to share (Sobol
    /// NaN); a group metric is empty, so the analysis leaves it out.
    fn lab_constant_outputs(&self, method: Option<crate::Method>) -> Vec<String> {
        let indices = match method.map(|m| (m.morris(), m.sobol())) {
            Some((true, true)) => "its Morris indices are 0 and its Sobol indices NaN",
            Some((false, true)) => "its Sobol indices are NaN",
            _ => "its Morris indices are 0",
        };
        let outputs = self.sensitivity.iter().flat_map(|t| &t.outputs);
        let varies = |m: &&String| coprod_core::LAB_METRICS.contains(&m.as_str());
        let named = |m: &str| format!("[sensitivity] outputs names `{m}`, which is");
        outputs
            .filter(|m| !varies(m))
            .map(|m| match m.as_str() {
                "participation_rate" => format!("{} 1 in every lab run: {indices}", named(m)),
                m if coprod_core::GROUP_METRICS.contains(&m) => format!(
                    "{} empty in every lab run (no group lasts in a public-goods game): it has \
                     no indices",
                    named(m)
                ),
                m => format!(
                    "{} 0 in every lab run (lab runs do not measure it): {indices}",
                    named(m)
                ),
            })
            .collect()
    }

    /// Warnings on `[sensitivity.parameters]`: a factor the runs do not read is a dummy
    /// factor, whose indices are the estimators' noise.
    pub fn sensitivity_warnings(&self) -> Vec<String> {
        let factors = || self.sensitivity.iter().flat_map(|t| &t.factors);
        let mut out: Vec<String> = self
            .unread_names(factors().map(|f| f.param))
            .map(|(name, setting)| {
                format!(
                    "[sensitivity.parameters] varies `{name}`, which {setting} runs do not \
                     read: its indices measure only the estimators' noise"
                )
            })
            .collect();
        out.extend(self.switched_factors(
            factors().map(|f| f.param),
            "[sensitivity.parameters] varies",
            "its indices measure only the estimators' noise",
        ));
        let method = self.sensitivity.as_ref().map(|t| t.method);
        if self.runs_lab() {
            out.extend(self.lab_constant_outputs(method));
        }
        // Rounding can leave a whole-number factor at one value over its whole range: no
        // elementary effect (Morris NaN) and no share of the variance (Sobol 0).
        let indices = match method.map(|m| (m.morris(), m.sobol())) {
            Some((true, true)) => "its Morris indices are NaN (n = 0) and its Sobol indices 0",
            Some((false, true)) => "its Sobol indices are 0",
            _ => "its Morris indices are NaN (n = 0)",
        };
        out.extend(factors().filter(|f| f.value(0.0) == f.value(1.0)).map(|f| {
            format!(
                "[sensitivity.parameters] varies `{}` over [{}, {}], which rounds to {} \
                         everywhere: it never moves, so {indices}",
                f.name(),
                f.low,
                f.high,
                f.value(0.0)
            )
        }));
        // The noise share compares the replications of a point: one has nothing to compare.
        if self
            .sensitivity
            .as_ref()
            .is_some_and(|t| t.replications == 1)
        {
            out.push(
                "[sensitivity] replications = 1: the noise share is undefined (NaN in \
                 sensitivity.csv), so nothing says how much of the indices is seed noise; 2 \
                 or more replications per design point measure it"
                    .to_string(),
            );
        }
        out
    }

    /// Warnings on `[calibration.priors]`: the runs do not read a parameter estimated, so
    /// no target can inform it.
    pub fn calibration_warnings(&self) -> Vec<String> {
        let estimated = || self.calibration.iter().flat_map(|t| &t.estimated);
        let mut out: Vec<String> = self
            .unread_names(estimated().map(|e| e.param))
            .map(|(name, setting)| {
                format!(
                    "[calibration.priors] estimates `{name}`, which {setting} runs do not \
                     read: no target can inform it, so its posterior is its prior"
                )
            })
            .collect();
        out.extend(self.switched_factors(
            estimated().map(|e| e.param),
            "[calibration.priors] estimates",
            "no target can inform it, so its posterior is its prior",
        ));
        out
    }

    /// Warnings on factors (indices into `SPECS`) of an analysis around the baseline that
    /// a switch or value of the baseline rules out (`coprod_core::SWITCHED_READS`), unless
    /// the analysis varies that switch or value too.
    fn switched_factors(
        &self,
        factors: impl Iterator<Item = usize>,
        what: &str,
        consequence: &str,
    ) -> Vec<String> {
        let factors: Vec<usize> = factors.collect();
        factors
            .iter()
            .filter_map(|&i| {
                let why = self.baseline_ruled_out_varying(i, &factors)?;
                Some(format!(
                    "{what} `{}`, which the baseline's runs do not read ({}): {consequence}",
                    SPECS[i].name,
                    why.join(" or ")
                ))
            })
            .collect()
    }

    /// Why switches rule parameter `index` out of every run of variant `variant`
    /// (`coprod_core::SWITCHED_READS`), each as "`levers.role_design` is \"substitutive\"": at
    /// every sweep point some switch the variant's interventions leave alone rules it out.
    /// Only axes over such switches can move them (`--set` removes a swept axis and a
    /// variant cannot set one), so their combinations are the points looked at.
    fn ruled_out_in(&self, variant: usize, index: usize) -> Option<Vec<String>> {
        let interventions = &self.variants[variant].interventions;
        let mut why: Vec<String> = Vec::new();
        for point in self.switch_points(index) {
            let p = self.params_for(variant, point);
            let here = held_switches(&p, index, interventions, &[])?;
            for reason in here {
                add_new(&mut why, reason);
            }
        }
        Some(why)
    }

    /// The sweep points where the axes that can move a gate of a rule ruling parameter
    /// `index` out take each combination of their values, every other axis at its first
    /// value.
    fn switch_points(&self, index: usize) -> Vec<usize> {
        let name = SPECS[index].name;
        let mut points = vec![0];
        let mut stride = 1;
        for axis in self.sweep.iter().rev() {
            let swept = SPECS[axis.param].name;
            let rules = coprod_core::SWITCHED_READS.iter();
            if rules
                .filter(|r| r.unread.contains(&name))
                .any(|r| r.gates().any(|(gate, _)| self.axis_moves(swept, gate)))
            {
                points = (0..axis.values.len())
                    .flat_map(|j| points.iter().map(move |&k| k + j * stride))
                    .collect();
            }
            stride *= axis.values.len();
        }
        points
    }

    /// Whether a sweep over `swept` can move the value of `gate` in the runs: its own axis,
    /// or, under `--quick`, an axis its caps compute the number of communities and
    /// organisations from ([`Scenario::params_for`]).
    fn axis_moves(&self, swept: &str, gate: &str) -> bool {
        const QUICK_NETWORK: [&str; 3] = [
            "population.n_citizens",
            "population.ring_degree",
            "population.n_communities",
        ];
        let capped = ["population.n_communities", "population.n_organisations"];
        swept == gate || (self.quick && capped.contains(&gate) && QUICK_NETWORK.contains(&swept))
    }

    /// Why switches rule parameter `index` out of every run of every variant, and of the
    /// unswept baseline that `coprod sensitivity` and `coprod calibrate` run (with its
    /// interventions), if they do.
    fn ruled_out_everywhere(&self, index: usize) -> Option<String> {
        self.baseline_ruled_out(index)?;
        let mut why: Vec<String> = Vec::new();
        for v in 0..self.variants.len() {
            for reason in self.ruled_out_in(v, index)? {
                add_new(&mut why, reason);
            }
        }
        Some(why.join(" or "))
    }

    /// Why switches rule parameter `index` out of the unswept baseline's runs, whose
    /// interventions leave those switches alone, and which neither the scenario's
    /// `[sensitivity]` nor its `[calibration]` varies: their runs would read the parameter
    /// (`coprod run` misses such a warning rather than say one that `coprod sensitivity`
    /// would find untrue).
    fn baseline_ruled_out(&self, index: usize) -> Option<Vec<String>> {
        self.baseline_ruled_out_varying(index, &self.analysis_factors())
    }

    /// Why switches rule parameter `index` out of the unswept baseline's runs, whose
    /// interventions leave those switches alone, and which an analysis varying `varied`
    /// (indices into `SPECS`) does not move.
    fn baseline_ruled_out_varying(&self, index: usize, varied: &[usize]) -> Option<Vec<String>> {
        held_switches(
            &self.baseline_params(),
            index,
            &self.variants[0].interventions,
            varied,
        )
    }

    /// The parameters (indices into `SPECS`) the scenario's `[sensitivity.parameters]` vary
    /// and its `[calibration.priors]` estimate.
    fn analysis_factors(&self) -> Vec<usize> {
        let factors = self.sensitivity.iter().flat_map(|t| &t.factors);
        let estimated = self.calibration.iter().flat_map(|t| &t.estimated);
        factors
            .map(|f| f.param)
            .chain(estimated.map(|e| e.param))
            .collect()
    }

    /// A sweep over a parameter that switches rule out of every run of every variant.
    fn switched_axis_warnings(&self) -> Vec<String> {
        self.sweep
            .iter()
            .filter_map(|a| {
                let why = self.ruled_out_everywhere(a.param)?;
                Some(format!(
                    "the sweep over `{}` changes nothing: no run reads it ({why}), so every \
                     sweep point is the same runs under a different label",
                    a.name()
                ))
            })
            .collect()
    }

    /// The names of those `params` (indices in `SPECS`) that the scenario's runs do not
    /// read, each with the setting's name.
    fn unread_names(
        &self,
        params: impl Iterator<Item = usize>,
    ) -> impl Iterator<Item = (&'static str, &'static str)> {
        let lab = self.runs_lab();
        params
            .filter(move |&i| !SPECS[i].read_in(lab))
            .map(move |i| (SPECS[i].name, setting_name(lab)))
    }

    /// The scenario's interventions (every variant has them) on a lever that switches rule
    /// out of every run: said once, with the baseline's warnings.
    fn switched_scenario_interventions(&self) -> Vec<String> {
        self.variants[0]
            .interventions
            .iter()
            .filter_map(|iv| {
                let why = self.ruled_out_everywhere(iv.param_index())?;
                Some(format!(
                    "the intervention on `{0}` changes nothing: no run reads `{0}` ({why})",
                    iv.param()
                ))
            })
            .collect()
    }

    /// A variant's own interventions on a lever that switches rule out of its runs.
    fn switched_interventions(&self) -> Vec<String> {
        let inherited = self.variants[0].interventions.len();
        let mut out = Vec::new();
        for (v, variant) in self.variants.iter().enumerate().skip(1) {
            for iv in &variant.interventions[inherited..] {
                if let Some(why) = self.ruled_out_in(v, iv.param_index()) {
                    out.push(format!(
                        "the intervention on `{0}` in variant `{1}` changes nothing: its runs do \
                         not read `{0}` ({2})",
                        iv.param(),
                        variant.name,
                        why.join(" or ")
                    ));
                }
            }
        }
        out
    }

    fn late_interventions(&self) -> Vec<String> {
        let mut out = Vec::new();
        for variant in &self.variants {
            for iv in &variant.interventions {
                if iv.from_step >= self.steps {
                    out.push(format!(
                        "the intervention on `{}` in variant `{}` starts at step {}, but runs \
                         have only {} steps: it never takes effect",
                        iv.param(),
                        variant.name,
                        iv.from_step,
                        self.steps
                    ));
                }
            }
        }
        out
    }

    /// Why variant `v`'s settings of the parameters `read` (indices into `SPECS`) leave its
    /// runs as the baseline's: "it sets `a` to 0.5 and `b` to true, the baseline's values; ",
    /// "--set gives it the baseline's `c` = 0.7; " (a `--set` replaces a variant's value) or
    /// "--quick caps its `population.n_citizens` to the baseline's 1000; "; nothing for none.
    fn baseline_values(&self, v: usize, read: &[usize]) -> String {
        // The baseline's value of each setting as its runs have it: one value, or None when
        // sweep points give it several (`--quick`'s caps follow swept axes).
        let points: Vec<coprod_core::Params> = (0..self.n_points())
            .map(|p| self.params_for(0, p))
            .collect();
        let as_run = |i: usize| {
            let first = points[0].get_index(i);
            points
                .iter()
                .all(|p| p.get_index(i) == first)
                .then_some(first)
        };
        let own = |i: usize| {
            let overrides = &self.variants[v].overrides;
            overrides.iter().find(|(j, _)| *j == i).map(|&(_, x)| x)
        };
        let at = |i: usize| format!("`{}`", SPECS[i].name);
        let value = |i: usize| as_run(i).map(|x| SPECS[i].format_value(x));
        let pin = |i: usize| self.pins.iter().find(|(p, _)| *p == i).map(|&(_, x)| x);
        let (set, given): (Vec<usize>, Vec<usize>) = read.iter().partition(|&&i| pin(i).is_none());
        let (same, capped): (Vec<usize>, Vec<usize>) = set
            .into_iter()
            .partition(|&i| own(i).is_some() && own(i) == as_run(i));
        let mut out = String::new();
        if !same.is_empty() {
            let list: Vec<String> = same
                .iter()
                .map(|&i| format!("{} to {}", at(i), value(i).unwrap_or_default()))
                .collect();
            let values = if same.len() == 1 { "value" } else { "values" };
            // `--quick` may have capped the baseline's value down to the variant's.
            let quick = same
                .iter()
                .any(|&i| as_run(i) != Some(self.base.get_index(i)));
            let with = if quick { " (with --quick)" } else { "" };
            out += &format!(
                "it sets {}, the baseline's {values}{with}; ",
                list.join(" and ")
            );
        }
        for i in given {
            // `--quick` may have capped what `--set` gave.
            let with = if as_run(i) == pin(i) {
                ""
            } else {
                " (with --quick)"
            };
            let what = value(i).map_or(" at each sweep point".into(), |x| format!(" = {x}"));
            out += &format!("--set gives it the baseline's {}{what}{with}; ", at(i));
        }
        for i in capped {
            let what = value(i).unwrap_or_else(|| "value at each sweep point".into());
            out += &format!("--quick caps its {} to the baseline's {what}; ", at(i));
        }
        out
    }

    /// Whether variant `v`'s runs take the baseline's parameters at every sweep point, but
    /// for those neither reads: of the other setting (`lab`), or ruled out in both by a rule
    /// whose gates the two share and no intervention moves. (A variant that switches off a
    /// mechanism and zeroes its strength leaves each setting ruled out by the other; the
    /// baseline, which has neither, reads both.)
    /// Variants whose runs are an earlier variant's (other than the baseline, whose repeats
    /// are warned of already): the same parameters at every sweep point and the same
    /// interventions, so with common random numbers the same runs under another name.
    fn repeated_variants(&self, lab: bool) -> Vec<String> {
        let same = |v: usize, w: usize| {
            self.variants[v].interventions == self.variants[w].interventions
                && (0..self.n_points()).all(|point| {
                    let (a, b) = (self.params_for(v, point), self.params_for(w, point));
                    (0..SPECS.len()).all(|j| a.get_index(j) == b.get_index(j))
                })
        };
        (2..self.variants.len())
            .filter(|&w| !self.runs_as_baseline(w, lab))
            .filter_map(|w| {
                let v = (1..w).find(|&v| same(v, w))?;
                Some(format!(
                    "variant `{}` runs as variant `{}` does (the same parameters at every sweep \
                     point and the same interventions): its runs repeat that variant's",
                    self.variants[w].name, self.variants[v].name
                ))
            })
            .collect()
    }

    fn runs_as_baseline(&self, v: usize, lab: bool) -> bool {
        let interventions = &self.variants[v].interventions;
        (0..self.n_points()).all(|point| {
            let (a, b) = (self.params_for(v, point), self.params_for(0, point));
            let unread_in_both = |j: usize| {
                !SPECS[j].read_in(lab)
                    || held_rules(&a, j, interventions, &[])
                        .iter()
                        .any(|gates| gates.iter().all(|&g| a.get_index(g) == b.get_index(g)))
            };
            (0..SPECS.len()).all(|j| a.get_index(j) == b.get_index(j) || unread_in_both(j))
        })
    }

    /// Those of variant `v`'s settings `unread` (ruled out by switches or values) that a gate
    /// among the others rules out: each is read without the other.
    fn ruling_each_other_out(&self, v: usize, unread: &[(usize, Option<String>)]) -> Vec<usize> {
        let p = self.params_for(v, 0);
        let ruled: Vec<usize> = unread
            .iter()
            .filter(|(_, why)| why.is_some())
            .map(|&(i, _)| i)
            .collect();
        ruled
            .iter()
            .copied()
            .filter(|&i| {
                let gates = SPECS[i].switches_ruling_out(&p).concat();
                gates.iter().any(|g| *g != i && ruled.contains(g))
            })
            .collect()
    }

    /// A variant that changes nothing the runs read, or some of whose settings they do not
    /// read: in the other setting, or because a switch rules them out of its runs (in the
    /// lab, its own interventions too: lab runs apply none).
    fn variant_warnings(&self, v: usize, lab: bool) -> Vec<String> {
        let variant = &self.variants[v];
        let setting = setting_name(lab);
        let name = &variant.name;
        let own_interventions = variant.interventions.len() > self.variants[0].interventions.len();
        let unapplied = lab && own_interventions;
        // Each setting the runs do not read, with the switches that rule it out (None: the
        // setting's runs never read it).
        let mut read = Vec::new();
        let mut unread: Vec<(usize, Option<String>)> = Vec::new();
        for &(i, _) in &variant.overrides {
            if !SPECS[i].read_in(lab) {
                unread.push((i, None));
            } else if let Some(why) = self.ruled_out_in(v, i) {
                unread.push((i, Some(why.join(" or "))));
            } else {
                read.push(i);
            }
        }
        // Settings that rule each other out (a mechanism switched off and its strength set to
        // 0) each change the runs without the other: neither is said to change nothing.
        let mutual = self.ruling_each_other_out(v, &unread);
        unread.retain(|(i, _)| !mutual.contains(i));
        read.extend(mutual);
        // Runs that take the baseline's parameters at every sweep point (a copied line, a
        // forgotten edit, a `--set` that replaces the variant's value, `--quick`'s caps)
        // repeat the baseline's.
        if (lab || !own_interventions) && self.runs_as_baseline(v, lab) {
            return vec![repeats_baseline(
                name,
                &self.baseline_values(v, &read),
                setting,
                &unread,
                unapplied,
            )];
        }
        let mut out: Vec<String> = unread
            .iter()
            .map(|(i, why)| {
                let param = SPECS[*i].name;
                match why {
                    None => format!(
                        "variant `{name}` sets `{param}`, which {setting} runs do not read: that \
                         part of it changes nothing"
                    ),
                    Some(why) => format!(
                        "variant `{name}` sets `{param}`, which its runs do not read ({why}): \
                         that part of it changes nothing"
                    ),
                }
            })
            .collect();
        if unapplied {
            out.push(format!(
                "variant `{name}` has interventions, which lab runs do not apply: that part of \
                 it changes nothing"
            ));
        }
        out
    }
}

/// The rules of switches (and values) of `p` that rule parameter `index` out and none of
/// whose gates one of `interventions` or an analysis that varies the parameters `varied`
/// (indices into `SPECS`) moves, each as its gates.
fn held_rules(
    p: &coprod_core::Params,
    index: usize,
    interventions: &[coprod_core::Intervention],
    varied: &[usize],
) -> Vec<Vec<usize>> {
    let moved =
        |s: &usize| interventions.iter().any(|iv| iv.param_index() == *s) || varied.contains(s);
    let mut rules = SPECS[index].switches_ruling_out(p);
    rules.retain(|gates| !gates.iter().any(moved));
    rules
}

/// [`held_rules`] in words, each as "`levers.role_design` is \"substitutive\"" (gates
/// joined by "and"), or None if there are none.
fn held_switches(
    p: &coprod_core::Params,
    index: usize,
    interventions: &[coprod_core::Intervention],
    varied: &[usize],
) -> Option<Vec<String>> {
    let why: Vec<String> = held_rules(p, index, interventions, varied)
        .into_iter()
        .map(|gates| {
            let said: Vec<String> = gates
                .iter()
                .map(|&s| switch_setting(s, p.get_index(s)))
                .collect();
            said.join(" and ")
        })
        .collect();
    (!why.is_empty()).then_some(why)
}

/// Adds `reason` to `why` unless it is there already (reasons keep their first order).
fn add_new(why: &mut Vec<String>, reason: String) {
    if !why.contains(&reason) {
        why.push(reason);
    }
}

/// "`levers.role_design` is \"substitutive\"", "`channels.peer_monitoring` is off",
/// "`orgs.contact_rate` is 0": a switch or parameter (an index into `SPECS`) at `value`, in
/// the words of a scenario file.
fn switch_setting(switch: usize, value: f64) -> String {
    let spec = &SPECS[switch];
    match spec.kind {
        coprod_core::Kind::Bool if value == 0.0 => format!("`{}` is off", spec.name),
        coprod_core::Kind::Bool => format!("`{}` is on", spec.name),
        coprod_core::Kind::Choice(_) => {
            format!("`{}` is \"{}\"", spec.name, spec.format_value(value))
        }
        coprod_core::Kind::Real | coprod_core::Kind::Int => {
            format!("`{}` is {}", spec.name, spec.format_value(value))
        }
    }
}

/// The warning on a variant that changes nothing the runs read, with why: the parameters it
/// sets to the baseline's values (`same`, from `Scenario::baseline_values`), those it sets
/// that they do not read (`unread`, indices into `SPECS` with the switches that rule each
/// out, or None where the setting's runs never read it), and whether it has interventions
/// that lab runs do not apply (`unapplied`).
fn repeats_baseline(
    name: &str,
    same: &str,
    setting: &str,
    unread: &[(usize, Option<String>)],
    unapplied: bool,
) -> String {
    let listed = || {
        let names: Vec<String> = unread
            .iter()
            .map(|(i, why)| match why {
                None => format!("`{}`", SPECS[*i].name),
                Some(why) => format!("`{}`, as {why}", SPECS[*i].name),
            })
            .collect();
        names.join("; ")
    };
    let switched = unread.iter().any(|(_, why)| why.is_some());
    let who = if switched {
        "its runs".to_string()
    } else {
        format!("{setting} runs")
    };
    let why = match (unread.is_empty(), unapplied) {
        (true, false) => String::new(),
        (true, true) => "lab runs apply no interventions; ".into(),
        (false, false) => format!("{who} do not read what it sets ({}); ", listed()),
        (false, true) => format!(
            "lab runs do not read what it sets ({}) and apply no interventions; ",
            listed()
        ),
    };
    format!("variant `{name}` changes nothing: {same}{why}it repeats the baseline")
}

/// The steps of a run of `steps` steps an intervention is in force: "from step 12", "at
/// steps 12 to 23" (an `until_step` past the run's end reads as "from").
fn in_force(iv: &coprod_core::Intervention, steps: u32) -> String {
    match iv.until_step.filter(|&until| until < steps) {
        None => format!("from step {}", iv.from_step),
        Some(until) => format!("at steps {} to {}", iv.from_step, until - 1),
    }
}

#[cfg(test)]
mod tests {
    use crate::Scenario;
    use crate::settings::Setting;

    fn parse(text: &str) -> Scenario {
        Scenario::from_toml(text, "t.toml", "t").unwrap()
    }

    fn warnings(text: &str) -> Vec<String> {
        parse(text).warnings()
    }

    const LAB: &str = "[params.population]\nsetting = \"lab\"\nn_citizens = 40\n";

    /// Two variants of the same settings are the same runs under two names.
    #[test]
    fn a_variant_that_repeats_another_is_warned_of() {
        let variants = |y: &str| {
            warnings(&format!(
                "[[experiment.variants]]\nname = \"x\"\nparams.levers.outreach = 0.2\n\
                 [[experiment.variants]]\nname = \"y\"\nparams.levers.outreach = {y}\n"
            ))
        };
        assert_eq!(
            variants("0.2"),
            [
                "variant `y` runs as variant `x` does (the same parameters at every sweep point \
              and the same interventions): its runs repeat that variant's"
            ]
        );
        assert!(variants("0.3").is_empty());
    }

    /// A `[params]` value of a swept parameter is never run (a variant's is refused).
    #[test]
    fn a_params_value_the_sweep_replaces_is_warned_of() {
        let w = warnings(
            "[params.levers]\noutreach = 0.3\nparticipation_cost = 0.4\n\
             [experiment.sweep]\n\"levers.outreach\" = [0.0, 1.0]\n",
        );
        assert_eq!(
            w,
            [
                "[params] sets `levers.outreach`, which is also swept: every run takes the \
              sweep's values, so this value is never used"
            ]
        );
        assert!(warnings("[params.levers]\noutreach = 0.3\n").is_empty());
    }

    #[test]
    fn suspicious_but_valid_scenarios_get_warnings() {
        let w = warnings(
            "[experiment]\nsteps = 10\n[[experiment.variants]]\nname = \"late\"\n\
             [[experiment.variants.interventions]]\nlever = \"levers.outreach\"\nvalue = 1\n\
             from_step = 10\n[[experiment.variants]]\nname = \"same\"\n",
        );
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].contains("never takes effect"));
        assert!(w[1].contains("`same` changes nothing"));
        assert!(warnings("").is_empty());
    }

    /// `--set` of a parameter a variant sets replaces the variant's value, and gives the
    /// baseline the same: a variant that set only that now repeats the baseline, and says
    /// why; so does one whose value `--quick` caps to the baseline's.
    /// The warnings of `text` after the `--set` option `set` (if any) and `--quick` (if
    /// `quick`).
    fn warned(text: &str, set: Option<&str>, quick: bool) -> Vec<String> {
        let mut s = parse(text);
        if let Some(set) = set {
            s.apply_settings(&[set.parse().unwrap()]).unwrap();
        }
        if quick {
            s.make_quick().unwrap();
        }
        s.warnings()
    }

    #[test]
    fn a_variant_that_set_gives_the_baseline_repeats_it() {
        let text = "[[experiment.variants]]\nname = \"paid\"\n\
                    params.levers.financial_incentive = 0.5\n";
        let small = "[params.population]\nn_citizens = 4000\n[[experiment.variants]]\n\
                     name = \"small\"\nparams.population.n_citizens = 1000\n";
        let big = "[params.population]\nn_citizens = 4000\n[[experiment.variants]]\n\
                   name = \"big\"\nparams.population.n_citizens = 5000\n";
        let many = "[params.population]\nn_citizens = 8000\nn_communities = 300\n\
                    [experiment.sweep]\n\"population.ring_degree\" = [2, 4]\n\
                    [[experiment.variants]]\nname = \"many\"\n\
                    params.population.n_communities = 400\n";
        assert!(warned(text, None, false).is_empty());
        assert!(warned(small, None, false).is_empty());
        assert!(warned(many, None, false).is_empty());
        for ((name, text), set, quick, said) in [
            (
                ("paid", text),
                Some("levers.financial_incentive=0.5"),
                false,
                "--set gives it the baseline's `levers.financial_incentive` = 0.5",
            ),
            // A `--set` of another value replaces the variant's (coprod run allows it).
            (
                ("paid", text),
                Some("levers.financial_incentive=0.7"),
                false,
                "--set gives it the baseline's `levers.financial_incentive` = 0.7",
            ),
            // `--quick` caps the baseline's 4,000 citizens to the variant's 1,000.
            (
                ("small", small),
                None,
                true,
                "it sets `population.n_citizens` to 1000, the baseline's value (with --quick)",
            ),
            // `--quick` caps both populations to the same size.
            (
                ("big", big),
                None,
                true,
                "--quick caps its `population.n_citizens` to the baseline's 1000",
            ),
            // The caps follow a swept ring degree: no one value to name.
            (
                ("many", many),
                None,
                true,
                "--quick caps its `population.n_communities` to the baseline's value at each \
                 sweep point",
            ),
        ] {
            assert_eq!(
                warned(text, set, quick),
                [format!(
                    "variant `{name}` changes nothing: {said}; it repeats the baseline"
                )]
            );
        }
        // But not when the caps scale the baseline's swept communities and not the
        // variant's: their runs differ.
        let scaled = "[params.population]\nn_citizens = 8000\nring_degree = 2\n\
                      [experiment.sweep]\n\"population.n_communities\" = [50, 260]\n\
                      [[experiment.variants]]\nname = \"small\"\n\
                      params.population.n_citizens = 1000\n";
        let mut s = parse(scaled);
        s.make_quick().unwrap();
        assert_ne!(s.params_for(0, 1), s.params_for(1, 1));
        assert_eq!(warned(scaled, None, true), Vec::<String>::new());
        // A variant that sets something else as well still changes that.
        let both = format!("{text}params.levers.outreach = 0.9\n");
        let set = Some("levers.financial_incentive=0.5");
        assert_eq!(warned(&both, set, false), Vec::<String>::new());
    }

    #[test]
    fn a_variant_setting_only_the_baselines_values_repeats_it() {
        // A copied line: the variant sets what [params] (or the default) already is.
        let w = warnings(
            "[params.levers]\noutreach = 0.5\n[[experiment.variants]]\nname = \"copy\"\n\
             params.levers.outreach = 0.5\nparams.levers.strategy_integration = false\n",
        );
        assert_eq!(
            w,
            [
                "variant `copy` changes nothing: it sets `levers.outreach` to 0.5 and \
                 `levers.strategy_integration` to false, the baseline's values; it repeats the \
                 baseline"
            ]
        );
        // One value that differs is a change; so is an intervention of its own.
        let differs = "[params.levers]\noutreach = 0.5\n[[experiment.variants]]\nname = \"v\"\n\
                       params.levers.outreach = 0.5\nparams.levers.strategy_integration = true\n";
        assert!(warnings(differs).is_empty());
        let iv = "[[experiment.variants]]\nname = \"v\"\nparams.levers.outreach = 0\n\
                  [[experiment.variants.interventions]]\nlever = \"levers.outreach\"\n\
                  value = 1\nfrom_step = 2\n";
        assert!(warnings(iv).is_empty());
    }

    #[test]
    fn settings_the_runs_do_not_read_are_named() {
        // A lab scenario whose variant sets only a field parameter repeats the baseline.
        let w = warnings(&format!(
            "{LAB}[[experiment.variants]]\nname = \"reach\"\nparams.levers.outreach = 0.5\n"
        ));
        assert_eq!(
            w,
            [
                "variant `reach` changes nothing: lab runs do not read what it sets \
              (`levers.outreach`); it repeats the baseline"
            ]
        );
        // One that also sets a lab parameter changes something; the unread part is named.
        let w = warnings(&format!(
            "{LAB}[[experiment.variants]]\nname = \"v\"\nparams.levers.outreach = 0.5\n\
             params.lab.mpcr = 0.6\n"
        ));
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].starts_with("variant `v` sets `levers.outreach`, which lab runs"));
        // [params] and interventions in the lab; a lab parameter in the field.
        let w = warnings(&format!(
            "{LAB}[params.groups]\nrho = 0.3\n[[interventions]]\nlever = \"levers.outreach\"\n\
             value = 1\nfrom_step = 2\n"
        ));
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].starts_with("[params] sets `groups.rho`, which lab runs do not read"));
        assert!(w[1].starts_with("lab runs apply no interventions"));
        let w = warnings("[params.lab]\nmpcr = 0.6\n");
        assert_eq!(
            w,
            ["[params] sets `lab.mpcr`, which field runs do not read: it changes nothing"]
        );
        // What lab runs read draws no warning.
        assert!(warnings(&format!("{LAB}[params.lab]\nmpcr = 0.6\n")).is_empty());
    }

    #[test]
    fn report_metrics_a_lab_run_does_not_measure_are_named() {
        let report = "[report]\nmetrics = [\"mean_contribution\", \"share_lasting_24\"]\n";
        assert_eq!(
            warnings(&format!("{LAB}{report}")),
            [
                "[report] names `share_lasting_24`, which lab runs do not measure: it is 0 or \
              empty in every run"
            ]
        );
        // In the field both are measured.
        assert!(warnings(report).is_empty());
    }

    /// A lab `[sensitivity]` table naming an output that is constant in lab runs says so,
    /// and what its indices will be.
    #[test]
    fn lab_sensitivity_outputs_constant_in_the_lab_are_named() {
        let table = |outputs: &str| {
            format!(
                "{LAB}[sensitivity]\noutputs = [{outputs}]\n[sensitivity.parameters]\n\
                 \"lab.mpcr\" = [0.2, 0.8]\n"
            )
        };
        let all = "\"mean_contribution\", \"groups_started\", \"participation_rate\", \
                   \"share_lasting_24\"";
        let w = parse(&table(all)).sensitivity_warnings();
        // A constant has elementary effects of 0 and no variance to share (sensitivity.csv
        // has its rows); a group metric is missing, so it gets no rows at all.
        assert_eq!(
            w,
            [
                "[sensitivity] outputs names `groups_started`, which is 0 in every lab run \
                 (lab runs do not measure it): its Morris indices are 0 and its Sobol indices \
                 NaN",
                "[sensitivity] outputs names `participation_rate`, which is 1 in every lab run: \
                 its Morris indices are 0 and its Sobol indices NaN",
                "[sensitivity] outputs names `share_lasting_24`, which is empty in every lab run \
                 (no group lasts in a public-goods game): it has no indices"
            ]
        );
        let sobol = table("\"participation_rate\"")
            .replace("[sensitivity]\n", "[sensitivity]\nmethod = \"sobol\"\n");
        assert_eq!(
            parse(&sobol).sensitivity_warnings(),
            [
                "[sensitivity] outputs names `participation_rate`, which is 1 in every lab run: \
              its Sobol indices are NaN"
            ]
        );
        assert!(
            parse(&table("\"mean_contribution\""))
                .sensitivity_warnings()
                .is_empty()
        );
    }

    /// A lab rule of `SWITCHED_READS`: altruism enters a lab run only through the payoff
    /// term, which `lab.cost_sensitivity` 0 (the default) switches off.
    #[test]
    fn lab_altruism_without_cost_sensitivity_is_named() {
        let w = warnings(&format!(
            "{LAB}[[experiment.variants]]\nname = \"kind\"\nparams.lab.altruism = 0.3\n"
        ));
        assert_eq!(
            w,
            [
                "variant `kind` changes nothing: its runs do not read what it sets \
              (`lab.altruism`, as `lab.cost_sensitivity` is 0); it repeats the baseline"
            ],
            "{w:?}"
        );
        // A sensitivity factor or calibration prior on it under the default gets the same
        // reason, unless the analysis varies the gate too.
        let analysed = |extra: &str| {
            let s = parse(&format!(
                "{LAB}[sensitivity]\noutputs = [\"mean_contribution\"]\n\
                 [sensitivity.parameters]\n\"lab.altruism\" = [0.0, 0.5]\n{extra}"
            ));
            s.sensitivity_warnings()
        };
        assert_eq!(
            analysed(""),
            [
                "[sensitivity.parameters] varies `lab.altruism`, which the baseline's runs do not \
              read (`lab.cost_sensitivity` is 0): its indices measure only the estimators' noise"
            ]
        );
        assert!(analysed("\"lab.cost_sensitivity\" = [0.0, 1.0]\n").is_empty());
        // A sweep over it under the default gets the same reason.
        let swept = warnings(&format!(
            "{LAB}[experiment.sweep]\n\"lab.altruism\" = [0.1, 0.3]\n"
        ));
        assert!(
            swept
                .iter()
                .any(|w| w.contains("`lab.cost_sensitivity` is 0")),
            "{swept:?}"
        );
        let sensitive = format!(
            "{LAB}[params.lab]\ncost_sensitivity = 0.4\n[[experiment.variants]]\n\
             name = \"kind\"\nparams.lab.altruism = 0.3\n"
        );
        assert!(warnings(&sensitive).is_empty());
    }

    #[test]
    fn interventions_of_a_lab_variant_are_named_as_unapplied() {
        let iv = "[[experiment.variants.interventions]]\nlever = \"levers.outreach\"\n\
                  value = 1\nfrom_step = 2\n";
        let w = warnings(&format!(
            "{LAB}[[experiment.variants]]\nname = \"iv\"\n{iv}\
             [[experiment.variants]]\nname = \"both\"\nparams.groups.rho = 0.6\n{iv}\
             [[experiment.variants]]\nname = \"mpcr\"\nparams.lab.mpcr = 0.6\n{iv}"
        ));
        assert_eq!(
            w,
            [
                "variant `iv` changes nothing: lab runs apply no interventions; it repeats the \
                 baseline",
                "variant `both` changes nothing: lab runs do not read what it sets \
                 (`groups.rho`) and apply no interventions; it repeats the baseline",
                "variant `mpcr` has interventions, which lab runs do not apply: that part of it \
                 changes nothing",
            ]
        );
        // In the field a variant's interventions change its runs.
        assert!(warnings(&format!("[[experiment.variants]]\nname = \"iv\"\n{iv}")).is_empty());
    }

    #[test]
    fn a_set_the_runs_do_not_read_is_named() {
        let mut s = parse(LAB);
        let set: Setting = "orgs.contact_rate=0.5".parse().unwrap();
        s.apply_settings(&[set]).unwrap();
        assert_eq!(
            s.warnings(),
            [
                "--set orgs.contact_rate: lab runs do not read `orgs.contact_rate`, so it \
              changes nothing"
            ]
        );
    }

    #[test]
    fn the_baseline_warnings_leave_out_the_variants() {
        // What sensitivity and calibrate run: the baseline, with [params], --set and the
        // scenario's interventions, never a variant.
        let mut s = parse(&format!(
            "{LAB}[params.groups]\nrho = 0.3\n[[interventions]]\n\
                 lever = \"levers.outreach\"\nvalue = 1\nfrom_step = 2\n\
                 [[experiment.variants]]\nname = \"v\"\nparams.levers.outreach = 0.5\n"
        ));
        s.apply_settings(&["orgs.contact_rate=0.5".parse().unwrap()])
            .unwrap();
        let w = s.baseline_warnings();
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(w[0].starts_with("[params] sets `groups.rho`"), "{w:?}");
        assert!(w[1].starts_with("--set orgs.contact_rate"), "{w:?}");
        assert!(w[2].starts_with("lab runs apply no interventions"), "{w:?}");
        assert_eq!(s.warnings().len(), 4, "and the variant's");
    }

    #[test]
    fn the_baseline_warnings_name_a_setting_the_scenarios_interventions_replace() {
        // Sensitivity and calibrate run the baseline: a --set lever that the scenario's own
        // interventions replace for part of the run is as much their concern as run's.
        let mut s = parse(
            "[experiment]\nsteps = 60\n[[interventions]]\nlever = \"levers.outreach\"\n\
             value = 0.5\nfrom_step = 30\n",
        );
        s.apply_settings(&["levers.outreach=1".parse().unwrap()])
            .unwrap();
        let replaced = |w: Vec<String>| -> Vec<String> {
            w.into_iter()
                .filter(|w| w.contains("is replaced by interventions"))
                .collect()
        };
        let expected = [
            "--set levers.outreach=1 is replaced by interventions on `levers.outreach` while they \
             are in force: in variant(s) `baseline` (from step 30)",
        ];
        assert_eq!(replaced(s.baseline_warnings()), expected);
        assert_eq!(replaced(s.warnings()), expected, "once, not twice");
    }

    #[test]
    fn unread_factors_and_priors_are_named() {
        let s = parse(&format!(
            "{LAB}[sensitivity]\nmethod = \"morris\"\noutputs = [\"mean_contribution\"]\n\
                 [sensitivity.parameters]\n\
                 \"lab.mpcr\" = [0.3, 0.6]\n\"groups.rho\" = [0.2, 0.8]\n"
        ));
        let w = s.sensitivity_warnings();
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].starts_with("[sensitivity.parameters] varies `groups.rho`, which lab"));
        let one = |replications: u32| {
            parse(&format!(
                "[sensitivity]\nmethod = \"morris\"\nreplications = {replications}\n\
                 outputs = [\"participation_rate\"]\n\
                 [sensitivity.parameters]\n\"levers.outreach\" = [0, 1]\n"
            ))
            .sensitivity_warnings()
        };
        let w = one(1);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].starts_with("[sensitivity] replications = 1: the noise share is undefined"));
        assert!(one(2).is_empty());
        // A whole-number factor whose range rounds to one value never moves; one that holds
        // two whole numbers does.
        let cap = |range: &str| {
            parse(&format!(
                "[sensitivity]\nmethod = \"morris\"\noutputs = [\"participation_rate\"]\n\
                 [sensitivity.parameters]\n\"levers.group_size_cap\" = {range}\n"
            ))
            .sensitivity_warnings()
        };
        assert_eq!(
            cap("[4.4, 5.4]"),
            [
                "[sensitivity.parameters] varies `levers.group_size_cap` over [4.4, 5.4], which \
              rounds to 5 everywhere: it never moves, so its Morris indices are NaN (n = 0)"
            ]
        );
        assert!(cap("[4, 5]").is_empty(), "4 and 5");
        let method = |m: &str| {
            parse(&format!(
                "[sensitivity]\nmethod = \"{m}\"\noutputs = [\"participation_rate\"]\n\
                 [sensitivity.parameters]\n\"levers.group_size_cap\" = [4, 4.4]\n"
            ))
            .sensitivity_warnings()
        };
        assert!(method("sobol")[0].ends_with("so its Sobol indices are 0"));
        assert!(
            method("both")[0]
                .ends_with("so its Morris indices are NaN (n = 0) and its Sobol indices 0")
        );
        let ring = parse(
            "[sensitivity]\nmethod = \"morris\"\noutputs = [\"participation_rate\"]\n\
             [sensitivity.parameters]\n\"population.ring_degree\" = [3, 5]\n",
        )
        .sensitivity_warnings();
        assert_eq!(ring.len(), 1, "{ring:?}");
        assert!(ring[0].contains("which rounds to 4 everywhere"), "{ring:?}");
        let s = parse(
            "[calibration.priors]\n\"lab.altruism\" = { uniform = [0, 0.5] }\n\
             \"behaviour.cc_slope\" = { uniform = [0.3, 1.2] }\n",
        );
        let w = s.calibration_warnings();
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].starts_with("[calibration.priors] estimates `lab.altruism`, which field"));
    }

    const SUBSTITUTIVE: &str = "[params.levers]\nrole_design = \"substitutive\"\n";

    /// A setting that a switch rules out of the runs (`coprod_core::SWITCHED_READS`) is
    /// named with the switch; where a variant, sweep point or intervention moves the
    /// switch, the setting is read and nothing is said.
    #[test]
    fn settings_a_switch_rules_out_are_named_with_the_switch() {
        let w = warnings(
            "[[experiment.variants]]\nname = \"sub\"\nparams.levers.role_design = \
             \"substitutive\"\nparams.groups.rho = 0.3\n",
        );
        assert_eq!(
            w,
            [
                "variant `sub` sets `groups.rho`, which its runs do not read \
                 (`levers.role_design` is \"substitutive\"): that part of it changes nothing"
            ]
        );
        let w = warnings(
            "[params.channels]\npeer_monitoring = false\n[params.behaviour]\n\
             sanction_strength = 0.9\n",
        );
        assert_eq!(
            w,
            [
                "[params] sets `behaviour.sanction_strength`, which no run reads \
                 (`channels.peer_monitoring` is off): it changes nothing"
            ]
        );
        // A variant that turns the channel back on reads it.
        assert!(
            warnings(
                "[params.channels]\npeer_monitoring = false\n[params.behaviour]\n\
                 sanction_strength = 0.9\n[[experiment.variants]]\nname = \"on\"\n\
                 params.channels.peer_monitoring = true\n"
            )
            .is_empty()
        );
        // A variant that sets only what its runs do not read repeats the baseline.
        let w = warnings(&format!(
            "{SUBSTITUTIVE}[[experiment.variants]]\nname = \"rho\"\nparams.groups.rho = 0.3\n"
        ));
        assert_eq!(
            w,
            [
                "variant `rho` changes nothing: its runs do not read what it sets \
                 (`groups.rho`, as `levers.role_design` is \"substitutive\"); it repeats the \
                 baseline"
            ]
        );
        // An intervention on a lever its channel rules out: the scenario's once, whatever
        // the variants; a variant's own for that variant.
        let off = "[params.channels]\noutreach_targeting = false\n";
        let reach = "lever = \"levers.outreach\"\nvalue = 1\nfrom_step = 2\n";
        let w = warnings(&format!(
            "{off}[[interventions]]\n{reach}[[experiment.variants]]\nname = \"v\"\n\
             params.levers.participation_cost = 0.3\n"
        ));
        assert_eq!(
            w,
            [
                "the intervention on `levers.outreach` changes nothing: no run reads \
                 `levers.outreach` (`channels.outreach_targeting` is off)"
            ]
        );
        // sensitivity and calibrate, which run the baseline, say it too.
        let s = parse(&format!("{off}[[interventions]]\n{reach}"));
        assert_eq!(
            s.baseline_warnings().len(),
            1,
            "{:?}",
            s.baseline_warnings()
        );
        let w = warnings(&format!(
            "{off}[[experiment.variants]]\nname = \"v\"\n\
             [[experiment.variants.interventions]]\n{reach}"
        ));
        assert_eq!(
            w,
            [
                "the intervention on `levers.outreach` in variant `v` changes nothing: its runs \
                 do not read `levers.outreach` (`channels.outreach_targeting` is off)"
            ]
        );
        // An intervention that changes the role design makes rho read.
        let iv = "[[interventions]]\nlever = \"levers.role_design\"\n\
                  value = \"complementary\"\nfrom_step = 5\n";
        assert!(warnings(&format!("{SUBSTITUTIVE}{iv}[params.groups]\nrho = 0.3\n")).is_empty());
    }

    #[test]
    fn a_sweep_no_run_reads_is_named_and_one_some_variants_read_is_not() {
        let sweep = "[experiment.sweep]\n\"groups.rho\" = [0.25, 0.5]\n";
        let w = warnings(&format!("{SUBSTITUTIVE}{sweep}"));
        assert_eq!(
            w,
            [
                "the sweep over `groups.rho` changes nothing: no run reads it \
                 (`levers.role_design` is \"substitutive\"), so every sweep point is the same \
                 runs under a different label"
            ]
        );
        // Different switches in different variants are each named.
        let w = warnings(&format!(
            "{SUBSTITUTIVE}{sweep}[[experiment.variants]]\nname = \"c\"\n\
             params.levers.role_design = \"complementary\"\n\
             params.channels.complementarity = false\n"
        ));
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains(
                "(`levers.role_design` is \"substitutive\" or `channels.complementarity` is off)"
            ),
            "{w:?}"
        );
        // One complementary variant, or a complementary point of a swept role design, reads
        // it (production-technology sweeps rho with a substitutive variant on purpose).
        let one = "[[experiment.variants]]\nname = \"c\"\n\
                   params.levers.role_design = \"complementary\"\n";
        assert!(warnings(&format!("{SUBSTITUTIVE}{sweep}{one}")).is_empty());
        let both = "\"levers.role_design\" = [\"complementary\", \"substitutive\"]\n";
        assert!(warnings(&format!("{sweep}{both}")).is_empty());
        // A swept switch listed before another axis (stride > 1) is looked at at every
        // value: the sweep over outreach is read at the targeted points only.
        let two = "[experiment.sweep]\n\"channels.outreach_targeting\" = [false, true]\n\
                   \"levers.outreach\" = [0.2, 0.6]\n";
        assert!(warnings(two).is_empty(), "{:?}", warnings(two));
        let none = "[experiment.sweep]\n\"channels.outreach_targeting\" = [false, true]\n\
                    \"levers.outreach\" = [0.2, 0.6]\n\"levers.state_support\" = [0.1, 0.9]\n\
                    [params.channels]\nstate_support_effect = false\n";
        let w = warnings(none);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].starts_with("the sweep over `levers.state_support`"),
            "{w:?}"
        );
        // Two swept switches, each ruling rho out at some points, together at all.
        let both_off = "[experiment.sweep]\n\"channels.complementarity\" = [false, true]\n\
                        \"levers.role_design\" = [\"complementary\", \"substitutive\"]\n\
                        \"groups.rho\" = [0.25, 0.5]\n";
        assert!(
            warnings(both_off).is_empty(),
            "compl. on and complementary reads rho"
        );
        // Unless another switch rules rho out at the complementary points.
        let w = warnings(&format!(
            "[params.channels]\ncomplementarity = false\n{sweep}{both}"
        ));
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains(
                "(`channels.complementarity` is off or `levers.role_design` is \"substitutive\")"
            ),
            "{w:?}"
        );
    }

    #[test]
    fn factors_and_pins_a_switch_rules_out_are_named() {
        let s = parse(&format!(
            "{SUBSTITUTIVE}[sensitivity]\nmethod = \"morris\"\n\
             outputs = [\"participation_rate\"]\n[sensitivity.parameters]\n\
             \"groups.rho\" = [0.2, 0.8]\n\"levers.outreach\" = [0, 1]\n"
        ));
        assert_eq!(
            s.sensitivity_warnings(),
            [
                "[sensitivity.parameters] varies `groups.rho`, which the baseline's runs do not \
                 read (`levers.role_design` is \"substitutive\"): its indices measure only the \
                 estimators' noise"
            ]
        );
        // The baseline's interventions that move the switch make the factor read.
        let iv = "[[interventions]]\nlever = \"levers.role_design\"\n\
                  value = \"complementary\"\nfrom_step = 12\n";
        let s = parse(&format!(
            "{SUBSTITUTIVE}{iv}[sensitivity]\nmethod = \"morris\"\n\
             outputs = [\"participation_rate\"]\n[sensitivity.parameters]\n\
             \"groups.rho\" = [0.2, 0.8]\n\"levers.outreach\" = [0, 1]\n\
             [calibration.priors]\n\"groups.rho\" = {{ uniform = [0.2, 0.8] }}\n"
        ));
        assert_eq!(s.sensitivity_warnings(), Vec::<String>::new());
        assert_eq!(s.calibration_warnings(), Vec::<String>::new());
        let s = parse(&format!(
            "{SUBSTITUTIVE}[calibration.priors]\n\"groups.rho\" = {{ uniform = [0.2, 0.8] }}\n"
        ));
        assert_eq!(
            s.calibration_warnings(),
            [
                "[calibration.priors] estimates `groups.rho`, which the baseline's runs do not \
                 read (`levers.role_design` is \"substitutive\"): no target can inform it, so \
                 its posterior is its prior"
            ]
        );
        let mut s = parse("");
        let set: Setting = "channels.social_influence=false".parse().unwrap();
        let w_social: Setting = "join.w_social=2".parse().unwrap();
        s.apply_settings(&[set, w_social]).unwrap();
        assert_eq!(
            s.warnings(),
            ["--set join.w_social: no run reads `join.w_social` \
                 (`channels.social_influence` is off), so it changes nothing"]
        );
    }

    /// Under `--quick` the caps compute the number of communities (a gate) from swept axes:
    /// a sweep over the communities that reaches more than one reads what one community
    /// rules out.
    #[test]
    fn quick_caps_that_move_a_gate_are_looked_at_per_point() {
        let mut s = parse(
            "[params.orgs]\nimitation = 0.1\n\
             [experiment.sweep]\n\"population.n_communities\" = [1, 20]\n",
        );
        assert!(s.warnings().is_empty());
        s.make_quick().unwrap();
        assert_eq!(s.warnings(), Vec::<String>::new());
    }

    /// A `[params]` setting that a gate rules out is read by an analysis that varies the
    /// gate: `coprod sensitivity` and `coprod calibrate` do not call it unread.
    #[test]
    fn a_gate_an_analysis_varies_rules_nothing_out_of_its_baseline() {
        let crowding = "[params.levers]\ncrowding_out = true\n";
        let sensitivity = "[sensitivity]\nmethod = \"morris\"\noutputs = [\"participation_rate\"]\n\
                           [sensitivity.parameters]\n\"levers.financial_incentive\" = [0, 1]\n";
        let calibration = "[calibration]\n[calibration.priors]\n\
                           \"levers.financial_incentive\" = { uniform = [0, 1] }\n";
        assert_eq!(parse(crowding).baseline_warnings().len(), 1);
        for analysis in [sensitivity, calibration] {
            let s = parse(&format!("{crowding}{analysis}"));
            assert_eq!(s.baseline_warnings(), Vec::<String>::new(), "{analysis}");
        }
    }

    /// A variant that switches peer monitoring off and sets its strength to 0 changes the
    /// runs (the baseline has both): neither setting is said to change nothing, nor the
    /// variant to repeat the baseline.
    #[test]
    fn settings_that_rule_each_other_out_are_no_warning() {
        let both = "[[experiment.variants]]\nname = \"unwatched\"\n\
                    params.channels.peer_monitoring = false\n\
                    params.behaviour.sanction_strength = 0\n";
        assert_eq!(warnings(both), Vec::<String>::new());
        // Alone under the other's gate, each is unread.
        let gated = "[params.behaviour]\nsanction_strength = 0\n[[experiment.variants]]\n\
                     name = \"off\"\nparams.channels.peer_monitoring = false\n";
        let w = warnings(gated);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(w[0].contains("variant `off` changes nothing"), "{w:?}");
    }

    /// A rule of two gates (both incentives at 0 rule out their join weight) is named with
    /// both, and moving either gate makes the parameter read.
    #[test]
    fn a_rule_of_two_gates_holds_only_while_both_do() {
        let weight = "[params.join]\nw_incentive = 2\n";
        assert_eq!(
            warnings(weight),
            ["[params] sets `join.w_incentive`, which no run reads \
              (`levers.financial_incentive` is 0 and `levers.nonfinancial_incentive` is 0): it \
              changes nothing"]
        );
        for lever in ["financial_incentive", "nonfinancial_incentive"] {
            let iv = format!(
                "[[interventions]]\nlever = \"levers.{lever}\"\nvalue = 0.5\nfrom_step = 5\n"
            );
            assert!(warnings(&format!("{weight}{iv}")).is_empty(), "{lever}");
            let sweep = format!("[experiment.sweep]\n\"levers.{lever}\" = [0, 0.5]\n");
            assert!(warnings(&format!("{weight}{sweep}")).is_empty(), "{lever}");
        }
    }

    /// A parameter at the end of its range rules others out as a switch does
    /// (`coprod_core::SWITCHED_READS`), named with its value; a sweep, variant, intervention
    /// or analysis that moves it makes them read.
    #[test]
    fn settings_a_value_rules_out_are_named_with_the_value() {
        let crowding = "[params.levers]\ncrowding_out = true\n";
        assert_eq!(
            warnings(crowding),
            ["[params] sets `levers.crowding_out`, which no run reads \
                 (`levers.financial_incentive` is 0): it changes nothing"]
        );
        let pay = "lever = \"levers.financial_incentive\"\nvalue = 0.5\nfrom_step = 5\n";
        assert!(warnings(&format!("{crowding}[[interventions]]\n{pay}")).is_empty());
        let sweep = "[experiment.sweep]\n\"levers.financial_incentive\" = [0, 0.5]\n";
        assert!(warnings(&format!("{crowding}{sweep}")).is_empty());
        let variant = "[[experiment.variants]]\nname = \"paid\"\n\
                       params.levers.financial_incentive = 0.5\n";
        assert!(warnings(&format!("{crowding}{variant}")).is_empty());
        // A factor is read when the analysis varies what rules it out.
        let analysis = |factors: &str| {
            parse(&format!(
                "[params.orgs]\ntrust_learning = 0\n[sensitivity]\nmethod = \"morris\"\n\
                 outputs = [\"participation_rate\"]\n[sensitivity.parameters]\n{factors}\
                 [calibration.priors]\n\"orgs.procedural_bias\" = {{ uniform = [0.2, 0.8] }}\n"
            ))
        };
        let s = analysis("\"orgs.procedural_bias\" = [0.2, 0.8]\n");
        assert_eq!(
            s.sensitivity_warnings(),
            [
                "[sensitivity.parameters] varies `orgs.procedural_bias`, which the baseline's \
                 runs do not read (`orgs.trust_learning` is 0): its indices measure only the \
                 estimators' noise"
            ]
        );
        assert_eq!(s.calibration_warnings().len(), 1);
        let s =
            analysis("\"orgs.procedural_bias\" = [0.2, 0.8]\n\"orgs.trust_learning\" = [0, 0.2]\n");
        assert_eq!(s.sensitivity_warnings(), Vec::<String>::new());
    }
}
