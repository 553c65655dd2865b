//! The ArduinoOTA protocol as the ESP8266 and ESP32 Arduino cores speak it (the
//! `ArduinoOTA` library on the device, `espota.py` on the host).
//!
//! 1. The host listens on a TCP port, then sends the device a UDP invitation
//!    ([`Invitation`]) naming that port, the image size and its MD5.
//! 2. The device answers on UDP: `OK`, `AUTH <nonce>` ([`Challenge`]) when it has a
//!    password, or `ERR: <updater error>` when the image cannot fit.
//! 3. After authentication ([`AuthAnswer`]) the device connects back to the host's TCP
//!    port; the host streams the image; the device acknowledges with decimal byte counts
//!    ([`Acks`]) and ends with `OK` or an updater error line ([`UpdaterError`]).

mod acks;
mod auth;
mod invitation;
mod updater_error;

pub use acks::{AckEvent, Acks};
pub use auth::{AuthAnswer, AuthScheme, Challenge, client_nonce, pbkdf2_hmac_sha256};
pub use invitation::{Invitation, UpdateTarget};
pub use updater_error::UpdaterError;

/// The UDP port the ESP8266 Arduino core's ArduinoOTA listens on by default.
pub const ESP8266_PORT: u16 = 8266;
/// The UDP port arduino-esp32's ArduinoOTA listens on by default.
pub const ESP32_PORT: u16 = 3232;
/// What the device sends on UDP when the invitation or the authentication is accepted,
/// and on TCP when the update ended well.
pub const OK: &str = "OK";
/// The device's UDP answer to a wrong password (ArduinoOTA.cpp).
pub const AUTH_FAILED: &str = "Authentication Failed";
/// Prefix of the device's UDP answer when `Update.begin` refuses the update (ESP8266).
pub const BEGIN_ERROR_PREFIX: &str = "ERR: ";
