//! MD5 of flash regions, computed on the chip.

use super::{FlashFile, ImagePatcher, PatchRequest, Patched, hex, md5_hex};
use crate::connection::timeout_per_mb;
use crate::error::{Error, Result};
use crate::session::{LoaderKind, Session};
use espctl_protocol::Command;

/// Seconds per MB the chip may take to hash flash (esptool's `MD5_TIMEOUT_PER_MB`).
const MD5_SECONDS_PER_MB: f64 = 8.0;

/// The result of comparing one file with flash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCheck {
    pub addr: u32,
    /// The bytes compared: the file padded to 4 bytes, its header patched as a write
    /// would patch it. A byte-wise diff must use these, not the file.
    pub image: Vec<u8>,
    pub name: Option<String>,
    pub matches: bool,
}

impl Session {
    /// Whether the running loader can hash flash (not the ESP8266 ROM).
    pub fn can_md5(&self) -> bool {
        self.is_stub() || self.chip.rom.flash_md5
    }

    /// MD5 of `size` bytes of flash at `addr`, as lower-case hex.
    pub fn flash_md5(&mut self, addr: u32, size: u32) -> Result<String> {
        if !self.can_md5() {
            return Err(self.rom_lacks("computing MD5 of flash (SPI_FLASH_MD5)"));
        }
        // The ROM answers with 32 hex characters, the stub with 16 raw bytes.
        let len = if self.loader == LoaderKind::Stub {
            16
        } else {
            32
        };
        let (_, data) = self.conn.check(
            "calculate md5sum",
            &Command::SpiFlashMd5 { addr, size },
            len,
            timeout_per_mb(MD5_SECONDS_PER_MB, size as u64),
        )?;
        match self.loader {
            LoaderKind::Stub => Ok(hex(&data)),
            LoaderKind::Rom if data.iter().all(u8::is_ascii_hexdigit) => {
                Ok(String::from_utf8_lossy(&data).to_lowercase())
            }
            LoaderKind::Rom => Err(Error::BadMd5Reply {
                addr,
                reply: hex(&data),
            }),
        }
    }

    /// `verify-flash`: compares each file (header patched as a write would) with flash.
    pub fn verify_files(
        &mut self,
        files: Vec<FlashFile>,
        header: &PatchRequest,
        patcher: Option<&dyn ImagePatcher>,
    ) -> Result<Vec<FileCheck>> {
        if !self.can_md5() {
            return Err(self.rom_lacks("verifying flash (SPI_FLASH_MD5)"));
        }
        let mut out = Vec::new();
        for f in files {
            let mut image = f.data;
            super::plan::pad_to(&mut image, 4);
            if f.addr == self.chip.bootloader_offset
                && image.len() >= 8
                && !header.keeps_everything()
                && let Some(p) = patcher
            {
                match p.patch(self.chip, &mut image, header) {
                    Ok(Patched::Changed {
                        params: Some(value),
                        ..
                    }) => self.emit(crate::Event::FlashParamsSet { value }),
                    Ok(_) => {}
                    Err(message) => return Err(Error::Invalid(message)),
                }
            }
            self.emit(crate::Event::VerifyingFile {
                addr: f.addr,
                len: image.len(),
                name: f.name.clone(),
            });
            let flash = self.flash_md5(f.addr, image.len() as u32)?;
            out.push(FileCheck {
                addr: f.addr,
                matches: flash == md5_hex(&image),
                image,
                name: f.name,
            });
        }
        Ok(out)
    }
}
