//! A flasher stub as esptool's JSON files describe it: code and data segments with
//! their RAM addresses, and the entry point.

use super::StubStoreError;
use base64::Engine;

/// The stub program, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StubImage {
    /// Where execution starts.
    pub entry: u32,
    /// The code segment.
    pub text: Vec<u8>,
    /// Its RAM address.
    pub text_start: u32,
    /// The data segment (may be empty).
    pub data: Vec<u8>,
    /// Its RAM address.
    pub data_start: u32,
    /// Start of its zero-initialised RAM, which the stub also occupies.
    pub bss_start: Option<u32>,
}

#[derive(serde::Deserialize)]
struct StubJson {
    entry: u32,
    text: String,
    text_start: u32,
    #[serde(default)]
    data: Option<String>,
    #[serde(default)]
    data_start: Option<u32>,
    #[serde(default)]
    bss_start: Option<u32>,
}

impl StubImage {
    /// Parses one JSON file (`name` is used in errors).
    pub fn from_json(name: &str, bytes: &[u8]) -> Result<StubImage, StubStoreError> {
        let bad = |why: String| StubStoreError::BadStub {
            file: name.to_string(),
            why,
        };
        let j: StubJson = serde_json::from_slice(bytes).map_err(|e| bad(e.to_string()))?;
        let b64 = base64::engine::general_purpose::STANDARD;
        let text = b64
            .decode(j.text.as_bytes())
            .map_err(|e| bad(format!("text: {e}")))?;
        let data = match &j.data {
            Some(d) => b64
                .decode(d.as_bytes())
                .map_err(|e| bad(format!("data: {e}")))?,
            None => Vec::new(),
        };
        if !data.is_empty() && j.data_start.is_none() {
            return Err(bad("data without data_start".into()));
        }
        Ok(StubImage {
            entry: j.entry,
            text,
            text_start: j.text_start,
            data,
            data_start: j.data_start.unwrap_or(0),
            bss_start: j.bss_start,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_segments() {
        let json = br#"{"entry": 1074840836, "text": "AQID", "text_start": 1074840832,
            "data": "BAU=", "data_start": 1073720940, "bss_start": 1073643776}"#;
        let s = StubImage::from_json("esp8266.json", json).unwrap();
        assert_eq!(s.entry, 0x4010_C504);
        assert_eq!(s.text, [1, 2, 3]);
        assert_eq!(s.data, [4, 5]);
        assert_eq!(s.data_start, 0x3FFF_AE6C);
        assert!(StubImage::from_json("x.json", b"{\"entry\": 1}").is_err());
    }
}
