//! `get-security-info --json`: the ROM's answer, raw and decoded.

use super::device::DeviceJson;
use crate::commands::flash_status::SECURE_BOOT_EN;
use espctl_protocol::reply::SecurityInfo;
use serde::Serialize;

/// `get-security-info`.
#[derive(Debug, Serialize)]
pub struct SecurityInfoJson {
    #[serde(flatten)]
    pub device: DeviceJson,
    /// The flag word as the ROM sent it.
    pub flags: u32,
    pub secure_boot_enabled: bool,
    /// The eFuse flash encryption counter (`SPI_BOOT_CRYPT_CNT`).
    pub flash_crypt_cnt: u8,
    /// An odd number of bits set in the counter.
    pub flash_encryption_enabled: bool,
    /// The purpose of each eFuse key block.
    pub key_purposes: [u8; 7],
    /// The chip ID and ROM API version; `null` from ROMs that send the short answer.
    pub chip_id: Option<u32>,
    pub api_version: Option<u32>,
}

impl SecurityInfoJson {
    pub fn new(device: DeviceJson, info: &SecurityInfo) -> SecurityInfoJson {
        SecurityInfoJson {
            device,
            flags: info.flags,
            secure_boot_enabled: info.flags & SECURE_BOOT_EN != 0,
            flash_crypt_cnt: info.flash_crypt_cnt,
            flash_encryption_enabled: !info.flash_crypt_cnt.count_ones().is_multiple_of(2),
            key_purposes: info.key_purposes,
            chip_id: info.chip_id,
            api_version: info.api_version,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::json::device::ChipJson;

    fn decoded(flags: u32, flash_crypt_cnt: u8) -> serde_json::Value {
        let device = DeviceJson {
            port: "p".into(),
            chip: ChipJson {
                name: "ESP32-S3",
                description: String::new(),
                features: Vec::new(),
                crystal_mhz: 40,
                mac: None,
                ext: Default::default(),
            },
        };
        let info = SecurityInfo {
            flags,
            flash_crypt_cnt,
            key_purposes: [1, 2, 3, 4, 5, 6, 7],
            chip_id: Some(9),
            api_version: None,
        };
        serde_json::to_value(SecurityInfoJson::new(device, &info)).unwrap()
    }

    #[test]
    fn decodes_secure_boot_and_the_encryption_counter_parity() {
        let v = decoded(0x1 | 0x40, 0b001);
        assert_eq!(v["secure_boot_enabled"], true);
        assert_eq!(v["flash_encryption_enabled"], true);
        assert_eq!(v["flags"], 0x41);
        assert_eq!(v["key_purposes"], serde_json::json!([1, 2, 3, 4, 5, 6, 7]));
        assert_eq!(
            (v["chip_id"].as_u64(), v["api_version"].is_null()),
            (Some(9), true)
        );
        let v = decoded(0x40, 0b011);
        assert_eq!(v["secure_boot_enabled"], false);
        assert_eq!(v["flash_encryption_enabled"], false);
    }
}
