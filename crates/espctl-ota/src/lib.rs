//! Network (over-the-air) updates of ESP8266 and ESP32 devices.
//!
//! [`wire`] is the one definition of the ArduinoOTA protocol's messages (the UDP
//! invitation, the authentication challenge and answer, the device's acknowledgements
//! and error lines), shared by the client here and by the virtual OTA device of
//! `espctl-virtual-ota`. [`arduino`] is the client: espota.py's upload, streamed and
//! compressed, with the two-step update.
//! [`http`] is ESPurna's web upgrade (`POST /upgrade` with Basic or Digest login),
//! [`terminal`] its upgrade from the telnet terminal (`ota <url>`, the image served from
//! here), and [`discover`] finds devices by mDNS (`_arduino._tcp`, `NAME.local`).
//!
//! The library never prints: progress comes back as events.

#![warn(missing_docs)]

pub mod arduino;
pub mod discover;
pub mod http;
mod resolve;
pub mod terminal;
pub mod wire;

pub use resolve::{ResolveError, resolve_host};
