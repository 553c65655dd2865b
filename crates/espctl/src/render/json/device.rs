//! The chip as the identification commands and the flash summaries describe it.

use crate::commands::connect::Identity;
use espctl_chips::FlashVoltage;
use espctl_chips::{eui64, format_mac};
use espctl_flasher::spi::FlashId;
use serde::Serialize;

/// The connected chip.
#[derive(Debug, Serialize)]
pub struct ChipJson {
    /// `ESP32`, `ESP8266`.
    pub name: &'static str,
    /// `ESP32-D0WD-V3 (revision v3.0)`.
    pub description: String,
    pub features: Vec<String>,
    pub crystal_mhz: u32,
    /// `aa:bb:cc:dd:ee:ff`; `null` when the eFuses hold none esptool accepts.
    pub mac: Option<String>,
    #[serde(flatten)]
    pub ext: MacExtJson,
}

/// Next to a base MAC: the EUI-64 and the extension making it, on chips with an
/// IEEE 802.15.4 radio (esptool's `MAC:` and `MAC_EXT:` lines there); `null` elsewhere.
#[derive(Debug, Default, Serialize)]
pub struct MacExtJson {
    /// `aa:bb:cc:ff:fe:dd:ee:ff`.
    pub eui64: Option<String>,
    /// `ff:fe`.
    pub mac_ext: Option<String>,
}

impl MacExtJson {
    pub fn new(base: Option<[u8; 6]>, ext: Option<[u8; 2]>) -> MacExtJson {
        match (base, ext) {
            (Some(base), Some(ext)) => MacExtJson {
                eui64: Some(format_mac(&eui64(base, ext))),
                mac_ext: Some(format_mac(&ext)),
            },
            _ => MacExtJson::default(),
        }
    }
}

/// Where and what the chip is: the fields every device command's document starts with.
#[derive(Debug, Serialize)]
pub struct DeviceJson {
    pub port: String,
    pub chip: ChipJson,
}

impl DeviceJson {
    pub fn new(identity: &Identity) -> DeviceJson {
        let info = &identity.info;
        DeviceJson {
            port: identity.port.clone(),
            chip: ChipJson {
                name: identity.chip.name,
                description: info.description.clone(),
                features: info.features.clone(),
                crystal_mhz: info.crystal_mhz,
                mac: info.mac.as_ref().ok().map(|m| format_mac(m)),
                ext: MacExtJson::new(info.mac.clone().ok(), info.mac_ext),
            },
        }
    }
}

/// `read-mac`.
#[derive(Debug, Serialize)]
pub struct ReadMacJson {
    #[serde(flatten)]
    pub device: DeviceJson,
    pub mac: String,
    #[serde(flatten)]
    pub ext: MacExtJson,
}

/// `chip-id`: the ESP8266's chip ID; other chips have none (`null`) and give the MAC.
#[derive(Debug, Serialize)]
pub struct ChipIdJson {
    #[serde(flatten)]
    pub device: DeviceJson,
    pub chip_id: Option<u32>,
    pub mac: Option<String>,
    #[serde(flatten)]
    pub ext: MacExtJson,
}

/// `flash-id`.
#[derive(Debug, Serialize)]
pub struct FlashIdJson {
    #[serde(flatten)]
    pub device: DeviceJson,
    /// JEDEC manufacturer ID (esptool's `Manufacturer: ef` is 239).
    pub manufacturer: u8,
    /// Memory type and capacity bytes (esptool's `Device: 4016` is 16406).
    pub device_id: u16,
    /// `4MB`; `null` when the ID names no size.
    pub flash_size: Option<String>,
    pub flash_size_bytes: Option<u32>,
    /// Where the flash voltage comes from and what it is (chips that have the setting).
    pub flash_voltage: Option<FlashVoltageJson>,
}

#[derive(Debug, Serialize)]
pub struct FlashVoltageJson {
    pub source: &'static str,
    pub voltage: &'static str,
}

impl FlashIdJson {
    pub fn new(device: DeviceJson, id: FlashId, voltage: Option<FlashVoltage>) -> FlashIdJson {
        FlashIdJson {
            device,
            manufacturer: id.manufacturer(),
            device_id: id.device(),
            flash_size: id.size().map(|s| s.to_string()),
            flash_size_bytes: id.size().map(|s| s.bytes()),
            flash_voltage: voltage.map(|v| FlashVoltageJson {
                source: v.source,
                voltage: v.voltage,
            }),
        }
    }
}
