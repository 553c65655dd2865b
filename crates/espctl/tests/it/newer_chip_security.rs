//! The security eFuses of the chips after the ESP32, burnt with `espctl virtual --efuse`
//! (espefuse's field names), against esptool 5.6.0 and espctl: GET_SECURITY_INFO's
//! lines, the stub esptool does not run there (ESP32-C3 with Secure Boot, Secure
//! Download Mode), what Secure Download Mode refuses, and the write and erase checks
//! made from these eFuses.

use crate::ESPCTL;
use espctl_testkit::{Device, Link, Run, Stubs, WorkDir, same_lines};

/// A served device with `efuse` burnt and a blank 4MB flash.
fn device(chip: &str, efuse: &str) -> Device {
    ESPCTL
        .device_options(chip, Link::Socket)
        .flash_size("4MB")
        .server_args(&["--efuse", efuse])
        .start()
}

/// esptool, then espctl, run `args` on `dev`; both must exit with `code`.
fn both(env: &WorkDir, dev: &Device, args: &[&str], code: i32) -> [Run; 2] {
    let mut full = vec!["--port", dev.port.as_str()];
    full.extend_from_slice(args);
    let theirs = env.esptool(&full);
    let ours = env.espctl(&full);
    theirs.exits(code);
    ours.exits(code);
    [theirs, ours]
}

/// The lines get-security-info prints from the answer.
const SECURITY_LINES: &[&str] = &[
    "Flags:",
    "Key Purposes:",
    "  BLOCK_KEY",
    "Chip ID:",
    "API Version:",
    "Secure Boot",
    "Flash Encryption:",
    "SPI Boot Crypt Count",
    "JTAG:",
];

const SDM_STUB_WARNING: &str = "WARNING: Stub flasher is not supported in Secure Download Mode, it has been disabled. Set --no-stub to suppress this warning.";

#[test]
fn c3_secure_boot_and_flash_encryption_read_the_same_with_both_tools() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let dev = device(
        "esp32c3",
        "secure-boot-en,spi-boot-crypt-cnt=1,key-purpose-0=XTS_AES_128_KEY,soft-dis-jtag=1",
    );
    let runs = both(&env, &dev, &["get-security-info"], 0);
    assert_eq!(
        same_lines(&runs, SECURITY_LINES),
        [
            "Flags: 0x00000041 (0b1000001)",
            "Key Purposes: (4, 0, 0, 0, 0, 0, 12)",
            "  BLOCK_KEY0 - XTS_AES_128_KEY",
            "  BLOCK_KEY1 - USER/EMPTY",
            "  BLOCK_KEY2 - USER/EMPTY",
            "  BLOCK_KEY3 - USER/EMPTY",
            "  BLOCK_KEY4 - USER/EMPTY",
            "  BLOCK_KEY5 - USER/EMPTY",
            "Chip ID: 5",
            "API Version: 0",
            "Secure Boot: Enabled",
            "Flash Encryption: Enabled",
            "SPI Boot Crypt Count (SPI_BOOT_CRYPT_CNT): 0x1",
            "JTAG: Software Access Disabled",
        ]
    );
}

#[test]
fn c3_with_secure_boot_is_written_through_the_rom_and_not_erased_whole() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let data = espctl_testkit::noise(2048, 7);
    env.write("small.bin", &data);
    let dev = device("esp32c3", "secure-boot-en");
    let warning = "WARNING: Stub flasher is not supported on ESP32-C3 with Secure Boot, it has been disabled. Set --no-stub to suppress this warning.";
    // Each tool writes its own copy (espctl would find the other's there already).
    let port = dev.port.as_str();
    let theirs = env.esptool(&["--port", port, "write-flash", "0x10000", "small.bin"]);
    let ours = env.espctl(&["--port", port, "write-flash", "0x20000", "small.bin"]);
    for run in [&theirs, &ours] {
        run.exits(0)
            .says(warning)
            .has("Hash of data verified.")
            .lacks("Stub running");
    }
    assert_eq!(dev.flash()[0x10000..0x10800], data[..]);
    assert_eq!(dev.flash()[0x20000..0x20800], data[..]);
    let runs = both(&env, &dev, &["erase-flash"], 2);
    let refusal =
        "Active security features detected, erasing flash is disabled as a safety measure.";
    runs[0].says(refusal);
    assert!(runs[1].fatal().contains(refusal), "{}", runs[1]);
    assert_eq!(dev.flash()[0x10000..0x10800], data[..]);
}

#[test]
fn s3_in_secure_download_mode_works_through_the_rom_as_esptool_documents() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let data = espctl_testkit::noise(2048, 11);
    env.write("small.bin", &data);
    let dev = device("esp32s3", "enable-security-download");

    let runs = both(&env, &dev, &["get-security-info"], 0);
    for run in &runs {
        run.says("Detecting chip type... ESP32-S3")
            .has("Chip type:          ESP32-S3 in Secure Download Mode")
            .says(SDM_STUB_WARNING)
            .lacks("MAC:");
    }
    let seen = same_lines(&runs, SECURITY_LINES);
    assert_eq!(seen[0], "Flags: 0x00000004 (0b100)");

    // Only get-security-info, write-flash and erase-region are available.
    for args in [&["flash-id"][..], &["read-flash", "0", "0x100", "r.bin"]] {
        let runs = both(&env, &dev, args, 2);
        let refusal = format!(
            "The '{}' command is not available in Secure Download Mode.",
            args[0]
        );
        runs[0].says(&refusal);
        let line = runs[1].fatal();
        assert!(line.contains(&refusal), "{line}");
        assert!(
            line.contains("allows only get-security-info"),
            "no hint: {line}"
        );
    }

    // write-flash goes through the ROM, without verification; so does --no-stub,
    // without the warning.
    for run in both(&env, &dev, &["write-flash", "0x10000", "small.bin"], 0) {
        run.says(SDM_STUB_WARNING)
            .has("Cannot verify written data if encrypted or in secure download mode.")
            .says("WARNING: Security features enabled, so not changing any flash settings.")
            .lacks("Stub running");
    }
    assert_eq!(dev.flash()[0x10000..0x10800], data[..]);
    for run in both(
        &env,
        &dev,
        &["--no-stub", "write-flash", "0x20000", "small.bin"],
        0,
    ) {
        run.lacks("Stub flasher is not supported");
    }
    assert_eq!(dev.flash()[0x20000..0x20800], data[..]);
    for run in both(&env, &dev, &["erase-region", "0x20000", "0x1000"], 0) {
        run.has("Flash memory region erased successfully in 0.0 seconds.");
    }
    assert!(dev.flash()[0x20000..0x21000].iter().all(|&b| b == 0xFF));
    // Detecting the flash size needs RDID, which the mode does not allow.
    let runs = both(
        &env,
        &dev,
        &[
            "write-flash",
            "--flash-size",
            "detect",
            "0x10000",
            "small.bin",
        ],
        2,
    );
    let refusal = "Detecting flash size is not supported in secure download mode.";
    runs[0].says(refusal);
    assert!(runs[1].fatal().contains(refusal), "{}", runs[1]);
}

#[test]
fn s2_in_secure_download_mode_is_told_by_its_refused_read_reg() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let dev = device(
        "esp32s2",
        "enable-security-download,dis-download-dcache,secure-boot-en,\
         secure-boot-aggressive-revoke,secure-boot-key-revoke1,hard-dis-jtag,dis-usb",
    );
    let runs = both(&env, &dev, &["get-security-info"], 0);
    for run in &runs {
        run.says("Detecting chip type... ESP32-S2")
            .has("Chip type:          ESP32-S2 in Secure Download Mode");
    }
    assert_eq!(
        same_lines(
            &runs,
            &[
                "Flags:",
                "Dcache",
                "Secure Boot",
                "        Secure Boot Key",
                "JTAG:",
                "USB Access:",
                "Chip ID:"
            ]
        ),
        [
            "Flags: 0x00000397 (0b1110010111)",
            "Secure Boot: Enabled",
            "Secure Boot Aggressive key revocation: Enabled",
            "Secure Boot Key Revocation Status:",
            "        Secure Boot Key1 is Revoked",
            "Dcache in UART download mode: Disabled",
            "JTAG: Permanently Disabled",
            "USB Access: Disabled",
        ]
    );
}

#[test]
fn plaintext_onto_an_encrypting_chip_is_refused_from_its_efuses() {
    let env = ESPCTL.workdir(Stubs::Installed);
    env.write("small.bin", &espctl_testkit::noise(1024, 3));
    for (chip, efuse, refusal) in [
        (
            "esp32s3",
            "enable-security-download,spi-boot-crypt-cnt=1",
            "Detected flash encryption and secure download mode enabled.",
        ),
        (
            "esp32c6",
            "spi-boot-crypt-cnt=1,dis-download-manual-encrypt",
            "Detected flash encryption enabled and download manual encrypt disabled.",
        ),
    ] {
        let dev = device(chip, efuse);
        let runs = both(&env, &dev, &["write-flash", "0x10000", "small.bin"], 2);
        runs[0].says(refusal);
        let line = runs[1].fatal();
        assert!(line.contains(refusal), "{chip}: {line}");
        assert!(dev.flash()[0x10000..0x10400].iter().all(|&b| b == 0xFF));
        both(
            &env,
            &dev,
            &["write-flash", "--force", "0x10000", "small.bin"],
            0,
        );
        assert!(dev.flash()[0x10000..0x10400].iter().any(|&b| b != 0xFF));
    }
}

#[test]
fn a_field_the_chip_lacks_is_refused_in_one_line() {
    let env = ESPCTL.workdir(Stubs::None);
    for (chip, efuse, says) in [
        (
            "esp32c2",
            "secure-boot-key-revoke0",
            "the ESP32-C2 has no eFuse SECURE_BOOT_KEY_REVOKE0",
        ),
        (
            "esp32s3",
            "flash-crypt-cnt=1",
            "eFuse 'flash-crypt-cnt=1' is the ESP32's",
        ),
        ("esp32", "secure-boot-en", "is not the ESP32's"),
        (
            "esp32c3",
            "key-purpose-0=XTS_AES_256_KEY_1",
            "the ESP32-C3 has no key purpose XTS_AES_256_KEY_1",
        ),
    ] {
        let run = env.espctl(&[
            "virtual",
            "--chip",
            chip,
            "--listen",
            "127.0.0.1:0",
            "--efuse",
            efuse,
        ]);
        let line = run.fatal();
        assert!(line.contains(says), "{chip} {efuse}: {line}");
    }
}

#[test]
fn c5_key_manager_recovery_region_is_refused_below_0x2000() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let data = espctl_testkit::noise(2048, 5);
    env.write("small.bin", &data);
    let dev = device(
        "esp32c5",
        "spi-boot-crypt-cnt=1,force-use-key-manager-key=2",
    );
    let blank = |dev: &Device, at: usize| dev.flash()[at..at + 0x800].iter().all(|&b| b == 0xFF);

    let runs = both(&env, &dev, &["write-flash", "0x1000", "small.bin"], 2);
    let refusal = "Flash encryption with Key Manager detected, writing to flash region 0x0-0x2000 is disabled to protect key recovery info.";
    runs[0].says(refusal);
    assert!(runs[1].fatal().contains(refusal), "{}", runs[1]);
    assert!(blank(&dev, 0x1000));
    // The region starts below 0x2000 here; above it the generic erase refusal follows.
    let runs = both(&env, &dev, &["erase-region", "0x1000", "0x1000"], 2);
    let refusal = "Flash encryption with Key Manager detected, erasing flash region 0x0-0x2000 is disabled to protect key recovery info.";
    runs[0].says(refusal);
    assert!(runs[1].fatal().contains(refusal), "{}", runs[1]);
    let runs = both(&env, &dev, &["erase-region", "0x10000", "0x1000"], 2);
    let refusal =
        "Active security features detected, erasing flash is disabled as a safety measure.";
    runs[0].says(refusal);
    assert!(runs[1].fatal().contains(refusal), "{}", runs[1]);

    // Above 0x2000 both write (the loader encrypts nothing it is not asked to).
    for run in both(&env, &dev, &["write-flash", "0x10000", "small.bin"], 0) {
        run.lacks("Key Manager");
    }
    assert_eq!(dev.flash()[0x10000..0x10800], data[..]);
    let ours = env.espctl(&[
        "--port",
        dev.port.as_str(),
        "write-flash",
        "--force",
        "0x1000",
        "small.bin",
    ]);
    ours.exits(0);
    assert_eq!(dev.flash()[0x1000..0x1800], data[..]);
}

#[test]
fn the_key_manager_flag_alone_guards_nothing() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let data = espctl_testkit::noise(2048, 6);
    env.write("small.bin", &data);
    let dev = device("esp32p4", "force-use-key-manager-key=2");
    both(&env, &dev, &["write-flash", "0x1000", "small.bin"], 0);
    assert_eq!(dev.flash()[0x1000..0x1800], data[..]);
}
