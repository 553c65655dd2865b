//! What the ESP8266 ROM erases for FLASH_BEGIN, and the requests that make it erase what
//! a host wants.
//!
//! FLASH_BEGIN(offset, size) on the ESP8266 ROM erases in two steps: first the rest of
//! the 64 KB block the offset is in, sector by sector; then — its bug — `size` rounded
//! up to sectors again, counted on from where the first step ended. A plain size so
//! erases up to twice as much as asked for. [`units`] is that forward model (the virtual
//! device erases by it); [`request_size`] and [`exact_requests`] are its inverses (the
//! client sends what they compute).

use crate::FLASH_SECTOR_SIZE;
use std::ops::Range;

/// Sectors in one 64 KB block: the unit the ESP8266 ROM's erase routine thinks in.
pub const SECTORS_PER_BLOCK: u32 = 16;

/// One erase command the ESP8266 ROM gives the flash chip: `sectors` sectors (1, or
/// [`SECTORS_PER_BLOCK`] for a block erase) from sector number `sector`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EraseUnit {
    /// Number of the first sector (flash address / 4096).
    pub sector: u32,
    /// 1 for a sector erase, 16 for a 64 KB block erase.
    pub sectors: u32,
}

/// Sectors from `sector` to the end of its 64 KB block.
fn rest_of_block(sector: u32) -> u32 {
    SECTORS_PER_BLOCK - sector % SECTORS_PER_BLOCK
}

/// The erase commands FLASH_BEGIN(`offset`, `size`) makes the ESP8266 ROM give, in
/// order: the sectors up to the next 64 KB boundary one by one (at most as many as
/// requested), then the requested sector count again after them, as 64 KB blocks while
/// more than 16 sectors remain and single sectors after that. Offset and size are in
/// bytes, as in the request; the ROM rounds the offset down and the size up to sectors.
pub fn units(offset: u32, size: u32) -> Vec<EraseUnit> {
    let start = offset / FLASH_SECTOR_SIZE;
    let requested = size.div_ceil(FLASH_SECTOR_SIZE);
    let head = rest_of_block(start).min(requested);
    let single = |sector| EraseUnit { sector, sectors: 1 };
    let mut plan: Vec<EraseUnit> = (start..start + head).map(single).collect();
    let (mut at, mut remaining) = (start + head, requested);
    while remaining > SECTORS_PER_BLOCK {
        plan.push(EraseUnit {
            sector: at,
            sectors: SECTORS_PER_BLOCK,
        });
        at += SECTORS_PER_BLOCK;
        remaining -= SECTORS_PER_BLOCK;
    }
    plan.extend((at..at + remaining).map(single));
    plan
}

/// The sector numbers FLASH_BEGIN(`offset`, `size`) erases on the ESP8266 ROM: the
/// contiguous range [`units`] covers.
pub fn erased_sectors(offset: u32, size: u32) -> Range<u32> {
    let start = offset / FLASH_SECTOR_SIZE;
    let requested = size.div_ceil(FLASH_SECTOR_SIZE);
    start..start + rest_of_block(start).min(requested) + requested
}

/// The erase size to send in FLASH_BEGIN so that the ESP8266 ROM erases the `size`
/// bytes at `offset`: exactly their sectors, or one sector more when the count cannot
/// come out exactly (esptool's `get_erase_size` workaround, targets/esp8266.py, which
/// writes rely on). A size of 0 stays 0 (FLASH_BEGIN(0, 0) only attaches the flash).
pub fn request_size(offset: u32, size: u32) -> u32 {
    let sectors = size.div_ceil(FLASH_SECTOR_SIZE);
    let head = rest_of_block(offset / FLASH_SECTOR_SIZE).min(sectors);
    if sectors < 2 * head {
        sectors.div_ceil(2) * FLASH_SECTOR_SIZE
    } else {
        (sectors - head) * FLASH_SECTOR_SIZE
    }
}

/// FLASH_BEGIN requests `(offset, erase size)` in bytes that together make the ESP8266
/// ROM erase exactly `sectors` sectors from sector `start_sector`, or `None` when its
/// erase bug makes that impossible (an odd count that ends inside the first block, like
/// a lone sector, which is always erased together with the next one). At most two
/// requests; none for zero sectors. Erasing a region needs this exactness; writes
/// accept the extra sector of [`request_size`].
pub fn exact_requests(start_sector: u32, sectors: u32) -> Option<Vec<(u32, u32)>> {
    // The one request erasing exactly `count` sectors from `sector`, if there is one:
    // a request of `r` sectors erases `min(head, r) + r`.
    let single = |sector: u32, count: u32| -> Option<u32> {
        let head = rest_of_block(sector);
        if count == 0 {
            None
        } else if count > 2 * head {
            Some(count - head)
        } else if count.is_multiple_of(2) {
            Some(count / 2)
        } else {
            None
        }
    };
    let request =
        |sector: u32, requested: u32| (sector * FLASH_SECTOR_SIZE, requested * FLASH_SECTOR_SIZE);
    if sectors == 0 {
        return Some(Vec::new());
    }
    if let Some(r) = single(start_sector, sectors) {
        return Some(vec![request(start_sector, r)]);
    }
    // An odd count inside the head: an even first part, then an odd rest that starts
    // close enough to the end of its block to be erased exactly.
    (2..sectors).step_by(2).find_map(|first| {
        let r1 = single(start_sector, first)?;
        let r2 = single(start_sector + first, sectors - first)?;
        Some(vec![
            request(start_sector, r1),
            request(start_sector + first, r2),
        ])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    const SECTOR: u32 = FLASH_SECTOR_SIZE;

    #[test]
    fn units_cover_the_erased_sectors_with_blocks_only_on_block_boundaries() {
        for start in 0..40 {
            for requested in 0..70 {
                let (offset, size) = (start * SECTOR, requested * SECTOR);
                let erased = erased_sectors(offset, size);
                let mut next = erased.start;
                for u in units(offset, size) {
                    assert_eq!(u.sector, next, "start {start} requested {requested}");
                    assert!(u.sectors == 1 || (u.sectors == 16 && u.sector % 16 == 0));
                    next += u.sectors;
                }
                assert_eq!(next, erased.end, "start {start} requested {requested}");
            }
        }
        // Unaligned values are rounded like the ROM does: offset down, size up.
        assert_eq!(erased_sectors(0x1800, 1), 1..3);
    }

    #[test]
    fn blocks_only_while_more_than_sixteen_sectors_remain() {
        // From a block boundary the "head" is a whole block, sector by sector; then 32
        // sectors: one block while more than 16 remain, then 16 single sectors.
        let plan = units(16 * SECTOR, 32 * SECTOR);
        assert_eq!(plan.len(), 16 + 1 + 16);
        assert!(plan[..16].iter().all(|u| u.sectors == 1));
        assert_eq!(
            plan[16],
            EraseUnit {
                sector: 32,
                sectors: 16
            }
        );
        assert!(plan[17..].iter().all(|u| u.sectors == 1));
        // Exactly 16: sector by sector.
        assert_eq!(units(0, 16 * SECTOR).len(), 32);
    }

    #[test]
    fn request_size_matches_what_esptool_sends() {
        // Observed: 10000 bytes at 0x10000 -> 8192.
        assert_eq!(request_size(0x10000, 10000), 8192);
        // attach: FLASH_BEGIN(0, 0) stays 0.
        assert_eq!(request_size(0, 0), 0);
        // Whole 4MB from 0: everything but the first block's head.
        assert_eq!(request_size(0, 4 << 20), (1024 - 16) * SECTOR);
        // One sector near the end of a block.
        assert_eq!(request_size(0x3fc000, SECTOR), SECTOR);
        // 300KB at 0: 75 sectors, 16 of them in the first block.
        assert_eq!(request_size(0, 300 << 10), (75 - 16) * SECTOR);
        // esptool 5.6.0: 256 KB at 0 -> 0x30000; 10000 bytes at 0x13000 -> 0x2000.
        assert_eq!(request_size(0, 0x4_0000), 0x3_0000);
        assert_eq!(request_size(0x1_3000, 10_000), 0x2000);
    }

    #[test]
    fn request_size_erases_the_wanted_sectors_and_at_most_one_more() {
        for offset in (0..0x40000).step_by(0x1000) {
            for size in [
                1u32, 0x400, 0x1000, 0x1001, 0x2710, 0x8000, 0xF000, 0x10000, 0x23456,
            ] {
                let wanted = size.div_ceil(SECTOR);
                let erased = erased_sectors(offset, request_size(offset, size));
                assert_eq!(erased.start, offset / SECTOR);
                assert!(
                    erased.len() as u32 == wanted || erased.len() as u32 == wanted + 1,
                    "offset {offset:#x} size {size:#x}: wanted {wanted}, erased {erased:?}"
                );
            }
        }
    }

    #[test]
    fn exact_requests_erase_exactly_or_refuse() {
        for start in 0..40u32 {
            for n in 0..70u32 {
                match exact_requests(start, n) {
                    Some(plan) => {
                        // Sector by sector as the ROM erases them.
                        let erased: BTreeSet<u32> = plan
                            .into_iter()
                            .flat_map(|(offset, size)| units(offset, size))
                            .flat_map(|u| u.sector..u.sector + u.sectors)
                            .collect();
                        let want: BTreeSet<u32> = (start..start + n).collect();
                        assert_eq!(erased, want, "start {start} n {n}");
                    }
                    None => assert!(n % 2 == 1, "start {start} n {n} should be possible"),
                }
            }
        }
        // 17 sectors from sector 3, in two requests.
        assert_eq!(
            exact_requests(3, 17),
            Some(vec![(0x3000, 0x5000), (0xD000, 0x4000)])
        );
        assert_eq!(exact_requests(5, 1), None);
        // The whole 4MB chip.
        assert_eq!(
            exact_requests(0, 1024),
            Some(vec![(0, (1024 - 16) * SECTOR)])
        );
    }
}
