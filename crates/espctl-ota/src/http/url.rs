//! The two kinds of address the web and terminal upgrades take: `http://HOST[:PORT]/PATH`
//! and `telnet://HOST[:PORT]`. Only what these upgrades need: no user info, no query
//! parsing (a query stays part of the path), IPv6 hosts in brackets.

use std::fmt;

/// An `http://` or `telnet://` address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Url {
    /// `http` or `telnet`, lowercase.
    pub scheme: String,
    /// The host as written (without the brackets of an IPv6 address).
    pub host: String,
    /// The port, or the scheme's default (80, 23).
    pub port: u16,
    /// The path with its query, starting with `/` (`/` when none was written).
    pub path: String,
}

/// Why an address was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{text}' is not a {expected} address: {reason}")]
pub struct UrlError {
    /// The address as given.
    pub text: String,
    /// What was expected, like `http://HOST/PATH`.
    pub expected: &'static str,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl Url {
    /// Reads `http://HOST[:PORT][/PATH]`.
    pub fn http(text: &str) -> Result<Url, UrlError> {
        Url::parse(text, "http", 80, "http://HOST[:PORT]/PATH")
    }

    /// Reads `telnet://HOST[:PORT]` (a path is refused: a terminal has none).
    pub fn telnet(text: &str) -> Result<Url, UrlError> {
        let url = Url::parse(text, "telnet", 23, "telnet://HOST[:PORT]")?;
        if url.path != "/" {
            return Err(UrlError {
                text: text.to_string(),
                expected: "telnet://HOST[:PORT]",
                reason: "a terminal address has no path",
            });
        }
        Ok(url)
    }

    fn parse(
        text: &str,
        scheme: &str,
        default_port: u16,
        expected: &'static str,
    ) -> Result<Url, UrlError> {
        let fail = |reason| UrlError {
            text: text.to_string(),
            expected,
            reason,
        };
        let (given_scheme, rest) = text.split_once("://").ok_or(fail("no scheme"))?;
        if !given_scheme.eq_ignore_ascii_case(scheme) {
            return Err(fail("wrong scheme"));
        }
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if authority.contains('@') {
            return Err(fail("user names go in options, not in the address"));
        }
        let (host, port) = split_host_port(authority).ok_or(fail("bad host or port"))?;
        if host.is_empty() {
            return Err(fail("no host"));
        }
        if path.bytes().any(|b| b <= b' ' || b == 0x7f) {
            return Err(fail("spaces or control characters in the path"));
        }
        Ok(Url {
            scheme: scheme.to_string(),
            host: host.to_string(),
            port: port.unwrap_or(default_port),
            path: path.to_string(),
        })
    }

    /// `host:port` as `ToSocketAddrs` and the `Host` header want it (IPv6 in brackets).
    pub fn authority(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }
}

impl fmt::Display for Url {
    /// The address as a user writes it: the scheme's default port left out.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let default_port = match self.scheme.as_str() {
            "http" => 80,
            _ => 23,
        };
        match (self.port == default_port, self.host.contains(':')) {
            (true, true) => write!(f, "{}://[{}]", self.scheme, self.host)?,
            (true, false) => write!(f, "{}://{}", self.scheme, self.host)?,
            (false, _) => write!(f, "{}://{}", self.scheme, self.authority())?,
        }
        if self.scheme == "http" {
            f.write_str(&self.path)?;
        }
        Ok(())
    }
}

/// `host`, `host:port`, `[v6]` or `[v6]:port`; `None` when malformed.
fn split_host_port(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':')?)),
        }
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) if !host.contains(':') => (host, Some(port)),
            Some(_) => return None,
            None => (authority, None),
        }
    };
    let port = match port {
        Some(p) => Some(p.parse::<u16>().ok().filter(|&p| p != 0)?),
        None => None,
    };
    Some((host, port))
}

/// `name` made safe for a URL path segment: unreserved characters stay, every other byte
/// is percent-encoded.
pub fn encode_path_segment(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_http_addresses() {
        let url = Url::http("http://esp.local/upgrade").unwrap();
        assert_eq!(
            (url.host.as_str(), url.port, url.path.as_str()),
            ("esp.local", 80, "/upgrade")
        );
        let url = Url::http("HTTP://127.0.0.1:8080").unwrap();
        assert_eq!((url.port, url.path.as_str()), (8080, "/"));
        assert_eq!(url.to_string(), "http://127.0.0.1:8080/");
        let url = Url::http("http://[::1]:81/a?b=c").unwrap();
        assert_eq!((url.host.as_str(), url.path.as_str()), ("::1", "/a?b=c"));
        assert_eq!(url.authority(), "[::1]:81");
    }

    #[test]
    fn refuses_what_it_cannot_use() {
        for bad in [
            "esp.local/upgrade",
            "https://esp.local/upgrade",
            "http://:80/x",
            "http://host:0/x",
            "http://host:99999/x",
            "http://admin:pw@host/x",
            "http://host/a b",
            "http://::1/x",
        ] {
            assert!(Url::http(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn reads_telnet_addresses() {
        let url = Url::telnet("telnet://10.0.0.7").unwrap();
        assert_eq!(
            (url.port, url.to_string().as_str()),
            (23, "telnet://10.0.0.7")
        );
        assert_eq!(Url::telnet("telnet://h:2323/").unwrap().port, 2323);
        assert!(Url::telnet("telnet://h/x").is_err());
        assert!(Url::telnet("http://h").is_err());
    }

    #[test]
    fn encodes_file_names() {
        assert_eq!(
            encode_path_segment("espurna-1.15 (d1).bin"),
            "espurna-1.15%20%28d1%29.bin"
        );
        assert_eq!(encode_path_segment("fw.bin.gz"), "fw.bin.gz");
    }
}
