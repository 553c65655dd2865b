//! `espctl stub fetch`: downloads the stubs for the chips espctl supports from the
//! esp-flasher-stub release and installs them after checking their SHA-256.

use super::pinned::{RELEASE_URL, sha256_hex};
use super::{StubStore, StubStoreError};
use std::io::Read;
use std::time::Duration;

/// The largest file accepted from the server.
const MAX_DOWNLOAD: u64 = 4 << 20;

/// The release URL, or `ESPCTL_STUB_URL` when set (tests serve the files locally).
pub fn release_url() -> String {
    std::env::var("ESPCTL_STUB_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| RELEASE_URL.to_string())
}

/// The stub files of every chip espctl knows that has one in the release.
pub fn wanted_files() -> Vec<&'static str> {
    let mut names: Vec<&'static str> = espctl_chips::CHIPS
        .iter()
        .map(|c| c.stub_file)
        .filter(|name| super::pinned::pinned_hash(name).is_some())
        .collect();
    names.dedup();
    names
}

/// Downloads `files` from `base_url` and installs them. Returns the installed names.
pub fn fetch(
    store: &StubStore,
    base_url: &str,
    files: &[&str],
) -> Result<Vec<String>, StubStoreError> {
    let mut installed = Vec::new();
    for name in files {
        let url = format!("{}/{name}", base_url.trim_end_matches('/'));
        let fail = |why: String| StubStoreError::Download {
            url: url.clone(),
            why,
        };
        let bytes = download(&url, MAX_DOWNLOAD).map_err(fail)?;
        store.install(name, &bytes).map_err(|e| match e {
            StubStoreError::NotPinned { .. } => fail(format!(
                "the file does not match the pinned SHA-256 (got {})",
                sha256_hex(&bytes)
            )),
            other => other,
        })?;
        installed.push(name.to_string());
    }
    Ok(installed)
}

/// The body of `url` (at most `max` bytes), or why not.
pub(crate) fn download(url: &str, max: u64) -> Result<Vec<u8>, String> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(15)))
        .timeout_global(Some(Duration::from_secs(60)))
        .build()
        .into();
    let response = agent.get(url).call().map_err(|e| e.to_string())?;
    let mut bytes = Vec::new();
    response
        .into_body()
        .into_reader()
        .take(max + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > max {
        return Err("file too large".into());
    }
    Ok(bytes)
}
