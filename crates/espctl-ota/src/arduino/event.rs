//! What an upload reports while it runs (the library never prints).

use crate::wire::AuthScheme;
use std::net::SocketAddr;
use std::time::Duration;

/// One step of an upload, in the order they happen.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// A two-step update starts one of its steps.
    Step {
        /// 1 or 2.
        step: u8,
        /// The image of this step.
        name: String,
    },
    /// The signed image beside the one named is uploaded instead (as espota.py does).
    SignedImage {
        /// The signed file.
        name: String,
    },
    /// The image goes out gzip-compressed (the device's eboot inflates it).
    Compressed {
        /// Bytes of the image.
        raw: u64,
        /// Bytes sent.
        sent: u64,
    },
    /// An invitation goes to the device (again every second until it answers).
    Inviting {
        /// 1 for the first one.
        attempt: u32,
        /// The device.
        device: SocketAddr,
    },
    /// The device asked for the password; the answer goes out.
    Authenticating {
        /// The device's scheme.
        scheme: AuthScheme,
    },
    /// The SHA-256 answer was refused: trying again with the MD5 hash of the password,
    /// which devices given `setPasswordHash(md5)` hold.
    RetryingWithMd5Hash,
    /// The device accepted the update (its space check passed).
    Accepted,
    /// The device connected back.
    Connected {
        /// From where.
        from: SocketAddr,
    },
    /// Bytes sent so far.
    Progress {
        /// Sent so far.
        sent: u64,
        /// All to send.
        total: u64,
    },
    /// All bytes are out; waiting for the device's verdict.
    Verifying,
    /// The device refused the gzip image: sending the image uncompressed.
    RetryingUncompressed,
    /// The device said OK: the image is written and checked; it restarts into it.
    Finished {
        /// Bytes sent.
        sent: u64,
        /// From the first invitation to the device's OK.
        elapsed: Duration,
    },
    /// After the first step of a two-step update: waiting for the device to restart.
    WaitingForDevice,
}
