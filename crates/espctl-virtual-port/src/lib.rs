//! The virtual device ([`espctl_virtual::Device`]) behind espctl-flasher's
//! [`Transport`](espctl_transport::Transport) trait, in this process: what
//! `--port virtual:esp8266` opens, and what the library's tests talk to.
//!
//! The device answers inside `write`, so no thread and no real time are involved: the
//! chip runs on a [`ManualClock`](espctl_virtual::clock::ManualClock) that read timeouts
//! and reset pauses advance.
//!
//! Between the host and the chip sits a model of the board and the serial adapter
//! ([`Wiring`]): rates the adapter garbles or refuses, missing reset lines, an
//! unconnected GPIO0, a dead TX line; optionally a [`LineTap`] that sees every frame
//! each way (to record commands, answer in the chip's place, or damage a reply); and
//! byte-level [`Faults`] (flipped bits, lost and doubled bytes, stalls, a pulled cable).
//! [`FaultProxy`] puts the same faults (but stalls) on a TCP line between two processes.

#![warn(missing_docs)]

mod chip;
mod faults;
mod live;
mod port;
mod proxy;
mod spec;
mod wiring;

pub use chip::VirtualChip;
pub use faults::{ByteFaults, Cut, FaultCounts, Faults};
pub use live::LivePort;
pub use port::VirtualPort;
pub use proxy::FaultProxy;
pub use spec::{VirtualPorts, open};
pub use wiring::{LineTap, Wiring};
