//! `espctl list-ports`, the scan without `--port`, and the errors for a port another
//! program holds or the user may not open.
//!
//! Linux lists serial ports from sysfs; `ESPCTL_DEVICE_ROOT` points espctl at a tree the
//! test builds the way the kernel does for plugged-in adapters (`sys/class/tty/NAME/
//! device` linked into a USB device with `idVendor`, `idProduct`, strings; `dev/NAME`),
//! where `dev/NAME` may be a link to a virtual device's pty.

use crate::{ESPCTL, firmware};
use espctl_testkit::{Link, Stubs, WorkDir};
use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;

/// A USB adapter as sysfs shows it: IDs and strings.
struct Usb {
    vid: &'static str,
    pid: &'static str,
    serial: Option<&'static str>,
    manufacturer: &'static str,
    product: &'static str,
}

/// Adds tty `name` under `root`: a USB port (`usb`), an on-board UART of `subsystem`
/// (`pnp`, `platform`), with `dev/name` a link to `device` or an empty file.
fn add_tty(root: &Path, name: &str, usb: Option<Usb>, subsystem: &str, device: Option<&str>) {
    let class = root.join("sys/class/tty").join(name);
    fs::create_dir_all(&class).unwrap();
    let bus = root.join("sys/bus").join(subsystem);
    fs::create_dir_all(&bus).unwrap();
    let dev_dir = match usb {
        Some(usb) => {
            let usb_dir = root.join("sys/devices/usb1").join(name);
            fs::create_dir_all(&usb_dir).unwrap();
            for (file, value) in [
                ("idVendor", Some(usb.vid)),
                ("idProduct", Some(usb.pid)),
                ("serial", usb.serial),
                ("manufacturer", Some(usb.manufacturer)),
                ("product", Some(usb.product)),
            ] {
                if let Some(value) = value {
                    fs::write(usb_dir.join(file), format!("{value}\n")).unwrap();
                }
            }
            // The interface under the device, as cdc-acm and usb-serial have it.
            usb_dir.join("1-1:1.0")
        }
        None => root.join("sys/devices").join(subsystem).join(name),
    };
    fs::create_dir_all(&dev_dir).unwrap();
    symlink(&bus, dev_dir.join("subsystem")).unwrap();
    symlink(&dev_dir, class.join("device")).unwrap();
    fs::create_dir_all(root.join("dev")).unwrap();
    match device {
        Some(target) => symlink(target, root.join("dev").join(name)).unwrap(),
        None => fs::write(root.join("dev").join(name), b"").unwrap(),
    }
}

const CP2102N: fn() -> Usb = || Usb {
    vid: "10c4",
    pid: "ea60",
    serial: Some("0123abcd"),
    manufacturer: "Silicon Labs",
    product: "CP2102N USB to UART Bridge Controller",
};

/// A machine with an on-board UART, a CH340, a CP2102N, a board's own USB-Serial-JTAG
/// and a UART the kernel lists without hardware.
fn machine(root: &Path) {
    add_tty(root, "ttyS0", None, "pnp", None);
    add_tty(root, "ttyS4", None, "platform", None);
    let ch340 = Usb {
        vid: "1a86",
        pid: "7523",
        serial: None,
        manufacturer: "QinHeng Electronics",
        product: "USB Serial",
    };
    add_tty(root, "ttyUSB1", Some(ch340), "usb-serial", None);
    add_tty(root, "ttyUSB0", Some(CP2102N()), "usb-serial", None);
    let jtag = Usb {
        vid: "303a",
        pid: "1001",
        serial: Some("F4:12:FA:00:11:22"),
        manufacturer: "Espressif",
        product: "USB JTAG/serial debug unit",
    };
    add_tty(root, "ttyACM0", Some(jtag), "usb", None);
}

fn env_with_root(stubs: Stubs) -> (WorkDir, std::path::PathBuf) {
    let env = ESPCTL.workdir(stubs);
    let root = env.path("root");
    let env = env.with_var("ESPCTL_DEVICE_ROOT", root.to_str().unwrap());
    (env, root)
}

#[test]
fn list_ports_puts_espressif_and_bridges_first() {
    let (env, root) = env_with_root(Stubs::None);
    machine(&root);
    let out = env.espctl(&["list-ports"]).ok();
    let dev = |name: &str| root.join("dev").join(name).display().to_string();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert_eq!(
        lines[0],
        format!(
            "{}  303A:1001  serial: F4:12:FA:00:11:22  manufacturer: Espressif  product: USB JTAG/serial debug unit  USB-Serial-JTAG",
            dev("ttyACM0")
        )
    );
    assert_eq!(
        lines[1],
        format!(
            "{}  10C4:EA60  serial: 0123abcd  manufacturer: Silicon Labs  product: CP2102N USB to UART Bridge Controller  CP2102N (up to 3000000 baud)",
            dev("ttyUSB0")
        )
    );
    assert!(lines[2].starts_with(&format!("{}  1A86:7523", dev("ttyUSB1"))));
    assert!(lines[2].ends_with("CH340 (up to 2000000 baud)"), "{out}");
    assert_eq!(lines[3], dev("ttyS0"));

    // Filters: kinds combine, values of one kind are alternatives.
    let out = env
        .espctl(&["list-ports", "--port-filter", "vid=0x1a86", "vid=0x10c4"])
        .ok();
    assert_eq!(out.stdout.lines().count(), 2, "{out}");
    let out = env
        .espctl(&["--port-filter", "serial=0123AB", "list-ports"])
        .ok();
    assert_eq!(out.stdout.lines().collect::<Vec<_>>(), [lines[1]]);
    let out = env
        .espctl(&["list-ports", "--port-filter", "name=ttyS", "pid=0x1001"])
        .ok();
    out.has("No serial ports found.");
    let bad = env
        .espctl(&["list-ports", "--port-filter", "colour=red"])
        .fatal();
    assert!(bad.contains("key not recognized: 'colour'"), "{bad}");
}

#[test]
fn list_ports_as_json() {
    let (env, root) = env_with_root(Stubs::None);
    machine(&root);
    let out = env
        .espctl(&["list-ports", "--json", "--port-filter", "name=ttyUSB0"])
        .ok();
    let doc: serde_json::Value = serde_json::from_str(out.stdout.trim()).unwrap();
    assert_eq!(doc["format"], 1);
    assert_eq!(doc["command"], "list-ports");
    let port = &doc["ports"][0];
    assert_eq!(
        port["device"],
        root.join("dev/ttyUSB0").display().to_string()
    );
    assert_eq!(
        (port["vid"].as_u64(), port["pid"].as_u64()),
        (Some(0x10C4), Some(0xEA60))
    );
    assert_eq!(port["serial_number"], "0123abcd");
    assert_eq!(port["manufacturer"], "Silicon Labs");
    assert_eq!(port["adapter"], "CP2102N");
    assert_eq!(port["max_baud"], 3_000_000);
    assert_eq!(doc["ports"].as_array().unwrap().len(), 1);
}

#[test]
fn the_scan_tries_the_bridge_before_the_onboard_uart_and_uses_its_rate() {
    let (env, root) = env_with_root(Stubs::Installed);
    // Two chips on ptys: an ESP8266 behind the on-board UART (listed first by name), an
    // ESP32 behind a CP2102N.
    let esp8266 = ESPCTL.device("esp8266", Link::Pty, "4MB");
    let esp32 = ESPCTL.device("esp32", Link::Pty, "4MB");
    add_tty(&root, "ttyS0", None, "pnp", Some(&esp8266.port));
    add_tty(
        &root,
        "ttyUSB0",
        Some(CP2102N()),
        "usb-serial",
        Some(&esp32.port),
    );
    let out = env.espctl(&["chip-id"]).ok();
    out.says("ESP32");
    let first = root.join("dev/ttyUSB0").display().to_string();
    out.has(&format!("Serial port {first}:"));
    out.has("Found 2 serial ports...");
    assert!(
        !out.stdout.contains("ttyS0"),
        "the bridge answered first: {out}"
    );

    // Named directly (its pty's own name), the port is still known as the CP2102N.
    let fw = firmware();
    env.write("fw.bin", &fw);
    let out = env
        .espctl(&["--port", &esp32.port, "write-flash", "0x10000", "fw.bin"])
        .ok();
    out.has("Serial adapter: CP2102N (up to 3000000 baud).");
    let change = out.line_index("Changing baud rate to 3000000...");
    assert_eq!(out.line_index("Changed."), change + 1, "{out}");
    out.has("Hash of data verified.");
    assert!(esp32.flash()[0x10000..0x10000 + fw.len()] == fw[..]);
}

#[test]
fn an_esp8266_left_running_comes_back_to_115200_from_3_mbaud() {
    // A pty has no reset lines: the stub stays running and is put back to 115200. It
    // scales the divider it finds, so espctl works the value back from that divider;
    // sent as is, 115200 from 3 Mbaud would land 2% off and the chip would be lost.
    let (env, root) = env_with_root(Stubs::Installed);
    let esp8266 = ESPCTL.device("esp8266", Link::Pty, "4MB");
    add_tty(
        &root,
        "ttyUSB0",
        Some(CP2102N()),
        "usb-serial",
        Some(&esp8266.port),
    );
    env.write("fw.bin", &firmware());
    let port = root.join("dev/ttyUSB0").display().to_string();
    let out = env
        .espctl(&["--port", &port, "write-flash", "0x0", "fw.bin"])
        .ok();
    let rates: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("Changing baud rate to"))
        .collect();
    assert_eq!(
        rates,
        [
            "Changing baud rate to 3000000...",
            "Changing baud rate to 115200..."
        ],
        "{out}"
    );
    // The next command finds the stub at 115200.
    let out = env.espctl(&["--port", &port, "--no-stub", "read-mac"]).ok();
    out.says("MAC:");
}

#[test]
fn a_port_another_program_holds_says_so() {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    let env = ESPCTL.workdir(Stubs::None);
    let dev = ESPCTL.device("esp32", Link::Pty, "4MB");
    // Another program's exclusive lock, as espctl, esptool (pyserial) and serial
    // monitors take it.
    let held = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOCTTY)
        .open(&dev.port)
        .unwrap();
    // SAFETY: flock on a descriptor this test owns.
    assert_eq!(
        unsafe { libc::flock(held.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) },
        0
    );
    let line = env.espctl(&["--port", &dev.port, "chip-id"]).fatal();
    assert!(
        line.contains(&format!("Could not open {}", dev.port))
            && line.contains("Hint: Another program has the port open"),
        "{line}"
    );
    drop(held);
    // Released, the port opens again. (A child another test thread forks in the
    // meantime shares the locked descriptor until it execs: a few tries.)
    let opened = (0..20).any(|_| {
        let run = env.espctl(&["--port", &dev.port, "chip-id"]);
        run.code == 0 || {
            std::thread::sleep(std::time::Duration::from_millis(100));
            false
        }
    });
    assert!(opened, "the port stayed busy after the lock was released");
}

#[test]
fn a_port_the_user_may_not_open_names_the_dialout_group() {
    use std::os::unix::process::CommandExt;
    let env = ESPCTL.workdir(Stubs::None);
    // SAFETY: getuid has no preconditions.
    let root = unsafe { libc::getuid() } == 0;
    // As root (nothing is denied to it) espctl runs as `nobody` against a pty only root
    // may open; otherwise against a device file of mode 000.
    let dev;
    let (port, uid) = if root {
        dev = ESPCTL.device("esp32", Link::Pty, "4MB");
        fs::set_permissions(
            &dev.port,
            std::os::unix::fs::PermissionsExt::from_mode(0o600),
        )
        .unwrap();
        (dev.port.clone(), Some(65534))
    } else {
        let file = env.write("ttyLOCKED", b"");
        fs::set_permissions(&file, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
        (file.display().to_string(), None)
    };
    let mut cmd = std::process::Command::new(ESPCTL.path());
    cmd.args(["--port", &port, "chip-id"]).current_dir("/");
    if let Some(uid) = uid {
        cmd.uid(uid).gid(uid);
    }
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("ERROR:")).collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(
        errors[0].contains("Permission denied")
            && errors[0].contains("sudo usermod -aG dialout $USER")
            && errors[0].contains("log out and back in"),
        "{stderr}"
    );
}
