//! `socket://host:port`: the serial byte stream carried over TCP (as pyserial does).
//! There are no modem lines, so the chip cannot be reset from here.

use crate::{LineError, OpenCause, OpenError, Transport, TransportKind};
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A `socket://host:port` TCP connection: raw bytes, no modem lines; the baud rate is
/// only remembered (nothing on the wire carries it).
pub struct SocketTransport {
    name: String,
    stream: TcpStream,
    baud: u32,
}

impl SocketTransport {
    /// Connects to `addr` (`host:port`); `name` is the URL as the user wrote it.
    pub fn connect(name: &str, addr: &str, baud: u32) -> Result<SocketTransport, OpenError> {
        Ok(SocketTransport {
            name: name.to_string(),
            stream: connect_tcp(name, addr)?,
            baud,
        })
    }
}

/// A TCP connection to `addr` (`host:port`), the first of its addresses that answers,
/// with Nagle off (every command is a small packet); `name` names it in errors.
pub(crate) fn connect_tcp(name: &str, addr: &str) -> Result<TcpStream, OpenError> {
    let addrs: Vec<_> = addr
        .to_socket_addrs()
        .map_err(|e| OpenError::new(name, e))?
        .collect();
    let mut last = None;
    for a in addrs {
        match TcpStream::connect_timeout(&a, CONNECT_TIMEOUT) {
            Ok(stream) => {
                stream
                    .set_nodelay(true)
                    .map_err(|e| OpenError::new(name, e))?;
                return Ok(stream);
            }
            Err(e) => last = Some(e),
        }
    }
    match last {
        Some(e) if e.kind() == io::ErrorKind::ConnectionRefused => {
            let cause = if name.starts_with("rfc2217://") {
                OpenCause::NoRfc2217Server
            } else {
                OpenCause::NoTcpServer
            };
            Err(OpenError::with_cause(name, e, cause))
        }
        Some(e) => Err(OpenError::new(name, e)),
        None => Err(OpenError::new(name, "no address to connect to")),
    }
}

impl Transport for SocketTransport {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> TransportKind {
        TransportKind::Socket
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.stream.write_all(data)
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        // A zero read timeout means "block forever" to the OS.
        let timeout = timeout.max(Duration::from_millis(1));
        self.stream.set_read_timeout(Some(timeout))?;
        loop {
            return match self.stream.read(buf) {
                Ok(0) if !buf.is_empty() => Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the device closed the connection",
                )),
                Ok(n) => Ok(n),
                // A signal is not a timeout: 0 would tell the caller the time had passed.
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e)
                    if matches!(
                        e.kind(),
                        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                    ) =>
                {
                    Ok(0)
                }
                Err(e) => Err(e),
            };
        }
    }

    fn clear_input(&mut self) -> io::Result<()> {
        self.stream.set_nonblocking(true)?;
        let mut buf = [0u8; 4096];
        let result = loop {
            match self.stream.read(&mut buf) {
                Ok(0) => break Ok(()),
                Ok(_) => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break Ok(()),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => break Err(e),
            }
        };
        self.stream.set_nonblocking(false)?;
        result
    }

    fn baud(&self) -> u32 {
        self.baud
    }

    /// The far end decides the line speed; remember the value for crystal estimates.
    fn set_baud(&mut self, baud: u32) -> io::Result<()> {
        self.baud = baud;
        Ok(())
    }

    fn set_dtr(&mut self, _asserted: bool) -> Result<(), LineError> {
        Err(LineError::Unsupported)
    }

    fn set_rts(&mut self, _asserted: bool) -> Result<(), LineError> {
        Err(LineError::Unsupported)
    }
}
