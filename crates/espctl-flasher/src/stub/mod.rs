//! The flasher stub: a small program uploaded into the chip's RAM that flashes faster
//! and can do more than the ROM (compression, reading, erasing, MD5).
//!
//! espctl does not ship stub binaries. `espctl stub import` takes them from an esptool
//! package and `espctl stub fetch` downloads them from Espressif's release; both accept
//! only files whose SHA-256 is pinned here, and keep them in the user's data directory.

pub mod fetch;
pub mod image;
pub mod import;
pub mod pinned;
pub mod store;

pub use image::StubImage;
pub use store::{Installed, StubStore, data_dir};

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StubStoreError {
    #[error("Cannot find a data directory for the flasher stubs: set ESPCTL_DATA_DIR (or HOME).")]
    NoDataDir,

    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("Stub file {file} is not a valid stub: {why}")]
    BadStub { file: String, why: String },

    #[error("Installed stub {path} has changed since it was installed (SHA-256 {actual}).")]
    Tampered { path: PathBuf, actual: String },

    #[error("{file} is not the esp-flasher-stub {release} file espctl accepts (SHA-256 {actual}).")]
    NotPinned {
        file: String,
        release: &'static str,
        actual: String,
    },

    #[error(
        "No esp-flasher-stub {release} files found in {path}{ignored}. Give the esptool 5.6.0 sdist (pip download --no-deps esptool==5.6.0), a wheel, an unpacked esptool package, or a folder with its stub_flasher/2/*.json files."
    )]
    NothingFound {
        path: PathBuf,
        release: &'static str,
        /// Empty or ` (N stub files with other contents were ignored)`.
        ignored: String,
    },

    #[error("Cannot read archive {path}: {why}")]
    Archive { path: PathBuf, why: String },

    #[error("Download of {url} failed: {why}")]
    Download { url: String, why: String },
}

impl StubStoreError {
    /// What the user can do about it, if anything.
    pub fn hint(&self) -> Option<crate::Hint> {
        match self {
            StubStoreError::Tampered { .. } => Some(crate::Hint::ReinstallStub),
            _ => None,
        }
    }
}
