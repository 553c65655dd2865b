//! `--rtt`: the network between host and device, on 127.0.0.1.
//!
//! The model: every packet takes half the round-trip time one way. On the TCP connection
//! a reader thread takes what the host sends as it arrives and holds each 1460-byte
//! segment until half the RTT has passed; what the device sends is held by a writer
//! thread for the same time. UDP answers leave one whole RTT after the request came in
//! (its way in and the answer's way out).
//!
//! The receive window: lwIP on the ESP8266 core advertises `TCP_WND` = 4 x 1460 = 5840
//! bytes, and a sender may have no more than that unacknowledged. The device acknowledges
//! bytes when its program reads them; the acknowledgement reaches the host half an RTT
//! later and the bytes it lets go arrive half an RTT after that. So a segment ending at
//! stream offset `e` is delivered no earlier than one RTT after the program had read up
//! to `e - 5840`, however early the host (whose kernel buffers are large on loopback)
//! actually sent it. A streaming host therefore moves at most 5840 bytes per RTT, as on
//! a real device; a lock-step host (espota: one chunk, then wait for the count) pays one
//! RTT per chunk. The TCP handshake is one half RTT before the connection is made.
//! Without an RTT, nothing is delayed and the socket is used as it is.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// lwIP's `TCP_WND` in the ESP8266 core: four segments of `TCP_MSS` (1460).
pub const RECEIVE_WINDOW: u64 = 4 * 1460;
const SEGMENT: usize = 1460;

/// What a read found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReadOutcome {
    /// This many bytes.
    Data(usize),
    /// The host closed the connection (or it failed).
    Closed,
    /// Nothing within the time given.
    TimedOut,
}

/// Sends a UDP answer, one RTT after the request came in.
pub(crate) fn answer(socket: &UdpSocket, to: SocketAddr, data: &[u8], rtt: Duration) {
    if rtt.is_zero() {
        let _ = socket.send_to(data, to);
        return;
    }
    let (Ok(socket), data) = (socket.try_clone(), data.to_vec()) else {
        return;
    };
    std::thread::spawn(move || {
        std::thread::sleep(rtt);
        let _ = socket.send_to(&data, to);
    });
}

/// The device's TCP connection to the host, through the delay line when there is an RTT.
pub(crate) enum Link {
    /// No latency: the socket itself.
    Direct(TcpStream),
    /// Through the delay line.
    Delayed(Box<Delayed>),
}

impl Link {
    /// Connects to `addr` (after half an RTT), as the device's `WiFiClient::connect`.
    pub(crate) fn connect(addr: SocketAddr, rtt: Duration) -> io::Result<Link> {
        std::thread::sleep(rtt / 2);
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(5))?;
        // ArduinoOTA: "OTA sends little packets".
        stream.set_nodelay(true)?;
        if rtt.is_zero() {
            return Ok(Link::Direct(stream));
        }
        Ok(Link::Delayed(Box::new(Delayed::new(stream, rtt)?)))
    }

    /// Reads what has arrived, waiting up to `timeout` for something.
    pub(crate) fn read(&mut self, buf: &mut [u8], timeout: Duration) -> ReadOutcome {
        match self {
            Link::Direct(stream) => {
                if stream
                    .set_read_timeout(Some(timeout.max(Duration::from_millis(1))))
                    .is_err()
                {
                    return ReadOutcome::Closed;
                }
                match stream.read(buf) {
                    Ok(0) => ReadOutcome::Closed,
                    Ok(n) => ReadOutcome::Data(n),
                    Err(e)
                        if matches!(
                            e.kind(),
                            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                        ) =>
                    {
                        ReadOutcome::TimedOut
                    }
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => ReadOutcome::TimedOut,
                    Err(_) => ReadOutcome::Closed,
                }
            }
            Link::Delayed(delayed) => delayed.read(buf, timeout),
        }
    }

    /// Sends `data` to the host.
    pub(crate) fn send(&mut self, data: &[u8]) -> io::Result<()> {
        match self {
            Link::Direct(stream) => stream.write_all(data),
            Link::Delayed(delayed) => delayed.send(data),
        }
    }

    /// Closes the connection once everything sent has left (`client.stop()`).
    pub(crate) fn close(self) {
        match self {
            Link::Direct(stream) => drop(stream),
            Link::Delayed(delayed) => delayed.close(),
        }
    }
}

/// Bytes that arrived: a segment of the stream, deliverable from `due`.
struct Segment {
    due: Instant,
    /// Stream offset just past the segment.
    end: u64,
    data: Vec<u8>,
    taken: usize,
}

#[derive(Default)]
struct Inbound {
    segments: VecDeque<Segment>,
    /// When the host's close reaches the device.
    closed_at: Option<Instant>,
}

type Shared = Arc<(Mutex<Inbound>, Condvar)>;

/// The delay line of one connection.
pub(crate) struct Delayed {
    stream: TcpStream,
    rtt: Duration,
    inbound: Shared,
    reader: Option<JoinHandle<()>>,
    /// Bytes the program has read.
    consumed: u64,
    /// (bytes read in all, when) after each read, for the window.
    reads: VecDeque<(u64, Instant)>,
    outbound: Option<mpsc::Sender<(Instant, Vec<u8>)>>,
    writer: Option<JoinHandle<()>>,
}

impl Delayed {
    fn new(stream: TcpStream, rtt: Duration) -> io::Result<Delayed> {
        let half = rtt / 2;
        let inbound: Shared = Arc::default();
        let mut from_host = stream.try_clone()?;
        let shared = inbound.clone();
        let reader = std::thread::spawn(move || receive(&mut from_host, &shared, half));
        let mut to_host = stream.try_clone()?;
        let (tx, rx) = mpsc::channel::<(Instant, Vec<u8>)>();
        let writer = std::thread::spawn(move || {
            for (due, data) in rx {
                std::thread::sleep(due.saturating_duration_since(Instant::now()));
                if to_host.write_all(&data).is_err() {
                    break;
                }
            }
        });
        Ok(Delayed {
            stream,
            rtt,
            inbound,
            reader: Some(reader),
            consumed: 0,
            reads: VecDeque::new(),
            outbound: Some(tx),
            writer: Some(writer),
        })
    }

    /// When the segment `s` can be read: half an RTT after it arrived, and one RTT after
    /// the program had read up to `s.end - RECEIVE_WINDOW` (the window let the host send
    /// it then). `pending` bytes are being read at `now`. `None`: the program has not
    /// read that far yet.
    fn readable_at(&self, s: &Segment, pending: u64, now: Instant) -> Option<Instant> {
        let Some(needed) = s.end.checked_sub(RECEIVE_WINDOW).filter(|&n| n > 0) else {
            return Some(s.due);
        };
        let read_at = if needed <= self.consumed {
            self.reads.iter().find(|(total, _)| *total >= needed)?.1
        } else if needed <= self.consumed + pending {
            now
        } else {
            return None;
        };
        Some(s.due.max(read_at + self.rtt))
    }

    fn read(&mut self, buf: &mut [u8], timeout: Duration) -> ReadOutcome {
        let deadline = Instant::now() + timeout;
        let shared = self.inbound.clone();
        let (lock, arrived) = &*shared;
        let mut inbound = lock.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            let now = Instant::now();
            let mut filled = 0;
            while filled < buf.len() {
                let Some(segment) = inbound.segments.front() else {
                    break;
                };
                if self
                    .readable_at(segment, filled as u64, now)
                    .is_none_or(|t| t > now)
                {
                    break;
                }
                let segment = inbound.segments.front_mut().expect("looked at above");
                let n = (segment.data.len() - segment.taken).min(buf.len() - filled);
                buf[filled..filled + n]
                    .copy_from_slice(&segment.data[segment.taken..segment.taken + n]);
                segment.taken += n;
                filled += n;
                if segment.taken == segment.data.len() {
                    inbound.segments.pop_front();
                }
            }
            if filled > 0 {
                self.consumed += filled as u64;
                self.reads.push_back((self.consumed, now));
                let oldest_needed = (self.consumed + 1).saturating_sub(RECEIVE_WINDOW);
                while self.reads.len() > 1 && self.reads[0].0 < oldest_needed {
                    self.reads.pop_front();
                }
                return ReadOutcome::Data(filled);
            }
            let next = match (inbound.segments.front(), inbound.closed_at) {
                (Some(s), _) => self.readable_at(s, 0, now),
                (None, Some(at)) if at <= now => return ReadOutcome::Closed,
                (None, closed) => closed,
            };
            if now >= deadline {
                return ReadOutcome::TimedOut;
            }
            let until = next.map_or(deadline, |t| t.min(deadline));
            let wait = until
                .saturating_duration_since(now)
                .max(Duration::from_micros(100));
            inbound = arrived
                .wait_timeout(inbound, wait)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
    }

    fn send(&mut self, data: &[u8]) -> io::Result<()> {
        let due = Instant::now() + self.rtt / 2;
        self.outbound
            .as_ref()
            .and_then(|tx| tx.send((due, data.to_vec())).ok())
            .ok_or_else(|| io::Error::from(io::ErrorKind::BrokenPipe))
    }

    fn close(mut self) {
        drop(self.outbound.take());
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}

impl Drop for Delayed {
    fn drop(&mut self) {
        drop(self.outbound.take());
        let _ = self.stream.shutdown(std::net::Shutdown::Both);
    }
}

/// The reader thread: stamps what arrives with the time it reaches the device.
fn receive(stream: &mut TcpStream, shared: &Shared, half: Duration) {
    let (lock, arrived) = &**shared;
    let mut offset = 0u64;
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match stream.read(&mut buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Ok(0) | Err(_) => 0,
            Ok(n) => n,
        };
        let due = Instant::now() + half;
        let mut inbound = lock.lock().unwrap_or_else(|e| e.into_inner());
        if n == 0 {
            inbound.closed_at = Some(due);
            arrived.notify_all();
            return;
        }
        for chunk in buf[..n].chunks(SEGMENT) {
            offset += chunk.len() as u64;
            inbound.segments.push_back(Segment {
                due,
                end: offset,
                data: chunk.to_vec(),
                taken: 0,
            });
        }
        arrived.notify_all();
    }
}
