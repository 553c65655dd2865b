//! esptool's spellings that clap cannot take as they are: v4 underscore names
//! (`write_flash`, `--flash_size`), two-letter short options (`-fm dio`) and
//! `--port-filter` with several terms.

use std::ffi::OsString;

/// Rewrites esptool v4 spellings into the v5 ones clap knows: `write_flash` becomes
/// `write-flash` (only the command word and `--long_options`, never file names).
pub fn normalise_args(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    // Only the first command word is one; a later `read_mac` is a file name.
    let mut command_seen = false;
    split_port_filters(args.into_iter().collect())
        .into_iter()
        .map(|arg| match arg.to_str() {
            // esptool's two-letter short options, which clap cannot spell.
            Some(s) if two_letter_option(s).is_some() => {
                let (long, value) = two_letter_option(s).expect("checked");
                OsString::from(match value {
                    Some(v) => format!("{long}={v}"),
                    None => long.to_string(),
                })
            }
            Some(s) if s.starts_with("--") && s.contains('_') => {
                let (name, value) = match s.split_once('=') {
                    Some((n, v)) => (n, Some(v)),
                    None => (s, None),
                };
                let mut out = name.replace('_', "-");
                if let Some(v) = value {
                    out.push('=');
                    out.push_str(v);
                }
                OsString::from(out)
            }
            Some(s) if !command_seen && is_command(s) => {
                command_seen = true;
                OsString::from(s.replace('_', "-"))
            }
            _ => arg,
        })
        .collect()
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

/// `-fm`, `-fs`, `-ff` (also as `-fm=dio`) as their long forms.
fn two_letter_option(s: &str) -> Option<(&'static str, Option<&str>)> {
    let (name, value) = match s.split_once('=') {
        Some((n, v)) => (n, Some(v)),
        None => (s, None),
    };
    let long = match name {
        "-fm" => "--flash-mode",
        "-fs" => "--flash-size",
        "-ff" => "--flash-freq",
        "-sc" => "--spi-connection",
        _ => return None,
    };
    Some((long, value))
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
