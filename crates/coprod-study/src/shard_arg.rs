//! The value of `--shard`: `I/N` (shard I of N, from 0), or nothing to read SLURM's array
//! variables. Owns parsing and its messages; what a shard runs is `shard.rs`.

use std::str::FromStr;

/// The value `--shard` takes when given without `I/N`: read SLURM's variables.
pub const FROM_SLURM: &str = "slurm";

/// A `--shard` value: `I/N`, or the SLURM array variables.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShardArg {
    /// Shard `index` of `count`.
    Explicit {
        /// The shard, from 0.
        index: u64,
        /// Shards in all.
        count: u64,
    },
    /// `SLURM_ARRAY_TASK_ID` of `SLURM_ARRAY_TASK_COUNT`.
    Slurm,
}

impl FromStr for ShardArg {
    type Err = String;

    fn from_str(text: &str) -> Result<ShardArg, String> {
        if text == FROM_SLURM {
            return Ok(ShardArg::Slurm);
        }
        parse_shard(text).map(|(index, count)| ShardArg::Explicit { index, count })
    }
}

/// The whole number `text` (`what`, allowed from `from`): one too large for any count of
/// shards is out of range, not "not a whole number".
fn whole(text: &str, what: &str, from: u64) -> Result<u64, String> {
    let digits = text.trim();
    digits.parse().map_err(|_| {
        if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            format!(
                "{what} `{digits}` is out of range: allowed is a whole number from {from} to {}",
                u64::MAX
            )
        } else {
            format!("{what} `{text}` is not a whole number from {from}")
        }
    })
}

/// `I/N` with `0 <= I < N`.
pub fn parse_shard(text: &str) -> Result<(u64, u64), String> {
    let (i, n) = text.split_once('/').ok_or_else(|| {
        format!("expected I/N, e.g. 0/10 for the first of 10 shards, not `{text}`")
    })?;
    let index = whole(i, "shard number", 0)?;
    let count = whole(n, "shard count", 1)?;
    if count == 0 {
        return Err("the shard count must be at least 1".into());
    }
    if index >= count {
        return Err(format!(
            "shard {index} of {count} does not exist: shards are numbered from 0 to {}",
            count - 1
        ));
    }
    Ok((index, count))
}
