//! `write-flash`: header patching, erase, (compressed) block transfer, MD5 check.

use super::deflate::{Pipeline, sessions};
use super::plan::{check_fit, erase_range, esp8266_rom_erase_size, pad_to};
use super::span::{Span, erased_md5};
use super::{FlashFile, FlashSizeArg, ImagePatcher, PatchRequest, Patched, WriteOptions, hex};
use crate::connection::{DEFAULT_TIMEOUT, timeout_per_mb};
use crate::error::{Error, Result};
use crate::event::{Event, Operation};
use crate::session::{LoaderKind, Session};
use espctl_chips::FLASH_SECTOR_SIZE;
use espctl_protocol::Command;
use espctl_protocol::command::FlashBegin;
use std::ops::Range;
use std::time::{Duration, Instant};

/// Seconds per MB the ROM may spend erasing and writing (esptool's
/// `ERASE_WRITE_TIMEOUT_PER_MB` and `ERASE_REGION_TIMEOUT_PER_MB`).
const ERASE_WRITE_SECONDS_PER_MB: f64 = 40.0;
/// Tries per data block before giving up.
const WRITE_BLOCK_ATTEMPTS: usize = 3;

/// One file ready to send: patched and padded.
struct Prepared {
    /// Where the user asked for it.
    orig_addr: u32,
    image: Vec<u8>,
    name: Option<String>,
    /// What patching the header did, reported when this file's turn comes.
    notes: Vec<Event>,
}

impl Session {
    /// Writes `files` (in the given order) and verifies each with MD5 where the loader
    /// can. All checks that can fail (sizes, header values) run before anything is
    /// written.
    pub fn write_flash(
        &mut self,
        files: Vec<FlashFile>,
        opts: &WriteOptions,
        patcher: Option<&dyn ImagePatcher>,
    ) -> Result<()> {
        let compress = opts.compress.unwrap_or(self.is_stub());
        if compress && !self.is_stub() && !self.chip.rom.compressed_flash {
            return Err(self.rom_lacks("compressed writes (--compress)"));
        }
        let multiple = files.len() > 1;
        let mut files = files;
        for f in &mut files {
            pad_to(&mut f.data, 4);
        }

        let set = self.configure_flash_size(opts.flash_size)?;
        let set_bytes = match opts.flash_size {
            FlashSizeArg::Keep => None,
            _ => set,
        };
        let detected = self.detect_flash_size()?;
        if let (Some(s), Some(d)) = (set_bytes, detected)
            && s.bytes() > d.bytes()
        {
            self.emit(Event::FlashSizeLargerThanDetected {
                set: s,
                detected: d,
            });
        }
        let flash_end = match (set_bytes, detected) {
            (Some(s), Some(d)) => Some(s.bytes().min(d.bytes())),
            (s, d) => s.or(d).map(|x| x.bytes()),
        };
        if let Some(end) = flash_end {
            check_fit(&files, end)?;
        }

        let request = PatchRequest {
            size: set_bytes,
            ..opts.header
        };
        let prepared = self.prepare(files, &request, patcher)?;

        if opts.erase_all {
            self.erase_flash()?;
        }
        for mut p in prepared {
            if multiple {
                self.emit(Event::FileStarting {
                    name: p.name.clone().unwrap_or_else(|| "input".into()),
                    addr: p.orig_addr,
                });
            }
            for note in std::mem::take(&mut p.notes) {
                self.emit(note);
            }
            if p.image.is_empty() {
                self.emit(Event::FileEmpty {
                    name: p.name.clone().unwrap_or_default(),
                });
                continue;
            }
            self.write_one(&p, compress, opts)?;
        }
        Ok(())
    }

    /// Patches the bootloader header of each file.
    fn prepare(
        &mut self,
        files: Vec<FlashFile>,
        request: &PatchRequest,
        patcher: Option<&dyn ImagePatcher>,
    ) -> Result<Vec<Prepared>> {
        let mut out = Vec::with_capacity(files.len());
        for f in files {
            let mut image = f.data;
            let mut notes = Vec::new();
            if f.addr == self.chip.bootloader_offset
                && image.len() >= 8
                && !request.keeps_everything()
            {
                let patcher = patcher.ok_or_else(|| {
                    Error::Invalid("no image patcher to set the flash parameters".into())
                })?;
                match patcher.patch(self.chip, &mut image, request) {
                    Ok(Patched::Unchanged) => {}
                    Ok(Patched::Changed {
                        params,
                        sha_updated,
                    }) => {
                        if let Some(value) = params {
                            notes.push(Event::FlashParamsSet { value });
                        }
                        if sha_updated {
                            notes.push(Event::ShaDigestUpdated);
                        }
                    }
                    Ok(Patched::NotAnImage(reason)) => notes.push(Event::ImageNotPatched {
                        addr: f.addr,
                        reason,
                    }),
                    Err(message) => return Err(Error::Invalid(message)),
                }
            }
            out.push(Prepared {
                orig_addr: f.addr,
                image,
                name: f.name,
                notes,
            });
        }
        Ok(out)
    }

    /// Writes one file: only its changed sectors when the flash can be compared, then
    /// checks the MD5 of everything the write covers.
    fn write_one(&mut self, p: &Prepared, compress: bool, opts: &WriteOptions) -> Result<()> {
        let span = Span::new(p.orig_addr, &p.image);
        // The ROM can only start writing at a sector boundary: it is sent the erased
        // bytes before the file too (as esptool does).
        let written = match self.loader {
            LoaderKind::Rom => span.range().start..span.data_range().end,
            LoaderKind::Stub => span.data_range(),
        };
        let skip = opts.skip_unchanged && !opts.erase_all && self.can_md5();
        let write = std::thread::scope(|scope| -> Result<bool> {
            let mut pipeline = compress.then(|| Pipeline::start(scope, span));
            let runs = if skip {
                if let Some(pipe) = &mut pipeline {
                    // Compress the start of the whole file while the chip hashes its
                    // flash: a blank or unrelated flash means writing all of it.
                    pipe.queue(&sessions(written.clone())[..1]);
                }
                self.emit(Event::ComparingFlash {
                    addr: span.range().start,
                    len: span.range().end - span.range().start,
                });
                self.changed_runs(&span)?
                    .into_iter()
                    .map(|r| r.start.max(written.start)..r.end.min(written.end))
                    .filter(|r| !r.is_empty())
                    .collect()
            } else {
                vec![written.clone()]
            };
            if runs.is_empty() {
                self.emit(Event::FlashUnchanged {
                    source: p.quoted_name(),
                    addr: p.orig_addr,
                });
                return Ok(false);
            }
            let partial = runs != [written.clone()];
            if partial {
                self.emit(Event::ChangedSectorsFound);
            }
            if let Some(pipe) = &mut pipeline {
                let parts: Vec<_> = runs.iter().flat_map(|r| sessions(r.clone())).collect();
                pipe.queue(&parts);
            }
            for run in &runs {
                let sectors = erase_range(run.start, (run.end - run.start) as usize);
                if partial {
                    self.emit(Event::Reflashing {
                        addr: sectors.0,
                        sectors: (sectors.1 + 1 - sectors.0) / FLASH_SECTOR_SIZE,
                    });
                } else if !opts.erase_all {
                    let before = p.orig_addr % FLASH_SECTOR_SIZE;
                    if before != 0 {
                        self.emit(Event::UnalignedErase {
                            addr: p.orig_addr,
                            bytes_before: before,
                        });
                    }
                }
                if !opts.erase_all {
                    self.emit(Event::EraseRange {
                        start: sectors.0,
                        end_inclusive: sectors.1,
                    });
                }
                self.write_run(&span, run.clone(), pipeline.as_mut(), p, partial)?;
            }
            Ok(true)
        })?;
        if write {
            let expected = hex(&span.md5(written.clone()));
            self.verify_written(written.start, written.len(), &expected)?;
        }
        Ok(())
    }

    /// Writes the flash range `run` with the content `span` gives it, compressed when
    /// `pipeline` is there, and reports it as esptool does ("Wrote ...").
    fn write_run(
        &mut self,
        span: &Span<'_>,
        run: Range<u32>,
        mut pipeline: Option<&mut Pipeline>,
        p: &Prepared,
        partial: bool,
    ) -> Result<()> {
        let len = run.end - run.start;
        let mut progress = RunProgress::new(run.start, len as u64);
        self.emit(Event::ProgressStart {
            op: Operation::Write,
            addr: run.start,
            total: len as u64,
        });
        let start = Instant::now();
        let mut compressed_total = None;
        let parts = match pipeline {
            Some(_) => sessions(run.clone()),
            None => vec![run.clone()],
        };
        for part in parts {
            let packed = match pipeline.as_deref_mut() {
                Some(pipe) => {
                    let z = pipe.take(&part)?;
                    let size = (part.end - part.start) as usize;
                    if z.len() < size {
                        Some(z)
                    } else {
                        self.emit(Event::Incompressible {
                            name: p.name.clone().unwrap_or_else(|| "input image".into()),
                            compressed: z.len(),
                            uncompressed: size,
                        });
                        None
                    }
                }
                None => None,
            };
            match packed {
                Some(z) => {
                    self.emit(Event::Compressed {
                        uncompressed: (part.end - part.start) as usize,
                        compressed: z.len(),
                    });
                    self.send_compressed(part, &z, &mut progress)?;
                    *compressed_total.get_or_insert(0) += z.len();
                }
                None => {
                    self.send_plain(span, part, &mut progress)?;
                }
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

    /// FLASH_BEGIN / FLASH_DATA (/ FLASH_END on the stub) for `part`, block by block
    /// straight from the span.
    fn send_plain(
        &mut self,
        span: &Span<'_>,
        part: Range<u32>,
        progress: &mut RunProgress,
    ) -> Result<()> {
        let addr = part.start;
        let len = part.end - part.start;
        let block = self.flash_write_size();
        let blocks = len.div_ceil(block);
        let rom = self.loader == LoaderKind::Rom;
        let erase_size = if rom && self.chip.rom.erase_size_bug {
            esp8266_rom_erase_size(addr, len)
        } else {
            len
        };
        let timeout = if rom {
            timeout_per_mb(ERASE_WRITE_SECONDS_PER_MB, len as u64)
        } else {
            DEFAULT_TIMEOUT
        };
        self.begin_write(
            Command::FlashBegin(FlashBegin {
                size: erase_size,
                blocks,
                block_size: block,
                offset: addr,
                encrypted: self.begin_encrypted_word(),
            }),
            "enter flash download mode",
            timeout,
        )?;
        for seq in 0..blocks {
            let from = addr + seq * block;
            let to = (from + block).min(part.end);
            let mut data = Vec::with_capacity(block as usize);
            span.copy_into(from..to, &mut data);
            // The loader takes whole blocks: pad the last one with erased bytes.
            data.resize(block as usize, 0xFF);
            let cmd = Command::FlashData { seq, data };
            let what = format!("write to target flash after seq {seq}");
            self.send_block(&cmd, &what, DEFAULT_TIMEOUT)?;
            let event = progress.advance((to - from) as u64);
            self.emit(event);
        }
        if self.is_stub() {
            // The stub acknowledges a block before writing it; FLASH_END's reply comes
            // only when the last block is in flash.
            self.flash_end(false, DEFAULT_TIMEOUT)?;
        }
        Ok(())
    }

    /// FLASH_DEFL_BEGIN / FLASH_DEFL_DATA (/ FLASH_DEFL_END on the stub) for `part`,
    /// whose zlib stream is `compressed`.
    fn send_compressed(
        &mut self,
        part: Range<u32>,
        compressed: &[u8],
        progress: &mut RunProgress,
    ) -> Result<()> {
        let addr = part.start;
        let len = (part.end - part.start) as usize;
        let block = self.flash_write_size() as usize;
        let blocks = compressed.len().div_ceil(block) as u32;
        let rom = self.loader == LoaderKind::Rom;
        // The stub wants the exact size; the ROM the size rounded up to whole blocks,
        // which it erases before taking data.
        let (size, timeout) = if rom {
            let size = (len.div_ceil(block) * block) as u32;
            (
                size,
                timeout_per_mb(ERASE_WRITE_SECONDS_PER_MB, size as u64),
            )
        } else {
            (len as u32, DEFAULT_TIMEOUT)
        };
        self.begin_write(
            Command::FlashDeflBegin(FlashBegin {
                size,
                blocks,
                block_size: block as u32,
                offset: addr,
                encrypted: self.begin_encrypted_word(),
            }),
            "enter compressed flash mode",
            timeout,
        )?;
        let mut inflater = Inflater::new();
        let mut timeout = DEFAULT_TIMEOUT;
        for (seq, chunk) in compressed.chunks(block).enumerate() {
            let unpacked = inflater.feed(chunk)?;
            if rom {
                timeout = block_timeout(unpacked, false);
            }
            let cmd = Command::FlashDeflData {
                seq: seq as u32,
                data: chunk.to_vec(),
            };
            let what = format!("write compressed data to flash after seq {seq}");
            self.send_block(&cmd, &what, timeout)?;
            if !rom {
                // The stub acknowledges this block at once and inflates it while the
                // next one arrives: the next reply waits for this block's erase+write.
                timeout = block_timeout(unpacked, true);
            }
            let event = progress.advance(unpacked as u64);
            self.emit(event);
        }
        if self.is_stub() {
            self.conn.check(
                "leave compressed flash mode",
                &Command::FlashDeflEnd { reboot: false },
                0,
                timeout,
            )?;
        }
        Ok(())
    }

    /// Sends FLASH_BEGIN or FLASH_DEFL_BEGIN; the ROM erases here (reported with time).
    fn begin_write(&mut self, cmd: Command, what: &str, timeout: Duration) -> Result<()> {
        let rom = self.loader == LoaderKind::Rom;
        if rom {
            self.emit(Event::RomErasing);
        }
        let start = Instant::now();
        self.conn.check(what, &cmd, 0, timeout)?;
        if rom {
            self.emit(Event::RomEraseTook {
                seconds: start.elapsed().as_secs_f64(),
            });
        }
        Ok(())
    }

    /// Sends one data block, retrying as esptool does when it fails.
    fn send_block(&mut self, cmd: &Command, what: &str, timeout: Duration) -> Result<()> {
        let mut attempt = 1;
        loop {
            match self.conn.check(what, cmd, 0, timeout) {
                Ok(_) => return Ok(()),
                Err(e @ Error::Io { .. }) => return Err(e),
                Err(_) if attempt < WRITE_BLOCK_ATTEMPTS => attempt += 1,
                Err(e) => return Err(e),
            }
        }
    }

    /// "Verifying written data...": MD5 of the region against what was sent.
    fn verify_written(&mut self, addr: u32, len: usize, expected: &str) -> Result<()> {
        self.emit(Event::Verifying);
        if !self.can_md5() {
            self.emit(Event::VerifyUnavailable);
            return Ok(());
        }
        let actual = self.flash_md5(addr, len as u32)?;
        if actual != expected {
            let empty = actual == hex(&erased_md5(len));
            return Err(Error::Md5Mismatch {
                addr,
                expected: expected.to_string(),
                actual,
                empty,
            });
        }
        self.emit(Event::Verified);
        Ok(())
    }
}

/// Progress through one run, in bytes of flash content (compressed parts count what
/// they unpack to).
struct RunProgress {
    addr: u32,
    done: u64,
    total: u64,
}

impl RunProgress {
    fn new(addr: u32, total: u64) -> RunProgress {
        RunProgress {
            addr,
            done: 0,
            total,
        }
    }

    fn advance(&mut self, bytes: u64) -> Event {
        self.done = (self.done + bytes).min(self.total);
        Event::Progress {
            op: Operation::Write,
            addr: self.addr + self.done as u32,
            done: self.done,
            total: self.total,
        }
    }
}

impl Prepared {
    /// `'name'` or `Input bytes`, as esptool names data in its verification lines.
    fn quoted_name(&self) -> String {
        match &self.name {
            Some(n) => format!("'{n}'"),
            None => "Input bytes".to_string(),
        }
    }
}

/// Time allowed for one compressed block that inflates to `unpacked` bytes. The stub
/// erases flash as it goes: one 64KB erase per 32KB of inflated data, plus one.
fn block_timeout(unpacked: usize, stub: bool) -> Duration {
    const STUB_INFLATE_BUFFER: usize = 32 * 1024;
    const FLASH_BLOCK: usize = 64 * 1024;
    let mut size = unpacked;
    if stub {
        size += (unpacked.div_ceil(STUB_INFLATE_BUFFER) + 1) * FLASH_BLOCK;
    }
    timeout_per_mb(ERASE_WRITE_SECONDS_PER_MB, size as u64)
}

/// Inflates a zlib stream block by block to learn how much each block unpacks to.
struct Inflater {
    z: flate2::Decompress,
    scratch: Vec<u8>,
}

impl Inflater {
    fn new() -> Inflater {
        Inflater {
            z: flate2::Decompress::new(true),
            scratch: vec![0; 64 * 1024],
        }
    }

    fn feed(&mut self, mut input: &[u8]) -> Result<usize> {
        let mut produced = 0;
        loop {
            let (in0, out0) = (self.z.total_in(), self.z.total_out());
            let status = self
                .z
                .decompress(input, &mut self.scratch, flate2::FlushDecompress::None)
                .map_err(|e| Error::Invalid(format!("compressed data is corrupt: {e}")))?;
            let used = (self.z.total_in() - in0) as usize;
            let made = (self.z.total_out() - out0) as usize;
            produced += made;
            input = &input[used..];
            if status == flate2::Status::StreamEnd
                || (input.is_empty() && made < self.scratch.len())
            {
                return Ok(produced);
            }
            if used == 0 && made == 0 {
                return Ok(produced);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inflater_counts_what_each_block_unpacks_to() {
        let data: Vec<u8> = (0..200_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let z = super::super::deflate::deflate(&data);
        let mut inf = Inflater::new();
        let total: usize = z.chunks(1024).map(|c| inf.feed(c).unwrap()).sum();
        assert_eq!(total, data.len());
    }

    #[test]
    fn stub_block_timeouts_allow_for_erasing() {
        assert_eq!(block_timeout(16 * 1024, false), DEFAULT_TIMEOUT);
        // 100 KB inflated: 4 buffers + 1, 5 x 64 KB erases, ~430 KB at 40 s/MB.
        let t = block_timeout(100 * 1024, true);
        assert!(
            t > Duration::from_secs(17) && t < Duration::from_secs(18),
            "{t:?}"
        );
    }
}
