//! An ESP32-S3 on the ROM's USB-OTG CDC port (`espctl virtual --usb-otg`,
//! `virtual:esp32s3?usb=otg`): the port goes away while the chip resets, so the chip is
//! left through its RTC watchdog (esptool's `--after watchdog-reset`, and what espctl's
//! default hard reset does on that port, as esptool's does).

use crate::ESPCTL;
use crate::usb_jtag::write_asking_921600;
use espctl_testkit::noise;
use espctl_testkit::{Link, Stubs, assert_flash_holds};

#[test]
fn espctl_leaves_an_otg_port_through_the_watchdog() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let data = noise(80 * 1024, 3);
    env.write("data.bin", &data);
    let dev = ESPCTL.device("esp32s3", Link::InProcess, "4MB");
    let port = format!("{}&usb=otg", dev.port);
    let out = write_asking_921600(&env, &port, &[]);
    out.has("NOTE: USB-OTG port: no baud rate on the wire, keeping 115200 baud.")
        .has("Hash of data verified.")
        .has("Hard resetting with a watchdog...")
        .lacks("Hard resetting via RTS pin...");
    assert_flash_holds(&dev.flash(), 0x10000, &data, "after the OTG write");
    env.espctl(&["--port", &port, "--after", "watchdog-reset", "chip_id"])
        .ok()
        .has("Hard resetting with a watchdog...");
    // A chip without the RTC watchdog falls back to the reset line, as esptool does.
    let dev = ESPCTL.device("esp32", Link::InProcess, "4MB");
    env.espctl(&["--port", &dev.port, "--after", "watchdog-reset", "chip_id"])
        .ok()
        .has("NOTE: Watchdog hard reset is not supported on ESP32, attempting classic hard reset instead.");
}

#[test]
fn esptool_watchdog_reset_leaves_the_loader_over_usb_otg() {
    let mut dev = ESPCTL
        .device_options("esp32s3", Link::Pty)
        .flash_size("4MB")
        .server_args(&["--usb-otg"])
        .start();
    let env = ESPCTL.workdir(Stubs::None);
    let data = noise(48 * 1024, 4);
    env.write("data.bin", &data);
    let port = dev.port.clone();
    let esptool = |args: &[&str]| {
        let mut all = vec!["--chip", "esp32s3", "--port", &port];
        all.extend(args);
        env.esptool(&all)
    };
    esptool(&[
        "--after",
        "watchdog-reset",
        "write-flash",
        "0x10000",
        "data.bin",
    ])
    .ok()
    .says("Hash of data verified.")
    .says("Hard resetting with a watchdog...");
    assert_flash_holds(&dev.flash(), 0x10000, &data, "esptool's write");
    // The watchdog restarted the chip into its flash: the loader no longer answers.
    let gone = esptool(&["--before", "no-reset", "--connect-attempts", "1", "chip-id"]);
    assert_ne!(gone.code, 0, "{gone}");
    gone.says("Failed to connect");

    // Left in the loader instead, the next session finds it there.
    dev.reset_into_download();
    esptool(&["--after", "no-reset", "chip-id"]).ok();
    esptool(&["--before", "no-reset", "chip-id"])
        .ok()
        .says("ESP32-S3");
}
