//! How a port is opened: settings a front end chooses (esptool takes them from its
//! configuration file), and the error of a write that timed out.

use std::time::Duration;

/// How long one write may block by default (esptool's `serial_write_timeout`: 10 s).
pub const DEFAULT_WRITE_TIMEOUT: Duration = Duration::from_secs(10);

/// Settings for opening a port. Built from the defaults:
/// `PortOptions::default().write_timeout(Duration::from_secs(2))`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct PortOptions {
    /// How long a write to a serial port may block before it fails with
    /// [`WriteTimedOut`] (a port that takes no data: flow control held, a stuck
    /// driver). Sockets and RFC 2217 ports have none, as in esptool.
    pub write_timeout: Duration,
}

impl Default for PortOptions {
    fn default() -> PortOptions {
        PortOptions {
            write_timeout: DEFAULT_WRITE_TIMEOUT,
        }
    }
}

impl PortOptions {
    /// Sets how long a write may block (zero counts as a millisecond: the system would
    /// take zero as "never time out").
    pub fn write_timeout(mut self, timeout: Duration) -> Self {
        self.write_timeout = timeout.max(Duration::from_millis(1));
        self
    }
}

/// A write that could not finish within the port's write timeout; it is the inner
/// error of an [`std::io::Error`] of kind `TimedOut`, which [`WriteTimedOut::find`]
/// finds again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Write timeout: the port took no data for {} s", after.as_secs_f64())]
pub struct WriteTimedOut {
    /// The write timeout that ran out.
    pub after: Duration,
}

impl WriteTimedOut {
    /// The I/O error that carries it.
    pub fn into_io(self) -> std::io::Error {
        std::io::Error::new(std::io::ErrorKind::TimedOut, self)
    }

    /// The write timeout `e` reports, if it is one.
    pub fn find(e: &std::io::Error) -> Option<WriteTimedOut> {
        e.get_ref()?.downcast_ref::<WriteTimedOut>().copied()
    }
}
