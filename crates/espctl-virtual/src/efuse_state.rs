//! The security eFuses a virtual chip has burnt (`espctl virtual --efuse
//! secure-boot,flash-crypt-cnt=1` on the ESP32, `--efuse secure-boot-en,spi-boot-crypt-cnt=1`
//! on the chips after it): data of the device's configuration, reported in the eFuse
//! read words where the chip data ([`espctl_chips::security`],
//! [`espctl_chips::security_fields`]) says a real chip has them.

use crate::efuse_named::NamedFuse;
use espctl_chips::Chip;
use espctl_chips::security::{BitWrite, security_efuses};

/// The eFuse fields the safety checks of esptool and espctl read, named as in the
/// chip's eFuse table. All clear (a new chip) by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EfuseState {
    /// ABS_DONE_0: Secure Boot V1 (`secure-boot`).
    pub abs_done_0: bool,
    /// ABS_DONE_1: Secure Boot V2 (`secure-boot-v2`; counts from revision v3.0 on).
    pub abs_done_1: bool,
    /// FLASH_CRYPT_CNT, 7 bits: flash encryption is on while an odd number are set.
    pub flash_crypt_cnt: u8,
    /// FLASH_CRYPT_CONFIG, 4 bits (0xF once flash encryption is set up).
    pub flash_crypt_config: u8,
    /// DISABLE_DL_ENCRYPT: the loader cannot encrypt (release-mode flash encryption).
    pub disable_dl_encrypt: bool,
    /// DISABLE_DL_DECRYPT: the loader reads flash without decrypting it.
    pub disable_dl_decrypt: bool,
    /// DISABLE_DL_CACHE: no flash cache in download mode.
    pub disable_dl_cache: bool,
    /// RD_DIS, 4 bits: read protection of blocks 1-3 (bit 0 the flash encryption key,
    /// bit 3 also FLASH_CRYPT_CONFIG).
    pub rd_dis: u8,
    /// The chip revision, major * 100 + minor (`revision=v1.0`); `None`: the typical
    /// part's.
    pub revision: Option<u32>,
    /// The first ESP32 field given, for the message when the chip is another.
    pub esp32_item: Option<String>,
    /// Fields of the chips after the ESP32, by espefuse name, in the order given.
    pub named: Vec<NamedFuse>,
}

/// The keys `--efuse` takes, for messages.
const KEYS: &str = "secure-boot, secure-boot-v2, flash-crypt-cnt=N, flash-crypt-config=N, \
    disable-dl-encrypt, disable-dl-decrypt, disable-dl-cache, rd-dis=N, revision=vX.Y (ESP32); \
    the chip's own field names as espefuse prints them, e.g. secure-boot-en, \
    spi-boot-crypt-cnt=N, enable-security-download, dis-download-manual-encrypt, \
    key-purpose-0=XTS_AES_128_KEY (ESP32-S2 and later)";

impl EfuseState {
    /// Reads a comma-separated list of `field` or `field=value` items (field names as
    /// espefuse prints them, in any case, `_` or `-`).
    pub fn parse(list: &str) -> Result<EfuseState, String> {
        let mut state = EfuseState::default();
        for item in list.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            state.set(item)?;
        }
        Ok(state)
    }

    /// Applies one `field` or `field=value` item.
    pub fn set(&mut self, item: &str) -> Result<(), String> {
        let (key, value) = match item.split_once('=') {
            Some((k, v)) => (k.trim(), Some(v.trim())),
            None => (item.trim(), None),
        };
        let key = key.to_ascii_lowercase().replace('_', "-");
        let flag = || bool_value(item, value);
        if !ESP32_KEYS.contains(&key.as_str()) {
            let fuse = NamedFuse::parse(item, &key, value)
                .ok_or_else(|| format!("unknown eFuse '{key}'; use {KEYS}"))?;
            self.named.push(fuse);
            return Ok(());
        }
        if self.esp32_item.is_none() {
            self.esp32_item = Some(item.to_string());
        }
        match key.as_str() {
            "secure-boot" | "secure-boot-v1" | "abs-done-0" => self.abs_done_0 = flag()?,
            "secure-boot-v2" | "abs-done-1" => self.abs_done_1 = flag()?,
            "flash-crypt-cnt" => self.flash_crypt_cnt = number(item, value, 0x7F, 1)? as u8,
            "flash-crypt-config" => {
                self.flash_crypt_config = number(item, value, 0xF, 0xF)? as u8;
            }
            "disable-dl-encrypt" => self.disable_dl_encrypt = flag()?,
            "disable-dl-decrypt" => self.disable_dl_decrypt = flag()?,
            "disable-dl-cache" => self.disable_dl_cache = flag()?,
            "rd-dis" => self.rd_dis = number(item, value, 0xF, 0xF)? as u8,
            "revision" | "chip-revision" => self.revision = Some(revision(item, value)?),
            _ => unreachable!("ESP32_KEYS lists the keys matched here"),
        }
        Ok(())
    }

    /// Nothing burnt and the typical part's revision.
    pub fn is_blank(&self) -> bool {
        *self == EfuseState::default()
    }

    /// The bits this state sets in `chip`'s registers, as `(register, value, mask)`:
    /// every field is written, so clear fields read as 0. Errors: a chip without these
    /// eFuses, a revision it cannot have.
    pub fn register_bits(&self, chip: &Chip) -> Result<Vec<BitWrite>, String> {
        if let Some(fields) = chip.security_fields {
            if let Some(item) = &self.esp32_item {
                return Err(format!(
                    "eFuse '{item}' is the ESP32's; name the {} eFuses as espefuse does (e.g. secure-boot-en, spi-boot-crypt-cnt=1)",
                    chip.name
                ));
            }
            return self.named.iter().map(|f| f.bits(chip, fields)).collect();
        }
        let Some(fuses) = security_efuses(chip.kind) else {
            if self.is_blank() {
                return Ok(Vec::new());
            }
            return Err(format!(
                "the virtual {} has no security eFuses; --efuse is for the ESP32 and the ESP32-S2, S3, C2, C3, C5, C6, H2 and P4",
                chip.name
            ));
        };
        if let Some(fuse) = self.named.first() {
            return Err(if fuse.name == "ENABLE_SECURITY_DOWNLOAD" {
                format!(
                    "eFuse '{}': the ESP8266 and ESP32 have no Secure Download Mode (it came with the ESP32-S2)",
                    fuse.item
                )
            } else {
                format!(
                    "eFuse '{}' is not the ESP32's; the ESP32 takes secure-boot, secure-boot-v2, flash-crypt-cnt=N, flash-crypt-config=N, disable-dl-encrypt, disable-dl-decrypt, disable-dl-cache, rd-dis=N, revision=vX.Y",
                    fuse.item
                )
            });
        }
        let fields = [
            (fuses.rd_dis, u32::from(self.rd_dis)),
            (fuses.flash_crypt_cnt, u32::from(self.flash_crypt_cnt)),
            (fuses.flash_crypt_config, u32::from(self.flash_crypt_config)),
            (fuses.abs_done_0, u32::from(self.abs_done_0)),
            (fuses.abs_done_1, u32::from(self.abs_done_1)),
            (fuses.disable_dl_encrypt, u32::from(self.disable_dl_encrypt)),
            (fuses.disable_dl_decrypt, u32::from(self.disable_dl_decrypt)),
            (fuses.disable_dl_cache, u32::from(self.disable_dl_cache)),
        ];
        let mut bits: Vec<_> = fields
            .into_iter()
            .map(|(field, value)| field.encode(value).expect("values are range-checked"))
            .collect();
        if let Some(rev) = self.revision {
            let revision_bits = (fuses.revision.encode)(rev).ok_or_else(|| {
                format!(
                    "the {} has no revision {}",
                    chip.name,
                    espctl_chips::security::revision_text(rev)
                )
            })?;
            bits.extend(revision_bits);
        }
        Ok(bits)
    }
}

/// The ESP32's field names (and their aliases) as `--efuse` takes them.
const ESP32_KEYS: &[&str] = &[
    "secure-boot",
    "secure-boot-v1",
    "abs-done-0",
    "secure-boot-v2",
    "abs-done-1",
    "flash-crypt-cnt",
    "flash-crypt-config",
    "disable-dl-encrypt",
    "disable-dl-decrypt",
    "disable-dl-cache",
    "rd-dis",
    "revision",
    "chip-revision",
];

fn bool_value(item: &str, value: Option<&str>) -> Result<bool, String> {
    match value.map(str::to_ascii_lowercase).as_deref() {
        None | Some("1" | "true" | "yes" | "on") => Ok(true),
        Some("0" | "false" | "no" | "off") => Ok(false),
        Some(_) => Err(format!("eFuse '{item}': give 1 or 0")),
    }
}

/// A number up to `max` (decimal, 0x hex or 0b binary); `bare` when no value is given.
fn number(item: &str, value: Option<&str>, max: u32, bare: u32) -> Result<u32, String> {
    let Some(text) = value else {
        return Ok(bare);
    };
    let lower = text.to_ascii_lowercase();
    let parsed = if let Some(hex) = lower.strip_prefix("0x") {
        u32::from_str_radix(hex, 16)
    } else if let Some(bin) = lower.strip_prefix("0b") {
        u32::from_str_radix(bin, 2)
    } else {
        lower.parse()
    };
    match parsed {
        Ok(n) if n <= max => Ok(n),
        _ => Err(format!("eFuse '{item}': give a number from 0 to {max:#x}")),
    }
}

/// `v3.1`, `3.1` or `301`: major * 100 + minor.
fn revision(item: &str, value: Option<&str>) -> Result<u32, String> {
    let bad = || format!("eFuse '{item}': write the revision like v3.0");
    let text = value.ok_or_else(bad)?;
    let text = text.strip_prefix(['v', 'V']).unwrap_or(text);
    match text.split_once('.') {
        Some((major, minor)) => {
            let major: u32 = major.parse().map_err(|_| bad())?;
            let minor: u32 = minor.parse().map_err(|_| bad())?;
            (minor < 100).then_some(major * 100 + minor).ok_or_else(bad)
        }
        None => text.parse().map_err(|_| bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use espctl_chips::Registers;
    use espctl_chips::esp32::{ESP32, SECURITY_EFUSES};
    use espctl_chips::esp8266::ESP8266;

    fn registers(state: &EfuseState) -> Registers {
        let mut r = Registers::new();
        for (reg, value, mask) in state.register_bits(&ESP32).unwrap() {
            r.set(reg, r.get(reg) & !mask | value);
        }
        r
    }

    #[test]
    fn parses_field_names_as_espefuse_prints_them() {
        let s = EfuseState::parse("secure-boot,FLASH_CRYPT_CNT=1, flash-crypt-config=0xf").unwrap();
        assert!(s.abs_done_0 && !s.abs_done_1);
        assert_eq!((s.flash_crypt_cnt, s.flash_crypt_config), (1, 0xF));
        let s = EfuseState::parse("flash-crypt-cnt=0b11,disable-dl-encrypt,revision=v1.0").unwrap();
        assert_eq!(s.flash_crypt_cnt, 3);
        assert!(s.disable_dl_encrypt);
        assert_eq!(s.revision, Some(100));
        assert_eq!(
            EfuseState::parse("revision=301").unwrap().revision,
            Some(301)
        );
        assert!(EfuseState::parse("").unwrap().is_blank());
    }

    #[test]
    fn refuses_what_it_cannot_model() {
        for bad in [
            "flash-crypt-cnt=128",
            "flash-crypt-config=16",
            "secure-boot=2",
            "nonsense",
            "revision=x",
        ] {
            assert!(EfuseState::parse(bad).is_err(), "{bad}");
        }
        // Secure Download Mode is a field of the later chips only.
        let s = EfuseState::parse("secure-download").unwrap();
        assert!(
            s.register_bits(&ESP32)
                .unwrap_err()
                .contains("no Secure Download Mode")
        );
        let s = EfuseState::parse("secure-boot-en").unwrap();
        assert!(s.register_bits(&ESP32).is_err());
        let s = EfuseState::parse("flash-crypt-cnt=1").unwrap();
        assert!(s.register_bits(&espctl_chips::esp32c3::ESP32C3).is_err());
        let s = EfuseState::parse("revision=v4.0").unwrap();
        assert!(s.register_bits(&ESP32).is_err());
        let s = EfuseState::parse("secure-boot").unwrap();
        assert!(s.register_bits(&ESP8266).is_err());
        assert_eq!(EfuseState::default().register_bits(&ESP8266), Ok(vec![]));
    }

    #[test]
    fn bits_land_where_esptool_reads_them() {
        let s = EfuseState::parse("secure-boot,flash-crypt-cnt=1,disable-dl-encrypt").unwrap();
        let r = registers(&s);
        // targets/esp32.py: word 0 bits 20..26, word 6 bits 4 and 7.
        assert_eq!(r.get(0x3FF5_A000), 1 << 20);
        assert_eq!(r.get(0x3FF5_A018), 1 << 4 | 1 << 7);
        let decoded = SECURITY_EFUSES.decode(&r);
        assert!(decoded.flash_encryption && decoded.secure_boot_v1);
        assert!(decoded.encrypted_download_disabled);
        let r = registers(&EfuseState::parse("revision=v1.0,flash-crypt-cnt=3").unwrap());
        let decoded = SECURITY_EFUSES.decode(&r);
        assert_eq!(decoded.revision, 100);
        assert!(!decoded.flash_encryption);
    }
}
