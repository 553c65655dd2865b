//! Options that take one of a list of values (chips, reset modes, flash mode, frequency
//! and size): clap shows the whole list in `--help` and in the error for a value not in
//! it, while the value itself is read as espctl always read it (any case, v4 spellings,
//! megabit size names), so nothing accepted before is refused now.

use super::values::{chip_arg, freq_arg, mode_arg, size_arg};
use clap::builder::{PossibleValue, TypedValueParser};
use clap::error::{ContextKind, ContextValue, ErrorKind};
use espctl_chips::CHIPS;
use espctl_flasher::{After, Before};
use std::ffi::OsStr;

/// A value read by `read`, with `shown` listed in help and errors (and `hidden` taken
/// without being listed).
#[derive(Clone)]
pub struct Choices<T> {
    shown: Vec<&'static str>,
    hidden: Vec<&'static str>,
    read: fn(&str) -> Option<T>,
}

impl<T: Clone + Send + Sync + 'static> TypedValueParser for Choices<T> {
    type Value = T;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &OsStr,
    ) -> Result<T, clap::Error> {
        let text = value.to_string_lossy();
        if let Some(v) = (self.read)(&text) {
            return Ok(v);
        }
        let mut err = clap::Error::new(ErrorKind::InvalidValue).with_cmd(cmd);
        if let Some(arg) = arg {
            err.insert(
                ContextKind::InvalidArg,
                ContextValue::String(arg.to_string()),
            );
        }
        err.insert(
            ContextKind::InvalidValue,
            ContextValue::String(text.into_owned()),
        );
        err.insert(
            ContextKind::ValidValue,
            ContextValue::Strings(self.shown.iter().map(|s| s.to_string()).collect()),
        );
        Err(err)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        let shown = self.shown.iter().map(|s| PossibleValue::new(*s));
        let hidden = self
            .hidden
            .iter()
            .map(|s| PossibleValue::new(*s).hide(true));
        Some(Box::new(shown.chain(hidden)))
    }
}

/// `--chip`: `auto` or a chip, in any case, with or without a hyphen (`ESP32-S3`).
pub fn chip() -> Choices<String> {
    let mut shown = vec!["auto"];
    shown.extend(CHIPS.iter().map(|c| c.arg_name));
    Choices {
        shown,
        hidden: Vec::new(),
        read: |s| chip_arg(s).is_ok().then(|| s.to_string()),
    }
}

/// Reset modes: esptool 5 still takes the v4 underscore spellings, with a note.
fn reset_mode<T: std::str::FromStr>(option: &'static str, s: &str) -> Option<T> {
    let value = s.parse().ok()?;
    if s.contains('_') {
        crate::console::warning!(
            "Deprecated: Choice '{s}' for option '{option}' is deprecated. Use '{}' instead.",
            s.replace('_', "-")
        );
    }
    Some(value)
}

/// `--before`.
pub fn before() -> Choices<Before> {
    Choices {
        shown: Before::NAMES.to_vec(),
        hidden: Vec::new(),
        read: |s| reset_mode("--before", s),
    }
}

/// `--after`.
pub fn after() -> Choices<After> {
    Choices {
        shown: After::NAMES.to_vec(),
        hidden: Vec::new(),
        read: |s| reset_mode("--after", s),
    }
}

/// `--flash-mode` (`-fm`).
pub fn flash_mode() -> Choices<String> {
    Choices {
        shown: vec!["keep", "qio", "qout", "dio", "dout"],
        hidden: Vec::new(),
        read: |s| mode_arg(s).is_ok().then(|| s.to_string()),
    }
}

/// `--flash-freq` (`-ff`).
pub fn flash_freq() -> Choices<String> {
    Choices {
        shown: vec![
            "keep", "80m", "64m", "60m", "48m", "40m", "32m", "30m", "26m", "24m", "20m", "16m",
            "15m", "12m",
        ],
        hidden: Vec::new(),
        read: |s| freq_arg(s).is_ok().then(|| s.to_string()),
    }
}

/// The flash sizes, then the v4 megabit names (taken, not listed).
const SIZES: [&str; 13] = [
    "keep", "256KB", "512KB", "1MB", "2MB", "2MB-c1", "4MB", "4MB-c1", "8MB", "16MB", "32MB",
    "64MB", "128MB",
];
const MEGABIT_SIZES: [&str; 9] = [
    "2m", "4m", "8m", "16m", "16m-c1", "32m", "32m-c1", "64m", "128m",
];

/// `--flash-size` (`-fs`) of the commands that talk to a chip: also `detect`.
pub fn flash_size() -> Choices<String> {
    let mut shown = vec!["detect"];
    shown.extend(SIZES);
    Choices {
        shown,
        hidden: MEGABIT_SIZES.to_vec(),
        read: |s| size_arg(s).is_ok().then(|| s.to_string()),
    }
}

/// `--flash-size` (`-fs`) of merge-bin: no chip to detect a size on.
pub fn image_flash_size() -> Choices<String> {
    Choices {
        shown: SIZES.to_vec(),
        hidden: MEGABIT_SIZES.to_vec(),
        read: |s| (s != "detect" && size_arg(s).is_ok()).then(|| s.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{Arg, Command};

    fn parse<T: Clone + Send + Sync + 'static>(p: Choices<T>, v: &str) -> Result<T, clap::Error> {
        p.parse_ref(&Command::new("t"), Some(&Arg::new("x")), OsStr::new(v))
    }

    #[test]
    fn reads_what_espctl_always_read_and_lists_the_rest() {
        assert_eq!(parse(chip(), "ESP32-S3").unwrap(), "ESP32-S3");
        assert_eq!(parse(flash_size(), "32m").unwrap(), "32m");
        assert_eq!(parse(before(), "no_reset").unwrap(), Before::NoReset);
        let err = parse(flash_mode(), "qqq").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidValue);
        let listed = flash_size()
            .possible_values()
            .unwrap()
            .filter(|v| !v.is_hide_set())
            .count();
        assert_eq!(listed, 14);
    }
}
