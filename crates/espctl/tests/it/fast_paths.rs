//! Where espctl saves the user's time: the fast default baud rate (and its fallbacks),
//! writing only changed sectors, and no stub upload for commands the ROM can do.

use crate::{ESPCTL, firmware};
use espctl_testkit::{Link, Stubs, noise};

#[test]
fn flash_commands_move_to_921600_without_a_baud_option() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let fw = firmware();
    env.write("fw.bin", &fw);
    for chip in ["esp8266", "esp32"] {
        let dev = ESPCTL.device(chip, Link::InProcess, "4MB");
        let out = env
            .espctl(&["--port", &dev.port, "write_flash", "0x10000", "fw.bin"])
            .ok();
        let change = out.line_index("Changing baud rate to 921600...");
        assert_eq!(out.line_index("Changed."), change + 1);
        let upload = out.line_index("Uploading stub flasher...");
        if chip == "esp8266" {
            // Its ROM cannot change the rate: the stub does, once it runs.
            assert!(change > out.line_index("Stub flasher running."), "{out}");
        } else {
            // The ESP32 ROM switches first, so the stub uploads at the fast rate.
            assert!(change < upload, "{out}");
        }
        out.has("Hash of data verified.");
        assert!(dev.flash()[0x10000..0x10000 + fw.len()] == fw[..]);

        // An explicit rate (even the default one) and --no-fast-baud keep the rate.
        for extra in [&["--baud", "115200"][..], &["--no-fast-baud"]] {
            let mut args = vec!["--port", dev.port.as_str()];
            args.extend(extra);
            args.extend(["write_flash", "--no-skip", "0x10000", "fw.bin"]);
            let out = env.espctl(&args).ok();
            assert!(!out.stdout.contains("Changing baud rate"), "{out}");
            out.has("Hash of data verified.");
        }
    }
}

#[test]
fn no_fast_baud_over_tcp() {
    let env = ESPCTL.workdir(Stubs::Installed);
    env.write("fw.bin", &firmware());
    let dev = ESPCTL.device("esp32", Link::Socket, "4MB");
    let out = env
        .espctl(&["--port", &dev.port, "write_flash", "0x10000", "fw.bin"])
        .ok();
    assert!(!out.stdout.contains("Changing baud rate"), "{out}");
}

#[test]
fn an_adapter_that_cannot_do_921600_falls_back_to_115200() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let fw = firmware();
    env.write("fw.bin", &fw);
    for chip in ["esp8266", "esp32"] {
        let dev = ESPCTL.device(chip, Link::InProcess, "4MB");
        // With reset lines: the chip is reset and the write goes on at 115200.
        let port = format!("{}&max-baud=460800", dev.port);
        let out = env
            .espctl(&["--port", &port, "write_flash", "0x10000", "fw.bin"])
            .ok();
        assert!(
            out.stderr.contains(&format!(
                "WARNING: {} stopped answering at 921600 baud; resetting it and carrying on at 115200 baud",
                chip.to_uppercase()
            )),
            "{out}"
        );
        out.has("Hash of data verified.");
        assert!(dev.flash()[0x10000..0x10000 + fw.len()] == fw[..]);

        // Without reset lines the chip cannot be brought back: one error line.
        let port = format!("{}&max-baud=460800&lines=none", dev.port);
        let out = env.espctl(&["--port", &port, "write_flash", "--no-skip", "0x0", "fw.bin"]);
        let line = out.fatal();
        assert!(
            line.contains("stopped answering after switching to 921600 baud")
                && line.contains("--baud 115200"),
            "{line}"
        );
        // Nothing was written at 0.
        assert!(dev.flash()[..16].iter().all(|&b| b == 0xFF));

        // The user's own --baud 115200 never tries.
        let out = env
            .espctl(&[
                "--port",
                &port,
                "--baud",
                "115200",
                "read_flash",
                "0x10000",
                "0x1000",
                "back.bin",
            ])
            .ok();
        assert!(!out.stdout.contains("Changing baud rate"), "{out}");
        assert_eq!(env.read("back.bin"), fw[..0x1000]);
    }
}

#[test]
fn a_stub_left_running_is_put_back_to_115200() {
    let env = ESPCTL.workdir(Stubs::Installed);
    env.write("fw.bin", &firmware());
    // A pty: fast baud applies; the stub stays for the next command.
    let dev = ESPCTL.device("esp32", Link::Pty, "4MB");
    let out = env
        .espctl(&[
            "--port",
            &dev.port,
            "--before",
            "no-reset",
            "--after",
            "no-reset-stub",
            "write_flash",
            "0x10000",
            "fw.bin",
        ])
        .ok();
    let up = out.line_index("Changing baud rate to 921600...");
    let down = out.line_index("Changing baud rate to 115200...");
    assert!(up < down && down < out.line_index("Staying in flasher stub."));
    env.espctl(&["--port", &dev.port, "--before", "no-reset", "read_mac"])
        .ok()
        .has("Stub flasher is already running. No upload is necessary.");
    // A pty has no reset lines: --after hard-reset cannot stop the stub either.
    let out = env
        .espctl(&[
            "--port",
            &dev.port,
            "write_flash",
            "--no-skip",
            "0x10000",
            "fw.bin",
        ])
        .ok();
    let down = out.line_index("Changing baud rate to 115200...");
    assert!(down < out.line_index("Hard resetting via RTS pin..."));
    // Where the chip is reset afterwards, the rate is left alone.
    let dev = ESPCTL.device("esp32", Link::InProcess, "4MB");
    let out = env
        .espctl(&["--port", &dev.port, "write_flash", "0x10000", "fw.bin"])
        .ok();
    assert!(
        !out.stdout.contains("Changing baud rate to 115200"),
        "{out}"
    );
}

#[test]
fn register_commands_talk_to_the_rom_without_the_stub() {
    let env = ESPCTL.workdir(Stubs::Installed);
    for chip in ["esp8266", "esp32"] {
        let dev = ESPCTL.device(chip, Link::InProcess, "4MB");
        let mac = dev.mac_text();
        let runs = [
            (vec!["flash_id"], "Manufacturer: 5e".to_string()),
            (vec!["read_mac"], format!("MAC:                {mac}")),
            (vec!["chip_id"], String::new()),
            (vec!["read_mem", "0x40001000"], "0x40001000 = ".to_string()),
        ];
        for (args, key) in runs {
            let mut all = vec!["--port", dev.port.as_str()];
            all.extend(&args);
            let out = env.espctl(&all).ok();
            assert!(!out.stdout.contains("Uploading stub flasher"), "{out}");
            assert!(!out.stdout.contains("Changing baud rate"), "{out}");
            assert!(out.stdout.contains(&key), "{out}");
        }
        let out = env.espctl(&["--port", &dev.port, "flash_id"]).ok();
        out.has("Device: 4016").has("Detected flash size: 4MB");
        // Asked to leave the stub running, espctl starts it.
        env.espctl(&["--port", &dev.port, "--after", "no-reset-stub", "read_mac"])
            .ok()
            .has("Stub flasher running.");
    }
}

#[test]
fn rewriting_an_image_sends_only_what_changed() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let fw = firmware();
    env.write("fw.bin", &fw);
    for chip in ["esp8266", "esp32"] {
        let dev = ESPCTL.device(chip, Link::InProcess, "4MB");
        let write = |file: &str, extra: &[&str]| {
            let mut args = vec!["--port", dev.port.as_str(), "write_flash"];
            args.extend(extra);
            args.extend(["0x10000", file]);
            env.espctl(&args).ok()
        };
        write("fw.bin", &[]).has("Hash of data verified.");
        let out = write("fw.bin", &[]);
        out.has(
            "No changed sectors found: the MD5s of the flash match the new data, nothing to write.",
        )
        .has("'fw.bin' at 0x00010000 verified.");
        assert!(!out.stdout.contains("Wrote "), "{out}");

        let mut changed = fw.clone();
        changed[0x2_1000] ^= 0x40;
        env.write("changed.bin", &changed);
        write("changed.bin", &[])
            .has("Changed data sectors found, fast reflashing...")
            .has("Reflashing 1 changed sector at 0x00031000...")
            .has("Flash will be erased from 0x00031000 to 0x00031fff...")
            .has("Hash of data verified.");
        assert!(dev.flash()[0x10000..0x10000 + fw.len()] == changed[..]);

        // --no-skip writes it all again.
        let out = write("changed.bin", &["--no-skip"]);
        assert!(!out.stdout.contains("Comparing flash"), "{out}");
        out.has(&format!(
            "Flash will be erased from 0x00010000 to {:#010x}...",
            (0x10000 + fw.len()).div_ceil(0x1000) * 0x1000 - 1
        ))
        .has("Hash of data verified.");
    }
    // Without the stub the ESP8266 ROM cannot hash flash: every write is a full one.
    let dev = ESPCTL.device("esp8266", Link::InProcess, "4MB");
    let rom = ESPCTL.workdir(Stubs::None);
    rom.write("small.bin", &noise(5000, 3));
    for _ in 0..2 {
        let out = rom
            .espctl(&["--port", &dev.port, "write_flash", "0x10000", "small.bin"])
            .ok();
        assert!(!out.stdout.contains("Comparing flash"), "{out}");
        out.has("Flash will be erased from 0x00010000 to 0x00011fff...");
    }
}
