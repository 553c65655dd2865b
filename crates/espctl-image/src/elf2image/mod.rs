//! elf2image: an image from an ELF file, laid out byte for byte as esptool 5.6.0 does.

mod esp32_layout;
mod esp8266_layout;
mod mmu;
mod sections;
mod writer;

use espctl_chips::{Chip, FlashFreq, FlashMode, FlashSize, ImageFormat};

use crate::elf::Elf;
use crate::esp32::ExtendedHeader;
use crate::patch::{flash_freq_code, flash_size_code};
use crate::segment::{CommonHeader, MAX_SEGMENTS};
use crate::{ImageError, Message};
use esp32_layout::Layout;
use mmu::PageRules;
use sections::merge_adjacent;
use writer::Writer;

/// ESP8266 image version (`--version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Esp8266Version {
    /// RAM segments in one file, IROM raw in another.
    #[default]
    V1,
    /// One "irom" image with a CRC, for a software bootloader.
    V2,
    /// ESP32-like body without an extended header.
    V3,
}

/// Secure Boot padding (`--secure-pad` / `--secure-pad-v2`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurePad {
    /// Room for digest, version, signature and 12 bytes (ESP32, Secure Boot v1).
    V1,
    /// Room for the digest; the signature sector starts at the next MMU page.
    V2,
}

/// Options of elf2image, defaults as esptool's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elf2ImageOptions {
    /// `--version` (ESP8266 only; ignored for the ESP32 family).
    pub esp8266_version: Esp8266Version,
    /// `--flash-mode`, written to header byte 2 (default QIO).
    pub flash_mode: FlashMode,
    /// `--flash-size`, encoded in the high nibble of header byte 3 (default 1MB).
    /// Errors if the chip has no code for it.
    pub flash_size: FlashSize,
    /// `--flash-freq`, encoded in the low nibble of header byte 3. `None` encodes as 0
    /// (each chip's default frequency).
    pub flash_freq: Option<FlashFreq>,
    /// `--min-rev` (deprecated in esptool): the legacy major-only minimum chip revision,
    /// extended header byte 6.
    pub min_rev: u8,
    /// `--min-rev-full`: minimum chip revision, major * 100 + minor.
    pub min_rev_full: u16,
    /// `--max-rev-full`: maximum chip revision, major * 100 + minor (default 0xFFFF).
    pub max_rev_full: u16,
    /// `--secure-pad` or `--secure-pad-v2`; `V1` is ignored on chips without Secure
    /// Boot v1, as esptool ignores it.
    pub secure_pad: Option<SecurePad>,
    /// Append the SHA-256 of the image after the checksum (default; off with
    /// `--dont-append-digest`, and forced off by `ram_only_header`). ESP32 family only:
    /// ESP8266 v3 images always carry one, v1/v2 never.
    pub append_digest: bool,
    /// `--elf-sha256-offset`: image file offset where the ELF file's SHA-256 is written
    /// (the 32 bytes there must be zero). 0 or none: at 0xB0 (the descriptor's
    /// `app_elf_sha256`) when the app descriptor is in flash, else nowhere.
    pub elf_sha256_offset: Option<u32>,
    /// `--use-segments`: build the image from the PT_LOAD program headers instead of the
    /// sections.
    pub use_segments: bool,
    /// `--flash-mmu-page-size` in bytes. `None`: what the app descriptor says (or, before
    /// ESP-IDF 5.4, where it sits), else the chip's default.
    pub mmu_page_size: Option<u32>,
    /// `--pad-to-size` in bytes: pad the image with 0xFF to a multiple of this (ESP32
    /// family only; 0 is no padding).
    pub pad_to_size: Option<u32>,
    /// `--ram-only-header`: RAM segments first and only they counted in the header, so
    /// that the ROM loads just them; implies no digest.
    pub ram_only_header: bool,
}

impl Default for Elf2ImageOptions {
    fn default() -> Self {
        Elf2ImageOptions {
            esp8266_version: Esp8266Version::V1,
            flash_mode: FlashMode::Qio,
            flash_size: FlashSize::Mb1,
            flash_freq: None,
            min_rev: 0,
            min_rev_full: 0,
            max_rev_full: 0xFFFF,
            secure_pad: None,
            append_digest: true,
            elf_sha256_offset: None,
            use_segments: false,
            mmu_page_size: None,
            pad_to_size: None,
            ram_only_header: false,
        }
    }
}

/// The files elf2image produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Elf2ImageOutput {
    /// ESP8266 v1: the IROM bytes (with their offset in flash) and the RAM image at 0.
    Esp8266V1 {
        /// The IROM section's bytes and its offset in flash (its address minus the start
        /// of the IROM window): esptool writes them to `<prefix>0x<offset>.bin`. `None`
        /// when the ELF has no IROM section.
        irom: Option<(u32, Vec<u8>)>,
        /// The v1 image of the RAM segments, flashed at 0 (`<prefix>0x00000.bin`).
        main: Vec<u8>,
    },
    /// ESP8266 v2: one image.
    Esp8266V2 {
        /// The v2 image bytes.
        image: Vec<u8>,
        /// The IROM section's offset in flash rounded down to a 4 KB sector: the default
        /// output file is named after it (`<ELF name without extension>-0x<offset>.bin`).
        irom_offset: u32,
    },
    /// ESP32 family and ESP8266 v3: one image file.
    Single(Vec<u8>),
}

/// Which kind of image is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Esp8266(Esp8266Version),
    Esp32,
}

/// The chip whose image rules apply (header encodings, memory map, MMU page size):
/// esptool builds ESP8266 v3 images as ESP32 images without the extended header.
fn rules_chip(chip: &Chip, kind: Kind) -> &Chip {
    match kind {
        Kind::Esp8266(Esp8266Version::V3) => &espctl_chips::esp32::ESP32,
        _ => chip,
    }
}

/// Converts an ELF file. Lines esptool prints go to `out` in order (some errors come
/// after `Successfully created ...`, as with esptool).
pub fn elf2image(
    chip: &Chip,
    elf_data: &[u8],
    options: &Elf2ImageOptions,
    out: &mut dyn FnMut(Message),
) -> Result<Elf2ImageOutput, ImageError> {
    let elf = Elf::parse(elf_data, "Image", out)?;
    out(Message::Print(format!("Creating {} image...", chip.name)));
    let kind = match chip.image.format {
        ImageFormat::Esp8266 => Kind::Esp8266(options.esp8266_version),
        ImageFormat::Esp32 => Kind::Esp32,
    };
    let rules = rules_chip(chip, kind);
    let is_flash = |addr: u32| match kind {
        // A v3 image maps everything above the start of the IROM window.
        Kind::Esp8266(Esp8266Version::V3) => addr > chip.image.irom.start,
        Kind::Esp8266(_) => false,
        Kind::Esp32 => chip.image.is_flash_addr(addr),
    };
    let page_rules = PageRules {
        chip: rules,
        is_flash: &is_flash,
    };
    let page = mmu::page_size(&page_rules, options.mmu_page_size, &elf, out)?;

    let mut sections = if options.use_segments {
        elf.segments.clone()
    } else {
        elf.sections.clone()
    };
    let size_code = flash_size_code(rules, options.flash_size)?;
    let freq_code = match options.flash_freq {
        None => 0,
        Some(f) => flash_freq_code(rules, f)?,
    };
    let header = CommonHeader {
        flash_mode: options.flash_mode.code(),
        flash_size_freq: size_code.wrapping_add(freq_code),
        entry: elf.entry,
    };

    // The ELF's SHA-256 goes where asked, else at 0xB0 of an app whose descriptor is in
    // flash (its `app_elf_sha256` field).
    let elf_sha = match options.elf_sha256_offset {
        Some(offset) if offset != 0 => Some(offset),
        _ => sections
            .iter()
            .find(|s| s.name.contains(".flash.appdesc"))
            .filter(|s| is_flash(s.addr))
            .map(|_| 0xB0),
    }
    .map(|offset| (offset, elf.sha256));

    if options.ram_only_header {
        out(Message::Print(
            "Image has only RAM segments visible. ROM segments are hidden and SHA256 digest is not appended.".into(),
        ));
        sections.sort_by_key(|s| s.addr);
    }
    let before = sections.len();
    let pad_for_alignment = options.ram_only_header && kind == Kind::Esp32;
    let sections = merge_adjacent(rules, sections, pad_for_alignment, out);
    if sections.len() != before {
        let delta = before - sections.len();
        out(Message::Print(format!(
            "Merged {delta} ELF section{}.",
            if delta > 1 { "s" } else { "" }
        )));
    }
    if sections.len() > MAX_SEGMENTS {
        return Err(ImageError::TooManySegments(sections.len()));
    }
    if sections.is_empty() {
        return Err(ImageError::NothingToLoad);
    }
    out(Message::Print(format!(
        "Successfully created {} image.",
        chip.name
    )));

    let w = Writer::new(elf_sha);
    match kind {
        Kind::Esp8266(Esp8266Version::V1) => esp8266_layout::v1(chip, w, header, sections),
        Kind::Esp8266(Esp8266Version::V2) => esp8266_layout::v2(chip, w, header, sections),
        // v3 images always carry a digest (esptool ignores --dont-append-digest here).
        Kind::Esp8266(Esp8266Version::V3) => Ok(Elf2ImageOutput::Single(esp32_layout::esp8266_v3(
            w, header, sections, page, &is_flash,
        )?)),
        Kind::Esp32 => {
            let mut extended = ExtendedHeader::new(chip.image_chip_id.unwrap_or(0));
            extended.min_rev = options.min_rev;
            extended.min_rev_full = options.min_rev_full;
            extended.max_rev_full = options.max_rev_full;
            let append_digest = options.append_digest && !options.ram_only_header;
            extended.hash_appended = append_digest;
            let secure_pad = match options.secure_pad {
                Some(SecurePad::V1) if !chip.image.secure_boot_v1 => None,
                other => other,
            };
            let layout = Layout {
                chip,
                page,
                append_digest,
                secure_pad,
                ram_only_header: options.ram_only_header,
            };
            let mut image = esp32_layout::write(w, header, extended, sections, &layout, &is_flash)?;
            if let Some(size) = options.pad_to_size.filter(|&s| s != 0) {
                let rem = image.len() % size as usize;
                if rem != 0 {
                    image.resize(image.len() + size as usize - rem, 0xFF);
                }
            }
            Ok(Elf2ImageOutput::Single(image))
        }
    }
}
