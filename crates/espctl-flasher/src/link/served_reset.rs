//! The resets an RFC 2217 server runs on its own side of the line, with local timing,
//! when a client's sequence begins (see [`espctl_transport::rfc2217::LocalReset`]): the
//! first of the sequences a local client would try, and the hard reset pulse.

use super::custom_reset::CustomReset;
use super::reset::{Before, ResetTiming, bootloader_sequence_with, hard_reset};
use crate::session::NativeUsb;
use espctl_transport::rfc2217::LocalReset;
use espctl_transport::{LineError, Transport};

/// The local resets of `espctl serve-port` and `espctl virtual --rfc2217`.
#[derive(Debug, Clone, Default)]
pub struct ServedResets {
    timing: ResetTiming,
    hard_reset: Option<CustomReset>,
}

impl ServedResets {
    /// Resets with `timing` (the configuration file's sequence or delay, if any) and
    /// `hard_reset` (its hard reset sequence, if any).
    pub fn new(timing: ResetTiming, hard_reset: Option<CustomReset>) -> ServedResets {
        ServedResets { timing, hard_reset }
    }
}

impl LocalReset for ServedResets {
    fn enter_bootloader(&mut self, port: &mut dyn Transport) -> Result<(), LineError> {
        // A chip's USB-Serial/JTAG port reads DTR/RTS itself: it needs its own sequence,
        // the classic one boots the flash there.
        let before = match NativeUsb::of(port.usb_device().as_ref(), None) {
            Some(NativeUsb::SerialJtag) => Before::UsbReset,
            _ => Before::DefaultReset,
        };
        match bootloader_sequence_with(before, &self.timing)
            .into_iter()
            .next()
        {
            Some(strategy) => strategy.run(port),
            None => Ok(()),
        }
    }

    fn hard_reset(&mut self, port: &mut dyn Transport) -> Result<(), LineError> {
        match &self.hard_reset {
            Some(custom) => custom.run(port),
            None => hard_reset(port),
        }
    }
}
