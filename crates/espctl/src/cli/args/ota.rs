//! `espctl ota`: an ArduinoOTA upload. espota.py's own options are accepted as they are
//! (`-i -p -a -f -s -r -d -t -I -P`, `--auth=PW`, `--host_ip`), so the Arduino IDE's and
//! PlatformIO's upload recipes can call espctl in its place.

use std::path::PathBuf;

/// `espctl ota`.
#[derive(Debug, clap::Args)]
pub struct OtaArgs {
    /// The device: an IP address or a host name (espota.py's -i/--ip)
    #[arg(long, short = 'i', visible_alias = "ip", value_name = "HOST")]
    pub host: Option<String>,
    /// The device's ArduinoOTA UDP port (8266 on the ESP8266, 3232 on the ESP32)
    #[arg(long, short = 'p', default_value_t = 8266)]
    pub port: u16,
    /// The device's OTA password
    #[arg(long, short = 'a', value_name = "PASSWORD")]
    pub auth: Option<String>,
    /// Upload a file system image instead of the application (espota.py's -s/--spiffs)
    #[arg(long = "fs", short = 's', visible_alias = "spiffs")]
    pub fs: bool,
    /// The local address the device connects back to (default: all of them); with
    /// --url-via-terminal, the address the device is told to download from (default:
    /// this computer's address on the terminal connection)
    #[arg(long, short = 'I', value_name = "IP")]
    pub host_ip: Option<String>,
    /// The local TCP port the device connects back to, or with --url-via-terminal the
    /// port the image is served on (default 0: any free port)
    #[arg(long, short = 'P', default_value_t = 0, value_name = "PORT")]
    pub host_port: u16,
    /// Seconds to keep inviting the device (an invitation a second) and to wait for its
    /// answer to the password
    #[arg(long, short = 't', default_value_t = 10.0, value_name = "SECONDS")]
    pub timeout: f64,
    /// Send the image as it is (by default an ESP8266 application goes out gzip-compressed,
    /// and raw if the device refuses gzip)
    #[arg(long)]
    pub no_compress: bool,
    /// Two-step update: upload this small image first, wait for the device to restart
    /// into it, then upload FILE (for images that do not fit beside the running one)
    #[arg(long, value_name = "CORE.bin")]
    pub via: Option<PathBuf>,
    /// Preflight: the device's flash size (512KB, 1MB, 4MB, ...); images that cannot fit
    /// its ESP8266 Arduino layout are refused before anything is sent
    #[arg(long)]
    pub flash_size: Option<String>,
    /// Preflight: the device's file system size (default: none)
    #[arg(long, requires = "flash_size")]
    pub fs_size: Option<String>,
    /// Show a progress bar (espota.py's -r; espctl always shows progress)
    #[arg(long, short = 'r')]
    pub progress: bool,
    /// Say more about each step (espota.py's -d)
    #[arg(long, short = 'd')]
    pub debug: bool,
    /// The image (espota.py's -f/--file)
    #[arg(
        long = "file",
        short = 'f',
        value_name = "FILE",
        conflicts_with = "file"
    )]
    pub file_option: Option<PathBuf>,
    /// The image to upload (FILE.signed beside it is uploaded instead when it exists)
    pub file: Option<PathBuf>,
    /// ESPurna's web upgrade instead of ArduinoOTA: post FILE to this upload form
    /// (http://HOST/upgrade), logging in with --user and --auth
    #[arg(long, value_name = "URL", conflicts_with = "url_via_terminal")]
    pub http: Option<String>,
    /// The web login's user name (ESPurna: admin)
    #[arg(long, default_value = "admin", requires = "http")]
    pub user: String,
    /// ESPurna's terminal upgrade instead of ArduinoOTA: serve FILE over HTTP and tell the
    /// device's terminal (telnet://HOST[:PORT], password --auth) to `ota` it
    #[arg(long, value_name = "URL")]
    pub url_via_terminal: Option<String>,
}
