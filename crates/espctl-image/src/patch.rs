//! Flash-parameter header patching: what esptool does to the image at the bootloader
//! offset when `--flash-mode/--flash-size/--flash-freq` are given to `write-flash`,
//! `verify-flash` or `merge-bin`.
//!
//! ```
//! use espctl_chips::{esp32::ESP32, FlashMode};
//! use espctl_image::{patch_flash_params, FlashParamsRequest, Setting};
//!
//! let request = FlashParamsRequest { mode: Setting::Set(FlashMode::Dio), ..Default::default() };
//! let outcome = patch_flash_params(&ESP32, 0x1000, b"not an image", &request).unwrap();
//! assert!(outcome.warning.is_some());          // "doesn't look like an image file"
//! assert_eq!(outcome.data, b"not an image");   // left alone
//! ```
//!
//! [`PatchOutcome`] and [`PatchWarning`] are plain data (`Clone`, `Eq`, `Send`, `Sync`),
//! so a client library can carry them in its own events and errors: the new header
//! value in [`PatchOutcome::flash_params`], whether the digest was redone in
//! [`PatchOutcome::digest_updated`], and why a file was left alone in
//! [`PatchOutcome::warning`]. A [`PatchWarning`] is also a `std::error::Error`, for a
//! client that treats an unpatchable file as a failure.

use espctl_chips::{Chip, FlashFreq, FlashMode, FlashSize, ImageFormat};
use sha2::{Digest, Sha256};

use crate::esp32::{DIGEST_LEN, HASH_APPENDED_OFFSET};
use crate::segment::IMAGE_MAGIC;
use crate::{Esp32Image, Esp8266Image, ImageError, Message};

/// One flash parameter of a request: leave it as the image has it, or set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Setting<T> {
    /// `keep` on the command line: the header's value stays.
    #[default]
    Keep,
    /// This value goes into the header.
    Set(T),
}

/// `Some(v)` sets `v`, `None` keeps the header's value (for callers that hold an
/// optional setting, such as the flasher's write options).
impl<T> From<Option<T>> for Setting<T> {
    fn from(value: Option<T>) -> Setting<T> {
        match value {
            Some(v) => Setting::Set(v),
            None => Setting::Keep,
        }
    }
}

/// The flash parameters asked for on the command line (`keep` is the default of each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FlashParamsRequest {
    /// `--flash-mode`: header byte 2.
    pub mode: Setting<FlashMode>,
    /// `--flash-size`: the high nibble of header byte 3, in the chip's encoding.
    pub size: Setting<FlashSize>,
    /// `--flash-freq`: the low nibble of header byte 3, in the chip's encoding.
    pub freq: Setting<FlashFreq>,
}

impl FlashParamsRequest {
    /// Whether every parameter is `keep`: then esptool does not even look at the file.
    pub fn keeps_everything(&self) -> bool {
        *self == FlashParamsRequest::default()
    }
}

/// Why an image was left unpatched although parameters were asked for. Its text is
/// esptool's warning line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatchWarning {
    /// Byte 0 is not the image magic 0xE9 (a file that is not an image, or an encrypted
    /// one).
    #[error(
        "Image file at {address:#x} doesn't look like an image file, so not changing any flash settings."
    )]
    NotAnImage {
        /// Flash address the file is written to (the bootloader offset).
        address: u32,
    },
    /// It starts like an image but does not parse as one of this chip (an encrypted
    /// image that happens to start with 0xE9, for example).
    #[error(
        "Image file at {address:#x} is not a valid {chip} image, so not changing any flash settings."
    )]
    InvalidImage {
        /// Flash address the file is written to (the bootloader offset).
        address: u32,
        /// The chip's name as esptool prints it, e.g. `ESP32-C3`.
        chip: &'static str,
    },
}

impl PatchWarning {
    /// Flash address of the file that was left alone.
    pub fn address(&self) -> u32 {
        match *self {
            PatchWarning::NotAnImage { address } | PatchWarning::InvalidImage { address, .. } => {
                address
            }
        }
    }
}

/// What [`patch_flash_params`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchOutcome {
    /// The bytes to write: patched, or the input unchanged.
    pub data: Vec<u8>,
    /// Header bytes 2 and 3 (`mode << 8 | size_freq`) when they changed: esptool prints
    /// `Flash parameters set to 0x0220.`
    pub flash_params: Option<u16>,
    /// The appended SHA-256 digest was recomputed: `SHA digest in image updated.`
    /// esptool redoes it whenever it patches an image that carries one, even when bytes
    /// 2 and 3 stay the same.
    pub digest_updated: bool,
    /// Set when parameters were asked for but the file is not a valid image of the chip:
    /// `data` is then the input unchanged, `flash_params` `None` and `digest_updated`
    /// false.
    pub warning: Option<PatchWarning>,
}

impl PatchOutcome {
    fn unchanged(data: &[u8]) -> PatchOutcome {
        PatchOutcome {
            data: data.to_vec(),
            flash_params: None,
            digest_updated: false,
            warning: None,
        }
    }

    /// Whether esptool reports a change: header bytes 2 and 3 changed, or the digest was
    /// recomputed (then `data` may still equal the input, when the stored digest was
    /// already right; esptool says it updated it all the same).
    pub fn changed(&self) -> bool {
        self.flash_params.is_some() || self.digest_updated
    }

    /// The lines esptool prints for this outcome, in order.
    pub fn messages(&self) -> Vec<Message> {
        let mut lines = Vec::new();
        if let Some(w) = &self.warning {
            lines.push(Message::Warning(w.to_string()));
        }
        if let Some(p) = self.flash_params {
            lines.push(Message::Print(format!("Flash parameters set to {p:#06x}.")));
        }
        if self.digest_updated {
            lines.push(Message::Print("SHA digest in image updated.".into()));
        }
        lines
    }
}

/// What a file at the bootloader offset is, for patching purposes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageCheck {
    /// Byte 0 is not the image magic 0xE9 (or the file is empty).
    NotAnImage,
    /// It starts with the magic but does not parse as an image of the chip.
    Invalid,
    /// A valid image of the chip.
    Valid {
        /// The extended header says a SHA-256 digest follows the image (always false
        /// for the ESP8266).
        hash_appended: bool,
    },
}

/// Recognises a bootloader image of `chip` the way esptool does before patching it:
/// magic byte first, then a full parse (segments, checksum position, segment count).
pub fn recognise(chip: &Chip, data: &[u8]) -> ImageCheck {
    if data.first() != Some(&IMAGE_MAGIC) {
        return ImageCheck::NotAnImage;
    }
    match chip.image.format {
        ImageFormat::Esp8266 => match Esp8266Image::parse(data) {
            Ok(_) => ImageCheck::Valid {
                hash_appended: false,
            },
            Err(_) => ImageCheck::Invalid,
        },
        ImageFormat::Esp32 => match Esp32Image::parse(data) {
            Ok(p) => ImageCheck::Valid {
                hash_appended: p.image.extended.hash_appended,
            },
            Err(_) => ImageCheck::Invalid,
        },
    }
}

/// Sets the flash mode/size/frequency in the header of the image `data` that will be
/// written at `address`, like esptool 5.6.0:
///
/// * only the image at the chip's bootloader offset is touched, only if it is at least
///   8 bytes long and only when something other than `keep` is asked for;
/// * a file that is not a valid image of the chip is left alone with a [`PatchWarning`];
/// * when the image carries a SHA-256 digest it is recomputed over the patched bytes
///   (bytes after the digest, e.g. the rest of a merged binary, are kept).
///
/// Errors: a size or frequency the chip does not support (esptool's message).
pub fn patch_flash_params(
    chip: &Chip,
    address: u32,
    data: &[u8],
    request: &FlashParamsRequest,
) -> Result<PatchOutcome, ImageError> {
    if data.len() < 8 || address != chip.bootloader_offset || request.keeps_everything() {
        return Ok(PatchOutcome::unchanged(data));
    }
    let hash_appended = match recognise(chip, data) {
        ImageCheck::NotAnImage => {
            return Ok(PatchOutcome {
                warning: Some(PatchWarning::NotAnImage { address }),
                ..PatchOutcome::unchanged(data)
            });
        }
        ImageCheck::Invalid => {
            return Ok(PatchOutcome {
                warning: Some(PatchWarning::InvalidImage {
                    address,
                    chip: chip.name,
                }),
                ..PatchOutcome::unchanged(data)
            });
        }
        ImageCheck::Valid { hash_appended } => hash_appended,
    };

    let mode = match request.mode {
        Setting::Keep => data[2],
        Setting::Set(m) => m.code(),
    };
    let freq = match request.freq {
        Setting::Keep => data[3] & 0x0F,
        Setting::Set(f) => flash_freq_code(chip, f)?,
    };
    let size = match request.size {
        Setting::Keep => data[3] & 0xF0,
        Setting::Set(s) => flash_size_code(chip, s)?,
    };
    let mut out = data.to_vec();
    let mut flash_params = None;
    let size_freq = size.wrapping_add(freq);
    if [mode, size_freq] != data[2..4] {
        out[2] = mode;
        out[3] = size_freq;
        flash_params = Some(u16::from_be_bytes([mode, size_freq]));
    }
    let digest_updated = hash_appended && out.get(HASH_APPENDED_OFFSET) == Some(&1);
    if digest_updated {
        out = with_recomputed_digest(&out)?;
    }
    Ok(PatchOutcome {
        data: out,
        flash_params,
        digest_updated,
        warning: None,
    })
}

/// Replaces the SHA-256 digest after an ESP32-family image with the digest of the image
/// as it now is. Bytes after the digest are kept.
pub fn with_recomputed_digest(data: &[u8]) -> Result<Vec<u8>, ImageError> {
    let image = Esp32Image::parse(data)?.image;
    let len = image.data_length();
    let mut out = data[..len].to_vec();
    out.extend(Sha256::digest(&data[..len]));
    out.extend(data.get(len + DIGEST_LEN..).unwrap_or(&[]));
    Ok(out)
}

/// Header encoding of `size` on `chip`, or esptool's error listing what it supports.
pub fn flash_size_code(chip: &Chip, size: FlashSize) -> Result<u8, ImageError> {
    chip.flash_size_code(size)
        .ok_or_else(|| ImageError::UnsupportedFlashSize {
            size: size.name().into(),
            supported: names(chip.flash_sizes.iter().map(|(s, _)| s.name())),
        })
}

/// Header encoding of `freq` on `chip`, or esptool's error listing what it supports.
pub fn flash_freq_code(chip: &Chip, freq: FlashFreq) -> Result<u8, ImageError> {
    chip.flash_freq_code(freq)
        .ok_or_else(|| ImageError::UnsupportedFlashFreq {
            freq: freq.name().into(),
            supported: names(chip.flash_freqs.iter().map(|(f, _)| f.name())),
        })
}

fn names<'a>(it: impl Iterator<Item = &'a str>) -> String {
    it.collect::<Vec<_>>().join(", ")
}
