//! Turns the flasher's events into esptool-compatible output: text lines on stdout,
//! warnings on stderr, progress bars on a terminal and plain progress lines otherwise.

pub mod advice;
pub mod config_file;
mod connection_lines;
pub mod flash_map;
pub mod json;
pub mod mac;
pub mod ota;
pub mod ota_upgrade;
mod progress;
mod trace;
mod work_lines;

use espctl_flasher::{Event, EventSink, Trace};
use espctl_image::Message;
use indicatif::ProgressBar;
use std::io::{IsTerminal, Write};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Prints events. Shared between the connection and the session (hence the mutex).
pub struct Renderer {
    state: Mutex<State>,
}

struct State {
    terminal: bool,
    bar: Option<ProgressBar>,
    /// Plain mode: the last 10% step printed.
    last_step: Option<u64>,
    last_trace: Option<Instant>,
    /// Set when a line was started (print! without newline) and not ended yet.
    open_line: bool,
    /// esptool's "Retrying failed connection" line is open (its dots follow).
    retrying: bool,
    progress: bool,
}

impl Renderer {
    pub fn new() -> Arc<Renderer> {
        Arc::new(Renderer {
            state: Mutex::new(State {
                terminal: std::io::stdout().is_terminal(),
                bar: None,
                last_step: None,
                last_trace: None,
                open_line: false,
                retrying: false,
                progress: true,
            }),
        })
    }

    /// `--no-progress`: no bars or progress lines.
    pub fn show_progress(&self, show: bool) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.progress = show;
    }

    pub fn sink(self: &Arc<Self>) -> EventSink {
        let me = self.clone();
        Arc::new(move |e| me.render(e))
    }

    fn render(&self, event: Event) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        s.handle(event);
    }

    /// Ends a line left open (dots of a retry), before an error is printed.
    pub fn end_line(&self) {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if s.open_line {
            s.out("");
        }
    }
}

/// Prints a line of espctl-image where esptool prints it.
pub fn print_message(message: Message) {
    match message {
        Message::Print(s) => crate::console::say!("{s}"),
        Message::Hint(s) => crate::console::say!("HINT: {s}"),
        Message::Note(s) => crate::console::say!("NOTE: {s}"),
        Message::Warning(s) => crate::console::warning!("{s}"),
        Message::Error(s) => eprintln!("ERROR: {s}"),
    }
}

/// esptool's speed figure: ` (123.4 kbit/s)`, or nothing for a zero duration.
pub fn speed(bytes: usize, seconds: f64) -> String {
    if seconds > 0.0 {
        format!(" ({:.1} kbit/s)", bytes as f64 / seconds * 8.0 / 1000.0)
    } else {
        String::new()
    }
}

impl State {
    fn out(&mut self, line: &str) {
        if crate::console::silent() {
            return;
        }
        self.clear_of_bar(|| {
            let mut o = crate::console::human();
            let _ = writeln!(o, "{line}");
        });
        self.open_line = false;
    }

    fn partial(&mut self, text: &str) {
        if crate::console::silent() {
            return;
        }
        let mut o = crate::console::human();
        let _ = write!(o, "{text}");
        let _ = o.flush();
        self.open_line = true;
    }

    fn note(&mut self, text: &str) {
        self.out(&format!("NOTE: {text}"));
    }

    fn warn(&mut self, text: &str) {
        self.clear_of_bar(|| {
            let _ = std::io::stdout().flush();
            crate::console::warning!("{text}");
        });
    }

    fn handle(&mut self, event: Event) {
        if self.retrying && !matches!(event, Event::OpenRetry { .. }) {
            // The port opened after retries: esptool ends the retry line first.
            self.retrying = false;
            self.out("");
        }
        if let Some(event) = self.connection_event(event) {
            self.work_event(event);
        }
    }

    fn trace(&mut self, t: Trace) {
        let now = Instant::now();
        let delta = self
            .last_trace
            .map_or(0.0, |l| now.duration_since(l).as_secs_f64());
        self.last_trace = Some(now);
        let prefix = format!("  TRACE +{delta:.3}  ");
        let (newline, message) = trace::describe(t);
        if self.open_line {
            self.out("");
        }
        if newline {
            self.out("");
        }
        self.out(&format!("{prefix} {message}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_is_in_kbit_per_second() {
        assert_eq!(speed(51200, 0.1), " (4096.0 kbit/s)");
        assert_eq!(speed(10, 0.0), "");
    }
}
