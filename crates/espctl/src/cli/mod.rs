//! The command line: what clap parses (compatible with esptool 5 and its v4 spellings),
//! and how it is lowered into the typed options the commands take. Nothing outside this
//! module sees a clap type.

pub mod args;
mod choices;
pub mod completions;
pub mod config_file;
mod json;
mod lower;
mod lower_discover;
mod lower_flash_chip;
mod lower_host;
mod lower_ota;
mod lower_ota_upgrade;
mod lower_serve_port;
mod lower_virtual_ota;
mod lower_write;
mod spelling;
pub mod usage;
pub mod values;

pub use lower::lower;
#[cfg(test)]
pub use spelling::normalise_args;

use args::backup::{BackupArgs, LayoutArgs, RestoreArgs};
use args::completions::CompletionsArgs;
use args::discover::DiscoverArgs;
use args::flash::{
    EraseFlashArgs, EraseRegionArgs, ReadFlashArgs, VerifyFlashArgs, WriteFlashArgs,
};
use args::flash_chip::{FlashIdArgs, ReadFlashSfdpArgs, ReadFlashStatusArgs, WriteFlashStatusArgs};
use args::image::{Elf2ImageArgs, ImageInfoArgs, MergeBinArgs};
use args::memory::{DumpMemArgs, LoadRamArgs, ReadMemArgs, WriteMemArgs};
use args::ota::OtaArgs;
use args::stub::StubArgs;
use args::virtual_device::VirtualArgs;
use clap::{Parser, Subcommand};
use espctl_flasher::{After, Before};

/// The whole command line.
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
        env = "ESPTOOL_CHIP",
        value_parser = choices::chip()
    )]
    pub chip: String,

    /// Serial port device (a path, a pty, socket://HOST:PORT, or virtual:esp8266 / virtual:esp32)
    #[arg(short = 'p', long, env = "ESPTOOL_PORT")]
    pub port: Option<String>,

    /// Serial port baud rate used when flashing/reading [default: 115200, raised for
    /// flash commands on serial and virtual ports to the fastest rate the USB-serial
    /// adapter carries (921600 for adapters espctl does not know) unless --no-fast-baud]
    #[arg(short = 'b', long, env = "ESPTOOL_BAUD", value_parser = parse_baud)]
    pub baud: Option<u32>,

    /// Without --baud, stay at 115200 instead of moving flash commands to a faster rate
    #[arg(long)]
    pub no_fast_baud: bool,

    /// Serial port filter when no port is given: vid=NUMBER, pid=NUMBER, name=SUBSTRING, serial=SUBSTRING
    #[arg(long, value_name = "KEY=VALUE")]
    pub port_filter: Vec<String>,

    /// Which reset to perform before connecting to the chip
    #[arg(long, env = "ESPTOOL_BEFORE", default_value = "default-reset", value_parser = choices::before())]
    pub before: Before,

    /// Which reset to perform after the operation is finished
    #[arg(short = 'a', long, env = "ESPTOOL_AFTER", default_value = "hard-reset", value_parser = choices::after())]
    pub after: After,

    /// Disable launching the flasher stub, only talk to the ROM bootloader
    #[arg(long)]
    pub no_stub: bool,

    /// Do not download a missing flasher stub (also ESPCTL_OFFLINE=1)
    #[arg(long)]
    pub offline: bool,

    /// Print every frame sent and received
    #[arg(short = 't', long)]
    pub trace: bool,

    /// Print all output (accepted for esptool compatibility)
    #[arg(short = 'v', long)]
    pub verbose: bool,

    /// Silence all output except for errors
    #[arg(short = 's', long)]
    pub silent: bool,

    /// Print the result as one line of JSON on stdout, the other output on stderr
    /// (identification, image-info and flash commands; format: docs/json-output.md)
    #[arg(long, global = true)]
    pub json: bool,

    /// Override the ESP32's VDDSDIO internal voltage regulator (use with care)
    #[arg(long, value_name = "VOLTAGE", value_parser = ["1.8V", "1.9V", "OFF"])]
    pub override_vddsdio: Option<String>,

    /// Number of attempts to connect, 0 or negative for infinite [default: 7, or
    /// connect_attempts of esptool's configuration file]
    #[arg(long, env = "ESPTOOL_CONNECT_ATTEMPTS", allow_negative_numbers = true)]
    pub connect_attempts: Option<i64>,

    /// Seconds to wait for a port that went away (a USB cable pulled and plugged back
    /// in) before giving up; 0 does not reconnect
    #[arg(long, default_value_t = 15.0, value_name = "SECONDS")]
    pub reconnect_timeout: f64,

    #[command(subcommand)]
    pub command: Command,

    /// The values of esptool's configuration file (set after parsing, from
    /// [`config_file::load`]).
    #[arg(skip)]
    pub config: espctl_flasher::config::EsptoolConfig,
}

fn parse_baud(s: &str) -> Result<u32, String> {
    match s.parse::<u32>() {
        Ok(b) if b > 0 => Ok(b),
        _ => Err(format!("'{s}' is not a valid baud rate")),
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a binary blob to flash (pairs of address and file name)
    WriteFlash(WriteFlashArgs),
    /// Read SPI flash memory content
    ReadFlash(ReadFlashArgs),
    /// Verify a binary blob against the flash memory content
    VerifyFlash(VerifyFlashArgs),
    /// Erase the SPI flash memory
    EraseFlash(EraseFlashArgs),
    /// Erase a region of the SPI flash memory
    EraseRegion(EraseRegionArgs),
    /// Print the device MAC address
    ReadMac,
    /// Print the device chip ID (ESP8266; the MAC on other chips)
    ChipId,
    /// Print the SPI flash memory manufacturer and device ID
    FlashId(FlashIdArgs),
    /// Read the SPI flash memory status register
    ReadFlashStatus(ReadFlashStatusArgs),
    /// Write the SPI flash memory status register (e.g. 0 clears the write protection)
    WriteFlashStatus(WriteFlashStatusArgs),
    /// Read SPI flash SFDP (Serial Flash Discoverable Parameters)
    ReadFlashSfdp(ReadFlashSfdpArgs),
    /// Print the chip's security information (chips whose ROM reports it)
    GetSecurityInfo,
    /// Run application code loaded in flash
    Run,
    /// Read arbitrary memory location
    ReadMem(ReadMemArgs),
    /// Modify or write to arbitrary memory location
    WriteMem(WriteMemArgs),
    /// Dump arbitrary memory to a file
    DumpMem(DumpMemArgs),
    /// Download an image to RAM and execute it
    LoadRam(LoadRamArgs),
    /// Back up the whole flash (or a region) to a file with a manifest, checked against
    /// the chip's MD5; --check compares a device with a backup
    Backup(BackupArgs),
    /// Restore a backup: refuses another chip or a smaller flash, writes only what
    /// differs, verifies, resets
    Restore(RestoreArgs),
    /// Print the ESP8266 Arduino flash layout of a flash size and the largest image an
    /// OTA update takes
    Layout(LayoutArgs),
    /// Install, fetch or list the flasher stubs espctl uploads to the chip
    #[command(subcommand)]
    Stub(StubArgs),
    /// Print the espctl version
    Version,
    /// Print information about a firmware image (bootloader or application)
    ImageInfo(ImageInfoArgs),
    /// Create an application image from an ELF file
    Elf2image(Elf2ImageArgs),
    /// Merge binary files into a single file for flashing (raw, Intel HEX or UF2)
    MergeBin(MergeBinArgs),
    /// Run a virtual ESP8266, ESP32, S2, S3, C2, C3, C5, C6, H2 or P4 (ROM loader, flasher stub, NOR flash) on a TCP port or a pty
    Virtual(Box<VirtualArgs>),
    /// List the serial ports (USB IDs, serial number, manufacturer, product, the known
    /// USB-serial bridge), in the order a scan without --port tries them; --port-filter applies
    ListPorts(args::list_ports::ListPortsArgs),
    /// List the devices that announce ArduinoOTA by mDNS (_arduino._tcp): name, address,
    /// port, board, whether uploads need a password, ESPurna's details
    Discover(DiscoverArgs),
    /// Upload an image over the network to a device running ArduinoOTA (what espota.py
    /// does; its options are accepted)
    Ota(OtaArgs),
    /// Serve a serial port (--port) over RFC 2217, so esptool or espctl on another
    /// machine can flash the board with --port rfc2217://HOST:PORT
    ServePort(args::serve_port::ServePortArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell), e.g.
    /// `source <(espctl completions bash)`
    Completions(CompletionsArgs),
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::ffi::OsString;

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
