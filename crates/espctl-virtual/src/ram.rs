//! Code and data uploaded with MEM_BEGIN / MEM_DATA, and how the device decides what a
//! MEM_END jump starts.
//!
//! The device cannot execute Xtensa code, so it recognises the flasher stub instead:
//!
//! > A MEM_END that jumps to an entry point inside RAM uploaded during this loader
//! > session starts the flasher stub when the uploaded RAM holds the stub's greeting
//! > `OHAI`. Every esp-flasher-stub build (and the legacy stub) carries the greeting it
//! > sends as a constant in its text or data segment. Any other jump runs "an
//! > application in RAM": the device leaves the loader and stays silent.

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
    pub fn begin(&mut self, addr: u32, size: u32, block_size: u32) {
        self.segments.push(Segment {
            addr,
            data: Vec::with_capacity(size.min(1 << 20) as usize),
            announced: size,
            block_size,
        });
        self.open = true;
    }

    /// Stores the next block of the open segment; `seq` places it.
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
        let (at, end) = (at as usize, end as usize);
        if seg.data.len() < end {
            seg.data.resize(end, 0);
        }
        seg.data[at..end].copy_from_slice(bytes);
        soc.memory.write_bytes(seg.addr + at as u32, bytes);
        Ok(())
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
        let greets = self
            .segments
            .iter()
            .any(|s| s.data.windows(STUB_HELLO.len()).any(|w| w == STUB_HELLO));
        if inside && greets {
            Jump::Stub
        } else {
            Jump::Application
        }
    }
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
        ram.begin(0x4010_C500, text.len() as u32, 0x1800);
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
        ram.begin(0x4010_0000, 8, 0x1800);
        ram.data(&mut soc, 0, &[1; 8]).unwrap();
        assert_eq!(ram.jump_kind(0x4010_0004), Jump::Application);
    }

    #[test]
    fn rejects_data_beyond_the_announced_size_or_without_begin() {
        let mut soc = soc();
        let mut ram = RamUpload::default();
        assert_eq!(ram.data(&mut soc, 0, &[1]), Err(RamError::NotStarted));
        ram.begin(0x3FFE_8000, 4, 0x1800);
        assert_eq!(ram.data(&mut soc, 0, &[1; 5]), Err(RamError::TooMuchData));
        assert_eq!(ram.data(&mut soc, 1, &[1]), Err(RamError::TooMuchData));
    }
}
