//! Run directories damaged after they were written: `coprod plot` and `coprod compare` refuse
//! them, naming the file (and the line and column of a row), and leave every file as it was.

use std::fs;
use std::path::{Path, PathBuf};

use crate::util::{Sandbox, files_below};

/// A small finished run in `out` (two replications of 8 steps, a sweep of the size cap).
fn small_run(sb: &Sandbox) -> PathBuf {
    sb.small_run(&["--out", "out"]).assert().success();
    sb.path().join("out")
}

/// Every file below `dir` with its bytes.
fn snapshot(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    files_below(dir)
        .into_iter()
        .map(|rel| {
            let bytes = fs::read(dir.join(&rel)).unwrap();
            (rel, bytes)
        })
        .collect()
}

/// `coprod plot out` and `coprod compare out` both exit 2 with every one of `says` in their
/// error, and change nothing in the directory.
fn refused(sb: &Sandbox, dir: &Path, says: &[&str]) {
    let before = snapshot(dir);
    for command in ["plot", "compare"] {
        let out = sb.cmd(&[command, "out"]).assert().code(2);
        let stderr = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
        for said in says {
            assert!(stderr.contains(said), "{command}: {said}\n{stderr}");
        }
        assert!(snapshot(dir) == before, "{command} changed the directory");
    }
}

/// Each of `cases` (the text of `dir`'s `file` damaged, and what the refusal says) is
/// refused by `plot` and `compare`; the intact file, put back, is drawn.
fn each_refused(sb: &Sandbox, dir: &Path, file: &str, cases: &[(String, String)]) {
    let path = dir.join(file);
    let whole = fs::read_to_string(&path).unwrap();
    for (damaged, said) in cases {
        fs::write(&path, damaged).unwrap();
        refused(sb, dir, &[said]);
    }
    fs::write(&path, &whole).unwrap();
    sb.cmd(&["plot", "out"]).assert().success();
}

/// `text` (a CSV file) with field `column` of line `line` (from 1, the header being 1) set
/// to `value`.
fn with_field(text: &str, line: usize, column: &str, value: &str) -> String {
    let header: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let k = header.iter().position(|h| *h == column).unwrap();
    let mut out = String::new();
    for (n, l) in text.lines().enumerate() {
        let mut fields: Vec<&str> = l.split(',').collect();
        if n + 1 == line {
            fields[k] = value;
        }
        out += &fields.join(",");
        out.push('\n');
    }
    out
}

/// `text` with line `line` (from 1) removed, or repeated.
fn without_line(text: &str, line: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let kept: Vec<&str> = [&lines[..line - 1], &lines[line..]].concat();
    kept.join("\n") + "\n"
}

fn with_line_twice(text: &str, line: usize) -> String {
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(line, lines[line - 1]);
    lines.join("\n") + "\n"
}

/// A file cut inside its last field still has every column in its last row, whose value
/// reads as another number (`0.0716845878` as `0.07168458`): every file coprod writes ends
/// with a line break, so one without is refused, as `coprod merge` refuses a shard's.
#[test]
fn a_file_cut_inside_its_last_field_is_refused() {
    let sb = Sandbox::new();
    let dir = small_run(&sb);
    for name in [
        "runs.csv",
        "timeseries.csv",
        "parameters.csv",
        "summary.csv",
        "groups.csv",
    ] {
        let path = dir.join(name);
        let whole = fs::read(&path).unwrap();
        // The line break and the last character of the last field.
        fs::write(&path, &whole[..whole.len() - 2]).unwrap();
        let said = format!("out/{name}: its last line has no line break: the file is cut short");
        refused(&sb, &dir, &[&said]);
        fs::write(&path, whole).unwrap();
    }
}

/// groups.csv must hold each run's groups as the run wrote them: group ids 0, 1, 2, ...,
/// as many started groups as runs.csv's `groups_started`, steps within the run and in
/// order, a known end, a size cap the model allows. Otherwise the survival charts would
/// describe groups that never were.
#[test]
fn groups_that_contradict_the_run_are_refused() {
    let sb = Sandbox::new();
    let dir = small_run(&sb);
    let path = dir.join("groups.csv");
    let whole = fs::read_to_string(&path).unwrap();
    // The fixture's first rows: run 0's group 0 (formed at step 2, ended at 4 with too few
    // members) and group 1 (active at the end); runs.csv says run 0 started 2 groups.
    let lines: Vec<&str> = whole.lines().collect();
    assert!(lines[1].starts_with("0,0,") && lines[1].contains(",2,4,too_few_members,"));
    assert!(lines[2].starts_with("0,1,") && lines[2].contains(",,active,"));
    assert!(lines[3].starts_with("1,0,"), "{}", lines[3]);
    let header = lines[0].to_string() + "\n";
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            without_line(&whole, 2),
            vec![
                "out/groups.csv:2: column `group_id`",
                "run 0: group 1 where group 0 was expected",
            ],
        ),
        (
            with_line_twice(&whole, 2),
            vec![
                "out/groups.csv:3: column `group_id`",
                "run 0: group 0 where group 1 was expected",
            ],
        ),
        (
            without_line(&whole, 3),
            vec![
                "out/groups.csv: run 0 has 1 started groups, but runs.csv records \
                 groups_started 2",
            ],
        ),
        (
            header,
            vec![
                "out/groups.csv: run 0 has 0 started groups, but runs.csv records \
                 groups_started 2",
            ],
        ),
        (
            with_field(&whole, 2, "ended_step", "100000000"),
            vec![
                "out/groups.csv:2: column `ended_step`: expected a step below 8 \
                 (manifest.json's experiment.steps), found \"100000000\"",
            ],
        ),
        (
            with_field(&whole, 2, "ended_step", "1"),
            vec![
                "out/groups.csv:2: column `ended_step`: expected a step of at least 2 (the formed_step)",
            ],
        ),
        (
            with_field(&whole, 3, "ended_step", "5"),
            vec!["out/groups.csv:3: column `ended_step`: expected an empty field"],
        ),
        (
            with_field(&whole, 2, "end_reason", "bogus"),
            vec![
                "out/groups.csv:2: column `end_reason`: expected one of active, \
                 too_few_members, failed_task, never_started, forming, found \"bogus\"",
            ],
        ),
        (
            with_field(&whole, 2, "size_cap", "0"),
            vec!["out/groups.csv:2: column `size_cap`", "found \"0\""],
        ),
        (
            with_field(&whole, 2, "task", "bogus"),
            vec![
                "out/groups.csv:2: column `task`: expected one of specific, generic, found \
                 \"bogus\"",
            ],
        ),
        (
            // A citizen initiative no organisation took up: always a specific task.
            with_field(
                &with_field(&whole, 2, "organisation", ""),
                2,
                "task",
                "generic",
            ),
            vec![
                "out/groups.csv:2: column `task`: expected specific (a group with no \
                 organisation is a citizen initiative, whose task is specific), found \
                 \"generic\"",
            ],
        ),
    ];
    for (damaged, says) in cases {
        fs::write(&path, &damaged).unwrap();
        refused(&sb, &dir, &says);
    }
    fs::write(&path, &whole).unwrap();
    sb.cmd(&["plot", "out"]).assert().success();
}

/// summary.csv must state what runs.csv's runs give: a mean outside its own interval (0.9
/// where the runs average 0.008) would be drawn on the page and in the response charts.
#[test]
fn a_summary_that_contradicts_the_runs_is_refused() {
    let sb = Sandbox::new();
    let dir = small_run(&sb);
    let path = dir.join("summary.csv");
    let whole = fs::read_to_string(&path).unwrap();
    assert!(
        whole
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("baseline,2,participation_rate,"),
        "{whole}"
    );
    for (column, value) in [
        ("mean", "0.9"),
        ("sd", "0.5"),
        ("ci_low", "0.001"),
        ("ci_high", "0.5"),
    ] {
        fs::write(&path, with_field(&whole, 2, column, value)).unwrap();
        let said = format!("out/summary.csv:2: column `{column}`: expected ");
        let found = format!("found \"{value}\"");
        refused(&sb, &dir, &[&said, &found, "runs.csv"]);
    }
    fs::write(&path, &whole).unwrap();
    sb.cmd(&["plot", "out"]).assert().success();
}

/// Each run's seed follows from manifest.json's base seed and its replication
/// (`coprod_scenario::run_seed`), as manifest.json's `seeds.replications` lists them: a
/// runs.csv seed, a listed seed or a base seed edited would have the pages state seeds of
/// runs that never happened (a seed copied from runs.csv would not reproduce its run).
#[test]
fn seeds_that_do_not_follow_from_the_base_seed_are_refused() {
    let sb = Sandbox::new();
    let dir = small_run(&sb);
    let runs_path = dir.join("runs.csv");
    let runs = fs::read_to_string(&runs_path).unwrap();
    fs::write(&runs_path, with_field(&runs, 2, "seed", "12345")).unwrap();
    refused(
        &sb,
        &dir,
        &[
            "out/runs.csv:2: column `seed`: expected ",
            "found \"12345\"",
            "manifest.json",
        ],
    );
    fs::write(&runs_path, &runs).unwrap();

    let manifest_path = dir.join("manifest.json");
    let manifest = fs::read_to_string(&manifest_path).unwrap();
    let json: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let base = json["seeds"]["base_seed"].as_u64().unwrap();
    let edit = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut j = json.clone();
        f(&mut j);
        fs::write(&manifest_path, serde_json::to_string_pretty(&j).unwrap()).unwrap();
    };
    edit(&|j| j["seeds"]["base_seed"] = (base + 1).into());
    refused(
        &sb,
        &dir,
        &[
            "out/manifest.json",
            "`seeds.replications`",
            "`seeds.base_seed`",
        ],
    );
    edit(&|j| j["seeds"]["replications"][1]["seed"] = 7.into());
    refused(
        &sb,
        &dir,
        &["out/manifest.json", "`seeds.replications`", "found 7"],
    );
    fs::write(&manifest_path, &manifest).unwrap();
    sb.cmd(&["plot", "out"]).assert().success();
}

/// parameters.csv's `unit` is the parameter's unit (`coprod list --params`) and its `source`
/// one of the words coprod writes: teach's page says a value was set by `--set` or lowered
/// by `--quick` from `source`, so an edited source would have it describe options never given.
#[test]
fn parameter_units_and_sources_no_run_writes_are_refused() {
    let sb = Sandbox::new();
    let dir = small_run(&sb);
    let path = dir.join("parameters.csv");
    let whole = fs::read_to_string(&path).unwrap();
    for (column, value, says) in [
        ("unit", "months", "expected the unit of "),
        (
            "source",
            "typed",
            "expected one of default, scenario, variant, sweep, set, quick",
        ),
    ] {
        fs::write(&path, with_field(&whole, 2, column, value)).unwrap();
        let said = format!("out/parameters.csv:2: column `{column}`: {says}");
        refused(&sb, &dir, &[&said, &format!("found \"{value}\"")]);
    }
    fs::write(&path, &whole).unwrap();
    sb.cmd(&["plot", "out"]).assert().success();
}

/// The production columns of groups.csv (docs/ODD.md 8.18) hold what the model sums over a
/// group's producing months: the months from the step it started to the step it ended (or
/// the last step), at least one member each month and never more than it started with (a
/// started group takes no new members), amounts that are sums of non-negative terms, the
/// first month's effort within the total, coordinated labour within labour, and months
/// with the task met within its months. A row that says otherwise is refused.
#[test]
fn group_production_no_run_writes_is_refused() {
    let sb = Sandbox::new();
    let dir = small_run(&sb);
    let whole = fs::read_to_string(dir.join("groups.csv")).unwrap();
    // Run 0's group 0 started at step 2 with 2 members and ended at step 4: 3 months;
    // group 1 started at step 6 and was active at the end of the 8 steps: 2 months.
    let lines: Vec<&str> = whole.lines().collect();
    assert!(lines[1].starts_with("0,0,") && lines[1].contains(",2,2,4,too_few_members,3,"));
    assert!(lines[2].starts_with("0,1,") && lines[2].contains(",6,,active,2,"));
    let at = |line: usize, column: &str| format!("out/groups.csv:{line}: column `{column}`: ");
    let cases: Vec<(String, String)> = vec![
        (
            with_field(&whole, 2, "effort", "-1"),
            at(2, "effort") + "expected a value of at least 0, found \"-1\"",
        ),
        (
            with_field(&whole, 2, "months_producing", "5"),
            at(2, "months_producing")
                + "expected 3 (the months from formed_step 2 to ended_step 4: a group produces \
                   in the step it starts and in the step it ends), found \"5\"",
        ),
        (
            with_field(&whole, 3, "months_producing", "7"),
            at(3, "months_producing")
                + "expected 2 (the months from formed_step 6 to the last of the 8 steps, \
                   manifest.json's experiment.steps), found \"7\"",
        ),
        (
            with_field(&whole, 2, "months_met", "4"),
            at(2, "months_met") + "expected at most 3 (the months_producing), found \"4\"",
        ),
        (
            with_field(&whole, 2, "member_months", "7"),
            at(2, "member_months")
                + "expected from 4 to 6 (the size_at_formation 2 in its first month and from \
                   1 to 2 members in each of its 2 other months_producing: a started group \
                   takes no new members), found \"7\"",
        ),
        (
            with_field(&whole, 2, "size_at_formation", "0"),
            at(2, "size_at_formation")
                + "expected at least 1 (the group produced for 3 months_producing, so it had \
                   members), found \"0\"",
        ),
        (
            with_field(&whole, 2, "first_effort", "3"),
            at(2, "first_effort")
                + "expected at most the effort summed over its months, 2.5300257304190787, \
                   found \"3\"",
        ),
        (
            with_field(&whole, 2, "coordinated_labour", "2.6"),
            at(2, "coordinated_labour")
                + "expected at most the labour, 2.5300257304190787 (coordination only loses \
                   labour), found \"2.6\"",
        ),
    ];
    each_refused(&sb, &dir, "groups.csv", &cases);
}

/// A group's organisation and community are among the run's (parameters.csv's
/// `population.n_organisations` and `population.n_communities`, 4 each here): the index page
/// and the teaching page count groups by them.
#[test]
fn a_group_of_an_organisation_or_community_the_run_had_not_is_refused() {
    let sb = Sandbox::new();
    let dir = small_run(&sb);
    let whole = fs::read_to_string(dir.join("groups.csv")).unwrap();
    let cases: Vec<(String, String)> = [
        ("organisation", "population.n_organisations"),
        ("community", "population.n_communities"),
    ]
    .iter()
    .map(|(column, parameter)| {
        let said = format!(
            "out/groups.csv:2: column `{column}`: expected a number from 0 to 3 (its run has \
             {parameter} = 4), found \"4\""
        );
        (with_field(&whole, 2, column, "4"), said)
    })
    .collect();
    each_refused(&sb, &dir, "groups.csv", &cases);
}

/// timeseries.csv repeats each run's variant, swept values and replication from runs.csv,
/// so that a series needs no join: a row that names another would be charted as its run.
#[test]
fn a_timeseries_row_that_names_another_run_is_refused() {
    let sb = Sandbox::new();
    let dir = small_run(&sb);
    let whole = fs::read_to_string(dir.join("timeseries.csv")).unwrap();
    assert!(
        whole
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("0,baseline,2,0,0,")
    );
    let cases: Vec<(String, String)> = [
        ("variant", "other", "\"baseline\""),
        ("levers.group_size_cap", "3", "\"2\""),
        ("replication", "1", "\"0\""),
    ]
    .iter()
    .map(|(column, value, expected)| {
        let said = format!(
            "out/timeseries.csv:2: column `{column}`: expected {expected}, run 0's \
             `{column}` in runs.csv, found \"{value}\""
        );
        (with_field(&whole, 2, column, value), said)
    })
    .collect();
    each_refused(&sb, &dir, "timeseries.csv", &cases);
}

/// What every row the model writes satisfies, over real runs of several scenarios, seeds
/// and switches (a group's labour pooled with `channels.size_capacity` off, no citizen
/// input, groups of one member): `coprod plot` reads them back without refusing any.
/// Groups that ended and groups still active are both there, so the checks were met.
#[test]
fn groups_the_model_writes_pass_the_read_back_checks() {
    let sb = Sandbox::new();
    let small = [
        "--set",
        "population.n_citizens=240",
        "--set",
        "experiment.steps=30",
        "--replications",
        "2",
    ];
    let cases: [(&str, &[&str]); 6] = [
        ("scenarios/baseline.toml", &["--seed", "1"]),
        (
            "scenarios/baseline.toml",
            &["--seed", "2", "--set", "groups.min_members=1"],
        ),
        ("scenarios/group-size-forces.toml", &["--seed", "3"]),
        (
            "scenarios/group-size.toml",
            &["--seed", "4", "--set", "channels.size_capacity=false"],
        ),
        (
            "scenarios/production-technology.toml",
            &["--seed", "5", "--set", "channels.citizen_input=false"],
        ),
        ("scenarios/small-groups-vs-scale-up.toml", &["--seed", "6"]),
    ];
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (mut ended, mut active) = (0, 0);
    for (k, (scenario, extra)) in cases.iter().enumerate() {
        let out = format!("out{k}");
        let scenario = root.join(scenario);
        let mut args = vec!["run", scenario.to_str().unwrap(), "--out", &out];
        args.extend_from_slice(&small);
        args.extend_from_slice(extra);
        sb.cmd(&args).assert().success();
        sb.cmd(&["plot", &out]).assert().success();
        let groups = fs::read_to_string(sb.path().join(&out).join("groups.csv")).unwrap();
        ended +=
            groups.matches(",too_few_members,").count() + groups.matches(",failed_task,").count();
        active += groups.matches(",active,").count();
    }
    assert!(ended > 0 && active > 0, "{ended} ended, {active} active");
}
