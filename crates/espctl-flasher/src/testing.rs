//! Test doubles for the transport.

use crate::transport::{LineError, Transport, TransportKind};
use std::collections::VecDeque;
use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Answers each write with the next scripted chunk of bytes; records what was written
/// and every DTR/RTS change.
pub struct ScriptedTransport {
    replies: VecDeque<Vec<u8>>,
    pending: VecDeque<u8>,
    pub log: Arc<Mutex<Log>>,
    lines: bool,
}

#[derive(Debug, Default)]
pub struct Log {
    pub written: Vec<Vec<u8>>,
    pub lines: Vec<(Option<bool>, Option<bool>)>,
    pub pauses: Vec<Duration>,
}

impl ScriptedTransport {
    pub fn replying(replies: Vec<Vec<u8>>) -> ScriptedTransport {
        ScriptedTransport {
            replies: replies.into(),
            pending: VecDeque::new(),
            log: Arc::default(),
            lines: true,
        }
    }

    pub fn without_lines(mut self) -> ScriptedTransport {
        self.lines = false;
        self
    }
}

impl Transport for ScriptedTransport {
    fn name(&self) -> &str {
        "scripted"
    }

    fn kind(&self) -> TransportKind {
        TransportKind::Serial
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.log.lock().unwrap().written.push(data.to_vec());
        if let Some(r) = self.replies.pop_front() {
            self.pending.extend(r);
        }
        Ok(())
    }

    fn read(&mut self, buf: &mut [u8], _timeout: Duration) -> io::Result<usize> {
        let n = buf.len().min(self.pending.len());
        for b in buf.iter_mut().take(n) {
            *b = self.pending.pop_front().unwrap();
        }
        Ok(n)
    }

    fn clear_input(&mut self) -> io::Result<()> {
        self.pending.clear();
        Ok(())
    }

    fn baud(&self) -> u32 {
        115_200
    }

    fn set_baud(&mut self, _baud: u32) -> io::Result<()> {
        Ok(())
    }

    fn set_dtr(&mut self, asserted: bool) -> Result<(), LineError> {
        if !self.lines {
            return Err(LineError::Unsupported);
        }
        self.log.lock().unwrap().lines.push((Some(asserted), None));
        Ok(())
    }

    fn set_rts(&mut self, asserted: bool) -> Result<(), LineError> {
        if !self.lines {
            return Err(LineError::Unsupported);
        }
        self.log.lock().unwrap().lines.push((None, Some(asserted)));
        Ok(())
    }

    fn set_dtr_rts(&mut self, dtr: bool, rts: bool) -> Result<(), LineError> {
        if !self.lines {
            return Err(LineError::Unsupported);
        }
        self.log.lock().unwrap().lines.push((Some(dtr), Some(rts)));
        Ok(())
    }

    fn pause(&mut self, duration: Duration) {
        self.log.lock().unwrap().pauses.push(duration);
    }
}
