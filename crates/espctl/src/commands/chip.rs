//! The small identification commands: `read-mac`, `chip-id`, `flash-id`, and `run`.

use super::device::{Global, to_fatal, with_device};
use crate::console::{say, warning};
use crate::fatal::Fatal;
use espctl_chips::format_mac;

pub fn read_mac(g: &Global) -> Result<(), Fatal> {
    with_device(g, |d| {
        let mac = d
            .session
            .mac()
            .map_err(to_fatal)?
            .map_err(|e| Fatal(e.to_string()))?;
        say!("{:<20}{}", "MAC:", format_mac(&mac));
        Ok(())
    })
}

pub fn chip_id(g: &Global) -> Result<(), Fatal> {
    with_device(g, |d| {
        let info = d.session.chip_info().map_err(to_fatal)?;
        match info.chip_id {
            Some(id) => say!("Chip ID: {id:#010x}"),
            None => {
                warning!(
                    "{} has no chip ID. Reading MAC address instead.",
                    d.session.chip().name
                );
                let mac = info.mac.map_err(|e| Fatal(e.to_string()))?;
                say!("{:<20}{}", "MAC:", format_mac(&mac));
            }
        }
        Ok(())
    })
}

pub fn flash_id(g: &Global) -> Result<(), Fatal> {
    with_device(g, |d| {
        let s = &mut d.session;
        s.attach_flash().map_err(to_fatal)?;
        let id = s.flash_id().map_err(to_fatal)?;
        let title = "Flash Memory Information:";
        say!("{title}");
        say!("{}", "=".repeat(title.len()));
        say!("Manufacturer: {:02x}", id.manufacturer());
        say!("Device: {:04x}", id.device());
        match id.size() {
            Some(size) => say!("Detected flash size: {size}"),
            None => say!("Detected flash size: Unknown"),
        }
        if let Some(v) = s.flash_voltage().map_err(to_fatal)? {
            say!("Flash voltage set by {}: {}", v.source, v.voltage);
        }
        Ok(())
    })
}

pub fn run(g: &Global) -> Result<(), Fatal> {
    with_device(g, |d| {
        d.session.attach_flash().map_err(to_fatal)?;
        d.session.run_user_code().map_err(to_fatal)
    })
}
