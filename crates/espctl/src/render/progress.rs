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

/// The bar of a transfer of `total` bytes on stdout, labelled `message`.
pub(super) fn byte_bar(total: u64, message: String) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stdout());
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:30}] {percent:>3}% {bytes}/{total_bytes}")
            .expect("valid template")
            .progress_chars("=> "),
    );
    bar.set_message(message);
    bar
}

impl State {
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
