//! Reading a chip's identity out of its eFuse words, for every chip after the ESP32.
//!
//! Each chip file says where its facts are and what the values are called (fields and
//! name tables: data); how those are read and put into esptool's words is here, once.

use crate::{IdentityError, Registers};

/// A block of eFuse read registers: word `n` at `base + 4 n`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block(pub u32);

impl Block {
    /// Address of read word `n` of the block.
    pub const fn word(self, n: u32) -> u32 {
        self.0 + 4 * n
    }

    /// `width` bits of word `word`, from bit `shift` up.
    pub const fn bits(self, word: u32, shift: u32, width: u32) -> Field {
        Field::Bits(Bits {
            reg: self.word(word),
            shift,
            width,
        })
    }
}

/// `width` bits of a register, from bit `shift` up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bits {
    /// Register address.
    pub reg: u32,
    /// Number of the lowest bit.
    pub shift: u32,
    /// Number of bits.
    pub width: u32,
}

impl Bits {
    fn read(self, r: &Registers) -> u32 {
        (r.get(self.reg) >> self.shift) & ((1 << self.width) - 1)
    }
}

/// A value stored in eFuse: one run of bits, or two joined (`high` above `low`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// One run of bits.
    Bits(Bits),
    /// Two runs read as one number.
    Joined {
        /// The upper bits of the value.
        high: Bits,
        /// The lower bits of the value.
        low: Bits,
    },
}

impl Field {
    /// `high` above `low`; both must be [`Field::Bits`].
    pub const fn joined(high: Field, low: Field) -> Field {
        match (high, low) {
            (Field::Bits(high), Field::Bits(low)) => Field::Joined { high, low },
            _ => panic!("only runs of bits join"),
        }
    }

    /// The field's value in `r`.
    pub fn read(self, r: &Registers) -> u32 {
        match self {
            Field::Bits(b) => b.read(r),
            Field::Joined { high, low } => high.read(r) << low.width | low.read(r),
        }
    }
}

/// What esptool calls the values of a field.
pub type Names = &'static [(u32, &'static str)];

/// esptool's name for `value`, if it has one.
pub fn name_of(names: Names, value: u32) -> Option<&'static str> {
    names.iter().find(|(v, _)| *v == value).map(|(_, n)| *n)
}

/// The name of `field`'s value, `unknown` for a value esptool has no name for.
pub fn read_name(r: &Registers, field: Field, names: Names, unknown: &'static str) -> &'static str {
    name_of(names, field.read(r)).unwrap_or(unknown)
}

/// A part name built of a base and one suffix per field. A value esptool does not know
/// adds its `?` marker and makes the whole name `Unknown ...`.
pub fn part_name(r: &Registers, base: &str, suffixes: &[(Field, Names, &'static str)]) -> String {
    let mut name = base.to_string();
    for &(field, names, unknown) in suffixes {
        name += read_name(r, field, names, unknown);
    }
    unknown_if_marked(name)
}

/// `Unknown NAME` when `name` holds a `?` marker.
pub fn unknown_if_marked(name: String) -> String {
    if name.contains('?') {
        format!("Unknown {name}")
    } else {
        name
    }
}

/// How esptool names a chip: `ESP32-C3 (QFN32) (revision v0.4)`.
pub fn with_revision(name: &str, major: u32, minor: u32) -> String {
    format!("{name} (revision v{major}.{minor})")
}

/// The fixed part of a feature list.
pub fn features(list: &[&str]) -> Vec<String> {
    list.iter().map(|f| f.to_string()).collect()
}

/// Embedded flash or PSRAM as esptool lists it among the features.
#[derive(Debug, Clone, Copy)]
pub struct EmbeddedMemory {
    /// The field holding the capacity code (0: nothing fitted).
    pub capacity: Field,
    /// Feature text by capacity value (`Embedded Flash 4MB`).
    pub sizes: Names,
    /// Feature text of a capacity esptool does not know.
    pub unknown: &'static str,
    /// Feature text when nothing is fitted (capacity 0); `None` lists nothing.
    pub absent: Option<&'static str>,
    /// The vendor field and its names, added as ` (XMC)` (` ()` when unnamed).
    pub vendor: Option<(Field, Names)>,
    /// Whether an unknown capacity gets the vendor suffix too.
    pub vendor_on_unknown: bool,
}

impl EmbeddedMemory {
    /// The feature text for the part in `r` (`Embedded Flash 4MB (XMC)`), if any.
    pub fn feature(&self, r: &Registers) -> Option<String> {
        let capacity = self.capacity.read(r);
        if capacity == 0 && self.absent.is_some() {
            return self.absent.map(String::from);
        }
        if capacity == 0 {
            return None;
        }
        let (text, known) = match name_of(self.sizes, capacity) {
            Some(text) => (text, true),
            None => (self.unknown, false),
        };
        match self.vendor {
            Some((field, names)) if known || self.vendor_on_unknown => Some(format!(
                "{text} ({})",
                name_of(names, field.read(r)).unwrap_or("")
            )),
            _ => Some(text.to_string()),
        }
    }
}

/// The base MAC of every chip after the ESP32: the word at `reg` holds the last four
/// bytes (big-endian), the low half of the next word the first two.
pub fn mac_at(r: &Registers, reg: u32) -> [u8; 6] {
    let lo = r.get(reg).to_be_bytes();
    let hi = r.get(reg + 4).to_be_bytes();
    [hi[2], hi[3], lo[0], lo[1], lo[2], lo[3]]
}

/// [`mac_at`] as a plain function a chip definition can hold.
pub fn base_mac<const REG: u32>(r: &Registers) -> Result<[u8; 6], IdentityError> {
    Ok(mac_at(r, REG))
}

/// The two register values that store `m` at `reg` (inverse of [`mac_at`]).
pub fn mac_registers(reg: u32, m: [u8; 6]) -> [(u32, u32); 2] {
    [
        (reg, u32::from_be_bytes([m[2], m[3], m[4], m[5]])),
        (reg + 4, u32::from_be_bytes([0, 0, m[0], m[1]])),
    ]
}

/// Register values of a part with MAC `m` at `mac_reg` and the `others` given.
pub fn part_registers(mac_reg: u32, m: [u8; 6], others: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let mut regs = mac_registers(mac_reg, m).to_vec();
    regs.extend_from_slice(others);
    regs
}

/// esptool's `MAC_EXT` on chips with an IEEE 802.15.4 radio: the high half of the word
/// whose low half holds the base MAC's first two bytes (`REG + 4`).
pub fn mac_ext<const REG: u32>(r: &Registers) -> [u8; 2] {
    let hi = r.get(REG + 4).to_be_bytes();
    [hi[0], hi[1]]
}

/// The extension parts with an IEEE 802.15.4 radio have burnt: `ff:fe`, the EUI-64 of
/// the base MAC (esptool's esp32c6.py shows `60:55:f9:ff:fe:f7:2c:a2`).
pub const PART_MAC_EXT: [u8; 2] = [0xFF, 0xFE];

/// [`part_registers`] of a part that also has [`PART_MAC_EXT`] next to its MAC.
pub fn part_registers_with_ext(mac_reg: u32, m: [u8; 6], others: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let ext = u32::from(u16::from_be_bytes(PART_MAC_EXT)) << 16;
    let mut regs = part_registers(mac_reg, m, others);
    for (addr, value) in &mut regs {
        if *addr == mac_reg + 4 {
            *value |= ext;
        }
    }
    regs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_with_ext_keeps_its_mac() {
        let m = [0x24, 0x0A, 0xC4, 0x65, 0x43, 0x21];
        let r: Registers = part_registers_with_ext(0x600B_0844, m, &[])
            .into_iter()
            .collect();
        assert_eq!(mac_at(&r, 0x600B_0844), m);
        assert_eq!(mac_ext::<0x600B_0844>(&r), [0xFF, 0xFE]);
    }

    #[test]
    fn mac_round_trips() {
        let m = [0x60, 0x55, 0xF9, 0x01, 0x02, 0x03];
        let r: Registers = mac_registers(0x6000_8844, m).into_iter().collect();
        assert_eq!(mac_at(&r, 0x6000_8844), m);
        assert_eq!(base_mac::<0x6000_8844>(&r), Ok(m));
    }

    #[test]
    fn fields_read_their_bits() {
        let block = Block(0x100);
        let r: Registers = [(0x104, 0b1011 << 4), (0x108, 1 << 31)]
            .into_iter()
            .collect();
        assert_eq!(block.bits(1, 4, 4).read(&r), 0b1011);
        assert_eq!(block.bits(1, 5, 2).read(&r), 0b01);
        let joined = Field::joined(block.bits(2, 31, 1), block.bits(1, 4, 3));
        assert_eq!(joined.read(&r), 0b1011);
    }

    #[test]
    fn names_and_unknown_markers() {
        let block = Block(0);
        let r: Registers = [(0, 2)].into_iter().collect();
        let field = block.bits(0, 0, 2);
        let names: Names = &[(0, "N"), (1, "H")];
        assert_eq!(
            part_name(&r, "ESP32-X", &[(field, names, "?")]),
            "Unknown ESP32-X?"
        );
        let r = Registers::new();
        assert_eq!(part_name(&r, "ESP32-X", &[(field, names, "?")]), "ESP32-XN");
    }
}
