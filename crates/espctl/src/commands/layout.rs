//! `layout --chip esp8266 --flash-size 1MB [--fs-size 64KB]`: the ESP8266 Arduino core's
//! flash map and what it leaves for over-the-air updates.

use crate::console::say;
use crate::fatal::Fatal;
use crate::render::flash_map::{row, size_text};
use espctl_chips::{FLASH_SECTOR_SIZE, FlashSize};
use espctl_image::esp8266_flash_map::{arduino_fs_sizes, arduino_layout, sdk_areas};

/// `layout`.
pub fn layout(flash: FlashSize, fs: u32) -> Result<(), Fatal> {
    let l = arduino_layout(flash.bytes(), fs)?;
    let fs_text = if fs == 0 {
        "no file system".to_string()
    } else {
        format!("{} file system", size_text(fs))
    };
    say!("ESP8266 Arduino flash layout: {flash} flash, {fs_text}");
    row(&l.eboot, "eboot (boot loader)");
    row(
        &(l.sketch.start..l.ota_limit),
        "sketch and OTA space (the running sketch and a staged update)",
    );
    if let Some(f) = &l.file_system {
        row(f, "file system");
        if f.end < l.eeprom.start {
            row(
                &(f.end..l.eeprom.start),
                "unused (file system block rounding)",
            );
        }
    }
    row(&l.eeprom, "EEPROM");
    row(&l.rf_cal, "RF calibration (the SDK's init data sector)");
    row(&l.sdk_wifi, "SDK system parameters (Wi-Fi settings)");
    let sdk = sdk_areas(flash);
    say!(
        "Non-OS SDK firmware (not Arduino): init data at {:#x}, blank.bin at {:#x}.",
        sdk.init_data,
        sdk.blank
    );
    say!("Largest sketch: {} bytes.", l.sketch.len());
    let ota = l.max_ota_image();
    say!(
        "Largest image that can be updated over the air: {ota} bytes ({} sectors).",
        ota / FLASH_SECTOR_SIZE
    );
    let others: Vec<String> = arduino_fs_sizes(flash.bytes())
        .iter()
        .filter(|&&s| s != fs)
        .map(|&s| {
            if s == 0 {
                "none".to_string()
            } else {
                size_text(s)
            }
        })
        .collect();
    if !others.is_empty() {
        say!(
            "Other file system sizes of this flash size: {}.",
            others.join(", ")
        );
    }
    Ok(())
}
