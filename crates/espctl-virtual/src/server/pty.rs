//! The device behind a pseudo-terminal: clients open the slave path like a serial port.
//!
//! The server keeps its own descriptor of the slave open, so a client closing the port
//! does not hang up the master (test-harness-facts §1.4) and the next client can open it
//! again. The device's state carries over from one client to the next, as on a real
//! board whose USB bridge cannot reset it (a pty has no DTR/RTS): reset it between
//! clients with a [`ResetHandle`] (SIGUSR1 through `block_server_signals`).
//!
//! A pty carries the rate its client set (`tcsetattr`, or `TCSETS2` for custom rates as
//! pyserial and serialport use): the server reads it before handing the client's bytes to
//! the device, so a client and a chip at different rates hear garbage, as on a serial
//! line.

use super::{Port, ResetHandle};
use crate::Device;
use nix::pty::openpty;
use nix::sys::termios::{SetArg, cfmakeraw, tcgetattr, tcsetattr};
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

/// The device behind a pseudo-terminal: clients open its slave path like a serial port
/// (no modem lines, so no resets from the client).
pub struct PtyServer {
    master: File,
    _slave: OwnedFd,
    path: PathBuf,
    port: Port,
}

impl PtyServer {
    /// Creates the pty (raw mode: no echo, no line editing, no CR/LF translation).
    pub fn open(device: Device) -> io::Result<PtyServer> {
        let pty = openpty(None, None).map_err(io::Error::from)?;
        let mut termios = tcgetattr(&pty.slave).map_err(io::Error::from)?;
        cfmakeraw(&mut termios);
        tcsetattr(&pty.slave, SetArg::TCSANOW, &termios).map_err(io::Error::from)?;
        let path = nix::unistd::ttyname(&pty.slave).map_err(io::Error::from)?;
        let master = File::from(pty.master);
        let port = Port::new(device);
        port.set_link(Some(Box::new(master.try_clone()?)));
        Ok(PtyServer {
            master,
            _slave: pty.slave,
            path,
            port,
        })
    }

    /// The slave's path, for the client's `--port`.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A handle that resets the device from another thread (signals).
    pub fn reset_handle(&self) -> ResetHandle {
        ResetHandle(self.port.clone())
    }

    /// Serves whoever opens the pty, forever.
    pub fn serve(&self) -> io::Result<()> {
        let mut master = &self.master;
        let mut buf = [0u8; 16 * 1024];
        loop {
            match master.read(&mut buf) {
                // Nothing to read (no writer yet): wait a little rather than spin.
                Ok(0) => std::thread::sleep(std::time::Duration::from_millis(10)),
                Ok(n) => {
                    if let Some(baud) = line_rate(&self._slave) {
                        self.port.set_host_baud(baud);
                    }
                    self.port.feed(&buf[..n])
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
        }
    }
}

/// The output rate the pty's termios holds (the rate its client set).
#[cfg(any(target_os = "linux", target_os = "android"))]
fn line_rate(fd: &OwnedFd) -> Option<u32> {
    use std::os::fd::AsRawFd;
    // TCGETS2 reports the rate in bauds whether it was set as a `Bxxx` constant or as a
    // custom rate (`BOTHER`).
    let mut t: libc::termios2 = unsafe { std::mem::zeroed() };
    // SAFETY: TCGETS2 fills a `termios2` the pointer refers to; the descriptor is open.
    let r = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TCGETS2, &mut t) };
    (r == 0 && t.c_ospeed > 0).then_some(t.c_ospeed)
}

/// Elsewhere the rate is not read: no mismatch is modelled, as over a socket.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn line_rate(_fd: &OwnedFd) -> Option<u32> {
    None
}
