//! `write-flash`: header patching, erase, (compressed) block transfer, MD5 check.

use super::plan::{align_for_rom, check_fit, erase_range, esp8266_rom_erase_size, pad_to};
use super::{FlashFile, FlashSizeArg, ImagePatcher, PatchRequest, Patched, WriteOptions, md5_hex};
use crate::connection::{DEFAULT_TIMEOUT, timeout_per_mb};
use crate::error::{Error, Result};
use crate::event::{Event, Operation};
use crate::session::{LoaderKind, Session};
use espctl_chips::FLASH_SECTOR_SIZE;
use espctl_protocol::Command;
use espctl_protocol::command::FlashBegin;
use std::io::Write;
use std::time::{Duration, Instant};

/// Seconds per MB the ROM may spend erasing and writing (esptool's
/// `ERASE_WRITE_TIMEOUT_PER_MB` and `ERASE_REGION_TIMEOUT_PER_MB`).
const ERASE_WRITE_SECONDS_PER_MB: f64 = 40.0;
/// Tries per data block before giving up.
const WRITE_BLOCK_ATTEMPTS: usize = 3;

/// One file ready to send: patched, padded, aligned.
struct Prepared {
    /// Where the user asked for it (messages use this).
    orig_addr: u32,
    addr: u32,
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
            self.write_one(p, compress, opts.erase_all)?;
        }
        Ok(())
    }

    /// Patches the bootloader header and aligns each file for the loader.
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
            let (addr, image) = match self.loader {
                LoaderKind::Rom => align_for_rom(f.addr, image),
                LoaderKind::Stub => (f.addr, image),
            };
            out.push(Prepared {
                orig_addr: f.addr,
                addr,
                image,
                name: f.name,
                notes,
            });
        }
        Ok(out)
    }

    fn write_one(&mut self, p: Prepared, compress: bool, erased_already: bool) -> Result<()> {
        let md5 = md5_hex(&p.image);
        if !erased_already {
            let before = p.orig_addr % FLASH_SECTOR_SIZE;
            if before != 0 {
                self.emit(Event::UnalignedErase {
                    addr: p.orig_addr,
                    bytes_before: before,
                });
            }
            let (start, end_inclusive) = erase_range(p.addr, p.image.len());
            self.emit(Event::EraseRange {
                start,
                end_inclusive,
            });
        }
        let compressed = if compress {
            let c = zlib_best(&p.image);
            if c.len() < p.image.len() {
                Some(c)
            } else {
                self.emit(Event::Incompressible {
                    name: p.name.clone().unwrap_or_else(|| "input image".into()),
                    compressed: c.len(),
                    uncompressed: p.image.len(),
                });
                None
            }
        } else {
            None
        };

        let start = Instant::now();
        let sent = match &compressed {
            Some(c) => self.send_compressed(p.addr, &p.image, c)?,
            None => self.send_plain(p.addr, &p.image)?,
        };
        let seconds = start.elapsed().as_secs_f64();
        self.emit(Event::Wrote {
            addr: p.orig_addr,
            bytes: p.image.len(),
            compressed: compressed.as_ref().map(|_| sent),
            seconds,
        });
        self.verify_written(p.addr, p.image.len(), &md5)
    }

    fn send_plain(&mut self, addr: u32, image: &[u8]) -> Result<usize> {
        let block = self.flash_write_size() as usize;
        let blocks = image.len().div_ceil(block) as u32;
        let rom = self.loader == LoaderKind::Rom;
        let erase_size = if rom && self.chip.rom.erase_size_bug {
            esp8266_rom_erase_size(addr, image.len() as u32)
        } else {
            image.len() as u32
        };
        let timeout = if rom {
            timeout_per_mb(ERASE_WRITE_SECONDS_PER_MB, image.len() as u64)
        } else {
            DEFAULT_TIMEOUT
        };
        self.begin_write(
            Command::FlashBegin(FlashBegin {
                size: erase_size,
                blocks,
                block_size: block as u32,
                offset: addr,
                encrypted: self.begin_encrypted_word(),
            }),
            "enter flash download mode",
            timeout,
        )?;
        self.emit(Event::ProgressStart {
            op: Operation::Write,
            addr,
            total: image.len() as u64,
        });
        let mut written = 0usize;
        for (seq, chunk) in image.chunks(block).enumerate() {
            let mut data = chunk.to_vec();
            // The loader takes whole blocks: pad the last one with erased bytes.
            data.resize(block, 0xFF);
            let cmd = Command::FlashData {
                seq: seq as u32,
                data,
            };
            let what = format!("write to target flash after seq {seq}");
            self.send_block(&cmd, &what, DEFAULT_TIMEOUT)?;
            written += chunk.len();
            self.emit(Event::Progress {
                op: Operation::Write,
                addr: addr + written as u32,
                done: written as u64,
                total: image.len() as u64,
            });
        }
        self.emit(Event::ProgressEnd {
            op: Operation::Write,
        });
        if self.is_stub() {
            // The stub acknowledges a block before writing it; FLASH_END's reply comes
            // only when the last block is in flash.
            self.flash_end(false, DEFAULT_TIMEOUT)?;
        }
        Ok(image.len())
    }

    fn send_compressed(&mut self, addr: u32, image: &[u8], compressed: &[u8]) -> Result<usize> {
        let block = self.flash_write_size() as usize;
        let blocks = compressed.len().div_ceil(block) as u32;
        let rom = self.loader == LoaderKind::Rom;
        self.emit(Event::Compressed {
            uncompressed: image.len(),
            compressed: compressed.len(),
        });
        // The stub wants the exact size; the ROM the size rounded up to whole blocks,
        // which it erases before taking data.
        let (size, timeout) = if rom {
            let size = (image.len().div_ceil(block) * block) as u32;
            (
                size,
                timeout_per_mb(ERASE_WRITE_SECONDS_PER_MB, size as u64),
            )
        } else {
            (image.len() as u32, DEFAULT_TIMEOUT)
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
        self.emit(Event::ProgressStart {
            op: Operation::Write,
            addr,
            total: compressed.len() as u64,
        });
        let mut inflater = Inflater::new();
        let mut sent = 0usize;
        let mut written = 0usize;
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
            sent += chunk.len();
            written += unpacked;
            self.emit(Event::Progress {
                op: Operation::Write,
                addr: addr + written as u32,
                done: sent as u64,
                total: compressed.len() as u64,
            });
        }
        self.emit(Event::ProgressEnd {
            op: Operation::Write,
        });
        if self.is_stub() {
            self.conn.check(
                "leave compressed flash mode",
                &Command::FlashDeflEnd { reboot: false },
                0,
                timeout,
            )?;
        }
        Ok(sent)
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
            let empty = actual == md5_hex(&vec![0xFF; len]);
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

/// zlib at level 9, as esptool compresses.
pub fn zlib_best(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::ZlibEncoder::new(
        Vec::with_capacity(data.len() / 2),
        flate2::Compression::best(),
    );
    e.write_all(data).expect("writing to memory");
    e.finish().expect("writing to memory")
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
        let z = zlib_best(&data);
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
