//! Lines for the events of getting connected: the port, reset and sync, chip
//! detection, the stub, the baud rate, attaching the flash and its size.

use super::{State, advice};
use espctl_flasher::event::{ResetNote, StubDisabledReason};
use espctl_flasher::{ChipInfo, Event};
use std::io::Write;

impl State {
    /// Prints `event` if it is one of connecting; hands back any other.
    pub(super) fn connection_event(&mut self, event: Event) -> Option<Event> {
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
            other => return Some(other),
        }
        None
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
            for line in super::mac::mac_lines(mac, info.mac_ext) {
                self.out(&line);
            }
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
}
