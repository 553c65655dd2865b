//! The classic auto-reset circuit between a USB-serial bridge and the chip.
//!
//! Two transistors cross-couple the modem lines (test-harness-facts §3, esptool-protocol
//! §3.3): RTS drives EN and DTR drives GPIO0, both inverted, and neither is pulled low
//! while both lines are asserted. A line "asserted" (pyserial `True`) is electrically low:
//!
//! * EN is low    when RTS is asserted and DTR is not;
//! * GPIO0 is low when DTR is asserted and RTS is not.
//!
//! EN has an RC network, so after it is released the chip leaves reset a little later and
//! only then latches the strapping pins. esptool's classic sequence depends on this: it
//! releases EN (DTR and RTS both asserted, GPIO0 still high) and pulls GPIO0 low a moment
//! afterwards. The circuit therefore samples GPIO0 [`EN_RISE_DELAY`] after EN is released.

use espctl_chips::BootMode;
use std::time::Duration;

/// Time from releasing EN to the chip latching its straps (10 kΩ and 0.1-1 µF on EN).
pub const EN_RISE_DELAY: Duration = Duration::from_millis(2);

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
    dtr: bool,
    rts: bool,
    release: Option<Release>,
}

impl ResetCircuit {
    pub fn new() -> ResetCircuit {
        ResetCircuit::default()
    }

    pub fn en_low(&self) -> bool {
        self.rts && !self.dtr
    }

    pub fn io0_low(&self) -> bool {
        self.dtr && !self.rts
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
        let sample_at = release.at + EN_RISE_DELAY;
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
        let mut c = ResetCircuit::new();
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
        let mut c = ResetCircuit::new();
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
        let mut c = ResetCircuit::new();
        assert_eq!(c.set_lines(false, true, ms(0)), vec![ResetEvent::Held]);
        assert!(c.set_lines(false, false, ms(100)).is_empty());
        assert_eq!(c.poll(ms(103)), Some(ResetEvent::Boot(BootMode::Flash)));
    }

    #[test]
    fn both_lines_asserted_never_reset() {
        let mut c = ResetCircuit::new();
        assert!(c.set_lines(true, true, ms(0)).is_empty());
        assert!(!c.en_low() && !c.io0_low());
        assert_eq!(c.poll(ms(10)), None);
    }

    #[test]
    fn a_new_reset_before_the_straps_latch_cancels_the_boot() {
        let mut c = ResetCircuit::new();
        c.set_lines(false, true, ms(0));
        c.set_lines(false, false, ms(10));
        assert_eq!(c.set_lines(false, true, ms(11)), vec![ResetEvent::Held]);
        assert_eq!(c.poll(ms(50)), None);
    }
}
