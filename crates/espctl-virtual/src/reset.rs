//! The board between a USB-serial bridge and the chip: the classic auto-reset circuit,
//! or none at all (ESP-01 style). Every fact about how the host's DTR and RTS reach the
//! chip's EN and GPIO0 lives here.
//!
//! The usual circuit has two transistors that cross-couple the modem lines
//! (test-harness-facts §3, esptool-protocol §3.3): RTS drives EN and DTR drives GPIO0,
//! both inverted, and neither is pulled low while both lines are asserted. A line
//! "asserted" (pyserial `True`) is electrically low:
//!
//! * EN is low    when RTS is asserted and DTR is not: the chip is held in reset, silent;
//! * GPIO0 is low when DTR is asserted and RTS is not;
//! * both asserted or both released: EN and GPIO0 are high, the chip runs.
//!
//! EN has an RC network, so after it is released the chip leaves reset a little later and
//! only then latches the strapping pins: GPIO0 low means the serial download mode, high
//! means it boots the flash. esptool's classic sequence depends on this: it releases EN
//! (DTR and RTS both asserted, GPIO0 still high) and pulls GPIO0 low a moment
//! afterwards. The circuit therefore samples GPIO0 [`EN_RISE_DELAY`] after EN is
//! released (a board with a bigger capacitor takes longer: [`Board::AutoReset`]).
//!
//! A board without the circuit ignores DTR and RTS: GPIO0 sits at the level a button or
//! jumper holds it, and only power (or the reset button) restarts the chip.

use espctl_chips::BootMode;
use std::fmt;
use std::str::FromStr;
use std::time::Duration;

/// Time from releasing EN to the chip latching its straps (10 kΩ and 0.1-1 µF on EN).
pub const EN_RISE_DELAY: Duration = Duration::from_millis(2);

/// The longest EN rise time a board may be given (a 10 kΩ / 100 µF network).
pub const MAX_EN_RISE: Duration = Duration::from_secs(1);

/// The level GPIO0 is held at on a board without the auto-reset circuit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gpio0 {
    /// Pulled low (the BOOT button held, a jumper to GND): the chip starts in its loader.
    Low,
    /// Pulled high (its idle level): the chip boots the flash.
    High,
}

impl Gpio0 {
    /// Where the ROM goes when it latches this level.
    pub fn boot_mode(self) -> BootMode {
        match self {
            Gpio0::Low => BootMode::Download,
            Gpio0::High => BootMode::Flash,
        }
    }
}

impl FromStr for Gpio0 {
    type Err = String;
    fn from_str(s: &str) -> Result<Gpio0, String> {
        match s {
            "low" => Ok(Gpio0::Low),
            "high" => Ok(Gpio0::High),
            _ => Err(format!("GPIO0 level '{s}': use low or high")),
        }
    }
}

impl fmt::Display for Gpio0 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Gpio0::Low => "low",
            Gpio0::High => "high",
        })
    }
}

/// What the host's DTR and RTS reach on the board.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Board {
    /// The usual two-transistor auto-reset circuit.
    AutoReset {
        /// How long after EN is released the chip latches GPIO0 ([`EN_RISE_DELAY`] on
        /// a typical board).
        en_rise: Duration,
    },
    /// No circuit (ESP-01 style): DTR and RTS go nowhere, GPIO0 stays at this level,
    /// and every start (power-up, the reset button) latches it.
    NoCircuit {
        /// The level the board holds GPIO0 at.
        gpio0: Gpio0,
    },
}

impl Default for Board {
    fn default() -> Board {
        Board::AutoReset {
            en_rise: EN_RISE_DELAY,
        }
    }
}

impl Board {
    /// Where a chip starting with GPIO0 as `asked` goes: on a board without the circuit,
    /// wherever its fixed GPIO0 level says.
    pub fn boot_mode(&self, asked: BootMode) -> BootMode {
        match self {
            Board::AutoReset { .. } => asked,
            Board::NoCircuit { gpio0 } => gpio0.boot_mode(),
        }
    }
}

/// What the circuit did to the chip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResetEvent {
    /// EN went low: the chip stops.
    Held,
    /// The chip left reset and latched GPIO0.
    Boot(BootMode),
}

#[derive(Debug, Clone)]
struct Release {
    at: Duration,
    /// GPIO0 levels (true = low) since the release: the level at `at` first.
    io0_low: Vec<(Duration, bool)>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct ResetCircuit {
    board: Board,
    dtr: bool,
    rts: bool,
    release: Option<Release>,
}

impl ResetCircuit {
    pub fn new(board: Board) -> ResetCircuit {
        ResetCircuit {
            board,
            ..ResetCircuit::default()
        }
    }

    fn wired(&self) -> bool {
        matches!(self.board, Board::AutoReset { .. })
    }

    pub fn en_low(&self) -> bool {
        self.wired() && self.rts && !self.dtr
    }

    pub fn io0_low(&self) -> bool {
        match self.board {
            Board::AutoReset { .. } => self.dtr && !self.rts,
            Board::NoCircuit { gpio0 } => gpio0 == Gpio0::Low,
        }
    }

    /// New line states at time `now`; returns what happened to the chip, in order.
    pub fn set_lines(&mut self, dtr: bool, rts: bool, now: Duration) -> Vec<ResetEvent> {
        let mut events: Vec<ResetEvent> = self.poll(now).into_iter().collect();
        let was_low = self.en_low();
        self.dtr = dtr;
        self.rts = rts;
        match (was_low, self.en_low()) {
            (false, true) => {
                self.release = None;
                events.push(ResetEvent::Held);
            }
            (true, false) => {
                self.release = Some(Release {
                    at: now,
                    io0_low: vec![(now, self.io0_low())],
                });
            }
            _ => {
                let low = self.io0_low();
                if let Some(r) = &mut self.release {
                    r.io0_low.push((now, low));
                }
            }
        }
        events
    }

    /// Completes a pending boot once the straps have been latched.
    pub fn poll(&mut self, now: Duration) -> Option<ResetEvent> {
        let release = self.release.as_ref()?;
        let en_rise = match self.board {
            Board::AutoReset { en_rise } => en_rise,
            Board::NoCircuit { .. } => Duration::ZERO,
        };
        let sample_at = release.at + en_rise;
        if now < sample_at {
            return None;
        }
        let low = release
            .io0_low
            .iter()
            .rev()
            .find(|(t, _)| *t <= sample_at)
            .map(|(_, low)| *low)
            .unwrap_or(false);
        self.release = None;
        Some(ResetEvent::Boot(if low {
            BootMode::Download
        } else {
            BootMode::Flash
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn classic_reset_enters_download_mode() {
        // esptool ClassicReset: DTR=F, RTS=T, sleep .1, DTR=T, RTS=F, sleep .05, DTR=F.
        let mut c = ResetCircuit::new(Board::default());
        assert!(c.set_lines(false, false, ms(0)).is_empty());
        assert_eq!(c.set_lines(false, true, ms(1)), vec![ResetEvent::Held]);
        // Both asserted: EN released while GPIO0 is still high...
        assert!(c.set_lines(true, true, ms(101)).is_empty());
        // ...and pulled low microseconds later, before the chip latches the straps.
        assert!(c.set_lines(true, false, ms(101)).is_empty());
        assert_eq!(
            c.set_lines(false, false, ms(151)),
            vec![ResetEvent::Boot(BootMode::Download)]
        );
    }

    #[test]
    fn unix_tight_reset_enters_download_mode() {
        let mut c = ResetCircuit::new(Board::default());
        c.set_lines(false, false, ms(0));
        c.set_lines(true, true, ms(0));
        assert_eq!(c.set_lines(false, true, ms(0)), vec![ResetEvent::Held]);
        assert!(c.set_lines(true, false, ms(100)).is_empty());
        assert_eq!(c.poll(ms(101)), None, "still inside the EN rise time");
        assert_eq!(c.poll(ms(150)), Some(ResetEvent::Boot(BootMode::Download)));
        assert_eq!(c.poll(ms(200)), None, "boots once");
    }

    #[test]
    fn hard_reset_boots_the_flash() {
        // esptool HardReset: RTS=T, sleep .1, RTS=F.
        let mut c = ResetCircuit::new(Board::default());
        assert_eq!(c.set_lines(false, true, ms(0)), vec![ResetEvent::Held]);
        assert!(c.set_lines(false, false, ms(100)).is_empty());
        assert_eq!(c.poll(ms(103)), Some(ResetEvent::Boot(BootMode::Flash)));
    }

    #[test]
    fn both_lines_asserted_never_reset() {
        let mut c = ResetCircuit::new(Board::default());
        assert!(c.set_lines(true, true, ms(0)).is_empty());
        assert!(!c.en_low() && !c.io0_low());
        assert_eq!(c.poll(ms(10)), None);
    }

    #[test]
    fn a_new_reset_before_the_straps_latch_cancels_the_boot() {
        let mut c = ResetCircuit::new(Board::default());
        c.set_lines(false, true, ms(0));
        c.set_lines(false, false, ms(10));
        assert_eq!(c.set_lines(false, true, ms(11)), vec![ResetEvent::Held]);
        assert_eq!(c.poll(ms(50)), None);
    }
    #[test]
    fn gpio0_released_before_en_rises_boots_the_flash() {
        // A wrong sequence: IO0 low while in reset, but released before EN.
        let mut c = ResetCircuit::new(Board::default());
        c.set_lines(false, true, ms(0));
        c.set_lines(true, true, ms(100)); // EN released, IO0 high: both asserted
        assert_eq!(
            c.set_lines(false, false, ms(150)),
            vec![ResetEvent::Boot(BootMode::Flash)]
        );
    }

    #[test]
    fn rts_alone_holds_the_chip_in_reset() {
        // DTR and RTS swapped in the classic sequence: EN goes low where IO0 should.
        let mut c = ResetCircuit::new(Board::default());
        c.set_lines(true, false, ms(0)); // IO0 low, EN high: nothing happens yet
        assert!(c.io0_low() && !c.en_low());
        assert_eq!(c.set_lines(false, true, ms(100)), vec![ResetEvent::Held]);
        assert_eq!(c.poll(ms(200)), None);
        assert!(c.en_low());
    }

    #[test]
    fn a_slow_en_needs_gpio0_held_longer() {
        let board = Board::AutoReset { en_rise: ms(200) };
        for (hold, mode) in [(50, BootMode::Flash), (550, BootMode::Download)] {
            let mut c = ResetCircuit::new(board);
            c.set_lines(false, true, ms(0));
            c.set_lines(true, false, ms(100)); // EN released, IO0 low
            let mut events = c.set_lines(false, false, ms(100 + hold)); // IO0 released
            events.extend(c.poll(ms(1000)));
            assert_eq!(events, vec![ResetEvent::Boot(mode)], "held {hold} ms");
        }
    }

    #[test]
    fn without_the_circuit_the_lines_do_nothing() {
        for gpio0 in [Gpio0::Low, Gpio0::High] {
            let mut c = ResetCircuit::new(Board::NoCircuit { gpio0 });
            for (dtr, rts) in [(false, true), (true, false), (false, false), (true, true)] {
                assert!(c.set_lines(dtr, rts, ms(0)).is_empty());
                assert!(!c.en_low());
            }
            assert_eq!(c.poll(ms(100)), None);
            assert_eq!(c.io0_low(), gpio0 == Gpio0::Low);
            let board = Board::NoCircuit { gpio0 };
            assert_eq!(board.boot_mode(BootMode::Download), gpio0.boot_mode());
            assert_eq!(board.boot_mode(BootMode::Flash), gpio0.boot_mode());
        }
        assert_eq!("high".parse(), Ok(Gpio0::High));
        assert!("floating".parse::<Gpio0>().is_err());
    }
}
