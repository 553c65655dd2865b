//! The security eFuses of the chips after the ESP32 (`--efuse secure-boot-en,...`): the
//! GET_SECURITY_INFO bytes each ROM (and the stub) computes from them, the eFuse words
//! esptool's own checks read, and Secure Download Mode's refusals.

mod common;

use common::{Host, config};
use espctl_chips::CHIP_DETECT_MAGIC_REG;
use espctl_chips::Chip;
use espctl_chips::security_fields::flag;
use espctl_protocol::Command;
use espctl_protocol::command::FlashBegin;
use espctl_protocol::reply::SecurityInfo;
use espctl_virtual::EfuseState;

fn chip(name: &str) -> &'static Chip {
    Chip::by_arg_name(name).unwrap()
}

fn host(name: &str, efuse: &str) -> Host {
    let mut c = config(chip(name));
    c.efuse = EfuseState::parse(efuse).unwrap();
    Host::new(c)
}

fn security_info(h: &mut Host) -> (Vec<u8>, SecurityInfo) {
    let a = h.command(&Command::GetSecurityInfo);
    assert_eq!(a.status(4), [0, 0, 0, 0]);
    let data = a.data(4).to_vec();
    let info = SecurityInfo::decode(&data).expect("12 or 20 bytes");
    (data, info)
}

#[test]
fn the_c3s_answer_carries_its_secure_boot_encryption_and_key_purposes() {
    let mut h = host(
        "esp32c3",
        "secure-boot-en,spi-boot-crypt-cnt=1,key-purpose-0=XTS_AES_128_KEY,\
         key-purpose-1=SECURE_BOOT_DIGEST0,secure-boot-key-revoke2,soft-dis-jtag=0b111",
    );
    let (bytes, _) = security_info(&mut h);
    let mut expected = Vec::new();
    // SECURE_BOOT_EN, KEY_REVOKE2 and SOFT_DIS_JTAG (three bits set: odd, disabled).
    expected.extend_from_slice(&(1u32 | 1 << 5 | 1 << 6).to_le_bytes());
    expected.push(1);
    expected.extend_from_slice(&[4, 9, 0, 0, 0, 0, 12]);
    expected.extend_from_slice(&5u32.to_le_bytes()); // chip ID
    expected.extend_from_slice(&0u32.to_le_bytes()); // API version
    assert_eq!(bytes, expected);
}

/// (chip, --efuse, flags, crypt count, key purposes, chip id)
type Case = (&'static str, &'static str, u32, u8, [u8; 7], Option<u32>);

#[test]
fn every_newer_chip_reports_its_own_fields() {
    let cases: [Case; 8] = [
        (
            "esp32s2",
            "secure-boot-en,hard-dis-jtag,dis-usb,dis-download-dcache,spi-boot-crypt-cnt=3",
            flag::SECURE_BOOT_EN | flag::HARD_DIS_JTAG | flag::DIS_USB | flag::DIS_DOWNLOAD_DCACHE,
            3,
            [0, 0, 0, 0, 0, 0, 12],
            None,
        ),
        (
            "esp32s3",
            "secure-boot-aggressive-revoke,dis-download-icache,dis-usb-otg,key-purpose-5=2",
            flag::SECURE_BOOT_AGGRESSIVE_REVOKE | flag::DIS_DOWNLOAD_ICACHE | flag::DIS_USB,
            0,
            [0, 0, 0, 0, 0, 2, 12],
            Some(9),
        ),
        (
            "esp32c2",
            "secure-boot-en,dis-pad-jtag,spi-boot-crypt-cnt=7",
            flag::SECURE_BOOT_EN | flag::HARD_DIS_JTAG,
            7,
            [0; 7],
            Some(12),
        ),
        (
            "esp32c3",
            "enable-security-download",
            flag::SECURE_DOWNLOAD_ENABLE,
            0,
            [0, 0, 0, 0, 0, 0, 12],
            Some(5),
        ),
        (
            "esp32c5",
            "secure-boot-en,secure-boot-key-revoke0,key-purpose-3=ECDSA_KEY_P384_H",
            flag::SECURE_BOOT_EN | flag::SECURE_BOOT_KEY_REVOKE0,
            0,
            [0, 0, 0, 18, 0, 0, 19],
            Some(23),
        ),
        (
            "esp32c6",
            "dis-usb-serial-jtag,spi-boot-crypt-cnt=1",
            flag::DIS_USB,
            1,
            [0, 0, 0, 0, 0, 0, 12],
            Some(13),
        ),
        (
            "esp32h2",
            "soft-dis-jtag=0b011,key-purpose-2=ECDSA_KEY",
            0, // two bits set: an even count leaves JTAG on
            0,
            [0, 0, 1, 0, 0, 0, 12],
            Some(16),
        ),
        (
            "esp32p4",
            "secure-boot-en,key-purpose-0=KM_INIT_KEY",
            flag::SECURE_BOOT_EN,
            0,
            [12, 0, 0, 0, 0, 0, 13],
            Some(18),
        ),
    ];
    for (name, efuse, flags, cnt, purposes, id) in cases {
        let mut h = host(name, efuse);
        let (bytes, info) = security_info(&mut h);
        assert_eq!(bytes.len(), if id.is_some() { 20 } else { 12 }, "{name}");
        assert_eq!(
            (
                info.flags,
                info.flash_crypt_cnt,
                info.key_purposes,
                info.chip_id
            ),
            (flags, cnt, purposes, id),
            "{name} with {efuse}"
        );
    }
}

#[test]
fn esptools_own_efuse_reads_see_the_same_bits() {
    // targets/esp32c3.py: SECURE_BOOT_EN is bit 20 of EFUSE_BASE + 0x38, the crypt count
    // 0x7 << 18 of + 0x34, DIS_DOWNLOAD_MANUAL_ENCRYPT bit 20 of + 0x30.
    let mut h = host(
        "esp32c3",
        "secure-boot-en,spi-boot-crypt-cnt=1,dis-download-manual-encrypt",
    );
    assert_eq!(h.read_reg(0x6000_8838) & 1 << 20, 1 << 20);
    assert_eq!(h.read_reg(0x6000_8834) & 7 << 18, 1 << 18);
    assert_eq!(h.read_reg(0x6000_8830) & 1 << 20, 1 << 20);
}

#[test]
fn the_stub_answers_from_the_same_efuses() {
    let mut h = host("esp32s3", "secure-boot-en,spi-boot-crypt-cnt=1");
    let (rom, _) = security_info(&mut h);
    h.start_stub();
    let a = h.command(&Command::GetSecurityInfo);
    assert_eq!(a.status(2), [0, 0]);
    assert_eq!(a.data(2), rom);
}

#[test]
fn secure_download_mode_takes_only_what_writing_flash_needs() {
    let mut h = host("esp32s3", "enable-security-download");
    let (_, info) = security_info(&mut h);
    assert_eq!(
        info.flags & flag::SECURE_DOWNLOAD_ENABLE,
        flag::SECURE_DOWNLOAD_ENABLE
    );
    // READ_REG and MEM_BEGIN: the restricted form, eight times, with another opcode.
    for cmd in [
        Command::ReadReg {
            addr: CHIP_DETECT_MAGIC_REG,
        },
        Command::MemBegin {
            size: 0x100,
            blocks: 1,
            block_size: 0x100,
            addr: 0x4037_0000,
        },
        Command::SpiFlashMd5 { addr: 0, size: 16 },
        Command::ReadFlashSlow { offset: 0, len: 16 },
    ] {
        h.send(&cmd);
        let answers = h.answers();
        assert_eq!(answers.len(), 8, "{cmd:?}");
        for a in answers {
            assert_ne!(a.op, cmd.opcode() as u8);
            assert_eq!(a.body, [1, 5, 0, 0], "{cmd:?}");
        }
    }
    // Writing flash works.
    let a = h.command(&Command::SpiAttach {
        config: 0,
        rom_form: true,
    });
    assert_eq!(a.body, [0, 0, 0, 0]);
    let a = h.command(&Command::FlashBegin(FlashBegin {
        size: 0x1000,
        blocks: 1,
        block_size: 0x400,
        offset: 0x1_0000,
        encrypted: Some(0),
    }));
    assert_eq!(a.body, [0, 0, 0, 0]);
    let a = h.command(&Command::FlashData {
        seq: 0,
        data: vec![0x5A; 0x400],
    });
    assert_eq!(a.body, [0, 0, 0, 0]);
}

#[test]
fn a_field_the_chip_lacks_is_refused_when_the_device_is_built() {
    for (name, efuse) in [
        ("esp32c2", "secure-boot-key-revoke0"),
        ("esp32c3", "dis-download-dcache"),
        ("esp32s3", "flash-crypt-cnt=1"),
        ("esp32", "secure-boot-en"),
        ("esp8266", "secure-boot-en"),
    ] {
        let mut c = config(chip(name));
        c.efuse = EfuseState::parse(efuse).unwrap();
        assert!(espctl_virtual::Device::new(c).is_err(), "{name} {efuse}");
    }
}
