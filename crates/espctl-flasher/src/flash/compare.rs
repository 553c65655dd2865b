//! Which sectors a write has to change: the chip hashes its flash (SPI_FLASH_MD5) and the
//! host compares with the content the write would leave, so sectors that already hold
//! it are not sent again.
//!
//! A sector is only ever skipped when an MD5 of the flash proved it equal. Deciding to
//! write a sector without asking is always safe, so the probing may stop early where
//! asking stops paying off.

use super::span::{Span, erased_md5};
use crate::error::Result;
use crate::session::Session;
use espctl_chips::FLASH_SECTOR_SIZE;
use std::ops::Range;

/// The chip hashes 64KB-aligned chunks first, and the sectors of a chunk that differs.
pub const CHUNK: u32 = 0x1_0000;

/// How far to ask the chip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// Stop after a chunk that is blank or differs in every sector: the rest is taken
    /// as changed (right for a write, which then writes it).
    UntilUnrelated,
    /// Hash everything: the exact sector map (comparing a device with a backup).
    Exhaustive,
}

impl Session {
    /// The sector-aligned runs of `range` (sector-aligned, inside `span.range()`) whose
    /// flash content differs from `span`, in order (empty when the flash already holds
    /// it all).
    ///
    /// Probing stops (and everything after is written without asking) after a chunk
    /// that is blank, or whose every sector differs: the flash was erased or holds
    /// unrelated data, and hashing the rest would cost more time (1 s/MB on the chip)
    /// than it is likely to save.
    pub(crate) fn changed_runs(
        &mut self,
        span: &Span<'_>,
        range: Range<u32>,
        probe: Probe,
    ) -> Result<Vec<Range<u32>>> {
        let mut runs: Vec<Range<u32>> = Vec::new();
        let mut probing = true;
        for chunk in chunks(range) {
            if !probing {
                extend(&mut runs, chunk);
                continue;
            }
            let len = chunk.end - chunk.start;
            let flash = self.flash_md5(chunk.start, len)?;
            if flash == span.md5(chunk.clone()) {
                continue;
            }
            let blank = flash == erased_md5(len as usize);
            let mut all_changed = true;
            for sector in sectors(chunk) {
                let changed = if blank {
                    // Every sector is erased: those meant to hold data change.
                    !span.is_blank(sector.clone())
                } else {
                    let len = sector.end - sector.start;
                    self.flash_md5(sector.start, len)? != span.md5(sector.clone())
                };
                if changed {
                    extend(&mut runs, sector);
                } else {
                    all_changed = false;
                }
            }
            if (blank || all_changed) && probe == Probe::UntilUnrelated {
                probing = false;
            }
        }
        Ok(runs)
    }
}

impl Session {
    /// The sector runs where the flash differs from `data` at `addr` (which must be
    /// sector-aligned), each sector compared by the chip's MD5: nothing is read back.
    pub fn differing_sectors(&mut self, addr: u32, data: &[u8]) -> Result<Vec<Range<u32>>> {
        let span = Span::new(addr, data);
        self.changed_runs(&span, span.range(), Probe::Exhaustive)
    }
}

/// `r` cut at 64KB-aligned flash addresses.
fn chunks(r: Range<u32>) -> impl Iterator<Item = Range<u32>> {
    split(r, CHUNK)
}

/// `r` cut into sectors (`r` is sector-aligned).
fn sectors(r: Range<u32>) -> impl Iterator<Item = Range<u32>> {
    split(r, FLASH_SECTOR_SIZE)
}

fn split(r: Range<u32>, unit: u32) -> impl Iterator<Item = Range<u32>> {
    let mut start = r.start as u64;
    let end = r.end as u64;
    std::iter::from_fn(move || {
        if start >= end {
            return None;
        }
        let next = ((start / unit as u64 + 1) * unit as u64).min(end);
        let piece = start as u32..next as u32;
        start = next;
        Some(piece)
    })
}

/// Appends `r` to `runs`, merging it with the last run when they touch.
fn extend(runs: &mut Vec<Range<u32>>, r: Range<u32>) {
    match runs.last_mut() {
        Some(last) if last.end == r.start => last.end = r.end,
        _ => runs.push(r),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_follow_flash_alignment() {
        let c: Vec<_> = chunks(0x1000..0x23000).collect();
        assert_eq!(c, [0x1000..0x10000, 0x10000..0x20000, 0x20000..0x23000]);
        assert_eq!(sectors(0x1000..0x3000).count(), 2);
    }

    #[test]
    fn touching_runs_merge() {
        let mut runs = Vec::new();
        for r in [0x1000..0x2000, 0x2000..0x3000, 0x5000..0x6000] {
            extend(&mut runs, r);
        }
        assert_eq!(runs, [0x1000..0x3000, 0x5000..0x6000]);
    }
}
