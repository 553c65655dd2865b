//! `backup`, `backup --check` and `restore` against virtual devices: backups identical
//! to the flash with a manifest that says what they are, restores that refuse what would
//! be wrong and write only what differs, and nothing left behind when a backup is cut
//! short.

use crate::ESPCTL;
use espctl_flasher::backup::Manifest;
use espctl_testkit::{Device, Link, Stubs, WorkDir, noise};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A device of `chip` and `size` whose flash holds noise (a used board).
fn used_device(chip: &str, size: &str, seed: u32) -> Device {
    let dev = ESPCTL.device(chip, Link::InProcess, size);
    let bytes = espctl_chips::size_syntax::flash_bytes(size).unwrap() as usize;
    std::fs::write(&dev.flash_file, noise(bytes, seed)).unwrap();
    dev
}

fn manifest(env: &WorkDir, file: &str) -> Manifest {
    let text = String::from_utf8(env.read(&format!("{file}.toml"))).unwrap();
    Manifest::from_toml(&text).unwrap()
}

fn md5_hex(data: &[u8]) -> String {
    use md5::Digest;
    md5::Md5::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[test]
fn backups_are_the_flash_and_their_manifests_say_what_it_is() {
    for (chip, size, bytes) in [
        ("esp8266", "512KB", 512 << 10),
        ("esp8266", "1MB", 1 << 20),
        ("esp8266", "4MB", 4 << 20),
        ("esp32", "4MB", 4 << 20),
    ] {
        let env = ESPCTL.workdir(Stubs::Installed);
        let dev = used_device(chip, size, bytes as u32);
        env.espctl(&["--port", &dev.port, "backup", "b.bin"])
            .ok()
            .has(&format!("Detected flash size: {size}"));
        let data = env.read("b.bin");
        assert!(
            data == dev.flash(),
            "{chip} {size}: the backup is the flash"
        );
        let m = manifest(&env, "b.bin");
        assert_eq!(m.chip.name, chip.to_uppercase(), "{chip}");
        assert_eq!(m.chip.mac, dev.mac_text());
        assert_eq!(m.flash.size.as_deref(), Some(size));
        assert_eq!(m.flash.size_bytes, Some(bytes as u32));
        assert_eq!((m.data.address, m.data.length), (0, bytes as u32));
        assert_eq!(m.data.md5, md5_hex(&data));
        assert!(m.describes(&data));
        let boot = if chip == "esp8266" { 0 } else { 0x1000 };
        assert_eq!(m.data.header_address, Some(boot));
        let header: String = data[boot as usize..boot as usize + 4]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(m.data.header.as_deref(), Some(header.as_str()));
        assert!(m.tool.starts_with("espctl "), "{}", m.tool);
        if chip == "esp32" {
            assert_eq!(m.chip.revision.as_deref(), Some("v3.0"));
        }
    }
}

#[test]
fn a_backup_without_a_name_is_named_after_the_board() {
    let env = ESPCTL.workdir(Stubs::Installed).tracking_files();
    let dev = used_device("esp8266", "1MB", 3);
    let run = env.espctl(&["--port", &dev.port, "backup"]).ok();
    let names: Vec<&String> = run.files.keys().collect();
    assert_eq!(names.len(), 2, "{names:?}");
    let data = names.iter().find(|n| n.ends_with(".bin")).unwrap();
    assert!(data.starts_with("esp8266-18fe34123456-20"), "{data}");
    assert!(run.files.contains_key(&format!("{data}.toml")));
}

#[test]
fn a_region_is_backed_up_alone() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let dev = used_device("esp32", "4MB", 9);
    env.espctl(&[
        "--port", &dev.port, "backup", "--region", "0x10000", "0x3000", "r.bin",
    ])
    .ok();
    assert_eq!(env.read("r.bin"), dev.flash()[0x10000..0x13000]);
    let m = manifest(&env, "r.bin");
    assert_eq!((m.data.address, m.data.length), (0x10000, 0x3000));
    // Past the end of the flash: refused before anything is read.
    let out = env.espctl(&[
        "--port", &dev.port, "backup", "--region", "0x3ff000", "0x2000", "x.bin",
    ]);
    assert!(
        out.fatal().contains("larger than detected flash size"),
        "{out}"
    );
    assert!(!env.path("x.bin").exists());
}

#[test]
fn check_lists_the_sectors_that_differ() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let dev = used_device("esp8266", "1MB", 5);
    env.espctl(&["--port", &dev.port, "backup", "b.bin"]).ok();
    env.espctl(&["--port", &dev.port, "backup", "--check", "b.bin"])
        .ok()
        .says("no sector differs");
    // Two sectors change on the device.
    let mut flash = dev.flash();
    flash[0x21000] ^= 0xFF;
    flash[0x22fff] ^= 0x01;
    std::fs::write(&dev.flash_file, &flash).unwrap();
    let out = env.espctl(&["--port", &dev.port, "backup", "--check", "b.bin"]);
    assert_eq!(
        out.fatal(),
        "ERROR: A fatal error occurred: The device differs from the backup in 2 sectors."
    );
    out.has("  0x00021000-0x00022fff (2 sectors)");
    assert!(dev.flash() == flash, "checking writes nothing");
}

#[test]
fn restore_onto_a_blank_device_makes_it_identical() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let from = used_device("esp8266", "1MB", 11);
    env.espctl(&["--port", &from.port, "backup", "b.bin"]).ok();
    let to = ESPCTL.device("esp8266", Link::InProcess, "1MB");
    env.espctl(&["--port", &to.port, "restore", "b.bin"])
        .ok()
        .says("Restored: 256 sectors rewritten")
        .says("Hard resetting via RTS pin...")
        .lacks("WARNING");
    assert!(to.flash() == from.flash());
    // Again: nothing differs, nothing is written.
    env.espctl(&["--port", &to.port, "restore", "b.bin"])
        .ok()
        .has("Restored: the flash already held the backup, nothing was written.");
}

#[test]
fn restore_onto_another_board_warns_and_writes_only_what_differs() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let from = used_device("esp32", "4MB", 21);
    env.espctl(&["--port", &from.port, "backup", "b.bin"]).ok();
    let spare = ESPCTL
        .device_options("esp32", Link::InProcess)
        .flash_size("4MB")
        .mac([0x24, 0x0A, 0xC4, 0x00, 0x00, 0x01])
        .start();
    let mut flash = from.flash();
    flash[0x300123] ^= 0x40;
    std::fs::write(&spare.flash_file, &flash).unwrap();
    env.espctl(&["--port", &spare.port, "restore", "b.bin"])
        .ok()
        .says("restoring it onto the board with MAC 24:0a:c4:00:00:01")
        .says("Restored: 1 sector rewritten (4096 bytes)");
    assert!(spare.flash() == from.flash());
}

#[test]
fn restore_refuses_another_chip_a_smaller_flash_and_a_damaged_file() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let esp32 = used_device("esp32", "4MB", 31);
    env.espctl(&["--port", &esp32.port, "backup", "esp32.bin"])
        .ok();

    let esp8266 = used_device("esp8266", "4MB", 32);
    let before = esp8266.flash();
    let out = env.espctl(&["--port", &esp8266.port, "restore", "esp32.bin"]);
    assert_eq!(
        out.fatal(),
        "ERROR: A fatal error occurred: The backup is of an ESP32, this chip is an ESP8266. Use --force to go ahead anyway."
    );
    assert!(esp8266.flash() == before, "nothing written");

    let small = used_device("esp32", "1MB", 33);
    let before = small.flash();
    let out = env.espctl(&["--port", &small.port, "restore", "esp32.bin"]);
    assert!(
        out.fatal()
            .contains("The backup ends at 0x400000, beyond this chip's 1MB of flash."),
        "{out}"
    );
    assert!(small.flash() == before, "nothing written");

    let mut damaged = env.read("esp32.bin");
    damaged[1000] ^= 1;
    env.write("esp32.bin", &damaged);
    let out = env.espctl(&["--port", &esp32.port, "restore", "esp32.bin"]);
    assert!(out.fatal().contains("does not match its manifest"), "{out}");

    // Without a manifest: restored at 0x0 after the size check.
    let env = ESPCTL.workdir(Stubs::Installed);
    env.write("plain.bin", &noise(0x3000, 7));
    let dev = used_device("esp8266", "1MB", 34);
    env.espctl(&["--port", &dev.port, "restore", "plain.bin"])
        .ok()
        .says("no manifest beside it");
    assert_eq!(dev.flash()[..0x3000], noise(0x3000, 7)[..]);
}

/// Starts `espctl ARGS` in `env`'s folder without waiting for it.
fn spawn(env: &WorkDir, args: &[&str]) -> std::process::Child {
    Command::new(ESPCTL.path())
        .args(args)
        .current_dir(env.dir())
        .env("ESPCTL_DATA_DIR", env.data_dir())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// A backup cut short (Ctrl-C, or the device gone) leaves the older backup of the same
/// name as it was and no temporary file.
#[test]
fn an_interrupted_backup_leaves_the_old_one_intact() {
    for cut in ["ctrl-c", "device gone"] {
        let env = ESPCTL.workdir(Stubs::Installed);
        // A device that takes its real time: reading 1MB at 115200 over a socket takes
        // well over a minute, so the backup is cut while it reads.
        let mut dev = ESPCTL
            .device_options("esp8266", Link::Socket)
            .flash_size("1MB")
            .server_args(&["--timing", "realistic"])
            .start();
        env.write("b.bin", b"the old backup");
        env.write("b.bin.toml", b"# the old manifest");
        let mut child = spawn(&env, &["--port", &dev.port, "backup", "b.bin"]);
        std::thread::sleep(Duration::from_secs(3));
        match cut {
            "ctrl-c" => espctl_testkit::interrupt(&child),
            _ => dev.stop(),
        }
        let started = Instant::now();
        let status = child.wait().unwrap();
        assert!(!status.success(), "{cut}: the backup must fail");
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "{cut}: it ends"
        );
        assert_eq!(env.read("b.bin"), b"the old backup", "{cut}");
        assert_eq!(env.read("b.bin.toml"), b"# the old manifest", "{cut}");
        let leftovers: Vec<_> = std::fs::read_dir(env.dir())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".espctl-"))
            .collect();
        assert!(leftovers.is_empty(), "{cut}: {leftovers:?}");
    }
}
