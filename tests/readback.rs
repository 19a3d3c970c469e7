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
