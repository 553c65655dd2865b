//! Linux port listing from sysfs: every `/sys/class/tty/NAME` with a `device` behind it
//! (a USB adapter, a USB modem, an on-board UART), `/dev/NAME` as its path, and for USB
//! ones the IDs and strings of the USB device above the tty.
//!
//! `ESPCTL_DEVICE_ROOT` names a directory that stands in for `/` (`ROOT/sys/class/tty`,
//! `ROOT/dev`): tests and the benchmark build a tree there that the kernel would build
//! for a plugged-in adapter.

use crate::ports::PortInfo;
use std::fs;
use std::path::{Path, PathBuf};

/// The environment variable naming the directory that stands in for `/`.
pub const DEVICE_ROOT_VAR: &str = "ESPCTL_DEVICE_ROOT";

/// The root the listing reads (`/` unless [`DEVICE_ROOT_VAR`] is set).
pub fn device_root() -> PathBuf {
    std::env::var_os(DEVICE_ROOT_VAR)
        .filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from("/"), PathBuf::from)
}

/// The serial ports under `root`, sorted by name.
pub fn list(root: &Path) -> Vec<PortInfo> {
    let Ok(entries) = fs::read_dir(root.join("sys/class/tty")) else {
        return Vec::new();
    };
    let mut ports: Vec<PortInfo> = entries
        .flatten()
        .filter_map(|entry| port(root, &entry.path()))
        .collect();
    ports.sort_by(|a, b| a.path.cmp(&b.path));
    ports
}

fn port(root: &Path, class_entry: &Path) -> Option<PortInfo> {
    let name = class_entry.file_name()?.to_str()?.to_string();
    let device = fs::canonicalize(class_entry.join("device")).ok()?;
    let subsystem = fs::canonicalize(device.join("subsystem")).ok()?;
    // Platform UARTs listed without hardware behind them; the others are real.
    if subsystem.file_name()? == "platform" {
        return None;
    }
    let dev = root.join("dev").join(&name);
    if !dev.exists() {
        return None;
    }
    let mut info = PortInfo {
        path: dev.to_string_lossy().into_owned(),
        ..PortInfo::default()
    };
    if let Some(usb) = usb_device_dir(&device) {
        let read = |file: &str| {
            fs::read_to_string(usb.join(file))
                .ok()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        let hex = |file: &str| read(file).and_then(|s| u16::from_str_radix(&s, 16).ok());
        info.vid = hex("idVendor");
        info.pid = hex("idProduct");
        info.serial = read("serial");
        info.manufacturer = read("manufacturer");
        info.product = read("product");
    }
    Some(info)
}

/// The USB device a tty belongs to: the nearest directory above its device (the USB
/// interface, or the usb-serial port under it) that has `idVendor`.
fn usb_device_dir(device: &Path) -> Option<PathBuf> {
    device
        .ancestors()
        .take(4)
        .find(|dir| dir.join("idVendor").is_file())
        .map(Path::to_path_buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    /// Builds what the kernel shows for one USB adapter driven by usb-serial (`ttyUSB`)
    /// or cdc-acm (`ttyACM`), and for one on-board UART.
    fn tree(root: &Path) {
        let write = |p: PathBuf, s: &str| {
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(p, s).unwrap();
        };
        let usb = root.join("sys/devices/pci0/usb1/1-1");
        write(usb.join("idVendor"), "10c4\n");
        write(usb.join("idProduct"), "ea60\n");
        write(usb.join("serial"), "0001\n");
        write(usb.join("manufacturer"), "Silicon Labs\n");
        write(
            usb.join("product"),
            "CP2102N USB to UART Bridge Controller\n",
        );
        let serial_port = usb.join("1-1:1.0/ttyUSB0");
        fs::create_dir_all(&serial_port).unwrap();
        fs::create_dir_all(root.join("sys/bus/usb-serial")).unwrap();
        symlink(
            root.join("sys/bus/usb-serial"),
            serial_port.join("subsystem"),
        )
        .unwrap();
        let platform = root.join("sys/devices/platform/serial8250");
        fs::create_dir_all(&platform).unwrap();
        fs::create_dir_all(root.join("sys/bus/platform")).unwrap();
        symlink(root.join("sys/bus/platform"), platform.join("subsystem")).unwrap();
        let class = root.join("sys/class/tty");
        for (name, device) in [("ttyUSB0", &serial_port), ("ttyS3", &platform)] {
            fs::create_dir_all(class.join(name)).unwrap();
            symlink(device, class.join(name).join("device")).unwrap();
            write(root.join("dev").join(name), "");
        }
        fs::create_dir_all(class.join("tty1")).unwrap();
        write(root.join("dev/tty1"), "");
    }

    #[test]
    fn lists_usb_adapters_with_their_strings_and_skips_the_rest() {
        let dir = std::env::temp_dir().join(format!("espctl-sysfs-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        tree(&dir);
        let ports = list(&dir);
        let _ = fs::remove_dir_all(&dir);
        assert_eq!(ports.len(), 1, "{ports:?}");
        let p = &ports[0];
        assert!(p.path.ends_with("/dev/ttyUSB0"), "{}", p.path);
        assert_eq!((p.vid, p.pid), (Some(0x10C4), Some(0xEA60)));
        assert_eq!(p.serial.as_deref(), Some("0001"));
        assert_eq!(p.manufacturer.as_deref(), Some("Silicon Labs"));
        assert_eq!(
            p.product.as_deref(),
            Some("CP2102N USB to UART Bridge Controller")
        );
    }
}
