//! The small identification commands: `read-mac`, `chip-id`, `flash-id`, and `run`.

use super::connect::{Target, with_device};
use crate::console::{say, warning};
use crate::fatal::Fatal;
use espctl_chips::format_mac;

/// `read-mac`.
pub fn read_mac(target: &Target) -> Result<(), Fatal> {
    with_device(target, |d| {
        let mac = d.flasher.mac()?.map_err(espctl_flasher::Error::from)?;
        say!("{:<20}{}", "MAC:", format_mac(&mac));
        Ok(())
    })
}

/// `chip-id`: the ESP8266's chip ID, the MAC elsewhere (as esptool).
pub fn chip_id(target: &Target) -> Result<(), Fatal> {
    with_device(target, |d| {
        let info = d.flasher.chip_info()?;
        match info.chip_id {
            Some(id) => say!("Chip ID: {id:#010x}"),
            None => {
                warning!(
                    "{} has no chip ID. Reading MAC address instead.",
                    d.flasher.chip().name
                );
                let mac = info.mac.map_err(espctl_flasher::Error::from)?;
                say!("{:<20}{}", "MAC:", format_mac(&mac));
            }
        }
        Ok(())
    })
}

/// `flash-id`.
pub fn flash_id(target: &Target) -> Result<(), Fatal> {
    with_device(target, |d| {
        let f = &mut d.flasher;
        let id = f.flash_id()?;
        let title = "Flash Memory Information:";
        say!("{title}");
        say!("{}", "=".repeat(title.len()));
        say!("Manufacturer: {:02x}", id.manufacturer());
        say!("Device: {:04x}", id.device());
        match id.size() {
            Some(size) => say!("Detected flash size: {size}"),
            None => say!("Detected flash size: Unknown"),
        }
        if let Some(v) = f.flash_voltage()? {
            say!("Flash voltage set by {}: {}", v.source, v.voltage);
        }
        Ok(())
    })
}

/// `run`: starts the application in flash.
pub fn run(target: &Target) -> Result<(), Fatal> {
    with_device(target, |d| {
        d.flasher.ensure_flash_attached()?;
        d.flasher.run_user_code()?;
        Ok(())
    })
}
