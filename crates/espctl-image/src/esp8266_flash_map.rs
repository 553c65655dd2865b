//! Where ESP8266 firmware keeps things in flash, by the flash size its image header
//! declares: the Non-OS SDK's system areas (RF calibration, PHY init data, system
//! parameters) and the ESP8266 Arduino core's layout (eboot, sketch, OTA space, file
//! system, EEPROM), with the largest image an over-the-air update can still take.
//!
//! SDK areas (Non-OS SDK 2.x, NodeMCU's flash documentation): the last four sectors are
//! the init data and three sectors of system parameters; the SDK examples put the RF
//! calibration sector just below. The SDK derives all of it from the size in the image
//! header at 0x0, not from the chip: a header declaring 1MB on a 4MB chip looks for its
//! init data at 0xfc000.
//!
//! Arduino layout (`tools/boards.txt.py`, `flash_map()`): from the top, 12KB SDK Wi-Fi
//! settings, 4KB RF calibration, 4KB EEPROM, then the file system; the sketch starts at
//! 0x1000 after the 4KB eboot loader. An OTA update stages the new image between the
//! running one and the file system (the EEPROM when there is none), both rounded up to
//! whole sectors (the core's `Updater`).

use crate::ImageError;
use espctl_chips::{FLASH_SECTOR_SIZE, FlashSize};
use std::ops::Range;

const KB: u32 = 1024;

/// Where the Non-OS SDK looks for its data on a flash of a given (declared) size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SdkAreas {
    /// The RF calibration sector of the SDK 2.x examples (size − 0x5000).
    pub rf_cal: u32,
    /// `esp_init_data_default.bin`, the 128-byte PHY init table (size − 0x4000).
    pub init_data: u32,
    /// The three sectors of system parameters (Wi-Fi settings), the last of the flash.
    pub system_params: Range<u32>,
    /// Where `blank.bin` goes to clear the system parameters (size − 0x2000).
    pub blank: u32,
}

/// The SDK's areas on a flash whose image header declares `size`.
pub fn sdk_areas(size: FlashSize) -> SdkAreas {
    let end = size.bytes();
    SdkAreas {
        rf_cal: end - 0x5000,
        init_data: end - 0x4000,
        system_params: end - 0x3000..end,
        blank: end - 0x2000,
    }
}

/// The ESP8266 Arduino core's layout of one flash size and file system size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArduinoLayout {
    /// The flash size.
    pub flash: u32,
    /// The eboot loader (the first sector).
    pub eboot: Range<u32>,
    /// Where the sketch starts (0x1000) and the most it may take (`upload.maximum_size`:
    /// at most 1MB − 4112 bytes, what the flash cache maps).
    pub sketch: Range<u32>,
    /// The file system, when it has a size (its end rounded down to its block size:
    /// 4KB below 512KB, else 8KB).
    pub file_system: Option<Range<u32>>,
    /// The EEPROM emulation sector.
    pub eeprom: Range<u32>,
    /// The RF calibration sector (`build.rfcal_addr`).
    pub rf_cal: Range<u32>,
    /// The SDK's Wi-Fi settings (three sectors).
    pub sdk_wifi: Range<u32>,
    /// Where an OTA update's staged image must end: the file system's start, or the
    /// EEPROM's when there is no file system.
    pub ota_limit: u32,
}

/// The file system sizes the Arduino IDE offers for a flash size ("Flash Size" menu),
/// smallest first (0: none).
pub fn arduino_fs_sizes(flash: u32) -> &'static [u32] {
    match flash / KB {
        512 => &[0, 32 * KB, 64 * KB, 128 * KB],
        1024 => &[
            0,
            64 * KB,
            128 * KB,
            144 * KB,
            160 * KB,
            192 * KB,
            256 * KB,
            512 * KB,
        ],
        2048 => &[0, 64 * KB, 128 * KB, 256 * KB, 512 * KB, 1024 * KB],
        4096 => &[0, 1024 * KB, 2048 * KB, 3072 * KB],
        8192 => &[6144 * KB, 7168 * KB],
        16384 => &[14336 * KB, 15360 * KB],
        _ => &[],
    }
}

/// The Arduino core's layout of a `flash`-byte chip with a file system of `fs` bytes
/// (0: none). Refuses a file system that leaves no room for a sketch.
pub fn arduino_layout(flash: u32, fs: u32) -> Result<ArduinoLayout, ImageError> {
    const EBOOT: u32 = 4 * KB;
    /// eboot's sector and the 16-byte image header before the sketch's code.
    const RESERVED: u32 = 4112;
    const SDK_WIFI: u32 = 12 * KB;
    const RF_CAL: u32 = 4 * KB;
    const EEPROM: u32 = 4 * KB;
    let top = SDK_WIFI + RF_CAL + EEPROM;
    if flash < 256 * KB || !flash.is_power_of_two() || !fs.is_multiple_of(FLASH_SECTOR_SIZE) {
        return Err(ImageError::Layout(format!(
            "no Arduino layout for {flash:#x} bytes of flash with {fs:#x} bytes of file system"
        )));
    }
    let eeprom_start = flash - top;
    let no_room = || {
        ImageError::Layout(format!(
            "a file system of {} KB leaves no room for a sketch in {} KB of flash",
            fs / KB,
            flash / KB
        ))
    };
    let (max_sketch, fs_start) = if flash <= 1024 * KB {
        let fs_start = eeprom_start.checked_sub(fs).ok_or_else(no_room)?;
        let max_sketch = fs_start
            .checked_sub(RESERVED)
            .filter(|&s| s > 0)
            .ok_or_else(no_room)?;
        (max_sketch, fs_start)
    } else {
        // Above 1MB the sketch space is what the flash cache maps, and the file
        // system's nominal size counts from the top of the flash.
        let max_sketch = 1024 * KB - RESERVED;
        if fs == 0 {
            (max_sketch, flash)
        } else {
            let fs_start = flash.checked_sub(fs).ok_or_else(no_room)?;
            if fs_start < EBOOT + max_sketch || fs_start >= eeprom_start {
                return Err(no_room());
            }
            (max_sketch, fs_start)
        }
    };
    let file_system = (fs > 0).then(|| {
        let block = if fs < 512 * KB { 4 * KB } else { 8 * KB };
        let end = fs_start + (eeprom_start - fs_start) / block * block;
        fs_start..end
    });
    let rf_cal = eeprom_start + EEPROM;
    Ok(ArduinoLayout {
        flash,
        eboot: 0..EBOOT,
        sketch: EBOOT..EBOOT + max_sketch,
        ota_limit: file_system.as_ref().map_or(eeprom_start, |f| f.start),
        file_system,
        eeprom: eeprom_start..rf_cal,
        rf_cal: rf_cal..rf_cal + RF_CAL,
        sdk_wifi: rf_cal + RF_CAL..flash,
    })
}

impl ArduinoLayout {
    /// The largest file an OTA update may carry: the image as uploaded starts at 0x0
    /// (eboot's sector included) and must end within the sketch space.
    pub fn max_upload(&self) -> u32 {
        self.sketch.end
    }

    /// The largest image that can replace a running image of the same size over the air.
    pub fn max_ota_image(&self) -> u32 {
        let half = self.ota_limit / 2;
        (half / FLASH_SECTOR_SIZE * FLASH_SECTOR_SIZE).min(self.max_upload())
    }

    /// Whether an image of `new` bytes can be written over the air while an image of
    /// `running` bytes runs. The core's Updater stages the new image as high as it can,
    /// ending at the OTA limit, and refuses when that start falls below the running image's
    /// end; both are counted from 0x0 and rounded up to whole sectors (`Updater::begin`).
    pub fn ota_fits(&self, running: u32, new: u32) -> bool {
        new <= self.max_upload() && sectors(running) + sectors(new) <= self.ota_limit as u64
    }

    /// The largest image that can follow a running image of `running` bytes over the air
    /// (the second step of a two-step update, after a small image).
    pub fn max_ota_after(&self, running: u32) -> u32 {
        let free = (self.ota_limit as u64).saturating_sub(sectors(running)) as u32;
        free.min(self.max_upload())
    }
}

/// Bytes of whole sectors that `n` bytes take.
fn sectors(n: u32) -> u64 {
    n.div_ceil(FLASH_SECTOR_SIZE) as u64 * FLASH_SECTOR_SIZE as u64
}

/// What an OTA update of an image needs on a layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtaVerdict {
    /// It replaces a running image of its own size in one update.
    Fits,
    /// Too large for one update over itself; an update from a running image of at most
    /// `max_running` bytes takes it (a two-step update: a small image first).
    TwoStep {
        /// The largest running image it can follow.
        max_running: u32,
    },
    /// It cannot be written over the air on this layout at all (larger than the sketch
    /// space, or no room beside even the smallest running image).
    TooLarge,
}

impl ArduinoLayout {
    /// Whether `image` bytes update in one step, two, or not at all.
    pub fn ota_verdict(&self, image: u32) -> OtaVerdict {
        if self.ota_fits(image, image) {
            return OtaVerdict::Fits;
        }
        let room = self.ota_limit as u64;
        let needed = sectors(image);
        // The smallest running image is eboot's sector and one more.
        if image > self.max_upload() || needed + 2 * FLASH_SECTOR_SIZE as u64 > room {
            return OtaVerdict::TooLarge;
        }
        OtaVerdict::TwoStep {
            max_running: (room - needed) as u32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sdk_areas_follow_the_declared_size() {
        // NodeMCU's table: init data at 0x7c000 (512KB) and 0x3fc000 (4MB).
        let a = sdk_areas(FlashSize::Kb512);
        assert_eq!(
            (a.rf_cal, a.init_data, a.blank),
            (0x7B000, 0x7C000, 0x7E000)
        );
        assert_eq!(a.system_params, 0x7D000..0x80000);
        for (size, init, blank) in [
            (FlashSize::Mb1, 0xFC000, 0xFE000),
            (FlashSize::Mb2, 0x1FC000, 0x1FE000),
            (FlashSize::Mb2C1, 0x1FC000, 0x1FE000),
            (FlashSize::Mb4, 0x3FC000, 0x3FE000),
            (FlashSize::Mb4C1, 0x3FC000, 0x3FE000),
            (FlashSize::Mb8, 0x7FC000, 0x7FE000),
            (FlashSize::Mb16, 0xFFC000, 0xFFE000),
        ] {
            let a = sdk_areas(size);
            assert_eq!((a.init_data, a.blank), (init, blank), "{size}");
        }
    }

    /// The figures `boards.txt.py` prints for the menu ("1MB (FS:none OTA:~502KB)") and
    /// the ld scripts, derived by hand from its rules.
    #[test]
    fn arduino_layouts_match_the_core() {
        // 1MB, no FS: EEPROM at 1024-20 KB = 0xFB000; sketch 1004 KB - 4112 bytes.
        let l = arduino_layout(1 << 20, 0).unwrap();
        assert_eq!(l.eeprom, 0xFB000..0xFC000);
        assert_eq!(l.rf_cal, 0xFC000..0xFD000);
        assert_eq!(l.sdk_wifi, 0xFD000..0x100000);
        assert_eq!(l.sketch.len() as u32, 1004 * 1024 - 4112);
        assert_eq!(l.file_system, None);
        assert_eq!(l.ota_limit, 0xFB000);
        // ESPurna's figure: two images of 125 sectors fit, 512000 bytes.
        assert_eq!(l.max_ota_image(), 512_000);
        assert!(l.ota_fits(512_000, 512_000));
        assert!(!l.ota_fits(512_001, 512_001));
        // After a 290KB core image (73 sectors), 712KB: ESPurna's "up to ~712Kb".
        assert_eq!(l.max_ota_after(290 * 1024), 0xFB000 - 73 * 4096);
        assert_eq!(l.max_ota_after(290 * 1024) / 1024, 712);

        // 1MB with 64KB FS: FS 0xEB000..0xFB000, sketch 940 KB - 4112.
        let l = arduino_layout(1 << 20, 64 * 1024).unwrap();
        assert_eq!(l.file_system, Some(0xEB000..0xFB000));
        assert_eq!(l.sketch.len() as u32, 940 * 1024 - 4112);
        assert_eq!(l.ota_limit, 0xEB000);

        // 4MB with 1MB FS: sketch capped at 1MB - 4112; FS 0x300000 up to the EEPROM
        // (8KB blocks: 0x3FB000 - 0x300000 = 1004 KB, rounded down to 1000 KB).
        let l = arduino_layout(4 << 20, 1 << 20).unwrap();
        assert_eq!(l.sketch.len() as u32, 1024 * 1024 - 4112);
        assert_eq!(l.file_system, Some(0x300000..0x3FA000));
        assert_eq!(l.rf_cal.start, 0x3FC000);
        // An image as large as the sketch space (with eboot's sector: 1MB - 16 bytes)
        // still fits twice below 3MB.
        assert_eq!(l.max_ota_image(), 1024 * 1024 - 16);

        // 512KB, no FS: the sketch space (487 KB) cannot hold two images of its size.
        let l = arduino_layout(512 << 10, 0).unwrap();
        assert_eq!(l.sketch.len() as u32, 492 * 1024 - 4112);
        assert_eq!(l.max_ota_image(), 0x3D000);

        assert!(arduino_layout(1 << 20, 1 << 20).is_err());
        assert!(arduino_layout(3 << 20, 0).is_err());
    }

    #[test]
    fn ota_verdicts() {
        let l = arduino_layout(1 << 20, 0).unwrap();
        assert_eq!(l.ota_verdict(400_000), OtaVerdict::Fits);
        match l.ota_verdict(700_000) {
            OtaVerdict::TwoStep { max_running } => {
                assert_eq!(max_running, 0xFB000 - 700_416);
                assert!(l.ota_fits(max_running, 700_000));
                assert!(!l.ota_fits(max_running + 1, 700_000));
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(l.ota_verdict(1_100_000), OtaVerdict::TooLarge);
    }
}
