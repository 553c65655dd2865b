//! Puts a [`Device`] on a byte stream a real client can open: a TCP port (`socket://`
//! URLs) or a pty (a path like `/dev/pts/3`); or, as a [`LocalLine`] with DTR and RTS,
//! in front of a relay in this process (the RFC 2217 server of `espctl virtual
//! --rfc2217`).
//!
//! Neither the TCP port nor the pty carries modem lines, so a client cannot reset the chip. A
//! [`ResetHandle`] does it from outside, as a user pressing the buttons; on Unix,
//! [`block_server_signals`] maps SIGUSR1 to "reset into download mode" and SIGUSR2 to
//! "reset and run the program in flash".

use crate::Device;
use espctl_chips::BootMode;
use std::io::Write;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

mod line;
#[cfg(unix)]
mod pty;
#[cfg(unix)]
mod signals;
mod tcp;

pub use line::LocalLine;
#[cfg(unix)]
pub use pty::PtyServer;
#[cfg(unix)]
pub use signals::{ServerSignal, ServerSignals, block_server_signals};
pub use tcp::{TcpOptions, TcpServer};

/// The device shared by the server's reader, its writer thread and the reset handle.
struct Shared {
    device: Mutex<Device>,
    /// Where the device's answers go; `None` while no client is connected.
    link: Mutex<Option<Box<dyn Write + Send>>>,
    /// Wakes the writer when the device may have something new to send.
    wake: Condvar,
}

#[derive(Clone)]
pub(crate) struct Port(Arc<Shared>);

impl Port {
    /// Shares `device` and starts the thread that sends its answers, each byte when the
    /// device says it reaches the host (at once with instant timing).
    fn new(device: Device) -> Port {
        let port = Port(Arc::new(Shared {
            device: Mutex::new(device),
            link: Mutex::new(None),
            wake: Condvar::new(),
        }));
        let writer = port.clone();
        std::thread::Builder::new()
            .name("virtual-device-tx".into())
            .spawn(move || writer.send_forever())
            .expect("starting the device's transmit thread");
        port
    }

    fn device(&self) -> MutexGuard<'_, Device> {
        // A panic while holding the lock leaves a device in some state; keep serving it.
        self.0.device.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn link(&self) -> MutexGuard<'_, Option<Box<dyn Write + Send>>> {
        self.0.link.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Hands bytes from the client to the device.
    fn feed(&self, bytes: &[u8]) {
        self.device().write(bytes);
        self.0.wake.notify_one();
    }

    /// The rate the client's end of the line runs at.
    #[cfg(unix)]
    fn set_host_baud(&self, baud: u32) {
        let mut device = self.device();
        if device.host_baud() != Some(baud) {
            device.set_baud(baud);
        }
    }

    fn set_link(&self, link: Option<Box<dyn Write + Send>>) {
        *self.link() = link;
    }

    /// The transmit side: takes what has reached the host by now and writes it to the
    /// link (outside the device lock, so a client that is slow to read never blocks the
    /// device), or sleeps until the next byte is due or new output is queued.
    fn send_forever(&self) {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = {
                let mut device = self.device();
                let n = device.read(&mut buf);
                if n == 0 {
                    let wait = match device.next_output_at() {
                        Some(at) => at.saturating_sub(device.now()).max(MIN_SLEEP),
                        None => IDLE_SLEEP,
                    };
                    let _ = self.0.wake.wait_timeout(device, wait);
                    continue;
                }
                n
            };
            if let Some(link) = self.link().as_mut() {
                // A client that went away loses what was meant for it, as on a real line.
                let _ = link.write_all(&buf[..n]).and_then(|_| link.flush());
            }
        }
    }
}

/// Shortest sleep of the transmit thread: a USB-serial bridge delivers in bursts too.
const MIN_SLEEP: Duration = Duration::from_micros(100);
/// How long the transmit thread sleeps with nothing queued (it is woken earlier by new
/// output).
const IDLE_SLEEP: Duration = Duration::from_millis(100);

/// Resets the served device from outside (the buttons on a board).
#[derive(Clone)]
pub struct ResetHandle(Port);

impl ResetHandle {
    /// Resets the chip with GPIO0 low (`Download`) or high (`Flash`); the boot log goes
    /// to the connected client, if any.
    pub fn reset(&self, mode: BootMode) {
        self.0.device().reset(mode);
        self.0.0.wake.notify_one();
    }

    /// Runs `f` on the device (for inspection).
    pub fn with_device<T>(&self, f: impl FnOnce(&mut Device) -> T) -> T {
        f(&mut self.0.device())
    }
}
