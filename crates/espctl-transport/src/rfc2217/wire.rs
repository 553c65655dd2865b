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

/// What arrives on an RFC 2217 connection, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Serial data, unescaped.
    Data(Vec<u8>),
    /// An option negotiation.
    Negotiate(Verb, u8),
    /// A sub-negotiation: the option and its payload, unescaped.
    Sub(u8, Vec<u8>),
}

#[derive(Debug, Clone, Default)]
enum State {
    #[default]
    Data,
    Iac,
    Verb(u8),
    SubOption,
    Sub,
    SubIac,
}

/// Splits a byte stream into [`Event`]s; a command may be split across reads.
#[derive(Debug, Clone, Default)]
pub struct Decoder {
    state: State,
    sub_option: u8,
    sub: Vec<u8>,
}

impl Decoder {
    /// A decoder at the start of a connection.
    pub fn new() -> Decoder {
        Decoder::default()
    }

    /// Decodes `bytes`, appending events to `events` (consecutive data merged).
    pub fn feed(&mut self, bytes: &[u8], events: &mut Vec<Event>) {
        for &b in bytes {
            self.byte(b, events);
        }
    }

    fn byte(&mut self, b: u8, events: &mut Vec<Event>) {
        self.state = match std::mem::take(&mut self.state) {
            State::Data if b == IAC => State::Iac,
            State::Data => {
                push_data(events, b);
                State::Data
            }
            State::Iac => self.command(b, events),
            State::Verb(verb) => {
                if let Some(verb) = Verb::from_code(verb) {
                    events.push(Event::Negotiate(verb, b));
                }
                State::Data
            }
            State::SubOption => {
                self.sub_option = b;
                self.sub.clear();
                State::Sub
            }
            State::Sub if b == IAC => State::SubIac,
            State::Sub => {
                self.sub.push(b);
                State::Sub
            }
            State::SubIac if b == IAC => {
                self.sub.push(IAC);
                State::Sub
            }
            State::SubIac => {
                events.push(Event::Sub(self.sub_option, std::mem::take(&mut self.sub)));
                // IAC SE ends it; any other command after IAC also ends it (a peer that
                // forgot SE) and is taken as that command.
                if b == SE {
                    State::Data
                } else {
                    self.command(b, events)
                }
            }
        };
    }

    fn command(&mut self, b: u8, events: &mut Vec<Event>) -> State {
        match b {
            IAC => {
                push_data(events, IAC);
                State::Data
            }
            WILL | WONT | DO | DONT => State::Verb(b),
            SB => State::SubOption,
            // NOP, data mark, break, go-ahead and the rest carry nothing for a serial line.
            _ => State::Data,
        }
    }
}

fn push_data(events: &mut Vec<Event>, b: u8) {
    if let Some(Event::Data(data)) = events.last_mut() {
        data.push(b);
    } else {
        events.push(Event::Data(vec![b]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_in_pieces(stream: &[u8], piece: usize) -> Vec<Event> {
        let mut decoder = Decoder::new();
        let mut events = Vec::new();
        for chunk in stream.chunks(piece) {
            decoder.feed(chunk, &mut events);
        }
        // Merge data split across feeds, as a reader would.
        let mut merged: Vec<Event> = Vec::new();
        for e in events {
            match (merged.last_mut(), e) {
                (Some(Event::Data(a)), Event::Data(b)) => a.extend(b),
                (_, e) => merged.push(e),
            }
        }
        merged
    }

    #[test]
    fn data_with_0xff_survives_escaping_split_at_every_point() {
        let data: Vec<u8> = vec![0x01, 0xFF, 0xFF, 0xC0, 0xFF, 0x00, 0xFF];
        let mut wire = Vec::new();
        escape_into(&data, &mut wire);
        assert_eq!(wire.len(), data.len() + 4);
        for piece in 1..=wire.len() {
            assert_eq!(
                decode_in_pieces(&wire, piece),
                vec![Event::Data(data.clone())]
            );
        }
    }

    #[test]
    fn commands_between_data_keep_their_order() {
        let mut wire = vec![b'a', 0xFF, 0xFF];
        wire.extend(negotiation(Verb::Will, COM_PORT_OPTION));
        wire.extend(ComPort::SetBaud(0x00FF_FF00 | 115).encode(Sender::Server));
        wire.push(b'b');
        for piece in 1..=wire.len() {
            let events = decode_in_pieces(&wire, piece);
            assert_eq!(events.len(), 4, "piece {piece}: {events:?}");
            assert_eq!(events[0], Event::Data(vec![b'a', 0xFF]));
            assert_eq!(events[1], Event::Negotiate(Verb::Will, COM_PORT_OPTION));
            let Event::Sub(COM_PORT_OPTION, payload) = &events[2] else {
                panic!("{events:?}");
            };
            assert_eq!(
                ComPort::decode(payload),
                Some((Sender::Server, ComPort::SetBaud(0x00FF_FF73)))
            );
            assert_eq!(events[3], Event::Data(vec![b'b']));
        }
    }

    #[test]
    fn a_baud_with_0xff_bytes_is_escaped_inside_the_sub_negotiation() {
        let wire = ComPort::SetBaud(0xFF_FF).encode(Sender::Client);
        assert_eq!(
            wire,
            [IAC, SB, 44, 1, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, IAC, SE]
        );
    }

    #[test]
    fn server_codes_are_client_codes_plus_100() {
        for command in [
            ComPort::SetBaud(921_600),
            ComPort::SetDataSize(8),
            ComPort::SetParity(1),
            ComPort::SetStopSize(1),
            ComPort::SetControl(control::DTR_ON),
            ComPort::Purge(purge::RECEIVE),
            ComPort::SetModemStateMask(0xFF),
        ] {
            let client = command.encode(Sender::Client);
            let server = command.encode(Sender::Server);
            assert_eq!(server[3], client[3] + 100);
            assert_eq!(
                ComPort::decode(&unescape_sub(&server)),
                Some((Sender::Server, command.clone()))
            );
            assert_eq!(
                ComPort::decode(&unescape_sub(&client)),
                Some((Sender::Client, command))
            );
        }
    }

    fn unescape_sub(wire: &[u8]) -> Vec<u8> {
        let mut events = Vec::new();
        Decoder::new().feed(wire, &mut events);
        match events.as_slice() {
            [Event::Sub(COM_PORT_OPTION, payload)] => payload.clone(),
            other => panic!("not one sub-negotiation: {other:?}"),
        }
    }

    #[test]
    fn a_sub_negotiation_without_se_ends_at_the_next_command() {
        let wire = [IAC, SB, 44, 5, 8, IAC, DO, BINARY, b'x'];
        let mut events = Vec::new();
        Decoder::new().feed(&wire, &mut events);
        assert_eq!(
            events,
            vec![
                Event::Sub(44, vec![5, 8]),
                Event::Negotiate(Verb::Do, BINARY),
                Event::Data(vec![b'x']),
            ]
        );
    }
}
