//! The RFC 2217 client against the server, in one process: a recording port behind the
//! server shows what reaches it (rate, DTR/RTS, purges, data with 0xFF bytes), and the
//! client shows what comes back.

use espctl_transport::rfc2217::{LinePolicy, LocalReset, Rfc2217Server, ServerEvent, SessionEnd};
use espctl_transport::{LineError, Rfc2217Transport, Transport, TransportKind};
use std::collections::VecDeque;
use std::io::{self, Write};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the port behind the server saw.
#[derive(Debug, Default)]
struct Seen {
    baud: u32,
    lines: Vec<(&'static str, bool)>,
    purges: usize,
    /// Bytes the port will send, as a device would.
    to_client: VecDeque<u8>,
    resets: Vec<&'static str>,
}

/// A port that echoes what it is sent; DTR/RTS work unless `no_lines`; rates above
/// `max_baud` are refused.
struct Echo {
    seen: Arc<Mutex<Seen>>,
    no_lines: bool,
    max_baud: u32,
}

impl Echo {
    fn line(&mut self, name: &'static str, level: bool) -> Result<(), LineError> {
        if self.no_lines {
            return Err(LineError::Unsupported);
        }
        self.seen.lock().unwrap().lines.push((name, level));
        Ok(())
    }
}

impl Transport for Echo {
    fn name(&self) -> &str {
        "echo"
    }
    fn kind(&self) -> TransportKind {
        TransportKind::Serial
    }
    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.seen.lock().unwrap().to_client.extend(data);
        Ok(())
    }
    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> io::Result<usize> {
        let n = {
            let mut seen = self.seen.lock().unwrap();
            let n = buf.len().min(seen.to_client.len());
            for (slot, b) in buf.iter_mut().zip(seen.to_client.drain(..n)) {
                *slot = b;
            }
            n
        };
        if n == 0 {
            std::thread::sleep(timeout);
        }
        Ok(n)
    }
    fn clear_input(&mut self) -> io::Result<()> {
        let mut seen = self.seen.lock().unwrap();
        seen.to_client.clear();
        seen.purges += 1;
        Ok(())
    }
    fn baud(&self) -> u32 {
        self.seen.lock().unwrap().baud
    }
    fn set_baud(&mut self, baud: u32) -> io::Result<()> {
        if baud > self.max_baud {
            return Err(io::Error::other(format!("{baud} baud is not supported")));
        }
        self.seen.lock().unwrap().baud = baud;
        Ok(())
    }
    fn set_dtr(&mut self, asserted: bool) -> Result<(), LineError> {
        self.line("dtr", asserted)
    }
    fn set_rts(&mut self, asserted: bool) -> Result<(), LineError> {
        self.line("rts", asserted)
    }
}

/// Records the server's local resets.
struct Resets(Arc<Mutex<Seen>>);

impl LocalReset for Resets {
    fn enter_bootloader(&mut self, _port: &mut dyn Transport) -> Result<(), LineError> {
        self.0.lock().unwrap().resets.push("bootloader");
        Ok(())
    }
    fn hard_reset(&mut self, _port: &mut dyn Transport) -> Result<(), LineError> {
        self.0.lock().unwrap().resets.push("hard");
        Ok(())
    }
}

struct Served {
    url: String,
    seen: Arc<Mutex<Seen>>,
    events: Arc<Mutex<Vec<String>>>,
    thread: JoinHandle<()>,
}

/// A server for `clients` clients, one after another, in front of an [`Echo`].
fn serve(clients: usize, no_lines: bool, local_reset: bool) -> Served {
    let seen = Arc::new(Mutex::new(Seen {
        baud: 9600,
        ..Seen::default()
    }));
    let mut server = Rfc2217Server::bind("127.0.0.1:0").unwrap();
    if local_reset {
        server = server.with_lines(LinePolicy::LocalReset(Box::new(Resets(seen.clone()))));
    }
    let url = format!("rfc2217://{}", server.local_addr().unwrap());
    let events = Arc::new(Mutex::new(Vec::new()));
    let mut port = Echo {
        seen: seen.clone(),
        no_lines,
        max_baud: 3_000_000,
    };
    let log = events.clone();
    let thread = std::thread::spawn(move || {
        for _ in 0..clients {
            server
                .serve_one(&mut port, &mut |e: ServerEvent| {
                    let text = match e {
                        ServerEvent::Connected { .. } => "connected".to_string(),
                        ServerEvent::Disconnected { end, .. } => match end {
                            SessionEnd::Closed => "closed".to_string(),
                            SessionEnd::Lost(_) => "lost".to_string(),
                            SessionEnd::PortFailed(e) => format!("port failed: {e}"),
                        },
                        ServerEvent::LinesUnsupported => "no lines".to_string(),
                        ServerEvent::BaudRefused { baud, .. } => format!("refused {baud}"),
                    };
                    log.lock().unwrap().push(text);
                })
                .unwrap();
        }
    });
    Served {
        url,
        seen,
        events,
        thread,
    }
}

fn open(url: &str, baud: u32) -> Rfc2217Transport {
    let rest = url.strip_prefix("rfc2217://").unwrap();
    Rfc2217Transport::connect(url, rest, baud).unwrap_or_else(|e| panic!("{e}"))
}

fn read_exactly(t: &mut Rfc2217Transport, len: usize) -> Vec<u8> {
    let mut got = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut buf = [0u8; 4096];
    while got.len() < len && Instant::now() < deadline {
        let n = t.read(&mut buf, Duration::from_millis(50)).unwrap();
        got.extend_from_slice(&buf[..n]);
    }
    got
}

#[test]
fn rate_lines_purge_and_every_byte_value_reach_the_port() {
    let s = serve(1, false, false);
    let mut t = open(&s.url, 115_200);
    assert_eq!(t.kind(), TransportKind::Rfc2217);
    assert_eq!(s.seen.lock().unwrap().baud, 115_200, "set at open");
    t.set_baud(921_600).unwrap();
    assert_eq!((t.baud(), s.seen.lock().unwrap().baud), (921_600, 921_600));

    t.set_dtr(true).unwrap();
    t.set_rts(true).unwrap();
    t.set_dtr_rts(false, false).unwrap();
    assert_eq!(
        s.seen.lock().unwrap().lines,
        [("dtr", true), ("rts", true), ("dtr", false), ("rts", false)]
    );

    // Every byte value, 0xFF runs included, both ways through the escaping.
    let data: Vec<u8> = (0..=255u8).chain([0xFF; 7]).chain(0..=255u8).collect();
    t.write_all(&data).unwrap();
    assert_eq!(read_exactly(&mut t, data.len()), data);

    // What the device said before a purge is gone after it; what follows arrives.
    s.seen
        .lock()
        .unwrap()
        .to_client
        .extend(b"stale boot log \xFF\xFF");
    std::thread::sleep(Duration::from_millis(50));
    let purges = s.seen.lock().unwrap().purges;
    t.clear_input().unwrap();
    assert_eq!(s.seen.lock().unwrap().purges, purges + 1);
    t.write_all(b"fresh").unwrap();
    assert_eq!(read_exactly(&mut t, 5), b"fresh");
    drop(t);
    s.thread.join().unwrap();
    assert_eq!(*s.events.lock().unwrap(), ["connected", "closed"]);
}

#[test]
fn a_port_without_lines_still_answers_them() {
    let s = serve(1, true, false);
    let mut t = open(&s.url, 115_200);
    let started = Instant::now();
    for level in [true, false, true, false] {
        t.set_dtr(level).unwrap();
        t.set_rts(level).unwrap();
    }
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "answered at once, not after the client's timeout: {:?}",
        started.elapsed()
    );
    drop(t);
    s.thread.join().unwrap();
    assert_eq!(
        *s.events.lock().unwrap(),
        ["connected", "no lines", "closed"],
        "said once"
    );
}

#[test]
fn a_refused_rate_fails_the_client_and_the_port_keeps_its_rate() {
    let s = serve(1, false, false);
    let mut t = open(&s.url, 115_200);
    let err = t.set_baud(4_000_000).unwrap_err();
    assert!(err.to_string().contains("4000000"), "{err}");
    assert_eq!(s.seen.lock().unwrap().baud, 115_200);
    drop(t);
    s.thread.join().unwrap();
    assert!(
        s.events
            .lock()
            .unwrap()
            .contains(&"refused 4000000".to_string())
    );
}

#[test]
fn local_resets_replace_the_sequences_the_client_stretches() {
    let s = serve(1, false, true);
    let mut t = open(&s.url, 115_200);
    // esptool's classic sequence into the bootloader, one command at a time.
    for (dtr, level) in [
        (true, false),
        (false, true),
        (true, false),
        (true, true),
        (false, false),
        (true, true),
        (true, false),
    ] {
        if dtr {
            t.set_dtr(level).unwrap();
        } else {
            t.set_rts(level).unwrap();
        }
    }
    assert_eq!(s.seen.lock().unwrap().resets, ["bootloader"]);
    // Its hard reset: RTS pulsed (DTR re-written as released).
    t.set_rts(true).unwrap();
    t.set_dtr(false).unwrap();
    t.set_rts(false).unwrap();
    t.set_dtr(false).unwrap();
    assert_eq!(s.seen.lock().unwrap().resets, ["bootloader", "hard"]);
    // Only DTR released reached the port itself.
    assert!(
        s.seen
            .lock()
            .unwrap()
            .lines
            .iter()
            .all(|&l| l == ("dtr", false)),
        "{:?}",
        s.seen.lock().unwrap().lines
    );
    drop(t);
    s.thread.join().unwrap();
}

#[test]
fn a_client_that_vanishes_mid_stream_leaves_the_server_for_the_next() {
    let s = serve(2, false, false);
    {
        let addr = s.url.strip_prefix("rfc2217://").unwrap();
        let mut raw = std::net::TcpStream::connect(addr).unwrap();
        // Half a sub-negotiation, then gone.
        raw.write_all(&[0xFF, 0xFA, 44, 1, 0x00]).unwrap();
    }
    let mut t = open(&s.url, 115_200);
    t.write_all(b"still here").unwrap();
    assert_eq!(read_exactly(&mut t, 10), b"still here");
    drop(t);
    s.thread.join().unwrap();
    let events = s.events.lock().unwrap();
    assert_eq!(events.len(), 4, "{events:?}");
    assert_eq!(events[0], "connected");
    assert!(events[1] == "closed" || events[1] == "lost", "{events:?}");
    assert_eq!(events[2..], ["connected", "closed"]);
}

#[test]
fn ign_set_control_sends_line_changes_without_waiting_for_answers() {
    let s = serve(1, false, false);
    let url = format!("{}?ign_set_control", s.url);
    let mut t = open(&url, 115_200);
    t.set_dtr(true).unwrap();
    t.set_rts(true).unwrap();
    // The answers left unclaimed do not disturb what follows.
    t.set_baud(460_800).unwrap();
    t.write_all(b"\xFFdata").unwrap();
    assert_eq!(read_exactly(&mut t, 5), b"\xFFdata");
    assert_eq!(s.seen.lock().unwrap().lines, [("dtr", true), ("rts", true)]);
    drop(t);
    s.thread.join().unwrap();
}
