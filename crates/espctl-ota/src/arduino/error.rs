//! What can go wrong in an ArduinoOTA upload, with the advice that goes with it.
//!
//! The library never words advice: each error names a [`Hint`], and the front end turns
//! it into a sentence with its own option names.

use crate::wire::UpdaterError;
use std::io;
use std::net::SocketAddr;
use std::time::Duration;

/// Why an upload failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OtaError {
    /// The image file could not be read.
    #[error("cannot read {name}: {source}")]
    ReadImage {
        /// The file.
        name: String,
        /// Why.
        source: io::Error,
    },
    /// The image is empty or larger than the protocol can say.
    #[error("{name} is {len} bytes: the protocol cannot send it")]
    BadImageSize {
        /// The file.
        name: String,
        /// Its length.
        len: u64,
    },
    /// No TCP port to listen on for the device's connection.
    #[error("cannot listen for the device's connection on {addr}: {source}")]
    Listen {
        /// The address asked for.
        addr: SocketAddr,
        /// Why.
        source: io::Error,
    },
    /// Sending or receiving on the network failed on this host.
    #[error("network error while {doing}: {source}")]
    Network {
        /// What was being done.
        doing: &'static str,
        /// Why.
        source: io::Error,
    },
    /// The device answered none of the invitations.
    #[error("no answer from {device} to {attempts} invitations in {} s", waited.as_secs())]
    NoAnswer {
        /// The device.
        device: SocketAddr,
        /// Invitations sent.
        attempts: u32,
        /// How long it was asked.
        waited: Duration,
    },
    /// The device asks for a password and none was given.
    #[error("the device at {device} asks for a password")]
    PasswordNeeded {
        /// The device.
        device: SocketAddr,
    },
    /// The device refused the password.
    #[error("the device at {device} refused the password (Authentication Failed)")]
    WrongPassword {
        /// The device.
        device: SocketAddr,
    },
    /// The device sent a challenge of no known scheme.
    #[error("the device sent a password challenge espctl does not know: AUTH {nonce}")]
    UnknownChallenge {
        /// The nonce it sent.
        nonce: String,
    },
    /// The device did not answer the password.
    #[error("the device at {device} did not answer the password within {} s", waited.as_secs())]
    NoAuthAnswer {
        /// The device.
        device: SocketAddr,
        /// How long it was waited for.
        waited: Duration,
    },
    /// The device refused the update before any transfer (`Update.begin` failed).
    #[error("the device refused the update before any transfer: {error}")]
    Refused {
        /// The updater's error.
        error: UpdaterError,
    },
    /// The device answered something the protocol does not have.
    #[error("unexpected answer from the device: {text:?}")]
    BadAnswer {
        /// What it sent.
        text: String,
    },
    /// The device accepted the invitation but never connected back.
    #[error("the device accepted the update but never connected back to TCP port {port} (waited {} s)", waited.as_secs())]
    NoConnectBack {
        /// The host's TCP port the device was told.
        port: u16,
        /// How long it was waited for.
        waited: Duration,
    },
    /// The connection ended before the whole image was sent.
    #[error(
        "the device closed the connection after {sent} of {total} bytes; it keeps its old firmware"
    )]
    ClosedMidTransfer {
        /// Bytes sent.
        sent: u64,
        /// Bytes of the image as sent.
        total: u64,
    },
    /// The device stopped taking data.
    #[error(
        "the device stopped taking data after {sent} of {total} bytes; it keeps its old firmware"
    )]
    Stalled {
        /// Bytes sent.
        sent: u64,
        /// Bytes of the image as sent.
        total: u64,
    },
    /// The whole image went out but the device closed without a verdict.
    #[error(
        "the device closed the connection before confirming the update ({total} bytes sent); it keeps its old firmware"
    )]
    ClosedWithoutResult {
        /// Bytes of the image as sent.
        total: u64,
    },
    /// The whole image went out and no verdict came.
    #[error("all {total} bytes were sent but the device gave no result within {} s", waited.as_secs())]
    NoResult {
        /// Bytes of the image as sent.
        total: u64,
        /// How long it was waited for.
        waited: Duration,
    },
    /// The device's updater failed (MD5, magic byte, flash config...).
    #[error("the device's updater failed: {error}; it keeps its old firmware")]
    UpdateFailed {
        /// The updater's error.
        error: UpdaterError,
    },
    /// The preflight check refused the image before anything was sent.
    #[error(transparent)]
    Preflight(#[from] super::preflight::PreflightError),
    /// The device did not come back after the first step of a two-step update.
    #[error("the device did not come back within {} s after the first step", waited.as_secs())]
    NotBack {
        /// How long it was waited for.
        waited: Duration,
    },
    /// One step of a two-step update failed.
    #[error("step {step} of 2 ({name}): {source}")]
    Step {
        /// 1 or 2.
        step: u8,
        /// The image of that step.
        name: String,
        /// What went wrong.
        source: Box<OtaError>,
    },
    /// The device's name did not resolve.
    #[error(transparent)]
    Resolve(#[from] crate::resolve::ResolveError),
}

/// What a user can do about a failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Hint {
    /// Check the file.
    CheckFile,
    /// The local address or port cannot be used: pick another host address or port.
    PickHostAddress,
    /// Check the device's address and port, that it runs ArduinoOTA, and that UDP to it
    /// is not blocked.
    CheckDevice,
    /// Give the device's password.
    GivePassword,
    /// Check the password.
    CheckPassword,
    /// The image does not fit beside the running one: a two-step update (a small image
    /// first), or a gzip-compressed image.
    TwoStepOrGzip,
    /// The image cannot be updated over the air on this layout at all: flash it over
    /// serial, or pick a layout with a smaller file system.
    SerialOrOtherLayout,
    /// The file system image does not match the device's layout.
    CheckFsImage,
    /// The device was booted by the serial loader: reset it.
    ResetDevice,
    /// A firewall on this host or NAT between host and device blocks the device's
    /// connection to this TCP port.
    OpenPort(u16),
    /// The network or the device failed mid-way: run again.
    RunAgain,
    /// The image itself is wrong for the device: check it.
    CheckImage,
    /// The device's name is unknown: use its address.
    UseAddress,
}

impl OtaError {
    /// What the user can do about it, if anything.
    pub fn hint(&self) -> Option<Hint> {
        Some(match self {
            OtaError::ReadImage { .. } | OtaError::BadImageSize { .. } => Hint::CheckFile,
            OtaError::Listen { .. } => Hint::PickHostAddress,
            OtaError::Network { .. } | OtaError::NoAnswer { .. } | OtaError::BadAnswer { .. } => {
                Hint::CheckDevice
            }
            OtaError::PasswordNeeded { .. } => Hint::GivePassword,
            OtaError::WrongPassword { .. } | OtaError::UnknownChallenge { .. } => {
                Hint::CheckPassword
            }
            OtaError::NoAuthAnswer { .. } | OtaError::NotBack { .. } => Hint::CheckDevice,
            OtaError::Refused { error } | OtaError::UpdateFailed { error } => {
                return updater_hint(error);
            }
            OtaError::NoConnectBack { port, .. } => Hint::OpenPort(*port),
            OtaError::ClosedMidTransfer { .. }
            | OtaError::Stalled { .. }
            | OtaError::ClosedWithoutResult { .. }
            | OtaError::NoResult { .. } => Hint::RunAgain,
            OtaError::Preflight(e) => e.hint(),
            OtaError::Step { source, .. } => return source.hint(),
            OtaError::Resolve(_) => Hint::UseAddress,
        })
    }

    /// The updater error the device reported, if it did.
    pub fn updater_error(&self) -> Option<&UpdaterError> {
        match self {
            OtaError::Refused { error } | OtaError::UpdateFailed { error } => Some(error),
            OtaError::Step { source, .. } => source.updater_error(),
            _ => None,
        }
    }
}

/// The advice for one of the device's updater errors.
fn updater_hint(error: &UpdaterError) -> Option<Hint> {
    Some(match error.code {
        UpdaterError::SPACE => Hint::TwoStepOrGzip,
        UpdaterError::BOOTSTRAP => Hint::ResetDevice,
        UpdaterError::STREAM => Hint::RunAgain,
        UpdaterError::MD5
        | UpdaterError::MAGIC_BYTE
        | UpdaterError::NEW_FLASH_CONFIG
        | UpdaterError::SIZE => Hint::CheckImage,
        _ => return None,
    })
}
