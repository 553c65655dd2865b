//! Commands and replies over a [`Transport`]: SLIP framing, matching replies to requests
//! and reporting every frame when tracing.

use super::reply::Reply;
use crate::error::{Error, ReadFailure, Result};
use crate::event::{Event, EventSink, Trace};
use espctl_protocol::slip::{self, SlipError};
use espctl_protocol::{Command, Opcode};
use espctl_transport::Transport;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Default time to wait for a reply (esptool: 3 s).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(3);

/// Longest wait for any single reply (esptool: 240 s).
pub const MAX_TIMEOUT: Duration = Duration::from_secs(240);

/// Error byte of the ROM's "invalid message" reply, which also means "unknown command".
const ROM_INVALID_MESSAGE: u8 = 0x05;

/// Longest frame worth waiting for: loaders send at most 4 KB of READ_FLASH data per
/// frame, so anything far longer is a stream of noise that happened to contain 0xC0.
const MAX_FRAME: usize = 64 * 1024;

/// Whether the loader answers a command it is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// A reply comes.
    Expected,
    /// RUN_USER_CODE: the stub jumps to the application without a word.
    None,
}

/// What is left of a port taken away: every call fails.
struct Unplugged {
    name: String,
}

impl Unplugged {
    fn gone() -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::NotConnected, "the port was closed")
    }
}

impl Transport for Unplugged {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> espctl_transport::TransportKind {
        espctl_transport::TransportKind::Serial
    }

    fn write_all(&mut self, _data: &[u8]) -> std::io::Result<()> {
        Err(Unplugged::gone())
    }

    fn read(&mut self, _buf: &mut [u8], _timeout: Duration) -> std::io::Result<usize> {
        Err(Unplugged::gone())
    }

    fn clear_input(&mut self) -> std::io::Result<()> {
        Err(Unplugged::gone())
    }

    fn baud(&self) -> u32 {
        0
    }

    fn set_baud(&mut self, _baud: u32) -> std::io::Result<()> {
        Err(Unplugged::gone())
    }

    fn set_dtr(&mut self, _asserted: bool) -> Result<(), espctl_transport::LineError> {
        Err(espctl_transport::LineError::Io(Unplugged::gone()))
    }

    fn set_rts(&mut self, _asserted: bool) -> Result<(), espctl_transport::LineError> {
        Err(espctl_transport::LineError::Io(Unplugged::gone()))
    }

    fn pause(&mut self, _duration: Duration) {}
}

/// A wait of at most `limit`. A read that returns nothing has waited its whole timeout
/// by the transport's definition, even when it returned at once: an in-process device
/// lets that time pass on its own clock, and the wait ends as soon as it would on a
/// real line.
struct Wait {
    since: Instant,
    quiet: Duration,
    limit: Duration,
}

impl Wait {
    fn new(limit: Duration) -> Wait {
        Wait {
            since: Instant::now(),
            quiet: Duration::ZERO,
            limit,
        }
    }

    /// What is left of the wait.
    fn left(&self) -> Duration {
        let spent = self.since.elapsed().max(self.quiet);
        self.limit.saturating_sub(spent)
    }

    /// A read waited `d` and got nothing.
    fn waited(&mut self, d: Duration) {
        self.quiet += d;
    }
}

/// The framed link to one chip.
pub struct Connection {
    transport: Box<dyn Transport>,
    decoder: slip::Decoder,
    frames: VecDeque<std::result::Result<Vec<u8>, SlipError>>,
    /// Bytes seen outside frames since the last [`Connection::take_noise`].
    noise: Vec<u8>,
    /// Whether any frame ever arrived (changes the wording of a timeout).
    got_frame: bool,
    events: EventSink,
    trace: bool,
    buf: Vec<u8>,
    /// The port was taken away ([`Connection::take_transport`]).
    unplugged: bool,
    /// Longest wait for any single reply.
    max_timeout: Duration,
    /// The wait for the reply to most commands.
    timeout: Duration,
}

impl Connection {
    /// Frames over `transport`; with `trace`, every frame is reported to `events`.
    pub fn new(transport: Box<dyn Transport>, events: EventSink, trace: bool) -> Connection {
        Connection {
            transport,
            decoder: slip::Decoder::new(),
            frames: VecDeque::new(),
            noise: Vec::new(),
            got_frame: false,
            events,
            trace,
            buf: vec![0; 64 * 1024],
            unplugged: false,
            max_timeout: MAX_TIMEOUT,
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// Sets the wait for the reply to most commands ([`DEFAULT_TIMEOUT`] by default).
    pub fn set_timeout(&mut self, timeout: Duration) {
        self.timeout = timeout;
    }

    /// The wait for the reply to most commands.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// Sets the longest wait for any single reply ([`MAX_TIMEOUT`] by default).
    pub fn set_max_timeout(&mut self, max: Duration) {
        self.max_timeout = max;
    }

    /// The port.
    pub fn transport(&mut self) -> &mut dyn Transport {
        self.transport.as_mut()
    }

    /// The port as named.
    pub fn port_name(&self) -> &str {
        self.transport.name()
    }

    /// The line's rate.
    pub fn baud(&self) -> u32 {
        self.transport.baud()
    }

    /// Gives the port back.
    pub fn into_transport(self) -> Box<dyn Transport> {
        self.transport
    }

    /// Takes the port out, leaving one that fails every call (the link is being
    /// rebuilt on the port that was taken).
    pub fn take_transport(&mut self) -> Box<dyn Transport> {
        let name = self.transport.name().to_string();
        self.unplugged = true;
        std::mem::replace(&mut self.transport, Box::new(Unplugged { name }))
    }

    /// Whether the port was taken away.
    pub fn is_unplugged(&self) -> bool {
        self.unplugged
    }

    fn io(&self, source: std::io::Error) -> Error {
        let port = self.transport.name().to_string();
        match espctl_transport::WriteTimedOut::find(&source) {
            Some(t) => Error::WriteTimeout {
                port,
                after: t.after,
            },
            None => Error::Io { port, source },
        }
    }

    fn trace(&self, t: impl FnOnce() -> Trace) {
        if self.trace {
            (self.events)(Event::Trace(t()));
        }
    }

    /// Sends one SLIP frame holding `payload`.
    pub fn write_frame(&mut self, payload: &[u8]) -> Result<()> {
        let framed = slip::encode(payload);
        self.trace(|| Trace::Write(framed.clone()));
        self.transport.write_all(&framed).map_err(|e| self.io(e))
    }

    /// Sends one lone SLIP frame delimiter (`C0`) to put a stub receiver that is out of
    /// step with the frames back in step (see `Session::resync`).
    pub fn write_delimiter(&mut self) -> Result<()> {
        self.trace(|| Trace::Write(vec![0xC0]));
        self.transport.write_all(&[0xC0]).map_err(|e| self.io(e))
    }

    /// Sends a command without waiting for its reply. `answer` only shows in `--trace`.
    pub fn send(&mut self, cmd: &Command, timeout: Duration, answer: Answer) -> Result<()> {
        let request = cmd.to_request();
        self.trace(|| Trace::Command {
            op: request.op,
            name: cmd.opcode().name(),
            data: request.data.clone(),
            wait_response: answer == Answer::Expected,
            timeout_secs: timeout.as_secs_f64(),
        });
        self.write_frame(&request.encode())
    }

    /// Forgets everything received so far (buffered, decoded and on the port).
    pub fn flush_input(&mut self) -> Result<()> {
        self.transport.clear_input().map_err(|e| self.io(e))?;
        self.noise.extend(self.decoder.take_noise());
        self.decoder.reset();
        self.frames.clear();
        Ok(())
    }

    /// Takes the bytes received outside frames (a boot log, noise).
    pub fn take_noise(&mut self) -> Vec<u8> {
        self.noise.extend(self.decoder.take_noise());
        std::mem::take(&mut self.noise)
    }

    /// Reads whatever arrives within `window` without expecting frames, keeping frames
    /// for later and noise for [`Connection::take_noise`].
    pub fn collect_for(&mut self, window: Duration) -> Result<()> {
        let wait = Wait::new(window);
        loop {
            let left = wait.left();
            if left.is_zero() {
                return Ok(());
            }
            if self.fill(left)? == 0 {
                return Ok(());
            }
        }
    }

    /// Reads once from the port (waiting up to `timeout`) and decodes what came.
    fn fill(&mut self, timeout: Duration) -> Result<usize> {
        let n = match self.transport.read(&mut self.buf, timeout) {
            Ok(n) => n,
            Err(e) => return Err(self.io(e)),
        };
        if n > 0 {
            let bytes = &self.buf[..n];
            if self.trace {
                (self.events)(Event::Trace(Trace::Read(bytes.to_vec())));
            }
            for frame in self.decoder.feed(bytes) {
                self.frames.push_back(frame);
            }
            let noise = self.decoder.take_noise();
            if !noise.is_empty() {
                self.trace(|| Trace::Noise(noise.clone()));
                self.noise.extend(noise);
            }
        }
        Ok(n)
    }

    /// Waits for the next frame. `timeout` restarts whenever bytes of a frame arrive, so
    /// a long frame on a slow line does not time out; bytes outside frames (a chip that
    /// runs its application and prints) do not restart it, or such a chip would keep
    /// espctl waiting forever.
    pub fn read_frame(&mut self, timeout: Duration) -> Result<Vec<u8>> {
        let mut wait = Wait::new(timeout);
        loop {
            if let Some(frame) = self.frames.pop_front() {
                return match frame {
                    Ok(f) => {
                        self.got_frame = true;
                        self.trace(|| Trace::Packet(f.clone()));
                        Ok(f)
                    }
                    Err(SlipError::InvalidEscape(b)) => {
                        Err(Error::Read(ReadFailure::InvalidEscape(b)))
                    }
                };
            }
            let left = wait.left();
            if left.is_zero() {
                return Err(Error::Read(self.silence()));
            }
            let got = self.fill(left)?;
            if got == 0 {
                wait.waited(left);
            }
            if self.decoder.partial_len() > MAX_FRAME {
                let len = self.decoder.partial_len();
                self.noise.extend(self.decoder.take_noise());
                self.decoder.reset();
                return Err(Error::Read(ReadFailure::FrameTooLong(len)));
            }
            if got > 0 && (self.decoder.in_frame() || !self.frames.is_empty()) {
                wait = Wait::new(timeout);
            }
        }
    }

    /// What a timeout means given what was received so far.
    fn silence(&self) -> ReadFailure {
        if self.decoder.in_frame() {
            ReadFailure::PartialFrame(self.decoder.partial_len())
        } else if self.got_frame {
            ReadFailure::StreamStopped
        } else {
            ReadFailure::NoData
        }
    }

    /// Waits for the reply to `op`, skipping unrelated frames (the ESP8266 sends extra
    /// SYNC replies) as esptool does, for at most 100 frames.
    pub fn wait_reply(&mut self, op: Opcode, timeout: Duration) -> Result<Reply> {
        let timeout = timeout.min(self.max_timeout);
        for _ in 0..100 {
            let frame = self.read_frame(timeout).map_err(|e| match e {
                Error::Read(failure) => Error::NoReply { op, failure },
                other => other,
            })?;
            let Ok((reply_op, value, body)) = espctl_protocol::Response::peek(&frame) else {
                continue; // shorter than a header or not a response: noise
            };
            if reply_op == op as u8 {
                return Ok(Reply {
                    value,
                    body: body.to_vec(),
                });
            }
            if body.len() >= 2 && body[0] != 0 && body[1] == ROM_INVALID_MESSAGE {
                // The ROM repeats its "invalid message" reply; let it finish, then drop it.
                self.collect_for(Duration::from_millis(50))?;
                self.flush_input()?;
                return Err(Error::UnsupportedCommand { op });
            }
        }
        Err(Error::ResponseMismatch { op })
    }

    /// Sends `cmd` and waits for its reply.
    pub fn command(&mut self, cmd: &Command, timeout: Duration) -> Result<Reply> {
        self.send(cmd, timeout, Answer::Expected)?;
        self.wait_reply(cmd.opcode(), timeout)
    }

    /// Sends `cmd`, waits for the reply, checks its status and returns the value and
    /// `data_len` bytes of data. `what` completes "Failed to ..." in errors.
    pub fn check(
        &mut self,
        what: &str,
        cmd: &Command,
        data_len: usize,
        timeout: Duration,
    ) -> Result<(u32, Vec<u8>)> {
        self.command(cmd, timeout)?.check(what, data_len)
    }
}

#[cfg(test)]
mod tests;
