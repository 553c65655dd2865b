//! esptool's spellings that clap cannot take as they are: v4 underscore names
//! (`write_flash`, `--flash_size`), two-letter short options (`-fm dio`) and
//! `--port-filter` with several terms. The v4 names get esptool 5's deprecation notes.

use std::ffi::OsString;

/// A command line rewritten for clap, with what the rewriting has to tell the user.
#[derive(Debug, Default)]
pub struct Spelled {
    /// The arguments clap parses.
    pub args: Vec<OsString>,
    /// esptool's notes for the deprecated options, in the order given (printed before
    /// parsing, as esptool does), each with the new name it points to.
    pub option_notes: Vec<(String, String)>,
    /// esptool's note for a v4 command name (printed once the global options are read).
    pub command_note: Option<String>,
    /// Each rewritten option as clap knows it and as the user typed it, so that an
    /// error names the option the way it was typed.
    pub typed: Vec<(String, String)>,
}

/// v4 option names esptool 5 still takes with a note, and their new names.
const RENAMED_OPTIONS: &[(&str, &str)] = &[
    (
        "--ignore_flash_encryption_efuse_setting",
        "--ignore-flash-enc-efuse",
    ),
    ("--fill-flash-size", "--pad-to-size"),
    ("--no-diff-verify", "--trust-flash-content"),
];

/// Rewrites esptool v4 spellings into the v5 ones clap knows: `write_flash` becomes
/// `write-flash` (only the command word and `--long_options`, never file names).
#[cfg(test)]
pub fn normalise_args(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    normalise(args).args
}

/// [`normalise_args`], with the notes esptool prints for the v4 names it rewrites.
pub fn normalise(args: impl IntoIterator<Item = OsString>) -> Spelled {
    let mut out = Spelled::default();
    // Only the first command word is one; a later `read_mac` is a file name.
    let mut command_seen = false;
    for arg in split_port_filters(args.into_iter().collect()) {
        let Some(s) = arg.to_str() else {
            out.args.push(arg);
            continue;
        };
        let (name, value) = match s.split_once('=') {
            Some((n, v)) if s.starts_with('-') => (n, Some(v)),
            _ => (s, None),
        };
        let renamed = RENAMED_OPTIONS
            .iter()
            .find(|(old, _)| *old == name)
            .map(|(_, new)| new.to_string());
        let long = if let Some(long) = two_letter_option(name) {
            Some(long.to_string())
        } else if let Some(new) = renamed {
            out.option_notes
                .push((new.clone(), deprecated_option(name, &new)));
            Some(new)
        } else if name.starts_with("--") && name.contains('_') {
            let new = name.replace('_', "-");
            out.option_notes
                .push((new.clone(), deprecated_option(name, &new)));
            Some(new)
        } else {
            None
        };
        if let Some(long) = long {
            out.typed.push((long.clone(), name.to_string()));
            out.args.push(OsString::from(match value {
                Some(v) => format!("{long}={v}"),
                None => long,
            }));
        } else if !command_seen && is_command(s) {
            command_seen = true;
            let new = s.replace('_', "-");
            if new != s {
                out.command_note = Some(format!(
                    "Deprecated: Command '{s}' is deprecated. Use '{new}' instead."
                ));
            }
            out.args.push(OsString::from(new));
        } else {
            out.args.push(arg);
        }
    }
    out
}

/// esptool 5's words for a v4 option name.
fn deprecated_option(old: &str, new: &str) -> String {
    format!("Deprecated: Option '{old}' is deprecated. Use '{new}' instead.")
}

/// esptool's `--port-filter` takes several `key=value` terms at once; clap takes one per
/// option, so `--port-filter a=1 b=2` becomes `--port-filter a=1 --port-filter b=2`.
fn split_port_filters(args: Vec<OsString>) -> Vec<OsString> {
    #[derive(PartialEq)]
    enum State {
        Outside,
        FirstValue,
        MoreValues,
    }
    let mut out = Vec::with_capacity(args.len());
    let mut state = State::Outside;
    for arg in args {
        let s = arg.to_string_lossy().into_owned();
        let is_term = !s.starts_with('-') && s.contains('=');
        match state {
            State::FirstValue => {
                out.push(arg);
                state = State::MoreValues;
                continue;
            }
            State::MoreValues if is_term => {
                out.push(OsString::from("--port-filter"));
                out.push(arg);
                continue;
            }
            _ => state = State::Outside,
        }
        if s == "--port-filter" || s == "--port_filter" {
            out.push(OsString::from("--port-filter"));
            state = State::FirstValue;
        } else {
            out.push(arg);
        }
    }
    out
}

/// `-fm`, `-fs`, `-ff`, `-sc` (also as `-fm=dio`) as their long forms.
fn two_letter_option(name: &str) -> Option<&'static str> {
    Some(match name {
        "-fm" => "--flash-mode",
        "-fs" => "--flash-size",
        "-ff" => "--flash-freq",
        "-sc" => "--spi-connection",
        _ => return None,
    })
}

/// Command names esptool v4 spelled with underscores.
const UNDERSCORE_COMMANDS: &[&str] = &[
    "chip_id",
    "dump_mem",
    "elf2image",
    "erase_flash",
    "erase_region",
    "flash_id",
    "get_security_info",
    "image_info",
    "load_ram",
    "merge_bin",
    "read_flash",
    "read_flash_sfdp",
    "read_flash_status",
    "read_mac",
    "read_mem",
    "verify_flash",
    "write_flash",
    "write_flash_status",
    "write_mem",
];

/// A command word in either spelling (`write_flash`, `write-flash`).
fn is_command(s: &str) -> bool {
    UNDERSCORE_COMMANDS
        .iter()
        .any(|c| *c == s || c.replace('_', "-") == s)
}
