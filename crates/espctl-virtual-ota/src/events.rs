//! What the device reports as it works: one [`DeviceEvent`] per step of an update, handed
//! to the callback given at start. The library never prints; the text of each event (its
//! `Display`) is one line for whoever shows them.

use espctl_ota::wire::{UpdateTarget, UpdaterError};
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// One step of the device's work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceEvent {
    /// An ArduinoOTA invitation arrived.
    Invitation {
        /// Who sent it (answers go there).
        from: SocketAddr,
        /// What it would replace.
        target: UpdateTarget,
        /// The image's size.
        size: u32,
        /// The host's TCP port the device connects back to.
        host_port: u16,
    },
    /// The device has a password and sent its challenge.
    AuthChallenge {
        /// To whom.
        to: SocketAddr,
    },
    /// The answer to the challenge was right.
    AuthOk,
    /// The answer to the challenge was wrong; the device is idle again.
    AuthFailed {
        /// Who answered.
        from: SocketAddr,
    },
    /// `Update.begin` refused the update (the host gets `ERR: ` and the error line).
    Refused {
        /// Why.
        error: UpdaterError,
    },
    /// `Update.begin` accepted the update: the image goes to `at`.
    UpdateBegun {
        /// What it replaces.
        target: UpdateTarget,
        /// Where it is written (the staging address of a firmware image).
        at: u32,
        /// Its size.
        size: u32,
    },
    /// The device could not connect back to the host.
    ConnectFailed {
        /// The host's address.
        to: SocketAddr,
        /// What the connection attempt said.
        reason: String,
    },
    /// The update ended without success; the running image is unchanged.
    UpdateFailed {
        /// Bytes written before it ended.
        received: u32,
        /// The size announced.
        size: u32,
        /// The updater's error (code 0 when the image simply stopped coming).
        error: UpdaterError,
    },
    /// `Update.end` succeeded: the image is complete and its MD5 matches.
    UpdateDone {
        /// What it replaces.
        target: UpdateTarget,
        /// Where it was written.
        at: u32,
        /// Its size.
        size: u32,
    },
    /// `ESP.restart()`: the device is away until it has booted again.
    Rebooting,
    /// eboot copied a staged image to 0x0 at boot.
    BootCopy {
        /// The staging address.
        from: u32,
        /// Bytes read there.
        staged: u32,
        /// Bytes written at 0x0 (more than `staged` when the image was gzip).
        written: u32,
    },
    /// eboot could not apply the staged image (a gzip stream that does not inflate); the
    /// old image runs on.
    BootCopyFailed {
        /// Why.
        reason: String,
    },
    /// The device runs an image of `len` bytes.
    Running {
        /// Its length from 0x0.
        len: u32,
    },
    /// A request reached the web server.
    WebRequest {
        /// From where.
        from: SocketAddr,
        /// Its method.
        method: String,
        /// Its path.
        path: String,
    },
    /// A web request without the right login was answered `401`.
    WebUnauthorized {
        /// From where.
        from: SocketAddr,
        /// Whether it carried a login (a wrong one) or none.
        tried: bool,
    },
    /// ESPurna refused a web upgrade with its own text.
    WebRefused {
        /// The HTTP status.
        status: u16,
        /// ESPurna's text.
        text: String,
    },
    /// A telnet client connected.
    TerminalClient {
        /// From where.
        from: SocketAddr,
    },
    /// A telnet client gave a wrong password.
    TerminalLoginFailed {
        /// From where.
        from: SocketAddr,
    },
    /// A terminal command.
    TerminalCommand {
        /// The line.
        line: String,
    },
    /// `ota <url>`: the device downloads an image.
    TerminalDownload {
        /// From where.
        url: String,
    },
    /// The mDNS announcement is out.
    Announced {
        /// The service instance.
        fullname: String,
    },
    /// The mDNS announcement could not start.
    AnnounceFailed {
        /// Why.
        reason: String,
    },
}

fn target_name(target: UpdateTarget) -> &'static str {
    match target {
        UpdateTarget::Firmware => "firmware",
        UpdateTarget::FileSystem => "file system",
    }
}

impl fmt::Display for DeviceEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeviceEvent::Invitation {
                from,
                target,
                size,
                host_port,
            } => write!(
                f,
                "invitation from {from}: {} image of {size} bytes, connect back to port {host_port}",
                target_name(*target)
            ),
            DeviceEvent::AuthChallenge { to } => write!(f, "password challenge sent to {to}"),
            DeviceEvent::AuthOk => f.write_str("authentication ok"),
            DeviceEvent::AuthFailed { from } => {
                write!(f, "authentication failed: wrong answer from {from}")
            }
            DeviceEvent::Refused { error } => {
                write!(f, "update refused: {}", error.encode().trim_end())
            }
            DeviceEvent::UpdateBegun { target, at, size } => write!(
                f,
                "update begun: {} image of {size} bytes written at {at:#x}",
                target_name(*target)
            ),
            DeviceEvent::ConnectFailed { to, reason } => {
                write!(f, "cannot connect back to {to}: {reason}")
            }
            DeviceEvent::UpdateFailed {
                received,
                size,
                error,
            } if error.code == 0 => write!(
                f,
                "update failed: the image stopped after {received} of {size} bytes"
            ),
            DeviceEvent::UpdateFailed {
                received,
                size,
                error,
            } => write!(
                f,
                "update failed after {received} of {size} bytes: {}",
                error.encode().trim_end()
            ),
            DeviceEvent::UpdateDone { target, at, size } => write!(
                f,
                "update done: {} image of {size} bytes at {at:#x}, MD5 ok",
                target_name(*target)
            ),
            DeviceEvent::Rebooting => f.write_str("rebooting"),
            DeviceEvent::BootCopy {
                from,
                staged,
                written,
            } if staged == written => {
                write!(f, "eboot copied {written} bytes from {from:#x} to 0x0")
            }
            DeviceEvent::BootCopy {
                from,
                staged,
                written,
            } => write!(
                f,
                "eboot inflated {staged} bytes of gzip at {from:#x} into {written} bytes at 0x0"
            ),
            DeviceEvent::BootCopyFailed { reason } => {
                write!(f, "eboot left the old image in place: {reason}")
            }
            DeviceEvent::Running { len } => write!(f, "running image {len} bytes"),
            DeviceEvent::WebRequest { from, method, path } => {
                write!(f, "web request from {from}: {method} {path}")
            }
            DeviceEvent::WebUnauthorized { from, tried: true } => {
                write!(f, "web login failed from {from}")
            }
            DeviceEvent::WebUnauthorized { from, tried: false } => {
                write!(f, "web login required from {from}")
            }
            DeviceEvent::WebRefused { status, text } => {
                write!(f, "web upgrade refused ({status}): {text}")
            }
            DeviceEvent::TerminalClient { from } => write!(f, "terminal client from {from}"),
            DeviceEvent::TerminalLoginFailed { from } => {
                write!(f, "terminal login failed from {from}")
            }
            DeviceEvent::TerminalCommand { line } => write!(f, "terminal command: {line}"),
            DeviceEvent::TerminalDownload { url } => write!(f, "terminal download of {url}"),
            DeviceEvent::Announced { fullname } => write!(f, "mDNS: announcing {fullname}"),
            DeviceEvent::AnnounceFailed { reason } => {
                write!(f, "mDNS announcement failed: {reason}")
            }
        }
    }
}

type Callback = Box<dyn FnMut(DeviceEvent) + Send>;

/// Where events go: the callback given at start, shared by every part of the device.
#[derive(Clone)]
pub struct Events(Arc<Mutex<Callback>>);

impl Events {
    /// Events handed to `callback`, one at a time.
    pub fn new(callback: impl FnMut(DeviceEvent) + Send + 'static) -> Events {
        Events(Arc::new(Mutex::new(Box::new(callback))))
    }

    /// Events nobody looks at.
    pub fn none() -> Events {
        Events::new(|_| {})
    }

    /// Reports `event`.
    pub fn emit(&self, event: DeviceEvent) {
        let mut callback = self.0.lock().unwrap_or_else(|e| e.into_inner());
        callback(event);
    }
}

impl fmt::Debug for Events {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Events")
    }
}
