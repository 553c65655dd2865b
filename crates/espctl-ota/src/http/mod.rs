//! ESPurna's web upgrade (`POST /upgrade`, [`web_upgrade`]) and the small HTTP/1.1 both
//! upgrades need: a client over a plain `TcpStream` (one request per connection, as the
//! ESP web servers close after each answer), Basic and Digest authentication
//! ([`auth`]), the multipart form ([`multipart`]), and a one-file server for the
//! terminal upgrade ([`ImageServer`]).
//!
//! The formats live here once: the virtual device parses requests, checks logins and
//! reads the form with these same functions.

pub mod auth;
mod message;
pub mod multipart;
mod serve;
mod upgrade;
mod url;

pub use message::{
    Head, MAX_HEAD, MAX_RESPONSE_BODY, Response, read_body, read_head, read_response,
};
pub use serve::{ImageServer, ServeEvent};
pub use upgrade::{WebEvent, WebUpgrade, WebUpgradeError, web_upgrade};
pub use url::{Url, UrlError, encode_path_segment};

use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// What a user can do about a failed web or terminal upgrade. The library never words
/// advice: the front end turns each into its own sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UpgradeHint {
    /// The device wants a password: give it (ESPurna: the admin password).
    GivePassword,
    /// The password was refused: check it (and the user name).
    CheckPassword,
    /// Nothing answered, or not the expected service: check the address and port.
    CheckAddress,
    /// The device refused the image itself: check that it is an ESP8266 application
    /// image for this flash size.
    CheckImage,
    /// Not enough free space: a two-step update (a smaller image first) or a gzip image.
    TwoStep,
    /// The device could not reach this computer: check its firewall, or name an address
    /// the device can reach.
    CheckReachability,
    /// The device is busy or the transfer broke: wait and try again.
    Retry,
}

/// A fresh value of `hex_digits` hexadecimal digits for nonces and boundaries (not for
/// secrets: it is unpredictable enough to not collide, no more).
pub fn random_hex(hex_digits: usize) -> String {
    use md5::{Digest, Md5};
    use std::hash::{BuildHasher, Hasher};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let mut out = String::new();
    while out.len() < hex_digits {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        hasher.write_u128(now.as_nanos());
        hasher.write_u32(std::process::id());
        let digest = Md5::digest(hasher.finish().to_le_bytes());
        out.extend(digest.iter().map(|b| format!("{b:02x}")));
    }
    out.truncate(hex_digits);
    out
}

/// Connects to `host` (a name, `NAME.local` or an address) on `port`.
pub(crate) fn connect(
    host: &str,
    port: u16,
    timeout: Duration,
) -> std::io::Result<(TcpStream, SocketAddr)> {
    let ip = crate::resolve_host(host)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::NotFound, e.to_string()))?;
    let address = SocketAddr::new(ip, port);
    TcpStream::connect_timeout(&address, timeout).map(|stream| (stream, address))
}

#[cfg(test)]
mod tests {
    #[test]
    fn random_hex_differs_each_time() {
        let a = super::random_hex(32);
        let b = super::random_hex(32);
        assert_eq!(a.len(), 32);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert_eq!(super::random_hex(70).len(), 70);
    }
}
