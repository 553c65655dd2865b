//! HTTP/1.1 messages as the upgrades exchange them: a head (start line and headers up to
//! the empty line) and a body sized by `Content-Length`, by chunks, or by the peer
//! closing the connection.

use std::io::{self, BufRead, Read};

/// The longest head either side reads (the devices' own limits are smaller).
pub const MAX_HEAD: usize = 16 * 1024;
/// The longest response body the client keeps: the devices answer with a word or a line.
pub const MAX_RESPONSE_BODY: usize = 64 * 1024;

/// A message's start line and headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Head {
    /// `HTTP/1.1 200 OK` or `POST /upgrade HTTP/1.1`.
    pub start_line: String,
    /// The headers in order, names as sent.
    pub headers: Vec<(String, String)>,
}

impl Head {
    /// The first header called `name` (any case), trimmed.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
    }

    /// Every header called `name` (any case), trimmed.
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
    }

    /// `Content-Length`, when given and a number.
    pub fn content_length(&self) -> Option<u64> {
        self.header("content-length")?.parse().ok()
    }

    /// The start line split in its three parts (`None` when it has fewer).
    pub fn start_parts(&self) -> Option<(&str, &str, &str)> {
        let mut parts = self.start_line.splitn(3, ' ');
        Some((parts.next()?, parts.next()?, parts.next().unwrap_or("")))
    }
}

/// Reads a head: lines up to the first empty one (`\r\n` or `\n` endings). An error when
/// the peer closes first or the head passes [`MAX_HEAD`].
pub fn read_head(reader: &mut impl BufRead) -> io::Result<Head> {
    let mut head = Head::default();
    let mut total = 0;
    loop {
        let mut line = Vec::new();
        let n = reader
            .take((MAX_HEAD - total + 1) as u64)
            .read_until(b'\n', &mut line)?;
        total += n;
        if total > MAX_HEAD {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "message head too long",
            ));
        }
        if n == 0 || !line.ends_with(b"\n") {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed before the end of the message head",
            ));
        }
        let line = String::from_utf8_lossy(&line);
        let line = line.trim_end_matches(['\r', '\n']);
        if head.start_line.is_empty() {
            if line.is_empty() {
                continue; // RFC 9112 2.2: ignore empty lines before the start line
            }
            head.start_line = line.to_string();
        } else if line.is_empty() {
            return Ok(head);
        } else if let Some((name, value)) = line.split_once(':') {
            head.headers
                .push((name.trim().to_string(), value.trim().to_string()));
        }
    }
}

/// A response, its body read whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// The head.
    pub head: Head,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// The body as text, trimmed.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).trim().to_string()
    }
}

/// Reads a response and its body (up to [`MAX_RESPONSE_BODY`] bytes).
pub fn read_response(reader: &mut impl BufRead) -> io::Result<Response> {
    let head = read_head(reader)?;
    let status = head
        .start_parts()
        .filter(|(version, _, _)| version.starts_with("HTTP/"))
        .and_then(|(_, code, _)| code.parse::<u16>().ok())
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!("not an HTTP response: {:?}", head.start_line),
            )
        })?;
    let body = read_body(reader, &head, MAX_RESPONSE_BODY)?;
    Ok(Response { status, head, body })
}

/// Reads the body `head` announces: chunked, `Content-Length`, or up to the close. Keeps
/// at most `limit` bytes (the rest is read and dropped).
pub fn read_body(reader: &mut impl BufRead, head: &Head, limit: usize) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    let chunked = head
        .header("transfer-encoding")
        .is_some_and(|te| te.to_ascii_lowercase().contains("chunked"));
    if chunked {
        loop {
            let mut size_line = String::new();
            reader.read_line(&mut size_line)?;
            let size = size_line.trim().split(';').next().unwrap_or("");
            let size = u64::from_str_radix(size.trim(), 16).map_err(|_| {
                io::Error::new(io::ErrorKind::InvalidData, "bad chunk size in the response")
            })?;
            if size == 0 {
                // Trailers up to the empty line.
                let mut line = String::new();
                while reader.read_line(&mut line)? > 0 && !line.trim().is_empty() {
                    line.clear();
                }
                return Ok(body);
            }
            keep_up_to(reader.take(size), &mut body, limit)?;
            let mut crlf = String::new();
            reader.read_line(&mut crlf)?;
        }
    }
    match head.content_length() {
        Some(len) => {
            let got = keep_up_to(reader.take(len), &mut body, limit)?;
            if got < len {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "connection closed before the end of the response",
                ));
            }
        }
        None => {
            keep_up_to(reader, &mut body, limit)?;
        }
    }
    Ok(body)
}

/// Reads `from` to its end, keeping up to `limit` bytes in `into`; returns the count read.
/// A reset after some data counts as the end (devices close hard).
fn keep_up_to(mut from: impl Read, into: &mut Vec<u8>, limit: usize) -> io::Result<u64> {
    let mut buf = [0u8; 4096];
    let mut total = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == io::ErrorKind::ConnectionReset && total > 0 => return Ok(total),
            Err(e) => return Err(e),
        };
        total += n as u64;
        let room = limit.saturating_sub(into.len());
        into.extend_from_slice(&buf[..n.min(room)]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_sized_response() {
        let raw = b"HTTP/1.1 400 Bad Request\r\nContent-Length: 43\r\nConnection: close\r\n\r\nERROR: No magic byte / invalid flash config";
        let r = read_response(&mut &raw[..]).unwrap();
        assert_eq!(r.status, 400);
        assert_eq!(r.head.header("CONNECTION"), Some("close"));
        assert_eq!(r.text(), "ERROR: No magic byte / invalid flash config");
    }

    #[test]
    fn reads_chunked_and_closed_bodies() {
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nO\r\n1;x=y\r\nK\r\n0\r\n\r\n";
        assert_eq!(read_response(&mut &raw[..]).unwrap().text(), "OK");
        let raw = b"HTTP/1.0 200 OK\nServer: x\n\nOK\n";
        assert_eq!(read_response(&mut &raw[..]).unwrap().text(), "OK");
    }

    #[test]
    fn a_short_or_foreign_answer_is_an_error() {
        assert!(
            read_response(&mut &b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nOK"[..]).is_err()
        );
        assert!(read_response(&mut &b"SSH-2.0-dropbear\r\n\r\n"[..]).is_err());
        assert!(read_response(&mut &b"HTTP/1.1 200 OK\r\n"[..]).is_err());
        let huge = vec![b'a'; MAX_HEAD + 10];
        assert!(read_head(&mut &huge[..]).is_err());
    }
}
