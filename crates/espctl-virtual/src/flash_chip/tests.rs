use super::opcode::*;
use super::*;

fn chip() -> FlashChip {
    FlashChip::new(NorFlash::blank(4 << 20), 0x16405E)
}

#[test]
fn identifies_itself() {
    let mut c = chip();
    assert_eq!(c.transact(RDID, None, &[], 3), vec![0x5E, 0x40, 0x16]);
    assert_eq!(c.jedec_id(), 0x16405E);
    assert_eq!(c.transact(RDSFDP, Some(0), &[], 4), b"SFDP".to_vec());
    // Basic table density dword: 32 Mbit - 1.
    let density = c.transact(RDSFDP, Some(0x34), &[], 4);
    assert_eq!(u32::from_le_bytes(density.try_into().unwrap()), 0x01FF_FFFF);
    // Not an XMC part: byte 0x10 is not 0x20.
    assert_ne!(c.transact(RDSFDP, Some(0x10), &[], 1), vec![0x20]);
}

#[test]
fn status_writes_need_write_enable() {
    let mut c = chip();
    c.transact(WRSR, None, &[0x1C], 0);
    assert_eq!(c.transact(RDSR, None, &[], 1), vec![0x00]);
    c.transact(WREN, None, &[], 0);
    assert_eq!(c.transact(RDSR, None, &[], 1), vec![SR1_WEL]);
    c.transact(WRSR, None, &[0x1C, 0x02], 0);
    assert_eq!(c.transact(RDSR, None, &[], 1), vec![0x1C]);
    assert_eq!(c.transact(RDSR2, None, &[], 1), vec![0x02]);
    // A volatile write is lost at the software reset; the non-volatile one is kept.
    c.transact(VOLATILE_SR_WREN, None, &[], 0);
    c.transact(WRSR2, None, &[0x00], 0);
    assert_eq!(c.transact(RDSR2, None, &[], 1), vec![0x00]);
    c.transact(RESET_ENABLE, None, &[], 0);
    c.transact(RESET, None, &[], 0);
    assert_eq!(c.transact(RDSR2, None, &[], 1), vec![0x02]);
    // WRDI drops the latch.
    c.transact(WREN, None, &[], 0);
    c.transact(WRDI, None, &[], 0);
    c.transact(WRSR3, None, &[0x00], 0);
    assert_eq!(c.transact(RDSR3, None, &[], 1), vec![0x60]);
}

#[test]
fn reset_needs_reset_enable_right_before() {
    let mut c = chip();
    c.transact(VOLATILE_SR_WREN, None, &[], 0);
    c.transact(WRSR, None, &[0x04], 0);
    c.transact(RESET_ENABLE, None, &[], 0);
    c.transact(RDSR, None, &[], 1);
    c.transact(RESET, None, &[], 0);
    assert_eq!(c.transact(RDSR, None, &[], 1), vec![0x04]);
}

#[test]
fn page_program_and_erase_through_commands() {
    let mut c = chip();
    c.transact(PAGE_PROGRAM, Some(0x10FE), &[1, 2, 3], 0);
    assert_eq!(c.array.contents()[0x10FE], 0xFF, "needs WREN");
    c.transact(WREN, None, &[], 0);
    c.transact(PAGE_PROGRAM, Some(0x10FE), &[1, 2, 3], 0);
    assert_eq!(&c.array.contents()[0x10FE..0x1100], &[1, 2]);
    assert_eq!(c.array.contents()[0x1000], 3, "wraps inside the page");
    c.array.meter().cpu(std::time::Duration::from_millis(1));
    assert_eq!(c.transact(READ, Some(0x10FE), &[], 2), vec![1, 2]);
    c.transact(WREN, None, &[], 0);
    c.transact(SECTOR_ERASE, Some(0x1234), &[], 0);
    assert!(
        c.array.contents()[0x1000..0x2000]
            .iter()
            .all(|&b| b == 0xFF)
    );
}

#[test]
fn an_erase_keeps_wip_set_and_the_chip_deaf_for_its_time() {
    let mut c = chip();
    c.transact(WREN, None, &[], 0);
    c.transact(PAGE_PROGRAM, Some(0x2000), &[0; 4], 0);
    c.transact(WREN, None, &[], 0);
    assert_eq!(c.transact(RDSR, None, &[], 1), vec![SR1_WIP | SR1_WEL]);
    c.transact(SECTOR_ERASE, Some(0x2000), &[], 0);
    assert_eq!(c.array.contents()[0x2000], 0, "ignored while programming");
    let meter = c.array.meter().clone();
    meter.cpu(std::time::Duration::from_millis(1));
    assert_eq!(c.transact(RDSR, None, &[], 1), vec![0]);
    c.transact(WREN, None, &[], 0);
    c.transact(SECTOR_ERASE, Some(0x2000), &[], 0);
    assert_eq!(c.transact(RDSR, None, &[], 1), vec![SR1_WIP | SR1_WEL]);
    // A program before WIP clears is lost; a read sees nothing.
    c.transact(WREN, None, &[], 0);
    c.transact(PAGE_PROGRAM, Some(0x3000), &[0; 4], 0);
    assert_eq!(c.transact(READ, Some(0x1000), &[], 2), vec![0xFF, 0xFF]);
    meter.cpu(std::time::Duration::from_millis(45));
    assert_eq!(c.transact(RDSR, None, &[], 1), vec![0]);
    assert_eq!(c.array.contents()[0x3000], 0xFF);
    assert_eq!(c.array.contents()[0x2000], 0xFF);
}

#[test]
fn block_protect_bits_make_the_chip_ignore_programs_and_erases() {
    let mut c = chip();
    // BP0 (upper 64 KB), non-volatile.
    c.transact(WREN, None, &[], 0);
    c.transact(WRSR, None, &[0x04], 0);
    assert_eq!(c.status(), [0x04, 0x00, 0x60]);
    c.transact(WREN, None, &[], 0);
    c.transact(PAGE_PROGRAM, Some(0x3F_0000), &[0x00], 0);
    c.transact(WREN, None, &[], 0);
    c.transact(PAGE_PROGRAM, Some(0x3E_FFFF), &[0x00], 0);
    assert_eq!(c.array.contents()[0x3F_0000], 0xFF, "protected");
    assert_eq!(c.array.contents()[0x3E_FFFF], 0x00, "below the range");
    // The ROM's and the stub's direct writes are refused the same way.
    c.array.program(0x3F_1000, &[0]).unwrap();
    assert_eq!(c.array.contents()[0x3F_1000], 0xFF);
    // An ignored erase leaves no WIP.
    c.array.meter().cpu(std::time::Duration::from_millis(1));
    c.transact(WREN, None, &[], 0);
    c.transact(SECTOR_ERASE, Some(0x3F_0000), &[], 0);
    assert_eq!(c.transact(RDSR, None, &[], 1), vec![0x04]);
    // Cleared with a volatile write: writable until the reset brings BP0 back.
    c.transact(VOLATILE_SR_WREN, None, &[], 0);
    c.transact(WRSR, None, &[0x00], 0);
    c.array.program(0x3F_1000, &[0]).unwrap();
    assert_eq!(c.array.contents()[0x3F_1000], 0x00);
    c.transact(RESET_ENABLE, None, &[], 0);
    c.transact(RESET, None, &[], 0);
    assert_eq!(c.transact(RDSR, None, &[], 1), vec![0x04]);
    c.array.program(0x3F_2000, &[0]).unwrap();
    assert_eq!(c.array.contents()[0x3F_2000], 0xFF);
    // CMP with BP0: everything but the top 64 KB.
    c.transact(WREN, None, &[], 0);
    c.transact(WRSR, None, &[0x04, 0x40], 0);
    c.array.program(0x1000, &[0]).unwrap();
    c.array.program(0x3F_2000, &[0]).unwrap();
    assert_eq!(c.array.contents()[0x1000], 0xFF);
    assert_eq!(c.array.contents()[0x3F_2000], 0x00);
}

#[test]
fn a_chip_the_pins_do_not_reach_reads_all_ones() {
    let mut c = chip();
    c.array.set_connected(false);
    assert_eq!(c.transact(RDID, None, &[], 3), vec![0xFF; 3]);
    assert_eq!(c.transact(RDSR, None, &[], 1), vec![0xFF]);
    c.array.set_connected(true);
    assert_eq!(c.transact(RDID, None, &[], 3), vec![0x5E, 0x40, 0x16]);
}

#[test]
fn power_down_ignores_commands_until_released() {
    let mut c = chip();
    c.transact(POWER_DOWN, None, &[], 0);
    assert_eq!(c.transact(RDID, None, &[], 3), vec![0xFF; 3]);
    c.transact(RELEASE_POWER_DOWN, None, &[], 0);
    assert_eq!(c.transact(RDID, None, &[], 3), vec![0x5E, 0x40, 0x16]);
}
