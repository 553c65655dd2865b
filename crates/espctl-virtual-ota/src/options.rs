//! What a virtual OTA device is: [`OtaDeviceOptions`].

use crate::firmware::builtin_firmware;
use espctl_ota::wire::AuthScheme;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// An ESP8266 running the Arduino core with ArduinoOTA (and ESPurna's services).
#[derive(Debug, Clone)]
pub struct OtaDeviceOptions {
    /// The ArduinoOTA UDP port (`127.0.0.1:0`: any free port).
    pub listen: SocketAddr,
    /// `ArduinoOTA.setPassword`; `None`: no authentication.
    pub password: Option<String>,
    /// The challenge the device speaks: MD5 (ESP8266 core) or SHA-256 (arduino-esp32
    /// 3.3.1 on).
    pub auth_scheme: AuthScheme,
    /// The chip's flash size in bytes.
    pub flash_size: u32,
    /// The file system's size in bytes (0: none), as the Arduino IDE's menu sets it.
    pub fs_size: u32,
    /// The running image, programmed at 0x0 (eboot's sector included).
    pub firmware: Vec<u8>,
    /// A file mirroring the flash: an existing one of the flash's size is its content
    /// (the firmware is programmed over it), a missing or empty one is created.
    pub flash_file: Option<PathBuf>,
    /// Whether the core takes gzip images (core 2.7 on).
    pub accepts_gzip: bool,
    /// The network's round-trip time (zero: none); see `latency`.
    pub rtt: Duration,
    /// How long `ESP.restart()` keeps the device away.
    pub reboot_time: Duration,
    /// The OTA host name (`esp8266-<chip id>`).
    pub hostname: String,
    /// The board identifier (`ARDUINO_BOARD_ID`).
    pub board: String,
    /// ESPurna's web upgrade (`POST /upgrade`) on this TCP address; `None`: off.
    pub http: Option<SocketAddr>,
    /// The login the web upgrade asks for (with a password).
    pub http_auth: crate::http_upgrade::HttpAuth,
    /// ESPurna's telnet terminal (`ota <url>`) on this TCP address; `None`: off.
    pub terminal: Option<SocketAddr>,
    /// Announce `_arduino._tcp` by mDNS (on the interface of `listen`).
    pub mdns: bool,
}

impl Default for OtaDeviceOptions {
    /// A D1 mini: 1MB of flash, no file system, the built-in firmware, no password, any
    /// free port of 127.0.0.1, no added latency, a reboot of one second.
    fn default() -> Self {
        const FLASH: u32 = 1 << 20;
        OtaDeviceOptions {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            password: None,
            auth_scheme: AuthScheme::Md5,
            flash_size: FLASH,
            fs_size: 0,
            firmware: builtin_firmware(FLASH),
            flash_file: None,
            accepts_gzip: true,
            rtt: Duration::ZERO,
            reboot_time: Duration::from_secs(1),
            hostname: "esp8266-a1b2c3".into(),
            board: "d1_mini".into(),
            http: None,
            http_auth: crate::http_upgrade::HttpAuth::Digest,
            terminal: None,
            mdns: false,
        }
    }
}
