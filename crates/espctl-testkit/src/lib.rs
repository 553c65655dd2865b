//! Helpers shared by the tests of every espctl crate.
//!
//! `scripts/test` installs the referee (esptool 5.6.0) and exports `ESPCTL_ESPTOOL` and
//! `ESPCTL_FIXTURES`. When a test runs under plain `cargo test`, the same defaults are
//! used (`.venv/bin/esptool`, `../shared/fixtures/esptool-test-data`); a test that needs
//! one of them and cannot find it fails with a message saying how to get it.

mod fake_line;

pub use fake_line::{Behaviour, FakeLine, LineLog, Script};

use std::path::{Path, PathBuf};

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

/// One file of the fixtures, e.g. `fixture("images/one_kb.bin")`.
pub fn fixture(relative: &str) -> PathBuf {
    let path = fixtures().join(relative);
    assert!(path.exists(), "missing fixture {}", path.display());
    path
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

/// A running `espctl virtual` server: the child, the address it printed first (a pty
/// path or `socket://...`), and its stderr lines as they come.
pub struct VirtualServer {
    pub child: std::process::Child,
    pub address: String,
    pub stderr: std::sync::mpsc::Receiver<String>,
}

impl VirtualServer {
    /// Starts `espctl ARGS` (`virtual --chip ... --listen ...|--pty`) and waits for the
    /// address it prints.
    pub fn start(espctl: &Path, args: &[std::ffi::OsString]) -> VirtualServer {
        use std::io::{BufRead, BufReader};
        use std::process::{Command, Stdio};
        use std::sync::mpsc::channel;
        let mut child = Command::new(espctl)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start espctl virtual");
        let (line_tx, line_rx) = channel();
        let stdout = child.stdout.take().expect("piped stdout");
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(first)) = lines.next() {
                let _ = line_tx.send(first);
            }
            for _ in lines {}
        });
        let (err_tx, err_rx) = channel();
        let stderr = child.stderr.take().expect("piped stderr");
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = err_tx.send(line);
            }
        });
        match line_rx.recv_timeout(std::time::Duration::from_secs(20)) {
            Ok(address) => VirtualServer {
                child,
                address: address.trim().to_string(),
                stderr: err_rx,
            },
            Err(_) => {
                let _ = child.kill();
                let errors: Vec<String> = err_rx.try_iter().collect();
                panic!("espctl virtual printed no address; stderr: {errors:?}")
            }
        }
    }
}

impl Drop for VirtualServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
