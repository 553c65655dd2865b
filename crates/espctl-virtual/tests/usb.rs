//! The chip's own USB ports: the USB-Serial/JTAG reset, the USB-OTG port going away
//! across a reset, and the RTC watchdog reset esptool uses after flashing.

use espctl_chips::esp32c3::ESP32C3;
use espctl_chips::esp32s3::ESP32S3;
use espctl_chips::usb::{RtcWatchdog, rtc_watchdog};
use espctl_protocol::command::RegWrite;
use espctl_protocol::{Command, slip};
use espctl_virtual::clock::ManualClock;
use espctl_virtual::{Device, DeviceConfig, DeviceState, Link, StartMode};
use std::sync::Arc;
use std::time::Duration;

fn device(
    chip: &'static espctl_chips::Chip,
    link: Link,
    start: StartMode,
) -> (Device, ManualClock) {
    let clock = ManualClock::new();
    let mut config = DeviceConfig::new(chip, 4 << 20);
    config.link = link;
    config.start = start;
    config.clock = Some(Arc::new(clock.clone()));
    (Device::new(config).expect("a valid device"), clock)
}

fn send(d: &mut Device, command: &Command) -> Vec<Vec<u8>> {
    d.write(&slip::encode(&command.to_request().encode()));
    let mut buf = vec![0u8; 4096];
    let n = d.read(&mut buf);
    slip::Decoder::new()
        .feed(&buf[..n])
        .into_iter()
        .filter_map(Result::ok)
        .collect()
}

#[test]
fn the_usb_jtag_sequence_resets_into_download_mode_and_a_classic_one_does_not() {
    let (mut d, _clock) = device(&ESP32C3, Link::UsbSerialJtag, StartMode::Flash);
    assert_eq!(d.state(), DeviceState::RunningFlash);
    // esptool's classic UnixTight sequence: the controller resets on RTS before DTR.
    for (dtr, rts) in [
        (false, false),
        (true, true),
        (false, true),
        (true, false),
        (false, false),
    ] {
        d.set_modem_lines(dtr, rts);
    }
    assert_eq!(d.state(), DeviceState::RunningFlash);
    // esptool's USBJTAGSerialReset.
    for (dtr, rts) in [
        (false, false),
        (true, false),
        (true, true),
        (false, true),
        (false, false),
    ] {
        d.set_modem_lines(dtr, rts);
    }
    assert_eq!(d.state(), DeviceState::RomLoader);
    assert!(d.usb_present(), "USB-Serial/JTAG stays across the reset");
    assert_eq!(send(&mut d, &Command::Sync).len(), 8);
}

#[test]
fn usb_jtag_is_only_on_chips_that_have_it() {
    let mut config = DeviceConfig::new(&espctl_chips::esp32::ESP32, 4 << 20);
    config.link = Link::UsbSerialJtag;
    let e = Device::new(config).unwrap_err().to_string();
    assert!(e.contains("has no usb-jtag port"), "{e}");
    let mut config = DeviceConfig::new(&ESP32C3, 4 << 20);
    config.link = Link::UsbOtg;
    assert!(Device::new(config).is_err());
}

#[test]
fn the_watchdog_reset_boots_the_flash_and_the_otg_port_comes_back() {
    let (mut d, clock) = device(&ESP32S3, Link::UsbOtg, StartMode::Download);
    let wdt = rtc_watchdog(ESP32S3.kind).expect("the S3 has the RTC watchdog");
    let config0 =
        RtcWatchdog::ENABLE | RtcWatchdog::ACTION_RESET_SYSTEM << RtcWatchdog::STAGE0_SHIFT | 2;
    for (addr, value) in [
        (wdt.protect, RtcWatchdog::KEY),
        (wdt.config1, 2000),
        (wdt.config0, config0),
        (wdt.protect, 0),
    ] {
        let reply = send(
            &mut d,
            &Command::WriteReg(vec![RegWrite {
                addr,
                value,
                mask: !0,
                delay_us: 0,
            }]),
        );
        assert_eq!(reply.len(), 1, "WRITE_REG is answered before the reset");
    }
    assert_eq!(d.state(), DeviceState::RomLoader, "not before its timeout");
    // 2000 cycles of the ~90 kHz slow clock.
    clock.advance(Duration::from_millis(30));
    d.read(&mut [0u8; 64]);
    assert_eq!(d.state(), DeviceState::RunningFlash);
    assert!(!d.usb_present(), "the ROM's CDC port goes with the chip");
    clock.advance(Duration::from_millis(200));
    assert!(d.usb_present(), "and enumerates again");
}

#[test]
fn a_disabled_watchdog_does_nothing() {
    // esptool's USB-Serial/JTAG connect disables the watchdogs: config0 = 0.
    let (mut d, clock) = device(&ESP32C3, Link::UsbSerialJtag, StartMode::Download);
    let wdt = rtc_watchdog(ESP32C3.kind).unwrap();
    send(
        &mut d,
        &Command::WriteReg(vec![RegWrite {
            addr: wdt.config0,
            value: 0,
            mask: !0,
            delay_us: 0,
        }]),
    );
    clock.advance(Duration::from_secs(1));
    d.read(&mut [0u8; 64]);
    assert_eq!(d.state(), DeviceState::RomLoader);
}
