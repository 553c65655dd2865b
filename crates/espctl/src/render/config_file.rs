//! What esptool says about its configuration file: files skipped and unknown keys as
//! warnings, then the file in use.

use crate::console::{say, warning};
use espctl_flasher::config::{ConfigNote, ENV_VAR};

/// Prints the notes of [`espctl_flasher::config::load`], in order.
pub fn notes(notes: &[ConfigNote]) {
    for note in notes {
        match note {
            ConfigNote::InvalidFile { path, reason } => {
                warning!("Ignoring invalid config file {}: {reason}", path.display())
            }
            ConfigNote::UnknownKeys(keys) => warning!(
                "Ignoring unknown config option{}: {}",
                if keys.len() > 1 { "s" } else { "" },
                keys.join(", ")
            ),
            ConfigNote::Loaded { path, from_env } => say!(
                "Loaded custom configuration from {}{}",
                path.display(),
                if *from_env {
                    format!(" (set with {ENV_VAR})")
                } else {
                    String::new()
                }
            ),
        }
    }
}
