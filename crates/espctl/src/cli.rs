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
    /// Target chip type (`auto` detects it; image commands other than image-info need it)
    #[arg(
        short = 'c',
        long,
        global = true,
        default_value = "auto",
        env = "ESPTOOL_CHIP"
    )]
    pub chip: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the espctl version
    Version,
    /// Print information about a firmware image (bootloader or application)
    ImageInfo(crate::commands::image_info::Args),
    /// Create an application image from an ELF file
    Elf2image(crate::commands::elf2image::Args),
    /// Merge binary files into a single file for flashing (raw, Intel HEX or UF2)
    MergeBin(crate::commands::merge_bin::Args),
}

/// Rewrites esptool v4 spellings into the v5 ones clap knows: `write_flash` becomes
/// `write-flash` (only the command word and `--long_options`, never file names).
pub fn normalise_args(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    args.into_iter()
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
            Some(s) if is_underscore_command(s) => OsString::from(s.replace('_', "-")),
            _ => arg,
        })
        .collect()
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
}
