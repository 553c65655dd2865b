//! Command-line definition, compatible with esptool 5 (and its v4 underscore names).

use clap::{Parser, Subcommand};
use std::ffi::OsString;

#[derive(Debug, Parser)]
#[command(
    name = "espctl",
    version,
    about = "Flash, back up, restore and identify ESP8266 and ESP32 chips (esptool.py compatible)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the espctl version
    Version,
    /// Run a virtual ESP8266/ESP32 (ROM loader, flasher stub, NOR flash) on a TCP port or a pty
    Virtual(VirtualArgs),
}

/// `espctl virtual`: values are checked by the command, so bad input gets one line.
#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("transport").required(true).args(["listen", "pty"]))]
pub struct VirtualArgs {
    /// Chip to be: esp8266 or esp32
    #[arg(long)]
    pub chip: String,
    /// Flash size (a power of two: 512KB, 1MB, 4MB, 16MB, ...)
    #[arg(long, default_value = "4MB")]
    pub flash_size: String,
    /// Image file that mirrors the flash (created blank if missing); every write lands
    /// in it at once
    #[arg(long, value_name = "PATH")]
    pub flash_file: Option<std::path::PathBuf>,
    /// MAC address in the eFuses, like 18:fe:34:a1:b2:c3 (default: a fixed one per chip)
    #[arg(long)]
    pub mac: Option<String>,
    /// JEDEC ID the flash chip reports (RDID, manufacturer in the low byte), like
    /// 0x16405e; default: a Zbit part of the flash size
    #[arg(long, value_name = "ID")]
    pub jedec_id: Option<String>,
    /// Listen on this address (port 0 picks a free one); clients open socket://ADDR.
    /// Each new connection finds the chip freshly reset into download mode
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// With --listen: keep the chip's state from one connection to the next instead of
    /// resetting it into download mode
    #[arg(long, requires = "listen")]
    pub keep_state: bool,
    /// Serve on a new pseudo-terminal; clients open its path. Reset the chip between
    /// clients with `kill -USR1` (download mode) or `kill -USR2` (run the flash)
    #[arg(long)]
    pub pty: bool,
}

/// Rewrites esptool v4 spellings into the v5 ones clap knows: `write_flash` becomes
/// `write-flash` (only the command word and `--long_options`, never file names).
pub fn normalise_args(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    args.into_iter()
        .map(|arg| match arg.to_str() {
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
            Some(s) if is_underscore_command(s) => OsString::from(s.replace('_', "-")),
            _ => arg,
        })
        .collect()
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

fn is_underscore_command(s: &str) -> bool {
    UNDERSCORE_COMMANDS.contains(&s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(args: &[&str]) -> Vec<String> {
        normalise_args(args.iter().map(OsString::from))
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn rewrites_v4_spellings_only() {
        assert_eq!(
            norm(&[
                "espctl",
                "--flash_size=4MB",
                "write_flash",
                "0x0",
                "my_file.bin"
            ]),
            [
                "espctl",
                "--flash-size=4MB",
                "write-flash",
                "0x0",
                "my_file.bin"
            ]
        );
        assert_eq!(norm(&["espctl", "read_mac"]), ["espctl", "read-mac"]);
    }
}
