//! `rfc2217://host:port[?ign_set_control]`: a serial port on another machine, behind an
//! RFC 2217 server (`espctl serve-port`, esptool's `esp_rfc2217_server`, ser2net). The
//! rate, DTR/RTS and purges travel as COM-PORT commands; each waits for the server's
//! answer, except line changes with `ign_set_control` (servers that never answer them).

use super::options::Negotiator;
use super::wire::{self, COM_PORT_OPTION, ComPort, Decoder, Event, Sender, control, purge};
use crate::socket::connect_tcp;
use crate::{LineError, OpenError, Transport, TransportKind};
use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// How long closing waits for the server to close its side.
const CLOSE_WAIT: Duration = Duration::from_millis(500);
/// How long the server may take to answer a negotiation or a command (pyserial: 3 s).
const DEFAULT_NETWORK_TIMEOUT: Duration = Duration::from_secs(3);

/// What the URL's query asks for.
#[derive(Debug, Clone, Copy, PartialEq)]
struct UrlOptions {
    ign_set_control: bool,
    network_timeout: Duration,
}

/// Splits `host:port?opt&opt` into the address and its options.
fn parse_url(rest: &str) -> Result<(&str, UrlOptions), String> {
    let (addr, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mut options = UrlOptions {
        ign_set_control: false,
        network_timeout: DEFAULT_NETWORK_TIMEOUT,
    };
    for option in query.split('&').filter(|o| !o.is_empty()) {
        match option.split_once('=') {
            None if option == "ign_set_control" => options.ign_set_control = true,
            // pyserial's other options: poll_modem has nothing to poll for here, and
            // logging is pyserial's own.
            None if option == "poll_modem" => {}
            Some(("logging", _)) => {}
            Some(("timeout", secs)) => {
                options.network_timeout = secs
                    .parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && *s > 0.0)
                    .map(Duration::from_secs_f64)
                    .ok_or_else(|| format!("timeout '{secs}' is not a number of seconds"))?;
            }
            _ => {
                return Err(format!(
                    "unknown option '{option}' (use ign_set_control or timeout=SECONDS)"
                ));
            }
        }
    }
    if addr.is_empty() {
        return Err("no host:port after rfc2217://".into());
    }
    Ok((addr, options))
}

/// A serial port reached through an RFC 2217 server.
pub struct Rfc2217Transport {
    name: String,
    stream: TcpStream,
    decoder: Decoder,
    options: Negotiator,
    /// Serial data received, not yet read.
    data: VecDeque<u8>,
    /// The server's COM-PORT answers and notifications, oldest first.
    answers: VecDeque<ComPort>,
    baud: u32,
    url: UrlOptions,
}

/// How many unclaimed server messages are kept (notifications nobody waits for).
const KEPT_ANSWERS: usize = 32;

impl Rfc2217Transport {
    /// Connects to the server in `rest` (`host:port[?options]`, what follows
    /// `rfc2217://`), negotiates, and sets the port to `baud`, 8N1, no flow control;
    /// `name` is the URL as the user wrote it.
    pub fn connect(name: &str, rest: &str, baud: u32) -> Result<Rfc2217Transport, OpenError> {
        let (addr, url) = parse_url(rest).map_err(|why| OpenError::BadName {
            port: name.to_string(),
            message: format!("{name}: {why}"),
        })?;
        let stream = connect_tcp(name, addr)?;
        let mut t = Rfc2217Transport {
            name: name.to_string(),
            stream,
            decoder: Decoder::new(),
            options: Negotiator::new(),
            data: VecDeque::new(),
            answers: VecDeque::new(),
            baud,
            url,
        };
        t.negotiate().map_err(|e| OpenError::new(name, e))?;
        t.configure(baud).map_err(|e| OpenError::new(name, e))?;
        Ok(t)
    }

    fn negotiate(&mut self) -> io::Result<()> {
        let offer = self.options.offer();
        self.stream.write_all(&offer)?;
        let deadline = Instant::now() + self.url.network_timeout;
        while !self.options.we_use(COM_PORT_OPTION) {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the server did not agree to RFC 2217 (COM-PORT-OPTION); \
                     for a raw TCP serial port use socket://",
                ));
            }
            self.pump(left)?;
        }
        Ok(())
    }

    fn configure(&mut self, baud: u32) -> io::Result<()> {
        let mut out = Vec::new();
        for command in [
            ComPort::SetBaud(baud),
            ComPort::SetDataSize(8),
            ComPort::SetParity(1),
            ComPort::SetStopSize(1),
        ] {
            out.extend(command.encode(Sender::Client));
        }
        self.stream.write_all(&out)?;
        let got = self.answer("SET-BAUDRATE", |a| matches!(a, ComPort::SetBaud(_)))?;
        self.check_baud(baud, got)?;
        self.answer("SET-DATASIZE", |a| matches!(a, ComPort::SetDataSize(_)))?;
        self.answer("SET-PARITY", |a| matches!(a, ComPort::SetParity(_)))?;
        self.answer("SET-STOPSIZE", |a| matches!(a, ComPort::SetStopSize(_)))?;
        // DTR and RTS stay as they are: a reset is the reset strategy's business, and
        // `--before no-reset` must find the chip untouched.
        self.control(&[control::FLOW_NONE]).map_err(line_to_io)?;
        self.clear_input()
    }

    fn check_baud(&mut self, asked: u32, got: ComPort) -> io::Result<()> {
        match got {
            ComPort::SetBaud(b) if b == asked => {
                self.baud = b;
                Ok(())
            }
            other => Err(io::Error::other(format!(
                "the RFC 2217 server did not switch to {asked} baud (it answered {other:?})"
            ))),
        }
    }

    /// Sends SET-CONTROL values in one packet and waits for each answer.
    fn control(&mut self, values: &[u8]) -> Result<(), LineError> {
        let mut out = Vec::new();
        for &v in values {
            out.extend(ComPort::SetControl(v).encode(Sender::Client));
        }
        self.stream.write_all(&out)?;
        if self.url.ign_set_control {
            return Ok(());
        }
        for _ in values {
            self.answer("SET-CONTROL", |a| matches!(a, ComPort::SetControl(_)))?;
        }
        Ok(())
    }

    /// Waits for the server's answer that `wanted` picks, keeping data that arrives.
    fn answer(&mut self, name: &str, wanted: impl Fn(&ComPort) -> bool) -> io::Result<ComPort> {
        let deadline = Instant::now() + self.url.network_timeout;
        loop {
            if let Some(i) = self.answers.iter().position(&wanted) {
                return Ok(self.answers.remove(i).expect("an answer at i"));
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!(
                        "the RFC 2217 server did not answer {name} within {:.1} s",
                        self.url.network_timeout.as_secs_f64()
                    ),
                ));
            }
            self.pump(left)?;
        }
    }

    /// Reads what the server sent within `timeout` and sorts it: data, negotiations
    /// (answered), COM-PORT answers. Returns whether anything arrived.
    fn pump(&mut self, timeout: Duration) -> io::Result<bool> {
        let mut buf = [0u8; 16 * 1024];
        self.stream
            .set_read_timeout(Some(timeout.max(Duration::from_millis(1))))?;
        let n = loop {
            match self.stream.read(&mut buf) {
                Ok(0) => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the RFC 2217 server closed the connection",
                    ));
                }
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    return Ok(false);
                }
                Err(e) => return Err(e),
            }
        };
        let mut events = Vec::new();
        self.decoder.feed(&buf[..n], &mut events);
        for event in events {
            match event {
                Event::Data(data) => self.data.extend(data),
                Event::Negotiate(verb, option) => {
                    if let Some(answer) = self.options.receive(verb, option) {
                        self.stream.write_all(&answer)?;
                    }
                }
                Event::Sub(COM_PORT_OPTION, payload) => {
                    if let Some((Sender::Server, answer)) = ComPort::decode(&payload) {
                        // The server purged before answering: what came before the
                        // answer is what the purge was meant to drop.
                        if matches!(answer, ComPort::Purge(_)) {
                            self.data.clear();
                        }
                        if self.answers.len() == KEPT_ANSWERS {
                            self.answers.pop_front();
                        }
                        self.answers.push_back(answer);
                    }
                }
                Event::Sub(..) => {}
            }
        }
        Ok(true)
    }
}

impl Drop for Rfc2217Transport {
    /// Closes gracefully: the server sees the end of the stream (not a reset for data
    /// left unread) and says the client disconnected.
    fn drop(&mut self) {
        let _ = self.stream.shutdown(std::net::Shutdown::Write);
        let _ = self.stream.set_read_timeout(Some(CLOSE_WAIT));
        let mut buf = [0u8; 4096];
        let deadline = Instant::now() + CLOSE_WAIT;
        while Instant::now() < deadline {
            match self.stream.read(&mut buf) {
                Ok(n) if n > 0 => continue,
                _ => break,
            }
        }
    }
}

fn line_to_io(e: LineError) -> io::Error {
    match e {
        LineError::Io(e) => e,
        LineError::Unsupported => io::Error::other(e.to_string()),
    }
}

impl Transport for Rfc2217Transport {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> TransportKind {
        TransportKind::Rfc2217
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        let mut out = Vec::with_capacity(data.len() + data.len() / 64);
        wire::escape_into(data, &mut out);
        self.stream.write_all(&out)
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        let deadline = Instant::now() + timeout;
        while self.data.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return Ok(0);
            }
            self.pump(left)?;
        }
        let n = buf.len().min(self.data.len());
        for (slot, b) in buf.iter_mut().zip(self.data.drain(..n)) {
            *slot = b;
        }
        Ok(n)
    }

    fn clear_input(&mut self) -> io::Result<()> {
        self.stream
            .write_all(&ComPort::Purge(purge::RECEIVE).encode(Sender::Client))?;
        self.answer("PURGE-DATA", |a| matches!(a, ComPort::Purge(_)))?;
        self.data.clear();
        Ok(())
    }

    fn baud(&self) -> u32 {
        self.baud
    }

    /// The server sets its port's rate and answers with the rate it now runs.
    fn set_baud(&mut self, baud: u32) -> io::Result<()> {
        self.stream
            .write_all(&ComPort::SetBaud(baud).encode(Sender::Client))?;
        let got = self.answer("SET-BAUDRATE", |a| matches!(a, ComPort::SetBaud(_)))?;
        self.check_baud(baud, got)
    }

    fn set_dtr(&mut self, asserted: bool) -> Result<(), LineError> {
        self.control(&[if asserted {
            control::DTR_ON
        } else {
            control::DTR_OFF
        }])
    }

    fn set_rts(&mut self, asserted: bool) -> Result<(), LineError> {
        self.control(&[if asserted {
            control::RTS_ON
        } else {
            control::RTS_OFF
        }])
    }

    /// Both changes in one packet: as close together as RFC 2217 allows (it has no
    /// command that sets both).
    fn set_dtr_rts(&mut self, dtr: bool, rts: bool) -> Result<(), LineError> {
        let dtr = if dtr {
            control::DTR_ON
        } else {
            control::DTR_OFF
        };
        let rts = if rts {
            control::RTS_ON
        } else {
            control::RTS_OFF
        };
        self.control(&[dtr, rts])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_options() {
        let (addr, o) = parse_url("127.0.0.1:4000?ign_set_control").unwrap();
        assert_eq!(addr, "127.0.0.1:4000");
        assert!(o.ign_set_control);
        let (_, o) = parse_url("host:1?timeout=0.5&logging=debug").unwrap();
        assert!(!o.ign_set_control);
        assert_eq!(o.network_timeout, Duration::from_millis(500));
        assert!(parse_url("host:1?dtr=1").unwrap_err().contains("'dtr=1'"));
        assert!(parse_url("?ign_set_control").is_err());
    }
}
