//! Which port a chip is on: one named, or the system's ports scanned in the order
//! esptool tries them; and how names are opened (serial devices and ptys, `socket://`,
//! and whatever extra [`PortOpener`]s know, such as `virtual:`).

use espctl_transport::ports::{self, PortFilter};
use espctl_transport::{OpenError, PortOpener, Transport};
use std::fmt;
use std::sync::Arc;

/// Where to look for the chip.
#[derive(Clone)]
pub struct PortSpec {
    choice: PortChoice,
    openers: Vec<Arc<dyn PortOpener>>,
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
        }
    }

    /// Scans the system's ports that pass `filter`, trying `extra` first.
    pub fn scan(filter: PortFilter, extra: Vec<String>) -> PortSpec {
        PortSpec {
            choice: PortChoice::Scan { filter, extra },
            openers: Vec::new(),
        }
    }

    /// Also opens the names `opener` knows (asked before the built-in kinds).
    pub fn with_opener(mut self, opener: impl PortOpener + 'static) -> PortSpec {
        self.openers.push(Arc::new(opener));
        self
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
        espctl_transport::open(name, baud)
    }
}

impl fmt::Debug for PortSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PortSpec")
            .field("choice", &self.choice)
            .field("openers", &self.openers.len())
            .finish()
    }
}
