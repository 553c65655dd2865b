//! `espctl ota`'s output: a line per step of the upload, the progress bar (plain lines
//! every 10% when stdout is not a terminal), and the words for the library's hints.

use super::progress::byte_bar;
use crate::console::say;
use espctl_ota::arduino::{Event, Hint, OtaError};
use espctl_ota::wire::AuthScheme;
use indicatif::ProgressBar;
use std::io::{IsTerminal, Write};

/// Prints the events of one `espctl ota`.
pub struct OtaRenderer {
    /// The device's name when it was given as one (printed beside its address).
    name: Option<String>,
    debug: bool,
    terminal: bool,
    bar: Option<ProgressBar>,
    /// Plain mode: the last 10% step printed.
    last_step: Option<u64>,
    /// A line was started and not ended ("Authenticating...").
    open_line: bool,
    /// The image's size and, when compressed, what is sent.
    raw: Option<u64>,
    compressed: Option<u64>,
}

impl OtaRenderer {
    pub fn new(name: Option<String>, debug: bool) -> OtaRenderer {
        OtaRenderer {
            name,
            debug,
            terminal: std::io::stdout().is_terminal(),
            bar: None,
            last_step: None,
            open_line: false,
            raw: None,
            compressed: None,
        }
    }

    pub fn event(&mut self, event: Event) {
        match event {
            Event::Step { step, name } => self.line(&format!("Step {step} of 2: {name}")),
            Event::SignedImage { name } => self.line(&format!(
                "Detected a signed update: uploading {name} instead."
            )),
            Event::Compressed { raw, sent } => {
                self.raw = Some(raw);
                self.compressed = Some(sent);
            }
            Event::Inviting { attempt: 1, device } => {
                let to = match &self.name {
                    Some(name) => format!("{name}:{} ({})", device.port(), device.ip()),
                    None => device.to_string(),
                };
                self.line(&format!("Sending invitation to {to}"));
            }
            Event::Inviting { attempt, .. } if self.debug => {
                self.line(&format!("No answer yet: invitation {attempt}"))
            }
            Event::Authenticating { scheme } => {
                let name = match scheme {
                    AuthScheme::Md5 => "MD5",
                    AuthScheme::Sha256 => "SHA-256",
                };
                self.partial(&format!("Authenticating ({name})..."));
            }
            Event::RetryingWithMd5Hash => {
                self.end_line(" refused; trying again with the MD5 hash of the password")
            }
            Event::Accepted => {
                if self.open_line {
                    self.end_line(" OK");
                }
                if self.debug {
                    self.line("The device accepted the update.");
                }
            }
            Event::Connected { from } if self.debug => {
                self.line(&format!("The device connected from {from}."))
            }
            Event::Progress { sent, total } => self.progress(sent, total),
            Event::Verifying => {
                self.finish_bar();
                if self.debug {
                    self.line("Waiting for the device's verdict...");
                }
            }
            Event::RetryingUncompressed => {
                self.finish_bar();
                self.compressed = None;
                self.line("The device does not take gzip images: sending the image uncompressed.");
            }
            Event::Finished { sent, elapsed } => {
                self.finish_bar();
                let size = self.raw.unwrap_or(sent);
                self.line(&format!(
                    "Done: {size} bytes in {:.1} s; the device is restarting",
                    elapsed.as_secs_f64()
                ));
                self.raw = None;
                self.compressed = None;
            }
            Event::WaitingForDevice => self.line("Waiting for the device to come back..."),
            _ => {}
        }
    }

    /// After the upload: ends a line left open (by a failure).
    pub fn end(&mut self, ok: bool) {
        self.finish_bar();
        if self.open_line {
            self.end_line(if ok { "" } else { " FAILED" });
        }
    }

    fn progress(&mut self, sent: u64, total: u64) {
        if sent == 0 {
            self.raw.get_or_insert(total);
            let line = match self.compressed {
                Some(gz) => format!(
                    "Uploading {} bytes (gzip: {gz} bytes)",
                    self.raw.unwrap_or(total)
                ),
                None => format!("Uploading {total} bytes"),
            };
            self.line(&line);
            self.last_step = None;
            if self.terminal && !crate::console::silent() {
                self.bar = Some(byte_bar(total, "Uploading".into()));
            }
        }
        if let Some(bar) = &self.bar {
            bar.set_position(sent);
            return;
        }
        if self.terminal {
            return;
        }
        let percent = (sent * 100).checked_div(total).unwrap_or(100);
        let step = percent / 10;
        if self.last_step != Some(step) {
            self.last_step = Some(step);
            self.line(&format!("Uploading... ({percent} %)"));
        }
    }

    fn finish_bar(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish();
            say!();
        }
    }

    fn line(&mut self, text: &str) {
        if self.open_line {
            self.end_line("");
        }
        say!("{text}");
    }

    fn partial(&mut self, text: &str) {
        if crate::console::silent() {
            return;
        }
        let mut out = std::io::stdout().lock();
        let _ = write!(out, "{text}");
        let _ = out.flush();
        self.open_line = true;
    }

    fn end_line(&mut self, text: &str) {
        self.open_line = false;
        say!("{text}");
    }
}

/// `error` followed by what to do about it.
pub fn with_hint(error: &OtaError) -> String {
    match error.hint().map(sentence).filter(|s| !s.is_empty()) {
        Some(advice) => format!("{error}. {advice}"),
        None => format!("{error}."),
    }
}

/// The advice `hint` stands for, with espctl's option names.
pub fn sentence(hint: Hint) -> String {
    match hint {
        Hint::CheckFile => "Check the file name.".into(),
        Hint::PickHostAddress => {
            "Pick another --host-ip, or another --host-port (0 takes any free port).".into()
        }
        Hint::CheckDevice => "Check the device's address and --port, that it is on the network and its sketch calls ArduinoOTA.handle(), and that nothing blocks UDP to it.".into(),
        Hint::GivePassword => "Give its password with --auth PASSWORD.".into(),
        Hint::CheckPassword => "Check the password given with --auth.".into(),
        Hint::TwoStepOrGzip => "The image does not fit beside the running one: update in two steps with --via CORE.bin (a small image first, then this one), or upload a gzip-compressed image.".into(),
        Hint::SerialOrOtherLayout => "Flash it over the serial port, or use a layout with a smaller file system.".into(),
        Hint::CheckFsImage => "Build the file system image for the device's flash layout (--flash-size, --fs-size).".into(),
        Hint::ResetDevice => "Reset the device (power or the reset button) after a serial upload, then run again.".into(),
        Hint::OpenPort(port) => format!("A firewall on this host or NAT between this host and the device blocks inbound TCP to port {port}: open it, or pick an open port with --host-port."),
        Hint::RunAgain => "Check the device's power and network, then run again.".into(),
        Hint::CheckImage => "Check that the image is built for this device.".into(),
        Hint::UseAddress => "Check the name, or give the device's IP address.".into(),
        _ => String::new(),
    }
}
