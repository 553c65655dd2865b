//! The command lines of the everyday ESP8266/ESP32 guides (shared/reference/user-guides),
//! verbatim with `espctl` in place of `esptool.py`, against virtual ESP8266 and ESP32
//! devices: in process, over a pty and over `socket://`, with and without the stub.
//! Each step checks the device's flash afterwards.

use crate::{ESPCTL, firmware};
use espctl_testkit::{Link, Stubs, noise};

const MB: usize = 1 << 20;

/// Header codes the ESP8266 uses (byte 2 mode, high nibble of byte 3 size).
const QIO: u8 = 0;
const DIO: u8 = 2;
const DOUT: u8 = 3;
const SIZE_512KB: u8 = 0x00;
const SIZE_1MB: u8 = 0x20;
const SIZE_4MB: u8 = 0x40;

/// The image as esptool would write it at the bootloader offset with `mode` and
/// `size_code` set in the header (ESP8266 images carry no SHA-256).
fn with_header(image: &[u8], mode: u8, size_code: u8) -> Vec<u8> {
    let mut out = image.to_vec();
    out[2] = mode;
    out[3] = size_code | (image[3] & 0x0F);
    out
}

#[track_caller]
fn assert_at(flash: &[u8], addr: usize, expected: &[u8]) {
    espctl_testkit::assert_flash_holds(flash, addr, expected, "guide workflow");
}

#[track_caller]
fn assert_erased(flash: &[u8], range: std::ops::Range<usize>) {
    espctl_testkit::assert_erased(flash, range, "guide workflow");
}

fn guide_workflows(chip: &str, link: Link, stubs: Stubs) {
    let env = ESPCTL.workdir(stubs);
    // The ESP8266 ROM has no command to read flash; everything else works without stub.
    let can_read = chip != "esp8266" || stubs == Stubs::Installed;
    let fw = firmware();
    let init = noise(4096, 7);
    for name in ["firmware.bin", "nodemcu.bin", "fw.bin"] {
        env.write(name, &fw);
    }
    env.write("esp_init_data_default.bin", &init);
    // Only the image at the bootloader offset gets its header patched: 0x0 on the ESP8266,
    // 0x1000 on the ESP32 (where the guides' 0x0 is plain data).
    let expect = |mode: u8, size: u8| {
        if chip == "esp8266" {
            with_header(&fw, mode, size)
        } else {
            fw.clone()
        }
    };

    let dev = ESPCTL.device(chip, link, "4MB");
    let p = dev.port.as_str();

    // espurna-flash-binary-image: erase, then write with -fs 1MB / detect and -fm dout.
    env.espctl(&[
        "--port",
        p,
        "--baud",
        "115200",
        "write_flash",
        "0x10000",
        "fw.bin",
    ])
    .ok();
    assert_at(&dev.flash(), 0x10000, &fw);
    let out = env
        .espctl(&["--port", p, "--baud", "115200", "erase_flash"])
        .ok();
    assert!(
        out.stdout.contains("Flash memory erased successfully in "),
        "{out}"
    );
    assert_erased(&dev.flash(), 0..4 * MB);

    let out = env
        .espctl(&[
            "--port",
            p,
            "--baud",
            "115200",
            "write_flash",
            "-fs",
            "1MB",
            "-fm",
            "dout",
            "0x00000",
            "firmware.bin",
        ])
        .ok();
    if can_read {
        out.has("Hash of data verified.");
    } else {
        // Never silently unverified: the ESP8266 ROM has no MD5, and espctl says so.
        out.has("NOTE: The ESP8266 ROM cannot compute MD5: the written data was not verified (the flasher stub can; see 'espctl stub fetch').");
    }
    assert_at(&dev.flash(), 0, &expect(DOUT, SIZE_1MB));

    let out = env
        .espctl(&[
            "--port",
            p,
            "--baud",
            "115200",
            "write_flash",
            "-fs",
            "detect",
            "-fm",
            "dout",
            "0x00000",
            "firmware.bin",
        ])
        .ok();
    out.has("Auto-detected flash size: 4MB");
    assert_at(&dev.flash(), 0, &expect(DOUT, SIZE_4MB));

    // nodemcu-flashing: megabit sizes, init data for a 4MB module.
    env.espctl(&[
        "--port",
        p,
        "write_flash",
        "-fm",
        "dio",
        "-fs",
        "32m",
        "0x00000",
        "nodemcu.bin",
    ])
    .ok();
    assert_at(&dev.flash(), 0, &expect(DIO, SIZE_4MB));
    env.espctl(&[
        "--port",
        p,
        "write_flash",
        "-fm",
        "dio",
        "-fs",
        "4MB",
        "0x00000",
        "fw.bin",
        "0x3fc000",
        "esp_init_data_default.bin",
    ])
    .ok();
    let flash = dev.flash();
    assert_at(&flash, 0, &expect(DIO, SIZE_4MB));
    assert_at(&flash, 0x3fc000, &init);

    // save-restore-esp-firmware: flash_id found by the port scan, backups, restores.
    let scan = ESPCTL
        .workdir(stubs)
        .with_var("ESPCTL_PORT_SCAN_EXTRA", &dev.port);
    let out = scan.espctl(&["flash_id"]).ok();
    out.has("Manufacturer: 5e")
        .has("Device: 4016")
        .has("Detected flash size: 4MB");
    assert!(out.stdout.contains(&format!("Serial port {}:", dev.port)));

    for (size, name) in [(MB, "fw-backup-1M.bin"), (4 * MB, "fw-backup-4M.bin")] {
        let size_arg = format!("{size:#x}");
        let read = env.espctl(&[
            "--baud",
            "115200",
            "--port",
            p,
            "read_flash",
            "0x0",
            &size_arg,
            name,
        ]);
        if can_read {
            read.ok();
            assert_eq!(env.read(name), dev.flash()[..size], "{name}");
        } else {
            let line = read.fatal();
            assert!(
                line.contains("ESP8266 ROM does not support reading flash"),
                "{line}"
            );
            assert!(!env.path(name).exists(), "no partial backup");
            env.write(name, &dev.flash()[..size]);
        }
        let backup = env.read(name);
        // Change the flash, then restore it.
        env.write("other.bin", &noise(64 * 1024, size as u32));
        env.espctl(&["--port", p, "write_flash", "0x0", "other.bin"])
            .ok();
        assert_ne!(dev.flash()[..size], backup[..]);
        env.espctl(&["--baud", "115200", "--port", p, "write_flash", "0x0", name])
            .ok();
        assert_eq!(dev.flash()[..size], backup[..], "restored {name}");
    }

    // esptool-backup-notes: read_mac and run.
    env.espctl(&["--port", p, "--baud", "115200", "read_mac"])
        .ok()
        .has(&format!("MAC:                {}", dev.mac_text()));
    env.espctl(&["--port", p, "run"])
        .ok()
        .has("Hard resetting via RTS pin...");
    drop(dev);

    // nodemcu-flashing on a 512KB module: -fm qio -fs 4m, init data at 0x7c000.
    let small = ESPCTL.device(chip, link, "512KB");
    env.espctl(&[
        "--port",
        &small.port,
        "write_flash",
        "-fm",
        "qio",
        "-fs",
        "4m",
        "0x00000",
        "nodemcu.bin",
        "0x7c000",
        "esp_init_data_default.bin",
    ])
    .ok();
    let flash = small.flash();
    assert_eq!(flash.len(), 512 * 1024);
    assert_at(&flash, 0, &expect(QIO, SIZE_512KB));
    assert_at(&flash, 0x7c000, &init);
}

#[test]
fn esp8266_in_process_with_stub() {
    guide_workflows("esp8266", Link::InProcess, Stubs::Installed);
}

#[test]
fn esp8266_in_process_rom_only() {
    guide_workflows("esp8266", Link::InProcess, Stubs::None);
}

#[test]
fn esp32_in_process_with_stub() {
    guide_workflows("esp32", Link::InProcess, Stubs::Installed);
}

#[test]
fn esp32_in_process_rom_only() {
    guide_workflows("esp32", Link::InProcess, Stubs::None);
}

#[test]
fn esp8266_pty_with_stub() {
    guide_workflows("esp8266", Link::Pty, Stubs::Installed);
}

#[test]
fn esp8266_pty_rom_only() {
    guide_workflows("esp8266", Link::Pty, Stubs::None);
}

#[test]
fn esp32_pty_with_stub() {
    guide_workflows("esp32", Link::Pty, Stubs::Installed);
}

#[test]
fn esp32_pty_rom_only() {
    guide_workflows("esp32", Link::Pty, Stubs::None);
}

#[test]
fn esp8266_socket_with_stub() {
    guide_workflows("esp8266", Link::Socket, Stubs::Installed);
}

#[test]
fn esp8266_socket_rom_only() {
    guide_workflows("esp8266", Link::Socket, Stubs::None);
}

#[test]
fn esp32_socket_with_stub() {
    guide_workflows("esp32", Link::Socket, Stubs::Installed);
}

#[test]
fn esp32_socket_rom_only() {
    guide_workflows("esp32", Link::Socket, Stubs::None);
}
