//! Telnet option negotiation (RFC 854/855) for the options an RFC 2217 line uses, the
//! same on both ends: each end offers what it wants, agrees to what it supports, refuses
//! the rest, and answers a request only when it changes an option's state, so offers
//! that cross on the wire never loop.

use super::wire::{BINARY, COM_PORT_OPTION, SGA, Verb, negotiation};

/// The options both ends want, each way: 8-bit data, no go-aheads, the COM port.
const WANTED: [u8; 3] = [BINARY, SGA, COM_PORT_OPTION];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum State {
    #[default]
    Off,
    Asked,
    On,
}

/// The state of every option on this end ("we") and the other ("they").
#[derive(Debug, Clone)]
pub struct Negotiator {
    we: [State; 256],
    they: [State; 256],
}

impl Default for Negotiator {
    fn default() -> Self {
        Negotiator {
            we: [State::Off; 256],
            they: [State::Off; 256],
        }
    }
}

impl Negotiator {
    /// Nothing negotiated yet.
    pub fn new() -> Negotiator {
        Negotiator::default()
    }

    /// The opening offers: WILL and DO for each wanted option.
    pub fn offer(&mut self) -> Vec<u8> {
        let mut out = Vec::new();
        for option in WANTED {
            self.we[option as usize] = State::Asked;
            self.they[option as usize] = State::Asked;
            out.extend(negotiation(Verb::Will, option));
            out.extend(negotiation(Verb::Do, option));
        }
        out
    }

    /// Takes the other end's `verb` for `option`; returns the answer to send, if any.
    pub fn receive(&mut self, verb: Verb, option: u8) -> Option<[u8; 3]> {
        let supported = WANTED.contains(&option);
        let (state, yes, no) = match verb {
            Verb::Will | Verb::Wont => (&mut self.they[option as usize], Verb::Do, Verb::Dont),
            Verb::Do | Verb::Dont => (&mut self.we[option as usize], Verb::Will, Verb::Wont),
        };
        match verb {
            Verb::Will | Verb::Do if !supported => Some(negotiation(no, option)),
            Verb::Will | Verb::Do => {
                let previous = std::mem::replace(state, State::On);
                (previous == State::Off).then(|| negotiation(yes, option))
            }
            Verb::Wont | Verb::Dont => {
                let previous = std::mem::replace(state, State::Off);
                (previous == State::On).then(|| negotiation(no, option))
            }
        }
    }

    /// Whether both ends agreed that this end uses `option`.
    pub fn we_use(&self, option: u8) -> bool {
        self.we[option as usize] == State::On
    }

    /// Whether both ends agreed that the other end uses `option`.
    #[cfg(test)]
    pub fn they_use(&self, option: u8) -> bool {
        self.they[option as usize] == State::On
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rfc2217::wire::{ECHO, Event};

    fn verbs(bytes: &[u8]) -> Vec<(Verb, u8)> {
        let mut events = Vec::new();
        crate::rfc2217::wire::Decoder::new().feed(bytes, &mut events);
        events
            .into_iter()
            .map(|e| match e {
                Event::Negotiate(v, o) => (v, o),
                other => panic!("not a negotiation: {other:?}"),
            })
            .collect()
    }

    #[test]
    fn crossing_offers_settle_without_answers() {
        let (mut a, mut b) = (Negotiator::new(), Negotiator::new());
        let from_a = a.offer();
        let from_b = b.offer();
        for (verb, option) in verbs(&from_b) {
            assert_eq!(a.receive(verb, option), None);
        }
        for (verb, option) in verbs(&from_a) {
            assert_eq!(b.receive(verb, option), None);
        }
        for option in WANTED {
            assert!(a.we_use(option) && a.they_use(option));
            assert!(b.we_use(option) && b.they_use(option));
        }
    }

    #[test]
    fn a_request_is_answered_once_and_unknown_options_are_refused() {
        let mut n = Negotiator::new();
        assert_eq!(
            n.receive(Verb::Will, COM_PORT_OPTION),
            Some(negotiation(Verb::Do, COM_PORT_OPTION))
        );
        assert_eq!(n.receive(Verb::Will, COM_PORT_OPTION), None);
        assert!(n.they_use(COM_PORT_OPTION));
        assert_eq!(
            n.receive(Verb::Do, BINARY),
            Some(negotiation(Verb::Will, BINARY))
        );
        assert_eq!(
            n.receive(Verb::Do, ECHO),
            Some(negotiation(Verb::Wont, ECHO))
        );
        assert_eq!(
            n.receive(Verb::Will, ECHO),
            Some(negotiation(Verb::Dont, ECHO))
        );
        assert_eq!(
            n.receive(Verb::Dont, BINARY),
            Some(negotiation(Verb::Wont, BINARY))
        );
        assert!(!n.we_use(BINARY));
        assert_eq!(n.receive(Verb::Dont, BINARY), None);
    }
}
