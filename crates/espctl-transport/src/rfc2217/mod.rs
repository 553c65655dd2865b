//! RFC 2217 ("Telnet Com Port Control"): a serial port carried over TCP with its rate,
//! DTR/RTS and purges. One codec ([`wire`]) and one option negotiation serve both the
//! client (`rfc2217://` ports) and the server (`espctl serve-port`).

mod client;
mod lines;
mod options;
mod server;
pub mod wire;

pub use client::Rfc2217Transport;
pub use lines::{LinePolicy, LocalReset};
pub use server::{Rfc2217Server, ServerEvent, SessionEnd};
