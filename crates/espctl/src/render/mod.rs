//! Turns the flasher's events into esptool-compatible output: text lines on stdout,
//! warnings on stderr, progress bars on a terminal and plain progress lines otherwise.

pub mod advice;
pub mod config_file;
pub mod flash_map;
pub mod json;
pub mod ota;
pub mod ota_upgrade;
mod progress;
mod trace;

use espctl_flasher::event::{ResetNote, StubDisabledReason};
use espctl_flasher::{ChipInfo, Event, EventSink, Trace};
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
        match event {
            Event::OpenRetry { attempt, error, .. } => self.open_retry(attempt, &error),
            Event::OpenAttemptsIgnored => self.warn(
                "The ESPTOOL_OPEN_PORT_ATTEMPTS (open_port_attempts) option can only be used with --port and --chip arguments.",
            ),
            Event::PortsFound { count } => self.out(&format!("Found {count} serial ports...")),
            Event::PortOpening { port } => self.out(&format!("Serial port {port}:")),
            Event::PortFailed { port, error } => {
                let _ = std::io::stdout().flush();
                eprintln!(
                    "ERROR: {port} failed to connect: {}",
                    advice::with_hint(&error, error.hint())
                );
            }
            Event::Connected { chip, port, info } => self.chip_block(chip.name, &port, &info),
            Event::ResetDisabled(ResetNote::Skipped(mode)) => self.note(&format!(
                "Pre-connection option \"{mode}\" was selected. Connection may fail if the chip is not in bootloader or flasher stub mode."
            )),
            Event::ResetDisabled(ResetNote::Socket) => self.note(
                "It's not possible to reset the chip over a TCP socket. Automatic resetting to bootloader has been disabled, reset the chip manually.",
            ),
            Event::ResetLinesUnsupported { port } => self.warn(&format!(
                "Chip was NOT reset. Setting RTS/DTR lines is not supported for port '{port}'. Set --before and --after arguments to 'no-reset' and switch to bootloader manually to avoid this warning."
            )),
            Event::Connecting => self.partial("Connecting..."),
            Event::SyncFailed => self.partial("."),
            Event::ConnectDone => self.out(""),
            Event::DetectingChip => self.partial("Detecting chip type..."),
            Event::ChipDetected { chip } => self.out(&format!(" {}", chip.name)),
            Event::ChipUnverified { chip, magic } => self.warn(&format!(
                "This chip doesn't appear to be an {} (read chip magic value {magic:#010x}). Probably it is unsupported by this version of espctl. Will attempt to continue anyway.",
                chip.name
            )),
            Event::StubAlreadyRunning => {
                self.out("Stub flasher is already running. No upload is necessary.")
            }
            Event::StubUploading => self.out("Uploading stub flasher..."),
            Event::StubStarting => self.out("Running stub flasher..."),
            Event::StubRunning => self.out("Stub flasher running."),
            Event::StubNotInstalled { chip, limits } => {
                self.note(&advice::stub_not_installed(chip, &limits))
            }
            Event::StubObtained { chip, origin } => {
                self.out(&advice::stub_obtained(chip, &origin))
            }
            Event::StubNotObtained {
                chip,
                error,
                limits,
            } => self.note(&advice::stub_not_obtained(chip, &error, &limits)),
            Event::StubDisabled { chip, reason } => self.warn(&match reason {
                StubDisabledReason::SecureBoot => format!(
                    "Stub flasher is not supported on {} with Secure Boot, it has been disabled. Set --no-stub to suppress this warning.",
                    chip.name
                ),
                _ => "Stub flasher is not supported in Secure Download Mode, it has been disabled. Set --no-stub to suppress this warning.".to_string(),
            }),
            Event::StubStoreUnusable { error } => {
                self.warn(&advice::with_hint(&error, error.hint()))
            }
            Event::BaudLostRecovering { chip, tried, baud } => {
                self.warn(&advice::baud_lost_recovering(chip, tried, baud))
            }
            Event::AdapterRates {
                adapter, max_baud, ..
            } => self.out(&format!(
                "Serial adapter: {adapter} (up to {max_baud} baud)."
            )),
            Event::BaudSteppingDown { tried, next } => self.warn(&format!(
                "No reply at {tried} baud; trying {next} baud."
            )),
            Event::BaudChanging { baud } => self.out(&format!("Changing baud rate to {baud}...")),
            Event::BaudChanged { .. } => self.out("Changed."),
            Event::BaudFellBack { tried, baud } => self.warn(&format!(
                "No reply at {tried} baud (the serial adapter may not manage it); carrying on at {baud} baud."
            )),
            Event::BaudNotOnWire { port, baud } => self.note(&format!(
                "{port} port: no baud rate on the wire, keeping {baud} baud."
            )),
            Event::BaudUnchanged { baud } => self.warn(&format!(
                "ROM doesn't support changing baud rate. Keeping initial baud rate {baud}."
            )),
            Event::AttachingFlash { pads: None } => self.out("Enabling default SPI flash mode..."),
            Event::AttachingFlash {
                pads: Some([clk, q, d, hd, cs]),
            } => self.out(&format!(
                "Attaching flash from eFuses' SPI pads configuration (CLK:{clk}, Q:{q}, D:{d}, HD:{hd}, CS:{cs})..."
            )),
            Event::ConfiguringFlashSize => self.out("Configuring flash size..."),
            Event::FlashSizeDetected { size } => {
                self.out(&format!("Auto-detected flash size: {size}"))
            }
            Event::FlashSizeDefaulted => {
                self.warn("Could not auto-detect flash size, defaulting to 4MB.")
            }
            Event::FlashSizeKeepNote => {
                self.note("In case of failure, please set a specific flash size.")
            }
            Event::FlashSizeLargerThanDetected { set, detected } => self.warn(&format!(
                "Set flash_size {set} is larger than the available flash size of {detected}."
            )),
            Event::FlashOver16MbNote => self.note(
                "Flash sizes larger than 16MB are not fully supported. Change the flash size argument in case of a failure.",
            ),
            Event::WholeFlash { size } => self.out(&format!("Detected flash size: {size}")),
            Event::Reconnecting {
                port,
                timeout,
                can_reset,
            } => self.warn(&format!(
                "Lost the chip on {port}; reconnecting (waiting up to {} s for the port) and carrying on.{}",
                timeout.as_secs_f32(),
                if can_reset {
                    ""
                } else {
                    " This port cannot reset the chip: if it is not back in download mode by itself, hold BOOT and press RESET."
                }
            )),
            Event::LinkReport(stats) => self.warn(&advice::link_report(&stats)),
            Event::CheckingBackup { addr, len } => self.out(&format!(
                "Checking the data against the chip's MD5 of {len:#x} bytes at {addr:#010x}..."
            )),
            Event::RestoringOtherBoard {
                backup_mac,
                device_mac,
            } => self.warn(&format!(
                "The backup was read from the board with MAC {backup_mac}; restoring it onto the board with MAC {device_mac}."
            )),
            Event::DeclaredSizeDiffers { declared, detected } => self.warn(&format!(
                "The image at 0x0 declares a {declared} flash but the chip has {detected}: the SDK looks for its data where {declared} puts it (a known cause of boot loops; set -fs {detected} to match the chip)."
            )),
            Event::Esp8266Areas {
                declared,
                init_data,
                blank,
            } => {
                let mut parts = Vec::new();
                if let Some(at) = init_data {
                    parts.push(format!("init data at {at:#010x}"));
                }
                if let Some(at) = blank {
                    parts.push(format!("blank sector at {at:#010x}"));
                }
                self.out(&format!(
                    "ESP8266 SDK areas for a {declared} flash map: {}.",
                    parts.join(", ")
                ))
            }
            Event::FlashNotResponding => self.warn(
                "Failed to communicate with the flash chip, read/write operations will fail. Try checking the chip connections or removing any other hardware connected to IOs.",
            ),
            Event::ChosenPinsMayBeBusy => self.note(
                "Some GPIO pins might be used by other peripherals, try using another combination of pins for SPI flash connection.",
            ),
            Event::AttachingChosenPins { connection } => {
                self.out(&format!("Configuring SPI NOR flash mode ({connection})..."))
            }
            Event::VddSdioSet { voltage } => {
                self.out(&format!("VDDSDIO regulator set to {voltage}."))
            }
            Event::FileStarting { name, addr } => {
                self.out(&format!("\nWriting '{name}' at {addr:#010x}..."))
            }
            Event::FileEmpty { name } => self.warn(&format!("'{name}' is empty.")),
            Event::FlashParamsSet { value } => {
                self.out(&format!("Flash parameters set to {value:#06x}."))
            }
            Event::ShaDigestUpdated => self.out("SHA digest in image updated."),
            Event::ImageIncompatible { text } => self.note(&text),
            Event::SecurityKeepsFlashSettings => {
                self.warn("Security features enabled, so not changing any flash settings.")
            }
            Event::ImageNotPatched { warning, .. } => self.warn(&warning.to_string()),
            Event::UnalignedErase { addr, bytes_before } => self.note(&format!(
                "Flash address {addr:#010x} is not aligned to a 0x1000 byte flash sector. {bytes_before:#x} bytes before this address will be erased."
            )),
            Event::EraseRange {
                start,
                end_inclusive,
            } => self.out(&format!(
                "Flash will be erased from {start:#010x} to {end_inclusive:#010x}..."
            )),
            Event::ComparingFlash { .. } => {
                self.out("Comparing flash contents against new data...")
            }
            Event::FlashUnchanged { source, addr } => {
                self.out("No changed sectors found: the MD5s of the flash match the new data, nothing to write.");
                self.out(&format!("{source} at {addr:#010x} verified."))
            }
            Event::ChangedSectorsFound => self.out("Changed data sectors found, fast reflashing..."),
            Event::Reflashing { addr, sectors } => self.out(&format!(
                "Reflashing {sectors} changed sector{} at {addr:#010x}...",
                if sectors == 1 { "" } else { "s" }
            )),
            Event::Incompressible {
                name,
                compressed,
                uncompressed,
            } => self.note(&format!(
                "Cannot compress file '{name}' more than the original size, will flash uncompressed. Compressed size {compressed} bytes >= uncompressed {uncompressed} bytes."
            )),
            Event::Compressed {
                uncompressed,
                compressed,
            } => self.out(&format!("Compressed {uncompressed} bytes to {compressed}...")),
            Event::RomErasing => self.out("Erasing flash..."),
            Event::RomEraseTook { seconds } => {
                self.out(&format!("Took {seconds:.2}s to erase flash block."))
            }
            Event::ProgressStart { op, addr, total } => self.progress_start(op, addr, total),
            Event::Progress {
                op,
                addr,
                done,
                total,
            } => self.progress(op, addr, done, total),
            Event::ProgressEnd { .. } => {
                if let Some(bar) = self.bar.take() {
                    // The finished bar stays on screen; the cursor is still on its line.
                    bar.finish();
                    drop(bar);
                    self.out("");
                }
            }
            Event::Wrote {
                addr,
                bytes,
                compressed,
                seconds,
            } => {
                let line = match compressed {
                    Some(c) => format!(
                        "Wrote {bytes} bytes ({c} compressed) at {addr:#010x} in {seconds:.1} seconds{}.",
                        speed(bytes, seconds)
                    ),
                    None => format!(
                        "Wrote {bytes} bytes at {addr:#010x} in {seconds:.1} seconds{}.",
                        speed(bytes, seconds)
                    ),
                };
                self.out(&line)
            }
            Event::Verifying => self.out("Verifying written data..."),
            Event::VerifyingFile { addr, len, name } => self.out(&format!(
                "Verifying {len:#x} ({len}) bytes at {addr:#010x} in flash against {}...",
                name.map_or("input bytes".to_string(), |n| format!("'{n}'"))
            )),
            Event::Verified => self.out("Hash of data verified."),
            Event::EncryptedNotVerified => {
                self.out("Cannot verify written data if encrypted or in secure download mode.")
            }
            Event::FlashCryptConfigUnexpected { value } => {
                self.out(&format!("Unexpected FLASH_CRYPT_CONFIG value: {value:#x}"))
            }
            Event::FlashEncryptionKeyNotProgrammed => {
                self.out("Flash encryption key is not programmed.")
            }
            Event::EncryptUnaligned {
                source,
                addr,
                align,
            } => self.warn(&format!(
                "{source} (address {addr:#x}) is not {align} byte aligned, can't flash encrypted."
            )),
            Event::VerifyUnavailable => self.note(
                "The ESP8266 ROM cannot compute MD5: the written data was not verified (the flasher stub can; see 'espctl stub fetch').",
            ),
            // The command prints this one: it knows the output file.
            Event::Read { .. } => {}
            Event::ErasingFlash => self.out("Erasing flash memory (this may take a while)..."),
            Event::FlashErased { seconds } => self.out(&format!(
                "Flash memory erased successfully in {seconds:.1} seconds."
            )),
            Event::ErasingRegion => self.out(
                "Erasing flash memory region (this may take a while depending on size)...",
            ),
            Event::RegionErased { seconds } => self.out(&format!(
                "Flash memory region erased successfully in {seconds:.1} seconds."
            )),
            Event::HardResetting => self.out("Hard resetting via RTS pin..."),
            Event::WatchdogResetting => self.out("Hard resetting with a watchdog..."),
            Event::CustomHardReset { sequence } => {
                self.out(&format!("Custom reset sequence executed: {sequence}"))
            }
            Event::SoftResetting => self.out("Soft resetting..."),
            Event::StayingInBootloader => self.out("Staying in bootloader."),
            Event::StayingInStub => self.out("Staying in flasher stub."),
            Event::WatchdogUnsupported { chip } => self.note(&format!(
                "Watchdog hard reset is not supported on {}, attempting classic hard reset instead.",
                chip.name
            )),
            Event::Trace(t) => self.trace(t),
            _ => {}
        }
    }

    /// The block esptool prints once connected (without the MAC when it cannot be
    /// decoded: connecting then fails with that error).
    fn chip_block(&mut self, chip: &str, port: &str, info: &ChipInfo) {
        self.out(&format!("Connected to {chip} on {port}:"));
        if info.secure_download {
            // Nothing else can be read (esptool prints the name only).
            self.out(&format!(
                "{:<20}{chip} in Secure Download Mode",
                "Chip type:"
            ));
            self.out("");
            return;
        }
        self.out(&format!("{:<20}{}", "Chip type:", info.description));
        self.out(&format!("{:<20}{}", "Features:", info.features.join(", ")));
        if let Some(est) = info.crystal_odd_estimate {
            self.warn(&format!(
                "Detected crystal freq {est:.2} MHz is quite different to normalized freq {} MHz. Unsupported crystal in use?",
                info.crystal_mhz
            ));
        }
        self.out(&format!(
            "{:<20}{}MHz",
            "Crystal frequency:", info.crystal_mhz
        ));
        if let Ok(mac) = info.mac {
            self.out(&format!("{:<20}{}", "MAC:", espctl_chips::format_mac(&mac)));
            self.out("");
        }
    }

    /// esptool's lines while it retries a port: the first failure and "Retrying failed
    /// connection", then a dot every tenth attempt (each second).
    fn open_retry(&mut self, attempt: u32, error: &espctl_flasher::Error) {
        if attempt == 1 {
            self.out(&advice::with_hint(error, error.hint()));
            self.partial("Retrying failed connection");
        } else if attempt.is_multiple_of(10) {
            self.partial(".");
        }
        self.retrying = true;
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
