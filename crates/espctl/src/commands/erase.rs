//! `erase-flash` and `erase-region ADDR SIZE`.

use super::connect::{Target, with_device};
use crate::fatal::Fatal;

/// `erase-region`: `size` `None` is `ALL`.
#[derive(Debug, Clone, Copy)]
pub struct EraseRegion {
    /// Start (a multiple of 4096).
    pub addr: u32,
    /// Bytes (a multiple of 4096), or all of the flash.
    pub size: Option<u32>,
}

/// `erase-flash`.
pub fn erase_flash(target: &Target) -> Result<(), Fatal> {
    with_device(target, |d| Ok(d.flasher.erase_flash()?))
}

/// `erase-region`.
pub fn erase_region(target: &Target, cmd: EraseRegion) -> Result<(), Fatal> {
    espctl_flasher::flash::erase::check_region(cmd.addr, cmd.size.unwrap_or(0))?;
    with_device(target, |d| {
        let size = d.flasher.flash_region(cmd.addr, cmd.size)?;
        Ok(d.flasher.erase_region(cmd.addr, size)?)
    })
}
