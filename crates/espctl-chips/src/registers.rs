//! A set of register values read from (or served by) a chip.

use std::collections::BTreeMap;

/// Register address to value. Registers never read count as 0.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Registers(BTreeMap<u32, u32>);

impl Registers {
    /// No register read yet.
    pub fn new() -> Registers {
        Registers::default()
    }

    /// The value of `addr` (0 when it was not read).
    pub fn get(&self, addr: u32) -> u32 {
        self.0.get(&addr).copied().unwrap_or(0)
    }

    /// Records the value of `addr`.
    pub fn set(&mut self, addr: u32, value: u32) {
        self.0.insert(addr, value);
    }

    /// Every register read, as `(address, value)` in address order.
    pub fn iter(&self) -> impl Iterator<Item = (u32, u32)> + '_ {
        self.0.iter().map(|(a, v)| (*a, *v))
    }
}

impl FromIterator<(u32, u32)> for Registers {
    fn from_iter<I: IntoIterator<Item = (u32, u32)>>(iter: I) -> Registers {
        Registers(iter.into_iter().collect())
    }
}
