//! The other device commands and global options, against in-process virtual devices:
//! verify-flash, read/write-mem, chip-id, load-ram, erase-region, --after, --trace, the
//! baud change, the port scan filters and ESPTOOL_PORT.

use crate::{ESPCTL, firmware};
use espctl_testkit::{Link, Stubs, noise};

#[test]
fn verify_flash_compares_by_digest_and_lists_differences() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let dev = ESPCTL.device("esp32", Link::InProcess, "4MB");
    let fw = firmware();
    env.write("fw.bin", &fw);
    env.espctl(&["--port", &dev.port, "write_flash", "0x10000", "fw.bin"])
        .ok();
    env.espctl(&["--port", &dev.port, "verify_flash", "0x10000", "fw.bin"])
        .ok()
        .has("Verifying 0x48aa0 (297632) bytes at 0x00010000 in flash against 'fw.bin'...")
        .has("Verification successful (digest matched).");
    let mut changed = fw.clone();
    changed[0x1234] ^= 0xFF;
    env.write("changed.bin", &changed);
    let out = env.espctl(&[
        "--port",
        &dev.port,
        "verify_flash",
        "--diff",
        "0x10000",
        "changed.bin",
    ]);
    assert_eq!(
        out.fatal(),
        "ERROR: A fatal error occurred: Verification failed."
    );
    out.has("Verification failed: 1 differences, first at 0x00011234:");
    out.has(&format!(
        "   0x00011234 {:02x} {:02x}",
        fw[0x1234], changed[0x1234]
    ));
}

/// verify-flash patches the bootloader header as write-flash did, and its diff compares
/// flash with those patched bytes: only the byte that really differs is listed.
#[test]
fn verify_flash_diffs_against_the_patched_bootloader() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let dev = ESPCTL.device("esp32", Link::InProcess, "4MB");
    let boot = espctl_testkit::fixture_bytes("images/bootloader_esp32.bin");
    assert_eq!(boot[2], 0x02, "the fixture is a DIO image");
    env.write("boot.bin", &boot);
    let port = dev.port.as_str();
    env.espctl(&[
        "--port",
        port,
        "write_flash",
        "-fm",
        "dout",
        "0x1000",
        "boot.bin",
    ])
    .ok()
    .has("Flash parameters set to 0x0310.");
    env.espctl(&[
        "--port",
        port,
        "verify_flash",
        "-fm",
        "dout",
        "0x1000",
        "boot.bin",
    ])
    .ok()
    .has("Flash parameters set to 0x0310.")
    .has("Verifying 0x1ed0 (7888) bytes at 0x00001000 in flash against 'boot.bin'...")
    .has("Verification successful (digest matched).");
    // Without -fm the file's own header differs from flash: a mismatch, not a crash.
    let out = env.espctl(&[
        "--port",
        port,
        "verify_flash",
        "--diff",
        "0x1000",
        "boot.bin",
    ]);
    assert_eq!(
        out.fatal(),
        "ERROR: A fatal error occurred: Verification failed."
    );
    out.has("Verification failed: 1 differences, first at 0x00001002:")
        .has("   0x00001002 03 02");

    let mut changed = boot.clone();
    changed[0x64] ^= 0xFF;
    env.write("changed.bin", &changed);
    let out = env.espctl(&[
        "--port",
        port,
        "verify_flash",
        "-fm",
        "dout",
        "--diff",
        "0x1000",
        "changed.bin",
    ]);
    assert_eq!(
        out.fatal(),
        "ERROR: A fatal error occurred: Verification failed."
    );
    out.has("Verification failed: 1 differences, first at 0x00001064:")
        .has(&format!(
            "   0x00001064 {:02x} {:02x}",
            boot[0x64], changed[0x64]
        ));
    // The "Flash parameters" line comes before the file's "Verifying" line, as in esptool.
    let params = out.stdout.find("Flash parameters set to 0x0310.").unwrap();
    let verifying = out.stdout.find("Verifying 0x1ed0").unwrap();
    assert!(params < verifying, "{out}");
}

#[test]
fn verify_flash_needs_md5_which_the_esp8266_rom_lacks() {
    let env = ESPCTL.workdir(Stubs::None);
    let dev = ESPCTL.device("esp8266", Link::InProcess, "1MB");
    env.write("fw.bin", &firmware());
    let line = env
        .espctl(&["--port", &dev.port, "verify_flash", "0x0", "fw.bin"])
        .fatal();
    assert!(
        line.contains("ESP8266 ROM does not support verifying flash")
            && line.contains("espctl stub fetch"),
        "{line}"
    );
}

#[test]
fn memory_chip_id_and_mac_commands() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let dev = ESPCTL.device("esp32", Link::InProcess, "4MB");
    env.espctl(&[
        "--port",
        &dev.port,
        "write_mem",
        "0x3ffb0000",
        "0xabad1dea",
        "0x0000ffff",
    ])
    .ok()
    .has("Wrote 0xabad1dea with mask 0x0000ffff to 0x3ffb0000.");
    // The MAC's low four bytes are eFuse word 1.
    env.espctl(&["--port", &dev.port, "read_mem", "0x3ff5a004"])
        .ok()
        .has("0x3ff5a004 = 0xc4654321");
    // dump-mem: the same words as little-endian bytes; a partial last word is not read.
    env.espctl(&["--port", &dev.port, "dump_mem", "0x3ff5a004", "6", "w.bin"])
        .ok()
        .has("Dumping 6 bytes from 0x3ff5a004 to file 'w.bin'...");
    assert_eq!(env.read("w.bin"), 0xc4654321u32.to_le_bytes());
    let line = env
        .espctl(&[
            "--port",
            &dev.port,
            "dump_mem",
            "0x3ffb0000",
            "1k",
            "no/dir/m.bin",
        ])
        .fatal();
    assert!(line.contains("folder 'no/dir' does not exist"), "{line}");
    let out = env.espctl(&["--port", &dev.port, "chip_id"]).ok();
    out.has("MAC:                24:0a:c4:65:43:21");
    assert!(
        out.stderr
            .contains("WARNING: ESP32 has no chip ID. Reading MAC address instead.")
    );

    let dev = ESPCTL.device("esp8266", Link::InProcess, "4MB");
    // chip_id = MAC0 >> 24 | (MAC1 & 0xFFFFFF) << 8: the last three MAC bytes.
    env.espctl(&["--port", &dev.port, "chip_id"])
        .ok()
        .has("Chip ID: 0x00123456");
}

#[test]
fn the_chip_block_reads_like_esptools() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let dev = ESPCTL.device("esp32", Link::InProcess, "4MB");
    // flash-id needs no stub: the ROM reads the flash ID (esptool's --no-stub output).
    let out = env.espctl(&["--port", &dev.port, "flash_id"]).ok();
    let expected = format!(
        "espctl v{}\nSerial port {p}:\nConnecting...\nDetecting chip type... ESP32\nConnected to ESP32 on {p}:\nChip type:          ESP32-D0WD-V3 (revision v3.0)\nFeatures:           Wi-Fi, BT, Dual Core + LP Core, Vref calibration in eFuse, Coding Scheme None\nCrystal frequency:  40MHz\nMAC:                24:0a:c4:65:43:21\n\n\nEnabling default SPI flash mode...\nFlash Memory Information:\n=========================\nManufacturer: 5e\nDevice: 4016\nDetected flash size: 4MB\nFlash voltage set by a strapping pin: 3.3V\n\nHard resetting via RTS pin...\n",
        env!("CARGO_PKG_VERSION"),
        p = dev.port
    );
    assert_eq!(out.stdout, expected);
    // --chip skips detection; ROM mode adds the attach line.
    let out = env
        .espctl(&[
            "--chip",
            "esp32",
            "--port",
            &dev.port,
            "--no-stub",
            "flash_id",
        ])
        .ok();
    assert!(!out.stdout.contains("Detecting chip type"), "{out}");
    out.has("Enabling default SPI flash mode...");
}

#[test]
fn after_modes_and_baud_change() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let dev = ESPCTL.device("esp8266", Link::InProcess, "4MB");
    for (after, line) in [
        ("soft_reset", "Soft resetting..."),
        ("no-reset", "Staying in bootloader."),
        ("no_reset_stub", "Staying in flasher stub."),
        ("hard-reset", "Hard resetting via RTS pin..."),
    ] {
        env.espctl(&["--port", &dev.port, "--after", after, "read_mac"])
            .ok()
            .has(line);
    }
    // A faster rate for a command that moves flash data (read_mac talks to the ROM
    // and keeps 115200).
    env.write("small.bin", &noise(3000, 1));
    let write = ["write_flash", "0x10000", "small.bin"];
    let args = |baud: &'static str| {
        let mut a = vec!["--port", dev.port.as_str(), "--baud", baud];
        a.extend(write);
        a
    };
    let out = env.espctl(&args("921600")).ok();
    out.has("Changing baud rate to 921600...").has("Changed.");
    let no_stub = ESPCTL.workdir(Stubs::None);
    no_stub.write("small.bin", &noise(3000, 1));
    let out = no_stub.espctl(&args("921600")).ok();
    assert!(
        out.stderr.contains(
            "WARNING: ROM doesn't support changing baud rate. Keeping initial baud rate 115200."
        ),
        "{out}"
    );
    let out = env
        .espctl(&["--port", &dev.port, "--baud", "921600", "read_mac"])
        .ok();
    assert!(!out.stdout.contains("Changing baud rate"), "{out}");
    let dev32 = ESPCTL.device("esp32", Link::InProcess, "4MB");
    let mut a = vec!["--port", dev32.port.as_str(), "-b", "460800"];
    a.extend(write);
    no_stub
        .espctl(&a)
        .ok()
        .has("Changing baud rate to 460800...");
}

#[test]
fn trace_prints_every_frame() {
    let env = ESPCTL.workdir(Stubs::None);
    let dev = ESPCTL.device("esp8266", Link::InProcess, "4MB");
    let out = env
        .espctl(&["--port", &dev.port, "--trace", "read_mem", "0x40001000"])
        .ok();
    out.has("0x40001000 = 0xfff0c101");
    let trace: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.contains("TRACE +"))
        .collect();
    assert!(trace.iter().any(|l| l.contains(
        "--- Cmd READ_REG (0x0a) | data_len 4 | wait_response 1 | timeout 3.000 | data 00100040 ---"
    )));
    assert!(
        trace
            .iter()
            .any(|l| l.contains("Write 14 bytes:       c0000a04000000000000100040c0"))
    );
    assert!(
        trace
            .iter()
            .any(|l| l.contains("Received full packet: 010a020001c1f0ff0000"))
    );
}

#[test]
fn load_ram_runs_an_image_from_ram_without_resetting() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let dev = ESPCTL.device("esp32", Link::InProcess, "4MB");
    let image = espctl_testkit::fixture_bytes("images/bootloader_esp32.bin");
    env.write("bootloader.bin", &image);
    let out = env
        .espctl(&["--port", &dev.port, "load_ram", "bootloader.bin"])
        .ok();
    out.has("Loading 'bootloader.bin' to RAM...")
        .has("Loaded 4 segments from 'bootloader.bin' to RAM, executing at 0x4009816c.")
        .has("Exiting immediately.");
    assert!(!out.stdout.contains("Hard resetting"), "{out}");
    env.write("data.bin", &noise(100, 1));
    let line = env
        .espctl(&["--port", &dev.port, "load_ram", "data.bin"])
        .fatal();
    assert!(line.contains("'data.bin' is not a ESP32 image"), "{line}");
}

#[test]
fn erase_region_works_through_every_loader() {
    for (chip, stubs) in [
        ("esp8266", Stubs::Installed),
        ("esp8266", Stubs::None),
        ("esp32", Stubs::None),
    ] {
        let env = ESPCTL.workdir(stubs);
        let dev = ESPCTL.device(chip, Link::InProcess, "4MB");
        let data = noise(0x20000, 2);
        env.write("data.bin", &data);
        env.espctl(&["--port", &dev.port, "write_flash", "0x0", "data.bin"])
            .ok();
        env.espctl(&["--port", &dev.port, "erase_region", "0x3000", "0x11000"])
            .ok()
            .has("Erasing flash memory region (this may take a while depending on size)...");
        let flash = dev.flash();
        assert!(
            flash[..0x3000] == data[..0x3000],
            "{chip} stubs={stubs:?}: before"
        );
        assert!(
            flash[0x3000..0x14000].iter().all(|&b| b == 0xFF),
            "{chip} stubs={stubs:?}: region"
        );
        assert!(
            flash[0x14000..0x20000] == data[0x14000..],
            "{chip} stubs={stubs:?}: after"
        );
    }
    // A lone sector cannot be erased by the ESP8266 ROM without its neighbour: refused.
    let env = ESPCTL.workdir(Stubs::None);
    let dev = ESPCTL.device("esp8266", Link::InProcess, "4MB");
    env.write("data.bin", &noise(0x10000, 3));
    env.espctl(&["--port", &dev.port, "write_flash", "0x0", "data.bin"])
        .ok();
    let before = dev.flash();
    let line = env
        .espctl(&["--port", &dev.port, "erase_region", "0x5000", "0x1000"])
        .fatal();
    assert!(
        line.contains("its erase bug would also erase the next sector"),
        "{line}"
    );
    assert!(dev.flash() == before);
}

#[test]
fn port_scan_honours_filters_and_esptool_port() {
    let dev = ESPCTL.device("esp8266", Link::InProcess, "4MB");
    let env = ESPCTL.workdir(Stubs::None).with_var(
        "ESPCTL_PORT_SCAN_EXTRA",
        &format!("/dev/ttyNOPE9,{}", dev.port),
    );
    // The filter keeps only the virtual port.
    let out = env
        .espctl(&[
            "--port-filter",
            "name=virtual",
            "--connect-attempts",
            "1",
            "read_mac",
        ])
        .ok();
    assert!(out.stdout.contains("Found 1 serial ports..."), "{out}");
    out.has(&format!("MAC:                {}", dev.mac_text()));
    // Without the filter the bad port is tried first, reported, and skipped.
    let out = env.espctl(&["--connect-attempts", "1", "read_mac"]).ok();
    assert!(
        out.stderr
            .contains("ERROR: /dev/ttyNOPE9 failed to connect: Could not open /dev/ttyNOPE9"),
        "{out}"
    );
    let line = env
        .espctl(&["--port-filter", "colour=red", "read_mac"])
        .fatal();
    assert!(line.contains("key not recognized: 'colour'"), "{line}");

    let env = ESPCTL
        .workdir(Stubs::None)
        .with_var("ESPTOOL_PORT", &dev.port);
    env.espctl(&["read_mac"])
        .ok()
        .has(&format!("Serial port {}:", dev.port));
}

#[test]
fn a_stub_left_running_is_reused() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let dev = ESPCTL
        .device_options("esp32", Link::Socket)
        .flash_size("4MB")
        .server_args(&["--keep-state"])
        .start();
    env.espctl(&["--port", &dev.port, "--after", "no-reset-stub", "read_mac"])
        .ok()
        .has("Stub flasher running.")
        .has("Staying in flasher stub.");
    env.espctl(&["--port", &dev.port, "--before", "no-reset", "read_mac"])
        .ok()
        .has("Stub flasher is already running. No upload is necessary.");
    // --after hard-reset cannot reset over TCP: the stub still runs, and --no-stub
    // talks to it as the stub it is (as esptool does).
    let out = ESPCTL
        .workdir(Stubs::None)
        .espctl(&[
            "--port",
            &dev.port,
            "--no-stub",
            "--before",
            "no_reset",
            "read_mac",
        ])
        .ok();
    out.has("Stub flasher is already running. No upload is necessary.");
    assert!(
        out.stderr
            .contains("WARNING: Deprecated: Choice 'no_reset' for option '--before' is deprecated. Use 'no-reset' instead."),
        "{out}"
    );
}

/// esptool's `-s/--silent`: nothing but errors; the work is still done (and verified).
#[test]
fn silent_prints_only_errors() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let dev = ESPCTL.device("esp32", Link::InProcess, "4MB");
    let data = noise(5000, 9);
    env.write("data.bin", &data);
    let out = env
        .espctl(&[
            "-s",
            "--port",
            &dev.port,
            // The v5 name: a v4 one gets its deprecation note even with -s, as in esptool.
            "write-flash",
            "0x10000",
            "data.bin",
        ])
        .ok();
    assert_eq!(
        (out.stdout.as_str(), out.stderr.as_str()),
        ("", ""),
        "{out}"
    );
    assert!(dev.flash()[0x10000..0x10000 + data.len()] == data[..]);
    let out = env.espctl(&[
        "--silent",
        "--port",
        &dev.port,
        "write_flash",
        "0x3ff000",
        "data.bin",
    ]);
    assert_eq!(out.stdout, "", "{out}");
    assert!(
        out.fatal()
            .contains("will not fit in 4194304 bytes of flash"),
        "{out}"
    );
    let out = env.espctl(&["-s", "-t", "--port", &dev.port, "read_mac"]);
    assert_eq!(
        out.fatal(),
        "ERROR: A fatal error occurred: Cannot use both --trace and --silent options at the same time."
    );
}
