//! Network namespaces for tests that need more than plain loopback TCP/UDP: multicast
//! (mDNS) and a host firewall. Everything happens inside a namespace the test makes for
//! itself (its own loopback only), never on this machine's interfaces. Making one needs
//! root and `ip netns`; where that fails, [`NetNamespace::create`] says why on stderr and
//! the test returns early.

use crate::{Espctl, OtaDevice, Run, WorkDir};
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// A network namespace holding only `lo`, up; deleted on drop.
pub struct NetNamespace {
    /// Its name, for `ip netns exec`.
    pub name: String,
}

impl NetNamespace {
    /// A fresh namespace, or `None` (and why, on stderr, naming `test`) when this machine
    /// cannot make one.
    pub fn create(test: &str) -> Option<NetNamespace> {
        static COUNT: AtomicU32 = AtomicU32::new(0);
        // SAFETY: geteuid has no preconditions and touches no memory.
        if unsafe { libc::geteuid() } != 0 {
            eprintln!("{test}: skipped: network namespaces need root");
            return None;
        }
        let name = format!(
            "espctl-test-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        );
        if !ip(&["netns", "add", &name]) {
            eprintln!("{test}: skipped: `ip netns add` does not work here");
            return None;
        }
        let namespace = NetNamespace { name };
        if !namespace.ip(&["link", "set", "lo", "up"]) {
            eprintln!("{test}: skipped: cannot bring up the namespace's loopback");
            return None;
        }
        Some(namespace)
    }

    /// The namespace with multicast routed to its loopback (for mDNS).
    pub fn with_multicast(test: &str) -> Option<NetNamespace> {
        let namespace = Self::create(test)?;
        let ready = namespace.ip(&["link", "set", "lo", "multicast", "on"])
            && namespace.ip(&["route", "add", "224.0.0.0/4", "dev", "lo"]);
        if !ready {
            eprintln!("{test}: skipped: cannot route multicast on the namespace's loopback");
            return None;
        }
        Some(namespace)
    }

    /// The namespace with a host firewall: TCP connections to `port` are refused (UDP
    /// passes).
    pub fn refusing_tcp_port(test: &str, port: u16) -> Option<NetNamespace> {
        let namespace = Self::create(test)?;
        let port = port.to_string();
        // The refusing rule must come before the local table's (priority 0), so that moves.
        let ready = namespace.ip(&[
            "rule", "add", "pref", "10", "ipproto", "tcp", "dport", &port, "prohibit",
        ]) && namespace.ip(&["rule", "add", "pref", "100", "lookup", "local"])
            && namespace.ip(&["rule", "del", "pref", "0"]);
        if !ready {
            eprintln!("{test}: skipped: `ip rule` cannot filter by port here");
            return None;
        }
        Some(namespace)
    }

    /// `ip -n NAME ARGS`; whether it succeeded.
    pub fn ip(&self, args: &[&str]) -> bool {
        let mut all = vec!["-n", self.name.as_str()];
        all.extend_from_slice(args);
        ip(&all)
    }

    /// `espctl virtual --ota 127.0.0.1:0 ARGS` inside the namespace.
    pub fn ota_device(&self, espctl: &Espctl, args: &[&str]) -> OtaDevice {
        espctl.ota_device_in_netns(&self.name, args)
    }

    /// `espctl ARGS` inside the namespace, in `dir`.
    pub fn espctl(&self, espctl: &Espctl, dir: &WorkDir, args: &[&str]) -> Run {
        let program = espctl.path().to_string_lossy().into_owned();
        let mut all = vec!["netns", "exec", self.name.as_str(), program.as_str()];
        all.extend_from_slice(args);
        dir.run(Path::new("ip"), &all)
    }
}

impl Drop for NetNamespace {
    fn drop(&mut self) {
        ip(&["netns", "delete", &self.name]);
    }
}

fn ip(args: &[&str]) -> bool {
    Command::new("ip")
        .args(args)
        .output()
        .is_ok_and(|out| out.status.success())
}
