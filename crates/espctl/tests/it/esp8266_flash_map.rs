//! The ESP8266 flash map workflows of the guides: init data and a blank sector placed
//! where the declared flash size puts them, the Arduino layout with its OTA limit, and
//! whether an image can be updated over the air.

use crate::ESPCTL;
use espctl_testkit::{Link, Stubs, noise};

/// An ESP8266 application image whose header declares `size_code` (byte 3, high nibble).
fn app_declaring(size_code: u8) -> Vec<u8> {
    let mut app = crate::firmware();
    app[3] = (app[3] & 0x0F) | size_code;
    app
}

#[test]
fn init_data_and_blank_go_where_the_declared_size_puts_them() {
    let init = noise(128, 42);
    for (size, code, init_at, blank_at) in [
        ("512KB", 0x00, 0x7C000, 0x7E000),
        ("1MB", 0x20, 0xFC000, 0xFE000),
        ("2MB", 0x30, 0x1FC000, 0x1FE000),
        ("4MB", 0x40, 0x3FC000, 0x3FE000),
        ("8MB", 0x80, 0x7FC000, 0x7FE000),
        ("16MB", 0x90, 0xFFC000, 0xFFE000),
    ] {
        let env = ESPCTL.workdir(Stubs::Installed);
        let dev = ESPCTL.device("esp8266", Link::InProcess, size);
        let bytes = espctl_chips::size_syntax::flash_bytes(size).unwrap() as usize;
        std::fs::write(&dev.flash_file, noise(bytes, 1)).unwrap();
        env.write("app.bin", &app_declaring(code));
        env.write("init.bin", &init);
        env.espctl(&[
            "--port",
            &dev.port,
            // The v5 name: a v4 one gets esptool's deprecation warning.
            "write-flash",
            "--esp8266-init-data",
            "init.bin",
            "--esp8266-blank",
            "0x0",
            "app.bin",
        ])
        .ok()
        .has(&format!(
            "ESP8266 SDK areas for a {size} flash map: init data at {init_at:#010x}, blank sector at {blank_at:#010x}."
        ))
        .lacks("WARNING");
        let flash = dev.flash();
        espctl_testkit::assert_flash_holds(&flash, init_at, &init, size);
        espctl_testkit::assert_erased(&flash, blank_at..blank_at + 4096, size);
    }
}

/// A header declaring less than the chip has: the data goes where the SDK will look
/// (the declared size), and the mismatch is reported as the boot-loop cause it is.
#[test]
fn a_declared_size_smaller_than_the_chip_is_reported() {
    let env = ESPCTL.workdir(Stubs::Installed);
    let dev = ESPCTL.device("esp8266", Link::InProcess, "4MB");
    env.write("app.bin", &app_declaring(0x40));
    env.write("init.bin", &noise(128, 2));
    let out = env
        .espctl(&[
            "--port",
            &dev.port,
            "write_flash",
            "-fs",
            "1MB",
            "--esp8266-init-data",
            "init.bin",
            "0x0",
            "app.bin",
        ])
        .ok();
    out.says("The image at 0x0 declares a 1MB flash but the chip has 4MB")
        .has("ESP8266 SDK areas for a 1MB flash map: init data at 0x000fc000.");
    espctl_testkit::assert_flash_holds(&dev.flash(), 0xFC000, &noise(128, 2), "init data");

    // Not an ESP8266: refused before anything is written.
    let esp32 = ESPCTL.device("esp32", Link::InProcess, "4MB");
    let out = env.espctl(&[
        "--port",
        &esp32.port,
        "write_flash",
        "--esp8266-blank",
        "0x10000",
        "app.bin",
    ]);
    assert!(out.fatal().contains("do not exist on the ESP32"), "{out}");
}

#[test]
fn layouts_follow_the_arduino_core() {
    let env = ESPCTL.workdir(Stubs::None);
    env.espctl(&["--chip", "esp8266", "layout", "--flash-size", "1MB"])
        .ok()
        .has("ESP8266 Arduino flash layout: 1MB flash, no file system")
        .has("  0x0fb000-0x0fbfff      4KB    1 sector   EEPROM")
        .has("Largest image that can be updated over the air: 512000 bytes (125 sectors).");
    env.espctl(&["layout", "--flash-size", "4MB", "--fs-size", "1MB"])
        .ok()
        .has("  0x300000-0x3f9fff   1000KB  250 sectors  file system")
        .has("Largest sketch: 1044464 bytes.");
    let out = env.espctl(&["--chip", "esp32", "layout", "--flash-size", "4MB"]);
    assert!(out.fatal().contains("use --chip esp8266"), "{out}");
    let out = env.espctl(&["layout", "--flash-size", "1MB", "--fs-size", "2MB"]);
    assert!(out.fatal().contains("leaves no room for a sketch"), "{out}");
}

#[test]
fn ota_check_says_one_step_two_steps_or_none() {
    let env = ESPCTL.workdir(Stubs::None);
    let mut big = crate::firmware();
    big.resize(700_000, 0xAA);
    env.write("small.bin", &crate::firmware());
    env.write("big.bin", &big);
    env.espctl(&[
        "--chip",
        "esp8266",
        "image-info",
        "--ota-check",
        "--flash-size",
        "1MB",
        "small.bin",
    ])
    .ok()
    .says("Fits: it can be updated over the air in one step (largest: 512000 bytes).");
    env.espctl(&[
        "image-info",
        "--ota-check",
        "--flash-size",
        "1MB",
        "big.bin",
    ])
    .ok()
    .says("a two-step update works, first an image of at most 327680 bytes, then this one.");
    let out = env.espctl(&[
        "image-info",
        "--ota-check",
        "--flash-size",
        "512KB",
        "big.bin",
    ]);
    assert!(
        out.fatal()
            .contains("cannot be updated over the air on this layout"),
        "{out}"
    );
}
