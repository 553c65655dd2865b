//! `espctl ota` when the network or the device fails: a device that vanishes
//! mid-transfer, one that cannot connect back through a host firewall, one that never
//! answers, and a missing image. Each is one error line that says what to do.

use crate::ESPCTL;
use crate::ota_upload::{app_image, device, line_starting, ota, workdir};
use espctl_testkit::NetNamespace;
use std::time::Duration;

#[test]
fn a_device_that_vanishes_mid_transfer_is_a_clear_error() {
    // 20ms round trips: the image takes about a second to go through the device's
    // 5840-byte receive window.
    let mut device = device(&["--rtt", "20"]);
    let env = workdir(&[("fw.bin", &app_image())]);
    let port = device.port();
    let run = std::thread::scope(|s| {
        let upload = s.spawn(|| ota(&env, port, &["--no-compress", "fw.bin"]));
        device.wait_for_event("update begun");
        std::thread::sleep(Duration::from_millis(300));
        drop(device);
        upload.join().unwrap()
    });
    let line = run.fatal();
    assert!(
        line.contains("the device closed the connection")
            && line.contains("keeps its old firmware"),
        "{run}"
    );
    line_starting(&run, "Uploading 297632 bytes");
}

#[test]
fn a_device_that_cannot_connect_back_names_the_port() {
    // A host firewall, made in a network namespace of the test's own: a routing rule
    // that refuses TCP to one port (the invitation and its answer are UDP and pass).
    let Some(netns) = NetNamespace::refusing_tcp_port("a_device_that_cannot_connect_back", 47000)
    else {
        return;
    };
    let mut device = netns.ota_device(&ESPCTL, &["--reboot-time", "100"]);
    let before = device.flash();
    let env = workdir(&[("fw.bin", &app_image())]);
    let port = device.port().to_string();
    let run = netns.espctl(
        &ESPCTL,
        &env,
        &[
            "ota",
            "--host",
            "127.0.0.1",
            "--port",
            &port,
            "--host-port",
            "47000",
            "fw.bin",
        ],
    );
    let line = run.fatal();
    assert!(
        line.contains("never connected back to TCP port 47000")
            && line.contains("blocks inbound TCP to port 47000")
            && line.contains("--host-port"),
        "{run}"
    );
    device.wait_for_event("update begun");
    device.wait_for_event("127.0.0.1:47000");
    assert!(device.flash() == before, "flash unchanged");
}

#[test]
fn a_silent_device_and_a_missing_file_are_one_line_each() {
    // A UDP port that takes invitations and answers none.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let env = workdir(&[("fw.bin", &app_image())]);
    let run = ota(&env, port, &["-t", "2.5", "fw.bin"]);
    let line = run.fatal();
    assert!(
        line.contains(&format!("no answer from 127.0.0.1:{port} to 3 invitations"))
            && line.contains("ArduinoOTA.handle()"),
        "{run}"
    );
    let mut buf = [0u8; 256];
    let n = silent.recv(&mut buf).unwrap();
    assert!(
        buf[..n].starts_with(b"0 "),
        "an invitation to update the firmware"
    );

    let run = ota(&env, port, &["missing.bin"]);
    assert!(run.fatal().contains("cannot read missing.bin"), "{run}");
    assert!(run.stdout.is_empty(), "{run}");
}
