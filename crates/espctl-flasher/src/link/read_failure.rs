//! Why a wait for a frame ended without one: the words esptool uses for each case.

/// Why a wait for a frame ended without one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadFailure {
    /// Nothing at all arrived.
    #[error("No serial data received.")]
    NoData,
    /// Frames arrived earlier, then the line went quiet.
    #[error("Serial data stream stopped: Possible serial noise or corruption.")]
    StreamStopped,
    /// A frame started but did not end in time (bytes received so far).
    #[error("Packet content transfer stopped (received {0} bytes).")]
    PartialFrame(usize),
    /// A SLIP escape byte followed by something other than 0xDC or 0xDD.
    #[error("Invalid SLIP escape (0xdb, 0x{0:02x}).")]
    InvalidEscape(u8),
    /// A frame grew far beyond anything a loader sends (bytes received).
    #[error(
        "Received {0} bytes in one packet without its end: Possible serial noise or corruption."
    )]
    FrameTooLong(usize),
}
