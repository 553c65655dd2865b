//! What stands between the host and the chip: the serial adapter and the board.

/// How the adapter and the board behave. The default is a good adapter on a board with
/// the usual auto-reset circuit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wiring {
    /// The adapter takes any rate, but above this one bytes arrive garbled both ways.
    pub garbles_above: Option<u32>,
    /// The port refuses rates above this one.
    pub refuses_above: Option<u32>,
    /// DTR and RTS are wired to the chip. Without them (like a pty) setting them fails
    /// with "unsupported" and the chip cannot be reset.
    pub reset_lines: bool,
    /// DTR reaches GPIO0. When it does not, a reset always boots the flash.
    pub io0_wired: bool,
    /// The host's TX line reaches the chip. When it does not, the chip prints but never
    /// hears the host.
    pub host_tx: bool,
}

impl Default for Wiring {
    fn default() -> Wiring {
        Wiring {
            garbles_above: None,
            refuses_above: None,
            reset_lines: true,
            io0_wired: true,
            host_tx: true,
        }
    }
}

impl Wiring {
    /// Whether bytes at `baud` arrive garbled.
    pub fn garbles(&self, baud: u32) -> bool {
        self.garbles_above.is_some_and(|max| baud > max)
    }
}

/// What a byte sent at a rate the adapter cannot keep turns into: never a SLIP
/// delimiter, so no frame survives.
pub(crate) fn garble(b: u8) -> u8 {
    0x80 | (b & 0x3F)
}

/// Sees every SLIP frame crossing the line (payloads, without framing).
pub trait LineTap: Send {
    /// A frame the host sent. Returning a reply answers in the chip's place: the chip
    /// never sees the frame.
    fn host_frame(&mut self, _frame: &[u8]) -> Option<Vec<u8>> {
        None
    }

    /// A frame the chip sent, which the tap may change on its way to the host.
    fn chip_frame(&mut self, _frame: &mut Vec<u8>) {}
}
