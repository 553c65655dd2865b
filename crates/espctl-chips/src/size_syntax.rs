//! How sizes are written on a command line, in one place: the same spelling means the
//! same everywhere.
//!
//! * A byte count is an integer — decimal, `0x` hex, `0o` octal or `0b` binary, `_`
//!   separators ignored — with an optional unit: `k`, `K` or `KB` for KiB, `M` or
//!   `MB` for MiB (`KB` and `MB` in any case). esptool's size arguments (`AutoSizeType`:
//!   `k`, `M`) and its `KB`/`MB` sizes (`flash_size_bytes`) are both this.
//! * A lone lower-case `m` means megabits, and only in the old flash size names of
//!   esptool 1.x/2.x (`4m` = 512KB, `32m` = 4MB, `16m-c1`). `4M` and `4MB` are 4 MiB.
//!   So `4m` is refused as a byte count and `32M` as a flash size name: each has a
//!   single meaning, or none.
//! * A flash size name is esptool 5's (`512KB`, `4MB`, `2MB-c1`; any case) or a
//!   megabit name.

use crate::flash::FlashSize;
use std::fmt;

/// The grammar a text was read with, which decides what the error tells to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeGrammar {
    /// [`byte_count`]: a number with an optional `k`/`M` unit.
    ByteCount,
    /// [`byte_count_or_all`]: a byte count or `ALL`.
    ByteCountOrAll,
    /// [`flash_size_name`]: a named flash size.
    FlashSizeName,
    /// [`flash_bytes`]: a flash size name or a byte count.
    FlashBytes,
}

impl SizeGrammar {
    /// What a text of this grammar is, for the error line.
    fn noun(self) -> &'static str {
        match self {
            SizeGrammar::ByteCount | SizeGrammar::ByteCountOrAll => "a size",
            SizeGrammar::FlashSizeName | SizeGrammar::FlashBytes => "a flash size",
        }
    }
}

impl fmt::Display for SizeGrammar {
    /// What to write instead, as the end of an error line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const NUMBER: &str = "a number (decimal, 0x hex, 0o octal or 0b binary) with an \
                              optional k (KiB) or M (MiB) suffix, like 0x1000 or 64k";
        match self {
            SizeGrammar::ByteCount => f.write_str(NUMBER),
            SizeGrammar::ByteCountOrAll => write!(f, "{NUMBER}, or ALL"),
            SizeGrammar::FlashSizeName => {
                let names = |name: fn(FlashSize) -> Option<&'static str>| {
                    FlashSize::ALL
                        .into_iter()
                        .filter_map(name)
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                write!(
                    f,
                    "one of {} (or the megabit names {})",
                    names(|s| Some(s.name())),
                    names(FlashSize::megabit_name)
                )
            }
            SizeGrammar::FlashBytes => f.write_str(
                "a flash size like 4MB or 512KB, a megabit name like 32m, or a byte count \
                 like 0x400000",
            ),
        }
    }
}

/// Why a size could not be read; each says in one line what to write instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SizeError {
    /// Not a number with a unit, or not a name, of the grammar.
    #[error("'{text}' is not {}: write {grammar}", grammar.noun())]
    NotASize {
        /// The text as given.
        text: String,
        /// The grammar it was read with.
        grammar: SizeGrammar,
    },
    /// A number with a lone lower-case `m`, outside the megabit flash size names.
    #[error(
        "'{text}' is not a byte count (a lone m means megabits, which only the old flash size names use): write {number}M for {number} MiB"
    )]
    Megabits {
        /// The text as given.
        text: String,
        /// The number in front of the `m`.
        number: String,
    },
    /// An upper-case `M` where a flash size name is wanted: neither 4 MiB (`4MB`) nor
    /// the megabit name (`4m`) can be assumed.
    #[error(
        "'{text}' is not a flash size name: write {number}MB for {number} MiB, or {number}m (lower-case) for {number} megabits"
    )]
    AmbiguousFlashSize {
        /// The text as given.
        text: String,
        /// The number in front of the `M`.
        number: String,
    },
    /// More bytes than a 32-bit size holds.
    #[error("'{text}' is 4 GiB or more: sizes go up to 0xFFFFFFFF bytes")]
    TooLarge {
        /// The text as given.
        text: String,
    },
}

/// Reads an integer: decimal, or `0x`/`0o`/`0b` (any case) hex, octal or binary, with
/// `_` separators ignored. `None` when it is not one or does not fit 64 bits.
fn integer(text: &str) -> Option<u64> {
    let (digits, radix) = match text.get(..2).map(str::to_ascii_lowercase).as_deref() {
        Some("0x") => (&text[2..], 16),
        Some("0o") => (&text[2..], 8),
        Some("0b") => (&text[2..], 2),
        _ => (text, 10),
    };
    u64::from_str_radix(&digits.replace('_', ""), radix).ok()
}

/// The multiplier of a byte count's unit and the number in front of it.
enum Unit<'a> {
    Times(&'a str, u64),
    /// A lone `m`: megabits.
    Megabits(&'a str),
}

fn split_unit(text: &str) -> Unit<'_> {
    let has = |suffix: &str| {
        text.len() > suffix.len()
            && text
                .get(text.len() - suffix.len()..)
                .is_some_and(|s| s.eq_ignore_ascii_case(suffix))
    };
    let number = |suffix_len: usize| text[..text.len() - suffix_len].trim_end();
    if has("KB") {
        Unit::Times(number(2), 1 << 10)
    } else if has("MB") {
        Unit::Times(number(2), 1 << 20)
    } else if text.len() > 1 && text.ends_with(['k', 'K']) {
        Unit::Times(number(1), 1 << 10)
    } else if text.len() > 1 && text.ends_with('M') {
        Unit::Times(number(1), 1 << 20)
    } else if text.len() > 1 && text.ends_with('m') {
        Unit::Megabits(number(1))
    } else {
        Unit::Times(text, 1)
    }
}

fn read_byte_count(given: &str, grammar: SizeGrammar) -> Result<u32, SizeError> {
    let text = given.trim();
    let not_a_size = || SizeError::NotASize {
        text: given.to_string(),
        grammar,
    };
    let (number, multiplier) = match split_unit(text) {
        Unit::Times(number, multiplier) => (number, multiplier),
        Unit::Megabits(number) => {
            return Err(if integer(number).is_some() {
                SizeError::Megabits {
                    text: given.to_string(),
                    number: number.to_string(),
                }
            } else {
                not_a_size()
            });
        }
    };
    let value = integer(number).ok_or_else(not_a_size)?;
    value
        .checked_mul(multiplier)
        .and_then(|bytes| u32::try_from(bytes).ok())
        .ok_or_else(|| SizeError::TooLarge {
            text: given.to_string(),
        })
}

/// A byte count (`4096`, `0x1000`, `4k`, `4K`, `4KB`, `1M`, `1MB`), in bytes: the size
/// argument of read-flash, erase-region and dump-mem. Surrounding whitespace is
/// ignored; a lone `m` (megabits) is refused.
pub fn byte_count(text: &str) -> Result<u32, SizeError> {
    read_byte_count(text, SizeGrammar::ByteCount)
}

/// A byte count, or `ALL` in any case (`None`: the whole flash, as the loader detects
/// it).
pub fn byte_count_or_all(text: &str) -> Result<Option<u32>, SizeError> {
    if text.trim().eq_ignore_ascii_case("all") {
        Ok(None)
    } else {
        read_byte_count(text, SizeGrammar::ByteCountOrAll).map(Some)
    }
}

/// A named flash size: esptool 5's names (`256KB` … `128MB`, `2MB-c1`, `4MB-c1`) in any
/// case, or the megabit names (`2m` … `128m`, `16m-c1`, `32m-c1`) with a lower-case
/// `m`. Surrounding whitespace is ignored.
pub fn flash_size_name(text: &str) -> Result<FlashSize, SizeError> {
    let t = text.trim();
    // The megabit names' m is lower-case; their -c1 may be written in any case.
    let megabit_name = |name: &str| name.eq_ignore_ascii_case(t) && !t.contains('M');
    if let Some(size) = FlashSize::ALL.into_iter().find(|size| {
        size.name().eq_ignore_ascii_case(t) || size.megabit_name().is_some_and(megabit_name)
    }) {
        return Ok(size);
    }
    let lower_m = t.replace('M', "m");
    if t.contains('M')
        && FlashSize::ALL
            .into_iter()
            .filter_map(FlashSize::megabit_name)
            .any(|name| name.eq_ignore_ascii_case(&lower_m))
    {
        return Err(SizeError::AmbiguousFlashSize {
            text: text.to_string(),
            number: t[..t.find('M').unwrap_or(0)].to_string(),
        });
    }
    Err(SizeError::NotASize {
        text: text.to_string(),
        grammar: SizeGrammar::FlashSizeName,
    })
}

/// The bytes of a flash size written either way: a flash size name (so `32m` is 4 MiB
/// and `2MB-c1` 2 MiB) or else a byte count (`4M`, `0x400000`, `512k`). Whether the
/// value suits the use (a power of two, a page size) is the caller's check.
pub fn flash_bytes(text: &str) -> Result<u32, SizeError> {
    match flash_size_name(text) {
        Ok(size) => Ok(size.bytes()),
        Err(_) => read_byte_count(text, SizeGrammar::FlashBytes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_counts_take_esptools_suffixes_and_bases() {
        assert_eq!(byte_count("4096"), Ok(4096));
        assert_eq!(byte_count("0x1000"), Ok(4096));
        assert_eq!(byte_count("0X1000"), Ok(4096));
        assert_eq!(byte_count("0o10"), Ok(8));
        assert_eq!(byte_count("0b101"), Ok(5));
        assert_eq!(byte_count("1_000"), Ok(1000));
        assert_eq!(byte_count("4k"), Ok(4096));
        assert_eq!(byte_count("4K"), Ok(4096));
        assert_eq!(byte_count("64KB"), Ok(64 << 10));
        assert_eq!(byte_count("64kb"), Ok(64 << 10));
        assert_eq!(byte_count("1M"), Ok(1 << 20));
        assert_eq!(byte_count("4MB"), Ok(4 << 20));
        assert_eq!(byte_count("0x10k"), Ok(16 << 10));
        assert_eq!(byte_count(" 4 MB "), Ok(4 << 20));
        assert_eq!(byte_count("4095M"), Ok(4095 << 20));
        for bad in ["", "k", "M", "KB", "1G", "four", "0x", "_", "-1", "4 k b"] {
            assert!(
                matches!(byte_count(bad), Err(SizeError::NotASize { .. })),
                "{bad:?}"
            );
        }
        assert_eq!(
            byte_count("4096M"),
            Err(SizeError::TooLarge {
                text: "4096M".into()
            })
        );
        assert_eq!(
            byte_count("0x1_0000_0000").unwrap_err().to_string(),
            "'0x1_0000_0000' is 4 GiB or more: sizes go up to 0xFFFFFFFF bytes"
        );
    }

    #[test]
    fn a_lone_m_is_megabits_and_no_byte_count() {
        assert_eq!(
            byte_count("4m").unwrap_err().to_string(),
            "'4m' is not a byte count (a lone m means megabits, which only the old flash size names use): write 4M for 4 MiB"
        );
        // As a flash size it is the megabit name.
        assert_eq!(flash_bytes("4m"), Ok(512 << 10));
        assert_eq!(flash_bytes("32m"), Ok(4 << 20));
        assert!(matches!(flash_bytes("5m"), Err(SizeError::Megabits { .. })));
    }

    #[test]
    fn all_is_the_whole_flash() {
        assert_eq!(byte_count_or_all("ALL"), Ok(None));
        assert_eq!(byte_count_or_all("all"), Ok(None));
        assert_eq!(byte_count_or_all("0x100000"), Ok(Some(0x100000)));
        assert!(byte_count("all").is_err());
        assert!(
            byte_count_or_all("lots")
                .unwrap_err()
                .to_string()
                .ends_with(", or ALL")
        );
    }

    #[test]
    fn flash_size_names_new_and_megabit() {
        assert_eq!(flash_size_name("4MB"), Ok(FlashSize::Mb4));
        assert_eq!(flash_size_name("4mb"), Ok(FlashSize::Mb4));
        assert_eq!(flash_size_name("32m"), Ok(FlashSize::Mb4));
        assert_eq!(flash_size_name("4m"), Ok(FlashSize::Kb512));
        assert_eq!(flash_size_name("16m-c1"), Ok(FlashSize::Mb2C1));
        assert_eq!(flash_size_name("16m-C1"), Ok(FlashSize::Mb2C1));
        assert_eq!(flash_size_name("2MB-c1"), Ok(FlashSize::Mb2C1));
        assert_eq!(flash_size_name("2mb-C1"), Ok(FlashSize::Mb2C1));
        assert_eq!(flash_size_name("256KB"), Ok(FlashSize::Kb256));
        assert!(matches!(
            flash_size_name("3MB"),
            Err(SizeError::NotASize { .. })
        ));
        assert!(flash_size_name("0x400000").is_err());
        // Every name reads back as its size.
        for size in FlashSize::ALL {
            assert_eq!(flash_size_name(size.name()), Ok(size));
            if let Some(m) = size.megabit_name() {
                assert_eq!(flash_size_name(m), Ok(size));
            }
        }
    }

    #[test]
    fn an_upper_case_megabit_name_is_refused_with_both_readings() {
        assert_eq!(
            flash_size_name("32M").unwrap_err().to_string(),
            "'32M' is not a flash size name: write 32MB for 32 MiB, or 32m (lower-case) for 32 megabits"
        );
        assert!(matches!(
            flash_size_name("16M-c1"),
            Err(SizeError::AmbiguousFlashSize { .. })
        ));
        // As bytes, M is MiB like everywhere else.
        assert_eq!(flash_bytes("32M"), Ok(32 << 20));
    }

    #[test]
    fn flash_bytes_read_names_then_byte_counts() {
        assert_eq!(flash_bytes("4MB"), Ok(4 << 20));
        assert_eq!(flash_bytes("512kb"), Ok(512 << 10));
        assert_eq!(flash_bytes("512K"), Ok(512 << 10));
        assert_eq!(flash_bytes("4MB-c1"), Ok(4 << 20));
        assert_eq!(flash_bytes("16m"), Ok(2 << 20));
        assert_eq!(flash_bytes("16M"), Ok(16 << 20));
        assert_eq!(flash_bytes("0x100000"), Ok(1 << 20));
        assert_eq!(flash_bytes("4194304"), Ok(4 << 20));
        assert_eq!(flash_bytes("64KB"), Ok(64 << 10));
        assert_eq!(flash_bytes("3MB"), Ok(3 << 20));
        assert_eq!(
            flash_bytes("four").unwrap_err().to_string(),
            "'four' is not a flash size: write a flash size like 4MB or 512KB, a megabit name like 32m, or a byte count like 0x400000"
        );
        assert!(matches!(
            flash_bytes("9999999MB"),
            Err(SizeError::TooLarge { .. })
        ));
    }

    #[test]
    fn the_flash_size_name_hint_lists_every_name() {
        assert!(
            flash_size_name("3MB")
                .unwrap_err()
                .to_string()
                .starts_with("'3MB' is not a flash size: write one of 256KB, 512KB,")
        );
        let hint = SizeGrammar::FlashSizeName.to_string();
        assert_eq!(
            hint,
            "one of 256KB, 512KB, 1MB, 2MB, 2MB-c1, 4MB, 4MB-c1, 8MB, 16MB, 32MB, 64MB, 128MB (or the megabit names 2m, 4m, 8m, 16m, 16m-c1, 32m, 32m-c1, 64m, 128m)"
        );
    }
}
