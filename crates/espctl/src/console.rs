//! Where the CLI's words go: results and notes to stdout, warnings to stderr, errors to
//! stderr always. `--silent` (esptool's `-s`) keeps only the errors.

use std::sync::atomic::{AtomicBool, Ordering};

static SILENT: AtomicBool = AtomicBool::new(false);

pub fn set_silent(silent: bool) {
    SILENT.store(silent, Ordering::Relaxed);
}

pub fn silent() -> bool {
    SILENT.load(Ordering::Relaxed)
}

/// `println!`, unless `--silent`.
macro_rules! say {
    ($($arg:tt)*) => {
        if !$crate::console::silent() {
            println!($($arg)*);
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
