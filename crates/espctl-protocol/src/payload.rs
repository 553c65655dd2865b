//! The payloads that are more than a few words: FLASH_BEGIN's and SPI_SET_PARAMS's
//! parameters, WRITE_REG's writes and the data blocks' sub-header, each with its one
//! encoding and decoding.

use crate::DATA_HEADER_LEN;

/// Parameters of FLASH_BEGIN and FLASH_DEFL_BEGIN.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlashBegin {
    /// Bytes to erase (FLASH_BEGIN) or uncompressed size (FLASH_DEFL_BEGIN).
    pub size: u32,
    /// Number of FLASH_DATA / FLASH_DEFL_DATA blocks that will follow.
    pub blocks: u32,
    /// Bytes per data block (the last FLASH_DATA block is padded to it).
    pub block_size: u32,
    /// Flash address the write starts at.
    pub offset: u32,
    /// The fifth word sent to stubs and to ROMs newer than the ESP32; `None` means the
    /// 16-byte form that the ESP8266 and ESP32 ROMs expect.
    pub encrypted: Option<u32>,
}

impl FlashBegin {
    /// The payload: size, blocks, block size, offset, then the fifth word if there is one.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = vec![self.size, self.blocks, self.block_size, self.offset];
        w.extend(self.encrypted);
        words(&w)
    }

    /// Reads the 16-byte form (no `encrypted` word) or the 20-byte form; `None` for any
    /// other length.
    pub fn decode(data: &[u8]) -> Option<FlashBegin> {
        let w = word_reader(data);
        match data.len() {
            16 | 20 => Some(FlashBegin {
                size: w(0),
                blocks: w(1),
                block_size: w(2),
                offset: w(3),
                encrypted: (data.len() == 20).then(|| w(4)),
            }),
            _ => None,
        }
    }
}

/// One write of WRITE_REG: `reg = (reg & !mask) | (value & mask)`, then wait `delay_us`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegWrite {
    /// Register address.
    pub addr: u32,
    /// Value to write (only the bits set in `mask`).
    pub value: u32,
    /// Bits of the register the write changes.
    pub mask: u32,
    /// Microseconds the loader waits before the write.
    pub delay_us: u32,
}

impl RegWrite {
    /// The write's 16 bytes: address, value, mask, delay.
    pub fn encode(&self) -> Vec<u8> {
        words(&[self.addr, self.value, self.mask, self.delay_us])
    }

    /// The writes of a WRITE_REG payload: 16 bytes each, at least one. `None` when the
    /// length is not a non-zero multiple of 16.
    pub fn decode_all(data: &[u8]) -> Option<Vec<RegWrite>> {
        if data.is_empty() || !data.len().is_multiple_of(16) {
            return None;
        }
        Some(
            data.chunks_exact(16)
                .map(|c| {
                    let w = word_reader(c);
                    RegWrite {
                        addr: w(0),
                        value: w(1),
                        mask: w(2),
                        delay_us: w(3),
                    }
                })
                .collect(),
        )
    }
}

/// SPI_SET_PARAMS: the geometry of the attached flash chip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpiParams {
    /// Flash chip ID word (esptool sends 0).
    pub id: u32,
    /// Flash size in bytes: the size the loader checks addresses against from now on.
    pub total_size: u32,
    /// Bytes per erase block (64 KB).
    pub block_size: u32,
    /// Bytes per erase sector (4 KB).
    pub sector_size: u32,
    /// Bytes per program page (256).
    pub page_size: u32,
    /// Status register bits the loader may touch (esptool sends 0xFFFF).
    pub status_mask: u32,
}

impl SpiParams {
    /// The payload: six words in field order.
    pub fn encode(&self) -> Vec<u8> {
        words(&[
            self.id,
            self.total_size,
            self.block_size,
            self.sector_size,
            self.page_size,
            self.status_mask,
        ])
    }

    /// Reads the 24-byte payload; `None` for any other length.
    pub fn decode(data: &[u8]) -> Option<SpiParams> {
        let w = word_reader(data);
        (data.len() == 24).then(|| SpiParams {
            id: w(0),
            total_size: w(1),
            block_size: w(2),
            sector_size: w(3),
            page_size: w(4),
            status_mask: w(5),
        })
    }

    /// What esptool sends for a flash of `total_size` bytes.
    pub fn for_size(total_size: u32) -> SpiParams {
        SpiParams {
            id: 0,
            total_size,
            block_size: 0x1_0000,
            sector_size: 0x1000,
            page_size: 0x100,
            status_mask: 0xFFFF,
        }
    }
}

pub(crate) fn words(values: &[u32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// Reads little-endian word `i` of `data`; the caller has checked the length.
pub(crate) fn word_reader(data: &[u8]) -> impl Fn(usize) -> u32 + '_ {
    move |i| u32::from_le_bytes(data[i * 4..i * 4 + 4].try_into().unwrap())
}

/// The payload of MEM_DATA, FLASH_DATA and FLASH_DEFL_DATA split at its sub-header
/// (`u32 len, u32 seq, u32 0, u32 0`, [`DATA_HEADER_LEN`] bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataBlock<'a> {
    /// The length the sub-header announces (loaders differ in how they trust it).
    pub declared_len: u32,
    /// The block's sequence number.
    pub seq: u32,
    /// The bytes after the sub-header, whatever their number.
    pub data: &'a [u8],
}

impl<'a> DataBlock<'a> {
    /// The sub-header and what follows it; `None` when the payload is shorter than the
    /// sub-header.
    pub fn split(payload: &'a [u8]) -> Option<DataBlock<'a>> {
        if payload.len() < DATA_HEADER_LEN {
            return None;
        }
        let w = word_reader(payload);
        Some(DataBlock {
            declared_len: w(0),
            seq: w(1),
            data: &payload[DATA_HEADER_LEN..],
        })
    }

    /// The payload of block `seq` carrying `data`, its length announced.
    pub fn encode(seq: u32, data: &[u8]) -> Vec<u8> {
        let mut out = words(&[data.len() as u32, seq, 0, 0]);
        out.extend_from_slice(data);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flash_begin_has_a_16_and_a_20_byte_form() {
        let short = FlashBegin {
            size: 0x2000,
            blocks: 2,
            block_size: 0x1000,
            offset: 0x1_0000,
            encrypted: None,
        };
        assert_eq!(short.encode().len(), 16);
        assert_eq!(FlashBegin::decode(&short.encode()), Some(short));
        let long = FlashBegin {
            encrypted: Some(0),
            ..short
        };
        assert_eq!(long.encode().len(), 20);
        assert_eq!(FlashBegin::decode(&long.encode()), Some(long));
        for len in [0, 12, 17, 24] {
            assert_eq!(FlashBegin::decode(&vec![0; len]), None, "{len} bytes");
        }
    }

    #[test]
    fn spi_params_are_six_words() {
        let p = SpiParams::for_size(4 << 20);
        assert_eq!(&p.encode()[4..8], &(4u32 << 20).to_le_bytes());
        assert_eq!(SpiParams::decode(&p.encode()), Some(p));
        assert_eq!(SpiParams::decode(&[0; 20]), None);
        assert_eq!(SpiParams::decode(&[0; 28]), None);
    }

    #[test]
    fn a_data_block_splits_at_its_sub_header_whatever_it_announces() {
        let mut payload = DataBlock::encode(7, &[1, 2, 3]);
        payload[0] = 9;
        let block = DataBlock::split(&payload).unwrap();
        assert_eq!(
            (block.declared_len, block.seq, block.data),
            (9, 7, &[1, 2, 3][..])
        );
        assert_eq!(DataBlock::split(&[0; 15]), None);
    }
}
