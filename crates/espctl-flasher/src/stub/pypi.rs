//! esptool's source distribution from the Python Package Index: the JSON API names the
//! sdist's address and SHA-256; the pinned stub files are taken out of it.

use super::fetch::download;
use super::pinned::sha256_hex;

/// The esptool release whose package ships the pinned stubs.
pub const ESPTOOL_VERSION: &str = "5.6.0";

/// The index's JSON API (`ESPCTL_PYPI_URL` overrides).
pub const PYPI_URL: &str = "https://pypi.org/pypi";

/// The largest index answer or sdist accepted.
const MAX_DOWNLOAD: u64 = 16 << 20;

/// The index URL, or `ESPCTL_PYPI_URL` when set (tests serve the files locally).
pub fn pypi_url() -> String {
    std::env::var("ESPCTL_PYPI_URL")
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| PYPI_URL.to_string())
}

/// The sdist as downloaded.
pub struct Sdist {
    /// Where it came from.
    pub url: String,
    /// Its bytes, checked against the SHA-256 the index gives.
    pub bytes: Vec<u8>,
}

/// Downloads esptool's sdist as the index at `base_url` describes it.
pub fn download_sdist(base_url: &str) -> Result<Sdist, String> {
    let meta_url = format!(
        "{}/esptool/{ESPTOOL_VERSION}/json",
        base_url.trim_end_matches('/')
    );
    let meta = download(&meta_url, MAX_DOWNLOAD).map_err(|e| format!("{meta_url}: {e}"))?;
    let meta: serde_json::Value =
        serde_json::from_slice(&meta).map_err(|e| format!("{meta_url}: {e}"))?;
    let sdist = meta["urls"]
        .as_array()
        .and_then(|files| files.iter().find(|f| f["packagetype"] == "sdist"))
        .ok_or_else(|| format!("{meta_url} names no sdist"))?;
    let url = sdist["url"]
        .as_str()
        .ok_or_else(|| format!("{meta_url} gives no sdist address"))?
        .to_string();
    let bytes = download(&url, MAX_DOWNLOAD).map_err(|e| format!("{url}: {e}"))?;
    if let Some(expected) = sdist["digests"]["sha256"].as_str() {
        let actual = sha256_hex(&bytes);
        if !expected.eq_ignore_ascii_case(&actual) {
            return Err(format!(
                "{url}: the file does not match the SHA-256 the index gives (got {actual})"
            ));
        }
    }
    Ok(Sdist { url, bytes })
}
