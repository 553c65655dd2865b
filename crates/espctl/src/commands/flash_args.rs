//! Parsing of the flash options and arguments shared by the flash commands.

use super::output::parse_int;
use crate::fatal::Fatal;
use espctl_chips::{FlashFreq, FlashMode, FlashSize};
use espctl_flasher::{FlashSizeArg, PatchRequest};

/// `-fm`, `-ff`, `-fs`: the flash parameters write-flash and verify-flash put into the
/// bootloader header (and tell the loader).
#[derive(Debug, clap::Args)]
pub struct FlashParams {
    /// SPI flash mode for the bootloader header: keep, qio, qout, dio, dout
    #[arg(long, default_value = "keep", env = "ESPTOOL_FM")]
    pub flash_mode: String,
    /// SPI flash frequency for the bootloader header (keep, 80m, 40m, 26m, 20m, ...)
    #[arg(long, default_value = "keep", env = "ESPTOOL_FF")]
    pub flash_freq: String,
    /// SPI flash size: keep, detect, 1MB, 4MB, ... (also the old 4m, 32m names)
    #[arg(long, default_value = "keep", env = "ESPTOOL_FS")]
    pub flash_size: String,
}

impl FlashParams {
    /// The header values asked for and the flash size argument; the size goes into the
    /// header once it is known (after `detect`).
    pub fn parse(&self) -> Result<(PatchRequest, FlashSizeArg), Fatal> {
        let header = PatchRequest {
            mode: mode_arg(&self.flash_mode)?,
            freq: freq_arg(&self.flash_freq)?,
            size: None,
        };
        Ok((header, size_arg(&self.flash_size)?))
    }
}

/// `--flash-size`: `keep`, `detect`, a size (`4MB`) or an old megabit name (`32m`).
pub fn size_arg(s: &str) -> Result<FlashSizeArg, Fatal> {
    match s {
        "keep" => Ok(FlashSizeArg::Keep),
        "detect" => Ok(FlashSizeArg::Detect),
        _ => s
            .parse::<FlashSize>()
            .map(FlashSizeArg::Size)
            .map_err(|_| {
                Fatal(format!(
                    "Invalid flash size '{s}': use detect, keep, 256KB, 512KB, 1MB, 2MB, 2MB-c1, 4MB, 4MB-c1, 8MB, 16MB, 32MB, 64MB, 128MB (or the megabit names 2m, 4m, 8m, 16m, 16m-c1, 32m, 32m-c1, 64m, 128m)."
                ))
            }),
    }
}

/// `--flash-mode`: `keep` (None) or a mode.
pub fn mode_arg(s: &str) -> Result<Option<FlashMode>, Fatal> {
    if s == "keep" {
        return Ok(None);
    }
    s.parse().map(Some).map_err(|_| {
        Fatal(format!(
            "Invalid flash mode '{s}': use keep, qio, qout, dio or dout."
        ))
    })
}

/// `--flash-freq`: `keep` (None) or a frequency.
pub fn freq_arg(s: &str) -> Result<Option<FlashFreq>, Fatal> {
    if s == "keep" {
        return Ok(None);
    }
    s.parse().map(Some).map_err(|_| {
        Fatal(format!(
            "Invalid flash frequency '{s}': use keep, 80m, 64m, 60m, 48m, 40m, 32m, 30m, 26m, 24m, 20m, 16m, 15m or 12m."
        ))
    })
}

/// A size argument: a number with an optional `k` or `M` suffix (×1024, ×1024²).
pub fn size_number(s: &str) -> Result<u32, Fatal> {
    let bad = || {
        Fatal(format!(
            "'{s}' is not a valid size: use a number (0x hex, or with a k or M suffix) or ALL."
        ))
    };
    let (digits, mult) = match s.strip_suffix('k') {
        Some(d) if !d.is_empty() => (d, 1024u64),
        _ => match s.strip_suffix('M') {
            Some(d) if !d.is_empty() => (d, 1024 * 1024),
            _ => (s, 1),
        },
    };
    let n = parse_int(digits).map_err(|_| bad())? as u64 * mult;
    u32::try_from(n).map_err(|_| bad())
}

/// A size that may also be `ALL` (the whole detected flash): `None` for ALL.
pub fn size_or_all(s: &str) -> Result<Option<u32>, Fatal> {
    if s.eq_ignore_ascii_case("all") {
        Ok(None)
    } else {
        size_number(s).map(Some)
    }
}

/// An address argument.
pub fn address(s: &str) -> Result<u32, Fatal> {
    parse_int(s).map_err(|_| Fatal(format!("Address \"{s}\" must be a number.")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sizes_with_suffixes_and_all() {
        assert_eq!(size_or_all("0x100000").unwrap(), Some(0x100000));
        assert_eq!(size_or_all("ALL").unwrap(), None);
        assert_eq!(size_or_all("all").unwrap(), None);
        assert_eq!(size_number("4k").unwrap(), 4096);
        assert_eq!(size_number("1M").unwrap(), 1 << 20);
        assert!(size_number("1G").is_err());
        assert!(size_number("k").is_err());
    }

    #[test]
    fn parses_flash_options() {
        assert_eq!(size_arg("32m").unwrap(), FlashSizeArg::Size(FlashSize::Mb4));
        assert_eq!(
            size_arg("4m").unwrap(),
            FlashSizeArg::Size(FlashSize::Kb512)
        );
        assert_eq!(size_arg("detect").unwrap(), FlashSizeArg::Detect);
        assert!(size_arg("3MB").is_err());
        assert_eq!(mode_arg("dout").unwrap(), Some(FlashMode::Dout));
        assert_eq!(mode_arg("keep").unwrap(), None);
        assert!(freq_arg("99m").is_err());
    }
}
