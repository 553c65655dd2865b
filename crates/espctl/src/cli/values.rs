//! Values as esptool reads them: integers (`0x` hex, `0o`, `0b`), sizes with `k`/`M`
//! or `KB`/`MB` suffixes and `ALL`, addresses, chip names, and the flash parameters
//! with their `keep`/`detect` choices and old megabit names.

use crate::fatal::Fatal;
use espctl_chips::size_syntax;
use espctl_chips::{CHIPS, Chip, FlashFreq, FlashMode, FlashSize};
use espctl_flasher::{FlashParamsRequest, FlashSizeArg, Setting};

/// An integer as esptool reads it: decimal, `0x` hex, `0o` octal or `0b` binary.
pub fn parse_int(s: &str) -> Result<u32, String> {
    parse_wide_int(s)?
        .try_into()
        .map_err(|_| format!("'{s}' is not a number (use decimal or 0x hex)"))
}

/// [`parse_int`] for numbers past 32 bits (an address no flash reaches).
pub fn parse_wide_int(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let (digits, radix) = match t.get(..2).map(str::to_ascii_lowercase).as_deref() {
        Some("0x") => (&t[2..], 16),
        Some("0o") => (&t[2..], 8),
        Some("0b") => (&t[2..], 2),
        _ => (t, 10),
    };
    u64::from_str_radix(&digits.replace('_', ""), radix)
        .map_err(|_| format!("'{s}' is not a number (use decimal or 0x hex)"))
}

/// A flash size in bytes (`--pad-to-size`, `--flash-mmu-page-size`): a flash size name
/// (`4MB`, `64KB`) or a byte count.
pub fn parse_size(s: &str) -> Result<u32, String> {
    size_syntax::flash_bytes(s).map_err(|e| e.to_string())
}

/// A size argument: a number with an optional `k` or `M` suffix (×1024, ×1024²).
pub fn size_number(s: &str) -> Result<u32, Fatal> {
    size_syntax::byte_count(s).map_err(|e| Fatal(e.to_string()))
}

/// A size that may also be `ALL` (the whole detected flash): `None` for ALL.
pub fn size_or_all(s: &str) -> Result<Option<u32>, Fatal> {
    size_syntax::byte_count_or_all(s).map_err(|e| Fatal(e.to_string()))
}

/// An address argument.
pub fn address(s: &str) -> Result<u32, Fatal> {
    parse_int(s).map_err(|_| Fatal(format!("Address \"{s}\" must be a number.")))
}

/// The chip named by `--chip`; `None` for `auto`.
pub fn chip_arg(name: &str) -> Result<Option<&'static Chip>, Fatal> {
    if name.eq_ignore_ascii_case("auto") {
        return Ok(None);
    }
    Chip::by_arg_name(name).map(Some).ok_or_else(|| {
        Fatal(format!(
            "Invalid chip choice: '{name}' (choose from {}).",
            chip_list()
        ))
    })
}

/// The chip named by `--chip`, which this command needs.
pub fn required_chip(name: &str) -> Result<&'static Chip, Fatal> {
    chip_arg(name)?.ok_or_else(|| {
        Fatal(format!(
            "Specify the --chip argument (choose from {}).",
            chip_list()
        ))
    })
}

fn chip_list() -> String {
    CHIPS
        .iter()
        .map(|c| c.arg_name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `-fm`, `-ff`, `-fs` as given: the header values asked for and the flash size
/// argument (the size goes into the header once it is known, after `detect`).
pub fn flash_params(
    mode: &str,
    freq: &str,
    size: &str,
) -> Result<(FlashParamsRequest, FlashSizeArg), Fatal> {
    let header = FlashParamsRequest {
        mode: mode_arg(mode)?,
        freq: freq_arg(freq)?,
        size: Setting::Keep,
    };
    Ok((header, size_arg(size)?))
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

/// `--flash-mode`: `keep` or a mode.
pub fn mode_arg(s: &str) -> Result<Setting<FlashMode>, Fatal> {
    if s == "keep" {
        return Ok(Setting::Keep);
    }
    s.parse().map(Setting::Set).map_err(|_| {
        Fatal(format!(
            "Invalid flash mode '{s}': use keep, qio, qout, dio or dout."
        ))
    })
}

/// `--flash-freq`: `keep` or a frequency.
pub fn freq_arg(s: &str) -> Result<Setting<FlashFreq>, Fatal> {
    if s == "keep" {
        return Ok(Setting::Keep);
    }
    s.parse().map(Setting::Set).map_err(|_| {
        Fatal(format!(
            "Invalid flash frequency '{s}': use keep, 80m, 64m, 60m, 48m, 40m, 32m, 30m, 26m, 24m, 20m, 16m, 15m or 12m."
        ))
    })
}

/// A header setting for merge-bin: `keep` or a value its type parses.
pub fn setting<T: std::str::FromStr<Err: ToString>>(s: &str) -> Result<Setting<T>, Fatal> {
    if s == "keep" {
        Ok(Setting::Keep)
    } else {
        s.parse()
            .map(Setting::Set)
            .map_err(|e: T::Err| Fatal(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_sizes() {
        assert_eq!(parse_int("0x1000"), Ok(0x1000));
        assert_eq!(parse_int("4096"), Ok(4096));
        assert!(parse_int("0xZZ").is_err());
        assert_eq!(parse_size("4MB"), Ok(4 << 20));
        assert_eq!(parse_size("64KB"), Ok(64 << 10));
        // As everywhere: a plain number is bytes, a lone m is megabits (a flash size name).
        assert_eq!(parse_size("65536"), Ok(64 << 10));
        assert_eq!(parse_size("4m"), Ok(512 << 10));
        assert!(parse_size("MB").is_err());
        assert!(parse_size("4MBfoo").is_err());
    }

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
        assert_eq!(mode_arg("dout").unwrap(), Setting::Set(FlashMode::Dout));
        assert_eq!(mode_arg("keep").unwrap(), Setting::Keep);
        assert!(freq_arg("99m").is_err());
    }
}
