//! The device's mDNS announcement, as ArduinoOTA's `MDNS.enableArduino(port, auth)`
//! makes it: service `_arduino._tcp`, instance = the OTA host name, host
//! `NAME.local`, port = the OTA UDP port, TXT `board`, `auth_upload` (`yes` with a
//! password), `tcp_check=no`, `ssh_upload=no`; plus ESPurna's own TXT entries
//! (`mdns.cpp`: `app_name`, `app_version`, `build_date`, `mac`, `target_board`,
//! `mem_size` and `sdk_size` in KB, `free_space` in bytes).
//!
//! It is sent only on the interface of the device's address (127.0.0.1: the loopback),
//! so a device on the loopback is never announced to a real network.

use crate::state::DeviceState;
use espctl_ota::discover::ARDUINO_SERVICE;
use mdns_sd::{IfKind, ServiceDaemon, ServiceInfo};
use std::net::IpAddr;

/// ESPurna's `APP_NAME`.
const APP_NAME: &str = "ESPURNA";

/// The announcement; withdrawn when dropped.
pub(crate) struct Announcement {
    daemon: ServiceDaemon,
    fullname: String,
}

impl std::fmt::Debug for Announcement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Announcement({})", self.fullname)
    }
}

/// What is announced.
#[derive(Debug, Clone)]
pub(crate) struct Announced {
    /// The OTA host name.
    pub hostname: String,
    /// The device's address.
    pub ip: IpAddr,
    /// The OTA UDP port.
    pub port: u16,
    /// The board identifier.
    pub board: String,
    /// Whether uploads need a password.
    pub auth: bool,
}

impl Announcement {
    /// Starts announcing `what` for the device `dev`.
    pub(crate) fn start(what: &Announced, dev: &DeviceState) -> Result<Announcement, String> {
        let daemon = ServiceDaemon::new().map_err(|e| e.to_string())?;
        if !what.ip.is_unspecified() {
            daemon
                .disable_interface(IfKind::All)
                .map_err(|e| e.to_string())?;
            daemon
                .enable_interface(IfKind::Addr(what.ip))
                .map_err(|e| e.to_string())?;
        }
        let yes_no = |b: bool| if b { "yes" } else { "no" };
        let kb = |bytes: u32| (bytes / 1024).to_string();
        let mut txt = vec![
            ("board", what.board.clone()),
            ("auth_upload", yes_no(what.auth).to_string()),
            ("tcp_check", "no".to_string()),
            ("ssh_upload", "no".to_string()),
            ("app_name", APP_NAME.to_string()),
            ("app_version", env!("CARGO_PKG_VERSION").to_string()),
            ("build_date", "virtual".to_string()),
            ("target_board", what.board.to_ascii_uppercase()),
            ("mem_size", kb(dev.flash_size())),
            ("sdk_size", kb(dev.declared_flash_size())),
            ("free_space", dev.free_sketch_space().to_string()),
        ];
        if let Some(mac) = mac_of(&what.hostname) {
            txt.push(("mac", mac));
        }
        let host = format!("{}.local.", what.hostname);
        let ip = if what.ip.is_unspecified() {
            Vec::new()
        } else {
            vec![what.ip]
        };
        let mut info = ServiceInfo::new(
            ARDUINO_SERVICE,
            &what.hostname,
            &host,
            &ip[..],
            what.port,
            &txt[..],
        )
        .map_err(|e| e.to_string())?;
        if what.ip.is_unspecified() {
            info = info.enable_addr_auto();
        }
        let fullname = info.get_fullname().to_string();
        daemon.register(info).map_err(|e| e.to_string())?;
        Ok(Announcement { daemon, fullname })
    }

    /// The service's full name (`NAME._arduino._tcp.local.`).
    pub(crate) fn fullname(&self) -> &str {
        &self.fullname
    }
}

impl Drop for Announcement {
    fn drop(&mut self) {
        if let Ok(done) = self.daemon.unregister(&self.fullname) {
            let _ = done.recv_timeout(std::time::Duration::from_millis(500));
        }
        let _ = self.daemon.shutdown();
    }
}

/// The MAC an ESP8266 host name implies: `esp8266-XXXXXX` ends with the chip id, the
/// last three bytes of the station MAC (Espressif's `5C:CF:7F` prefix assumed).
fn mac_of(hostname: &str) -> Option<String> {
    let id = hostname.rsplit('-').next()?;
    if id.len() != 6 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let id = id.to_ascii_uppercase();
    Some(format!(
        "5C:CF:7F:{}:{}:{}",
        &id[0..2],
        &id[2..4],
        &id[4..6]
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_mac_follows_the_chip_id() {
        assert_eq!(
            super::mac_of("esp8266-a1b2c3").as_deref(),
            Some("5C:CF:7F:A1:B2:C3")
        );
        assert_eq!(super::mac_of("kitchen"), None);
    }
}
