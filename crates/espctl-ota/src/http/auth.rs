//! HTTP authentication as ESPurna's web server (ESPAsyncWebServer) asks for it: the
//! `401` answer's `WWW-Authenticate` challenge, and the `Authorization` answer to it.
//! - Basic (RFC 7617): `base64(user ":" password)`.
//! - Digest (RFC 7616, `qop=auth`): `HA1 = H(user:realm:password)`,
//!   `HA2 = H(method:uri)`, `response = H(HA1:nonce:nc:cnonce:qop:HA2)`, H = MD5 (what
//!   the ESP web servers use) or SHA-256; without `qop` (RFC 2069) `H(HA1:nonce:HA2)`.
//!
//! Both sides are here: the client answers a challenge, the virtual device checks the
//! answer the way ESPAsyncWebServer does (it splits the answer at commas and does not
//! remember the nonces it gave out).

use base64::Engine;
use md5::{Digest, Md5};
use sha2::Sha256;

/// The hash of a Digest challenge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestAlgorithm {
    /// `MD5` (also when the challenge names none).
    Md5,
    /// `SHA-256`.
    Sha256,
}

impl DigestAlgorithm {
    fn hex(self, data: &str) -> String {
        let bytes: Vec<u8> = match self {
            DigestAlgorithm::Md5 => Md5::digest(data.as_bytes()).to_vec(),
            DigestAlgorithm::Sha256 => Sha256::digest(data.as_bytes()).to_vec(),
        };
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn name(self) -> &'static str {
        match self {
            DigestAlgorithm::Md5 => "MD5",
            DigestAlgorithm::Sha256 => "SHA-256",
        }
    }
}

/// A Digest challenge's parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestChallenge {
    /// The realm (ESPurna: the device's host name).
    pub realm: String,
    /// The server's nonce.
    pub nonce: String,
    /// Sent back unchanged.
    pub opaque: Option<String>,
    /// Whether the server offers `qop=auth` (else the RFC 2069 form is used).
    pub qop_auth: bool,
    /// The hash.
    pub algorithm: DigestAlgorithm,
}

/// What a `401` answer asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// `Basic realm="..."`.
    Basic {
        /// The realm.
        realm: String,
    },
    /// `Digest realm="...", nonce="...", ...`.
    Digest(DigestChallenge),
}

/// Why a challenge cannot be answered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChallengeError {
    /// No `WWW-Authenticate` header, or one no scheme here reads.
    #[error("the device asks for a login it does not describe ({0:?})")]
    Unreadable(String),
    /// A Digest variant not implemented here (`-sess` algorithms, `auth-int` only).
    #[error("the device asks for Digest authentication with {0}, which espctl does not speak")]
    UnsupportedDigest(String),
}

impl Challenge {
    /// Reads the best challenge among `WWW-Authenticate` header values (Digest before
    /// Basic).
    pub fn pick<'a>(
        values: impl IntoIterator<Item = &'a str>,
    ) -> Result<Challenge, ChallengeError> {
        let mut basic = None;
        let mut seen = Vec::new();
        for value in values {
            seen.push(value.to_string());
            match Challenge::parse(value)? {
                Some(digest @ Challenge::Digest(_)) => return Ok(digest),
                Some(other) => basic = Some(other),
                None => {}
            }
        }
        basic.ok_or_else(|| ChallengeError::Unreadable(seen.join(", ")))
    }

    /// Reads one `WWW-Authenticate` value; `Ok(None)` for a scheme not spoken here.
    pub fn parse(value: &str) -> Result<Option<Challenge>, ChallengeError> {
        let value = value.trim();
        let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
        let params = auth_params(rest);
        let get = |name: &str| {
            params
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        if scheme.eq_ignore_ascii_case("basic") {
            return Ok(Some(Challenge::Basic {
                realm: get("realm").unwrap_or_default(),
            }));
        }
        if !scheme.eq_ignore_ascii_case("digest") {
            return Ok(None);
        }
        let algorithm = match get("algorithm") {
            None => DigestAlgorithm::Md5,
            Some(a) if a.eq_ignore_ascii_case("md5") => DigestAlgorithm::Md5,
            Some(a) if a.eq_ignore_ascii_case("sha-256") => DigestAlgorithm::Sha256,
            Some(other) => return Err(ChallengeError::UnsupportedDigest(other)),
        };
        let qop = get("qop");
        let qop_auth = qop
            .as_deref()
            .is_some_and(|q| q.split(',').any(|q| q.trim().eq_ignore_ascii_case("auth")));
        if qop.is_some() && !qop_auth {
            return Err(ChallengeError::UnsupportedDigest(format!(
                "qop={}",
                qop.unwrap_or_default()
            )));
        }
        let nonce = get("nonce").ok_or_else(|| ChallengeError::Unreadable(value.to_string()))?;
        Ok(Some(Challenge::Digest(DigestChallenge {
            realm: get("realm").unwrap_or_default(),
            nonce,
            opaque: get("opaque"),
            qop_auth,
            algorithm,
        })))
    }

    /// The scheme's name, for messages.
    pub fn scheme(&self) -> &'static str {
        match self {
            Challenge::Basic { .. } => "Basic",
            Challenge::Digest(_) => "Digest",
        }
    }

    /// The `Authorization` value that answers this challenge for a `method` request of
    /// `uri`. `cnonce` is the client's nonce (Digest with qop); this is the first use of
    /// the server nonce (`nc=00000001`).
    pub fn answer(
        &self,
        user: &str,
        password: &str,
        method: &str,
        uri: &str,
        cnonce: &str,
    ) -> String {
        match self {
            Challenge::Basic { .. } => basic_authorization(user, password),
            Challenge::Digest(d) => {
                let qop = d.qop_auth.then_some(("00000001", cnonce));
                let response = digest_response(
                    d.algorithm,
                    user,
                    &d.realm,
                    password,
                    method,
                    uri,
                    &d.nonce,
                    qop,
                );
                let mut out = format!(
                    "Digest username=\"{user}\", realm=\"{}\", nonce=\"{}\", uri=\"{uri}\", algorithm={}, response=\"{response}\"",
                    d.realm,
                    d.nonce,
                    d.algorithm.name()
                );
                if let Some((nc, cnonce)) = qop {
                    out.push_str(&format!(", qop=auth, nc={nc}, cnonce=\"{cnonce}\""));
                }
                if let Some(opaque) = &d.opaque {
                    out.push_str(&format!(", opaque=\"{opaque}\""));
                }
                out
            }
        }
    }
}

/// `Basic base64(user:password)`.
pub fn basic_authorization(user: &str, password: &str) -> String {
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    format!("Basic {token}")
}

/// The Digest `response` value. `qop` is `(nc, cnonce)` for `qop=auth`, `None` for the
/// RFC 2069 form.
#[allow(clippy::too_many_arguments)]
pub fn digest_response(
    algorithm: DigestAlgorithm,
    user: &str,
    realm: &str,
    password: &str,
    method: &str,
    uri: &str,
    nonce: &str,
    qop: Option<(&str, &str)>,
) -> String {
    let ha1 = algorithm.hex(&format!("{user}:{realm}:{password}"));
    let ha2 = algorithm.hex(&format!("{method}:{uri}"));
    match qop {
        Some((nc, cnonce)) => algorithm.hex(&format!("{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}")),
        None => algorithm.hex(&format!("{ha1}:{nonce}:{ha2}")),
    }
}

/// Checks an `Authorization` value as ESPAsyncWebServer's `authenticate(user, password)`
/// does: Basic compares the token; Digest recomputes the MD5 response from the fields
/// the client sent (user and realm must match; the nonce is not checked against the
/// ones given out).
pub fn authorization_matches(
    authorization: &str,
    user: &str,
    password: &str,
    realm: &str,
    method: &str,
) -> bool {
    let authorization = authorization.trim();
    if let Some(token) = authorization.strip_prefix("Basic ") {
        return token.trim() == &basic_authorization(user, password)["Basic ".len()..];
    }
    let Some(fields) = authorization.strip_prefix("Digest ") else {
        return false;
    };
    let mut got = std::collections::HashMap::new();
    // ESPAsyncWebServer: split at commas, then at the first '=', strip one pair of quotes.
    for field in fields.split(',') {
        let Some((name, value)) = field.trim().split_once('=') else {
            return false;
        };
        let value = value
            .strip_prefix('"')
            .and_then(|v| v.strip_suffix('"'))
            .unwrap_or(value);
        got.insert(name.trim().to_string(), value.to_string());
    }
    let field = |name: &str| got.get(name).map(String::as_str).unwrap_or("");
    if field("username") != user || field("realm") != realm {
        return false;
    }
    let ha1 = DigestAlgorithm::Md5.hex(&format!("{user}:{realm}:{password}"));
    let ha2 = DigestAlgorithm::Md5.hex(&format!("{method}:{}", field("uri")));
    let expected = DigestAlgorithm::Md5.hex(&format!(
        "{ha1}:{}:{}:{}:{}:{ha2}",
        field("nonce"),
        field("nc"),
        field("cnonce"),
        field("qop")
    ));
    field("response") == expected
}

/// `name=value` pairs of a challenge (values as tokens or quoted strings).
fn auth_params(text: &str) -> Vec<(String, String)> {
    let mut params = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.peek().is_some_and(|c| *c == ',' || c.is_whitespace()) {
            chars.next();
        }
        let name: String =
            std::iter::from_fn(|| chars.next_if(|c| *c != '=' && *c != ',')).collect();
        if name.trim().is_empty() {
            return params;
        }
        if chars.next_if_eq(&'=').is_none() {
            continue; // a bare token (token68): not used by these servers
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if_eq(&'"').is_some() {
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
        } else {
            value.extend(std::iter::from_fn(|| chars.next_if(|c| *c != ',')));
            value = value.trim().to_string();
        }
        params.push((name.trim().to_string(), value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digest_matches_rfc_2617s_example() {
        // RFC 2617 section 3.5 (MD5, qop=auth).
        let response = digest_response(
            DigestAlgorithm::Md5,
            "Mufasa",
            "testrealm@host.com",
            "Circle Of Life",
            "GET",
            "/dir/index.html",
            "dcd98b7102dd2f0e8b11d0f600bfb0c093",
            Some(("00000001", "0a4f113b")),
        );
        assert_eq!(response, "6629fae49393a05397450978507c4ef1");
    }

    #[test]
    fn digest_matches_rfc_7616s_sha256_example() {
        // RFC 7616 section 3.9.1.
        let response = digest_response(
            DigestAlgorithm::Sha256,
            "Mufasa",
            "http-auth@example.org",
            "Circle of Life",
            "GET",
            "/dir/index.html",
            "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
            Some(("00000001", "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ")),
        );
        assert_eq!(
            response,
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        );
    }

    #[test]
    fn reads_espasyncwebservers_challenges() {
        let c = Challenge::pick([
            "Digest realm=\"esp8266-0a1b2c\", qop=\"auth\", nonce=\"0123abcd\", opaque=\"ffee\"",
        ])
        .unwrap();
        let Challenge::Digest(d) = &c else {
            panic!("{c:?}")
        };
        assert_eq!(
            (d.realm.as_str(), d.nonce.as_str(), d.opaque.as_deref()),
            ("esp8266-0a1b2c", "0123abcd", Some("ffee"))
        );
        assert!(d.qop_auth);
        assert_eq!(
            Challenge::pick(["Basic realm=\"Login Required\""]).unwrap(),
            Challenge::Basic {
                realm: "Login Required".into()
            }
        );
        assert!(Challenge::pick(["Bearer"]).is_err());
        assert!(matches!(
            Challenge::parse("Digest realm=\"r\", nonce=\"n\", algorithm=MD5-sess"),
            Err(ChallengeError::UnsupportedDigest(_))
        ));
    }

    #[test]
    fn the_device_check_accepts_right_answers_only() {
        let c = Challenge::Digest(DigestChallenge {
            realm: "esp".into(),
            nonce: "abc".into(),
            opaque: Some("op".into()),
            qop_auth: true,
            algorithm: DigestAlgorithm::Md5,
        });
        let answer = c.answer("admin", "fibonacci", "POST", "/upgrade", "c0ffee");
        assert!(authorization_matches(
            &answer,
            "admin",
            "fibonacci",
            "esp",
            "POST"
        ));
        assert!(!authorization_matches(
            &answer,
            "admin",
            "fibonaccj",
            "esp",
            "POST"
        ));
        assert!(!authorization_matches(
            &answer,
            "admin",
            "fibonacci",
            "other",
            "POST"
        ));
        assert!(!authorization_matches(
            &answer,
            "admin",
            "fibonacci",
            "esp",
            "GET"
        ));
        let basic = Challenge::Basic {
            realm: "esp".into(),
        }
        .answer("admin", "pw", "POST", "/upgrade", "");
        assert_eq!(basic, "Basic YWRtaW46cHc=");
        assert!(authorization_matches(&basic, "admin", "pw", "esp", "POST"));
        assert!(!authorization_matches(&basic, "admin", "px", "esp", "POST"));
        assert!(!authorization_matches(
            "Bearer x", "admin", "pw", "esp", "POST"
        ));
    }
}
