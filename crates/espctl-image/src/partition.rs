//! ESP-IDF partition tables (the binary form at 0x8000): 32-byte entries, an optional
//! MD5 entry over the entries before it, 0xFF after the end.

use md5::{Digest, Md5};

use crate::ImageError;

/// Length of one entry (`esp_partition_info_t`), and of the MD5 entry.
pub const ENTRY_LEN: usize = 32;
/// Entries start with these two bytes.
pub const ENTRY_MAGIC: [u8; 2] = [0xAA, 0x50];
/// The MD5 entry starts with these two bytes, then 14 bytes of 0xFF, then the digest.
pub const MD5_MAGIC: [u8; 2] = [0xEB, 0xEB];
/// Room ESP-IDF reserves for the table.
pub const MAX_TABLE_LEN: usize = 0xC00;

/// One partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    /// Byte 2, the partition type: 0 app, 1 data, other values custom.
    pub kind: u8,
    /// Byte 3: the subtype within the type (for an app: 0x00 factory, 0x10.. ota_N,
    /// 0x20 test; for data: 0x00 ota, 0x01 phy, 0x02 nvs, ...).
    pub subtype: u8,
    /// Bytes 4..8: flash address of the partition.
    pub offset: u32,
    /// Bytes 8..12: its length in bytes.
    pub size: u32,
    /// Bytes 12..28: the name field as stored (NUL padded).
    pub name: [u8; 16],
    /// Bytes 28..32: bit 0 encrypted, bit 1 read-only.
    pub flags: u32,
}

impl Partition {
    /// The name field up to its first NUL, invalid UTF-8 replaced.
    pub fn name(&self) -> String {
        let end = self.name.iter().position(|&b| b == 0).unwrap_or(16);
        String::from_utf8_lossy(&self.name[..end]).into_owned()
    }
}

/// A partition table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionTable {
    /// The entries in table order.
    pub partitions: Vec<Partition>,
    /// Whether the table carries an MD5 entry.
    pub md5: bool,
}

impl PartitionTable {
    /// Parses a table; stops at an all-0xFF entry or the end of `data`. An MD5 entry is
    /// checked against the entries before it.
    pub fn parse(data: &[u8]) -> Result<PartitionTable, ImageError> {
        let mut partitions = Vec::new();
        let mut md5 = false;
        for (n, e) in data.chunks(ENTRY_LEN).enumerate() {
            if e.iter().all(|&b| b == 0xFF) {
                break;
            }
            if e.len() < ENTRY_LEN {
                return Err(ImageError::Partition(format!(
                    "Partition table entry {n} is cut short ({} of 32 bytes).",
                    e.len()
                )));
            }
            if e[..2] == MD5_MAGIC {
                let expected: [u8; 16] = Md5::digest(&data[..n * ENTRY_LEN]).into();
                if e[16..32] != expected {
                    return Err(ImageError::Partition(
                        "Partition table MD5 does not match its entries: the table is corrupt."
                            .into(),
                    ));
                }
                md5 = true;
                continue;
            }
            if e[..2] != ENTRY_MAGIC {
                return Err(ImageError::Partition(format!(
                    "Partition table entry {n} has invalid magic {:02x}{:02x} (expected aa50).",
                    e[0], e[1]
                )));
            }
            let u32_at = |at: usize| u32::from_le_bytes(e[at..at + 4].try_into().expect("4"));
            partitions.push(Partition {
                kind: e[2],
                subtype: e[3],
                offset: u32_at(4),
                size: u32_at(8),
                name: e[12..28].try_into().expect("16"),
                flags: u32_at(28),
            });
        }
        Ok(PartitionTable { partitions, md5 })
    }

    /// The entries (and MD5 entry), without the 0xFF fill.
    pub fn write(&self) -> Vec<u8> {
        let mut out = Vec::new();
        for p in &self.partitions {
            out.extend(ENTRY_MAGIC);
            out.extend([p.kind, p.subtype]);
            out.extend(p.offset.to_le_bytes());
            out.extend(p.size.to_le_bytes());
            out.extend(p.name);
            out.extend(p.flags.to_le_bytes());
        }
        if self.md5 {
            let digest = Md5::digest(&out);
            out.extend(MD5_MAGIC);
            out.extend([0xFF; 14]);
            out.extend(digest);
        }
        out
    }

    /// The table as flashed: padded with 0xFF to the 0xC00 bytes ESP-IDF reserves.
    pub fn write_padded(&self) -> Vec<u8> {
        let mut out = self.write();
        if out.len() < MAX_TABLE_LEN {
            out.resize(MAX_TABLE_LEN, 0xFF);
        }
        out
    }
}
