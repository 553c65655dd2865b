//! Reading the parts of an ELF file elf2image needs: the entry point, the sections that
//! carry loadable bytes (and, for `--use-segments`, the PT_LOAD program headers).

use object::LittleEndian;
use object::elf::{
    FileHeader32, PT_LOAD, SHT_FINI_ARRAY, SHT_INIT_ARRAY, SHT_NOBITS, SHT_PREINIT_ARRAY,
    SHT_PROGBITS, SHT_STRTAB,
};
use object::read::elf::{FileHeader, ProgramHeader, SectionHeader};
use sha2::{Digest, Sha256};

use crate::{ImageError, Message};

/// `e_machine` of Xtensa ELF files (ESP8266, ESP32, ESP32-S2, ESP32-S3). Xtensa and
/// RISC-V are the only architectures the chips run; anything else is refused.
pub const EM_XTENSA: u16 = 0x5E;
/// `e_machine` of RISC-V ELF files (ESP32-C and -H series, ESP32-P4, ...).
pub const EM_RISCV: u16 = 0xF3;
const HEADER_LEN: usize = 0x34;
const SECTION_HEADER_LEN: u16 = 0x28;

/// A section (or program segment) with its bytes, padded to 4 bytes as every image
/// segment is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElfSection {
    /// The section name (e.g. `.flash.appdesc`), or `PHDR` for a program segment.
    pub name: String,
    /// Load address: `sh_addr` (or `p_paddr`).
    pub addr: u32,
    /// The file bytes, cut short where the file ends, zero-padded to a multiple of 4.
    pub data: Vec<u8>,
    /// `sh_addralign` (or `p_align`).
    pub align: u32,
}

/// What elf2image takes from an ELF file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Elf {
    /// `e_entry`: the image header's entry point.
    pub entry: u32,
    /// PROGBITS and init/fini array sections with an address and a size, in file order.
    pub sections: Vec<ElfSection>,
    /// PT_LOAD program headers with an address and file bytes, named `PHDR`.
    pub segments: Vec<ElfSection>,
    /// SHA-256 of the whole ELF file (embedded in app images).
    pub sha256: [u8; 32],
}

fn err(source: &str, what: impl std::fmt::Display) -> ImageError {
    ImageError::Elf(format!("{source} {what}"))
}

/// Bytes `offset..offset + size` of `data`, cut short where the file ends.
fn slice(data: &[u8], offset: u32, size: u32) -> &[u8] {
    let start = (offset as usize).min(data.len());
    let end = start.saturating_add(size as usize).min(data.len());
    &data[start..end]
}

fn padded(mut data: Vec<u8>) -> Vec<u8> {
    crate::pad_to(&mut data, 4, 0);
    data
}

impl Elf {
    /// Reads an ELF file. `source` names it in errors (esptool says `Image`). Oddities
    /// esptool only warns about go to `out`.
    pub fn parse(
        data: &[u8],
        source: &str,
        out: &mut dyn FnMut(Message),
    ) -> Result<Elf, ImageError> {
        if data.len() < HEADER_LEN {
            return Err(err(
                source,
                format!(
                    "does not have a valid ELF header: it is {} bytes long, an ELF header needs {HEADER_LEN}",
                    data.len()
                ),
            ));
        }
        if data[..4] != *b"\x7fELF" {
            return Err(err(source, "has invalid ELF magic header"));
        }
        let machine = u16::from_le_bytes([data[0x12], data[0x13]]);
        if machine != EM_XTENSA && machine != EM_RISCV {
            return Err(err(
                source,
                format!(
                    "does not appear to be an Xtensa or an RISCV ELF image. (e_machine = {machine:#06x})"
                ),
            ));
        }
        let header = FileHeader32::<LittleEndian>::parse(data).map_err(|e| {
            err(
                source,
                format!("is not a 32-bit little-endian ELF file ({e})"),
            )
        })?;
        let e = LittleEndian;
        let shentsize = header.e_shentsize.get(e);
        if shentsize != SECTION_HEADER_LEN {
            return Err(err(
                source,
                format!(
                    "has unexpected section header entry size {shentsize:#x} (not {SECTION_HEADER_LEN:#x})"
                ),
            ));
        }
        if header.e_shnum.get(e) == 0 {
            return Err(err(source, "has 0 section headers"));
        }
        let shoff = header.e_shoff.get(e);
        let sections = header
            .section_headers(e, data)
            .map_err(|_| {
                ImageError::Elf(format!(
                    "Section headers at offset {shoff:#06x} run past the end of the file. Truncated ELF image?"
                ))
            })?;
        let shstrndx = u16::from_le_bytes([data[0x32], data[0x33]]) as usize;
        let strtab = sections.get(shstrndx).ok_or_else(|| {
            ImageError::Elf(format!(
                "ELF file has no STRTAB section at shstrndx {shstrndx}"
            ))
        })?;
        if strtab.sh_type(e) != SHT_STRTAB {
            out(Message::Warning(format!(
                "ELF file has incorrect STRTAB section type {:#04x}",
                strtab.sh_type(e)
            )));
        }
        let strings = slice(data, strtab.sh_offset(e), strtab.sh_size(e));
        let name_of = |offset: u32| -> Result<String, ImageError> {
            let rest = strings.get(offset as usize..).unwrap_or(&[]);
            let end = rest.iter().position(|&b| b == 0).ok_or_else(|| {
                ImageError::Elf(format!(
                    "Section name at string table offset {offset:#x} is not terminated. Corrupt ELF image?"
                ))
            })?;
            Ok(String::from_utf8_lossy(&rest[..end]).into_owned())
        };

        let mut elf_sections = Vec::new();
        for s in sections {
            let (addr, size, kind) = (s.sh_addr(e), s.sh_size(e), s.sh_type(e));
            if addr == 0 || size == 0 {
                continue;
            }
            match kind {
                SHT_PROGBITS | SHT_INIT_ARRAY | SHT_FINI_ARRAY | SHT_PREINIT_ARRAY => {
                    elf_sections.push(ElfSection {
                        name: name_of(s.sh_name(e))?,
                        addr,
                        data: padded(slice(data, s.sh_offset(e), size).to_vec()),
                        align: s.sh_addralign(e),
                    });
                }
                SHT_NOBITS | SHT_STRTAB => {}
                other => out(Message::Warning(format!(
                    "Unknown section type {other:#04x} in ELF file"
                ))),
            }
        }

        let mut segments = Vec::new();
        if header.e_phnum.get(e) != 0 {
            let phoff = header.e_phoff.get(e);
            let headers = header.program_headers(e, data).map_err(|_| {
                ImageError::Elf(format!(
                    "Program headers at offset {phoff:#06x} run past the end of the file. Truncated ELF image?"
                ))
            })?;
            for p in headers {
                let (addr, size) = (p.p_paddr(e), p.p_filesz(e));
                if p.p_type(e) == PT_LOAD && addr != 0 && size > 0 {
                    segments.push(ElfSection {
                        name: "PHDR".into(),
                        addr,
                        data: padded(slice(data, p.p_offset(e), size).to_vec()),
                        align: p.p_align(e),
                    });
                }
            }
        }

        Ok(Elf {
            entry: header.e_entry.get(e),
            sections: elf_sections,
            segments,
            sha256: Sha256::digest(data).into(),
        })
    }
}
