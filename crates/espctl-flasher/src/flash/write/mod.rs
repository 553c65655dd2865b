//! `write-flash`: what to write where (sizes checked, headers patched, unchanged sectors
//! found), then the runs that change, compressed on a worker thread while the previous
//! part is on the wire, and an MD5 check of every file.
//!
//! The steps live beside this file: [`prepare`] (padding, header patching),
//! [`send`] (block transfer and verification), [`progress`], and the compression
//! pipeline in [`crate::flash::deflate`].

mod esp8266_areas;
mod heal;
mod inflate_meter;
mod interrupted;
mod prepare;
mod progress;
mod send;

pub use esp8266_areas::Esp8266Areas;
pub(crate) use prepare::patch_header;

use super::compare::Probe;
use super::deflate::{Pipeline, sessions};
use super::plan::{check_fit, erase_range, pad_to};
use super::span::Span;
use super::{FlashFile, FlashParamsRequest, FlashSizeArg, Md5, Setting, WriteOptions, md5_of};
use crate::error::{Error, Result};
use crate::event::Event;
use crate::loader::Ability;
use crate::session::Session;
use espctl_chips::FLASH_SECTOR_SIZE;
use prepare::Prepared;
use std::ops::Range;

/// What a write did to each file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteReport {
    /// The files, in the order they were written.
    pub files: Vec<FileWritten>,
}

/// What a write did to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileWritten {
    /// Where the file is.
    pub addr: u32,
    /// Its length (padded to whole words).
    pub len: usize,
    /// The flash ranges sent to the chip: empty when the flash held the file already,
    /// one range covering the file when it was written whole.
    pub rewritten: Vec<Range<u32>>,
    /// MD5 of the `len` bytes the flash now holds at `addr` (the file padded, its
    /// header patched).
    pub md5: Md5,
    /// The chip's MD5 of the flash was compared with it (not by the ESP8266 ROM).
    pub verified: bool,
}

impl WriteReport {
    /// Bytes of flash sent to the chip, over all files.
    pub fn bytes_rewritten(&self) -> u64 {
        self.files
            .iter()
            .flat_map(|f| &f.rewritten)
            .map(|r| (r.end - r.start) as u64)
            .sum()
    }
}

impl Session {
    /// Writes `files` (in the given order) and verifies each with MD5 where the loader
    /// can. All checks that can fail (sizes, header values) run before anything is
    /// written.
    pub fn write_flash(
        &mut self,
        files: Vec<FlashFile>,
        opts: &WriteOptions,
    ) -> Result<WriteReport> {
        self.check_write_allowed(&files, &opts.safety)?;
        if files.iter().any(|f| f.encrypted) {
            self.check_encrypted_write(&files, opts.ignore_flash_enc_efuse)?;
        }
        let compress = opts.compress.unwrap_or(self.loader.compresses_by_default());
        if compress && !self.loader.can(Ability::CompressedWrite) {
            return Err(self.needs_stub("compressed writes"));
        }
        let mut files = files;
        let encrypted_align = self.encrypted_write_align() as usize;
        for f in &mut files {
            pad_to(&mut f.data, if f.encrypted { encrypted_align } else { 4 });
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
        if opts.esp8266_areas.requested() {
            self.add_esp8266_areas(&mut files, &opts.esp8266_areas, set_bytes, detected)?;
        }
        let flash_end = match (set_bytes, detected) {
            (Some(s), Some(d)) => Some(s.bytes().min(d.bytes())),
            (s, d) => s.or(d).map(|x| x.bytes()),
        };
        if let Some(end) = flash_end {
            check_fit(&files, end)?;
        }

        let request = FlashParamsRequest {
            size: set_bytes.map_or(Setting::Keep, Setting::Set),
            ..opts.header
        };
        let multiple = files.len() > 1;
        // With Secure Boot on, or in Secure Download Mode, esptool leaves every header
        // as it is and says so.
        let secure_boot =
            self.secure_download || self.security_state()?.is_some_and(|s| s.secure_boot);
        let prepared = if secure_boot {
            let mut prepared = prepare::prepare(self.chip, files, &FlashParamsRequest::default())?;
            for p in &mut prepared {
                p.notes.push(Event::SecurityKeepsFlashSettings);
            }
            prepared
        } else {
            prepare::prepare(self.chip, files, &request)?
        };

        if opts.erase_all {
            self.check_erase_allowed(&opts.safety)?;
            self.erase_flash()?;
        }
        let mut report = WriteReport::default();
        let file_ranges: Vec<_> = prepared
            .iter()
            .map(|p| p.orig_addr..p.orig_addr + p.image.len() as u32)
            .collect();
        for (i, mut p) in prepared.into_iter().enumerate() {
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
            let rewritten = match self.write_one(&p, compress, opts) {
                Err(Error::Interrupted(mut state)) => {
                    // The files before were written and verified; those after not begun.
                    for r in &file_ranges[..i] {
                        state.add_written(r.clone());
                    }
                    for r in &file_ranges[i + 1..] {
                        state.add_not_written(r.clone());
                    }
                    state.normalise();
                    return Err(Error::Interrupted(state));
                }
                other => other?,
            };
            report.files.push(FileWritten {
                addr: p.orig_addr,
                len: p.image.len(),
                rewritten,
                md5: md5_of(&p.image),
                verified: self.can_md5() && !p.encrypted,
            });
        }
        Ok(report)
    }

    /// Writes one file: only its changed sectors when the flash can be compared, then
    /// checks the MD5 of everything the write covers. Returns the ranges sent.
    fn write_one(
        &mut self,
        p: &Prepared,
        compress: bool,
        opts: &WriteOptions,
    ) -> Result<Vec<Range<u32>>> {
        let span = Span::new(p.orig_addr, &p.image);
        // A loader that writes from sector starts is sent the erased bytes before the
        // file too (as esptool does).
        let written = if self.loader.writes_from_sector_start() {
            span.range().start..span.data_range().end
        } else {
            span.data_range()
        };
        // Encrypted flash cannot be compared with the plain file.
        let skip = opts.skip_unchanged && !opts.erase_all && self.can_md5() && !p.encrypted;
        let runs = std::thread::scope(|scope| -> Result<Vec<Range<u32>>> {
            let mut pipeline = compress.then(|| Pipeline::start(scope, span));
            let runs = if skip {
                if let Some(pipe) = &mut pipeline {
                    // Compress the start of the whole file while the chip hashes its
                    // flash: a blank or unrelated flash means writing all of it.
                    pipe.queue(&sessions(written.clone())[..1]);
                }
                self.changed_runs_within(&span, &written)?
            } else {
                vec![written.clone()]
            };
            if runs.is_empty() {
                self.emit(Event::FlashUnchanged {
                    source: p.quoted_name(),
                    addr: p.orig_addr,
                });
                return Ok(runs);
            }
            let partial = runs != [written.clone()];
            if partial {
                self.emit(Event::ChangedSectorsFound);
            }
            if let Some(pipe) = &mut pipeline {
                let parts: Vec<_> = runs.iter().flat_map(|r| sessions(r.clone())).collect();
                pipe.queue(&parts);
            }
            for (k, run) in runs.iter().enumerate() {
                self.announce_run(run, p.orig_addr, partial, opts.erase_all);
                let sent = self.write_run(&span, run.clone(), pipeline.as_mut(), p, partial);
                if let Err(Error::Interrupted(mut state)) = sent {
                    state.not_written.extend(runs[k + 1..].iter().cloned());
                    return Err(Error::Interrupted(state));
                }
                sent?;
            }
            Ok(runs)
        });
        let runs = match runs {
            Err(Error::Interrupted(state)) => {
                let path = p.data_path();
                let state = self.settle_interruption(&span, written, state.not_written, path);
                return Err(Error::Interrupted(state));
            }
            other => other?,
        };
        if !runs.is_empty() && p.encrypted {
            self.emit(Event::Verifying);
            self.emit(Event::EncryptedNotVerified);
        } else if !runs.is_empty() {
            let expected = span.md5(written.clone());
            match self.verify_written(written.start, written.len(), expected) {
                Err(e) if e.is_line_damage() && self.can_md5() => {
                    self.heal(&span, written.clone(), compress, e)?;
                    self.verify_written(written.start, written.len(), expected)?;
                }
                other => other?,
            }
        }
        Ok(runs)
    }

    /// The runs of `written` whose flash differs from `span`, after asking the chip.
    fn changed_runs_within(
        &mut self,
        span: &Span<'_>,
        written: &Range<u32>,
    ) -> Result<Vec<Range<u32>>> {
        self.emit(Event::ComparingFlash {
            addr: span.range().start,
            len: span.range().end - span.range().start,
        });
        Ok(self
            .changed_runs(span, span.range(), Probe::UntilUnrelated)?
            .into_iter()
            .map(|r| r.start.max(written.start)..r.end.min(written.end))
            .filter(|r| !r.is_empty())
            .collect())
    }

    /// Says which sectors a run erases, as esptool does before writing.
    fn announce_run(&self, run: &Range<u32>, file_addr: u32, partial: bool, erased: bool) {
        let sectors = erase_range(run.start, (run.end - run.start) as usize);
        if partial {
            self.emit(Event::Reflashing {
                addr: sectors.0,
                sectors: (sectors.1 + 1 - sectors.0) / FLASH_SECTOR_SIZE,
            });
        } else if !erased {
            let before = file_addr % FLASH_SECTOR_SIZE;
            if before != 0 {
                self.emit(Event::UnalignedErase {
                    addr: file_addr,
                    bytes_before: before,
                });
            }
        }
        if !erased {
            self.emit(Event::EraseRange {
                start: sectors.0,
                end_inclusive: sectors.1,
            });
        }
    }
}
