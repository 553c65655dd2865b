//! Readying files for a write: each padded to whole words, the image at the bootloader
//! offset given the flash parameters asked for (as esptool patches it), and what that
//! did kept to be reported when the file's turn comes.

use super::super::{FlashFile, FlashParamsRequest};
use crate::error::Result;
use crate::event::Event;
use crate::flash::encrypt::DataPath;
use espctl_chips::Chip;
use espctl_image::patch_flash_params;

/// One file ready to send.
pub(super) struct Prepared {
    /// Where the user asked for it.
    pub orig_addr: u32,
    /// The bytes to write.
    pub image: Vec<u8>,
    /// Its name in messages.
    pub name: Option<String>,
    /// What patching the header did, reported when this file's turn comes.
    pub notes: Vec<Event>,
    /// Written through the chip's flash encryption engine.
    pub encrypted: bool,
}

impl Prepared {
    /// `'name'` or `Input bytes`, as esptool names data in its verification lines.
    pub fn quoted_name(&self) -> String {
        match &self.name {
            Some(n) => format!("'{n}'"),
            None => "Input bytes".to_string(),
        }
    }

    /// How its data reaches the flash.
    pub fn data_path(&self) -> DataPath {
        if self.encrypted {
            DataPath::Encrypted
        } else {
            DataPath::Plain
        }
    }
}

/// Patches every file (files come padded to whole words; all checks that can fail run
/// here, before anything is written).
pub(super) fn prepare(
    chip: &'static Chip,
    files: Vec<FlashFile>,
    request: &FlashParamsRequest,
) -> Result<Vec<Prepared>> {
    files
        .into_iter()
        .map(|f| {
            let (image, notes) = patch_header(chip, f.addr, f.data, request)?;
            Ok(Prepared {
                orig_addr: f.addr,
                image,
                name: f.name,
                notes,
                encrypted: f.encrypted,
            })
        })
        .collect()
}

/// `data` at `addr` with the flash parameters of `request` in its header, if it is the
/// bootloader image of `chip`, and the events that tell what was done. Anything else
/// comes back as it was, without a copy.
pub(crate) fn patch_header(
    chip: &'static Chip,
    addr: u32,
    data: Vec<u8>,
    request: &FlashParamsRequest,
) -> Result<(Vec<u8>, Vec<Event>)> {
    if addr != chip.bootloader_offset || data.len() < 8 || request.keeps_everything() {
        return Ok((data, Vec::new()));
    }
    let outcome = patch_flash_params(chip, addr, &data, request)?;
    let mut notes = Vec::new();
    if let Some(warning) = outcome.warning {
        notes.push(Event::ImageNotPatched { addr, warning });
    }
    if let Some(value) = outcome.flash_params {
        notes.push(Event::FlashParamsSet { value });
    }
    if outcome.digest_updated {
        notes.push(Event::ShaDigestUpdated);
    }
    Ok((outcome.data, notes))
}
