//! Finding devices as the Arduino IDE does: an mDNS browse for `_arduino._tcp` (RFC
//! 6762/6763). The ESP8266 and ESP32 cores' ArduinoOTA announce the OTA hostname as the
//! instance, the OTA UDP port as the port, and TXT `board`, `auth_upload` (`yes` when a
//! password is set), `tcp_check`, `ssh_upload`; ESPurna adds `app_name`, `app_version`,
//! `build_date`, `mac`, `target_board`, `mem_size` and `sdk_size` (KB: the chip's and
//! the image header's flash sizes) and `free_space`. [`resolve_local`] finds the address
//! of a `NAME.local` host the same way.

use mdns_sd::{HostnameResolutionEvent, ServiceDaemon, ServiceEvent};
use std::collections::BTreeMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// The service type ArduinoOTA announces.
pub const ARDUINO_SERVICE: &str = "_arduino._tcp.local.";
/// The TXT keys ESPurna adds (in its order).
pub const ESPURNA_KEYS: [&str; 8] = [
    "app_name",
    "app_version",
    "build_date",
    "mac",
    "target_board",
    "mem_size",
    "sdk_size",
    "free_space",
];

/// A device that answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundDevice {
    /// The instance name: the device's OTA hostname, like `esp8266-0a1b2c`.
    pub name: String,
    /// Its mDNS host, like `esp8266-0a1b2c.local.`.
    pub host: String,
    /// Its addresses, IPv4 first.
    pub addresses: Vec<IpAddr>,
    /// The ArduinoOTA UDP port.
    pub port: u16,
    /// Every TXT entry.
    pub txt: BTreeMap<String, String>,
}

impl FoundDevice {
    /// The board (TXT `board`).
    pub fn board(&self) -> Option<&str> {
        self.txt.get("board").map(String::as_str)
    }

    /// Whether an upload needs a password (TXT `auth_upload`); `None` when not said.
    pub fn needs_password(&self) -> Option<bool> {
        match self.txt.get("auth_upload")?.to_ascii_lowercase().as_str() {
            "yes" => Some(true),
            "no" => Some(false),
            _ => None,
        }
    }

    /// ESPurna's TXT entries, in ESPurna's order (empty for other firmware).
    pub fn espurna(&self) -> Vec<(&'static str, &str)> {
        ESPURNA_KEYS
            .iter()
            .filter_map(|k| Some((*k, self.txt.get(*k)?.as_str())))
            .collect()
    }

    /// ESPurna's warning sign: the image declares another flash size than the chip has
    /// (`mem_size` vs `sdk_size`), which breaks OTA updates.
    pub fn flash_size_mismatch(&self) -> bool {
        matches!((self.txt.get("mem_size"), self.txt.get("sdk_size")), (Some(a), Some(b)) if a != b)
    }
}

/// What the browse reports as it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiscoverEvent {
    /// Browsing started; it lasts this long.
    Browsing {
        /// The browse time.
        timeout: Duration,
    },
    /// A device answered (or answered again with other data).
    Found(FoundDevice),
}

/// mDNS is not available here.
#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    /// The mDNS responder could not start (no multicast, port 5353 taken exclusively).
    #[error("cannot start mDNS: {0}")]
    Start(String),
    /// No device of that name answered.
    #[error("no device answered for {name} within {seconds} s")]
    NotFound {
        /// The name asked for.
        name: String,
        /// How long it was asked.
        seconds: u64,
    },
}

/// Browses `_arduino._tcp` for `timeout`; returns the devices found, by name.
pub fn discover(
    timeout: Duration,
    on_event: &mut dyn FnMut(DiscoverEvent),
) -> Result<Vec<FoundDevice>, DiscoverError> {
    let daemon = ServiceDaemon::new().map_err(|e| DiscoverError::Start(e.to_string()))?;
    let events = daemon
        .browse(ARDUINO_SERVICE)
        .map_err(|e| DiscoverError::Start(e.to_string()))?;
    on_event(DiscoverEvent::Browsing { timeout });
    let mut found: BTreeMap<String, FoundDevice> = BTreeMap::new();
    let deadline = Instant::now() + timeout;
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        let Ok(event) = events.recv_timeout(left) else {
            break;
        };
        if let ServiceEvent::ServiceResolved(service) = event {
            let device = FoundDevice {
                name: instance_name(&service.fullname),
                host: service.host.clone(),
                addresses: sorted_addresses(service.addresses.iter().map(|a| a.to_ip_addr())),
                port: service.port,
                txt: service
                    .txt_properties
                    .iter()
                    .map(|p| (p.key().to_string(), p.val_str().to_string()))
                    .collect(),
            };
            if found.get(&device.name) != Some(&device) {
                on_event(DiscoverEvent::Found(device.clone()));
                found.insert(device.name.clone(), device);
            }
        }
    }
    let _ = daemon.shutdown();
    Ok(found.into_values().collect())
}

/// The addresses of `name` (`host.local`, with or without the final dot) by mDNS.
pub fn resolve_local(name: &str, timeout: Duration) -> Result<Vec<IpAddr>, DiscoverError> {
    let host = if name.ends_with('.') {
        name.to_string()
    } else {
        format!("{name}.")
    };
    let daemon = ServiceDaemon::new().map_err(|e| DiscoverError::Start(e.to_string()))?;
    let events = daemon
        .resolve_hostname(&host, Some(timeout.as_millis() as u64))
        .map_err(|e| DiscoverError::Start(e.to_string()))?;
    let deadline = Instant::now() + timeout;
    let mut addresses = Vec::new();
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match events.recv_timeout(left) {
            Ok(HostnameResolutionEvent::AddressesFound(_, found)) => {
                addresses = sorted_addresses(found.iter().map(|a| a.to_ip_addr()));
                break;
            }
            Ok(HostnameResolutionEvent::SearchTimeout(_)) | Err(_) => break,
            Ok(_) => {}
        }
    }
    let _ = daemon.shutdown();
    if addresses.is_empty() {
        return Err(DiscoverError::NotFound {
            name: name.to_string(),
            seconds: timeout.as_secs(),
        });
    }
    Ok(addresses)
}

/// Whether `host` is an mDNS name (`something.local`, final dot optional).
pub fn is_local_name(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    host.len() > ".local".len()
        && host[host.len() - ".local".len()..].eq_ignore_ascii_case(".local")
        && host.parse::<IpAddr>().is_err()
}

/// `esp8266-0a1b2c._arduino._tcp.local.` → `esp8266-0a1b2c`.
fn instance_name(fullname: &str) -> String {
    let suffix = format!(".{ARDUINO_SERVICE}");
    fullname
        .strip_suffix(&suffix)
        .unwrap_or(fullname)
        .replace("\\.", ".")
}

fn sorted_addresses(addresses: impl Iterator<Item = IpAddr>) -> Vec<IpAddr> {
    let mut all: Vec<IpAddr> = addresses.collect();
    all.sort_by_key(|a| (a.is_ipv6(), *a));
    all.dedup();
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_txt_are_read() {
        assert_eq!(
            instance_name("esp8266-0a1b2c._arduino._tcp.local."),
            "esp8266-0a1b2c"
        );
        assert!(is_local_name("esp8266-0a1b2c.local"));
        assert!(is_local_name("Kitchen.LOCAL."));
        assert!(!is_local_name(".local"));
        assert!(!is_local_name("192.168.1.5"));
        assert!(!is_local_name("localhost"));
        let mut device = FoundDevice {
            name: "x".into(),
            host: "x.local.".into(),
            addresses: vec![],
            port: 8266,
            txt: [
                ("board", "d1_mini"),
                ("auth_upload", "yes"),
                ("mem_size", "1024"),
                ("sdk_size", "4096"),
                ("mac", "AA"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        };
        assert_eq!(
            (device.board(), device.needs_password()),
            (Some("d1_mini"), Some(true))
        );
        assert_eq!(
            device.espurna(),
            [("mac", "AA"), ("mem_size", "1024"), ("sdk_size", "4096")]
        );
        assert!(device.flash_size_mismatch());
        device.txt.insert("auth_upload".into(), "maybe".into());
        assert_eq!(device.needs_password(), None);
    }
}
