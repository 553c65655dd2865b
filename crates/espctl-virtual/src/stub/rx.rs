//! How the flasher stub receives frames (esp-flasher-stub `slip.c`, `frame_buffer.c`).
//!
//! The stub's receive interrupt decodes SLIP into one of two frame buffers of
//! [`FRAME_BUFFER_SIZE`] bytes. Its state machine differs from a tolerant decoder in
//! ways a client can trip over:
//!
//! * a `C0` opens a frame only while a buffer is armed. After a frame completes, no
//!   buffer is armed until the main loop takes that frame; a frame that starts earlier
//!   is ignored byte by byte until the next `C0`;
//! * `C0 C0` is an empty frame that puts the receiver back to "no frame": the bytes
//!   after it are ignored until the next `C0`, which opens a frame. So a stray `C0`
//!   (or a lost frame whose closing `C0` found a buffer) leaves the receiver out of step:
//!   every following `C0 payload C0` frame is lost until the host sends a `C0` between
//!   frames;
//! * a frame longer than its buffer, or a bad escape, is dropped without an answer and
//!   the receiver waits for the next `C0`, with the same consequence.

/// Bytes of one frame buffer: the header, a 16 KB data block and some slack.
pub const FRAME_BUFFER_SIZE: usize = 8 + 0x4000 + 0xFF;

const END: u8 = 0xC0;
const ESC: u8 = 0xDB;
const ESC_END: u8 = 0xDC;
const ESC_ESC: u8 = 0xDD;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    NoFrame,
    InFrame,
    Escaping,
}

/// What one received byte did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RxEvent {
    /// Nothing the firmware notices yet.
    None,
    /// A complete frame for the main loop.
    Frame(Vec<u8>),
    /// The firmware will never see the frame these bytes belong to.
    Lost,
}

#[derive(Debug)]
pub struct StubRx {
    state: State,
    frame: Vec<u8>,
    /// Bytes are being ignored since a loss was counted (one loss per frame).
    losing: bool,
}

impl Default for StubRx {
    fn default() -> Self {
        StubRx::new()
    }
}

impl StubRx {
    pub fn new() -> StubRx {
        StubRx {
            state: State::NoFrame,
            frame: Vec::new(),
            losing: false,
        }
    }

    /// One byte from the UART. `armed` says whether a frame buffer is free to receive
    /// into (asked only when a `C0` could open a frame).
    pub fn push(&mut self, byte: u8, armed: impl FnOnce() -> bool) -> RxEvent {
        match self.state {
            State::NoFrame => {
                if byte == END && armed() {
                    self.frame.clear();
                    self.state = State::InFrame;
                    self.losing = false;
                    RxEvent::None
                } else {
                    self.lose()
                }
            }
            State::InFrame => match byte {
                END => {
                    self.state = State::NoFrame;
                    if self.frame.is_empty() {
                        // `C0 C0`: the buffer stays armed, the receiver waits for a `C0`.
                        RxEvent::None
                    } else {
                        RxEvent::Frame(std::mem::take(&mut self.frame))
                    }
                }
                ESC => {
                    self.state = State::Escaping;
                    RxEvent::None
                }
                _ => self.put(byte),
            },
            State::Escaping => {
                self.state = State::InFrame;
                match byte {
                    ESC_END => self.put(END),
                    ESC_ESC => self.put(ESC),
                    _ => self.drop_frame(),
                }
            }
        }
    }

    fn put(&mut self, byte: u8) -> RxEvent {
        if self.frame.len() < FRAME_BUFFER_SIZE {
            self.frame.push(byte);
            RxEvent::None
        } else {
            self.drop_frame()
        }
    }

    fn drop_frame(&mut self) -> RxEvent {
        self.frame.clear();
        self.state = State::NoFrame;
        self.losing = true;
        RxEvent::Lost
    }

    /// A byte ignored outside a frame: the first of a run is a lost frame.
    fn lose(&mut self) -> RxEvent {
        if std::mem::replace(&mut self.losing, true) {
            RxEvent::None
        } else {
            RxEvent::Lost
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(rx: &mut StubRx, bytes: &[u8]) -> Vec<RxEvent> {
        bytes
            .iter()
            .map(|&b| rx.push(b, || true))
            .filter(|e| *e != RxEvent::None)
            .collect()
    }

    #[test]
    fn frames_with_escapes_come_through() {
        let mut rx = StubRx::new();
        let events = feed(
            &mut rx,
            &[0xC0, 1, 0xDB, 0xDC, 0xDB, 0xDD, 2, 0xC0, 0xC0, 3, 0xC0],
        );
        assert_eq!(
            events,
            vec![
                RxEvent::Frame(vec![1, 0xC0, 0xDB, 2]),
                RxEvent::Frame(vec![3])
            ]
        );
    }

    #[test]
    fn an_empty_frame_leaves_the_receiver_out_of_step() {
        let mut rx = StubRx::new();
        // A frame, a stray C0, then two ordinary frames: the stray C0 opens a frame that
        // the next frame's first C0 closes empty; its payload is ignored.
        assert_eq!(
            feed(&mut rx, &[0xC0, 9, 0xC0]),
            vec![RxEvent::Frame(vec![9])]
        );
        let events = feed(&mut rx, &[0xC0, 0xC0, 1, 0xC0, 0xC0, 2, 0xC0]);
        assert_eq!(events, vec![RxEvent::Lost, RxEvent::Lost]);
        // A C0 between frames puts it back in step.
        let events = feed(&mut rx, &[0xC0, 0xC0, 3, 0xC0]);
        assert_eq!(events, vec![RxEvent::Frame(vec![3])]);
    }

    #[test]
    fn an_oversized_frame_is_dropped() {
        let mut rx = StubRx::new();
        let mut bytes = vec![0xC0];
        bytes.extend(vec![0x11; FRAME_BUFFER_SIZE + 1]);
        bytes.push(0xC0);
        let events = feed(&mut rx, &bytes);
        assert_eq!(events, vec![RxEvent::Lost]);
        // Its closing C0 opened a frame: the next frame is lost too.
        assert_eq!(feed(&mut rx, &[0xC0, 5, 0xC0]), vec![RxEvent::Lost]);
        // Exactly one buffer full is fine.
        let mut rx = StubRx::new();
        let mut bytes = vec![0xC0];
        bytes.extend(vec![0x11; FRAME_BUFFER_SIZE]);
        bytes.push(0xC0);
        assert!(
            matches!(&feed(&mut rx, &bytes)[..], [RxEvent::Frame(f)] if f.len() == FRAME_BUFFER_SIZE)
        );
    }

    #[test]
    fn without_a_buffer_a_frame_is_ignored() {
        let mut rx = StubRx::new();
        let mut events = Vec::new();
        for &b in &[0xC0, 1, 2, 0xC0] {
            events.push(rx.push(b, || false));
        }
        assert_eq!(events.iter().filter(|e| **e == RxEvent::Lost).count(), 1);
        assert_eq!(
            feed(&mut rx, &[0xC0, 9, 0xC0]),
            vec![RxEvent::Frame(vec![9])]
        );
    }
}
