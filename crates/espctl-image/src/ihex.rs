//! Intel HEX: reading (with the gaps that split a merged file into regions) and writing
//! (16 data bytes a record, extended linear address records, upper-case, `\n` endings:
//! the layout esptool's HEX writer produces).

use std::collections::BTreeMap;

use crate::ImageError;

/// Bytes by address, as read from or to be written to a HEX file: contiguous regions,
/// never overlapping and never touching (touching regions are one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HexData {
    regions: BTreeMap<u32, Vec<u8>>,
}

fn end_of(start: u32, data: &[u8]) -> u64 {
    start as u64 + data.len() as u64
}

impl HexData {
    /// No data at all.
    pub fn new() -> HexData {
        HexData::default()
    }

    /// Puts `data` at `addr`. Fails if any byte is already set.
    pub fn insert(&mut self, addr: u32, data: &[u8]) -> Result<(), ImageError> {
        if data.is_empty() {
            return Ok(());
        }
        let end = end_of(addr, data);
        if end > 1 << 32 {
            return Err(ImageError::Hex(format!(
                "Data at {addr:#x} runs past the 4 GB address space."
            )));
        }
        let overlap = |at: u32| ImageError::Hex(format!("Data overlapped at address {at:#X}"));
        let before = self.regions.range(..=addr).next_back();
        if let Some((&start, bytes)) = before
            && end_of(start, bytes) > addr as u64
        {
            return Err(overlap(addr));
        }
        let after = self.regions.range(addr..).next().map(|(&start, _)| start);
        if let Some(next) = after
            && (next as u64) < end
        {
            return Err(overlap(next));
        }
        // Joined to the region that ends where `data` starts, and to the one that starts
        // where it ends.
        let start = match before {
            Some((&start, bytes)) if end_of(start, bytes) == addr as u64 => start,
            _ => addr,
        };
        let region = self.regions.entry(start).or_default();
        region.extend_from_slice(data);
        if let Some(next) = after.filter(|&next| next as u64 == end) {
            let tail = self.regions.remove(&next).expect("the next region");
            self.regions
                .get_mut(&start)
                .expect("the region just extended")
                .extend(tail);
        }
        Ok(())
    }

    /// Whether no byte is set (a HEX file with only an end-of-file record).
    pub fn is_empty(&self) -> bool {
        self.regions.is_empty()
    }

    /// The contiguous runs of data, in address order.
    pub fn regions(&self) -> Vec<(u32, Vec<u8>)> {
        self.regions
            .iter()
            .map(|(&start, bytes)| (start, bytes.clone()))
            .collect()
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

    /// Writes the data as Intel HEX the way esptool's writer does: records of up to 16
    /// bytes that stop at gaps and 64 KB boundaries, and an extended linear address
    /// record before each 64 KB page, only when some data lies above the first page.
    pub fn to_hex(&self) -> String {
        let mut out = String::new();
        let top = self
            .regions
            .iter()
            .next_back()
            .map_or(0, |(&start, bytes)| end_of(start, bytes));
        let offset_records = top > 0x1_0000;
        let mut page = None;
        for (&start, bytes) in &self.regions {
            let mut addr = start as u64;
            for_each_record(bytes, start, |record_bytes| {
                if offset_records && page != Some(addr >> 16) {
                    page = Some(addr >> 16);
                    record(&mut out, 0, 4, &((addr >> 16) as u16).to_be_bytes());
                }
                record(&mut out, addr as u16, 0, record_bytes);
                addr += record_bytes.len() as u64;
            });
        }
        out.push_str(":00000001FF\n");
        out
    }
}

/// Cuts the bytes of a region starting at `start` into records: at most 16 bytes, none
/// crossing a 64 KB boundary.
fn for_each_record(bytes: &[u8], start: u32, mut f: impl FnMut(&[u8])) {
    let mut addr = start as u64;
    let mut rest = bytes;
    while !rest.is_empty() {
        let room = 0x1_0000 - (addr & 0xFFFF);
        let n = rest.len().min(16).min(room as usize);
        f(&rest[..n]);
        addr += n as u64;
        rest = &rest[n..];
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
