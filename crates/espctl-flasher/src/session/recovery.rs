//! Getting a confused link back. After a lost or damaged frame nobody knows what the
//! loader made of the last command, so nothing is resent blindly: the line is drained
//! and SYNC repeated until the loader answers cleanly, and the operation then asks the
//! chip what it holds (see `flash::write::heal` and `flash::read`).

use super::Session;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::link::{Answer, SYNC_TIMEOUT};
use espctl_protocol::{Command, Opcode};
use std::time::Duration;

/// Tries of a command that does the same however often it runs.
const IDEMPOTENT_ATTEMPTS: usize = 5;
/// SYNCs tried before the link counts as lost.
const RESYNC_ATTEMPTS: usize = 12;
/// How long the line must be quiet before a SYNC goes out.
const QUIET: Duration = Duration::from_millis(20);
/// The smallest data block the heal falls back to.
pub(crate) const MIN_BLOCK: u32 = 256;

/// What it took to keep the link working, for the report at the end.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Times the link was resynchronised after a lost or damaged frame.
    pub resyncs: u32,
    /// Write sessions redone for the sectors a failed one left wrong.
    pub writes_healed: u32,
    /// Sectors rewritten by those sessions.
    pub sectors_rewritten: u32,
    /// Reads continued from the last range the chip's MD5 confirmed.
    pub reads_resumed: u32,
    /// Times the port was opened again after it went away.
    pub reconnects: u32,
}

impl LinkStats {
    /// Whether anything had to be done.
    pub fn any(&self) -> bool {
        *self != LinkStats::default()
    }
}

impl Session {
    /// What it took so far to keep the link working.
    pub fn link_stats(&self) -> LinkStats {
        self.stats
    }

    /// Data bytes per block: the loader's size, smaller after the line damaged blocks.
    pub(crate) fn block_size(&self) -> u32 {
        let loader = self.loader.flash_block_size();
        self.block_limit.map_or(loader, |limit| limit.min(loader))
    }

    /// Halves the block size for what follows (damaged blocks cost less when small).
    pub(crate) fn shrink_blocks(&mut self) {
        self.block_limit = Some((self.block_size() / 2).max(MIN_BLOCK));
    }

    /// Sends a command that does the same however often it runs (reading a register,
    /// hashing flash, an erase) and returns its checked reply; after a lost or damaged
    /// frame it resyncs and sends it again.
    pub(crate) fn check_retried(
        &mut self,
        what: &str,
        cmd: &Command,
        data_len: usize,
        timeout: Duration,
    ) -> Result<(u32, Vec<u8>)> {
        let mut attempt = 1;
        loop {
            match self.conn.check(what, cmd, data_len, timeout) {
                Err(e) if e.is_line_damage() && attempt < IDEMPOTENT_ATTEMPTS => {
                    attempt += 1;
                    self.resync()?;
                }
                other => return other,
            }
        }
    }

    /// Drains the line and SYNCs until the loader answers cleanly (ending any READ_FLASH
    /// stream and reporting any deferred error on the way).
    ///
    /// Every other SYNC goes out after a lone `C0`. The stub's receiver opens a frame on
    /// a `C0` and takes `C0 C0` as an empty frame that closes it; a frame cut short
    /// by a damaged byte leaves it one `C0` behind, so that every later `C0 ... C0`
    /// frame is lost until an extra `C0` arrives between frames (esp-flasher-stub
    /// `slip.c`). In step, the extra `C0` would put it out of step, hence only every
    /// other time.
    pub(crate) fn resync(&mut self) -> Result<()> {
        self.stats.resyncs += 1;
        self.emit(Event::Resyncing);
        for attempt in 0..RESYNC_ATTEMPTS {
            self.conn.collect_for(QUIET)?;
            self.conn.flush_input()?;
            if attempt % 2 == 1 {
                self.conn.write_delimiter()?;
            }
            self.conn
                .send(&Command::Sync, SYNC_TIMEOUT, Answer::Expected)?;
            match self.conn.wait_reply(Opcode::Sync, SYNC_TIMEOUT) {
                Ok(reply) if reply.clone().check("sync", 0).is_ok() => {
                    // The other SYNC replies, then quiet.
                    self.conn.collect_for(QUIET)?;
                    self.conn.flush_input()?;
                    return Ok(());
                }
                Err(e @ (Error::Io { .. } | Error::WriteTimeout { .. })) => return Err(e),
                _ => continue,
            }
        }
        Err(Error::NoResync)
    }
}

impl Error {
    /// Whether this is what a poor line does to a transfer (a lost, damaged or
    /// misunderstood frame), which a resync and a check of the chip can repair; not a
    /// port that went away, nor a refusal.
    pub fn is_line_damage(&self) -> bool {
        matches!(
            self,
            Error::NoReply { .. }
                | Error::Read(_)
                | Error::ResponseMismatch { .. }
                | Error::CommandFailed { .. }
                | Error::ShortStatus { .. }
                | Error::UnsupportedCommand { .. }
                | Error::CorruptData { .. }
                | Error::ReadTooMuch
                | Error::ExpectedDigest(_)
                | Error::DigestMismatch { .. }
                | Error::ShortBlock { .. }
                | Error::BadMd5Reply { .. }
                | Error::Md5Mismatch { .. }
        )
    }
}
