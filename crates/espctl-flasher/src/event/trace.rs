//! What tracing reports: every frame and byte on the wire, as esptool's `--trace` shows
//! them.

/// One line of `--trace` output: the frames on the wire.
#[derive(Debug, Clone)]
pub enum Trace {
    /// A command is sent.
    Command {
        /// Its opcode.
        op: u8,
        /// Its name, e.g. `FLASH_BEGIN`.
        name: &'static str,
        /// Its payload.
        data: Vec<u8>,
        /// Whether a reply is waited for.
        wait_response: bool,
        /// How long.
        timeout_secs: f64,
    },
    /// Bytes written to the port (framed).
    Write(Vec<u8>),
    /// Bytes read from the port.
    Read(Vec<u8>),
    /// A whole frame decoded.
    Packet(Vec<u8>),
    /// Bytes received outside any frame (boot messages, noise).
    Noise(Vec<u8>),
}
