//! The password challenge. The device sends `AUTH <nonce>`; the host answers
//! `200 <cnonce> <response>\n`. Two schemes exist, told apart by the nonce's length:
//! - MD5 (ESP8266 core, arduino-esp32 before 3.3.1): 32-hex nonce;
//!   `response = md5(md5(password) ":" nonce ":" cnonce)`.
//! - SHA-256 (arduino-esp32 3.3.1 on): 64-hex nonce;
//!   `key = PBKDF2-HMAC-SHA256(sha256(password), nonce ":" cnonce, 10000)`,
//!   `response = sha256(hex(key) ":" nonce ":" cnonce)`.
//!
//! All hashes travel as lowercase hex; the inputs are plain UTF-8.

use md5::{Digest, Md5};
use sha2::Sha256;

/// The `U_AUTH` command number that starts the host's answer.
const AUTH_COMMAND: u32 = 200;
/// PBKDF2 rounds of the SHA-256 scheme.
const PBKDF2_ROUNDS: u32 = 10_000;

/// Which challenge a device speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthScheme {
    /// 32-hex nonce, MD5 hashes.
    Md5,
    /// 64-hex nonce, PBKDF2-HMAC-SHA256 and SHA-256 hashes.
    Sha256,
}

impl AuthScheme {
    /// Hex digits of this scheme's nonces, client nonces and responses.
    pub fn hex_len(self) -> usize {
        match self {
            AuthScheme::Md5 => 32,
            AuthScheme::Sha256 => 64,
        }
    }

    /// How a device stores a password: `md5(password)` or `sha256(password)`, in hex.
    pub fn password_hash(self, password: &str) -> String {
        self.hex(password.as_bytes())
    }

    /// The response to `nonce` and `cnonce` from a device holding `password_hash`
    /// (what [`AuthScheme::password_hash`] gives).
    pub fn response(self, password_hash: &str, nonce: &str, cnonce: &str) -> String {
        match self {
            AuthScheme::Md5 => self.hex(format!("{password_hash}:{nonce}:{cnonce}").as_bytes()),
            AuthScheme::Sha256 => {
                let salt = format!("{nonce}:{cnonce}");
                let key =
                    pbkdf2_hmac_sha256(password_hash.as_bytes(), salt.as_bytes(), PBKDF2_ROUNDS);
                self.hex(format!("{}:{nonce}:{cnonce}", hex(&key)).as_bytes())
            }
        }
    }

    /// This scheme's hash of `data`, in lowercase hex.
    pub fn hex(self, data: &[u8]) -> String {
        match self {
            AuthScheme::Md5 => hex(&Md5::digest(data)),
            AuthScheme::Sha256 => hex(&Sha256::digest(data)),
        }
    }
}

/// The device's challenge: `AUTH <nonce>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    /// The nonce, in hex.
    pub nonce: String,
}

impl Challenge {
    /// The datagram the device sends.
    pub fn encode(&self) -> Vec<u8> {
        format!("AUTH {}", self.nonce).into_bytes()
    }

    /// Reads `AUTH <nonce>`; `None` for any other answer.
    pub fn parse(datagram: &[u8]) -> Option<Challenge> {
        let text = std::str::from_utf8(datagram).ok()?;
        let nonce = text.strip_prefix("AUTH ")?.trim();
        (!nonce.is_empty()).then(|| Challenge {
            nonce: nonce.to_string(),
        })
    }

    /// The scheme the nonce's length names (`None`: a length no core sends).
    pub fn scheme(&self) -> Option<AuthScheme> {
        [AuthScheme::Md5, AuthScheme::Sha256].into_iter().find(|s| {
            s.hex_len() == self.nonce.len() && self.nonce.bytes().all(|b| b.is_ascii_hexdigit())
        })
    }
}

/// The host's answer: `200 <cnonce> <response>\n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthAnswer {
    /// The client nonce, in hex.
    pub cnonce: String,
    /// The response, in hex.
    pub response: String,
}

impl AuthAnswer {
    /// The answer of a host that knows `password` to `challenge` under `scheme`.
    pub fn new(scheme: AuthScheme, password: &str, challenge: &Challenge, cnonce: String) -> Self {
        let response = scheme.response(&scheme.password_hash(password), &challenge.nonce, &cnonce);
        AuthAnswer { cnonce, response }
    }

    /// The datagram.
    pub fn encode(&self) -> Vec<u8> {
        format!("{AUTH_COMMAND} {} {}\n", self.cnonce, self.response).into_bytes()
    }

    /// Reads the answer as the device does: command 200, one separator, the client nonce
    /// up to a space, the response up to the newline. `None` when it is not an answer.
    pub fn parse(datagram: &[u8]) -> Option<AuthAnswer> {
        let text = std::str::from_utf8(datagram).ok()?;
        let text = text.trim_start_matches(' ');
        let digits = text.bytes().take_while(u8::is_ascii_digit).count();
        if text[..digits].parse::<u32>().ok()? != AUTH_COMMAND {
            return None;
        }
        let rest = text.get(digits + 1..)?;
        let (cnonce, response) = rest.split_once(' ')?;
        let response = response.split('\n').next()?;
        Some(AuthAnswer {
            cnonce: cnonce.to_string(),
            response: response.to_string(),
        })
    }
}

/// A client nonce as espota.py makes one: the scheme's hash of file name, size, image MD5
/// and device address (the device does not check how it was made, only its length).
pub fn client_nonce(
    scheme: AuthScheme,
    file_name: &str,
    size: u32,
    md5: &str,
    device: &str,
) -> String {
    scheme.hex(format!("{file_name}{size}{md5}{device}").as_bytes())
}

/// PBKDF2 with HMAC-SHA256 (RFC 8018), one 32-byte block: all the SHA-256 scheme needs.
pub fn pbkdf2_hmac_sha256(password: &[u8], salt: &[u8], rounds: u32) -> [u8; 32] {
    let mut block_salt = salt.to_vec();
    block_salt.extend_from_slice(&1u32.to_be_bytes());
    let mut u = hmac_sha256(password, &block_salt);
    let mut out = u;
    for _ in 1..rounds {
        u = hmac_sha256(password, &u);
        out.iter_mut().zip(u).for_each(|(o, x)| *o ^= x);
    }
    out
}

/// HMAC-SHA256 (RFC 2104).
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut padded = [0u8; BLOCK];
    if key.len() > BLOCK {
        padded[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        padded[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| padded.map(|k| k ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pbkdf2_matches_the_published_vectors() {
        // RFC 7914 section 11: PBKDF2-HMAC-SHA256("passwd", "salt", 1, 64), first 32 bytes.
        assert_eq!(
            hex(&pbkdf2_hmac_sha256(b"passwd", b"salt", 1)),
            "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
        );
        // RFC 7914: ("Password", "NaCl", 80000), first 32 bytes.
        assert_eq!(
            hex(&pbkdf2_hmac_sha256(b"Password", b"NaCl", 80000)),
            "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
        );
    }

    #[test]
    fn md5_response_is_espotas() {
        // espota.py: md5("%s:%s:%s" % (md5(password), nonce, cnonce)).
        let challenge = Challenge {
            nonce: "a".repeat(32),
        };
        assert_eq!(challenge.scheme(), Some(AuthScheme::Md5));
        let answer = AuthAnswer::new(AuthScheme::Md5, "secret", &challenge, "b".repeat(32));
        let passmd5 = hex(&Md5::digest(b"secret"));
        let expected = hex(&Md5::digest(format!(
            "{passmd5}:{}:{}",
            "a".repeat(32),
            "b".repeat(32)
        )));
        assert_eq!(answer.response, expected);
        assert_eq!(AuthAnswer::parse(&answer.encode()), Some(answer));
    }

    #[test]
    fn sha256_scheme_is_told_by_the_nonce_length() {
        let challenge = Challenge::parse(format!("AUTH {}", "c".repeat(64)).as_bytes()).unwrap();
        assert_eq!(challenge.scheme(), Some(AuthScheme::Sha256));
        let answer = AuthAnswer::new(AuthScheme::Sha256, "pw", &challenge, "d".repeat(64));
        assert_eq!(answer.response.len(), 64);
        let stored = AuthScheme::Sha256.password_hash("pw");
        assert_eq!(
            AuthScheme::Sha256.response(&stored, &challenge.nonce, &answer.cnonce),
            answer.response
        );
        assert_ne!(
            AuthScheme::Sha256.response(&stored, &challenge.nonce, &"e".repeat(64)),
            answer.response
        );
        assert_eq!(Challenge::parse(b"AUTH 1234").unwrap().scheme(), None);
        assert_eq!(Challenge::parse(b"OK"), None);
    }
}
