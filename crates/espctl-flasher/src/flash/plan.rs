//! Pure computations behind a flash write: alignment, the ESP8266 ROM erase-size
//! workaround, overlap and fit checks.

use super::FlashFile;
use crate::error::{Error, Result};
use espctl_chips::FLASH_SECTOR_SIZE;

/// Pads `data` with 0xFF to a multiple of `align` bytes.
pub fn pad_to(data: &mut Vec<u8>, align: usize) {
    let rem = data.len() % align;
    if rem != 0 {
        // Exactly what is needed: a large image must not double its allocation.
        data.reserve_exact(align - rem);
        data.resize(data.len() + align - rem, 0xFF);
    }
}

/// The sector-aligned range `[start, end]` a write of `len` bytes at `addr` erases.
pub fn erase_range(addr: u32, len: usize) -> (u32, u32) {
    let start = addr - addr % FLASH_SECTOR_SIZE;
    let end =
        (addr as u64 + len as u64).div_ceil(FLASH_SECTOR_SIZE as u64) * FLASH_SECTOR_SIZE as u64;
    (start, (end - 1) as u32)
}

/// The erase size to send in FLASH_BEGIN to the ESP8266 ROM so that it erases exactly
/// `size` bytes at `offset`.
///
/// Its ROM erases in two steps: the rest of the 64KB block the offset is in, then
/// whole sectors for the size given, counted from the start again: a plain size erases
/// up to twice as much. This sends the size that makes the two steps add up.
pub fn esp8266_rom_erase_size(offset: u32, size: u32) -> u32 {
    const SECTORS_PER_BLOCK: u32 = 16;
    let sectors = size.div_ceil(FLASH_SECTOR_SIZE);
    let start_sector = offset / FLASH_SECTOR_SIZE;
    let head = (SECTORS_PER_BLOCK - start_sector % SECTORS_PER_BLOCK).min(sectors);
    if sectors < 2 * head {
        sectors.div_ceil(2) * FLASH_SECTOR_SIZE
    } else {
        (sectors - head) * FLASH_SECTOR_SIZE
    }
}

/// FLASH_BEGIN requests `(offset, erase size)` that make the ESP8266 ROM erase exactly
/// `sectors` sectors from `start_sector`, or `None` when its erase bug makes that
/// impossible (a lone sector is always erased together with the next one).
///
/// A request of `r` sectors at sector `p` erases `min(16 - p % 16, r) + r` sectors: the
/// rest of the 64KB block, then `r` sectors again. Write commands accept the one extra
/// sector esptool's workaround erases for odd sizes; erasing a region does not.
pub fn esp8266_exact_erase(start_sector: u32, sectors: u32) -> Option<Vec<(u32, u32)>> {
    let sector = FLASH_SECTOR_SIZE;
    let head = |p: u32| 16 - p % 16;
    // One request covering `m` sectors at `p` exactly, if there is one.
    let single = |p: u32, m: u32| -> Option<u32> {
        if m == 0 {
            None
        } else if m > 2 * head(p) {
            Some(m - head(p))
        } else if m.is_multiple_of(2) {
            Some(m / 2)
        } else {
            None
        }
    };
    if sectors == 0 {
        return Some(Vec::new());
    }
    if let Some(r) = single(start_sector, sectors) {
        return Some(vec![(start_sector * sector, r * sector)]);
    }
    // An odd count inside the head: an even first part, then an odd rest that starts
    // close enough to the end of its block to be erased exactly.
    (2..sectors).step_by(2).find_map(|k| {
        let first = single(start_sector, k)?;
        let rest = single(start_sector + k, sectors - k)?;
        Some(vec![
            (start_sector * sector, first * sector),
            ((start_sector + k) * sector, rest * sector),
        ])
    })
}

/// Fails when a file runs past the 32-bit flash address space (checked before
/// connecting: nothing about the chip can make it fit).
pub fn check_address_space(files: &[FlashFile]) -> Result<()> {
    match files
        .iter()
        .find(|f| f.addr as u64 + f.data.len() as u64 >= 1 << 32)
    {
        Some(f) => Err(Error::PastFlashSpace {
            what: format!("'{}'", f.name.as_deref().unwrap_or("input")),
            len: f.data.len() as u64,
            addr: f.addr,
        }),
        None => Ok(()),
    }
}

/// Fails when an address is not 4-byte aligned or two files touch the same flash sector
/// (esptool checks the same way, before connecting). Files may come in any order.
pub fn check_layout(files: &[FlashFile]) -> Result<()> {
    let name = |f: &FlashFile| f.name.clone().unwrap_or_else(|| "input".into());
    if let Some(f) = files.iter().find(|f| f.addr % 4 != 0) {
        return Err(Error::Unaligned {
            addr: f.addr,
            name: name(f),
        });
    }
    let mut sorted: Vec<_> = files.iter().collect();
    sorted.sort_by_key(|f| f.addr);
    // Last byte of the sectors the previous files touch.
    let mut end = 0u64;
    for f in sorted {
        let start = (f.addr - f.addr % FLASH_SECTOR_SIZE) as u64;
        if start < end {
            return Err(Error::Overlap {
                addr: f.addr,
                name: f.name.clone().unwrap_or_default(),
            });
        }
        let sectors_end = (f.addr as u64 + f.data.len() as u64).div_ceil(FLASH_SECTOR_SIZE as u64)
            * FLASH_SECTOR_SIZE as u64;
        end = sectors_end.saturating_sub(1);
    }
    Ok(())
}

/// Fails when a file does not fit in the first `flash_end` bytes.
pub fn check_fit(files: &[FlashFile], flash_end: u32) -> Result<()> {
    for f in files {
        if f.addr as u64 + f.data.len() as u64 > flash_end as u64 {
            return Err(Error::DoesNotFit {
                source_name: f.source(),
                len: f.data.len(),
                addr: f.addr,
                flash_end,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erase_ranges_cover_whole_sectors() {
        assert_eq!(erase_range(0x1000, 7888), (0x1000, 0x2fff));
        assert_eq!(erase_range(0x10000, 51200), (0x10000, 0x1cfff));
        assert_eq!(erase_range(0, 4096), (0, 0xfff));
    }

    #[test]
    fn esp8266_erase_size_matches_esptool() {
        // Observed: 10000 bytes at 0x10000 -> 8192.
        assert_eq!(esp8266_rom_erase_size(0x10000, 10000), 8192);
        // attach: FLASH_BEGIN(0, 0) stays 0.
        assert_eq!(esp8266_rom_erase_size(0, 0), 0);
        // Whole 4MB from 0: everything but the first block's head.
        assert_eq!(esp8266_rom_erase_size(0, 4 << 20), (1024 - 16) * 4096);
        // One sector near the end of a block.
        assert_eq!(esp8266_rom_erase_size(0x3fc000, 4096), 4096);
        // 300KB at 0: 75 sectors, 16 of them in the first block.
        assert_eq!(esp8266_rom_erase_size(0, 300 << 10), (75 - 16) * 4096);
    }

    /// The ESP8266 ROM's erase as the virtual device models it (see the doc above).
    fn rom_erases(start_sector: u32, requested: u32) -> std::ops::Range<u32> {
        let head = (16 - start_sector % 16).min(requested);
        start_sector..start_sector + head + requested
    }

    #[test]
    fn exact_esp8266_erase_plans_erase_exactly_or_refuse() {
        for start in 0..40u32 {
            for n in 0..70u32 {
                match esp8266_exact_erase(start, n) {
                    Some(plan) => {
                        let mut erased = std::collections::BTreeSet::new();
                        for (offset, size) in plan {
                            erased.extend(rom_erases(offset / 4096, size / 4096));
                        }
                        let want: std::collections::BTreeSet<u32> = (start..start + n).collect();
                        assert_eq!(erased, want, "start {start} n {n}");
                    }
                    None => assert!(n % 2 == 1, "start {start} n {n} should be possible"),
                }
            }
        }
        // The region of the CLI test: 17 sectors from sector 3, in two requests.
        assert_eq!(
            esp8266_exact_erase(3, 17),
            Some(vec![(0x3000, 0x5000), (0xD000, 0x4000)])
        );
        assert_eq!(esp8266_exact_erase(5, 1), None);
        // The whole 4MB chip.
        assert_eq!(
            esp8266_exact_erase(0, 1024),
            Some(vec![(0, (1024 - 16) * 4096)])
        );
    }

    fn file(addr: u32, len: usize, name: &str) -> FlashFile {
        FlashFile::new(addr, vec![0; len], Some(name.to_string()))
    }

    #[test]
    fn overlap_is_sector_granular() {
        let ok = [file(0, 4096, "a"), file(0x1000, 10, "b")];
        assert!(check_layout(&ok).is_ok());
        let bad = [file(0x1000, 10, "b"), file(0, 4097, "a")];
        assert_eq!(
            check_layout(&bad).unwrap_err().to_string(),
            "Detected overlap at address: 0x1000 for file: b."
        );
        let same_sector = [file(0, 4, "a"), file(0x800, 4, "b")];
        assert!(check_layout(&same_sector).is_err());
        assert!(matches!(
            check_layout(&[file(0x1001, 4, "odd")]),
            Err(Error::Unaligned { addr: 0x1001, .. })
        ));
    }

    #[test]
    fn files_past_4gb_are_refused() {
        assert!(check_address_space(&[file(0xFFFF_F000, 4096, "end")]).is_err());
        assert!(check_address_space(&[file(0xFFFF_E000, 4096, "end")]).is_ok());
    }

    #[test]
    fn fit_check_names_the_file() {
        let f = FlashFile::new(0x3fc000, vec![0; 0x5000], Some("init.bin".to_string()));
        let err = check_fit(&[f], 4 << 20).unwrap_err();
        assert_eq!(
            err.to_string(),
            "File 'init.bin' (length 20480) at offset 0x003fc000 will not fit in 4194304 bytes of flash. Change the flash_size argument or flashing address."
        );
    }
}
