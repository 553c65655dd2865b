//! `espctl ota` when the network or the device fails: a device that vanishes
//! mid-transfer, one that cannot connect back through a host firewall, one that never
//! answers, and a missing image. Each is one error line that says what to do.

use crate::ESPCTL;
use crate::ota_upload::{app_image, device, line_starting, ota, workdir};
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};
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
    let Some(netns) = Firewalled::create("a_device_that_cannot_connect_back", 47000) else {
        return;
    };
    let mut device = ESPCTL.ota_device_in_netns(&netns.name, &["--reboot-time", "100"]);
    let before = device.flash();
    let env = workdir(&[("fw.bin", &app_image())]);
    let espctl = ESPCTL.path().to_string_lossy().into_owned();
    let port = device.port().to_string();
    let run = env.run(
        std::path::Path::new("ip"),
        &[
            "netns",
            "exec",
            &netns.name,
            &espctl,
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

/// A network namespace whose loopback refuses TCP connections to one port; deleted on
/// drop.
struct Firewalled {
    name: String,
}

impl Firewalled {
    /// The namespace, or `None` (and why, on stderr) where this machine cannot make one.
    fn create(test: &str, blocked_port: u16) -> Option<Firewalled> {
        static COUNT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "espctl-fw-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        );
        if !ip(&["netns", "add", &name]) {
            eprintln!("{test}: skipped: `ip netns add` does not work here (it needs root)");
            return None;
        }
        let netns = Firewalled { name };
        let port = blocked_port.to_string();
        // The rule must come before the local table's (priority 0), so that one moves.
        let ready = ip(&["-n", &netns.name, "link", "set", "lo", "up"])
            && ip(&[
                "-n",
                &netns.name,
                "rule",
                "add",
                "pref",
                "10",
                "ipproto",
                "tcp",
                "dport",
                &port,
                "prohibit",
            ])
            && ip(&[
                "-n",
                &netns.name,
                "rule",
                "add",
                "pref",
                "100",
                "lookup",
                "local",
            ])
            && ip(&["-n", &netns.name, "rule", "del", "pref", "0"]);
        if !ready {
            eprintln!("{test}: skipped: `ip rule` cannot filter by port here");
            return None;
        }
        Some(netns)
    }
}

impl Drop for Firewalled {
    fn drop(&mut self) {
        ip(&["netns", "delete", &self.name]);
    }
}

fn ip(args: &[&str]) -> bool {
    Command::new("ip")
        .args(args)
        .output()
        .is_ok_and(|out| out.status.success())
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
