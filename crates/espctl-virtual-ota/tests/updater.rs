//! The Updater's rules, with the addresses worked out by hand from the Arduino layout:
//! 1MB without file system has its OTA limit at the EEPROM sector, 0xFB000; with a 64KB
//! file system the file system is 0xEB000..0xFB000 and the limit 0xEB000.

use espctl_ota::wire::{UpdateTarget, UpdaterError};
use espctl_virtual_ota::{DeviceState, EbootCopy, Events, OtaDeviceOptions, Update};
use md5::{Digest, Md5};
use std::io::Write;
use std::time::Duration;

const KB: u32 = 1024;
const DIO: u8 = 2;
const QIO: u8 = 0;

/// An image of `len` bytes: an 0xE9 header (flash mode `mode`, declared size code
/// `size_code`) and noise.
fn image(len: usize, mode: u8, size_code: u8, seed: u32) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out: Vec<u8> = (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect();
    out[..4].copy_from_slice(&[0xE9, 1, mode, size_code << 4]);
    out
}

fn md5_hex(data: &[u8]) -> String {
    Md5::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn device(flash: u32, fs: u32, running: Vec<u8>) -> DeviceState {
    let options = OtaDeviceOptions {
        flash_size: flash,
        fs_size: fs,
        firmware: running,
        reboot_time: Duration::ZERO,
        ..OtaDeviceOptions::default()
    };
    DeviceState::new(&options, Events::none()).unwrap()
}

/// The built-in 300KB firmware on 1MB without file system.
fn d1_mini() -> DeviceState {
    device(1 << 20, 0, OtaDeviceOptions::default().firmware)
}

/// Writes `data` in espota's 1460-byte chunks.
fn write_all(update: &mut Update, dev: &mut DeviceState, data: &[u8]) {
    for chunk in data.chunks(1460) {
        assert_eq!(update.write(dev, chunk).unwrap(), chunk.len());
    }
}

#[track_caller]
fn refused(result: Result<Update, UpdaterError>) -> u8 {
    result.expect_err("refused").code
}

#[test]
fn firmware_is_staged_against_the_ota_limit() {
    let mut dev = d1_mini();
    // 400KB = 0x64000 bytes, a whole number of sectors: 0xFB000 - 0x64000 = 0x97000.
    let new = image(400 * KB as usize, DIO, 2, 1);
    let mut update = Update::begin(&mut dev, new.len() as u32, UpdateTarget::Firmware).unwrap();
    assert_eq!(update.start(), 0x97000);
    write_all(&mut update, &mut dev, &new);
    assert!(update.is_finished());
    update.end(&mut dev, Some(&md5_hex(&new)), false).unwrap();
    assert_eq!(&dev.flash()[0x97000..0x97000 + new.len()], &new[..]);
    assert_eq!(
        dev.pending_copy(),
        Some(EbootCopy {
            from: 0x97000,
            len: 400 * KB
        })
    );
    assert_eq!(
        dev.running_len(),
        300 * KB,
        "nothing changes before the reboot"
    );

    dev.restart();
    assert_eq!(&dev.flash()[..new.len()], &new[..]);
    assert_eq!(dev.running_len(), 400 * KB);
    assert_eq!(dev.pending_copy(), None);
    assert_eq!(
        &dev.flash()[0x97000..0x97000 + new.len()],
        &new[..],
        "the staged copy stays"
    );
}

#[test]
fn an_odd_size_is_rounded_up_to_sectors() {
    let mut dev = d1_mini();
    // 100001 bytes take 25 sectors (0x19000): 0xFB000 - 0x19000 = 0xE2000.
    let update = Update::begin(&mut dev, 100_001, UpdateTarget::Firmware).unwrap();
    assert_eq!(update.start(), 0xE2000);
}

#[test]
fn not_enough_space_beside_the_running_image() {
    // A 290KB core image ends in its 73rd sector (0x49000); 0xFB000 - 0x49000 = 0xB2000
    // bytes (712KB) are left: ESPurna's second step.
    let mut dev = device(1 << 20, 0, image(290 * KB as usize, DIO, 2, 2));
    let fits = Update::begin(&mut dev, 0xB2000, UpdateTarget::Firmware).unwrap();
    assert_eq!(fits.start(), 0x49000);
    assert_eq!(dev.free_sketch_space(), 0xB2000);
    let code = refused(Update::begin(&mut dev, 0xB2001, UpdateTarget::Firmware));
    assert_eq!(code, UpdaterError::SPACE);
    // The 300KB built-in image takes 75 sectors (0x4B000): 0xB0000 bytes (704KB) are left.
    let mut dev = d1_mini();
    assert_eq!(dev.free_sketch_space(), 0xFB000 - 0x4B000);
    assert!(Update::begin(&mut dev, 0xB0000, UpdateTarget::Firmware).is_ok());
    let code = refused(Update::begin(&mut dev, 0xB0001, UpdateTarget::Firmware));
    assert_eq!(code, UpdaterError::SPACE);
}

#[test]
fn file_system_images_go_over_the_file_system() {
    let mut dev = device(1 << 20, 64 * KB, image(300 * KB as usize, DIO, 2, 3));
    let fs = image(60_000, 0, 0, 4);
    let mut update = Update::begin(&mut dev, fs.len() as u32, UpdateTarget::FileSystem).unwrap();
    assert_eq!(update.start(), 0xEB000);
    write_all(&mut update, &mut dev, &fs);
    update.end(&mut dev, Some(&md5_hex(&fs)), false).unwrap();
    assert_eq!(&dev.flash()[0xEB000..0xEB000 + fs.len()], &fs[..]);
    assert_eq!(dev.pending_copy(), None, "no eboot copy for a file system");
    // The whole area (64KB) fits; a byte more does not.
    assert!(Update::begin(&mut dev, 64 * KB, UpdateTarget::FileSystem).is_ok());
    let code = refused(Update::begin(
        &mut dev,
        64 * KB + 1,
        UpdateTarget::FileSystem,
    ));
    assert_eq!(code, UpdaterError::SPACE);
    // No file system at all.
    let mut dev = d1_mini();
    let code = refused(Update::begin(&mut dev, 4096, UpdateTarget::FileSystem));
    assert_eq!(code, UpdaterError::SPACE);
}

#[test]
fn an_empty_image_is_a_bad_size() {
    let mut dev = d1_mini();
    let code = refused(Update::begin(&mut dev, 0, UpdateTarget::Firmware));
    assert_eq!(code, UpdaterError::SIZE);
}

#[test]
fn a_running_image_declaring_more_flash_than_the_chip_cannot_update() {
    // Declares 4MB (code 4) on a 1MB chip: `ESP.checkFlashConfig` fails.
    let mut dev = device(1 << 20, 0, image(100 * KB as usize, DIO, 4, 5));
    let error = Update::begin(&mut dev, 4096, UpdateTarget::Firmware).unwrap_err();
    assert_eq!(error.code, UpdaterError::FLASH_CONFIG);
    assert_eq!(error.text, "Flash config wrong real: 1048576 IDE: 4194304");
}

#[test]
fn the_first_bytes_must_be_an_image_header() {
    let mut dev = d1_mini();
    let mut update = Update::begin(&mut dev, 8192, UpdateTarget::Firmware).unwrap();
    let error = update.write(&mut dev, &[0u8; 1460]).unwrap_err();
    assert_eq!(error.code, UpdaterError::MAGIC_BYTE);
    assert_eq!(error.text, "Magic byte is wrong, not 0xE9");
    assert_eq!(
        update.write(&mut dev, &[0xE9; 10]).unwrap_err().code,
        UpdaterError::MAGIC_BYTE
    );
    assert_eq!(
        update.end(&mut dev, None, true).unwrap_err().code,
        UpdaterError::MAGIC_BYTE
    );

    // Declaring 4MB on a 1MB chip.
    let mut update = Update::begin(&mut dev, 8192, UpdateTarget::Firmware).unwrap();
    let error = update.write(&mut dev, &image(1460, DIO, 4, 6)).unwrap_err();
    assert_eq!(error.code, UpdaterError::NEW_FLASH_CONFIG);

    // File system images are not checked.
    let mut dev = device(1 << 20, 64 * KB, image(300 * KB as usize, DIO, 2, 3));
    let mut update = Update::begin(&mut dev, 8192, UpdateTarget::FileSystem).unwrap();
    assert_eq!(update.write(&mut dev, &[0u8; 1460]).unwrap(), 1460);
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn gzip_images_are_inflated_to_zero_at_boot() {
    let mut dev = d1_mini();
    // 720KB that compress: half noise, half a repeated pattern. Too large to stage as it
    // is (0xFB000 - 0xB4000 = 0x47000 < 0x4B000), it fits compressed.
    let mut raw = image(360 * KB as usize, DIO, 2, 7);
    raw.extend((0..360 * KB).map(|i| (i % 7) as u8));
    assert_eq!(
        refused(Update::begin(
            &mut dev,
            raw.len() as u32,
            UpdateTarget::Firmware
        )),
        UpdaterError::SPACE
    );
    let packed = gzip(&raw);
    let mut update = Update::begin(&mut dev, packed.len() as u32, UpdateTarget::Firmware).unwrap();
    let at = update.start() as usize;
    write_all(&mut update, &mut dev, &packed);
    update
        .end(&mut dev, Some(&md5_hex(&packed)), false)
        .unwrap();
    assert_eq!(
        &dev.flash()[at..at + packed.len()],
        &packed[..],
        "staged as sent"
    );
    dev.restart();
    assert_eq!(&dev.flash()[..raw.len()], &raw[..]);
    assert_eq!(dev.running_len() as usize, raw.len());
}

#[test]
fn a_core_without_gzip_refuses_it() {
    let options = OtaDeviceOptions {
        accepts_gzip: false,
        ..OtaDeviceOptions::default()
    };
    let mut dev = DeviceState::new(&options, Events::none()).unwrap();
    let packed = gzip(&image(50_000, DIO, 2, 8));
    let mut update = Update::begin(&mut dev, packed.len() as u32, UpdateTarget::Firmware).unwrap();
    let error = update.write(&mut dev, &packed[..1460]).unwrap_err();
    assert_eq!(error.code, UpdaterError::MAGIC_BYTE);
}

#[test]
fn the_md5_must_match() {
    let mut dev = d1_mini();
    let new = image(50_000, DIO, 2, 9);
    let mut update = Update::begin(&mut dev, new.len() as u32, UpdateTarget::Firmware).unwrap();
    write_all(&mut update, &mut dev, &new);
    let error = update
        .end(&mut dev, Some(&md5_hex(b"something else")), false)
        .unwrap_err();
    assert_eq!(error.encode(), "ERROR[7]: MD5 Failed\n");
    assert_eq!(dev.pending_copy(), None);
    dev.restart();
    assert_eq!(dev.running_len(), 300 * KB, "the old image runs on");
}

#[test]
fn more_than_announced_is_not_enough_space() {
    let mut dev = d1_mini();
    let new = image(3000, DIO, 2, 10);
    let mut update = Update::begin(&mut dev, 2999, UpdateTarget::Firmware).unwrap();
    assert_eq!(update.write(&mut dev, &new[..1460]).unwrap(), 1460);
    assert_eq!(update.remaining(), 1539);
    let error = update.write(&mut dev, &new[1460..]).unwrap_err();
    assert_eq!(error.code, UpdaterError::SPACE);
}

#[test]
fn an_unfinished_update_fails_unless_told_to_end_where_it_stopped() {
    let mut dev = d1_mini();
    let new = image(20_000, DIO, 2, 11);
    let mut update = Update::begin(&mut dev, 30_000, UpdateTarget::Firmware).unwrap();
    write_all(&mut update, &mut dev, &new);
    assert!(!update.is_finished());
    let error = update.end(&mut dev, None, false).unwrap_err();
    assert_eq!(error.encode(), "ERROR[0]: No Error\n");

    // ESPurna's web upgrade: begin with the free space, end even if remaining.
    let mut update = Update::begin(&mut dev, 30_000, UpdateTarget::Firmware).unwrap();
    let at = update.start();
    write_all(&mut update, &mut dev, &new);
    update.end(&mut dev, None, true).unwrap();
    assert_eq!(
        dev.pending_copy(),
        Some(EbootCopy {
            from: at,
            len: 20_000
        })
    );
}

#[test]
fn the_flash_mode_becomes_the_running_one_but_the_md5_is_of_what_was_sent() {
    let mut dev = d1_mini();
    let new = image(10_000, QIO, 2, 12);
    let mut update = Update::begin(&mut dev, new.len() as u32, UpdateTarget::Firmware).unwrap();
    let at = update.start() as usize;
    write_all(&mut update, &mut dev, &new);
    update.end(&mut dev, Some(&md5_hex(&new)), false).unwrap();
    assert_eq!(dev.flash()[at + 2], DIO);
    assert_eq!(&dev.flash()[at + 3..at + new.len()], &new[3..]);
}
