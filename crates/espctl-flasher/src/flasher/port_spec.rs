//! Which port a chip is on: one named, or the system's ports scanned in the order
//! esptool tries them; and how names are opened (serial devices and ptys, `socket://`,
//! and whatever extra [`PortOpener`]s know, such as `virtual:`).

use espctl_transport::ports::{self, PortFilter};
use espctl_transport::{OpenError, PortOpener, PortOptions, Transport};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// The wait between two attempts to open a port and connect (esptool: 0.1 s).
pub const OPEN_RETRY_WAIT: Duration = Duration::from_millis(100);

/// Where to look for the chip.
#[derive(Clone)]
pub struct PortSpec {
    choice: PortChoice,
    openers: Vec<Arc<dyn PortOpener>>,
    options: PortOptions,
    open_attempts: u32,
}

/// One port, or a scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PortChoice {
    /// This port only: a serial device or pty path, `socket://HOST:PORT`, or a name an
    /// extra opener knows.
    Named(String),
    /// The system's ports that pass `filter`, after `extra` ports the system does not
    /// list (ptys, `socket://` URLs), tried in order until a chip answers.
    Scan {
        /// Which listed ports to try.
        filter: PortFilter,
        /// Ports tried first.
        extra: Vec<String>,
    },
}

impl PortSpec {
    /// The port named `name`.
    pub fn named(name: impl Into<String>) -> PortSpec {
        PortSpec {
            choice: PortChoice::Named(name.into()),
            openers: Vec::new(),
            options: PortOptions::default(),
            open_attempts: 1,
        }
    }

    /// Scans the system's ports that pass `filter`, trying `extra` first.
    pub fn scan(filter: PortFilter, extra: Vec<String>) -> PortSpec {
        PortSpec {
            choice: PortChoice::Scan { filter, extra },
            openers: Vec::new(),
            options: PortOptions::default(),
            open_attempts: 1,
        }
    }

    /// Also opens the names `opener` knows (asked before the built-in kinds).
    pub fn with_opener(mut self, opener: impl PortOpener + 'static) -> PortSpec {
        self.openers.push(Arc::new(opener));
        self
    }

    /// Sets how ports are opened (the write timeout of serial ports).
    pub fn port_options(mut self, options: PortOptions) -> PortSpec {
        self.options = options;
        self
    }

    /// Sets how often a named port is opened and connected to before giving up, with
    /// [`OPEN_RETRY_WAIT`] between attempts (esptool's `open_port_attempts`; 0: until
    /// it works, as for a USB port that comes back after a reset). Used only when the
    /// chip is named too, as by esptool; 1 by default.
    pub fn open_attempts(mut self, attempts: u32) -> PortSpec {
        self.open_attempts = attempts;
        self
    }

    /// How often a named port is tried (0: until it works).
    pub fn attempts(&self) -> u32 {
        self.open_attempts
    }

    /// One port or a scan.
    pub fn choice(&self) -> &PortChoice {
        &self.choice
    }

    /// The ports to try, in order.
    pub fn candidates(&self) -> Vec<String> {
        match &self.choice {
            PortChoice::Named(name) => vec![name.clone()],
            PortChoice::Scan { filter, extra } => {
                ports::candidates(ports::system_ports(), extra, filter)
            }
        }
    }

    /// Opens the port `name` at `baud`.
    pub fn open(&self, name: &str, baud: u32) -> Result<Box<dyn Transport>, OpenError> {
        for opener in &self.openers {
            if let Some(opened) = opener.open(name, baud) {
                return opened;
            }
        }
        espctl_transport::open_with(name, baud, &self.options)
    }
}

impl fmt::Debug for PortSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PortSpec")
            .field("choice", &self.choice)
            .field("openers", &self.openers.len())
            .field("options", &self.options)
            .field("open_attempts", &self.open_attempts)
            .finish()
    }
}
