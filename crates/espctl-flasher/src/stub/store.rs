//! Where installed stubs live: `<data dir>/stubs/esp-flasher-stub-v1.4.1/`, where the
//! data dir is `$ESPCTL_DATA_DIR`, else `$XDG_DATA_HOME/espctl`, else the platform's
//! usual place (`~/.local/share/espctl` on Linux).

use super::pinned::{PINNED, RELEASE_URL, STUB_RELEASE, is_pinned, sha256_hex};
use super::{StubImage, StubStoreError};
use espctl_chips::Chip;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The root of espctl's data directory, from the environment.
pub fn data_dir() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(dir) = var("ESPCTL_DATA_DIR") {
        return Some(dir);
    }
    if let Some(dir) = var("XDG_DATA_HOME") {
        return Some(dir.join("espctl"));
    }
    if cfg!(windows) {
        return var("LOCALAPPDATA").map(|d| d.join("espctl"));
    }
    let home = var("HOME")?;
    if cfg!(target_os = "macos") {
        Some(home.join("Library/Application Support/espctl"))
    } else {
        Some(home.join(".local/share/espctl"))
    }
}

/// One file in the store.
#[derive(Debug, Clone)]
pub struct Installed {
    /// The file name (`esp32.json`).
    pub file: String,
    /// Where it is.
    pub path: PathBuf,
    /// The chip espctl uses it for, if it knows that chip.
    pub chip: Option<&'static Chip>,
    /// Still exactly the pinned file.
    pub intact: bool,
}

/// The folder of installed stub files.
#[derive(Debug, Clone)]
pub struct StubStore {
    dir: PathBuf,
}

impl StubStore {
    /// The store under [`data_dir`].
    pub fn open_default() -> Result<StubStore, StubStoreError> {
        data_dir()
            .map(StubStore::in_data_dir)
            .ok_or(StubStoreError::NoDataDir)
    }

    /// The store under the data directory `root`.
    pub fn in_data_dir(root: impl Into<PathBuf>) -> StubStore {
        StubStore {
            dir: root
                .into()
                .join("stubs")
                .join(format!("esp-flasher-stub-{STUB_RELEASE}")),
        }
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn io(path: &Path, source: std::io::Error) -> StubStoreError {
        StubStoreError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// Stores `bytes` as `name`, which must be exactly the pinned file of that name.
    pub fn install(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, StubStoreError> {
        if !is_pinned(name, bytes) {
            return Err(StubStoreError::NotPinned {
                file: name.to_string(),
                release: STUB_RELEASE,
                actual: sha256_hex(bytes),
            });
        }
        std::fs::create_dir_all(&self.dir).map_err(|e| Self::io(&self.dir, e))?;
        let path = self.dir.join(name);
        let mut tmp =
            tempfile::NamedTempFile::new_in(&self.dir).map_err(|e| Self::io(&self.dir, e))?;
        tmp.write_all(bytes).map_err(|e| Self::io(&path, e))?;
        tmp.persist(&path).map_err(|e| Self::io(&path, e.error))?;
        self.write_notice()?;
        Ok(path)
    }

    /// A short note on where the files come from and their licence.
    fn write_notice(&self) -> Result<(), StubStoreError> {
        let path = self.dir.join("README.txt");
        let text = format!(
            "Espressif esp-flasher-stub {STUB_RELEASE} (https://github.com/espressif/esp-flasher-stub),\n\
             dual licensed under the Apache License 2.0 or the MIT licence.\n\
             Released at {RELEASE_URL}.\n\
             Installed by espctl, which checks each file against its SHA-256.\n"
        );
        std::fs::write(&path, text).map_err(|e| Self::io(&path, e))
    }

    /// The stub for `chip`: `Ok(None)` when it is not installed.
    pub fn load(&self, chip: &Chip) -> Result<Option<StubImage>, StubStoreError> {
        let path = self.dir.join(chip.stub_file);
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Self::io(&path, e)),
        };
        if !is_pinned(chip.stub_file, &bytes) {
            return Err(StubStoreError::Tampered {
                path,
                actual: sha256_hex(&bytes),
            });
        }
        StubImage::from_json(chip.stub_file, &bytes).map(Some)
    }

    /// Every pinned file present in the store.
    pub fn list(&self) -> Vec<Installed> {
        PINNED
            .iter()
            .filter_map(|(name, _)| {
                let path = self.dir.join(name);
                let bytes = std::fs::read(&path).ok()?;
                Some(Installed {
                    file: name.to_string(),
                    intact: is_pinned(name, &bytes),
                    chip: espctl_chips::CHIPS
                        .iter()
                        .copied()
                        .find(|c| c.stub_file == *name),
                    path,
                })
            })
            .collect()
    }
}
