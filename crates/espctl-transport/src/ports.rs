//! Finding serial ports when none is named: enumerate, filter (`--port-filter`), and
//! order them the way esptool tries them (Espressif's own USB first, then the known
//! USB-serial bridges, other adapters, the rest).

use crate::adapters::{BRIDGE_VIDS, ESPRESSIF_VID, UsbId};

/// Name patterns of USB serial adapters, tried before other ports.
#[cfg(target_os = "macos")]
const ADAPTER_PATTERNS: &[&str] = &["usbserial", "usbmodem"];
#[cfg(not(target_os = "macos"))]
const ADAPTER_PATTERNS: &[&str] = &["ttyUSB", "ttyACM"];

/// One candidate port.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PortInfo {
    /// Device path (`/dev/ttyUSB0`).
    pub path: String,
    /// USB vendor ID, for a USB adapter.
    pub vid: Option<u16>,
    /// USB product ID, for a USB adapter.
    pub pid: Option<u16>,
    /// USB serial number, when the adapter reports one.
    pub serial: Option<String>,
    /// USB manufacturer string.
    pub manufacturer: Option<String>,
    /// USB product string.
    pub product: Option<String>,
}

impl PortInfo {
    /// The USB IDs, for a USB port.
    pub fn usb_id(&self) -> Option<UsbId> {
        Some(UsbId {
            vid: self.vid?,
            pid: self.pid?,
        })
    }
}

/// `--port-filter` terms: values of one kind are alternatives, different kinds must all
/// match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortFilter {
    /// `vid=`: accepted USB vendor IDs.
    pub vids: Vec<u16>,
    /// `pid=`: accepted USB product IDs.
    pub pids: Vec<u16>,
    /// `name=`: texts one of which the path must contain (any case).
    pub names: Vec<String>,
    /// `serial=`: texts one of which the serial number must contain (any case).
    pub serials: Vec<String>,
}

/// Why a filter term could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PortFilterError {
    /// A term without `=`.
    #[error("port filter term '{0}' is not key=value")]
    NotKeyValue(String),
    /// `vid=` or `pid=` with something other than a 16-bit number.
    #[error("port filter term '{term}': '{value}' is not a 16-bit number")]
    BadNumber {
        /// The whole term.
        term: String,
        /// The value.
        value: String,
    },
    /// A key other than vid, pid, name and serial.
    #[error("port filter key '{0}' is unknown (use vid, pid, name or serial)")]
    UnknownKey(String),
}

impl PortFilter {
    /// Parses terms like `vid=0x303a`, `pid=4097`, `name=ttyUSB`, `serial=ABC`.
    pub fn parse<S: AsRef<str>>(terms: &[S]) -> Result<PortFilter, PortFilterError> {
        let mut f = PortFilter::default();
        for term in terms {
            let term = term.as_ref();
            let (key, value) = term
                .split_once('=')
                .ok_or_else(|| PortFilterError::NotKeyValue(term.to_string()))?;
            let number = || {
                parse_u16(value).ok_or_else(|| PortFilterError::BadNumber {
                    term: term.to_string(),
                    value: value.to_string(),
                })
            };
            match key {
                "vid" => f.vids.push(number()?),
                "pid" => f.pids.push(number()?),
                "name" => f.names.push(value.to_string()),
                "serial" => f.serials.push(value.to_string()),
                _ => return Err(PortFilterError::UnknownKey(key.to_string())),
            }
        }
        Ok(f)
    }

    /// Whether `p` passes every kind of term given.
    pub fn matches(&self, p: &PortInfo) -> bool {
        let any = |list: &[String], value: &str| {
            list.is_empty()
                || list
                    .iter()
                    .any(|n| value.to_lowercase().contains(&n.to_lowercase()))
        };
        (self.vids.is_empty() || p.vid.is_some_and(|v| self.vids.contains(&v)))
            && (self.pids.is_empty() || p.pid.is_some_and(|v| self.pids.contains(&v)))
            && any(&self.names, &p.path)
            && any(&self.serials, p.serial.as_deref().unwrap_or(""))
    }
}

fn parse_u16(s: &str) -> Option<u16> {
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(hex) => u16::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

/// The ports the system lists (USB details where it knows them). On Linux they come
/// from sysfs ([`crate::sysfs`], whose root a test may move).
#[cfg(target_os = "linux")]
pub fn system_ports() -> Vec<PortInfo> {
    crate::sysfs::list(&crate::sysfs::device_root())
}

/// The ports the system lists (USB details where it knows them).
#[cfg(not(target_os = "linux"))]
pub fn system_ports() -> Vec<PortInfo> {
    serialport::available_ports()
        .unwrap_or_default()
        .into_iter()
        .map(|p| {
            let mut info = PortInfo {
                path: p.port_name,
                ..PortInfo::default()
            };
            if let serialport::SerialPortType::UsbPort(usb) = p.port_type {
                info.vid = Some(usb.vid);
                info.pid = Some(usb.pid);
                info.serial = usb.serial_number;
                info.manufacturer = usb.manufacturer;
                info.product = usb.product;
            }
            info
        })
        .collect()
}

/// What the system knows of the port at `path` (the same device under another name
/// counts: a symlink such as `/dev/serial/by-id/...`).
pub fn describe(system: &[PortInfo], path: &str) -> Option<PortInfo> {
    let canonical = |p: &str| std::fs::canonicalize(p).ok();
    let wanted = canonical(path);
    system
        .iter()
        .find(|p| p.path == path || (wanted.is_some() && canonical(&p.path) == wanted))
        .cloned()
}

/// How early a port is tried: Espressif's USB, known bridges, other adapters, the rest.
fn rank(p: &PortInfo) -> u8 {
    if p.vid == Some(ESPRESSIF_VID) {
        0
    } else if p.vid.is_some_and(|v| BRIDGE_VIDS.contains(&v)) {
        1
    } else if p.vid.is_some() || ADAPTER_PATTERNS.iter().any(|pat| p.path.contains(pat)) {
        2
    } else {
        3
    }
}

/// The ports that pass `filter`, in the order they are tried (stable within a rank).
pub fn ordered(system: Vec<PortInfo>, filter: &PortFilter) -> Vec<PortInfo> {
    let mut listed: Vec<PortInfo> = system.into_iter().filter(|p| filter.matches(p)).collect();
    listed.sort_by_key(rank);
    listed
}

/// Orders and filters candidates. `extra` (ports the system does not list, such as a
/// pty) come first, in the order given; then Espressif devices, USB adapters, the rest.
pub fn candidates(system: Vec<PortInfo>, extra: &[String], filter: &PortFilter) -> Vec<String> {
    let listed = ordered(system, filter);
    let mut out: Vec<String> = extra
        .iter()
        .filter(|path| {
            filter.matches(&PortInfo {
                path: (*path).clone(),
                ..PortInfo::default()
            })
        })
        .cloned()
        .collect();
    for p in listed {
        if !out.contains(&p.path) {
            out.push(p.path);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn port(path: &str, vid: Option<u16>) -> PortInfo {
        PortInfo {
            path: path.into(),
            vid,
            ..PortInfo::default()
        }
    }

    #[test]
    fn orders_like_esptool_with_extras_first() {
        let system = vec![
            port("/dev/ttyS0", None),
            port("/dev/ttyUSB0", Some(0x10C4)),
            port("/dev/ttyACM0", Some(0x303A)),
        ];
        let got = candidates(system, &["/dev/pts/7".to_string()], &PortFilter::default());
        assert_eq!(
            got,
            ["/dev/pts/7", "/dev/ttyACM0", "/dev/ttyUSB0", "/dev/ttyS0"]
        );
    }

    #[test]
    fn bridges_come_after_espressif_and_before_other_ports() {
        let system = vec![
            port("/dev/ttyS0", None),
            port("/dev/ttyUSB3", Some(0x067B)),
            port("/dev/ttyUSB2", Some(0x0403)),
            port("/dev/ttyUSB1", Some(0x1A86)),
            port("/dev/ttyACM0", Some(0x303A)),
        ];
        let got: Vec<String> = ordered(system, &PortFilter::default())
            .into_iter()
            .map(|p| p.path)
            .collect();
        assert_eq!(
            got,
            [
                "/dev/ttyACM0",
                "/dev/ttyUSB2",
                "/dev/ttyUSB1",
                "/dev/ttyUSB3",
                "/dev/ttyS0"
            ]
        );
        let serial = PortFilter::parse(&["serial=ab", "pid=0x7523"]).unwrap();
        let mut ch340 = port("/dev/ttyUSB1", Some(0x1A86));
        ch340.pid = Some(0x7523);
        ch340.serial = Some("xAB1".into());
        assert!(serial.matches(&ch340));
        ch340.serial = None;
        assert!(!serial.matches(&ch340));
    }

    #[test]
    fn filters_combine_kinds_and_alternate_values() {
        let f = PortFilter::parse(&["name=ttyUSB", "name=pts", "vid=0x10c4"]).unwrap();
        assert!(f.matches(&port("/dev/ttyUSB0", Some(0x10C4))));
        assert!(!f.matches(&port("/dev/ttyUSB0", Some(0x0403))));
        assert!(!f.matches(&port("/dev/ttyS0", Some(0x10C4))));
        assert!(PortFilter::parse(&["colour=red"]).is_err());
        assert!(PortFilter::parse(&["vid"]).is_err());
        let by_name = PortFilter::parse(&["name=pts"]).unwrap();
        let got = candidates(
            vec![port("/dev/ttyS0", None)],
            &["/dev/pts/3".into()],
            &by_name,
        );
        assert_eq!(got, ["/dev/pts/3"]);
    }
}
