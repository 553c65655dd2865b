//! Reading the chip's memory space word by word (`dump-mem`).

use crate::error::Result;
use crate::event::{Event, Operation};
use crate::session::Session;

impl Session {
    /// Reads `size / 4` words from `addr` with READ_REG, as little-endian bytes (a
    /// trailing partial word is not read, as esptool does).
    pub fn dump_mem(&mut self, addr: u32, size: u32) -> Result<Vec<u8>> {
        let words = size / 4;
        let total = words as u64 * 4;
        self.emit(Event::ProgressStart {
            op: Operation::Read,
            addr,
            total,
        });
        let mut data = Vec::with_capacity(total as usize);
        for i in 0..words {
            let word_addr = addr.wrapping_add(i * 4);
            data.extend(self.read_reg(word_addr)?.to_le_bytes());
            if data.len() % 1024 == 0 || data.len() as u64 == total {
                self.emit(Event::Progress {
                    op: Operation::Read,
                    addr: word_addr,
                    done: data.len() as u64,
                    total,
                });
            }
        }
        self.emit(Event::ProgressEnd {
            op: Operation::Read,
        });
        Ok(data)
    }
}
