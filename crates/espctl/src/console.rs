//! Where the CLI's words go: results and notes to stdout, warnings to stderr, errors to
//! stderr always. `--silent` (esptool's `-s`) keeps only the errors. With `--json`,
//! stdout holds only the JSON document and the human lines go to stderr.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};

static SILENT: AtomicBool = AtomicBool::new(false);
static JSON: AtomicBool = AtomicBool::new(false);

/// `--json`: human lines move to stderr, stdout is kept for [`print_json`].
pub fn set_json(json: bool) {
    JSON.store(json, Ordering::Relaxed);
}

pub fn json() -> bool {
    JSON.load(Ordering::Relaxed)
}

/// Where human lines go: stdout, or stderr under `--json`.
pub fn human() -> Box<dyn Write> {
    if json() {
        Box::new(std::io::stderr().lock())
    } else {
        Box::new(std::io::stdout().lock())
    }
}

/// Prints `value` as one line of JSON on stdout (also under `--silent`: it is the
/// result asked for).
pub fn print_json(value: &impl serde::Serialize) -> Result<(), crate::fatal::Fatal> {
    let line = serde_json::to_string(value)
        .map_err(|e| crate::fatal::Fatal(format!("Cannot encode the JSON output: {e}")))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .map_err(|e| crate::fatal::Fatal(format!("Cannot write the JSON output: {e}")))
}

pub fn set_silent(silent: bool) {
    SILENT.store(silent, Ordering::Relaxed);
}

pub fn silent() -> bool {
    SILENT.load(Ordering::Relaxed)
}

/// `println!` (to stderr under `--json`), unless `--silent`.
macro_rules! say {
    ($($arg:tt)*) => {
        if !$crate::console::silent() {
            if $crate::console::json() {
                eprintln!($($arg)*);
            } else {
                println!($($arg)*);
            }
        }
    };
}

/// A `WARNING: ...` line on stderr, unless `--silent`.
macro_rules! warning {
    ($($arg:tt)*) => {
        if !$crate::console::silent() {
            eprintln!("WARNING: {}", format_args!($($arg)*));
        }
    };
}

pub(crate) use {say, warning};
