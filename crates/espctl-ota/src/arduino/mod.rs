//! The ArduinoOTA upload, as espota.py does it and faster: the host listens on a TCP
//! port first, invites the device over UDP (again every second until it answers),
//! answers its password challenge (MD5, or SHA-256 of arduino-esp32 3.3), waits for the
//! device to connect back and streams the image (gzip-compressed when the device's
//! updater takes it) while reading its acknowledgements, until the device's `OK`.
//!
//! [`upload`] also does the two-step update ([`UploadOptions::via`]): a small image first,
//! then, once the device is back, the image that did not fit beside the old one.

mod error;
mod event;
mod image;
mod invite;
mod options;
mod preflight;
mod transfer;
mod two_step;

#[cfg(test)]
mod fake_device;
#[cfg(test)]
mod tests;

pub use error::{Hint, OtaError};
pub use event::Event;
pub use image::Image;
pub use options::{Compress, UploadOptions};
pub use preflight::{Preflight, PreflightError};

use crate::wire::{AuthScheme, Invitation, UpdaterError};
use image::Payload;
use invite::Invite;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, UdpSocket};
use std::time::{Duration, Instant};

/// What an upload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadReport {
    /// One step, or two for a two-step update.
    pub steps: Vec<StepReport>,
}

/// One image the device took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepReport {
    /// The image's file name.
    pub name: String,
    /// Its size.
    pub size: u64,
    /// Bytes sent (less when compressed).
    pub sent: u64,
    /// It went out gzip-compressed.
    pub compressed: bool,
    /// The password scheme, when the device asked for one.
    pub auth: Option<AuthScheme>,
    /// Where the device connected from.
    pub device: SocketAddr,
    /// From the first invitation to the device's `OK`.
    pub elapsed: Duration,
}

/// Uploads `image` (after `options.via` for a two-step update). The device's final `OK`
/// means it checked the image's MD5 and restarts into it.
pub fn upload(
    options: &UploadOptions,
    image: &Image,
    mut on_event: impl FnMut(Event),
) -> Result<UploadReport, OtaError> {
    let on_event: &mut dyn FnMut(Event) = &mut on_event;
    match &options.via {
        Some(via) => two_step::upload(options, via, image, on_event),
        None => {
            let payload = payload(options, image)?;
            let step = upload_one(
                options,
                image,
                payload,
                options.invite_timeout,
                options.preflight.as_ref(),
                on_event,
            )?;
            Ok(UploadReport { steps: vec![step] })
        }
    }
}

/// What goes on the wire for `image`: gzip when asked for and smaller.
fn payload(options: &UploadOptions, image: &Image) -> Result<Payload, OtaError> {
    let size = image.size()?;
    if image.should_compress(options.compress, options.target) {
        let gzip = Payload::gzip(image);
        if gzip.len() < size {
            return Ok(gzip);
        }
    }
    Ok(Payload::raw(image))
}

/// One image, sent uncompressed again when the device refuses the gzip magic.
fn upload_one(
    options: &UploadOptions,
    image: &Image,
    payload: Payload,
    invite_timeout: Duration,
    preflight: Option<&Preflight>,
    on_event: &mut dyn FnMut(Event),
) -> Result<StepReport, OtaError> {
    if let Some(p) = preflight {
        p.check(&image.name, options.target, payload.len())?;
    }
    if image.signed {
        on_event(Event::SignedImage {
            name: image.name.clone(),
        });
    }
    let size = image.size()? as u64;
    if payload.compressed {
        on_event(Event::Compressed {
            raw: size,
            sent: payload.len() as u64,
        });
    }
    let link = Link::open(options)?;
    let started = Instant::now();
    let mut sent = payload.len() as u64;
    let mut compressed = payload.compressed;
    let result = match link.attempt(options, image, &payload, invite_timeout, on_event) {
        Err(e)
            if payload.compressed
                && e.updater_error()
                    .is_some_and(|u| u.code == UpdaterError::MAGIC_BYTE) =>
        {
            // An updater older than core 2.7 takes no gzip (reference §1.6).
            on_event(Event::RetryingUncompressed);
            let raw = Payload::raw(image);
            if let Some(p) = preflight {
                p.check(&image.name, options.target, raw.len())?;
            }
            sent = raw.len() as u64;
            compressed = false;
            link.attempt(options, image, &raw, options.invite_timeout, on_event)
        }
        other => other,
    };
    let (device, auth) = result?;
    let elapsed = started.elapsed();
    on_event(Event::Finished { sent, elapsed });
    Ok(StepReport {
        name: image.name.clone(),
        size,
        sent,
        compressed,
        auth,
        device,
        elapsed,
    })
}

/// The host's two sockets: the TCP listener the device connects back to (bound before
/// anything is sent) and the UDP socket of the invitation and its answers.
struct Link {
    listener: TcpListener,
    socket: UdpSocket,
}

impl Link {
    fn open(options: &UploadOptions) -> Result<Link, OtaError> {
        let any = match options.device {
            SocketAddr::V4(_) => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            SocketAddr::V6(_) => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        };
        let local = options.host_ip.unwrap_or(any);
        let tcp = SocketAddr::new(local, options.host_port);
        let listener =
            TcpListener::bind(tcp).map_err(|source| OtaError::Listen { addr: tcp, source })?;
        let udp = SocketAddr::new(local, 0);
        let socket =
            UdpSocket::bind(udp).map_err(|source| OtaError::Listen { addr: udp, source })?;
        Ok(Link { listener, socket })
    }

    /// Invitation, connect-back, transfer: where the device connected from and the
    /// password scheme.
    fn attempt(
        &self,
        options: &UploadOptions,
        image: &Image,
        payload: &Payload,
        invite_timeout: Duration,
        on_event: &mut dyn FnMut(Event),
    ) -> Result<(SocketAddr, Option<AuthScheme>), OtaError> {
        let host_port = self
            .listener
            .local_addr()
            .map_err(|source| OtaError::Network {
                doing: "listening for the device",
                source,
            })?
            .port();
        let invite = Invite {
            device: options.device,
            invitation: Invitation {
                target: options.target,
                host_port,
                size: payload.len(),
                md5: payload.md5.clone(),
            },
            password: options.password.as_deref().filter(|p| !p.is_empty()),
            file_name: &image.name,
            timeout: invite_timeout,
        };
        let scheme = invite::invite(&self.socket, &invite, on_event)?;
        on_event(Event::Accepted);
        let (conn, from) = transfer::accept(&self.listener, options.connect_timeout)?;
        on_event(Event::Connected { from });
        transfer::send_image(conn, &payload.bytes, options.result_timeout, on_event)?;
        Ok((from, scheme))
    }
}
