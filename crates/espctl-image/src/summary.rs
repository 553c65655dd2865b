//! image-info as values: what [`crate::info`] prints, for front ends that present it
//! another way (espctl's `--json`).

use espctl_chips::{CHIPS, Chip, FlashFreq, FlashMode, FlashSize};
use sha2::{Digest, Sha256};

use crate::descriptor::{AppDescriptor, BootloaderDescriptor};
use crate::firmware::{FirmwareImage, check_magic, detect_chip};
use crate::ihex::regions_if_hex;
use crate::{ImageError, Segment};

/// One image of a file: a plain binary is one; an Intel HEX file has one per region.
#[derive(Debug, Clone)]
pub struct RegionSummary {
    /// Where an Intel HEX region starts; `None` for a plain binary.
    pub offset: Option<u32>,
    /// Bytes of the region (or of the file).
    pub size: usize,
    /// The image, or why this region is not one (esptool goes on with the next region).
    pub image: Result<ImageSummary, String>,
}

/// What image-info reports about one image.
#[derive(Debug, Clone)]
pub struct ImageSummary {
    /// The chip the image is for (named, or detected from the header).
    pub chip: &'static Chip,
    /// The chip was detected from the header (`--chip auto`).
    pub detected: bool,
    /// Image format version: 1 (ESP8266 v1, ESP32 family), 2 (ESP8266 v2), ...
    pub version: u8,
    /// Entry point; 0 when not set.
    pub entry: u32,
    /// `None` for a size code this chip does not have.
    pub flash_size: Option<FlashSize>,
    /// `None` for a frequency code this chip does not have.
    pub flash_freq: Option<FlashFreq>,
    /// `None` for an unknown mode byte.
    pub flash_mode: Option<FlashMode>,
    /// The ESP32 family's extended header.
    pub extended: Option<ExtendedSummary>,
    /// The segments, as image-info lists them.
    pub segments: Vec<SegmentSummary>,
    /// The checksum byte stored in the image.
    pub checksum_stored: u8,
    /// The checksum of the segments.
    pub checksum_calculated: u8,
    /// The appended SHA-256 (ESP32 family, when the header says there is one): the
    /// digest of the image and whether the stored one equals it.
    pub validation_hash: Option<([u8; 32], bool)>,
    /// The ESP-IDF application description, if the image has one.
    pub app: Option<AppDescriptor>,
    /// The ESP-IDF bootloader description, if the image has one (and no app one).
    pub bootloader: Option<BootloaderDescriptor>,
    /// What esptool warns about while reading the image.
    pub warnings: Vec<String>,
}

/// The extended header of the ESP32 family.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtendedSummary {
    /// The WP pin (0xEE: disabled).
    pub wp_pin: u8,
    /// Drive strengths: clk, q, d, cs0, hd, wp.
    pub drive_strengths: [u8; 6],
    /// The chip ID the image is for.
    pub chip_id: u16,
    /// The chip with that ID, if known.
    pub chip_id_name: Option<&'static str>,
    /// Minimum chip revision, major * 100 + minor.
    pub min_rev_full: u16,
    /// The legacy minimum revision byte.
    pub min_rev: u8,
    /// Maximum chip revision, major * 100 + minor.
    pub max_rev_full: u16,
}

/// One segment as image-info lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SegmentSummary {
    /// Its length.
    pub length: usize,
    /// The load address as image-info shows it (an ESP8266 v2 irom segment: 0).
    pub load_addr: u32,
    /// File offset of its header.
    pub file_offset: usize,
    /// The memory types of its load address (`DROM`, `IRAM`, ...).
    pub memory_types: Vec<&'static str>,
}

/// Summarises a file as image-info reports it: an Intel HEX file region by region (the
/// chip detected in the first region is used for the rest, as esptool does).
pub fn file_summary(
    data: &[u8],
    chip: Option<&'static Chip>,
) -> Result<Vec<RegionSummary>, ImageError> {
    let regions = match regions_if_hex(data) {
        Some(regions) if regions.len() > 1 => regions,
        Some(mut regions) => {
            let (_, data) = regions.remove(0);
            return single(&data, chip);
        }
        None => return single(data, chip),
    };
    let mut chip = chip;
    let mut out = Vec::new();
    for (i, (addr, data)) in regions.iter().enumerate() {
        let detected = match chip {
            None => detect_chip(data),
            Some(c) => check_magic(data).map(|_| c),
        };
        let image = match detected {
            Ok(c) => {
                let summary = summarise(c, chip.is_none(), data)?;
                if i == 0 {
                    chip = Some(c);
                }
                Ok(summary)
            }
            Err(e) => Err(e.to_string()),
        };
        out.push(RegionSummary {
            offset: Some(*addr),
            size: data.len(),
            image,
        });
    }
    Ok(out)
}

fn single(data: &[u8], chip: Option<&'static Chip>) -> Result<Vec<RegionSummary>, ImageError> {
    let detected = match chip {
        None => detect_chip(data)?,
        Some(c) => {
            check_magic(data)?;
            c
        }
    };
    Ok(vec![RegionSummary {
        offset: None,
        size: data.len(),
        image: Ok(summarise(detected, chip.is_none(), data)?),
    }])
}

/// Summarises one image for `chip`.
pub fn summarise(
    chip: &'static Chip,
    detected: bool,
    data: &[u8],
) -> Result<ImageSummary, ImageError> {
    let mut warnings = Vec::new();
    let parsed = FirmwareImage::parse_with_warnings(chip, data, &mut |w| warnings.push(w))?;
    let image = &parsed.image;
    let header = image.header();
    let shown = shown_segments(chip, image);
    let (app, bootloader) = descriptors(&shown);
    let extended = match image {
        FirmwareImage::Esp32(i) => Some(ExtendedSummary {
            wp_pin: i.extended.wp_pin,
            drive_strengths: i.extended.drive_strengths(),
            chip_id: i.extended.chip_id,
            chip_id_name: CHIPS
                .iter()
                .find(|c| c.image_chip_id == Some(i.extended.chip_id))
                .map(|c| c.name),
            min_rev_full: i.extended.min_rev_full,
            min_rev: i.extended.min_rev,
            max_rev_full: i.extended.max_rev_full,
        }),
        _ => None,
    };
    let validation_hash = match image {
        FirmwareImage::Esp32(i) if i.extended.hash_appended => {
            let digest: [u8; 32] = Sha256::digest(&data[..i.data_length()]).into();
            Some((digest, i.digest == Some(digest)))
        }
        _ => None,
    };
    Ok(ImageSummary {
        chip,
        detected,
        version: image.version(),
        entry: header.entry,
        flash_size: chip.flash_size_from_code(header.flash_size_freq & 0xF0),
        flash_freq: chip.flash_freq_from_code(header.flash_size_freq & 0x0F),
        flash_mode: FlashMode::from_code(header.flash_mode),
        extended,
        segments: shown
            .iter()
            .enumerate()
            .map(|(idx, s)| SegmentSummary {
                length: s.segment.data.len(),
                load_addr: s.addr,
                file_offset: parsed.offsets[idx],
                memory_types: s.types.clone(),
            })
            .collect(),
        checksum_stored: image.stored_checksum(),
        checksum_calculated: image.calculate_checksum(),
        validation_hash,
        app: app.and_then(AppDescriptor::parse),
        bootloader: match app {
            Some(_) => None,
            None => bootloader.and_then(BootloaderDescriptor::parse),
        },
        warnings,
    })
}

/// A segment with the address image-info shows and that address's memory types.
pub(crate) struct ShownSegment<'a> {
    pub segment: &'a Segment,
    pub addr: u32,
    pub types: Vec<&'static str>,
}

/// The segments as image-info lists them: a v2 image's irom segment is shown at load
/// address 0, whatever the file says.
pub(crate) fn shown_segments<'a>(chip: &Chip, image: &'a FirmwareImage) -> Vec<ShownSegment<'a>> {
    image
        .segments()
        .into_iter()
        .enumerate()
        .map(|(idx, segment)| {
            let addr = match image {
                FirmwareImage::Esp8266V2(_) if idx == 0 => 0,
                _ => segment.addr,
            };
            ShownSegment {
                segment,
                addr,
                types: chip.image.memory_types(addr),
            }
        })
        .collect()
}

/// Where the descriptions are: the app's in the first DROM segment, the bootloader's
/// in the last DRAM segment of at least 80 bytes (as esptool looks for them).
pub(crate) fn descriptors<'a>(shown: &[ShownSegment<'a>]) -> (Option<&'a [u8]>, Option<&'a [u8]>) {
    let mut app: Option<&[u8]> = None;
    let mut bootloader: Option<&[u8]> = None;
    for s in shown {
        if s.types.contains(&"DROM") && app.is_none() {
            app = Some(&s.segment.data);
        } else if s.types.contains(&"DRAM") && s.segment.data.len() >= 80 {
            bootloader = Some(&s.segment.data);
        }
    }
    (app, bootloader)
}
