//! Starting the flasher stub: upload its segments into RAM, jump to it, and wait for its
//! greeting; or find that a stub answered SYNC already.

use super::Session;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::link::Answer;
use crate::loader::LoaderKind;
use crate::stub::StubImage;
use espctl_protocol::{Command, Opcode, STUB_HELLO};

/// MEM_END replies tolerated before the stub's greeting: the ROM may get its reply out
/// before jumping to the stub, or repeat it; an endless stream of them is a failure.
const MEM_END_REPLIES_TOLERATED: usize = 8;

/// Why the stub did not start after its upload.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StubStartFailure {
    /// Nothing came after MEM_END.
    #[error("There was no response.")]
    NoResponse,
    /// Something other than its greeting came.
    #[error("Unexpected response: {0}")]
    Unexpected(String),
    /// The ROM kept repeating its MEM_END reply.
    #[error("It kept answering MEM_END instead of saying hello.")]
    NoGreeting,
}

impl Session {
    /// Uploads `stub` into RAM and starts it, unless a stub already answered SYNC.
    /// Returns whether the stub runs (`false` when none is running and `stub` is `None`).
    pub fn run_stub(&mut self, stub: Option<&StubImage>) -> Result<bool> {
        if self.stub_found_running {
            self.stub_found_running = false;
            self.emit(Event::StubAlreadyRunning);
            return Ok(true);
        }
        if self.loader.kind() == LoaderKind::Stub {
            return Ok(true);
        }
        let Some(stub) = stub else {
            return Ok(false);
        };
        self.emit(Event::StubUploading);
        // Smaller blocks on a line that damaged data before (a reconnection).
        let block = self
            .block_limit
            .map_or(self.chip.rom.ram_block_size, |limit| {
                limit.min(self.chip.rom.ram_block_size)
            }) as usize;
        for (data, addr) in [(&stub.text, stub.text_start), (&stub.data, stub.data_start)] {
            if !data.is_empty() {
                self.upload_to_ram(data, addr, block)?;
            }
        }
        self.stub_ram = vec![
            (stub.text_start, stub.text_start + stub.text.len() as u32),
            (
                stub.bss_start.unwrap_or(stub.data_start),
                stub.data_start + stub.data.len() as u32,
            ),
        ];
        self.emit(Event::StubStarting);
        self.conn.send(
            &Command::MemEnd {
                execute: true,
                entry: stub.entry,
            },
            self.limits.timeout,
            Answer::Expected,
        )?;
        self.await_stub_greeting()?;
        self.switch_loader(LoaderKind::Stub);
        self.flash.attached = false;
        self.emit(Event::StubRunning);
        Ok(true)
    }

    /// Waits for the stub's bare "OHAI" frame, past the ROM's MEM_END replies.
    fn await_stub_greeting(&mut self) -> Result<()> {
        for _ in 0..MEM_END_REPLIES_TOLERATED {
            let frame = match self.conn.read_frame(self.limits.timeout) {
                Ok(frame) => frame,
                Err(e @ (Error::Io { .. } | Error::WriteTimeout { .. })) => return Err(e),
                Err(_) => return Err(Error::StubStart(StubStartFailure::NoResponse)),
            };
            if frame.as_slice() == STUB_HELLO {
                return Ok(());
            }
            let is_mem_end_reply =
                frame.len() >= 8 && frame[0] == 1 && frame[1] == Opcode::MemEnd as u8;
            if !is_mem_end_reply {
                let shown = &frame[..frame.len().min(32)];
                return Err(Error::StubStart(StubStartFailure::Unexpected(
                    String::from_utf8_lossy(shown).escape_debug().to_string(),
                )));
            }
        }
        Err(Error::StubStart(StubStartFailure::NoGreeting))
    }
}
