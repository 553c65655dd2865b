//! The flash chip's own registers and wiring, side by side with esptool 5.6.0 on the
//! same virtual devices: read/write-flash-status (volatile and non-volatile), a
//! write-protected flash, read-flash-sfdp, `-sc/--spi-connection`, get-security-info and
//! `--override-vddsdio`.

use crate::ESPCTL;
use espctl_testkit::{Device, Link, Run, Stubs, WorkDir, noise, same_lines};

/// A device served over TCP (esptool and espctl both reach it) and a folder with the
/// stubs installed.
fn device(chip: &str) -> (WorkDir, Device) {
    let env = ESPCTL.workdir(Stubs::Installed);
    let dev = ESPCTL.device(
        chip,
        Link::Socket,
        if chip == "esp8266" { "2MB" } else { "4MB" },
    );
    (env, dev)
}

/// Runs the same command line with esptool and with espctl; both must exit with `code`.
fn both(env: &WorkDir, dev: &Device, args: &[&str], code: i32) -> [Run; 2] {
    let mut full = vec!["--port", dev.port.as_str()];
    full.extend_from_slice(args);
    let theirs = env.esptool(&full);
    let ours = env.espctl(&full);
    theirs.exits(code);
    ours.exits(code);
    [theirs, ours]
}

const STATUS: &[&str] = &[
    "Flash memory status",
    "Initial flash",
    "Setting flash",
    "After flash",
];

#[test]
fn status_registers_read_and_write_as_with_esptool() {
    for chip in ["esp32", "esp8266"] {
        let (env, dev) = device(chip);
        let runs = both(&env, &dev, &["read-flash-status", "--bytes", "3"], 0);
        assert_eq!(same_lines(&runs, STATUS), ["Flash memory status: 0x600000"]);
        // Non-volatile: kept across the reset each new connection brings.
        for tool in 0..2 {
            let args = [
                "--port",
                &dev.port,
                "write-flash-status",
                "--non-volatile",
                "--bytes",
                "1",
                &format!("{:#x}", 0x04 << tool),
            ];
            let run = if tool == 0 {
                env.esptool(&args)
            } else {
                env.espctl(&args)
            };
            let after = format!("After flash memory status:   0x{:02x}", 0x04 << tool);
            run.ok().has(&after);
        }
        let runs = both(&env, &dev, &["read-flash-status"], 0);
        assert_eq!(same_lines(&runs, STATUS), ["Flash memory status: 0x0008"]);
        // Volatile: in effect at once, gone after the flash reset of the next attach.
        let runs = both(
            &env,
            &dev,
            &["write-flash-status", "--bytes", "2", "0x0200"],
            0,
        );
        assert_eq!(
            same_lines(&runs, STATUS),
            [
                "Initial flash memory status: 0x0008",
                "Setting flash memory status: 0x0200",
                "After flash memory status:   0x0200",
            ]
        );
        let runs = both(&env, &dev, &["read-flash-status", "--bytes", "2"], 0);
        assert_eq!(same_lines(&runs, STATUS), ["Flash memory status: 0x0008"]);
        // Bits a register does not have (WIP, WEL) read back as the chip keeps them.
        let runs = both(
            &env,
            &dev,
            &[
                "write-flash-status",
                "--non-volatile",
                "--bytes",
                "1",
                "0x3",
            ],
            0,
        );
        assert_eq!(
            same_lines(&runs, &["After"]),
            ["After flash memory status:   0x00"]
        );
    }
}

#[test]
fn a_write_protected_flash_refuses_writes_with_both_tools() {
    for chip in ["esp32", "esp8266"] {
        let (env, dev) = device(chip);
        let size = dev.flash().len();
        let (top, below) = (size - 0x1_0000, size - 0x2_0000);
        let (top_hex, below_hex) = (format!("{top:#x}"), format!("{below:#x}"));
        env.write("zeros.bin", &[0u8; 0x1000]);
        env.write("app.bin", &noise(0x2000, 7));
        for at in [&top_hex, &below_hex] {
            env.esptool(&["--port", &dev.port, "write-flash", at, "zeros.bin"])
                .ok();
        }
        // BP0: the top 64 KB, non-volatile.
        env.espctl(&[
            "--port",
            &dev.port,
            "write-flash-status",
            "--non-volatile",
            "0x04",
        ])
        .ok()
        .has("After flash memory status:   0x0004");
        // The chip ignores erases there without a word: both tools report success, as
        // on a real board, and nothing changes. Below the range they work.
        for run in both(&env, &dev, &["erase-region", &top_hex, "0x1000"], 0) {
            run.says("erased successfully");
        }
        assert!(dev.flash()[top..top + 0x1000].iter().all(|&b| b == 0));
        both(&env, &dev, &["erase-region", &below_hex, "0x1000"], 0);
        assert!(
            dev.flash()[below..below + 0x1000]
                .iter()
                .all(|&b| b == 0xFF)
        );
        // Writes there fail with both; espctl says why and what to do.
        let before = dev.flash();
        let theirs = env.esptool(&["--port", &dev.port, "write-flash", &top_hex, "app.bin"]);
        theirs
            .exits(2)
            .says("MD5 of file does not match data in flash!");
        assert_eq!(dev.flash(), before, "esptool changed protected flash");
        for no_stub in [false, true] {
            let mut args = vec!["--port", dev.port.as_str()];
            if no_stub {
                args.push("--no-stub");
            }
            args.extend(["write-flash", top_hex.as_str(), "app.bin"]);
            let ours = env.espctl(&args);
            let fatal = ours.fatal();
            let protects = format!(
                "The flash chip is write-protected: its status register (0x0004) protects {top:#010x}-{:#010x}",
                size - 1
            );
            assert!(fatal.contains(&protects), "{ours}");
            assert!(
                fatal.contains("'espctl write-flash-status --non-volatile 0'"),
                "{ours}"
            );
            assert_eq!(dev.flash(), before, "espctl changed protected flash");
        }
        // Cleared as the hint says, the same write goes through.
        env.espctl(&[
            "--port",
            &dev.port,
            "write-flash-status",
            "--non-volatile",
            "0",
        ])
        .ok()
        .has("After flash memory status:   0x0000");
        env.espctl(&[
            "--port",
            &dev.port,
            "write-flash",
            "-sc",
            "SPI",
            &top_hex,
            "app.bin",
        ])
        .ok();
        espctl_testkit::assert_flash_holds(&dev.flash(), top, &noise(0x2000, 7), "the app");
    }
}

#[test]
fn sfdp_bytes_are_the_same_for_both_tools() {
    let (env, dev) = device("esp32");
    for (addr, bytes) in [("0", "4"), ("0x30", "4"), ("0x34", "2"), ("0x10", "1")] {
        let runs = both(&env, &dev, &["read-flash-sfdp", addr, bytes], 0);
        same_lines(
            &runs,
            &["Flash memory SFDP", "Manufacturer", "Device", "Detected"],
        );
    }
    let runs = both(&env, &dev, &["read-flash-sfdp", "0", "4"], 0);
    runs[1].has("Flash memory SFDP[0..3]: 0x53 0x46 0x44 0x50 ");
    for run in both(&env, &dev, &["read-flash-sfdp", "0", "5"], 2) {
        run.says("Invalid number of bytes to read from SFDP (1-4).");
    }
}

const FLASH_ID: &[&str] = &[
    "Configuring SPI",
    "Manufacturer",
    "Device",
    "Detected flash size",
    "WARNING: Failed to communicate",
    "NOTE: Some GPIO",
];

#[test]
fn spi_connection_reaches_the_flash_only_on_its_pins() {
    let (env, dev) = device("esp32");
    for right in ["6,7,8,9,11", "SPI"] {
        let runs = both(&env, &dev, &["flash-id", "-sc", right], 0);
        let seen = same_lines(&runs, FLASH_ID);
        assert!(seen.contains(&"Device: 4016".to_string()), "{seen:?}");
    }
    for wrong in ["HSPI", "14,12,13,4,15", "6,7,8,9,16"] {
        let runs = both(&env, &dev, &["flash-id", "--spi-connection", wrong], 0);
        let seen = same_lines(&runs, FLASH_ID);
        assert!(seen.contains(&"Device: ffff".to_string()), "{seen:?}");
        assert!(seen.contains(&"Detected flash size: Unknown".to_string()));
        assert!(seen.iter().any(|l| l.starts_with("NOTE: Some GPIO")));
        let runs = both(&env, &dev, &["read-flash-status", "-sc", wrong], 0);
        assert_eq!(same_lines(&runs, STATUS), ["Flash memory status: 0xffff"]);
    }
    for run in both(&env, &dev, &["flash-id", "-sc", "6,7,8,9,30"], 2) {
        run.says("SPI Pin numbers must be in the range 0-29, 32, or 33.");
    }
    // The flash data commands take it too; wrong pins leave the flash unreachable.
    let run = env.espctl(&[
        "--port",
        &dev.port,
        "read-flash",
        "-sc",
        "HSPI",
        "0",
        "16",
        "out.bin",
    ]);
    run.says("Failed to communicate with the flash chip");
    env.espctl(&[
        "--port",
        &dev.port,
        "read-flash",
        "-sc",
        "SPI",
        "0",
        "16",
        "out.bin",
    ])
    .ok();

    let (env, dev) = device("esp8266");
    let runs = both(&env, &dev, &["flash-id", "-sc", "SPI"], 0);
    same_lines(&runs, FLASH_ID);
    for (value, refusal) in [
        (
            "HSPI",
            "Using --spi-connection HSPI is not supported by ESP8266.",
        ),
        (
            "6,7,8,9,11",
            "Setting custom --spi-connection pins is not supported by ESP8266.",
        ),
    ] {
        for run in both(&env, &dev, &["flash-id", "-sc", value], 2) {
            run.says(refusal);
        }
    }
}

#[test]
fn get_security_info_fails_as_the_esp32_and_esp8266_loaders_do() {
    for chip in ["esp32", "esp8266"] {
        let (env, dev) = device(chip);
        let runs = both(&env, &dev, &["get-security-info"], 2);
        assert_eq!(
            runs[1].fatal(),
            "ERROR: A fatal error occurred: Failed to get security info (result was FF00: Command not implemented)"
        );
        runs[0].says("result was FF00: Command not implemented");
        let runs = both(&env, &dev, &["--no-stub", "get-security-info"], 2);
        for run in &runs {
            run.says("Failed to get security info (result was 0105: The format of the received message is invalid)");
        }
    }
}

#[test]
fn override_vddsdio_sets_the_esp32_regulator_and_is_refused_elsewhere() {
    let (env, dev) = device("esp32");
    for voltage in ["1.8V", "1.9V"] {
        let runs = both(&env, &dev, &["--override-vddsdio", voltage, "flash-id"], 0);
        let seen = same_lines(&runs, &["VDDSDIO", "Flash voltage", "Device"]);
        assert_eq!(
            seen,
            [
                format!("VDDSDIO regulator set to {voltage}."),
                "Device: 4016".to_string(),
                format!("Flash voltage set by RTC_CNTL: {voltage}"),
            ]
        );
    }
    // Off: the flash loses its supply until the next reset.
    let runs = both(&env, &dev, &["--override-vddsdio", "OFF", "flash-id"], 0);
    let seen = same_lines(&runs, &["VDDSDIO", "Device", "Flash voltage"]);
    assert!(seen.contains(&"Device: ffff".to_string()), "{seen:?}");
    let runs = both(&env, &dev, &["flash-id"], 0);
    assert!(same_lines(&runs, &["Device"]).contains(&"Device: 4016".to_string()));
    for run in both(&env, &dev, &["--override-vddsdio", "2.5V", "flash-id"], 2) {
        run.says("2.5V");
    }

    let (env, dev) = device("esp8266");
    for run in both(&env, &dev, &["--override-vddsdio", "1.8V", "flash-id"], 2) {
        run.says("Overriding VDDSDIO is not supported by ESP8266.");
    }
}
