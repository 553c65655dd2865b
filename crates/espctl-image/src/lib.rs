//! Firmware images of the ESP8266 and the ESP32 family, as esptool 5.6.0 builds and reads
//! them: parse and write (no I/O in the types: bytes in, bytes out), `elf2image`,
//! `image-info`, `merge-bin`, flash-parameter header patching (used by `write-flash`),
//! Intel HEX, UF2 and ESP-IDF partition tables.
//!
//! The library never prints: what esptool prints along the way comes back as [`Message`]s.
//! Every fallible function returns [`ImageError`], whose messages read as esptool's.

#![warn(missing_docs)]

pub mod checksum;
pub mod descriptor;
pub mod elf;
pub mod elf2image;
pub mod error;
pub mod esp32;
pub mod esp8266;
pub mod esp8266_flash_map;
pub mod firmware;
#[doc(hidden)]
pub mod fuzzing;
pub mod ihex;
pub mod info;
pub mod merge;
pub mod partition;
pub mod patch;
pub mod segment;
pub mod summary;
pub mod uf2;

pub use error::ImageError;
pub use esp32::{Esp32Image, ExtendedHeader};
pub use esp8266::{Esp8266Image, Esp8266V2Image};
pub use firmware::FirmwareImage;
pub use patch::{FlashParamsRequest, PatchOutcome, PatchWarning, Setting, patch_flash_params};
pub use segment::{CommonHeader, Segment};

/// A parsed image with where its parts are in the file. (Oddities esptool only warns
/// about, like `Suspicious segment 0x..., length ...`, go to the `parse_with_warnings`
/// functions' sink as they are met, before any error.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed<T> {
    /// The image itself, as the file describes it (stored checksum and digest included,
    /// whether or not they are right).
    pub image: T,
    /// File offset of each segment's header, in segment order.
    pub offsets: Vec<usize>,
    /// Bytes of the input the image takes (anything after it is not part of the image).
    pub len: usize,
}

impl<T> Parsed<T> {
    /// The same parse with the image changed by `f`.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Parsed<U> {
        Parsed {
            image: f(self.image),
            offsets: self.offsets,
            len: self.len,
        }
    }
}

/// A line esptool prints while it works, in order. The CLI decides where each goes
/// (esptool: `Print` and `Note` to stdout, `Warning` to stderr).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// An ordinary line (esptool's `log.print`), on stdout as it is.
    Print(String),
    /// esptool prints these as `HINT: ...` on stdout.
    Hint(String),
    /// `NOTE: ...` on stdout.
    Note(String),
    /// esptool's `log.warning`: printed as `WARNING: ...` on stderr.
    Warning(String),
    /// A non-fatal error line (`ERROR: ...`), after which the command goes on.
    Error(String),
}

/// Pads `data` with `fill` up to a multiple of `align`.
pub(crate) fn pad_to(data: &mut Vec<u8>, align: usize, fill: u8) {
    let rem = data.len() % align;
    if rem != 0 {
        data.resize(data.len() + align - rem, fill);
    }
}
