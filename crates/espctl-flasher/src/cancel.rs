//! Stopping an operation from outside (a front end's Ctrl-C): a [`Cancel`] token shared
//! with the [`ConnectPlan`](crate::ConnectPlan), checked between data blocks. A cancelled
//! operation stops where the chip is between commands, and fails with
//! [`Error::Interrupted`](crate::Error::Interrupted) saying what the flash holds.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A flag that asks the running operation to stop at its next safe point. Clones share
/// the flag.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A token nobody has cancelled yet.
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// A token on an existing flag (a signal handler's, say).
    pub fn from_flag(flag: Arc<AtomicBool>) -> Cancel {
        Cancel(flag)
    }

    /// Asks the operation to stop.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::SeqCst);
    }

    /// Whether stopping was asked for.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::SeqCst)
    }
}

/// What the flash holds when an operation stopped early.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Interruption {
    /// Ranges that hold the new content; checked with the chip's MD5 when `verified`.
    pub written: Vec<Range<u32>>,
    /// Ranges meant to be written that may hold old, erased or partial content.
    pub not_written: Vec<Range<u32>>,
    /// The `written` ranges were confirmed by the chip's MD5 after stopping.
    pub verified: bool,
}

impl Interruption {
    /// Whether the flash was left as it was (nothing was to be written, or nothing was).
    pub fn flash_untouched(&self) -> bool {
        self.written.is_empty() && self.not_written.is_empty()
    }

    /// Puts both lists in address order, adjoining ranges merged.
    pub(crate) fn normalise(&mut self) {
        for list in [&mut self.written, &mut self.not_written] {
            list.sort_by_key(|r| r.start);
            let mut merged = Vec::with_capacity(list.len());
            for r in list.drain(..) {
                push_merged(&mut merged, r);
            }
            *list = merged;
        }
    }

    /// Adds a range that holds the new content, merging it with the one before.
    pub(crate) fn add_written(&mut self, r: Range<u32>) {
        push_merged(&mut self.written, r);
    }

    /// Adds a range that does not (or may not) hold the new content.
    pub(crate) fn add_not_written(&mut self, r: Range<u32>) {
        push_merged(&mut self.not_written, r);
    }
}

fn push_merged(list: &mut Vec<Range<u32>>, r: Range<u32>) {
    if r.is_empty() {
        return;
    }
    match list.last_mut() {
        Some(last) if last.end == r.start => last.end = r.end,
        _ => list.push(r),
    }
}

fn ranges(list: &[Range<u32>]) -> String {
    list.iter()
        .map(|r| format!("{:#x}-{:#x}", r.start, r.end))
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Interruption {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.not_written.is_empty() {
            return if self.written.is_empty() {
                write!(f, "Interrupted: the flash was not changed")
            } else {
                write!(
                    f,
                    "Interrupted: {} written{}; nothing else was to be written",
                    ranges(&self.written),
                    if self.verified { " and verified" } else { "" },
                )
            };
        }
        write!(f, "Interrupted: ")?;
        if !self.written.is_empty() {
            write!(
                f,
                "{} written{}, ",
                ranges(&self.written),
                if self.verified { " and verified" } else { "" },
            )?;
        }
        write!(
            f,
            "{} not written; the flash holds a partial image",
            ranges(&self.not_written)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clones_share_the_flag() {
        let a = Cancel::new();
        let b = a.clone();
        assert!(!b.is_cancelled());
        a.cancel();
        assert!(b.is_cancelled());
    }

    #[test]
    fn the_state_names_the_ranges() {
        let mut i = Interruption {
            verified: true,
            ..Default::default()
        };
        i.add_written(0x10000..0x20000);
        i.add_written(0x20000..0x4c000);
        i.add_not_written(0x4c000..0x110000);
        assert_eq!(
            i.to_string(),
            "Interrupted: 0x10000-0x4c000 written and verified, 0x4c000-0x110000 not written; the flash holds a partial image"
        );
        assert_eq!(
            Interruption::default().to_string(),
            "Interrupted: the flash was not changed"
        );
    }
}
