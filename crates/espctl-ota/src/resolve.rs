//! From the name or address a user gives for a device to its IP address.

use std::io;
use std::net::{IpAddr, ToSocketAddrs};

/// Why a device's name did not resolve.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ResolveError {
    /// The system resolver does not know the name.
    #[error("cannot resolve the device name {host:?}: {source}")]
    Unknown {
        /// The name.
        host: String,
        /// The resolver's error.
        source: io::Error,
    },
    /// The name resolved to no address.
    #[error("the device name {host:?} has no address")]
    NoAddress {
        /// The name.
        host: String,
    },
    /// A `NAME.local` name that no device answered for by mDNS.
    #[error("cannot resolve the device name {host:?} by mDNS: {source}")]
    Mdns {
        /// The name.
        host: String,
        /// What the mDNS query found.
        source: crate::discover::DiscoverError,
    },
}

/// How long a `NAME.local` name is asked for by mDNS.
const MDNS_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3);

/// The IP address of `host`: an IPv4 or IPv6 address as it is, `NAME.local` by mDNS,
/// another name through the system resolver (an IPv4 address preferred: the ESP8266 core's ArduinoOTA speaks
/// IPv4).
pub fn resolve_host(host: &str) -> Result<IpAddr, ResolveError> {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(ip);
    }
    if crate::discover::is_local_name(host) {
        let found = crate::discover::resolve_local(host, MDNS_TIMEOUT).map_err(|source| {
            ResolveError::Mdns {
                host: host.to_string(),
                source,
            }
        })?;
        // resolve_local lists IPv4 addresses first and never returns an empty list.
        return found
            .first()
            .copied()
            .ok_or_else(|| ResolveError::NoAddress {
                host: host.to_string(),
            });
    }
    let addrs: Vec<IpAddr> = (host, 0)
        .to_socket_addrs()
        .map_err(|source| ResolveError::Unknown {
            host: host.to_string(),
            source,
        })?
        .map(|a| a.ip())
        .collect();
    addrs
        .iter()
        .find(|ip| ip.is_ipv4())
        .or(addrs.first())
        .copied()
        .ok_or_else(|| ResolveError::NoAddress {
            host: host.to_string(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_taken_as_they_are_and_names_resolve() {
        assert_eq!(
            resolve_host("192.168.4.1").unwrap(),
            IpAddr::from([192, 168, 4, 1])
        );
        assert_eq!(
            resolve_host("[::1]").unwrap(),
            "::1".parse::<IpAddr>().unwrap()
        );
        assert!(resolve_host("localhost").unwrap().is_loopback());
        assert!(resolve_host("no-such-host.invalid").is_err());
    }
}
