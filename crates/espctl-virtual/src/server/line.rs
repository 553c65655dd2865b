//! The device as a line that code in this process reads and writes in real time, with
//! DTR and RTS reaching the board's reset circuit: what a relay such as the RFC 2217
//! server of `espctl virtual --rfc2217` puts on the network.

use super::{Port, ResetHandle};
use crate::Device;
use std::collections::VecDeque;
use std::io::{self, Write};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// What the device has sent to the host, waiting to be read.
#[derive(Default)]
struct Inbox {
    bytes: Mutex<VecDeque<u8>>,
    arrived: Condvar,
}

/// The device's transmit thread writes here.
struct InboxWriter(Arc<Inbox>);

impl Write for InboxWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut bytes = self.0.bytes.lock().unwrap_or_else(|e| e.into_inner());
        bytes.extend(buf);
        self.0.arrived.notify_all();
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The host's end of the device's serial line, in this process.
pub struct LocalLine {
    port: Port,
    inbox: Arc<Inbox>,
}

impl LocalLine {
    /// Connects to `device`; its answers arrive when its timing says they reach the host.
    pub fn new(device: Device) -> LocalLine {
        let port = Port::new(device);
        let inbox = Arc::new(Inbox::default());
        port.set_link(Some(Box::new(InboxWriter(inbox.clone()))));
        LocalLine { port, inbox }
    }

    /// A handle that resets the device from another thread (signals).
    pub fn reset_handle(&self) -> ResetHandle {
        ResetHandle(self.port.clone())
    }

    /// Bytes from the host.
    pub fn write(&self, bytes: &[u8]) {
        self.port.feed(bytes);
    }

    /// Waits up to `timeout` for bytes from the device; 0 when none came.
    pub fn read(&self, buf: &mut [u8], timeout: Duration) -> usize {
        let deadline = Instant::now() + timeout;
        let mut bytes = self.inbox.bytes.lock().unwrap_or_else(|e| e.into_inner());
        while bytes.is_empty() {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return 0;
            }
            bytes = self
                .inbox
                .arrived
                .wait_timeout(bytes, left)
                .unwrap_or_else(|e| e.into_inner())
                .0;
        }
        let n = buf.len().min(bytes.len());
        for (slot, b) in buf.iter_mut().zip(bytes.drain(..n)) {
            *slot = b;
        }
        n
    }

    /// Drops what the device sent (or queued) and nobody read yet.
    pub fn clear_input(&self) {
        self.port.device().clear_output();
        self.inbox
            .bytes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    /// The rate the host's end runs at.
    pub fn set_baud(&self, baud: u32) {
        let mut device = self.port.device();
        if device.host_baud() != Some(baud) {
            device.set_baud(baud);
        }
    }

    /// DTR and RTS (`true` = asserted) through the board's reset circuit.
    pub fn set_modem_lines(&self, dtr: bool, rts: bool) {
        self.port.device().set_modem_lines(dtr, rts);
        // A reset may print a boot log.
        self.port.0.wake.notify_one();
    }
}
