//! An ESP32-C3 on its USB-Serial/JTAG port (`espctl virtual --usb-jtag`,
//! `virtual:esp32c3?usb=jtag`): espctl recognises the port by its USB IDs (303A:1001),
//! resets through the controller's own DTR/RTS sequence and leaves the baud rate alone;
//! esptool 5.6.0 writes and verifies with `--before usb-reset`, at any baud rate.

use crate::ESPCTL;
use espctl_testkit::{Link, Run, Stubs, WorkDir, assert_flash_holds, noise};
use std::time::{Duration, Instant};

/// espctl writes `data.bin` at 0x10000 through `port`, asking for 921600 baud, with
/// `extra` global options; it must succeed.
pub(crate) fn write_asking_921600(env: &WorkDir, port: &str, extra: &[&str]) -> Run {
    let mut args = vec!["--port", port, "-b", "921600"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["write_flash", "0x10000", "data.bin"]);
    env.espctl(&args).ok()
}

/// The command names in espctl's `--trace` output.
fn traced_commands(out: &Run) -> String {
    out.stdout
        .lines()
        .filter(|l| l.contains("--- Cmd "))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn espctl_resets_through_usb_jtag_and_does_not_change_the_baud() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let data = noise(96 * 1024, 1);
    env.write("data.bin", &data);
    let dev = ESPCTL.device("esp32c3", Link::InProcess, "4MB");
    // The chip runs its flash: only the USB-Serial/JTAG sequence gets it into the ROM
    // loader (the classic one resets it before GPIO9 is asked for).
    let port = format!("{}&usb=jtag&start=flash", dev.port);
    let out = write_asking_921600(&env, &port, &["--trace"]);
    out.has("NOTE: USB-Serial/JTAG port: no baud rate on the wire, keeping 115200 baud.")
        .has("Hash of data verified.");
    let commands = traced_commands(&out);
    assert!(!commands.contains("CHANGE_BAUDRATE"), "{commands}");
    assert!(commands.contains("FLASH_BEGIN"), "{commands}");
    assert_flash_holds(&dev.flash(), 0x10000, &data, "after the USB write");

    // The same chip behind a USB-serial bridge: the rate is raised as asked.
    let dev = ESPCTL.device("esp32c3", Link::InProcess, "4MB");
    let out = write_asking_921600(&env, &dev.port, &["--trace"]);
    assert!(traced_commands(&out).contains("CHANGE_BAUDRATE"), "{out}");
    assert!(!out.stdout.contains("no baud rate on the wire"), "{out}");
}

#[test]
fn esptool_writes_and_verifies_over_usb_jtag_at_any_baud_rate() {
    // Realistic timing: at 9600 baud a UART would need over a minute for 64 KB; the USB
    // port moves them at USB speed whatever rate esptool sets.
    let mut dev = ESPCTL
        .device_options("esp32c3", Link::Pty)
        .flash_size("4MB")
        .server_args(&["--usb-jtag", "--timing", "realistic"])
        .start();
    let env = ESPCTL.workdir(Stubs::None);
    let data = noise(64 * 1024, 2);
    env.write("data.bin", &data);
    let started = Instant::now();
    let out = env
        .esptool(&[
            "--chip",
            "esp32c3",
            "--port",
            &dev.port,
            "--before",
            "usb-reset",
            "--baud",
            "9600",
            "write-flash",
            "0x20000",
            "data.bin",
        ])
        .ok();
    let took = started.elapsed();
    out.says("Hash of data verified.");
    assert!(took < Duration::from_secs(30), "took {took:?}: {out}");
    assert_flash_holds(&dev.flash(), 0x20000, &data, "esptool's write");

    // A pty has no DTR/RTS: the test presses the buttons, as the controller would.
    dev.reset_into_download();
    env.esptool(&[
        "--chip",
        "esp32c3",
        "--port",
        &dev.port,
        "--before",
        "usb-reset",
        "verify-flash",
        "0x20000",
        "data.bin",
    ])
    .ok()
    .says("Verification successful (digest matched)");
}
