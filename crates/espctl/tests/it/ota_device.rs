//! `espctl virtual --ota` against espota.py, the ESP8266 core's upload tool, run
//! unmodified: what it uploads must land where the core's Updater puts it, and the
//! device must refuse what a real one refuses.
//!
//! Addresses, worked out by hand from the Arduino layout: 1MB without file system stages
//! below 0xFB000 (the EEPROM), 4MB without file system below 0x3FB000, and a 64KB file
//! system on 1MB is 0xEB000..0xFB000. The built-in firmware is 300KB (75 sectors).

use crate::ESPCTL;
use espctl_ota::wire::{Invitation, UpdateTarget};
use espctl_testkit::{OtaDevice, Run, Stubs, assert_flash_holds, fixture_bytes, referee};
use md5::{Digest, Md5};
use std::io::{Read, Write};
use std::net::{TcpListener, UdpSocket};
use std::time::Duration;

/// A real Arduino ESP8266 build (eboot and sketch): 297632 bytes, 73 sectors, DIO, its
/// header declaring 4MB.
fn arduino_build() -> Vec<u8> {
    fixture_bytes("images/esp8266_deepsleep.bin")
}

/// The same build declaring 1MB (header byte 3: size code 2, 40MHz).
fn arduino_build_1mb() -> Vec<u8> {
    let mut image = arduino_build();
    assert_eq!(image[3], 0x40, "the fixture declares 4MB");
    image[3] = 0x20;
    image
}

/// A larger application: the build followed by 470412 bytes of an SDK example's ELF
/// (768044 bytes in all, 188 sectors: 0xBC000).
fn full_build() -> Vec<u8> {
    let mut image = arduino_build_1mb();
    image.extend(fixture_bytes("elf/esp8266-nonosssdk20-iotdemo.elf"));
    image
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

fn md5_hex(data: &[u8]) -> String {
    Md5::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The device, with short reboots.
fn device(args: &[&str]) -> OtaDevice {
    let mut all = vec!["--reboot-time", "100"];
    all.extend(args);
    ESPCTL.ota_device(&all)
}

/// Runs espota.py on `image` against `device`, with `extra` options (`-a PW`, `-s`).
fn espota(device: &OtaDevice, image: &[u8], extra: &[&str]) -> Run {
    let work = ESPCTL.workdir(Stubs::None);
    let file = work.write("image.bin", image);
    // espota's own default is a random port; a free one is less likely to be taken.
    let host_port = TcpListener::bind("0.0.0.0:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port()
        .to_string();
    let port = device.port().to_string();
    let espota = referee("espota.py");
    let mut args = vec![
        espota.to_str().unwrap(),
        "-i",
        "127.0.0.1",
        "-p",
        &port,
        "-P",
        &host_port,
        "-f",
        file.to_str().unwrap(),
    ];
    args.extend(extra);
    work.run(std::path::Path::new("python3"), &args)
}

#[test]
fn espota_uploads_without_password() {
    let mut device = device(&["--flash-size", "4MB"]);
    let image = arduino_build();
    espota(&device, &image, &[]).ok();
    // 73 sectors below 0x3FB000.
    device.wait_for_event("update begun: firmware image of 297632 bytes written at 0x3b2000");
    device.wait_for_event("eboot copied 297632 bytes from 0x3b2000 to 0x0");
    device.wait_for_event("running image 297632 bytes");
    let flash = device.flash();
    assert_flash_holds(&flash, 0x3B2000, &image, "the staged image");
    assert_flash_holds(&flash, 0, &image, "the new firmware");
}

#[test]
fn espota_uploads_with_the_password() {
    let mut device = device(&["--ota-password", "s3cret"]);
    let image = arduino_build_1mb();
    espota(&device, &image, &["-a", "s3cret"]).ok();
    device.wait_for_event("authentication ok");
    // 73 sectors below 0xFB000.
    device.wait_for_event("written at 0xb2000");
    device.wait_for_event("running image 297632 bytes");
    let flash = device.flash();
    assert_flash_holds(&flash, 0xB2000, &image, "the staged image");
    assert_flash_holds(&flash, 0, &image, "the new firmware");
}

#[test]
fn espota_with_a_wrong_password_changes_nothing() {
    let mut device = device(&["--ota-password", "s3cret"]);
    let before = device.flash();
    let out = espota(&device, &arduino_build_1mb(), &["-a", "guess"]);
    assert_ne!(out.code, 0, "{out}");
    assert!(out.stderr.contains("Authentication Failed"), "{out}");
    device.wait_for_event("authentication failed");
    assert!(device.flash() == before, "flash unchanged");
}

#[test]
fn espota_uploads_a_file_system() {
    let mut device = device(&["--fs-size", "64KB"]);
    let before = device.flash();
    let fs = fixture_bytes("images/fifty_kb.bin");
    espota(&device, &fs, &["-s"]).ok();
    device.wait_for_event("update begun: file system image of 51200 bytes written at 0xeb000");
    device.wait_for_event("running image 307200 bytes");
    let flash = device.flash();
    assert_flash_holds(&flash, 0xEB000, &fs, "the file system");
    assert_eq!(
        &flash[..0xEB000],
        &before[..0xEB000],
        "the firmware is untouched"
    );
}

#[test]
fn an_image_too_large_is_refused_at_the_invitation() {
    let mut device = device(&[]);
    let before = device.flash();
    // 0xFB000 - 0xBC000 = 0x3F000, below the running image's end (0x4B000).
    let out = espota(&device, &full_build(), &[]);
    assert_ne!(out.code, 0, "{out}");
    assert!(out.stderr.contains("ERROR[4]: Not Enough Space"), "{out}");
    device.wait_for_event("update refused: ERROR[4]: Not Enough Space");
    assert!(device.flash() == before, "flash unchanged");
}

#[test]
fn a_gzip_image_is_inflated_to_zero_at_the_reboot() {
    let mut device = device(&[]);
    let raw = full_build();
    let packed = gzip(&raw);
    assert!(packed.len() < 0xB0000, "fits beside the built-in image");
    espota(&device, &packed, &[]).ok();
    device.wait_for_event(&format!("eboot inflated {} bytes of gzip", packed.len()));
    device.wait_for_event("running image 768044 bytes");
    assert_flash_holds(&device.flash(), 0, &raw, "the inflated firmware");
}

#[test]
fn a_core_without_gzip_refuses_a_gzip_image() {
    let mut device = device(&["--no-gzip"]);
    let before = device.flash();
    let out = espota(&device, &gzip(&full_build()), &[]);
    assert_ne!(out.code, 0, "{out}");
    device.wait_for_event("ERROR[10]: Magic byte is wrong, not 0xE9");
    assert_eq!(
        device.flash()[..0x4B000],
        before[..0x4B000],
        "the firmware is untouched"
    );
}

#[test]
fn a_host_that_vanishes_leaves_the_old_firmware_running() {
    let mut device = device(&[]);
    let before = device.flash();
    let image = arduino_build_1mb();
    // A host that sends 20 chunks and goes.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let invitation = Invitation {
        target: UpdateTarget::Firmware,
        host_port: listener.local_addr().unwrap().port(),
        size: image.len() as u32,
        md5: md5_hex(&image),
    };
    udp.send_to(&invitation.encode(), device.addr).unwrap();
    let mut answer = [0u8; 64];
    let n = udp.recv(&mut answer).unwrap();
    assert_eq!(&answer[..n], b"OK");
    let (mut stream, _) = listener.accept().unwrap();
    let mut counts = [0u8; 64];
    for chunk in image.chunks(1460).take(20) {
        stream.write_all(chunk).unwrap();
        let _ = stream.read(&mut counts).unwrap();
    }
    drop(stream);
    device.wait_for_event("update failed: the image stopped after");
    assert!(
        device.flash()[..0x4B000] == before[..0x4B000],
        "old firmware in place"
    );
    assert!(
        !device.events().iter().any(|e| e.contains("rebooting")),
        "no reboot"
    );
    // The device answers the next invitation.
    espota(&device, &image, &[]).ok();
    device.wait_for_event("running image 297632 bytes");
    assert_flash_holds(&device.flash(), 0, &image, "the new firmware");
}

#[test]
fn bad_input_is_one_line_and_nothing_served() {
    let taken = UdpSocket::bind("127.0.0.1:0").unwrap();
    let taken = taken.local_addr().unwrap().to_string();
    let cases: [(&[&str], &str); 7] = [
        (&["--pty", "--no-gzip"], "cannot be used with"),
        (
            &["--ota", "localhost"],
            "'localhost' is not an address with a port",
        ),
        (
            &["--ota", "127.0.0.1:0", "--fs-size", "1MB"],
            "leaves no room for a sketch",
        ),
        (
            &["--ota", "127.0.0.1:0", "--ota-auth", "sha1"],
            "'sha1' is not a password challenge",
        ),
        (
            &["--ota", "127.0.0.1:0", "--chip", "esp32"],
            "the OTA device is an ESP8266",
        ),
        (
            &["--ota", "127.0.0.1:0", "--firmware", "missing.bin"],
            "cannot read the firmware",
        ),
        (&["--ota", &taken], "cannot listen for ArduinoOTA on"),
    ];
    for (args, mentions) in cases {
        let mut all = vec!["virtual"];
        all.extend(args);
        let out = ESPCTL.workdir(Stubs::None).espctl(&all);
        let line = out.fatal();
        assert!(line.contains(mentions), "{mentions:?} in {out}");
        assert!(out.stdout.is_empty(), "nothing served: {out}");
    }
}
