//! Progress of long operations: a bar on a terminal, a line every 10% otherwise.

use super::State;
use espctl_flasher::Operation;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

fn op_verb(op: Operation) -> &'static str {
    match op {
        Operation::Write => "Writing at",
        Operation::Read => "Reading from",
        Operation::Erase => "Erasing at",
    }
}

/// The bar of a transfer of `total` bytes on stdout, labelled `message`: the bytes
/// done, the speed and the time left, as many of them as the terminal's width takes.
pub(super) fn byte_bar(total: u64, message: String) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stdout());
    let template = template_for(terminal_width().unwrap_or(80));
    bar.set_style(
        ProgressStyle::with_template(&template)
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(message);
    bar
}

/// The bar's layout for a terminal `width` columns wide: the bytes done, then the
/// speed and time left, are left out where the line would not fit with a bar of 10
/// columns; the bar takes what the rest leaves (up to 50 columns), so that the line
/// stays within the width (the last column is left free: writing there wraps on some
/// terminals).
pub(super) fn template_for(width: u16) -> String {
    let (rest, widest) = if width > WIDEST_FULL {
        (
            "{bytes}/{total_bytes} {bytes_per_sec}, {eta} left",
            WIDEST_FULL,
        )
    } else if width > WIDEST_SPEED {
        ("{bytes_per_sec}, {eta} left", WIDEST_SPEED)
    } else {
        ("", WIDEST_BARE)
    };
    let bar = (width.saturating_sub(widest - 10 + 1)).clamp(3, 50);
    format!("{{msg}} [{{bar:{bar}}}] {{percent:>3}}% {rest}")
        .trim_end()
        .to_string()
}

/// The widest line of the full layout with a bar of 10 columns: the label
/// (`Reading from 0x00100000`, 23), ` [`, the bar, `] `, `100%`, ` `,
/// `1023.99 KiB/1023.99 KiB` (23), ` `, `1023.99 KiB/s` (13), `, `, `999s left` (9).
pub(super) const WIDEST_FULL: u16 = 23 + 2 + 10 + 2 + 4 + 1 + 23 + 1 + 13 + 2 + 9;
/// The same without the bytes done.
pub(super) const WIDEST_SPEED: u16 = WIDEST_FULL - 24;
/// The same with the label, the bar and the percentage only.
pub(super) const WIDEST_BARE: u16 = 23 + 2 + 10 + 2 + 4;

/// Columns of the terminal on stdout.
#[cfg(unix)]
fn terminal_width() -> Option<u16> {
    let mut size = nix::libc::winsize {
        ws_row: 0,
        ws_col: 0,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: TIOCGWINSZ fills the winsize it is given; stdout stays open.
    let got =
        unsafe { nix::libc::ioctl(nix::libc::STDOUT_FILENO, nix::libc::TIOCGWINSZ, &mut size) };
    (got == 0 && size.ws_col > 0).then_some(size.ws_col)
}

#[cfg(not(unix))]
fn terminal_width() -> Option<u16> {
    None
}

impl State {
    /// Runs `print` with the live bar (if any) cleared first and drawn again after, so
    /// that a line printed during a transfer never lands on the bar's line.
    pub(super) fn clear_of_bar(&self, print: impl FnOnce()) {
        match &self.bar {
            Some(bar) => bar.suspend(print),
            None => print(),
        }
    }

    pub(super) fn progress_start(&mut self, op: Operation, addr: u32, total: u64) {
        self.last_step = None;
        if self.terminal && self.progress && !crate::console::silent() {
            self.bar = Some(byte_bar(total, format!("{} {addr:#010x}", op_verb(op))));
        }
    }

    pub(super) fn progress(&mut self, op: Operation, addr: u32, done: u64, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{} {addr:#010x}", op_verb(op)));
            bar.set_position(done);
            return;
        }
        if self.terminal || !self.progress {
            return;
        }
        // Plain output: a line at every 10%.
        let percent = (done * 100).checked_div(total).unwrap_or(100);
        let step = percent / 10;
        if self.last_step != Some(step) {
            self.last_step = Some(step);
            self.out(&format!("{} {addr:#010x}... ({percent} %)", op_verb(op)));
        }
    }
}
