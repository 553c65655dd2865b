//! The security eFuses of the chips after the ESP32 (BLOCK0 fields, named as in
//! espefuse's tables): where each sits, and what their ROMs' GET_SECURITY_INFO reports
//! from them.
//!
//! The flag bits of GET_SECURITY_INFO are the same on every ROM (esptool `loader.py`
//! `get_security_info`). Which field feeds the DIS_USB flag on the chips with a
//! USB-Serial/JTAG controller, how a multi-bit SOFT_DIS_JTAG becomes one flag, and the
//! seventh key purpose byte are not documented: those are marked "(inferred)".

use crate::Registers;
use crate::efuse::Bits;
use crate::security::BitWrite;

/// What a security field means to GET_SECURITY_INFO and to esptool's checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// SPI_BOOT_CRYPT_CNT: flash encryption is on while an odd number of bits are set.
    SpiBootCryptCnt,
    /// SECURE_BOOT_EN.
    SecureBootEn,
    /// SECURE_BOOT_AGGRESSIVE_REVOKE.
    AggressiveRevoke,
    /// SECURE_BOOT_KEY_REVOKE0..2.
    KeyRevoke(u8),
    /// ENABLE_SECURITY_DOWNLOAD: the ROM runs Secure Download Mode.
    SecureDownload,
    /// DIS_DOWNLOAD_MANUAL_ENCRYPT: the loader cannot encrypt what it writes.
    DisDownloadManualEncrypt,
    /// DIS_DOWNLOAD_ICACHE.
    DisDownloadIcache,
    /// DIS_DOWNLOAD_DCACHE.
    DisDownloadDcache,
    /// SOFT_DIS_JTAG (one bit, or three disabling while an odd number are set).
    SoftDisJtag,
    /// HARD_DIS_JTAG / DIS_PAD_JTAG.
    HardDisJtag,
    /// The USB controller the DIS_USB flag reports.
    DisUsb,
    /// KEY_PURPOSE_0..5.
    KeyPurpose(u8),
    /// FORCE_USE_KEY_MANAGER_KEY: one bit per key that must come from the Key Manager.
    ForceUseKeyManagerKey,
}

/// GET_SECURITY_INFO flag bits (esptool `SECURITY_INFO_FLAG_MAP`).
pub mod flag {
    #![allow(missing_docs)]
    pub const SECURE_BOOT_EN: u32 = 1 << 0;
    pub const SECURE_BOOT_AGGRESSIVE_REVOKE: u32 = 1 << 1;
    pub const SECURE_DOWNLOAD_ENABLE: u32 = 1 << 2;
    /// SECURE_BOOT_KEY_REVOKE0; 1 and 2 are the next bits.
    pub const SECURE_BOOT_KEY_REVOKE0: u32 = 1 << 3;
    pub const SOFT_DIS_JTAG: u32 = 1 << 6;
    pub const HARD_DIS_JTAG: u32 = 1 << 7;
    pub const DIS_USB: u32 = 1 << 8;
    pub const DIS_DOWNLOAD_DCACHE: u32 = 1 << 9;
    pub const DIS_DOWNLOAD_ICACHE: u32 = 1 << 10;
}

/// The bit of FORCE_USE_KEY_MANAGER_KEY for the XTS-AES (flash encryption) key.
pub const KEY_MANAGER_XTS_AES_KEY: u32 = 1 << 1;

/// One BLOCK0 field: its espefuse names (the first is the current one, then aliases),
/// what it does, and its bits in the read registers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecurityField {
    /// espefuse's name first, then its aliases.
    pub names: &'static [&'static str],
    /// What it does.
    pub role: Role,
    /// Where it is read.
    pub bits: Bits,
}

impl SecurityField {
    /// Field `names` of `role` in word `word` of BLOCK0 (read at `block0`).
    pub const fn new(
        names: &'static [&'static str],
        role: Role,
        block0: u32,
        word: u32,
        shift: u32,
        width: u32,
    ) -> SecurityField {
        SecurityField {
            names,
            role,
            bits: Bits {
                reg: block0 + 4 * word,
                shift,
                width,
            },
        }
    }

    /// The espefuse name.
    pub fn name(&self) -> &'static str {
        self.names[0]
    }
}

/// A chip's security eFuses: the fields it shares with its family, its own, and the
/// names esptool gives the key purposes.
#[derive(Debug, Clone, Copy)]
pub struct SecurityFields {
    /// The fields at the places the chip's family shares.
    pub shared: &'static [SecurityField],
    /// The fields only this chip has where it has them.
    pub own: &'static [SecurityField],
    /// esptool's `KEY_PURPOSES` (empty on the ESP32-C2, whose one key block has no
    /// purpose field).
    pub key_purposes: &'static [(u8, &'static str)],
}

/// What GET_SECURITY_INFO reports (before the chip ID and API version).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SecurityReport {
    /// The flag word ([`flag`]).
    pub flags: u32,
    /// SPI_BOOT_CRYPT_CNT.
    pub flash_crypt_cnt: u8,
    /// KEY_PURPOSE_0..5, then the seventh byte.
    pub key_purposes: [u8; 7],
}

impl SecurityFields {
    /// Every field.
    pub fn fields(&self) -> impl Iterator<Item = &'static SecurityField> + '_ {
        self.shared.iter().chain(self.own.iter())
    }

    /// The field called `name` (espefuse's name or alias, any case, `-` or `_`).
    pub fn by_name(&self, name: &str) -> Option<&'static SecurityField> {
        let wanted = name.trim().to_ascii_uppercase().replace('-', "_");
        self.fields().find(|f| f.names.contains(&wanted.as_str()))
    }

    /// The field with `role`.
    pub fn by_role(&self, role: Role) -> Option<&'static SecurityField> {
        self.fields().find(|f| f.role == role)
    }

    /// The registers the fields are read from.
    pub fn registers(&self) -> Vec<u32> {
        let mut regs: Vec<u32> = self.fields().map(|f| f.bits.reg).collect();
        regs.sort_unstable();
        regs.dedup();
        regs
    }

    fn value(&self, role: Role, r: &Registers) -> u32 {
        self.by_role(role).map_or(0, |f| f.bits.value(r))
    }

    /// The purpose number of `name` (esptool's key purpose name, any case).
    pub fn key_purpose(&self, name: &str) -> Option<u8> {
        let wanted = name.trim().to_ascii_uppercase().replace('-', "_");
        self.key_purposes.iter().find_map(|&(n, text)| {
            let matches = text == wanted || text.split('/').any(|part| part == wanted);
            matches.then_some(n)
        })
    }

    /// The seventh key purpose byte, for BLOCK_SYS_DATA2, which has no purpose field:
    /// the ROM's "no purpose" value, one past its last (12 on the ESP32-C6 and H2 as
    /// esptool prints it from real chips; the rule for the others is inferred).
    pub fn seventh_key_purpose(&self) -> u8 {
        self.key_purposes
            .iter()
            .map(|&(n, _)| n + 1)
            .max()
            .unwrap_or(0)
    }

    /// What the ROM reports from the registers `r`.
    pub fn report(&self, r: &Registers) -> SecurityReport {
        let on = |role| self.value(role, r) != 0;
        let mut flags = 0;
        let mut set = |cond: bool, bit: u32| {
            if cond {
                flags |= bit;
            }
        };
        set(on(Role::SecureBootEn), flag::SECURE_BOOT_EN);
        set(
            on(Role::AggressiveRevoke),
            flag::SECURE_BOOT_AGGRESSIVE_REVOKE,
        );
        set(on(Role::SecureDownload), flag::SECURE_DOWNLOAD_ENABLE);
        for i in 0..3u8 {
            set(on(Role::KeyRevoke(i)), flag::SECURE_BOOT_KEY_REVOKE0 << i);
        }
        // Three-bit SOFT_DIS_JTAG disables JTAG while an odd number are set (espefuse's
        // description); the flag follows that (inferred).
        set(
            self.value(Role::SoftDisJtag, r).count_ones() % 2 == 1,
            flag::SOFT_DIS_JTAG,
        );
        set(on(Role::HardDisJtag), flag::HARD_DIS_JTAG);
        set(on(Role::DisUsb), flag::DIS_USB);
        set(on(Role::DisDownloadDcache), flag::DIS_DOWNLOAD_DCACHE);
        set(on(Role::DisDownloadIcache), flag::DIS_DOWNLOAD_ICACHE);
        let mut key_purposes = [0u8; 7];
        for (i, slot) in key_purposes.iter_mut().take(6).enumerate() {
            *slot = self.value(Role::KeyPurpose(i as u8), r) as u8;
        }
        key_purposes[6] = self.seventh_key_purpose();
        SecurityReport {
            flags,
            flash_crypt_cnt: self.value(Role::SpiBootCryptCnt, r) as u8,
            key_purposes,
        }
    }

    /// Flash encryption is on (an odd SPI_BOOT_CRYPT_CNT), as esptool reads it.
    pub fn flash_encryption(&self, r: &Registers) -> bool {
        self.value(Role::SpiBootCryptCnt, r).count_ones() % 2 == 1
    }

    /// SECURE_BOOT_EN is burnt.
    pub fn secure_boot(&self, r: &Registers) -> bool {
        self.value(Role::SecureBootEn, r) != 0
    }

    /// DIS_DOWNLOAD_MANUAL_ENCRYPT is burnt.
    pub fn encrypted_download_disabled(&self, r: &Registers) -> bool {
        self.value(Role::DisDownloadManualEncrypt, r) != 0
    }

    /// Flash encryption takes its XTS-AES key from the Key Manager
    /// (FORCE_USE_KEY_MANAGER_KEY bit 1, espefuse's description), so flash 0x0-0x2000
    /// holds the key recovery info (esptool `uses_key_manager_for_flash_encryption`).
    pub fn key_manager_flash_encryption(&self, r: &Registers) -> bool {
        self.value(Role::ForceUseKeyManagerKey, r) & KEY_MANAGER_XTS_AES_KEY != 0
    }

    /// ENABLE_SECURITY_DOWNLOAD is burnt.
    pub fn secure_download(&self, r: &Registers) -> bool {
        self.value(Role::SecureDownload, r) != 0
    }

    /// `value` written into `field`, as `(register, value, mask)`.
    pub fn encode(field: &SecurityField, value: u32) -> Option<BitWrite> {
        field.bits.encode(value)
    }
}

/// The layout the S3, C3, C6, H2 and P4 share: the fields every one of them has, at
/// the same places of BLOCK0 (read at `block0`). The USB and cache fields differ.
pub const fn shared_layout(block0: u32) -> [SecurityField; 16] {
    use Role::*;
    let f = SecurityField::new;
    [
        f(&["SOFT_DIS_JTAG"], SoftDisJtag, block0, 1, 16, 3),
        f(&["DIS_PAD_JTAG"], HardDisJtag, block0, 1, 19, 1),
        f(
            &["DIS_DOWNLOAD_MANUAL_ENCRYPT"],
            DisDownloadManualEncrypt,
            block0,
            1,
            20,
            1,
        ),
        f(&["SPI_BOOT_CRYPT_CNT"], SpiBootCryptCnt, block0, 2, 18, 3),
        f(&["SECURE_BOOT_KEY_REVOKE0"], KeyRevoke(0), block0, 2, 21, 1),
        f(&["SECURE_BOOT_KEY_REVOKE1"], KeyRevoke(1), block0, 2, 22, 1),
        f(&["SECURE_BOOT_KEY_REVOKE2"], KeyRevoke(2), block0, 2, 23, 1),
        f(
            &["KEY_PURPOSE_0", "KEY0_PURPOSE"],
            KeyPurpose(0),
            block0,
            2,
            24,
            4,
        ),
        f(
            &["KEY_PURPOSE_1", "KEY1_PURPOSE"],
            KeyPurpose(1),
            block0,
            2,
            28,
            4,
        ),
        f(
            &["KEY_PURPOSE_2", "KEY2_PURPOSE"],
            KeyPurpose(2),
            block0,
            3,
            0,
            4,
        ),
        f(
            &["KEY_PURPOSE_3", "KEY3_PURPOSE"],
            KeyPurpose(3),
            block0,
            3,
            4,
            4,
        ),
        f(
            &["KEY_PURPOSE_4", "KEY4_PURPOSE"],
            KeyPurpose(4),
            block0,
            3,
            8,
            4,
        ),
        f(
            &["KEY_PURPOSE_5", "KEY5_PURPOSE"],
            KeyPurpose(5),
            block0,
            3,
            12,
            4,
        ),
        f(&["SECURE_BOOT_EN"], SecureBootEn, block0, 3, 20, 1),
        f(
            &["SECURE_BOOT_AGGRESSIVE_REVOKE"],
            AggressiveRevoke,
            block0,
            3,
            21,
            1,
        ),
        f(
            &["ENABLE_SECURITY_DOWNLOAD"],
            SecureDownload,
            block0,
            4,
            5,
            1,
        ),
    ]
}

/// Key purpose names of the S2 and S3 (esptool `KEY_PURPOSES`).
pub const KEY_PURPOSES_S2_S3: &[(u8, &str)] = &[
    (0, "USER/EMPTY"),
    (1, "RESERVED"),
    (2, "XTS_AES_256_KEY_1"),
    (3, "XTS_AES_256_KEY_2"),
    (4, "XTS_AES_128_KEY"),
    (5, "HMAC_DOWN_ALL"),
    (6, "HMAC_DOWN_JTAG"),
    (7, "HMAC_DOWN_DIGITAL_SIGNATURE"),
    (8, "HMAC_UP"),
    (9, "SECURE_BOOT_DIGEST0"),
    (10, "SECURE_BOOT_DIGEST1"),
    (11, "SECURE_BOOT_DIGEST2"),
];
