//! SLIP framing (RFC 1055 with the ESP conventions).
//!
//! A frame is `0xC0`, the escaped payload, `0xC0`. Inside a frame `0xDB` is sent as
//! `DB DD` and `0xC0` as `DB DC`. Bytes seen between frames (a boot log, line noise) are
//! kept apart so a client can show them to the user.

use thiserror::Error;

/// Starts and ends every frame.
pub const END: u8 = 0xC0;
/// Starts an escape sequence inside a frame.
pub const ESC: u8 = 0xDB;
/// After [`ESC`]: a payload byte 0xC0.
pub const ESC_END: u8 = 0xDC;
/// After [`ESC`]: a payload byte 0xDB.
pub const ESC_ESC: u8 = 0xDD;

/// Appends the SLIP frame of `payload` to `out`.
pub fn encode_into(payload: &[u8], out: &mut Vec<u8>) {
    out.reserve(payload.len() + payload.len() / 32 + 2);
    out.push(END);
    for &b in payload {
        match b {
            END => out.extend_from_slice(&[ESC, ESC_END]),
            ESC => out.extend_from_slice(&[ESC, ESC_ESC]),
            _ => out.push(b),
        }
    }
    out.push(END);
}

/// The SLIP frame of `payload`.
pub fn encode(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(payload, &mut out);
    out
}

/// A frame that is not valid SLIP.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SlipError {
    /// `0xDB` followed by something other than `0xDC` or `0xDD`.
    #[error("Invalid SLIP escape (0xdb, 0x{0:02x}).")]
    InvalidEscape(u8),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Idle,
    InFrame,
    Escape,
}

/// Incremental SLIP decoder: feed it bytes as they arrive, in any split.
#[derive(Debug, Clone)]
pub struct Decoder {
    state: State,
    frame: Vec<u8>,
    noise: Vec<u8>,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new()
    }
}

/// Bytes of noise kept at most; older noise is dropped.
const NOISE_LIMIT: usize = 64 * 1024;

impl Decoder {
    /// A decoder between frames, with no noise kept yet.
    pub fn new() -> Decoder {
        Decoder {
            state: State::Idle,
            frame: Vec::new(),
            noise: Vec::new(),
        }
    }

    /// Takes one byte; returns a payload when this byte completes a frame.
    ///
    /// Two `0xC0` in a row are an empty frame, which carries nothing: the decoder simply
    /// stays inside the (new) frame, so `C0 C0 payload C0` yields one payload.
    pub fn push(&mut self, byte: u8) -> Option<Result<Vec<u8>, SlipError>> {
        match self.state {
            State::Idle => {
                if byte == END {
                    self.state = State::InFrame;
                } else {
                    if self.noise.len() >= NOISE_LIMIT {
                        self.noise.drain(..NOISE_LIMIT / 2);
                    }
                    self.noise.push(byte);
                }
                None
            }
            State::InFrame => match byte {
                END if self.frame.is_empty() => None,
                END => {
                    self.state = State::Idle;
                    Some(Ok(std::mem::take(&mut self.frame)))
                }
                ESC => {
                    self.state = State::Escape;
                    None
                }
                _ => {
                    self.frame.push(byte);
                    None
                }
            },
            State::Escape => match byte {
                ESC_END | ESC_ESC => {
                    self.frame.push(if byte == ESC_END { END } else { ESC });
                    self.state = State::InFrame;
                    None
                }
                _ => {
                    self.frame.clear();
                    self.state = State::Idle;
                    Some(Err(SlipError::InvalidEscape(byte)))
                }
            },
        }
    }

    /// Takes many bytes; returns every frame (or framing error) they complete, in order.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Result<Vec<u8>, SlipError>> {
        bytes.iter().filter_map(|&b| self.push(b)).collect()
    }

    /// Whether the decoder is inside a frame.
    pub fn in_frame(&self) -> bool {
        self.state != State::Idle
    }

    /// Payload bytes of the frame received so far (0 between frames).
    pub fn partial_len(&self) -> usize {
        self.frame.len()
    }

    /// The bytes received outside any frame since the last call.
    pub fn take_noise(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.noise)
    }

    /// Forgets a partly received frame and any noise.
    pub fn reset(&mut self) {
        *self = Decoder::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn escapes_end_and_esc() {
        assert_eq!(
            encode(&[0x01, 0xC0, 0x02, 0xDB, 0x03]),
            vec![0xC0, 0x01, 0xDB, 0xDC, 0x02, 0xDB, 0xDD, 0x03, 0xC0]
        );
    }

    #[test]
    fn decodes_escapes() {
        let mut d = Decoder::new();
        let frames = d.feed(&[0xC0, 0xDB, 0xDC, 0xDB, 0xDD, 0x42, 0xC0]);
        assert_eq!(frames, vec![Ok(vec![0xC0, 0xDB, 0x42])]);
    }

    #[test]
    fn keeps_garbage_between_frames_as_noise() {
        let mut d = Decoder::new();
        let mut stream = b"ets Jan  8 2013,rst cause:2, boot mode:(3,6)\r\n".to_vec();
        stream.extend(encode(&[1, 2, 3]));
        stream.extend(b"xx");
        stream.extend(encode(&[4]));
        let frames = d.feed(&stream);
        assert_eq!(frames, vec![Ok(vec![1, 2, 3]), Ok(vec![4])]);
        let noise = d.take_noise();
        assert!(noise.starts_with(b"ets Jan  8 2013"));
        assert!(noise.ends_with(b"\r\nxx"));
        assert!(d.take_noise().is_empty());
    }

    #[test]
    fn empty_frames_yield_nothing() {
        let mut d = Decoder::new();
        assert!(d.feed(&[0xC0, 0xC0]).is_empty());
        assert_eq!(d.feed(&[0x07, 0xC0]), vec![Ok(vec![0x07])]);
        assert!(d.take_noise().is_empty());
    }

    #[test]
    fn reports_invalid_escape_and_recovers() {
        let mut d = Decoder::new();
        let frames = d.feed(&[0xC0, 0x01, 0xDB, 0x05, 0x06, 0xC0, 0x09, 0xC0]);
        // After the bad escape the decoder is between frames: 0x06 is noise, the C0
        // starts a frame that holds 0x09.
        assert_eq!(
            frames,
            vec![Err(SlipError::InvalidEscape(0x05)), Ok(vec![0x09])]
        );
        assert_eq!(d.take_noise(), vec![0x06]);
    }

    #[test]
    fn tracks_a_partial_frame() {
        let mut d = Decoder::new();
        assert!(d.feed(&[0xC0, 1, 2]).is_empty());
        assert!(d.in_frame());
        assert_eq!(d.partial_len(), 2);
    }

    proptest! {
        #[test]
        fn round_trips_with_any_split(
            payloads in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 1..300), 1..6),
            split in 1usize..17,
        ) {
            let mut stream = Vec::new();
            for p in &payloads {
                encode_into(p, &mut stream);
            }
            let mut d = Decoder::new();
            let mut got = Vec::new();
            for chunk in stream.chunks(split) {
                got.extend(d.feed(chunk).into_iter().map(|f| f.unwrap()));
            }
            prop_assert_eq!(got, payloads);
            prop_assert!(d.take_noise().is_empty());
        }

        #[test]
        fn encoded_frames_hold_no_inner_end_byte(payload in proptest::collection::vec(any::<u8>(), 0..200)) {
            let framed = encode(&payload);
            prop_assert!(framed[1..framed.len() - 1].iter().all(|&b| b != END));
        }
    }
}
