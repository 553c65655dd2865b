//! SLIP at the device's edge, register-driven SPI commands, resets and the flash file.

mod common;

use common::{Host, config};
use espctl_chips::{BootMode, esp32::ESP32, esp8266::ESP8266};
use espctl_protocol::command::{FlashBegin, RegWrite};
use espctl_protocol::{Command, slip};
use espctl_virtual::{Device, DeviceConfig, DeviceState, StartMode};
use std::time::Duration;

/// The ROM's SLIP decoder is modelled tolerant (an empty frame and noise between
/// frames are harmless); the stub's is not (see tests/stub.rs).
#[test]
fn frames_split_anywhere_and_noise_between_them_are_fine() {
    let mut h = Host::esp8266();
    let mut stream = b"garbage before\r\n".to_vec();
    stream.extend(slip::encode(&Command::Sync.to_request().encode()));
    stream.extend(b"\x00\x01noise");
    // An empty frame; its second C0 opens the next frame, which then starts with C0.
    stream.extend([0xC0, 0xC0]);
    stream.extend(slip::encode(
        &Command::ReadReg { addr: 0x4000_1000 }.to_request().encode(),
    ));
    for b in stream {
        h.dev.write(&[b]);
    }
    let a = h.answers();
    assert_eq!(a.len(), 9);
    assert_eq!(a[8].value, 0xFFF0_C101);
}

#[test]
fn escaped_bytes_in_payloads_and_answers_survive() {
    let mut h = Host::esp32();
    // RAM data full of the SLIP specials goes in through MEM_DATA...
    let addr = 0x3FFE_0000;
    h.command(&Command::MemBegin {
        size: 8,
        blocks: 1,
        block_size: 0x1800,
        addr,
    });
    let a = h.command(&Command::MemData {
        seq: 0,
        data: vec![0xC0, 0xDB, 0xDB, 0xC0, 0xDC, 0xDD, 0xC0, 0xC0],
    });
    assert_eq!(a.body, [0, 0, 0, 0]);
    // ...and comes back escaped in the value word of READ_REG.
    h.send(&Command::ReadReg { addr });
    let raw = h.raw();
    assert!(raw.windows(2).any(|w| w == [0xDB, 0xDC]));
    assert!(raw.windows(2).any(|w| w == [0xDB, 0xDD]));
    assert_eq!(h.read_reg(addr), 0xC0DB_DBC0);
    assert_eq!(h.read_reg(addr + 4), 0xC0C0_DDDC);
}

#[test]
fn an_invalid_escape_drops_the_frame_and_the_next_one_works() {
    let mut h = Host::esp8266();
    h.dev.write(&[0xC0, 0x00, 0x0A, 0xDB, 0x01, 0xC0]);
    assert!(h.raw().is_empty());
    assert_eq!(h.read_reg(0x4000_1000), 0xFFF0_C101);
}

/// A modelling choice: what the ROM does with answers and runts is not documented; it
/// ignores them here.
#[test]
fn answers_of_other_devices_are_ignored_by_the_rom() {
    let mut h = Host::esp8266();
    // Direction 1 (an answer) and a runt frame: the ROM stays silent.
    h.dev.write(&slip::encode(&[1, 8, 0, 0, 0, 0, 0, 0]));
    h.dev.write(&slip::encode(&[0, 8]));
    assert!(h.raw().is_empty());
}

fn spi_command(h: &mut Host, esp8266: bool, cmd: u8, read_bits: u32, addr: Option<u32>) -> u32 {
    let chip = if esp8266 { &ESP8266 } else { &ESP32 };
    let s = chip.spi;
    let mut writes = Vec::new();
    let w = |addr, value| RegWrite {
        addr,
        value,
        mask: u32::MAX,
        delay_us: 0,
    };
    let usr1_addr = if addr.is_some() { 7 | 23 << 26 } else { 0 };
    if esp8266 {
        writes.push(w(s.usr1(), read_bits.saturating_sub(1) << 8 | usr1_addr));
    } else {
        if read_bits > 0 {
            writes.push(w(s.miso_dlen().unwrap(), read_bits - 1));
        }
        if usr1_addr != 0 {
            writes.push(w(s.usr1(), usr1_addr));
        }
    }
    let mut usr = 1 << 31;
    if read_bits > 0 {
        usr |= 1 << 28;
    }
    if addr.is_some() {
        usr |= 1 << 30 | 1 << 29;
    }
    writes.push(w(s.usr(), usr));
    writes.push(w(s.usr2(), 7 << 28 | u32::from(cmd)));
    if let Some(a) = addr {
        writes.push(w(s.addr(), a << 8));
    }
    writes.push(w(s.w0(), 0));
    writes.push(w(s.cmd(), 1 << 18));
    assert_eq!(h.command(&Command::WriteReg(writes)).body[0], 0);
    assert_eq!(
        h.read_reg(s.cmd()) & (1 << 18),
        0,
        "USR bit cleared when done"
    );
    h.read_reg(s.w0())
}

#[test]
fn flash_id_through_the_spi_registers() {
    for esp8266 in [true, false] {
        let mut h = if esp8266 {
            Host::esp8266()
        } else {
            Host::esp32()
        };
        if !esp8266 {
            // The ESP32 ROM routes the flash pins only at SPI_ATTACH: until then the
            // flash reads all ones; wrong pins (HSPI) leave it so.
            assert_eq!(spi_command(&mut h, esp8266, 0x9F, 24, None), 0xFF_FFFF);
            for (config, id) in [(1, 0xFF_FFFF), (0, 0x16405E)] {
                let attach = Command::SpiAttach {
                    config,
                    rom_form: true,
                };
                assert_eq!(h.command(&attach).body[0], 0);
                assert_eq!(spi_command(&mut h, esp8266, 0x9F, 24, None), id);
            }
        }
        assert_eq!(spi_command(&mut h, esp8266, 0x9F, 24, None), 0x16405E);
        assert_eq!(spi_command(&mut h, esp8266, 0x5A, 32, Some(0)), 0x5044_4653);
        assert_eq!(spi_command(&mut h, esp8266, 0x05, 8, None), 0);
        spi_command(&mut h, esp8266, 0x06, 0, None);
        assert_eq!(spi_command(&mut h, esp8266, 0x05, 8, None), 0x02);
        spi_command(&mut h, esp8266, 0x04, 0, None);
        assert_eq!(spi_command(&mut h, esp8266, 0x05, 8, None), 0);
        spi_command(&mut h, esp8266, 0x66, 0, None);
        spi_command(&mut h, esp8266, 0x99, 0, None);
        assert_eq!(spi_command(&mut h, esp8266, 0x15, 8, None), 0x60);
        // The same registers work through the stub.
        h.start_stub();
        assert_eq!(spi_command(&mut h, esp8266, 0x9F, 24, None), 0x16405E);
    }
}

#[test]
fn the_esp32_strap_register_and_boot_log_follow_the_boot_mode() {
    let mut h = Host::esp32();
    assert_eq!(h.read_reg(0x3FF4_4038), 0x03);
    h.dev.reset(BootMode::Flash);
    let log = String::from_utf8(h.raw()).unwrap();
    assert!(
        log.contains("rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)"),
        "{log}"
    );
    assert_eq!(h.dev.state(), DeviceState::RunningFlash);
    h.dev.reset(BootMode::Download);
    let log = String::from_utf8(h.raw()).unwrap();
    assert!(log.contains(
        "boot:0x3 (DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for download\r\n"
    ));
    assert_eq!(h.read_reg(0x3FF4_4038), 0x03);
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn classic_reset_sequence_over_the_modem_lines_enters_download_mode() {
    let mut c = config(&ESP32);
    c.start = StartMode::Flash;
    let mut h = Host::new(c);
    assert_eq!(h.dev.state(), DeviceState::RunningFlash);
    h.send(&Command::Sync);
    assert!(h.raw().is_empty());
    // esptool ClassicReset.
    h.dev.set_modem_lines(false, false);
    h.dev.set_modem_lines(false, true);
    assert_eq!(h.dev.state(), DeviceState::HeldInReset);
    h.clock.advance(ms(100));
    h.dev.set_modem_lines(true, true);
    h.dev.set_modem_lines(true, false);
    h.clock.advance(ms(50));
    h.dev.set_modem_lines(false, false);
    assert_eq!(h.dev.state(), DeviceState::RomLoader);
    let log = String::from_utf8(h.raw()).unwrap();
    assert!(log.contains("waiting for download"), "{log}");
    h.send(&Command::Sync);
    assert_eq!(h.answers().len(), 8);
}

#[test]
fn hard_reset_boots_the_program_and_the_loader_stops_listening() {
    let mut h = Host::esp8266();
    h.start_stub();
    h.dev.set_modem_lines(false, true);
    assert_eq!(h.dev.state(), DeviceState::HeldInReset);
    h.send(&Command::Sync);
    assert!(h.raw().is_empty(), "a chip in reset is silent");
    h.clock.advance(ms(100));
    h.dev.set_modem_lines(false, false);
    // The straps are latched a moment after EN rises; a read notices.
    h.clock.advance(ms(5));
    let log = String::from_utf8_lossy(&h.raw()).to_string();
    assert!(log.contains("rst cause:2, boot mode:(3,6)"), "{log}");
    assert_eq!(h.dev.state(), DeviceState::RunningFlash);
}

#[test]
fn esp8266_boot_log_is_garbage_to_a_host_at_115200() {
    let mut h = Host::esp8266();
    h.dev.set_baud(115_200);
    h.dev.reset(BootMode::Download);
    let raw = h.raw();
    assert!(!raw.is_empty());
    assert!(!String::from_utf8_lossy(&raw).contains("ets Jan"));
    assert!(!raw.contains(&0xC0));
    // The ROM still syncs at the host's rate.
    h.send(&Command::Sync);
    assert_eq!(h.answers().len(), 8);
    h.dev.set_baud(74_880);
    h.dev.reset(BootMode::Download);
    assert!(String::from_utf8_lossy(&h.raw()).contains("ets Jan  8 2013"));
}

#[test]
fn the_flash_file_holds_every_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flash.bin");
    let mut c: DeviceConfig = config(&ESP8266);
    c.flash_size = 1 << 20;
    c.flash_file = Some(path.clone());
    {
        let mut h = Host::new(c.clone());
        h.start_stub();
        h.command(&Command::FlashBegin(FlashBegin {
            size: 0x4000,
            blocks: 1,
            block_size: 0x4000,
            offset: 0x8000,
            encrypted: Some(0),
        }));
        let a = h.command(&Command::FlashData {
            seq: 0,
            data: vec![0x42; 0x4000],
        });
        assert_eq!(a.body, [0, 0]);
        // The device is dropped without any shutdown: the file already has the data.
        let on_disk = std::fs::read(&path).unwrap();
        assert!(on_disk[0x8000..0xC000].iter().all(|&b| b == 0x42));
    }
    let again = Device::new(c).unwrap();
    assert!(again.flash()[0x8000..0xC000].iter().all(|&b| b == 0x42));
    assert_eq!(again.flash().len(), 1 << 20);
}

#[test]
fn an_erase_through_the_spi_registers_keeps_the_flash_busy_for_its_time() {
    // A client that drives the flash itself must poll WIP: a command sent while the
    // chip erases is ignored, as on real parts.
    let mut h = Host::esp8266();
    for offset in [0x1000, 0x2000] {
        h.command(&Command::FlashBegin(FlashBegin {
            size: 0x1000,
            blocks: 1,
            block_size: 0x400,
            offset,
            encrypted: None,
        }));
        h.command(&Command::FlashData {
            seq: 0,
            data: vec![0; 0x400],
        });
    }
    const WREN: u8 = 0x06;
    const RDSR: u8 = 0x05;
    const SECTOR_ERASE: u8 = 0x20;
    spi_command(&mut h, true, WREN, 0, None);
    spi_command(&mut h, true, SECTOR_ERASE, 0, Some(0x1000));
    assert_eq!(
        spi_command(&mut h, true, RDSR, 8, None) & 0x03,
        0x03,
        "WIP and WEL"
    );
    // Too early: this erase is lost.
    spi_command(&mut h, true, WREN, 0, None);
    spi_command(&mut h, true, SECTOR_ERASE, 0, Some(0x2000));
    let mut polls = 0;
    while spi_command(&mut h, true, RDSR, 8, None) & 0x01 != 0 {
        polls += 1;
        assert!(polls < 100, "WIP never clears");
    }
    assert_eq!(h.dev.flash()[0x1000], 0xFF);
    assert_eq!(h.dev.flash()[0x2000], 0x00, "ignored while busy");
    // Once idle, the flash takes commands again.
    spi_command(&mut h, true, WREN, 0, None);
    spi_command(&mut h, true, SECTOR_ERASE, 0, Some(0x2000));
    assert_eq!(h.dev.flash()[0x2000], 0xFF);
}
