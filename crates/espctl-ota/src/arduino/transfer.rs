//! The TCP half of an upload: the device connects back to the host, the image streams to
//! it, and its acknowledgements (byte counts, then `OK` or an updater error line) are
//! read as they come by a thread of their own. espota.py sends one 1460-byte chunk and
//! waits for its acknowledgement (reference §1.4); streaming lets TCP keep the device's
//! receive window full instead.

use super::error::OtaError;
use super::event::Event;
use crate::wire::{AckEvent, Acks, UpdaterError};
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

/// Bytes per write (several TCP segments; the kernel splits them).
const CHUNK: usize = 8 * 1024;
/// How long one write may block before the device counts as stalled (espota.py's
/// per-chunk timeout).
const STALL_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the acknowledgement reader is given to explain a failed write.
const EXPLAIN_WAIT: Duration = Duration::from_secs(1);

/// How the device's side of the connection ended.
#[derive(Debug)]
enum Outcome {
    Done,
    Failed(UpdaterError),
    /// Closed (or reset) without a verdict.
    Closed,
}

/// Waits for the device to connect back.
pub(crate) fn accept(
    listener: &TcpListener,
    timeout: Duration,
) -> Result<(TcpStream, SocketAddr), OtaError> {
    let network = |source| OtaError::Network {
        doing: "waiting for the device's connection",
        source,
    };
    let port = listener.local_addr().map_err(network)?.port();
    listener.set_nonblocking(true).map_err(network)?;
    let deadline = Instant::now() + timeout;
    loop {
        match listener.accept() {
            Ok((conn, from)) => {
                conn.set_nonblocking(false).map_err(network)?;
                return Ok((conn, from));
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => {
                if Instant::now() >= deadline {
                    return Err(OtaError::NoConnectBack {
                        port,
                        waited: timeout,
                    });
                }
                thread::sleep(Duration::from_millis(5));
            }
            Err(source) => return Err(network(source)),
        }
    }
}

/// Streams `payload` to the device and waits up to `result_timeout` for its verdict.
pub(crate) fn send_image(
    conn: TcpStream,
    payload: &[u8],
    result_timeout: Duration,
    on_event: &mut dyn FnMut(Event),
) -> Result<(), OtaError> {
    let network = |source| OtaError::Network {
        doing: "sending the image",
        source,
    };
    conn.set_nodelay(true).map_err(network)?;
    conn.set_write_timeout(Some(STALL_TIMEOUT))
        .map_err(network)?;
    let reader = conn.try_clone().map_err(network)?;
    let (tx, outcome) = mpsc::channel();
    let acks = thread::spawn(move || {
        let _ = tx.send(read_acks(reader));
    });
    let result = write_all(&conn, payload, &outcome, on_event).and_then(|()| {
        on_event(Event::Verifying);
        verdict(&outcome, payload.len() as u64, result_timeout)
    });
    // Ends the reader's blocking read, whatever happened.
    let _ = conn.shutdown(Shutdown::Both);
    let _ = acks.join();
    result
}

/// Writes the image, stopping early when the device ends the update.
fn write_all(
    mut conn: &TcpStream,
    payload: &[u8],
    outcome: &Receiver<Outcome>,
    on_event: &mut dyn FnMut(Event),
) -> Result<(), OtaError> {
    let total = payload.len() as u64;
    let mut sent = 0u64;
    on_event(Event::Progress { sent, total });
    for chunk in payload.chunks(CHUNK) {
        if let Ok(early) = outcome.try_recv() {
            return ended_early(early, sent, total);
        }
        if let Err(e) = conn.write_all(chunk) {
            return match outcome.recv_timeout(EXPLAIN_WAIT) {
                Ok(Outcome::Failed(error)) => Err(OtaError::UpdateFailed { error }),
                _ if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    Err(OtaError::Stalled { sent, total })
                }
                _ => Err(OtaError::ClosedMidTransfer { sent, total }),
            };
        }
        sent += chunk.len() as u64;
        on_event(Event::Progress { sent, total });
    }
    Ok(())
}

fn ended_early(outcome: Outcome, sent: u64, total: u64) -> Result<(), OtaError> {
    match outcome {
        Outcome::Failed(error) => Err(OtaError::UpdateFailed { error }),
        Outcome::Done | Outcome::Closed => Err(OtaError::ClosedMidTransfer { sent, total }),
    }
}

/// The device's verdict once every byte is out.
fn verdict(outcome: &Receiver<Outcome>, total: u64, timeout: Duration) -> Result<(), OtaError> {
    match outcome.recv_timeout(timeout) {
        Ok(Outcome::Done) => Ok(()),
        Ok(Outcome::Failed(error)) => Err(OtaError::UpdateFailed { error }),
        Ok(Outcome::Closed) | Err(RecvTimeoutError::Disconnected) => {
            Err(OtaError::ClosedWithoutResult { total })
        }
        Err(RecvTimeoutError::Timeout) => Err(OtaError::NoResult {
            total,
            waited: timeout,
        }),
    }
}

/// Reads the acknowledgement stream to its end.
fn read_acks(mut conn: TcpStream) -> Outcome {
    let mut acks = Acks::new();
    let mut buf = [0u8; 512];
    loop {
        let (event, ended) = match conn.read(&mut buf) {
            Ok(0) => (acks.finish(), true),
            Ok(n) => (acks.push(&buf[..n]), false),
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            // Reset by the device: what it sent before still counts.
            Err(_) => (acks.finish(), true),
        };
        match event {
            AckEvent::Done => return Outcome::Done,
            AckEvent::Failed(error) => return Outcome::Failed(error),
            AckEvent::Counting if ended => return Outcome::Closed,
            AckEvent::Counting => {}
        }
    }
}
