//! `image-info --json`: espctl-image's summary of each image in the file.

use super::hex;
use espctl_image::summary::{ExtendedSummary, ImageSummary, RegionSummary, SegmentSummary};
use serde::Serialize;

/// `image-info`.
#[derive(Debug, Serialize)]
pub struct ImageInfoJson {
    /// The file as named.
    pub file: String,
    pub file_size: usize,
    /// One image for a binary file, one per region for an Intel HEX file.
    pub images: Vec<RegionJson>,
}

/// One image of the file.
#[derive(Debug, Serialize)]
pub struct RegionJson {
    /// Where an Intel HEX region starts; `null` for a binary file.
    pub offset: Option<u32>,
    pub size: usize,
    /// Why the region is not an image (then no other fields follow).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(flatten)]
    pub image: Option<ImageJson>,
}

/// What image-info reports about one image.
#[derive(Debug, Serialize)]
pub struct ImageJson {
    /// `ESP32`, `ESP8266`.
    pub chip: &'static str,
    /// The chip was recognised from the image (no `--chip`).
    pub chip_detected: bool,
    pub image_version: u8,
    /// `null` when not set.
    pub entry_point: Option<u32>,
    /// `4MB`, `40m`, `dio`; `null` for a value the chip does not have.
    pub flash_size: Option<String>,
    pub flash_freq: Option<&'static str>,
    pub flash_mode: Option<&'static str>,
    /// ESP32 family only.
    pub extended_header: Option<ExtendedJson>,
    pub segments: Vec<SegmentJson>,
    pub checksum: ChecksumJson,
    /// The appended SHA-256, when the image has one.
    pub validation_hash: Option<HashJson>,
    pub application: Option<AppJson>,
    pub bootloader: Option<BootloaderJson>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct ExtendedJson {
    pub wp_pin: u8,
    pub wp_pin_disabled: bool,
    pub clk_drv: u8,
    pub q_drv: u8,
    pub d_drv: u8,
    pub cs0_drv: u8,
    pub hd_drv: u8,
    pub wp_drv: u8,
    pub chip_id: u16,
    /// The chip with that ID; `null` when unknown.
    pub chip_id_name: Option<&'static str>,
    /// `v3.0`.
    pub min_chip_revision: String,
    pub legacy_min_chip_revision: u8,
    pub max_chip_revision: String,
}

#[derive(Debug, Serialize)]
pub struct SegmentJson {
    pub length: usize,
    pub load_address: u32,
    pub file_offset: usize,
    pub memory_types: Vec<&'static str>,
}

#[derive(Debug, Serialize)]
pub struct ChecksumJson {
    pub stored: u8,
    pub calculated: u8,
    pub valid: bool,
}

#[derive(Debug, Serialize)]
pub struct HashJson {
    pub sha256: String,
    pub valid: bool,
}

#[derive(Debug, Serialize)]
pub struct AppJson {
    pub project_name: String,
    pub version: String,
    /// `date time` as stored (`Mar  4 2024 10:11:12`).
    pub compile_time: String,
    pub elf_sha256: String,
    pub idf_version: String,
    /// `0.0`.
    pub min_efuse_block_revision: String,
    pub max_efuse_block_revision: String,
    /// `null` when the app does not say (before ESP-IDF 5.4).
    pub mmu_page_size_kb: Option<u32>,
    pub secure_version: u32,
}

#[derive(Debug, Serialize)]
pub struct BootloaderJson {
    pub version: u32,
    pub idf_version: String,
    pub compile_time: String,
}

/// `major.minor` of a `major * 100 + minor` revision.
fn revision(full: u16) -> String {
    format!("{}.{}", full / 100, full % 100)
}

impl ImageInfoJson {
    pub fn new(file: String, file_size: usize, regions: Vec<RegionSummary>) -> ImageInfoJson {
        ImageInfoJson {
            file,
            file_size,
            images: regions.into_iter().map(RegionJson::new).collect(),
        }
    }
}

impl RegionJson {
    fn new(region: RegionSummary) -> RegionJson {
        let (image, error) = match region.image {
            Ok(image) => (Some(ImageJson::new(image)), None),
            Err(e) => (None, Some(e)),
        };
        RegionJson {
            offset: region.offset,
            size: region.size,
            error,
            image,
        }
    }
}

impl ImageJson {
    fn new(s: ImageSummary) -> ImageJson {
        ImageJson {
            chip: s.chip.name,
            chip_detected: s.detected,
            image_version: s.version,
            entry_point: (s.entry != 0).then_some(s.entry),
            flash_size: s.flash_size.map(|f| f.to_string()),
            flash_freq: s.flash_freq.map(|f| f.name()),
            flash_mode: s.flash_mode.map(|m| m.name()),
            extended_header: s.extended.map(ExtendedJson::new),
            segments: s.segments.into_iter().map(SegmentJson::new).collect(),
            checksum: ChecksumJson {
                stored: s.checksum_stored,
                calculated: s.checksum_calculated,
                valid: s.checksum_stored == s.checksum_calculated,
            },
            validation_hash: s.validation_hash.map(|(digest, valid)| HashJson {
                sha256: hex(&digest),
                valid,
            }),
            application: s.app.map(|a| AppJson {
                mmu_page_size_kb: a.mmu_page_size_kb().and_then(|kb| u32::try_from(kb).ok()),
                project_name: a.project_name,
                version: a.version,
                compile_time: format!("{} {}", a.date, a.time),
                elf_sha256: hex(&a.app_elf_sha256),
                idf_version: a.idf_ver,
                min_efuse_block_revision: revision(a.min_efuse_blk_rev_full),
                max_efuse_block_revision: revision(a.max_efuse_blk_rev_full),
                secure_version: a.secure_version,
            }),
            bootloader: s.bootloader.map(|b| BootloaderJson {
                version: b.version,
                idf_version: b.idf_ver,
                compile_time: b.date_time,
            }),
            warnings: s.warnings,
        }
    }
}

impl ExtendedJson {
    fn new(e: ExtendedSummary) -> ExtendedJson {
        let [clk_drv, q_drv, d_drv, cs0_drv, hd_drv, wp_drv] = e.drive_strengths;
        ExtendedJson {
            wp_pin: e.wp_pin,
            wp_pin_disabled: e.wp_pin == espctl_image::esp32::WP_PIN_DISABLED,
            clk_drv,
            q_drv,
            d_drv,
            cs0_drv,
            hd_drv,
            wp_drv,
            chip_id: e.chip_id,
            chip_id_name: e.chip_id_name,
            min_chip_revision: format!("v{}", revision(e.min_rev_full)),
            legacy_min_chip_revision: e.min_rev,
            max_chip_revision: format!("v{}", revision(e.max_rev_full)),
        }
    }
}

impl SegmentJson {
    fn new(s: SegmentSummary) -> SegmentJson {
        SegmentJson {
            length: s.length,
            load_address: s.load_addr,
            file_offset: s.file_offset,
            memory_types: s.memory_types,
        }
    }
}
