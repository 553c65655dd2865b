//! `--esp8266-init-data FILE` and `--esp8266-blank`: the Non-OS SDK's PHY init data and
//! a blank system-parameter sector, placed where the SDK looks for them. That depends on
//! the flash size the image at 0x0 declares (after `-fs`), not on the chip: a header
//! declaring less than the chip has is a known cause of boot loops, so it is reported.

use super::super::{FlashFile, plan};
use crate::error::{Error, Result};
use crate::event::Event;
use crate::session::Session;
use espctl_chips::{ChipKind, FLASH_SECTOR_SIZE, FlashSize};
use espctl_image::esp8266_flash_map::sdk_areas;
use espctl_image::segment::IMAGE_MAGIC;

/// The SDK areas a write adds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Esp8266Areas {
    /// `esp_init_data_default.bin`, written at flash size − 0x4000.
    pub init_data: Option<Vec<u8>>,
    /// A blank sector at flash size − 0x2000 (clears the SDK's system parameters).
    pub blank: bool,
}

impl Esp8266Areas {
    /// Whether anything is asked for.
    pub fn requested(&self) -> bool {
        self.init_data.is_some() || self.blank
    }
}

impl Session {
    /// Adds the SDK areas to `files`, for the flash size the write leaves declared:
    /// `set` (from `-fs`), else the header of the image at 0x0, else the detected size.
    pub(super) fn add_esp8266_areas(
        &mut self,
        files: &mut Vec<FlashFile>,
        areas: &Esp8266Areas,
        set: Option<FlashSize>,
        detected: Option<FlashSize>,
    ) -> Result<()> {
        let chip = self.chip;
        if chip.kind != ChipKind::Esp8266 {
            return Err(Error::NotEsp8266 { chip: chip.name });
        }
        let from_header = files
            .iter()
            .find(|f| f.addr == chip.bootloader_offset)
            .filter(|f| f.data.len() >= 4 && f.data[0] == IMAGE_MAGIC)
            .and_then(|f| chip.flash_size_from_code(f.data[3] & 0xF0));
        let declared = set
            .or(from_header)
            .or(detected)
            .ok_or(Error::FlashSizeUnknown)?;
        let at = sdk_areas(declared);
        if let Some(detected) = detected
            && detected.bytes() != declared.bytes()
        {
            self.emit(Event::DeclaredSizeDiffers { declared, detected });
        }
        self.emit(Event::Esp8266Areas {
            declared,
            init_data: areas.init_data.as_ref().map(|_| at.init_data),
            blank: areas.blank.then_some(at.blank),
        });
        if let Some(init) = &areas.init_data {
            files.push(FlashFile::new(
                at.init_data,
                init.clone(),
                Some("esp_init_data_default.bin".into()),
            ));
        }
        if areas.blank {
            files.push(FlashFile::new(
                at.blank,
                vec![0xFF; FLASH_SECTOR_SIZE as usize],
                Some("blank sector".into()),
            ));
        }
        plan::check_layout(files)
    }
}
