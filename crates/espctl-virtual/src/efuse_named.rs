//! The security eFuses of the chips after the ESP32 as `--efuse` names them: espefuse's
//! field names (`secure-boot-en`, `spi-boot-crypt-cnt=1`, `key-purpose-0=XTS_AES_128_KEY`),
//! resolved against the chip's table ([`espctl_chips::security_fields`]) when the device
//! is built.

use espctl_chips::security::BitWrite;
use espctl_chips::security_fields::{Role, SecurityFields};
use espctl_chips::{CHIPS, Chip};

/// One `field` or `field=value` item for a chip after the ESP32.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedFuse {
    /// The item as written, for messages.
    pub item: String,
    /// The field name, upper case with `_` (`SECURE_BOOT_EN`).
    pub name: String,
    /// The value as written; `None` for a bare name (all of a one-bit field, or 1).
    pub value: Option<String>,
}

impl NamedFuse {
    /// `item` when some chip after the ESP32 has a field of that name; `None` otherwise.
    pub fn parse(item: &str, key: &str, value: Option<&str>) -> Option<NamedFuse> {
        let mut name = key.to_ascii_uppercase().replace('-', "_");
        if name == "SECURE_DOWNLOAD" {
            name = "ENABLE_SECURITY_DOWNLOAD".into();
        }
        let known = CHIPS
            .iter()
            .filter_map(|c| c.security_fields)
            .any(|f| f.by_name(&name).is_some());
        known.then(|| NamedFuse {
            item: item.to_string(),
            name,
            value: value.map(str::to_string),
        })
    }

    /// The bits this item sets on `chip`. Errors: a field the chip lacks, a value that
    /// does not fit or names no key purpose of the chip.
    pub fn bits(&self, chip: &Chip, fields: &SecurityFields) -> Result<BitWrite, String> {
        let field = fields.by_name(&self.name).ok_or_else(|| {
            let names: Vec<&str> = fields.fields().map(|f| f.name()).collect();
            format!(
                "the {} has no eFuse {}; its security eFuses are {}",
                chip.name,
                self.name,
                names.join(", ")
            )
        })?;
        let max = field.bits.mask();
        let value = match (field.role, self.value.as_deref()) {
            (_, None) => 1,
            (Role::KeyPurpose(_), Some(text)) => match number(text) {
                Some(n) => n,
                None => u32::from(fields.key_purpose(text).ok_or_else(|| {
                    let names: Vec<&str> = fields.key_purposes.iter().map(|p| p.1).collect();
                    format!(
                        "eFuse '{}': the {} has no key purpose {text}; use {} or a number",
                        self.item,
                        chip.name,
                        names.join(", ")
                    )
                })?),
            },
            (_, Some(text)) => match text.to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" => 1,
                "false" | "no" | "off" => 0,
                _ => number(text).ok_or_else(|| {
                    format!("eFuse '{}': give a number from 0 to {max:#x}", self.item)
                })?,
            },
        };
        field.bits.encode(value).ok_or_else(|| {
            format!(
                "eFuse '{}': {} is {} bit(s) wide; give a number from 0 to {max:#x}",
                self.item,
                field.name(),
                field.bits.width
            )
        })
    }
}

/// Decimal, `0x` hex or `0b` binary.
fn number(text: &str) -> Option<u32> {
    let lower = text.trim().to_ascii_lowercase();
    if let Some(hex) = lower.strip_prefix("0x") {
        u32::from_str_radix(hex, 16).ok()
    } else if let Some(bin) = lower.strip_prefix("0b") {
        u32::from_str_radix(bin, 2).ok()
    } else {
        lower.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use espctl_chips::esp32c2::ESP32C2;
    use espctl_chips::esp32c3::ESP32C3;
    use espctl_chips::esp32c5::ESP32C5;
    use espctl_chips::esp32p4::ESP32P4;
    use espctl_chips::esp32s2::ESP32S2;

    fn bits(chip: &Chip, item: &str) -> Result<BitWrite, String> {
        let (key, value) = match item.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (item, None),
        };
        let fuse = NamedFuse::parse(item, key, value).ok_or("unknown")?;
        fuse.bits(chip, chip.security_fields.unwrap())
    }

    #[test]
    fn names_resolve_per_chip() {
        // espefuse esp32c3.yaml: SECURE_BOOT_EN is word 3 bit 20 of BLOCK0 (0x6000882C).
        assert_eq!(
            bits(&ESP32C3, "secure-boot-en"),
            Ok((0x6000_8838, 1 << 20, 1 << 20))
        );
        assert_eq!(
            bits(&ESP32C3, "SPI_BOOT_CRYPT_CNT=0b111"),
            Ok((0x6000_8834, 7 << 18, 7 << 18))
        );
        assert_eq!(
            bits(&ESP32C3, "key-purpose-0=XTS_AES_128_KEY"),
            Ok((0x6000_8834, 4 << 24, 0xF << 24))
        );
        assert_eq!(
            bits(&ESP32C3, "key-purpose-1=9"),
            Ok((0x6000_8834, 9 << 28, 0xF << 28))
        );
        // espefuse esp32c5.yaml / esp32p4.yaml: FORCE_USE_KEY_MANAGER_KEY, word 2 of
        // BLOCK0, four bits from bit 10 (C5) or 9 (P4).
        assert_eq!(
            bits(&ESP32C5, "force-use-key-manager-key=2"),
            Ok((0x600B_4834, 2 << 10, 0xF << 10))
        );
        assert_eq!(
            bits(&ESP32P4, "FORCE_USE_KEY_MANAGER_KEY=0xF"),
            Ok((0x5012_D034, 0xF << 9, 0xF << 9))
        );
        // The S2's hard JTAG disable has its own name and place.
        assert_eq!(
            bits(&ESP32S2, "hard-dis-jtag"),
            Ok((0x3F41_A030, 1 << 18, 1 << 18))
        );
    }

    #[test]
    fn refuses_what_the_chip_lacks_or_cannot_hold() {
        assert!(bits(&ESP32C2, "secure-boot-key-revoke0").is_err());
        assert!(bits(&ESP32C3, "hard-dis-jtag").is_err());
        assert!(bits(&ESP32C3, "spi-boot-crypt-cnt=8").is_err());
        assert!(bits(&ESP32C3, "force-use-key-manager-key=2").is_err());
        assert!(bits(&ESP32C5, "force-use-key-manager-key=16").is_err());
        assert!(bits(&ESP32C3, "key-purpose-0=XTS_AES_256_KEY_1").is_err());
        assert!(bits(&ESP32C3, "secure-boot-en=maybe").is_err());
        assert!(NamedFuse::parse("nonsense", "nonsense", None).is_none());
    }
}
