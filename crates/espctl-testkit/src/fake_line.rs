//! The one fake port of the library's tests: a [`Transport`] whose far end is whatever
//! [`Behaviour`] a test gives it (a script of replies, a device that lies, a chip that
//! only chatters, an unplugged adapter). It records what the host wrote, every DTR/RTS
//! change and every pause; time does not pass (pauses return at once).
//!
//! Tests that need a faithful chip use the virtual device (`espctl-virtual-port`)
//! instead; this is for what no real chip would do.

use espctl_transport::{LineError, Transport, TransportKind};
use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the far end does with the bytes the host sends, and what it sends back.
pub trait Behaviour: Send {
    /// The host wrote `data`.
    fn heard(&mut self, data: &[u8]);
    /// Fills the start of `buf` with what the far end sends next; returns how much (0:
    /// nothing within the timeout).
    fn said(&mut self, buf: &mut [u8]) -> io::Result<usize>;
    /// The host dropped its input buffer.
    fn input_cleared(&mut self) {}
}

/// What the host did on the line.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LineLog {
    /// Every write, as written.
    pub written: Vec<Vec<u8>>,
    /// Every modem-line change: `(DTR, RTS)`, `None` where a line was left alone.
    pub lines: Vec<(Option<bool>, Option<bool>)>,
    /// Every pause.
    pub pauses: Vec<Duration>,
}

/// A port whose far end is `B`.
pub struct FakeLine<B> {
    behaviour: B,
    log: Arc<Mutex<LineLog>>,
    reset_lines: bool,
    baud: u32,
}

impl<B: Behaviour> FakeLine<B> {
    /// A port with DTR/RTS at 115200 baud.
    pub fn new(behaviour: B) -> FakeLine<B> {
        FakeLine {
            behaviour,
            log: Arc::default(),
            reset_lines: true,
            baud: 115_200,
        }
    }

    /// A port without modem lines (like a pty): DTR/RTS changes are refused.
    pub fn without_reset_lines(mut self) -> FakeLine<B> {
        self.reset_lines = false;
        self
    }

    /// What the host did, shared: it stays readable after the port moved into a session.
    pub fn log(&self) -> Arc<Mutex<LineLog>> {
        self.log.clone()
    }

    fn record(&self, f: impl FnOnce(&mut LineLog)) {
        f(&mut self.log.lock().unwrap_or_else(|p| p.into_inner()));
    }

    fn lines(&self, dtr: Option<bool>, rts: Option<bool>) -> Result<(), LineError> {
        if !self.reset_lines {
            return Err(LineError::Unsupported);
        }
        self.record(|l| l.lines.push((dtr, rts)));
        Ok(())
    }
}

impl<B: Behaviour> Transport for FakeLine<B> {
    fn name(&self) -> &str {
        "fake-line"
    }

    fn kind(&self) -> TransportKind {
        TransportKind::Serial
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.record(|l| l.written.push(data.to_vec()));
        self.behaviour.heard(data);
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8], _timeout: Duration) -> io::Result<usize> {
        self.behaviour.said(buf)
    }

    fn clear_input(&mut self) -> io::Result<()> {
        self.behaviour.input_cleared();
        Ok(())
    }

    fn baud(&self) -> u32 {
        self.baud
    }

    fn set_baud(&mut self, baud: u32) -> io::Result<()> {
        self.baud = baud;
        Ok(())
    }

    fn set_dtr(&mut self, asserted: bool) -> Result<(), LineError> {
        self.lines(Some(asserted), None)
    }

    fn set_rts(&mut self, asserted: bool) -> Result<(), LineError> {
        self.lines(None, Some(asserted))
    }

    fn set_dtr_rts(&mut self, dtr: bool, rts: bool) -> Result<(), LineError> {
        self.lines(Some(dtr), Some(rts))
    }

    fn pause(&mut self, duration: Duration) {
        self.record(|l| l.pauses.push(duration));
    }
}

/// A far end that answers each write with the next scripted chunk of bytes.
#[derive(Debug, Default)]
pub struct Script {
    replies: VecDeque<Vec<u8>>,
    pending: VecDeque<u8>,
}

impl Script {
    /// Answers the first write with `replies[0]`, the second with `replies[1]`, ...
    pub fn replying(replies: Vec<Vec<u8>>) -> Script {
        Script {
            replies: replies.into(),
            pending: VecDeque::new(),
        }
    }
}

impl Behaviour for Script {
    fn heard(&mut self, _data: &[u8]) {
        if let Some(r) = self.replies.pop_front() {
            self.pending.extend(r);
        }
    }

    fn said(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.pending.len());
        for (slot, b) in buf.iter_mut().zip(self.pending.drain(..n)) {
            *slot = b;
        }
        Ok(n)
    }

    fn input_cleared(&mut self) {
        self.pending.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_script_answers_writes_in_order_and_the_log_keeps_what_happened() {
        let mut line = FakeLine::new(Script::replying(vec![b"one".to_vec(), b"two".to_vec()]));
        let log = line.log();
        let mut buf = [0u8; 8];
        assert_eq!(line.read(&mut buf, Duration::ZERO).unwrap(), 0);
        line.write_all(b"a").unwrap();
        line.write_all(b"b").unwrap();
        assert_eq!(line.read(&mut buf, Duration::ZERO).unwrap(), 6);
        assert_eq!(&buf[..6], b"onetwo");
        line.set_dtr_rts(true, false).unwrap();
        line.pause(Duration::from_millis(5));
        let log = log.lock().unwrap();
        assert_eq!(log.written, [b"a".to_vec(), b"b".to_vec()]);
        assert_eq!(log.lines, [(Some(true), Some(false))]);
        assert_eq!(log.pauses, [Duration::from_millis(5)]);
    }

    #[test]
    fn a_line_without_reset_lines_refuses_them() {
        let mut line = FakeLine::new(Script::default()).without_reset_lines();
        assert!(matches!(line.set_dtr(true), Err(LineError::Unsupported)));
        assert!(line.log().lock().unwrap().lines.is_empty());
    }
}
