//! Remote serial ports over RFC 2217: esptool 5.6.0 (`--port rfc2217://`, its default
//! reset) and espctl flash a virtual ESP32 served by `espctl virtual --rfc2217`, whose
//! DTR and RTS reach the board's auto-reset circuit, and one on a pty behind
//! `espctl serve-port`. pyserial's RFC 2217 client waits ~0.2 s per command, so the
//! esptool runs are few and small.

use crate::ESPCTL;
use espctl_testkit::{Device, Link, Run, Stubs, VirtualServer, WorkDir, assert_flash_holds};
use std::ffi::OsString;
use std::time::Duration;

/// esptool writes (and verifies) with its default reset.
fn esptool_write(env: &WorkDir, port: &str, addr: &str, file: &str) -> Run {
    env.esptool(&["--chip", "esp32", "--port", port, "write-flash", addr, file])
        .ok()
}

/// espctl writes with its defaults (the fast baud rate included) and verifies.
fn espctl_write(env: &WorkDir, port: &str, addr: &str, file: &str) -> Run {
    env.espctl(&["--chip", "esp32", "--port", port, "write-flash", addr, file])
        .ok()
}

#[test]
fn esptool_and_espctl_flash_a_virtual_device_through_rfc2217() {
    let dev = ESPCTL.device("esp32", Link::Rfc2217, "4MB");
    assert!(dev.port.starts_with("rfc2217://127.0.0.1:"), "{}", dev.port);
    let env = ESPCTL.workdir(Stubs::Installed);
    let a = espctl_testkit::noise(12 * 1024, 1);
    let b = espctl_testkit::noise(40 * 1024, 2);
    env.write("a.bin", &a);
    env.write("b.bin", &b);

    // esptool resets the board into its loader over DTR/RTS: nothing else would.
    let run = esptool_write(&env, &dev.port, "0x10000", "a.bin");
    run.says("Hash of data verified.").lacks("Wrong boot mode");
    assert_flash_holds(&dev.flash(), 0x10000, &a, "esptool's write");

    let run = espctl_write(&env, &dev.port, "0x20000", "b.bin");
    // The server switches the line: the device garbles anything at the wrong rate.
    run.says("Changing baud rate to 921600")
        .says("Hash of data verified.");
    assert_flash_holds(&dev.flash(), 0x20000, &b, "espctl's write");

    // Read back through the same server what esptool wrote.
    env.espctl(&[
        "--chip",
        "esp32",
        "--port",
        &dev.port,
        "read-flash",
        "0x10000",
        &a.len().to_string(),
        "back.bin",
    ])
    .ok();
    assert_eq!(env.read("back.bin"), a, "read back over rfc2217");
}

#[test]
fn without_a_reset_the_board_runs_its_firmware_and_espctl_says_so() {
    // `--before no-reset` over RFC 2217 leaves the lines alone: the board, powered up
    // running its flash, never enters its loader.
    let dev = ESPCTL.device("esp32", Link::Rfc2217, "4MB");
    let env = ESPCTL.workdir(Stubs::None);
    let run = env.espctl(&[
        "--chip",
        "esp32",
        "--port",
        &dev.port,
        "--before",
        "no-reset",
        "--connect-attempts",
        "1",
        "read-mac",
    ]);
    assert_ne!(run.code, 0, "{run}");
    run.lacks("MAC:");
    // The default reset then finds it.
    env.espctl(&["--chip", "esp32", "--port", &dev.port, "read-mac"])
        .ok()
        .says(&format!("MAC:                {}", dev.mac_text()));
}

#[test]
fn a_usb_serial_jtag_board_served_over_rfc2217_enters_its_loader() {
    // An ESP32-C3 on its own USB port, powered up running its flash. The classic
    // sequence boots the flash there; the server sees the port's USB IDs (303A:1001)
    // and runs the controller's own sequence when a client's reset begins.
    let dev = ESPCTL
        .device_options("esp32c3", Link::Rfc2217)
        .flash_size("4MB")
        .server_args(&["--usb-jtag"])
        .start();
    let env = ESPCTL.workdir(Stubs::Installed);
    let data = espctl_testkit::noise(24 * 1024, 7);
    env.write("c3.bin", &data);
    env.espctl(&["--port", &dev.port, "write-flash", "0x10000", "c3.bin"])
        .ok()
        .says("Hash of data verified.");
    assert_flash_holds(&dev.flash(), 0x10000, &data, "espctl's write over USB");
    // esptool's default reset reaches the loader the same way.
    env.esptool(&["--port", &dev.port, "read-mac"])
        .ok()
        .says("Detecting chip type... ESP32-C3")
        .says(&format!("MAC:                {}", dev.mac_text()));
}

/// `espctl serve-port` in front of `dev` (a pty device), on a free local port.
#[cfg(unix)]
fn serve_port(dev: &Device) -> (VirtualServer, String) {
    let args: Vec<OsString> = ["--port", &dev.port, "serve-port", "--listen", "127.0.0.1:0"]
        .map(OsString::from)
        .to_vec();
    let server = VirtualServer::start(ESPCTL.path(), &args);
    let url = server
        .address
        .split_whitespace()
        .find(|w| w.starts_with("rfc2217://"))
        .unwrap_or_else(|| panic!("no URL in {:?}", server.address))
        .to_string();
    assert!(
        server
            .address
            .starts_with(&format!("Serving {} on", dev.port)),
        "{}",
        server.address
    );
    (server, url)
}

/// The server's next stderr line.
#[cfg(unix)]
fn next_line(server: &VirtualServer) -> String {
    server
        .stderr
        .recv_timeout(Duration::from_secs(30))
        .expect("serve-port says what happened")
}

#[cfg(unix)]
#[test]
fn serve_port_serves_espctl_then_esptool_on_a_pty() {
    let mut dev = ESPCTL.device("esp32", Link::Pty, "4MB");
    let (server, url) = serve_port(&dev);
    let env = ESPCTL.workdir(Stubs::Installed);
    let a = espctl_testkit::noise(24 * 1024, 3);
    let b = espctl_testkit::noise(8 * 1024, 4);
    env.write("a.bin", &a);
    env.write("b.bin", &b);

    // A pty has no DTR/RTS: the board is reset by hand before each client.
    dev.reset_into_download();
    espctl_write(&env, &url, "0x10000", "a.bin").says("Hash of data verified.");
    assert_flash_holds(&dev.flash(), 0x10000, &a, "espctl's write");
    let connected = next_line(&server);
    assert!(
        connected.starts_with("Client 127.0.0.1:") && connected.ends_with(" connected"),
        "{connected}"
    );
    let note = next_line(&server);
    assert!(note.contains("has no DTR/RTS lines"), "{note}");
    let gone = next_line(&server);
    assert_eq!(gone, connected.replace(" connected", " disconnected"));

    dev.reset_into_download();
    esptool_write(&env, &url, "0x30000", "b.bin").says("Hash of data verified.");
    assert_flash_holds(&dev.flash(), 0x30000, &b, "esptool's write");
    let connected = next_line(&server);
    assert!(connected.ends_with(" connected"), "{connected}");
    // Said once per server, not per client.
    let gone = next_line(&server);
    assert_eq!(gone, connected.replace(" connected", " disconnected"));
}

#[cfg(unix)]
#[test]
fn a_client_killed_mid_write_leaves_serve_port_serving_the_next() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    // Realistic timing at 115200 baud: the write takes long enough to be cut.
    let mut dev = ESPCTL
        .device_options("esp32", Link::Pty)
        .flash_size("4MB")
        .server_args(&["--timing", "realistic"])
        .start();
    let (server, url) = serve_port(&dev);
    let env = ESPCTL.workdir(Stubs::Installed);
    let big = espctl_testkit::noise(256 * 1024, 5);
    env.write("big.bin", &big);

    dev.reset_into_download();
    let mut client = Command::new(ESPCTL.path())
        .args([
            "--chip",
            "esp32",
            "--port",
            &url,
            "--no-fast-baud",
            "write-flash",
            "0x0",
            "big.bin",
        ])
        .current_dir(env.dir())
        .env("ESPCTL_DATA_DIR", env.data_dir())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start espctl");
    let stdout = client.stdout.take().expect("piped stdout");
    let writing = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|line| line.starts_with("Writing at"));
    assert!(writing, "the write started");
    client.kill().expect("kill the client");
    client.wait().expect("reap the client");
    let connected = next_line(&server);
    assert!(connected.ends_with(" connected"), "{connected}");
    let mut line = next_line(&server);
    if line.contains("has no DTR/RTS lines") {
        line = next_line(&server);
    }
    let peer = connected.trim_end_matches(" connected");
    assert!(line.starts_with(&format!("{peer} disconnected")), "{line}");
    assert_ne!(
        &dev.flash()[..big.len()],
        &big[..],
        "the client was killed before its write ended"
    );

    // The next client finds the server (and the board, reset by hand) ready.
    let small = espctl_testkit::noise(4 * 1024, 6);
    env.write("small.bin", &small);
    dev.reset_into_download();
    espctl_write(&env, &url, "0x100000", "small.bin").says("Hash of data verified.");
    assert_flash_holds(&dev.flash(), 0x100000, &small, "the next client's write");
    assert!(next_line(&server).ends_with(" connected"));
}
