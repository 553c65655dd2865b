//! What a user can do about a failure, as data. The library never words advice: option
//! names and commands belong to the front end, which turns each [`Hint`] into its own
//! sentence (the `espctl` CLI writes esptool's).

use crate::error::{Error, RestoreRefused, SafetyRefusal, SecureDownloadRefusal};

/// Advice that goes with an error or a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Hint {
    /// Check the cable, the power and that no other program uses the port, then run
    /// again.
    CheckPort,
    /// The chip stopped answering: check the cable and power, or use a lower baud rate.
    CheckLinkOrLowerBaud,
    /// Possible line noise: try again, or at a lower baud rate.
    RetryOrLowerBaud,
    /// Data arrived damaged: read again, or at a lower baud rate.
    ReadAgainOrLowerBaud,
    /// The written data did not verify: write again; lower the baud rate and check the
    /// power supply if it keeps failing.
    RewriteOrLowerBaud,
    /// The port does not take the rate: use a lower one.
    LowerBaud,
    /// The chip is lost at a rate it was switched to: reset it, run again at this rate.
    ResetAtBaud(u32),
    /// The ROM loader cannot do this: install the flasher stub and let it be used.
    UseStub,
    /// The stub did not start: try again, or work with the ROM loader.
    RetryOrSkipStub,
    /// The installed stub file changed: install it again.
    ReinstallStub,
    /// No stub is installed: install one.
    InstallStub,
    /// load-ram over the stub's RAM: load elsewhere, or do not upload the stub.
    MoveOrSkipStub,
    /// Scanning found no chip: name the port.
    NamePort,
    /// An address is wrong: check it.
    CheckAddress,
    /// The line is poor: check the cable, or use a lower baud rate.
    PoorLink,
    /// The port went away: plug the board back in (or wait longer for it).
    Reconnect,
    /// A safety check refused: it can be overridden when the user is sure.
    Force,
    /// The image is for another chip or revision: it can be flashed anyway (esptool:
    /// "Use --force to flash anyway.").
    ForceToFlash,
    /// A security eFuse protects the flash: overriding it may brick the device.
    ForceAtOwnRisk,
    /// The flash chip's status register protects the range: clear it (write 0 to the
    /// status register, non-volatile), then write again.
    ClearWriteProtection,
    /// Secure Download Mode allows only writing and erasing flash and reading the
    /// security information.
    SecureDownloadCommands,
    /// Give the flash size (it cannot be detected).
    GiveFlashSize,
    /// The ESP8266 ROM cannot erase this exact region: erase one sector more or less,
    /// or use the flasher stub.
    EraseOtherSizeOrUseStub,
}

impl Error {
    /// What the user can do about it, if anything.
    pub fn hint(&self) -> Option<Hint> {
        Some(match self {
            Error::Io { .. } | Error::WriteTimeout { .. } => Hint::CheckPort,
            Error::NoReply { .. } => Hint::CheckLinkOrLowerBaud,
            Error::ResponseMismatch { .. } | Error::BadMd5Reply { .. } => Hint::RetryOrLowerBaud,
            Error::NeedsStub { .. } => Hint::UseStub,
            Error::NoPortConnected { .. } => Hint::NamePort,
            Error::BaudLost { old, .. } => Hint::ResetAtBaud(*old),
            Error::BaudRefused { .. } => Hint::LowerBaud,
            Error::StubStart(_) => Hint::RetryOrSkipStub,
            Error::StubStore(e) => return e.hint(),
            Error::InexactRomErase { .. } => Hint::EraseOtherSizeOrUseStub,
            Error::WriteProtected(_) => Hint::ClearWriteProtection,
            Error::Md5Mismatch { .. } => Hint::RewriteOrLowerBaud,
            Error::CorruptData { .. }
            | Error::ReadTooMuch
            | Error::ExpectedDigest(_)
            | Error::DigestMismatch { .. }
            | Error::ShortBlock { .. } => Hint::ReadAgainOrLowerBaud,
            Error::StubResident { .. } => Hint::MoveOrSkipStub,
            Error::PastFlashSpace { .. } => Hint::CheckAddress,
            Error::NoResync => Hint::PoorLink,
            Error::Safety(SafetyRefusal::Incompatible(_)) => Hint::ForceToFlash,
            Error::Safety(_) => Hint::ForceAtOwnRisk,
            Error::LinkLost { .. } => Hint::Reconnect,
            Error::SecureDownload(SecureDownloadRefusal::DetectFlashSize) => Hint::GiveFlashSize,
            Error::SecureDownload(_) => Hint::SecureDownloadCommands,
            Error::Restore(
                RestoreRefused::OtherChip { .. } | RestoreRefused::LargerThanFlash { .. },
            ) => Hint::Force,
            _ => return None,
        })
    }
}
