//! The board around the chip, as a host on the serial line sees it: EN held low keeps the
//! chip silent, GPIO0 latched as EN rises chooses the loader or the flash, the ROM boot
//! log at the chip's rate, the application's line after it, and a board without the
//! auto-reset circuit that ignores DTR and RTS.

mod common;

use common::{Host, config};
use espctl_chips::{Chip, esp32::ESP32, esp8266::ESP8266};
use espctl_protocol::Command;
use espctl_virtual::{Board, DeviceConfig, DeviceState, Gpio0};

/// A device whose flash holds an image where `chip`'s ROM looks for one.
fn with_image(chip: &'static Chip, dir: &tempfile::TempDir) -> DeviceConfig {
    let path = dir.path().join("flash.bin");
    let mut flash = vec![0xFF; 4 << 20];
    flash[chip.bootloader_offset as usize] = 0xE9;
    std::fs::write(&path, flash).unwrap();
    let mut c = config(chip);
    c.flash_file = Some(path);
    c
}

/// DTR/RTS as pyserial sets them (true = asserted), then `ms` pass.
fn lines(h: &mut Host, dtr: bool, rts: bool, ms: u64) {
    h.dev.set_modem_lines(dtr, rts);
    h.wait_ms(ms);
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn en_held_low_keeps_the_chip_silent() {
    let mut h = Host::esp32();
    lines(&mut h, false, true, 10);
    assert_eq!(h.dev.state(), DeviceState::HeldInReset);
    h.send(&Command::Sync);
    assert!(h.raw().is_empty(), "a chip in reset answers nothing");
    // Both lines asserted: EN rises, GPIO0 high, the flash boots.
    lines(&mut h, true, true, 10);
    h.dev.read(&mut []);
    assert_eq!(h.dev.state(), DeviceState::RunningFlash);
    let log = text(&h.raw());
    assert!(log.contains("boot:0x13 (SPI_FAST_FLASH_BOOT)"), "{log}");
    assert!(
        !log.contains("runs"),
        "a blank flash has no application: {log}"
    );
    h.send(&Command::Sync);
    assert!(h.raw().is_empty(), "the application does not answer SYNC");
}

#[test]
fn a_booted_image_prints_after_the_boot_log() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = Host::new(with_image(&ESP32, &dir));
    h.dev.set_baud(115_200);
    lines(&mut h, false, true, 100);
    lines(&mut h, false, false, 10);
    h.dev.read(&mut []);
    let out = text(&h.raw());
    let log = out.find("boot:0x13").expect("boot log");
    let app = out
        .find("virtual ESP32: the image at 0x1000 runs")
        .expect("application line");
    assert!(log < app, "{out}");
}

#[test]
fn the_esp8266_boot_log_needs_74880_baud() {
    let dir = tempfile::tempdir().unwrap();
    for (host_baud, readable_log) in [(115_200, false), (74_880, true)] {
        let mut h = Host::new(with_image(&ESP8266, &dir));
        h.dev.set_baud(host_baud);
        lines(&mut h, false, true, 100);
        lines(&mut h, false, false, 10);
        h.dev.read(&mut []);
        let out = text(&h.raw());
        assert_eq!(out.contains("boot mode:(3,6)"), readable_log, "{out}");
        // The application prints at 115200, as most do.
        assert_eq!(
            out.contains("the image at 0x0 runs"),
            !readable_log,
            "{out}"
        );
    }
}

#[test]
fn without_the_circuit_only_gpio0_decides() {
    for (gpio0, state) in [
        (Gpio0::Low, DeviceState::RomLoader),
        (Gpio0::High, DeviceState::RunningFlash),
    ] {
        let mut c = config(&ESP8266);
        c.board = Board::NoCircuit { gpio0 };
        let mut h = Host::new(c);
        assert_eq!(h.dev.state(), state);
        // esptool's classic sequence reaches nothing.
        for (dtr, rts, ms) in [(false, true, 100), (true, false, 50), (false, false, 10)] {
            lines(&mut h, dtr, rts, ms);
        }
        h.dev.read(&mut []);
        assert_eq!(h.dev.state(), state, "GPIO0 {gpio0}");
        assert!(h.raw().is_empty(), "no reset, no boot log");
        // The reset button (or a power cycle) latches the board's level.
        h.dev.reset(espctl_virtual::BootMode::Download);
        assert_eq!(h.dev.state(), state);
    }
}

#[test]
fn a_slow_en_is_refused_beyond_a_second() {
    let mut c = config(&ESP32);
    c.board = Board::AutoReset {
        en_rise: std::time::Duration::from_secs(2),
    };
    assert!(c.validate().unwrap_err().to_string().contains("EN rise"));
}
