//! The receiving side: a byte stream into data, negotiations and sub-negotiations.

use super::*;

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
