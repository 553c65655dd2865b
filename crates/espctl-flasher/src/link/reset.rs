//! Reset sequences on the DTR/RTS lines of the usual auto-reset circuit
//! (DTR → IO0, RTS → EN, both through transistors: asserted = pin LOW).

use super::custom_reset::CustomReset;
use espctl_transport::{LineError, Transport};
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// What to do before connecting (`--before`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Before {
    /// Reset into the ROM bootloader with DTR/RTS.
    #[default]
    DefaultReset,
    /// The reset sequence of the USB-Serial/JTAG peripheral.
    UsbReset,
    /// Do not reset; the chip must already be in its bootloader (or the stub).
    NoReset,
    /// Neither reset nor sync.
    NoResetNoSync,
}

/// What to do after the command (`--after`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum After {
    /// Pulse EN: the chip restarts into its application.
    #[default]
    HardReset,
    /// Ask the loader to start the application (no reset line needed).
    SoftReset,
    /// Leave the loader running (a stub is asked to hand back to the ROM, as esptool
    /// does).
    NoReset,
    /// Leave the flasher stub running, for the next connection to reuse.
    NoResetStub,
    /// A watchdog reset (none of the supported chips has it: a hard reset instead).
    WatchdogReset,
}

impl Before {
    /// The names, as options spell them.
    pub const NAMES: [&'static str; 4] =
        ["default-reset", "usb-reset", "no-reset", "no-reset-no-sync"];

    /// The name, as options spell it.
    pub fn name(self) -> &'static str {
        match self {
            Before::DefaultReset => "default-reset",
            Before::UsbReset => "usb-reset",
            Before::NoReset => "no-reset",
            Before::NoResetNoSync => "no-reset-no-sync",
        }
    }
}

impl After {
    /// The names, as options spell them.
    pub const NAMES: [&'static str; 5] = [
        "hard-reset",
        "soft-reset",
        "no-reset",
        "no-reset-stub",
        "watchdog-reset",
    ];

    /// The name, as options spell it.
    pub fn name(self) -> &'static str {
        match self {
            After::HardReset => "hard-reset",
            After::SoftReset => "soft-reset",
            After::NoReset => "no-reset",
            After::NoResetStub => "no-reset-stub",
            After::WatchdogReset => "watchdog-reset",
        }
    }
}

impl FromStr for Before {
    type Err = String;
    /// Accepts the v4 underscore spellings too (`default_reset`).
    fn from_str(s: &str) -> Result<Before, String> {
        let s = s.replace('_', "-");
        [
            Before::DefaultReset,
            Before::UsbReset,
            Before::NoReset,
            Before::NoResetNoSync,
        ]
        .into_iter()
        .find(|b| b.name() == s)
        .ok_or_else(|| format!("'{s}' is not one of {}", Before::NAMES.join(", ")))
    }
}

impl FromStr for After {
    type Err = String;
    fn from_str(s: &str) -> Result<After, String> {
        let s = s.replace('_', "-");
        [
            After::HardReset,
            After::SoftReset,
            After::NoReset,
            After::NoResetStub,
            After::WatchdogReset,
        ]
        .into_iter()
        .find(|a| a.name() == s)
        .ok_or_else(|| format!("'{s}' is not one of {}", After::NAMES.join(", ")))
    }
}

impl fmt::Display for Before {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for After {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How long EN is held low before IO0 is released (esptool's `DEFAULT_RESET_DELAY`).
pub const DEFAULT_RESET_DELAY: Duration = Duration::from_millis(50);
/// The second, slower variant of each sequence adds this much (for slow boards).
pub const EXTRA_RESET_DELAY: Duration = Duration::from_millis(500);
/// How long EN is held low while IO0 is already low.
const ENTER_BOOT_DELAY: Duration = Duration::from_millis(100);

/// One way of pulling the chip into its ROM bootloader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResetStrategy {
    /// DTR and RTS changed together with one ioctl (POSIX only).
    UnixTight {
        /// How long IO0 is held low after EN is released.
        delay: Duration,
    },
    /// DTR and RTS changed one after the other (works everywhere).
    Classic {
        /// How long IO0 is held low after EN is released.
        delay: Duration,
    },
    /// Classic, but IO0 pulled low and EN released in one request
    /// ([`Transport::set_dtr_rts`]): over RFC 2217 both changes go in one packet, so a
    /// server that relays them applies them microseconds apart, not a round trip apart
    /// (long enough on the usual 2 ms EN circuit for the chip to boot its flash).
    ClassicPaired {
        /// How long IO0 is held low after EN is released.
        delay: Duration,
    },
    /// The sequence of the ESP32-Cx/Sx USB-Serial/JTAG peripheral.
    UsbJtagSerial,
    /// The user's own sequence (esptool's `custom_reset_sequence`), tried every time.
    Custom(CustomReset),
}

/// The strategies tried in turn, one per connection attempt (esptool's order).
pub fn bootloader_sequence(before: Before) -> Vec<ResetStrategy> {
    bootloader_sequence_with(before, &ResetTiming::default())
}

/// What esptool's configuration file changes about resetting into the bootloader.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResetTiming {
    /// Replaces every strategy (esptool's `custom_reset_sequence`).
    pub custom: Option<CustomReset>,
    /// How long IO0 is held low after EN is released, in the fast and the slow variant
    /// alike (esptool's `reset_delay`); `None`: 50 ms, and 550 ms for the slow one.
    pub delay: Option<Duration>,
}

/// [`bootloader_sequence`] with the configuration file's sequence or delay.
pub fn bootloader_sequence_with(before: Before, timing: &ResetTiming) -> Vec<ResetStrategy> {
    if let Some(custom) = &timing.custom {
        return vec![ResetStrategy::Custom(custom.clone())];
    }
    let (d, extra) = match timing.delay {
        Some(delay) => (delay, delay),
        None => (DEFAULT_RESET_DELAY, DEFAULT_RESET_DELAY + EXTRA_RESET_DELAY),
    };
    if before == Before::UsbReset {
        return vec![ResetStrategy::UsbJtagSerial];
    }
    if cfg!(unix) {
        vec![
            ResetStrategy::UnixTight { delay: d },
            ResetStrategy::UnixTight { delay: extra },
            ResetStrategy::Classic { delay: d },
            ResetStrategy::Classic { delay: extra },
        ]
    } else {
        vec![
            ResetStrategy::Classic { delay: d },
            ResetStrategy::Classic { delay: extra },
        ]
    }
}

/// Classic writes, remembering DTR: every RTS change re-writes DTR with its current
/// value, because some Windows USB-CDC drivers only apply line changes that way.
struct Lines<'a> {
    t: &'a mut dyn Transport,
    dtr: bool,
}

impl Lines<'_> {
    fn dtr(&mut self, level: bool) -> Result<(), LineError> {
        self.dtr = level;
        self.t.set_dtr(level)
    }

    fn rts(&mut self, level: bool) -> Result<(), LineError> {
        self.t.set_rts(level)?;
        self.t.set_dtr(self.dtr)
    }

    fn both(&mut self, dtr: bool, rts: bool) -> Result<(), LineError> {
        self.dtr = dtr;
        self.t.set_dtr_rts(dtr, rts)?;
        self.t.set_dtr(dtr)
    }
}

impl ResetStrategy {
    /// The strategy as it runs over RFC 2217, if it does. The tight sequence is
    /// dropped, as esptool drops it: its (0,0) and (1,1) steps read as a hard reset
    /// and a new sequence to a server that runs resets locally (esptool's
    /// `esp_rfc2217_server`, `espctl serve-port`). The classic one sends its EN release
    /// paired with IO0 low.
    pub fn over_rfc2217(self) -> Option<ResetStrategy> {
        match self {
            ResetStrategy::UnixTight { .. } => None,
            ResetStrategy::Classic { delay } => Some(ResetStrategy::ClassicPaired { delay }),
            other => Some(other),
        }
    }

    /// Runs the sequence. `Err(LineError::Unsupported)` comes back at the first line
    /// change the port refuses, before any waiting.
    pub fn run(self, t: &mut dyn Transport) -> Result<(), LineError> {
        let paired = matches!(self, ResetStrategy::ClassicPaired { .. });
        match self {
            ResetStrategy::Custom(custom) => custom.run(t),
            ResetStrategy::Classic { delay } | ResetStrategy::ClassicPaired { delay } => {
                let mut l = Lines { t, dtr: false };
                l.dtr(false)?; // IO0 high
                l.rts(true)?; // EN low: chip in reset
                l.t.pause(ENTER_BOOT_DELAY);
                if paired {
                    l.both(true, false)?;
                } else {
                    l.dtr(true)?; // IO0 low
                    l.rts(false)?; // EN high: chip boots into download mode
                }
                l.t.pause(delay);
                l.dtr(false) // IO0 high again
            }
            ResetStrategy::UnixTight { delay } => {
                t.set_dtr_rts(false, false)?;
                t.set_dtr_rts(true, true)?;
                t.set_dtr_rts(false, true)?; // IO0 high, EN low
                t.pause(ENTER_BOOT_DELAY);
                t.set_dtr_rts(true, false)?; // IO0 low, EN high
                t.pause(delay);
                t.set_dtr_rts(false, false)?; // IO0 high
                t.set_dtr(false)
            }
            ResetStrategy::UsbJtagSerial => {
                let mut l = Lines { t, dtr: false };
                l.rts(false)?;
                l.dtr(false)?; // idle
                l.t.pause(ENTER_BOOT_DELAY);
                l.dtr(true)?; // boot mode
                l.rts(false)?;
                l.t.pause(ENTER_BOOT_DELAY);
                l.rts(true)?; // reset, passing through (1,1) rather than (0,0)
                l.dtr(false)?;
                l.rts(true)?;
                l.t.pause(ENTER_BOOT_DELAY);
                l.dtr(false)?;
                l.rts(false)
            }
        }
    }
}

/// Pulses EN low to restart the chip into its application.
pub fn hard_reset(t: &mut dyn Transport) -> Result<(), LineError> {
    let mut l = Lines { t, dtr: false };
    l.rts(true)?; // EN low
    l.t.pause(Duration::from_millis(100));
    l.rts(false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use espctl_testkit::{FakeLine, Script};

    #[test]
    fn parses_v4_and_v5_names() {
        assert_eq!("default_reset".parse(), Ok(Before::DefaultReset));
        assert_eq!("no-reset-no-sync".parse(), Ok(Before::NoResetNoSync));
        assert_eq!("no_reset_stub".parse(), Ok(After::NoResetStub));
        assert!("sometimes".parse::<After>().is_err());
    }

    #[test]
    fn unix_tight_boots_with_io0_low() {
        let mut t = FakeLine::new(Script::default());
        let log = t.log();
        ResetStrategy::UnixTight {
            delay: DEFAULT_RESET_DELAY,
        }
        .run(&mut t)
        .unwrap();
        let log = log.lock().unwrap();
        // EN is released (RTS false) while IO0 is held low (DTR true): download mode.
        let release = log
            .lines
            .iter()
            .position(|l| *l == (Some(true), Some(false)))
            .unwrap();
        assert_eq!(log.lines[release - 1], (Some(false), Some(true)));
        assert_eq!(log.pauses, [ENTER_BOOT_DELAY, DEFAULT_RESET_DELAY]);
        assert_eq!(log.lines.last(), Some(&(Some(false), None)));
    }

    /// The line changes `strategy` makes, in order.
    fn line_changes(strategy: ResetStrategy) -> Vec<(Option<bool>, Option<bool>)> {
        let mut t = FakeLine::new(Script::default());
        let log = t.log();
        strategy.run(&mut t).unwrap();
        log.lock().unwrap().lines.clone()
    }

    #[test]
    fn classic_rewrites_dtr_after_rts() {
        let delay = DEFAULT_RESET_DELAY;
        assert_eq!(
            line_changes(ResetStrategy::Classic { delay }),
            [
                (Some(false), None),
                (None, Some(true)),
                (Some(false), None),
                (Some(true), None),
                (None, Some(false)),
                (Some(true), None),
                (Some(false), None),
            ]
        );
    }

    #[test]
    fn classic_paired_releases_en_in_the_same_request_that_pulls_io0_low() {
        let delay = DEFAULT_RESET_DELAY;
        assert_eq!(
            line_changes(ResetStrategy::ClassicPaired { delay }),
            [
                (Some(false), None),
                (None, Some(true)),
                (Some(false), None),
                (Some(true), Some(false)),
                (Some(true), None),
                (Some(false), None),
            ]
        );
    }

    #[test]
    fn usb_jtag_reset_passes_through_both_asserted() {
        let mut t = FakeLine::new(Script::default());
        let log = t.log();
        ResetStrategy::UsbJtagSerial.run(&mut t).unwrap();
        let log = log.lock().unwrap();
        assert_eq!(log.pauses.len(), 3);
        // Ends with both lines released.
        let n = log.lines.len();
        assert_eq!(
            &log.lines[n - 3..],
            [
                (Some(false), None),
                (None, Some(false)),
                (Some(false), None)
            ]
        );
        assert_eq!(
            bootloader_sequence(Before::UsbReset),
            [ResetStrategy::UsbJtagSerial]
        );
    }

    #[test]
    fn a_port_without_lines_fails_before_waiting() {
        let mut t = FakeLine::new(Script::default()).without_reset_lines();
        let log = t.log();
        for s in bootloader_sequence(Before::DefaultReset) {
            assert!(matches!(s.run(&mut t), Err(LineError::Unsupported)));
        }
        assert!(log.lock().unwrap().pauses.is_empty());
    }
}
