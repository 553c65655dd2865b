//! What the flash holds after a write was cancelled: everything the write covers that
//! was not left unsent holds the new content (sent, or found unchanged), which the
//! chip's MD5 confirms where the loader can compute one (not for encrypted data, whose
//! ciphertext the host does not know).

use crate::cancel::Interruption;
use crate::flash::encrypt::DataPath;
use crate::flash::span::Span;
use crate::session::Session;
use std::ops::Range;

impl Session {
    /// The state of `covered` (one file's flash) when `unsent` was not written.
    pub(super) fn settle_interruption(
        &mut self,
        span: &Span<'_>,
        covered: Range<u32>,
        mut unsent: Vec<Range<u32>>,
        path: DataPath,
    ) -> Interruption {
        unsent.sort_by_key(|r| r.start);
        let checkable = self.can_md5() && path == DataPath::Plain;
        let mut state = Interruption {
            verified: checkable,
            ..Interruption::default()
        };
        let mut at = covered.start;
        for gap in unsent
            .iter()
            .chain(std::iter::once(&(covered.end..covered.end)))
        {
            let sent = at..gap.start.max(at);
            if !sent.is_empty() {
                if !checkable || self.holds(span, &sent) {
                    state.add_written(sent);
                } else {
                    state.add_not_written(sent);
                }
            }
            state.add_not_written(gap.start.max(at)..gap.end);
            at = at.max(gap.end);
        }
        state
    }

    /// Whether the flash in `r` holds `span`'s content, by the chip's MD5.
    fn holds(&mut self, span: &Span<'_>, r: &Range<u32>) -> bool {
        match self.flash_md5(r.start, r.end - r.start) {
            Ok(md5) => md5 == span.md5(r.clone()),
            Err(_) => false,
        }
    }
}
