//! The ESP8266 core's `Updater` (`cores/esp8266/Updater.cpp`) over [`DeviceState`]: the
//! space rules of `begin`, sector-by-sector writing, the header checks and the MD5 of
//! `end`, and the eboot copy a finished firmware update leaves for the next boot.
//!
//! Where things go (reference section 1.6/1.7): a firmware image is staged as high as it
//! can be, ending at the layout's OTA limit (the file system's start, or the EEPROM's
//! when there is none), and refused when that start falls below the running image's end;
//! both are rounded up to whole sectors. A file system image is written over the file
//! system area itself.

use crate::events::DeviceEvent;
use crate::state::{DeviceState, EbootCopy, SECTOR, magic_flash_chip_size, round_up_sector};
use espctl_ota::wire::{UpdateTarget, UpdaterError};
use md5::{Digest, Md5};

const GZIP_MAGIC: [u8; 2] = [0x1F, 0x8B];
const IMAGE_MAGIC: u8 = 0xE9;
/// Header byte 2, the flash mode, which the Updater sets to the running one.
const FLASH_MODE_OFFSET: usize = 2;

/// One update in progress.
#[derive(Debug)]
pub struct Update {
    target: UpdateTarget,
    start: u32,
    size: u32,
    /// Bytes programmed so far (`progress()`).
    written: u32,
    /// Bytes taken but not yet programmed (less than a sector).
    buffer: Vec<u8>,
    md5: Md5,
    error: Option<UpdaterError>,
}

/// The core's error `code`, with the flash sizes its flash-config texts quote.
fn updater_error(dev: &DeviceState, code: u8) -> UpdaterError {
    UpdaterError::esp8266(code, dev.flash_size(), dev.declared_flash_size())
}

impl Update {
    /// `Update.begin(size, command)`: the space check; a firmware image is staged as high
    /// as possible below the layout's OTA limit, a file system image goes over the file
    /// system area.
    pub fn begin(
        dev: &mut DeviceState,
        size: u32,
        target: UpdateTarget,
    ) -> Result<Update, UpdaterError> {
        let start = Self::place(dev, size, target).inspect_err(|error| {
            dev.emit(DeviceEvent::Refused {
                error: error.clone(),
            })
        })?;
        dev.emit(DeviceEvent::UpdateBegun {
            target,
            at: start,
            size,
        });
        Ok(Update {
            target,
            start,
            size,
            written: 0,
            buffer: Vec::with_capacity(SECTOR as usize),
            md5: Md5::new(),
            error: None,
        })
    }

    /// Where an image of `size` bytes goes, or why it cannot.
    fn place(dev: &DeviceState, size: u32, target: UpdateTarget) -> Result<u32, UpdaterError> {
        if size == 0 {
            return Err(updater_error(dev, UpdaterError::SIZE));
        }
        // `ESP.checkFlashConfig`: the running image may not declare more than the chip.
        if dev.declared_flash_size() > dev.flash_size() {
            return Err(updater_error(dev, UpdaterError::FLASH_CONFIG));
        }
        let rounded = round_up_sector(size);
        let layout = dev.layout();
        let space = || updater_error(dev, UpdaterError::SPACE);
        match target {
            UpdateTarget::Firmware => {
                let start = u64::from(layout.ota_limit).saturating_sub(rounded);
                if start < round_up_sector(dev.running_len()) {
                    return Err(space());
                }
                Ok(start as u32)
            }
            UpdateTarget::FileSystem => {
                let fs = layout.file_system.clone().ok_or_else(space)?;
                if u64::from(fs.start) + rounded > u64::from(fs.end) {
                    return Err(space());
                }
                Ok(fs.start)
            }
        }
    }

    /// What the update replaces.
    pub fn target(&self) -> UpdateTarget {
        self.target
    }

    /// Where the image is written (a firmware image's staging address).
    pub fn start(&self) -> u32 {
        self.start
    }

    /// The size announced at `begin`.
    pub fn size(&self) -> u32 {
        self.size
    }

    /// Bytes programmed into the flash so far (`Update.progress()`).
    pub fn progress(&self) -> u32 {
        self.written
    }

    /// Bytes the update still takes.
    pub fn remaining(&self) -> u32 {
        self.size - self.written - self.buffer.len() as u32
    }

    /// Whether every byte announced has been programmed.
    pub fn is_finished(&self) -> bool {
        self.written == self.size
    }

    /// The error that ended the update, if one did.
    pub fn error(&self) -> Option<&UpdaterError> {
        self.error.as_ref()
    }

    /// `Update.write`: takes `data` (all of it; more than [`Update::remaining`] is the
    /// core's "Not Enough Space"), programming whole sectors as they fill up and the rest
    /// once the image is complete. The first bytes of a firmware image are checked: magic
    /// 0xE9 (or gzip `1F 8B` when the core takes gzip), and a declared flash size no larger
    /// than the chip. Returns how many bytes it took (what ArduinoOTA acknowledges).
    pub fn write(&mut self, dev: &mut DeviceState, data: &[u8]) -> Result<usize, UpdaterError> {
        if let Some(error) = &self.error {
            return Err(error.clone());
        }
        if data.is_empty() {
            return Ok(0);
        }
        if data.len() as u64 > u64::from(self.remaining()) {
            return Err(self.fail(dev, UpdaterError::SPACE));
        }
        if self.written == 0 && self.buffer.is_empty() {
            self.check_header(dev, data)?;
        }
        let mut rest = data;
        while !rest.is_empty() {
            let take = rest.len().min(SECTOR as usize - self.buffer.len());
            self.buffer.extend_from_slice(&rest[..take]);
            rest = &rest[take..];
            if self.buffer.len() == SECTOR as usize || self.remaining() == 0 {
                self.flush(dev)?;
            }
        }
        Ok(data.len())
    }

    /// The first bytes of a firmware image (ESPurna checks the first chunk the same way
    /// before it writes anything).
    fn check_header(&mut self, dev: &DeviceState, first: &[u8]) -> Result<(), UpdaterError> {
        if self.target != UpdateTarget::Firmware {
            return Ok(());
        }
        match first {
            [first, ..] if *first == GZIP_MAGIC[0] && dev.accepts_gzip() => Ok(()),
            [IMAGE_MAGIC, _, _, byte3, ..] if magic_flash_chip_size(*byte3) > dev.flash_size() => {
                Err(self.fail(dev, UpdaterError::NEW_FLASH_CONFIG))
            }
            [IMAGE_MAGIC, ..] => Ok(()),
            _ => Err(self.fail(dev, UpdaterError::MAGIC_BYTE)),
        }
    }

    /// Programs the buffer at the current address, erasing each sector as it is entered.
    /// The first page of an uncompressed firmware image gets the running flash mode in
    /// its header; the MD5 is of the bytes as sent.
    fn flush(&mut self, dev: &mut DeviceState) -> Result<(), UpdaterError> {
        let at = self.start + self.written;
        if at.is_multiple_of(SECTOR) && dev.erase_sector(at).is_err() {
            return Err(self.fail(dev, UpdaterError::ERASE));
        }
        let mut page = std::mem::take(&mut self.buffer);
        self.md5.update(&page);
        let first_page = self.written == 0;
        if first_page
            && self.target == UpdateTarget::Firmware
            && page.len() > FLASH_MODE_OFFSET
            && page[0] != GZIP_MAGIC[0]
        {
            page[FLASH_MODE_OFFSET] = dev.flash_mode();
        }
        if dev.program(at, &page).is_err() {
            return Err(self.fail(dev, UpdaterError::WRITE));
        }
        self.written += page.len() as u32;
        page.clear();
        self.buffer = page;
        Ok(())
    }

    /// Ends the update with `code` (reported once).
    fn fail(&mut self, dev: &DeviceState, code: u8) -> UpdaterError {
        self.fail_with(dev, updater_error(dev, code))
    }

    fn fail_with(&mut self, dev: &DeviceState, error: UpdaterError) -> UpdaterError {
        if self.error.is_none() {
            dev.emit(DeviceEvent::UpdateFailed {
                received: self.written + self.buffer.len() as u32,
                size: self.size,
                error: error.clone(),
            });
            self.error = Some(error.clone());
        }
        error
    }

    /// Ends the update with an error from outside the updater (ArduinoOTA's stream
    /// timeout); reports it and returns it.
    pub fn abort(mut self, dev: &mut DeviceState, error: UpdaterError) -> UpdaterError {
        self.fail_with(dev, error)
    }

    /// `Update.end(evenIfRemaining)`: an unfinished update fails (with the core's
    /// "No Error", code 0) unless `even_if_remaining`, which ends the image where it
    /// stopped. Then the MD5 (when a 32-digit one is given), and for firmware the magic
    /// byte and declared flash size of what was written. On success a firmware update
    /// leaves the eboot copy for the next boot; a file system update is already in place.
    pub fn end(
        mut self,
        dev: &mut DeviceState,
        expected_md5: Option<&str>,
        even_if_remaining: bool,
    ) -> Result<(), UpdaterError> {
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        if !self.is_finished() {
            if !even_if_remaining {
                return Err(self.fail_with(dev, updater_error(dev, 0)));
            }
            if !self.buffer.is_empty() {
                self.flush(dev)?;
            }
            self.size = self.written;
        }
        let md5 = hex(&self.md5.clone().finalize());
        if let Some(expected) = expected_md5.filter(|m| m.len() == 32)
            && !expected.eq_ignore_ascii_case(&md5)
        {
            return Err(self.fail(dev, UpdaterError::MD5));
        }
        if self.target == UpdateTarget::Firmware {
            self.verify_end(dev)?;
            dev.set_pending_copy(EbootCopy {
                from: self.start,
                len: self.size,
            });
        }
        dev.emit(DeviceEvent::UpdateDone {
            target: self.target,
            at: self.start,
            size: self.size,
        });
        Ok(())
    }

    /// `_verifyEnd`: what was written starts with gzip (taken as is) or an image header
    /// whose declared flash size fits the chip.
    fn verify_end(&mut self, dev: &DeviceState) -> Result<(), UpdaterError> {
        let at = self.start as usize;
        let head: Vec<u8> = dev.flash()[at..at + 4.min(self.size as usize)].to_vec();
        match head.as_slice() {
            [0x1F, 0x8B, ..] => Ok(()),
            [IMAGE_MAGIC, _, _, byte3] if magic_flash_chip_size(*byte3) > dev.flash_size() => {
                Err(self.fail(dev, UpdaterError::NEW_FLASH_CONFIG))
            }
            [IMAGE_MAGIC, ..] => Ok(()),
            _ => Err(self.fail(dev, UpdaterError::MAGIC_BYTE)),
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
