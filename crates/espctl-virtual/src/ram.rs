//! Code and data uploaded with MEM_BEGIN / MEM_DATA, and how the device decides what a
//! MEM_END jump starts.
//!
//! The device cannot execute Xtensa code, so it recognises the flasher stub instead:
//!
//! > A MEM_END that jumps to an entry point inside RAM uploaded during this loader
//! > session starts the flasher stub when the uploaded RAM holds the stub's greeting
//! > `OHAI`. Every esp-flasher-stub build (and the legacy stub) carries the greeting it
//! > sends as a constant in its text or data segment, or (the RISC-V builds) as the
//! > `lui rd, hi; addi rd, rd, lo` pair that loads it as a word. Any other jump runs "an
//! > application in RAM": the device leaves the loader and stays silent.
//!
//! Where a block lands differs: the ROM places MEM_DATA blocks by `seq * block_size`
//! ([`RamUpload::data`]); the stub copies each block after the previous one, ignoring
//! `seq` (esp-flasher-stub `s_mem_data`, [`RamUpload::append`]).

use crate::soc::Soc;
use espctl_protocol::STUB_HELLO;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RamError {
    /// MEM_DATA without a MEM_BEGIN.
    NotStarted,
    /// More data than MEM_BEGIN announced, or a block larger than its block size.
    TooMuchData,
}

#[derive(Debug, Clone)]
struct Segment {
    addr: u32,
    data: Vec<u8>,
    announced: u32,
    block_size: u32,
}

impl Segment {
    /// Stores `bytes` at `at` bytes into the segment, and in the chip's memory.
    fn store(&mut self, soc: &mut Soc, at: usize, bytes: &[u8]) {
        let end = at + bytes.len();
        if self.data.len() < end {
            self.data.resize(end, 0);
        }
        self.data[at..end].copy_from_slice(bytes);
        soc.memory
            .write_bytes(self.addr.wrapping_add(at as u32), bytes);
    }
}

/// What a MEM_END jump starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jump {
    Stub,
    Application,
}

#[derive(Debug, Default, Clone)]
pub struct RamUpload {
    segments: Vec<Segment>,
    open: bool,
}

impl RamUpload {
    pub fn begin(&mut self, addr: u32, size: u32) {
        self.begin_blocks(addr, size, 0);
    }

    /// MEM_BEGIN with the block size the ROM places blocks by.
    pub fn begin_blocks(&mut self, addr: u32, size: u32, block_size: u32) {
        self.segments.push(Segment {
            addr,
            data: Vec::with_capacity(size.min(1 << 20) as usize),
            announced: size,
            block_size,
        });
        self.open = true;
    }

    /// The ROM's MEM_DATA: the block goes to `seq * block_size` in the open segment.
    pub fn data(&mut self, soc: &mut Soc, seq: u32, bytes: &[u8]) -> Result<(), RamError> {
        if !self.open {
            return Err(RamError::NotStarted);
        }
        let seg = self.segments.last_mut().ok_or(RamError::NotStarted)?;
        let at = u64::from(seq) * u64::from(seg.block_size);
        let end = at + bytes.len() as u64;
        if bytes.len() as u32 > seg.block_size.max(1) || end > u64::from(seg.announced) {
            return Err(RamError::TooMuchData);
        }
        seg.store(soc, at as usize, bytes);
        Ok(())
    }

    /// The stub's MEM_DATA: the block goes right after the previous one (the caller
    /// checked it fits what MEM_BEGIN announced).
    pub fn append(&mut self, soc: &mut Soc, bytes: &[u8]) {
        if let Some(seg) = self.segments.last_mut() {
            let at = seg.data.len();
            seg.store(soc, at, bytes);
        }
    }

    pub fn end(&mut self) {
        self.open = false;
    }

    /// The rule in the module documentation.
    pub fn jump_kind(&self, entry: u32) -> Jump {
        let inside = self
            .segments
            .iter()
            .any(|s| (s.addr..s.addr.saturating_add(s.data.len() as u32)).contains(&entry));
        let greets = self.segments.iter().any(|s| carries_greeting(&s.data));
        if inside && greets {
            Jump::Stub
        } else {
            Jump::Application
        }
    }
}

/// Whether `code` holds the stub's greeting: as bytes, or as the RISC-V instruction
/// pair that loads it into a register (`lui` of the upper 20 bits, rounded for the sign
/// of the lower 12, then `addi` of the lower 12).
fn carries_greeting(code: &[u8]) -> bool {
    if code.windows(STUB_HELLO.len()).any(|w| w == STUB_HELLO) {
        return true;
    }
    let word = u32::from_le_bytes(*STUB_HELLO);
    let lo = word & 0xFFF;
    let hi = word.wrapping_add(0x800) >> 12;
    let insn = |at: usize| {
        code.get(at..at + 4)
            .map(|b| u32::from_le_bytes(b.try_into().unwrap()))
    };
    // RISC-V instructions are 2-byte aligned (compressed code).
    (0..code.len().saturating_sub(7)).step_by(2).any(|at| {
        let (Some(lui), Some(addi)) = (insn(at), insn(at + 4)) else {
            return false;
        };
        let rd = (lui >> 7) & 0x1F;
        lui & 0x7F == 0x37
            && lui >> 12 == hi
            && addi & 0x707F == 0x13
            && (addi >> 7) & 0x1F == rd
            && (addi >> 15) & 0x1F == rd
            && addi >> 20 == lo
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flash_chip::FlashChip;
    use crate::nor::NorFlash;
    use espctl_chips::esp8266::ESP8266;

    fn soc() -> Soc {
        let part = ESP8266.typical_part().unwrap();
        Soc::new(
            &ESP8266,
            part,
            FlashChip::new(NorFlash::blank(1 << 20), 0x14405E),
            part.example_mac,
            crate::timing::WorkMeter::default(),
        )
    }

    #[test]
    fn stub_is_recognised_by_entry_inside_upload_and_greeting() {
        let mut soc = soc();
        let mut ram = RamUpload::default();
        let mut text = vec![0x11u8; 0x2000];
        text[0x1800..0x1804].copy_from_slice(b"OHAI");
        ram.begin_blocks(0x4010_C500, text.len() as u32, 0x1800);
        for (seq, block) in text.chunks(0x1800).enumerate() {
            ram.data(&mut soc, seq as u32, block).unwrap();
        }
        ram.end();
        assert_eq!(soc.memory.read(0x4010_C500), 0x1111_1111);
        assert_eq!(ram.jump_kind(0x4010_C504), Jump::Stub);
        assert_eq!(
            ram.jump_kind(0x4000_0000),
            Jump::Application,
            "outside the upload"
        );
    }

    #[test]
    fn code_without_greeting_is_an_application() {
        let mut soc = soc();
        let mut ram = RamUpload::default();
        ram.begin_blocks(0x4010_0000, 8, 0x1800);
        ram.data(&mut soc, 0, &[1; 8]).unwrap();
        assert_eq!(ram.jump_kind(0x4010_0004), Jump::Application);
    }

    #[test]
    fn rejects_data_beyond_the_announced_size_or_without_begin() {
        let mut soc = soc();
        let mut ram = RamUpload::default();
        assert_eq!(ram.data(&mut soc, 0, &[1]), Err(RamError::NotStarted));
        ram.begin_blocks(0x3FFE_8000, 4, 0x1800);
        assert_eq!(ram.data(&mut soc, 0, &[1; 5]), Err(RamError::TooMuchData));
        assert_eq!(ram.data(&mut soc, 1, &[1]), Err(RamError::TooMuchData));
    }

    #[test]
    fn appended_blocks_follow_each_other_whatever_their_seq() {
        let mut soc = soc();
        let mut ram = RamUpload::default();
        ram.begin(0x3FFE_8000, 8);
        ram.append(&mut soc, &[1, 2, 3]);
        ram.append(&mut soc, &[4, 5]);
        assert_eq!(soc.memory.read(0x3FFE_8000), 0x0403_0201);
        assert_eq!(soc.memory.read(0x3FFE_8004), 0x0000_0005);
    }

    #[test]
    fn finds_the_greeting_a_risc_v_stub_builds_in_a_register() {
        // lui a5, 0x49415; addi a5, a5, -0x7b1: a5 = "OHAI" as a little-endian word.
        let mut code = vec![0x01, 0x00];
        code.extend_from_slice(&0x4941_57B7u32.to_le_bytes());
        code.extend_from_slice(&0x84F7_8793u32.to_le_bytes());
        assert!(carries_greeting(&code));
        // Another register in the addi: not the greeting.
        code[6..10].copy_from_slice(&0x84F7_8713u32.to_le_bytes());
        assert!(!carries_greeting(&code));
        assert!(carries_greeting(b"..OHAI.."));
    }
}
