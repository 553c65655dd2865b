//! A tiny ELF32 writer for synthetic test inputs: sections at chosen addresses.

/// One section: name, address, type, bytes.
pub struct Section<'a> {
    /// Its name (`.text`, `.flash.rodata`).
    pub name: &'a str,
    /// Its load address.
    pub addr: u32,
    /// `sh_type`: [`PROGBITS`] or [`NOBITS`].
    pub kind: u32,
    /// Its bytes (for NOBITS, only the length counts).
    pub data: Vec<u8>,
}

/// `SHT_PROGBITS`: a section with bytes in the file.
pub const PROGBITS: u32 = 1;
/// `SHT_NOBITS`: a section without bytes in the file (.bss).
pub const NOBITS: u32 = 8;
/// `e_machine` of the Xtensa chips (ESP8266, ESP32, S2, S3).
pub const XTENSA: u16 = 0x5E;
/// `e_machine` of the RISC-V chips (C2, C3, C5, C6, H2, P4).
pub const RISCV: u16 = 0xF3;

/// An ELF32 little-endian executable with `sections` (plus the null section and
/// `.shstrtab`) and no program headers.
pub fn build(machine: u16, entry: u32, sections: &[Section]) -> Vec<u8> {
    let mut strtab = vec![0u8];
    let mut names = Vec::new();
    for s in sections.iter().map(|s| s.name).chain([".shstrtab"]) {
        names.push(strtab.len() as u32);
        strtab.extend(s.as_bytes());
        strtab.push(0);
    }
    let mut out = vec![0u8; 0x34];
    let mut offsets = Vec::new();
    for s in sections {
        offsets.push(out.len() as u32);
        if s.kind != NOBITS {
            out.extend(&s.data);
        }
    }
    let strtab_off = out.len() as u32;
    out.extend(&strtab);
    while !out.len().is_multiple_of(4) {
        out.push(0);
    }
    let shoff = out.len() as u32;
    let shnum = sections.len() as u16 + 2;
    out.extend([0u8; 40]);
    let mut header = |name: u32, kind: u32, addr: u32, off: u32, size: u32| {
        for w in [name, kind, 6, addr, off, size, 0, 0, 4, 0] {
            out.extend(w.to_le_bytes());
        }
    };
    for (i, s) in sections.iter().enumerate() {
        header(names[i], s.kind, s.addr, offsets[i], s.data.len() as u32);
    }
    header(names[sections.len()], 3, 0, strtab_off, strtab.len() as u32);
    let h = &mut out[..0x34];
    h[..4].copy_from_slice(b"\x7fELF");
    h[4] = 1; // 32-bit
    h[5] = 1; // little-endian
    h[6] = 1; // version
    h[0x10..0x12].copy_from_slice(&2u16.to_le_bytes()); // executable
    h[0x12..0x14].copy_from_slice(&machine.to_le_bytes());
    h[0x14..0x18].copy_from_slice(&1u32.to_le_bytes());
    h[0x18..0x1C].copy_from_slice(&entry.to_le_bytes());
    h[0x20..0x24].copy_from_slice(&shoff.to_le_bytes());
    h[0x28..0x2A].copy_from_slice(&0x34u16.to_le_bytes());
    h[0x2E..0x30].copy_from_slice(&40u16.to_le_bytes());
    h[0x30..0x32].copy_from_slice(&shnum.to_le_bytes());
    h[0x32..0x34].copy_from_slice(&(shnum - 1).to_le_bytes());
    out
}

/// Deterministic filler bytes.
pub fn bytes(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed))
        .collect()
}
