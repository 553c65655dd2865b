//! `erase-flash` and `erase-region ADDR SIZE`.

use super::chip::{json_device, print_json};
use super::connect::{Target, with_device};
use crate::fatal::Fatal;
use crate::render::json::flash::{EraseJson, Timing};
use espctl_flasher::flash::safety::SafetyOptions;
use std::time::Instant;

/// `erase-region`: `size` `None` is `ALL`.
#[derive(Debug, Clone, Copy)]
pub struct EraseRegion {
    /// Start (a multiple of 4096).
    pub addr: u32,
    /// Bytes (a multiple of 4096), or all of the flash.
    pub size: Option<u32>,
    /// esptool's security check; `force` skips it.
    pub safety: SafetyOptions,
}

/// `erase-flash`; `safety.force` skips esptool's security check.
pub fn erase_flash(target: &Target, safety: SafetyOptions) -> Result<(), Fatal> {
    let started = Instant::now();
    let result = with_device(target, |d| {
        d.flasher.check_erase_allowed(&safety)?;
        let erasing = Instant::now();
        d.flasher.erase_flash()?;
        let timing = Timing::since(erasing);
        let Some(device) = json_device(d) else {
            return Ok(None);
        };
        Ok(Some(EraseJson {
            device,
            address: 0,
            size: d.flasher.detect_flash_size()?.map(|s| s.bytes()),
            timing,
        }))
    })?;
    print_json("erase-flash", Timing::total(result, started))
}

/// `erase-region`.
pub fn erase_region(target: &Target, cmd: EraseRegion) -> Result<(), Fatal> {
    espctl_flasher::flash::erase::check_region(cmd.addr, cmd.size.unwrap_or(0))?;
    let started = Instant::now();
    let result = with_device(target, |d| {
        let size = d.flasher.flash_region(cmd.addr, cmd.size)?;
        d.flasher
            .check_erase_region_allowed(cmd.addr, &cmd.safety)?;
        let erasing = Instant::now();
        d.flasher.erase_region(cmd.addr, size)?;
        let timing = Timing::since(erasing);
        Ok(json_device(d).map(|device| EraseJson {
            device,
            address: cmd.addr,
            size: Some(size),
            timing,
        }))
    })?;
    print_json("erase-region", Timing::total(result, started))
}
