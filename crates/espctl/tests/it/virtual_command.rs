//! `espctl virtual`: on bad input one line on stderr, exit code 2, nothing served; else
//! the address to connect to first.

use crate::ESPCTL;
use espctl_testkit::{Link, Run, Stubs};

fn virtual_device(args: &[&str]) -> Run {
    let mut all = vec!["virtual"];
    all.extend(args);
    ESPCTL.workdir(Stubs::None).espctl(&all)
}

#[track_caller]
fn assert_refused(out: &Run, mentions: &str) {
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stdout.is_empty(), "no address printed: {out}");
    assert_eq!(out.stderr.lines().count(), 1, "one line: {out}");
    assert!(
        out.stderr.contains(mentions),
        "{:?} should mention {mentions:?}",
        out.stderr
    );
}

#[test]
fn unknown_chip() {
    let out = virtual_device(&["--chip", "esp31", "--listen", "127.0.0.1:0"]);
    // Every chip is listed, as for any other command.
    assert_refused(
        &out,
        "invalid value 'esp31' for '--chip <CHIP>' [possible values: auto,",
    );
}

#[test]
fn chip_without_a_virtual_model() {
    let out = virtual_device(&["--chip", "esp32c61", "--listen", "127.0.0.1:0"]);
    assert_refused(&out, "esp8266");
}

#[test]
fn flash_size_not_a_power_of_two() {
    let out = virtual_device(&[
        "--chip",
        "esp32",
        "--flash-size",
        "3MB",
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_refused(&out, "not a power of two");
    let out = virtual_device(&["--chip", "esp32", "--flash-size", "lots", "--pty"]);
    assert_refused(&out, "not a flash size");
}

#[test]
fn unusable_flash_file() {
    let dir = tempfile::tempdir().unwrap();
    let as_dir = dir.path().display().to_string();
    let out = virtual_device(&[
        "--chip",
        "esp8266",
        "--flash-file",
        &as_dir,
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_refused(&out, "cannot use flash file");
    let wrong = dir.path().join("small.bin");
    std::fs::write(&wrong, [0u8; 1000]).unwrap();
    let out = virtual_device(&[
        "--chip",
        "esp8266",
        "--flash-file",
        &wrong.display().to_string(),
        "--listen",
        "127.0.0.1:0",
    ]);
    assert_refused(&out, "has 1000 bytes");
    assert_eq!(std::fs::read(&wrong).unwrap(), [0u8; 1000], "left alone");
}

#[test]
fn port_in_use() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = virtual_device(&["--chip", "esp8266", "--listen", &addr]);
    assert_refused(&out, &format!("cannot listen on {addr}"));
}

#[test]
fn bad_mac_and_jedec_id() {
    let out = virtual_device(&["--chip", "esp8266", "--mac", "18:fe:34", "--pty"]);
    assert_refused(&out, "not a MAC address");
    let out = virtual_device(&["--chip", "esp8266", "--jedec-id", "0x1234567", "--pty"]);
    assert_refused(&out, "24 bits");
}

#[test]
fn first_line_is_the_address_to_connect_to() {
    // No flash size given: the default.
    let v = ESPCTL.device_options("esp8266", Link::Socket).start();
    let port: u16 = v
        .port
        .strip_prefix("socket://127.0.0.1:")
        .expect("socket URL")
        .parse()
        .unwrap();
    assert_ne!(port, 0);
    assert_eq!(v.flash().len(), 4 << 20, "blank 4MB flash file created");
    assert!(v.flash().iter().all(|&b| b == 0xFF));
}
