//! Burnt eFuses (`DeviceConfig::efuse`) as a host reads them with READ_REG: in the words
//! and bits where the ESP32 has them, beside the identity words, and read-only.

mod common;

use common::{Host, config};
use espctl_chips::Registers;
use espctl_chips::esp32::{ESP32, SECURITY_EFUSES};
use espctl_virtual::EfuseState;

fn host(efuse: &str) -> Host {
    let mut c = config(&ESP32);
    c.efuse = EfuseState::parse(efuse).unwrap();
    Host::new(c)
}

fn read(h: &mut Host, addrs: &[u32]) -> Registers {
    addrs.iter().map(|&a| (a, h.read_reg(a))).collect()
}

#[test]
fn security_efuses_read_where_esptool_reads_them() {
    let mut h = host("secure-boot,flash-crypt-cnt=1,disable-dl-encrypt,revision=v1.0");
    // targets/esp32.py: FLASH_CRYPT_CNT is 0x7F << 20 of the word at 0x3FF5A000,
    // ABS_DONE_0 bit 4 and DISABLE_DL_ENCRYPT bit 7 of 0x3FF5A018.
    assert_eq!(h.read_reg(0x3FF5_A000) & 0x7F << 20, 1 << 20);
    assert_eq!(
        h.read_reg(0x3FF5_A018) & (1 << 4 | 1 << 5 | 1 << 7),
        1 << 4 | 1 << 7
    );
    let state = SECURITY_EFUSES.decode(&read(&mut h, &SECURITY_EFUSES.registers()));
    assert!(state.flash_encryption && state.secure_boot_v1 && state.encrypted_download_disabled);
    assert_eq!(state.revision, 100);
    // The identity words keep the typical part's other bits: still a D0WD, now v1.0.
    let regs = read(&mut h, ESP32.identity.registers);
    assert_eq!(
        (ESP32.identity.describe)(&regs).name,
        "ESP32-D0WD (revision v1.0)"
    );
    // eFuse read words ignore writes.
    h.write_reg(0x3FF5_A018, 0);
    assert_eq!(h.read_reg(0x3FF5_A018) & 1 << 4, 1 << 4);
}

#[test]
fn a_new_chip_has_every_security_efuse_clear() {
    let mut h = host("");
    let state = SECURITY_EFUSES.decode(&read(&mut h, &SECURITY_EFUSES.registers()));
    assert!(!state.flash_encryption && !state.secure_boot && !state.encrypted_download_disabled);
    assert_eq!(state.revision, 300);
}
