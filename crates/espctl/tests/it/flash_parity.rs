//! Byte-level parity with esptool 5.6.0: the same command lines, run by esptool and by
//! espctl against two fresh virtual devices (same chip, flash and MAC), leave the same
//! flash contents. With and without the flasher stub, ESP8266 and ESP32.

use crate::{ESPCTL, firmware};
use espctl_testkit::{Device, Link, Stubs, WorkDir, noise};
use std::path::Path;

/// One step: the command line (after `--port P`) for esptool and for espctl. They are
/// the same except where esptool 5 lost a spelling the guides use (`-fs 32m`).
struct Step {
    esptool: Vec<String>,
    espctl: Vec<String>,
}

fn same(args: &[&str]) -> Step {
    let v: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    Step {
        esptool: v.clone(),
        espctl: v,
    }
}

fn scenarios(chip: &str, stub: bool) -> Vec<(&'static str, Vec<Step>)> {
    let mut s = vec![
        (
            "espurna -fs 1MB -fm dout",
            vec![same(&[
                "write_flash",
                "-fs",
                "1MB",
                "-fm",
                "dout",
                "0x00000",
                "firmware.bin",
            ])],
        ),
        (
            "espurna -fs detect -fm dout",
            vec![same(&[
                "write_flash",
                "-fs",
                "detect",
                "-fm",
                "dout",
                "0x00000",
                "firmware.bin",
            ])],
        ),
        (
            "nodemcu -fm dio -fs 32m (esptool 5: 4MB)",
            vec![Step {
                esptool: [
                    "write_flash",
                    "-fm",
                    "dio",
                    "-fs",
                    "4MB",
                    "0x00000",
                    "nodemcu.bin",
                ]
                .map(String::from)
                .to_vec(),
                espctl: [
                    "write_flash",
                    "-fm",
                    "dio",
                    "-fs",
                    "32m",
                    "0x00000",
                    "nodemcu.bin",
                ]
                .map(String::from)
                .to_vec(),
            }],
        ),
        (
            "firmware and init data",
            vec![same(&[
                "write_flash",
                "-fm",
                "dio",
                "-fs",
                "4MB",
                "0x00000",
                "fw.bin",
                "0x3fc000",
                "esp_init_data_default.bin",
            ])],
        ),
        (
            "restore a backup over other data",
            vec![
                same(&["write_flash", "0x0", "noise.bin"]),
                same(&["write_flash", "0x0", "fw-backup.bin"]),
            ],
        ),
        (
            "unaligned address over other data, odd lengths",
            vec![
                same(&["write_flash", "0x0", "noise.bin"]),
                same(&[
                    "write_flash",
                    "0x1100",
                    "one_kb.bin",
                    "0x8004",
                    "not_4_byte_aligned.bin",
                ]),
            ],
        ),
        (
            "bootloader header patching with SHA-256, several files",
            vec![same(&[
                "write_flash",
                "-fm",
                "dout",
                "-ff",
                "80m",
                "-fs",
                "detect",
                "0x1000",
                "bootloader_esp32_v5_2.bin",
                "0x10000",
                "fifty_kb.bin",
                "0x20000",
                "one_mb.bin",
            ])],
        ),
        (
            "no compression",
            vec![same(&["write_flash", "-u", "0x2000", "firmware.bin"])],
        ),
        (
            // espctl compares and writes only changed sectors (the file's first and
            // last sectors, whose rest must end up erased, and one in the middle).
            "rewrite over old data with one changed sector, unaligned ends, twice",
            vec![
                same(&["write_flash", "0x0", "old.bin"]),
                same(&["write_flash", "0x1100", "patch.bin"]),
                same(&["write_flash", "0x1100", "patch.bin"]),
            ],
        ),
        (
            "the same image twice",
            vec![
                same(&["write_flash", "0x10000", "firmware.bin"]),
                same(&["write_flash", "0x10000", "firmware.bin"]),
            ],
        ),
    ];
    if stub {
        // esptool refuses these without the stub.
        s.push((
            "erase everything",
            vec![
                same(&["write_flash", "0x0", "noise.bin"]),
                same(&["erase_flash"]),
            ],
        ));
        s.push((
            "erase all before writing",
            vec![
                same(&["write_flash", "0x0", "noise.bin"]),
                same(&["write_flash", "-e", "0x40000", "one_kb.bin"]),
            ],
        ));
    }
    if stub || chip == "esp32" {
        // The ESP8266 ROM has no way to erase a region in esptool.
        s.push((
            "erase a region",
            vec![
                same(&["write_flash", "0x0", "noise.bin"]),
                same(&["erase_region", "0x3000", "0x5000"]),
            ],
        ));
    }
    if chip == "esp32" {
        s.push((
            "compressed through the ROM too",
            vec![same(&[
                "write_flash",
                "-z",
                "0x1000",
                "bootloader_esp32.bin",
            ])],
        ));
    }
    s
}

fn inputs(env: &WorkDir) {
    let fw = firmware();
    for name in ["firmware.bin", "nodemcu.bin", "fw.bin"] {
        env.write(name, &fw);
    }
    env.write("esp_init_data_default.bin", &noise(128, 9));
    env.write("noise.bin", &noise(0x10000, 5));
    let mut backup = noise(0x80000, 6);
    backup[..fw.len()].copy_from_slice(&fw);
    env.write("fw-backup.bin", &backup);
    let old = noise(0x40000, 11);
    let mut patch = old[0x1100..0x30177].to_vec();
    patch[0x10010 - 0x1100] ^= 0x5A;
    env.write("old.bin", &old);
    env.write("patch.bin", &patch);
    for name in [
        "one_kb.bin",
        "not_4_byte_aligned.bin",
        "bootloader_esp32_v5_2.bin",
        "bootloader_esp32.bin",
        "fifty_kb.bin",
        "one_mb.bin",
    ] {
        env.write(
            name,
            &espctl_testkit::fixture_bytes(&format!("images/{name}")),
        );
    }
}

fn compare(chip: &str, stubs: Stubs) {
    let esptool = espctl_testkit::esptool();
    let env = ESPCTL.workdir(stubs);
    inputs(&env);
    let stub = stubs == Stubs::Installed;
    let stub_flag: &[&str] = if stub { &[] } else { &["--no-stub"] };
    for (what, steps) in scenarios(chip, stub) {
        let theirs = ESPCTL.device(chip, Link::Socket, "4MB");
        let ours = ESPCTL.device(chip, Link::Socket, "4MB");
        for step in &steps {
            let run = |program: &Path, target: &Device, args: &[String]| {
                let mut all: Vec<&str> = vec!["--port", &target.port];
                all.extend(stub_flag);
                all.extend(args.iter().map(String::as_str));
                env.run(program, &all)
            };
            let t = run(&esptool, &theirs, &step.esptool);
            assert_eq!(t.code, 0, "{chip} {what}: esptool failed\n{t}");
            let o = run(ESPCTL.path(), &ours, &step.espctl);
            assert_eq!(o.code, 0, "{chip} {what}: espctl failed\n{o}");
        }
        let (a, b) = (theirs.flash(), ours.flash());
        assert_eq!(a.len(), b.len(), "{chip} {what}: flash sizes differ");
        if let Some(i) = a.iter().zip(&b).position(|(x, y)| x != y) {
            panic!(
                "{chip} {}: {what}: flash differs at {i:#x}: esptool left {:#04x}, espctl {:#04x}",
                if stub { "stub" } else { "ROM" },
                a[i],
                b[i]
            );
        }
    }
}

#[test]
fn esp8266_with_stub_matches_esptool() {
    compare("esp8266", Stubs::Installed);
}

#[test]
fn esp8266_rom_matches_esptool() {
    compare("esp8266", Stubs::None);
}

#[test]
fn esp32_with_stub_matches_esptool() {
    compare("esp32", Stubs::Installed);
}

#[test]
fn esp32_rom_matches_esptool() {
    compare("esp32", Stubs::None);
}
