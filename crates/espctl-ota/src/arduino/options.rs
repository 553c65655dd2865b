//! How an upload is done: the device, the password, the host's side of the connection,
//! the timeouts, compression, the preflight check and the two-step update.

use super::image::Image;
use super::preflight::Preflight;
use crate::wire::UpdateTarget;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

/// Whether the image goes out gzip-compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compress {
    /// Compress an ESP8266 application image (the core's Updater takes gzip since 2.7)
    /// and send it raw when the device refuses the gzip magic.
    #[default]
    Auto,
    /// Send the file as it is.
    Never,
}

/// Everything an upload needs besides the image.
#[derive(Debug, Clone)]
pub struct UploadOptions {
    /// The device's address and ArduinoOTA UDP port.
    pub device: SocketAddr,
    /// The device's password, if it has one.
    pub password: Option<String>,
    /// The application or the file system.
    pub target: UpdateTarget,
    /// The local address the device connects back to (`None`: all addresses; the
    /// device connects to the address the invitation came from).
    pub host_ip: Option<IpAddr>,
    /// The local TCP port (0: any free port).
    pub host_port: u16,
    /// How long invitations are sent (one a second) before giving up; also how long the
    /// answer to the password is waited for.
    pub invite_timeout: Duration,
    /// How long the device's connection is waited for after it accepted.
    pub connect_timeout: Duration,
    /// How long a write may block, and how long the verdict is waited for once all
    /// bytes are out.
    pub result_timeout: Duration,
    /// Gzip or not.
    pub compress: Compress,
    /// Refuse images that cannot fit before sending anything.
    pub preflight: Option<Preflight>,
    /// A two-step update: this small image first, then the image.
    pub via: Option<Image>,
    /// How long the device is waited for after the first step (invitations go out
    /// every second until it answers).
    pub return_timeout: Duration,
}

impl UploadOptions {
    /// espota.py's defaults for a device: no password, the application, any local port,
    /// 10 s for the invitation and the connection, 60 s for the result.
    pub fn new(device: SocketAddr) -> Self {
        UploadOptions {
            device,
            password: None,
            target: UpdateTarget::Firmware,
            host_ip: None,
            host_port: 0,
            invite_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(10),
            result_timeout: Duration::from_secs(60),
            compress: Compress::Auto,
            preflight: None,
            via: None,
            return_timeout: Duration::from_secs(60),
        }
    }
}
