//! Puts a [`Device`] on a byte stream a real client can open: a TCP port (`socket://`
//! URLs) or a pty (a path like `/dev/pts/3`).
//!
//! Neither transport carries modem lines, so a client cannot reset the chip. A
//! [`ResetHandle`] does it from outside, as a user pressing the buttons; on Unix,
//! [`forward_reset_signals`] maps SIGUSR1 to "reset into download mode" and SIGUSR2 to
//! "reset and run the program in flash".

use crate::Device;
use espctl_chips::BootMode;
use std::io::{self, Write};
use std::sync::{Arc, Mutex, MutexGuard};

#[cfg(unix)]
mod pty;
#[cfg(unix)]
mod signals;
mod tcp;

#[cfg(unix)]
pub use pty::PtyServer;
#[cfg(unix)]
pub use signals::forward_reset_signals;
pub use tcp::{TcpOptions, TcpServer};

/// The device and the stream its answers go to, shared by the server loop and resets.
struct Shared {
    device: Device,
    link: Option<Box<dyn Write + Send>>,
}

#[derive(Clone)]
pub(crate) struct Port(Arc<Mutex<Shared>>);

impl Port {
    fn new(device: Device) -> Port {
        Port(Arc::new(Mutex::new(Shared { device, link: None })))
    }

    fn lock(&self) -> MutexGuard<'_, Shared> {
        // A panic while holding the lock leaves a device in some state; keep serving it.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Hands bytes from the client to the device and sends its answers back.
    fn feed(&self, bytes: &[u8]) -> io::Result<()> {
        let mut shared = self.lock();
        shared.device.write(bytes);
        shared.flush()
    }

    fn set_link(&self, link: Option<Box<dyn Write + Send>>) {
        self.lock().link = link;
    }
}

impl Shared {
    /// Sends everything the device has queued to the link (or drops it without one).
    fn flush(&mut self) -> io::Result<()> {
        let mut buf = [0u8; 16 * 1024];
        loop {
            let n = self.device.read(&mut buf);
            if n == 0 {
                break;
            }
            if let Some(link) = &mut self.link {
                link.write_all(&buf[..n])?;
            }
        }
        if let Some(link) = &mut self.link {
            link.flush()?;
        }
        Ok(())
    }
}

/// Resets the served device from outside (the buttons on a board).
#[derive(Clone)]
pub struct ResetHandle(Port);

impl ResetHandle {
    /// Resets the chip with GPIO0 low (`Download`) or high (`Flash`); the boot log goes
    /// to the connected client, if any.
    pub fn reset(&self, mode: BootMode) -> io::Result<()> {
        let mut shared = self.0.lock();
        shared.device.reset(mode);
        shared.flush()
    }

    /// Runs `f` on the device (for inspection).
    pub fn with_device<T>(&self, f: impl FnOnce(&mut Device) -> T) -> T {
        f(&mut self.0.lock().device)
    }
}
