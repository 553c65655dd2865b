//! Moving a run of flash content to the loader: FLASH_BEGIN / FLASH_DATA (plain) or
//! FLASH_DEFL_BEGIN / FLASH_DEFL_DATA (compressed parts from the pipeline), each block
//! retried as esptool does, then the MD5 check of what was written.

use super::inflate_meter::InflateMeter;
use super::prepare::Prepared;
use super::progress::RunProgress;
use crate::error::{Error, Result};
use crate::event::{Event, Operation};
use crate::flash::deflate::{Pipeline, measure_run, sessions};
use crate::flash::encrypt::DataPath;
use crate::flash::span::{Span, erased_md5};
use crate::flash::{Md5, hex};
use crate::session::Session;
use espctl_protocol::Command;
use espctl_protocol::command::FlashBegin;
use std::ops::Range;
use std::time::{Duration, Instant};

impl Session {
    /// Writes the flash range `run` with the content `span` gives it, compressed when
    /// `pipeline` is there, and reports it as esptool does ("Wrote ...").
    pub(super) fn write_run(
        &mut self,
        span: &Span<'_>,
        run: Range<u32>,
        mut pipeline: Option<&mut Pipeline>,
        p: &Prepared,
        partial: bool,
    ) -> Result<()> {
        let len = run.end - run.start;
        let mut progress = RunProgress::new(run.start, len as u64);
        self.emit(progress.start());
        let start = Instant::now();
        let mut compressed_total = None;
        let parts = match pipeline {
            Some(_) => sessions(run.clone()),
            None => vec![run.clone()],
        };
        // As esptool: one decision and one line for the whole run, with its sizes.
        let mut ready = Default::default();
        let compress = match pipeline.as_deref_mut() {
            Some(pipe) => {
                let measured = measure_run(pipe, span, &parts)?;
                let packed_len = measured.compressed_len;
                ready = measured.ready;
                let shrinks = packed_len < len as usize;
                self.emit(if shrinks {
                    Event::Compressed {
                        uncompressed: len as usize,
                        compressed: packed_len,
                    }
                } else {
                    Event::Incompressible {
                        name: p.name.clone().unwrap_or_else(|| "input image".into()),
                        compressed: packed_len,
                        uncompressed: len as usize,
                    }
                });
                shrinks
            }
            None => false,
        };
        for part in parts {
            let packed = match pipeline.as_deref_mut() {
                Some(pipe) if compress => Some(match ready.pop_front() {
                    Some(z) => z,
                    None => pipe.take(&part)?,
                }),
                _ => None,
            };
            let path = p.data_path();
            let sent = match packed {
                Some(z) => {
                    *compressed_total.get_or_insert(0) += z.len();
                    self.send_compressed(part.clone(), &z, &mut progress, path)
                }
                None => self.send_plain(span, part.clone(), &mut progress, path),
            };
            match sent {
                Ok(()) => {}
                // Healing compares the flash with the file: not for encrypted data.
                Err(e) if e.is_line_damage() && self.can_md5() && !p.encrypted => {
                    self.heal(span, part, compress, e)?
                }
                Err(Error::Interrupted(mut state)) => {
                    // The rest of the run was not sent either.
                    if let Some(last) = state.not_written.last_mut() {
                        last.end = run.end;
                    }
                    self.emit(Event::ProgressEnd {
                        op: Operation::Write,
                    });
                    return Err(Error::Interrupted(state));
                }
                Err(e @ Error::CommandFailed { .. }) => {
                    return Err(self.explain_refused_write(&part, e));
                }
                Err(e) => return Err(e),
            }
        }
        self.emit(Event::ProgressEnd {
            op: Operation::Write,
        });
        self.emit(Event::Wrote {
            addr: if partial { run.start } else { p.orig_addr },
            bytes: len as usize,
            compressed: compressed_total,
            seconds: start.elapsed().as_secs_f64(),
        });
        Ok(())
    }

    /// FLASH_BEGIN / FLASH_DATA (/ FLASH_END where the loader wants it) for `part`,
    /// block by block straight from the span.
    pub(super) fn send_plain(
        &mut self,
        span: &Span<'_>,
        part: Range<u32>,
        progress: &mut RunProgress,
        path: DataPath,
    ) -> Result<()> {
        let addr = part.start;
        let len = part.end - part.start;
        let block = self.block_size();
        let blocks = len.div_ceil(block);
        let erase_size = self.loader.begin_erase_size(addr, len);
        let begin = FlashBegin {
            size: erase_size,
            blocks,
            block_size: block,
            offset: addr,
            encrypted: self.begin_word(path),
        };
        let timeout = self.begin_timeout(len);
        self.begin_write(
            Command::FlashBegin(begin),
            "enter flash download mode",
            timeout,
        )?;
        // The start of the last block acknowledged: a loader may still be writing it.
        let mut settled = addr;
        for seq in 0..blocks {
            let from = addr + seq * block;
            let to = (from + block).min(part.end);
            self.stop_if_cancelled(settled..part.end)?;
            settled = from;
            let mut data = Vec::with_capacity(block as usize);
            span.copy_into(from..to, &mut data);
            // The loader takes whole blocks: pad the last one with erased bytes.
            data.resize(block as usize, 0xFF);
            let cmd = Command::FlashData { seq, data };
            let what = format!("write to target flash after seq {seq}");
            self.send_block(&cmd, &what, self.limits.timeout)?;
            if let Some(event) = progress.advance((to - from) as u64) {
                self.emit(event);
            }
        }
        if self.loader.ends_writes() {
            // The reply comes only when the last block is in flash.
            self.flash_end(false, self.limits.timeout)?;
        }
        Ok(())
    }

    /// FLASH_DEFL_BEGIN / FLASH_DEFL_DATA (/ FLASH_DEFL_END where the loader wants it)
    /// for `part`, whose zlib stream is `compressed`.
    pub(super) fn send_compressed(
        &mut self,
        part: Range<u32>,
        compressed: &[u8],
        progress: &mut RunProgress,
        path: DataPath,
    ) -> Result<()> {
        let addr = part.start;
        let len = part.end - part.start;
        let block = self.block_size();
        let blocks = compressed.len().div_ceil(block as usize) as u32;
        let size = self.loader.defl_begin_size(len, block);
        let begin = FlashBegin {
            size,
            blocks,
            block_size: block,
            offset: addr,
            encrypted: self.begin_word(path),
        };
        let timeout = self.begin_timeout(size);
        self.begin_write(
            Command::FlashDeflBegin(begin),
            "enter compressed flash mode",
            timeout,
        )?;
        let acks_first = self.loader.acknowledges_before_writing();
        let mut meter = InflateMeter::new();
        let mut timeout = self.limits.timeout;
        // Bytes before the last block acknowledged: a loader may still be inflating it.
        let (mut settled, mut acked) = (addr, addr);
        for (seq, chunk) in compressed.chunks(block as usize).enumerate() {
            self.stop_if_cancelled(settled..part.end)?;
            settled = acked;
            let unpacked = meter.feed(chunk)?;
            acked += unpacked as u32;
            if !acks_first {
                timeout = self.block_write_timeout(unpacked);
            }
            let cmd = Command::FlashDeflData {
                seq: seq as u32,
                data: chunk.to_vec(),
            };
            let what = format!("write compressed data to flash after seq {seq}");
            self.send_block(&cmd, &what, timeout)?;
            if acks_first {
                // This block is inflated while the next one arrives: the next reply
                // waits for this block's erase and write.
                timeout = self.block_write_timeout(unpacked);
            }
            if let Some(event) = progress.advance(unpacked as u64) {
                self.emit(event);
            }
        }
        if self.loader.ends_writes() {
            self.conn.check(
                "leave compressed flash mode",
                &Command::FlashDeflEnd { reboot: false },
                0,
                timeout,
            )?;
        }
        Ok(())
    }

    /// Stops the write when the caller cancelled, with `unsure` as the part of this
    /// transfer that may not hold the new content.
    fn stop_if_cancelled(&self, unsure: Range<u32>) -> Result<()> {
        match self.check_cancel() {
            Err(Error::Interrupted(mut state)) => {
                state.not_written.push(unsure);
                Err(Error::Interrupted(state))
            }
            other => other,
        }
    }

    /// How long the reply to FLASH_BEGIN or FLASH_DEFL_BEGIN for `len` bytes may take: a
    /// loader that erases there takes as long as erasing the region (esptool's
    /// `erase_region_timeout_per_mb`), the stub answers at once.
    fn begin_timeout(&self, len: u32) -> Duration {
        if self.loader.erases_at_begin() {
            self.limits.erase_region(len)
        } else {
            self.limits.timeout
        }
    }

    /// How long a compressed block that inflates to `unpacked` bytes may take to be
    /// erased and written (esptool's `erase_write_timeout_per_mb`).
    fn block_write_timeout(&self, unpacked: usize) -> Duration {
        self.limits
            .erase_write(self.loader.block_write_size(unpacked))
    }

    /// Sends FLASH_BEGIN or FLASH_DEFL_BEGIN; a loader that erases there is timed.
    fn begin_write(&mut self, cmd: Command, what: &str, timeout: Duration) -> Result<()> {
        let erases = self.loader.erases_at_begin();
        if erases {
            self.emit(Event::RomErasing);
        }
        let start = Instant::now();
        self.conn.check(what, &cmd, 0, timeout)?;
        if erases {
            self.emit(Event::RomEraseTook {
                seconds: start.elapsed().as_secs_f64(),
            });
        }
        Ok(())
    }

    /// Sends one data block. A loader that checks sequence numbers (the ROM) takes the
    /// same block again after a lost answer, as esptool resends it; the stub writes
    /// whatever comes where the last block ended, so a block is never resent to it
    /// blindly (the write is healed instead).
    fn send_block(&mut self, cmd: &Command, what: &str, timeout: Duration) -> Result<()> {
        let attempts = if self.loader.places_blocks_by_seq() {
            self.limits.write_block_attempts
        } else {
            1
        };
        let mut attempt = 1;
        loop {
            match self.conn.check(what, cmd, 0, timeout) {
                Ok(_) => return Ok(()),
                Err(e @ (Error::Io { .. } | Error::WriteTimeout { .. })) => return Err(e),
                Err(_) if attempt < attempts => attempt += 1,
                Err(e) => return Err(e),
            }
        }
    }

    /// "Verifying written data...": MD5 of the region against what was sent.
    pub(super) fn verify_written(&mut self, addr: u32, len: usize, expected: Md5) -> Result<()> {
        self.emit(Event::Verifying);
        if self.secure_download {
            self.emit(Event::EncryptedNotVerified);
            return Ok(());
        }
        if !self.can_md5() {
            self.emit(Event::VerifyUnavailable);
            return Ok(());
        }
        let actual = self.flash_md5(addr, len as u32)?;
        if actual != expected {
            return Err(Error::Md5Mismatch {
                addr,
                expected: hex(&expected),
                actual: hex(&actual),
                empty: actual == erased_md5(len),
            });
        }
        self.emit(Event::Verified);
        Ok(())
    }
}
