//! Why a port would not open, told apart so the error can say what to do.

use std::io;

/// Why a port would not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenCause {
    /// No such device: a wrong name, or the board is unplugged.
    Missing,
    /// Another program holds it (a serial monitor, another flasher).
    Busy,
    /// The user may not open it (on Linux: not in the `dialout` group).
    NoPermission,
    /// Nothing accepts connections at an `rfc2217://` address.
    NoRfc2217Server,
    /// Nothing accepts connections at a `socket://` address.
    NoTcpServer,
    /// Something else.
    Other,
}

impl OpenCause {
    /// The cause of an open that failed with `e`.
    pub fn of_io(e: &io::Error) -> OpenCause {
        #[cfg(unix)]
        if let Some(code) = e.raw_os_error() {
            return match code {
                libc::ENOENT | libc::ENODEV | libc::ENXIO => OpenCause::Missing,
                libc::EBUSY | libc::EWOULDBLOCK => OpenCause::Busy,
                libc::EACCES | libc::EPERM => OpenCause::NoPermission,
                _ => OpenCause::Other,
            };
        }
        match e.kind() {
            io::ErrorKind::NotFound => OpenCause::Missing,
            io::ErrorKind::PermissionDenied => OpenCause::NoPermission,
            io::ErrorKind::ResourceBusy | io::ErrorKind::WouldBlock => OpenCause::Busy,
            _ => OpenCause::from_reason(&e.to_string()),
        }
    }

    /// The cause a system message names (`Permission denied`, `Device or resource
    /// busy`, serialport's `Unable to acquire exclusive lock`, Windows' `Access is
    /// denied` for a port in use).
    pub fn from_reason(reason: &str) -> OpenCause {
        let lower = reason.to_lowercase();
        if lower.contains("no such file") || lower.contains("not found") {
            OpenCause::Missing
        } else if lower.contains("permission denied") {
            OpenCause::NoPermission
        } else if lower.contains("busy")
            || lower.contains("exclusive lock")
            || lower.contains("access is denied")
        {
            OpenCause::Busy
        } else {
            OpenCause::Other
        }
    }

    /// What to do about it.
    pub fn hint(self) -> Option<&'static str> {
        match self {
            OpenCause::Missing => Some("Check if the port is correct and ESP connected."),
            OpenCause::Busy => Some(
                "Another program has the port open (a serial monitor, another flasher?); close it and try again.",
            ),
            #[cfg(target_os = "linux")]
            OpenCause::NoPermission => Some(
                "Your user may not open serial ports: add it to the dialout group (sudo usermod -aG dialout $USER), then log out and back in.",
            ),
            #[cfg(not(target_os = "linux"))]
            OpenCause::NoPermission => Some(
                "Your user may not open serial ports: add it to the group that owns the port (uucp or dialout), then log out and back in.",
            ),
            OpenCause::NoRfc2217Server => Some(
                "Nothing accepts connections there: start the RFC 2217 server on the machine with the board first (espctl serve-port --port DEVICE --listen 0.0.0.0:PORT, or esp_rfc2217_server), and check the host and port.",
            ),
            OpenCause::NoTcpServer => Some(
                "Nothing accepts connections there: start the serial-to-TCP server first (or espctl virtual --listen HOST:PORT for the virtual device), and check the host and port.",
            ),
            OpenCause::Other => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_from_errors_and_messages() {
        let kind = |k: io::ErrorKind| OpenCause::of_io(&io::Error::from(k));
        assert_eq!(
            kind(io::ErrorKind::PermissionDenied),
            OpenCause::NoPermission
        );
        assert_eq!(kind(io::ErrorKind::NotFound), OpenCause::Missing);
        assert_eq!(kind(io::ErrorKind::ResourceBusy), OpenCause::Busy);
        #[cfg(unix)]
        {
            let os = |code| OpenCause::of_io(&io::Error::from_raw_os_error(code));
            assert_eq!(os(libc::EACCES), OpenCause::NoPermission);
            assert_eq!(os(libc::EBUSY), OpenCause::Busy);
            assert_eq!(os(libc::ENOENT), OpenCause::Missing);
            assert_eq!(os(libc::EIO), OpenCause::Other);
        }
        assert_eq!(
            OpenCause::from_reason("Unable to acquire exclusive lock on serial port"),
            OpenCause::Busy
        );
        assert_eq!(
            OpenCause::from_reason("Permission denied"),
            OpenCause::NoPermission
        );
        assert!(OpenCause::NoPermission.hint().unwrap().contains("dialout"));
        assert_eq!(OpenCause::Other.hint(), None);
    }

    #[test]
    fn the_error_line_carries_the_hint() {
        let e = crate::OpenError::with_cause("/dev/ttyUSB0", "EBUSY", OpenCause::Busy);
        let line = e.to_string();
        assert!(line.starts_with("Could not open /dev/ttyUSB0, the port is busy"));
        assert!(
            line.contains("Hint: Another program has the port open"),
            "{line}"
        );
        assert!(!line.contains('\n'));
    }
}
