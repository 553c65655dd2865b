//! `write-flash` with an address past the 32-bit address space (`0x100000000`): no
//! flash reaches it. esptool connects, works out the flash size and refuses the file
//! with its "will not fit" message; so does espctl, with nothing written.

use super::connect::{Target, with_device};
use crate::fatal::Fatal;
use crate::files::read_input;
use espctl_flasher::FlashSizeArg;
use std::path::Path;

/// A file asked to be written where no flash is.
#[derive(Debug, Clone)]
pub struct BeyondFlash {
    /// The address as given.
    pub addr: u64,
    /// The file's name.
    pub file: String,
    /// `--flash-size` as given.
    pub flash_size: FlashSizeArg,
}

/// Refuses the write once the flash size is known, as esptool does.
pub fn refuse(target: &Target, cmd: BeyondFlash) -> Result<(), Fatal> {
    let len = read_input(Path::new(&cmd.file))?.len().next_multiple_of(4);
    with_device(target, |d| {
        let set = d.flasher.configure_flash_size(cmd.flash_size)?;
        let set = set.filter(|_| cmd.flash_size != FlashSizeArg::Keep);
        let detected = d.flasher.detect_flash_size()?;
        let end = match (set, detected) {
            (Some(s), Some(d)) => s.bytes().min(d.bytes()),
            (s, d) => s.or(d).map_or(u32::MAX, |size| size.bytes()),
        };
        Err(espctl_flasher::Error::DoesNotFit {
            source_name: format!("File '{}'", cmd.file),
            len,
            addr: cmd.addr,
            flash_end: end,
        }
        .into())
    })
}
