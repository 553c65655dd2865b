//! Intel HEX: reading (with the gaps that split a merged file into regions) and writing
//! (16 data bytes a record, extended linear address records, upper-case, `\n` endings:
//! the layout esptool's HEX writer produces).

use std::collections::BTreeMap;

use crate::ImageError;

/// Bytes by address, as read from or to be written to a HEX file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HexData {
    bytes: BTreeMap<u32, u8>,
}

impl HexData {
    pub fn new() -> HexData {
        HexData::default()
    }

    /// Puts `data` at `addr`. Fails if any byte is already set.
    pub fn insert(&mut self, addr: u32, data: &[u8]) -> Result<(), ImageError> {
        for (i, &b) in data.iter().enumerate() {
            let a = addr.checked_add(i as u32).ok_or_else(|| {
                ImageError::Hex(format!(
                    "Data at {addr:#x} runs past the 4 GB address space."
                ))
            })?;
            if self.bytes.insert(a, b).is_some() {
                return Err(ImageError::Hex(format!(
                    "Data overlapped at address {a:#X}"
                )));
            }
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The contiguous runs of data, in address order.
    pub fn regions(&self) -> Vec<(u32, Vec<u8>)> {
        let mut regions: Vec<(u32, Vec<u8>)> = Vec::new();
        for (&a, &b) in &self.bytes {
            match regions.last_mut() {
                Some((start, data)) if *start as u64 + data.len() as u64 == a as u64 => {
                    data.push(b)
                }
                _ => regions.push((a, vec![b])),
            }
        }
        regions
    }

    /// Parses Intel HEX text as strictly as esptool's reader (the `intelhex` package):
    /// a file it refuses is taken as binary by esptool, so it must be refused here too.
    /// Blank lines are skipped; reading stops at the end-of-file record.
    pub fn parse(text: &[u8]) -> Result<HexData, ImageError> {
        let text = std::str::from_utf8(text)
            .map_err(|_| ImageError::Hex("The HEX file is not text.".into()))?;
        let mut out = HexData::new();
        let mut base: u32 = 0;
        let mut start_address_seen = false;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end_matches(['\r', '\n']);
            if line.is_empty() {
                continue;
            }
            let bad =
                |why: &str| ImageError::Hex(format!("Invalid HEX record at line {}: {why}", n + 1));
            let hex = line
                .strip_prefix(':')
                .ok_or_else(|| bad("it does not start with ':'"))?;
            if !hex.is_ascii() {
                return Err(bad("not hexadecimal"));
            }
            if hex.len() % 2 != 0 || hex.len() < 10 {
                return Err(bad("wrong length"));
            }
            let bytes: Vec<u8> = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16))
                .collect::<Result<_, _>>()
                .map_err(|_| bad("not hexadecimal"))?;
            let count = bytes[0] as usize;
            if bytes.len() != count + 5 {
                return Err(bad("the byte count does not match the record"));
            }
            if bytes.iter().fold(0u8, |a, b| a.wrapping_add(*b)) != 0 {
                return Err(bad("checksum mismatch"));
            }
            let offset = u16::from_be_bytes([bytes[1], bytes[2]]) as u32;
            let payload = &bytes[4..4 + count];
            // Records other than data carry their value in the payload, at offset 0.
            let value_record = |len: usize| count == len && offset == 0;
            match bytes[3] {
                0 => out.insert(base.wrapping_add(offset), payload)?,
                1 if count == 0 => break,
                2 if value_record(2) => {
                    base = (u16::from_be_bytes([payload[0], payload[1]]) as u32) << 4
                }
                4 if value_record(2) => {
                    base = (u16::from_be_bytes([payload[0], payload[1]]) as u32) << 16
                }
                3 | 5 if value_record(4) && !start_address_seen => start_address_seen = true,
                _ => return Err(bad("invalid record")),
            }
        }
        Ok(out)
    }

    /// Writes the data as Intel HEX.
    pub fn to_hex(&self) -> String {
        let mut out = String::new();
        let addrs: Vec<u32> = self.bytes.keys().copied().collect();
        if let (Some(&min), Some(&max)) = (addrs.first(), addrs.last()) {
            let offset_records = max > 0xFFFF;
            let mut i = 0;
            let mut cur = min;
            'outer: loop {
                let high = cur >> 16;
                if offset_records {
                    let h = (high as u16).to_be_bytes();
                    record(&mut out, 0, 4, &h);
                }
                loop {
                    let low = cur & 0xFFFF;
                    // At most 16 bytes, not across a 64 KB boundary, stopping at a gap.
                    let limit = 16.min(0x1_0000 - low) as usize;
                    let mut run = Vec::new();
                    while run.len() < limit
                        && i + run.len() < addrs.len()
                        && addrs[i + run.len()] as u64 == cur as u64 + run.len() as u64
                    {
                        run.push(self.bytes[&addrs[i + run.len()]]);
                    }
                    record(&mut out, low as u16, 0, &run);
                    i += run.len();
                    if i >= addrs.len() {
                        break 'outer;
                    }
                    cur = addrs[i];
                    if cur >> 16 > high {
                        break;
                    }
                }
            }
        }
        out.push_str(":00000001FF\n");
        out
    }
}

fn record(out: &mut String, addr: u16, kind: u8, data: &[u8]) {
    let mut bytes = vec![data.len() as u8];
    bytes.extend(addr.to_be_bytes());
    bytes.push(kind);
    bytes.extend(data);
    let sum = bytes.iter().fold(0u8, |a, b| a.wrapping_add(*b));
    bytes.push(sum.wrapping_neg());
    out.push(':');
    for b in bytes {
        out.push_str(&format!("{b:02X}"));
    }
    out.push('\n');
}

/// If `data` is Intel HEX (starts with ':' and parses), its contiguous regions;
/// otherwise `None` (the file is taken as binary, as esptool does).
pub fn regions_if_hex(data: &[u8]) -> Option<Vec<(u32, Vec<u8>)>> {
    if data.first() != Some(&b':') {
        return None;
    }
    HexData::parse(data).ok().map(|h| h.regions())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_esptools_reader_refuses() {
        let data = ":10000000000102030405060708090A0B0C0D0E0F78\n";
        assert!(HexData::parse(format!("{data}:00000001FF\n").as_bytes()).is_ok());
        // One start address is fine.
        let start = format!(":0400000500000001F6\n{data}:00000001FF\n");
        assert!(HexData::parse(start.as_bytes()).is_ok());
        for bad in [
            ":0200050400F005\n", // extended address record at offset 5
            ":0100000101FD\n",   // end-of-file record with data
            ":00000006FA\n",     // record type 6
            ":0400000500000001F6\n:0400000500000002F5\n", // two start addresses
        ] {
            let text = format!("{bad}{data}:00000001FF\n");
            assert!(HexData::parse(text.as_bytes()).is_err(), "{bad}");
        }
    }

    #[test]
    fn round_trips_across_64k_and_gaps() {
        let mut h = HexData::new();
        h.insert(0xFFF8, &[1; 20]).unwrap();
        h.insert(0x2_0000, &[2; 3]).unwrap();
        let text = h.to_hex();
        assert!(text.starts_with(":020000040000FA\n"));
        assert!(text.contains(":020000040001F9\n"));
        assert_eq!(HexData::parse(text.as_bytes()).unwrap(), h);
        assert_eq!(h.regions().len(), 2);
        assert!(h.insert(0x2_0001, &[0]).is_err());
    }
}
