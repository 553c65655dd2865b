//! `espctl virtual --ota`: a virtual ESP8266 running ArduinoOTA instead of a serial chip.
//! These options only make sense with `--ota`; `--flash-size` and `--flash-file` are
//! shared with the serial device. The OTA-only options conflict with `--listen` and
//! `--pty` (a `requires = "ota"` would not hold: clap waives it once another member of
//! the transport group is given).

/// The OTA device's options (flattened into `espctl virtual`).
#[derive(Debug, clap::Args)]
pub struct VirtualOtaArgs {
    /// Run an ESP8266 with the Arduino core's ArduinoOTA on this UDP address (port 0 picks
    /// a free one) instead of a serial chip; prints `ota ADDR` once it listens
    #[arg(long, value_name = "ADDR", conflicts_with_all = ["jedec_id", "keep_state", "timing", "stats_file", "efuse"])]
    pub ota: Option<String>,
    /// The OTA password (ArduinoOTA.setPassword); without it, no authentication
    #[arg(long, value_name = "PASSWORD", conflicts_with_all = ["listen", "pty"])]
    pub ota_password: Option<String>,
    /// The password challenge: md5 (ESP8266 core) or sha256 (arduino-esp32 3.3.1 on)
    #[arg(long, value_name = "SCHEME", default_value = "md5", conflicts_with_all = ["listen", "pty"])]
    pub ota_auth: String,
    /// The file system size of the Arduino layout (0, 64KB, 1MB, ...)
    #[arg(long, value_name = "SIZE", default_value = "0", conflicts_with_all = ["listen", "pty"])]
    pub fs_size: String,
    /// The image the device runs, written at 0x0 (default: a built-in 300 KB image)
    #[arg(long, value_name = "FILE", conflicts_with_all = ["listen", "pty"])]
    pub firmware: Option<std::path::PathBuf>,
    /// A core older than 2.7: gzip-compressed images are refused
    #[arg(long, conflicts_with_all = ["listen", "pty"])]
    pub no_gzip: bool,
    /// Round-trip time of the network in milliseconds (0: none), with the ESP8266's
    /// 5840-byte TCP receive window
    #[arg(long, value_name = "MS", default_value_t = 0, conflicts_with_all = ["listen", "pty"])]
    pub rtt: u64,
    /// How long a restart keeps the device away, in milliseconds
    #[arg(long, value_name = "MS", default_value_t = 1000, conflicts_with_all = ["listen", "pty"])]
    pub reboot_time: u64,
    /// The OTA host name (default: esp8266- and the last three bytes of the MAC)
    #[arg(long, conflicts_with_all = ["listen", "pty"])]
    pub hostname: Option<String>,
    /// Also serve ESPurna's web upgrade (POST /upgrade) on this TCP address; prints
    /// `http http://ADDR/upgrade`. The login is user admin with the --ota-password
    #[arg(long, value_name = "ADDR", conflicts_with_all = ["listen", "pty"])]
    pub http: Option<String>,
    /// The web login asked for: digest (ESPurna's) or basic
    #[arg(
        long,
        value_name = "SCHEME",
        default_value = "digest",
        requires = "http"
    )]
    pub http_auth: String,
    /// Also serve ESPurna's telnet terminal (with `ota <url>`) on this TCP address;
    /// prints `telnet telnet://ADDR`. Its password is the --ota-password
    #[arg(long, value_name = "ADDR", conflicts_with_all = ["listen", "pty"])]
    pub telnet: Option<String>,
    /// Announce the device by mDNS (_arduino._tcp, as ArduinoOTA does) on the interface
    /// of the --ota address
    #[arg(long, conflicts_with_all = ["listen", "pty"])]
    pub mdns: bool,
}
