//! Command-line definition, compatible with esptool 5 (and its v4 underscore names).

use crate::console::warning;
use clap::{Parser, Subcommand};
use espctl_flasher::{After, Before};
use std::ffi::OsString;

#[derive(Debug, Parser)]
#[command(
    name = "espctl",
    version,
    about = "Flash, back up, restore and identify ESP8266 and ESP32 chips (esptool.py compatible)"
)]
pub struct Cli {
    /// Target chip type (`auto` detects it; image commands other than image-info need it)
    #[arg(
        short = 'c',
        long,
        global = true,
        default_value = "auto",
        env = "ESPTOOL_CHIP"
    )]
    pub chip: String,

    /// Serial port device (a path, a pty, socket://HOST:PORT, or virtual:esp8266 / virtual:esp32)
    #[arg(short = 'p', long, env = "ESPTOOL_PORT")]
    pub port: Option<String>,

    /// Serial port baud rate used when flashing/reading [default: 115200, raised to
    /// 921600 for flash commands on serial and virtual ports unless --no-fast-baud]
    #[arg(short = 'b', long, env = "ESPTOOL_BAUD", value_parser = parse_baud)]
    pub baud: Option<u32>,

    /// Without --baud, stay at 115200 instead of moving flash commands to 921600
    #[arg(long)]
    pub no_fast_baud: bool,

    /// Serial port filter when no port is given: vid=NUMBER, pid=NUMBER, name=SUBSTRING, serial=SUBSTRING
    #[arg(long, value_name = "KEY=VALUE")]
    pub port_filter: Vec<String>,

    /// Which reset to perform before connecting to the chip
    #[arg(long, env = "ESPTOOL_BEFORE", default_value = "default-reset", value_parser = parse_before)]
    pub before: Before,

    /// Which reset to perform after the operation is finished
    #[arg(short = 'a', long, env = "ESPTOOL_AFTER", default_value = "hard-reset", value_parser = parse_after)]
    pub after: After,

    /// Disable launching the flasher stub, only talk to the ROM bootloader
    #[arg(long)]
    pub no_stub: bool,

    /// Print every frame sent and received
    #[arg(short = 't', long)]
    pub trace: bool,

    /// Print all output (accepted for esptool compatibility)
    #[arg(short = 'v', long)]
    pub verbose: bool,

    /// Silence all output except for errors
    #[arg(short = 's', long)]
    pub silent: bool,

    /// Number of attempts to connect, 0 or negative for infinite
    #[arg(
        long,
        env = "ESPTOOL_CONNECT_ATTEMPTS",
        default_value_t = 7,
        allow_negative_numbers = true
    )]
    pub connect_attempts: i64,

    #[command(subcommand)]
    pub command: Command,
}

fn parse_baud(s: &str) -> Result<u32, String> {
    match s.parse::<u32>() {
        Ok(b) if b > 0 => Ok(b),
        _ => Err(format!("'{s}' is not a valid baud rate")),
    }
}

fn parse_before(s: &str) -> Result<Before, String> {
    warn_underscore("--before", s);
    s.parse()
}

fn parse_after(s: &str) -> Result<After, String> {
    warn_underscore("--after", s);
    s.parse()
}

/// esptool 5 still accepts the v4 spellings of reset modes, with a warning.
fn warn_underscore(option: &str, value: &str) {
    if value.contains('_') {
        warning!(
            "Deprecated: Choice '{value}' for option '{option}' is deprecated. Use '{}' instead.",
            value.replace('_', "-")
        );
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a binary blob to flash (pairs of address and file name)
    WriteFlash(crate::commands::write_flash::Args),
    /// Read SPI flash memory content
    ReadFlash(crate::commands::read_flash::Args),
    /// Verify a binary blob against the flash memory content
    VerifyFlash(crate::commands::verify_flash::Args),
    /// Erase the SPI flash memory
    EraseFlash(crate::commands::erase::FlashArgs),
    /// Erase a region of the SPI flash memory
    EraseRegion(crate::commands::erase::RegionArgs),
    /// Print the device MAC address
    ReadMac,
    /// Print the device chip ID (ESP8266; the MAC on other chips)
    ChipId,
    /// Print the SPI flash memory manufacturer and device ID
    FlashId,
    /// Run application code loaded in flash
    Run,
    /// Read arbitrary memory location
    ReadMem(crate::commands::mem::ReadArgs),
    /// Modify or write to arbitrary memory location
    WriteMem(crate::commands::mem::WriteArgs),
    /// Dump arbitrary memory to a file
    DumpMem(crate::commands::mem::DumpArgs),
    /// Download an image to RAM and execute it
    LoadRam(crate::commands::load_ram::Args),
    /// Install, fetch or list the flasher stubs espctl uploads to the chip
    #[command(subcommand)]
    Stub(crate::commands::stub::StubCommand),
    /// Print the espctl version
    Version,
    /// Print information about a firmware image (bootloader or application)
    ImageInfo(crate::commands::image_info::Args),
    /// Create an application image from an ELF file
    Elf2image(crate::commands::elf2image::Args),
    /// Merge binary files into a single file for flashing (raw, Intel HEX or UF2)
    MergeBin(crate::commands::merge_bin::Args),
    /// Run a virtual ESP8266/ESP32 (ROM loader, flasher stub, NOR flash) on a TCP port or a pty
    Virtual(VirtualArgs),
}

/// `espctl virtual`: values are checked by the command, so bad input gets one line.
#[derive(Debug, clap::Args)]
#[command(group = clap::ArgGroup::new("transport").required(true).args(["listen", "pty"]))]
pub struct VirtualArgs {
    /// Chip to be: esp8266 or esp32 (the global `--chip`)
    #[arg(skip)]
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
    /// `instant` answers at once; `realistic` sends bytes at the baud rate and answers
    /// after the time the flash and the chip's CPU would take
    #[arg(long, default_value = "instant", value_name = "MODEL")]
    pub timing: String,
    /// When stopped (SIGTERM, SIGINT, SIGHUP), write what the device did to this file as
    /// JSON: bytes each way, wire time, busy time, and the session's lower bound
    #[arg(long, value_name = "PATH")]
    pub stats_file: Option<std::path::PathBuf>,
}

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
        // After the command word, command names are file names.
        assert_eq!(
            norm(&["espctl", "-p", "p", "write_flash", "0x0", "read_mac"]),
            ["espctl", "-p", "p", "write-flash", "0x0", "read_mac"]
        );
        assert_eq!(
            norm(&["espctl", "write-flash", "0x0", "dump_mem"]),
            ["espctl", "write-flash", "0x0", "dump_mem"]
        );
        assert_eq!(
            norm(&[
                "espctl",
                "--port-filter",
                "name=pts",
                "vid=0x303a",
                "flash_id"
            ]),
            [
                "espctl",
                "--port-filter",
                "name=pts",
                "--port-filter",
                "vid=0x303a",
                "flash-id"
            ]
        );
        assert_eq!(
            norm(&[
                "espctl",
                "merge_bin",
                "-fm",
                "dio",
                "-fs=4MB",
                "--use_segments"
            ]),
            [
                "espctl",
                "merge-bin",
                "--flash-mode",
                "dio",
                "--flash-size=4MB",
                "--use-segments"
            ]
        );
    }

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(normalise_args(args.iter().map(OsString::from)))
    }

    /// esptool's command lines, with its short options that mean one thing before the
    /// command and another after it (`-p` port / no-progress).
    #[test]
    fn parses_esptool_command_lines() {
        let cli = parse(&[
            "espctl",
            "-p",
            "/dev/ttyUSB0",
            "-b",
            "921600",
            "write_flash",
            "-p",
            "-z",
            "--flash_size=4MB",
            "-fm",
            "dio",
            "--flash_freq",
            "40m",
            "0x0",
            "fw.bin",
        ])
        .unwrap();
        assert_eq!(cli.port.as_deref(), Some("/dev/ttyUSB0"));
        assert_eq!(cli.baud, Some(921_600));
        let Command::WriteFlash(w) = cli.command else {
            panic!("not write-flash")
        };
        assert!(w.no_progress && w.compress && !w.no_compress);
        assert_eq!(
            (
                w.flash.flash_size.as_str(),
                w.flash.flash_mode.as_str(),
                w.flash.flash_freq.as_str()
            ),
            ("4MB", "dio", "40m")
        );
        assert_eq!(w.addr_filename, ["0x0", "fw.bin"]);

        let cli = parse(&["espctl", "-s", "--before", "no_reset", "read_mac"]).unwrap();
        assert!(cli.silent);
        assert_eq!(cli.before, Before::NoReset);
        assert!(matches!(cli.command, Command::ReadMac));

        let cli = parse(&["espctl", "read_flash", "0", "1M", "out.bin"]).unwrap();
        assert!(matches!(cli.command, Command::ReadFlash(_)));

        // -z and -u together, and global options after the command, are refused (as
        // by esptool).
        assert!(parse(&["espctl", "write_flash", "-z", "-u", "0", "f.bin"]).is_err());
        assert!(parse(&["espctl", "write_flash", "-b", "921600", "0", "f.bin"]).is_err());

        // esptool's fast-reflash options: -s after the command is --skip-flashed (before
        // it, --silent); --diff-with eats the values that follow it.
        let cli = parse(&["espctl", "write_flash", "-s", "0x1000", "new.bin"]).unwrap();
        let Command::WriteFlash(w) = cli.command else {
            panic!("not write-flash")
        };
        assert!(w.skip_flashed && !cli.silent);
        assert_eq!(w.addr_filename, ["0x1000", "new.bin"]);
        let cli = parse(&[
            "espctl",
            "write_flash",
            "0x1000",
            "new.bin",
            "--diff-with",
            "old.bin",
            "--trust-flash-content",
        ])
        .unwrap();
        let Command::WriteFlash(w) = cli.command else {
            panic!("not write-flash")
        };
        assert_eq!(w.diff_with, ["old.bin"]);
        assert!(w.trust_flash_content);
        assert_eq!(w.addr_filename, ["0x1000", "new.bin"]);
        assert!(parse(&["espctl", "write_flash", "-s", "--diff-with", "a", "0", "f"]).is_err());
        assert!(parse(&["espctl", "write_flash", "--trust-flash-content", "0", "f"]).is_err());
    }
}
