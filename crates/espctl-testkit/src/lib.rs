//! Helpers shared by the tests of every espctl crate.
//!
//! `scripts/test` installs the referee (esptool 5.6.0) and exports `ESPCTL_ESPTOOL` and
//! `ESPCTL_FIXTURES`. When a test runs under plain `cargo test`, the same defaults are
//! used (`.venv/bin/esptool`, `../shared/fixtures/esptool-test-data`); a test that needs
//! one of them and cannot find it fails with a message saying how to get it.

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
