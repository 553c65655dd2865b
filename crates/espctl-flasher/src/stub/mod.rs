//! The flasher stub: a small program uploaded into the chip's RAM that flashes faster
//! and can do more than the ROM (compression, reading, erasing, MD5).
//!
//! espctl does not ship stub binaries. `espctl stub import` takes them from an esptool
//! package and `espctl stub fetch` downloads them from Espressif's release; the first
//! command that needs a missing stub obtains it ([`obtain_stub`]). All accept only files
//! whose SHA-256 is pinned here, and keep them in the user's data directory.

pub mod fetch;
pub mod image;
pub mod import;
pub mod local_esptool;
pub mod obtain;
pub mod pinned;
pub mod pypi;
pub mod store;

pub use image::StubImage;
pub use obtain::{Network, ObtainError, ObtainOptions, StubOrigin, obtain_stub};
pub use store::{Installed, StubStore, data_dir};

use std::path::PathBuf;

/// What can go wrong with the store of installed stubs.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StubStoreError {
    /// No data directory can be found from the environment.
    #[error("Cannot find a data directory for the flasher stubs: set ESPCTL_DATA_DIR (or HOME).")]
    NoDataDir,

    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// Which file.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },

    /// A stub file does not decode.
    #[error("Stub file {file} is not a valid stub: {why}")]
    BadStub {
        /// Its name.
        file: String,
        /// What is wrong.
        why: String,
    },

    /// An installed file no longer has its pinned SHA-256.
    #[error("Installed stub {path} has changed since it was installed (SHA-256 {actual}).")]
    Tampered {
        /// Which file.
        path: PathBuf,
        /// Its SHA-256 now.
        actual: String,
    },

    /// A file offered for installation is not the pinned one of that name.
    #[error("{file} is not the esp-flasher-stub {release} file espctl accepts (SHA-256 {actual}).")]
    NotPinned {
        /// Its name.
        file: String,
        /// The release espctl accepts.
        release: &'static str,
        /// Its SHA-256.
        actual: String,
    },

    /// An import found no pinned file.
    #[error(
        "No esp-flasher-stub {release} files found in {path}{ignored}. Give the esptool 5.6.0 sdist (pip download --no-deps esptool==5.6.0), a wheel, an unpacked esptool package, or a folder with its stub_flasher/2/*.json files."
    )]
    NothingFound {
        /// What was searched.
        path: PathBuf,
        /// The release espctl accepts.
        release: &'static str,
        /// Empty or ` (N stub files with other contents were ignored)`.
        ignored: String,
    },

    /// An archive could not be read.
    #[error("Cannot read archive {path}: {why}")]
    Archive {
        /// Which.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },

    /// A download failed.
    #[error("Download of {url} failed: {why}")]
    Download {
        /// From where.
        url: String,
        /// What went wrong.
        why: String,
    },
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
