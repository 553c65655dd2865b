//! Helpers shared by the tests of every espctl crate: where the referee and the fixtures
//! are, and the one harness espctl's integration tests run programs with ([`Espctl`],
//! [`WorkDir`], [`Run`]) and reach virtual devices with ([`Device`]).
//!
//! `scripts/test` installs the referee (esptool 5.6.0) and exports `ESPCTL_ESPTOOL` and
//! `ESPCTL_FIXTURES`. When a test runs under plain `cargo test`, the same defaults are
//! used (`.venv/bin/esptool`, `../shared/fixtures/esptool-test-data`); a test that needs
//! one of them and cannot find it fails with a message saying how to get it.

#![warn(missing_docs)]

mod fake_line;

pub use fake_line::{Behaviour, FakeLine, LineLog, Script};

use std::path::{Path, PathBuf};

mod device;
pub mod elf;
#[cfg(unix)]
mod netns;
mod ota_device;
mod run;
pub mod soak;
mod workdir;

pub use device::{Device, DeviceOptions, Link, VirtualServer, mac_text, test_mac};
#[cfg(unix)]
pub use netns::NetNamespace;
pub use ota_device::OtaDevice;
pub use run::{RUN_TIMEOUT, Run, run_command, same_lines};
pub use workdir::{Espctl, Stubs, WorkDir};

/// The repository root (the workspace directory).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("testkit lives in crates/espctl-testkit")
        .to_path_buf()
}

/// Path of the esptool 5.6.0 executable installed by `scripts/setup-esptool`.
pub fn esptool() -> PathBuf {
    let path = std::env::var_os("ESPCTL_ESPTOOL")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".venv/bin/esptool"));
    assert!(
        path.exists(),
        "esptool not found at {}: run scripts/test (or scripts/setup-esptool) to install it",
        path.display()
    );
    path
}

/// Runs the Python `script` of the esptool installation (the interpreter next to its
/// `esptool` script, so esptool's and espefuse's modules import) with `input` on stdin;
/// returns what it printed. Panics with its stderr if it fails.
pub fn referee_python(script: &str, input: &str) -> String {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let esptool = esptool();
    let dir = esptool.parent().expect("esptool lives in a bin folder");
    let python = ["python3", "python"]
        .iter()
        .map(|n| dir.join(n))
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("no python next to {}", esptool.display()));
    let mut child = Command::new(python)
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run esptool's python");
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(input.as_bytes())
        .expect("write the script's input");
    let out = child.wait_with_output().expect("wait for esptool's python");
    assert!(
        out.status.success(),
        "esptool's python failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("the script prints UTF-8")
}

/// The folder of esptool's test images and ELFs.
pub fn fixtures() -> PathBuf {
    let path = std::env::var_os("ESPCTL_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/fixtures/esptool-test-data"));
    assert!(
        path.join("images").is_dir(),
        "fixtures not found at {}: set ESPCTL_FIXTURES to the esptool-test-data folder",
        path.display()
    );
    path
}

/// The folder of the third-party programs the tests run unmodified as referees
/// (`espota.py`): `ESPCTL_REFEREES`, by default `../shared/referees` beside the repository.
pub fn referees() -> PathBuf {
    std::env::var_os("ESPCTL_REFEREES")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("../shared/referees"))
}

/// One referee program, e.g. `referee("espota.py")`.
pub fn referee(name: &str) -> PathBuf {
    let path = referees().join(name);
    assert!(
        path.is_file(),
        "referee {} not found: set ESPCTL_REFEREES to the folder holding it",
        path.display()
    );
    path
}

/// One file of the fixtures, e.g. `fixture("images/one_kb.bin")`.
pub fn fixture(relative: &str) -> PathBuf {
    let path = fixtures().join(relative);
    assert!(path.exists(), "missing fixture {}", path.display());
    path
}

/// The bytes of one file of the fixtures.
pub fn fixture_bytes(relative: &str) -> Vec<u8> {
    let path = fixture(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// Every file of a fixture folder (`images`, `elf`) with its bytes, sorted by name.
pub fn fixture_files(folder: &str) -> Vec<(String, Vec<u8>)> {
    let dir = fixtures().join(folder);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("list {}: {e}", dir.display()))
        .map(|e| e.expect("list the fixtures").path())
        .filter(|p| p.is_file())
        .map(|p| {
            let data = std::fs::read(&p).expect("read a fixture");
            (p.file_name().unwrap().to_string_lossy().into_owned(), data)
        })
        .collect();
    files.sort();
    files
}

/// Deterministic data of `len` bytes that does not compress well.
pub fn noise(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761).wrapping_add(12345) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 11) as u8
        })
        .collect()
}

/// esptool 5.6.0's sdist, which holds the esp-flasher-stub v1.4.1 JSON files
/// (`scripts/test` downloads it into `.cache/stubs` and exports `ESPCTL_STUB_SDIST`).
pub fn esptool_sdist() -> PathBuf {
    let path = std::env::var_os("ESPCTL_STUB_SDIST")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".cache/stubs/esptool-5.6.0.tar.gz"));
    assert!(
        path.is_file(),
        "esptool sdist not found at {}: run scripts/test (it runs pip download --no-deps esptool==5.6.0)",
        path.display()
    );
    path
}

/// A data directory with the flasher stubs installed by `espctl stub import` (set
/// `ESPCTL_DATA_DIR` to it). `scripts/test` prepares it and exports
/// `ESPCTL_TEST_DATA_DIR`; tests only read it.
pub fn stub_data_dir() -> PathBuf {
    let path = std::env::var_os("ESPCTL_TEST_DATA_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join(".cache/espctl-data"));
    let marker = path.join("stubs/esp-flasher-stub-v1.4.1/esp8266.json");
    assert!(
        marker.is_file(),
        "flasher stubs not installed in {}: run scripts/test (it imports them from esptool 5.6.0's sdist)",
        path.display()
    );
    path
}

/// Asserts that `flash[addr..]` starts with `expected`; the panic names `what` and the
/// first differing address.
#[track_caller]
pub fn assert_flash_holds(flash: &[u8], addr: usize, expected: &[u8], what: &str) {
    let Some(got) = flash.get(addr..addr + expected.len()) else {
        panic!(
            "{what}: flash of {:#x} bytes cannot hold {:#x} bytes at {addr:#x}",
            flash.len(),
            expected.len()
        );
    };
    if let Some(i) = got.iter().zip(expected).position(|(a, b)| a != b) {
        panic!(
            "{what}: flash at 0x{:x} holds 0x{:02x}, expected 0x{:02x}",
            addr + i,
            got[i],
            expected[i]
        );
    }
}

/// Asserts that every byte of `flash[range]` is erased (0xFF).
#[track_caller]
pub fn assert_erased(flash: &[u8], range: std::ops::Range<usize>, what: &str) {
    if let Some(i) = flash[range.clone()].iter().position(|&b| b != 0xFF) {
        panic!(
            "{what}: flash at 0x{:x} is 0x{:02x}, not erased",
            range.start + i,
            flash[range.start + i]
        );
    }
}

/// A TCP port of 127.0.0.1 that refuses connections: bound, so that no other test (nor
/// another process) can take it, but not listening. Free again when dropped.
pub struct RefusingPort {
    /// The port number.
    pub port: u16,
    #[cfg(unix)]
    _socket: std::os::fd::OwnedFd,
}

#[cfg(not(unix))]
impl RefusingPort {
    /// Elsewhere a free port, not held: another process could take it meanwhile.
    pub fn bind() -> RefusingPort {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let port = listener.local_addr().expect("local address").port();
        RefusingPort { port }
    }
}

#[cfg(unix)]
impl RefusingPort {
    /// Binds a free port of 127.0.0.1 without listening on it.
    pub fn bind() -> RefusingPort {
        use std::os::fd::FromRawFd;
        // SAFETY: plain socket calls on a socket of our own, with a sockaddr_in of the
        // size given.
        unsafe {
            let fd = libc::socket(libc::AF_INET, libc::SOCK_STREAM, 0);
            assert!(fd >= 0, "socket: {}", std::io::Error::last_os_error());
            let socket = std::os::fd::OwnedFd::from_raw_fd(fd);
            let mut addr: libc::sockaddr_in = std::mem::zeroed();
            addr.sin_family = libc::AF_INET as libc::sa_family_t;
            addr.sin_addr.s_addr = u32::from(std::net::Ipv4Addr::LOCALHOST).to_be();
            let mut len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
            let bound = libc::bind(fd, (&raw const addr).cast(), len);
            assert_eq!(bound, 0, "bind: {}", std::io::Error::last_os_error());
            let named = libc::getsockname(fd, (&raw mut addr).cast(), &mut len);
            assert_eq!(named, 0, "getsockname: {}", std::io::Error::last_os_error());
            RefusingPort {
                port: u16::from_be(addr.sin_port),
                _socket: socket,
            }
        }
    }
}

/// Sends Ctrl-C (SIGINT) to `child`, as a user at the terminal would.
#[cfg(unix)]
pub fn interrupt(child: &std::process::Child) {
    // SAFETY: kill has no memory effects; the child is ours and not yet reaped.
    let sent = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(sent, 0, "send SIGINT");
}
