//! Obtaining a missing stub on first use: from an esptool installed on this machine,
//! else the pinned esp-flasher-stub release, else esptool's sdist from the Python
//! Package Index. Every file is checked against its pinned SHA-256; a route that offers
//! anything else installs nothing.

use super::local_esptool::{PythonLookup, esptool_folders};
use super::pinned::{is_pinned, pinned_hash, sha256_hex};
use super::{StubImage, StubStore, StubStoreError, fetch, import, pypi};
use espctl_chips::Chip;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Whether the network may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Network {
    /// Downloads allowed.
    Online,
    /// No downloads (`--offline`, `ESPCTL_OFFLINE=1`).
    Offline,
}

/// Where a missing stub may come from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ObtainOptions {
    /// Whether the downloads are tried.
    pub network: Network,
    /// Which Pythons are asked for an installed esptool.
    pub python: PythonLookup,
    /// The esp-flasher-stub release's folder of assets.
    pub release_url: String,
    /// The Python Package Index's JSON API.
    pub pypi_url: String,
}

impl ObtainOptions {
    /// From the environment: `ESPCTL_OFFLINE`, `ESPCTL_PYTHON`, `ESPCTL_STUB_URL`,
    /// `ESPCTL_PYPI_URL`.
    pub fn from_env() -> ObtainOptions {
        let offline = std::env::var("ESPCTL_OFFLINE")
            .is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false" | "no" | "off"));
        ObtainOptions {
            network: if offline {
                Network::Offline
            } else {
                Network::Online
            },
            python: PythonLookup::from_env(),
            release_url: fetch::release_url(),
            pypi_url: pypi::pypi_url(),
        }
    }

    /// The same, with `network`.
    pub fn network(mut self, network: Network) -> ObtainOptions {
        self.network = network;
        self
    }
}

/// Where an obtained stub came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StubOrigin {
    /// The esptool package in this folder.
    InstalledEsptool(PathBuf),
    /// The esp-flasher-stub release file at this address.
    Release(String),
    /// esptool's sdist at this address.
    PackageIndex(String),
}

/// Why no stub could be obtained.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ObtainError {
    /// No installed esptool has it and downloads are off.
    #[error("downloads are off (--offline)")]
    Offline,
    /// Every route failed; what each said.
    #[error("it could not be obtained ({})", .attempts.join("; "))]
    AllFailed {
        /// One line per route tried.
        attempts: Vec<String>,
    },
    /// The store cannot take it.
    #[error(transparent)]
    Store(#[from] StubStoreError),
}

/// Gets `chip`'s stub into `store` by the first route that has it, and loads it.
pub fn obtain_stub(
    store: &StubStore,
    chip: &Chip,
    options: &ObtainOptions,
) -> Result<(StubImage, StubOrigin), ObtainError> {
    let name = chip.stub_file;
    let mut attempts = Vec::new();
    for folder in esptool_folders(&options.python) {
        match staged_import(store, chip, &folder) {
            Ok(image) => return Ok((image, StubOrigin::InstalledEsptool(folder))),
            Err(why) => attempts.push(format!("esptool in {}: {why}", folder.display())),
        }
    }
    if options.network == Network::Offline {
        return Err(ObtainError::Offline);
    }
    let url = format!("{}/{name}", options.release_url.trim_end_matches('/'));
    match fetch::download(&url, 4 << 20).and_then(|bytes| checked(name, bytes)) {
        Ok(bytes) => {
            store.install(name, &bytes)?;
            return Ok((load(store, chip)?, StubOrigin::Release(url)));
        }
        Err(why) => attempts.push(format!("{url}: {why}")),
    }
    match pypi::download_sdist(&options.pypi_url).and_then(|sdist| from_sdist(store, chip, sdist)) {
        Ok((image, url)) => return Ok((image, StubOrigin::PackageIndex(url))),
        Err(why) => attempts.push(why),
    }
    Err(ObtainError::AllFailed { attempts })
}

/// `bytes` when they are the pinned file `name`.
fn checked(name: &str, bytes: Vec<u8>) -> Result<Vec<u8>, String> {
    if is_pinned(name, &bytes) {
        Ok(bytes)
    } else {
        Err(format!(
            "the file does not match the pinned SHA-256 (got {}), refused",
            sha256_hex(&bytes)
        ))
    }
}

fn load(store: &StubStore, chip: &Chip) -> Result<StubImage, StubStoreError> {
    store.load(chip)?.ok_or_else(|| StubStoreError::BadStub {
        file: chip.stub_file.to_string(),
        why: "missing right after installation".into(),
    })
}

/// Imports what `path` holds into a staging store; when `chip`'s file is among it,
/// moves every imported file into `store`.
fn staged_import(store: &StubStore, chip: &Chip, path: &Path) -> Result<StubImage, String> {
    let staging = tempfile::tempdir().map_err(|e| e.to_string())?;
    let staged = StubStore::in_data_dir(staging.path());
    let report = import::import(&staged, path).map_err(|e| match e {
        StubStoreError::NothingFound { ignored, .. } => {
            format!("no file with the pinned SHA-256{ignored}")
        }
        other => other.to_string(),
    })?;
    if !report.installed.iter().any(|n| n == chip.stub_file) {
        return Err(format!(
            "no {} with the pinned SHA-256{}",
            chip.stub_file,
            if pinned_hash(chip.stub_file).is_some() {
                ""
            } else {
                " (espctl pins none for this chip)"
            }
        ));
    }
    for name in &report.installed {
        let bytes = std::fs::read(staged.dir().join(name)).map_err(|e| e.to_string())?;
        store.install(name, &bytes).map_err(|e| e.to_string())?;
    }
    load(store, chip).map_err(|e| e.to_string())
}

fn from_sdist(
    store: &StubStore,
    chip: &Chip,
    sdist: pypi::Sdist,
) -> Result<(StubImage, String), String> {
    let mut file = tempfile::Builder::new()
        .suffix(".tar.gz")
        .tempfile()
        .map_err(|e| e.to_string())?;
    file.write_all(&sdist.bytes).map_err(|e| e.to_string())?;
    file.flush().map_err(|e| e.to_string())?;
    let image =
        staged_import(store, chip, file.path()).map_err(|why| format!("{}: {why}", sdist.url))?;
    Ok((image, sdist.url))
}
