//! Progress through one run of a write, in bytes of flash content (compressed parts
//! count what they unpack to).

use crate::event::{Event, Operation};

/// Where a run has got to.
pub(super) struct RunProgress {
    addr: u32,
    done: u64,
    total: u64,
    /// Whether the events are reported (a heal's resending is not progress).
    shown: bool,
}

impl RunProgress {
    /// A run of `total` bytes from `addr`, nothing done yet.
    pub fn new(addr: u32, total: u64) -> RunProgress {
        RunProgress {
            addr,
            done: 0,
            total,
            shown: true,
        }
    }

    /// Progress nobody is told about.
    pub fn hidden() -> RunProgress {
        RunProgress {
            shown: false,
            ..RunProgress::new(0, 0)
        }
    }

    /// The event that starts the run's progress.
    pub fn start(&self) -> Event {
        Event::ProgressStart {
            op: Operation::Write,
            addr: self.addr,
            total: self.total,
        }
    }

    /// `bytes` more are done: the event that says so, if it is shown.
    pub fn advance(&mut self, bytes: u64) -> Option<Event> {
        self.done = (self.done + bytes).min(self.total);
        self.shown.then(|| Event::Progress {
            op: Operation::Write,
            addr: self.addr + self.done as u32,
            done: self.done,
            total: self.total,
        })
    }
}
