//! The manifest written beside a backup: what the data is (region, MD5, SHA-256, the
//! header bytes at the bootloader offset) and where it came from (chip, revision, MAC,
//! flash chip, tool, time), as a small TOML file a person can read.

use crate::flash::hex;
use serde::{Deserialize, Serialize};
use std::time::{SystemTime, UNIX_EPOCH};

/// Everything a restore needs to know about a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// The tool and version that wrote it (`espctl 0.1.0`).
    pub tool: String,
    /// When, in UTC (`2026-12-04T15:24:20Z`).
    pub created: String,
    /// The chip it was read from.
    pub chip: ChipRecord,
    /// Its flash chip.
    pub flash: FlashRecord,
    /// The data.
    pub data: DataRecord,
}

/// The chip a backup was read from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChipRecord {
    /// The chip type (`ESP8266`, `ESP32`).
    pub name: String,
    /// As esptool describes it (`ESP32-D0WD-V3 (revision v3.0)`).
    pub description: String,
    /// The revision, `v3.0`, where the chip has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// The base MAC (`18:fe:34:a1:b2:c3`).
    pub mac: String,
}

/// The flash chip of the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlashRecord {
    /// The JEDEC ID RDID answered (`0x16405e`).
    pub jedec_id: String,
    /// The size it reports (`4MB`), if it is a known one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    /// Its size in bytes, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_bytes: Option<u32>,
}

/// The bytes of a backup.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataRecord {
    /// Flash address of the first byte.
    pub address: u32,
    /// How many bytes.
    pub length: u32,
    /// Their MD5, lower-case hex.
    pub md5: String,
    /// Their SHA-256, lower-case hex.
    pub sha256: String,
    /// Where the bootloader image starts in flash (0 on the ESP8266, 0x1000 on the
    /// ESP32), when the backup covers it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header_address: Option<u32>,
    /// Its first 4 bytes (magic, segments, flash mode, size/frequency), hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
}

/// Why a manifest could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ManifestError(String);

impl Manifest {
    /// As TOML.
    pub fn to_toml(&self) -> String {
        let body = toml::to_string(self).expect("a manifest serialises");
        format!(
            "# espctl backup manifest: what the data beside it is and where it came from.\n{body}"
        )
    }

    /// From TOML.
    pub fn from_toml(text: &str) -> Result<Manifest, ManifestError> {
        toml::from_str(text).map_err(|e| ManifestError(e.message().to_string()))
    }

    /// Whether `data` is what the manifest describes (length, MD5, SHA-256).
    pub fn describes(&self, data: &[u8]) -> bool {
        use sha2::Digest;
        data.len() as u64 == self.data.length as u64
            && hex(&crate::flash::md5_of(data)) == self.data.md5.to_lowercase()
            && hex(&sha2::Sha256::digest(data)) == self.data.sha256.to_lowercase()
    }
}

/// Now, in UTC, as `2026-12-04T15:24:20Z`.
pub fn utc_now() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    utc_timestamp(secs)
}

/// `secs` after 1970-01-01T00:00:00Z as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn utc_timestamp(secs: u64) -> String {
    let (days, rest) = ((secs / 86_400) as i64, secs % 86_400);
    // Civil date from days since the epoch (the proleptic Gregorian calendar, in eras
    // of 400 years).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_civil_utc() {
        assert_eq!(utc_timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(utc_timestamp(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(utc_timestamp(1_796_398_260), "2026-12-04T15:31:00Z");
    }

    #[test]
    fn manifests_round_trip_and_check_their_data() {
        use sha2::Digest;
        let data = vec![7u8; 4096];
        let m = Manifest {
            tool: "espctl 0.1.0".into(),
            created: utc_timestamp(0),
            chip: ChipRecord {
                name: "ESP8266".into(),
                description: "ESP8266EX".into(),
                revision: None,
                mac: "18:fe:34:a1:b2:c3".into(),
            },
            flash: FlashRecord {
                jedec_id: "0x16405e".into(),
                size: Some("4MB".into()),
                size_bytes: Some(4 << 20),
            },
            data: DataRecord {
                address: 0,
                length: 4096,
                md5: hex(&crate::flash::md5_of(&data)),
                sha256: hex(&sha2::Sha256::digest(&data)),
                header_address: Some(0),
                header: Some("07070707".into()),
            },
        };
        let text = m.to_toml();
        assert!(text.contains("[chip]") && text.contains("mac = \"18:fe:34:a1:b2:c3\""));
        assert_eq!(Manifest::from_toml(&text).unwrap(), m);
        assert!(m.describes(&data));
        let mut other = data.clone();
        other[100] ^= 1;
        assert!(!m.describes(&other));
        assert!(Manifest::from_toml("tool = 3").is_err());
    }
}
