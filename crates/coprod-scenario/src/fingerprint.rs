//! A fingerprint of a resolved scenario: a hash of everything that decides the rows of
//! the outputs (parameters of every variant and sweep point, interventions, steps,
//! replications, seed, `--set` and `--quick`).
//!
//! Owns the canonical text that is hashed; comments, key order and spelling in the file
//! do not change it. `coprod run --resume` compares fingerprints so that it never mixes
//! results of different scenarios. It is not a cryptographic hash.

use coprod_core::SPECS;

use crate::scenario::Scenario;

impl Scenario {
    /// 32 hex digits identifying the resolved scenario (see the module docs).
    pub fn fingerprint(&self) -> String {
        let mut text = format!(
            "steps={};replications={};seed={};quick={}\n",
            self.steps, self.replications, self.seed, self.quick
        );
        let bits = |v: f64| format!("{:016x}", v.to_bits());
        text.push_str("base:");
        for (i, spec) in SPECS.iter().enumerate() {
            text.push_str(&format!("{}={};", spec.name, bits(self.base.get_index(i))));
        }
        text.push('\n');
        for axis in &self.sweep {
            let values: Vec<String> = axis.values.iter().map(|v| bits(*v)).collect();
            text.push_str(&format!("sweep:{}=[{}]\n", axis.name(), values.join(",")));
        }
        for variant in &self.variants {
            text.push_str(&format!("variant:{}:", variant.name));
            for (i, v) in &variant.overrides {
                text.push_str(&format!("{}={};", SPECS[*i].name, bits(*v)));
            }
            for iv in &variant.interventions {
                text.push_str(&format!(
                    "iv:{}={}@{}..{:?};",
                    iv.param(),
                    bits(iv.value),
                    iv.from_step,
                    iv.until_step
                ));
            }
            text.push('\n');
        }
        for (i, v) in &self.pins {
            text.push_str(&format!("set:{}={}\n", SPECS[*i].name, bits(*v)));
        }
        format!(
            "{:016x}{:016x}",
            fnv1a64(text.as_bytes(), 0xcbf2_9ce4_8422_2325),
            fnv1a64(text.as_bytes(), 0x6c62_272e_07bb_0142)
        )
    }
}

fn fnv1a64(bytes: &[u8], offset: u64) -> u64 {
    let mut hash = offset;
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::fnv1a64;
    use crate::Scenario;

    #[test]
    fn the_hash_is_fnv_1a_64() {
        // `--resume` compares fingerprints written by earlier runs, so the hash must stay the
        // published FNV-1a-64 (reference vectors), not merely some function of the text.
        assert_eq!(fnv1a64(b"", 0xcbf2_9ce4_8422_2325), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a", 0xcbf2_9ce4_8422_2325), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(
            fnv1a64(b"foobar", 0xcbf2_9ce4_8422_2325),
            0x8594_4171_f739_67e8
        );
    }

    #[test]
    fn fingerprints_ignore_spelling_but_not_values() {
        let a = Scenario::from_toml("[params.levers]\noutreach = 0.5\n", "a.toml", "a").unwrap();
        let b = Scenario::from_toml(
            "# a comment\n[params]\n\"levers.outreach\" = 0.50\n",
            "b.toml",
            "a",
        )
        .unwrap();
        assert_eq!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.fingerprint().len(), 32);
        let mut c = a.clone();
        c.apply_settings(&["experiment.seed=2".parse().unwrap()])
            .unwrap();
        assert_ne!(a.fingerprint(), c.fingerprint());
        let d = Scenario::from_toml("[params.levers]\noutreach = 0.6\n", "a.toml", "a").unwrap();
        assert_ne!(a.fingerprint(), d.fingerprint());
    }
}
