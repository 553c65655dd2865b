//! A write that heals. When a block's answer is lost or damaged nobody knows whether the
//! loader took it, and the stub writes any block where the last one ended: resending it
//! could put data at the wrong address. Instead the link is resynchronised, the chip's
//! MD5s say which sectors of the range still differ from the file, and only those are
//! written again, in short sessions of smaller blocks. The whole range is verified at
//! the end as always.

use super::progress::RunProgress;
use crate::error::{Error, Result};
use crate::event::Event;
use crate::flash::compare::Probe;
use crate::flash::deflate::deflate;
use crate::flash::encrypt::DataPath;
use crate::flash::span::Span;
use crate::session::Session;
use espctl_chips::FLASH_SECTOR_SIZE;
use std::ops::Range;

/// Most bytes one healing session covers: short sessions get through a poor line.
const HEAL_SESSION: u32 = 0x1_0000;
/// Rounds that sent everything without an error and still left sectors wrong: the
/// flash does not take the data (write protection, worn sectors).
const MAX_CLEAN_FAILURES: u32 = 3;
/// Rounds in all: on the worst line a round still completes a sector or two of each
/// piece (a sector at the smallest block size gets through about every other round).
const MAX_ROUNDS: u32 = 200;

impl Session {
    /// Makes the flash in `range` hold what `span` has there, after `cause` broke the
    /// write of that range part way.
    pub(super) fn heal(
        &mut self,
        span: &Span<'_>,
        range: Range<u32>,
        compress: bool,
        cause: Error,
    ) -> Result<()> {
        let sectors = range.start - range.start % FLASH_SECTOR_SIZE
            ..range.end.div_ceil(FLASH_SECTOR_SIZE) * FLASH_SECTOR_SIZE;
        // A write-protected flash ignores every write there: no round would help.
        if let Ok(Some(protected)) = self.write_protection(&sectors) {
            return Err(protected.into());
        }
        let mut last = cause;
        let mut clean_failures = 0;
        for _ in 0..MAX_ROUNDS {
            match self.heal_round(span, &range, &sectors, compress) {
                Ok(Round::Done) => return Ok(()),
                Ok(Round::Damaged) => {}
                Ok(Round::Clean) => {
                    clean_failures += 1;
                    if clean_failures > MAX_CLEAN_FAILURES {
                        return Err(last);
                    }
                }
                Err(e) if e.is_line_damage() => last = e,
                Err(e) => return Err(e),
            }
        }
        Err(last)
    }

    /// `cause`, or the flash chip's write protection when it covers `range` (a loader
    /// that checks what it wrote reports the protected range as a write error).
    pub(super) fn explain_refused_write(&mut self, range: &Range<u32>, cause: Error) -> Error {
        match self.write_protection(range) {
            Ok(Some(protected)) => protected.into(),
            _ => cause,
        }
    }

    /// One round: resync, ask which sectors differ, rewrite them.
    fn heal_round(
        &mut self,
        span: &Span<'_>,
        range: &Range<u32>,
        sectors: &Range<u32>,
        compress: bool,
    ) -> Result<Round> {
        self.resync()?;
        self.emit(Event::Healing {
            addr: sectors.start,
            len: sectors.end - sectors.start,
        });
        let runs: Vec<Range<u32>> = self
            .changed_runs(span, sectors.clone(), Probe::Exhaustive)?
            .into_iter()
            .map(|r| r.start.max(range.start)..r.end.min(range.end))
            .filter(|r| !r.is_empty())
            .collect();
        if runs.is_empty() {
            return Ok(Round::Done);
        }
        self.shrink_blocks();
        self.stats.writes_healed += 1;
        self.stats.sectors_rewritten += runs
            .iter()
            .map(|r| r.end.div_ceil(FLASH_SECTOR_SIZE) - r.start / FLASH_SECTOR_SIZE)
            .sum::<u32>();
        let mut damaged = false;
        for part in runs.into_iter().flat_map(pieces) {
            let mut progress = RunProgress::hidden();
            let sent = if compress {
                let z = deflate(&span.bytes(part.clone()));
                self.send_compressed(part, &z, &mut progress, DataPath::Plain)
            } else {
                self.send_plain(span, part, &mut progress, DataPath::Plain)
            };
            match sent {
                Ok(()) => {}
                // The next round finds what this piece left wrong; the others go on.
                Err(e) if e.is_line_damage() => {
                    damaged = true;
                    self.resync()?;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(if damaged {
            Round::Damaged
        } else {
            Round::Clean
        })
    }
}

/// How a round ended.
enum Round {
    /// Nothing differs any more.
    Done,
    /// Pieces failed on the way: the next round goes on with what is left.
    Damaged,
    /// Every piece was sent without an error (the next round checks whether it took).
    Clean,
}

/// `r` in sessions of at most [`HEAL_SESSION`] bytes, cut at sector boundaries.
fn pieces(r: Range<u32>) -> Vec<Range<u32>> {
    let mut out = Vec::new();
    let mut start = r.start;
    while start < r.end {
        let next = ((start / HEAL_SESSION + 1) * HEAL_SESSION).min(r.end);
        out.push(start..next);
        start = next;
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn pieces_are_short_and_cover_the_run() {
        assert_eq!(
            super::pieces(0x1100..0x12000),
            [0x1100..0x10000, 0x10000..0x12000]
        );
        assert_eq!(super::pieces(0x20000..0x21000), vec![0x20000..0x21000]);
    }
}
