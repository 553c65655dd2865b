//! A telnet connection as a line terminal: the device's bytes with telnet commands (RFC
//! 854 `IAC` sequences) taken out, cut into lines at `\r` or `\n` (ESPurna ends progress
//! lines with `\r`), and what is left of an unfinished line (prompts have no line end).

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream};
use std::time::Duration;

const IAC: u8 = 255;
const SB: u8 = 250;
const SE: u8 = 240;
const WILL: u8 = 251;
const DONT: u8 = 254;

/// What a read brought.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Arrived {
    /// Text (possibly only part of a line).
    Text(String),
    /// Nothing within the wait.
    Nothing,
    /// The device closed the connection.
    Closed,
}

/// Where the telnet command filter stands between reads.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Filter {
    #[default]
    Data,
    /// After `IAC`.
    Command,
    /// After `IAC WILL/WONT/DO/DONT`: one option byte follows.
    Option,
    /// Inside `IAC SB ... IAC SE`.
    Sub,
    /// After `IAC` inside a subnegotiation.
    SubCommand,
}

/// The terminal connection.
pub(crate) struct Telnet {
    stream: TcpStream,
    filter: Filter,
    partial: String,
}

impl Telnet {
    /// Connects to `host` on `port`.
    pub(crate) fn connect(
        host: &str,
        port: u16,
        timeout: Duration,
    ) -> io::Result<(Telnet, SocketAddr)> {
        let (stream, peer) = crate::http::connect(host, port, timeout)?;
        let _ = stream.set_nodelay(true);
        stream.set_write_timeout(Some(Duration::from_secs(10)))?;
        Ok((
            Telnet {
                stream,
                filter: Filter::Data,
                partial: String::new(),
            },
            peer,
        ))
    }

    /// This end's address: the one the device can reach this computer at.
    pub(crate) fn local_ip(&self) -> io::Result<IpAddr> {
        Ok(self.stream.local_addr()?.ip())
    }

    /// Sends `line` and a line end.
    pub(crate) fn send_line(&mut self, line: &str) -> io::Result<()> {
        self.stream.write_all(format!("{line}\n").as_bytes())
    }

    /// Waits up to `wait` for bytes.
    pub(crate) fn read(&mut self, wait: Duration) -> io::Result<Arrived> {
        self.stream
            .set_read_timeout(Some(wait.max(Duration::from_millis(1))))?;
        let mut buf = [0u8; 2048];
        match self.stream.read(&mut buf) {
            Ok(0) => Ok(Arrived::Closed),
            Ok(n) => Ok(Arrived::Text(self.strip(&buf[..n]))),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Ok(Arrived::Nothing)
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted
                ) =>
            {
                Ok(Arrived::Closed)
            }
            Err(e) => Err(e),
        }
    }

    /// Adds `text` to the unfinished line; returns the lines it completes.
    pub(crate) fn lines(&mut self, text: &str) -> Vec<String> {
        self.partial.push_str(text);
        let mut lines = Vec::new();
        while let Some(end) = self.partial.find(['\r', '\n']) {
            let line: String = self.partial.drain(..=end).collect();
            let line = line.trim_end_matches(['\r', '\n']);
            if !line.is_empty() {
                lines.push(line.to_string());
            }
        }
        lines
    }

    /// The unfinished line (a prompt waits there).
    pub(crate) fn partial(&self) -> &str {
        &self.partial
    }

    /// Forgets the unfinished line.
    pub(crate) fn clear_partial(&mut self) {
        self.partial.clear();
    }

    /// `bytes` without telnet commands, as text.
    fn strip(&mut self, bytes: &[u8]) -> String {
        let mut data = Vec::with_capacity(bytes.len());
        for &b in bytes {
            self.filter = match (self.filter, b) {
                (Filter::Data, IAC) => Filter::Command,
                (Filter::Data, b) => {
                    data.push(b);
                    Filter::Data
                }
                (Filter::Command, IAC) => {
                    data.push(IAC); // an escaped 255
                    Filter::Data
                }
                (Filter::Command, SB) => Filter::Sub,
                (Filter::Command, WILL..=DONT) => Filter::Option,
                (Filter::Command, _) | (Filter::Option, _) => Filter::Data,
                (Filter::Sub, IAC) => Filter::SubCommand,
                (Filter::Sub, _) => Filter::Sub,
                (Filter::SubCommand, SE) => Filter::Data,
                (Filter::SubCommand, _) => Filter::Sub,
            };
        }
        String::from_utf8_lossy(&data).into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn commands_are_taken_out_and_lines_cut() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let device = std::thread::spawn(move || {
            let (mut s, _) = listener.accept().unwrap();
            s.write_all(&[IAC, WILL, 1, b'P', b'a', b's', IAC]).unwrap();
            std::thread::sleep(Duration::from_millis(50));
            s.write_all(&[251, 3]).unwrap(); // split IAC WILL 3
            s.write_all(b"sword: ").unwrap();
            s.write_all(&[IAC, SB, 24, 1, IAC, SE, IAC, IAC]).unwrap();
            s.write_all(b"\n[OTA] Progress: 1 bytes\r[OTA] Success: 2 bytes\n")
                .unwrap();
        });
        let (mut t, _) = Telnet::connect("127.0.0.1", addr.port(), Duration::from_secs(5)).unwrap();
        let mut text = String::new();
        loop {
            match t.read(Duration::from_secs(5)).unwrap() {
                Arrived::Text(s) => text.push_str(&s),
                Arrived::Closed => break,
                Arrived::Nothing => panic!("no data"),
            }
        }
        device.join().unwrap();
        assert_eq!(
            text.as_bytes(),
            b"Password: \xEF\xBF\xBD\n[OTA] Progress: 1 bytes\r[OTA] Success: 2 bytes\n"
        );
        let lines = t.lines("Password: ");
        assert!(lines.is_empty());
        assert_eq!(t.partial(), "Password: ");
        assert_eq!(t.lines("x\r\n\ny\rz"), ["Password: x", "y"]);
        assert_eq!(t.partial(), "z");
    }
}
