//! Commands into request packets: the client's direction.

use super::Command;
use crate::checksum::checksum;
use crate::packet::Request;
use crate::payload::{DataBlock, RegWrite, words};

impl Command {
    /// The request packet for this command (checksum filled in for data blocks).
    pub fn to_request(&self) -> Request {
        let op = self.opcode();
        let mut sum = 0u32;
        let data = match self {
            Command::FlashBegin(b) | Command::FlashDeflBegin(b) => b.encode(),
            Command::FlashData { seq, data }
            | Command::MemData { seq, data }
            | Command::FlashDeflData { seq, data } => {
                sum = checksum(data) as u32;
                DataBlock::encode(*seq, data)
            }
            Command::FlashEnd { reboot } | Command::FlashDeflEnd { reboot } => {
                words(&[u32::from(!reboot)])
            }
            Command::MemBegin {
                size,
                blocks,
                block_size,
                addr,
            } => words(&[*size, *blocks, *block_size, *addr]),
            Command::MemEnd { execute, entry } => words(&[u32::from(!execute), *entry]),
            Command::Sync => crate::SYNC_PAYLOAD.to_vec(),
            Command::WriteReg(writes) => writes.iter().flat_map(RegWrite::encode).collect(),
            Command::ReadReg { addr } => words(&[*addr]),
            Command::SpiSetParams(p) => p.encode(),
            Command::SpiAttach { config, rom_form } => {
                if *rom_form {
                    words(&[*config, 0])
                } else {
                    words(&[*config])
                }
            }
            Command::ReadFlashSlow { offset, len } => words(&[*offset, *len]),
            Command::ChangeBaudrate { new_baud, old_baud } => words(&[*new_baud, *old_baud]),
            Command::SpiFlashMd5 { addr, size } => words(&[*addr, *size, 0, 0]),
            Command::GetSecurityInfo | Command::EraseFlash | Command::RunUserCode => Vec::new(),
            Command::EraseRegion { offset, size } => words(&[*offset, *size]),
            Command::ReadFlash {
                offset,
                len,
                packet_size,
                max_in_flight,
            } => words(&[*offset, *len, *packet_size, *max_in_flight]),
        };
        Request {
            op: op as u8,
            checksum: sum,
            data,
        }
    }
}
