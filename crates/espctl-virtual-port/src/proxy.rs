//! A poor line between two processes: a TCP proxy on 127.0.0.1 that relays each client
//! to an upstream `socket://` device (`espctl virtual --listen`) through [`Faults`], so
//! that esptool and espctl can be run over the same damaged line. A pulled cable closes
//! the connection and refuses new ones (the port is gone) until it is back. Stalls are
//! not modelled here (they belong to a port's read timeout); every new client finds the
//! device freshly reset, as `espctl virtual --listen` does.

use crate::faults::Faults;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

/// A running proxy; it stops when dropped.
pub struct FaultProxy {
    port: u16,
    stop: Arc<AtomicBool>,
}

impl FaultProxy {
    /// Listens on a free port of 127.0.0.1 and relays every client to `upstream`
    /// (`host:port`) with `faults` on the line.
    pub fn start(upstream: &str, faults: Faults) -> io::Result<FaultProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        listener.set_nonblocking(true)?;
        let stop = Arc::new(AtomicBool::new(false));
        let upstream = upstream.to_string();
        let stopping = stop.clone();
        thread::spawn(move || {
            let mut listening = Some(listener);
            while !stopping.load(Ordering::Relaxed) {
                if faults.is_down() {
                    // The cable is out: the port is gone, opening it is refused.
                    listening = None;
                    thread::sleep(Duration::from_millis(5));
                    continue;
                }
                let Some(listener) = &listening else {
                    listening = rebind(port);
                    continue;
                };
                match listener.accept() {
                    Ok((client, _)) => {
                        let _ = relay(client, &upstream, faults.clone());
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        thread::sleep(Duration::from_millis(5))
                    }
                    Err(_) => return,
                }
            }
        });
        Ok(FaultProxy { port, stop })
    }

    /// What a client opens: `socket://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("socket://127.0.0.1:{}", self.port)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Listens on `port` again once the cable is back (`None` until the system lets go of
/// it).
fn rebind(port: u16) -> Option<TcpListener> {
    let listener =
        TcpListener::bind(("127.0.0.1", port)).and_then(|l| l.set_nonblocking(true).map(|()| l));
    if listener.is_err() {
        thread::sleep(Duration::from_millis(5));
    }
    listener.ok()
}

/// Relays one client to a new upstream connection, damaging bytes each way.
fn relay(client: TcpStream, upstream: &str, faults: Faults) -> io::Result<()> {
    client.set_nonblocking(false)?;
    let device = TcpStream::connect(upstream)?;
    for s in [&client, &device] {
        s.set_nodelay(true)?;
    }
    let (client_in, device_out) = (client.try_clone()?, device.try_clone()?);
    let to_chip = faults.clone();
    thread::spawn(move || {
        pump(client_in, device_out, |bytes| {
            let sent = to_chip.host_sends(bytes);
            (sent.bytes, sent.cut.is_some())
        })
    });
    thread::spawn(move || pump(device, client, |bytes| (faults.chip_sends(bytes), false)));
    Ok(())
}

/// Copies `from` to `to` through `damage` until either side closes or the cable is
/// pulled (then both close).
fn pump(mut from: TcpStream, mut to: TcpStream, mut damage: impl FnMut(&[u8]) -> (Vec<u8>, bool)) {
    let mut buf = [0u8; 4096];
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let (bytes, cut) = damage(&buf[..n]);
        if cut || to.write_all(&bytes).is_err() {
            break;
        }
    }
    let _ = from.shutdown(Shutdown::Both);
    let _ = to.shutdown(Shutdown::Both);
}
