//! The output of ESPurna's web and terminal upgrades: a line per step, a progress bar on
//! a terminal (a line every 10% otherwise), the device's terminal lines with `-d`, and
//! the words for the library's [`UpgradeHint`]s.

use super::progress::byte_bar;
use crate::console::say;
use espctl_ota::http::{UpgradeHint, WebEvent};
use espctl_ota::terminal::TerminalEvent;
use indicatif::ProgressBar;
use std::fmt::Display;
use std::io::IsTerminal;

/// Prints one upgrade's events.
pub struct UpgradeRenderer {
    debug: bool,
    terminal: bool,
    bar: Option<ProgressBar>,
    last_step: Option<u64>,
    total: u64,
}

impl UpgradeRenderer {
    pub fn new(debug: bool) -> UpgradeRenderer {
        UpgradeRenderer {
            debug,
            terminal: std::io::stdout().is_terminal(),
            bar: None,
            last_step: None,
            total: 0,
        }
    }

    pub fn starting_web(&mut self, url: &str) {
        say!("Uploading to ESPurna's web upgrade at {url}");
    }

    pub fn starting_terminal(&mut self, url: &str) {
        say!("Connecting to the terminal at {url}");
    }

    pub fn web(&mut self, event: WebEvent) {
        match event {
            WebEvent::Connected { address } => {
                if self.debug {
                    say!("Connected to {address}");
                }
            }
            WebEvent::LoginRequired { scheme, realm } => {
                say!("Logging in ({scheme} login, realm '{realm}')");
            }
            WebEvent::UploadStarted { total } => self.start_progress(total, "Uploading"),
            WebEvent::Progress { sent, total } => self.progress(sent, total, "Uploading"),
            WebEvent::Uploaded => {
                self.end_progress();
                say!("Upload complete; the device checks the image...");
            }
        }
    }

    pub fn web_done(&mut self) {
        say!("The device accepted the image and is rebooting into it.");
    }

    pub fn terminal(&mut self, event: TerminalEvent) {
        match event {
            TerminalEvent::Connected { terminal } => {
                if self.debug {
                    say!("Connected to {terminal}");
                }
            }
            TerminalEvent::LoggedIn => say!("Logged in to the terminal."),
            TerminalEvent::Serving { url } => {
                say!("Serving the image at {url}; the device is told to fetch it.")
            }
            TerminalEvent::CommandAccepted => {
                if self.debug {
                    say!("The device took the command.");
                }
            }
            TerminalEvent::DeviceFetching => say!("The device is downloading the image..."),
            TerminalEvent::Progress { sent, total } => {
                if self.bar.is_none() && self.last_step.is_none() && self.total == 0 {
                    self.start_progress(total, "Downloading");
                }
                self.progress(sent, total, "Downloading");
            }
            TerminalEvent::DeviceLine(line) => {
                if self.debug {
                    self.suspend(|| say!("device: {line}"));
                }
            }
            TerminalEvent::Stored { bytes } => {
                self.end_progress();
                say!("The device stored the image ({bytes} bytes) and is rebooting into it.");
            }
        }
    }

    /// Ends the bar whatever happened (before the error line).
    pub fn finish(&mut self, _ok: bool) {
        self.end_progress();
    }

    fn start_progress(&mut self, total: u64, verb: &str) {
        self.total = total;
        self.last_step = None;
        if self.terminal && !crate::console::silent() {
            self.bar = Some(byte_bar(total, verb.to_string()));
        }
    }

    fn progress(&mut self, done: u64, total: u64, verb: &str) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
            return;
        }
        if self.terminal {
            return;
        }
        let percent = (done * 100).checked_div(total).unwrap_or(100);
        let step = percent / 10;
        if self.last_step != Some(step) {
            self.last_step = Some(step);
            say!("{verb}... ({percent} %)");
        }
    }

    fn end_progress(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish();
            say!("");
        }
    }

    fn suspend(&self, print: impl FnOnce()) {
        match &self.bar {
            Some(bar) => bar.suspend(print),
            None => print(),
        }
    }
}

/// The error's message and the advice its hint stands for.
pub fn with_advice(error: &impl Display, hint: Option<UpgradeHint>) -> String {
    match hint {
        Some(hint) => format!("{error}. {}", sentence(hint)),
        None => format!("{error}."),
    }
}

/// The advice `hint` stands for.
fn sentence(hint: UpgradeHint) -> &'static str {
    match hint {
        UpgradeHint::GivePassword => {
            "Give the device's password with --auth (ESPurna: its admin password)."
        }
        UpgradeHint::CheckPassword => {
            "Check the password given with --auth (ESPurna: its admin password) and the user name (--user)."
        }
        UpgradeHint::CheckAddress => {
            "Check the address and port: the device must run ESPurna with this upgrade enabled."
        }
        UpgradeHint::CheckImage => {
            "Check that the file is an ESP8266 application image (.bin, or .bin.gz) for this device's flash size."
        }
        UpgradeHint::TwoStep => {
            "The image does not fit beside the running one: upload a smaller image first (a two-step update) or a gzip-compressed one (.bin.gz)."
        }
        UpgradeHint::CheckReachability => {
            "The device must reach this computer: allow incoming connections to the image server in the firewall, or name an address it can reach with --host-ip (and a port with --host-port)."
        }
        UpgradeHint::Retry => "Wait a moment and try again.",
        _ => "",
    }
}
