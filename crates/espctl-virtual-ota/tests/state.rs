//! The device state: free sketch space, the NOR flash and its file, the busy claim and
//! the reboot.

use espctl_virtual_ota::{DeviceState, Events, OtaDeviceError, OtaDeviceOptions, builtin_firmware};
use std::time::Duration;

fn options() -> OtaDeviceOptions {
    OtaDeviceOptions {
        reboot_time: Duration::ZERO,
        ..OtaDeviceOptions::default()
    }
}

#[test]
fn free_sketch_space_counts_the_running_image_from_zero() {
    // 1MB, no FS: the OTA limit is the EEPROM sector, 0xFB000. A 290KB image takes
    // 73 sectors (0x49000), which leaves 0xB2000 bytes: 712KB.
    let mut o = options();
    o.firmware = vec![0xE9; 290 * 1024];
    let dev = DeviceState::new(&o, Events::none()).unwrap();
    assert_eq!(dev.free_sketch_space(), 0xFB000 - 0x49000);
    assert_eq!(dev.free_sketch_space() / 1024, 712);
    assert_eq!(dev.running_len(), 290 * 1024);
}

#[test]
fn nor_programming_only_clears_bits_and_reaches_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flash.bin");
    let mut o = options();
    o.flash_file = Some(path.clone());
    let mut dev = DeviceState::new(&o, Events::none()).unwrap();
    let at = 0x80000;
    dev.program(at, &[0xF0, 0x0F]).unwrap();
    dev.program(at, &[0x3C, 0xFF]).unwrap();
    assert_eq!(&dev.flash()[at as usize..at as usize + 2], &[0x30, 0x0F]);
    let file = std::fs::read(&path).unwrap();
    assert_eq!(file, dev.flash());
    assert_eq!(&file[..16], &builtin_firmware(1 << 20)[..16]);
    dev.erase_sector(at + 100).unwrap();
    assert_eq!(std::fs::read(&path).unwrap()[at as usize], 0xFF);
}

#[test]
fn a_flash_file_of_another_size_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flash.bin");
    std::fs::write(&path, [1u8; 1000]).unwrap();
    let mut o = options();
    o.flash_file = Some(path.clone());
    let err = DeviceState::new(&o, Events::none()).unwrap_err();
    assert!(err.to_string().contains("1000 bytes"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), [1u8; 1000]);
}

#[test]
fn firmware_beyond_the_ota_limit_is_refused() {
    let mut o = options();
    o.firmware = vec![0xE9; 0xFB001];
    assert!(matches!(
        DeviceState::new(&o, Events::none()),
        Err(OtaDeviceError::FirmwareTooLarge { .. })
    ));
}

#[test]
fn one_claim_at_a_time() {
    let dev = DeviceState::new(&options(), Events::none()).unwrap();
    let claim = dev.try_claim().unwrap();
    assert!(dev.is_busy());
    assert!(dev.try_claim().is_none());
    drop(claim);
    assert!(!dev.is_busy());
    assert!(dev.try_claim().is_some());
}

#[test]
fn the_reboot_completes_after_the_reboot_time() {
    let mut o = options();
    o.reboot_time = Duration::from_millis(30);
    let mut dev = DeviceState::new(&o, Events::none()).unwrap();
    dev.restart();
    assert!(dev.is_rebooting());
    dev.tick();
    assert!(dev.is_rebooting(), "not before its time");
    std::thread::sleep(Duration::from_millis(40));
    dev.tick();
    assert!(!dev.is_rebooting());
    assert_eq!(dev.boots(), 2);
}
