//! `espctl stub import PATH`: takes the pinned stub files out of an esptool sdist
//! (`.tar.gz`), a wheel (`.whl`), an unpacked package, a folder of JSON files or a
//! single JSON file.

use super::pinned::{STUB_RELEASE, is_pinned, pinned_hash};
use super::{StubStore, StubStoreError};
use std::io::Read;
use std::path::{Path, PathBuf};

/// Files larger than this are not stub files; skip them without reading.
const MAX_FILE: u64 = 4 << 20;
/// How deep an unpacked folder is searched.
const MAX_DEPTH: usize = 12;

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// File names installed (each once).
    pub installed: Vec<String>,
    /// Stub-named files with other contents (e.g. the GPL legacy stubs in `1/`).
    pub ignored: usize,
}

/// Imports every pinned file found in `path` into `store`.
pub fn import(store: &StubStore, path: &Path) -> Result<ImportReport, StubStoreError> {
    let mut report = ImportReport::default();
    let mut offer = |name: &str, bytes: Vec<u8>| -> Result<(), StubStoreError> {
        if !is_pinned(name, &bytes) {
            if name.ends_with(".json") {
                report.ignored += 1;
            }
        } else if !report.installed.iter().any(|n| n == name) {
            store.install(name, &bytes)?;
            report.installed.push(name.to_string());
        }
        Ok(())
    };
    let io = |e| StubStoreError::Io {
        path: path.to_path_buf(),
        source: e,
    };
    let meta = std::fs::metadata(path).map_err(io)?;
    let lower = path.to_string_lossy().to_lowercase();
    if meta.is_dir() {
        walk(path, 0, &mut offer)?;
    } else if lower.ends_with(".tar.gz") || lower.ends_with(".tgz") {
        read_tar_gz(path, &mut offer)?;
    } else if lower.ends_with(".whl") || lower.ends_with(".zip") {
        read_zip(path, &mut offer)?;
    } else {
        let name = base_name(&lower);
        let bytes = std::fs::read(path).map_err(io)?;
        offer(name, bytes)?;
    }
    if report.installed.iter().all(|n| !n.ends_with(".json")) {
        return Err(StubStoreError::NothingFound {
            path: path.to_path_buf(),
            release: STUB_RELEASE,
            ignored: match report.ignored {
                0 => String::new(),
                n => format!(" ({n} stub files with other contents were ignored)"),
            },
        });
    }
    Ok(report)
}

fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

type Offer<'a> = dyn FnMut(&str, Vec<u8>) -> Result<(), StubStoreError> + 'a;

fn walk(dir: &Path, depth: usize, offer: &mut Offer<'_>) -> Result<(), StubStoreError> {
    if depth > MAX_DEPTH {
        return Ok(());
    }
    let io = |p: &Path, e| StubStoreError::Io {
        path: p.to_path_buf(),
        source: e,
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for p in entries {
        let Ok(meta) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if meta.is_dir() {
            walk(&p, depth + 1, offer)?;
        } else if meta.is_file() && meta.len() <= MAX_FILE {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            if pinned_hash(name).is_some() {
                let bytes = std::fs::read(&p).map_err(|e| io(&p, e))?;
                offer(name, bytes)?;
            }
        }
    }
    Ok(())
}

fn archive_error(path: &Path, e: impl ToString) -> StubStoreError {
    StubStoreError::Archive {
        path: path.to_path_buf(),
        why: e.to_string(),
    }
}

/// Offers one archive entry when its name is a pinned file's (others are not even read).
fn offer_entry(
    archive: &Path,
    entry_path: &str,
    entry: &mut dyn Read,
    offer: &mut Offer<'_>,
) -> Result<(), StubStoreError> {
    let name = base_name(entry_path);
    if pinned_hash(name).is_none() {
        return Ok(());
    }
    let mut bytes = Vec::new();
    entry
        .read_to_end(&mut bytes)
        .map_err(|e| archive_error(archive, e))?;
    offer(name, bytes)
}

fn read_tar_gz(path: &Path, offer: &mut Offer<'_>) -> Result<(), StubStoreError> {
    let file = std::fs::File::open(path).map_err(|e| archive_error(path, e))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
    for entry in archive.entries().map_err(|e| archive_error(path, e))? {
        let mut entry = entry.map_err(|e| archive_error(path, e))?;
        if !entry.header().entry_type().is_file() || entry.size() > MAX_FILE {
            continue;
        }
        let entry_path = entry
            .path()
            .map_err(|e| archive_error(path, e))?
            .to_string_lossy()
            .into_owned();
        offer_entry(path, &entry_path, &mut entry, offer)?;
    }
    Ok(())
}

fn read_zip(path: &Path, offer: &mut Offer<'_>) -> Result<(), StubStoreError> {
    let file = std::fs::File::open(path).map_err(|e| archive_error(path, e))?;
    let mut archive = zip::ZipArchive::new(file).map_err(|e| archive_error(path, e))?;
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).map_err(|e| archive_error(path, e))?;
        if !entry.is_file() || entry.size() > MAX_FILE {
            continue;
        }
        let entry_path = entry
            .name()
            .map_err(|e| archive_error(path, e))?
            .into_owned();
        offer_entry(path, &entry_path, &mut entry, offer)?;
    }
    Ok(())
}
