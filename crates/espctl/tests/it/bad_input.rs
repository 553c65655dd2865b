//! Bad input ends with one clear error line and exit code 2, and nothing is written:
//! missing files, bad addresses, overlaps, files larger than the flash, unknown chips,
//! ports that do not exist, devices that never answer (in about esptool's time).

use crate::{ESPCTL, firmware};
use espctl_testkit::{Device, Link, Stubs, WorkDir, noise};
use std::net::TcpListener;
use std::time::Duration;

/// A device with known, non-blank flash content, and that content.
fn device_with_content(env: &WorkDir, flash_size: &str) -> (Device, Vec<u8>) {
    let dev = ESPCTL.device("esp8266", Link::InProcess, flash_size);
    env.write("seed.bin", &noise(8192, 1));
    env.espctl(&["--port", &dev.port, "write_flash", "0x0", "seed.bin"])
        .ok();
    let before = dev.flash();
    (dev, before)
}

#[track_caller]
fn fails_cleanly(env: &WorkDir, dev: &Device, before: &[u8], args: &[&str], expect: &str) {
    let mut all = vec!["--port", dev.port.as_str()];
    all.extend_from_slice(args);
    let out = env.espctl(&all);
    let line = out.fatal();
    assert!(
        line.contains(expect),
        "error line {line:?} does not say {expect:?}"
    );
    assert!(
        dev.flash() == before,
        "flash changed after a refused command"
    );
}

#[test]
fn refuses_bad_write_flash_arguments_without_writing() {
    let env = ESPCTL.workdir(Stubs::None);
    let (dev, before) = device_with_content(&env, "1MB");
    env.write("fw.bin", &firmware());
    env.write("big.bin", &noise(1 << 20, 3));
    env.write("init.bin", &noise(4096, 4));

    fails_cleanly(
        &env,
        &dev,
        &before,
        &["write_flash", "0x0", "missing.bin"],
        "Cannot read 'missing.bin': No such file or directory",
    );
    fails_cleanly(
        &env,
        &dev,
        &before,
        &["write_flash", "0x1001", "fw.bin"],
        "Address 0x1001 of 'fw.bin' is not a multiple of 4",
    );
    fails_cleanly(
        &env,
        &dev,
        &before,
        &["write_flash", "0x0", "fw.bin", "0x10000", "init.bin"],
        "Detected overlap at address: 0x10000 for file: init.bin.",
    );
    fails_cleanly(
        &env,
        &dev,
        &before,
        &["write_flash", "zz", "fw.bin"],
        "Address \"zz\" must be a number.",
    );
    fails_cleanly(
        &env,
        &dev,
        &before,
        &["write_flash", "0x0", "fw.bin", "0x10000"],
        "Must be pairs of an address and the binary filename",
    );
    // Larger than the flash: refused after connecting, before anything is written.
    fails_cleanly(
        &env,
        &dev,
        &before,
        &["write_flash", "0x1000", "big.bin"],
        "File 'big.bin' (length 1048576) at offset 0x00001000 will not fit in 1048576 bytes of flash.",
    );
    // The 4MB init-data address on a 1MB module (a classic mistake from the guides).
    fails_cleanly(
        &env,
        &dev,
        &before,
        &["write_flash", "0x0", "fw.bin", "0x3fc000", "init.bin"],
        "File 'init.bin' (length 4096) at offset 0x003fc000 will not fit in 1048576 bytes of flash.",
    );
    // -fs larger than the module is capped by the detected size.
    fails_cleanly(
        &env,
        &dev,
        &before,
        &[
            "write_flash",
            "-fs",
            "4MB",
            "0x0",
            "fw.bin",
            "0x3fc000",
            "init.bin",
        ],
        "will not fit in 1048576 bytes of flash",
    );
    fails_cleanly(
        &env,
        &dev,
        &before,
        &["write_flash", "-fs", "3MB", "0x0", "fw.bin"],
        "invalid value '3MB' for '-fs <FLASH_SIZE>' [possible values: detect, keep, 256KB,",
    );
    fails_cleanly(
        &env,
        &dev,
        &before,
        &["write_flash", "0xfffff800", "init.bin"],
        "'init.bin' (4096 bytes) at 0xfffff800 runs past the end of the 32-bit flash address space",
    );
}

/// A flash chip whose size cannot be read (no fit check possible): an address near the
/// end of the 32-bit space is still refused before anything is sent, with a message that
/// names the problem (not a device error, nor addresses wrapping around).
#[test]
fn refuses_addresses_past_4gb_when_the_flash_size_is_unknown() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let dev = ESPCTL.device("esp32", Link::InProcess, "4MB");
    let port = format!("{}&jedec=0xffffff", dev.port);
    env.write("init.bin", &noise(4096, 4));
    let line = env
        .espctl(&["--port", &port, "write_flash", "0xfffff800", "init.bin"])
        .fatal();
    assert!(
        line.contains("runs past the end of the 32-bit flash address space"),
        "{line}"
    );
    let line = env
        .espctl(&["--port", &port, "verify_flash", "0xfffff800", "init.bin"])
        .fatal();
    assert!(
        line.contains("runs past the end of the 32-bit flash address space"),
        "{line}"
    );
}

#[test]
fn refuses_bad_reads_and_erases_without_output() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let (dev, before) = device_with_content(&env, "4MB");
    fails_cleanly(
        &env,
        &dev,
        &before,
        &["read_flash", "0x0", "0x800000", "big.bin"],
        "Specified size 0x800000 is greater than detected flash size 0x400000.",
    );
    assert!(!env.path("big.bin").exists());
    fails_cleanly(
        &env,
        &dev,
        &before,
        &["read_flash", "0x3ff000", "0x2000", "tail.bin"],
        "goes past 4MB by 0x1000 bytes",
    );
    assert!(!env.path("tail.bin").exists());
    fails_cleanly(
        &env,
        &dev,
        &before,
        &["read_flash", "0x0", "0x1000", "no/such/dir/out.bin"],
        "folder 'no/such/dir' does not exist",
    );
    fails_cleanly(
        &env,
        &dev,
        &before,
        &["erase_region", "0x1001", "0x1000"],
        "Offset to erase from must be a multiple of 4096.",
    );
    fails_cleanly(
        &env,
        &dev,
        &before,
        &["erase_region", "0x1000", "0x800"],
        "Size of data to erase must be a multiple of 4096.",
    );
}

#[test]
fn refuses_unknown_and_wrong_chips() {
    let env = ESPCTL.workdir(Stubs::None);
    let (dev, before) = device_with_content(&env, "1MB");
    env.write("fw.bin", &firmware());
    fails_cleanly(
        &env,
        &dev,
        &before,
        &["--chip", "esp33", "write_flash", "0x0", "fw.bin"],
        "invalid value 'esp33' for '--chip <CHIP>' [possible values: auto, esp8266, esp32,",
    );
    let mut args = vec!["--chip", "esp32", "--port", dev.port.as_str()];
    args.extend(["write_flash", "0x0", "fw.bin"]);
    let line = env.espctl(&args).fatal();
    assert!(
        line.contains("This chip is ESP8266, not ESP32. Wrong chip argument?"),
        "{line}"
    );
    assert!(dev.flash() == before);
}

#[test]
fn refuses_ports_that_do_not_exist() {
    let env = ESPCTL.workdir(Stubs::None);
    let out = env.espctl(&["--port", "/dev/ttyNOPE0", "read_mac"]);
    let line = out.fatal();
    assert!(
        line.contains("Could not open /dev/ttyNOPE0, the port is busy or doesn't exist"),
        "{line}"
    );
    // Nothing listens on this port (held, so no other test takes it meanwhile).
    let refusing = espctl_testkit::RefusingPort::bind();
    let url = format!("socket://127.0.0.1:{}", refusing.port);
    let line = env.espctl(&["--port", &url, "read_mac"]).fatal();
    assert!(line.contains("Connection refused"), "{line}");
    assert!(
        line.contains("start the serial-to-TCP server first"),
        "{line}"
    );
    // An RFC 2217 address names the server that is missing.
    let url = format!("rfc2217://127.0.0.1:{}", refusing.port);
    let line = env.espctl(&["--port", &url, "read_mac"]).fatal();
    assert!(line.contains("Connection refused"), "{line}");
    assert!(line.contains("espctl serve-port --port DEVICE"), "{line}");
}

/// A TCP port that accepts connections and never says a word.
fn silent_listener() -> (String, std::thread::JoinHandle<()>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("socket://{}", l.local_addr().unwrap());
    let t = std::thread::spawn(move || {
        let mut held = Vec::new();
        // Serves the connections of the two tools, then lets them time out.
        for c in l.incoming().take(2) {
            held.push(c);
        }
        std::thread::sleep(Duration::from_secs(15));
    });
    (url, t)
}

#[test]
fn a_silent_device_fails_in_about_esptools_time() {
    let env = ESPCTL.workdir(Stubs::None);
    let (url, _t) = silent_listener();
    // esptool against the same kind of silent device, at the same time.
    let url2 = url.clone();
    let theirs = std::thread::spawn(move || {
        ESPCTL
            .workdir(Stubs::None)
            .esptool(&["--port", &url2, "chip-id"])
    });
    let ours = env.espctl(&["--port", &url, "chip_id"]);
    let theirs = theirs.join().unwrap();
    let line = ours.fatal();
    assert_eq!(
        line,
        "ERROR: A fatal error occurred: Failed to connect to Espressif device: No serial data received. For troubleshooting steps visit: https://docs.espressif.com/projects/esptool/en/latest/troubleshooting.html"
    );
    assert_eq!(theirs.code, 2, "esptool: {theirs}");
    assert!(theirs.stderr.contains("No serial data received."));
    // 7 attempts of 5 SYNCs, 100 ms each plus 50 ms pauses: about 5.3 s for both.
    let (a, b) = (ours.elapsed.as_secs_f64(), theirs.elapsed.as_secs_f64());
    assert!(
        (4.0..8.0).contains(&a) && (a - b).abs() < 2.0,
        "espctl took {a:.1} s, esptool {b:.1} s"
    );
    // One dot per failed SYNC, as esptool prints them.
    let dots = format!("Connecting...{}\n", ".".repeat(35));
    assert!(ours.stdout.contains(&dots), "{ours}");
}

#[cfg(unix)]
#[test]
fn a_pty_without_reset_lines_is_warned_about_once() {
    use serialport::SerialPort;
    let (_master, slave) = serialport::TTYPort::pair().unwrap();
    let path = slave.name().unwrap();
    drop(slave);
    let env = ESPCTL.workdir(Stubs::None);
    let out = env.espctl(&["--port", &path, "--connect-attempts", "2", "read_mac"]);
    out.fatal();
    let warning = format!(
        "WARNING: Chip was NOT reset. Setting RTS/DTR lines is not supported for port '{path}'. Set --before and --after arguments to 'no-reset' and switch to bootloader manually to avoid this warning."
    );
    assert_eq!(out.stderr.matches(&warning).count(), 1, "{out}");
    // 2 attempts of 5 SYNCs: 10 dots.
    let dots = format!("Connecting...{}\n", ".".repeat(10));
    assert!(out.stdout.contains(&dots), "{out}");
    assert!(out.elapsed < Duration::from_secs(4), "{out}");
}

/// A TCP proxy to `target` that passes everything both ways until the device has sent
/// `cut_after` bytes, then drops the connection (a cable pulled mid-transfer).
fn cutting_proxy(target: &str, cut_after: usize) -> String {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("socket://{}", listener.local_addr().unwrap());
    let target = target.trim_start_matches("socket://").to_string();
    std::thread::spawn(move || {
        let (mut host, _) = listener.accept().unwrap();
        let mut device = TcpStream::connect(&target).unwrap();
        let (mut host_in, mut device_out) =
            (host.try_clone().unwrap(), device.try_clone().unwrap());
        std::thread::spawn(move || std::io::copy(&mut host_in, &mut device_out));
        let mut sent = 0;
        let mut buf = [0u8; 4096];
        while sent < cut_after {
            let n = match device.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => n.min(cut_after - sent),
            };
            if host.write_all(&buf[..n]).is_err() {
                break;
            }
            sent += n;
        }
        let _ = host.shutdown(std::net::Shutdown::Both);
        let _ = device.shutdown(std::net::Shutdown::Both);
    });
    url
}

/// The link breaks in the middle of read-flash and does not come back within
/// `--reconnect-timeout`: one error line, exit code 2, and no output file (not even a
/// partial or temporary one).
#[test]
fn a_read_cut_short_leaves_no_output_file() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let dev = ESPCTL.device("esp32", Link::Socket, "4MB");
    let url = cutting_proxy(&dev.port, 64 * 1024);
    let out = env.espctl(&[
        "--port",
        &url,
        "--reconnect-timeout",
        "1",
        "read_flash",
        "0x0",
        "0x100000",
        "backup.bin",
    ]);
    out.says("reconnecting (waiting up to 1 s for the port)");
    let line = out.fatal();
    assert!(
        line.contains("socket://") && line.contains("--reconnect-timeout"),
        "the error names the port and what to do: {line}"
    );
    assert!(out.elapsed < Duration::from_secs(10), "{out}");
    let left: Vec<_> = std::fs::read_dir(env.dir())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert!(left.is_empty(), "files left behind: {left:?}");
}

/// A chip that runs its application and prints non-stop (not in download mode, reset
/// lines not wired) does not hold espctl: the usual attempts, then an explanation.
#[test]
fn a_chattering_device_fails_in_bounded_time() {
    use std::io::Write;
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("socket://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        if let Ok((mut c, _)) = l.accept() {
            while c.write_all(b"I (4242) app: temperature 21.5 C\r\n").is_ok() {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
    });
    let out = ESPCTL.workdir(Stubs::None).espctl(&[
        "--port",
        &url,
        "--connect-attempts",
        "2",
        "read_mac",
    ]);
    let line = out.fatal();
    assert!(
        line.contains("Invalid head of packet (0x49): Possible serial noise or corruption.")
            && line.contains("the chip is running its application"),
        "{line}"
    );
    assert!(out.elapsed < Duration::from_secs(5), "{out}");
}
