//! The referee: the real esptool 5.6.0 against `espctl virtual`, for both chips, over
//! `socket://` and a pty, with esptool's flasher stub and with `--no-stub`.
//!
//! Every scenario checks what esptool prints and what ends up in the device's flash file
//! (the bytes esptool sent, including the header bytes it patches).

use crate::ESPCTL;
use espctl_chips::{Chip, Registers, format_mac};
use espctl_testkit::{Device, Link, Run, Stubs, WorkDir, assert_erased, assert_flash_holds};
use std::path::PathBuf;

const MAC: &str = "5c:cf:7f:12:34:56";
const MAC_BYTES: [u8; 6] = [0x5C, 0xCF, 0x7F, 0x12, 0x34, 0x56];

/// What differs between the chips in these scenarios.
struct Facts {
    chip: &'static Chip,
    flash_size: &'static str,
    flash_bytes: usize,
    device_id: &'static str,
    bootloader: &'static str,
    bootloader_offset: usize,
    /// Header byte 3 after `-fs detect` (size code | original frequency nibble).
    patched_size_freq: u8,
    chip_type: &'static str,
    crystal: &'static str,
    /// A RAM word for write-mem / read-mem.
    ram: u32,
}

fn facts(chip: &str) -> Facts {
    match chip {
        "esp8266" => Facts {
            chip: &espctl_chips::esp8266::ESP8266,
            flash_size: "2MB",
            flash_bytes: 2 << 20,
            device_id: "4015",
            bootloader: "bootloader_esp8266.bin",
            bootloader_offset: 0,
            patched_size_freq: 0x30,
            chip_type: "ESP8266EX",
            crystal: "26MHz",
            ram: 0x3FFE_8000,
        },
        _ => Facts {
            chip: &espctl_chips::esp32::ESP32,
            flash_size: "4MB",
            flash_bytes: 4 << 20,
            device_id: "4016",
            bootloader: "bootloader_esp32.bin",
            bootloader_offset: 0x1000,
            patched_size_freq: 0x20,
            chip_type: "ESP32-D0WD-V3 (revision v3.0)",
            crystal: "40MHz",
            ram: 0x3FFB_0000,
        },
    }
}

fn fixture(name: &str) -> PathBuf {
    espctl_testkit::fixture(&format!("images/{name}"))
}

fn fixture_str(name: &str) -> String {
    fixture(name).display().to_string()
}

fn read_fixture(name: &str) -> Vec<u8> {
    espctl_testkit::fixture_bytes(&format!("images/{name}"))
}

/// A device served by `espctl virtual` (killed on drop) and a folder to run esptool in.
struct Virtual {
    dev: Device,
    env: WorkDir,
}

impl Virtual {
    fn start(dev: espctl_testkit::DeviceOptions) -> Virtual {
        Virtual {
            dev: dev.start(),
            env: ESPCTL.workdir(Stubs::None),
        }
    }

    fn chip(&self) -> &str {
        &self.dev.chip
    }

    fn path(&self, name: &str) -> PathBuf {
        self.env.path(name)
    }

    fn flash(&self) -> Vec<u8> {
        self.dev.flash()
    }

    /// Runs esptool with `--chip` and `--port` (and `--no-stub` when `stub` is false).
    fn esptool(&self, stub: bool, args: &[&str]) -> Run {
        let mut all = vec!["--chip", self.chip(), "--port", &self.dev.port];
        if !stub {
            all.push("--no-stub");
        }
        all.extend(args);
        self.env.esptool(&all)
    }
}

/// A device with the MAC and flash size of the scenarios.
fn start(chip: &'static str, link: Link) -> Virtual {
    let f = facts(chip);
    Virtual::start(
        ESPCTL
            .device_options(chip, link)
            .mac(MAC_BYTES)
            .flash_size(f.flash_size),
    )
}

/// One esptool run; on a pty the board is first reset into download mode by hand (a
/// pty has no DTR/RTS), as the auto-reset circuit would do on a real port.
fn esptool(v: &mut Virtual, stub: bool, args: &[&str]) -> Run {
    if v.dev.link == Link::Pty {
        v.dev.reset_into_download();
    }
    v.esptool(stub, args)
}

/// esptool's FatalError (exit code 2) whose output says `needle`.
#[track_caller]
fn refused(run: &Run, needle: &str) {
    run.exits(2).says(needle);
}

fn identity(v: &mut Virtual, stub: bool) {
    let f = facts(v.chip());
    let run = esptool(v, stub, &["chip-id"]).ok();
    run.says(&format!("Chip type:          {}", f.chip_type))
        .says(&format!("Crystal frequency:  {}", f.crystal))
        .says(&format!("MAC:                {MAC}"));
    if f.chip.kind == espctl_chips::ChipKind::Esp8266 {
        run.says("Chip ID: 0x00123456");
    } else {
        run.says("WARNING: ESP32 has no chip ID. Reading MAC address instead.");
    }
    if stub {
        run.says("Stub flasher running.");
    } else {
        run.lacks("Uploading stub flasher");
    }
    if v.dev.link == Link::Pty {
        run.says("WARNING: Chip was NOT reset.");
    }
    esptool(v, stub, &["read-mac"])
        .ok()
        .says(&format!("MAC:                {MAC}"));

    // A faster baud rate: the ESP32 ROM and the stubs switch, the ESP8266 ROM cannot.
    let run = esptool(v, stub, &["--baud", "460800", "flash-id"]).ok();
    if !stub && !f.chip.rom.change_baudrate {
        run.says(
            "WARNING: ROM doesn't support changing baud rate. Keeping initial baud rate 115200.",
        );
    } else {
        run.says("Changing baud rate to 460800").says("Changed.");
    }
    run.says("Manufacturer: 5e")
        .says(&format!("Device: {}", f.device_id))
        .says(&format!("Detected flash size: {}", f.flash_size));
    if !stub {
        run.says("Enabling default SPI flash mode...");
    }
    if f.chip.kind == espctl_chips::ChipKind::Esp32 {
        run.says("Flash voltage set by a strapping pin: 3.3V");
    }

    // Registers: an eFuse word holding the MAC, and a RAM word written with a mask.
    let (addr, value) = (f.chip.identity.registers_for_mac)(MAC_BYTES)
        .into_iter()
        .find(|(_, v)| *v != 0)
        .unwrap();
    esptool(v, stub, &["read-mem", &format!("0x{addr:08x}")])
        .ok()
        .says(&format!("0x{addr:08x} = 0x{value:08x}"));
    let ram = format!("0x{:08x}", f.ram);
    esptool(v, stub, &["write-mem", &ram, "0xabad1dea", "0x0000ffff"])
        .ok()
        .says(&format!("Wrote 0xabad1dea with mask 0x0000ffff to {ram}."));
    // RAM keeps its content across the reset between runs.
    esptool(v, stub, &["read-mem", &ram])
        .ok()
        .says(&format!("{ram} = 0x00001dea"));
    let regs: Registers = (f.chip.identity.registers_for_mac)(MAC_BYTES)
        .into_iter()
        .collect();
    assert_eq!(format_mac(&(f.chip.identity.mac)(&regs).unwrap()), MAC);
}

/// The bootloader as esptool writes it with `-fs detect -fm dout`.
fn patched_bootloader(f: &Facts) -> Vec<u8> {
    let mut image = read_fixture(f.bootloader);
    image[2] = 0x03;
    image[3] = f.patched_size_freq | (image[3] & 0x0F);
    image
}

fn write_several_files(v: &mut Virtual, stub: bool) {
    let f = facts(v.chip());
    let boot_offset = format!("0x{:x}", f.bootloader_offset);
    let run = esptool(
        v,
        stub,
        &[
            "write-flash",
            "-fs",
            "detect",
            "-fm",
            "dout",
            &boot_offset,
            &fixture_str(f.bootloader),
            "0x10000",
            &fixture_str("fifty_kb.bin"),
            "0x30000",
            &fixture_str("one_kb_all_ef.bin"),
        ],
    )
    .ok();
    run.says(&format!("Auto-detected flash size: {}", f.flash_size))
        .says(&format!(
            "Flash parameters set to 0x03{:02x}.",
            f.patched_size_freq
        ))
        .says("Wrote 51200 bytes at 0x00010000");
    let verified = run.count("Hash of data verified.");
    if f.chip.rom.flash_md5 || stub {
        assert_eq!(verified, 3, "{run}");
    } else {
        // The ESP8266 ROM has no MD5: esptool cannot verify (the flash file does).
        assert_eq!(verified, 0, "{run}");
    }
    if stub {
        run.says(&format!(
            "Compressed {} bytes to",
            read_fixture(f.bootloader).len()
        ));
    } else {
        run.lacks("Compressed");
    }
    let flash = v.flash();
    assert_eq!(flash.len(), f.flash_bytes);
    assert_flash_holds(
        &flash,
        f.bootloader_offset,
        &patched_bootloader(&f),
        "bootloader",
    );
    assert_flash_holds(&flash, 0x10000, &read_fixture("fifty_kb.bin"), "fifty_kb");
    assert_flash_holds(
        &flash,
        0x30000,
        &read_fixture("one_kb_all_ef.bin"),
        "one_kb_all_ef",
    );
    assert_erased(&flash, 0x10000 + 51200..0x30000, "between the files");
}

fn write_other_compression(v: &mut Virtual, stub: bool) {
    let f = facts(v.chip());
    if stub {
        // Uncompressed through the stub.
        let run = esptool(
            v,
            stub,
            &["write-flash", "-u", "0x40000", &fixture_str("sector.bin")],
        );
        run.ok().lacks("Compressed").says("Hash of data verified.");
        assert_flash_holds(&v.flash(), 0x40000, &read_fixture("sector.bin"), "sector");
    } else if f.chip.rom.compressed_flash {
        // Compressed through the ESP32 ROM.
        let run = esptool(
            v,
            stub,
            &[
                "write-flash",
                "-z",
                "0x40000",
                &fixture_str("one_kb_all_ef.bin"),
            ],
        );
        run.ok()
            .says("Compressed 1024 bytes to")
            .says("Hash of data verified.");
        assert_flash_holds(
            &v.flash(),
            0x40000,
            &read_fixture("one_kb_all_ef.bin"),
            "compressed",
        );
    } else {
        let before = v.flash();
        refused(
            &esptool(
                v,
                stub,
                &[
                    "write-flash",
                    "-z",
                    "0x40000",
                    &fixture_str("one_kb_all_ef.bin"),
                ],
            ),
            "ESP8266 ROM does not support function flash_defl_begin.",
        );
        assert_eq!(v.flash(), before);
    }
}

fn read_back(v: &mut Virtual, stub: bool) {
    let f = facts(v.chip());
    let out = v.path("read.bin");
    let out_s = out.display().to_string();
    if stub {
        esptool(v, stub, &["read-flash", "0x10000", "51200", &out_s])
            .ok()
            .says("Read 51200 bytes from 0x00010000");
        assert_eq!(std::fs::read(&out).unwrap(), read_fixture("fifty_kb.bin"));
        // pyserial's socket:// reads one byte per call (~140 KB/s), so the whole flash is
        // read over the pty here and over TCP from a small flash (`read_all_over_tcp`).
        if v.dev.link == Link::Pty {
            read_all(v, f.flash_bytes);
        }
    } else if f.chip.rom.read_flash_slow {
        esptool(v, stub, &["read-flash", "0x10000", "0x1000", &out_s])
            .ok()
            .says("Read 4096 bytes from 0x00010000");
        assert_eq!(
            std::fs::read(&out).unwrap(),
            read_fixture("fifty_kb.bin")[..0x1000]
        );
    } else {
        refused(
            &esptool(v, stub, &["read-flash", "0x10000", "0x1000", &out_s]),
            "ESP8266 ROM does not support function read_flash_slow.",
        );
        assert!(!out.exists());
    }
}

fn read_all(v: &mut Virtual, flash_bytes: usize) {
    let all = v.path("all.bin");
    esptool(
        v,
        true,
        &["read-flash", "0", "ALL", &all.display().to_string()],
    )
    .ok()
    .says(&format!("Read {flash_bytes} bytes from 0x00000000"));
    assert_eq!(std::fs::read(&all).unwrap(), v.flash());
}

#[test]
fn read_all_over_tcp() {
    for chip in ["esp8266", "esp32"] {
        let mut v = Virtual::start(
            ESPCTL
                .device_options(chip, Link::Socket)
                .flash_size("512KB"),
        );
        esptool(
            &mut v,
            true,
            &["write-flash", "0x7f000", &fixture_str("sector.bin")],
        )
        .ok();
        read_all(&mut v, 512 << 10);
        assert_flash_holds(
            &v.flash(),
            0x7f000,
            &read_fixture("sector.bin"),
            "last sector",
        );
    }
}

fn verify(v: &mut Virtual, stub: bool) {
    let f = facts(v.chip());
    if stub || f.chip.rom.flash_md5 {
        esptool(
            v,
            stub,
            &["verify-flash", "0x10000", &fixture_str("fifty_kb.bin")],
        )
        .ok()
        .says("Verification successful (digest matched).");
        refused(
            &esptool(
                v,
                stub,
                &["verify-flash", "0x10000", &fixture_str("sector.bin")],
            ),
            "Verification failed (digest mismatch).",
        );
    } else {
        refused(
            &esptool(
                v,
                stub,
                &["verify-flash", "0x10000", &fixture_str("fifty_kb.bin")],
            ),
            "ESP8266 ROM does not support function flash_md5sum.",
        );
    }
}

/// Writes one sector over old data: the loader must erase exactly what esptool asked for.
/// Through the ESP8266 ROM that is one sector more (its erase bug, which esptool's
/// erase-size workaround halves but cannot avoid for a single sector).
fn rewrite_over_old_data(v: &mut Virtual, stub: bool) {
    let f = facts(v.chip());
    esptool(
        v,
        stub,
        &["write-flash", "0x10000", &fixture_str("sector.bin")],
    )
    .ok();
    let flash = v.flash();
    let old = read_fixture("fifty_kb.bin");
    assert_flash_holds(&flash, 0x10000, &read_fixture("sector.bin"), "new sector");
    if !stub && f.chip.rom.erase_size_bug {
        assert_erased(&flash, 0x11000..0x12000, "the ESP8266 ROM's extra sector");
    } else {
        assert_flash_holds(&flash, 0x11000, &old[0x1000..0x2000], "next sector kept");
    }
    assert_flash_holds(&flash, 0x12000, &old[0x2000..], "rest of the old file");
}

fn erase(v: &mut Virtual, stub: bool) {
    let f = facts(v.chip());
    let is_8266_rom = !stub && f.chip.kind == espctl_chips::ChipKind::Esp8266;
    let run = esptool(v, stub, &["erase-region", "0x30000", "0x1000"]);
    if is_8266_rom {
        refused(&run, "ESP8266 ROM does not support function erase_region.");
        assert_flash_holds(
            &v.flash(),
            0x30000,
            &read_fixture("one_kb_all_ef.bin"),
            "kept",
        );
    } else {
        run.ok().says("Flash memory region erased successfully");
        let flash = v.flash();
        assert_erased(&flash, 0x30000..0x31000, "erase-region");
        assert_flash_holds(
            &flash,
            0x12000,
            &read_fixture("fifty_kb.bin")[0x2000..],
            "outside the region",
        );
    }

    // write-flash -e erases everything first (a stub command).
    let run = esptool(
        v,
        stub,
        &["write-flash", "-e", "0x50000", &fixture_str("one_kb.bin")],
    );
    if stub {
        run.ok().says("Hash of data verified.");
        let flash = v.flash();
        assert_erased(&flash, 0..0x50000, "before the file");
        assert_flash_holds(&flash, 0x50000, &read_fixture("one_kb.bin"), "one_kb");
        assert_erased(&flash, 0x50400..flash.len(), "after the file");
    } else {
        refused(
            &run,
            &format!("{} ROM does not support function erase_flash.", f.chip.name),
        );
    }

    let run = esptool(v, stub, &["erase-flash"]);
    if stub {
        run.ok().says("Flash memory erased successfully");
        assert_erased(&v.flash(), 0..f.flash_bytes, "erase-flash");
    } else {
        refused(
            &run,
            &format!("{} ROM does not support function erase_flash.", f.chip.name),
        );
        assert_flash_holds(
            &v.flash(),
            0x12000,
            &read_fixture("fifty_kb.bin")[0x2000..],
            "not erased",
        );
    }
}

fn run_program(v: &mut Virtual, stub: bool) {
    let run = esptool(v, stub, &["run"]).ok();
    run.says("Hard resetting via RTS pin...");
    if v.dev.link == Link::Pty {
        if stub {
            // Through the stub, `run` is FLASH_END "stay": esptool leaves the starting to
            // its hard reset, which a pty cannot do. The stub is still there.
            v.esptool(stub, &["--connect-attempts", "1", "chip-id"])
                .ok()
                .says("Stub flasher is already running. No upload is necessary.");
        } else {
            // The ROM started the program and nothing resets the chip: the loader is gone.
            refused(
                &v.esptool(stub, &["--connect-attempts", "1", "chip-id"]),
                "Failed to connect to",
            );
        }
    } else {
        run.says("NOTE: It's not possible to reset the chip over a TCP socket.");
    }
    // After a reset (by hand on a pty, by connecting over TCP) the loader is back.
    esptool(v, stub, &["read-mac"]).ok().says(MAC);
}

fn scenario(chip: &'static str, link: Link, stub: bool) {
    let mut v = start(chip, link);
    if link == Link::Socket {
        assert!(
            v.dev.port.starts_with("socket://127.0.0.1:"),
            "{}",
            v.dev.port
        );
    } else {
        assert!(v.dev.port.starts_with("/dev/"), "{}", v.dev.port);
    }
    identity(&mut v, stub);
    write_several_files(&mut v, stub);
    write_other_compression(&mut v, stub);
    read_back(&mut v, stub);
    verify(&mut v, stub);
    rewrite_over_old_data(&mut v, stub);
    erase(&mut v, stub);
    run_program(&mut v, stub);
}

#[test]
fn esp8266_tcp_stub() {
    scenario("esp8266", Link::Socket, true);
}

#[test]
fn esp8266_tcp_rom() {
    scenario("esp8266", Link::Socket, false);
}

#[test]
fn esp8266_pty_stub() {
    scenario("esp8266", Link::Pty, true);
}

#[test]
fn esp8266_pty_rom() {
    scenario("esp8266", Link::Pty, false);
}

#[test]
fn esp32_tcp_stub() {
    scenario("esp32", Link::Socket, true);
}

#[test]
fn esp32_tcp_rom() {
    scenario("esp32", Link::Socket, false);
}

#[test]
fn esp32_pty_stub() {
    scenario("esp32", Link::Pty, true);
}

#[test]
fn esp32_pty_rom() {
    scenario("esp32", Link::Pty, false);
}

/// Multi-step flows that keep the chip's state between esptool runs: the stub left
/// running is found again, also after `--after no-reset`, whose FLASH_END with the
/// reboot flag esp-flasher-stub v1.1.0 answers and ignores (command_handler.c:
/// "// TODO: Implement reboot").
#[test]
fn stub_left_running_is_reused_even_after_no_reset() {
    for (chip, link) in [("esp8266", Link::Pty), ("esp32", Link::Socket)] {
        let extra: &[&str] = if link == Link::Socket {
            &["--keep-state"]
        } else {
            &[]
        };
        let v = Virtual::start(ESPCTL.device_options(chip, link).server_args(extra));
        let file = fixture_str("one_kb.bin");
        v.esptool(
            true,
            &["--after", "no-reset-stub", "write-flash", "0x8000", &file],
        )
        .ok()
        .says("Staying in flasher stub.");
        let out = v.path("again.bin").display().to_string();
        v.esptool(
            true,
            &[
                "--before",
                "no-reset",
                "--after",
                "no-reset",
                "read-flash",
                "0x8000",
                "1024",
                &out,
            ],
        )
        .ok()
        .says("Stub flasher is already running. No upload is necessary.")
        .says("Staying in bootloader.");
        assert_eq!(std::fs::read(&out).unwrap(), read_fixture("one_kb.bin"));
        // Still the stub: no upload.
        v.esptool(true, &["--before", "no-reset", "chip-id"])
            .ok()
            .says("Stub flasher is already running. No upload is necessary.");
    }
}
