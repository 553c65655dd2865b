//! MD5 of flash regions, computed on the chip, and `verify-flash`.

use super::write::patch_header;
use super::{FlashFile, FlashParamsRequest, Md5, md5_of, plan};
use crate::error::{Error, Result};
use crate::event::Event;
use crate::loader::Ability;
use crate::session::Session;
use espctl_protocol::Command;

/// The result of comparing one file with flash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCheck {
    /// Where the file was compared.
    pub addr: u32,
    /// The bytes compared: the file padded to 4 bytes, its header patched as a write
    /// would patch it. A byte-wise diff must use these, not the file.
    pub image: Vec<u8>,
    /// The file's name, if it has one.
    pub name: Option<String>,
    /// The flash holds exactly these bytes.
    pub matches: bool,
}

impl Session {
    /// Whether the running loader can hash flash (not the ESP8266 ROM).
    pub fn can_md5(&self) -> bool {
        self.loader.can(Ability::HashFlash)
    }

    /// MD5 of `size` bytes of flash at `addr`.
    pub fn flash_md5(&mut self, addr: u32, size: u32) -> Result<Md5> {
        if !self.can_md5() {
            return Err(self.needs_stub("computing MD5 of flash (SPI_FLASH_MD5)"));
        }
        self.ensure_flash_attached()?;
        let (_, data) = self.check_retried(
            "calculate md5sum",
            &Command::SpiFlashMd5 { addr, size },
            self.loader.md5_reply_len(),
            self.limits.md5(size),
        )?;
        self.loader
            .md5_from_reply(&data)
            .ok_or_else(|| Error::BadMd5Reply {
                addr,
                reply: super::hex(&data),
            })
    }

    /// `verify-flash`: compares each file (header patched as a write would) with flash.
    pub fn verify_files(
        &mut self,
        files: Vec<FlashFile>,
        header: &FlashParamsRequest,
    ) -> Result<Vec<FileCheck>> {
        if !self.can_md5() {
            return Err(self.needs_stub("verifying flash (SPI_FLASH_MD5)"));
        }
        let mut out = Vec::new();
        for f in files {
            let mut image = f.data;
            plan::pad_to(&mut image, 4);
            let (image, notes) = patch_header(self.chip, f.addr, image, header)?;
            // As esptool: the header patch is reported as a write reports it
            // (`Flash parameters set to ...`, `SHA digest in image updated.`).
            for note in notes {
                self.emit(note);
            }
            self.emit(Event::VerifyingFile {
                addr: f.addr,
                len: image.len(),
                name: f.name.clone(),
            });
            let flash = self.flash_md5(f.addr, image.len() as u32)?;
            out.push(FileCheck {
                addr: f.addr,
                matches: flash == md5_of(&image),
                image,
                name: f.name,
            });
        }
        Ok(out)
    }
}
