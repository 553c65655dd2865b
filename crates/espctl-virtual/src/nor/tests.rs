use super::*;

#[test]
fn programming_only_clears_bits() {
    let mut f = NorFlash::blank(0x2000);
    f.program(0x10, &[0x00, 0xF0]).unwrap();
    // Writing 0xFF over 0x00 without an erase leaves 0x00.
    f.program(0x10, &[0xFF, 0x0F]).unwrap();
    assert_eq!(&f.contents()[0x10..0x12], &[0x00, 0x00]);
    assert_eq!(f.work().bytes_programmed, 4);
}

#[test]
fn erase_sets_whole_sectors_to_ff() {
    let mut f = NorFlash::blank(0x4000);
    f.program(0, &[0u8; 0x4000]).unwrap();
    // An address inside the sector erases the whole sector.
    f.start_sector_erase(0x1800).unwrap();
    assert!(f.contents()[..0x1000].iter().all(|&b| b == 0));
    assert!(f.contents()[0x1000..0x2000].iter().all(|&b| b == 0xFF));
    assert!(f.contents()[0x2000..].iter().all(|&b| b == 0));
}

#[test]
fn erase_range_rounds_up_to_sectors_and_uses_blocks() {
    let mut f = NorFlash::blank(0x4_0000);
    f.program(0, &vec![0u8; 0x4_0000]).unwrap();
    f.erase_range(0xF000, 0x1_1001).unwrap();
    // 0xF000..0x21000: one sector, one 64 KB block, then the sector holding the
    // partial last byte.
    assert!(f.contents()[0xF000..0x2_1000].iter().all(|&b| b == 0xFF));
    assert_eq!(f.contents()[0xEFFF], 0);
    assert_eq!(f.contents()[0x2_1000], 0);
    assert_eq!(f.work().blocks_erased, 1);
    assert_eq!(f.work().sectors_erased, 2);
    assert_eq!(f.work().wrapped_accesses, 0);
}

#[test]
fn access_beyond_the_end_wraps_around_and_is_counted() {
    let mut f = NorFlash::blank(0x4_0000);
    f.program(0x4_0000 - 2, &[1, 2, 3, 4]).unwrap();
    assert_eq!(&f.contents()[0x3_FFFE..], &[1, 2]);
    assert_eq!(&f.contents()[..2], &[3, 4]);
    assert_eq!(f.read(0x4_0000, 2), vec![3, 4]);
    assert_eq!(f.read(0x3_FFFF, 3), vec![2, 3, 4]);
    f.start_sector_erase(0x4_0000).unwrap();
    assert!(f.contents()[..0x1000].iter().all(|&b| b == 0xFF));
    assert_eq!(f.contents()[0x3_FFFF], 2);
    assert_eq!(f.work().wrapped_accesses, 4);
}

#[test]
fn a_protected_range_ignores_programs_and_erases() {
    let mut f = NorFlash::blank(0x4_0000);
    f.program(0, &[0u8; 0x4_0000]).unwrap();
    f.set_protected(0x3_0000..0x4_0000);
    // A sector or block inside the range is left alone, and takes no time.
    f.start_sector_erase(0x3_1000).unwrap();
    f.start_block_erase(0x3_0000).unwrap();
    assert!(!f.meter().flash_busy());
    assert!(f.contents()[0x3_0000..].iter().all(|&b| b == 0));
    // A block that only overlaps it is refused whole; outside it erases work.
    f.set_protected(0x3_F000..0x4_0000);
    f.start_block_erase(0x3_0000).unwrap();
    assert_eq!(f.contents()[0x3_0000], 0);
    f.start_sector_erase(0x3_E000).unwrap();
    assert_eq!(f.contents()[0x3_E000], 0xFF);
    f.start_chip_erase().unwrap();
    assert_eq!(f.contents()[0], 0, "a chip erase with any block protected");
    // Programs skip the protected bytes only.
    f.erase_range(0x2_0000, 0x1000).unwrap();
    f.set_protected(0x2_0800..0x4_0000);
    f.program(0x2_07FF, &[0x12, 0x34]).unwrap();
    assert_eq!(&f.contents()[0x2_07FF..0x2_0801], &[0x12, 0xFF]);
    f.set_protected(0..0);
    f.erase_chip().unwrap();
    assert!(f.contents().iter().all(|&b| b == 0xFF));
}

#[test]
fn a_chip_nobody_reaches_reads_ff_and_takes_no_writes() {
    let mut f = NorFlash::blank(0x2000);
    f.program(0, &[0x55; 4]).unwrap();
    f.set_connected(false);
    assert_eq!(f.read(0, 2), vec![0xFF, 0xFF]);
    assert!(f.is_blank(0, 0x1000));
    f.program(0x10, &[0]).unwrap();
    f.start_sector_erase(0).unwrap();
    f.set_connected(true);
    assert_eq!(f.read(0, 2), vec![0x55, 0x55]);
    assert_eq!(f.contents()[0x10], 0xFF);
}

#[test]
fn file_backing_survives_a_restart_and_rejects_a_wrong_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flash.bin");
    {
        let mut f = NorFlash::with_file(0x4_0000, &path).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), vec![0xFF; 0x4_0000]);
        f.program(0x1234, b"hello").unwrap();
        // Written through at once, no flush or drop needed.
        assert_eq!(&std::fs::read(&path).unwrap()[0x1234..0x1239], b"hello");
        f.start_sector_erase(0x1000).unwrap();
        // A write that wraps reaches the file at both ends.
        f.program(0x3_FFFE, &[1, 2, 3]).unwrap();
    }
    let f = NorFlash::with_file(0x4_0000, &path).unwrap();
    assert!(f.contents()[0x1000..0x2000].iter().all(|&b| b == 0xFF));
    assert_eq!(&f.contents()[0x3_FFFE..], &[1, 2]);
    assert_eq!(f.contents()[0], 3);
    assert!(matches!(
        NorFlash::with_file(0x8_0000, &path),
        Err(DeviceError::FlashFileSize {
            file_len: 0x4_0000,
            ..
        })
    ));
    assert!(matches!(
        NorFlash::with_file(0x4_0000, dir.path()),
        Err(DeviceError::FlashFile { .. })
    ));
}
