//! The chip's memory: loading code into RAM and running it (`load-ram`, the stub
//! upload), and reading memory word by word (`dump-mem`).

use super::Session;
use crate::error::{Error, Result};
use crate::event::{Event, Operation};
use espctl_protocol::Command;
use std::time::Duration;

impl Session {
    /// [`Session::check_retried`] when `retry`, else a single try.
    fn check_if(
        &mut self,
        retry: bool,
        what: &str,
        cmd: &Command,
        data_len: usize,
        timeout: Duration,
    ) -> Result<(u32, Vec<u8>)> {
        if retry {
            self.check_retried(what, cmd, data_len, timeout)
        } else {
            self.conn.check(what, cmd, data_len, timeout)
        }
    }

    /// Loads `data` at `addr` with MEM_BEGIN / MEM_DATA (no MEM_END).
    pub(crate) fn upload_to_ram(&mut self, data: &[u8], addr: u32, block: usize) -> Result<()> {
        let blocks = data.len().div_ceil(block);
        // A loader that places blocks by sequence number takes a block again after a
        // lost answer; the stub appends, so nothing is resent to it.
        let by_seq = self.loader.places_blocks_by_seq();
        self.check_if(
            by_seq,
            "enter RAM download mode",
            &Command::MemBegin {
                size: data.len() as u32,
                blocks: blocks as u32,
                block_size: block as u32,
                addr,
            },
            0,
            self.limits.timeout,
        )?;
        for (seq, chunk) in data.chunks(block).enumerate() {
            self.check_if(
                by_seq,
                "write to target RAM",
                &Command::MemData {
                    seq: seq as u32,
                    data: chunk.to_vec(),
                },
                0,
                self.limits.timeout,
            )?;
        }
        Ok(())
    }

    /// Loads `segments` (address, bytes) into RAM and jumps to `entry` (`load-ram`).
    /// The chip then runs that code and no longer answers.
    pub fn load_ram(&mut self, segments: &[(u32, Vec<u8>)], entry: u32) -> Result<()> {
        for (addr, data) in segments {
            let end = *addr as u64 + data.len() as u64;
            if end > 1 << 32 {
                return Err(Error::SegmentPastAddressSpace {
                    len: data.len(),
                    addr: *addr,
                });
            }
            let overlaps = |(s, e): &&(u32, u32)| (*addr as u64) < *e as u64 && end > *s as u64;
            if let Some((start, end_of_stub)) = self.stub_ram.iter().find(overlaps) {
                return Err(Error::StubResident {
                    start: *start,
                    end: *end_of_stub,
                    addr: *addr,
                    addr_end: end,
                });
            }
        }
        let block = self.chip.rom.ram_block_size as usize;
        for (addr, data) in segments {
            self.upload_to_ram(data, *addr, block)?;
        }
        let cmd = Command::MemEnd {
            execute: true,
            entry,
        };
        if self.loader.may_skip_mem_end_reply() {
            let timeout = self.limits.mem_end_rom;
            let _ = self.conn.check("leave RAM download mode", &cmd, 0, timeout);
        } else {
            self.conn
                .check("leave RAM download mode", &cmd, 0, self.limits.timeout)?;
        }
        Ok(())
    }

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
