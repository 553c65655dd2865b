//! esptool's configuration file: the `[esptool]` section of `esptool.cfg`, `setup.cfg`
//! or `tox.ini`, found where esptool looks ([`SearchPlaces`]), read into typed values
//! ([`EsptoolConfig`]). Nothing is printed: what esptool would say (the file used, the
//! files skipped, unknown keys) comes back as data for the front end to show.

mod ini;

pub use ini::Ini;

use std::path::{Path, PathBuf};
use std::time::Duration;

/// The section esptool reads.
pub const SECTION: &str = "esptool";
/// The file names tried in each folder, in order.
pub const FILE_NAMES: [&str; 3] = ["esptool.cfg", "setup.cfg", "tox.ini"];
/// The environment variable naming a configuration file directly.
pub const ENV_VAR: &str = "ESPTOOL_CFGFILE";

/// The keys esptool knows.
pub const KEYS: [&str; 15] = [
    "timeout",
    "chip_erase_timeout",
    "max_timeout",
    "sync_timeout",
    "md5_timeout_per_mb",
    "erase_region_timeout_per_mb",
    "erase_write_timeout_per_mb",
    "mem_end_rom_timeout",
    "serial_write_timeout",
    "connect_attempts",
    "write_block_attempts",
    "reset_delay",
    "open_port_attempts",
    "custom_reset_sequence",
    "custom_hard_reset_sequence",
];

/// Where to look: the file the environment names, then each folder in turn.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchPlaces {
    /// The file `ESPTOOL_CFGFILE` names (skipped when missing or without the section).
    pub env_file: Option<PathBuf>,
    /// The folders searched, in order.
    pub dirs: Vec<PathBuf>,
}

impl SearchPlaces {
    /// esptool's places: `ESPTOOL_CFGFILE`, the current folder, the user's configuration
    /// folder for esptool (`~/.config/esptool`, on Windows `~/AppData/Local/esptool`),
    /// the home folder.
    pub fn standard() -> SearchPlaces {
        let mut dirs = Vec::new();
        if let Ok(cwd) = std::env::current_dir() {
            dirs.push(cwd);
        }
        let home = if cfg!(windows) {
            std::env::var_os("USERPROFILE")
        } else {
            std::env::var_os("HOME")
        };
        if let Some(home) = home.filter(|h| !h.is_empty()).map(PathBuf::from) {
            if cfg!(windows) {
                dirs.push(home.join("AppData").join("Local").join(SECTION));
            } else {
                dirs.push(home.join(".config").join(SECTION));
            }
            dirs.push(home);
        }
        SearchPlaces {
            env_file: std::env::var_os(ENV_VAR)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from),
            dirs,
        }
    }
}

/// Something esptool tells the user about its configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigNote {
    /// A candidate is not INI and was skipped (a warning).
    InvalidFile {
        /// The file.
        path: PathBuf,
        /// Why it could not be read.
        reason: String,
    },
    /// Keys of the section esptool does not know (a warning), sorted.
    UnknownKeys(Vec<String>),
    /// The file in use (`Loaded custom configuration from ...`).
    Loaded {
        /// Its absolute path.
        path: PathBuf,
        /// It came from `ESPTOOL_CFGFILE`.
        from_env: bool,
    },
}

/// A value the file sets that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid value '{value}' for {key} in the [esptool] section of {}: expected {expected}.", path.display())]
pub struct ConfigError {
    /// The file.
    pub path: PathBuf,
    /// The key.
    pub key: String,
    /// The value as written.
    pub value: String,
    /// What the key takes.
    pub expected: &'static str,
}

impl ConfigError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        format!(
            "Correct or remove '{}' in {}, or set {ENV_VAR} to another file.",
            self.key,
            self.path.display()
        )
    }
}

/// The values the file sets; `None` where it sets none (esptool's default applies).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EsptoolConfig {
    /// `timeout`: most commands.
    pub timeout: Option<Duration>,
    /// `chip_erase_timeout`.
    pub chip_erase_timeout: Option<Duration>,
    /// `max_timeout`: the longest any command waits.
    pub max_timeout: Option<Duration>,
    /// `sync_timeout`: each SYNC.
    pub sync_timeout: Option<Duration>,
    /// `md5_timeout_per_mb`, seconds.
    pub md5_timeout_per_mb: Option<f64>,
    /// `erase_region_timeout_per_mb`, seconds.
    pub erase_region_timeout_per_mb: Option<f64>,
    /// `erase_write_timeout_per_mb`, seconds.
    pub erase_write_timeout_per_mb: Option<f64>,
    /// `mem_end_rom_timeout`.
    pub mem_end_rom_timeout: Option<Duration>,
    /// `serial_write_timeout`.
    pub serial_write_timeout: Option<Duration>,
    /// `connect_attempts` (0 or less: forever).
    pub connect_attempts: Option<i64>,
    /// `write_block_attempts`.
    pub write_block_attempts: Option<i64>,
    /// `reset_delay`.
    pub reset_delay: Option<Duration>,
    /// `open_port_attempts`.
    pub open_port_attempts: Option<i64>,
    /// `custom_reset_sequence`, as written (checked when a connection uses it, as by
    /// esptool; see [`crate::link::CustomReset`]).
    pub custom_reset_sequence: Option<String>,
    /// `custom_hard_reset_sequence`, as written.
    pub custom_hard_reset_sequence: Option<String>,
}

/// What the search found: the values, and what to tell the user, in esptool's order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Loaded {
    /// The values (all `None` when no file was found).
    pub config: EsptoolConfig,
    /// The file used, if any.
    pub path: Option<PathBuf>,
    /// The warnings and the "loaded" line.
    pub notes: Vec<ConfigNote>,
}

/// The first file with an `[esptool]` section among `places`, its section, and the
/// notes about files skipped on the way.
fn find(places: &SearchPlaces, notes: &mut Vec<ConfigNote>) -> Option<(PathBuf, bool, Ini)> {
    let mut read = |path: &Path| -> Option<Ini> {
        let text = std::fs::read(path).ok()?;
        let parsed = String::from_utf8(text)
            .map_err(|e| e.to_string())
            .and_then(|t| Ini::parse(&t));
        match parsed {
            Ok(ini) => ini.section(SECTION).is_some().then_some(ini),
            Err(reason) => {
                notes.push(ConfigNote::InvalidFile {
                    path: path.to_path_buf(),
                    reason,
                });
                None
            }
        }
    };
    if let Some(file) = &places.env_file
        && file.is_file()
        && let Some(ini) = read(file)
    {
        return Some((file.clone(), true, ini));
    }
    for dir in &places.dirs {
        for name in FILE_NAMES {
            let path = dir.join(name);
            if path.is_file()
                && let Some(ini) = read(&path)
            {
                return Some((path, false, ini));
            }
        }
    }
    None
}

/// Finds and reads esptool's configuration file. `Err` is a value that cannot be used.
pub fn load(places: &SearchPlaces) -> Result<Loaded, ConfigError> {
    let mut notes = Vec::new();
    let Some((path, from_env, ini)) = find(places, &mut notes) else {
        return Ok(Loaded {
            notes,
            ..Loaded::default()
        });
    };
    let section = ini.section(SECTION).expect("found files have the section");
    let unknown: Vec<String> = section
        .keys()
        .filter(|k| !KEYS.contains(&k.as_str()))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        notes.push(ConfigNote::UnknownKeys(unknown));
    }
    let path = std::path::absolute(&path).unwrap_or(path);
    let values = Values {
        section: &section,
        path: &path,
    };
    let config = EsptoolConfig {
        timeout: values.seconds("timeout")?,
        chip_erase_timeout: values.seconds("chip_erase_timeout")?,
        max_timeout: values.seconds("max_timeout")?,
        sync_timeout: values.seconds("sync_timeout")?,
        md5_timeout_per_mb: values.number("md5_timeout_per_mb")?,
        erase_region_timeout_per_mb: values.number("erase_region_timeout_per_mb")?,
        erase_write_timeout_per_mb: values.number("erase_write_timeout_per_mb")?,
        mem_end_rom_timeout: values.seconds("mem_end_rom_timeout")?,
        serial_write_timeout: values.seconds("serial_write_timeout")?,
        connect_attempts: values.whole("connect_attempts")?,
        write_block_attempts: values.whole("write_block_attempts")?,
        reset_delay: values.seconds("reset_delay")?,
        open_port_attempts: values.whole("open_port_attempts")?,
        custom_reset_sequence: section.get("custom_reset_sequence").cloned(),
        custom_hard_reset_sequence: section.get("custom_hard_reset_sequence").cloned(),
    };
    notes.push(ConfigNote::Loaded {
        path: path.clone(),
        from_env,
    });
    Ok(Loaded {
        config,
        path: Some(path),
        notes,
    })
}

/// Reads the values of one section (Python's `int()` and `float()` syntax, as esptool
/// reads them: `1_000` and `+3` are numbers, `0x10` is not).
struct Values<'a> {
    section: &'a ini::Section,
    path: &'a Path,
}

impl Values<'_> {
    fn get<T>(
        &self,
        key: &str,
        expected: &'static str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<T>, ConfigError> {
        let Some(value) = self.section.get(key) else {
            return Ok(None);
        };
        parse(&value.trim().replace('_', ""))
            .map(Some)
            .ok_or_else(|| ConfigError {
                path: self.path.to_path_buf(),
                key: key.to_string(),
                value: value.clone(),
                expected,
            })
    }

    fn whole(&self, key: &str) -> Result<Option<i64>, ConfigError> {
        self.get(key, "a whole number", |v| v.parse().ok())
    }

    fn number(&self, key: &str) -> Result<Option<f64>, ConfigError> {
        self.get(key, "a number of seconds, 0 or more", |v| {
            v.parse::<f64>().ok().filter(|s| s.is_finite() && *s >= 0.0)
        })
    }

    fn seconds(&self, key: &str) -> Result<Option<Duration>, ConfigError> {
        self.get(key, "a number of seconds, 0 or more", |v| {
            v.parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e9)
                .map(Duration::from_secs_f64)
        })
    }
}

#[cfg(test)]
mod tests;
