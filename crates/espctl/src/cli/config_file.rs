//! esptool's configuration file as the command line sees it: found and read before the
//! options are lowered, it supplies defaults that the options and their `ESPTOOL_*`
//! environment variables override (as in esptool).

use super::Command;
use crate::fatal::Fatal;
use espctl_flasher::config::{self, EsptoolConfig, Loaded, SearchPlaces};
use espctl_flasher::link::{CustomReset, ResetTiming, SYNC_TIMEOUT};
use espctl_flasher::session::OperationLimits;
use espctl_flasher::transport::PortOptions;
use espctl_flasher::{ConnectOptions, PortSpec};

/// Finds and reads the file where esptool looks for it, for the commands esptool has
/// or that reach a chip the way it does (not the virtual device, nor the network
/// commands).
pub fn load(command: &Command) -> Result<Loaded, Fatal> {
    if matches!(
        command,
        Command::Virtual(_) | Command::Ota(_) | Command::Discover(_) | Command::Completions(_)
    ) {
        return Ok(Loaded::default());
    }
    config::load(&SearchPlaces::standard()).map_err(|e| Fatal(format!("{e} {}", e.hint())))
}

/// The connection settings: the attempts asked for on the command line (or in
/// `ESPTOOL_CONNECT_ATTEMPTS`), else the file's, else 7; the file's reset sequence,
/// reset delay and SYNC timeout, the limits of the long operations, the hard reset
/// sequence.
pub fn connect_options(
    options: ConnectOptions,
    attempts: Option<i64>,
    file: &EsptoolConfig,
) -> Result<ConnectOptions, Fatal> {
    let attempts = attempts
        .or(file.connect_attempts)
        .unwrap_or(espctl_flasher::DEFAULT_CONNECT_ATTEMPTS.into());
    let sequence = |text: &Option<String>| {
        text.as_deref()
            .map(str::parse::<CustomReset>)
            .transpose()
            .map_err(|e| Fatal(e.to_string()))
    };
    let custom = sequence(&file.custom_reset_sequence)?;
    let hard_reset = sequence(&file.custom_hard_reset_sequence)?;
    Ok(options
        .attempts(attempts.clamp(0, u32::MAX.into()) as u32)
        .reset(ResetTiming {
            custom,
            delay: file.reset_delay,
        })
        .sync_timeout(file.sync_timeout.unwrap_or(SYNC_TIMEOUT))
        .limits(limits(file))
        .hard_reset(hard_reset))
}

/// esptool reads the open attempts from this variable first, then from the file.
const OPEN_PORT_ATTEMPTS_VAR: &str = "ESPTOOL_OPEN_PORT_ATTEMPTS";

/// How the port is opened: the file's write timeout, and the open attempts of
/// `ESPTOOL_OPEN_PORT_ATTEMPTS`, else the file's, else 1 (0: until it opens; less than
/// 0 counts as 1).
pub fn port_spec(port: PortSpec, file: &EsptoolConfig) -> Result<PortSpec, Fatal> {
    let from_env = match std::env::var(OPEN_PORT_ATTEMPTS_VAR) {
        Ok(text) => Some(
            text.trim()
                .replace('_', "")
                .parse::<i64>()
                .map_err(|_| Fatal(format!("Invalid value for {OPEN_PORT_ATTEMPTS_VAR}.")))?,
        ),
        Err(_) => None,
    };
    let attempts = from_env.or(file.open_port_attempts).unwrap_or(1);
    let mut options = PortOptions::default();
    if let Some(t) = file.serial_write_timeout {
        options = options.write_timeout(t);
    }
    Ok(port.port_options(options).open_attempts(if attempts < 0 {
        1
    } else {
        attempts.min(u32::MAX.into()) as u32
    }))
}

fn limits(file: &EsptoolConfig) -> OperationLimits {
    let mut limits = OperationLimits::default();
    if let Some(t) = file.timeout {
        limits = limits.timeout(t);
    }
    if let Some(s) = file.erase_write_timeout_per_mb {
        limits = limits.erase_write_per_mb(s);
    }
    if let Some(t) = file.chip_erase_timeout {
        limits = limits.chip_erase(t);
    }
    if let Some(t) = file.max_timeout {
        limits = limits.max_timeout(t);
    }
    if let Some(s) = file.md5_timeout_per_mb {
        limits = limits.md5_per_mb(s);
    }
    if let Some(s) = file.erase_region_timeout_per_mb {
        limits = limits.erase_region_per_mb(s);
    }
    if let Some(t) = file.mem_end_rom_timeout {
        limits = limits.mem_end_rom(t);
    }
    if let Some(n) = file.write_block_attempts {
        limits = limits.write_block_attempts(n.clamp(1, u32::MAX.into()) as u32);
    }
    limits
}
