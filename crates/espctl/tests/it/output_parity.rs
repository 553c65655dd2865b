//! The lines scripts read (`MAC:`, `Chip ID:`, `Manufacturer:`, `Detected flash size:`,
//! `Wrote ...`, `Hash of data verified.`, `Read ...`, the chip block, the reset line...)
//! read the same from espctl as from esptool 5.6.0, for the same command lines against
//! the same kind of virtual device. Timings, port names and compressed sizes (espctl
//! compresses better) are masked; progress bars, notes and warnings are not compared,
//! nor are the lines about how the link is run, where espctl deliberately differs: it
//! uploads the stub only for flash work and picks its own baud rate (README).

use crate::ESPCTL;
use espctl_testkit::{Device, Link, Stubs, WorkDir};
use std::path::Path;

/// Line starts whose lines must match esptool's exactly (after masking).
const KEY_LINES: &[&str] = &[
    "Detecting chip type...",
    "Connected to ",
    "Chip type:",
    "Features:",
    "Crystal frequency:",
    "MAC:",
    "BASE MAC:",
    "MAC_EXT:",
    "Chip ID:",
    "Configuring flash size...",
    "Auto-detected flash size:",
    "Detected flash size:",
    "Manufacturer:",
    "Device:",
    "Flash voltage",
    "Flash parameters set to",
    "SHA digest in image updated.",
    "Writing '",
    "Flash will be erased from",
    "Compressed ",
    "Erasing flash...",
    "Wrote ",
    "Verifying",
    "Hash of data verified.",
    "Verification ",
    "Read ",
    "Erasing flash memory",
    "Flash memory region erased",
    "Hard resetting via RTS pin...",
    "Staying in bootloader.",
    "Soft resetting...",
    "Dumped ",
    // read-mem: `0x3ff5a000 = 0x00000000`
    "0x",
];

/// `in 0.1 seconds (1234.5 kbit/s)` and `Took 0.02s` vary from run to run.
fn mask(line: &str, port: &str) -> String {
    let mut out = line.replace(port, "PORT");
    if let Some(start) = out.find(" in ")
        && let Some(secs) = out[start..].find(" seconds")
    {
        let mut end = start + secs + " seconds".len();
        if out[end..].starts_with(" (")
            && let Some(close) = out[end..].find(')')
        {
            end += close + 1;
        }
        out.replace_range(start..end, " in T");
    }
    out
}

/// `Compressed 2752 bytes to 1873...` and `(1873 compressed)`: the compressed size is
/// the compressor's, not the data's.
fn mask_compressed(line: &str) -> String {
    if let Some(rest) = line.strip_prefix("Compressed ")
        && let Some(at) = rest.find(" bytes to ")
    {
        return format!("Compressed {} bytes to C...", &rest[..at]);
    }
    match (line.find(" ("), line.find(" compressed)")) {
        (Some(open), Some(close)) if open < close => {
            format!("{} (C{}", &line[..open], &line[close..])
        }
        _ => line.to_string(),
    }
}

fn key_lines(text: &str, port: &str) -> Vec<String> {
    text.lines()
        .filter(|l| KEY_LINES.iter().any(|k| l.starts_with(k)))
        .map(|l| mask_compressed(&mask(l, port)))
        .collect()
}

fn inputs(env: &WorkDir) {
    for name in [
        "bootloader_esp32.bin",
        "bootloader_esp8266.bin",
        "fifty_kb.bin",
    ] {
        env.write(
            name,
            &espctl_testkit::fixture_bytes(&format!("images/{name}")),
        );
    }
}

/// Runs each command with esptool on one fresh `chip` and with espctl on another; their
/// key lines must be the same. Returns the two devices.
fn run_both(env: &WorkDir, chip: &str, stub: bool, commands: &[Vec<&str>]) -> (Device, Device) {
    let theirs = ESPCTL.device(chip, Link::Socket, "4MB");
    let ours = ESPCTL.device(chip, Link::Socket, "4MB");
    let esptool = espctl_testkit::esptool();
    for args in commands {
        let run = |program: &Path, target: &Device| {
            let mut all = vec!["--port", target.port.as_str()];
            if !stub {
                all.push("--no-stub");
            }
            all.extend(args);
            let out = env.run(program, &all);
            assert_eq!(out.code, 0, "{chip} {args:?}:\n{out}");
            key_lines(&out.stdout, &target.port)
        };
        let (t, o) = (run(&esptool, &theirs), run(ESPCTL.path(), &ours));
        assert_eq!(
            o, t,
            "{chip} stub={stub} {args:?}: espctl's key lines (left) differ from esptool's (right)"
        );
        assert!(!t.is_empty());
    }
    (theirs, ours)
}

/// The identification commands, a write of `boot` at `boot_addr` with `-fm dio -fs
/// detect` beside 50 KB of data, and a write that leaves the chip in its loader.
fn identify_and_write<'a>(boot_addr: &'a str, boot: &'a str) -> Vec<Vec<&'a str>> {
    vec![
        vec!["read_mac"],
        vec!["chip_id"],
        vec!["flash_id"],
        vec![
            "write_flash",
            "-fm",
            "dio",
            "-fs",
            "detect",
            boot_addr,
            boot,
            "0x10000",
            "fifty_kb.bin",
        ],
        vec![
            "--after",
            "no_reset",
            "write_flash",
            "0x30000",
            "fifty_kb.bin",
        ],
    ]
}

/// Verifying and reading back what [`identify_and_write`] wrote, and erasing a region.
fn read_back() -> Vec<Vec<&'static str>> {
    vec![
        vec!["verify_flash", "0x10000", "fifty_kb.bin"],
        vec!["read_flash", "0x10000", "0x1000", "out.bin"],
        vec!["erase_region", "0x20000", "0x2000"],
    ]
}

fn compare(chip: &str, stubs: Stubs) {
    let env = ESPCTL.workdir(stubs);
    let stub = stubs == Stubs::Installed;
    inputs(&env);
    let (boot_addr, boot) = if chip == "esp8266" {
        ("0x0", "bootloader_esp8266.bin")
    } else {
        ("0x1000", "bootloader_esp32.bin")
    };
    let can_read = stub || chip != "esp8266";
    let mut commands = identify_and_write(boot_addr, boot);
    if can_read {
        commands.extend(read_back());
    }
    if chip == "esp32" {
        commands.push(vec!["--baud", "460800", "read_mac"]);
    }
    let efuse = if chip == "esp8266" {
        "0x3ff00050"
    } else {
        "0x3ff5a000"
    };
    commands.push(vec!["read_mem", efuse]);
    commands.push(vec!["dump_mem", efuse, "16", "mem.bin"]);
    commands.push(vec!["write_mem", "0x3ffe8000", "0xabad1dea", "0xffff"]);
    // Last: the chip then runs its application and no longer talks to the loader.
    commands.push(vec!["run"]);
    run_both(&env, chip, stub, &commands);
}

/// The newer chips: the identification and flash commands, with an image for the chip at
/// its bootloader offset (header patched by `-fs detect`).
fn compare_newer(chip: &str, stubs: Stubs) {
    let env = ESPCTL.workdir(stubs);
    let stub = stubs == Stubs::Installed;
    inputs(&env);
    let facts = crate::chip_matrix_facts::expected(chip);
    env.write("boot.bin", &crate::chip_matrix_facts::image_for(facts.chip));
    let boot_addr = facts.boot_offset();
    let mut commands = identify_and_write(&boot_addr, "boot.bin");
    commands.extend(read_back());
    let (theirs, ours) = run_both(&env, chip, stub, &commands);
    assert!(theirs.flash() == ours.flash(), "{chip}: the flash differs");
}

#[test]
fn newer_chips_stub_lines_match_esptool() {
    for chip in crate::chip_matrix_facts::CHIPS {
        compare_newer(chip, Stubs::Installed);
    }
}

#[test]
fn newer_chips_rom_lines_match_esptool() {
    for chip in crate::chip_matrix_facts::CHIPS {
        compare_newer(chip, Stubs::None);
    }
}

#[test]
fn esp8266_stub_lines_match_esptool() {
    compare("esp8266", Stubs::Installed);
}

#[test]
fn esp8266_rom_lines_match_esptool() {
    compare("esp8266", Stubs::None);
}

#[test]
fn esp32_stub_lines_match_esptool() {
    compare("esp32", Stubs::Installed);
}

#[test]
fn esp32_rom_lines_match_esptool() {
    compare("esp32", Stubs::None);
}

#[test]
fn masking_keeps_what_scripts_read() {
    assert_eq!(
        mask(
            "Wrote 7888 bytes (4535 compressed) at 0x00001000 in 0.0 seconds (6079.4 kbit/s).",
            "socket://p"
        ),
        "Wrote 7888 bytes (4535 compressed) at 0x00001000 in T."
    );
    assert_eq!(
        mask(
            "Read 4096 bytes from 0x00010000 in 0.1 seconds (300.2 kbit/s) to 'out.bin'.",
            "socket://p"
        ),
        "Read 4096 bytes from 0x00010000 in T to 'out.bin'."
    );
    assert_eq!(
        mask("Connected to ESP32 on socket://h:1:", "socket://h:1"),
        "Connected to ESP32 on PORT:"
    );
    assert_eq!(
        mask_compressed("Compressed 7888 bytes to 4535..."),
        "Compressed 7888 bytes to C..."
    );
    assert_eq!(
        mask_compressed("Wrote 7888 bytes (4535 compressed) at 0x00001000 in T."),
        "Wrote 7888 bytes (C compressed) at 0x00001000 in T."
    );
}
