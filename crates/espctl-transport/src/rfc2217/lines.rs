//! DTR and RTS on the served port. RFC 2217 carries one line change per command and a
//! client waits for each answer, so a reset sequence reaches the port stretched over
//! round trips (pyserial adds ~50 ms per command). On the usual auto-reset circuit that
//! breaks esptool's classic sequence: the moment DTR and RTS are both asserted releases
//! EN while GPIO0 is still high, for long enough that the chip boots its firmware.
//!
//! So by default the server runs the reset itself, with local timing, when it sees a
//! sequence begin (as esptool's `esp_rfc2217_server` does): DTR asserted while the chip
//! is not already in its loader starts "reset into the bootloader"; RTS released outside
//! the loader is the end of a hard reset pulse and restarts the chip. The other changes
//! of those sequences are acknowledged and dropped; DTR released ends the loader phase.
//! [`LinePolicy::Relay`] passes every change through as it comes instead.

use super::wire::control;
use crate::{LineError, Transport};

/// Reset sequences run on the server's side of the line.
pub trait LocalReset: Send {
    /// Resets the chip into its serial bootloader (GPIO0 low while EN rises).
    fn enter_bootloader(&mut self, port: &mut dyn Transport) -> Result<(), LineError>;
    /// Restarts the chip into its firmware (EN pulsed low).
    fn hard_reset(&mut self, port: &mut dyn Transport) -> Result<(), LineError>;
}

/// What the server does with the client's DTR/RTS changes.
pub enum LinePolicy {
    /// Every change goes to the port as it comes.
    Relay,
    /// Reset sequences are recognised and run here with these timings.
    LocalReset(Box<dyn LocalReset>),
}

/// The lines as the client last set them, and the reset recogniser's state.
pub(crate) struct Lines {
    policy: LinePolicy,
    dtr: bool,
    rts: bool,
    /// A reset into the bootloader ran and DTR has not been released since.
    in_loader: bool,
}

impl Lines {
    pub(crate) fn new(policy: LinePolicy) -> Lines {
        Lines {
            policy,
            dtr: false,
            rts: false,
            in_loader: false,
        }
    }

    /// A new client: no sequence under way.
    pub(crate) fn new_session(&mut self) {
        self.in_loader = false;
    }

    /// DTR as the client last set it.
    pub(crate) fn dtr(&self) -> bool {
        self.dtr
    }

    /// RTS as the client last set it.
    pub(crate) fn rts(&self) -> bool {
        self.rts
    }

    /// Applies one SET-CONTROL line change (DTR_ON/OFF, RTS_ON/OFF).
    pub(crate) fn change(&mut self, value: u8, port: &mut dyn Transport) -> Result<(), LineError> {
        match value {
            control::DTR_ON | control::DTR_OFF => self.dtr = value == control::DTR_ON,
            _ => self.rts = value == control::RTS_ON,
        }
        let local = match &mut self.policy {
            LinePolicy::Relay => {
                return match value {
                    control::DTR_ON | control::DTR_OFF => port.set_dtr(self.dtr),
                    _ => port.set_rts(self.rts),
                };
            }
            LinePolicy::LocalReset(local) => local,
        };
        match value {
            control::DTR_OFF => {
                self.in_loader = false;
                port.set_dtr(false)
            }
            control::DTR_ON if !self.in_loader => {
                self.in_loader = true;
                local.enter_bootloader(port)
            }
            control::RTS_OFF if !self.in_loader => local.hard_reset(port),
            _ => Ok(()),
        }
    }
}
