//! The eFuse bits esptool's safety checks read before it writes or erases flash (Secure
//! Boot, flash encryption, the download-mode restrictions) and the chip revision images
//! are checked against: where each chip keeps them, and what they mean together.
//!
//! Chips that answer GET_SECURITY_INFO report these flags in its reply; the ESP32 (and
//! the ESP8266, which has none of them) only has its eFuse read words.

use crate::efuse::Bits;
use crate::{ChipKind, Registers};

/// Where a chip keeps its security eFuses, as read words (the names are the eFuse
/// fields' own).
#[derive(Debug, Clone, Copy)]
pub struct SecurityEfuses {
    /// RD_DIS: read protection of blocks 1-3 (bit 0: BLOCK1, the flash encryption key;
    /// bit 3 also hides FLASH_CRYPT_CONFIG).
    pub rd_dis: Bits,
    /// FLASH_CRYPT_CNT: flash encryption is on while an odd number of its bits are set.
    pub flash_crypt_cnt: Bits,
    /// FLASH_CRYPT_CONFIG: the key tweak bits (0xF when set up).
    pub flash_crypt_config: Bits,
    /// ABS_DONE_0: Secure Boot V1 protects the bootloader.
    pub abs_done_0: Bits,
    /// ABS_DONE_1: Secure Boot V2 (counts from revision v3.0 on).
    pub abs_done_1: Bits,
    /// DISABLE_DL_ENCRYPT: no flash encryption in UART download mode.
    pub disable_dl_encrypt: Bits,
    /// DISABLE_DL_DECRYPT: no flash decryption in UART download mode.
    pub disable_dl_decrypt: Bits,
    /// DISABLE_DL_CACHE: no flash cache in UART download mode.
    pub disable_dl_cache: Bits,
    /// The chip revision (major * 100 + minor): how it is read and written.
    pub revision: RevisionFuses,
}

/// Bits to set in a register: `(register, value, mask)`.
pub type BitWrite = (u32, u32, u32);

/// How a chip's revision is stored (it can span eFuse words and other registers).
#[derive(Debug, Clone, Copy)]
pub struct RevisionFuses {
    /// Registers the revision is read from.
    pub registers: &'static [u32],
    /// major * 100 + minor from those registers.
    pub read: fn(&Registers) -> u32,
    /// The bits a chip of a revision has set in those registers, as `(register, value,
    /// mask)`; `None` for a revision the chip cannot encode.
    pub encode: fn(u32) -> Option<Vec<BitWrite>>,
}

impl Bits {
    /// The field's value in `r`.
    pub fn value(self, r: &Registers) -> u32 {
        (r.get(self.reg) >> self.shift) & self.mask()
    }

    /// The field's bits, unshifted (`width` ones).
    pub fn mask(self) -> u32 {
        if self.width >= 32 {
            u32::MAX
        } else {
            (1 << self.width) - 1
        }
    }

    /// `value` in the field's place, as `(register, value, mask)`; `None` when it does
    /// not fit in the field.
    pub fn encode(self, value: u32) -> Option<BitWrite> {
        (value <= self.mask()).then_some((self.reg, value << self.shift, self.mask() << self.shift))
    }
}

/// What the security eFuses of a chip say, as esptool's checks read them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SecurityState {
    /// FLASH_CRYPT_CNT has an odd number of bits set.
    pub flash_encryption: bool,
    /// Secure Boot V1 (ABS_DONE_0), or V2 (ABS_DONE_1) on revision v3.0 and later.
    pub secure_boot: bool,
    /// Secure Boot V1 alone: the bootloader below 0x8000 must not be rewritten.
    pub secure_boot_v1: bool,
    /// DISABLE_DL_ENCRYPT: the loader cannot encrypt what it writes.
    pub encrypted_download_disabled: bool,
    /// Flash encryption's key comes from the Key Manager (ESP32-C5, P4): flash
    /// 0x0-0x2000 holds its recovery info.
    pub key_manager_flash_encryption: bool,
    /// FLASH_CRYPT_CONFIG, or 0xF when RD_DIS hides it (esptool assumes it is set up).
    pub flash_crypt_config: u32,
    /// The chip revision, major * 100 + minor.
    pub revision: u32,
}

impl SecurityEfuses {
    /// Every register the state is read from.
    pub fn registers(&self) -> Vec<u32> {
        let mut regs: Vec<u32> = [
            self.rd_dis,
            self.flash_crypt_cnt,
            self.flash_crypt_config,
            self.abs_done_0,
            self.abs_done_1,
            self.disable_dl_encrypt,
        ]
        .iter()
        .map(|b| b.reg)
        .chain(self.revision.registers.iter().copied())
        .collect();
        regs.sort_unstable();
        regs.dedup();
        regs
    }

    /// The state the registers `r` describe.
    pub fn decode(&self, r: &Registers) -> SecurityState {
        let revision = (self.revision.read)(r);
        let abs_done_0 = self.abs_done_0.value(r) != 0;
        let abs_done_1 = self.abs_done_1.value(r) != 0;
        // RD_DIS bit 3 hides FLASH_CRYPT_CONFIG.
        let flash_crypt_config = if self.rd_dis.value(r) & 0b1000 != 0 {
            0xF
        } else {
            self.flash_crypt_config.value(r)
        };
        SecurityState {
            flash_encryption: self.flash_crypt_cnt.value(r).count_ones() % 2 == 1,
            secure_boot: abs_done_0 || (revision >= 300 && abs_done_1),
            secure_boot_v1: abs_done_0,
            encrypted_download_disabled: self.disable_dl_encrypt.value(r) != 0,
            key_manager_flash_encryption: false,
            flash_crypt_config,
            revision,
        }
    }
}

/// The security eFuses of `kind`, for chips whose checks read eFuse words (the ESP32);
/// `None` for the ESP8266 (no such fuses) and for the chips espctl does not read them
/// from yet.
pub fn security_efuses(kind: ChipKind) -> Option<&'static SecurityEfuses> {
    match kind {
        ChipKind::Esp32 => Some(&crate::esp32::SECURITY_EFUSES),
        _ => None,
    }
}

/// `v3.1` for revision 301, as esptool writes revisions.
pub fn revision_text(revision: u32) -> String {
    format!("v{}.{}", revision / 100, revision % 100)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::esp32::SECURITY_EFUSES as F;

    fn registers(fields: &[(Bits, u32)]) -> Registers {
        let mut r = Registers::new();
        for &(bits, value) in fields {
            let (reg, v, mask) = bits.encode(value).expect("fits");
            r.set(reg, r.get(reg) & !mask | v);
        }
        r
    }

    #[test]
    fn fields_sit_where_esptool_reads_them() {
        // targets/esp32.py: EFUSE_RD_REG_BASE 0x3FF5A000; FLASH_CRYPT_CNT 0x7F << 20 of
        // word 0; ABS_DONE_0/1 bits 4/5 and DISABLE_DL_ENCRYPT bit 7 of word 6;
        // FLASH_CRYPT_CONFIG bits 28..31 of word 5.
        assert_eq!(
            F.flash_crypt_cnt.encode(0x7F),
            Some((0x3FF5_A000, 0x7F << 20, 0x7F << 20))
        );
        assert_eq!(F.abs_done_0.encode(1), Some((0x3FF5_A018, 1 << 4, 1 << 4)));
        assert_eq!(F.abs_done_1.encode(1), Some((0x3FF5_A018, 1 << 5, 1 << 5)));
        assert_eq!(
            F.disable_dl_encrypt.encode(1),
            Some((0x3FF5_A018, 1 << 7, 1 << 7))
        );
        assert_eq!(
            F.disable_dl_decrypt.encode(1),
            Some((0x3FF5_A018, 1 << 8, 1 << 8))
        );
        assert_eq!(
            F.flash_crypt_config.encode(0xF),
            Some((0x3FF5_A014, 0xF << 28, 0xF << 28))
        );
        assert_eq!(
            F.rd_dis.encode(0xF),
            Some((0x3FF5_A000, 0xF << 16, 0xF << 16))
        );
        assert_eq!(F.flash_crypt_cnt.encode(0x80), None);
    }

    #[test]
    fn flash_encryption_is_an_odd_count() {
        for (cnt, on) in [(0, false), (1, true), (3, false), (7, true), (0x7F, true)] {
            let r = registers(&[(F.flash_crypt_cnt, cnt)]);
            assert_eq!(
                F.decode(&r).flash_encryption,
                on,
                "FLASH_CRYPT_CNT {cnt:#x}"
            );
        }
    }

    #[test]
    fn secure_boot_v2_counts_from_revision_3() {
        let mut r = registers(&[(F.abs_done_1, 1)]);
        for (reg, value, mask) in (F.revision.encode)(300).unwrap() {
            r.set(reg, r.get(reg) & !mask | value);
        }
        let s = F.decode(&r);
        assert!(s.secure_boot && !s.secure_boot_v1);
        assert_eq!(s.revision, 300);
        let mut r = registers(&[(F.abs_done_1, 1)]);
        for (reg, value, mask) in (F.revision.encode)(100).unwrap() {
            r.set(reg, r.get(reg) & !mask | value);
        }
        assert!(!F.decode(&r).secure_boot);
        let r = registers(&[(F.abs_done_0, 1)]);
        assert!(F.decode(&r).secure_boot_v1 && F.decode(&r).secure_boot);
    }

    #[test]
    fn read_protection_hides_the_crypt_config() {
        let r = registers(&[(F.flash_crypt_config, 0x3)]);
        assert_eq!(F.decode(&r).flash_crypt_config, 0x3);
        let r = registers(&[(F.flash_crypt_config, 0x3), (F.rd_dis, 0b1000)]);
        assert_eq!(F.decode(&r).flash_crypt_config, 0xF);
    }

    #[test]
    fn revisions_round_trip() {
        for rev in [0, 100, 200, 300, 301, 303] {
            let mut r = Registers::new();
            for (reg, value, mask) in (F.revision.encode)(rev).unwrap() {
                r.set(reg, r.get(reg) & !mask | value);
            }
            assert_eq!((F.revision.read)(&r), rev);
        }
        assert_eq!((F.revision.encode)(400), None);
        assert_eq!((F.revision.encode)(104), None);
        assert_eq!(revision_text(301), "v3.1");
    }
}
