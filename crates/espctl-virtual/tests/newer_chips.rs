//! The ROM loaders of the chips after the ESP32 (S2, S3, C2, C3, C5, C6, H2, P4), and the
//! UART date register of the two older ones, driven through the public `Device` API.

mod common;

use common::{Host, config};
use espctl_chips::{BootMode, CHIP_DETECT_MAGIC_REG, Chip, ResetCause, esp32c2::ESP32C2};
use espctl_protocol::Command;
use espctl_protocol::reply::SecurityInfo;

const NEWER: [&str; 8] = [
    "esp32s2", "esp32s3", "esp32c2", "esp32c3", "esp32c5", "esp32c6", "esp32h2", "esp32p4",
];

fn chip(name: &str) -> &'static Chip {
    Chip::by_arg_name(name).unwrap()
}

#[test]
fn every_newer_rom_answers_with_four_status_bytes_its_magic_and_its_security_info() {
    for name in NEWER {
        let chip = chip(name);
        let mut h = Host::new(config(chip));
        let a = h.command(&Command::ReadReg {
            addr: CHIP_DETECT_MAGIC_REG,
        });
        assert_eq!(a.value, chip.magic_values[0], "{name}");
        assert_eq!(a.body, [0, 0, 0, 0], "{name}");
        let a = h.command(&Command::GetSecurityInfo);
        let info = SecurityInfo::decode(a.data(4)).expect("12 or 20 bytes");
        assert_eq!(info.flags, 0);
        // The S2 ROM answers without the chip ID; esptool then reads the magic.
        let id = chip.image_chip_id.map(u32::from);
        let expected = if chip.rom.security_info_chip_id {
            id
        } else {
            None
        };
        assert_eq!(info.chip_id, expected, "{name}");
        // READ_FLASH is the stub's: the ROM says "invalid message".
        let a = h.command(&Command::ReadFlash {
            offset: 0,
            len: 16,
            packet_size: 16,
            max_in_flight: 1,
        });
        assert_eq!(a.status(4), [1, 5, 0, 0], "{name}");
    }
}

#[test]
fn the_strap_register_says_download_mode_as_the_boot_log_does() {
    for name in NEWER {
        let part = chip(name).typical_part().unwrap();
        let strap = part.strap.unwrap();
        let mut h = Host::new(config(chip(name)));
        let value = h.read_reg(strap.addr);
        assert_eq!(value, strap.download_boot, "{name}");
        let log = (part.boot_log.render)(ResetCause::PowerOn, BootMode::Download);
        assert!(
            log.contains(&format!("boot:0x{value:x} (DOWNLOAD")),
            "{log}"
        );
    }
}

#[test]
fn esp32c2_rom_sets_baud_rates_as_if_its_26mhz_crystal_were_40mhz() {
    // esptool sends baud * 40 / 26 to a 26 MHz part; the plain rate misses.
    for scaled in [true, false] {
        let mut h = Host::new(config(&ESP32C2));
        let value = if scaled { 460_800 * 40 / 26 } else { 460_800 };
        assert_eq!(
            h.answers_after_baud_change(value, 460_800),
            usize::from(scaled),
            "scaled: {scaled}"
        );
    }
}

#[test]
fn esp32_and_esp8266_report_their_uart_date() {
    // esptool v2/v3 told the chips apart by this register (DATE_REG_VALUE).
    let mut h = Host::esp32();
    assert_eq!(h.read_reg(0x6000_0078), 0x1512_2500);
    let mut h = Host::esp8266();
    assert_eq!(h.read_reg(0x6000_0078), 0x0006_2000);
    // It is read-only: esptool writes to it for a delay.
    h.command(&Command::WriteReg(vec![
        espctl_protocol::command::RegWrite {
            addr: 0x6000_0078,
            value: 0,
            mask: !0,
            delay_us: 0,
        },
    ]));
    assert_eq!(h.read_reg(0x6000_0078), 0x0006_2000);
}
