//! Pure computations behind a flash write: alignment, the sectors a write erases,
//! overlap and fit checks. (The ESP8266 ROM's erase quirk and its workarounds are a chip
//! fact: `espctl_chips::esp8266_rom_erase`.)

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
                addr: f.addr.into(),
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
