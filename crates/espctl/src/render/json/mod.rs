//! `--json`: the results of the identification, image and flash commands as one JSON
//! document on stdout, built from the libraries' typed results. The format is stable
//! and versioned by [`FORMAT`]; docs/json-output.md describes every field.

pub mod device;
pub mod flash;
pub mod image;
pub mod security;

use crate::fatal::Fatal;
use serde::Serialize;

/// The version of the JSON format: raised only when a field changes meaning or goes
/// away (new fields may appear without it).
pub const FORMAT: u32 = 1;

/// What every document holds: the format version and the command, then its fields.
#[derive(Debug, Serialize)]
struct Document<'a, T: Serialize> {
    format: u32,
    command: &'a str,
    #[serde(flatten)]
    body: &'a T,
}

/// Prints `body` as the result of `command` (`read-mac`, `write-flash`, ...).
pub fn print<T: Serialize>(command: &str, body: &T) -> Result<(), Fatal> {
    crate::console::print_json(&Document {
        format: FORMAT,
        command,
        body,
    })
}

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Seconds since `start`, rounded to milliseconds.
pub fn seconds_since(start: std::time::Instant) -> f64 {
    (start.elapsed().as_secs_f64() * 1000.0).round() / 1000.0
}
