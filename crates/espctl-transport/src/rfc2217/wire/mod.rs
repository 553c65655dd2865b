//! RFC 2217 on the wire: telnet commands (IAC, option negotiation, sub-negotiation)
//! interleaved with the serial data, and the COM-PORT-OPTION commands inside them. Both
//! the client and the server use this one codec.
//!
//! Telnet reserves byte 0xFF (IAC): a data byte 0xFF travels as FF FF, also inside a
//! sub-negotiation. A COM-PORT command from the client carries code N; the server's
//! answer carries N + 100 and echoes the value it applied.

/// Interpret As Command: starts every telnet command.
pub const IAC: u8 = 255;
const DONT: u8 = 254;
const DO: u8 = 253;
const WONT: u8 = 252;
const WILL: u8 = 251;
const SB: u8 = 250;
const SE: u8 = 240;

/// Telnet option: 8-bit data (RFC 856).
pub const BINARY: u8 = 0;
/// Telnet option: echo (RFC 857). Refused by both ends here.
pub const ECHO: u8 = 1;
/// Telnet option: suppress go-ahead (RFC 858).
pub const SGA: u8 = 3;
/// Telnet option: the serial port's settings (RFC 2217).
pub const COM_PORT_OPTION: u8 = 44;

/// How far a server's COM-PORT code is from the client's.
const SERVER_OFFSET: u8 = 100;

/// SET-CONTROL values used here (RFC 2217 lists more).
pub mod control {
    /// Ask for the current outbound flow control setting.
    pub const FLOW_REQUEST: u8 = 0;
    /// No flow control.
    pub const FLOW_NONE: u8 = 1;
    /// Ask for the current DTR state.
    pub const DTR_REQUEST: u8 = 7;
    /// DTR asserted.
    pub const DTR_ON: u8 = 8;
    /// DTR released.
    pub const DTR_OFF: u8 = 9;
    /// Ask for the current RTS state.
    pub const RTS_REQUEST: u8 = 10;
    /// RTS asserted.
    pub const RTS_ON: u8 = 11;
    /// RTS released.
    pub const RTS_OFF: u8 = 12;
}

/// PURGE-DATA values.
pub mod purge {
    /// The server's receive buffer: what the serial device sent, not yet forwarded.
    pub const RECEIVE: u8 = 1;
    /// The server's transmit buffer: what the client sent, not yet on the line.
    pub const TRANSMIT: u8 = 2;
    /// Both.
    pub const BOTH: u8 = 3;
}

/// A telnet option negotiation verb.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// The sender offers to use the option itself.
    Will,
    /// The sender refuses to use it.
    Wont,
    /// The sender asks the receiver to use it.
    Do,
    /// The sender asks the receiver not to use it.
    Dont,
}

impl Verb {
    fn code(self) -> u8 {
        match self {
            Verb::Will => WILL,
            Verb::Wont => WONT,
            Verb::Do => DO,
            Verb::Dont => DONT,
        }
    }

    fn from_code(code: u8) -> Option<Verb> {
        match code {
            WILL => Some(Verb::Will),
            WONT => Some(Verb::Wont),
            DO => Some(Verb::Do),
            DONT => Some(Verb::Dont),
            _ => None,
        }
    }
}

/// Which end sent a COM-PORT command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sender {
    /// The client (codes 0..).
    Client,
    /// The server (codes 100..).
    Server,
}

/// One COM-PORT-OPTION command (RFC 2217), without its sender's code offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ComPort {
    /// 0: a text naming the sender (empty: a request for the other's).
    Signature(Vec<u8>),
    /// 1: the line rate (0: a request for the current one).
    SetBaud(u32),
    /// 2: data bits (0: request).
    SetDataSize(u8),
    /// 3: parity, 1 = none (0: request).
    SetParity(u8),
    /// 4: stop bits, 1 = one (0: request).
    SetStopSize(u8),
    /// 5: flow control, break, DTR, RTS ([`control`]).
    SetControl(u8),
    /// 6: the line state (from the server; from the client a request).
    NotifyLineState(u8),
    /// 7: the modem state (from the server; from the client a request).
    NotifyModemState(u8),
    /// 8: stop sending data.
    FlowSuspend,
    /// 9: resume sending data.
    FlowResume,
    /// 10: which line state changes to notify.
    SetLineStateMask(u8),
    /// 11: which modem state changes to notify.
    SetModemStateMask(u8),
    /// 12: drop buffered data ([`purge`]).
    Purge(u8),
    /// A code this implementation does not know, with its value.
    Unknown(u8, Vec<u8>),
}

impl ComPort {
    /// The command in a sub-negotiation from `sender`: IAC SB 44 code value IAC SE,
    /// with 0xFF in the value doubled.
    pub fn encode(&self, sender: Sender) -> Vec<u8> {
        let (code, value): (u8, Vec<u8>) = match self {
            ComPort::Signature(text) => (0, text.clone()),
            ComPort::SetBaud(baud) => (1, baud.to_be_bytes().to_vec()),
            ComPort::SetDataSize(v) => (2, vec![*v]),
            ComPort::SetParity(v) => (3, vec![*v]),
            ComPort::SetStopSize(v) => (4, vec![*v]),
            ComPort::SetControl(v) => (5, vec![*v]),
            ComPort::NotifyLineState(v) => (6, vec![*v]),
            ComPort::NotifyModemState(v) => (7, vec![*v]),
            ComPort::FlowSuspend => (8, vec![]),
            ComPort::FlowResume => (9, vec![]),
            ComPort::SetLineStateMask(v) => (10, vec![*v]),
            ComPort::SetModemStateMask(v) => (11, vec![*v]),
            ComPort::Purge(v) => (12, vec![*v]),
            ComPort::Unknown(code, value) => (*code, value.clone()),
        };
        let code = match sender {
            Sender::Client => code,
            Sender::Server => code + SERVER_OFFSET,
        };
        let mut out = vec![IAC, SB, COM_PORT_OPTION, code];
        escape_into(&value, &mut out);
        out.extend([IAC, SE]);
        out
    }

    /// Reads a COM-PORT sub-negotiation's payload (code and value, unescaped).
    pub fn decode(payload: &[u8]) -> Option<(Sender, ComPort)> {
        let (&code, value) = payload.split_first()?;
        let (sender, code) = if code >= SERVER_OFFSET {
            (Sender::Server, code - SERVER_OFFSET)
        } else {
            (Sender::Client, code)
        };
        let byte = value.first().copied();
        let command = match (code, byte) {
            (0, _) => ComPort::Signature(value.to_vec()),
            (1, _) if value.len() >= 4 => {
                ComPort::SetBaud(u32::from_be_bytes([value[0], value[1], value[2], value[3]]))
            }
            (2, Some(v)) => ComPort::SetDataSize(v),
            (3, Some(v)) => ComPort::SetParity(v),
            (4, Some(v)) => ComPort::SetStopSize(v),
            (5, Some(v)) => ComPort::SetControl(v),
            (6, Some(v)) => ComPort::NotifyLineState(v),
            (7, Some(v)) => ComPort::NotifyModemState(v),
            (8, _) => ComPort::FlowSuspend,
            (9, _) => ComPort::FlowResume,
            (10, Some(v)) => ComPort::SetLineStateMask(v),
            (11, Some(v)) => ComPort::SetModemStateMask(v),
            (12, Some(v)) => ComPort::Purge(v),
            _ => ComPort::Unknown(code, value.to_vec()),
        };
        Some((sender, command))
    }
}

/// IAC verb option.
pub fn negotiation(verb: Verb, option: u8) -> [u8; 3] {
    [IAC, verb.code(), option]
}

/// Appends `data` to `out` with every 0xFF doubled.
pub fn escape_into(data: &[u8], out: &mut Vec<u8>) {
    for &b in data {
        out.push(b);
        if b == IAC {
            out.push(IAC);
        }
    }
}

mod decoder;
pub use decoder::{Decoder, Event};

#[cfg(test)]
mod tests;
