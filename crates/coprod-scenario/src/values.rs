//! Parameter values as written by users (TOML values, `--set` text) to the model's `f64`.
//!
//! Owns the spelling rules: a Bool is `true`/`false`, a Choice is its name, Int and Real
//! are numbers. Range checks come from `coprod_core::ParamSpec::check`.

use coprod_core::{Kind, ParamSpec};

/// Converts a TOML value to the stored value of `spec`, with a message naming key and value.
pub(crate) fn from_toml(spec: &ParamSpec, value: &toml::Value) -> Result<f64, String> {
    let stored = match (spec.kind, value) {
        (Kind::Real, toml::Value::Integer(i)) => Some(*i as f64),
        (Kind::Real, toml::Value::Float(x)) => Some(*x),
        (Kind::Int, toml::Value::Integer(i)) => Some(*i as f64),
        (Kind::Int, toml::Value::Float(x)) if x.fract() == 0.0 => Some(*x),
        (Kind::Bool, toml::Value::Boolean(b)) => Some(f64::from(u8::from(*b))),
        (Kind::Choice(options), toml::Value::String(s)) => {
            options.iter().position(|o| o == s).map(|i| i as f64)
        }
        _ => None,
    };
    check(spec, stored, &display_toml(value))
}

/// Converts `--set` text to the stored value of `spec`.
pub(crate) fn from_text(spec: &ParamSpec, text: &str) -> Result<f64, String> {
    let text = text.trim();
    // A choice may be quoted as in a scenario file (`--set 'levers.role_design="joint"'`).
    let bare = match spec.kind {
        Kind::Choice(_) => text.trim_matches('"'),
        _ => text,
    };
    check(spec, spec.parse_value(bare), text)
}

/// The hint for a value `from_toml` refused: the closest option of a choice to a misspelt one
/// (`"jiont"`: did you mean `joint`?).
pub(crate) fn toml_hint(spec: &ParamSpec, value: &toml::Value) -> Option<String> {
    value
        .as_str()
        .and_then(|written| choice_hint(spec, written))
}

/// The hint for `--set` text `from_text` refused, as [`toml_hint`].
pub(crate) fn text_hint(spec: &ParamSpec, text: &str) -> Option<String> {
    choice_hint(spec, text.trim().trim_matches('"'))
}

fn choice_hint(spec: &ParamSpec, written: &str) -> Option<String> {
    let Kind::Choice(options) = spec.kind else {
        return None;
    };
    crate::suggest::closest(written, options.iter().copied())
        .map(|option| format!("did you mean `{option}`?"))
}

fn check(spec: &ParamSpec, stored: Option<f64>, shown: &str) -> Result<f64, String> {
    match stored {
        // `-0.0 + 0.0` is `0.0`: a zero written `-0` or `-0.0` is the model's zero, and
        // parameters.csv and the manifest should not record it as "-0".
        Some(v) if spec.check(v).is_ok() => Ok(v + 0.0),
        _ => Err(format!(
            "invalid value {shown} for `{}`: allowed is {}",
            spec.name,
            spec.allowed()
        )),
    }
}

/// A whole number from `min` to `max` of an analysis table (`[sensitivity]`,
/// `[calibration]`), or `default` when the key is absent; on error, the message names
/// `table.key`, the value as written and the allowed range (for a value of the wrong type
/// too).
/// The error is (key path below the table, message), as the tables report errors.
pub(crate) fn table_count(
    (table, key): (&str, &str),
    value: Option<&toml::Value>,
    default: u32,
    (min, max): (u32, u32),
) -> Result<u32, (Vec<String>, String)> {
    let Some(value) = value else {
        return Ok(default);
    };
    match value.as_integer().map(u32::try_from) {
        Some(Ok(v)) if (min..=max).contains(&v) => Ok(v),
        _ => Err((
            vec![key.to_string()],
            format!(
                "invalid value {} for `{table}.{key}`: allowed is a whole number {}",
                display_toml(value),
                // At u32::MAX, a limit of the type rather than of the table, the range is
                // said from its low end, but a larger count is refused too, so it is named.
                if max == u32::MAX {
                    format!("of at least {min} (and at most {max})")
                } else {
                    format!("from {min} to {max}")
                }
            ),
        )),
    }
}

/// A number of an analysis table, or `default` when the key is absent; `None` for a value
/// that is not a number (an integer counts as one).
pub(crate) fn table_number(value: Option<&toml::Value>, default: f64) -> Option<f64> {
    match value {
        None => Some(default),
        Some(v) => v.as_float().or_else(|| v.as_integer().map(|i| i as f64)),
    }
}

/// A TOML value as the user wrote it, for messages.
pub(crate) fn display_toml(value: &toml::Value) -> String {
    match value {
        toml::Value::String(s) => format!("\"{s}\""),
        toml::Value::Table(_) => "a table".to_string(),
        toml::Value::Array(_) => "an array".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use coprod_core::Params;

    fn spec(name: &str) -> &'static ParamSpec {
        Params::lookup(name).unwrap().1
    }

    #[test]
    fn kinds_are_spelt_as_documented() {
        let int = spec("levers.group_size_cap");
        assert_eq!(from_toml(int, &toml::Value::Integer(8)), Ok(8.0));
        assert!(from_toml(int, &toml::Value::Float(2.5)).is_err());
        assert!(from_toml(int, &toml::Value::String("8".into())).is_err());
        let choice = spec("groups.service");
        assert_eq!(
            from_toml(choice, &toml::Value::String("joint".into())),
            Ok(1.0)
        );
        assert_eq!(from_text(choice, "joint"), Ok(1.0));
        let err = from_text(choice, "shared").unwrap_err();
        assert!(err.contains("\"per_member\", \"joint\""), "{err}");
        // A misspelt option gets the option it is closest to; an unrelated word nothing.
        let written = |s: &str| toml::Value::String(s.into());
        assert_eq!(
            toml_hint(choice, &written("jiont")).as_deref(),
            Some("did you mean `joint`?")
        );
        assert_eq!(
            text_hint(choice, "per-member").as_deref(),
            Some("did you mean `per_member`?")
        );
        assert_eq!(toml_hint(choice, &written("shared")), None);
        assert_eq!(toml_hint(choice, &toml::Value::Integer(1)), None);
        assert_eq!(text_hint(spec("levers.outreach"), "0.5x"), None);
        let boolean = spec("levers.crowding_out");
        assert_eq!(from_text(boolean, "true"), Ok(1.0));
        assert!(from_text(boolean, "1").is_err());
        let real = spec("citizens.efficacy_mean");
        let err = from_text(real, "1.5").unwrap_err();
        assert_eq!(
            err,
            "invalid value 1.5 for `citizens.efficacy_mean`: allowed is a number from 0 to 1"
        );
    }

    #[test]
    fn whole_floats_count_as_integers_and_switches_take_both_words() {
        // `group_size_cap = 8.0` is a whole number, so an Int parameter accepts it.
        let int = spec("levers.group_size_cap");
        assert_eq!(from_toml(int, &toml::Value::Float(8.0)), Ok(8.0));
        // A Bool is stored as 1 or 0, from TOML booleans and from `--set` text alike.
        let boolean = spec("levers.crowding_out");
        assert_eq!(from_toml(boolean, &toml::Value::Boolean(true)), Ok(1.0));
        assert_eq!(from_toml(boolean, &toml::Value::Boolean(false)), Ok(0.0));
        assert_eq!(from_text(boolean, "false"), Ok(0.0));
    }

    #[test]
    fn a_negative_zero_is_stored_as_zero() {
        let real = spec("levers.participation_cost");
        for stored in [
            from_toml(real, &toml::Value::Float(-0.0)),
            from_text(real, "-0"),
            from_text(real, "-0.0"),
        ] {
            assert_eq!(stored.map(f64::is_sign_positive), Ok(true));
        }
    }
}
