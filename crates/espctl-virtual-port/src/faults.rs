//! A poor line, on purpose: bits flipped, bytes lost or doubled and the line going quiet,
//! each way with its own rates, and a cable pulled and plugged back in. Seeded, so the
//! same seed damages the same bytes; shared by every port opened on a chip, so a cut
//! outlasts the port that saw it.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// What can happen to the bytes of one direction, as chances per byte (per read for
/// stalls).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ByteFaults {
    /// A byte arrives with one bit flipped.
    pub flip: f64,
    /// A byte is lost.
    pub drop: f64,
    /// A byte arrives twice.
    pub duplicate: f64,
    /// A read finds the line quiet for its whole timeout although bytes are waiting
    /// (latency, a stuck driver).
    pub stall: f64,
}

impl ByteFaults {
    /// `flip` chance of a flipped bit per byte, nothing else.
    pub fn flips(rate: f64) -> ByteFaults {
        ByteFaults {
            flip: rate,
            ..ByteFaults::default()
        }
    }
}

/// The cable pulled once: after the host has sent `after_host_bytes` more bytes (counted
/// from when the cut is set), the port fails and no port opens for `down_for` (real
/// time); then it works again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cut {
    /// When: after this many bytes from the host.
    pub after_host_bytes: u64,
    /// How long the line stays down.
    pub down_for: Duration,
    /// The board loses power with the cable (powered by USB): when the line comes back
    /// the chip boots its firmware, and only a reset brings the loader back.
    pub power_cycle: bool,
}

/// How much damage was done, for the tests' reports.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultCounts {
    /// Bits flipped.
    pub flipped: u64,
    /// Bytes lost.
    pub dropped: u64,
    /// Bytes doubled.
    pub duplicated: u64,
    /// Reads that found the line quiet.
    pub stalled: u64,
    /// Times the cable was pulled.
    pub cuts: u64,
}

/// The faults of one line; clones share it.
#[derive(Clone, Debug)]
pub struct Faults {
    state: Arc<Mutex<State>>,
}

#[derive(Debug)]
struct State {
    rng: u64,
    to_chip: ByteFaults,
    to_host: ByteFaults,
    cut: Option<Cut>,
    host_bytes: u64,
    /// Down until this instant; `None` while the line is up.
    down_until: Option<Instant>,
    counts: FaultCounts,
}

/// What a write from the host did.
pub(crate) struct Sent {
    /// The bytes that reach the chip (none once the cable is out).
    pub bytes: Vec<u8>,
    /// This write pulled the cable.
    pub cut: Option<Cut>,
}

impl Faults {
    /// A line with no faults yet, damaging bytes as `seed` decides.
    pub fn new(seed: u64) -> Faults {
        Faults {
            state: Arc::new(Mutex::new(State {
                rng: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
                to_chip: ByteFaults::default(),
                to_host: ByteFaults::default(),
                cut: None,
                host_bytes: 0,
                down_until: None,
                counts: FaultCounts::default(),
            })),
        }
    }

    /// Sets the faults of bytes from the host to the chip.
    pub fn to_chip(self, faults: ByteFaults) -> Faults {
        self.lock().to_chip = faults;
        self
    }

    /// Sets the faults of bytes from the chip to the host.
    pub fn to_host(self, faults: ByteFaults) -> Faults {
        self.lock().to_host = faults;
        self
    }

    /// Pulls the cable once, as `cut` says (its byte count starts now).
    pub fn cut(self, cut: Cut) -> Faults {
        {
            let mut s = self.lock();
            let at = s.host_bytes + cut.after_host_bytes;
            s.cut = Some(Cut {
                after_host_bytes: at,
                ..cut
            });
        }
        self
    }

    /// The damage done so far.
    pub fn counts(&self) -> FaultCounts {
        self.lock().counts
    }

    /// Bytes the host has sent so far (those lost to the cut included).
    pub fn host_bytes(&self) -> u64 {
        self.lock().host_bytes
    }

    /// Whether the cable is out now (a port cannot be opened).
    pub fn is_down(&self) -> bool {
        let mut s = self.lock();
        match s.down_until {
            Some(until) if Instant::now() < until => true,
            Some(_) => {
                s.down_until = None;
                false
            }
            None => false,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Bytes from the host on their way to the chip; pulls the cable when it is due.
    pub(crate) fn host_sends(&self, data: &[u8]) -> Sent {
        let mut s = self.lock();
        s.host_bytes += data.len() as u64;
        if let Some(cut) = s.cut
            && s.host_bytes >= cut.after_host_bytes
        {
            s.cut = None;
            s.down_until = Some(Instant::now() + cut.down_for);
            s.counts.cuts += 1;
            return Sent {
                bytes: Vec::new(),
                cut: Some(cut),
            };
        }
        let faults = s.to_chip;
        Sent {
            bytes: s.damage(data, faults),
            cut: None,
        }
    }

    /// Bytes from the chip on their way to the host.
    pub(crate) fn chip_sends(&self, data: &[u8]) -> Vec<u8> {
        let mut s = self.lock();
        let faults = s.to_host;
        s.damage(data, faults)
    }

    /// Whether this read finds the line quiet.
    pub(crate) fn stalls(&self) -> bool {
        let mut s = self.lock();
        let stall = s.to_host.stall;
        let hit = s.chance(stall);
        if hit {
            s.counts.stalled += 1;
        }
        hit
    }
}

impl State {
    /// xorshift64*: a uniform value in [0, 1).
    fn uniform(&mut self) -> f64 {
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        let x = self.rng.wrapping_mul(0x2545_F491_4F6C_DD1D);
        (x >> 11) as f64 / (1u64 << 53) as f64
    }

    fn chance(&mut self, p: f64) -> bool {
        p > 0.0 && self.uniform() < p
    }

    fn damage(&mut self, data: &[u8], f: ByteFaults) -> Vec<u8> {
        if f == ByteFaults::default() {
            return data.to_vec();
        }
        let mut out = Vec::with_capacity(data.len() + 8);
        for &b in data {
            if self.chance(f.drop) {
                self.counts.dropped += 1;
                continue;
            }
            let mut b = b;
            if self.chance(f.flip) {
                b ^= 1 << (self.uniform() * 8.0) as u32;
                self.counts.flipped += 1;
            }
            out.push(b);
            if self.chance(f.duplicate) {
                out.push(b);
                self.counts.duplicated += 1;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_does_the_same_damage_at_about_the_rate() {
        let data = vec![0x55u8; 100_000];
        let a = Faults::new(7).to_chip(ByteFaults::flips(1e-3));
        let b = Faults::new(7).to_chip(ByteFaults::flips(1e-3));
        assert_eq!(a.host_sends(&data).bytes, b.host_sends(&data).bytes);
        let flipped = a.counts().flipped;
        assert!((60..=140).contains(&flipped), "{flipped}");
        let lossy = Faults::new(8).to_host(ByteFaults {
            drop: 0.01,
            duplicate: 0.01,
            ..ByteFaults::default()
        });
        let out = lossy.chip_sends(&data);
        let c = lossy.counts();
        assert_eq!(out.len() as u64, 100_000 - c.dropped + c.duplicated);
        assert!(c.dropped > 500 && c.duplicated > 500, "{c:?}");
    }

    #[test]
    fn a_cut_comes_back_after_its_time() {
        let f = Faults::new(1).cut(Cut {
            after_host_bytes: 10,
            down_for: Duration::from_millis(50),
            power_cycle: true,
        });
        assert!(f.host_sends(&[0; 5]).cut.is_none());
        assert!(!f.is_down());
        assert!(f.host_sends(&[0; 5]).cut.is_some_and(|c| c.power_cycle));
        assert!(f.is_down());
        std::thread::sleep(Duration::from_millis(60));
        assert!(!f.is_down());
        assert_eq!(f.counts().cuts, 1);
    }
}
