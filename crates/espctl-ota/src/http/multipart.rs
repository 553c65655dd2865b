//! `multipart/form-data` (RFC 7578) with one file, as a browser posts ESPurna's upgrade
//! form: the client writes [`MultipartFile::head`], the file, [`MultipartFile::tail`];
//! the virtual device reads it back with [`MultipartParser`], which hands the file on in
//! pieces as it arrives (as ESPAsyncWebServer's upload callback does: the file's first
//! piece, then more, the last one flagged).

/// The form field of ESPurna's upgrade page (`code/html/src/ota.mjs`).
pub const UPGRADE_FIELD: &str = "upgrade";

/// The framing around one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultipartFile {
    boundary: String,
    head: Vec<u8>,
    tail: Vec<u8>,
}

impl MultipartFile {
    /// The framing of `file_name` in form field `field`, separated by `boundary` (which
    /// must not occur in the file: a random one of 32 hex digits does not in practice).
    pub fn new(field: &str, file_name: &str, boundary: &str) -> MultipartFile {
        let safe_name: String = file_name
            .chars()
            .map(|c| {
                if matches!(c, '"' | '\\' | '\r' | '\n') {
                    '_'
                } else {
                    c
                }
            })
            .collect();
        let head = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{safe_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        );
        MultipartFile {
            boundary: boundary.to_string(),
            head: head.into_bytes(),
            tail: format!("\r\n--{boundary}--\r\n").into_bytes(),
        }
    }

    /// The `Content-Type` header value.
    pub fn content_type(&self) -> String {
        format!("multipart/form-data; boundary={}", self.boundary)
    }

    /// What goes before the file.
    pub fn head(&self) -> &[u8] {
        &self.head
    }

    /// What goes after the file.
    pub fn tail(&self) -> &[u8] {
        &self.tail
    }

    /// The body's length for a file of `file_len` bytes.
    pub fn content_length(&self, file_len: u64) -> u64 {
        self.head.len() as u64 + file_len + self.tail.len() as u64
    }
}

/// The boundary of a `multipart/form-data` content type, if it has one.
pub fn boundary_of(content_type: &str) -> Option<String> {
    let (kind, params) = content_type.split_once(';')?;
    if !kind.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params.split(';').find_map(|p| {
        let (name, value) = p.trim().split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_string())
            .filter(|b| !b.is_empty() && b.len() <= 70)
    })
}

/// What the parser found, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MultipartEvent {
    /// A file part begins.
    FileStart {
        /// Its form field.
        field: String,
        /// The file name the client gave.
        file_name: String,
    },
    /// Bytes of the current file; `last` on the piece that ends it (possibly empty).
    FileData {
        /// The bytes.
        data: Vec<u8>,
        /// The file ends here.
        last: bool,
    },
    /// The closing boundary: the form is complete.
    End,
}

/// The body is not the form it claims to be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("malformed multipart body: {0}")]
pub struct MultipartError(pub &'static str);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the first boundary.
    Preamble,
    /// Just after a boundary: `--` closes, else a line end starts a part.
    AfterBoundary,
    /// Reading a part's headers.
    Headers,
    /// Reading a part's content; `file` when it is a file.
    Content { file: bool },
    /// After the closing boundary.
    Done,
}

/// Reads a `multipart/form-data` body pushed in pieces of any size.
#[derive(Debug)]
pub struct MultipartParser {
    /// `\r\n--boundary`: every boundary, the first too (the parser starts with `\r\n`).
    delimiter: Vec<u8>,
    buf: Vec<u8>,
    state: State,
}

impl MultipartParser {
    /// A parser for parts separated by `boundary`.
    pub fn new(boundary: &str) -> MultipartParser {
        MultipartParser {
            delimiter: format!("\r\n--{boundary}").into_bytes(),
            buf: b"\r\n".to_vec(),
            state: State::Preamble,
        }
    }

    /// Whether the closing boundary was read.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Takes the next bytes of the body; returns what they complete.
    pub fn push(&mut self, bytes: &[u8]) -> Result<Vec<MultipartEvent>, MultipartError> {
        self.buf.extend_from_slice(bytes);
        let mut events = Vec::new();
        loop {
            match self.state {
                State::Preamble => match find(&self.buf, &self.delimiter) {
                    Some(at) => {
                        self.buf.drain(..at + self.delimiter.len());
                        self.state = State::AfterBoundary;
                    }
                    None => {
                        let keep = self.delimiter.len() - 1;
                        let drop = self.buf.len().saturating_sub(keep);
                        self.buf.drain(..drop);
                        return Ok(events);
                    }
                },
                State::AfterBoundary => {
                    if self.buf.len() < 2 {
                        return Ok(events);
                    }
                    if self.buf.starts_with(b"--") {
                        self.state = State::Done;
                        events.push(MultipartEvent::End);
                        continue;
                    }
                    // Optional padding, then the line end.
                    match find(&self.buf, b"\r\n") {
                        Some(at) if self.buf[..at].iter().all(|b| *b == b' ' || *b == b'\t') => {
                            self.buf.drain(..at + 2);
                            self.state = State::Headers;
                        }
                        Some(_) => return Err(MultipartError("text after a boundary")),
                        None if self.buf.len() > 80 => {
                            return Err(MultipartError("boundary line too long"));
                        }
                        None => return Ok(events),
                    }
                }
                State::Headers => {
                    // A part without headers starts with its empty line.
                    let end = if self.buf.starts_with(b"\r\n") {
                        Some(2)
                    } else {
                        find(&self.buf, b"\r\n\r\n").map(|i| i + 4)
                    };
                    let Some(end) = end else {
                        if self.buf.len() > 8192 {
                            return Err(MultipartError("part headers too long"));
                        }
                        return Ok(events);
                    };
                    let headers = String::from_utf8_lossy(&self.buf[..end]).into_owned();
                    self.buf.drain(..end);
                    let file = disposition(&headers);
                    self.state = State::Content {
                        file: file.is_some(),
                    };
                    if let Some((field, file_name)) = file {
                        events.push(MultipartEvent::FileStart { field, file_name });
                    }
                }
                State::Content { file } => match find(&self.buf, &self.delimiter) {
                    Some(at) => {
                        let data: Vec<u8> = self.buf.drain(..at).collect();
                        self.buf.drain(..self.delimiter.len());
                        if file {
                            events.push(MultipartEvent::FileData { data, last: true });
                        }
                        self.state = State::AfterBoundary;
                    }
                    None => {
                        let keep = self.delimiter.len() - 1;
                        let ready = self.buf.len().saturating_sub(keep);
                        let data: Vec<u8> = self.buf.drain(..ready).collect();
                        if file && !data.is_empty() {
                            events.push(MultipartEvent::FileData { data, last: false });
                        }
                        return Ok(events);
                    }
                },
                State::Done => {
                    self.buf.clear(); // the epilogue is ignored
                    return Ok(events);
                }
            }
        }
    }
}

/// `(field, file name)` of a part whose `Content-Disposition` names a file.
fn disposition(headers: &str) -> Option<(String, String)> {
    let line = headers.lines().find(|l| {
        l.split_once(':')
            .is_some_and(|(n, _)| n.trim().eq_ignore_ascii_case("content-disposition"))
    })?;
    let (_, value) = line.split_once(':')?;
    let param = |name: &str| {
        value.split(';').find_map(|p| {
            let (n, v) = p.trim().split_once('=')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().trim_matches('"').to_string())
        })
    };
    Some((param("name").unwrap_or_default(), param("filename")?))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(file: &[u8]) -> (MultipartFile, Vec<u8>) {
        let form = MultipartFile::new(UPGRADE_FIELD, "fw \"1\".bin", "b0undary");
        let mut body = b"preamble\r\n".to_vec();
        body.extend_from_slice(
            b"--b0undary\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n",
        );
        body.extend_from_slice(form.head());
        body.extend_from_slice(file);
        body.extend_from_slice(form.tail());
        (form, body)
    }

    fn parse_in_pieces(body: &[u8], piece: usize) -> (Vec<MultipartEvent>, Vec<u8>) {
        let mut parser = MultipartParser::new("b0undary");
        let mut events = Vec::new();
        for chunk in body.chunks(piece) {
            events.extend(parser.push(chunk).unwrap());
        }
        assert!(parser.is_done());
        let file: Vec<u8> = events
            .iter()
            .flat_map(|e| match e {
                MultipartEvent::FileData { data, .. } => data.clone(),
                _ => Vec::new(),
            })
            .collect();
        (events, file)
    }

    #[test]
    fn the_file_comes_back_whatever_the_piece_size() {
        let file: Vec<u8> = (0..5000u32)
            .map(|i| (i * 7 + i / 13) as u8)
            .chain(*b"\r\n--b0undar")
            .collect();
        let (form, raw) = body(&file);
        assert_eq!(
            form.content_type(),
            "multipart/form-data; boundary=b0undary"
        );
        for piece in [1, 2, 3, 7, 64, 1460, raw.len()] {
            let (events, got) = parse_in_pieces(&raw, piece);
            assert_eq!(got, file, "piece size {piece}");
            assert_eq!(
                events[0],
                MultipartEvent::FileStart {
                    field: "upgrade".into(),
                    file_name: "fw _1_.bin".into()
                }
            );
            let lasts = events
                .iter()
                .filter(|e| matches!(e, MultipartEvent::FileData { last: true, .. }))
                .count();
            assert_eq!(lasts, 1);
            assert_eq!(events.last(), Some(&MultipartEvent::End));
        }
    }

    #[test]
    fn a_file_arriving_at_once_is_one_last_piece() {
        let (_, raw) = body(b"\xe9\x01\x02\x20");
        let mut parser = MultipartParser::new("b0undary");
        let events = parser.push(&raw).unwrap();
        assert!(events.contains(&MultipartEvent::FileData {
            data: b"\xe9\x01\x02\x20".to_vec(),
            last: true
        }));
    }

    #[test]
    fn reads_the_boundary_and_refuses_garbage() {
        assert_eq!(
            boundary_of("multipart/form-data; boundary=\"abc\"").as_deref(),
            Some("abc")
        );
        assert_eq!(
            boundary_of("Multipart/Form-Data;charset=x; BOUNDARY=q").as_deref(),
            Some("q")
        );
        assert_eq!(boundary_of("application/octet-stream"), None);
        let mut parser = MultipartParser::new("b");
        assert!(parser.push(b"--b junk\r\n").is_err());
        let mut parser = MultipartParser::new("b");
        assert_eq!(parser.push(b"no boundary here at all").unwrap(), vec![]);
        assert!(!parser.is_done());
    }
}
