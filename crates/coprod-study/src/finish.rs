//! Finishing a run directory: parameters.csv, the comparison, the charts and index.html,
//! and the manifest, then the move into place. Shared by `coprod run` and `coprod merge`,
//! so a merged directory is byte-identical to a single run's.

use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use coprod_core::SPECS;
use coprod_output::{
    Completed, ExperimentInfo, InterventionInfo, Lowered, Manifest, MetricInfo, NameValue,
    OptionValue, ParamValue, ParameterRow, QuickLowered, ReplicationSeed, ScenarioInfo, SeedInfo,
    SweepInfo, Timing, VariantInfo,
};
use coprod_report::{RunData, Tally};
use coprod_scenario::{ParamSource, SEED_DERIVATION, Scenario, Setting, run_seed};

use crate::compare;
use crate::error::{Context, Result};
use crate::progress::{AtTarget, Note, Progress, without_interruption};

/// The files derived from the CSVs (comparison.csv for scenarios with variants, charts and
/// index.html), then the move into place. Shared by `coprod run` and `coprod merge`, so a
/// merged directory is byte-identical to a single run's. `tally` is what the sweep tallied
/// of timeseries.csv and groups.csv as it wrote them, if it wrote every run. Returns the
/// directory and what its report was drawn from (`dir` set to the directory in place).
pub(crate) fn finish(
    completed: Completed,
    mut manifest: Manifest,
    scenario: &Scenario,
    (metrics, against): (&[String], &str),
    target: &Path,
    tally: Option<Tally>,
    progress: &dyn Progress,
) -> Result<(PathBuf, Option<RunData>)> {
    // Everything below is written in the partial directory, and its warnings (a chart not
    // drawn) are read once the directory is in place: they name the files there.
    let progress = &AtTarget {
        inner: progress,
        target,
    };
    let swept: Vec<String> = scenario
        .sweep
        .iter()
        .map(|a| a.name().to_string())
        .collect();
    let parameters = parameter_rows(scenario);
    coprod_output::write_parameters(completed.staging(), &swept, &parameters)?;
    manifest
        .files
        .push(coprod_output::PARAMETERS_CSV.to_string());
    if scenario.variants.len() > 1 {
        let cells = compare::cells_of(&parameters);
        match compare::write_all(
            (completed.staging(), manifest.experiment.steps),
            &cells,
            metrics,
            against,
            progress,
        ) {
            Ok(written) if !written.is_empty() => {
                manifest.files.push(compare::file_name());
                manifest.comparison = Some(compare::info(metrics, against));
            }
            Ok(_) => {}
            // A failed write (a full disk) fails the run, which keeps its runs for
            // `--resume`; a directory without a comparison would look complete.
            // So does a file of the run that does not read back (it was changed or damaged).
            Err(err) if crate::error::caused_by_reading(&err) => {
                return Err(err).context("cannot compare the variants");
            }
            Err(err) if err.is_io() => return Err(err).context("cannot write the comparison"),
            Err(err) => progress.note(Note::Warning(format!(
                "no comparison: {}",
                crate::error::chain(&err)
            ))),
        }
    }
    let report = crate::plot::add_charts(completed.staging(), &manifest, tally, progress)?;
    // Held off: Ctrl-C between the renames of a replacement (`--force`) would leave neither
    // the earlier result nor the new one at the target.
    let dir = without_interruption(progress, || completed.commit(&manifest))
        .with_context(|| format!("cannot finish {}", target.display()))?;
    let report = report.map(|mut data| {
        data.dir = dir.clone();
        data
    });
    Ok((dir, report))
}

/// Every parameter of every (variant, sweep point) as it ran: the rows of parameters.csv.
pub(crate) fn parameter_rows(s: &Scenario) -> Vec<ParameterRow> {
    let mut rows = Vec::new();
    for (v, variant) in s.variants.iter().enumerate() {
        for point in 0..s.n_points() {
            let (params, sources) = s.params_as_run(v, point);
            let values: Vec<String> = s
                .sweep
                .iter()
                .zip(s.point_values(point))
                .map(|(axis, x)| SPECS[axis.param].format_value(x))
                .collect();
            rows.extend(SPECS.iter().enumerate().map(|(i, spec)| ParameterRow {
                variant: variant.name.clone(),
                point: values.clone(),
                parameter: spec.name.to_string(),
                value: spec.format_value(params.get_index(i)),
                unit: spec.unit.to_string(),
                source: sources[i].as_str().to_string(),
            }));
        }
    }
    rows
}

/// The manifest's `parameters`: each parameter's value when every run has the same one
/// (with where it came from), else no value and the sources of its values, in the order
/// first met; parameters.csv then holds the value of each variant and sweep point.
fn manifest_parameters(s: &Scenario) -> Vec<ParamValue> {
    let rows = parameter_rows(s);
    SPECS
        .iter()
        .map(|spec| {
            let of_param: Vec<&ParameterRow> =
                rows.iter().filter(|r| r.parameter == spec.name).collect();
            let first = of_param[0];
            let same = of_param.iter().all(|r| r.value == first.value);
            let mut sources: Vec<&str> = Vec::new();
            for r in &of_param {
                if !sources.contains(&r.source.as_str()) {
                    sources.push(&r.source);
                }
            }
            ParamValue {
                name: spec.name.to_string(),
                value: same.then(|| first.value.clone()),
                unit: spec.unit.to_string(),
                source: if same {
                    first.source.clone()
                } else {
                    sources.join("+")
                },
            }
        })
        .collect()
}

/// Seconds since `clock`, to the millisecond, as a manifest's `timing.wall_seconds`.
pub(crate) fn wall_seconds(clock: Instant) -> f64 {
    (clock.elapsed().as_secs_f64() * 1000.0).round() / 1000.0
}

/// The manifest of a run directory of `s` run with `settings` (`--set`, `--replications`
/// and `--seed`; the caller fills in the files, failed runs and timing of the resume).
pub(crate) fn manifest(
    s: &Scenario,
    settings: &[Setting],
    quick: bool,
    started: SystemTime,
    clock: Instant,
    threads: usize,
) -> Manifest {
    let parameters = manifest_parameters(s);
    Manifest {
        coprod_version: crate::VERSION.to_string(),
        scenario: ScenarioInfo {
            name: s.name.clone(),
            description: s.description.clone(),
            origin: s.origin.clone(),
            source: s.source.clone(),
            hash: s.fingerprint(),
            report_metrics: s.report_metrics.clone(),
        },
        experiment: ExperimentInfo {
            steps: s.steps,
            replications: s.replications,
            sweep_points: s.n_points() as u64,
            runs: s.n_runs(),
        },
        seeds: seed_info(s),
        parameters: parameters.clone(),
        sweep: sweep_infos(s),
        variants: variant_infos(s),
        settings: settings
            .iter()
            .filter(|st| st.option.is_none())
            .map(|st| format!("{}={}", st.key, st.value))
            .collect(),
        options: option_values(s, settings),
        quick,
        quick_lowered: quick.then(|| quick_lowered(s, &parameters)),
        failed_runs: 0,
        step_metrics: MetricInfo::step_metrics(s.runs_lab()),
        summary_metrics: MetricInfo::summary_metrics(s.runs_lab()),
        files: coprod_output::FILES.iter().map(|f| f.to_string()).collect(),
        adaptive: None,
        comparison: None,
        timing: Timing {
            started_utc: coprod_output::utc_timestamp(started),
            wall_seconds: wall_seconds(clock),
            threads,
            resumed_at_run: None,
        },
    }
}

/// The manifest's `options`: each `[experiment]` value among `settings` that an option of
/// its own gave, as the runs used it, with the scenario's own value.
fn option_values(s: &Scenario, settings: &[Setting]) -> Vec<OptionValue> {
    settings
        .iter()
        .filter_map(|st| {
            let option = st.option?;
            let value = match st.key.as_str() {
                "experiment.replications" => u64::from(s.replications),
                "experiment.seed" => s.seed,
                _ => return None,
            };
            Some(OptionValue {
                option: option.to_string(),
                key: st.key.clone(),
                value,
                scenario: s.as_written(&st.key)?,
            })
        })
        .collect()
}

/// The manifest's `quick_lowered`: the steps and replications `--quick` lowered, and the
/// parameters whose source in some run is its caps.
fn quick_lowered(s: &Scenario, parameters: &[ParamValue]) -> QuickLowered {
    let lowered = |key: &str| {
        s.quick_lowered()
            .into_iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, from, to)| Lowered { from, to })
    };
    let by_quick = ParamSource::Quick.as_str();
    QuickLowered {
        steps: lowered("experiment.steps"),
        replications: lowered("experiment.replications"),
        parameters: parameters
            .iter()
            .filter(|p| p.source.split('+').any(|source| source == by_quick))
            .map(|p| p.name.clone())
            .collect(),
    }
}

/// The manifest's `seeds`: the base seed and each replication's seed.
fn seed_info(s: &Scenario) -> SeedInfo {
    SeedInfo {
        base_seed: s.seed,
        derivation: SEED_DERIVATION.to_string(),
        replications: (0..s.replications)
            .map(|r| ReplicationSeed {
                replication: r,
                seed: run_seed(s.seed, r),
            })
            .collect(),
    }
}

/// The manifest's `sweep`: each axis with its values as written in the CSVs.
fn sweep_infos(s: &Scenario) -> Vec<SweepInfo> {
    s.sweep
        .iter()
        .map(|a| SweepInfo {
            name: a.name().to_string(),
            values: a
                .values
                .iter()
                .map(|v| SPECS[a.param].format_value(*v))
                .collect(),
        })
        .collect()
}

/// The manifest's `variants`: each variant's overrides, split into those its runs had and
/// those `--set` or `--quick` replaced, and its interventions.
fn variant_infos(s: &Scenario) -> Vec<VariantInfo> {
    let name_value = |(i, v): &(usize, f64)| NameValue {
        name: SPECS[*i].name.to_string(),
        value: SPECS[*i].format_value(*v),
    };
    s.variants
        .iter()
        .enumerate()
        .map(|(vi, v)| VariantInfo {
            name: v.name.clone(),
            description: v.description.clone(),
            params: v
                .overrides
                .iter()
                .filter(|o| !replaced(s, vi, o))
                .map(name_value)
                .collect(),
            replaced: v
                .overrides
                .iter()
                .filter(|o| replaced(s, vi, o))
                .map(name_value)
                .collect(),
            interventions: v
                .interventions
                .iter()
                .map(|iv| InterventionInfo {
                    lever: iv.param().to_string(),
                    value: coprod_core::Params::lookup(iv.param()).map_or_else(
                        |_| iv.value.to_string(),
                        |(_, spec)| spec.format_value(iv.value),
                    ),
                    from_step: iv.from_step,
                    until_step: iv.until_step,
                })
                .collect(),
        })
        .collect()
}

/// Whether the runs of variant `variant` did not have the value its override sets: a
/// `--set` option (the strongest source, docs/scenarios.md) or the size caps of `--quick`
/// replaced it in every run.
fn replaced(s: &Scenario, variant: usize, &(index, value): &(usize, f64)) -> bool {
    (0..s.n_points()).any(|point| {
        s.params_for(variant, point).get_index(index).to_bits() != value.to_bits()
            && !s.sweep.iter().any(|a| a.param == index)
    })
}

#[cfg(test)]
mod tests {
    use coprod_scenario::ParamSource;

    /// Every word parameters.csv's writer puts in `source` is the one its reader
    /// (`coprod_output::PARAMETER_SOURCES`) has at the layer's place; the match fails to
    /// compile when a layer is added without a place.
    #[test]
    fn the_sources_written_are_the_sources_read() {
        let place = |s: ParamSource| match s {
            ParamSource::Default => 0,
            ParamSource::Scenario => 1,
            ParamSource::Variant => 2,
            ParamSource::Sweep => 3,
            ParamSource::Set => 4,
            ParamSource::Quick => 5,
        };
        let layers = [
            ParamSource::Default,
            ParamSource::Scenario,
            ParamSource::Variant,
            ParamSource::Sweep,
            ParamSource::Set,
            ParamSource::Quick,
        ];
        assert_eq!(layers.len(), coprod_output::PARAMETER_SOURCES.len());
        for s in layers {
            assert_eq!(s.as_str(), coprod_output::PARAMETER_SOURCES[place(s)]);
        }
    }
}
