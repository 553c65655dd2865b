//! The small identification commands: `read-mac`, `chip-id`, `flash-id`, and `run`.
//! With `--json` each also prints its result as JSON (see [`crate::render::json`]).

use super::connect::{Device, Target, with_device};
use crate::console::{say, warning};
use crate::fatal::Fatal;
use crate::render::json::{self, device::*};
use crate::render::mac::mac_lines;
use espctl_chips::format_mac;

/// `read-mac`.
pub fn read_mac(target: &Target) -> Result<(), Fatal> {
    let result = with_device(target, |d| {
        let mac = d.flasher.mac()?.map_err(espctl_flasher::Error::from)?;
        let ext = d.flasher.mac_ext()?;
        for line in mac_lines(mac, ext) {
            say!("{line}");
        }
        Ok(json_device(d).map(|device| ReadMacJson {
            device,
            mac: format_mac(&mac),
            ext: MacExtJson::new(Some(mac), ext),
        }))
    })?;
    print_json("read-mac", result)
}

/// `chip-id`: the ESP8266's chip ID, the MAC elsewhere (as esptool).
pub fn chip_id(target: &Target) -> Result<(), Fatal> {
    let result = with_device(target, |d| {
        let info = d.flasher.chip_info()?;
        let mut mac = None;
        match info.chip_id {
            Some(id) => say!("Chip ID: {id:#010x}"),
            None => {
                warning!(
                    "{} has no chip ID. Reading MAC address instead.",
                    d.flasher.chip().name
                );
                let read = info.mac.clone().map_err(espctl_flasher::Error::from)?;
                for line in mac_lines(read, info.mac_ext) {
                    say!("{line}");
                }
                mac = Some(format_mac(&read));
            }
        }
        Ok(json_device(d).map(|device| ChipIdJson {
            device,
            chip_id: info.chip_id,
            mac: mac.or_else(|| info.mac.as_ref().ok().map(|m| format_mac(m))),
            ext: MacExtJson::new(info.mac.clone().ok(), info.mac_ext),
        }))
    })?;
    print_json("chip-id", result)
}

/// `flash-id`.
pub fn flash_id(target: &Target) -> Result<(), Fatal> {
    let result = with_device(target, |d| {
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
        let voltage = f.flash_voltage()?;
        if let Some(v) = voltage {
            say!("Flash voltage set by {}: {}", v.source, v.voltage);
        }
        Ok(json_device(d).map(|device| FlashIdJson::new(device, id, voltage)))
    })?;
    print_json("flash-id", result)
}

/// The device fields of a JSON result, under `--json` only.
pub fn json_device(d: &Device) -> Option<DeviceJson> {
    if !crate::console::json() {
        return None;
    }
    d.identity.as_ref().map(DeviceJson::new)
}

/// Prints the JSON result built under `--json`, if any.
pub fn print_json<T: serde::Serialize>(command: &str, result: Option<T>) -> Result<(), Fatal> {
    match result {
        Some(body) => json::print(command, &body),
        None => Ok(()),
    }
}

/// `run`: starts the application in flash.
pub fn run(target: &Target) -> Result<(), Fatal> {
    with_device(target, |d| {
        d.flasher.ensure_flash_attached()?;
        d.flasher.run_user_code()?;
        Ok(())
    })
}
