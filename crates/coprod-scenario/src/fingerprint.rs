//! A fingerprint of a resolved scenario: a hash of everything that decides the rows of
//! the outputs (parameters of every variant and sweep point, interventions, steps,
//! replications, seed, `--set` and `--quick`).
//!
//! Owns the canonical text that is hashed; comments, key order and spelling in the file
//! do not change it. `coprod run --resume` compares fingerprints so that it never mixes
//! results of different scenarios. It is not a cryptographic hash. The same things in
//! words ([`Scenario::recipe`]) let a refused `--resume` say what differs.

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

impl Scenario {
    /// What decides the runs, in words, as (what, value) pairs: the experiment's steps,
    /// replications and seed, `--quick`, each `[params]` value that is not the default, each
    /// sweep axis, the variants with their parameters and interventions, each `--set`. A
    /// refused `--resume` names the pairs that differ; the fingerprint decides.
    pub fn recipe(&self) -> Vec<(String, String)> {
        let value = |i: usize, v: f64| SPECS[i].format_value(v);
        let mut out = vec![
            ("experiment.steps".into(), self.steps.to_string()),
            (
                "experiment.replications".into(),
                self.replications.to_string(),
            ),
            ("experiment.seed".into(), self.seed.to_string()),
            (
                "--quick".into(),
                if self.quick { "on" } else { "off" }.into(),
            ),
        ];
        for (i, spec) in SPECS.iter().enumerate() {
            let v = self.base.get_index(i);
            if v.to_bits() != spec.default.to_bits() {
                out.push((spec.name.to_string(), value(i, v)));
            }
        }
        for axis in &self.sweep {
            let values: Vec<String> = axis.values.iter().map(|&v| value(axis.param, v)).collect();
            out.push((format!("the sweep over {}", axis.name()), values.join(", ")));
        }
        let names: Vec<&str> = self.variants.iter().map(|v| v.name.as_str()).collect();
        out.push(("variants".into(), names.join(", ")));
        for variant in &self.variants {
            let mut said: Vec<String> = variant
                .overrides
                .iter()
                .map(|&(i, v)| format!("{} {}", SPECS[i].name, value(i, v)))
                .collect();
            said.extend(variant.interventions.iter().map(|iv| {
                let (index, _) = coprod_core::Params::lookup(iv.param()).expect("a lever");
                let until = iv.until_step.map_or("the end".into(), |s| s.to_string());
                format!(
                    "{} {} from step {} to {until}",
                    iv.param(),
                    value(index, iv.value),
                    iv.from_step
                )
            }));
            if !said.is_empty() {
                out.push((format!("variant {}", variant.name), said.join(", ")));
            }
        }
        for &(i, v) in &self.pins {
            out.push((format!("--set {}", SPECS[i].name), value(i, v)));
        }
        out
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

    #[test]
    fn the_recipe_says_in_words_what_the_fingerprint_hashes() {
        let text = "[params.levers]\noutreach = 0.6\n[experiment]\nseed = 3\n\
                    [experiment.sweep]\n\"groups.rho\" = [0.2, 0.5]\n\
                    [[experiment.variants]]\nname = \"v\"\nparams.groups.service = \"joint\"\n";
        let mut s = Scenario::from_toml(text, "a.toml", "a").unwrap();
        s.apply_settings(&["levers.entrepreneurs=0.1".parse().unwrap()])
            .unwrap();
        let recipe = s.recipe();
        let has = |k: &str, v: &str| recipe.iter().any(|(a, b)| a == k && b == v);
        assert!(has("experiment.seed", "3"), "{recipe:?}");
        assert!(has("--quick", "off"));
        assert!(has("levers.outreach", "0.6"));
        assert!(has("the sweep over groups.rho", "0.2, 0.5"));
        assert!(has("variants", "baseline, v"));
        assert!(has("variant v", "groups.service joint"));
        assert!(has("--set levers.entrepreneurs", "0.1"));
        // Defaults are not listed: only what a scenario or option changed.
        assert!(!recipe.iter().any(|(k, _)| k == "groups.rho"));
        assert_eq!(recipe.len(), 9, "{recipe:?}");
    }
}
