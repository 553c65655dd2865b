//! The files commands read and write: inputs read whole with an error that names them,
//! flash files from `ADDR FILE` pairs (Intel HEX split into its regions), and outputs
//! that appear only complete.

use crate::fatal::Fatal;
use espctl_flasher::FlashFile;
use espctl_flasher::backup::Manifest;
use espctl_flasher::flash::plan::check_address_space;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Reads an input file; the error says which file and why.
pub fn read_input(path: &Path) -> Result<Vec<u8>, Fatal> {
    std::fs::read(path).map_err(|e| Fatal(format!("Cannot read '{}': {e}", path.display())))
}

/// Reads the files of `ADDR FILE` pairs; an Intel HEX file becomes one flash file per
/// region, at its own addresses. Refuses a file that runs past the 32-bit flash space.
pub fn read_flash_files(pairs: &[(u32, String)]) -> Result<Vec<FlashFile>, Fatal> {
    let mut files = Vec::new();
    for (addr, name) in pairs {
        let data = read_input(Path::new(name))?;
        match espctl_image::ihex::regions_if_hex(&data) {
            Some(regions) => {
                for (a, bytes) in regions {
                    files.push(FlashFile::new(a, bytes, Some(name.clone())));
                }
            }
            None => files.push(FlashFile::new(*addr, data, Some(name.clone()))),
        }
    }
    check_address_space(&files)?;
    Ok(files)
}

/// Refuses an output path that cannot be created, before anything is read.
pub fn check_output(path: &Path) -> Result<(), Fatal> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    if !dir.is_dir() {
        return Err(Fatal(format!(
            "Cannot write '{}': folder '{}' does not exist.",
            path.display(),
            dir.display()
        )));
    }
    if path.is_dir() {
        return Err(Fatal(format!(
            "Cannot write '{}': it is a folder.",
            path.display()
        )));
    }
    Ok(())
}

/// Writes `data` to `path` through a temporary file in the same folder, renamed into
/// place once complete, so a failure (or a full disk) never leaves a half-written
/// output; the temporary file is removed on failure.
pub fn write_output(path: &Path, data: &[u8]) -> Result<(), Fatal> {
    let tmp = staged(path, data)?;
    tmp.persist(path).map_err(|e| cannot_write(path, e.error))?;
    Ok(())
}

/// `data` complete and on disk in a temporary file beside `path`.
fn staged(path: &Path, data: &[u8]) -> Result<tempfile::NamedTempFile, Fatal> {
    let fail = |e| cannot_write(path, e);
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::Builder::new()
        .prefix(".espctl-")
        .tempfile_in(dir)
        .map_err(fail)?;
    tmp.write_all(data).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    Ok(tmp)
}

fn cannot_write(path: &Path, e: std::io::Error) -> Fatal {
    Fatal(format!("Cannot write '{}': {e}", path.display()))
}

/// Writes files that belong together (a backup and its manifest): all are complete on
/// disk before the first is renamed into place, so a failure while writing leaves the
/// old files as they were.
pub fn write_outputs_together(files: &[(PathBuf, Vec<u8>)]) -> Result<(), Fatal> {
    let staged = files
        .iter()
        .map(|(path, data)| staged(path, data))
        .collect::<Result<Vec<_>, Fatal>>()?;
    for (tmp, (path, _)) in staged.into_iter().zip(files) {
        tmp.persist(path).map_err(|e| cannot_write(path, e.error))?;
    }
    Ok(())
}

/// Writes several files, each as [`write_output`] does; if one cannot be written, the
/// ones already written are removed again.
pub fn write_outputs(files: &[(PathBuf, Vec<u8>)]) -> Result<(), Fatal> {
    for (i, (path, data)) in files.iter().enumerate() {
        if let Err(e) = write_output(path, data) {
            for (written, _) in &files[..i] {
                let _ = std::fs::remove_file(written);
            }
            return Err(e);
        }
    }
    Ok(())
}

/// The manifest that goes with `data_file`.
pub fn manifest_path(data_file: &Path) -> PathBuf {
    let mut name = data_file.as_os_str().to_owned();
    name.push(".toml");
    PathBuf::from(name)
}

/// The manifest beside `file`, if there is one.
pub fn read_manifest(file: &Path) -> Result<Option<Manifest>, Fatal> {
    let path = manifest_path(file);
    if !path.exists() {
        return Ok(None);
    }
    let text = read_input(&path)?;
    let text = String::from_utf8_lossy(&text);
    Manifest::from_toml(&text).map(Some).map_err(|e| {
        Fatal(format!(
            "Cannot read the manifest '{}': {e}",
            path.display()
        ))
    })
}
