//! `espctl ota --host HOST FILE`: an ArduinoOTA upload (what espota.py does), optionally
//! in two steps (`--via CORE.bin`).

use crate::fatal::Fatal;
use crate::render::ota::OtaRenderer;
use espctl_image::esp8266_flash_map::ArduinoLayout;
use espctl_ota::arduino::{Compress, Image, Preflight, UploadOptions, upload};
use espctl_ota::resolve_host;
use espctl_ota::wire::UpdateTarget;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// `espctl ota`, understood.
#[derive(Debug, Clone)]
pub struct OtaCommand {
    /// The device's name or address, as given.
    pub host: String,
    /// Its ArduinoOTA UDP port.
    pub port: u16,
    /// Its password.
    pub password: Option<String>,
    /// Application or file system.
    pub target: UpdateTarget,
    /// The local address the device connects back to.
    pub host_ip: Option<IpAddr>,
    /// The local TCP port (0: any).
    pub host_port: u16,
    /// How long to invite the device.
    pub timeout: Duration,
    /// Gzip or not.
    pub compress: Compress,
    /// The first image of a two-step update.
    pub via: Option<PathBuf>,
    /// The device's layout, for the preflight check.
    pub layout: Option<ArduinoLayout>,
    /// The image.
    pub file: PathBuf,
    /// Say more.
    pub debug: bool,
}

/// `espctl ota`.
pub fn ota(cmd: OtaCommand) -> Result<(), Fatal> {
    let ip = resolve_host(&cmd.host).map_err(espctl_ota::arduino::OtaError::from)?;
    let image = Image::read(&cmd.file)?;
    let mut options = UploadOptions::new(SocketAddr::new(ip, cmd.port));
    options.password = cmd.password;
    options.target = cmd.target;
    options.host_ip = cmd.host_ip;
    options.host_port = cmd.host_port;
    options.invite_timeout = cmd.timeout;
    options.compress = cmd.compress;
    options.preflight = cmd.layout.map(|layout| Preflight {
        layout,
        running: None,
    });
    options.via = cmd.via.as_deref().map(Image::read).transpose()?;
    let label = if cmd.host.parse::<IpAddr>().is_ok() {
        None
    } else {
        Some(cmd.host.clone())
    };
    let mut renderer = OtaRenderer::new(label, cmd.debug);
    let result = upload(&options, &image, |event| renderer.event(event));
    renderer.end(result.is_ok());
    result?;
    Ok(())
}
